"""Golden clinical cases, one table per shipped protocol version.

Each row is a readable case id, the inputs that differ from an unremarkable adult on oral B12,
and what the plan must say: tier, electrolyte draw hours, potassium order, and the rule ids of
gates and warnings. The expectations were worked out by hand from the protocol file, not copied
from the engine's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.protocol import Tier
from tests.logic.helpers import FIRST, NOW, US, hours, inputs, lab, proto

HIGH = [6, 12, 24, 36, 48, 72, 96, 120, 144, 168]
RAISED = [12, 24, 48, 72, 120, 168]
STANDARD = [12, 24, 48, 120, 168]
PARENTERAL = {"preset_id": "bnf-no-neuro", "first_dose_at": FIRST.isoformat()}
DAY10 = [216]  # the local-policy draw on day 10 of parenteral loading (issue 15, item 7)


@dataclass
class Case:
    """One golden case."""

    id: str
    over: dict[str, Any]
    tier: Tier
    draws: list[float]
    k_kind: str
    k_per_day: float = 0.0
    gates: set[str] = field(default_factory=set)
    warnings_include: set[str] = field(default_factory=set)
    warnings_exclude: set[str] = field(default_factory=set)
    baseline_draw: bool = False
    now_offset_h: float | None = None
    factors: set[str] | None = None


UK_CASES = [
    Case(
        "standard-oral-normal-k",
        {},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-FOLATE-ALONE", "WARN-ORAL-REGIMEN"},
        warnings_exclude={"WARN-TRANSFUSION", "WARN-NO-BASELINE-K"},
        factors=set(),
    ),
    Case(
        "severe-anaemia-im-loading",
        {"labs": {"haemoglobin": lab(64, "g/L")}, "regimen": PARENTERAL},
        Tier.high,
        HIGH + DAY10,
        "none",
        warnings_include={"WARN-TRANSFUSION"},
        factors={"RISK-SEVERE-PARENTERAL"},
    ),
    Case(
        "severe-anaemia-entered-in-g-per-dl",
        {"labs": {"haemoglobin": lab(6.4, "g/dL")}, "regimen": PARENTERAL},
        Tier.high,
        HIGH + DAY10,
        "none",
        factors={"RISK-SEVERE-PARENTERAL"},
    ),
    Case(
        "severe-anaemia-oral-b12-is-standard",
        {"labs": {"haemoglobin": lab(64, "g/L")}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-TRANSFUSION", "WARN-ORAL-REGIMEN"},
    ),
    Case(
        "moderate-anaemia-im-is-raised",
        {"labs": {"haemoglobin": lab(95, "g/L")}, "regimen": PARENTERAL},
        Tier.raised,
        RAISED + DAY10,
        "none",
        factors={"RISK-MODERATE-PARENTERAL"},
    ),
    Case(
        "two-raised-factors-make-high",
        {"modifiers": {"digoxin": True, "cardiac_disease": True}},
        Tier.high,
        HIGH,
        "none",
        warnings_include={"WARN-DIGOXIN"},
        factors={"RISK-DIGOXIN", "RISK-CARDIAC"},
    ),
    Case(
        "loop-diuretic-raised",
        {"modifiers": {"k_lowering_drugs": ["loop_diuretic"]}},
        Tier.raised,
        RAISED,
        "none",
        warnings_include={"WARN-LOOP-THIAZIDE"},
    ),
    Case(
        "low-mg-raised-and-oral-mg",
        {"labs": {"magnesium": lab(0.6, "mmol/L")}},
        Tier.raised,
        RAISED,
        "none",
        factors={"RISK-MG-LOW"},
    ),
    Case(
        "mild-k-3.2-oral-72-per-day",
        {"labs": {"potassium": lab(3.2, "mmol/L")}},
        Tier.high,
        HIGH,
        "oral",
        72,
        factors={"RISK-K-LOW"},
    ),
    Case(
        "moderate-k-2.7-oral-108-per-day",
        {"labs": {"potassium": lab(2.7, "mmol/L")}},
        Tier.high,
        HIGH,
        "oral",
        108,
    ),
    Case(
        "k-exactly-3.5-is-normal",
        {"labs": {"potassium": lab(3.5, "mmol/L")}},
        Tier.standard,
        STANDARD,
        "none",
    ),
    Case(
        "k-exactly-3.0-is-mild",
        {"labs": {"potassium": lab(3.0, "mmol/L")}},
        Tier.high,
        HIGH,
        "oral",
        72,
    ),
    Case(
        "k-exactly-2.5-is-moderate",
        {"labs": {"potassium": lab(2.5, "mmol/L")}},
        Tier.high,
        HIGH,
        "oral",
        108,
    ),
    Case("severe-k-2.3-iv", {"labs": {"potassium": lab(2.3, "mmol/L")}}, Tier.high, HIGH, "iv"),
    Case(
        "k-4.7-reassess",
        {"labs": {"potassium": lab(4.7, "mmol/L")}},
        Tier.standard,
        STANDARD,
        "review",
    ),
    Case(
        "k-5.0-hold", {"labs": {"potassium": lab(5.0, "mmol/L")}}, Tier.standard, STANDARD, "hold"
    ),
    Case(
        "k-5.6-hyperkalaemia-gate",
        {"labs": {"potassium": lab(5.6, "mmol/L")}},
        Tier.standard,
        STANDARD,
        "hold",
        gates={"GATE-TEXT-HYPERK"},
    ),
    Case(
        "egfr-25-renal-gate",
        {"labs": {"potassium": lab(3.2, "mmol/L"), "egfr": lab(25, "mL/min/1.73 m2")}},
        Tier.high,
        HIGH,
        "prescriber",
        gates={"GATE-TEXT-RENAL"},
    ),
    Case(
        "egfr-10-renal-team",
        {"labs": {"egfr": lab(10, "mL/min/1.73 m2")}},
        Tier.standard,
        STANDARD,
        "none",
        gates={"GATE-TEXT-RENAL", "GATE-TEXT-RENAL-TEAM"},
    ),
    Case(
        "egfr-missing-renal-unknown",
        {"labs": {"egfr": None, "potassium": lab(3.3, "mmol/L")}},
        Tier.high,
        HIGH,
        "prescriber",
        gates={"GATE-TEXT-RENAL-UNKNOWN"},
    ),
    Case(
        "dialysis-gate",
        {"labs": {"egfr": None}, "modifiers": {"dialysis": True}},
        Tier.standard,
        STANDARD,
        "none",
        gates={"GATE-TEXT-DIALYSIS"},
    ),
    Case(
        "oliguria-gate",
        {"modifiers": {"oliguria": True}},
        Tier.standard,
        STANDARD,
        "none",
        gates={"GATE-TEXT-OLIGURIA"},
    ),
    Case(
        "spironolactone-gate",
        {
            "labs": {"potassium": lab(3.1, "mmol/L")},
            "modifiers": {"k_raising_drugs": ["k_sparing_diuretic"]},
        },
        Tier.high,
        HIGH,
        "prescriber",
        gates={"GATE-TEXT-K-RAISING"},
    ),
    Case(
        "age-16-gate",
        {"patient": {"date_of_birth": "2010-06-01"}},
        Tier.standard,
        STANDARD,
        "none",
        gates={"GATE-TEXT-AGE"},
    ),
    Case(
        "no-baseline-k",
        {"labs": {"potassium": None}},
        Tier.raised,
        RAISED,
        "sample",
        warnings_include={"WARN-NO-BASELINE-K"},
        baseline_draw=True,
        factors={"RISK-K-MISSING"},
    ),
    Case(
        "stale-k-30h-before-dose",
        {"labs": {"potassium": lab(4.1, "mmol/L", FIRST - timedelta(hours=30))}},
        Tier.raised,
        RAISED,
        "sample",
        warnings_include={"WARN-STALE"},
        baseline_draw=True,
    ),
    Case(
        "cannot-take-oral-k-3.2-iv",
        {"labs": {"potassium": lab(3.2, "mmol/L")}, "modifiers": {"cannot_take_oral": True}},
        Tier.high,
        HIGH,
        "iv",
        factors={"RISK-K-LOW", "RISK-NO-ORAL"},
    ),
    Case(
        "b12-indeterminate-mma",
        {"labs": {"b12": lab(200, "pmol/L")}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-B12-INDETERMINATE"},
    ),
    Case(
        "b12-missing",
        {"labs": {"b12": None}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-B12-MISSING"},
    ),
    Case(
        "normocytic",
        {"labs": {"mcv": lab(90, "fL")}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-NORMOCYTIC"},
    ),
    Case(
        "folate-low",
        {"labs": {"folate": lab(4, "nmol/L")}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-FOLATE-LOW"},
    ),
    Case(
        "cardiac-k-3.7-below-target",
        {"labs": {"potassium": lab(3.7, "mmol/L")}, "modifiers": {"cardiac_disease": True}},
        Tier.raised,
        RAISED,
        "none",
        warnings_include={"WARN-CARDIAC-TARGET"},
    ),
    Case(
        "discharge-inside-window",
        {"modifiers": {"planned_discharge_at": (FIRST + timedelta(hours=30)).isoformat()}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-DISCHARGE"},
    ),
    Case(
        "discharge-after-window",
        {"modifiers": {"planned_discharge_at": (FIRST + timedelta(days=7)).isoformat()}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_exclude={"WARN-DISCHARGE"},
    ),
    Case(
        "severity-override-to-severe",
        {
            "labs": {"haemoglobin": lab(95, "g/L")},
            "regimen": PARENTERAL,
            "severity_override": {
                "severity": "severe",
                "reason": "Hb falling fast",
                "clinician": "Dr Override",
            },
        },
        Tier.high,
        HIGH + DAY10,
        "none",
        factors={"RISK-SEVERE-PARENTERAL"},
    ),
    Case(
        "followup-k-2.4-iv-now",
        {
            "followups": [
                {
                    "analyte": "potassium",
                    "value": 2.4,
                    "unit": "mmol/L",
                    "sampled_at": hours(20).isoformat(),
                }
            ]
        },
        Tier.standard,
        STANDARD,
        "iv",
        warnings_include={"WARN-FOLLOWUP-IV"},
        now_offset_h=21,
    ),
    Case(
        "followup-k-stale-at-now",
        {
            "followups": [
                {
                    "analyte": "potassium",
                    "value": 3.3,
                    "unit": "mmol/L",
                    "sampled_at": hours(20).isoformat(),
                }
            ]
        },
        Tier.standard,
        STANDARD,
        "sample",
        now_offset_h=50,
    ),
]


def _run(case: Case, loaded: Any = None) -> Any:
    lp = loaded or proto()
    now = NOW if case.now_offset_h is None else FIRST + timedelta(hours=case.now_offset_h)
    return evaluate(lp, inputs(**case.over), now=now)


@pytest.mark.parametrize("case", UK_CASES, ids=[c.id for c in UK_CASES])
def test_uk_default_0_1_0(case: Case) -> None:
    plan = _run(case)
    assert plan.protocol.protocol_id == "uk-default" and plan.protocol.version == "0.1.0"
    assert plan.risk.tier is case.tier
    electro = [
        d.hours_after_first_dose
        for d in plan.schedule
        if "potassium" in d.tests and not d.before_first_dose
    ]
    assert electro == case.draws
    assert [d.at for d in plan.schedule if not d.before_first_dose] == [
        FIRST + timedelta(hours=d.hours_after_first_dose)
        for d in plan.schedule
        if not d.before_first_dose
    ]
    assert any(d.before_first_dose for d in plan.schedule) is case.baseline_draw
    k = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert k.kind == case.k_kind, k.text
    if case.k_kind == "oral":
        assert k.daily_amount == case.k_per_day
    assert {g.rule_id for g in plan.gates} == case.gates
    warned = {w.rule_id for w in plan.warnings}
    assert case.warnings_include <= warned
    assert not (case.warnings_exclude & warned)
    if case.factors is not None:
        assert case.factors <= {f.rule_id for f in plan.risk.factors}
        if not case.factors:
            assert plan.risk.factors == ()


def test_severe_k_iv_order_details() -> None:
    plan = _run(next(c for c in UK_CASES if c.id == "severe-k-2.3-iv"))
    k = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert k.iv is not None
    assert k.iv.concentration == 40 and k.iv.concentration_unit == "mmol/L"
    assert k.iv.max_rate == 10 and k.iv.max_rate_ml_per_hour == 250
    assert k.iv.min_duration_hours == 4
    assert not k.iv.continuous_ecg and not k.iv.central_line_required
    assert "volumetric infusion pump" in k.text and "250 mL/hour" in k.text
    assert k.needs_prescriber
    severe_row = plan.k_bands[0]
    assert severe_row.ecg and severe_row.call_doctor


def test_demo_patient_plan() -> None:
    from desktop_app.demo import demo_inputs

    plan = evaluate(proto(), demo_inputs(), now=NOW)
    assert plan.risk.tier is Tier.high
    assert [f.rule_id for f in plan.risk.factors] == [
        "RISK-SEVERE-PARENTERAL",
        "RISK-K-LOW",
        "RISK-MG-LOW",
        "RISK-K-LOWERING",
    ]
    assert [d.at.strftime("%d %H:%M") for d in plan.schedule][:5] == [
        "26 20:00",
        "27 02:00",
        "27 14:00",
        "28 02:00",
        "28 14:00",
    ]
    orders = {o.electrolyte: o for o in plan.orders_now}
    assert orders["potassium"].kind == "oral" and orders["potassium"].daily_amount == 72
    assert orders["magnesium"].kind == "oral" and orders["magnesium"].daily_amount == 20
    assert "10 mmol (20 mEq)" in orders["magnesium"].text
    assert orders["phosphate"].kind == "none"
    assert plan.potassium_per_day == 72
    assert [d.at.strftime("%a %d") for d in plan.b12_order.dose_times] == [
        "Thu 26",
        "Sat 28",
        "Mon 30",
        "Thu 03",
        "Sat 05",
        "Mon 07",
    ]
    assert plan.protocol.not_for_clinical_use
    assert plan.action_now.basis == "Baseline potassium 3.4 mmol/L at Thu 26-Nov-2026 07:10"
    assert plan.action_now.band_label == "Mild: 3.0 to below 3.5 mmol/L"
    assert plan.action_now.instruction == "Give oral potassium as below."
    # Anchored to the first dose, not to "now" (issue 17): every print of these inputs agrees.
    assert orders["potassium"].start_at == FIRST
    assert orders["potassium"].review_at == FIRST + timedelta(hours=48)
    assert "Review or stop at Sat 28-Nov-2026 14:00 (48 hours)." in orders["potassium"].text
    assert plan.result_units["potassium"] == "mmol/L" and plan.result_units["haemoglobin"] == "g/L"
    day5 = next(d for d in plan.schedule if d.hours_after_first_dose == 96)
    assert len(day5.purposes) == 2 + 1 and day5.purpose == "; ".join(day5.purposes)
    # The demo is discharged at 46 hours: later draws are outpatient draws (issue 15 item 12).
    assert day5.outpatient and day5.purposes[0].startswith("OUTPATIENT")
    assert "WARN-DISCHARGE-48H" in {w.rule_id for w in plan.warnings}


def test_phosphate_sandoz_held_when_k_at_hold() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(5.1, "mmol/L"), "phosphate": lab(0.4, "mmol/L")}),
        now=NOW,
    )
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.kind == "prescriber" and "contains potassium" in po4.text
    assert "K-HOLD" in po4.reason.rule_ids


def test_phosphate_sandoz_counted_in_potassium_total() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")}),
        now=NOW,
    )
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.kind == "oral" and po4.potassium_per_day == 9
    assert plan.potassium_per_day == 72 + 9


US_CASES = [
    Case(
        "us-standard-oral",
        {"regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()}},
        Tier.standard,
        STANDARD,
        "none",
    ),
    Case(
        "us-mild-k-3.2-40-meq",
        {
            "regimen": {"preset_id": "us-label-100", "first_dose_at": FIRST.isoformat()},
            "labs": {"potassium": lab(3.2, "mEq/L")},
        },
        Tier.high,
        HIGH + DAY10,
        "oral",
        40,
    ),
    Case(
        "us-k-5.0-hold-and-call",
        {
            "regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            "labs": {"potassium": lab(5.0, "mEq/L")},
        },
        Tier.standard,
        STANDARD,
        "hold",
    ),
    Case(
        "us-creatinine-gate",
        {
            "regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            "labs": {"creatinine": lab(2.8, "mg/dL")},
        },
        Tier.standard,
        STANDARD,
        "none",
        gates={"GATE-TEXT-RENAL"},
    ),
]


@pytest.mark.parametrize("case", US_CASES, ids=[c.id for c in US_CASES])
def test_us_labels_0_1_0(case: Case) -> None:
    plan = _run(case, proto(US))
    assert plan.protocol.protocol_id == "us-labels" and plan.protocol.potassium_unit == "mEq"
    assert plan.risk.tier is case.tier
    k = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert k.kind == case.k_kind, k.text
    if case.k_kind == "oral":
        assert k.daily_amount == case.k_per_day and k.dose_unit == "mEq"
        assert "mmol" not in k.text
    assert {g.rule_id for g in plan.gates} == case.gates
    assert all("mmol/L" not in lab.text for lab in plan.labs if lab.analyte == "potassium")
