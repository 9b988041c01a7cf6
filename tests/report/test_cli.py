"""`b12k pdf` and `b12k batch`: sheets written atomically, bad input explained, exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.cli.report_cmds import _Progress
from desktop_app.report import lint_order_sheet
from desktop_app.report.batch import BatchItem, BatchResult, plan_batch, run_batch
from desktop_app.report.options import SheetOptions
from tests.report.cases import DEMO, NOW, US, demo_plan, protocol

NOW_ARG = NOW.isoformat()


def _demo_with(
    tmp: Path, name: str, change: dict[str, object] | None = None, plan_id: str = ""
) -> Path:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    for dotted, value in (change or {}).items():
        target = data
        *path, last = dotted.split(".")
        for key in path:
            target = target[key]
        if value is None:
            target.pop(last)
        else:
            target[last] = value
    if plan_id:
        data["plan_id"] = plan_id
    path = tmp / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


def test_pdf_writes_a_linted_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sheet.pdf"
    assert main(["pdf", str(DEMO), "-o", str(out), "--now", NOW_ARG]) == 0
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert lint_order_sheet(demo_plan(), pdf) == []
    err = capsys.readouterr().err
    assert f"Wrote {out}" in err and "text lint passed" in err and "NOT FOR CLINICAL USE" in err
    assert "A4" in err


def test_pdf_letter_and_us_protocol(tmp_path: Path) -> None:
    src = _demo_with(tmp_path, "us.json", {"regimen.preset_id": "us-common-1000"})
    out = tmp_path / "us.pdf"
    assert (
        main(
            [
                "pdf",
                str(src),
                "-o",
                str(out),
                "--paper",
                "letter",
                "--protocol",
                str(US),
                "--now",
                NOW_ARG,
            ]
        )
        == 0
    )
    assert b"/MediaBox [ 0 0 612 792 ]" in out.read_bytes()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"labs.potassium.value": 35}, "outside the plausible range"),
        ({"labs.magnesium.unit": None}, "unit missing"),
        ({"patient.identifier": ""}, "patient.identifier"),
    ],
)
def test_pdf_bad_input_exits_2_without_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], expected: str
) -> None:
    src = _demo_with(tmp_path, "bad.json", change)
    out = tmp_path / "bad.pdf"
    assert main(["pdf", str(src), "-o", str(out), "--now", NOW_ARG]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_pdf_corrupt_file_and_folder_output_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema_version": "1.0.0", "patient": ', encoding="utf-8")
    assert main(["pdf", str(corrupt), "-o", str(tmp_path / "x.pdf"), "--now", NOW_ARG]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["pdf", str(DEMO), "-o", str(tmp_path), "--now", NOW_ARG]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["pdf", str(DEMO), "-o", str(tmp_path / "y.pdf"), "--now", "yesterday"]) == 2
    assert "--now" in capsys.readouterr().err


def _batch_folder(tmp: Path) -> Path:
    folder = tmp / "in"
    folder.mkdir()
    for i in (1, 2, 3):
        _demo_with(folder, f"good{i}.json", plan_id=f"DEMO-000{i}")
    (folder / "corrupt.json").write_text(
        '{"schema_version": "1.0.0", "patient": ', encoding="utf-8"
    )
    _demo_with(folder, "k35.json", {"labs.potassium.value": 35})
    _demo_with(folder, "no-unit.json", {"labs.magnesium.unit": None})
    (folder / "notes.txt").write_text("not a plan", encoding="utf-8")
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_writes_every_good_sheet_and_reports_every_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    folder = _batch_folder(tmp_path)
    out = tmp_path / "out"
    status = main(["batch", str(folder), "-o", str(out), "--jobs", jobs, "--now", NOW_ARG])
    assert status == 2, "a skipped file makes the exit status 2"
    assert sorted(p.name for p in out.iterdir()) == ["good1.pdf", "good2.pdf", "good3.pdf"]
    for pdf in out.iterdir():
        assert pdf.read_bytes().startswith(b"%PDF-") and pdf.read_bytes().rstrip().endswith(
            b"%%EOF"
        )
    captured = capsys.readouterr()
    report = captured.out
    assert "Written (3):" in report and "Skipped (3):" in report
    assert "corrupt.json:" in report and "not valid JSON" in report
    assert "k35.json:" in report and "outside the plausible range" in report
    assert "no-unit.json:" in report and "unit missing" in report
    assert "1 other file(s) ignored" in report
    assert "Traceback" not in captured.err
    assert captured.err == "", "no progress bar when stderr is not a terminal"
    assert _leftovers(out) == []


def test_batch_of_good_files_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _demo_with(folder, "a.json")
    out = tmp_path / "deep" / "out"
    assert main(["batch", str(folder), "-o", str(out), "--now", NOW_ARG, "--paper", "letter"]) == 0
    assert (out / "a.pdf").exists()
    assert "Written (1):" in capsys.readouterr().out


def test_batch_refuses_bad_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["batch", str(tmp_path / "missing"), "-o", str(tmp_path / "o"), "--now", NOW_ARG]) == 2
    )
    assert "is not a folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "--now", NOW_ARG]) == 2
    assert "no plan file" in capsys.readouterr().err
    a_file = tmp_path / "file.pdf"
    a_file.write_bytes(b"x")
    _demo_with(empty, "a.json")
    assert main(["batch", str(empty), "-o", str(a_file), "--now", NOW_ARG]) == 2
    assert "is a file" in capsys.readouterr().err
    assert (
        main(["batch", str(empty), "-o", str(tmp_path / "o"), "--jobs", "0", "--now", NOW_ARG]) == 2
    )
    assert "--jobs 0" in capsys.readouterr().err


def test_batch_never_overwrites_one_sheet_with_another(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _demo_with(folder, "same.json")
    _demo_with(folder, "same.JSON")
    batch = plan_batch(folder, tmp_path / "out")
    assert [i.source.name for i in batch.items] == ["same.JSON"]
    assert [r.source.name for r in batch.skipped] == ["same.json"]
    assert "would overwrite" in (batch.skipped[0].error or "")


def test_an_unexpected_error_in_one_file_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop_app.report as report

    real = report.export_order_sheet

    def flaky(plan, path, options=None):  # type: ignore[no-untyped-def]
        if path.name == "boom.pdf":
            raise RuntimeError("simulated bug")
        return real(plan, path, options)

    monkeypatch.setattr(report, "export_order_sheet", flaky)
    folder = tmp_path / "in"
    folder.mkdir()
    _demo_with(folder, "boom.json")
    _demo_with(folder, "fine.json")
    items = plan_batch(folder, tmp_path / "out").items
    results = run_batch(items, protocol(), NOW, SheetOptions(), jobs=1)
    assert [(r.source.name, r.written) for r in results] == [
        ("boom.json", False),
        ("fine.json", True),
    ]
    assert "internal error (RuntimeError: simulated bug)" in (results[0].error or "")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal() -> None:
    stream = _Tty()
    progress = _Progress(stream)
    item = BatchItem(Path("a.json"), Path("a.pdf"))
    progress(1, 2, BatchResult(item.source, item.output))
    progress(2, 2, BatchResult(Path("b.json"), Path("b.pdf"), "bad"))
    text = stream.getvalue()
    assert "\r[" in text and "1/2 a.json ok" in text and "2/2 b.json SKIPPED" in text
    assert text.endswith("\n")
    quiet = io.StringIO()
    _Progress(quiet)(1, 1, BatchResult(item.source, item.output))
    assert quiet.getvalue() == ""
