"""Atomic file writes: temporary file in the same folder, flush, fsync, rename."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from desktop_app.logic.errors import PlanFileError

#: Permissions of a newly written file (owner read/write, others read), like an ordinary save.
_NEW_FILE_MODE = 0o644


def _explain(path: Path, exc: OSError) -> str:
    folder = path.parent
    if isinstance(exc, PermissionError):
        return (
            f"Cannot write {path.name}: the folder {folder} is read-only or you lack permission. "
            "Choose another folder."
        )
    if exc.errno == errno.ENOSPC:
        return f"Cannot write {path.name}: the disk holding {folder} is full. Free space or choose another folder."
    if isinstance(exc, FileNotFoundError):
        return f"Cannot write {path.name}: the folder {folder} does not exist. Choose another folder."
    return f"Cannot write {path.name} in {folder}: {exc.strerror or exc}."


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the file is either the old one or the new one, never a mix.

    Raises:
        PlanFileError: with a message that says what to do (read-only folder, full disk...).
    """
    path = Path(path)
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        # mkstemp makes the file private (0600); keep the mode of the file being replaced, or give
        # a new file the usual permissions, so a shared pharmacy folder can read it.
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = _NEW_FILE_MODE
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise PlanFileError(_explain(path, exc)) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
