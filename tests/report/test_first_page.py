"""Page 1 is the nurse's page (issue 17): patient, orders now, next tests, hold rules, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop_app.logic.textfmt import when
from desktop_app.report import content as C
from desktop_app.report.content import build_content
from desktop_app.report.paragraphs import glue
from tests.report.cases import CASES, demo_plan
from tests.report.conftest import Rendered, norm, rendered

#: A sheet whose STOP box and orders are too long for a Letter page 1 even drawn smaller: its
#: hold rules and escalation box start page 2 at full size (docs/order-sheet.md).
#: Gated cases whose STOP box, orders and warnings (renal gate, potassium-sparing drug, drug list)
#: fill page 1: the hold rules and when to call move whole to the top of page 2.
FLOWS_ONTO_PAGE_2 = {("gated-egfr20-k-sparing", "letter"), ("gated-egfr20-k-sparing", "a4")}
PAPERS = ("a4", "letter")


def _first_page(name: str, paper: str) -> tuple[Rendered, str]:
    case = rendered(name, paper)
    return case, norm(case.pages[0])


def _has(page: str, line: str) -> bool:
    return norm(glue(line)) in page


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_page_one_holds_the_patient_and_the_orders_in_force_now(name: str, paper: str) -> None:
    case, page = _first_page(name, paper)
    plan, sheet = case.plan, case.content
    assert plan.patient.name in page and plan.patient.identifier in page
    assert C.H_ORDERS_NOW in page
    b12 = plan.b12_order
    for text in (b12.drug, b12.dose_text, b12.route, when(b12.dose_times[0].at)):
        assert _has(page, text), text
    missing = [o.text for o in plan.orders_now if not _has(page, o.text)]
    assert missing == [], "every potassium, magnesium and phosphate order now is on page 1"
    for line in (sheet.potassium_total, sheet.next_check.text):
        assert _has(page, line), line
    if plan.gates:
        assert page.index(C.H_GATES) < page.index(C.H_ORDERS_NOW)


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_page_one_holds_the_next_tests_hold_rules_and_when_to_call(name: str, paper: str) -> None:
    case, page = _first_page(name, paper)
    sheet = case.content
    assert C.H_NEXT_DRAWS in page
    for d in sheet.next_draws:
        weekday, day, clock = d.when.split(" ")
        assert f"{clock} {weekday} {day}" in page, d.when
    rest = [
        *(h.text for h in sheet.hold_rules),
        *(e.text for e in sheet.escalation),
    ]
    if (name, paper) in FLOWS_ONTO_PAGE_2:
        # Never squeezed below a readable size: the rest starts page 2, in full.
        second = norm(case.pages[1])
        assert C.H_HOLD not in page and C.H_HOLD in second and C.H_ESCALATION in second
        assert [t for t in rest if not _has(second, t)] == []
        return
    assert C.H_HOLD in page and C.H_ESCALATION in page
    assert [t for t in rest if not _has(page, t)] == []
    # The tables for later results and the full schedule come after page 1.
    assert C.H_POTASSIUM not in page and C.H_MONITORING not in page


def test_the_next_tests_are_the_first_draws_still_to_take() -> None:
    plan = demo_plan()
    sheet = build_content(plan)
    upcoming = [d for d in plan.schedule if d.at >= plan.generated_at]
    assert len(upcoming) > C.NEXT_DRAWS_SHOWN
    assert [d.when for d in sheet.next_draws] == [
        when(d.at) for d in upcoming[: C.NEXT_DRAWS_SHOWN]
    ]
    assert sheet.next_draws == sheet.monitoring[: C.NEXT_DRAWS_SHOWN]
    assert sheet.next_draws_note.startswith("The next blood tests to take")


def test_near_the_end_every_test_left_is_listed_and_after_it_none() -> None:
    plan = demo_plan()
    last = plan.schedule[-1].at
    near = build_content(plan.model_copy(update={"generated_at": last - timedelta(minutes=1)}))
    assert [d.when for d in near.next_draws] == [when(last)]
    assert near.next_draws_note.startswith("Every blood test still to take")
    late = build_content(plan.model_copy(update={"generated_at": last + timedelta(minutes=1)}))
    assert late.next_draws == ()
    assert late.next_draws_note.startswith("No blood test is left")
    assert len(late.monitoring) == len(plan.schedule)


def test_the_demo_potassium_order_moved_from_page_3_to_page_1() -> None:
    """Before issue 17 the order in force now was on page 3 of the demo sheet."""
    case = rendered("demo")
    k_order = next(o for o in case.plan.orders_now if o.electrolyte == "potassium")
    pages = [i for i, p in enumerate(case.pages, start=1) if _has(norm(p), k_order.text)]
    assert pages == [1]
