"""Sheet campaign: the ISMP lint and the VER checks over every golden case and generated plans.

Every sheet is rendered, its text extracted as a nurse's reader would see it, and checked:
- the order-sheet lint (desktop_app.report.lint: FMT-01..07, VER-01) finds nothing;
- VER-01 on every page: "Page n of N", protocol id and version, content hash, app version;
- wrong patient: the patient's name, identifier and the plan id on every page;
- VER-05 / PRC-03: NOT FOR CLINICAL USE on every page exactly when the protocol is not approved,
  and the intended-use statement;
- VER-02: every rule id the plan cites and every source key are printed; every order, gate,
  hold rule, warning and lab result of the plan is in the text;
- FMT-06: a second, independent deny-list over the whole text (tests/safety/invariants.py).

Golden cases: the engine's golden tables (tests/logic/test_golden.py) and the sheet's own golden
cases (tests/report/cases.py). Generated plans: the engine campaign's scenarios, with patient
names chosen to be hard to print (accents, apostrophes, other scripts, 200 characters, control
characters).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.control import current_build_context

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.provenance import collect_reasons
from desktop_app.report import SheetTextError, lint_order_sheet, render_order_sheet
from desktop_app.report.lint import extract_pages
from desktop_app.report.paragraphs import glue
from tests.logic.helpers import FIRST, NOW, US, inputs, proto
from tests.logic.test_golden import UK_CASES, US_CASES
from tests.report.cases import CASES as SHEET_CASES
from tests.safety.campaign import scaled, seed, tally
from tests.safety.invariants import BANNED, without_known
from tests.safety.scenarios import Scenario, scenarios
from tests.strategies import PROTOCOLS

SHEETS = tally("sheets")

#: Names that have broken printed forms elsewhere: each must appear, legibly, on every page.
HARD_NAMES = [
    "Siobhán O'Brien-Ní Dhomhnaill",
    "Zoë Ångström-Łukasiewicz",
    "Nguyễn Thị Minh Khai",
    "Ægir Þórsson",
    "Γιώργος Παπαδόπουλος",
    "Иван Петров",
    "W" * 200,
]


@cache
def _sheet_font_chars() -> frozenset[int]:
    """Code points the sheet's embedded font can draw."""
    from reportlab.pdfbase.ttfonts import TTFont

    from desktop_app.resources import FONT_REGULAR, resource_path

    return frozenset(TTFont("B12K-check", str(resource_path(FONT_REGULAR))).face.charToGlyph)


def unprintable(text: str) -> str:
    """Characters the sheet cannot print legibly: not in its font, control, or right-to-left."""
    chars = _sheet_font_chars()
    return "".join(
        sorted(
            {
                c
                for c in text
                if (ord(c) not in chars and not c.isspace())
                or c in "\t\n\r\x0b\x0c"
                or unicodedata.bidirectional(c) in ("R", "AL")
            }
        )
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _screen_only_citations(plan: Plan) -> set[str]:
    """Rule ids and source keys cited only by the screen-only progress note."""
    progress = plan.progress.reason if plan.progress is not None else None
    if progress is None:
        return set()
    others = [r for r in collect_reasons(plan) if r is not progress]
    cited = {i for r in others for i in r.rule_ids} | {k for r in others for k in r.sources}
    return (set(progress.rule_ids) | set(progress.sources)) - cited


def sheet_violations(plan: Plan) -> list[str]:
    """Render the plan's sheet and return every violation found in its text."""
    try:
        pdf = render_order_sheet(plan)
    except SheetTextError as exc:
        # Refusing to print a name the sheet cannot print faithfully is the safe outcome.
        if unprintable(plan.patient.name) and "patient name" in str(exc):
            SHEETS.count("refused to print a name the sheet cannot print (safe)")
            return []
        return [f"SHEET refused a printable plan: {exc}"]
    out = [f"LINT {v}" for v in lint_order_sheet(plan, pdf)]
    pages = [_norm(p) for p in extract_pages(pdf)]
    total = len(pages)
    st_ = plan.protocol
    name = re.sub(r"\s", "", plan.patient.name)
    for number, page in enumerate(pages, start=1):
        where = f"page {number}"
        if page.count(f"Page {number} of {total}") < 1:
            out.append(f"VER-01 {where}: no 'Page {number} of {total}'")
        for needed, what in (
            (st_.protocol_id, "protocol id"),
            (st_.version, "protocol version"),
            (st_.sha256[:16], "content hash"),
            (plan.app_version, "app version"),
        ):
            if needed not in page:
                out.append(f"VER-01 {where}: {what} {needed!r} missing")
        if name not in re.sub(r"\s", "", page):  # a long name may wrap: compare without spaces
            out.append(f"WRONG-PATIENT {where}: name {plan.patient.name!r} not printed legibly")
        if plan.patient.identifier not in page:
            out.append(f"WRONG-PATIENT {where}: identifier {plan.patient.identifier!r} not printed")
        if plan.plan_id not in page:
            out.append(f"VER-04 {where}: plan id not printed")
        if ("NOT FOR CLINICAL USE" in page) != st_.not_for_clinical_use:
            out.append(f"VER-05 {where}: NOT FOR CLINICAL USE marking wrong")
    text = " ".join(pages)
    if "Intended use:" not in text:
        out.append("PRC-03 intended use not printed")
    # The schedule's progress (issue 17 item 7) is shown on screen only: the sheet's columns are
    # the nurse's handwritten record (docs/order-sheet.md). Its rules need printing only when a
    # printed line cites them too.
    screen_only = _screen_only_citations(plan)
    for rule in plan.rules:
        if rule.id not in text and rule.id not in screen_only:
            out.append(f"VER-02 rule {rule.id} cited but not printed")
    for ref in plan.references:
        if ref.key not in text and ref.key not in screen_only:
            out.append(f"VER-02 source {ref.key} cited but not printed")
    must = [
        *(g.text for g in plan.gates),
        *(h.text for h in plan.hold_rules),
        *(o.text for o in plan.orders_now),
        *(w.text for w in plan.warnings),
        *(lab.text for lab in plan.labs),
    ]
    for line in must:
        if _norm(glue(line)) not in text:
            out.append(f"SHEET line missing: {line[:90]!r}")
    for token, pattern in BANNED.items():
        if m := pattern.search(text):
            out.append(
                f"FMT-06 banned {token!r} printed: "
                f"...{text[max(m.start() - 40, 0) : m.end() + 40]}..."
            )
    return out


def _golden_plans() -> list[tuple[str, Plan]]:
    out = []
    for case in UK_CASES:
        now = NOW if case.now_offset_h is None else FIRST + timedelta(hours=case.now_offset_h)
        out.append((f"engine-uk/{case.id}", evaluate(proto(), inputs(**case.over), now=now)))
    for case in US_CASES:
        now = NOW if case.now_offset_h is None else FIRST + timedelta(hours=case.now_offset_h)
        out.append((f"engine-us/{case.id}", evaluate(proto(US), inputs(**case.over), now=now)))
    out += [(f"sheet/{name}", build()) for name, build in sorted(SHEET_CASES.items())]
    return out


def test_sheet_campaign_every_golden_case() -> None:
    plans = _golden_plans()
    assert len(plans) > 30
    for name, plan in plans:
        SHEETS.tried()
        for problem in without_known(sheet_violations(plan), SHEETS.known):
            SHEETS.fail(f"{name}: {problem}")
    SHEETS.check()


@hypothesis_seed(seed() + 10)
@settings(
    max_examples=scaled(ci=12, release=400),
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a sheet takes half a second
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(allow_invalid=False, overrides_one_in=3), st.sampled_from(HARD_NAMES) | st.none())
def test_sheet_campaign_generated_plans(s: Scenario, hard_name: str | None) -> None:
    if hard_name is not None:
        s.case["patient"]["name"] = hard_name
    try:
        plan = evaluate(PROTOCOLS[s.pid], PlanInputs.model_validate(s.case), now=s.now)
    except InputError:
        SHEETS.count("generated case refused (an override at a protocol limit)")
        return
    SHEETS.tried()
    problems = without_known(sheet_violations(plan), SHEETS.known)
    if problems and current_build_context().is_final:
        SHEETS.fail("; ".join(problems[:3]) + f" | replay: {s.dump()}")
    assert not problems, "\n".join(problems) + f"\nreplay: {s.dump()}"


def test_the_sheet_checks_can_fail() -> None:
    """A sheet for a forged plan (trailing zero, banned token, a stranger's name) is caught."""
    plan = SHEET_CASES["severe-k-2.3-iv"]()
    order = plan.orders_now[0]
    forged = Plan.model_validate(
        {
            **plan.model_dump(),
            "orders_now": [
                {
                    **order.model_dump(),
                    "text": order.text + " Give 20.0 mmol as a bolus per protocol.",
                },
                *[o.model_dump() for o in plan.orders_now[1:]],
            ],
        }
    )
    found = " ".join(sheet_violations(forged))
    assert "LINT" in found and "FMT-06" in found
    renamed = Plan.model_validate(
        {
            **plan.model_dump(),
            "rules": [r.model_dump() for r in plan.rules]
            + [
                {
                    "id": "NEVER-PRINTED",
                    "text": "x",
                    "source": "local",
                    "grade": None,
                    "local_policy": True,
                }
            ],
        }
    )
    assert "VER-02 rule NEVER-PRINTED" in " ".join(sheet_violations(renamed))


@pytest.mark.parametrize("name", HARD_NAMES, ids=[f"name-{i}" for i in range(len(HARD_NAMES))])
def test_hard_names_are_printed_on_every_page(name: str) -> None:
    """Wrong-patient hazard: every name the model accepts is printed legibly on every page."""
    plan = evaluate(proto(), inputs(patient={"name": name}), now=NOW)
    SHEETS.tried()
    problems = [p for p in sheet_violations(plan) if p.startswith("WRONG-PATIENT")]
    for problem in problems:
        SHEETS.fail(problem)
    assert problems == []
