"""The order sheet's limit: a minimal reportlab page, timed in a process of stock reportlab.

Started by benchmarks/run.py as a child that imports nothing of B12-K Planner, so that the limit
is what plain reportlab does on this machine, in a process of its own.

Protocol: for every line read on stdin the page is rendered once and the milliseconds it took
are printed on a line of their own; an empty input ends the process. The first render (fonts
loaded, modules warm) is done before the first line is answered.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

ROOT = Path(__file__).resolve().parents[1]
#: The sheet's regular font, embedded like the sheet's (the sheet must embed its font).
FONT_FILE = ROOT / "resources" / "fonts" / "DejaVuSans.ttf"
FONT = "LimitDejaVuSans"


def minimal_page() -> bytes:
    """One page: a 10-row table and a Code128 barcode, embedded font, page-compressed."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, invariant=1, pageCompression=1)
    table = Table([[f"Row {i}", "Potassium chloride", f"{i * 3.1:.1f} mmol"] for i in range(10)])
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    )
    doc.build([table, Code128("RX0042137", humanReadable=0)])
    return buffer.getvalue()


def main() -> int:
    """Answer each line of stdin with one render's milliseconds."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    minimal_page()
    for _line in sys.stdin:
        started = time.perf_counter()
        minimal_page()
        print(f"{(time.perf_counter() - started) * 1000:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
