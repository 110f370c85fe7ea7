#!/usr/bin/env bash
# Install what the test suite needs beyond Python, from Debian's packages, when missing:
# Chromium + ChromeDriver (the dashboard's browser test), redis-server (the shared-state
# tests, which start and stop their own server on a loopback port), and promtool
# (tests/test_ops.py checks and unit-tests ops/prometheus/alerts.yml). Idempotent; quiet
# when everything is already there.
#
# promtool ships only in Debian's `prometheus` package, whose installation would also enable
# and start a Prometheus server where systemd runs: so the package is downloaded, not
# installed, and promtool alone is unpacked into .venv/bin (found there by the tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
want_promtool=0
command -v promtool >/dev/null 2>&1 || [ -x "$root/.venv/bin/promtool" ] || want_promtool=1
((${#need[@]} + want_promtool)) || exit 0
missing=("${need[@]}")
((want_promtool)) && missing+=("promtool (from the prometheus package)")
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]} (install them with your package manager; the tests that need them fail without them)" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "missing: ${missing[*]}; run this script as root" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
if ((${#need[@]})); then
  echo "== installing ${need[*]} from Debian's packages =="
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ((want_promtool)); then
  echo "== unpacking promtool from Debian's prometheus package into .venv/bin =="
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # (as root, apt would hand the download to its sandbox user, who cannot write to $tmp)
  (cd "$tmp" && apt-get -o APT::Sandbox::User="$(id -un)" download -qq prometheus >/dev/null)
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
  mkdir -p "$root/.venv/bin"
  install -m 755 "$tmp/usr/bin/promtool" "$root/.venv/bin/promtool"
fi
