#!/usr/bin/env bash
# Checks docs/prometheus/alerts.yml: promtool's syntax check and its rule unit tests
# (alerts.test.yml: each alert fires where it should and not where it should not), and that
# every asistencia_* metric an expression names is one the server registers in src/.
# promtool comes from Debian's prometheus package (scripts/setup unpacks it into build/tools).
# Last line: "N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RULES="$ROOT/docs/prometheus"
PROMTOOL=$(command -v promtool || echo "$ROOT/build/tools/prometheus/usr/bin/promtool")
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1"; }

if [ ! -x "$PROMTOOL" ]; then
  ko "promtool not found (run scripts/setup)"; echo; echo "$passed passed, $failed failed"; exit 1
fi
if out=$("$PROMTOOL" check rules "$RULES/alerts.yml" 2>&1); then ok "promtool check rules: $(echo "$out" | grep -o 'SUCCESS: [0-9]* rules found')"; else echo "$out"; ko "promtool check rules"; fi
if out=$(cd "$RULES" && "$PROMTOOL" test rules alerts.test.yml 2>&1); then ok "promtool test rules (alerts.test.yml)"; else echo "$out"; ko "promtool test rules"; fi

# Every metric the rules name exists in the server (a _bucket/_sum/_count of a histogram
# counts as its family).
exported=$(grep -rhoE '"asistencia_[a-z_]+"' "$ROOT/src" | tr -d '"' | sort -u)
for m in $(grep -oE 'asistencia_[a-z_]+' "$RULES/alerts.yml" | sort -u); do
  base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$m")
  if grep -qx -e "$m" -e "$base" <<<"$exported"; then ok "metric $m is exported"; else ko "metric $m is named by a rule but the server does not export it"; fi
done
# The runbook links every alert points to exist as headings.
for anchor in $(grep -oE 'operations.md#[a-z0-9-]+' "$RULES/alerts.yml" | sort -u | cut -d'#' -f2); do
  if grep -iE '^#+ ' "$ROOT/docs/operations.md" | tr 'A-Z' 'a-z' | sed -E 's/^#+ //; s/[^a-z0-9 -]//g; s/ /-/g' | grep -qx "$anchor"; then
    ok "runbook section #$anchor exists"
  else
    ko "runbook section #$anchor (named by an alert) is missing from docs/operations.md"
  fi
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
