#!/usr/bin/env bash
# browser.sh VAXCHAIN SHARED — the web UI in a real browser: builds nothing; makes a
# temporary demo database (init → demo-data → demo-setup), starts `vaxchain serve
# --dev-login` on a free port, waits for /healthz and runs tests/browser/booking.mjs
# (npm playwright-core driving Debian chromium, headless). Screenshots go to
# build/screenshots/ in the repository.
#
# Without chromium, node or node_modules/playwright-core (scripts/install-deps.sh
# installs them) the test is skipped with exit 0 — except in CI ($CI set), where
# it must run and a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
date=2021-03-08 # phase 1 and step 2a (80+) are open: demo persons can book
source "$(dirname "$0")/lib/browser.sh"
browser_init booking
"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
# without the recorded phase-1 history every demo person of an open group can book
setup_opts=()
if "$vx" demo-setup --help 2>/dev/null | grep -q -- --no-doses; then setup_opts+=(--no-doses); fi
"$vx" demo-setup --db "$db" --date "$date" "${setup_opts[@]}" >"$work/setup.log" 2>&1 ||
    fail "demo-setup: $(cat "$work/setup.log")"

browser_serve --dev-login --date "$date" --threads 4

browser_run booking.mjs
echo "browser test: ok (screenshots in build/screenshots/)"
