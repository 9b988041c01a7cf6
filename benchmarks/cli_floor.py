"""The floors of the `b12k` command rows: what the same machine needs for each kind of command.

    python benchmarks/cli_floor.py help   # the interpreter with argparse: parse, print a help
    python benchmarks/cli_floor.py plan   # help floor + pydantic + load and validate the protocol
    python benchmarks/cli_floor.py pdf    # plan floor + reportlab renders one minimal page
                                          #   (benchmarks/limit_page.py) + pypdf imported

Started by benchmarks/commands.py as a whole process, like the command it is the floor of, and
interleaved with it. Only the plan and pdf floors import B12-K Planner, and only the protocol
model: a plan cannot be made without the validated protocol.
"""

from __future__ import annotations

import argparse
import os
import sys

#: os.path, not pathlib: the help floor imports argparse and nothing else.
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTOCOL = os.path.join(ROOT, "resources", "protocols", "uk-default.json")


def _validate_protocol() -> None:
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    # As every entry point of the program does (pydantic's documented switch): no plugin scan.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    import pydantic  # noqa: F401  (the floor includes importing pydantic itself)

    from desktop_app.logic.protocol import Protocol

    with open(PROTOCOL, encoding="utf-8") as stream:
        Protocol.model_validate_json(stream.read(), strict=True)


def _one_page() -> None:
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import pypdf  # noqa: F401  (the sheet's text lint uses it)
    from limit_page import FONT, FONT_FILE, minimal_page
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    minimal_page()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments as a command would, then do the floor's work."""
    parser = argparse.ArgumentParser(prog="floor", description="The floor of a b12k command.")
    parser.add_argument("kind", choices=("help", "plan", "pdf"))
    args = parser.parse_args(argv)
    if args.kind == "help":
        parser.print_help()
        return 0
    _validate_protocol()
    if args.kind == "pdf":
        _one_page()
    return 0


if __name__ == "__main__":
    sys.exit(main())
