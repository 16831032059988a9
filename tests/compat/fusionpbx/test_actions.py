"""FusionPBX rest_api's actions through `POST /app/rest_api/rest.php`: names and
parameters of the project's `actions/` folder, answers shaped as its table rows, errors
as `{"error": ...}`; every write is the kernel's (change log included)."""

import json

import pytest

from extensions.models import Extension
from pbx.models import ChangeLog
from routing.models import DID, HuntList
from tests.compat.fusionpbx.conftest import DOMAIN_UUID
from tests.factories import CallRecordFactory, ExtensionFactory, ServerFactory
from tests.switch.control_servers import ami_server
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = pytest.mark.django_db


def test_domain_details_by_uuid(rest, acme_key, example_domain):
    body = rest(acme_key, {"action": "domain-details", "domain_uuid": DOMAIN_UUID}).json()
    assert (body["domain_uuid"], body["domain_name"]) == (DOMAIN_UUID, "fusionpbx.example.net")


def test_domain_details_needs_a_uuid_or_a_name(rest, acme_key, example_domain):
    response = rest(acme_key, {"action": "domain-details"})
    assert response.status_code == 400
    assert response.json() == {"error": "missing required parameter domain_uuid or domain_name"}


def test_extension_create_makes_the_kernels_extension(rest, acme_key, example_domain):
    body = {
        "action": "extension-create",
        "domain_uuid": DOMAIN_UUID,
        "extension": "201",
        "caller_id_name": "Ann",
    }
    response = rest(acme_key, body)
    assert response.status_code == 200, response.json()
    extension = Extension.objects.get(tenant=example_domain, number="201")
    row = response.json()
    assert (row["extension_uuid"], row["domain_uuid"], row["extension"]) == (
        str(extension.uuid),
        DOMAIN_UUID,
        "201",
    )
    assert (row["effective_caller_id_name"], row["outbound_caller_id_name"]) == ("Ann", "Ann")
    assert ChangeLog.objects.filter(object_type="extension", object_id=str(extension.pk)).exists()


def test_extension_create_of_a_taken_number_says_it_exists(rest, acme_key, example_domain):
    ExtensionFactory(tenant=example_domain, number="201")
    response = rest(acme_key, {"action": "extension-create", "domain_uuid": DOMAIN_UUID, "extension": "201"})
    assert (response.status_code, response.json()["error"]) == (409, "extension already exists")


def test_extension_details_by_extension_uuid(rest, acme_key, example_domain):
    extension = ExtensionFactory(tenant=example_domain, number="202", caller_id_name="Bo")
    body = {"action": "extension-details", "domain_uuid": DOMAIN_UUID, "extension_uuid": str(extension.uuid)}
    row = rest(acme_key, body).json()
    assert (row["extension"], row["effective_caller_id_name"]) == ("202", "Bo")


def test_extension_details_takes_the_uuid_in_extension_as_the_projects_code_does(
    rest, acme_key, example_domain
):
    extension = ExtensionFactory(tenant=example_domain, number="203")
    body = {"action": "extension-details", "domain_uuid": DOMAIN_UUID, "extension": str(extension.uuid)}
    assert rest(acme_key, body).json()["extension"] == "203"


def test_extension_details_of_an_unknown_uuid_is_404(rest, acme_key, example_domain):
    body = {"action": "extension-details", "domain_uuid": DOMAIN_UUID, "extension_uuid": DOMAIN_UUID}
    response = rest(acme_key, body)
    assert (response.status_code, response.json()["error"]) == (404, "extension not found")


def test_extension_list_lists_number_and_uuid(rest, acme_key, example_domain):
    made = [ExtensionFactory(tenant=example_domain, number=n) for n in ("301", "300")]
    rows = rest(acme_key, {"action": "extension-list", "domain_uuid": DOMAIN_UUID}).json()
    assert rows == [
        {"extension_uuid": str(e.uuid), "extension": e.number, "emergency_caller_id_number": None}
        for e in sorted(made, key=lambda e: e.number)
    ]


def test_destination_create_routes_the_number_to_the_extension(rest, acme_key, example_domain):
    ExtensionFactory(tenant=example_domain, number="100")
    body = {
        "action": "destination-create",
        "domain_uuid": DOMAIN_UUID,
        "number": "+12065550100",
        "extension": "100",
    }
    response = rest(acme_key, body)
    assert response.status_code == 200, response.json()
    did = DID.objects.get(number="+12065550100")
    row = response.json()
    assert (row["destination_uuid"], row["destination_number"]) == (str(did.uuid), "+12065550100")
    assert row["destination_actions"] == [
        {"destination_app": "transfer", "destination_data": "100 XML fusionpbx.example.net"}
    ]


def test_destination_details_finds_the_number(rest, acme_key, example_domain):
    ExtensionFactory(tenant=example_domain, number="100")
    create = {
        "action": "destination-create",
        "domain_uuid": DOMAIN_UUID,
        "number": "+12065550101",
        "extension": "100",
    }
    rest(acme_key, create)
    row = rest(acme_key, {"action": "destination-details", "number": "+12065550101"}).json()
    assert (row["destination_number"], row["domain_uuid"]) == ("+12065550101", DOMAIN_UUID)


def test_destination_details_of_an_unknown_number_is_404(rest, acme_key, example_domain):
    response = rest(acme_key, {"action": "destination-details", "number": "+12065550199"})
    assert (response.status_code, response.json()) == (404, {"error": "no such destination"})


def test_ringgroup_create_takes_destinations_as_a_json_string(rest, acme_key, example_domain):
    for number in ("100", "101"):
        ExtensionFactory(tenant=example_domain, number=number)
    body = {
        "action": "ringgroup-create",
        "domain_uuid": DOMAIN_UUID,
        "name": "Sales",
        "extension": "600",
        "destinations": json.dumps([{"number": "100"}, {"number": "101"}]),
        "strategy": "simultaneous",
    }
    response = rest(acme_key, body)
    assert response.status_code == 200, response.json()
    group = HuntList.objects.get(tenant=example_domain, number="600")
    row = response.json()
    assert (row["ring_group_uuid"], row["ring_group_name"], row["ring_group_strategy"]) == (
        str(group.uuid),
        "Sales",
        "simultaneous",
    )
    assert group.memberships.count() == 2


def test_cdr_list_answers_the_domains_calls_as_xml_cdr_rows(rest, acme_key, example_domain, globex):
    extension = ExtensionFactory(tenant=example_domain, number="100")
    ours = CallRecordFactory(tenant=example_domain, extension=extension)
    CallRecordFactory(tenant=globex)
    rows = rest(acme_key, {"action": "cdr-list", "domain_uuid": DOMAIN_UUID}).json()
    assert [(r["xml_cdr_uuid"], r["extension_uuid"]) for r in rows] == [(ours.call_id, str(extension.uuid))]


@pytest.mark.parametrize(("written", "meant"), [("extensions-list", "extension-list"), ("cdrs", "cdr-list")])
def test_other_spellings_of_an_action_name_mean_the_projects_action(
    rest, acme_key, example_domain, written, meant
):
    response = rest(acme_key, {"action": written, "domain_uuid": DOMAIN_UUID})
    assert response.status_code == 200 and response.json() == []


def test_an_unknown_action_is_400_unknown_action(rest, acme_key, example_domain):
    response = rest(acme_key, {"action": "domain-delete", "domain_uuid": DOMAIN_UUID})
    assert (response.status_code, response.json()["error"]) == (400, "unknown action")


def test_a_missing_parameter_is_named(rest, acme_key, example_domain):
    response = rest(acme_key, {"action": "extension-create", "domain_uuid": DOMAIN_UUID})
    assert response.status_code == 400
    assert response.json()["missing_parameters"] == ["extension"]


def test_an_unknown_parameter_is_refused_not_ignored(rest, acme_key, example_domain):
    body = {
        "action": "extension-create",
        "domain_uuid": DOMAIN_UUID,
        "extension": "204",
        "voicemail_password": "1",
    }
    response = rest(acme_key, body)
    assert (response.status_code, response.json()["unknown_parameters"]) == (400, ["voicemail_password"])
    assert not Extension.objects.filter(number="204").exists()


def test_a_body_that_is_not_json_is_400(rest, acme_key, example_domain):
    response = rest(acme_key, None, raw="action=domain-details")
    assert (response.status_code, response.json()) == (400, {"error": "the body must be a JSON object"})


def test_a_kernel_validation_error_comes_back_with_its_fields(rest, acme_key, example_domain):
    body = {"action": "extension-create", "domain_uuid": DOMAIN_UUID, "extension": "not a number"}
    response = rest(acme_key, body)
    assert response.status_code == 400
    assert "number" in response.json()["fields"]


@pytest.fixture
def media_server(example_domain, settings):
    settings.PBX_ORIGINATE_TIMEOUT = 1
    fake = ami_server()
    example_domain.server = ServerFactory(
        kind="asterisk", control_url=f"ami://pbx:s3cret@127.0.0.1:{fake.port}"
    )
    example_domain.save()
    yield fake
    fake.close()


def test_originate_rings_destination_a_then_destination_b(rest, acme_key, example_domain, media_server):
    ExtensionFactory(tenant=example_domain, number="100")
    kamailio_registers("100", example_domain.sip_domain)
    body = {
        "action": "originate",
        "domain_uuid": DOMAIN_UUID,
        "caller_id_number": "+12065550100",
        "destination_a": "100",
        "destination_b": "+12065550199",
    }
    response = rest(acme_key, body)
    assert response.status_code == 200, response.json()
    assert response.json()["success"] is True
    assert media_server.messages[1].startswith("Action: Originate\r\nChannel: PJSIP/100\r\n")
