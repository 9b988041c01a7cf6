"""Composition root of the GUI: logging, QApplication, protocol, window, crash handler, recovery."""

from __future__ import annotations

import gc
import importlib
import logging
import logging.handlers
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from desktop_app import __version__, disable_pydantic_plugins

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


#: Developer hook (docs/benchmarks.md): ``module:function``, called as ``function(window, app)``
#: just before the window is shown. Unset in normal use, and then nothing outside the
#: application is imported; the benchmarks set it to ``benchmarks.startup_probe:arm``.
WINDOW_HOOK_ENV = "B12K_WINDOW_HOOK"


def has_display(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """True when a window can be shown (or a Qt platform was chosen explicitly)."""
    env = os.environ if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def configure_logging(log_path: Path) -> None:
    """Log to a rotating file in the data folder (every user-visible message goes there too).

    The log and its rotated copies are readable by the user only (mode 0600).
    """
    from desktop_app.storage.private import private_file, private_rotator

    private_file(log_path)
    handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.rotator = private_rotator
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def local_now() -> datetime:
    """Return the current time with the computer's time zone."""
    return datetime.now().astimezone()


def window_hook(
    environ: dict[str, str] | os._Environ[str] | None = None,
) -> Callable[[Any, Any], object] | None:
    """Return the function B12K_WINDOW_HOOK names, None when it is unset.

    Raises:
        SystemExit: the variable does not name an importable ``module:function`` (the message
            says what was wrong; this is a developer setting, so start-up stops).
    """
    env = os.environ if environ is None else environ
    spec = env.get(WINDOW_HOOK_ENV, "").strip()
    if not spec:
        return None
    module_name, _, attribute = spec.partition(":")
    try:
        hook = getattr(importlib.import_module(module_name), attribute) if attribute else None
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"{WINDOW_HOOK_ENV}={spec!r} cannot be used: {exc}") from None
    if not callable(hook):
        raise SystemExit(f"{WINDOW_HOOK_ENV}={spec!r} must name a function as module:function.")
    return cast("Callable[[Any, Any], object]", hook)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the window; return the exit status."""
    disable_pydantic_plugins()  # the `b12k-planner` script's entry point: before any model
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 1
    from desktop_app.display_check import xcb_problem

    problem = xcb_problem()
    if problem is not None:  # Qt would abort with only "could not load the xcb plugin"
        print(problem, file=sys.stderr)
        return 1
    # No automatic cyclic collections while starting: start-up makes many objects and almost no
    # cyclic garbage, so the collections before the first paint find nothing (docs/benchmarks.md).
    gc.disable()
    try:
        return _start(argv)
    finally:
        gc.enable()


def _start(argv: Sequence[str] | None) -> int:
    """Build the application and the window, then run the event loop; return the exit status."""
    # The Qt-free core before PySide6: shiboken's import hook reads the source of every module
    # imported after it (docs/benchmarks.md).
    from desktop_app.qt_compat import installed_pyside, unsafe_qt_message

    problem = unsafe_qt_message(installed_pyside())
    if problem is not None:  # an environment from before the PySide6 pin
        print(problem, file=sys.stderr)
        return 1
    # Imported here so that the no-display path never loads Qt.
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_app.logic.errors import ProtocolError
    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.paths import config_dir, data_dir, log_file
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.storage.settings import load_preferences
    from desktop_app.widgets import alerts
    from desktop_app.widgets.main_window import MainWindow
    from desktop_app.widgets.style import apply_base_look

    configure_logging(log_file())
    _log.info("B12-K Planner %s starting", __version__)
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("B12-K Planner")
    app.setOrganizationName("b12k-planner")
    app.setApplicationVersion(__version__)
    apply_base_look(app)  # the colours FMT-09 was checked with, whatever the desktop theme

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
    hook = window_hook()
    if hook is not None:  # developer setting only (the benchmarks' start-up probe)
        hook(window, app)
    window.show()
    # Start-up objects (protocol, models, widgets) live for the whole session: keep them out of
    # the cyclic collector so its pauses stay short while the user types. No collection first:
    # it finds little and would delay the first paint.
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
