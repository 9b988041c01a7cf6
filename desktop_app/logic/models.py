"""Patient inputs: the plan file's content (what the GUI saves and the CLI reads)."""

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from desktop_app.logic.protocol import Analyte, Tier

#: The plan-input schema this program writes and reads. A file with a newer major is refused.
INPUT_SCHEMA_VERSION = "1.0.0"

#: Bidirectional controls: they make a text print in another order than it is stored and read.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Invisible joiners that a written name may need (emoji sequences, Indic and Persian scripts);
#: accepted only between two visible characters.
_JOINERS = frozenset("\u200c\u200d")


def _printable(value: str) -> str:
    """Refuse control and invisible characters: what is stored is what prints and what is read.

    Joiners (U+200C, U+200D) are part of how some names and emoji are written, so they are
    accepted between two visible characters; bidirectional overrides never are.
    """
    bad: set[str] = set()
    for i, c in enumerate(value):
        if c in _JOINERS:
            before = value[i - 1] if i > 0 else ""
            after = value[i + 1] if i + 1 < len(value) else ""
            if _visible(before) and _visible(after):
                continue
        if c in _BIDI_CONTROLS or c in _JOINERS or unicodedata.category(c).startswith("C"):
            bad.add(f"U+{ord(c):04X}")
    if bad:
        raise ValueError(
            f"contains characters that cannot be printed or seen ({', '.join(sorted(bad))}: "
            "tabs, line breaks, text-direction or other control characters); type it again on "
            "one line"
        )
    return value


def _visible(char: str) -> bool:
    return bool(char) and not unicodedata.category(char).startswith(("C", "Z"))


def _not_blank(value: str) -> str:
    """Refuse a text made only of spaces: it looks filled in on screen and is empty on paper."""
    if value and not value.strip():
        raise ValueError("holds only spaces: type the text itself")
    return value


Text = Annotated[str, Field(max_length=200), AfterValidator(_printable)]
#: A name or reason that is signed for (prescriber, clinician, reason): never only spaces. (A
#: blank patient name or identifier is left to the engine, which says it is required.)
SignedText = Annotated[Text, AfterValidator(_not_blank)]

#: ISO 8601 date-time with a clock time and a timezone (what a plan file holds). Anything else,
#: a bare number above all (which a lax parser reads as seconds since 1970), is refused.
ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_ISO_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_EXAMPLE = "2026-11-26T09:00:00+00:00"


def _iso_text(value: object) -> object:
    """Read only ISO 8601 texts (or take date-time objects built by the program)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATETIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{_quoted(value)} is not a real date-time ({exc})") from None
    if isinstance(value, str) and _ISO_LOCAL.fullmatch(value):
        raise ValueError(f"needs a timezone offset, e.g. {_EXAMPLE}")
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        raise ValueError(f"needs a clock time and a timezone offset, e.g. {_EXAMPLE}")
    raise ValueError(
        f"{_quoted(value)} is not a date-time: write it in ISO 8601 with a timezone, e.g. {_EXAMPLE}"
    )


def _iso_date_text(value: object) -> object:
    """Read only ISO 8601 dates (YYYY-MM-DD), or take date objects built by the program."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{_quoted(value)} is not a real date ({exc})") from None
    raise ValueError(f"{_quoted(value)} is not a date: write it as YYYY-MM-DD, e.g. 1948-03-14")


def _quoted(value: object) -> str:
    """Name what was found, briefly: the text itself (cut short), or what kind of JSON value."""
    if isinstance(value, str):  # cut to the length of a real date-time, so a long text stays short
        text = repr(value)
        return text if len(text) <= len(_EXAMPLE) + 2 else text[: len(_EXAMPLE)] + "…"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return f"a value of type {type(value).__name__}"


def _aware(value: datetime) -> datetime:
    """Refuse a date-time without a timezone, or one whose UTC time is off the calendar."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"needs a timezone offset, e.g. {_EXAMPLE}")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the calendar once converted to UTC") from None
    return value


AwareDateTime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_aware)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Patient(_Frozen):
    """Who the plan is for."""

    identifier: Text = Field(default="", description="Hospital number or other identifier.")
    name: Text = Field(default="", description="Full name as on the wristband.")
    date_of_birth: IsoDate | None = Field(default=None, description="Date of birth.")
    sex: Literal["female", "male", "unknown"] | None = Field(
        default=None, description="Sex used for the WHO haemoglobin bands."
    )
    weight_kg: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        default=None, description="Weight in kg (printed on the sheet)."
    )
    ward: Text = Field(default="", description="Ward or location.")


class LabEntry(_Frozen):
    """One lab result as entered: value, its unit and the sample date-time."""

    value: float = Field(allow_inf_nan=False, description="The value in `unit`, as entered.")
    unit: str | None = Field(default=None, description="Unit the value was entered in (required).")
    sampled_at: AwareDateTime = Field(description="When the sample was taken.")
    source: Text = Field(
        default="",
        description="Where the value came from, e.g. 'FHIR Observation abc' (empty: typed).",
    )


class Labs(_Frozen):
    """Baseline labs (all optional; the engine says what is missing)."""

    potassium: LabEntry | None = None
    magnesium: LabEntry | None = None
    phosphate: LabEntry | None = None
    haemoglobin: LabEntry | None = None
    mcv: LabEntry | None = None
    b12: LabEntry | None = None
    folate: LabEntry | None = None
    mma: LabEntry | None = None
    homocysteine: LabEntry | None = None
    creatinine: LabEntry | None = None
    egfr: LabEntry | None = None
    reticulocytes: LabEntry | None = None
    platelets: LabEntry | None = None

    def get(self, analyte: Analyte) -> LabEntry | None:
        """Return the entry for an analyte."""
        entry: LabEntry | None = getattr(self, analyte.value)
        return entry


class SeverityOverride(_Frozen):
    """A clinician's recorded override of the derived anaemia severity."""

    severity: Literal["none", "mild", "moderate", "severe"]
    reason: SignedText = Field(min_length=3, description="Why the derived severity is overridden.")
    clinician: SignedText = Field(min_length=2, description="Name of the clinician overriding.")


class Regimen(_Frozen):
    """The planned B12 regimen: a protocol preset and the first dose time."""

    preset_id: str = Field(default="", description="Id of a regimen preset in the protocol.")
    first_dose_at: AwareDateTime | None = Field(
        default=None, description="Planned date-time of the first B12 dose."
    )


class RiskModifiers(_Frozen):
    """Drugs and conditions that change the potassium plan."""

    k_lowering_drugs: tuple[str, ...] = Field(default=(), description="Ids from the protocol.")
    k_raising_drugs: tuple[str, ...] = Field(default=(), description="Ids from the protocol.")
    drug_list: Literal["not_recorded", "recorded"] | None = Field(
        default=None,
        description=(
            "Whether the drug list was reviewed: 'recorded' with no drug listed means none; "
            "'not_recorded' means unknown; absent (older files): see drug_list_state()."
        ),
    )
    digoxin: bool = False
    cardiac_disease: bool = Field(default=False, description="Cardiac disease or arrhythmia.")
    dialysis: bool = False
    oliguria: bool = Field(default=False, description="Low urine output.")
    cannot_take_oral: bool = Field(default=False, description="Nil by mouth or cannot swallow.")
    folic_acid_planned: bool = Field(default=False, description="Folic acid is to be given.")
    planned_discharge_at: AwareDateTime | None = None

    def drug_list_state(self) -> Literal["not_recorded", "recorded"]:
        """Return whether the drug list was recorded (a file written before `drug_list`: drugs
        listed were recorded; none listed is unknown, never "none")."""
        if self.drug_list is not None:
            return self.drug_list
        return "recorded" if (self.k_lowering_drugs or self.k_raising_drugs) else "not_recorded"


class FollowUp(_Frozen):
    """A result taken after the first dose."""

    analyte: Literal["potassium", "magnesium", "phosphate"]
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(min_length=1)
    sampled_at: AwareDateTime
    source: Text = Field(default="", description="Where the value came from (empty: typed).")


class UnusedResult(_Frozen):
    """A result that was seen but not used (preliminary, refused on import), kept to be shown.

    Issue 15 item 14: a preliminary K 2.2 after a final 3.1 must leave a trace on the plan.
    """

    analyte: Analyte
    value_text: Text = Field(description="The value and its unit as the laboratory reported them.")
    sampled_at: AwareDateTime
    why: Text = Field(description="Why it was not used, e.g. 'status preliminary'.")


class Override(_Frozen):
    """A prescriber's change to one line of the plan, with the reason and the name (issue: overrides).

    Targets: an order (`potassium`, `magnesium`, `phosphate`) or a monitoring draw (`draw`).
    Actions on an order: `change` (product, units per dose, times per day, review time, IV rate)
    or `decline`. Actions on a draw: `remove`, `move` (to `new_hours`), `add` (at `new_hours`
    with `tests`), `change` (its `tests`). Draws are named by their hours after the first dose.
    """

    target: Literal["potassium", "magnesium", "phosphate", "draw"]
    action: Literal["change", "decline", "remove", "move", "add"]
    product_id: str | None = Field(default=None, description="Protocol product id (oral or IV).")
    units_per_dose: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    times_per_day: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    review_after_hours: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    iv_rate: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        default=None, description="Infusion rate, amount per hour, in the product's unit."
    )
    draw_hours: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    new_hours: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    tests: tuple[
        Literal["potassium", "magnesium", "phosphate", "fbc", "reticulocytes", "platelets"], ...
    ] = ()
    reason: SignedText = Field(min_length=3, description="Why the prescriber changes the line.")
    prescriber: SignedText = Field(min_length=2, description="Name of the prescriber.")
    confirmed_outside_band: bool = Field(
        default=False, description="Second confirmation for a change outside the recommendation."
    )


class PlanInputs(_Frozen):
    """Everything the engine plans from; the content of a plan file."""

    schema_version: str = Field(default=INPUT_SCHEMA_VERSION, pattern=r"^\d+\.\d+\.\d+$")
    plan_id: Annotated[str, Field(max_length=64), AfterValidator(_printable)] = Field(
        default="", description="Stable id of this plan."
    )
    patient: Patient = Patient()
    labs: Labs = Labs()
    severity_override: SeverityOverride | None = None
    regimen: Regimen = Regimen()
    modifiers: RiskModifiers = RiskModifiers()
    followups: tuple[FollowUp, ...] = ()
    overrides: tuple[Override, ...] = ()
    unused_results: tuple[UnusedResult, ...] = Field(
        default=(), description="Results seen but not used (shown on the plan, never acted on)."
    )
    prescriber: SignedText = Field(default="", description="Prescriber name printed on the sheet.")


__all__ = [
    "INPUT_SCHEMA_VERSION",
    "ISO_DATETIME",
    "Analyte",
    "FollowUp",
    "LabEntry",
    "Labs",
    "Override",
    "Patient",
    "PlanInputs",
    "Regimen",
    "RiskModifiers",
    "SeverityOverride",
    "Tier",
    "UnusedResult",
]
