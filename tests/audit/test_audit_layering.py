"""The audit package is Qt-free, and its storage needs neither reportlab nor Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(imports: str) -> set[str]:
    code = (
        f"import sys\n{imports}\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(out.stdout.strip().split(","))


def test_the_register_loads_neither_qt_nor_reportlab() -> None:
    loaded = _loaded_after("import desktop_app.audit")
    assert not loaded & {"PySide6", "shiboken6", "reportlab"}


def test_issuing_and_the_audit_cli_load_no_qt() -> None:
    loaded = _loaded_after("import desktop_app.audit.issue, desktop_app.cli.audit_cmds")
    assert not loaded & {"PySide6", "shiboken6"}
