"""An extension's registration state in the API, read from the rows Kamailio writes in
kamailio_location: `registered` and `registrations` on the detail, `registered` on the
list, `?registered=true|false`."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switch.models import Registration
from tests.factories import ExtensionFactory, TenantFactory
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = pytest.mark.django_db

URL = "/api/extensions/"


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception", max_contacts=3)


def detail(api, key, extension, query=""):
    response = api(key).get(f"{URL}{extension.pk}/{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def listed(api, key, query=""):
    response = api(key).get(URL + query)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_an_extension_with_no_contact_is_not_registered(api, acme_key, reception):
    body = detail(api, acme_key, reception)
    assert (body["registered"], body["registrations"]) == (False, [])


def test_a_current_contact_makes_the_extension_registered_and_is_listed(api, acme_key, reception):
    now = datetime.datetime(2031, 1, 2, 12, 0, 0, tzinfo=datetime.UTC)
    kamailio_registers(
        "100",
        "acme.pbx.test",
        "sip:100@192.168.1.10:5062;transport=udp",
        received="sip:203.0.113.7:40312",
        user_agent="Yealink SIP-T46U 108.86.0.45",
        now=now,
        expires_in=3600,
    )
    body = detail(api, acme_key, reception)
    assert body["registered"] is True
    assert body["registrations"] == [
        {
            "contact": "sip:100@192.168.1.10:5062;transport=udp",
            "received_ip": "203.0.113.7",
            "received_port": 40312,
            "user_agent": "Yealink SIP-T46U 108.86.0.45",
            "expires": "2031-01-02T13:00:00Z",
        }
    ]


def test_without_a_received_uri_the_address_is_the_contact_s(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", "sip:100@10.0.0.5:5070;transport=udp;ob")
    [registration] = detail(api, acme_key, reception)["registrations"]
    assert (registration["received_ip"], registration["received_port"]) == ("10.0.0.5", 5070)


def test_a_contact_without_a_port_is_at_sip_s_default_port(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", "sip:100@10.0.0.5")
    [registration] = detail(api, acme_key, reception)["registrations"]
    assert registration["received_port"] == 5060


def test_an_ipv6_source_is_given_without_brackets(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", received="sip:[2001:db8::7]:5060;transport=tcp")
    [registration] = detail(api, acme_key, reception)["registrations"]
    assert (registration["received_ip"], registration["received_port"]) == ("2001:db8::7", 5060)


def test_a_contact_that_is_no_sip_uri_has_no_address(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", "not a uri")
    [registration] = detail(api, acme_key, reception)["registrations"]
    assert (registration["received_ip"], registration["received_port"]) == (None, None)


def test_each_device_of_an_extension_is_a_registration(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", "sip:100@10.0.0.5:5060")
    kamailio_registers("100", "acme.pbx.test", "sip:100@10.0.0.6:5060")
    contacts = [r["contact"] for r in detail(api, acme_key, reception)["registrations"]]
    assert sorted(contacts) == ["sip:100@10.0.0.5:5060", "sip:100@10.0.0.6:5060"]


def test_an_expired_contact_kamailio_has_not_deleted_yet_is_no_registration(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test", expires_in=-5)
    body = detail(api, acme_key, reception)
    assert (body["registered"], body["registrations"]) == (False, [])


def test_the_contacts_are_those_of_the_sip_username_not_the_number(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, number="100", sip_username="front-desk")
    kamailio_registers("100", "acme.pbx.test")
    assert detail(api, acme_key, extension)["registered"] is False
    kamailio_registers("front-desk", "acme.pbx.test")
    assert detail(api, acme_key, extension)["registered"] is True


def test_another_tenant_s_contact_for_the_same_username_never_shows(
    api, acme_key, globex_key, reception, globex
):
    globex_100 = ExtensionFactory(tenant=globex, number="100")
    kamailio_registers("100", "globex.pbx.test", "sip:100@172.16.0.9:5060")
    body = detail(api, acme_key, reception)
    assert (body["registered"], body["registrations"]) == (False, [])
    assert listed(api, acme_key, "?registered=true") == []
    assert [r["contact"] for r in detail(api, globex_key, globex_100)["registrations"]] == [
        "sip:100@172.16.0.9:5060"
    ]


def test_a_contact_under_a_domain_that_is_no_tenant_s_never_shows(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test.evil.example")
    kamailio_registers("100", None)
    assert detail(api, acme_key, reception)["registered"] is False


def test_a_tenant_with_a_253_character_sip_domain_sees_its_contacts(api, admin_key):
    domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    tenant = TenantFactory(code="LONG", sip_domain=domain)
    extension = ExtensionFactory(tenant=tenant, number="100")
    kamailio_registers("100", domain)
    assert detail(api, admin_key, extension)["registered"] is True


def test_the_number_route_shows_the_registrations_too(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test")
    response = api(acme_key).get(f"{URL}number/100/")
    assert response.status_code == 200
    assert response.json()["registered"] is True
    assert len(response.json()["registrations"]) == 1


def test_the_list_shows_registered_and_leaves_the_contacts_to_the_detail(api, acme_key, acme, reception):
    ExtensionFactory(tenant=acme, number="101")
    kamailio_registers("100", "acme.pbx.test")
    rows = listed(api, acme_key)
    assert [(row["number"], row["registered"]) for row in rows] == [("100", True), ("101", False)]
    assert all("registrations" not in row for row in rows)


def test_the_list_s_queries_do_not_grow_with_the_registered_rows(
    api, acme_key, acme, django_assert_max_num_queries
):
    ExtensionFactory(tenant=acme, number="100")
    kamailio_registers("100", "acme.pbx.test")
    client = api(acme_key)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(URL).status_code == 200
    for number in range(101, 121):
        ExtensionFactory(tenant=acme, number=str(number))
        kamailio_registers(str(number), "acme.pbx.test")
        kamailio_registers(str(number), "acme.pbx.test")
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        rows = client.get(URL).json()["results"]
    assert len(rows) == 21 and all(row["registered"] for row in rows)


def test_the_csv_list_has_a_registered_column(api, acme_key, reception):
    kamailio_registers("100", "acme.pbx.test")
    response = api(acme_key).get(URL + "?format=csv&fields=number,registered")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().splitlines() == ["number,registered", "100,true"]


def test_registered_true_lists_the_registered_extensions(api, acme_key, acme, reception):
    ExtensionFactory(tenant=acme, number="101")
    ExtensionFactory(tenant=acme, number="102")
    kamailio_registers("100", "acme.pbx.test")
    kamailio_registers("102", "acme.pbx.test", expires_in=-1)
    assert [row["number"] for row in listed(api, acme_key, "?registered=true")] == ["100"]


def test_registered_false_lists_the_others(api, acme_key, acme, reception):
    ExtensionFactory(tenant=acme, number="101")
    ExtensionFactory(tenant=acme, number="102")
    kamailio_registers("100", "acme.pbx.test")
    kamailio_registers("102", "acme.pbx.test", expires_in=-1)
    assert [row["number"] for row in listed(api, acme_key, "?registered=false")] == ["101", "102"]


def test_registered_takes_a_boolean_only(api, acme_key, reception):
    response = api(acme_key).get(URL + "?registered=maybe")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "registered" in response.json()["error"]["fields"]


def test_registered_is_a_list_filter_not_a_detail_parameter(api, acme_key, reception):
    response = api(acme_key).get(f"{URL}{reception.pk}/?registered=true")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_parameter"


def test_the_registration_fields_sent_in_a_body_change_nothing(api, acme_key, reception):
    body = detail(api, acme_key, reception)
    body.update(name="Front desk", registered=True, registrations=[{"contact": "sip:100@6.6.6.6"}])
    response = api(acme_key).put(f"{URL}{reception.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["registered"], response.json()["registrations"]) == (
        "Front desk",
        False,
        [],
    )
    assert not Registration.objects.exists()


def test_a_patch_of_the_registration_fields_alone_changes_nothing(api, acme_key, reception):
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"registered": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["registered"] is False
    assert not Registration.objects.exists()
    assert (
        api(acme_key)
        .get(f"/api/changes/?object_type=extension&object_id={reception.pk}&action=update")
        .json()["count"]
        == 0
    )


def test_a_user_sees_the_registration_state_of_the_tenant_s_extensions(api, acme_user_key, reception):
    kamailio_registers("100", "acme.pbx.test")
    assert detail(api, acme_user_key, reception)["registered"] is True


def test_a_user_does_not_see_where_a_colleague_s_phone_is(api, acme_user_key, reception):
    kamailio_registers("100", "acme.pbx.test")
    assert detail(api, acme_user_key, reception)["registrations"] == []


def test_a_user_sees_the_contacts_of_its_own_extension(api, acme_user_key, acme_user, reception):
    reception.user = acme_user
    reception.save()
    kamailio_registers("100", "acme.pbx.test")
    assert len(detail(api, acme_user_key, reception)["registrations"]) == 1


@pytest.fixture
def schema(openapi_schema):
    return openapi_schema


def test_the_schema_documents_registered_and_registrations_as_read_only(schema):
    extension = schema["components"]["schemas"]["Extension"]
    registered, registrations = (
        extension["properties"]["registered"],
        extension["properties"]["registrations"],
    )
    assert (registered["type"], registered["readOnly"]) == ("boolean", True)
    assert (registrations["type"], registrations["readOnly"]) == ("array", True)
    assert set(registrations["items"]["properties"]) == {
        "contact", "received_ip", "received_port", "user_agent", "expires"
    }  # fmt: skip
    assert "registered" in extension["required"]
    assert "registrations" not in extension["required"]  # the list's rows leave it out


def test_the_schema_takes_no_registration_field_in_a_body(schema):
    components = schema["components"]["schemas"]
    for name in ("ExtensionRequest", "PatchedExtensionRequest"):
        assert not {"registered", "registrations"} & set(components[name]["properties"]), name


def test_the_schema_documents_the_registered_filter_on_the_list_only(schema):
    def names(path, method="get"):
        return {p["name"] for p in schema["paths"][path][method].get("parameters", [])}

    assert "registered" in names("/api/extensions/")
    [registered] = [
        p for p in schema["paths"]["/api/extensions/"]["get"]["parameters"] if p["name"] == "registered"
    ]
    assert registered["schema"]["type"] == "boolean"
    assert "registered" not in names("/api/extensions/{id}/")


def test_an_if_match_write_of_a_registered_extension_passes_while_its_contacts_stand(
    api, acme_key, reception
):
    kamailio_registers("100", "acme.pbx.test")
    etag = api(acme_key).get(f"{URL}{reception.pk}/")["ETag"]
    response = api(acme_key).patch(f"{URL}{reception.pk}/", {"name": "Front desk"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()


def test_a_new_registration_changes_the_detail_s_etag(api, acme_key, reception):
    client = api(acme_key)
    etag = client.get(f"{URL}{reception.pk}/")["ETag"]
    kamailio_registers("100", "acme.pbx.test")
    assert client.get(f"{URL}{reception.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200
