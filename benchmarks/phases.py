"""Where a cold start's time goes: each phase of `python -m desktop_app`, timed in process.

Usage (from the repository root)::

    .venv/bin/python benchmarks/phases.py [RUNS]     # default 10 fresh processes

Each run is a fresh interpreter (offscreen, temporary config and data folders, bytecode
compiled once into a private cache, as benchmarks/run.py does) that imports what the
application imports in the same order, then calls the real `desktop_app.app.main` with the
start-up probe armed; the phases inside `main` are timed by wrapping the functions it calls.
The table gives the median of each phase over the runs, and the whole process from `Popen` to
the first paint. Like run.py, this prints figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t = {"start": time.perf_counter()}
marks = []
def mark(name):
    marks.append((name, time.perf_counter()))
import desktop_app.demo, desktop_app.logic.engine, desktop_app.storage.settings  # as app.main does
mark("import the Qt-free core (pydantic, models, engine, demo, settings)")
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
mark("import PySide6 QtCore/QtGui/QtWidgets (the bare window pays this too)")
import desktop_app.app as app_module
from desktop_app.storage import protocols
from desktop_app.widgets import main_window
from benchmarks import startup_probe
mark("import the widget modules")
load_protocol = protocols.load_protocol
def timed_load(*a, **k):
    mark("QApplication, logging, preferences")
    out = load_protocol(*a, **k)
    mark("protocol load and validation")
    return out
protocols.load_protocol = timed_load
init = main_window.MainWindow.__init__
def timed_init(self, *a, **k):
    mark("autosave store, window state")
    init(self, *a, **k)
    mark("MainWindow(): the form's editors and the plan view")
main_window.MainWindow.__init__ = timed_init
load_demo = main_window.MainWindow.load_demo
def timed_demo(self):
    out = load_demo(self)
    mark("load the demo: evaluate and fill the plan view")
    return out
main_window.MainWindow.load_demo = timed_demo
report = print
def probe_print(*a, **k):
    if a and str(a[0]).startswith(startup_probe.MARK):
        mark("show, first paint")
        out = []
        last = t["start"]
        for name, at in marks:
            out.append([name, (at - last) * 1000])
            last = at
        report("phases " + json.dumps(out), flush=True)
    report(*a, **k)
import builtins
builtins.print = probe_print
sys.exit(app_module.main([]))
"""


def main(argv: list[str] | None = None) -> int:
    """Run the child `runs` times and print the median of each phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs", nargs="?", type=int, default=10, help="fresh processes to time (default 10)"
    )
    runs = max(1, parser.parse_args(argv).runs)
    phases: dict[str, list[float]] = {}
    order: list[str] = []
    whole: list[float] = []
    with tempfile.TemporaryDirectory(prefix="b12k-phases-") as tmp:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
            PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]),
            QT_QPA_PLATFORM="offscreen",
            B12K_CONFIG_DIR=str(Path(tmp) / "config"),
            B12K_DATA_DIR=str(Path(tmp) / "data"),
            B12K_WINDOW_HOOK="benchmarks.startup_probe:arm",
        )
        for run in range(runs + 1):  # the first run compiles the bytecode: not counted
            started = time.time()
            proc = subprocess.run(
                [sys.executable, "-c", CHILD],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            lines = proc.stdout.splitlines()
            phase_line = next((x for x in lines if x.startswith("phases ")), None)
            paint = next((x for x in lines if x.startswith("first-paint ")), None)
            if proc.returncode != 0 or phase_line is None or paint is None:
                print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
                return 1
            if run == 0:
                continue
            whole.append((float(paint.split()[1]) - started) * 1000)
            for name, ms in json.loads(phase_line[len("phases ") :]):
                if name not in phases:
                    order.append(name)
                phases.setdefault(name, []).append(ms)
    width = max(len(n) for n in order)
    print(
        f"Cold start phases, median of {runs} fresh processes "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    for name in order:
        print(f"  {name:<{width}}  {statistics.median(phases[name]):6.1f} ms")
    inside = sum(statistics.median(v) for v in phases.values())
    print(f"  {'sum of the phases above':<{width}}  {inside:6.1f} ms")
    print(
        f"  {'whole process, Popen to first paint':<{width}}  {statistics.median(whole):6.1f} ms"
        " (the difference: interpreter start and site)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
