"""The media admin: uploads checked like the API, and an audio player on each audio
object's page whose source serves the stored bytes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import MediaFile
from tests.factories import MediaFileFactory, RecordingFactory, UserFactory, VoicemailMessageFactory
from tests.media import samples
from tests.media.support import content_of


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    ("factory", "path"),
    [
        (MediaFileFactory, "media/mediafile"),
        (RecordingFactory, "media/recording"),
        (VoicemailMessageFactory, "media/voicemailmessage"),
    ],
    ids=["media-file", "recording", "voicemail-message"],
)
def test_the_change_page_plays_the_audio(client, superuser, acme, factory, path):
    obj = factory(tenant=acme)
    client.force_login(superuser)
    page = client.get(f"/admin/{path}/{obj.pk}/change/").content.decode()
    source = f"/admin/{path}/{obj.pk}/audio/"
    assert f'<audio controls preload="metadata" src="{source}">' in page
    audio = client.get(source)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    obj.file.open("rb")
    assert content_of(audio) == obj.file.read()


def test_the_admin_player_can_seek(client, superuser, acme):
    media_file = MediaFileFactory(tenant=acme)
    client.force_login(superuser)
    response = client.get(f"/admin/media/mediafile/{media_file.pk}/audio/", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206 and len(response.content) == 10


def test_a_tenant_admin_cannot_hear_another_tenants_audio(client, acme_admin, globex):
    theirs = MediaFileFactory(tenant=globex)
    client.force_login(acme_admin)
    assert client.get(f"/admin/media/mediafile/{theirs.pk}/audio/").status_code == 404


def test_an_upload_in_the_admin_is_measured(client, superuser, acme):
    client.force_login(superuser)
    response = client.post(
        "/admin/media/mediafile/add/",
        {
            "tenant": acme.pk,
            "name": "Admin prompt",
            "description": "",
            "upload": SimpleUploadedFile("a.mp3", samples.mp3()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    media_file = MediaFile.objects.get()
    assert (media_file.format, media_file.size) == ("mp3", len(samples.mp3()))


def test_the_admin_refuses_what_is_not_audio(client, superuser, acme):
    client.force_login(superuser)
    response = client.post(
        "/admin/media/mediafile/add/",
        {"tenant": acme.pk, "name": "Fake", "upload": SimpleUploadedFile("fake.wav", samples.TEXT_NAMED_WAV)},
    )
    assert response.status_code == 200
    assert "Accepted formats" in response.content.decode()
    assert not MediaFile.objects.exists()
