"""Validation of an exported Bundle against the fhir.resources R4B models (optional extra)."""

from __future__ import annotations

import importlib
from typing import Any

from desktop_app.fhir.errors import FhirExtraMissingError, FhirValidationError

#: The pinned version the export was written and tested against.
FHIR_RESOURCES_VERSION = "8.3.0"


def fhir_resources_available() -> bool:
    """Return True when fhir.resources and its R4B models can be imported."""
    try:
        importlib.import_module("fhir.resources.R4B.bundle")
    except ImportError:
        return False
    return True


def _bundle_model() -> Any:
    try:
        module = importlib.import_module("fhir.resources.R4B.bundle")
    except ImportError as exc:
        raise FhirExtraMissingError(f"fhir.resources is not installed ({exc}).") from None
    return module.Bundle


def validate_bundle(bundle: dict[str, Any]) -> Any:
    """Validate a Bundle dict with the R4B models; return the model, or raise with every problem.

    The R4B models refuse unknown fields, so an R5-only field or a misspelt one fails here
    instead of being dropped. Coded values (status, intent) are not checked by the models; the
    export's own tests check those.
    """
    model = _bundle_model()
    try:
        return model.model_validate(bundle)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):
            problems = [
                f"{'.'.join(str(p) for p in err['loc']) or '(bundle)'}: {err['msg']}"
                for err in errors()
            ]
        else:
            problems = [str(exc)]
        raise FhirValidationError(problems) from None
