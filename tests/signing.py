"""Test helpers: protocols approved with a real Ed25519 signature by a throwaway test key."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes
from desktop_app.storage.approval_files import approval_block
from desktop_app.storage.keys import Keyring, fingerprint, verify_approval

APPROVER = "Drugs and Therapeutics Committee (TEST)"
ROLE = "Chair (TEST)"


@cache
def signing_key() -> Ed25519PrivateKey:
    """The test signing key: fixed, so that the golden sheets of an approved protocol (which print
    its fingerprint) are the same on every run. Ed25519 signatures are deterministic."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"B12-K test key").digest())


def other_key() -> Ed25519PrivateKey:
    """A fresh key nobody trusts."""
    return Ed25519PrivateKey.generate()


def trusting_ring(key: Ed25519PrivateKey | None = None) -> Keyring:
    """A keyring that trusts the test key (or `key`) only."""
    pub = (key or signing_key()).public_key()
    return Keyring(keys={fingerprint(pub): pub}, origins={fingerprint(pub): "test"})


def sign(
    raw: dict[str, Any],
    *,
    day: str = "2026-10-01",
    review_due: str | None = "2027-10-01",
    key: Ed25519PrivateKey | None = None,
    approver: str = APPROVER,
    role: str = ROLE,
) -> dict[str, Any]:
    """Put a signed approval block into the parsed protocol `raw` (in place) and return it."""
    raw["approval"] = approval_block(
        raw,
        approver=approver,
        role=role,
        day=date.fromisoformat(day),
        review_due=date.fromisoformat(review_due) if review_due else None,
        key=key or signing_key(),
    )
    return raw


def signed_bytes(raw: dict[str, Any], **kwargs: Any) -> bytes:
    """The bytes of `raw` with a signed approval (the shipped files' layout)."""
    return (json.dumps(sign(raw, **kwargs), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def approved(data: bytes, name: str = "approved", ring: Keyring | None = None) -> LoadedProtocol:
    """Load protocol bytes and check their approval against the test keyring (or `ring`)."""
    return verify_approval(load_protocol_bytes(data, name), ring or trusting_ring())
