"""Typed text the sheet cannot print faithfully is refused, not printed as boxes or reversed."""

from __future__ import annotations

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.report import SheetTextError, render_order_sheet
from desktop_app.report.lint import extract_pages
from tests.logic.helpers import NOW, inputs, proto


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Li \u674e\u5c0f\u9f8d", "cannot print"),
        ("\u05d3\u05d5\u05d3 \u05db\u05d4\u05df", "right to left"),
        ("\u0645\u062d\u0645\u062f", "right to left"),
    ],
    ids=["cjk", "hebrew", "arabic"],
)
def test_unprintable_names_are_refused_with_a_message(name: str, expected: str) -> None:
    plan = evaluate(proto(), inputs(patient={"name": name}), now=NOW)
    with pytest.raises(SheetTextError) as info:
        render_order_sheet(plan)
    assert expected in str(info.value) and "Latin letters" in str(info.value)


@pytest.mark.parametrize(
    "name", ["Zoë Brontë-Ó Súilleabháin", "Łukasz Wąsowski", "Ελένη Παπαδοπούλου", "Юрий Гагарин"]
)
def test_names_the_font_covers_print_as_typed(name: str) -> None:
    plan = evaluate(proto(), inputs(patient={"name": name}), now=NOW)
    first = extract_pages(render_order_sheet(plan))[0]
    assert "".join(name.split()) in "".join(first.split())
