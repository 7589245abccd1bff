#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): set-up, type check, lint, then every unit
# and integration test in one node:test run. Integration tests start their own real stack
# (Temporal dev server + SeaweedFS) on free ports in a temporary directory and tear it down.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "== type check (tsc --noEmit)"
npx --no-install tsc --noEmit -p tsconfig.json
echo "== lint (eslint)"
npx --no-install eslint --max-warnings 0 .
echo "== tests (node:test)"
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
status=0
node --import tsx --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" || status=$?
count() { sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$tap" | tail -n 1; }
echo "tests: $(count pass) passed, $(count fail) failed, $(count skipped) skipped"
exit "$status"
