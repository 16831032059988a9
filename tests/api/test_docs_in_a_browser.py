"""The API docs pages in a real browser (Playwright driving Debian's Chromium): they render
the schema from this server alone and make no request to any other host.

The server is reached under a public-looking name, not localhost: Swagger UI, for one,
only calls home (its online validator badge) when the schema is not on localhost.
"""

from urllib.parse import urlsplit

import pytest

from tests.chromium import DOCS_HOST

HOST = DOCS_HOST  # resolved to the live server by Chromium itself (tests/chromium.py)

# The pages are static files and the schema; the database under them changes nothing
# that a browser renders or fetches, so the CI's SQLite pass leaves them to PostgreSQL's
# (its longest tests: Redoc lays out every operation).
pytestmark = pytest.mark.same_on_every_database

PAGES = {
    "swagger-ui": ("/api/docs/", ".opblock"),  # one block per operation, once the schema is in
    "redoc": ("/api/redoc/", "[role=menuitem]"),  # one menu item per tag or operation
}


@pytest.mark.parametrize(("path", "rendered"), PAGES.values(), ids=PAGES.keys())
def test_the_docs_page_renders_with_no_request_to_another_host(
    browser, live_server, settings, path, rendered
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    base = f"http://{HOST}:{urlsplit(live_server.url).port}"
    context = browser.new_context()
    page = context.new_page()
    # Redoc lays out every operation before it shows one: with 300 and more, on a busy
    # 2-core machine, that took over 20 s once.
    page.set_default_timeout(90_000)
    outside, local = [], []

    def only_this_server(route):
        if urlsplit(route.request.url).hostname == HOST:
            local.append(route.request.url)
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    attempted = []
    page.on("request", lambda request: attempted.append(request.url))
    try:
        page.route("**/*", only_this_server)
        response = page.goto(base + path)
        assert response.status == 200
        page.wait_for_selector(rendered)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert outside == [], "requests left for other hosts"
    # The page's Content-Security-Policy stops an attempt inside the browser, before the
    # network (and the check above): even a blocked attempt is a request the docs promise
    # not to make.
    assert [url for url in attempted if urlsplit(url).hostname not in (HOST, None)] == []
    assert any("/api/schema/" in url for url in local), "the page did not load the schema"
