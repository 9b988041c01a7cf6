"""The versioned clinical protocol: every clinical number, each a rule with id and source."""

import hashlib
import json
import math
import re
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desktop_app.logic.approval import DRAFT, ApprovalState, check_content, content_sha256
from desktop_app.logic.errors import FieldProblem, ProtocolError, ProtocolVersionError

#: The protocol schema this program reads. A file with a newer major is refused.
PROTOCOL_SCHEMA_VERSION = "1.0.0"

#: Warning texts the engine uses; a protocol file must provide each of them.
REQUIRED_WARNINGS = frozenset(
    {
        "after_first_dose",
        "b12_missing",
        "cardiac_target",
        "digoxin",
        "discharge",
        "discharge_48h",
        "diuretic",
        "drugs_not_recorded",
        "egfr_computed",
        "folate_alone",
        "folate_low",
        "followup_iv",
        "mma_advised",
        "newer_not_used",
        "no_baseline_k",
        "normocytic",
        "oral_regimen",
        "past_window",
        "platelets_im_low",
        "platelets_im_unset",
        "platelets_route_none",
        "review_overdue",
        "stale",
        "transfusion",
    }
)

RuleId = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=40)]
SourceKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]


class Grade(StrEnum):
    """Evidence grades as defined in the clinical basis."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Analyte(StrEnum):
    """Every lab the planner reads."""

    potassium = "potassium"
    magnesium = "magnesium"
    phosphate = "phosphate"
    haemoglobin = "haemoglobin"
    mcv = "mcv"
    b12 = "b12"
    folate = "folate"
    mma = "mma"
    homocysteine = "homocysteine"
    creatinine = "creatinine"
    egfr = "egfr"
    reticulocytes = "reticulocytes"
    platelets = "platelets"


class Tier(StrEnum):
    """Risk tiers, lowest first."""

    standard = "standard"
    raised = "raised"
    high = "high"

    @property
    def rank(self) -> int:
        """Return the tier's order (standard 0, raised 1, high 2)."""
        return list(Tier).index(self)


class _Frozen(BaseModel):
    # The parts of a protocol are validated only as parts of Protocol, which builds their schema
    # into its own; building a validator and serializer for each part as well costs start-up time
    # (docs/benchmarks.md). A part used on its own (Num.model_validate, num.model_dump) is built
    # then, once.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Alternative(_Frozen):
    """A value another source gives, recorded where sources disagree."""

    value: float | None = Field(
        default=None, allow_inf_nan=False, description="The alternative number, if any."
    )
    text: str = Field(description="What the alternative source says.")
    source: SourceKey = Field(description="Reference key of the alternative.")


class Num(_Frozen):
    """One clinical number: a rule with id, value, unit, source, grade and local-policy flag."""

    id: RuleId = Field(description="Stable rule id, cited on every output line that uses it.")
    value: float = Field(description="The number, in `unit`.", allow_inf_nan=False)
    unit: str = Field(min_length=1, description="Unit of the value, written as printed.")
    source: SourceKey = Field(description="Key into the protocol's reference list.")
    grade: Grade | None = Field(
        default=None, description="Evidence grade of the source; None only for local policy."
    )
    local_policy: bool = Field(
        description="True where no A/B source gives this number and the site chose it."
    )
    note: str = Field(default="", description="Why this value was chosen.")
    alternatives: tuple[Alternative, ...] = Field(
        default=(), description="Values other sources give (disagreements)."
    )

    @model_validator(mode="after")
    def _grade_or_local(self) -> Self:
        if self.grade is None and not self.local_policy:
            raise ValueError("a rule without an evidence grade must be marked local_policy")
        return self


class NumList(_Frozen):
    """A list of clinical numbers that form one rule (for example draw times)."""

    id: RuleId
    values: tuple[Annotated[float, Field(allow_inf_nan=False)], ...] = Field(min_length=1)
    unit: str = Field(min_length=1)
    source: SourceKey
    grade: Grade | None = None
    local_policy: bool
    note: str = ""
    alternatives: tuple[Alternative, ...] = ()

    @model_validator(mode="after")
    def _grade_or_local(self) -> Self:
        if self.grade is None and not self.local_policy:
            raise ValueError("a rule without an evidence grade must be marked local_policy")
        return self


class TextRule(_Frozen):
    """A rule without a number (a hold rule, an escalation criterion, a warning text)."""

    id: RuleId
    text: str = Field(min_length=1)
    source: SourceKey
    grade: Grade | None = None
    local_policy: bool = False


class SiteNum(_Frozen):
    """A local-policy number the shipped protocol leaves unset for the site (issue 15 item 15).

    No source gives it, so it is always local policy; None means the site has not set it.
    """

    id: RuleId
    value: float | None = Field(
        default=None, allow_inf_nan=False, description="None: not set by the site."
    )
    unit: str = Field(min_length=1)
    source: SourceKey
    grade: None = None
    local_policy: Literal[True] = Field(description="Always local policy: no source gives it.")
    note: str = ""


class LabelRoutes(TextRule):
    """The routes a product's label allows for a regimen, with the label's words as `text`."""

    routes: tuple[Literal["intramuscular", "deep subcutaneous", "oral"], ...] = Field(min_length=1)


class Reference(_Frozen):
    """A source from the clinical basis."""

    title: str = Field(min_length=1)
    url: str = ""
    grade: Grade | None = Field(description="Grade per the clinical basis; None for local policy.")
    basis_section: str = Field(default="", description="Section of clinical-basis.md.")


class Approval(_Frozen):
    """Who approved this protocol for clinical use, and when, signed over the content's hash.

    A status "approved" counts only when `content_sha256` is the SHA-256 of the file's
    canonical content (logic/approval.py) and `signature` verifies with a key the workstation
    trusts (storage/keys.py); `b12k protocol approve` writes the block.
    """

    status: Literal["draft", "approved"]
    approved_by: str = ""
    role: str = Field(default="", description="The approver's role (e.g. chair of the DTC).")
    approval_date: date | None = None
    review_due: date | None = None
    content_sha256: str = Field(
        default="", description="SHA-256 (hex) of the canonical content the approval covers."
    )
    key_fingerprint: str = Field(
        default="", description="SHA-256 (hex) of the raw Ed25519 public key that signed."
    )
    signature: str = Field(
        default="", description="Ed25519 signature (base64) of the signed approval fields."
    )

    @model_validator(mode="after")
    def _approved_needs_signer(self) -> Self:
        if self.status == "approved" and (not self.approved_by or self.approval_date is None):
            raise ValueError("an approved protocol needs approved_by and approval_date")
        return self


class UnitConversion(_Frozen):
    """An accepted non-canonical unit and its factor to the canonical unit."""

    unit: str = Field(min_length=1)
    to_canonical: Num = Field(description="Multiply a value in `unit` by this to get canonical.")

    @model_validator(mode="after")
    def _positive(self) -> Self:
        _positive(self.to_canonical, f"conversion factor for {self.unit}")
        return self


def _positive(rule: Num | None, what: str) -> None:
    if rule is not None and not rule.value > 0:
        raise ValueError(f"{what} ({rule.id}) must be greater than zero")


class AnalyteSpec(_Frozen):
    """How one lab is entered, converted and checked for plausibility."""

    label: str
    canonical_unit: str
    conventional_unit: str = Field(description="Unit used for 'conventional' display.")
    conversions: tuple[UnitConversion, ...] = ()
    decimals: int = Field(ge=0, le=3, description="Reported precision, canonical unit.")
    plausible_low: Num
    plausible_high: Num

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _below(self.plausible_low, self.plausible_high, "plausible_low", "plausible_high")
        return self

    @property
    def units(self) -> tuple[str, ...]:
        """Return every accepted unit, canonical first."""
        return (self.canonical_unit, *(c.unit for c in self.conversions))

    def factor(self, unit: str) -> float:
        """Return the factor from `unit` to the canonical unit."""
        if unit == self.canonical_unit:
            return 1.0
        for conv in self.conversions:
            if conv.unit == unit:
                return conv.to_canonical.value
        raise KeyError(unit)


class Product(_Frozen):
    """An oral product from the site formulary."""

    id: RuleId
    name: str = Field(description="Generic name and strength, as printed.")
    form: str = Field(description="Dose form noun, singular (tablet, sachet).")
    form_plural: str
    potassium_per_unit: Num | None = None
    magnesium_per_unit: Num | None = None
    phosphate_per_unit: Num | None = None
    administration: str = ""

    @model_validator(mode="after")
    def _amounts_positive(self) -> Self:
        for rule in (self.potassium_per_unit, self.magnesium_per_unit, self.phosphate_per_unit):
            _positive(rule, f"product {self.id}: amount per {self.form}")
        return self


class IVProduct(_Frozen):
    """A premixed infusion from the site formulary."""

    id: RuleId
    name: str = Field(description="Generic name, premixed, as printed.")
    amount: Num = Field(description="Electrolyte amount per bag.")
    volume: Num = Field(description="Bag volume in mL.")
    diluent: str
    potassium_per_bag: Num | None = Field(
        default=None, description="Potassium the bag adds when the electrolyte is not potassium."
    )

    @model_validator(mode="after")
    def _amounts_positive(self) -> Self:
        _positive(self.amount, f"IV product {self.id}: amount")
        _positive(self.volume, f"IV product {self.id}: volume")
        return self


class OralDose(_Frozen):
    """An oral order: units per dose, times a day, and the review/stop time."""

    product: RuleId
    units_per_dose: Num
    times_per_day: Num
    review_after_hours: Num
    frequency_text: str = Field(description="Frequency as printed, e.g. 'three times daily'.")

    @model_validator(mode="after")
    def _positive_numbers(self) -> Self:
        for rule in (self.units_per_dose, self.times_per_day, self.review_after_hours):
            _positive(rule, "oral dose")
        return self


class IVDose(_Frozen):
    """An IV order: premixed bag, maximum rate, repeat and route."""

    product: RuleId
    max_rate: Num = Field(description="Maximum infusion rate, amount per hour.")
    min_duration_hours: Num | None = Field(
        default=None, description="Shortest infusion time for one bag, where the source sets one."
    )
    doses: Num | None = Field(default=None, description="Number of bags in the course.")
    interval_hours: Num | None = None
    route: str = "intravenous infusion, peripheral line"
    restriction: TextRule | None = Field(
        default=None,
        description="A restriction the source puts on its regimen, printed on every order of it.",
    )
    prescriber_review_if: tuple[Literal["cardiac_disease"], ...] = Field(
        default=(),
        description="Modifiers for which the restriction stops automatic dosing (prescriber decides).",
    )

    @model_validator(mode="after")
    def _positive_numbers(self) -> Self:
        for rule in (self.max_rate, self.min_duration_hours, self.doses, self.interval_hours):
            _positive(rule, "IV dose")
        if self.prescriber_review_if and self.restriction is None:
            raise ValueError("an IV dose with prescriber_review_if needs its restriction")
        return self


class Band(_Frozen):
    """A result band and what to do for a result in it."""

    id: RuleId
    label: str
    lower: Num | None = Field(description="Lower bound; None for the lowest band.")
    lower_inclusive: bool = Field(default=True, description="False: the band starts above `lower`.")
    action: Literal["none", "oral", "iv", "hold", "review"]
    severity: Literal["severe", "moderate", "mild", "normal", "high"]
    instruction: str = Field(description="What the nurse does, as printed.")
    oral: OralDose | None = None
    iv: IVDose | None = None
    recheck_hours: Num | None = None
    ecg: bool = False
    call_doctor: bool = False
    source: SourceKey
    grade: Grade | None = None
    local_policy: bool = False

    @model_validator(mode="after")
    def _dose_matches_action(self) -> Self:
        if self.action == "oral" and self.oral is None:
            raise ValueError("an 'oral' band needs an oral dose")
        if self.action == "iv" and self.iv is None:
            raise ValueError("an 'iv' band needs an iv dose")
        if self.action not in ("oral", "iv") and (self.oral or self.iv):
            raise ValueError(f"a '{self.action}' band must not carry a dose")
        return self


def _check_bands(bands: tuple[Band, ...], name: str) -> None:
    if not bands or bands[0].lower is not None:
        raise ValueError(f"{name}: the first band must have no lower bound")
    last = float("-inf")
    for band in bands[1:]:
        if band.lower is None:
            raise ValueError(f"{name}: only the first band may have no lower bound")
        if band.lower.value <= last:
            raise ValueError(f"{name}: bands must be in increasing order of their lower bound")
        last = band.lower.value


class PotassiumSection(_Frozen):
    """Potassium bands, products, IV limits, hold and escalation thresholds."""

    normal_low: Num
    normal_high: Num
    hold_at_or_above: Num
    reassess_at_or_above: Num
    escalate_below: Num
    ecg_below: Num
    cardiac_target_low: Num
    iv_max_peripheral_concentration: Num
    iv_ecg_monitoring_above_rate: Num
    iv_pump: str
    oral_max_single_dose: Num = Field(
        description="Largest single oral dose a prescriber may order."
    )
    oral_max_per_day: Num = Field(description="Largest oral daily total a prescriber may order.")
    products: tuple[Product, ...]
    iv_products: tuple[IVProduct, ...]
    bands: tuple[Band, ...]
    not_by_mouth_band: Band = Field(
        description="Used instead of an oral band when oral is not possible."
    )

    @model_validator(mode="after")
    def _bands_ok(self) -> Self:
        _check_bands(self.bands, "potassium.bands")
        if not (
            self.escalate_below.value
            <= self.normal_low.value
            < self.reassess_at_or_above.value
            <= self.hold_at_or_above.value
            <= self.normal_high.value
        ):
            raise ValueError(
                "potassium: need escalate_below <= normal_low < reassess_at_or_above <= "
                "hold_at_or_above <= normal_high"
            )
        for prod in self.products:
            if prod.potassium_per_unit is None:
                raise ValueError(f"potassium product {prod.id} has no potassium_per_unit")
            if prod.potassium_per_unit.value > self.oral_max_single_dose.value:
                raise ValueError(
                    f"potassium product {prod.id}: one {prod.form} holds more than the largest "
                    "single dose"
                )
        hold = self.hold_at_or_above.value
        for band, upper in zip(self.bands, [*self.bands[1:], None], strict=True):
            top = upper.lower.value if upper is not None and upper.lower is not None else None
            if band.action in ("oral", "iv") and (top is None or top > hold):
                raise ValueError(
                    f"potassium band {band.id} doses at or above the hold threshold "
                    f"({hold:g}): a dosing band must end at or below it"
                )
        return self


class ElectrolyteSection(_Frozen):
    """Magnesium or phosphate bands and products."""

    normal_low: Num
    normal_high: Num
    oral_max_per_day: Num = Field(description="Largest oral daily total a prescriber may order.")
    products: tuple[Product, ...] = ()
    iv_products: tuple[IVProduct, ...] = ()
    bands: tuple[Band, ...]
    renal_note: TextRule | None = None

    @model_validator(mode="after")
    def _bands_ok(self) -> Self:
        _check_bands(self.bands, "bands")
        _below(self.normal_low, self.normal_high, "normal_low", "normal_high")
        for prod in self.products:
            own = [r for r in (prod.magnesium_per_unit, prod.phosphate_per_unit) if r is not None]
            if not own:
                raise ValueError(f"product {prod.id} has no magnesium or phosphate amount")
            if any(r.value > self.oral_max_per_day.value for r in own):
                raise ValueError(
                    f"product {prod.id}: one {prod.form} holds more than the largest daily total"
                )
        return self


class AnaemiaSection(_Frozen):
    """WHO haemoglobin bands (g/L) for severity."""

    adult_from_age: Num
    severe_below: Num
    moderate_below: Num
    mild_below_female: Num
    mild_below_male: Num
    mcv_normal_low: Num
    mcv_normal_high: Num
    platelets_im_below: SiteNum = Field(
        description="Platelets below which intramuscular injection is flagged (local policy)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not (
            self.severe_below.value
            < self.moderate_below.value
            < min(self.mild_below_female.value, self.mild_below_male.value)
        ):
            raise ValueError(
                "anaemia: severe_below < moderate_below < mild_below_female and mild_below_male"
            )
        _below(
            self.mcv_normal_low, self.mcv_normal_high, "anaemia: mcv_normal_low", "mcv_normal_high"
        )
        return self


class PatientSection(_Frozen):
    """Plausibility of patient details printed on the sheet, and of every time entered."""

    weight_plausible_low: Num
    weight_plausible_high: Num
    age_plausible_high: Num = Field(
        description="Oldest plausible age (years): an earlier date of birth is a typing slip."
    )
    time_back_limit: Num = Field(
        description="How far before now (days) a sample, follow-up or first dose may be."
    )
    time_ahead_limit: Num = Field(
        description="How far after now (days) a first dose or planned discharge may be."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _below(
            self.weight_plausible_low,
            self.weight_plausible_high,
            "patient: weight_plausible_low",
            "weight_plausible_high",
        )
        for name, unit in (
            ("age_plausible_high", "years"),
            ("time_back_limit", "days"),
            ("time_ahead_limit", "days"),
        ):
            rule: Num = getattr(self, name)
            if rule.unit != unit or not rule.value > 0:
                raise ValueError(f"patient: {name} must be a positive number of {unit}")
        return self


def _below(low: Num, high: Num, low_name: str, high_name: str) -> None:
    if not low.value < high.value:
        raise ValueError(f"{low_name} must be below {high_name}")


class B12Section(_Frozen):
    """Serum B12 interpretation (pmol/L)."""

    deficient_below: Num
    indeterminate_below: Num
    folate_low_below: Num = Field(description="Serum folate (nmol/L) below which folate is low.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        _below(
            self.deficient_below,
            self.indeterminate_below,
            "b12: deficient_below",
            "indeterminate_below",
        )
        return self


class DrugClass(_Frozen):
    """A drug class that changes potassium, with its source."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    examples: str = ""
    source: SourceKey
    grade: Grade | None = None


class RiskFactorRule(_Frozen):
    """A risk factor the engine detects and the tier it raises the patient to."""

    id: RuleId
    kind: Literal[
        "severe_anaemia_parenteral",
        "moderate_anaemia_parenteral",
        "baseline_k_low",
        "baseline_k_missing",
        "baseline_mg_low",
        "k_lowering_drug",
        "digoxin",
        "cardiac_disease",
        "cannot_take_oral",
    ]
    label: str
    tier: Tier
    source: SourceKey
    grade: Grade | None = None
    local_policy: bool


class RiskSection(_Frozen):
    """How risk factors combine into a tier."""

    factors: tuple[RiskFactorRule, ...]
    raised_factors_for_high: Num
    tier_labels: dict[Tier, str]


class DrawTemplate(_Frozen):
    """A set of tests drawn at given hours after the first B12 dose."""

    id: RuleId
    tests: tuple[
        Literal["potassium", "magnesium", "phosphate", "fbc", "reticulocytes", "platelets"], ...
    ]
    hours: NumList
    purpose: str
    parenteral_loading_only: bool = Field(
        default=False, description="Drawn only when the regimen has parenteral loading."
    )


class MonitoringSection(_Frozen):
    """The monitoring schedule per tier and the label's minimum window."""

    label_window_hours: Num
    electrolyte_draws: dict[Tier, NumList]
    min_draws_in_label_window: Num = Field(
        description="Fewest electrolyte draws each tier must take inside the label window."
    )
    other_draws: tuple[DrawTemplate, ...]
    stale_after_hours: Num
    baseline_text: TextRule
    outpatient_text: TextRule = Field(
        description="Printed on each draw after a planned discharge: who arranges and reviews it."
    )
    # Optional, so that a site's copy (and every protocol stored in the audit register) written
    # before issue 17 still loads and reprints; without them the window shows no progress.
    result_match_hours: Num | None = Field(
        default=None,
        description="Local policy: a follow-up result counts for a scheduled draw sampled at most "
        "this many hours before or after the draw's time (issue 17 item 7). Set together with "
        "overdue_after_hours, or neither.",
    )
    overdue_after_hours: Num | None = Field(
        default=None,
        description="Local policy: a draw with no result this many hours after its time is "
        "overdue (issue 17 item 7). Set together with result_match_hours, or neither.",
    )

    @model_validator(mode="after")
    def _covers_window(self) -> Self:
        for tier in Tier:
            hours = self.electrolyte_draws.get(tier)
            if hours is None:
                raise ValueError(f"monitoring.electrolyte_draws has no schedule for tier '{tier}'")
            if max(hours.values) < self.label_window_hours.value:
                raise ValueError(
                    f"monitoring.electrolyte_draws.{tier} ends before the label window "
                    f"of {self.label_window_hours.value:g} hours"
                )
            if list(hours.values) != sorted(set(hours.values)) or min(hours.values) <= 0:
                raise ValueError(
                    f"monitoring.electrolyte_draws.{tier}: hours must be positive, "
                    "increasing and without repeats"
                )
            _check_draws_in_window(self, tier, hours)
        if (self.result_match_hours is None) != (self.overdue_after_hours is None):
            raise ValueError(
                "monitoring.result_match_hours and monitoring.overdue_after_hours go together: "
                "give both (the schedule's progress needs both) or neither"
            )
        return self


def _check_draws_in_window(mon: "MonitoringSection", tier: Tier, hours: NumList) -> None:
    """Each tier samples the label window itself, not only its end (issue 15, item 7)."""
    window = mon.label_window_hours.value
    inside = sum(1 for h in hours.values if h <= window)
    need = mon.min_draws_in_label_window
    if inside < need.value:
        raise ValueError(
            f"monitoring.electrolyte_draws.{tier} has {inside} draws inside the label window of "
            f"{window:g} hours; {need.id} asks for at least {need.value:g}"
        )


class RegimenPreset(_Frozen):
    """A B12 regimen from a named source."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    drug: str = Field(description="Generic name.")
    route: Literal["intramuscular", "deep subcutaneous", "oral"]
    dose: Num
    loading_text: str = Field(description="Loading schedule as printed.")
    maintenance_text: str
    loading_day_offsets: NumList = Field(
        description="Days after the first dose of each loading dose."
    )
    parenteral_loading: bool
    neurological: bool = False
    source: SourceKey
    grade: Grade | None = None
    local_policy: bool = False
    alternatives: tuple[Alternative, ...] = ()
    label_routes: LabelRoutes | None = Field(
        default=None, description="Routes the label allows; None: the protocol names no other."
    )


class EgfrEquation(_Frozen):
    """The 2021 CKD-EPI creatinine equation (race-free), its published constants as rules.

    eGFR = constant x min(Scr/kappa, 1)^alpha x max(Scr/kappa, 1)^exponent_above
    x age_factor^age x female_factor (women), with Scr in mg/dL.
    """

    name: str = Field(min_length=1, description="Name of the equation as printed.")
    constant: Num
    kappa_female: Num
    kappa_male: Num
    alpha_female: Num
    alpha_male: Num
    exponent_above: Num
    age_factor: Num
    female_factor: Num

    def rules(self) -> tuple[Num, ...]:
        """Return every constant of the equation (each is cited where it is used)."""
        return (
            self.constant,
            self.kappa_female,
            self.kappa_male,
            self.alpha_female,
            self.alpha_male,
            self.exponent_above,
            self.age_factor,
            self.female_factor,
        )


class RenalSection(_Frozen):
    """Renal gates."""

    egfr_review_below: Num
    egfr_renal_team_below: Num
    creatinine_review_at_or_above: Num | None = None
    egfr_from_creatinine: EgfrEquation | None = Field(
        default=None,
        description="Equation for an eGFR computed from creatinine when none is recorded.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.egfr_renal_team_below.value > self.egfr_review_below.value:
            raise ValueError(
                "gates.renal: egfr_renal_team_below must not be above egfr_review_below"
            )
        return self


class GateTexts(_Frozen):
    """The text and source of each gate."""

    age: TextRule
    renal: TextRule
    renal_team: TextRule
    renal_unknown: TextRule
    dialysis: TextRule
    oliguria: TextRule
    k_raising: TextRule
    hyperkalaemia: TextRule


class GateSection(_Frozen):
    """Gates that stop automatic dosing and require prescriber review."""

    adult_age: Num
    renal: RenalSection
    texts: GateTexts


class Food(_Frozen):
    """Potassium-rich food with approximate potassium per portion (advice)."""

    name: str
    portion: str
    potassium: Num


class Protocol(_Frozen):
    """The whole clinical protocol file."""

    model_config = ConfigDict(defer_build=False)  # validated at start: built at import

    schema_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    protocol_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    approval: Approval
    intended_use: str
    jurisdiction: str
    potassium_unit: Literal["mmol", "mEq"]
    magnesium_mEq_per_mmol: Num
    references: dict[SourceKey, Reference]
    patient: PatientSection
    analytes: dict[Analyte, AnalyteSpec]
    anaemia: AnaemiaSection
    b12: B12Section
    potassium: PotassiumSection
    magnesium: ElectrolyteSection
    phosphate: ElectrolyteSection
    risk: RiskSection
    monitoring: MonitoringSection
    gates: GateSection
    regimens: tuple[RegimenPreset, ...] = Field(min_length=1)
    default_regimen: str
    k_lowering_drugs: tuple[DrugClass, ...]
    k_raising_drugs: tuple[DrugClass, ...]
    hold_rules: tuple[TextRule, ...]
    escalation: tuple[TextRule, ...]
    warnings: dict[str, TextRule]
    foods: tuple[Food, ...]
    food_advice_source: TextRule

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        rules: dict[str, list[Any]] = {}
        sources: set[str] = set()
        _scan(self, rules, sources)
        problems = [
            *_check_sources(self, sources),
            *_check_ids(rules),
            *_check_units(self),
            *_check_weak_grades(self),
            *_check_hidden_potassium(self),
        ]
        if self.default_regimen not in {r.id for r in self.regimens}:
            problems.append(f"default_regimen '{self.default_regimen}' is not a regimen id")
        absent = sorted(REQUIRED_WARNINGS - set(self.warnings))
        if absent:
            problems.append(f"warnings: no text for {', '.join(absent)}")
        missing = [a.value for a in Analyte if a not in self.analytes]
        if missing:
            problems.append(f"analytes: no entry for {', '.join(missing)}")
        k_dose_max = self.potassium.oral_max_single_dose
        for prod in (*self.magnesium.products, *self.phosphate.products):
            if prod.potassium_per_unit and prod.potassium_per_unit.value > k_dose_max.value:
                problems.append(
                    f"{prod.id}: potassium per {prod.form} is above the largest single potassium "
                    f"dose ({k_dose_max.id})"
                )
        iv_limit = self.potassium.iv_max_peripheral_concentration.value
        for bag in self.potassium.iv_products:
            conc = bag.amount.value / (bag.volume.value / 1000.0)
            if conc > iv_limit:
                problems.append(
                    f"potassium.iv_products.{bag.id}: {conc:g} {self.potassium_unit}/L is above "
                    f"the peripheral maximum of {iv_limit:g}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # ----- lookups -------------------------------------------------------------------------

    def regimen(self, preset_id: str) -> RegimenPreset:
        """Return the regimen preset with this id."""
        for reg in self.regimens:
            if reg.id == preset_id:
                return reg
        raise KeyError(preset_id)

    def product(self, product_id: str) -> Product:
        """Return an oral product (potassium, magnesium or phosphate) by id."""
        for prod in (*self.potassium.products, *self.magnesium.products, *self.phosphate.products):
            if prod.id == product_id:
                return prod
        raise KeyError(product_id)

    def iv_product(self, product_id: str) -> IVProduct:
        """Return a premixed IV product by id."""
        for prod in (
            *self.potassium.iv_products,
            *self.magnesium.iv_products,
            *self.phosphate.iv_products,
        ):
            if prod.id == product_id:
                return prod
        raise KeyError(product_id)

    @cached_property
    def memo(self) -> dict[object, Any]:
        """A per-instance cache for objects derived only from this (frozen) protocol."""
        return {}

    @cached_property
    def rule_index(self) -> dict[str, Num | NumList | TextRule | Band | RiskFactorRule]:
        """Every rule in the file by id (computed once; the model is frozen)."""
        rules: dict[str, list[Any]] = {}
        _scan(self, rules, None)
        return {rule_id: found[0] for rule_id, found in rules.items()}

    def all_rules(self) -> dict[str, Num | NumList | TextRule | Band | RiskFactorRule]:
        """Return every rule in the file by id."""
        return dict(self.rule_index)


#: Names of each model's fields, in declaration order (read once per class; the walk is hot).
_FIELD_NAMES: dict[type[BaseModel], tuple[str, ...]] = {}


def _scan(obj: object, rules: dict[str, list[Any]], sources: set[str] | None) -> None:
    """Walk the protocol once: every rule by id, in file order with repeats, into `rules`; and,
    unless `sources` is None, every source key outside the reference list into `sources`."""
    if isinstance(obj, BaseModel):
        if isinstance(obj, Num | NumList | TextRule | Band | RiskFactorRule | SiteNum):
            rules.setdefault(obj.id, []).append(obj)
        if sources is not None:
            src = getattr(obj, "source", None)
            if isinstance(src, str):
                sources.add(src)
        cls = type(obj)
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(cls.model_fields)
        for name in names:
            _scan(getattr(obj, name), rules, None if name == "references" else sources)
    elif isinstance(obj, dict):
        for value in obj.values():
            _scan(value, rules, sources)
    elif isinstance(obj, tuple | list):
        for value in obj:
            _scan(value, rules, sources)


def _iter_sourced(obj: object, path: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(obj, BaseModel):
        src = getattr(obj, "source", None)
        if isinstance(src, str):
            out.append((path, src))
        for name in type(obj).model_fields:
            if name != "references":
                out.extend(_iter_sourced(getattr(obj, name), f"{path}.{name}" if path else name))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            out.extend(_iter_sourced(value, f"{path}.{key}"))
    elif isinstance(obj, tuple | list):
        for i, value in enumerate(obj):
            out.extend(_iter_sourced(value, f"{path}[{i}]"))
    return out


def _check_sources(proto: Protocol, sources: set[str]) -> list[str]:
    """Every source key is in the reference list; the paths are found only when one is not."""
    if sources <= proto.references.keys():
        return []
    return [
        f"{path}: source '{src}' is not in the reference list"
        for path, src in _iter_sourced(proto, "")
        if src not in proto.references
    ]


def _check_ids(rules: dict[str, list[Any]]) -> list[str]:
    """Rule ids are unique: one id may appear twice only as the very same rule."""
    return [
        f"rule id '{rule_id}' is used for {len(found)} different rules; ids must be unique"
        for rule_id, found in sorted(rules.items())
        if any(r != found[0] for r in found[1:])
    ]


#: Grades that may only locate a source (clinical basis): a number resting on one is local policy.
WEAK_GRADES = frozenset({Grade.C, Grade.D})


def _graded_rules(obj: object, path: str) -> list[tuple[str, Any]]:
    """Every part of the file that carries both a grade and a local-policy flag, with its path."""
    out: list[tuple[str, Any]] = []
    if isinstance(obj, BaseModel):
        if "grade" in type(obj).model_fields and "local_policy" in type(obj).model_fields:
            out.append((path, obj))
        for name in type(obj).model_fields:
            if name != "references":
                out.extend(_graded_rules(getattr(obj, name), f"{path}.{name}" if path else name))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            out.extend(_graded_rules(value, f"{path}.{key}"))
    elif isinstance(obj, tuple | list):
        for i, value in enumerate(obj):
            out.extend(_graded_rules(value, f"{path}[{i}]"))
    return out


def _check_weak_grades(proto: Protocol) -> list[str]:
    """A rule graded C or D, or resting on a reference graded C or D, must be local policy.

    Grade C and D sources only locate an A/B source (clinical basis); a number or text that rests
    on one alone is the site's own choice and must say so on screen and on paper (issue 15).
    """
    problems = []
    for path, rule in _graded_rules(proto, ""):
        if rule.local_policy:
            continue
        ref = proto.references.get(rule.source)
        weak = rule.grade in WEAK_GRADES or (ref is not None and ref.grade in WEAK_GRADES)
        if weak:
            grade = rule.grade if rule.grade in WEAK_GRADES else ref.grade  # type: ignore[union-attr]
            problems.append(
                f"{path} ({rule.id}): rests on a grade {grade} source ('{rule.source}') but is "
                "not marked local_policy (grade C and D sources only locate a source)"
            )
    return problems


def _check_units(proto: Protocol) -> list[str]:
    """Potassium amounts must be in the protocol's one potassium unit, never in grams."""
    unit = proto.potassium_unit
    problems = []
    for prod in proto.potassium.products:
        if prod.potassium_per_unit and prod.potassium_per_unit.unit != unit:
            problems.append(f"potassium.products.{prod.id}: potassium must be in {unit}")
    for bag in proto.potassium.iv_products:
        if bag.amount.unit != unit:
            problems.append(f"potassium.iv_products.{bag.id}: amount must be in {unit}")
    for prod in (*proto.phosphate.products, *proto.magnesium.products):
        if prod.potassium_per_unit and prod.potassium_per_unit.unit != unit:
            problems.append(f"{prod.id}: potassium must be in {unit}")
    for bag in (*proto.phosphate.iv_products, *proto.magnesium.iv_products):
        if bag.potassium_per_bag and bag.potassium_per_bag.unit != unit:
            problems.append(f"{bag.id}: potassium must be in {unit}")
    return problems


def _check_hidden_potassium(proto: Protocol) -> list[str]:
    """A magnesium or phosphate product named as a potassium salt must say how much it carries.

    Otherwise its potassium would never be counted or printed (IV potassium phosphates, issue 15).
    """
    return [
        f"{prod.id}: '{prod.name}' names potassium but gives no potassium_per_bag"
        for prod in (*proto.phosphate.iv_products, *proto.magnesium.iv_products)
        if "potassium" in prod.name.lower() and prod.potassium_per_bag is None
    ] + [
        f"{prod.id}: '{prod.name}' names potassium but gives no potassium_per_unit"
        for prod in (*proto.phosphate.products, *proto.magnesium.products)
        if "potassium" in prod.name.lower() and prod.potassium_per_unit is None
    ]


# ----- loading ---------------------------------------------------------------------------------


class LoadedProtocol(_Frozen):
    """A validated protocol together with the SHA-256 of the bytes it was read from."""

    model_config = ConfigDict(defer_build=False)

    protocol: Protocol
    sha256: str
    source_name: str
    data: bytes = Field(
        default=b"",
        repr=False,
        exclude=True,
        description="The exact bytes the protocol was read from (kept for the audit register).",
    )

    approval_state: ApprovalState = Field(
        default=DRAFT,
        description="Whether the approval counts (only after storage.keys checks the signature).",
    )

    @property
    def not_for_clinical_use(self) -> bool:
        """True unless a trusted signature approves this very content."""
        return not self.approval_state.approved

    def with_approval(self, state: ApprovalState) -> "LoadedProtocol":
        """Return this protocol with another approval state (the signature check's result)."""
        # model_construct, as in load_protocol_bytes: the protocol was validated once already.
        return LoadedProtocol.model_construct(
            protocol=self.protocol,
            sha256=self.sha256,
            source_name=self.source_name,
            data=self.data,
            approval_state=state,
        )


def _major(version: str) -> int:
    """Return the major number of an ASCII MAJOR.MINOR.PATCH version; ValueError otherwise."""
    if not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version):
        raise ValueError(version)
    return int(version.split(".", 1)[0])


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key '{key}' appears twice in one object")
        out[key] = value
    return out


def _reject_constant(name: str) -> float:
    raise ValueError(f"'{name}' is not a number this file may contain")


#: No number a plan or protocol file may hold comes near this (a technical bound, not a
#: clinical one): a larger one is refused when the file is read, before any model sees it, so a
#: number no hard limit covers cannot overflow a date or a count later.
LARGEST_FILE_NUMBER = 1e12


def _too_large() -> ValueError:
    return ValueError("a number in the file is too large to be a value this file may contain")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > LARGEST_FILE_NUMBER:
        raise _too_large()
    return value


def _bounded_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:  # longer than Python converts (sys.get_int_max_str_digits)
        digits = len(text.lstrip("-"))
        raise ValueError(
            f"a number in the file has {digits:,} digits, far too many to be a value this file "
            "may contain"
        ) from None
    if abs(value) > LARGEST_FILE_NUMBER:
        raise _too_large()
    return value


class _TooLargeMark:
    """Stands for a number too large for any file, so that its place can be named."""


_TOO_LARGE_MARK = _TooLargeMark()


def _marked_float(text: str) -> Any:
    try:
        return _finite_float(text)
    except ValueError:
        return _TOO_LARGE_MARK


def _marked_int(text: str) -> Any:
    value = int(text)  # more digits than Python converts: not marked, the whole file is refused
    return _TOO_LARGE_MARK if abs(value) > LARGEST_FILE_NUMBER else value


def _marked_paths(value: Any, path: str) -> list[str]:
    if value is _TOO_LARGE_MARK:
        return [path or "(file)"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _marked_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _marked_paths(v, f"{path}.{i}")]
    return []


def too_large_number_paths(text: str) -> list[str]:
    """Where the numbers too large for any file are ('followups.0.sampled_at'), in file order.

    Empty when the text holds none, or is not valid JSON for another reason as well.
    """
    try:
        raw = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_float=_marked_float,
            parse_int=_marked_int,
        )
    except (ValueError, RecursionError):
        return []
    return _marked_paths(raw, "")


def file_words(what: str) -> str:
    """Name a file in a sentence: 'the file corrupt.json' for a file name, 'the plan file' else."""
    return f"the file {what}" if "." in what or "/" in what else f"the {what}"


def decode_json_text(data: bytes, what: str) -> str:
    """Return the UTF-8 text of a JSON file (a byte-order mark is allowed and dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{file_words(what)} is damaged: it is not UTF-8 text (byte {exc.start})"
        ) from None


def parse_json_strict(data: bytes, what: str) -> Any:
    """Parse JSON bytes, refusing duplicate keys, NaN, Infinity and overflowing numbers.

    Raises:
        ValueError: in plain words, naming the file and the line: "the file corrupt.json is
            damaged: it is not valid JSON (line 36)".
    """
    text = decode_json_text(data, what)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{file_words(what)} is damaged: it is not valid JSON (line {exc.lineno})"
        ) from None
    except RecursionError:
        raise ValueError(
            f"{file_words(what)} is damaged: it is nested too deeply to be a valid file"
        ) from None


def validation_problems(exc: ValidationError) -> list[FieldProblem]:
    """Turn a pydantic ValidationError into field problems with dotted paths."""
    problems = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(file)"
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        problems.append(FieldProblem(path, msg))
    return problems


def load_protocol_bytes(data: bytes, source_name: str = "protocol") -> LoadedProtocol:
    """Validate protocol bytes; raise ProtocolError naming each faulty field.

    A protocol that crosses a hard limit of the program or its own maxima raises
    ProtocolLimitError (desktop_app.logic.limit_rules), a ProtocolError.
    """
    try:
        raw = parse_json_strict(data, "protocol file")
    except ValueError as exc:
        raise ProtocolError([FieldProblem("(file)", str(exc))]) from None
    if not isinstance(raw, dict):
        raise ProtocolError([FieldProblem("(file)", "the protocol must be a JSON object")])
    version = raw.get("schema_version")
    if not isinstance(version, str) or not version.count(".") == 2:
        raise ProtocolError(
            [FieldProblem("schema_version", "missing or not of the form MAJOR.MINOR.PATCH")]
        )
    try:
        major = _major(version)
    except ValueError:
        raise ProtocolError(
            [FieldProblem("schema_version", "missing or not of the form MAJOR.MINOR.PATCH")]
        ) from None
    if major > _major(PROTOCOL_SCHEMA_VERSION):
        raise ProtocolVersionError(
            [
                FieldProblem(
                    "schema_version",
                    f"this protocol was written for schema {version}; this program reads "
                    f"schema {_major(PROTOCOL_SCHEMA_VERSION)}.x. Use a newer B12-K Planner, or "
                    "a protocol file made for this version.",
                )
            ]
        )
    if major < _major(PROTOCOL_SCHEMA_VERSION):
        raise ProtocolVersionError(
            [
                FieldProblem(
                    "schema_version",
                    f"this protocol was written for schema {version}, which this program cannot "
                    f"migrate (it reads schema {_major(PROTOCOL_SCHEMA_VERSION)}.x). Rebuild the "
                    "site protocol from the shipped file.",
                )
            ]
        )
    try:
        # Strict: a JSON value of the wrong type ("5.0" for a number, 1 for true) is refused,
        # never coerced. The text was already checked for duplicate keys, NaN and overflow.
        proto = Protocol.model_validate_json(decode_json_text(data, "protocol file"), strict=True)
    except ValidationError as exc:
        raise ProtocolError(validation_problems(exc)) from None
    # The program's hard limits and the protocol's own maxima (issue 14): a protocol that crosses
    # either is refused here, so the window, the command line and the batch all refuse it.
    from desktop_app.logic.limit_rules import check_protocol_limits
    from desktop_app.logic.limits import shipped_limits

    check_protocol_limits(proto, shipped_limits())
    # Not LoadedProtocol(...): validating it would run Protocol's cross-checks a second time on
    # the protocol just validated (pydantic re-runs a model's "after" validators on an instance).
    return LoadedProtocol.model_construct(
        protocol=proto,
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=source_name,
        data=data,
        approval_state=check_content(proto.approval, content_sha256(raw)),
    )


def load_protocol_file(path: Path) -> LoadedProtocol:
    """Read and validate a protocol file; every fault becomes a ProtocolError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(
            [FieldProblem("(file)", f"cannot read {path}: {exc.strerror or exc}")]
        ) from None
    return load_protocol_bytes(data, source_name=path.name)


def protocol_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the protocol file, generated from the model."""
    return Protocol.model_json_schema()
