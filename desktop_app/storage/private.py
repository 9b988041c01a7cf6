"""Folders and files that hold patient data: open to their owner only (issue 16 item 7).

The data, config and autosave folders are created 0700; the drafts, preferences, logs and the
audit register 0600, whatever the umask, so on a shared terminal server no other account can
read a name or a result. Files saved where the user chooses (sheets, plan files, exports) are
not private: they follow `atomic_write_bytes`'s rule (the replaced file's mode, or the umask).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: Owner may list, enter and change the folder; nobody else may.
PRIVATE_DIR_MODE = 0o700
#: Owner may read and write the file; nobody else may.
PRIVATE_FILE_MODE = 0o600


def private_dir(folder: Path) -> Path:
    """Return `folder`, creating it (and missing parents) with mode 0700 when it does not exist.

    Parents the program creates on the way get the umask's mode, as any program's would; a
    folder that already exists keeps its mode (it may be one the user chose to share).

    Raises:
        OSError: the folder cannot be created.
    """
    folder = Path(folder)
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=PRIVATE_DIR_MODE)
            os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is narrowed by the umask only
    return folder


def private_file(path: Path) -> Path:
    """Make sure `path` exists with mode 0600 (created empty, or narrowed if it was wider).

    Used for files appended to by others (the log handler), which then open an existing
    private file instead of creating one with the umask's mode.

    Raises:
        OSError: the file cannot be created or its mode changed.
    """
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path


def private_rotator(source: str, dest: str) -> None:
    """A `logging.handlers.RotatingFileHandler.rotator` whose new log file is private too."""
    os.replace(source, dest)
    private_file(Path(source))


__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "private_dir",
    "private_file",
    "private_rotator",
]
