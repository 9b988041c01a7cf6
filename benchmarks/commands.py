"""The command-line rows of the speed budget (issue 20): each `b12k` command against its floor,
and the FHIR import at 100, 10,000 and 100,000 Observations.

benchmarks/run.py calls `cli_rows` and `fhir_rows` with its children's environment (the tree's
code first on PYTHONPATH, bytecode in a private cache, temporary data folders) and turns each
returned dict into a row of its table. Every figure is measured in the same run as its floor.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"
NOW = "2026-11-26T12:00:00+00:00"

#: Runs of each command (and of its floor, interleaved with it), by size.
CLI_RUNS = {"full": 20, "quick": 6, "tiny": 1}
#: Observations in each FHIR Bundle, by size, and the timed runs of each.
FHIR_SIZES = {
    "full": (100, 10_000, 100_000),
    "quick": (100, 10_000, 100_000),
    "tiny": (100, 1_000),
}
FHIR_RUNS = {"full": 3, "quick": 1, "tiny": 1}
#: Below this many Observations the memory of the import is too small to compare with the file
#: (the allocator's own arenas dominate): the row reports it without a target.
FHIR_MEMORY_FROM = 10_000
#: Bundles up to this size are also measured under tracemalloc (slow) at quick size.
TRACE_UP_TO = {"full": 100_000, "quick": 10_000, "tiny": 1_000}


def b12k_argv() -> list[str]:
    """How a user starts b12k: the installed console script, run by this interpreter."""
    script = Path(sys.executable).with_name("b12k")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "desktop_app.cli"]


def run_child(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float, str, str]:
    """Run argv to its end; return (wall ms, peak RSS MB, stdout, stderr). A failure raises."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter() - started) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, argv))} exited {proc.returncode}:\n"
            f"{stdout[-1500:]}{stderr[-1500:]}"
        )
    return wall, usage.ru_maxrss / 1024, stdout, stderr


def import_times(argv: Sequence[str], env: dict[str, str]) -> dict[str, int]:
    """Run argv once under `python -X importtime`; return each module's own import time (us)."""
    assert argv[0] == sys.executable
    _wall, _rss, _out, err = run_child([sys.executable, "-X", "importtime", *argv[1:]], env)
    times: dict[str, int] = {}
    for line in err.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|", 2)
        times[name.strip()] = int(self_us)
    return times


def where_the_rest_goes(command: dict[str, int], floor: dict[str, int], extra_ms: float) -> str:
    """Say how much of the command's extra time is imports the floor does not make, and which."""
    extra = {name: us for name, us in command.items() if name not in floor}
    by_package: dict[str, int] = defaultdict(int)
    for name, us in extra.items():
        by_package[name.split(".")[0]] += us
    total_ms = sum(extra.values()) / 1000
    packages = ", ".join(
        f"{name} {us / 1000:.0f} ms"
        for name, us in sorted(by_package.items(), key=lambda item: -item[1])[:5]
    )
    modules = ", ".join(
        f"{name} {us / 1000:.1f}"
        for name, us in sorted(extra.items(), key=lambda item: -item[1])[:4]
    )
    work = extra_ms - total_ms
    return (
        f"the rest ({extra_ms:.0f} ms over the floor): {len(extra)} modules the floor does not "
        f"import take {total_ms:.0f} ms under -X importtime (by package: {packages or 'none'}; "
        f"largest: {modules or 'none'}), the command's own work about {max(0.0, work):.0f} ms"
    )


def cli_rows(env: dict[str, str], work: Path, label: str) -> list[dict[str, Any]]:
    """`b12k --help`, `b12k plan` and `b12k pdf` (demo plan) against their floors."""
    b12k = b12k_argv()
    floor = [sys.executable, str(HERE / "cli_floor.py")]
    sheet = work / "cli-sheet.pdf"
    cases = (
        ("help", "b12k --help", [*b12k, "--help"], 2.0),
        ("plan", "b12k plan (demo plan, text)", [*b12k, "plan", str(DEMO), "--now", NOW], 1.3),
        (
            "pdf",
            "b12k pdf (demo plan, --no-record)",
            [*b12k, "pdf", str(DEMO), "-o", str(sheet), "--no-record", "--now", NOW],
            1.3,
        ),
    )
    floors = {
        "help": "interpreter + argparse",
        "plan": "help floor + pydantic + protocol JSON validated",
        "pdf": "plan floor + reportlab's minimal page + pypdf imported",
    }
    times: dict[str, list[float]] = defaultdict(list)
    limits: dict[str, list[float]] = defaultdict(list)
    rss: dict[str, list[float]] = defaultdict(list)
    for kind, _name, argv, _target in cases:  # warm-up: bytecode cache, OS file cache
        run_child([*floor, kind], env)
        run_child(argv, env)
    for _ in range(CLI_RUNS[label]):
        for kind, _name, argv, _target in cases:
            wall, _rss, _out, _err = run_child([*floor, kind], env)
            limits[kind].append(wall)
            wall, peak, _out, _err = run_child(argv, env)
            times[kind].append(wall)
            rss[kind].append(peak)
    rows = []
    for kind, name, argv, target in cases:
        med, lim = statistics.median(times[kind]), statistics.median(limits[kind])
        ratio = med / lim
        rest = where_the_rest_goes(
            import_times(argv, env), import_times([*floor, kind], env), med - lim
        )
        rows.append(
            {
                "name": f"CLI {name}",
                "unit": "ms",
                "values": times[kind],
                "limit": limits[kind],
                "figure": f"{ratio:.2f}x floor",
                "target": f"<= {target:g}x",
                "passed": ratio <= target,
                "notes": [
                    f"floor: {floors[kind]}",
                    f"peak RSS {statistics.median(rss[kind]):.0f} MB",
                    rest,
                ],
            }
        )
    return rows


def fhir_rows(env: dict[str, str], work: Path, label: str) -> list[dict[str, Any]]:
    """`b12k import-fhir` on Bundles of one Patient and N Observations: time and memory."""
    script = [sys.executable, str(HERE / "fhir_import.py")]
    rows = []
    for count in FHIR_SIZES[label]:
        bundle = work / f"bundle-{count}.json"
        _wall, _rss, out, _err = run_child([*script, "make", str(count), str(bundle)], env)
        size_mb = int(out.strip()) / 1e6
        results = []
        for _ in range(FHIR_RUNS[label]):
            _wall, _rss, out, _err = run_child([*script, "measure", str(bundle)], env)
            results.append(json.loads(out.strip().splitlines()[-1]))
        notes = [f"report {results[0]['report_lines']:,} lines"]
        if count <= TRACE_UP_TO[label]:
            _wall, _rss, out, _err = run_child([*script, "measure", str(bundle), "--trace"], env)
            traced = json.loads(out.strip().splitlines()[-1])["traced_peak_mb"]
            notes.append(f"tracemalloc peak {traced:.1f} MB = {traced / size_mb:.2f}x the file")
        added = statistics.median(r["rss_added_mb"] for r in results)
        ratio = added / size_mb
        checked = count >= FHIR_MEMORY_FROM
        rows.append(
            {
                "name": f"FHIR import, {count:,} Observations ({size_mb:.1f} MB)",
                "unit": "s",
                "values": [r["seconds"] for r in results],
                "limit": None,
                "figure": f"+{added:.0f} MB RSS = {ratio:.2f}x the file",
                "target": "memory <= 3x" if checked else "(report)",
                "passed": ratio <= 3.0 if checked else None,
                "notes": notes,
            }
        )
    return rows
