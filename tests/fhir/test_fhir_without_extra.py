"""The core, the import and the CLI keep working when fhir.resources is not installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.fhir import ENABLE_HINT, FhirExtraMissingError, fhir_resources_available
from desktop_app.fhir.validate import validate_bundle
from tests.fhir.builders import ROOT

BLOCKED = ("fhir", "fhir.resources", "fhir.resources.R4B", "fhir.resources.R4B.bundle", "fhir_core")


@pytest.fixture
def no_fhir_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every fhir.resources import fail, as on an installation without the extra."""
    for name in BLOCKED:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.usefixtures("no_fhir_resources")
def test_availability_and_validation_say_how_to_enable() -> None:
    assert not fhir_resources_available()
    with pytest.raises(FhirExtraMissingError, match=r'pip install -e "\.\[fhir\]"'):
        validate_bundle({"resourceType": "Bundle"})


@pytest.mark.usefixtures("no_fhir_resources")
def test_cli_export_says_how_to_enable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file = tmp_path / "in.json"
    assert main(["example", "--as-published", "-o", str(plan_file)]) == 0
    status = main(
        [
            "export-fhir",
            str(plan_file),
            "-o",
            str(tmp_path / "out.json"),
            "--now",
            "2026-11-26T12:00+00:00",
        ]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert ENABLE_HINT in err and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


def test_core_import_and_cli_run_with_fhir_blocked(tmp_path: Path) -> None:
    """In a fresh interpreter where 'fhir' cannot be imported at all."""
    bundle = tmp_path / "b.json"
    bundle.write_text(
        '{"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/1"},'
        ' "code": {"coding": [{"system": "http://loinc.org", "code": "2823-3"}]},'
        ' "effectiveDateTime": "2026-11-26T07:10:00+00:00",'
        ' "valueQuantity": {"value": 3.4, "unit": "mmol/L", "system": "http://unitsofmeasure.org",'
        ' "code": "mmol/L"}}'
    )
    code = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "fhir" or name.startswith(("fhir.", "fhir_core")):
                    raise ImportError("blocked for the test: " + name)
        sys.meta_path.insert(0, Block())
        from datetime import datetime, timezone
        from desktop_app.cli import main
        from desktop_app.demo import demo_inputs
        from desktop_app.logic.engine import evaluate
        from desktop_app.storage.protocols import load_protocol
        import desktop_app.fhir, desktop_app.fhir.export
        noon = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
        evaluate(load_protocol(), demo_inputs(), now=noon)
        assert main(["example", "--as-published", "-o", {str(tmp_path / "demo.json")!r}]) == 0
        assert main(["import-fhir", {str(bundle)!r}, "-o", {str(tmp_path / "in.json")!r},
                     "--into", {str(tmp_path / "demo.json")!r}, "--confirm-patient",
                     "--now", "2026-11-26T12:00+00:00"]) == 0
        assert main(["plan", {str(tmp_path / "in.json")!r}, "--now", "2026-11-26T12:00+00:00"]) == 0
        assert not desktop_app.fhir.fhir_resources_available()
        assert not [m for m in sys.modules if m == "fhir" or m.startswith("fhir.")]
        try:
            import desktop_app.report  # the PDF renderer, where it exists
        except ModuleNotFoundError as exc:
            assert exc.name == "desktop_app.report", exc
        print("OK")
    """)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("OK")


def test_extra_is_declared_and_pinned() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    lock = (ROOT / "requirements.lock").read_text()
    assert '"fhir.resources==8.3.0"' in pyproject
    assert "fhir.resources==8.3.0" in lock and "fhir_core==" in lock
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert 'extras="test,fhir' in setup and '-e ".[$extras]"' in setup
