"""The LOINC/UCUM table: complete for the fields, honest about verification, check digits right."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from desktop_app.fhir.errors import FhirMapError
from desktop_app.fhir.loinc import (
    LOINC_MAP,
    load_loinc_map,
    load_loinc_map_bytes,
    loinc_check_digit,
    loinc_code_ok,
)
from desktop_app.logic.protocol import Analyte
from desktop_app.resources import US_PROTOCOL, resource_path
from desktop_app.storage.protocols import load_protocol
from tests.fhir.builders import ROOT

LMAP = load_loinc_map()
PROTOCOLS = [load_protocol(), load_protocol(resource_path(US_PROTOCOL))]


def test_the_map_ships_in_resources() -> None:
    assert resource_path(LOINC_MAP) == ROOT / "resources" / "loinc" / "loinc-map.json"


def test_check_digit_algorithm() -> None:
    assert loinc_check_digit("12345") == 5  # the LOINC users' guide's worked example
    assert loinc_code_ok("2823-3") and loinc_code_ok("14685-2")
    assert not loinc_code_ok("14685-3")  # as written in shared/fhir-samples/SOURCES.md
    assert not loinc_code_ok("2823") and not loinc_code_ok("x-1")


@pytest.mark.parametrize("entry", LMAP.codes, ids=lambda e: e.code)
def test_every_code(entry: object) -> None:
    from desktop_app.fhir.loinc import LoincEntry

    assert isinstance(entry, LoincEntry)
    assert loinc_code_ok(entry.code)
    assert entry.evidence, "every code says where it was found"
    if entry.use:
        for lp in PROTOCOLS:
            units = {LMAP.ucum_units[u] for u in entry.units}
            assert units & set(lp.protocol.analytes[entry.analyte].units) or entry.note, entry.code


def test_issue_codes_are_all_read() -> None:
    wanted = {
        "potassium": {"2823-3"},
        "magnesium": {"2601-3", "19123-9"},
        "phosphate": {"14879-1", "2777-1"},
        "haemoglobin": {"718-7"},
        "mcv": {"787-2"},
        "b12": {"2132-9", "14685-2"},
        "folate": {"2284-8", "14732-2"},
        "mma": {"13964-2"},
        "homocysteine": {"13965-9"},
        "creatinine": {"2160-0", "14682-9"},
        "egfr": {"98979-8", "62238-1", "33914-3"},
        "reticulocytes": {"17849-1", "60474-4"},
    }
    for analyte, codes in wanted.items():
        for code in codes:
            entry = LMAP.entry(code)
            assert entry is not None and entry.use and entry.analyte.value == analyte, code
    assert {e.analyte for e in LMAP.codes if e.use} == set(Analyte)


def test_different_specimen_codes_are_not_used() -> None:
    for code in ("6298-4", "38483-4"):
        entry = LMAP.entry(code)
        assert entry is not None and not entry.use and entry.refuse_code == "different-specimen"


def test_verification_is_stated_honestly() -> None:
    assert "Not verified against loinc.org" in LMAP.verification.loinc_org
    raw = json.loads(resource_path(LOINC_MAP).read_text(encoding="utf-8"))
    assert all("verified" not in key for c in raw["codes"] for key in c), "no per-code claim"


def test_every_draw_test_has_an_order_code() -> None:
    for lp in PROTOCOLS:
        tests = {t for d in lp.protocol.monitoring.other_draws for t in d.tests}
        tests |= {"potassium", "magnesium", "phosphate"}
        assert tests <= set(LMAP.order_codes)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda m: m["codes"][0].update(code="2823-4"), "check digit"),
        (lambda m: m["codes"].append(dict(m["codes"][0])), "listed twice"),
        (lambda m: m["codes"][0].update(units=["mmol/m3"]), "not in ucum_units"),
        (lambda m: m["codes"][1].update(note=""), "needs refuse_code and note"),
        (lambda m: m["unit_spellings"].update({"mmol/dl": "mmol/dL"}), "not in ucum_units"),
        (lambda m: m["order_codes"].pop("fbc"), "fbc"),
        (lambda m: m["codes"][0].update(evidence=["rumour"]), "rumour"),
    ],
)
def test_a_damaged_map_is_refused(mutate: object, words: str) -> None:
    raw = json.loads(resource_path(LOINC_MAP).read_text(encoding="utf-8"))
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(FhirMapError, match=words):
        load_loinc_map_bytes(json.dumps(raw).encode())


def test_no_qt_in_the_fhir_package() -> None:
    for path in sorted((ROOT / "desktop_app" / "fhir").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            )
            for name in names:
                assert not name.startswith(("PySide6", "shiboken6", "desktop_app.widgets")), path
                if path.name != "validate.py":
                    assert not name.startswith("fhir."), f"{path.name} imports {name} eagerly"


def test_the_map_file_is_valid_json_without_duplicates() -> None:
    data = Path(resource_path(LOINC_MAP)).read_bytes()
    assert load_loinc_map_bytes(data) == LMAP
