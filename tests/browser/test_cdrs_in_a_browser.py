"""The CDR admin's last-24-hours page in headless Chromium: the chart draws, from our
server alone."""

from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in
from tests.factories import CallRecordFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_last_24_hours_chart_draws_a_bar_per_hour_with_no_outside_request(page, live_server):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    tenant = TenantFactory(code="ACME")
    CallRecordFactory.create_batch(3, tenant=tenant, start=timezone.now())
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    log_in(page, live_server, "root")

    page.goto(f"{live_server.url}/admin/cdrs/callrecord/tenant/ACME/last-24-hours/")

    bars = page.locator("#calls-per-hour g.hour")
    assert bars.count() == 24
    assert bars.last.get_attribute("data-calls") == "3"
    assert page.locator("#calls-per-hour rect.calls").last.bounding_box()["height"] > 100
    assert hosts == {urlsplit(live_server.url).netloc}
