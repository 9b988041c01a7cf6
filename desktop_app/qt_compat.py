"""Work-around for a PySide6 6.12 reference-count bug on Python 3.11. Qt-free; import first.

PySide6 6.12 (shiboken6 6.12) returns `None` from every C++ method that returns `void` without
taking a reference to it. On Python 3.12 and later `None` is immortal (PEP 683), so the slip is
harmless; on Python 3.11 each such call (setText, setVisible, setChecked, ...) lowers None's
reference count by one, and after a few thousand calls the interpreter aborts with
"Fatal Python error: none_dealloc: deallocating None". A window that is typed into for a minute
makes that many calls.

`guard_none_refcount()` gives None a reference count so large that no session can use it up,
which is what Python 3.12 does for every immortal object. `None` is a static object that is
never freed, so this changes nothing else. Remove this module when the project requires
Python 3.12 or a PySide6 that takes the reference.
"""

from __future__ import annotations

import ctypes
import sys

#: Added to None's reference count on Python < 3.12 (far more than any session's void calls,
#: far below the counter's limit).
_BANK = 1 << 48


def guard_none_refcount() -> bool:
    """Make None effectively immortal on Python < 3.12; return True when the guard was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if sys.getrefcount(None) > _BANK:
        return False  # already applied
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    refcnt.value += _BANK
    return True
