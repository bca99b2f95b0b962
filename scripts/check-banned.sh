#!/usr/bin/env bash
# check-banned.sh — fail when a banned libc function is called in our sources
# (see include/vx/banned.h for the list and the reasons). Comment lines are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='(^|[^A-Za-z0-9_.>])(strcpy|strcat|strncpy|sprintf|vsprintf|gets|atoi|atol)[[:space:]]*\('
files=$(git ls-files 'src/*.c' 'src/*.h' 'bench/*.c' 'tests/*.c' 2>/dev/null)
if grep -nE "$pattern" $files | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)'; then
  echo "banned function used (see include/vx/banned.h)" >&2
  exit 1
fi
echo "banned functions: none"
