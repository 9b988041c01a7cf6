"""Signing a protocol file's approval block (`b12k protocol approve`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop_app.logic.approval import content_sha256
from desktop_app.logic.errors import ApprovalError, FieldProblem, ProtocolError
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes, parse_json_strict
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.keys import Keyring, fingerprint, sign_fields, verify_approval
from desktop_app.storage.reading import read_file_bytes

#: Longest approver name or role (a layout limit: the sheet's banner names them).
MAX_NAME = 80


def approval_block(
    raw: dict[str, Any],
    *,
    approver: str,
    role: str,
    day: date,
    review_due: date | None,
    key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """Return the signed approval block for a parsed protocol file."""
    fields: dict[str, Any] = {
        "status": "approved",
        "approved_by": approver,
        "role": role,
        "approval_date": day.isoformat(),
        "review_due": review_due.isoformat() if review_due else None,
        "content_sha256": content_sha256(raw),
        "key_fingerprint": fingerprint(key.public_key()),
    }
    return {**fields, "signature": sign_fields(fields, key)}


def approve_file(
    path: Path,
    output: Path,
    *,
    approver: str,
    role: str,
    day: date,
    review_due: date | None,
    key: Ed25519PrivateKey,
) -> LoadedProtocol:
    """Sign the approval of the protocol in `path` and write the approved file to `output`.

    The file must be a valid protocol; its content is kept as it is (written again with the
    shipped files' layout) and only the approval block is replaced. The new bytes are loaded and
    verified with the signing key before they replace anything; the write is atomic.

    Raises:
        ProtocolError: the file is not a valid protocol.
        ApprovalError: the approver or role is empty, or the file cannot be read.
        PlanFileError: the approved file cannot be written.
    """
    if not approver.strip() or not role.strip():
        raise ApprovalError(
            "Give the approver's name (--by) and role (--role): neither may be empty."
        )
    if len(approver.strip()) > MAX_NAME or len(role.strip()) > MAX_NAME:
        raise ApprovalError(
            f"The approver's name and role must each be at most {MAX_NAME} characters (they are "
            "printed in the banner of every sheet)."
        )
    if review_due is not None and review_due <= day:
        raise ApprovalError(
            f"The review date {review_due.isoformat()} is not after the approval date "
            f"{day.isoformat()}."
        )
    data = read_file_bytes(Path(path), "protocol file", ApprovalError)
    load_protocol_bytes(data, Path(path).name)  # refuses an invalid protocol, field by field
    raw = parse_json_strict(data, "protocol file")
    raw["approval"] = approval_block(
        raw, approver=approver.strip(), role=role.strip(), day=day, review_due=review_due, key=key
    )
    out = (json.dumps(raw, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    ring = Keyring(keys={fingerprint(key.public_key()): key.public_key()})
    approved = verify_approval(load_protocol_bytes(out, Path(output).name), ring)
    if not approved.approval_state.approved:  # pragma: no cover - a defect, never written
        raise ProtocolError(
            [
                FieldProblem(
                    "approval", f"the signed file did not verify: {approved.approval_state.reason}"
                )
            ]
        )
    atomic_write_bytes(Path(output), out)  # PlanFileError says what to do when it cannot
    return approved
