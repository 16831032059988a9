"""Voicemail, devices, groups, conference rooms, contacts, follow-me and web call widgets."""

import pytest

from extensions.models import Device, DeviceLine, PagingGroupMember, PickupGroupMember, Voicemail
from tests.factories import (
    ConferenceRoomFactory,
    DepartmentFactory,
    DeviceFactory,
    ExtensionFactory,
    VoicemailFactory,
)


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception")


@pytest.fixture
def sales(acme):
    return ExtensionFactory(tenant=acme, number="200", name="Sales")


# --- voicemail ----------------------------------------------------------------------------


def test_the_seed_001_voicemail_example_creates_a_box(api, acme_key):
    body = {"mailbox": "200", "fullname": "Sales", "password": "1234", "email": "sales@example.com"}
    response = api(acme_key).post("/api/voicemails/?tenant=ACME", body)
    assert response.status_code == 201, response.json()
    box = Voicemail.objects.get(mailbox="200")
    assert (box.name, box.pin, box.email) == ("Sales", "1234", "sales@example.com")


def test_the_voicemail_pin_is_shown_to_platform_admins_only(api, acme_key, admin_key, acme):
    box = VoicemailFactory(tenant=acme, pin="4821")
    assert "pin" not in api(acme_key).get(f"/api/voicemails/{box.pk}/").json()
    assert api(admin_key).get(f"/api/voicemails/{box.pk}/").json()["pin"] == "4821"


def test_a_pin_must_be_digits(api, acme_key):
    response = api(acme_key).post("/api/voicemails/", {"mailbox": "200", "pin": "12ab"})
    assert "pin" in response.json()["error"]["fields"]


def test_a_user_reads_only_its_own_voicemail(api, acme_user_key, acme_user, acme):
    mine = VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    VoicemailFactory(tenant=acme)
    rows = api(acme_user_key).get("/api/voicemails/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_a_user_changes_its_own_voicemail_pin_and_email(api, acme_user_key, acme_user, acme):
    box = VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    response = api(acme_user_key).patch(
        f"/api/voicemails/{box.pk}/", {"pin": "7788", "email": "me@example.com"}
    )
    assert response.status_code == 200, response.json()
    assert Voicemail.objects.get(pk=box.pk).pin == "7788"


def test_a_user_may_not_rename_its_voicemail(api, acme_user_key, acme_user, acme):
    box = VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    response = api(acme_user_key).patch(f"/api/voicemails/{box.pk}/", {"name": "Boss"})
    assert response.status_code == 403


def test_samenumbervm_creates_the_extensions_voicemail_and_sends_busy_calls_there(api, acme_key, reception):
    response = api(acme_key).patch(f"/api/extensions/{reception.pk}/", {"onbusy": ["SAMENUMBERVM"]})
    assert response.status_code == 200, response.json()
    box = Voicemail.objects.get(mailbox="100")
    assert box.extension == reception
    assert response.json()["destinations"]["EXT-BUSY"][0]["destination"] == f"VOICEMAIL-{box.pk}"


def test_samenumbervm_reuses_an_existing_box(api, acme_key, acme, reception):
    box = VoicemailFactory(tenant=acme, mailbox="100")
    api(acme_key).patch(f"/api/extensions/{reception.pk}/", {"onbusy": ["SAMENUMBERVM"]})
    assert Voicemail.objects.filter(mailbox="100").count() == 1
    assert api(acme_key).get(f"/api/voicemails/{box.pk}/").json()["referenced_by"][0]["id"] == reception.pk


def test_a_voicemail_box_has_the_seed_001_slots(api, acme_key, acme, reception):
    box = VoicemailFactory(tenant=acme)
    body = {"destinations": {"VOICEMAIL-OPERATOR": [f"EXT-{reception.pk}"]}}
    response = api(acme_key).patch(f"/api/voicemails/{box.pk}/", body)
    assert set(response.json()["destinations"]) == {
        "VOICEMAIL-OPERATOR",
        "VOICEMAIL-FOLLOW",
        "VOICEMAIL-BROADCAST",
    }


# --- devices --------------------------------------------------------------------------------


def test_a_mac_address_is_normalized(api, acme_key):
    response = api(acme_key).post("/api/devices/", {"name": "Desk", "mac_address": "00-15-65-AA-bb-CC"})
    assert response.status_code == 201, response.json()
    assert response.json()["mac_address"] == "001565aabbcc"


def test_a_mac_address_is_unique_across_tenants_without_naming_the_other(api, acme_key, globex):
    DeviceFactory(tenant=globex, mac_address="001565aabbcc")
    response = api(acme_key).post("/api/devices/", {"name": "Desk", "mac_address": "00:15:65:AA:BB:CC"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "GLOBEX" not in response.content.decode()


def test_a_bad_mac_address_is_refused(api, acme_key):
    response = api(acme_key).post("/api/devices/", {"name": "Desk", "mac_address": "00:15:65"})
    assert "12 hex digits" in response.json()["error"]["fields"]["mac_address"][0]


def test_device_lines_point_to_the_tenants_extensions(api, acme_key, reception, globex):
    theirs = ExtensionFactory(tenant=globex)
    body = {"name": "Desk", "mac_address": "001565aabbcc", "lines": [{"line": 1, "extension": theirs.pk}]}
    assert api(acme_key).post("/api/devices/", body).status_code == 400
    body["lines"] = [{"line": 1, "extension": reception.pk, "label": "Front"}]
    response = api(acme_key).post("/api/devices/", body)
    assert response.json()["lines"] == [{"line": 1, "extension": reception.pk, "label": "Front"}]


def test_the_provisioning_password_is_a_secret(api, acme_key, acme):
    device = DeviceFactory(tenant=acme)
    assert "provisioning_password" not in api(acme_key).get(f"/api/devices/{device.pk}/").json()


def test_a_user_sees_only_its_own_devices_and_cannot_change_them(api, acme_user_key, acme_user, acme):
    mine = DeviceFactory(tenant=acme, user=acme_user)
    DeviceFactory(tenant=acme)
    assert [row["id"] for row in api(acme_user_key).get("/api/devices/").json()["results"]] == [mine.pk]
    assert api(acme_user_key).patch(f"/api/devices/{mine.pk}/", {"name": "x"}).status_code == 403


# --- groups and rooms -----------------------------------------------------------------------


def test_a_paging_group_keeps_its_members_in_order(api, acme_key, reception, sales):
    body = {"number": "700", "name": "All", "members": [sales.pk, reception.pk]}
    response = api(acme_key).post("/api/paging-groups/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["members"] == [sales.pk, reception.pk]


def test_a_paging_group_cannot_take_an_extensions_number(api, acme_key, reception):
    response = api(acme_key).post("/api/paging-groups/", {"number": "100"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"


def test_a_pickup_group_member_must_be_of_the_tenant(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex)
    response = api(acme_key).post("/api/pickup-groups/", {"name": "Floor 1", "members": [theirs.pk]})
    assert response.status_code == 400
    assert PickupGroupMember.objects.count() == 0


def test_a_conference_room_number_is_in_the_dial_plan(api, acme_key, reception):
    assert api(acme_key).post("/api/conference-rooms/", {"number": "100"}).status_code == 409
    response = api(acme_key).post(
        "/api/conference-rooms/", {"number": "800", "pin": "1234", "admin_pin": "5678"}
    )
    assert response.status_code == 201, response.json()
    assert "pin" not in response.json()


def test_the_admin_pin_must_differ_from_the_pin(api, acme_key):
    response = api(acme_key).post(
        "/api/conference-rooms/", {"number": "800", "pin": "1234", "admin_pin": "1234"}
    )
    assert "admin_pin" in response.json()["error"]["fields"]


def test_a_conference_room_is_found_by_number(api, acme_key, acme):
    room = ConferenceRoomFactory(tenant=acme, number="801")
    assert api(acme_key).get("/api/conference-rooms/number/801/").json()["id"] == room.pk


@pytest.mark.parametrize(
    ("path", "body", "rows"),
    [
        ("/api/paging-groups/", {"number": "700"}, PagingGroupMember),
        ("/api/pickup-groups/", {"name": "Floor 1"}, PickupGroupMember),
    ],
    ids=["paging group", "pickup group"],
)
def test_deleting_a_group_member_extension_answers_in_use_unless_forced(
    api, acme_key, reception, path, body, rows
):
    api(acme_key).post(path, {**body, "members": [reception.pk]})
    response = api(acme_key).delete(f"/api/extensions/{reception.pk}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"
    assert api(acme_key).delete(f"/api/extensions/{reception.pk}/?force=true").status_code == 204
    assert not rows.objects.exists()


def test_deleting_an_extension_on_a_device_line_answers_in_use_unless_forced(api, acme_key, reception):
    body = {"name": "Desk", "mac_address": "001565aabbcc", "lines": [{"line": 1, "extension": reception.pk}]}
    api(acme_key).post("/api/devices/", body)
    referrers = api(acme_key).delete(f"/api/extensions/{reception.pk}/").json()["error"]["referrers"]
    assert referrers[0]["type"] == "device"
    assert api(acme_key).delete(f"/api/extensions/{reception.pk}/?force=true").status_code == 204
    assert Device.objects.exists() and not DeviceLine.objects.exists()


# --- contacts, follow-me, widgets -------------------------------------------------------------


def test_a_contact_needs_a_name_or_a_company(api, acme_key):
    response = api(acme_key).post("/api/contacts/", {"email": "x@example.com"})
    assert response.status_code == 400


def test_a_contact_has_typed_numbers_and_a_department_of_the_tenant(api, acme_key, acme, globex):
    theirs = DepartmentFactory(tenant=globex)
    ours = DepartmentFactory(tenant=acme)
    body = {"first_name": "Ada", "numbers": [{"type": "mobile", "number": "+393331234567"}]}
    assert api(acme_key).post("/api/contacts/", {**body, "department": theirs.pk}).status_code == 400
    response = api(acme_key).post("/api/contacts/", {**body, "department": ours.pk})
    assert response.status_code == 201, response.json()
    assert response.json()["numbers"] == [{"type": "mobile", "number": "+393331234567"}]


def test_a_follow_me_rings_its_entries_in_order(api, acme_key, reception):
    entries = [{"number": "+393331234567", "delay": 10}, {"number": "200", "delay": 20, "ring_time": 15}]
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk, "entries": entries})
    assert response.status_code == 201, response.json()
    assert response.json()["entries"] == [
        {"number": "+393331234567", "extension": None, "delay": 10, "ring_time": 30},
        {"number": "200", "extension": None, "delay": 20, "ring_time": 15},
    ]


def test_an_extension_has_one_follow_me(api, acme_key, reception):
    api(acme_key).post("/api/follow-me/", {"extension": reception.pk})
    response = api(acme_key).post("/api/follow-me/", {"extension": reception.pk})
    assert response.json()["error"]["fields"]["extension"] == ["This extension already has a follow-me."]


def test_a_web_call_widget_takes_only_web_origins(api, acme_key):
    response = api(acme_key).post(
        "/api/web-call-widgets/", {"name": "Site", "allowed_origins": ["ftp://x.com"]}
    )
    assert "allowed_origins" in response.json()["error"]["fields"]


def test_a_web_call_widget_sends_calls_to_its_destination(api, acme_key, reception):
    body = {
        "name": "Site",
        "allowed_origins": ["https://www.example.com"],
        "destinations": {"WEBCALL": [f"EXT-{reception.pk}"]},
    }
    response = api(acme_key).post("/api/web-call-widgets/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["destinations"]["WEBCALL"][0]["id"] == reception.pk
    assert len(response.json()["token"]) >= 30


def test_the_seed_001_conference_room_names_work(api, acme_key):
    response = api(acme_key).post(
        "/api/conference-rooms/?tenant=ACME", {"cr_number": "800", "cr_name": "Board"}
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["number"], response.json()["name"]) == ("800", "Board")


def test_a_bulk_creation_of_voicemail_boxes_is_all_or_nothing(api, acme_key):
    boxes = [{"mailbox": "201"}, {"mailbox": "202", "pin": "12"}]
    response = api(acme_key).post("/api/voicemails/", boxes)
    assert response.status_code == 400
    assert response.json()["error"]["items"][0]["index"] == 1
    assert not Voicemail.objects.exists()
    assert api(acme_key).post("/api/voicemails/", [{"mailbox": "201"}, {"mailbox": "202"}]).status_code == 201
