"""The plan view's HTML, built without Qt: links, reasons, overrides, problems, escaping."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from desktop_app.logic.engine import evaluate
from desktop_app.logic.plan import Plan
from desktop_app.widgets import ui_text
from desktop_app.widgets.plan_html import PlanHtml, Problem, banner_html, problems_html
from tests.logic.helpers import NOW, inputs, lab, proto

WHO = {"reason": "Patient prefers fewer tablets", "prescriber": "Dr Rivera"}
LOW_K = {"potassium": lab(3.2, "mmol/L")}


def make_plan(**over: Any) -> Plan:
    return evaluate(proto(), inputs(**over), now=NOW)


def closed(plan: Plan) -> PlanHtml:
    return PlanHtml(plan, lambda _key: False)


def test_a_closed_line_offers_why_and_an_open_one_shows_its_rules_and_sources() -> None:
    plan = make_plan()
    shut = closed(plan).risk()
    assert f'<a href="why:risk:tier">{ui_text.WHY_SHOW}</a>' in shut
    assert "<b>Rules:</b>" not in shut
    opened = PlanHtml(plan, lambda key: key == "risk:tier").risk()
    assert f'<a href="why:risk:tier">{ui_text.WHY_HIDE}</a>' in opened
    assert opened.count("<b>Rules:</b>") == 1
    for rule in plan.risk.reason.rule_ids:
        assert rule in opened
    ref = next(r for r in plan.references if r.key in plan.risk.reason.sources)
    assert ref.title in opened


def test_each_order_has_its_title_and_its_change_links() -> None:
    plan = make_plan(labs=LOW_K)
    text = closed(plan).orders()
    assert "<b>Potassium:</b>" in text and "<b>Total potassium:</b>" in text
    assert 'href="override:potassium:change"' in text
    assert 'href="override:potassium:decline"' in text


def test_an_overridden_order_is_boxed_and_named_in_the_override_list() -> None:
    override = {**WHO, "target": "potassium", "action": "decline", "confirmed_outside_band": True}
    plan = make_plan(labs=LOW_K, overrides=[override])
    html = closed(plan)
    orders = html.orders()
    assert orders.startswith("<table cellspacing=0 cellpadding=4 border=2")
    assert ui_text.OVERRIDE_MARK_OUTSIDE.format(n=1) in orders
    assert 'href="override:potassium:' not in orders  # an overridden order offers withdraw only
    listed = html.overrides()
    assert "Potassium order declined by Dr Rivera" in listed
    assert 'href="withdraw:0"' in listed and "Differs from the protocol" in listed


def test_the_schedule_has_one_row_per_draw_and_names_a_moved_one_as_the_sheet_does() -> None:
    plan = make_plan()
    text = closed(plan).schedule()
    assert len(re.findall(r"<tr>", text)) == len(plan.schedule) + 1
    assert 'href="override:draw:add"' in text
    moved = {**WHO, "target": "draw", "action": "move", "draw_hours": 24, "new_hours": 18}
    listed = closed(make_plan(overrides=[moved])).overrides()
    assert "Blood test at " in listed and "moved by Dr Rivera" in listed


def test_band_tables_show_each_band_with_its_alerts() -> None:
    plan = make_plan()
    text = closed(plan).bands("k_bands", plan.k_bands)
    assert len(re.findall(r"<tr>", text)) == len(plan.k_bands) + 1
    for row in plan.k_bands:
        assert row.label.replace("<", "&lt;").replace(">", "&gt;") in text


def test_what_the_user_typed_is_escaped() -> None:
    plan = make_plan(patient={"name": "<b>Ann</b> & co"})
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; co" in banner_html(plan)
    assert "<b>Ann</b>" not in banner_html(plan)


def test_problems_link_to_their_field_or_offer_to_withdraw_the_override() -> None:
    text = problems_html(
        [
            Problem("labs.potassium.value", "Potassium", "must be a number"),
            Problem("overrides[1].action", "Override 2", "is refused"),
        ]
    )
    assert '<a href="field:labs.potassium.value">Potassium</a>: must be a number' in text
    assert "<b>Override 2</b>: is refused" in text
    assert f'<a href="withdraw:1">{ui_text.WITHDRAW_PROBLEM}</a>' in text


def test_sources_link_to_their_original() -> None:
    plan = make_plan()
    text = closed(plan).sources()
    linked = [r for r in plan.references if r.url]
    assert linked and all(f'href="{r.url}"' in text for r in linked)


def test_the_html_needs_no_qt() -> None:
    code = (
        "import sys, desktop_app.widgets.plan_html\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
