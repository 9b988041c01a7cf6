"""Same bytes: every golden sheet matches its recorded SHA-256, in any order, in any process.

These tests pin the bytes of every sheet (A4 and Letter, every golden case), the text the lint
reads from them, and that one patient's sheet never depends on which sheets the same process
rendered before it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from desktop_app.report import SheetOptions, render_order_sheet
from desktop_app.report.lint import extract_pages
from tests.report.cases import CASES, ROOT, SHEET_SHA256
from tests.report.conftest import rendered


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_sha(pdf: bytes) -> str:
    return sha("\f".join(extract_pages(pdf)).encode())


def test_every_case_and_paper_has_a_recorded_digest() -> None:
    assert set(SHEET_SHA256) == {(name, paper) for name in CASES for paper in ("a4", "letter")}


@pytest.mark.parametrize(("name", "paper"), sorted(SHEET_SHA256))
def test_golden_sheet_bytes_and_text_are_as_recorded(name: str, paper: str) -> None:
    pdf = rendered(name, paper).pdf
    assert (sha(pdf), text_sha(pdf)) == SHEET_SHA256[name, paper]


def _fresh_process_digest(name: str, paper: str) -> str:
    code = (
        "import hashlib, sys\n"
        "from desktop_app.report import SheetOptions, render_order_sheet\n"
        "from tests.report.cases import CASES\n"
        f"pdf = render_order_sheet(CASES[{name!r}](), SheetOptions(paper={paper!r}))\n"
        "sys.stdout.write(hashlib.sha256(pdf).hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_sheet_does_not_depend_on_the_sheets_rendered_before_it() -> None:
    """Patient A, then B, then A again: B as in a fresh process, A twice the same."""
    a, b = CASES["demo"](), CASES["us-meq"]()
    letter = SheetOptions(paper="letter")
    a1 = render_order_sheet(a)
    b1 = render_order_sheet(b)
    a_letter = render_order_sheet(a, letter)
    a2 = render_order_sheet(a)
    b2 = render_order_sheet(b)
    assert a1 == a2
    assert b1 == b2
    assert sha(b1) == _fresh_process_digest("us-meq", "a4")
    assert sha(a_letter) == _fresh_process_digest("demo", "letter")
    assert sha(a1) == SHEET_SHA256["demo", "a4"][0]
    assert sha(b1) == SHEET_SHA256["us-meq", "a4"][0]


def test_patients_sharing_most_text_keep_their_own() -> None:
    """Two sheets that differ only in a few words: each prints its own, whatever came first."""
    names = ["prescriber-overrides", "demo", "approved-protocol", "demo", "prescriber-overrides"]
    seen: dict[str, set[str]] = {}
    for name in names:
        for paper in ("a4", "letter"):
            pdf = render_order_sheet(CASES[name](), SheetOptions(paper=paper))
            seen.setdefault(f"{name}/{paper}", set()).add(sha(pdf))
            assert sha(pdf) == SHEET_SHA256[name, paper][0], f"{name} {paper}"
    assert all(len(digests) == 1 for digests in seen.values())
