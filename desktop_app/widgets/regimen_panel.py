"""The B12 regimen panel: protocol preset, planned first-dose time and prescriber."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QWidget

from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Protocol
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import EntryError, format_datetime, parse_datetime
from desktop_app.widgets.fields import Panel, datetime_edit, line_edit
from desktop_app.widgets.style import set_look


class RegimenPanel(Panel):
    """Which B12 regimen, starting when, prescribed by whom.

    Signals:
        edited: a field was typed or chosen.
    """

    def __init__(self, protocol: Protocol, parent: QWidget | None = None) -> None:
        super().__init__(ui_text.REGIMEN_TITLE, parent)
        self._protocol = protocol
        self._build()
        self._connect()

    def _build(self) -> None:
        labels = ui_text.REGIMEN_LABELS
        self.preset = QComboBox()
        self.preset.setAccessibleName("B12 regimen")
        self.preset.addItem(ui_text.CHOOSE, "")
        for reg in self._protocol.regimens:
            self.preset.addItem(reg.label, reg.id)
        self.preset.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset.setMinimumContentsLength(12)
        self.preset.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.details = QLabel()
        self.details.setWordWrap(True)
        set_look(self.details, "hint")
        self.details.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.first_dose = datetime_edit(
            "First B12 dose date and time", ui_text.DATETIME_PLACEHOLDER, 17
        )
        self.prescriber = line_edit("Prescriber", width_chars=20)
        self.add_field(
            "regimen.preset_id", labels["regimen.preset_id"], {"regimen.preset_id": self.preset}
        )
        self.form.addRow("", self.details)
        self.add_field(
            "regimen.first_dose_at",
            labels["regimen.first_dose_at"],
            {"regimen.first_dose_at": self.first_dose},
        )
        self.add_field("prescriber", labels["prescriber"], {"prescriber": self.prescriber})
        self._show_details()

    def _connect(self) -> None:
        self.preset.currentIndexChanged.connect(self._on_preset_changed)
        self.first_dose.textEdited.connect(self._on_any_edited)
        self.prescriber.textEdited.connect(self._on_any_edited)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order."""
        return [self.preset, self.first_dose, self.prescriber]

    def collect(self, errors: dict[str, str]) -> dict[str, Any]:
        """Return {'regimen': ..., 'prescriber': ...} for the model; add entry problems."""
        regimen: dict[str, Any] = {"preset_id": self.preset.currentData() or ""}
        try:
            regimen["first_dose_at"] = parse_datetime(self.first_dose.text())
        except EntryError as exc:
            errors["regimen.first_dose_at"] = str(exc)
        return {"regimen": regimen, "prescriber": self.prescriber.text().strip()}

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the regimen of `inputs`."""
        self._select(inputs.regimen.preset_id)
        first = inputs.regimen.first_dose_at
        self.first_dose.setText(format_datetime(first) if first else "")
        self.prescriber.setText(inputs.prescriber)
        self._show_details()

    def raw_state(self) -> dict[str, Any]:
        """Return the texts as typed."""
        return {
            "preset_id": self.preset.currentData() or "",
            "first_dose_at": self.first_dose.text(),
            "prescriber": self.prescriber.text(),
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore texts from a draft."""
        self._select(str(state.get("preset_id", "")))
        self.first_dose.setText(str(state.get("first_dose_at", "")))
        self.prescriber.setText(str(state.get("prescriber", "")))
        self._show_details()

    # ----- helpers -------------------------------------------------------------------------

    def _select(self, preset_id: str) -> None:
        index = self.preset.findData(preset_id)
        if index < 0 and preset_id:
            # A preset this protocol does not have: keep it, so the engine names the problem.
            self.preset.addItem(f"{preset_id} (not in this protocol)", preset_id)
            index = self.preset.count() - 1
        self.preset.setCurrentIndex(max(0, index))

    def _show_details(self) -> None:
        preset_id = self.preset.currentData()
        reg = next((r for r in self._protocol.regimens if r.id == preset_id), None)
        if reg is None:
            self.details.clear()
            self.details.hide()
            return
        self.details.setText(
            f"{reg.drug}, {reg.route}: {reg.loading_text}, {reg.maintenance_text}."
        )
        self.details.show()

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_preset_changed(self) -> None:
        self._show_details()
        self.edited.emit()

    @Slot()
    def _on_any_edited(self) -> None:
        self.edited.emit()
