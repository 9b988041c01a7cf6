"""Reading a FHIR JSON file: size limit, strict JSON, readable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.fhir.errors import FhirImportError
from desktop_app.logic.protocol import parse_json_strict
from desktop_app.storage.reading import read_file_bytes

#: Refuse larger files: a full Synthea history is a few MB (a memory guard, not a clinical number).
MAX_FHIR_FILE_BYTES = 100_000_000


def _refuse_size(size: int, name: str) -> None:
    if size > MAX_FHIR_FILE_BYTES:
        raise FhirImportError(f"Refused: {name} is {size:,} bytes, too large to be read.")


def check_fhir_file_size(path: Path) -> None:
    """Refuse a file larger than MAX_FHIR_FILE_BYTES before reading it (a file that cannot be
    looked at is left to `read_fhir_file`, which says why)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return
    _refuse_size(size, Path(path).name)


def read_fhir_bytes(data: bytes, name: str = "FHIR file") -> dict[str, Any]:
    """Parse FHIR JSON bytes into a dict; raise FhirImportError with a readable reason."""
    _refuse_size(len(data), name)
    if not data.strip():
        raise FhirImportError(f"Refused: {name} is empty.")
    try:
        raw = parse_json_strict(data, name)
    except ValueError as exc:
        raise FhirImportError(f"Refused: {exc}.") from None
    if not isinstance(raw, dict):
        raise FhirImportError(f"Refused: {name} is JSON but not a FHIR resource (not an object).")
    return raw


def read_fhir_file(path: Path) -> dict[str, Any]:
    """Read and parse a FHIR JSON file."""
    path = Path(path)
    return read_fhir_bytes(read_file_bytes(path, "FHIR file", FhirImportError), path.name)
