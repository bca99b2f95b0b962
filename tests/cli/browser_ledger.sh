#!/usr/bin/env bash
# browser_ledger.sh VAXCHAIN SHARED — the council page (web/council.html) in a real
# browser. Makes a temporary demo database of Region Stockholm (init → demo-data →
# demo-setup, which records the phase-1 doses of Dec 2020–Mar 2021), marks the doses
# of people in special housing and home care as given by their municipality's nurses
# (doses.kommun_code, as the muni module records them) and copies five of them into
# January 2024 (no agreement in force: uncovered), starts `vaxchain serve --dev-login`
# and runs tests/browser/ledger.mjs (sign-in with a chosen region/municipality,
# statement, adjustments, disputes, premises, staff, assignment to sites and
# accordion capacity, sick travel; npm playwright-core driving Debian chromium,
# headless). Screenshots: build/screenshots/ledger-*.png.
#
# Without chromium, node, sqlite3 or node_modules/playwright-core the test is skipped
# with exit 0 — except in CI ($CI set), where a missing piece is a failure.
set -euo pipefail
vx="$1"
shared="$2"
date=2021-03-08
source "$(dirname "$0")/lib/browser.sh"
browser_init ledger sqlite3

"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date "$date" --days 7 --region 01 >"$work/setup.log" || fail "demo-setup: $(cat "$work/setup.log")"
sqlite3 "$db" "
UPDATE doses SET kommun_code = (SELECT kommun_code FROM persons p WHERE p.id = doses.person_id)
 WHERE person_id IN (SELECT id FROM persons WHERE residence = 'special_housing' OR residence = 'home_care');
INSERT INTO doses (person_id, region_code, vaccine_code, lot_number, dose_number, given_at, site_id,
  vaccinator, source, created_at, kommun_code, status, version, injection_site, void_reason, updated_at)
 SELECT person_id, region_code, vaccine_code, lot_number, 3, 1705312800, site_id, vaccinator, source,
  created_at, kommun_code, 'valid', 1, '', '', updated_at
 FROM doses WHERE kommun_code = '0180' AND dose_number = 1 LIMIT 5;" || fail "marking municipal doses"
n=$(sqlite3 "$db" "SELECT count(*) FROM doses WHERE kommun_code = '0180'")
[[ "$n" -gt 5 ]] || fail "no municipal doses in Stockholm ($n)"
pnr=$(sqlite3 "$db" "SELECT pnr FROM persons WHERE kommun_code = '0180' AND residence = 'home_care' LIMIT 1")
[[ -n "$pnr" ]] || fail "no home-care resident in Stockholm"

browser_serve --dev-login --date "$date" --threads 4
browser_run ledger.mjs VX_LEDGER_PNR="$pnr"

# every sick-travel read shown in the browser is in the audit log
reads=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = 'person.read' AND detail LIKE '%sick-travel%'")
[[ "$reads" -gt 0 ]] || fail "no audit rows for the sick-travel reads"
echo "ledger browser test: ok ($reads audited sick-travel reads; screenshots in build/screenshots/ledger-*.png)"
