"""Maintainer tool: the window as a ward user sees it, under Xvfb with the real xcb platform.

    .venv/bin/python tools/screenshot_xvfb.py -o shot.png [--size 1366x768] [--scale 1.5]
        [--wait 4] [--demo] [-- extra arguments for the program]

Starts a virtual X server of the given size, starts the program on it (the demo patient loaded
with --demo), waits, and saves the whole screen (the root window, grabbed by a second Qt client)
as a PNG. Needs Xvfb (scripts/test.sh installs it). Nothing here is used by the program.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRAB = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1])\n"
    "image = app.primaryScreen().grabWindow(0)\n"
    "sys.exit(0 if image.save(sys.argv[1]) else 1)\n"
)
DEMO = (
    "import sys\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtWidgets import QApplication\n"
    "from desktop_app.widgets.main_window import MainWindow\n"
    "qapp = QApplication(sys.argv[:1])\n"
    "def load():\n"
    "    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]\n"
    "    for w in windows:\n"
    "        w.load_demo()\n"
    "    if not windows:  # a slow start: the window is not there yet\n"
    "        QTimer.singleShot(250, load)\n"
    "QTimer.singleShot(500, load)\n"
    "from desktop_app.app import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def main(argv: list[str] | None = None) -> int:
    """Take the screenshot; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", required=True, type=Path)
    parser.add_argument("--size", default="1366x768", help="screen WIDTHxHEIGHT (default 1366x768)")
    parser.add_argument("--scale", default="", help="QT_SCALE_FACTOR for the program, e.g. 1.5")
    parser.add_argument("--wait", type=float, default=4.0, help="seconds before the grab")
    parser.add_argument("--demo", action="store_true", help="load the demo patient")
    parser.add_argument("rest", nargs="*", help="arguments for the program")
    args = parser.parse_args(argv)
    binary = shutil.which("Xvfb")
    if binary is None:
        parser.error("Xvfb is not installed (bash scripts/test.sh installs it as root)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [
            binary,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{args.size}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = ":" + pipe.readline().strip()
    home = Path(tempfile.mkdtemp(prefix="b12k-shot-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        HOME=str(home),
        B12K_DATA_DIR=str(home / "data"),
        B12K_CONFIG_DIR=str(home / "config"),
    )
    app_env = dict(env, QT_SCALE_FACTOR=args.scale) if args.scale else env
    code = (
        DEMO
        if args.demo
        else "import sys\nfrom desktop_app.app import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    program = subprocess.Popen([sys.executable, "-c", code, *args.rest], env=app_env)
    try:
        time.sleep(args.wait)
        grabbed = subprocess.run(
            [sys.executable, "-c", GRAB, str(args.output)], env=env, check=False
        )
        if grabbed.returncode != 0:
            print("the screen could not be grabbed", file=sys.stderr)
            return 1
        print(f"screenshot written: {args.output} ({args.size}, display {display})")
        return 0
    finally:
        program.terminate()
        program.wait(timeout=10)
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
