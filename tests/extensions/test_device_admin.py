"""The admin's device form takes a MAC address in any usual notation and stores the one
form the API stores: 12 lower-case hex digits."""

import pytest

from extensions.models import Device


def add_device(client, tenant, mac):
    return client.post(
        "/admin/extensions/device/add/",
        {
            "tenant": tenant.pk,
            "name": "Reception phone",
            "mac_address": mac,
            "button_layout": "[]",
            "phonebooks": "[]",
            "enabled": "on",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
        },
    )


@pytest.mark.parametrize(
    "mac", ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF", " aa:bb:cc:dd:ee:ff "]
)
def test_a_mac_address_in_any_notation_is_stored_as_12_hex_digits(client, acme_admin, acme, mac):
    client.force_login(acme_admin)
    response = add_device(client, acme, mac)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Device.objects.get().mac_address == "aabbccddeeff"


@pytest.mark.parametrize(
    "mac", ["aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "zz:bb:cc:dd:ee:ff", "aa:bb:cc:dd:"]
)
def test_a_mac_address_that_is_not_one_is_a_form_error(client, acme_admin, acme, mac):
    client.force_login(acme_admin)
    response = add_device(client, acme, mac)
    assert response.status_code == 200
    assert "is not a MAC address" in response.content.decode()
    assert not Device.objects.exists()


def test_the_mac_address_input_does_not_cut_a_typed_address(client, acme_admin):
    client.force_login(acme_admin)
    page = client.get("/admin/extensions/device/add/").content.decode()
    field = page[page.index('name="mac_address"') - 200 : page.index('name="mac_address"') + 200]
    assert 'maxlength="12"' not in field
