"""docs/migrating.md's DjangoPBX section says what pbx does with DjangoPBX's paths and
names: its tables are checked against the router and against live requests."""

import pytest
from django.urls import resolve

from compat.djangopbx.routes import ALIASES
from pbx.api.routers import router
from tests.compat.migrating_doc import section, table_rows

SECTION = section("DjangoPBX")
PATHS = table_rows(SECTION, "| DjangoPBX path |")
NAMES = table_rows(SECTION, "| path | DjangoPBX name |")


def test_the_section_says_what_works_unchanged_and_what_differs():
    assert "### What works unchanged" in SECTION and "### What differs" in SECTION


def test_every_alias_is_documented_with_pbxs_path():
    documented = {theirs: ours[0] if ours else None for (theirs,), ours in PATHS}
    for alias, (_viewset, pbx_path) in ALIASES.items():
        assert documented[f"/api/{alias}/"] == f"/api/{pbx_path}/", alias


def test_every_documented_path_is_served_by_the_router():
    registered = {view.cls for view in (p.callback for p in router.urls) if hasattr(view, "cls")}
    for (theirs,), _ours in PATHS:
        match = resolve(theirs)
        assert getattr(match.func, "cls", None) in registered, theirs


def test_every_documented_pbx_path_exists():
    for _theirs, ours in PATHS:
        if ours:
            assert getattr(resolve(ours[0]).func, "cls", None) is not None, ours


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), [(row[0][0], row[1][0]) for row in NAMES], ids=lambda v: str(v))
def test_every_documented_name_is_taken_on_its_path(api, admin_key, acme, path, name):
    """In a query (a filter, an ordering) or in a body: never refused as unknown."""
    value = str(acme.uuid) if name == "domain_id" else "1"
    client = api(admin_key)
    read = client.get(path, {name: value})
    if read.status_code != 400 or read.json()["error"]["code"] != "unknown_parameter":
        return
    written = client.post(path, {name: value}, format="json")
    error = written.json().get("error", {}) if written.status_code >= 400 else {}
    assert error.get("code") != "unknown_field" or name not in error.get("fields", {}), (path, name, error)
