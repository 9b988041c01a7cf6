"""The shared audit register on PostgreSQL: the same records and chain as the SQLite file.

One server holds one chain for a whole site. Each writer takes the transaction-level advisory
lock `CHAIN_LOCK_KEY` before it reads the chain head, so that no two records ever claim the same
predecessor (the `prev_hash` column is UNIQUE as well). Workstations may only SELECT and INSERT;
the database refuses UPDATE, DELETE and TRUNCATE (docs/audit.md, resources/sql/postgres_site.sql).

A server that cannot be reached raises `AuditUnreachableError`: a sheet is then refused rather
than issued unrecorded (desktop_app/audit/issue.py).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditError,
    AuditLockedError,
    AuditMismatchError,
    AuditNotFoundError,
    AuditUnreachableError,
    AuditVersionError,
)
from desktop_app.audit.pg_schema import CHAIN_LOCK_KEY, PG_MIGRATIONS, PG_SCHEMA_VERSION, SCHEMA
from desktop_app.audit.records import (
    ALL_COLUMNS,
    SUMMARY_COLUMNS,
    AuditRecord,
    RecordDraft,
    RecordSummary,
    column_type_problem,
    format_anchor,
    record_hash,
    sha256_hex,
    utc_stamp,
)
from desktop_app.audit.schema import GENESIS_HASH
from desktop_app.audit.search_sql import search_clauses
from desktop_app.audit.verify import ChainWalk, VerifyResult, broken, check_witness
from desktop_app.audit.witness import Checkpoint, Witness

_log = logging.getLogger(__name__)

_COLS = ", ".join(ALL_COLUMNS)
_T = SCHEMA


def describe(conninfo: str) -> str:
    """Return the server and database a connection string names, without any password."""
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "PostgreSQL (an unreadable connection string)"
    if "service" in parts:
        return f"PostgreSQL service {parts['service']}"
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"PostgreSQL {host}{port}, database {parts.get('dbname') or parts.get('user') or '?'}"


class PgRegister:
    """The audit register in a PostgreSQL database. Each call opens and closes its connection.

    Args:
        conninfo: a libpq connection string or URI (`service=b12k`, `host=... dbname=...`,
            `postgresql://...`).
        create: create or migrate the tables when missing or older (needs the admin role);
            when False a database without a register raises `AuditNotFoundError`.
        timeout: seconds to wait for the server to answer, and for the chain lock.
        clock: returns the recording time (tests pass a fixed clock).
    """

    #: A sheet is never issued unrecorded to this register: it is refused instead.
    refuses_unrecorded = True

    def __init__(
        self,
        conninfo: str,
        *,
        create: bool = True,
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.path = describe(conninfo)
        self.timeout = timeout
        self._clock = clock or (lambda: datetime.now(UTC))
        with self._connection() as conn:
            version = self._version(conn)
            if version > PG_SCHEMA_VERSION:
                raise AuditVersionError(
                    f"The audit register on {self.path} was written by a newer B12-K Planner "
                    f"(register schema {version}; this program reads schema {PG_SCHEMA_VERSION} "
                    "and older). Use the newer program. Nothing was written."
                )
            if version < PG_SCHEMA_VERSION:
                if not create and version == 0:
                    raise AuditNotFoundError(
                        f"There is no audit register on {self.path} yet: ask IT to run "
                        "'b12k audit migrate' as the register's admin role."
                    )
                self._migrate(conn)

    # -- connections and errors --

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            conn = psycopg.connect(
                self.conninfo,
                connect_timeout=max(1, int(self.timeout)),
                application_name="b12k-planner",
            )
        except psycopg.Error as exc:
            raise self.unreachable(exc) from exc
        try:
            with conn:
                conn.execute(f"SET lock_timeout = {int(self.timeout * 1000)}")
                conn.commit()
                yield conn
        except psycopg.Error as exc:
            raise self._explain(exc) from exc
        finally:
            conn.close()

    def unreachable(self, exc: Exception) -> AuditUnreachableError:
        """Return the message for a server that cannot be reached (what to do included)."""
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _log.warning("audit register %s unreachable: %s", self.path, reason)
        return AuditUnreachableError(
            f"The shared audit register ({self.path}) cannot be reached: {reason}. The sheet was "
            "NOT issued: nothing was written or printed, because a sheet is never issued "
            "unrecorded. Check the network cable or Wi-Fi, then try again; if it persists, call IT "
            "and say the audit register's server does not answer."
        )

    def _explain(self, exc: psycopg.Error) -> AuditError:
        _log.warning("audit register %s: %s", self.path, exc)
        where = f"The audit register on {self.path}"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled):
            return AuditLockedError(
                f"{where} stayed busy with other writers for {self.timeout:g} s. Try again."
            )
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return AuditError(f"{where} refused this: {first}. Ask IT if this is unexpected.")
        if isinstance(exc, psycopg.OperationalError):
            return self.unreachable(exc)
        return AuditError(f"{where} could not be used: {first}.")

    @staticmethod
    def _version(conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT to_regclass(%s)", (f"{_T}.schema_version",)).fetchone()
        if row is None or row[0] is None:
            conn.commit()
            return 0
        got = conn.execute(f"SELECT coalesce(max(version), 0) FROM {_T}.schema_version").fetchone()
        conn.commit()
        return int(got[0]) if got else 0

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK_KEY,))
            version = self._version_in_tx(conn)
            while version < PG_SCHEMA_VERSION:
                _log.info("migrating audit register %s from schema %d", self.path, version)
                conn.execute(PG_MIGRATIONS[version].encode("utf-8"))
                version += 1
                if version == 1:
                    conn.execute(
                        f"INSERT INTO {_T}.meta (key, value) VALUES ('register_id', %s)",
                        (uuid.uuid4().hex,),
                    )
                conn.execute(f"INSERT INTO {_T}.schema_version (version) VALUES (%s)", (version,))
            conn.commit()
        except pg_errors.InsufficientPrivilege as exc:
            conn.rollback()
            raise AuditVersionError(
                f"The audit register on {self.path} needs its tables created or migrated to "
                f"schema {PG_SCHEMA_VERSION}, which this role may not do ({exc}). Ask IT to run "
                "'b12k audit migrate --db ...' as the register's admin role."
            ) from exc

    def _version_in_tx(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT to_regclass(%s)", (f"{_T}.schema_version",)).fetchone()
        if row is None or row[0] is None:
            return 0
        got = conn.execute(f"SELECT coalesce(max(version), 0) FROM {_T}.schema_version").fetchone()
        return int(got[0]) if got else 0

    def schema_version(self) -> int:
        """Return the register schema version the database is at."""
        with self._connection() as conn:
            return self._version(conn)

    # -- writing --

    def _head(self, conn: psycopg.Connection[Any]) -> tuple[int, str]:
        """Return (last id, its hash) after checking the last record still hashes to itself."""
        row = conn.execute(f"SELECT {_COLS} FROM {_T}.records ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return 0, GENESIS_HASH
        wrong = column_type_problem(tuple(row))
        last = AuditRecord(*row)
        if wrong is not None or record_hash(last.content()) != last.record_hash:
            raise AuditCorruptError(
                f"The audit register on {self.path} failed its check, so nothing more is "
                f"recorded in it: its last record ({last.id}) was changed after it was written. "
                "Tell IT: run 'b12k audit verify' and restore the database from a backup."
            )
        return int(last.id), last.record_hash

    def _insert(
        self,
        conn: psycopg.Connection[Any],
        draft: RecordDraft,
        protocol_bytes: bytes,
        recorded_at: str | None = None,
        reprint_of: int | None = None,
    ) -> AuditRecord:
        """Append one record in the open transaction (the caller holds the chain lock)."""
        last_id, prev = self._head(conn)
        conn.execute(
            f"INSERT INTO {_T}.protocols (sha256, protocol_id, version, size, data) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
            (
                draft.protocol_sha256,
                draft.protocol_id,
                draft.protocol_version,
                len(protocol_bytes),
                protocol_bytes,
            ),
        )
        fields = {**asdict(draft), "reprint_of": reprint_of or draft.reprint_of}
        unsealed = AuditRecord(
            **{
                **fields,
                "id": last_id + 1,
                "recorded_at": recorded_at or utc_stamp(self._clock()),
                "prev_hash": prev,
                "record_hash": "",
            }
        )
        row = {**asdict(unsealed), "record_hash": record_hash(unsealed.content())}
        conn.execute(
            f"INSERT INTO {_T}.records ({_COLS}) VALUES ({', '.join(['%s'] * len(ALL_COLUMNS))})",
            tuple(row[c] for c in ALL_COLUMNS),
        )
        return AuditRecord(**row)

    def append(self, draft: RecordDraft, protocol_bytes: bytes) -> AuditRecord:
        """Add one record at the head of the chain, under the chain lock; return it.

        Raises:
            AuditMismatchError: the protocol bytes do not hash to `draft.protocol_sha256`.
            AuditUnreachableError: the server cannot be reached (nothing was recorded).
            AuditError: the database refused or failed; the message says what to do.
        """
        if sha256_hex(protocol_bytes) != draft.protocol_sha256:
            raise AuditMismatchError(
                "The protocol file given for the audit record is not the one the plan was made "
                "with (its SHA-256 differs). Reload the protocol and make the plan again."
            )
        with self._connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK_KEY,))
            record = self._insert(conn, draft, protocol_bytes)
            conn.commit()
        _log.info("audit record %d: %s %s on %s", record.id, record.kind, record.plan_id, self.path)
        return record

    def copy_record(self, source_register: str, rec: AuditRecord, protocol: bytes) -> int | None:
        """Append a record of another register unless it was copied before; return the new id.

        The original recording time is kept; a reprint's `reprint_of` is mapped to the copy of
        the record it reprinted. Done under the chain lock, so two copies at once copy once.

        Raises:
            AuditCorruptError: this source record was copied before with a different hash.
        """
        with self._connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK_KEY,))
            seen = conn.execute(
                f"SELECT source_hash, record_id FROM {_T}.copies "
                "WHERE source_register = %s AND source_id = %s",
                (source_register, rec.id),
            ).fetchone()
            if seen is not None:
                conn.rollback()
                if seen[0] != rec.record_hash:
                    raise AuditCorruptError(
                        f"Record {rec.id} of register {source_register} was copied before (as "
                        f"record {seen[1]}) with another hash: the source register was changed "
                        "since. Nothing more was copied."
                    )
                return None
            mapped = None
            if rec.reprint_of is not None:
                got = conn.execute(
                    f"SELECT record_id FROM {_T}.copies WHERE source_register = %s "
                    "AND source_id = %s",
                    (source_register, rec.reprint_of),
                ).fetchone()
                mapped = int(got[0]) if got else None
            draft = RecordDraft(
                **{k: getattr(rec, k) for k in RecordDraft.__dataclass_fields__},
            )
            new = self._insert(conn, draft, protocol, rec.recorded_at, mapped)
            conn.execute(
                f"INSERT INTO {_T}.copies (source_register, source_id, source_hash, record_id) "
                "VALUES (%s, %s, %s, %s)",
                (source_register, rec.id, rec.record_hash, new.id),
            )
            conn.commit()
        return new.id

    def register_id(self) -> str:
        """Return the register's random id (made when its tables were created)."""
        with self._connection() as conn:
            row = conn.execute(f"SELECT value FROM {_T}.meta WHERE key = 'register_id'").fetchone()
        return str(row[0]) if row else ""

    def check(self) -> int:
        """Check the head as a record would; return the number of records."""
        with self._connection() as conn:
            count, _ = self._head(conn)
        return count

    def anchor(self) -> str:
        """Return the register head to print on a sheet about to be issued ("COUNT:HASH")."""
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT id, record_hash FROM {_T}.records ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return format_anchor(0, GENESIS_HASH) if row is None else format_anchor(row[0], row[1])

    # -- reading --

    def count(self) -> int:
        """Return the number of records."""
        with self._connection() as conn:
            row = conn.execute(f"SELECT count(*) FROM {_T}.records").fetchone()
        return int(row[0]) if row else 0

    def get(self, record_id: int) -> AuditRecord:
        """Return one whole record (AuditNotFoundError when there is none with this id)."""
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT {_COLS} FROM {_T}.records WHERE id = %s", (record_id,)
            ).fetchone()
        if row is None:
            raise AuditNotFoundError(
                f"The audit register on {self.path} has no record {record_id}."
            )
        return AuditRecord(*row)

    def records_for_plan(self, plan_id: str) -> list[RecordSummary]:
        """Return every record of one plan id, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {_T}.records WHERE plan_id = %s "
                "ORDER BY id",
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
        """Return records, newest first (the same filters as the SQLite register)."""
        where, params = search_clauses(patient, text, on_date, "%s")
        sql = f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {_T}.records{where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT %s"
            params.append(int(limit))
        if offset:
            sql += " OFFSET %s"
            params.append(int(offset))
        with self._connection() as conn:
            rows = conn.execute(sql.encode("utf-8"), params).fetchall()
        return [RecordSummary(*r) for r in rows]

    def iter_records(self) -> Iterator[AuditRecord]:
        """Yield every whole record, oldest first (one snapshot, streamed from the server)."""
        with self._connection() as conn, conn.cursor(name="b12k_export") as cur:
            cur.execute(f"SELECT {_COLS} FROM {_T}.records ORDER BY id")
            yield from (AuditRecord(*r) for r in cur)

    def protocol_bytes(self, sha256: str) -> bytes:
        """Return the stored protocol file with this hash, checked against it."""
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT data FROM {_T}.protocols WHERE sha256 = %s", (sha256,)
            ).fetchone()
        if row is None:
            raise AuditNotFoundError(
                f"The audit register on {self.path} holds no protocol {sha256}."
            )
        data = bytes(row[0])
        if sha256_hex(data) != sha256:
            raise AuditCorruptError(
                f"The protocol stored on {self.path} under {sha256[:16]} has been altered: its "
                "bytes no longer match their hash. The sheet cannot be reprinted from it."
            )
        return data

    # -- verification --

    def verify(self, *, from_checkpoint: bool = False) -> VerifyResult:
        """Walk the chain (from the last verified checkpoint when asked); report the first break.

        The checkpoints are rows of the append-only table `checkpoints`: every intact verify adds
        one, and every verify checks that the newest one still names a record of this chain.
        """
        started = time.perf_counter()
        with self._connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            result = self._verify(conn, from_checkpoint)
            conn.commit()
            result = replace(result, seconds=time.perf_counter() - started)
            if result.ok and result.records_checked > 0:
                self._save_checkpoint(conn, result)
        return result

    def _save_checkpoint(self, conn: psycopg.Connection[Any], result: VerifyResult) -> None:
        from desktop_app.audit.register import current_host, current_os_user

        try:
            conn.execute(
                f"INSERT INTO {_T}.checkpoints (record_count, head_hash, verified_at, os_user, "
                "host) VALUES (%s, %s, %s, %s, %s)",
                (
                    result.records_checked,
                    result.head_hash,
                    utc_stamp(self._clock()),
                    current_os_user(),
                    current_host(),
                ),
            )
            conn.commit()
        except psycopg.Error as exc:  # a read-only role verifies all the same
            conn.rollback()
            _log.warning("audit verify: checkpoint not saved on %s: %s", self.path, exc)

    def _verify(self, conn: psycopg.Connection[Any], from_checkpoint: bool) -> VerifyResult:
        meta = conn.execute(f"SELECT value FROM {_T}.meta WHERE key = 'register_id'").fetchone()
        register_id = str(meta[0]) if meta else ""
        got = conn.execute(
            f"SELECT record_count, head_hash FROM {_T}.checkpoints "
            "ORDER BY record_count DESC LIMIT 1"
        ).fetchone()
        point = Checkpoint(int(got[0]), str(got[1])) if got else None
        start = point if from_checkpoint and point is not None else Checkpoint(0, GENESIS_HASH)

        def protocol_state(sha: str) -> str | None:
            row = conn.execute(
                f"SELECT data FROM {_T}.protocols WHERE sha256 = %s", (sha,)
            ).fetchone()
            if row is None:
                return "is missing"
            return None if sha256_hex(bytes(row[0])) == sha else "no longer matches its hash"

        def hash_of(n: int) -> str | None:
            row = conn.execute(
                f"SELECT record_hash FROM {_T}.records WHERE id = %s", (n,)
            ).fetchone()
            return None if row is None else str(row[0])

        walk = ChainWalk(
            protocol_state,
            lambda: conn.execute(f"SELECT prev_hash, record_hash FROM {_T}.records").fetchall(),
            start,
            foreign_anchors=self._rechained(conn),
        )
        if start.record_count > 0 and not self._still_sealed(conn, start):
            return broken(
                "swapped",
                f"record {start.record_count}, the last one found intact by a previous verify "
                f"(hash {start.head_hash[:16]}), is missing or no longer the same: the register "
                "was rewritten or swapped. Run a full verify.",
                at=start.record_count,
            )
        with conn.cursor(name="b12k_verify") as cur:
            cur.itersize = 2000
            cur.execute(
                f"SELECT {_COLS} FROM {_T}.records WHERE id > %s ORDER BY id", (start.record_count,)
            )
            failure = walk.feed(tuple(r) for r in cur)
        if failure is None and point is not None:
            failure = check_witness(
                Witness(register_id, point),
                witness_name="the newest verified checkpoint",
                register_id=register_id,
                count=walk.count,
                head=walk.prev,
                hash_at=lambda n: walk.hash_at(n) or hash_of(n),
            )
        walked = walk.count - start.record_count
        started_from = start if from_checkpoint and point is not None else None
        if failure is not None:
            return replace(failure, walked=walked, started_from=started_from)
        return VerifyResult(True, walk.count, walk.prev, walked=walked, started_from=started_from)

    @staticmethod
    def _still_sealed(conn: psycopg.Connection[Any], point: Checkpoint) -> bool:
        """True when the checkpoint's record is there, its content still hashing to the hash
        the checkpoint holds (as the SQLite register checks: a stored hash alone is not enough)."""
        row = conn.execute(
            f"SELECT {_COLS} FROM {_T}.records WHERE id = %s", (point.record_count,)
        ).fetchone()
        if row is None:
            return False
        rec = AuditRecord(*row)
        return rec.record_hash == point.head_hash == record_hash(rec.content())

    @staticmethod
    def _rechained(conn: psycopg.Connection[Any]) -> frozenset[int]:
        """Records copied from another register under a new id (their sheet names its head)."""
        rows = conn.execute(
            f"SELECT c.record_id FROM {_T}.copies c JOIN {_T}.records r ON r.id = c.record_id "
            "WHERE r.record_hash <> c.source_hash"
        ).fetchall()
        return frozenset(int(r[0]) for r in rows)


__all__ = ["PgRegister", "describe"]
