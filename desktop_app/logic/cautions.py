"""What stops, warns and calls: gates, warnings, hold rules, escalation, and food advice."""

from __future__ import annotations

from datetime import date

from desktop_app.logic.context import EvalContext, static
from desktop_app.logic.orders import Rule, reason_for
from desktop_app.logic.plan import AnaemiaResult, Draw, Food, InputUsed, Line, Warning
from desktop_app.logic.protocol import Analyte, Protocol
from desktop_app.logic.results import lab_text, used
from desktop_app.logic.textfmt import qty, when
from desktop_app.logic.units import CanonicalLab


def add_gates(ctx: EvalContext, age: int, latest_k: CanonicalLab | None) -> None:
    """Add every gate that stops automatic dosing for this patient (CLN-01)."""
    p = ctx.p
    g = p.gates
    mods = ctx.inputs.modifiers
    if age < g.adult_age.value:
        ctx.gate(g.texts.age, [g.adult_age], [InputUsed(name="Age", value=f"{age} years")])
    egfr = ctx.labs.get(Analyte.egfr)
    creat = ctx.labs.get(Analyte.creatinine)
    eq = g.renal.egfr_from_creatinine
    computed = list(eq.rules()) if ctx.egfr_computed and eq is not None else []
    if egfr is not None:
        egfr_in = [used(p, egfr)] + ([used(p, creat)] if computed and creat else [])
        if computed:
            w = p.warnings["egfr_computed"]
            ctx.warnings.append(
                Warning(
                    rule_id=w.id,
                    level="info",
                    text=f"eGFR {lab_text(p, egfr)} (computed). {w.text}",
                    reason=reason_for([w, *computed], egfr_in),
                )
            )
        if egfr.value < g.renal.egfr_review_below.value:
            ctx.gate(g.texts.renal, [g.renal.egfr_review_below, *computed], egfr_in)
        if egfr.value < g.renal.egfr_renal_team_below.value:
            ctx.gate(g.texts.renal_team, [g.renal.egfr_renal_team_below, *computed], egfr_in)
    elif not mods.dialysis:
        ctx.gate(g.texts.renal_unknown, [g.renal.egfr_review_below])
    crule = g.renal.creatinine_review_at_or_above
    if crule is not None and creat is not None and creat.value >= crule.value:
        ctx.gate(g.texts.renal, [crule], [used(p, creat)])
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
        ctx.gate(g.texts.hyperkalaemia, [p.potassium.normal_high], [used(p, latest_k)])


def add_warnings(
    ctx: EvalContext,
    anaemia: AnaemiaResult,
    base_k: CanonicalLab | None,
    latest_k: CanonicalLab | None,
    schedule: tuple[Draw, ...],
) -> None:
    """Add the warnings this patient's results, modifiers and schedule call for."""
    p = ctx.p
    labs = ctx.labs
    mods = ctx.inputs.modifiers
    if ctx.past_window:
        ctx.warn(
            "past_window",
            "danger",
            [InputUsed(name="First B12 dose", value=when(ctx.first))],
            extra=f"First B12 dose {when(ctx.first)}.",
        )
    if base_k is None and Analyte.potassium not in labs:
        ctx.warn("no_baseline_k", "danger")
    b12 = labs.get(Analyte.b12)
    folate = labs.get(Analyte.folate)
    # Alarm fatigue (issue 15 item 17): full strength only when it matters, else a note.
    b12_unknown = b12 is None or b12.value >= p.b12.deficient_below.value
    folate_low = folate is not None and folate.value < p.b12.folate_low_below.value
    matters = folate_low or mods.folic_acid_planned or b12_unknown
    ctx.warn("folate_alone", "warning" if matters else "info")
    if b12 is None:
        ctx.warn("b12_missing", "info")
    elif b12.value >= p.b12.deficient_below.value and b12.value < p.b12.indeterminate_below.value:
        w = p.warnings["mma_advised"]
        have = [a for a in (Analyte.mma, Analyte.homocysteine) if a in labs]
        extra = "Recorded: " + ", ".join(lab_text(p, labs[a]) for a in have) + "." if have else ""
        ctx.warnings.append(
            Warning(
                rule_id=w.id,
                level="info",
                text=w.text + (f" {extra}" if extra else ""),
                reason=reason_for(
                    [w, p.b12.deficient_below, p.b12.indeterminate_below], [used(p, b12)]
                ),
            )
        )
    if folate_low:
        assert folate is not None
        w = p.warnings["folate_low"]
        ctx.warnings.append(
            Warning(
                rule_id=w.id,
                level="warning",
                text=w.text,
                reason=reason_for([w, p.b12.folate_low_below], [used(p, folate)]),
            )
        )
    if anaemia.severity == "severe":
        ctx.warn("transfusion", "warning")
    mcv = labs.get(Analyte.mcv)
    if mcv is not None and mcv.value <= p.anaemia.mcv_normal_high.value:
        w = p.warnings["normocytic"]
        ctx.warnings.append(
            Warning(
                rule_id=w.id,
                level="info",
                text=w.text,
                reason=reason_for([w, p.anaemia.mcv_normal_high], [used(p, mcv)]),
            )
        )
    _platelets(ctx)
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
        window = p.monitoring.label_window_hours
        if (mods.planned_discharge_at - ctx.first).total_seconds() / 3600 < window.value:
            w = p.warnings["discharge_48h"]
            ctx.warnings.append(
                Warning(
                    rule_id=w.id,
                    level="danger",
                    text=w.text,
                    reason=reason_for(
                        [w, window],
                        [
                            InputUsed(
                                name="Planned discharge", value=when(mods.planned_discharge_at)
                            )
                        ],
                    ),
                )
            )
    if mods.digoxin:
        ctx.warn("digoxin", "warning")
    if (mods.cardiac_disease or mods.digoxin) and latest_k is not None:
        target = p.potassium.cardiac_target_low
        if p.potassium.normal_low.value <= latest_k.value < target.value:
            w = p.warnings["cardiac_target"]
            ctx.warnings.append(
                Warning(
                    rule_id=w.id,
                    level="warning",
                    text=(
                        f"{w.text} Target {qty(target.value, target.unit)} or above (local policy)."
                    ),
                    reason=reason_for([w, target], [used(p, latest_k)]),
                )
            )
    if {"loop_diuretic", "thiazide_diuretic"} & set(mods.k_lowering_drugs):
        ctx.warn("diuretic", "info")
    for fu in ctx.followups:
        if fu.analyte is Analyte.potassium and ctx.k_band(fu.value).action == "iv":
            ctx.warn("followup_iv", "danger", [used(p, fu)])
            break


def medicines(ctx: EvalContext) -> Line:
    """Return the drug list as the plan states it; warn when it was not recorded (item 16)."""
    p = ctx.p
    mods = ctx.inputs.modifiers
    rule = p.warnings["drugs_not_recorded"]
    labels = {d.id: d.label for d in (*p.k_lowering_drugs, *p.k_raising_drugs)}
    names = [labels.get(d, d) for d in (*mods.k_lowering_drugs, *mods.k_raising_drugs)]
    state = mods.drug_list_state()
    if state == "not_recorded":
        ctx.warn("drugs_not_recorded", "warning")
        listed = f" Listed so far: {', '.join(names)}." if names else ""
        text = "Medicines: NOT RECORDED (the drug list has not been reviewed)." + listed
    elif names:
        text = f"Medicines: reviewed; {', '.join(names)}."
    else:
        text = "Medicines: reviewed; no potassium-lowering or potassium-raising drug."
    value = state.replace("_", " ")
    return Line(text=text, reason=reason_for([rule], [InputUsed(name="Drug list", value=value)]))


def add_unused(ctx: EvalContext) -> None:
    """Show each result not used that is newer than the one used (issue 15 item 14)."""
    p = ctx.p
    rule = p.warnings["newer_not_used"]
    for unused in sorted(ctx.inputs.unused_results, key=lambda u: u.sampled_at):
        analyte = unused.analyte
        later = [f for f in ctx.followups if f.analyte is analyte]
        used_lab = later[-1] if later else ctx.labs.get(analyte)
        if used_lab is not None and unused.sampled_at <= used_lab.sampled_at:
            continue
        label = p.analytes[analyte].label
        if used_lab is None:
            versus = "no result of this test was used"
            inputs = [InputUsed(name=f"{label} (not used)", value=unused.value_text)]
        else:
            versus = (
                f"it is newer than the result used ({lab_text(p, used_lab)} sampled "
                f"{when(used_lab.sampled_at)})"
            )
            inputs = [
                InputUsed(name=f"{label} (not used)", value=unused.value_text),
                used(p, used_lab),
            ]
        ctx.warnings.append(
            Warning(
                rule_id=rule.id,
                level="danger",
                text=(
                    f"{label} {unused.value_text} sampled {when(unused.sampled_at)} was not used "
                    f"({unused.why}); {versus}. {rule.text}"
                ),
                reason=reason_for([rule], inputs),
            )
        )


def escalation(p: Protocol) -> tuple[Line, ...]:
    """Return when to call the doctor (built once per protocol)."""
    return static(p, "escalation", lambda: _escalation(p))


def _escalation(p: Protocol) -> tuple[Line, ...]:
    k = p.potassium
    lines = [
        Line(
            text=f"Potassium below {qty(k.escalate_below.value, k.escalate_below.unit)}.",
            reason=reason_for([k.escalate_below]),
        ),
        Line(
            text=f"Potassium above {qty(k.normal_high.value, k.normal_high.unit)}.",
            reason=reason_for([k.normal_high]),
        ),
    ]
    for section, name in ((p.magnesium, "Magnesium"), (p.phosphate, "Phosphate")):
        for band in section.bands:
            if band.call_doctor:
                lines.append(Line(text=f"{name}: {band.label}.", reason=reason_for([band])))
    lines.extend(Line(text=r.text, reason=reason_for([r])) for r in p.escalation)
    return tuple(lines)


def hold_rules(p: Protocol) -> tuple[Line, ...]:
    """Return when no potassium is given, and the IV safety rules (built once per protocol)."""
    return static(p, "hold", lambda: _hold_rules(p))


def _hold_rules(p: Protocol) -> tuple[Line, ...]:
    k = p.potassium
    bag_max = k.iv_max_peripheral_concentration
    ecg_above = k.iv_ecg_monitoring_above_rate
    lines = [
        Line(
            text=(
                f"Do not give any potassium supplement when potassium is "
                f"{qty(k.hold_at_or_above.value, k.hold_at_or_above.unit)} or above."
            ),
            reason=reason_for([k.hold_at_or_above]),
        ),
        Line(
            text=(
                f"IV potassium on the ward: premixed bags of at most "
                f"{qty(bag_max.value, bag_max.unit)}"
                f" only, by pump; continuous ECG monitoring above "
                f"{qty(ecg_above.value, ecg_above.unit)}."
            ),
            reason=reason_for([k.iv_max_peripheral_concentration, k.iv_ecg_monitoring_above_rate]),
        ),
    ]
    lines.extend(Line(text=r.text, reason=reason_for([r])) for r in p.hold_rules)
    return tuple(lines)


def foods(p: Protocol) -> tuple[Food, ...]:
    """Return the potassium-rich foods (built once per protocol)."""
    return static(p, "foods", lambda: _foods(p))


def food_note(p: Protocol) -> Line:
    """Return the line citing the source of the food advice (built once per protocol)."""
    rule = p.food_advice_source
    return static(p, "food_note", lambda: Line(text=rule.text, reason=reason_for([rule])))


def _foods(p: Protocol) -> tuple[Food, ...]:
    return tuple(
        Food(
            name=f.name,
            portion=f.portion,
            amount_text=f"about {qty(f.potassium.value, f.potassium.unit)}",
            reason=reason_for([f.potassium]),
        )
        for f in p.foods
    )


def review_overdue(ctx: EvalContext, today: date) -> bool:
    """Warn first when the protocol's review date has passed; return whether it has."""
    p = ctx.p
    review_due = p.approval.review_due
    if review_due is None or review_due >= today:
        return False
    rule = p.warnings["review_overdue"]
    ctx.warnings.insert(
        0,
        Warning(
            rule_id=rule.id,
            level="danger",
            text=f"{rule.text} Review was due {review_due.isoformat()}.",
            reason=reason_for([rule]),
        ),
    )
    return True


def _platelets(ctx: EvalContext) -> None:
    """Flag platelets below the site's threshold for an intramuscular regimen (issue 15 item 15).

    `plt.value` is the count as shown, at the laboratory's precision: validation fixes every
    result's value once, with `units.as_shown` (issue 15 item 10), so the count is compared on
    the value printed beside the threshold (49.9999999999 is shown 50 and is not below 50).
    """
    p = ctx.p
    plt = ctx.labs.get(Analyte.platelets)
    if plt is None or ctx.regimen.route != "intramuscular":
        return
    limit = p.anaemia.platelets_im_below
    if limit.value is None:
        ctx.warn("platelets_im_unset", "info", [used(p, plt)])
        return
    if plt.value >= limit.value:
        return
    w = p.warnings["platelets_im_low"]
    routes = ctx.regimen.label_routes
    other = [r for r in routes.routes if r != "intramuscular"] if routes is not None else []
    rules: list[Rule] = [w, limit]
    if routes is not None and other:
        alt = f"The label allows {' or '.join(other)} injection instead: {routes.text}."
        rules.append(routes)
    else:
        none = p.warnings["platelets_route_none"]
        alt = none.text
        rules.append(none)
    text = (
        f"{w.text} Platelets {lab_text(p, plt)}; site threshold (local policy, {limit.id}): "
        f"below {qty(limit.value, limit.unit)}. {alt}"
    )
    ctx.warnings.append(
        Warning(rule_id=w.id, level="warning", text=text, reason=reason_for(rules, [used(p, plt)]))
    )
