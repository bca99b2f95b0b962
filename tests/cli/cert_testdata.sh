#!/usr/bin/env bash
# cert_testdata.sh VAXCHAIN SHARED — end-to-end test of `vaxchain cert`: the EU
# conformance cases (dgc-testdata) all agree ("64 passed, 0 failed", exit 0); keygen
# writes 0600 keys and prints no key material; issue -> verify round trip with the
# PNG/SVG/PDF files; an unknown signer, an expired clock and a broken text are
# rejected with the failing step and exit status 1; usage errors exit 2.
set -euo pipefail
vx="$1"; shared="$2"
export VAXCHAIN_SHARED_DATA="$shared"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vx-cert.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

out=$("$vx" cert testdata "$shared/interop/dcc/testdata") || fail "testdata exit $?: $out"
last=$(printf '%s\n' "$out" | tail -n 1)
[[ "$last" == "64 passed, 0 failed" ]] || fail "testdata: $last"
printf '%s\n' "$out" | grep -q DISAGREE && fail "disagreement reported: $out"

# keys: 0600, nothing secret on stdout; a second run rotates (a new signer)
kg=$("$vx" cert keygen --dir "$tmp/keys" --country SE)
[[ "$kg" == *"kid "* ]] || fail "keygen output: $kg"
[[ "$kg" != *"PRIVATE"* ]] || fail "keygen printed key material"
for f in "$tmp"/keys/*.key; do
  [[ $(stat -c %a "$f") == 600 ]] || fail "$f is not 0600"
done
"$vx" cert keygen --dir "$tmp/keys" > /dev/null
[[ $(ls "$tmp"/keys/dsc-*.pem | wc -l) == 2 ]] || fail "rotation did not add a signer"
"$vx" cert keygen --dir "$tmp/other" > /dev/null

# issue with the newest signer, verify with the whole folder as trust list
"$vx" cert issue --keys "$tmp/keys" --family "Öberg-Ärlig" --given "Åsa" --dob 1956-03-02 \
  --product COM --dose 2/2 --date 2021-03-01 --out "$tmp/c" > "$tmp/files"
for ext in txt png svg pdf; do
  [[ -s "$tmp/c.$ext" ]] || fail "no c.$ext"
done
head -c 4 "$tmp/c.pdf" | grep -q '%PDF' || fail "c.pdf is not a PDF"
head -c 4 "$tmp/c.txt" | grep -q 'HC1:' || fail "c.txt is not HC1"
out=$("$vx" cert verify --trust "$tmp/keys" < "$tmp/c.txt") || fail "verify exit $?: $out"
[[ "$out" == *"valid: signed by vaxchain demo DSC SE"* ]] || fail "verify: $out"
"$vx" cert verify --trust "$tmp/keys" --json "$(cat "$tmp/c.txt")" | grep -q '"fnt":	"OEBERG<AERLIG"' \
  || fail "json output lacks the standardised name"

rc=0; out=$("$vx" cert verify --trust "$tmp/other" < "$tmp/c.txt") || rc=$?
[[ $rc == 1 && "$out" == *"invalid: signature"* ]] || fail "unknown signer: exit $rc: $out"
rc=0; out=$("$vx" cert verify --trust "$tmp/keys" --clock 2099-01-01T00:00:00Z < "$tmp/c.txt") || rc=$?
[[ $rc == 1 && "$out" == *"invalid: expiry"* ]] || fail "expired: exit $rc: $out"
rc=0; out=$("$vx" cert verify --trust "$tmp/keys" "HC1:BB8A") || rc=$?
[[ $rc == 1 && "$out" == *"invalid: base45"* ]] || fail "bad base45: exit $rc: $out"
rc=0; out=$("$vx" cert verify --trust "$tmp/keys" "HC2:BB8") || rc=$?
[[ $rc == 1 && "$out" == *"invalid: prefix"* ]] || fail "bad prefix: exit $rc: $out"

rc=0; "$vx" cert verify --trust "$tmp/keys" --clock yesterday "HC1:" 2> /dev/null || rc=$?
[[ $rc == 2 ]] || fail "bad --clock: exit $rc, want 2"
rc=0; "$vx" cert issue --keys "$tmp/keys" --dob 1956-03-02 --product COM 2> /dev/null || rc=$?
[[ $rc == 2 ]] || fail "issue without a name: exit $rc, want 2"
rc=0; "$vx" cert issue --keys "$tmp/keys" --given Åsa --dob 1956-03-02 --product FLU_VAXIGRIP \
  2> /dev/null || rc=$?
[[ $rc == 1 ]] || fail "issue for a product without DCC codes: exit $rc, want 1"
echo "cert_testdata: ok"
