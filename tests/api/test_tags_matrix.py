"""Every resource that carries tags takes them on creation, whatever its own create path
(API keys are issued, users get roles ...), and gives them back."""

import pytest

from tests.api.routes import routes_where
from tests.api.support import payload


def creates_tagged_objects(route):
    return (
        route.is_resource
        and route.is_list
        and "POST" in route.methods
        and getattr(route.viewset.serializer_class.Meta, "taggable", True)
    )


@pytest.mark.parametrize("route", **routes_where(creates_tagged_objects))
def test_an_object_created_with_tags_carries_them(api, admin_key, acme, route):
    body = {**payload(route, "ACME" if route.is_tenant_owned else None), "tags": ["vip", "lobby"]}
    if route.name == "user-list":
        body["username"] = "tagged-user"
    response = api(admin_key).post(route.url(), body)
    assert response.status_code == 201, response.json()
    assert response.json()["tags"] == ["lobby", "vip"]
