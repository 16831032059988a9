"""Every model registered in the admin, generated from the admin site itself: its pages
render for a platform admin, and a tenant admin cannot open another tenant's object."""

import pytest
from django.contrib import admin

from pbx.admin import RoleAwareAdmin, TenantScopedAdmin
from tests.factories import FACTORIES, UserFactory

ADMINS = sorted(
    ((model, model_admin) for model, model_admin in admin.site._registry.items() if model in FACTORIES),
    key=lambda pair: pair[0]._meta.label,
)
TENANT_SCOPED = [
    (model, model_admin) for model, model_admin in ADMINS if isinstance(model_admin, TenantScopedAdmin)
]


def url(model, suffix=""):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_every_admin_of_our_models_is_role_aware():
    ours = [(model, model_admin) for model, model_admin in ADMINS if model._meta.app_label != "auth"]
    assert [
        model._meta.label for model, model_admin in ours if not isinstance(model_admin, RoleAwareAdmin)
    ] == []


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
def test_the_list_and_change_pages_render_for_a_platform_admin(client, superuser, acme, model, model_admin):
    kwargs = {"tenant": acme} if isinstance(model_admin, TenantScopedAdmin) else {}
    obj = FACTORIES[model](**kwargs)
    client.force_login(superuser)
    assert client.get(url(model)).status_code == 200
    assert client.get(url(model, f"{obj.pk}/change/")).status_code == 200


@pytest.mark.parametrize(
    ("model", "model_admin"), TENANT_SCOPED, ids=[m._meta.label for m, _ in TENANT_SCOPED]
)
def test_a_tenant_admin_cannot_open_another_tenants_object(client, acme_admin, globex, model, model_admin):
    theirs = FACTORIES[model](tenant=globex)
    client.force_login(acme_admin)
    response = client.get(url(model, f"{theirs.pk}/change/"))
    assert response.status_code in (302, 404)  # the admin redirects "does not exist" to its index
    assert str(theirs) not in client.get(url(model)).content.decode()
