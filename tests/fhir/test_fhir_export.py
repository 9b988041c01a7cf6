"""Round trip: FHIR results -> plan -> FHIR Bundle, validated with the fhir.resources R4B models."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip(
    "fhir.resources.R4B.bundle",
    reason="the optional 'fhir' extra is not installed (.venv/bin/pip install -e \".[fhir]\")",
)

from fhir.resources.R4B.bundle import Bundle

from desktop_app.fhir import FhirExportError, FhirValidationError, import_fhir
from desktop_app.fhir.export import (
    build_plan_bundle,
    bundle_json_bytes,
    export_plan_bundle,
    missing_from_bundle,
)
from desktop_app.fhir.loinc import load_loinc_map
from desktop_app.fhir.validate import validate_bundle
from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.resources import US_PROTOCOL, resource_path
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import bundle, demo_without_labs, obs, patient, ward_results

LP = load_protocol()
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
T = "2026-11-26T07:10:00+00:00"
LMAP = load_loinc_map()


def _plan_from_fhir(results: list[dict[str, Any]], lp: Any = LP) -> Plan:
    imported = import_fhir(bundle(patient(), *results), lp, demo_without_labs(), now=NOW)
    return evaluate(lp, imported.inputs, now=NOW)


def _resources(b: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def _severe() -> list[dict[str, Any]]:
    """Ward results with potassium 2.3 and magnesium 0.4 mmol/L: IV orders."""
    results = [r for r in ward_results() if r["id"] not in ("k-new", "mg-mass")]
    return [
        *results,
        obs("2823-3", 2.3, "mmol/L", T, oid="k-low"),
        obs("2601-3", 0.4, "mmol/L", T, oid="mg-low"),
    ]


@pytest.fixture(scope="module", params=["ward", "severe"])
def round_trip(request: pytest.FixtureRequest) -> tuple[Plan, dict[str, Any]]:
    plan = _plan_from_fhir(ward_results() if request.param == "ward" else _severe())
    return plan, export_plan_bundle(plan, LP)


def test_bundle_validates_with_the_r4b_models(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    _, b = round_trip
    model = Bundle.model_validate(json.loads(bundle_json_bytes(b)))
    assert model.type == "collection"
    kinds = {e.resource.get_resource_type() for e in model.entry}
    assert kinds == {
        "Patient",
        "Device",
        "PlanDefinition",
        "MedicationRequest",
        "ServiceRequest",
        "CarePlan",
        "Provenance",
    }


def test_every_draw_and_test_is_a_service_request_with_its_time_and_loinc(
    round_trip: tuple[Plan, dict[str, Any]],
) -> None:
    plan, b = round_trip
    found = {
        (sr["occurrenceDateTime"], sr["code"]["coding"][0]["code"])
        for sr in _resources(b, "ServiceRequest")
    }
    expected = {
        (d.at.isoformat(), LMAP.order_codes[t].code)  # type: ignore[index]
        for d in plan.schedule
        for t in d.tests
    }
    assert found == expected
    assert len(_resources(b, "ServiceRequest")) == sum(len(d.tests) for d in plan.schedule)
    assert {"2823-3", "2601-3", "14879-1", "58410-2", "17849-1", "777-3"} <= {c for _, c in found}


def test_every_order_is_in_the_bundle(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    plan, b = round_trip
    meds = _resources(b, "MedicationRequest")
    texts = [m["dosageInstruction"][0]["text"] for m in meds]
    assert plan.b12_order.loading_text in texts[0]
    dosing = [o for o in plan.orders_now if o.kind in ("oral", "iv")]
    assert len(meds) == 1 + len(dosing)
    for order, med in zip(dosing, meds[1:], strict=True):
        dosage = med["dosageInstruction"][0]
        assert dosage["text"] == order.text
        assert med["medicationCodeableConcept"]["text"] == order.product
        if order.kind == "oral":
            assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == order.dose_amount
            assert dosage["maxDosePerPeriod"]["numerator"]["value"] == order.daily_amount
            assert dosage["maxDosePerPeriod"]["denominator"]["code"] == "d"
            assert dosage["timing"]["repeat"]["frequency"] == order.times_per_day
            assert dosage["route"]["text"] == "oral"
        else:
            assert order.iv is not None
            assert dosage["maxDosePerPeriod"]["numerator"]["value"] == order.iv.max_rate
            assert dosage["maxDosePerPeriod"]["denominator"]["code"] == "h"
            assert dosage["route"]["text"] == order.iv.route
            assert dosage["timing"]["repeat"]["count"] == order.iv.doses
    details = [
        a["detail"]["description"]
        for a in _resources(b, "CarePlan")[0]["activity"]
        if "detail" in a
    ]
    for order in plan.orders_now:
        if order.kind not in ("oral", "iv"):
            assert order.text in details
    assert missing_from_bundle(plan, b) == []


def test_b12_regimen_has_every_loading_dose(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    plan, b = round_trip
    b12 = _resources(b, "MedicationRequest")[0]
    assert b12["medicationCodeableConcept"]["text"] == plan.b12_order.drug
    loading = b12["dosageInstruction"][0]
    assert loading["timing"]["event"] == [d.at.isoformat() for d in plan.b12_order.dose_times]
    assert loading["doseAndRate"][0]["doseQuantity"] == {
        "value": 1,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert loading["route"]["text"] == plan.b12_order.route


def test_care_plan_references_every_request(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    _, b = round_trip
    (cp,) = _resources(b, "CarePlan")
    refs = {a["reference"]["reference"] for a in cp["activity"] if "reference" in a}
    requests = {
        e["fullUrl"]
        for e in b["entry"]
        if e["resource"]["resourceType"] in ("MedicationRequest", "ServiceRequest")
    }
    assert refs == requests
    (pat,) = [e for e in b["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert cp["subject"]["reference"] == pat["fullUrl"]
    assert pat["resource"]["identifier"] == [{"value": "RX0042137"}]


def test_provenance_names_app_and_protocol(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    plan, b = round_trip
    (prov,) = _resources(b, "Provenance")
    (device,) = [e for e in b["entry"] if e["resource"]["resourceType"] == "Device"]
    (pdef,) = [e for e in b["entry"] if e["resource"]["resourceType"] == "PlanDefinition"]
    assert prov["agent"][0]["who"]["reference"] == device["fullUrl"]
    assert device["resource"]["version"] == [{"value": plan.app_version}]
    assert prov["entity"][0]["what"]["reference"] == pdef["fullUrl"]
    display = prov["entity"][0]["what"]["display"]
    stamp = plan.protocol
    assert stamp.protocol_id in display and stamp.version in display and stamp.sha256 in display
    assert pdef["resource"]["identifier"][0]["value"] == LP.sha256
    assert pdef["resource"]["version"] == stamp.version
    assert len(prov["target"]) == 1 + len(_resources(b, "MedicationRequest")) + len(
        _resources(b, "ServiceRequest")
    )


def test_coded_values_are_valid_r4_codes(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    """The models do not check code values, so the test does."""
    _, b = round_trip
    for kind in ("MedicationRequest", "ServiceRequest", "CarePlan"):
        for res in _resources(b, kind):
            assert (res["status"], res["intent"]) == ("draft", "proposal")
    for act in _resources(b, "CarePlan")[0]["activity"]:
        if "detail" in act:
            assert act["detail"]["status"] == "not-started"
    assert (
        _resources(b, "PlanDefinition")[0]["status"] == "draft"
    )  # the shipped protocol is a draft
    assert "NOT FOR CLINICAL USE" in _resources(b, "CarePlan")[0]["description"]


def test_no_trailing_zeros_in_amounts(round_trip: tuple[Plan, dict[str, Any]]) -> None:
    """FMT-01 applies to exports: 40 mmol, never 40.0."""
    _, b = round_trip
    text = bundle_json_bytes(b).decode()
    assert not re.search(r":\s*-?\d+\.0+\s*[,\n\]}]", text)
    assert '"value": 40,' in text or '"value": 1,' in text  # whole numbers are written whole


def test_export_is_deterministic() -> None:
    plan = _plan_from_fhir(ward_results())
    assert bundle_json_bytes(export_plan_bundle(plan, LP)) == bundle_json_bytes(
        export_plan_bundle(plan, LP)
    )


def test_us_protocol_writes_meq() -> None:
    us = load_protocol(resource_path(US_PROTOCOL))
    data = demo_without_labs().model_dump()
    data["regimen"]["preset_id"] = us.protocol.default_regimen
    imported = import_fhir(
        bundle(patient(), *ward_results()), us, PlanInputs.model_validate(data), now=NOW
    )
    plan = evaluate(us, imported.inputs, now=NOW)
    b = export_plan_bundle(plan, us)
    units = {
        m["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"].get("code")
        for m in _resources(b, "MedicationRequest")[1:]
        if m["medicationCodeableConcept"]["text"].startswith("potassium")
    }
    assert units <= {"meq"} and units


def test_a_plan_from_another_protocol_is_refused() -> None:
    plan = _plan_from_fhir(ward_results())
    with pytest.raises(FhirExportError, match="Make the plan again"):
        build_plan_bundle(plan, load_protocol(resource_path(US_PROTOCOL)))


def test_validation_catches_a_field_r4b_does_not_have() -> None:
    b = build_plan_bundle(_plan_from_fhir(ward_results()), LP)
    cp = _resources(b, "CarePlan")[0]
    cp["activity"][0]["plannedActivityReference"] = cp["activity"][0].pop("reference")  # R5 name
    with pytest.raises(FhirValidationError, match="plannedActivityReference"):
        validate_bundle(b)


def test_coverage_check_finds_a_missing_draw_and_order() -> None:
    plan = _plan_from_fhir(_severe())
    b = build_plan_bundle(plan, LP)
    b["entry"] = [
        e
        for e in b["entry"]
        if e["resource"]["resourceType"] not in ("ServiceRequest", "MedicationRequest")
        or e is b["entry"][-2]
    ]
    missing = missing_from_bundle(plan, b)
    assert any(m.startswith("draw at") for m in missing)
    assert any(m.startswith("B12 order") for m in missing)
    assert any(m.startswith("potassium order") for m in missing)
