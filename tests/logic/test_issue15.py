"""Issue 15 engine corrections: each test fails on the engine before its item was done."""

from __future__ import annotations

from desktop_app.logic.engine import evaluate
from tests.logic.helpers import NOW, inputs, lab, proto


def _k_order(plan):  # type: ignore[no-untyped-def]
    return next(o for o in plan.orders_now if o.electrolyte == "potassium")


# Item 1: a 12-lead ECG for every potassium below K-ECG-BELOW, whatever the band or route.


def test_item1_nbm_k_below_ecg_threshold_orders_ecg() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(2.8, "mmol/L")}, modifiers={"cannot_take_oral": True}),
        now=NOW,
    )
    assert _k_order(plan).kind == "iv"
    assert plan.action_now.ecg_now
    assert "12-lead ECG now" in plan.action_now.text
    assert "K-ECG-BELOW" in plan.action_now.reason.rule_ids
    # The not-by-mouth rows of the table: every row reaching below 3.0 asks for the ECG.
    rows = {r.label: r for r in plan.k_bands}
    assert rows["Moderate: 2.5 to below 3.0 mmol/L (cannot take oral)"].ecg
    assert (
        "K-ECG-BELOW"
        in rows["Moderate: 2.5 to below 3.0 mmol/L (cannot take oral)"].reason.rule_ids
    )
    assert not rows["Mild: 3.0 to below 3.5 mmol/L (cannot take oral)"].ecg


def test_item1_gated_k_below_ecg_threshold_still_orders_ecg() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(2.3, "mmol/L"), "egfr": lab(25, "mL/min/1.73 m2")}),
        now=NOW,
    )
    assert _k_order(plan).kind == "prescriber"
    assert plan.action_now.ecg_now and "12-lead ECG now" in plan.action_now.instruction
    gated = plan.k_bands[0]
    assert gated.gated and gated.ecg and "12-lead ECG now" in gated.instruction


def test_item1_k_at_ecg_threshold_needs_no_ecg() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": lab(3.0, "mmol/L")}), now=NOW)
    assert not plan.action_now.ecg_now
    assert "ECG" not in plan.action_now.text


# Item 2: IV magnesium (NHS Highland regimen) with cardiac disease needs the prescriber, and the
# order prints Highland's restriction.

HIGHLAND = "Not for patients with heart block or existing myocardial damage"


def _mg_order(plan):  # type: ignore[no-untyped-def]
    return next(o for o in plan.orders_now if o.electrolyte == "magnesium")


def test_item2_iv_magnesium_for_cardiac_patient_needs_prescriber() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"magnesium": lab(0.4, "mmol/L")}, modifiers={"cardiac_disease": True}),
        now=NOW,
    )
    mg = _mg_order(plan)
    assert mg.kind == "prescriber" and mg.needs_prescriber
    assert HIGHLAND in mg.text
    assert "MG-IV-RESTRICTION" in mg.reason.rule_ids
    row = next(r for r in plan.mg_bands if r.band_id == "MG-BAND-SEVERE")
    assert row.order is not None and HIGHLAND in row.order.text


def test_item2_iv_magnesium_order_always_prints_the_restriction() -> None:
    plan = evaluate(proto(), inputs(labs={"magnesium": lab(0.4, "mmol/L")}), now=NOW)
    mg = _mg_order(plan)
    assert mg.kind == "iv" and HIGHLAND in mg.text
    assert "MG-IV-RESTRICTION" in mg.reason.rule_ids


def test_item2_band_table_is_not_shared_between_cardiac_and_other_patients() -> None:
    other = evaluate(proto(), inputs(), now=NOW)
    cardiac = evaluate(proto(), inputs(modifiers={"cardiac_disease": True}), now=NOW)
    again = evaluate(proto(), inputs(), now=NOW)

    def severe(plan):  # type: ignore[no-untyped-def]
        return next(r for r in plan.mg_bands if r.band_id == "MG-BAND-SEVERE").order.kind

    assert (severe(other), severe(cardiac), severe(again)) == ("iv", "prescriber", "iv")


# Item 10: a result is banded on the value as shown, at the laboratory's precision.


def test_item10_k_shown_as_5_0_is_held() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": lab(4.9999999999, "mmol/L")}), now=NOW)
    k_row = next(r for r in plan.labs if r.analyte == "potassium")
    assert k_row.text == "5.0 mmol/L"
    assert _k_order(plan).kind == "hold"
    assert plan.action_now.band_id == "K-BAND-HOLD"


def test_item10_k_typed_to_two_places_keeps_them() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": lab(3.45, "mmol/L")}), now=NOW)
    assert next(r for r in plan.labs if r.analyte == "potassium").text == "3.45 mmol/L"
    assert plan.action_now.band_id == "K-BAND-MILD"


def test_item10_us_magnesium_1_7_mg_dl_is_normal_and_shown_at_protocol_precision() -> None:
    from desktop_app.logic.protocol import Tier
    from tests.logic.helpers import FIRST, US

    plan = evaluate(
        proto(US),
        inputs(
            regimen={"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()},
            labs={"magnesium": lab(1.7, "mg/dL")},
        ),
        now=NOW,
    )
    mg_row = next(r for r in plan.labs if r.analyte == "magnesium")
    assert mg_row.text == "0.70 mmol/L" and "LOW" not in mg_row.flags
    assert _mg_order(plan).kind == "none"
    assert plan.risk.tier is Tier.standard


# Item 11: a first dose before the monitoring window is not the initiation hazard.


def _long_ago(days: int = 30) -> dict[str, object]:
    from datetime import timedelta

    return {
        "regimen": {
            "preset_id": "bnf-no-neuro",
            "first_dose_at": (NOW - timedelta(days=days)).isoformat(),
        },
        "labs": {"haemoglobin": lab(64, "g/L"), "potassium": lab(3.2, "mmol/L")},
    }


def test_item11_first_dose_before_the_window_is_not_the_initiation_hazard() -> None:
    from desktop_app.logic.protocol import Tier

    plan = evaluate(proto(), inputs(**_long_ago()), now=NOW)
    factors = {f.rule_id for f in plan.risk.factors}
    assert "RISK-SEVERE-PARENTERAL" not in factors  # no tier from B12 alone
    assert "RISK-K-LOW" in factors  # the potassium itself still counts
    assert plan.risk.tier is Tier.high
    w = next(w for w in plan.warnings if w.rule_id == "WARN-PAST-WINDOW")
    for cause in ("drugs", "GI losses", "magnesium", "pseudohypokalaemia"):
        assert cause in w.text
    assert "not the initiation hazard" in w.text
    assert "not the initiation hazard" in plan.action_now.text
    assert "Continue the schedule" not in plan.action_now.text
    # The results taken now are used as current results, not refused as "after the first dose".
    assert _k_order(plan).kind == "oral"
    assert "WARN-BASELINE-AFTER-DOSE" not in {w.rule_id for w in plan.warnings}


def test_item11_only_b12_risk_gives_the_standard_tier() -> None:
    from desktop_app.logic.protocol import Tier

    over = _long_ago()
    over["labs"] = {"haemoglobin": lab(64, "g/L")}
    plan = evaluate(proto(), inputs(**over), now=NOW)
    assert plan.risk.tier is Tier.standard
    assert "not the initiation hazard" in plan.risk.reason.explanation


def test_item11_inside_the_window_nothing_changes() -> None:
    plan = evaluate(proto(), inputs(**_long_ago(days=0)), now=NOW)
    assert "RISK-SEVERE-PARENTERAL" in {f.rule_id for f in plan.risk.factors}
    assert "WARN-PAST-WINDOW" not in {w.rule_id for w in plan.warnings}


def test_item11_results_taken_now_are_not_flagged_after_the_first_dose() -> None:
    from datetime import timedelta

    over = _long_ago()
    over["labs"] = {
        "haemoglobin": lab(64, "g/L"),
        "potassium": lab(3.2, "mmol/L"),
        "magnesium": lab(0.8, "mmol/L", NOW - timedelta(hours=30)),
    }
    plan = evaluate(proto(), inputs(**over), now=NOW)
    flags = {r.analyte: r.flags for r in plan.labs}
    assert flags["potassium"] == ("LOW",)
    assert flags["magnesium"] == ("STALE",)
    assert "WARN-STALE" in {w.rule_id for w in plan.warnings}


# Item 14: a result that was not used, newer than the one used, is shown with "repeat to confirm".


def _unused(value_text: str, hours_before_now: float, analyte: str = "potassium") -> dict:  # type: ignore[type-arg]
    from datetime import timedelta

    return {
        "analyte": analyte,
        "value_text": value_text,
        "sampled_at": (NOW - timedelta(hours=hours_before_now)).isoformat(),
        "why": "status preliminary: a preliminary result may still change",
    }


def test_item14_preliminary_newer_result_is_shown_with_repeat_to_confirm() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(3.1, "mmol/L")}, unused_results=[_unused("2.2 mmol/L", 1)]),
        now=NOW,
    )
    w = next(w for w in plan.warnings if w.rule_id == "WARN-NEWER-NOT-USED")
    assert w.level == "danger"
    assert "2.2 mmol/L" in w.text and "3.1 mmol/L" in w.text
    assert "repeat to confirm before the first dose" in w.text
    assert "preliminary" in w.text


def test_item14_older_unused_result_leaves_no_warning() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"potassium": lab(3.1, "mmol/L")}, unused_results=[_unused("2.2 mmol/L", 9)]),
        now=NOW,
    )
    assert "WARN-NEWER-NOT-USED" not in {w.rule_id for w in plan.warnings}


def test_item14_unused_result_with_none_used_is_shown() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"magnesium": None}, unused_results=[_unused("0.4 mmol/L", 9, "magnesium")]),
        now=NOW,
    )
    w = next(w for w in plan.warnings if w.rule_id == "WARN-NEWER-NOT-USED")
    assert "no result of this test was used" in w.text


# Item 13: eGFR from creatinine (CKD-EPI 2021, race-free; Inker et al., NEJM 2021).
# Worked by hand: 250 micromol/L = 2.828 mg/dL; man of 66; 142 x (2.828/0.9)^-1.200 x 0.9938^66
# = 142 x 0.2531 x 0.6633 = 23.8, shown as 24.


def test_item13_egfr_is_computed_from_creatinine_and_gates_as_a_low_egfr() -> None:
    plan = evaluate(
        proto(),
        inputs(labs={"egfr": None, "creatinine": lab(250, "micromol/L")}),
        now=NOW,
    )
    gates = {g.rule_id for g in plan.gates}
    assert "GATE-TEXT-RENAL" in gates and "GATE-TEXT-RENAL-UNKNOWN" not in gates
    row = next(r for r in plan.labs if r.analyte == "egfr")
    assert row.text == "24 mL/min/1.73 m2" and "COMPUTED" in row.flags
    w = next(w for w in plan.warnings if w.rule_id == "WARN-EGFR-COMPUTED")
    assert "24 mL/min/1.73 m2" in w.text and "race-free CKD-EPI" in w.text
    assert "EGFR-CKDEPI-142" in w.reason.rule_ids


def test_item13_normal_creatinine_gives_no_renal_gate() -> None:
    # 80 micromol/L, man of 66: 142 x (0.905/0.9)^-1.200 x 0.9938^66 = 93.6.
    plan = evaluate(
        proto(), inputs(labs={"egfr": None, "creatinine": lab(80, "micromol/L")}), now=NOW
    )
    assert not plan.gates
    assert next(r for r in plan.labs if r.analyte == "egfr").text == "94 mL/min/1.73 m2"


def test_item13_female_coefficients() -> None:
    # 60 micromol/L = 0.679 mg/dL, woman of 66: 142 x (0.679/0.7)^-0.241 x 0.9938^66 x 1.012
    # = 96.0.
    plan = evaluate(
        proto(),
        inputs(
            patient={"sex": "female"},
            labs={"egfr": None, "creatinine": lab(60, "micromol/L")},
        ),
        now=NOW,
    )
    assert next(r for r in plan.labs if r.analyte == "egfr").text == "96 mL/min/1.73 m2"


def test_item13_a_measured_egfr_is_used_as_given_and_neither_gates() -> None:
    given = evaluate(
        proto(),
        inputs(labs={"egfr": lab(50, "mL/min/1.73 m2"), "creatinine": lab(250, "micromol/L")}),
        now=NOW,
    )
    assert next(r for r in given.labs if r.analyte == "egfr").text == "50 mL/min/1.73 m2"
    assert "WARN-EGFR-COMPUTED" not in {w.rule_id for w in given.warnings}
    neither = evaluate(proto(), inputs(labs={"egfr": None}), now=NOW)
    assert {g.rule_id for g in neither.gates} == {"GATE-TEXT-RENAL-UNKNOWN"}


def test_item13_unknown_sex_computes_nothing() -> None:
    plan = evaluate(
        proto(),
        inputs(
            patient={"sex": "unknown"}, labs={"egfr": None, "creatinine": lab(80, "micromol/L")}
        ),
        now=NOW,
    )
    assert "GATE-TEXT-RENAL-UNKNOWN" in {g.rule_id for g in plan.gates}


def test_item2_a_review_modifier_without_its_restriction_is_refused() -> None:
    """an IV dose with prescriber_review_if needs its restriction"""
    import pytest
    from pydantic import ValidationError

    from desktop_app.logic.protocol import IVDose

    rate = {
        "id": "X-RATE",
        "value": 1,
        "unit": "mmol/hour",
        "source": "local",
        "local_policy": True,
    }
    with pytest.raises(ValidationError, match="needs its restriction"):
        IVDose.model_validate(
            {"product": "X-BAG", "max_rate": rate, "prescriber_review_if": ["cardiac_disease"]}
        )


# Item 16: "none" and "not recorded" co-medication are different states.


def test_item16_drug_list_not_recorded_is_said_on_the_plan() -> None:
    plan = evaluate(proto(), inputs(modifiers={}), now=NOW)
    assert inputs(modifiers={}).modifiers.drug_list_state() == "not_recorded"
    assert "WARN-DRUGS-NOT-RECORDED" in {w.rule_id for w in plan.warnings}
    assert plan.medicines.text.startswith("Medicines: NOT RECORDED")


def test_item16_drug_list_recorded_as_none() -> None:
    plan = evaluate(proto(), inputs(modifiers={"drug_list": "recorded"}), now=NOW)
    assert "WARN-DRUGS-NOT-RECORDED" not in {w.rule_id for w in plan.warnings}
    assert plan.medicines.text == (
        "Medicines: reviewed; no potassium-lowering or potassium-raising drug."
    )


def test_item16_old_file_with_drugs_migrates_to_recorded() -> None:
    from desktop_app.logic.models import RiskModifiers

    old = RiskModifiers.model_validate({"k_lowering_drugs": ["loop_diuretic"]})
    assert old.drug_list is None and old.drug_list_state() == "recorded"
    assert RiskModifiers.model_validate({}).drug_list_state() == "not_recorded"
    stated = RiskModifiers.model_validate({"drug_list": "not_recorded", "k_raising_drugs": ["x"]})
    assert stated.drug_list_state() == "not_recorded"
    plan = evaluate(proto(), inputs(modifiers={"k_lowering_drugs": ["loop_diuretic"]}), now=NOW)
    assert "loop" in plan.medicines.text.lower()


# Item 12: draws after a discharge inside the monitoring window are outpatient draws.


def test_item12_draws_after_discharge_are_outpatient_with_who_reviews() -> None:
    from tests.logic.helpers import hours

    plan = evaluate(
        proto(), inputs(modifiers={"planned_discharge_at": hours(30).isoformat()}), now=NOW
    )
    electro = [d for d in plan.schedule if "potassium" in d.tests]
    assert [d.outpatient for d in electro] == [False, False, True, True, True]
    late = electro[2]
    assert "OUTPATIENT" in late.purpose and "reviewed by" in late.purpose
    assert "MON-OUTPATIENT" in late.reason.rule_ids
    w = next(w for w in plan.warnings if w.rule_id == "WARN-DISCHARGE-48H")
    assert "inside the label's 48 hours" in w.text


def test_item12_discharge_after_48_hours_is_not_said_to_be_inside_them() -> None:
    from tests.logic.helpers import hours

    plan = evaluate(
        proto(), inputs(modifiers={"planned_discharge_at": hours(60).isoformat()}), now=NOW
    )
    assert [d.outpatient for d in plan.schedule if "potassium" in d.tests] == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert "WARN-DISCHARGE-48H" not in {w.rule_id for w in plan.warnings}
    assert "WARN-DISCHARGE" in {w.rule_id for w in plan.warnings}


# Item 17: the folic-acid warning at full strength only when it matters, else a note.


def _folate_level(plan):  # type: ignore[no-untyped-def]
    return next(w.level for w in plan.warnings if w.rule_id == "WARN-FOLATE-ALONE")


def test_item17_folate_alone_is_a_note_when_b12_is_known_deficient_and_folate_normal() -> None:
    plan = evaluate(proto(), inputs(labs={"folate": lab(20, "nmol/L")}), now=NOW)
    assert _folate_level(plan) == "info"


def test_item17_folate_alone_at_full_strength_when_it_matters() -> None:
    low = evaluate(proto(), inputs(labs={"folate": lab(4, "nmol/L")}), now=NOW)
    planned = evaluate(proto(), inputs(modifiers={"folic_acid_planned": True}), now=NOW)
    unknown = evaluate(proto(), inputs(labs={"b12": None}), now=NOW)
    indeterminate = evaluate(proto(), inputs(labs={"b12": lab(200, "pmol/L")}), now=NOW)
    assert [_folate_level(p) for p in (low, planned, unknown, indeterminate)] == ["warning"] * 4
