"""The program's hard limits: shipped with it, never site-editable, crossed by no protocol.

Like the hard limits of a smart-pump drug library, they sit above every protocol file: a
protocol is refused on loading if a rule, band or product crosses one (`limit_rules`), and every
order the engine emits is checked against them again (`plan_limits`). The numbers live in
`resources/limits/hard-limits.json`, each with its source and grade from the clinical basis or
marked local policy with the reason; this module reads and validates that file.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desktop_app.logic.errors import FieldProblem, ProblemListError
from desktop_app.logic.protocol import (
    WEAK_GRADES,
    Alternative,
    Analyte,
    Grade,
    Reference,
    SourceKey,
    parse_json_strict,
    validation_problems,
)
from desktop_app.logic.textfmt import qty

#: The hard-limits schema this program reads.
LIMITS_SCHEMA_VERSION = "1.0.0"

#: Potassium limits that are not potassium amounts (so not written in mmol).
_NOT_AN_AMOUNT = frozenset({"mmol_per_meq", "iv_max_bag_volume"})

LimitId = Annotated[str, Field(pattern=r"^LIM-[A-Z0-9]+(-[A-Z0-9]+)*$", max_length=40)]


class LimitsFileError(ProblemListError):
    """The program's own hard-limits file is missing or damaged (reinstall the program)."""

    heading = "The program's hard-limits file is damaged; reinstall B12-K Planner"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(_Frozen):
    id: LimitId = Field(description="Stable limit id, named in every refusal.")
    source: SourceKey = Field(description="Key into the file's reference list.")
    grade: Grade | None = Field(description="Grade of the source; None only for local policy.")
    local_policy: bool = Field(description="True where no A/B source gives this limit.")
    note: str = Field(min_length=1, description="The source's words, or the local reason.")
    alternatives: tuple[Alternative, ...] = Field(default=(), description="What other sources say.")

    @model_validator(mode="after")
    def _grade_or_local(self) -> Self:
        if self.grade is None and not self.local_policy:
            raise ValueError(f"{self.id}: a limit without a grade must be marked local_policy")
        if self.grade in WEAK_GRADES and not self.local_policy:
            raise ValueError(
                f"{self.id}: a limit graded {self.grade} must be marked local_policy "
                "(grade C and D sources only locate a source)"
            )
        return self


class Limit(_Sourced):
    """One numeric hard limit: a protocol's number must stay at most / at least this."""

    bound: Literal["at_most", "at_least", "factor", "within"] = Field(
        description="at_most: the protocol's number may not exceed the value; at_least: may not "
        "fall below it; factor: a unit factor the checks use; within: must be more than `above` "
        "and at most the value."
    )
    value: float = Field(allow_inf_nan=False, description="The limit, in `unit`.")
    unit: str = Field(min_length=1, description="Unit of the value, as printed.")

    def crossed_by(self, value: float) -> bool:
        """True when `value` (in this limit's unit) crosses the limit.

        A value equal to the limit up to floating-point rounding (a rate worked out as amount
        divided by amount-over-rate) does not cross it.
        """
        if math.isclose(value, self.value):
            return False
        if self.bound == "at_most":
            return value > self.value
        return value < self.value

    @property
    def bound_text(self) -> str:
        """'at most 10 mmol/hour' and the like."""
        word = {"at_most": "at most", "at_least": "at least", "factor": ""}[self.bound]
        return f"{word} {qty(self.value, self.unit)}".strip()


class AtMost(Limit):
    """A hard maximum."""

    bound: Literal["at_most"]


class AtLeast(Limit):
    """A hard minimum."""

    bound: Literal["at_least"]


class Factor(Limit):
    """A unit factor the checks use."""

    bound: Literal["factor"]


class Within(Limit):
    """A hard range: more than `above` and at most `value` (a window that must stay open)."""

    bound: Literal["within"]
    above: float = Field(allow_inf_nan=False, description="The number must be more than this.")

    def crossed_by(self, value: float) -> bool:
        """True when `value` is at or below `above`, or above the maximum (see Limit)."""
        if value <= self.above:
            return True
        return value > self.value and not math.isclose(value, self.value)

    @property
    def bound_text(self) -> str:
        """'more than 0 hours and at most 6 hours'."""
        return f"more than {qty(self.above, self.unit)} and at most {qty(self.value, self.unit)}"


class RuleLimit(_Sourced):
    """A hard rule without a number (potassium is always drawn with magnesium and phosphate)."""

    text: str = Field(min_length=1)


class PotassiumLimits(_Frozen):
    """Potassium: IV concentration, rate, ECG rate, bag; oral dose and day; thresholds."""

    mmol_per_meq: Factor
    iv_max_concentration: AtMost
    iv_max_rate: AtMost
    iv_ecg_rate_at_most: AtMost
    iv_max_bag_volume: AtMost
    iv_max_per_day: AtMost
    oral_max_single_dose: AtMost
    oral_max_per_day: AtMost
    hold_at_most: AtMost
    normal_high_at_most: AtMost
    normal_low_at_least: AtLeast
    ecg_below_at_least: AtLeast


class MagnesiumLimits(_Frozen):
    """Magnesium IV dose and rate, oral daily total."""

    iv_max_dose: AtMost
    iv_max_rate: AtMost
    oral_max_per_day: AtMost


class PhosphateLimits(_Frozen):
    """Phosphate IV dose, rate and daily total, oral daily total."""

    iv_max_dose: AtMost
    iv_max_rate: AtMost
    iv_max_per_day: AtMost
    oral_max_per_day: AtMost


class GateLimits(_Frozen):
    """The adult age gate and the renal gates."""

    adult_age_at_least: AtLeast
    egfr_review_at_least: AtLeast
    egfr_renal_team_at_least: AtLeast
    creatinine_review_at_most: AtMost


class MonitoringLimits(_Frozen):
    """The label's monitoring window and what every potassium draw includes."""

    label_window_at_least: AtLeast
    draws_in_window_at_least: AtLeast
    potassium_with_mg_po4: RuleLimit
    result_match_within: Within = Field(
        description="How far a follow-up result may be from the draw it counts for."
    )
    overdue_within: Within = Field(description="How late a draw without a result is overdue.")


class PlausibilityLimits(_Frozen):
    """The widest plausibility range a protocol may give one analyte."""

    low_at_least: AtLeast
    high_at_most: AtMost


class PatientLimits(_Frozen):
    """The widest plausibility of the patient details."""

    weight_low_at_least: AtLeast
    weight_high_at_most: AtMost
    age_high_at_most: AtMost


class HardLimits(_Frozen):
    """The whole hard-limits file."""

    schema_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    limits_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str = Field(min_length=1)
    note: str = ""
    references: dict[SourceKey, Reference]
    potassium: PotassiumLimits
    magnesium: MagnesiumLimits
    phosphate: PhosphateLimits
    gates: GateLimits
    monitoring: MonitoringLimits
    plausibility: dict[Analyte, PlausibilityLimits]
    patient: PatientLimits

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        problems = []
        if self.schema_version.split(".")[0] != LIMITS_SCHEMA_VERSION.split(".")[0]:
            problems.append(f"schema_version {self.schema_version} is not {LIMITS_SCHEMA_VERSION}")
        seen: set[str] = set()
        for path, lim in self.all_limits():
            if lim.id in seen:
                problems.append(f"{path}: limit id '{lim.id}' is used twice")
            seen.add(lim.id)
            for src in (lim.source, *(a.source for a in lim.alternatives)):
                if src not in self.references:
                    problems.append(f"{path}: source '{src}' is not in the reference list")
            ref = self.references.get(lim.source)
            if ref is not None and ref.grade in WEAK_GRADES and not lim.local_policy:
                problems.append(
                    f"{path}: rests on a grade {ref.grade} source but is not local policy"
                )
        missing = [a.value for a in Analyte if a not in self.plausibility]
        if missing:
            problems.append(f"plausibility: no limits for {', '.join(missing)}")
        k = self.potassium
        for name in PotassiumLimits.model_fields:
            lim = getattr(k, name)
            if name not in _NOT_AN_AMOUNT and not lim.unit.startswith("mmol"):
                problems.append(f"potassium.{name}: potassium limits are written in mmol")
        if not k.mmol_per_meq.value > 0:
            problems.append("potassium.mmol_per_meq must be greater than zero")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def all_limits(self) -> list[tuple[str, Limit | RuleLimit]]:
        """Every limit with its path in the file, in file order."""
        out: list[tuple[str, Limit | RuleLimit]] = []
        for section in ("potassium", "magnesium", "phosphate", "gates", "monitoring"):
            part = getattr(self, section)
            out += [(f"{section}.{n}", getattr(part, n)) for n in type(part).model_fields]
        for analyte, pl in self.plausibility.items():
            out += [
                (f"plausibility.{analyte.value}.{n}", getattr(pl, n))
                for n in PlausibilityLimits.model_fields
            ]
        out += [(f"patient.{n}", getattr(self.patient, n)) for n in PatientLimits.model_fields]
        return out

    def by_id(self) -> dict[str, Limit | RuleLimit]:
        """Every limit by its id."""
        return {lim.id: lim for _, lim in self.all_limits()}

    def source_text(self, lim: Limit | RuleLimit) -> str:
        """Where a limit comes from, in words: the source and grade, or local policy."""
        ref = self.references[lim.source]
        if lim.local_policy and lim.grade is None:
            return f"local policy of the program: {lim.note}"
        if lim.local_policy:
            return f"local policy of the program, from {ref.title} (grade {lim.grade}): {lim.note}"
        where = f"; clinical basis section {ref.basis_section}" if ref.basis_section else ""
        return f"{ref.title}, grade {lim.grade}{where}"


def load_limits_bytes(data: bytes, what: str = "hard-limits file") -> HardLimits:
    """Validate the hard-limits bytes strictly; every fault becomes a LimitsFileError."""
    try:
        parse_json_strict(data, what)
    except ValueError as exc:
        raise LimitsFileError([FieldProblem("(file)", str(exc))]) from None
    try:
        return HardLimits.model_validate_json(data, strict=True)
    except ValidationError as exc:
        raise LimitsFileError(validation_problems(exc)) from None


def load_limits_file(path: Path) -> HardLimits:
    """Read and validate a hard-limits file; every fault becomes a LimitsFileError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LimitsFileError(
            [FieldProblem("(file)", f"cannot read {path}: {exc.strerror or exc}")]
        ) from None
    return load_limits_bytes(data)


@cache
def shipped_limits() -> HardLimits:
    """Return the program's own hard limits (read once from resources/limits/)."""
    from desktop_app.resources import HARD_LIMITS, resource_path

    return load_limits_file(resource_path(HARD_LIMITS))


def limits_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of the hard-limits file."""
    return HardLimits.model_json_schema()
