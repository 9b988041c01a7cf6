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
import logging
import os
import random
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app.audit import sqlite_header
from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditError,
    AuditLockedError,
    AuditMismatchError,
    AuditNotFoundError,
    AuditVersionError,
)
from desktop_app.audit.records import (
    ALL_COLUMNS,
    PRINTED,
    SUMMARY_COLUMNS,
    AuditRecord,
    Kind,
    RecordDraft,
    RecordSummary,
    canonical_bytes,
    column_type_problem,
    format_anchor,
    record_hash,
    sha256_hex,
    utc_stamp,
)
from desktop_app.audit.schema import (
    APPLICATION_ID,
    GENESIS_HASH,
    MIGRATIONS,
    SCHEMA_VERSION,
    TEXT_INDEX,
)
from desktop_app.audit.search_sql import FOLD, indexed_text, search_clauses
from desktop_app.audit.verify import (
    ChainWalk,
    VerifyResult,
    broken,
    check_meta,
    check_witness,
)
from desktop_app.audit.witness import (
    PRIVATE_MODE,
    Checkpoint,
    Witness,
    read_witness,
    witness_path,
    write_witness,
)
from desktop_app.logic.errors import B12KError
from desktop_app.logic.privacy import masked

_log = logging.getLogger(__name__)

APP_NAME = "b12k-planner"
#: Redirects the user data folder (tests, portable installs); the register is `audit.sqlite3` in it.
DATA_DIR_ENV = "B12K_DATA_DIR"
#: Names the register file itself, e.g. on a shared folder a site configures.
AUDIT_DB_ENV = "B12K_AUDIT_DB"
REGISTER_FILE = "audit.sqlite3"

#: How long a writer waits for another writer before giving up (seconds; not a clinical number).
DEFAULT_TIMEOUT_S = 10.0


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


# ----- the register --------------------------------------------------------------------------


def _errname(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def _is_busy(exc: sqlite3.Error) -> bool:
    name = _errname(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _fold(value: str | None) -> str | None:
    """The scan's case folding: Python's str.lower, which knows every script (SQL's lower()
    folds only A-Z, so 'élodie' would never find 'ÉLODIE')."""
    return value.lower() if isinstance(value, str) else value


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
        self.witness_path = witness_path(self.path)
        if not self.path.exists():
            if not create:
                raise AuditNotFoundError(
                    f"There is no audit register at {self.path}: no sheet has been recorded there "
                    "yet, or the path is wrong."
                )
            self._refuse_if_witnessed("is missing")
            self._create_file()
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
        if app_id == 0:
            conn.execute("BEGIN")
            empty = self._is_empty(conn)
            conn.execute("COMMIT")
            if empty:
                self._refuse_if_witnessed("is empty")
            if empty and not create:
                raise AuditNotFoundError(
                    f"{self.path} is an empty file, not an audit register yet."
                )
            if not create:
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
        witnessed = version >= 2
        while version < SCHEMA_VERSION:
            _log.info("migrating audit register %s from schema %d", self.path, version)
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if version >= 2 and not witnessed:
            self._adopt_witness(conn)
            self._write_witness(conn)

    def _adopt_witness(self, conn: sqlite3.Connection) -> None:
        """Keep the register id of a witness already written for exactly this state.

        The witness of a new (or newly migrated) register is written just before the transaction
        commits; if that commit failed, the next attempt finds a witness of the same state.
        """
        try:
            old = read_witness(self.witness_path)
        except AuditCorruptError:
            old = None
        if old is None:
            return
        if old.head != self._meta_head(conn):
            raise AuditCorruptError(
                self.refusal(
                    f"a witness file {self.witness_path.name} of another register state is beside "
                    f"it (it names {old.head.record_count} record(s))"
                )
            )
        conn.execute("UPDATE meta SET value = ? WHERE key = 'register_id'", (old.register_id,))

    # -- the witness --

    @staticmethod
    def _meta(conn: sqlite3.Connection) -> dict[str, str]:
        return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}

    def _meta_head(self, conn: sqlite3.Connection) -> Checkpoint:
        meta = self._meta(conn)
        return Checkpoint(int(meta["record_count"]), meta["head_hash"])

    def _write_witness(self, conn: sqlite3.Connection, verified: Checkpoint | None = None) -> None:
        """Rewrite the witness from `meta` (call it inside a write transaction: one at a time)."""
        meta = self._meta(conn)
        try:
            old = read_witness(self.witness_path)
        except AuditCorruptError:
            old = None
        keep = old if old is not None and old.register_id == meta["register_id"] else None
        witness = Witness(
            meta["register_id"],
            Checkpoint(int(meta["record_count"]), meta["head_hash"]),
            verified or (keep.verified if keep else None),
            utc_stamp(self._clock()) if verified else (keep.verified_at if keep else None),
        )
        try:
            write_witness(self.witness_path, witness)
        except B12KError as exc:
            raise AuditError(
                f"The audit register's witness file could not be written: {exc} Free space or "
                "fix the folder's permissions, then issue the sheet again."
            ) from exc

    def refusal(self, why: str) -> str:
        """Return the message that refuses to record into a register that failed its check."""
        return (
            f"The audit register {self.path} failed its check, so nothing more is recorded in it: "
            f"{why}. Keep the register and its witness file for investigation and tell IT. To start "
            f"a new register on purpose, set this one aside: 'b12k audit set-aside --db "
            f"{self.path}' renames both files (nothing is deleted); the next sheet then starts a "
            "new register."
        )

    def _refuse_if_witnessed(self, state: str) -> None:
        """Refuse to start a register over one whose witness says it held records."""
        try:
            witness = read_witness(self.witness_path)
        except AuditCorruptError as exc:
            raise AuditCorruptError(self.refusal(f"the register file {state} and {exc}")) from exc
        if witness is not None and witness.head.record_count > 0:
            raise AuditCorruptError(
                self.refusal(
                    f"the register file {state}, but its witness {self.witness_path.name} says it "
                    f"held {witness.head.record_count} record(s): it was deleted or truncated"
                )
            )

    def _create_file(self) -> None:
        """Create the folder and an empty register file readable by its owner only."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise AuditError(
                f"Cannot create the folder for the audit register {self.path}: "
                f"{exc.strerror or exc}. Choose another folder or ask IT."
            ) from exc
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
        except FileExistsError:
            pass  # another program created it in between; it is prepared below
        except OSError as exc:
            raise AuditError(
                f"Cannot create the audit register {self.path}: {exc.strerror or exc}. Choose "
                "another folder or ask IT."
            ) from exc

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
            last_id, prev = self._check_head(conn)
            next_id = last_id + 1
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
            unsealed = AuditRecord(
                **{
                    **asdict(draft),
                    "id": next_id,
                    "recorded_at": utc_stamp(self._clock()),
                    "prev_hash": prev,
                    "record_hash": "",
                }
            )
            sealed = record_hash(unsealed.content())
            row = {**asdict(unsealed), "record_hash": sealed}
            conn.execute(
                f"INSERT INTO records ({', '.join(ALL_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(ALL_COLUMNS))})",
                tuple(row[c] for c in ALL_COLUMNS),
            )
            conn.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (sealed,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'record_count'", (str(next_id),))
            return AuditRecord(**row)

        with self._connection() as conn:
            record: AuditRecord = self._write(conn, work)
            # The witness follows the commit, under the write lock again so that witnesses are
            # written in chain order. If this fails the record stands and the witness lags.
            try:
                self._write(conn, self._write_witness)
            except AuditError as exc:
                _log.warning("audit record %d stored; its witness lags: %s", record.id, exc)
        _log.info(
            "audit record %d: %s %s %s",
            record.id,
            record.kind,
            record.plan_id,
            masked(record.destination, record.patient_name, record.patient_identifier),
        )
        return record

    def _check_head(self, conn: sqlite3.Connection) -> tuple[int, str]:
        """Check the register's head against itself and its witness; return (last id, hash).

        A quick check under the write lock (the last record, `meta` and the witness; not every
        row, which `verify()` walks): truncation, deleted last rows and a swapped file are found
        before anything is added.

        Raises:
            AuditCorruptError: the head is damaged; the message says how to start a new register.
        """
        cut = sqlite_header.shortfall_of(conn, self.path)
        if cut is not None:
            raise AuditCorruptError(
                self.refusal(
                    f"the file is {cut[0]:,} bytes long but its own header says {cut[1]:,}: it "
                    "was cut short"
                )
            )
        meta = self._meta(conn)
        row = conn.execute(
            f"SELECT {', '.join(ALL_COLUMNS)} FROM records ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            last_id, head = 0, GENESIS_HASH
        else:
            wrong = column_type_problem(row)
            if wrong is not None:
                raise AuditCorruptError(self.refusal(f"its last record is damaged ({wrong})"))
            last = AuditRecord(*row)
            if record_hash(last.content()) != last.record_hash:
                raise AuditCorruptError(
                    self.refusal(f"its last record ({last.id}) was changed after it was written")
                )
            last_id, head = last.id, last.record_hash
        problem = check_meta(meta, last_id, head) or check_witness(
            read_witness(self.witness_path),
            witness_name=self.witness_path.name,
            register_id=meta.get("register_id"),
            count=last_id,
            head=head,
            hash_at=lambda n: self._hash_of(conn, n),
        )
        if problem is not None:
            raise AuditCorruptError(self.refusal(problem.message.rstrip(".")))
        return last_id, head

    def check(self) -> int:
        """Check the register's head as a record would (see `_check_head`); return its count.

        Raises:
            AuditCorruptError: the register must not be recorded into; the message says why.
        """
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                count, _ = self._check_head(conn)
            finally:
                conn.execute("COMMIT")
        return count

    @staticmethod
    def _hash_of(conn: sqlite3.Connection, record_id: int) -> str | None:
        row = conn.execute("SELECT record_hash FROM records WHERE id = ?", (record_id,)).fetchone()
        return None if row is None else str(row[0])

    def register_id(self) -> str:
        """Return the register's random id (kept in `meta` since register schema 2)."""
        with self._connection() as conn:
            return self._meta(conn).get("register_id", "")

    def anchor(self) -> str:
        """Return the register head to print on a sheet about to be issued ("COUNT:HASH").

        Raises:
            AuditError: the register cannot be read.
        """
        with self._connection() as conn:
            conn.execute("BEGIN")
            head = self._meta_head(conn)
            conn.execute("COMMIT")
        return format_anchor(head.record_count, head.head_hash)

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
                f"SELECT {', '.join(ALL_COLUMNS)} FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        if row is None:
            raise AuditNotFoundError(f"The audit register {self.path} has no record {record_id}.")
        return AuditRecord(*row)

    def records_for_plan(self, plan_id: str) -> list[RecordSummary]:
        """Return every record of one plan id, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM records WHERE plan_id = ? ORDER BY id",
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
        offset: int = 0,
    ) -> list[RecordSummary]:
        """Return records, newest first.

        Args:
            patient: exact patient identifier.
            text: a part of the identifier, the patient's name, the plan id or the prescriber
                (case-insensitive).
            on_date: recorded on this calendar day in the computer's local time zone.
            limit: at most this many (newest first).
            offset: skip this many of the newest first (paging).
        """
        columns = ", ".join(SUMMARY_COLUMNS)
        page = ""
        paging: list[Any] = []
        if limit is not None or offset:
            page = " LIMIT ? OFFSET ?"
            paging = [-1 if limit is None else int(limit), int(offset)]
        with self._connection() as conn:
            phrase = indexed_text(text)
            if phrase is not None and self._has_text_index(conn):
                # Schema 4: the trigram index gives the matching ids newest first; the other
                # filters, if any, are applied to those records before the page is cut.
                where, params = search_clauses(patient, None, on_date, "?")
                found = f"SELECT rowid FROM {TEXT_INDEX} WHERE {TEXT_INDEX} MATCH ?"
                if where:
                    sql = (
                        f"SELECT {columns} FROM records{where} AND id IN ({found}) "
                        f"ORDER BY id DESC{page}"
                    )
                    params = [*params, phrase, *paging]
                else:
                    sql = (
                        f"SELECT {columns} FROM records WHERE id IN ({found} ORDER BY rowid "
                        f"DESC{page}) ORDER BY id DESC"
                    )
                    params = [phrase, *paging]
            else:
                conn.create_function(FOLD, 1, _fold, deterministic=True)
                where, params = search_clauses(patient, text, on_date, "?", FOLD)
                params.extend(paging)
                if text and on_date is None:
                    # The text filter reads only indexed columns: find the page's ids in the
                    # narrow index (schema 3), then read just those records.
                    sql = (
                        f"SELECT {columns} FROM records WHERE id IN (SELECT id FROM records "
                        f"INDEXED BY records_search{where} ORDER BY id DESC{page}) ORDER BY id DESC"
                    )
                else:
                    sql = f"SELECT {columns} FROM records{where} ORDER BY id DESC{page}"
            rows = conn.execute(sql, params).fetchall()
        return [RecordSummary(*r) for r in rows]

    @staticmethod
    def _has_text_index(conn: sqlite3.Connection) -> bool:
        """True when this register has the full-text index of schema 4 (see schema.py)."""
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TEXT_INDEX,)
        ).fetchone()
        return row is not None

    def iter_records(self) -> Iterator[AuditRecord]:
        """Yield every whole record, oldest first (one read snapshot)."""
        with self._connection() as conn:
            conn.execute("BEGIN")
            yield from (
                AuditRecord(*r)
                for r in conn.execute(f"SELECT {', '.join(ALL_COLUMNS)} FROM records ORDER BY id")
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
        data = row[0]
        if not isinstance(data, bytes) or sha256_hex(data) != sha256:
            raise AuditCorruptError(
                f"The protocol stored in {self.path} under {sha256[:16]} has been altered: its "
                "bytes no longer match their hash. The sheet cannot be reprinted from it."
            )
        return data

    # -- verification --

    def verify(self, *, from_checkpoint: bool = False) -> VerifyResult:
        """Walk the chain and compare its head with `meta` and the witness; report the first break.

        Args:
            from_checkpoint: start from the last checkpoint a verify found intact (kept in the
                witness), checking that record is still there unchanged, and walk only the newer
                records; without a checkpoint, walk them all.

        An intact result becomes the witness's new checkpoint (when the witness can be written).
        """
        started = time.perf_counter()
        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                result = self._verify(conn, from_checkpoint)
            except sqlite3.Error as exc:
                result = broken("corrupt", f"the database cannot be read ({exc}).")
            except AuditCorruptError as exc:  # the witness file itself is damaged
                result = broken("witness", str(exc))
            conn.execute("COMMIT")
            result = replace(result, seconds=time.perf_counter() - started)
            if result.ok:
                self._save_checkpoint(conn, Checkpoint(result.records_checked, result.head_hash))
        return result

    def _save_checkpoint(self, conn: sqlite3.Connection, point: Checkpoint) -> None:
        def work(conn: sqlite3.Connection) -> None:
            if self._meta_head(conn).record_count >= point.record_count:
                self._write_witness(conn, verified=point)

        try:
            self._write(conn, work)
        except (AuditError, sqlite3.Error) as exc:  # a read-only copy verifies all the same
            _log.warning("audit verify: checkpoint not saved in the witness: %s", exc)

    def _protocol_state(self, conn: sqlite3.Connection, sha256: str) -> str | None:
        got = conn.execute("SELECT data FROM protocols WHERE sha256 = ?", (sha256,)).fetchone()
        if got is None:
            return "is missing"
        if not isinstance(got[0], bytes):
            kind = "text" if isinstance(got[0], str) else "a number"
            return f"is stored as {kind} instead of the file's bytes (it was changed with a tool)"
        if sha256_hex(got[0]) != sha256:
            return "no longer matches its hash"
        return None

    def _verify(self, conn: sqlite3.Connection, from_checkpoint: bool) -> VerifyResult:
        cut = sqlite_header.shortfall_of(conn, self.path)
        if cut is not None:
            return broken(
                "truncated",
                f"the register file is {cut[0]:,} bytes long, but its own header says it is "
                f"{cut[1]:,}: the file was cut short, and whatever its last pages held is gone.",
            )
        witness = read_witness(self.witness_path)
        start = witness.verified if (from_checkpoint and witness and witness.verified) else None
        if start is None:
            # The page-level check reads the whole file: the full verify runs it; one from a
            # checkpoint stays proportional to the new records (damaged old pages are the full
            # verify's to find).
            check = conn.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in check] != ["ok"]:
                detail = "; ".join(str(r[0]) for r in check[:3])
                return broken("corrupt", f"the database file is damaged ({detail}).")
        walk = ChainWalk(
            lambda sha: self._protocol_state(conn, sha),
            lambda: conn.execute("SELECT prev_hash, record_hash FROM records").fetchall(),
            start or GENESIS_POINT,
        )
        if start is not None and start.record_count > 0:
            row = conn.execute(
                f"SELECT {', '.join(ALL_COLUMNS)} FROM records WHERE id = ?", (start.record_count,)
            ).fetchone()
            if (
                row is None
                or column_type_problem(row) is not None
                or record_hash(AuditRecord(*row).content()) != start.head_hash
                or AuditRecord(*row).record_hash != start.head_hash
            ):
                return broken(
                    "swapped",
                    f"record {start.record_count}, the last one found intact by a previous "
                    f"verify (hash {start.head_hash[:16]}), is missing or no longer the same: "
                    "the register was rewritten or swapped. Run a full verify.",
                    at=start.record_count,
                )
        rows = conn.execute(
            f"SELECT {', '.join(ALL_COLUMNS)} FROM records WHERE id > ? ORDER BY id",
            (walk.start.record_count,),
        )
        failure = walk.feed(rows)
        if failure is None:
            failure = check_meta(self._meta(conn), walk.count, walk.prev) or check_witness(
                witness,
                witness_name=self.witness_path.name,
                register_id=self._meta(conn).get("register_id"),
                count=walk.count,
                head=walk.prev,
                hash_at=lambda n: walk.hash_at(n) or self._hash_of(conn, n),
            )
        walked = walk.count - walk.start.record_count
        if failure is not None:
            return replace(failure, walked=walked, started_from=start)
        return VerifyResult(True, walk.count, walk.prev, walked=walked, started_from=start)

    # -- setting a damaged register aside --

    def companion_files(self) -> list[Path]:
        """Return the register file and the files that belong with it (WAL, shared memory, witness)."""
        return companion_files(self.path)


def companion_files(path: Path) -> list[Path]:
    """Return a register file and its companions that exist (WAL, shared memory, witness)."""
    names = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return [p for p in (*names, witness_path(path)) if p.exists()]


def set_aside(path: Path, moment: datetime | None = None) -> list[tuple[Path, Path]]:
    """Rename a register and its companion files out of the way (nothing is deleted).

    `audit.sqlite3` becomes `audit.set-aside-20261202T101500Z.sqlite3` (and so on for its WAL,
    shared-memory and witness files), so that the next sheet starts a new register on purpose.

    Raises:
        AuditNotFoundError: there is neither a register nor a witness at `path`.
        AuditError: a file could not be renamed (what was renamed is listed).
    """
    files = companion_files(Path(path))
    if not files:
        raise AuditNotFoundError(f"There is no audit register or witness file at {path}.")
    stamp = (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem, dot, suffix = Path(path).name.partition(".")
    base = f"{stem}.set-aside-{stamp}" + (f".{suffix}" if dot else "")
    moved: list[tuple[Path, Path]] = []
    for file in files:
        target = file.with_name(base + file.name[len(Path(path).name) :])
        if target.exists():
            raise AuditError(f"{target} already exists; wait a second and try again.")
        try:
            os.replace(file, target)
        except OSError as exc:
            done = ", ".join(f"{a.name} -> {b.name}" for a, b in moved) or "nothing"
            raise AuditError(
                f"Could not rename {file}: {exc.strerror or exc}. Renamed so far: {done}."
            ) from exc
        moved.append((file, target))
    _log.info("audit register set aside: %s", ", ".join(str(b) for _, b in moved))
    return moved


def verify_path(path: Path, *, from_checkpoint: bool = False) -> VerifyResult:
    """Verify the register at `path`, saying in words what is wrong even when it cannot be opened.

    Raises:
        AuditNotFoundError: there is neither a register nor a witness at `path`.
    """
    path = Path(path)
    wpath = witness_path(path)
    try:
        witness = read_witness(wpath)
    except AuditCorruptError as exc:
        return broken("witness", str(exc))
    held = witness.head.record_count if witness else 0
    if not path.exists():
        if witness is None:
            raise AuditNotFoundError(
                f"There is no audit register at {path}: no sheet has been recorded there yet, or "
                "the path is wrong."
            )
        return broken(
            "truncated" if held else "witness",
            f"the register file {path} is missing, but its witness {wpath.name} says it held "
            f"{held} record(s): it was deleted, moved or renamed.",
        )
    size = path.stat().st_size
    if held and size < 512:
        return broken(
            "truncated",
            f"the register file is {size} byte(s) long, but its witness {wpath.name} says it held "
            f"{held} record(s): the file was truncated and its records are gone from it.",
        )
    try:
        register = Register(path, create=False)
    except AuditNotFoundError:
        return VerifyResult(True, 0, GENESIS_HASH)  # an empty file, and no witness of records
    except AuditCorruptError as exc:
        return broken("corrupt", str(exc))
    return register.verify(from_checkpoint=from_checkpoint)


GENESIS_POINT = Checkpoint(0, GENESIS_HASH)

__all__ = [
    "AUDIT_DB_ENV",
    "DATA_DIR_ENV",
    "GENESIS_HASH",
    "PRINTED",
    "AuditRecord",
    "Kind",
    "RecordDraft",
    "RecordSummary",
    "Register",
    "VerifyResult",
    "canonical_bytes",
    "companion_files",
    "current_host",
    "current_os_user",
    "default_register_path",
    "record_hash",
    "set_aside",
    "sha256_hex",
    "utc_stamp",
    "verify_path",
]
