"""The plan engine: evaluate(protocol, inputs, now) -> Plan, a pure function."""

from __future__ import annotations

import hashlib
from typing import TypeVar
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from desktop_app import __version__
from desktop_app.logic.errors import FieldProblem, InputError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import (
    ActionNow,
    AnaemiaResult,
    B12Order,
    BandRow,
    DoseTime,
    Draw,
    Food,
    FollowUpRow,
    Gate,
    InputUsed,
    IVDetails,
    LabRow,
    Line,
    Order,
    OverrideNote,
    Plan,
    ProtocolStamp,
    Reason,
    ReferenceEntry,
    Risk,
    RiskFactor,
    RuleEntry,
    Warning,
)
from desktop_app.logic.protocol import (
    Analyte,
    Band,
    ElectrolyteSection,
    LoadedProtocol,
    Num,
    NumList,
    Protocol,
    RiskFactorRule,
    TextRule,
    Tier,
)
from desktop_app.logic.orders import band_order
from desktop_app.logic.orders import merge_reasons as _merge
from desktop_app.logic.orders import reason_for as _reason
from desktop_app.logic.overrides import OverrideContext, apply_overrides
from desktop_app.logic.textfmt import (
    hours_text,
    num,
    ordered_tests,
    qty,
    result,
    tests_label,
    when,
)
from desktop_app.logic.units import CanonicalLab, check_value, from_canonical

T = TypeVar("T")



# ----- small helpers ---------------------------------------------------------------------------


def _lab_unit(proto: Protocol, analyte: Analyte) -> str:
    """Unit results are shown in: potassium in the site's unit, others canonical."""
    if analyte is Analyte.potassium:
        return f"{proto.potassium_unit}/L"
    return proto.analytes[analyte].canonical_unit


def _decimals(value: float) -> int:
    """Decimals a typed value was given with (at most 3)."""
    text = f"{value:.3f}".rstrip("0")
    return len(text.split(".")[1])


def _lab_text(proto: Protocol, lab: CanonicalLab) -> str:
    """A result as shown: never rounded across a band edge.

    A value entered in the unit it is shown in keeps the precision it was typed with (K 3.45
    is not shown as 3.5 beside "below 3.5"); a converted value keeps one more decimal than the
    laboratory reports (1.7 mg/dL of magnesium is 0.699 mmol/L, not 0.70).
    """
    spec = proto.analytes[lab.analyte]
    unit = _lab_unit(proto, lab.analyte)
    shown = from_canonical(spec, lab.value, unit)
    if spec.factor(lab.entered_unit) == spec.factor(unit):
        decimals = max(spec.decimals, _decimals(lab.entered_value))
    else:
        decimals = spec.decimals + 1
    return result(shown, decimals, unit)


def _used(proto: Protocol, lab: CanonicalLab) -> InputUsed:
    return InputUsed(
        name=proto.analytes[lab.analyte].label, value=_lab_text(proto, lab), sampled_at=lab.sampled_at
    )


def _in_band(band: Band, value: float) -> bool:
    if band.lower is None:
        return True
    if band.lower_inclusive:
        return value >= band.lower.value
    return value > band.lower.value


def find_band(bands: tuple[Band, ...], value: float) -> Band:
    """Return the band a value falls in (the last band whose lower bound it reaches)."""
    found = bands[0]
    for band in bands:
        if _in_band(band, value):
            found = band
    return found


def _age_years(dob: date, on: datetime) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# ----- validation ------------------------------------------------------------------------------


def _validate(
    proto: Protocol, inputs: PlanInputs, now: datetime
) -> tuple[dict[Analyte, CanonicalLab], list[CanonicalLab]]:
    problems: list[FieldProblem] = []
    pat = inputs.patient
    for field, label in (("identifier", "identifier"), ("name", "name")):
        if not getattr(pat, field).strip():
            problems.append(FieldProblem(f"patient.{field}", f"required: enter the patient's {label}"))
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
                f"{num(whigh.value)} kg (rule {wlow.id}); check the value (kg, not lb or g)",
            )
        )
    if pat.sex is None:
        problems.append(
            FieldProblem("patient.sex", "required for the WHO anaemia bands: female, male or unknown")
        )
    reg = inputs.regimen
    if not reg.preset_id:
        problems.append(FieldProblem("regimen.preset_id", "required: choose a B12 regimen"))
    elif reg.preset_id not in {r.id for r in proto.regimens}:
        problems.append(
            FieldProblem(
                "regimen.preset_id",
                f"'{reg.preset_id}' is not a regimen of protocol {proto.protocol_id}; choose one of "
                + ", ".join(r.id for r in proto.regimens),
            )
        )
    if reg.first_dose_at is None:
        problems.append(
            FieldProblem("regimen.first_dose_at", "required: enter the planned first-dose date and time")
        )
    elif pat.date_of_birth is not None and reg.first_dose_at.date() < pat.date_of_birth:
        problems.append(FieldProblem("regimen.first_dose_at", "is before the date of birth"))

    known_low = {d.id for d in proto.k_lowering_drugs}
    known_high = {d.id for d in proto.k_raising_drugs}
    for i, drug in enumerate(inputs.modifiers.k_lowering_drugs):
        if drug not in known_low:
            problems.append(
                FieldProblem(f"modifiers.k_lowering_drugs[{i}]", f"'{drug}' is not a known drug class")
            )
    for i, drug in enumerate(inputs.modifiers.k_raising_drugs):
        if drug not in known_high:
            problems.append(
                FieldProblem(f"modifiers.k_raising_drugs[{i}]", f"'{drug}' is not a known drug class")
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
                FieldProblem(f"{path}.sampled_at", f"sample time {when(entry.sampled_at)} is in the future")
            )
        if value is not None:
            labs[analyte] = CanonicalLab(
                analyte, value, proto.analytes[analyte].canonical_unit, entry.sampled_at,
                entry.value, entry.unit or "",
            )
    if Analyte.haemoglobin not in labs and inputs.severity_override is None:
        if inputs.labs.haemoglobin is None:
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
                FieldProblem(f"{path}.sampled_at", f"sample time {when(fu.sampled_at)} is in the future")
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
                    analyte, value, proto.analytes[analyte].canonical_unit, fu.sampled_at,
                    fu.value, fu.unit,
                )
            )
    if problems:
        raise InputError(problems)
    return labs, sorted(followups, key=lambda f: f.sampled_at)


# ----- the engine ------------------------------------------------------------------------------


class _Ctx:
    """Working state of one evaluation (never escapes evaluate())."""

    def __init__(
        self,
        lp: LoadedProtocol,
        inputs: PlanInputs,
        now: datetime,
        labs: dict[Analyte, CanonicalLab],
        followups: list[CanonicalLab],
    ) -> None:
        self.lp = lp
        self.p = lp.protocol
        self.inputs = inputs
        self.now = now
        self.labs = labs
        self.followups = followups
        assert inputs.regimen.first_dose_at is not None
        self.first = inputs.regimen.first_dose_at
        self.regimen = self.p.regimen(inputs.regimen.preset_id)
        self.kunit = self.p.potassium_unit
        self.warnings: list[Warning] = []
        self.gates: list[Gate] = []
        self.override_notes: list[OverrideNote] = []

    def warn(self, key: str, level: str, inputs: Iterable[InputUsed] = (), extra: str = "") -> None:
        rule = self.p.warnings[key]
        text = rule.text + (f" {extra}" if extra else "")
        self.warnings.append(
            Warning(rule_id=rule.id, level=level, text=text, reason=_reason([rule], inputs))  # type: ignore[arg-type]
        )

    def gate(self, rule: TextRule, extra_rules: Iterable[Num] = (), inputs: Iterable[InputUsed] = (),
             extra: str = "") -> None:
        text = rule.text + (f" {extra}" if extra else "")
        self.gates.append(
            Gate(rule_id=rule.id, text=text, reason=_reason([rule, *extra_rules], inputs))
        )

    # --- baseline usability ---

    def baseline(self, analyte: Analyte) -> CanonicalLab | None:
        """Return the baseline result if it is usable as a baseline, else warn and return None."""
        lab = self.labs.get(analyte)
        if lab is None:
            return None
        stale = self.p.monitoring.stale_after_hours
        if lab.sampled_at > self.first:
            self.warn("after_first_dose", "warning", [_used(self.p, lab)])
            return None
        age_h = (self.first - lab.sampled_at).total_seconds() / 3600
        if age_h > stale.value:
            self.warnings.append(
                Warning(
                    rule_id=self.p.warnings["stale"].id,
                    level="warning",
                    text=(
                        f"{self.p.analytes[analyte].label} sample is {num(age_h, 0)} hours older than "
                        f"the first dose (limit {hours_text(stale.value)}): "
                        + self.p.warnings["stale"].text
                    ),
                    reason=_reason([self.p.warnings["stale"], stale], [_used(self.p, lab)]),
                )
            )
            return None
        return lab


def _derive_severity(ctx: _Ctx, age: int) -> AnaemiaResult:
    a = ctx.p.anaemia
    hb = ctx.labs.get(Analyte.haemoglobin)
    sex = ctx.inputs.patient.sex
    derived: str = "unknown"
    rules: list[Num] = [a.severe_below, a.moderate_below]
    inputs: list[InputUsed] = []
    expl = ""
    if hb is not None:
        inputs.append(_used(ctx.p, hb))
        mild_below = a.mild_below_female if sex == "female" else a.mild_below_male
        rules.append(mild_below)
        if sex == "unknown":
            expl = "Sex unknown: the higher (male) threshold for mild anaemia is used."
        if hb.value < a.severe_below.value:
            derived = "severe"
        elif hb.value < a.moderate_below.value:
            derived = "moderate"
        elif hb.value < mild_below.value:
            derived = "mild"
        else:
            derived = "none"
        if age < a.adult_from_age.value:
            rules.append(a.adult_from_age)
            expl = (
                f"{expl} WHO adult bands are for {num(a.adult_from_age.value)} years and over."
            ).strip()
    ov = ctx.inputs.severity_override
    severity = derived
    overridden = False
    if ov is not None:
        severity = ov.severity
        overridden = True
        expl = (
            f"Derived {derived}; overridden to {ov.severity} by {ov.clinician}: {ov.reason}. " + expl
        ).strip()
    hb_text = _lab_text(ctx.p, hb) if hb is not None else "not recorded"
    text = f"Anaemia: {severity} (haemoglobin {hb_text})" + (" - clinician override" if overridden else "")
    return AnaemiaResult(
        severity=severity,  # type: ignore[arg-type]
        derived=derived,  # type: ignore[arg-type]
        overridden=overridden,
        text=text,
        reason=_reason(rules, inputs, expl),
    )


def _risk(ctx: _Ctx, anaemia: AnaemiaResult, base_k: CanonicalLab | None,
          base_mg: CanonicalLab | None) -> Risk:
    p = ctx.p
    mods = ctx.inputs.modifiers
    parenteral = ctx.regimen.parenteral_loading
    present: list[tuple[RiskFactorRule, list[InputUsed]]] = []
    sev_input = InputUsed(name="Anaemia severity", value=anaemia.severity)
    reg_input = InputUsed(name="B12 regimen", value=ctx.regimen.label)
    for rule in p.risk.factors:
        hit: list[InputUsed] | None = None
        if rule.kind == "severe_anaemia_parenteral" and parenteral and anaemia.severity == "severe":
            hit = [sev_input, reg_input]
        elif rule.kind == "moderate_anaemia_parenteral" and parenteral and anaemia.severity == "moderate":
            hit = [sev_input, reg_input]
        elif rule.kind == "baseline_k_low" and base_k and base_k.value < p.potassium.normal_low.value:
            hit = [_used(p, base_k)]
        elif rule.kind == "baseline_k_missing" and base_k is None:
            hit = []
        elif rule.kind == "baseline_mg_low" and base_mg and base_mg.value < p.magnesium.normal_low.value:
            hit = [_used(p, base_mg)]
        elif rule.kind == "k_lowering_drug" and mods.k_lowering_drugs:
            hit = [InputUsed(name="Potassium-lowering drugs", value=", ".join(mods.k_lowering_drugs))]
        elif rule.kind == "digoxin" and mods.digoxin:
            hit = [InputUsed(name="Digoxin", value="yes")]
        elif rule.kind == "cardiac_disease" and mods.cardiac_disease:
            hit = [InputUsed(name="Cardiac disease or arrhythmia", value="yes")]
        elif rule.kind == "cannot_take_oral" and mods.cannot_take_oral:
            hit = [InputUsed(name="Cannot take oral medicines", value="yes")]
        if hit is not None:
            present.append((rule, hit))
    tier = Tier.standard
    factors = []
    for rule, used in present:
        if rule.tier.rank > tier.rank:
            tier = rule.tier
        factors.append(
            RiskFactor(rule_id=rule.id, label=rule.label, tier=rule.tier, reason=_reason([rule], used))
        )
    reason_rules: list[Num | RiskFactorRule] = [r for r, _ in present]
    raised = sum(1 for r, _ in present if r.tier is Tier.raised)
    expl = "No risk factor found." if not present else ""
    if tier is Tier.raised and raised >= p.risk.raised_factors_for_high.value:
        tier = Tier.high
        reason_rules.append(p.risk.raised_factors_for_high)
        expl = f"{raised} raised-risk factors together make the tier high."
    if not reason_rules:
        reason_rules.append(p.risk.raised_factors_for_high)
    return Risk(
        tier=tier,
        label=p.risk.tier_labels.get(tier, tier.value.upper()),
        factors=tuple(factors),
        reason=_reason(reason_rules, explanation=expl),
    )


def _draws(ctx: _Ctx, tier: Tier, need_baseline: bool) -> tuple[Draw, ...]:
    p = ctx.p
    slots: dict[float, list[tuple[tuple[str, ...], str, Reason]]] = {}
    electro = p.monitoring.electrolyte_draws[tier]
    for h in electro.values:
        slots.setdefault(h, []).append(
            (("potassium", "magnesium", "phosphate"),
             "Potassium with magnesium and phosphate (never potassium alone)",
             _reason([electro], explanation=f"{tier.value} tier schedule"))
        )
    for tmpl in p.monitoring.other_draws:
        for h in tmpl.hours.values:
            slots.setdefault(h, []).append((tmpl.tests, tmpl.purpose, _reason([tmpl.hours])))
    draws = []
    if need_baseline:
        rule = p.monitoring.baseline_text
        draws.append(
            Draw(
                at=ctx.first,
                hours_after_first_dose=0,
                day=1,
                tests=("potassium", "magnesium", "phosphate"),
                label="BEFORE the first B12 dose: potassium, magnesium, phosphate",
                purpose=rule.text,
                purposes=(rule.text,),
                before_first_dose=True,
                reason=_reason([rule]),
            )
        )
    for h in sorted(slots):
        items = slots[h]
        tests = ordered_tests(t for it in items for t in it[0])
        at = ctx.first + timedelta(hours=h)
        draws.append(
            Draw(
                at=at,
                hours_after_first_dose=h,
                day=int(h // 24) + 1,
                tests=tests,
                label=tests_label(tests),
                purpose="; ".join(it[1] for it in items),
                purposes=tuple(it[1] for it in items),
                reason=_merge(*(it[2] for it in items)),
            )
        )
    return tuple(draws)


def _order_for_band(
    ctx: _Ctx, electrolyte: str, band: Band, start: datetime | None, used: list[InputUsed],
    gated: list[Gate],
) -> Order:
    """Turn a band into an order. A gate turns any dose into 'prescriber decides' (CLN-01)."""
    if band.action in ("oral", "iv") and gated:
        return Order(
            electrolyte=electrolyte,  # type: ignore[arg-type]
            kind="prescriber",
            text=(
                f"Do not give {electrolyte} automatically: prescriber to decide "
                f"({'; '.join(g.rule_id for g in gated)}). Result band: {band.label}."
            ),
            band_id=band.id,
            needs_prescriber=True,
            reason=_merge(_reason([band], used), *(g.reason for g in gated)),
        )
    return band_order(ctx.p, electrolyte, band, start, used)


def _k_band_for(ctx: _Ctx, value: float) -> Band:
    band = find_band(ctx.p.potassium.bands, value)
    if band.action == "oral" and ctx.inputs.modifiers.cannot_take_oral:
        return ctx.p.potassium.not_by_mouth_band
    return band


def _static(p: Protocol, key: str, build: Callable[[], T]) -> T:
    """Build once per protocol what depends on nothing but the protocol."""
    memo = p.memo
    if key not in memo:
        memo[key] = build()
    return memo[key]  # type: ignore[no-any-return]


def _band_rows_cached(ctx: _Ctx, electrolyte: str, bands: tuple[Band, ...]) -> tuple[BandRow, ...]:
    """Band tables depend on the patient only through gates and 'cannot take oral'."""
    if ctx.gates:
        return _band_rows(ctx, electrolyte, bands, ctx.gates)
    nbm = ctx.inputs.modifiers.cannot_take_oral
    return _static(ctx.p, f"bands:{electrolyte}:{nbm}", lambda: _band_rows(ctx, electrolyte, bands, []))


def _foods(p: Protocol) -> tuple[Food, ...]:
    return tuple(
        Food(name=f.name, portion=f.portion,
             amount_text=f"about {qty(f.potassium.value, f.potassium.unit)}",
             reason=_reason([f.potassium]))
        for f in p.foods
    )


def _reference_entry(p: Protocol, key: str) -> ReferenceEntry:
    def build() -> ReferenceEntry:
        ref = p.references[key]
        return ReferenceEntry(key=key, title=ref.title, url=ref.url, grade=ref.grade)

    return _static(p, f"ref:{key}", build)


def _rule_entry(p: Protocol, rule_id: str) -> RuleEntry:
    def build() -> RuleEntry:
        rule = p.rule_index[rule_id]
        return RuleEntry(id=rule_id, text=_rule_text(rule), source=rule.source, grade=rule.grade,
                         local_policy=rule.local_policy)

    return _static(p, f"rule:{rule_id}", build)


def _band_rows(
    ctx: _Ctx, electrolyte: str, bands: tuple[Band, ...], gated: list[Gate]
) -> tuple[BandRow, ...]:
    rows = []
    nbm = ctx.inputs.modifiers.cannot_take_oral and electrolyte == "potassium"
    for band in bands:
        use = ctx.p.potassium.not_by_mouth_band if (nbm and band.action == "oral") else band
        order = None
        if use.action in ("oral", "iv"):
            order = _order_for_band(ctx, electrolyte, use, None, [], gated)
        is_gated = bool(gated) and use.action in ("oral", "iv")
        instruction = use.instruction
        if is_gated:
            instruction = (
                "Contact the prescriber: automatic dosing is stopped ("
                + "; ".join(g.rule_id for g in gated)
                + "). " + ("Call the doctor now. " if use.call_doctor else "")
            ).strip()
        rule_list: list[Num | Band] = [use]
        if use.recheck_hours is not None:
            rule_list.append(use.recheck_hours)
        if band is not use:
            rule_list.append(band)
        rows.append(
            BandRow(
                electrolyte=electrolyte,  # type: ignore[arg-type]
                lower=band.lower.value if band.lower is not None else None,
                lower_inclusive=band.lower_inclusive,
                band_id=use.id,
                label=band.label if band is use else f"{band.label} (cannot take oral)",
                instruction=instruction,
                order=order,
                recheck_hours=use.recheck_hours.value if use.recheck_hours else None,
                ecg=use.ecg,
                call_doctor=use.call_doctor or is_gated,
                gated=is_gated,
                reason=_reason(rule_list),
            )
        )
    return tuple(rows)


def _gates(ctx: _Ctx, age: int, latest_k: CanonicalLab | None) -> None:
    p = ctx.p
    g = p.gates
    mods = ctx.inputs.modifiers
    if age < g.adult_age.value:
        ctx.gate(g.texts.age, [g.adult_age], [InputUsed(name="Age", value=f"{age} years")])
    egfr = ctx.labs.get(Analyte.egfr)
    creat = ctx.labs.get(Analyte.creatinine)
    if egfr is not None:
        if egfr.value < g.renal.egfr_review_below.value:
            ctx.gate(g.texts.renal, [g.renal.egfr_review_below], [_used(p, egfr)])
        if egfr.value < g.renal.egfr_renal_team_below.value:
            ctx.gate(g.texts.renal_team, [g.renal.egfr_renal_team_below], [_used(p, egfr)])
    elif not mods.dialysis:
        ctx.gate(g.texts.renal_unknown, [g.renal.egfr_review_below])
    crule = g.renal.creatinine_review_at_or_above
    if crule is not None and creat is not None and creat.value >= crule.value:
        ctx.gate(g.texts.renal, [crule], [_used(p, creat)])
    if mods.dialysis:
        ctx.gate(g.texts.dialysis, inputs=[InputUsed(name="Dialysis", value="yes")])
    if mods.oliguria:
        ctx.gate(g.texts.oliguria, inputs=[InputUsed(name="Low urine output", value="yes")])
    if mods.k_raising_drugs:
        labels = {d.id: d.label for d in p.k_raising_drugs}
        names = ", ".join(labels[d] for d in mods.k_raising_drugs)
        ctx.gate(
            g.texts.k_raising,
            inputs=[InputUsed(name="Potassium-raising drugs", value=names)],
            extra=f"({names})",
        )
    if latest_k is not None and latest_k.value > p.potassium.normal_high.value:
        ctx.gate(g.texts.hyperkalaemia, [p.potassium.normal_high], [_used(p, latest_k)])


def _latest(
    ctx: _Ctx, analyte: Analyte, baseline: CanonicalLab | None
) -> CanonicalLab | None:
    later = [f for f in ctx.followups if f.analyte is analyte]
    if later:
        return later[-1]
    return baseline


def _orders_now(
    ctx: _Ctx, latest: dict[str, CanonicalLab | None], start: datetime
) -> list[Order]:
    p = ctx.p
    orders: list[Order] = []
    sections: dict[str, ElectrolyteSection | None] = {
        "potassium": None, "magnesium": p.magnesium, "phosphate": p.phosphate,
    }
    stale = p.monitoring.stale_after_hours
    for electrolyte, section in sections.items():
        lab = latest[electrolyte]
        if lab is None:
            rule = p.monitoring.baseline_text
            orders.append(
                Order(
                    electrolyte=electrolyte,  # type: ignore[arg-type]
                    kind="sample",
                    text=f"No usable {electrolyte} result: take potassium, magnesium and "
                    "phosphate together before acting.",
                    reason=_reason([rule]),
                )
            )
            continue
        age_now = (ctx.now - lab.sampled_at).total_seconds() / 3600
        if age_now > stale.value and ctx.now > ctx.first:
            orders.append(
                Order(
                    electrolyte=electrolyte,  # type: ignore[arg-type]
                    kind="sample",
                    text=(
                        f"The latest {electrolyte} result (sampled {when(lab.sampled_at)}) is "
                        f"{num(age_now, 0)} hours old: take a new sample before acting on it."
                    ),
                    reason=_reason([p.monitoring.stale_after_hours, p.warnings["stale"]], [_used(p, lab)]),
                )
            )
            continue
        band = _k_band_for(ctx, lab.value) if section is None else find_band(section.bands, lab.value)
        orders.append(_order_for_band(ctx, electrolyte, band, start, [_used(p, lab)], ctx.gates))
    # Phosphate products add potassium: hold them with potassium (HOLD-PO4-K), and never give
    # them automatically while potassium is unknown (the K order is then a 'sample' order).
    k_order = next(o for o in orders if o.electrolyte == "potassium")
    k_lab = latest["potassium"]
    hold_k = p.potassium.hold_at_or_above
    k_unknown = k_order.kind == "sample"
    if k_unknown or (k_lab is not None and k_lab.value >= hold_k.value):
        for i, order in enumerate(orders):
            if order.potassium_per_day and order.electrolyte != "potassium":
                if k_unknown:
                    why = "there is no usable potassium result"
                    reason = _merge(order.reason, k_order.reason)
                else:
                    assert k_lab is not None
                    why = (
                        f"potassium is {_lab_text(p, k_lab)} (hold at "
                        f"{qty(hold_k.value, hold_k.unit)} and above)"
                    )
                    reason = _merge(order.reason, _reason([hold_k], [_used(p, k_lab)]))
                orders[i] = Order(
                    electrolyte=order.electrolyte,
                    kind="prescriber",
                    text=(
                        f"Do not give {order.product} automatically: it contains potassium and "
                        f"{why}. Prescriber to decide."
                    ),
                    band_id=order.band_id,
                    needs_prescriber=True,
                    reason=reason,
                )
    return orders


def _overrides(
    ctx: _Ctx, latest: dict[str, CanonicalLab | None], start: datetime, orders: list[Order],
    schedule: tuple[Draw, ...],
) -> tuple[list[Order], tuple[Draw, ...]]:
    p = ctx.p
    k_lab = latest["potassium"]
    stale = p.monitoring.stale_after_hours.value
    fresh_k = k_lab is not None and not (
        ctx.now > ctx.first and (ctx.now - k_lab.sampled_at).total_seconds() / 3600 > stale
    )
    bands: dict[str, Band | None] = {
        "potassium": _k_band_for(ctx, k_lab.value) if k_lab is not None else None,
        "magnesium": find_band(p.magnesium.bands, latest["magnesium"].value)
        if latest["magnesium"] is not None else None,
        "phosphate": find_band(p.phosphate.bands, latest["phosphate"].value)
        if latest["phosphate"] is not None else None,
    }
    octx = OverrideContext(
        protocol=p, first=ctx.first, start=start,
        latest_k=k_lab.value if k_lab is not None and fresh_k else None, bands=bands,
    )
    new_orders, draws, notes = apply_overrides(octx, ctx.inputs.overrides, orders, list(schedule))
    ctx.override_notes = notes
    return new_orders, tuple(draws)


def _action_now(
    ctx: _Ctx, latest_k: CanonicalLab | None, orders: list[Order], schedule: tuple[Draw, ...]
) -> ActionNow:
    p = ctx.p
    upcoming = [d for d in schedule if "potassium" in d.tests and d.at >= ctx.now]
    next_draw = upcoming[0].at if upcoming else None
    k_order = next(o for o in orders if o.electrolyte == "potassium")
    if latest_k is None:
        return ActionNow(
            text=(
                "Take baseline potassium, magnesium and phosphate before the first B12 dose"
                + (f" (due {when(ctx.first)})." if ctx.first >= ctx.now else ".")
            ),
            basis="No usable potassium result.",
            instruction="Take baseline potassium, magnesium and phosphate before the first B12 dose.",
            band_id=None,
            next_check_at=ctx.first if ctx.first >= ctx.now else ctx.now,
            reason=_reason([p.monitoring.baseline_text, p.warnings["no_baseline_k"]]),
        )
    band = _k_band_for(ctx, latest_k.value)
    next_check = next_draw
    rules: list[Num | Band] = [band]
    if band.recheck_hours is not None and k_order.kind != "sample":
        by_band = latest_k.sampled_at + timedelta(hours=band.recheck_hours.value)
        by_band = max(by_band, ctx.now)
        rules.append(band.recheck_hours)
        if next_check is None or by_band < next_check:
            next_check = by_band
    where = "Latest" if any(f is latest_k for f in ctx.followups) else "Baseline"
    basis = f"{where} potassium {_lab_text(p, latest_k)} at {when(latest_k.sampled_at)}"
    # The order itself is printed once, under the orders now; the action names the band and
    # what to do. When no dose is given automatically, the order's own words say why.
    instruction = band.instruction if k_order.kind in ("oral", "iv") else k_order.text
    text = f"{basis}: {band.label}. {instruction}"
    if next_check is not None:
        text += f" Next potassium (with magnesium and phosphate) by {when(next_check)}."
    return ActionNow(
        text=text,
        basis=basis,
        band_label=band.label,
        instruction=instruction,
        band_id=band.id,
        next_check_at=next_check,
        reason=_merge(k_order.reason, _reason(rules, [_used(p, latest_k)])),
    )


def _warnings(
    ctx: _Ctx, anaemia: AnaemiaResult, base_k: CanonicalLab | None, latest_k: CanonicalLab | None,
    schedule: tuple[Draw, ...],
) -> None:
    p = ctx.p
    labs = ctx.labs
    mods = ctx.inputs.modifiers
    if base_k is None and Analyte.potassium not in labs:
        ctx.warn("no_baseline_k", "danger")
    ctx.warn("folate_alone", "warning")
    b12 = labs.get(Analyte.b12)
    if b12 is None:
        ctx.warn("b12_missing", "info")
    elif b12.value >= p.b12.deficient_below.value and b12.value < p.b12.indeterminate_below.value:
        w = p.warnings["mma_advised"]
        have = [a for a in (Analyte.mma, Analyte.homocysteine) if a in labs]
        extra = (
            "Recorded: " + ", ".join(_lab_text(p, labs[a]) for a in have) + "."
            if have
            else ""
        )
        ctx.warnings.append(
            Warning(
                rule_id=w.id,
                level="info",
                text=w.text + (f" {extra}" if extra else ""),
                reason=_reason([w, p.b12.deficient_below, p.b12.indeterminate_below], [_used(p, b12)]),
            )
        )
    folate = labs.get(Analyte.folate)
    if folate is not None and folate.value < p.b12.folate_low_below.value:
        w = p.warnings["folate_low"]
        ctx.warnings.append(
            Warning(
                rule_id=w.id, level="warning", text=w.text,
                reason=_reason([w, p.b12.folate_low_below], [_used(p, folate)]),
            )
        )
    if anaemia.severity == "severe":
        ctx.warn("transfusion", "warning")
    mcv = labs.get(Analyte.mcv)
    if mcv is not None and mcv.value <= p.anaemia.mcv_normal_high.value:
        w = p.warnings["normocytic"]
        ctx.warnings.append(
            Warning(
                rule_id=w.id, level="info", text=w.text,
                reason=_reason([w, p.anaemia.mcv_normal_high], [_used(p, mcv)]),
            )
        )
    if not ctx.regimen.parenteral_loading:
        ctx.warn("oral_regimen", "info")
    last_electro = max(d.at for d in schedule if "potassium" in d.tests)
    if mods.planned_discharge_at is not None and mods.planned_discharge_at < last_electro:
        ctx.warn(
            "discharge",
            "warning",
            [InputUsed(name="Planned discharge", value=when(mods.planned_discharge_at))],
            extra=f"Monitoring runs until {when(last_electro)}.",
        )
    if mods.digoxin:
        ctx.warn("digoxin", "warning")
    if (mods.cardiac_disease or mods.digoxin) and latest_k is not None:
        target = p.potassium.cardiac_target_low
        if p.potassium.normal_low.value <= latest_k.value < target.value:
            w = p.warnings["cardiac_target"]
            ctx.warnings.append(
                Warning(
                    rule_id=w.id, level="warning",
                    text=f"{w.text} Target {qty(target.value, target.unit)} or above (local policy).",
                    reason=_reason([w, target], [_used(p, latest_k)]),
                )
            )
    if {"loop_diuretic", "thiazide_diuretic"} & set(mods.k_lowering_drugs):
        ctx.warn("diuretic", "info")
    for fu in ctx.followups:
        if fu.analyte is Analyte.potassium and _k_band_for(ctx, fu.value).action == "iv":
            ctx.warn("followup_iv", "danger", [_used(p, fu)])
            break


def _escalation(ctx: _Ctx) -> tuple[Line, ...]:
    p = ctx.p
    k = p.potassium
    lines = [
        Line(
            text=f"Potassium below {qty(k.escalate_below.value, k.escalate_below.unit)}.",
            reason=_reason([k.escalate_below]),
        ),
        Line(
            text=f"Potassium above {qty(k.normal_high.value, k.normal_high.unit)}.",
            reason=_reason([k.normal_high]),
        ),
    ]
    for section, name in ((p.magnesium, "Magnesium"), (p.phosphate, "Phosphate")):
        for band in section.bands:
            if band.call_doctor:
                lines.append(Line(text=f"{name}: {band.label}.", reason=_reason([band])))
    lines.extend(Line(text=r.text, reason=_reason([r])) for r in p.escalation)
    return tuple(lines)


def _hold_rules(ctx: _Ctx) -> tuple[Line, ...]:
    p = ctx.p
    k = p.potassium
    lines = [
        Line(
            text=(
                f"Do not give any potassium supplement when potassium is "
                f"{qty(k.hold_at_or_above.value, k.hold_at_or_above.unit)} or above."
            ),
            reason=_reason([k.hold_at_or_above]),
        ),
        Line(
            text=(
                f"IV potassium on the ward: premixed bags of at most "
                f"{qty(k.iv_max_peripheral_concentration.value, k.iv_max_peripheral_concentration.unit)}"
                f" only, by pump; continuous ECG monitoring above "
                f"{qty(k.iv_ecg_monitoring_above_rate.value, k.iv_ecg_monitoring_above_rate.unit)}."
            ),
            reason=_reason([k.iv_max_peripheral_concentration, k.iv_ecg_monitoring_above_rate]),
        ),
    ]
    lines.extend(Line(text=r.text, reason=_reason([r])) for r in p.hold_rules)
    return tuple(lines)


def _lab_rows(ctx: _Ctx) -> tuple[LabRow, ...]:
    p = ctx.p
    rows = []
    stale = p.monitoring.stale_after_hours.value
    ranges = {
        Analyte.potassium: (p.potassium.normal_low.value, p.potassium.normal_high.value),
        Analyte.magnesium: (p.magnesium.normal_low.value, p.magnesium.normal_high.value),
        Analyte.phosphate: (p.phosphate.normal_low.value, p.phosphate.normal_high.value),
        Analyte.mcv: (p.anaemia.mcv_normal_low.value, p.anaemia.mcv_normal_high.value),
    }
    for analyte in Analyte:
        lab = ctx.labs.get(analyte)
        if lab is None:
            continue
        flags = []
        if analyte in ranges:
            low, high = ranges[analyte]
            if lab.value < low:
                flags.append("LOW")
            elif lab.value > high:
                flags.append("HIGH")
        if analyte in (Analyte.potassium, Analyte.magnesium, Analyte.phosphate):
            if lab.sampled_at > ctx.first:
                flags.append("AFTER FIRST DOSE")
            elif (ctx.first - lab.sampled_at).total_seconds() / 3600 > stale:
                flags.append("STALE")
        rows.append(
            LabRow(
                analyte=analyte.value,
                label=p.analytes[analyte].label,
                value=lab.value,
                text=_lab_text(p, lab),
                entered_text=f"{num(lab.entered_value, 3)} {lab.entered_unit}",
                sampled_at=lab.sampled_at,
                flags=tuple(flags),
            )
        )
    return tuple(rows)


def _b12_order(ctx: _Ctx) -> B12Order:
    reg = ctx.regimen
    dose = qty(reg.dose.value, reg.dose.unit)
    times = tuple(
        DoseTime(number=i + 1, at=ctx.first + timedelta(days=d))
        for i, d in enumerate(reg.loading_day_offsets.values)
    )
    text = f"{reg.drug} {dose} {reg.route}: {reg.loading_text}, {reg.maintenance_text}."
    return B12Order(
        preset_id=reg.id,
        drug=reg.drug,
        dose_amount=reg.dose.value,
        dose_unit=reg.dose.unit,
        dose_text=dose,
        route=reg.route,
        loading_text=reg.loading_text,
        maintenance_text=reg.maintenance_text,
        dose_times=times,
        parenteral_loading=reg.parenteral_loading,
        text=text,
        reason=Reason(
            rule_ids=(reg.dose.id, reg.loading_day_offsets.id),
            sources=tuple(dict.fromkeys((reg.source, reg.dose.source, reg.loading_day_offsets.source))),
            local_policy=reg.local_policy or reg.loading_day_offsets.local_policy,
            explanation=reg.label,
        ),
    )


def _followup_rows(ctx: _Ctx) -> tuple[FollowUpRow, ...]:
    p = ctx.p
    rows = []
    for fu in ctx.followups:
        if fu.analyte is Analyte.potassium:
            band = _k_band_for(ctx, fu.value)
        elif fu.analyte is Analyte.magnesium:
            band = find_band(p.magnesium.bands, fu.value)
        else:
            band = find_band(p.phosphate.bands, fu.value)
        rows.append(
            FollowUpRow(
                analyte=fu.analyte.value,  # type: ignore[arg-type]
                value=fu.value,
                text=_lab_text(p, fu),
                sampled_at=fu.sampled_at,
                hours_after_first_dose=(fu.sampled_at - ctx.first).total_seconds() / 3600,
                band_id=band.id,
                band_label=band.label,
                severity=band.severity,
            )
        )
    return tuple(rows)


def _collect_reasons(fields: dict[str, object]) -> list[Reason]:
    """Every Reason in the plan, in reading order (walks the known structure, no reflection)."""
    out: list[Reason] = []
    anaemia = fields["anaemia"]
    risk = fields["risk"]
    assert isinstance(anaemia, AnaemiaResult) and isinstance(risk, Risk)
    out.append(anaemia.reason)
    out.append(risk.reason)
    out.extend(f.reason for f in risk.factors)
    b12 = fields["b12_order"]
    assert isinstance(b12, B12Order)
    out.append(b12.reason)
    for name in ("schedule", "gates", "warnings", "hold_rules", "escalation", "foods"):
        out.extend(item.reason for item in fields[name])  # type: ignore[attr-defined]
    action = fields["action_now"]
    assert isinstance(action, ActionNow)
    out.append(action.reason)
    out.extend(o.reason for o in fields["orders_now"])  # type: ignore[attr-defined]
    for name in ("k_bands", "mg_bands", "po4_bands"):
        for row in fields[name]:  # type: ignore[attr-defined]
            out.append(row.reason)
            if row.order is not None:
                out.append(row.order.reason)
    note = fields["food_note"]
    assert isinstance(note, Line)
    out.append(note.reason)
    return out


def _rule_text(rule: object) -> str:
    if isinstance(rule, Num):
        return qty(rule.value, rule.unit, 4)
    if isinstance(rule, NumList):
        return ", ".join(num(v, 4) for v in rule.values) + f" {rule.unit}"
    if isinstance(rule, TextRule):
        return rule.text
    if isinstance(rule, Band):
        return rule.label
    assert isinstance(rule, RiskFactorRule)
    return f"{rule.label}: raises the tier to {rule.tier.value}"


def plan_id_for(inputs: PlanInputs, sha256: str) -> str:
    """Return the input's plan id, or a stable one derived from the inputs and protocol."""
    if inputs.plan_id:
        return inputs.plan_id
    digest = hashlib.sha256((inputs.model_dump_json() + sha256).encode()).hexdigest()
    return f"P-{digest[:12].upper()}"


def evaluate(lp: LoadedProtocol, inputs: PlanInputs, *, now: datetime) -> Plan:
    """Make the plan for these inputs under this protocol at time `now`.

    Raises:
        InputError: with one problem per missing, invalid or implausible field.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a timezone")
    labs, followups = _validate(lp.protocol, inputs, now)
    ctx = _Ctx(lp, inputs, now, labs, followups)
    p = ctx.p
    assert inputs.patient.date_of_birth is not None
    age = _age_years(inputs.patient.date_of_birth, ctx.first)

    base_k = ctx.baseline(Analyte.potassium)
    base_mg = ctx.baseline(Analyte.magnesium)
    base_po4 = ctx.baseline(Analyte.phosphate)
    need_baseline = base_k is None or base_mg is None or base_po4 is None

    anaemia = _derive_severity(ctx, age)
    risk = _risk(ctx, anaemia, base_k, base_mg)
    schedule = _draws(ctx, risk.tier, need_baseline)

    latest = {
        "potassium": _latest(ctx, Analyte.potassium, base_k),
        "magnesium": _latest(ctx, Analyte.magnesium, base_mg),
        "phosphate": _latest(ctx, Analyte.phosphate, base_po4),
    }
    _gates(ctx, age, latest["potassium"])
    # An order written now starts now (hypokalaemia is corrected before and while B12 starts).
    start = ctx.now
    orders = _orders_now(ctx, latest, start)
    if inputs.overrides:
        orders, schedule = _overrides(ctx, latest, start, orders, schedule)
    k_total = sum(o.potassium_per_day for o in orders)
    action = _action_now(ctx, latest["potassium"], orders, schedule)
    _warnings(ctx, anaemia, base_k, latest["potassium"], schedule)

    food_rule = p.food_advice_source
    review_due = p.approval.review_due
    overdue = review_due is not None and review_due < now.date()
    if overdue:
        assert review_due is not None
        rule = p.warnings["review_overdue"]
        ctx.warnings.insert(0, Warning(
            rule_id=rule.id, level="danger", text=f"{rule.text} Review was due {review_due.isoformat()}.",
            reason=_reason([rule]),
        ))
    stamp = ProtocolStamp(
        protocol_id=p.protocol_id,
        title=p.title,
        version=p.version,
        status=f"{p.approval.status} (review overdue)" if overdue else p.approval.status,
        approval_date=p.approval.approval_date,
        approved_by=p.approval.approved_by,
        sha256=lp.sha256,
        not_for_clinical_use=lp.not_for_clinical_use or overdue,
        potassium_unit=p.potassium_unit,
        intended_use=p.intended_use,
    )
    electro_draws = [d.at for d in schedule if "potassium" in d.tests]
    fields = dict(
        plan_id=plan_id_for(inputs, lp.sha256),
        generated_at=now,
        app_version=__version__,
        protocol=stamp,
        patient=inputs.patient,
        age_years=age,
        prescriber=inputs.prescriber,
        first_dose_at=ctx.first,
        labs=_lab_rows(ctx),
        result_units=_static(p, "result_units", lambda: {a.value: _lab_unit(p, a) for a in Analyte}),
        anaemia=anaemia,
        risk=risk,
        b12_order=_b12_order(ctx),
        schedule=schedule,
        monitoring_ends_at=max(electro_draws),
        action_now=action,
        orders_now=tuple(orders),
        potassium_per_day=k_total,
        potassium_per_day_text=f"{qty(k_total, ctx.kunit)} per day by mouth from all current orders",
        k_bands=_band_rows_cached(ctx, "potassium", p.potassium.bands),
        mg_bands=_band_rows_cached(ctx, "magnesium", p.magnesium.bands),
        po4_bands=_band_rows_cached(ctx, "phosphate", p.phosphate.bands),
        hold_rules=_static(p, "hold", lambda: _hold_rules(ctx)),
        gates=tuple(ctx.gates),
        warnings=tuple(ctx.warnings),
        escalation=_static(p, "escalation", lambda: _escalation(ctx)),
        foods=_static(p, "foods", lambda: _foods(p)),
        food_note=_static(p, "food_note", lambda: Line(text=food_rule.text, reason=_reason([food_rule]))),
        followups=_followup_rows(ctx),
        overrides=tuple(sorted(ctx.override_notes, key=lambda n: n.index)),
    )
    reasons = _collect_reasons(fields)
    rule_ids = list(dict.fromkeys(i for r in reasons for i in r.rule_ids))
    source_keys = list(dict.fromkeys(s for r in reasons for s in r.sources))
    refs = tuple(_reference_entry(p, k) for k in source_keys)
    rules = tuple(_rule_entry(p, i) for i in rule_ids)
    return Plan(**fields, references=refs, rules=rules)
