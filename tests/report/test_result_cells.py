"""Every lab result is printed whole: its number and unit on one line of its table cell.

The release-size sheet campaign found a creatinine of 33.936651583699096 mg/dL (3,000 micromol/L,
the plausible maximum) printed as "3,000.00 micromol/" with "L" on the next line: the Result column
was narrower than the widest result the protocols accept, so reportlab split the glued number and
unit inside the unit. The shown value itself is right and the same on the sheet, the screen and
in the plan file ("3,000.00": three typed decimals of mg/dL are a step of 0.0884 micromol/L, which
needs two decimals; `units.shown_decimals`). These tests render the widest results of every
analyte, in every unit a result is shown in, on both papers, and read them back line by line.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import Analyte, LoadedProtocol
from desktop_app.logic.results import lab_unit
from desktop_app.logic.units import from_canonical
from desktop_app.report import SheetOptions, render_order_sheet
from desktop_app.report.lint import extract_pages
from tests.logic.helpers import FIRST, NOW, UK, US, base_case, lab, proto

ELECTROLYTES = (Analyte.potassium, Analyte.magnesium, Analyte.phosphate)
REGIMEN = {UK: "oral-high-dose", US: "us-oral-2mg"}


Paper = Literal["a4", "letter"]


def _sheet_lines(plan: Plan, paper: Paper = "a4") -> list[str]:
    """The sheet's text as printed, one entry per printed line (non-breaking spaces as spaces)."""
    pdf = render_order_sheet(plan, SheetOptions(paper=paper))
    return [line.replace("\xa0", " ") for page in extract_pages(pdf) for line in page.splitlines()]


def _broken(plan: Plan, paper: Paper = "a4") -> list[str]:
    """Every result of the plan that no printed line holds whole."""
    lines = _sheet_lines(plan, paper)
    texts = [row.text for row in plan.labs] + [row.text for row in plan.followups]
    return [t for t in texts if not any(t in line for line in lines)]


def _widest(loaded: LoadedProtocol, analyte: Analyte) -> float:
    """A value just under the analyte's plausible maximum, typed with three decimals."""
    spec = loaded.protocol.analytes[analyte]
    unit = lab_unit(loaded.protocol, analyte)
    top = Decimal(repr(from_canonical(spec, spec.plausible_high.value, unit)))
    return float(top.quantize(Decimal("0.001")) - Decimal("0.001"))


def _widest_case(path: Path) -> PlanInputs:
    loaded = proto(path)
    p = loaded.protocol
    labs = {a.value: lab(_widest(loaded, a), lab_unit(p, a)) for a in Analyte}
    followups = [
        {
            "analyte": a.value,
            "value": _widest(loaded, a),
            "unit": lab_unit(p, a),
            "sampled_at": (FIRST + timedelta(hours=2)).isoformat(),
        }
        for a in ELECTROLYTES
    ]
    case = base_case(
        labs=labs,
        followups=followups,
        regimen={"preset_id": REGIMEN[path], "first_dose_at": FIRST.isoformat()},
    )
    return PlanInputs.model_validate(case)


@pytest.mark.parametrize(
    ("path", "paper"),
    [(UK, "a4"), (US, "a4"), (US, "letter")],
    ids=["uk-a4", "us-a4", "us-letter"],
)
def test_the_widest_result_of_every_analyte_is_printed_on_one_line(
    path: Path, paper: Paper
) -> None:
    plan = evaluate(proto(path), _widest_case(path), now=FIRST + timedelta(hours=3))
    assert {row.analyte for row in plan.labs} == {a.value for a in Analyte}
    assert len(plan.followups) == len(ELECTROLYTES)
    assert _broken(plan, paper) == []


def test_the_campaigns_creatinine_at_3000_micromol_is_printed_whole() -> None:
    """The replay of the release campaign's case: UK protocol, dialysis, severity override mild."""
    case = base_case(
        labs={"creatinine": lab(33.936651583699096, "mg/dL")},
        modifiers={"dialysis": True},
        severity_override={"severity": "mild", "reason": "Clinical picture", "clinician": "Dr H"},
    )
    plan = evaluate(proto(UK), PlanInputs.model_validate(case), now=NOW)
    creatinine = next(row for row in plan.labs if row.analyte == "creatinine")
    # The plan's own text at the laboratory's precision: 0.001 mg/dL is 0.0884 micromol/L.
    assert creatinine.text == "3,000.00 micromol/L"
    assert creatinine.entered_text == "33.937 mg/dL"
    assert _broken(plan) == []
