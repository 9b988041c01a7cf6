"""Layering of the order-sheet package: Qt-free, cheap to import, no clinical numbers."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.report.cases import ROOT

REPORT = ROOT / "desktop_app" / "report"
LOGIC = ROOT / "desktop_app" / "logic"


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_report_is_qt_free() -> None:
    for path in sorted(REPORT.glob("*.py")):
        for name in _imports(path):
            assert not name.startswith(("PySide6", "PyQt", "shiboken6", "desktop_app.widgets")), (
                f"{path.name} imports {name}"
            )


def test_logic_never_imports_the_report() -> None:
    for path in sorted(LOGIC.glob("*.py")):
        for name in _imports(path):
            assert not name.startswith(("desktop_app.report", "reportlab", "pypdf")), (
                f"logic/{path.name} imports {name}"
            )


def test_reportlab_is_imported_only_inside_the_report_package() -> None:
    for path in sorted((ROOT / "desktop_app").rglob("*.py")):
        if REPORT in path.parents:
            continue
        for name in _imports(path):
            assert not name.startswith("reportlab"), f"{path.relative_to(ROOT)} imports {name}"


def test_importing_the_report_package_loads_neither_reportlab_nor_pypdf() -> None:
    code = (
        "import sys\n"
        "import desktop_app.report\n"
        "from desktop_app.report import SheetOptions, export_order_sheet, render_order_sheet\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('reportlab', 'pypdf', 'PySide6')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_no_clinical_number_in_report_code() -> None:
    """Doses, rates and thresholds come from the Plan: no number followed by a clinical unit."""
    unit = re.compile(r"\d\s*(?:mmol|mEq|mg|mcg|micrograms?|mL|g/L|/L|/hour|hours?)\b")
    offenders = []
    for path in sorted(REPORT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and unit.search(node.value)
            ):
                if node.value.startswith(("(?", "\\", 'r"')) or "\\d" in node.value:
                    continue  # a lint pattern, not a printed value
                offenders.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert offenders == []


def test_the_report_never_reads_the_shared_folder() -> None:
    for path in sorted(REPORT.glob("*.py")):
        assert "shared" not in path.read_text(encoding="utf-8").replace("shared with", ""), (
            path.name
        )


def test_the_report_never_imports_the_command_line() -> None:
    """The window imports the report (plan text, sheets): the report may not reach up into cli."""
    for path in sorted(REPORT.glob("*.py")):
        for name in _imports(path):
            assert not name.startswith("desktop_app.cli"), f"{path.name} imports {name}"


def test_plan_text_loads_neither_reportlab_nor_pypdf_nor_qt() -> None:
    code = (
        "import sys\n"
        "from desktop_app.report.plan_text import render_text\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('reportlab', 'pypdf', 'PySide6')]\n"
        "bad += [m for m in sys.modules if m.startswith('desktop_app.cli')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""
