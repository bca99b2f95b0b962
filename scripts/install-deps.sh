#!/usr/bin/env bash
# install-deps.sh — install every build and test dependency of vaxchain (Debian 12).
#
# Idempotent: only missing packages are installed, and nothing is done when all are
# present. `--check` only reports (exit 1 when something is missing). Needs root (or
# sudo) for apt-get. Every dependency of the project must be listed here.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git
  # fuzzing and formatting
  clang libclang-rt-14-dev clang-format
  # libraries
  libsqlite3-dev sqlite3 libcjson-dev libmicrohttpd-dev libssl-dev openssl zlib1g-dev
  libcbor-dev libqrencode-dev libcairo2-dev libzbar-dev
  libxlsxwriter-dev libglpk-dev
  # tests
  libcmocka-dev libcurl4-openssl-dev python3
  # browser tests (tests/browser): Debian's chromium driven by npm playwright-core
  chromium nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm: Debian's package, unless the installed nodejs already brings npm (NodeSource's
# nodejs does and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

# The browser tests' npm packages (package.json / package-lock.json; node_modules is
# git-ignored): installed when playwright-core is missing.
root="$(cd "$(dirname "$0")/.." && pwd)"
need_npm=false
if [[ -f "$root/package-lock.json" && ! -f "$root/node_modules/playwright-core/package.json" ]]; then
  need_npm=true
fi

if [[ ${#missing[@]} -eq 0 && $need_npm == false ]]; then
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  [[ ${#missing[@]} -eq 0 ]] || echo "missing packages: ${missing[*]}" >&2
  [[ $need_npm == false ]] || echo "missing node_modules/playwright-core: run npm ci" >&2
  exit 1
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ $need_npm == true ]]; then
  echo "install-deps: npm ci (playwright-core for the browser tests)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
