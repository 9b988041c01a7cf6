"""The import report: what a FHIR file would put in the form, from which Observation, and what
was refused and why. Only Accept changes the form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.fhir.importer import REPORT_COLUMNS, ImportResult, ImportRow
from desktop_app.widgets import ui_text
from desktop_app.widgets.style import set_look

AnyIndex = QModelIndex | QPersistentModelIndex


class TextTableModel(QAbstractTableModel):
    """A read-only table of strings; rows flagged `strong` are shown in bold (the words say why).

    `tips` gives each row's tooltip (the full text of a long cell).
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        strong: Sequence[bool] = (),
        tips: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows = [tuple(r) for r in rows]
        self._strong = tuple(strong) or (False,) * len(self._rows)
        self._tips = tuple(tips) or ("",) * len(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of rows (a table: no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; bold for strong rows; the row's tooltip."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = index.row()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._rows[row][index.column()]
        if role == Qt.ItemDataRole.FontRole and self._strong[row]:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and self._tips[row]:
            return self._tips[row]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; rows are numbered."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if 0 <= section < len(self._columns) else None
        return str(section + 1)


def report_model(rows: Sequence[ImportRow], parent: QWidget | None = None) -> TextTableModel:
    """The report table: one row per Observation, refused rows in bold."""
    return TextTableModel(
        REPORT_COLUMNS,
        [r.columns() for r in rows],
        [r.outcome == "refused" or bool(r.warning) for r in rows],
        [r.outcome_text for r in rows],
        parent,
    )


def _table(model: TextTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(True)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(model.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class ImportResultsDialog(QDialog):
    """Shows the whole import report; Accept applies `result.inputs`, Cancel changes nothing."""

    def __init__(
        self,
        result: ImportResult,
        name: str,
        parent: QWidget | None = None,
        label_of: Callable[[str], str] = str,
    ) -> None:
        super().__init__(parent)
        self.result_value = result
        self.setWindowTitle(ui_text.FHIR_IMPORT_TITLE.format(name=name))
        counts = (
            f"{len(result.used)} used, {len(result.not_used)} not used, "
            f"{len(result.refused)} refused"
        )
        self.summary = QLabel(
            f"<b>{ui_text.FHIR_IMPORT_TITLE.format(name=name)}</b><br>"
            f"Read from: {result.source_kind}, {len(result.rows)} Observation(s): {counts}.<br>"
            f"{ui_text.FHIR_PATIENT_CHECK[result.patient_check]}"
        )
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        self.patient_model = TextTableModel(
            ui_text.FHIR_PATIENT_COLUMNS,
            [(p.field, p.value, p.source, p.action, p.note) for p in result.patient_rows],
            parent=self,
        )
        self.patient_table = _table(self.patient_model, "Patient details in the file")
        self.patient_table.setVisible(bool(result.patient_rows))
        self.patient_table.resizeRowsToContents()
        self.patient_table.setFixedHeight(
            self.patient_table.horizontalHeader().sizeHint().height()
            + self.patient_table.verticalHeader().length()
            + 2 * self.patient_table.frameWidth()
        )
        column.addWidget(self.patient_table)
        self.report_model = report_model(result.rows, self)
        self.report = _table(self.report_model, "Observations: used, not used and refused")
        report_label = QLabel("&Observations in the file")
        report_label.setBuddy(self.report)
        column.addWidget(report_label)
        column.addWidget(self.report, 1)
        self.notes = QLabel("\n".join(f"Note: {n}" for n in result.notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(result.notes))
        column.addWidget(self.notes)
        filled = sorted({label_of(r.field) for r in result.used})
        patient_set = [
            label_of(f"patient.{p.field}") for p in result.patient_rows if p.action == "set"
        ]
        changes = list(dict.fromkeys([*patient_set, *filled]))
        self.fills = QLabel(
            ui_text.FHIR_FILLS.format(fields=", ".join(changes))
            if result.changed
            else ui_text.FHIR_NOTHING
        )
        set_look(self.fills, "planStatus")
        self.fills.setWordWrap(True)
        column.addWidget(self.fills)
        check = QLabel(ui_text.FHIR_CHECK)
        set_look(check, "hint")
        check.setWordWrap(True)
        column.addWidget(check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button = self.buttons.addButton(
            ui_text.FHIR_ACCEPT, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.accept_button.setEnabled(result.changed)
        self.accept_button.setAutoDefault(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter never fills the form by accident
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        self.resize(1100, 720)
        self.report.setFocus()

    @classmethod
    def ask(
        cls,
        result: ImportResult,
        name: str,
        parent: QWidget | None = None,
        label_of: Callable[[str], str] = str,
    ) -> tuple[ImportResult | None, bool]:
        """Show the report; return the result and True when the user accepts it.

        `label_of` turns a field path ('labs.potassium') into the form's label for it.
        """
        dialog = cls(result, name, parent, label_of)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return (dialog.result_value, True) if accepted else (None, False)
