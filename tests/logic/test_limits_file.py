"""The hard-limits file itself: shipped, complete, strictly validated, every limit sourced.

Each mutator's docstring is the text the refusal must contain (the npe2 idiom).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.limits import (
    AtMost,
    HardLimits,
    LimitsFileError,
    RuleLimit,
    limits_json_schema,
    load_limits_bytes,
    load_limits_file,
    shipped_limits,
)
from desktop_app.logic.protocol import WEAK_GRADES, Analyte
from desktop_app.resources import ALL_RESOURCES, HARD_LIMITS, resource_path
from tests.logic.helpers import ROOT

LIMITS = ROOT / "resources" / "limits" / "hard-limits.json"
Raw = dict[str, Any]


def _raw() -> Raw:
    return copy.deepcopy(json.loads(LIMITS.read_text(encoding="utf-8")))


def test_the_shipped_file_is_a_resource_and_loads() -> None:
    assert HARD_LIMITS in ALL_RESOURCES and resource_path(HARD_LIMITS) == LIMITS
    limits = shipped_limits()
    assert limits == load_limits_file(LIMITS)
    assert limits.potassium.iv_max_rate.value == 10 and limits.potassium.iv_max_rate.unit == (
        "mmol/hour"
    )
    assert limits.gates.adult_age_at_least.bound == "at_least"


def test_every_limit_has_a_source_and_a_grade_or_is_local_policy_with_a_reason() -> None:
    limits = shipped_limits()
    found = limits.all_limits()
    assert len(found) == len(limits.by_id()) > 50
    for path, lim in found:
        ref = limits.references[lim.source]
        assert lim.note, path
        assert lim.grade is not None or lim.local_policy, path
        if lim.grade in WEAK_GRADES or ref.grade in WEAK_GRADES or ref.grade is None:
            assert lim.local_policy, path
        if not lim.local_policy:
            assert ref.basis_section and ref.url.startswith("http"), path
    assert set(Analyte) == set(limits.plausibility)


def test_the_issue_list_is_covered() -> None:
    ids = set(shipped_limits().by_id())
    for wanted in (
        "LIM-K-IV-CONC",
        "LIM-K-IV-RATE",
        "LIM-K-IV-ECG-RATE",
        "LIM-K-IV-BAG-VOLUME",
        "LIM-K-ORAL-DOSE",
        "LIM-K-ORAL-DAY",
        "LIM-K-HOLD",
        "LIM-K-UPPER-NORMAL",
        "LIM-ADULT-AGE",
        "LIM-EGFR-REVIEW",
        "LIM-EGFR-RENAL-TEAM",
        "LIM-MG-IV-DOSE",
        "LIM-MG-IV-RATE",
        "LIM-PO4-IV-DOSE",
        "LIM-PO4-IV-RATE",
        "LIM-PLAUS-POTASSIUM-LOW",
        "LIM-PLAUS-POTASSIUM-HIGH",
        "LIM-MON-WINDOW",
        "LIM-K-WITH-MG-PO4",
    ):
        assert wanted in ids, wanted


def test_source_text_names_the_source_and_grade_or_the_local_reason() -> None:
    limits = shipped_limits()
    assert limits.source_text(limits.potassium.iv_max_rate) == (
        "Specialist Pharmacy Service (NHS): how should intravenous potassium chloride be "
        "administered in adults, grade B; clinical basis section 4.4"
    )
    age = limits.source_text(limits.gates.adult_age_at_least)
    assert age.startswith("local policy of the program: The intended use is adults")
    dose = limits.source_text(limits.potassium.oral_max_single_dose)
    assert dose.startswith("local policy of the program, from US FDA label") and "(grade C)" in dose
    rule = limits.monitoring.potassium_with_mg_po4
    assert isinstance(rule, RuleLimit) and "Huang CL, Kuo E" in limits.source_text(rule)


def test_a_limit_knows_which_side_crosses_it() -> None:
    limits = shipped_limits()
    rate, age = limits.potassium.iv_max_rate, limits.gates.adult_age_at_least
    assert rate.crossed_by(10.5) and not rate.crossed_by(10)
    assert not rate.crossed_by(16.2 / (16.2 / 10)) and rate.crossed_by(10.001)
    assert age.crossed_by(17) and not age.crossed_by(18)
    assert rate.bound_text == "at most 10 mmol/hour" and age.bound_text == "at least 18 years"
    assert limits.potassium.mmol_per_meq.bound_text == "1 mmol per mEq"


def test_the_json_schema_is_generated_from_the_model() -> None:
    schema = limits_json_schema()
    assert schema["title"] == "HardLimits" and "potassium" in schema["properties"]


# ----- mutators: the docstring is the expected error text ---------------------------------


def m_duplicate_id(raw: Raw) -> None:
    """limit id 'LIM-K-IV-RATE' is used twice"""
    raw["potassium"]["iv_max_concentration"]["id"] = "LIM-K-IV-RATE"


def m_unknown_source(raw: Raw) -> None:
    """source 'nowhere' is not in the reference list"""
    raw["potassium"]["iv_max_rate"]["source"] = "nowhere"


def m_unknown_alternative_source(raw: Raw) -> None:
    """source 'elsewhere' is not in the reference list"""
    raw["potassium"]["iv_max_rate"]["alternatives"][0]["source"] = "elsewhere"


def m_grade_c_not_local(raw: Raw) -> None:
    """a limit graded C must be marked local_policy"""
    raw["potassium"]["oral_max_single_dose"]["local_policy"] = False


def m_weak_reference_not_local(raw: Raw) -> None:
    """rests on a grade C source but is not local policy"""
    lim = raw["potassium"]["iv_max_rate"]
    lim["source"] = "sandok-manufacturer"


def m_no_grade_not_local(raw: Raw) -> None:
    """a limit without a grade must be marked local_policy"""
    raw["gates"]["adult_age_at_least"]["local_policy"] = False


def m_missing_analyte(raw: Raw) -> None:
    """plausibility: no limits for potassium"""
    del raw["plausibility"]["potassium"]


def m_potassium_in_grams(raw: Raw) -> None:
    """potassium.oral_max_per_day: potassium limits are written in mmol"""
    raw["potassium"]["oral_max_per_day"]["unit"] = "g"


def m_zero_factor(raw: Raw) -> None:
    """potassium.mmol_per_meq must be greater than zero"""
    raw["potassium"]["mmol_per_meq"]["value"] = 0


def m_maximum_as_minimum(raw: Raw) -> None:
    """potassium.iv_max_rate.bound"""
    raw["potassium"]["iv_max_rate"]["bound"] = "at_least"


def m_newer_schema(raw: Raw) -> None:
    """schema_version 2.0.0 is not 1.0.0"""
    raw["schema_version"] = "2.0.0"


def m_number_as_text(raw: Raw) -> None:
    """potassium.iv_max_rate.value"""
    raw["potassium"]["iv_max_rate"]["value"] = "10"


def m_extra_key(raw: Raw) -> None:
    """potassium.site_override"""
    raw["potassium"]["site_override"] = {"value": 100}


def m_missing_limit(raw: Raw) -> None:
    """magnesium.iv_max_rate"""
    del raw["magnesium"]["iv_max_rate"]


def m_no_note(raw: Raw) -> None:
    """gates.adult_age_at_least.note"""
    raw["gates"]["adult_age_at_least"]["note"] = ""


MUTATORS: list[Callable[[Raw], None]] = [
    m_duplicate_id,
    m_unknown_source,
    m_unknown_alternative_source,
    m_grade_c_not_local,
    m_weak_reference_not_local,
    m_no_grade_not_local,
    m_missing_analyte,
    m_potassium_in_grams,
    m_zero_factor,
    m_maximum_as_minimum,
    m_newer_schema,
    m_number_as_text,
    m_extra_key,
    m_missing_limit,
    m_no_note,
]


@pytest.mark.parametrize("mutate", MUTATORS, ids=[m.__name__ for m in MUTATORS])
def test_a_damaged_limits_file_is_refused_with_the_reason(mutate: Callable[[Raw], None]) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(LimitsFileError) as info:
        load_limits_bytes(json.dumps(raw).encode())
    assert mutate.__doc__ is not None
    assert mutate.__doc__ in str(info.value)
    assert "reinstall B12-K Planner" in str(info.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"schema_version": NaN}', "is not a number this file may contain"),
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b'{"potassium": ', "not valid JSON"),
    ],
    ids=["nan", "duplicate-key", "truncated"],
)
def test_a_limits_file_that_is_not_clean_json_is_refused(data: bytes, expected: str) -> None:
    with pytest.raises(LimitsFileError) as info:
        load_limits_bytes(data)
    assert expected in str(info.value)


def test_a_missing_limits_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LimitsFileError) as info:
        load_limits_file(tmp_path / "absent.json")
    assert "cannot read" in str(info.value) and "absent.json" in str(info.value)


def test_limits_are_frozen() -> None:
    lim = shipped_limits().potassium.iv_max_rate
    assert isinstance(lim, AtMost)
    with pytest.raises(ValueError, match="frozen"):
        lim.value = 100  # type: ignore[misc]
    assert isinstance(shipped_limits(), HardLimits)
