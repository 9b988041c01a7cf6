"""`b12k pdf` records every sheet it writes in the audit register, unless --no-record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop_app.audit.backend import open_register
from desktop_app.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00+00:00"


def test_pdf_is_recorded_by_default_and_not_with_no_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str | Path
) -> None:
    db = target
    sheet = tmp_path / "sheet.pdf"
    assert main(["pdf", str(DEMO), "-o", str(sheet), "--now", NOW, "--audit-db", str(db)]) == 0
    assert (
        main(
            [
                "pdf",
                str(DEMO),
                "-o",
                str(tmp_path / "draft.pdf"),
                "--now",
                NOW,
                "--audit-db",
                str(db),
                "--no-record",
            ]
        )
        == 0
    )
    capsys.readouterr()
    records = open_register(db, create=False).records_for_plan("DEMO-0001")
    assert len(records) == 1
    assert records[0].plan_id == "DEMO-0001"
    assert records[0].pdf_sha256 == hashlib.sha256(sheet.read_bytes()).hexdigest()
