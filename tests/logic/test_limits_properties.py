"""Property: no plan from any accepted protocol carries an order above a hard limit.

Hypothesis edits the numbers of a shipped protocol (UK in mmol, US in mEq) anywhere a site might:
rates, tablets, frequencies, bags, thresholds, gates. A protocol the loader refuses is the first
line of defence working; for every protocol it accepts, plans for patients across the bands must
(1) be made without the engine's second line firing, and (2) carry no order above a hard limit,
judged by a plain oracle that reads the limits file's numbers itself, not through the checkers.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import ProtocolError
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import load_protocol_bytes
from tests.logic.helpers import NOW, UK, US, inputs, lab
from tests.logic.test_limits_file import LIMITS
from tests.logic.test_limits_protocol import raw_of

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FREQUENCY = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
REGIMEN = {UK: "bnf-no-neuro", US: "us-label-100"}

#: The oracle's own reading of the limits file (value of each limit by id).
_RAW_LIMITS = json.loads(LIMITS.read_text(encoding="utf-8"))
LIMIT = {
    lim["id"]: lim["value"]
    for section in ("potassium", "magnesium", "phosphate", "gates", "monitoring")
    for lim in _RAW_LIMITS[section].values()
    if "value" in lim
}


def _set(raw: dict[str, Any], path: tuple[str | int, ...], value: float) -> None:
    node: Any = raw
    for key in path:
        node = node[key]
    node["value"] = value


K_BAND = ("potassium", "bands", 0, "iv", "max_rate")
NBM = ("potassium", "not_by_mouth_band", "iv", "max_rate")
#: Edits that cross a limit; the strategy makes at most one of them (or none).
CROSSINGS: list[tuple[tuple[str | int, ...], float]] = [
    (K_BAND, 40),
    (("potassium", "bands", 2, "oral", "units_per_dose"), 10),
    (("potassium", "iv_ecg_monitoring_above_rate"), 30),
    (("magnesium", "bands", 1, "oral", "units_per_dose"), 3),
    (("magnesium", "bands", 0, "iv", "max_rate"), 20),
    (("gates", "adult_age"), 0),
    (("gates", "renal", "egfr_review_below"), 15),
    (("analytes", "potassium", "plausible_high"), 100),
    (("phosphate", "iv_products", 0, "amount"), 40),
]


Edit = tuple[tuple[str | int, ...], float]


@st.composite
def site_edits(draw: st.DrawFn) -> tuple[str, tuple[Edit, ...], bool]:
    """A site's edits to a shipped protocol's numbers, all inside the limits but at most one
    (which the loader must refuse). Returned as (protocol, edits, crossed): small to print."""
    country = draw(st.sampled_from(["uk", "us"]))
    rate = draw(st.sampled_from([2, 5, 8, 10]))
    edits: list[Edit] = [(K_BAND, rate), (NBM, rate)]
    for i in (1, 2):
        oral = ("potassium", "bands", i, "oral")
        edits.append(((*oral, "units_per_dose"), draw(st.integers(1, 3 if country == "uk" else 1))))
        edits.append(((*oral, "times_per_day"), draw(st.integers(1, 3))))
    amount, volume = draw(st.sampled_from([(40, 1000), (20, 500), (20, 1000)]))
    edits += [
        (("potassium", "oral_max_per_day"), draw(st.sampled_from([150, 200]))),
        (("potassium", "iv_ecg_monitoring_above_rate"), draw(st.sampled_from([10, 15, 20]))),
        (("potassium", "iv_products", 0, "amount"), amount),
        (("potassium", "iv_products", 0, "volume"), volume),
        (("phosphate", "bands", 1, "oral", "units_per_dose"), draw(st.integers(1, 2))),
        (("magnesium", "oral_max_per_day"), draw(st.sampled_from([20, 24]))),
        (("magnesium", "bands", 0, "iv", "max_rate"), draw(st.sampled_from([5, 6.67]))),
        (("phosphate", "bands", 0, "iv", "doses"), draw(st.integers(1, 2))),
        (("gates", "adult_age"), draw(st.sampled_from([18, 21]))),
        (("gates", "renal", "egfr_review_below"), draw(st.sampled_from([30, 45]))),
    ]
    crossing = draw(st.sampled_from([None, None, None, *CROSSINGS]))
    if crossing is not None:
        edits.append(crossing)
        if crossing[0] == K_BAND:
            edits.append((NBM, crossing[1]))
    return country, tuple(edits), crossing is not None


def edited(country: str, edits: tuple[Edit, ...]) -> tuple[Path, dict[str, Any]]:
    """The shipped protocol with the edits made (a frequency's printed words follow it)."""
    path = UK if country == "uk" else US
    raw = raw_of(path)
    for where, value in edits:
        _set(raw, where, value)
        if where[-1] == "times_per_day":
            node: Any = raw
            for key in where[:-1]:
                node = node[key]
            node["frequency_text"] = FREQUENCY[int(value)]
    return path, raw


PATIENTS = [
    {"labs": {"potassium": lab(2.2, "mmol/L")}},
    {"labs": {"potassium": lab(2.7, "mmol/L"), "phosphate": lab(0.4, "mmol/L")}},
    {"labs": {"potassium": lab(3.2, "mmol/L"), "magnesium": lab(0.6, "mmol/L")}},
    {
        "labs": {
            "potassium": lab(3.2, "mmol/L"),
            "phosphate": lab(0.2, "mmol/L"),
            "magnesium": lab(0.3, "mmol/L"),
        }
    },
    {"labs": {"potassium": lab(3.2, "mmol/L")}, "modifiers": {"cannot_take_oral": True}},
    {"labs": {"potassium": lab(3.2, "mmol/L")}, "patient": {"date_of_birth": "2015-01-01"}},
    {"labs": {"potassium": lab(3.2, "mmol/L"), "egfr": lab(20, "mL/min/1.73 m2")}},
    {"labs": {"potassium": lab(5.6, "mmol/L"), "phosphate": lab(0.4, "mmol/L")}},
]


def _assert_inside_every_limit(plan: Plan) -> None:
    rows = [*plan.k_bands, *plan.mg_bands, *plan.po4_bands]
    orders = [*plan.orders_now, *(r.order for r in rows if r.order is not None)]
    for o in orders:
        if o.kind == "oral" and o.electrolyte == "potassium":
            assert o.dose_amount is not None and o.daily_amount is not None
            assert o.dose_amount <= LIMIT["LIM-K-ORAL-DOSE"], o.text
            assert o.daily_amount <= LIMIT["LIM-K-ORAL-DAY"], o.text
        if o.kind == "oral" and o.electrolyte == "magnesium":
            assert o.daily_amount is not None and o.daily_amount <= LIMIT["LIM-MG-ORAL-DAY"]
        if o.kind == "oral" and o.electrolyte == "phosphate":
            assert o.daily_amount is not None and o.daily_amount <= LIMIT["LIM-PO4-ORAL-DAY"]
        if o.iv is not None and o.electrolyte == "potassium":
            assert o.iv.max_rate <= LIMIT["LIM-K-IV-RATE"], o.text
            assert o.iv.amount / o.iv.min_duration_hours <= LIMIT["LIM-K-IV-RATE"] + 1e-9
            assert o.iv.concentration <= LIMIT["LIM-K-IV-CONC"], o.text
            assert o.iv.volume_ml <= LIMIT["LIM-K-IV-BAG-VOLUME"], o.text
        if o.iv is not None and o.electrolyte != "potassium":
            prefix = "LIM-MG" if o.electrolyte == "magnesium" else "LIM-PO4"
            assert o.iv.amount <= LIMIT[f"{prefix}-IV-DOSE"], o.text
            assert o.iv.amount / o.iv.min_duration_hours <= LIMIT[f"{prefix}-IV-RATE"], o.text
    k_day = sum(o.potassium_per_day for o in plan.orders_now if o.kind == "oral")
    assert k_day <= LIMIT["LIM-K-ORAL-DAY"]
    automatic = [o for o in plan.orders_now if o.kind in ("oral", "iv")]
    if plan.age_years < LIMIT["LIM-ADULT-AGE"]:
        assert automatic == [], "a child got an automatic dose"
    window = timedelta(hours=LIMIT["LIM-MON-WINDOW"])
    assert plan.monitoring_ends_at >= plan.first_dose_at + window
    for d in plan.schedule:
        if "potassium" in d.tests:
            assert {"magnesium", "phosphate"} <= set(d.tests)


@SETTINGS
@given(site_edits())
def test_no_plan_from_an_accepted_protocol_crosses_a_hard_limit(
    site: tuple[str, tuple[Edit, ...], bool],
) -> None:
    country, edits, crossed = site
    path, raw = edited(country, edits)
    try:
        lp = load_protocol_bytes(json.dumps(raw).encode())
    except ProtocolError:
        return  # refused on loading: the first line of defence
    assert not crossed, "a protocol with a crossing edit was accepted"
    for patient in PATIENTS:
        case = inputs(regimen={"preset_id": REGIMEN[path]}, **patient)
        plan = evaluate(lp, case, now=NOW)  # PlanLimitError here would fail the property
        _assert_inside_every_limit(plan)
        if "egfr" in patient["labs"] and lp.protocol.gates.renal.egfr_review_below.value > 20:
            assert all(o.kind not in ("oral", "iv") for o in plan.orders_now)


def test_the_property_reaches_accepted_protocols() -> None:
    """The strategy is not vacuous: the shipped numbers themselves are accepted."""
    for path in (UK, US):
        lp = load_protocol_bytes(json.dumps(raw_of(path)).encode())
        for patient in PATIENTS:
            _assert_inside_every_limit(
                evaluate(lp, inputs(regimen={"preset_id": REGIMEN[path]}, **patient), now=NOW)
            )
