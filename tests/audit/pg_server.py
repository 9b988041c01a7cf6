"""A throwaway PostgreSQL cluster for the register tests (initdb and pg_ctl in a temporary folder).

Runs as an unprivileged user when the tests run as root (CI does): `runuser -u nobody`, since the
server refuses to start as root. The server listens only on a unix socket in the temporary folder,
under a random port number, with `trust` authentication; it is stopped and deleted at the end.
`start()` raises `Unavailable` with the reason when there is no PostgreSQL to start.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import random
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "b12k_super"
UNPRIVILEGED = "nobody"
SITE_SQL = Path(__file__).resolve().parents[2] / "resources" / "sql" / "postgres_site.sql"


class Unavailable(Exception):
    """PostgreSQL cannot be started here; the message says why (the tests then skip)."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    preferred = [f for f in found if "/15/" in f] or found
    if preferred:
        return Path(preferred[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable(
        "PostgreSQL is not installed (no initdb): scripts/setup.sh installs it with "
        "B12K_TEST_TOOLS=1"
    )


@dataclass
class Server:
    """A running cluster: where its socket is, and how to connect as whom."""

    root: Path
    port: int
    bin_dir: Path
    as_user: list[str]

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def conninfo(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def new_database(self) -> str:
        """Create a database set up by the site's SQL; return its name (migrated by the caller)."""
        import psycopg

        name = f"b12k_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
        with psycopg.connect(self.conninfo(dbname=name), autocommit=True) as conn:
            conn.execute(SITE_SQL.read_bytes())
        return name

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    """Start a cluster; raise `Unavailable` when that is not possible here."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"psycopg is not installed (the 'postgres' extra): {exc}") from exc
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="b12k-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable("running as root and there is no runuser to drop to 'nobody'")
        entry = pwd.getpwnam(UNPRIVILEGED)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = [runuser, "-u", UNPRIVILEGED, "--"]
    (root / "sock").mkdir()
    if as_user:
        os.chown(root / "sock", entry.pw_uid, entry.pw_gid)
    port = random.randint(20000, 60000)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    steps = [
        [
            str(bin_dir / "initdb"),
            "-D",
            str(root / "data"),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ],
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {root / 'sock'} -p {port} -c listen_addresses='' -c fsync=off "
            "-c max_connections=60",
            "start",
        ],
    ]
    for step in steps:
        try:
            done = subprocess.run(
                [*as_user, *step],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
                cwd=root,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable(f"{Path(step[0]).name} could not run: {exc}") from exc
        if done.returncode != 0:
            log = ""
            with contextlib.suppress(OSError):
                log = (root / "server.log").read_text()[-500:]
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable(
                f"{Path(step[0]).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]} {log}"
            )
    return Server(root, port, bin_dir, as_user)
