"""Issue 16 item 6: every sheet `b12k batch` writes is recorded, with its own record and the run id."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from desktop_app.audit.backend import open_register, redacted
from desktop_app.audit.errors import AuditError
from desktop_app.audit.register import AUDIT_DB_ENV, Register
from desktop_app.audit.witness import witness_path
from desktop_app.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00+00:00"


def _folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for i in range(n):
        (folder / f"p{i}.json").write_text(json.dumps({**data, "plan_id": f"B-{i}"}), "utf-8")
    return folder


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_each_batch_sheet_is_recorded_under_the_run_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str, target: str | Path
) -> None:
    folder = _folder(tmp_path, 4)
    db = target
    out = tmp_path / "out"
    assert (
        main(
            [
                "batch",
                str(folder),
                "-o",
                str(out),
                "--now",
                NOW,
                "--audit-db",
                str(db),
                "--jobs",
                jobs,
            ]
        )
        == 0
    )
    report = capsys.readouterr().out
    reg = open_register(db, create=False)
    records = list(reg.iter_records())
    assert sorted(r.plan_id for r in records) == ["B-0", "B-1", "B-2", "B-3"]
    (batch_id,) = {r.batch_id for r in records}
    assert batch_id is not None and batch_id.startswith("batch-")
    assert (
        f"Recorded 4 sheet(s) in the audit register {redacted(db)} under batch run {batch_id}"
        in report
    )
    for r in records:
        sheet = out / f"p{r.plan_id[2:]}.pdf"
        assert r.pdf_sha256 == hashlib.sha256(sheet.read_bytes()).hexdigest()
        assert f"{sheet.name} (record {r.id})" in report
    assert reg.verify().ok


def test_batch_honours_the_environment_and_no_record(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str | Path,
) -> None:
    folder = _folder(tmp_path, 2)
    db = target
    monkeypatch.setenv(AUDIT_DB_ENV, str(db))
    assert main(["batch", str(folder), "-o", str(tmp_path / "a"), "--now", NOW, "-j", "1"]) == 0
    assert open_register(db, create=False).count() == 2
    assert (
        main(
            [
                "batch",
                str(folder),
                "-o",
                str(tmp_path / "b"),
                "--now",
                NOW,
                "-j",
                "1",
                "--no-record",
            ]
        )
        == 0
    )
    assert "Not recorded in the audit register (--no-record)." in capsys.readouterr().out
    assert open_register(db, create=False).count() == 2


def test_a_damaged_register_refuses_the_batch_before_any_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, 2)
    db = tmp_path / "reg.sqlite3"
    assert (
        main(
            [
                "batch",
                str(folder),
                "-o",
                str(tmp_path / "a"),
                "--now",
                NOW,
                "--audit-db",
                str(db),
                "-j",
                "1",
            ]
        )
        == 0
    )
    witness_path(db).unlink()
    out = tmp_path / "b"
    assert main(["batch", str(folder), "-o", str(out), "--now", NOW, "--audit-db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "failed its check" in err and "set-aside" in err and "Traceback" not in err
    assert not out.exists()


def test_a_sheet_written_but_not_recorded_is_listed_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, 1)
    db = tmp_path / "reg.sqlite3"

    def full_disk(self: Register, *args: object) -> None:
        raise AuditError(f"The audit register {self.path} cannot grow: the disk is full.")

    monkeypatch.setattr(Register, "append", full_disk)  # fails after the batch's check passed
    status = main(
        [
            "batch",
            str(folder),
            "-o",
            str(tmp_path / "o"),
            "--now",
            NOW,
            "--audit-db",
            str(db),
            "-j",
            "1",
        ]
    )
    report = capsys.readouterr().out
    assert status == 1
    assert "Written but NOT recorded in the audit register (1):" in report
    assert "p0.json:" in report and "the disk is full" in report
    assert (tmp_path / "o" / "p0.pdf").exists()
    assert "Recorded 0 sheet(s)" in report
