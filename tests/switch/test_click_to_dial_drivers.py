"""The lines pbx sends Asterisk's AMI and FreeSWITCH's event socket to place a
click-to-dial call, and how it reads their answers. Neither switch is packaged for this
machine: the servers here speak the exchanges Asterisk's and FreeSWITCH's documentation
give (tests/switch/control_servers.py), over real sockets."""

import socket

import pytest

from switch import control
from tests.switch.control_servers import JOB_UUID, ami_server, esl_server, nothing_listening

CALL = {
    "to": "+15551234567",
    "context": "acme.pbx.test",
    "caller_id_name": "Sales",
    "caller_id_number": "100",
}


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.PBX_ORIGINATE_TIMEOUT = 1


@pytest.fixture
def server(control_server):
    return control_server


def ami(server_, secret="s3cret"):
    return control.ami_originate(f"ami://pbx:{secret}@127.0.0.1:{server_.port}", endpoint="acme-100", **CALL)


def esl(server_, password="ClueCon"):
    return control.esl_originate(
        f"esl://:{password}@127.0.0.1:{server_.port}", user="100", domain="acme.pbx.test", **CALL
    )


def test_ami_logs_in_with_the_username_and_secret_of_the_control_url(server):
    asterisk = server(ami_server)
    ami(asterisk)
    login = asterisk.messages[0].split("\r\n")
    assert login[:3] == ["Action: Login", "Username: pbx", "Secret: s3cret"]
    assert login[3].startswith("ActionID: ")


def test_ami_originates_the_extensions_pjsip_endpoint_to_the_number_queued(server):
    asterisk = server(ami_server)
    action_id = ami(asterisk)
    assert asterisk.messages[1].split("\r\n") == [
        "Action: Originate",
        "Channel: PJSIP/acme-100",
        "Exten: +15551234567",
        "Context: acme.pbx.test",
        "Priority: 1",
        'CallerID: "Sales" <100>',
        "Async: true",
        f"ActionID: {action_id}",
    ]


def test_ami_logs_off_after_the_originate_is_queued(server):
    asterisk = server(ami_server)
    ami(asterisk)
    assert asterisk.received(3)[2] == "Action: Logoff"


def test_ami_refusing_the_login_is_a_server_not_usable(server):
    asterisk = server(ami_server)
    with pytest.raises(control.ControlError, match="refused the login: Authentication failed") as raised:
        ami(asterisk, secret="wrong")
    assert raised.value.unreachable
    assert len(asterisk.messages) == 1  # no Originate after a refused login


def test_ami_answering_error_to_the_originate_is_a_refusal_with_its_message(server):
    asterisk = server(ami_server, originate_error="Extension does not exist.")
    with pytest.raises(control.ControlError, match="Extension does not exist") as raised:
        ami(asterisk)
    assert not raised.value.unreachable


def test_esl_authenticates_with_the_password_after_the_auth_request(server):
    freeswitch = server(esl_server)
    esl(freeswitch)
    assert freeswitch.messages[0] == "auth ClueCon"


def test_esl_sends_bgapi_originate_with_the_caller_id_variables(server):
    freeswitch = server(esl_server)
    assert esl(freeswitch) == JOB_UUID
    assert freeswitch.messages[1] == (
        "bgapi originate {origination_caller_id_name='Sales',origination_caller_id_number=100}"
        "user/100@acme.pbx.test +15551234567 XML acme.pbx.test"
    )
    assert freeswitch.received(3)[2] == "exit"


def test_esl_refusing_the_password_is_a_server_not_usable(server):
    freeswitch = server(esl_server)
    with pytest.raises(control.ControlError, match="refused the password: -ERR invalid") as raised:
        esl(freeswitch, password="wrong")
    assert raised.value.unreachable


def test_esl_answering_err_to_the_originate_is_a_refusal_with_its_text(server):
    freeswitch = server(esl_server, originate_error="USER_NOT_REGISTERED")
    with pytest.raises(control.ControlError, match="-ERR USER_NOT_REGISTERED") as raised:
        esl(freeswitch)
    assert not raised.value.unreachable


@pytest.mark.parametrize("scheme", ["ami", "esl"])
def test_nothing_listening_is_unreachable_in_one_line(scheme):
    driver = control.ami_originate if scheme == "ami" else control.esl_originate
    extra = {"endpoint": "100"} if scheme == "ami" else {"user": "100", "domain": "acme.pbx.test"}
    with nothing_listening() as port, pytest.raises(control.ControlError, match="not reached") as raised:
        driver(f"{scheme}://u:p@127.0.0.1:{port}", **extra, **CALL)
    assert raised.value.unreachable and "\n" not in str(raised.value)


def test_a_server_that_never_answers_times_out():
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"esl://:p@127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(control.ControlError, match="did not answer: timed out"):
            control.esl_originate(url, user="100", domain="acme.pbx.test", **CALL)
    finally:
        silent.close()
