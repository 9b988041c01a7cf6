"""The hazard log cannot rot: cited tests, rule ids, requirements, SOUP and anomalies are checked.

docs/safety/hazard-log.md cites pytest node ids as the evidence for each control. These tests
collect the cited test files with pytest itself and fail when a cited id does not exist, when a
requirement id is neither traced to a test nor ruled out of scope with a reason, when a hazard's
risk rating does not follow the matrix, when the SOUP versions differ from requirements.lock, or
when the known anomalies and the strict-xfail tests disagree.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.logic.helpers import ROOT, UK, US, proto
from tests.safety.invariants import KNOWN_DEFECTS

DOC = ROOT / "docs" / "safety" / "hazard-log.md"
SHARED_REQUIREMENTS = ROOT.parent / "shared" / "safety-requirements.md"

#: Every requirement id of the project's safety requirements (safety-requirements.md).
REQUIREMENT_IDS = (
    *(f"FMT-{i:02d}" for i in range(1, 10)),
    *(f"VER-{i:02d}" for i in range(1, 6)),
    *(f"CLN-{i:02d}" for i in range(1, 8)),
    *(f"PRC-{i:02d}" for i in range(1, 4)),
)
SEVERITIES = ("Minor", "Significant", "Considerable", "Major", "Catastrophic")
LIKELIHOODS = ("Very low", "Low", "Medium", "High", "Very high")
#: The DCB0129 risk matrix: MATRIX[likelihood][severity].
MATRIX = {
    "Very high": (3, 4, 4, 5, 5),
    "High": (2, 3, 3, 4, 5),
    "Medium": (2, 2, 3, 3, 4),
    "Low": (1, 2, 2, 3, 4),
    "Very low": (1, 1, 2, 2, 3),
}
#: The hazards issue 6 asks for, by words their titles must contain.
REQUIRED_HAZARDS = (
    "Missed hypokalaemia",
    "Potassium overdose",
    "IV potassium too fast or too concentrated",
    "Magnesium",
    "Wrong patient on the sheet",
    "Stale labs used as current",
    "Unit slip at entry",
    "Protocol file edited or corrupted",
    "unapproved protocol used clinically",
    "Plan file corrupted or lost",
    "Sheet misread",
    "Folate given alone",
    "crashing mid-entry",
)
TEST_ID = re.compile(r"`(tests/[\w/]+\.py::[^`\s]+)`")
RISK = re.compile(r"severity (\w+), likelihood ([\w ]+?), risk (\d)")


@cache
def text() -> str:
    """The hazard log."""
    return DOC.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the level-2 section with this title."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text(), re.M | re.S)
    assert match, f"hazard log has no section '{title}'"
    return match.group(1)


def hazards() -> dict[str, str]:
    """Each hazard block by its heading ('H-01 Missed hypokalaemia: ...')."""
    log = section("Hazard log")
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^### (H-\d\d [^\n]+)\n(.*?)(?=^### |\Z)", log, re.M | re.S)
    }


def table_rows(body: str) -> list[list[str]]:
    """The data rows of the first markdown table in `body`, as cells."""
    rows = [line for line in body.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


@cache
def collected() -> frozenset[str]:
    """Node ids of every test in the files the log cites, collected by pytest itself."""
    files = sorted({tid.split("::", 1)[0] for tid in TEST_ID.findall(text())})
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, f"the hazard log cites test files that do not exist: {missing}"
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, (
        f"collecting the cited tests failed:\n{out.stdout[-3000:]}{out.stderr[-2000:]}"
    )
    return frozenset(line.strip() for line in out.stdout.splitlines() if "::" in line)


def exists(test_id: str) -> bool:
    """True when the id names a collected test (a function id covers all its parameters)."""
    nodes = collected()
    return test_id in nodes or (
        "[" not in test_id and any(n.startswith(test_id + "[") for n in nodes)
    )


def test_every_cited_test_exists() -> None:
    cited = sorted(set(TEST_ID.findall(text())))
    assert len(cited) > 100
    missing = [tid for tid in cited if not exists(tid)]
    assert missing == [], "the hazard log cites tests that do not exist:\n" + "\n".join(missing)


def test_every_hazard_is_complete_and_its_ratings_follow_the_matrix() -> None:
    found = hazards()
    assert len(found) >= len(REQUIRED_HAZARDS)
    for title, body in found.items():
        for field in (
            "Cause",
            "Effect on the patient",
            "Before controls",
            "Controls",
            "Verified by",
            "After controls",
            "Residual risk and open anomalies",
        ):
            assert f"- **{field}:**" in body, f"{title}: no '{field}'"
        ratings = []
        for when in ("Before controls", "After controls"):
            line = re.search(rf"- \*\*{when}:\*\* (.*)", body)
            assert line, f"{title}: {when}"
            m = RISK.fullmatch(line.group(1).rstrip("."))
            assert m, f"{title}: '{line.group(1)}' is not 'severity S, likelihood L, risk N'"
            severity, likelihood, rating = m.group(1), m.group(2), int(m.group(3))
            assert severity in SEVERITIES and likelihood in LIKELIHOODS, f"{title}: {line.group(1)}"
            assert rating == MATRIX[likelihood][SEVERITIES.index(severity)], (
                f"{title}: {when} rating"
            )
            ratings.append(rating)
        before, after = ratings
        assert after <= before, f"{title}: controls made the risk worse"
        assert after <= 3, f"{title}: residual risk {after} is unacceptable"
        controls = re.search(r"- \*\*Controls:\*\*(.*?)- \*\*Verified by", body, re.S)
        assert controls and re.search(
            r"^\s+- (Protocol|Engine|GUI|Sheet|Storage)", controls.group(1), re.M
        ), f"{title}: no control named by where it acts"
        verified = re.search(r"- \*\*Verified by:\*\*(.*)", body)
        assert verified and TEST_ID.search(verified.group(1)), (
            f"{title}: no test verifies its controls"
        )
        if after == 3:
            residual = re.search(r"- \*\*Residual risk and open anomalies:\*\*(.*)", body)
            assert residual and ("ALARP" in residual.group(1) or "DEFECT-" in residual.group(1)), (
                f"{title}: a residual risk of 3 must be recorded as ALARP or name its open anomaly"
            )


def test_the_hazards_the_issue_asks_for_are_logged() -> None:
    titles = " | ".join(hazards())
    missing = [words for words in REQUIRED_HAZARDS if words.lower() not in titles.lower()]
    assert missing == []


def test_every_requirement_is_traced_or_ruled_out_of_scope() -> None:
    rows = {cells[0]: cells[1] for cells in table_rows(section("Requirements traceability"))}
    assert sorted(rows) == sorted(REQUIREMENT_IDS)
    for rid, cell in rows.items():
        tests = TEST_ID.findall(cell)
        out_of_scope = re.search(r"[Oo]ut of scope[^:]*: (.{20,})", cell)
        assert tests or out_of_scope, f"{rid}: neither tested nor ruled out of scope with a reason"


@pytest.mark.shared
def test_requirement_ids_match_the_shared_requirements_file() -> None:
    """Optional: the ids hard-coded here are all those of ../shared/safety-requirements.md."""
    if not SHARED_REQUIREMENTS.is_file():
        pytest.skip("../shared is not present")
    ids = set(
        re.findall(
            r"^\| ((?:FMT|VER|CLN|PRC)-\d\d) \|",
            SHARED_REQUIREMENTS.read_text(encoding="utf-8"),
            re.M,
        )
    )
    assert ids == set(REQUIREMENT_IDS)


def _locked() -> dict[str, tuple[str, str]]:
    """requirements.lock as {normalised name: (name, version)} with the section of each."""
    out: dict[str, tuple[str, str]] = {}
    section_name = ""
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section_name = line.lstrip("# ").split(" ")[0].lower()
            continue
        if "==" in line:
            name, version = line.split("==", 1)
            out[re.sub(r"[-_.]+", "-", name.lower())] = (version.strip(), section_name)
    return out


def test_soup_list_matches_the_locked_versions() -> None:
    rows = {
        re.sub(r"[-_.]+", "-", cells[0].lower()): cells[1]
        for cells in table_rows(section("Third-party components (SOUP)"))
    }
    locked = _locked()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    runtime = re.search(r"^dependencies = \[(.*?)\]", pyproject, re.M | re.S)
    assert runtime is not None
    runtime_names = {
        re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ]", d)[0].lower())
        for d in re.findall(r'"([^"]+)"', runtime.group(1))
    }
    needed = {
        name for name, (_, sect) in locked.items() if sect in ("runtime", "fhir")
    } | runtime_names
    for name in sorted(needed):
        assert name in rows, f"SOUP list lacks {name}"
        assert rows[name] == locked[name][0], (
            f"SOUP {name}: {rows[name]} but requirements.lock pins {locked[name][0]}"
        )


def test_intended_use_is_the_protocols() -> None:
    quoted = re.search(r"^> (.+)$", section("Intended use"), re.M)
    assert quoted is not None
    for path in (UK, US):
        assert quoted.group(1) == proto(path).protocol.intended_use


def _xfail_tests() -> dict[str, str]:
    """Strict-xfail tests of test_known_defects.py: {test name: defect id from its reason}."""
    tree = ast.parse((Path(__file__).parent / "test_known_defects.py").read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
            continue
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("mark.xfail"):
                kw = {k.arg: k.value for k in deco.keywords}
                assert "strict" in kw and ast.literal_eval(kw["strict"]) is True, (
                    f"{node.name} is not strict"
                )
                reason = ast.literal_eval(kw["reason"])
                m = re.match(r"(DEFECT-\d+) ", reason)
                assert m, f"{node.name}: the reason must start with its DEFECT id"
                out[node.name] = m.group(1)
    return out


def test_known_anomalies_are_pinned_by_strict_xfail_tests() -> None:
    rows = table_rows(section("Known anomalies at this release"))
    listed = {}
    for cells in rows:
        ids = TEST_ID.findall(cells[2])
        assert len(ids) == 1 and ids[0].startswith("tests/safety/test_known_defects.py::"), cells
        listed[ids[0].split("::", 1)[1]] = cells[0]
    assert listed == _xfail_tests()
    for tag, test_id in KNOWN_DEFECTS.items():
        assert test_id.split("::", 1)[1] in listed, (
            f"campaign known-defect class {tag} is not a listed anomaly"
        )


def test_rule_ids_named_as_controls_exist_in_the_protocols() -> None:
    ids: set[str] = set()
    for path in (UK, US):
        p = proto(path).protocol
        ids |= set(p.all_rules())
        ids |= {
            pr.id
            for sec in (p.potassium, p.magnesium, p.phosphate)
            for pr in (*sec.products, *sec.iv_products)
        }
    cited = set()
    for body in hazards().values():
        controls = re.search(r"- \*\*Controls:\*\*(.*?)- \*\*Verified by", body, re.S)
        assert controls is not None
        cited |= set(re.findall(r"`([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)`", controls.group(1)))
    assert len(cited) > 40
    assert sorted(cited - ids) == []
