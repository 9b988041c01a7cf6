"""Whether a closed SQLite register file is shorter than SQLite says it is (issue 16).

An SQLite file is a whole number of pages, and its header records how many pages it holds
(https://www.sqlite.org/fileformat2.html, "The Database Header"). A register cut short loses
its last pages; SQLite then reads the missing pages as zeros, and a cut that only takes unused
space at the end reads back every record. SQLite's own page count still tells: the file is
shorter than that, or not a whole number of pages.

Only `os.stat` is used here, never `open()`: closing any descriptor of a database file drops
every POSIX lock the process holds on it, SQLite's write lock included (the SQLite
documentation, "How To Corrupt An SQLite Database File", section 2.2). The page size and count
come from the caller's own connection (`PRAGMA page_size`, `PRAGMA page_count`). While the
write-ahead log holds frames, the file may lag the page count by design, so no check is made.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def shortfall(path: Path, page_size: int, page_count: int) -> tuple[int, int] | None:
    """Return (actual size, size SQLite gives) when the file is cut short, else None."""
    wal = path.with_name(path.name + "-wal")
    try:
        if wal.exists() and os.stat(wal).st_size > 0:
            return None
        size = os.stat(path).st_size
    except OSError:
        return None
    if page_size < 512:
        return None
    expected = page_size * page_count
    if size < expected:
        return size, expected
    if size % page_size:
        return size, (size // page_size + 1) * page_size
    return None


def shortfall_of(conn: sqlite3.Connection, path: Path) -> tuple[int, int] | None:
    """`shortfall` with the page size and count read through the caller's connection."""
    try:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
    except sqlite3.DatabaseError:
        return None  # SQLite finds this damage itself: the caller's own checks report it
    return shortfall(path, page_size, page_count)
