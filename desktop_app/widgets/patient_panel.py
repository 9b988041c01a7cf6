"""The patient panel: identifier, name, date of birth, sex, weight and ward."""

from __future__ import annotations

from typing import Any, get_args

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from desktop_app.logic.models import Patient, PlanInputs
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import (
    EntryError,
    format_date,
    format_number,
    parse_date,
    parse_number,
)
from desktop_app.widgets.fields import Panel, line_edit


def _sex_values() -> tuple[str, ...]:
    """Return the sexes the model accepts (from its Literal type, not a list written here)."""
    annotation = Patient.model_fields["sex"].annotation
    for arg in get_args(annotation):
        values = get_args(arg)
        if values:
            return tuple(str(v) for v in values)
    return ()  # pragma: no cover - the model always has a Literal


class PatientPanel(Panel):
    """Who the plan is for.

    Signals:
        edited: a field was typed or chosen.
    """

    def __init__(self, decimal_comma: bool, parent: QWidget | None = None) -> None:
        super().__init__(ui_text.PATIENT_TITLE, parent)
        self._decimal_comma = decimal_comma
        self._build()
        self._connect()

    def _build(self) -> None:
        labels = ui_text.PATIENT_LABELS
        self.identifier = line_edit("Hospital number", width_chars=14)
        self.name = line_edit("Patient name", width_chars=24)
        self.date_of_birth = line_edit("Date of birth", ui_text.DATE_PLACEHOLDER, width_chars=11)
        self.sex = QComboBox()
        self.sex.setAccessibleName("Sex")
        self.sex.addItem(ui_text.CHOOSE, None)
        for value in _sex_values():
            self.sex.addItem(ui_text.SEX_TEXT.get(value, value), value)
        self.weight = line_edit("Weight in kilograms", width_chars=6)
        kg = QLabel("kg")
        kg.setAccessibleName("kilograms")
        self.ward = line_edit("Ward", width_chars=20)
        self.add_field(
            "patient.identifier",
            labels["patient.identifier"],
            {"patient.identifier": self.identifier},
        )
        self.add_field("patient.name", labels["patient.name"], {"patient.name": self.name})
        self.add_field(
            "patient.date_of_birth",
            labels["patient.date_of_birth"],
            {"patient.date_of_birth": self.date_of_birth},
        )
        self.add_field("patient.sex", labels["patient.sex"], {"patient.sex": self.sex})
        self.add_field(
            "patient.weight_kg", labels["patient.weight_kg"], {"patient.weight_kg": self.weight}, kg
        )
        self.add_field("patient.ward", labels["patient.ward"], {"patient.ward": self.ward})

    def _connect(self) -> None:
        for edit in self._edits():
            edit.textEdited.connect(self._on_any_edited)
        self.sex.currentIndexChanged.connect(self._on_any_edited)

    def _edits(self) -> tuple[QLineEdit, ...]:
        return (self.identifier, self.name, self.date_of_birth, self.weight, self.ward)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order."""
        return [self.identifier, self.name, self.date_of_birth, self.sex, self.weight, self.ward]

    def collect(self, errors: dict[str, str]) -> dict[str, Any]:
        """Return the patient as a dict for the model; add entry problems to `errors`."""
        out: dict[str, Any] = {
            "identifier": self.identifier.text().strip(),
            "name": self.name.text().strip(),
            "ward": self.ward.text().strip(),
            "sex": self.sex.currentData(),
        }
        try:
            out["date_of_birth"] = parse_date(self.date_of_birth.text())
        except EntryError as exc:
            errors["patient.date_of_birth"] = str(exc)
        try:
            out["weight_kg"] = parse_number(self.weight.text(), self._decimal_comma)
        except EntryError as exc:
            errors["patient.weight_kg"] = str(exc)
        return out

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the patient of `inputs` (signals blocked by the caller)."""
        pat = inputs.patient
        self.identifier.setText(pat.identifier)
        self.name.setText(pat.name)
        self.date_of_birth.setText(format_date(pat.date_of_birth) if pat.date_of_birth else "")
        self.sex.setCurrentIndex(max(0, self.sex.findData(pat.sex)))
        self.weight.setText(format_number(pat.weight_kg) if pat.weight_kg is not None else "")
        self.ward.setText(pat.ward)

    def raw_state(self) -> dict[str, Any]:
        """Return the texts as typed (for the autosaved draft)."""
        return {
            "identifier": self.identifier.text(),
            "name": self.name.text(),
            "date_of_birth": self.date_of_birth.text(),
            "sex": self.sex.currentData(),
            "weight": self.weight.text(),
            "ward": self.ward.text(),
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore texts from a draft."""
        self.identifier.setText(str(state.get("identifier", "")))
        self.name.setText(str(state.get("name", "")))
        self.date_of_birth.setText(str(state.get("date_of_birth", "")))
        self.sex.setCurrentIndex(max(0, self.sex.findData(state.get("sex"))))
        self.weight.setText(str(state.get("weight", "")))
        self.ward.setText(str(state.get("ward", "")))

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_any_edited(self) -> None:
        self.edited.emit()
