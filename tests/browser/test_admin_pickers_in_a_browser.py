"""A tenant administrator builds a call path in the admin by picking names, in headless
Chromium against a live server: DID -> schedule -> IVR -> hunt list / voicemail, with no
id typed anywhere, then checked with the DID's route tool; what was saved is what the
API returns; no picker or autocomplete offers the other tenant's objects of the same names; codecs and the week grid come back
as they were set. Screenshots of the main pages are kept as test artefacts
(PBX_TEST_ARTEFACTS, by default var/test-artefacts/)."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from apikeys import roles
from extensions.models import Extension
from routing.models import DID, IVR, HuntList, Schedule
from tests.browser.conftest import log_in
from tests.factories import (
    DIDFactory,
    ExtensionFactory,
    HuntListFactory,
    IVRFactory,
    OutboundRouteFactory,
    ScheduleFactory,
    TagFactory,
    TenantFactory,
    UserFactory,
    VoicemailFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def artefact(name):
    folder = Path(os.environ.get("PBX_TEST_ARTEFACTS") or settings.VAR_DIR / "test-artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture
def two_tenants():
    """ACME, whose administrator works here, and GLOBEX with objects of the same names."""
    acme, globex = TenantFactory(code="ACME"), TenantFactory(code="GLOBEX")
    admin = UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    for tenant, number in ((acme, "600"), (globex, "700")):
        reception = ExtensionFactory(tenant=tenant, number="100", name="Reception")
        VoicemailFactory(tenant=tenant, mailbox=reception.number, name="Reception", extension=reception)
        HuntListFactory(tenant=tenant, number=number, name="Sales")
    IVRFactory(tenant=globex, name="Main menu")
    ScheduleFactory(tenant=globex, name="Office hours")
    DIDFactory(tenant=globex, number="+441234567890")
    return acme, globex, admin


def pick(page, slot, type_label, search, label):
    """Add a row to `slot`, choose its type and pick the target whose label is `label`
    among what searching `search` offers; returns the labels offered."""
    row_of_slot = page.locator(f'tr.pbx-slot[data-slot="{slot}"]')
    if not row_of_slot.is_visible():
        page.locator(".pbx-more-slots summary").click()  # an empty slot, folded away
    row_of_slot.locator(".pbx-dest-add").click()
    row = row_of_slot.locator(".pbx-dest-row").last
    row.locator(".pbx-dest-type").select_option(label=type_label)
    row.locator(".pbx-dest-search").fill(search)
    results = row.locator(".pbx-dest-result")
    expect(results.first).to_be_visible()
    offered = results.all_inner_texts()
    results.filter(has_text=re.compile(f"^{re.escape(label)}$")).click()
    expect(row.locator(".pbx-dest-search")).to_have_value(label)
    return offered


def save(page, button="_continue"):
    page.click(f"input[name={button}]")
    expect(page.locator(".messagelist")).to_contain_text("successfully")


def test_a_tenant_admin_builds_a_call_path_by_picking_names(page, live_server, two_tenants):
    acme, _globex, admin = two_tenants
    log_in(page, live_server, "acme-admin")

    # The IVR: key 1 to the hunt list Sales, a timeout to voicemail 100 (Reception).
    page.goto(f"{live_server.url}/admin/routing/ivr/add/")
    page.select_option("#id_tenant", label="ACME")
    page.fill("#id_name", "Main menu")
    offered = pick(page, "IVR_1", "hunt list", "Sales", "hunt list 600 (Sales)")
    assert offered == ["hunt list 600 (Sales)"]  # not GLOBEX's hunt list 700 (Sales)
    offered = pick(page, "IVR_TIMEOUT", "voicemail", "Reception", "voicemail 100 (Reception)")
    assert offered == ["voicemail 100 (Reception)"]
    page.screenshot(path=artefact("admin-pickers-ivr.png"), full_page=True)
    save(page)
    menu = IVR.objects.get(tenant=acme, name="Main menu")

    # The schedule: Monday to Friday 09:00-18:00 on the week grid, Christmas closed;
    # open to the IVR, closed to the voicemail.
    page.goto(f"{live_server.url}/admin/routing/schedule/add/")
    page.select_option("#id_tenant", label="ACME")
    page.fill("#id_name", "Office hours")
    page.locator("#ranges-group .add-row a").click()
    for day in ("mon", "tue", "wed", "thu", "fri"):
        page.check(f'input[name="ranges-0-days"][value="{day}"]')
    page.fill("#id_ranges-0-start", "09:00")
    page.fill("#id_ranges-0-end", "18:00")
    page.locator("#exceptions-group .add-row a").click()
    page.fill("#id_exceptions-0-name", "Christmas")
    page.fill("#id_exceptions-0-start_date", "2026-12-25")
    offered = pick(page, "CONDITION", "IVR", "Main", "IVR Main menu")
    assert offered == ["IVR Main menu"]  # GLOBEX has one of that name too
    pick(page, "NOTCONDITION", "voicemail", "100", "voicemail 100 (Reception)")
    save(page)
    schedule = Schedule.objects.get(tenant=acme, name="Office hours")
    expect(page.locator('input[name="ranges-0-days"]:checked')).to_have_count(5)
    expect(page.locator("#id_ranges-0-start")).to_have_value("09:00")
    expect(page.locator("#id_exceptions-0-start_date")).to_have_value("2026-12-25")
    page.screenshot(path=artefact("admin-pickers-schedule.png"), full_page=True)

    # The DID: its calls to the schedule; its schedule field an autocomplete of ACME's.
    page.goto(f"{live_server.url}/admin/routing/did/add/")
    page.select_option("#id_tenant", label="ACME")
    page.fill("#id_number", "+390212345678")
    page.locator("#id_schedule").locator("xpath=..").locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("Office")
    options = page.locator(".select2-results__option")
    expect(options.first).to_have_text("Office hours")
    assert options.count() == 1  # GLOBEX's "Office hours" is not offered
    options.first.click()
    pick(page, "DID", "schedule", "Office", "schedule Office hours")
    save(page)
    did = DID.objects.get(number="+390212345678")
    page.screenshot(path=artefact("admin-pickers-did.png"), full_page=True)

    # The path built, checked with the DID's route tool: a Tuesday at noon goes through the
    # schedule's open branch to the IVR (its timeout: the voicemail); Christmas is closed.
    page.click("a.route-tool-link")
    page.wait_for_selector("#route-tool-form")
    chain = page.locator("ol.route-chain > li")
    page.fill("#id_at", "2026-12-01T12:00")
    page.click("input[name=_route]")
    expect(chain.first).to_have_attribute("data-type", "DID")
    open_path = [(step.get_attribute("data-type"), step.get_attribute("data-slot")) for step in chain.all()]
    assert open_path == [
        ("DID", "DID"),
        ("CONDITION", "CONDITION"),
        ("IVR", "IVR_TIMEOUT"),
        ("VOICEMAIL", ""),
    ]
    page.fill("#id_at", "2026-12-25T12:00")
    page.click("input[name=_route]")
    expect(chain.nth(1)).to_have_attribute("data-slot", "NOTCONDITION")
    closed_path = [(step.get_attribute("data-type"), step.get_attribute("data-slot")) for step in chain.all()]
    assert closed_path == [("DID", "DID"), ("CONDITION", "NOTCONDITION"), ("VOICEMAIL", "")]
    page.screenshot(path=artefact("admin-pickers-route-tool.png"), full_page=True)

    # The hunt list's page says who uses it, linked.
    page.goto(f"{live_server.url}/admin/routing/huntlist/?q=Sales")
    page.locator("#result_list a", has_text="600").click()
    used_by = page.locator(".pbx-used-by")
    expect(used_by).to_contain_text("IVR Main menu")
    used_by.locator("a", has_text="IVR Main menu").click()
    expect(page.locator("#id_name")).to_have_value("Main menu")

    # What the admin saved is what the API returns, to the same administrator.
    api = Client()
    api.force_login(admin)
    assert api.get(f"/api/dids/{did.pk}/").json()["destinations"]["DID"] == [
        {
            "destination": f"CONDITION-{schedule.pk}",
            "type": "CONDITION",
            "id": schedule.pk,
            "label": "schedule Office hours",
        }
    ]
    assert api.get(f"/api/dids/{did.pk}/").json()["schedule"] == schedule.pk
    schedule_slots = api.get(f"/api/schedules/{schedule.pk}/").json()["destinations"]
    assert [item["label"] for item in schedule_slots["CONDITION"]] == ["IVR Main menu"]
    assert [item["label"] for item in schedule_slots["NOTCONDITION"]] == ["voicemail 100 (Reception)"]
    menu_slots = api.get(f"/api/ivrs/{menu.pk}/").json()["destinations"]
    assert [item["label"] for item in menu_slots["IVR_1"]] == ["hunt list 600 (Sales)"]
    assert [item["label"] for item in menu_slots["IVR_TIMEOUT"]] == ["voicemail 100 (Reception)"]


def test_the_lookups_answer_nothing_of_another_tenant_even_asked_directly(page, live_server, two_tenants):
    acme, globex, _admin = two_tenants
    log_in(page, live_server, "acme-admin")
    search = f"{live_server.url}/admin/pbx/destination-targets/?type=HUNTLIST&q=Sales&tenant="
    theirs = page.goto(search + str(globex.pk))
    assert theirs.status == 404 and "Sales" not in page.content()
    mine = page.goto(search + str(acme.pk))
    assert mine.json() == {
        "results": [{"id": HuntList.objects.get(tenant=acme).pk, "label": "hunt list 600 (Sales)"}]
    }
    autocomplete = page.goto(
        f"{live_server.url}/admin/autocomplete/?app_label=routing&model_name=huntlistmember"
        "&field_name=extension&term=Reception"
    )
    assert [item["text"] for item in autocomplete.json()["results"]] == ["100 Reception"]
    tags = page.goto(f"{live_server.url}/admin/pbx/tag-names/?tenant={globex.pk}")
    assert tags.status == 404


def test_codecs_keep_the_order_chosen(page, live_server, two_tenants):
    acme, _globex, _admin = two_tenants
    extension = Extension.objects.get(tenant=acme, number="100")
    log_in(page, live_server, "acme-admin")
    page.goto(f"{live_server.url}/admin/extensions/extension/{extension.pk}/change/")
    widget = page.locator(".pbx-ordered")
    widget.locator(".pbx-ordered-available").select_option(["alaw", "g722"])
    widget.locator(".pbx-ordered-add").click()
    widget.locator(".pbx-ordered-chosen").select_option(["g722"])
    widget.locator(".pbx-ordered-up").click()
    for slot in ("EXT-BUSY", "EXT-NOANSWER", "EXT-UNAVAILABLE"):
        expect(page.locator(f'tr.pbx-slot[data-slot="{slot}"]')).to_be_visible()
    pick(page, "EXT-BUSY", "voicemail", "Reception", "voicemail 100 (Reception)")
    page.screenshot(path=artefact("admin-pickers-extension.png"), full_page=True)
    save(page)
    extension.refresh_from_db()
    assert extension.codecs == ["g722", "alaw"]
    chosen = page.locator(".pbx-ordered-chosen option")
    expect(chosen).to_have_text(["g722", "alaw"])
    expect(page.locator('tr.pbx-slot[data-slot="EXT-BUSY"] .pbx-dest-search')).to_have_value(
        "voicemail 100 (Reception)"
    )


def test_a_dial_pattern_is_checked_as_it_is_typed(page, live_server, two_tenants):
    acme, _globex, _admin = two_tenants
    route = OutboundRouteFactory(tenant=acme)
    log_in(page, live_server, "acme-admin")
    page.goto(f"{live_server.url}/admin/routing/outboundroute/{route.pk}/change/")
    page.locator("#patterns-group .add-row a").click()
    pattern = page.locator("#id_patterns-0-match")
    note = page.locator("#patterns-group .pbx-pattern-check").first
    pattern.fill("_00Q.")
    expect(note).to_contain_text("X (any digit)")
    pattern.fill("_00X.")
    expect(note).to_have_text("\u2713 Valid.")


def test_tags_are_suggested_from_the_tenants_own(page, live_server, two_tenants):
    acme, globex, admin = two_tenants
    TagFactory(tenant=acme, name="vip")
    TagFactory(tenant=globex, name="vip-globex")
    hunt = HuntList.objects.get(tenant=acme)
    log_in(page, live_server, "acme-admin")
    page.goto(f"{live_server.url}/admin/routing/huntlist/{hunt.pk}/change/")
    page.locator("#id_tags").press_sequentially("vi")
    suggestions = page.locator(".pbx-tag-result")
    expect(suggestions).to_have_text(["vip"])
    suggestions.first.click()
    expect(page.locator("#id_tags")).to_have_value("vip, ")
    save(page)
    api = Client()
    api.force_login(admin)
    assert api.get(f"/api/hunt-lists/{hunt.pk}/").json()["tags"] == ["vip"]
