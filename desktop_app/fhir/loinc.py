"""The LOINC and UCUM table (resources/loinc/loinc-map.json): which codes fill which field."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from desktop_app.fhir.errors import FhirMapError
from desktop_app.logic.protocol import Analyte, parse_json_strict, validation_problems
from desktop_app.resources import LOINC_MAP, resource_path

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"

#: Draw tests of the protocol's monitoring schedule (DrawTemplate.tests plus the electrolytes).
DrawTest = Literal["potassium", "magnesium", "phosphate", "fbc", "reticulocytes", "platelets"]


def loinc_check_digit(number: str) -> int:
    """Return the LOINC mod-10 check digit of the part before the hyphen.

    The algorithm is the one the LOINC users' guide describes: double the number formed by the
    digits in odd positions counted from the right, append the even-position digits, add all the
    digits, and take the distance to the next multiple of ten.
    """
    if not number.isdigit():
        raise ValueError(f"'{number}' is not a LOINC number")
    digits = number[::-1]
    odd = digits[0::2][::-1]
    even = digits[1::2][::-1]
    total = sum(int(c) for c in even + str(int(odd) * 2))
    return (10 - total % 10) % 10


def loinc_code_ok(code: str) -> bool:
    """Return True when `code` has the form NNNN-C and its check digit is right."""
    number, sep, check = code.partition("-")
    if not sep or not number.isdigit() or len(check) != 1 or not check.isdigit():
        return False
    return loinc_check_digit(number) == int(check)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoincEntry(_Frozen):
    """One LOINC code the importer knows, with the field it fills (or why it never does)."""

    code: str
    analyte: Analyte
    use: bool = Field(description="False: shown in the report but never used.")
    long_name: str
    units: tuple[str, ...] = Field(min_length=1, description="UCUM codes expected for this code.")
    basis_grade: Literal["A", "B", "C", "D"] | None
    evidence: tuple[str, ...]
    refuse_code: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _refusal_has_reason(self) -> LoincEntry:
        if not loinc_code_ok(self.code):
            raise ValueError(f"{self.code} fails the LOINC check digit")
        if not self.use and not (self.refuse_code and self.note):
            raise ValueError(f"{self.code}: an entry that is not used needs refuse_code and note")
        return self


class OrderCode(_Frozen):
    """The LOINC code written into a ServiceRequest for one draw test."""

    code: str
    display: str

    @model_validator(mode="after")
    def _check(self) -> OrderCode:
        if not loinc_code_ok(self.code):
            raise ValueError(f"{self.code} fails the LOINC check digit")
        return self


class Verification(_Frozen):
    """How the codes were checked, stated honestly."""

    loinc_org: str
    check_digit: str
    sources: dict[str, str]


class LoincMap(_Frozen):
    """The whole table."""

    schema_version: str
    title: str
    verification: Verification
    codes: tuple[LoincEntry, ...]
    order_codes: dict[DrawTest, OrderCode]
    order_code_notes: str = ""
    ucum_units: dict[str, str] = Field(description="UCUM code -> the protocol's unit spelling.")
    ucum_units_note: str = ""
    unit_spellings: dict[str, str] = Field(description="Other spelling -> UCUM code.")
    unit_spellings_note: str = ""

    @model_validator(mode="after")
    def _cross_checks(self) -> LoincMap:
        problems = []
        seen: set[str] = set()
        for entry in self.codes:
            if entry.code in seen:
                problems.append(f"code {entry.code} is listed twice")
            seen.add(entry.code)
            problems.extend(
                f"{entry.code}: unit '{u}' is not in ucum_units"
                for u in entry.units
                if u not in self.ucum_units
            )
            problems.extend(
                f"{entry.code}: evidence '{e}' is not in verification.sources"
                for e in entry.evidence
                if e not in self.verification.sources
            )
        problems.extend(
            f"unit_spellings: '{k}' maps to '{v}', which is not in ucum_units"
            for k, v in self.unit_spellings.items()
            if v not in self.ucum_units
        )
        missing = {
            "potassium",
            "magnesium",
            "phosphate",
            "fbc",
            "reticulocytes",
            "platelets",
        } - set(self.order_codes)
        if missing:
            problems.append(f"order_codes: no code for {', '.join(sorted(missing))}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def entry(self, code: str) -> LoincEntry | None:
        """Return the entry for a LOINC code, or None."""
        for item in self.codes:
            if item.code == code:
                return item
        return None

    def ucum_code(self, text: str) -> str | None:
        """Return the UCUM code a unit string stands for, or None when it is not known."""
        if text in self.ucum_units:
            return text
        return self.unit_spellings.get(text)


def load_loinc_map_bytes(data: bytes, name: str = "LOINC map") -> LoincMap:
    """Validate the table; raise FhirMapError naming every problem."""
    try:
        raw = parse_json_strict(data, name)
        return LoincMap.model_validate(raw)
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            lines = [str(p) for p in validation_problems(exc)]
        else:
            lines = [str(exc)]
        raise FhirMapError(f"The {name} cannot be used:\n  - " + "\n  - ".join(lines)) from None


@lru_cache(maxsize=4)
def _load_path(path: Path) -> LoincMap:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FhirMapError(f"Cannot read the LOINC map {path}: {exc.strerror or exc}") from None
    return load_loinc_map_bytes(data, path.name)


def load_loinc_map(path: Path | None = None) -> LoincMap:
    """Return the shipped table (cached), or the one at `path`."""
    return _load_path(Path(path) if path else resource_path(LOINC_MAP))
