"""Window hook for tests/widgets/test_window_on_screen.py, run on a configured small screen.

After the first paint, with the demo loaded: press Tab from the input tab bar round every stop
and note where each focused widget is shown; then open the print preview of the demo's sheet,
note where its Print and Close buttons are, press Tab through it and Escape. Prints one
"probe {json}" line (every rectangle in screen coordinates) and quits.
"""

from __future__ import annotations

import json
from typing import Any


def arm(window: Any, app: Any) -> None:
    """Report what Tab reaches, and where, once the demo-filled window has painted."""
    from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from desktop_app.report import render_order_sheet
    from desktop_app.widgets.print_preview import PrintPreviewDialog

    def shown(widget: Any) -> list[int]:
        """The part of the widget its window shows, in screen coordinates."""
        part = widget.visibleRegion().boundingRect()
        corner = widget.mapToGlobal(part.topLeft())
        return [corner.x(), corner.y(), part.width(), part.height()]

    def whole(widget: Any) -> list[int]:
        rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
        return [rect.x(), rect.y(), rect.width(), rect.height()]

    def tab_round(first: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        first.setFocus()
        QApplication.processEvents()
        stops: list[Any] = []
        out = []
        for _ in range(300):
            focused = QApplication.focusWidget()
            if focused is None or any(focused is s for s in stops):
                break
            stops.append(focused)
            out.append({"name": focused.accessibleName(), "shown": shown(focused)})
            QTest.keyClick(focused, Qt.Key.Key_Tab)
            QApplication.processEvents()
        return stops, out

    def preview() -> dict[str, Any]:
        plan = window.current_plan()
        dialog = PrintPreviewDialog(render_order_sheet(plan), "probe", window)
        dialog.show()
        QTest.qWaitForWindowExposed(dialog)
        dialog.activateWindow()
        QApplication.processEvents()
        box = dialog.findChild(QDialogButtonBox)
        close = box.button(QDialogButtonBox.StandardButton.Close)
        reached, _ = tab_round(dialog.view)
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
        QApplication.processEvents()
        return {
            "window": whole(dialog),
            "print": whole(dialog.print_button),
            "close": whole(close),
            "tab_reaches_print": any(w is dialog.print_button for w in reached),
            "tab_reaches_close": any(w is close for w in reached),
            "closed_by_escape": not dialog.isVisible(),
        }

    class _Report(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, self._report)
            return False

        def _report(self) -> None:
            window.activateWindow()
            QApplication.processEvents()
            area = window.screen().availableGeometry()
            window.form.setCurrentWidget(window.form.baseline_scroll)
            report = {
                "screen": [area.x(), area.y(), area.width(), area.height()],
                "window": whole(window),
                "stops": tab_round(window.form.tabBar())[1],
                "preview": preview(),
            }
            print("probe " + json.dumps(report), flush=True)
            app.quit()

    window.load_demo()
    window.installEventFilter(_Report(window))
