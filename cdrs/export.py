"""Every matching call record as CSV, at the speed of PostgreSQL's own COPY.

A million-row export through the serializer costs Python per cell (~8,000 rows/s on our
machines); `COPY (SELECT ...) TO STDOUT` has PostgreSQL format the cells and Python only
pass bytes along (well past 100,000 rows/s), in constant memory, with no server-side
cursor to hold open. The SELECT renders each cell exactly as the JSON API does, so
the columns and values are the same whichever path serves them:

- times as DRF writes them in UTC: `2026-10-01T08:00:00Z`, with `.ffffff` only when
  the time has a fraction of a second;
- `url` the record's absolute URL; `tenant` its code; references as ids;
- `raw` as JSON (PostgreSQL's spacing: the same JSON, parsed).

Elsewhere (SQLite, or a platform time zone other than UTC, whose offsets DRF writes as
`+01:00`), the serializer renders the rows, read through a server-side cursor.

The API's `?format=csv`, `manage.py export_cdrs` and the admin's export action all
write through `csv_chunks`, so the three give the same bytes.
"""

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import CharField, F, Func, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from pbx.api import renderers
from pbx.api.viewsets import every_row

CHUNK_BYTES = 256 * 1024
LINE_END = "\n"  # COPY's; the serializer path writes the same


class IsoTime(Func):
    """A timestamp as DRF's DateTimeField writes it in UTC. The text cast (DateStyle ISO,
    which the export sets) is twice as fast as to_char; to_char writes the fraction, which
    DRF gives all six digits of, where the cast would trim its zeros."""

    template = (
        "CASE WHEN date_trunc('second', %(expressions)s) = %(expressions)s "
        "THEN replace((%(expressions)s AT TIME ZONE 'UTC')::text, ' ', 'T') || 'Z' "
        "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') END"
    )
    output_field = CharField()


TIMES = {"start", "answer", "end", "created_at"}


def fast_path_available():
    """True where COPY can render the cells the serializer would."""
    return connection.vendor == "postgresql" and timezone.get_current_timezone_name() == "UTC"


def _cell(column, url_head, url_tail):
    if column == "url":
        return Concat(Value(url_head), Cast("id", TextField()), Value(url_tail), output_field=TextField())
    if column == "tenant":
        # A join: the list's per-row subquery for the code costs COPY half its speed.
        return F("tenant__code")
    if column in TIMES:
        return IsoTime(column)
    if column in ("extension", "did", "trunk"):
        return F(f"{column}_id")
    return F(column)


def csv_chunks(queryset, columns, serializer, url_head, url_tail):
    """The CSV (header first, LINE_END line ends) of the queryset's rows in its order,
    as encoded chunks: `columns` of what `serializer` renders, with `url` as
    url_head + id + url_tail."""
    if fast_path_available():
        # Chosen now, in the request: a replica when the caller's request reads from one
        # (pbx.replicas), which is still the database when the stream runs.
        return _copy_chunks(queryset, columns, url_head, url_tail, queryset.db)
    return _serialized_chunks(queryset, columns, serializer, url_head, url_tail)


def _serialized_chunks(queryset, columns, serializer, url_head, url_tail):
    if "scope_tenant_code" not in queryset.query.annotations:
        queryset = queryset.annotate(scope_tenant_code=F("tenant__code"))  # read by TenantField

    def rows():
        for record in every_row(queryset):
            row = serializer.to_representation(record)
            row["url"] = f"{url_head}{record.pk}{url_tail}"
            yield row

    return renderers.csv_chunks(renderers.csv_lines(columns, rows(), LINE_END))


def _copy_chunks(queryset, columns, url_head, url_tail, using=DEFAULT_DB_ALIAS):
    cells = {f"csv_{n}": _cell(column, url_head, url_tail) for n, column in enumerate(columns)}
    try:
        sql, params = queryset.annotate(**cells).values_list(*cells).query.sql_with_params()
    except EmptyResultSet:  # the filters can match nothing (an id list of no valid id)
        yield (",".join(columns) + LINE_END).encode()
        return
    # COPY takes no bound parameters: the values are quoted by psycopg itself.
    statement = f"COPY ({connections[using].ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)"
    yield (",".join(columns) + LINE_END).encode()
    buffer = bytearray()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle TO ISO")  # what IsoTime's text cast reads
        with cursor.copy(statement) as copy:
            # libpq hands COPY's output over a row at a time; a write per row would cost
            # the server more than the rows themselves.
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)
