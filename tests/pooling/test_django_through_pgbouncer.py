"""Django's connection through a real pgbouncer in transaction pooling mode: what breaks
without pbx's settings for it, and works with them.

pgbouncer hands a client's next transaction the server connection that was idle last
(LIFO). So a second client that holds that connection in a transaction sends the first
client's next statement to another server connection: the one situation a busy pool
produces all the time, made certain here."""

import psycopg
import pytest
from django.db import DatabaseError, transaction

from tenants.models import Tenant

# The test database must exist (pytest-django creates those its collected tests ask
# for); the test's own transaction on it is left alone: what these tests write goes
# through pgbouncer, committed, and is deleted after.
pytestmark = pytest.mark.django_db


@pytest.fixture
def tenants(django_connection):
    """Five tenants, committed (other connections see them) and deleted afterwards."""
    with django_connection(pooling="transaction") as database:
        made = Tenant.objects.using(database.alias).bulk_create(
            Tenant(code=f"POOL{n}", name=f"Pool {n}", sip_domain=f"pool{n}.pbx.test") for n in range(5)
        )
    yield {tenant.pk for tenant in made}
    with django_connection(pooling="transaction") as database:
        Tenant.objects.using(database.alias).filter(code__startswith="POOL").delete()


@pytest.fixture
def other_client(pgbouncer):
    """another_client.hold(): another client of the pool takes the server connection
    idle last and keeps it in a transaction until the test ends."""

    class OtherClient:
        def __init__(self):
            self.connection = psycopg.connect(pgbouncer.url(), autocommit=True)

        def hold(self):
            self.connection.execute("BEGIN")
            self.connection.execute("SELECT 1")

    client = OtherClient()
    yield client
    client.connection.close()


def chunks_read_outside_a_transaction(database, other_client):
    """QuerySet.iterator() in autocommit, as Django code outside atomic() runs it: the
    first chunk is read, then another client takes the server connection."""
    rows = (
        Tenant.objects.using(database.alias)
        .filter(code__startswith="POOL")
        .order_by("pk")
        .iterator(chunk_size=1)
    )
    read = [next(rows).pk]
    other_client.hold()
    read += [tenant.pk for tenant in rows]
    return read


def test_without_the_setting_an_iterator_outside_a_transaction_loses_its_cursor(
    django_connection, tenants, other_client
):
    with (
        django_connection(pooling="") as database,
        # Django's error, then psycopg's own as Django closes the cursor that is not there
        pytest.raises((DatabaseError, psycopg.Error), match=r'cursor "_django_curs_\w+" does not exist'),
    ):
        chunks_read_outside_a_transaction(database, other_client)


def test_with_the_setting_an_iterator_outside_a_transaction_reads_every_row(
    django_connection, tenants, other_client
):
    with django_connection(pooling="transaction") as database:
        assert sorted(chunks_read_outside_a_transaction(database, other_client)) == sorted(tenants)


def test_an_iterator_inside_a_transaction_keeps_its_server_connection(
    django_connection, tenants, other_client
):
    # pbx/api/pagination.py's every_row reads so: the transaction pins the server
    # connection, whatever the setting.
    with django_connection(pooling="") as database, transaction.atomic(using=database.alias):
        assert sorted(chunks_read_outside_a_transaction(database, other_client)) == sorted(tenants)


def prepared_query_twice(database, other_client):
    """The same query, run again after another client took the server connection."""
    with database.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_tenant WHERE code LIKE 'POOL%%'")
        other_client.hold()
        cursor.execute("SELECT count(*) FROM tenants_tenant WHERE code LIKE 'POOL%%'")
        return cursor.fetchone()[0]


# Prepared statements need parameters bound on the server (Django binds them on the
# client unless told otherwise); psycopg then prepares a statement once it has run
# `prepare_threshold` times (0: at once). A DATABASE_URL may ask for both.
PREPARING = "?server_side_binding=true&prepare_threshold=0"


def test_a_statement_prepared_on_one_server_connection_is_missing_on_the_next(
    django_connection, tenants, other_client
):
    with (
        django_connection(pooling="", query=PREPARING) as database,
        pytest.raises((DatabaseError, psycopg.Error), match=r'prepared statement "_pg3_\d+" does not exist'),
    ):
        prepared_query_twice(database, other_client)


def test_with_the_setting_no_statement_is_prepared(django_connection, tenants, other_client):
    with django_connection(pooling="transaction", query=PREPARING) as database:
        for _ in range(10):  # past psycopg's default threshold (5)
            assert prepared_query_twice(database, other_client) == len(tenants)
            other_client.connection.execute("COMMIT")


def test_django_time_zone_holds_on_every_server_connection(django_connection, other_client):
    # Django sets the connection's time zone (UTC) once, when it connects; pgbouncer
    # sets it again on each server connection it hands that client.
    other_client.connection.execute("SET TIME ZONE 'America/New_York'")
    with django_connection(pooling="transaction") as database:
        zones = set()
        for _ in range(5):
            other_client.hold()
            with database.cursor() as cursor:
                cursor.execute("SHOW TIME ZONE")
                zones.add(cursor.fetchone()[0])
            other_client.connection.execute("COMMIT")
    assert zones == {"UTC"}
