"""The route walk the matrices stand on is complete: every registered resource, every
extra action and every URL pattern of the router is a Route, answering what its viewset
answers."""

import pytest
from django.urls import resolve

from pbx.api.routers import router
from tests.api.routes import ACTION_SETS, RESOURCES, ROUTES, regex_to_path, routes_where


def test_every_registered_viewset_has_its_routes():
    registered = {viewset for _prefix, viewset, _basename in router.registry}
    assert registered == RESOURCES | ACTION_SETS
    for _prefix, viewset, basename in router.registry:
        names = {r.name for r in ROUTES if r.view_class is viewset}
        if getattr(viewset, "alias_of_action", None):
            # One action of a resource at a path of its own (pbx.api.routers): that route only.
            assert names == {f"{basename}-list"}, basename
            continue
        if viewset in RESOURCES:
            assert {f"{basename}-list", f"{basename}-detail"} <= names
        else:
            assert names, f"{basename}: an action set without actions"
        for action in viewset.get_extra_actions():
            assert f"{basename}-{action.url_name}" in names, f"{basename}: {action.__name__} has no route"


def test_every_url_pattern_of_the_router_is_a_route():
    assert [pattern.name for pattern in router.urls] == [route.name for route in ROUTES]


@pytest.mark.parametrize("route", **routes_where())
def test_each_route_resolves_to_its_view(route):
    match = resolve(route.url())
    assert match.url_name == route.name
    assert getattr(match.func, "cls", None) is route.view_class


@pytest.mark.parametrize("route", **routes_where(lambda r: r.is_resource))
def test_each_route_answers_the_methods_its_viewset_allows(route):
    allowed = {m.upper() for m in route.viewset.http_method_names} - {"OPTIONS"}
    assert set(route.methods) <= allowed
    for method in route.methods:
        if method != "HEAD":
            assert hasattr(route.viewset, route.action(method)), (method, route.action(method))


@pytest.mark.parametrize(
    ("regex", "path"),
    [
        (r"^extensions/$", "extensions/"),
        (r"^extensions/(?P<pk>[0-9]{1,18})/$", "extensions/{pk}/"),
        (r"^extensions/number/(?P<number>[^/]{1,32})/$", "extensions/number/{number}/"),
        (r"^a/(?P<slug>(?:x|y)[a-z]+)/b\.csv$", "a/{slug}/b.csv"),
        (r"^\Z", ""),
    ],
)
def test_url_regexes_become_paths_with_placeholders(regex, path):
    assert regex_to_path(regex) == path
