"""Fixtures for the audit register tests: the demo plan, its protocol bytes, a register per test."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.audit.issue import load_protocol_with_bytes
from desktop_app.audit.register import AUDIT_DB_ENV, DATA_DIR_ENV, Register
from desktop_app.demo import demo_inputs
from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.protocols import default_protocol_path

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

#: An override the demo plan accepts without a second confirmation.
EXTRA_DRAW = {
    "target": "draw",
    "action": "add",
    "new_hours": 30,
    "tests": ["potassium", "magnesium", "phosphate"],
    "reason": "Extra check before the weekend",
    "prescriber": "Dr A. Okafor (DEMO)",
}


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user data folder."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(AUDIT_DB_ENV, raising=False)


@pytest.fixture(scope="session")
def protocol() -> tuple[LoadedProtocol, bytes]:
    return load_protocol_with_bytes(default_protocol_path())


@pytest.fixture(scope="session")
def demo(protocol: tuple[LoadedProtocol, bytes]) -> tuple[Plan, PlanInputs]:
    inputs = demo_inputs()
    return evaluate(protocol[0], inputs, now=NOW), inputs


def with_override(inputs: PlanInputs) -> PlanInputs:
    data = inputs.model_dump(mode="json")
    data["overrides"] = [EXTRA_DRAW]
    return PlanInputs.model_validate(data)


class Ticker:
    """A clock that advances one minute per reading (recording times are then predictable)."""

    def __init__(self, start: datetime = NOW) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "register" / "audit.sqlite3"


@pytest.fixture
def register(db: Path) -> Iterator[Register]:
    yield Register(db, clock=Ticker())


# ----- the PostgreSQL backend ----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A throwaway PostgreSQL cluster for this test session; skips (with why) when unavailable."""
    from tests.audit import pg_server as pg

    try:
        server = pg.start()
    except pg.Unavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL backend cannot be tested under CI: {exc} (scripts/test.sh installs "
                "PostgreSQL and the 'postgres' extra)"
            )
        pytest.skip(f"PostgreSQL backend not tested: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_target(pg_server: object) -> str:
    """A new database set up by the site's SQL and migrated as the admin role; returns the
    workstation role's connection string."""
    from desktop_app.audit.pg import PgRegister

    name = pg_server.new_database()  # type: ignore[attr-defined]
    PgRegister(pg_server.conninfo("b12k_admin", name))  # type: ignore[attr-defined]
    return str(pg_server.conninfo("b12k_workstation", name))  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """The register of a test, once per backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "register" / "audit.sqlite3"
    return str(request.getfixturevalue("pg_target"))


@pytest.fixture
def any_register(target: str | Path) -> object:
    """An open register of either backend, with the predictable clock."""
    from desktop_app.audit.backend import open_register

    return open_register(target, clock=Ticker())


#: The triggers that keep the SQLite register append-only (dropped by `admin_sql`).
SQLITE_TRIGGERS = (
    "records_no_update",
    "records_no_delete",
    "protocols_no_update",
    "protocols_no_delete",
)


def run_as_admin(target: str | Path, *statements: str | tuple[str, tuple[object, ...]]) -> list:
    """Run SQL as someone with full rights over the register would, its append-only triggers
    off: on SQLite the triggers dropped from the file, on PostgreSQL as the superuser with
    `session_replication_role = replica`. Statements name tables unqualified and use `?`
    placeholders; returns the rows of the last one."""
    rows: list = []
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        try:
            for name in SQLITE_TRIGGERS:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            for item in statements:
                sql, params = (item, ()) if isinstance(item, str) else item
                rows = conn.execute(sql, params).fetchall()
            conn.commit()
        finally:
            conn.close()
        return rows
    import psycopg

    with psycopg.connect(target.replace("user=b12k_workstation", "user=b12k_super")) as pg:
        pg.execute("SET session_replication_role = replica")
        pg.execute("SET search_path = b12k_audit")
        for item in statements:
            sql, params = (item, ()) if isinstance(item, str) else item
            cur = pg.execute(sql.replace("?", "%s").encode(), params)
            rows = cur.fetchall() if cur.description else []
    return rows


@pytest.fixture
def admin_sql(target: str | Path) -> Callable[..., list]:
    """`run_as_admin` on this test's register (either backend)."""
    return lambda *statements: run_as_admin(target, *statements)
