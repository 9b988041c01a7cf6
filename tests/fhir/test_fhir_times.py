"""Issue 16 items 1 and 2 in a FHIR import: only ISO 8601 times with a zone, none from year 1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop_app.fhir import import_fhir
from desktop_app.fhir.importer import parse_fhir_datetime
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import bundle, obs, patient

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LP = load_protocol()


def refusal(when: object) -> tuple[str, str]:
    """(outcome, reason) of a potassium Observation sampled at `when`."""
    result = import_fhir(bundle(patient(), obs("2823-3", 4.1, "mmol/L", when)), LP, None, now=NOW)
    (row,) = result.rows
    return row.outcome, row.reason


@pytest.mark.parametrize(
    "text",
    ["1764694800", "3.4", "20261126T071000Z", "2026-11-26 07:10:00Z", "2026-W48-4T07:10:00Z"],
)
def test_a_time_that_is_not_iso_8601_with_a_zone_is_refused(text: str) -> None:
    assert parse_fhir_datetime(text)[1] == "bad-time"
    outcome, reason = refusal(text)
    assert outcome != "used"
    assert f"the time '{text}' is not a valid FHIR dateTime" in reason


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "2025-11-26T11:59:00Z"]
)
def test_an_observation_older_than_the_protocol_window_is_refused(text: str) -> None:
    outcome, reason = refusal(text)
    assert outcome != "used"
    assert "days before now (rule PLAUS-TIME-BACK, local policy): probably a wrong year" in reason


def test_an_observation_just_inside_the_window_is_used() -> None:
    outcome, _ = refusal("2025-11-26T12:00:00Z")
    assert outcome == "used"


def test_a_number_for_a_time_is_refused() -> None:
    outcome, reason = refusal(1764694800)
    assert outcome != "used" and "is not a FHIR dateTime" in reason
