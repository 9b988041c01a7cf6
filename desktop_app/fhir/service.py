"""The calls a 'File > Import results…' / 'File > Export FHIR…' menu makes (Qt-free).

A dialog needs three things: read a file into an ImportResult it can show (REPORT_COLUMNS and
ImportRow.columns() give the table), apply `result.inputs` only when the user accepts, and know
whether export is available and, if not, what to tell the user.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.fhir.errors import ENABLE_HINT
from desktop_app.fhir.importer import ImportResult, import_fhir_file
from desktop_app.fhir.validate import fhir_resources_available
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.atomic import atomic_write_bytes


def import_results_file(
    path: Path,
    protocol: LoadedProtocol,
    current: PlanInputs | None,
    *,
    now: datetime | None = None,
    confirm_unidentified: bool = False,
) -> ImportResult:
    """Read a FHIR JSON file and import its results against the open plan (nothing is applied).

    Raises:
        FhirImportError: the file is refused as a whole (message ready to show).
        PatientMismatchError: another patient's results (never importable into this plan).
        PatientUnconfirmedError: the file does not identify the patient; ask the user and call
            again with confirm_unidentified=True if they confirm.
    """
    return import_fhir_file(
        path,
        protocol,
        current,
        now=now,
        confirm_unidentified=confirm_unidentified,
    )


def export_status() -> tuple[bool, str]:
    """Return (available, text): whether FHIR export works here, and what to say if it does not."""
    if fhir_resources_available():
        return True, ""
    return False, ENABLE_HINT


def export_plan_file(path: Path, plan: Plan, protocol: LoadedProtocol) -> dict[str, Any]:
    """Write the plan as a validated FHIR R4 Bundle, atomically; return the Bundle.

    Raises:
        FhirExtraMissingError: fhir.resources is not installed (message says how to enable it).
        FhirExportError / FhirValidationError: the Bundle cannot be made or does not validate.
        PlanFileError: the file cannot be written (read-only folder, full disk...).
    """
    from desktop_app.fhir.export import bundle_json_bytes, export_plan_bundle

    bundle = export_plan_bundle(plan, protocol)
    atomic_write_bytes(Path(path), bundle_json_bytes(bundle))
    return bundle
