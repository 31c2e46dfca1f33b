#!/usr/bin/env bash
# Installs the assistant and starts the chat page on http://127.0.0.1:7860 (offline defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
exec .venv/bin/policy-assistant serve "$@"
