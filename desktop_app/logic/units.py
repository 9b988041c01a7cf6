"""Unit conversion and plausibility, from the protocol's one table of factors (CLN-05, CLN-07)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
