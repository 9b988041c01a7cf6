"""`audit list --search` at scale (issue 20): the SQLite register's trigram full-text index.

The search must give exactly the records a substring match gives, newest first and paged, on
both backends; on SQLite it must read the index (schema 4) rather than scan every record, keep
the index up to date as records are added, build it for a register written before it, and fall
back to the scan where this SQLite has no FTS5.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.audit import schema
from desktop_app.audit.register import Register
from tests.audit.conftest import Ticker
from tests.audit.writer_process import PROTOCOL, draft

#: Names a ward writes, with the characters a LIKE pattern or an FTS5 query treats specially.
PEOPLE = (
    ("MRN0001", "Smith, Ann", "Dr O'Brien"),
    ("MRN0002", 'Jones "JJ", Bob', "Dr Patel"),
    ("MRN0003", "100%_Test, Eve", "Dr Patel"),
    ("MRN0004", "ÉLODIE Müller", "Dr Nguyen"),
    ("MRN0005", "back\\slash, Ian", "Dr O'Brien"),
    ("MRN0006", "Smithers, Ann", "Dr Khan"),
    ("MRN0007", "García-López, Pía", "Dr Khan"),
)

TERMS = (
    "smith",
    "SMITH",
    "mrn000",
    "MRN0004",
    "o'brien",
    '"jj"',
    "100%_",
    "%_t",
    "h\\s",
    "élodie",
    "müller",
    "garcía",
    "dr ",
    ", ann",
    "zzz",
    "mi",  # two characters: the scan, not the index
    "é",
)


def _fill(register: Register) -> list[tuple[int, str, str, str, str]]:
    """Two records per person (oldest first); returns (id, identifier, name, plan id, prescriber)."""
    rows = []
    for round_ in range(2):
        for i, (mrn, name, prescriber) in enumerate(PEOPLE):
            record = dataclasses.replace(
                draft("s", round_ * 10 + i),
                patient_identifier=mrn,
                patient_name=name,
                prescriber=prescriber,
                plan_id=f"PLAN-{round_}-{i}",
            )
            stored = register.append(record, PROTOCOL)
            rows.append((stored.id, mrn, name, f"PLAN-{round_}-{i}", prescriber))
    return rows


def _expected(rows: list[tuple[int, str, str, str, str]], term: str) -> list[int]:
    """The oracle: records holding the term in one of the four columns, any case, newest first."""
    needle = term.lower()
    return sorted((r[0] for r in rows if any(needle in col.lower() for col in r[1:])), reverse=True)


def test_a_text_search_finds_exactly_the_records_holding_the_text(any_register: Register) -> None:
    rows = _fill(any_register)
    for term in TERMS:
        if not term.isascii() and not isinstance(any_register, Register):
            continue  # PostgreSQL's lower() folds by the database's locale: not checked here
        got = [r.id for r in any_register.search(text=term)]
        assert got == _expected(rows, term), term


def test_the_index_folds_case_beyond_ascii(tmp_path: Path) -> None:
    """The scan's lower() folds only A-Z: 'élodie' never found 'ÉLODIE'. The index does."""
    register = Register(tmp_path / "r.sqlite3", clock=Ticker())
    rows = _fill(register)
    assert [r.id for r in register.search(text="élodie")] == _expected(rows, "élodie") != []


def test_a_text_search_pages_newest_first_with_the_other_filters(any_register: Register) -> None:
    rows = _fill(any_register)
    everyone = _expected(rows, "dr ")
    assert [r.id for r in any_register.search(text="dr ", limit=3)] == everyone[:3]
    assert [r.id for r in any_register.search(text="dr ", limit=3, offset=3)] == everyone[3:6]
    assert [r.id for r in any_register.search(text="dr ", offset=12)] == everyone[12:]
    assert [r.id for r in any_register.search(text="ann", patient="MRN0006")] == [
        r[0] for r in reversed(rows) if r[1] == "MRN0006"
    ]
    assert [r.id for r in any_register.search(text="ann", patient="MRN0006", limit=1)] == [
        max(r[0] for r in rows if r[1] == "MRN0006")
    ]
    local_day = datetime(2026, 11, 26, 12, 5, tzinfo=UTC).astimezone().date()
    assert [r.id for r in any_register.search(text="patel", on_date=local_day)] == _expected(
        rows, "patel"
    )
    assert any_register.search(text="patel", on_date=local_day.replace(year=2025)) == []


def _index_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {schema.TEXT_INDEX}").fetchone()[0])


def test_the_sqlite_search_reads_the_index_not_the_records(tmp_path: Path) -> None:
    """Take one record out of the index by hand: a search of three or more characters no longer
    finds it (it was served by the index), while a two-character search (the scan) still does."""
    db = tmp_path / "r.sqlite3"
    register = Register(db, clock=Ticker())
    rows = _fill(register)
    assert _index_rows(db) == len(rows)
    newest_smith = _expected(rows, "smith")[0]
    with sqlite3.connect(db) as conn:
        conn.execute(f"DELETE FROM {schema.TEXT_INDEX} WHERE rowid = ?", (newest_smith,))
    assert newest_smith not in [r.id for r in register.search(text="smith")]
    assert newest_smith in [r.id for r in register.search(text="mi")]


def test_an_older_register_gets_its_index_built_and_kept_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    rows = _fill(Register(db, clock=Ticker()))
    with sqlite3.connect(db) as conn:  # what a schema-3 register looks like
        conn.execute(f"DROP TRIGGER {schema.TEXT_INDEX}_add")
        conn.execute(f"DROP TABLE {schema.TEXT_INDEX}")
        conn.execute("PRAGMA user_version = 3")
    register = Register(db, clock=Ticker())
    assert [r.id for r in register.search(text="smith")] == _expected(rows, "smith")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert _index_rows(db) == len(rows)
    later = register.append(
        dataclasses.replace(draft("s", 99), patient_name="Newcomer, Zed"), PROTOCOL
    )
    assert [r.id for r in register.search(text="newcomer")] == [later.id]
    assert register.verify().ok


def test_without_fts5_the_register_still_searches_by_scanning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "text_index_available", lambda conn: False)
    db = tmp_path / "r.sqlite3"
    register = Register(db, clock=Ticker())
    rows = _fill(register)
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert schema.TEXT_INDEX not in names
    for term in ("smith", "100%_", "dr ", "mi"):
        assert [r.id for r in register.search(text=term)] == _expected(rows, term), term
