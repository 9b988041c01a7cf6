"""The composition root: start-up with recovery of an autosaved draft, then a clean exit."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

import PySide6
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app import app as app_module
from desktop_app import qt_compat
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.paths import data_dir, log_file
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.conftest import Alerts


@pytest.fixture
def no_event_loop(monkeypatch: pytest.MonkeyPatch) -> list[MainWindow]:
    """Replace app.exec: collect the window the root built, close it, return 0."""
    seen: list[MainWindow] = []
    # Windows an earlier test left open (in a full run) are not the one the root builds.
    earlier = set(QApplication.topLevelWidgets())

    def fake_exec(_self: Any = None) -> int:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and widget not in earlier:
                seen.append(widget)
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    old_hook = sys.excepthook
    root = logging.getLogger()
    handlers = list(root.handlers)
    level = root.level
    yield seen
    for window in seen:
        window.close()
        window.deleteLater()
    sys.excepthook = old_hook
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_start_offers_the_draft_and_restores_it(
    qapp: QApplication, no_event_loop: list[MainWindow], fake_alerts: Alerts
) -> None:
    draft_fields = {"PatientPanel": {"name": "Recovered Person", "identifier": "RX1"}}
    Autosave(data_dir()).save(draft_fields, None, datetime(2026, 11, 26, 9, tzinfo=UTC))
    fake_alerts.recover_answer = True
    dark = QPalette(QColor("#202020"))  # a dark desktop theme
    qapp.setPalette(dark)
    assert app_module.main([]) == 0
    (window,) = no_event_loop
    # The light Fusion look the contrast checks were made with, whatever the desktop's theme.
    assert qapp.style().name().lower() == "fusion"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    assert qapp.palette().color(QPalette.ColorRole.WindowText).lightness() < 60
    assert window.form.patient.name.text() == "Recovered Person"
    assert window.is_dirty()
    assert sys.excepthook is not sys.__excepthook__
    assert "starting" in log_file().read_text(encoding="utf-8")
    # No application-wide style sheet: each widget that needs one has its own (issue 7).
    assert qapp.styleSheet() == ""


def test_declining_recovery_discards_the_draft(
    qapp: QApplication, no_event_loop: list[MainWindow], fake_alerts: Alerts
) -> None:
    store = Autosave(data_dir())
    store.save({"PatientPanel": {"name": "Old"}}, None, datetime(2026, 11, 26, tzinfo=UTC))
    fake_alerts.recover_answer = False
    assert app_module.main([]) == 0
    (window,) = no_event_loop
    assert window.form.patient.name.text() == ""
    assert store.load() is None


def test_a_broken_site_protocol_falls_back_visibly(
    qapp: QApplication, tmp_path: Any, no_event_loop: list[MainWindow], fake_alerts: Alerts
) -> None:
    from desktop_app.storage.settings import Preferences, save_preferences

    bad = tmp_path / "site.json"
    bad.write_text("{}")
    save_preferences(Preferences(protocol_path=str(bad)))
    assert app_module.main([]) == 0
    (window,) = no_event_loop
    assert "Site protocol cannot be used" in fake_alerts.errors[0][0]
    assert any("could not be used" in t for t in window.messages.texts())
    assert "uk-default" in window.protocol_label.text()


def test_has_display() -> None:
    assert not app_module.has_display({}) or sys.platform in ("win32", "darwin")
    assert app_module.has_display({"DISPLAY": ":0"})
    assert app_module.has_display({"WAYLAND_DISPLAY": "wayland-0"})
    assert app_module.has_display({"QT_QPA_PLATFORM": "offscreen"})


#: What the window hook below was called with (window title, whether the window was shown yet).
_hook_calls: list[tuple[str, bool]] = []


def record_hook(window: Any, _app: Any) -> None:
    """A window hook for the test below: records the window it was given."""
    _hook_calls.append((window.windowTitle(), window.isVisible()))


def test_the_window_hook_is_called_with_the_window_before_it_is_shown(
    qapp: QApplication,
    no_event_loop: list[MainWindow],
    fake_alerts: Alerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hook_calls.clear()
    monkeypatch.setenv(app_module.WINDOW_HOOK_ENV, f"{__name__}:record_hook")
    assert app_module.main([]) == 0
    (window,) = no_event_loop
    assert _hook_calls == [(window.windowTitle(), False)]


def test_the_window_hook_is_off_unless_the_variable_names_one() -> None:
    assert app_module.window_hook({}) is None
    assert app_module.window_hook({app_module.WINDOW_HOOK_ENV: " "}) is None
    assert app_module.window_hook({app_module.WINDOW_HOOK_ENV: "json:dumps"}) is json.dumps


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("no_such_module_b12k:arm", "No module named"),
        ("json:no_such_function", "no_such_function"),
        ("json", "module:function"),
        ("json:__doc__", "module:function"),
    ],
)
def test_a_wrong_window_hook_stops_start_up_with_a_message(spec: str, says: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        app_module.window_hook({app_module.WINDOW_HOOK_ENV: spec})
    assert app_module.WINDOW_HOOK_ENV in str(stopped.value) and says in str(stopped.value)


def test_pyside_6_12_0_is_refused_on_python_3_11_only() -> None:
    message = qt_compat.unsafe_qt_message((6, 12, 0), (3, 11))
    assert message is not None
    assert "PySide6 6.12.0 cannot run on Python 3.11" in message
    assert "bash scripts/setup.sh" in message
    assert qt_compat.unsafe_qt_message((6, 12, 0), (3, 12)) is None
    assert qt_compat.unsafe_qt_message((6, 11, 3), (3, 11)) is None
    assert qt_compat.installed_pyside() == tuple(PySide6.__version_info__[:3])


def test_the_window_does_not_start_on_a_refused_pyside(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(qt_compat, "installed_pyside", lambda: (6, 12, 0))
    monkeypatch.setattr(qt_compat, "UNSAFE_ON_OLDER_PYTHON", (((6, 12, 0), (99, 0)),))
    assert app_module.main([]) == 1
    assert "PySide6 6.12.0 cannot run on Python" in capsys.readouterr().err


def test_the_installed_pyside_keeps_its_reference_to_none(qapp: QApplication) -> None:
    """What the pin is for: 6.12.0 dropped a reference to None on each call returning void."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.setVisible(False)
    assert sys.getrefcount(None) >= before - 10
