#!/usr/bin/env bash
# run-fuzz.sh SECONDS — run every libFuzzer target for SECONDS each, with its seed
# corpus from tests/fuzz/corpus/<target>/ (copied, so the checked-in seeds stay small).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
status=0
for bin in build/fuzz/fuzz_*; do
  [[ -x "$bin" ]] || continue
  name=$(basename "$bin")
  work="build/fuzz/corpus-$name"
  mkdir -p "$work"
  if [[ -d "tests/fuzz/corpus/$name" ]]; then cp -n tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true; fi
  echo "== $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" \
        > "build/fuzz/$name.log" 2>&1; then
    echo "FAIL: $name (log: build/fuzz/$name.log)"; tail -40 "build/fuzz/$name.log"; status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "build/fuzz/$name.log" | tail -2
  fi
done
exit $status
