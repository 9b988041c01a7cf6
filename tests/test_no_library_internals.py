"""No module of the project reads or writes a private name of the libraries it stands on (issue 18).

Private modules (`pydantic._internal`, `pypdf.generic._utils`), stand-ins put into
`sys.modules`, private attributes read off a library's objects, and attributes of our own
written onto objects we do not own all break silently or loudly on an upgrade. The scan is
static (the AST of every Python file we ship or run), so it also covers code no test reaches.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("pydantic", "pydantic_core", "reportlab", "pypdf", "PySide6", "shiboken6")
SCANNED = ("desktop_app", "tests", "benchmarks", "tools", "packaging")
#: Names that start with "_" but are public by their owner's documentation.
DOCUMENTED = {
    "_exit",  # os._exit: documented for a child that must end now
    "_MEIPASS",  # sys._MEIPASS: PyInstaller's documented run-time folder
    "_replace",  # namedtuple._replace: public API of named tuples
    "_asdict",
    "_fields",
    "_make",
    "_value_",  # enum member value: documented for Enum subclasses
    "_missing_",
    "_generate_next_value_",
    "_ignore_",
}
_PRIVATE_PATH = re.compile(r"\b(?:" + "|".join(LIBRARIES) + r")(?:\.\w+)*\._[A-Za-z]\w*")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DOCUMENTED


def _owner(node: ast.expr) -> str | None:
    """The plain name an attribute is taken from (`x` in `x._y`), or None."""
    return node.id if isinstance(node, ast.Name) else None


def problems_in(source: str, filename: str = "<string>") -> list[str]:
    """Return each place in `source` that touches a library's internals or writes onto a stranger."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    library_names: set[str] = set()

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in LIBRARIES:
                    library_names.add((alias.asname or alias.name).split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        report(node, f"imports the private module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in LIBRARIES:
                if any(_private(part) for part in node.module.split(".")):
                    report(node, f"imports from the private module {node.module}")
                for alias in node.names:
                    library_names.add(alias.asname or alias.name)
                    if _private(alias.name):
                        report(node, f"imports the private name {node.module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = _owner(node.value)
            if isinstance(node.ctx, ast.Store | ast.Del) and owner not in ("self", "cls"):
                report(node, f"writes {ast.unparse(node)} onto an object it does not own")
            elif owner in library_names:
                report(node, f"reads the library's private {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
                target, name = node.args[0], node.args[1]
                if (
                    isinstance(name, ast.Constant)
                    and isinstance(name.value, str)
                    and _private(name.value)
                    and _owner(target) not in ("self", "cls")
                ):
                    report(node, f"{node.func.id}(…, {name.value!r}) on an object it does not own")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if ast.unparse(node.value) == "sys.modules":
                report(node, "puts a stand-in module into sys.modules")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _PRIVATE_PATH.search(node.value)
            if match:
                report(node, f"names the private library path {match.group(0)}")
    return found


def _files() -> list[Path]:
    me = Path(__file__).resolve()
    return sorted(
        p
        for top in SCANNED
        if (ROOT / top).is_dir()
        for p in (ROOT / top).rglob("*.py")
        if p.resolve() != me and ".venv" not in p.parts
    )


def test_no_file_of_the_project_touches_a_librarys_internals() -> None:
    files = _files()
    assert len(files) > 100  # the scan sees the tree, not an empty folder
    found = [
        problem
        for path in files
        for problem in problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("snippet", "words"),
    [
        ("from pydantic._internal import _model_construction", "private module"),
        ("import pypdf.generic._utils as u", "private module"),
        ("from reportlab.pdfbase.pdfdoc import _fp_str", "private name"),
        ("import sys\nsys.modules['pydantic.plugin._loader'] = object()", "sys.modules"),
        ("from pypdf import PdfReader\nPdfReader._get_page = None", "does not own"),
        ("from PySide6 import QtCore\nQtCore._thing", "private QtCore._thing"),
        ("def f(widget):\n    widget._b12k_message = 'x'", "does not own"),
        ("def f(widget):\n    return getattr(widget, '_b12k_needed', None)", "getattr"),
        ("X = 'reportlab.pdfbase._fontdata'", "private library path"),
    ],
)
def test_the_scan_finds_each_kind_of_reach_inside(snippet: str, words: str) -> None:
    found = problems_in(snippet)
    assert any(words in problem for problem in found), found


@pytest.mark.parametrize(
    "snippet",
    [
        "class A:\n    def __init__(self):\n        self._message = ''",
        "import os\nos._exit(0)",
        "from pypdf import PdfReader\nPdfReader.pages",
        "from pydantic import BaseModel\nBaseModel.__init__",
    ],
)
def test_the_scan_lets_our_own_private_state_and_documented_names_be(snippet: str) -> None:
    assert problems_in(snippet) == []
