#!/usr/bin/env bash
# Property-based check of the live API against its own OpenAPI schema (make schemathesis).
#
# Serves pbx with gunicorn on a fresh database (PostgreSQL from DATABASE_URL, else a
# throw-away SQLite file), with a platform admin's global full key and a demo tenant, and
# runs schemathesis over every operation with a bounded number of examples: no response
# may be a 5xx, and every response must match the schema (status code, content type,
# body). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-30}"
WORK=$(mktemp -d)
export PBX_VAR_DIR="$WORK/var" PBX_THROTTLE_RATE=off PBX_LOGIN_THROTTLE_RATE=off PBX_DEBUG=false

if [ -n "${DATABASE_URL:-}" ]; then
  # A database of its own, next to the one DATABASE_URL names, recreated for each run.
  export DATABASE_URL=$($PY - <<'PYEOF'
import os, psycopg
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(os.environ["DATABASE_URL"])
name = (url.path.lstrip("/") or "pbx") + "_schemathesis"
admin = urlunsplit(url._replace(path="/postgres"))
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{name}"')
print(urlunsplit(url._replace(path="/" + name)))
PYEOF
)
else
  export DATABASE_URL="sqlite:///$WORK/schemathesis.sqlite3"
fi

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
KEY=$($PY manage.py bootstrap | sed -n 's/.*Global API key: //p')
[ -n "$KEY" ] || { echo "schemathesis: could not create an API key" >&2; exit 1; }

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn pbx.wsgi --bind "127.0.0.1:$PORT" --workers 2 --log-level warning \
  --error-logfile "$WORK/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null; rm -rf "$WORK"' EXIT

for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$PORT/health/" >/dev/null 2>&1 && break
  sleep 0.2
done

status=0
.venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/?format=json" \
  --header "X-API-Key: $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" \
  --phases examples,coverage,fuzzing \
  --request-timeout 20 \
  --seed "${SCHEMATHESIS_SEED:-20261122}" \
  --generation-database none \
  --no-color || status=$?

if grep -q "Traceback" "$WORK/gunicorn.log" 2>/dev/null; then
  echo "== server errors logged during the run:" >&2
  grep -B2 -A20 "Traceback" "$WORK/gunicorn.log" | head -80 >&2
  status=1
fi
exit $status
