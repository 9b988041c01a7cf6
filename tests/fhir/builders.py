"""Builders of real-shaped FHIR R4 JSON, the way hospital systems send lab results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.demo import demo_inputs
from desktop_app.logic.models import PlanInputs

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "fhir-samples"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
BASE = "https://fhir.lab.example-hospital.org/fhir"
PATIENT_URL = f"{BASE}/Patient/pat-7b"
PATIENT_REF = "Patient/pat-7b"

_counter = [0]


def obs(
    code: str | None,
    value: float | None,
    unit: str | None,
    when: str | None,
    *,
    status: str = "final",
    oid: str | None = None,
    subject: dict[str, Any] | None = None,
    system: str | None = UCUM,
    unit_text: str | None = None,
    display: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Return an Observation with one LOINC code, a valueQuantity and effectiveDateTime."""
    _counter[0] += 1
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid or f"lab-{_counter[0]}",
        "status": status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "subject": subject if subject is not None else {"reference": PATIENT_REF},
    }
    if code is not None:
        res["code"] = {"coding": [{"system": LOINC, "code": code, "display": display or code}]}
    if when is not None:
        res["effectiveDateTime"] = when
    if value is not None:
        vq: dict[str, Any] = {"value": value}
        if unit_text is not None or unit is not None:
            vq["unit"] = unit_text if unit_text is not None else unit
        if system is not None and unit is not None:
            vq.update(system=system, code=unit)
        res["valueQuantity"] = vq
    res.update(extra)
    return res


def patient(
    *,
    mrn: str = "RX0042137",
    family: str = "Ellison",
    given: str = "Margaret",
    birth: str | None = "1948-03-14",
    gender: str = "female",
) -> dict[str, Any]:
    """Return a Patient with an MRN and an NHS-style number."""
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "pat-7b",
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "943 476 5919"},
            {
                "type": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                    ],
                    "text": "MR",
                },
                "system": "https://example-hospital.org/mrn",
                "value": mrn,
            },
        ],
        "name": [{"use": "official", "family": family, "given": [given], "prefix": ["Mrs"]}],
        "gender": gender,
    }
    if birth:
        res["birthDate"] = birth
    return res


def bundle(*resources: dict[str, Any], btype: str = "searchset") -> dict[str, Any]:
    """Return a Bundle of the resources, with absolute fullUrls like a FHIR server's."""
    entries = []
    for res in resources:
        entry: dict[str, Any] = {
            "fullUrl": f"{BASE}/{res['resourceType']}/{res.get('id', 'x')}",
            "resource": res,
        }
        if btype == "searchset":
            mode = "include" if res["resourceType"] == "Patient" else "match"
            entry["search"] = {"mode": mode}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": btype, "total": len(entries), "entry": entries}


def ward_results() -> list[dict[str, Any]]:
    """Results for the demo patient as a hospital lab system sends them (mixed units, repeats,
    statuses, and one without a time)."""
    day = "2026-11-26T07:10:00+00:00"
    return [
        obs("2823-3", 3.1, "mmol/L", "2026-11-25T06:30:00+00:00", oid="k-old"),
        obs("2823-3", 3.4, "meq/L", day, unit_text="mEq/L", oid="k-new"),
        obs(
            "2823-3",
            2.9,
            "mmol/L",
            "2026-11-26T09:00:00+00:00",
            status="preliminary",
            oid="k-prelim",
        ),
        obs("19123-9", 1.65, "mg/dL", day, oid="mg-mass"),
        obs("2601-3", 0.7, "mmol/L", "2026-11-24T07:00:00+00:00", oid="mg-old"),
        obs("14879-1", 0.85, "mmol/L", day, oid="po4"),
        obs(
            "14879-1",
            None,
            None,
            "2026-11-26T08:00:00+00:00",
            status="cancelled",
            oid="po4-cancelled",
            dataAbsentReason={"coding": [{"code": "not-performed"}], "text": "sample haemolysed"},
        ),
        obs("718-7", 64, "g/L", day, oid="hb"),
        obs("718-7", 7.1, "g/dL", "2026-11-25T06:30:00+00:00", oid="hb-old"),
        obs("787-2", 118, "fL", day, oid="mcv"),
        obs("2132-9", 96, "pg/mL", "2026-11-25T14:00:00+00:00", oid="b12"),
        obs("14685-2", 60, "pmol/L", "2026-11-20T10:00:00+00:00", oid="b12-old"),
        obs("2284-8", 6.1, "ng/mL", "2026-11-25T14:00:00+00:00", oid="folate"),
        obs("13964-2", 850, "nmol/L", "2026-11-25T14:00:00+00:00", oid="mma"),
        obs("13965-9", 32, "umol/L", "2026-11-25T14:00:00+00:00", oid="hcy"),
        obs("14682-9", 88, "umol/L", day, oid="creat"),
        obs("14682-9", 91, "umol/L", None, oid="creat-notime"),
        obs("98979-8", 58, "mL/min/{1.73_m2}", day, oid="egfr"),
        obs("17849-1", 0.4, "%", day, oid="retic"),
        obs("777-3", 96, "10*9/L", day, oid="plt"),
    ]


def demo_without_labs() -> PlanInputs:
    """The demo patient's plan (patient, regimen, modifiers) with no labs yet."""
    data = demo_inputs().model_dump()
    data["labs"] = {}
    return PlanInputs.model_validate(data)
