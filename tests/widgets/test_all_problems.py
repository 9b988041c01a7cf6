"""Every problem of the form at once, each at its own field (issue 17, item 3)."""

from __future__ import annotations

from typing import Any

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import Analyte
from tests.widgets.conftest import NOW
from tests.widgets.helpers import retype
from tests.widgets.test_main_window import MakeWindow


def _shown(window: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for panel in window.form.panels:
        out.update(panel.shown_messages())
    return out


def test_an_unreadable_value_hides_no_other_problem(qtbot: Any, make_window: MakeWindow) -> None:
    window = make_window()
    window.show()
    window._load_inputs(demo_inputs(), None)
    assert _shown(window) == {}
    p = window.form.patient
    retype(qtbot, window.form.labs.value_edit(Analyte.potassium), "3..4")
    retype(qtbot, p.name, "")
    future = NOW.date().replace(year=NOW.year + 1)
    retype(qtbot, p.date_of_birth, future.isoformat())
    shown = _shown(window)
    assert set(shown) == {"labs.potassium", "patient.name", "patient.date_of_birth"}
    assert "'3..4' is not a number" in shown["labs.potassium"]
    assert shown["patient.name"] == "Needed: enter the patient's name"
    assert shown["patient.date_of_birth"] == "Problem: is in the future"
    # Each editor is marked for its own problem only; a correct one carries nothing.
    assert "is in the future" in p.date_of_birth.accessibleDescription()
    assert p.identifier.accessibleDescription() == ""
    assert window.form.labs.value_edit(Analyte.magnesium).accessibleDescription() == ""
    # The plan pane lists all three too, and no plan is shown.
    assert set(window.form.entry_errors()) == {
        "labs.potassium.value",
        "patient.name",
        "patient.date_of_birth",
    }
    assert window.form.current_inputs() is None


def test_an_unreadable_shared_time_blames_no_result(qtbot: Any, make_window: MakeWindow) -> None:
    window = make_window()
    window.show()
    window._load_inputs(demo_inputs(), None)
    retype(qtbot, window.form.labs.common_time, "tomorrow")
    retype(qtbot, window.form.patient.weight, "5800")
    shown = _shown(window)
    # Haemoglobin waits for the shared time: it is not "required", it is not blamed.
    assert set(shown) == {"labs.samples_taken_at", "patient.weight_kg"}
    assert "outside the plausible range" in shown["patient.weight_kg"]
