"""Follow-up entry cannot file a result under the wrong test (issue 17, window item 2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.demo import demo_inputs
from desktop_app.widgets.followup_panel import match_test
from tests.widgets.helpers import retype

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "test"),
    [
        ("K", "potassium"),
        ("k", "potassium"),
        ("pot", "potassium"),
        ("Mg", "magnesium"),
        ("m", "magnesium"),
        ("PO4", "phosphate"),
        ("pho", "phosphate"),
        ("P", None),  # potassium or phosphate: never guessed
        ("po", None),
        ("x", None),
        ("", None),
    ],
)
def test_type_ahead_picks_only_an_unambiguous_test(typed: str, test: str | None) -> None:
    assert match_test(typed) == test


def _window(make_window: Callable[..., Any]) -> Any:
    window = make_window(now=NOW)
    window.form.followups.set_values(demo_inputs())
    return window


def _message(panel: Any, path: str) -> str:
    (entry,) = [e for e in panel._entries if e.path == path]
    return str(entry.message.text())


def _add(qtbot: Any, panel: Any, test: str, value: str, when: str) -> None:
    if test:
        qtbot.keyClicks(panel.test, test)
    retype(qtbot, panel.value, value)
    retype(qtbot, panel.time, when)
    qtbot.keyClick(panel.time, Qt.Key.Key_Return)


def test_each_new_result_starts_with_no_test_and_is_refused_until_one_is_chosen(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    panel = _window(make_window).form.followups
    assert panel.test.currentIndex() == -1
    _add(qtbot, panel, "", "3.1", "2026-11-27 02:05 +00:00")
    assert panel.results() == ()
    assert "choose the test first" in _message(panel, "followups.entry.test")
    _add(qtbot, panel, "K", "3.1", "2026-11-27 02:05 +00:00")
    assert [r.analyte for r in panel.results()] == ["potassium"]
    # The box does not keep the last choice: typing P now chooses nothing, not phosphate.
    assert panel.test.currentIndex() == -1
    _add(qtbot, panel, "P", "3.0", "2026-11-27 06:00 +00:00")
    assert [r.analyte for r in panel.results()] == ["potassium"]


def test_the_ward_abbreviations_file_each_result_under_its_test(
    qtbot: Any, make_window: Callable[..., Any]
) -> None:
    panel = _window(make_window).form.followups
    _add(qtbot, panel, "K", "3.1", "2026-11-27 02:05 +00:00")
    _add(qtbot, panel, "Mg", "0.6", "2026-11-27 02:06 +00:00")
    _add(qtbot, panel, "PO4", "0.7", "2026-11-27 02:07 +00:00")
    _add(qtbot, panel, "pot", "3.3", "2026-11-27 08:00 +00:00")
    assert [r.analyte for r in panel.results()] == [
        "potassium",
        "magnesium",
        "phosphate",
        "potassium",
    ]


def test_a_future_result_is_refused_at_entry(qtbot: Any, make_window: Callable[..., Any]) -> None:
    panel = _window(make_window).form.followups
    _add(qtbot, panel, "K", "3.1", "2026-11-27 12:30 +00:00")  # half an hour after now
    assert panel.results() == ()
    assert "later than now" in _message(panel, "followups.entry.time")


def test_the_list_is_kept_in_sample_time_order(qtbot: Any, make_window: Callable[..., Any]) -> None:
    panel = _window(make_window).form.followups
    _add(qtbot, panel, "K", "3.3", "2026-11-27 08:00 +00:00")
    _add(qtbot, panel, "K", "3.1", "2026-11-27 02:05 +00:00")
    times = [r.sampled_at for r in panel.results()]
    assert times == sorted(times)
    assert "02:05" in panel.table.item(0, 0).text()
    assert "08:00" in panel.table.item(1, 0).text()
