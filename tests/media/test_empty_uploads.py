"""An empty upload, on every audio route, is refused as unsupported_media naming the
accepted formats, as any other file the switch cannot play."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import VoicemailFactory

ACCEPTED = ["wav-pcm", "wav-alaw", "wav-ulaw", "mp3"]


def bodies(tenant):
    box = VoicemailFactory(tenant=tenant)
    return {
        "/api/media-files/": {"name": "Empty"},
        "/api/voicemail-greetings/": {"voicemail": box.pk, "kind": "busy"},
        "/api/voicemail-messages/": {"voicemail": box.pk, "caller_id_number": "+390212345678"},
        "/api/recordings/": {"call_id": "empty-call"},
    }


ROUTES = ["/api/media-files/", "/api/voicemail-greetings/", "/api/voicemail-messages/", "/api/recordings/"]


def assert_unsupported(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_media"
    assert error["accepted"] == ACCEPTED
    assert "empty" in error["message"]


@pytest.mark.parametrize("url", ROUTES)
def test_an_empty_base64_upload_is_unsupported_media(api, acme_key, acme, url):
    body = {**bodies(acme)[url], "data_base64": ""}
    assert_unsupported(api(acme_key).post(url, body, format="json"))


@pytest.mark.parametrize("url", ROUTES)
def test_an_empty_multipart_file_is_unsupported_media(api, acme_key, acme, url):
    body = {**bodies(acme)[url], "file": SimpleUploadedFile("greeting.wav", b"", content_type="audio/wav")}
    assert_unsupported(api(acme_key).post(url, body, format="multipart"))


def test_an_empty_file_replacing_the_audio_is_unsupported_media(api, acme_key, upload):
    from tests.media import samples

    created = upload(acme_key, samples.wav_pcm()).json()
    assert_unsupported(api(acme_key).patch(created["url"], {"data_base64": ""}, format="json"))
