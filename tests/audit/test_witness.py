"""Issue 16 items 4 and 5: a register whose history cannot vanish silently.

The witness file beside the register holds its id, count and head. Truncation, deletion of the
last rows (even with `meta` edited to match), a swapped file and a deleted file are each found
by verify and named in words; nothing more is recorded into such a register, and the message
says how to set it aside on purpose. Every kind of damage gets a message, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from dataclasses import asdict
from pathlib import Path

import pytest

from desktop_app.audit import schema
from desktop_app.audit.errors import AuditCorruptError
from desktop_app.audit.records import ALL_COLUMNS, column_type_problem
from desktop_app.audit.register import (
    Register,
    record_hash,
    set_aside,
    sha256_hex,
    verify_path,
)
from desktop_app.audit.witness import (
    Checkpoint,
    Witness,
    read_witness,
    witness_path,
    write_witness,
)
from desktop_app.cli import main
from tests.audit.test_register import Admin, drop_triggers, filled, raw
from tests.audit.writer_process import PROTOCOL, draft

REFUSAL = "failed its check, so nothing more is recorded in it"


def _refused(db: Path) -> str:
    """Try to record one more sheet; return the refusal's text (the register must refuse)."""
    with pytest.raises(AuditCorruptError) as info:
        Register(db).append(draft("late", 0), PROTOCOL)
    message = str(info.value)
    assert REFUSAL in message and f"b12k audit set-aside --db {db}" in message
    return message


def _checkpointed(db: Path) -> None:
    with raw(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_each_record_rewrites_the_witness_with_count_and_head(register: Register, db: Path) -> None:
    filled(register, 3)
    witness = read_witness(witness_path(db))
    assert witness is not None
    last = list(register.iter_records())[-1]
    assert (witness.head.record_count, witness.head.head_hash) == (3, last.record_hash)
    with raw(db) as conn:
        (register_id,) = conn.execute("SELECT value FROM meta WHERE key = 'register_id'").fetchone()
    assert witness.register_id == register_id and len(register_id) == 32


def test_register_and_witness_are_private_to_their_owner(register: Register, db: Path) -> None:
    filled(register, 1)
    for path in (db, witness_path(db)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


@pytest.mark.parametrize("size", [0, 1])
def test_a_truncated_register_is_reported_and_never_replaced(
    register: Register, db: Path, size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(register, 5)
    _checkpointed(db)
    db.write_bytes(b"S"[:size])
    result = verify_path(db)
    assert (result.ok, result.problem) == (False, "truncated")
    assert "says it held 5 record(s)" in result.message and "truncated" in result.message
    assert main(["audit", "verify", "--db", str(db)]) == 2
    assert "truncated" in capsys.readouterr().err
    message = _refused(db)
    assert "held 5 record(s)" in message
    assert db.stat().st_size == size, "the damaged file was left as it was"


def test_deleting_the_last_rows_with_meta_edited_to_match_is_caught(
    register: Register, db: Path
) -> None:
    filled(register, 5)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute("DELETE FROM records WHERE id >= 4")
        (head,) = conn.execute("SELECT record_hash FROM records WHERE id = 3").fetchone()
        conn.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (head,))
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'record_count'")
    result = register.verify()
    assert (result.ok, result.problem, result.broken_at) == (False, "truncated", 4)
    assert "held 5 record(s)" in result.message and "holds only 3" in result.message
    assert "the last 2 record(s) were deleted" in result.message
    _refused(db)


def test_an_older_copy_put_back_is_caught(register: Register, db: Path, tmp_path: Path) -> None:
    filled(register, 2)
    _checkpointed(db)
    old = tmp_path / "backup.sqlite3"
    shutil.copy(db, old)
    filled(register, 2)
    _checkpointed(db)
    shutil.copy(old, db)
    result = register.verify()
    assert (result.ok, result.problem) == (False, "truncated")
    assert "replaced by an older copy" in result.message
    _refused(db)


def test_a_register_swapped_for_another_is_caught(
    register: Register, db: Path, tmp_path: Path
) -> None:
    filled(register, 3)
    other = Register(tmp_path / "other" / "audit.sqlite3")
    filled(other, 4)
    _checkpointed(other.path)
    _checkpointed(db)
    shutil.copy(other.path, db)
    result = register.verify()
    assert (result.ok, result.problem) == (False, "swapped")
    assert "the file was swapped for another register" in result.message
    _refused(db)


def test_a_rewritten_register_with_the_same_id_is_caught(register: Register, db: Path) -> None:
    filled(register, 3)
    with raw(db) as conn:  # the head record replaced by another one (its hash recomputed)
        drop_triggers(conn)
        conn.execute("UPDATE meta SET value = 'x' WHERE key = 'head_hash'")
    witness = read_witness(witness_path(db))
    assert witness is not None
    doc = json.loads(witness_path(db).read_text())
    doc["head"]["head_hash"] = "ab" * 32
    witness_path(db).write_text(json.dumps(doc))
    result = register.verify()
    assert not result.ok and result.problem in ("truncated", "swapped")


def test_a_missing_witness_is_reported_and_refuses_recording(register: Register, db: Path) -> None:
    filled(register, 2)
    witness_path(db).unlink()
    result = register.verify()
    assert (result.ok, result.problem) == (False, "witness")
    assert "witness file audit.sqlite3.witness is missing" in result.message
    _refused(db)


def test_a_deleted_register_is_not_started_again(register: Register, db: Path) -> None:
    filled(register, 2)
    _checkpointed(db)
    db.unlink()
    result = verify_path(db)
    assert (result.ok, result.problem) == (False, "truncated")
    assert "is missing" in result.message and "held 2 record(s)" in result.message
    with pytest.raises(AuditCorruptError, match="it was deleted or truncated"):
        Register(db)
    assert not db.exists()


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": "something else"}'])
def test_a_damaged_witness_gets_a_message(
    register: Register, db: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(register, 2)
    witness_path(db).write_bytes(content)
    result = register.verify()
    assert (result.ok, result.problem) == (False, "witness")
    assert "witness file" in result.message and "is damaged" in result.message
    assert main(["audit", "verify", "--db", str(db)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(AuditCorruptError, match="is damaged"):
        Register(db).append(draft("late", 0), PROTOCOL)


def test_a_witness_one_record_behind_is_fine_and_catches_up(register: Register, db: Path) -> None:
    filled(register, 2)
    behind = witness_path(db).read_bytes()
    filled(register, 1)
    witness_path(db).write_bytes(behind)  # as if the program stopped before writing it
    assert register.verify().ok
    register.append(draft("next", 0), PROTOCOL)
    witness = read_witness(witness_path(db))
    assert witness is not None and witness.head.record_count == 4


def test_set_aside_keeps_every_file_and_a_new_register_starts(
    register: Register, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(register, 3)
    _checkpointed(db)
    db.write_bytes(b"")
    _refused(db)
    assert main(["audit", "set-aside", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "nothing was deleted" in out
    kept = sorted(p.name for p in db.parent.iterdir())
    assert any(name.endswith(".sqlite3.witness") and "set-aside" in name for name in kept)
    assert not db.exists() and not witness_path(db).exists()
    fresh = Register(db)
    fresh.append(draft("new", 0), PROTOCOL)
    assert fresh.verify().ok and fresh.count() == 1
    old = next(db.parent.glob("audit.set-aside-*.sqlite3.witness"))
    old_witness = read_witness(old)
    assert old_witness is not None and old_witness.head.record_count == 3
    with pytest.raises(Exception, match=r"already exists|no audit register"):
        set_aside(db.parent / "nothing-here.sqlite3")


def test_a_protocol_blob_tampered_to_text_gets_a_message(
    register: Register, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filled(register, 2)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute("UPDATE protocols SET data = CAST(data AS TEXT)")
    result = register.verify()
    assert (result.ok, result.problem, result.broken_at) == (False, "protocol", 1)
    assert "is stored as text instead of the file's bytes" in result.message
    with pytest.raises(AuditCorruptError, match="has been altered"):
        register.protocol_bytes(next(iter(register.iter_records())).protocol_sha256)
    assert main(["audit", "verify", "--db", str(db)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("patient_name", b"\x00\x01", "holds binary data where text was written"),
        ("override_count", "three", "holds text where a whole number was written"),
        ("reprint_of", 2.5, "holds a decimal number where a whole number was written"),
    ],
)
def test_a_value_of_the_wrong_type_in_any_column_gets_a_message(
    register: Register, db: Path, column: str, value: object, says: str
) -> None:
    filled(register, 2)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute(f"UPDATE records SET {column} = ? WHERE id = 2", (value,))
    result = Register(db).verify()
    assert not result.ok and result.problem == "edited"
    assert says in result.message


def test_an_empty_column_is_named() -> None:
    row = [1] * len(ALL_COLUMNS)
    row[ALL_COLUMNS.index("patient_name")] = None
    row[ALL_COLUMNS.index("batch_id")] = None
    problem = column_type_problem(tuple(row))
    assert problem == "its column kind holds a whole number where text was written"
    texts = tuple(
        None
        if c in ("patient_name", "reprint_of")
        else (1 if c in ("id", "override_count") else "x")
        for c in ALL_COLUMNS
    )
    assert column_type_problem(texts) == "its column patient_name is empty (NULL)"


def test_a_dropped_table_gets_a_message(register: Register, db: Path) -> None:
    filled(register, 2)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute("DROP TABLE protocols")
    result = register.verify()
    assert not result.ok and result.problem in ("corrupt", "protocol")
    assert "protocols" in result.message


def _schema_1_register(db: Path, n: int) -> list[str]:
    """Write a register as the schema-1 program did (no witness, no schema-2 columns)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    hashes: list[str] = []
    with raw(db) as conn:
        schema.MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute(
            "INSERT INTO protocols VALUES (?, 'stand-in', '1.0.0', ?, ?)",
            (sha256_hex(PROTOCOL), len(PROTOCOL), PROTOCOL),
        )
        prev = schema.GENESIS_HASH
        for i in range(1, n + 1):
            values = {
                **asdict(draft("v1", i)),
                "id": i,
                "recorded_at": "2026-11-26T12:00:00.000000Z",
                "prev_hash": prev,
            }
            content = {c: values[c] for c in schema.RECORD_CONTENT_COLUMNS}
            prev = record_hash(content)
            columns = (*content, "record_hash")
            conn.execute(
                f"INSERT INTO records ({', '.join(columns)}) VALUES "
                f"({', '.join('?' * len(columns))})",
                (*content.values(), prev),
            )
            hashes.append(prev)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (prev,))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'record_count'", (str(n),))
    return hashes


def test_a_schema_1_register_gains_a_witness_and_keeps_its_hashes(db: Path) -> None:
    hashes = _schema_1_register(db, 3)
    assert not witness_path(db).exists()
    new = Register(db)
    assert [r.record_hash for r in new.iter_records()] == hashes
    witness = read_witness(witness_path(db))
    assert witness is not None and witness.head == Checkpoint(3, hashes[-1])
    assert new.verify().ok
    new.append(draft("after", 0), PROTOCOL)
    assert new.verify().ok and new.count() == 4


def test_a_witness_of_another_state_stops_a_migration(db: Path) -> None:
    _schema_1_register(db, 2)
    write_witness(witness_path(db), Witness("someone-else", Checkpoint(9, "ab" * 32)))
    with pytest.raises(AuditCorruptError, match="of another register state"):
        Register(db)


def test_verify_from_the_checkpoint_walks_only_newer_records(
    any_register: Register, admin_sql: Admin
) -> None:
    filled(any_register, 6)
    full = any_register.verify()
    assert full.ok and full.walked == 6 and full.started_from is None
    filled(any_register, 2)
    nightly = any_register.verify(from_checkpoint=True)
    assert nightly.ok and nightly.walked == 2 and nightly.records_checked == 8
    assert nightly.started_from is not None and nightly.started_from.record_count == 6
    assert "records/s" in nightly.speed_text()
    # the checkpoint record itself rewritten: caught from the checkpoint
    admin_sql("UPDATE records SET patient_name = 'X' WHERE id = 8")
    again = any_register.verify(from_checkpoint=True)
    assert (again.ok, again.problem) == (False, "swapped")
    assert "the last one found intact by a previous verify" in again.message


def test_an_edit_before_the_checkpoint_needs_the_full_walk(
    any_register: Register, admin_sql: Admin
) -> None:
    filled(any_register, 4)
    assert any_register.verify().ok
    admin_sql("UPDATE records SET patient_name = 'X' WHERE id = 2")
    assert any_register.verify(from_checkpoint=True).ok, "only newer records are walked"
    assert any_register.verify().problem == "edited"


def test_a_sqlite_error_during_verify_is_a_message(register: Register, db: Path) -> None:
    filled(register, 1)
    with raw(db) as conn:
        drop_triggers(conn)
        conn.execute("ALTER TABLE records RENAME COLUMN patient_name TO renamed")
    result = register.verify()
    assert (result.ok, result.problem) == (False, "corrupt")
    assert "patient_name" in result.message
    # the raw file is still what a tool shows
    with pytest.raises(sqlite3.Error, match=r"."), raw(db) as conn:
        conn.execute("SELECT patient_name FROM records")
