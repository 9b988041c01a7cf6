"""Shared test set-up: offscreen Qt by default (a developer may override to watch)."""

from __future__ import annotations

import os

import pytest

from desktop_app.qt_compat import installed_pyside, unsafe_qt_message

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# An environment from before the PySide6 pin would abort mid-run: stop with the fix instead.
_QT_PROBLEM = unsafe_qt_message(installed_pyside())
if _QT_PROBLEM is not None:
    pytest.exit(_QT_PROBLEM, returncode=3)


@pytest.fixture(autouse=True)
def _user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the config and data folders at temporary ones: no test touches the real home."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("B12K_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("B12K_DATA_DIR", str(base / "data"))
