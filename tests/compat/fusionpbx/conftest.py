"""FusionPBX's world: the domain of its README's example, and `rest(key, body)` to call
`POST /app/rest_api/rest.php` with a key's FusionPBX credentials (prefix and secret)."""

import base64
import json

import pytest
from rest_framework.test import APIClient

URL = "/app/rest_api/rest.php"
DOMAIN_UUID = "3a644e67-de8f-4798-b07e-6f22c33a656e"


def basic_user_and_password(key):
    """FusionPBX's `--user id:secret` for a pbx key `pbx_<prefix>_<secret>`."""
    _start, prefix, secret = key.key.split("_", 2)
    return prefix, secret


@pytest.fixture
def example_domain(acme):
    """ACME as FusionPBX's README's domain: its SIP domain and UUID."""
    acme.sip_domain = "fusionpbx.example.net"
    acme.uuid = DOMAIN_UUID
    acme.save()
    return acme


@pytest.fixture
def rest():
    """rest(key, body) -> the response of rest.php to `body` (a dict, sent as JSON) with
    the key's FusionPBX credentials; `key=None` sends none."""

    def call(key, body, *, raw=None):
        client = APIClient()
        if key is not None:
            user, password = basic_user_and_password(key)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        data = raw if raw is not None else json.dumps(body)
        return client.generic("POST", URL, data, content_type="application/x-www-form-urlencoded")

    return call
