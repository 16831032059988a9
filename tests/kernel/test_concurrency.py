"""Safe retries (Idempotency-Key) and concurrent edits (ETag, If-Match, If-None-Match)."""

from extensions.models import Extension
from tests.factories import ExtensionFactory

URL = "/api/extensions/"


def test_a_retry_with_the_same_key_replays_the_first_answer(api, acme_key):
    client = api(acme_key)
    first = client.post(URL, {"number": "100"}, HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post(URL, {"number": "100"}, HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Extension.objects.count() == 1


def test_a_bulk_retry_creates_nothing_twice(api, acme_key):
    client = api(acme_key)
    for _ in range(2):
        client.post(URL, [{"number": "100"}, {"number": "101"}], HTTP_IDEMPOTENCY_KEY="batch-1")
    assert Extension.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(api, acme_key):
    client = api(acme_key)
    client.post(URL, {"number": "100"}, HTTP_IDEMPOTENCY_KEY="abc")
    response = client.post(URL, {"number": "101"}, HTTP_IDEMPOTENCY_KEY="abc")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Extension.objects.count() == 1


def test_keys_are_kept_per_api_key(api, acme_key, acme_admin, acme):
    from tests.factories import ApiKeyFactory

    other = ApiKeyFactory(owner=acme_admin, tenant=acme)
    api(acme_key).post(URL, {"number": "100"}, HTTP_IDEMPOTENCY_KEY="same")
    response = api(other).post(URL, {"number": "101"}, HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 201


def test_a_failed_request_can_be_retried_with_its_key(api, acme_key):
    client = api(acme_key)
    assert client.post(URL, {"number": "x"}, HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    assert client.post(URL, {"number": "x"}, HTTP_IDEMPOTENCY_KEY="k").status_code == 400


def test_detail_responses_carry_an_etag(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).get(f"{URL}{extension.pk}/")
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 10


def test_if_none_match_answers_304_until_the_object_changes(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    client = api(acme_key)
    etag = client.get(f"{URL}{extension.pk}/")["ETag"]
    assert client.get(f"{URL}{extension.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    client.patch(f"{URL}{extension.pk}/", {"name": "changed"})
    assert client.get(f"{URL}{extension.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_stale_if_match_is_refused_and_changes_nothing(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme, name="Original")
    client = api(acme_key)
    etag = client.get(f"{URL}{extension.pk}/")["ETag"]
    client.patch(f"{URL}{extension.pk}/", {"name": "Someone else"})
    response = client.patch(f"{URL}{extension.pk}/", {"name": "Mine"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    extension.refresh_from_db()
    assert extension.name == "Someone else"


def test_a_current_if_match_lets_the_write_through(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    client = api(acme_key)
    etag = client.get(f"{URL}{extension.pk}/")["ETag"]
    response = client.patch(f"{URL}{extension.pk}/", {"name": "Mine"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_stale_if_match_refuses_a_delete(api, acme_key, acme):
    extension = ExtensionFactory(tenant=acme)
    response = api(acme_key).delete(f"{URL}{extension.pk}/", HTTP_IF_MATCH='"stale"')
    assert response.status_code == 412
    assert Extension.objects.filter(pk=extension.pk).exists()


def test_an_idempotency_key_expires(api, acme_key, settings):
    from datetime import timedelta

    from django.utils import timezone

    from pbx.models import IdempotencyKey

    client = api(acme_key)
    client.post(URL, {"number": "100"}, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.PBX_IDEMPOTENCY_HOURS + 1)
    )
    response = client.post(URL, {"number": "101"}, HTTP_IDEMPOTENCY_KEY="old")
    assert response.status_code == 201
    assert response.json()["number"] == "101"
