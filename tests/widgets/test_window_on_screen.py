"""Fit the screen (issue 17 item 1), driven by the keyboard, on a ward's 1366x768 screen and at
a scale factor of 1.5: every field Tab reaches is shown on the screen, and the print preview's
Print and Close buttons are on the screen, reached with Tab, and Escape closes it.

The window used to be a fixed 1400x900 and the preview a fixed 820x960: on that screen Tab moved
the focus below its visible edge, and Print and Close were off its bottom. The program runs in
a child process on a configured offscreen screen (tests/widgets/screen_probe.py presses the keys).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return w > 0 and h > 0 and x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


def _probe(tmp_path: Path, width: int, height: int, scale: str) -> dict[str, Any]:
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        B12K_WINDOW_HOOK="tests.widgets.screen_probe:arm",
        PYTHONPATH=str(ROOT),
        B12K_DATA_DIR=str(tmp_path / "data"),
        B12K_CONFIG_DIR=str(tmp_path / "config"),
    )
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("probe "))
    result: dict[str, Any] = json.loads(line.removeprefix("probe "))
    return result


@pytest.mark.parametrize("scale", ["", "1.5"], ids=["1366x768", "1366x768-scale-1.5"])
def test_tab_keeps_every_field_and_the_previews_buttons_on_the_screen(
    tmp_path: Path, scale: str
) -> None:
    seen = _probe(tmp_path, 1366, 768, scale)
    screen = seen["screen"]
    assert _inside(seen["window"], screen), seen["window"]
    names = [s["name"] for s in seen["stops"]]
    assert "Hospital number" in names and "Planned discharge date and time" in names
    assert "Plan" in names
    off = [s for s in seen["stops"] if not _inside(s["shown"], screen)]
    assert off == [], f"Tab reached fields not shown on the screen: {off}"
    preview = seen["preview"]
    for part in ("window", "print", "close"):
        assert _inside(preview[part], screen), (part, preview[part], screen)
    assert preview["tab_reaches_print"] and preview["tab_reaches_close"]
    assert preview["closed_by_escape"]
