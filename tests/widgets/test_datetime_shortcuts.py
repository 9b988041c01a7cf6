"""Faster dates and times: "now" and a calendar in every date-time field (issue 17, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import Analyte
from desktop_app.widgets.entry import parse_datetime
from desktop_app.widgets.override_dialog import OverrideDialog
from tests.widgets.helpers import retype

NOW = datetime(2026, 11, 27, 9, 41, 0, tzinfo=UTC)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _shown(qtbot: Any, make_window: Callable[..., Any]) -> Any:
    window = make_window(now=NOW)
    window._load_inputs(demo_inputs(), None)
    window.show()
    qtbot.waitExposed(window)
    return window


def _datetime_fields(window: Any) -> dict[str, QLineEdit]:
    form = window.form
    return {
        "first dose": form.regimen.first_dose,
        "samples taken at": form.labs.common_time,
        "potassium sample time": form.labs.rows[Analyte.potassium].time,
        "planned discharge": form.modifiers.discharge,
        "follow-up sample time": form.followups.time,
    }


def _focus(qtbot: Any, window: Any, edit: QLineEdit) -> None:
    tab = window.form.followup_scroll if edit is window.form.followups.time else None
    window.form.setCurrentWidget(tab or window.form.baseline_scroll)
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)


def test_ctrl_shift_n_fills_the_window_clock_in_every_datetime_field(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    for name, edit in _datetime_fields(window).items():
        _focus(qtbot, window, edit)
        retype(qtbot, edit, "2026-11-20 08")
        qtbot.keyClick(edit, Qt.Key.Key_N, CTRL_SHIFT)
        assert parse_datetime(edit.text()) == NOW, name
        # In the field's format: the computer's local time, to the minute, no offset.
        assert len(edit.text()) == len("2026-11-27 09:41"), (name, edit.text())


def test_now_is_taken_into_the_plan_as_typing_is(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    first_dose = window.form.regimen.first_dose
    _focus(qtbot, window, first_dose)
    qtbot.keyClick(first_dose, Qt.Key.Key_N, CTRL_SHIFT)
    qtbot.waitUntil(
        lambda: (
            window.form.current_inputs() is not None
            and window.form.current_inputs().regimen.first_dose_at == NOW
        )
    )
    # Undo gives back what was there before, as after any typing.
    qtbot.keyClick(first_dose, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert parse_datetime(first_dose.text()) == demo_inputs().regimen.first_dose_at


def test_alt_down_opens_a_calendar_that_changes_the_date_and_keeps_the_time(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    edit = window.form.labs.common_time
    _focus(qtbot, window, edit)
    retype(qtbot, edit, "2026-11-26 07:10 +00:00")
    qtbot.keyClick(edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = edit.calendar_popup()
    assert popup is not None and popup.isVisible()
    calendar = popup.calendar
    assert calendar.selectedDate() == QDate(2026, 11, 26)  # opens on the date typed
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    keys = QApplication.focusWidget()
    assert keys is not None and calendar.isAncestorOf(keys)
    qtbot.keyClick(keys, Qt.Key.Key_Left)
    qtbot.keyClick(keys, Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert edit.text() == "2026-11-25 07:10 +00:00"


def test_escape_closes_the_calendar_without_a_change(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    edit = window.form.modifiers.discharge
    _focus(qtbot, window, edit)
    retype(qtbot, edit, "2026-12-01 10:00")
    qtbot.keyClick(edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = edit.calendar_popup()
    assert popup is not None and popup.isVisible()
    qtbot.keyClick(popup.calendar, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not popup.isVisible())
    assert edit.text() == "2026-12-01 10:00"


def test_a_date_chosen_in_an_empty_field_leaves_the_clock_time_to_be_typed(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    edit = window.form.followups.time
    _focus(qtbot, window, edit)
    assert edit.text() == ""
    qtbot.keyClick(edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = edit.calendar_popup()
    assert popup is not None
    assert popup.calendar.selectedDate() == QDate(NOW.year, NOW.month, NOW.day)  # today
    popup.calendar.activated.emit(QDate(2026, 11, 26))
    assert edit.text() == "2026-11-26 "  # never a guessed clock time
    qtbot.keyClicks(edit, "06:30")
    assert parse_datetime(edit.text()) == parse_datetime("2026-11-26 06:30")


def test_the_buttons_inside_the_field_take_no_tab_stop_and_say_their_keys(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    edit = window.form.regimen.first_dose
    tips = sorted(a.toolTip() for a in edit.actions())
    assert tips == ["Calendar (Alt+Down)", "Now (Ctrl+Shift+N)"]
    _focus(qtbot, window, edit)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.form.regimen.prescriber


def _tab_stops(qtbot: Any, window: Any) -> list[Any]:
    """Every widget Tab visits from the tab bar, once round."""
    window.form.setCurrentWidget(window.form.baseline_scroll)
    first = window.form.tabBar()
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    stops = [first]
    for _ in range(300):
        focused = QApplication.focusWidget()
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is first or focused in stops:
            break
        stops.append(focused)
    return stops


def test_every_tab_stop_has_a_name(qtbot: Any, make_window: Callable[..., Any]) -> None:
    window = _shown(qtbot, make_window)
    stops = _tab_stops(qtbot, window)
    assert window.form.regimen.first_dose in stops and window.plan_view in stops
    assert stops.index(window.form.tabBar()) < stops.index(window.form.patient.identifier)
    assert stops.index(window.form.modifiers.discharge) < stops.index(window.plan_view)
    unnamed = [type(w).__name__ for w in stops if not w.accessibleName()]
    assert unnamed == []
    # One stop per result, two where the result holds its own sample time (issue 17 item 4).
    for analyte, row in window.form.labs.rows.items():
        mine = [w for w in stops if any(w is e for e in (row.value, row.unit, row.time))]
        assert mine == ([row.value, row.time] if row.has_own_time() else [row.value]), analyte
    # Nor is any widget of the form that takes the focus another way (a click, a shortcut).
    focusable = [
        w
        for w in window.form.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isVisibleTo(window)
    ]
    assert window.form.labs.unit_combo(Analyte.potassium) in focusable
    assert [type(w).__name__ for w in focusable if not w.accessibleName()] == []


def test_ctrl_tab_switches_tabs_from_the_follow_up_table_and_keeps_what_was_typed(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _shown(qtbot, make_window)
    form = window.form
    panel = form.followups
    _focus(qtbot, window, panel.time)
    qtbot.keyClicks(panel.test, "K")
    retype(qtbot, panel.value, "2.9")
    retype(qtbot, panel.time, "2026-11-26 20:05 +00:00")
    qtbot.keyClick(panel.time, Qt.Key.Key_Return)
    assert len(panel.results()) == 1
    retype(qtbot, panel.value, "3.9")  # typed, not yet added
    panel.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.table)
    qtbot.keyClick(panel.table, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert form.currentWidget() is form.baseline_scroll
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert form.currentWidget() is form.followup_scroll
    assert panel.value.text() == "3.9" and len(panel.results()) == 1


def test_the_override_dialogs_new_time_takes_now_from_the_window_clock(
    qtbot: Any, make_window: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _shown(qtbot, make_window)
    seen: list[str] = []

    def user(dialog: OverrideDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.new_time.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.new_time)
        qtbot.keyClick(dialog.new_time, Qt.Key.Key_N, CTRL_SHIFT)
        seen.append(dialog.new_time.text())
        dialog.reject()
        return dialog.result()

    monkeypatch.setattr(OverrideDialog, "exec", user)
    assert "override:draw:add" in window.plan_view.action_links("schedule")
    window.plan_view.sections["schedule"].body.linkActivated.emit("override:draw:add")
    assert len(seen) == 1 and parse_datetime(seen[0]) == NOW
