"""The window's schedule shows progress (issue 17 item 7), driven with the keyboard.

The demo patient is high risk: her first B12 dose is at 14:00 on 26 November, so her first
potassium draw (with magnesium and phosphate) is at 20:00; it is overdue after 22:00 (the shipped
2-hour grace, MON-OVERDUE-HOURS) unless a result sampled within 3 hours of 20:00 is entered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from desktop_app.demo import demo_inputs
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.test_followup_entry import _add

MakeWindow = Callable[..., MainWindow]
FIRST_DRAW_ROW = 1  # the header is row 0; the demo has its baselines, so 20:00 comes first
PROGRESS = 4  # Date, Clock time, After first dose, Tests, Progress


def _progress(window: MainWindow) -> str:
    window.flush()
    rows = window.plan_view.table_rows("schedule")
    assert rows[0][PROGRESS] == "Progress"
    assert rows[FIRST_DRAW_ROW][1] == "20:00"
    return rows[FIRST_DRAW_ROW][PROGRESS]


def _window(make_window: MakeWindow, now: datetime) -> MainWindow:
    window = make_window(now=now)
    window._load_inputs(demo_inputs(), None)
    return window


def test_results_typed_in_the_follow_up_tab_tick_their_draw_with_the_values(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _window(make_window, datetime(2026, 11, 26, 21, 0, tzinfo=UTC))
    assert _progress(window) == "pending"
    panel = window.form.followups
    _add(qtbot, panel, "K", "3.1", "2026-11-26 20:05 +00:00")
    assert _progress(window) == "\u2713 K 3.1 mmol/L; awaiting Mg, PO4"
    _add(qtbot, panel, "Mg", "0.70", "2026-11-26 20:05 +00:00")
    _add(qtbot, panel, "PO4", "0.90", "2026-11-26 20:05 +00:00")
    assert _progress(window) == "\u2713 K 3.1 mmol/L, Mg 0.70 mmol/L, PO4 0.90 mmol/L"
    assert "1 of 11 draws done, 0 overdue." in window.plan_view.section_text("schedule")


def test_a_late_draw_is_marked_overdue_until_its_results_are_typed(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = _window(make_window, datetime(2026, 11, 26, 22, 1, tzinfo=UTC))
    late = _progress(window)
    assert late.startswith("OVERDUE: no K, Mg, PO4 result") and "escalate" in late
    shown = window.plan_view.section_text("schedule")
    assert "0 of 11 draws done, 1 overdue." in shown and "(local policy" in shown
    assert "call the doctor" not in shown.lower()
    panel = window.form.followups
    for test, value in (("K", "3.1"), ("Mg", "0.70"), ("PO4", "0.90")):
        _add(qtbot, panel, test, value, "2026-11-26 20:05 +00:00")
    assert _progress(window).startswith("\u2713 K 3.1 mmol/L")
    assert "0 overdue" in window.plan_view.section_text("schedule")
