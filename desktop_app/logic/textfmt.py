"""ISMP-safe number, quantity and time formatting shared by the screen, the CLI and the sheet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def num(value: float, max_decimals: int = 2) -> str:
    """Format an amount: no trailing zeros, a leading zero, commas from 1,000 (FMT-01/02/07)."""
    rounded = round(value, max_decimals)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    text = f"{rounded:,.{max_decimals}f}".rstrip("0").rstrip(".")
    return text


def qty(value: float, unit: str, max_decimals: int = 2) -> str:
    """Format an amount with its unit, separated by a space (FMT-03/04)."""
    return f"{num(value, max_decimals)} {unit}"


def result(value: float, decimals: int, unit: str) -> str:
    """Format a lab result at its reported precision (a trailing zero may show precision)."""
    return f"{value:,.{decimals}f} {unit}"


def when(moment: datetime) -> str:
    """Format a date-time unambiguously for a ward: 'Thu 26-Nov-2026 09:00'."""
    return (
        f"{_DAYS[moment.weekday()]} {moment.day:02d}-{_MONTHS[moment.month - 1]}-{moment.year} "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )


def day_month(moment: datetime) -> str:
    """Format a date briefly: '26-Nov'."""
    return f"{moment.day:02d}-{_MONTHS[moment.month - 1]}"


def clock(moment: datetime) -> str:
    """Format a clock time: '09:00'."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def hours_text(hours: float) -> str:
    """Format a number of hours: '1 hour', '24 hours'."""
    return "1 hour" if hours == 1 else f"{num(hours)} hours"


#: How each monitoring test is named on a draw, in the order a draw lists its tests.
TEST_LABELS = {
    "potassium": "potassium (K)",
    "magnesium": "magnesium (Mg)",
    "phosphate": "phosphate",
    "fbc": "full blood count",
    "reticulocytes": "reticulocytes",
    "platelets": "platelet count",
}


def ordered_tests(tests: Iterable[str]) -> tuple[str, ...]:
    """The known tests among `tests`, in the order a draw lists them."""
    wanted = set(tests)
    return tuple(t for t in TEST_LABELS if t in wanted)


def tests_label(tests: Iterable[str]) -> str:
    """A draw's label: its tests' names in draw order ("potassium (K), magnesium (Mg)...")."""
    return ", ".join(TEST_LABELS[t] for t in ordered_tests(tests))
