"""Magnesium and phosphate for a patient who cannot take oral medicines (seen on issue 15 item 1).

Potassium has a not-by-mouth band; the oral magnesium and phosphate bands were printed as orders
to give by mouth (K 2.8 with cannot_take_oral: Magnaspartate "by mouth twice daily"). The
prescriber now decides the route, and the order says why.
"""

from __future__ import annotations

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.plan import Plan
from tests.logic.helpers import NOW, inputs, lab, proto

LOW = {"magnesium": lab(0.6, "mmol/L"), "phosphate": lab(0.4, "mmol/L")}


def _plan(cannot_take_oral: bool) -> Plan:
    labs = {"potassium": lab(2.8, "mmol/L"), **LOW}
    return evaluate(
        proto(), inputs(labs=labs, modifiers={"cannot_take_oral": cannot_take_oral}), now=NOW
    )


@pytest.mark.parametrize("electrolyte", ["magnesium", "phosphate"])
def test_no_oral_magnesium_or_phosphate_for_a_patient_who_cannot_take_oral(
    electrolyte: str,
) -> None:
    plan = _plan(True)
    order = next(o for o in plan.orders_now if o.electrolyte == electrolyte)
    assert order.kind == "prescriber" and order.needs_prescriber
    assert "by mouth: the patient cannot take oral medicines" in order.text
    assert "Prescriber to decide the route" in order.text
    assert "RISK-NO-ORAL" in order.reason.rule_ids
    assert order.daily_amount is None and order.potassium_per_day == 0
    rows = plan.mg_bands if electrolyte == "magnesium" else plan.po4_bands
    oral_rows = [r for r in rows if r.order is not None and r.order.route == "oral"]
    assert oral_rows == []  # the table for later results says the same


@pytest.mark.parametrize("electrolyte", ["magnesium", "phosphate"])
def test_a_patient_who_can_take_oral_gets_the_oral_order(electrolyte: str) -> None:
    order = next(o for o in _plan(False).orders_now if o.electrolyte == electrolyte)
    assert order.kind == "oral" and "by mouth" in order.text
