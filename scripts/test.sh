#!/usr/bin/env bash
# One command: set everything up, run the four lint gates (scripts/lint.sh: ruff check, ruff format,
# mypy, import-linter), then run the whole test suite offscreen, with 100% line and branch coverage
# enforced on the pure clinical core (desktop_app/logic).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
B12K_TEST_TOOLS=1 B12K_EXTRAS=build,postgres bash scripts/setup.sh
bash scripts/lint.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
exec .venv/bin/python -m pytest \
  --cov=desktop_app/logic --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100 \
  "$@"
