"""Each `b12k` command imports only what it uses (issue 20).

Every check runs the command in a fresh interpreter and reads `sys.modules` afterwards: what a
command loads, not how long it takes (timings are in benchmarks/run.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00+00:00"
PROTOCOL = ROOT / "resources" / "protocols" / "uk-default.json"

#: Libraries that `--help` and an argument error must not load (top-level package names).
HEAVY = {
    "pydantic",
    "pydantic_core",
    "reportlab",
    "pypdf",
    "fhir.resources",
    "PySide6",
    "shiboken6",
}
#: What making a plan must not load.
PDF_LIBRARIES = {"reportlab", "pypdf"}

#: Runs main(argv) and prints the exit status and the top-level packages loaded, as JSON (a
#: package counts once imported itself: a submodule key alone is no import of the package).
_CHILD = """
import json, sys
from desktop_app.cli import main
try:
    status = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    status = exc.code
loaded = sorted(name for name in sys.modules if "." not in name or name == "fhir.resources")
print("\\n" + json.dumps({"status": status, "loaded": loaded}))
"""


def loaded_by(tmp_path: Path, *argv: str) -> tuple[int, set[str]]:
    """Run `b12k ARGV` in a new interpreter; return its exit status and the packages it loaded."""
    env = dict(os.environ, B12K_AUDIT_DB=str(tmp_path / "audit.sqlite3"))
    env["B12K_CONFIG_DIR"] = str(tmp_path / "config")
    env["B12K_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(list(argv))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report["status"], set(report["loaded"])


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    status, loaded = loaded_by(tmp_path, "--help")
    assert status == 0
    assert "argparse" in loaded and "desktop_app" in loaded
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["plan"], id="plan-without-its-file"),
        pytest.param(["pdf", str(DEMO)], id="pdf-without-output"),
        pytest.param(["no-such-command"], id="unknown-command"),
        pytest.param(["plan", str(DEMO), "--format", "xml"], id="bad-choice"),
        pytest.param(["batch", "plans", "-o", "sheets", "--jobs", "many"], id="bad-number"),
        pytest.param(["import-fhir", "--help"], id="subcommand-help"),
        pytest.param(["--version"], id="version"),
    ],
)
def test_an_argument_error_or_a_subcommand_help_loads_no_heavy_library(
    tmp_path: Path, argv: list[str]
) -> None:
    status, loaded = loaded_by(tmp_path, *argv)
    assert status == (0 if {"--help", "--version"} & set(argv) else 2)
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_plan_loads_no_pdf_library(tmp_path: Path) -> None:
    status, loaded = loaded_by(tmp_path, "plan", str(DEMO), "--now", NOW)
    assert status == 0
    assert "pydantic" in loaded  # the check sees what a command does import
    assert not loaded & (PDF_LIBRARIES | {"fhir.resources", "PySide6"}), sorted(loaded)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["protocol", "check", str(PROTOCOL)], id="protocol"),
        pytest.param(["schema", "input"], id="schema"),
        pytest.param(["example", "--as-published"], id="example"),
    ],
)
def test_the_other_core_commands_load_no_pdf_library(tmp_path: Path, argv: list[str]) -> None:
    status, loaded = loaded_by(tmp_path, *argv)
    assert status == 0
    assert "pydantic" in loaded
    assert not loaded & (PDF_LIBRARIES | {"fhir.resources", "PySide6"}), sorted(loaded)


def test_import_fhir_loads_no_pdf_library_and_no_fhir_models(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection"}), "utf-8")
    status, loaded = loaded_by(
        tmp_path, "import-fhir", str(bundle), "-o", str(tmp_path / "in.json"), "--now", NOW
    )
    assert status == 0
    assert not loaded & (PDF_LIBRARIES | {"fhir.resources", "PySide6"}), sorted(loaded)
