"""Unit conversion and plausibility, from the protocol's one table of factors (CLN-05, CLN-07)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from desktop_app.logic.errors import FieldProblem
from desktop_app.logic.protocol import Analyte, AnalyteSpec, Protocol
from desktop_app.logic.textfmt import num


@dataclass(frozen=True)
class CanonicalLab:
    """A lab value in the canonical unit, with what was entered."""

    analyte: Analyte
    value: float
    unit: str
    sampled_at: datetime
    entered_value: float
    entered_unit: str


def to_canonical(spec: AnalyteSpec, value: float, unit: str) -> float:
    """Convert a value in `unit` to the canonical unit."""
    return value * spec.factor(unit)


def from_canonical(spec: AnalyteSpec, value: float, unit: str) -> float:
    """Convert a canonical value to `unit` (for display only)."""
    return value / spec.factor(unit)


def typed_decimals(value: float) -> int:
    """Decimals a typed value was given with (at most 3)."""
    text = f"{value:.3f}".rstrip("0")
    return len(text.split(".")[1])


def shown_decimals(
    spec: AnalyteSpec, entered_value: float, entered_unit: str, shown_unit: str
) -> int:
    """Decimals a result is shown with: the laboratory's precision, in the unit shown.

    The laboratory's precision is the step of the value as typed (K 3.45: 0.01; 1.7 mg/dL of
    magnesium: 0.1 mg/dL, which is 0.04 mmol/L), carried into the unit shown, and never coarser
    than the protocol's precision for the analyte. So K 3.45 is not shown as 3.5 beside "below
    3.5", 7.99 g/dL of haemoglobin is 79.9 g/L, and 1.7 mg/dL of magnesium is 0.70 mmol/L.
    """
    typed = typed_decimals(entered_value)
    step = Decimal(1).scaleb(-typed) * Decimal(repr(spec.factor(entered_unit)))
    step /= Decimal(repr(spec.factor(shown_unit)))
    # The first decimal place that still shows the step (0.04 -> 2; 0.1 -> 1; 8.84 -> 0).
    places = max(0, -step.normalize().adjusted())
    return min(max(spec.decimals, places), 3)


def as_shown(
    spec: AnalyteSpec, canonical: float, entered_value: float, entered_unit: str, shown_unit: str
) -> float:
    """Return the canonical value of a result as it is shown (issue 15 items 8 and 10).

    Every band, flag, gate and risk factor compares this value, so a result is never handled
    on one side of a threshold while it is shown on the other (K 4.9999999999 is shown 5.0 and
    held; 1.7 mg/dL of magnesium is 0.70 mmol/L and normal). Rounded half up, as laboratories do.
    """
    decimals = shown_decimals(spec, entered_value, entered_unit, shown_unit)
    shown = Decimal(repr(from_canonical(spec, canonical, shown_unit)))
    rounded = float(shown.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    return to_canonical(spec, rounded, shown_unit)


def _plausible(spec: AnalyteSpec, canonical: float) -> bool:
    return spec.plausible_low.value <= canonical <= spec.plausible_high.value


def _suggestion(spec: AnalyteSpec, value: float, unit: str) -> str:
    """Say what the user probably meant: another unit, or a misplaced decimal point."""
    for other in spec.units:
        if other != unit and _plausible(spec, to_canonical(spec, value, other)):
            canon = to_canonical(spec, value, other)
            if other == spec.canonical_unit:
                return f" Probably entered in {other}: choose {other} as the unit."
            return (
                f" Probably entered in {other}: {num(value)} {other} = "
                f"{num(canon, spec.decimals + 1)} {spec.canonical_unit}; choose {other} as the unit."
            )
    for shifted in (value / 10, value * 10, value / 100, value * 100):
        if _plausible(spec, to_canonical(spec, shifted, unit)):
            return f" Did you mean {num(shifted, 3)} {unit}? Check the decimal point."
    return " Check the value and its unit against the laboratory report."


def check_value(
    spec: AnalyteSpec, value: float, unit: str | None, path: str
) -> tuple[float | None, FieldProblem | None]:
    """Return the canonical value, or a problem saying what is wrong and what was meant."""
    if not unit:
        return None, FieldProblem(
            f"{path}.unit",
            f"unit missing: give the unit of {spec.label.lower()} "
            f"({', '.join(spec.units)}); a value without a unit is never guessed.",
        )
    if unit not in spec.units:
        return None, FieldProblem(
            f"{path}.unit",
            f"'{unit}' is not a unit for {spec.label.lower()}; use one of {', '.join(spec.units)}.",
        )
    canonical = to_canonical(spec, value, unit)
    if not _plausible(spec, canonical):
        low = num(from_canonical(spec, spec.plausible_low.value, unit), 3)
        high = num(from_canonical(spec, spec.plausible_high.value, unit), 3)
        # The bound the value crossed is the rule cited: a high value cites the HIGH rule.
        crossed = (
            spec.plausible_high if canonical > spec.plausible_high.value else spec.plausible_low
        )
        return None, FieldProblem(
            f"{path}.value",
            f"{spec.label} {num(value, 3)} {unit} is outside the plausible range "
            f"{low} to {high} {unit} (rule {crossed.id})." + _suggestion(spec, value, unit),
        )
    return canonical, None


def accepted_units(protocol: Protocol, analyte: Analyte) -> tuple[str, ...]:
    """Return the units a field accepts, canonical first."""
    return protocol.analytes[analyte].units
