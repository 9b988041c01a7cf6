"""Windows size themselves from the screen: all of the main window on a 1366x768 ward screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize

from desktop_app.widgets.screen_fit import fitted_size

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("preferred", "area", "expected"),
    [
        (QSize(0, 0), QRect(0, 0, 1366, 768), QSize(1256, 706)),  # the whole share
        (QSize(0, 0), QRect(0, 0, 1920, 1080), QSize(1766, 993)),  # a large screen is used
        (QSize(820, 960), QRect(0, 0, 1366, 768), QSize(820, 706)),  # the preview's buttons stay
        (QSize(820, 960), QRect(0, 0, 1920, 1200), QSize(820, 960)),  # never larger than asked
    ],
)
def test_fitted_size(preferred: QSize, area: QRect, expected: QSize) -> None:
    assert fitted_size(preferred, area) == expected


def _inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_whole_window_is_on_the_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    """The plan's right edge and the status bar are on screen (they were off at 1366x768)."""
    width, height = size
    screen = {
        "screens": [
            {
                "name": "ward",
                "x": 0,
                "y": 0,
                "width": width,
                "height": height,
                "logicalDpi": 96,
                "logicalBaseDpi": 96,
                "dpr": 1,
            }
        ]
    }
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(screen), encoding="utf-8")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        B12K_WINDOW_HOOK="tests.widgets.fit_probe:arm",
        PYTHONPATH=str(ROOT),
        B12K_DATA_DIR=str(tmp_path / "data"),
        B12K_CONFIG_DIR=str(tmp_path / "config"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("geometry "))
    seen = json.loads(line.removeprefix("geometry "))
    assert seen["screen"] == [0, 0, width, height]
    for part in ("window", "status", "plan"):
        assert _inside(seen[part], seen["screen"]), (part, seen)
    # A large screen is used, not a fixed small window.
    assert seen["window"][2] >= width * 0.9
