"""The history of issued sheets: find a record, open its plan read-only, reprint it identically."""

from __future__ import annotations

import logging
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.audit.errors import AuditError, AuditNotFoundError
from desktop_app.audit.issue import ReprintResult, rebuild, reprint
from desktop_app.audit.register import RecordSummary, Register
from desktop_app.audit.text import local_time, show_text
from desktop_app.logic.errors import B12KError
from desktop_app.report.plan_text import render_text
from desktop_app.widgets import alerts

_log = logging.getLogger(__name__)

#: At most this many records are listed at once (newest first); a search narrows the list.
MAX_ROWS = 1000

AnyIndex = QModelIndex | QPersistentModelIndex


def _kind(record: RecordSummary) -> str:
    return "issued" if record.kind == "issue" else f"reprint of {record.reprint_of}"


#: Column title -> the cell text of a record.
_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("Record", lambda r: str(r.id)),
    ("Recorded", local_time),
    ("Patient ID", lambda r: r.patient_identifier),
    ("Name", lambda r: r.patient_name),
    ("Plan", lambda r: r.plan_id),
    ("Kind", _kind),
    ("Prescriber", lambda r: r.prescriber),
    ("User", lambda r: r.os_user),
    ("Paper", lambda r: r.paper.upper() if r.paper == "a4" else r.paper.capitalize()),
    ("Sheet", lambda r: r.destination),
)


class RecordTableModel(QAbstractTableModel):
    """Read-only table of record summaries, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records: list[RecordSummary] = []

    def set_records(self, records: list[RecordSummary]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record_at(self, row: int) -> RecordSummary:
        """Return the record shown in `row`."""
        return self._records[row]

    def row_of(self, record_id: int) -> int | None:
        """Return the row showing a record id, or None."""
        return next((i for i, r in enumerate(self._records) if r.id == record_id), None)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of records (a table: no children)."""
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; the tooltip carries the PDF hash; UserRole gives the record id."""
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return str(_COLUMNS[index.column()][1](record))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Record {record.id}; PDF SHA-256 {record.pdf_sha256}"
        if role == Qt.ItemDataRole.UserRole:
            return record.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(_COLUMNS)
        ):
            return _COLUMNS[section][0]
        return None


class HistoryDialog(QDialog):
    """Lists the sheets issued (for the open patient, or searched), opens and reprints one.

    Args:
        register: the register, or its path; the default register when None. A register that
            cannot be opened is reported in the dialog, which then lists nothing.
        patient_identifier: the open patient's identifier; the list starts filtered to it.

    Signals:
        reprinted: a sheet was reprinted to a file (carries the `ReprintResult`).
    """

    reprinted = Signal(object)

    def __init__(
        self,
        register: Register | Path | None = None,
        patient_identifier: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sheets issued (audit register)")
        self.resize(1000, 640)
        self.last_reprint: ReprintResult | None = None
        self._register: Register | None = None
        self._open_message = ""
        self._build()
        self._layout()
        self._connect()
        self._open(register)
        self.set_patient(patient_identifier)

    # ----- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("identifier, name, plan id or prescriber")
        self.search.setAccessibleName("Search the sheets issued")
        self.search.setClearButtonEnabled(True)
        self.search_label = QLabel("&Search")
        self.search_label.setBuddy(self.search)

        self.patient_only = QCheckBox()
        self.patient_only.setAccessibleName("Only the open patient")

        self.date_filter = QCheckBox("On &date")
        self.date_filter.setAccessibleName("Only sheets issued on a date")
        self.date = QDateEdit()
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.date.setDate(QDate.currentDate())
        self.date.setEnabled(False)
        self.date.setAccessibleName("Date the sheets were issued")

        self.model = RecordTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Sheets issued")

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName("Record and plan (read-only)")
        self.details.setPlaceholderText("Select a record to see what was issued.")

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAccessibleName("History status")

        self.open_button = QPushButton("&Open plan")
        self.open_button.setAccessibleName("Open the selected plan read-only")
        self.reprint_button = QPushButton("&Reprint...")
        self.reprint_button.setAccessibleName("Reprint the selected sheet to a file")
        self.verify_button = QPushButton("&Verify register")
        self.verify_button.setAccessibleName("Check the audit register's hash chain")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self._update_buttons()

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search_label)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.patient_only)
        filters.addWidget(self.date_filter)
        filters.addWidget(self.date)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)

        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.reprint_button)
        actions.addWidget(self.verify_button)
        actions.addStretch(1)
        actions.addWidget(self.buttons)

        column = QVBoxLayout(self)
        column.addLayout(filters)
        column.addWidget(split, 1)
        column.addWidget(self.status)
        column.addLayout(actions)
        order = (
            self.search,
            self.patient_only,
            self.date_filter,
            self.date,
            self.table,
            self.details,
            self.open_button,
            self.reprint_button,
            self.verify_button,
            self.buttons,
        )
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.search.textChanged.connect(self._on_filter_changed)
        self.patient_only.toggled.connect(self._on_filter_changed)
        self.date_filter.toggled.connect(self._on_date_filter_toggled)
        self.date.dateChanged.connect(self._on_filter_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.reprint_button.clicked.connect(self._on_reprint_clicked)
        self.verify_button.clicked.connect(self._on_verify_clicked)
        self.buttons.rejected.connect(self.reject)

    def _open(self, register: Register | Path | str | None) -> None:
        if register is not None and not isinstance(register, (str, Path)):
            self._register = register  # an opened register of either backend
            return
        from desktop_app.audit.backend import open_register, resolve

        path = resolve(register)
        try:
            self._register = open_register(path, create=False)  # type: ignore[assignment]
        except AuditNotFoundError:
            self._open_message = f"No sheets have been recorded yet (no register at {path})."
        except AuditError as exc:
            self._open_message = f"The audit register cannot be read. {exc}"
            _log.error("%s", self._open_message)

    # ----- public API --------------------------------------------------------------------------

    @classmethod
    def ask(
        cls,
        register: Register | Path | None,
        patient_identifier: str = "",
        parent: QWidget | None = None,
    ) -> tuple[ReprintResult | None, bool]:
        """Show the dialog; return the last reprint made in it (if any) and whether one was made."""
        dialog = cls(register, patient_identifier, parent)
        dialog.exec()
        return dialog.last_reprint, dialog.last_reprint is not None

    def set_patient(self, identifier: str) -> None:
        """Offer (and apply) the filter to the open patient's identifier."""
        self._patient = identifier.strip()
        self.patient_only.setText(
            f"Only &patient {self._patient}" if self._patient else "Only &patient (none open)"
        )
        self.patient_only.setEnabled(bool(self._patient))
        self.patient_only.setChecked(bool(self._patient))
        self.refresh()

    def refresh(self) -> None:
        """Query the register with the current filters."""
        if self._register is None:
            self.model.set_records([])
            self._set_status(self._open_message, warning=True)
            return
        try:
            rows = self._register.search(
                patient=self._patient if self.patient_only.isChecked() else None,
                text=self.search.text().strip() or None,
                on_date=self._chosen_date(),
                limit=MAX_ROWS,
            )
        except AuditError as exc:
            self.model.set_records([])
            self._set_status(str(exc), warning=True)
            return
        self.model.set_records(rows)
        more = " (the newest; narrow the search to see older ones)" if len(rows) == MAX_ROWS else ""
        self._set_status(f"{len(rows)} sheet(s) listed{more}.")
        self.details.clear()
        self._update_buttons()

    def selected_record(self) -> RecordSummary | None:
        """Return the selected record, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def select_record(self, record_id: int) -> bool:
        """Select a listed record by id; False if it is not listed."""
        row = self.model.row_of(record_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def open_selected(self) -> None:
        """Show the selected record and its plan, rebuilt from what was stored, read-only."""
        summary = self.selected_record()
        if summary is None or self._register is None:
            return
        try:
            record = self._register.get(summary.id)
            built = rebuild(self._register, summary.id)
        except B12KError as exc:
            self._set_status(f"Record {summary.id} cannot be opened. {exc}", warning=True)
            return
        same = (
            "The rebuilt plan is identical to the plan recorded."
            if built.plan_identical
            else "WARNING: this program rebuilds a DIFFERENT plan from the stored inputs than the "
            "one recorded; the sheet issued may differ from what is shown."
        )
        self.details.setPlainText(
            show_text(record) + "\n" + same + "\n\n" + render_text(built.plan)
        )
        self._set_status(
            f"Plan {record.plan_id} (record {record.id}) opened read-only. {same}",
            warning=not built.plan_identical,
        )

    def reprint_selected(self, path: Path) -> ReprintResult | None:
        """Reprint the selected record to `path`, compare its hash, and say the outcome."""
        summary = self.selected_record()
        if summary is None or self._register is None:
            return None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = reprint(self._register, summary.id, path)
        except B12KError as exc:
            QGuiApplication.restoreOverrideCursor()
            alerts.error(self, "Reprint failed", str(exc))
            self._set_status(f"Reprint failed. {exc}", warning=True)
            return None
        QGuiApplication.restoreOverrideCursor()
        self.last_reprint = result
        if result.reprint_record is not None:  # list the reprint's own record too
            self.refresh()
            self.select_record(summary.id)
        message = result.message()
        self._set_status(message, warning=not result.identical or result.warning is not None)
        if not result.identical:
            alerts.error(self, "Reprint differs from the sheet issued", message)
        self.reprinted.emit(result)
        return result

    def verify(self) -> None:
        """Check the hash chain and say whether the register is intact."""
        if self._register is None:
            self._set_status(self._open_message, warning=True)
            return
        try:
            result = self._register.verify()
        except AuditError as exc:
            self._set_status(str(exc), warning=True)
            return
        self._set_status(result.text(), warning=not result.ok)
        if not result.ok:
            alerts.error(self, "Audit register broken", result.text())

    # ----- helpers -----------------------------------------------------------------------------

    def _chosen_date(self) -> date | None:
        if not self.date_filter.isChecked():
            return None
        chosen = self.date.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def _set_status(self, text: str, warning: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("font-weight: bold;" if warning else "")
        if warning:
            _log.warning("%s", text)

    def _update_buttons(self) -> None:
        chosen = self.selected_record() is not None if self.table.selectionModel() else False
        self.open_button.setEnabled(chosen)
        self.reprint_button.setEnabled(chosen)
        self.verify_button.setEnabled(self._register is not None)

    # ----- slots -------------------------------------------------------------------------------

    @Slot()
    def _on_filter_changed(self) -> None:
        self.refresh()

    @Slot(bool)
    def _on_date_filter_toggled(self, checked: bool) -> None:
        self.date.setEnabled(checked)
        self.refresh()

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()
        summary = self.selected_record()
        if summary is not None:
            self._set_status(
                f"Record {summary.id}: {summary.patient_name} ({summary.patient_identifier}), plan "
                f"{summary.plan_id}, {local_time(summary)}. Open it to see the plan."
            )

    @Slot()
    def _on_open_clicked(self) -> None:
        self.open_selected()

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self.open_selected()

    @Slot()
    def _on_reprint_clicked(self) -> None:
        summary = self.selected_record()
        if summary is None:
            return
        path = alerts.choose_pdf_path(self, f"{summary.plan_id}-record-{summary.id}-reprint.pdf")
        if path is not None:
            self.reprint_selected(path)

    @Slot()
    def _on_verify_clicked(self) -> None:
        self.verify()
