"""Window hook for tests/widgets/test_screen_fit.py: after the first paint, print where the
window, its status bar and its plan view lie against the screen's free area, then quit."""

from __future__ import annotations

import json
from typing import Any


def arm(window: Any, app: Any) -> None:
    """Report the geometry once the demo-filled window has painted."""
    from PySide6.QtCore import QEvent, QObject, QPoint, QTimer

    def rect(widget: Any) -> list[int]:
        top_left = widget.mapToGlobal(QPoint(0, 0))
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]

    class _Report(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, self._report)
            return False

        def _report(self) -> None:
            area = window.screen().availableGeometry()
            print(
                "geometry "
                + json.dumps(
                    {
                        "screen": [area.x(), area.y(), area.width(), area.height()],
                        "window": rect(window),
                        "status": rect(window.statusBar()),
                        "plan": rect(window.plan_view),
                    }
                ),
                flush=True,
            )
            app.quit()

    window.load_demo()
    window.installEventFilter(_Report(window))
