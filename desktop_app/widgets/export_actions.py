"""Export PDF, Print and the issued-sheets history: the window's plan as a linted order sheet.

The order-sheet renderer and the audit register are imported when first used (start-up needs
neither). If one of them cannot be imported, the user is told so when using it.
"""

from __future__ import annotations

import html
import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale

from desktop_app.logic.errors import B12KError
from desktop_app.logic.plan import Plan
from desktop_app.logic.privacy import for_log
from desktop_app.widgets import alerts, ui_text

if TYPE_CHECKING:
    from desktop_app.widgets.main_window import MainWindow

_log = logging.getLogger(__name__)

#: What the window needs from the order-sheet package.
REPORT_NAMES = ("render_order_sheet", "export_order_sheet", "SheetOptions", "sheet_page_count")


def plan_or_explain(window: MainWindow, what: str) -> Plan | None:
    """Return the current plan, or say why there is none and return None."""
    plan = window.current_plan()
    if plan is None:
        alerts.error(
            window,
            f"Cannot {what} yet",
            "There is no plan for the inputs as they are now. Fix the inputs listed "
            "in the plan panel first.",
        )
    return plan


def _recorded(result: Any) -> str:
    """Whether the sheet is in the audit register, in words."""
    if result is None:
        return ui_text.SHEET_NO_REGISTER
    if result.record is None:
        return ui_text.SHEET_NOT_RECORDED
    return ui_text.SHEET_RECORDED.format(record=result.record.id)


def paper_for_locale() -> str:
    """Letter where the computer's territory uses it, A4 elsewhere."""
    territory = QLocale().territory()
    return "letter" if territory in (QLocale.Country.UnitedStates, QLocale.Country.Canada) else "a4"


class SheetActions:
    """The File menu's Export PDF, Print and Issued sheets, for one window."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window

    def export_pdf(self) -> bool:
        """Write the linted order sheet PDF and record it in the audit register."""
        window = self._window
        plan = plan_or_explain(window, "export")
        inputs = window.form.current_inputs()
        if plan is None or inputs is None:
            return False
        report = self._report_module()
        if report is None:
            return False
        path = window.path
        suggested = (
            path.with_suffix(".pdf")
            if path
            else Path(f"{plan.patient.identifier or 'plan'}-order-sheet.pdf")
        )
        target = alerts.choose_pdf_path(window, str(suggested))
        if target is None:
            return False
        options = report.SheetOptions(paper=paper_for_locale())
        lp = window.protocol
        try:
            audit = self._audit_module()
            result = None
            if audit is not None:
                result = audit.export_and_record(plan, inputs, lp, lp.data, target, options)
                self._audit_outcome(result)
                data = Path(target).read_bytes()
            else:
                data = report.export_order_sheet(plan, target, options)
        except (B12KError, OSError) as exc:
            alerts.error(window, "Cannot export the order sheet", str(exc))
            return False
        window.statusBar().showMessage(f"Order sheet written: {target}", 5000)
        self._confirm(
            ui_text.SHEET_EXPORTED.format(
                path=target, pages=report.sheet_page_count(data), recorded=_recorded(result)
            )
        )
        _log.info("exported order sheet %s", for_log(target, plan.patient))
        return True

    def print_sheet(self) -> bool:
        """Show the real, linted order-sheet PDF in a preview, print it, record it."""
        window = self._window
        plan = plan_or_explain(window, "print")
        inputs = window.form.current_inputs()
        if plan is None or inputs is None:
            return False
        report = self._report_module()
        if report is None:
            return False
        options = report.SheetOptions(paper=paper_for_locale())
        audit = self._audit_module()
        make = getattr(report, "checked_order_sheet", report.render_order_sheet)
        try:
            if audit is not None:  # the printed sheet shows the register's head, as exported do
                options = audit.anchored(options)  # a shared register out of reach refuses
            data = make(plan, options)
        except B12KError as exc:
            alerts.error(window, "Cannot make the order sheet", str(exc))
            return False
        from desktop_app.widgets.print_preview import PrintPreviewDialog

        printer, printed = PrintPreviewDialog.ask(data, f"Order sheet {plan.plan_id}", window)
        if not printed:
            return False
        result = None
        if audit is not None:
            lp = window.protocol
            result = audit.record_printed(
                plan, inputs, lp, lp.data, data, options, printer=printer or ""
            )
            self._audit_outcome(result)
        self._confirm(
            ui_text.SHEET_PRINTED.format(
                printer=printer or "the printer",
                pages=report.sheet_page_count(data),
                recorded=_recorded(result),
            )
        )
        return True

    def _confirm(self, text: str) -> None:
        """Say on screen what was done, until the next sheet (the message bar, not a box)."""
        self._window.messages.show_message("info", html.escape(text, quote=False), "sheet")

    def show_history(self) -> None:
        """Show the audit register: issued sheets, read-only plans, identical reprints."""
        window = self._window
        try:
            from desktop_app.widgets.history_dialog import HistoryDialog
        except ImportError as exc:
            alerts.error(window, "Issued sheets not available", f"{ui_text.AUDIT_MISSING} ({exc})")
            return
        inputs = window.form.current_inputs()
        HistoryDialog.ask(None, inputs.patient.identifier if inputs else "", window)

    def _report_module(self) -> Any:
        try:
            module = importlib.import_module("desktop_app.report")
        except ImportError as exc:
            alerts.error(
                self._window, "Order sheet not available", f"{ui_text.PDF_MISSING} ({exc})"
            )
            return None
        if not all(hasattr(module, name) for name in REPORT_NAMES):
            alerts.error(self._window, "Order sheet not available", ui_text.PDF_MISSING)
            return None
        return module

    def _audit_module(self) -> Any:
        try:
            return importlib.import_module("desktop_app.audit.issue")
        except ImportError as exc:
            _log.warning("audit register unavailable: %s", exc)
            self._window.messages.show_message(
                "warning", f"{ui_text.AUDIT_MISSING} ({exc})", "audit"
            )
            return None

    def _audit_outcome(self, result: Any) -> None:
        if result.warning:
            self._window.messages.show_message("warning", result.warning, "audit")
        elif result.record is not None:
            self._window.messages.dismiss("audit")
            _log.info("sheet recorded in the audit register as record %d", result.record.id)
