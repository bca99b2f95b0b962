#!/usr/bin/env bash
# crash_short.sh VAXCHAIN SHARED — the short form of `make crash-test` for `make test`:
# three rounds of a booking storm against `vaxchain serve`, kill -9 at a random moment,
# restart, and check in the database that every booking that got 201 is there, that no
# slot is over capacity and no person has two active series (bench/booking, --crash).
# Small data: the 1 % demo population (about 28,000 persons born 1961 or earlier),
# 64 connections; a few seconds in a release build, well under 30 s with ASan. SHARED is unused (the demo data comes from
# the source tree's data/ and the SCB tables the CLI finds itself).
set -euo pipefail
vx="$1"
bench="$(dirname "$vx")/bench_booking"
[[ -x "$bench" ]] || { echo "FAIL: $bench is not built" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$bench" --vaxchain "$vx" --crash 3 --scale 0.01 --conns 64 \
    --kill-min-ms 200 --kill-max-ms 600 --dir "$work" --rng "${CRASH_SEED:-42}"
