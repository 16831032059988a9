"""Rate limits per API key."""

from django.test import override_settings


@override_settings(PBX_THROTTLE_RATE="3/min")
def test_a_key_past_its_rate_gets_429_with_retry_after(api, acme_key):
    client = api(acme_key)
    codes = [client.get("/api/extensions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/extensions/")
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert response["RateLimit-Limit"] == "3" and response["RateLimit-Remaining"] == "0"


@override_settings(PBX_THROTTLE_RATE="2/min")
def test_each_key_has_its_own_budget(api, acme_key, globex_key):
    for _ in range(2):
        api(acme_key).get("/api/extensions/")
    assert api(acme_key).get("/api/extensions/").status_code == 429
    assert api(globex_key).get("/api/extensions/").status_code == 200


@override_settings(PBX_THROTTLE_RATE="off")
def test_off_disables_the_limit(api, acme_key):
    assert all(api(acme_key).get("/api/extensions/").status_code == 200 for _ in range(5))
