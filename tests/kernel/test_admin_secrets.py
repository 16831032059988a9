"""Secrets in the admin, generated from the admin site: for every form with a secret field
(SIP passwords, PINs, provisioning passwords, webhook secrets ...), a tenant admin gets an
empty write-only input that keeps the stored value when left blank; only the platform's
admins read the value, as in the API."""

import pytest
from django.contrib import admin
from django.http import QueryDict
from django.test import RequestFactory

from pbx import changelog
from pbx.admin import TenantScopedAdmin, WriteOnlySecretField
from tests.factories import FACTORIES, UserFactory

SECRET_VALUE = "Zq7-secret-8812"
SECRET_PIN = "80417293"


def secret_value(name):
    return SECRET_PIN if "pin" in name else SECRET_VALUE


def secret_forms():
    """(model, inline name or None, secret field name) of every form with a secret."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, TenantScopedAdmin) or model not in FACTORIES:
            continue
        for name in sorted(changelog.secret_fields_of(model)):
            found.append(pytest.param(model, name, id=f"{model._meta.label}.{name}"))
        for inline in model_admin.inlines:
            for name in sorted(changelog.secret_fields_of(inline.model)):
                found.append(pytest.param(model, name, id=f"{model._meta.label}.{inline.__name__}.{name}"))
    return found


SECRET_FORMS = secret_forms()


def test_the_secret_forms_are_found():
    assert {p.id for p in SECRET_FORMS} >= {
        "extensions.Extension.password",
        "extensions.Voicemail.pin",
        "extensions.Device.provisioning_password",
        "webhooks.Webhook.secret",
    }


def url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def object_with_secret(model, name, tenant):
    obj = FACTORIES[model](tenant=tenant)
    type(obj)._default_manager.filter(pk=obj.pk).update(**{name: secret_value(name)})
    obj.refresh_from_db()
    return obj


def posted_form(model, obj, user, **changes):
    """The admin's form for `obj` bound to what its page would post back, with `changes`."""
    request = RequestFactory().get("/admin/")
    request.user = user
    form_class = admin.site._registry[model].get_form(request, obj, change=True)
    unbound = form_class(instance=obj)
    data = QueryDict(mutable=True)
    for bound in unbound:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.name] = "on"
        elif isinstance(value, list | tuple):
            data.setlist(bound.name, [str(v) for v in value])
        elif value is not None:
            data[bound.name] = str(value)
    data.update(changes)
    return form_class(data=data, instance=obj)


@pytest.mark.parametrize(("model", "name"), SECRET_FORMS)
def test_a_tenant_admins_page_does_not_show_a_secret(client, acme_admin, acme, model, name):
    obj = object_with_secret(model, name, acme)
    client.force_login(acme_admin)
    response = client.get(url(obj))
    assert response.status_code == 200
    page = response.content.decode()
    assert secret_value(name) not in page
    assert f'type="password" name="{name}"' in page


@pytest.mark.parametrize(("model", "name"), SECRET_FORMS)
def test_a_platform_admin_reads_the_secret(client, acme, model, name):
    obj = object_with_secret(model, name, acme)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert secret_value(name) in client.get(url(obj)).content.decode()


@pytest.mark.parametrize(("model", "name"), SECRET_FORMS)
def test_a_secret_left_blank_keeps_its_value(acme_admin, acme, model, name):
    obj = object_with_secret(model, name, acme)
    form = posted_form(model, obj, acme_admin, **{name: ""})
    assert isinstance(form.fields[name], WriteOnlySecretField)
    assert form.is_valid(), form.errors
    assert name not in form.changed_data
    form.save()
    obj.refresh_from_db()
    assert getattr(obj, name) == secret_value(name)


@pytest.mark.parametrize(("model", "name"), SECRET_FORMS)
def test_a_secret_typed_in_replaces_the_value(acme_admin, acme, model, name):
    obj = object_with_secret(model, name, acme)
    new = "4472" if "pin" in name else "Another-long-secret-9931"
    form = posted_form(model, obj, acme_admin, **{name: new})
    assert form.is_valid(), form.errors
    form.save()
    obj.refresh_from_db()
    assert getattr(obj, name) == new


@pytest.mark.parametrize(("model", "name"), SECRET_FORMS)
def test_a_page_shown_read_only_leaves_a_secret_out(acme_admin, acme, model, name):
    obj = object_with_secret(model, name, acme)
    request = RequestFactory().get("/admin/")
    request.user = acme_admin
    read_only = type(
        "ReadOnly", (type(admin.site._registry[model]),), {"has_change_permission": lambda *a: False}
    )
    fieldsets = read_only(model, admin.site).get_fieldsets(request, obj)
    shown = {
        n for _, options in fieldsets for f in options["fields"] for n in (f if isinstance(f, tuple) else [f])
    }
    assert name not in shown and shown
