"""The audit register: an append-only, hash-chained SQLite file of every order sheet issued.

Each record holds who issued which sheet, for whom and when, the canonical plan inputs, the
overrides, the protocol (id, version, hash; the protocol file's bytes are kept once per hash in
their own table), the `now` the plan was evaluated at, the paper size, the app version and the
PDF's SHA-256. Each record stores the hash of the previous record and the hash of its own
canonical content, so `verify()` finds an edited, deleted or re-ordered row.

Tamper-evident, not tamper-proof: someone with write access to the file can rebuild the whole
chain. See docs/audit.md.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import random
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, Literal

import platformdirs

from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditError,
    AuditLockedError,
    AuditMismatchError,
    AuditNotFoundError,
    AuditVersionError,
)
from desktop_app.audit.schema import (
    APPLICATION_ID,
    GENESIS_HASH,
    MIGRATIONS,
    RECORD_CONTENT_COLUMNS,
    SCHEMA_VERSION,
)

_log = logging.getLogger(__name__)

APP_NAME = "b12k-planner"
#: Redirects the user data folder (tests, portable installs); the register is `audit.sqlite3` in it.
DATA_DIR_ENV = "B12K_DATA_DIR"
#: Names the register file itself, e.g. on a shared folder a site configures.
AUDIT_DB_ENV = "B12K_AUDIT_DB"
REGISTER_FILE = "audit.sqlite3"

#: How long a writer waits for another writer before giving up (seconds; not a clinical number).
DEFAULT_TIMEOUT_S = 10.0

#: Prefix of the hashed canonical content; a new canonical form would get a new prefix.
_HASH_DOMAIN = b"B12K-AUDIT-RECORD-1\n"

Kind = Literal["issue", "reprint"]
PRINTED = "printed"


def default_register_path() -> Path:
    """Return the register file: $B12K_AUDIT_DB, else audit.sqlite3 in the user data folder.

    The user data folder is $B12K_DATA_DIR when set, else the platform's (platformdirs).
    """
    explicit = os.environ.get(AUDIT_DB_ENV)
    if explicit:
        return Path(explicit)
    folder = os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME, False)
    return Path(folder) / REGISTER_FILE


def current_os_user() -> str:
    """Return the operating-system user name, or 'unknown' where the system cannot say."""
    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):  # no login name, no passwd entry (containers)
        return "unknown"


def current_host() -> str:
    """Return this computer's name (which workstation issued a sheet on a shared register)."""
    try:
        return socket.gethostname() or "unknown"
    except OSError:  # pragma: no cover - gethostname practically never fails
        return "unknown"


def utc_stamp(moment: datetime) -> str:
    """Return an aware date-time as fixed-width UTC text that sorts as it reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of bytes as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


# ----- records -------------------------------------------------------------------------------


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
        """Return the canonical content (every column except `record_hash`)."""
        values = asdict(self)
        return {name: values[name] for name in RECORD_CONTENT_COLUMNS}


_SUMMARY_COLUMNS = tuple(f.name for f in fields(RecordSummary))
_ALL_COLUMNS = tuple(f.name for f in fields(AuditRecord))


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """Return the canonical serialisation of a record's content (sorted keys, ASCII JSON)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def record_hash(content: dict[str, Any]) -> str:
    """Return the hash that seals a record's canonical content, its id and the previous hash."""
    return sha256_hex(_HASH_DOMAIN + canonical_bytes(content))


# ----- verification --------------------------------------------------------------------------

Problem = Literal["edited", "deleted", "reordered", "truncated", "protocol", "corrupt"]


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking the chain: intact, or the first broken link and what it looks like."""

    ok: bool
    records_checked: int
    head_hash: str
    broken_at: int | None = None
    problem: Problem | None = None
    message: str = ""

    def text(self) -> str:
        """Return one paragraph for a terminal or a dialog."""
        if self.ok:
            return (
                f"Audit register intact: {self.records_checked} record(s), chain head "
                f"{self.head_hash}."
            )
        where = f"record {self.broken_at}" if self.broken_at is not None else "the register"
        return f"AUDIT REGISTER BROKEN at {where}: {self.message}"


# ----- the register --------------------------------------------------------------------------


def _errname(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def _is_busy(exc: sqlite3.Error) -> bool:
    name = _errname(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


class Register:
    """One audit register file. Each call opens and closes its own connection.

    Args:
        path: the register file; `default_register_path()` when None.
        create: make the file (and its folder) when missing; when False a missing register raises
            `AuditNotFoundError`, for read-only uses such as listing and verifying.
        timeout: seconds a write waits for another program holding the register.
        clock: returns the recording time (tests pass a fixed clock).

    Raises:
        AuditError: (and subclasses) the file cannot be used; the message says what to do.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        create: bool = True,
        timeout: float = DEFAULT_TIMEOUT_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_register_path()
        self.timeout = timeout
        self._clock = clock or (lambda: datetime.now(UTC))
        if not self.path.exists():
            if not create:
                raise AuditNotFoundError(
                    f"There is no audit register at {self.path}: no sheet has been recorded there "
                    "yet, or the path is wrong."
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise AuditError(
                    f"Cannot create the folder for the audit register {self.path}: "
                    f"{exc.strerror or exc}. Choose another folder or ask IT."
                ) from exc
        # Two programs may open a new register at the same moment: one creates it, the other
        # waits; a busy moment while the file changes journal mode is retried until `timeout`.
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self._connection() as conn:
                    self._prepare(conn, create)
                break
            except AuditLockedError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(random.uniform(0.005, 0.05))

    # -- connections and errors --

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._explain(exc) from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn
        except sqlite3.Error as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise self._explain(exc) from exc
        finally:
            conn.close()

    def _explain(self, exc: sqlite3.Error) -> AuditError:
        name = _errname(exc)
        where = f"The audit register {self.path}"
        _log.log(
            logging.DEBUG if _is_busy(exc) else logging.WARNING,
            "audit register %s: %s (%s)",
            self.path,
            exc,
            name,
        )
        if _is_busy(exc):
            return AuditLockedError(
                f"{where} is in use by another program and stayed locked for {self.timeout:g} s. "
                "Try again; if this persists, close other copies of B12-K Planner using it."
            )
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or (
            isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc)
        ):
            return AuditCorruptError(
                f"{where} is damaged or is not a B12-K audit register ({exc}). Keep the file "
                "for investigation, tell IT, and restore it from a backup; do not delete it."
            )
        if name.startswith("SQLITE_READONLY"):
            return AuditError(f"{where} is read-only for you. Ask IT for write access.")
        if name.startswith("SQLITE_CANTOPEN"):
            return AuditError(
                f"{where} cannot be opened: the folder is missing or you lack permission."
            )
        if name.startswith("SQLITE_FULL"):
            return AuditError(f"{where} cannot grow: the disk is full. Free space or tell IT.")
        if name.startswith("SQLITE_IOERR"):
            return AuditError(
                f"{where} could not be read or written (disk or network error: {exc})."
            )
        if name == "SQLITE_CONSTRAINT_TRIGGER" or "append-only" in str(exc):
            return AuditError(f"{where} refused a change: {exc}.")
        return AuditError(f"{where} could not be used: {exc}.")

    def _prepare(self, conn: sqlite3.Connection, create: bool) -> None:
        """Check the file is ours and current; create or migrate it when it is older."""
        app_id, version = self._identity(conn)
        self._refuse_foreign_or_newer(app_id, version)
        if app_id == 0 and not create:
            conn.execute("BEGIN")
            empty = self._is_empty(conn)
            conn.execute("COMMIT")
            if empty:
                raise AuditNotFoundError(
                    f"{self.path} is an empty file, not an audit register yet."
                )
            raise self._foreign()
        if app_id != APPLICATION_ID or version < SCHEMA_VERSION:
            self._write(conn, self._migrate)
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            # WAL is chosen outside a transaction, once the file is ours; it is kept in the file.
            conn.execute("PRAGMA journal_mode = WAL")

    @staticmethod
    def _identity(conn: sqlite3.Connection) -> tuple[int, int]:
        """Read the application id and the schema version in one statement (one snapshot)."""
        row = conn.execute(
            "SELECT a.application_id, v.user_version FROM pragma_application_id AS a, "
            "pragma_user_version AS v"
        ).fetchone()
        return int(row[0]), int(row[1])

    @staticmethod
    def _is_empty(conn: sqlite3.Connection) -> bool:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)

    def _foreign(self) -> AuditCorruptError:
        return AuditCorruptError(
            f"{self.path} is an SQLite database of another program, not a B12-K audit register. "
            "Choose another file for the register; this one was left unchanged."
        )

    def _refuse_foreign_or_newer(self, app_id: int, version: int) -> None:
        if app_id not in (0, APPLICATION_ID):
            raise self._foreign()
        if version > SCHEMA_VERSION:
            raise AuditVersionError(
                f"The audit register {self.path} was written by a newer B12-K Planner (register "
                f"schema {version}; this program reads schema {SCHEMA_VERSION} and older). Use the "
                "newer program, or ask IT to configure a separate register for this one. Nothing "
                "was written."
            )

    def _migrate(self, conn: sqlite3.Connection) -> None:
        # Re-read inside the write transaction: another process may have created or migrated it.
        app_id, version = self._identity(conn)
        self._refuse_foreign_or_newer(app_id, version)
        if app_id == 0 and not self._is_empty(conn):
            raise self._foreign()
        while version < SCHEMA_VERSION:
            _log.info("migrating audit register %s from schema %d", self.path, version)
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def _write(self, conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `work` in one BEGIN IMMEDIATE transaction, retrying while another writer is busy."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return result
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
                # SQLite's own busy handler already waited; a short random pause avoids lockstep.
                time.sleep(random.uniform(0.005, 0.05))

    # -- writing --

    def append(self, draft: RecordDraft, protocol_bytes: bytes) -> AuditRecord:
        """Add one record (and the protocol bytes when this hash is new); return the stored record.

        Raises:
            AuditMismatchError: the protocol bytes do not hash to `draft.protocol_sha256`.
            AuditLockedError: another writer held the register for longer than `timeout`.
            AuditError: the file could not be written.
        """
        if sha256_hex(protocol_bytes) != draft.protocol_sha256:
            raise AuditMismatchError(
                "The protocol file given for the audit record is not the one the plan was made "
                "with (its SHA-256 differs). Reload the protocol and make the plan again."
            )

        def work(conn: sqlite3.Connection) -> AuditRecord:
            last = conn.execute(
                "SELECT id, record_hash FROM records ORDER BY id DESC LIMIT 1"
            ).fetchone()
            next_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
            conn.execute(
                "INSERT OR IGNORE INTO protocols (sha256, protocol_id, version, size, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    draft.protocol_sha256,
                    draft.protocol_id,
                    draft.protocol_version,
                    len(protocol_bytes),
                    protocol_bytes,
                ),
            )
            values = {
                **asdict(draft),
                "id": next_id,
                "recorded_at": utc_stamp(self._clock()),
                "prev_hash": prev,
            }
            content = {name: values[name] for name in RECORD_CONTENT_COLUMNS}
            sealed = record_hash(content)
            columns = (*RECORD_CONTENT_COLUMNS, "record_hash")
            conn.execute(
                f"INSERT INTO records ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                (*content.values(), sealed),
            )
            conn.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (sealed,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'record_count'", (str(next_id),))
            return AuditRecord(**{**content, "record_hash": sealed})

        with self._connection() as conn:
            record: AuditRecord = self._write(conn, work)
        _log.info(
            "audit record %d: %s %s %s", record.id, record.kind, record.plan_id, record.destination
        )
        return record

    # -- reading --

    def count(self) -> int:
        """Return the number of records."""
        with self._connection() as conn:
            n: int = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        return n

    def get(self, record_id: int) -> AuditRecord:
        """Return one whole record.

        Raises:
            AuditNotFoundError: no record has this id.
        """
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join(_ALL_COLUMNS)} FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        if row is None:
            raise AuditNotFoundError(f"The audit register {self.path} has no record {record_id}.")
        return AuditRecord(*row)

    def records_for_plan(self, plan_id: str) -> list[RecordSummary]:
        """Return every record of one plan id, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(_SUMMARY_COLUMNS)} FROM records WHERE plan_id = ? ORDER BY id",
                (plan_id,),
            ).fetchall()
        return [RecordSummary(*r) for r in rows]

    def search(
        self,
        *,
        patient: str | None = None,
        text: str | None = None,
        on_date: date | None = None,
        limit: int | None = None,
    ) -> list[RecordSummary]:
        """Return records, newest first.

        Args:
            patient: exact patient identifier.
            text: a part of the identifier, the patient's name, the plan id or the prescriber
                (case-insensitive).
            on_date: recorded on this calendar day in the computer's local time zone.
            limit: at most this many (newest first).
        """
        where: list[str] = []
        params: list[Any] = []
        if patient:
            where.append("patient_identifier = ?")
            params.append(patient)
        if text:
            like = (
                "%"
                + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            where.append(
                "(lower(patient_identifier) LIKE ? ESCAPE '\\'"
                " OR lower(patient_name) LIKE ? ESCAPE '\\'"
                " OR lower(plan_id) LIKE ? ESCAPE '\\' OR lower(prescriber) LIKE ? ESCAPE '\\')"
            )
            params.extend([like] * 4)
        if on_date is not None:
            # Local midnight to local midnight (23 or 25 hours on a daylight-saving change).
            start = datetime.combine(on_date, dtime.min).astimezone()
            end = datetime.combine(on_date + timedelta(days=1), dtime.min).astimezone()
            where.append("recorded_at >= ? AND recorded_at < ?")
            params.extend([utc_stamp(start), utc_stamp(end)])
        sql = f"SELECT {', '.join(_SUMMARY_COLUMNS)} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [RecordSummary(*r) for r in rows]

    def iter_records(self) -> Iterator[AuditRecord]:
        """Yield every whole record, oldest first (one read snapshot)."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            yield from (
                AuditRecord(*r)
                for r in conn.execute(f"SELECT {', '.join(_ALL_COLUMNS)} FROM records ORDER BY id")
            )
            conn.execute("COMMIT")

    def protocol_bytes(self, sha256: str) -> bytes:
        """Return the stored protocol file with this hash, checked against it.

        Raises:
            AuditNotFoundError: no protocol with this hash is stored.
            AuditCorruptError: the stored bytes no longer hash to `sha256`.
        """
        with self._connection() as conn:
            row = conn.execute("SELECT data FROM protocols WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise AuditNotFoundError(f"The audit register {self.path} holds no protocol {sha256}.")
        data = bytes(row[0])
        if sha256_hex(data) != sha256:
            raise AuditCorruptError(
                f"The protocol stored in {self.path} under {sha256[:16]} has been altered: its "
                "bytes no longer match their hash. The sheet cannot be reprinted from it."
            )
        return data

    # -- verification --

    def verify(self) -> VerifyResult:
        """Walk the chain from the first record and report the first broken link, if any."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            result = self._verify(conn)
            conn.execute("COMMIT")
        return result

    def _verify(self, conn: sqlite3.Connection) -> VerifyResult:
        check = conn.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            detail = "; ".join(str(r[0]) for r in check[:3])
            return VerifyResult(
                False, 0, "", None, "corrupt", f"the database file is damaged ({detail})."
            )
        links = conn.execute("SELECT prev_hash, record_hash FROM records").fetchall()
        known = {h for _, h in links}
        # Follow the hashes from the first record to learn where each row was written, whatever
        # its id says now (a re-ordered row keeps its hashes but not its position).
        next_of: dict[str, str] = {}
        for prev_link, sealed in links:
            next_of.setdefault(prev_link, sealed)
        written_at: dict[str, int] = {}
        cursor_hash, position = GENESIS_HASH, 1
        while cursor_hash in next_of and position <= len(links):
            cursor_hash = next_of[cursor_hash]
            written_at[cursor_hash] = position
            position += 1
        good_protocols: set[str] = set()
        prev, expected = GENESIS_HASH, 1
        cursor = conn.execute(f"SELECT {', '.join(_ALL_COLUMNS)} FROM records ORDER BY id")
        for row in cursor:
            rec = AuditRecord(*row)
            broken = self._check_link(rec, expected, prev, known, written_at)
            if broken is not None:
                return VerifyResult(False, expected - 1, prev, rec.id, broken[0], broken[1])
            if rec.protocol_sha256 not in good_protocols:
                got = conn.execute(
                    "SELECT data FROM protocols WHERE sha256 = ?", (rec.protocol_sha256,)
                ).fetchone()
                if got is None or sha256_hex(bytes(got[0])) != rec.protocol_sha256:
                    state = "is missing" if got is None else "no longer matches its hash"
                    return VerifyResult(
                        False,
                        expected - 1,
                        prev,
                        rec.id,
                        "protocol",
                        f"the protocol file it was made with ({rec.protocol_sha256[:16]}) {state}.",
                    )
                good_protocols.add(rec.protocol_sha256)
            prev, expected = rec.record_hash, expected + 1
        count = expected - 1
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("head_hash") != prev or meta.get("record_count") != str(count):
            return VerifyResult(
                False,
                count,
                prev,
                count + 1,
                "truncated",
                f"the register last recorded {meta.get('record_count', '?')} record(s) with head "
                f"{meta.get('head_hash', '?')[:16]}, but holds {count} ending at {prev[:16]}: "
                "the last record(s) were deleted or the register was replaced by an older copy.",
            )
        return VerifyResult(True, count, prev)

    @staticmethod
    def _check_link(
        rec: AuditRecord, expected: int, prev: str, known: set[str], written_at: dict[str, int]
    ) -> tuple[Problem, str] | None:
        content = rec.content()
        if record_hash(content) != rec.record_hash:
            origin = written_at.get(rec.record_hash)
            if (
                origin is not None
                and origin != rec.id
                and (record_hash({**content, "id": origin}) == rec.record_hash)
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
            if rec.prev_hash in known:
                return "reordered", (
                    f"it does not follow record {rec.id - 1} but another row: rows were re-ordered."
                )
            return "deleted", (
                f"it does not follow record {rec.id - 1}: the record it followed is missing "
                "(deleted or replaced)."
            )
        return None


__all__ = [
    "AUDIT_DB_ENV",
    "DATA_DIR_ENV",
    "PRINTED",
    "AuditRecord",
    "RecordDraft",
    "RecordSummary",
    "Register",
    "VerifyResult",
    "canonical_bytes",
    "current_host",
    "current_os_user",
    "default_register_path",
    "record_hash",
    "sha256_hex",
    "utc_stamp",
]
