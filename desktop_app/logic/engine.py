"""The plan engine: evaluate(protocol, inputs, now) -> Plan, a pure function.

It composes the parts, each in its own module: `validation` (the inputs), `risk` (anaemia
severity and the risk tier), `schedule` (draws and B12 doses), `advice` (orders, band tables,
overrides, the action now), `cautions` (gates, warnings, hold rules, escalation, foods) and
`provenance` (the reasons, rules and sources the plan cites, and its id).
"""

from __future__ import annotations

from datetime import datetime

from desktop_app import __version__
from desktop_app.logic import schedule
from desktop_app.logic.advice import Latest, action_now, band_rows, orders_now, with_overrides
from desktop_app.logic.cautions import (
    add_gates,
    add_unused,
    add_warnings,
    escalation,
    food_note,
    foods,
    hold_rules,
    medicines,
    review_overdue,
)
from desktop_app.logic.context import EvalContext, age_years, static
from desktop_app.logic.egfr import with_computed_egfr
from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import (
    Order,
    OverrideNote,
    Plan,
    ProtocolStamp,
    ReferenceEntry,
    RuleEntry,
)
from desktop_app.logic.plan_limits import check_plan_limits
from desktop_app.logic.progress import with_progress
from desktop_app.logic.protocol import Analyte, LoadedProtocol, Protocol
from desktop_app.logic.provenance import citations, plan_id_for
from desktop_app.logic.results import find_band, followup_rows, lab_rows, lab_unit
from desktop_app.logic.risk import derive_severity, risk_tier
from desktop_app.logic.textfmt import qty
from desktop_app.logic.validation import validate

__all__ = ["evaluate", "find_band", "plan_id_for"]


def _stamp(lp: LoadedProtocol, overdue: bool) -> ProtocolStamp:
    """Return which protocol made the plan; an overdue review makes it not for clinical use."""
    p = lp.protocol
    state = lp.approval_state
    # The status printed is the one the signature check gave, never the one typed in the file.
    status = _STATUS_WORDS[state.state]
    return ProtocolStamp(
        protocol_id=p.protocol_id,
        title=p.title,
        version=p.version,
        status=f"{status} (review overdue)" if overdue else status,
        approval_date=state.approval_date,
        approved_by=state.approved_by,
        sha256=lp.sha256,
        not_for_clinical_use=lp.not_for_clinical_use or overdue,
        potassium_unit=p.potassium_unit,
        intended_use=p.intended_use,
        approval_state=state.state,
        approval_note=state.reason,
        approver_role=state.role,
        key_fingerprint=state.key_fingerprint,
        content_sha256=state.content_sha256,
    )


#: The status a plan prints for each approval state.
_STATUS_WORDS = {
    "draft": "draft",
    "unverified": "approval not verified",
    "void": "approval void",
    "approved": "approved",
}


def _result_units(p: Protocol) -> dict[str, str]:
    return static(p, "result_units", lambda: {a.value: lab_unit(p, a) for a in Analyte})


def _k_total_text(orders: list[Order], total: float, unit: str) -> str:
    """The plan's total potassium; the potassium an IV bag of another electrolyte carries (IV
    potassium phosphates) is counted in it and named (issue 15 item 8)."""
    by_iv = [o for o in orders if o.kind == "iv" and o.potassium_per_day]
    if not by_iv:
        return f"{qty(total, unit)} per day by mouth from all current orders"
    oral = total - sum(o.potassium_per_day for o in by_iv)
    iv = ", ".join(
        f"{qty(o.potassium_per_day, unit)} in 24 hours by IV in {o.product}" for o in by_iv
    )
    return (
        f"{qty(total, unit)} per day from all current orders: {qty(oral, unit)} by mouth and "
        f"{iv} (any IV potassium infusion is counted on its own order)"
    )


def evaluate(lp: LoadedProtocol, inputs: PlanInputs, *, now: datetime) -> Plan:
    """Make the plan for these inputs under this protocol at time `now`.

    Raises:
        InputError: with one problem per missing, invalid or implausible field.
        PlanLimitError: (an InputError) the plan would cross a hard limit of the program.
    """
    if now.tzinfo is None:
        raise ValueError("now must carry a timezone")
    labs, followups = validate(lp.protocol, inputs, now)
    assert inputs.patient.date_of_birth is not None
    assert inputs.regimen.first_dose_at is not None
    age = age_years(inputs.patient.date_of_birth, inputs.regimen.first_dose_at)
    labs, egfr_computed = with_computed_egfr(lp.protocol, labs, age, inputs.patient.sex)
    ctx = EvalContext(lp, inputs, now, labs, followups)
    ctx.egfr_computed = egfr_computed
    p = ctx.p

    base_k = ctx.baseline(Analyte.potassium)
    base_mg = ctx.baseline(Analyte.magnesium)
    base_po4 = ctx.baseline(Analyte.phosphate)
    need_baseline = base_k is None or base_mg is None or base_po4 is None

    anaemia = derive_severity(ctx, age)
    risk = risk_tier(ctx, anaemia, base_k, base_mg)
    draws = schedule.draws(ctx, risk.tier, need_baseline)

    latest: Latest = {
        "potassium": ctx.latest(Analyte.potassium, base_k),
        "magnesium": ctx.latest(Analyte.magnesium, base_mg),
        "phosphate": ctx.latest(Analyte.phosphate, base_po4),
    }
    add_gates(ctx, age, latest["potassium"])
    # An order's start (and so its "review or stop at" time) comes from the inputs, never from
    # the time of printing: the first dose, or the sample time of a later result it answers.
    start = ctx.first
    orders = orders_now(ctx, latest, start)
    notes: list[OverrideNote] = []
    if inputs.overrides:
        orders, draws, notes = with_overrides(ctx, latest, start, orders, draws)
    draws = schedule.mark_outpatient(ctx, draws)
    k_total = sum(o.potassium_per_day for o in orders)
    action = action_now(ctx, latest["potassium"], orders, draws)
    add_warnings(ctx, anaemia, base_k, latest["potassium"], draws)
    add_unused(ctx)
    meds = medicines(ctx)
    overdue = review_overdue(ctx, now.date())
    stamp = _stamp(lp, overdue)
    plan_id = plan_id_for(inputs, lp.sha256)
    b12 = schedule.b12_order(ctx)
    baseline_rows = lab_rows(
        p, labs, ctx.first, now if ctx.past_window else None, computed_egfr=egfr_computed
    )
    later_rows = followup_rows(p, followups, ctx.first, inputs.modifiers.cannot_take_oral)
    draws, progress = with_progress(p, draws, later_rows, now)
    k_rows = band_rows(ctx, "potassium", p.potassium.bands)
    mg_rows = band_rows(ctx, "magnesium", p.magnesium.bands)
    po4_rows = band_rows(ctx, "phosphate", p.phosphate.bands)

    def build(references: tuple[ReferenceEntry, ...], rules: tuple[RuleEntry, ...]) -> Plan:
        return Plan(
            plan_id=plan_id,
            generated_at=now,
            app_version=__version__,
            protocol=stamp,
            patient=inputs.patient,
            age_years=age,
            prescriber=inputs.prescriber,
            first_dose_at=ctx.first,
            labs=baseline_rows,
            result_units=_result_units(p),
            anaemia=anaemia,
            risk=risk,
            b12_order=b12,
            schedule=draws,
            monitoring_ends_at=max(d.at for d in draws if "potassium" in d.tests),
            action_now=action,
            orders_now=tuple(orders),
            potassium_per_day=k_total,
            potassium_per_day_text=_k_total_text(orders, k_total, ctx.kunit),
            k_bands=k_rows,
            mg_bands=mg_rows,
            po4_bands=po4_rows,
            medicines=meds,
            hold_rules=hold_rules(p),
            gates=tuple(ctx.gates),
            warnings=tuple(ctx.warnings),
            escalation=escalation(p),
            foods=foods(p),
            food_note=food_note(p),
            followups=later_rows,
            progress=progress,
            overrides=tuple(sorted(notes, key=lambda n: n.index)),
            references=references,
            rules=rules,
        )

    # The plan's citations are read from the finished plan, so no line's sources can be missed.
    draft = build((), ())
    refs, rules = citations(p, draft)
    plan = build(refs, rules)
    # The second line of defence (issue 14): a plan crossing a hard limit is never returned.
    k_lab, egfr = latest["potassium"], ctx.labs.get(Analyte.egfr)
    check_plan_limits(
        plan,
        p,
        shipped_limits(),
        latest_k=k_lab.value if k_lab is not None else None,
        egfr=egfr.value if egfr is not None else None,
    )
    return plan
