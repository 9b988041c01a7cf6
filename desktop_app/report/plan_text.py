"""A Plan as plain text (terminal, history dialog): every line with its rule ids and sources.

Imports only the logic: no reportlab, no pypdf, no Qt, nothing of the command line.
"""

from __future__ import annotations

from desktop_app.logic.plan import Plan, Reason
from desktop_app.logic.textfmt import clock, when


def _why(reason: Reason) -> str:
    local = " LOCAL POLICY" if reason.local_policy else ""
    return f"      [rules {', '.join(reason.rule_ids)}; sources {', '.join(reason.sources)}{local}]"


def render_text(plan: Plan) -> str:
    """Return the plan as text for a terminal."""
    p = plan.protocol
    out: list[str] = []
    add = out.append
    if p.not_for_clinical_use:
        add(f"*** NOT FOR CLINICAL USE: {p.not_approved_text} ***")
    add(
        f"B12-K plan {plan.plan_id} for {plan.patient.name} ({plan.patient.identifier}), "
        f"age {plan.age_years}, {plan.patient.ward}"
    )
    add(
        f"Protocol {p.protocol_id} {p.version} [{p.status}] sha256 {p.sha256[:16]}; "
        f"app {plan.app_version}; generated {when(plan.generated_at)}"
    )
    add(f"Protocol content SHA-256 {p.content_sha256}")
    if p.approval_state == "approved":
        add(f"Signed {p.approval_note}; key fingerprint {p.key_fingerprint}")
    add("")
    add("BASELINE RESULTS")
    for lab in plan.labs:
        flags = f"  [{', '.join(lab.flags)}]" if lab.flags else ""
        add(
            f"  {lab.label}: {lab.text} (entered {lab.entered_text}) "
            f"at {when(lab.sampled_at)}{flags}"
        )
    add("")
    add(f"RISK: {plan.risk.label}")
    add(_why(plan.risk.reason))
    for f in plan.risk.factors:
        add(f"  - {f.label} ({f.tier.value})")
        add(_why(f.reason))
    add(f"  {plan.anaemia.text}")
    add(_why(plan.anaemia.reason))
    add(f"  {plan.medicines.text}")
    add(_why(plan.medicines.reason))
    add("")
    add("B12 ORDER")
    add(f"  {plan.b12_order.text}")
    add(
        "  First doses: "
        + "; ".join(f"{d.number}) {when(d.at)}" for d in plan.b12_order.dose_times)
    )
    add(_why(plan.b12_order.reason))
    add("")
    if plan.gates:
        add("GATES: PRESCRIBER REVIEW REQUIRED")
        for g in plan.gates:
            add(f"  ! {g.text}")
            add(_why(g.reason))
        add("")
    add("ACTION NOW")
    add(f"  {plan.action_now.text}")
    add(_why(plan.action_now.reason))
    add("")
    add("ORDERS NOW")
    for o in plan.orders_now:
        add(f"  - [{o.electrolyte}] {o.text}")
        if o.override is not None:
            add(
                f"      PRESCRIBER OVERRIDE {o.override.index + 1} by {o.override.prescriber}: "
                f"{o.override.reason}. Protocol recommended: {o.override.recommended_text}"
            )
        add(_why(o.reason))
    add(f"  Total potassium: {plan.potassium_per_day_text}")
    add("")
    add(f"MONITORING SCHEDULE (first dose {when(plan.first_dose_at)})")
    for d in plan.schedule:
        rel = (
            "before first dose"
            if d.before_first_dose
            else f"+{d.hours_after_first_dose:g} h, day {d.day}"
        )
        add(f"  {when(d.at)} ({rel}): {d.label}")
        if d.outpatient:
            add(f"      {d.purposes[0]}")
        if d.override is not None:
            add(
                f"      PRESCRIBER OVERRIDE {d.override.index + 1} by {d.override.prescriber}: "
                f"{d.override.reason}. Protocol recommended: {d.override.recommended_text}"
            )
        add(_why(d.reason))
    add("")
    for title, rows in (
        ("POTASSIUM", plan.k_bands),
        ("MAGNESIUM", plan.mg_bands),
        ("PHOSPHATE", plan.po4_bands),
    ):
        add(f"{title}: FOR EACH LATER RESULT")
        for row in rows:
            add(f"  {row.label}: {row.instruction}")
            if row.order is not None and not row.gated:
                add(f"      {row.order.text}")
            if row.recheck_hours:
                add(f"      Recheck within {row.recheck_hours:g} hours.")
            add(_why(row.reason))
        add("")
    removed = [n for n in plan.overrides if n.action == "remove"]
    if removed:
        add("DRAWS REMOVED BY THE PRESCRIBER (NOT TO BE TAKEN)")
        for n in removed:
            add(f"  - {n.recommended_text}: removed by {n.prescriber}: {n.reason}")
        add("")
    add("HOLD RULES")
    for line in plan.hold_rules:
        add(f"  - {line.text}")
        add(_why(line.reason))
    add("")
    add("CALL THE DOCTOR AT ONCE IF")
    for line in plan.escalation:
        add(f"  - {line.text}")
        add(_why(line.reason))
    add("")
    if plan.warnings:
        add("WARNINGS")
        for w in plan.warnings:
            add(f"  [{w.level}] {w.text}")
            add(_why(w.reason))
        add("")
    if plan.followups:
        add("RESULTS SINCE THE FIRST DOSE")
        for fu in plan.followups:
            add(
                f"  {when(fu.sampled_at)} ({clock(fu.sampled_at)}, "
                f"+{fu.hours_after_first_dose:.0f} h) "
                f"{fu.analyte} {fu.text}: {fu.band_label}"
            )
        add("")
    add("SOURCES")
    for ref in plan.references:
        add(f"  {ref.key} (grade {ref.grade or 'local policy'}): {ref.title} {ref.url}".rstrip())
    return "\n".join(out) + "\n"
