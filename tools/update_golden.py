"""Maintainer tool: re-record the golden order sheets (tests/report/golden_sheets.json).

Run it only on purpose: after a deliberate change of what the sheet prints, or after upgrading
reportlab or pypdf, and after looking at the sheets (for example `b12k pdf
resources/examples/demo-patient.json -o sheet.pdf --now 2026-11-26T12:00+00:00`, then
`pdftoppm -png -r 60 sheet.pdf page`). It prints what changed, sheet by sheet, and writes the
file with the installed reportlab and pypdf versions beside the digests.

Usage (from the repository root)::

    .venv/bin/python tools/update_golden.py           # re-record
    .venv/bin/python tools/update_golden.py --check   # only say what differs (exit 1 if any)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: Sequence[str] | None = None) -> int:
    """Compare every golden sheet with a fresh render; write the recording unless --check."""
    from desktop_app.storage.atomic import atomic_write_bytes
    from tests.report import golden

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    parser.add_argument(
        "--file", type=Path, default=golden.GOLDEN_FILE, help="the recording (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    path: Path = args.file
    old = golden.load(path) if path.exists() else None
    fresh = golden.render_all()
    changed = 0
    if old is not None and old.versions != golden.library_versions():
        print(f"versions: {old.versions} -> {golden.library_versions()}")
    for name, digest in fresh.items():
        before = old.sheets.get(name) if old is not None else None
        if before is None:
            print(f"{name}: new")
            changed += 1
            continue
        what = golden.differences(before, digest)
        if what:
            print(f"{name}: " + "; ".join(what))
            changed += 1
    gone = sorted(set(old.sheets) - set(fresh)) if old is not None else []
    for name in gone:
        print(f"{name}: no longer a golden case")
    text = golden.dump(fresh)
    same_file = path.exists() and path.read_text("utf-8") == text
    if args.check:
        print("golden sheets are as recorded" if same_file else "golden sheets differ")
        return 0 if same_file else 1
    if same_file:
        print("golden sheets are as recorded: nothing written")
        return 0
    atomic_write_bytes(path, text.encode("utf-8"))
    print(f"wrote {path} ({len(fresh)} sheets, {changed} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
