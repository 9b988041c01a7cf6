"""Approval bound to content: the canonical JSON, the content hash and the approval state.

Pure: no cryptography, no files. The signature itself is checked in `storage/keys.py`, which
turns an "unverified" state into "approved" or "void"; everything here is only the part a
hash can decide.

Canonical JSON (docs/protocol.md, "Signed approval"): the file is parsed strictly (no duplicate
keys, no NaN or Infinity), the top-level key "approval" is removed, and the rest is written with
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)` and
encoded as UTF-8: keys sorted by code point, no whitespace outside strings, strings with only
the escapes JSON requires, integers as digits and other numbers as Python's shortest
round-trip form (5.0 stays "5.0"; 1e-3 becomes "0.001"). Layout, key order and indentation
of the file therefore do not change the content hash; any change of a value, a key or a number's
type (5 for 5.0) does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from desktop_app.logic.textfmt import day_month

#: Prefix of the signed message: a signature made for anything else never verifies here.
SIGNED_DOMAIN = b"B12K-PROTOCOL-APPROVAL-V1\n"

#: The approval fields the signature covers, in this order (everything but the signature).
SIGNED_FIELDS = (
    "status",
    "approved_by",
    "role",
    "approval_date",
    "review_due",
    "content_sha256",
    "key_fingerprint",
)

State = Literal["draft", "unverified", "void", "approved"]


def canonical_json(value: Any) -> bytes:
    """Return the canonical JSON bytes of a parsed JSON value (see the module docstring)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_content(raw: dict[str, Any]) -> bytes:
    """Return the canonical JSON of a protocol's content: everything but its approval block."""
    return canonical_json({key: value for key, value in raw.items() if key != "approval"})


def content_sha256(raw: dict[str, Any]) -> str:
    """Return the SHA-256 (hex) of a protocol's canonical content."""
    return hashlib.sha256(canonical_content(raw)).hexdigest()


def signed_message(fields: dict[str, Any]) -> bytes:
    """Return the bytes an approval's Ed25519 signature is made over.

    The domain prefix, then the canonical JSON of the `SIGNED_FIELDS` of the approval block
    (dates as YYYY-MM-DD, an absent review date as null).
    """
    return SIGNED_DOMAIN + canonical_json({name: fields.get(name) for name in SIGNED_FIELDS})


class ApprovalState(BaseModel):
    """Whether a protocol counts as approved, and why not in words when it does not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: State = Field(description="approved only after a trusted signature verified.")
    reason: str = Field(description="What the screen, text plan and sheet say about it.")
    approved_by: str = ""
    role: str = ""
    approval_date: date | None = None
    key_fingerprint: str = Field(default="", description="SHA-256 of the raw public key.")
    content_sha256: str = Field(default="", description="SHA-256 of the content as loaded.")

    @property
    def approved(self) -> bool:
        """True only for a verified signature by a trusted key over this very content."""
        return self.state == "approved"

    @property
    def signer_text(self) -> str:
        """'X (role) on D', the approval as the file claims it."""
        role = f" ({self.role})" if self.role else ""
        day = self.approval_date
        on = f" on {day_month(day)}-{day.year}" if day else ""  # type: ignore[arg-type]
        return f"{self.approved_by or 'an unnamed approver'}{role}{on}"

    def void(self, why: str) -> ApprovalState:
        """Return this state made void, with `why` in words."""
        return self._with("void", f"APPROVAL VOID: {why}")

    def verified(self) -> ApprovalState:
        """Return this state approved (the caller has verified the trusted signature)."""
        return self._with("approved", f"approved by {self.signer_text}")

    def _with(self, state: State, reason: str) -> ApprovalState:
        return ApprovalState.model_validate({**self.model_dump(), "state": state, "reason": reason})


DRAFT_REASON = "the protocol is a draft: it carries no signed site approval"
DRAFT = ApprovalState(state="draft", reason=DRAFT_REASON)


def check_content(approval: Any, content_hash: str) -> ApprovalState:
    """Return what the hash alone decides about an approval block (a protocol.Approval).

    A draft stays a draft; an approval that is not signed, or whose content hash is not the
    content's, is void; otherwise it is "unverified" until `storage.keys` checks the signature.
    """
    base = ApprovalState(
        state="unverified",
        reason="",
        approved_by=approval.approved_by,
        role=approval.role,
        approval_date=approval.approval_date,
        key_fingerprint=approval.key_fingerprint,
        content_sha256=content_hash,
    )
    if approval.status != "approved":
        return base._with("draft", DRAFT_REASON)
    if not approval.signature or not approval.content_sha256:
        return base.void(
            f"the approval by {base.signer_text} is not signed: a status 'approved' typed into "
            "the file does not count (sign it with b12k protocol approve)"
        )
    if approval.content_sha256 != content_hash:
        return base.void(f"content changed after approval by {base.signer_text}")
    return base._with(
        "unverified",
        f"APPROVAL NOT VERIFIED: the signature of the approval by {base.signer_text} has not "
        "been checked against this workstation's trusted keys",
    )


def approval_fields(approval: Any) -> dict[str, Any]:
    """Return the signed fields of an approval block (a protocol.Approval) as JSON values."""
    return {
        "status": approval.status,
        "approved_by": approval.approved_by,
        "role": approval.role,
        "approval_date": _iso(approval.approval_date),
        "review_due": _iso(approval.review_due),
        "content_sha256": approval.content_sha256,
        "key_fingerprint": approval.key_fingerprint,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
