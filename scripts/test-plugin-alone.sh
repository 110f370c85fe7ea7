#!/usr/bin/env bash
# Install ONE plugin with only the core into a fresh virtualenv and run that plugin's own tests,
# from inside the plugin's folder (its own pytest config), as a third party would.
# Usage: scripts/test-plugin-alone.sh plugins/<name>
set -euo pipefail
plugin=${1%/}
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
venv=$(mktemp -d "${TMPDIR:-/tmp}/coinrelay-alone.XXXXXX")
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$root/core" "$root/$plugin[test]"
cd "$root/$plugin"
echo "== $plugin alone (core + this plugin only) =="
"$venv/bin/python" -m pytest -q -p no:cacheprovider
