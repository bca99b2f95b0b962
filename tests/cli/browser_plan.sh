#!/usr/bin/env bash
# browser_plan.sh VAXCHAIN SHARED — the coordinator's planning page in a real browser.
# Makes a temporary demo database (init → demo-data → demo-setup), imports FoHM's
# deliveries (`plan import`) and allocates 2021-W10 (`plan allocate --db`), starts
# `vaxchain serve --dev-login --date 2021-03-08`, and runs tests/browser/plan.mjs (npm
# playwright-core driving Debian chromium, headless). Screenshots:
# build/screenshots/plan-*.png.
#
# Without chromium, node or node_modules/playwright-core the test is skipped with
# exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
date=2021-03-08
source "$(dirname "$0")/lib/browser.sh"
browser_init planning
export VAXCHAIN_SHARED_DATA="$shared"
"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date "$date" --days 7 >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"
"$vx" plan import --db "$db" >"$work/import.log" || fail "plan import: $(cat "$work/import.log")"
"$vx" plan allocate --db "$db" --week 2021-W10 --vaccine COM >"$work/alloc.log" || fail "plan allocate: $(cat "$work/alloc.log")"

browser_serve --dev-login --date "$date" --threads 4
browser_run plan.mjs
echo "planning browser test: ok (screenshots in build/screenshots/plan-*.png)"
