"""The b12k CLI: plan, protocol check, schema, example; bad input exits 2 with messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.logic.protocol import protocol_json_schema

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00+00:00"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_plan_text_has_rule_and_source_on_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "plan", str(DEMO), "--now", NOW)
    assert status == 0
    assert "NOT FOR CLINICAL USE" in out
    assert "RISK: HIGH RISK" in out
    assert "Thu 26-Nov-2026 20:00 (+6 h, day 1): potassium (K), magnesium (Mg), phosphate" in out
    lines = out.splitlines()
    body = lines[lines.index("RISK: HIGH RISK") : lines.index("SOURCES")]
    items = [
        i
        for i, line in enumerate(body)
        if line.startswith(("  - ", "  ! ", "  [")) and i + 1 < len(body)
    ]
    assert items
    for i in items:
        assert body[i + 1].strip().startswith("[rules "), body[i]


def test_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "plan", str(DEMO), "--format", "json", "--now", NOW)
    assert status == 0
    data = json.loads(out)
    assert data["risk"]["tier"] == "high" and data["plan_id"] == "DEMO-0001"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {
                "labs": {
                    "potassium": {
                        "value": 35,
                        "unit": "mmol/L",
                        "sampled_at": "2026-11-26T07:00:00+00:00",
                    }
                }
            },
            "labs.potassium.value: Potassium 35 mmol/L is outside the plausible range",
        ),
        (
            {"labs": {"haemoglobin": {"value": 7.2, "sampled_at": "2026-11-26T07:00:00+00:00"}}},
            "labs.haemoglobin.unit: unit missing",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: dict, expected: str
) -> None:
    data = json.loads(DEMO.read_text())
    for key, value in content["labs"].items():
        data["labs"][key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    status, out, err = run(capsys, "plan", str(path), "--now", NOW)
    assert status == 2 and out == ""
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "is empty"),
        (b'{"resourceType": "Bundle"}', "not a B12-K plan file"),
        (b'{"schema_version": "9.0.0"}', "newer B12-K Planner"),
        (b'{"schema_version": "1.0.0", "labs": {"potassium": "high"}}', "labs.potassium"),
    ],
)
def test_damaged_plan_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, expected: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(data)
    status, _, err = run(capsys, "plan", str(path))
    assert status == 2 and expected in err


def test_missing_file_and_bad_now(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "plan", str(tmp_path / "nope.json"))
    assert status == 2 and "does not exist" in err
    status, _, err = run(capsys, "plan", str(DEMO), "--now", "yesterday")
    assert status == 2 and "not an ISO date-time" in err
    status, _, err = run(capsys, "plan", str(DEMO), "--now", "2026-11-26T12:00")
    assert status == 2 and "timezone" in err


def test_protocol_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(
        capsys, "protocol", "check", str(ROOT / "resources/protocols/us-labels.json")
    )
    assert status == 0 and "OK: us-labels version 0.1.0" in out and "sha256: " in out
    bad = tmp_path / "p.json"
    bad.write_text('{"schema_version": "1.0.0", "protocol_id": "x"}')
    status, _, err = run(capsys, "protocol", "check", str(bad))
    assert status == 2 and "title: Field required" in err


def test_schema_commands(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "schema", "protocol")
    assert status == 0 and json.loads(out) == protocol_json_schema()
    status, out, _ = run(capsys, "schema", "input")
    assert status == 0 and "PlanInputs" in json.loads(out)["title"]


def test_example_moves_first_dose_near_now(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "demo.json"
    status, _, _ = run(capsys, "example", "-o", str(out_file), "--now", "2027-03-01T08:20+00:00")
    assert status == 0
    data = json.loads(out_file.read_text())
    assert data["regimen"]["first_dose_at"].startswith("2027-03-01T11:00")
    status, out, _ = run(capsys, "example", "--as-published")
    assert json.loads(out)["regimen"]["first_dose_at"].startswith("2026-11-26T14:00")
    status, out, _ = run(capsys, "plan", str(out_file), "--now", "2027-03-01T08:20+00:00")
    assert status == 0 and "ORDERS NOW" in out and "take a new sample" not in out


@pytest.mark.parametrize(
    ("version", "expected"), [("0.1.0", "cannot migrate"), ("\u0661.0.0", "is not valid")]
)
def test_plan_files_of_an_older_or_odd_schema_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: str, expected: str
) -> None:
    data = json.loads(DEMO.read_text())
    data["schema_version"] = version
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    status, _, err = run(capsys, "plan", str(path), "--now", NOW)
    assert status == 2 and expected in err


def test_plan_text_marks_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(DEMO.read_text())
    data["overrides"] = [
        {
            "target": "potassium",
            "action": "change",
            "units_per_dose": 1,
            "reason": "Nausea",
            "prescriber": "Dr Ng",
            "confirmed_outside_band": True,
        },
        {
            "target": "draw",
            "action": "remove",
            "draw_hours": 168,
            "reason": "Discharged",
            "prescriber": "Dr Ng",
            "confirmed_outside_band": True,
        },
    ]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    status, out, _ = run(capsys, "plan", str(path), "--now", NOW)
    assert status == 0
    assert "PRESCRIBER OVERRIDE 1 by Dr Ng: Nausea. Protocol recommended: potassium chloride" in out
    assert (
        "DRAWS REMOVED BY THE PRESCRIBER (NOT TO BE TAKEN)" in out
        and "removed by Dr Ng: Discharged" in out
    )
