"""Signed approval sub-commands of `b12k protocol`: keygen, approve, verify, trust.

Only argparse and the standard library at module level: each command imports what it uses.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (as in core_cmds: the parser stays light).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date

#: The environment variable a script may set instead of typing the passphrase.
PASSPHRASE_ENV = "B12K_KEY_PASSPHRASE"


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    """Return the passphrase: --passphrase-file, else $B12K_KEY_PASSPHRASE, else a prompt.

    Raises:
        ApprovalError: the file cannot be read, or there is no terminal to ask on.
    """
    from desktop_app.logic.errors import ApprovalError
    from desktop_app.storage.reading import read_file_bytes

    if args.passphrase_file is not None:
        data = read_file_bytes(Path(args.passphrase_file), "passphrase file", ApprovalError)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ApprovalError(f"{args.passphrase_file} is not UTF-8 text.") from None
        lines = text.splitlines()
        return lines[0] if lines else ""
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise ApprovalError(
            "No passphrase: there is no terminal to ask on. Give --passphrase-file FILE or set "
            f"{PASSPHRASE_ENV}."
        )
    import getpass

    first = getpass.getpass("Passphrase of the approval key: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise ApprovalError("The two passphrases differ: no key was made.")
    return first


def _cmd_keygen(args: argparse.Namespace) -> int:
    from desktop_app.storage.keys import generate_key_files

    private = Path(args.key)
    public = Path(args.public) if args.public else Path(f"{private}.pub")
    fp = generate_key_files(private, public, _passphrase(args, confirm=True))
    print(f"Private key (passphrase-protected, readable by you only): {private}")
    print(f"Public key (give it to every workstation: b12k protocol trust): {public}")
    print(f"Key fingerprint (SHA-256 of the public key): {fp}")
    return 0


def _date(text: str | None, what: str) -> date | None:
    from datetime import date

    from desktop_app.logic.errors import ApprovalError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApprovalError(f"{what} '{text}' is not a date like 2026-12-01.") from None


def _cmd_approve(args: argparse.Namespace) -> int:
    from datetime import date

    from desktop_app.storage.approval_files import approve_file
    from desktop_app.storage.keys import load_private_key

    day = _date(args.date, "--date") or date.today()
    review = _date(args.review_due, "--review-due")
    key = load_private_key(Path(args.key), _passphrase(args, confirm=False))
    output = Path(args.output) if args.output else Path(args.file)
    lp = approve_file(
        Path(args.file),
        output,
        approver=args.by,
        role=args.role,
        day=day,
        review_due=review,
        key=key,
    )
    state = lp.approval_state
    print(f"Approved and signed: {output}")
    print(f"  {state.reason}")
    print(f"  content SHA-256: {state.content_sha256}")
    print(f"  key fingerprint: {state.key_fingerprint}")
    print(
        "Workstations count this approval only if they trust the key: "
        "b12k protocol trust PUBLIC-KEY (or list the site key file in the settings)."
    )
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from desktop_app.storage.protocols import load_protocol, workstation_keyring

    ring = workstation_keyring()
    lp = load_protocol(Path(args.file), ring)
    p = lp.protocol
    state = lp.approval_state
    print(f"{p.protocol_id} version {p.version} ({p.title})")
    print(f"content SHA-256: {state.content_sha256}")
    print(f"file SHA-256: {lp.sha256}")
    for problem in ring.problems:
        print(f"warning: a trusted key file cannot be read: {problem}", file=sys.stderr)
    if state.approved:
        print(f"APPROVED: {state.reason}")
        print(
            f"key fingerprint: {state.key_fingerprint} (trusted: {ring.origins[state.key_fingerprint]})"
        )
        return 0
    print(f"NOT APPROVED - NOT FOR CLINICAL USE: {state.reason}")
    return 1


def _cmd_trust(args: argparse.Namespace) -> int:
    from desktop_app.logic.errors import ApprovalError
    from desktop_app.storage.keys import trust_dir, trust_key_file
    from desktop_app.storage.protocols import workstation_keyring

    if args.list:
        ring = workstation_keyring()
        for fp, origin in sorted(ring.origins.items()):
            print(f"{fp}  {origin}")
        for problem in ring.problems:
            print(f"warning: {problem}", file=sys.stderr)
        if not ring.keys:
            print("No key is trusted on this workstation: no approval counts.")
        return 0
    if args.pubkey is None:
        raise ApprovalError("Give the public key file to trust (or --list).")
    for fp in trust_key_file(Path(args.pubkey)):
        print(f"Trusted key {fp} (copied into {trust_dir()}).")
    return 0


def _add_passphrase_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        default=None,
        help=f"read the passphrase from the first line of FILE (else ${PASSPHRASE_ENV}, "
        "else a prompt)",
    )


def register_protocol_actions(
    psub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add keygen, approve, verify and trust under `b12k protocol`."""
    c = psub.add_parser("keygen", help="make an Ed25519 approval key pair")
    c.add_argument("key", type=Path, help="private key file to write (0600, passphrase-protected)")
    c.add_argument("--public", type=Path, default=None, help="public key file (default KEY.pub)")
    _add_passphrase_file(c)
    c.set_defaults(func=_cmd_keygen)

    c = psub.add_parser("approve", help="sign a protocol's approval, bound to its content")
    c.add_argument("file", type=Path, help="the site's protocol file")
    c.add_argument("--by", required=True, help="approver's name, as it is to be printed")
    c.add_argument("--role", required=True, help="approver's role (e.g. chair of the DTC)")
    c.add_argument("--key", required=True, type=Path, help="private key made by keygen")
    c.add_argument("--date", default=None, help="approval date YYYY-MM-DD (default: today)")
    c.add_argument("--review-due", default=None, help="date the approval must be reviewed by")
    c.add_argument(
        "-o", "--output", type=Path, default=None, help="write here (default: FILE in place)"
    )
    _add_passphrase_file(c)
    c.set_defaults(func=_cmd_approve)

    c = psub.add_parser("verify", help="check a protocol's signed approval on this workstation")
    c.add_argument("file", type=Path)
    c.set_defaults(func=_cmd_verify)

    c = psub.add_parser("trust", help="trust a public key for approvals on this workstation")
    c.add_argument("pubkey", type=Path, nargs="?", default=None, help="public key file (PEM)")
    c.add_argument("--list", action="store_true", help="list the trusted keys and their files")
    c.set_defaults(func=_cmd_trust)
