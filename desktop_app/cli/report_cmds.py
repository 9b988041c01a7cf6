"""Order-sheet sub-commands: pdf (one plan file) and batch (a folder of plan files).

Exit status: 0 when every sheet was written; 2 when an input is bad, a sheet failed the
safety lint, or (batch) any file was skipped. No half-written PDF is ever left: sheets are
written to a temporary file in the same folder and renamed into place.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from desktop_app.cli.audit_cmds import add_record_arguments

#: typing.TYPE_CHECKING without importing typing (mypy reads this name the same way), so that
#: building the parser for `b12k --help` stays at the import floor.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from desktop_app.report.batch import BatchResult, Work

_EXIT_NOTE = (
    "Exit status: 0 when every sheet was written (and recorded), 1 when a sheet was written but "
    "not recorded, 2 when anything was refused or skipped."
)


def _cmd_pdf(args: argparse.Namespace) -> int:
    from desktop_app.cli.audit_cmds import (
        cli_sheet_options,
        issue_shared_sheet,
        record_cli_sheet,
        shared_register,
    )
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.logic.engine import evaluate
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.report import export_order_sheet
    from desktop_app.storage.plan_files import read_plan_file
    from desktop_app.storage.protocols import load_protocol

    output = Path(args.output)
    if output.is_dir():
        raise PlanFileError(
            f"{output} is a folder. Give the file name of the sheet, e.g. -o sheet.pdf"
        )
    lp = load_protocol(args.protocol)
    inputs = read_plan_file(args.input)
    plan = evaluate(lp, inputs, now=parse_now(args.now))
    options = cli_sheet_options(args)  # with the register's head when the sheet is recorded
    shared = shared_register(args)
    if shared:  # the shared register records the sheet before it is written, or refuses it
        pdf = issue_shared_sheet(args, plan, inputs, output, options)
    else:
        pdf = export_order_sheet(plan, output, options)
    pages = pdf.count(b"/Type /Page\n")
    print(
        f"Wrote {output}: order sheet for plan {plan.plan_id}, {pages} page(s), "
        f"{args.paper.upper()}, text lint passed. Protocol {plan.protocol.protocol_id} "
        f"{plan.protocol.version}"
        + (" - NOT FOR CLINICAL USE" if plan.protocol.not_for_clinical_use else "")
        + ".",
        file=sys.stderr,
    )
    # Every sheet issued is recorded in the audit register (issue 9); --no-record for drafts.
    return 0 if shared else record_cli_sheet(args, plan, inputs, pdf, output, options)


class _Progress:
    """A one-line progress bar on a terminal; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int, result: BatchResult) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // total
        mark = "ok" if result.written else "SKIPPED"
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {result.source.name} {mark}"
        )
        self.stream.write(line[:120].ljust(80))
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def _batch_work(args: argparse.Namespace) -> tuple[Work, str | None, Path | str | None]:
    """Return the work of each worker: write only, or write and record (the default)."""
    from desktop_app.report.batch import sheet_for_file

    if args.no_record:
        return sheet_for_file, None, None
    from desktop_app.audit.backend import open_register, resolve
    from desktop_app.audit.batch import RecordingWork, new_batch_id

    db_path = resolve(args.audit_db or None)
    open_register(db_path).check()  # a damaged register refuses the batch before any sheet
    batch_id = new_batch_id()
    return RecordingWork(db_path, batch_id), batch_id, db_path


def _cmd_batch(args: argparse.Namespace) -> int:
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.report import SheetOptions
    from desktop_app.report.batch import default_jobs, plan_batch, run_batch
    from desktop_app.storage.protocols import load_protocol

    jobs = args.jobs if args.jobs is not None else default_jobs()
    if jobs < 1:
        raise PlanFileError(f"--jobs {jobs}: give 1 or more worker processes")
    lp = load_protocol(args.protocol)
    now = parse_now(args.now)
    batch = plan_batch(Path(args.input_dir), Path(args.output))
    work, batch_id, db_path = _batch_work(args)
    started = time.perf_counter()
    results = run_batch(
        batch.items,
        lp,
        now,
        SheetOptions(paper=args.paper),
        jobs=jobs,
        progress=_Progress(sys.stderr),
        work=work,
    )
    elapsed = time.perf_counter() - started
    results += list(batch.skipped)
    written = [r for r in results if r.written]
    skipped = sorted((r for r in results if not r.written), key=lambda r: r.source.name)
    out = sys.stdout
    out.write(f"Written ({len(written)}):\n")
    for r in written:
        kept = f" (record {r.record_id})" if r.record_id is not None else ""
        out.write(f"  {r.source.name} -> {r.output}{kept}\n")
    unrecorded = [r for r in written if batch_id is not None and r.record_id is None]
    if unrecorded:
        out.write(f"Written but NOT recorded in the audit register ({len(unrecorded)}):\n")
        for r in unrecorded:
            out.write(f"  {r.source.name}:\n{_indent(r.warning or '')}\n")
    out.write(f"Skipped ({len(skipped)}):\n")
    for r in skipped:
        out.write(f"  {r.source.name}:\n{_indent(r.error or '')}\n")
    note = f"; {batch.ignored} other file(s) ignored (not .json)" if batch.ignored else ""
    out.write(
        f"Batch: {len(written)} written, {len(skipped)} skipped of {len(results)} plan file(s) "
        f"in {elapsed:.1f} s with {min(jobs, max(1, len(batch.items)))} worker(s){note}. "
        f"Protocol {lp.protocol.protocol_id} {lp.protocol.version}"
        + (" - NOT FOR CLINICAL USE" if lp.not_for_clinical_use else "")
        + ".\n"
    )
    if batch_id is not None:
        from desktop_app.audit.backend import redacted

        out.write(
            f"Recorded {len(written) - len(unrecorded)} sheet(s) in the audit register "
            f"{redacted(str(db_path))} "
            f"under batch run {batch_id}.\n"
        )
    else:
        out.write("Not recorded in the audit register (--no-record).\n")
    return 2 if skipped else (1 if unrecorded else 0)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the order-sheet sub-commands."""
    p = sub.add_parser(
        "pdf",
        help="write the printed order sheet (PDF) for a plan file",
        description="Render the order sheet of a plan file, check its printed text against the "
        "formatting safety rules, and write it only if it passes.",
        epilog=_EXIT_NOTE,
    )
    p.add_argument("input", type=Path, help="plan file (JSON, as saved by the GUI)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    p.add_argument(
        "--paper", choices=("a4", "letter"), default="a4", help="paper size (default a4)"
    )
    p.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    p.add_argument("--now", default=None, help="plan as of this ISO date-time (default: now)")
    add_record_arguments(p)
    p.set_defaults(func=_cmd_pdf)

    p = sub.add_parser(
        "batch",
        help="write order sheets for every plan file (*.json) in a folder",
        description="Write one order sheet per plan file of INPUT_DIR into OUTPUT_DIR, using "
        "every core. A file that cannot be planned, fails the lint or cannot be written is "
        "skipped with its reason; the others are still written.",
        epilog=_EXIT_NOTE,
    )
    p.add_argument("input_dir", type=Path, help="folder of plan files (*.json)")
    p.add_argument(
        "-o", "--output", type=Path, required=True, help="folder for the sheets (created)"
    )
    p.add_argument(
        "--jobs", "-j", type=int, default=None, help="worker processes (default: every core)"
    )
    p.add_argument(
        "--paper", choices=("a4", "letter"), default="a4", help="paper size (default a4)"
    )
    p.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    p.add_argument(
        "--now",
        default=None,
        help="plan every file as of this ISO date-time (default: now, one time for all)",
    )
    add_record_arguments(p)
    p.set_defaults(func=_cmd_batch)
