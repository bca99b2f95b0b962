#!/usr/bin/env bash
# register_check.sh VAXCHAIN SHARED — end-to-end test of `vaxchain register check-vxu`
# and `register check-fhir`: every CDC CVRS sample agrees with the CDC validator
# ("N passed, 0 failed"), the Z22 sample parses and round-trips, malformed input is
# reported with its segment and field, and the FHIR R4 examples re-emit equal.
set -euo pipefail
vx="$1"; shared="$2"
dir="$shared/interop/hl7v2/cdc-cvrs"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

n=$(ls "$dir"/valid/*.hl7 "$dir"/errors/*.hl7 | wc -l)
out=$("$vx" register check-vxu --today 2026-11-25 --expect "$dir" "$dir"/valid/*.hl7 "$dir"/errors/*.hl7) \
  || fail "check-vxu --expect exited $?"
[[ "$(printf '%s\n' "$out" | tail -n 1)" == "$n passed, 0 failed" ]] || fail "summary: $(printf '%s\n' "$out" | tail -n 1)"
[[ $(printf '%s\n' "$out" | grep -c $'\tvalid\t') == 28 ]] || fail "28 valid expected"
printf '%s\n' "$out" | grep -q $'testerror-044.hl7\tinvalid\tRXA-5-1 cvx REQD001: cvx is required for Vaccination events$' \
  || fail "testerror-044 line"

# without --expect: exit 1 when a message is invalid, 0 when all are valid
"$vx" register check-vxu "$dir"/valid/testgood-001.hl7 >/dev/null || fail "valid sample rejected"
"$vx" register check-vxu "$dir"/errors/testerror-044.hl7 >/dev/null && fail "error sample accepted" || rc=$?
[[ "${rc:-0}" == 1 ]] || fail "invalid: exit $rc, want 1"

# Z22 (CRLF upstream): parses and round-trips; the CVRS profile rejects it as upstream says
z22="$shared/interop/hl7v2/cdc-z22/Adult z22 New Covid vaccine.hl7"
out=$("$vx" register check-vxu "$z22" || true)
[[ "$out" == *$'\tinvalid\t'* && "$out" != *"round trip"* ]] || fail "z22: $out"

# malformed messages: clear error with segment and field
printf 'PID|1||x\r' > "$tmp/nomsh.hl7"
printf 'MSH|^~|&|\r' > "$tmp/enc.hl7"
printf 'MSH|^~\\&|x\rPID|1||a\\Q\\\r' > "$tmp/esc.hl7"
out=$("$vx" register check-vxu "$tmp/nomsh.hl7" "$tmp/enc.hl7" "$tmp/esc.hl7" || true)
[[ "$out" == *"nomsh.hl7"$'\tinvalid\t'"PID (segment 1): message does not start with an MSH segment"* ]] || fail "no MSH: $out"
[[ "$out" == *"enc.hl7"$'\tinvalid\t'"MSH-2 (segment 1): bad encoding characters"* ]] || fail "encoding: $out"
[[ "$out" == *"esc.hl7"$'\tinvalid\t'"PID-3 (segment 2): unknown escape sequence"* ]] || fail "escape: $out"
"$vx" register check-vxu --defaults maybe "$tmp/esc.hl7" 2>/dev/null && fail "bad --defaults accepted" || rc=$?
[[ "$rc" == 2 ]] || fail "bad --defaults: exit $rc, want 2"
"$vx" register check-vxu "$tmp/missing.hl7" 2>/dev/null && fail "missing file accepted" || rc=$?
[[ "$rc" == 3 ]] || fail "missing file: exit $rc, want 3"

# FHIR R4 examples: parse and re-emit equal
out=$("$vx" register check-fhir "$shared"/interop/fhir/examples/*.json) || fail "check-fhir exited $?"
[[ $(printf '%s\n' "$out" | grep -c $'\tok$') == 5 ]] || fail "fhir: $out"
printf '{"resourceType":"Immunization","status":"done"}' > "$tmp/bad.json"
out=$("$vx" register check-fhir "$tmp/bad.json") && fail "bad FHIR accepted" || true
[[ "$out" == *$'\tinvalid\t'"Immunization.status:"* ]] || fail "bad FHIR: $out"
"$vx" register check-vxu --help | grep -q -- '--expect' || fail "help lacks --expect"
echo "register_check: ok"
