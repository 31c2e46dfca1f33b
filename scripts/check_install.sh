#!/usr/bin/env bash
# A non-editable install answers a question: `pip install .` into a fresh venv in a temporary folder,
# then `policy-assistant ask` run from that folder (not the checkout), with its index in the folder too.
# Usage: scripts/check_install.sh [question]     (needs the package registry; a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
tmp=$(mktemp -d /tmp/policy-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" --disable-pip-version-check -q install -c constraints.txt .
cd "$tmp"
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False POLICY_DATA_DIR="$tmp/data"
"$tmp/venv/bin/python" -c "import assistant, sys; assert 'site-packages' in assistant.__file__, assistant.__file__; print('installed:', assistant.__file__)"
"$tmp/venv/bin/policy-assistant" ask --json "${1:-郑州开展铁拳专项行动的责任单位有哪些？}"
"$tmp/venv/bin/policy-eval" --help >/dev/null && echo "policy-eval: ok"
