"""The order sheet's fonts, page geometry, shades and paragraph styles.

Every length here is a layout measure (points or millimetres), never a clinical number.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

from desktop_app.resources import FONT_BOLD, FONT_REGULAR, resource_path

FONT = "B12K-DejaVuSans"
FONT_B = "B12K-DejaVuSans-Bold"

PAGE_SIZES = {"a4": A4, "letter": LETTER}
MARGIN_X = 12 * mm
MARGIN_TOP = 9 * mm
MARGIN_BOTTOM = 8 * mm
GAP = 3 * mm
FOOTER_GAP = 3 * mm

BLACK = colors.black
WHITE = colors.white
#: Shades of grey only: the sheet must read the same printed in black and white (FMT-09).
SHADE = colors.Color(0.88, 0.88, 0.88)
LIGHT = colors.Color(0.94, 0.94, 0.94)
RULE = colors.Color(0.35, 0.35, 0.35)
WATERMARK = colors.Color(0.87, 0.87, 0.87)

TICK_BOX = "\u2610"

_FONT_LOCK = threading.Lock()


def register_fonts() -> None:
    """Register the embedded DejaVu fonts once per process (safe from a worker thread)."""
    with _FONT_LOCK:
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        pdfmetrics.registerFont(TTFont(FONT, str(resource_path(FONT_REGULAR))))
        pdfmetrics.registerFont(TTFont(FONT_B, str(resource_path(FONT_BOLD))))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_B, italic=FONT, boldItalic=FONT_B
        )


@functools.lru_cache(maxsize=1)
def covered_code_points() -> frozenset[int]:
    """Code points both embedded fonts have a glyph for."""
    covered: list[frozenset[int]] = []
    for name in (FONT, FONT_B):
        font = pdfmetrics.getFont(name)
        if not isinstance(font, TTFont):  # pragma: no cover - register_fonts registers TTFonts
            raise TypeError(f"{name} is not the embedded TrueType font")
        covered.append(frozenset(font.face.charToGlyph))
    return covered[0] & covered[1]


def table_style(commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells use the embedded font (a table's own default is Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the sheet (sizes chosen to read at arm's length)."""

    body: ParagraphStyle
    bold: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    small: ParagraphStyle
    mark: ParagraphStyle
    head_cell: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    alert: ParagraphStyle
    tier: ParagraphStyle
    when: ParagraphStyle
    write: ParagraphStyle
    ref: ParagraphStyle


def make_styles() -> Styles:
    """Return the sheet's paragraph styles."""
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.2, splitLongWords=1)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.2)
    return Styles(
        body=body,
        bold=ParagraphStyle("bold", parent=body, fontName=FONT_B),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=FONT_B),
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=9.8),
        mark=ParagraphStyle("mark", parent=body, fontSize=7.5, leading=9),
        head_cell=ParagraphStyle(
            "head_cell", parent=cell, fontName=FONT_B, fontSize=8.5, leading=10
        ),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=FONT_B, fontSize=11.5, leading=14, textColor=WHITE
        ),
        subheading=ParagraphStyle(
            "subheading",
            parent=body,
            fontName=FONT_B,
            fontSize=10,
            leading=12.5,
            spaceBefore=2,
            spaceAfter=3,
        ),
        alert=ParagraphStyle("alert", parent=body, fontName=FONT_B, fontSize=10, leading=12.8),
        tier=ParagraphStyle("tier", parent=body, fontName=FONT_B, fontSize=12.5, leading=15.5),
        when=ParagraphStyle("when", parent=cell, fontSize=9.5, leading=11.5),
        write=ParagraphStyle("write", parent=cell, leading=17),
        ref=ParagraphStyle("ref", parent=body, fontSize=7.5, leading=9.2),
    )
