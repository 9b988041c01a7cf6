"""An override's reason is prose on the sheet (issue 17 item 5: "a reason needs no units").

The reason is printed beside the order it changes, inside an *order* section, whose rules ask
for a unit on every number (FMT-04). A reason is not an order: its numbers need no unit. Every
other rule still applies to it, and a bare number in the order itself still fails.
"""

from __future__ import annotations

from desktop_app.report import SheetOptions, lint_order_sheet, render_order_sheet
from desktop_app.report import content as C
from desktop_app.report.lint import check_reason, check_segment, extract_pages, lint_pdf
from desktop_app.report.sheet_model import reason_sentence
from tests.report.cases import OVERRIDES, case, plan_of
from tests.report.conftest import norm

#: One reason per override of the golden overrides case, each with a number and no unit.
PROSE = (
    "Vomited 3 times after two tablets",
    "eGFR 25 today",
    "Phlebotomy round at 06:00, bed 12",
    "Discharge on day 5 agreed with 2 carers",
    "Extra check: 3 results in a row were low",
)


def _rules(text: str, prose: tuple[str, ...] = ()) -> set[str]:
    return {v.rule for v in check_segment(text, C.ORDER, prose=prose)}


def test_a_number_in_a_reason_needs_no_unit_but_one_in_the_order_does() -> None:
    reason = "vomited 3 times"
    assert check_reason("patient vomited 3 times") == []
    assert "FMT-04" not in _rules(reason_sentence(reason), (reason,))
    assert "FMT-04" not in _rules(f"Prescriber override: {reason} (Dr R. Ng)", (reason,))
    # Without being told the reason, the lint holds it to the order rules.
    assert "FMT-04" in _rules(reason_sentence(reason))
    # The order beside it keeps the rule, before and after the reason.
    order = "Potassium chloride 20 by mouth. "
    assert "FMT-04" in _rules(order + reason_sentence(reason), (reason,))
    assert "FMT-04" in _rules(reason_sentence(reason) + " Then 40 by mouth.", (reason,))
    # A reason that is only a number exempts it where printed as the reason, nowhere else.
    assert "FMT-04" in _rules(order + reason_sentence("20"), ("20",))
    assert "FMT-04" not in _rules(reason_sentence("20"), ("20",))


def test_the_sheets_other_rules_still_hold_in_a_reason() -> None:
    for reason, rule in {
        "gave 20.0 mmol before": "FMT-01",
        "only .5 of a tablet kept down": "FMT-02",
        "already had 20mmol today": "FMT-03",
        "had 2 g potassium chloride": "FMT-05",
        "flush with 10 cc": "FMT-06",
        "rash after 1000 units": "FMT-07",
    }.items():
        assert rule in {v.rule for v in check_reason(reason)}, reason
        assert rule in _rules(reason_sentence(reason)), reason


def test_reasons_with_bare_numbers_print_on_a_sheet_that_passes_the_lint() -> None:
    overrides = [dict(o, reason=r) for o, r in zip(OVERRIDES, PROSE, strict=True)]
    plan = plan_of(case(overrides=overrides))
    pdf = render_order_sheet(plan, SheetOptions())
    assert lint_order_sheet(plan, pdf) == []
    # Told nothing of the plan, the lint finds the bare numbers: the exemption is the plan's.
    assert "FMT-04" in {v.rule for v in lint_pdf(pdf)}
    text = norm(" ".join(extract_pages(pdf)))
    for reason in PROSE:
        assert reason_sentence(reason).replace("'", "\u2019") in text.replace("'", "\u2019")


def test_a_dangerous_reason_still_fails_the_sheets_lint() -> None:
    overrides = [dict(OVERRIDES[0], reason="gave 20.0 mmol before")]
    plan = plan_of(case(overrides=overrides))
    pdf = render_order_sheet(plan, SheetOptions())
    found = {(v.rule, v.section) for v in lint_order_sheet(plan, pdf) if "20.0" in v.excerpt}
    assert ("FMT-01", C.H_ORDERS_NOW) in found
