"""Core sub-commands: plan, protocol check, schema, example.

Only argparse and the standard library at module level: each command imports what it uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (mypy reads this name the same way), so that
#: building the parser for `b12k --help` stays at the import floor.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any


def parse_now(text: str | None) -> datetime:
    """Return --now as an aware datetime, or the current local time.

    Raises:
        NowError: not an ISO date-time with a timezone (desktop_app.cli.errors).
    """
    from datetime import datetime

    from desktop_app.cli.errors import NowError

    if text is None:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise NowError(
            f"--now '{text}' is not an ISO date-time like 2026-11-26T12:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise NowError(f"--now '{text}' needs a timezone offset, e.g. 2026-11-26T12:00+00:00")
    return moment


def input_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a plan (input) file."""
    from desktop_app.logic.models import PlanInputs

    return PlanInputs.model_json_schema()


def _cmd_plan(args: argparse.Namespace) -> int:
    from desktop_app.logic.engine import evaluate
    from desktop_app.report.plan_text import render_text
    from desktop_app.storage.plan_files import read_plan_file
    from desktop_app.storage.protocols import load_protocol

    lp = load_protocol(args.protocol)
    inputs = read_plan_file(args.input)
    plan = evaluate(lp, inputs, now=parse_now(args.now))
    if args.format == "json":
        sys.stdout.write(plan.model_dump_json(indent=1) + "\n")
    else:
        sys.stdout.write(render_text(plan))
    return 0


def _cmd_protocol_check(args: argparse.Namespace) -> int:
    from desktop_app.storage.protocols import load_protocol

    lp = load_protocol(args.file)
    p = lp.protocol
    local = sum(1 for r in p.all_rules().values() if r.local_policy)
    print(f"OK: {p.protocol_id} version {p.version} ({p.title})")
    state = lp.approval_state
    print(
        f"status: {'approved' if state.approved else state.state}"
        + (f" - NOT FOR CLINICAL USE: {state.reason}" if lp.not_for_clinical_use else "")
    )
    print(f"sha256: {lp.sha256}")
    print(f"content sha256: {state.content_sha256}")
    print(
        f"rules: {len(p.all_rules())} ({local} marked local policy); references: {len(p.references)}"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from desktop_app.logic.protocol import protocol_json_schema

    schema = protocol_json_schema() if args.which == "protocol" else input_json_schema()
    sys.stdout.write(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    return 0


def _cmd_example(args: argparse.Namespace) -> int:
    from desktop_app.demo import demo_inputs, demo_inputs_for
    from desktop_app.storage.atomic import atomic_write_bytes
    from desktop_app.storage.plan_files import plan_bytes

    inputs = demo_inputs() if args.as_published else demo_inputs_for(parse_now(args.now))
    data = plan_bytes(inputs)
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        atomic_write_bytes(Path(args.output), data)
        print(f"Demo patient written to {args.output}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the core sub-commands."""
    p = sub.add_parser("plan", help="print the plan for a plan (input) file")
    p.add_argument("input", type=Path, help="plan file (JSON, as saved by the GUI)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--protocol", type=Path, default=None, help="site protocol file (default: shipped)"
    )
    p.add_argument("--now", default=None, help="plan as of this ISO date-time (default: now)")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("protocol", help="protocol file tools")
    psub = p.add_subparsers(dest="protocol_command", required=True, metavar="ACTION")
    c = psub.add_parser("check", help="validate a protocol file; print its id, version and hash")
    c.add_argument("file", type=Path)
    c.set_defaults(func=_cmd_protocol_check)
    from desktop_app.cli.approval_cmds import register_protocol_actions as approval_actions
    from desktop_app.cli.review_cmds import register_protocol_actions as review_actions

    approval_actions(psub)  # keygen, approve, verify, trust (issue 14)
    review_actions(psub)  # review, diff (issue 14)

    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("which", choices=("input", "protocol"))
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("example", help="write the bundled demo patient")
    p.add_argument(
        "-o", "--output", type=Path, default=None, help="file to write (default: stdout)"
    )
    p.add_argument(
        "--as-published",
        action="store_true",
        help="keep the demo's fixed dates instead of moving its first dose to 3 hours from now",
    )
    p.add_argument("--now", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_example)
