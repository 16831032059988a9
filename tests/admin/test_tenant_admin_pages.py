"""A tenant administrator walks every page of the admin, generated from the admin site
itself (every registered model, none exempted): its lists (and their filters and lookup
popups), add pages, its own objects' change, history and delete pages, and the
autocompletes. Two tenants hold an object of every model, each secret set to a value of
its own, and each secret changed once more through the change log; no page shows the
other tenant's objects, nor any secret value, to the administrator of ACME.

Also: the admin's door follows the API role (docs/security.md): a tenant administrator
logs in however it was made, a user_api user never, whatever its staff flag."""

import re

import pytest
from django.contrib import admin
from django.db.models import CharField, TextField
from rest_framework.test import APIClient

from apikeys import roles
from extensions.models import Extension
from pbx import changelog
from pbx.admin import RoleAwareAdmin
from tests.factories import FACTORIES, TenantFactory, UserFactory
from webhooks.models import Webhook

REGISTRY = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)
# Text a page may show of an object: the other tenant's values of these must not appear.
NAMING_FIELDS = {
    "name",
    "number",
    "description",
    "mailbox",
    "caller_id",
    "url",
    "dial_string",
    "first_name",
    "last_name",
    "username",
    "email",
    "code",
    "dial",
    "call_id",
    "caller_number",
    "object_label",
    "event_id",
    "host",
    "mac_address",
    "key",
}


def has_tenant(model):
    return any(field.name == "tenant" and field.many_to_one for field in model._meta.fields)


def url(model, suffix=""):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def make(model, tenant, administrator):
    """An object of `model` in `tenant`; an API key is its administrator's own (a tenant
    administrator sees its own keys only)."""
    factory = FACTORIES[model]
    if model._meta.label == "tenants.Tenant":
        return tenant
    if model._meta.label == "auth.User":
        return factory(role=roles.USER, tenants=[tenant])
    if model._meta.label == "tenants.Membership":
        return factory(tenant=tenant)
    if model._meta.label == "apikeys.ApiKey":
        return factory(tenant=tenant, owner=administrator.get(tenant.code))
    return factory(tenant=tenant) if has_tenant(model) else factory()


def names_of(obj):
    """The texts that name `obj` on a page: its str() and its naming fields' values."""
    found = {str(obj)}
    for field in obj._meta.concrete_fields:
        if field.name in NAMING_FIELDS and isinstance(field, CharField | TextField):
            found.add(str(getattr(obj, field.attname) or ""))
    return {text for text in found if len(text) >= 4}


class World:
    """An object of every model in ACME and in GLOBEX, secrets unique and changed once."""

    def __init__(self, acme, globex, actor, administrators):
        self.acme_objects, self.globex_names, self.secrets = {}, set(), set()
        self.counter = 0
        acme_names = set()
        for model, _model_admin in REGISTRY:
            if model not in FACTORIES:
                assert not has_tenant(model), f"{model._meta.label} holds tenant data: give it a factory"
                continue
            for tenant in (acme, globex):
                obj = make(model, tenant, administrators)
                self._set_secrets(obj, tenant, actor)
                if tenant is acme:
                    self.acme_objects[model] = obj
                    acme_names |= names_of(obj)
                elif has_tenant(model) or model._meta.label in ("tenants.Tenant", "auth.User"):
                    self.globex_names |= names_of(obj)
        self.globex_names |= {globex.code, globex.name, globex.sip_domain}
        # A value both tenants' objects share (a factory's constant) names neither.
        self.globex_names -= acme_names

    def _set_secrets(self, obj, tenant, actor):
        fields = sorted(changelog.secret_fields_of(type(obj)))
        if not fields:
            return
        manager = type(obj)._default_manager
        # Short enough for a 4-digit PIN's column, unlikely anywhere else on a page.
        first, second = {}, {}
        for name in fields:
            self.counter += 1
            first[name] = f"Zk{self.counter:03d}{tenant.code[0]}1"
            second[name] = f"Zk{self.counter:03d}{tenant.code[0]}2"
        manager.filter(pk=obj.pk).update(**first)
        obj.refresh_from_db()
        before = changelog.snapshot(obj)
        manager.filter(pk=obj.pk).update(**second)
        obj.refresh_from_db()
        with changelog.change_context(actor=actor, source="admin"):
            changelog.record(obj, changelog.UPDATE, before)
        self.secrets |= set(first.values()) | set(second.values())


@pytest.fixture
def world(acme, globex, platform_admin, acme_admin, globex_admin):
    return World(acme, globex, platform_admin, {"ACME": acme_admin, "GLOBEX": globex_admin})


def leaks(world, html):
    shown = [name for name in world.globex_names if name in html]
    shown += [secret for secret in world.secrets if secret in html]
    return shown


def walk(client, world, pages, opens=()):
    """{url: what leaked or the unexpected status} over `pages`; those in `opens` must
    render (200), so that the walk reads real pages."""
    found = {}
    for page in pages:
        response = client.get(page)
        html = response.content.decode(errors="replace")
        if response.status_code != 200 and page in opens:
            found[page] = f"status {response.status_code}, not the page"
        elif response.status_code not in (200, 302, 403, 404):
            found[page] = f"status {response.status_code}"
        elif leaks(world, html):
            found[page] = leaks(world, html)
    return found


def test_every_model_with_tenant_data_is_walked(world):
    walked = {model for model, _ in REGISTRY if model in FACTORIES}
    assert {model for model, _ in REGISTRY if has_tenant(model)} <= walked
    assert len(world.secrets) >= 20 and world.globex_names


def test_lists_lookups_and_add_pages_show_nothing_of_another_tenant(client, acme_admin, world):
    client.force_login(acme_admin)
    pages = []
    for model, model_admin in REGISTRY:
        pages += [url(model), url(model, "add/")]
        if getattr(model_admin, "platform_only", False):
            pages.append(url(model, "?_to_field=id&_popup=1"))  # a raw id field's lookup lists the pickable
    pages += ["/admin/", "/admin/?tenant=ACME", "/admin/pbx/changelog/"]
    assert walk(client, world, pages) == {}


def test_change_history_and_delete_pages_show_nothing_of_another_tenant(client, acme_admin, world):
    client.force_login(acme_admin)
    pages, opens = [], set()
    for model, obj in world.acme_objects.items():
        model_admin = admin.site._registry[model]
        for suffix in ("change/", "history/", "delete/"):
            pages.append(url(model, f"{obj.pk}/{suffix}"))
        if isinstance(model_admin, RoleAwareAdmin) and not model_admin.platform_only:
            opens |= {url(model, f"{obj.pk}/change/"), url(model, f"{obj.pk}/history/")}
    assert walk(client, world, pages, opens) == {}


def test_the_walk_sees_what_a_platform_administrator_may_see(client, platform_admin, world):
    """The same walk as the platform's administrator finds the other tenant's objects and
    the secrets: it looks where they would show."""
    client.force_login(platform_admin)
    pages = [url(model, f"{world.acme_objects[model].pk}/change/") for model in (Extension, Webhook)]
    shown = walk(client, world, pages)
    assert all(any(value in world.secrets for value in shown[page]) for page in pages)
    assert walk(client, world, ["/admin/routing/did/", "/admin/extensions/extension/"])


def test_autocompletes_offer_nothing_of_another_tenant(client, acme_admin, world):
    client.force_login(acme_admin)
    pages = []
    for model, model_admin in REGISTRY:
        for field in getattr(model_admin, "autocomplete_fields", ()):
            pages.append(
                f"/admin/autocomplete/?app_label={model._meta.app_label}"
                f"&model_name={model._meta.model_name}&field_name={field}&term="
            )
    assert walk(client, world, pages) == {}


# --- who logs in: the role, not a staff switch ------------------------------------------


def log_in(client, username):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": "correct horse battery staple"}
    )
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def api(admin_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=admin_key.key)
    return client


def create_user(api, role, **extra):
    body = {
        "username": "operator",
        "password": "correct horse battery staple",
        "role": role,
        "tenants": ["ACME"],
    }
    response = api.post("/api/users/", {**body, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_tenant_administrator_created_through_the_api_logs_in(client, api, acme):
    create_user(api, "minor_admin_api")
    assert log_in(client, "operator")
    assert client.get("/admin/").status_code == 200


def test_the_role_opens_the_admin_without_the_staff_flag(client, api, acme):
    create_user(api, "minor_admin_api", is_staff=False)
    assert log_in(client, "operator")


def test_a_tenant_administrator_made_by_its_group_alone_logs_in(client, acme):
    UserFactory(username="operator", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=False)
    assert log_in(client, "operator")


def test_an_extension_user_never_logs_in_even_flagged_staff(client, acme):
    UserFactory(username="operator", role=roles.USER, tenants=[acme], is_staff=True)
    assert not log_in(client, "operator")
    UserFactory(username="nobody", is_staff=True)  # staff with no role at all
    assert not log_in(client, "nobody")


def test_made_user_api_the_administrator_loses_the_admin(client, api, acme):
    user = create_user(api, "minor_admin_api")
    assert log_in(client, "operator")
    response = api.patch(f"/api/users/{user['id']}/", {"role": "user_api"}, format="json")
    assert response.status_code == 200, response.json()
    page = client.get("/admin/")  # the session it had opens nothing now
    assert page.status_code == 302 and page["Location"].startswith("/admin/login/")
    client.logout()
    assert not log_in(client, "operator")


def test_a_refused_login_says_what_a_wrong_password_says(client, acme):
    UserFactory(username="operator", role=roles.USER, tenants=[acme])
    refused = client.post(
        "/admin/login/", {"username": "operator", "password": "correct horse battery staple"}
    )
    wrong = client.post("/admin/login/", {"username": "operator", "password": "not the password"})
    message = re.compile(r'<p class="errornote">\s*(.*?)\s*</p>', re.S)
    assert message.search(refused.content.decode()).group(1) == message.search(wrong.content.decode()).group(
        1
    )


def test_a_platform_administrator_logs_in(client, platform_admin):
    assert log_in(client, "platform")


def test_another_platform_tenant_exists_only_for_the_platform(client, acme_admin, world):
    other = TenantFactory(code="INITECH", name="Initech")
    client.force_login(acme_admin)
    assert "Initech" not in client.get("/admin/tenants/tenant/").content.decode()
    assert client.get("/admin/?tenant=INITECH").status_code == 404
    assert other.pk
