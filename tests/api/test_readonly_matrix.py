"""A read-only key is refused every unsafe method on every route, and writes nothing."""

import pytest

from pbx.models import ChangeLog
from tests.api.routes import UNSAFE, route_methods, routes_where


@pytest.mark.parametrize("key_name", ["admin_read_key", "acme_read_key"])
@pytest.mark.parametrize(("route", "method"), **route_methods(methods=UNSAFE))
def test_unsafe_methods_answer_403_read_only_key(request, api, route, method, key_name):
    key = request.getfixturevalue(key_name)
    response = api(key).generic(method, route.url(), data='{"name": "x"}', content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"
    assert not ChangeLog.objects.exists()


@pytest.mark.parametrize("route", **routes_where(lambda r: r.kind == "list" and not r.is_platform))
def test_a_read_only_key_reads_lists(api, acme_read_key, route):
    assert api(acme_read_key).get(route.url()).status_code == 200
