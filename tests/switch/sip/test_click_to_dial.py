"""Click-to-dial through Kamailio: POST /api/calls/ on a tenant whose server is the test
Kamailio (kind `kamailio`, its JSON-RPC socket) makes Kamailio ring the caller's
registered phone (the dialog module's dlg.bridge_dlg); answered, the phone is REFERred
to the number and dials it like any of its calls (Kamailio's challenge, pbx's dial
answer), so the destination rings. The phones are sipp."""

import json
import urllib.error
import urllib.request

import pytest

from tests.factories import ServerFactory
from tests.switch.sip.harness import free_port


@pytest.fixture
def acme_on_kamailio(sip, acme_on_media):
    acme_on_media.server = ServerFactory(
        name="kamailio-1",
        kind="kamailio",
        address="127.0.0.1",
        sip_port=sip.kamailio.port,
        control_url=sip.kamailio.rpc_url,
    )
    acme_on_media.save()
    return acme_on_media


def test_a_click_to_dial_call_rings_the_callers_phone_showing_the_requests_caller_id(
    api, acme_key, sip, acme_on_kamailio, alice
):
    phone = sip.phone(alice, "ring")

    body = {"from": "100", "to": "101", "caller_id_name": "Sales desk", "caller_id_number": "+15550100"}
    response = api(acme_key).post("/api/calls/", body, format="json")

    assert response.status_code == 202, response.json()
    invites = phone.stop().invites
    assert invites, sip.kamailio.log_tail()
    assert invites[0].uri == f"sip:alice@{phone.contact}"
    assert invites[0].header("From").startswith('"Sales desk" <sip:+15550100@acme.pbx.test>;tag=')


def test_the_answered_caller_is_referred_to_the_number_and_its_phone_dials_it(
    api, acme_key, sip, acme_on_kamailio, alice, bob
):
    callee = sip.phone(bob)
    port = free_port()
    assert sip.register(alice, port=port).final == 200
    caller = sip.sipp.start(
        "clicked",
        port=port,
        keys={"user": "alice", "domain": "acme.pbx.test", "name": "Alice"},
        username="alice",
        password=alice.password,
        hold=300,
    )

    response = api(acme_key).post("/api/calls/", {"from": "100", "to": "101"}, format="json")

    assert response.status_code == 202, response.json()
    rung = caller.wait()
    received = [m.method or m.code for m in rung.received()]
    assert received[0] == "INVITE", rung.log
    assert "ACK" in received and received.index("REFER") < received.index("BYE"), rung.log
    # Without a caller ID in the request, the extension's own (its name and number).
    assert rung.invites[0].header("From").startswith('"Alice" <sip:100@acme.pbx.test>;tag=')
    assert rung.received("REFER")[0].header("Refer-To") == "sip:101@acme.pbx.test"
    assert 200 in rung.codes, rung.log  # the destination answered the phone's INVITE
    invite = callee.wait().invites[0]
    assert '"Alice" <sip:alice@acme.pbx.test>' in invite.header("From")


def test_kamailios_rpc_socket_serves_rpc_alone(sip):
    request = urllib.request.Request(
        sip.kamailio.rpc_url.replace("/RPC", "/other"), data=b"{}", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=3)
    assert refused.value.code == 404


def test_kamailio_answers_dlg_bridge_dlg_for_an_unregistered_caller_and_rings_nobody(sip, alice):
    """Kamailio takes the request at once (its answer does not wait for the phone): pbx
    checks the registration itself before it asks (409 extension_not_registered)."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "dlg.bridge_dlg",
            "params": [
                "sip:alice@acme.pbx.test",
                "sip:101@acme.pbx.test",
                f"sip:127.0.0.1:{sip.kamailio.port}",
            ],
            "id": 1,
        }
    ).encode()
    request = urllib.request.Request(sip.kamailio.rpc_url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=3) as response:
        assert "result" in json.loads(response.read())
