"""Import over every published sample in ../shared/fhir-samples (skipped when it is absent)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.fhir import FhirImportError, import_fhir, read_fhir_file, render_import_report
from desktop_app.fhir.importer import ImportResult
from desktop_app.fhir.loinc import load_loinc_map
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import ROOT, SAMPLES

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not SAMPLES.is_dir(),
        reason=f"{SAMPLES} is absent (a user's clone has no ../shared): published FHIR samples "
        "are not shipped with the repository",
    ),
]

LP = load_protocol()
LMAP = load_loinc_map()
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _files() -> list[Path]:
    return sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []


def _recorded_at(resource: object) -> datetime:
    """A clock just after the sample's latest dated value: the samples span years, and a time
    further back than the protocol's window (PLAUS-TIME-BACK) is refused as a likely slip."""
    found: list[datetime] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("effectiveDateTime", "effectiveInstant", "issued") and isinstance(
                    value, str
                ):
                    try:
                        moment = datetime.fromisoformat(value)
                    except ValueError:
                        continue
                    if moment.tzinfo is not None:
                        found.append(moment)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resource)
    return max(found) + timedelta(days=1) if found else NOW


def _import(name: str, now: datetime | None = None) -> ImportResult:
    resource = read_fhir_file(SAMPLES / name)
    return import_fhir(resource, LP, None, now=now or _recorded_at(resource))


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_sample_imports_or_is_refused_cleanly(path: Path) -> None:
    resource = read_fhir_file(path)
    if resource["resourceType"] == "Patient":
        with pytest.raises(FhirImportError, match="no results"):
            import_fhir(resource, LP, None, now=NOW)
        return
    result = import_fhir(resource, LP, None, now=NOW)
    entries = resource.get("entry", [{"resource": resource}])
    observations = [e for e in entries if e["resource"]["resourceType"] == "Observation"]
    assert len(result.rows) == len(observations)
    for r in result.rows:
        assert r.outcome in ("used", "not-used", "refused")
        assert r.outcome == "used" or r.reason, r
        if r.outcome == "used":
            entry = LMAP.entry(r.code.removeprefix("LOINC "))
            assert entry is not None and entry.use
            assert r.sampled_at is not None and r.sampled_at.utcoffset() is not None
            assert r.value is not None and r.unit in LP.protocol.analytes[entry.analyte].units
    text = render_import_report(result)
    assert f"{len(result.rows)} Observation(s)" in text


def test_synthea_whole_blood_potassium_is_shown_and_never_used() -> None:
    # A clock a month after the serum potassium it uses (the file runs on for years).
    result = _import("synthea-r4-jordan-cruickshank-labs.json", datetime(2017, 7, 24, tzinfo=UTC))
    k_blood = [r for r in result.rows if r.code == "LOINC 6298-4"]
    assert len(k_blood) == 9 and {r.reason_code for r in k_blood} == {"different-specimen"}
    k = result.inputs.labs.potassium
    assert k is not None and k.sampled_at == datetime(2017, 6, 24, 13, 9, 9, tzinfo=UTC)
    (used_k,) = [r for r in result.used if r.field == "labs.potassium"]
    assert "later time were refused" in used_k.warning
    assert [r.reason_code for r in result.rows if "K/uL" in r.value_text] == ["unknown-unit"]
    assert result.inputs.patient.date_of_birth is not None
    assert str(result.inputs.patient.date_of_birth) == "1965-07-05"


def test_synthea_egfr_in_plain_ml_per_min_is_refused() -> None:
    result = _import("synthea-r4-josue-sipes-labs.json")
    plain = [r for r in result.rows if r.value_text.endswith(" mL/min")]
    assert len(plain) == 3 and {r.reason_code for r in plain} == {"unknown-unit"}
    assert result.inputs.labs.egfr is not None and result.inputs.labs.egfr.unit == "mL/min/1.73 m2"
    assert result.inputs.patient.sex == "male"


def test_hl7_ghp_members_have_no_time_and_are_refused() -> None:
    result = _import("hl7-r4-diagnosticreport-example-ghp.json")
    targets = [r for r in result.rows if r.analyte]
    assert all("no sample time" in r.reason for r in targets)
    assert {r.reason_code for r in targets} == {"no-time", "unit-not-accepted"}
    (creatinine,) = [r for r in targets if r.reason_code == "unit-not-accepted"]
    assert creatinine.code == "LOINC 14682-9" and creatinine.value_text == "0.09 mmol/L"
    assert any("panel" in r.reason for r in targets)
    assert not result.used


def test_au_bundle_date_only_times_are_refused() -> None:
    result = _import("au-ps-bundle-referral-endoconsult-autogen.json")
    targets = [r for r in result.rows if r.analyte]
    assert {r.reason_code for r in targets} == {"date-only"} and len(targets) == 3
    assert result.inputs.patient.name == "Joyce JOHNSON"


def test_hl7_single_observations() -> None:
    hb = _import("hl7-r4-observation-example-f005-hemoglobin.json")
    assert hb.inputs.labs.haemoglobin is not None and hb.inputs.labs.haemoglobin.unit == "g/dL"
    assert _import("hl7-r4-observation-example-f205-egfr.json").rows[0].reason_code == (
        "components-only"
    )
    assert _import("hl7-r4-observation-example-f204-creatinine.json").rows[0].reason_code == (
        "no-loinc"
    )


def test_samples_are_not_copied_into_the_repository() -> None:
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in _files()}
    for path in ROOT.rglob("*.json"):
        if ".venv" in path.parts or ".git" in path.parts:
            continue
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in digests, path
