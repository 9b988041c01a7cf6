"""Before Qt starts: can the X11 (xcb) platform load and reach its display? Say why not, in words.

When the xcb platform plugin cannot load one of its system libraries, or cannot connect to the
display, Qt prints "could not load the Qt platform plugin xcb" and aborts the process: nothing
after that can explain it. So the composition root asks first, through the system's own dynamic
loader and libxcb's public C API (``xcb_connect``), and prints the fix instead. Nothing here
imports Qt.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

#: Each shared library that Qt's xcb platform plugin links, with the Debian package that ships it.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
)

Loader = Callable[[str], ctypes.CDLL]


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt will pick its X11 platform: Linux, and xcb asked for or DISPLAY alone set."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":", 1)[0].split(";", 1)[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def missing_libraries(load: Loader = ctypes.CDLL) -> list[tuple[str, str]]:
    """The (library, Debian package) pairs that the dynamic loader cannot open."""
    missing = []
    for soname, package in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            missing.append((soname, package))
    return missing


def display_reachable(display: str, load: Loader = ctypes.CDLL) -> bool:
    """Connect to the X display with libxcb and disconnect; True when the server answered."""
    lib = load("libxcb.so.1")
    connect = lib.xcb_connect
    connect.restype = ctypes.c_void_p
    connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    has_error = lib.xcb_connection_has_error
    has_error.restype = ctypes.c_int
    has_error.argtypes = [ctypes.c_void_p]
    disconnect = lib.xcb_disconnect
    disconnect.restype = None
    disconnect.argtypes = [ctypes.c_void_p]
    conn = connect(display.encode(), None)
    try:
        return bool(conn) and has_error(conn) == 0
    finally:
        if conn:
            disconnect(conn)


def xcb_problem(environ: Mapping[str, str] | None = None, load: Loader = ctypes.CDLL) -> str | None:
    """Why the X11 window cannot open, with the fix; None when it can (or xcb is not used)."""
    env = os.environ if environ is None else environ
    if not uses_xcb(env):
        return None
    missing = missing_libraries(load)
    if missing:
        libs = ", ".join(soname for soname, _ in missing)
        packages = " ".join(package for _, package in missing)
        return (
            "B12-K Planner cannot open its window: the X11 display libraries that Qt needs are "
            f"not installed ({libs}).\n"
            f"Fix: run `bash scripts/setup.sh` as root, or ask an administrator to run\n"
            f"  apt-get install --no-install-recommends {packages}\n"
            "Until then, the headless tools work: bash scripts/run.sh --headless"
        )
    display = env.get("DISPLAY", "")
    if not display_reachable(display, load):
        return (
            f"B12-K Planner cannot open its window: the X display {display or '(unset)'} did "
            "not answer.\n"
            "Fix: check that the desktop session is running and that DISPLAY names it (and, over "
            "ssh, that X forwarding is on: ssh -X). Until then, the headless tools work: "
            "bash scripts/run.sh --headless"
        )
    return None
