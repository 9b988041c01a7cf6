"""Checking the inputs against the protocol: every problem at once, in the clinician's words."""

from __future__ import annotations

from datetime import datetime

from desktop_app.logic.errors import FieldProblem, InputError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, Protocol
from desktop_app.logic.results import lab_unit
from desktop_app.logic.textfmt import num, when
from desktop_app.logic.time_bounds import time_problems
from desktop_app.logic.units import CanonicalLab, as_shown, check_value


def _as_shown(
    proto: Protocol, analyte: Analyte, canonical: float, typed: float, unit: str
) -> float:
    """The one place a result's value is fixed: as shown, at the laboratory's precision."""
    return as_shown(proto.analytes[analyte], canonical, typed, unit, lab_unit(proto, analyte))


def validate(
    proto: Protocol, inputs: PlanInputs, now: datetime
) -> tuple[dict[Analyte, CanonicalLab], list[CanonicalLab]]:
    """Return the baseline labs by analyte and the follow-ups by sample time, in canonical units.

    Raises:
        InputError: with one problem per missing, invalid or implausible field.
    """
    problems: list[FieldProblem] = []
    pat = inputs.patient
    for field, label in (("identifier", "identifier"), ("name", "name")):
        if not getattr(pat, field).strip():
            problems.append(
                FieldProblem(f"patient.{field}", f"required: enter the patient's {label}")
            )
    if pat.date_of_birth is None:
        problems.append(FieldProblem("patient.date_of_birth", "required: enter the date of birth"))
    elif pat.date_of_birth > now.date():
        problems.append(FieldProblem("patient.date_of_birth", "is in the future"))
    weight = pat.weight_kg
    wlow, whigh = proto.patient.weight_plausible_low, proto.patient.weight_plausible_high
    if weight is not None and not wlow.value <= weight <= whigh.value:
        problems.append(
            FieldProblem(
                "patient.weight_kg",
                f"{num(weight, 1)} kg is outside the plausible range {num(wlow.value)} to "
                f"{num(whigh.value)} kg (rule {(whigh if weight > whigh.value else wlow).id}); "
                "check the value (kg, not lb or g)",
            )
        )
    if pat.sex is None:
        problems.append(
            FieldProblem(
                "patient.sex", "required for the WHO anaemia bands: female, male or unknown"
            )
        )
    reg = inputs.regimen
    if not reg.preset_id:
        problems.append(FieldProblem("regimen.preset_id", "required: choose a B12 regimen"))
    elif reg.preset_id not in {r.id for r in proto.regimens}:
        problems.append(
            FieldProblem(
                "regimen.preset_id",
                f"'{reg.preset_id}' is not a regimen of protocol {proto.protocol_id}; "
                "choose one of " + ", ".join(r.id for r in proto.regimens),
            )
        )
    if reg.first_dose_at is None:
        problems.append(
            FieldProblem(
                "regimen.first_dose_at", "required: enter the planned first-dose date and time"
            )
        )
    elif (
        pat.date_of_birth is not None
        # A date of birth in the future is that field's own problem: the first dose is not
        # blamed for it.
        and pat.date_of_birth <= now.date()
        and reg.first_dose_at.date() < pat.date_of_birth
    ):
        problems.append(FieldProblem("regimen.first_dose_at", "is before the date of birth"))

    known_low = {d.id for d in proto.k_lowering_drugs}
    known_high = {d.id for d in proto.k_raising_drugs}
    for i, drug in enumerate(inputs.modifiers.k_lowering_drugs):
        if drug not in known_low:
            problems.append(
                FieldProblem(
                    f"modifiers.k_lowering_drugs[{i}]", f"'{drug}' is not a known drug class"
                )
            )
    for i, drug in enumerate(inputs.modifiers.k_raising_drugs):
        if drug not in known_high:
            problems.append(
                FieldProblem(
                    f"modifiers.k_raising_drugs[{i}]", f"'{drug}' is not a known drug class"
                )
            )

    labs: dict[Analyte, CanonicalLab] = {}
    for analyte in Analyte:
        entry = inputs.labs.get(analyte)
        if entry is None:
            continue
        path = f"labs.{analyte.value}"
        value, problem = check_value(proto.analytes[analyte], entry.value, entry.unit, path)
        if problem is not None:
            problems.append(problem)
        if entry.sampled_at > now:
            problems.append(
                FieldProblem(
                    f"{path}.sampled_at", f"sample time {when(entry.sampled_at)} is in the future"
                )
            )
        if value is not None:
            labs[analyte] = CanonicalLab(
                analyte,
                _as_shown(proto, analyte, value, entry.value, entry.unit or ""),
                proto.analytes[analyte].canonical_unit,
                entry.sampled_at,
                entry.value,
                entry.unit or "",
            )
    if (
        Analyte.haemoglobin not in labs
        and inputs.severity_override is None
        and inputs.labs.haemoglobin is None
    ):
        problems.append(
            FieldProblem(
                "labs.haemoglobin",
                "required: enter haemoglobin with its unit and sample time, or record a "
                "severity override with a reason",
            )
        )

    followups: list[CanonicalLab] = []
    for i, fu in enumerate(inputs.followups):
        path = f"followups[{i}]"
        analyte = Analyte(fu.analyte)
        value, problem = check_value(proto.analytes[analyte], fu.value, fu.unit, path)
        if problem is not None:
            problems.append(problem)
        if fu.sampled_at > now:
            problems.append(
                FieldProblem(
                    f"{path}.sampled_at", f"sample time {when(fu.sampled_at)} is in the future"
                )
            )
        if reg.first_dose_at is not None and fu.sampled_at < reg.first_dose_at:
            problems.append(
                FieldProblem(
                    f"{path}.sampled_at",
                    "is before the first B12 dose: enter it as a baseline result instead",
                )
            )
        if value is not None:
            followups.append(
                CanonicalLab(
                    analyte,
                    _as_shown(proto, analyte, value, fu.value, fu.unit),
                    proto.analytes[analyte].canonical_unit,
                    fu.sampled_at,
                    fu.value,
                    fu.unit,
                )
            )
    problems.extend(time_problems(proto, inputs, now))
    if problems:
        raise InputError(problems)
    return labs, sorted(followups, key=lambda f: f.sampled_at)
