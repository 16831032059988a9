"""The curl example of FusionPBX rest_api's README, as printed there, changed only in
host and credentials, against a live pbx."""

import pytest

from tests.compat.fusionpbx.conftest import DOMAIN_UUID, basic_user_and_password
from tests.compat.fusionpbx.curl import run_curl

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = """$ curl -s --user "5bc14e83-fc4e-4578-99b8-c7151eb2ec54:jM2GQuYgQTkIGE6nJ2SP" -d '{"action": "domain-details", "domain_name": "fusionpbx.example.net"}' https://fusionpbx.example.net/app/rest_api/rest.php | jq"""
DOCUMENTED_ANSWER_FIELDS = [
    "domain_uuid",
    "domain_parent_uuid",
    "domain_name",
    "domain_enabled",
    "domain_description",
    "insert_date",
    "insert_user",
    "update_date",
    "update_user",
]


def test_domain_details_by_domain_name(live_server, tmp_path, example_domain, acme_key):
    user, secret = basic_user_and_password(acme_key)
    replacements = {
        "5bc14e83-fc4e-4578-99b8-c7151eb2ec54:jM2GQuYgQTkIGE6nJ2SP": f"{user}:{secret}",
        "https://fusionpbx.example.net": live_server.url,
    }
    answer = run_curl(EXAMPLE.removeprefix("$ "), replacements, tmp_path)
    assert answer.status == 200, answer.text
    body = answer.json()
    assert list(body) == DOCUMENTED_ANSWER_FIELDS
    assert (body["domain_uuid"], body["domain_name"], body["domain_enabled"]) == (
        DOMAIN_UUID,
        "fusionpbx.example.net",
        True,
    )
