"""The sections of the sheet body, in printing order: SheetContent in, flowables out."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from desktop_app.report import content as C
from desktop_app.report.content import BandTable, SheetContent
from desktop_app.report.first_page import FirstPage
from desktop_app.report.paragraphs import markup, url_markup
from desktop_app.report.styles import BLACK, SHADE, TICK_BOX, table_style

#: Column widths of the baseline results table (fractions of the body width). The Result column
#: holds the widest result the protocols accept on one line, number and unit together: a value
#: just under a plausible maximum at three decimals ("2,999.999 micromol/L", "199.999
#: mL/min/1.73 m2"). At 0.2 it could not, and "3,000.00 micromol/L" was printed as "micromol/"
#: over "L" (tests/report/test_result_cells.py).
RESULT_COLUMNS = (0.18, 0.26, 0.23, 0.14, 0.19)


class SheetBuilder(FirstPage):
    """Builds the flowables of the sheet body from its content, section by section."""

    def __init__(self, sheet: SheetContent, width: float, body_height: float | None = None) -> None:
        super().__init__(width)
        self.sheet = sheet
        self.body_height = body_height

    def at_width(self, width: float) -> SheetBuilder:
        """The same sheet at another width, never fitted (page 1 laid out wider, then shrunk)."""
        builder = SheetBuilder(self.sheet, width)
        builder.keep_sections = False
        return builder

    def results(self) -> list[Flowable]:
        s = self.s
        out: list[Flowable] = []
        table: Flowable
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
                RESULT_COLUMNS,
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
            table_style(
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
        lines = [r.anaemia, *([r.medicines] if r.medicines is not None else [])]
        body += [Spacer(1, 1.5 * mm), self.marked_list(lines)]
        return self.section(C.H_RISK, *body)

    def warnings(self) -> list[Flowable]:
        s = self.s
        out: list[Flowable] = []
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

    def monitoring(self) -> list[Flowable]:
        s = self.s
        purposes = list(dict.fromkeys(p for d in self.sheet.monitoring for p in d.purposes))
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
        return self.section(C.H_MONITORING, *intro, Spacer(1, 1.5 * mm), table, *self.b12_doses())

    def b12_doses(self) -> list[Flowable]:
        """The dates and times of the first B12 doses (page 1 prints the first one)."""
        s = self.s
        per_row = 4
        cells = [
            self.rich(f"<b>{escape(n)}</b><br/>{markup(at)}", s.cell)
            for n, at in self.sheet.b12.doses
        ]
        if not cells:
            return []
        while len(cells) % per_row:
            cells.append(self.p("", s.cell))
        rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        doses = self.grid(None, rows, [1 / per_row] * per_row, box=0.5)
        return [
            Spacer(1, 2 * mm),
            KeepTogether(
                [
                    self.p("Vitamin B12: dates of the first doses", s.bold),
                    Spacer(1, 0.8 * mm),
                    doses,
                ]
            ),
        ]

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

    def band_tables(self) -> list[Flowable]:
        """What to do for each later result: potassium, then magnesium and phosphate."""
        out = self.section(C.H_POTASSIUM, self._band_table(self.sheet.potassium_table))
        other: list[Flowable] = []
        for table in self.sheet.other_tables:
            other += [self._band_table(table), Spacer(1, 2 * mm)]
        out += self.section(C.H_MG_PO4, *other)
        return out

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
            rows.append([Paragraph(escape(r.mark.label), s.ref), self.rich(text, s.ref)])
        reasons = self.grid(
            ["Mark", "Rules, values, sources and inputs"],
            rows,
            (0.06, 0.94),
            [("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)],
        )
        src_rows = [
            [
                Paragraph(escape(src.key), s.ref),
                self.rich(
                    f"{markup(src.title)}<br/>{url_markup(src.url, self.w * 0.74, s.ref)}", s.ref
                ),
                Paragraph(escape(src.grade), s.ref),
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
                    Paragraph(escape(o.label), s.ref),
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
            table_style(
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
        """Return every flowable of the body, in printing order.

        Page 1 holds what a nurse acts on now (first_page.py); then the tables for later
        results, the full schedule, the results and risk behind the plan, the advice and the
        sign-off; the reasons and sources are at the back.
        """
        return [
            *self.first_page_fitted(),
            *self.warnings(),
            *self.band_tables(),
            *self.monitoring(),
            *self.results(),
            *self.risk(),
            *self.advice(),
            *self.signoff(),
            *self.sources(),
        ]
