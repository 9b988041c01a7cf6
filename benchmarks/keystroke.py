"""Keystroke to updated plan view, in the real window started by the real composition root.

Run by ``benchmarks/run.py`` in its own process (offscreen). The application starts through
``desktop_app.app.main`` with the window hook ``B12K_WINDOW_HOOK=__main__:arm`` (set by
``benchmarks/run.py``): the composition root calls this script's `arm`, which loads the demo
plan and then types into
the potassium value field with ``QTest.keyClick`` (alternately Backspace and "4": 3.4, 3., 3.4,
...; each keystroke makes a new valid plan), and times each keystroke until the plan view has
both taken the new plan and painted it. Prints one JSON line: ``{"keystroke_ms": [...]}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

KEYS = 200


def _find_potassium_field(window: Any) -> Any:
    from PySide6.QtWidgets import QLineEdit

    for edit in window.findChildren(QLineEdit):
        if edit.accessibleName().lower() == "potassium value":
            return edit
    raise SystemExit("keystroke benchmark: no field named 'Potassium value' in the window")


def _run(window: Any, app: Any, keys: int) -> None:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest

    view = window.plan_view
    state: dict[str, Any] = {"old": None, "painted": False}

    class PaintWatch(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and view.current_plan() is not state["old"]:
                state["painted"] = True
            return False

    watch = PaintWatch(view)
    for target in (view.viewport(), view.widget()):
        target.installEventFilter(watch)
    field = _find_potassium_field(window)
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_End)
    if not field.text().endswith("4"):
        raise SystemExit(f"keystroke benchmark: potassium field holds {field.text()!r}, not 3.4")
    for _ in range(10):
        app.processEvents()
    times: list[float] = []
    stuck = 0
    for i in range(keys):
        state["old"] = view.current_plan()
        state["painted"] = False
        key = Qt.Key.Key_Backspace if i % 2 == 0 else Qt.Key.Key_4
        started = time.perf_counter()
        QTest.keyClick(field, key)
        deadline = started + 2.0
        while not state["painted"]:
            app.processEvents()
            if time.perf_counter() > deadline:
                stuck += 1
                break
        times.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"keystroke_ms": times, "no_paint": stuck}), flush=True)
    app.quit()


def arm(window: Any, app: Any) -> None:
    """The window hook: load the demo plan, then run the keystroke loop."""
    from PySide6.QtCore import QTimer

    keys = int(sys.argv[1]) if len(sys.argv) > 1 else KEYS
    window.load_demo()
    QTimer.singleShot(50, lambda: _run(window, app, keys))


def main() -> int:
    """Start the application; the composition root calls `arm` through B12K_WINDOW_HOOK."""
    os.environ.setdefault("B12K_WINDOW_HOOK", "__main__:arm")
    from desktop_app.app import main as app_main

    return app_main([sys.argv[0]])


if __name__ == "__main__":
    sys.exit(main())
