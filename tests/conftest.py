"""Shared test set-up: offscreen Qt by default (a developer may override to watch)."""

from __future__ import annotations

import os

import pytest

from desktop_app.qt_compat import guard_none_refcount

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# PySide6 6.12 drops a reference to None on every void call; on Python 3.11 that aborts the
# interpreter after a few thousand calls. Guard before any test touches Qt (see the module).
guard_none_refcount()


@pytest.fixture(autouse=True)
def _user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the config and data folders at temporary ones: no test touches the real home."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("B12K_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("B12K_DATA_DIR", str(base / "data"))
