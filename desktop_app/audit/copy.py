"""`b12k audit copy`: bring a local SQLite register's history into the shared register.

Both chains are verified first (nothing is copied from or into a broken register), then each
source record is appended to the target under the chain lock with its original recording time,
unless the target's `copies` table shows it was copied before (so a second run copies nothing).
A reprint's `reprint_of` is mapped to the copy of the record it reprinted. Into an empty target
the copies keep their ids and hashes; after other records they are chained anew (new id,
`prev_hash` and `record_hash`, same content and time), and the `copies` table says where each
came from. The target is verified again at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.audit.backend import is_server_target, open_register
from desktop_app.audit.errors import AuditCorruptError, AuditError
from desktop_app.audit.register import Register, verify_path
from desktop_app.audit.verify import VerifyResult


@dataclass(frozen=True)
class CopyResult:
    """What one copy did: records copied, records already there, and the target's check."""

    copied: int
    already: int
    source_checked: VerifyResult
    target_checked: VerifyResult


def copy_register(
    source: Path,
    target: str,
    progress: Callable[[int, int], None] | None = None,
) -> CopyResult:
    """Copy every record of the SQLite register `source` into the PostgreSQL register `target`.

    Raises:
        AuditCorruptError: either chain is broken before the copy, or a record copied earlier has
            changed in the source since (nothing more is copied).
        AuditError: a register cannot be opened or the target is not a server.
    """
    if not is_server_target(target):
        raise AuditError(
            f"--to must name the shared PostgreSQL register (a connection string or "
            f"'service=NAME'), not {target}."
        )
    before = verify_path(Path(source))
    if not before.ok:
        raise AuditCorruptError(
            f"The register {source} to copy from is broken, so nothing was copied: {before.text()}"
        )
    dest = open_register(target)
    checked = dest.verify()
    if not checked.ok:
        raise AuditCorruptError(
            f"The register {dest.path} to copy into is broken, so nothing was copied: "
            f"{checked.text()}"
        )
    src = Register(Path(source), create=False)
    source_id = src.register_id()
    if not source_id:
        raise AuditError(f"The register {source} has no register id; open it once to migrate it.")
    protocols: dict[str, bytes] = {}
    copied = already = 0
    total = before.records_checked
    for rec in src.iter_records():
        data = protocols.get(rec.protocol_sha256)
        if data is None:
            data = protocols[rec.protocol_sha256] = src.protocol_bytes(rec.protocol_sha256)
        new_id = dest.copy_record(source_id, rec, data)  # type: ignore[union-attr]
        if new_id is None:
            already += 1
        else:
            copied += 1
        if progress is not None:
            progress(copied + already, total)
    after = dest.verify()
    if not after.ok:
        raise AuditCorruptError(f"After the copy, {dest.path} fails its check: {after.text()}")
    return CopyResult(copied, already, before, after)


__all__ = ["CopyResult", "copy_register"]
