"""Same bytes: every golden sheet matches its recorded SHA-256, in any order, in any process.

The renderer and the lint keep caches across renders (text that is the same for every patient
is parsed and broken into lines once). These tests pin what that may never change: the bytes of
every sheet (A4 and Letter, every golden case, recorded before the caches existed), the text
the lint reads from them, and that one patient's sheet never depends on which sheets the same
process rendered before it.
"""

from __future__ import annotations

import hashlib
import pickle
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


def test_a_render_never_changes_what_the_paragraph_cache_keeps() -> None:
    """Kept fragments and line breaks are shared by later sheets: no render may change them."""
    from desktop_app.report import sheet

    sheet.clear_caches()
    render_order_sheet(CASES["demo"]())
    kept = {id(p): (p, pickle.dumps((p.text, p.frags, p.bullet_text, p.wraps))) for p in sheet._PARSED.values()}
    assert len(kept) > 300
    for name in ("demo", "us-meq", "long-schedule", "prescriber-overrides"):
        for paper in ("a4", "letter"):
            pdf = render_order_sheet(CASES[name](), SheetOptions(paper=paper))
            assert sha(pdf) == SHEET_SHA256[name, paper][0]
    for parsed, before in kept.values():
        after = pickle.dumps((parsed.text, parsed.frags, parsed.bullet_text, parsed.wraps))
        if after != before:
            # A later render may add a wrap at a new width; what was there stays as it was.
            old_text, old_frags, old_bullet, old_wraps = pickle.loads(before)
            assert pickle.dumps((old_text, old_frags, old_bullet)) == pickle.dumps(
                (parsed.text, parsed.frags, parsed.bullet_text)
            )
            for key, state in old_wraps.items():
                assert pickle.dumps(state) == pickle.dumps(parsed.wraps[key]), parsed.text


def test_remembered_number_strings_equal_reportlabs() -> None:
    """The memo in front of reportlab's fp_str prints every value exactly as reportlab does."""
    import random

    from reportlab.lib import rl_accel
    from reportlab.pdfgen import canvas, textobject

    from desktop_app.report import sheet

    sheet.register_fonts()
    fast = canvas.fp_str
    assert fast is textobject.fp_str is rl_accel.fp_str
    original = fast.__wrapped__
    rng = random.Random(7)
    values: list[object] = [0, 0.0, -0.0, 1, 1.0, True, False, 1e-8, -1e-7, 0.5, 1e6, 123456789]
    values += [rng.uniform(-1000, 1000) for _ in range(3000)]
    values += [round(rng.uniform(-100, 100), rng.randrange(7)) for _ in range(3000)]
    for _ in range(2):  # the second pass is answered from the memo
        for v in values:
            assert fast(v) == original(v), v
        for i in range(0, len(values) - 6, 6):
            six = tuple(values[i : i + 6])
            assert fast(*six) == original(*six), six
    assert fast([1.5, 2]) == original([1.5, 2]) == "1.5 2"
    assert fast((1.5, 2)) == original((1.5, 2))


def test_the_sheet_font_measures_and_encodes_like_reportlabs() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from desktop_app.report import sheet

    sheet.register_fonts()
    font = pdfmetrics.getFont(sheet.FONT)
    assert isinstance(font, sheet.SheetFont)
    plain = TTFont("b12k-test-plain", font.face.filename)
    texts = ["Potassium 24\xa0mmol", "\u2610 \u2265 3.5", "Zoë Ångström", "", "x" * 300]
    for text in texts * 2:
        for size in (7.5, 9, 9.5):
            assert font.stringWidth(text, size) == plain.stringWidth(text, size)

    class Doc:  # reportlab keys its per-document subset state by the document object
        pass

    mine, theirs = Doc(), Doc()
    for text in (texts + ["Ж", "Potassium", "ЖЖ"]) * 2:
        assert font.splitString(text, mine) == plain.splitString(text, theirs), text


def test_ascii85_of_streams_equals_reportlabs() -> None:
    import os
    import random

    from reportlab.pdfbase import pdfdoc

    from desktop_app.report import sheet

    sheet.register_fonts()
    fast = pdfdoc.asciiBase85Encode
    original = getattr(fast, "__wrapped__", fast)
    rng = random.Random(11)
    samples = [b"", b"\0", b"\0" * 4, b"\0" * 5, b"\xff" * 7, os.urandom(100_003)]
    samples += [
        bytes(rng.choice((0, 0, 0, 1, 255, rng.randrange(256))) for _ in range(n))
        for n in range(64)
        for _ in range(8)
    ]
    for data in samples:
        assert fast(data) == original(data)


def test_a_kept_font_subset_is_the_one_reportlab_builds() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFace

    from desktop_app.report import sheet

    sheet.register_fonts()
    font = pdfmetrics.getFont(sheet.FONT)
    plain = TTFontFace(font.face.filename)
    for subset in ([0, *range(32, 127)], [0, 0x2610, 0x2265, 0xE9], [0, 0x41]):
        assert font.face.makeSubset(subset) == plain.makeSubset(subset)
        assert font.face.makeSubset(subset) == plain.makeSubset(subset)  # the kept one
