"""Trying a prescriber override on the engine before it joins the plan (Qt-free).

The window never judges an override itself: it appends the override to the inputs, re-validates
them, and lets `evaluate()` accept or refuse it. A refusal comes back with the engine's own
words; a change that is allowed but differs from the recommendation is reported as needing the
second confirmation, together with what the protocol recommended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import FieldProblem, InputError
from desktop_app.logic.models import Override, PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol

#: The field of an override that carries the second confirmation.
CONFIRM_FIELD = "confirmed_outside_band"

Outcome = Literal["accepted", "confirm", "refused"]
Target = Literal["potassium", "magnesium", "phosphate", "draw"]
Action = Literal["change", "decline", "remove", "move", "add"]


@dataclass(frozen=True)
class OverrideRequest:
    """Which line of the plan the prescriber asked to change, and how.

    A draw is named by its hours after the first dose (`draw_hours`), as the engine names it;
    an added draw has none.
    """

    target: Target
    action: Action
    draw_hours: float | None = None


@dataclass(frozen=True)
class OverrideCheck:
    """What the engine made of one more override.

    `outcome` is "accepted" (the plan is `plan`, the inputs `inputs`), "confirm" (allowed once
    confirmed: `override` and `inputs` already carry the confirmation, `recommended_text` says
    what the protocol recommended) or "refused" (`problems`, in the engine's words).
    """

    outcome: Outcome
    override: Override
    inputs: PlanInputs
    index: int
    plan: Plan | None = None
    recommended_text: str = ""
    problems: tuple[FieldProblem, ...] = ()

    def field_problems(self) -> dict[str, str]:
        """Return {field of this override: message}; other problems under '' (one text)."""
        prefix = f"overrides[{self.index}]."
        out: dict[str, list[str]] = {}
        for p in self.problems:
            key = p.path[len(prefix) :] if p.path.startswith(prefix) else ""
            out.setdefault(key, []).append(p.message)
        return {k: "\n".join(v) for k, v in out.items()}


def with_override(inputs: PlanInputs, override: Override) -> PlanInputs:
    """Return the inputs with `override` appended (re-validated, never copied unvalidated)."""
    return PlanInputs.model_validate(
        {
            **inputs.model_dump(),
            "overrides": [*(o.model_dump() for o in inputs.overrides), override.model_dump()],
        }
    )


def confirmed(override: Override) -> Override:
    """Return `override` with the second confirmation given (re-validated)."""
    return Override.model_validate({**override.model_dump(), CONFIRM_FIELD: True})


def check_override(
    lp: LoadedProtocol, inputs: PlanInputs, override: Override, *, now: datetime
) -> OverrideCheck:
    """Evaluate the inputs with `override` appended and say whether the engine takes it."""
    tried = with_override(inputs, override)
    index = len(tried.overrides) - 1
    try:
        plan = evaluate(lp, tried, now=now)
    except InputError as exc:
        problems = tuple(exc.problems)
        only_confirmation = bool(problems) and all(
            p.path == f"overrides[{index}].{CONFIRM_FIELD}" for p in problems
        )
        if only_confirmation and not override.confirmed_outside_band:
            again = check_override(lp, inputs, confirmed(override), now=now)
            if again.outcome == "accepted":
                return OverrideCheck(
                    "confirm",
                    again.override,
                    again.inputs,
                    index,
                    again.plan,
                    again.recommended_text,
                )
            return again
        return OverrideCheck("refused", override, tried, index, problems=problems)
    note = next((n for n in plan.overrides if n.index == index), None)
    return OverrideCheck(
        "accepted",
        override,
        tried,
        index,
        plan,
        note.recommended_text if note is not None else "",
    )


__all__ = [
    "CONFIRM_FIELD",
    "OverrideCheck",
    "OverrideRequest",
    "check_override",
    "confirmed",
    "with_override",
]
