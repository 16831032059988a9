"""Lists of objects inside contacts, devices and follow-me: a stored item that is not what
the API writes never breaks a read, the admin cannot store one, and a follow-me entry
with only a number is an ordinary step on every write method."""

import pytest
from django.core.exceptions import ValidationError

from extensions.models import Contact, Device, FollowMeEntry
from tests.factories import ContactFactory, DeviceFactory, ExtensionFactory, FollowMeFactory, UserFactory


@pytest.mark.parametrize("stored", [[{}], [{"unknown": 1}], [1], [{"number": 5, "type": []}]])
def test_a_contact_with_a_bad_stored_number_still_reads(api, admin_key, acme, client, stored):
    contact = ContactFactory(tenant=acme)
    Contact.objects.filter(pk=contact.pk).update(numbers=stored)  # as an old row or the database could hold
    caller = api(admin_key)
    assert caller.get(f"/api/contacts/{contact.pk}/").status_code == 200
    assert caller.get("/api/contacts/?tenant=ACME").status_code == 200
    assert caller.get("/api/contacts/?tenant=ACME&format=csv").status_code == 200
    assert caller.get("/api/contacts/export/?tenant=ACME").status_code in (200, 404)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get("/admin/extensions/contact/").status_code == 200


def test_a_device_with_bad_stored_keys_still_reads(api, admin_key, acme):
    device = DeviceFactory(tenant=acme)
    Device.objects.filter(pk=device.pk).update(button_layout=[{}], phonebooks=[{"x": 1}])
    assert api(admin_key).get(f"/api/devices/{device.pk}/").status_code == 200
    assert api(admin_key).get("/api/devices/?tenant=ACME").status_code == 200


@pytest.mark.parametrize("numbers", [[{}], [{"unknown": 1}], "text", [{"number": "not digits"}]])
def test_the_model_refuses_bad_contact_numbers(acme, numbers):
    contact = ContactFactory.build(tenant=acme, numbers=numbers)
    with pytest.raises(ValidationError) as refused:
        contact.full_clean()
    assert "numbers" in refused.value.message_dict


def test_the_model_fills_in_a_contact_numbers_default_type(acme):
    contact = ContactFactory.build(tenant=acme, numbers=[{"number": "+390212345678"}])
    contact.full_clean()
    assert contact.numbers == [{"type": "work", "number": "+390212345678"}]


@pytest.mark.parametrize(("field", "value"), [("button_layout", [{}]), ("phonebooks", [{"unknown": 1}])])
def test_the_model_refuses_bad_device_items(acme, field, value):
    device = DeviceFactory.build(tenant=acme, **{field: value})
    with pytest.raises(ValidationError) as refused:
        device.full_clean()
    assert field in refused.value.message_dict


def test_the_admin_refuses_a_contact_with_an_empty_number(client, acme):
    contact = ContactFactory(tenant=acme)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    form = {
        "tenant": acme.pk,
        "first_name": "Ada",
        "last_name": "",
        "display_name": "",
        "company": "",
        "numbers": "[{}]",
        "email": "",
        "department": "",
        "description": "",
    }
    response = client.post(f"/admin/extensions/contact/{contact.pk}/change/", form)
    assert response.status_code == 200  # the form again, with the error
    contact.refresh_from_db()
    assert contact.numbers == [{"type": "work", "number": "+390212345678"}]


# --- follow-me: a step that rings a mobile number ---------------------------------------


MOBILE = {"number": "+393331234567", "delay": 0, "ring_time": 20}


def test_a_follow_me_patch_with_a_number_only_entry_is_stored(api, acme_key, acme):
    follow_me = FollowMeFactory(tenant=acme)
    response = api(acme_key).patch(f"/api/follow-me/{follow_me.pk}/", {"entries": [MOBILE]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["entries"] == [{**MOBILE, "extension": None}]
    entry = FollowMeEntry.objects.get(follow_me=follow_me)
    assert (entry.number, entry.extension_id, entry.ring_time) == ("+393331234567", None, 20)


def test_a_follow_me_bulk_patch_with_a_number_only_entry_is_stored(api, acme_key, acme):
    follow_me = FollowMeFactory(tenant=acme)
    response = api(acme_key).patch(
        "/api/follow-me/", [{"id": follow_me.pk, "entries": [{"number": "+393331234567"}]}], format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()[0]["entries"] == [
        {"number": "+393331234567", "extension": None, "delay": 0, "ring_time": 30}
    ]


@pytest.mark.parametrize("method", ["post", "put"])
def test_a_follow_me_with_a_number_only_entry_is_accepted_on_post_and_put(api, acme_key, acme, method):
    extension = ExtensionFactory(tenant=acme)
    body = {"extension": extension.pk, "entries": [MOBILE]}
    caller = api(acme_key)
    if method == "post":
        response = caller.post("/api/follow-me/", body, format="json")
    else:
        follow_me = FollowMeFactory(tenant=acme, extension=extension)
        response = caller.put(f"/api/follow-me/{follow_me.pk}/", body, format="json")
    assert response.status_code in (200, 201), response.content
    assert response.json()["entries"] == [{**MOBILE, "extension": None}]


def test_a_follow_me_patch_entry_with_both_a_number_and_an_extension_is_refused(api, acme_key, acme):
    follow_me = FollowMeFactory(tenant=acme)
    other = ExtensionFactory(tenant=acme)
    response = api(acme_key).patch(
        f"/api/follow-me/{follow_me.pk}/",
        {"entries": [{"number": "+393331234567", "extension": other.pk}]},
        format="json",
    )
    assert response.status_code == 400
    assert not FollowMeEntry.objects.filter(follow_me=follow_me).exists()
