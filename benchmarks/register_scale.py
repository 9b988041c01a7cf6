"""The register at a hospital-year of sheets (issue 20): list, show, search, record and verify at
1k, 10k and 100k records.

Usage (from the repository root)::

    .venv/bin/python benchmarks/register_scale.py                         # 1k and 10k, SQLite
    .venv/bin/python benchmarks/register_scale.py --sizes 1000,10000,100000 --dir /dev/shm
    .venv/bin/python benchmarks/register_scale.py --backend postgres --sizes 1000,10000

The register is grown through the program's own record path (`append` of the register, the
same call `b12k pdf` makes), one record at a time, with the demo plan's real record (its plan
inputs, overrides and protocol) under a new patient, plan id and destination each time. At each
size it times, median of a few runs, in process through `desktop_app.cli.main`:

- `audit list` (the newest 50, the default), `audit list --patient ID`, `audit list --search`
  for a text found in one record only (a scan of every record), `audit show PLAN_ID`;
- recording one more sheet (`append`);
- `audit verify` (every record; records per second), and `audit verify --since-checkpoint`
  after 100 new records (time proportional to the new records).

Building 100k records takes minutes (each record is its own committed transaction and witness
write): run that row once, on an idle machine. `--dir /dev/shm` builds in memory (no fsync:
recording times then exclude the disk). Timing is printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOW = "2026-11-26T12:00:00+00:00"


def _demo_draft() -> tuple[object, bytes]:
    from datetime import datetime

    from desktop_app.audit.issue import build_draft, load_protocol_with_bytes
    from desktop_app.demo import demo_inputs
    from desktop_app.logic.engine import evaluate
    from desktop_app.storage.protocols import default_protocol_path

    protocol, data = load_protocol_with_bytes(default_protocol_path())
    inputs = demo_inputs()
    plan = evaluate(protocol, inputs, now=datetime.fromisoformat(NOW))
    draft = build_draft(
        plan, inputs, protocol, data, pdf_sha256="0" * 64, paper="a4", destination="/x.pdf"
    )
    return draft, data


def _draft(base: object, n: int) -> object:
    return replace(
        base,  # type: ignore[type-var]
        patient_identifier=f"MRN{n:07d}",
        patient_name=f"Patient {n:07d}",
        plan_id=f"plan-{n:07d}",
        destination=f"/sheets/plan-{n:07d}.pdf",
    )


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _cli(*argv: str) -> Callable[[], int]:
    from desktop_app.cli import main

    def run() -> int:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return main(list(argv))

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated record counts")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the SQLite register")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="keep the SQLite register (its folder is printed)"
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    folder = Path(tempfile.mkdtemp(prefix="b12k-scale-", dir=args.dir))
    server = None
    try:
        if args.backend == "postgres":
            from desktop_app.audit.pg import PgRegister
            from tests.audit import pg_server

            server = pg_server.start()
            name = server.new_database()
            PgRegister(server.conninfo("b12k_admin", name))
            target: str = server.conninfo("b12k_workstation", name)
        else:
            target = str(folder / "audit.sqlite3")
        return _measure(target, sizes, args.runs, args.backend, folder)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _measure(target: str, sizes: list[int], runs: int, backend: str, folder: Path) -> int:
    from desktop_app.audit.backend import open_register

    base, data = _demo_draft()
    reg = open_register(target)
    print(f"backend {backend}, register in {folder if backend == 'sqlite' else reg.path}")
    header = (
        f"{'records':>8} {'build s':>8} {'list ms':>8} {'patient':>8} {'search':>8} "
        f"{'show ms':>8} {'record':>8} {'verify s':>9} {'records/s':>10} {'since-100':>10} size MB"
    )
    print(header)
    count = reg.count()
    for size in sizes:
        started = time.perf_counter()
        while count < size:
            reg.append(_draft(base, count), data)  # type: ignore[arg-type]
            count += 1
        build = time.perf_counter() - started
        middle = size // 2
        ms = 1000.0
        t_list = _median(_cli("audit", "list", "--db", target), runs) * ms
        t_patient = (
            _median(_cli("audit", "list", "--patient", f"MRN{middle:07d}", "--db", target), runs)
            * ms
        )
        t_search = (
            _median(_cli("audit", "list", "--search", f"ient {middle:07d}", "--db", target), runs)
            * ms
        )
        t_show = _median(_cli("audit", "show", f"plan-{middle:07d}", "--db", target), runs) * ms

        def one() -> None:
            nonlocal count
            reg.append(_draft(base, count), data)  # type: ignore[arg-type]
            count += 1

        t_record = _median(one, runs) * ms
        full = reg.verify()
        for _ in range(100):
            one()
        since = reg.verify(from_checkpoint=True)
        if not (full.ok and since.ok and since.walked == 100):
            print(f"PROBLEM: verify {full.text()} / {since.text()}")
            return 1
        size_mb = sum(p.stat().st_size for p in folder.glob("audit.sqlite3*")) / 1e6
        print(
            f"{size:>8} {build:>8.1f} {t_list:>8.1f} {t_patient:>8.1f} {t_search:>8.1f} "
            f"{t_show:>8.1f} {t_record:>8.1f} {full.seconds:>9.2f} {full.records_per_second:>10,.0f}"
            f" {since.seconds * ms:>8.1f}ms {size_mb:7.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
