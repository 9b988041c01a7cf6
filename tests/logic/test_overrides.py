"""Prescriber overrides: allowed changes, second confirmation, and refusals at protocol limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.logic.orders import frequency_text
from desktop_app.logic.plan import Plan
from desktop_app.storage.plan_files import parse_plan_bytes, plan_bytes
from tests.logic.helpers import FIRST, NOW, hours, inputs, lab, proto

WHO = {"reason": "Patient prefers fewer tablets", "prescriber": "Dr Rivera"}


def ov(**kw: Any) -> dict[str, Any]:
    return {**WHO, **kw}


def plan(overrides: list[dict[str, Any]], now: Any = NOW, **over: Any) -> Plan:
    return evaluate(proto(), inputs(overrides=overrides, **over), now=now)


def refused(overrides: list[dict[str, Any]], now: Any = NOW, **over: Any) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        plan(overrides, now=now, **over)
    assert str(info.value).startswith("These overrides are refused")
    return {p.path: p.message for p in info.value.problems}


K32 = {"labs": {"potassium": lab(3.2, "mmol/L")}}


def korder(p: Plan) -> Any:
    return next(o for o in p.orders_now if o.electrolyte == "potassium")


def test_same_dose_as_recommended_needs_no_second_confirmation() -> None:
    p = plan([ov(target="potassium", action="change", units_per_dose=2, times_per_day=3)], **K32)
    k = korder(p)
    assert k.kind == "oral" and k.text.startswith("potassium chloride")
    assert k.override is not None and not k.override.outside_band
    assert p.overrides == (k.override,)


def test_outside_band_needs_second_confirmation() -> None:
    found = refused([ov(target="potassium", action="change", units_per_dose=3)], **K32)
    assert "confirm it a second time" in found["overrides[0].confirmed_outside_band"]
    p = plan(
        [ov(target="potassium", action="change", units_per_dose=3, confirmed_outside_band=True)],
        **K32,
    )
    k = korder(p)
    assert k.daily_amount == 108 and k.override is not None and k.override.outside_band
    assert "72 mmol per day" in k.override.recommended_text
    assert k.override.reason == WHO["reason"] and k.override.prescriber == "Dr Rivera"
    assert p.potassium_per_day == 108


def test_potassium_at_or_above_hold_is_refused() -> None:
    found = refused(
        [
            ov(
                target="potassium",
                action="change",
                product_id="K-ORAL-SANDOK",
                units_per_dose=1,
                times_per_day=1,
                review_after_hours=24,
                confirmed_outside_band=True,
            )
        ],
        labs={"potassium": lab(5.0, "mmol/L")},
    )
    assert "at or above the hold threshold" in found["overrides[0].action"]
    found = refused(
        [
            ov(
                target="phosphate",
                action="change",
                product_id="PO4-ORAL-SANDOZ",
                units_per_dose=1,
                times_per_day=3,
                review_after_hours=24,
                confirmed_outside_band=True,
            )
        ],
        labs={"potassium": lab(5.2, "mmol/L")},
    )
    assert "hold threshold" in found["overrides[0].action"]


def test_no_or_stale_potassium_refuses_potassium() -> None:
    found = refused(
        [
            ov(
                target="potassium",
                action="change",
                product_id="K-ORAL-SANDOK",
                units_per_dose=1,
                times_per_day=1,
                review_after_hours=24,
                confirmed_outside_band=True,
            )
        ],
        labs={"potassium": None},
    )
    assert "no usable potassium result" in found["overrides[0].action"]
    fu = [
        {
            "analyte": "potassium",
            "value": 3.3,
            "unit": "mmol/L",
            "sampled_at": hours(20).isoformat(),
        }
    ]
    found = refused(
        [ov(target="potassium", action="change", confirmed_outside_band=True)],
        now=hours(60),
        followups=fu,
    )
    assert "no usable potassium result" in found["overrides[0].action"]


def test_oral_maximum_dose_and_daily_total() -> None:
    found = refused(
        [ov(target="potassium", action="change", units_per_dose=4, confirmed_outside_band=True)],
        **K32,
    )
    assert (
        "48 mmol in one dose is above the protocol maximum of 40 mmol"
        in found["overrides[0].units_per_dose"]
    )
    found = refused(
        [
            ov(
                target="potassium",
                action="change",
                units_per_dose=3,
                times_per_day=6,
                confirmed_outside_band=True,
            )
        ],
        **K32,
    )
    assert (
        "216 mmol per day is above the protocol maximum of 200 mmol"
        in found["overrides[0].times_per_day"]
    )


def test_iv_rate_above_maximum_is_refused_and_slower_is_allowed() -> None:
    k23 = {"labs": {"potassium": lab(2.3, "mmol/L")}}
    found = refused([ov(target="potassium", action="change", iv_rate=20)], **k23)
    assert (
        "20 mmol/hour is above the protocol maximum of 10 mmol/hour"
        in found["overrides[0].iv_rate"]
    )
    p = plan([ov(target="potassium", action="change", iv_rate=5)], **k23)
    k = korder(p)
    assert k.iv is not None and k.iv.max_rate == 5 and k.iv.max_rate_ml_per_hour == 125
    assert k.iv.min_duration_hours == 8 and k.override is not None and not k.override.outside_band


def test_iv_instead_of_oral_is_outside_band() -> None:
    p = plan(
        [
            ov(
                target="potassium",
                action="change",
                product_id="K-IV-PREMIX-40",
                confirmed_outside_band=True,
            )
        ],
        **K32,
    )
    k = korder(p)
    assert k.kind == "iv" and k.iv is not None and k.iv.max_rate == 10
    assert k.override is not None and k.override.outside_band


def test_decline() -> None:
    found = refused([ov(target="potassium", action="decline")], **K32)
    assert "overrides[0].confirmed_outside_band" in found
    p = plan([ov(target="potassium", action="decline", confirmed_outside_band=True)], **K32)
    k = korder(p)
    assert k.kind == "declined" and "DECLINED by Dr Rivera" in k.text
    assert p.potassium_per_day == 0
    found = refused([ov(target="potassium", action="decline", confirmed_outside_band=True)])
    assert found["overrides[0].action"] == "there is no potassium order to decline"


def test_gate_is_reviewed_by_a_prescriber_override() -> None:
    gated = {"labs": {"potassium": lab(3.2, "mmol/L"), "egfr": lab(25, "mL/min/1.73 m2")}}
    assert korder(plan([], **gated)).kind == "prescriber"
    found = refused([ov(target="potassium", action="change")], **gated)
    assert "overrides[0].confirmed_outside_band" in found
    p = plan(
        [
            ov(
                target="potassium",
                action="change",
                units_per_dose=1,
                times_per_day=2,
                confirmed_outside_band=True,
            )
        ],
        **gated,
    )
    assert korder(p).kind == "oral" and korder(p).daily_amount == 24
    assert p.gates


def test_order_needs_product_units_times_and_review_when_nothing_was_recommended() -> None:
    found = refused([ov(target="magnesium", action="change", confirmed_outside_band=True)])
    assert found["overrides[0].product_id"] == "name the magnesium product to order"
    found = refused([ov(target="magnesium", action="change", product_id="MG-ORAL-ASPARTATE")])
    assert found["overrides[0].units_per_dose"] == "give the number of units per dose"
    found = refused(
        [ov(target="magnesium", action="change", product_id="MG-ORAL-ASPARTATE", units_per_dose=1)]
    )
    assert found["overrides[0].times_per_day"] == "give how many times a day"
    found = refused(
        [
            ov(
                target="magnesium",
                action="change",
                product_id="MG-ORAL-ASPARTATE",
                units_per_dose=1,
                times_per_day=2,
            )
        ]
    )
    assert "review" in found["overrides[0].review_after_hours"]
    p = plan(
        [
            ov(
                target="magnesium",
                action="change",
                product_id="MG-ORAL-ASPARTATE",
                units_per_dose=1,
                times_per_day=2,
                review_after_hours=48,
                confirmed_outside_band=True,
            )
        ]
    )
    mg = next(o for o in p.orders_now if o.electrolyte == "magnesium")
    assert mg.kind == "oral" and "10 mmol (20 mEq)" in mg.text and mg.frequency == "twice daily"


def test_magnesium_daily_maximum_and_iv_product() -> None:
    found = refused(
        [
            ov(
                target="magnesium",
                action="change",
                product_id="MG-ORAL-ASPARTATE",
                units_per_dose=1,
                times_per_day=3,
                review_after_hours=48,
                confirmed_outside_band=True,
            )
        ]
    )
    assert (
        "30 mmol per day is above the protocol maximum of 24 mmol"
        in found["overrides[0].times_per_day"]
    )
    p = plan(
        [
            ov(
                target="magnesium",
                action="change",
                product_id="MG-IV-SULFATE-20",
                confirmed_outside_band=True,
            )
        ]
    )
    mg = next(o for o in p.orders_now if o.electrolyte == "magnesium")
    assert mg.kind == "iv" and mg.iv is not None and mg.iv.min_duration_hours == 3


def test_wrong_products_and_actions() -> None:
    found = refused(
        [
            ov(target="potassium", action="change", product_id="PO4-ORAL-SANDOZ"),
            ov(target="phosphate", action="move"),
            ov(target="draw", action="decline", draw_hours=24),
        ],
        **K32,
    )
    assert "'PO4-ORAL-SANDOZ' is not a potassium product" in found["overrides[0].product_id"]
    assert found["overrides[1].action"] == "'move' is not an action for an order"
    assert found["overrides[2].action"] == "'decline' is not an action for a monitoring draw"


def test_an_order_can_be_overridden_once() -> None:
    found = refused(
        [
            ov(target="potassium", action="change"),
            ov(target="potassium", action="decline", confirmed_outside_band=True),
        ],
        **K32,
    )
    assert found["overrides[1].target"] == "the potassium order is already overridden"


def test_draws_remove_move_add_change() -> None:
    assert (
        "label's 48-hour window"
        in refused([ov(target="draw", action="remove", draw_hours=48)])["overrides[0].action"]
    )
    assert (
        "there is no draw at 30 hours"
        in refused([ov(target="draw", action="remove", draw_hours=30)])["overrides[0].draw_hours"]
    )
    p = plan([ov(target="draw", action="remove", draw_hours=120, confirmed_outside_band=True)])
    assert 120 not in [d.hours_after_first_dose for d in p.schedule]
    assert p.overrides[0].action == "remove" and "+120 hours" in p.overrides[0].recommended_text

    assert (
        "must stay inside"
        in refused(
            [
                ov(
                    target="draw",
                    action="move",
                    draw_hours=24,
                    new_hours=60,
                    confirmed_outside_band=True,
                )
            ]
        )["overrides[0].new_hours"]
    )
    assert "overrides[0].confirmed_outside_band" in refused(
        [ov(target="draw", action="move", draw_hours=24, new_hours=30)]
    )
    assert (
        "give the new time"
        in refused([ov(target="draw", action="move", draw_hours=24)])["overrides[0].new_hours"]
    )
    p = plan([ov(target="draw", action="move", draw_hours=24, new_hours=18)])
    moved = next(d for d in p.schedule if d.override)
    assert moved.at == FIRST + timedelta(hours=18) and not moved.override.outside_band
    assert "prescriber override" in moved.purpose

    assert (
        "always drawn with potassium"
        in refused([ov(target="draw", action="add", new_hours=30, tests=["potassium"])])[
            "overrides[0].tests"
        ]
    )
    assert (
        "give the time"
        in refused([ov(target="draw", action="add", new_hours=30)])["overrides[0].new_hours"]
    )
    p = plan(
        [
            ov(
                target="draw",
                action="add",
                new_hours=30,
                tests=["phosphate", "potassium", "magnesium"],
            )
        ]
    )
    added = next(d for d in p.schedule if d.override)
    assert added.tests == ("potassium", "magnesium", "phosphate") and added.day == 2
    assert [d.at for d in p.schedule] == sorted(d.at for d in p.schedule)

    assert (
        "always drawn with potassium"
        in refused(
            [
                ov(
                    target="draw",
                    action="change",
                    draw_hours=24,
                    tests=["potassium", "phosphate"],
                    confirmed_outside_band=True,
                )
            ]
        )["overrides[0].tests"]
    )
    assert (
        "cannot be dropped"
        in refused(
            [
                ov(
                    target="draw",
                    action="change",
                    draw_hours=24,
                    tests=["fbc"],
                    confirmed_outside_band=True,
                )
            ]
        )["overrides[0].tests"]
    )
    assert (
        "give the tests"
        in refused([ov(target="draw", action="change", draw_hours=24)])["overrides[0].tests"]
    )
    p = plan(
        [
            ov(
                target="draw",
                action="change",
                draw_hours=336,
                tests=["fbc"],
                confirmed_outside_band=True,
            )
        ]
    )
    assert next(d for d in p.schedule if d.hours_after_first_dose == 336).tests == ("fbc",)


def test_overrides_round_trip_through_the_plan_file() -> None:
    inp = inputs(
        overrides=[
            ov(target="potassium", action="change", units_per_dose=3, confirmed_outside_band=True)
        ],
        **K32,
    )
    again = parse_plan_bytes(plan_bytes(inp))
    assert again == inp
    assert evaluate(proto(), again, now=NOW) == evaluate(proto(), inp, now=NOW)


@pytest.mark.parametrize(
    ("times", "text"),
    [
        (1, "once daily"),
        (2, "twice daily"),
        (3, "three times daily"),
        (4, "four times daily"),
        (6, "6 times daily"),
        (1.5, "1.5 times daily"),
    ],
)
def test_frequency_text(times: float, text: str) -> None:
    assert frequency_text(times) == text


def test_overrides_together_cannot_end_potassium_monitoring_early() -> None:
    found = refused(
        [
            ov(target="draw", action="move", draw_hours=48, new_hours=30),
            ov(target="draw", action="remove", draw_hours=120, confirmed_outside_band=True),
            ov(target="draw", action="remove", draw_hours=168, confirmed_outside_band=True),
        ]
    )
    assert (
        "end potassium monitoring at 30 hours, before the label's 48-hour window"
        in found["overrides[2].action"]
    )
