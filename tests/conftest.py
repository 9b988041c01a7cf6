"""Shared test set-up: offscreen Qt by default (a developer may override to watch), reproducible
hypothesis examples, user folders in temporary folders, and no patient in any log line."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from desktop_app.qt_compat import installed_pyside, unsafe_qt_message
from tests import hypothesis_profiles

# Hypothesis: derandomized, no example database, no deadline (tests/hypothesis_profiles.py),
# loaded before any test module builds its settings; B12K_HYPOTHESIS_EXPLORE=1 explores instead.
HYPOTHESIS_PROFILE = hypothesis_profiles.load(os.environ)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt's offscreen screen is 800x600 unless configured; windows size themselves from the screen
# (widgets/screen_fit.py), so the tests give it a common 1920x1080 desktop. The ward's 1366x768
# is checked under Xvfb (tests/widgets/test_xcb_start.py, tests/widgets/test_screen_fit.py).
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    _SCREEN = os.path.join(os.path.dirname(__file__), "offscreen-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

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


# ----- issue 16 item 8: no log line holds a patient's name or identifier ---------------------


def _test_patients() -> frozenset[str]:
    """Names and identifiers of the patients the tests use (the demo's and the builders')."""
    import inspect
    import json
    from pathlib import Path

    from tests.audit.writer_process import draft
    from tests.fhir.builders import patient
    from tests.logic.helpers import base_case

    root = Path(__file__).resolve().parents[1]
    demo = json.loads((root / "resources" / "examples" / "demo-patient.json").read_text("utf-8"))
    case = base_case()
    fhir = {k: p.default for k, p in inspect.signature(patient).parameters.items()}
    stand_in = draft("writer", 0)
    found = {
        demo["patient"]["name"],
        demo["patient"]["identifier"],
        demo["patient"]["name"].split(" (")[0],  # as a person would type it, without "(DEMO)"
        case["patient"]["name"],
        case["patient"]["identifier"],
        fhir["mrn"],
        fhir["family"],
        f"{fhir['given']} {fhir['family']}",
        stand_in.patient_name,
        # names typed in the window, GUI and safety tests
        "Ann Example",
        "Recovered Person",
        "Oracle Check",
        "Edge Case",
        "Unit Slip",
    }
    return frozenset(s.casefold() for s in found if len(s) >= 4)


_PATIENT_TEXTS = _test_patients()


class _LeakWatch(logging.Handler):
    """Keeps every log record that names a test patient."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.leaks: list[str] = []
        self._exc = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self._exc.formatException(record.exc_info)
        folded = text.casefold()
        hits = sorted(s for s in _PATIENT_TEXTS if s in folded)
        if hits:
            self.leaks.append(f"{record.name} {record.levelname}: {text!r} (holds {hits})")


@pytest.fixture(autouse=True)
def _no_patient_in_logs() -> Iterator[None]:
    """Fail a test whose code logged a patient's name or identifier, at any level."""
    watch = _LeakWatch()
    root = logging.getLogger()
    ours = logging.getLogger("desktop_app")
    level = ours.level
    ours.setLevel(logging.DEBUG)  # every record the program makes, not only what a user's log keeps
    root.addHandler(watch)
    try:
        yield
    finally:
        root.removeHandler(watch)
        ours.setLevel(level)
    if watch.leaks:
        pytest.fail("log lines hold a patient's name or identifier:\n  " + "\n  ".join(watch.leaks))
