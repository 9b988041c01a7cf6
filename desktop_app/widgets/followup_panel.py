"""The follow-up panel: potassium, magnesium and phosphate results after the first dose."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.models import FollowUp, PlanInputs
from desktop_app.logic.protocol import Analyte, Protocol
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import (
    EntryError,
    format_datetime,
    format_number,
    parse_datetime,
    parse_number,
)
from desktop_app.widgets.fields import InlineMessage, Panel, datetime_edit, line_edit, mark_invalid
from desktop_app.widgets.labs_panel import UnitSystem, default_unit
from desktop_app.widgets.style import set_look

_ROW_PATH = re.compile(r"^followups\[(\d+)\]")


def _analytes() -> tuple[str, ...]:
    """Return the analytes a follow-up may be (from the model's Literal type)."""
    return tuple(str(v) for v in get_args(FollowUp.model_fields["analyte"].annotation))


class _Table(QTableWidget):
    """The list of entered results; Delete removes the selected one.

    Signals:
        delete_pressed: the Delete key was pressed.
    """

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            return
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.ignore()  # Ctrl+Tab is the tab widget's: switch tabs, do not move a row
            return
        super().keyPressEvent(event)


def match_test(typed: str) -> str | None:
    """The one test whose ward names start with `typed` (any case); None if none or several."""
    key = typed.strip().lower()
    if not key:
        return None
    hits = [
        test
        for test, names in ui_text.FOLLOWUP_TEST_NAMES.items()
        if any(name.startswith(key) for name in names)
    ]
    return hits[0] if len(hits) == 1 else None


class _TestBox(QComboBox):
    """The test of a new result: starts unchosen; type-ahead only picks an unambiguous test.

    Qt's own type-ahead matches the first item starting with the letter typed, so "P" after
    Potassium moved to Phosphate and results were filed under the wrong test.
    """

    def __init__(self) -> None:
        super().__init__()
        self._typed = ""
        self._last_key = 0.0

    def clear_choice(self) -> None:
        """Back to no test chosen; what is typed next starts a new search."""
        self._typed = ""
        self.setCurrentIndex(-1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if not text or not text.isprintable() or text.isspace():
            super().keyPressEvent(event)
            return
        now = time.monotonic()
        if (now - self._last_key) * 1000 > QApplication.keyboardInputInterval():
            self._typed = ""
        self._last_key = now
        self._typed += text
        test = match_test(self._typed)
        self.setCurrentIndex(self.findData(test) if test is not None else -1)
        event.accept()


class FollowupPanel(Panel):
    """Results after the first dose, entered one at a time with their sample times.

    Signals:
        edited: a result was added or removed.
    """

    def __init__(
        self,
        protocol: Protocol,
        unit_system: UnitSystem,
        decimal_comma: bool,
        parent: QWidget | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(ui_text.FOLLOWUP_TITLE, parent)
        self._now = now
        self._protocol = protocol
        self._unit_system = unit_system
        self._decimal_comma = decimal_comma
        self._rows: list[FollowUp] = []
        self._build()
        self._connect()
        self._refill_units()
        self._refresh_table()

    def _build(self) -> None:
        help_label = QLabel(ui_text.FOLLOWUP_HELP)
        help_label.setWordWrap(True)
        set_look(help_label, "hint")
        self.form.addRow(help_label)
        self.test = _TestBox()
        self.test.setAccessibleName("Follow-up test")
        for name in _analytes():
            self.test.addItem(self._protocol.analytes[Analyte(name)].label, name)
        self.test.setPlaceholderText(ui_text.FOLLOWUP_TEST_PLACEHOLDER)
        self.test.setCurrentIndex(-1)  # every new result starts with no test chosen
        self.value = line_edit("Follow-up result value", width_chars=7)
        self.unit = QComboBox()
        self.unit.setAccessibleName("Follow-up result unit")
        self.time = datetime_edit("Follow-up sample time", ui_text.DATETIME_PLACEHOLDER, 17)
        self.add_button = QPushButton(ui_text.FOLLOWUP_ADD)
        self.add_button.setAccessibleName("Add follow-up result")
        self.add_field(
            "followups.entry.test", ui_text.FOLLOWUP_TEST, {"followups.entry.test": self.test}
        )
        self.add_field(
            "followups.entry.value",
            ui_text.FOLLOWUP_VALUE,
            {"followups.entry.value": self.value, "followups.entry.unit": self.unit},
        )
        self.add_field(
            "followups.entry.time",
            ui_text.FOLLOWUP_TIME,
            {"followups.entry.time": self.time},
            self.add_button,
        )
        self.table = _Table(0, len(ui_text.FOLLOWUP_COLUMNS))
        self.table.setAccessibleName("Results after the first dose")
        self.table.setHorizontalHeaderLabels(list(ui_text.FOLLOWUP_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(True)
        self.empty = QLabel(ui_text.FOLLOWUP_NONE)
        self.remove_button = QPushButton(ui_text.FOLLOWUP_REMOVE)
        self.remove_button.setAccessibleName("Remove the selected follow-up result")
        self.rows_message = InlineMessage()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.empty)
        column.addWidget(self.table)
        column.addWidget(self.rows_message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        column.addLayout(buttons)
        self.form.addRow(box)

    def _connect(self) -> None:
        self.test.currentIndexChanged.connect(self._on_test_changed)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.value.returnPressed.connect(self._on_add_clicked)
        self.time.returnPressed.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.table.delete_pressed.connect(self._on_remove_clicked)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order."""
        return [
            self.test,
            self.value,
            self.unit,
            self.time,
            self.add_button,
            self.table,
            self.remove_button,
        ]

    def collect(self, errors: dict[str, str]) -> list[dict[str, Any]]:
        """Return the results as dicts for the model (entered results are already valid)."""
        return [row.model_dump() for row in self._rows]

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the follow-up results of `inputs`."""
        self._rows = sorted(inputs.followups, key=lambda row: row.sampled_at)
        self._refresh_table()

    def results(self) -> tuple[FollowUp, ...]:
        """Return the results entered, in the order entered."""
        return tuple(self._rows)

    def show_problems(self, problems: dict[str, str]) -> dict[str, str]:
        """Show engine problems of result rows under the table; return the rest.

        The entry fields keep their own messages until the next Add.
        """
        left: dict[str, str] = {}
        lines = []
        for path, message in problems.items():
            m = _ROW_PATH.match(path)
            if m:
                lines.append(ui_text.FOLLOWUP_ROW.format(n=int(m[1]) + 1) + ": " + message)
            else:
                left[path] = message
        self.rows_message.set_message("\n".join(lines))
        mark_invalid(self.table, "\n".join(lines))
        return left

    def owns(self, path: str) -> bool:
        """True for result rows and the entry fields."""
        return path.startswith("followups")

    def raw_state(self) -> dict[str, Any]:
        """Return the results and the half-typed entry."""
        return {
            "rows": [row.model_dump(mode="json") for row in self._rows],
            "entry": {
                "test": self.test.currentData(),
                "value": self.value.text(),
                "unit": self.unit.currentData(),
                "time": self.time.text(),
            },
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore results and the half-typed entry from a draft."""
        rows = []
        for raw in state.get("rows", []):
            try:
                rows.append(FollowUp.model_validate(raw))
            except ValidationError:
                continue
        self._rows = rows
        rows.sort(key=lambda row: row.sampled_at)
        entry = state.get("entry", {})
        self.test.setCurrentIndex(self.test.findData(entry.get("test")))  # -1: none chosen
        self._refill_units()
        index = self.unit.findData(entry.get("unit"))
        if index >= 0:
            self.unit.setCurrentIndex(index)
        self.value.setText(str(entry.get("value", "")))
        self.time.setText(str(entry.get("time", "")))
        self._refresh_table()

    # ----- helpers -------------------------------------------------------------------------

    def _refill_units(self) -> None:
        self.unit.clear()
        if self.test.currentData() is None:
            return
        spec = self._protocol.analytes[Analyte(self.test.currentData())]
        for unit in spec.units:
            self.unit.addItem(unit, unit)
        self.unit.setCurrentIndex(self.unit.findData(default_unit(spec, self._unit_system)))

    def _refresh_table(self) -> None:
        self.table.setRowCount(len(self._rows))
        for i, row in enumerate(self._rows):
            label = self._protocol.analytes[Analyte(row.analyte)].label
            cells = (
                format_datetime(row.sampled_at),
                label,
                f"{format_number(row.value)} {row.unit}",
            )
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.setVerticalHeaderLabels([str(i + 1) for i in range(len(self._rows))])
        self.table.setVisible(bool(self._rows))
        self.empty.setVisible(not self._rows)
        self.remove_button.setEnabled(bool(self._rows))
        height = self.table.horizontalHeader().height() + 4
        height += sum(self.table.rowHeight(i) for i in range(len(self._rows)))
        self.table.setFixedHeight(height)

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_test_changed(self) -> None:
        self._refill_units()

    @Slot()
    def _on_add_clicked(self) -> None:
        problems: dict[str, str] = {}
        value = sampled = None
        test = self.test.currentData()
        if test is None:
            problems["followups.entry.test"] = ui_text.FOLLOWUP_NEED_TEST
        try:
            value = parse_number(self.value.text(), self._decimal_comma)
            if value is None:
                problems["followups.entry.value"] = "type the result first."
        except EntryError as exc:
            problems["followups.entry.value"] = str(exc)
        try:
            sampled = parse_datetime(self.time.text())
            if sampled is None:
                problems["followups.entry.time"] = "type the sample time, e.g. 2026-11-26 20:00."
        except EntryError as exc:
            problems["followups.entry.time"] = str(exc)
        now = self._now()
        if sampled is not None and sampled > now:
            problems["followups.entry.time"] = ui_text.FOLLOWUP_FUTURE.format(
                time=format_datetime(sampled), now=format_datetime(now.astimezone(sampled.tzinfo))
            )
        super().show_problems(problems)
        if problems or test is None or value is None or sampled is None:
            return
        self._rows.append(
            FollowUp(analyte=test, value=value, unit=self.unit.currentData(), sampled_at=sampled)
        )
        self._rows.sort(key=lambda row: row.sampled_at)  # the list reads in sample-time order
        self.value.clear()
        self.time.clear()
        self.test.clear_choice()  # the next result starts with no test chosen
        self._refresh_table()
        self.test.setFocus()
        self.edited.emit()

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._rows):
            del self._rows[row]
            self._refresh_table()
            self.edited.emit()
