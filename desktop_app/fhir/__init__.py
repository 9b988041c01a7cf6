"""HL7 FHIR R4: import lab results into plan inputs, export a plan as a Bundle. Qt-free.

Import works on plain parsed JSON and needs nothing beyond the core. Export builds the Bundle as
plain JSON too; validating it against the FHIR R4B models needs the optional 'fhir' extra
(fhir.resources), which `fhir_resources_available()` reports.
"""

from __future__ import annotations

from desktop_app.fhir.errors import (
    ENABLE_HINT,
    FhirError,
    FhirExportError,
    FhirExtraMissingError,
    FhirImportError,
    FhirValidationError,
    PatientMismatchError,
)
from desktop_app.fhir.files import read_fhir_bytes, read_fhir_file
from desktop_app.fhir.importer import (
    REPORT_COLUMNS,
    ImportResult,
    ImportRow,
    PatientRow,
    PatientUnconfirmedError,
    import_bundle,
    import_fhir,
    render_import_report,
)
from desktop_app.fhir.service import export_plan_file, export_status, import_results_file
from desktop_app.fhir.validate import fhir_resources_available

__all__ = [
    "ENABLE_HINT",
    "REPORT_COLUMNS",
    "FhirError",
    "FhirExportError",
    "FhirExtraMissingError",
    "FhirImportError",
    "FhirValidationError",
    "ImportResult",
    "ImportRow",
    "PatientMismatchError",
    "PatientRow",
    "PatientUnconfirmedError",
    "export_plan_file",
    "export_status",
    "fhir_resources_available",
    "import_bundle",
    "import_fhir",
    "import_results_file",
    "read_fhir_bytes",
    "read_fhir_file",
    "render_import_report",
]
