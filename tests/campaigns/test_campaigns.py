"""Campaigns: legal state moves only, a trunk of their own tenant, a calling window in a
real time zone, fax files in storage, and their numbers counted by disposition."""

import base64
import datetime
import itertools
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign, CampaignFaxFile
from tests.api.support import assert_error
from tests.factories import CampaignFactory, CampaignNumberFactory, TrunkFactory

STATES = [str(s) for s in Campaign.State]
LEGAL = {(str(a), str(b)) for a, targets in Campaign.TRANSITIONS.items() for b in targets}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def acme_trunk(acme):
    trunk = TrunkFactory()
    trunk.tenants.add(acme)
    return trunk


def campaign_in(state, tenant, trunk):
    return CampaignFactory(tenant=tenant, state=state, trunk=trunk)


@pytest.mark.parametrize(("current", "wanted"), sorted(LEGAL))
def test_a_legal_move_is_taken(api, acme_key, acme, acme_trunk, current, wanted):
    campaign = campaign_in(current, acme, acme_trunk)
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"state": wanted}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == wanted
    campaign.refresh_from_db()
    assert campaign.state == wanted


ILLEGAL = sorted((a, b) for a, b in itertools.product(STATES, STATES) if a != b and (a, b) not in LEGAL)


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
def test_every_illegal_move_is_409_invalid_transition_with_the_allowed_states(
    api, acme_key, acme, acme_trunk, current, wanted
):
    campaign = campaign_in(current, acme, acme_trunk)
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"state": wanted}, format="json")
    assert_error(response, 409, "invalid_transition")
    assert response.json()["error"]["allowed"] == [str(s) for s in Campaign.TRANSITIONS[current]]
    campaign.refresh_from_db()
    assert campaign.state == current


def test_the_seed_state_alias_moves_a_campaign_too(api, acme_key, acme, acme_trunk):
    campaign = campaign_in("draft", acme, acme_trunk)
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"ca_state": "running"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "running"


@pytest.mark.parametrize("state", ["paused", "running", "finished"])
def test_a_new_campaign_starts_as_draft(api, acme_key, acme_trunk, state):
    body = {"name": "Spring", "state": state, "trunk": acme_trunk.pk}
    response = api(acme_key).post("/api/campaigns/", body, format="json")
    assert_error(response, 409, "invalid_transition")
    assert response.json()["error"]["allowed"] == ["draft"]
    assert not Campaign.objects.exists()


def test_a_new_campaign_may_say_it_is_a_draft(api, acme_key):
    response = api(acme_key).post("/api/campaigns/", {"name": "Spring", "state": "draft"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "draft"


def test_a_bulk_create_with_a_running_campaign_creates_none(api, acme_key, acme_trunk):
    body = [{"name": "A"}, {"name": "B", "state": "running", "trunk": acme_trunk.pk}]
    response = api(acme_key).post("/api/campaigns/", body, format="json")
    assert response.status_code == 409
    assert not Campaign.objects.exists()


def test_a_put_without_state_keeps_the_state(api, acme_key, acme, acme_trunk):
    campaign = campaign_in("running", acme, acme_trunk)
    response = api(acme_key).put(
        f"/api/campaigns/{campaign.pk}/", {"name": "Renamed", "trunk": acme_trunk.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "running"


def test_a_campaign_runs_only_with_a_trunk(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"state": "running"}, format="json")
    assert_error(response, 400, "validation_error")
    assert "trunk" in response.json()["error"]["fields"]


def test_a_campaign_cannot_use_a_trunk_not_assigned_to_its_tenant(api, acme_key, globex):
    theirs = TrunkFactory()
    theirs.tenants.add(globex)
    response = api(acme_key).post("/api/campaigns/", {"name": "Spring", "trunk": theirs.pk}, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["trunk"] == [f"No trunk {theirs.pk} assigned to tenant ACME."]
    assert not Campaign.objects.exists()


def test_a_campaign_uses_a_trunk_assigned_to_its_tenant(api, acme_key, acme_trunk):
    response = api(acme_key).post(
        "/api/campaigns/",
        {
            "name": "Spring",
            "trunk": acme_trunk.pk,
            "caller_id_number": "+390212345678",
            "concurrent_calls": 10,
            "window_start": "09:30",
            "window_end": "19:00",
            "time_zone": "Europe/Rome",
            "max_attempts": 4,
            "retry_minutes": 60,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["trunk"], body["window_start"], body["time_zone"]) == (
        acme_trunk.pk,
        "09:30:00",
        "Europe/Rome",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("concurrent_calls", 0),
        ("concurrent_calls", 100000),
        ("max_attempts", 0),
        ("retry_minutes", 0),
        ("window_start", "25:00"),
    ],
)
def test_bad_settings_are_400_naming_the_field(api, acme_key, field, value):
    response = api(acme_key).post("/api/campaigns/", {"name": "Spring", field: value}, format="json")
    assert_error(response, 400, "validation_error")
    assert field in response.json()["error"]["fields"]


def test_a_window_must_not_start_when_it_ends(api, acme_key):
    body = {"name": "Spring", "window_start": "09:00", "window_end": "09:00"}
    response = api(acme_key).post("/api/campaigns/", body, format="json")
    assert_error(response, 400, "validation_error")
    assert "window_end" in response.json()["error"]["fields"]


def test_the_window_is_read_in_the_campaigns_time_zone_and_may_cross_midnight(acme):
    rome = CampaignFactory(tenant=acme, time_zone="Europe/Rome")  # 09:00-18:00
    assert rome.in_window(datetime.datetime(2026, 7, 1, 7, 30, tzinfo=datetime.UTC))  # 09:30 in Rome
    assert not rome.in_window(datetime.datetime(2026, 7, 1, 16, 30, tzinfo=datetime.UTC))  # 18:30
    night = CampaignFactory(tenant=acme, window_start=datetime.time(22), window_end=datetime.time(2))
    assert night.in_window(datetime.datetime(2026, 7, 1, 23, 0, tzinfo=datetime.UTC))
    assert night.in_window(datetime.datetime(2026, 7, 2, 1, 0, tzinfo=datetime.UTC))
    assert not night.in_window(datetime.datetime(2026, 7, 2, 12, 0, tzinfo=datetime.UTC))


def test_the_campaign_slots_take_destinations_of_its_tenant(api, acme_key, acme):
    from tests.factories import QueueFactory

    queue = QueueFactory(tenant=acme)
    response = api(acme_key).post(
        "/api/campaigns/",
        {
            "name": "Spring",
            "destinations": {"CAMPAIGN-ONCONNECT": [f"QUEUE-{queue.pk}"], "CAMPAIGN-DONOTCALL": ["HANGUP"]},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    slots = response.json()["destinations"]
    assert [d["destination"] for d in slots["CAMPAIGN-ONCONNECT"]] == [f"QUEUE-{queue.pk}"]


def test_a_campaign_slot_cannot_point_into_another_tenant(api, acme_key, globex):
    from tests.factories import QueueFactory

    theirs = QueueFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/campaigns/",
        {"name": "Spring", "destinations": {"CAMPAIGN-ONCONNECT": [f"QUEUE-{theirs.pk}"]}},
        format="json",
    )
    assert_error(response, 400, "invalid_destination")


def test_the_detail_counts_numbers_by_disposition(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    CampaignNumberFactory.create_batch(2, tenant=acme, campaign=campaign, disposition="ANSWERED")
    CampaignNumberFactory(tenant=acme, campaign=campaign, disposition="BUSY")
    CampaignNumberFactory(tenant=acme, campaign=campaign)
    body = api(acme_key).get(f"/api/campaigns/{campaign.pk}/").json()
    assert body["numbers_count"] == 4
    assert body["numbers_by_disposition"] == {
        "NONE": 1,
        "ANSWERED": 2,
        "NO ANSWER": 0,
        "BUSY": 1,
        "FAILED": 0,
    }


def test_the_list_counts_numbers_in_the_pages_own_query(api, acme_key, acme):
    for n in range(5):
        campaign = CampaignFactory(tenant=acme)
        CampaignNumberFactory.create_batch(n, tenant=acme, campaign=campaign, disposition="FAILED")
    client = api(acme_key)
    client.get("/api/")
    with CaptureQueriesContext(connection) as captured:
        results = client.get("/api/campaigns/?ordering=id").json()["results"]
    assert [c["numbers_count"] for c in results] == [0, 1, 2, 3, 4]
    assert [c["numbers_by_disposition"]["FAILED"] for c in results] == [0, 1, 2, 3, 4]
    assert len(captured) <= 4


def test_the_seed_fax_files_are_stored_not_kept_in_json(api, acme_key, acme, settings):
    campaign = CampaignFactory(tenant=acme)
    files = [{"name": "offer.pdf", "data_base64": base64.b64encode(PDF).decode()}]
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"binary_files": files}, format="json")
    assert response.status_code == 200, response.json()
    listed = response.json()["binary_files"]
    assert [(f["name"], f["size"]) for f in listed] == [("offer.pdf", len(PDF))]
    stored = CampaignFaxFile.objects.get()
    assert str(settings.MEDIA_ROOT) in stored.file.path
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF
    assert "data_base64" not in response.content.decode()


def test_sending_fax_files_replaces_them_and_removes_the_old_ones(
    api, acme_key, acme, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(tenant=acme)
    url = f"/api/campaigns/{campaign.pk}/"
    first = [{"name": "a.pdf", "data_base64": base64.b64encode(PDF).decode()}]
    api(acme_key).patch(url, {"binary_files": first}, format="json")
    old_path = CampaignFaxFile.objects.get().file.path
    tiff = b"II*\x00" + b"\x00" * 20
    with django_capture_on_commit_callbacks(execute=True):
        api(acme_key).patch(
            url,
            {"binary_files": [{"name": "b.tif", "data_base64": base64.b64encode(tiff).decode()}]},
            format="json",
        )
    assert [f.name for f in CampaignFaxFile.objects.all()] == ["b.tif"]
    assert not os.path.exists(old_path)


@pytest.mark.parametrize(
    "item",
    [
        {"name": "offer.exe", "data_base64": base64.b64encode(PDF).decode()},
        {"name": "offer.pdf", "data_base64": "not base64!"},
        {"name": "offer.pdf", "data_base64": base64.b64encode(b"hello").decode()},
        {"data_base64": ""},
    ],
    ids=["extension", "base64", "not-a-pdf", "no-name"],
)
def test_a_bad_fax_file_is_400_and_stores_nothing(api, acme_key, acme, item):
    campaign = CampaignFactory(tenant=acme)
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"binary_files": [item]}, format="json")
    assert_error(response, 400, "validation_error")
    assert "binary_files" in response.json()["error"]["fields"]
    assert not CampaignFaxFile.objects.exists()


def test_another_tenants_campaign_is_404(api, acme_key, globex):
    theirs = CampaignFactory(tenant=globex)
    assert_error(api(acme_key).get(f"/api/campaigns/{theirs.pk}/"), 404, "not_found")


def test_an_empty_fax_file_is_unsupported_media_naming_the_accepted_formats(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    item = {"name": "offer.pdf", "data_base64": ""}
    response = api(acme_key).patch(f"/api/campaigns/{campaign.pk}/", {"binary_files": [item]}, format="json")
    assert_error(response, 400, "unsupported_media")
    assert response.json()["error"]["accepted"] == ["pdf", "tiff"]
    assert not CampaignFaxFile.objects.exists()
