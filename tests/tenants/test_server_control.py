"""A server's `kind` (Asterisk, FreeSWITCH or Kamailio) and `control_url` (how pbx
reaches its AMI, event socket or JSON-RPC to place click-to-dial calls): validated, and the URL, which
carries a secret, shown only to a platform administrator's full global key."""

import pytest

from tests.api.support import assert_error
from tests.factories import ServerFactory

pytestmark = pytest.mark.django_db
URL = "/api/servers/"


def create(api, key, **fields):
    return api(key).post(URL, {"name": "pbx-a", "address": "pbx-a.example.net", **fields}, format="json")


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("asterisk", "ami://pbx:s3cret@10.0.0.5:5038"),
        ("freeswitch", "esl://:ClueCon@10.0.0.6:8021"),
        ("kamailio", "http://127.0.0.1:5071/RPC"),
        ("kamailio", "https://10.0.0.7:5071/RPC"),
    ],
)
def test_a_server_takes_its_kind_and_control_url(api, admin_key, kind, url):
    response = create(api, admin_key, kind=kind, control_url=url)
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["control_url"]) == (kind, url)


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:5038", "ami://pbx:s3cret@10.0.0.5", "ami://pbx:s3cret@:5038", "ami://x@h:99999"]
)
def test_a_control_url_without_scheme_host_or_port_is_refused(api, admin_key, url):
    assert_error(create(api, admin_key, kind="asterisk", control_url=url), 400, "validation_error")


def test_a_control_url_of_the_other_switch_is_refused(api, admin_key):
    response = create(api, admin_key, kind="asterisk", control_url="esl://:ClueCon@10.0.0.6:8021")
    assert_error(response, 400, "validation_error")
    assert "control_url" in response.json()["error"]["fields"]


def test_a_kamailio_server_is_reached_by_http_alone(api, admin_key):
    response = create(api, admin_key, kind="kamailio", control_url="ami://pbx:s3cret@10.0.0.5:5038")
    assert_error(response, 400, "validation_error")
    assert "control_url" in response.json()["error"]["fields"]


def test_a_control_url_needs_a_kind(api, admin_key):
    response = create(api, admin_key, control_url="ami://pbx:s3cret@10.0.0.5:5038")
    assert_error(response, 400, "validation_error")
    assert "kind" in response.json()["error"]["fields"]


def test_a_read_only_key_does_not_see_the_control_url(api, admin_read_key):
    server = ServerFactory(kind="asterisk", control_url="ami://pbx:s3cret@10.0.0.5:5038")
    body = api(admin_read_key).get(f"{URL}{server.pk}/").json()
    assert "control_url" not in body and "s3cret" not in str(body)


def test_the_change_log_redacts_the_control_url(api, admin_key):
    server_id = create(api, admin_key, kind="asterisk", control_url="ami://pbx:s3cret@10.0.0.5:5038").json()[
        "id"
    ]
    changes = api(admin_key).get("/api/changes/", {"object_type": "server", "object_id": server_id}).json()
    assert "s3cret" not in str(changes)
