"""Plausible dates and times: each one entered lies in the protocol's window around now.

A time far outside it is a typing slip (a wrong year, a number read as a date) and would give a
plan that looks valid for the wrong day, or no plan at all (a first dose in the year 9999 has no
draw times). The window's sizes are protocol rules marked local policy (PLAUS-TIME-BACK,
PLAUS-TIME-AHEAD, PLAUS-AGE-HIGH); the engine checks them because only it knows `now`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from desktop_app.logic.errors import FieldProblem
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, Num, Protocol
from desktop_app.logic.textfmt import num, when


def _rule(rule: Num) -> str:
    return f"rule {rule.id}" + (", local policy" if rule.local_policy else "")


def _too_early(path: str, moment: datetime, earliest: datetime, rule: Num) -> FieldProblem | None:
    if moment >= earliest:
        return None
    return FieldProblem(
        path,
        f"{when(moment)} is more than {num(rule.value)} days before now ({_rule(rule)}); "
        "check the date, the year above all",
    )


def _too_late(path: str, moment: datetime, latest: datetime, rule: Num) -> FieldProblem | None:
    if moment <= latest:
        return None
    return FieldProblem(
        path,
        f"{when(moment)} is more than {num(rule.value)} days after now ({_rule(rule)}); "
        "check the date, the year above all",
    )


def age_in_years(born: date, on: datetime) -> int:
    """Whole years from `born` to the date of `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def time_problems(proto: Protocol, inputs: PlanInputs, now: datetime) -> list[FieldProblem]:
    """Return one problem per date or time outside the plausible window around `now`."""
    bounds = proto.patient
    back, ahead = bounds.time_back_limit, bounds.time_ahead_limit
    earliest = now - timedelta(days=back.value)
    latest = now + timedelta(days=ahead.value)
    found: list[FieldProblem | None] = []
    for analyte in Analyte:
        entry = inputs.labs.get(analyte)
        if entry is not None:
            found.append(
                _too_early(f"labs.{analyte.value}.sampled_at", entry.sampled_at, earliest, back)
            )
    for i, fu in enumerate(inputs.followups):
        found.append(_too_early(f"followups[{i}].sampled_at", fu.sampled_at, earliest, back))
    for path, moment in (
        ("regimen.first_dose_at", inputs.regimen.first_dose_at),
        ("modifiers.planned_discharge_at", inputs.modifiers.planned_discharge_at),
    ):
        if moment is not None:
            found.append(
                _too_early(path, moment, earliest, back) or _too_late(path, moment, latest, ahead)
            )
    born = inputs.patient.date_of_birth
    oldest = bounds.age_plausible_high
    if born is not None and born <= now.date() and age_in_years(born, now) > oldest.value:
        found.append(
            FieldProblem(
                "patient.date_of_birth",
                f"{born.isoformat()} gives an age of {age_in_years(born, now)} years, above the "
                f"plausible {num(oldest.value)} ({_rule(oldest)}); check the year",
            )
        )
    return [p for p in found if p is not None]


__all__ = ["age_in_years", "time_problems"]
