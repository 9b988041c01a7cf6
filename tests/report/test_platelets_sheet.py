"""Issue 15 item 15 on the sheet: the platelet route warning (site threshold) reaches the text."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.report import render_order_sheet
from tests.logic.helpers import UK
from tests.report.cases import demo_dict, plan_of
from tests.report.conftest import norm


def _text(pdf: bytes) -> str:
    return norm(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_sheet_prints_the_platelet_warning_with_the_site_threshold() -> None:
    raw = json.loads(UK.read_text(encoding="utf-8"))
    raw["anaemia"]["platelets_im_below"]["value"] = 100
    plan = plan_of(demo_dict(), load_protocol_bytes(json.dumps(raw).encode()))
    text = _text(render_order_sheet(plan))
    assert "Platelets are below the site's threshold for intramuscular injection" in text
    assert "below 100 x 10^9/L" in text and "names no other route" in text


def test_sheet_prints_the_unset_note_on_the_shipped_protocol() -> None:
    text = _text(render_order_sheet(plan_of(demo_dict())))
    assert "sets no platelet threshold for intramuscular injection" in text
