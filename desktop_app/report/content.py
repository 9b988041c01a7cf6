"""The order sheet's content model: every printed line, its section and its reference mark.

Pure Python (no reportlab, no Qt): tests assert this model exhaustively, the renderer lays it
out, and the lint uses the same section headings to know which rules apply where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from desktop_app.logic.labels import ELECTROLYTE_TITLES, override_action_word, override_targets
from desktop_app.logic.plan import BandRow, Draw, Order, OverrideNote, Plan, Reason
from desktop_app.logic.textfmt import day_month, hours_text, qty, when

# ----- sections and their kinds (shared with the lint) ------------------------------------------

#: Kinds of text on the sheet; the lint applies a different rule set to each.
ORDER = "order"  # orders and schedules: every FMT rule applies
RESULTS = "results"  # lab results: reported precision may keep a trailing zero (FMT-01)
INFO = "info"  # risk, warnings, advice, sign-off: FMT rules except "a unit on every number"
SOURCES = "sources"  # rule values and citations (years, page numbers, URLs)
HEADER = "header"  # patient identity and page numbering, drawn on every page
FOOTER = "footer"  # provenance, drawn on every page

SHEET_TITLE = "B12 START: POTASSIUM, MAGNESIUM AND PHOSPHATE ORDER SHEET"
#: The footer's first words; the lint starts the footer section where a line begins with them.
FOOTER_MARK = "Protocol:"

H_GATES = "STOP: PRESCRIBER REVIEW REQUIRED"
# Page 1: what a nurse needs first (issue 17): the orders in force now, the next blood tests,
# the hold rules and when to call the doctor. Then the tables for later results, the full
# schedule, the results and risk behind the plan, and the reasons and sources at the back.
H_ORDERS_NOW = "ORDERS NOW"
H_NEXT_DRAWS = "NEXT BLOOD TESTS"
H_HOLD = "HOLD RULES"
H_ESCALATION = "CALL THE DOCTOR AT ONCE IF"
H_WARNINGS = "WARNINGS"
H_POTASSIUM = "POTASSIUM: WHAT TO DO FOR EACH LATER RESULT"
H_MG_PO4 = "MAGNESIUM AND PHOSPHATE: WHAT TO DO FOR EACH LATER RESULT"
H_MONITORING = "ALL BLOOD TESTS: TICK EACH ONE WHEN TAKEN"
H_RESULTS = "BASELINE RESULTS"
H_FOLLOWUPS = "RESULTS SINCE THE FIRST DOSE"
H_RISK = "RISK ASSESSMENT"
H_ADVICE = "PATIENT ADVICE (NOT AN ORDER): POTASSIUM-RICH FOODS"
H_SIGNOFF = "SIGN-OFF"
H_SOURCES = "REASONS AND SOURCES"

#: Section heading -> kind, in the order the sections are printed.
SECTION_KINDS: dict[str, str] = {
    H_GATES: ORDER,
    H_ORDERS_NOW: ORDER,
    H_NEXT_DRAWS: ORDER,
    H_HOLD: ORDER,
    H_ESCALATION: ORDER,
    H_WARNINGS: INFO,
    H_POTASSIUM: ORDER,
    H_MG_PO4: ORDER,
    H_MONITORING: ORDER,
    H_RESULTS: RESULTS,
    H_FOLLOWUPS: RESULTS,
    H_RISK: INFO,
    H_ADVICE: INFO,
    H_SIGNOFF: INFO,
    H_SOURCES: SOURCES,
}

#: How many of the next draws page 1 lists (layout, not a clinical number: every draw is in the
#: full schedule).
NEXT_DRAWS_SHOWN = 3

_LEVEL_WORDS = {"danger": "DANGER", "warning": "WARNING", "info": "NOTE"}
_LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}
#: Short analyte names for the result boxes of the monitoring table (not clinical numbers).
_RESULT_PROMPTS = {"potassium": "K", "magnesium": "Mg", "phosphate": "Phosphate"}
SIGNOFF_ROLES = ("Prescriber", "Pharmacist verification", "Nurse")
SIGNOFF_FIELDS = ("Name", "Signature", "Date and time")


# ----- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """A reference mark ("R3") printed beside a line; it resolves in the reasons list."""

    label: str
    local_policy: bool


@dataclass(frozen=True)
class MarkedLine:
    """A printed line and its reference mark."""

    text: str
    mark: Mark


@dataclass(frozen=True)
class HeaderInfo:
    """What the header of every page shows."""

    title: str
    patient_name: str
    identifier: str
    date_of_birth: str
    sex: str
    ward: str
    weight: str
    plan_id: str
    prescriber: str
    gated: bool
    not_for_clinical_use: bool
    not_for_clinical_use_text: str


@dataclass(frozen=True)
class FooterInfo:
    """What the footer of every page shows (VER-01), apart from the page number."""

    protocol_line: str
    app_line: str
    intended_use: str
    #: Strings the lint expects on every page.
    stamp: tuple[str, ...]


@dataclass(frozen=True)
class ResultLine:
    """A baseline result as printed (reported precision kept)."""

    label: str
    value: str
    entered: str
    sampled: str
    flags: str


@dataclass(frozen=True)
class FollowUpLine:
    """A result after the first dose, with its band."""

    label: str
    value: str
    sampled: str
    after: str
    band: str


@dataclass(frozen=True)
class RiskFactorLine:
    """A factor behind the risk tier."""

    label: str
    tier: str
    mark: Mark


@dataclass(frozen=True)
class RiskInfo:
    """The risk tier and the factors behind it."""

    tier_label: str
    explanation: str
    mark: Mark
    factors: tuple[RiskFactorLine, ...]
    anaemia: MarkedLine
    #: The drug list: the drugs, none, or NOT RECORDED (issue 15 item 16).
    medicines: MarkedLine | None = None


@dataclass(frozen=True)
class WarningLine:
    """A warning, its level in words (never colour alone) and its mark."""

    level: str
    text: str
    mark: Mark
    danger: bool


@dataclass(frozen=True)
class B12Info:
    """The B12 order."""

    drug: str
    dose: str
    route: str
    loading: str
    maintenance: str
    doses: tuple[tuple[str, str], ...]
    mark: Mark


@dataclass(frozen=True)
class DrawLine:
    """One row of the monitoring table."""

    when: str
    after: str
    day: str
    tests: str
    purpose: str
    #: Each purpose on its own (a purpose may itself contain "; ", e.g. an override's reason).
    purposes: tuple[str, ...]
    result_prompts: tuple[str, ...]
    before_first_dose: bool
    mark: Mark
    #: A prescriber override of this draw: its mark, what was done, by whom and why ('' if none).
    override: str = ""


@dataclass(frozen=True)
class OrderLine:
    """An order for now."""

    electrolyte: str
    text: str
    start: str
    needs_prescriber: bool
    flags: tuple[str, ...]
    mark: Mark
    #: A prescriber override of this order: its mark, what was done, by whom and why ('' if none).
    override: str = ""


@dataclass(frozen=True)
class BandLine:
    """One row of a conditional table: what to do for a later result in this band."""

    label: str
    instruction: str
    order_text: str
    flags: tuple[str, ...]
    recheck: str
    call_doctor: bool
    ecg: bool
    gated: bool
    mark: Mark


@dataclass(frozen=True)
class BandTable:
    """The conditional table for one electrolyte."""

    electrolyte: str
    title: str
    rows: tuple[BandLine, ...]


@dataclass(frozen=True)
class FoodLine:
    """A potassium-rich food (advice)."""

    name: str
    portion: str
    amount: str
    mark: Mark


@dataclass(frozen=True)
class RuleLine:
    """A rule as listed under a mark."""

    rule_id: str
    text: str
    source: str
    grade: str
    local_policy: bool


@dataclass(frozen=True)
class ReasonLine:
    """What a reference mark resolves to: rules, sources, inputs used."""

    mark: Mark
    rules: tuple[RuleLine, ...]
    sources: tuple[str, ...]
    inputs: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class SourceLine:
    """A cited source."""

    key: str
    title: str
    url: str
    grade: str


@dataclass(frozen=True)
class OverrideLine:
    """A prescriber override as listed with the sources: the line, the change, the protocol's."""

    label: str
    line: str
    change: str
    prescriber: str
    reason: str
    recommended: str
    outside_band: bool


@dataclass(frozen=True)
class SheetContent:
    """Everything the order sheet prints (the renderer decides the order; see sections.py)."""

    header: HeaderInfo
    footer: FooterInfo
    gates: tuple[MarkedLine, ...]
    results: tuple[ResultLine, ...]
    followups: tuple[FollowUpLine, ...]
    risk: RiskInfo
    warnings: tuple[WarningLine, ...]
    b12: B12Info
    clock_note: str
    monitoring: tuple[DrawLine, ...]
    potassium_basis: str
    potassium_instruction: MarkedLine | None
    potassium_call_doctor: bool
    next_check: MarkedLine
    potassium_now: tuple[OrderLine, ...]
    potassium_total: str
    potassium_table: BandTable
    hold_rules: tuple[MarkedLine, ...]
    other_now: tuple[OrderLine, ...]
    other_tables: tuple[BandTable, ...]
    escalation: tuple[MarkedLine, ...]
    foods: tuple[FoodLine, ...]
    food_note: MarkedLine
    reasons: tuple[ReasonLine, ...]
    sources: tuple[SourceLine, ...]
    prescriber: str
    #: Every prescriber override, with what the protocol recommended (printed with the sources).
    overrides: tuple[OverrideLine, ...] = ()
    #: Draws the prescriber removed, as printed under the monitoring orders.
    removed_draws: tuple[str, ...] = ()
    #: Page 1: the next draws from the time the plan was made (a few of `monitoring`).
    next_draws: tuple[DrawLine, ...] = ()
    #: Page 1: how the next draws relate to the full schedule.
    next_draws_note: str = ""

    def marked_lines(self) -> list[tuple[str, str, Mark]]:
        """Every order and schedule line with its mark, as (section, text, mark), for checks."""
        out: list[tuple[str, str, Mark]] = []
        out += [(H_GATES, g.text, g.mark) for g in self.gates]
        out.append((H_ORDERS_NOW, f"{self.b12.drug} {self.b12.dose}", self.b12.mark))
        if self.potassium_instruction is not None:
            out.append(
                (H_ORDERS_NOW, self.potassium_instruction.text, self.potassium_instruction.mark)
            )
        out += [(H_ORDERS_NOW, o.text, o.mark) for o in self.potassium_now]
        out += [(H_ORDERS_NOW, o.text, o.mark) for o in self.other_now]
        out.append((H_ORDERS_NOW, self.next_check.text, self.next_check.mark))
        out += [(H_NEXT_DRAWS, f"{d.when}: {d.tests}", d.mark) for d in self.next_draws]
        out += [(H_HOLD, h.text, h.mark) for h in self.hold_rules]
        out += [(H_ESCALATION, e.text, e.mark) for e in self.escalation]
        out += [(H_WARNINGS, w.text, w.mark) for w in self.warnings]
        out += [
            (H_POTASSIUM, f"{r.label}: {r.instruction}", r.mark) for r in self.potassium_table.rows
        ]
        for table in self.other_tables:
            out += [(H_MG_PO4, f"{r.label}: {r.instruction}", r.mark) for r in table.rows]
        out += [(H_MONITORING, f"{d.when}: {d.tests}", d.mark) for d in self.monitoring]
        out.append((H_RISK, self.risk.tier_label, self.risk.mark))
        out += [(H_RISK, f.label, f.mark) for f in self.risk.factors]
        out.append((H_RISK, self.risk.anaemia.text, self.risk.anaemia.mark))
        if self.risk.medicines is not None:
            out.append((H_RISK, self.risk.medicines.text, self.risk.medicines.mark))
        out += [(H_ADVICE, f.name, f.mark) for f in self.foods]
        out.append((H_ADVICE, self.food_note.text, self.food_note.mark))
        return out


# ----- building ---------------------------------------------------------------------------------


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
        f"Reason: {note.reason.rstrip('.')}. The protocol's recommendation is listed with the "
        "sources."
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


__all__ = [
    "OverrideLine",
    "SheetContent",
    "build_content",
    "merge_reasons",
    "override_label",
    "override_mark",
    "override_text",
]
