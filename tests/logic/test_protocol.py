"""Protocol file: loading, hashing, schema, and one mutator per validation rule.

Each mutator's docstring is the text the error must contain (the npe2 idiom), so a rule that
stops firing, or fires with an unhelpful message, fails here.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.errors import ProtocolError, ProtocolVersionError
from desktop_app.logic.protocol import (
    PROTOCOL_SCHEMA_VERSION,
    Analyte,
    Tier,
    load_protocol_bytes,
    load_protocol_file,
    parse_json_strict,
    protocol_json_schema,
)
from tests.logic.helpers import ROOT, UK, US

Raw = dict[str, Any]


def _raw(path: Path = UK) -> Raw:
    return json.loads(path.read_text(encoding="utf-8"))


def _load(raw: Raw) -> Any:
    return load_protocol_bytes(json.dumps(raw).encode())


def test_shipped_protocols_load_and_hash() -> None:
    for path in (UK, US):
        lp = load_protocol_file(path)
        assert lp.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert lp.data == path.read_bytes() and "data=b" not in repr(lp)
        assert lp.not_for_clinical_use
        assert lp.protocol.approval.status == "draft"
        assert lp.source_name == path.name


def test_every_number_is_a_rule_with_source_and_grade_or_local_policy() -> None:
    lp = load_protocol_file(UK)
    rules = lp.protocol.all_rules()
    assert len(rules) > 150
    for rule in rules.values():
        assert rule.source in lp.protocol.references
        assert rule.grade is not None or rule.local_policy
    local = [r for r in rules.values() if r.local_policy]
    assert local, "gaps in the clinical basis must appear as local policy"


def test_committed_schema_matches_model() -> None:
    committed = json.loads((ROOT / "resources" / "schema" / "protocol.schema.json").read_text())
    assert committed == protocol_json_schema()


def test_tier_rank_orders_tiers() -> None:
    assert [t.rank for t in Tier] == [0, 1, 2]


def test_analyte_spec_factor_and_unknown_unit() -> None:
    spec = load_protocol_file(UK).protocol.analytes[Analyte.haemoglobin]
    assert spec.factor("g/L") == 1.0 and spec.factor("g/dL") == 10
    with pytest.raises(KeyError):
        spec.factor("mmol/L")


def test_lookups_raise_for_unknown_ids() -> None:
    p = load_protocol_file(UK).protocol
    with pytest.raises(KeyError):
        p.regimen("nope")
    with pytest.raises(KeyError):
        p.product("NOPE")
    with pytest.raises(KeyError):
        p.iv_product("NOPE")
    assert p.product("PO4-ORAL-SANDOZ").potassium_per_unit is not None
    assert p.iv_product("MG-IV-SULFATE-20").amount.value == 20


def test_newer_major_schema_is_refused_with_a_clear_message() -> None:
    raw = _raw()
    raw["schema_version"] = "2.0.0"
    with pytest.raises(ProtocolVersionError) as info:
        _load(raw)
    assert "newer B12-K Planner" in str(info.value)
    assert f"reads schema {PROTOCOL_SCHEMA_VERSION.split('.')[0]}.x" in str(info.value)


def test_older_minor_is_accepted() -> None:
    raw = _raw()
    raw["schema_version"] = "1.0.0"
    assert _load(raw).protocol.schema_version == "1.0.0"


# ----- mutators: the docstring is the expected error text ---------------------------------


def m_duplicate_rule_id(raw: Raw) -> None:
    """rule id 'K-HOLD' is used for 2 different rules"""
    raw["potassium"]["reassess_at_or_above"]["id"] = "K-HOLD"


def m_unknown_source(raw: Raw) -> None:
    """potassium.hold_at_or_above: source 'nowhere' is not in the reference list"""
    raw["potassium"]["hold_at_or_above"]["source"] = "nowhere"


def m_grade_missing_without_local_policy(raw: Raw) -> None:
    """a rule without an evidence grade must be marked local_policy"""
    raw["potassium"]["hold_at_or_above"]["grade"] = None


def m_numlist_grade_missing(raw: Raw) -> None:
    """a rule without an evidence grade must be marked local_policy"""
    raw["monitoring"]["electrolyte_draws"]["high"]["local_policy"] = False


def m_dosing_band_at_hold(raw: Raw) -> None:
    """potassium band K-BAND-HOLD doses at or above the hold threshold"""
    band = raw["potassium"]["bands"][5]
    band["action"] = "oral"
    band["oral"] = copy.deepcopy(raw["potassium"]["bands"][2]["oral"])


def m_schedule_shorter_than_label(raw: Raw) -> None:
    """ends before the label window of 48 hours"""
    raw["monitoring"]["electrolyte_draws"]["standard"]["values"] = [12, 24]


def m_schedule_unsorted(raw: Raw) -> None:
    """hours must be positive, increasing and without repeats"""
    raw["monitoring"]["electrolyte_draws"]["raised"]["values"] = [24, 12, 48]


def m_schedule_missing_tier(raw: Raw) -> None:
    """has no schedule for tier 'standard'"""
    del raw["monitoring"]["electrolyte_draws"]["standard"]


def m_approved_without_signer(raw: Raw) -> None:
    """an approved protocol needs approved_by and approval_date"""
    raw["approval"]["status"] = "approved"


def m_iv_above_peripheral_concentration(raw: Raw) -> None:
    """is above the peripheral maximum of 40"""
    raw["potassium"]["iv_products"][0]["volume"]["value"] = 500


def m_potassium_in_grams(raw: Raw) -> None:
    """potassium.products.K-ORAL-SANDOK: potassium must be in mmol"""
    raw["potassium"]["products"][0]["potassium_per_unit"]["unit"] = "g"


def m_iv_potassium_in_grams(raw: Raw) -> None:
    """potassium.iv_products.K-IV-PREMIX-40: amount must be in mmol"""
    raw["potassium"]["iv_products"][0]["amount"]["unit"] = "g"


def m_phosphate_product_potassium_unit(raw: Raw) -> None:
    """PO4-ORAL-SANDOZ: potassium must be in mmol"""
    raw["phosphate"]["products"][0]["potassium_per_unit"]["unit"] = "mEq"


def m_default_regimen_unknown(raw: Raw) -> None:
    """default_regimen 'nope' is not a regimen id"""
    raw["default_regimen"] = "nope"


def m_missing_warning_text(raw: Raw) -> None:
    """warnings: no text for review_overdue"""
    del raw["warnings"]["review_overdue"]


def m_missing_analyte(raw: Raw) -> None:
    """analytes: no entry for platelets"""
    del raw["analytes"]["platelets"]


def m_first_band_has_lower_bound(raw: Raw) -> None:
    """the first band must have no lower bound"""
    raw["magnesium"]["bands"][0]["lower"] = raw["magnesium"]["bands"][1]["lower"]


def m_later_band_without_lower_bound(raw: Raw) -> None:
    """only the first band may have no lower bound"""
    raw["phosphate"]["bands"][2]["lower"] = None


def m_bands_out_of_order(raw: Raw) -> None:
    """bands must be in increasing order of their lower bound"""
    raw["potassium"]["bands"][2]["lower"]["value"] = 2.0


def m_oral_band_without_dose(raw: Raw) -> None:
    """an 'oral' band needs an oral dose"""
    raw["potassium"]["bands"][2]["oral"] = None


def m_iv_band_without_dose(raw: Raw) -> None:
    """an 'iv' band needs an iv dose"""
    raw["potassium"]["bands"][0]["iv"] = None


def m_hold_band_with_dose(raw: Raw) -> None:
    """a 'hold' band must not carry a dose"""
    raw["potassium"]["bands"][5]["oral"] = copy.deepcopy(raw["potassium"]["bands"][2]["oral"])


def m_nan_value(raw: Raw) -> None:
    """potassium.hold_at_or_above.value: Input should be a valid number"""
    raw["potassium"]["hold_at_or_above"]["value"] = "NaN"


def m_string_for_a_number(raw: Raw) -> None:
    """potassium.hold_at_or_above.value: Input should be a valid number"""
    raw["potassium"]["hold_at_or_above"]["value"] = "5.0"


def m_number_for_a_flag(raw: Raw) -> None:
    """Input should be a valid boolean"""
    raw["potassium"]["bands"][0]["ecg"] = 1


def m_anaemia_bands_out_of_order(raw: Raw) -> None:
    """anaemia: severe_below < moderate_below < mild_below_female and mild_below_male"""
    raw["anaemia"]["moderate_below"]["value"] = 9


def m_b12_thresholds_out_of_order(raw: Raw) -> None:
    """b12: deficient_below must be below indeterminate_below"""
    raw["b12"]["indeterminate_below"]["value"] = 50


def m_renal_cut_offs_out_of_order(raw: Raw) -> None:
    """gates.renal: egfr_renal_team_below must not be above egfr_review_below"""
    raw["gates"]["renal"]["egfr_renal_team_below"]["value"] = 60


def m_potassium_thresholds_out_of_order(raw: Raw) -> None:
    """potassium: need escalate_below <= normal_low < reassess_at_or_above <= hold_at_or_above <= normal_high"""
    raw["potassium"]["reassess_at_or_above"]["value"] = 5.2


def m_magnesium_range_inverted(raw: Raw) -> None:
    """magnesium: normal_low must be below normal_high"""
    raw["magnesium"]["normal_high"]["value"] = 0.5


def m_plausible_range_inverted(raw: Raw) -> None:
    """analytes.potassium: plausible_low must be below plausible_high"""
    raw["analytes"]["potassium"]["plausible_high"]["value"] = 0.5


def m_weight_range_inverted(raw: Raw) -> None:
    """patient: weight_plausible_low must be below weight_plausible_high"""
    raw["patient"]["weight_plausible_low"]["value"] = 900


def m_mcv_range_inverted(raw: Raw) -> None:
    """anaemia: mcv_normal_low must be below mcv_normal_high"""
    raw["anaemia"]["mcv_normal_low"]["value"] = 120


def m_unknown_field(raw: Raw) -> None:
    """Extra inputs are not permitted"""
    raw["potassium"]["surprise"] = 1


def m_bad_rule_id(raw: Raw) -> None:
    """String should match pattern"""
    raw["potassium"]["hold_at_or_above"]["id"] = "k hold"


def m_zero_conversion_factor(raw: Raw) -> None:
    """conversion factor for mg/dL (UNIT-MG-MGDL) must be greater than zero"""
    raw["analytes"]["magnesium"]["conversions"][0]["to_canonical"]["value"] = 0.0


def m_product_without_its_amount(raw: Raw) -> None:
    """product PO4-ORAL-SANDOZ has no magnesium or phosphate amount"""
    raw["phosphate"]["products"][0]["phosphate_per_unit"] = None


def m_huge_potassium_in_phosphate_tablet(raw: Raw) -> None:
    """PO4-ORAL-SANDOZ: potassium per tablet is above the largest single potassium dose"""
    raw["phosphate"]["products"][0]["potassium_per_unit"]["value"] = 1e9


def m_potassium_product_without_potassium(raw: Raw) -> None:
    """potassium product K-ORAL-SANDOK has no potassium_per_unit"""
    raw["potassium"]["products"][0]["potassium_per_unit"] = None


def m_huge_potassium_tablet(raw: Raw) -> None:
    """potassium product K-ORAL-SANDOK: one tablet holds more than the largest single dose"""
    raw["potassium"]["products"][0]["potassium_per_unit"]["value"] = 400


def m_huge_magnesium_sachet(raw: Raw) -> None:
    """product MG-ORAL-ASPARTATE: one sachet holds more than the largest daily total"""
    raw["magnesium"]["products"][0]["magnesium_per_unit"]["value"] = 400


def m_negative_product_amount(raw: Raw) -> None:
    """product MG-ORAL-ASPARTATE: amount per sachet (MG-ASPARTATE-MMOL) must be greater than zero"""
    raw["magnesium"]["products"][0]["magnesium_per_unit"]["value"] = -10


def m_zero_iv_volume(raw: Raw) -> None:
    """IV product MG-IV-SULFATE-20: volume (MG-IV-VOLUME) must be greater than zero"""
    raw["magnesium"]["iv_products"][0]["volume"]["value"] = 0


def m_zero_times_a_day(raw: Raw) -> None:
    """oral dose (K-MILD-TIMES) must be greater than zero"""
    raw["potassium"]["bands"][2]["oral"]["times_per_day"]["value"] = 0


def m_zero_iv_rate(raw: Raw) -> None:
    """IV dose (K-IV-MAX-RATE) must be greater than zero"""
    raw["potassium"]["bands"][0]["iv"]["max_rate"]["value"] = 0


MUTATORS: list[Callable[[Raw], None]] = [
    obj for name, obj in dict(globals()).items() if name.startswith("m_") and callable(obj)
]


@pytest.mark.parametrize("mutate", MUTATORS, ids=[m.__name__[2:] for m in MUTATORS])
def test_protocol_validation_rule(mutate: Callable[[Raw], None]) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(ProtocolError) as info:
        _load(raw)
    assert (mutate.__doc__ or "") in str(info.value)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "not valid JSON"),
        (b'{"a": 1', "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b'{"a": NaN}', "is not a number this file may contain"),
        (b'{"a": 1e999}', "too large"),
        (b'{"schema_version": "one"}', "MAJOR.MINOR.PATCH"),
        (b'{"schema_version": "x.0.0"}', "MAJOR.MINOR.PATCH"),
        (b'{"schema_version": 1}', "MAJOR.MINOR.PATCH"),
        (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    ],
)
def test_damaged_protocol_bytes_are_refused(data: bytes, expected: str) -> None:
    with pytest.raises(ProtocolError) as info:
        load_protocol_bytes(data)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("what", "data", "expected"),
    [
        (
            "corrupt.json",
            b'{\n "a": 1,\n "b": \n',
            "the file corrupt.json is damaged: it is not valid JSON (line 4)",
        ),
        ("plan file", b"{", "the plan file is damaged: it is not valid JSON (line 1)"),
        ("x.json", b"\xff", "the file x.json is damaged: it is not UTF-8 text (byte 0)"),
    ],
)
def test_a_damaged_file_is_named_in_plain_words(what: str, data: bytes, expected: str) -> None:
    """Issue 17 item 8: the file by its name, what is wrong, the line; no parser jargon."""
    with pytest.raises(ValueError, match="damaged") as info:
        parse_json_strict(data, what)
    assert str(info.value) == expected


def test_field_errors_name_the_path() -> None:
    raw = _raw()
    raw["potassium"]["normal_low"]["value"] = "low"
    with pytest.raises(ProtocolError) as info:
        _load(raw)
    problem = info.value.problems[0]
    assert problem.path == "potassium.normal_low.value"
    assert "potassium.normal_low.value:" in str(problem)


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as info:
        load_protocol_file(tmp_path / "missing.json")
    assert "cannot read" in str(info.value)


def test_parse_json_strict_returns_data() -> None:
    assert parse_json_strict(b'{"a": [1, 2.5]}', "x") == {"a": [1, 2.5]}


@pytest.mark.parametrize(
    ("version", "expected"), [("0.9.0", "cannot migrate"), ("\u0661.0.0", "MAJOR.MINOR.PATCH")]
)
def test_older_or_non_ascii_schema_versions_are_refused(version: str, expected: str) -> None:
    raw = _raw()
    raw["schema_version"] = version
    with pytest.raises(ProtocolError) as info:
        _load(raw)
    assert expected in str(info.value)
