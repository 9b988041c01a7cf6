"""Property: any plan the engine makes from valid inputs prints a sheet that passes the lint."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.logic.models import PlanInputs
from desktop_app.report import lint_order_sheet, render_order_sheet
from tests.logic.helpers import NOW
from tests.strategies import PROTOCOLS, cases


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_plan_prints_a_lint_clean_sheet(case: tuple[str, dict[str, object]]) -> None:
    protocol_id, data = case
    try:
        plan = evaluate(PROTOCOLS[protocol_id], PlanInputs.model_validate(data), now=NOW)
    except InputError:
        return
    pdf = render_order_sheet(plan)
    violations = lint_order_sheet(plan, pdf)
    assert violations == [], "\n".join(map(str, violations))
