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
