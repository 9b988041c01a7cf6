"""Start-up probe for the benchmarks: load the demo, report the first paint, then quit.

Not part of the application. ``benchmarks/run.py`` starts ``python -m desktop_app`` with
``B12K_WINDOW_HOOK=benchmarks.startup_probe:arm`` (the composition root's developer hook, see
``desktop_app/app.py``); the root then calls `arm` with the window and the application before
showing the window. `arm` loads the demo patient (so the first frame shows a computed plan), and
prints ``first-paint <unix time> reportlab=0 pypdf=0`` on standard output when the main window
has painted for the first time (with whether the order-sheet libraries were loaded), then ends
the event loop.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: The value of B12K_WINDOW_HOOK that arms this probe.
HOOK = "benchmarks.startup_probe:arm"
#: What the probe prints, followed by the wall-clock time (seconds since the epoch).
MARK = "first-paint"


def arm(window: Any, app: Any) -> None:
    """Load the demo patient into `window`; print the first-paint time, then quit `app`."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                # Queued: the rest of this paint pass (every child widget) runs first.
                QTimer.singleShot(0, self._report)
            return False

        def _report(self) -> None:
            # Also says whether the order-sheet libraries were loaded (they should load lazily).
            lazy = " ".join(f"{m}={int(m in sys.modules)}" for m in ("reportlab", "pypdf"))
            print(f"{MARK} {time.time():.6f} {lazy}", flush=True)
            app.quit()

    window.load_demo()
    probe = _FirstPaint(window)
    window.installEventFilter(probe)  # the window owns the probe (its Qt parent)
