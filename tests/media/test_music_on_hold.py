"""Music on hold: ordered playlists of the tenant's (or global) media files, one default
per tenant, a destination target; media files in a playlist are not deleted from under it."""

import pytest
from django.db import IntegrityError, transaction

from media.models import MediaFile, MusicOnHold
from pbx.models import ChangeLog
from tests.factories import MediaFileFactory, MusicOnHoldFactory
from tests.media import samples


@pytest.fixture
def files(acme):
    return [MediaFileFactory(tenant=acme, name=f"Track {n}") for n in range(3)]


def test_the_seed_001_playlist_example_works_as_written(api, acme_key, acme):
    twelve, fifteen = MediaFileFactory(tenant=acme), MediaFileFactory(tenant=acme)
    response = api(acme_key).post(
        "/api/music-on-hold/?tenant=ACME",
        {"name": "Support Hold", "mediafiles": [twelve.pk, fifteen.pk], "default": "on"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["mediafiles"], body["is_default"]) == (
        "Support Hold",
        [twelve.pk, fifteen.pk],
        True,
    )


def test_uploaded_files_play_in_the_order_given(api, acme_key, upload):
    ids = [
        upload(acme_key, make(), name=name).json()["id"]
        for name, make in [
            ("pcm", samples.wav_pcm),
            ("alaw", samples.wav_alaw),
            ("ulaw", samples.wav_ulaw),
            ("mp3", samples.mp3),
        ]
    ]
    order = [ids[3], ids[0], ids[2], ids[1]]
    created = api(acme_key).post("/api/music-on-hold/", {"name": "Lobby", "mediafiles": order}, format="json")
    assert created.json()["mediafiles"] == order
    assert api(acme_key).get(created.json()["url"]).json()["mediafiles"] == order
    listed = api(acme_key).get("/api/music-on-hold/").json()["results"][0]
    assert listed["mediafiles"] == order


def test_mediafile_strings_and_the_musiconhold_slot_are_read_as_ids(api, acme_key, files):
    response = api(acme_key).post(
        "/api/music-on-hold/",
        {"name": "Slots", "destinations": {"MUSICONHOLD": [f"MEDIAFILE-{files[2].pk}", files[0].pk]}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["mediafiles"] == [files[2].pk, files[0].pk]


def test_patching_the_playlist_replaces_it(api, acme_key, files):
    created = (
        api(acme_key)
        .post("/api/music-on-hold/", {"name": "Loop", "mediafiles": [f.pk for f in files]}, format="json")
        .json()
    )
    response = api(acme_key).patch(created["url"], {"mediafiles": [files[1].pk]}, format="json")
    assert response.json()["mediafiles"] == [files[1].pk]


def test_a_tenant_cannot_put_another_tenants_file_in_its_playlist(api, acme_key, globex):
    theirs = MediaFileFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/music-on-hold/", {"name": "Theft", "mediafiles": [theirs.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "mediafiles" in response.json()["error"]["fields"]
    assert "GLOBEX" not in str(response.json()) and theirs.name not in str(response.json())
    assert not MusicOnHold.objects.exists()


def test_a_tenant_playlist_may_use_global_files(api, acme_key):
    platform_file = MediaFileFactory(tenant=None)
    response = api(acme_key).post(
        "/api/music-on-hold/", {"name": "Mixed", "mediafiles": [platform_file.pk]}, format="json"
    )
    assert response.status_code == 201


def test_a_global_playlist_takes_global_files_only(api, admin_key, acme):
    tenant_file = MediaFileFactory(tenant=acme)
    response = api(admin_key).post(
        "/api/music-on-hold/?global=yes", {"name": "Platform", "mediafiles": [tenant_file.pk]}, format="json"
    )
    assert response.status_code == 400


def test_a_new_default_unsets_the_previous_one(api, acme_key, acme):
    old = MusicOnHoldFactory(tenant=acme, is_default=True)
    response = api(acme_key).post("/api/music-on-hold/", {"name": "New", "is_default": True}, format="json")
    assert response.status_code == 201
    old.refresh_from_db()
    assert old.is_default is False
    assert MusicOnHold.objects.filter(tenant=acme, is_default=True).get().name == "New"
    assert ChangeLog.objects.filter(object_type="musiconhold", object_id=old.pk, action="update").exists()


def test_defaults_are_per_tenant(api, acme_key, globex):
    theirs = MusicOnHoldFactory(tenant=globex, is_default=True)
    api(acme_key).post("/api/music-on-hold/", {"name": "Ours", "is_default": True}, format="json")
    theirs.refresh_from_db()
    assert theirs.is_default is True


def test_the_database_holds_at_most_one_default_per_tenant(acme):
    MusicOnHoldFactory(tenant=acme, is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        MusicOnHoldFactory(tenant=acme, is_default=True)


def test_the_database_holds_at_most_one_global_default(db):
    MusicOnHoldFactory(tenant=None, is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        MusicOnHoldFactory(tenant=None, is_default=True)


def test_music_on_hold_is_a_destination_target(api, acme_key, acme):
    from routing.models import Queue

    hold = MusicOnHoldFactory(tenant=acme)
    queue = Queue.objects.create(tenant=acme, number="700", name="Support")
    response = api(acme_key).patch(
        f"/api/queues/{queue.pk}/",
        {"destinations": {"QUEUE-TIMEOUT": [f"MUSICONHOLD-{hold.pk}"]}},
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_deleting_a_file_in_a_playlist_answers_in_use_naming_it(api, acme_key, files):
    hold = (
        api(acme_key)
        .post("/api/music-on-hold/", {"name": "Busy", "mediafiles": [files[0].pk]}, format="json")
        .json()
    )
    response = api(acme_key).delete(f"/api/media-files/{files[0].pk}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "in_use"
    assert error["referrers"][0]["id"] == hold["id"] and "Busy" in error["message"]
    assert MediaFile.objects.filter(pk=files[0].pk).exists()


def test_a_forced_delete_drops_the_file_from_the_playlists(api, acme_key, files):
    hold = (
        api(acme_key)
        .post(
            "/api/music-on-hold/", {"name": "Busy", "mediafiles": [files[0].pk, files[1].pk]}, format="json"
        )
        .json()
    )
    assert api(acme_key).delete(f"/api/media-files/{files[0].pk}/?force=true").status_code == 204
    assert api(acme_key).get(hold["url"]).json()["mediafiles"] == [files[1].pk]


def test_a_global_files_referrers_in_other_tenants_stay_hidden(api, acme_key, globex_key, acme, globex):
    platform_file = MediaFileFactory(tenant=None)
    for key, name in ((acme_key, "Ours"), (globex_key, "Theirs")):
        api(key).post("/api/music-on-hold/", {"name": name, "mediafiles": [platform_file.pk]}, format="json")
    referrers = api(acme_key).get(f"/api/media-files/{platform_file.pk}/").json()["referenced_by"]
    assert [r["label"] for r in referrers] == ["music on hold Ours"]
