"""The order sheet's lines, one kind at a time: reference marks, orders, bands, reasons, overrides.

Pure Python (no reportlab, no Qt): the helpers `desktop_app.report.content.build_content`
composes into the sheet's content.
"""

from __future__ import annotations

from datetime import date, datetime

from desktop_app.logic.labels import ELECTROLYTE_TITLES, override_action_word, override_targets
from desktop_app.logic.plan import BandRow, Draw, Order, OverrideNote, Plan, Reason
from desktop_app.logic.textfmt import day_month, hours_text, when
from desktop_app.report.sheet_model import (
    _RESULT_PROMPTS,
    BandLine,
    BandTable,
    DrawLine,
    Mark,
    MarkedLine,
    OrderLine,
    OverrideLine,
    ReasonLine,
    RuleLine,
    reason_sentence,
)


class _Marks:
    """Hands out reference marks in reading order; one mark per distinct reason."""

    def __init__(self) -> None:
        self._by_reason: dict[Reason, Mark] = {}
        self.order: list[tuple[Mark, Reason]] = []

    def __call__(self, reason: Reason) -> Mark:
        mark = self._by_reason.get(reason)
        if mark is None:
            mark = Mark(label=f"R{len(self._by_reason) + 1}", local_policy=reason.local_policy)
            self._by_reason[reason] = mark
            self.order.append((mark, reason))
        return mark


def date_text(value: date) -> str:
    """Format a date unambiguously: '14-Mar-1948'."""
    return f"{day_month(value)}-{value.year}"  # type: ignore[arg-type]


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:  # pragma: no cover - the models refuse naive date-times
        return "local time"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _unit_of(text: str) -> str:
    """The unit part of a result text like '0.68 mmol/L' (the Plan has no unit field)."""
    _, _, unit = text.partition(" ")
    return unit


def _result_units(plan: Plan) -> dict[str, str]:
    units = {lab.analyte: _unit_of(lab.text) for lab in plan.labs}
    units.update({fu.analyte: _unit_of(fu.text) for fu in plan.followups})
    units["potassium"] = f"{plan.protocol.potassium_unit}/L"
    return units


def _order_flags(order: Order) -> tuple[str, ...]:
    flags: list[str] = []
    if order.iv is not None and order.iv.central_line_required:
        flags.append("CENTRAL LINE REQUIRED")
    return tuple(flags)


def override_label(note: OverrideNote) -> str:
    """Return the override's name on the sheet ('Override 1'), its position in the inputs."""
    return f"Override {note.index + 1}"


def override_mark(note: OverrideNote) -> str:
    """Return the words that mark an overridden line: which override, and if it differs."""
    label = f"PRESCRIBER OVERRIDE {note.index + 1}"
    if note.outside_band:
        return f"{label}: DIFFERS FROM THE PROTOCOL"
    return f"{label}: within the protocol's recommendation"


def override_text(note: OverrideNote) -> str:
    """Return the text printed at an overridden line: the mark, who did what, and why."""
    action = override_action_word(note.action)
    return (
        f"{override_mark(note)}. {action.capitalize()} by {note.prescriber}. "
        f"{reason_sentence(note.reason)}"
    )


def _override_lines(plan: Plan) -> tuple[OverrideLine, ...]:
    what = override_targets(plan)  # the same names as on screen
    return tuple(
        OverrideLine(
            label=override_label(n),
            line=what[n.index],
            change=override_action_word(n.action),
            prescriber=n.prescriber,
            reason=n.reason,
            recommended=n.recommended_text,
            outside_band=n.outside_band,
        )
        for n in plan.overrides
    )


def _removed_draw_text(note: OverrideNote) -> str:
    return f"NOT TO BE TAKEN: {note.recommended_text.rstrip('.')}. {override_text(note)}"


def _start_text(plan: Plan, order: Order) -> str:
    """When to start an order: at once when it is anchored to a first dose still to come.

    The engine anchors an order (and its review time) to the first dose, so two prints agree;
    an order written before that dose is still given at once (correct before B12 starts).
    """
    if not order.start_at or order.kind not in ("oral", "iv"):
        return ""
    if order.start_at == plan.first_dose_at and plan.generated_at < plan.first_dose_at:
        return f"Start at once, before the first B12 dose ({when(plan.first_dose_at)})"
    return f"Start {when(order.start_at)}"


def _order_line(plan: Plan, order: Order, marks: _Marks) -> OrderLine:
    return OrderLine(
        electrolyte=ELECTROLYTE_TITLES[order.electrolyte],
        text=order.text,
        start=_start_text(plan, order),
        needs_prescriber=order.needs_prescriber,
        flags=_order_flags(order),
        mark=marks(order.reason),
        override=override_text(order.override) if order.override is not None else "",
    )


def merge_reasons(*reasons: Reason) -> Reason:
    """One reason citing every rule, source and input of several (for a line that prints both)."""
    explanations = dict.fromkeys(r.explanation for r in reasons if r.explanation)
    return Reason(
        rule_ids=tuple(dict.fromkeys(i for r in reasons for i in r.rule_ids)),
        sources=tuple(dict.fromkeys(s for r in reasons for s in r.sources)),
        inputs=tuple(dict.fromkeys(i for r in reasons for i in r.inputs)),
        local_policy=any(r.local_policy for r in reasons),
        explanation=" ".join(explanations),
    )


def _band_line(row: BandRow, marks: _Marks) -> BandLine:
    order_text = ""
    flags: tuple[str, ...] = ()
    reason = row.reason
    if row.order is not None and not row.gated:
        order_text = row.order.text
        flags = _order_flags(row.order)
        # The printed dose comes from the order's rules: cite them on the same mark.
        reason = merge_reasons(row.reason, row.order.reason)
    return BandLine(
        label=row.label,
        instruction=row.instruction,
        order_text=order_text,
        flags=flags,
        recheck=f"within {hours_text(row.recheck_hours)}" if row.recheck_hours else "",
        call_doctor=row.call_doctor,
        ecg=row.ecg,
        gated=row.gated,
        mark=marks(reason),
    )


def _band_table(electrolyte: str, rows: tuple[BandRow, ...], marks: _Marks) -> BandTable:
    return BandTable(
        electrolyte=electrolyte,
        title=f"For each later {electrolyte} result",
        rows=tuple(_band_line(r, marks) for r in rows),
    )


def _grade(grade: object) -> str:
    return f"grade {grade}" if grade is not None else "local policy"


def _reason_lines(plan: Plan, marks: _Marks) -> tuple[ReasonLine, ...]:
    rules = {r.id: r for r in plan.rules}
    out = []
    for mark, reason in marks.order:
        rule_lines = tuple(
            RuleLine(
                rule_id=rid,
                text=rules[rid].text if rid in rules else "",
                source=rules[rid].source if rid in rules else "",
                grade=_grade(rules[rid].grade) if rid in rules else "",
                local_policy=rules[rid].local_policy if rid in rules else reason.local_policy,
            )
            for rid in reason.rule_ids
        )
        inputs = tuple(
            f"{i.name} {i.value}" + (f" (sampled {when(i.sampled_at)})" if i.sampled_at else "")
            for i in reason.inputs
        )
        out.append(
            ReasonLine(
                mark=mark,
                rules=rule_lines,
                sources=reason.sources,
                inputs=inputs,
                explanation=reason.explanation,
            )
        )
    return tuple(out)


def _row_holds(row: BandRow, value: float) -> bool:
    """Whether a value reaches a band row's lower bound."""
    if row.lower is None:
        return True
    return value >= row.lower if row.lower_inclusive else value > row.lower


def _potassium_now(plan: Plan, marks: _Marks) -> tuple[str, MarkedLine | None, bool, str]:
    """The result the potassium order is based on, what its band says, and when to check next.

    Built from the structured Plan so that the order itself is printed once only (the
    engine's action_now text repeats the order; printing both would read as two orders).
    Returns (basis, band instruction, call the doctor now?, next check).
    """
    action = plan.action_now
    if action.band_id is None:
        return "", None, False, action.text
    # The band's own label is the text of its rule entry. Band rows may share a band id (the
    # not-by-mouth band replaces both oral bands), so a row label could name the wrong band.
    band = next((r.text for r in plan.rules if r.id == action.band_id), "")
    rows = [r for r in plan.k_bands if r.band_id == action.band_id]
    later = [fu for fu in plan.followups if fu.analyte == "potassium"]
    lab = next((lab for lab in plan.labs if lab.analyte == "potassium"), None)
    if later:
        value, sampled, which, number = (
            later[-1].text,
            later[-1].sampled_at,
            "latest",
            later[-1].value,
        )
    elif lab is not None:
        value, sampled, which, number = lab.text, lab.sampled_at, "baseline", lab.value
    else:  # pragma: no cover - the engine sets band_id only from a result
        value, sampled, which, number = "", None, "", None
    # Rows may share a band id (the not-by-mouth band replaces both oral bands, and only the
    # one below the ECG threshold orders the ECG): take the row the result falls in.
    if number is not None:
        held = [r for r in rows if _row_holds(r, number)]
        rows = held[-1:] or rows
    instruction = MarkedLine(rows[0].instruction, marks(rows[0].reason)) if rows else None
    call_doctor = bool(rows) and rows[0].call_doctor
    if sampled is None:  # pragma: no cover - as above
        return "", instruction, call_doctor, action.text
    basis = f"Based on the {which} potassium result: {value}, sampled {when(sampled)}"
    basis += f"; band: {band}." if band else "."
    if action.next_check_at is None:
        return (
            basis,
            instruction,
            call_doctor,
            "No further potassium check is on this plan's schedule.",
        )
    return (
        basis,
        instruction,
        call_doctor,
        (f"Next potassium check, with magnesium and phosphate: by {when(action.next_check_at)}."),
    )


class _DrawLines:
    """One schedule row as printed; marks are handed out on the first call for a reason."""

    def __init__(self, plan: Plan, marks: _Marks) -> None:
        self.units = _result_units(plan)
        self.marks = marks

    def __call__(self, d: Draw) -> DrawLine:
        return DrawLine(
            when=when(d.at),
            after="before the first dose"
            if d.before_first_dose
            else f"+{hours_text(d.hours_after_first_dose)}",
            day=f"day {d.day}",
            tests=f"OUTPATIENT: {d.label}" if d.outpatient else d.label,
            purpose=d.purpose,
            purposes=d.purposes or (d.purpose,),
            result_prompts=tuple(
                f"{_RESULT_PROMPTS[t]} ________ {self.units.get(t, '')}".rstrip()
                for t in d.tests
                if t in _RESULT_PROMPTS
            ),
            before_first_dose=d.before_first_dose,
            mark=self.marks(d.reason),
            override=override_text(d.override) if d.override is not None else "",
        )


def _next_draws_note(shown: int, upcoming: int) -> str:
    """Page 1's line under the next draws: where the rest of the schedule is (no bare numbers)."""
    where = "with tick boxes, in the full schedule (ALL BLOOD TESTS) further on"
    if not upcoming:
        return f"No blood test is left on this plan's schedule; each is listed {where}."
    if shown < upcoming:
        return f"The next blood tests to take; every blood test is listed {where}."
    return f"Every blood test still to take; each is listed again {where}."


def _status_text(plan: Plan) -> str:
    p = plan.protocol
    key = f", key fingerprint {p.key_fingerprint}" if p.key_fingerprint else ""
    if not p.not_for_clinical_use:
        return f"{p.approval_note}{key}"
    if p.approval_state == "draft":
        approved = date_text(p.approval_date) if p.approval_date else "none"
        return f"status {p.status}, NOT APPROVED for clinical use (approval date: {approved})"
    return f"NOT APPROVED for clinical use: {p.not_approved_text}{key}"


def _banner_text(plan: Plan) -> str:
    p = plan.protocol
    if not p.not_for_clinical_use:
        return ""
    if p.approval_state == "draft":
        return (
            f"NOT FOR CLINICAL USE: protocol {p.protocol_id} version {p.version} is {p.status}, "
            "not approved by a site"
        )
    return f"NOT FOR CLINICAL USE - {p.not_approved_text}"
