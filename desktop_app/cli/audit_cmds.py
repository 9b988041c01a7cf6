"""`b12k audit ...`: list, show, reprint, verify and export the register of issued sheets.

`b12k audit issue` renders a plan file's sheet, writes it and records it (the recording
counterpart of `b12k pdf`; `add_record_arguments` and `record_cli_sheet` let `b12k pdf` record
too). Which record `reprint` uses: the `--record N` given, else the plan
id's only record; when a plan id has several records with different PDFs, it stops and lists
them so that the user picks one with `--record`.

Exit status: 0 done (verify: intact; reprint: byte-identical; issue: recorded), 1 done with a
warning (reprint differs; issue written but not recorded), 2 error (verify: broken chain).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (mypy reads this name the same way), so that
#: building the parser for `b12k --help` stays at the import floor.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from desktop_app.audit.issue import AnyRegister as Register
    from desktop_app.audit.register import RecordSummary
    from desktop_app.logic.models import PlanInputs
    from desktop_app.logic.plan import Plan
    from desktop_app.report.options import SheetOptions

#: Columns only `--full` adds to the CSV (the plan inputs and overrides as JSON text).
FULL_COLUMNS = ("overrides_json", "plan_inputs_json")


def csv_columns() -> tuple[str, ...]:
    """Return the CSV columns: every record column in table order (from the schema, so a new
    column is never left out of the export), without the `--full` ones, then the record's hash.
    """
    from desktop_app.audit.schema import RECORD_CONTENT_COLUMNS

    return (*(c for c in RECORD_CONTENT_COLUMNS if c not in FULL_COLUMNS), "record_hash")


#: How many records `audit list` shows when neither --limit nor --all is given (a screenful).
DEFAULT_LIST_LIMIT = 50


def _register(args: argparse.Namespace, create: bool = False) -> Register:
    from desktop_app.audit.backend import open_register

    return open_register(args.db or None, create=create)


def _target(value: str | None) -> str | Path:
    """The register a --db / --audit-db value names (the default one when not given)."""
    from desktop_app.audit.backend import resolve

    return resolve(value or None)


def _line(r: RecordSummary) -> str:
    from desktop_app.audit.text import local_time

    kind = "issue" if r.kind == "issue" else f"reprint of {r.reprint_of}"
    return (
        f"{r.id:>6}  {local_time(r)}  {r.patient_identifier:<12} {r.patient_name[:28]:<28} "
        f"{r.plan_id:<16} {kind:<16} {r.paper:<6} {r.pdf_sha256[:12]}  {r.os_user}  {r.destination}"
    )


def _cmd_list(args: argparse.Namespace) -> int:
    from datetime import date

    from desktop_app.audit.errors import AuditNotFoundError

    try:
        reg = _register(args)
    except AuditNotFoundError as exc:
        print(f"No sheets recorded. {exc}")
        return 0
    on_date = date.fromisoformat(args.date) if args.date else None
    limit = None if args.all else (args.limit or DEFAULT_LIST_LIMIT)
    offset = 0 if limit is None else (args.page - 1) * limit
    # One more than the page, to say whether older records follow (no count over the register).
    rows = reg.search(
        patient=args.patient,
        text=args.search,
        on_date=on_date,
        limit=None if limit is None else limit + 1,
        offset=offset,
    )
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    if not rows:
        print("No matching records." + (f" (page {args.page})" if args.page > 1 else ""))
        return 0
    print(
        f"{'record':>6}  {'recorded (local time)':<24}  {'patient':<12} {'name':<28} {'plan':<16} "
        f"{'kind':<16} {'paper':<6} {'PDF SHA-256':<12}  user  destination"
    )
    sys.stdout.writelines(_line(r) + "\n" for r in rows)
    where = f"newest {offset + 1} to {offset + len(rows)}" if limit is not None else "all"
    print(f"{len(rows)} record(s) shown ({where} of those matching) in {reg.path}")
    if more:
        print(f"Older records follow: --page {args.page + 1} for the next {limit}, --all for all.")
    return 0


def _records_for(
    register: Register, plan_id: str | None, record_id: int | None
) -> list[RecordSummary]:
    from desktop_app.audit.errors import AuditNotFoundError
    from desktop_app.cli.audit_errors import AuditCommandError

    if record_id is not None:
        rec = register.get(record_id)
        if plan_id and rec.plan_id != plan_id:
            raise AuditCommandError(
                f"Record {record_id} belongs to plan {rec.plan_id}, not {plan_id}."
            )
        return [rec]
    if not plan_id:
        raise AuditCommandError("Give a PLAN_ID or --record N.")
    found = register.records_for_plan(plan_id)
    if not found:
        raise AuditNotFoundError(
            f"The audit register {register.path} has no record of plan {plan_id}."
        )
    return found


def _cmd_show(args: argparse.Namespace) -> int:
    from desktop_app.audit.text import show_text

    reg = _register(args)
    for summary in _records_for(reg, args.plan_id, args.record):
        sys.stdout.write(show_text(reg.get(summary.id), args.inputs) + "\n")
    return 0


def pick_for_reprint(records: Sequence[RecordSummary]) -> RecordSummary:
    """Return the record a reprint uses: the only one, or the first of identical sheets.

    Raises:
        AuditCommandError: the records hold different sheets; the message lists them.
    """
    from desktop_app.cli.audit_errors import AuditCommandError

    if len({r.pdf_sha256 for r in records}) == 1:
        return records[0]
    listing = "\n".join(_line(r) for r in records)
    raise AuditCommandError(
        f"Plan {records[0].plan_id} has {len(records)} records with different sheets. Choose one "
        f"with --record N:\n{listing}"
    )


def _cmd_reprint(args: argparse.Namespace) -> int:
    from desktop_app.audit.issue import reprint

    reg = _register(args)
    chosen = pick_for_reprint(_records_for(reg, args.plan_id, args.record))
    result = reprint(reg, chosen.id, args.output, record=not args.no_record)
    print(result.message(), file=sys.stdout if result.identical else sys.stderr)
    if result.reprint_record is not None:
        print(f"Reprint recorded as record {result.reprint_record.id}.")
    return 0 if result.identical and result.warning is None else 1


def _cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_app.audit.register import verify_path

    target = _target(args.db)
    if isinstance(target, Path):
        result = verify_path(target, from_checkpoint=args.from_checkpoint)
    else:
        result = _register(args).verify(from_checkpoint=args.from_checkpoint)
    print(result.text(), file=sys.stdout if result.ok else sys.stderr)
    print(result.speed_text(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 2


def _cmd_set_aside(args: argparse.Namespace) -> int:
    from desktop_app.audit.register import set_aside
    from desktop_app.cli.audit_errors import AuditCommandError

    path = _target(args.db)
    if not isinstance(path, Path):
        raise AuditCommandError(
            "set-aside renames a local register file; the shared register on a server is never "
            "set aside by a workstation. Tell IT."
        )
    for old, new in set_aside(path):
        print(f"{old} -> {new}")
    print(
        "The register was set aside (nothing was deleted). The next sheet starts a new register "
        f"at {path}. Keep the set-aside files for investigation."
    )
    return 0


def _cell(value: object) -> str:
    """Return a CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _cmd_export(args: argparse.Namespace) -> int:
    import csv
    import io

    from desktop_app.storage.atomic import atomic_write_bytes

    reg = _register(args)
    columns = csv_columns() + (FULL_COLUMNS if args.full else ())
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for rec in reg.iter_records():
        writer.writerow([_cell(getattr(rec, c)) for c in columns])
        count += 1
    # UTF-8 with a byte-order mark, so that spreadsheet programs read names with accents.
    atomic_write_bytes(Path(args.csv), buffer.getvalue().encode("utf-8-sig"))
    print(f"{count} record(s) written to {args.csv}")
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from desktop_app.audit.pg_schema import PG_SCHEMA_VERSION
    from desktop_app.cli.audit_errors import AuditCommandError

    if isinstance(_target(args.db), Path):
        raise AuditCommandError(
            "migrate is for the shared register on PostgreSQL (--db 'service=NAME' or a "
            "connection string); a local register file is migrated when it is opened."
        )
    reg = _register(args, create=True)
    print(f"The audit register on {reg.path} is at schema {PG_SCHEMA_VERSION} (current).")
    return 0


def _cmd_copy(args: argparse.Namespace) -> int:
    from desktop_app.audit.copy import copy_register

    result = copy_register(Path(args.source), args.to)
    print(f"Source {args.source}: intact, {result.source_checked.records_checked} record(s).")
    print(f"Copied {result.copied} record(s); {result.already} were already there (copied before).")
    print(result.target_checked.text())
    return 0


def _cmd_issue(args: argparse.Namespace) -> int:
    from desktop_app.audit.issue import export_and_record, load_protocol_with_bytes
    from desktop_app.cli.core_cmds import parse_now
    from desktop_app.logic.engine import evaluate
    from desktop_app.report import SheetOptions
    from desktop_app.storage.plan_files import read_plan_file
    from desktop_app.storage.protocols import default_protocol_path

    protocol, data = load_protocol_with_bytes(args.protocol or default_protocol_path())
    inputs = read_plan_file(args.input)
    plan = evaluate(protocol, inputs, now=parse_now(args.now))
    db_path = _target(args.db)
    result = export_and_record(
        plan, inputs, protocol, data, args.output, SheetOptions(paper=args.paper), register=db_path
    )
    print(f"Order sheet written to {args.output} (SHA-256 {result.pdf_sha256}).")
    if result.record is None:
        print(result.warning, file=sys.stderr)
        return 1
    print(f"Recorded as record {result.record.id} in {_shown(db_path)}.")
    return 0


def add_record_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --no-record and --audit-db to a command that writes a sheet (e.g. `b12k pdf`)."""
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not record the sheet in the audit register (drafts, tests)",
    )
    parser.add_argument(
        "--audit-db",
        default=None,
        metavar="REGISTER",
        help="audit register: a file, or a PostgreSQL connection string or 'service=NAME' "
        "(default: $B12K_AUDIT_DB, else the preference, else the user data folder)",
    )


def _shown(target: object) -> str:
    """A register for a message: a file's path, or the server (never a password)."""
    from desktop_app.audit.backend import is_server_target

    if is_server_target(target):
        from desktop_app.audit.pg import describe

        return describe(str(target))
    return str(target)


def shared_register(args: argparse.Namespace) -> bool:
    """True when a command's sheet is to be recorded in the shared register on a server."""
    from desktop_app.audit.backend import is_server_target

    return not getattr(args, "no_record", False) and is_server_target(
        _target(getattr(args, "audit_db", None))
    )


def issue_shared_sheet(
    args: argparse.Namespace, plan: Plan, inputs: PlanInputs, output: Path, options: SheetOptions
) -> bytes:
    """Record a sheet in the shared register first, then write it (`b12k pdf` on a server).

    Raises:
        AuditError: the server could not record it; nothing was written.
    """
    from desktop_app.audit.issue import issue_recorded_first, load_protocol_with_bytes
    from desktop_app.storage.protocols import default_protocol_path

    protocol, data = load_protocol_with_bytes(args.protocol or default_protocol_path())
    target = _target(args.audit_db)
    pdf, result = issue_recorded_first(
        plan, inputs, protocol, data, output, options, register=str(target)
    )
    record_id = result.record.id if result.record else "?"
    print(
        f"Recorded as record {record_id} in the audit register {_shown(target)}.", file=sys.stderr
    )
    return pdf


def cli_sheet_options(args: argparse.Namespace) -> SheetOptions:
    """Return the options of a sheet a command writes: with the register's head when recorded."""
    from desktop_app.report.options import SheetOptions

    options = SheetOptions(paper=args.paper)
    if getattr(args, "no_record", False):
        return options
    from desktop_app.audit.issue import anchored

    return anchored(options, _target(getattr(args, "audit_db", None)))


def record_cli_sheet(
    args: argparse.Namespace,
    plan: Plan,
    inputs: PlanInputs,
    pdf: bytes,
    output: Path,
    options: SheetOptions | None = None,
) -> int:
    """Record a sheet a command has just written; return 0, or 1 after printing a warning.

    For `b12k pdf`: call it after `export_order_sheet` with the bytes it returned. The protocol
    file (`args.protocol`, else the shipped default) is read again for its bytes; if it changed
    in between, the hash check refuses the record and the user is warned.
    """
    if getattr(args, "no_record", False):
        return 0
    from desktop_app.audit.issue import load_protocol_with_bytes, record_exported
    from desktop_app.logic.errors import B12KError
    from desktop_app.report import SheetOptions
    from desktop_app.storage.protocols import default_protocol_path

    try:
        protocol, data = load_protocol_with_bytes(args.protocol or default_protocol_path())
    except B12KError as exc:
        print(
            f"The sheet {output} was written but NOT recorded in the audit register: {exc}",
            file=sys.stderr,
        )
        return 1
    db_path = _target(getattr(args, "audit_db", None))
    result = record_exported(
        plan,
        inputs,
        protocol,
        data,
        output,
        pdf,
        options or SheetOptions(paper=args.paper),
        register=db_path,
    )
    if result.record is None:
        print(result.warning, file=sys.stderr)
        return 1
    print(
        f"Recorded as record {result.record.id} in the audit register {_shown(db_path)}.",
        file=sys.stderr,
    )
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `b12k audit ...`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=None,
        metavar="REGISTER",
        help="register: a file, or a PostgreSQL connection string or 'service=NAME' (default: "
        "$B12K_AUDIT_DB, else the preference audit_db, else audit.sqlite3 in the user data folder)",
    )
    p = sub.add_parser("audit", help="the register of issued order sheets")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    c = asub.add_parser("list", parents=[common], help="list recorded sheets, newest first")
    c.add_argument("--patient", default=None, help="only this patient identifier")
    c.add_argument(
        "--search", default=None, help="part of an identifier, name, plan id or prescriber"
    )
    c.add_argument("--date", default=None, help="recorded on this local date (YYYY-MM-DD)")
    c.add_argument(
        "--limit",
        type=_positive,
        default=None,
        metavar="N",
        help=f"records per page (default {DEFAULT_LIST_LIMIT})",
    )
    c.add_argument("--page", type=_positive, default=1, metavar="P", help="page P, newest first")
    c.add_argument("--all", action="store_true", help="every matching record (no paging)")
    c.set_defaults(func=_cmd_list)

    c = asub.add_parser("show", parents=[common], help="show every record of a plan id")
    c.add_argument("plan_id", nargs="?", default=None, metavar="PLAN_ID")
    c.add_argument("--record", type=int, default=None, metavar="N", help="only record N")
    c.add_argument("--inputs", action="store_true", help="also print the stored plan inputs (JSON)")
    c.set_defaults(func=_cmd_show)

    c = asub.add_parser(
        "reprint",
        parents=[common],
        help="rebuild a recorded sheet and compare it with the one issued",
    )
    c.add_argument("plan_id", nargs="?", default=None, metavar="PLAN_ID")
    c.add_argument(
        "--record",
        type=int,
        default=None,
        metavar="N",
        help="the record to reprint (needed when a plan id has several different sheets)",
    )
    c.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
    c.add_argument("--no-record", action="store_true", help="do not record the reprint itself")
    c.set_defaults(func=_cmd_reprint)

    c = asub.add_parser(
        "verify",
        parents=[common],
        help="check the hash chain; exit 0 intact, 2 broken (first broken link shown)",
    )
    c.add_argument(
        "--from-checkpoint",
        "--since-checkpoint",
        dest="from_checkpoint",
        action="store_true",
        help="check only the records after the last checkpoint a verify found intact (nightly)",
    )
    c.set_defaults(func=_cmd_verify)

    c = asub.add_parser(
        "copy",
        help="copy a local register's records into the shared register (twice copies once)",
        description="Verify both registers, then append every record of the local SQLite "
        "register to the shared PostgreSQL one with its original recording time. Records copied "
        "before are not copied again.",
    )
    c.add_argument("--from", dest="source", required=True, metavar="SQLITE", help="register file")
    c.add_argument(
        "--to", required=True, metavar="POSTGRES", help="connection string or 'service=NAME'"
    )
    c.set_defaults(func=_cmd_copy)

    c = asub.add_parser(
        "migrate",
        parents=[common],
        help="create or migrate the shared register's tables (as its admin role)",
    )
    c.set_defaults(func=_cmd_migrate)

    c = asub.add_parser(
        "set-aside",
        parents=[common],
        help="rename a damaged register and its witness out of the way, so that a new one starts",
        description="Rename the register file and its companion files (WAL, shared memory, "
        "witness) to NAME.set-aside-TIME..., beside them. Nothing is deleted. Close every program "
        "using the register first.",
    )
    c.set_defaults(func=_cmd_set_aside)

    c = asub.add_parser("export", parents=[common], help="write every record to a CSV file")
    c.add_argument("--csv", type=Path, required=True, help="CSV file to write")
    c.add_argument("--full", action="store_true", help="add the overrides and plan inputs (JSON)")
    c.set_defaults(func=_cmd_export)

    c = asub.add_parser(
        "issue",
        parents=[common],
        help="write a plan file's order sheet (PDF) and record it in the register",
    )
    c.add_argument("input", type=Path, help="plan file (JSON, as saved by the GUI)")
    c.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
    c.add_argument("--paper", choices=("a4", "letter"), default="a4")
    c.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    c.add_argument("--now", default=None, help="plan as of this ISO date-time (default: now)")
    c.set_defaults(func=_cmd_issue)
