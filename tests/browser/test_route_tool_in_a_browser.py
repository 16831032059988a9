"""The route tools in headless Chromium, as a tenant administrator: from a DID's page, where
a call goes while the office is open (through the IVR to the hunt list and its members)
and once it has closed (the schedule's other branch, voicemail); from an outbound
route's page, which route and trunks a number dialled from an extension takes. Screenshots
are kept as artefacts (PBX_TEST_ARTEFACTS)."""

import pytest
from playwright.sync_api import expect

from apikeys import roles
from tests.admin.test_route_tool import office_line
from tests.browser.conftest import log_in
from tests.browser.test_dashboard_in_a_browser import artefact
from tests.factories import (
    ApiKeyFactory,
    ExtensionFactory,
    OutboundRouteFactory,
    TenantFactory,
    TrunkFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme(db):
    return TenantFactory(code="ACME", name="Acme Inc")


@pytest.fixture
def operator(acme):
    return UserFactory(username="operator", role=roles.MINOR_ADMIN, tenants=[acme])


def steps(page):
    chain = page.locator("ol.route-chain > li")
    return [(item.get_attribute("data-type"), item.get_attribute("data-slot")) for item in chain.all()]


def ask(page, at):
    page.fill("#id_at", at)
    page.click("input[name=_route]")
    page.wait_for_selector("#route-answer")


def test_the_did_route_tool_shows_the_chain_open_and_closed(page, live_server, acme, operator):
    line = office_line(ApiKeyFactory(owner=operator, tenant=acme).key)
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/admin/routing/did/{line['did']}/change/")
    page.click("a.route-tool-link")
    page.wait_for_selector("#route-tool-form")

    ask(page, "2026-03-27T09:30")  # a Friday morning (UTC): open in Rome
    assert steps(page) == [
        ("DID", "DID"),
        ("CONDITION", "CONDITION"),
        ("IVR", "IVR_TIMEOUT"),
        ("HUNTLIST", ""),
    ]
    expect(page.locator("li.step-huntlist .members li")).to_have_text(["101 Alice", "102 Bob"])
    page.screenshot(path=artefact("admin-route-tool-open.png"), full_page=True)

    ask(page, "2026-03-27T19:30")  # the same evening: closed
    assert steps(page)[1:] == [("CONDITION", "NOTCONDITION"), ("VOICEMAIL", "")]
    page.screenshot(path=artefact("admin-route-tool-closed.png"), full_page=True)

    page.click("li.step-condition a")  # each step links its object's page
    expect(page.locator("#content h2, #content h1").first).to_be_visible()
    assert f"/admin/routing/schedule/{line['hours']}/change/" in page.url


def test_the_outbound_route_tool_shows_the_route_trunks_and_number_dialled(page, live_server, acme, operator):
    carrier, backup = TrunkFactory(name="carrier-a"), TrunkFactory(name="carrier-b")
    carrier.tenants.add(acme)
    backup.tenants.add(acme)
    route = OutboundRouteFactory(tenant=acme, name="National")
    route.patterns.create(match="_0ZX.", strip=1, prepend="+39")
    route.route_trunks.create(trunk=carrier, position=0)
    route.route_trunks.create(trunk=backup, position=1)
    extension = ExtensionFactory(tenant=acme, number="100", name="Front desk")
    log_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/admin/routing/outboundroute/{route.pk}/change/")
    page.click("a.route-tool-link")
    page.select_option("#id_extension", str(extension.pk))
    page.fill("#id_number", "02 1234 5678")
    page.click("input[name=_match]")
    expect(page.locator("#match-route")).to_have_text("National")
    expect(page.locator("#match-number-sent")).to_have_text("+39212345678")
    expect(page.locator("#match-trunks li")).to_have_count(2)
    assert page.locator("#match-trunks li").first.inner_text().startswith("carrier-a")
    expect(page.locator("#this-route")).to_have_text("This route takes the call.")
    page.screenshot(path=artefact("admin-outbound-route-tool.png"), full_page=True)
