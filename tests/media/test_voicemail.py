"""Voicemail greetings and messages, in the boxes of the extensions app: the box's owner
lists its messages, hears them, files them and deletes them; nobody else's."""

import pytest

from media.models import VoicemailGreeting, VoicemailMessage
from tests.factories import (
    ExtensionFactory,
    VoicemailFactory,
    VoicemailGreetingFactory,
    VoicemailMessageFactory,
)
from tests.media import samples
from tests.media.support import b64, content_of


@pytest.fixture
def my_box(acme, acme_user):
    return VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))


@pytest.fixture
def other_box(acme):
    return VoicemailFactory(tenant=acme, extension=ExtensionFactory(tenant=acme))


def test_a_greeting_of_each_kind_is_uploaded_to_a_box(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    for kind in ("unavailable", "busy", "name", "temporary"):
        response = api(acme_key).post(
            "/api/voicemail-greetings/",
            {"voicemail": box.pk, "kind": kind, "data_base64": b64(samples.wav_pcm())},
            format="json",
        )
        assert response.status_code == 201, response.json()
    assert VoicemailGreeting.objects.filter(voicemail=box).count() == 4


def test_a_box_has_one_greeting_per_kind(api, acme_key, acme):
    greeting = VoicemailGreetingFactory(tenant=acme, kind="busy")
    response = api(acme_key).post(
        "/api/voicemail-greetings/",
        {"voicemail": greeting.voicemail_id, "kind": "busy", "data_base64": b64(samples.wav_pcm())},
        format="json",
    )
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_a_greeting_goes_only_to_a_box_of_the_tenant(api, acme_key, globex):
    theirs = VoicemailFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/voicemail-greetings/",
        {"voicemail": theirs.pk, "data_base64": b64(samples.wav_pcm())},
        format="json",
    )
    assert response.status_code == 400
    assert "voicemail" in response.json()["error"]["fields"]


def test_a_message_is_stored_with_caller_and_folder_and_downloaded(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    data = samples.wav_alaw(4.0)
    response = api(acme_key).post(
        "/api/voicemail-messages/",
        {
            "voicemail": box.pk,
            "caller_id_number": "+390212345678",
            "caller_id_name": "Rossi",
            "data_base64": b64(data),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["folder"], body["read"], body["duration"]) == ("INBOX", False, 4.0)
    assert content_of(api(acme_key).get(body["download_url"])) == data


def test_a_user_lists_only_the_messages_of_its_boxes(api, acme_user_key, my_box, other_box):
    mine = VoicemailMessageFactory(tenant=my_box.tenant, voicemail=my_box)
    VoicemailMessageFactory(tenant=other_box.tenant, voicemail=other_box)
    results = api(acme_user_key).get("/api/voicemail-messages/").json()["results"]
    assert [row["id"] for row in results] == [mine.pk]


def test_a_user_downloads_its_messages_and_not_others(api, acme_user_key, my_box, other_box):
    mine = VoicemailMessageFactory(tenant=my_box.tenant, voicemail=my_box)
    theirs = VoicemailMessageFactory(tenant=other_box.tenant, voicemail=other_box)
    assert api(acme_user_key).get(f"/api/voicemail-messages/{mine.pk}/download/").status_code == 200
    assert api(acme_user_key).get(f"/api/voicemail-messages/{theirs.pk}/download/").status_code == 404


def test_a_user_marks_its_message_read_and_files_it(api, acme_user_key, my_box):
    message = VoicemailMessageFactory(tenant=my_box.tenant, voicemail=my_box)
    response = api(acme_user_key).patch(
        f"/api/voicemail-messages/{message.pk}/", {"read": True, "folder": "Work"}, format="json"
    )
    assert response.status_code == 200, response.json()
    message.refresh_from_db()
    assert (message.read, message.folder) == (True, "Work")


def test_a_user_may_not_change_anything_else_of_a_message(api, acme_user_key, my_box):
    message = VoicemailMessageFactory(tenant=my_box.tenant, voicemail=my_box)
    response = api(acme_user_key).patch(
        f"/api/voicemail-messages/{message.pk}/", {"caller_id_number": "999"}, format="json"
    )
    assert response.status_code == 403


def test_a_user_deletes_its_message_and_its_file_goes(
    api, acme_user_key, my_box, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    message = VoicemailMessageFactory(tenant=my_box.tenant, voicemail=my_box)
    with django_capture_on_commit_callbacks(execute=True):
        assert api(acme_user_key).delete(f"/api/voicemail-messages/{message.pk}/").status_code == 204
    assert not VoicemailMessage.objects.exists()
    assert not default_storage.exists(message.file.name)


def test_a_user_cannot_delete_or_change_anothers_message(api, acme_user_key, other_box):
    theirs = VoicemailMessageFactory(tenant=other_box.tenant, voicemail=other_box)
    assert api(acme_user_key).delete(f"/api/voicemail-messages/{theirs.pk}/").status_code == 404
    assert (
        api(acme_user_key)
        .patch(f"/api/voicemail-messages/{theirs.pk}/", {"read": True}, format="json")
        .status_code
        == 404
    )
    assert VoicemailMessage.objects.filter(pk=theirs.pk, read=False).exists()


def test_a_user_may_not_leave_messages_through_the_api(api, acme_user_key, my_box):
    response = api(acme_user_key).post(
        "/api/voicemail-messages/",
        {"voicemail": my_box.pk, "data_base64": b64(samples.wav_pcm())},
        format="json",
    )
    assert response.status_code == 403


def test_deleting_a_box_takes_its_messages_and_files(acme, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    message = VoicemailMessageFactory(tenant=acme)
    with django_capture_on_commit_callbacks(execute=True):
        message.voicemail.delete()
    assert not VoicemailMessage.objects.exists()
    assert not default_storage.exists(message.file.name)


def test_messages_filter_by_folder_and_read(api, acme_key, acme):
    box = VoicemailFactory(tenant=acme)
    VoicemailMessageFactory(tenant=acme, voicemail=box, folder="Old", read=True)
    unread = VoicemailMessageFactory(tenant=acme, voicemail=box)
    results = api(acme_key).get("/api/voicemail-messages/?folder=INBOX&read=false").json()["results"]
    assert [row["id"] for row in results] == [unread.pk]
