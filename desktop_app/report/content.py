"""The order sheet's content: a Plan turned into every printed line, its section and its mark.

Pure Python (no reportlab, no Qt): tests assert this model exhaustively, the renderer lays it
out, and the lint uses the same section headings to know which rules apply where.
"""

from __future__ import annotations

from desktop_app.logic.labels import ELECTROLYTE_TITLES
from desktop_app.logic.plan import Plan
from desktop_app.logic.textfmt import hours_text, qty, when
from desktop_app.report.content_lines import (
    _band_table,
    _banner_text,
    _DrawLines,
    _grade,
    _Marks,
    _next_draws_note,
    _offset_text,
    _order_line,
    _override_lines,
    _potassium_now,
    _reason_lines,
    _removed_draw_text,
    _status_text,
    date_text,
    merge_reasons,
    override_label,
    override_mark,
    override_text,
)
from desktop_app.report.sheet_model import (
    _LEVEL_ORDER,
    _LEVEL_WORDS,
    FOOTER,
    FOOTER_MARK,
    H_ADVICE,
    H_ESCALATION,
    H_FOLLOWUPS,
    H_GATES,
    H_HOLD,
    H_MG_PO4,
    H_MONITORING,
    H_NEXT_DRAWS,
    H_ORDERS_NOW,
    H_POTASSIUM,
    H_RESULTS,
    H_RISK,
    H_SIGNOFF,
    H_SOURCES,
    H_WARNINGS,
    HEADER,
    INFO,
    NEXT_DRAWS_SHOWN,
    ORDER,
    RESULTS,
    SECTION_KINDS,
    SHEET_TITLE,
    SIGNOFF_FIELDS,
    SIGNOFF_ROLES,
    SOURCES,
    B12Info,
    BandLine,
    BandTable,
    DrawLine,
    FollowUpLine,
    FoodLine,
    FooterInfo,
    HeaderInfo,
    Mark,
    MarkedLine,
    OrderLine,
    OverrideLine,
    ReasonLine,
    ResultLine,
    RiskFactorLine,
    RiskInfo,
    RuleLine,
    SheetContent,
    SourceLine,
    WarningLine,
)


def build_content(plan: Plan) -> SheetContent:
    """Turn a Plan into the sheet's content, in printing order, with reference marks."""
    marks = _Marks()
    p = plan.protocol
    pat = plan.patient

    header = HeaderInfo(
        title=SHEET_TITLE,
        patient_name=pat.name,
        identifier=pat.identifier,
        date_of_birth=(
            f"{date_text(pat.date_of_birth)} ({plan.age_years} years)"
            if pat.date_of_birth
            else "not recorded"
        ),
        sex=pat.sex or "not recorded",
        ward=pat.ward or "not recorded",
        weight=qty(pat.weight_kg, "kg", 1) if pat.weight_kg is not None else "not recorded",
        plan_id=plan.plan_id,
        prescriber=plan.prescriber or "not recorded",
        gated=bool(plan.gates),
        not_for_clinical_use=p.not_for_clinical_use,
        not_for_clinical_use_text=_banner_text(plan),
    )
    stamp_version = f"{p.protocol_id} version {p.version}"
    stamp_hash = f"SHA-256 {p.sha256[:16]}"
    stamp_app = f"B12-K Planner {plan.app_version}"
    stamp_content = f"content SHA-256 {p.content_sha256}"
    footer = FooterInfo(
        protocol_line=(
            f"{FOOTER_MARK} {p.title} | {stamp_version} | {_status_text(plan)} | {stamp_hash}"
            f" | {stamp_content}"
        ),
        app_line=(
            f"{stamp_app} | generated {when(plan.generated_at)} "
            f"({_offset_text(plan.generated_at)}) | plan {plan.plan_id}"
        ),
        intended_use=f"Intended use: {p.intended_use}",
        stamp=(stamp_version, stamp_hash, stamp_app, stamp_content),
    )

    # Marks are handed out in printing order (sections.py): page 1 first.
    gates = tuple(MarkedLine(g.text, marks(g.reason)) for g in plan.gates)
    b = plan.b12_order
    b12 = B12Info(
        drug=b.drug,
        dose=b.dose_text,
        route=b.route,
        loading=b.loading_text,
        maintenance=b.maintenance_text,
        doses=tuple((f"Dose {d.number}", when(d.at)) for d in b.dose_times),
        mark=marks(b.reason),
    )
    basis, band_now, call_now, next_check = _potassium_now(plan, marks)
    k_now = tuple(
        _order_line(plan, o, marks) for o in plan.orders_now if o.electrolyte == "potassium"
    )
    other_now = tuple(
        _order_line(plan, o, marks) for o in plan.orders_now if o.electrolyte != "potassium"
    )
    next_line = MarkedLine(next_check, marks(plan.action_now.reason))
    draw_line = _DrawLines(plan, marks)
    upcoming = [d for d in plan.schedule if d.at >= plan.generated_at]
    next_draws = tuple(draw_line(d) for d in upcoming[:NEXT_DRAWS_SHOWN])
    hold = tuple(MarkedLine(h.text, marks(h.reason)) for h in plan.hold_rules)
    escalation = tuple(MarkedLine(e.text, marks(e.reason)) for e in plan.escalation)
    warnings = tuple(
        WarningLine(
            level=_LEVEL_WORDS[w.level],
            text=w.text,
            mark=marks(w.reason),
            danger=w.level == "danger",
        )
        for w in sorted(plan.warnings, key=lambda w: _LEVEL_ORDER[w.level])
    )
    k_table = _band_table("potassium", plan.k_bands, marks)
    other_tables = (
        _band_table("magnesium", plan.mg_bands, marks),
        _band_table("phosphate", plan.po4_bands, marks),
    )
    monitoring = tuple(draw_line(d) for d in plan.schedule)
    clock_note = (
        f"Clock times are {_offset_text(plan.first_dose_at)}, counted from the first B12 dose at "
        f"{when(plan.first_dose_at)}."
    )
    results = tuple(
        ResultLine(
            label=lab.label,
            value=lab.text,
            entered=lab.entered_text if lab.entered_text != lab.text else "",
            sampled=when(lab.sampled_at),
            flags=", ".join(lab.flags),
        )
        for lab in plan.labs
    )
    followups = tuple(
        FollowUpLine(
            label=ELECTROLYTE_TITLES[fu.analyte],
            value=fu.text,
            sampled=when(fu.sampled_at),
            after=f"+{hours_text(round(fu.hours_after_first_dose))}",
            band=fu.band_label,
        )
        for fu in plan.followups
    )
    risk_mark = marks(plan.risk.reason)
    risk = RiskInfo(
        tier_label=plan.risk.label,
        explanation=plan.risk.reason.explanation,
        mark=risk_mark,
        factors=tuple(
            RiskFactorLine(label=f.label, tier=f.tier.value, mark=marks(f.reason))
            for f in plan.risk.factors
        ),
        anaemia=MarkedLine(plan.anaemia.text, marks(plan.anaemia.reason)),
        medicines=MarkedLine(plan.medicines.text, marks(plan.medicines.reason)),
    )
    foods = tuple(FoodLine(f.name, f.portion, f.amount_text, marks(f.reason)) for f in plan.foods)
    food_note = MarkedLine(plan.food_note.text, marks(plan.food_note.reason))
    reasons = _reason_lines(plan, marks)
    sources = tuple(
        SourceLine(key=r.key, title=r.title, url=r.url, grade=_grade(r.grade))
        for r in plan.references
    )
    return SheetContent(
        header=header,
        footer=footer,
        gates=gates,
        results=results,
        followups=followups,
        risk=risk,
        warnings=warnings,
        b12=b12,
        clock_note=clock_note,
        monitoring=monitoring,
        potassium_basis=basis,
        potassium_instruction=band_now,
        potassium_call_doctor=call_now,
        next_check=next_line,
        potassium_now=k_now,
        potassium_total=f"Total potassium: {plan.potassium_per_day_text}.",
        potassium_table=k_table,
        hold_rules=hold,
        other_now=other_now,
        other_tables=other_tables,
        escalation=escalation,
        foods=foods,
        food_note=food_note,
        reasons=reasons,
        sources=sources,
        prescriber=plan.prescriber,
        overrides=_override_lines(plan),
        removed_draws=tuple(_removed_draw_text(n) for n in plan.overrides if n.action == "remove"),
        next_draws=next_draws,
        next_draws_note=_next_draws_note(len(next_draws), len(upcoming)),
    )


#: The content model's types and the line helpers stay importable from here (callers use `C.`).
__all__ = [
    "FOOTER",
    "FOOTER_MARK",
    "HEADER",
    "H_ADVICE",
    "H_ESCALATION",
    "H_FOLLOWUPS",
    "H_GATES",
    "H_HOLD",
    "H_MG_PO4",
    "H_MONITORING",
    "H_NEXT_DRAWS",
    "H_ORDERS_NOW",
    "H_POTASSIUM",
    "H_RESULTS",
    "H_RISK",
    "H_SIGNOFF",
    "H_SOURCES",
    "H_WARNINGS",
    "INFO",
    "NEXT_DRAWS_SHOWN",
    "ORDER",
    "RESULTS",
    "SECTION_KINDS",
    "SHEET_TITLE",
    "SIGNOFF_FIELDS",
    "SIGNOFF_ROLES",
    "SOURCES",
    "B12Info",
    "BandLine",
    "BandTable",
    "DrawLine",
    "FollowUpLine",
    "FoodLine",
    "FooterInfo",
    "HeaderInfo",
    "Mark",
    "MarkedLine",
    "OrderLine",
    "OverrideLine",
    "ReasonLine",
    "ResultLine",
    "RiskFactorLine",
    "RiskInfo",
    "RuleLine",
    "SheetContent",
    "SourceLine",
    "WarningLine",
    "build_content",
    "date_text",
    "merge_reasons",
    "override_label",
    "override_mark",
    "override_text",
]
