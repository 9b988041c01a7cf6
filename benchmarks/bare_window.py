"""The limits for cold start: a bare PySide6 window with a 15-field form, quit after first paint.

With ``--floor`` it is the stack's floor of issue 18: before the window it also imports pydantic
and validates a protocol-sized model (one small model per rule of the shipped protocol file, read
as plain JSON), which any program on this stack pays. It imports nothing of B12-K Planner.

Prints ``first-paint <unix time>`` like the application's start-up probe
(``benchmarks/startup_probe.py``), so both are timed the same way.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

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


PROTOCOL = Path(__file__).resolve().parents[1] / "resources" / "protocols" / "uk-default.json"


def _rules(node: Any) -> list[dict[str, Any]]:
    """Every object with an "id" in the protocol file: as many models as the protocol has rules."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            found.append(node)
        for value in node.values():
            found.extend(_rules(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_rules(value))
    return found


def validate_protocol_sized_model() -> int:
    from pydantic import BaseModel, ConfigDict, TypeAdapter

    class Rule(BaseModel):
        model_config = ConfigDict(extra="allow", frozen=True)
        id: str
        source: str | None = None
        local_policy: bool = False

    rules = _rules(json.loads(PROTOCOL.read_text(encoding="utf-8")))
    return len(TypeAdapter(list[Rule]).validate_python(rules))


def main() -> int:
    if "--floor" in sys.argv[1:]:
        validate_protocol_sized_model()
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
