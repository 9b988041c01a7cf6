"""Approval keys and signatures (issue 14): each bad key, trust and signature gets one message."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from desktop_app.logic.errors import ApprovalError
from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.storage.keys import (
    fingerprint,
    generate_key_files,
    load_private_key,
    load_public_keys,
    trust_key_file,
    trusted_keyring,
    verify_approval,
)
from desktop_app.storage.protocols import load_protocol, load_protocol_data
from desktop_app.storage.settings import Preferences, save_preferences
from tests.signing import approved, other_key, signed_bytes, signing_key, trusting_ring

ROOT = Path(__file__).resolve().parents[2]
UK = ROOT / "resources" / "protocols" / "uk-default.json"
PASS = "correct horse battery"


def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(UK.read_text(encoding="utf-8"))
    return data


def _pem_public(key: Any) -> bytes:
    pem: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path, str]:
    private, public = tmp_path / "dtc.key", tmp_path / "dtc.key.pub"
    return private, public, generate_key_files(private, public, PASS)


# ----- keygen ------------------------------------------------------------------------------------


def test_keygen_writes_a_0600_passphrase_protected_private_key_and_its_public_key(
    keypair: tuple[Path, Path, str],
) -> None:
    private, public, fp = keypair
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = load_private_key(private, PASS)
    (pub,) = load_public_keys(public)
    assert fingerprint(key.public_key()) == fingerprint(pub) == fp
    assert len(fp) == 64 and not list(private.parent.glob(".*.tmp"))


def test_keygen_never_overwrites_a_key(keypair: tuple[Path, Path, str]) -> None:
    private, public, _ = keypair
    before = private.read_bytes()
    with pytest.raises(ApprovalError, match="already exists: a key is never overwritten"):
        generate_key_files(private, public.with_name("other.pub"), PASS)
    assert private.read_bytes() == before


def test_keygen_refuses_a_short_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ApprovalError, match="passphrase is too short: give at least 8"):
        generate_key_files(tmp_path / "k", tmp_path / "k.pub", "short")
    assert list(tmp_path.iterdir()) == []


def test_keygen_into_a_missing_folder_leaves_no_private_key_behind(tmp_path: Path) -> None:
    with pytest.raises(ApprovalError, match=r"No key was made.*does not exist"):
        generate_key_files(tmp_path / "k", tmp_path / "missing" / "k.pub", PASS)
    assert list(tmp_path.iterdir()) == []


# ----- reading a private key ---------------------------------------------------------------------


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ApprovalError, match=r"nokey\.pem does not exist"):
        load_private_key(tmp_path / "nokey.pem", PASS)


def test_a_wrong_passphrase_says_so(keypair: tuple[Path, Path, str]) -> None:
    with pytest.raises(ApprovalError, match=r"Wrong passphrase for .*dtc.key"):
        load_private_key(keypair[0], "not the passphrase")


def test_a_truncated_private_key_is_damaged_not_a_wrong_passphrase(
    keypair: tuple[Path, Path, str],
) -> None:
    private = keypair[0]
    lines = private.read_bytes().splitlines(keepends=True)
    private.write_bytes(b"".join([*lines[:2], lines[-1]]))
    with pytest.raises(ApprovalError, match=r"is damaged \(truncated or altered\)"):
        load_private_key(private, PASS)


def test_a_public_key_given_as_the_private_key_is_named(keypair: tuple[Path, Path, str]) -> None:
    with pytest.raises(ApprovalError, match=r"is a public key\. Approve with the private key"):
        load_private_key(keypair[1], PASS)


def test_a_key_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASS.encode()),
        )
    )
    with pytest.raises(ApprovalError, match="holds an EC key; approvals are signed with Ed25519"):
        load_private_key(path, PASS)


def test_an_unprotected_private_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.pem"
    path.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ApprovalError, match="is not protected by a passphrase"):
        load_private_key(path, PASS)


def test_a_file_that_is_no_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(ApprovalError, match="is not a private key file"):
        load_private_key(path, PASS)
    with pytest.raises(ApprovalError, match="is not a public key file"):
        load_public_keys(path)


# ----- public keys and trust ---------------------------------------------------------------------


def test_a_private_key_is_never_trusted(keypair: tuple[Path, Path, str]) -> None:
    with pytest.raises(ApprovalError, match=r"holds a private key\. Trust the public key"):
        trust_key_file(keypair[0])


def test_a_damaged_or_foreign_public_key_is_refused(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.pub"
    pem = _pem_public(ed25519.Ed25519PrivateKey.generate())
    damaged.write_bytes(pem.replace(pem.splitlines()[1], pem.splitlines()[1][:-8]))
    with pytest.raises(ApprovalError, match=r"damaged \(public key 1 is truncated or altered\)"):
        load_public_keys(damaged)
    foreign = tmp_path / "ec.pub"
    foreign.write_bytes(_pem_public(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ApprovalError, match="holds an EC public key"):
        load_public_keys(foreign)


def test_trust_copies_the_key_and_a_site_key_file_in_the_settings_is_trusted(
    tmp_path: Path, keypair: tuple[Path, Path, str]
) -> None:
    _, public, fp = keypair
    assert trusted_keyring().keys == {}
    assert trust_key_file(public) == [fp]
    assert set(trusted_keyring().keys) == {fp}
    site = tmp_path / "site-keys.pem"
    a, b = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    site.write_bytes(_pem_public(a) + _pem_public(b))
    ring = trusted_keyring([str(site), str(tmp_path / "gone.pem")])
    assert set(ring.keys) == {fp, fingerprint(a.public_key()), fingerprint(b.public_key())}
    assert ring.origins[fingerprint(b.public_key())] == str(site)
    assert len(ring.problems) == 1 and "gone.pem does not exist" in ring.problems[0]


# ----- verifying ---------------------------------------------------------------------------------


def test_a_signed_approval_by_a_trusted_key_is_approved() -> None:
    lp = approved(signed_bytes(_raw()))
    assert lp.approval_state.approved and not lp.not_for_clinical_use
    assert lp.approval_state.key_fingerprint == fingerprint(signing_key().public_key())


def test_an_edit_of_one_byte_of_content_voids_the_approval() -> None:
    data = signed_bytes(_raw())
    edited = data.replace(b'"value": 5.0,', b'"value": 4.9,', 1)
    lp = approved(edited)
    assert lp.approval_state.state == "void"
    assert lp.approval_state.reason == (
        "APPROVAL VOID: content changed after approval by Drugs and Therapeutics Committee (TEST) "
        "(Chair (TEST)) on 01-Oct-2026"
    )


def test_re_approval_with_an_untrusted_key_is_not_approved() -> None:
    key = other_key()
    lp = approved(signed_bytes(_raw(), key=key))
    assert lp.approval_state.state == "void"
    assert (
        f"was signed with key {fingerprint(key.public_key())[:16]}, which this workstation does "
        "not trust" in lp.approval_state.reason
    )


def _with_approval(change: dict[str, Any]) -> bytes:
    raw = json.loads(signed_bytes(_raw()))
    raw["approval"].update(change)
    return json.dumps(raw).encode()


def test_a_truncated_signature_is_damaged() -> None:
    sig = json.loads(signed_bytes(_raw()))["approval"]["signature"]
    lp = approved(_with_approval({"signature": sig[:40]}))
    assert "signature of the approval by" in lp.approval_state.reason
    assert "is damaged (not a whole Ed25519 signature" in lp.approval_state.reason
    lp = approved(_with_approval({"signature": "not base64!"}))
    assert "is damaged" in lp.approval_state.reason


def test_a_changed_approver_or_a_flipped_signature_bit_does_not_verify() -> None:
    lp = approved(_with_approval({"approved_by": "Someone Else"}))
    assert lp.approval_state.state == "void"
    assert "does not match: the approval was changed after it was signed" in (
        lp.approval_state.reason
    )
    sig = bytearray(base64.b64decode(json.loads(signed_bytes(_raw()))["approval"]["signature"]))
    sig[10] ^= 1
    lp = approved(_with_approval({"signature": base64.b64encode(bytes(sig)).decode()}))
    assert "does not match" in lp.approval_state.reason


def test_drafts_and_voided_approvals_pass_through_the_check_unchanged() -> None:
    draft = load_protocol_bytes(UK.read_bytes(), "uk")
    assert verify_approval(draft, trusting_ring()) is draft


def test_loading_checks_the_workstations_trust(tmp_path: Path) -> None:
    path = tmp_path / "site.json"
    path.write_bytes(signed_bytes(_raw()))
    assert load_protocol(path).approval_state.state == "void"  # nothing trusted yet
    site = tmp_path / "site-keys.pem"
    site.write_bytes(_pem_public(signing_key()))
    save_preferences(Preferences(trusted_key_files=(str(site),)))
    assert load_protocol(path).approval_state.approved
    assert load_protocol_data(path.read_bytes(), "site.json").approval_state.approved
    assert load_protocol(path, trusting_ring(other_key())).approval_state.state == "void"
