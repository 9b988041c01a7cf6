"""The schedule's progress (issue 17 item 7): results matched to draws; done, overdue, pending.

The standard tier (oral B12, the helpers' base case) draws potassium with magnesium and phosphate
at 12, 24, 48, 120 and 168 hours, FBC and reticulocytes at 96, 120 and 144 hours and platelets at
336 hours (resources/protocols/uk-default.json): five draws whose results are entered here. The
shipped matching window is 3 hours (MON-RESULT-MATCH-HOURS) and the overdue grace 2 hours
(MON-OVERDUE-HOURS). The expectations below were worked out by hand from those numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.plan import Draw, Plan
from desktop_app.logic.progress import SHORT_NAMES, UNMATCHED_TEXT
from tests.logic.helpers import FIRST, inputs, lab, proto

UNITS = {"potassium": "mmol/L", "magnesium": "mmol/L", "phosphate": "mmol/L"}
#: A high-tier case: severe anaemia on intramuscular loading (draws at 6, 12, 24, 36 ... hours).
HIGH = {
    "labs": {"haemoglobin": lab(64, "g/L")},
    "regimen": {"preset_id": "bnf-no-neuro", "first_dose_at": FIRST.isoformat()},
}


def fu(analyte: str, value: float, hours: float) -> dict[str, Any]:
    """A follow-up result sampled `hours` after the first dose."""
    at = FIRST + timedelta(hours=hours)
    return {
        "analyte": analyte,
        "value": value,
        "unit": UNITS[analyte],
        "sampled_at": at.isoformat(),
    }


def trio(hours: float, k: float = 3.6, mg: float = 0.8, po4: float = 0.9) -> list[dict[str, Any]]:
    """Potassium, magnesium and phosphate sampled together."""
    return [fu("potassium", k, hours), fu("magnesium", mg, hours), fu("phosphate", po4, hours)]


def plan_at(now_hours: float, results: list[dict[str, Any]], **over: Any) -> Plan:
    """The plan at `now_hours` after the first dose with these follow-up results."""
    now = FIRST + timedelta(hours=now_hours)
    return evaluate(proto(), inputs(followups=results, **over), now=now)


def draw(plan: Plan, hours: float) -> Draw:
    """The tracked draw at `hours` after the first dose."""
    (found,) = [d for d in plan.schedule if d.hours_after_first_dose == hours and d.tracked]
    return found


def test_a_draw_with_its_three_results_is_done_and_ticked_with_each_value_and_unit() -> None:
    plan = plan_at(13, trio(12.5))
    d = draw(plan, 12)
    assert d.done and not d.overdue
    assert [r.analyte for r in d.results] == ["potassium", "magnesium", "phosphate"]
    assert [r.hours_from_draw for r in d.results] == [0.5, 0.5, 0.5]
    shown = {row.analyte: row.text for row in plan.followups}
    assert d.progress_text == "\u2713 " + ", ".join(
        f"{SHORT_NAMES[a]} {shown[a]}" for a in ("potassium", "magnesium", "phosphate")
    )
    assert d.progress_text.startswith("\u2713 K 3.6 mmol/L, Mg 0.8")
    assert plan.progress.note == "1 of 5 draws done, 0 overdue."
    assert (plan.progress.tracked, plan.progress.done, plan.progress.overdue) == (5, 1, 0)
    assert draw(plan, 24).progress_text == "pending" and not draw(plan, 24).done


@pytest.mark.parametrize(
    ("offset_minutes", "matched"),
    [
        (180, True),  # exactly 3 hours after the draw: counts
        (-180, True),  # exactly 3 hours before it: counts
        (181, False),  # one minute past the window
        (-181, False),
    ],
)
def test_the_matching_window_counts_its_edges_and_nothing_past_them(
    offset_minutes: int, matched: bool
) -> None:
    plan = plan_at(16, [fu("potassium", 3.6, 12 + offset_minutes / 60)])
    d = draw(plan, 12)
    assert bool(d.results) is matched
    if matched:
        assert d.results[0].hours_from_draw == offset_minutes / 60
        assert plan.progress.unmatched == ()
    else:
        (lost,) = plan.progress.unmatched
        assert lost.short_name == "K" and lost.hours_from_draw is None
        assert lost.text == plan.followups[0].text
        assert plan.progress.note.endswith(f"1 result {UNMATCHED_TEXT}.")


def test_a_draw_is_overdue_only_once_the_grace_has_passed_at_the_engines_now() -> None:
    on_the_limit = draw(plan_at(14, []), 12)  # 12 h draw + 2 h grace: not yet
    assert not on_the_limit.overdue and on_the_limit.progress_text == "pending"
    just_past = plan_at(14 + 1 / 60, [])
    late = draw(just_past, 12)
    assert late.overdue and not late.done
    assert late.progress_text.startswith("OVERDUE: no K, Mg, PO4 result")
    assert "escalate" in late.progress_text and "call the doctor" not in late.progress_text
    assert just_past.progress.note.startswith("0 of 5 draws done, 1 overdue.")
    assert "escalate" in just_past.progress.note
    answered = draw(plan_at(14 + 1 / 60, trio(13)), 12)
    assert answered.done and not answered.overdue


def test_two_results_of_one_test_both_count_for_the_one_draw() -> None:
    plan = plan_at(14, [*trio(11, k=3.4), fu("potassium", 3.7, 13)])
    d = draw(plan, 12)
    ks = [r.text for r in d.results if r.analyte == "potassium"]
    assert len(ks) == 2 and ks[0].startswith("3.4") and ks[1].startswith("3.7")
    assert d.done
    # Per test, K first; a test with two results shows each with its clock time (14:00 + 11 h).
    assert d.progress_text.startswith("\u2713 K 3.4 mmol/L at 01:00, K 3.7 mmol/L at 03:00, Mg ")
    assert draw(plan, 24).results == ()


def test_a_result_between_two_draws_goes_to_the_nearer_the_earlier_on_a_tie_or_to_none() -> None:
    tie = plan_at(10, [fu("potassium", 3.6, 9)], **HIGH)  # 3 hours from the 6 h and the 12 h draw
    assert len(draw(tie, 6).results) == 1 and draw(tie, 12).results == ()
    nearer = plan_at(10, [fu("potassium", 3.6, 9 + 1 / 60)], **HIGH)
    assert draw(nearer, 6).results == () and len(draw(nearer, 12).results) == 1
    # Standard tier: 18 hours is 6 hours from both the 12 h and the 24 h draw.
    far = plan_at(19, [fu("potassium", 3.6, 18)])
    assert draw(far, 12).results == () and draw(far, 24).results == ()
    assert [r.short_name for r in far.progress.unmatched] == ["K"]


def test_a_draw_with_only_some_results_says_what_is_awaited_then_is_overdue() -> None:
    waiting = draw(plan_at(13, [fu("potassium", 3.6, 12)]), 12)
    assert not waiting.done and not waiting.overdue
    assert waiting.progress_text.endswith("; awaiting Mg, PO4")
    assert waiting.progress_text.startswith("\u2713 K 3.6 mmol/L")
    late = draw(plan_at(15, [fu("potassium", 3.6, 12)]), 12)
    assert late.overdue and late.progress_text.startswith("OVERDUE: no Mg, PO4 result (have K 3.6")


def test_draws_whose_results_are_not_entered_here_are_never_overdue() -> None:
    plan = plan_at(150, [])
    fbc_only = [d for d in plan.schedule if d.hours_after_first_dose in (96, 144)]
    assert len(fbc_only) == 2
    assert all(not d.tracked and not d.overdue and not d.done for d in fbc_only)
    assert all(d.progress_text == "results not entered here" for d in fbc_only)
    assert plan.progress.note.startswith("0 of 5 draws done, 4 overdue.")  # 12, 24, 48, 120


def test_a_result_after_the_first_dose_never_answers_the_draw_before_it() -> None:
    plan = plan_at(3, [fu("potassium", 3.6, 0.5)], labs={"potassium": None})
    before = plan.schedule[0]
    assert before.before_first_dose and before.tracked
    assert before.results == () and before.overdue  # 3 hours after its time, no baseline yet
    assert [r.short_name for r in plan.progress.unmatched] == ["K"]
    # No baseline potassium raises the tier: the draw before the dose, then 12 ... 168 hours.
    assert plan.risk.tier.value == "raised"
    assert plan.progress.note.startswith("0 of 7 draws done, 1 overdue.")


def test_the_window_and_grace_are_local_policy_and_cited_with_their_values() -> None:
    plan = plan_at(13, [])
    mon = proto().protocol.monitoring
    assert plan.progress.reason.rule_ids == ("MON-RESULT-MATCH-HOURS", "MON-OVERDUE-HOURS")
    assert plan.progress.reason.local_policy
    assert plan.progress.policy == (
        f"A result counts for a draw if sampled within {mon.result_match_hours.value:g} hours of "
        f"its time; a draw with no result {mon.overdue_after_hours.value:g} hours after its time "
        "is overdue (local policy: MON-RESULT-MATCH-HOURS, MON-OVERDUE-HOURS)."
    )
    cited = {r.id: r for r in plan.rules}
    assert cited["MON-RESULT-MATCH-HOURS"].local_policy
    assert cited["MON-OVERDUE-HOURS"].text == "2 hours"
