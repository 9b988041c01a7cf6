#!/usr/bin/env bash
# One command: set everything up, then start B12-K Planner.
# With a display: opens the window. Without one (or with --headless): writes the bundled
# demo patient's plan and printable order sheet to ./out/ instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/setup.sh

headless=0
if [ "${1:-}" = "--headless" ]; then headless=1; shift; fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
  if [ "$headless" = "0" ]; then
    echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open."
    echo "Running the headless example instead: the demo patient's plan and order sheet go to ./out/."
    echo "(On a workstation with a display, the same command opens the window.)"
  fi
  headless=1
fi

if [ "$headless" = "1" ]; then
  mkdir -p out
  .venv/bin/b12k example -o out/demo-patient.json
  .venv/bin/b12k plan out/demo-patient.json --format text | tee out/demo-plan.txt
  # The demo is not a real patient: its sheet is not recorded in the audit register.
  .venv/bin/b12k pdf out/demo-patient.json -o out/demo-order-sheet.pdf --no-record
  echo "Order sheet written: out/demo-order-sheet.pdf"
else
  exec .venv/bin/b12k-planner "$@"
fi
