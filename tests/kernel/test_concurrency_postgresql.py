"""Concurrent requests on real threads against PostgreSQL: 20 identical POSTs with one
Idempotency-Key make one object and all get its answer, and 20 creates of one number
make one extension and 19 answers of 409 number_in_use, however they interleave.

SQLite serialises every write on one database lock and its in-memory test database is
not shared between threads' connections, so these run on PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from extensions.models import Extension
from pbx.models import IdempotencyKey
from tests.factories import ApiKeyFactory, TenantFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
TWINS = 20


@pytest.fixture
def tenant_key():
    tenant = TenantFactory(code="RACE")
    admin = UserFactory(username="race-admin", is_superuser=True, is_staff=True)
    return ApiKeyFactory(owner=admin, tenant=tenant).key


def post_at_once(key, bodies, headers=None):
    """POST each body to /api/extensions/ from its own thread, all released together."""
    start = threading.Barrier(len(bodies))
    answers, errors = [None] * len(bodies), []

    def post(index, body):
        try:
            client = APIClient()
            client.credentials(HTTP_X_API_KEY=key, **(headers or {}))
            start.wait()
            response = client.post("/api/extensions/", body, format="json")
            answers[index] = (response.status_code, response.json(), response.get("Idempotent-Replayed"))
        except Exception as error:  # reported below, with the thread's own message
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=post, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return answers


def test_concurrent_retries_with_one_idempotency_key_all_get_the_first_answer(tenant_key):
    answers = post_at_once(tenant_key, [{"number": "700"}] * TWINS, {"HTTP_IDEMPOTENCY_KEY": "race-1"})
    assert Extension.objects.filter(number="700").count() == 1
    assert [status for status, _body, _replayed in answers] == [201] * TWINS, answers
    assert len({body["id"] for _status, body, _replayed in answers}) == 1
    assert sorted(replayed or "" for _s, _b, replayed in answers) == [""] + ["true"] * (TWINS - 1)
    assert IdempotencyKey.objects.get(key="race-1").status_code == 201


def test_concurrent_creates_of_one_number_all_lose_with_409_number_in_use(tenant_key):
    answers = post_at_once(tenant_key, [{"number": "701"}] * TWINS)
    assert Extension.objects.filter(number="701").count() == 1
    statuses = sorted(status for status, _body, _replayed in answers)
    assert statuses == [201] + [409] * (TWINS - 1), answers
    codes = {body["error"]["code"] for status, body, _replayed in answers if status == 409}
    assert codes == {"number_in_use"}, answers
