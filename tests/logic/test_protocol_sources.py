"""The shipped protocol files against their sources (issue 15, items 3-9).

Each test reads the shipped files (or a plan made from them) and fails on the files as they were
before the review: a warning that contradicted a hold rule, numbers whose source does not say them,
grade-C numbers not marked local policy, citations of copies, schedules that stopped early.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.logic.engine import evaluate
from tests.logic.helpers import NOW, UK, US, inputs, proto

BOTH = pytest.mark.parametrize("path", [UK, US], ids=["uk", "us"])


@BOTH
def test_diuretic_warning_never_advises_a_potassium_sparing_diuretic_alongside_potassium(
    path: Path,
) -> None:
    p = proto(path).protocol
    text = p.warnings["diuretic"].text
    assert "consider combination" not in text
    assert "review the diuretic" in text
    assert "If a potassium-sparing diuretic is added, stop potassium supplements" in text
    assert "recheck" in text
    # and the plan shows it, cited, to a patient on a loop diuretic with low potassium
    preset = p.default_regimen if path == US else "bnf-no-neuro"
    case = inputs(
        modifiers={"k_lowering_drugs": ["loop_diuretic"]},
        labs={"potassium": {"value": 3.2, "unit": p.analytes["potassium"].units[0],
                            "sampled_at": "2026-11-26T07:00:00+00:00"}},
        regimen={"preset_id": preset, "first_dose_at": "2026-11-26T14:00:00+00:00"},
    )
    plan = evaluate(proto(path), case, now=NOW)
    shown = [w for w in plan.warnings if "WARN-LOOP-THIAZIDE" in w.reason.rule_ids]
    assert shown and "stop potassium supplements" in shown[0].text
