"""Start-up loads only what the first window needs (issue 7): dialogs and registers load on use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
)

_SCRIPT = """
import sys, tempfile
from datetime import datetime
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from desktop_app.storage.settings import Preferences
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.protocols import load_protocol
from desktop_app.widgets.main_window import MainWindow
app = QApplication([])
folder = Path(tempfile.mkdtemp())
state = QSettings(str(folder / "w.ini"), QSettings.Format.IniFormat)
window = MainWindow(load_protocol(), Preferences(), now=lambda: datetime.now().astimezone(),
                    autosave=Autosave(folder), window_state=state)
window.show()
app.processEvents()
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
