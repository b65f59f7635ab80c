#!/usr/bin/env bash
# The compose checks: check_compose.py must pass on the repository's files and must fail on
# each of a few unsafe variants of them (so every rule it claims can actually fail).
# Last line: "N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
passed=0; failed=0
if python3 "$HERE/check_compose.py" "$ROOT" >"${TMPDIR:-/tmp}/compose-check.$$" 2>&1; then
  passed=$((passed + 1)); echo "ok   compose.yaml passes every check ($(tail -1 "${TMPDIR:-/tmp}/compose-check.$$"))"
else
  failed=$((failed + 1)); grep -v '^ok' "${TMPDIR:-/tmp}/compose-check.$$"; echo "FAIL compose.yaml"
fi
rm -f "${TMPDIR:-/tmp}/compose-check.$$"

# mutant NAME PYTHON-EDIT-OF-compose.yaml: the check must fail on the edited copy (which
# proves something only while the unedited files pass).
base_ok=$passed
mutant() {
  local name=$1 edit=$2 tmp
  [ "$base_ok" = 1 ] || { failed=$((failed + 1)); echo "FAIL $name: not tried, compose.yaml itself fails"; return; }
  tmp=$(mktemp -d)
  cp -r "$ROOT/compose.yaml" "$ROOT/.env.example" "$ROOT/.dockerignore" "$ROOT/.gitignore" "$tmp/"
  mkdir -p "$tmp/docs" "$tmp/docker/php-legacy/www" "$tmp/docker/postgres/initdb" "$tmp/docker/backup"
  cp "$ROOT/docs/operations.md" "$tmp/docs/"; cp "$ROOT/docker/php-legacy/www/login.php" "$tmp/docker/php-legacy/www/"
  cp "$ROOT/docker/postgres/initdb/10-app-role.sh" "$tmp/docker/postgres/initdb/"; cp "$ROOT/docker/backup/Dockerfile" "$tmp/docker/backup/"
  cp "$ROOT/docker/make-secrets" "$tmp/docker/"; mkdir -p "$tmp/docker/php-legacy/www/asistencia-criptografica"
  cp "$ROOT/docker/php-legacy/www/asistencia-criptografica/node-integration.php" "$tmp/docker/php-legacy/www/asistencia-criptografica/"
  python3 - "$tmp/compose.yaml" "$edit" <<'PY'
import sys, yaml
path, edit = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(path))
s = doc["services"]
exec(edit)
open(path, "w").write(yaml.safe_dump(doc, sort_keys=False).replace("'0o400'", "0o400"))
PY
  if python3 "$HERE/check_compose.py" "$tmp" >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL the check misses: $name"
  else
    passed=$((passed + 1)); echo "ok   the check catches: $name"
  fi
  rm -rf "$tmp"
}
mutant "the dev login on the server" 's["server"]["environment"]["HAWAII_DEV_LOGIN"] = "1"'
mutant "the stand-in in the default profile" 'del s["php-legacy"]["profiles"]'
mutant "the master key mounted into php-legacy" 's["php-legacy"]["secrets"].append({"source": "server_master_key", "target": "SERVER_MASTER_KEY", "uid": "33", "gid": "33", "mode": 256})'
mutant "a secret mounted but never read" 's["backup"]["environment"].pop("BACKUP_PASSPHRASE_FILE")'
mutant "a world-readable secret" 's["server"]["secrets"][0]["mode"] = 0o444'
mutant "the server as the cluster superuser" 's["server"]["environment"]["DB_USER"] = "postgres"'
mutant "PostgreSQL published on the host" 's["db"]["ports"] = ["5432:5432"]'
mutant "the stand-in published beyond loopback" 's["php-legacy"]["ports"] = ["8080:80"]'
mutant "a service without a healthcheck" 'del s["valkey"]["healthcheck"]'
mutant "the server not waiting for a healthy Valkey" 's["server"]["depends_on"]["valkey"] = {"condition": "service_started"}'
mutant "no log rotation" 'del s["backup"]["logging"]'
mutant "no restart policy" 'del s["db"]["restart"]'
mutant "a default PHP_BASE_URL pointing at the stand-in" 's["server"]["environment"]["PHP_BASE_URL"] = "${PHP_BASE_URL:-http://php-legacy}"'
mutant "a variable compose reads that .env.example lacks" 's["server"]["environment"]["LOG_LEVEL"] = "${LOG_FORMAT:-json}"'
mutant "a .env.example variable compose never reads" 's["valkey"]["command"] = ["valkey-server"]'
mutant "the stand-in calling the server over plain http" 's["php-legacy"]["environment"]["NODE_INTERNAL_URL"] = "http://server:3000"'
mutant "the stand-in trusting the server's private key file as its CA" 'doc["secrets"]["php_server_ca"]["file"] = "./secrets/server/TLS_KEY"'
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
