"""Issue 16 item 2 in the window: a typed time at the calendar's ends is a message, not a crash."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from desktop_app.widgets.entry import EntryError, parse_datetime


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's zone is five hours behind UTC (the calendar ends earlier there)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("typed", ["0001-01-01 00:00", "9999-12-31 23:59", "0001-01-01T00:00:00.5"])
def test_a_local_time_off_the_calendar_is_refused_in_words(new_york: None, typed: str) -> None:
    with pytest.raises(
        EntryError, match=f"'{typed}' is outside the calendar in this time zone: check the year."
    ):
        parse_datetime(typed)


def test_an_ordinary_local_time_still_reads(new_york: None) -> None:
    moment = parse_datetime("2026-11-26 07:10")
    assert moment is not None and moment.utcoffset() is not None
    assert moment.utcoffset().total_seconds() == -5 * 3600  # type: ignore[union-attr]
