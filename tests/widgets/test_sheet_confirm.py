"""Export and Print say on screen what happened (issue 17 item 5): path, pages, recorded."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.audit.register import Register, default_register_path
from desktop_app.demo import demo_inputs
from desktop_app.report import sheet_page_count
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.print_preview import PrintPreviewDialog
from tests.widgets.conftest import Alerts

MakeWindow = Callable[..., MainWindow]


def _press(qtbot: Any, window: MainWindow, key: Qt.Key) -> None:
    """A Ctrl shortcut, typed in the active window."""
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, Qt.KeyboardModifier.ControlModifier)


def _shown(window: MainWindow, start: str) -> list[str]:
    """The messages on screen that start with `start`, as read (without their level word)."""
    out = []
    for text in window.messages.texts():
        word, _, rest = text.partition("</b> ")
        if word == "<b>Note:" and html.unescape(rest).startswith(start):
            out.append(html.unescape(rest))
    return out


def _latest_record_id() -> int:
    rows = Register(default_register_path()).search(limit=1)
    return max(r.id for r in rows)


def test_export_confirms_the_path_the_pages_and_the_record(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    target = tmp_path / "sheet.pdf"
    fake_alerts.pdf_path = target
    _press(qtbot, window, Qt.Key.Key_E)  # File > Export PDF
    assert target.exists(), "Ctrl+E exported the sheet"
    pages = sheet_page_count(target.read_bytes())
    assert pages >= 2
    texts = _shown(window, "Order sheet written")
    assert texts == [
        f"Order sheet written to {target}: {pages} page(s), recorded in the audit register "
        f"as record {_latest_record_id()}."
    ]


def test_print_confirms_the_printer_the_pages_and_the_record(
    qtbot: Any, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch, fake_alerts: Alerts
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    shown: list[bytes] = []

    def fake_ask(pdf: bytes, _title: str, _parent: Any = None) -> tuple[str | None, bool]:
        shown.append(pdf)
        return "Ward 7B printer", True

    monkeypatch.setattr(PrintPreviewDialog, "ask", staticmethod(fake_ask))
    _press(qtbot, window, Qt.Key.Key_P)  # File > Print
    assert shown, "Ctrl+P opened the preview"
    (text,) = _shown(window, "Order sheet sent")
    found = re.fullmatch(
        r"Order sheet sent to Ward 7B printer: (\d+) page\(s\), recorded in the audit register "
        r"as record (\d+)\.",
        text,
    )
    assert found, text
    assert int(found.group(1)) == sheet_page_count(shown[0])
    assert int(found.group(2)) == _latest_record_id()
