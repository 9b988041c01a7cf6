"""The engine's second line of defence: a plan that would cross a hard limit is never returned.

A protocol that crosses a limit cannot be loaded, so these tests build one past the loader (as a
bug in the loader, or a protocol object made in code, would) and show that `evaluate` still
stops with PlanLimitError naming the limit. Prescriber overrides are bound by the same limits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.logic.limit_rules import protocol_limit_problems
from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.models import Override
from desktop_app.logic.orders import bags_per_day
from desktop_app.logic.override_check import check_override
from desktop_app.logic.plan_limits import PlanLimitError, plan_limit_problems
from desktop_app.logic.protocol import LoadedProtocol, Protocol
from tests.logic.helpers import NOW, UK, US, inputs, lab, proto
from tests.logic.test_limits_protocol import (
    Raw,
    egfr_gates,
    hold_with_edges,
    iv_k_phosphate,
    iv_rate,
    mild_tablets,
    raw_of,
    set_rule,
)


def bypass(path: Path, mutate: Callable[[Raw], None]) -> LoadedProtocol:
    """A protocol that crosses a hard limit, built past the loader that would refuse it."""
    raw = raw_of(path)
    mutate(raw)
    data = json.dumps(raw).encode()
    p = Protocol.model_validate_json(data, strict=True)
    assert protocol_limit_problems(p, shipped_limits()), "the mutation must cross a limit"
    return LoadedProtocol.model_construct(
        protocol=p, sha256=hashlib.sha256(data).hexdigest(), source_name="bypass", data=data
    )


def refused(lp: LoadedProtocol, **case: Any) -> str:
    with pytest.raises(PlanLimitError) as info:
        evaluate(lp, inputs(**case), now=NOW)
    assert isinstance(info.value, InputError)  # shown by the window, CLI and batch as such
    return str(info.value)


def test_an_iv_rate_above_the_limit_never_reaches_a_plan() -> None:
    text = refused(bypass(UK, iv_rate(100)), labs={"potassium": lab(2.2, "mmol/L")})
    assert "maximum rate 100 mmol/hour is above the hard limit LIM-K-IV-RATE" in text
    assert "not shown or printed" in text
    # Above the ECG rate too: the order does not ask for ECG because the protocol's own ECG
    # rate was raised with it.
    lp = bypass(
        UK,
        lambda raw: (
            iv_rate(30)(raw),
            set_rule("potassium", "iv_ecg_monitoring_above_rate", value=50)(raw),
        ),
    )
    text = refused(lp, labs={"potassium": lab(2.2, "mmol/L")})
    assert "above LIM-K-IV-ECG-RATE (at most 20 mmol/hour) but the order does not ask" in text


def test_ten_sando_k_three_times_daily_never_reaches_a_plan() -> None:
    text = refused(bypass(UK, mild_tablets(10)), labs={"potassium": lab(3.2, "mmol/L")})
    assert "one dose of 120 mmol is above the protocol's own maximum K-ORAL-MAX-DOSE" in text
    assert "one dose of 120 mmol is above the hard limit LIM-K-ORAL-DOSE" in text
    assert "a daily total of 360 mmol is above the hard limit LIM-K-ORAL-DAY" in text
    # The conditional table nurses follow carries the same order: it is checked as well.
    assert "plan.k_bands.K-BAND-MILD" in text


def test_the_band_table_is_checked_even_when_the_order_now_is_fine() -> None:
    text = refused(bypass(UK, mild_tablets(10)), labs={"potassium": lab(4.2, "mmol/L")})
    assert "plan.k_bands.K-BAND-MILD" in text and "plan.orders_now" not in text


def test_a_raised_hold_never_lets_potassium_run_on_unheld() -> None:
    lp = bypass(UK, hold_with_edges(8))
    text = refused(lp, labs={"potassium": lab(6.5, "mmol/L")})
    assert "at or above the hard hold LIM-K-HOLD (5 mmol/L), but the plan does not hold" in text
    # Nor is a phosphate product that carries potassium given at that potassium.
    text = refused(lp, labs={"potassium": lab(6.5, "mmol/L"), "phosphate": lab(0.4, "mmol/L")})
    assert "Phosphate Sandoz) carries potassium, but potassium is 6.5 mmol/L" in text
    # Magnesium sulfate carries none: its IV order is not refused for the potassium.
    text = refused(lp, labs={"potassium": lab(6.5, "mmol/L"), "magnesium": lab(0.3, "mmol/L")})
    assert "does not hold" in text and "magnesium sulfate" not in text


def test_a_child_never_gets_an_automatic_dose() -> None:
    lp = bypass(UK, set_rule("gates", "adult_age", value=0))
    text = refused(
        lp,
        patient={"date_of_birth": date(2026, 11, 1).isoformat()},
        labs={"potassium": lab(3.2, "mmol/L")},
    )
    assert "would be given automatically although age 0 years is below LIM-ADULT-AGE" in text


def test_renal_impairment_never_gets_an_automatic_dose() -> None:
    lp = bypass(US, egfr_gates(0))
    text = refused(
        lp,
        labs={"potassium": lab(3.2, "mmol/L"), "egfr": lab(12, "mL/min/1.73 m2")},
        regimen={"preset_id": "us-oral-2mg"},
    )
    assert "eGFR 12 mL/min/1.73 m2 is below LIM-EGFR-REVIEW" in text


def test_the_potassium_of_an_iv_phosphate_is_checked() -> None:
    lp = bypass(UK, iv_k_phosphate(29.4))
    text = refused(lp, labs={"phosphate": lab(0.2, "mmol/L")})
    assert "potassium concentration 58.8 mmol/L is above the hard limit LIM-K-IV-CONC" in text


def test_magnesium_and_phosphate_iv_doses_and_rates_are_checked() -> None:
    def fast(raw: Raw) -> None:
        for name in ("magnesium", "phosphate"):
            raw[name]["iv_products"][0]["amount"]["value"] = 40
            raw[name]["bands"][0]["iv"]["max_rate"]["value"] = 40
            raw[name]["bands"][0]["iv"]["min_duration_hours"]["value"] = 1

    text = refused(
        bypass(UK, fast),
        labs={"magnesium": lab(0.3, "mmol/L"), "phosphate": lab(0.2, "mmol/L")},
    )
    for part in (
        "amount per bag 40 mmol is above the hard limit LIM-MG-IV-DOSE",
        "rate of one bag 40 mmol/hour is above the hard limit LIM-MG-IV-RATE",
        "amount per bag 40 mmol is above the hard limit LIM-PO4-IV-DOSE",
        "phosphate in 24 hours 80 mmol is above the hard limit LIM-PO4-IV-DAY",
    ):
        assert part in text


def test_the_monitoring_window_and_potassium_with_magnesium_are_checked() -> None:
    def short(raw: Raw) -> None:
        mon = raw["monitoring"]
        mon["label_window_hours"]["value"] = 12
        mon["min_draws_in_label_window"]["value"] = 1
        for hours in mon["electrolyte_draws"].values():
            hours["values"] = [12]
        mon["other_draws"][2]["tests"] = ["potassium"]
        mon["other_draws"][2]["hours"]["values"] = [20]

    text = refused(bypass(UK, short), regimen={"preset_id": "bnf-no-neuro"})
    assert "the last potassium draw, hours after the first dose, 20 hours is below" in text
    assert "potassium draws inside the first 48 hours: 2 draws is below" in text
    assert "a potassium draw without magnesium and phosphate is refused by LIM-K-WITH-MG-PO4" in (
        text
    )


WHO = {"reason": "Patient prefers one tablet at a time", "prescriber": "Dr Rivera"}


def test_an_override_is_bound_by_the_total_potassium_of_all_orders() -> None:
    """US: 10 x 20 mEq a day is inside K-ORAL-MAX-DAY alone, not with the phosphate tablets."""
    case = inputs(
        labs={"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")},
        regimen={"preset_id": "us-oral-2mg"},
    )
    ov = Override.model_validate(
        {
            **WHO,
            "target": "potassium",
            "action": "change",
            "units_per_dose": 1,
            "times_per_day": 10,
            "confirmed_outside_band": True,
        }
    )
    check = check_override(proto(US), case, ov, now=NOW)
    assert check.outcome == "refused" and check.plan is None
    problems = check.field_problems()["times_per_day"]
    assert "206.6 mEq is above the protocol's own maximum K-ORAL-MAX-DAY (200 mEq)" in problems
    assert "206.6 mEq (= 206.6 mmol) is above the hard limit LIM-K-ORAL-DAY" in problems
    # Nine a day with the phosphate is inside every limit: accepted once confirmed.
    nine = Override.model_validate({**ov.model_dump(), "times_per_day": 9})
    assert check_override(proto(US), case, nine, now=NOW).outcome == "accepted"


def test_a_draw_override_is_bound_by_the_window_of_the_hard_limit() -> None:
    plan = evaluate(proto(), inputs(), now=NOW)
    assert (
        plan_limit_problems(plan, proto().protocol, shipped_limits(), latest_k=4.2, egfr=80) == []
    )
    assert plan_limit_problems(plan, proto().protocol, shipped_limits(), latest_k=5.6, egfr=80), (
        "a potassium at the hard hold with a 'none' order is a crossing"
    )


@pytest.mark.parametrize(
    ("doses", "interval", "expected"),
    [(1, None, 1), (3, None, 3), (3, 12, 2), (4, 6, 4), (2, 30, 1)],
)
def test_bags_per_day(doses: int, interval: float | None, expected: int) -> None:
    assert bags_per_day(doses, interval) == expected
