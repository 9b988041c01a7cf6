"""Anaemia severity (WHO bands, or the clinician's override) and the refeeding-risk tier."""

from __future__ import annotations

from typing import Literal

from desktop_app.logic.context import EvalContext
from desktop_app.logic.orders import reason_for
from desktop_app.logic.plan import AnaemiaResult, InputUsed, Risk, RiskFactor
from desktop_app.logic.protocol import Analyte, Num, RiskFactorRule, TextRule, Tier
from desktop_app.logic.results import lab_text, used
from desktop_app.logic.textfmt import num, when
from desktop_app.logic.units import CanonicalLab

Severity = Literal["none", "mild", "moderate", "severe", "unknown"]

#: Risk factors that come from B12 therapy itself (the initiation hazard).
_B12_FACTORS = frozenset({"severe_anaemia_parenteral", "moderate_anaemia_parenteral"})


def derive_severity(ctx: EvalContext, age: int) -> AnaemiaResult:
    """Return the anaemia severity from haemoglobin (WHO bands), overridden if recorded."""
    a = ctx.p.anaemia
    hb = ctx.labs.get(Analyte.haemoglobin)
    sex = ctx.inputs.patient.sex
    derived: Severity = "unknown"
    rules: list[Num] = [a.severe_below, a.moderate_below]
    inputs: list[InputUsed] = []
    expl = ""
    if hb is not None:
        inputs.append(used(ctx.p, hb))
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
            f"Derived {derived}; overridden to {ov.severity} by {ov.clinician}: {ov.reason}. "
            + expl
        ).strip()
    hb_text = lab_text(ctx.p, hb) if hb is not None else "not recorded"
    text = f"Anaemia: {severity} (haemoglobin {hb_text})" + (
        " - clinician override" if overridden else ""
    )
    return AnaemiaResult(
        severity=severity,
        derived=derived,
        overridden=overridden,
        text=text,
        reason=reason_for(rules, inputs, expl),
    )


def risk_tier(
    ctx: EvalContext,
    anaemia: AnaemiaResult,
    base_k: CanonicalLab | None,
    base_mg: CanonicalLab | None,
) -> Risk:
    """Return the risk tier: the highest factor present, high when enough raised factors add up."""
    p = ctx.p
    mods = ctx.inputs.modifiers
    parenteral = ctx.regimen.parenteral_loading
    present: list[tuple[RiskFactorRule, list[InputUsed]]] = []
    sev_input = InputUsed(name="Anaemia severity", value=anaemia.severity)
    reg_input = InputUsed(name="B12 regimen", value=ctx.regimen.label)
    for rule in p.risk.factors:
        hit: list[InputUsed] | None = None
        if ctx.past_window and rule.kind in _B12_FACTORS:
            continue  # long after the first dose: not the initiation hazard (issue 15 item 11)
        if (
            rule.kind == "severe_anaemia_parenteral" and parenteral and anaemia.severity == "severe"
        ) or (
            rule.kind == "moderate_anaemia_parenteral"
            and parenteral
            and anaemia.severity == "moderate"
        ):
            hit = [sev_input, reg_input]
        elif (
            rule.kind == "baseline_k_low" and base_k and base_k.value < p.potassium.normal_low.value
        ):
            hit = [used(p, base_k)]
        elif rule.kind == "baseline_k_missing" and base_k is None:
            hit = []
        elif (
            rule.kind == "baseline_mg_low"
            and base_mg
            and base_mg.value < p.magnesium.normal_low.value
        ):
            hit = [used(p, base_mg)]
        elif rule.kind == "k_lowering_drug" and mods.k_lowering_drugs:
            hit = [
                InputUsed(name="Potassium-lowering drugs", value=", ".join(mods.k_lowering_drugs))
            ]
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
    for rule, factor_inputs in present:
        if rule.tier.rank > tier.rank:
            tier = rule.tier
        factors.append(
            RiskFactor(
                rule_id=rule.id,
                label=rule.label,
                tier=rule.tier,
                reason=reason_for([rule], factor_inputs),
            )
        )
    reason_rules: list[Num | RiskFactorRule | TextRule] = [r for r, _ in present]
    raised = sum(1 for r, _ in present if r.tier is Tier.raised)
    expl = "No risk factor found." if not present else ""
    if tier is Tier.raised and raised >= p.risk.raised_factors_for_high.value:
        tier = Tier.high
        reason_rules.append(p.risk.raised_factors_for_high)
        expl = f"{raised} raised-risk factors together make the tier high."
    if ctx.past_window:
        past = p.warnings["past_window"]
        reason_rules.append(past)
        expl = (
            f"First B12 dose {when(ctx.first)}: before the monitoring window, so not the "
            f"initiation hazard and no tier from B12 alone ({past.id}). {expl}"
        ).strip()
    if not reason_rules:
        reason_rules.append(p.risk.raised_factors_for_high)
    return Risk(
        tier=tier,
        label=p.risk.tier_labels.get(tier, tier.value.upper()),
        factors=tuple(factors),
        reason=reason_for(reason_rules, explanation=expl),
    )
