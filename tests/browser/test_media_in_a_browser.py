"""The admin's audio player in headless Chromium: the media file page has an `<audio>`
element whose source serves the stored bytes, and the browser reads it as audio."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import MediaFileFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_media_file_page_plays_the_stored_audio(page, live_server):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    media_file = MediaFileFactory(tenant=TenantFactory(code="ACME"))
    media_file.file.open("rb")
    stored = media_file.file.read()
    log_in(page, live_server, "root")

    page.goto(f"{live_server.url}/admin/media/mediafile/{media_file.pk}/change/")
    source = page.locator("audio[controls]").get_attribute("src")
    fetched = page.request.get(f"{live_server.url}{source}")
    assert fetched.status == 200 and fetched.headers["content-type"] == "audio/wav"
    assert fetched.body() == stored

    # The browser itself loads and decodes it: a one-second tone.
    page.wait_for_function("document.querySelector('audio').readyState >= 1")
    assert page.evaluate("document.querySelector('audio').duration") == pytest.approx(1.0, abs=0.05)
