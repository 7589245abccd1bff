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
echo "== lint (ruff, trainer)"
.venv/bin/ruff check trainer bench/reference
.venv/bin/ruff format --check trainer bench/reference
echo "== lint (deploy: hadolint, kubectl kustomize, checkov)"
node --import tsx deploy/checks/lint.ts
echo "== tests (pytest, trainer)"
pytest_log=$(mktemp)
status=0
PYTHONPATH=. .venv/bin/python -m pytest trainer/tests -q -p no:cacheprovider 2>&1 | tee "$pytest_log" || status=$?
echo "== tests (node:test)"
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
tap=$(mktemp)
trap 'rm -f "$tap" "$pytest_log"' EXIT
# --test-timeout: a test that hangs fails by name after 15 minutes (tests that need longer say so)
# instead of holding CI to its limit.
node --import tsx --test --test-concurrency=2 --test-timeout=900000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" || status=$?
# One closing line for both runners: node's TAP totals plus pytest's summary.
node_count() { sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$tap" | tail -n 1; }
pytest_count() { tail -n 1 "$pytest_log" | grep -oE "[0-9]+ $1" | grep -oE "[0-9]+" || echo 0; }
passed=$(( $(node_count pass) + $(pytest_count passed) ))
failed=$(( $(node_count fail) + $(pytest_count failed) + $(pytest_count error) ))
skipped=$(( $(node_count skipped) + $(pytest_count skipped) ))
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
