"""A tenant administrator, created through the API, in headless Chromium: it logs into the
admin, picks its tenant's users (and only them) for an extension, and never sees the SIP
password."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from apikeys import roles
from extensions.models import Extension
from tests.browser.conftest import log_in
from tests.factories import ApiKeyFactory, ExtensionFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tenant_admin_created_through_the_api_picks_only_its_tenants_users(page, live_server):
    acme, globex = TenantFactory(code="ACME"), TenantFactory(code="GLOBEX")
    admin_key = ApiKeyFactory(owner=UserFactory(username="platform", role=roles.ADMIN))
    created = APIClient().post(
        "/api/users/",
        {
            "username": "operator",
            "password": "correct horse battery staple",
            "role": "minor_admin_api",
            "tenants": ["ACME"],
        },
        format="json",
        HTTP_X_API_KEY=admin_key.key,
    )
    assert created.status_code == 201, created.content
    member = UserFactory(username="acme-person", role=roles.USER, tenants=[acme])
    UserFactory(username="globex-person", role=roles.USER, tenants=[globex])
    UserFactory(username="root-person", is_superuser=True, is_staff=True, tenants=[acme])
    extension = ExtensionFactory(tenant=acme, number="100", name="Reception", password="sip-secret-4471")

    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/admin/extensions/extension/{extension.pk}/change/")
    assert page.locator("#id_password").get_attribute("type") == "password"
    assert page.locator("#id_password").input_value() == ""
    assert "sip-secret-4471" not in page.content()

    page.click("#id_user + .select2 .select2-selection")
    page.fill(".select2-search__field", "person")
    # Retried until the search answers: the tenant's member only, no other tenant's
    # user, no superuser.
    expect(page.locator(".select2-results__option")).to_have_text(["acme-person"])
    page.click(".select2-results__option >> text=acme-person")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")

    extension = Extension.objects.get(pk=extension.pk)
    assert extension.user == member
    assert extension.password == "sip-secret-4471"  # left blank: kept
