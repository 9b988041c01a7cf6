"""The register under concurrent writers (issue 19): 8 processes x 100 sheets on each backend.

Usage (from the repository root)::

    .venv/bin/python benchmarks/register_load.py                 # 8 x 100, both backends
    .venv/bin/python benchmarks/register_load.py --writers 4 --sheets 20 --backend postgres

Each writer is a separate process (tests/audit/writer_process.py) appending records through the
program's own record path (`open_register(...).append`). For each backend it prints records per
second, then checks 0 lost, 0 duplicated and an intact verify. On PostgreSQL it then starts one
more writer that stops inside its transaction (the chain lock held), kills it, lets two writers
through, and verifies again. The PostgreSQL server is a throwaway cluster
(tests/audit/pg_server.py); without PostgreSQL that backend is skipped with the reason.
Exit status 1 when any check fails. Timing is printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _spawn(target: str, name: str, count: int, ready: Path, writers: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.audit.writer_process",
            target,
            name,
            str(count),
            str(ready),
            str(writers),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_writers(target: str, writers: int, sheets: int, folder: Path, tag: str) -> float:
    ready = folder / f"ready-{tag}"
    ready.mkdir()
    started = time.perf_counter()
    procs = [_spawn(target, f"{tag}{i}", sheets, ready, writers) for i in range(writers)]
    for proc in procs:
        _out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"a writer failed: {err.strip()[-800:]}")
    return time.perf_counter() - started


def _check(target: str, expected: dict[str, int]) -> list[str]:
    """Return the problems found: lost, duplicated, gaps, or a broken chain."""
    from desktop_app.audit.backend import open_register

    reg = open_register(target, create=False)
    records = list(reg.iter_records())
    problems = []
    total = sum(expected.values())
    if [r.id for r in records] != list(range(1, len(records) + 1)):
        problems.append("the ids have gaps or repeats")
    for writer, count in expected.items():
        mine = [int(r.plan_id.rsplit("-", 1)[1]) for r in records if r.os_user == writer]
        lost = set(range(count)) - set(mine)
        dup = len(mine) - len(set(mine))
        if lost or dup:
            problems.append(f"{writer}: {len(lost)} lost, {dup} duplicated")
    if len(records) != total:
        problems.append(f"{len(records)} records, {total} written")
    result = reg.verify()
    if not result.ok:
        problems.append(result.text())
    print(f"    records {len(records)}, lost 0 and duplicated 0: {not problems}; {result.text()}")
    print(f"    {result.speed_text()}")
    return problems


def _kill_mid_transaction(target: str, folder: Path, expected: dict[str, int]) -> list[str]:
    hung = subprocess.Popen(
        [sys.executable, "-m", "tests.audit.writer_process", "hang", target],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = hung.stdout.readline().strip() if hung.stdout else ""
    if line != "in transaction":
        hung.kill()
        hung.communicate()
        return [f"the writer to kill did not reach its transaction ({line!r})"]
    ready = folder / "ready-after-kill"
    ready.mkdir()
    procs = [_spawn(target, f"after{i}", 5, ready, 2) for i in range(2)]
    hung.kill()
    hung.communicate(timeout=60)
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            return [f"a writer after the kill failed: {err.strip()[-400:]}"]
    print("    one writer killed inside its transaction (chain lock held); two more wrote 5 each:")
    return _check(target, {**expected, "after0": 5, "after1": 5})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--sheets", type=int, default=100, help="records per writer")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgres"), default="both")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="b12k-load-"))
    problems: list[str] = []
    total = args.writers * args.sheets
    try:
        if args.backend in ("both", "sqlite"):
            target = str(folder / "audit.sqlite3")
            seconds = _run_writers(target, args.writers, args.sheets, folder, "s")
            print(
                f"sqlite:   {args.writers} processes x {args.sheets} sheets = {total} records "
                f"in {seconds:.1f} s: {total / seconds:,.0f} records/s"
            )
            expected = {f"s{i}": args.sheets for i in range(args.writers)}
            problems += _check(target, expected)
        if args.backend in ("both", "postgres"):
            problems += _postgres(args, folder, total)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def _postgres(args: argparse.Namespace, folder: Path, total: int) -> list[str]:
    from desktop_app.audit.pg import PgRegister
    from tests.audit import pg_server

    try:
        server = pg_server.start()
    except pg_server.Unavailable as exc:
        print(f"postgres: skipped: {exc}")
        return []
    try:
        name = server.new_database()
        PgRegister(server.conninfo("b12k_admin", name))
        target = server.conninfo("b12k_workstation", name)
        seconds = _run_writers(target, args.writers, args.sheets, folder, "p")
        print(
            f"postgres: {args.writers} processes x {args.sheets} sheets = {total} records "
            f"in {seconds:.1f} s: {total / seconds:,.0f} records/s (one server, unix socket)"
        )
        expected = {f"p{i}": args.sheets for i in range(args.writers)}
        return _check(target, expected) + _kill_mid_transaction(target, folder, expected)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
