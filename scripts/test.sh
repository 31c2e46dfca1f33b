#!/usr/bin/env bash
# Installs everything the tests need, then runs the whole suite (fast and slow tiers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
exec .venv/bin/python -m pytest "$@"
