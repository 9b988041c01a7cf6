"""Defects the safety campaigns found in code this helper does not own, pinned as strict xfails.

Each test states the safe behaviour. It fails today (so it is marked xfail, strict), and it will
pass once the defect is fixed; strict xfail then turns the pass into a failure, which tells the
fixer to remove the marker (and the matching entry in tests/safety/invariants.py KNOWN_DEFECTS,
so the campaigns enforce the invariant again). The hazard log cites each one as an open anomaly.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError, PlanFileError
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.logic.helpers import FIRST, NOW, base_case, inputs, lab, proto

WHO = {"reason": "Fewer blood tests", "prescriber": "Dr Rivera", "confirmed_outside_band": True}


def _file(mutate: Any) -> bytes:
    case = base_case()
    mutate(case)
    return json.dumps(case).encode()


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-1 plan files: pydantic lax mode coerces JSON true to 1.0 (a potassium of 1.0 mmol/L "
    "gives an IV potassium order); fix: validate plan files strictly (model_validate_json(strict=True))",
)
@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value=True)),
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value="4.2")),
        ("labs.potassium.sampled_at", lambda c: c["labs"]["potassium"].update(sampled_at=1764140400)),
        ("patient.date_of_birth", lambda c: c["patient"].update(date_of_birth=0)),
        ("modifiers.dialysis", lambda c: c["modifiers"].update(dialysis="no")),
    ],
    ids=["bool-as-lab-value", "string-as-lab-value", "number-as-sample-time", "number-as-date-of-birth",
         "string-as-flag"],
)
def test_plan_file_values_of_the_wrong_json_type_are_refused(where: str, mutate: Any) -> None:
    with pytest.raises((InputError, PlanFileError)) as info:
        parse_plan_bytes(_file(mutate))
    assert where in str(info.value)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="DEFECT-2 overrides: moving the 48-hour potassium draw earlier and removing the later ones "
    "ends potassium monitoring before the label's 48 hours (CLN-06); each override alone is allowed",
)
def test_overrides_cannot_end_potassium_monitoring_before_the_label_window() -> None:
    ovs = [
        {"target": "draw", "action": "move", "draw_hours": 48, "new_hours": 30, **WHO},
        {"target": "draw", "action": "remove", "draw_hours": 120, **WHO},
    ]
    try:
        plan = evaluate(proto(), inputs(overrides=ovs), now=NOW)
    except InputError as exc:
        assert "48" in str(exc)
        return
    k_draws = [d.at for d in plan.schedule if "potassium" in d.tests]
    assert max(k_draws) >= FIRST + timedelta(hours=48), [d.hours_after_first_dose for d in plan.schedule]


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="DEFECT-3 engine: with no usable potassium result the plan still orders Phosphate Sandoz "
    "(adds 9 mmol potassium a day) automatically; an override doing the same is refused "
    "('cannot be ordered before potassium is known')",
)
@pytest.mark.parametrize(
    "k_lab",
    [None, lab(4.0, "mmol/L", FIRST - timedelta(hours=30))],
    ids=["no-potassium", "stale-potassium"],
)
def test_no_potassium_containing_phosphate_without_a_usable_potassium(k_lab: Any) -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": k_lab, "phosphate": lab(0.4, "mmol/L")}), now=NOW)
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.potassium_per_day == 0 or po4.kind not in ("oral", "iv"), po4.text
