"""The witness file: the register's head kept outside the database, beside it.

`audit.sqlite3.witness` holds the register's id, the number of records and the hash of the last
one, rewritten atomically (temporary file, fsync, rename) after each record while the register's
write lock is held, so that witnesses never go backwards. It also holds the last checkpoint that
`b12k audit verify` found intact, from which a nightly verify checks only newer records.

A witness may lag one record behind its register (the program stopped between the record's
commit and the witness write): that loses nothing, and the next record brings it up to date. A
witness *ahead* of its register, naming another register, or naming a record the register does
not hold means that history was removed or the file swapped.

What it does not do: someone who can write both files can rewrite both consistently. See
docs/audit.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_app.audit.errors import AuditCorruptError
from desktop_app.logic.errors import B12KError
from desktop_app.storage.atomic import atomic_write_bytes

WITNESS_FORMAT = "B12K-AUDIT-WITNESS-1"
WITNESS_SUFFIX = ".witness"
_HEX = frozenset("0123456789abcdef")
#: Owner read/write only (the register folder is private to the user who issues sheets).
PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class Checkpoint:
    """A point of the chain: this many records, the last one's hash."""

    record_count: int
    head_hash: str


@dataclass(frozen=True)
class Witness:
    """What the witness file says about its register."""

    register_id: str
    head: Checkpoint
    #: The last checkpoint a full or incremental verify found intact (None before the first).
    verified: Checkpoint | None = None
    verified_at: str | None = None


def witness_path(register_path: Path) -> Path:
    """Return the witness file of a register file (same folder, `.witness` appended)."""
    return register_path.with_name(register_path.name + WITNESS_SUFFIX)


def _damaged(path: Path, why: str) -> AuditCorruptError:
    return AuditCorruptError(
        f"The audit register's witness file {path} is damaged ({why}). Keep it and the register "
        "for investigation and tell IT; see 'b12k audit set-aside --help' to start a new register "
        "on purpose."
    )


def _checkpoint(path: Path, value: Any, name: str) -> Checkpoint:
    if not isinstance(value, dict) or set(value) != {"record_count", "head_hash"}:
        raise _damaged(path, f"{name} is not a record count and a hash")
    count, head = value["record_count"], value["head_hash"]
    if type(count) is not int or count < 0:
        raise _damaged(path, f"{name}'s record count is not a whole number")
    if not isinstance(head, str) or len(head) != 64 or not set(head) <= _HEX:
        raise _damaged(path, f"{name}'s hash is not 64 hexadecimal digits")
    return Checkpoint(count, head)


def read_witness(path: Path) -> Witness | None:
    """Return the witness, or None when the file does not exist.

    Raises:
        AuditCorruptError: the file exists but cannot be read or is not a witness.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _damaged(path, f"it cannot be read: {exc.strerror or exc}") from exc
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _damaged(
            path, f"it is not the JSON text this program writes ({len(data)} bytes)"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != WITNESS_FORMAT:
        raise _damaged(path, f"it does not start as a {WITNESS_FORMAT} file")
    register_id = doc.get("register_id")
    if not isinstance(register_id, str) or not register_id:
        raise _damaged(path, "it names no register")
    verified = doc.get("verified")
    verified_at = doc.get("verified_at")
    return Witness(
        register_id,
        _checkpoint(path, doc.get("head"), "the head"),
        None if verified is None else _checkpoint(path, verified, "the verified checkpoint"),
        verified_at if isinstance(verified_at, str) else None,
    )


def write_witness(path: Path, witness: Witness) -> None:
    """Replace the witness file atomically; a new one is created readable by its owner only.

    Raises:
        B12KError: the file could not be written (the message says why).
    """
    doc: dict[str, Any] = {"format": WITNESS_FORMAT, **asdict(witness)}
    data = (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode("utf-8")
    if path.exists():
        atomic_write_bytes(path, data)  # keeps the mode of the witness it replaces
        return
    # The first witness: mkstemp makes the file private (0600); write it in full, then rename.
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, PRIVATE_MODE)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise B12KError(
            f"Cannot create the audit witness file {path}: {exc.strerror or exc}."
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


__all__ = [
    "PRIVATE_MODE",
    "WITNESS_FORMAT",
    "Checkpoint",
    "Witness",
    "read_witness",
    "witness_path",
    "write_witness",
]
