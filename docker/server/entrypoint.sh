#!/bin/sh
# Exports secrets kept as files (compose's generated secrets volume) as the
# environment variables the server reads, unless they are already set.
set -eu
dir=${SECRETS_DIR:-/run/asistencia-secrets}
for name in JWT_SECRET JWT_SECRET_INTERNAL SERVER_MASTER_KEY DB_PASSWORD; do
  eval "current=\${$name:-}"
  if [ -z "$current" ] && [ -f "$dir/$name" ]; then
    export "$name=$(cat "$dir/$name")"
  fi
done
exec "$@"
