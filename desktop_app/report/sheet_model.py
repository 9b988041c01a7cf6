"""The order sheet's content model: the section kinds and headings, and the type of every printed line.

Pure Python (no reportlab, no Qt): `desktop_app.report.content` fills these types from a Plan,
the renderer lays them out, and the lint uses the same section headings to know which rules
apply where.
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: How an override's reason is printed at the line it changes. A reason is prose, not an order
#: (issue 17 item 5: "a reason needs no units"): the lint exempts its numbers from FMT-04 only.
REASON_OPEN = "Reason: "
REASON_CLOSE = ". The protocol's recommendation is listed with the sources."


def reason_sentence(reason: str) -> str:
    """Return the sentence that prints an override's reason beside the line it changes."""
    return f"{REASON_OPEN}{reason.rstrip('.')}{REASON_CLOSE}"


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
