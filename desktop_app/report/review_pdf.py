"""The committee's review pack as a PDF: a pure renderer, Review in, bytes out (issue 14).

Every rule with its value and unit, full citation and grade, local-policy mark and recorded
alternatives, its difference from the base protocol (marked CHANGED), the hard limits it sits
under; the program's hard limits with their sources; and a sign-off block.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop_app.logic.review import Review, ReviewRow
from desktop_app.report.styles import BLACK, FONT, FONT_B, LIGHT, RULE, SHADE, register_fonts

PAGE = landscape(A4)
MARGIN = 12 * mm
#: Column widths of the rules table, in points (they add up to the page width less margins).
RULE_COLUMNS = (92, 112, 170, 30, 150, 120, 119)
SIGNERS = (
    "Chair, drugs and therapeutics committee",
    "Lead pharmacist",
    "Consultant haematologist",
    "Clinical safety officer",
)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=7, leading=8.6)
    return {
        "body": base,
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_B),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_B, fontSize=7),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_B, fontSize=14, leading=17),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_B, fontSize=10, leading=13, spaceBefore=6
        ),
        "intro": ParagraphStyle("intro", parent=base, fontSize=8, leading=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(extra: list[tuple[Any, ...]] | None = None) -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            *(extra or []),
        ]
    )


def _facts(review: Review, s: dict[str, ParagraphStyle]) -> Table:
    local = sum(1 for r in review.rows if r.local_policy)
    changed = sum(1 for r in review.rows if r.differences)
    rows = [
        (
            "Protocol reviewed",
            f"{review.title}\n{review.protocol_id} version {review.version}, file {review.source_name}",
        ),
        ("File SHA-256 (of the file reviewed)", review.sha256),
        (
            "Compared with (base)",
            f"{review.base_id} version {review.base_version}, file {review.base_source_name}\nSHA-256 {review.base_sha256}",
        ),
        (
            "Program hard limits",
            f"version {review.limits_version} (shipped with the program; no protocol can cross them, and the protocol loaded without crossing any)",
        ),
        (
            "Rules",
            f"{len(review.rows)} rules, {local} marked local policy, {changed} differ from the base; {len(review.differences)} field difference(s) in all",
        ),
    ]
    table = Table(
        [[_p(k, s["bold"]), _p(v, s["body"])] for k, v in rows],
        colWidths=(150, sum(RULE_COLUMNS) - 150),
    )
    table.setStyle(_grid([("BACKGROUND", (0, 0), (0, -1), LIGHT)]))
    return table


def _row_cells(row: ReviewRow, s: dict[str, ParagraphStyle]) -> list[Paragraph]:
    mark = "\nCHANGED from the base" if row.differences else ""
    local = "LOCAL POLICY" if row.local_policy else "no (sourced)"
    if row.note:
        local += f"\nNote: {row.note}"
    if row.alternatives:
        local += "\nAlternatives: " + "; ".join(row.alternatives)
    diff = "\n".join(f"{d.path.split('.')[-1]}: {d.before} -> {d.after}" for d in row.differences)
    return [
        _p(row.rule_id + mark, s["bold"]),
        _p(row.value, s["body"]),
        _p(row.citation, s["body"]),
        _p(row.grade, s["body"]),
        _p(local, s["body"]),
        _p("\n".join(row.limits) or "(none applies)", s["body"]),
        _p(diff or "same as base", s["body"]),
    ]


def _rules_table(review: Review, s: dict[str, ParagraphStyle]) -> LongTable:
    head = [
        "Rule",
        "Value and unit",
        "Citation (full)",
        "Grade",
        "Local policy, note, alternatives",
        "Hard limit it sits under",
        "Difference from the base",
    ]
    data = [[_p(h, s["head"]) for h in head]]
    shade: list[tuple[Any, ...]] = []
    for i, row in enumerate(review.rows, start=1):
        data.append(_row_cells(row, s))
        if row.differences:
            shade.append(("BACKGROUND", (0, i), (-1, i), SHADE))
            shade.append(("LINEBEFORE", (0, i), (0, i), 2.5, BLACK))
    table = LongTable(data, colWidths=RULE_COLUMNS, repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), LIGHT), *shade]))
    return table


def _other_differences(review: Review, s: dict[str, ParagraphStyle]) -> list[Any]:
    others = review.other_differences
    if not others:
        return [
            _p("None: every difference from the base is inside a rule listed above.", s["body"])
        ]
    data = [[_p(h, s["head"]) for h in ("Field", "Base", "This protocol")]]
    data += [
        [_p(d.path, s["body"]), _p(d.before, s["body"]), _p(d.after, s["body"])] for d in others
    ]
    table = LongTable(data, colWidths=(260, 263, 270), repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), LIGHT)]))
    return [table]


def _limits_table(review: Review, s: dict[str, ParagraphStyle]) -> LongTable:
    data = [
        [_p(h, s["head"]) for h in ("Hard limit", "Bound", "Source and grade, or the local reason")]
    ]
    data += [
        [_p(i, s["bold"]), _p(b, s["body"]), _p(src, s["body"])] for i, b, src in review.hard_limits
    ]
    table = LongTable(data, colWidths=(110, 170, 513), repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), LIGHT)]))
    return table


def _sign_off(review: Review, s: dict[str, ParagraphStyle]) -> KeepTogether:
    statement = (
        f"We have reviewed every rule of protocol {review.protocol_id} version {review.version} "
        f"(file SHA-256 {review.sha256}), its sources and grades, every rule marked local "
        f"policy, and every difference from {review.base_id} version {review.base_version}, and "
        "approve it for use at the site named below. Any change to the file changes its SHA-256 "
        "and needs a new review."
    )
    data: list[list[Paragraph | str]] = [
        [_p(h, s["head"]) for h in ("Role", "Name", "Signature", "Date")]
    ]
    data += [[_p(role, s["body"]), "", "", ""] for role in SIGNERS]
    data.append([_p("Site", s["body"]), "", "", ""])
    table = Table(
        data, colWidths=(220, 220, 230, 123), rowHeights=[None] + [22] * (len(SIGNERS) + 1)
    )
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), LIGHT)]))
    return KeepTogether([_p("Sign-off", s["h2"]), _p(statement, s["intro"]), Spacer(1, 4), table])


def render_review(review: Review) -> bytes:
    """Return the review pack PDF (byte-stable for the same review)."""
    register_fonts()
    s = _styles()
    buf = io.BytesIO()
    footer = f"Review pack: {review.protocol_id} {review.version}, SHA-256 {review.sha256}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.drawString(MARGIN, 6 * mm, footer)
        canvas.drawRightString(PAGE[0] - MARGIN, 6 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Review pack: {review.protocol_id} {review.version}",
        author="B12-K Planner",
        invariant=True,
    )
    story: list[Any] = [
        _p("Protocol review pack for the approving committee", s["title"]),
        Spacer(1, 3),
        _p(
            "Every rule of the protocol with its value and unit, its full citation and grade, "
            "whether it is local policy (no A/B source gives it: the site chose it) with the "
            "alternatives recorded, the program's hard limit it sits under, and how it differs "
            "from the base protocol. Rows that differ from the base are shaded and marked "
            "CHANGED. The approval block is not part of the reviewed content.",
            s["intro"],
        ),
        Spacer(1, 4),
        _facts(review, s),
        _p("Every rule", s["h2"]),
        _rules_table(review, s),
        _p("Other differences from the base (outside the rules above)", s["h2"]),
        *_other_differences(review, s),
        _p("The program's hard limits", s["h2"]),
        _limits_table(review, s),
        _sign_off(review, s),
    ]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
