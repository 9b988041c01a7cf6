"""Names of plan lines that the screen and the order sheet both show, from one place.

The window's plan view and the sheet's content model name an electrolyte, an overridden line and
what an override did with these, so that a prescriber reads the same words on both.
"""

from __future__ import annotations

from desktop_app.logic.plan import Plan
from desktop_app.logic.textfmt import when

#: How each electrolyte heads its lines (orders, results, charts).
ELECTROLYTE_TITLES = {"potassium": "Potassium", "magnesium": "Magnesium", "phosphate": "Phosphate"}

#: What an override did to its line, as a past participle ("declined by Dr A").
OVERRIDE_ACTION_WORDS = {
    "change": "changed",
    "decline": "declined",
    "remove": "removed",
    "move": "moved",
    "add": "added",
}

#: The line an override names when the plan no longer shows it (a removed blood test).
OVERRIDE_TARGET_FALLBACK = "Blood test"


def override_action_word(action: str) -> str:
    """What an override did ('declined'); an unknown action is shown as it is."""
    return OVERRIDE_ACTION_WORDS.get(action, action)


def override_targets(plan: Plan) -> dict[int, str]:
    """Return the line each override changed, by the override's position in the inputs.

    An order is named by its electrolyte ("Potassium order"), a blood test by its time
    ("Blood test at Thu 26-Nov-2026 21:00"); an override whose line the plan no longer shows
    (a removed test) gets `OVERRIDE_TARGET_FALLBACK`.
    """
    out: dict[int, str] = {}
    for order in plan.orders_now:
        if order.override is not None:
            out[order.override.index] = f"{ELECTROLYTE_TITLES[order.electrolyte]} order"
    for draw in plan.schedule:
        if draw.override is not None:
            out[draw.override.index] = f"{OVERRIDE_TARGET_FALLBACK} at {when(draw.at)}"
    for note in plan.overrides:
        out.setdefault(note.index, OVERRIDE_TARGET_FALLBACK)
    return out
