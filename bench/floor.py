"""The floor: the least any server could do for `GET /api/extensions/?page_size=100`
and for `GET /api/extensions/<id>/`.

A bare WSGI function with one psycopg connection per worker runs the queries the API
runs (for the list: the count and the page, joined to the tenant for its code, in the
same order; for one extension: its row joined to the tenant) and encodes the same JSON
shape. No framework, no authentication: the API's throughput is reported as a fraction
of this. `/` is the list; `/<id>/` is one extension; `/did/?number=N` is the least a
switch's DID lookup could cost (bench/switch.py): the DID's row and its first
destination, in one query.
"""

import json
import os

import psycopg

COLUMNS = [
    "id",
    "number",
    "name",
    "tech",
    "sip_username",
    "caller_id_name",
    "caller_id_number",
    "outbound_caller_id_name",
    "outbound_caller_id_number",
    "enabled",
    "do_not_disturb",
    "forward_all_enabled",
    "forward_all_destination",
    "forward_busy_enabled",
    "forward_busy_destination",
    "forward_no_answer_enabled",
    "forward_no_answer_destination",
    "forward_unavailable_enabled",
    "forward_unavailable_destination",
    "ring_timeout",
    "call_limit",
    "max_contacts",
    "codecs",
    "mailbox",
    "toll_allow",
    "account_code",
    "description",
    "user_id",
    "created_at",
    "updated_at",
]
SELECT = (
    "SELECT " + ", ".join(f"e.{c}" for c in COLUMNS) + ", t.code FROM extensions_extension e "
    "JOIN tenants_tenant t ON t.id = e.tenant_id"
)
PAGE_SQL = SELECT + " ORDER BY e.tenant_id, e.number LIMIT %s"
DETAIL_SQL = SELECT + " WHERE e.id = %s"
DID_SQL = (
    "SELECT d.id, d.number, t.code, x.target_type, x.target_id FROM routing_did d "
    "JOIN tenants_tenant t ON t.id = d.tenant_id LEFT JOIN pbx_destination x "
    "ON x.owner_type = 'routing.did' AND x.owner_id = d.id AND x.slot = 'DID' AND x.position = 0 "
    "WHERE d.number = %s"
)
_connection = None


def _db():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def _record(row, host):
    record = dict(zip(COLUMNS, row[:-1], strict=True))
    record["tenant"] = row[-1]
    record["user"] = record.pop("user_id")
    record["url"] = f"http://{host}/api/extensions/{record['id']}/"
    record["created_at"] = record["created_at"].isoformat()
    record["updated_at"] = record["updated_at"].isoformat()
    return record


def _did(environ):
    from urllib.parse import parse_qs

    number = parse_qs(environ.get("QUERY_STRING", "")).get("number", [""])[0]
    with _db().cursor() as cursor:
        row = cursor.execute(DID_SQL, (number,)).fetchone()
    if row is None:
        return {"action": "reject", "code": 404, "reason": "Not Found"}
    return {"action": "extension", "did": row[0], "tenant": row[2], "destination": f"{row[3]}-{row[4]}"}


def application(environ, start_response):
    host = environ.get("HTTP_HOST", "localhost")
    one = environ.get("PATH_INFO", "/").strip("/")
    if one == "did":
        body = json.dumps(_did(environ)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    with _db().cursor() as cursor:
        if one:
            row = cursor.execute(DETAIL_SQL, (int(one),)).fetchone()
            document = _record(row, host)
        else:
            count = cursor.execute("SELECT COUNT(*) FROM extensions_extension").fetchone()[0]
            rows = cursor.execute(PAGE_SQL, (100,)).fetchall()
            document = {
                "count": count,
                "next": f"http://{host}/api/extensions/?page=2",
                "previous": None,
                "results": [_record(row, host) for row in rows],
            }
    body = json.dumps(document).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
