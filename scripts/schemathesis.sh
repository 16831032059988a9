#!/usr/bin/env bash
# Property-based check of the live API against its own OpenAPI schema (make schemathesis).
#
# Serves pbx with gunicorn (2 workers, no rate limit) on a fresh database -- a database
# of its own next to the one DATABASE_URL names, else a throw-away SQLite file -- holding
# the DEMO tenant, a second tenant, a reseller and their extensions, and runs schemathesis
# over every operation of /api/schema/ with a global full key of a platform admin and a
# bounded number of examples each. Half of the generated ids, numbers and tenants are
# real ones, so that updates and deletes reach real objects. Checks: no 5xx, and every
# response matches the schema (status code, content type, headers, body). Any failure,
# or any traceback in the server's log, makes the script exit non-zero.
#
# The default budget is the CI's (a few minutes on two cores): the schema's own examples
# and generated cases, valid and invalid, for every operation. `make schemathesis-deep`
# adds the coverage phase (every boundary and every kind of invalid value of every
# parameter, some 70,000 cases: a quarter of an hour) and 25 examples per operation.
#
#   SCHEMATHESIS_EXAMPLES  examples per operation and phase (default 12; deep: 25)
#   SCHEMATHESIS_PHASES    the phases (default examples,fuzzing; deep: examples,coverage,fuzzing)
#   SCHEMATHESIS_SEED      the run's seed (default fixed, so that runs repeat)
#   SCHEMATHESIS_CHECKS    the checks (default below)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-12}"
PHASES="${SCHEMATHESIS_PHASES:-examples,fuzzing}"
SEED="${SCHEMATHESIS_SEED:-20261122}"
CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth,unsupported_method,allow_header_conformance,missing_required_header}"
WORK=$(mktemp -d)
GUNICORN=""
export PBX_VAR_DIR="$WORK/var" PBX_THROTTLE_RATE=off PBX_LOGIN_THROTTLE_RATE=off PBX_DEBUG=false \
  PBX_LOG_LEVEL=ERROR

drop_database() {  # $1: the database URL to drop, if it is PostgreSQL
  [ -n "${ST_DATABASE:-}" ] || return 0
  ST_URL="$1" $PY - <<'PYEOF' || true
import os, psycopg
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["ST_URL"])
with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{url.path.lstrip("/")}" WITH (FORCE)')
PYEOF
}

cleanup() {
  if [ -n "$GUNICORN" ]; then
    kill "$GUNICORN" 2>/dev/null || true
    wait "$GUNICORN" 2>/dev/null || true
  fi
  drop_database "${DATABASE_URL:-}"
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${DATABASE_URL:-}" ]; then
  ST_DATABASE=1
  DATABASE_URL=$($PY - <<'PYEOF'
import os, psycopg
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["DATABASE_URL"])
name = (url.path.lstrip("/") or "pbx") + "_schemathesis"
with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
print(urlunsplit(url._replace(path="/" + name)))
PYEOF
)
  export DATABASE_URL
else
  export DATABASE_URL="sqlite:///$WORK/schemathesis.sqlite3"
fi
echo "== schemathesis: database ${DATABASE_URL%%\?*}; phases $PHASES, $EXAMPLES examples per operation"

$PY manage.py migrate --noinput -v0  # no collectstatic: the schema's operations serve no static file
$PY manage.py bootstrap >/dev/null  # the admin, the DEMO tenant and its extensions

# The caller: a superuser and a global full key whose ids no generated value will hit (a
# fuzzed PATCH or DELETE of them would lock the run out), then more data to reach, and
# schemathesis' configuration feeding the real ids, numbers and tenant codes.
KEY=$(ST_CONFIG="$WORK/schemathesis.toml" $PY - <<'PYEOF'
import json, os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbx.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from apikeys.models import ApiKey  # noqa: E402
from extensions.models import Extension  # noqa: E402
from pbx.api.routers import router  # noqa: E402
from tenants.models import Membership, Reseller, Tenant  # noqa: E402

import pbx.urls  # noqa: E402, F401  (registers every resource with the router)

FAR = 987_654_321
user = get_user_model().objects.create_superuser(
    pk=FAR, username="schemathesis", email="schemathesis@example.com", password=None
)
_api_key, key = ApiKey.issue(pk=FAR, name="schemathesis", owner=user)

reseller = Reseller.objects.create(name="Fuzz Reseller")
other = Tenant.objects.create(code="OTHER", name="Other Company", sip_domain="other.pbx.local", reseller=reseller)
for number in ("100", "300", "301"):
    Extension.objects.create(tenant=other, number=number, name=f"Other {number}")
minor = get_user_model().objects.create_user("other-admin", "other@example.com")
Membership.objects.create(user=minor, tenant=other)
ApiKey.issue(name="other tenant key", owner=minor, tenant=other)

ids = set()
for _prefix, viewset, _basename in router.registry:
    if getattr(viewset, "queryset", None) is None:
        continue  # an action set (the switch's): no objects of its own
    ids.update(viewset.queryset.model._default_manager.exclude(pk=FAR).values_list("pk", flat=True))
numbers = sorted(set(Extension.objects.values_list("number", flat=True)))
tenants = sorted(Tenant.objects.values_list("code", flat=True))


def toml_list(values):
    return json.dumps([str(v) for v in sorted(values, key=str)])


with open(os.environ["ST_CONFIG"], "w") as config:
    config.write(
        f"""
[dictionaries.ids]
values = {toml_list(ids)}
[dictionaries.numbers]
values = {toml_list(numbers)}
[dictionaries.tenants]
values = {toml_list(tenants)}

[parameters]
"path.id" = {{ dictionary = "ids", probability = 0.5 }}
"path.number" = {{ dictionary = "numbers", probability = 0.5 }}
"query.tenant" = {{ dictionary = "tenants", probability = 0.5 }}
"body.tenant" = {{ dictionary = "tenants", probability = 0.5 }}
"""
    )
print(key)
PYEOF
)
[ -n "$KEY" ] || { echo "schemathesis: could not create an API key" >&2; exit 1; }

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# gunicorn.conf.py's limits as in production: a generated query past 8190 bytes gets the
# 414 `uri_too_long` envelope that the schema declares.
.venv/bin/gunicorn pbx.wsgi --bind "127.0.0.1:$PORT" --workers 2 --log-level warning \
  --capture-output --error-logfile "$WORK/gunicorn.log" &
GUNICORN=$!

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/health/" >/dev/null 2>&1 && break
  kill -0 "$GUNICORN" 2>/dev/null || { cat "$WORK/gunicorn.log" >&2; exit 1; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/health/" >/dev/null || { echo "schemathesis: the server did not start" >&2; exit 1; }

status=0
.venv/bin/schemathesis --config-file "$WORK/schemathesis.toml" run \
  "http://127.0.0.1:$PORT/api/schema/?format=json" \
  --header "X-API-Key: $KEY" \
  --checks "$CHECKS" \
  --max-examples "$EXAMPLES" \
  --phases "$PHASES" \
  --workers 2 \
  --request-timeout 20 \
  --seed "$SEED" \
  --generation-database none \
  --no-color || status=$?

if grep -q "Traceback" "$WORK/gunicorn.log"; then
  echo "== server errors logged during the run:" >&2
  grep -B2 -A30 "Traceback" "$WORK/gunicorn.log" | head -120 >&2
  status=1
fi
exit $status
