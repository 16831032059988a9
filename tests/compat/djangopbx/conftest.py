"""DjangoPBX's documented world: the domain, extension and gateway its examples name by
UUID, a live server, and `curl(example, key)` to run an example against it."""

import pytest

from tests.compat.fusionpbx.curl import run_curl
from tests.factories import ExtensionFactory, TrunkFactory

HOST = "https://your-pbx-domain.com"
DOMAIN_UUID = "660e8400-e29b-41d4-a716-446655440000"
EXTENSION_UUID = "550e8400-e29b-41d4-a716-446655440000"
GATEWAY_UUID = "770e8400-e29b-41d4-a716-446655440000"


@pytest.fixture
def domain(acme):
    """ACME, under the UUID DjangoPBX's examples give their domain."""
    acme.uuid = DOMAIN_UUID
    acme.save()
    return acme


@pytest.fixture
def extension_1001(domain):
    return ExtensionFactory(tenant=domain, number="1001", uuid=EXTENSION_UUID)


@pytest.fixture
def gateway(domain):
    trunk = TrunkFactory(name="provider-trunk", uuid=GATEWAY_UUID)
    trunk.tenants.add(domain)
    return trunk


@pytest.fixture
def curl(live_server, tmp_path):
    """curl(example, key, **more) -> the answer to DjangoPBX's example, changed only in
    host and key (None: the example carries none) and the credentials in `more`."""

    def run(example, key, **more_replacements):
        replacements = {HOST: live_server.url, **more_replacements}
        if key is not None:
            replacements["your-auth-token"] = key.key
        return run_curl(example, replacements, tmp_path)

    run.folder = tmp_path
    return run
