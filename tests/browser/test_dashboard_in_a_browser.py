"""The admin's dashboard and the start page in headless Chromium: a tenant administrator's
figures equal what /api/cdrs/stats/ answers to its own key, the platform's dashboard lists
the tenants with a link to each one's, and the start page links the admin, the API docs
and the health check. Screenshots are kept as artefacts (PBX_TEST_ARTEFACTS, by default
var/test-artefacts/)."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from apikeys import roles
from pbx.admin_dashboard import day_start, stats_time_zone
from tests.browser.conftest import log_in
from tests.factories import ApiKeyFactory, CallRecordFactory, ChangeLogFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def artefact(name):
    folder = Path(os.environ.get("PBX_TEST_ARTEFACTS") or settings.VAR_DIR / "test-artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def some_calls(tenant, count, answered):
    now = timezone.now()
    for index in range(count):
        CallRecordFactory(
            tenant=tenant,
            start=now - datetime.timedelta(minutes=index * 17),  # spread over a few hours
            disposition="ANSWERED" if index < answered else "BUSY",
        )


@pytest.fixture
def tenants(db):
    acme = TenantFactory(code="ACME", name="Acme Inc")
    globex = TenantFactory(code="GLOBEX", name="Globex Corp")
    some_calls(acme, 9, answered=6)
    some_calls(globex, 4, answered=1)
    ChangeLogFactory(tenant=acme, tenant_code="ACME", actor_name="alice", object_label="Reception desk")
    return acme, globex


def text(page, selector):
    return page.locator(selector).inner_text().strip()


def test_a_tenant_administrators_dashboard_shows_the_apis_figures(page, live_server, tenants):
    acme, _globex = tenants
    operator = UserFactory(username="operator", role=roles.MINOR_ADMIN, tenants=[acme])
    key = ApiKeyFactory(owner=operator, tenant=acme, name="operator's key")
    log_in(page, live_server, "operator")
    expect(page.locator("#dashboard-title")).to_contain_text("Tenant ACME")

    today = day_start(timezone.now(), stats_time_zone()).isoformat()
    headers = {"X-API-Key": key.key}
    stats = page.request.get(
        f"{live_server.url}/api/cdrs/stats/", params={"start__gte": today}, headers=headers
    )
    assert stats.ok, stats.text()
    expected = stats.json()
    assert text(page, "#figure-calls-today .figure") == str(expected["calls"])
    assert text(page, "#figure-answered-today .figure") == str(expected["answered"])
    last_day = page.request.get(
        f"{live_server.url}/api/cdrs/stats/", params={"cdr_hours": "24"}, headers=headers
    )
    bars = page.locator("#calls-per-hour li")
    expect(bars).to_have_count(24)
    shown = {int(bar.get_attribute("data-hour")): int(bar.get_attribute("data-calls")) for bar in bars.all()}
    assert shown == {item["key"]: item["calls"] for item in last_day.json()["distribution"]}
    expect(page.locator("#recent-changes")).to_contain_text("alice")
    assert "GLOBEX" not in page.content()
    page.screenshot(path=artefact("admin-dashboard-tenant.png"), full_page=True)


def test_the_platforms_dashboard_lists_each_tenant_and_opens_its_dashboard(page, live_server, tenants):
    UserFactory(username="platform", role=roles.ADMIN)
    log_in(page, live_server, "platform")
    rows = page.locator("#tenant-rows .tenant-row")
    expect(rows).to_have_count(2)
    assert text(page, "#tenant-rows [data-tenant=GLOBEX] .calls") == "4"
    page.screenshot(path=artefact("admin-dashboard-platform.png"), full_page=True)
    page.click("#tenant-rows a >> text=GLOBEX")
    expect(page.locator("#dashboard-title")).to_contain_text("Tenant GLOBEX")
    assert text(page, "#figure-calls-today .figure") == "4"


def test_the_start_page_links_the_admin_the_api_docs_and_the_health_check(page, live_server, db):
    page.goto(f"{live_server.url}/", wait_until="load")
    links = [link.get_attribute("href") for link in page.locator("a").all()]
    for path in ("/admin/", "/api/docs/", "/health/"):
        assert f"{live_server.url}{path}" in links
    page.screenshot(path=artefact("start-page.png"), full_page=True)
    page.click(f"a[href='{live_server.url}/health/']")
    assert '"status"' in page.content()
