"""The register's behaviour on both backends: the same tests on an SQLite file and on PostgreSQL.

Each test here runs twice (the `target` fixture: `[sqlite]` and `[postgres]`); the PostgreSQL run
uses a throwaway server (tests/audit/pg_server.py) and skips, saying why, where none can start.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from desktop_app.audit.backend import open_register
from desktop_app.audit.issue import export_and_record, reprint
from desktop_app.cli import main
from desktop_app.demo import demo_inputs
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.plan_files import write_plan_file
from tests.audit.conftest import Ticker
from tests.audit.writer_process import PROTOCOL, draft

NOW = "2026-11-26T12:00:00+00:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def fill(target: str | Path, n: int, writer: str = "w") -> object:
    reg = open_register(target, clock=Ticker())
    for i in range(n):
        reg.append(draft(writer, i), PROTOCOL)
    return reg


def test_records_chain_and_read_back(any_register: object) -> None:
    reg = any_register
    first = reg.append(draft("w", 0), PROTOCOL)  # type: ignore[attr-defined]
    second = reg.append(draft("w", 1), PROTOCOL)  # type: ignore[attr-defined]
    assert (first.id, second.id) == (1, 2)
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.record_hash
    assert first.recorded_at == "2026-11-26T12:01:00.000000Z"
    assert reg.get(2) == second  # type: ignore[attr-defined]
    assert reg.count() == 2  # type: ignore[attr-defined]
    assert [r.id for r in reg.records_for_plan("w-1")] == [2]  # type: ignore[attr-defined]
    assert reg.protocol_bytes(first.protocol_sha256) == PROTOCOL  # type: ignore[attr-defined]
    assert [r.id for r in reg.iter_records()] == [1, 2]  # type: ignore[attr-defined]
    assert reg.anchor() == f"2:{second.record_hash}"  # type: ignore[attr-defined]
    assert reg.check() == 2  # type: ignore[attr-defined]


def test_search_filters_and_pages_newest_first(target: str | Path) -> None:
    reg = fill(target, 12)
    assert [r.id for r in reg.search(limit=5)] == [12, 11, 10, 9, 8]  # type: ignore[attr-defined]
    assert [r.id for r in reg.search(limit=5, offset=10)] == [2, 1]  # type: ignore[attr-defined]
    assert [r.id for r in reg.search(patient="w-3")] == [11, 4]  # type: ignore[attr-defined]
    assert [r.id for r in reg.search(text="W-1")] == [12, 11, 9, 2]  # type: ignore[attr-defined]
    assert reg.search(text="%") == []  # type: ignore[attr-defined]
    from datetime import date

    day = reg.search(on_date=date(2026, 11, 26))  # type: ignore[attr-defined]
    assert len(day) == 12
    assert reg.search(on_date=date(2026, 11, 27)) == []  # type: ignore[attr-defined]


def test_verify_full_and_from_the_checkpoint(target: str | Path) -> None:
    reg = fill(target, 5)
    full = reg.verify()  # type: ignore[attr-defined]
    assert full.ok and full.records_checked == 5 and full.walked == 5
    for i in range(5, 8):
        reg.append(draft("w", i), PROTOCOL)  # type: ignore[attr-defined]
    since = reg.verify(from_checkpoint=True)  # type: ignore[attr-defined]
    assert since.ok and since.records_checked == 8 and since.walked == 3
    assert since.started_from is not None and since.started_from.record_count == 5
    assert "from the checkpoint at record 5" in since.speed_text()


def test_reprint_is_byte_identical(
    target: str | Path,
    demo: tuple[Plan, PlanInputs],
    protocol: tuple[LoadedProtocol, bytes],
    tmp_path: Path,
) -> None:
    plan, inputs = demo
    sheet = tmp_path / "sheet.pdf"
    issued = export_and_record(plan, inputs, protocol[0], protocol[1], sheet, register=target)
    assert issued.record is not None and issued.warning is None
    assert issued.record.sheet_anchor == "0:" + "0" * 64
    again = reprint(open_register(target), issued.record.id, tmp_path / "again.pdf")
    assert again.identical and again.pdf == sheet.read_bytes()
    assert again.reprint_record is not None and again.reprint_record.reprint_of == 1


def test_cli_list_show_export_verify(
    target: str | Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "demo.json"
    write_plan_file(plan_file, demo_inputs())
    db = str(target)
    out_pdf = tmp_path / "a4.pdf"
    status, out, _ = run(
        capsys, "audit", "issue", str(plan_file), "-o", str(out_pdf), "--now", NOW, "--db", db
    )
    assert status == 0 and "Recorded as record 1" in out and out_pdf.exists()
    fill(target, 3)
    status, out, _ = run(capsys, "audit", "list", "--db", db, "--limit", "2")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[1:3]] == ["4", "3"]
    assert "--page 2 for the next 2" in out
    status, out, _ = run(capsys, "audit", "list", "--db", db, "--limit", "2", "--page", "2")
    assert [line.split()[0] for line in out.splitlines()[1:3]] == ["2", "1"]
    assert "Older records follow" not in out
    assert run(capsys, "audit", "list", "--db", db, "--all")[1].count("Concurrency Test") == 3
    status, out, _ = run(capsys, "audit", "show", "--record", "1", "--db", db)
    assert status == 0 and "DEMO-0001" in out
    csv_file = tmp_path / "all.csv"
    assert run(capsys, "audit", "export", "--csv", str(csv_file), "--db", db)[0] == 0
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    status, out, _ = run(capsys, "audit", "verify", "--db", db)
    assert status == 0 and "intact: 4 record(s)" in out and "records/s" in out
    status, out, _ = run(
        capsys, "audit", "reprint", "--record", "1", "-o", str(tmp_path / "r.pdf"), "--db", db
    )
    assert status == 0 and "byte-identical" in out


def test_b12k_pdf_records_through_the_environment(
    target: str | Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.audit.register import AUDIT_DB_ENV

    monkeypatch.setenv(AUDIT_DB_ENV, str(target))
    plan_file = tmp_path / "demo.json"
    write_plan_file(plan_file, demo_inputs())
    status, _, err = run(capsys, "pdf", str(plan_file), "-o", str(tmp_path / "s.pdf"), "--now", NOW)
    assert status == 0 and "Recorded as record 1" in err
    assert open_register(target).get(1).destination == str((tmp_path / "s.pdf").resolve())


def test_where_the_register_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from desktop_app.audit.backend import default_target, is_server_target, resolve
    from desktop_app.audit.register import AUDIT_DB_ENV

    monkeypatch.setenv("B12K_CONFIG_DIR", str(tmp_path / "config"))
    assert default_target() == tmp_path / "data" / "audit.sqlite3"  # nothing set: the local file
    (tmp_path / "config" / "preferences.json").write_text(
        json.dumps({"schema_version": "1.0.0", "audit_db": "service=b12k"}), encoding="utf-8"
    )
    assert default_target() == "service=b12k"  # the preference
    monkeypatch.setenv(AUDIT_DB_ENV, str(tmp_path / "env.sqlite3"))
    assert default_target() == tmp_path / "env.sqlite3"  # the environment before the preference
    assert resolve("host=db1 dbname=b12k_audit") == "host=db1 dbname=b12k_audit"
    assert resolve(str(tmp_path / "x.sqlite3")) == tmp_path / "x.sqlite3"
    for server in ("postgresql://u@db1/b12k", "postgres://db1/b12k", "service=ward3"):
        assert is_server_target(server)
    for file in ("audit.sqlite3", "C:\\b12k\\audit.sqlite3", "/srv/b12k/audit.sqlite3"):
        assert not is_server_target(file)
