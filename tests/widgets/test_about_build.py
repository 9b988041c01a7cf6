"""The About box names the build that runs (storage/build_info.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desktop_app import __version__
from desktop_app.storage import build_info
from tests.widgets.conftest import Alerts


def test_the_about_box_names_the_build(
    make_window: Callable[..., Any], fake_alerts: Alerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    window.about()
    assert "not a build" in fake_alerts.infos[-1][1]
    monkeypatch.setattr(build_info, "current", lambda: build_info.BuildInfo(__version__, "cd" * 32))
    window.about()
    assert f"one-folder build sha256 {'cd' * 32}" in fake_alerts.infos[-1][1]
