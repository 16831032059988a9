"""What a tenant administrator may pick in the admin, generated from the admin site: every
relation of every form (model admins and their inlines) offers and accepts only what the
administrator reaches, and a foreign id is refused like one that does not exist."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.test import RequestFactory

from apikeys import roles
from extensions.models import Device, Extension
from pbx.admin import ScopedInlineMixin, TenantScopedAdmin
from routing.models import RoutingProfile, Trunk
from tests.factories import (
    FACTORIES,
    AgentFactory,
    DeviceFactory,
    ExtensionFactory,
    ResellerFactory,
    ServerFactory,
    TrunkFactory,
    UserFactory,
)

User = get_user_model()
NO_SUCH_ID = 987654321


def relation_fields():
    """(label, admin, inline or None, field name, related model) of every relation that
    a tenant-scoped admin's forms offer."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, TenantScopedAdmin):
            continue
        forms = [(None, model_admin)] + [(inline.__name__, inline) for inline in model_admin.inlines]
        for inline_name, owner in forms:
            form_model = owner.model
            for field in form_model._meta.get_fields():
                if not (field.concrete and field.is_relation) or field.auto_created:
                    continue
                if field.name == "tenant" or (inline_name and field.related_model is model):
                    continue  # the tenant has its own test; an inline's owner is not picked
                label = f"{model._meta.label}{'.' + inline_name if inline_name else ''}.{field.name}"
                found.append(pytest.param(model, inline_name, field.name, field.related_model, id=label))
    return found


def form_field(model, inline_name, field_name, user):
    request = RequestFactory().get("/admin/")
    request.user = user
    model_admin = admin.site._registry[model]
    if inline_name is None:
        form = model_admin.get_form(request)
    else:
        inline = next(i for i in model_admin.get_inline_instances(request) if type(i).__name__ == inline_name)
        form = inline.get_formset(request).form
    return form.base_fields.get(field_name)


def outsiders(related_model, globex):
    """Objects of `related_model` that ACME's administrator must not reach."""
    if related_model is User:
        return [
            UserFactory(role=roles.USER, tenants=[globex]),
            UserFactory(is_superuser=True, is_staff=True),
            UserFactory(role=roles.ADMIN),
        ]
    if related_model is RoutingProfile:
        return []  # the platform's offer to every tenant, as in the API
    if related_model is Trunk:
        trunk = TrunkFactory()
        trunk.tenants.add(globex)
        return [trunk]
    return [FACTORIES[related_model](tenant=globex)]


@pytest.mark.parametrize(("model", "inline_name", "field_name", "related_model"), relation_fields())
def test_a_tenant_admin_is_offered_and_accepts_nothing_of_another_tenant(
    acme_admin, globex, model, inline_name, field_name, related_model
):
    field = form_field(model, inline_name, field_name, acme_admin)
    if field is None:
        pytest.skip("not in the form (read-only)")
    assert isinstance(field, ModelChoiceField)
    with pytest.raises(ValidationError) as missing:
        field.clean([NO_SUCH_ID] if isinstance(field, ModelMultipleChoiceField) else NO_SUCH_ID)
    for outsider in outsiders(related_model, globex):
        assert not field.queryset.filter(pk=outsider.pk).exists()
        with pytest.raises(ValidationError) as refused:
            field.clean([outsider.pk] if isinstance(field, ModelMultipleChoiceField) else outsider.pk)
        # The same answer as for an id that does not exist: nothing is learned.
        assert refused.value.code == missing.value.code
        assert refused.value.messages == [
            m.replace(str(NO_SUCH_ID), str(outsider.pk)) for m in missing.value.messages
        ]


def test_every_inline_is_the_kernels():
    plain = [
        f"{model._meta.label}.{inline.__name__}"
        for model, model_admin in admin.site._registry.items()
        for inline in model_admin.inlines
        if not issubclass(inline, ScopedInlineMixin)
    ]
    assert plain == []


def extension_form(extension, **changes):
    data = {
        "tenant": extension.tenant_id,
        "number": extension.number,
        "name": extension.name,
        "tech": "PJSIP",
        "enabled": "on",
        "sip_username": extension.number,
        "password": "",
        "max_contacts": 1,
        "ring_timeout": 30,
        "forward_all_destination": "",
        "forward_busy_destination": "",
        "forward_no_answer_destination": "",
        "forward_unavailable_destination": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("who", ["other tenant's user", "superuser", "platform admin"])
def test_an_extensions_user_outside_the_tenant_is_refused_and_not_named(
    client, acme_admin, acme, globex, who
):
    outsider = {
        "other tenant's user": lambda: UserFactory(username="globex-person", tenants=[globex]),
        "superuser": lambda: UserFactory(username="globex-person", is_superuser=True),
        "platform admin": lambda: UserFactory(username="globex-person", role=roles.ADMIN),
    }[who]()
    extension = ExtensionFactory(tenant=acme, number="100")
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/extensions/extension/{extension.pk}/change/", extension_form(extension, user=outsider.pk)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "globex-person" not in page
    extension.refresh_from_db()
    assert extension.user_id is None


def test_an_extensions_user_of_the_tenant_is_accepted(client, acme_admin, acme):
    member = UserFactory(username="acme-person", role=roles.USER, tenants=[acme])
    extension = ExtensionFactory(tenant=acme, number="100")
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/extensions/extension/{extension.pk}/change/", extension_form(extension, user=member.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    extension.refresh_from_db()
    assert extension.user == member


def test_a_devices_user_of_another_tenant_is_refused(client, acme_admin, acme, globex):
    outsider = UserFactory(username="globex-person", tenants=[globex])
    device = DeviceFactory(tenant=acme)
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/extensions/device/{device.pk}/change/",
        {
            "tenant": acme.pk,
            "name": device.name,
            "mac_address": device.mac_address,
            "button_layout": "[]",
            "phonebooks": "[]",
            "user": outsider.pk,
            "enabled": "on",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "globex-person" not in response.content.decode()
    device.refresh_from_db()
    assert device.user_id is None


def test_the_user_autocomplete_lists_the_tenants_members_only(client, acme_admin, acme, globex):
    UserFactory(username="acme-person", role=roles.USER, tenants=[acme])
    UserFactory(username="globex-person", role=roles.USER, tenants=[globex])
    UserFactory(username="root-person", is_superuser=True, tenants=[acme])
    UserFactory(username="platform-person", role=roles.ADMIN, tenants=[acme])
    client.force_login(acme_admin)
    for model in (Extension, Device):
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": "extensions",
                "model_name": model._meta.model_name,
                "field_name": "user",
                "term": "",
            },
        )
        assert response.status_code == 200
        names = sorted(result["text"] for result in response.json()["results"])
        assert names == ["acme-admin", "acme-person"]


def test_the_user_lookup_popup_lists_the_tenants_members_only(client, acme_admin, acme, globex):
    UserFactory(username="acme-person", role=roles.USER, tenants=[acme])
    UserFactory(username="globex-person", role=roles.USER, tenants=[globex])
    client.force_login(acme_admin)
    response = client.get("/admin/auth/user/", {"_to_field": "id", "_popup": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "acme-person" in page and "globex-person" not in page


def test_a_tenant_admin_still_cannot_open_users(client, acme_admin, acme):
    member = UserFactory(username="acme-person", role=roles.USER, tenants=[acme])
    client.force_login(acme_admin)
    assert client.get(f"/admin/auth/user/{member.pk}/change/").status_code in (302, 403)
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_raw_id_field_names_no_object_of_another_tenant(client, acme_admin, acme, globex):
    theirs = ExtensionFactory(tenant=globex, name="Globex CEO line")
    agent = AgentFactory(tenant=acme)
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/routing/agent/{agent.pk}/change/",
        {"tenant": acme.pk, "number": agent.number, "name": agent.name, "extension": theirs.pk},
    )
    page = response.content.decode()
    assert "Globex CEO line" not in page


def test_a_related_object_of_another_of_the_admins_tenants_is_refused(client, acme, globex):
    both = UserFactory(username="both-admin", role=roles.MINOR_ADMIN, tenants=[acme, globex], is_staff=True)
    globex_extension = ExtensionFactory(tenant=globex)
    agent = AgentFactory(tenant=acme)
    client.force_login(both)
    response = client.post(
        f"/admin/routing/agent/{agent.pk}/change/",
        {"tenant": acme.pk, "number": agent.number, "name": agent.name, "extension": globex_extension.pk},
    )
    assert response.status_code == 200
    assert "of the same tenant" in response.content.decode()


def test_every_relation_list_filter_offers_only_what_a_tenant_admin_reaches(acme_admin):
    request = RequestFactory().get("/admin/")
    request.user = acme_admin
    unlimited = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        for item in model_admin.get_list_filter(request):
            if isinstance(item, str) and get_fields_from_path(model, item)[-1].is_relation:
                unlimited.append(f"{model._meta.label}.{item}")
            elif isinstance(item, tuple) and item[1] is admin.RelatedFieldListFilter:
                unlimited.append(f"{model._meta.label}.{item[0]}")
    assert unlimited == []


def test_the_tenant_list_filters_name_no_other_reseller_or_server(client, acme_admin, acme, globex):
    globex.reseller = ResellerFactory(name="Globex Reseller Ltd")
    globex.server = ServerFactory(name="globex-media-1")
    globex.save()
    client.force_login(acme_admin)
    page = client.get("/admin/tenants/tenant/").content.decode()
    assert "Globex Reseller Ltd" not in page and "globex-media-1" not in page
