"""Debian's Chromium under Playwright, headless, for the tests that need a real browser.
One browser per test session (the `browser` fixture in tests/conftest.py): Playwright's
sync API cannot run two at once.

.ci/run installs Chromium with apt-get. Without it those tests fail in CI and are
skipped, saying why, on a developer's machine.
"""

import contextlib
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_HOST = "docs.pbx.test"
# Flags for a closed network: no background fetches, updates or sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The docs test reaches the live server under a public-looking name (see there).
    f"--host-resolver-rules=MAP {DOCS_HOST} 127.0.0.1",
]


@contextlib.contextmanager
def launch_chromium():
    """Yield a launched Playwright browser; fail (CI) or skip (elsewhere) without Chromium."""
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
