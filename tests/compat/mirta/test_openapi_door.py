"""The openapi.php door's own behaviour: its paths and forms, its specification, its
error codes and delete answer, MiRTA PBX's column names, CORS."""

import pytest
from django.urls import resolve

from compat.mirta import views
from compat.mirta.objects import OBJECTS, TENANT_ID
from compat.mirta.views import column_value
from extensions.models import Extension
from tests.factories import FACTORIES, ExtensionFactory, FeatureCodeFactory, QueueFactory


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception", tech="PJSIP")


def error_of(response, status):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) >= {"code", "message"}
    return error["code"]


# --- paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/openapi.php", "/mirtapbx/openapi.php"])
def test_both_mount_points_serve_the_door(api, acme_key, reception, prefix):
    response = api(acme_key).get(f"{prefix}/extensions")
    assert [row["number"] for row in response.json()] == ["100"]


def test_the_plural_path_with_an_id_reads_one_object(api, acme_key, reception):
    assert api(acme_key).get(f"/openapi.php/extensions/{reception.pk}").json()["ex_number"] == "100"


def test_the_number_path_reads_an_extension_by_number(api, acme_key, reception):
    assert api(acme_key).get("/openapi.php/extensions/number/100").json()["ex_id"] == str(reception.pk)


def test_the_number_path_serves_other_numbered_objects(api, acme, acme_key):
    queue = QueueFactory(tenant=acme, number="700")
    assert api(acme_key).get("/openapi.php/queues/number/700").json()["qu_id"] == str(queue.pk)


def test_the_tenant_may_be_named_by_its_name(api, acme_key, reception):
    response = api(acme_key).get("/openapi.php/extensions?tenant=Acme Inc")
    assert [row["id"] for row in response.json()] == [reception.pk]


def test_a_list_is_every_row_not_a_page(api, acme, acme_key, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # read pbx's pages two rows at a time
    ExtensionFactory.create_batch(5, tenant=acme)
    assert len(api(acme_key).get("/openapi.php/extensions").json()) == 5


def test_a_list_with_page_size_is_that_page(api, acme, acme_key):
    ExtensionFactory.create_batch(3, tenant=acme)
    assert len(api(acme_key).get("/openapi.php/extensions?page_size=2").json()) == 2


def test_the_campaign_numbers_list_takes_campaign_id(api, acme, acme_key):
    numbers = [
        FACTORIES[resolve("/api/campaign-numbers/").func.cls.queryset.model](tenant=acme) for _ in range(2)
    ]
    response = api(acme_key).get(f"/openapi.php/campaignnumbers?campaign_id={numbers[0].campaign_id}")
    assert [row["id"] for row in response.json()] == [numbers[0].pk]


def test_global_yes_lists_the_global_feature_codes(api, acme, admin_key):
    FeatureCodeFactory(tenant=None, code="*56")
    FeatureCodeFactory(tenant=acme, code="*57")
    codes = [row["fe_code"] for row in api(admin_key).get("/openapi.php/featurecodes?global=yes").json()]
    assert codes == ["*56"]


# --- the ?object=&action= form --------------------------------------------------------


def test_action_list(api, acme_key, reception):
    response = api(acme_key).get("/openapi.php?object=extension&action=list")
    assert [row["id"] for row in response.json()] == [reception.pk]


def test_action_info_by_id(api, acme_key, reception):
    response = api(acme_key).get(f"/openapi.php?object=extension&action=info&id={reception.pk}")
    assert response.json()["ex_name"] == "Reception"


def test_action_info_by_number(api, acme_key, reception):
    response = api(acme_key).get("/openapi.php?object=extension&action=info&number=100")
    assert response.json()["ex_id"] == str(reception.pk)


@pytest.mark.parametrize("action", ["add", "create"])
def test_action_add_and_create_create(api, acme, acme_key, action):
    response = api(acme_key).post(
        f"/openapi.php?object=extension&action={action}",
        {"ex_number": "150", "ex_name": "New"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Extension.objects.get(tenant=acme, number="150").name == "New"


@pytest.mark.parametrize("action,method", [("modify", "patch"), ("update", "put")])
def test_action_modify_and_update_change_only_the_fields_sent(api, acme_key, reception, action, method):
    url = f"/openapi.php?object=extension&action={action}&objectid={reception.pk}"
    response = getattr(api(acme_key), method)(url, {"name": "Front desk"}, format="json")
    assert response.status_code == 200, response.content
    reception.refresh_from_db()
    assert (reception.name, reception.number, reception.tech) == ("Front desk", "100", "PJSIP")


def test_action_delete_with_objectid(api, acme_key, reception):
    response = api(acme_key).delete(f"/openapi.php?object=extension&action=delete&objectid={reception.pk}")
    assert response.json() == {"deleted": True, "id": reception.pk, "number": "100"}
    assert not Extension.objects.filter(pk=reception.pk).exists()


def test_an_action_sent_with_the_wrong_method_is_refused(api, acme_key, reception):
    response = api(acme_key).get(f"/openapi.php?object=extension&action=delete&objectid={reception.pk}")
    assert error_of(response, 405) == "method_not_allowed"
    assert Extension.objects.filter(pk=reception.pk).exists()


def test_an_unknown_action_is_named(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php?object=extension&action=purge"), 400) == "invalid_action"


def test_an_unknown_object_is_not_found(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php?object=fax&action=list"), 404) == "not_found"


# --- the delete answer and PUT ---------------------------------------------------------


def test_deleting_an_object_without_a_number_answers_deleted_and_its_id(api, acme, acme_key):
    blacklisted = FACTORIES[resolve("/api/callerid-blacklist/").func.cls.queryset.model](tenant=acme)
    response = api(acme_key).delete(f"/openapi.php/calleridblacklist?id={blacklisted.pk}")
    assert response.status_code == 200
    assert response.json() == {"deleted": True, "id": blacklisted.pk}


def test_put_changes_only_the_fields_sent_as_in_mirta_pbx(api, acme_key, reception):
    response = api(acme_key).put(
        f"/openapi.php/extension?id={reception.pk}", {"ex_name": "Desk"}, format="json"
    )
    assert response.status_code == 200, response.content
    reception.refresh_from_db()
    assert (reception.name, reception.tech, reception.password) == ("Desk", "PJSIP", "a-long-sip-secret")


# --- secrets --------------------------------------------------------------------------


def test_the_global_full_key_sees_the_extension_password(api, admin_key, reception):
    assert (
        api(admin_key).get(f"/openapi.php/extension?id={reception.pk}").json()["password"]
        == "a-long-sip-secret"
    )


def test_a_tenant_key_does_not_see_the_extension_password(api, acme_key, reception):
    assert "password" not in api(acme_key).get(f"/openapi.php/extension?id={reception.pk}").json()


def test_a_read_only_global_key_does_not_see_the_extension_password(api, admin_read_key, reception):
    assert "password" not in api(admin_read_key).get(f"/openapi.php/extension?id={reception.pk}").json()


# --- call and pickup groups -----------------------------------------------------------


def test_sending_no_groups_takes_the_extension_out_of_them(api, acme_key, reception):
    url = f"/openapi.php/extension?id={reception.pk}"
    api(acme_key).patch(url, {"ex_callgroup": "1,2"}, format="json")
    response = api(acme_key).patch(url, {"ex_callgroup": ""}, format="json")
    assert response.json()["ex_callgroup"] == ""
    assert not reception.pickup_groups.exists()


def test_a_refused_group_write_leaves_the_extension_unchanged(api, acme_key, reception):
    long_name = "9" * 200  # longer than a group's name may be
    response = api(acme_key).patch(
        f"/openapi.php/extension?id={reception.pk}",
        {"ex_name": "Changed", "ex_callgroup": long_name},
        format="json",
    )
    assert response.status_code == 400, response.content
    reception.refresh_from_db()
    assert reception.name == "Reception"


def test_groups_sent_as_something_else_than_numbers_are_refused(api, acme_key, reception):
    response = api(acme_key).patch(
        f"/openapi.php/extension?id={reception.pk}", {"ex_pickupgroup": {"a": 1}}, format="json"
    )
    assert error_of(response, 400) == "validation_error"


# --- MiRTA PBX's table columns, for every object ---------------------------------------


def model_of(obj):
    return resolve(f"/api/{obj.resource}/").func.cls.queryset.model


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda obj: obj.name)
def test_every_object_answers_with_its_mirta_pbx_columns(api, acme, admin_key, obj):
    model = model_of(obj)
    made = FACTORIES[model]() if obj.name in ("tenant", "user", "userprofile", "routingprofile") else None
    made = made or FACTORIES[model](tenant=acme)
    body = api(admin_key).get(f"/openapi.php/{obj.name}?id={made.pk}").json()
    assert body[obj.id_column] == str(made.pk)  # a column: text, as in MiRTA PBX
    assert body["id"] == made.pk  # the normalised id: a number
    for column, pbx_field in obj.columns.items():
        if pbx_field is TENANT_ID:
            assert body[column] == str(acme.pk)
        elif pbx_field in body:
            assert body[column] == column_value(body[pbx_field]), column


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda obj: obj.name)
def test_every_objects_columns_name_fields_of_its_pbx_resource(api, admin_key, obj):
    """A column that names no field of the resource would never be answered."""
    serializer = resolve(f"/api/{obj.resource}/").func.cls.serializer_class
    fields = set(serializer().fields)
    named = {f for f in [*obj.columns.values(), *obj.normalised.values()] if isinstance(f, str)}
    assert named - fields == set()


# --- the specification ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/openapi.php",
        "/openapi.php?spec=1",
        "/openapi.php/openapi.json",
        "/openapi.php/swagger.json",
        "/mirtapbx/openapi.php?spec=1",
    ],
)
def test_the_specification_is_openapi_3_0_3(anon, url):
    response = anon.get(url)
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.0.3"


def test_the_specification_lists_every_object(anon):
    paths = anon.get("/openapi.php?spec=1").json()["paths"]
    assert {f"/{obj.plural}" for obj in OBJECTS} <= set(paths)


# --- errors ---------------------------------------------------------------------------


def test_no_key_answers_missing_api_key(anon, reception):
    assert error_of(anon.get("/openapi.php/extensions?tenant=ACME"), 401) == "missing_api_key"


def test_a_wrong_key_answers_invalid_api_key(anon, reception):
    assert error_of(anon.get("/openapi.php/extensions?key=pbx_nope_wrong"), 401) == "invalid_api_key"


def test_an_unknown_tenant_answers_tenant_not_found(api, admin_key):
    assert error_of(api(admin_key).get("/openapi.php/extensions?tenant=NOSUCH"), 404) == "tenant_not_found"


def test_the_singular_path_without_id_answers_missing_identifier(api, acme_key):
    response = api(acme_key).get("/openapi.php/extension")
    assert error_of(response, 400) == "missing_identifier"
    assert response.json()["error"]["message"] == "Provide an extension id or number."


def test_id_and_number_together_answer_invalid_identifier(api, acme_key, reception):
    response = api(acme_key).get(f"/openapi.php/extension?id={reception.pk}&number=100")
    assert error_of(response, 400) == "invalid_identifier"
    assert response.json()["error"]["message"] == "Use either id or number, not both."


def test_an_id_that_is_not_a_number_answers_invalid_identifier(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/extension?id=abc"), 400) == "invalid_identifier"


def test_a_missing_extension_answers_extension_not_found(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/extension?number=999"), 404) == "extension_not_found"


def test_a_number_in_several_tenants_answers_multiple_extensions_found(api, acme, globex, admin_key):
    ExtensionFactory(tenant=acme, number="100")
    ExtensionFactory(tenant=globex, number="100")
    response = api(admin_key).get("/openapi.php/extension?number=100")
    assert error_of(response, 409) == "multiple_extensions_found"


def test_a_missing_object_of_another_type_answers_not_found(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/queue?id=999999"), 404) == "not_found"


def test_an_unknown_path_answers_not_found(api, acme_key):
    response = api(acme_key).get("/openapi.php/faxes")
    assert error_of(response, 404) == "not_found"
    assert response.json()["error"]["message"] == "Endpoint not found."


def test_post_on_one_object_answers_method_not_allowed(api, acme_key, reception):
    assert (
        error_of(api(acme_key).post(f"/openapi.php/extensions/{reception.pk}", {}), 405)
        == "method_not_allowed"
    )


def test_an_unsupported_method_answers_method_not_allowed(api, acme_key):
    response = api(acme_key).generic("TRACE", "/openapi.php/extensions")
    assert error_of(response, 405) == "method_not_allowed"


def test_a_body_that_is_not_json_answers_invalid_json(api, acme_key):
    response = api(acme_key).generic(
        "POST", "/openapi.php/extensions", "{not json", content_type="application/json"
    )
    assert error_of(response, 400) == "invalid_json"


def test_an_unknown_field_is_named_not_ignored(api, acme_key):
    response = api(acme_key).post(
        "/openapi.php/extensions", {"number": "160", "colour": "red"}, format="json"
    )
    assert error_of(response, 400) == "unknown_field"
    assert "colour" in response.json()["error"]["message"]


def test_an_unknown_query_parameter_is_named_not_ignored(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/extensions?colour=red"), 400) == "unknown_parameter"


# --- CORS -----------------------------------------------------------------------------


def test_options_answers_204_with_cors(anon):
    response = anon.options("/openapi.php/extensions")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_answers_carry_cors(api, acme_key):
    assert api(acme_key).get("/openapi.php/extensions")["Access-Control-Allow-Origin"] == "*"


def test_errors_carry_cors(anon):
    assert anon.get("/openapi.php/extensions")["Access-Control-Allow-Origin"] == "*"


# --- parameters never dropped quietly ------------------------------------------------


def test_the_plural_path_with_id_reads_that_object_not_the_list(api, acme, acme_key, reception):
    ExtensionFactory(tenant=acme, number="101")
    response = api(acme_key).get(f"/openapi.php/extensions?id={reception.pk}")
    assert response.json()["ex_id"] == str(reception.pk)


def test_an_id_in_both_path_and_query_answers_invalid_identifier(api, acme_key, reception):
    response = api(acme_key).get(f"/openapi.php/extensions/{reception.pk}?id=1")
    assert error_of(response, 400) == "invalid_identifier"


def test_number_on_an_object_without_numbers_answers_invalid_identifier(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/did?number=100"), 400) == "invalid_identifier"


def test_a_csv_format_is_refused_with_where_to_find_csv(api, acme_key, reception):
    response = api(acme_key).get("/openapi.php/extensions?format=csv")
    assert error_of(response, 400) == "unknown_parameter"
    assert "/api/" in response.json()["error"]["message"]


def test_answers_are_json_whatever_the_accept_header(api, acme_key, reception):
    response = api(acme_key).get("/openapi.php/extensions", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()[0]["ex_number"] == "100"


def test_a_read_carries_the_etag_that_if_none_match_answers_304_with(api, acme_key, reception):
    url = f"/openapi.php/extensions/{reception.pk}"
    etag = api(acme_key).get(url)["ETag"]
    assert api(acme_key).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_column_sent_beside_its_field_is_refused_not_one_of_them_kept(api, acme, admin_key):
    response = api(admin_key).patch(
        f"/openapi.php/tenant?id={acme.pk}", {"te_enabled": False, "enabled": True}, format="json"
    )
    assert error_of(response, 400) == "unknown_field"
    acme.refresh_from_db()
    assert acme.enabled


def test_a_column_the_door_renames_is_written(api, acme, admin_key):
    response = api(admin_key).patch(f"/openapi.php/tenant?id={acme.pk}", {"te_enabled": False}, format="json")
    assert response.json()["te_enabled"] is False
    acme.refresh_from_db()
    assert not acme.enabled


# --- the kernel's guards, at a door outside /api/ -------------------------------------


def test_a_body_over_the_limit_answers_413(api, acme_key, settings):
    settings.PBX_MAX_BODY_BYTES = 100
    response = api(acme_key).post("/openapi.php/extensions", {"name": "x" * 200}, format="json")
    assert error_of(response, 413) == "payload_too_large"


def test_a_nul_in_the_url_answers_400(api, acme_key):
    assert error_of(api(acme_key).get("/openapi.php/extensions?tenant=%00"), 400) == "validation_error"


def test_an_unexpected_error_answers_json_500_with_cors(api, acme_key, monkeypatch):
    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.Target, "dispatch", broken)
    response = api(acme_key).get("/openapi.php/extensions")
    assert error_of(response, 500) == "internal_error"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_delete_with_if_none_match_still_answers_what_it_deleted(api, acme_key, reception):
    url = f"/openapi.php/extensions/{reception.pk}"
    etag = api(acme_key).get(url)["ETag"]
    response = api(acme_key).delete(url, HTTP_IF_NONE_MATCH=etag)
    assert response.json() == {"deleted": True, "id": reception.pk, "number": "100"}
