"""The admin's dashboard at /admin/: a tenant administrator's figures are the API's for the
same user (calls today and answered from /api/cdrs/stats/, phones from
/api/extensions/?registered=true), another tenant's never count, the platform gets a
row per tenant, and the page costs the same number of queries whatever the number of
tenants."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pbx.admin_dashboard import day_start, stats_time_zone
from switch.models import Registration
from tests.factories import (
    CallRecordFactory,
    ChangeLogFactory,
    DeliveryFactory,
    ExtensionFactory,
    TenantFactory,
    WebhookFactory,
)


def figure(html, element_id):
    match = re.search(rf'id="{element_id}"><span class="figure">([^<]*)</span>', html)
    assert match, f"no figure {element_id}"
    return match.group(1)


def calls(tenant, count, *, answered, at):
    for index in range(count):
        CallRecordFactory(
            tenant=tenant,
            start=at - datetime.timedelta(minutes=index),
            disposition="ANSWERED" if index < answered else "NO ANSWER",
        )


def register(extension, *, expires_in=3600):
    Registration.objects.create(
        ruid=f"ruid-{extension.pk}-{expires_in}",
        username=extension.sip_username or extension.number,
        domain=extension.tenant.sip_domain,
        contact=f"sip:{extension.number}@192.0.2.10:5062",
        expires=timezone.now() + datetime.timedelta(seconds=expires_in),
    )


@pytest.fixture
def busy_day(acme, globex):
    """Calls of today and yesterday in both tenants, and phones registered in both."""
    now = timezone.now()
    calls(acme, 5, answered=3, at=now - datetime.timedelta(minutes=1))
    calls(acme, 2, answered=2, at=now - datetime.timedelta(hours=30))  # before today
    calls(globex, 4, answered=1, at=now - datetime.timedelta(minutes=1))
    acme_phones = [ExtensionFactory(tenant=acme, number=str(100 + n)) for n in range(3)]
    register(acme_phones[0])
    register(acme_phones[1], expires_in=-60)  # expired: Kamailio's row, no registration
    register(ExtensionFactory(tenant=globex, number="100"))
    return now


def api(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_tenant_admins_call_figures_are_the_apis(client, acme_admin, busy_day):
    client.force_login(acme_admin)
    today = day_start(timezone.now(), stats_time_zone()).isoformat()
    expected = api(client, "/api/cdrs/stats/", start__gte=today)
    html = client.get("/admin/").content.decode()
    assert figure(html, "figure-calls-today") == str(expected["calls"])
    assert figure(html, "figure-answered-today") == str(expected["answered"])
    assert f'data-ratio="{expected["answer_seizure_ratio"]}"' in html
    if busy_day.astimezone(stats_time_zone()).hour > 0:  # the minute-old calls are today's
        assert expected["calls"] == 5 and expected["answered"] == 3


def test_the_last_24_hours_per_hour_are_the_apis(client, acme_admin, busy_day):
    client.force_login(acme_admin)
    expected = api(client, "/api/cdrs/stats/", cdr_hours=24)
    html = client.get("/admin/").content.decode()
    bars = {
        int(hour): (int(count), int(answered))
        for hour, count, answered in re.findall(
            r'data-hour="(\d+)" data-calls="(\d+)" data-answered="(\d+)"', html
        )
    }
    assert bars == {item["key"]: (item["calls"], item["answered"]) for item in expected["distribution"]}
    assert sum(count for count, _ in bars.values()) == expected["calls"] == 5
    # The chart ends with the current hour.
    last = re.findall(r'data-hour="(\d+)"', html)[-1]
    assert int(last) == busy_day.astimezone(stats_time_zone()).hour


def test_registered_phones_are_the_apis_registered_extensions(client, acme_admin, busy_day):
    client.force_login(acme_admin)
    registered = api(client, "/api/extensions/", registered="true")["count"]
    extensions = api(client, "/api/extensions/")["count"]
    html = client.get("/admin/").content.decode()
    assert figure(html, "figure-registered") == str(registered) == "1"
    assert f"of {extensions} extensions" in html


def test_another_tenants_changes_and_webhooks_stay_out(client, acme_admin, acme, globex):
    ChangeLogFactory(tenant=acme, tenant_code="ACME", actor_name="alice", object_label="Reception desk")
    ChangeLogFactory(tenant=globex, tenant_code="GLOBEX", actor_name="mallory", object_label="Globex lobby")
    acme_hook = WebhookFactory(tenant=acme, url="https://crm.acme.example/hooks")
    DeliveryFactory(tenant=acme, webhook=acme_hook, status="dead", tries=5)
    globex_hook = WebhookFactory(tenant=globex, url="https://crm.globex.example/hooks")
    DeliveryFactory(tenant=globex, webhook=globex_hook, status="dead", tries=5)
    client.force_login(acme_admin)
    html = client.get("/admin/").content.decode()
    assert "alice" in html and "Reception desk" in html
    assert "https://crm.acme.example/hooks" in html
    assert "mallory" not in html and "Globex lobby" not in html
    assert "crm.globex.example" not in html and "GLOBEX" not in html


def test_a_delivered_webhook_is_not_listed_as_failing(client, acme_admin, acme):
    hook = WebhookFactory(tenant=acme, url="https://ok.acme.example/hooks")
    DeliveryFactory(tenant=acme, webhook=hook, status="delivered", tries=1)
    client.force_login(acme_admin)
    html = client.get("/admin/").content.decode()
    assert "ok.acme.example" not in html and 'id="no-failing-webhooks"' in html


def test_another_tenants_dashboard_is_not_found(client, acme_admin, globex):
    client.force_login(acme_admin)
    assert client.get("/admin/?tenant=GLOBEX").status_code == 404
    assert client.get("/admin/?tenant=NOSUCH").status_code == 404


def test_the_platform_lists_each_tenant_with_a_link_to_its_dashboard(client, platform_admin, busy_day):
    client.force_login(platform_admin)
    html = client.get("/admin/").content.decode()
    assert figure(html, "figure-calls-today") == str(
        api(client, "/api/cdrs/stats/", start__gte=_today())["calls"]
    )
    for code in ("ACME", "GLOBEX"):
        assert f'href="/admin/?tenant={code}"' in html
        row = re.search(rf'data-tenant="{code}">(.*?)</tr>', html, re.S).group(1)
        expected = api(client, "/api/cdrs/stats/", start__gte=_today(), tenant=code)
        assert f'class="calls">{expected["calls"]}<' in row
        assert f'class="answered">{expected["answered"]}<' in row
        registered = api(client, "/api/extensions/", registered="true", tenant=code)["count"]
        assert f'class="registered">{registered}<' in row


def test_the_platform_opens_one_tenants_dashboard(client, platform_admin, busy_day):
    client.force_login(platform_admin)
    html = client.get("/admin/?tenant=GLOBEX").content.decode()
    expected = api(client, "/api/cdrs/stats/", start__gte=_today(), tenant="GLOBEX")
    assert "Tenant GLOBEX" in html
    assert figure(html, "figure-calls-today") == str(expected["calls"])
    assert 'id="tenant-rows"' not in html


def _today():
    return day_start(timezone.now(), stats_time_zone()).isoformat()


def test_the_dashboard_costs_the_same_queries_for_3_or_40_tenants(
    client, platform_admin, django_assert_max_num_queries
):
    def tenants(count):
        for _ in range(count):
            tenant = TenantFactory()
            CallRecordFactory(tenant=tenant, start=timezone.now())
            register(ExtensionFactory(tenant=tenant))

    tenants(3)
    client.force_login(platform_admin)
    client.get("/admin/")  # what a first request warms (the session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    tenants(37)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/admin/").content.decode()
    assert "Page 1 of 2 (40 tenants)" in html and html.count('class="tenant-row"') == 25
