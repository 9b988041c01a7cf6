"""Export PDF and Print call the real order-sheet renderer; the preview shows the real PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtPrintSupport import QPrinter

from desktop_app.demo import demo_inputs
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.print_preview import PrintPreviewDialog
from tests.widgets.conftest import Alerts

MakeWindow = Callable[..., MainWindow]


def test_export_writes_the_linted_order_sheet(
    make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    assert window.act_export.isEnabled() and window.act_print.isEnabled()
    fake_alerts.pdf_path = tmp_path / "sheet.pdf"
    assert window.export_pdf()
    data = fake_alerts.pdf_path.read_bytes()
    assert data.startswith(b"%PDF")
    assert fake_alerts.errors == []
    assert not any("NOT recorded" in t for t in window.messages.texts())
    import hashlib

    from desktop_app.audit.register import Register, default_register_path

    rows = Register(default_register_path()).search(limit=10)
    assert any(hashlib.sha256(data).hexdigest() in str(r) for r in rows)


def test_export_without_a_plan_explains_why(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    fake_alerts.pdf_path = tmp_path / "sheet.pdf"
    assert not window.export_pdf()
    assert not fake_alerts.pdf_path.exists()
    assert "no plan" in fake_alerts.errors[-1][1]


def test_print_shows_the_real_pdf_before_printing(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    shown: list[bytes] = []

    def fake_ask(pdf: bytes, _title: str, _parent: Any = None) -> tuple[str | None, bool]:
        shown.append(pdf)
        return "Ward 7B printer", True

    monkeypatch.setattr(PrintPreviewDialog, "ask", staticmethod(fake_ask))
    assert window.print_sheet()
    assert shown and shown[0].startswith(b"%PDF")
    from desktop_app.audit.register import Register, default_register_path

    rows = Register(default_register_path()).search(limit=10)
    assert any("Ward 7B printer" in str(r) for r in rows)


def test_preview_loads_every_page_and_prints_them(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path
) -> None:
    from desktop_app.report import render_order_sheet

    window = make_window()
    window._load_inputs(demo_inputs(), None)
    plan = window.current_plan()
    assert plan is not None
    pdf = render_order_sheet(plan)
    dialog = PrintPreviewDialog(pdf, "test")
    qtbot.addWidget(dialog)
    pages = dialog.document.pageCount()
    assert pages >= 1 and f"{pages} page" in dialog.summary.text()
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    dialog.print_to(printer)
    from pypdf import PdfReader

    assert len(PdfReader(str(out)).pages) == pages


def test_history_opens_for_the_open_patient(
    make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.widgets.history_dialog import HistoryDialog

    calls: list[tuple[Any, str]] = []

    def fake_ask(register: Any, patient: str = "", _parent: Any = None) -> tuple[None, bool]:
        calls.append((register, patient))
        return None, False

    monkeypatch.setattr(HistoryDialog, "ask", staticmethod(fake_ask))
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    assert window.act_history.isEnabled()
    window.act_history.trigger()
    assert calls == [(None, demo_inputs().patient.identifier)]
