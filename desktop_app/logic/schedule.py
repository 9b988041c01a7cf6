"""When blood is drawn (the tier's electrolyte schedule and other tests) and when B12 is given."""

from __future__ import annotations

from datetime import timedelta

from desktop_app.logic.context import EvalContext
from desktop_app.logic.orders import merge_reasons, reason_for
from desktop_app.logic.plan import B12Order, DoseTime, Draw, Reason
from desktop_app.logic.protocol import Tier
from desktop_app.logic.textfmt import ordered_tests, qty, tests_label


def draws(ctx: EvalContext, tier: Tier, need_baseline: bool) -> tuple[Draw, ...]:
    """Return the draws: a baseline before the first dose if needed, then by hours after it."""
    p = ctx.p
    slots: dict[float, list[tuple[tuple[str, ...], str, Reason]]] = {}
    electro = p.monitoring.electrolyte_draws[tier]
    for h in electro.values:
        slots.setdefault(h, []).append(
            (
                ("potassium", "magnesium", "phosphate"),
                "Potassium with magnesium and phosphate (never potassium alone)",
                reason_for([electro], explanation=f"{tier.value} tier schedule"),
            )
        )
    for tmpl in p.monitoring.other_draws:
        if tmpl.parenteral_loading_only and not ctx.regimen.parenteral_loading:
            continue
        for h in tmpl.hours.values:
            slots.setdefault(h, []).append((tmpl.tests, tmpl.purpose, reason_for([tmpl.hours])))
    out: list[Draw] = []
    if need_baseline:
        rule = p.monitoring.baseline_text
        out.append(
            Draw(
                at=ctx.first,
                hours_after_first_dose=0,
                day=1,
                tests=("potassium", "magnesium", "phosphate"),
                label="BEFORE the first B12 dose: potassium, magnesium, phosphate",
                purpose=rule.text,
                purposes=(rule.text,),
                before_first_dose=True,
                reason=reason_for([rule]),
            )
        )
    for h in sorted(slots):
        items = slots[h]
        tests = ordered_tests(t for it in items for t in it[0])
        at = ctx.first + timedelta(hours=h)
        out.append(
            Draw(
                at=at,
                hours_after_first_dose=h,
                day=int(h // 24) + 1,
                tests=tests,
                label=tests_label(tests),
                purpose="; ".join(it[1] for it in items),
                purposes=tuple(it[1] for it in items),
                reason=merge_reasons(*(it[2] for it in items)),
            )
        )
    return tuple(out)


def b12_order(ctx: EvalContext) -> B12Order:
    """Return the B12 order with the date-time of each loading dose."""
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
            sources=tuple(
                dict.fromkeys((reg.source, reg.dose.source, reg.loading_day_offsets.source))
            ),
            local_policy=reg.local_policy or reg.loading_day_offsets.local_policy,
            explanation=reg.label,
        ),
    )


def mark_outpatient(ctx: EvalContext, draws: tuple[Draw, ...]) -> tuple[Draw, ...]:
    """Mark the draws after a planned discharge as outpatient draws, with who reviews them.

    Only when the discharge falls inside the monitoring window (issue 15 item 12); each such
    draw's purpose starts with the protocol's outpatient text and cites it.
    """
    at = ctx.inputs.modifiers.planned_discharge_at
    electro = [d.at for d in draws if "potassium" in d.tests]
    if at is None or at >= max(electro):
        return draws
    rule = ctx.p.monitoring.outpatient_text
    out = []
    for d in draws:
        if d.before_first_dose or d.at <= at:
            out.append(d)
            continue
        purposes = (rule.text, *(d.purposes or (d.purpose,)))
        data = d.model_dump()
        data.update(
            outpatient=True,
            purposes=purposes,
            purpose="; ".join(purposes),
            reason=merge_reasons(d.reason, reason_for([rule])).model_dump(),
        )
        out.append(Draw.model_validate(data))
    return tuple(out)
