"""A change of a secret alone (a voicemail PIN, a device's provisioning password, an
extension's SIP password ...) is a change: logged through every door, with the field
named and its values redacted. Generated over every model and every API resource with
secrets."""

import pytest
from django.apps import apps

from pbx import changelog
from pbx.models import ChangeLog
from tests.api.routes import ROUTES
from tests.factories import FACTORIES, VoicemailFactory

# Secrets with a shape of their own: the value around the secret, and the fields that
# must agree with it (a server's AMI URL is an Asterisk's).
SHAPED_SECRETS = {"control_url": ("ami://pbx:{}@192.0.2.9:5038", {"kind": "asterisk"})}


def new_secret(name, obj):
    """A valid value for the secret, other than the object's."""
    value = "80417293" if "pin" in name else "Fresh-long-secret-4471"
    shape = SHAPED_SECRETS.get(name, ("{}", {}))[0]
    return shape.format(value[::-1]) if getattr(obj, name) == shape.format(value) else shape.format(value)


def make(model, tenant):
    """The model's object, each secret set: one that starts empty would show no
    redacted value before the change."""
    tenant_owned = any(f.name == "tenant" for f in model._meta.concrete_fields)
    obj = FACTORIES[model](tenant=tenant) if tenant_owned else FACTORIES[model]()
    empty = [name for name in changelog.secret_fields_of(model) if not getattr(obj, name)]
    for name in empty:
        for field, value in SHAPED_SECRETS.get(name, ("", {}))[1].items():
            setattr(obj, field, value)
        setattr(obj, name, SHAPED_SECRETS.get(name, ("{}", {}))[0].format("Initial-long-secret-1930"))
    if empty:
        obj.save()
    return obj


MODEL_SECRETS = [
    pytest.param(model, name, id=f"{model._meta.label}.{name}")
    for model in apps.get_models()
    if model in FACTORIES
    for name in sorted(changelog.secret_fields_of(model))
]


def secret_rows(obj):
    return list(
        ChangeLog.objects.filter(
            object_type=obj._meta.model_name, object_id=obj.pk, action="update"
        ).order_by("id")
    )


def assert_one_redacted_change(obj, name, value):
    [row] = secret_rows(obj)
    assert row.changed_fields == [name]
    assert row.before[name] == row.after[name] == changelog.REDACTED
    assert value not in str(row.before) + str(row.after)


def test_models_with_secrets_are_found():
    assert {p.id for p in MODEL_SECRETS} >= {
        "extensions.Extension.password",
        "extensions.Voicemail.pin",
        "extensions.Device.provisioning_password",
        "routing.Trunk.password",
        "webhooks.Webhook.secret",
    }


@pytest.mark.parametrize(("model", "name"), MODEL_SECRETS)
def test_a_change_of_a_secret_alone_is_recorded(acme, model, name):
    obj = make(model, acme)
    before = changelog.snapshot(obj)
    value = new_secret(name, obj)
    setattr(obj, name, value)
    obj.save()
    changelog.record(obj, changelog.UPDATE, before)
    assert_one_redacted_change(obj, name, value)


@pytest.mark.parametrize(("model", "name"), MODEL_SECRETS)
def test_saving_a_secret_unchanged_leaves_no_row(acme, model, name):
    obj = make(model, acme)
    before = changelog.snapshot(obj)
    obj.save()
    changelog.record(obj, changelog.UPDATE, before)
    assert secret_rows(obj) == []


def secret_routes():
    found = []
    for route in ROUTES:
        if not (route.is_resource and route.is_object and route.action("PATCH") == "partial_update"):
            continue
        for name in getattr(route.viewset.serializer_class.Meta, "secret_fields", ()):
            if route.model in FACTORIES and route.placeholders == ("pk",):
                found.append(pytest.param(route, name, id=f"{route.name}.{name}"))
    return found


SECRET_ROUTES = secret_routes()


@pytest.mark.parametrize(("route", "name"), SECRET_ROUTES)
def test_an_api_patch_of_a_secret_alone_is_recorded(api, admin_key, acme, route, name):
    obj = make(route.model, acme)
    value = new_secret(name, obj)
    response = api(admin_key).patch(route.url_for(obj), {name: value}, format="json")
    assert response.status_code == 200, response.content
    assert_one_redacted_change(obj, name, value)


@pytest.mark.parametrize(("route", "name"), SECRET_ROUTES)
def test_a_bulk_patch_of_a_secret_alone_is_recorded(api, admin_key, acme, route, name):
    obj = make(route.model, acme)
    value = new_secret(name, obj)
    list_url = route.path.split("{pk}")[0]
    response = api(admin_key).patch(list_url, [{"id": obj.pk, name: value}], format="json")
    if response.status_code == 405:
        pytest.skip("the resource takes no bulk PATCH")
    assert response.status_code == 200, response.content
    assert_one_redacted_change(obj, name, value)


def test_an_admin_change_of_a_voicemail_pin_alone_is_recorded(client, acme_admin, acme):
    box = VoicemailFactory(tenant=acme, pin="4821")
    client.force_login(acme_admin)
    response = client.post(
        f"/admin/extensions/voicemail/{box.pk}/change/",
        {
            "tenant": acme.pk,
            "mailbox": box.mailbox,
            "name": box.name,
            "pin": "9917",
            "email": box.email,
            "attach_audio": "on" if box.attach_audio else "",
            "delete_after_email": "on" if box.delete_after_email else "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert_one_redacted_change(box, "pin", "9917")
    assert secret_rows(box)[0].source == "admin"
