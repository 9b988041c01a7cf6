"""Ed25519 keys of signed protocol approvals: make, read, trust, sign and verify.

Every cryptographic operation is the `cryptography` package's; this module only reads and
writes files and turns each way they can be wrong into one message. The private key is a
passphrase-protected PKCS#8 PEM file (mode 0600); the public key a SubjectPublicKeyInfo PEM
file. A key's fingerprint is the SHA-256 (hex) of its 32 raw public-key bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop_app.logic.approval import approval_fields, signed_message
from desktop_app.logic.errors import ApprovalError, PlanFileError
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.paths import config_dir
from desktop_app.storage.private import private_dir
from desktop_app.storage.reading import read_file_bytes

#: The folder of the workstation's own trusted public keys (`b12k protocol trust` adds to it).
TRUST_DIR = "trusted-keys"
#: Shortest passphrase `keygen` accepts (a security choice, not a clinical number).
MIN_PASSPHRASE = 8
#: Bytes of an Ed25519 signature.
SIGNATURE_BYTES = 64

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def fingerprint(key: Ed25519PublicKey) -> str:
    """Return the SHA-256 (hex) of the key's raw 32 bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _key_kind(key: object) -> str:
    """'an RSA', 'an EC'... : the kind of a key that is not Ed25519, for the message."""
    kinds = (
        ("an RSA", (rsa.RSAPrivateKey, rsa.RSAPublicKey)),
        ("an EC", (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)),
        ("a DSA", (dsa.DSAPrivateKey, dsa.DSAPublicKey)),
        ("an Ed448", (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)),
    )
    for words, types in kinds:
        if isinstance(key, types):
            return words
    return "an unsupported"


def _der_complete(der: bytes) -> bool:
    """True when `der` is one whole DER SEQUENCE (the outer length matches the bytes)."""
    if len(der) < 2 or der[0] != 0x30:
        return False
    first = der[1]
    if first < 0x80:
        return 2 + first == len(der)
    count = first & 0x7F
    if count == 0 or count > 4 or len(der) < 2 + count:
        return False
    return 2 + count + int.from_bytes(der[2 : 2 + count], "big") == len(der)


def _blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Return each PEM block as (label, body bytes decoded), body b"" when not valid base64."""
    out = []
    for match in _PEM_BLOCK.finditer(data):
        try:
            body = binascii.a2b_base64(b"".join(match.group(2).split()), strict_mode=True)
        except binascii.Error:
            body = b""
        out.append((match.group(1).decode("ascii"), body))
    return out


# ----- making keys -------------------------------------------------------------------------------


def check_new_passphrase(passphrase: str) -> bytes:
    """Return the passphrase as bytes, or raise ApprovalError when it is too short."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ApprovalError(
            f"The passphrase is too short: give at least {MIN_PASSPHRASE} characters."
        )
    return passphrase.encode("utf-8")


def generate_key_files(private_path: Path, public_path: Path, passphrase: str) -> str:
    """Write a new Ed25519 key pair; return its fingerprint.

    The private key is encrypted with the passphrase and written 0600; neither file is left
    half-written, and an existing key file is never replaced.

    Raises:
        ApprovalError: a file already exists, the passphrase is too short, or a write fails.
    """
    secret = check_new_passphrase(passphrase)
    for path in (private_path, public_path):
        if Path(path).exists():
            raise ApprovalError(
                f"{path} already exists: a key is never overwritten. Choose another file name."
            )
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        atomic_write_bytes(Path(private_path), private_pem, private=True)
        try:
            atomic_write_bytes(Path(public_path), public_pem)
        except PlanFileError:
            Path(private_path).unlink(missing_ok=True)  # no private key without its public key
            raise
    except PlanFileError as exc:
        raise ApprovalError(f"No key was made. {exc}") from None
    return fingerprint(key.public_key())


# ----- reading keys ------------------------------------------------------------------------------


def load_private_key(path: Path, passphrase: str) -> Ed25519PrivateKey:
    """Read a passphrase-protected Ed25519 private key.

    Raises:
        ApprovalError: missing file, a public key given, no passphrase protection, a wrong
            passphrase, a damaged file, or a key of another type; one message each.
    """
    data = read_file_bytes(Path(path), "private key file", ApprovalError)
    blocks = _blocks(data)
    labels = {label for label, _ in blocks}
    if "PUBLIC KEY" in labels and not any("PRIVATE" in label for label in labels):
        raise ApprovalError(
            f"{path} is a public key. Approve with the private key made by b12k protocol keygen "
            "(the file without .pub)."
        )
    encrypted = [body for label, body in blocks if label == "ENCRYPTED PRIVATE KEY"]
    if not blocks or (not encrypted and not any("PRIVATE" in label for label in labels)):
        raise ApprovalError(
            f"{path} is not a private key file (no PEM private key in it). Give the key made by "
            "b12k protocol keygen."
        )
    if encrypted and not _der_complete(encrypted[0]):
        raise ApprovalError(
            f"{path} is damaged (truncated or altered): the private key cannot be read. Use a "
            "backup copy of the key, or make a new key and have it trusted."
        )
    try:
        key = serialization.load_pem_private_key(data, password=passphrase.encode("utf-8"))
    except TypeError:
        raise ApprovalError(
            f"{path} is not protected by a passphrase. Approval keys must be: make one with "
            "b12k protocol keygen."
        ) from None
    except ValueError:
        if encrypted:
            raise ApprovalError(
                f"Wrong passphrase for {path}: the key cannot be opened. Type it again (check "
                "Caps Lock), or check the passphrase file or B12K_KEY_PASSPHRASE."
            ) from None
        raise ApprovalError(
            f"{path} is damaged or not a key this program reads: the private key cannot be read."
        ) from None
    except UnsupportedAlgorithm:
        raise ApprovalError(
            f"{path} holds a key of a type this program does not read. Approval keys are "
            "Ed25519: make one with b12k protocol keygen."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ApprovalError(
            f"{path} holds {_key_kind(key)} key; approvals are signed with Ed25519 keys only. "
            "Make one with b12k protocol keygen."
        )
    return key


def load_public_keys(path: Path) -> list[Ed25519PublicKey]:
    """Read every Ed25519 public key in a PEM file (a site key file may hold several).

    Raises:
        ApprovalError: missing file, a private key given, no key, a damaged block, or a key of
            another type; one message each.
    """
    data = read_file_bytes(Path(path), "public key file", ApprovalError)
    blocks = _blocks(data)
    if any("PRIVATE" in label for label, _ in blocks):
        raise ApprovalError(
            f"{path} holds a private key. Trust the public key (the .pub file) only; a private "
            "key never leaves the approver."
        )
    bodies = [body for label, body in blocks if label == "PUBLIC KEY"]
    if not bodies:
        raise ApprovalError(
            f"{path} is not a public key file (no PEM public key in it). Give the .pub file made "
            "by b12k protocol keygen."
        )
    keys = []
    for number, body in enumerate(bodies, start=1):
        try:
            if not _der_complete(body):
                raise ValueError(body)
            key = serialization.load_der_public_key(body)
        except (ValueError, UnsupportedAlgorithm):
            raise ApprovalError(
                f"{path} is damaged (public key {number} is truncated or altered). Ask for a "
                "fresh copy of the key."
            ) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ApprovalError(
                f"{path} holds {_key_kind(key)} public key (key {number}); approvals are signed "
                "with Ed25519 keys only."
            )
        keys.append(key)
    return keys


# ----- trust -------------------------------------------------------------------------------------


@dataclass
class Keyring:
    """The public keys this workstation trusts, by fingerprint, and where each came from."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    #: Key files that could not be read (their keys are not trusted), one message each.
    problems: list[str] = field(default_factory=list)

    def add_file(self, path: Path) -> None:
        """Trust every key of `path`; a file that cannot be read becomes a problem."""
        try:
            keys = load_public_keys(path)
        except ApprovalError as exc:
            self.problems.append(str(exc))
            return
        for key in keys:
            fp = fingerprint(key)
            self.keys.setdefault(fp, key)
            self.origins.setdefault(fp, str(path))


def trust_dir() -> Path:
    """Return the workstation's folder of trusted public keys (created 0700)."""
    return private_dir(config_dir() / TRUST_DIR)


def trusted_keyring(site_key_files: Iterable[str] = ()) -> Keyring:
    """Return the keys in the workstation's trust folder and in the settings' site key files."""
    ring = Keyring()
    folder = config_dir() / TRUST_DIR
    if folder.is_dir():
        for path in sorted(folder.glob("*.pem")):
            ring.add_file(path)
    for name in site_key_files:
        ring.add_file(Path(name))
    return ring


def trust_key_file(path: Path) -> list[str]:
    """Copy each key of a public key file into the trust folder; return their fingerprints.

    Raises:
        ApprovalError: the file is not a good public key file, or the folder is not writable.
    """
    keys = load_public_keys(path)
    out = []
    for key in keys:
        fp = fingerprint(key)
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        try:
            atomic_write_bytes(trust_dir() / f"{fp[:32]}.pem", pem, private=True)
        except (PlanFileError, OSError) as exc:
            raise ApprovalError(f"The key was not trusted: {exc}") from None
        out.append(fp)
    return out


# ----- signing and verifying ---------------------------------------------------------------------


def sign_fields(fields: dict[str, object], key: Ed25519PrivateKey) -> str:
    """Return the base64 Ed25519 signature of an approval's signed fields."""
    return base64.b64encode(key.sign(signed_message(fields))).decode("ascii")


def verify_approval(lp: LoadedProtocol, ring: Keyring) -> LoadedProtocol:
    """Return `lp` with its approval approved, or void with the reason, once the signature is
    checked; a draft, or an approval the content hash already voided, is returned as it is."""
    state = lp.approval_state
    if state.state != "unverified":
        return lp
    approval = lp.protocol.approval
    who = state.signer_text
    try:
        signature = base64.b64decode(approval.signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        signature = b""
    if len(signature) != SIGNATURE_BYTES:
        return lp.with_approval(
            state.void(
                f"the signature of the approval by {who} is damaged (not a whole Ed25519 "
                "signature: truncated or altered); approve the file again"
            )
        )
    key = ring.keys.get(approval.key_fingerprint)
    if key is None:
        return lp.with_approval(
            state.void(
                f"approval by {who} was signed with key {approval.key_fingerprint[:16] or '(none)'}"
                ", which this workstation does not trust"
            )
        )
    try:
        key.verify(signature, signed_message(approval_fields(approval)))
    except InvalidSignature:
        return lp.with_approval(
            state.void(
                f"the signature of the approval by {who} does not match: the approval was "
                "changed after it was signed, or the signature is damaged"
            )
        )
    return lp.with_approval(state.verified())
