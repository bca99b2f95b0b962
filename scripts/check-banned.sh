#!/usr/bin/env bash
# check-banned.sh — fail when a banned libc function is called in our sources
# (see include/vx/banned.h for the list and the reasons).
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|strncpy|sprintf|vsprintf|gets|atoi|atol)[[:space:]]*\('
if grep -nE "$pattern" $(git ls-files 'src/*.c' 'src/*.h' 'bench/*.c' 'tests/*.c' 2>/dev/null) \
     | grep -vE '(snprintf|vsnprintf)' ; then
  echo "banned function used (see include/vx/banned.h)" >&2
  exit 1
fi
echo "banned functions: none"
