"""DjangoPBX's names through pbx's API: a tenant key reaches through them no more than
through pbx's own paths (a UUID of another tenant's object reads as one that does not
exist), and a name pbx cannot honour is an error, never ignored."""

import uuid

import pytest

from extensions.models import Extension
from tests.factories import CallRecordFactory, ExtensionFactory, TrunkFactory

pytestmark = pytest.mark.django_db

NOBODYS = str(uuid.uuid4())


@pytest.fixture
def theirs(globex):
    return ExtensionFactory(tenant=globex, number="2001")


def test_xmlcdrs_lists_only_the_keys_tenant(api, acme_key, acme, theirs):
    ours = CallRecordFactory(tenant=acme)
    CallRecordFactory(tenant=theirs.tenant, extension=theirs)
    rows = api(acme_key).get("/api/xmlcdrs/").json()["results"]
    assert [row["call_id"] for row in rows] == [ours.call_id]


def test_call_statistics_count_only_the_keys_tenant(api, acme_key, acme, theirs):
    CallRecordFactory(tenant=acme)
    CallRecordFactory(tenant=theirs.tenant, extension=theirs)
    assert api(acme_key).get("/api/xmlcdrbasicstatistics/").json()["calls"] == 1


def test_another_tenants_uuid_in_a_path_reads_as_one_that_does_not_exist(api, acme_key, theirs):
    foreign = api(acme_key).get(f"/api/extensions/{theirs.uuid}/")
    missing = api(acme_key).get(f"/api/extensions/{NOBODYS}/")
    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json()["error"]["message"].replace(str(theirs.uuid), "U") == missing.json()["error"][
        "message"
    ].replace(NOBODYS, "U")


def test_another_tenants_uuid_cannot_be_changed(api, acme_key, theirs):
    response = api(acme_key).patch(f"/api/extensions/{theirs.uuid}/", {"do_not_disturb": True}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.do_not_disturb is False


def test_the_owner_reads_its_extension_by_uuid(api, globex_key, theirs):
    response = api(globex_key).get(f"/api/extensions/{theirs.uuid}/")
    assert (response.status_code, response.json()["id"]) == (200, theirs.pk)


def test_another_tenants_extension_uuid_filters_nothing(api, acme_key, acme, theirs):
    CallRecordFactory(tenant=acme)
    CallRecordFactory(tenant=theirs.tenant, extension=theirs)
    response = api(acme_key).get("/api/xmlcdrs/", {"extension_id": str(theirs.uuid)})
    assert (response.status_code, response.json()["results"]) == (200, [])


def test_another_tenants_extension_uuid_in_a_body_reads_as_unknown(api, acme_key, acme, theirs):
    foreign = api(acme_key).post(
        "/api/voicemails/", {"extension_id": str(theirs.uuid), "pin": "1234"}, format="json"
    )
    missing = api(acme_key).post("/api/voicemails/", {"extension_id": NOBODYS, "pin": "1234"}, format="json")
    assert (foreign.status_code, missing.status_code) == (400, 400)
    assert foreign.json()["error"]["fields"]["extension"] == [f"No extension {theirs.uuid}."]
    assert missing.json()["error"]["fields"]["extension"] == [f"No extension {NOBODYS}."]


def test_a_gateway_not_given_to_the_tenant_is_refused(api, acme_key, acme):
    trunk = TrunkFactory()
    body = {"name": "International Calls", "prefix": "011", "gateway_id": str(trunk.uuid)}
    response = api(acme_key).post("/api/dialplan_ob_route/", body, format="json")
    assert response.status_code == 400
    assert "trunks" in response.json()["error"]["fields"]


def test_an_unknown_gateway_uuid_is_refused_on_gateway_id(api, acme_key, acme):
    body = {"name": "International Calls", "prefix": "011", "gateway_id": NOBODYS}
    response = api(acme_key).post("/api/dialplan_ob_route/", body, format="json")
    assert response.json()["error"]["fields"]["gateway_id"] == [f"No trunk {NOBODYS}."]


def test_another_tenants_domain_id_as_a_filter_is_404(api, acme_key, globex):
    response = api(acme_key).get("/api/extensions/", {"domain_id": str(globex.uuid)})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "tenant_not_found")


def test_another_tenants_domain_id_in_a_body_creates_nothing(api, acme_key, globex):
    body = {"domain_id": str(globex.uuid), "extension": "1001", "password": "secure-password-123"}
    response = api(acme_key).post("/api/extensions/", body, format="json")
    assert response.status_code == 404
    assert not Extension.objects.exists()


def test_domain_id_and_tenant_naming_two_tenants_is_400(api, admin_key, acme, globex):
    body = {"domain_id": str(acme.uuid), "tenant": "GLOBEX", "extension": "1001"}
    response = api(admin_key).post("/api/extensions/", body, format="json")
    assert response.status_code == 400
    assert not Extension.objects.exists()


def test_a_filter_alias_sent_with_its_filter_and_another_value_is_400(api, acme_key, acme):
    response = api(acme_key).get("/api/extensions/", {"extension__contains": "1", "number__contains": "2"})
    assert response.status_code == 400


def test_a_djangopbx_lookup_pbx_does_not_have_is_400_naming_the_accepted_ones(api, acme_key, acme):
    response = api(acme_key).get("/api/extensions/", {"extension__regex": "^1"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_parameter" and "extension__contains" in error["accepted"]


def test_ordering_by_a_djangopbx_name_descending(api, acme_key, acme):
    for number in ("1001", "1003", "1002"):
        ExtensionFactory(tenant=acme, number=number)
    rows = api(acme_key).get("/api/extensions/", {"ordering": "-extension"}).json()["results"]
    assert [row["number"] for row in rows] == ["1003", "1002", "1001"]


def test_every_object_djangopbx_names_shows_its_uuid(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    assert api(acme_key).get(f"/api/extensions/{extension.pk}/").json()["uuid"] == str(extension.uuid)
