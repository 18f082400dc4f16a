#!/usr/bin/env bash
# Install the peer scanners into their own venv (bench/.peers), apart from credscope's.
# Peers: detect-secrets (Python reference), kingfisher-bin (Rust + Vectorscan), credsweeper.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.peers"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q detect-secrets kingfisher-bin credsweeper
"$venv/bin/kingfisher" --version || true
"$venv/bin/detect-secrets" --version
echo "peers installed in $venv"
