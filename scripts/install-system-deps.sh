#!/usr/bin/env bash
# Install what the test suite needs beyond Python, from Debian's packages, when missing:
# Chromium + ChromeDriver (the dashboard's browser test) and redis-server (the shared-state
# tests, which start and stop their own server on a loopback port). Idempotent; quiet when
# everything is already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
((${#need[@]})) || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${need[*]} (install them with your package manager; the tests that need them fail without them)" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "missing: ${need[*]}; run as root: apt-get install ${need[*]}" >&2
    exit 0
  fi
fi
echo "== installing ${need[*]} from Debian's packages =="
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
