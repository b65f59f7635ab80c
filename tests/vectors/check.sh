#!/usr/bin/env bash
# Regenerates the cross-implementation vectors with Node's WebCrypto and fails when they
# differ from the committed tests/vectors/vectors.json (which the C++ tests reproduce).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
node generate.mjs "$tmp"
if ! diff -u vectors.json "$tmp" >/dev/null; then
  echo "vectors: web/js/asistencia-protocol.js no longer produces tests/vectors/vectors.json:" >&2
  diff -u vectors.json "$tmp" | head -40 >&2
  exit 1
fi
echo "vectors: Node WebCrypto reproduces the committed vectors.json"
