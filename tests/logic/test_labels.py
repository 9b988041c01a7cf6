"""The names the screen and the sheet share for electrolytes and overridden lines."""

from __future__ import annotations

from desktop_app.logic.engine import evaluate
from desktop_app.logic.labels import (
    ELECTROLYTE_TITLES,
    OVERRIDE_TARGET_FALLBACK,
    override_action_word,
    override_targets,
)
from desktop_app.logic.textfmt import when
from tests.logic.helpers import NOW, inputs, lab, proto

WHO = {"reason": "Patient prefers fewer tablets", "prescriber": "Dr Rivera"}


def test_each_override_is_named_by_the_line_it_changed() -> None:
    overrides = [
        {**WHO, "target": "potassium", "action": "decline", "confirmed_outside_band": True},
        {**WHO, "target": "draw", "action": "move", "draw_hours": 24, "new_hours": 18},
        {
            **WHO,
            "target": "draw",
            "action": "remove",
            "draw_hours": 120,
            "confirmed_outside_band": True,
        },
    ]
    labs = {"potassium": lab(3.2, "mmol/L")}
    plan = evaluate(proto(), inputs(overrides=overrides, labs=labs), now=NOW)
    moved = next(d for d in plan.schedule if d.override is not None)
    assert override_targets(plan) == {
        0: "Potassium order",
        1: f"Blood test at {when(moved.at)}",
        2: OVERRIDE_TARGET_FALLBACK,  # the removed test is no longer in the schedule
    }


def test_a_plan_without_overrides_names_none() -> None:
    assert override_targets(evaluate(proto(), inputs(), now=NOW)) == {}


def test_titles_and_action_words() -> None:
    assert list(ELECTROLYTE_TITLES.values()) == ["Potassium", "Magnesium", "Phosphate"]
    assert override_action_word("decline") == "declined"
    assert override_action_word("something-new") == "something-new"
