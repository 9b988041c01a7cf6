"""Start-up loads only what the first window needs (issue 7): dialogs and registers load on use."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Modules the main window must not load before it is shown: each is imported where it is used.
DEFERRED = (
    "desktop_app.widgets.override_dialog",
    "desktop_app.widgets.settings_dialog",
    "desktop_app.widgets.history_dialog",
    "desktop_app.widgets.import_dialog",
    "desktop_app.widgets.print_preview",
    "desktop_app.audit",
    "desktop_app.fhir",
    "desktop_app.report",
    "sqlite3",
    "logging.handlers",
)

_SCRIPT = """
import sys, tempfile
from datetime import datetime
from pathlib import Path
from desktop_app.qt_compat import guard_none_refcount
guard_none_refcount()
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from desktop_app.settings import Preferences
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.protocols import load_protocol
from desktop_app.widgets.main_window import MainWindow, audit_available, report_available
from desktop_app.app import configure_logging
app = QApplication([])
folder = Path(tempfile.mkdtemp())
configure_logging(folder / "b12k-planner.log")
state = QSettings(str(folder / "w.ini"), QSettings.Format.IniFormat)
window = MainWindow(load_protocol(), Preferences(), now=lambda: datetime.now().astimezone(),
                    autosave=Autosave(folder), window_state=state)
window.show()
app.processEvents()
assert audit_available() and report_available()
print(" ".join(sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[1:])))))
"""


def test_the_window_is_built_and_shown_without_dialogs_or_registers() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *DEFERRED],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.split() == []


def test_modules_loaded_before_pyside_are_not_scanned_for_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PySide6's `__feature__` hook reads the source of each module imported after it, unless
    its table already names the module; the composition root names the Qt-free ones (-1)."""
    from shibokensupport.feature import pyside_feature_dict  # type: ignore[import-not-found]

    from desktop_app import app

    loaded = types.ModuleType("b12k_loaded_before_pyside")
    monkeypatch.setitem(sys.modules, loaded.__name__, loaded)
    qt_before = {n: v for n, v in pyside_feature_dict.items() if n.startswith("PySide6")}
    app._skip_feature_scan_of_loaded_modules()
    try:
        assert pyside_feature_dict[loaded.__name__] == -1
        assert {n: pyside_feature_dict[n] for n in qt_before} == qt_before
    finally:
        pyside_feature_dict.pop(loaded.__name__, None)


def _write_log(handler: logging.Handler) -> None:
    for i in range(40):
        args = (i, "x" * i)
        record = logging.LogRecord("b12k", logging.INFO, __file__, 1, "line %d é %s", args, None)
        handler.handle(record)
    handler.close()


def test_the_log_rotates_like_the_standard_library_handler(tmp_path: Path) -> None:
    """The composition root's log handler writes and rotates exactly as RotatingFileHandler
    (every size limit from 200 to 299 bytes, so each boundary case occurs)."""
    from desktop_app.app import SizeRotatingFileHandler

    for max_bytes in range(200, 300):
        ours, theirs = tmp_path / f"ours{max_bytes}", tmp_path / f"theirs{max_bytes}"
        for folder in (ours, theirs):
            folder.mkdir()
            (folder / "x.log").write_text("kept from an earlier run\n", encoding="utf-8")
        _write_log(SizeRotatingFileHandler(ours / "x.log", max_bytes=max_bytes, backup_count=3))
        _write_log(
            logging.handlers.RotatingFileHandler(
                theirs / "x.log", maxBytes=max_bytes, backupCount=3, encoding="utf-8"
            )
        )
        files = {p.name: p.read_bytes() for p in ours.iterdir()}
        assert sorted(files) == ["x.log", "x.log.1", "x.log.2", "x.log.3"]
        assert files == {p.name: p.read_bytes() for p in theirs.iterdir()}, max_bytes
