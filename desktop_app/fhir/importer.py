"""Import FHIR R4 lab results (a Bundle, a searchset or one Observation) into plan inputs.

Pure functions over parsed JSON: no Qt, no file I/O, and no need for fhir.resources (the JSON is
read by hand, field by field, so that every refusal can say exactly what was wrong).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import ValidationError

from desktop_app.fhir.errors import FhirImportError, PatientMismatchError
from desktop_app.fhir.loinc import LOINC_SYSTEM, UCUM_SYSTEM, LoincEntry, LoincMap, load_loinc_map
from desktop_app.logic.models import LabEntry, PlanInputs
from desktop_app.logic.protocol import (
    Analyte,
    LoadedProtocol,
    Protocol,
    validation_problems,
)
from desktop_app.logic.units import check_value

#: Observation statuses whose value may be used.
USABLE_STATUSES = ("final", "amended", "corrected")

#: Results after the first B12 dose of these analytes become follow-ups (FollowUp.analyte).
FOLLOWUP_ANALYTES = (Analyte.potassium, Analyte.magnesium, Analyte.phosphate)

LOINC_OID = "urn:oid:2.16.840.1.113883.6.1"

Outcome = Literal["used", "not-used", "refused"]

#: Column titles of the report table, in the order of ImportRow.columns().
REPORT_COLUMNS = ("#", "Observation", "Code", "Test", "Value", "Sample time", "Status", "Result")

_DATE_ONLY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
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


# ----- small readers ---------------------------------------------------------------------------


def _text(value: Any, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _value_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_fhir_datetime(text: Any) -> tuple[datetime | None, str, str]:
    """Parse a FHIR dateTime that must carry a time of day and a zone.

    Returns:
        (moment, "", "") when usable, else (None, reason_code, reason).
    """
    if not isinstance(text, str) or not text.strip():
        return None, "bad-time", f"the time {_text(text)!r} is not a FHIR dateTime"
    if _DATE_ONLY.match(text):
        return (
            None,
            "date-only",
            (
                f"only a date ({text}), no time of day: the program needs the sample time; "
                "take it from the laboratory report and enter the result by hand"
            ),
        )
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, "bad-time", f"the time '{_text(text)}' is not a valid FHIR dateTime"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return (
            None,
            "no-timezone",
            (f"the time '{text}' has no timezone offset, so the clock time is ambiguous"),
        )
    return moment, "", ""


def _ref_key(reference: Any) -> str | None:
    """Normalise a reference: 'urn:uuid:…' stays; URLs and relative refs become 'Type/id'."""
    if not isinstance(reference, str) or not reference:
        return None
    if reference.startswith("urn:"):
        return reference
    parts = [p for p in reference.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return reference


def _norm_id(value: str) -> str:
    return re.sub(r"\s+", "", value).casefold()


def _name_tokens(name: str) -> set[str]:
    return {t for t in re.findall(r"[^\W\d_]+", name.casefold()) if len(t) > 1}


def names_match(a: str, b: str) -> bool:
    """Return True when the words of the shorter name (initials aside) all occur in the other."""
    ta, tb = _name_tokens(a), _name_tokens(b)
    if not ta or not tb:
        return False
    small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return small <= large


def _human_name(name: Any) -> str:
    if not isinstance(name, dict):
        return ""
    if isinstance(name.get("text"), str) and name["text"].strip():
        return name["text"].strip()
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    family = name.get("family") if isinstance(name.get("family"), str) else ""
    return " ".join([*given, family]).strip()


# ----- the file's patient ----------------------------------------------------------------------


@dataclass
class _FileIdentity:
    """Who the file says the results are for."""

    aliases: set[str] = field(default_factory=set)
    identifiers: list[tuple[str, str, str]] = field(default_factory=list)  # value, system, type
    names: list[str] = field(default_factory=list)
    birth_date: str | None = None
    gender: str | None = None
    from_patient: bool = False
    label: str = ""

    @property
    def empty(self) -> bool:
        return not (self.identifiers or self.names or self.birth_date)


def _patient_identity(full_url: str | None, res: dict[str, Any]) -> _FileIdentity:
    ident = _FileIdentity(from_patient=True)
    if full_url:
        ident.aliases.add(_ref_key(full_url) or full_url)
    if isinstance(res.get("id"), str):
        ident.aliases.add(f"Patient/{res['id']}")
    for item in res.get("identifier") or []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"].strip():
            type_ = item.get("type") if isinstance(item.get("type"), dict) else {}
            codes = [c.get("code") for c in type_.get("coding") or [] if isinstance(c, dict)]
            label = type_.get("text") or ", ".join(str(c) for c in codes if c) or ""
            ident.identifiers.append((item["value"].strip(), str(item.get("system") or ""), label))
    names = [n for n in res.get("name") or [] if isinstance(n, dict)]
    names.sort(key=lambda n: {"official": 0, "usual": 1}.get(str(n.get("use")), 2))
    ident.names = [t for t in (_human_name(n) for n in names) if t]
    if isinstance(res.get("birthDate"), str):
        ident.birth_date = res["birthDate"]
    if isinstance(res.get("gender"), str):
        ident.gender = res["gender"]
    ident.label = ident.names[0] if ident.names else (res.get("id") or full_url or "Patient")
    return ident


def _subject_identity(subject: dict[str, Any]) -> _FileIdentity:
    ident = _FileIdentity()
    key = _ref_key(subject.get("reference"))
    if key:
        ident.aliases.add(key)
    item = subject.get("identifier")
    if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"].strip():
        ident.identifiers.append((item["value"].strip(), str(item.get("system") or ""), ""))
    if isinstance(subject.get("display"), str) and subject["display"].strip():
        ident.names.append(subject["display"].strip())
    ident.label = subject.get("display") or key or "the subject"
    return ident


def _subject_key(subject: Any) -> str | None:
    if not isinstance(subject, dict):
        return None
    key = _ref_key(subject.get("reference"))
    if key:
        return key
    item = subject.get("identifier")
    if isinstance(item, dict) and isinstance(item.get("value"), str):
        return f"identifier:{item.get('system') or ''}|{item['value']}"
    return None


class PatientUnconfirmedError(PatientMismatchError):
    """The file cannot be tied to the plan's patient; the user may confirm and import again."""


def _check_patient(
    current: PlanInputs | None, ident: _FileIdentity | None, confirm_unidentified: bool
) -> Literal["new", "confirmed", "confirmed-by-user"]:
    """Compare the plan's patient with the file's; raise on a mismatch or an unconfirmed match."""
    pat = current.patient if current is not None else None
    if pat is None or not (pat.identifier or pat.name or pat.date_of_birth):
        return "new"
    plan_label = ", ".join(
        x
        for x in (pat.name, pat.identifier, pat.date_of_birth and f"born {pat.date_of_birth}")
        if x
    )
    differences: list[str] = []
    id_match = name_match = dob_match = False
    if ident is not None and pat.identifier and ident.identifiers:
        id_match = _norm_id(pat.identifier) in {_norm_id(v) for v, _, _ in ident.identifiers}
        if not id_match:
            differences.append(
                f"identifier: the plan has '{pat.identifier}', the file has "
                + ", ".join(f"'{v}'" for v in dict.fromkeys(v for v, _, _ in ident.identifiers))
            )
    if ident is not None and pat.date_of_birth and ident.birth_date:
        plan_dob = pat.date_of_birth.isoformat()
        dob_match = ident.birth_date == plan_dob
        if not dob_match and not (
            len(ident.birth_date) < len(plan_dob) and plan_dob.startswith(ident.birth_date)
        ):
            differences.append(
                f"date of birth: the plan has {pat.date_of_birth.isoformat()}, "
                f"the file has {ident.birth_date}"
            )
    if ident is not None and pat.name and ident.names:
        name_match = any(names_match(pat.name, n) for n in ident.names)
        if not name_match:
            differences.append(
                f"name: the plan has '{pat.name}', the file has "
                + ", ".join(f"'{n}'" for n in ident.names)
            )
    if differences:
        raise PatientMismatchError(
            f"Refused: these results are not for the patient of the open plan ({plan_label}).\n  - "
            + "\n  - ".join(differences)
            + "\nNothing was imported. Open the right patient's plan, or start a new plan.",
            tuple(differences),
        )
    if id_match or (name_match and dob_match):
        return "confirmed"
    if confirm_unidentified:
        return "confirmed-by-user"
    said = (
        "says nothing about the patient"
        if ident is None or ident.empty
        else (
            "does not carry enough to confirm the patient (an identifier, or both name and date "
            "of birth, must match)"
        )
    )
    raise PatientUnconfirmedError(
        f"The file {said}. Check that these results are for {plan_label} "
        "before importing them (in the CLI: --confirm-patient)."
    )


# ----- observations ----------------------------------------------------------------------------


#: A refusal: (reason_code, reason text).
_Problem = tuple[str, str]


@dataclass(frozen=True)
class _Candidate:
    row: int  # index into rows
    analyte: Analyte
    value: float
    unit: str
    canonical: float
    sampled_at: datetime


def _loinc_codes(obs: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    code = obs.get("code") if isinstance(obs.get("code"), dict) else {}
    loinc: list[tuple[str, str]] = []
    other: list[tuple[str, str, str]] = []
    for coding in code.get("coding") or []:
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            continue
        display = coding.get("display") if isinstance(coding.get("display"), str) else ""
        if coding.get("system") in (LOINC_SYSTEM, LOINC_OID):
            loinc.append((coding["code"].strip(), display))
        else:
            other.append((str(coding.get("system") or "(no system)"), coding["code"], display))
    return loinc, other


def _display(obs: dict[str, Any], loinc: list[tuple[str, str]], entry: LoincEntry | None) -> str:
    code = obs.get("code") if isinstance(obs.get("code"), dict) else {}
    if isinstance(code.get("text"), str) and code["text"].strip():
        return code["text"].strip()
    for _, disp in loinc:
        if disp:
            return disp
    return entry.long_name if entry else ""


def _value_text(obs: dict[str, Any]) -> str:
    vq = obs.get("valueQuantity")
    if isinstance(vq, dict):
        unit = vq.get("unit") or vq.get("code") or ""
        comp = vq.get("comparator") or ""
        return f"{comp}{_value_str(vq.get('value'))} {unit}".strip()
    for key, val in obs.items():
        if key.startswith("value") and key != "valueQuantity":
            return f"{key[5:]}: {_text(val, 40)}"
    comps = [c for c in obs.get("component") or [] if isinstance(c, dict)]
    if comps:
        return f"({len(comps)} components)"
    return "(no value)"


def _time_text(obs: dict[str, Any]) -> str:
    if "effectiveDateTime" in obs:
        return str(obs["effectiveDateTime"])
    if "effectiveInstant" in obs:
        return str(obs["effectiveInstant"])
    period = obs.get("effectivePeriod")
    if isinstance(period, dict):
        return f"period {period.get('start', '?')} to {period.get('end', '?')}"
    if "effectiveTiming" in obs:
        return "(timing)"
    return "(none)"


class _Reader:
    """Reads the Observations of one file against the LOINC map and the protocol."""

    def __init__(
        self,
        proto: Protocol,
        lmap: LoincMap,
        index: dict[str, dict[str, Any]],
        panel_times: dict[str, tuple[str, str]],
        patient: _FileIdentity | None,
        now: datetime | None,
    ) -> None:
        self.proto = proto
        self.lmap = lmap
        self.index = index
        self.panel_times = panel_times
        self.patient = patient
        self.now = now

    def read(
        self, number: int, full_url: str | None, obs: dict[str, Any]
    ) -> tuple[ImportRow, _Candidate | None]:
        obs_id = obs.get("id") if isinstance(obs.get("id"), str) else None
        label = obs_id or full_url or f"entry {number}"
        loinc, other = _loinc_codes(obs)
        known = [(c, self.lmap.entry(c)) for c, _ in loinc]
        entries = [e for _, e in known if e is not None]
        entry = entries[0] if entries else None
        code_text = (
            f"LOINC {entry.code}"
            if entry
            else ", ".join(f"LOINC {c}" for c, _ in loinc)
            or ", ".join(f"{s}|{c}" for s, c, _ in other)
            or "(no code)"
        )
        status = obs.get("status") if isinstance(obs.get("status"), str) else "(none)"
        base = ImportRow(
            index=number,
            observation_id=label,
            code=code_text,
            display=_display(obs, loinc, entry),
            value_text=_value_text(obs),
            time_text=_time_text(obs),
            status=status,
            outcome="refused",
        )

        def refuse(code: str, reason: str, **extra: Any) -> tuple[ImportRow, None]:
            return _replace(base, outcome="refused", reason_code=code, reason=reason, **extra), None

        # 1. the code
        if entry is None:
            if loinc:
                return refuse(
                    "unknown-code",
                    f"LOINC {', '.join(c for c, _ in loinc)} is not a result this program reads",
                )
            if other:
                return refuse(
                    "no-loinc",
                    "no LOINC code (coded only as "
                    + ", ".join(f"{s} {c}" for s, c, _ in other)
                    + "): results are matched by LOINC only",
                )
            return refuse("no-code", "the Observation has no code")
        if len({e.analyte for e in entries}) > 1:
            return refuse(
                "ambiguous-code",
                "its LOINC codes name different tests ("
                + ", ".join(f"{e.code} {e.analyte.value}" for e in entries)
                + ")",
            )
        analyte = entry.analyte
        spec = self.proto.analytes[analyte]
        if not entry.use:
            moment = self._time(obs, label)[0]
            return refuse(
                entry.refuse_code or "not-read",
                f"LOINC {entry.code} ({entry.long_name}): {entry.note}",
                analyte=analyte.value,
                sampled_at=moment,
            )

        problems: list[tuple[str, str]] = []
        # 2. status
        if status not in USABLE_STATUSES:
            problems.append(("status", _status_reason(status)))
        # 3. subject
        subject_problem = self._subject_problem(obs.get("subject"))
        if subject_problem:
            problems.append(subject_problem)
        # 4. value, unit, plausibility
        value = canonical = None
        unit: str | None = None
        measured, value_problem = self._value(obs, entry, spec.label, analyte)
        if value_problem is not None:
            problems.append(value_problem)
        elif measured is not None:
            value, unit, canonical = measured
        # 5. time
        moment, time_code, time_reason, time_note = self._time(obs, label)
        if moment is None:
            problems.append((time_code, time_reason))
        elif self.now is not None and moment > self.now:
            problems.append(("future", f"the sample time {moment.isoformat()} is in the future"))

        if problems:
            return refuse(
                problems[0][0],
                "; ".join(p[1] for p in problems),
                analyte=analyte.value,
                value=value,
                unit=unit,
                sampled_at=moment,
            )
        assert value is not None and unit is not None and canonical is not None and moment
        row = _replace(
            base,
            outcome="used",
            analyte=analyte.value,
            value=value,
            unit=unit,
            sampled_at=moment,
            reason=time_note,
        )
        return row, _Candidate(number, analyte, value, unit, canonical, moment)

    def _subject_problem(self, subject: Any) -> tuple[str, str] | None:
        if not isinstance(subject, dict) or _subject_key(subject) is None:
            if self.patient is not None and isinstance(subject, dict) and subject.get("display"):
                return (
                    "no-subject",
                    f"the subject is only named ('{subject['display']}'), "
                    "so the result cannot be tied to the Patient in the file",
                )
            if self.patient is not None or not isinstance(subject, dict):
                return ("no-subject", "the result does not say whose it is (no subject)")
            return None
        if self.patient is None or not self.patient.from_patient:
            return None
        key = _subject_key(subject)
        if key in self.patient.aliases:
            return None
        item = subject.get("identifier")
        if (
            isinstance(item, dict)
            and isinstance(item.get("value"), str)
            and _norm_id(item["value"]) in {_norm_id(v) for v, _, _ in self.patient.identifiers}
        ):
            return None
        return (
            "other-patient",
            f"the subject {key} is not the Patient in this file ({self.patient.label})",
        )

    def _value(
        self, obs: dict[str, Any], entry: LoincEntry, label: str, analyte: Analyte
    ) -> tuple[tuple[float, str, float] | None, _Problem | None]:
        """Return ((value, protocol unit, canonical value), None) or (None, problem)."""
        vq = obs.get("valueQuantity")
        if vq is None:
            others = [k for k in obs if k.startswith("value")]
            comps = [c for c in obs.get("component") or [] if isinstance(c, dict)]
            if others:
                return None, (
                    "not-a-number",
                    f"the value is a {others[0][5:]}, not a number with a unit",
                )
            if any(any(k.startswith("value") for k in c) for c in comps):
                codes = []
                for c in comps:
                    cl, _ = _loinc_codes(c)
                    codes.extend(code for code, _ in cl)
                return None, (
                    "components-only",
                    "the values are only in components ("
                    + (", ".join(f"LOINC {c}" for c in codes) or "uncoded")
                    + "), not one result for the Observation",
                )
            dar = obs.get("dataAbsentReason")
            if isinstance(dar, dict):
                why = dar.get("text") or ", ".join(
                    str(c.get("display") or c.get("code"))
                    for c in dar.get("coding") or []
                    if isinstance(c, dict)
                )
                return None, ("no-value", f"no value ({why or 'data absent'})")
            return None, ("no-value", "the Observation has no value")
        if not isinstance(vq, dict) or not _is_number(vq.get("value")):
            return None, ("no-value", "valueQuantity has no numeric value")
        value = float(vq["value"])
        if vq.get("comparator"):
            return None, (
                "comparator",
                f"the value is '{vq['comparator']}{_value_str(vq['value'])}', "
                "a bound rather than a measured number",
            )
        ucum, problem = self._unit(vq)
        if problem:
            return None, problem
        assert ucum is not None
        if ucum not in entry.units:
            return None, (
                "unit-mismatch",
                f"the unit {ucum} does not fit LOINC {entry.code} "
                f"({entry.long_name}), which is reported in {' or '.join(entry.units)}",
            )
        unit = self.lmap.ucum_units[ucum]
        spec = self.proto.analytes[analyte]
        if unit not in spec.units:
            return None, (
                "unit-not-accepted",
                f"the protocol takes {label.lower()} in "
                f"{', '.join(spec.units)} only; a value in {unit} is not converted",
            )
        canonical, fault = check_value(spec, value, unit, f"labs.{analyte.value}")
        if fault is not None or canonical is None:
            return None, ("implausible", fault.message if fault else "implausible value")
        return (value, unit, canonical), None

    def _unit(self, vq: dict[str, Any]) -> tuple[str | None, tuple[str, str] | None]:
        system = vq.get("system")
        code = vq.get("code") if isinstance(vq.get("code"), str) else None
        text = vq.get("unit") if isinstance(vq.get("unit"), str) else None
        if code and system == UCUM_SYSTEM:
            ucum = self.lmap.ucum_code(code)
            if ucum is None:
                return None, (
                    "unknown-unit",
                    f"the unit '{code}' (UCUM code) is not a unit this "
                    "program reads (it may not be valid UCUM)",
                )
            if text:
                from_text = self.lmap.ucum_code(text)
                if from_text and self.lmap.ucum_units[from_text] != self.lmap.ucum_units[ucum]:
                    return None, (
                        "unit-conflict",
                        f"the unit text '{text}' and the UCUM code '{code}' disagree",
                    )
            return ucum, None
        if text:
            ucum = self.lmap.ucum_code(text)
            if ucum is None:
                coded = f"coded as {code} in {system}, not UCUM, and " if code and system else ""
                return None, (
                    "unknown-unit",
                    f"the unit is {coded}'{text}' is not a unit this program reads",
                )
            return ucum, None
        if code and not system:
            ucum = self.lmap.ucum_code(code)
            if ucum is not None:
                return ucum, None
        if code:
            return None, ("unknown-unit", f"the unit is coded as {code} in {system}, not UCUM")
        return None, ("no-unit", "the value has no unit; a unit is never guessed")

    def _time(self, obs: dict[str, Any], label: str) -> tuple[datetime | None, str, str, str]:
        if "effectiveDateTime" in obs:
            moment, code, reason = parse_fhir_datetime(obs["effectiveDateTime"])
            return moment, code, reason, ""
        if "effectiveInstant" in obs:
            moment, code, reason = parse_fhir_datetime(obs["effectiveInstant"])
            return moment, code, reason, ""
        if "effectivePeriod" in obs:
            return self._period(obs["effectivePeriod"])
        if "effectiveTiming" in obs:
            return None, "no-time", "the time is a repeating schedule, not a sample time", ""
        spec_ref = obs.get("specimen") if isinstance(obs.get("specimen"), dict) else {}
        specimen = self.index.get(_ref_key(spec_ref.get("reference")) or "")
        if specimen and specimen.get("resourceType") == "Specimen":
            coll = (
                specimen.get("collection") if isinstance(specimen.get("collection"), dict) else {}
            )
            if "collectedDateTime" in coll:
                moment, code, reason = parse_fhir_datetime(coll["collectedDateTime"])
                if moment is not None:
                    return (
                        moment,
                        "",
                        "",
                        (
                            f"sample time from its Specimen's collection time "
                            f"{coll['collectedDateTime']}"
                        ),
                    )
                return None, code, f"its Specimen's collection time: {reason}", ""
        reason = "no sample time (no effective[x])"
        if isinstance(obs.get("issued"), str):
            reason += (
                f"; 'issued' {obs['issued']} is when the result was released, "
                "not when the sample was taken"
            )
        panel = self.panel_times.get(label) or self.panel_times.get(f"Observation/{obs.get('id')}")
        if panel:
            reason += (
                f"; the panel {panel[0]} that lists it has {panel[1]}, but a member's time is not "
                "assumed from its panel"
            )
        return None, "no-time", reason + ": check the laboratory report and enter it by hand", ""

    @staticmethod
    def _period(period: Any) -> tuple[datetime | None, str, str, str]:
        if not isinstance(period, dict):
            return None, "bad-time", "effectivePeriod is not a period", ""
        start_text, end_text = period.get("start"), period.get("end")
        if start_text is None or end_text is None:
            return (
                None,
                "period",
                (
                    f"effectivePeriod has {'no start' if start_text is None else 'no end'}, so the "
                    "sample time is not known"
                ),
                "",
            )
        start, code, reason = parse_fhir_datetime(start_text)
        if start is None:
            return None, code, f"effectivePeriod.start: {reason}", ""
        end, code, reason = parse_fhir_datetime(end_text)
        if end is None:
            return None, code, f"effectivePeriod.end: {reason}", ""
        if start != end:
            return (
                None,
                "period",
                (
                    f"the sample was taken over a period ({start_text} to {end_text}), "
                    "not at one time"
                ),
                "",
            )
        return start, "", "", "sample time from effectivePeriod (start = end)"


def _status_reason(status: str) -> str:
    extra = {
        "preliminary": "a preliminary result may still change",
        "registered": "no result yet",
        "cancelled": "the test was cancelled",
        "entered-in-error": "the result was withdrawn as entered in error",
        "unknown": "its status is unknown",
    }.get(status, "")
    return (
        f"status '{status}'"
        + (f" ({extra})" if extra else "")
        + ": only final, amended or corrected results are used"
    )


def _replace(row: ImportRow, **changes: Any) -> ImportRow:
    data = {f: getattr(row, f) for f in row.__dataclass_fields__}
    data.update(changes)
    return ImportRow(**data)


# ----- choosing the newest result per field ----------------------------------------------------


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _canonical(proto: Protocol, analyte: Analyte, value: float, unit: str | None) -> float | None:
    canonical, _ = check_value(proto.analytes[analyte], value, unit, "plan")
    return canonical


def _group_by_time(cands: list[_Candidate]) -> list[list[_Candidate]]:
    groups: dict[datetime, list[_Candidate]] = {}
    for cand in sorted(cands, key=lambda c: (-c.sampled_at.timestamp(), c.row)):
        groups.setdefault(cand.sampled_at, []).append(cand)
    return list(groups.values())


def _qty(cand: _Candidate) -> str:
    return f"{_value_str(cand.value)} {cand.unit}"


class _Chooser:
    """Applies 'newest result per field' and the comparison with the open plan."""

    def __init__(self, proto: Protocol, rows: list[ImportRow], current: PlanInputs | None) -> None:
        self.proto = proto
        self.rows = rows
        self.current = current
        self.labs: dict[str, dict[str, Any]] = {}
        self.followups: list[dict[str, Any]] = []

    def mark(
        self, cand: _Candidate, outcome: Outcome, code: str, reason: str, field_: str = ""
    ) -> None:
        i = cand.row - 1
        self.rows[i] = _replace(
            self.rows[i],
            outcome=outcome,
            reason_code=code,
            reason=reason,
            field=field_ or self.rows[i].field,
        )

    def _obs(self, cand: _Candidate) -> str:
        return self.rows[cand.row - 1].observation_id

    def conflict(self, group: list[_Candidate]) -> bool:
        return any(not _same(c.canonical, group[0].canonical) for c in group[1:])

    def baseline(self, analyte: Analyte, cands: list[_Candidate]) -> None:
        field_ = f"labs.{analyte.value}"
        groups = _group_by_time(cands)
        if not groups:
            return
        newest, older = groups[0], [c for g in groups[1:] for c in g]
        if self.conflict(newest):
            values = ", ".join(f"{_qty(c)} ({self._obs(c)})" for c in newest)
            for cand in newest:
                self.mark(
                    cand,
                    "refused",
                    "conflict",
                    f"different results at the same time {cand.sampled_at.isoformat()}: "
                    f"{values}; check the laboratory report and enter the right one by hand",
                )
            for cand in older:
                self.mark(
                    cand,
                    "not-used",
                    "superseded",
                    "older than the conflicting results at "
                    f"{newest[0].sampled_at.isoformat()} (an older value does not stand "
                    "in for a newer one)",
                )
            return
        chosen = newest[0]
        for cand in newest[1:]:
            self.mark(cand, "not-used", "duplicate", f"same result and time as {self._obs(chosen)}")
        for cand in older:
            self.mark(
                cand,
                "not-used",
                "superseded",
                f"older than {self._obs(chosen)} ({chosen.sampled_at.isoformat()})",
            )
        entry = self.current.labs.get(analyte) if self.current else None
        if entry is not None:
            plan_canon = _canonical(self.proto, analyte, entry.value, entry.unit)
            plan_text = f"{_value_str(entry.value)} {entry.unit or ''}".strip()
            if entry.sampled_at > chosen.sampled_at:
                self.mark(
                    chosen,
                    "not-used",
                    "plan-newer",
                    f"the plan already holds a newer result ({plan_text} at "
                    f"{entry.sampled_at.isoformat()})",
                    field_,
                )
                return
            if entry.sampled_at == chosen.sampled_at:
                if plan_canon is not None and _same(plan_canon, chosen.canonical):
                    self.mark(
                        chosen,
                        "not-used",
                        "already-in-plan",
                        "the plan already holds this result",
                        field_,
                    )
                else:
                    self.mark(
                        chosen,
                        "refused",
                        "conflict-with-plan",
                        f"the plan holds {plan_text} for the same time; the plan's value "
                        "is kept: check the laboratory report",
                        field_,
                    )
                return
            note = f"replaces {plan_text} from {entry.sampled_at.isoformat()}"
        else:
            note = ""
        extra = self.rows[chosen.row - 1].reason
        self.mark(chosen, "used", "", "; ".join(x for x in (note, extra) if x), field_)
        self.labs[analyte.value] = {
            "value": chosen.value,
            "unit": chosen.unit,
            "sampled_at": chosen.sampled_at,
            "source": f"FHIR Observation {self.rows[chosen.row - 1].observation_id}",
        }

    def after_first_dose(self, analyte: Analyte, cands: list[_Candidate], first: datetime) -> None:
        if analyte not in FOLLOWUP_ANALYTES:
            for cand in cands:
                self.mark(
                    cand,
                    "not-used",
                    "after-first-dose",
                    f"taken after the first B12 dose ({first.isoformat()}), so it is not "
                    "a baseline result",
                )
            return
        existing = [
            f
            for f in (self.current.followups if self.current else ())
            if f.analyte == analyte.value
        ]
        for group in _group_by_time(cands):
            if self.conflict(group):
                values = ", ".join(f"{_qty(c)} ({self._obs(c)})" for c in group)
                for cand in group:
                    self.mark(
                        cand,
                        "refused",
                        "conflict",
                        f"different results at the same time: {values}; enter the right "
                        "one by hand",
                    )
                continue
            chosen = group[0]
            for cand in group[1:]:
                self.mark(
                    cand, "not-used", "duplicate", f"same result and time as {self._obs(chosen)}"
                )
            same_time = [f for f in existing if f.sampled_at == chosen.sampled_at]
            if same_time:
                plan_canon = _canonical(self.proto, analyte, same_time[0].value, same_time[0].unit)
                if plan_canon is not None and _same(plan_canon, chosen.canonical):
                    self.mark(
                        chosen,
                        "not-used",
                        "already-in-plan",
                        "the plan already holds this follow-up result",
                        "followups",
                    )
                else:
                    self.mark(
                        chosen,
                        "refused",
                        "conflict-with-plan",
                        f"the plan holds {_value_str(same_time[0].value)} {same_time[0].unit} "
                        "for the same time; the plan's value is kept",
                        "followups",
                    )
                continue
            extra = self.rows[chosen.row - 1].reason
            self.mark(
                chosen,
                "used",
                "",
                "; ".join(x for x in ("a result after the first B12 dose", extra) if x),
                "followups",
            )
            self.followups.append(
                {
                    "analyte": analyte.value,
                    "value": chosen.value,
                    "unit": chosen.unit,
                    "sampled_at": chosen.sampled_at,
                    "source": f"FHIR Observation {self.rows[chosen.row - 1].observation_id}",
                }
            )


def _warn_refused_newer(rows: list[ImportRow]) -> None:
    """Flag a used result when results of the same test at the same or a later time were refused."""
    for i, row in enumerate(rows):
        if row.outcome != "used" or row.sampled_at is None:
            continue
        same = [r for r in rows if r.outcome == "refused" and r.analyte == row.analyte]
        newer = [r for r in same if r.sampled_at is not None and r.sampled_at >= row.sampled_at]
        untimed = [r for r in same if r.sampled_at is None]
        parts = []
        if newer:
            shown = ", ".join(
                f"#{r.index} {r.value_text} at {r.time_text} ({r.reason_code})" for r in newer[:3]
            )
            more = f" and {len(newer) - 3} more" if len(newer) > 3 else ""
            parts.append(
                f"{len(newer)} result(s) of this test at the same or a later time were refused: "
                f"{shown}{more}"
            )
        if untimed:
            parts.append(
                f"{len(untimed)} result(s) of this test without a usable time were refused"
            )
        if parts:
            rows[i] = _replace(row, warning="; ".join(parts))


# ----- patient fields --------------------------------------------------------------------------


def _patient_fields(
    current: PlanInputs | None, ident: _FileIdentity | None, patient: dict[str, Any]
) -> tuple[list[PatientRow], list[str]]:
    rows: list[PatientRow] = []
    notes: list[str] = []
    if ident is None or not ident.from_patient:
        return rows, notes
    plan = current.patient if current else None

    def offer(name: str, value: str, source: str, same: bool, note: str = "") -> None:
        existing = getattr(plan, name) if plan else None
        if existing in (None, ""):
            rows.append(PatientRow(name, value, source, "set", note))
            patient[name] = value
        elif same:
            rows.append(PatientRow(name, value, source, "same", note))
        else:
            rows.append(
                PatientRow(
                    name,
                    value,
                    source,
                    "kept",
                    f"the plan's value '{existing}' is kept" + (f"; {note}" if note else ""),
                )
            )

    if ident.identifiers:
        ranked = sorted(
            enumerate(ident.identifiers),
            key=lambda it: (
                0 if "MR" in it[1][2] or "medical record" in it[1][2].lower() else 1,
                it[0],
            ),
        )
        i, (value, system, type_) = ranked[0]
        plan_id = plan.identifier if plan else ""
        same = bool(plan_id) and _norm_id(plan_id) in {_norm_id(v) for v, _, _ in ident.identifiers}
        source = (
            f"Patient.identifier[{i}]"
            + (f" ({type_})" if type_ else "")
            + (f" {system}" if system else "")
        )
        offer("identifier", value, source, same)
    if ident.names:
        same = bool(plan and plan.name) and any(names_match(plan.name, n) for n in ident.names)
        offer("name", ident.names[0], "Patient.name", same)
    if ident.birth_date:
        try:
            dob = date.fromisoformat(ident.birth_date)
        except ValueError:
            rows.append(
                PatientRow(
                    "date_of_birth",
                    ident.birth_date,
                    "Patient.birthDate",
                    "not used",
                    "not a full date (YYYY-MM-DD)",
                )
            )
        else:
            same = bool(plan and plan.date_of_birth == dob)
            offer("date_of_birth", dob.isoformat(), "Patient.birthDate", same)
    if ident.gender:
        sex = {"female": "female", "male": "male"}.get(ident.gender, "unknown")
        note = "" if sex != "unknown" else f"FHIR gender '{ident.gender}' is recorded as unknown"
        existing = plan.sex if plan else None
        if existing is not None and existing != sex:
            notes.append(
                f"Sex differs: the plan says {existing}, the file says {ident.gender}; "
                "the plan's value is kept. Check it: it sets the haemoglobin bands."
            )
        offer("sex", sex, "Patient.gender", existing == sex, note)
    return rows, notes


# ----- the entry point -------------------------------------------------------------------------


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
            index[_ref_key(url) or url] = res
        if isinstance(res.get("resourceType"), str) and isinstance(res.get("id"), str):
            index.setdefault(f"{res['resourceType']}/{res['id']}", res)

    patients = [(url, res) for url, res in entries if res.get("resourceType") == "Patient"]
    observations = [(url, res) for url, res in entries if res.get("resourceType") == "Observation"]
    if len(patients) > 1:
        raise FhirImportError(
            f"Refused: the file holds {len(patients)} Patient resources; import one patient's "
            "results at a time."
        )
    ident: _FileIdentity | None = None
    if patients:
        ident = _patient_identity(*patients[0])
    else:
        subjects = {_subject_key(o.get("subject")) for _, o in observations} - {None}
        if len(subjects) > 1:
            raise FhirImportError(
                "Refused: the results are for more than one patient ("
                + ", ".join(sorted(str(s) for s in subjects))
                + "); import one patient's results at a time."
            )
        with_subject = [o["subject"] for _, o in observations if _subject_key(o.get("subject"))]
        if with_subject:
            ident = _subject_identity(with_subject[0])
    check = _check_patient(current, ident, confirm_unidentified)

    panel_times: dict[str, tuple[str, str]] = {}
    for url, res in observations:
        eff = res.get("effectiveDateTime")
        for member in res.get("hasMember") or []:
            key = _ref_key(member.get("reference")) if isinstance(member, dict) else None
            if key and isinstance(eff, str):
                panel_label = res.get("id") or url or "panel"
                panel_times[key] = (str(panel_label), eff)
                panel_times[key.split("/")[-1]] = (str(panel_label), eff)

    reader = _Reader(proto, lmap, index, panel_times, ident if patients else None, now)
    rows: list[ImportRow] = []
    cands: list[_Candidate] = []
    for number, (url, obs) in enumerate(observations, start=1):
        row, cand = reader.read(number, url, obs)
        rows.append(row)
        if cand is not None:
            cands.append(cand)

    chooser = _Chooser(proto, rows, current)
    first = current.regimen.first_dose_at if current else None
    for analyte in Analyte:
        mine = [c for c in cands if c.analyte is analyte]
        before = [c for c in mine if first is None or c.sampled_at <= first]
        after = [c for c in mine if first is not None and c.sampled_at > first]
        chooser.baseline(analyte, before)
        if after and first is not None:
            chooser.after_first_dose(analyte, after, first)

    _warn_refused_newer(rows)

    base = current.model_dump() if current is not None else PlanInputs().model_dump()
    patient_data = dict(base["patient"])
    patient_rows, notes = _patient_fields(current, ident, patient_data)
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


def render_import_report(result: ImportResult) -> str:
    """Return the import report as plain text (the CLI prints it; the GUI may show it)."""
    lines = [f"Read from: {result.source_kind}, {len(result.rows)} Observation(s)."]
    lines.append(
        {
            "new": "Patient: no patient in the open plan; details taken from the file "
            "where present.",
            "confirmed": "Patient: the file's patient matches the plan's.",
            "confirmed-by-user": "Patient: not identified by the file; confirmed by the user.",
        }[result.patient_check]
    )
    for p in result.patient_rows:
        lines.append(
            f"  {p.field}: {p.value} ({p.source}) - {p.action}" + (f"; {p.note}" if p.note else "")
        )
    for title, outcome in (("USED", "used"), ("NOT USED", "not-used"), ("REFUSED", "refused")):
        group = [r for r in result.rows if r.outcome == outcome]
        lines.append(f"{title} ({len(group)})")
        for r in group:
            lines.append(
                f"  #{r.index} {r.observation_id} | {r.code} {r.display} | {r.value_text} | "
                f"{r.time_text} | {r.status}"
            )
            lines.append(f"      -> {r.outcome_text}")
    lines.extend(f"Note: {n}" for n in result.notes)
    filled = sorted({r.field for r in result.used})
    lines.append("Filled: " + (", ".join(filled) if filled else "nothing"))
    return "\n".join(lines) + "\n"


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
