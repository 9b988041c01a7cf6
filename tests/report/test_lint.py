"""The text lint itself: every rule fails on a bad string and passes the good form (FMT, VER-01)."""

from __future__ import annotations

import pytest

from desktop_app.report import content as C
from desktop_app.report.lint import (
    Expectations,
    check_pages,
    check_potassium_unit,
    check_segment,
    lint_pages,
    potassium_amounts,
    split_sections,
)


def rules(text: str, kind: str = C.ORDER) -> set[str]:
    """The rules a text breaks in a section of this kind."""
    return {v.rule for v in check_segment(text, kind)}


# ----- FMT-01 trailing zeros --------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "potassium chloride 20.0 mmol by mouth",
        "magnesium 2.50 mmol twice daily",
        "Maximum rate 10.0 mmol/hour",
        "in sodium chloride 0.9% 1,000.0 mL",
        "premixed bag (40.0 mmol/L) by intravenous infusion",
    ],
)
def test_fmt01_trailing_zero_in_an_order_fails(bad: str) -> None:
    assert "FMT-01" in rules(bad)


@pytest.mark.parametrize(
    "good",
    [
        "potassium chloride 20 mmol by mouth",
        "Mild: 3.0 to below 3.5 mmol/L",  # a result threshold at reported precision
        "5.0 mmol/L and above",
        "protocol uk-default version 1.0.0",
        "sodium chloride 0.9% 1,000 mL",
    ],
)
def test_fmt01_clean_order_text_passes(good: str) -> None:
    assert "FMT-01" not in rules(good)


def test_fmt01_allows_reported_precision_in_results_only() -> None:
    assert "FMT-01" not in rules("Potassium 3.0 mmol/L LOW Magnesium 0.60 mmol/L", C.RESULTS)
    assert "FMT-01" in rules("about 9.0 mmol", C.INFO)


# ----- FMT-02 leading zero ----------------------------------------------------------------------


def test_fmt02_leading_zero() -> None:
    assert "FMT-02" in rules("give .5 mmol")
    assert "FMT-02" in rules("(.25 mg)", C.INFO)
    assert "FMT-02" not in rules("give 0.5 mmol")
    assert "FMT-02" not in rules("Review. 5 tablets", C.INFO)


# ----- FMT-03 spacing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["20mmol by mouth", "1mg intramuscular", "250mL/hour", "potassium chloride40 mmol"]
)
def test_fmt03_number_glued_to_unit_or_name_fails(bad: str) -> None:
    assert "FMT-03" in rules(bad)


def test_fmt03_spaced_text_and_codes_pass() -> None:
    assert "FMT-03" not in rules("20 mmol by mouth; 1 mg; B12 1 mg; plan DEMO-0001")
    assert "FMT-03" not in rules("ID: RX0042137 SHA-256 79ff9aa85d9c58a0", C.HEADER)


# ----- FMT-04 a unit on every number in orders --------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "give 20 by mouth",
        "Maximum rate 10 per hour",
        "repeat 3 then stop",
        "override the dose: give 3 now",
    ],
)
def test_fmt04_bare_number_in_an_order_fails(bad: str) -> None:
    assert "FMT-04" in rules(bad)


@pytest.mark.parametrize(
    "good",
    [
        "Thu 26-Nov-2026 14:00 +6 hours, day 1",
        "12-lead ECG now",
        "1 mg every 2 to 3 months",
        "Mild: 3.0 to below 3.5 mmol/L",
        "Course: 3 infusions, 12 hours apart",
        "Dose 2 Sat 28-Nov-2026 14:00",
        "sodium chloride 0.9% 1,000 mL; 96 x 10^9/L",
        "2 tablets (24 mmol) R15",
        "PRESCRIBER OVERRIDE 3: DIFFERS FROM THE PROTOCOL. Moved by Dr R. Ng.",
    ],
)
def test_fmt04_numbers_with_units_dates_and_counts_pass(good: str) -> None:
    assert "FMT-04" not in rules(good)


def test_fmt04_applies_to_orders_and_results_not_to_advice() -> None:
    assert "FMT-04" in rules("Potassium 3.4", C.RESULTS)
    assert "FMT-04" not in rules("Banana 1 medium", C.INFO)


# ----- FMT-05 one potassium unit, never grams; magnesium conversion -----------------------------


def test_fmt05_finds_potassium_amounts() -> None:
    text = (
        "potassium chloride 40 mmol in sodium chloride 0.9% 1,000 mL. Adds 9 mEq potassium per day."
    )
    assert [u for *_, u in potassium_amounts(text)] == ["mmol", "mEq"]
    assert potassium_amounts("Magnesium 0.7 mmol/L. Phosphate 16 mmol.") == []


def test_fmt05_potassium_in_grams_fails() -> None:
    assert "FMT-05" in rules("potassium chloride 1.5 g by mouth")
    assert "FMT-05" in rules("give 2 g of potassium")


def test_fmt05_magnesium_needs_its_meq_conversion() -> None:
    assert "FMT-05" in rules("magnesium sulfate 20 mmol in glucose 5% 250 mL by infusion.")
    assert "FMT-05" not in rules(
        "magnesium sulfate 20 mmol in glucose 5% 250 mL [20 mmol (40 mEq)]."
    )
    assert "FMT-05" not in rules("Magnesium: Severe: below 0.5 mmol/L.")


def _segments(text: str) -> list:
    return split_sections([f"{C.H_POTASSIUM}\n{text}"])


def test_fmt05_potassium_in_the_other_unit_fails() -> None:
    segments = _segments("potassium chloride 20 mmol by mouth. Adds 9 mEq potassium per day.")
    found = check_potassium_unit(segments, "mmol")
    assert [v.rule for v in found] == ["FMT-05"]
    assert "mEq" in found[0].message
    assert check_potassium_unit(_segments("potassium chloride 20 mmol by mouth."), "mmol") == []


def test_fmt05_mixed_units_fail_even_without_the_site_unit() -> None:
    segments = _segments(
        "potassium chloride 20 mmol by mouth. Potassium chloride 40 mmol in 1,000 mL. "
        "Adds 9 mEq potassium."
    )
    found = check_potassium_unit(segments, None)
    assert len(found) == 1 and "mEq" in found[0].excerpt


def test_fmt05_phosphate_amount_beside_potassium_is_not_potassium() -> None:
    text = (
        "Give oral phosphate as ordered. It contains potassium: counted in the potassium total. "
        "phosphate effervescent tablet (Phosphate Sandoz): 1 tablet (16 mmol) by mouth. "
        "Adds 9 mEq potassium per day."
    )
    assert check_potassium_unit(_segments(text), "mEq") == []


# ----- FMT-06 banned notation and CLM-01 unsupported claims -------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "insulin 10 U",
        "insulin 10U",
        "vitamin D 800 IU daily",
        "5 cc",
        "500 µg",
        "500 μg",
        "1 tablet QD",
        "1 tablet q.d.",
        "1 tablet QOD",
        "D/C when potassium is normal",
        "replace per protocol",
        "give as a bolus",
        "Give KCl BOLUS",
        "hydroxocobalamin 1 mg. intramuscular",
    ],
)
def test_fmt06_banned_notation_fails_everywhere(bad: str) -> None:
    for kind in (C.ORDER, C.INFO, C.RESULTS, C.SOURCES, C.HEADER, C.FOOTER):
        assert "FMT-06" in rules(bad, kind), kind


def test_fmt06_allows_the_words_it_bans_the_abbreviations_of() -> None:
    assert "FMT-06" not in rules(
        "prominent U waves; 10 units; 500 micrograms; daily; every other day; stop; "
        "1 mg every 2 weeks"
    )


def test_clm01_severe_headaches_is_never_printed() -> None:
    assert "CLM-01" in rules("Call the doctor for severe headaches.", C.ORDER)
    assert "CLM-01" in rules("Severe headache", C.INFO)
    assert "CLM-01" not in rules("New muscle weakness, cramps, palpitations.")


# ----- FMT-07 thousands separator ---------------------------------------------------------------


def test_fmt07_numbers_from_1000_need_a_comma() -> None:
    assert "FMT-07" in rules("sodium chloride 0.9% 1000 mL")
    assert "FMT-07" in rules("cyanocobalamin 1000 micrograms")
    assert "FMT-07" not in rules("sodium chloride 0.9% 1,000 mL; Thu 26-Nov-2026 14:00; 999 mL")
    assert "FMT-07" not in rules("Postgrad Med J 1986;62:187", C.SOURCES)


# ----- sections ---------------------------------------------------------------------------------


def test_sections_follow_headings_header_and_footer_across_pages() -> None:
    pages = [
        f"NOT FOR CLINICAL USE\n{C.H_RESULTS}\nPotassium 3.0 mmol/L\n"
        f"{C.H_POTASSIUM}\ngive 20 mmol\n"
        f"{C.SHEET_TITLE} Page 1 of 2\nID 1234\n{C.FOOTER_MARK} x version 1.0.0",
        f"continued 20 mmol\n{C.SHEET_TITLE} Page 2 of 2\n{C.FOOTER_MARK} x",
    ]
    segments = split_sections(pages)
    assert [(s.page, s.section, s.kind) for s in segments] == [
        (1, "(before the first section)", C.INFO),
        (1, C.H_RESULTS, C.RESULTS),
        (1, C.H_POTASSIUM, C.ORDER),
        (1, "header", C.HEADER),
        (1, "footer", C.FOOTER),
        (2, C.H_POTASSIUM, C.ORDER),  # the section continues on the next page
        (2, "header", C.HEADER),
        (2, "footer", C.FOOTER),
    ]
    assert "continued" in segments[5].text


def test_results_keep_trailing_zero_but_the_same_text_in_orders_fails() -> None:
    body = "Potassium 3.0 mmol/L at 07:10 and 20.0 mmol"
    pages = [
        f"{C.H_RESULTS}\n{body}\n{C.SHEET_TITLE} Page 1 of 1\n"
        f"{C.FOOTER_MARK} a version 1.0.0 SHA-256 abcdef0123"
    ]
    assert [v.rule for v in lint_pages(pages)] == []
    pages[0] = pages[0].replace(C.H_RESULTS, C.H_POTASSIUM)
    assert [v.rule for v in lint_pages(pages)] == ["FMT-01"]


# ----- VER-01 -----------------------------------------------------------------------------------


def _page(
    n: int, total: int, stamp: str = "uk-default version 1.2.0 SHA-256 0123456789abcdef"
) -> str:
    return f"{C.H_ORDERS_NOW}\n1 mg\n{C.SHEET_TITLE} Page {n} of {total}\n{C.FOOTER_MARK} {stamp}"


def test_ver01_clean_pages_pass() -> None:
    assert check_pages([_page(1, 3), _page(2, 3), _page(3, 3)]) == []


def test_ver01_missing_or_wrong_page_numbers_fail() -> None:
    found = check_pages([_page(1, 2), _page(2, 3)])
    assert [(v.rule, v.page) for v in found] == [("VER-01", 2)]
    found = check_pages([_page(1, 2), _page(2, 2).replace("Page 2 of 2", "")])
    assert [(v.rule, v.page) for v in found] == [("VER-01", 2)]
    found = check_pages([_page(1, 1), _page(1, 1)])
    assert any(v.page == 2 for v in found)


def test_ver01_missing_or_differing_stamp_fails() -> None:
    found = check_pages([_page(1, 2), _page(2, 2, stamp="no stamp here")])
    assert [(v.rule, v.page) for v in found] == [("VER-01", 2)]
    found = check_pages(
        [_page(1, 2), _page(2, 2, stamp="uk-default version 1.3.0 SHA-256 0123456789abcdef")]
    )
    assert [(v.rule, v.page) for v in found] == [("VER-01", 0)]


def test_ver01_expected_stamp_must_be_on_every_page() -> None:
    expect = Expectations(stamp=("uk-default version 1.2.0", "B12-K Planner 0.1.0"))
    pages = [_page(1, 2) + " B12-K Planner 0.1.0", _page(2, 2)]
    found = check_pages(pages, expect)
    assert [(v.rule, v.page, v.excerpt) for v in found] == [("VER-01", 2, "B12-K Planner 0.1.0")]


def test_violation_text_names_rule_page_section_and_excerpt() -> None:
    (v,) = check_segment("give 20.0 mmol", C.ORDER, page=3, section=C.H_POTASSIUM)
    assert (
        str(v) == f"FMT-01 (page 3, {C.H_POTASSIUM}): trailing zero in '20.0': \"give 20.0 mmol\""
    )


def test_grams_per_decilitre_of_haemoglobin_near_potassium_is_not_potassium_in_grams() -> None:
    """Found by the property test: a K result row followed by Hb 4 g/dL was read as 'K in grams'."""
    from desktop_app.report.lint import check_segment

    text = "Potassium 2.49 mmol/L Thu 26-Nov-2026 12:00 LOW Haemoglobin 40 g/L Thu 26-Nov-2026 07:00 4 g/dL"
    assert [v for v in check_segment(text, "results") if v.rule == "FMT-05"] == []
    assert [v.rule for v in check_segment("Potassium chloride 1.5 g by mouth", "order")] == [
        "FMT-05"
    ]


# ----- reading the PDF -------------------------------------------------------------------------


def _pdf_with_lines(*pages: list[str]) -> bytes:
    """A plain reportlab PDF whose pages carry the given lines of text (Helvetica, top down)."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for lines in pages:
        for i, line in enumerate(lines):
            canvas.drawString(50, 780 - 14 * i, line)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_the_lint_reads_a_bad_order_from_the_pdf_it_is_given() -> None:
    """What is drawn on the page is what the lint judges: a trailing zero in an order fails."""
    from desktop_app.report.lint import lint_pdf

    stamp = f"{C.FOOTER_MARK} version 1.2.3 SHA-256 0123abcd"
    good = [C.H_POTASSIUM, "Potassium chloride 20 mmol by mouth now", stamp, "Page 1 of 1"]
    bad = [C.H_POTASSIUM, "Potassium chloride 20.0 mmol by mouth now", stamp, "Page 1 of 1"]
    assert lint_pdf(_pdf_with_lines(good)) == []
    (finding,) = lint_pdf(_pdf_with_lines(bad))
    assert (finding.rule, finding.page, finding.section) == ("FMT-01", 1, C.H_POTASSIUM)


def test_the_lint_sees_every_page_of_the_pdf() -> None:
    """A page without 'page n of N' fails VER-01 for that page only."""
    from desktop_app.report.lint import extract_pages, lint_pdf

    stamp = f"{C.FOOTER_MARK} version 1.2.3 SHA-256 0123abcd"
    pdf = _pdf_with_lines([C.H_RESULTS, stamp, "Page 1 of 2"], [C.H_RESULTS, stamp])
    assert len(extract_pages(pdf)) == 2
    assert [(v.rule, v.page) for v in lint_pdf(pdf)] == [("VER-01", 2)]


def test_remembered_findings_are_placed_on_each_call_s_page_and_section() -> None:
    text = "Potassium chloride 20.0 mmol by mouth. Give as a bolus."
    first = check_segment(text, C.ORDER, page=2, section="POTASSIUM ORDERS")
    again = check_segment(text, C.ORDER, page=5, section="HOLD RULES")
    assert {v.rule for v in first} == {"FMT-01", "FMT-06"}
    assert [(v.rule, v.excerpt, v.message) for v in first] == [
        (v.rule, v.excerpt, v.message) for v in again
    ]
    assert {(v.page, v.section) for v in first} == {(2, "POTASSIUM ORDERS")}
    assert {(v.page, v.section) for v in again} == {(5, "HOLD RULES")}
    amounts = potassium_amounts("potassium chloride 5 g daily")
    amounts.append((0, 0, "x"))  # a caller may change the list it gets
    assert potassium_amounts("potassium chloride 5 g daily") == [(19, 22, "g")]
