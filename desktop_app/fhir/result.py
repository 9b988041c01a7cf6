"""The result of a FHIR import: a row per Observation, the patient's fields, the new inputs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from desktop_app.logic.models import LabEntry, PlanInputs

Outcome = Literal["used", "not-used", "refused"]

#: Column titles of the report table, in the order of ImportRow.columns().
REPORT_COLUMNS = ("#", "Observation", "Code", "Test", "Value", "Sample time", "Status", "Result")


@dataclass(frozen=True, slots=True)
class ImportRow:
    """What happened to one Observation: used (and where), not used, or refused (and why)."""

    index: int
    observation_id: str
    code: str
    display: str
    value_text: str
    time_text: str
    status: str
    outcome: Outcome
    field: str = ""
    reason_code: str = ""
    reason: str = ""
    analyte: str = ""
    value: float | None = None
    unit: str | None = None
    sampled_at: datetime | None = None
    warning: str = ""

    @property
    def outcome_text(self) -> str:
        """Return the last column of the report: where it went, or why not."""
        if self.outcome == "used":
            text = f"used in {self.field}" + (f" ({self.reason})" if self.reason else "")
            return text + (f". CHECK: {self.warning}" if self.warning else "")
        label = "not used" if self.outcome == "not-used" else "REFUSED"
        return f"{label}: {self.reason}"

    def columns(self) -> tuple[str, ...]:
        """Return the row as strings, in the order of REPORT_COLUMNS (for a table view)."""
        return (
            str(self.index),
            self.observation_id,
            self.code,
            self.display,
            self.value_text,
            self.time_text,
            self.status,
            self.outcome_text,
        )


@dataclass(frozen=True)
class PatientRow:
    """One patient field read from the file's Patient resource, and what was done with it."""

    field: str
    value: str
    source: str
    action: Literal["set", "same", "kept", "not used"]
    note: str = ""


@dataclass(frozen=True)
class ImportResult:
    """The inputs after import, and the full record of what came from where."""

    inputs: PlanInputs
    rows: tuple[ImportRow, ...]
    patient_rows: tuple[PatientRow, ...]
    patient_check: Literal["new", "confirmed", "confirmed-by-user"]
    source_kind: str
    notes: tuple[str, ...] = ()

    @property
    def used(self) -> tuple[ImportRow, ...]:
        """Return the rows whose value went into the inputs."""
        return tuple(r for r in self.rows if r.outcome == "used")

    @property
    def refused(self) -> tuple[ImportRow, ...]:
        """Return the rows refused for a problem."""
        return tuple(r for r in self.rows if r.outcome == "refused")

    @property
    def not_used(self) -> tuple[ImportRow, ...]:
        """Return the valid rows that were not needed (older, duplicate, already in the plan)."""
        return tuple(r for r in self.rows if r.outcome == "not-used")

    @property
    def changed(self) -> bool:
        """Return True when anything (a lab, a follow-up or a patient field) was filled."""
        return bool(self.used) or any(p.action == "set" for p in self.patient_rows)


#: ImportRow's fields, in order (copying a row is done once or twice per Observation).
_ROW_FIELDS = tuple(f.name for f in fields(ImportRow))


def replace_row(row: ImportRow, **changes: Any) -> ImportRow:
    """Return a copy of `row` with `changes` (field name to value)."""
    data = {name: getattr(row, name) for name in _ROW_FIELDS}
    data.update(changes)
    return ImportRow(**data)


def labs_entry(row: ImportRow) -> LabEntry | None:
    """Return the LabEntry a used row became (None for rows not used)."""
    if row.outcome != "used" or row.value is None or row.sampled_at is None:
        return None
    return LabEntry(
        value=row.value,
        unit=row.unit,
        sampled_at=row.sampled_at,
        source=f"FHIR Observation {row.observation_id}",
    )
