"""kamailio_location is Kamailio 5.6's usrloc table, and pbx reads its times as UTC."""

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection

from switch.models import KamailioVersion, Registration
from tests.switch.kamailio_rows import kamailio_registers

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
USRLOC_SQL = Path("/usr/share/kamailio/postgres/usrloc-create.sql")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Kamailio reads and writes this table on PostgreSQL only"
)


def kamailio_location_schema():
    """{column: (type, nullable, default)} of Kamailio's own `location` table."""
    if not USRLOC_SQL.exists():
        pytest.skip(f"Kamailio's schema is not installed here ({USRLOC_SQL})")
    body = re.search(r"CREATE TABLE location \((.*?)\n\);", USRLOC_SQL.read_text(), re.S)[1]
    columns = {}
    for line in body.strip().splitlines():
        line = line.strip().rstrip(",")
        if line.startswith("CONSTRAINT"):
            continue
        name, rest = line.split(" ", 1)
        default = re.search(r"DEFAULT (\S+|'[^']*')", rest)
        columns[name] = (rest.split(" DEFAULT")[0].split(" PRIMARY")[0], "NOT NULL" not in rest, default)
    return columns


def database_columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, character_maximum_length, is_nullable"
            " FROM information_schema.columns WHERE table_name = %s",
            [table],
        )
        return {name: (kind, length, nullable == "YES") for name, kind, length, nullable in cursor.fetchall()}


@on_postgresql
def test_the_table_has_every_column_of_kamailio_5_6s_location_table():
    assert set(database_columns("kamailio_location")) == set(kamailio_location_schema())


@on_postgresql
def test_each_column_has_kamailios_type_and_nullability_and_domain_holds_a_whole_sip_domain():
    kinds = {
        "SERIAL": ("integer", None),
        "INTEGER": ("integer", None),
        "REAL": ("real", None),
        "TIMESTAMP WITHOUT TIME ZONE": ("timestamp without time zone", None),
    }
    ours = database_columns("kamailio_location")
    for name, (kind, nullable, _default) in kamailio_location_schema().items():
        varchar = re.fullmatch(r"VARCHAR\((\d+)\)", kind)
        expected = ("character varying", int(varchar[1])) if varchar else kinds[kind]
        if name == "domain":
            expected = ("character varying", 253)
        assert ours[name] == (*expected, nullable), name


@on_postgresql
def test_the_indexes_are_kamailios():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'kamailio_location'")
        indexes = dict(cursor.fetchall())
    assert "UNIQUE" in indexes["location_ruid_idx"] and "(ruid)" in indexes["location_ruid_idx"]
    assert "(username, domain, contact)" in indexes["location_account_contact_idx"]
    assert "(expires)" in indexes["location_expires_idx"]
    assert "(connection_id)" in indexes["location_tcpcon_idx"]
    assert "(server_id, connection_id)" in indexes["location_connection_idx"]


def test_the_version_table_has_the_versions_kamailio_checks():
    # The rows are the migration's data step, run here again: a test with committed data
    # empties every table after it, this table included.
    migration = importlib.import_module("switch.migrations.0001_kamailio_location_version_subscriber")
    migration.add_table_versions(django_apps, None)
    versions = dict(KamailioVersion.objects.values_list("table_name", "table_version"))
    assert versions["kamailio_location"] == 9
    assert versions["kamailio_subscriber"] == 7


def test_a_row_inserted_with_only_kamailios_defaults_reads_them_back():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO kamailio_location (ruid) VALUES ('uloc-defaults')")
    row = Registration.objects.get(ruid="uloc-defaults")
    assert (row.username, row.contact, row.q, row.callid, row.cseq) == ("", "", 1.0, "Default-Call-ID", 1)
    assert row.expires == datetime.datetime(2030, 5, 28, 21, 32, 15, tzinfo=UTC)
    assert row.last_modified == datetime.datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert row.domain is None and row.received is None


def test_a_time_kamailio_wrote_reads_as_that_time_in_utc():
    noon = datetime.datetime(2031, 1, 2, 12, 0, 0, tzinfo=UTC)
    ruid = kamailio_registers("100", "acme.pbx.test", now=noon, expires_in=600)
    row = Registration.objects.get(ruid=ruid)
    assert row.last_modified == noon
    assert row.expires == datetime.datetime(2031, 1, 2, 12, 10, 0, tzinfo=UTC)
    assert row.expires.utcoffset() == datetime.timedelta(0)


def test_django_s_time_zone_does_not_change_what_a_row_means(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    noon = datetime.datetime(2031, 1, 2, 12, 0, 0, tzinfo=UTC)
    ruid = kamailio_registers("100", "acme.pbx.test", now=noon)
    assert Registration.objects.get(ruid=ruid).last_modified == noon


def test_an_aware_time_written_through_django_is_stored_as_its_utc_wall_clock():
    rome = datetime.timezone(datetime.timedelta(hours=1))
    Registration.objects.create(
        ruid="uloc-django", expires=datetime.datetime(2031, 1, 2, 13, 0, 0, tzinfo=rome)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM kamailio_location WHERE ruid = 'uloc-django'")
        [stored] = cursor.fetchone()
    assert str(stored).startswith("2031-01-02 12:00:00")


def test_current_contacts_are_those_whose_expiry_is_still_ahead():
    live = kamailio_registers("100", "acme.pbx.test", expires_in=60)
    kamailio_registers("100", "acme.pbx.test", expires_in=-60)
    assert list(Registration.objects.current().values_list("ruid", flat=True)) == [live]


@on_postgresql
def test_current_contacts_do_not_depend_on_the_database_session_s_time_zone():
    live = kamailio_registers("100", "acme.pbx.test", expires_in=1800)
    kamailio_registers("100", "acme.pbx.test", expires_in=-1800)
    with connection.cursor() as cursor:
        # An hour off either way would turn the live contact expired or the expired live.
        for zone in ("America/New_York", "Asia/Kolkata"):
            cursor.execute(f"SET TIME ZONE '{zone}'")
            assert list(Registration.objects.current().values_list("ruid", flat=True)) == [live], zone
