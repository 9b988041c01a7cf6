"""A register cut short only in unused space still reads back every record: its header tells.

Found by `b12k selftest --size release` (register damage campaign): 6 of 50 random truncations
left every record readable and `PRAGMA quick_check` content, and verify called them intact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.audit import sqlite_header
from desktop_app.audit.errors import AuditCorruptError
from desktop_app.audit.register import Register, verify_path
from tests.audit.test_register import filled, raw
from tests.audit.writer_process import PROTOCOL, draft


def _shortfall(path: Path) -> tuple[int, int] | None:
    with raw(path) as conn:
        return sqlite_header.shortfall_of(conn, path)


def _closed(register: Register, db: Path, n: int = 3) -> int:
    filled(register, n)
    with raw(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


def test_an_untouched_register_is_its_headers_length(register: Register, db: Path) -> None:
    _closed(register, db)
    assert _shortfall(db) is None
    assert verify_path(db).ok


@pytest.mark.parametrize("cut", ["one byte", "a whole page"])
def test_a_register_cut_short_is_truncated_and_refuses_recording(
    register: Register, db: Path, cut: str
) -> None:
    page = _closed(register, db)
    data = db.read_bytes()
    db.write_bytes(data[: -1 if cut == "one byte" else -page])
    result = verify_path(db)
    if cut == "one byte":  # every record reads back: only the page count tells
        assert _shortfall(db) is not None
        assert (result.ok, result.problem) == (False, "truncated")
        assert "cut short" in result.message and f"{len(data):,}" in result.message
    else:  # SQLite finds a missing page itself
        assert (result.ok, result.problem) in ((False, "truncated"), (False, "corrupt"))
    before = db.read_bytes()
    with pytest.raises(AuditCorruptError, match=r"cut short|is damaged"):
        Register(db).append(draft("late", 0), PROTOCOL)
    assert db.read_bytes() == before


def test_the_header_check_stands_aside_while_a_write_ahead_log_is_in_use(
    register: Register, db: Path
) -> None:
    page = _closed(register, db)
    count = len(db.read_bytes()) // page
    db.write_bytes(db.read_bytes()[:-page])
    assert sqlite_header.shortfall(db, page, count) == ((count - 1) * page, count * page)
    db.with_name(db.name + "-wal").write_bytes(b"\0" * 32)
    assert sqlite_header.shortfall(db, page, count) is None


def test_the_check_never_opens_the_database_file_itself(register: Register, db: Path) -> None:
    """Closing any descriptor of the file would drop SQLite's POSIX locks in this process."""
    source = Path(sqlite_header.__file__).read_text(encoding="utf-8")
    assert "open(" not in source.split('"""', 2)[2]
