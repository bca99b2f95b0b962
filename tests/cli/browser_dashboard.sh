#!/usr/bin/env bash
# browser_dashboard.sh VAXCHAIN SHARED — the situational-picture pages in a real browser
# (issue 8, items 4-5). Makes a temporary demo database (init → demo-data → demo-setup,
# which records the phase-1 doses of Dec 2020–Mar 2021; stats refresh for the
# denominators; stats load-official for FoHM's series), starts
# `vaxchain serve --dev-login --date 2021-03-08`, runs tests/browser/dashboard.mjs
# (npm playwright-core driving Debian chromium, headless): the dashboard in Swedish and
# English, the drill-down region → municipality, a regional coordinator filing a
# traffic-light report that then shows on the board, figures cross-checked against
# the API and the database. Afterwards `vaxchain report compile` renders the month in
# all three formats. Screenshots: build/screenshots/dashboard-*.png.
#
# Without chromium, node or node_modules/playwright-core the test is skipped with
# exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
date=2021-03-08 # phase 1 vaccinated (demo-setup history)
source "$(dirname "$0")/lib/browser.sh"
browser_init dashboard
"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date "$date" --days 7 >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"
grep -q "historical Comirnaty doses recorded" "$work/setup.log" || fail "demo-setup recorded no doses: $(cat "$work/setup.log")"
"$vx" stats refresh --db "$db" --date "$date" >"$work/stats.log" 2>&1 || fail "stats refresh: $(cat "$work/stats.log")"
"$vx" stats load-official --db "$db" >>"$work/stats.log" 2>&1 || fail "stats load-official: $(cat "$work/stats.log")"

browser_serve --dev-login --date "$date" --threads 4

browser_run dashboard.mjs VX_DB="$db"

# the report the browser filed is in the national compilation in every format
for f in html pdf xlsx; do
    "$vx" report compile --db "$db" --date "$date" --month 2021-03 --format "$f" \
        --out "$work/lagesbild.$f" >"$work/compile.log" 2>&1 || fail "report compile $f: $(cat "$work/compile.log")"
    grep -q "1 of 21 regions reported" "$work/compile.log" || fail "compile $f: $(cat "$work/compile.log")"
done
head -c 5 "$work/lagesbild.pdf" | grep -q '%PDF-' || fail "not a PDF"
head -c 2 "$work/lagesbild.xlsx" | grep -q 'PK' || fail "not an XLSX (zip)"
grep -q '<strong id="filed">1</strong> / 21' "$work/lagesbild.html" || fail "HTML compilation lacks the count"
echo "dashboard browser test: ok (screenshots in build/screenshots/dashboard-*.png)"
