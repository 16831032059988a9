"""A real browser for the admin: Playwright driving Debian's Chromium (tests/chromium.py)."""

import pytest


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, live_server, username, password="correct horse battery staple"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
