"""Call recordings: audio with the call's id, heard by the tenant's admins and by the
user of the extension on the call."""

from media.models import Recording
from tests.factories import CallRecordFactory, ExtensionFactory, RecordingFactory
from tests.media import samples
from tests.media.support import b64, content_of


def test_a_recording_is_uploaded_with_its_call_id_and_downloaded(api, acme_key):
    data = samples.wav_ulaw(3.0)
    response = api(acme_key).post(
        "/api/recordings/", {"call_id": "a2f1-77c0", "data_base64": b64(data)}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["call_id"], response.json()["duration"]) == ("a2f1-77c0", 3.0)
    assert content_of(api(acme_key).get(response.json()["download_url"])) == data


def test_recordings_are_found_by_call_id(api, acme_key, acme):
    RecordingFactory(tenant=acme, call_id="wanted-call")
    RecordingFactory(tenant=acme)
    results = api(acme_key).get("/api/recordings/?call_id=wanted-call").json()["results"]
    assert [row["call_id"] for row in results] == ["wanted-call"]


def test_the_extension_must_be_the_tenants(api, acme_key, globex):
    theirs = ExtensionFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/recordings/", {"extension": theirs.pk, "data_base64": b64(samples.wav_pcm())}, format="json"
    )
    assert response.status_code == 400
    assert not Recording.objects.exists()


def test_a_user_hears_only_the_recordings_of_its_extensions(api, acme_user_key, acme, acme_user):
    mine = RecordingFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    other = RecordingFactory(tenant=acme, extension=ExtensionFactory(tenant=acme))
    client = api(acme_user_key)
    assert [row["id"] for row in client.get("/api/recordings/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/recordings/{mine.pk}/download/").status_code == 200
    assert client.get(f"/api/recordings/{other.pk}/download/").status_code == 404


def test_a_user_may_not_delete_recordings(api, acme_user_key, acme, acme_user):
    mine = RecordingFactory(tenant=acme, extension=ExtensionFactory(tenant=acme, user=acme_user))
    assert api(acme_user_key).delete(f"/api/recordings/{mine.pk}/").status_code == 403


def test_a_recording_names_the_stored_call_record_of_its_call(api, acme_key, acme, globex):
    call = CallRecordFactory(tenant=acme, call_id="a2f1-77c0")
    CallRecordFactory(tenant=globex, call_id="lonely-call")
    RecordingFactory(tenant=acme, call_id="a2f1-77c0")
    RecordingFactory(tenant=acme, call_id="lonely-call")  # another tenant's call: not ours
    rows = api(acme_key).get("/api/recordings/?ordering=id").json()["results"]
    assert [row["call_record"] for row in rows] == [call.pk, None]


def test_a_new_recording_answers_with_its_call_record(api, acme_key, acme):
    call = CallRecordFactory(tenant=acme, call_id="a2f1-77c0")
    body = {"call_id": "a2f1-77c0", "data_base64": b64(samples.wav_ulaw(1.0))}
    assert api(acme_key).post("/api/recordings/", body, format="json").json()["call_record"] == call.pk
