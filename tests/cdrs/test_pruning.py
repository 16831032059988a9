"""The CDR list, its cursor pages, the export and the statistics read only the months
they ask for: the SQL a real request runs, captured and EXPLAINed on PostgreSQL, names
no other month's partition."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cdrs import partitions
from cdrs.models import CallRecord
from tests.factories import CallRecordFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's; SQLite keeps one table"
)
MONTHS = [dt.datetime(2026, month, 1, tzinfo=dt.UTC) for month in range(1, 7)]


def name(month):
    return partitions.partition_name(month)


@pytest.fixture
def half_year(acme, globex):
    """ACME's and GLOBEX's calls in January to June 2026, each month in its partition:
    four a day on the 9th, 10th and 11th."""
    with connection.cursor() as cursor:
        existing = {month.start for month in partitions.months(cursor)}
        for month in MONTHS:
            if month not in existing:
                partitions.create_month(cursor, month)
    CallRecord.objects.bulk_create(
        CallRecordFactory.build(tenant=tenant, start=month.replace(day=day, hour=hour), raw=None)
        for month in MONTHS
        for day in (9, 10, 11)
        for hour in (8, 10, 12, 14)
        for tenant in (acme, globex)
    )


def partitions_read(sql):
    """The partitions in the plan of `sql` (a COPY's query is EXPLAINed for itself)."""
    copy = re.match(r"^COPY \((.*)\) TO STDOUT", sql, re.S)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {copy[1] if copy else sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found = set()

    def walk(node):
        relation = node.get("Relation Name", "")
        if relation.startswith(partitions.TABLE):
            found.add(relation)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def sql_of(captured):
    """The one statement of the request that reads the call records' rows."""
    [sql] = [query["sql"] for query in captured.captured_queries if 'FROM "cdrs_callrecord"' in query["sql"]]
    return sql


def request(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, response.content
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return sql_of(captured)


def test_a_tenants_day_page_reads_only_that_days_month(api, acme_key, half_year):
    url = "/api/cdrs/?start__gte=2026-03-10T00:00:00Z&start__lt=2026-03-11T00:00:00Z"
    assert partitions_read(request(api(acme_key), url)) == {name(MONTHS[2])}


def test_a_deep_cursor_page_reads_only_the_months_up_to_its_position(api, acme_key, half_year):
    client = api(acme_key)
    url = "/api/cdrs/?start__gte=2026-02-01T00:00:00Z&start__lt=2026-06-01T00:00:00Z&page_size=5"
    for _ in range(6):  # 30 calls back from May's: into March
        url = client.get(url).json()["next"]
    assert "cursor=" in url
    assert partitions_read(request(client, url)) == {name(MONTHS[1]), name(MONTHS[2])}


def test_a_cursor_page_without_a_range_reads_no_month_after_its_position(api, acme_key, half_year):
    client = api(acme_key)
    url = "/api/cdrs/?page_size=5"
    for _ in range(6):  # back from June: into April
        url = client.get(url).json()["next"]
    read = partitions_read(request(client, url))
    assert name(MONTHS[3]) in read
    assert not {name(MONTHS[4]), name(MONTHS[5])} & read


def test_the_export_of_a_range_reads_only_its_months(api, acme_key, half_year):
    url = "/api/cdrs/?format=csv&start__gte=2026-02-01T00:00:00Z&start__lt=2026-04-01T00:00:00Z"
    assert partitions_read(request(api(acme_key), url)) == {name(MONTHS[1]), name(MONTHS[2])}


def test_a_months_statistics_read_only_that_month(api, acme_key, half_year):
    url = "/api/cdrs/stats/?start__gte=2026-05-01T00:00:00Z&start__lt=2026-06-01T00:00:00Z"
    assert partitions_read(request(api(acme_key), url)) == {name(MONTHS[4])}


def test_the_statistics_of_the_last_hours_read_only_the_current_months(api, acme_key, half_year):
    read = partitions_read(request(api(acme_key), "/api/cdrs/stats/?cdr_hours=2"))
    assert read and not {name(month) for month in MONTHS} & read
