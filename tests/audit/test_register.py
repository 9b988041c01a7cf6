"""The register's storage: the hash chain catches tampering, the schema is versioned, writers
in two processes lose nothing, and damaged or locked files give clear messages."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.audit import schema
from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditLockedError,
    AuditMismatchError,
    AuditNotFoundError,
    AuditVersionError,
)
from desktop_app.audit.register import (
    GENESIS_HASH,
    Register,
    default_register_path,
    record_hash,
    sha256_hex,
)
from tests.audit.writer_process import PROTOCOL, draft

ROOT = Path(__file__).resolve().parents[2]
#: Runs SQL on the test's register as an administrator, triggers off (tests/audit/conftest.py).
Admin = Callable[..., list[Any]]


@contextlib.contextmanager
def raw(db: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection, as someone editing the file with a SQLite tool would use."""
    conn = sqlite3.connect(db)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def filled(register: Register, n: int = 5) -> Register:
    for i in range(n):
        register.append(draft("w", i), PROTOCOL)
    return register


def drop_triggers(conn: sqlite3.Connection) -> None:
    for name in (
        "records_no_update",
        "records_no_delete",
        "protocols_no_update",
        "protocols_no_delete",
    ):
        conn.execute(f"DROP TRIGGER {name}")


# ----- the chain ---------------------------------------------------------------------------------


def test_records_chain_from_genesis_and_verify(any_register: Register) -> None:
    filled(any_register, 3)
    records = list(any_register.iter_records())
    assert [r.id for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in records[1:]] == [r.record_hash for r in records[:-1]]
    assert all(record_hash(r.content()) == r.record_hash for r in records)
    assert records[0].recorded_at == "2026-11-26T12:01:00.000000Z"
    result = any_register.verify()
    assert result.ok and result.records_checked == 3 and result.head_hash == records[-1].record_hash
    assert result.text().startswith("Audit register intact: 3 record(s)")


def test_an_empty_register_verifies(any_register: Register) -> None:
    result = any_register.verify()
    assert result.ok and result.records_checked == 0 and result.head_hash == GENESIS_HASH


def test_triggers_refuse_update_and_delete(register: Register, db: Path) -> None:
    filled(register, 2)
    for sql in (
        "UPDATE records SET patient_name = 'X' WHERE id = 1",
        "DELETE FROM records WHERE id = 2",
        "UPDATE protocols SET data = x'00'",
        "DELETE FROM protocols",
    ):
        with raw(db) as conn, pytest.raises(sqlite3.IntegrityError, match="cannot be"):
            conn.execute(sql)
    assert register.verify().ok


def test_an_edited_row_is_the_first_broken_link(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register)
    admin_sql("UPDATE records SET patient_name = 'Someone Else' WHERE id = 3")
    result = any_register.verify()
    assert not result.ok
    assert (result.broken_at, result.problem, result.records_checked) == (3, "edited", 2)
    assert "AUDIT REGISTER BROKEN at record 3" in result.text()
    assert "changed after it was written" in result.text()


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(
    any_register: Register, admin_sql: Admin
) -> None:
    filled(any_register)
    rec = any_register.get(2)
    forged = {**rec.content(), "pdf_sha256": "f" * 64}
    admin_sql(
        (
            "UPDATE records SET pdf_sha256 = ?, record_hash = ? WHERE id = 2",
            (forged["pdf_sha256"], record_hash(forged)),
        )
    )
    result = any_register.verify()
    assert (result.ok, result.broken_at, result.problem) == (False, 3, "deleted")
    assert "does not follow record 2" in result.message


def test_a_deleted_row_is_caught(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register)
    admin_sql("DELETE FROM records WHERE id = 3")
    result = any_register.verify()
    assert (result.ok, result.broken_at, result.problem) == (False, 4, "deleted")
    assert "record 3 is missing" in result.message


def test_a_deleted_and_renumbered_row_is_caught(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register)
    admin_sql(
        "DELETE FROM records WHERE id = 3",
        "UPDATE records SET id = id - 1 WHERE id > 3",
    )
    result = any_register.verify()
    assert (result.ok, result.broken_at) == (False, 3)
    assert result.problem in ("reordered", "deleted", "edited")


def test_deleting_the_last_rows_is_caught(register: Register, db: Path) -> None:
    """SQLite only: its witness holds the count. On PostgreSQL the newest verify checkpoint
    does (tests/audit/test_pg_register.py, test_verify_finds_what_a_superuser_changed)."""
    filled(register)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute("DELETE FROM records WHERE id >= 4")
    result = register.verify()
    assert (result.ok, result.broken_at, result.problem, result.records_checked) == (
        False,
        4,
        "truncated",
        3,
    )
    assert "last recorded 5 record(s)" in result.message


def test_deleting_the_last_rows_after_a_verify_is_caught(
    any_register: Register, admin_sql: Admin
) -> None:
    filled(any_register)
    assert any_register.verify().ok  # a checkpoint (both backends) at record 5
    admin_sql("DELETE FROM records WHERE id >= 4")
    result = any_register.verify()
    assert (result.ok, result.problem) == (False, "truncated")
    assert "5 record(s)" in result.message


def test_re_ordered_rows_are_caught(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register)
    admin_sql(
        "UPDATE records SET id = 99 WHERE id = 2",
        "UPDATE records SET id = 2 WHERE id = 3",
        "UPDATE records SET id = 3 WHERE id = 99",
    )
    result = any_register.verify()
    assert (result.ok, result.broken_at, result.problem) == (False, 2, "reordered")
    assert "written as record 3 and now stands at position 2" in result.message


def test_re_ordered_contents_under_the_same_ids_are_caught(
    any_register: Register, admin_sql: Admin
) -> None:
    filled(any_register)
    cols = [c for c in schema.RECORD_CONTENT_COLUMNS if c != "id"] + ["record_hash"]
    rows = {
        i: admin_sql((f"SELECT {', '.join(cols)} FROM records WHERE id = ?", (i,)))[0]
        for i in (4, 5)
    }
    admin_sql(
        "UPDATE records SET record_hash = 'moving', prev_hash = 'moving' WHERE id = 4",  # UNIQUE
        *(
            (
                f"UPDATE records SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                (*rows[source], target),
            )
            for target, source in ((5, 4), (4, 5))
        ),
    )
    result = any_register.verify()
    assert (result.ok, result.broken_at, result.problem) == (False, 4, "reordered")


def test_an_altered_stored_protocol_is_caught(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register, 2)
    admin_sql(("UPDATE protocols SET data = ?", (PROTOCOL.replace(b"true", b"false"),)))
    result = any_register.verify()
    assert (result.ok, result.broken_at, result.problem) == (False, 1, "protocol")
    with pytest.raises(AuditCorruptError, match="altered"):
        any_register.protocol_bytes(sha256_hex(PROTOCOL))


def test_protocol_bytes_must_match_the_recorded_hash(any_register: Register) -> None:
    with pytest.raises(AuditMismatchError, match="not the one the plan was made with"):
        any_register.append(draft("w", 0), PROTOCOL + b" ")
    assert any_register.count() == 0


def test_each_protocol_is_stored_once(any_register: Register, admin_sql: Admin) -> None:
    filled(any_register, 4)
    assert admin_sql("SELECT count(*), sum(size) FROM protocols") == [(1, len(PROTOCOL))]
    assert any_register.protocol_bytes(sha256_hex(PROTOCOL)) == PROTOCOL
    with pytest.raises(AuditNotFoundError):
        any_register.protocol_bytes("0" * 64)


# ----- search ------------------------------------------------------------------------------------


def test_search_by_patient_text_and_date(any_register: Register) -> None:
    filled(any_register, 8)
    assert [r.id for r in any_register.search(patient="w-1")] == [2]
    assert [r.id for r in any_register.search(patient="w-1", limit=5)] == [2]
    assert len(any_register.search(text="CONCURRENCY")) == 8
    assert [r.id for r in any_register.search(text="w-7")] == [8]
    assert any_register.search(text="100%_") == []
    local_day = datetime(2026, 11, 26, 12, 5, tzinfo=UTC).astimezone().date()
    assert len(any_register.search(on_date=local_day)) == 8
    assert any_register.search(on_date=local_day.replace(year=2025)) == []
    assert [r.id for r in any_register.search(limit=2)] == [8, 7]
    assert [r.id for r in any_register.records_for_plan("w-3")] == [4]
    with pytest.raises(AuditNotFoundError, match="no record 99"):
        any_register.get(99)


# ----- where the register lives -------------------------------------------------------------------


def test_default_path_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B12K_DATA_DIR", str(tmp_path / "d"))
    assert default_register_path() == tmp_path / "d" / "audit.sqlite3"
    monkeypatch.setenv("B12K_AUDIT_DB", str(tmp_path / "shared" / "ward.sqlite3"))
    assert default_register_path() == tmp_path / "shared" / "ward.sqlite3"
    register = Register()
    assert register.path == tmp_path / "shared" / "ward.sqlite3" and register.path.is_file()


def test_a_missing_register_is_not_created_for_reading(tmp_path: Path) -> None:
    with pytest.raises(AuditNotFoundError, match="no sheet has been recorded there"):
        Register(tmp_path / "none.sqlite3", create=False)
    assert not (tmp_path / "none.sqlite3").exists()


def test_new_register_is_wal_with_version_and_application_id(register: Register, db: Path) -> None:
    with raw(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID


# ----- versions and migrations --------------------------------------------------------------------


def test_a_newer_register_is_refused_and_left_unchanged(register: Register, db: Path) -> None:
    filled(register, 2)
    with raw(db) as conn:
        conn.execute("PRAGMA user_version = 7")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    with pytest.raises(AuditVersionError) as info:
        Register(db)
    assert (
        f"written by a newer B12-K Planner (register schema 7; this program reads schema {schema.SCHEMA_VERSION}"
        in str(info.value)
    )
    assert "Nothing was written" in str(info.value)
    assert db.read_bytes() == before


def test_an_older_register_is_migrated_and_keeps_verifying(
    register: Register, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled(register, 3)

    def to_next(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (record_id INTEGER REFERENCES records (id), text TEXT)")

    nxt = schema.SCHEMA_VERSION + 1
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION, to_next)
    monkeypatch.setattr("desktop_app.audit.register.SCHEMA_VERSION", nxt)
    migrated = Register(db)
    with raw(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == nxt
        assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert migrated.verify().ok and migrated.count() == 3
    migrated.append(draft("w", 9), PROTOCOL)
    assert migrated.verify().ok


# ----- damaged, foreign and locked files ---------------------------------------------------------


def test_a_corrupt_file_gives_a_clear_message(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database, it was overwritten by something else\n" * 100)
    with pytest.raises(AuditCorruptError) as info:
        Register(db)
    message = str(info.value)
    assert f"The audit register {db} is damaged or is not a B12-K audit register" in message
    assert "restore it from a backup; do not delete it" in message


def test_a_damaged_page_is_reported_by_verify_or_on_open(register: Register, db: Path) -> None:
    filled(register, 40)
    with raw(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\xff" * page
    db.write_bytes(bytes(data))
    try:
        result = Register(db).verify()
    except AuditCorruptError as exc:
        assert "damaged" in str(exc)
    else:
        assert not result.ok and result.problem in (
            "corrupt",
            "edited",
            "protocol",
            "deleted",
            "truncated",
        )


def test_another_programs_database_is_refused(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with raw(db) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    with pytest.raises(AuditCorruptError, match="another program, not a B12-K audit register"):
        Register(db)
    with raw(db) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("invoices",)]


def test_a_locked_register_gives_a_clear_message_then_works(register: Register, db: Path) -> None:
    filled(register, 1)
    blocker = sqlite3.connect(db, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        waiting = Register(db, timeout=0.2)
        with pytest.raises(AuditLockedError) as info:
            waiting.append(draft("w", 1), PROTOCOL)
        assert "is in use by another program and stayed locked for 0.2 s" in str(info.value)
        assert waiting.verify().ok  # readers are not blocked by a writer (WAL)
        blocker.execute("ROLLBACK")
    finally:
        blocker.close()
    waiting.append(draft("w", 1), PROTOCOL)
    assert waiting.count() == 2 and waiting.verify().ok


# ----- two processes -----------------------------------------------------------------------------

WRITES_PER_PROCESS = 150


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "audit.sqlite3"  # does not exist: both writers race to create it
    ready = tmp_path / "ready"
    ready.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.audit.writer_process",
                str(db),
                name,
                str(WRITES_PER_PROCESS),
                str(ready),
                "2",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alpha", "beta")
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    register = Register(db, create=False)
    records = list(register.iter_records())
    assert [r.id for r in records] == list(range(1, 2 * WRITES_PER_PROCESS + 1))
    for name in ("alpha", "beta"):
        assert sorted(int(r.plan_id.split("-")[1]) for r in records if r.os_user == name) == list(
            range(WRITES_PER_PROCESS)
        )
    assert register.verify().ok


def test_a_register_created_by_another_program_between_two_reads_is_used(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The creation race made deterministic: this program reads "no register yet", then another
    program creates it before this one writes. It must use that register, not call it foreign."""
    original = Register._identity
    calls: list[tuple[int, int]] = []

    def identity_then_other_program_creates(conn: sqlite3.Connection) -> tuple[int, int]:
        seen = original(conn)
        if not calls:
            monkeypatch.setattr(Register, "_identity", staticmethod(original))
            Register(db).append(draft("other", 0), PROTOCOL)
        calls.append(seen)
        return seen

    monkeypatch.setattr(Register, "_identity", staticmethod(identity_then_other_program_creates))
    db.parent.mkdir(parents=True)
    this = Register(db)
    this.append(draft("this", 0), PROTOCOL)
    assert calls == [(0, 0)]
    assert [r.os_user for r in this.iter_records()] == ["other", "this"] and this.verify().ok


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (POSIX)")
def test_a_date_search_spans_a_local_day_across_a_daylight_saving_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """London, 2026-10-25 has 25 hours: a record at 23:30 local (23:30 UTC) is on that day."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        moments = iter(
            [datetime(2026, 10, 25, 23, 30, tzinfo=UTC), datetime(2026, 10, 26, 0, 30, tzinfo=UTC)]
        )
        register = Register(tmp_path / "a.sqlite3", clock=lambda: next(moments))
        filled(register, 2)
        assert [r.id for r in register.search(on_date=date(2026, 10, 25))] == [1]
        assert [r.id for r in register.search(on_date=date(2026, 10, 26))] == [2]
    finally:
        monkeypatch.undo()
        time.tzset()
