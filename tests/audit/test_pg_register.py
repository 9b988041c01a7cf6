"""What only the shared register on PostgreSQL does: roles refused by the database, one chain
under concurrent writers (and a writer killed mid-transaction), `audit copy`, and a server that
cannot be reached refusing the sheet.

Every test needs the throwaway server (`pg_server`); without one they skip, saying why.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.audit.backend import open_register
from desktop_app.audit.copy import copy_register
from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditNotFoundError,
    AuditUnreachableError,
    AuditVersionError,
)
from desktop_app.audit.issue import export_and_record, reprint
from desktop_app.audit.register import Register
from desktop_app.cli import main
from desktop_app.demo import demo_inputs
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.plan_files import write_plan_file
from tests.audit.conftest import Ticker
from tests.audit.writer_process import PROTOCOL, draft

psycopg = pytest.importorskip("psycopg", reason="the 'postgres' extra (psycopg) is not installed")
PgRegister = pytest.importorskip("desktop_app.audit.pg").PgRegister

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-26T12:00:00+00:00"
#: Nothing listens on this socket folder: a server that cannot be reached.
DEAD = "host=/nonexistent/b12k-no-server port=5999 dbname=b12k_audit user=b12k_workstation"


def _as(target: str, user: str) -> str:
    return target.replace("user=b12k_workstation", f"user={user}")


# ----- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE b12k_audit.records SET patient_name = 'someone else'",
        "DELETE FROM b12k_audit.records",
        "TRUNCATE b12k_audit.records CASCADE",
        "UPDATE b12k_audit.protocols SET data = 'x'",
        "DELETE FROM b12k_audit.checkpoints",
    ],
)
def test_the_database_refuses_changes_by_every_role(pg_target: str, statement: str) -> None:
    reg = PgRegister(pg_target)
    reg.append(draft("w", 0), PROTOCOL)
    reg.verify()
    with psycopg.connect(pg_target) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement.encode())  # the workstation role: not granted
    with (
        psycopg.connect(_as(pg_target, "b12k_admin")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        conn.execute(statement.encode())  # even the owner: the trigger refuses
    assert reg.verify().ok and reg.get(1).patient_name == "Concurrency Test"


def test_no_two_records_claim_the_same_predecessor(pg_target: str) -> None:
    reg = PgRegister(pg_target)
    first = reg.append(draft("w", 0), PROTOCOL)
    with psycopg.connect(pg_target) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO b12k_audit.records SELECT 2, kind, recorded_at, os_user, host, "
            "prescriber, patient_identifier, patient_name, plan_id, override_count, protocol_id, "
            "protocol_version, protocol_sha256, protocol_source, evaluated_at, plan_sha256, paper, "
            "app_version, pdf_sha256, destination, reprint_of, prev_hash, 'x' || record_hash, "
            "batch_id, sheet_anchor, plan_inputs_json, overrides_json FROM b12k_audit.records"
        )
    assert reg.count() == 1 and reg.anchor() == f"1:{first.record_hash}"


def test_workstation_cannot_migrate_and_newer_schema_is_refused(pg_server: object) -> None:
    name = pg_server.new_database()  # type: ignore[attr-defined]
    workstation = pg_server.conninfo("b12k_workstation", name)  # type: ignore[attr-defined]
    with pytest.raises(AuditNotFoundError, match="b12k audit migrate"):
        PgRegister(workstation, create=False)
    with pytest.raises(AuditVersionError, match="admin role"):
        PgRegister(workstation)
    admin = pg_server.conninfo("b12k_admin", name)  # type: ignore[attr-defined]
    assert main(["audit", "migrate", "--db", admin]) == 0
    assert PgRegister(workstation).schema_version() == 1
    with psycopg.connect(admin) as conn:
        conn.execute("INSERT INTO b12k_audit.schema_version (version) VALUES (99)")
    with pytest.raises(AuditVersionError, match="newer B12-K Planner"):
        PgRegister(workstation)


# ----- many writers ----------------------------------------------------------------------------


def _writers(target: str, n: int, count: int, ready: Path) -> list[subprocess.Popen[str]]:
    ready.mkdir(exist_ok=True)
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.audit.writer_process",
                target,
                f"p{i}",
                str(count),
                str(ready),
                str(n),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]


def _check_all(target: str, writers: int, count: int) -> None:
    reg = PgRegister(target, create=False)
    records = list(reg.iter_records())
    assert [r.id for r in records] == list(range(1, writers * count + 1))  # none lost, no gaps
    for i in range(writers):
        mine = sorted(int(r.plan_id.split("-")[1]) for r in records if r.os_user == f"p{i}")
        assert mine == list(range(count))  # each writer's records once each
    assert len({r.prev_hash for r in records}) == len(records)
    assert reg.verify().ok


def test_eight_processes_write_one_chain(pg_target: str, tmp_path: Path) -> None:
    procs = _writers(pg_target, 8, 10, tmp_path / "ready")
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    _check_all(pg_target, 8, 10)


def test_a_writer_killed_mid_transaction_leaves_the_chain_intact(
    pg_target: str, tmp_path: Path
) -> None:
    PgRegister(pg_target).append(draft("p0", 0), PROTOCOL)  # so the killed one is not the first
    hung = subprocess.Popen(
        [sys.executable, "-m", "tests.audit.writer_process", "hang", pg_target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert hung.stdout is not None and hung.stdout.readline().strip() == "in transaction"
    procs = _writers(pg_target, 2, 5, tmp_path / "ready")  # they wait for the chain lock
    hung.kill()
    hung.communicate(timeout=30)
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    reg = PgRegister(pg_target, create=False)
    records = list(reg.iter_records())
    assert len(records) == 11 and not [r for r in records if r.os_user == "hung"]
    assert [r.id for r in records] == list(range(1, 12)) and reg.verify().ok


# ----- copying a local register ----------------------------------------------------------------


@pytest.fixture
def local(
    tmp_path: Path, demo: tuple[Plan, PlanInputs], protocol: tuple[LoadedProtocol, bytes]
) -> Path:
    """A local SQLite register: two demo sheets and a reprint of the first."""
    db = tmp_path / "local" / "audit.sqlite3"
    plan, inputs = demo
    reg = Register(db, clock=Ticker())
    for name in ("a.pdf", "b.pdf"):
        export_and_record(plan, inputs, protocol[0], protocol[1], tmp_path / name, register=reg)
    reprint(reg, 1, tmp_path / "a-again.pdf")
    return db


def test_copy_into_an_empty_register_keeps_ids_hashes_and_times(
    local: Path, pg_target: str, tmp_path: Path
) -> None:
    first = copy_register(local, pg_target)
    assert (first.copied, first.already) == (3, 0) and first.target_checked.ok
    again = copy_register(local, pg_target)
    assert (again.copied, again.already) == (0, 3)
    source = list(Register(local, create=False).iter_records())
    copied = list(PgRegister(pg_target).iter_records())
    assert copied == source  # same ids, times, hashes, reprint_of: the very chain
    redone = reprint(PgRegister(pg_target), 2, tmp_path / "from-server.pdf", record=False)
    assert redone.identical


def test_copy_after_other_records_chains_them_anew(local: Path, pg_target: str) -> None:
    shared = PgRegister(pg_target, clock=Ticker())
    shared.append(draft("ward", 0), PROTOCOL)
    shared.append(draft("ward", 1), PROTOCOL)
    assert copy_register(local, pg_target).copied == 3
    assert copy_register(local, pg_target).copied == 0
    source = list(Register(local, create=False).iter_records())
    copied = list(shared.iter_records())[2:]
    assert [r.id for r in copied] == [3, 4, 5]
    assert [r.recorded_at for r in copied] == [r.recorded_at for r in source]
    assert [r.pdf_sha256 for r in copied] == [r.pdf_sha256 for r in source]
    assert copied[2].reprint_of == 3  # the copy of the record it reprinted
    assert copied[0].prev_hash == shared.get(2).record_hash
    assert shared.verify().ok


def test_copy_refuses_a_broken_source_and_copies_nothing(local: Path, pg_target: str) -> None:
    from tests.audit.test_register import drop_triggers, raw

    with raw(local) as conn:
        drop_triggers(conn)
        conn.execute("UPDATE records SET patient_name = 'Someone Else' WHERE id = 2")
    with pytest.raises(AuditCorruptError, match="nothing was copied"):
        copy_register(local, pg_target)
    assert PgRegister(pg_target).count() == 0


def test_cli_copy(local: Path, pg_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "copy", "--from", str(local), "--to", pg_target]) == 0
    assert "Copied 3 record(s); 0 were already there" in capsys.readouterr().out
    assert main(["audit", "copy", "--from", str(local), "--to", pg_target]) == 0
    out = capsys.readouterr().out
    assert "Copied 0 record(s); 3 were already there" in out and "intact: 3 record(s)" in out


# ----- a server that cannot be reached -----------------------------------------------------------


def test_unreachable_server_refuses_the_sheet(
    demo: tuple[Plan, PlanInputs], protocol: tuple[LoadedProtocol, bytes], tmp_path: Path
) -> None:
    plan, inputs = demo
    sheet = tmp_path / "sheet.pdf"
    with pytest.raises(AuditUnreachableError) as caught:
        export_and_record(plan, inputs, protocol[0], protocol[1], sheet, register=DEAD)
    assert "PostgreSQL /nonexistent/b12k-no-server:5999" in str(caught.value)
    assert "NOT issued" in str(caught.value) and "call IT" in str(caught.value)
    assert not sheet.exists()


@pytest.mark.parametrize("command", ["pdf", "issue"])
def test_unreachable_server_cli_writes_no_sheet(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "demo.json"
    write_plan_file(plan_file, demo_inputs())
    sheet = tmp_path / "sheet.pdf"
    argv = (
        ["pdf", str(plan_file), "-o", str(sheet), "--now", NOW, "--audit-db", DEAD]
        if command == "pdf"
        else ["audit", "issue", str(plan_file), "-o", str(sheet), "--now", NOW, "--db", DEAD]
    )
    status = main(argv)
    err = capsys.readouterr().err
    assert status != 0 and not sheet.exists()
    assert "cannot be reached" in err and "NOT issued" in err and "Traceback" not in err


def test_server_stopping_between_head_and_record_writes_nothing(
    pg_target: str,
    demo: tuple[Plan, PlanInputs],
    protocol: tuple[LoadedProtocol, bytes],
    tmp_path: Path,
) -> None:
    """The sheet's head was read, then the server went away before the record: no file."""
    from desktop_app.audit.issue import anchored, issue_recorded_first

    plan, inputs = demo
    options = anchored(None, pg_target)
    dead = PgRegister(pg_target)
    dead.conninfo = DEAD  # the server this register was opened on has gone away
    sheet = tmp_path / "sheet.pdf"
    with pytest.raises(AuditUnreachableError):
        issue_recorded_first(plan, inputs, protocol[0], protocol[1], sheet, options, register=dead)
    assert not sheet.exists()


def test_open_register_names_a_server_from_a_uri() -> None:
    with pytest.raises(AuditUnreachableError, match="cannot be reached"):
        open_register("postgresql://b12k_workstation@/b12k_audit?host=/nonexistent&port=5999")


def test_verify_finds_what_a_superuser_changed(pg_target: str) -> None:
    reg = PgRegister(pg_target, clock=Ticker())
    for i in range(4):
        reg.append(draft("w", i), PROTOCOL)
    assert reg.verify().ok  # a checkpoint at record 4
    with psycopg.connect(_as(pg_target, "b12k_super")) as conn:
        conn.execute("ALTER TABLE b12k_audit.records DISABLE TRIGGER USER")
        conn.execute("UPDATE b12k_audit.records SET patient_name = 'Someone Else' WHERE id = 2")
    edited = reg.verify()
    assert (edited.ok, edited.problem, edited.broken_at) == (False, "edited", 2)
    with psycopg.connect(_as(pg_target, "b12k_super")) as conn:
        conn.execute("DELETE FROM b12k_audit.records WHERE id >= 2")
    gone = reg.verify(from_checkpoint=True)
    assert not gone.ok and gone.problem == "swapped" and "record 4" in gone.message
    full = reg.verify()
    assert not full.ok and full.problem == "truncated" and "held 4 record(s)" in full.message
