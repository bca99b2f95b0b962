#!/usr/bin/env bash
# pnr_check.sh VAXCHAIN SHARED — end-to-end test of `vaxchain pnr check`: every
# Skatteverket test number is ok and normalised to itself; the documented output
# format and exit codes hold; bad options are usage errors.
set -euo pipefail
vx="$1"; shared="$2"
dir="$shared/interop/personnummer/skatteverket"
fail() { echo "FAIL: $*" >&2; exit 1; }

for f in testpersonnummer-sample5000.csv testsamordningsnummer-sample.csv; do
  out=$(tail -n +2 "$dir/$f" | "$vx" pnr check --date 2026-11-25)
  n=$(printf '%s\n' "$out" | awk -F'\t' '$2=="ok" && $1==$3' | wc -l)
  want=$(($(wc -l < "$dir/$f") - 1))
  [[ "$n" == "$want" ]] || fail "$f: $n of $want ok"
done

out=$(printf '640823-3234\n640823-3235\n090527+1474\n20000101-T220\n' \
      | "$vx" pnr check --date 2026-11-25) && fail "exit 0 despite an invalid line" || rc=$?
[[ "${rc:-0}" == 1 ]] || fail "exit $rc, want 1"
expected=$'640823-3234\tok\t196408233234\n640823-3235\tinvalid\tbad check digit: expected 4, got 5\n090527+1474\tok\t190905271474\n20000101-T220\tok\t20000101T220'
[[ "$out" == "$expected" ]] || fail "output differs: $out"

out=$(printf '20000101-T220\n' | "$vx" pnr check --date 2026-11-25 --no-interim) && fail "interim accepted" || true
[[ "$out" == *"interim number not accepted"* ]] || fail "no interim reason: $out"

printf '640823-3234\n' | "$vx" pnr check --date 2026-13-01 2>/dev/null && fail "bad --date accepted" || rc=$?
[[ "$rc" == 2 ]] || fail "bad --date: exit $rc, want 2"
"$vx" pnr check --help | grep -q -- '--date' || fail "help lacks --date"
echo "pnr_check: ok"
