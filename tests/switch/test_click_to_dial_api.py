"""Click-to-dial through the API: POST /api/calls/ rings the caller's extension and
connects it to a number through the tenant's media server (here an AMI or event socket
server on a real socket, tests/switch/control_servers.py); DjangoPBX's POST
/api/clickdial/; GET /api/calls/<id>/."""

import json

import pytest

from pbx.models import ChangeLog
from switch.models import Originate
from tests.api.support import assert_error
from tests.factories import ExtensionFactory, ServerFactory
from tests.switch.control_servers import (
    JsonRpcServer,
    ami_server,
    bridge_accepted,
    esl_server,
    nothing_listening,
)
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = pytest.mark.django_db
URL = "/api/calls/"


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.PBX_ORIGINATE_TIMEOUT = 1


@pytest.fixture
def asterisk(acme):
    fake = ami_server()
    acme.server = ServerFactory(kind="asterisk", control_url=f"ami://pbx:s3cret@127.0.0.1:{fake.port}")
    acme.save()
    yield fake
    fake.close()


@pytest.fixture
def reception(acme, acme_user):
    extension = ExtensionFactory(tenant=acme, number="100", caller_id_name="Reception", user=acme_user)
    kamailio_registers("100", "acme.pbx.test")
    return extension


def place(api, key, body, query=""):
    return api(key).post(URL + query, body, format="json")


def test_a_call_from_a_registered_extension_answers_202_placed(api, acme_key, asterisk, reception):
    response = place(api, acme_key, {"from": "100", "to": "+15551234567"})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["state"], body["extension"], body["to"], body["server_kind"]) == (
        "placed",
        reception.pk,
        "+15551234567",
        "asterisk",
    )
    assert asterisk.messages[1].startswith("Action: Originate\r\nChannel: PJSIP/100\r\n")


def test_from_may_be_the_extensions_id(api, acme_key, asterisk, reception):
    response = place(api, acme_key, {"from": reception.pk, "to": "101"})
    assert response.status_code == 202, response.json()


def test_the_caller_id_defaults_to_the_extensions(api, acme_key, asterisk, reception):
    body = place(api, acme_key, {"from": "100", "to": "101"}).json()
    assert (body["caller_id_name"], body["caller_id_number"]) == ("Reception", "100")


def test_the_caller_id_sent_is_the_one_shown(api, acme_key, asterisk, reception):
    body = {"from": "100", "to": "101", "caller_id_name": "Sales", "caller_id_number": "+15550000"}
    place(api, acme_key, body)
    assert 'CallerID: "Sales" <+15550000>' in asterisk.messages[1]


def test_through_kamailio_the_caller_id_rides_in_the_callers_address(api, acme_key, acme, reception):
    rpc = JsonRpcServer(bridge_accepted)
    acme.server = ServerFactory(
        kind="kamailio", address="10.0.0.9", sip_port=5060, control_url=f"http://127.0.0.1:{rpc.port}/RPC"
    )
    acme.save()
    body = {"from": "100", "to": "101", "caller_id_name": "Sales desk", "caller_id_number": "+15550000"}
    try:
        response = place(api, acme_key, body)
    finally:
        rpc.close()
    assert response.status_code == 202, response.json()
    assert json.loads(rpc.bodies[0])["params"] == [
        f"sip:{reception.sip_username}@acme.pbx.test;pbx-cid-number=+15550000;pbx-cid-name=Sales%20desk",
        "sip:101@acme.pbx.test",
        "sip:10.0.0.9:5060",
    ]


def test_fusionpbx_destination_a_and_b_mean_from_and_to(api, acme_key, asterisk, reception):
    response = place(api, acme_key, {"destination_a": "100", "destination_b": "101"})
    assert response.status_code == 202, response.json()
    assert response.json()["to"] == "101"


def test_the_call_is_read_back_by_its_id(api, acme_key, asterisk, reception):
    placed = place(api, acme_key, {"from": "100", "to": "101"}).json()
    response = api(acme_key).get(f"{URL}{placed['id']}/")
    assert response.status_code == 200
    assert response.json() == placed


def test_another_tenants_call_is_not_found(api, acme_key, globex_key, asterisk, reception):
    placed = place(api, acme_key, {"from": "100", "to": "101"}).json()
    assert_error(api(globex_key).get(f"{URL}{placed['id']}/"), 404, "not_found")


def test_each_request_is_in_the_change_log(api, acme_key, asterisk, reception):
    placed = place(api, acme_key, {"from": "100", "to": "101"}).json()
    rows = ChangeLog.objects.filter(object_type="originate", object_id=placed["id"])
    assert rows.count() == 2  # its creation (placing), then its outcome (placed)


def test_a_global_key_names_the_tenant_in_the_query(api, admin_key, asterisk, reception):
    response = place(api, admin_key, {"from": "100", "to": "101"}, "?tenant=ACME")
    assert response.status_code == 202, response.json()


def test_a_global_key_without_a_tenant_answers_missing_tenant(api, admin_key, asterisk, reception):
    assert_error(place(api, admin_key, {"from": "100", "to": "101"}), 400, "missing_tenant")


def test_another_tenants_extension_id_answers_404_like_a_missing_one(api, globex_key, reception):
    assert_error(place(api, globex_key, {"from": reception.pk, "to": "101"}), 404, "not_found")
    assert_error(place(api, globex_key, {"from": 999999, "to": "101"}), 404, "not_found")


def test_a_user_may_call_from_its_own_extension(api, acme_user_key, asterisk, reception):
    assert place(api, acme_user_key, {"from": "100", "to": "101"}).status_code == 202


def test_a_user_may_not_call_from_anothers_extension(api, acme, acme_user_key, asterisk, reception):
    ExtensionFactory(tenant=acme, number="102")
    kamailio_registers("102", "acme.pbx.test")
    assert_error(place(api, acme_user_key, {"from": "102", "to": "101"}), 403, "permission_denied")


def test_a_switch_credential_may_not_place_calls(api, switch_key, reception):
    assert_error(
        place(api, switch_key, {"from": "100", "to": "101"}, "?tenant=ACME"), 403, "permission_denied"
    )


def test_an_unknown_field_answers_400_and_places_nothing(api, acme_key, asterisk, reception):
    assert_error(place(api, acme_key, {"from": "100", "to": "101", "ring": 5}), 400, "unknown_field")
    assert (Originate.objects.count(), asterisk.messages) == (0, [])


@pytest.mark.parametrize(
    "body",
    [
        {"to": "101"},
        {"from": "100"},
        {"from": "100", "to": "101\r\nAction: Hangup"},
        {"from": "100", "to": "101", "caller_id_name": "x'} &bridge"},
        {"from": "100", "to": "101", "caller_id_number": "abc"},
        {"from": True, "to": "101"},
        {"from": ["100"], "to": "101"},
    ],
    ids=["no-from", "no-to", "header-injection", "esl-injection", "letters", "bool", "list"],
)
def test_bad_input_answers_400_validation_error(api, acme_key, asterisk, reception, body):
    assert_error(place(api, acme_key, body), 400, "validation_error")
    assert Originate.objects.count() == 0


def test_an_unregistered_extension_answers_extension_not_registered(api, acme, acme_key, asterisk):
    ExtensionFactory(tenant=acme, number="103")
    assert_error(place(api, acme_key, {"from": "103", "to": "101"}), 409, "extension_not_registered")
    assert asterisk.messages == []


def test_an_expired_registration_is_no_registration(api, acme, acme_key, asterisk):
    ExtensionFactory(tenant=acme, number="104")
    kamailio_registers("104", "acme.pbx.test", expires_in=-10)
    assert_error(place(api, acme_key, {"from": "104", "to": "101"}), 409, "extension_not_registered")


def test_a_tenant_without_a_media_server_answers_no_media_server(api, acme_key, reception):
    assert_error(place(api, acme_key, {"from": "100", "to": "101"}), 409, "no_media_server")


def test_an_unreachable_server_answers_503_and_keeps_the_call_as_failed(api, acme, acme_key, reception):
    with nothing_listening() as port:
        acme.server = ServerFactory(kind="asterisk", control_url=f"ami://pbx:x@127.0.0.1:{port}")
        acme.save()
        response = place(api, acme_key, {"from": "100", "to": "101"})
    assert_error(response, 503, "server_unreachable")
    call = Originate.objects.get(pk=response.json()["error"]["id"])
    assert call.state == "failed" and "not reached" in call.error


def test_a_refused_originate_answers_502_originate_refused(api, acme, acme_key, reception):
    fake = ami_server(originate_error="Extension does not exist.")
    acme.server = ServerFactory(kind="asterisk", control_url=f"ami://pbx:s3cret@127.0.0.1:{fake.port}")
    acme.save()
    assert_error(place(api, acme_key, {"from": "100", "to": "101"}), 502, "originate_refused")
    fake.close()


def test_the_tenants_limit_answers_429_too_many_calls(api, acme_key, asterisk, reception, settings):
    settings.PBX_ORIGINATE_LIMIT = 2
    for _ in range(2):
        assert place(api, acme_key, {"from": "100", "to": "101"}).status_code == 202
    assert_error(place(api, acme_key, {"from": "100", "to": "101"}), 429, "too_many_calls")


def test_calls_past_their_ring_time_no_longer_count(api, acme_key, asterisk, reception, settings):
    settings.PBX_ORIGINATE_LIMIT, settings.PBX_ORIGINATE_RING_SECONDS = 1, 0
    assert place(api, acme_key, {"from": "100", "to": "101"}).status_code == 202
    assert place(api, acme_key, {"from": "100", "to": "101"}).status_code == 202


def test_another_tenants_calls_do_not_count(api, acme_key, globex, asterisk, reception, settings):
    settings.PBX_ORIGINATE_LIMIT = 1
    Originate.objects.create(tenant=globex, to="1")
    assert place(api, acme_key, {"from": "100", "to": "101"}).status_code == 202


def test_freeswitch_is_reached_through_its_event_socket(api, acme, acme_key, reception):
    fake = esl_server()
    acme.server = ServerFactory(kind="freeswitch", control_url=f"esl://:ClueCon@127.0.0.1:{fake.port}")
    acme.save()
    response = place(api, acme_key, {"from": "100", "to": "101"})
    assert response.status_code == 202, response.json()
    assert "user/100@acme.pbx.test 101 XML acme.pbx.test" in fake.messages[1]
    fake.close()


def test_djangopbx_clickdial_rings_the_callers_own_extension(api, acme_user_key, asterisk, reception):
    response = api(acme_user_key).post("/api/clickdial/", {"dest": "1002"}, format="json")
    assert response.status_code == 202, response.json()
    assert (response.json()["extension"], response.json()["to"]) == (reception.pk, "1002")


def test_djangopbx_clickdial_without_an_own_extension_answers_400(api, acme_key, asterisk, reception):
    assert_error(
        api(acme_key).post("/api/clickdial/", {"dest": "1002"}, format="json"), 400, "validation_error"
    )


def test_djangopbx_clickdial_host_must_be_the_tenants_server(api, acme_user_key, asterisk, reception):
    response = api(acme_user_key).post("/api/clickdial/", {"dest": "1002", "host": "switch9"}, format="json")
    assert_error(response, 400, "validation_error")


def test_a_retry_with_the_same_idempotency_key_dials_once(api, acme_key, asterisk, reception):
    client = api(acme_key)
    first = client.post(URL, {"from": "100", "to": "101"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, {"from": "100", "to": "101"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (202, 202, "true")
    assert again.json() == first.json()
    assert Originate.objects.count() == 1
    assert sum(message.startswith("Action: Originate") for message in asterisk.messages) == 1


def test_click_to_dial_requests_do_not_keep_a_tenant_from_being_deleted(api, admin_key, globex):
    Originate.objects.create(tenant=globex, to="101")
    assert api(admin_key).delete(f"/api/tenants/{globex.pk}/").status_code == 204
    assert not Originate.objects.exists()
