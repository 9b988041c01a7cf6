"""Architecture rules checked by machine: no Qt in the core, no clinical number in code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.logic.helpers import ROOT

LOGIC = ROOT / "desktop_app" / "logic"

#: Numeric literals the core may contain, each with the reason it is not a clinical number.
ALLOWED_NUMBERS: dict[float, str] = {
    0: "zero / empty totals / first index",
    1: "one (counting, singular forms, day 1, unit factor identity)",
    2: "two decimals for amounts (ISMP display precision), max_decimals default",
    3: "display precision of entered values, three-part version strings",
    4: "display precision of rule values in the sources list",
    10: "decimal-point slip suggestions (x10, /10)",
    1e12: "the technical bound on any number a plan or protocol file may hold (protocol.py)",
    12: "length of the plan-id digest prefix",
    24: "hours per day (day-of-therapy arithmetic)",
    40: "field length limits of ids",
    64: "field length limit of plan ids",
    100: "decimal-point slip suggestions (x100, /100)",
    200: "field length limit of free text",
    3600: "seconds per hour",
    1000.0: "millilitres per litre (concentration arithmetic)",
}


def _py_files() -> list[Path]:
    return sorted(LOGIC.glob("*.py"))


def test_no_qt_import_in_logic() -> None:
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(
                    ("PySide6", "PyQt", "shiboken6", "desktop_app.widgets")
                ), f"{path.name} imports {name}"


def test_engine_runs_without_loading_qt_or_reportlab() -> None:
    code = (
        "import sys\n"
        "from datetime import datetime, timezone\n"
        "from desktop_app.logic.engine import evaluate\n"
        "from desktop_app.storage.protocols import load_protocol\n"
        "from desktop_app.demo import demo_inputs\n"
        "evaluate(load_protocol(), demo_inputs(), now=datetime(2026, 11, 26, 12, tzinfo=timezone.utc))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'reportlab')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_no_clinical_number_in_logic_code() -> None:
    offenders = []
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, int | float)
                and not isinstance(node.value, bool)
                and node.value not in ALLOWED_NUMBERS
            ):
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                for token in ("mmol/L", "mEq/L", "g/L", "mL/hour", "mmol/hour"):
                    idx = text.find(token)
                    if idx > 0 and text[:idx].rstrip()[-1:].isdigit():
                        offenders.append(f"{path.name}:{node.lineno}: number in text {text!r}")
    assert offenders == [], "clinical numbers belong in resources/protocols/: " + "; ".join(
        offenders
    )
