# Reads an environment file of the form systemd's EnvironmentFile= takes (NAME=value
# lines, # comments, values optionally in single or double quotes) and exports its
# variables, without running it as shell: a value is never expanded or executed.
# Sourced by pbx-manage and the backup scripts.

pbx_read_env() {
  local file=$1 line name value number=0
  if [ ! -r "$file" ]; then
    echo "Cannot read the environment file $file (give another with PBX_ENV_FILE=...)." >&2
    return 1
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    line=${line%$'\r'}
    [[ "$line" =~ ^[[:space:]]*(#.*)?$ ]] && continue
    if [[ ! "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      echo "$file line $number is not NAME=value: $line" >&2
      return 1
    fi
    name=${BASH_REMATCH[2]}
    value=${BASH_REMATCH[3]}
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    export "$name=$value"
  done <"$file"
}

# Exports libpq's PG* variables for a postgres:// URL, so that pg_dump, pg_restore and
# psql connect without the URL on their command line (where `ps` would show its
# password to every user of the machine). A password left out of the URL comes from
# PGPASSWORD or ~/.pgpass as usual.
pbx_pg_environment() {
  local assignments
  assignments=$(python3 - "$1" <<'PY'
import shlex, sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = urlsplit(sys.argv[1])
if url.scheme not in ("postgres", "postgresql") or len(url.path) < 2:
    sys.exit("not a postgres://user:password@host:port/name URL")
values = {
    "PGHOST": url.hostname or "",
    "PGPORT": str(url.port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": unquote(url.path[1:]),
}
options = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "connect_timeout": "PGCONNECT_TIMEOUT"}
for name, value in parse_qsl(url.query):
    if name in options:
        values[options[name]] = value
for name, value in values.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
  ) || return 1
  eval "$assignments"
}
