"""The real window under a real X server (Xvfb, xcb platform), and the words when it cannot open.

The rest of the GUI tests run on Qt's offscreen platform, which links none of the X11 libraries:
a workstation missing one (libxcb-cursor0, libxcb-icccm4 ...) would pass them all and still not
open the window. This starts the program as a user does, on a 1366x768 virtual screen.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app import display_check

ROOT = Path(__file__).resolve().parents[2]
FIRST_PAINT = "first-paint"  # what the start-up probe prints (benchmarks/startup_probe.py)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux only")


def _app_env(tmp_path: Path, display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        B12K_WINDOW_HOOK="benchmarks.startup_probe:arm",
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        B12K_DATA_DIR=str(tmp_path / "data"),
        B12K_CONFIG_DIR=str(tmp_path / "config"),
        HOME=str(tmp_path),
    )
    return env


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A virtual X server with the ward's 1366x768 screen; yields its DISPLAY."""
    binary = shutil.which("Xvfb")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: scripts/test.sh installs it (B12K_TEST_TOOLS=1)")
        pytest.skip("Xvfb is not installed (scripts/test.sh installs it as root)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            pytest.fail(f"Xvfb did not report a display number (exit {server.poll()})")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_window_paints_on_a_real_x_server(xvfb: str, tmp_path: Path) -> None:
    """SAFE: the program a ward starts (python -m desktop_app) paints its window under xcb."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env=_app_env(tmp_path, xvfb),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(rf"^{FIRST_PAINT} \d+\.\d+", done.stdout, re.MULTILINE), done.stdout
    assert "Could not load the Qt platform plugin" not in done.stderr
    assert "qt.qpa" not in done.stderr, done.stderr


def test_an_unreachable_display_is_explained_in_words(tmp_path: Path) -> None:
    """A DISPLAY with no server behind it: a message with the fix, status 1, no Qt abort."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env=_app_env(tmp_path, ":987"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "the X display :987 did not answer" in done.stderr
    assert "Fix:" in done.stderr
    assert "Qt platform plugin" not in done.stderr


def test_a_missing_xcb_library_names_its_debian_package() -> None:
    def loader(name: str) -> object:
        if name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4"):
            raise OSError(f"{name}: cannot open shared object file")
        return object()

    message = display_check.xcb_problem({"DISPLAY": ":0"}, load=loader)  # type: ignore[arg-type]
    assert message is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in message
    assert "apt-get install --no-install-recommends libxcb-cursor0 libxcb-icccm4" in message


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "xcb:nograb"}, True),
        ({}, False),
    ],
)
def test_which_environments_use_xcb(environ: dict[str, str], expected: bool) -> None:
    assert display_check.uses_xcb(environ, platform="linux") is expected
    assert display_check.uses_xcb(environ, platform="win32") is False


def test_setup_installs_every_library_the_check_names() -> None:
    """The check's fix and scripts/setup.sh must name the same packages."""
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    listed = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", setup)
    assert listed is not None
    packages = set(listed.group(1).split())
    assert {pkg for _, pkg in display_check.XCB_LIBRARIES} <= packages
