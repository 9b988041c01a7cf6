"""Start check for an installed workstation: open the window, say when it has painted, close it.

Run the window with ``B12K_WINDOW_HOOK=desktop_app.widgets.start_check:arm`` (the composition
root's hook, see ``desktop_app/app.py``): once the main window has painted for the first time,
this prints ``window painted`` on standard output and ends the program with status 0. A site uses
it to check a new install or build (the test command does, for the one-folder build) without
anyone at the screen.
"""

from __future__ import annotations

from typing import Any

#: What is printed once the window has painted.
MARK = "window painted"


def arm(window: Any, app: Any) -> None:
    """Print MARK after the first paint of `window`, then quit `app`."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _FirstPaint(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, self._report)  # after the rest of this paint pass
            return False

        def _report(self) -> None:
            print(MARK, flush=True)
            app.quit()

    window.installEventFilter(_FirstPaint(window))  # the window owns the filter (Qt parent)
