"""Phones register through Kamailio, digest-authenticated against pbx's
kamailio_subscriber VIEW; the registrations land in kamailio_location, where the API
reads them (real Kamailio and sipp: tests/switch/sip/conftest.py)."""

from switch.models import Registration
from tests.factories import ExtensionFactory, TenantFactory
from tests.switch.sip.harness import free_port


def test_the_right_password_registers(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="right-password-100")

    assert sip.register(extension).final == 200


def test_a_wrong_password_is_refused(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="right-password-100")

    dialog = sip.register(extension, password="wrong-password-100")

    assert dialog.codes == [401, 403]
    assert not Registration.objects.exists()


def test_an_unknown_user_is_refused(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="right-password-100")

    assert sip.register(extension, user="199").final == 403


def test_another_tenants_domain_is_refused_with_the_same_credentials(sip, acme, globex):
    extension = ExtensionFactory(tenant=acme, number="100", password="right-password-100")
    ExtensionFactory(tenant=globex, number="100", password="globex-password-100")

    assert sip.register(extension, domain=globex.sip_domain).final == 403


def test_a_disabled_extension_is_refused(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100", password="right-password-100", enabled=False)

    assert sip.register(extension).final == 403


def test_a_disabled_tenants_extension_is_refused(sip):
    tenant = TenantFactory(code="SHUT", enabled=False)
    extension = ExtensionFactory(tenant=tenant, number="100", password="right-password-100")

    assert sip.register(extension).final == 403


def test_a_password_changed_through_the_api_applies_at_the_next_register(sip, acme, api, acme_key):
    extension = ExtensionFactory(tenant=acme, number="100", password="old-password-100")
    phone = free_port()
    assert sip.register(extension, port=phone).final == 200

    response = api(acme_key).patch(
        f"/api/extensions/{extension.pk}/", {"password": "new-password-100"}, format="json"
    )
    assert response.status_code == 200

    assert sip.register(extension, port=phone, password="old-password-100").final == 403
    assert sip.register(extension, port=phone, password="new-password-100").final == 200


def test_max_contacts_refuses_one_device_more(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100", max_contacts=2)

    answers = [sip.register(extension).final for _ in range(3)]

    assert answers == [200, 200, 503]
    assert Registration.objects.filter(username="100", domain=acme.sip_domain).count() == 2


def test_a_registration_is_in_kamailio_location_at_once(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100")

    sip.register(extension, expires=600)

    registration = Registration.objects.get()
    assert (registration.username, registration.domain) == ("100", acme.sip_domain)
    assert registration.contact.startswith("sip:100@127.0.0.1:")
    assert 590 <= (registration.expires - registration.last_modified).total_seconds() <= 600


def test_a_register_with_expires_zero_removes_the_contact(sip, acme):
    extension = ExtensionFactory(tenant=acme, number="100")
    port = free_port()
    assert sip.register(extension, port=port).final == 200

    assert sip.register(extension, port=port, expires=0).final == 200

    assert not Registration.objects.exists()


def test_the_api_shows_the_registration_at_once(sip, acme, api, acme_key):
    extension = ExtensionFactory(tenant=acme, number="100")
    phone = free_port()
    assert sip.register(extension, port=phone).final == 200

    detail = api(acme_key).get(f"/api/extensions/{extension.pk}/").json()

    assert detail["registered"] is True
    [registration] = detail["registrations"]
    assert registration["contact"] == f"sip:100@127.0.0.1:{phone}"
    assert (registration["received_ip"], registration["received_port"]) == ("127.0.0.1", phone)
    assert registration["user_agent"] == "sipp phone"
    listed = api(acme_key).get("/api/extensions/?registered=true").json()
    assert [row["id"] for row in listed["results"]] == [extension.pk]
