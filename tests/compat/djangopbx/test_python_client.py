"""DjangoPBX's Python client class, as its API usage guide prints it, run against a live
pbx with only its base URL and token changed (its usage lines included)."""

from datetime import date, datetime

import pytest
import requests

from extensions.models import Extension

pytestmark = pytest.mark.django_db(transaction=True)


# --- DjangoPBX's guide, "Python Example", unchanged -------------------------------------
# fmt: off
class DjangoPBXAPI:
    def __init__(self, base_url, token):
        self.base_url = base_url.rstrip('/')
        self.headers = {
            'Authorization': f'Token {token}',
            'Content-Type': 'application/json'
        }

    def get_extensions(self, domain_id=None):
        url = f"{self.base_url}/api/extensions/"
        params = {'domain_id': domain_id} if domain_id else {}
        response = requests.get(url, headers=self.headers, params=params)
        response.raise_for_status()
        return response.json()

    def create_extension(self, data):
        url = f"{self.base_url}/api/extensions/"
        response = requests.post(url, headers=self.headers, json=data)
        response.raise_for_status()
        return response.json()

    def get_cdrs(self, start_date, end_date, extension_id=None):
        url = f"{self.base_url}/api/xmlcdrs/"
        params = {
            'start_stamp__gte': start_date,
            'start_stamp__lt': end_date
        }
        if extension_id:
            params['extension_id'] = extension_id
        response = requests.get(url, headers=self.headers, params=params)
        response.raise_for_status()
        return response.json()
# --- end of DjangoPBX's guide -----------------------------------------------------------


def test_the_guides_usage_runs_unchanged_but_for_base_url_and_token(live_server, acme_key, extension_1001):
    # fmt: off
    # Usage
    api = DjangoPBXAPI(live_server.url, acme_key.key)

    # Get all extensions
    extensions = api.get_extensions()

    # Create new extension
    new_ext = api.create_extension({
        'domain_id': '660e8400-e29b-41d4-a716-446655440000',
        'extension': '1099',
        'password': 'secure-pass-123',
        'enabled': True
    })

    # Get today's CDRs
    cdrs = api.get_cdrs(
        start_date=date.today().isoformat(),
        end_date=datetime.now().isoformat()
    )
    # fmt: on

    assert [row["number"] for row in extensions["results"]] == ["1001"]
    assert new_ext["number"] == "1099" and Extension.objects.filter(number="1099").exists()
    assert cdrs["results"] == []


def test_get_extensions_of_a_domain(live_server, acme_key, extension_1001):
    api = DjangoPBXAPI(live_server.url, acme_key.key)
    listed = api.get_extensions(domain_id="660e8400-e29b-41d4-a716-446655440000")
    assert [row["uuid"] for row in listed["results"]] == [str(extension_1001.uuid)]


def test_get_cdrs_of_an_extension(live_server, acme_key, extension_1001):
    from tests.factories import CallRecordFactory

    call = CallRecordFactory(tenant=extension_1001.tenant, extension=extension_1001)
    CallRecordFactory(tenant=extension_1001.tenant)
    api = DjangoPBXAPI(live_server.url, acme_key.key)
    cdrs = api.get_cdrs("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", extension_id=str(extension_1001.uuid))
    assert [row["call_id"] for row in cdrs["results"]] == [call.call_id]


def test_another_domains_id_raises_as_requests_does_for_a_404(live_server, globex_key, extension_1001):
    api = DjangoPBXAPI(live_server.url, globex_key.key)
    with pytest.raises(requests.HTTPError) as raised:
        api.get_extensions(domain_id="660e8400-e29b-41d4-a716-446655440000")
    assert raised.value.response.status_code == 404
