"""Protocol review sub-commands: `protocol review` (the committee's PDF) and `protocol diff`.

Only argparse and the standard library at module level: each command imports what it uses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (as in core_cmds): `b12k --help` stays light.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from desktop_app.logic.protocol import LoadedProtocol


def _base(args: argparse.Namespace, lp: LoadedProtocol) -> LoadedProtocol:
    from desktop_app.storage.protocols import load_protocol, shipped_base_for

    if args.against is not None:
        return load_protocol(args.against)
    return shipped_base_for(lp)


def _cmd_review(args: argparse.Namespace) -> int:
    from desktop_app.logic.errors import PlanFileError
    from desktop_app.logic.limits import shipped_limits
    from desktop_app.logic.review import build_review
    from desktop_app.report.review_pdf import render_review
    from desktop_app.storage.atomic import atomic_write_bytes
    from desktop_app.storage.protocols import load_protocol

    output = Path(args.output)
    if output.is_dir():
        raise PlanFileError(f"{output} is a folder. Give the file name, e.g. -o review.pdf")
    lp = load_protocol(args.file)
    base = _base(args, lp)
    review = build_review(lp, base, shipped_limits())
    pdf = render_review(review)
    try:
        atomic_write_bytes(output, pdf)
    except OSError as exc:
        raise PlanFileError(f"cannot write {output}: {exc.strerror or exc}") from None
    changed = sum(1 for r in review.rows if r.differences)
    print(
        f"Wrote {output}: review pack for {review.protocol_id} {review.version}, "
        f"{len(review.rows)} rules ({changed} changed from {review.base_id} "
        f"{review.base_version}), {pdf.count(b'/Type /Page' + bytes([10]))} page(s).",
        file=sys.stderr,
    )
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from desktop_app.logic.review import differences_text
    from desktop_app.storage.protocols import load_protocol

    a = load_protocol(args.a)
    b = load_protocol(args.b)
    sys.stdout.write(differences_text(a, b))
    return 0


def register_protocol_actions(psub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `review` and `diff` under `b12k protocol`."""
    r = psub.add_parser(
        "review",
        help="write the committee's review pack (PDF): every rule, source, hard limit, change",
    )
    r.add_argument("file", type=Path, help="protocol file to review")
    r.add_argument(
        "--against",
        type=Path,
        default=None,
        help="base protocol (default: the shipped protocol of the same jurisdiction)",
    )
    r.add_argument("-o", "--output", type=Path, required=True, help="PDF to write")
    r.set_defaults(func=_cmd_review)

    d = psub.add_parser("diff", help="print the differences of protocol B from protocol A")
    d.add_argument("a", type=Path, help="base protocol")
    d.add_argument("b", type=Path, help="protocol compared with it")
    d.set_defaults(func=_cmd_diff)
