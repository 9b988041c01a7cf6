"""The reportlab renderer of the order sheet: SheetContent in, deterministic PDF bytes out.

Layout only: every word comes from `desktop_app.report.content`, which takes it from the Plan.
Every length below is a layout measure (points or millimetres), never a clinical number.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop_app.report.printable import check_printable
from desktop_app.logic.plan import Plan
from desktop_app.report import content as C
from desktop_app.report.content import BandTable, Mark, MarkedLine, OrderLine, SheetContent
from desktop_app.report.options import SheetOptions
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
#: Narrowest and widest Code128 module (bar) width; narrower does not scan when printed.
BAR_WIDTH_MAX = 1.0
BAR_WIDTH_MIN = 0.6
BAR_HEIGHT = 9 * mm
BARCODE_BOX = 62 * mm


_FONT_LOCK = threading.Lock()
_SUBSET_LOCK = threading.Lock()
#: Widths remembered per font (text and size): the sheet measures the same words many times.
_WIDTH_CACHE_SIZE = 65536
#: Font subset programs remembered per font (about 30 KB each).
_SUBSET_CACHE_SIZE = 16


class SheetFont(TTFont):
    """The embedded TrueType font, remembering what it has measured and encoded.

    `stringWidth` is a pure function of the text and size (the font's widths never change), so
    each width is computed once per process. `splitString` turns text into the codes of the
    font subset being built for one document: a code, once assigned in a document, never
    changes, so a text already encoded in the same document gets the same codes again (the
    memo is kept on reportlab's per-document state and dies with it).
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._widths: dict[tuple[str, float, str], float] = {}
        # The font program of a subset is a pure function of the subset's characters (in
        # order): the same patient's sheet, or any sheet starting with the same text, embeds
        # the same subset, built once.
        make_subset = self.face.makeSubset
        subsets: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

        def makeSubset(subset: Sequence[int]) -> bytes:  # noqa: N802
            key = tuple(subset)
            with _SUBSET_LOCK:
                data = subsets.get(key)
                if data is not None:
                    subsets.move_to_end(key)
                    return data
            data = make_subset(subset)
            with _SUBSET_LOCK:
                subsets[key] = data
                while len(subsets) > _SUBSET_CACHE_SIZE:
                    subsets.popitem(last=False)
            return data

        self.face.makeSubset = makeSubset  # type: ignore[method-assign]

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # noqa: N802
        key = (text, size, encoding)
        width = self._widths.get(key)
        if width is None:
            width = super().stringWidth(text, size, encoding)
            if len(self._widths) >= _WIDTH_CACHE_SIZE:
                self._widths.clear()
            self._widths[key] = width
        return width

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> list[Any]:  # noqa: N802
        state = self.state.get(doc)
        memo = getattr(state, "_b12k_split", None) if state is not None else None
        if memo is not None and isinstance(text, str):
            done = memo.get(text)
            if done is not None:
                return list(done)
        result = super().splitString(text, doc, encoding)
        if isinstance(text, str):
            state = self.state[doc]
            if memo is None:
                memo = state._b12k_split = {}
            memo[text] = tuple(result)
        return result


#: Number strings remembered by `_fp_str` (coordinates repeat: column edges, line heights).
_FP_CACHE_SIZE = 65536
_fp_memo: dict[tuple[Any, ...], str] = {}
_fast_paths_installed = False


def _install_fast_paths() -> None:
    """Make reportlab's pure-Python number formatting remember its results (same output).

    reportlab writes every coordinate of every operator with `fp_str`, a pure function of its
    arguments' values (without the C accelerator it costs 4 microseconds a call: 6,000 calls a
    sheet, most with values seen before). The memo is keyed by the argument tuple; values that
    compare equal (1, 1.0, True) print the same string, and anything unhashable goes straight
    to reportlab. Installed once per process, in every reportlab module that imported the
    original.

    Also: the PDF's streams are encoded in ASCII85 by the standard library's encoder (the same
    text as reportlab's pure-Python one, 2.4 times as fast; for bytes only, and only when
    reportlab uses its pure-Python encoder). Nothing else of reportlab is replaced.
    """
    global _fast_paths_installed
    if _fast_paths_installed:
        return
    import sys

    from reportlab.lib import rl_accel

    original = rl_accel.fp_str
    if getattr(original, "_b12k_memo", False):
        _fast_paths_installed = True
        return

    def fp_str(*args: Any) -> str:
        try:
            return _fp_memo[args]
        except KeyError:
            pass
        except TypeError:  # a list argument: not hashable
            return original(*args)  # type: ignore[no-any-return]
        text: str = original(*args)
        if len(_fp_memo) >= _FP_CACHE_SIZE:
            _fp_memo.clear()
        _fp_memo[args] = text
        return text

    from reportlab.pdfbase import pdfdoc

    encode_a85 = pdfdoc.asciiBase85Encode

    def ascii_base85_encode(data: Any) -> str:
        """reportlab's ASCII85 of a stream: zero groups as "z", no line breaks, then "~>"."""
        if isinstance(data, bytes):
            return base64.a85encode(data).decode("latin-1") + "~>"
        return encode_a85(data)  # type: ignore[no-any-return]

    if encode_a85 is getattr(rl_accel, "_py_asciiBase85Encode", None):
        ascii_base85_encode.__wrapped__ = encode_a85  # type: ignore[attr-defined]
        pdfdoc.asciiBase85Encode = ascii_base85_encode

    fp_str._b12k_memo = True  # type: ignore[attr-defined]
    fp_str.__wrapped__ = original  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        if name.startswith("reportlab") and getattr(module, "fp_str", None) is original:
            module.fp_str = fp_str  # type: ignore[attr-defined]
    _fast_paths_installed = True


def register_fonts() -> None:
    """Register the embedded DejaVu fonts once per process (safe from a worker thread)."""
    with _FONT_LOCK:
        _install_fast_paths()
        if FONT in pdfmetrics.getRegisteredFontNames():
            return
        pdfmetrics.registerFont(SheetFont(FONT, str(resource_path(FONT_REGULAR))))
        pdfmetrics.registerFont(SheetFont(FONT_B, str(resource_path(FONT_BOLD))))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_B, italic=FONT, boldItalic=FONT_B
        )


@functools.lru_cache(maxsize=1)
def _covered_code_points() -> frozenset[int]:
    """Code points both embedded fonts have a glyph for."""
    regular = pdfmetrics.getFont(FONT).face.charToGlyph  # type: ignore[attr-defined]
    bold = pdfmetrics.getFont(FONT_B).face.charToGlyph  # type: ignore[attr-defined]
    return frozenset(regular) & frozenset(bold)


# ----- text -------------------------------------------------------------------------------------

_UNIT_AFTER = re.compile(
    r"(\d) (?=(?:mmol|mEq|mg|mcg|micrograms?|micromol|nmol|pmol|kg|g|mL|L|fL|%|hours?|minutes?|"
    r"days?|weeks?|months?|tablets?|sachets?|infusions?|bags?|doses?|x 10)\b)"
)
_WHEN = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{2}-[A-Z][a-z]{2}-\d{4}) (\d{2}:\d{2})")


@functools.lru_cache(maxsize=16384)
def glue(text: str) -> str:
    """Keep a number with its unit and a date with its time on one line (non-breaking spaces)."""
    text = _UNIT_AFTER.sub("\\1\xa0", text)
    return _WHEN.sub("\\1\xa0\\2\xa0\\3", text)


@functools.lru_cache(maxsize=16384)
def markup(text: str) -> str:
    """Escape free text for a reportlab Paragraph and glue numbers to units."""
    return escape(glue(text))


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


# ----- the canvas: header, footer, watermark, page n of N ---------------------------------------


@dataclass(frozen=True)
class Metrics:
    """Page geometry computed once per sheet (the header and footer are the same on every page)."""

    page_width: float
    page_height: float
    width: float
    name_lines: tuple[str, ...]
    name_size: float
    info_lines: tuple[tuple[str, float], ...]
    header_height: float
    footer_lines: tuple[tuple[str, float], ...]
    footer_height: float


_TITLE_SIZE = 9.5
_PAGE_SIZE = 11
_NAME_SIZES = (14, 12, 10, 8.5)
_ID_LINE_SIZES = (9.5, 9, 8.5, 8, 7.5)
_ID_LEADING = 1.45
_BANNER_SIZE = 10
_BANNER_H = 7 * mm
_FOOT_SIZE = 7.2
_FOOT_LEADING = 8.8


def identifier_barcode(identifier: str, max_width: float = BARCODE_BOX) -> Code128 | None:
    """Return the Code128 barcode printed for an identifier, or None when it cannot be printed.

    None when the identifier is empty, not printable ASCII (Code128 cannot encode it), or too
    long to fit at the narrowest bar width that still scans.
    """
    if not identifier or not identifier.isascii() or not identifier.isprintable():
        return None
    width = BAR_WIDTH_MAX
    while width >= BAR_WIDTH_MIN - 1e-9:
        code = Code128(identifier, barWidth=width, barHeight=BAR_HEIGHT, humanReadable=0, quiet=1)
        fits = code.width <= max_width  # measuring validates and encodes the value
        if not code.valid:
            return None
        if fits:
            return code
        width -= 0.1
    return None


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width`, at ordinary spaces only.

    Non-breaking spaces (number and unit, date and time) never break; a single word wider
    than the line is cut between characters rather than drawn past the margin.
    """
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while pdfmetrics.stringWidth(word, font, size) > width:
            cut = len(word)
            while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _fit_name(name: str, width: float) -> tuple[tuple[str, ...], float]:
    for size in _NAME_SIZES:
        lines = wrap(name, FONT_B, size, width)
        if len(lines) <= 2:
            return tuple(lines), size
    size = _NAME_SIZES[-1]
    return tuple(wrap(name, FONT_B, size, width)), size


def _fit_info(rows: Sequence[str], width: float) -> tuple[tuple[str, float], ...]:
    """Each identity row on one line at the largest size that fits, else wrapped at the smallest."""
    out: list[tuple[str, float]] = []
    for row in rows:
        text = glue(row)
        for size in _ID_LINE_SIZES:
            if pdfmetrics.stringWidth(text, FONT, size) <= width:
                out.append((text, size))
                break
        else:
            out += [
                (line, _ID_LINE_SIZES[-1]) for line in wrap(text, FONT, _ID_LINE_SIZES[-1], width)
            ]
    return tuple(out)


def header_rows(sheet: SheetContent) -> tuple[str, str]:
    """The two identity rows of the header."""
    h = sheet.header
    return (
        f"ID: {h.identifier}    Born: {h.date_of_birth}    Sex: {h.sex}    Weight: {h.weight}",
        f"Ward: {h.ward}    Prescriber: {h.prescriber}    Plan: {h.plan_id}",
    )


def compute_metrics(sheet: SheetContent, paper: str) -> Metrics:
    """Measure the header and footer for this sheet on this paper."""
    page_width, page_height = PAGE_SIZES[paper]
    width = page_width - 2 * MARGIN_X
    name_lines, name_size = _fit_name(
        sheet.header.patient_name or "(no name)", width - BARCODE_BOX - GAP
    )
    name_block = len(name_lines) * name_size * 1.2
    info_lines = _fit_info(header_rows(sheet), width - BARCODE_BOX - GAP)
    info_block = sum(size * _ID_LEADING for _, size in info_lines)
    header_height = (
        _PAGE_SIZE * 1.5
        + max(name_block + info_block, BAR_HEIGHT + 12 * mm)
        + (_BANNER_H + 1.5 * mm)
        * (int(sheet.header.not_for_clinical_use) + int(sheet.header.gated))
        + 3 * mm
    )
    foot: list[tuple[str, float]] = []
    for text, font in (
        (sheet.footer.protocol_line, FONT_B),
        (sheet.footer.app_line + " | Page 00 of 00", FONT),
        (sheet.footer.intended_use, FONT),
    ):
        foot += [(line, _FOOT_SIZE) for line in wrap(text, font, _FOOT_SIZE, width)]
    footer_height = len(foot) * _FOOT_LEADING + 3 * mm
    return Metrics(
        page_width=page_width,
        page_height=page_height,
        width=width,
        name_lines=name_lines,
        name_size=name_size,
        info_lines=info_lines,
        header_height=header_height,
        footer_lines=tuple(foot),
        footer_height=footer_height,
    )


class _FixedTimeStamp:
    """reportlab's TimeStamp, fixed at the plan's generation time (UTC)."""

    def __init__(self, epoch: float) -> None:
        import time

        self.t = epoch
        self.lt = time.gmtime(epoch)
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = 0
        self.dmm = 0
        self.tzname = "UTC"


class SheetCanvas(Canvas):
    """A canvas that draws the header and footer last, when the page count N is known."""

    def __init__(
        self, *args: Any, painter: HeaderFooterPainter, epoch: float, **kwargs: Any
    ) -> None:
        # The embedded font from the first operator on: no unembedded Helvetica in the file.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
        super().__init__(*args, **kwargs)
        self._painter = painter
        self._pages: list[dict[str, Any]] = []
        # Determinism: the creation date and the document id come from the plan, not the clock
        # or the SOURCE_DATE_EPOCH of the machine (reportlab's invariant mode does the rest).
        doc = self._doc
        doc._timeStamp = _FixedTimeStamp(epoch)
        signature = hashlib.md5(b"b12k order sheet", usedforsecurity=False)
        signature.update(repr(epoch).encode())
        doc.signature = signature

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._painter.draw(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


class HeaderFooterPainter:
    """Draws the header, the footer and the NOT FOR CLINICAL USE watermark."""

    def __init__(self, sheet: SheetContent, metrics: Metrics) -> None:
        self.sheet = sheet
        self.m = metrics
        self.barcode = identifier_barcode(sheet.header.identifier)
        # The same on every page: wrapped once per sheet, not once per page.
        # The protocol lines are bold: measure them in bold, or they run off the page.
        self._proto_lines = wrap(sheet.footer.protocol_line, FONT_B, _FOOT_SIZE, metrics.width)
        self._use_lines = wrap(sheet.footer.intended_use, FONT, _FOOT_SIZE, metrics.width)

    def watermark(self, canvas: Canvas, _doc: object = None) -> None:
        """Draw NOT FOR CLINICAL USE across the page, under the content."""
        if not self.sheet.header.not_for_clinical_use:
            return
        m = self.m
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFont(FONT_B, 54)
        canvas.translate(m.page_width / 2, m.page_height / 2)
        canvas.rotate(55)
        canvas.drawCentredString(0, -18, "NOT FOR CLINICAL USE")
        canvas.restoreState()

    def draw(self, canvas: Canvas, number: int, total: int) -> None:
        """Draw the header and the footer of page `number` of `total`."""
        canvas.saveState()
        self._header(canvas, number, total)
        self._footer(canvas, number, total)
        canvas.restoreState()

    def _header(self, canvas: Canvas, number: int, total: int) -> None:
        h = self.sheet.header
        m = self.m
        left = MARGIN_X
        right = m.page_width - MARGIN_X
        y = m.page_height - MARGIN_TOP - _PAGE_SIZE
        canvas.setFillColor(BLACK)
        # The title is drawn first: the lint starts the header section at it.
        canvas.setFont(FONT_B, _TITLE_SIZE)
        canvas.drawString(left, y, h.title)
        canvas.setFont(FONT_B, _PAGE_SIZE)
        canvas.drawRightString(right, y, f"Page {number} of {total}")
        y -= _PAGE_SIZE * 0.5
        top_block = y
        for line in m.name_lines:
            y -= m.name_size * 1.2
            canvas.setFont(FONT_B, m.name_size)
            canvas.drawString(left, y, line)
        for line, size in m.info_lines:
            y -= size * _ID_LEADING
            canvas.setFont(FONT, size)
            canvas.drawString(left, y, line)
        # Barcode of the identifier, with the identifier in text under it.
        if self.barcode is not None:
            self.barcode.drawOn(canvas, right - self.barcode.width, top_block - 2 * mm - BAR_HEIGHT)
            canvas.setFont(FONT_B, 9)
            canvas.drawRightString(right, top_block - 2 * mm - BAR_HEIGHT - 10, h.identifier)
        else:
            canvas.setFont(FONT, 8)
            canvas.drawRightString(right, top_block - 6 * mm, "No barcode: identifier cannot be")
            canvas.drawRightString(right, top_block - 6 * mm - 10, "encoded; check it by eye")
        y = m.page_height - MARGIN_TOP - m.header_height + 3 * mm
        banners: list[tuple[str, bool]] = []
        if h.not_for_clinical_use:
            banners.append((h.not_for_clinical_use_text, True))
        if h.gated:
            banners.append(
                (
                    "PRESCRIBER REVIEW REQUIRED before any potassium, magnesium or phosphate: "
                    "see the STOP box on page 1",
                    False,
                )
            )
        by = y + (_BANNER_H + 1.5 * mm) * len(banners)
        for text, inverse in banners:
            by -= _BANNER_H + 1.5 * mm
            size = _BANNER_SIZE
            while size > 7 and pdfmetrics.stringWidth(text, FONT_B, size) > m.width - 4 * mm:
                size -= 0.5
            if inverse:
                canvas.setFillColor(BLACK)
                canvas.rect(left, by, m.width, _BANNER_H, stroke=0, fill=1)
                canvas.setFillColor(WHITE)
            else:
                canvas.setLineWidth(2)
                canvas.setStrokeColor(BLACK)
                canvas.setFillColor(WHITE)
                canvas.rect(left, by, m.width, _BANNER_H, stroke=1, fill=1)
                canvas.setFillColor(BLACK)
            canvas.setFont(FONT_B, size)
            canvas.drawCentredString(left + m.width / 2, by + (_BANNER_H - size) / 2 + 1.5, text)
            canvas.setFillColor(BLACK)
        canvas.setStrokeColor(BLACK)
        canvas.setLineWidth(1)
        canvas.line(left, y - 1 * mm, right, y - 1 * mm)

    def _footer(self, canvas: Canvas, number: int, total: int) -> None:
        m = self.m
        left = MARGIN_X
        y = MARGIN_BOTTOM + m.footer_height - 2 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, y + 1 * mm, m.page_width - MARGIN_X, y + 1 * mm)
        canvas.setFillColor(BLACK)
        page_text = f" | Page {number} of {total}"
        # The app line with the real page number (measured with a wide placeholder).
        app_lines = wrap(self.sheet.footer.app_line + page_text, FONT, _FOOT_SIZE, m.width)
        proto_lines = self._proto_lines
        lines = [*proto_lines, *app_lines, *self._use_lines]
        for i, line in enumerate(lines):
            y -= _FOOT_LEADING
            canvas.setFont(FONT_B if i < len(proto_lines) else FONT, _FOOT_SIZE)
            canvas.drawString(left, y, line)


# ----- flowables ---------------------------------------------------------------------------------


def _shift_rows(command: tuple[Any, ...], by: int) -> tuple[Any, ...]:
    """Move a table-style command down by `by` rows (negative rows count from the end)."""
    if not by:
        return command
    name, (c0, r0), (c1, r1), *rest = command
    return (name, (c0, r0 + by if r0 >= 0 else r0), (c1, r1 + by if r1 >= 0 else r1), *rest)


def _table_style(commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells use the embedded font (a table's own default is Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


#: What Paragraph.wrap (and the breakLines it calls) leave on the paragraph for one width.
_WRAP_STATE = (
    "width",
    "height",
    "blPara",
    "_wrapWidths",
    "_width_max",
    "frags",
    "_splitLongWordCount",
    "_hyphenations",
)

#: Paragraph texts (with their style) whose parse and line breaks are kept across renders.
#: Most of a sheet is the same for every patient (headings, column heads, escalation criteria,
#: advice, reasons and sources); the rest changes per patient and ages out of the cache.
PARAGRAPH_CACHE_SIZE = 4096
#: Distinct styles whose value keys are remembered (the sheet has 15).
_STYLE_KEY_CACHE_SIZE = 256


class _Parsed:
    """A paragraph text parsed once: reportlab's fragments and every line breaking of them.

    Used by every CachedParagraph with the same text and style values, in this render and
    later ones, so nothing in it may ever be changed: reportlab reads fragments and broken lines
    when it measures, splits and draws, and builds new objects when it splits a paragraph
    (tests/report/test_bytes.py checks that a render leaves every entry as it found it).
    """

    __slots__ = ("bullet_text", "frags", "text", "wraps")

    def __init__(self, text: str, frags: list[Any], bullet_text: Any) -> None:
        self.text = text
        self.frags = frags
        self.bullet_text = bullet_text
        #: (input token, width) -> what wrap() left on the paragraph; see CachedParagraph.wrap.
        self.wraps: dict[tuple[Any, float], dict[str, Any]] = {}


class _LRU:
    """A small thread-safe least-recently-used map (the GUI renders from a worker thread)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def values(self) -> list[Any]:
        with self._lock:
            return list(self._data.values())

    def __len__(self) -> int:
        return len(self._data)


_PARSED = _LRU(PARAGRAPH_CACHE_SIZE)
_STYLE_KEYS: dict[int, tuple[ParagraphStyle, int]] = {}
_STYLE_TOKENS: dict[tuple[Any, ...], int] = {}
_STYLE_LOCK = threading.Lock()


def _frozen(value: Any) -> Any:
    if isinstance(value, colors.Color):
        return (type(value).__name__, *value.rgba())  # a Color compares by value; hash it so
    return value


def _style_key(style: ParagraphStyle) -> int | None:
    """A small number standing for every value of a paragraph style, or None.

    Styles with the same values (what parsing and line breaking read) get the same number; the
    number, not the long tuple of values, goes into the paragraph cache's keys (hashing the
    tuple for every paragraph cost more than the lookup).
    """
    known = _STYLE_KEYS.get(id(style))
    if known is not None and known[0] is style:
        return known[1]
    try:
        values = tuple(
            sorted((k, _frozen(v)) for k, v in vars(style).items() if k != "parent")
        )
        hash(values)
    except TypeError:  # a value that cannot be compared safely: never reuse this style
        return None
    with _STYLE_LOCK:
        if len(_STYLE_KEYS) >= _STYLE_KEY_CACHE_SIZE:
            _STYLE_KEYS.clear()
        if len(_STYLE_TOKENS) >= _STYLE_KEY_CACHE_SIZE:
            # Numbers are never given to other values while a cached paragraph may use them.
            _PARSED.clear()
            _STYLE_TOKENS.clear()
            _STYLE_KEYS.clear()
        token = _STYLE_TOKENS.setdefault(values, len(_STYLE_TOKENS))
        _STYLE_KEYS[id(style)] = (style, token)
    return token


def clear_caches() -> None:
    """Forget every parsed paragraph and line breaking kept across renders."""
    with _STYLE_LOCK:
        _PARSED.clear()
        _STYLE_KEYS.clear()
        _STYLE_TOKENS.clear()


class CachedParagraph(Paragraph):
    """A Paragraph that parses its markup and breaks its lines once per text, style and width.

    reportlab wraps a table cell's paragraph again whenever the table is measured, split at a
    page end or drawn (three times on average on this sheet: 1,800 wraps for 600 paragraphs),
    and parsing markup and breaking lines are most of a sheet's time. Both depend only on the
    text, the style's values and the width, and most of the text is the same on every sheet:
    the results are kept (module-level, least recently used, `PARAGRAPH_CACHE_SIZE` texts) and
    a later paragraph with the same text, style values and width takes the same fragments and
    lines, so it draws the same bytes.

    Line breaking replaces the paragraph's fragments with "frag words", and a later wrap at
    another width starts from those: each kept wrap is keyed by the fragments it started from
    (a token: None for the parsed ones, else the key of the wrap that left them) and the width.
    Texts with a soft hyphen are not reused (splitting such a paragraph changes a fragment).
    """

    def __init__(
        self,
        text: str | None,
        style: ParagraphStyle | None = None,
        bulletText: Any = None,  # noqa: N803
        frags: list[Any] | None = None,
        caseSensitive: int = 1,  # noqa: N803
        encoding: str = "utf8",
    ) -> None:
        key = None
        if (
            frags is None
            and bulletText is None
            and isinstance(text, str)
            and style is not None
            and caseSensitive == 1
            and encoding == "utf8"
            and getattr(style, "bulletText", None) is None
            and "\xad" not in text
        ):
            style_key = _style_key(style)
            if style_key is not None:
                key = (text, style_key)
        parsed = _PARSED.get(key) if key is not None else None
        if parsed is None:
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            if key is not None and self.style is style:
                parsed = _Parsed(self.text, self.frags, self.bulletText)
                _PARSED.put(key, parsed)
        else:
            # What Paragraph.__init__ and _setup would have set, from the kept parse.
            self.caseSensitive = caseSensitive
            self.encoding = encoding
            self.text = parsed.text
            self.frags = parsed.frags
            self.style = style
            self.bulletText = parsed.bullet_text
            self.debug = 0
        self._b12k_parsed = parsed
        self._b12k_token: Any = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        cache: dict[float, dict[str, Any]] = self.__dict__.setdefault("_b12k_wraps", {})
        state = cache.get(availWidth)
        parsed: _Parsed | None = self.__dict__.get("_b12k_parsed")
        kept_key = (self.__dict__.get("_b12k_token"), availWidth)
        if state is None and parsed is not None:
            state = parsed.wraps.get(kept_key)
            if state is not None:
                cache[availWidth] = state
        if state is not None:
            self.__dict__.update(state)
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        if hasattr(self, "blPara"):  # not when the width was too narrow to try
            state = {k: self.__dict__[k] for k in _WRAP_STATE if k in self.__dict__}
            state["_b12k_token"] = kept_key
            self._b12k_token = kept_key
            cache[availWidth] = state
            if parsed is not None:
                parsed.wraps[kept_key] = state
        return width, height


class SheetBuilder:
    """Builds the flowables of the sheet body from its content, section by section."""

    def __init__(self, sheet: SheetContent, width: float) -> None:
        self.sheet = sheet
        self.w = width
        self.inner = width - 14  # inside a boxed() table: its padding and border
        self.s = make_styles()

    # small pieces

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return CachedParagraph(markup(text), style or self.s.body)

    def rich(self, xml: str, style: ParagraphStyle | None = None) -> Paragraph:
        return CachedParagraph(xml, style or self.s.body)

    def mark(self, mark: Mark) -> Paragraph:
        text = escape(mark.label)
        if mark.local_policy:
            text += "<br/><b>local policy</b>"
        return CachedParagraph(text, self.s.mark)

    def subheading(self, text: str) -> list[Flowable]:
        """A sub-heading that never ends a page alone.

        A page break when less than a few rows' height is left, rather than keepWithNext, which
        would carry a whole table that fits on one page over to the next page.
        """
        return [CondPageBreak(40 * mm), self.p(text[0].upper() + text[1:], self.s.subheading)]

    def heading(self, text: str) -> Flowable:
        table = Table([[CachedParagraph(escape(text), self.s.heading)]], colWidths=[self.w])
        table.setStyle(
            _table_style(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), BLACK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 5),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ]
            )
        )
        table.keepWithNext = True
        return table

    def section(self, heading: str, *body: Flowable, keep: bool = False) -> list[Flowable]:
        """A heading followed by its body; the heading never ends a page alone."""
        parts: list[Flowable] = [CondPageBreak(45 * mm), self.heading(heading), Spacer(1, 1.5 * mm)]
        if keep:
            parts.append(KeepTogether(list(body)))
        else:
            parts.extend(body)
        parts.append(Spacer(1, GAP))
        return parts

    def grid(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[Any]],
        fractions: Sequence[float],
        extra: Sequence[tuple[Any, ...]] = (),
        box: float = 0.8,
        title: str | None = None,
    ) -> Table:
        """A table with a grey header row (repeated on each page) and ruled cells.

        A `title` becomes an unruled first row, repeated with the header on every page: it can
        never be left alone at the foot of a page, and a continued table keeps its title.
        """
        widths = [self.w * f for f in fractions]
        data: list[list[Any]] = []
        top = 0
        if title is not None:
            data.append(
                [self.p(title[0].upper() + title[1:], self.s.subheading)] + [""] * (len(widths) - 1)
            )
            top = 1
        if header is not None:
            data.append([CachedParagraph(escape(h), self.s.head_cell) for h in header])
        data.extend([list(r) for r in rows])
        repeat = top + (1 if header is not None else 0)
        table = Table(data, colWidths=widths, repeatRows=repeat)
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, top), (-1, -1), 0.5, RULE),
            ("BOX", (0, top), (-1, -1), box, BLACK),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        if title is not None:
            style += [("SPAN", (0, 0), (-1, 0)), ("LEFTPADDING", (0, 0), (0, 0), 0)]
        if header is not None:
            style.append(("BACKGROUND", (0, top), (-1, top), SHADE))
        style.extend(_shift_rows(command, top) for command in extra)
        table.setStyle(_table_style(style))
        return table

    def boxed(self, flowables: list[Flowable], border: float = 2.2) -> Table:
        table = Table([[flowables]], colWidths=[self.w])
        table.setStyle(
            _table_style(
                [
                    ("BOX", (0, 0), (-1, -1), border, BLACK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def marked_list(
        self,
        lines: Sequence[MarkedLine],
        style: ParagraphStyle | None = None,
        bullet: str = "\u2022",
        width: float | None = None,
    ) -> Table:
        w = width or self.w
        rows = [
            [
                self.p(bullet, style or self.s.cell),
                self.p(line.text, style or self.s.cell),
                self.mark(line.mark),
            ]
            for line in lines
        ]
        table = Table(rows, colWidths=[w * 0.035, w * 0.86, w * 0.105])
        table.setStyle(
            _table_style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.3, SHADE),
                ]
            )
        )
        return table

    # sections, in printing order

    def gates(self) -> list[Flowable]:
        if not self.sheet.gates:
            return []
        body: list[Flowable] = [
            self.p(
                "Automatic dosing is stopped. The prescriber must review the following before any "
                "potassium, magnesium or phosphate is given:",
                self.s.alert,
            ),
            Spacer(1, 1.5 * mm),
            self.marked_list(self.sheet.gates, self.s.alert, bullet="!", width=self.inner),
        ]
        return self.section(C.H_GATES, self.boxed(body, border=3), keep=True)

    def results(self) -> list[Flowable]:
        s = self.s
        out: list[Flowable] = []
        if self.sheet.results:
            rows = []
            extra: list[tuple[Any, ...]] = []
            for i, r in enumerate(self.sheet.results, start=1):
                rows.append(
                    [
                        self.p(r.label, s.cell),
                        self.p(r.value, s.cell_bold),
                        self.p(r.sampled, s.cell),
                        self.p(r.flags, s.cell_bold),
                        self.p(r.entered, s.small),
                    ]
                )
                if r.flags:
                    extra.append(("BACKGROUND", (3, i), (3, i), SHADE))
            table = self.grid(
                ["Test", "Result", "Sampled", "Flag", "Entered as"],
                rows,
                (0.2, 0.2, 0.27, 0.15, 0.18),
                extra,
            )
        else:
            table = self.p("No baseline results recorded.", s.bold)
        out += self.section(C.H_RESULTS, table)
        if self.sheet.followups:
            rows = [
                [
                    self.p(f.label, s.cell),
                    self.p(f.value, s.cell_bold),
                    self.p(f.sampled, s.cell),
                    self.p(f.after, s.cell),
                    self.p(f.band, s.cell),
                ]
                for f in self.sheet.followups
            ]
            out += self.section(
                C.H_FOLLOWUPS,
                self.grid(
                    ["Test", "Result", "Sampled", "After first dose", "Band"],
                    rows,
                    (0.16, 0.17, 0.25, 0.14, 0.28),
                ),
            )
        return out

    def risk(self) -> list[Flowable]:
        s = self.s
        r = self.sheet.risk
        head = Table(
            [[self.rich(f"Risk tier: {markup(r.tier_label)}", s.tier), self.mark(r.mark)]],
            colWidths=[self.w * 0.895, self.w * 0.105],
        )
        head.setStyle(
            _table_style(
                [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
            )
        )
        body: list[Flowable] = [head]
        if r.explanation:
            body.append(self.p(r.explanation, s.cell))
        if r.factors:
            rows = [
                [self.p(f.label, s.cell), self.p(f.tier, s.cell_bold), self.mark(f.mark)]
                for f in r.factors
            ]
            body += [
                Spacer(1, 1 * mm),
                self.grid(
                    ["Factor behind the tier", "Raises tier to", "Ref"], rows, (0.73, 0.165, 0.105)
                ),
            ]
        body += [Spacer(1, 1.5 * mm), self.marked_list([r.anaemia])]
        out = self.section(C.H_RISK, *body)
        if self.sheet.warnings:
            rows = []
            extra: list[tuple[Any, ...]] = []
            for i, w in enumerate(self.sheet.warnings):
                rows.append(
                    [
                        self.p(w.level, s.cell_bold),
                        self.p(w.text, s.cell_bold if w.danger else s.cell),
                        self.mark(w.mark),
                    ]
                )
                if w.danger:
                    extra += [
                        ("BOX", (0, i), (-1, i), 2, BLACK),
                        ("BACKGROUND", (0, i), (0, i), SHADE),
                    ]
            out += self.section(C.H_WARNINGS, self.grid(None, rows, (0.12, 0.775, 0.105), extra))
        return out

    def b12(self) -> list[Flowable]:
        s = self.s
        b = self.sheet.b12
        order = self.grid(
            ["Drug (generic name)", "Dose", "Route", "Schedule", "Ref"],
            [
                [
                    self.p(b.drug, s.cell_bold),
                    self.p(b.dose, s.cell_bold),
                    self.p(b.route, s.cell),
                    self.p(f"{b.loading}, {b.maintenance}.", s.cell),
                    self.mark(b.mark),
                ]
            ],
            (0.195, 0.21, 0.135, 0.355, 0.105),
        )
        per_row = 4
        cells = [self.rich(f"<b>{escape(n)}</b><br/>{markup(at)}", s.cell) for n, at in b.doses]
        while len(cells) % per_row:
            cells.append(self.p("", s.cell))
        rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        doses = self.grid(None, rows, [1 / per_row] * per_row, box=0.5)
        return self.section(
            C.H_B12,
            order,
            Spacer(1, 1.5 * mm),
            self.p("Dates of the first doses:", s.bold),
            Spacer(1, 0.8 * mm),
            doses,
            keep=True,
        )

    def monitoring(self) -> list[Flowable]:
        s = self.s
        purposes = list(
            dict.fromkeys(p for d in self.sheet.monitoring for p in d.purposes)
        )
        intro: list[Flowable] = [self.p(self.sheet.clock_note, s.cell)]
        intro += [self.p(f"\u2022 {p}", s.cell) for p in purposes if p]
        intro += [self.p(f"\u2022 {r}", s.cell_bold) for r in self.sheet.removed_draws]
        rows: list[list[Any]] = []
        extra: list[tuple[Any, ...]] = []
        for d in self.sheet.monitoring:
            i = len(rows) + 1  # the header is row 0
            weekday, date_part, clock_time = d.when.split(" ")
            when_cell = self.rich(
                f"<b>{escape(clock_time)}</b><br/>{escape(weekday)}<br/>{escape(date_part)}", s.when
            )
            after = self.rich(
                f"<b>{markup(d.after)}</b>"
                if d.before_first_dose
                else f"{markup(d.after)}<br/>{markup(d.day)}",
                s.cell,
            )
            prompts = self.rich("<br/>".join(markup(x) for x in d.result_prompts) or "", s.write)
            rows.append(
                [
                    when_cell,
                    after,
                    self.p(d.tests, s.cell),
                    self.p(
                        TICK_BOX,
                        ParagraphStyle("box", parent=s.cell, fontSize=16, leading=18, alignment=1),
                    ),
                    prompts,
                    self.p("", s.cell),
                    self.p("", s.cell),
                    self.mark(d.mark),
                ]
            )
            if d.before_first_dose:
                extra += [("BOX", (0, i), (-1, i), 2, BLACK), ("BACKGROUND", (0, i), (2, i), SHADE)]
            if d.override:
                # The override's mark, who and why, on a full-width row under its draw.
                rows.append([self.p(d.override, s.cell_bold)] + [""] * 7)
                extra += [("SPAN", (0, i + 1), (-1, i + 1)), ("BOX", (0, i), (-1, i + 1), 2, BLACK)]
        table = self.grid(
            ["When", "After first dose", "Tests", "Taken", "Result", "Time", "Initials", "Ref"],
            rows,
            (0.13, 0.12, 0.18, 0.075, 0.26, 0.07, 0.08, 0.085),
            extra,
        )
        return self.section(C.H_MONITORING, *intro, Spacer(1, 1.5 * mm), table)

    def _orders_now(self, orders: Sequence[OrderLine], label: str) -> Table:
        s = self.s
        rows = []
        for o in orders:
            parts = [f"<b>{markup(o.text)}</b>"]
            if o.start:
                parts.append(f"<b>{markup(o.start)}</b>")
            parts += [f"<b>{markup(flag)}</b>" for flag in o.flags]
            if o.override:
                parts.append(f"<b>{markup(o.override)}</b>")
            rows.append(
                [
                    self.p(o.electrolyte, s.cell_bold),
                    self.rich("<br/>".join(parts), s.cell),
                    self.mark(o.mark),
                ]
            )
        return self.grid([label, "Order", "Ref"], rows, (0.16, 0.735, 0.105))

    def _band_table(self, table: BandTable) -> Table:
        s = self.s
        rows = []
        extra: list[tuple[Any, ...]] = []
        for i, r in enumerate(table.rows, start=1):
            lines = [
                f"<b>{markup(r.instruction)}</b>"
                if (r.call_doctor or r.gated)
                else markup(r.instruction)
            ]
            if r.order_text:
                lines.append(markup(r.order_text))
            lines += [f"<b>{markup(flag)}</b>" for flag in r.flags]
            alerts = []
            if r.call_doctor:
                alerts.append("CALL DOCTOR NOW")
            if r.ecg:
                alerts.append("12-lead ECG")
            rows.append(
                [
                    self.p(r.label, s.cell_bold),
                    self.rich("<br/>".join(lines), s.cell),
                    self.p(r.recheck, s.cell),
                    self.rich("<br/>".join(f"<b>{escape(a)}</b>" for a in alerts), s.cell),
                    self.mark(r.mark),
                ]
            )
            if r.call_doctor:
                extra.append(("BACKGROUND", (3, i), (3, i), SHADE))
        return self.grid(
            [f"If the {table.electrolyte} result is", "Do this", "Recheck", "Doctor / ECG", "Ref"],
            rows,
            (0.2, 0.47, 0.115, 0.11, 0.105),
            extra,
            title=table.title,
        )

    def potassium(self) -> list[Flowable]:
        s = self.s
        sheet = self.sheet
        now: list[Flowable] = self.subheading("Potassium order now")
        if sheet.potassium_basis:
            now += [self.p(sheet.potassium_basis, s.cell), Spacer(1, 1 * mm)]
        if sheet.potassium_instruction is not None:
            line = MarkedLine(
                f"For this result: {sheet.potassium_instruction.text}",
                sheet.potassium_instruction.mark,
            )
            if sheet.potassium_call_doctor:
                now.append(self.boxed([self.marked_list([line], s.alert, "!", self.inner)], 2.2))
            else:
                now.append(self.marked_list([line], s.cell_bold, "\u2192"))
            now.append(Spacer(1, 1 * mm))
        now += [
            self._orders_now(sheet.potassium_now, "Now"),
            Spacer(1, 1 * mm),
            self.p(sheet.potassium_total, s.bold),
            self.marked_list([sheet.next_check], s.cell_bold, bullet="\u2192"),
        ]
        body: list[Flowable] = [
            KeepTogether(now),
            Spacer(1, 2 * mm),
            self._band_table(sheet.potassium_table),
        ]
        out = self.section(C.H_POTASSIUM, *body)
        out += self.section(C.H_HOLD, self.marked_list(sheet.hold_rules))
        other: list[Flowable] = [self._orders_now(sheet.other_now, "Now"), Spacer(1, 2 * mm)]
        for table in sheet.other_tables:
            other += [self._band_table(table), Spacer(1, 2 * mm)]
        out += self.section(C.H_MG_PO4, *other)
        return out

    def escalation(self) -> list[Flowable]:
        box = self.boxed(
            [self.marked_list(self.sheet.escalation, self.s.alert, width=self.inner)], border=2.2
        )
        return self.section(C.H_ESCALATION, box, keep=True)

    def advice(self) -> list[Flowable]:
        s = self.s
        rows = [
            [
                self.p(f.name, s.cell),
                self.p(f.portion, s.cell),
                self.p(f.amount, s.cell),
                self.mark(f.mark),
            ]
            for f in self.sheet.foods
        ]
        body: list[Flowable] = [
            self.p(
                "Advice to give the patient, not an order. Amounts are approximate and vary "
                "with portion size and cooking.",
                s.bold,
            ),
            Spacer(1, 1 * mm),
        ]
        if rows:
            body.append(
                self.grid(
                    ["Food", "Portion", "Approximate potassium", "Ref"],
                    rows,
                    (0.4, 0.2, 0.295, 0.105),
                )
            )
        body += [Spacer(1, 1 * mm), self.marked_list([self.sheet.food_note], s.cell)]
        return self.section(C.H_ADVICE, *body, keep=True)

    def sources(self) -> list[Flowable]:
        s = self.s
        intro = self.p(
            "Each order and schedule line carries a mark (R1, R2 ...). The mark resolves below to "
            "the rules that produced the line (rule id: value; source, grade), then the inputs "
            "used. LOCAL POLICY marks a value that no graded source gives: the site must "
            "approve it.",
            s.small,
        )
        rows = []
        for r in self.sheet.reasons:
            parts = []
            for rule in r.rules:
                local = " <b>LOCAL POLICY</b>" if rule.local_policy else ""
                parts.append(
                    f"<b>{escape(rule.rule_id)}</b>: {markup(rule.text)} "
                    f"({escape(rule.source)}, {escape(rule.grade)}){local}"
                )
            text = "; ".join(parts) + "."
            if r.inputs:
                text += " <i>Inputs:</i> " + markup("; ".join(r.inputs)) + "."
            if r.explanation:
                text += " " + markup(r.explanation)
            rows.append([CachedParagraph(escape(r.mark.label), s.ref), self.rich(text, s.ref)])
        reasons = self.grid(
            ["Mark", "Rules, values, sources and inputs"],
            rows,
            (0.06, 0.94),
            [("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)],
        )
        src_rows = [
            [
                CachedParagraph(escape(src.key), s.ref),
                self.rich(
                    f"{markup(src.title)}<br/>{_url_markup(src.url, self.w * 0.74, s.ref)}", s.ref
                ),
                CachedParagraph(escape(src.grade), s.ref),
            ]
            for src in self.sheet.sources
        ]
        sources = self.grid(
            ["Source", "Citation", "Grade"],
            src_rows,
            (0.16, 0.74, 0.1),
            [("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)],
        )
        body: list[Flowable] = [intro, Spacer(1, 1 * mm)]
        if self.sheet.overrides:
            body += [self.overrides(), Spacer(1, 2 * mm)]
        body += [reasons, Spacer(1, 2 * mm), sources]
        return self.section(C.H_SOURCES, *body)

    def overrides(self) -> Table:
        """What each prescriber override changed, beside what the protocol recommended."""
        s = self.s
        rows = []
        for o in self.sheet.overrides:
            differs = (
                "<b>Differs from the protocol</b> (confirmed a second time)"
                if o.outside_band
                else "Within the protocol's recommendation"
            )
            rows.append(
                [
                    CachedParagraph(escape(o.label), s.ref),
                    self.rich(
                        f"{markup(o.line)}: {markup(o.change)} by <b>{markup(o.prescriber)}</b>. "
                        f"Reason: {markup(o.reason)}<br/>{differs}",
                        s.ref,
                    ),
                    self.rich(markup(o.recommended), s.ref),
                ]
            )
        return self.grid(
            ["Override", "What the prescriber changed, by whom and why", "Protocol recommended"],
            rows,
            (0.1, 0.45, 0.45),
            [("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)],
            title="Prescriber overrides",
        )

    def signoff(self) -> list[Flowable]:
        s = self.s
        cells = []
        for role in C.SIGNOFF_ROLES:
            name = self.sheet.prescriber if role == "Prescriber" else ""
            lines: list[Flowable] = [self.p(role, s.bold), Spacer(1, 2 * mm)]
            for field in C.SIGNOFF_FIELDS:
                value = f" {name}" if field == "Name" and name else ""
                lines += [self.p(f"{field}:{value}", s.cell), Spacer(1, 9 * mm)]
            cells.append(lines)
        table = Table([cells], colWidths=[self.w / 3] * 3)
        table.setStyle(
            _table_style(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, BLACK),
                    ("INNERGRID", (0, 0), (-1, -1), 1.2, BLACK),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 5),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return self.section(C.H_SIGNOFF, table, keep=True)

    def build(self) -> list[Flowable]:
        """Return every flowable of the body, in printing order."""
        return [
            *self.gates(),
            *self.results(),
            *self.risk(),
            *self.b12(),
            *self.monitoring(),
            *self.potassium(),
            *self.escalation(),
            *self.advice(),
            *self.sources(),
            *self.signoff(),
        ]


def _url_markup(url: str, width: float, style: ParagraphStyle) -> str:
    """Break a long URL only before a '/', so that no line of it starts with a digit or a dot."""
    if not url:
        return ""
    parts = re.split(r"(?=/)", url)
    lines: list[str] = []
    current = ""
    for part in parts:
        if (
            current
            and pdfmetrics.stringWidth(current + part, style.fontName, style.fontSize) > width - 8
        ):
            lines.append(current)
            current = part
        else:
            current += part
    lines.append(current)
    return "<br/>".join(escape(line) for line in lines)


# ----- entry point -------------------------------------------------------------------------------


def render(plan: Plan, options: SheetOptions) -> bytes:
    """Render the order sheet of a plan as PDF bytes (deterministic).

    Raises:
        SheetTextError: a typed name or reason cannot be printed faithfully with the font.
    """
    register_fonts()
    check_printable(plan, _covered_code_points())
    sheet = C.build_content(plan)
    if options.register_anchor:  # the register's head on paper (see desktop_app/audit/witness.py)
        footer = replace(sheet.footer, app_line=sheet.footer.app_line + options.register_anchor_text())
        sheet = replace(sheet, footer=footer)
    metrics = compute_metrics(sheet, options.paper)
    painter = HeaderFooterPainter(sheet, metrics)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(metrics.page_width, metrics.page_height),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP + metrics.header_height,
        bottomMargin=MARGIN_BOTTOM + metrics.footer_height + FOOTER_GAP,
        title=f"B12-K order sheet {plan.plan_id}",
        author="B12-K Planner",
        subject="Potassium, magnesium and phosphate orders around the start of vitamin B12",
        creator=f"B12-K Planner {plan.app_version}",
        invariant=1,
        pageCompression=1,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM + metrics.footer_height + FOOTER_GAP,
        metrics.width,
        metrics.page_height
        - MARGIN_TOP
        - metrics.header_height
        - MARGIN_BOTTOM
        - metrics.footer_height
        - FOOTER_GAP,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame], onPage=painter.watermark)])
    epoch = plan.generated_at.astimezone(UTC).timestamp()

    def canvasmaker(*args: Any, **kwargs: Any) -> SheetCanvas:
        return SheetCanvas(*args, painter=painter, epoch=epoch, **kwargs)

    flowables = SheetBuilder(sheet, metrics.width).build()
    doc.build(flowables, canvasmaker=canvasmaker)
    return buffer.getvalue()


__all__ = ["identifier_barcode", "register_fonts", "render"]
