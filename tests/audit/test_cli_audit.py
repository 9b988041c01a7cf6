"""`b12k audit ...` end to end: issue, list, show, reprint, verify, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from desktop_app.audit.witness import witness_path
from desktop_app.cli import main
from desktop_app.demo import demo_inputs
from desktop_app.logic.models import PlanInputs
from desktop_app.storage.plan_files import write_plan_file
from tests.audit.test_register import Admin, raw

NOW = "2026-11-26T12:00:00+00:00"


def _issue_demo(folder: Path, register: str | Path) -> None:
    """Issue the demo sheet on A4 and on Letter into `register` (records 1 and 2)."""
    plan_file = folder / "demo.json"
    write_plan_file(plan_file, demo_inputs())
    for paper in ("a4", "letter"):
        assert (
            main(
                [
                    "audit",
                    "issue",
                    str(plan_file),
                    "-o",
                    str(folder / f"{paper}.pdf"),
                    "--paper",
                    paper,
                    "--now",
                    NOW,
                    "--db",
                    str(register),
                ]
            )
            == 0
        )


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite register holding the demo sheet on A4 and on Letter (records 1 and 2)."""
    folder = tmp_path_factory.mktemp("cli-audit")
    db = folder / "audit.sqlite3"
    _issue_demo(folder, db)
    return db


@pytest.fixture
def issued_here(
    target: str | Path, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[str | Path, Path]:
    """This test's register holding records 1 and 2, and the folder of their sheets: on SQLite a
    private copy of `issued` (tests may tamper with it), on PostgreSQL a new database."""
    if isinstance(target, str):
        folder = tmp_path / "issued"
        folder.mkdir()
        _issue_demo(folder, target)
        return target, folder
    issued: Path = request.getfixturevalue("issued")
    copy = target  # where `admin_sql` tampers
    copy.parent.mkdir(parents=True, exist_ok=True)
    with raw(issued) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy.write_bytes(issued.read_bytes())
    witness_path(copy).write_bytes(witness_path(issued).read_bytes())
    return copy, issued.parent


@pytest.fixture
def db(issued_here: tuple[str | Path, Path]) -> str | Path:
    return issued_here[0]


@pytest.fixture
def sheets(issued_here: tuple[str | Path, Path]) -> Path:
    """The folder holding a4.pdf and letter.pdf as issued into `db`."""
    return issued_here[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_issue_says_where_it_wrote_and_recorded(sheets: Path) -> None:
    assert (sheets / "a4.pdf").read_bytes().startswith(b"%PDF")


def test_list_and_filter(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", "list", "--db", str(db))
    assert status == 0 and "2 record(s)" in out
    lines = [line for line in out.splitlines() if "DEMO-0001" in line]
    assert [line.split()[0] for line in lines] == ["2", "1"]
    assert "letter" in lines[0] and "RX0042137" in lines[0]
    assert (
        run(capsys, "audit", "list", "--patient", "RX0042137", "--db", str(db))[1].count(
            "DEMO-0001"
        )
        == 2
    )
    assert (
        "No matching records."
        in run(capsys, "audit", "list", "--patient", "NOBODY", "--db", str(db))[1]
    )
    assert (
        run(capsys, "audit", "list", "--search", "ellison", "--limit", "1", "--db", str(db))[
            1
        ].count("DEMO-0001")
        == 1
    )


def test_list_without_a_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", "list", "--db", str(tmp_path / "none.sqlite3"))
    assert status == 0 and out.startswith("No sheets recorded. There is no audit register at")


def test_show_every_record_of_a_plan(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", "show", "DEMO-0001", "--db", str(db))
    assert status == 0
    assert "Record 1 (issued)" in out and "Record 2 (issued)" in out
    assert "patient:       Margaret Ellison (DEMO) (RX0042137)" in out
    assert "evaluated at:  2026-11-26T12:00:00+00:00" in out
    status, out, _ = run(capsys, "audit", "show", "--record", "2", "--inputs", "--db", str(db))
    assert "Record 1" not in out and '"plan_id": "DEMO-0001"' in out
    status, _, err = run(capsys, "audit", "show", "NO-SUCH-PLAN", "--db", str(db))
    assert status == 2 and "has no record of plan NO-SUCH-PLAN" in err


def test_reprint_asks_which_record_when_sheets_differ(
    sheets: Path, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_pdf = tmp_path / "re.pdf"
    status, _, err = run(
        capsys, "audit", "reprint", "DEMO-0001", "-o", str(out_pdf), "--db", str(db)
    )
    assert status == 2 and "has 2 records with different sheets. Choose one with --record N" in err
    assert not out_pdf.exists()
    status, out, _ = run(
        capsys, "audit", "reprint", "--record", "2", "-o", str(out_pdf), "--db", str(db)
    )
    assert (
        status == 0
        and "Reprint of record 2 is byte-identical" in out
        and "recorded as record 3" in out
    )
    assert out_pdf.read_bytes() == (sheets / "letter.pdf").read_bytes()
    status, out, _ = run(
        capsys,
        "audit",
        "reprint",
        "DEMO-0001",
        "--record",
        "1",
        "--no-record",
        "-o",
        str(out_pdf),
        "--db",
        str(db),
    )
    assert (
        status == 0 and "Reprint of record 1 is byte-identical" in out and "recorded as" not in out
    )
    assert out_pdf.read_bytes() == (sheets / "a4.pdf").read_bytes()
    assert "3 record(s)" in run(capsys, "audit", "list", "--db", str(db))[1]


def test_reprint_of_a_changed_record_exits_1_and_says_it_differs(
    db: Path, admin_sql: Admin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin_sql(
        "UPDATE records SET plan_inputs_json = replace(plan_inputs_json, 'Ward 7B', 'Ward 9C')"
    )
    status, _, err = run(
        capsys,
        "audit",
        "reprint",
        "--record",
        "1",
        "-o",
        str(tmp_path / "r.pdf"),
        "--no-record",
        "--db",
        str(db),
    )
    assert status == 1 and "DIFFERS from the sheet issued" in err


def test_verify_exit_status(db: Path, admin_sql: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit", "verify", "--db", str(db))
    assert status == 0 and out.startswith("Audit register intact: 2 record(s)")
    admin_sql("UPDATE records SET os_user = 'someone' WHERE id = 1")
    status, _, err = run(capsys, "audit", "verify", "--db", str(db))
    assert status == 2 and err.startswith("AUDIT REGISTER BROKEN at record 1:")


def test_export_csv(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "register.csv"
    status, out, _ = run(capsys, "audit", "export", "--csv", str(target), "--full", "--db", str(db))
    assert status == 0 and "2 record(s) written" in out
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,kind,recorded_at,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["1", "2"] and [r["paper"] for r in rows] == ["a4", "letter"]
    assert json.loads(rows[0]["plan_inputs_json"])["patient"]["identifier"] == "RX0042137"
    assert rows[1]["prev_hash"] == rows[0]["record_hash"]


def test_export_csv_defuses_spreadsheet_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = demo_inputs().model_dump(mode="json")
    inputs["patient"]["name"] = '=HYPERLINK("http://example.invalid","x")'
    plan_file = tmp_path / "p.json"
    write_plan_file(plan_file, PlanInputs.model_validate(inputs))
    db = tmp_path / "a.sqlite3"
    assert (
        run(
            capsys,
            "audit",
            "issue",
            str(plan_file),
            "-o",
            str(tmp_path / "s.pdf"),
            "--now",
            NOW,
            "--db",
            str(db),
        )[0]
        == 0
    )
    run(capsys, "audit", "export", "--csv", str(tmp_path / "x.csv"), "--db", str(db))
    row = next(csv.DictReader(io.StringIO((tmp_path / "x.csv").read_text("utf-8-sig"))))
    assert row["patient_name"] == "'" + inputs["patient"]["name"]


def test_issue_into_a_corrupt_register_writes_the_sheet_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "p.json"
    write_plan_file(plan_file, demo_inputs())
    db = tmp_path / "bad.sqlite3"
    db.write_bytes(b"not sqlite" * 100)
    out_pdf = tmp_path / "s.pdf"
    status, out, err = run(
        capsys, "audit", "issue", str(plan_file), "-o", str(out_pdf), "--now", NOW, "--db", str(db)
    )
    assert status == 1 and out_pdf.read_bytes().startswith(b"%PDF")
    assert "Order sheet written to" in out
    assert "was produced but NOT recorded in the audit register" in err and "damaged" in err


def test_b12k_pdf_can_record_through_two_added_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `b12k pdf` would call: add_record_arguments(), then record_cli_sheet() after export."""
    import argparse
    import hashlib

    from desktop_app.audit.register import Register
    from desktop_app.cli.audit_cmds import add_record_arguments, record_cli_sheet
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.logic.engine import evaluate
    from desktop_app.report import SheetOptions, export_order_sheet
    from desktop_app.resources import US_PROTOCOL, resource_path
    from desktop_app.storage.protocols import load_protocol

    parser = argparse.ArgumentParser()
    parser.add_argument("--paper", default="a4")
    parser.add_argument("--protocol", type=Path, default=None)
    add_record_arguments(parser)
    db = tmp_path / "audit.sqlite3"
    inputs = demo_inputs()
    plan = evaluate(load_protocol(None), inputs, now=parse_now(NOW))
    out = tmp_path / "sheet.pdf"
    pdf = export_order_sheet(plan, out, SheetOptions())

    assert record_cli_sheet(parser.parse_args(["--audit-db", str(db)]), plan, inputs, pdf, out) == 0
    assert "Recorded as record 1 in the audit register" in capsys.readouterr().err
    assert Register(db).get(1).pdf_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()

    assert (
        record_cli_sheet(
            parser.parse_args(["--no-record", "--audit-db", str(db)]), plan, inputs, pdf, out
        )
        == 0
    )
    other = parser.parse_args(
        ["--protocol", str(resource_path(US_PROTOCOL)), "--audit-db", str(db)]
    )
    assert record_cli_sheet(other, plan, inputs, pdf, out) == 1
    assert "The protocol file has changed since this plan was made" in capsys.readouterr().err
    assert Register(db).count() == 1
