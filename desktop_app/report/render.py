"""The order sheet renderer's entry: a Plan in, deterministic PDF bytes out.

Layout only: every word comes from `desktop_app.report.content`, which takes it from the Plan.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from typing import Any

from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from desktop_app.logic.plan import Plan
from desktop_app.report import content as C
from desktop_app.report.furniture import HeaderFooterPainter, SheetCanvas, compute_metrics
from desktop_app.report.options import SheetOptions
from desktop_app.report.printable import check_printable
from desktop_app.report.sections import SheetBuilder
from desktop_app.report.styles import (
    FOOTER_GAP,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    covered_code_points,
    register_fonts,
)

#: The file identifier reportlab writes in the trailer: two copies of one 16-byte digest.
#: The language of the sheet's words (the PDF catalog's /Lang, a BCP 47 tag).
SHEET_LANG = "en"

_FILE_ID = re.compile(rb"/ID \n\[<([0-9a-f]{32})><\1>\]")


def with_content_file_id(pdf: bytes) -> bytes:
    """The same PDF, its file identifier a digest of the rest of the file.

    In invariant mode reportlab seeds the identifier with SOURCE_DATE_EPOCH when the machine
    sets it; a reprint must give the sheet's bytes on any machine, so the identifier is made
    from the file's own content instead (same length: no offset in the file moves).
    """
    found = list(_FILE_ID.finditer(pdf))
    if len(found) != 1:
        return pdf
    start, end = found[0].span()
    digest = hashlib.md5(pdf[:start] + pdf[end:], usedforsecurity=False).hexdigest().encode()
    return pdf[:start] + b"/ID \n[<" + digest + b"><" + digest + b">]" + pdf[end:]


def render(plan: Plan, options: SheetOptions) -> bytes:
    """Render the order sheet of a plan as PDF bytes (deterministic).

    Raises:
        SheetTextError: a typed name or reason cannot be printed faithfully with the font.
    """
    register_fonts()
    check_printable(plan, covered_code_points())
    sheet = C.build_content(plan)
    # The building folder and the register's head on paper (desktop_app/audit/witness.py).
    extra = options.build_text() + options.register_anchor_text()
    if extra:
        sheet = replace(sheet, footer=replace(sheet.footer, app_line=sheet.footer.app_line + extra))
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
        # Screen readers and viewers: the sheet's language, and its title shown instead of the
        # file name (reportlab's public document options; the sheet's words are English).
        lang=SHEET_LANG,
        displayDocTitle=1,
        invariant=1,
        pageCompression=1,
    )
    body_height = (
        metrics.page_height
        - MARGIN_TOP
        - metrics.header_height
        - MARGIN_BOTTOM
        - metrics.footer_height
        - FOOTER_GAP
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM + metrics.footer_height + FOOTER_GAP,
        metrics.width,
        body_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame], onPage=painter.watermark)])

    def canvasmaker(*args: Any, **kwargs: Any) -> SheetCanvas:
        return SheetCanvas(*args, furniture=painter, created=plan.generated_at, **kwargs)

    flowables = SheetBuilder(sheet, metrics.width, body_height).build()
    doc.build(flowables, canvasmaker=canvasmaker)
    return with_content_file_id(buffer.getvalue())


__all__ = ["SHEET_LANG", "render", "with_content_file_id"]
