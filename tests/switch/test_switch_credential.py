"""The switch credential (switch_api) opens the switch's endpoints and nothing else."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/extensions/", "/api/tenants/", "/api/cdrs/", "/api/changes/"])
def test_a_switch_credential_reads_no_resource(api, switch_key, acme, path):
    response = api(switch_key).get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "/api/switch/" in response.json()["error"]["message"]


def test_a_switch_credential_writes_no_resource(api, switch_key, acme):
    response = api(switch_key).post(
        "/api/extensions/?tenant=ACME", {"number": "100", "name": "x"}, format="json"
    )
    assert response.status_code == 403
