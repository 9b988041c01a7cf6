"""The rendered PDF: lint-clean, every safety-critical line in its text, pages, bytes, barcode."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop_app.logic.textfmt import when
from desktop_app.report import (
    SheetLintError,
    SheetOptions,
    checked_order_sheet,
    export_order_sheet,
    lint_order_sheet,
    render_order_sheet,
)
from desktop_app.report import content as C
from desktop_app.report.furniture import identifier_barcode
from desktop_app.report.paragraphs import glue
from desktop_app.report.render import SHEET_LANG
from tests.report.cases import CASES, demo_plan, plan_of
from tests.report.conftest import Rendered, norm, rendered


def test_every_golden_sheet_passes_the_lint(case: Rendered) -> None:
    assert case.pdf.startswith(b"%PDF-")
    violations = lint_order_sheet(case.plan, case.pdf)
    assert violations == [], "\n".join(map(str, violations))


def test_every_page_has_page_n_of_n_and_the_provenance_stamp(case: Rendered) -> None:
    total = len(case.pages)
    assert total == len(PdfReader(io.BytesIO(case.pdf)).pages)
    assert total >= 3
    p = case.plan.protocol
    for number, page in enumerate(case.pages, start=1):
        text = norm(page)
        assert text.count(f"Page {number} of {total}") == 2, f"page {number}: header and footer"
        for item in case.content.footer.stamp:
            assert item in text, f"page {number} lacks {item}"
        assert f"SHA-256 {p.sha256[:16]}" in text
        assert case.plan.patient.identifier in text
        assert case.plan.patient.name in text
        assert f"Plan: {case.plan.plan_id}" in text
        assert ("NOT FOR CLINICAL USE" in text) == p.not_for_clinical_use
        assert ("PRESCRIBER REVIEW REQUIRED" in text) == bool(case.plan.gates)
        assert "Intended use:" in text


def test_the_long_schedule_needs_more_pages_than_the_demo() -> None:
    assert len(rendered("long-schedule").pages) > len(rendered("demo").pages)


def test_sections_are_printed_in_the_issue_order(case: Rendered) -> None:
    """Issue 17: what a nurse acts on now first; tables, schedule, then the reasons at the back."""
    text = case.text
    expected = [
        C.H_ORDERS_NOW,
        C.H_NEXT_DRAWS,
        C.H_HOLD,
        C.H_ESCALATION,
        C.H_POTASSIUM,
        C.H_MG_PO4,
        C.H_MONITORING,
        C.H_RESULTS,
        C.H_RISK,
        C.H_ADVICE,
        C.H_SIGNOFF,
        C.H_SOURCES,
    ]
    order = [h for h in C.SECTION_KINDS if h in text]
    assert [h for h in order if h in expected] == expected
    positions = [text.index(h) for h in expected]
    assert positions == sorted(positions)
    if case.plan.warnings:
        assert text.index(C.H_ESCALATION) < text.index(C.H_WARNINGS) < text.index(C.H_POTASSIUM)
    if case.plan.gates:
        assert text.index(C.H_GATES) < text.index(C.H_ORDERS_NOW), "the STOP box comes first"


def test_every_safety_critical_line_is_in_the_printed_text(case: Rendered) -> None:
    text = case.text
    plan = case.plan
    sheet = case.content
    must = [
        *(g.text for g in plan.gates),
        *(e.text for e in plan.escalation),
        *(h.text for h in plan.hold_rules),
        *(o.text for o in plan.orders_now),
        *(
            r.order.text
            for r in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands)
            if r.order is not None and not r.gated
        ),
        *(r.instruction for r in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands)),
        *(r.label for r in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands)),
        *(w.text for w in plan.warnings),
        *(when(d.at) for d in plan.b12_order.dose_times),
        plan.b12_order.drug,
        plan.b12_order.dose_text,
        plan.b12_order.route,
        sheet.potassium_total,
        sheet.next_check.text,
        *(lab.text for lab in plan.labs),
        *(f.name for f in plan.foods),
        plan.food_note.text,
        "PATIENT ADVICE (NOT AN ORDER)",
        *C.SIGNOFF_ROLES,
    ]
    if sheet.potassium_basis:
        must.append(sheet.potassium_basis)
    if plan.prescriber:
        must.append(f"Name: {plan.prescriber}")
    missing = [line for line in must if norm(glue(line)) not in text]
    assert missing == []
    for d in sheet.monitoring:
        weekday, day, clock = d.when.split(" ")
        assert f"{clock} {weekday} {day}" in text
    for _, _, mark in sheet.marked_lines():
        assert re.search(rf"\b{mark.label}\b", text), mark.label
    for r in sheet.reasons:
        for rule in r.rules:
            assert rule.rule_id in text
    for src in sheet.sources:
        assert src.key in text


def test_local_policy_is_visible(case: Rendered) -> None:
    local = [r.id for r in case.plan.rules if r.local_policy]
    assert local
    assert "local policy" in case.text
    assert case.text.count("LOCAL POLICY") >= len(set(local)) > 0


def test_the_unsupported_headache_claim_is_never_printed(case: Rendered) -> None:
    assert "headache" not in case.text.lower()


def test_same_plan_same_bytes_even_with_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = demo_plan()
    first = render_order_sheet(plan)
    assert render_order_sheet(plan) == first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render_order_sheet(plan) == first
    info = PdfReader(io.BytesIO(first)).metadata
    assert info is not None
    assert info["/CreationDate"].startswith("D:20261126120000")


def test_a_different_plan_gives_different_bytes() -> None:
    assert rendered("demo").pdf != rendered("approved-protocol").pdf


@pytest.mark.parametrize(("paper", "size"), [("a4", (595.28, 841.89)), ("letter", (612.0, 792.0))])
def test_paper_sizes(paper: str, size: tuple[float, float]) -> None:
    case = rendered("demo", paper)
    reader = PdfReader(io.BytesIO(case.pdf))
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == size
    assert lint_order_sheet(case.plan, case.pdf) == []


def test_fonts_are_embedded_dejavu() -> None:
    reader = PdfReader(io.BytesIO(rendered("demo").pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        names.append(str(font["/BaseFont"]))
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
    assert names and all("DejaVuSans" in n for n in names)


def test_only_shades_of_grey_are_used() -> None:
    """FMT-09: no meaning by colour; the sheet prints the same in black and white."""
    reader = PdfReader(io.BytesIO(rendered("gated-egfr20-k-sparing").pdf))
    colour = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b")
    seen = 0
    for page in reader.pages:
        data = page.get_contents().get_data()  # type: ignore[union-attr]
        for r, g, b in colour.findall(data):
            seen += 1
            assert float(r) == float(g) == float(b), (r, g, b)
    assert seen > 0


# ----- the barcode ------------------------------------------------------------------------------

_CODE_B = {i: chr(i + 32) for i in range(95)}


def decode_code128(symbols: list[int]) -> str:
    """Decode reportlab's Code128 symbol values (code sets B and C) back to text."""
    assert symbols[0] in (104, 105), "start code B or C"
    assert symbols[-1] == 106, "stop code"
    data, check = symbols[:-2], symbols[-2]
    assert sum(s * max(i, 1) for i, s in enumerate(data)) % 103 == check, "checksum"
    out, code = [], "B" if data[0] == 104 else "C"
    for s in data[1:]:
        if s == 99:
            code = "C"
        elif s == 100:
            code = "B"
        elif code == "C":
            out.append(f"{s:02d}")
        else:
            out.append(_CODE_B[s])
    return "".join(out)


@pytest.mark.parametrize("identifier", ["RX0042137", "4857773456", "A-12/b c", "x"])
def test_barcode_encodes_the_identifier(identifier: str) -> None:
    code = identifier_barcode(identifier)
    assert code is not None
    assert code.value == identifier
    assert decode_code128(list(code.encoded)) == identifier


@pytest.mark.parametrize("identifier", ["", "Zoë-1", "X" * 200])
def test_no_barcode_when_it_cannot_be_printed(identifier: str) -> None:
    assert identifier_barcode(identifier) is None


def test_sheet_without_a_barcode_says_so_and_still_passes() -> None:
    from tests.report.cases import case as make_case

    plan = plan_of(
        make_case(patient={"identifier": "ÉTÉ-77 & <ward>", "name": "O'Brien & <Smith>"})
    )
    pdf = render_order_sheet(plan)
    text = norm(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "No barcode" in text
    assert "ÉTÉ-77 & <ward>" in text
    assert "O'Brien & <Smith>" in text
    assert lint_order_sheet(plan, pdf) == []


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools) to scan the printed barcode",
)
def test_printed_barcode_scans_back_to_the_identifier(tmp_path: Path) -> None:
    case = rendered("demo")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(case.pdf)
    for number in (1, len(case.pages)):
        png = tmp_path / f"page{number}"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "300",
                "-gray",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(pdf),
                str(png),
            ],
            check=True,
        )
        out = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Scode128.enable", f"{png}.png"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.stdout.split() == [case.plan.patient.identifier], out.stderr


# ----- export -----------------------------------------------------------------------------------


def test_export_writes_the_checked_sheet(tmp_path: Path) -> None:
    plan = demo_plan()
    target = tmp_path / "sheet.pdf"
    written = export_order_sheet(plan, target, SheetOptions(paper="letter"))
    assert target.read_bytes() == written == render_order_sheet(plan, SheetOptions(paper="letter"))
    assert checked_order_sheet(plan) == render_order_sheet(plan)


def _bad_plan():  # type: ignore[no-untyped-def]
    """A plan whose potassium order text breaks FMT-01 and FMT-06 (as a faulty engine might)."""
    plan = demo_plan()
    orders = tuple(
        o.model_copy(
            update={"text": o.text.replace("2 tablets", "2.0 tablets") + " Give as a bolus."}
        )
        if o.electrolyte == "potassium"
        else o
        for o in plan.orders_now
    )
    return plan.model_copy(update={"orders_now": orders})


def test_export_refuses_a_sheet_that_fails_the_lint(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"the previous sheet")
    with pytest.raises(SheetLintError) as info:
        export_order_sheet(_bad_plan(), target)
    rules = {v.rule for v in info.value.violations}
    assert {"FMT-01", "FMT-06"} <= rules
    message = str(info.value)
    assert "sheet.pdf was not written" in message
    assert "2.0 tablets" in message and "bolus" in message
    assert target.read_bytes() == b"the previous sheet", "the old file is untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.pdf"], "no temporary file is left"


def test_export_to_a_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    from desktop_app.logic.errors import PlanFileError

    with pytest.raises(PlanFileError, match="does not exist"):
        export_order_sheet(demo_plan(), tmp_path / "missing" / "sheet.pdf")


def test_the_golden_cases_cover_the_issue() -> None:
    assert set(CASES) >= {
        "demo",
        "gated-egfr20-k-sparing",
        "severe-k-2.3-iv",
        "cannot-take-oral",
        "us-meq",
        "long-schedule",
    }


def test_marks_are_numbered_in_reading_order(case: Rendered) -> None:
    text = case.text
    body = text[: text.index(C.H_SOURCES)]
    firsts = []
    for r in case.content.reasons:
        found = re.search(rf"\b{r.mark.label}\b", body)
        assert found, f"{r.mark.label} is not printed before the sources list"
        firsts.append(found.start())
    assert firsts == sorted(firsts)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_no_word_is_drawn_outside_the_page(tmp_path: Path, paper: str) -> None:
    """Regression: the bold footer line, measured in the regular font, ran off Letter paper."""
    from tests.report.cases import case as make_case

    long_text = "Ward 12 (Acute Medical Unit, North Wing, Level 4, Bay C, Side Room 17) " * 2
    plan = plan_of(
        make_case(
            patient={"ward": long_text[:200], "name": "Anna-Maria " * 18},
            prescriber="Dr Bartholomew Featherstonehaugh-Smythe, Consultant",
        )
    )
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render_order_sheet(plan, SheetOptions(paper=paper)))
    html = tmp_path / "words.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(html)], check=True)
    content = html.read_text(encoding="utf-8")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', content, re.S)
    assert pages
    for number, (width, height, words) in enumerate(pages, start=1):
        box = (
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
            r'yMax="([\d.-]+)">(.*?)</word>'
        )
        for x0, y0, x1, y1, word in re.findall(box, words):
            if word in ("NOT", "FOR", "CLINICAL", "USE"):
                continue  # the diagonal watermark's box is rotated
            assert float(x0) >= 0 and float(x1) <= float(width), (
                f"page {number}: {word!r} at x {x1}"
            )
            assert float(y0) >= 0 and float(y1) <= float(height), (
                f"page {number}: {word!r} at y {y1}"
            )


def test_the_file_identifier_is_a_digest_of_the_rest_of_the_file() -> None:
    """Not the machine's SOURCE_DATE_EPOCH: a digest of what the file says (two sheets, two ids)."""
    import hashlib

    ids = []
    for name in ("demo", "us-meq"):
        pdf = rendered(name).pdf
        assert "/ID" in PdfReader(io.BytesIO(pdf)).trailer
        (entry,) = re.findall(rb"/ID \n\[<[0-9a-f]{32}><[0-9a-f]{32}>\]", pdf)
        first, second = re.findall(rb"<([0-9a-f]{32})>", entry)
        assert first == second
        rest = pdf.replace(entry, b"")
        assert hashlib.md5(rest, usedforsecurity=False).hexdigest().encode() == first
        ids.append(first)
    assert ids[0] != ids[1]


def test_the_pdf_names_its_title_and_language_for_viewers_and_screen_readers() -> None:
    """Issue 17: a document title (shown instead of the file name) and the catalog's /Lang."""
    plan = demo_plan()
    reader = PdfReader(io.BytesIO(rendered("demo").pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == f"B12-K order sheet {plan.plan_id}"
    root = reader.trailer["/Root"].get_object()
    assert str(root["/Lang"]) == SHEET_LANG == "en"
    assert bool(root["/ViewerPreferences"].get_object()["/DisplayDocTitle"])
