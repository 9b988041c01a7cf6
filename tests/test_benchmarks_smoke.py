"""The speed benchmark still runs: benchmarks/run.py at its smallest size prints every row.

No timing is asserted here (the figures depend on the machine and its load); this only proves
that the script, its child processes and the start-up probe still work.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The start of every row the table must print.
ROWS = (
    "Cold start to painted window, demo plan",
    "Order-sheet libraries loaded at start",
    "Engine evaluate(), ",
    "Engine evaluate(), 99th percentile",
    "Keystroke to updated plan view",
    "Order sheet render per page (",
    "Order sheet render + lint (export)",
    "Batch, ",
    "Batch speed-up, 2 jobs over 1",
    "CLI b12k --help",
    "CLI b12k plan (demo plan, text)",
    "CLI b12k pdf (demo plan, --no-record)",
    "FHIR import, 100 Observations",
    "FHIR import, 1,000 Observations",
    "Register list, ",
    "Register search, ",
    "Register show, ",
    "Register record, ",
    "Register verify, ",
    "Peak RSS, window with demo plan",
    "Install size of",
    "QtWebEngine installed",
)


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run benchmarks/NAME with ARGS; fail the test with its output if it does not exit 0."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def test_the_benchmark_prints_every_row_at_its_smallest_size() -> None:
    proc = run_script("run.py", "--tiny")
    lines = proc.stdout.splitlines()
    for row in ROWS:
        matching = [line for line in lines if line.startswith(row)]
        assert matching, f"no row {row!r} in:\n{proc.stdout}"
        assert all(re.search(r"\b(PASS|MISS|info)$", line) for line in matching), matching
    assert len([line for line in lines if line.startswith("Batch, ")]) == 2
    assert any("cores, load average" in line for line in lines)


def test_the_phase_script_prints_every_phase_of_a_real_start() -> None:
    proc = run_script("phases.py", "1")
    for phase in (
        "import the Qt-free core",
        "protocol load and validation",
        "MainWindow(): the form's editors and the plan view",
        "load the demo: evaluate and fill the plan view",
        "show, first paint",
        "whole process, Popen to first paint",
    ):
        (line,) = [x for x in proc.stdout.splitlines() if phase in x]
        assert re.search(r"\d+\.\d ms", line), line
