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
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from desktop_app.fhir.choosing import Chooser, warn_refused_newer
from desktop_app.fhir.errors import FhirImportError
from desktop_app.fhir.fields import ref_key
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
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, LoadedProtocol, Protocol, validation_problems


def _entries(resource: dict[str, Any]) -> tuple[str, list[tuple[str | None, dict[str, Any]]]]:
    kind = resource.get("resourceType")
    if kind == "Observation":
        return "Observation", [(None, resource)]
    if kind == "Bundle":
        btype = resource.get("type")
        if btype == "history":
            raise FhirImportError(
                "Refused: a history Bundle holds old versions of resources, not current results."
            )
        entries: list[tuple[str | None, dict[str, Any]]] = []
        raw = resource.get("entry")
        if raw is not None and not isinstance(raw, list):
            raise FhirImportError("Refused: Bundle.entry is not a list; the file is damaged.")
        for item in raw or []:
            if not isinstance(item, dict) or not isinstance(item.get("resource"), dict):
                continue
            search = item.get("search") if isinstance(item.get("search"), dict) else {}
            if search.get("mode") == "outcome":
                continue
            url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
            entries.append((url, item["resource"]))
        return f"Bundle ({btype or 'no type'})", entries
    if kind == "Patient":
        raise FhirImportError("Refused: the file holds a Patient but no results (Observations).")
    if isinstance(kind, str):
        raise FhirImportError(
            f"Refused: a FHIR {kind} is not a set of results; give a Bundle of Observations, "
            "a search result or one Observation."
        )
    raise FhirImportError("Refused: this is not FHIR JSON (no resourceType).")


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
    proto = protocol.protocol if isinstance(protocol, LoadedProtocol) else protocol
    lmap = loinc_map or load_loinc_map()
    source_kind, entries = _entries(resource)

    index: dict[str, dict[str, Any]] = {}
    for url, res in entries:
        if url:
            index[ref_key(url) or url] = res
        if isinstance(res.get("resourceType"), str) and isinstance(res.get("id"), str):
            index.setdefault(f"{res['resourceType']}/{res['id']}", res)

    patients = [(url, res) for url, res in entries if res.get("resourceType") == "Patient"]
    observations = [(url, res) for url, res in entries if res.get("resourceType") == "Observation"]
    if len(patients) > 1:
        raise FhirImportError(
            f"Refused: the file holds {len(patients)} Patient resources; import one patient's "
            "results at a time."
        )
    ident: FileIdentity | None = None
    if patients:
        ident = patient_identity(*patients[0])
    else:
        subjects = {subject_key(o.get("subject")) for _, o in observations} - {None}
        if len(subjects) > 1:
            raise FhirImportError(
                "Refused: the results are for more than one patient ("
                + ", ".join(sorted(str(s) for s in subjects))
                + "); import one patient's results at a time."
            )
        with_subject = [o["subject"] for _, o in observations if subject_key(o.get("subject"))]
        if with_subject:
            ident = subject_identity(with_subject[0])
    check = check_patient(current, ident, confirm_unidentified)

    panel_times: dict[str, tuple[str, str]] = {}
    for url, res in observations:
        eff = res.get("effectiveDateTime")
        for member in res.get("hasMember") or []:
            key = ref_key(member.get("reference")) if isinstance(member, dict) else None
            if key and isinstance(eff, str):
                panel_label = res.get("id") or url or "panel"
                panel_times[key] = (str(panel_label), eff)
                panel_times[key.split("/")[-1]] = (str(panel_label), eff)

    reader = ObservationReader(proto, lmap, index, panel_times, ident if patients else None, now)
    rows: list[ImportRow] = []
    cands: list[Candidate] = []
    for number, (url, obs) in enumerate(observations, start=1):
        row, cand = reader.read(number, url, obs)
        rows.append(row)
        if cand is not None:
            cands.append(cand)

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
    try:
        inputs = PlanInputs.model_validate(base)
    except ValidationError as exc:  # pragma: no cover - every value was checked above
        raise FhirImportError(
            "Refused: the imported values do not make valid plan inputs:\n  - "
            + "\n  - ".join(str(p) for p in validation_problems(exc))
        ) from None

    others = Counter(
        str(res.get("resourceType"))
        for _, res in entries
        if res.get("resourceType") not in ("Observation", "Patient")
    )
    if others:
        notes.append(
            "Not read (not results): "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
        )
    if not observations:
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
    "labs_entry",
    "names_match",
    "parse_fhir_datetime",
    "render_import_report",
]
