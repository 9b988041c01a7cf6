"""Plan files: the JSON the GUI saves and the CLI reads, with schema_version."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from desktop_app.logic.errors import FieldProblem, InputError, PlanFileError
from desktop_app.logic.models import INPUT_SCHEMA_VERSION, PlanInputs
from desktop_app.logic.protocol import (
    decode_json_text,
    parse_json_strict,
    too_large_number_paths,
    validation_problems,
)
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.reading import read_file_bytes

#: Refuse files larger than this: a plan file is a few kilobytes (not a clinical number).
MAX_PLAN_FILE_BYTES = 2_000_000


def _major(version: str) -> int:
    if not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version):
        raise ValueError(version)
    return int(version.split(".", 1)[0])


def parse_plan_bytes(data: bytes, name: str = "plan file") -> PlanInputs:
    """Validate plan-file bytes.

    Raises:
        PlanFileError: the file is not a plan file (corrupt, truncated, foreign, newer version).
        InputError: it is a plan file, but fields are wrong; one problem per field.
    """
    if len(data) > MAX_PLAN_FILE_BYTES:
        raise PlanFileError(
            f"{name} is {len(data):,} bytes; a plan file is a few kilobytes. "
            "It is not a B12-K plan file."
        )
    if not data.strip():
        raise PlanFileError(f"{name} is empty. It may have been cut off while saving.")
    try:
        raw = parse_json_strict(data, name)
    except ValueError as exc:
        words = str(exc)
        # A number no value may be (a Unix time in milliseconds for a date): name its field.
        if "too large to be a value" in words and (
            places := too_large_number_paths(decode_json_text(data, name))
        ):
            raise InputError(
                [
                    FieldProblem(
                        place,
                        "the number is too large to be a value this file may contain (a time "
                        "is an ISO 8601 date-time with a zone, never a number)",
                    )
                    for place in places
                ]
            ) from None
        if " is damaged: " not in words:  # a value the file may not hold (NaN, a twice-used key)
            raise PlanFileError(f"Cannot open {name}: {words}.") from None
        # "The file corrupt.json is damaged: it is not valid JSON (line 36)."
        raise PlanFileError(
            f"{words[0].upper()}{words[1:]}. It may have been cut off while saving: open a "
            "saved copy, or re-enter the plan."
        ) from None
    if not isinstance(raw, dict) or "schema_version" not in raw:
        raise PlanFileError(
            f"Cannot open {name}: it is JSON but not a B12-K plan file (no schema_version). "
            "Open a file saved by B12-K Planner."
        )
    version = raw["schema_version"]
    try:
        major = _major(str(version))
    except ValueError:
        raise PlanFileError(
            f"Cannot open {name}: schema_version '{version}' is not valid."
        ) from None
    if major > _major(INPUT_SCHEMA_VERSION):
        raise PlanFileError(
            f"Cannot open {name}: it was saved by a newer B12-K Planner (schema {version}; this "
            f"version reads {INPUT_SCHEMA_VERSION}). Update the program to open it."
        )
    if major < _major(INPUT_SCHEMA_VERSION):
        raise PlanFileError(
            f"Cannot open {name}: it was saved for plan-file schema {version}, which this version "
            f"cannot migrate (it reads {INPUT_SCHEMA_VERSION}). Re-enter the plan."
        )
    try:
        # Strict: a JSON value of the wrong type (true or "4.2" for a number, a number for a
        # date) is refused, never coerced into something clinical.
        return PlanInputs.model_validate_json(decode_json_text(data, name), strict=True)
    except ValidationError as exc:
        raise InputError(validation_problems(exc)) from None


def read_plan_file(path: Path) -> PlanInputs:
    """Read and validate a plan file."""
    path = Path(path)
    return parse_plan_bytes(read_file_bytes(path, "plan file", PlanFileError), path.name)


def plan_bytes(inputs: PlanInputs) -> bytes:
    """Serialise inputs as the canonical plan-file JSON (stable key order, UTF-8)."""
    return (inputs.model_dump_json(indent=1) + "\n").encode("utf-8")


def write_plan_file(path: Path, inputs: PlanInputs) -> None:
    """Write a plan file atomically."""
    atomic_write_bytes(Path(path), plan_bytes(inputs))


__all__ = [
    "FieldProblem",
    "parse_plan_bytes",
    "plan_bytes",
    "read_plan_file",
    "write_plan_file",
]
