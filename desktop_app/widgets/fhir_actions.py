"""The File menu's FHIR entries: import lab results from a Bundle, export the plan as one.

The FHIR modules are imported when an entry is used; whether export works (it needs the
optional `fhir` extra) is found out when the File menu first opens.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.logic.errors import B12KError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.privacy import for_log
from desktop_app.widgets import alerts, ui_text
from desktop_app.widgets.export_actions import plan_or_explain

if TYPE_CHECKING:
    from desktop_app.widgets.main_window import MainWindow

_log = logging.getLogger(__name__)


def patient_words(inputs: PlanInputs) -> str:
    """Name the open plan's patient for a question (name, number, or date of birth)."""
    pat = inputs.patient
    parts = [pat.name, pat.identifier] if pat.name or pat.identifier else []
    if not pat.identifier and pat.date_of_birth is not None:
        parts.append(f"born {pat.date_of_birth.isoformat()}")
    return ", ".join(p for p in parts if p) or "the patient of the open plan"


class FhirActions:
    """FHIR import and export for one window."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._export: tuple[bool, str] | None = None

    def import_results(self) -> bool:
        """Ask for a FHIR file of lab results and import it (see `import_results_from`)."""
        window = self._window
        if window.form.current_inputs() is None:
            self._explain_unreadable("Cannot import results yet")
            return False
        folder = str(window.path.parent) if window.path else ""
        path = alerts.choose_fhir_open_path(window, folder)
        return self.import_results_from(path) if path else False

    def import_results_from(self, path: Path) -> bool:
        """Show what a FHIR file would fill, from which Observation; fill the form on Accept.

        The import is undone by not saving: the plan is marked modified.
        """
        from desktop_app.fhir.errors import FhirImportError
        from desktop_app.fhir.importer import PatientUnconfirmedError
        from desktop_app.fhir.service import import_results_file
        from desktop_app.widgets.import_dialog import ImportResultsDialog

        window = self._window
        inputs = window.form.current_inputs()
        if inputs is None:
            self._explain_unreadable("Cannot import results yet")
            return False
        path = Path(path)
        lp, now = window.protocol, window.now()
        try:
            try:
                result = import_results_file(path, lp, inputs, now=now)
            except PatientUnconfirmedError:
                question = ui_text.FHIR_CONFIRM.format(who=patient_words(inputs))
                if not alerts.confirm_patient(window, question):
                    return False
                result = import_results_file(path, lp, inputs, now=now, confirm_unidentified=True)
        except FhirImportError as exc:  # also another patient's results (PatientMismatchError)
            alerts.error(window, "Cannot import results", str(exc))
            return False
        accepted, ok = ImportResultsDialog.ask(result, path.name, window, window.form.field_label)
        if not ok or accepted is None:
            return False
        window.replace_inputs(accepted.inputs)
        window.messages.show_message("info", ui_text.FHIR_IMPORTED.format(name=path.name), "fhir")
        _log.info(
            "imported %s: %d used, %d refused",
            for_log(path, accepted.inputs.patient),
            len(accepted.used),
            len(accepted.refused),
        )
        return True

    def export_fhir(self) -> bool:
        """Write the plan as a FHIR R4 Bundle (needs the optional 'fhir' extra)."""
        window = self._window
        available, text = self.export_status()
        if not available:
            alerts.error(window, "FHIR export not available", text)
            return False
        plan = plan_or_explain(window, "export")
        if plan is None:
            return False
        stem = window.path.stem if window.path else (plan.patient.identifier or "plan")
        path = alerts.choose_fhir_save_path(window, f"{stem}-fhir.json")
        if path is None:
            return False
        from desktop_app.fhir.service import export_plan_file

        try:
            export_plan_file(path, plan, window.protocol)
        except B12KError as exc:
            alerts.error(window, "Cannot export FHIR", str(exc))
            return False
        window.statusBar().showMessage(ui_text.FHIR_EXPORTED.format(path=path), 5000)
        _log.info("exported FHIR bundle %s", for_log(path, plan.patient))
        return True

    def export_status(self) -> tuple[bool, str]:
        """Whether FHIR export works here, and the words for its menu entry (checked once)."""
        if self._export is None:
            from desktop_app.fhir.service import export_status

            self._export = export_status()
            available, text = self._export
            action = self._window.act_export_fhir
            action.setEnabled(available)
            tip = ui_text.FHIR_EXPORT_TIP if available else text
            action.setToolTip(tip)
            action.setStatusTip(tip)
        return self._export

    def _explain_unreadable(self, title: str) -> None:
        form = self._window.form
        alerts.error(
            self._window,
            title,
            "These fields cannot be read. Fix them first:\n\n"
            + "\n".join(f"- {form.field_label(p)}: {m}" for p, m in form.entry_errors().items()),
        )
