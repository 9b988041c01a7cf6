"""Unit conversion, plausibility messages, ISMP-safe formatting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop_app.logic.errors import FieldProblem, InputError, ProblemListError
from desktop_app.logic.protocol import Analyte
from desktop_app.logic.textfmt import clock, day_month, hours_text, num, qty, result, when
from desktop_app.logic.units import accepted_units, check_value, from_canonical, to_canonical
from tests.logic.helpers import proto


def spec(analyte: Analyte):
    return proto().protocol.analytes[analyte]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20, "20"),
        (20.0, "20"),
        (0.5, "0.5"),
        (2.50, "2.5"),
        (1000, "1,000"),
        (1234.5, "1,234.5"),
        (6.666, "6.67"),
        (0.001, "0"),
        (108.0, "108"),
    ],
)
def test_num_has_no_trailing_zero_and_a_leading_zero(value: float, expected: str) -> None:
    assert num(value) == expected


def test_qty_result_and_times() -> None:
    assert qty(24, "mmol") == "24 mmol"
    assert result(3.0, 1, "mmol/L") == "3.0 mmol/L"
    moment = datetime(2026, 11, 26, 9, 5, tzinfo=UTC)
    assert when(moment) == "Thu 26-Nov-2026 09:05"
    assert day_month(moment) == "26-Nov" and clock(moment) == "09:05"
    assert hours_text(1) == "1 hour" and hours_text(48) == "48 hours"


def test_conversions_from_the_protocol_table() -> None:
    hb = spec(Analyte.haemoglobin)
    assert to_canonical(hb, 7.2, "g/dL") == pytest.approx(72)
    assert from_canonical(hb, 72, "g/dL") == pytest.approx(7.2)
    b12 = spec(Analyte.b12)
    assert to_canonical(b12, 205, "pg/mL") == pytest.approx(151.2, abs=0.05)
    assert accepted_units(proto().protocol, Analyte.potassium) == ("mmol/L", "mEq/L")


def test_k_35_suggests_3_5() -> None:
    value, problem = check_value(spec(Analyte.potassium), 35, "mmol/L", "labs.potassium")
    assert value is None and problem is not None
    assert problem.path == "labs.potassium.value"
    assert "outside the plausible range 1 to 10 mmol/L" in problem.message
    assert "Did you mean 3.5 mmol/L?" in problem.message
    assert "(rule PLAUS-POTASSIUM-HIGH)" in problem.message  # the bound it crossed, not LOW


def test_a_low_value_cites_the_low_rule() -> None:
    _, problem = check_value(spec(Analyte.potassium), 0.35, "mmol/L", "labs.potassium")
    assert problem is not None and "(rule PLAUS-POTASSIUM-LOW)" in problem.message


@pytest.mark.parametrize("analyte", list(Analyte))
def test_plausibility_rule_ids_spell_the_analyte_in_full(analyte: Analyte) -> None:
    s = spec(analyte)
    key = analyte.value.upper()
    assert (s.plausible_low.id, s.plausible_high.id) == (f"PLAUS-{key}-LOW", f"PLAUS-{key}-HIGH")


def test_hb_7_in_g_per_l_suggests_g_per_dl() -> None:
    _, problem = check_value(spec(Analyte.haemoglobin), 7, "g/L", "labs.haemoglobin")
    assert problem is not None
    assert "Probably entered in g/dL: 7 g/dL = 70 g/L" in problem.message


def test_hb_value_in_canonical_unit_when_entered_as_g_per_dl() -> None:
    _, problem = check_value(spec(Analyte.haemoglobin), 95, "g/dL", "labs.haemoglobin")
    assert problem is not None and "Probably entered in g/L: choose g/L" in problem.message


def test_hopeless_value_says_check_the_report() -> None:
    _, problem = check_value(spec(Analyte.potassium), 1e9, "mmol/L", "labs.potassium")
    assert problem is not None and "Check the value and its unit" in problem.message


def test_unknown_and_missing_units() -> None:
    _, problem = check_value(spec(Analyte.potassium), 3.5, "mg", "labs.potassium")
    assert problem is not None and problem.path == "labs.potassium.unit"
    assert "use one of mmol/L, mEq/L" in problem.message
    _, problem = check_value(spec(Analyte.potassium), 3.5, None, "labs.potassium")
    assert problem is not None and "never guessed" in problem.message


def test_problem_list_error_renders_heading_and_lines() -> None:
    err = InputError([FieldProblem("a.b", "bad")])
    assert str(err).splitlines() == [InputError.heading + ":", "  - a.b: bad"]
    custom = ProblemListError([FieldProblem("x", "y")], heading="Custom")
    assert str(custom).startswith("Custom:")
