"""Start-up probe for the benchmarks: load the demo, report the first paint, then quit.

Used only when the environment variable ``B12K_EXIT_AFTER_PAINT`` is set to ``1`` (by
``benchmarks/run.py``). The composition root then loads the demo patient (so the first frame
shows a computed plan), and this module prints ``first-paint <unix time> reportlab=0 pypdf=0``
on standard output when the main window has painted for the first time (with whether the
order-sheet libraries were loaded), and ends the event loop. Nothing here runs
in normal use, and Qt is imported only when the probe is armed.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

ENV = "B12K_EXIT_AFTER_PAINT"
#: What the probe prints, followed by the wall-clock time (seconds since the epoch).
MARK = "first-paint"


def requested(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """True when the benchmarks asked the window to quit after its first paint."""
    env = os.environ if environ is None else environ
    return env.get(ENV) == "1"


def arm(window: Any, app: Any) -> None:
    """Load the demo patient into `window`; print the first-paint time, then quit `app`."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
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
