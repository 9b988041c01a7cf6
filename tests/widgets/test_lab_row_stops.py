"""One tab stop per result (issue 17 item 4): "let a lab row share the panel's sample time, with
one tab stop per row, not three".

Tab goes from result value to result value. The unit beside a value is chosen from the value
field with Alt+Down (its list opens; type-ahead and Enter choose) and never changes by itself; a
value in the wrong unit is still caught by the plausibility check, at its field. A row takes the
shared 'Samples taken at' unless it is given its own time (Ctrl+Shift+T in the value field), and
a row that holds its own time keeps it as its second stop. Everything is driven by key clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.logic.protocol import Analyte
from desktop_app.widgets.entry import parse_datetime
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.helpers import SAMPLES_AT, tab_stops

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
OWN_TIME = "2026-11-26 06:00 +00:00"


def _shown(qtbot: Any, make_window: MakeWindow, demo: bool = False) -> MainWindow:
    window = make_window()
    if demo:
        assert window.load_demo()
    window.show()
    qtbot.waitExposed(window)
    return window


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _focus(qtbot: Any, widget: QWidget) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def _stops_by_row(qtbot: Any, window: MainWindow) -> dict[Analyte, list[str]]:
    """The accessible names of the tab stops of each lab row, in tab order."""
    stops = tab_stops(qtbot, window)
    out: dict[Analyte, list[str]] = {}
    for analyte, row in window.form.labs.rows.items():
        mine = (row.value, row.unit, row.time)
        out[analyte] = [w.accessibleName() for w in stops if any(w is m for m in mine)]
    return out


def _label(window: MainWindow, analyte: Analyte) -> str:
    return window.protocol.protocol.analytes[analyte].label


def test_each_result_is_one_tab_stop_and_tabbing_on_changes_no_unit(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _shown(qtbot, make_window)
    labs = window.form.labs
    units = {a: labs.unit_combo(a).currentData() for a in Analyte}
    by_row = _stops_by_row(qtbot, window)
    assert by_row == {a: [f"{_label(window, a)} value"] for a in Analyte}
    # Tab order: the shared time, then the values one after another.
    stops = tab_stops(qtbot, window)
    values = [labs.value_edit(a) for a in Analyte]
    at = stops.index(labs.common_time)
    assert stops[at : at + 1 + len(values)] == [labs.common_time, *values]
    # Typing a result in every row with Tab between them never changes a unit.
    _focus(qtbot, labs.common_time)
    qtbot.keyClicks(labs.common_time, SAMPLES_AT)
    qtbot.keyClick(labs.common_time, Qt.Key.Key_Tab)
    for analyte in Analyte:
        assert _focused() is labs.value_edit(analyte)
        qtbot.keyClicks(_focused(), "5")
        qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    assert {a: labs.unit_combo(a).currentData() for a in Analyte} == units


def test_a_result_with_its_own_time_keeps_it_as_its_second_stop(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _shown(qtbot, make_window, demo=True)  # B12 and folate were taken the day before
    by_row = _stops_by_row(qtbot, window)
    for analyte, names in by_row.items():
        label = _label(window, analyte)
        if analyte in (Analyte.b12, Analyte.folate):
            assert names == [f"{label} value", f"{label} sample time"]
        else:
            assert names == [f"{label} value"]


def test_ctrl_shift_t_gives_a_result_its_own_time_and_clearing_it_shares_the_panels_again(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _shown(qtbot, make_window, demo=True)
    labs = window.form.labs
    k_value = labs.value_edit(Analyte.potassium)
    k_time = labs.rows[Analyte.potassium].time
    mg_value = labs.value_edit(Analyte.magnesium)
    shared = parse_datetime(labs.common_time.text())
    _focus(qtbot, k_value)
    qtbot.keyClick(k_value, Qt.Key.Key_T, CTRL_SHIFT)
    assert _focused() is k_time
    qtbot.keyClicks(k_time, OWN_TIME)
    qtbot.keyClick(k_time, Qt.Key.Key_Tab)
    assert _focused() is mg_value
    window.flush()
    inputs = window.form.current_inputs()
    assert inputs is not None and inputs.labs.potassium is not None
    assert inputs.labs.potassium.sampled_at == parse_datetime(OWN_TIME)
    # Now the row holds a time of its own: Shift+Tab from the next value goes back to it.
    qtbot.keyClick(mg_value, Qt.Key.Key_Backtab)
    assert _focused() is k_time
    assert _stops_by_row(qtbot, window)[Analyte.potassium] == [
        "Potassium value",
        "Potassium sample time",
    ]
    # Cleared, the row shares the panel's time again and is one stop again.
    _focus(qtbot, k_time)
    k_time.selectAll()
    qtbot.keyClick(k_time, Qt.Key.Key_Backspace)
    qtbot.keyClick(k_time, Qt.Key.Key_Tab)
    assert _focused() is mg_value
    window.flush()
    inputs = window.form.current_inputs()
    assert inputs is not None and inputs.labs.potassium is not None
    assert inputs.labs.potassium.sampled_at == shared
    assert _stops_by_row(qtbot, window)[Analyte.potassium] == ["Potassium value"]
    # Asked for and left empty: still one stop.
    _focus(qtbot, k_value)
    qtbot.keyClick(k_value, Qt.Key.Key_T, CTRL_SHIFT)
    assert _focused() is k_time
    qtbot.keyClick(k_time, Qt.Key.Key_Tab)
    assert _focused() is mg_value
    assert _stops_by_row(qtbot, window)[Analyte.potassium] == ["Potassium value"]


def _choose_unit(qtbot: Any, window: MainWindow, analyte: Analyte, unit: str) -> None:
    """Alt+Down in the value field, arrows to the unit, Enter (type-ahead is used in
    tests/widgets/test_main_window.py::test_keyboard_only_fill_of_the_demo_case)."""
    value = window.form.labs.value_edit(analyte)
    combo = window.form.labs.unit_combo(analyte)
    _focus(qtbot, value)
    qtbot.keyClick(value, Qt.Key.Key_Down, ALT)
    assert combo.view().isVisible(), "Alt+Down did not open the unit list"
    qtbot.keyClick(combo.view(), Qt.Key.Key_Home)
    for _ in range(combo.findData(unit)):
        qtbot.keyClick(combo.view(), Qt.Key.Key_Down)
    qtbot.keyClick(combo.view(), Qt.Key.Key_Return)
    assert not combo.view().isVisible()
    assert _focused() is value  # back in the value, ready to Tab on


def test_alt_down_chooses_the_unit_and_a_value_in_the_wrong_unit_is_caught_at_its_field(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _shown(qtbot, make_window, demo=True)
    labs = window.form.labs
    hb_value = labs.value_edit(Analyte.haemoglobin)
    hb_unit = labs.unit_combo(Analyte.haemoglobin)
    assert (hb_value.text(), hb_unit.currentData()) == ("6.4", "g/dL")
    # Escape closes the list and changes nothing.
    _focus(qtbot, hb_value)
    qtbot.keyClick(hb_value, Qt.Key.Key_Down, ALT)
    assert hb_unit.view().isVisible()
    qtbot.keyClick(hb_unit.view(), Qt.Key.Key_Escape)
    assert hb_unit.currentData() == "g/dL" and _focused() is hb_value
    # 6.4 in g/L is not a haemoglobin: the plan is not made, the field says what was meant,
    # and neither the value nor its unit is changed behind the user's back.
    _choose_unit(qtbot, window, Analyte.haemoglobin, "g/L")
    window.flush()
    assert (hb_value.text(), hb_unit.currentData()) == ("6.4", "g/L")
    shown = labs.shown_messages()
    assert "labs.haemoglobin" in shown
    assert "choose g/dL as the unit" in shown["labs.haemoglobin"]
    assert window.current_plan() is None
    _choose_unit(qtbot, window, Analyte.haemoglobin, "g/dL")
    window.flush()
    assert "labs.haemoglobin" not in labs.shown_messages()
    inputs = window.form.current_inputs()
    assert inputs is not None and inputs.labs.haemoglobin is not None
    assert (inputs.labs.haemoglobin.value, inputs.labs.haemoglobin.unit) == (6.4, "g/dL")
    assert window.current_plan() is not None


def test_the_keys_are_said_above_the_results(qtbot: Any, make_window: MakeWindow) -> None:
    window = _shown(qtbot, make_window)
    hint = window.form.labs.keys_hint.text()
    assert "Alt+Down" in hint and "Ctrl+Shift+T" in hint and "unit" in hint
    tips = sorted(a.text() for a in window.form.labs.value_edit(Analyte.potassium).actions())
    assert tips == ["Choose the unit (Alt+Down)", "Own sample time (Ctrl+Shift+T)"]
