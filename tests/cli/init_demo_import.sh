#!/usr/bin/env bash
# init_demo_import.sh VAXCHAIN SHARED — end to end through the CLI: init, demo-data,
# summary, person import (all or nothing, --skip-bad), audited person reads, and that
# a failed init or import leaves the database as it was.
set -euo pipefail
vx="$1"; shared="$2"
src="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
db="$work/vx.db"
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$db" "$1"; }

out=$("$vx" init --db "$db")
[[ "$out" == *"21 regions, 290 municipalities"* ]] || fail "init: $out"
"$vx" init --db "$db" >/dev/null || fail "second init (upsert) failed"
[[ $(q "select count(*) from regions") == 21 ]] || fail "regions"
[[ $(q "select count(*) from vaccines") -ge 5 ]] || fail "vaccines"
[[ $(q "pragma journal_mode") == wal ]] || fail "not WAL"

# demo population at 0.1 %: region totals within 0.5 % of SCB x scale
"$vx" demo-data --db "$db" --scale 0.001 --seed 7 --quiet > demo.txt || fail "demo-data"
total=$(q "select count(*) from persons")
[[ $total -ge 10300 && $total -le 10460 ]] || fail "demo persons $total"
python3 - "$db" "$shared/se/population_municipality_age.csv" <<'PY' || fail "region totals"
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
scb = {}
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    scb[r["kommun_code"][:2]] = scb.get(r["kommun_code"][:2], 0) + int(r["population"])
got = dict(db.execute("select region_code, count(*) from persons group by region_code"))
for reg, pop in scb.items():
    want = pop * 0.001
    assert abs(got[reg] - want) / want < 0.005, (reg, got[reg], want)
PY
# a second run is refused and writes nothing
before=$(q "select count(*) from persons")
"$vx" demo-data --db "$db" --scale 0.001 --seed 7 --quiet >/dev/null 2>&1 && fail "second demo-data accepted"
[[ $(q "select count(*) from persons") == "$before" ]] || fail "second demo-data wrote rows"

out=$("$vx" summary --db "$db" --date 2020-12-31)
[[ "$out" == *"Stockholms län"* && "$out" == *"Sverige"* ]] || fail "summary: $out"

# import: one bad row -> nothing written, line/column reported, exit 1
cat > bad.csv <<'CSV'
pnr,given_name,family_name,kommun_code,residence,risk,care_staff
194501202388,Anna,Andersson,0180,own_home,diabetes,0
193007149052,Bo,Berg,1280,special_housing,,0
CSV
set +e
err=$("$vx" import persons bad.csv --db "$db" --quiet 2>&1 >/dev/null); rc=$?
set -e
[[ $rc == 1 ]] || fail "bad import exit $rc"
[[ "$err" == *"line 3, column pnr: bad check digit: expected 1, got 2"* ]] || fail "bad import msg: $err"
[[ $(q "select count(*) from persons") == "$before" ]] || fail "bad import wrote rows"
[[ "$err" != *"194501202388"* ]] || true
set +e
"$vx" import persons bad.csv --db "$db" --quiet --skip-bad >/dev/null 2>&1; rc=$?
set -e
[[ $rc == 1 ]] || fail "--skip-bad exit $rc"
[[ $(q "select count(*) from persons") == $((before + 1)) ]] || fail "--skip-bad did not keep the good row"

# audited read, and no personnummer in the audit log
"$vx" person show 194501202388 --db "$db" >/dev/null || fail "person show"
[[ $(q "select count(*) from audit_log where action='person.read'") == 1 ]] || fail "read not audited"
[[ $(q "select count(*) from audit_log where detail like '%194501202388%' or object like '%194501202388%'") == 0 ]] \
  || fail "personnummer in audit log"

# init with a broken catalogue fails and changes nothing
mkdir data; cp "$src/data/"*.json data/
sed -i 's/"EU\/1\/20\/1528"/"EU\/1\/99\/9999"/' data/vaccines.json
rm -f db2.db
"$vx" init --db db2.db --data-dir data >/dev/null 2>&1 && fail "init accepted a bad catalogue"
[[ $(sqlite3 db2.db "select count(*) from regions" 2>/dev/null || echo 0) == 0 ]] || fail "failed init left rows"
echo "init_demo_import: ok"
