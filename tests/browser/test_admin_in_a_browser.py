"""The admin as people use it, in headless Chromium against a live server."""

import pytest
from django.utils import timezone

from apikeys import roles
from extensions.models import Extension
from pbx.models import ChangeLog, Destination
from routing import callpath
from tests.browser.conftest import log_in
from tests.factories import DIDFactory, ExtensionFactory, IVRFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_creates_a_tenant_and_an_extension_and_sees_the_history(page, live_server):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    log_in(page, live_server, "root")

    page.goto(f"{live_server.url}/admin/tenants/tenant/add/")
    page.fill("#id_code", "NEWCO")
    page.fill("#id_name", "New Company")
    page.fill("#id_sip_domain", "newco.pbx.test")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was added successfully")

    page.goto(f"{live_server.url}/admin/extensions/extension/add/")
    page.select_option("#id_tenant", label="NEWCO")
    page.fill("#id_number", "100")
    page.fill("#id_name", "Reception")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was added successfully")
    extension = Extension.objects.get(tenant__code="NEWCO", number="100")

    page.goto(f"{live_server.url}/admin/extensions/extension/{extension.pk}/change/")
    page.fill("#id_name", "Front desk")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")

    page.goto(f"{live_server.url}/admin/extensions/extension/{extension.pk}/history/")
    table = page.locator("#change-history")
    update = table.locator("tr.change-update", has_text="name")
    assert "Reception" in update.locator("td.before").inner_text()
    assert "Front desk" in update.locator("td.after").inner_text()
    assert table.locator("tr.change-create").count() > 0
    assert ChangeLog.objects.filter(object_type="extension", source="admin", actor_name="root").count() == 2


def test_a_tenant_admin_sees_only_its_tenant_and_cannot_open_another_by_url(page, live_server):
    acme, globex = TenantFactory(code="ACME"), TenantFactory(code="GLOBEX")
    UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    ExtensionFactory(tenant=acme, number="100", name="AcmeDesk")
    theirs = ExtensionFactory(tenant=globex, number="200", name="GlobexDesk")
    log_in(page, live_server, "acme-admin")

    page.goto(f"{live_server.url}/admin/extensions/extension/")
    listing = page.locator("#result_list").inner_text()
    assert "AcmeDesk" in listing and "GlobexDesk" not in listing

    page.goto(f"{live_server.url}/admin/extensions/extension/{theirs.pk}/change/")
    assert page.url.rstrip("/").endswith("/admin")
    assert "Perhaps it was deleted" in page.locator(".messagelist").inner_text()
    assert "GlobexDesk" not in page.content()

    page.goto(f"{live_server.url}/admin/")
    assert page.locator("text=Resellers").count() == 0


def test_an_admin_picks_an_ivr_option_by_name_and_the_route_tool_follows_it(page, live_server):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    acme = TenantFactory(code="ACME")
    menu = IVRFactory(tenant=acme, name="Main menu")
    reception = ExtensionFactory(tenant=acme, number="100", name="Reception")
    log_in(page, live_server, "root")

    page.goto(f"{live_server.url}/admin/routing/ivr/{menu.pk}/change/")
    slot = page.locator('tr.pbx-slot[data-slot="IVR_1"]')
    slot.locator(".pbx-dest-add").click()
    slot.locator(".pbx-dest-type").select_option(label="extension")
    slot.locator(".pbx-dest-search").fill("Reception")
    slot.locator(".pbx-dest-result", has_text="extension 100 (Reception)").click()
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")

    option = Destination.objects.get(owner_type="routing.ivr", owner_id=menu.pk)
    assert (option.slot, option.target_type, option.target_id) == ("IVR_1", "EXT", reception.pk)
    did = DIDFactory(tenant=acme)
    Destination.objects.create(
        tenant=acme,
        owner_type="routing.did",
        owner_id=did.pk,
        slot="DID",
        position=0,
        target_type="IVR",
        target_id=menu.pk,
    )
    answer = callpath.route(did, timezone.now(), digits="1")
    assert answer["terminal"]["destination"] == f"EXT-{reception.pk}"
