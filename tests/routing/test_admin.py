"""The routing admin: destination slots (an IVR's options) picked by name, checked like
the API (the pickers themselves: tests/admin/test_pickers_destinations.py)."""

import pytest

from pbx.models import ChangeLog, Destination
from tests.factories import ExtensionFactory, IVRFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def ivr_form(ivr, **slots):
    """The IVR change form's POST data with `slots`: {slot: [(type, target id)]}, each
    slot's rows in order, as the page posts them."""
    data = {
        "tenant": ivr.tenant_id,
        "name": ivr.name,
        "description": "",
        "greeting": "",
        "timeout": ivr.timeout,
        "retries": ivr.retries,
        "enabled": "on",
        "destinations-present": "1",
    }
    for slot, rows in slots.items():
        data[f"destinations-{slot}-type"] = [code for code, _ in rows]
        data[f"destinations-{slot}-id"] = [
            "" if target_id is None else str(target_id) for _, target_id in rows
        ]
    return data


def test_an_ivr_option_is_added_by_its_slot(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    reception = ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    page = client.get(f"/admin/routing/ivr/{ivr.pk}/change/")
    assert 'data-slot="IVR_1"' in page.content.decode()
    response = client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, IVR_1=[("EXT", reception.pk)])
    )
    assert response.status_code == 302
    row = Destination.objects.get(owner_type="routing.ivr", owner_id=ivr.pk)
    assert (row.slot, row.target_type, row.target_id, row.tenant_id) == (
        "IVR_1",
        "EXT",
        reception.pk,
        acme.pk,
    )
    logged = ChangeLog.objects.get(object_type="ivr", action="update")
    assert logged.after["destinations"]["IVR_1"] == [f"EXT-{reception.pk}"]


def test_an_option_into_another_tenant_is_refused(client, superuser, acme, globex):
    ivr = IVRFactory(tenant=acme)
    theirs = ExtensionFactory(tenant=globex)
    client.force_login(superuser)
    response = client.post(f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, IVR_1=[("EXT", theirs.pk)]))
    assert response.status_code == 200  # the form again, with the error
    assert "does not exist in this tenant" in response.content.decode()
    assert not Destination.objects.exists()


def test_a_slot_the_owner_lacks_is_not_written(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    client.force_login(superuser)
    response = client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, **{"EXT-BUSY": [("HANGUP", None)]})
    )
    assert response.status_code == 302
    assert not Destination.objects.exists()


def test_the_add_pages_render(client, superuser):
    client.force_login(superuser)
    for model in ("ivr", "did", "schedule", "huntlist", "queue", "outboundroute", "routingprofile", "trunk"):
        assert client.get(f"/admin/routing/{model}/add/").status_code == 200, model


def test_rows_are_stored_in_the_order_posted_and_can_swap(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    url = f"/admin/routing/ivr/{ivr.pk}/change/"
    client.post(url, ivr_form(ivr, IVR_1=[("EXT", first.pk), ("EXT", second.pk)]))
    response = client.post(url, ivr_form(ivr, IVR_1=[("EXT", second.pk), ("EXT", first.pk)]))
    assert response.status_code == 302
    saved = Destination.objects.filter(owner_id=ivr.pk).order_by("position")
    assert [(row.position, row.target_id) for row in saved] == [(0, second.pk), (1, first.pk)]
