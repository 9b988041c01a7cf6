"""Paragraphs of the order sheet: free text escaped and glued, marks, URLs that break safely.

Each call makes a new reportlab Paragraph: nothing parsed or broken into lines is reused
between paragraphs or kept from one render to the next. What is remembered is only the text
transformation of our own (`glue`, `markup`): pure functions from a string to a string.
"""

from __future__ import annotations

import functools
import re
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

from desktop_app.report.content import Mark
from desktop_app.report.styles import Styles

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


def url_markup(url: str, width: float, style: ParagraphStyle) -> str:
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


class Paragraphs:
    """Makes the sheet's paragraphs in its styles."""

    def __init__(self, styles: Styles) -> None:
        self.s = styles

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped, numbers glued to their units)."""
        return Paragraph(markup(text), style or self.s.body)

    def rich(self, xml: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of reportlab markup built by the caller (already escaped)."""
        return Paragraph(xml, style or self.s.body)

    def mark(self, mark: Mark, inline: bool = False) -> Paragraph:
        """The reference mark of a line (R1...), with "local policy" under it when it is.

        `inline` puts "local policy" beside the mark, for one-line rows in a wider Ref column.
        """
        text = escape(mark.label)
        if mark.local_policy:
            text += (" " if inline else "<br/>") + "<b>local policy</b>"
        return Paragraph(text, self.s.mark)
