"""Media files: uploaded as multipart or base64, checked to be audio, stored through
Django's storage, served back byte for byte with ranges, never inside JSON."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import MediaFile
from pbx.models import ChangeLog
from tests.factories import MediaFileFactory
from tests.media import samples
from tests.media.support import b64, content_of

FORMATS = {
    "wav-pcm": samples.wav_pcm,
    "wav-alaw": samples.wav_alaw,
    "wav-ulaw": samples.wav_ulaw,
    "mp3": samples.mp3,
}
CONTENT_TYPES = {
    "wav-pcm": "audio/wav",
    "wav-alaw": "audio/wav",
    "wav-ulaw": "audio/wav",
    "mp3": "audio/mpeg",
}


@pytest.mark.parametrize("audio_format", FORMATS)
def test_base64_upload_downloads_byte_for_byte(api, acme_key, upload, audio_format):
    data = FORMATS[audio_format]()
    created = upload(acme_key, data)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["format"], body["size"]) == (audio_format, len(data))
    download = api(acme_key).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == CONTENT_TYPES[audio_format]
    assert download["Accept-Ranges"] == "bytes"
    assert content_of(download) == data


@pytest.mark.parametrize("audio_format", FORMATS)
def test_multipart_upload_downloads_byte_for_byte(api, acme_key, audio_format):
    data = FORMATS[audio_format]()
    upload = SimpleUploadedFile("anything.bin", data, content_type="application/octet-stream")
    created = api(acme_key).post("/api/media-files/", {"name": "Hold", "file": upload}, format="multipart")
    assert created.status_code == 201, created.json()
    assert created.json()["format"] == audio_format
    assert content_of(api(acme_key).get(created.json()["download_url"])) == data


def test_duration_and_format_are_measured_not_sent(acme_key, upload):
    body = upload(acme_key, samples.wav_pcm(2.5), duration=99, format="mp3").json()
    assert (body["format"], body["duration"], body["sample_rate"], body["channels"]) == (
        "wav-pcm",
        2.5,
        8000,
        1,
    )


def test_the_json_never_carries_the_audio(api, acme_key, upload):
    data = samples.wav_pcm()
    created = upload(acme_key, data).json()
    for body in (
        created,
        api(acme_key).get(created["url"]).json(),
        api(acme_key).get("/api/media-files/").json(),
    ):
        text = str(body)
        assert b64(data)[:40] not in text
        assert "data_base64" not in text and "'file'" not in text
    assert set(created) >= {"name", "format", "duration", "size", "download_url"}


def test_seed_001_me_name_and_me_data_create_a_media_file(api, acme_key):
    response = api(acme_key).post(
        "/api/media-files/?tenant=ACME",
        {"me_name": "Greeting", "me_data": b64(samples.wav_ulaw())},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["format"]) == ("Greeting", "wav-ulaw")


def test_a_data_uri_is_accepted(acme_key, upload, api):
    response = api(acme_key).post(
        "/api/media-files/",
        {"name": "Uri", "data_base64": "data:audio/wav;base64," + b64(samples.wav_pcm())},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_text_file_named_wav_is_refused_as_unsupported_media(api, acme_key):
    upload = SimpleUploadedFile("greeting.wav", samples.TEXT_NAMED_WAV, content_type="audio/wav")
    response = api(acme_key).post("/api/media-files/", {"name": "Fake", "file": upload}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsupported_media"
    assert "WAV (PCM, A-law or mu-law) and MP3" in error["message"]
    assert not MediaFile.objects.exists()


def test_base64_that_is_not_base64_is_a_validation_error(api, acme_key):
    response = api(acme_key).post(
        "/api/media-files/", {"name": "Bad", "data_base64": "!!not base64!!"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["data_base64"]


def test_creating_without_audio_says_how_to_send_it(api, acme_key):
    response = api(acme_key).post("/api/media-files/", {"name": "Nothing"}, format="json")
    assert response.status_code == 400
    assert "data_base64" in response.json()["error"]["fields"]


def test_a_file_over_the_limit_answers_413_in_the_envelope(api, acme_key, upload, settings):
    settings.PBX_MEDIA_MAX_BYTES = 10_000
    response = upload(acme_key, samples.wav_pcm(1.0))  # 16,044 bytes
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "10000" in response.json()["error"]["message"]
    multipart = SimpleUploadedFile("big.wav", samples.wav_pcm(1.0))
    response = api(acme_key).post("/api/media-files/", {"name": "Big", "file": multipart}, format="multipart")
    assert response.status_code == 413
    assert not MediaFile.objects.exists()


def test_the_file_is_stored_through_django_storage_under_the_tenant(acme, acme_key, upload):
    upload(acme_key, samples.wav_pcm())
    media_file = MediaFile.objects.get()
    assert media_file.file.name.startswith(f"tenant-{acme.pk}/mediafile/")
    assert default_storage.exists(media_file.file.name)


def test_another_storage_backend_can_be_configured(acme_key, upload, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    data = samples.mp3()
    created = upload(acme_key, data)
    assert created.status_code == 201
    assert not (tmp_path / "media").exists()
    name = MediaFile.objects.get().file.name
    from django.core.files.storage import storages

    assert storages["default"].open(name).read() == data


def test_replacing_the_audio_updates_it_and_drops_the_old_file(
    api, acme_key, upload, django_capture_on_commit_callbacks
):
    created = upload(acme_key, samples.wav_pcm()).json()
    old_name = MediaFile.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = api(acme_key).patch(created["url"], {"data_base64": b64(samples.mp3())}, format="json")
    assert response.json()["format"] == "mp3"
    assert content_of(api(acme_key).get(created["download_url"])) == samples.mp3()
    assert not default_storage.exists(old_name)


def test_changing_the_name_keeps_the_audio(api, acme_key, upload):
    data = samples.wav_alaw()
    created = upload(acme_key, data).json()
    response = api(acme_key).patch(created["url"], {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    assert content_of(api(acme_key).get(created["download_url"])) == data


def test_deleting_removes_the_file_once_the_deletion_commits(
    api, acme_key, upload, django_capture_on_commit_callbacks
):
    created = upload(acme_key, samples.wav_pcm()).json()
    name = MediaFile.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert api(acme_key).delete(created["url"]).status_code == 204
    assert default_storage.exists(name)  # not before the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(name)


def test_the_change_log_keeps_the_file_name_not_the_audio(acme_key, upload):
    upload(acme_key, samples.wav_pcm())
    row = ChangeLog.objects.get(object_type="mediafile")
    assert row.after["file"] == MediaFile.objects.get().file.name
    assert row.after["format"] == "wav-pcm"


# --- byte ranges ------------------------------------------------------------------------


@pytest.fixture
def stored(api, acme_key, upload):
    data = samples.wav_pcm(0.5)
    url = upload(acme_key, data).json()["download_url"]
    return api(acme_key), url, data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=8000-99999", 8000, None),
    ],
    ids=["first-100", "from-100", "last-50", "past-the-end"],
)
def test_a_range_request_answers_206_with_that_slice(stored, header, start, end):
    client, url, data = stored
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == 206
    expected = data[start : None if end is None else end + 1]
    assert content_of(response) == expected
    first = start if start >= 0 else len(data) + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))
    assert response["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=50-10", "bytes=-0"])
def test_an_unsatisfiable_range_answers_416(stored, header):
    client, url, data = stored
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "lines=1-2", "bytes=abc"])
def test_ranges_we_do_not_serve_get_the_whole_file(stored, header):
    client, url, data = stored
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert content_of(response) == data


def test_an_audio_player_accept_header_gets_the_audio(stored):
    client, url, data = stored
    response = client.get(url, HTTP_ACCEPT="audio/webm,audio/ogg,audio/wav,audio/*;q=0.9")
    assert response.status_code == 200
    assert content_of(response) == data


# --- tenants ------------------------------------------------------------------------------


def test_a_tenant_cannot_download_another_tenants_file(api, globex_key, acme):
    media_file = MediaFileFactory(tenant=acme)
    response = api(globex_key).get(f"/api/media-files/{media_file.pk}/download/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_global_files_are_read_and_downloaded_by_every_tenant(api, acme_key):
    media_file = MediaFileFactory(tenant=None)
    assert api(acme_key).get(f"/api/media-files/{media_file.pk}/download/").status_code == 200


def test_only_the_platform_uploads_global_files(api, acme_key, admin_key, upload):
    assert upload(acme_key, samples.wav_pcm(), url="/api/media-files/?global=yes").status_code == 403
    created = upload(admin_key, samples.wav_pcm(), url="/api/media-files/?global=yes")
    assert created.status_code == 201
    assert created.json()["tenant"] is None
    assert MediaFile.objects.get().file.name.startswith("global/")


def test_names_are_unique_per_tenant(acme_key, globex_key, upload):
    assert upload(acme_key, samples.wav_pcm(), name="Jingle").status_code == 201
    assert upload(globex_key, samples.wav_pcm(), name="Jingle").status_code == 201
    again = upload(acme_key, samples.wav_pcm(), name="Jingle")
    assert again.status_code == 400
    assert "name" in again.json()["error"]["fields"]


def test_filters_by_audio_format_and_duration(api, acme_key, upload):
    upload(acme_key, samples.wav_pcm(2.0), name="Long pcm")
    upload(acme_key, samples.mp3(), name="Short mp3")

    def names(query):
        return [row["name"] for row in api(acme_key).get(f"/api/media-files/?{query}").json()["results"]]

    assert names("audio_format=mp3") == ["Short mp3"]
    assert names("duration__gte=1.5") == ["Long pcm"]


def test_a_media_file_can_be_a_destination(api, acme_key, acme):
    from routing.models import IVR

    media_file = MediaFileFactory(tenant=acme)
    ivr = IVR.objects.create(tenant=acme, name="Main")
    response = api(acme_key).patch(
        f"/api/ivrs/{ivr.pk}/",
        {"destinations": {"IVR_MEDIAFILE": [f"MEDIAFILE-{media_file.pk}"]}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["destinations"]["IVR_MEDIAFILE"][0]["label"] == f"media file {media_file.name}"
