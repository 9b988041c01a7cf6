"""What one audit record holds, and the canonical form its hash seals (any storage backend).

A record's `record_hash` is the SHA-256 of its canonical content (every column but the hash
itself, as sorted ASCII JSON after a domain prefix). The columns added by register schema 2
(`batch_id`, `sheet_anchor`) are part of the content only when set, so the hashes of records
written before them are unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal

from desktop_app.audit.schema import OPTIONAL_CONTENT_COLUMNS, RECORD_CONTENT_COLUMNS

#: Prefix of the hashed canonical content; a new canonical form would get a new prefix.
_HASH_DOMAIN = b"B12K-AUDIT-RECORD-1\n"

Kind = Literal["issue", "reprint"]
PRINTED = "printed"


def utc_stamp(moment: datetime) -> str:
    """Return an aware date-time as fixed-width UTC text that sorts as it reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of bytes as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class RecordDraft:
    """What the caller supplies for one record; the register adds id, time and hashes."""

    kind: Kind
    os_user: str
    host: str
    prescriber: str
    patient_identifier: str
    patient_name: str
    plan_id: str
    plan_inputs_json: str
    overrides_json: str
    override_count: int
    protocol_id: str
    protocol_version: str
    protocol_sha256: str
    protocol_source: str
    evaluated_at: str
    plan_sha256: str
    paper: str
    app_version: str
    pdf_sha256: str
    destination: str
    reprint_of: int | None = None
    #: The run id of `b12k batch` that issued the sheet (None outside a batch).
    batch_id: str | None = None
    #: The register head printed on the sheet, "COUNT:HASH" (None when the sheet shows none).
    sheet_anchor: str | None = None


@dataclass(frozen=True)
class RecordSummary:
    """A record without its plan inputs and overrides text (what lists and tables show)."""

    id: int
    kind: str
    recorded_at: str
    os_user: str
    host: str
    prescriber: str
    patient_identifier: str
    patient_name: str
    plan_id: str
    override_count: int
    protocol_id: str
    protocol_version: str
    protocol_sha256: str
    protocol_source: str
    evaluated_at: str
    plan_sha256: str
    paper: str
    app_version: str
    pdf_sha256: str
    destination: str
    reprint_of: int | None
    prev_hash: str
    record_hash: str
    batch_id: str | None = None
    sheet_anchor: str | None = None

    @property
    def recorded_at_datetime(self) -> datetime:
        """The recording time as an aware UTC datetime."""
        return datetime.fromisoformat(self.recorded_at.replace("Z", "+00:00"))


@dataclass(frozen=True)
class AuditRecord(RecordSummary):
    """A whole record: the summary plus the canonical plan inputs and the overrides (JSON)."""

    plan_inputs_json: str = ""
    overrides_json: str = ""

    def content(self) -> dict[str, Any]:
        """Return the canonical content (every column except `record_hash`; schema-2 ones if set)."""
        # getattr, not dataclasses.asdict: every value is a str, int or None, and asdict's
        # deep copy of each field was most of the time `verify` took per record.
        content = {name: getattr(self, name) for name in RECORD_CONTENT_COLUMNS}
        for name in OPTIONAL_CONTENT_COLUMNS:
            value = getattr(self, name)
            if value is not None:
                content[name] = value
        return content


SUMMARY_COLUMNS = tuple(f.name for f in fields(RecordSummary))
ALL_COLUMNS = tuple(f.name for f in fields(AuditRecord))
#: The type each stored column must have (None allowed where the column may be NULL).
_INT_COLUMNS = frozenset({"id", "override_count", "reprint_of"})
_NULLABLE = frozenset({"reprint_of", *OPTIONAL_CONTENT_COLUMNS})


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """Return the canonical serialisation of a record's content (sorted keys, ASCII JSON)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def record_hash(content: dict[str, Any]) -> str:
    """Return the hash that seals a record's canonical content, its id and the previous hash."""
    return sha256_hex(_HASH_DOMAIN + canonical_bytes(content))


def column_type_problem(row: tuple[Any, ...]) -> str | None:
    """Say which stored value has the wrong type for its column (a file edited by a tool), if any."""
    for name, value in zip(ALL_COLUMNS, row, strict=True):
        if value is None:
            if name not in _NULLABLE:
                return f"its column {name} is empty (NULL)"
            continue
        wanted = int if name in _INT_COLUMNS else str
        if type(value) is not wanted:
            kind = "a whole number" if wanted is int else "text"
            found = {bytes: "binary data", float: "a decimal number", int: "a whole number"}.get(
                type(value), "text"
            )
            return f"its column {name} holds {found} where {kind} was written"
    return None


def parse_anchor(anchor: str) -> tuple[int, str] | None:
    """Return (count, head hash) from a "COUNT:HASH" sheet anchor, or None when malformed."""
    count, sep, head = anchor.partition(":")
    if not sep or not count.isdigit() or len(head) != 64:
        return None
    return int(count), head


def format_anchor(count: int, head: str) -> str:
    """Return the "COUNT:HASH" text a record stores for the register head printed on its sheet."""
    return f"{count}:{head}"


__all__ = [
    "ALL_COLUMNS",
    "PRINTED",
    "SUMMARY_COLUMNS",
    "AuditRecord",
    "Kind",
    "RecordDraft",
    "RecordSummary",
    "canonical_bytes",
    "column_type_problem",
    "format_anchor",
    "parse_anchor",
    "record_hash",
    "sha256_hex",
    "utc_stamp",
]
