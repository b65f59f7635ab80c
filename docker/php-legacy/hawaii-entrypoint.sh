#!/bin/sh
# Hawaii container start: reads secrets kept as files (VAR_FILE or $SECRETS_DIR/VAR), waits
# for the legacy database, loads the schema and demo data once (when table profesor is
# missing), then runs the given command (Apache).
set -eu
dir=${SECRETS_DIR:-/run/asistencia-secrets}
for name in JWT_SECRET JWT_SECRET_INTERNAL LEGACY_DB_PASSWORD; do
  eval "current=\${$name:-}; file=\${${name}_FILE:-}"
  [ -n "$file" ] || file="$dir/$name"
  if [ -z "$current" ] && [ -f "$file" ]; then export "$name=$(cat "$file")"; fi
done
export PGHOST="${LEGACY_DB_HOST:-legacy-db}" PGPORT="${LEGACY_DB_PORT:-5432}" \
       PGDATABASE="${LEGACY_DB_NAME:-hawaii}" PGUSER="${LEGACY_DB_USER:-hawaii}" \
       PGPASSWORD="${LEGACY_DB_PASSWORD:-}"
i=0
until pg_isready -q; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { echo "hawaii: legacy database not ready" >&2; exit 1; }
  sleep 1
done
if [ "$(psql -tAc "SELECT to_regclass('public.profesor') IS NOT NULL")" != t ]; then
  for f in /opt/hawaii/sql/*.sql; do
    echo "hawaii: loading $f"
    psql -v ON_ERROR_STOP=1 -q -f "$f"
  done
fi
unset PGPASSWORD
exec "$@"
