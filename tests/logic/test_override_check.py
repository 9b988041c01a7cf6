"""Trying an override on the engine: accepted, to be confirmed a second time, or refused."""

from __future__ import annotations

from desktop_app.logic.models import Override
from desktop_app.logic.override_check import check_override
from tests.logic.helpers import NOW, inputs, lab, proto

K32 = inputs(labs={"potassium": lab(3.2, "mmol/L")})
WHO = {"reason": "Patient prefers fewer tablets", "prescriber": "Dr Rivera"}


def override(**kw: object) -> Override:
    return Override.model_validate({**WHO, "target": "potassium", "action": "change", **kw})


def test_the_recommended_dose_is_accepted_with_its_plan() -> None:
    check = check_override(proto(), K32, override(units_per_dose=2, times_per_day=3), now=NOW)
    assert check.outcome == "accepted" and check.plan is not None
    assert check.index == 0 and check.inputs.overrides == (check.override,)
    assert "72 mmol per day" in check.recommended_text
    assert check.plan.overrides[0].recommended_text == check.recommended_text


def test_a_dose_outside_the_band_comes_back_confirmed_for_the_second_question() -> None:
    check = check_override(proto(), K32, override(units_per_dose=3), now=NOW)
    assert check.outcome == "confirm" and check.override.confirmed_outside_band
    assert check.plan is not None and check.plan.potassium_per_day == 108
    assert "72 mmol per day" in check.recommended_text


def test_a_limit_is_refused_in_the_engines_words_under_the_field() -> None:
    check = check_override(proto(), K32, override(units_per_dose=4), now=NOW)
    assert check.outcome == "refused" and check.plan is None
    assert "above the protocol maximum of 40 mmol" in check.field_problems()["units_per_dose"]


def test_a_limit_is_refused_at_once_without_asking_for_the_confirmation() -> None:
    check = check_override(proto(), K32, override(units_per_dose=3, times_per_day=6), now=NOW)
    assert check.outcome == "refused"
    assert "216 mmol per day" in check.field_problems()["times_per_day"]
    assert not check.override.confirmed_outside_band


def test_a_problem_elsewhere_in_the_inputs_is_listed_apart() -> None:
    bad = inputs(labs={"potassium": lab(3.2, "mmol/L")}, prescriber="Dr Test", plan_id="T-2")
    bad = bad.model_validate({**bad.model_dump(), "modifiers": {"k_raising_drugs": ["salt"]}})
    check = check_override(proto(), bad, override(action="decline"), now=NOW)
    assert check.outcome == "refused"
    assert check.field_problems()[""] == "'salt' is not a known drug class"


def test_a_change_refused_once_confirmed_is_returned_refused_with_the_confirmation() -> None:
    moved = {**WHO, "target": "draw", "action": "move", "draw_hours": 48, "new_hours": 30}
    last = {**WHO, "target": "draw", "action": "remove", "draw_hours": 168}
    before = inputs(overrides=[moved, {**last, "confirmed_outside_band": True}])
    remove = Override.model_validate(
        {**WHO, "target": "draw", "action": "remove", "draw_hours": 120}
    )
    check = check_override(proto(), before, remove, now=NOW)
    assert check.outcome == "refused" and check.override.confirmed_outside_band
    assert "end potassium monitoring at 30 hours" in check.field_problems()["action"]
