"""Building blocks of the sheet body: section headings, ruled grids, boxes and marked lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table

from desktop_app.report.content import MarkedLine
from desktop_app.report.paragraphs import Paragraphs
from desktop_app.report.styles import BLACK, GAP, RULE, SHADE, make_styles, table_style


def shift_rows(command: tuple[Any, ...], by: int) -> tuple[Any, ...]:
    """Move a table-style command down by `by` rows (negative rows count from the end)."""
    if not by:
        return command
    name, (c0, r0), (c1, r1), *rest = command
    return (name, (c0, r0 + by if r0 >= 0 else r0), (c1, r1 + by if r1 >= 0 else r1), *rest)


class Blocks(Paragraphs):
    """The pieces every section is made of, at the body's width."""

    def __init__(self, width: float) -> None:
        super().__init__(make_styles())
        self.w = width
        self.inner = width - 14  # inside a boxed() table: its padding and border

    def subheading(self, text: str) -> list[Flowable]:
        """A sub-heading that never ends a page alone.

        A page break when less than a few rows' height is left, rather than keepWithNext, which
        would carry a whole table that fits on one page over to the next page.
        """
        return [CondPageBreak(40 * mm), self.p(text[0].upper() + text[1:], self.s.subheading)]

    def heading(self, text: str, width: float | None = None) -> Flowable:
        table = Table([[Paragraph(escape(text), self.s.heading)]], colWidths=[width or self.w])
        table.setStyle(
            table_style(
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

    def section(
        self,
        heading: str,
        *body: Flowable,
        keep: bool = False,
        room: float = 45 * mm,
        gap: float = GAP,
    ) -> list[Flowable]:
        """A heading followed by its body; the heading never ends a page alone.

        A new page is started when less than `room` is left; `gap` is the space after the body.
        """
        parts: list[Flowable] = [CondPageBreak(room), self.heading(heading), Spacer(1, 1.5 * mm)]
        if keep:
            parts.append(KeepTogether(list(body)))
        else:
            parts.extend(body)
        parts.append(Spacer(1, gap))
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
            data.append([Paragraph(escape(h), self.s.head_cell) for h in header])
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
        style.extend(shift_rows(command, top) for command in extra)
        table.setStyle(table_style(style))
        return table

    def boxed(self, flowables: list[Flowable], border: float = 2.2) -> Table:
        table = Table([[flowables]], colWidths=[self.w])
        table.setStyle(
            table_style(
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
        mark_width: float | None = None,
        tight: bool = False,
    ) -> Table:
        """Lines with a bullet and their marks.

        `mark_width` (points) sets the Ref column; `tight` narrows the space between lines and
        prints "local policy" beside the mark, not under it.
        """
        w = width or self.w
        rows = [
            [
                self.p(bullet, style or self.s.cell),
                self.p(line.text, style or self.s.cell),
                self.mark(line.mark, inline=tight),
            ]
            for line in lines
        ]
        ref = mark_width if mark_width is not None else w * 0.105
        table = Table(rows, colWidths=[w * 0.035, w * 0.965 - ref, ref])
        table.setStyle(
            table_style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 1 if tight else 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 if tight else 2.5),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.3, SHADE),
                ]
            )
        )
        return table
