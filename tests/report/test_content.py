"""The sheet's content model, asserted against the Plan for every golden case (VER-02, CLN-01)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from desktop_app.logic.plan import Plan
from desktop_app.logic.textfmt import when
from desktop_app.report import content as C
from desktop_app.report.content import SheetContent, build_content, merge_reasons
from tests.report.cases import (
    CASES,
    FIRST,
    approved_plan,
    demo_plan,
    followup_plan,
    gated_plan,
    nil_by_mouth_plan,
    overrides_plan,
    severe_plan,
    us_plan,
    void_plan,
)
from tests.report.conftest import Rendered, norm


def test_demo_header_and_footer_are_the_patient_and_the_protocol() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    h = sheet.header
    assert (h.patient_name, h.identifier, h.date_of_birth, h.sex, h.ward, h.weight, h.plan_id) == (
        "Margaret Ellison (DEMO)",
        "RX0042137",
        "14-Mar-1948 (78 years)",
        "female",
        "Ward 7B (Acute Medicine)",
        "58 kg",
        "DEMO-0001",
    )
    assert h.prescriber == "Dr A. Okafor (DEMO)"
    assert h.title == C.SHEET_TITLE
    assert not h.gated
    assert h.not_for_clinical_use
    assert "NOT FOR CLINICAL USE" in h.not_for_clinical_use_text
    p = plan.protocol
    f = sheet.footer
    assert f.stamp == (
        f"{p.protocol_id} version {p.version}",
        f"SHA-256 {p.sha256[:16]}",
        f"B12-K Planner {plan.app_version}",
        f"content SHA-256 {p.content_sha256}",
    )
    assert f.protocol_line.startswith(C.FOOTER_MARK)
    for item in (p.title, *f.stamp[:2], "status draft", "NOT APPROVED", "approval date: none"):
        assert item in f.protocol_line
    assert f.app_line == (
        f"B12-K Planner {plan.app_version} | generated Thu 26-Nov-2026 12:00 (UTC+00:00) "
        "| plan DEMO-0001"
    )
    assert f.intended_use == f"Intended use: {p.intended_use}"


def test_demo_results_keep_reported_precision_and_flags() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    assert [(r.label, r.value, r.flags) for r in sheet.results] == [
        (lab.label, lab.text, ", ".join(lab.flags)) for lab in plan.labs
    ]
    by_label = {r.label: r for r in sheet.results}
    assert by_label["Potassium"].value == "3.4 mmol/L"
    assert by_label["Potassium"].flags == "LOW"
    assert by_label["Haemoglobin"].entered == "6.4 g/dL"  # converted: the entry is shown too
    assert by_label["Magnesium"].entered == ""  # not converted: not repeated
    assert all(r.sampled.endswith(("07:10", "14:00")) for r in sheet.results)


def test_demo_b12_order_prints_the_dates_of_the_first_doses() -> None:
    plan = demo_plan()
    b12 = build_content(plan).b12
    assert (b12.drug, b12.dose, b12.route) == (
        plan.b12_order.drug,
        plan.b12_order.dose_text,
        plan.b12_order.route,
    )
    assert b12.doses[0] == ("Dose 1", "Thu 26-Nov-2026 14:00")
    assert b12.doses == tuple((f"Dose {d.number}", when(d.at)) for d in plan.b12_order.dose_times)


def test_demo_monitoring_has_one_row_per_draw_at_its_clock_time() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    assert [d.when for d in sheet.monitoring] == [when(d.at) for d in plan.schedule]
    assert sheet.monitoring[0].when == "Thu 26-Nov-2026 20:00"
    first = sheet.monitoring[0]
    assert first.result_prompts == (
        "K ________ mmol/L",
        "Mg ________ mmol/L",
        "Phosphate ________ mmol/L",
    )
    # The demo is discharged inside the window: its platelet draw is an outpatient draw.
    platelets = [d for d in sheet.monitoring if d.tests == "OUTPATIENT: platelet count"]
    assert platelets and platelets[0].result_prompts == ()
    assert "UTC+00:00" in sheet.clock_note and "Thu 26-Nov-2026 14:00" in sheet.clock_note


def test_the_potassium_order_now_is_printed_once() -> None:
    """The engine's action text repeats the order: printed twice it reads as two orders."""
    plan = demo_plan()
    sheet = build_content(plan)
    k_order = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert [o.text for o in sheet.potassium_now] == [k_order.text]
    texts = [t for _, t, _ in sheet.marked_lines()]
    assert sum(k_order.text in t for t in texts) == 1
    assert k_order.text not in sheet.next_check.text
    assert sheet.potassium_basis == (
        "Based on the baseline potassium result: 3.4 mmol/L, sampled Thu 26-Nov-2026 07:10; "
        f"band: {next(r.text for r in plan.rules if r.id == plan.action_now.band_id)}."
    )
    assert sheet.next_check.text == (
        "Next potassium check, with magnesium and phosphate: by "
        f"{when(plan.action_now.next_check_at)}."
    )
    # Written before the first B12 dose (14:00), the order is given at once; its review time is
    # counted from the first dose, so it is the same on every print (issue 17).
    assert sheet.potassium_now[0].start == (
        "Start at once, before the first B12 dose (Thu 26-Nov-2026 14:00)"
    )
    assert "Review or stop at Sat 28-Nov-2026 14:00 (48 hours)." in k_order.text


@pytest.mark.parametrize(
    "make",
    [demo_plan, gated_plan, severe_plan, nil_by_mouth_plan, us_plan, followup_plan, approved_plan],
)
def test_every_plan_line_is_on_the_sheet(make: object) -> None:
    plan: Plan = make()  # type: ignore[operator]
    sheet = build_content(plan)
    assert [g.text for g in sheet.gates] == [g.text for g in plan.gates]
    assert [h.text for h in sheet.hold_rules] == [h.text for h in plan.hold_rules]
    assert [e.text for e in sheet.escalation] == [e.text for e in plan.escalation]
    assert sorted(w.text for w in sheet.warnings) == sorted(w.text for w in plan.warnings)
    assert [o.text for o in sheet.potassium_now + sheet.other_now] == [
        o.text for o in plan.orders_now if o.electrolyte == "potassium"
    ] + [o.text for o in plan.orders_now if o.electrolyte != "potassium"]
    for table, rows in zip(
        (sheet.potassium_table, *sheet.other_tables),
        (plan.k_bands, plan.mg_bands, plan.po4_bands),
        strict=True,
    ):
        assert [r.label for r in table.rows] == [r.label for r in rows]
        assert [r.instruction for r in table.rows] == [r.instruction for r in rows]
        for line, row in zip(table.rows, rows, strict=True):
            printed = row.order is not None and not row.gated
            assert line.order_text == (row.order.text if printed and row.order else "")
            assert (line.call_doctor, line.ecg, line.gated) == (row.call_doctor, row.ecg, row.gated)
            if row.recheck_hours:
                assert line.recheck.startswith("within ")
    assert [f.name for f in sheet.foods] == [f.name for f in plan.foods]
    assert sheet.food_note.text == plan.food_note.text
    assert [(f.label, f.tier) for f in sheet.risk.factors] == [
        (f.label, f.tier.value) for f in plan.risk.factors
    ]
    assert sheet.risk.tier_label == plan.risk.label
    assert sheet.potassium_total == f"Total potassium: {plan.potassium_per_day_text}."
    assert [s.key for s in sheet.sources] == [r.key for r in plan.references]


def _assert_marks_resolve(sheet: SheetContent, plan: Plan) -> None:
    reasons = {r.mark.label: r for r in sheet.reasons}
    assert len(reasons) == len(sheet.reasons), "a mark is listed twice"
    assert [r.mark.label for r in sheet.reasons] == [f"R{i}" for i in range(1, len(reasons) + 1)]
    rules = {r.id: r for r in plan.rules}
    source_keys = {s.key for s in sheet.sources}
    used = set()
    for section, text, mark in sheet.marked_lines():
        assert mark.label in reasons, f"{section}: {text!r} has an unresolved mark {mark.label}"
        used.add(mark.label)
        reason = reasons[mark.label]
        assert reason.rules, f"{mark.label} lists no rule"
        assert reason.sources, f"{mark.label} lists no source"
        for rule in reason.rules:
            assert rule.rule_id in rules, f"{mark.label} cites unknown rule {rule.rule_id}"
            assert rule.local_policy == rules[rule.rule_id].local_policy
        assert set(reason.sources) <= source_keys
        if any(rule.local_policy for rule in reason.rules):
            assert mark.local_policy, f"{mark.label} cites a local-policy rule but is not marked so"
    for d in sheet.monitoring:
        used.add(d.mark.label)
    used.add(sheet.b12.mark.label)
    assert used == set(reasons), "a listed mark is printed beside no line"


@pytest.mark.parametrize(
    "make",
    [demo_plan, gated_plan, severe_plan, nil_by_mouth_plan, us_plan, followup_plan, approved_plan],
)
def test_every_mark_resolves_to_rules_and_sources(make: object) -> None:
    plan: Plan = make()  # type: ignore[operator]
    _assert_marks_resolve(build_content(plan), plan)


def test_a_band_row_that_prints_a_dose_cites_the_dose_rules() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    reasons = {r.mark.label: r for r in sheet.reasons}
    for row, line in zip(plan.k_bands, sheet.potassium_table.rows, strict=True):
        cited = {r.rule_id for r in reasons[line.mark.label].rules}
        assert set(row.reason.rule_ids) <= cited
        if row.order is not None and not row.gated:
            assert set(row.order.reason.rule_ids) <= cited, row.label


def test_merge_reasons_keeps_every_rule_source_and_input_once() -> None:
    plan = demo_plan()
    a = plan.orders_now[0].reason
    b = plan.action_now.reason
    merged = merge_reasons(a, b, a)
    assert merged.rule_ids == tuple(dict.fromkeys(a.rule_ids + b.rule_ids))
    assert merged.sources == tuple(dict.fromkeys(a.sources + b.sources))
    assert merged.local_policy == (a.local_policy or b.local_policy)


def test_local_policy_rules_are_marked_on_the_sheet() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    local = {r.id for r in plan.rules if r.local_policy}
    assert local, "the demo cites local-policy rules"
    listed = {rule.rule_id for r in sheet.reasons for rule in r.rules if rule.local_policy}
    assert listed == local & {rule.rule_id for r in sheet.reasons for rule in r.rules}
    assert any(m.local_policy for _, _, m in sheet.marked_lines())


def test_gated_plan_stops_automatic_dosing_everywhere() -> None:
    plan = gated_plan()
    sheet = build_content(plan)
    assert sheet.header.gated
    assert [g.text for g in sheet.gates] == [g.text for g in plan.gates]
    assert len(sheet.gates) >= 2  # renal and potassium-sparing diuretic
    assert sheet.potassium_now[0].needs_prescriber
    gated_rows = [r for r in sheet.potassium_table.rows if r.gated]
    assert gated_rows, "oral and IV bands are gated"
    assert all(r.order_text == "" and r.call_doctor for r in gated_rows)


def test_severe_potassium_orders_the_premixed_infusion_with_its_limits() -> None:
    plan = severe_plan()
    sheet = build_content(plan)
    order = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert order.kind == "iv" and order.iv is not None
    line = sheet.potassium_now[0]
    assert line.needs_prescriber
    assert line.text == order.text
    for item in (order.iv.product, order.iv.pump, "Maximum rate", "mL/hour"):
        assert item in line.text
    assert sheet.potassium_basis.startswith("Based on the baseline potassium result: 2.3 mmol/L")
    assert ("CENTRAL LINE REQUIRED" in line.flags) == order.iv.central_line_required


def test_cannot_take_oral_replaces_the_oral_bands() -> None:
    plan = nil_by_mouth_plan()
    sheet = build_content(plan)
    labels = [r.label for r in sheet.potassium_table.rows]
    assert any("(cannot take oral)" in label for label in labels)
    assert "by mouth" not in " ".join(r.order_text for r in sheet.potassium_table.rows)


def test_us_protocol_writes_potassium_in_meq() -> None:
    plan = us_plan()
    sheet = build_content(plan)
    assert plan.protocol.potassium_unit == "mEq"
    assert "mEq/L" in sheet.potassium_basis
    assert all(f.amount.endswith("mEq") for f in sheet.foods)
    assert sheet.monitoring[0].result_prompts[0] == "K ________ mEq/L"
    assert "mEq" in sheet.potassium_now[0].text


def test_followups_are_listed_and_the_latest_potassium_is_the_basis() -> None:
    plan = followup_plan()
    sheet = build_content(plan)
    assert [(f.label, f.value) for f in sheet.followups] == [
        ("Potassium", "3.1 mmol/L"),
        ("Magnesium", "0.60 mmol/L"),
        ("Potassium", "2.8 mmol/L"),
        ("Phosphate", "0.50 mmol/L"),
    ]
    assert sheet.followups[0].after == "+6 hours"
    assert sheet.potassium_basis.startswith("Based on the latest potassium result: 2.8 mmol/L")


def test_an_approved_protocol_prints_its_signer_key_fingerprint_and_full_content_hash() -> None:
    from desktop_app.storage.keys import fingerprint
    from tests.signing import signing_key

    plan = approved_plan()
    sheet = build_content(plan)
    assert not sheet.header.not_for_clinical_use
    assert sheet.header.not_for_clinical_use_text == ""
    line = sheet.footer.protocol_line
    assert (
        "approved by Drugs and Therapeutics Committee (TEST) (Chair (TEST)) on 01-Oct-2026, "
        f"key fingerprint {fingerprint(signing_key().public_key())}" in line
    )
    assert len(plan.protocol.content_sha256) == 64
    assert f"content SHA-256 {plan.protocol.content_sha256}" in line


def test_an_approval_voided_by_an_edit_says_why_in_the_banner_and_footer() -> None:
    sheet = build_content(void_plan())
    why = (
        "APPROVAL VOID: content changed after approval by Drugs and Therapeutics Committee "
        "(TEST) (Chair (TEST)) on 01-Oct-2026"
    )
    assert sheet.header.not_for_clinical_use
    assert sheet.header.not_for_clinical_use_text == f"NOT FOR CLINICAL USE - {why}"
    assert f"NOT APPROVED for clinical use: {why}" in sheet.footer.protocol_line


def test_warnings_are_ordered_by_level_and_spelled_out(case: Rendered) -> None:
    levels = [w.level for w in case.content.warnings]
    assert set(levels) <= {"DANGER", "WARNING", "NOTE"}
    order = {"DANGER": 0, "WARNING": 1, "NOTE": 2}
    assert levels == sorted(levels, key=order.__getitem__)


def test_the_band_now_is_named_by_its_own_rule_not_by_a_shared_row() -> None:
    """Regression: two not-by-mouth rows share a band id; K 3.4 was once labelled 'Moderate'."""
    plan = nil_by_mouth_plan()
    sheet = build_content(plan)
    band = next(r.text for r in plan.rules if r.id == plan.action_now.band_id)
    assert sheet.potassium_basis.endswith(f"; band: {band}.")
    assert "Moderate" not in sheet.potassium_basis


@pytest.mark.parametrize(
    ("make", "call_doctor"), [(severe_plan, True), (demo_plan, False), (gated_plan, True)]
)
def test_the_instruction_of_the_band_now_is_printed_with_the_order(
    make: object, call_doctor: bool
) -> None:
    plan: Plan = make()  # type: ignore[operator]
    sheet = build_content(plan)
    row = next(r for r in plan.k_bands if r.band_id == plan.action_now.band_id)
    assert sheet.potassium_instruction is not None
    assert sheet.potassium_instruction.text == row.instruction
    assert sheet.potassium_call_doctor is call_doctor


def test_the_basis_line_keeps_a_threshold_out_of_parentheses() -> None:
    """Regression (found by the property test): '(5.0 mEq/L and above)' reads as an amount."""
    from desktop_app.report.lint import check_segment
    from tests.report.cases import US, case, lab, plan_of, protocol

    plan = plan_of(
        case(regimen={"preset_id": "us-common-1000"}, labs={"potassium": lab(5.1, "mEq/L")}),
        protocol(US),
    )
    sheet = build_content(plan)
    assert "5.0 mEq/L" in sheet.potassium_basis
    assert check_segment(sheet.potassium_basis, C.ORDER) == []


# ----- prescriber overrides ---------------------------------------------------------------------


def test_an_overridden_order_carries_its_mark_reason_and_name() -> None:
    plan = overrides_plan()
    sheet = build_content(plan)
    (k,) = sheet.potassium_now
    k_order = next(o for o in plan.orders_now if o.electrolyte == "potassium")
    assert k.text == k_order.text  # the prescriber's order, as the engine wrote it
    assert k.override == (
        "PRESCRIBER OVERRIDE 1: DIFFERS FROM THE PROTOCOL. Changed by Dr R. Ng. "
        "Reason: Nausea with two tablets. The protocol's recommendation is listed with the sources."
    )
    mg = next(o for o in sheet.other_now if o.electrolyte == "Magnesium")
    assert mg.override.startswith("PRESCRIBER OVERRIDE 2: DIFFERS FROM THE PROTOCOL. Declined by")
    assert "Diarrhoea with oral magnesium" in mg.override
    po4 = next(o for o in sheet.other_now if o.electrolyte == "Phosphate")
    assert po4.override == ""


def test_overridden_draws_are_marked_and_removed_draws_listed() -> None:
    plan = overrides_plan()
    sheet = build_content(plan)
    marked = {d.when: d.override for d in sheet.monitoring if d.override}
    assert marked == {
        when(FIRST + timedelta(hours=40)): (
            "PRESCRIBER OVERRIDE 3: DIFFERS FROM THE PROTOCOL. Moved by Dr R. Ng. Reason: "
            "Phlebotomy round at 06:00. The protocol's recommendation is listed with the sources."
        ),
        when(FIRST + timedelta(hours=60)): (
            "PRESCRIBER OVERRIDE 5: within the protocol's recommendation. Added by Dr R. Ng. "
            "Reason: Extra check after the dose change. The protocol's recommendation is listed "
            "with the sources."
        ),
    }
    assert sheet.removed_draws == (
        "NOT TO BE TAKEN: potassium (K), magnesium (Mg), phosphate, full blood count, "
        "reticulocytes at +144 hours. PRESCRIBER OVERRIDE 4: DIFFERS FROM THE PROTOCOL. Removed "
        "by Dr R. Ng. Reason: Planned discharge on day five. The protocol's recommendation is "
        "listed with the sources.",
    )
    # A purpose that contains "; " (an override's reason and name) stays one purpose.
    purposes = [p for d in sheet.monitoring for p in d.purposes]
    assert "Prescriber override: Phlebotomy round at 06:00 (Dr R. Ng)" in purposes


def test_the_override_list_keeps_what_the_protocol_recommended() -> None:
    plan = overrides_plan()
    lines = build_content(plan).overrides
    assert [o.label for o in lines] == [f"Override {n}" for n in range(1, 6)]
    assert [o.recommended for o in lines] == [n.recommended_text for n in plan.overrides]
    assert [(o.line, o.change, o.outside_band) for o in lines] == [
        ("Potassium order", "changed", True),
        ("Magnesium order", "declined", True),
        (f"Blood test at {when(FIRST + timedelta(hours=40))}", "moved", True),
        ("Blood test", "removed", True),
        (f"Blood test at {when(FIRST + timedelta(hours=60))}", "added", False),
    ]
    assert {o.prescriber for o in lines} == {"Dr R. Ng"}
    assert lines[0].recommended.startswith(
        "potassium chloride and potassium bicarbonate effervescent tablet (Sando-K): 2 tablets"
    )


@pytest.mark.parametrize("name", sorted(set(CASES) - {"prescriber-overrides"}))
def test_a_plan_without_overrides_prints_none(name: str, render: Callable[[str], Rendered]) -> None:
    case = render(name)
    assert not case.plan.overrides
    assert case.content.overrides == () and case.content.removed_draws == ()
    assert all(o.override == "" for o in (*case.content.potassium_now, *case.content.other_now))
    assert "PRESCRIBER OVERRIDE" not in case.text


def test_the_printed_sheet_shows_each_override_and_the_protocols_recommendation(
    render: Callable[[str], Rendered],
) -> None:
    r = render("prescriber-overrides")
    body, sources = r.text.split(C.H_SOURCES, 1)
    for note in r.plan.overrides:
        mark = f"PRESCRIBER OVERRIDE {note.index + 1}:"
        assert mark in body, mark
        assert note.reason in body and note.reason in sources
        assert norm(note.recommended_text) in sources
    assert "Dr R. Ng" in body
    assert body.count("DIFFERS FROM THE PROTOCOL") == 4
    assert "NOT TO BE TAKEN: potassium (K)" in body
    # The recommendation of a changed order is not printed as a second order in the body.
    orders_now = body.split(C.H_ORDERS_NOW, 1)[1].split(C.H_NEXT_DRAWS, 1)[0]
    assert "PRESCRIBER OVERRIDE" in orders_now
    assert "2 tablets (24 mmol)" not in orders_now
