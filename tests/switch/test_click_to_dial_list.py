"""GET /api/calls/: the click-to-dial requests of the caller's reach, newest first, paged,
filtered and in CSV as every list of pbx."""

import datetime

import pytest
from django.utils import timezone

from switch.models import Originate
from tests.api.support import assert_error, csv_rows
from tests.factories import ExtensionFactory

pytestmark = pytest.mark.django_db
URL = "/api/calls/"


def a_call(tenant, extension=None, state=Originate.State.PLACED, to="101"):
    return Originate.objects.create(tenant=tenant, extension=extension, to=to, state=state)


def ids(response):
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


def test_the_list_is_newest_first(api, acme, acme_key):
    first, second = a_call(acme), a_call(acme)
    assert ids(api(acme_key).get(URL)) == [second.pk, first.pk]


def test_a_tenant_key_lists_its_tenants_calls_only(api, acme, globex, acme_key):
    ours, _theirs = a_call(acme), a_call(globex)
    assert ids(api(acme_key).get(URL)) == [ours.pk]


def test_a_global_key_lists_every_tenants_calls(api, acme, globex, admin_key):
    ours, theirs = a_call(acme), a_call(globex)
    assert ids(api(admin_key).get(URL)) == [theirs.pk, ours.pk]


def test_tenant_narrows_a_global_keys_list(api, acme, globex, admin_key):
    ours, _theirs = a_call(acme), a_call(globex)
    assert ids(api(admin_key).get(URL + "?tenant=GLOBEX")) == [_theirs.pk]
    assert ids(api(admin_key).get(URL + "?tenant=ACME")) == [ours.pk]


def test_a_tenant_key_naming_another_tenant_hears_tenant_not_found(api, acme, globex, acme_key):
    a_call(globex)
    assert_error(api(acme_key).get(URL + "?tenant=GLOBEX"), 404, "tenant_not_found")


def test_a_user_api_caller_lists_only_its_own_extensions_calls(api, acme, acme_user, acme_user_key):
    own = ExtensionFactory(tenant=acme, number="100", user=acme_user)
    other = ExtensionFactory(tenant=acme, number="101")
    mine, _not_mine = a_call(acme, own), a_call(acme, other)
    assert ids(api(acme_user_key).get(URL)) == [mine.pk]


def test_a_read_only_key_lists_calls(api, acme, acme_read_key):
    call = a_call(acme)
    assert ids(api(acme_read_key).get(URL)) == [call.pk]


def test_the_list_is_paged(api, acme, acme_key):
    for _ in range(3):
        a_call(acme)
    body = api(acme_key).get(URL + "?page_size=2").json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


def test_state_filters_the_list(api, acme, acme_key):
    failed = a_call(acme, state=Originate.State.FAILED)
    a_call(acme, state=Originate.State.PLACED)
    assert ids(api(acme_key).get(URL + "?state=failed")) == [failed.pk]


def test_an_unknown_state_is_a_400(api, acme, acme_key):
    response = api(acme_key).get(URL + "?state=ringing")
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_extension_filters_the_list(api, acme, acme_key):
    extension = ExtensionFactory(tenant=acme, number="100")
    from_it, _other = a_call(acme, extension), a_call(acme)
    assert ids(api(acme_key).get(URL + f"?extension={extension.pk}")) == [from_it.pk]


def test_another_tenants_extension_matches_nothing(api, acme, globex, acme_key):
    theirs = ExtensionFactory(tenant=globex, number="100")
    a_call(globex, theirs)
    assert ids(api(acme_key).get(URL + f"?extension={theirs.pk}")) == []


def test_created_at_bounds_filter_the_list(api, acme, acme_key):
    old, new = a_call(acme), a_call(acme)
    Originate.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    since = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(api(acme_key).get(URL + f"?created_at__gte={since}")) == [new.pk]
    assert ids(api(acme_key).get(URL + f"?created_at__lt={since}")) == [old.pk]


def test_an_unknown_filter_is_refused(api, acme, acme_key):
    response = api(acme_key).get(URL + "?status=failed")
    assert_error(response, 400, "unknown_parameter")
    assert {"state", "extension", "created_at__gte", "page_size"} <= set(response.json()["error"]["accepted"])


def test_the_list_answers_csv(api, acme, acme_key):
    call = a_call(acme)
    response = api(acme_key).get(URL + "?format=csv")
    header, rows = csv_rows(response)
    assert "state" in header and [row["id"] for row in rows] == [str(call.pk)]


def test_the_schema_documents_the_lists_filters(openapi_schema):
    names = {p["name"] for p in openapi_schema["paths"]["/api/calls/"]["get"]["parameters"]}
    assert {"state", "extension", "created_at__gte", "page", "page_size", "tenant"} <= names
