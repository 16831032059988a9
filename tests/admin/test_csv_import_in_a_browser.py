"""The admin's CSV import in a real browser (Playwright driving Debian's Chromium): a tenant
administrator uploads a spreadsheet, reads the preview, confirms, and finds its
extensions in the list; the list's export then downloads them. The preview's screenshot is
kept as a test artefact (PBX_TEST_ARTEFACTS, by default var/test-artefacts/)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apikeys import roles
from extensions.models import Extension
from pbx.models import ChangeLog, Destination
from tests.browser.conftest import log_in
from tests.factories import ExtensionFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SPREADSHEET = (
    "number,name,ring_timeout,destinations.EXT-BUSY\r\n"
    "100,Front desk,25,HANGUP\r\n"
    "101,Bob,20,\r\n"
    "102,Carol,20,\r\n"
)


def artefact(name):
    folder = Path(os.environ.get("PBX_TEST_ARTEFACTS") or settings.VAR_DIR / "test-artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_a_tenant_administrator_previews_confirms_and_finds_its_imported_extensions(page, live_server):
    acme, globex = TenantFactory(code="ACME"), TenantFactory(code="GLOBEX")
    UserFactory(username="acme-admin", role=roles.MINOR_ADMIN, tenants=[acme], is_staff=True)
    ExtensionFactory(tenant=acme, number="100", name="Reception")
    ExtensionFactory(tenant=globex, number="101", name="GlobexDesk")  # another tenant's 101
    log_in(page, live_server, "acme-admin")

    page.goto(f"{live_server.url}/admin/extensions/extension/")
    page.click("a.csv-import")
    page.set_input_files(
        "#id_file", {"name": "phones.csv", "mimeType": "text/csv", "buffer": SPREADSHEET.encode()}
    )
    page.select_option("#id_on_duplicate", "update")
    page.click("input[name=_preview]")

    preview = page.locator("#csv-preview tbody tr")
    expect(preview).to_have_count(3)
    expect(preview.nth(0)).to_contain_text("updated")
    expect(preview.nth(1)).to_contain_text("created")
    expect(page.locator("#csv-refused")).to_have_text("0")
    page.screenshot(path=artefact("admin-csv-import-preview.png"), full_page=True)
    assert Extension.objects.filter(tenant=acme).count() == 1  # the preview wrote nothing

    page.click("input[name=_confirm]")
    expect(page.locator(".messagelist")).to_contain_text("3 rows imported: 2 created, 1 updated.")
    listing = page.locator("#result_list")
    for name in ("Front desk", "Bob", "Carol"):
        expect(listing).to_contain_text(name)
    assert "GlobexDesk" not in listing.inner_text()
    page.screenshot(path=artefact("admin-csv-import-done.png"), full_page=True)

    imported = {e.number: e for e in Extension.objects.filter(tenant=acme)}
    assert sorted(imported) == ["100", "101", "102"]
    assert (imported["100"].name, imported["100"].ring_timeout) == ("Front desk", 25)
    busy = Destination.objects.get(owner_type="extensions.extension", owner_id=imported["100"].pk)
    assert (busy.slot, busy.target_type) == ("EXT-BUSY", "HANGUP")
    assert Extension.objects.get(tenant=globex).name == "GlobexDesk"
    assert (
        ChangeLog.objects.filter(object_type="extension", source="admin", actor_name="acme-admin").count()
        == 3
    )

    with page.expect_download() as download:
        page.click("a.csv-export")
    exported = Path(download.value.path()).read_text()
    assert exported.splitlines()[0].startswith("id,tenant,number,name,")
    assert len(exported.splitlines()) == 4 and "GLOBEX" not in exported
