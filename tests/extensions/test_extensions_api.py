"""/api/extensions/: the first real resource, end to end."""

import pytest

from extensions.models import Extension
from pbx.models import DialplanNumber
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def test_it_creates_the_seed_001_pjsip_extension(api, acme_key):
    response = api(acme_key).post(
        URL + "?tenant=ACME",
        {"number": "210", "name": "API Demo", "tech": "PJSIP", "password": "change-this-secret"},
    )
    assert response.status_code == 201, response.json()
    extension = Extension.objects.get(number="210")
    assert (extension.tenant.code, extension.name, extension.password) == (
        "ACME",
        "API Demo",
        "change-this-secret",
    )
    assert extension.sip_username == "210"


def test_tech_defaults_to_pjsip_and_a_password_is_generated(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "name": "Reception"})
    assert response.status_code == 201
    extension = Extension.objects.get(number="100")
    assert extension.tech == "PJSIP"
    assert len(extension.password) >= 20


def test_a_virtual_extension_has_no_password(api, acme_key):
    response = api(acme_key).post(URL, {"number": "300", "tech": "VIRTUAL"})
    assert response.status_code == 201
    assert Extension.objects.get(number="300").password == ""


def test_a_short_sip_password_is_refused(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "password": "1234"})
    assert response.status_code == 400
    assert "at least" in response.json()["error"]["fields"]["password"][0]
    assert not Extension.objects.exists()


def test_a_password_equal_to_the_number_is_refused(api, acme_key):
    response = api(acme_key).post(URL, {"number": "1000000000", "password": "1000000000"})
    assert response.status_code == 400


def test_a_number_must_be_digits(api, acme_key):
    response = api(acme_key).post(URL, {"number": "12a"})
    assert response.status_code == 400
    assert "number" in response.json()["error"]["fields"]


def test_a_missing_number_is_reported_by_field(api, acme_key):
    response = api(acme_key).post(URL, {"name": "No number"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["number"] == ["This field is required."]


def test_a_global_key_without_a_tenant_answers_missing_tenant(api, admin_key, acme):
    response = api(admin_key).post(URL, {"number": "100"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_tenant"


def test_a_global_key_may_name_the_tenant_in_the_body(api, admin_key, acme):
    response = api(admin_key).post(URL, {"number": "100", "tenant": "acme"})
    assert response.status_code == 201
    assert response.json()["tenant"] == "ACME"


def test_an_unknown_tenant_answers_tenant_not_found(api, admin_key):
    response = api(admin_key).post(URL + "?tenant=NOPE", {"number": "100"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"


def test_a_taken_number_answers_number_in_use_naming_the_holder(api, acme_key, acme):
    holder = ExtensionFactory(tenant=acme, number="100", name="Reception")
    response = api(acme_key).post(URL, {"number": "100"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "number_in_use"
    assert error["holder"] == {"type": "extension", "id": holder.pk, "label": "extension 100 (Reception)"}


def test_the_same_number_may_exist_in_two_tenants(api, acme_key, globex_key):
    assert api(acme_key).post(URL, {"number": "100"}).status_code == 201
    assert api(globex_key).post(URL, {"number": "100"}).status_code == 201


def test_the_dial_plan_registry_follows_a_number_change(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    assert api(acme_key).patch(f"{URL}{extension.pk}/", {"number": "101"}).status_code == 200
    assert list(DialplanNumber.objects.filter(tenant=acme).values_list("number", flat=True)) == ["101"]
    assert api(acme_key).post(URL, {"number": "100"}).status_code == 201


def test_deleting_an_extension_frees_its_number(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    assert api(acme_key).delete(f"{URL}{extension.pk}/").status_code == 204
    assert not DialplanNumber.objects.filter(tenant=acme).exists()


def test_the_registry_refuses_a_duplicate_even_past_the_api(acme):
    from pbx.models import NumberInUseError

    ExtensionFactory(tenant=acme, number="100")
    with pytest.raises(NumberInUseError):
        Extension.objects.create(tenant=acme, number="100", sip_username="other", password="x" * 12)


# --- reading ------------------------------------------------------------------------------


def test_get_by_number_returns_the_extension(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    response = api(acme_key).get(f"{URL}number/100/")
    assert response.status_code == 200
    assert response.json()["id"] == extension.pk


def test_get_by_number_with_a_global_key_and_two_tenants_is_ambiguous(api, admin_key, acme, globex):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="100")
    response = api(admin_key).get(f"{URL}number/100/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "multiple_objects_found"
    narrowed = api(admin_key).get(f"{URL}number/100/?tenant=GLOBEX")
    assert narrowed.json()["tenant"] == "GLOBEX"


def test_patch_and_delete_by_number(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100")
    assert api(acme_key).patch(f"{URL}number/100/", {"name": "Desk"}).json()["name"] == "Desk"
    assert api(acme_key).delete(f"{URL}number/100/").status_code == 204
    assert not Extension.objects.exists()


def test_an_unknown_number_answers_not_found(api, acme_key):
    response = api(acme_key).get(f"{URL}number/999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("number=101", ["101"]),
        ("number__startswith=1", ["100", "101"]),
        ("number__contains=0", ["100", "101", "200"]),
        ("tech=SIP", ["200"]),
        ("enabled=false", ["101"]),
        ("search=sales", ["101"]),
        ("ordering=-number", ["200", "101", "100"]),
    ],
)
def test_it_filters_extensions(api, acme_key, acme, query, expected):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    ExtensionFactory(tenant=acme, number="101", name="Sales", enabled=False)
    ExtensionFactory(tenant=acme, number="200", name="Fax", tech="SIP")
    response = api(acme_key).get(f"{URL}?{query}")
    assert [row["number"] for row in response.json()["results"]] == expected


def test_it_filters_by_user(api, acme_key, acme, acme_user):
    ExtensionFactory(tenant=acme, number="100", user=acme_user)
    ExtensionFactory(tenant=acme, number="101")
    rows = api(acme_key).get(f"{URL}?user={acme_user.pk}").json()["results"]
    assert [row["number"] for row in rows] == ["100"]


def test_fields_chooses_the_columns(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    rows = api(acme_key).get(f"{URL}?fields=id,number,name,tech").json()["results"]
    assert set(rows[0]) == {"id", "number", "name", "tech"}


def test_a_bad_filter_value_is_a_validation_error(api, acme_key):
    response = api(acme_key).get(f"{URL}?enabled=perhaps")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_pages_hold_25_by_default_and_page_size_up_to_1000(api, acme_key, acme):
    ExtensionFactory.create_batch(30, tenant=acme)
    first = api(acme_key).get(URL).json()
    assert (first["count"], len(first["results"])) == (30, 25)
    assert first["next"] and first["previous"] is None
    assert len(api(acme_key).get(f"{URL}?page_size=5000").json()["results"]) == 30


def test_the_list_is_csv_with_format_csv(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", name="Reception, front desk")
    response = api(acme_key).get(f"{URL}?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,uuid,url,tenant,number,name,tech,")
    assert '"Reception, front desk"' in lines[1]
    assert "password" not in lines[0]


# --- secrets ------------------------------------------------------------------------------


def test_a_global_full_key_of_a_platform_admin_sees_the_password(api, admin_key, acme):
    extension = ExtensionFactory(tenant=acme, password="visible-to-admins")
    assert api(admin_key).get(f"{URL}{extension.pk}/").json()["password"] == "visible-to-admins"


@pytest.mark.parametrize("key", ["acme_key", "acme_read_key", "admin_read_key", "acme_user_key"])
def test_other_credentials_never_see_the_password(api, request, acme, key):
    extension = ExtensionFactory(tenant=acme, password="hidden-from-you")
    credential = request.getfixturevalue(key)
    detail = api(credential).get(f"{URL}{extension.pk}/")
    assert detail.status_code == 200
    assert "password" not in detail.json()
    assert "hidden-from-you" not in api(credential).get(f"{URL}?format=csv").getvalue().decode()


def test_the_password_is_not_echoed_to_a_tenant_key_after_create(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "password": "my-own-secret-1"})
    assert "password" not in response.json()


# --- updating -----------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100", name="Reception", do_not_disturb=True)
    response = api(acme_key).patch(f"{URL}{extension.pk}/", {"name": "Front desk"})
    assert response.status_code == 200
    extension.refresh_from_db()
    assert (extension.name, extension.do_not_disturb) == ("Front desk", True)


def test_put_returns_omitted_fields_to_their_defaults(api, acme_key, acme):
    extension = ExtensionFactory(
        tenant=acme, number="100", name="Reception", do_not_disturb=True, ring_timeout=60
    )
    response = api(acme_key).put(f"{URL}{extension.pk}/", {"number": "100", "name": "Desk"})
    assert response.status_code == 200, response.json()
    extension.refresh_from_db()
    assert (extension.name, extension.do_not_disturb, extension.ring_timeout) == ("Desk", False, 30)
    assert extension.password == "a-long-sip-secret"  # secrets are kept: most callers cannot read them


def test_the_technology_cannot_change(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, tech="SIP")
    response = api(acme_key).patch(f"{URL}{extension.pk}/", {"tech": "PJSIP"})
    assert response.status_code == 400
    assert "cannot change" in response.json()["error"]["fields"]["tech"][0]


def test_an_extension_cannot_move_to_another_tenant(api, admin_key, acme, globex):
    extension = ExtensionFactory(tenant=acme)
    response = api(admin_key).patch(f"{URL}{extension.pk}/", {"tenant": "GLOBEX"})
    assert response.status_code == 400
    assert "tenant" in response.json()["error"]["fields"]


def test_forwarding_needs_a_destination(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).patch(f"{URL}{extension.pk}/", {"forward_all_enabled": True})
    assert response.status_code == 400
    assert "forward_all_destination" in response.json()["error"]["fields"]


def test_the_seed_004_forwarding_example_works(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="1001")
    response = api(acme_key).patch(
        f"{URL}{extension.pk}/",
        {"forward_all_enabled": True, "forward_all_destination": "1002", "do_not_disturb": False},
    )
    assert response.status_code == 200
    assert response.json()["forward_all_destination"] == "1002"


def test_a_taken_sip_username_is_refused(api, acme_key, acme):
    ExtensionFactory(tenant=acme, number="100", sip_username="alice")
    response = api(acme_key).post(URL, {"number": "101", "sip_username": "alice"})
    assert response.status_code == 400
    assert "alice" in response.json()["error"]["fields"]["sip_username"][0]


def test_a_username_that_was_the_number_follows_the_number(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    api(acme_key).patch(f"{URL}{extension.pk}/", {"number": "150"})
    extension.refresh_from_db()
    assert extension.sip_username == "150"


def test_the_user_must_belong_to_the_tenant(api, acme_key, globex_admin):
    response = api(acme_key).post(URL, {"number": "100", "user": globex_admin.pk})
    assert response.status_code == 400
    assert "does not belong" in response.json()["error"]["fields"]["user"][0]


def test_codecs_accept_a_list_or_the_asterisk_string(api, acme_key):
    as_list = api(acme_key).post(URL, {"number": "100", "codecs": ["opus", "alaw", "opus"]})
    as_string = api(acme_key).post(URL, {"number": "101", "ps_endpoints": {"allow": "alaw:20;ulaw:20"}})
    assert as_list.json()["codecs"] == ["opus", "alaw"]
    assert as_string.json()["codecs"] == ["alaw", "ulaw"]


def test_an_unknown_codec_is_refused(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "codecs": ["mp3"]})
    assert response.status_code == 400


def test_it_accepts_the_seed_001_table_fields_and_nested_tech_fields(api, acme_key):
    response = api(acme_key).post(
        URL,
        {
            "ex_number": "100",
            "ex_name": "Reception",
            "ex_tech": "PJSIP",
            "ps_aors": {"max_contacts": 5},
            "ps_auths": {"password": "secret-password"},
        },
    )
    assert response.status_code == 201, response.json()
    extension = Extension.objects.get(number="100")
    assert (extension.name, extension.max_contacts, extension.password) == ("Reception", 5, "secret-password")


def test_an_alias_that_contradicts_its_field_is_refused(api, acme_key):
    response = api(acme_key).post(URL, {"number": "100", "ex_number": "101"})
    assert response.status_code == 400
    assert "ex_number" in response.json()["error"]["fields"]
