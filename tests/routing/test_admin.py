"""The routing admin: inline destination slots (an IVR's options), checked like the API."""

import pytest

from pbx.models import ChangeLog, Destination
from tests.factories import ExtensionFactory, IVRFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def ivr_form(ivr, rows, existing=()):
    """The IVR change form's POST data with `rows` as its destination inline: each row is
    (slot, type, target id) or (slot, type, target id, position); `existing` are the
    Destination rows already saved, sent first as the admin sends them."""
    data = {
        "tenant": ivr.tenant_id,
        "name": ivr.name,
        "description": "",
        "greeting": "",
        "timeout": ivr.timeout,
        "retries": ivr.retries,
        "enabled": "on",
        "destinations-TOTAL_FORMS": str(len(rows)),
        "destinations-INITIAL_FORMS": str(len(existing)),
        "destinations-MIN_NUM_FORMS": "0",
        "destinations-MAX_NUM_FORMS": "1000",
    }
    for index, (slot, code, target_id, *position) in enumerate(rows):
        if index < len(existing):
            data[f"destinations-{index}-id"] = str(existing[index].pk)
        data.update(
            {
                f"destinations-{index}-slot": slot,
                f"destinations-{index}-position": str(position[0]) if position else "0",
                f"destinations-{index}-target_type": code,
                f"destinations-{index}-target_id": "" if target_id is None else str(target_id),
            }
        )
    return data


def test_an_ivr_option_is_added_inline(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    reception = ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    page = client.get(f"/admin/routing/ivr/{ivr.pk}/change/")
    assert "destinations (slots)" in page.content.decode().lower()
    response = client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, [("IVR_1", "EXT", reception.pk)])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Destination.objects.get(owner_type="routing.ivr", owner_id=ivr.pk)
    assert (row.slot, row.target_type, row.target_id, row.tenant_id) == (
        "IVR_1",
        "EXT",
        reception.pk,
        acme.pk,
    )
    assert ChangeLog.objects.filter(object_type="destination", action="create").exists()


def test_an_inline_option_into_another_tenant_is_refused(client, superuser, acme, globex):
    ivr = IVRFactory(tenant=acme)
    theirs = ExtensionFactory(tenant=globex)
    client.force_login(superuser)
    response = client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, [("IVR_1", "EXT", theirs.pk)])
    )
    assert response.status_code == 200  # the form again, with the error
    assert "does not exist in this tenant" in response.content.decode()
    assert not Destination.objects.exists()


def test_an_inline_slot_the_owner_lacks_is_refused(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    client.force_login(superuser)
    response = client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, [("EXT-BUSY", "HANGUP", None)])
    )
    assert response.status_code == 200
    assert "has no slot EXT-BUSY" in response.content.decode()
    assert not Destination.objects.exists()


def test_the_add_pages_render_with_their_inlines(client, superuser):
    client.force_login(superuser)
    for model in ("ivr", "did", "schedule", "huntlist", "queue", "outboundroute", "routingprofile", "trunk"):
        assert client.get(f"/admin/routing/{model}/add/").status_code == 200, model


def test_inline_rows_left_without_a_position_follow_the_others_of_their_slot(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    rows = [("IVR_1", "EXT", first.pk, ""), ("IVR_1", "EXT", second.pk, "")]
    response = client.post(f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Destination.objects.filter(owner_id=ivr.pk).order_by("position")
    assert [(row.position, row.target_id) for row in saved] == [(0, first.pk), (1, second.pk)]


def test_two_inline_rows_at_one_position_of_a_slot_are_refused(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    rows = [("IVR_1", "EXT", first.pk, 0), ("IVR_1", "EXT", second.pk, 0)]
    response = client.post(f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, rows))
    assert response.status_code == 200
    assert "Another IVR_1 row already has position 0." in response.content.decode()
    assert not Destination.objects.exists()


def test_inline_rows_swap_positions(client, superuser, acme):
    ivr = IVRFactory(tenant=acme)
    first, second = ExtensionFactory(tenant=acme), ExtensionFactory(tenant=acme)
    client.force_login(superuser)
    client.post(
        f"/admin/routing/ivr/{ivr.pk}/change/",
        ivr_form(ivr, [("IVR_1", "EXT", first.pk, 0), ("IVR_1", "EXT", second.pk, 1)]),
    )
    existing = list(Destination.objects.filter(owner_id=ivr.pk).order_by("position"))
    swapped = [("IVR_1", "EXT", first.pk, 1), ("IVR_1", "EXT", second.pk, 0)]
    response = client.post(f"/admin/routing/ivr/{ivr.pk}/change/", ivr_form(ivr, swapped, existing))
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Destination.objects.filter(owner_id=ivr.pk).order_by("position")
    assert [row.target_id for row in saved] == [second.pk, first.pk]
