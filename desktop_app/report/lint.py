"""Lint over the text of a rendered order sheet: FMT-01..07 and VER-01 (safety-requirements.md).

The lint reads what a nurse would read: the text extracted from the PDF (pypdf), split into
the sheet's sections by their headings. Each section kind gets its own rule set, so that lab
results may keep a trailing zero that shows reported precision (FMT-01) while orders may not.

Section kinds (see `desktop_app.report.content`):

* ``order`` - orders and schedules: FMT-01..07.
* ``results`` - lab results: FMT-02, 03, 04, 05, 06, 07 (a trailing zero may show precision).
* ``info`` - risk, warnings, advice, sign-off: FMT-01, 02, 03, 05, 06, 07.
* ``sources`` - rule values and citations (years, pages, URLs): FMT-02, 03, 06.
* ``header``/``footer`` - identity and provenance: FMT-02, 03, 06; VER-01 is checked per page.

One allowance inside ``order`` and ``info``: a number that compares with a *result* keeps the
result's reported precision ("Mild: 3.0 to below 3.5 mmol/L"). The lint recognises it as a
value followed by "to" or by a per-litre result unit ("mmol/L"), not inside parentheses; an
amount, a rate, a volume or a bag concentration in parentheses still fails.

One exemption, for prose typed by a prescriber: an override's reason is not an order, so its
numbers need no unit ("refused 2 injections": FMT-04 is for orders). The lint is told the
reasons (`Expectations.prose`, from the plan) and exempts a number from FMT-04 only inside one
of them printed where the sheet prints a reason: right after "Reason: " or "override: ". Every
other rule applies to it as to the section around it: trailing zeros, leading zeros, glued
units, banned notation, thousands commas and potassium in grams are still refused, and a bare
number in the order beside it still fails. The override dialog checks a reason with
`check_reason`: the same rules on the sentence the sheet prints. (A reason split by a page
break is not recognised: its bare numbers then fail, and the sheet is not printed.)
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from desktop_app.report.content import (
    FOOTER,
    FOOTER_MARK,
    HEADER,
    INFO,
    ORDER,
    RESULTS,
    SECTION_KINDS,
    SHEET_TITLE,
    SOURCES,
)
from desktop_app.report.sheet_model import reason_sentence

_RULES_BY_KIND: dict[str, frozenset[str]] = {
    ORDER: frozenset(
        {"FMT-01", "FMT-02", "FMT-03", "FMT-04", "FMT-05", "FMT-06", "FMT-07", "CLM-01"}
    ),
    RESULTS: frozenset({"FMT-02", "FMT-03", "FMT-04", "FMT-05", "FMT-06", "FMT-07", "CLM-01"}),
    INFO: frozenset({"FMT-01", "FMT-02", "FMT-03", "FMT-05", "FMT-06", "FMT-07", "CLM-01"}),
    SOURCES: frozenset({"FMT-02", "FMT-03", "FMT-06", "CLM-01"}),
    HEADER: frozenset({"FMT-02", "FMT-03", "FMT-06"}),
    FOOTER: frozenset({"FMT-02", "FMT-03", "FMT-06"}),
}

# A number as printed: digits with optional thousands commas and decimals.
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
# A standalone number: not part of a word, a code, a date (26-Nov-2026), a time (14:00),
# an exponent (10^9) or a fraction.
_STANDALONE = re.compile(
    r"(?<![\w.,:/^\-\u2013])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w^/\-\u2013]|[.,:]\d)"
)

#: Units a number in an order may carry (FMT-04): amounts, volumes, rates, times, counts.
_UNITS = (
    r"mmol|mEq|micromol|nmol|pmol|mol|mg|mcg|micrograms?|ng|pg|kg|g|mL|L|fL|m2|%|hours?|h|minutes?|days?|"
    r"weeks?|months?|years?|tablets?|sachets?|capsules?|infusions?|bags?|doses?|x\s10\^\d+"
)
_HAS_UNIT = re.compile(rf"\s*(?:{_UNITS})(?![A-Za-z])")
_RANGE_NEXT = re.compile(rf"\s+(?:to|or|and|-|\u2013)\s+(?:below\s+|above\s+)?{_NUMBER}")
# An ordinal after one of these words is a count, not an amount ("day 2", "PRESCRIBER OVERRIDE 1").
_COUNT_PREFIX = re.compile(
    r"(?:\b(?:day|Day|DAY|dose|Dose|DOSE|page|Page|PAGE|of|override|Override|OVERRIDE))\s*$"
)

_TRAILING_ZERO = re.compile(r"(?<![\w.,])\d[\d,]*\.\d*0(?![\d.])")
_RESULT_VALUE_AFTER = re.compile(r"\s+(?:to\s|[A-Za-zµ]+/L\b)")
_LEADING_DOT = re.compile(r"(?<![\w.])\.\d")
_UNIT_GLUED = re.compile(
    r"(?<![\w.\-])\d[\d,]*(?:\.\d+)?(?:mmol|mEq|mg|mcg|mL|micrograms?|kg|g|L|nmol|pmol|fL|hours?)"
    r"(?![A-Za-z])"
)
_NAME_GLUED = re.compile(r"[A-Za-z]{3,}\d[\d,]*(?:\.\d+)?\s*(?:mmol|mEq|mg|mcg|mL|micrograms?)\b")
_NO_COMMA = re.compile(r"(?<![\w.,:/\-^])\d{4,}(?!\d)")

_BANNED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=\d)\s*I?U\b|\bI?U/"), "'U' or 'IU' as a unit: write 'units'"),
    (re.compile(r"(?i)(?<![\w\-])cc(?![\w\-])"), "'cc': write 'mL'"),
    (re.compile(r"[µμ]g"), "'µg': write 'micrograms'"),
    (re.compile(r"(?i)(?<![\w.])q\.?o\.?d\.?(?!\w)"), "'QOD': write 'every other day'"),
    (re.compile(r"(?i)(?<![\w.])q\.?d\.?(?!\w)"), "'QD': write 'daily'"),
    (re.compile(r"(?i)(?<!\w)d/c(?!\w)"), "'D/C': write 'discharge' or 'stop'"),
    (re.compile(r"(?i)\bper\s+protocol\b"), "'per protocol': state the order in full"),
    (re.compile(r"(?i)\bbolus\b"), "'bolus': never for potassium; state rate and duration"),
    (re.compile(r"\bmg\.(?!\w)"), "'mg.' with a full stop (read as '1'): write 'mg'"),
)
_UNSUPPORTED_CLAIMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?i)\bsevere\s+headaches?\b"),
        "'severe headaches' is not a supported sign of low potassium (clinical basis section 7)",
    ),
)

#: Where the sheet prints an override's reason: "Reason: ..." beside the line it changes, and
#: "Prescriber override: ... (name)" or "(prescriber override: ...; name)" for a draw.
_PROSE_FRAMES = ("Reason: ", "override: ")
#: The rule a reason is exempt from: a unit on every number (FMT-04) is for orders.
_NOT_FOR_PROSE = frozenset({"FMT-04"})

_URL = re.compile(r"(?:https?://|www\.)\S*|(?<!\S)/\S*")
_K_WORD = r"(?:potassium|Potassium|POTASSIUM|KCl|\bK\b)"
_STOP = r"(?:\.\s|;|\bmagnesium\b|\bMagnesium\b|\bphosphate\b|\bPhosphate\b)"
_K_AFTER_AMOUNT = re.compile(
    rf"(?P<n>{_NUMBER})\s*(?P<u>mmol|mEq|g|grams?)(?:/(?!L\b|dL\b)\w+)?(?!/)\s+(?:of\s+)?{_K_WORD}"
)
_K_BEFORE_AMOUNT = re.compile(
    rf"{_K_WORD}(?P<gap>(?:(?!{_STOP}).){{0,160}}?)(?P<n>(?<![\w.,:\-]){_NUMBER})\s*"
    rf"(?P<u>mmol|mEq|g|grams?)(?![A-Za-z])(?!/)"
)
_MG_CLAUSE = re.compile(r"(?:magnesium|Magnesium)(?:(?!\.\s|;).){0,240}")
_MG_MMOL = re.compile(rf"(?<![\w.,:\-]){_NUMBER}\s*mmol(?![/\w])")
_MG_MEQ = re.compile(rf"(?<![\w.,:\-]){_NUMBER}\s*mEq\b")
_PAGE_N_OF_N = re.compile(r"(?i)\bpage\s+(\d+)\s+of\s+(\d+)\b")
_VERSION = re.compile(r"version \d+\.\d+\.\d+")
_HASH = re.compile(r"SHA-256 [0-9a-f]{8,}")


#: Section texts whose findings (and potassium amounts) are remembered: the rules are a pure
#: function of the text and the section kind, and most sections (sources, advice,
#: escalation...) print the same text on every sheet.
_SEGMENT_CACHE_SIZE = 2048


@dataclass(frozen=True)
class Violation:
    """One lint finding: which rule, where, and the text around it."""

    rule: str
    page: int
    section: str
    excerpt: str
    message: str

    def __str__(self) -> str:
        where = f"page {self.page}" if self.page else "whole sheet"
        section = f", {self.section}" if self.section else ""
        return f'{self.rule} ({where}{section}): {self.message}: "{self.excerpt}"'


@dataclass(frozen=True)
class Expectations:
    """What the lint knows about the plan the sheet was made from (all optional)."""

    #: Strings that must appear on every page (protocol version, hash prefix, app version...).
    stamp: tuple[str, ...] = ()
    #: The site's potassium unit ("mmol" or "mEq"); inferred from the sheet when None.
    potassium_unit: str | None = None
    #: Prose typed by a person that the sheet prints (the overrides' reasons): its numbers need
    #: no unit (FMT-04) where it is printed as a reason; every other rule applies to it.
    prose: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    """A run of text from one page that belongs to one section."""

    page: int
    section: str
    kind: str
    text: str


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def _excerpt(text: str, start: int, end: int, pad: int = 30) -> str:
    return text[max(0, start - pad) : min(len(text), end + pad)].strip()


# ----- single rules ------------------------------------------------------------------------------


def _fmt01(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _TRAILING_ZERO.finditer(text):
        before = text[max(0, m.start() - 1) : m.start()]
        if before != "(" and _RESULT_VALUE_AFTER.match(text, m.end()):
            continue  # a result value or threshold at reported precision
        yield m.start(), m.end(), f"trailing zero in '{m.group()}'"


def _fmt02(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _LEADING_DOT.finditer(text):
        yield m.start(), m.end(), f"no leading zero before '{m.group()}'"


def _fmt03(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _UNIT_GLUED.finditer(text):
        yield m.start(), m.end(), f"no space between number and unit in '{m.group()}'"
    for m in _NAME_GLUED.finditer(text):
        yield m.start(), m.end(), f"no space between drug name and dose in '{m.group()}'"


def _fmt04(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _STANDALONE.finditer(text):
        if _HAS_UNIT.match(text, m.end()) or _RANGE_NEXT.match(text, m.end()):
            continue
        if _COUNT_PREFIX.search(text, max(0, m.start() - 12), m.start()):
            continue
        yield m.start(), m.end(), f"number '{m.group('n')}' has no unit"


def _fmt06(text: str) -> Iterable[tuple[int, int, str]]:
    for pattern, message in _BANNED:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), f"banned notation {message}"


def _clm01(text: str) -> Iterable[tuple[int, int, str]]:
    for pattern, message in _UNSUPPORTED_CLAIMS:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), message


def _fmt07(text: str) -> Iterable[tuple[int, int, str]]:
    for m in _NO_COMMA.finditer(text):
        yield m.start(), m.end(), f"'{m.group()}' needs a thousands comma"


def potassium_amounts(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, unit) of every potassium amount in the text (FMT-05)."""
    return list(_potassium_amounts(text))


@functools.lru_cache(maxsize=_SEGMENT_CACHE_SIZE)
def _potassium_amounts(text: str) -> tuple[tuple[int, int, str], ...]:
    found: dict[int, tuple[int, int, str]] = {}
    for m in _K_AFTER_AMOUNT.finditer(text):
        found[m.start("n")] = (m.start("n"), m.end("u"), m.group("u"))
    for m in _K_BEFORE_AMOUNT.finditer(text):
        found.setdefault(m.start("n"), (m.start("n"), m.end("u"), m.group("u")))
    return tuple(found[k] for k in sorted(found))


def _mg_conversions(text: str) -> Iterable[tuple[int, int, str]]:
    for clause in _MG_CLAUSE.finditer(text):
        body = clause.group()
        if _MG_MMOL.search(body) and not _MG_MEQ.search(body):
            yield (
                clause.start(),
                clause.end(),
                "magnesium amount in mmol without its mEq conversion",
            )


_CHECKS = {
    "FMT-01": _fmt01,
    "FMT-02": _fmt02,
    "FMT-03": _fmt03,
    "FMT-04": _fmt04,
    "FMT-06": _fmt06,
    "FMT-07": _fmt07,
    "CLM-01": _clm01,
}


def check_segment(
    text: str, kind: str, page: int = 1, section: str = "", prose: tuple[str, ...] = ()
) -> list[Violation]:
    """Lint one section's text with the rules of its kind (FMT-05 runs over the whole sheet).

    `prose`: the overrides' reasons, whose numbers need no unit where printed as a reason.
    """
    return [
        Violation(rule, page, section, excerpt, message)
        for rule, excerpt, message in _segment_findings(text, kind, prose)
    ]


def _prose_spans(text: str, prose: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each reason is printed as a reason in the (cleaned) text: right after a frame."""
    spans = []
    for reason in prose:
        words = _clean(_URL.sub(" ", reason)).rstrip(".")
        if not words:
            continue
        for frame in _PROSE_FRAMES:
            for m in re.finditer(re.escape(frame + words), text):
                spans.append((m.start() + len(frame), m.end()))
    return spans


@functools.lru_cache(maxsize=_SEGMENT_CACHE_SIZE)
def _segment_findings(
    text: str, kind: str, prose: tuple[str, ...] = ()
) -> tuple[tuple[str, str, str], ...]:
    """(rule, excerpt, message) of every finding in one section's text, in reporting order."""
    text = _clean(text)
    text = _clean(_URL.sub(" ", text))
    out: list[tuple[str, str, str]] = []
    prose_at = _prose_spans(text, prose)
    for rule in sorted(_RULES_BY_KIND[kind]):
        check = _CHECKS.get(rule)
        if check is None:
            continue
        for start, end, message in check(text):
            if rule in _NOT_FOR_PROSE and any(a <= start < b for a, b in prose_at):
                continue  # a number in an override's reason (prose, not an order)
            out.append((rule, _excerpt(text, start, end), message))
    if "FMT-05" in _RULES_BY_KIND[kind]:
        for start, end, message in _mg_conversions(text):
            out.append(("FMT-05", _excerpt(text, start, min(end, start + 60)), message))
        for start, end, unit in potassium_amounts(text):
            if unit.startswith("g"):
                out.append(
                    (
                        "FMT-05",
                        _excerpt(text, start, end),
                        "potassium in grams: write it in the site's unit (mmol or mEq)",
                    )
                )
    return tuple(out)


def check_reason(reason: str) -> list[Violation]:
    """Lint an override's reason as the sheet prints it, beside an order (the strictest kind)."""
    return check_segment(reason_sentence(reason), ORDER, prose=(reason,))


def check_potassium_unit(segments: Sequence[Segment], unit: str | None) -> list[Violation]:
    """FMT-05: potassium amounts in one unit, the site's, across the whole sheet."""
    seen: list[tuple[Segment, int, int, str]] = []
    for seg in segments:
        if seg.kind in (FOOTER, SOURCES, HEADER):
            continue
        text = _clean(seg.text)
        for start, end, u in potassium_amounts(text):
            if u in ("mmol", "mEq"):
                seen.append((seg, start, end, u))
    if unit is None:
        counts = {u: sum(1 for s in seen if s[3] == u) for u in ("mmol", "mEq")}
        if not counts["mmol"] or not counts["mEq"]:
            return []
        unit = "mmol" if counts["mmol"] >= counts["mEq"] else "mEq"
    out = []
    for seg, start, end, u in seen:
        if u != unit:
            text = _clean(seg.text)
            out.append(
                Violation(
                    "FMT-05",
                    seg.page,
                    seg.section,
                    _excerpt(text, start, end),
                    f"potassium in {u}; this protocol writes potassium in {unit}",
                )
            )
    return out


# ----- pages and sections -----------------------------------------------------------------------


def split_sections(pages: Sequence[str]) -> list[Segment]:
    """Split page texts into segments by section heading, header and footer marks.

    A body section continues across a page break; the header starts at the sheet title and
    the footer at its first words, wherever the PDF puts them in the page's text.
    """
    segments: list[Segment] = []
    body = ("(before the first section)", INFO)
    for number, page in enumerate(pages, start=1):
        section, kind = body
        lines: list[str] = []
        for raw in page.splitlines():
            line = _clean(raw)
            new: tuple[str, str] | None = None
            if line.startswith(SHEET_TITLE):
                new = ("header", HEADER)
            elif line.startswith(FOOTER_MARK):
                new = ("footer", FOOTER)
            elif line in SECTION_KINDS:
                new = body = (line, SECTION_KINDS[line])
            if new is not None:
                if any(x.strip() for x in lines):
                    segments.append(Segment(number, section, kind, "\n".join(lines)))
                lines = []
                section, kind = new
            lines.append(raw)
        if any(x.strip() for x in lines):
            segments.append(Segment(number, section, kind, "\n".join(lines)))
    return segments


def check_pages(pages: Sequence[str], expect: Expectations | None = None) -> list[Violation]:
    """VER-01: every page carries "page n of N" (consistent) and the provenance stamp."""
    out = []
    total = len(pages)
    stamps: list[str] = []
    for number, page in enumerate(pages, start=1):
        text = _clean(page)
        found = [(int(a), int(b)) for a, b in _PAGE_N_OF_N.findall(text)]
        if not found:
            out.append(Violation("VER-01", number, "", text[:60], "no 'page n of N' on this page"))
        for n, of in found:
            if n != number or of != total:
                out.append(
                    Violation(
                        "VER-01",
                        number,
                        "",
                        f"page {n} of {of}",
                        f"page numbering says {n} of {of}; this is page {number} of {total}",
                    )
                )
        if expect is not None and expect.stamp:
            for item in expect.stamp:
                if _clean(item) not in text:
                    out.append(
                        Violation("VER-01", number, "", item, "provenance missing on this page")
                    )
        else:
            version = _VERSION.search(text)
            digest = _HASH.search(text)
            if version is None or digest is None:
                out.append(
                    Violation(
                        "VER-01",
                        number,
                        "",
                        text[:60],
                        "protocol version and SHA-256 prefix missing on this page",
                    )
                )
            else:
                stamps.append(f"{version.group()} {digest.group()}")
    if len(set(stamps)) > 1:
        out.append(
            Violation(
                "VER-01",
                0,
                "",
                "; ".join(sorted(set(stamps))),
                "pages carry different protocol versions or hashes",
            )
        )
    return out


def lint_pages(pages: Sequence[str], expect: Expectations | None = None) -> list[Violation]:
    """Lint the text of every page of a sheet; return every violation found (empty = clean)."""
    segments = split_sections(pages)
    out: list[Violation] = []
    for seg in segments:
        prose = expect.prose if expect else ()
        out.extend(check_segment(seg.text, seg.kind, seg.page, seg.section, prose))
    out.extend(check_potassium_unit(segments, expect.potassium_unit if expect else None))
    out.extend(check_pages(pages, expect))
    return out


# ----- reading the PDF ---------------------------------------------------------------------------


def extract_pages(pdf: bytes) -> list[str]:
    """Return the text of each page of a PDF, as pypdf's public extraction reads it."""
    from pypdf import PdfReader  # imported here: only the lint needs it

    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def lint_pdf(pdf: bytes, expect: Expectations | None = None) -> list[Violation]:
    """Extract the text of a rendered sheet and lint it."""
    return lint_pages(extract_pages(pdf), expect)


__all__ = [
    "Expectations",
    "Segment",
    "Violation",
    "check_pages",
    "check_reason",
    "check_segment",
    "extract_pages",
    "lint_pages",
    "lint_pdf",
    "potassium_amounts",
    "split_sections",
]
