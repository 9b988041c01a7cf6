"""Which register a setting names, and opening it: an SQLite file or a PostgreSQL database.

A register target is either a file path (the embedded SQLite register) or a libpq connection
string (`postgresql://...`, `postgres://...`, or `key=value` words such as `service=b12k` or
`host=db1 dbname=b12k_audit`) for the shared register on PostgreSQL.

Where the register is, first found wins: the explicit `--db` / `--audit-db` (or the GUI's own),
`$B12K_AUDIT_DB`, the preference `audit_db` (preferences.json), else `audit.sqlite3` in the user
data folder.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Union

from desktop_app.audit.errors import AuditError

if TYPE_CHECKING:
    from desktop_app.audit.pg import PgRegister
    from desktop_app.audit.register import Register

    AnyRegister = Union[Register, PgRegister]  # noqa: UP007 - a runtime-free alias

#: A register: a file, a connection string, or an opened register (None: the default).
Target = Union[str, Path, None]  # noqa: UP007

_KEYWORD = re.compile(r"^\s*[a-z_]+\s*=")


def is_server_target(target: object) -> bool:
    """True when `target` is a PostgreSQL connection string rather than a file path."""
    if not isinstance(target, str):
        return False
    text = target.strip()
    return text.startswith(("postgresql://", "postgres://")) or bool(_KEYWORD.match(text))


#: `password=...` in key=value words (quoted with '...' and backslash escapes, or a bare word).
_PASSWORD_WORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
#: The password of a URI: `scheme://user:PASSWORD@host`.
_URI_PASSWORD = re.compile(r"^(\s*postgres(?:ql)?://[^:/?#@]*:)([^@/?#]*)(@)", re.IGNORECASE)
#: `password=` as a URI query parameter.
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)


def names_password(target: str) -> bool:
    """True when a register setting holds a password (it must be in a service or pgpass file)."""
    if not is_server_target(target):
        return False
    return bool(
        _URI_PASSWORD.search(target)
        or _QUERY_PASSWORD.search(target)
        or (not target.strip().lower().startswith("postgres") and _PASSWORD_WORD.search(target))
    )


def redacted(target: str | Path) -> str:
    """Return a register setting fit to show: any password replaced by `***`."""
    text = str(target)
    if not is_server_target(text):
        return text
    if text.strip().lower().startswith("postgres"):
        return _QUERY_PASSWORD.sub(r"\1***", _URI_PASSWORD.sub(r"\1***\3", text))
    return _PASSWORD_WORD.sub(r"\1***", text)


def default_target() -> str | Path:
    """Return the register named by $B12K_AUDIT_DB, else the preference, else the local file."""
    from desktop_app.audit.register import AUDIT_DB_ENV, default_register_path

    explicit = os.environ.get(AUDIT_DB_ENV)
    if explicit:
        return explicit if is_server_target(explicit) else Path(explicit)
    chosen = _preferred()
    if chosen:
        return chosen if is_server_target(chosen) else Path(chosen)
    return default_register_path()


def _preferred() -> str:
    """The `audit_db` preference, read without the preferences model (keeps commands light)."""
    from desktop_app.storage.paths import config_dir

    try:
        raw = json.loads((config_dir() / "preferences.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    value = raw.get("audit_db") if isinstance(raw, dict) else None
    return value.strip() if isinstance(value, str) else ""


def resolve(target: Target) -> str | Path:
    """Return the target given, or the default one when it is None or empty."""
    if target is None or (isinstance(target, str) and not target.strip()):
        return default_target()
    if isinstance(target, Path) or is_server_target(target):
        return target
    return Path(target)


def open_register(
    target: Target = None,
    *,
    create: bool = True,
    timeout: float | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AnyRegister:
    """Open the register a target names (see `resolve`).

    Raises:
        AuditError: it cannot be opened; for PostgreSQL without the `postgres` extra installed,
            the message says how to install it.
    """
    where = resolve(target)
    extra = {} if timeout is None else {"timeout": timeout}
    if isinstance(where, str):
        try:
            from desktop_app.audit.pg import PgRegister
        except ImportError as exc:
            raise AuditError(
                "The audit register is set to a PostgreSQL server, but this installation has no "
                "PostgreSQL support (psycopg). Install the 'postgres' extra "
                "(pip install 'b12k-planner[postgres]') or ask IT."
            ) from exc
        return PgRegister(where, create=create, clock=clock, **extra)
    from desktop_app.audit.register import Register

    return Register(where, create=create, clock=clock, **extra)


__all__ = [
    "Target",
    "default_target",
    "is_server_target",
    "names_password",
    "open_register",
    "redacted",
    "resolve",
]
