"""Atomic file writes: temporary file in the same folder, flush, fsync, rename."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from desktop_app.logic.errors import PlanFileError
from desktop_app.storage.private import PRIVATE_FILE_MODE

#: A new file's mode before the umask narrows it, as for any editor's new file (0644 with 022).
_NEW_FILE_MODE = 0o666


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
        return (
            f"Cannot write {path.name}: the folder {folder} does not exist. Choose another folder."
        )
    return f"Cannot write {path.name} in {folder}: {exc.strerror or exc}."


def _create_temp(path: Path, mode: int) -> tuple[int, str]:
    """Create a new temporary file beside `path`; the kernel applies the umask to `mode`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(name, flags, mode), name
        except FileExistsError:  # pragma: no cover - a 48-bit random name already taken
            continue


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write `data` to `path` so that the file is either the old one or the new one, never a mix.

    The file's mode: 0600 when `private` (patient data in the program's own folders); otherwise
    the mode of the file it replaces, or for a new file what the user's umask gives.

    Raises:
        PlanFileError: with a message that says what to do (read-only folder, full disk...).
    """
    path = Path(path)
    tmp_name: str | None = None
    try:
        fd, tmp_name = _create_temp(path, PRIVATE_FILE_MODE if private else _NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            if private:
                os.fchmod(fh.fileno(), PRIVATE_FILE_MODE)
            else:
                with contextlib.suppress(OSError):  # no file to replace: the umask's mode stays
                    os.fchmod(fh.fileno(), stat.S_IMODE(path.stat().st_mode))
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
