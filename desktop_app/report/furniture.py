"""Page furniture of the order sheet: header, footer, barcode, watermark and "page n of N".

The header and footer are drawn by the canvas when the page count is known; every length is
a layout measure, never a clinical number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from desktop_app.report.content import SheetContent
from desktop_app.report.paragraphs import glue
from desktop_app.report.styles import (
    BLACK,
    FONT,
    FONT_B,
    GAP,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_SIZES,
    RULE,
    WATERMARK,
    WHITE,
)

#: Narrowest and widest Code128 module (bar) width; narrower does not scan when printed.
BAR_WIDTH_MAX = 1.0
BAR_WIDTH_MIN = 0.6
BAR_HEIGHT = 9 * mm
BARCODE_BOX = 62 * mm


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
_BANNER_TWO_LINE_SIZE = 6.5
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


def _furniture_form(number: int) -> str:
    """The name of the form that holds page `number`'s header and footer."""
    return f"B12KPageFurniture{number}"


class SheetCanvas(Canvas):
    """A canvas that draws each page's header and footer once the page count N is known.

    Each page ends by drawing a form named after its number, defined later (reportlab's
    `doForm` allows it); at save, when N is known, each form is defined with its page's header
    and footer, "page n of N" included. The creation date is the plan's generation time (UTC),
    not the clock: with reportlab's invariant mode, the same plan gives the same bytes.
    """

    def __init__(
        self, *args: Any, furniture: HeaderFooterPainter, created: datetime, **kwargs: Any
    ) -> None:
        # The embedded font from the first operator on: no unembedded Helvetica in the file.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
        super().__init__(*args, **kwargs)
        self.furniture = furniture
        self.pages_drawn = 0
        stamp = created.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_date: stamp)

    def showPage(self) -> None:
        self.pages_drawn += 1
        self.doForm(_furniture_form(self.pages_drawn))
        super().showPage()

    def save(self) -> None:
        total = self.pages_drawn
        for number in range(1, total + 1):
            self.beginForm(_furniture_form(number))
            self.furniture.draw(self, number, total)
            self.endForm()
        super().save()


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
            if pdfmetrics.stringWidth(text, FONT_B, size) <= m.width - 4 * mm:
                canvas.drawCentredString(
                    left + m.width / 2, by + (_BANNER_H - size) / 2 + 1.5, text
                )
            else:  # a long reason (an approval void): two lines in the same box
                size = _BANNER_TWO_LINE_SIZE
                canvas.setFont(FONT_B, size)
                two = wrap(text, FONT_B, size, m.width - 4 * mm)
                two = [two[0], " ".join(two[1:])]
                for i, line in enumerate(two):
                    canvas.drawCentredString(
                        left + m.width / 2, by + _BANNER_H / 2 + 1 - i * (size + 1), line
                    )
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
