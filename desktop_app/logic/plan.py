"""The Plan the engine returns: every line with its reason (rule ids, inputs used) and sources."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from desktop_app.logic.models import Patient
from desktop_app.logic.protocol import Grade, Tier

#: The electrolytes the plan orders and monitors.
Electrolyte = Literal["potassium", "magnesium", "phosphate"]
ELECTROLYTES: tuple[Electrolyte, ...] = ("potassium", "magnesium", "phosphate")
#: How loud a warning is.
WarningLevel = Literal["danger", "warning", "info"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputUsed(_Frozen):
    """One input a rule used, with its sample time where it is a lab."""

    name: str
    value: str
    sampled_at: datetime | None = None


class Reason(_Frozen):
    """Why a line says what it says: rule ids, inputs used, sources (VER-02)."""

    rule_ids: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    inputs: tuple[InputUsed, ...] = ()
    local_policy: bool = False
    explanation: str = ""


class Line(_Frozen):
    """A printed line with its reason."""

    text: str
    reason: Reason


class RiskFactor(_Frozen):
    """A factor that raised the risk tier."""

    rule_id: str
    label: str
    tier: Tier
    reason: Reason


class Risk(_Frozen):
    """The risk tier and every factor behind it."""

    tier: Tier
    label: str
    factors: tuple[RiskFactor, ...]
    reason: Reason


class OverrideNote(_Frozen):
    """A prescriber's change to a line, kept next to what the protocol recommended."""

    index: int = Field(description="Position of the override in the inputs.")
    action: str
    reason: str
    prescriber: str
    recommended_text: str = Field(description="What the protocol recommended for this line.")
    outside_band: bool = Field(description="Differs from the recommendation (second confirmation).")


class DrawResult(_Frozen):
    """A follow-up result as the schedule's progress shows it (issue 17 item 7)."""

    analyte: Electrolyte
    short_name: str = Field(description="The test as the ward writes it: K, Mg or PO4.")
    text: str = Field(description="The value and its unit as the plan shows the result.")
    sampled_at: datetime
    hours_from_draw: float | None = Field(
        default=None,
        description="Sample time minus the draw's time, in hours (None: matched to no draw).",
    )


class Draw(_Frozen):
    """One blood draw at a clock time."""

    at: datetime
    hours_after_first_dose: float
    day: int = Field(description="Day of therapy; day 1 is the day of the first dose.")
    tests: tuple[str, ...]
    label: str
    purpose: str
    before_first_dose: bool = False
    purposes: tuple[str, ...] = Field(default=(), description="Each purpose of the draw.")
    outpatient: bool = Field(
        default=False, description="After the planned discharge: an outpatient draw (item 12)."
    )
    override: OverrideNote | None = None
    reason: Reason
    results: tuple[DrawResult, ...] = Field(
        default=(), description="Follow-up results counted for this draw, by sample time."
    )
    tracked: bool = Field(
        default=False,
        description="The draw holds a test whose results are entered here (K, Mg, PO4); "
        "FBC, reticulocytes and platelets alone are not.",
    )
    done: bool = Field(
        default=False, description="Every tracked test of the draw has a result counted for it."
    )
    overdue: bool = Field(
        default=False,
        description="Not done, and its time plus the overdue grace (MON-OVERDUE-HOURS) has passed.",
    )
    progress_text: str = Field(
        default="", description="The progress as shown: the results, OVERDUE, or what is awaited."
    )


class Progress(_Frozen):
    """How far the schedule has got at the plan's `now` (issue 17 item 7)."""

    tracked: int = Field(description="Draws whose progress is shown (results entered here).")
    done: int = Field(description="Tracked draws with every tracked test resulted.")
    overdue: int = Field(description="Tracked draws overdue.")
    unmatched: tuple[DrawResult, ...] = Field(
        default=(), description="Results matched to no scheduled draw (listed, never dropped)."
    )
    shown: bool = Field(
        default=True,
        description="False: the protocol sets no matching window and grace (an older copy), so "
        "no draw is marked and `note` says why.",
    )
    note: str = Field(description="The plan-level note, e.g. '2 of 9 draws done, 1 overdue.'")
    policy: str = Field(
        default="", description="The matching window and overdue grace, marked local policy."
    )
    reason: Reason | None = Field(default=None, description="The two rules (None when not shown).")


class DoseTime(_Frozen):
    """A B12 loading dose at its date-time."""

    number: int
    at: datetime


class B12Order(_Frozen):
    """The B12 order as printed."""

    preset_id: str
    drug: str
    dose_amount: float
    dose_unit: str
    dose_text: str
    route: str
    loading_text: str
    maintenance_text: str
    dose_times: tuple[DoseTime, ...]
    parenteral_loading: bool
    text: str
    reason: Reason


class IVDetails(_Frozen):
    """Everything an IV electrolyte order must state (FMT-08, CLN-04)."""

    product: str
    amount: float
    amount_unit: str
    volume_ml: float
    concentration: float
    concentration_unit: str
    max_rate: float
    max_rate_unit: str
    max_rate_ml_per_hour: float
    min_duration_hours: float
    route: str
    pump: str
    doses: int
    interval_hours: float | None
    amount_meq: float | None = Field(
        default=None, description="Magnesium amount in mEq (valence-correct)."
    )
    continuous_ecg: bool
    central_line_required: bool


class Order(_Frozen):
    """An electrolyte order (or a decision not to give one), as printed."""

    electrolyte: Electrolyte
    kind: Literal["oral", "iv", "hold", "none", "review", "prescriber", "sample", "declined"]
    text: str
    product: str | None = None
    units_per_dose: float | None = None
    form: str | None = None
    dose_amount: float | None = None
    dose_unit: str | None = None
    times_per_day: float | None = None
    daily_amount: float | None = None
    potassium_per_day: float = 0.0
    frequency: str = ""
    route: str = ""
    start_at: datetime | None = None
    review_at: datetime | None = None
    iv: IVDetails | None = None
    band_id: str | None = None
    needs_prescriber: bool = False
    override: OverrideNote | None = None
    reason: Reason


class BandRow(_Frozen):
    """One row of the conditional table nursing follows for each later result."""

    electrolyte: Electrolyte
    band_id: str
    label: str
    lower: float | None = Field(default=None, description="Lower bound of the result band.")
    lower_inclusive: bool = Field(default=True, description="False: the band starts above `lower`.")
    instruction: str
    order: Order | None
    recheck_hours: float | None
    ecg: bool
    call_doctor: bool
    gated: bool
    reason: Reason


class Gate(_Frozen):
    """A gate that stops automatic dosing and requires prescriber review (CLN-01)."""

    rule_id: str
    text: str
    reason: Reason


class Warning(_Frozen):
    """A warning shown on screen and printed."""

    rule_id: str
    level: WarningLevel
    text: str
    reason: Reason


class LabRow(_Frozen):
    """A baseline result as displayed."""

    analyte: str
    label: str
    value: float
    text: str
    entered_text: str
    sampled_at: datetime
    flags: tuple[str, ...]


class FollowUpRow(_Frozen):
    """A result after the start, with the band it falls in."""

    analyte: Electrolyte
    value: float
    text: str
    sampled_at: datetime
    hours_after_first_dose: float
    band_id: str
    band_label: str
    severity: str


class ActionNow(_Frozen):
    """What is due now, from the latest result.

    `text` is the whole sentence (for a terminal); the parts let a renderer lay it out without
    repeating the order, which is printed once from `orders_now`.
    """

    text: str
    basis: str = Field(default="", description="The result acted on, with its time.")
    band_label: str | None = None
    instruction: str = Field(default="", description="What the band says to do.")
    band_id: str | None
    next_check_at: datetime | None
    ecg_now: bool = Field(
        default=False, description="A 12-lead ECG is due now (potassium below K-ECG-BELOW)."
    )
    reason: Reason


class AnaemiaResult(_Frozen):
    """Anaemia severity, derived (WHO) and possibly overridden."""

    severity: Literal["none", "mild", "moderate", "severe", "unknown"]
    derived: Literal["none", "mild", "moderate", "severe", "unknown"]
    overridden: bool
    text: str
    reason: Reason


class Food(_Frozen):
    """Dietary advice line."""

    name: str
    portion: str
    amount_text: str
    reason: Reason


class ReferenceEntry(_Frozen):
    """A source cited by the plan."""

    key: str
    title: str
    url: str
    grade: Grade | None


class RuleEntry(_Frozen):
    """A rule cited by the plan, with its value."""

    id: str
    text: str
    source: str
    grade: Grade | None
    local_policy: bool


class ProtocolStamp(_Frozen):
    """Which protocol made the plan (VER-01)."""

    protocol_id: str
    title: str
    version: str
    status: str
    approval_date: date | None
    approved_by: str
    sha256: str
    not_for_clinical_use: bool
    potassium_unit: str
    intended_use: str
    approval_state: str = Field(
        default="draft", description="draft, unverified, void or approved (logic/approval.py)."
    )
    approval_note: str = Field(
        default="", description="Why the protocol is or is not approved, in words."
    )
    approver_role: str = ""
    key_fingerprint: str = Field(default="", description="SHA-256 of the signing public key.")
    content_sha256: str = Field(
        default="", description="SHA-256 of the protocol's canonical content (no approval)."
    )

    @property
    def not_approved_text(self) -> str:
        """Why this protocol is not approved, in words (screen, text plan and sheet)."""
        if self.approval_state == "draft":
            return (
                f"protocol {self.protocol_id} {self.version} is a draft (no signed site approval)"
            )
        if self.approval_state == "approved":  # approved, but its review date has passed
            return (
                f"protocol {self.protocol_id} {self.version} is {self.status}: {self.approval_note}"
            )
        return self.approval_note


class Plan(_Frozen):
    """The whole plan."""

    plan_id: str
    generated_at: datetime
    app_version: str
    protocol: ProtocolStamp
    patient: Patient
    age_years: int
    prescriber: str
    first_dose_at: datetime
    labs: tuple[LabRow, ...]
    result_units: dict[str, str] = Field(
        default_factory=dict, description="Unit each analyte's results are shown in."
    )
    anaemia: AnaemiaResult
    risk: Risk
    b12_order: B12Order
    schedule: tuple[Draw, ...]
    monitoring_ends_at: datetime
    action_now: ActionNow
    orders_now: tuple[Order, ...]
    potassium_per_day: float
    potassium_per_day_text: str
    k_bands: tuple[BandRow, ...]
    mg_bands: tuple[BandRow, ...]
    po4_bands: tuple[BandRow, ...]
    medicines: Line = Field(description="The drug list: the drugs, none, or not recorded.")
    hold_rules: tuple[Line, ...]
    gates: tuple[Gate, ...]
    warnings: tuple[Warning, ...]
    escalation: tuple[Line, ...]
    foods: tuple[Food, ...]
    food_note: Line
    followups: tuple[FollowUpRow, ...]
    progress: Progress = Field(description="The schedule's progress at `generated_at`.")
    overrides: tuple[OverrideNote, ...] = Field(
        default=(), description="Every prescriber override, including removed draws."
    )
    references: tuple[ReferenceEntry, ...]
    rules: tuple[RuleEntry, ...]
