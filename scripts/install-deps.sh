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
  # tests
  libcmocka-dev libcurl4-openssl-dev python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "missing packages: ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
