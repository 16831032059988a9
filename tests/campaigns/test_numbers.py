"""Campaign numbers: E.164 like DIDs, one per campaign, never on the do-not-call list,
never in another tenant's campaign; the MiRTA PBX example and filters."""

from campaigns.models import CampaignNumber, DoNotCall
from tests.api.support import assert_error
from tests.factories import CampaignFactory, CampaignNumberFactory, DoNotCallFactory


def test_the_seed_001_campaign_number_example(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    response = api(acme_key).post(
        "/api/campaign-numbers/?tenant=ACME",
        {"campaign_id": campaign.pk, "number": "390212345678", "description": "Lead A"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    number = CampaignNumber.objects.get()
    assert (number.campaign_id, number.number, number.description) == (campaign.pk, "+390212345678", "Lead A")
    assert (number.state, number.disposition, number.attempts) == ("pending", "", 0)


def test_the_seed_field_names_are_taken(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"cn_ca_id": campaign.pk, "cn_number": "0039 02 1234 5678"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == "+390212345678"


def test_the_list_is_limited_to_one_campaign_by_campaign_id_or_caid(api, acme_key, acme):
    mine, other = CampaignFactory(tenant=acme), CampaignFactory(tenant=acme)
    kept = CampaignNumberFactory(tenant=acme, campaign=mine)
    CampaignNumberFactory(tenant=acme, campaign=other)
    for param in ("campaign", "campaign_id", "caid"):
        results = api(acme_key).get(f"/api/campaign-numbers/?{param}={mine.pk}").json()["results"]
        assert [r["id"] for r in results] == [kept.pk], param


def test_a_number_cannot_go_into_another_tenants_campaign(api, acme_key, globex):
    theirs = CampaignFactory(tenant=globex)
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"campaign": theirs.pk, "number": "+390212345678"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["campaign"] == [f"No campaign {theirs.pk} in this tenant."]
    assert not CampaignNumber.objects.exists()


def test_a_number_cannot_move_into_another_tenants_campaign(api, acme_key, acme, globex):
    number = CampaignNumberFactory(tenant=acme)
    theirs = CampaignFactory(tenant=globex)
    response = api(acme_key).patch(
        f"/api/campaign-numbers/{number.pk}/", {"campaign": theirs.pk}, format="json"
    )
    assert_error(response, 400, "validation_error")


def test_a_number_is_in_a_campaign_once(api, acme_key, acme):
    number = CampaignNumberFactory(tenant=acme, number="+390212345678")
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"campaign": number.campaign_id, "number": "390212345678"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert "already in campaign" in response.json()["error"]["fields"]["number"][0]


def test_a_bad_number_is_400_with_the_reason(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"campaign": campaign.pk, "number": "12ab"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert "E.164" in response.json()["error"]["fields"]["number"][0]


def test_a_do_not_call_number_is_refused_and_named(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    DoNotCallFactory(tenant=acme, number="+390212345678")
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"campaign": campaign.pk, "number": "+39 02 1234 5678"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["number"] == [
        "+390212345678 is on tenant ACME's do-not-call list."
    ]


def test_another_tenants_do_not_call_list_does_not_apply(api, acme_key, acme, globex):
    campaign = CampaignFactory(tenant=acme)
    DoNotCallFactory(tenant=globex, number="+390212345678")
    response = api(acme_key).post(
        "/api/campaign-numbers/", {"campaign": campaign.pk, "number": "+390212345678"}, format="json"
    )
    assert response.status_code == 201


def test_bulk_creation_is_all_or_nothing_and_names_the_refused_number(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    DoNotCallFactory(tenant=acme, number="+390200000002")
    body = [{"campaign": campaign.pk, "number": f"+39020000000{n}"} for n in (1, 2, 3)]
    response = api(acme_key).post("/api/campaign-numbers/", body, format="json")
    assert_error(response, 400, "validation_error")
    items = response.json()["error"]["items"]
    assert [item["index"] for item in items] == [1]
    assert "do-not-call" in items[0]["fields"]["number"][0]
    assert not CampaignNumber.objects.exists()


def test_bulk_creation_writes_every_number(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    body = [{"campaign": campaign.pk, "number": f"+39020000000{n}"} for n in range(5)]
    response = api(acme_key).post("/api/campaign-numbers/", body, format="json")
    assert response.status_code == 201
    assert campaign.numbers.count() == 5


def test_the_dialer_records_an_attempt(api, acme_key, acme):
    number = CampaignNumberFactory(tenant=acme)
    body = {
        "state": "done",
        "disposition": "NO ANSWER",
        "attempts": 1,
        "last_attempt_at": "2026-11-27T10:00:00Z",
    }
    response = api(acme_key).patch(f"/api/campaign-numbers/{number.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    number.refresh_from_db()
    assert (number.state, number.disposition, number.attempts) == ("done", "NO ANSWER", 1)


# --- the do-not-call list -----------------------------------------------------------------


def test_a_do_not_call_number_is_stored_in_e164_once_per_tenant(api, acme_key, globex_key):
    response = api(acme_key).post("/api/do-not-call/", {"number": "0039 02 1234 5678"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == "+390212345678"
    again = api(acme_key).post("/api/do-not-call/", {"number": "+390212345678"}, format="json")
    assert_error(again, 400, "validation_error")
    assert "number" in again.json()["error"]["fields"]
    elsewhere = api(globex_key).post("/api/do-not-call/", {"number": "+390212345678"}, format="json")
    assert elsewhere.status_code == 201
    assert DoNotCall.objects.count() == 2


def test_another_tenants_do_not_call_list_is_not_seen(api, acme_key, globex):
    DoNotCallFactory(tenant=globex, number="+390212345678")
    assert api(acme_key).get("/api/do-not-call/").json()["count"] == 0


def test_a_campaign_number_carries_tags(api, acme_key, acme):
    campaign = CampaignFactory(tenant=acme)
    body = {"campaign": campaign.pk, "number": "+390211111111", "tags": ["vip"]}
    response = api(acme_key).post("/api/campaign-numbers/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["vip"]
    changed = api(acme_key).patch(response.json()["url"], {"tags": ["gold", "vip"]}, format="json")
    assert changed.json()["tags"] == ["gold", "vip"]
