#!/bin/sh
# Secrets as files (compose's Docker secrets, /run/secrets/NAME): VAR_FILE names the file of
# VAR. The server reads SERVER_MASTER_KEY_FILE and the TLS files itself; the others are
# exported as the variables it reads, unless already set.
set -eu
for name in JWT_SECRET JWT_SECRET_INTERNAL DB_PASSWORD; do
  eval "current=\${$name:-}; file=\${${name}_FILE:-}"
  if [ -z "$current" ] && [ -n "$file" ]; then
    [ -r "$file" ] || { echo "entrypoint: ${name}_FILE: cannot read $file" >&2; exit 2; }
    export "$name=$(cat "$file")"
  fi
  unset "${name}_FILE"
done
exec "$@"
