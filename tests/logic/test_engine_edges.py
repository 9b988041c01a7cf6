"""Engine behaviour at the edges: input problems, follow-ups, overrides, and reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from desktop_app.logic.engine import evaluate, plan_id_for
from desktop_app.logic.errors import InputError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Tier
from tests.logic.helpers import FIRST, NOW, base_case, hours, inputs, lab, proto


def problems(**over: object) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        evaluate(proto(), inputs(**over), now=NOW)
    return {p.path: p.message for p in info.value.problems}


def test_empty_inputs_list_every_required_field() -> None:
    with pytest.raises(InputError) as info:
        evaluate(proto(), PlanInputs(), now=NOW)
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "patient.identifier",
        "patient.name",
        "patient.date_of_birth",
        "patient.sex",
        "regimen.preset_id",
        "regimen.first_dose_at",
        "labs.haemoglobin",
    }


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone"):
        evaluate(proto(), inputs(), now=datetime(2026, 11, 26, 12))


def test_naive_sample_time_is_refused_by_the_model() -> None:
    case = base_case(
        labs={"potassium": {"value": 4, "unit": "mmol/L", "sampled_at": "2026-11-26T07:00"}}
    )
    with pytest.raises(ValidationError, match="needs a timezone offset"):
        PlanInputs.model_validate(case)


def test_dates_that_cannot_be() -> None:
    found = problems(patient={"date_of_birth": "2027-01-01"})
    assert found["patient.date_of_birth"] == "is in the future"
    found = problems(
        patient={"date_of_birth": "2026-12-01"},
        regimen={"preset_id": "oral-high-dose", "first_dose_at": FIRST.isoformat()},
    )
    assert "patient.date_of_birth" in found
    # A future date of birth is blamed on itself alone, never on a correct first dose.
    found = problems(patient={"date_of_birth": "2026-11-27"})
    assert found["patient.date_of_birth"] == "is in the future"
    assert "regimen.first_dose_at" not in found
    found = problems(
        patient={"date_of_birth": "2026-11-25"},
        regimen={"preset_id": "oral-high-dose", "first_dose_at": "2026-11-24T09:00:00+00:00"},
    )
    assert found["regimen.first_dose_at"] == "is before the date of birth"
    assert "patient.date_of_birth" not in found


def test_unknown_regimen_and_drug_ids() -> None:
    found = problems(
        regimen={"preset_id": "magic", "first_dose_at": FIRST.isoformat()},
        modifiers={"k_lowering_drugs": ["chocolate"], "k_raising_drugs": ["salt"]},
    )
    assert "not a regimen of protocol uk-default" in found["regimen.preset_id"]
    assert found["modifiers.k_lowering_drugs[0]"] == "'chocolate' is not a known drug class"
    assert found["modifiers.k_raising_drugs[0]"] == "'salt' is not a known drug class"


def test_future_samples_and_bad_followups() -> None:
    found = problems(
        labs={"potassium": lab(4, "mmol/L", NOW + timedelta(hours=1))},
        followups=[
            {
                "analyte": "potassium",
                "value": 40,
                "unit": "mmol/L",
                "sampled_at": hours(-5).isoformat(),
            },
            {
                "analyte": "magnesium",
                "value": 0.8,
                "unit": "mmol/L",
                "sampled_at": (NOW + timedelta(days=1)).isoformat(),
            },
        ],
    )
    assert "is in the future" in found["labs.potassium.sampled_at"]
    assert "Did you mean 4 mmol/L?" in found["followups[0].value"]
    assert "enter it as a baseline" in found["followups[0].sampled_at"]
    assert "is in the future" in found["followups[1].sampled_at"]


def test_hb_with_bad_unit_is_one_problem_not_two() -> None:
    found = problems(labs={"haemoglobin": lab(7, "g/L")})
    assert list(found) == ["labs.haemoglobin.value"]


def test_override_without_hb_is_accepted_and_recorded() -> None:
    plan = evaluate(
        proto(),
        inputs(
            labs={"haemoglobin": None},
            regimen={"preset_id": "bnf-no-neuro", "first_dose_at": FIRST.isoformat()},
            severity_override={
                "severity": "severe",
                "reason": "Hb by blood gas 61 g/L",
                "clinician": "Dr Gas",
            },
        ),
        now=NOW,
    )
    assert plan.anaemia.severity == "severe" and plan.anaemia.derived == "unknown"
    assert plan.anaemia.overridden and "Dr Gas" in plan.anaemia.reason.explanation
    assert plan.risk.tier is Tier.high


def test_sex_unknown_uses_the_higher_mild_threshold_and_child_note() -> None:
    plan = evaluate(
        proto(),
        inputs(
            patient={"sex": "unknown", "date_of_birth": "2012-01-01"},
            labs={"haemoglobin": lab(125, "g/L")},
        ),
        now=NOW,
    )
    assert plan.anaemia.derived == "mild"
    assert "higher (male) threshold" in plan.anaemia.reason.explanation
    assert "15 years and over" in plan.anaemia.reason.explanation
    female = evaluate(
        proto(), inputs(patient={"sex": "female"}, labs={"haemoglobin": lab(125, "g/L")}), now=NOW
    )
    assert female.anaemia.derived == "none"


def test_baseline_after_first_dose_is_not_a_baseline() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": lab(4.0, "mmol/L", hours(1))}), now=hours(2))
    assert "WARN-BASELINE-AFTER-DOSE" in {w.rule_id for w in plan.warnings}
    assert plan.schedule[0].before_first_dose
    assert "AFTER FIRST DOSE" in next(lab.flags for lab in plan.labs if lab.analyte == "potassium")
    assert plan.action_now.band_id is None


def test_action_now_after_start_without_any_k() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": None}), now=hours(3))
    assert plan.action_now.text.endswith("before the first B12 dose.")
    assert plan.action_now.next_check_at == hours(3)


def test_followup_k_drives_action_now_and_recheck() -> None:
    fu = [
        {
            "analyte": "potassium",
            "value": 3.2,
            "unit": "mmol/L",
            "sampled_at": hours(30).isoformat(),
        },
        {
            "analyte": "magnesium",
            "value": 0.45,
            "unit": "mmol/L",
            "sampled_at": hours(30).isoformat(),
        },
        {
            "analyte": "phosphate",
            "value": 0.5,
            "unit": "mmol/L",
            "sampled_at": hours(30).isoformat(),
        },
    ]
    plan = evaluate(proto(), inputs(followups=fu), now=hours(31))
    assert plan.action_now.text.startswith("Latest potassium 3.2 mmol/L")
    assert plan.action_now.band_id == "K-BAND-MILD"
    assert plan.action_now.next_check_at == hours(48)
    orders = {o.electrolyte: o for o in plan.orders_now}
    # The order answers the result sampled at 30 hours; it starts then, not at "now" (31 hours).
    assert orders["potassium"].start_at == hours(30)
    assert orders["magnesium"].kind == "iv" and "20 mmol (40 mEq)" in orders["magnesium"].text
    assert "Course: 3 infusions, 12 hours apart." in orders["magnesium"].text
    assert orders["phosphate"].kind == "oral"
    assert [r.band_id for r in plan.followups] == [
        "K-BAND-MILD",
        "MG-BAND-SEVERE",
        "PO4-BAND-MODERATE",
    ]
    assert plan.followups[0].hours_after_first_dose == 30


def test_recheck_by_band_can_come_before_next_draw() -> None:
    fu = [
        {
            "analyte": "potassium",
            "value": 2.3,
            "unit": "mmol/L",
            "sampled_at": hours(50).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=fu), now=hours(51))
    assert plan.action_now.next_check_at == hours(62)


def test_no_next_draw_after_the_schedule_ends() -> None:
    fu = [
        {
            "analyte": "potassium",
            "value": 4.0,
            "unit": "mmol/L",
            "sampled_at": hours(400).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=fu), now=hours(401))
    assert plan.action_now.next_check_at is None
    assert "Next potassium" not in plan.action_now.text


def test_hold_band_at_latest_k_has_no_recheck() -> None:
    fu = [
        {
            "analyte": "potassium",
            "value": 5.1,
            "unit": "mmol/L",
            "sampled_at": hours(400).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=fu), now=hours(401))
    assert plan.action_now.band_id == "K-BAND-HOLD" and plan.action_now.next_check_at is None


def test_mma_recorded_values_are_named_in_the_warning() -> None:
    plan = evaluate(
        proto(), inputs(labs={"b12": lab(200, "pmol/L"), "mma": lab(650, "nmol/L")}), now=NOW
    )
    warning = next(w for w in plan.warnings if w.rule_id == "WARN-B12-INDETERMINATE")
    assert "Recorded: 650 nmol/L." in warning.text


def test_every_cited_rule_and_source_resolves() -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": lab(2.3, "mmol/L")}), now=NOW)
    p = proto().protocol
    assert {r.id for r in plan.rules} <= set(p.all_rules())
    assert {r.key for r in plan.references} <= set(p.references)
    local = next(r for r in plan.rules if r.id == "MON-K-HIGH")
    assert local.local_policy and "hours after first dose" in local.text
    tiers = next(r for r in plan.rules if r.id == "RISK-K-LOW")
    assert tiers.text.endswith(": raises the tier to high")
    band = next(r for r in plan.rules if r.id == "K-BAND-SEVERE")
    assert band.text == "Severe: below 2.5 mmol/L"


def test_plan_id_is_stable_and_derived_when_missing() -> None:
    inp = inputs(plan_id="")
    first = plan_id_for(inp, "abc")
    assert first == plan_id_for(inp, "abc") and first.startswith("P-")
    assert first != plan_id_for(inp, "abd")
    assert plan_id_for(inputs(plan_id="X-9"), "abc") == "X-9"


def test_gated_band_rows_say_contact_prescriber() -> None:
    plan = evaluate(
        proto(), inputs(modifiers={"cannot_take_oral": True, "k_raising_drugs": ["arb"]}), now=NOW
    )
    mild = next(
        r for r in plan.k_bands if "cannot take oral" in r.label and r.band_id == "K-BAND-NBM"
    )
    assert mild.gated and mild.call_doctor
    assert mild.instruction.startswith("Contact the prescriber")
    assert "GATE-TEXT-K-RAISING" in mild.instruction


def test_same_inputs_same_plan() -> None:
    a = evaluate(proto(), inputs(), now=NOW)
    b = evaluate(proto(), inputs(), now=NOW)
    assert a == b and a.model_dump_json() == b.model_dump_json()


@pytest.mark.parametrize("weight", [1e308, 5e-324, 580.0, 5.0])
def test_implausible_weight_is_refused(weight: float) -> None:
    found = problems(patient={"weight_kg": weight})
    assert "outside the plausible range 20 to 350 kg" in found["patient.weight_kg"]


@pytest.mark.parametrize(
    "k_lab",
    [None, lab(4.0, "mmol/L", FIRST - timedelta(hours=30))],
    ids=["no-potassium", "stale-potassium"],
)
def test_no_phosphate_sandoz_while_potassium_is_unknown(k_lab: object) -> None:
    plan = evaluate(
        proto(), inputs(labs={"potassium": k_lab, "phosphate": lab(0.4, "mmol/L")}), now=NOW
    )
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.kind == "prescriber" and po4.potassium_per_day == 0
    assert "no usable potassium result" in po4.text
    assert plan.potassium_per_day == 0


def test_results_are_never_rounded_across_a_band_edge() -> None:
    plan = evaluate(
        proto(),
        inputs(
            labs={
                "potassium": lab(3.45, "mmol/L"),
                "magnesium": lab(1.7, "mg/dL"),
                "haemoglobin": lab(7.99, "g/dL"),
            }
        ),
        now=NOW,
    )
    shown = {row.analyte: row.text for row in plan.labs}
    assert shown["potassium"] == "3.45 mmol/L"
    assert shown["magnesium"] == "0.70 mmol/L"  # at the laboratory's precision (issue 15)
    assert shown["haemoglobin"] == "79.9 g/L" and plan.anaemia.derived == "severe"
    assert shown["egfr"] == "80 mL/min/1.73 m2"
    mild = next(r for r in plan.k_bands if r.band_id == "K-BAND-MILD")
    assert (mild.lower, mild.lower_inclusive) == (3.0, True)
    hyper = next(r for r in plan.k_bands if r.band_id == "K-BAND-HYPER")
    assert (hyper.lower, hyper.lower_inclusive) == (5.3, False)


@pytest.mark.parametrize("name", ["Tab\tSeparated", "Line\nBreak", "Zero\u200bWidth", "Bell\x07"])
def test_names_with_unprintable_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="cannot be printed or seen"):
        inputs(patient={"name": name})


def test_an_approved_protocol_past_its_review_date_is_marked_not_for_clinical_use() -> None:
    import json

    from tests.logic.helpers import UK
    from tests.signing import approved, signed_bytes

    raw = json.loads(UK.read_text(encoding="utf-8"))
    lp = approved(signed_bytes(raw, day="2024-01-01", review_due="2026-11-30"))
    current = evaluate(lp, inputs(), now=NOW)
    assert not current.protocol.not_for_clinical_use and current.protocol.status == "approved"
    expired = evaluate(lp, inputs(), now=NOW + timedelta(days=10))
    assert expired.protocol.not_for_clinical_use
    assert expired.protocol.status == "approved (review overdue)"
    assert expired.protocol.not_approved_text == (
        "protocol uk-default 0.1.0 is approved (review overdue): approved by "
        "Drugs and Therapeutics Committee (TEST) (Chair (TEST)) on 01-Jan-2024"
    )
    assert (
        expired.warnings[0].rule_id == "WARN-REVIEW-OVERDUE"
        and expired.warnings[0].level == "danger"
    )


def test_stale_result_order_does_not_quote_the_value() -> None:
    fu = [
        {
            "analyte": "phosphate",
            "value": 1.0,
            "unit": "mmol/L",
            "sampled_at": hours(20).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=fu), now=hours(50))
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.kind == "sample" and "1.00" not in po4.text and "30 hours old" in po4.text


def test_orders_and_their_review_times_do_not_move_with_now() -> None:
    """Two evaluations of the same inputs minutes apart give the same order lines (issue 17)."""
    low_k = inputs(labs={"potassium": lab(3.2, "mmol/L")})
    early = evaluate(proto(), low_k, now=NOW)
    later = evaluate(proto(), low_k, now=NOW + timedelta(minutes=7))
    assert early.orders_now == later.orders_now
    k = next(o for o in early.orders_now if o.kind == "oral")
    assert k.start_at == FIRST and k.review_at is not None and k.review_at > FIRST
