"""The call records' monthly partitions on PostgreSQL (docs/cdrs.md, "Partitions").

On PostgreSQL, cdrs_callrecord is partitioned by RANGE (start): one partition a month
(UTC), named cdrs_callrecord_y2026m11, and a DEFAULT partition that takes a call of a
month with no partition yet, so that no call is ever refused for its date. A query with
a start range reads only its months; purge drops a month whole instead of deleting its
rows one by one. SQLite keeps one table, and every function here is for PostgreSQL.

`manage.py partition_cdrs` creates the months ahead and moves a month's calls out of
the default partition into the month's own; `manage.py purge_cdrs` drops old months.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection

TABLE = "cdrs_callrecord"
DEFAULT = f"{TABLE}_default"
_MONTH_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


def month_of(when):
    """The first instant (UTC) of the month `when` falls in."""
    when = when.astimezone(dt.UTC)
    return dt.datetime(when.year, when.month, 1, tzinfo=dt.UTC)


def add_months(month, count):
    """The first instant of the month `count` months after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


def partition_name(month):
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


@dataclass(frozen=True)
class Month:
    """A month's partition: its name and the range of `start` it holds, [start, end)."""

    name: str
    start: dt.datetime

    @property
    def end(self):
        return add_months(self.start, 1)


def is_partitioned(using=connection):
    """True where cdrs_callrecord is a partitioned table (PostgreSQL, migrated)."""
    if using.vendor != "postgresql":
        return False
    with using.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def months(cursor):
    """The month partitions attached to cdrs_callrecord, oldest first (the default
    partition and any partition not named by us are left out)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)",
        [TABLE],
    )
    found = []
    for (name,) in cursor.fetchall():
        match = _MONTH_NAME.match(name)
        if match:
            found.append(Month(name, dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)))
    return sorted(found, key=lambda month: month.start)


def columns(cursor):
    """cdrs_callrecord's columns, quoted, in the table's order."""
    cursor.execute(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = to_regclass(%s) "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [TABLE],
    )
    return [name for (name,) in cursor.fetchall()]


def months_in_default(cursor):
    """The months (first instants) of the calls waiting in the default partition."""
    cursor.execute(f"SELECT DISTINCT date_trunc('month', start AT TIME ZONE 'UTC') FROM {DEFAULT} ORDER BY 1")
    return [month.replace(tzinfo=dt.UTC) for (month,) in cursor.fetchall()]


def rows_in_default(cursor, month):
    """How many calls of `month` wait in the default partition."""
    cursor.execute(
        f"SELECT count(*) FROM {DEFAULT} WHERE start >= %s AND start < %s", [month, add_months(month, 1)]
    )
    return cursor.fetchone()[0]


def create_month(cursor, month):
    """Create `month`'s partition and move its calls out of the default partition into
    it; returns how many were moved. Call inside a transaction: the calls are never in
    neither, nor in both.

    PostgreSQL refuses to attach a partition while the default partition holds rows of
    its range, so the month is made a plain table first, filled from the default
    partition (DELETE ... RETURNING), then attached."""
    name = partition_name(month)
    end = add_months(month, 1)
    listed = ", ".join(columns(cursor))
    # LIKE copies the columns, NOT NULLs and CHECKs that ATTACH requires; the indexes,
    # primary key and unique constraint of the parent are made on the partition by ATTACH.
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    # LIKE copies no identity, but a plain DEFAULT would be; the parent numbers the rows.
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE start >= %s AND start < %s RETURNING {listed}) "
        f"INSERT INTO {name} ({listed}) SELECT {listed} FROM moved",
        [month, end],
    )
    moved = cursor.rowcount
    # The CHECK saves ATTACH a scan of the month to prove its rows belong there.
    since, until = _literal(month), _literal(end)  # DDL takes no bound parameters
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (start >= {since} AND start < {until})"
    )
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({since}) TO ({until})")
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
    return moved


def _literal(month):
    return f"'{month:%Y-%m-%d %H:%M:%S}+00'"


def drop_month(cursor, month):
    """Detach and drop a month's partition: its calls are gone in one short statement."""
    cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {month.name}")
    cursor.execute(f"DROP TABLE {month.name}")


def rows_in(cursor, table):
    """How many calls a partition holds (a count: a month's takes well under a second)."""
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]
