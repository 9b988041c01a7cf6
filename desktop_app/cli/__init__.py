"""The `b12k` command line: plan, protocol check, schemas, example (and more, by module).

Start-up cost (issue 20): building the parser imports only argparse and the command modules'
argument definitions. Each command imports what it uses inside its own function, so `--help` and
an argument error load no pydantic, reportlab, pypdf or fhir.resources, and `b12k plan` loads no
PDF library. tests/test_cli_imports.py checks this in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from desktop_app import disable_pydantic_plugins

#: Each module adds its sub-commands through `register(subparsers)`. A command module imports
#: nothing heavy at module level: its command functions import what they need when they run.
COMMAND_MODULES = (
    "desktop_app.cli.core_cmds",
    "desktop_app.cli.fhir_cmds",
    "desktop_app.cli.audit_cmds",
    "desktop_app.cli.report_cmds",
    "desktop_app.cli.selftest_cmds",
)


class _VersionAction(argparse.Action):
    """--version, worked out only when it is asked for (building the parser stays light)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show the program's version and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from desktop_app.storage.build_info import current

        print(f"b12k {current().label}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the full argument parser."""
    parser = argparse.ArgumentParser(
        prog="b12k",
        description="B12-K Planner: potassium, magnesium and phosphate around the start of B12.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status (2 for bad input, never a traceback)."""
    disable_pydantic_plugins()  # the `b12k` script's entry point: before the commands' models
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging

    from desktop_app.logic.errors import B12KError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        status: int = args.func(args)
    except B12KError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
