#!/usr/bin/env bash
# plan_db.sh VAXCHAIN SHARED — the database-backed planner end to end on a small demo
# database: `plan import` stores FoHM's delivery figures with every revision (a second
# import stores nothing; a bad file stores nothing and names its line), `plan allocate
# --db` stores national -> regional -> site allocations whose site parts add up to each
# region's allocation (in the CSV and in site_supply), and `plan replan` previews and then
# applies a delivery cut in one transaction.
set -euo pipefail
vx="$1"
shared="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export VAXCHAIN_SHARED_DATA="$shared"
db="$work/vx.db"

"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date 2021-03-08 --days 7 >/dev/null || fail "demo-setup"

# import: every revision, then nothing the second time
out=$("$vx" plan import --db "$db") || fail "plan import: $out"
echo "$out"
n=$(sed -n 's/.* \([0-9][0-9]*\) changes stored.*/\1/p' <<<"$out")
[[ -n "$n" && "$n" -gt 100 ]] || fail "plan import stored too few changes: $out"
out=$("$vx" plan import --db "$db") || fail "second plan import: $out"
grep -q " 0 changes stored" <<<"$out" || fail "second import changed something: $out"

# a bad file: exit 1, the line named, nothing stored
printf 'iso_week,vaccine,doses,method,forecast_doses\n2021-W30,COM,100,observed,\n2021-W31,PFZ,5,observed,\n' >"$work/bad.csv"
rc=0
err=$("$vx" plan import --db "$db" --file "$work/bad.csv" 2>&1) || rc=$?
[[ $rc == 1 ]] || fail "bad file: exit $rc, expected 1: $err"
grep -q "line 3" <<<"$err" || fail "bad file: the line is not named: $err"

# allocate: site parts add up to each region's allocation
csv=$("$vx" plan allocate --db "$db" --week 2021-W10 --vaccine COM --sites --csv) || fail "allocate: $csv"
awk -F, '
  $1 == "region" { doses[$2] = $6; sum[$2] = $13; n++ }
  $1 == "site"   { parts[$2] += $6 }
  END {
    if (n != 21) { print "expected 21 regions, got " n; exit 1 }
    for (r in doses) {
      if (parts[r] + 0 != sum[r] + 0) { print "region " r ": sites " parts[r] " != sites_sum " sum[r]; exit 1 }
      if (sum[r] + 0 != doses[r] + 0) { print "region " r ": sites_sum " sum[r] " != doses " doses[r]; exit 1 }
      total += doses[r]
    }
    if (total <= 0) { print "nothing allocated"; exit 1 }
    print "allocated " total " doses to 21 regions; site parts add up"
  }' <<<"$csv" || fail "allocation sums"
if command -v sqlite3 >/dev/null 2>&1; then
    bad=$(sqlite3 "$db" "SELECT count(*) FROM allocations a WHERE a.site_id IS NULL AND a.iso_week = '2021-W10'
        AND a.vaccine_code = 'COM' AND a.doses <> (SELECT coalesce(sum(ss.allocated), 0) FROM site_supply ss
        JOIN sites s ON s.id = ss.site_id WHERE s.region_code = a.region_code AND ss.iso_week = '2021-W10'
        AND ss.vaccine_code = 'COM')")
    [[ "$bad" == 0 ]] || fail "$bad regions whose site_supply.allocated does not sum to their allocation"
    q=$(sqlite3 "$db" "SELECT count(*) FROM plan_quotas WHERE iso_week = '2021-W10' AND site_id = 0")
    [[ "$q" == 21 ]] || fail "expected 21 regional quota rows, got $q"
fi

# errors: no week, a week without deliveries, an unknown policy
rc=0; "$vx" plan allocate --db "$db" --vaccine COM --csv >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "allocate without --week: exit $rc"
rc=0; err=$("$vx" plan allocate --db "$db" --week 2019-W10 2>&1) || rc=$?
[[ $rc == 1 ]] && grep -q "no delivery" <<<"$err" || fail "week without deliveries: exit $rc: $err"
rc=0; "$vx" plan allocate --db "$db" --week 2021-W10 --policy greedy >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "unknown policy: exit $rc"
rc=0; "$vx" plan replan --db "$db" --week 2021-W10 >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "replan without --doses: exit $rc"
rc=0; "$vx" plan replan --db "$work/none.db" --week 2021-W10 --doses 1 >/dev/null 2>&1 || rc=$?
[[ $rc == 3 && ! -e "$work/none.db" ]] || fail "replan on a missing database: exit $rc"

# replan: preview changes nothing, apply stores the revision
before=""
command -v sqlite3 >/dev/null 2>&1 && before=$(sqlite3 "$db" "SELECT count(*) FROM delivery_revisions")
out=$("$vx" plan replan --db "$db" --week 2021-W10 --vaccine COM --doses 20000 --dry-run) || fail "replan --dry-run: $out"
grep -q "applied=no" <<<"$out" || fail "dry run: $out"
grep -q "closed_slots=" <<<"$out" || fail "dry run: no totals: $out"
if [[ -n "$before" ]]; then
    [[ $(sqlite3 "$db" "SELECT count(*) FROM delivery_revisions") == "$before" ]] || fail "dry run wrote a revision"
fi
out=$("$vx" plan replan --db "$db" --week 2021-W10 --vaccine COM --doses 20000 --reason "halved") || fail "replan: $out"
echo "$out" | tail -n 1
grep -q "89664 -> 20000" <<<"$out" || fail "replan did not report old -> new: $out"
grep -q "uncovered_dose2=0 applied=yes" <<<"$out" || fail "replan: $out"
if [[ -n "$before" ]]; then
    [[ $(sqlite3 "$db" "SELECT count(*) FROM delivery_revisions r JOIN deliveries d ON d.id = r.delivery_id
        WHERE d.iso_week = '2021-W10' AND r.doses_after = 20000 AND r.reason = 'halved'") == 1 ]] || fail "revision not stored"
fi
echo "plan db: ok"
