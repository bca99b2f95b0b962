#!/usr/bin/env bash
# plan_allocate.sh VAXCHAIN SHARED — end-to-end test of `vaxchain plan allocate` and
# `vaxchain plan deliveries` on the real FoHM series: regional packages sum to the week's
# national whole packages, every cumulative deviation is within one package, the 2021-W03
# Comirnaty forecast (87,750) and its cut are listed, and bad options are usage errors.
set -euo pipefail
vx="$1"; shared="$2"
export VAXCHAIN_SHARED_DATA="$shared"
fail() { echo "FAIL: $*" >&2; exit 1; }

for basis in adult age:65- age:70-; do
  for wk in 2021-W03 2021-W10 2021-W20 2021-W47; do
    out=$("$vx" plan allocate --week "$wk" --basis "$basis" --csv)
    rows=$(printf '%s\n' "$out" | tail -n +2 | wc -l)
    [[ "$rows" == 21 ]] || fail "$wk $basis: $rows regions"
    printf '%s\n' "$out" | tail -n +2 | awk -F, '$8 <= -1 || $8 >= 1 { bad=1 } END { exit bad }' \
      || fail "$wk $basis: deviation of a package or more"
    printf '%s\n' "$out" | tail -n +2 | awk -F, '$6 < 0 || $5 != $6 * 1170 { bad=1 } END { exit bad }' \
      || fail "$wk $basis: doses are not whole trays"
  done
done

# 2021-W10 Comirnaty: cumulative packages == floor(cumulative delivered / 1170).
cum=$(awk -F, '$2=="COM" && $1<="2021-W10" { s+=$3 } END { print s }' \
      "$shared/se/deliveries_se_week_reconstructed.csv")
got=$("$vx" plan allocate --week 2021-W10 --csv | awk -F, 'NR>1 { s+=$7 } END { print s }')
[[ "$got" == $((cum / 1170)) ]] || fail "cumulative packages $got, want $((cum / 1170))"
"$vx" plan allocate --week 2021-W10 --lang en | grep -q '^Carried nationally: ' || fail "no carry line"
"$vx" plan allocate --week 2021-W10 --vaccine AZ --package 10 --csv >/dev/null || fail "AZ"

out=$("$vx" plan deliveries --as-of 2021-01-20 --vaccine COM --csv)
[[ "$out" == *"2021-W03,COM,1,2021-01-17,forecast,87750,S1,1"* ]] || fail "W03 forecast: $out"
out=$("$vx" plan deliveries --as-of 2021-03-01 --vaccine COM --lang en)
printf '%s\n' "$out" | grep -q '^2021-W03 .*87750 (S1 2021-01-17) -> 58967' || fail "W03 revision: $out"

rc=0; "$vx" plan allocate --week 2021-W99 2>/dev/null || rc=$?
[[ "$rc" == 2 ]] || fail "bad --week: exit $rc, want 2"
rc=0; "$vx" plan allocate --week 2021-W10 --basis kids 2>/dev/null || rc=$?
[[ "$rc" == 2 ]] || fail "bad --basis: exit $rc, want 2"
rc=0; "$vx" plan deliveries --vaccine PFZ 2>/dev/null || rc=$?
[[ "$rc" == 2 ]] || fail "bad --vaccine: exit $rc, want 2"
rc=0; "$vx" plan allocate --week 2023-W10 2>/dev/null || rc=$?
[[ "$rc" == 1 ]] || fail "week outside the series: exit $rc, want 1"
"$vx" plan allocate --help | grep -q -- '--basis' || fail "help lacks --basis"
echo "plan_allocate: ok"
