#!/usr/bin/env bash
# End-to-end tests in headless Chromium against the real server and services of a stack
# (scripts/test runs this with the stack's env and ASISTENCIA_SERVER_BIN).
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund >/dev/null
exec node run.mjs
