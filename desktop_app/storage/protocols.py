"""Finding and loading protocol files (the shipped default, or a site's own copy).

Every protocol the program uses is loaded here, so that its approval counts only after the
signature is checked against the workstation's trusted keys (storage/keys.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes, load_protocol_file
from desktop_app.resources import DEFAULT_PROTOCOL, resource_path

if TYPE_CHECKING:  # the keys module (and cryptography) is imported only for a signed protocol
    from desktop_app.storage.keys import Keyring


def default_protocol_path() -> Path:
    """Return the path of the shipped default protocol."""
    return resource_path(DEFAULT_PROTOCOL)


def workstation_keyring() -> Keyring:
    """Return the keys this workstation trusts: its trust folder and the settings' key files."""
    from desktop_app.storage.keys import trusted_keyring
    from desktop_app.storage.settings import load_preferences

    prefs, _problem = load_preferences()
    return trusted_keyring(prefs.trusted_key_files)


def verified(lp: LoadedProtocol, keyring: Keyring | None = None) -> LoadedProtocol:
    """Return `lp` with its approval checked against `keyring` (default: the workstation's)."""
    if lp.approval_state.state != "unverified":
        return lp  # a draft or a void approval: no key needs reading
    from desktop_app.storage.keys import verify_approval

    return verify_approval(lp, keyring if keyring is not None else workstation_keyring())


def load_protocol(path: Path | None = None, keyring: Keyring | None = None) -> LoadedProtocol:
    """Load a site protocol file, or the shipped default when `path` is None; check its approval."""
    return verified(load_protocol_file(Path(path) if path else default_protocol_path()), keyring)


def load_protocol_data(
    data: bytes, source_name: str, keyring: Keyring | None = None
) -> LoadedProtocol:
    """Load protocol bytes (e.g. kept in the audit register); check its approval."""
    return verified(load_protocol_bytes(data, source_name), keyring)


def shipped_base_for(lp: LoadedProtocol) -> LoadedProtocol:
    """Return the shipped protocol of the same jurisdiction (the base a site copy is reviewed
    against); the shipped default when none matches."""
    from desktop_app.resources import US_PROTOCOL

    for relative in (DEFAULT_PROTOCOL, US_PROTOCOL):
        shipped = load_protocol_file(resource_path(relative))
        if shipped.protocol.jurisdiction == lp.protocol.jurisdiction:
            return shipped
    return load_protocol(None)
