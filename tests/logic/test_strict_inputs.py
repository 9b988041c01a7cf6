"""Issue 16 items 1 and 3: plan-file times are ISO 8601 with a zone; texts say what is wrong.

Each mutator changes one field of a valid case; its docstring is the expected message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from desktop_app.logic.errors import InputError, PlanFileError
from desktop_app.logic.models import PlanInputs
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.logic.helpers import base_case

Case = dict[str, Any]


def _messages(case: Case) -> dict[str, str]:
    """Field -> message of a plan file holding `case` (read as the CLI reads it: strict JSON)."""
    with pytest.raises(InputError) as info:
        parse_plan_bytes(json.dumps(case).encode(), "case")
    return {p.path: p.message for p in info.value.problems}


def first_dose_as_unix_seconds_text(case: Case) -> str:
    """regimen.first_dose_at: '1764694800' is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["regimen"]["first_dose_at"] = "1764694800"
    return "regimen.first_dose_at"


def first_dose_as_a_json_number(case: Case) -> str:
    """regimen.first_dose_at: a number is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["regimen"]["first_dose_at"] = 1764694800
    return "regimen.first_dose_at"


def sample_time_as_a_decimal_text(case: Case) -> str:
    """labs.potassium.sampled_at: '3.4' is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["labs"]["potassium"]["sampled_at"] = "3.4"
    return "labs.potassium.sampled_at"


def sample_time_as_true(case: Case) -> str:
    """labs.potassium.sampled_at: true or false is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["labs"]["potassium"]["sampled_at"] = True
    return "labs.potassium.sampled_at"


def sample_time_as_a_list(case: Case) -> str:
    """labs.potassium.sampled_at: a value of type list is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["labs"]["potassium"]["sampled_at"] = [2026, 11, 26]
    return "labs.potassium.sampled_at"


def sample_time_date_only(case: Case) -> str:
    """labs.potassium.sampled_at: needs a clock time and a timezone offset, e.g. 2026-11-26T09:00:00+00:00"""
    case["labs"]["potassium"]["sampled_at"] = "2026-11-26"
    return "labs.potassium.sampled_at"


def sample_time_in_basic_format(case: Case) -> str:
    """labs.potassium.sampled_at: '20261126T070000Z' is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["labs"]["potassium"]["sampled_at"] = "20261126T070000Z"
    return "labs.potassium.sampled_at"


def sample_time_not_on_the_calendar(case: Case) -> str:
    """labs.potassium.sampled_at: '2026-02-30T07:00:00Z' is not a real date-time (day is out of range for month)"""
    case["labs"]["potassium"]["sampled_at"] = "2026-02-30T07:00:00Z"
    return "labs.potassium.sampled_at"


def sample_time_before_the_calendar_in_utc(case: Case) -> str:
    """labs.potassium.sampled_at: is outside the calendar once converted to UTC"""
    case["labs"]["potassium"]["sampled_at"] = "0001-01-01T00:00:00+01:00"
    return "labs.potassium.sampled_at"


def followup_time_as_unix_seconds(case: Case) -> str:
    """followups.0.sampled_at: '1764784800' is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["followups"] = [
        {"analyte": "potassium", "value": 3.9, "unit": "mmol/L", "sampled_at": "1764784800"}
    ]
    return "followups.0.sampled_at"


def discharge_as_a_number(case: Case) -> str:
    """modifiers.planned_discharge_at: a number is not a date-time: write it in ISO 8601 with a timezone, e.g. 2026-11-26T09:00:00+00:00"""
    case["modifiers"]["planned_discharge_at"] = 1764900000.5
    return "modifiers.planned_discharge_at"


def birth_date_as_unix_seconds_text(case: Case) -> str:
    """patient.date_of_birth: '1764694800' is not a date: write it as YYYY-MM-DD, e.g. 1948-03-14"""
    case["patient"]["date_of_birth"] = "1764694800"
    return "patient.date_of_birth"


def birth_date_as_a_number(case: Case) -> str:
    """patient.date_of_birth: a number is not a date: write it as YYYY-MM-DD, e.g. 1948-03-14"""
    case["patient"]["date_of_birth"] = 19480314
    return "patient.date_of_birth"


def birth_date_not_on_the_calendar(case: Case) -> str:
    """patient.date_of_birth: '1948-02-30' is not a real date (day is out of range for month)"""
    case["patient"]["date_of_birth"] = "1948-02-30"
    return "patient.date_of_birth"


def birth_date_very_long_text(case: Case) -> str:
    """patient.date_of_birth: '1948-03-14 is the day, a… is not a date: write it as YYYY-MM-DD, e.g. 1948-03-14"""
    case["patient"]["date_of_birth"] = "1948-03-14 is the day, as the record says"
    return "patient.date_of_birth"


def prescriber_only_a_space(case: Case) -> str:
    """prescriber: holds only spaces: type the text itself"""
    case["prescriber"] = " "
    return "prescriber"


def plan_id_with_a_right_to_left_override(case: Case) -> str:
    """plan_id: contains characters that cannot be printed or seen (U+202E: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["plan_id"] = "T-\u202e1"
    return "plan_id"


def name_with_a_right_to_left_override(case: Case) -> str:
    """patient.name: contains characters that cannot be printed or seen (U+202E: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["patient"]["name"] = "Anna \u202eSmith"
    return "patient.name"


def name_with_a_left_to_right_mark(case: Case) -> str:
    """patient.name: contains characters that cannot be printed or seen (U+200E: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["patient"]["name"] = "Anna\u200e Smith"
    return "patient.name"


def name_ending_in_a_joiner(case: Case) -> str:
    """patient.name: contains characters that cannot be printed or seen (U+200D: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["patient"]["name"] = "Anna Smith\u200d"
    return "patient.name"


def name_starting_with_a_joiner(case: Case) -> str:
    """patient.name: contains characters that cannot be printed or seen (U+200C: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["patient"]["name"] = "\u200cAnna Smith"
    return "patient.name"


def name_with_a_joiner_beside_a_space(case: Case) -> str:
    """patient.name: contains characters that cannot be printed or seen (U+200D: tabs, line breaks, text-direction or other control characters); type it again on one line"""
    case["patient"]["name"] = "Anna \u200dSmith"
    return "patient.name"


MUTATORS: list[Callable[[Case], str]] = [
    first_dose_as_unix_seconds_text,
    first_dose_as_a_json_number,
    sample_time_as_a_decimal_text,
    sample_time_as_true,
    sample_time_as_a_list,
    sample_time_date_only,
    sample_time_in_basic_format,
    sample_time_not_on_the_calendar,
    sample_time_before_the_calendar_in_utc,
    followup_time_as_unix_seconds,
    discharge_as_a_number,
    birth_date_as_unix_seconds_text,
    birth_date_as_a_number,
    birth_date_not_on_the_calendar,
    birth_date_very_long_text,
    prescriber_only_a_space,
    plan_id_with_a_right_to_left_override,
    name_with_a_right_to_left_override,
    name_with_a_left_to_right_mark,
    name_ending_in_a_joiner,
    name_starting_with_a_joiner,
    name_with_a_joiner_beside_a_space,
]


@pytest.mark.parametrize("mutate", MUTATORS, ids=[m.__name__ for m in MUTATORS])
def test_each_bad_field_is_refused_with_its_message(mutate: Callable[[Case], str]) -> None:
    case = base_case()
    field = mutate(case)
    assert mutate.__doc__ is not None
    expected = mutate.__doc__.split(": ", 1)[1]
    assert _messages(case) == {field: expected}


def test_the_same_rules_hold_outside_strict_json() -> None:
    """The window and the FHIR import build models in Python: a number is no time there either."""
    case = base_case()
    case["regimen"]["first_dose_at"] = 1764694800
    with pytest.raises(ValidationError, match="a number is not a date-time"):
        PlanInputs.model_validate(case)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26T07:10:00Z",
        "2026-11-26T07:10:00+01:00",
        "2026-11-26T07:10Z",
        "2026-11-26T07:10:00.123456-05:00",
    ],
)
def test_iso_times_with_a_zone_are_read(text: str) -> None:
    case = base_case()
    case["labs"]["potassium"]["sampled_at"] = text
    read = parse_plan_bytes(json.dumps(case).encode(), "case")
    assert read.labs.potassium is not None
    assert read.labs.potassium.sampled_at == datetime.fromisoformat(text)


def test_date_and_datetime_objects_from_the_program_are_kept() -> None:
    case = base_case()
    case["patient"]["date_of_birth"] = date(1960, 5, 1)
    case["regimen"]["first_dose_at"] = datetime(2026, 11, 26, 14, tzinfo=UTC)
    made = PlanInputs.model_validate(case)
    assert made.patient.date_of_birth == date(1960, 5, 1)
    assert made.regimen.first_dose_at == datetime(2026, 11, 26, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    "name",
    [
        "Anna \U0001f469\u200d\U0001f52c Smith",  # woman scientist: emoji joined with U+200D
        "\u0928\u094d\u200d\u0928",  # Devanagari half form with a joiner after the virama
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian with a non-joiner
    ],
)
def test_names_written_with_joiners_are_accepted(name: str) -> None:
    case = base_case()
    case["patient"]["name"] = name
    assert parse_plan_bytes(json.dumps(case).encode(), "case").patient.name == name


def test_a_5000_digit_number_is_refused_in_words() -> None:
    text = json.dumps(base_case()).replace('"weight_kg": 70', '"weight_kg": ' + "9" * 5000)
    with pytest.raises(PlanFileError) as info:
        parse_plan_bytes(text.encode(), "case.json")
    assert str(info.value) == (
        "Cannot open case.json: a number in the file has 5,000 digits, far too many to be a "
        "value this file may contain."
    )
    assert "sys." not in str(info.value)


def test_a_long_negative_number_counts_its_digits() -> None:
    text = json.dumps(base_case()).replace('"weight_kg": 70', '"weight_kg": -' + "9" * 4400)
    with pytest.raises(PlanFileError, match="has 4,400 digits"):
        parse_plan_bytes(text.encode(), "case.json")


@pytest.mark.parametrize("number", ["10" + "0" * 400, "-1e308", "1e13"])
def test_a_number_no_file_may_hold_is_refused_when_read(number: str) -> None:
    """A number within Python's digits but beyond any value (it overflowed a date: issue 16).

    The refusal names the field (the release strict-times campaign: a Unix time in milliseconds
    in a time field was refused for the whole file, naming no field).
    """
    text = json.dumps(base_case()).replace('"weight_kg": 70', '"weight_kg": ' + number)
    with pytest.raises(InputError, match="too large to be a value this file may contain") as info:
        parse_plan_bytes(text.encode(), "case.json")
    assert [p.path for p in info.value.problems] == ["patient.weight_kg"]


def test_a_unix_time_in_milliseconds_is_refused_naming_its_field() -> None:
    case = base_case()
    case["regimen"]["first_dose_at"] = 1055811958296
    case["followups"] = [
        {"analyte": "potassium", "value": 4.0, "unit": "mmol/L", "sampled_at": -1083969165271}
    ]
    with pytest.raises(InputError) as info:
        parse_plan_bytes(json.dumps(case).encode(), "case.json")
    paths = [p.path for p in info.value.problems]
    assert paths == ["regimen.first_dose_at", "followups.0.sampled_at"]  # as pydantic's paths


def test_a_clock_time_without_a_zone_asks_for_the_zone() -> None:
    case = base_case()
    case["labs"]["potassium"]["sampled_at"] = "2026-11-26T07:10"
    assert _messages(case) == {
        "labs.potassium.sampled_at": "needs a timezone offset, e.g. 2026-11-26T09:00:00+00:00"
    }


def test_a_naive_datetime_object_is_refused() -> None:
    case = base_case()
    case["regimen"]["first_dose_at"] = datetime(2026, 11, 26, 14)
    with pytest.raises(ValidationError, match="needs a timezone offset"):
        PlanInputs.model_validate(case)


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("severity_override.clinician", "   "),
        ("severity_override.reason", "     "),
        ("overrides.0.prescriber", "  "),
        ("overrides.0.reason", "    "),
    ],
)
def test_a_signed_name_or_reason_of_spaces_is_refused(where: str, text: str) -> None:
    case = base_case()
    case["severity_override"] = {
        "severity": "severe",
        "reason": "Hb from the ward",
        "clinician": "Dr B",
    }
    case["overrides"] = [
        {
            "target": "potassium",
            "action": "decline",
            "reason": "patient refuses",
            "prescriber": "Dr B",
        }
    ]
    section, field = where.rsplit(".", 1)
    holder = case["severity_override"] if section == "severity_override" else case["overrides"][0]
    holder[field] = text
    assert _messages(case) == {where: "holds only spaces: type the text itself"}


def test_a_blank_patient_name_is_left_to_the_engine_which_says_it_is_required() -> None:
    case = base_case()
    case["patient"]["name"] = "   "
    assert parse_plan_bytes(json.dumps(case).encode(), "case").patient.name == "   "


def test_too_large_numbers_are_placed_only_in_text_that_is_otherwise_valid_json() -> None:
    """The places of too-large numbers, in file order; none when the text fails for another
    reason too (the reader then gives that reason), so no place is guessed from a broken file."""
    from desktop_app.logic.protocol import too_large_number_paths

    text = '{"a": [1, 2e13], "b": {"c": 1e999}, "d": -5000000000000}'
    assert too_large_number_paths(text) == ["a.1", "b.c", "d"]
    assert too_large_number_paths("2e13") == ["(file)"]
    assert too_large_number_paths('{"a": 2e13, "a": 1}') == []  # a key twice
    assert too_large_number_paths('{"a": NaN, "b": 2e13}') == []  # not a number
    assert too_large_number_paths('{"a": 2e13') == []  # truncated
    assert too_large_number_paths("[" * 100_000) == []  # nested too deep
