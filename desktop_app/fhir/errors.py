"""Errors of the FHIR import and export, each with clinician-facing text."""

from __future__ import annotations

from desktop_app.logic.errors import B12KError

#: What to tell a user whose installation lacks the optional FHIR extra.
ENABLE_HINT = (
    "FHIR export needs the optional 'fhir' extra (fhir.resources, R4B models). "
    'Enable it with: .venv/bin/pip install -e ".[fhir]"  (or: pip install "b12k-planner[fhir]")'
)


class FhirError(B12KError):
    """Base class of every FHIR error."""


class FhirImportError(FhirError):
    """The whole file is refused (not FHIR, wrong resource, several patients...)."""


class PatientMismatchError(FhirImportError):
    """The results belong to another patient than the open plan's, or cannot be tied to it."""

    def __init__(self, message: str, differences: tuple[str, ...] = ()) -> None:
        self.differences = differences
        super().__init__(message)


class FhirMapError(FhirError):
    """The LOINC/UCUM table is damaged."""


class FhirExportError(FhirError):
    """The plan cannot be written as FHIR (for example, made with another protocol)."""


class FhirExtraMissingError(FhirError):
    """fhir.resources is not installed: say how to enable it."""

    def __init__(self, detail: str = "") -> None:
        text = ENABLE_HINT if not detail else f"{detail}\n{ENABLE_HINT}"
        super().__init__(text)


class FhirValidationError(FhirError):
    """The exported Bundle does not validate against the FHIR R4B models."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "The FHIR Bundle does not validate against the R4B models:\n  - "
            + "\n  - ".join(self.problems)
        )
