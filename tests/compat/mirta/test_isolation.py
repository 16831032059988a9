"""Scope and isolation through openapi.php: for each of its 27 objects, a tenant key sees,
changes and deletes through the door exactly what it may through /api/, and never
another tenant's objects."""

import pytest
from django.urls import resolve

from compat.mirta.objects import OBJECTS
from tests.factories import FACTORIES

TENANT_OWNED = [obj for obj in OBJECTS if obj.name not in ("tenant", "user", "userprofile", "routingprofile")]
PLATFORM = [obj for obj in OBJECTS if obj not in TENANT_OWNED]


def model_of(obj):
    return resolve(f"/api/{obj.resource}/").func.cls.queryset.model


def make(obj, tenant):
    return FACTORIES[model_of(obj)](tenant=tenant)


def api_ids(client, obj):
    response = client.get(f"/api/{obj.resource}/?page_size=1000")
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize("obj", TENANT_OWNED, ids=lambda obj: obj.name)
def test_a_tenant_key_lists_through_the_door_what_it_lists_through_the_api(api, acme, globex, acme_key, obj):
    mine, theirs = make(obj, acme), make(obj, globex)
    door = api(acme_key).get(f"/openapi.php/{obj.plural}")
    assert door.status_code == 200, door.content
    listed = sorted(row["id"] for row in door.json())
    assert listed == api_ids(api(acme_key), obj)
    assert mine.pk in listed and theirs.pk not in listed


@pytest.mark.parametrize("obj", TENANT_OWNED, ids=lambda obj: obj.name)
def test_another_tenants_object_is_not_found_through_the_door(api, acme, globex, acme_key, obj):
    theirs = make(obj, globex)
    response = api(acme_key).get(f"/openapi.php/{obj.name}?id={theirs.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("not_found", "extension_not_found")
    assert api(acme_key).get(f"/api/{obj.resource}/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize("obj", TENANT_OWNED, ids=lambda obj: obj.name)
def test_another_tenants_object_cannot_be_deleted_through_the_door(api, acme, globex, acme_key, obj):
    theirs = make(obj, globex)
    response = api(acme_key).delete(f"/openapi.php/{obj.plural}/{theirs.pk}")
    assert response.status_code == 404
    assert model_of(obj).objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("obj", TENANT_OWNED, ids=lambda obj: obj.name)
def test_another_tenants_object_cannot_be_changed_through_the_door(api, acme, globex, acme_key, obj):
    theirs = make(obj, globex)
    before = model_of(obj).objects.get(pk=theirs.pk).updated_at
    response = api(acme_key).patch(f"/openapi.php/{obj.plural}/{theirs.pk}", {}, format="json")
    assert response.status_code == 404
    assert model_of(obj).objects.get(pk=theirs.pk).updated_at == before


@pytest.mark.parametrize("obj", TENANT_OWNED, ids=lambda obj: obj.name)
def test_naming_another_tenant_answers_tenant_not_found(api, acme, globex, acme_key, obj):
    response = api(acme_key).get(f"/openapi.php/{obj.plural}?tenant=GLOBEX")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"


@pytest.mark.parametrize("obj", PLATFORM, ids=lambda obj: obj.name)
def test_a_tenant_key_is_refused_the_platform_objects_as_through_the_api(api, acme_key, obj):
    door = api(acme_key).get(f"/openapi.php/{obj.plural}")
    assert door.status_code == api(acme_key).get(f"/api/{obj.resource}/").status_code == 403


@pytest.mark.parametrize("obj", PLATFORM, ids=lambda obj: obj.name)
def test_a_tenant_key_cannot_create_platform_objects_through_the_door(api, acme_key, obj):
    count = model_of(obj).objects.count()
    response = api(acme_key).post(f"/openapi.php/{obj.plural}", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert model_of(obj).objects.count() == count


def test_a_read_only_key_cannot_write_through_the_door(api, acme, acme_read_key):
    response = api(acme_read_key).post("/openapi.php/extensions", {"number": "150"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"


def test_a_read_only_key_cannot_delete_through_the_object_form(api, acme, acme_read_key):
    extension = FACTORIES[model_of(OBJECTS[0])](tenant=acme)
    response = api(acme_read_key).delete(
        f"/openapi.php?object=extension&action=delete&objectid={extension.pk}"
    )
    assert response.status_code == 403
    assert model_of(OBJECTS[0]).objects.filter(pk=extension.pk).exists()


def test_a_global_key_lists_every_tenants_extensions_without_tenant(api, acme, globex, admin_key):
    ids = {make(OBJECTS[0], acme).pk, make(OBJECTS[0], globex).pk}
    listed = {row["id"] for row in api(admin_key).get("/openapi.php/extensions").json()}
    assert ids <= listed


def test_a_global_key_with_tenant_lists_that_tenants_extensions_only(api, acme, globex, admin_key):
    mine, theirs = make(OBJECTS[0], acme), make(OBJECTS[0], globex)
    listed = {row["id"] for row in api(admin_key).get("/openapi.php/extensions?tenant=ACME").json()}
    assert mine.pk in listed and theirs.pk not in listed


def test_a_read_only_key_lists_and_reads_through_the_door(api, acme, acme_read_key):
    extension = make(OBJECTS[0], acme)
    assert [row["id"] for row in api(acme_read_key).get("/openapi.php/extensions").json()] == [extension.pk]
    assert api(acme_read_key).get(f"/openapi.php/extension?id={extension.pk}").json()["ex_id"] == str(
        extension.pk
    )
