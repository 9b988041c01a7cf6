"""The limit for cold start: a bare PySide6 window with a 15-field form, quit after first paint.

Prints ``first-paint <unix time>`` like the application's start-up probe
(``benchmarks/startup_probe.py``), so both are timed the same way.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QFormLayout, QLineEdit, QWidget

FIELDS = 15


class FirstPaint(QObject):
    """Print the time of the first paint of the watched window, then quit."""

    done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, self.report)
        return False

    def report(self) -> None:
        print(f"first-paint {time.time():.6f}", flush=True)
        QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv)
    window = QWidget()
    window.setWindowTitle("Bare form")
    form = QFormLayout(window)
    for i in range(FIELDS):
        form.addRow(f"Field {i + 1}", QLineEdit())
    probe = FirstPaint(window)
    window.installEventFilter(probe)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
