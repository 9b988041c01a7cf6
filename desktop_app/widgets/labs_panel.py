"""The baseline results panel: every lab with its value, unit and sample date-time.

One tab stop per lab (issue 17 item 4): Tab goes from result value to result value. The unit
is shown beside each value and is chosen from the value field with Alt+Down (its list opens,
arrows or the first letters choose, Enter takes it) or with the mouse; it is never changed by
typing a value (a value in the wrong unit is caught by the plausibility checks, which say which
unit was probably meant). A result's sample time is the panel's shared 'Samples taken at'
unless the row is given its own time: Ctrl+Shift+T in the value field (or a click) goes to the
row's own time, and a row that holds its own time keeps it as a second tab stop.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QWidget

from desktop_app.logic.models import LabEntry, PlanInputs
from desktop_app.logic.protocol import Analyte, AnalyteSpec, Protocol
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import (
    EntryError,
    format_datetime,
    format_number,
    parse_datetime,
    parse_number,
)
from desktop_app.widgets.fields import Panel, datetime_edit, line_edit
from desktop_app.widgets.style import set_look

UnitSystem = Literal["si", "conventional"]

#: In a result's value field: open its unit list; go to its own sample time.
UNIT_SHORTCUT = "Alt+Down"
OWN_TIME_SHORTCUT = "Ctrl+Shift+T"


def default_unit(spec: AnalyteSpec, unit_system: UnitSystem) -> str:
    """Return the unit a new entry starts in: canonical (SI) or the protocol's conventional one."""
    if unit_system == "conventional" and spec.conventional_unit in spec.units:
        return spec.conventional_unit
    return spec.canonical_unit


class _LabRow:
    """The editors of one lab: the value is its tab stop; unit and own time are reached from it."""

    def __init__(self, analyte: Analyte, spec: AnalyteSpec, unit_system: UnitSystem) -> None:
        self.analyte = analyte
        self.spec = spec
        self.value = line_edit(f"{spec.label} value", width_chars=7)
        self.unit = QComboBox()
        self.unit.setAccessibleName(f"{spec.label} unit")
        for unit in spec.units:
            self.unit.addItem(unit, unit)
        self.unit.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.unit.setCurrentIndex(self.unit.findData(default_unit(spec, unit_system)))
        # Out of the tab chain: chosen from the value field (Alt+Down) or with the mouse.
        self.unit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.time = datetime_edit(f"{spec.label} sample time", ui_text.AS_ABOVE, 17)
        self.unit_action = self._value_action(ui_text.LAB_UNIT_ACTION, UNIT_SHORTCUT)
        self.unit_action.triggered.connect(self.choose_unit)
        self.own_time_action = self._value_action(ui_text.LAB_OWN_TIME_ACTION, OWN_TIME_SHORTCUT)
        self.own_time_action.triggered.connect(self.go_to_own_time)
        self.time.textChanged.connect(self.sync_time_stop)
        self.sync_time_stop()

    def _value_action(self, text: str, keys: str) -> QAction:
        action = QAction(f"{text} ({keys})", self.value)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.value.addAction(action)
        return action

    def choose_unit(self) -> None:
        """Open the unit list; the choice is taken with Enter, and focus stays on the value."""
        self.unit.showPopup()

    def go_to_own_time(self) -> None:
        """Give the row its own sample time: its time field becomes a tab stop, focused."""
        self.time.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.time.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def has_own_time(self) -> bool:
        """True when the row holds its own sample time (not 'as above')."""
        return bool(self.time.text().strip())

    def sync_time_stop(self) -> None:
        """The own time is a tab stop while it holds a time, reached by click or shortcut else."""
        if not self.time.hasFocus():
            policy = (
                Qt.FocusPolicy.StrongFocus if self.has_own_time() else Qt.FocusPolicy.ClickFocus
            )
            self.time.setFocusPolicy(policy)

    def select_unit(self, unit: str | None) -> None:
        index = self.unit.findData(unit)
        if index < 0:
            # A unit this protocol does not accept (or none): keep it so the engine names it.
            self.unit.addItem(unit or "(no unit)", unit)
            index = self.unit.count() - 1
        self.unit.setCurrentIndex(index)


def _key(moment: datetime) -> tuple[datetime, Any]:
    return (moment, moment.utcoffset())


class LabsPanel(Panel):
    """Baseline results; a shared 'samples taken at' time fills blank sample times.

    Signals:
        edited: a value, unit or time was typed or chosen.
    """

    COMMON_PATH = "labs.samples_taken_at"

    def __init__(
        self,
        protocol: Protocol,
        unit_system: UnitSystem,
        decimal_comma: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ui_text.LABS_TITLE, parent)
        self._protocol = protocol
        self._unit_system = unit_system
        self._decimal_comma = decimal_comma
        self.rows: dict[Analyte, _LabRow] = {}
        #: Where each shown result came from (e.g. a FHIR Observation), kept while the result
        #: is exactly as it came: {analyte: {"value", "unit", "sampled_at" (ISO), "source"}}.
        self._sources: dict[str, dict[str, Any]] = {}
        self._build()
        self._connect()

    def _build(self) -> None:
        self.common_time = datetime_edit("Samples taken at", ui_text.DATETIME_PLACEHOLDER, 17)
        self.common_time.setToolTip(ui_text.SAMPLES_AT_HELP)
        self.add_field(self.COMMON_PATH, ui_text.SAMPLES_AT, {self.COMMON_PATH: self.common_time})
        self.keys_hint = QLabel(
            ui_text.LAB_KEYS_HINT.format(unit=UNIT_SHORTCUT, own_time=OWN_TIME_SHORTCUT)
        )
        self.keys_hint.setWordWrap(True)
        # The width of the field column (a narrow hint wraps to lines QFormLayout has no room for).
        self.keys_hint.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        set_look(self.keys_hint, "hint")
        self.form.addRow("", self.keys_hint)
        header = QWidget()
        head = QHBoxLayout(header)
        head.setContentsMargins(0, 0, 0, 0)
        for text in ("Result", "Unit", "Own sample time"):
            label = QLabel(text)
            set_look(label, "columnHeader")
            head.addWidget(label)
        head.addStretch(1)
        self.form.addRow("", header)
        for analyte in Analyte:
            spec = self._protocol.analytes[analyte]
            row = _LabRow(analyte, spec, self._unit_system)
            self.rows[analyte] = row
            path = f"labs.{analyte.value}"
            self.add_field(
                path,
                spec.label,
                {
                    f"{path}.value": row.value,
                    f"{path}.unit": row.unit,
                    f"{path}.sampled_at": row.time,
                },
            )
        self._align_columns(header)

    def _align_columns(self, header: QWidget) -> None:
        value_w = max(r.value.minimumWidth() for r in self.rows.values())
        unit_w = max(r.unit.sizeHint().width() for r in self.rows.values())
        for row in self.rows.values():
            row.value.setFixedWidth(value_w)
            row.unit.setFixedWidth(unit_w)
        labels = header.findChildren(QLabel)
        labels[0].setFixedWidth(value_w)
        labels[1].setFixedWidth(unit_w)

    def _connect(self) -> None:
        self.common_time.textEdited.connect(self._on_any_edited)
        for row in self.rows.values():
            row.value.textEdited.connect(self._on_any_edited)
            row.time.textEdited.connect(self._on_any_edited)
            row.unit.currentIndexChanged.connect(self._on_any_edited)
            row.time.installEventFilter(self)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in order: the shared time, then value, unit, time per lab.

        Tab stops only at the shared time and each value (and at an own time that holds a
        time): the units and empty own times are in the chain, in place, but take no Tab.
        """
        chain: list[QWidget] = [self.common_time]
        for row in self.rows.values():
            chain.extend((row.value, row.unit, row.time))
        return chain

    def collect(self, errors: dict[str, str]) -> dict[str, Any]:
        """Return the labs as a dict for the model; add entry problems to `errors`."""
        common: datetime | None = None
        try:
            common = parse_datetime(self.common_time.text())
        except EntryError as exc:
            errors[self.COMMON_PATH] = str(exc)
        out: dict[str, Any] = {}
        for analyte, row in self.rows.items():
            path = f"labs.{analyte.value}"
            try:
                value = parse_number(row.value.text(), self._decimal_comma)
            except EntryError as exc:
                errors[f"{path}.value"] = str(exc)
                continue
            try:
                own = parse_datetime(row.time.text())
            except EntryError as exc:
                errors[f"{path}.sampled_at"] = str(exc)
                continue
            if value is None:
                if own is not None:
                    errors[f"{path}.value"] = ui_text.NEED_VALUE
                continue
            sampled = own or common
            if sampled is None:
                if self.COMMON_PATH not in errors:
                    errors[f"{path}.sampled_at"] = ui_text.NEED_SAMPLE_TIME
                continue
            out[analyte.value] = {
                "value": value,
                "unit": row.unit.currentData(),
                "sampled_at": sampled,
            }
            source = self._source_of(analyte, value, row.unit.currentData(), sampled)
            if source:
                out[analyte.value]["source"] = source
        return out

    def waiting_for_common_time(self, unreadable: dict[str, str]) -> list[str]:
        """Return the paths of results left out only because 'samples taken at' cannot be read
        (a value without its own time): they are not missing, they wait for that field."""
        if self.COMMON_PATH not in unreadable:
            return []
        return [
            f"labs.{a.value}"
            for a, row in self.rows.items()
            if row.value.text().strip() and not row.time.text().strip()
        ]

    def _source_of(self, analyte: Analyte, value: float, unit: str, sampled: datetime) -> str:
        """Return the result's source while it is unchanged; a retyped result has none."""
        kept = self._sources.get(analyte.value)
        if kept is None:
            return ""
        try:
            same_time = datetime.fromisoformat(str(kept["sampled_at"])) == sampled
        except ValueError:
            return ""
        if kept.get("value") == value and kept.get("unit") == unit and same_time:
            return str(kept.get("source", ""))
        return ""

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the labs of `inputs`: the commonest sample time goes into 'samples taken at'."""
        entries: dict[Analyte, LabEntry] = {
            a: e for a in Analyte if (e := inputs.labs.get(a)) is not None
        }
        counts = Counter(_key(e.sampled_at) for e in entries.values())
        common = counts.most_common(1)[0][0] if counts else None
        self._sources = {
            a.value: {
                "value": e.value,
                "unit": e.unit,
                "sampled_at": e.sampled_at.isoformat(),
                "source": e.source,
            }
            for a, e in entries.items()
            if e.source
        }
        self.common_time.setText(format_datetime(common[0]) if common else "")
        for analyte, row in self.rows.items():
            entry = entries.get(analyte)
            if entry is None:
                row.value.clear()
                row.time.clear()
                row.select_unit(default_unit(row.spec, self._unit_system))
                continue
            row.value.setText(format_number(entry.value))
            row.select_unit(entry.unit)
            own = _key(entry.sampled_at) != common
            row.time.setText(format_datetime(entry.sampled_at) if own else "")

    def raw_state(self) -> dict[str, Any]:
        """Return the texts as typed."""
        return {
            "samples_taken_at": self.common_time.text(),
            "rows": {
                a.value: {
                    "value": r.value.text(),
                    "unit": r.unit.currentData(),
                    "time": r.time.text(),
                }
                for a, r in self.rows.items()
            },
            "sources": {k: dict(v) for k, v in self._sources.items()},
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore texts from a draft."""
        self.common_time.setText(str(state.get("samples_taken_at", "")))
        sources = state.get("sources", {})
        self._sources = (
            {k: dict(v) for k, v in sources.items() if isinstance(v, dict)}
            if isinstance(sources, dict)
            else {}
        )
        rows = state.get("rows", {})
        for analyte, row in self.rows.items():
            saved = rows.get(analyte.value, {})
            row.value.setText(str(saved.get("value", "")))
            row.time.setText(str(saved.get("time", "")))
            row.select_unit(saved.get("unit") or default_unit(row.spec, self._unit_system))

    def value_edit(self, analyte: Analyte) -> QLineEdit:
        """Return the value editor of one lab."""
        return self.rows[analyte].value

    def unit_combo(self, analyte: Analyte) -> QComboBox:
        """Return the unit selector of one lab."""
        return self.rows[analyte].unit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """An own time left empty stops being a tab stop when the focus leaves it."""
        if event.type() == QEvent.Type.FocusOut:
            for row in self.rows.values():
                if row.time is watched:
                    row.sync_time_stop()
        return super().eventFilter(watched, event)

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_any_edited(self) -> None:
        self.edited.emit()
