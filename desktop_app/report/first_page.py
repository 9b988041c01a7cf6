"""Page 1 of the sheet: the orders in force now, the next blood tests, hold rules, escalation.

A nurse reads page 1 first, and often only page 1 (issue 17): everything to act on now is
here; the tables for later results, the full schedule and the reasons follow.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    Table,
)

from desktop_app.report import content as C
from desktop_app.report.blocks import Blocks
from desktop_app.report.content import Mark, OrderLine, SheetContent
from desktop_app.report.paragraphs import markup
from desktop_app.report.styles import BLACK, GAP, SHADE, table_style

_log = logging.getLogger(__name__)

#: Column fractions of the orders-now table: what the order is for, the order, its mark.
_ORDER_COLUMNS = (0.125, 0.77, 0.105)
#: Page 1's sections: a new page only when a section truly cannot start, and tighter gaps.
_PAGE_ONE: dict[str, float] = {"room": 25 * mm, "gap": 2 * mm}
#: The hold rules and the escalation box side by side: the gap between them, their Ref column.
_COLUMN_GAP = 4 * mm
_COLUMN_REF = 14 * mm
_HOLD_SHARE = 0.5
#: Page 1's line when the plan has DANGER warnings (their text follows page 1).
DANGER_NOTICE = (
    "! Before acting, read the warnings marked DANGER: they are printed after page 1, with the "
    "other warnings."
)


#: Page 1 may be drawn this much smaller to keep it on one page (9 pt text prints at 7.5 pt).
MIN_SCALE = 0.83
_SCALES = tuple(x / 100 for x in range(97, int(MIN_SCALE * 100) - 1, -2))


class ScaledBlock(Flowable):
    """Flowables laid out in one column `width / scale` wide, drawn `scale` times smaller.

    The column is a one-cell table holding the flowables (reportlab lays a list in a cell out
    as a frame would), so what is measured is what is drawn.
    """

    def __init__(self, parts: list[Flowable], width: float, scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.block = Table([[parts]], colWidths=[width / scale])
        self.block.setStyle(
            table_style(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        width, height = self.block.wrapOn(self.canv, availWidth / self.scale, 1e6)
        return width * self.scale, height * self.scale

    def draw(self) -> None:
        self.canv.scale(self.scale, self.scale)
        self.block.drawOn(self.canv, 0, 0)


def _height(block: ScaledBlock, width: float) -> float:
    """The height the block takes on the page at this width."""
    return block.wrapOn(Canvas(io.BytesIO()), width, 1e6)[1]


class FirstPage(Blocks):
    """The sections of page 1, in printing order."""

    sheet: SheetContent
    #: The height of the body frame; page 1 is fitted into it (None: never fitted).
    body_height: float | None
    #: Keep each page-1 section on one page (False inside a fitted page 1, and to measure).
    keep_sections: bool = True

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
        return self.section(C.H_GATES, self.boxed(body, border=3), keep=self.keep_sections)

    def notices(self) -> list[Flowable]:
        """Short notices that change how the sheet is used, near the top of page 1.

        The place for boxed notices (draws taken elsewhere, results the plan did not use):
        after the STOP box and before the orders, so a nurse reads them before acting. The
        DANGER warnings (issue 15 items 11, 12 and 14: a first dose before the window, a
        discharge inside the label's 48 hours, a newer result that was not used) are printed in
        WARNINGS after page 1; page 1 has no room for their text on Letter paper, so one line
        here says to read them first (no number or mark: marks are numbered in reading order).
        """
        if not any(w.danger for w in self.sheet.warnings):
            return []
        return [self.p(DANGER_NOTICE, self.s.cell_bold), Spacer(1, 1 * mm)]

    def _order_rows(self, orders: Sequence[OrderLine]) -> list[list[Any]]:
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
        return rows

    def _b12_row(self) -> list[Any]:
        s = self.s
        b = self.sheet.b12
        text = (
            f"<b>{markup(b.drug)} {markup(b.dose)} {markup(b.route)}.</b> "
            f"{markup(b.loading)}, {markup(b.maintenance)}."
        )
        if b.doses:
            # The dates of the later doses are printed with the full schedule.
            text += f"<br/><b>First dose: {markup(b.doses[0][1])}.</b>"
        return [self.p("Vitamin B12", s.cell_bold), self.rich(text, s.cell), self.mark(b.mark)]

    def _marks(self, *marks: Mark) -> Paragraph:
        """Several reference marks in one Ref cell, in reading order, as `mark()` prints one."""
        parts = [
            escape(m.label) + ("<br/><b>local policy</b>" if m.local_policy else "") for m in marks
        ]
        return self.rich("<br/>".join(parts), self.s.mark)

    def orders_now(self) -> list[Flowable]:
        """The orders in force now: B12, potassium, magnesium, phosphate; then the next check.

        The result the potassium order answers, and what its band says, head the potassium
        row, so the order is read with its reason and printed once only.
        """
        s = self.s
        sheet = self.sheet
        k_rows = self._order_rows(sheet.potassium_now)
        extra: list[tuple[Any, ...]] = []
        lead: list[str] = []
        if sheet.potassium_basis:
            lead.append(markup(sheet.potassium_basis))
        instruction = sheet.potassium_instruction
        if instruction is not None:
            arrow = "!" if sheet.potassium_call_doctor else "\u2192"
            lead.append(f"<b>{arrow} For this result: {markup(instruction.text)}</b>")
        if lead and not k_rows:  # the engine always orders potassium; never drop the basis
            marks = (instruction.mark,) if instruction is not None else ()
            k_rows = [
                [
                    self.p("Potassium", s.cell_bold),
                    self.rich("<br/>".join(lead), s.cell),
                    self._marks(*marks),
                ]
            ]
        elif lead:
            _, order_cell, order_mark = k_rows[0]
            k_rows[0] = [
                k_rows[0][0],
                [self.rich("<br/>".join(lead), s.cell), Spacer(1, 1 * mm), order_cell],
                self._marks(instruction.mark, sheet.potassium_now[0].mark)
                if instruction is not None
                else order_mark,
            ]
            if sheet.potassium_call_doctor:
                row = 2  # the header, then the B12 order
                extra += [("BOX", (0, row), (-1, row), 2.2, BLACK)]
        rows = [self._b12_row(), *k_rows, *self._order_rows(sheet.other_now)]
        body: list[Flowable] = [
            self.grid(
                ["Order for", "Order now (dose, route, how often, stop)", "Ref"],
                rows,
                _ORDER_COLUMNS,
                extra,
            ),
            Spacer(1, 0.8 * mm),
            self.p(sheet.potassium_total, s.bold),
            self.marked_list([sheet.next_check], s.cell_bold, bullet="\u2192", tight=True),
        ]
        return self.section(C.H_ORDERS_NOW, *body, keep=self.keep_sections, **_PAGE_ONE)

    def next_draws(self) -> list[Flowable]:
        """The next blood tests with their clock times (all of them are in the full schedule)."""
        s = self.s
        rows: list[list[Any]] = []
        extra: list[tuple[Any, ...]] = []
        for d in self.sheet.next_draws:
            i = len(rows) + 1  # the header is row 0
            weekday, date_part, clock_time = d.when.split(" ")
            after = (
                f"<b>{markup(d.after)}</b>"
                if d.before_first_dose
                else f"{markup(d.after)}, {markup(d.day)}"
            )
            tests = markup(d.tests)
            if d.override:
                tests += f"<br/><b>{markup(d.override)}</b>"
            rows.append(
                [
                    self.rich(
                        f"<b>{escape(clock_time)}</b> {escape(weekday)} {escape(date_part)}",
                        s.cell,
                    ),
                    self.rich(after, s.cell),
                    self.rich(tests, s.cell),
                    self.mark(d.mark, inline=True),
                ]
            )
            if d.before_first_dose:
                extra += [("BOX", (0, i), (-1, i), 2, BLACK), ("BACKGROUND", (0, i), (1, i), SHADE)]
        body: list[Flowable] = []
        if rows:
            body.append(
                self.grid(
                    ["When", "After first dose", "Tests", "Ref"],
                    rows,
                    (0.225, 0.18, 0.455, 0.14),
                    extra,
                )
            )
        body.append(self.p(self.sheet.next_draws_note, s.small))
        return self.section(C.H_NEXT_DRAWS, *body, keep=self.keep_sections, **_PAGE_ONE)

    def _column(self, heading: str, body: Flowable, width: float) -> list[Flowable]:
        return [self.heading(heading, width), Spacer(1, 1.5 * mm), body]

    def hold_and_escalation(self) -> list[Flowable]:
        """The hold rules beside when to call the doctor (a thick box), so both fit on page 1.

        Each column has its own section heading; the left one is drawn first, so the text
        reads hold rules, then escalation (the lint and a nurse's eye read the same order).
        """
        sheet = self.sheet
        left = (self.w - _COLUMN_GAP) * _HOLD_SHARE
        right = self.w - _COLUMN_GAP - left
        hold = self.marked_list(
            sheet.hold_rules, self.s.cell, width=left, mark_width=_COLUMN_REF, tight=True
        )
        calls = self.marked_list(
            sheet.escalation,
            self.s.cell_bold,
            width=right - 10,  # inside the box's padding and border
            mark_width=_COLUMN_REF,
            tight=True,
        )
        box = Table([[calls]], colWidths=[right])
        box.setStyle(
            table_style(
                [
                    ("BOX", (0, 0), (-1, -1), 2.2, BLACK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        table = Table(
            [
                [
                    self._column(C.H_HOLD, hold, left),
                    "",
                    self._column(C.H_ESCALATION, box, right),
                ]
            ],
            colWidths=[left, _COLUMN_GAP, right],
        )
        table.setStyle(
            table_style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return [CondPageBreak(_PAGE_ONE["room"]), table, Spacer(1, _PAGE_ONE["gap"])]

    def at_width(self, width: float) -> FirstPage:
        """A builder of the same sheet at another width, never fitted (see sections.py)."""
        raise NotImplementedError

    def first_page(self) -> list[Flowable]:
        """Every flowable of page 1, in printing order, the STOP box first."""
        return [
            *self.gates(),
            *self.notices(),
            *self.orders_now(),
            *self.next_draws(),
            *self.hold_and_escalation(),
        ]

    @staticmethod
    def _unbroken(builder: FirstPage) -> list[Flowable]:
        """Page 1's flowables without their page breaks (measured or drawn as one block)."""
        return [f for f in builder.first_page() if not isinstance(f, CondPageBreak)]

    def first_page_fitted(self) -> list[Flowable]:
        """Page 1, made slightly smaller when that keeps all of it on the first page.

        The page is laid out wider by 1/scale and drawn at `scale` (ScaledBlock), so it still
        fills the width; never below MIN_SCALE, so the print stays readable. When
        even that does not fit (a long STOP box), page 1 flows onto page 2 at full size.
        """
        natural = self.first_page()
        height = self.body_height
        if height is None:
            return natural
        natural_block = ScaledBlock(self._unbroken(self.at_width(self.w)), self.w, 1)
        if _height(natural_block, self.w) <= height:
            return natural

        def block_at(scale: float) -> ScaledBlock | None:
            block = ScaledBlock(self._unbroken(self.at_width(self.w / scale)), self.w, scale)
            return block if _height(block, self.w) <= height else None

        # The largest scale that fits: smaller scales fit more, so search by halves.
        best = block_at(_SCALES[-1])
        if best is None:
            return natural
        low, high = 0, len(_SCALES) - 1  # _SCALES[high] fits
        while low < high:
            middle = (low + high) // 2
            block = block_at(_SCALES[middle])
            if block is None:
                low = middle + 1
            else:
                high, best = middle, block
        _log.debug("page 1 drawn at scale %s to fit", _SCALES[high])
        return [best, Spacer(1, GAP)]
