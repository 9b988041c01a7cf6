"""Issue 16 item 8 in the window: saving, exporting and opening under the suggested file names
(which hold the identifier) log no name or identifier; the autouse watch of tests/conftest.py
fails these tests if one does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.demo import demo_inputs
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.conftest import Alerts

MakeWindow = Callable[..., MainWindow]


def test_export_save_and_open_under_the_patients_own_file_names_log_no_patient(
    make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="desktop_app")
    window = make_window()
    inputs = demo_inputs()
    window._load_inputs(inputs, None)
    stem = inputs.patient.identifier  # the suggested names: RX0042137-order-sheet.pdf ...
    fake_alerts.pdf_path = tmp_path / f"{stem}-order-sheet.pdf"
    fake_alerts.save_path = tmp_path / f"{inputs.patient.name}.json"
    assert window.export_pdf()
    assert window.save_as()
    assert window.open_path(fake_alerts.save_path)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    # the lines are there, with the patient masked (the watch checks they hold no patient)
    assert "exported order sheet" in logged and "[patient]-order-sheet.pdf" in logged
    assert "saved " in logged and "opened " in logged and "[patient].json" in logged


def test_a_message_naming_the_patients_file_is_logged_masked(
    make_window: MakeWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="desktop_app")
    window = make_window()
    inputs = demo_inputs()
    window._load_inputs(inputs, None)
    text = f"The sheet {inputs.patient.identifier}-order-sheet.pdf was produced but NOT recorded."
    window.messages.show_message("warning", text, "audit")
    assert any(text in shown for shown in window.messages.texts())  # the screen keeps the name
    assert "message shown: The sheet [patient]-order-sheet.pdf was produced" in caplog.text
