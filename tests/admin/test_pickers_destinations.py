"""Destinations by name in the admin (pbx/admin_destinations.py), without a browser:
the search view's reach, the slots' form field checked like the API, the change log,
and "Used by" on the targets' pages."""

import pytest
from django.urls import reverse

from apikeys import roles
from pbx import destinations
from pbx.models import ChangeLog, Destination
from tests.factories import (
    DIDFactory,
    ExtensionFactory,
    HuntListFactory,
    IVRFactory,
    TenantFactory,
    UserFactory,
    VoicemailFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = "/admin/pbx/destination-targets/"


@pytest.fixture
def acme():
    return TenantFactory(code="ACME")


@pytest.fixture
def globex():
    return TenantFactory(code="GLOBEX")


@pytest.fixture
def acme_admin(client, acme):
    user = UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    client.force_login(user)
    return user


def _did_form(did, **slots):
    """The DID change form's POST: its fields as stored, and the given slots."""
    data = {
        "tenant": did.tenant_id,
        "number": did.number,
        "description": did.description,
        "enabled": "on",
        "destinations-present": "1",
    }
    for slot, rows in slots.items():
        data[f"destinations-{slot}-type"] = [code for code, _ in rows]
        data[f"destinations-{slot}-id"] = [
            "" if target_id is None else str(target_id) for _, target_id in rows
        ]
    return data


def _slot(owner, slot):
    return list(
        Destination.objects.filter(owner_type=owner._meta.label_lower, owner_id=owner.pk, slot=slot)
        .order_by("position")
        .values_list("target_type", "target_id")
    )


def test_the_search_finds_the_tenants_targets_by_label(client, acme_admin, acme):
    menu = IVRFactory(tenant=acme, name="Main menu")
    IVRFactory(tenant=acme, name="Night menu")
    answer = client.get(SEARCH, {"type": "IVR", "tenant": acme.pk, "q": "main"}).json()
    assert answer == {"results": [{"id": menu.pk, "label": "IVR Main menu"}]}


def test_the_search_offers_nothing_of_another_tenant(client, acme_admin, acme, globex):
    mine = ExtensionFactory(tenant=acme, number="100", name="Reception")
    ExtensionFactory(tenant=globex, number="100", name="Reception")
    answer = client.get(SEARCH, {"type": "EXT", "tenant": acme.pk, "q": "Reception"}).json()
    assert answer == {"results": [{"id": mine.pk, "label": "extension 100 (Reception)"}]}


def test_another_tenants_search_answers_like_a_tenant_that_does_not_exist(client, acme_admin, globex):
    ExtensionFactory(tenant=globex, number="200", name="Globex desk")
    theirs = client.get(SEARCH, {"type": "EXT", "tenant": globex.pk, "q": "Globex"})
    missing = client.get(SEARCH, {"type": "EXT", "tenant": 999999, "q": "Globex"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "tenant_not_found"
    assert "Globex" not in theirs.content.decode()


def test_the_search_refuses_an_unknown_type_and_unknown_parameters(client, acme_admin, acme):
    assert client.get(SEARCH, {"type": "NOPE", "tenant": acme.pk}).json()["error"]["code"] == "invalid_type"
    assert client.get(SEARCH, {"type": "HANGUP"}).status_code == 400  # nothing to search for
    answer = client.get(SEARCH, {"type": "EXT", "tenant": acme.pk, "limit": "5"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "unknown_parameter"


def test_the_search_is_refused_to_whoever_is_not_an_administrator(client, acme):
    # The admin's door is the API role: a user_api user is sent to the login page,
    # whatever its staff flag.
    for is_staff in (False, True):
        client.force_login(UserFactory(role=roles.USER, tenants=[acme], is_staff=is_staff))
        response = client.get(SEARCH, {"type": "EXT", "tenant": acme.pk})
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/")


def test_the_change_page_shows_every_slot_with_its_targets_by_name(client, acme_admin, acme):
    did = DIDFactory(tenant=acme)
    menu = IVRFactory(tenant=acme, name="Main menu")
    destinations.write(did, {"DID": [("IVR", menu.pk, None)]})
    page = client.get(reverse("admin:routing_did_change", args=[did.pk])).content.decode()
    for slot in ("DID", "DID-UNCONDITIONAL", "DID-SMS", "DID-FAXSUCCESS"):
        assert f'data-slot="{slot}"' in page
    assert 'value="IVR Main menu"' in page
    assert "pbx/admin/destinations.js" in page


def test_the_extension_page_has_its_busy_no_answer_and_unavailable_slots(client, acme_admin, acme):
    extension = ExtensionFactory(tenant=acme)
    page = client.get(reverse("admin:extensions_extension_change", args=[extension.pk])).content.decode()
    for slot in ("EXT-BUSY", "EXT-NOANSWER", "EXT-UNAVAILABLE"):
        assert f'data-slot="{slot}"' in page


def test_saving_writes_the_slots_in_the_order_posted(client, acme_admin, acme):
    did = DIDFactory(tenant=acme)
    hunt = HuntListFactory(tenant=acme, name="Sales")
    box = VoicemailFactory(tenant=acme)
    response = client.post(
        reverse("admin:routing_did_change", args=[did.pk]),
        _did_form(did, DID=[("HUNTLIST", hunt.pk), ("VOICEMAIL", box.pk), ("HANGUP", None)]),
    )
    assert response.status_code == 302, [
        response.context["adminform"].form.errors,
        [fs.errors for fs in response.context["inline_admin_formsets"]],
    ]
    assert _slot(did, "DID") == [("HUNTLIST", hunt.pk), ("VOICEMAIL", box.pk), ("HANGUP", None)]


def test_another_tenants_id_posted_by_hand_is_refused_like_one_that_does_not_exist(
    client, acme_admin, acme, globex
):
    did = DIDFactory(tenant=acme)
    theirs = IVRFactory(tenant=globex, name="Their menu")
    url = reverse("admin:routing_did_change", args=[did.pk])
    refused = client.post(url, _did_form(did, DID=[("IVR", theirs.pk)])).content.decode()
    missing = client.post(url, _did_form(did, DID=[("IVR", 999999)])).content.decode()
    assert f"IVR-{theirs.pk} does not exist in this tenant." in refused
    assert "IVR-999999 does not exist in this tenant." in missing
    assert "Their menu" not in refused
    assert _slot(did, "DID") == []


def test_a_target_type_the_slot_does_not_take_is_refused(client, acme_admin, acme, monkeypatch):
    did = DIDFactory(tenant=acme)
    owner = destinations.owner_slots(type(did))
    monkeypatch.setitem(owner.allowed_types, "DID-SMS", ["EXT"])
    menu = IVRFactory(tenant=acme)
    url = reverse("admin:routing_did_change", args=[did.pk])
    page = client.get(url).content.decode()
    sms = page[page.index('data-slot="DID-SMS"') :]
    sms = sms[: sms.index("</tr>")]
    assert 'value="EXT"' in sms and 'value="IVR"' not in sms
    refused = client.post(url, _did_form(did, **{"DID-SMS": [("IVR", menu.pk)]})).content.decode()
    assert "slot DID-SMS takes only EXT" in refused


def test_a_type_that_needs_a_target_without_one_is_refused(client, acme_admin, acme):
    did = DIDFactory(tenant=acme)
    page = client.post(
        reverse("admin:routing_did_change", args=[did.pk]), _did_form(did, DID=[("EXT", None)])
    )
    assert "EXT needs an id" in page.content.decode()


def test_the_change_log_records_the_slots_before_and_after(client, acme_admin, acme):
    did = DIDFactory(tenant=acme)
    first, second = IVRFactory(tenant=acme), IVRFactory(tenant=acme)
    destinations.write(did, {"DID": [("IVR", first.pk, None)]})
    client.post(reverse("admin:routing_did_change", args=[did.pk]), _did_form(did, DID=[("IVR", second.pk)]))
    row = ChangeLog.objects.filter(object_type="did", action="update").latest("id")
    assert row.source == "admin" and row.changed_fields == ["destinations"]
    assert row.before["destinations"]["DID"] == [f"IVR-{first.pk}"]
    assert row.after["destinations"]["DID"] == [f"IVR-{second.pk}"]


def test_saving_unchanged_slots_logs_nothing(client, acme_admin, acme):
    did = DIDFactory(tenant=acme)
    menu = IVRFactory(tenant=acme)
    destinations.write(did, {"DID": [("IVR", menu.pk, None)]})
    client.post(reverse("admin:routing_did_change", args=[did.pk]), _did_form(did, DID=[("IVR", menu.pk)]))
    assert not ChangeLog.objects.filter(object_type="did", action="update").exists()


def test_a_target_shows_who_uses_it_with_links_to_what_the_admin_may_see(client, acme_admin, acme):
    hunt = HuntListFactory(tenant=acme, name="Sales")
    did = DIDFactory(tenant=acme, number="+390212345678")
    destinations.write(did, {"DID": [("HUNTLIST", hunt.pk, None)]})
    page = client.get(reverse("admin:routing_huntlist_change", args=[hunt.pk])).content.decode()
    link = reverse("admin:routing_did_change", args=[did.pk])
    assert f'<a href="{link}">DID +390212345678</a>' in page


def test_used_by_leaves_out_another_tenants_referrers(client, acme_admin, acme, globex):
    shared = ExtensionFactory(tenant=acme)
    theirs = DIDFactory(tenant=globex, number="+441234567890")
    # A row no API would write (a cross-tenant destination), to prove the page filters.
    Destination.objects.create(
        tenant=globex, owner_type="routing.did", owner_id=theirs.pk, slot="DID", position=0,
        target_type="EXT", target_id=shared.pk,
    )  # fmt: skip
    page = client.get(reverse("admin:extensions_extension_change", args=[shared.pk])).content.decode()
    assert "+441234567890" not in page and "Nothing points here." in page


def test_an_add_page_sent_back_with_an_error_keeps_the_names_picked(client, acme_admin, acme):
    menu = IVRFactory(tenant=acme, name="Main menu")
    data = {"tenant": acme.pk, "number": "not a number", "enabled": "on", "destinations-present": "1"}
    data.update({"destinations-DID-type": ["IVR"], "destinations-DID-id": [str(menu.pk)]})
    page = client.post(reverse("admin:routing_did_add"), data).content.decode()
    assert 'value="IVR Main menu"' in page and f'value="{menu.pk}"' in page
