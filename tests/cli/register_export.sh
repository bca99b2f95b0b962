#!/usr/bin/env bash
# register_export.sh VAXCHAIN SHARED — the register export from the command line, on a
# small demo database (docs/register-export.md): init → demo-data → demo-setup (which
# records the phase-1 doses through the store) → `register export` for nvr, hl7 and fhir:
# every file is there, each register got exactly one record per dose (the NVR trailer's
# count and SHA-256 are right, the dose ids are the doses table's), a second export
# writes nothing new, a void made the way the care module makes it leaves once more as
# one `void` record, and `register status` shows nothing pending and no personnummer.
# Usage errors exit 2.
set -euo pipefail
vx="$1"
shared="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/vx-regx.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
command -v sqlite3 >/dev/null || fail "sqlite3 is needed (scripts/install-deps.sh)"
export VAXCHAIN_SHARED_DATA="$shared"
db="$work/vx.db"

"$vx" init --db "$db" >/dev/null || fail "init"
"$vx" demo-data --db "$db" --scale 0.001 --seed 1 --quiet >/dev/null || fail "demo-data"
"$vx" demo-setup --db "$db" --date 2021-03-08 --days 7 >/dev/null || fail "demo-setup"
doses=$(sqlite3 "$db" "SELECT count(*) FROM doses")
[[ $doses -ge 100 ]] || fail "demo-setup recorded only $doses doses"

# before any export everything is pending (the doses are not in the change log yet)
st=$("$vx" register status --db "$db" --json) || fail "status"
grep -q "\"register\":\"nvr\",\"pending\":$doses," <<<"$st" || fail "pending before export: $st"

mkdir -p "$work/nvr" "$work/hl7" "$work/fhir"
for reg in nvr hl7 fhir; do
    out=$("$vx" register export --db "$db" --register "$reg" --out "$work/$reg" --date 2021-03-08) ||
        fail "export $reg: $out"
    case $reg in
    hl7) [[ "$out" == "hl7: $doses changes, $doses sent, 0 retried,"* ]] || fail "hl7: $out" ;;
    *) [[ "$out" == "$reg: $doses records in "* ]] || fail "$reg: $out" ;;
    esac
done

# NVR: header, one record per dose, trailer with count and SHA-256 of what precedes it
nvr="$work/nvr/NVR_20210308_0001.csv"
[[ -f "$nvr" ]] || fail "no $nvr"
[[ $(head -n 1 "$nvr") == "seq;action;dose_id;version;personnummer;"* ]] || fail "NVR header"
[[ $(($(wc -l <"$nvr") - 2)) == "$doses" ]] || fail "NVR record count"
sha=$(head -n -1 "$nvr" | sha256sum | cut -d' ' -f1)
[[ $(tail -n 1 "$nvr") == "#END;$doses;$sha" ]] || fail "NVR trailer: $(tail -n 1 "$nvr") (want $doses;$sha)"
diff <(sed '1d;$d' "$nvr" | cut -d';' -f3 | sort -n) \
    <(sqlite3 "$db" "SELECT id FROM doses ORDER BY id") >/dev/null || fail "NVR dose ids differ from the doses"
[[ $(sed '1d;$d' "$nvr" | cut -d';' -f2 | sort -u) == "new" ]] || fail "NVR actions other than new"

# FHIR: one Immunization per line, the dose ids once each
fhir="$work/fhir/FHIR_Immunization_20210308_0001.ndjson"
[[ -f "$fhir" ]] || fail "no $fhir"
[[ $(wc -l <"$fhir") == "$doses" ]] || fail "FHIR line count"
[[ $(grep -c '^{"resourceType":"Immunization","id":"[0-9]*","meta":{"versionId":"1"},"status":"completed"' "$fhir") == "$doses" ]] ||
    fail "FHIR lines are not all version-1 completed Immunizations"
[[ $(sed 's/^{"resourceType":"Immunization","id":"\([0-9]*\)".*/\1/' "$fhir" | sort -u | wc -l) == "$doses" ]] ||
    fail "FHIR dose ids not unique"

# HL7: one VXU per dose, named by its control id, RXA-21 A
[[ $(find "$work/hl7" -name 'VX*.hl7' | wc -l) == "$doses" ]] || fail "HL7 message count"
[[ -z $(find "$work/hl7" -name '.*') ]] || fail "a temporary HL7 file stayed behind"
first=$(find "$work/hl7" -name 'VX1-*.hl7')
tr '\r' '\n' <"$first" | grep -q '^RXA|.*|A$' || fail "HL7 RXA-21 is not A"

# exactly once: a second export writes nothing new
for reg in nvr fhir; do
    out=$("$vx" register export --db "$db" --register "$reg" --out "$work/$reg" --date 2021-03-08)
    [[ "$out" == "$reg: nothing new to export" ]] || fail "second $reg export: $out"
    [[ $(find "$work/$reg" -type f | wc -l) == 1 ]] || fail "second $reg export wrote a file"
done
out=$("$vx" register export --db "$db" --register hl7 --out "$work/hl7")
[[ "$out" == "hl7: 0 changes, 0 sent,"* ]] || fail "second hl7 export: $out"

# a void (the care module's UPDATE) leaves once more, as one void record of version 2
id=$(sqlite3 "$db" "SELECT max(id) FROM doses")
sqlite3 "$db" "UPDATE doses SET status = 'voided', version = version + 1, void_reason = 'fel person; rättat',
               updated_at = 1615201200 WHERE id = $id"
out=$("$vx" register export --db "$db" --register nvr --out "$work/nvr" --date 2021-03-08)
[[ "$out" == "nvr: 1 records in $work/nvr/NVR_20210308_0002.csv" ]] || fail "export after a void: $out"
rec=$(sed -n 2p "$work/nvr/NVR_20210308_0002.csv")
[[ "$rec" == "$((doses + 1));void;$id;2;"*';"fel person; rättat"' ]] || fail "void record: $rec"

# status: nothing pending for nvr, one change pending for the others; no personnummer
st=$("$vx" register status --db "$db") || fail "status"
grep -Eq '^nvr +0 +'"$((doses + 1))"' ' <<<"$st" || fail "nvr status: $st"
grep -Eq '^fhir +1 +'"$doses"' ' <<<"$st" || fail "fhir status: $st"
pnr=$(sqlite3 "$db" "SELECT pnr FROM persons LIMIT 1")
[[ "$st" != *"$pnr"* ]] || fail "status shows a personnummer"

# usage errors
rc=0
"$vx" register export --db "$db" --register xml --out "$work/nvr" 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "--register xml: exit $rc, want 2"
rc=0
"$vx" register export --db "$db" --register nvr --out "$work/none" 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "missing folder: exit $rc, want 2"
echo "register_export: ok ($doses doses)"
