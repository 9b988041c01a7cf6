"""Reading one FHIR Observation: its code, status, subject, value, unit and sample time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from desktop_app.fhir.fields import (
    dict_at,
    is_number,
    norm_id,
    ref_key,
    short_text,
    str_at,
    value_str,
)
from desktop_app.fhir.loinc import LOINC_SYSTEM, UCUM_SYSTEM, LoincEntry, LoincMap
from desktop_app.fhir.patient import FileIdentity, subject_key
from desktop_app.fhir.result import ImportRow
from desktop_app.logic.models import ISO_DATETIME
from desktop_app.logic.protocol import Analyte, Protocol
from desktop_app.logic.units import check_value

#: Observation statuses whose value may be used.
USABLE_STATUSES = ("final", "amended", "corrected")

LOINC_OID = "urn:oid:2.16.840.1.113883.6.1"

_DATE_ONLY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_NO_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?", re.ASCII)


def parse_fhir_datetime(text: Any) -> tuple[datetime | None, str, str]:
    """Parse a FHIR dateTime that must carry a time of day and a zone.

    Returns:
        (moment, "", "") when usable, else (None, reason_code, reason).
    """
    if not isinstance(text, str) or not text.strip():
        return None, "bad-time", f"the time {short_text(text)!r} is not a FHIR dateTime"
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
        if not ISO_DATETIME.fullmatch(text) and not _NO_ZONE.fullmatch(text):
            raise ValueError(text)  # a number, a week date, a basic-format or spaced time
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, "bad-time", f"the time '{short_text(text)}' is not a valid FHIR dateTime"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return (
            None,
            "no-timezone",
            (f"the time '{text}' has no timezone offset, so the clock time is ambiguous"),
        )
    return moment, "", ""


#: A refusal: (reason_code, reason text).
Problem = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Candidate:
    row: int  # index into rows
    analyte: Analyte
    value: float
    unit: str
    canonical: float
    sampled_at: datetime


def _loinc_codes(obs: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    code = dict_at(obs, "code")
    loinc: list[tuple[str, str]] = []
    other: list[tuple[str, str, str]] = []
    for coding in code.get("coding") or []:
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            continue
        display = str_at(coding, "display")
        if coding.get("system") in (LOINC_SYSTEM, LOINC_OID):
            loinc.append((coding["code"].strip(), display))
        else:
            other.append((str(coding.get("system") or "(no system)"), coding["code"], display))
    return loinc, other


def _display(obs: dict[str, Any], loinc: list[tuple[str, str]], entry: LoincEntry | None) -> str:
    code = dict_at(obs, "code")
    if str_at(code, "text").strip():
        return str_at(code, "text").strip()
    for _, disp in loinc:
        if disp:
            return disp
    return entry.long_name if entry else ""


def _value_text(obs: dict[str, Any]) -> str:
    vq = obs.get("valueQuantity")
    if isinstance(vq, dict):
        unit = vq.get("unit") or vq.get("code") or ""
        comp = vq.get("comparator") or ""
        return f"{comp}{value_str(vq.get('value'))} {unit}".strip()
    for key, val in obs.items():
        if key.startswith("value") and key != "valueQuantity":
            return f"{key[5:]}: {short_text(val, 40)}"
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


class ObservationReader:
    """Reads the Observations of one file against the LOINC map and the protocol."""

    def __init__(
        self,
        proto: Protocol,
        lmap: LoincMap,
        index: dict[str, dict[str, Any]],
        panel_times: dict[str, tuple[str, str]],
        patient: FileIdentity | None,
        now: datetime | None,
    ) -> None:
        self.proto = proto
        self.lmap = lmap
        self.index = index
        self.panel_times = panel_times
        self.patient = patient
        self.now = now
        #: One copy of each text that many rows repeat (codes, test names, statuses, reasons).
        self._texts: dict[str, str] = {}

    def _shared(self, text: str) -> str:
        return self._texts.setdefault(text, text)

    def read(
        self, number: int, full_url: str | None, obs: dict[str, Any]
    ) -> tuple[ImportRow, Candidate | None]:
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
        raw_status = obs.get("status")
        status = raw_status if isinstance(raw_status, str) else "(none)"
        shared = self._shared
        base: dict[str, Any] = {
            "index": number,
            "observation_id": label,
            "code": shared(code_text),
            "display": shared(_display(obs, loinc, entry)),
            "value_text": shared(_value_text(obs)),
            "time_text": _time_text(obs),
            "status": shared(status),
        }

        def refuse(code: str, reason: str, **extra: Any) -> tuple[ImportRow, None]:
            row = ImportRow(
                **base, outcome="refused", reason_code=code, reason=shared(reason), **extra
            )
            return row, None

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
        elif self.now is not None and (old := self._too_old(moment)):
            problems.append(("too-old", old))

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
        row = ImportRow(
            **base,
            outcome="used",
            analyte=analyte.value,
            value=value,
            unit=unit,
            sampled_at=moment,
            reason=time_note,
        )
        return row, Candidate(number, analyte, value, unit, canonical, moment)

    def _too_old(self, moment: datetime) -> str:
        """Say why a sample time further back than the protocol's window is refused ('' if not)."""
        back = self.proto.patient.time_back_limit
        assert self.now is not None
        if moment >= self.now - timedelta(days=back.value):
            return ""
        return (
            f"the sample time {moment.isoformat()} is more than {value_str(back.value)} days "
            f"before now (rule {back.id}{', local policy' if back.local_policy else ''}): probably a "
            "wrong year"
        )

    def _subject_problem(self, subject: Any) -> tuple[str, str] | None:
        if not isinstance(subject, dict) or subject_key(subject) is None:
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
        key = subject_key(subject)
        if key in self.patient.aliases:
            return None
        item = subject.get("identifier")
        if (
            isinstance(item, dict)
            and isinstance(item.get("value"), str)
            and norm_id(item["value"]) in {norm_id(v) for v, _, _ in self.patient.identifiers}
        ):
            return None
        return (
            "other-patient",
            f"the subject {key} is not the Patient in this file ({self.patient.label})",
        )

    def _value(
        self, obs: dict[str, Any], entry: LoincEntry, label: str, analyte: Analyte
    ) -> tuple[tuple[float, str, float] | None, Problem | None]:
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
                codes: list[str] = []
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
        if not isinstance(vq, dict) or not is_number(vq.get("value")):
            return None, ("no-value", "valueQuantity has no numeric value")
        value = float(vq["value"])
        if vq.get("comparator"):
            return None, (
                "comparator",
                f"the value is '{vq['comparator']}{value_str(vq['value'])}', "
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
        spec_ref = dict_at(obs, "specimen")
        specimen = self.index.get(ref_key(spec_ref.get("reference")) or "")
        if specimen and specimen.get("resourceType") == "Specimen":
            coll = dict_at(specimen, "collection")
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
