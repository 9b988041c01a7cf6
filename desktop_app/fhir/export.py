"""Export a Plan as an HL7 FHIR R4 Bundle (plain JSON; validation is in fhir.validate).

The Bundle (type collection) holds: the Patient; a CarePlan whose activities reference one
MedicationRequest per drug order (the B12 regimen, and each oral or IV potassium, magnesium or
phosphate order) and one ServiceRequest per test of each monitoring draw; a PlanDefinition that
names the protocol (id, version, SHA-256); a Device that names the program and its version; and a
Provenance tying them together. Every request is status 'draft' with intent 'proposal': the plan
is decision support that a prescriber checks and signs, not a signed order.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from desktop_app.fhir.errors import FhirExportError
from desktop_app.fhir.loinc import LOINC_SYSTEM, UCUM_SYSTEM, LoincMap, load_loinc_map
from desktop_app.logic.plan import Draw, Order, Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.logic.textfmt import num

#: UCUM codes for the amount units the protocols print (spelling as printed -> UCUM code).
AMOUNT_UCUM = {
    "mmol": "mmol",
    "mEq": "meq",
    "mg": "mg",
    "g": "g",
    "micrograms": "ug",
    "microgram": "ug",
    "mL": "mL",
}

#: Labels of the draw tests, as printed on the sheet.
TEST_LABELS = {
    "potassium": "Potassium (serum or plasma)",
    "magnesium": "Magnesium (serum or plasma)",
    "phosphate": "Phosphate (serum or plasma)",
    "fbc": "Full blood count",
    "reticulocytes": "Reticulocytes",
    "platelets": "Platelet count",
}

PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
PROTOCOL_URL = "urn:b12k-planner:protocol:"
PROTOCOL_HASH_SYSTEM = "urn:b12k-planner:protocol-sha256"
PLAN_SYSTEM = "urn:b12k-planner:plan"
DRAW_SYSTEM = "urn:b12k-planner:draw"


def _clean(obj: Any) -> Any:
    """Drop empty values and write whole numbers without '.0' (FMT-01 applies to exports too)."""
    if isinstance(obj, dict):
        out = {k: _clean(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(obj, list):
        return [x for x in (_clean(v) for v in obj) if x not in (None, "", [], {})]
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    return obj


def _dt(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _quantity(value: float, unit: str) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "unit": unit}
    code = AMOUNT_UCUM.get(unit)
    if code:
        out.update(system=UCUM_SYSTEM, code=code)
    return out


def _per(value: float, unit: str, per_unit: str, per_code: str) -> dict[str, Any]:
    return {
        "numerator": _quantity(value, unit),
        "denominator": {"value": 1, "unit": per_unit, "system": UCUM_SYSTEM, "code": per_code},
    }


class _Builder:
    def __init__(self, plan: Plan, lp: LoadedProtocol, lmap: LoincMap) -> None:
        self.plan = plan
        self.lp = lp
        self.lmap = lmap
        self.entries: list[dict[str, Any]] = []
        seed = f"{plan.plan_id}|{plan.generated_at.isoformat()}|{plan.protocol.sha256}"
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:b12k-planner:{seed}")
        stamp = plan.protocol
        self.canonical = f"{PROTOCOL_URL}{stamp.protocol_id}|{stamp.version}"

    def add(self, key: str, resource: dict[str, Any]) -> str:
        rid = str(uuid.uuid5(self.namespace, key))
        url = f"urn:uuid:{rid}"
        self.entries.append(
            {
                "fullUrl": url,
                "resource": {"resourceType": resource.pop("resourceType"), "id": rid, **resource},
            }
        )
        return url

    # --- resources -------------------------------------------------------------------------

    def patient(self) -> str:
        pat = self.plan.patient
        gender = {"female": "female", "male": "male", "unknown": "unknown"}.get(pat.sex or "")
        return self.add(
            "patient",
            {
                "resourceType": "Patient",
                "identifier": [{"value": pat.identifier}] if pat.identifier else [],
                "name": [{"text": pat.name}] if pat.name else [],
                "gender": gender,
                "birthDate": pat.date_of_birth.isoformat() if pat.date_of_birth else None,
            },
        )

    def device(self) -> str:
        return self.add(
            "device",
            {
                "resourceType": "Device",
                "deviceName": [{"name": "B12-K Planner", "type": "user-friendly-name"}],
                "version": [{"value": self.plan.app_version}],
            },
        )

    def plan_definition(self) -> str:
        stamp = self.plan.protocol
        return self.add(
            "protocol",
            {
                "resourceType": "PlanDefinition",
                "url": f"{PROTOCOL_URL}{stamp.protocol_id}",
                "identifier": [{"system": PROTOCOL_HASH_SYSTEM, "value": stamp.sha256}],
                "version": stamp.version,
                "title": stamp.title,
                "status": "active" if stamp.status == "approved" else "draft",
                "date": stamp.approval_date.isoformat() if stamp.approval_date else None,
                "description": stamp.intended_use,
            },
        )

    def _common(self, subject: str) -> dict[str, Any]:
        return {
            "status": "draft",
            "intent": "proposal",
            "instantiatesCanonical": [self.canonical],
            "subject": {"reference": subject},
            "authoredOn": _dt(self.plan.generated_at),
        }

    def b12(self, subject: str) -> str:
        order = self.plan.b12_order
        dose = self.lp.protocol.regimen(order.preset_id).dose
        qty = _quantity(dose.value, dose.unit)
        return self.add(
            "medication:b12",
            {
                "resourceType": "MedicationRequest",
                **self._common(subject),
                "medicationCodeableConcept": {"text": order.drug},
                "note": [
                    {"text": order.text},
                    {"text": _rules(order.reason.rule_ids, order.reason.sources)},
                ],
                "dosageInstruction": [
                    {
                        "sequence": 1,
                        "text": f"Loading: {order.loading_text}",
                        "timing": {"event": [_dt(d.at) for d in order.dose_times]},
                        "route": {"text": order.route},
                        "doseAndRate": [{"doseQuantity": qty}],
                    },
                    {
                        "sequence": 2,
                        "text": f"Maintenance: {order.maintenance_text}",
                        "route": {"text": order.route},
                        "doseAndRate": [{"doseQuantity": qty}],
                    },
                ],
            },
        )

    def electrolyte(self, subject: str, i: int, order: Order) -> str:
        assert order.dose_unit is not None
        notes = [
            {"text": order.text},
            {"text": _rules(order.reason.rule_ids, order.reason.sources)},
        ]
        if order.needs_prescriber:
            notes.append({"text": "Needs the prescriber's review before it is given."})
        dosage: dict[str, Any] = {"text": order.text}
        extra: list[dict[str, Any]] = []
        if order.kind == "oral":
            assert order.dose_amount is not None and order.daily_amount is not None
            repeat: dict[str, Any] = {
                "boundsPeriod": {"start": _dt(order.start_at), "end": _dt(order.review_at)},
            }
            if order.times_per_day is not None and float(order.times_per_day).is_integer():
                repeat.update(frequency=int(order.times_per_day), period=1, periodUnit="d")
            dosage.update(
                timing={"repeat": repeat, "code": {"text": order.frequency}},
                route={"text": order.route or "oral"},
                doseAndRate=[{"doseQuantity": _quantity(order.dose_amount, order.dose_unit)}],
                maxDosePerPeriod=_per(order.daily_amount, order.dose_unit, "day", "d"),
            )
            if order.units_per_dose is not None and order.form:
                extra.append({"text": f"{num(order.units_per_dose)} {order.form} per dose"})
        else:
            iv = order.iv
            assert iv is not None
            repeat = {"count": iv.doses}
            if order.start_at is not None:
                repeat["boundsPeriod"] = {"start": _dt(order.start_at)}
            if iv.interval_hours is not None:
                repeat.update(frequency=1, period=iv.interval_hours, periodUnit="h")
            dosage.update(
                timing={"repeat": repeat},
                route={"text": iv.route},
                method={"text": f"infusion by {iv.pump}"},
                doseAndRate=[{"doseQuantity": _quantity(iv.amount, iv.amount_unit)}],
                maxDosePerAdministration=_quantity(iv.amount, iv.amount_unit),
                maxDosePerPeriod=_per(iv.max_rate, iv.amount_unit, "hour", "h"),
            )
            extra.append(
                {
                    "text": (
                        f"Premixed bag: {iv.product}; {num(iv.amount)} {iv.amount_unit} in "
                        f"{num(iv.volume_ml)} mL ({num(iv.concentration)} {iv.concentration_unit})"
                    )
                }
            )
            extra.append(
                {
                    "text": (
                        f"Maximum rate {num(iv.max_rate)} {iv.max_rate_unit} "
                        f"({num(iv.max_rate_ml_per_hour)} mL/hour); each bag over at least "
                        f"{num(iv.min_duration_hours)} hours"
                    )
                }
            )
            if iv.continuous_ecg:
                extra.append({"text": "Continuous ECG monitoring during the infusion"})
            if iv.central_line_required:
                extra.append({"text": "Central line required at this concentration"})
        dosage["additionalInstruction"] = extra
        inputs = [
            f"{u.name} {u.value}" + (f" at {u.sampled_at.isoformat()}" if u.sampled_at else "")
            for u in order.reason.inputs
        ]
        return self.add(
            f"medication:{order.electrolyte}:{i}",
            {
                "resourceType": "MedicationRequest",
                **self._common(subject),
                "medicationCodeableConcept": {"text": order.product},
                "reasonCode": [{"text": t} for t in inputs],
                "note": notes,
                "dosageInstruction": [dosage],
            },
        )

    def draw(self, subject: str, n: int, draw: Draw) -> list[str]:
        urls = []
        requisition = {"system": DRAW_SYSTEM, "value": f"{self.plan.plan_id or 'plan'}-draw-{n}"}
        for test in draw.tests:
            code = self.lmap.order_codes.get(test)  # type: ignore[call-overload]
            concept: dict[str, Any] = {"text": TEST_LABELS.get(test, test)}
            if code is not None:
                concept["coding"] = [
                    {"system": LOINC_SYSTEM, "code": code.code, "display": code.display}
                ]
            when = (
                "before the first dose"
                if draw.before_first_dose
                else (
                    f"day {draw.day}, {num(draw.hours_after_first_dose)} hours after the first dose"
                )
            )
            urls.append(
                self.add(
                    f"draw:{n}:{test}",
                    {
                        "resourceType": "ServiceRequest",
                        **self._common(subject),
                        "requisition": requisition,
                        "category": [{"text": "Laboratory"}],
                        "code": concept,
                        "occurrenceDateTime": _dt(draw.at),
                        "reasonCode": [{"text": draw.purpose}],
                        "note": [
                            {"text": f"Draw {n}: {draw.label} ({when})"},
                            {"text": _rules(draw.reason.rule_ids, draw.reason.sources)},
                        ],
                    },
                )
            )
        return urls


def _rules(rule_ids: tuple[str, ...], sources: tuple[str, ...]) -> str:
    return f"Rules: {', '.join(rule_ids)}. Sources: {', '.join(sources)}."


def _detail(description: str, code_text: str, do_not_perform: bool = False) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "status": "not-started",
        "code": {"text": code_text},
        "description": description,
    }
    if do_not_perform:
        detail["doNotPerform"] = True
    return {"detail": detail}


def build_plan_bundle(
    plan: Plan, protocol: LoadedProtocol, *, loinc_map: LoincMap | None = None
) -> dict[str, Any]:
    """Return the plan as a FHIR R4 Bundle (a dict ready for json.dumps).

    Raises:
        FhirExportError: the plan was made with another protocol than `protocol`.
    """
    if plan.protocol.sha256 != protocol.sha256:
        raise FhirExportError(
            f"The plan was made with protocol {plan.protocol.protocol_id} "
            f"{plan.protocol.version} (sha256 {plan.protocol.sha256[:12]}…), not with the "
            f"protocol given ({protocol.protocol.protocol_id} {protocol.protocol.version}, "
            f"sha256 {protocol.sha256[:12]}…). Make the plan again with the same protocol."
        )
    lmap = loinc_map or load_loinc_map()
    b = _Builder(plan, protocol, lmap)
    subject = b.patient()
    device = b.device()
    protocol_url = b.plan_definition()

    activities: list[dict[str, Any]] = []
    requests: list[str] = []
    url = b.b12(subject)
    requests.append(url)
    activities.append({"reference": {"reference": url, "display": plan.b12_order.text}})
    for i, order in enumerate(plan.orders_now):
        if order.kind in ("oral", "iv"):
            url = b.electrolyte(subject, i, order)
            requests.append(url)
            activities.append({"reference": {"reference": url, "display": order.text}})
        else:
            activities.append(
                _detail(order.text, f"{order.electrolyte}: {order.kind}", order.kind == "hold")
            )
    for n, draw in enumerate(plan.schedule, start=1):
        for url in b.draw(subject, n, draw):
            requests.append(url)
            activities.append({"reference": {"reference": url}})
    for row in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands):
        text = f"If a later {row.electrolyte} result is {row.label}: {row.instruction}"
        if row.order is not None and row.order.text not in text:
            text += f" {row.order.text}"
        activities.append(_detail(text, f"{row.electrolyte} band {row.band_id}"))

    stamp = plan.protocol
    banner = (
        "NOT FOR CLINICAL USE: the protocol is a draft that no site has approved. "
        if stamp.not_for_clinical_use
        else ""
    )
    notes = [{"text": f"{banner}Every order is a proposal for the prescriber to check and sign."}]
    notes.append({"text": f"Risk: {plan.risk.label}."})
    notes.extend({"text": f"Gate ({g.rule_id}): {g.text}"} for g in plan.gates)
    notes.extend({"text": f"{w.level.upper()} ({w.rule_id}): {w.text}"} for w in plan.warnings)
    notes.extend({"text": f"Hold: {line.text}"} for line in plan.hold_rules)
    notes.extend({"text": f"Escalate: {line.text}"} for line in plan.escalation)
    if plan.prescriber:
        notes.append({"text": f"Prescriber named on the plan: {plan.prescriber}"})
    careplan = b.add(
        "careplan",
        {
            "resourceType": "CarePlan",
            "identifier": [{"system": PLAN_SYSTEM, "value": plan.plan_id}] if plan.plan_id else [],
            "instantiatesCanonical": [b.canonical],
            "status": "draft",
            "intent": "proposal",
            "title": "Potassium, magnesium and phosphate plan around the start of vitamin B12",
            "description": (
                f"{banner}Plan made by B12-K Planner {plan.app_version} with protocol "
                f"{stamp.protocol_id} version {stamp.version} (sha256 {stamp.sha256})."
            ),
            "subject": {"reference": subject},
            "period": {"start": _dt(plan.first_dose_at), "end": _dt(plan.monitoring_ends_at)},
            "created": _dt(plan.generated_at),
            "activity": activities,
            "note": notes,
        },
    )
    targets = [careplan, *requests]
    b.add(
        "provenance",
        {
            "resourceType": "Provenance",
            "target": [{"reference": t} for t in targets],
            "recorded": _dt(plan.generated_at),
            "agent": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": PARTICIPANT_TYPE,
                                "code": "assembler",
                                "display": "Assembler",
                            }
                        ]
                    },
                    "who": {"reference": device, "display": f"B12-K Planner {plan.app_version}"},
                }
            ],
            "entity": [
                {
                    "role": "source",
                    "what": {
                        "reference": protocol_url,
                        "display": (
                            f"protocol {stamp.protocol_id} version {stamp.version} "
                            f"({stamp.status}), sha256 {stamp.sha256}"
                        ),
                    },
                }
            ],
        },
    )
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(b.namespace, "bundle")),
        "identifier": {"system": PLAN_SYSTEM, "value": plan.plan_id} if plan.plan_id else None,
        "type": "collection",
        "timestamp": _dt(plan.generated_at),
        "entry": b.entries,
    }
    cleaned: dict[str, Any] = _clean(bundle)
    return cleaned


def missing_from_bundle(
    plan: Plan, bundle: dict[str, Any], loinc_map: LoincMap | None = None
) -> list[str]:
    """Return what of the plan the Bundle lacks: every order and every draw test must be there."""
    resources = [e.get("resource", {}) for e in bundle.get("entry", [])]
    meds = [r for r in resources if r.get("resourceType") == "MedicationRequest"]
    srs = [r for r in resources if r.get("resourceType") == "ServiceRequest"]
    careplans = [r for r in resources if r.get("resourceType") == "CarePlan"]
    missing = []
    med_texts = {n.get("text") for m in meds for n in m.get("note", [])}
    if plan.b12_order.text not in med_texts:
        missing.append(f"B12 order: {plan.b12_order.text}")
    details = {
        a.get("detail", {}).get("description") for c in careplans for a in c.get("activity", [])
    }
    for order in plan.orders_now:
        if order.text not in med_texts and order.text not in details:
            missing.append(f"{order.electrolyte} order: {order.text}")
    lmap = loinc_map or load_loinc_map()
    present: set[tuple[str, str]] = set()
    for sr in srs:
        when = str(sr.get("occurrenceDateTime", ""))
        present.add((when, str(sr.get("code", {}).get("text", ""))))
        present.update(
            (when, f"LOINC {c.get('code')}") for c in sr.get("code", {}).get("coding", [])
        )
    for draw in plan.schedule:
        when = draw.at.isoformat()
        for test in draw.tests:
            code = lmap.order_codes.get(test)  # type: ignore[call-overload]
            wanted = [(when, TEST_LABELS.get(test, test))]
            if code is not None:
                wanted.append((when, f"LOINC {code.code}"))
            if any(key not in present for key in wanted):
                missing.append(f"draw at {when}: {test}")
    referenced = {
        a.get("reference", {}).get("reference") for c in careplans for a in c.get("activity", [])
    }
    full_urls = {
        e.get("fullUrl")
        for e in bundle.get("entry", [])
        if e.get("resource", {}).get("resourceType") in ("MedicationRequest", "ServiceRequest")
    }
    missing.extend(f"request {u} is not referenced by the CarePlan" for u in full_urls - referenced)
    return missing


def bundle_json_bytes(bundle: dict[str, Any]) -> bytes:
    """Serialise a Bundle as UTF-8 JSON with a stable layout."""
    return (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def export_plan_bundle(
    plan: Plan, protocol: LoadedProtocol, *, loinc_map: LoincMap | None = None
) -> dict[str, Any]:
    """Build the Bundle, check it carries the whole plan, and validate it with the R4B models.

    Raises:
        FhirExtraMissingError: fhir.resources is not installed.
        FhirValidationError: the Bundle does not validate.
        FhirExportError: the Bundle would lack part of the plan.
    """
    from desktop_app.fhir.validate import validate_bundle

    bundle = build_plan_bundle(plan, protocol, loinc_map=loinc_map)
    missing = missing_from_bundle(plan, bundle, loinc_map)
    if missing:  # pragma: no cover - a defect of build_plan_bundle, guarded by the tests
        raise FhirExportError("The FHIR Bundle would lack part of the plan: " + "; ".join(missing))
    validate_bundle(bundle)
    return bundle
