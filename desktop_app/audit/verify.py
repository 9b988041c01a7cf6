"""Checking a register: the hash chain row by row, then its head against `meta` and the witness.

Storage-neutral: a backend feeds the rows (oldest first) and answers a few look-ups; every kind of
damage, down to a value of the wrong type in a column, becomes a `VerifyResult` with a sentence,
never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from desktop_app.audit.records import (
    AuditRecord,
    column_type_problem,
    parse_anchor,
    record_hash,
)
from desktop_app.audit.schema import GENESIS_HASH
from desktop_app.audit.witness import Checkpoint, Witness

Problem = Literal[
    "edited",
    "deleted",
    "reordered",
    "truncated",
    "protocol",
    "corrupt",
    "witness",
    "swapped",
]

GENESIS = Checkpoint(0, GENESIS_HASH)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: intact, or the first broken link and what it looks like."""

    ok: bool
    records_checked: int
    head_hash: str
    broken_at: int | None = None
    problem: Problem | None = None
    message: str = ""
    #: Records walked by this run (all of them, or those after the checkpoint it started from).
    walked: int = 0
    seconds: float = 0.0
    #: The checkpoint an incremental verify started from (None: from the first record).
    started_from: Checkpoint | None = None

    @property
    def records_per_second(self) -> float:
        """How fast this run walked the chain."""
        return self.walked / self.seconds if self.seconds > 0 else 0.0

    def speed_text(self) -> str:
        """Return how much was walked and how fast, for the end of the report."""
        start = (
            f" from the checkpoint at record {self.started_from.record_count}"
            if self.started_from is not None
            else ""
        )
        return (
            f"Checked {self.walked} record(s){start} in {self.seconds:.2f} s "
            f"({self.records_per_second:,.0f} records/s)."
        )

    def text(self) -> str:
        """Return one paragraph for a terminal or a dialog."""
        if self.ok:
            return (
                f"Audit register intact: {self.records_checked} record(s), chain head "
                f"{self.head_hash}."
            )
        where = f"record {self.broken_at}" if self.broken_at is not None else "the register"
        return f"AUDIT REGISTER BROKEN at {where}: {self.message}"


def broken(
    problem: Problem, message: str, *, at: int | None = None, checked: int = 0, head: str = ""
) -> VerifyResult:
    """Return a failed result."""
    return VerifyResult(False, checked, head, at, problem, message)


class ChainWalk:
    """Walks records oldest first from a checkpoint; stops at the first broken link.

    Args:
        protocol_ok: for a protocol hash, None when its stored bytes are there and match, else
            what is wrong ("is missing", "no longer matches its hash", ...).
        links: every (prev_hash, record_hash) of the register, asked for only to explain a break
            (was a row re-ordered, or deleted?).
        start: where the walk begins (the genesis, or a verified checkpoint).
        foreign_anchors: ids of records copied from another register under a new id
            (`b12k audit copy`): their sheet printed the other register's head, so only its form
            is checked.
    """

    def __init__(
        self,
        protocol_ok: Callable[[str], str | None],
        links: Callable[[], list[tuple[Any, Any]]],
        start: Checkpoint = GENESIS,
        foreign_anchors: frozenset[int] = frozenset(),
    ) -> None:
        self._foreign_anchors = foreign_anchors
        self._protocol_ok = protocol_ok
        self._links = links
        self._good_protocols: set[str] = set()
        self.start = start
        self.prev = start.head_hash
        self.expected = start.record_count + 1
        #: Hashes of the records walked, by position - start.record_count - 1.
        self.hashes: list[str] = []

    @property
    def count(self) -> int:
        """Records known intact so far (those before the start included)."""
        return self.expected - 1

    def hash_at(self, position: int) -> str | None:
        """Return the hash of the record at `position`, when this walk saw it (0: genesis)."""
        if position == self.start.record_count:
            return self.start.head_hash
        index = position - self.start.record_count - 1
        return self.hashes[index] if 0 <= index < len(self.hashes) else None

    def _fail(self, record_id: Any, problem: Problem, message: str) -> VerifyResult:
        at = record_id if type(record_id) is int else self.expected
        return broken(problem, message, at=at, checked=self.count, head=self.prev)

    def feed(self, rows: Iterable[tuple[Any, ...]]) -> VerifyResult | None:
        """Check each row in turn; return the first break, or None when all are intact."""
        for row in rows:
            wrong_type = column_type_problem(row)
            if wrong_type is not None:
                return self._fail(
                    row[0], "edited", f"{wrong_type}: the row was changed after it was written."
                )
            rec = AuditRecord(*row)
            problem = self._check_link(rec)
            if problem is not None:
                return self._fail(rec.id, problem[0], problem[1])
            problem = self._check_protocol_and_anchor(rec)
            if problem is not None:
                return self._fail(rec.id, problem[0], problem[1])
            self.hashes.append(rec.record_hash)
            self.prev, self.expected = rec.record_hash, self.expected + 1
        return None

    def _check_protocol_and_anchor(self, rec: AuditRecord) -> tuple[Problem, str] | None:
        if rec.protocol_sha256 not in self._good_protocols:
            state = self._protocol_ok(rec.protocol_sha256)
            if state is not None:
                return "protocol", (
                    f"the protocol file it was made with ({rec.protocol_sha256[:16]}) {state}."
                )
            self._good_protocols.add(rec.protocol_sha256)
        if rec.sheet_anchor is not None:
            anchor = parse_anchor(rec.sheet_anchor)
            if anchor is None or anchor[0] >= rec.id:
                return "edited", (
                    f"the register head it says its sheet printed ({rec.sheet_anchor[:40]}) is "
                    "not an earlier point of this register."
                )
            seen = None if rec.id in self._foreign_anchors else self.hash_at(anchor[0])
            if seen is not None and seen != anchor[1]:
                return "swapped", (
                    f"its sheet printed the register head of record {anchor[0]} as "
                    f"{anchor[1][:16]}, but record {anchor[0]} of this register is {seen[:16]}: "
                    "the records before it were rewritten."
                )
        return None

    def _check_link(self, rec: AuditRecord) -> tuple[Problem, str] | None:
        expected, prev = self.expected, self.prev
        content = rec.content()
        if record_hash(content) != rec.record_hash:
            origin = self._written_at().get(rec.record_hash)
            if (
                origin is not None
                and origin != rec.id
                and record_hash({**content, "id": origin}) == rec.record_hash
            ):
                return "reordered", (
                    f"this row was written as record {origin} and now stands at position "
                    f"{rec.id}: rows were re-ordered or renumbered."
                )
            return (
                "edited",
                "its content does not match its hash: the row was changed after it was written.",
            )
        if rec.id != expected:
            return "deleted", (
                f"record {expected} is missing (the next one is {rec.id}): a record was deleted."
            )
        if rec.prev_hash != prev:
            if rec.prev_hash in {str(h) for _, h in self._links()}:
                return "reordered", (
                    f"it does not follow record {rec.id - 1} but another row: rows were re-ordered."
                )
            return "deleted", (
                f"it does not follow record {rec.id - 1}: the record it followed is missing "
                "(deleted or replaced)."
            )
        return None

    def _written_at(self) -> dict[str, int]:
        """Where each row was written, following the hashes from the genesis (whatever its id)."""
        links = [(str(p), str(h)) for p, h in self._links()]
        next_of: dict[str, str] = {}
        for prev_link, sealed in links:
            next_of.setdefault(prev_link, sealed)
        written_at: dict[str, int] = {}
        cursor_hash, position = GENESIS_HASH, 1
        while cursor_hash in next_of and position <= len(links):
            cursor_hash = next_of[cursor_hash]
            written_at[cursor_hash] = position
            position += 1
        return written_at


def check_meta(meta: dict[str, str], count: int, head: str) -> VerifyResult | None:
    """Compare the head kept in the `meta` table with the chain actually walked."""
    if meta.get("head_hash") == head and meta.get("record_count") == str(count):
        return None
    return broken(
        "truncated",
        f"the register last recorded {meta.get('record_count', '?')} record(s) with head "
        f"{str(meta.get('head_hash', '?'))[:16]}, but holds {count} ending at {head[:16]}: "
        "the last record(s) were deleted or the register was replaced by an older copy.",
        at=count + 1,
        checked=count,
        head=head,
    )


def check_witness(
    witness: Witness | None,
    *,
    witness_name: str,
    register_id: str | None,
    count: int,
    head: str,
    hash_at: Callable[[int], str | None],
) -> VerifyResult | None:
    """Compare the register's actual head with its witness; None when they agree.

    A witness behind the register is fine when the register still holds the record it names
    (the program stopped between a record and its witness). `hash_at(n)` returns the hash of
    record n of the register, or None when it holds no record n.
    """

    def fail(problem: Problem, message: str, at: int | None = None) -> VerifyResult:
        return broken(problem, message, at=at, checked=count, head=head)

    if register_id is None:
        return None  # a schema-1 register, written before witnesses (migrated on the next open)
    if witness is None:
        if count == 0:
            return None
        return fail(
            "witness",
            f"its witness file {witness_name} is missing, so a removal of the last records or a "
            "swapped file cannot be ruled out. If the register was copied or restored on purpose, "
            "copy its witness file with it.",
        )
    if witness.register_id != register_id:
        return fail(
            "swapped",
            f"this is not the register its witness {witness_name} was written for (the register "
            "id differs): the file was swapped for another register.",
        )
    seen = witness.head
    if seen.record_count > count:
        missing = seen.record_count - count
        holds = "is empty" if count == 0 else f"holds only {count}"
        return fail(
            "truncated",
            f"its witness says it held {seen.record_count} record(s) (head {seen.head_hash[:16]}) "
            f"but it {holds}: the last {missing} record(s) were deleted (and the register's own "
            "count edited to hide it) or the file was replaced by an older copy.",
            at=count + 1,
        )
    actual = GENESIS_HASH if seen.record_count == 0 else hash_at(seen.record_count)
    if actual != seen.head_hash:
        return fail(
            "swapped",
            f"record {seen.record_count} is not the record its witness names (witness "
            f"{seen.head_hash[:16]}, register {str(actual)[:16]}): the register was rewritten or "
            "swapped for another copy.",
            at=seen.record_count,
        )
    return None


__all__ = [
    "GENESIS",
    "ChainWalk",
    "Problem",
    "VerifyResult",
    "broken",
    "check_meta",
    "check_witness",
]
