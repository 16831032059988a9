"""The JSON-RPC request pbx posts to Kamailio (the dialog module's dlg.bridge_dlg over
jsonrpcs' HTTP transport) and how it reads the answer, against a small JSON-RPC server
on a real loopback socket (tests/switch/control_servers.py). Kamailio itself answering
it is tested in tests/switch/sip/test_click_to_dial.py."""

import json

import pytest

from switch import control
from tests.switch.control_servers import JsonRpcServer, bridge_accepted, bridge_failed, nothing_listening

CALL = {
    "caller": "sip:alice@acme.pbx.test",
    "callee": "sip:101@acme.pbx.test",
    "proxy": "sip:127.0.0.1:5060",
}


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.PBX_ORIGINATE_TIMEOUT = 1


@pytest.fixture
def rpc(control_server):
    """rpc(reply, status=200) -> a JSON-RPC server that answers `reply`."""
    return lambda reply, status=200: control_server(JsonRpcServer, reply, status)


def bridge(server):
    return control.kamailio_bridge(f"http://127.0.0.1:{server.port}/RPC", **CALL)


def test_the_request_is_dlg_bridge_dlg_with_the_caller_the_number_and_kamailio_as_proxy(rpc):
    server = rpc(bridge_accepted)
    request_id = bridge(server)
    body = json.loads(server.bodies[0])
    assert body == {
        "jsonrpc": "2.0",
        "method": "dlg.bridge_dlg",
        "params": ["sip:alice@acme.pbx.test", "sip:101@acme.pbx.test", "sip:127.0.0.1:5060"],
        "id": request_id,
    }
    assert server.paths == ["/RPC"]


def test_a_result_is_a_placed_call_named_by_the_request_id(rpc):
    assert bridge(rpc(bridge_accepted)).startswith("pbx-")


def test_a_json_rpc_error_is_a_refusal_with_kamailios_message(rpc):
    with pytest.raises(control.ControlError, match="Failed to create dialog") as raised:
        bridge(rpc(bridge_failed, status=500))
    assert raised.value.unreachable is False


def test_nothing_listening_is_unreachable():
    with nothing_listening() as port, pytest.raises(control.ControlError, match="not reached") as raised:
        control.kamailio_bridge(f"http://127.0.0.1:{port}/RPC", **CALL)
    assert raised.value.unreachable is True
