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
