#!/usr/bin/env bash
# The four gates of the tree (issue 18), in the order that fails fastest. scripts/test.sh runs
# this before the tests, and .pre-commit-config.yaml runs the same commands. Each tool is pinned in
# pyproject.toml's `test` extra and requirements.lock; configuration is in pyproject.toml.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bin=.venv/bin
echo "lint: ruff check" >&2
"$bin/ruff" check --quiet .
echo "lint: ruff format --check" >&2
"$bin/ruff" format --check --quiet .
echo "lint: mypy (strict on desktop_app/logic and desktop_app/report)" >&2
"$bin/mypy" --no-error-summary
echo "lint: import-linter (logic imports no Qt; layers point down)" >&2
"$bin/lint-imports" --no-cache >/dev/null || { "$bin/lint-imports" --no-cache; exit 1; }
