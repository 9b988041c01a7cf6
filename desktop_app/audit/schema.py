"""The register's SQLite schema, its version and the migrations that bring an older file up to date.

The schema version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file as a
B12-K audit register so that another program's database is refused rather than written into.
A register whose version is newer than `SCHEMA_VERSION` is refused: an older program must not
write records a newer one would read differently.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable

#: The register schema this program writes. Bump it with a migration from the previous version.
SCHEMA_VERSION = 4

#: "B12K" as a 32-bit integer, stored in the file header (`PRAGMA application_id`).
APPLICATION_ID = int.from_bytes(b"B12K", "big")

#: The record columns, in table order, without `record_hash` (the canonical content's keys).
RECORD_CONTENT_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "recorded_at",
    "os_user",
    "host",
    "prescriber",
    "patient_identifier",
    "patient_name",
    "plan_id",
    "plan_inputs_json",
    "overrides_json",
    "override_count",
    "protocol_id",
    "protocol_version",
    "protocol_sha256",
    "protocol_source",
    "evaluated_at",
    "plan_sha256",
    "paper",
    "app_version",
    "pdf_sha256",
    "destination",
    "reprint_of",
    "prev_hash",
)
#: Columns added by schema 2; part of a record's hashed content only when not NULL, so that the
#: hashes of records written under schema 1 stay as they were.
OPTIONAL_CONTENT_COLUMNS: tuple[str, ...] = ("batch_id", "sheet_anchor")

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE protocols (
    sha256 TEXT PRIMARY KEY,
    protocol_id TEXT NOT NULL,
    version TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('issue', 'reprint')),
    recorded_at TEXT NOT NULL,
    os_user TEXT NOT NULL,
    host TEXT NOT NULL,
    prescriber TEXT NOT NULL,
    patient_identifier TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    plan_inputs_json TEXT NOT NULL,
    overrides_json TEXT NOT NULL,
    override_count INTEGER NOT NULL,
    protocol_id TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    protocol_sha256 TEXT NOT NULL REFERENCES protocols (sha256),
    protocol_source TEXT NOT NULL,
    evaluated_at TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    paper TEXT NOT NULL,
    app_version TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    destination TEXT NOT NULL,
    reprint_of INTEGER,
    prev_hash TEXT NOT NULL,
    record_hash TEXT NOT NULL UNIQUE
);

CREATE INDEX records_patient ON records (patient_identifier);
CREATE INDEX records_plan ON records (plan_id);
CREATE INDEX records_time ON records (recorded_at);

CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'B12-K audit records are append-only: they cannot be changed'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'B12-K audit records are append-only: they cannot be deleted'); END;
CREATE TRIGGER protocols_no_update BEFORE UPDATE ON protocols
BEGIN SELECT RAISE(ABORT, 'stored protocol files cannot be changed'); END;
CREATE TRIGGER protocols_no_delete BEFORE DELETE ON protocols
BEGIN SELECT RAISE(ABORT, 'stored protocol files cannot be deleted'); END;
"""


def _create_v1(conn: sqlite3.Connection) -> None:
    """An empty file becomes a version-1 register."""
    for statement in _V1.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT INTO meta (key, value) VALUES ('record_count', '0')")
    conn.execute("INSERT INTO meta (key, value) VALUES ('head_hash', ?)", (GENESIS_HASH,))


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Schema 2: the batch run id and the sheet's printed register head on each record, and a
    random register id (the witness file names it, so a swapped file is recognised)."""
    conn.execute("ALTER TABLE records ADD COLUMN batch_id TEXT")
    conn.execute("ALTER TABLE records ADD COLUMN sheet_anchor TEXT")
    conn.execute("CREATE INDEX records_batch ON records (batch_id) WHERE batch_id IS NOT NULL")
    conn.execute("INSERT INTO meta (key, value) VALUES ('register_id', ?)", (uuid.uuid4().hex,))


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Schema 3: a narrow index of the columns `audit list --search` reads, so that a text
    search scans a few megabytes of index rather than every whole record (issue 20)."""
    conn.execute(
        "CREATE INDEX records_search ON records (patient_identifier, patient_name, plan_id, "
        "prescriber)"
    )


#: The full-text index of schema 4: the four columns `audit list --search` matches, joined by a
#: unit separator (U+001F, which a search text cannot hold: a match never spans two columns).
TEXT_INDEX = "records_text"
TEXT_INDEX_BODY = (
    "{p}patient_identifier || char(31) || {p}patient_name || char(31) || {p}plan_id"
    " || char(31) || {p}prescriber"
)


def text_index_available(conn: sqlite3.Connection) -> bool:
    """True when this SQLite has FTS5 with its trigram tokenizer (SQLite 3.34 and later)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.b12k_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.b12k_probe")
    return True


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Schema 4: a trigram full-text index of the searched columns, so that `audit list --search`
    finds a part of a name or identifier without reading every record (issue 20). Derived data:
    the hash chain does not cover it, and a register on an SQLite without FTS5 stays without it
    (the search then scans the narrow index of schema 3, as before)."""
    if not text_index_available(conn):
        return
    conn.execute(f"CREATE VIRTUAL TABLE {TEXT_INDEX} USING fts5(body, tokenize='trigram')")
    conn.execute(
        f"INSERT INTO {TEXT_INDEX} (rowid, body) SELECT id, {TEXT_INDEX_BODY.format(p='')} "
        "FROM records"
    )
    conn.execute(
        f"CREATE TRIGGER {TEXT_INDEX}_add AFTER INSERT ON records BEGIN INSERT INTO {TEXT_INDEX} "
        f"(rowid, body) VALUES (new.id, {TEXT_INDEX_BODY.format(p='new.')}); END"
    )


#: The hash a first record points back to.
GENESIS_HASH = "0" * 64

#: version -> the step that brings a register at that version to version + 1 (run in one
#: transaction with the `user_version` bump). Add `N: _migrate_N_to_N1` with each new version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _create_v1,
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
}

__all__ = [
    "APPLICATION_ID",
    "GENESIS_HASH",
    "MIGRATIONS",
    "OPTIONAL_CONTENT_COLUMNS",
    "RECORD_CONTENT_COLUMNS",
    "SCHEMA_VERSION",
    "TEXT_INDEX",
    "text_index_available",
]
