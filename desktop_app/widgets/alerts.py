"""Modal boxes, file choosers and the crash dialog. Nothing else calls exec() on a dialog.

Every message shown here is also logged. Tests replace these functions (monkeypatch), so no
test ever blocks on a modal box.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Literal

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.textfmt import when
from desktop_app.widgets import ui_text

_log = logging.getLogger(__name__)

PLAN_FILTER = "B12-K plan files (*.json);;All files (*)"
PDF_FILTER = "PDF files (*.pdf)"
PROTOCOL_FILTER = "Protocol files (*.json);;All files (*)"
FHIR_FILTER = "FHIR JSON files (*.json);;All files (*)"


def error(parent: QWidget | None, title: str, text: str) -> None:
    """Show an error the user must read (export failed, file unreadable)."""
    _log.error("%s: %s", title, text)
    QMessageBox.critical(parent, title, text)


def info(parent: QWidget | None, title: str, text: str) -> None:
    """Show an information box (About)."""
    _log.info("%s: %s", title, text)
    QMessageBox.information(parent, title, text)


def ask_save_changes(parent: QWidget | None, name: str) -> Literal["save", "discard", "cancel"]:
    """Ask whether to save unsaved changes to `name`."""
    text = f"{name} has changes that are not saved. Save them?"
    _log.info("asked: %s", text)
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        text,
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def ask_recover(parent: QWidget | None, saved_at: datetime, file_path: str | None) -> bool:
    """Ask whether to recover the draft an earlier session left (it did not close cleanly)."""
    what = f"for {file_path}" if file_path else "of an unsaved plan"
    text = (
        f"B12-K Planner did not close cleanly last time. A draft {what}, autosaved at "
        f"{when(saved_at)}, can be recovered. Recover it? (No discards the draft.)"
    )
    _log.info("asked: %s", text)
    answer = QMessageBox.question(
        parent,
        "Recover unsaved work",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_yes_no(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a question that changes the plan; No is the default answer."""
    _log.info("asked: %s", text)
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    yes = answer == QMessageBox.StandardButton.Yes
    _log.info("answered: %s", "yes" if yes else "no")
    return yes


def confirm_outside_band(parent: QWidget | None, text: str) -> bool:
    """The second confirmation of an override that differs from the protocol's recommendation."""
    return ask_yes_no(parent, ui_text.OVERRIDE_CONFIRM_TITLE, text)


def confirm_withdraw(parent: QWidget | None, text: str) -> bool:
    """Ask before a prescriber override is withdrawn."""
    return ask_yes_no(parent, ui_text.OVERRIDE_WITHDRAW_TITLE, text)


def confirm_patient(parent: QWidget | None, text: str) -> bool:
    """Ask whether results that do not identify their patient are for the open plan's patient."""
    return ask_yes_no(parent, ui_text.FHIR_CONFIRM_TITLE, text)


def choose_fhir_open_path(parent: QWidget | None, folder: str) -> Path | None:
    """Ask for a FHIR file of lab results to import."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import results (FHIR)", folder, FHIR_FILTER)
    return Path(path) if path else None


def choose_fhir_save_path(parent: QWidget | None, suggested: str) -> Path | None:
    """Ask where to write the plan as a FHIR Bundle."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export FHIR Bundle", suggested, FHIR_FILTER)
    if not path:
        return None
    result = Path(path)
    return result if result.suffix else result.with_suffix(".json")


def choose_open_path(parent: QWidget | None, folder: str) -> Path | None:
    """Ask for a plan file to open."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open plan file", folder, PLAN_FILTER)
    return Path(path) if path else None


def choose_save_path(parent: QWidget | None, suggested: str) -> Path | None:
    """Ask where to save a plan file."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save plan file", suggested, PLAN_FILTER)
    if not path:
        return None
    result = Path(path)
    return result if result.suffix else result.with_suffix(".json")


def choose_pdf_path(parent: QWidget | None, suggested: str) -> Path | None:
    """Ask where to save the order sheet PDF."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export order sheet", suggested, PDF_FILTER)
    if not path:
        return None
    result = Path(path)
    return result if result.suffix.lower() == ".pdf" else result.with_suffix(".pdf")


def choose_protocol_path(parent: QWidget | None, folder: str) -> Path | None:
    """Ask for a site protocol file."""
    path, _ = QFileDialog.getOpenFileName(parent, "Choose site protocol", folder, PROTOCOL_FILTER)
    return Path(path) if path else None


class CrashDialog(QDialog):
    """Says that something went wrong, with copyable details and the log file path."""

    def __init__(self, details: str, log_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("B12-K Planner: unexpected error")
        intro = QLabel(
            "Something went wrong inside B12-K Planner. Your inputs were autosaved and will be "
            "offered for recovery at the next start. Check the plan on screen before using it; "
            "if in doubt, restart the program.\n\n"
            f"The details below are also in the log file:\n{log_path}"
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        copy = QPushButton("&Copy details")
        copy.clicked.connect(self._on_copy_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self.details)
        column.addWidget(buttons)
        self.resize(640, 420)

    @classmethod
    def ask(cls, details: str, log_path: Path, parent: QWidget | None = None) -> tuple[None, bool]:
        """Show the dialog until closed."""
        dialog = cls(details, log_path, parent)
        dialog.exec()
        return None, True

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def show_crash(details: str, log_path: Path, parent: QWidget | None = None) -> None:
    """Show the crash dialog (replaced in tests)."""
    CrashDialog.ask(details, log_path, parent)


def install_excepthook(
    keep_draft: Callable[[], None], log_path: Path, parent: Callable[[], QWidget | None]
) -> None:
    """Route uncaught exceptions to the log, an immediate autosave and the crash dialog."""
    handling = False

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        nonlocal handling
        details = "".join(traceback.format_exception(kind, exc, tb))
        _log.critical("uncaught exception:\n%s", details)
        if handling or issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        handling = True
        try:
            try:
                keep_draft()
            except Exception:
                _log.exception("autosave after the crash failed")
            if QApplication.instance() is not None:
                show_crash(details, log_path, parent())
        finally:
            handling = False

    sys.excepthook = hook
