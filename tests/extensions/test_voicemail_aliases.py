"""Voicemail boxes written in the names of MiRTA PBX and DjangoPBX: every
documented alias lands on its field, and a box given only its extension takes the
extension's number as its mailbox."""

import pytest

from extensions.models import Voicemail
from tests.api.support import assert_error
from tests.factories import ExtensionFactory, VoicemailFactory


@pytest.fixture
def reception(acme):
    return ExtensionFactory(tenant=acme, number="100", name="Reception")


def test_a_djangopbx_body_without_mailbox_takes_the_extensions_number(api, acme_key, reception):
    body = {
        "extension_id": reception.pk,
        "password": "4821",
        "mail_to": "reception@example.com",
        "attach_file": False,
        "enabled": True,
    }
    response = api(acme_key).post("/api/voicemails/", body, format="json")
    assert response.status_code == 201, response.json()
    box = Voicemail.objects.get()
    assert (box.mailbox, box.extension_id, box.pin, box.email, box.attach_audio) == (
        "100",
        reception.pk,
        "4821",
        "reception@example.com",
        False,
    )


def test_the_extension_field_also_gives_the_mailbox(api, acme_key, reception):
    response = api(acme_key).post("/api/voicemails/", {"extension": reception.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["mailbox"] == "100"


def test_a_mailbox_sent_wins_over_the_extensions_number(api, acme_key, reception):
    body = {"extension_id": reception.pk, "mailbox": "555"}
    assert api(acme_key).post("/api/voicemails/", body, format="json").json()["mailbox"] == "555"


def test_the_extensions_number_already_a_mailbox_is_a_clear_400(api, acme_key, acme, reception):
    VoicemailFactory(tenant=acme, mailbox="100")
    response = api(acme_key).post("/api/voicemails/", {"extension_id": reception.pk}, format="json")
    assert_error(response, 400, "validation_error")
    assert "mailbox" in response.json()["error"]["fields"]


def test_without_mailbox_or_extension_the_mailbox_is_required(api, acme_key):
    response = api(acme_key).post("/api/voicemails/", {"mail_to": "a@example.com"}, format="json")
    assert_error(response, 400, "validation_error")
    assert "mailbox" in response.json()["error"]["fields"]


def test_another_tenants_extension_gives_no_mailbox_and_is_not_named(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex, number="777")
    response = api(acme_key).post("/api/voicemails/", {"extension_id": theirs.pk}, format="json")
    assert response.status_code == 400
    assert "777" not in response.content.decode()
    assert not Voicemail.objects.exists()


@pytest.mark.parametrize(
    ("alias", "value", "field", "stored"),
    [
        ("number", "201", "mailbox", "201"),
        ("vm_mailbox", "202", "mailbox", "202"),
        ("fullname", "Sales", "name", "Sales"),
        ("password", "9876", "pin", "9876"),
        ("mail_to", "s@example.com", "email", "s@example.com"),
        ("attach_file", False, "attach_audio", False),
    ],
)
def test_each_documented_voicemail_alias_lands_on_its_field(api, acme_key, alias, value, field, stored):
    body = {"mailbox": "300", alias: value} if field != "mailbox" else {alias: value}
    response = api(acme_key).post("/api/voicemails/", body, format="json")
    assert response.status_code == 201, response.json()
    assert getattr(Voicemail.objects.get(), field) == stored


def test_a_put_without_mailbox_takes_the_extensions_number(api, acme_key, acme, reception):
    box = VoicemailFactory(tenant=acme, mailbox="900")
    response = api(acme_key).put(f"/api/voicemails/{box.pk}/", {"extension_id": reception.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["mailbox"] == "100"
