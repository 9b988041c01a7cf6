"""Mutated protocols, each crossing one hard limit or the protocol's own maxima, refused rule by rule.

Each case names the protocol (UK in mmol, US in mEq), the mutation, and the texts the refusal
must contain: the field path, the protocol's rule id, its value and the limit's id. Every case of
issue 14 is here (IV rate 100, Sando-K 10 tablets three times daily, hold 8 with raised edges,
GATE-ADULT-AGE 0, an eGFR gate of 0, potassium plausibility 0 to 100), and each dangerous value
is tried at a few sizes, not only one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.errors import ProtocolError
from desktop_app.logic.limit_rules import ProtocolLimitError, protocol_limit_problems
from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.protocol import Protocol, load_protocol_bytes
from tests.logic.helpers import UK, US

Raw = dict[str, Any]
_RAW: dict[Path, Raw] = {}


def raw_of(path: Path) -> Raw:
    """A fresh copy of a shipped protocol's JSON."""
    if path not in _RAW:
        _RAW[path] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_RAW[path])


def refusal(raw: Raw) -> str:
    """The refusal text of a protocol (fails the test when it is accepted)."""
    with pytest.raises(ProtocolLimitError) as info:
        load_protocol_bytes(json.dumps(raw).encode())
    return str(info.value)


def _k(raw: Raw) -> Raw:
    return raw["potassium"]


def iv_rate(value: float) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        _k(raw)["bands"][0]["iv"]["max_rate"]["value"] = value
        _k(raw)["not_by_mouth_band"]["iv"]["max_rate"]["value"] = value

    return mutate


def mild_tablets(value: float) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        _k(raw)["bands"][2]["oral"]["units_per_dose"]["value"] = value

    return mutate


def hold_with_edges(hold: float) -> Callable[[Raw], None]:
    """Raise the hold threshold and every band edge with it, as a careless edit would."""

    def mutate(raw: Raw) -> None:
        k = _k(raw)
        k["hold_at_or_above"]["value"] = hold
        k["reassess_at_or_above"]["value"] = hold - 1
        k["normal_high"]["value"] = hold + 0.5
        k["bands"][3]["lower"]["value"] = hold - 2
        k["bands"][4]["lower"]["value"] = hold - 1
        k["bands"][5]["lower"]["value"] = hold
        if len(k["bands"]) > 6:
            k["bands"][6]["lower"]["value"] = hold + 0.5

    return mutate


def set_rule(*path: str | int, value: float) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        node: Any = raw
        for key in path:
            node = node[key]
        node["value"] = value

    return mutate


def both(*mutators: Callable[[Raw], None]) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        for m in mutators:
            m(raw)

    return mutate


def k_plausibility(low: float, high: float) -> Callable[[Raw], None]:
    return both(
        set_rule("analytes", "potassium", "plausible_low", value=low),
        set_rule("analytes", "potassium", "plausible_high", value=high),
    )


def egfr_gates(value: float) -> Callable[[Raw], None]:
    return both(
        set_rule("gates", "renal", "egfr_review_below", value=value),
        set_rule("gates", "renal", "egfr_renal_team_below", value=min(value, 15)),
    )


def k_draws_without_mg(raw: Raw) -> None:
    raw["monitoring"]["other_draws"][2]["tests"] = ["potassium"]


def short_window(raw: Raw) -> None:
    mon = raw["monitoring"]
    mon["label_window_hours"]["value"] = 24
    for hours in mon["electrolyte_draws"].values():
        hours["values"] = [h for h in hours["values"] if h <= 24] or [24]
    mon["min_draws_in_label_window"]["value"] = 1


def big_bag(raw: Raw) -> None:
    bag = _k(raw)["iv_products"][0]
    bag["amount"]["value"] = 80
    bag["volume"]["value"] = 2000


def strong_bag(raw: Raw) -> None:
    _k(raw)["iv_products"][0]["amount"]["value"] = 80
    _k(raw)["iv_max_peripheral_concentration"]["value"] = 80


def many_phosphate(raw: Raw) -> None:
    """Phosphate Sandoz 6 tablets three times daily: 288 mmol phosphate and 54 mmol potassium."""
    raw["phosphate"]["bands"][1]["oral"]["units_per_dose"]["value"] = 6


def k_band_names_mg_product(raw: Raw) -> None:
    _k(raw)["bands"][2]["oral"]["product"] = raw["magnesium"]["products"][0]["id"]


def wrong_frequency_text(raw: Raw) -> None:
    _k(raw)["bands"][2]["oral"]["times_per_day"]["value"] = 10


def mg_band_names_k_bag(raw: Raw) -> None:
    raw["magnesium"]["bands"][0]["iv"]["product"] = _k(raw)["iv_products"][0]["id"]


def mg_product_without_mg(raw: Raw) -> None:
    prod = raw["magnesium"]["products"][0]
    amount = prod.pop("magnesium_per_unit")
    prod["phosphate_per_unit"] = {**amount, "id": "MG-SACHET-PO4"}


def mg_fast(raw: Raw) -> None:
    band = raw["magnesium"]["bands"][0]["iv"]
    band["max_rate"]["value"] = 40
    band["min_duration_hours"]["value"] = 0.5


def po4_course(raw: Raw) -> None:
    raw["phosphate"]["bands"][0]["iv"]["interval_hours"]["value"] = 6
    raw["phosphate"]["bands"][0]["iv"]["doses"]["value"] = 4


def iv_k_phosphate(value: float) -> Callable[[Raw], None]:
    def mutate(raw: Raw) -> None:
        bag = raw["phosphate"]["iv_products"][0]
        bag["name"] = "potassium phosphates in glucose 5% 500 mL"
        bag["potassium_per_bag"] = {
            "id": "PO4-IV-K",
            "value": value,
            "unit": raw["potassium_unit"],
            "source": "local",
            "grade": None,
            "local_policy": True,
        }

    return mutate


CASES: list[tuple[str, Path, Callable[[Raw], None], tuple[str, ...]]] = [
    # The cases of issue 14, each at several dangerous sizes.
    *(
        (
            f"iv-rate-{v:g}",
            path,
            iv_rate(v),
            ("potassium.bands[0].iv.max_rate", "K-IV-MAX-RATE", f"{v:g} ", "LIM-K-IV-RATE"),
        )
        for v in (100, 20, 10.5)
        for path in (UK, US)
    ),
    *(
        (
            f"sando-k-{v:g}-tds",
            UK,
            mild_tablets(v),
            (
                "K-MILD-TABLETS",
                f"one dose of {12 * v:g} mmol",
                "K-ORAL-MAX-DOSE",
                "LIM-K-ORAL-DOSE",
                *(
                    (f"daily total of {36 * v:g} mmol", "K-ORAL-MAX-DAY", "LIM-K-ORAL-DAY")
                    if 36 * v > 200
                    else ()
                ),
            ),
        )
        for v in (10, 6, 4)
    ),
    (
        "us-kcl-3-tablets",
        US,
        mild_tablets(3),
        ("K-MILD-TABLETS", "one dose of 60 mEq (= 60 mmol)", "K-ORAL-MAX-DOSE", "LIM-K-ORAL-DOSE"),
    ),
    *(
        (
            f"hold-{v:g}-edges-raised",
            path,
            hold_with_edges(v),
            (
                "potassium.hold_at_or_above: K-HOLD",
                f"{v:g} ",
                "LIM-K-HOLD",
                "K-NORMAL-HIGH",
                "LIM-K-UPPER-NORMAL",
            ),
        )
        for v in (8, 6, 5.5)
        for path in (UK, US)
    ),
    *(
        (
            f"adult-age-{v:g}",
            path,
            set_rule("gates", "adult_age", value=v),
            (
                "gates.adult_age: GATE-ADULT-AGE",
                f"{v:g} years is below",
                "LIM-ADULT-AGE (at least 18 years)",
            ),
        )
        for v in (0, 1, 16, 17)
        for path in (UK, US)
    ),
    *(
        (
            f"egfr-gate-{v:g}",
            path,
            egfr_gates(v),
            (
                "gates.renal.egfr_review_below: GATE-EGFR-REVIEW",
                f"{v:g} mL/min/1.73 m2 is below",
                "LIM-EGFR-REVIEW",
            ),
        )
        for v in (0, 10, 29)
        for path in (UK, US)
    ),
    (
        "renal-team-0",
        UK,
        set_rule("gates", "renal", "egfr_renal_team_below", value=0),
        ("GATE-EGFR-RENAL-TEAM", "LIM-EGFR-RENAL-TEAM"),
    ),
    (
        "creatinine-gate-500",
        US,
        set_rule("gates", "renal", "creatinine_review_at_or_above", value=500),
        ("GATE-CREAT-REVIEW", "500 micromol/L", "LIM-CREAT-REVIEW"),
    ),
    *(
        (
            f"k-plausible-{lo:g}-{hi:g}",
            path,
            k_plausibility(lo, hi),
            ("analytes.potassium.plausible_", "LIM-PLAUS-POTASSIUM-"),
        )
        for lo, hi in ((0, 100), (0.5, 10), (1, 12))
        for path in (UK, US)
    ),
    (
        "k-plausible-0-100-both-named",
        UK,
        k_plausibility(0, 100),
        ("PLAUS-POTASSIUM-LOW 0 mmol/L is below", "PLAUS-POTASSIUM-HIGH 100 mmol/L is above"),
    ),
    (
        "mg-plausible-high",
        UK,
        set_rule("analytes", "magnesium", "plausible_high", value=50),
        ("PLAUS-MAGNESIUM-HIGH", "LIM-PLAUS-MAGNESIUM-HIGH"),
    ),
    (
        "weight-plausible",
        UK,
        set_rule("patient", "weight_plausible_low", value=1),
        ("PLAUS-WEIGHT-LOW", "LIM-PLAUS-WEIGHT-LOW"),
    ),
    (
        "age-plausible",
        UK,
        set_rule("patient", "age_plausible_high", value=200),
        ("PLAUS-AGE-HIGH", "LIM-PLAUS-AGE-HIGH"),
    ),
    # IV potassium: concentration, ECG rate, bag volume, daily total.
    ("iv-conc-80", UK, strong_bag, ("K-IV-MAX-CONC", "LIM-K-IV-CONC", "80 mmol/L")),
    (
        "iv-ecg-rate-50",
        UK,
        set_rule("potassium", "iv_ecg_monitoring_above_rate", value=50),
        ("K-IV-ECG-RATE", "LIM-K-IV-ECG-RATE"),
    ),
    (
        "iv-ecg-rate-30-us",
        US,
        set_rule("potassium", "iv_ecg_monitoring_above_rate", value=30),
        ("K-IV-ECG-RATE 30 mEq/hour (= 30 mmol/hour)", "LIM-K-IV-ECG-RATE"),
    ),
    ("iv-bag-2000-ml", UK, big_bag, ("K-IV-PREMIX-VOLUME", "2,000 mL", "LIM-K-IV-BAG-VOLUME")),
    # Oral potassium maxima themselves, and the potassium in phosphate products.
    (
        "oral-max-dose-60",
        UK,
        set_rule("potassium", "oral_max_single_dose", value=60),
        ("K-ORAL-MAX-DOSE", "LIM-K-ORAL-DOSE"),
    ),
    (
        "oral-max-day-400",
        US,
        set_rule("potassium", "oral_max_per_day", value=400),
        ("K-ORAL-MAX-DAY 400 mEq", "LIM-K-ORAL-DAY"),
    ),
    (
        "phosphate-6-tablets",
        UK,
        many_phosphate,
        ("PO4-ORAL-TABLETS", "PO4-ORAL-MAX-DAY", "LIM-PO4-ORAL-DAY"),
    ),
    (
        "iv-k-phosphate-29",
        UK,
        iv_k_phosphate(29.4),
        ("PO4-IV-K potassium concentration 58.8 mmol/L", "LIM-K-IV-CONC"),
    ),
    (
        "iv-k-phosphate-us",
        US,
        iv_k_phosphate(30),
        ("PO4-IV-K potassium concentration 60 mEq/L", "LIM-K-IV-CONC"),
    ),
    # Thresholds.
    (
        "normal-high-6",
        UK,
        set_rule("potassium", "normal_high", value=6),
        ("K-NORMAL-HIGH", "LIM-K-UPPER-NORMAL"),
    ),
    (
        "normal-low-3",
        UK,
        both(set_rule("potassium", "normal_low", value=3.2)),
        ("K-NORMAL-LOW", "LIM-K-LOWER-NORMAL"),
    ),
    (
        "ecg-below-2",
        UK,
        both(set_rule("potassium", "ecg_below", value=2)),
        ("K-ECG-BELOW", "LIM-K-ECG-BELOW"),
    ),
    # Magnesium and phosphate IV doses and rates, oral totals.
    ("mg-iv-rate-40", UK, mg_fast, ("MG-IV-MAX-RATE", "LIM-MG-IV-RATE")),
    (
        "mg-iv-dose-40",
        UK,
        set_rule("magnesium", "iv_products", 0, "amount", value=40),
        ("MG-IV-AMOUNT", "LIM-MG-IV-DOSE"),
    ),
    (
        "mg-oral-max-48",
        UK,
        set_rule("magnesium", "oral_max_per_day", value=48),
        ("MG-ORAL-MAX-DAY", "LIM-MG-ORAL-DAY"),
    ),
    (
        "mg-oral-4-sachets",
        UK,
        set_rule("magnesium", "bands", 1, "oral", "units_per_dose", value=4),
        ("MG-ORAL-SACHETS", "MG-ORAL-MAX-DAY", "LIM-MG-ORAL-DAY"),
    ),
    (
        "po4-iv-course",
        UK,
        po4_course,
        ("PO4-BAND-SEVERE course (4 x PO4-IV-AMOUNT)", "LIM-PO4-IV-DAY"),
    ),
    (
        "po4-iv-rate-10",
        US,
        set_rule("phosphate", "bands", 0, "iv", "max_rate", value=10),
        ("PO4-IV-MAX-RATE", "LIM-PO4-IV-RATE"),
    ),
    (
        "po4-iv-dose-40",
        UK,
        set_rule("phosphate", "iv_products", 0, "amount", value=40),
        ("PO4-IV-AMOUNT", "LIM-PO4-IV-DOSE"),
    ),
    # Monitoring.
    ("window-24h", UK, short_window, ("MON-LABEL-WINDOW", "LIM-MON-WINDOW", "LIM-MON-DRAWS-48H")),
    (
        "min-draws-1",
        US,
        set_rule("monitoring", "min_draws_in_label_window", value=1),
        ("MON-MIN-DRAWS-48H", "LIM-MON-DRAWS-48H"),
    ),
    (
        "k-without-mg-po4",
        UK,
        k_draws_without_mg,
        ("monitoring.other_draws[2].tests", "MON-PARENTERAL-DAY10", "LIM-K-WITH-MG-PO4"),
    ),
    # Products and frequencies of the bands.
    (
        "k-band-names-mg-product",
        UK,
        k_band_names_mg_product,
        ("potassium.bands[2].oral.product", "is not a potassium product"),
    ),
    (
        "mg-band-names-k-bag",
        UK,
        mg_band_names_k_bag,
        ("magnesium.bands[0].iv.product", "is not a magnesium IV product"),
    ),
    (
        "mg-product-without-mg",
        UK,
        mg_product_without_mg,
        ("magnesium.bands[1].oral.product", "states no magnesium per sachet"),
    ),
    (
        "frequency-text-mismatch",
        UK,
        wrong_frequency_text,
        ("K-MILD-TIMES 10 times daily is printed as 'three times daily'",),
    ),
]


@pytest.mark.parametrize(
    ("path", "mutate", "expected"),
    [c[1:] for c in CASES],
    ids=[f"{c[0]}-{'uk' if c[1] == UK else 'us'}" for c in CASES],
)
def test_a_mutated_protocol_is_refused_naming_rule_value_and_limit(
    path: Path, mutate: Callable[[Raw], None], expected: tuple[str, ...]
) -> None:
    raw = raw_of(path)
    mutate(raw)
    text = refusal(raw)
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"
    # Every hard-limit refusal says where the limit comes from.
    for line in text.splitlines()[1:]:
        if "hard limit" in line and "LIM-" in line:
            assert "source: " in line or "refused by the hard rule" in line, line


def test_the_refusal_names_the_source_and_grade_or_the_local_reason() -> None:
    raw = raw_of(UK)
    iv_rate(100)(raw)
    mild_tablets(10)(raw)
    text = refusal(raw)
    assert "K-IV-MAX-RATE 100 mmol/hour is above the hard limit LIM-K-IV-RATE (at most 10 " in text
    assert "Specialist Pharmacy Service (NHS)" in text and "grade B" in text
    assert "clinical basis section 4.4" in text
    assert "LIM-K-ORAL-DOSE (at most 40 mmol); source: local policy of the program" in text
    assert "'limit doses to 40 mEq per dose'" in text


def test_the_refusal_is_a_protocol_error_with_one_problem_per_crossing() -> None:
    raw = raw_of(UK)
    set_rule("gates", "adult_age", value=0)(raw)
    with pytest.raises(ProtocolError) as info:
        load_protocol_bytes(json.dumps(raw).encode())
    assert isinstance(info.value, ProtocolLimitError)
    assert [p.path for p in info.value.problems] == ["gates.adult_age"]


@pytest.mark.parametrize("path", [UK, US], ids=["uk", "us"])
def test_the_shipped_protocols_sit_inside_every_limit(path: Path) -> None:
    proto = Protocol.model_validate_json(path.read_bytes(), strict=True)
    assert protocol_limit_problems(proto, shipped_limits()) == []


@pytest.mark.parametrize(
    ("mutate", "what"),
    [
        (iv_rate(8), "a slower IV rate"),
        (set_rule("gates", "adult_age", value=21), "a higher age gate"),
        (set_rule("gates", "renal", "egfr_review_below", value=45), "a higher eGFR gate"),
        (k_plausibility(1.5, 8), "a narrower plausibility range"),
        (set_rule("potassium", "hold_at_or_above", value=4.8), "a lower hold"),
    ],
    ids=["rate-8", "age-21", "egfr-45", "plaus-narrow", "hold-4.8"],
)
def test_a_safer_site_choice_inside_the_limits_is_accepted(
    mutate: Callable[[Raw], None], what: str
) -> None:
    raw = raw_of(UK)
    mutate(raw)
    if what == "a lower hold":
        # A lower hold needs the band edges to follow (the protocol's own ordering rules).
        k = _k(raw)
        k["reassess_at_or_above"]["value"] = 4.5
        k["bands"][5]["lower"]["value"] = 4.8
    lp = load_protocol_bytes(json.dumps(raw).encode())
    assert lp.protocol.protocol_id == "uk-default", what


def test_a_unit_the_limit_cannot_compare_is_refused() -> None:
    raw = raw_of(UK)
    _k(raw)["iv_ecg_monitoring_above_rate"]["unit"] = "mmol/minute"
    assert "is in 'mmol/minute', not in 'mmol/hour'" in refusal(raw)


def test_a_maximum_in_another_unit_than_its_own_maximum_is_refused() -> None:
    raw = raw_of(UK)
    raw["magnesium"]["oral_max_per_day"]["unit"] = "mEq"
    text = refusal(raw)
    assert "not in 'mEq' as MG-ORAL-MAX-DAY" in text


def test_the_potassium_of_all_orders_together_is_checked_only_when_others_carry_some() -> None:
    raw = raw_of(UK)
    mild_tablets(10)(raw)
    assert "from all orders together" in refusal(raw)
    del raw["phosphate"]["products"][0]["potassium_per_unit"]
    text = refusal(raw)
    assert "from all orders together" not in text and "LIM-K-ORAL-DAY" in text
