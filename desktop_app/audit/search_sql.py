"""The WHERE clause of a register search, shared by the SQLite and PostgreSQL backends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from desktop_app.audit.records import utc_stamp


def search_clauses(
    patient: str | None, text: str | None, on_date: date | None, mark: str, fold: str = "lower"
) -> tuple[str, list[Any]]:
    """Return (" WHERE ..." or "", parameters) for a search; `mark` is "?" or "%s".

    patient: exact identifier; text: part of the identifier, name, plan id or prescriber
    (case-insensitive); on_date: recorded on this calendar day in the computer's time zone.
    fold: the SQL function that lower-cases a column (SQLite's own lower() folds only A-Z, so
    the SQLite register passes its `FOLD` function, Python's str.lower).
    """
    where: list[str] = []
    params: list[Any] = []
    if patient:
        where.append(f"patient_identifier = {mark}")
        params.append(patient)
    if text:
        like = (
            "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            "("
            + " OR ".join(
                f"{fold}({c}) LIKE {mark} ESCAPE '\\'"
                for c in ("patient_identifier", "patient_name", "plan_id", "prescriber")
            )
            + ")"
        )
        params.extend([like] * 4)
    if on_date is not None:
        # Local midnight to local midnight (23 or 25 hours on a daylight-saving change).
        start = datetime.combine(on_date, dtime.min).astimezone()
        end = datetime.combine(on_date + timedelta(days=1), dtime.min).astimezone()
        where.append(f"recorded_at >= {mark} AND recorded_at < {mark}")
        params.extend([utc_stamp(start), utc_stamp(end)])
    return (" WHERE " + " AND ".join(where) if where else ""), params


#: The name of the SQL function the SQLite register defines as Python's str.lower.
FOLD = "b12k_fold"

#: The shortest text the trigram index can look up (three characters make one trigram).
TRIGRAM = 3


def indexed_text(text: str | None) -> str | None:
    """The FTS5 query for a part of a searched column, or None when the index cannot serve it.

    One quoted phrase (a double quote inside doubled): with the trigram tokenizer it matches
    exactly the records holding `text` as a substring, case-insensitively, as the LIKE scan
    does. Shorter than three characters, or holding the columns' separator (U+001F) or another
    control character, it is left to the scan.
    """
    if not text or len(text) < TRIGRAM or any(ord(c) < 32 for c in text):
        return None
    return '"' + text.replace('"', '""') + '"'


__all__ = ["FOLD", "TRIGRAM", "indexed_text", "search_clauses"]
