"""The one locator for read-only files under resources/ (source checkout or installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent

#: Protocol shipped as the default (UK, hydroxocobalamin, mmol).
DEFAULT_PROTOCOL = "protocols/uk-default.json"
US_PROTOCOL = "protocols/us-labels.json"
DEMO_PATIENT = "examples/demo-patient.json"
FONT_REGULAR = "fonts/DejaVuSans.ttf"
FONT_BOLD = "fonts/DejaVuSans-Bold.ttf"
PROTOCOL_SCHEMA = "schema/protocol.schema.json"
INPUT_SCHEMA = "schema/plan-input.schema.json"
LOINC_MAP = "loinc/loinc-map.json"
#: The program's hard limits (never site-editable; every protocol is checked against them).
HARD_LIMITS = "limits/hard-limits.json"

#: Every resource the program reads; a test proves each exists in the checkout and the wheel.
ALL_RESOURCES = (
    DEFAULT_PROTOCOL,
    US_PROTOCOL,
    DEMO_PATIENT,
    FONT_REGULAR,
    FONT_BOLD,
    PROTOCOL_SCHEMA,
    INPUT_SCHEMA,
    LOINC_MAP,
    HARD_LIMITS,
)


def resources_root() -> Path:
    """Return the resources folder: inside the installed package, else the repository root."""
    installed = _PKG / "_resources"
    if installed.is_dir():
        return installed
    return _PKG.parent / "resources"


def resource_path(relative: str) -> Path:
    """Return the absolute path of one resource file."""
    return resources_root() / relative
