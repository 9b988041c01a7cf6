"""Parsing and formatting what is typed into fields (numbers, dates, date-times). Qt-free.

Rules, chosen for the bedside:
- Numbers: one decimal mark. A decimal comma ("3,4") is accepted only where the locale uses one;
  otherwise it is refused with a message, because a comma may also mean thousands. Where the
  locale uses a decimal comma, a decimal point is also read as decimal, except "1.000" (a point
  then three digits), which is refused as ambiguous. Thousands separators are never accepted.
- Dates: ISO "1948-03-14" or "14-Mar-1948" (never 03/04, which reads differently in UK and US).
- Date-times: a date as above, a space or "T", then "HH:MM" (optionally ":SS"), optionally a UTC
  offset ("+00:00"). Without an offset the computer's local time zone is used.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORD_DATE = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ](\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_OFFSET = re.compile(r"^(?:UTC|Z|([+-])(\d{2}):?(\d{2}))$", re.IGNORECASE)


class EntryError(ValueError):
    """What was typed cannot be read; the message says what to type instead."""


def parse_number(text: str, decimal_comma: bool) -> float | None:
    """Return the number typed, None for an empty field.

    Raises:
        EntryError: letters, several numbers, a comma in a decimal-point locale, a thousands mark.
    """
    stripped = text.strip().replace("\u2212", "-")
    if not stripped:
        return None
    if not _NUMBER.match(stripped):
        if _GROUPED.match(stripped):
            raise EntryError(f"'{stripped}' is not one number: do not use thousands separators.")
        raise EntryError(f"'{stripped}' is not a number: type digits only, e.g. 3.4.")
    if decimal_comma and re.search(r"\d\.\d{3}$", stripped):
        raise EntryError(
            f"'{stripped}' is ambiguous here: the point may mean thousands. Type the number "
            f"without a thousands mark, with a decimal comma, e.g. {stripped.replace('.', ',')}."
        )
    if "," in stripped:
        if not decimal_comma:
            raise EntryError(
                f"'{stripped}': use a decimal point ({stripped.replace(',', '.')}). "
                "A comma is not accepted here because it can also mean thousands."
            )
        stripped = stripped.replace(",", ".")
    value = float(stripped)
    if not math.isfinite(value):  # pragma: no cover - the pattern admits only finite numbers
        raise EntryError(f"'{text}' is not a finite number.")
    return value


def format_number(value: float) -> str:
    """Return the shortest text that reads back as exactly `value` (58.0 -> '58')."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text


def parse_date(text: str) -> date | None:
    """Return the date typed ('1948-03-14' or '14-Mar-1948'), None for an empty field.

    Raises:
        EntryError: not a date in one of the two unambiguous forms.
    """
    stripped = text.strip()
    if not stripped:
        return None
    try:
        if m := _ISO_DATE.match(stripped):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _WORD_DATE.match(stripped):
            month = m[2].lower()
            if month not in _MONTHS:
                raise EntryError(f"'{m[2]}' is not a month: use Jan, Feb, ... Dec.")
            return date(int(m[3]), _MONTHS.index(month) + 1, int(m[1]))
    except ValueError as exc:
        if isinstance(exc, EntryError):
            raise
        raise EntryError(f"'{stripped}' is not a real date ({exc}).") from None
    raise EntryError(f"'{stripped}' is not a date: type it as 1948-03-14 or 14-Mar-1948.")


def format_date(value: date) -> str:
    """Return the date as ISO text ('1948-03-14')."""
    return value.isoformat()


def _offset(text: str) -> timezone:
    m = _OFFSET.match(text)
    if not m:
        raise EntryError(f"'{text}' is not a time-zone offset: use e.g. +00:00 or +01:00.")
    if m[1] is None:
        return UTC
    minutes = int(m[2]) * 60 + int(m[3])
    if minutes > 18 * 60:
        raise EntryError(f"'{text}' is not a real time-zone offset.")
    return timezone(timedelta(minutes=-minutes if m[1] == "-" else minutes))


def parse_datetime(text: str) -> datetime | None:
    """Return the aware date-time typed, None for an empty field.

    Raises:
        EntryError: not a date and a clock time, or a bad offset.
    """
    stripped = text.strip()
    if not stripped:
        return None
    parts = re.split(r"[ T]+", stripped, maxsplit=2)
    if len(parts) < 2:
        raise EntryError(f"'{stripped}' needs a date and a clock time, e.g. 2026-11-26 07:10.")
    day = parse_date(parts[0])
    assert day is not None
    m = _TIME.match(parts[1])
    if not m and ":" in stripped:
        try:
            exact = datetime.fromisoformat(stripped)
        except ValueError:
            pass
        else:
            return exact if exact.tzinfo is not None else _local(exact, stripped)
    if not m:
        raise EntryError(f"'{parts[1]}' is not a clock time: use 24-hour HH:MM, e.g. 07:10.")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise EntryError(f"'{parts[1]}' is not a real clock time (24-hour HH:MM).")
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    if len(parts) == 3:
        return naive.replace(tzinfo=_offset(parts[2].strip()))
    return _local(naive, stripped)


def _local(naive: datetime, typed: str) -> datetime:
    """Give a typed clock time the computer's zone; the first and last days of the calendar
    have no local time in some zones (year 1 or 10000 once converted)."""
    try:
        return naive.astimezone()
    except (ValueError, OverflowError):
        raise EntryError(
            f"'{typed}' is outside the calendar in this time zone: check the year."
        ) from None


def _local_offset(moment: datetime) -> timedelta | None:
    return moment.replace(tzinfo=None).astimezone().utcoffset()


def format_datetime(moment: datetime) -> str:
    """Return '2026-11-26 07:10', adding the offset when it is not the computer's local one."""
    if moment.microsecond:
        return moment.isoformat(sep=" ")
    text = f"{moment:%Y-%m-%d %H:%M}"
    if moment.second:
        text += f":{moment.second:02d}"
    offset = moment.utcoffset()
    if offset is not None and offset != _local_offset(moment):
        total = int(offset.total_seconds() // 60)
        sign = "-" if total < 0 else "+"
        text += f" {sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
    return text
