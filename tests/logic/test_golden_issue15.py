"""Golden clinical cases for the engine corrections of issue 15 (items 1, 2 and 10-17).

Same shape as `test_golden.py` (tier, electrolyte draw hours, potassium order, gates, warnings),
plus what each item must make the plan say. Worked out by hand from the protocol files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import Tier
from tests.logic.helpers import FIRST, NOW, US, lab, proto
from tests.logic.test_golden import DAY10, HIGH, STANDARD, Case, _run

LONG_AGO = NOW - timedelta(days=30)


@dataclass
class Case15(Case):
    """A golden case with the item it covers and what else the plan must say."""

    item: int = 0
    check: Callable[[Plan], bool] = field(default=lambda plan: True)
    us: bool = False


def _level(plan: Plan, rule_id: str) -> str:
    return next(w.level for w in plan.warnings if w.rule_id == rule_id)


def _mg(plan: Plan) -> Any:
    return next(o for o in plan.orders_now if o.electrolyte == "magnesium")


def _k_row(plan: Plan, label: str) -> Any:
    return next(r for r in plan.k_bands if r.label == label)


CASES = [
    Case15(
        "item1-cannot-take-oral-k-2.8-iv-with-ecg",
        {"labs": {"potassium": lab(2.8, "mmol/L")}, "modifiers": {"cannot_take_oral": True}},
        Tier.high,
        HIGH,
        "iv",
        item=1,
        check=lambda plan: (
            plan.action_now.ecg_now
            and "12-lead ECG now (potassium below 3.0 mmol/L)" in plan.action_now.text
            and _k_row(plan, "Moderate: 2.5 to below 3.0 mmol/L (cannot take oral)").ecg
        ),
    ),
    Case15(
        "item1-gated-severe-k-2.3-still-ecg",
        {"labs": {"potassium": lab(2.3, "mmol/L"), "egfr": lab(25, "mL/min/1.73 m2")}},
        Tier.high,
        HIGH,
        "prescriber",
        gates={"GATE-TEXT-RENAL"},
        item=1,
        check=lambda plan: (
            plan.action_now.ecg_now and "12-lead ECG now" in plan.action_now.instruction
        ),
    ),
    Case15(
        "item2-cardiac-mg-0.4-iv-needs-prescriber",
        {"labs": {"magnesium": lab(0.4, "mmol/L")}, "modifiers": {"cardiac_disease": True}},
        Tier.high,  # low magnesium and cardiac disease: two raised factors
        HIGH,
        "none",
        item=2,
        check=lambda plan: (
            _mg(plan).kind == "prescriber"
            and "heart block or existing myocardial damage" in _mg(plan).text
        ),
    ),
    Case15(
        "item2-us-cardiac-mg-0.4-iv-needs-prescriber",
        {
            "regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            "labs": {"magnesium": lab(0.97, "mg/dL")},
            "modifiers": {"cardiac_disease": True},
        },
        Tier.high,  # low magnesium and cardiac disease: two raised factors
        HIGH,
        "none",
        item=2,
        us=True,
        check=lambda plan: _mg(plan).kind == "prescriber" and "myocardial damage" in _mg(plan).text,
    ),
    Case15(
        "item10-k-4.9999999999-shown-5.0-is-held",
        {"labs": {"potassium": lab(4.9999999999, "mmol/L")}},
        Tier.standard,
        STANDARD,
        "hold",
        item=10,
        check=lambda plan: plan.labs[0].text == "5.0 mmol/L",
    ),
    Case15(
        "item10-us-mg-1.7-mg-dl-is-normal",
        {
            "regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            "labs": {"magnesium": lab(1.7, "mg/dL")},
        },
        Tier.standard,
        STANDARD,
        "none",
        item=10,
        us=True,
        check=lambda plan: (
            _mg(plan).kind == "none"
            and next(r for r in plan.labs if r.analyte == "magnesium").text == "0.70 mmol/L"
        ),
    ),
    Case15(
        "item11-first-dose-30-days-ago-severe-anaemia-is-not-b12-risk",
        {
            "regimen": {"preset_id": "bnf-no-neuro", "first_dose_at": LONG_AGO.isoformat()},
            "labs": {"haemoglobin": lab(64, "g/L")},
        },
        Tier.standard,
        STANDARD + DAY10,
        "none",
        warnings_include={"WARN-PAST-WINDOW", "WARN-TRANSFUSION"},
        warnings_exclude={"WARN-BASELINE-AFTER-DOSE"},
        item=11,
        check=lambda plan: (
            not plan.risk.factors and "not the initiation hazard" in plan.action_now.text
        ),
    ),
    Case15(
        "item14-preliminary-k-2.2-after-final-3.1",
        {
            "labs": {"potassium": lab(3.1, "mmol/L")},
            "unused_results": [
                {
                    "analyte": "potassium",
                    "value_text": "2.2 mmol/L",
                    "sampled_at": (NOW - timedelta(hours=1)).isoformat(),
                    "why": "status: a preliminary result may still change",
                }
            ],
        },
        Tier.high,
        HIGH,
        "oral",
        72,
        warnings_include={"WARN-NEWER-NOT-USED"},
        item=14,
        check=lambda plan: any(
            "2.2 mmol/L" in w.text and "repeat to confirm before the first dose" in w.text
            for w in plan.warnings
        ),
    ),
    Case15(
        "item13-creatinine-250-no-egfr-computed-24-renal-gate",
        {
            "labs": {
                "egfr": None,
                "creatinine": lab(250, "micromol/L"),
                "potassium": lab(3.2, "mmol/L"),
            }
        },
        Tier.high,
        HIGH,
        "prescriber",
        gates={"GATE-TEXT-RENAL"},
        warnings_include={"WARN-EGFR-COMPUTED"},
        item=13,
        check=lambda plan: any(
            r.analyte == "egfr" and r.text == "24 mL/min/1.73 m2" and "COMPUTED" in r.flags
            for r in plan.labs
        ),
    ),
    Case15(
        "item13-us-creatinine-1.0-mg-dl-no-egfr-no-gate",
        {
            "regimen": {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            "labs": {"egfr": None, "creatinine": lab(1.0, "mg/dL")},
        },
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-EGFR-COMPUTED"},
        item=13,
        us=True,
        # 1.0 mg/dL is 88 micromol/L as shown (0.995 mg/dL); man of 66:
        # 142 x (0.995/0.9)^-1.200 x 0.9938^66 = 83.5, shown 83.
        check=lambda plan: any(
            r.analyte == "egfr" and r.text == "83 mL/min/1.73 m2" for r in plan.labs
        ),
    ),
    Case15(
        "item16-drug-list-not-recorded",
        {"modifiers": {}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-DRUGS-NOT-RECORDED"},
        item=16,
        check=lambda plan: "NOT RECORDED" in plan.medicines.text,
    ),
    Case15(
        "item16-drug-list-recorded-none",
        {"modifiers": {"drug_list": "recorded"}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_exclude={"WARN-DRUGS-NOT-RECORDED"},
        item=16,
        check=lambda plan: "no potassium-lowering or potassium-raising drug" in plan.medicines.text,
    ),
    Case15(
        "item12-discharge-at-30-hours-outpatient-draws-and-48h",
        {"modifiers": {"planned_discharge_at": (FIRST + timedelta(hours=30)).isoformat()}},
        Tier.standard,
        STANDARD,
        "none",
        warnings_include={"WARN-DISCHARGE", "WARN-DISCHARGE-48H"},
        item=12,
        check=lambda plan: (
            [d.hours_after_first_dose for d in plan.schedule if d.outpatient]
            == [48, 96, 120, 144, 168, 336]
        ),
    ),
    Case15(
        "item17-folate-normal-b12-deficient-folate-warning-is-a-note",
        {"labs": {"folate": lab(20, "nmol/L")}},
        Tier.standard,
        STANDARD,
        "none",
        item=17,
        check=lambda plan: _level(plan, "WARN-FOLATE-ALONE") == "info",
    ),
    Case15(
        "item17-folic-acid-planned-full-strength",
        {"modifiers": {"folic_acid_planned": True}},
        Tier.standard,
        STANDARD,
        "none",
        item=17,
        check=lambda plan: _level(plan, "WARN-FOLATE-ALONE") == "warning",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_issue15_golden(case: Case15) -> None:
    plan = _run(case, proto(US) if case.us else None)
    assert plan.risk.tier is case.tier
    electro = [
        d.hours_after_first_dose
        for d in plan.schedule
        if "potassium" in d.tests and not d.before_first_dose
    ]
    assert electro == case.draws
    k = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert k.kind == case.k_kind, k.text
    if case.k_kind == "oral":
        assert k.daily_amount == case.k_per_day
    assert {g.rule_id for g in plan.gates} == case.gates
    warned = {w.rule_id for w in plan.warnings}
    assert case.warnings_include <= warned
    assert not (case.warnings_exclude & warned)
    assert case.check(plan), case.id
