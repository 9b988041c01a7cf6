"""b12k import-fhir and export-fhir: report, files written, exit 2 with a message on refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import COMMAND_MODULES, main
from desktop_app.fhir import fhir_resources_available
from desktop_app.storage.plan_files import read_plan_file
from tests.fhir.builders import bundle, obs, patient, ward_results

NOW = "2026-11-26T12:00+00:00"


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_registered() -> None:
    assert "desktop_app.cli.fhir_cmds" in COMMAND_MODULES


def test_import_into_the_open_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo.json"
    assert main(["example", "--as-published", "-o", str(demo)]) == 0
    src = _write(tmp_path / "b.json", bundle(patient(), *ward_results()))
    out = tmp_path / "in.json"
    assert main(["import-fhir", str(src), "-o", str(out), "--into", str(demo), "--now", NOW]) == 0
    captured = capsys.readouterr()
    assert "USED (" in captured.out and "REFUSED (" in captured.out
    assert "k-prelim" in captured.out and "preliminary" in captured.out
    assert "Wrote" in captured.err
    inputs = read_plan_file(out)
    # the demo plan already holds potassium 3.4 mmol/L at 07:10; the file's 3.4 mEq/L is the same
    assert inputs.labs.potassium is not None and inputs.labs.potassium.unit == "mmol/L"
    assert "the plan already holds this result" in captured.out
    assert inputs.labs.mma is not None  # the demo has no MMA; the file fills it
    assert inputs.patient.identifier == "RX0042137"
    assert main(["plan", str(out), "--now", NOW]) == 0


def test_import_new_plan(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "b.json",
        bundle(patient(), obs("2823-3", 3.4, "mmol/L", "2026-11-26T07:10:00+00:00")),
    )
    out = tmp_path / "in.json"
    assert main(["import-fhir", str(src), "-o", str(out), "--now", NOW]) == 0
    assert read_plan_file(out).patient.name == "Margaret Ellison"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ('{"resourceType": "Condition"}', "not a set of results"),
        ("", "empty"),
    ],
)
def test_bad_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    src = tmp_path / "b.json"
    src.write_text(content, encoding="utf-8")
    assert main(["import-fhir", str(src), "-o", str(tmp_path / "o.json"), "--now", NOW]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "o.json").exists()


def test_patient_mismatch_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo.json"
    main(["example", "--as-published", "-o", str(demo)])
    src = _write(
        tmp_path / "b.json", bundle(patient(mrn="X9", birth="1990-01-01"), *ward_results())
    )
    status = main(
        ["import-fhir", str(src), "-o", str(tmp_path / "o.json"), "--into", str(demo), "--now", NOW]
    )
    err = capsys.readouterr().err
    assert status == 2 and "not for the patient of the open plan" in err
    assert not (tmp_path / "o.json").exists()


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-fhir", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.skipif(
    not fhir_resources_available(), reason="the optional 'fhir' extra is not installed"
)
def test_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = tmp_path / "demo.json"
    main(["example", "--as-published", "-o", str(demo)])
    out = tmp_path / "plan.fhir.json"
    assert main(["export-fhir", str(demo), "-o", str(out), "--now", NOW]) == 0
    assert "validated against the R4B models" in capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "CarePlan" for e in data["entry"])


def test_export_of_an_unplannable_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path / "in.json", {"schema_version": "1.0.0"})
    status = main(["export-fhir", str(src), "-o", str(tmp_path / "o.json"), "--now", NOW])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err


def test_service_calls_for_the_menu(tmp_path: Path) -> None:
    from desktop_app.fhir import REPORT_COLUMNS, export_status, import_results_file
    from desktop_app.storage.protocols import load_protocol
    from tests.fhir.builders import demo_without_labs

    src = _write(tmp_path / "b.json", bundle(patient(), *ward_results()))
    result = import_results_file(src, load_protocol(), demo_without_labs())
    assert result.used and all(len(r.columns()) == len(REPORT_COLUMNS) for r in result.rows)
    available, text = export_status()
    assert available == fhir_resources_available()
    assert available or 'pip install -e ".[fhir]"' in text


@pytest.mark.skipif(
    not fhir_resources_available(), reason="the optional 'fhir' extra is not installed"
)
def test_service_export_writes_a_bundle(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from desktop_app.demo import demo_inputs
    from desktop_app.fhir import export_plan_file
    from desktop_app.logic.engine import evaluate
    from desktop_app.storage.protocols import load_protocol

    lp = load_protocol()
    plan = evaluate(lp, demo_inputs(), now=datetime(2026, 11, 26, 12, tzinfo=UTC))
    out = tmp_path / "plan.json"
    export_plan_file(out, plan, lp)
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "collection"
