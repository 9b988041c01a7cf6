"""Reading a whole file with a message for each way it can fail (shared by every file reader)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.logic.errors import B12KError


def read_file_bytes(path: Path, kind: str, error: type[B12KError]) -> bytes:
    """Return the bytes of `path`, or raise `error` saying what went wrong ("... not a {kind}")."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not a {kind}.") from None
    except OSError as exc:
        raise error(f"Cannot read {path}: {exc.strerror or exc}.") from None
