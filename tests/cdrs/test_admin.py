"""The CDR admin: read-only list, CSV export action, one tenant's last 24 hours."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from apikeys import roles
from tests.factories import CallRecordFactory, MembershipFactory, UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def acme_staff(acme):
    user = UserFactory(username="acme-staff", is_staff=True, role=roles.MINOR_ADMIN)
    MembershipFactory(user=user, tenant=acme)
    return user


def test_the_list_shows_calls_newest_first(client, superuser, acme):
    CallRecordFactory(tenant=acme, caller_number="+390200000001")
    CallRecordFactory(tenant=acme, caller_number="+390200000002")
    client.force_login(superuser)
    page = client.get("/admin/cdrs/callrecord/").content.decode()
    assert page.index("+390200000002") < page.index("+390200000001")


def test_records_cannot_be_added_or_changed_in_the_admin(client, superuser, acme):
    call = CallRecordFactory(tenant=acme)
    client.force_login(superuser)
    assert client.get("/admin/cdrs/callrecord/add/").status_code == 403
    response = client.post(f"/admin/cdrs/callrecord/{call.pk}/change/", {"billsec": 1})
    assert response.status_code == 403


def test_a_tenant_admin_sees_only_its_tenants_calls(client, acme_staff, acme, globex):
    CallRecordFactory(tenant=acme, caller_number="+390200000001")
    CallRecordFactory(tenant=globex, caller_number="+440200000009")
    client.force_login(acme_staff)
    page = client.get("/admin/cdrs/callrecord/").content.decode()
    assert "+390200000001" in page and "+440200000009" not in page


def test_the_export_action_gives_the_selected_calls_as_csv(client, superuser, acme):
    calls = CallRecordFactory.create_batch(3, tenant=acme)
    client.force_login(superuser)
    response = client.post(
        "/admin/cdrs/callrecord/",
        {"action": "export_csv", "_selected_action": [calls[0].pk, calls[2].pk]},
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(int(row["id"]) for row in rows) == sorted([calls[0].pk, calls[2].pk])
    assert rows[0]["tenant"] == "ACME"


def test_the_last_24_hours_page_draws_calls_per_hour(client, superuser, acme):
    now = timezone.now()
    CallRecordFactory.create_batch(2, tenant=acme, start=now - dt.timedelta(minutes=1))
    CallRecordFactory(tenant=acme, start=now - dt.timedelta(days=3))
    client.force_login(superuser)
    page = client.get("/admin/cdrs/callrecord/tenant/ACME/last-24-hours/").content.decode()
    assert page.count('class="hour"') == 24
    assert f'data-hour="{now:%H}" data-calls="2"' in page
    assert "<script" not in page.split('id="content-main"')[1]


def test_another_tenant_last_24_hours_is_not_found_for_a_tenant_admin(client, acme_staff, globex):
    client.force_login(acme_staff)
    assert client.get("/admin/cdrs/callrecord/tenant/GLOBEX/last-24-hours/").status_code == 404
