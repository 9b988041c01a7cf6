"""The anaemia panel: the derived severity, and a clinician's recorded override."""

from __future__ import annotations

from typing import Any, get_args

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from desktop_app.logic.models import PlanInputs, SeverityOverride
from desktop_app.widgets import ui_text
from desktop_app.widgets.fields import Panel, line_edit


def _severities() -> tuple[str, ...]:
    """Return the severities the override model accepts (from its Literal type)."""
    return tuple(str(v) for v in get_args(SeverityOverride.model_fields["severity"].annotation))


class AnaemiaPanel(Panel):
    """Shows the severity the plan derived; lets a clinician override it with a reason.

    Signals:
        edited: the override was switched, or one of its fields typed or chosen.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(ui_text.ANAEMIA_TITLE, parent)
        self._build()
        self._connect()
        self._enable()

    def _build(self) -> None:
        labels = ui_text.OVERRIDE_LABELS
        self.derived = QLabel(ui_text.SEVERITY_DERIVED_NONE)
        self.derived.setWordWrap(True)
        self.derived.setAccessibleName("Derived anaemia severity")
        self.form.addRow(self.derived)
        self.override = QCheckBox(ui_text.OVERRIDE_CHECK)
        self.override.setAccessibleName("Override the derived severity")
        self.form.addRow(self.override)
        self.severity = QComboBox()
        self.severity.setAccessibleName("Overriding severity")
        self.severity.addItem(ui_text.CHOOSE, None)
        for value in _severities():
            self.severity.addItem(ui_text.SEVERITY_TEXT.get(value, value), value)
        self.reason = line_edit("Reason for the override", width_chars=24)
        self.clinician = line_edit("Clinician overriding", width_chars=20)
        self.add_field(
            "severity_override.severity",
            labels["severity_override.severity"],
            {"severity_override.severity": self.severity},
        )
        self.add_field(
            "severity_override.reason", "Rea&son", {"severity_override.reason": self.reason}
        )
        self.add_field(
            "severity_override.clinician",
            "Clinic&ian",
            {"severity_override.clinician": self.clinician},
        )

    def _connect(self) -> None:
        self.override.toggled.connect(self._on_override_toggled)
        self.severity.currentIndexChanged.connect(self._on_any_edited)
        self.reason.textEdited.connect(self._on_any_edited)
        self.clinician.textEdited.connect(self._on_any_edited)

    def _enable(self) -> None:
        on = self.override.isChecked()
        for widget in (self.severity, self.reason, self.clinician):
            widget.setEnabled(on)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order (disabled ones are skipped by Qt)."""
        return [self.override, self.severity, self.reason, self.clinician]

    def collect(self, errors: dict[str, str]) -> dict[str, Any] | None:
        """Return the override as a dict for the model, or None when not overridden."""
        if not self.override.isChecked():
            return None
        return {
            "severity": self.severity.currentData(),
            "reason": self.reason.text().strip(),
            "clinician": self.clinician.text().strip(),
        }

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the override of `inputs`."""
        ov = inputs.severity_override
        self.override.setChecked(ov is not None)
        self.severity.setCurrentIndex(max(0, self.severity.findData(ov.severity if ov else None)))
        self.reason.setText(ov.reason if ov else "")
        self.clinician.setText(ov.clinician if ov else "")
        self._enable()

    def show_derived(self, severity: str | None) -> None:
        """Show the severity the plan derived from haemoglobin (None: no plan)."""
        self.derived.setText(
            ui_text.SEVERITY_DERIVED.format(severity=severity)
            if severity
            else ui_text.SEVERITY_DERIVED_NONE
        )

    def raw_state(self) -> dict[str, Any]:
        """Return the texts as typed."""
        return {
            "override": self.override.isChecked(),
            "severity": self.severity.currentData(),
            "reason": self.reason.text(),
            "clinician": self.clinician.text(),
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore texts from a draft."""
        self.override.setChecked(bool(state.get("override")))
        self.severity.setCurrentIndex(max(0, self.severity.findData(state.get("severity"))))
        self.reason.setText(str(state.get("reason", "")))
        self.clinician.setText(str(state.get("clinician", "")))
        self._enable()

    # ----- slots ---------------------------------------------------------------------------

    @Slot(bool)
    def _on_override_toggled(self, _checked: bool) -> None:
        self._enable()
        self.edited.emit()

    @Slot()
    def _on_any_edited(self) -> None:
        self.edited.emit()
