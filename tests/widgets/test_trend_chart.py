"""The trend chart is readable: tall, band lines labelled, baseline plotted, hold line marked
(issue 17, window item 6). Every number checked is read from the plan or the protocol."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.logic.textfmt import num
from desktop_app.widgets import ui_text
from desktop_app.widgets.trend_chart import BandLine, TrendChart, TrendPoint
from tests.widgets.helpers import retype

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _with_potassium_results(qtbot: Any, make_window: Callable[..., Any]) -> Any:
    window = make_window(now=NOW)
    window._load_inputs(demo_inputs(), None)
    panel = window.form.followups
    for value, when in (("2.9", "2026-11-26 20:05 +00:00"), ("3.6", "2026-11-27 08:00 +00:00")):
        qtbot.keyClicks(panel.test, "K")
        retype(qtbot, panel.value, value)
        retype(qtbot, panel.time, when)
        qtbot.keyClick(panel.time, Qt.Key.Key_Return)
    assert len(panel.results()) == 2
    assert window.current_plan() is not None  # runs the pending recalculation
    return window


def test_the_chart_is_tall_enough_to_read(qtbot: Any, make_window: Callable[..., Any]) -> None:
    window = _with_potassium_results(qtbot, make_window)
    chart = window.plan_view.charts[0]
    # Six band lines, each with a label line: at least 14 lines of text tall (was 9).
    assert chart.minimumHeight() >= 14 * chart.fontMetrics().height()


def test_each_band_line_is_labelled_with_the_plans_band(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    window = _with_potassium_results(qtbot, make_window)
    plan = window.current_plan()
    chart = window.plan_view.charts[0]
    lines = chart.lines()
    bands = [b for b in plan.k_bands if b.lower is not None]
    assert len(bands) >= 4
    for band in bands:  # the results and baseline span every band bound of the plan
        assert f"{num(band.lower)} {band.label}" in lines


def test_the_hold_line_is_marked_at_the_protocols_threshold(
    qtbot: Any, make_window: Callable[..., Any], lp: LoadedProtocol
) -> None:
    window = _with_potassium_results(qtbot, make_window)
    chart = window.plan_view.charts[0]
    hold = lp.protocol.potassium.hold_at_or_above
    label = ui_text.TREND_HOLD.format(value=num(hold.value), unit=hold.unit)
    assert label in chart.lines()
    assert label in chart.accessibleDescription()


def test_the_baseline_is_plotted_before_the_first_dose(
    qtbot: Any, make_window: Callable[..., Any], lp: LoadedProtocol
) -> None:
    window = _with_potassium_results(qtbot, make_window)
    plan = window.current_plan()
    (baseline,) = [lab for lab in plan.labs if lab.analyte == "potassium"]
    chart = window.plan_view.charts[0]
    assert f"Baseline: {baseline.text}." in chart.accessibleDescription()
    chart.resize(600, chart.minimumHeight())
    picture: QImage = chart.grab().toImage()
    # The same chart without the baseline paints differently: the baseline is drawn.
    same = TrendChart()
    qtbot.addWidget(same)
    same.resize(600, chart.minimumHeight())
    points = tuple(
        TrendPoint(fu.hours_after_first_dose, fu.value, fu.text) for fu in plan.followups
    )
    bands = tuple(BandLine(b.lower, b.label) for b in plan.k_bands if b.lower is not None)
    hold = lp.protocol.potassium.hold_at_or_above
    same.set_series("Potassium", hold.unit, points, bands, None, hold.value)
    assert same.grab().toImage() != picture
    same.set_series("Potassium", hold.unit, points, bands, TrendPoint(-6.83, 3.4, ""), hold.value)
    assert same.lines() == chart.lines()
