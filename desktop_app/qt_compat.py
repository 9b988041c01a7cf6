"""Refuse a Qt binding known to abort this Python, with words instead of a crash. Qt-free.

PySide6 6.12.0 (shiboken6 6.12.0) returns `None` from every C++ method that returns `void`
without taking a reference to it. On Python 3.12 and later `None` is immortal (PEP 683) and this
is harmless; on Python 3.11 each such call (setText, setVisible, ...) lowers None's reference
count, and after a few thousand calls the interpreter aborts with "Fatal Python error:
none_dealloc: deallocating None". The project therefore pins PySide6 6.11.3 (README, "Qt
version"); this check only catches an environment installed before that pin.
"""

from __future__ import annotations

import sys

#: (PySide6 version, first Python it is safe on): releases seen dropping None's reference.
UNSAFE_ON_OLDER_PYTHON: tuple[tuple[tuple[int, int, int], tuple[int, int]], ...] = (
    ((6, 12, 0), (3, 12)),
)


def unsafe_qt_message(
    pyside: tuple[int, int, int], python: tuple[int, int] | None = None
) -> str | None:
    """Return why this PySide6 cannot run on this Python, or None when it can."""
    running = python if python is not None else (sys.version_info[0], sys.version_info[1])
    for version, first_safe in UNSAFE_ON_OLDER_PYTHON:
        if pyside == version and running < first_safe:
            shown = ".".join(map(str, version))
            return (
                f"PySide6 {shown} cannot run on Python {running[0]}.{running[1]}: it aborts the "
                f"program after a few thousand screen updates. Run `bash scripts/setup.sh` to "
                f"install the pinned PySide6 (requirements.lock), or use Python "
                f"{first_safe[0]}.{first_safe[1]} or newer."
            )
    return None


def installed_pyside() -> tuple[int, int, int]:
    """Return the installed PySide6 version (imports the PySide6 package, not its Qt modules)."""
    import PySide6

    major, minor, patch = (int(part) for part in PySide6.__version_info__[:3])
    return (major, minor, patch)
