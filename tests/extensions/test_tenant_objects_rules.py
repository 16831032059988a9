"""The finer rules of the extensions app's tenant objects: who owns a voicemail box,
who may own a device, MiRTA PBX's conference room and paging group payloads, call and
pickup groups, follow-me steps that ring extensions, contacts' names and web origins."""

import pytest

from extensions.models import Device, FollowMeEntry, PagingGroupMember, Voicemail
from pbx.models import ChangeLog
from tests.factories import (
    ExtensionFactory,
    FollowMeFactory,
    PickupGroupFactory,
    UserFactory,
    VoicemailFactory,
)


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception")


@pytest.fixture
def sales(acme):
    return ExtensionFactory(tenant=acme, number="200", name="Sales")


# --- voicemail ownership ----------------------------------------------------------------------


def test_a_voicemail_box_belongs_to_the_user_of_its_extension(api, acme_key, acme_user, acme):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    response = api(acme_key).post("/api/voicemails/", {"mailbox": "300", "extension": extension.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["user"] == acme_user.pk


def test_a_voicemail_box_follows_its_extension_to_a_new_user(api, acme_key, acme_user, acme):
    extension = ExtensionFactory(tenant=acme)
    box = VoicemailFactory(tenant=acme, extension=extension)
    api(acme_key).patch(f"/api/extensions/{extension.pk}/", {"user": acme_user.pk})
    assert Voicemail.objects.get(pk=box.pk).user == acme_user


def test_a_voicemail_box_that_changes_owner_logs_it(api, acme_key, acme_user, acme):
    extension = ExtensionFactory(tenant=acme)
    box = VoicemailFactory(tenant=acme, extension=extension)
    api(acme_key).patch(f"/api/extensions/{extension.pk}/", {"user": acme_user.pk})
    row = ChangeLog.objects.get(object_type="voicemail", object_id=box.pk, action="update")
    assert row.changed_fields == ["user_id"]


def test_a_voicemail_box_taken_off_its_extension_has_no_owner(api, acme_key, acme_user, acme):
    box = VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    api(acme_key).patch(f"/api/voicemails/{box.pk}/", {"extension": None})
    assert Voicemail.objects.get(pk=box.pk).user is None


def test_deleting_the_extension_keeps_its_voicemail_box_without_an_owner(api, acme_key, acme_user, acme):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    box = VoicemailFactory(tenant=acme, extension=extension)
    assert api(acme_key).delete(f"/api/extensions/{extension.pk}/").status_code == 204
    box.refresh_from_db()
    assert (box.extension_id, box.user_id) == (None, None)


def test_the_former_user_no_longer_reads_the_box(api, acme_key, acme_user_key, acme_user, acme):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    box = VoicemailFactory(tenant=acme, extension=extension)
    api(acme_key).patch(f"/api/extensions/{extension.pk}/", {"user": None})
    assert api(acme_user_key).get(f"/api/voicemails/{box.pk}/").status_code == 404


def test_the_owner_of_a_voicemail_box_cannot_be_written(api, acme_key, acme_user, acme):
    box = VoicemailFactory(tenant=acme)
    api(acme_key).patch(f"/api/voicemails/{box.pk}/", {"user": acme_user.pk})
    assert Voicemail.objects.get(pk=box.pk).user is None


def test_a_voicemail_box_is_not_in_the_dial_plan(api, acme_key, reception):
    response = api(acme_key).post("/api/voicemails/", {"mailbox": "100"})
    assert response.status_code == 201, response.json()


def test_a_mailbox_is_unique_in_its_tenant(api, acme_key, acme):
    VoicemailFactory(tenant=acme, mailbox="300")
    response = api(acme_key).post("/api/voicemails/", {"mailbox": "300"})
    assert response.status_code == 400
    assert "mailbox" in response.json()["error"]["fields"]


def test_the_djangopbx_voicemail_example_creates_a_box(api, acme_key, reception):
    body = {
        "mailbox": "100",
        "extension_id": reception.pk,
        "password": "1234",
        "mail_to": "user@example.com",
        "attach_file": False,
        "enabled": True,
    }
    response = api(acme_key).post("/api/voicemails/", body)
    assert response.status_code == 201, response.json()
    box = Voicemail.objects.get(pk=response.json()["id"])
    assert (box.extension, box.email, box.attach_audio) == (reception, "user@example.com", False)


def test_a_voicemail_box_cannot_take_another_tenants_extension(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex)
    response = api(acme_key).post("/api/voicemails/", {"mailbox": "300", "extension": theirs.pk})
    assert response.json()["error"]["fields"]["extension"] == [f"No extension {theirs.pk} in this tenant."]


# --- devices ------------------------------------------------------------------------------------


def test_a_device_owner_must_be_a_user_of_the_tenant(api, acme_key, globex):
    stranger = UserFactory(tenants=[globex])
    body = {"name": "Desk", "mac_address": "001565aabbcc", "user": stranger.pk}
    response = api(acme_key).post("/api/devices/", body)
    assert response.status_code == 400
    assert "user" in response.json()["error"]["fields"]


def test_a_device_owner_that_does_not_exist_is_a_validation_error(api, acme_key):
    body = {"name": "Desk", "mac_address": "001565aabbcc", "user": 999_999}
    response = api(acme_key).post("/api/devices/", body)
    assert response.status_code == 400
    assert not Device.objects.exists()


def test_a_device_belongs_to_a_user_of_the_tenant(api, acme_key, acme_user):
    body = {"name": "Desk", "mac_address": "001565aabbcc", "user": acme_user.pk}
    response = api(acme_key).post("/api/devices/", body)
    assert response.status_code == 201, response.json()
    assert Device.objects.get().user == acme_user


def test_the_seed_001_provisioning_phone_names_are_understood(api, acme_key):
    response = api(acme_key).post("/api/devices/", {"ph_name": "Lobby", "ph_mac": "001122aabbcc"})
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["mac_address"]) == ("Lobby", "001122aabbcc")


@pytest.mark.parametrize("mac", ["00:11:22:AA:BB:CC", "00-11-22-aa-bb-cc", "001122aabbcc"])
def test_a_mac_address_in_any_notation_is_the_same_device(api, acme_key, acme, mac):
    api(acme_key).post("/api/devices/", {"name": "First", "mac_address": "001122AABBCC"})
    response = api(acme_key).post("/api/devices/", {"name": "Second", "mac_address": mac})
    assert response.status_code == 409
    assert "already registered" in response.json()["error"]["message"]


def test_a_device_keeps_its_mac_address_when_changed(api, acme_key):
    device = api(acme_key).post("/api/devices/", {"name": "Desk", "mac_address": "001122aabbcc"}).json()
    response = api(acme_key).patch(f"/api/devices/{device['id']}/", {"mac_address": "00:11:22:AA:BB:CC"})
    assert response.status_code == 200, response.json()


def test_a_button_layout_is_validated(api, acme_key):
    body = {"name": "Desk", "mac_address": "001122aabbcc", "button_layout": [{"key": 1, "type": "rocket"}]}
    response = api(acme_key).post("/api/devices/", body)
    assert "button_layout" in response.json()["error"]["fields"]


def test_a_device_line_number_appears_once(api, acme_key, reception, sales):
    lines = [{"line": 1, "extension": reception.pk}, {"line": 1, "extension": sales.pk}]
    body = {"name": "Desk", "mac_address": "001122aabbcc", "lines": lines}
    response = api(acme_key).post("/api/devices/", body)
    assert response.json()["error"]["fields"]["lines"] == ["A line number appears twice."]


# --- conference rooms and paging groups ---------------------------------------------------------


def test_the_seed_001_conference_room_example_creates_a_room(api, acme_key, admin_key):
    body = {"name": "Weekly Meeting", "number": "900", "pin": "1234", "adminpin": "4321", "maxusers": 10}
    response = api(acme_key).post("/api/conference-rooms/", body)
    assert response.status_code == 201, response.json()
    room = api(admin_key).get(f"/api/conference-rooms/{response.json()['id']}/").json()
    assert (room["pin"], room["admin_pin"], room["max_users"]) == ("1234", "4321", 10)


def test_a_conference_room_number_held_by_an_extension_answers_number_in_use(api, acme_key, reception):
    response = api(acme_key).post("/api/conference-rooms/", {"cr_number": "100", "cr_name": "Board"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"


def test_an_extension_cannot_take_a_conference_rooms_number(api, acme_key):
    api(acme_key).post("/api/conference-rooms/", {"number": "900"})
    response = api(acme_key).post("/api/extensions/", {"number": "900"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"


def test_the_seed_001_paging_slot_sets_the_members(api, acme_key, reception, sales):
    body = {
        "pa_number": "700",
        "pa_name": "All",
        "destinations": {"PAGING": [sales.pk, f"EXT-{reception.pk}"]},
    }
    response = api(acme_key).post("/api/paging-groups/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["members"] == [sales.pk, reception.pk]


def test_a_put_without_members_empties_a_paging_group(api, acme_key, reception):
    group = api(acme_key).post("/api/paging-groups/", {"number": "700", "members": [reception.pk]}).json()
    api(acme_key).put(f"/api/paging-groups/{group['id']}/", {"number": "700"})
    assert not PagingGroupMember.objects.exists()


def test_a_paging_group_is_a_destination(api, acme_key, reception):
    group = api(acme_key).post("/api/paging-groups/", {"number": "700"}).json()
    body = {"destinations": {"EXT-BUSY": [f"PAGING-{group['id']}"]}}
    response = api(acme_key).patch(f"/api/extensions/{reception.pk}/", body)
    assert response.json()["destinations"]["EXT-BUSY"][0]["label"] == "paging group 700"


# --- pickup and call groups ---------------------------------------------------------------------


def test_a_call_group_and_a_pickup_group_may_share_a_name(api, acme_key, acme):
    PickupGroupFactory(tenant=acme, name="sales", kind="pickup")
    response = api(acme_key).post("/api/pickup-groups/", {"name": "sales", "kind": "call"})
    assert response.status_code == 201, response.json()


def test_two_pickup_groups_may_not_share_a_name(api, acme_key, acme):
    PickupGroupFactory(tenant=acme, name="sales", kind="pickup")
    response = api(acme_key).post("/api/pickup-groups/", {"name": "sales"})
    assert response.json()["error"]["fields"]["name"] == [
        "Tenant ACME already has a pickup group named sales."
    ]


def test_a_group_name_is_unique_per_tenant_only(api, acme_key, globex):
    PickupGroupFactory(tenant=globex, name="sales")
    assert api(acme_key).post("/api/pickup-groups/", {"name": "sales"}).status_code == 201


def test_pickup_groups_are_filtered_by_kind(api, acme_key, acme):
    PickupGroupFactory(tenant=acme, kind="pickup")
    call = PickupGroupFactory(tenant=acme, kind="call")
    rows = api(acme_key).get("/api/pickup-groups/?kind=call").json()["results"]
    assert [row["id"] for row in rows] == [call.pk]


# --- follow-me ----------------------------------------------------------------------------------


def test_a_follow_me_step_may_ring_another_extension(api, acme_key, reception, sales):
    entries = [{"extension": sales.pk, "delay": 5}, {"number": "+393331234567", "delay": 20}]
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": entries})
    assert response.status_code == 201, response.json()
    assert [(e["number"], e["extension"]) for e in response.json()["entries"]] == [
        ("", sales.pk),
        ("+393331234567", None),
    ]


def test_a_follow_me_step_is_a_number_or_an_extension_not_both(api, acme_key, reception, sales):
    entries = [{"extension": sales.pk, "number": "300"}]
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": entries})
    assert response.status_code == 400
    assert "entries" in response.json()["error"]["fields"]


def test_a_follow_me_step_rings_an_extension_of_the_tenant(api, acme_key, reception, globex):
    theirs = ExtensionFactory(tenant=globex)
    entries = [{"extension": theirs.pk}]
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": entries})
    assert response.json()["error"]["fields"]["entries"] == [f"No extension {theirs.pk} in this tenant."]


def test_a_follow_me_does_not_ring_its_own_extension_as_a_step(api, acme_key, reception):
    entries = [{"extension": reception.pk}]
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": entries})
    assert response.status_code == 400


def test_the_fusionpbx_follow_me_destinations_are_understood(api, acme_key, reception):
    body = {
        "extension_id": reception.pk,
        "follow_me_enabled": True,
        "follow_me_destinations": [
            {"follow_me_destination": "+393331234567", "follow_me_delay": 0, "follow_me_timeout": 20},
        ],
    }
    response = api(acme_key).post("/api/follow-me/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["entries"] == [
        {"number": "+393331234567", "extension": None, "delay": 0, "ring_time": 20}
    ]


def test_a_follow_me_is_found_by_its_extension(api, acme_key, acme):
    follow_me = FollowMeFactory(tenant=acme)
    FollowMeFactory(tenant=acme)
    rows = api(acme_key).get(f"/api/follow-me/?extension={follow_me.extension_id}").json()["results"]
    assert [row["id"] for row in rows] == [follow_me.pk]


def test_deleting_an_extension_answers_in_use_while_a_follow_me_rings_it(api, acme_key, reception, sales):
    api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": [{"extension": sales.pk}]})
    response = api(acme_key).delete(f"/api/extensions/{sales.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["referrers"][0]["type"] == "followme"


def test_a_forced_delete_removes_the_follow_me_steps_that_rang_the_extension(api, acme_key, reception, sales):
    api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": [{"extension": sales.pk}]})
    assert api(acme_key).delete(f"/api/extensions/{sales.pk}/?force=true").status_code == 204
    assert not FollowMeEntry.objects.exists()


def test_deleting_an_extension_deletes_its_own_follow_me(api, acme_key, reception):
    api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": [{"number": "300"}]})
    assert api(acme_key).delete(f"/api/extensions/{reception.pk}/").status_code == 204
    assert not FollowMeEntry.objects.exists()


# --- contacts -----------------------------------------------------------------------------------


def test_a_contact_may_have_only_a_display_name(api, acme_key):
    response = api(acme_key).post("/api/contacts/", {"display_name": "Front desk"})
    assert response.status_code == 201, response.json()


def test_a_contact_number_has_a_known_type(api, acme_key):
    body = {"first_name": "Ada", "numbers": [{"type": "pager", "number": "123"}]}
    assert "numbers" in api(acme_key).post("/api/contacts/", body).json()["error"]["fields"]


def test_a_put_that_leaves_out_every_name_is_refused(api, acme_key):
    contact = api(acme_key).post("/api/contacts/", {"first_name": "Ada"}).json()
    response = api(acme_key).put(f"/api/contacts/{contact['id']}/", {"email": "ada@example.com"})
    assert response.status_code == 400


# --- web call widgets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://www.example.com", "https://www.example.com/page", "https://x.com:99999", "https://bad host.com"],
)
def test_a_web_call_widget_refuses_what_is_not_an_https_origin(api, acme_key, origin):
    response = api(acme_key).post("/api/web-call-widgets/", {"name": "Site", "allowed_origins": [origin]})
    assert "allowed_origins" in response.json()["error"]["fields"]


def test_web_origins_are_written_the_way_browsers_send_them(api, acme_key):
    origins = ["https://WWW.Example.com/", "https://shop.example.com:8443", "https://www.example.com:443"]
    response = api(acme_key).post("/api/web-call-widgets/", {"name": "Site", "allowed_origins": origins})
    assert response.json()["allowed_origins"] == ["https://www.example.com", "https://shop.example.com:8443"]


def test_a_web_call_widget_may_be_tried_from_localhost(api, acme_key):
    body = {"name": "Dev", "allowed_origins": ["http://localhost:8000"]}
    assert api(acme_key).post("/api/web-call-widgets/", body).status_code == 201


def test_a_web_call_widget_destination_is_in_the_tenant(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex)
    body = {"name": "Site", "destinations": {"WEBCALL": [f"EXT-{theirs.pk}"]}}
    response = api(acme_key).post("/api/web-call-widgets/", body)
    assert response.json()["error"]["code"] == "invalid_destination"


# --- the tenant's end ---------------------------------------------------------------------------


def test_a_tenant_deleted_with_cascade_takes_its_boxes_devices_and_follow_me(api, admin_key, acme, acme_user):
    extension = ExtensionFactory(tenant=acme, user=acme_user)
    VoicemailFactory(tenant=acme, extension=extension)
    follow_me = FollowMeFactory(tenant=acme)
    FollowMeEntry.objects.create(follow_me=follow_me, position=0, extension=extension)
    Device.objects.create(tenant=acme, name="Desk", mac_address="001122aabbcc")
    assert api(admin_key).delete(f"/api/tenants/{acme.pk}/?cascade=true").status_code == 204
    assert not (Voicemail.objects.exists() or FollowMeEntry.objects.exists() or Device.objects.exists())
