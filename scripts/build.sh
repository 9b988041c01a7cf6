#!/usr/bin/env bash
# Builds the one-folder desktop build with PyInstaller: dist/b12k-planner/ holds the window
# (b12k-planner), the command (b12k), the protocols, fonts, schemas and LOINC table, and runs where
# Python is not installed. Usage: bash scripts/build.sh [DIST_DIR]   (default: dist)
# Then writes the build's own hash into the folder (desktop_app/_resources/build-info.json) and
# prints the size against the budget in the README.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
B12K_EXTRAS=build bash scripts/setup.sh
dist="$(realpath -m "${1:-dist}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" packaging/b12k.spec
.venv/bin/python -m desktop_app.storage.build_info stamp "$dist/b12k-planner"
