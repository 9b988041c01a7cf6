"""Composition root of the GUI: logging, QApplication, protocol, window, crash handler, recovery."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from desktop_app import __version__

_log = logging.getLogger(__name__)

NO_DISPLAY_MESSAGE = (
    "B12-K Planner cannot open its window: no display was found (DISPLAY and WAYLAND_DISPLAY "
    "are not set).\n"
    "Without a display, use the headless tools instead:\n"
    "  bash scripts/run.sh --headless      (demo plan and order sheet into ./out/)\n"
    "  b12k plan PLAN.json                 (the plan as text)\n"
    "  b12k pdf PLAN.json -o sheet.pdf     (the printable order sheet)\n"
    "To run the window without a screen (testing only), set QT_QPA_PLATFORM=offscreen."
)


def has_display(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """True when a window can be shown (or a Qt platform was chosen explicitly)."""
    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


class SizeRotatingFileHandler(logging.FileHandler):
    """Append to a log file; at `max_bytes` it becomes `NAME.1` (`.1` becomes `.2`, and so on).

    The rotation of `logging.handlers.RotatingFileHandler` (without its namer and rotator
    hooks). That module imports `socket`, `pickle` and `queue` for its other handlers: ~5 ms of
    every start-up, before the window can appear.
    """

    def __init__(self, path: Path, max_bytes: int, backup_count: int) -> None:
        super().__init__(path, mode="a", encoding="utf-8")
        self.max_bytes = max_bytes
        self.backup_count = backup_count

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._should_roll_over(record):
                self._roll_over()
            super().emit(record)
        except Exception:
            self.handleError(record)

    def _should_roll_over(self, record: logging.LogRecord) -> bool:
        if os.path.exists(self.baseFilename) and not os.path.isfile(self.baseFilename):
            return False  # never rotate anything but a regular file (as bpo-45401)
        if self.stream is None:
            self.stream = self._open()
        message = f"{self.format(record)}\n"
        self.stream.seek(0, 2)
        return bool(self.stream.tell() + len(message) >= self.max_bytes)

    def _roll_over(self) -> None:
        if self.stream:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]
        for i in range(self.backup_count - 1, 0, -1):
            older = f"{self.baseFilename}.{i}"
            if os.path.exists(older):
                os.replace(older, f"{self.baseFilename}.{i + 1}")
        if self.backup_count > 0 and os.path.exists(self.baseFilename):
            os.replace(self.baseFilename, f"{self.baseFilename}.1")
        self.stream = self._open()


def configure_logging(log_path: Path) -> None:
    """Log to a rotating file in the data folder (every user-visible message goes there too)."""
    handler = SizeRotatingFileHandler(log_path, max_bytes=1_000_000, backup_count=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _skip_feature_scan_of_loaded_modules() -> None:
    """Tell PySide6 that the modules loaded before it do not use it (they are Qt-free).

    Once PySide6 is loaded, its `__feature__` import hook reads the source of each module named
    by an import statement the first time (to look for "PySide"): ~110 modules at start-up,
    most of them the standard library and the Qt-free core imported before PySide6. Entering
    those in PySide6's own table first, as "not using PySide" (-1), skips 64 of the reads:
    0.6% fewer instructions (~2-3 ms) and 2 MB less memory. No module uses
    `from __feature__ import ...`, so no feature selection changes. If a later PySide6 lacks
    the table, nothing is done.
    """
    try:
        from shibokensupport.feature import (  # type: ignore[import-not-found]
            pyside_feature_dict,
        )
    except ImportError:
        return
    if isinstance(pyside_feature_dict, dict):
        for name in list(sys.modules):
            if not name.startswith(("PySide6", "shiboken")):
                pyside_feature_dict.setdefault(name, -1)


def local_now() -> datetime:
    """Return the current time with the computer's time zone."""
    return datetime.now().astimezone()


def main(argv: Sequence[str] | None = None) -> int:
    """Start the window; return the exit status."""
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 1
    # No automatic cyclic collections while starting: about a hundred of them ran before the
    # first paint (~25 ms), and start-up leaves almost no cyclic garbage (~500 objects).
    gc.disable()
    try:
        return _start(argv)
    finally:
        gc.enable()


def _start(argv: Sequence[str] | None) -> int:
    """Build the application and the window, then run the event loop; return the exit status."""
    # The Qt-free core before PySide6: shiboken reads the source of every module imported after
    # it (start-up 590 -> 555 ms, peak memory 104 -> 98 MB).
    import desktop_app.demo  # noqa: F401
    import desktop_app.logic.engine  # noqa: F401
    import desktop_app.settings  # noqa: F401
    from desktop_app.qt_compat import guard_none_refcount

    guard_none_refcount()  # before any PySide6 call (PySide6 6.12 on Python 3.11)
    # Imported here so that the no-display path never loads Qt.
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    _skip_feature_scan_of_loaded_modules()
    from desktop_app.logic.errors import ProtocolError
    from desktop_app.paths import config_dir, data_dir, log_file
    from desktop_app.settings import load_preferences
    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.widgets import alerts
    from desktop_app.widgets.main_window import MainWindow

    configure_logging(log_file())
    _log.info("B12-K Planner %s starting", __version__)
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("B12-K Planner")
    app.setOrganizationName("b12k-planner")
    app.setApplicationVersion(__version__)

    prefs, prefs_problem = load_preferences()
    notes: list[str] = [prefs_problem] if prefs_problem else []
    try:
        lp = load_protocol(Path(prefs.protocol_path) if prefs.protocol_path else None)
    except ProtocolError as exc:
        if not prefs.protocol_path:
            alerts.error(
                None,
                "Protocol cannot be used",
                f"{exc}\n\nNo plan can be made. Reinstall B12-K Planner.",
            )
            return 1
        alerts.error(
            None,
            "Site protocol cannot be used",
            f"{exc}\n\nThe shipped default protocol is used instead until Settings "
            "names a valid site protocol.",
        )
        notes.append(
            f"The site protocol {prefs.protocol_path} could not be used; the shipped "
            "default protocol is in use (see the status bar)."
        )
        lp = load_protocol(None)

    autosave = Autosave(data_dir())
    window_state = QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lp, prefs, now=local_now, autosave=autosave, window_state=window_state)
    alerts.install_excepthook(window.autosave_now, log_file(), lambda: window)
    for note in notes:
        window.messages.show_message("warning", note)
    from desktop_app import startup_probe

    if startup_probe.requested():  # benchmarks only: demo plan, quit after the first paint
        startup_probe.arm(window, app)
    window.show()
    # Start-up objects (protocol, models, widgets) live for the whole session: keep them out of
    # the cyclic collector so its pauses stay short while the user types. No collection first:
    # it found only ~500 unreachable objects and took 20-50 ms before the first paint.
    gc.freeze()
    gc.enable()
    draft = autosave.load()
    if draft is not None:
        if alerts.ask_recover(window, draft.saved_at, draft.file_path):
            window.restore_draft(draft)
        else:
            autosave.clear()
    status: int = app.exec()
    return status
