"""Messages in plain words (issue 17 item 8), driven from the keyboard.

A damaged file is named and the line given; each problem of a plan file names its field as the
form labels it; the window says "escalate" where the printed sheet says "Call the doctor now".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.demo import demo_inputs
from desktop_app.storage.plan_files import plan_bytes
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.conftest import Alerts

MakeWindow = Callable[..., MainWindow]


def _open_with_keyboard(qtbot: Any, window: MainWindow, alerts_: Alerts, path: Path) -> None:
    """File > Open by its shortcut (Ctrl+O), the chooser answering `path`."""
    alerts_.open_path = path
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)


def test_a_damaged_file_is_named_with_its_line(
    qtbot: Any, make_window: MakeWindow, fake_alerts: Alerts, tmp_path: Path
) -> None:
    window = make_window()
    text = plan_bytes(demo_inputs()).decode()
    lines = text.splitlines()
    path = tmp_path / "corrupt.json"
    path.write_text("\n".join(lines[:36]) + "\n", encoding="utf-8")  # cut off while saving
    _open_with_keyboard(qtbot, window, fake_alerts, path)
    assert fake_alerts.errors, "the window says the file could not be opened"
    _, message = fake_alerts.errors[-1]
    assert message.startswith("The file corrupt.json is damaged: it is not valid JSON (line ")
    assert "Expecting" not in message and "column" not in message  # no parser jargon
    assert window.path is None


def test_each_problem_of_a_plan_file_names_its_field(
    qtbot: Any, make_window: MakeWindow, fake_alerts: Alerts, tmp_path: Path
) -> None:
    window = make_window()
    raw = json.loads(plan_bytes(demo_inputs()))
    raw["labs"]["potassium"]["value"] = "x"
    raw["patient"]["weight_kg"] = "heavy"
    path = tmp_path / "bad-fields.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    _open_with_keyboard(qtbot, window, fake_alerts, path)
    _, message = fake_alerts.errors[-1]
    problems = [line for line in message.splitlines() if line.startswith("- ")]
    assert len(problems) == 2
    labels = [line[2:].split(":", 1)[0] for line in problems]
    form = window.form
    expected = [form.field_label("labs.potassium.value"), form.field_label("patient.weight_kg")]
    assert sorted(labels) == sorted(expected)
    for label in labels:
        assert "." not in label and "_" not in label, f"a field path, not its name: {label}"


def test_the_window_says_escalate(qtbot: Any, make_window: MakeWindow) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    view = window.plan_view
    assert view.sections["escalation"].title.text() == "Escalate at once if"
    rows = view.table_rows("k_bands")
    alerts_column = " ".join(r[2] for r in rows[1:] if len(r) > 2)
    assert "escalate" in alerts_column
    assert "call the doctor" not in alerts_column.lower()


def _all_plan_text(window: MainWindow) -> str:
    view = window.plan_view
    for key in view.sections:
        view.set_expanded(key, True)
    return "\n".join(view.section_text(key) for key in view.sections)


def test_no_plan_sentence_on_screen_tells_the_prescriber_to_call_the_doctor(
    qtbot: Any, make_window: MakeWindow
) -> None:
    """The protocol's band words and the engine's gated instructions say "Call the doctor now"
    (the sheet's words for the nurse); on screen each reads "Escalate now" (issue 17 item 8)."""
    from desktop_app.logic.models import PlanInputs

    window = make_window()
    window._load_inputs(demo_inputs(), None)
    text = _all_plan_text(window)
    assert "call the doctor" not in text.lower()
    band_words = " ".join(r[1] for r in window.plan_view.table_rows("k_bands")[1:] if len(r) > 1)
    assert "Escalate now." in band_words
    data = demo_inputs().model_dump(mode="json")
    data["labs"]["egfr"] = None
    data["labs"]["creatinine"] = None  # renal function unknown: automatic dosing is stopped
    window._load_inputs(PlanInputs.model_validate(data), None)
    plan = window.plan_view.current_plan()
    assert plan is not None and plan.gates, "the gated case must be gated"
    text = _all_plan_text(window)
    assert "call the doctor" not in text.lower()
    assert "Contact the prescriber: automatic dosing is stopped" in text
