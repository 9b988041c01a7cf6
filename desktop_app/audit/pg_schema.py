"""The shared register's PostgreSQL schema, its version and its migrations (plain SQL).

Everything lives in the schema `b12k_audit`, which the site creates for the admin role
(resources/sql/postgres_site.sql). Each applied migration adds a row to `schema_version`, so
the current version is the largest one there. Migrations run as the admin role, which owns the
tables; the workstation role is granted SELECT and INSERT on them by the site's default
privileges, and triggers refuse UPDATE, DELETE and TRUNCATE whoever asks.

The records hold exactly the columns of the SQLite register (`records.ALL_COLUMNS`), so a
record hashes the same on both backends and `audit copy` keeps hashes when it can.
"""

from __future__ import annotations

#: The schema (namespace) every table is in; every statement names it.
SCHEMA = "b12k_audit"

#: The register schema this program writes on PostgreSQL (independent of SQLite's numbering).
PG_SCHEMA_VERSION = 1

#: The transaction-level advisory lock every writer takes before reading the chain head
#: ("B12Kchn" as a 64-bit integer). Also taken by migrations.
CHAIN_LOCK_KEY = int.from_bytes(b"B12Kchn", "big")

_V1 = f"""
CREATE TABLE {SCHEMA}.schema_version (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {SCHEMA}.meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE {SCHEMA}.protocols (
    sha256 text PRIMARY KEY,
    protocol_id text NOT NULL,
    version text NOT NULL,
    size integer NOT NULL,
    data bytea NOT NULL
);

CREATE TABLE {SCHEMA}.records (
    id bigint PRIMARY KEY CHECK (id > 0),
    kind text NOT NULL CHECK (kind IN ('issue', 'reprint')),
    recorded_at text NOT NULL,
    os_user text NOT NULL,
    host text NOT NULL,
    prescriber text NOT NULL,
    patient_identifier text NOT NULL,
    patient_name text NOT NULL,
    plan_id text NOT NULL,
    override_count bigint NOT NULL,
    protocol_id text NOT NULL,
    protocol_version text NOT NULL,
    protocol_sha256 text NOT NULL REFERENCES {SCHEMA}.protocols (sha256),
    protocol_source text NOT NULL,
    evaluated_at text NOT NULL,
    plan_sha256 text NOT NULL,
    paper text NOT NULL,
    app_version text NOT NULL,
    pdf_sha256 text NOT NULL,
    destination text NOT NULL,
    reprint_of bigint,
    prev_hash text NOT NULL UNIQUE,
    record_hash text NOT NULL UNIQUE,
    batch_id text,
    sheet_anchor text,
    plan_inputs_json text NOT NULL,
    overrides_json text NOT NULL
);

CREATE INDEX records_patient ON {SCHEMA}.records (patient_identifier);
CREATE INDEX records_plan ON {SCHEMA}.records (plan_id);
CREATE INDEX records_time ON {SCHEMA}.records (recorded_at);
CREATE INDEX records_batch ON {SCHEMA}.records (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE {SCHEMA}.copies (
    source_register text NOT NULL,
    source_id bigint NOT NULL,
    source_hash text NOT NULL,
    record_id bigint NOT NULL UNIQUE REFERENCES {SCHEMA}.records (id),
    PRIMARY KEY (source_register, source_id)
);

CREATE TABLE {SCHEMA}.checkpoints (
    record_count bigint NOT NULL,
    head_hash text NOT NULL,
    verified_at text NOT NULL,
    os_user text NOT NULL,
    host text NOT NULL
);
CREATE INDEX checkpoints_count ON {SCHEMA}.checkpoints (record_count);

CREATE FUNCTION {SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'B12-K audit % are append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

#: Tables no one may change or empty once written (the triggers below; privileges as well).
APPEND_ONLY = ("records", "protocols", "copies", "checkpoints", "meta", "schema_version")


def _triggers() -> str:
    parts = []
    for table in APPEND_ONLY:
        parts.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_change();\n"
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {SCHEMA}.{table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_change();\n"
        )
    return "".join(parts)


#: version -> the SQL that brings a register at that version to version + 1 (run in one
#: transaction, under the chain lock, with the `schema_version` row). Add `N: "..."` per version.
PG_MIGRATIONS: dict[int, str] = {
    0: _V1 + _triggers(),
}

__all__ = [
    "APPEND_ONLY",
    "CHAIN_LOCK_KEY",
    "PG_MIGRATIONS",
    "PG_SCHEMA_VERSION",
    "SCHEMA",
]
