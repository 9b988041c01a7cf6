#!/usr/bin/env bash
# Sets up everything B12-K Planner needs on a fresh Debian machine, idempotently:
#   1. the Debian libraries Qt needs to import and render offscreen (apt, when root);
#   2. a virtual environment in .venv with the pinned packages of requirements.lock;
#   3. the project itself, installed in editable mode.
# Re-running it is cheap: each step is skipped when already done.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# Qt itself (offscreen rendering), a font, and every library Qt's X11 (xcb) platform plugin links:
# without one of these the window does not open on a real desktop (desktop_app/display_check.py
# names them again, with the same packages, when the program finds one missing).
DEBIAN_PACKAGES=(libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3
  fonts-dejavu-core
  libxcb1 libx11-6 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0)
# Tools the tests use (PDF to PNG rendering; a barcode reader; a virtual X server so that the real
# window starts once under the xcb platform; PostgreSQL 15, whose initdb and pg_ctl the register
# tests use for a throwaway server). Installed when B12K_TEST_TOOLS=1 (scripts/test.sh).
DEBIAN_OPTIONAL=(poppler-utils)
if [ "${B12K_TEST_TOOLS:-0}" = "1" ]; then
  DEBIAN_OPTIONAL+=(xvfb xauth zbar-tools postgresql)
fi

log() { printf '[setup] %s\n' "$*" >&2; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${DEBIAN_PACKAGES[@]}" "${DEBIAN_OPTIONAL[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "these Debian packages are missing and I am not root: ${missing[*]}"
    log "ask an administrator to run: apt-get install --no-install-recommends ${missing[*]}"
  fi
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  log "Python 3.11 or newer is needed; found $("$PY" --version 2>&1)"
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  log "creating virtual environment in .venv"
  "$PY" -m venv .venv
fi

# Extras of pyproject.toml to install: tests and FHIR always; more through B12K_EXTRAS (for example
# B12K_EXTRAS=build from scripts/build.sh, for PyInstaller).
extras="test,fhir${B12K_EXTRAS:+,$B12K_EXTRAS}"
stamp=.venv/.b12k-installed
want="$( (cat requirements.lock pyproject.toml; echo "$extras") | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing pinned packages (requirements.lock)"
  # PySide6-Pdf (6.12 only) was replaced by PySide6-Addons 6.11.3, which ships the same QtPdf files.
  if .venv/bin/python -m pip show -q PySide6-Pdf >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall -q -y --disable-pip-version-check PySide6-Pdf
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock hatchling editables
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation \
      -c requirements.lock -e ".[$extras]"
  echo "$want" > "$stamp"
else
  log "packages up to date"
fi
