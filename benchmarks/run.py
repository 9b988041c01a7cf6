"""The speed budget (issue 7): one command that measures B12-K Planner against its limits.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py            # full size (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # far fewer runs and files (about 2 minutes)
    .venv/bin/python benchmarks/run.py --tiny     # smallest size: proves it works (tests use it)

Every figure is printed as median, min and max over repeated runs, beside its limit measured in
the same run where the limit is a program (interleaved with it, so both see the same load), and
marked PASS or MISS against the targets of issue 18 (the budget restated: cold start against the
stack's floor, sheet render per page, export against render, keystroke p99, batch against the
machine's own 2-process gain). See docs/benchmarks.md for what each row
measures. Timing is never asserted in a test: this is a script that prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The clock every in-process plan is made at (the demo's first dose is two hours later).
NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")
#: What a child prints when its window has painted (benchmarks/startup_probe.py).
PAINT_MARK = "first-paint"


@dataclass(frozen=True)
class Size:
    """How many runs, keystrokes and files each row uses."""

    start_runs: int
    engine_rounds: int
    keystrokes: int
    keystroke_runs: int
    sheet_runs: int
    batch_files: int
    batch_runs: int


SIZES = {
    "full": Size(
        start_runs=20,
        engine_rounds=60,
        keystrokes=300,
        keystroke_runs=3,
        sheet_runs=20,
        batch_files=1000,
        batch_runs=2,
    ),
    "quick": Size(
        start_runs=6,
        engine_rounds=15,
        keystrokes=100,
        keystroke_runs=1,
        sheet_runs=6,
        batch_files=60,
        batch_runs=1,
    ),
    "tiny": Size(
        start_runs=1,
        engine_rounds=1,
        keystrokes=6,
        keystroke_runs=1,
        sheet_runs=1,
        batch_files=4,
        batch_runs=1,
    ),
}


@dataclass
class Row:
    """One line of the table."""

    name: str
    unit: str
    values: list[float]
    limit: list[float] | None = None
    figure: str = ""
    target: str = ""
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)


def _stats(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _fmt(value: float, unit: str) -> str:
    if unit in ("MB", "files", "modules"):
        return f"{value:.0f}"
    if unit in ("sheets/s", "x"):
        return f"{value:.2f}" if unit == "x" else f"{value:.1f}"
    return f"{value:.3f}" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


# ----- child processes ---------------------------------------------------------------------------


class Children:
    """Runs child processes with the same clean environment (offscreen, temporary folders)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        env = dict(os.environ)
        # Start like an installed program: bytecode compiled once (into a private cache, so
        # that nothing is written into the source tree), not recompiled on every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        # Measure this tree's code, whatever the environment's editable install points at.
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["B12K_CONFIG_DIR"] = str(work / "config")
        env["B12K_DATA_DIR"] = str(work / "data")
        for name in (
            "COVERAGE_PROCESS_START",
            "COVERAGE_PROCESS_CONFIG",
            "PYTHONPROFILEIMPORTTIME",
        ):
            env.pop(name, None)
        self.env = env

    def run(
        self, argv: Sequence[str], extra_env: dict[str, str] | None = None, timeout: float = 3600
    ) -> tuple[float, str]:
        """Run argv to its end; return (wall seconds, stdout). A failure raises."""
        env = dict(self.env, **(extra_env or {}))
        started = time.time()
        proc = subprocess.run(
            argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        wall = time.time() - started
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, argv))} exited {proc.returncode}:\n"
                f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
            )
        return wall, proc.stdout

    def run_until_paint(
        self, argv: Sequence[str], extra_env: dict[str, str] | None = None
    ) -> tuple[float, float, str]:
        """Start a window process; return (seconds to first paint, peak RSS MB, probe line)."""
        env = dict(self.env, **(extra_env or {}))
        started = time.time()
        proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        painted = [line for line in out.splitlines() if line.startswith(PAINT_MARK)]
        if proc.returncode != 0 or not painted:
            raise RuntimeError(f"{argv} did not report its first paint (exit {proc.returncode})")
        return float(painted[0].split()[1]) - started, usage.ru_maxrss / 1024, painted[0]


# ----- rows --------------------------------------------------------------------------------------


def bench_start(children: Children, size: Size) -> list[Row]:
    """Cold start to a painted window (demo plan computed) vs the stack's floor and a bare window.

    The floor (issue 18) is the bare 15-field window that also imports pydantic and validates a
    protocol-sized model (benchmarks/bare_window.py --floor); the bare window is printed beside it.
    """
    app_argv = [sys.executable, "-m", "desktop_app"]
    bare_argv = [sys.executable, str(HERE / "bare_window.py")]
    floor_argv = [*bare_argv, "--floor"]
    probe = {"B12K_WINDOW_HOOK": "benchmarks.startup_probe:arm"}
    # Warm-up: compile bytecode into the private cache, fill the OS file cache.
    children.run_until_paint(bare_argv)
    children.run_until_paint(floor_argv)
    children.run_until_paint(app_argv, probe)
    app_t: list[float] = []
    bare_t: list[float] = []
    floor_t: list[float] = []
    app_rss: list[float] = []
    bare_rss: list[float] = []
    lazy = ""
    for _ in range(size.start_runs):
        t, rss, _line = children.run_until_paint(bare_argv)
        bare_t.append(t * 1000)
        bare_rss.append(rss)
        t, _rss, _line = children.run_until_paint(floor_argv)
        floor_t.append(t * 1000)
        t, rss, line = children.run_until_paint(app_argv, probe)
        app_t.append(t * 1000)
        app_rss.append(rss)
        lazy = " ".join(line.split()[2:])
    ratio = statistics.median(app_t) / statistics.median(floor_t)
    bare_ratio = statistics.median(app_t) / statistics.median(bare_t)
    start = Row(
        "Cold start to painted window, demo plan",
        "ms",
        app_t,
        floor_t,
        f"{ratio:.2f}x floor",
        "<= 1.3x floor",
        ratio <= 1.3,
        [
            f"{bare_ratio:.2f}x the bare window ({statistics.median(bare_t):.0f} ms)",
            "limit: the stack's floor, a bare 15-field window that also imports pydantic and "
            "validates a protocol-sized model (benchmarks/bare_window.py --floor)",
        ],
    )
    rss_ratio = statistics.median(app_rss) / statistics.median(bare_rss)
    memory = Row(
        "Peak RSS, window with demo plan",
        "MB",
        app_rss,
        bare_rss,
        f"{rss_ratio:.2f}x bare",
        "(report)",
        None,
    )
    loaded = [item.split("=")[0] for item in lazy.split() if item.endswith("=1")]
    libraries = Row(
        "Order-sheet libraries loaded at start",
        "modules",
        [float(len(loaded))],
        None,
        ", ".join(loaded) or "none (lazy)",
        "none",
        not loaded,
    )
    return [start, memory, libraries]


def _golden_cases() -> list[tuple[Any, Any, datetime]]:
    from tests.logic.helpers import FIRST, US, inputs, proto
    from tests.logic.helpers import NOW as GOLDEN_NOW
    from tests.logic.test_golden import UK_CASES, US_CASES

    prepared = []
    for case, lp in [(c, proto()) for c in UK_CASES] + [(c, proto(US)) for c in US_CASES]:
        now = (
            GOLDEN_NOW if case.now_offset_h is None else FIRST + timedelta(hours=case.now_offset_h)
        )
        prepared.append((lp, inputs(**case.over), now))
    return prepared


def bench_engine(size: Size) -> list[Row]:
    """evaluate() over every golden case, in this process."""
    from desktop_app.logic.engine import evaluate

    cases = _golden_cases()
    for lp, inputs, now in cases:
        evaluate(lp, inputs, now=now)
    times: list[float] = []
    for _ in range(size.engine_rounds):
        for lp, inputs, now in cases:
            started = time.perf_counter()
            evaluate(lp, inputs, now=now)
            times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    p99 = percentile(times, 99)
    return [
        Row(
            f"Engine evaluate(), {len(cases)} golden cases",
            "ms",
            times,
            None,
            f"median {median:.3f}",
            "<= 1 ms",
            median <= 1.0,
        ),
        Row(
            "Engine evaluate(), 99th percentile",
            "ms",
            times,
            None,
            f"p99 {p99:.3f}",
            "<= 5 ms",
            p99 <= 5.0,
            [f"{len(times)} calls"],
        ),
    ]


def bench_keystroke(children: Children, size: Size) -> list[Row]:
    """Keystroke to updated plan view in the real window (benchmarks/keystroke.py)."""
    times: list[float] = []
    no_paint = 0
    for _ in range(size.keystroke_runs):
        _wall, out = children.run(
            [sys.executable, str(HERE / "keystroke.py"), str(size.keystrokes)],
            {"B12K_WINDOW_HOOK": "__main__:arm"},
        )
        data = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
        times += data["keystroke_ms"]
        no_paint += data["no_paint"]
    p99 = percentile(times, 99)
    notes = [f"{len(times)} keystrokes"] + ([f"{no_paint} without a repaint"] if no_paint else [])
    return [
        Row(
            "Keystroke to updated plan view",
            "ms",
            times,
            None,
            f"p99 {p99:.1f}",
            "p99 <= 16 ms",
            p99 <= 16.0,
            notes,
        )
    ]


class LimitPage:
    """The minimal reportlab page, rendered on demand by a child of stock reportlab.

    The child (benchmarks/limit_page.py) imports nothing of B12-K Planner: the limit is what
    plain reportlab does on this machine. Each call renders one page and returns its ms.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "limit_page.py")],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("benchmarks/limit_page.py stopped without an answer")
        return float(line)

    def close(self) -> None:
        """End the child."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _demo_plan() -> Any:
    from desktop_app.demo import demo_inputs
    from desktop_app.logic.engine import evaluate
    from desktop_app.storage.protocols import load_protocol

    return evaluate(load_protocol(), demo_inputs(), now=NOW)


def _time(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_sheet(size: Size) -> list[Row]:
    """One order sheet (the demo plan) in process, vs the minimal page in a child, interleaved."""
    from desktop_app.report import SheetOptions, checked_order_sheet, render_order_sheet

    plan = _demo_plan()
    options = SheetOptions(paper="a4")
    first = _time(lambda: render_order_sheet(plan, options))
    pdf = render_order_sheet(plan, options)
    pages = pdf.count(b"/Type /Page\n")
    limit = LimitPage()
    sheet_t: list[float] = []
    limit_t: list[float] = []
    checked_t: list[float] = []
    try:
        for _ in range(size.sheet_runs):
            limit_t.append(limit())
            sheet_t.append(_time(lambda: render_order_sheet(plan, options)))
            limit_t.append(limit())
            checked_t.append(_time(lambda: checked_order_sheet(plan, options)))
    finally:
        limit.close()
    per_page = statistics.median(sheet_t) / pages
    ratio = per_page / statistics.median(limit_t)
    export_ratio = statistics.median(checked_t) / statistics.median(sheet_t)
    return [
        Row(
            f"Order sheet render per page ({pages} pages)",
            "ms",
            [t / pages for t in sheet_t],
            limit_t,
            f"{ratio:.2f}x page",
            "<= 2.5x page",
            ratio <= 2.5,
            [
                f"whole sheet {statistics.median(sheet_t):.0f} ms for {pages} pages",
                f"first in process {first:.0f} ms",
                "limit: the minimal page rendered by stock reportlab in its own process "
                "(benchmarks/limit_page.py)",
            ],
        ),
        Row(
            "Order sheet render + lint (export)",
            "ms",
            checked_t,
            sheet_t,
            f"{export_ratio:.2f}x render",
            "<= 2x render",
            export_ratio <= 2,
            ["limit: the same sheet rendered alone, in the same run"],
        ),
    ]


def make_plan_files(folder: Path, count: int) -> None:
    """Write `count` variations of the demo patient (potassium, weight, ids, regimen)."""
    demo = json.loads((ROOT / "resources" / "examples" / "demo-patient.json").read_text("utf-8"))
    presets = ["bnf-no-neuro", "bnf-neuro", "smpc-no-neuro", "oral-high-dose"]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        data = json.loads(json.dumps(demo))
        data["plan_id"] = f"BENCH-{i:05d}"
        data["patient"]["identifier"] = f"RX{i:07d}"
        data["patient"]["name"] = f"Bench Patient {i}"
        data["patient"]["weight_kg"] = 45 + i % 50
        data["labs"]["potassium"]["value"] = round(2.4 + (i % 30) * 0.1, 1)
        data["regimen"]["preset_id"] = presets[i % len(presets)]
        (folder / f"plan-{i:05d}.json").write_text(json.dumps(data), encoding="utf-8")


#: A pure-Python CPU-bound loop: what two processes can gain over one on this machine right now.
_BURN = "x = 0\nfor i in range({n}):\n    x += i * i\n"


def cpu_ceiling(children: Children, loops: int) -> float:
    """Speed-up of 2 processes over 1 on the same CPU-bound work, measured now.

    Other programs on a shared machine take cores too: this is the most any 2-job run could
    gain at this moment, the limit the batch speed-up is measured beside.
    """

    def wall(n: int, procs: int) -> float:
        started = time.perf_counter()
        running = [
            subprocess.Popen([sys.executable, "-S", "-c", _BURN.format(n=n)], env=children.env)
            for _ in range(procs)
        ]
        for proc in running:
            proc.wait()
        return time.perf_counter() - started

    return wall(2 * loops, 1) / wall(loops, 2)


def bench_batch(children: Children, size: Size) -> list[Row]:
    """`b12k batch` over generated plan files with 1 and 2 jobs (whole command, wall time)."""
    b12k = Path(sys.executable).with_name("b12k")
    base = [str(b12k)] if b12k.exists() else [sys.executable, "-m", "desktop_app.cli"]
    source = children.work / "plans"
    make_plan_files(source, size.batch_files)
    rates: dict[int, list[float]] = {1: [], 2: []}
    walls: dict[int, list[float]] = {1: [], 2: []}
    ceilings: list[float] = []
    loops = 3_000_000 if size.batch_files >= 100 else 300_000
    for run in range(size.batch_runs):
        ceilings.append(cpu_ceiling(children, loops))
        for jobs in (1, 2):
            out = children.work / f"sheets-{jobs}-{run}"
            wall, stdout = children.run(
                [
                    *base,
                    "batch",
                    str(source),
                    "-o",
                    str(out),
                    "--jobs",
                    str(jobs),
                    "--now",
                    NOW.isoformat(),
                ]
            )
            written = len(list(out.glob("*.pdf")))
            if written != size.batch_files:
                raise RuntimeError(
                    f"batch wrote {written} of {size.batch_files}:\n{stdout[-1500:]}"
                )
            walls[jobs].append(wall)
            rates[jobs].append(size.batch_files / wall)
        ceilings.append(cpu_ceiling(children, loops))
    speedups = [one / two for one, two in zip(walls[1], walls[2], strict=True)]
    speedup = statistics.median(walls[1]) / statistics.median(walls[2])
    return [
        Row(
            f"Batch, {size.batch_files} files, 1 job",
            "sheets/s",
            rates[1],
            None,
            f"{statistics.median(walls[1]):.1f} s",
            "(report)",
            None,
        ),
        Row(
            f"Batch, {size.batch_files} files, 2 jobs",
            "sheets/s",
            rates[2],
            None,
            f"{statistics.median(walls[2]):.1f} s",
            "(report)",
            None,
        ),
        Row(
            "Batch speed-up, 2 jobs over 1",
            "x",
            speedups,
            ceilings,
            f"{speedup:.2f}x ({speedup / statistics.median(ceilings):.0%} of the machine's)",
            ">= 90% of the machine's gain",
            speedup >= 0.9 * statistics.median(ceilings),
            [
                "limit: the machine's own 2-process speed-up on a CPU-bound loop, measured before "
                "and after each pair of batch runs (other programs share the cores)"
            ],
        ),
    ]


def _tree_size(path: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def bench_install() -> list[Row]:
    """Size of the environment, and no QtWebEngine in it."""
    prefix = Path(sys.prefix)
    size_mb = _tree_size(prefix) / 1e6
    web = sorted({p.name for p in prefix.rglob("*WebEngine*")})
    import PySide6

    qt_mb = _tree_size(Path(PySide6.__file__).parent) / 1e6
    return [
        Row(
            f"Install size of {prefix.name}",
            "MB",
            [size_mb],
            None,
            f"PySide6 {qt_mb:.0f} MB",
            "(report)",
            None,
        ),
        Row(
            "QtWebEngine installed",
            "files",
            [float(len(web))],
            None,
            ", ".join(web[:3]) or "none",
            "none",
            not web,
        ),
    ]


# ----- the table ---------------------------------------------------------------------------------


def print_table(rows: Sequence[Row], out: Any = sys.stdout) -> None:
    """Print the rows as a fixed-width table."""
    head = (
        "Measure",
        "Unit",
        "Median",
        "Min",
        "Max",
        "Limit med (min-max)",
        "Figure",
        "Target",
        "Result",
    )
    lines = [head]
    for r in rows:
        med, lo, hi = _stats(r.values)
        limit = "-"
        if r.limit:
            lmed, llo, lhi = _stats(r.limit)
            limit = f"{_fmt(lmed, r.unit)} ({_fmt(llo, r.unit)}-{_fmt(lhi, r.unit)})"
        result = "PASS" if r.passed else "MISS" if r.passed is False else "info"
        lines.append(
            (
                r.name,
                r.unit,
                _fmt(med, r.unit),
                _fmt(lo, r.unit),
                _fmt(hi, r.unit),
                limit,
                r.figure,
                r.target,
                result,
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    for n, line in enumerate(lines):
        out.write(
            "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        )
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
    notes = [f"  {r.name}: {'; '.join(r.notes)}" for r in rows if r.notes]
    if notes:
        out.write("Notes:\n" + "\n".join(notes) + "\n")


def machine_line() -> str:
    """Cores, load and versions, printed above the table."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    from importlib.metadata import PackageNotFoundError, version

    try:  # the distribution rl_accel (its module is named _rl_accel)
        accel = f"with rl_accel {version('rl_accel')}"
    except PackageNotFoundError:
        accel = "without rl_accel"
    return (
        f"{platform.node()}: {cores} cores, load average {load}; Python "
        f"{platform.python_version()}; reportlab {accel}"
    )


def bench_commands(children: Children, label: str, which: str) -> list[Row]:
    """The command-line rows of benchmarks/commands.py: "cli" (each command against its floor)
    or "fhir" (the FHIR import at 100, 10,000 and 100,000 Observations)."""
    import commands  # benchmarks/commands.py, beside this script

    make = commands.cli_rows if which == "cli" else commands.fhir_rows
    return [Row(**row) for row in make(children.env, children.work, label)]


#: Register sizes of the register row (issue 20): records built through the program's own path.
REGISTER_SIZES = {"tiny": "200", "quick": "1000,10000", "full": "1000,10000,100000"}


def bench_register(label: str) -> list[Row]:
    """The register at scale (benchmarks/register_scale.py, SQLite): list, show, search, record
    and verify at each size; "flat" means the largest size within 3x the smallest."""
    proc = subprocess.run(
        [sys.executable, str(HERE / "register_scale.py"), "--sizes", REGISTER_SIZES[label]],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    table = [line.split() for line in proc.stdout.splitlines() if line[:8].strip().isdigit()]
    if proc.returncode != 0 or not table:
        return [
            Row(
                "Register at scale",
                "ms",
                [0.0],
                None,
                "did not run",
                "",
                False,
                [proc.stdout[-300:] + proc.stderr[-300:]],
            )
        ]
    columns = {"list": 2, "search": 4, "show": 5, "record": 6}
    rows: list[Row] = []
    for what, col in columns.items():
        values = [float(r[col]) for r in table]
        ratio = values[-1] / max(values[0], 0.01)
        flat = len(values) == 1 or ratio <= 3
        rows.append(
            Row(
                f"Register {what}, {int(table[-1][0]):,} records",
                "ms",
                [values[-1]],
                [values[0]],
                f"{ratio:.2f}x at {int(table[0][0]):,}",
                "flat (<= 3x)",
                flat,
                [", ".join(f"{int(r[0]):,}: {r[col]} ms" for r in table)],
            )
        )
    rows.append(
        Row(
            f"Register verify, {int(table[-1][0]):,} records",
            "records/s",
            [float(table[-1][8].replace(",", ""))],
            None,
            f"{table[-1][7]} s full; 100 new from the checkpoint {table[-1][9]}",
            "(report)",
            None,
        )
    )
    return rows


ROWS = ("start", "engine", "keystroke", "sheet", "batch", "cli", "fhir", "register", "install")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="far fewer runs and files")
    sizes.add_argument("--tiny", action="store_true", help="smallest size (smoke test)")
    parser.add_argument("--only", nargs="+", choices=ROWS, help="run only these rows")
    parser.add_argument("--batch-files", type=int, help="plan files for the batch row")
    args = parser.parse_args(argv)
    size = SIZES["tiny" if args.tiny else "quick" if args.quick else "full"]
    if args.batch_files:
        size = Size(**{**size.__dict__, "batch_files": args.batch_files})
    only = set(args.only or ROWS)
    label = "tiny" if args.tiny else "quick" if args.quick else "full"
    print(f"B12-K Planner speed budget ({label} size), {datetime.now():%Y-%m-%d %H:%M}")
    print(machine_line(), flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="b12k-bench-") as tmp:
        children = Children(Path(tmp))
        steps: list[tuple[str, Callable[[], list[Row]]]] = [
            ("start", lambda: bench_start(children, size)),
            ("engine", lambda: bench_engine(size)),
            ("keystroke", lambda: bench_keystroke(children, size)),
            ("sheet", lambda: bench_sheet(size)),
            ("batch", lambda: bench_batch(children, size)),
            ("cli", lambda: bench_commands(children, label, "cli")),
            ("fhir", lambda: bench_commands(children, label, "fhir")),
            ("register", lambda: bench_register(label)),
            ("install", bench_install),
        ]
        for name, step in steps:
            if name not in only:
                continue
            started = time.perf_counter()
            rows += step()
            print(f"  [{name} measured in {time.perf_counter() - started:.0f} s]", flush=True)
    # Memory beside the install size at the end, as in issue 7.
    rows = [r for r in rows if not r.name.startswith("Peak RSS")] + [
        r for r in rows if r.name.startswith("Peak RSS")
    ]
    install = [r for r in rows if r.name.startswith(("Install size", "QtWebEngine"))]
    rows = [r for r in rows if r not in install] + install
    print(f"Load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
