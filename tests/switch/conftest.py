"""The tenants, phones and carriers the switch's tests call between.

- ACME (acme.pbx.test) is on the media server `media-1` (192.0.2.50, SIP port 5080);
  its extensions 100 (alice) and 101 (bob); its DID +15551234567 and the carrier trunk
  `carrier-a` at 198.51.100.10 that serves it.
- GLOBEX has the same extension numbers and a DID of its own, on its own trunk.
- `switch` is an APIClient with the switch's key; `at(...)` pins the switch's clock.
"""

import pytest

from switch import carriers
from tenants.models import Tenant
from tests.factories import DIDFactory, ExtensionFactory, ServerFactory, TrunkFactory

CARRIER_A = "198.51.100.10"
CARRIER_G = "203.0.113.20"


@pytest.fixture(autouse=True)
def _no_resolved_names():
    carriers.forget_resolved()
    yield
    carriers.forget_resolved()


@pytest.fixture
def switch(api, switch_key):
    return api(switch_key)


@pytest.fixture
def at(settings):
    """at("2026-03-27T10:00:00+01:00"): the switch's clock reads that moment."""
    from tests.switch.support import moment

    def pin(text):
        settings.PBX_SWITCH_NOW = moment(text)

    return pin


@pytest.fixture
def media_server(db):
    return ServerFactory(name="media-1", address="192.0.2.50", sip_port=5080)


@pytest.fixture
def acme_on_media(acme, media_server):
    Tenant.objects.filter(pk=acme.pk).update(server=media_server)
    acme.refresh_from_db()
    return acme


@pytest.fixture
def alice(acme_on_media):
    return ExtensionFactory(tenant=acme_on_media, number="100", sip_username="alice", name="Alice")


@pytest.fixture
def bob(acme_on_media):
    return ExtensionFactory(tenant=acme_on_media, number="101", sip_username="bob", name="Bob")


@pytest.fixture
def globex_bob(globex):
    return ExtensionFactory(tenant=globex, number="101", sip_username="bob", name="Globex Bob")


@pytest.fixture
def carrier(acme_on_media):
    trunk = TrunkFactory(name="carrier-a", host=CARRIER_A, port=5060, transport="udp")
    trunk.tenants.add(acme_on_media)
    return trunk


@pytest.fixture
def acme_did(acme_on_media):
    return DIDFactory(tenant=acme_on_media, number="+15551234567")


@pytest.fixture
def globex_did(globex):
    trunk = TrunkFactory(name="carrier-g", host=CARRIER_G)
    trunk.tenants.add(globex)
    return DIDFactory(tenant=globex, number="+15557654321")


@pytest.fixture
def control_server():
    """start(server class, *args) -> an AMI, ESL or JSON-RPC test server on a real
    socket (tests/switch/control_servers.py), each closed after the test."""
    made = []

    def start(factory, *args, **kwargs):
        made.append(factory(*args, **kwargs))
        return made[-1]

    yield start
    for each in made:
        each.close()
