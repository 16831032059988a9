"""The CSV import's rules, told with extensions, DIDs and hunt lists (docs/csv.md): what
a file may hold, how a bad row is reported, what a duplicate does, who may import what,
and that the change log and the webhooks hear of each object. test_import_export_matrix
checks the same machinery over every resource."""

import pytest

from extensions.models import Extension
from pbx.models import ChangeLog
from routing.models import DID, HuntList
from tests.api.support import assert_error, body_text, snapshot
from tests.factories import ExtensionFactory, VoicemailFactory, WebhookFactory
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

HEADER = "number,name,tech,password"


def rows(count, start=100):
    return "".join(f"{n},User {n},PJSIP,Secret-pass-{n}\r\n" for n in range(start, start + count))


def post(client, text, path="/api/extensions/import/", content_type="text/csv", **query):
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    body = text if isinstance(text, bytes) else text.encode()
    return client.post(url, body, content_type=content_type)


def export(client, path="/api/extensions/export/"):
    response = client.get(path)
    assert response.status_code == 200
    return body_text(response)


# --- a good file ------------------------------------------------------------------------------


def test_a_file_of_new_extensions_creates_them_all(api, acme_key, acme):
    response = post(api(acme_key), HEADER + "\r\n" + rows(3))
    assert response.status_code == 201, response.json()
    report = response.json()
    assert (report["rows"], report["created"], report["refused"]) == (3, 3, 0)
    assert sorted(Extension.objects.filter(tenant=acme).values_list("number", flat=True)) == [
        "100",
        "101",
        "102",
    ]
    assert [r["line"] for r in report["results"]] == [2, 3, 4]
    assert all(r["id"] for r in report["results"])


def test_each_object_is_in_the_change_log_and_fires_its_webhook(api, acme_key, acme):
    WebhookFactory(tenant=acme, events=["extension.created"])
    post(api(acme_key), HEADER + "\r\n" + rows(3))
    assert ChangeLog.objects.filter(object_type="extension", action="create").count() == 3
    assert Delivery.objects.filter(event="extension.created").count() == 3


def test_destinations_tags_and_codecs_are_one_cell_each(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    text = (
        "number,name,tags,codecs,destinations.EXT-BUSY,onnoanswer\r\n"
        f'100,Alice,vip;lobby,"alaw:20;ulaw",VOICEMAIL-{box.pk};HANGUP,VOICEMAIL-{box.pk}\r\n'
    )
    response = post(api(acme_key), text)
    assert response.status_code == 201, response.json()
    detail = api(acme_key).get(f"/api/extensions/{response.json()['results'][0]['id']}/").json()
    assert detail["tags"] == ["lobby", "vip"]
    assert detail["codecs"] == ["alaw", "ulaw"]
    assert [d["destination"] for d in detail["destinations"]["EXT-BUSY"]] == [f"VOICEMAIL-{box.pk}", "HANGUP"]
    assert [d["destination"] for d in detail["destinations"]["EXT-NOANSWER"]] == [f"VOICEMAIL-{box.pk}"]


def test_hunt_list_members_are_one_cell(api, acme_key, acme):
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    text = f"number,name,members\r\n600,Sales,EXT-{first.pk};EXT-{second.pk}\r\n"
    response = post(api(acme_key), text, path="/api/hunt-lists/import/")
    assert response.status_code == 201, response.json()
    hunt = HuntList.objects.get(number="600")
    assert [m.extension_id for m in hunt.memberships.order_by("position")] == [first.pk, second.pk]


def test_a_row_may_name_an_object_created_above_it(api, acme_key, acme):
    post(api(acme_key), HEADER + "\r\n" + rows(1, start=700))
    extension = Extension.objects.get(number="700")
    text = f'number,name,members\r\n600,Sales,"[{{""extension"": {extension.pk}}}]"\r\n'
    assert post(api(acme_key), text, path="/api/hunt-lists/import/").status_code == 201


def test_aliases_of_other_systems_name_columns(api, acme_key, acme):
    response = post(api(acme_key), "ex_number,ex_name,effective_caller_id_name\r\n100,Alice,Reception\r\n")
    assert response.status_code == 201, response.json()
    assert Extension.objects.get(number="100").caller_id_name == "Reception"


def test_a_multipart_upload_is_taken_like_a_body(api, acme_key, acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("phones.csv", (HEADER + "\r\n" + rows(2)).encode(), content_type="text/csv")
    response = api(acme_key).post("/api/extensions/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2


# --- encodings and shapes of spreadsheet files ----------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("cp1252"),
        lambda text: text.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-with-bom", "windows-1252", "utf-16-with-bom"],
)
def test_spreadsheet_encodings_are_read(api, acme_key, acme, encode):
    response = post(api(acme_key), encode("number,name\r\n100,Müller €\r\n"))
    assert response.status_code == 201, response.json()
    assert Extension.objects.get(number="100").name == "Müller €"


def test_a_semicolon_separated_file_is_read(api, acme_key, acme):
    response = post(api(acme_key), "number;name;tags\r\n100;Alice;vip\r\n")
    assert response.status_code == 201, response.json()
    assert Extension.objects.get(number="100").name == "Alice"


def test_column_names_match_whatever_their_case(api, acme_key, acme):
    assert post(api(acme_key), "Number,NAME\r\n100,Alice\r\n").status_code == 201


# --- bad rows ---------------------------------------------------------------------------------


# Its size is the point on PostgreSQL; the SQLite pass checks the same rules on small files.
@pytest.mark.same_on_every_database
def test_a_bad_row_in_the_middle_of_ten_thousand_writes_nothing_and_is_named(api, acme_key, acme):
    lines = [f"{n},User {n}" for n in range(10000, 20000)]
    lines[5000] = "1x!,Bad"
    before = snapshot()
    response = post(api(acme_key), "number,name\r\n" + "\r\n".join(lines) + "\r\n", dry_run="false")
    assert_error(response, 400, "rows_refused")
    error = response.json()["error"]
    assert error["refused"] == 1 and error["rows"] == 10000
    assert [(e["line"], e["column"]) for e in error["errors"]] == [(5002, "number")]
    assert "Line 5002, column number" in error["message"]
    assert not Extension.objects.filter(tenant=acme).exists()
    assert ChangeLog.objects.filter(object_type="extension").count() == 0
    assert snapshot().keys() == before.keys()


def test_every_bad_row_is_reported_with_its_line_and_column(api, acme_key, acme):
    text = "number,name,ring_timeout\r\n100,A,30\r\nx y,B,30\r\n102,C,abc\r\n"
    error = post(api(acme_key), text).json()["error"]
    assert [(e["line"], e["column"]) for e in error["errors"]] == [(3, "number"), (4, "ring_timeout")]
    assert all(e["message"] for e in error["errors"])


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers_right(api, acme_key, acme):
    text = 'number,description\r\n100,"two\r\nlines"\r\nx y,bad\r\n'
    error = post(api(acme_key), text).json()["error"]
    assert [e["line"] for e in error["errors"]] == [4]


def test_the_column_reported_is_the_name_the_file_used(api, acme_key, acme):
    error = post(api(acme_key), "ex_number\r\nx y\r\n").json()["error"]
    assert error["errors"][0]["column"] == "ex_number"


def test_another_tenants_id_in_a_cell_is_refused_without_naming_it(api, acme_key, acme, globex):
    theirs = VoicemailFactory(tenant=globex, name="Globex secret box")
    response = post(api(acme_key), f"number,destinations.EXT-BUSY\r\n100,VOICEMAIL-{theirs.pk}\r\n")
    assert_error(response, 400, "rows_refused")
    error = response.json()["error"]["errors"][0]
    assert error["column"] == "destinations.EXT-BUSY"
    assert "Globex" not in body_text(response)
    assert not Extension.objects.exists()


def test_too_many_cells_on_a_row_is_refused_on_its_line(api, acme_key, acme):
    error = post(api(acme_key), "number\r\n100,extra\r\n").json()["error"]
    assert error["errors"][0]["line"] == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "invalid_csv"),
        (b"\r\n\r\n", "invalid_csv"),
        (b"number,bogus\r\n100,x\r\n", "unknown_field"),
        (b"number,ex_number\r\n100,100\r\n", "invalid_csv"),
        (b'number\r\n"100\r\n', "invalid_csv"),
        (b"\x00\x01\x02", "invalid_csv"),
    ],
    ids=["empty", "blank-lines", "unknown-column", "same-field-twice", "open-quote", "binary"],
)
def test_a_bad_file_is_400_saying_what_is_wrong(api, acme_key, acme, body, code):
    response = post(api(acme_key), body)
    assert_error(response, 400, code)
    assert not Extension.objects.exists()


def test_a_json_body_is_415(api, acme_key, acme):
    response = api(acme_key).post("/api/extensions/import/", [{"number": "100"}], format="json")
    assert_error(response, 415, "unsupported_media_type")


# --- dry run -----------------------------------------------------------------------------------


def test_a_dry_run_reports_what_the_write_would_do_and_writes_nothing(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", name="Old")
    text = "number,name\r\n100,New\r\n101,Fresh\r\nx y,Bad\r\n"
    response = post(api(acme_key), text, dry_run="true", on_duplicate="update")
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["updated"], report["refused"]) == (1, 1, 1)
    assert [r["action"] for r in report["results"]] == ["updated", "created", "refused"]
    assert report["errors"][0]["line"] == 4
    assert Extension.objects.get(number="100").name == "Old"
    assert not Extension.objects.filter(number="101").exists()
    assert not ChangeLog.objects.filter(object_type="extension").exists()


def test_a_dry_run_sees_a_number_twice_in_the_file(api, acme_key, acme):
    report = post(api(acme_key), "number\r\n100\r\n100\r\n", dry_run="true").json()
    assert report["refused"] == 1
    assert report["errors"][0]["line"] == 3 and "Line 2" in report["errors"][0]["message"]


# --- duplicates -------------------------------------------------------------------------------


def test_an_existing_number_fails_by_default(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100")
    response = post(api(acme_key), "number,name\r\n100,New\r\n101,Fresh\r\n")
    assert_error(response, 400, "rows_refused")
    assert response.json()["error"]["errors"][0]["code"] == "duplicate"
    assert not Extension.objects.filter(number="101").exists()


def test_skip_leaves_an_existing_object_and_creates_the_rest(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", name="Old")
    report = post(api(acme_key), "number,name\r\n100,New\r\n101,Fresh\r\n", on_duplicate="skip").json()
    assert (report["skipped"], report["created"]) == (1, 1)
    assert Extension.objects.get(number="100").name == "Old"


def test_update_changes_only_the_columns_present(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", name="Old", description="kept", ring_timeout=45)
    report = post(api(acme_key), "number,name\r\n100,New\r\n", on_duplicate="update").json()
    assert report["updated"] == 1
    extension = Extension.objects.get(number="100")
    assert (extension.name, extension.description, extension.ring_timeout) == ("New", "kept", 45)


def test_an_export_imported_back_logs_nothing_and_keeps_updated_at(api, acme_key, acme):
    post(
        api(acme_key), HEADER + ",tags\r\n" + "".join(f"{n},U,PJSIP,Secret-pass-{n},vip\r\n" for n in (1, 2))
    )
    stamps = dict(Extension.objects.values_list("number", "updated_at"))
    changes = ChangeLog.objects.count()
    report = post(api(acme_key), export(api(acme_key)), on_duplicate="update").json()
    assert report["unchanged"] == 2
    assert ChangeLog.objects.count() == changes
    assert dict(Extension.objects.values_list("number", "updated_at")) == stamps


def test_a_did_is_found_by_its_number_in_any_notation(api, admin_key, acme):
    post(api(admin_key), "tenant,number\r\nACME,+390212345678\r\n", path="/api/dids/import/")
    report = post(
        api(admin_key),
        "tenant,number,description\r\nACME,0039 02 1234 5678,Main\r\n",
        path="/api/dids/import/",
        on_duplicate="update",
    ).json()
    assert report["updated"] == 1
    assert DID.objects.get().description == "Main"


# --- who may import what ----------------------------------------------------------------------


def test_a_tenant_key_imports_into_its_own_tenant(api, acme_key, acme):
    post(api(acme_key), "number\r\n100\r\n")
    assert Extension.objects.get().tenant == acme


def test_a_tenant_key_cannot_name_another_tenant_in_the_tenant_column(api, acme_key, acme, globex):
    response = post(api(acme_key), "tenant,number\r\nGLOBEX,100\r\n")
    assert_error(response, 400, "rows_refused")
    assert response.json()["error"]["errors"][0]["column"] == "tenant"
    assert not Extension.objects.exists()


def test_a_global_key_imports_into_the_tenants_its_rows_name(api, admin_key, acme, globex):
    response = post(api(admin_key), "tenant,number\r\nACME,100\r\nGLOBEX,100\r\n")
    assert response.status_code == 201, response.json()
    assert sorted(Extension.objects.values_list("tenant__code", flat=True)) == ["ACME", "GLOBEX"]


def test_a_global_key_without_a_tenant_is_told_to_name_one(api, admin_key, acme, globex):
    response = post(api(admin_key), "number\r\n100\r\n")
    assert_error(response, 400, "rows_refused")
    assert response.json()["error"]["errors"][0]["code"] == "missing_tenant"


def test_a_tenant_key_does_not_see_or_update_another_tenants_object(api, globex_key, acme, globex):
    ExtensionFactory(tenant=acme, number="100", name="Acme's")
    report = post(api(globex_key), "number,name\r\n100,Mine\r\n", on_duplicate="update").json()
    assert report["created"] == 1
    assert Extension.objects.get(tenant=acme).name == "Acme's"


def test_the_read_only_key_is_refused(api, acme_read_key, acme):
    assert_error(post(api(acme_read_key), "number\r\n100\r\n"), 403, "read_only_key")


def test_a_user_key_may_not_create_by_import(api, acme_user_key, acme):
    response = post(api(acme_user_key), "number\r\n100\r\n")
    assert_error(response, 400, "rows_refused")
    assert response.json()["error"]["errors"][0]["code"] == "permission_denied"
    assert not Extension.objects.exists()


# --- export -------------------------------------------------------------------------------------


def test_the_export_hides_passwords_from_tenant_keys_and_shows_them_to_the_full_key(
    api, acme_key, admin_key, acme
):
    post(api(acme_key), HEADER + "\r\n" + rows(1))
    assert "Secret-pass-100" not in export(api(acme_key))
    assert "Secret-pass-100" in export(api(admin_key))


def test_the_export_takes_the_lists_filters(api, acme_key, acme):
    post(api(acme_key), HEADER + "\r\n" + rows(3))
    text = export(api(acme_key), "/api/extensions/export/?number=101")
    assert [line.split(",")[2] for line in text.splitlines()[1:]] == ["101"]


def test_the_export_takes_fields_and_its_import_changes_only_those(api, acme_key, acme):
    post(api(acme_key), HEADER + "\r\n" + rows(1))
    text = export(api(acme_key), "/api/extensions/export/?fields=number,name").replace("User 100", "Renamed")
    assert text.splitlines()[0] == "number,name"
    assert post(api(acme_key), text, on_duplicate="update").json()["updated"] == 1
    assert Extension.objects.get().name == "Renamed"
