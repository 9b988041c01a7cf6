"""Fixtures for the GUI tests: a fixed clock, stand-ins for modal boxes, a window factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import QApplication

from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.protocols import load_protocol
from desktop_app.storage.settings import Preferences
from desktop_app.widgets import alerts
from desktop_app.widgets.main_window import MainWindow

#: The clock of every GUI test: the demo patient's first dose (14:00) is two hours later.
NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")


@dataclass
class Alerts:
    """What the modal boxes were asked, and what they answer."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    crashes: list[tuple[str, Path]] = field(default_factory=list)
    save_answer: str = "discard"
    save_questions: list[str] = field(default_factory=list)
    recover_answer: bool = True
    open_path: Path | None = None
    save_path: Path | None = None
    pdf_path: Path | None = None
    protocol_path: Path | None = None
    fhir_open_path: Path | None = None
    fhir_save_path: Path | None = None
    #: Answers to yes/no questions by kind ("outside_band", "withdraw", "patient"); asked kept.
    answers: dict[str, bool] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture(autouse=True)
def fake_alerts(monkeypatch: pytest.MonkeyPatch) -> Alerts:
    """Replace every modal box and file chooser, so no test can block on a dialog."""
    state = Alerts()
    monkeypatch.setattr(alerts, "error", lambda _p, title, text: state.errors.append((title, text)))
    monkeypatch.setattr(alerts, "info", lambda _p, title, text: state.infos.append((title, text)))
    monkeypatch.setattr(
        alerts, "show_crash", lambda details, log, _p=None: state.crashes.append((details, log))
    )

    def ask_save(_parent: Any, name: str) -> str:
        state.save_questions.append(name)
        return state.save_answer

    monkeypatch.setattr(alerts, "ask_save_changes", ask_save)
    monkeypatch.setattr(alerts, "ask_recover", lambda *_a: state.recover_answer)
    monkeypatch.setattr(alerts, "choose_open_path", lambda *_a: state.open_path)
    monkeypatch.setattr(alerts, "choose_save_path", lambda *_a: state.save_path)
    monkeypatch.setattr(alerts, "choose_pdf_path", lambda *_a: state.pdf_path)
    monkeypatch.setattr(alerts, "choose_protocol_path", lambda *_a: state.protocol_path)
    monkeypatch.setattr(alerts, "choose_fhir_open_path", lambda *_a: state.fhir_open_path)
    monkeypatch.setattr(alerts, "choose_fhir_save_path", lambda *_a: state.fhir_save_path)

    def asker(kind: str) -> Any:
        def ask(_parent: Any, text: str) -> bool:
            state.asked.append((kind, text))
            return state.answers.get(kind, False)

        return ask

    for kind in ("outside_band", "withdraw", "patient"):
        monkeypatch.setattr(alerts, f"confirm_{kind}", asker(kind))

    def no_yes_no(_parent: Any, title: str, text: str) -> bool:
        raise AssertionError(f"unexpected question {title!r}: {text}")

    monkeypatch.setattr(alerts, "ask_yes_no", no_yes_no)
    return state


@pytest.fixture(autouse=True)
def uk_locale(qapp: QApplication) -> Iterator[None]:
    """Run with a decimal-point locale unless a test chooses another; restore afterwards."""
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(before)


@pytest.fixture(scope="session")
def lp() -> LoadedProtocol:
    """The shipped default protocol."""
    return load_protocol()


@pytest.fixture
def prefs_saved() -> list[Preferences]:
    """Preferences the window asked to save (instead of writing them)."""
    return []


@pytest.fixture
def make_window(
    qtbot: Any, tmp_path: Path, lp: LoadedProtocol, prefs_saved: list[Preferences]
) -> Callable[..., MainWindow]:
    """Return a factory of main windows with a fixed clock and folders under tmp_path."""

    def make(
        prefs: Preferences | None = None,
        protocol: LoadedProtocol | None = None,
        now: datetime = NOW,
    ) -> MainWindow:
        window = MainWindow(
            protocol or lp,
            prefs or Preferences(),
            now=lambda: now,
            autosave=Autosave(tmp_path / "data"),
            window_state=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat),
            save_prefs=prefs_saved.append,
        )
        qtbot.addWidget(window)
        return window

    (tmp_path / "data").mkdir(exist_ok=True)
    return make


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fail a GUI test on any Qt warning, except the offscreen platform's harmless notices
    (it cannot propagate size hints, nor raise a popup or let it grab keyboard and mouse)."""
    notices = (
        r"This plugin does not support (propagateSizeHints|raise|grabbing the (keyboard|mouse))"
    )
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(notices))
