"""Issue 16 item 8: log text masks the patient's name, its words and the identifier."""

from __future__ import annotations

from desktop_app.logic.models import Patient
from desktop_app.logic.privacy import MASK, for_log, masked


def test_the_name_its_words_and_the_identifier_are_masked_in_any_case() -> None:
    patient = Patient(name="Margaret Ellison (DEMO)", identifier="RX0042137")
    text = "/tmp/rx0042137-order-sheet.pdf, MARGARET ELLISON (DEMO).json, ellison.json"
    assert for_log(text, patient) == (f"/tmp/{MASK}-order-sheet.pdf, {MASK}.json, {MASK}.json")


def test_short_words_and_empty_secrets_are_left() -> None:
    assert masked("Ward 7B: Al Jo", "Al Jo", "", "  ") == f"Ward 7B: {MASK}"
    assert masked("Al and Jo", "Al Jo") == "Al and Jo"  # words of two letters are too common
    assert masked(42) == "42"
