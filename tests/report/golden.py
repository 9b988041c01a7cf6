"""The recorded golden sheets: digests of each sheet's bytes and of each page's extracted text.

Recorded by `tools/update_golden.py` (on purpose, after looking at the sheets), beside the
reportlab and pypdf versions they were rendered and read with. The tests compare a fresh render
with the recording; a different library version is reported as such, not as a changed sheet.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from tests.report.cases import CASES, ROOT

GOLDEN_FILE = ROOT / "tests" / "report" / "golden_sheets.json"
PAPERS = ("a4", "letter")
#: What re-records the goldens; every message about them names it.
TOOL = "tools/update_golden.py"


def sha(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    """The installed versions of the libraries that make and read the sheet's bytes."""
    return {"reportlab": version("reportlab"), "pypdf": version("pypdf")}


@dataclass(frozen=True)
class SheetDigest:
    """One golden sheet: its PDF's digest and the digest of each page's extracted text."""

    pdf: str
    pages: tuple[str, ...]


def digest_of(pdf: bytes) -> SheetDigest:
    """The digest of a rendered sheet (pages as the lint's extraction reads them)."""
    from desktop_app.report.lint import extract_pages

    return SheetDigest(sha(pdf), tuple(sha(p.encode()) for p in extract_pages(pdf)))


def key(name: str, paper: str) -> str:
    """The recording's key of a golden case on a paper."""
    return f"{name}/{paper}"


def render_all() -> dict[str, SheetDigest]:
    """Render every golden case on every paper (a few seconds)."""
    from desktop_app.report import SheetOptions, render_order_sheet

    return {
        key(name, paper): digest_of(render_order_sheet(CASES[name](), SheetOptions(paper=paper)))
        for name in sorted(CASES)
        for paper in PAPERS
    }


@dataclass(frozen=True)
class Recording:
    """The golden file as read: library versions and one digest per sheet."""

    versions: dict[str, str]
    sheets: dict[str, SheetDigest]


def load(path: Path = GOLDEN_FILE) -> Recording:
    """Read the golden file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    sheets = {
        k: SheetDigest(v["pdf"], tuple(v["pages"])) for k, v in sorted(data["sheets"].items())
    }
    return Recording(dict(data["versions"]), sheets)


def dump(sheets: dict[str, SheetDigest]) -> str:
    """The golden file's text for these sheets and the installed library versions."""
    data = {
        "about": f"Golden order sheets; re-record on purpose with {TOOL}.",
        "versions": library_versions(),
        "sheets": {k: {"pdf": d.pdf, "pages": list(d.pages)} for k, d in sorted(sheets.items())},
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def version_mismatch(recording: Recording) -> str | None:
    """Why the recording cannot be compared with this installation, or None when it can."""
    installed = library_versions()
    if recording.versions == installed:
        return None
    was = ", ".join(f"{k} {v}" for k, v in sorted(recording.versions.items()))
    now = ", ".join(f"{k} {v}" for k, v in sorted(installed.items()))
    return (
        f"The golden sheets were recorded with {was}; this installation has {now}. "
        f"Render the sheets, look at them, then re-record with {TOOL}."
    )


def differences(recorded: SheetDigest, fresh: SheetDigest) -> list[str]:
    """What differs between a recorded sheet and a fresh render, in words."""
    out: list[str] = []
    if len(recorded.pages) != len(fresh.pages):
        out.append(f"{len(fresh.pages)} pages instead of {len(recorded.pages)}")
    changed = [
        n
        for n, (a, b) in enumerate(zip(recorded.pages, fresh.pages, strict=False), start=1)
        if a != b
    ]
    if changed:
        out.append("the text of page(s) " + ", ".join(map(str, changed)) + " changed")
    if recorded.pdf != fresh.pdf:
        out.append("the PDF bytes changed")
    return out
