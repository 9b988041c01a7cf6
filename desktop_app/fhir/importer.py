"""Import FHIR R4 lab results (a Bundle, a searchset or one Observation) into plan inputs.

Pure functions over parsed JSON: no Qt, no file I/O, and no need for fhir.resources (the JSON is
read by hand, field by field, so that every refusal can say exactly what was wrong).

This module is the entry point and composes the others: `result` (the rows and the result),
`patient` (whose results they are), `observations` (reading one Observation), `choosing` (the
newest result per field against the open plan) and `import_report` (the text report). Its names
are the public API (also re-exported by `desktop_app.fhir`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from desktop_app.fhir.choosing import Chooser, warn_refused_newer
from desktop_app.fhir.errors import FhirImportError
from desktop_app.fhir.fields import dict_at, ref_key
from desktop_app.fhir.files import check_fhir_file_size, read_fhir_file
from desktop_app.fhir.import_report import render_import_report
from desktop_app.fhir.loinc import LoincMap, load_loinc_map
from desktop_app.fhir.observations import (
    USABLE_STATUSES,
    Candidate,
    ObservationReader,
    parse_fhir_datetime,
)
from desktop_app.fhir.patient import (
    FileIdentity,
    PatientUnconfirmedError,
    check_patient,
    names_match,
    patient_fields,
    patient_identity,
    subject_identity,
    subject_key,
)
from desktop_app.fhir.result import (
    REPORT_COLUMNS,
    ImportResult,
    ImportRow,
    PatientRow,
    labs_entry,
)
from desktop_app.fhir.stream import BundleFile, NotStreamable
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, LoadedProtocol, Protocol, validation_problems

#: One Bundle entry as the import reads it: (fullUrl or None, resource).
Entry = tuple[str | None, dict[str, Any]]


def _bundle_kind(resource: dict[str, Any]) -> str:
    """Return "Bundle (type)"; refuse a history Bundle."""
    btype = resource.get("type")
    if btype == "history":
        raise FhirImportError(
            "Refused: a history Bundle holds old versions of resources, not current results."
        )
    return f"Bundle ({btype or 'no type'})"


def _entry(item: Any) -> Entry | None:
    """Return a Bundle.entry item as (fullUrl, resource), or None when it is not read."""
    if not isinstance(item, dict) or not isinstance(item.get("resource"), dict):
        return None
    search = dict_at(item, "search")
    if search.get("mode") == "outcome":
        return None
    url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
    return url, item["resource"]


def _entries(resource: dict[str, Any]) -> tuple[str, list[Entry]]:
    kind = resource.get("resourceType")
    if kind == "Observation":
        return "Observation", [(None, resource)]
    if kind == "Bundle":
        source_kind = _bundle_kind(resource)
        raw = resource.get("entry")
        if raw is not None and not isinstance(raw, list):
            raise FhirImportError("Refused: Bundle.entry is not a list; the file is damaged.")
        return source_kind, [e for e in (_entry(item) for item in raw or []) if e is not None]
    if kind == "Patient":
        raise FhirImportError("Refused: the file holds a Patient but no results (Observations).")
    if isinstance(kind, str):
        raise FhirImportError(
            f"Refused: a FHIR {kind} is not a set of results; give a Bundle of Observations, "
            "a search result or one Observation."
        )
    raise FhirImportError("Refused: this is not FHIR JSON (no resourceType).")


@dataclass
class _Survey:
    """What a first pass over the entries learns, before any Observation is read."""

    patients: list[Entry] = field(default_factory=list)
    specimens: dict[str, dict[str, Any]] = field(default_factory=dict)
    panel_times: dict[str, tuple[str, str]] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    first_subject: dict[str, Any] | None = None
    observations: int = 0
    others: Counter[str] = field(default_factory=Counter)

    def add(self, url: str | None, res: dict[str, Any]) -> None:
        """Take note of one entry (only Patients and Specimens are kept whole)."""
        kind = res.get("resourceType")
        if kind == "Specimen":
            if url:
                self.specimens[ref_key(url) or url] = res
            if isinstance(res.get("id"), str):
                self.specimens.setdefault(f"Specimen/{res['id']}", res)
        if kind == "Patient":
            self.patients.append((url, res))
        elif kind == "Observation":
            self._observation(url, res)
        else:
            self.others[str(kind)] += 1

    def _observation(self, url: str | None, res: dict[str, Any]) -> None:
        self.observations += 1
        key = subject_key(res.get("subject"))
        if key is not None:
            self.subjects.add(key)
            if self.first_subject is None:
                self.first_subject = res["subject"]
        eff = res.get("effectiveDateTime")
        for member in res.get("hasMember") or []:
            ref = ref_key(member.get("reference")) if isinstance(member, dict) else None
            if ref and isinstance(eff, str):
                panel_label = str(res.get("id") or url or "panel")
                self.panel_times[ref] = (panel_label, eff)
                self.panel_times[ref.split("/")[-1]] = (panel_label, eff)


def _identity(survey: _Survey) -> FileIdentity | None:
    """Return who the file says the results are for; refuse several patients."""
    if len(survey.patients) > 1:
        raise FhirImportError(
            f"Refused: the file holds {len(survey.patients)} Patient resources; import one "
            "patient's results at a time."
        )
    if survey.patients:
        return patient_identity(*survey.patients[0])
    if len(survey.subjects) > 1:
        raise FhirImportError(
            "Refused: the results are for more than one patient ("
            + ", ".join(sorted(survey.subjects))
            + "); import one patient's results at a time."
        )
    return subject_identity(survey.first_subject) if survey.first_subject else None


def import_fhir(
    resource: Any,
    protocol: LoadedProtocol | Protocol,
    current: PlanInputs | None = None,
    *,
    now: datetime | None = None,
    confirm_unidentified: bool = False,
    loinc_map: LoincMap | None = None,
) -> ImportResult:
    """Read lab results (and patient details) from parsed FHIR JSON into plan inputs.

    Args:
        resource: the parsed JSON: a Bundle (any type but history) or one Observation.
        protocol: the protocol whose units and plausibility ranges apply.
        current: the open plan, or None for a new one. Its patient must match the file's.
        now: when given, a sample time after it is refused.
        confirm_unidentified: the user has confirmed that results which carry no usable
            patient identity belong to the open plan's patient.
        loinc_map: the LOINC/UCUM table (default: the shipped one).

    Returns:
        The new inputs and a row for every Observation.

    Raises:
        FhirImportError: the whole file is refused (not FHIR, several patients...).
        PatientMismatchError: the file's patient is not the plan's (PatientUnconfirmedError
            when it cannot be confirmed; the user may then confirm and call again).
    """
    if not isinstance(resource, dict):
        raise FhirImportError("Refused: this is not FHIR JSON (expected a JSON object).")
    source_kind, entries = _entries(resource)
    survey = _Survey()
    for url, res in entries:
        survey.add(url, res)
    return _import(
        source_kind,
        lambda: iter(entries),
        survey,
        protocol,
        current,
        now=now,
        confirm_unidentified=confirm_unidentified,
        loinc_map=loinc_map,
    )


def import_fhir_file(
    path: Path,
    protocol: LoadedProtocol | Protocol,
    current: PlanInputs | None = None,
    *,
    now: datetime | None = None,
    confirm_unidentified: bool = False,
    loinc_map: LoincMap | None = None,
) -> ImportResult:
    """Read a FHIR JSON file and import it as `import_fhir(read_fhir_file(path), ...)` does.

    A Bundle is read one entry at a time, twice (first who and what it holds, then each
    Observation), so that the memory used follows the results kept, not the parsed file. Any
    other file, or one that is not valid, is read whole by `read_fhir_file` with its reasons.

    Raises:
        FhirImportError, PatientMismatchError: as `read_fhir_file` and `import_fhir`.
    """
    path = Path(path)
    check_fhir_file_size(path)
    options: dict[str, Any] = {
        "now": now,
        "confirm_unidentified": confirm_unidentified,
        "loinc_map": loinc_map,
    }
    bundle = BundleFile(path)
    survey = _Survey()
    try:
        for item in bundle.entries():
            entry = _entry(item)
            if entry is not None:
                survey.add(*entry)
    except NotStreamable:
        return import_fhir(read_fhir_file(path), protocol, current, **options)
    if bundle.members.get("resourceType") != "Bundle" or not bundle.streamed_entry:
        return import_fhir(read_fhir_file(path), protocol, current, **options)
    source_kind = _bundle_kind(bundle.members)

    def again() -> Iterator[Entry]:
        try:
            for item in bundle.entries():
                entry = _entry(item)
                if entry is not None:
                    yield entry
        except NotStreamable:
            raise FhirImportError(
                f"Refused: {path.name} changed while it was being read. Nothing was imported; "
                "import it again once it is complete."
            ) from None
        bundle.check_unchanged()

    return _import(source_kind, again, survey, protocol, current, **options)


def _plausible_time(moment: datetime, now: datetime | None, back_days: float) -> bool:
    """A sample time the plan file can hold: in UTC's calendar and not before the time window."""
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return now is None or moment >= now - timedelta(days=back_days)


def _unused_newer(
    rows: list[ImportRow], base: dict[str, Any], now: datetime | None, back_days: float
) -> list[dict[str, Any]]:
    """Results refused that are newer than the result used of their test (issue 15 item 14).

    The plan shows each with "repeat to confirm"; it never acts on them. A sample time in the
    future, or one further back than the protocol's time window (a wrong year), is an error of
    the file, not a newer result, and is left to the import report.
    """
    kept = {(u["analyte"], u["sampled_at"], u["value_text"]): u for u in base["unused_results"]}
    for row in rows:
        if row.outcome != "refused" or not row.analyte or row.sampled_at is None:
            continue
        if row.reason_code == "future" or not _plausible_time(row.sampled_at, now, back_days):
            continue
        times = [f["sampled_at"] for f in base["followups"] if f["analyte"] == row.analyte]
        lab = base["labs"].get(row.analyte)
        if lab is not None:
            times.append(lab["sampled_at"])
        if times and row.sampled_at <= max(times):
            continue
        entry = {
            "analyte": row.analyte,
            "value_text": row.value_text[:200],
            "sampled_at": row.sampled_at,
            "why": f"{row.reason_code}: {row.reason}"[:200],
        }
        kept.setdefault((row.analyte, row.sampled_at, entry["value_text"]), entry)
    return sorted(kept.values(), key=lambda u: u["sampled_at"])


def _import(
    source_kind: str,
    entries: Callable[[], Iterator[Entry]],
    survey: _Survey,
    protocol: LoadedProtocol | Protocol,
    current: PlanInputs | None,
    *,
    now: datetime | None,
    confirm_unidentified: bool,
    loinc_map: LoincMap | None,
) -> ImportResult:
    """Read every Observation of `entries()` (a second pass) and choose what goes in."""
    proto = protocol.protocol if isinstance(protocol, LoadedProtocol) else protocol
    lmap = loinc_map or load_loinc_map()
    ident = _identity(survey)
    check = check_patient(current, ident, confirm_unidentified)

    patient = ident if survey.patients else None
    reader = ObservationReader(proto, lmap, survey.specimens, survey.panel_times, patient, now)
    rows: list[ImportRow] = []
    cands: list[Candidate] = []
    for url, obs in entries():
        if obs.get("resourceType") != "Observation":
            continue
        row, cand = reader.read(len(rows) + 1, url, obs)
        rows.append(row)
        if cand is not None:
            cands.append(cand)
    if len(rows) != survey.observations:
        raise FhirImportError(
            "Refused: the file changed while it was being read. Nothing was imported; import "
            "it again once it is complete."
        )

    chooser = Chooser(proto, rows, current)
    first = current.regimen.first_dose_at if current else None
    for analyte in Analyte:
        mine = [c for c in cands if c.analyte is analyte]
        before = [c for c in mine if first is None or c.sampled_at <= first]
        after = [c for c in mine if first is not None and c.sampled_at > first]
        chooser.baseline(analyte, before)
        if after and first is not None:
            chooser.after_first_dose(analyte, after, first)

    warn_refused_newer(rows)

    base = current.model_dump() if current is not None else PlanInputs().model_dump()
    patient_data = dict(base["patient"])
    patient_rows, notes = patient_fields(current, ident, patient_data)
    base["patient"] = patient_data
    for name, lab in chooser.labs.items():
        base["labs"][name] = lab
    if chooser.followups:
        merged = [*base["followups"], *chooser.followups]
        base["followups"] = sorted(merged, key=lambda f: f["sampled_at"])
    base["unused_results"] = _unused_newer(rows, base, now, proto.patient.time_back_limit.value)
    try:
        inputs = PlanInputs.model_validate(base)
    except ValidationError as exc:  # pragma: no cover - every value was checked above
        raise FhirImportError(
            "Refused: the imported values do not make valid plan inputs:\n  - "
            + "\n  - ".join(str(p) for p in validation_problems(exc))
        ) from None

    if survey.others:
        notes.append(
            "Not read (not results): "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(survey.others.items()))
        )
    if not rows:
        notes.append("The file holds no Observations: nothing was imported.")
    if check == "confirmed-by-user":
        notes.append(
            "The file does not identify the patient; the user confirmed the results are "
            "for the plan's patient."
        )
    return ImportResult(
        inputs=inputs,
        rows=tuple(rows),
        patient_rows=tuple(patient_rows),
        patient_check=check,
        source_kind=source_kind,
        notes=tuple(notes),
    )


#: The name the brief uses; the same function.
import_bundle = import_fhir


__all__ = [
    "REPORT_COLUMNS",
    "USABLE_STATUSES",
    "ImportResult",
    "ImportRow",
    "PatientRow",
    "PatientUnconfirmedError",
    "import_bundle",
    "import_fhir",
    "import_fhir_file",
    "labs_entry",
    "names_match",
    "parse_fhir_datetime",
    "render_import_report",
]
