"""Issue 16 item 8: the log-privacy fixture of tests/conftest.py can fail, and knows the patients."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import _PATIENT_TEXTS, _LeakWatch


def _watched() -> tuple[_LeakWatch, logging.Logger]:
    """A logger of its own, watched, that does not reach the autouse fixture's watch."""
    watch = _LeakWatch()
    log = logging.getLogger("tests.log_privacy")
    log.propagate = False
    log.addHandler(watch)
    return watch, log


def test_the_watched_names_include_the_demo_and_the_builders_patients() -> None:
    assert {
        "margaret ellison (demo)",
        "rx0042137",
        "test patient",
        "t000001",
        "ellison",
        "margaret ellison",
        "concurrency test",
    } <= _PATIENT_TEXTS


@pytest.mark.parametrize(
    ("message", "args", "leaks"),
    [
        ("opened %s", ("/tmp/RX0042137.json",), 1),
        ("plan for %s", ("MARGARET ELLISON",), 1),
        ("saved %s", ("/tmp/plan.json",), 0),
    ],
)
def test_the_watch_finds_a_name_or_identifier_in_any_case(
    message: str, args: tuple[str], leaks: int
) -> None:
    watch, log = _watched()
    try:
        log.warning(message, *args)
    finally:
        log.removeHandler(watch)
    assert len(watch.leaks) == leaks


def test_the_watch_reads_the_traceback_too() -> None:
    watch, log = _watched()
    try:
        try:
            raise ValueError("no plan for Test Patient")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(watch)
    assert len(watch.leaks) == 1 and "test patient" in watch.leaks[0]
