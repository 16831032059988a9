"""Every model admin whose API resource imports and exports CSV has the import page and
the export, with no code of its own (pbx.admin_csv in the kernel's RoleAwareAdmin); the
others have neither. Generated from the admin site."""

import pytest
from django.contrib import admin

from apikeys import roles
from pbx.admin import RoleAwareAdmin
from pbx.admin_csv import viewset_for
from tests.factories import UserFactory


def admins(importable):
    found = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, RoleAwareAdmin) and (viewset_for(model) is not None) == importable:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            found.append(pytest.param(model_admin, url, id=model._meta.label))
    return found


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", role=roles.ADMIN, is_staff=True)


@pytest.mark.parametrize(("model_admin", "url"), admins(importable=True))
def test_an_importable_models_list_links_its_import_and_export(client, operator, acme, model_admin, url):
    client.force_login(operator)
    response = client.get(url)
    may_add = model_admin.has_add_permission(response.wsgi_request)
    assert (f'href="{url}import/"' in response.content.decode()) == may_add
    assert f'href="{url}export/?' in response.content.decode()
    assert client.get(f"{url}import/").status_code == (200 if may_add else 403)
    exported = client.get(f"{url}export/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(("model_admin", "url"), admins(importable=False))
def test_a_model_without_csv_has_no_import_nor_export(client, operator, model_admin, url):
    client.force_login(operator)
    assert client.get(f"{url}import/").status_code in (403, 404)
    assert client.get(f"{url}export/").status_code in (403, 404)
