"""Approval bound to content (issue 14): canonical content, content hash and approval states."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from desktop_app.logic.approval import (
    DRAFT_REASON,
    SIGNED_DOMAIN,
    SIGNED_FIELDS,
    ApprovalState,
    approval_fields,
    canonical_content,
    canonical_json,
    content_sha256,
    signed_message,
)
from desktop_app.logic.engine import evaluate
from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.report.plan_text import render_text
from tests.logic.helpers import NOW, UK, US, inputs, proto


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(UK.read_text(encoding="utf-8"))
    return data


def _claimed(**approval: Any) -> bytes:
    raw = _raw()
    raw["approval"] = {
        "status": "approved",
        "approved_by": "Dr Site Pharm",
        "role": "Chair, DTC",
        "approval_date": "2026-11-01",
        **approval,
    }
    return json.dumps(raw, indent=1).encode()


def test_canonical_json_sorts_keys_and_drops_whitespace_but_keeps_number_types() -> None:
    assert canonical_json({"b": 1, "a": [5.0, "é", None, True]}) == (
        '{"a":[5.0,"é",null,true],"b":1}'.encode()
    )
    assert canonical_json({"x": 5}) != canonical_json({"x": 5.0})


def test_canonical_content_leaves_out_only_the_approval_block() -> None:
    raw = _raw()
    without = {k: v for k, v in raw.items() if k != "approval"}
    assert canonical_content(raw) == canonical_json(without)
    assert b'"approval"' not in canonical_content(raw)
    assert content_sha256(raw) == hashlib.sha256(canonical_json(without)).hexdigest()


def test_layout_and_key_order_do_not_change_the_content_hash_but_one_value_does() -> None:
    raw = _raw()
    reordered = dict(reversed(list(raw.items())))
    assert content_sha256(reordered) == content_sha256(raw)
    raw["approval"] = {"status": "approved", "approved_by": "X"}
    assert content_sha256(raw) == content_sha256(reordered)  # the approval is not content
    raw["title"] = raw["title"] + "."
    assert content_sha256(raw) != content_sha256(reordered)


def test_the_signed_message_is_the_domain_and_every_signed_field() -> None:
    fields = {name: f"v-{name}" for name in SIGNED_FIELDS}
    message = signed_message({**fields, "signature": "ignored"})
    assert message.startswith(SIGNED_DOMAIN)
    assert json.loads(message[len(SIGNED_DOMAIN) :]) == fields
    assert signed_message({}) == SIGNED_DOMAIN + canonical_json(dict.fromkeys(SIGNED_FIELDS))


def test_the_shipped_protocols_are_drafts_with_their_content_hash() -> None:
    for path in (UK, US):
        lp = proto(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert lp.approval_state.state == "draft"
        assert lp.approval_state.reason == DRAFT_REASON
        assert lp.approval_state.content_sha256 == content_sha256(raw)
        assert lp.not_for_clinical_use


def test_a_hand_typed_approved_status_does_not_count() -> None:
    lp = load_protocol_bytes(_claimed(), "typed")
    assert lp.approval_state.state == "void"
    assert lp.approval_state.reason.startswith(
        "APPROVAL VOID: the approval by Dr Site Pharm (Chair, DTC) on 01-Nov-2026 is not signed"
    )
    plan = evaluate(lp, inputs(), now=NOW)
    assert plan.protocol.not_for_clinical_use
    assert plan.protocol.status == "approval void"


def test_an_approval_whose_hash_is_not_the_content_is_void_in_the_text_plan() -> None:
    lp = load_protocol_bytes(_claimed(content_sha256="0" * 64, signature="AAAA"), "edited")
    assert lp.approval_state.state == "void"
    text = render_text(evaluate(lp, inputs(), now=NOW))
    assert text.splitlines()[0] == (
        "*** NOT FOR CLINICAL USE: APPROVAL VOID: content changed after approval by "
        "Dr Site Pharm (Chair, DTC) on 01-Nov-2026 ***"
    )


def test_a_matching_hash_is_only_unverified_until_the_signature_is_checked() -> None:
    data = _claimed(content_sha256=content_sha256(_raw()), signature="AAAA", key_fingerprint="ab")
    lp = load_protocol_bytes(data, "claimed")
    assert lp.approval_state.state == "unverified"
    assert lp.not_for_clinical_use
    plan = evaluate(lp, inputs(), now=NOW)
    assert plan.protocol.status == "approval not verified"
    assert "APPROVAL NOT VERIFIED" in render_text(plan)


def test_a_verified_state_prints_signer_fingerprint_and_content_hash_in_the_text_plan() -> None:
    data = _claimed(content_sha256=content_sha256(_raw()), signature="AAAA", key_fingerprint="ab")
    lp = load_protocol_bytes(data, "claimed")
    ok = lp.with_approval(lp.approval_state.verified())  # as storage.keys does once verified
    assert ok.approval_state.approved and not ok.not_for_clinical_use
    plan = evaluate(ok, inputs(), now=NOW)
    text = render_text(plan)
    assert "NOT FOR CLINICAL USE" not in text
    assert (
        "Signed approved by Dr Site Pharm (Chair, DTC) on 01-Nov-2026; key fingerprint ab" in text
    )
    assert f"Protocol content SHA-256 {content_sha256(_raw())}" in text
    assert plan.protocol.key_fingerprint == "ab" and plan.protocol.approver_role == "Chair, DTC"


def test_a_draft_with_a_signature_left_in_it_stays_a_draft() -> None:
    raw = _raw()
    raw["approval"] = {"status": "draft", "signature": "AAAA", "content_sha256": "0" * 64}
    lp = load_protocol_bytes(json.dumps(raw).encode(), "draft")
    assert lp.approval_state.state == "draft"
    assert "is a draft (no signed site approval)" in render_text(evaluate(lp, inputs(), now=NOW))


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (ApprovalState(state="void", reason=""), "an unnamed approver"),
        (ApprovalState(state="void", reason="", approved_by="A"), "A"),
        (
            ApprovalState(state="void", reason="", approved_by="A", approval_date=date(2026, 1, 2)),
            "A on 02-Jan-2026",
        ),
    ],
    ids=["nobody", "name-only", "name-and-date"],
)
def test_the_signer_text_says_only_what_the_file_claims(state: ApprovalState, text: str) -> None:
    assert state.signer_text == text


def test_approval_fields_are_json_values() -> None:
    lp = load_protocol_bytes(_claimed(review_due="2027-11-01"), "typed")
    fields = approval_fields(lp.protocol.approval)
    assert fields["approval_date"] == "2026-11-01" and fields["review_due"] == "2027-11-01"
    assert list(fields) == list(SIGNED_FIELDS)
    lp = load_protocol_bytes(_claimed(), "typed")
    assert approval_fields(lp.protocol.approval)["review_due"] is None
