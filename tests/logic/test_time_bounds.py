"""Issue 16 item 2: every date and time lies in the protocol's plausible window around now."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError, ProtocolError
from desktop_app.logic.protocol import load_protocol_bytes
from tests.logic.helpers import NOW, UK, base_case, inputs, lab, proto

AHEAD = "is more than 60 days after now (rule PLAUS-TIME-AHEAD, local policy); check the date, the year above all"
BACK = "is more than 365 days before now (rule PLAUS-TIME-BACK, local policy); check the date, the year above all"


def problems(**over: Any) -> dict[str, str]:
    """Field -> message of the engine's refusal of base_case(**over) at NOW."""
    with pytest.raises(InputError) as info:
        evaluate(proto(), inputs(**over), now=NOW)
    return {p.path: p.message for p in info.value.problems}


def regimen(at: str) -> dict[str, str]:
    return {"preset_id": "oral-high-dose", "first_dose_at": at}


def test_the_window_is_in_the_protocol_as_local_policy() -> None:
    bounds = proto().protocol.patient
    assert (bounds.time_back_limit.value, bounds.time_back_limit.unit) == (365, "days")
    assert (bounds.time_ahead_limit.value, bounds.time_ahead_limit.unit) == (60, "days")
    assert (bounds.age_plausible_high.value, bounds.age_plausible_high.unit) == (125, "years")
    assert all(
        r.local_policy
        for r in (bounds.time_back_limit, bounds.time_ahead_limit, bounds.age_plausible_high)
    )


def test_a_first_dose_at_the_end_of_the_calendar_is_refused_not_a_traceback() -> None:
    assert problems(regimen=regimen("9999-12-31T20:00:00Z")) == {
        "regimen.first_dose_at": f"Fri 31-Dec-9999 20:00 {AHEAD}"
    }


def test_a_first_dose_just_inside_the_window_is_planned_and_just_outside_refused() -> None:
    edge = NOW + timedelta(days=60)
    plan = evaluate(proto(), inputs(regimen=regimen(edge.isoformat())), now=NOW)
    assert plan.schedule[0].at >= edge
    late = edge + timedelta(minutes=1)
    assert problems(regimen=regimen(late.isoformat())) == {
        "regimen.first_dose_at": f"Mon 25-Jan-2027 12:01 {AHEAD}"
    }


def test_a_first_dose_years_ago_is_refused() -> None:
    found = problems(regimen=regimen("2016-11-26T14:00:00Z"))
    assert found["regimen.first_dose_at"] == f"Sat 26-Nov-2016 14:00 {BACK}"


def test_a_lab_dated_year_one_is_refused() -> None:
    found = problems(
        labs={"potassium": lab(4.2, "mmol/L", NOW.replace(year=1, month=1, day=1, hour=0))}
    )
    assert found == {"labs.potassium.sampled_at": f"Mon 01-Jan-1 00:00 {BACK}"}


def test_a_lab_just_inside_the_window_is_used() -> None:
    drawn = NOW - timedelta(days=365)
    plan = evaluate(proto(), inputs(labs={"b12": lab(90, "pmol/L", drawn)}), now=NOW)
    assert [row for row in plan.labs if row.analyte == "b12"]  # planned, not refused
    found = problems(labs={"b12": lab(90, "pmol/L", drawn - timedelta(minutes=1))})
    assert found == {"labs.b12.sampled_at": f"Wed 26-Nov-2025 11:59 {BACK}"}


def test_a_follow_up_years_ago_is_refused() -> None:
    case = base_case(
        regimen=regimen("2024-01-01T00:00:00Z"),
        followups=[
            {
                "analyte": "potassium",
                "value": 3.9,
                "unit": "mmol/L",
                "sampled_at": "2024-01-02T00:00:00Z",
            }
        ],
    )
    from desktop_app.logic.models import PlanInputs

    with pytest.raises(InputError) as info:
        evaluate(proto(), PlanInputs.model_validate(case), now=NOW)
    found = {p.path: p.message for p in info.value.problems}
    assert found["followups[0].sampled_at"] == f"Tue 02-Jan-2024 00:00 {BACK}"
    assert found["regimen.first_dose_at"] == f"Mon 01-Jan-2024 00:00 {BACK}"


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2030-01-01T00:00:00Z", f"Tue 01-Jan-2030 00:00 {AHEAD}"),
        ("2001-01-01T00:00:00Z", f"Mon 01-Jan-2001 00:00 {BACK}"),
    ],
)
def test_a_planned_discharge_off_the_window_is_refused(at: str, message: str) -> None:
    assert problems(modifiers={"planned_discharge_at": at}) == {
        "modifiers.planned_discharge_at": message
    }


def test_a_date_of_birth_in_1800_is_refused_with_the_age_it_gives() -> None:
    assert problems(patient={"date_of_birth": "1800-01-01"}) == {
        "patient.date_of_birth": "1800-01-01 gives an age of 226 years, above the plausible 125 "
        "(rule PLAUS-AGE-HIGH, local policy); check the year"
    }


def test_the_oldest_plausible_age_is_planned() -> None:
    plan = evaluate(proto(), inputs(patient={"date_of_birth": "1900-11-27"}), now=NOW)
    assert plan.age_years == 125  # 126 tomorrow
    assert problems(patient={"date_of_birth": "1900-11-26"})["patient.date_of_birth"].startswith(
        "1900-11-26 gives an age of 126 years"
    )


@pytest.mark.parametrize(
    ("name", "unit", "value", "message"),
    [
        (
            "time_back_limit",
            "hours",
            365,
            "patient: time_back_limit must be a positive number of days",
        ),
        (
            "time_ahead_limit",
            "days",
            0,
            "patient: time_ahead_limit must be a positive number of days",
        ),
        (
            "age_plausible_high",
            "days",
            125,
            "patient: age_plausible_high must be a positive number of years",
        ),
    ],
)
def test_a_protocol_with_a_wrong_window_is_refused(
    name: str, unit: str, value: float, message: str
) -> None:
    raw = json.loads(UK.read_text(encoding="utf-8"))
    raw["patient"][name]["unit"] = unit
    raw["patient"][name]["value"] = value
    with pytest.raises(ProtocolError, match=message):
        load_protocol_bytes(json.dumps(raw).encode(), "bad window")
