#!/usr/bin/env bash
# Idempotent set-up: Python virtualenv, npm packages, browser bundles, a Chromium, the servers
# the tests and `make cluster` start (PostgreSQL, Redis, HAProxy), and WebKit and Firefox for the
# tests.
# Each step is skipped when its result is already newer than its inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
say() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  [ -f .stamp-apt-update ] || { as_root apt-get update -qq && touch .stamp-apt-update; } || return 1
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# 1. Python virtualenv with the package (editable) and the test tools.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv || { apt_install python3-venv && "$PYTHON" -m venv .venv; }
fi
if [ ! -f .stamp-pip ] || [ pyproject.toml -nt .stamp-pip ]; then
  say "installing Python packages"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test,bench]'
  touch .stamp-pip
fi

# 2. Node.js and the npm packages (rrweb, esbuild).
if ! command -v npm >/dev/null; then
  say "installing Node.js"
  apt_install nodejs npm || { echo "setup: Node.js (npm) is needed to build the browser bundles" >&2; exit 1; }
fi
if [ ! -d node_modules/@rrweb/record ] || [ package.json -nt .stamp-npm ] || [ package-lock.json -nt .stamp-npm ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v "Unknown user config" || true
  [ -d node_modules/@rrweb/record ] || { echo "setup: npm ci failed" >&2; exit 1; }
  touch .stamp-npm
fi

# 3. The browser bundles (git-ignored, written into the package).
if [ ! -f mirror/static/cobrowse.js ] || [ ! -f fixtures/react/bundle.js ] || [ -n "$(find mirror/web replay/web fixtures/react/app.jsx scripts/build.mjs package-lock.json -newer mirror/static/cobrowse.js -print -quit)" ]; then
  say "building browser bundles"
  node scripts/build.mjs
fi

# 4. A Chromium: $CHROMIUM, then Playwright's own, then the system's; install Debian's if none.
has_chromium() {
  [ -n "${CHROMIUM:-}" ] && [ -x "${CHROMIUM}" ] && return 0
  .venv/bin/python - <<'PY' 2>/dev/null && return 0
import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)
PY
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null
}
if ! has_chromium; then
  say "installing Chromium (Debian's chromium package)"
  apt_install chromium || apt_install chromium-browser || {
    say "no system package: trying 'playwright install chromium'"
    .venv/bin/playwright install chromium
  }
fi
has_chromium || { echo "setup: no Chromium available; set CHROMIUM=/path/to/chromium" >&2; exit 1; }
# The mirror's browser prefers Debian's headless shell (mirror/render/browser.py); optional.
if [ -z "${CHROMIUM:-}" ] && command -v chromium >/dev/null && ! command -v chromium-headless-shell >/dev/null; then
  say "installing Debian's chromium-headless-shell for the server (optional)"
  apt_install chromium-headless-shell || say "no chromium-headless-shell package: the server uses chromium"
fi

# 5. PostgreSQL's server programs, which the history tests start in a temporary directory.
has_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
if ! has_postgres; then
  say "installing PostgreSQL (Debian's postgresql package) for the tests"
  apt_install postgresql || say "no postgresql package: the PostgreSQL tests will say what is missing"
fi

# 6. Redis and HAProxy, which the cluster tests and `make cluster` start on free ports.
has_program() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ]; }
for package in redis-server haproxy; do  # Debian names each package after its program.
  if ! has_program "$package"; then
    say "installing $package (Debian's $package package) for the cluster"
    apt_install "$package" || say "could not install Debian's $package package: install it yourself (the cluster tests and make cluster fail naming it)"
  fi
done

# 7. Customers in other engines for the tests (tests/e2e/engines.py): WebKit, Safari's engine
#    (WebKitGTK's WebDriver with its MiniBrowser, on a virtual X display), and Firefox ESR, driven
#    through the WebDriver BiDi server Firefox itself runs.
for pair in WebKitWebDriver:webkit2gtk-driver Xvfb:xvfb firefox-esr:firefox-esr; do
  program=${pair%%:*} package=${pair##*:}
  if ! has_program "$program"; then
    say "installing $package (Debian's $package package) for the other engines' customer tests"
    apt_install "$package" || say "could not install Debian's $package package: install it yourself (the other engines' tests fail naming it)"
  fi
done

# 8. Fonts the server's mirror may give a customer's default, generic and named fonts
#    (mirror/render/fonts.py), and fontconfig's fc-list, which names their faces; fontconfig also
#    maps Arial, Helvetica, Times, Calibri and Cambria to the metric-compatible ones among them.
for package in fontconfig fonts-dejavu-core fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea; do
  if ! dpkg -s "$package" >/dev/null 2>&1 && command -v dpkg >/dev/null; then
    say "installing $package (Debian's $package package) for the mirror's fonts"
    apt_install "$package" || say "could not install Debian's $package package: the mirror uses the fonts it has"
  fi
done
