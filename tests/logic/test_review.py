"""The review pack's content and the protocol diff: every rule, its source, its limit, each change."""

from __future__ import annotations

import json

from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes
from desktop_app.logic.review import (
    Difference,
    build_review,
    differences_text,
    protocol_differences,
    rule_value,
)
from tests.logic.helpers import UK, US, proto
from tests.logic.test_limits_protocol import raw_of


def _site(**edits: float) -> LoadedProtocol:
    raw = raw_of(UK)
    raw["potassium"]["bands"][2]["oral"]["units_per_dose"]["value"] = edits.get("tablets", 2)
    raw["title"] = "Site copy"
    raw["approval"] = {
        "status": "approved",
        "approved_by": "Dr Site Pharm",
        "approval_date": "2026-11-01",
    }
    return load_protocol_bytes(json.dumps(raw).encode(), "site.json")


def test_every_rule_is_listed_with_value_citation_grade_and_limit() -> None:
    review = build_review(proto(), proto(), shipped_limits())
    assert [r.rule_id for r in review.rows] == list(proto().protocol.all_rules())
    rate = next(r for r in review.rows if r.rule_id == "K-IV-MAX-RATE")
    assert rate.value == "10 mmol/hour" and rate.grade == "B" and not rate.local_policy
    assert rate.citation.startswith("Specialist Pharmacy Service (NHS)")
    assert "<https://www.sps.nhs.uk/articles/" in rate.citation
    assert "(clinical basis 4.4)" in rate.citation
    assert rate.limits == ("LIM-K-IV-RATE at most 10 mmol/hour",)
    assert (
        rate.alternatives[0].startswith("20: Leeds/UCLH") and "[leeds-iv-k]" in rate.alternatives[0]
    )
    age = next(r for r in review.rows if r.rule_id == "GATE-ADULT-AGE")
    assert (
        age.local_policy
        and age.grade == "none"
        and age.limits == ("LIM-ADULT-AGE at least 18 years",)
    )
    draws = next(r for r in review.rows if r.rule_id == "MON-K-STANDARD")
    assert any(
        lim.startswith("LIM-K-WITH-MG-PO4 Potassium is always drawn") for lim in draws.limits
    )
    assert review.differences == () and review.other_differences == ()
    ids = [lim_id for lim_id, _, _ in review.hard_limits]
    assert len(ids) == len(shipped_limits().all_limits()) and "LIM-K-HOLD" in ids


def test_a_changed_rule_is_marked_and_the_approval_block_is_not_compared() -> None:
    review = build_review(_site(tablets=3), proto(), shipped_limits())
    row = next(r for r in review.rows if r.rule_id == "K-MILD-TABLETS")
    assert row.differences == (
        Difference(
            "potassium.bands[K-BAND-MILD].oral.units_per_dose.value", "K-MILD-TABLETS", "2", "3"
        ),
    )
    assert row.differences[0].kind == "changed"
    assert [d.path for d in review.other_differences] == ["title"]
    assert not any(d.path.startswith("approval") for d in review.differences)
    assert review.base_sha256 == proto().sha256 and review.sha256 != proto().sha256


def test_added_and_removed_fields_are_marked() -> None:
    diffs = protocol_differences(proto().protocol, proto(US).protocol)
    kinds = {d.kind for d in diffs}
    assert kinds == {"added", "removed", "changed"}
    added = next(d for d in diffs if d.path == "gates.renal.creatinine_review_at_or_above.value")
    assert added.rule_id == "GATE-CREAT-REVIEW" and added.before == "(absent)"
    assert added.line() == (
        "+ GATE-CREAT-REVIEW gates.renal.creatinine_review_at_or_above.value: (absent) -> 221"
    )
    removed = next(d for d in diffs if d.after == "(absent)")
    assert removed.line().startswith("- ")
    assert next(d for d in diffs if d.path == "title").line().startswith("~ title: ")


def test_the_diff_text_names_both_files_and_counts() -> None:
    same = differences_text(proto(), proto())
    assert "No differences in content" in same and f"sha256 {proto().sha256}" in same
    text = differences_text(proto(), _site(tablets=3))
    assert text.splitlines()[0].startswith("--- uk-default.json (uk-default 0.1.0")
    assert text.splitlines()[1].startswith("+++ site.json (uk-default 0.1.0")
    assert "~ K-MILD-TABLETS potassium.bands[K-BAND-MILD].oral.units_per_dose.value: 2 -> 3" in text
    assert text.endswith("2 difference(s); the approval block is not compared.\n")


def test_rule_values_read_as_printed() -> None:
    rules = proto().protocol.all_rules()
    assert rule_value(rules["K-HOLD"]) == "5 mmol/L"
    assert rule_value(rules["MON-K-STANDARD"]) == "12, 24, 48, 120, 168 hours after first dose"
    assert rule_value(rules["HOLD-K-SPARING"]) == rules["HOLD-K-SPARING"].text  # type: ignore[union-attr]
    assert rule_value(rules["K-BAND-MILD"]) == (
        "Mild: 3.0 to below 3.5 mmol/L from 3 mmol/L: oral. Give oral potassium as below."
    )
    assert rule_value(rules["K-BAND-SEVERE"]).endswith(rules["K-BAND-SEVERE"].instruction)
    factor = next(r for r in rules.values() if type(r).__name__ == "RiskFactorRule")
    assert rule_value(factor).endswith(f"raises to {factor.tier.value}")


def test_a_reference_without_a_basis_section_is_cited_without_one() -> None:
    raw = raw_of(UK)
    raw["references"]["sps-iv-kcl"]["basis_section"] = ""
    lp = load_protocol_bytes(json.dumps(raw).encode(), "site.json")
    row = next(
        r for r in build_review(lp, proto(), shipped_limits()).rows if r.rule_id == "K-IV-MAX-RATE"
    )
    assert row.citation.endswith("/>") and "clinical basis" not in row.citation
    assert [d.path for d in build_review(lp, proto(), shipped_limits()).other_differences] == [
        "references.sps-iv-kcl.basis_section"
    ]
