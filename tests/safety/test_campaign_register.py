"""The register under attack and under load: history never vanishes silently, no record is lost.

- Damage: registers of a few records are damaged at random the ways a person with a file tool or
  a bad backup would (truncated to a random length, last rows deleted with or without `meta`
  edited to match, an older copy put back, another register swapped in, the witness or the
  register deleted, a row edited, a stored protocol turned to text). Every one must be reported
  by verify, in words, without an exception, and the next record must be refused with the
  set-aside message, leaving the damaged file exactly as it was. "Files lost" counts a damaged
  register that verify calls intact or that a new record starts over.
- Concurrency: `b12k batch --jobs 8` (eight worker processes recording at once), twice at the
  same time into one register: every sheet has exactly one record, none is missing, the chain
  verifies. "Files lost" counts a sheet without its record or with two.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from desktop_app.audit.errors import AuditError
from desktop_app.audit.register import Register, sha256_hex, verify_path
from desktop_app.audit.witness import witness_path
from tests.audit.writer_process import PROTOCOL, draft
from tests.logic.helpers import ROOT
from tests.safety.campaign import rng, scaled, tally

DAMAGE = tally("register damage")
LOAD = tally("register under concurrent batches")
REFUSAL = "failed its check, so nothing more is recorded in it"
TRIGGERS = ("records_no_update", "records_no_delete", "protocols_no_update", "protocols_no_delete")


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for name in TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _flush(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _build(folder: Path, name: str, n: int) -> Path:
    db = folder / name / "audit.sqlite3"
    reg = Register(db)
    for i in range(n):
        reg.append(draft(name, i), PROTOCOL)
    _flush(db)
    return db


# Each damage: (name, function(db, records, random, folder)) -> the problems verify may name.
Damage = Callable[[Path, int, "object", Path], tuple[str, ...]]


def _truncate(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    size = db.stat().st_size
    db.write_bytes(db.read_bytes()[: r.randrange(0, size)])  # type: ignore[attr-defined]
    return ("truncated", "corrupt", "edited", "deleted", "protocol", "witness", "swapped")


def _delete_last(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    keep = r.randrange(0, n)  # type: ignore[attr-defined]
    _sql(db, f"DELETE FROM records WHERE id > {keep}")
    return ("truncated",)


def _delete_last_and_meta(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    keep = r.randrange(0, n)  # type: ignore[attr-defined]
    conn = sqlite3.connect(db)
    head = conn.execute("SELECT record_hash FROM records WHERE id = ?", (keep,)).fetchone()
    conn.close()
    _sql(
        db,
        f"DELETE FROM records WHERE id > {keep}",
        f"UPDATE meta SET value = '{head[0] if head else '0' * 64}' WHERE key = 'head_hash'",
        f"UPDATE meta SET value = '{keep}' WHERE key = 'record_count'",
    )
    return ("truncated",)


def _older_copy(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    keep = r.randrange(0, n)  # type: ignore[attr-defined]
    older = _build(folder, "older", 0)
    shutil.copy(db, older)
    witness_path(older).unlink()
    _delete_last_and_meta(older, n, type("R", (), {"randrange": lambda self, a, b: keep})(), folder)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copy(older, db)
    return ("truncated",)


def _swap(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    other = _build(folder, "other", r.randrange(1, 2 * n + 1))  # type: ignore[attr-defined]
    shutil.copy(other, db)
    return ("swapped",)


def _drop_witness(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    witness_path(db).unlink()
    return ("witness",)


def _delete_register(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    db.unlink()
    return ("truncated",)


def _edit_row(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    row = r.randrange(1, n + 1)  # type: ignore[attr-defined]
    _sql(db, f"UPDATE records SET patient_name = 'Someone Else' WHERE id = {row}")
    return ("edited",)


def _protocol_to_text(db: Path, n: int, r: object, folder: Path) -> tuple[str, ...]:
    _sql(db, "UPDATE protocols SET data = CAST(data AS TEXT)")
    return ("protocol",)


DAMAGES: dict[str, Damage] = {
    "truncated to a random length": _truncate,
    "last rows deleted": _delete_last,
    "last rows deleted, meta edited to match": _delete_last_and_meta,
    "an older copy put back": _older_copy,
    "another register swapped in": _swap,
    "witness deleted": _drop_witness,
    "register deleted": _delete_register,
    "a row edited": _edit_row,
    "a stored protocol turned to text": _protocol_to_text,
}
#: Damage the quick check before each record sees (the rest only a full verify finds).
HEAD_DAMAGE = frozenset(DAMAGES) - {"a row edited", "a stored protocol turned to text"}


def _snapshot(db: Path) -> bytes | None:
    return db.read_bytes() if db.exists() else None


def test_every_damage_to_the_register_is_named_and_refuses_recording(tmp_path: Path) -> None:
    r = rng("register damage")
    names = sorted(DAMAGES)
    for case in range(scaled(45, 450)):
        name = names[case % len(names)]
        folder = tmp_path / f"case{case}"
        n = r.randrange(1, 8)
        db = _build(folder, "reg", n)
        allowed = DAMAGES[name](db, n, r, folder)
        DAMAGE.tried()
        DAMAGE.count(name)
        where = f"case {case} ({name}, {n} records)"
        try:
            result = verify_path(db)
        except AuditError as exc:
            DAMAGE.fail(f"{where}: verify raised instead of reporting: {exc}")
            continue
        except Exception as exc:  # a traceback: exactly what must not happen
            DAMAGE.fail(f"{where}: verify crashed: {type(exc).__name__}: {exc}")
            continue
        if result.ok:
            DAMAGE.lost(f"{where}: verify called the damaged register intact")
            continue
        if result.problem not in allowed or not result.message:
            DAMAGE.fail(f"{where}: reported as {result.problem!r}: {result.message}")
        if name not in HEAD_DAMAGE:
            continue
        before = _snapshot(db)
        try:
            Register(db).append(draft("late", 0), PROTOCOL)
        except AuditError as exc:
            if REFUSAL not in str(exc) and "is damaged" not in str(exc):
                DAMAGE.fail(f"{where}: refused without the set-aside advice: {exc}")
        except Exception as exc:
            DAMAGE.fail(f"{where}: recording crashed: {type(exc).__name__}: {exc}")
        else:
            DAMAGE.lost(f"{where}: a record was added to the damaged register")
        if _snapshot(db) != before:
            DAMAGE.lost(f"{where}: the damaged register file was changed by the refused record")
    DAMAGE.check()


def _plans(folder: Path, prefix: str, n: int) -> Path:
    data = json.loads((ROOT / "resources" / "examples" / "demo-patient.json").read_text("utf-8"))
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{prefix}{i:03d}.json").write_text(
            json.dumps({**data, "plan_id": f"{prefix}-{i:03d}"}), encoding="utf-8"
        )
    return folder


def test_two_batches_of_eight_workers_record_every_sheet_once(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "audit.sqlite3"
    per_batch = scaled(8, 50)
    env = {**os.environ, "B12K_AUDIT_DB": str(db)}
    runs = []
    for prefix in ("A", "B"):
        folder = _plans(tmp_path / prefix, prefix, per_batch)
        runs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "desktop_app.cli",
                    "batch",
                    str(folder),
                    "-o",
                    str(tmp_path / f"out{prefix}"),
                    "--jobs",
                    "8",
                    "--now",
                    "2026-11-26T12:00:00+00:00",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [run.communicate(timeout=900) for run in runs]
    expected = {f"{p}-{i:03d}" for p in ("A", "B") for i in range(per_batch)}
    LOAD.tried(len(expected))
    LOAD.count("sheets written by 2 batches x 8 worker processes", len(expected))
    for run, (out, err) in zip(runs, outputs, strict=True):
        if run.returncode != 0:
            LOAD.fail(f"a batch exited {run.returncode}: {out[-400:]} {err[-400:]}")
    reg = Register(db, create=False)
    records = list(reg.iter_records())
    seen = Counter(r.plan_id for r in records)
    for plan_id in sorted(expected - set(seen)):
        LOAD.lost(f"{plan_id}: written but not recorded")
    for plan_id, times in sorted(seen.items()):
        if times != 1:
            LOAD.lost(f"{plan_id}: recorded {times} times")
    if len({r.batch_id for r in records}) != 2:
        LOAD.fail(f"expected 2 batch run ids, found {sorted({str(r.batch_id) for r in records})}")
    for r in records:
        sheet = tmp_path / f"out{r.plan_id[0]}" / f"{r.plan_id[0]}{r.plan_id[2:]}.pdf"
        if not sheet.exists() or sha256_hex(sheet.read_bytes()) != r.pdf_sha256:
            LOAD.lost(f"{r.plan_id}: the record does not match the sheet written")
    result = reg.verify()
    if not result.ok:
        LOAD.fail(f"chain after the concurrent batches: {result.text()}")
    LOAD.count("records verified", result.records_checked)
    LOAD.check()
