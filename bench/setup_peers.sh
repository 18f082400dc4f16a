#!/usr/bin/env bash
# Create bench/.peers: a separate venv holding the peer scanners the benchmarks compare
# credscope with (detect-secrets, Kingfisher via its PyPI wheel, CredSweeper). Kept apart from
# the project's own venv so their pinned dependencies never leak into credscope's.
# Idempotent: an existing venv is reused and only missing packages are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/.peers"
python="${PYTHON:-python3}"
if [ ! -x "$peers/bin/python" ]; then
    "$python" -m venv "$peers"
fi
"$peers/bin/python" -m pip install --quiet --upgrade pip
"$peers/bin/python" -m pip install --quiet detect-secrets kingfisher-bin credsweeper
echo "peers venv ready: $peers"
"$peers/bin/detect-secrets" --version
"$peers/bin/kingfisher" --version || true
