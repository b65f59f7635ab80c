#!/usr/bin/env bash
# End-to-end tests in headless Chromium against the real server and services of a stack
# (scripts/test runs this with the stack's env and ASISTENCIA_SERVER_BIN).
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >/dev/null
# playwright-core needs Node 20: on Debian 12's Node 18 use the npm node package's (scripts/setup).
NODE=node
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  NODE=node20/node_modules/.bin/node
  [ -x "$NODE" ] || (cd node20 && npm ci --no-audit --no-fund >/dev/null)
fi
exec "$NODE" run.mjs
