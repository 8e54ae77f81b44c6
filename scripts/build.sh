#!/usr/bin/env bash
# Build the one-folder, windowed app with PyInstaller (build.spec), then smoke-test the frozen
# result with its own --self-test (a throwaway register: write, read, a PDF, the audit chain,
# the main window offscreen). Exit code 0 only if both succeed.
#   bash scripts/build.sh            -> dist/nhsip-desktop/
# On Windows, run the same spec there (see docs/DEPLOYMENT.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q -e '.[build]'

started=$(date +%s)
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist build.spec
built=$(date +%s)

app=dist/nhsip-desktop/nhsip-desktop
echo "--- built $app in $((built - started)) s, $(du -sh dist/nhsip-desktop | cut -f1)"
echo "--- frozen self-test"
QT_QPA_PLATFORM=offscreen "$app" --self-test
echo "--- frozen build passed its self-test"
