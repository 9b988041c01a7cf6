"""What an SQLite register file's own header says about its length (issue 16's truncation check).

An SQLite file is a whole number of pages, and its header records how many pages it holds
(https://www.sqlite.org/fileformat2.html, "The Database Header"). A register cut short loses
its last pages; SQLite then reads the missing pages as zeros, and a cut that only takes unused
space at the end reads back every record. The header still tells: the file is shorter than it
says, or not a whole number of pages. Only a closed register is checked this way: while a writer
holds its write-ahead log open, a checkpoint may be growing the file page by page.
"""

from __future__ import annotations

from pathlib import Path

MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100


def shortfall(path: Path) -> tuple[int, int] | None:
    """Return (actual size, size the header gives) when the closed file is cut short, else None.

    None also when the file is not an SQLite file (the register's own open says so), when its
    header gives no valid page count, or when a write-ahead log beside it is in use.
    """
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        return None
    raw_page = int.from_bytes(header[16:18], "big")
    page_size = 65536 if raw_page == 1 else raw_page
    if page_size < 512 or page_size & (page_size - 1):
        return None
    change_counter = header[24:28]
    pages = int.from_bytes(header[28:32], "big")
    valid_for = header[92:96]
    expected = pages * page_size if pages and change_counter == valid_for else None
    if expected is not None and size < expected:
        return size, expected
    if size % page_size:
        return size, (size // page_size + 1) * page_size
    return None
