"""Qt-free helpers of the window: field parsing, preferences file, autosaved draft, folders."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop_app.storage.autosave import Autosave
from desktop_app.storage.paths import config_dir, data_dir
from desktop_app.storage.settings import Preferences, load_preferences, save_preferences
from desktop_app.widgets.entry import (
    EntryError,
    format_datetime,
    format_number,
    parse_date,
    parse_datetime,
    parse_number,
)

UTC = UTC


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("3.4", False, 3.4),
        (" 3.4 ", False, 3.4),
        ("3,4", True, 3.4),
        ("3.4", True, 3.4),
        (".5", False, 0.5),
        ("", False, None),
        ("58", False, 58.0),
    ],
)
def test_numbers_read(text: str, decimal_comma: bool, expected: float | None) -> None:
    assert parse_number(text, decimal_comma) == expected


@pytest.mark.parametrize(
    ("text", "decimal_comma", "message"),
    [
        ("3,4", False, "use a decimal point (3.4)"),
        ("abc", False, "is not a number"),
        ("3.4.5", False, "is not a number"),
        ("1,000", False, "use a decimal point"),
        ("1.000", True, "ambiguous"),
        ("1.000,5", True, "thousands separators"),
        ("3 4", False, "is not a number"),
    ],
)
def test_numbers_refused_with_a_reason(text: str, decimal_comma: bool, message: str) -> None:
    with pytest.raises(EntryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_number(text, decimal_comma)


@pytest.mark.parametrize("value", [58.0, 3.4, 0.68, 0.1 + 0.2, 1e-7, 123456.789])
def test_number_text_reads_back_exactly(value: float) -> None:
    assert parse_number(format_number(value), False) == value


def test_dates() -> None:
    assert parse_date("1948-03-14") == date(1948, 3, 14)
    assert parse_date("14-Mar-1948") == date(1948, 3, 14)
    assert parse_date("") is None
    with pytest.raises(EntryError, match="not a date"):
        parse_date("03/04/1948")
    with pytest.raises(EntryError, match="not a real date"):
        parse_date("1948-02-30")
    with pytest.raises(EntryError, match="not a month"):
        parse_date("14-Foo-1948")


def test_datetimes() -> None:
    assert parse_datetime("2026-11-26 07:10 +00:00") == datetime(2026, 11, 26, 7, 10, tzinfo=UTC)
    assert parse_datetime("2026-11-26T07:10+01:00") == datetime(
        2026, 11, 26, 7, 10, tzinfo=timezone(timedelta(hours=1))
    )
    local = parse_datetime("2026-11-26 07:10")
    assert local is not None and local.tzinfo is not None
    assert parse_datetime("26-Nov-2026 07:10 UTC") == datetime(2026, 11, 26, 7, 10, tzinfo=UTC)
    assert parse_datetime("  ") is None
    for bad, message in (
        ("2026-11-26", "needs a date and a clock time"),
        ("2026-11-26 25:00", "not a real clock time"),
        ("2026-11-26 7pm", "not a clock time"),
        ("2026-11-26 07:10 +25:00", "not a real time-zone offset"),
        ("2026-11-26 07:10 CET", "not a time-zone offset"),
    ):
        with pytest.raises(EntryError, match=message):
            parse_datetime(bad)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 26, 7, 10, tzinfo=UTC),
        datetime(2026, 11, 26, 7, 10, 5, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 11, 26, 7, 10, 0, 500, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 6, 1, 9, 0).astimezone(),
    ],
)
def test_datetime_text_reads_back_to_the_same_instant_and_offset(moment: datetime) -> None:
    back = parse_datetime(format_datetime(moment))
    assert back == moment
    assert back is not None and back.utcoffset() == moment.utcoffset()


def test_folders_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B12K_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("B12K_DATA_DIR", str(tmp_path / "d"))
    assert config_dir() == tmp_path / "c" and config_dir().is_dir()
    assert data_dir() == tmp_path / "d" and data_dir().is_dir()


def test_preferences_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "prefs.json"
    assert load_preferences(path) == (Preferences(), None)
    prefs = Preferences(unit_system="conventional", default_ward="7B", prescriber_name="Dr X")
    prefs = prefs.with_recent(tmp_path / "a.json").with_recent(tmp_path / "b.json")
    save_preferences(prefs, path)
    loaded, problem = load_preferences(path)
    assert problem is None and loaded == prefs
    assert loaded.recent_files[0].endswith("b.json")
    assert json.loads(path.read_text())["schema_version"] == "1.0.0"


def test_recent_files_are_unique_and_bounded(tmp_path: Path) -> None:
    prefs = Preferences()
    for i in range(20):
        prefs = prefs.with_recent(tmp_path / f"{i % 10}.json")
    assert len(prefs.recent_files) == 8
    assert len(set(prefs.recent_files)) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "could not be read"),
        ('["a list"]', "could not be read"),
        ('{"schema_version": "1.0.0", "unit_system": "imperial"}', "could not be read"),
        ('{"schema_version": "2.0.0"}', "newer B12-K Planner"),
    ],
)
def test_unusable_preferences_fall_back_to_defaults(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "prefs.json"
    path.write_text(content)
    prefs, problem = load_preferences(path)
    assert prefs == Preferences()
    assert problem is not None and message in problem


def test_autosave_round_trip_and_clear(tmp_path: Path) -> None:
    store = Autosave(tmp_path)
    assert store.load() is None
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    store.save({"a": {"b": "3,4"}}, tmp_path / "p.json", now)
    draft = store.load()
    assert draft is not None
    assert draft.fields == {"a": {"b": "3,4"}}
    assert draft.file_path == str(tmp_path / "p.json")
    assert draft.saved_at == now
    store.clear()
    assert store.load() is None
    store.clear()  # clearing twice is harmless


def test_damaged_autosave_is_ignored(tmp_path: Path) -> None:
    store = Autosave(tmp_path)
    store.path.write_text("{truncated")
    assert store.load() is None
    store.path.write_text('{"draft_version": 99, "fields": {}}')
    assert store.load() is None
