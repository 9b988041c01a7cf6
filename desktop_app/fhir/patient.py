"""Who a FHIR file's results are for, and whether that is the open plan's patient."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from desktop_app.fhir.errors import PatientMismatchError
from desktop_app.fhir.fields import dict_at, norm_id, ref_key, str_at
from desktop_app.fhir.result import PatientRow
from desktop_app.logic.models import PlanInputs


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
    if str_at(name, "text").strip():
        return str_at(name, "text").strip()
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    family = str_at(name, "family")
    return " ".join([*given, family]).strip()


@dataclass
class FileIdentity:
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


def patient_identity(full_url: str | None, res: dict[str, Any]) -> FileIdentity:
    ident = FileIdentity(from_patient=True)
    if full_url:
        ident.aliases.add(ref_key(full_url) or full_url)
    if isinstance(res.get("id"), str):
        ident.aliases.add(f"Patient/{res['id']}")
    for item in res.get("identifier") or []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"].strip():
            type_ = dict_at(item, "type")
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


def subject_identity(subject: dict[str, Any]) -> FileIdentity:
    ident = FileIdentity()
    key = ref_key(subject.get("reference"))
    if key:
        ident.aliases.add(key)
    item = subject.get("identifier")
    if isinstance(item, dict) and isinstance(item.get("value"), str) and item["value"].strip():
        ident.identifiers.append((item["value"].strip(), str(item.get("system") or ""), ""))
    if isinstance(subject.get("display"), str) and subject["display"].strip():
        ident.names.append(subject["display"].strip())
    ident.label = subject.get("display") or key or "the subject"
    return ident


def subject_key(subject: Any) -> str | None:
    if not isinstance(subject, dict):
        return None
    key = ref_key(subject.get("reference"))
    if key:
        return key
    item = subject.get("identifier")
    if isinstance(item, dict) and isinstance(item.get("value"), str):
        return f"identifier:{item.get('system') or ''}|{item['value']}"
    return None


class PatientUnconfirmedError(PatientMismatchError):
    """The file cannot be tied to the plan's patient; the user may confirm and import again."""


def check_patient(
    current: PlanInputs | None, ident: FileIdentity | None, confirm_unidentified: bool
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
        id_match = norm_id(pat.identifier) in {norm_id(v) for v, _, _ in ident.identifiers}
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


def patient_fields(
    current: PlanInputs | None, ident: FileIdentity | None, patient: dict[str, Any]
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
        same = bool(plan_id) and norm_id(plan_id) in {norm_id(v) for v, _, _ in ident.identifiers}
        source = (
            f"Patient.identifier[{i}]"
            + (f" ({type_})" if type_ else "")
            + (f" {system}" if system else "")
        )
        offer("identifier", value, source, same)
    if ident.names:
        same = (
            plan is not None
            and bool(plan.name)
            and any(names_match(plan.name, n) for n in ident.names)
        )
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
