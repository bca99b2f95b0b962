#!/usr/bin/env bash
# muni_chain.sh VAXCHAIN SHARED — issue 9's chain from the command line, on a small demo
# database: a municipality shares its resident list, a municipal nurse's dose is recorded
# through the care module (no site, the municipality set), the dose leaves in the NVR
# export exactly once, it is counted in the municipality's compensation statement under
# the agreement in force, and every step shows in the audit log without a personnummer.
# (The same chain in the browser, with the nurse offline: tests/cli/browser_muni.sh.)
set -euo pipefail
vx="$1"
shared="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (scripts/install-deps.sh)"
export VAXCHAIN_SHARED_DATA="$shared"
db="$work/vx.db"
kommun=0180 # Stockholm, region 01

"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date 2021-03-08 --days 7 >/dev/null || fail "demo-setup"

# 1. the municipality shares its list (consent as the legal basis)
"$vx" muni sample-csv --db "$db" --kommun "$kommun" --limit 8 --actor muni1 >"$work/res.csv" ||
    fail "muni sample-csv"
rows=$(($(wc -l <"$work/res.csv") - 1))
[[ $rows -ge 3 ]] || fail "sample list has only $rows residents"
out=$("$vx" muni upload --db "$db" --date 2021-03-08 --kommun "$kommun" --legal-basis consent \
    --actor muni1 "$work/res.csv") || fail "muni upload: $out"
grep -q "new $rows " <<<"$out" || fail "upload did not report $rows new residents: $out"

# 2. the nurse records a dose for the first resident: municipality set, no site
pnr=$(sed -n 2p "$work/res.csv" | cut -d, -f1)
lot=$(sqlite3 "$db" "SELECT lot_number FROM lots WHERE vaccine_code = 'COM' LIMIT 1")
[[ -n "$lot" ]] || fail "demo-setup received no Comirnaty lot"
out=$("$vx" care record --db "$db" --now 2021-03-08T10:00:00+01:00 --vaccine COM --lot "$lot" \
    --kommun "$kommun" --actor nurse1 "$pnr") || fail "care record: $out"
id=$(sed -n 's/^dose \([0-9][0-9]*\) recorded.*/\1/p' <<<"$out")
[[ -n "$id" ]] || fail "no dose id in: $out"
[[ $(sqlite3 "$db" "SELECT kommun_code || '|' || coalesce(site_id, 'none') FROM doses WHERE id = $id") == "$kommun|none" ]] ||
    fail "dose $id is not a municipal dose"
# the same dose again the same day is refused, and nothing is written
n0=$(sqlite3 "$db" "SELECT count(*) FROM doses")
if "$vx" care record --db "$db" --now 2021-03-08T11:00:00+01:00 --vaccine COM --lot "$lot" \
    --kommun "$kommun" --actor nurse1 "$pnr" >/dev/null 2>&1; then
    fail "a duplicate dose was accepted"
fi
[[ $(sqlite3 "$db" "SELECT count(*) FROM doses") == "$n0" ]] || fail "a refused dose was written"

# 3. the register: the dose is in the NVR file once, and a second export sends nothing
mkdir "$work/nvr"
"$vx" register export --db "$db" --register nvr --out "$work/nvr" --date 2021-03-08 >/dev/null ||
    fail "register export"
hits=$(cat "$work/nvr"/*.csv | awk -F';' -v id="$id" '$3 == id' | wc -l)
[[ $hits -eq 1 ]] || fail "dose $id is $hits times in the NVR export"
cat "$work/nvr"/*.csv | awk -F';' -v id="$id" -v k="$kommun" '$3 == id && $12 == k && $10 == ""' |
    grep -q . || fail "the NVR row of dose $id lacks the municipality or has a care unit"
out=$("$vx" register export --db "$db" --register nvr --out "$work/nvr" --date 2021-03-08) ||
    fail "second register export"
grep -q "^nvr: nothing new to export" <<<"$out" || fail "the second export sent records again: $out"
[[ $(ls "$work/nvr" | wc -l) -eq 1 ]] || fail "the second export wrote a file"

# 4. the compensation statement counts it under the agreement in force
out=$("$vx" ledger statement --db "$db" --region 01 --kommun "$kommun" --from 2021-01-01 \
    --to 2021-03-31 --format csv) || fail "ledger statement: $out"
grep -q "$kommun" <<<"$out" || fail "statement has no row for $kommun: $out"
json=$("$vx" ledger statement --db "$db" --region 01 --kommun "$kommun" --from 2021-03-08 \
    --to 2021-03-08 --format json) || fail "ledger statement json"
grep -Eq '"doses": ?1[,}]' <<<"$json" || fail "statement for 2021-03-08 does not count 1 dose: $json"

# 5. the audit log: the list read, the upload and the dose, never a personnummer
for action in person.list muni.list.upload dose.record; do
    n=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE action = '$action'")
    [[ $n -ge 1 ]] || fail "no $action row in the audit log"
done
leaks=$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE object LIKE '%$pnr%' OR detail LIKE '%$pnr%'")
[[ $leaks -eq 0 ]] || fail "a personnummer is in the audit log"
echo "ok: list of $rows shared, dose $id recorded, exported once, in the statement, audited"
