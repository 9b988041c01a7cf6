"""The non-modal message bar: warnings and notes that need no action, each also logged."""

from __future__ import annotations

import logging
from typing import Literal

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.logic.models import Patient
from desktop_app.logic.privacy import for_log
from desktop_app.widgets.style import set_sheet

_log = logging.getLogger(__name__)

Level = Literal["info", "warning", "error"]
_WORD = {"info": "Note", "warning": "Warning", "error": "Error"}
_LOG_LEVEL = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _Message(QFrame):
    def __init__(self, level: Level, text: str, key: str, bar: MessageBar) -> None:
        super().__init__()
        self.key = key
        self.setProperty("level", level)
        set_sheet(self, "message")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        self.label = QLabel(f"<b>{_WORD[level]}:</b> {text}")
        self.label.setWordWrap(True)
        self.label.setAccessibleName(f"{_WORD[level]}: {text}")
        close = QPushButton("Dismiss")
        close.setAccessibleName(f"Dismiss: {text}")
        close.clicked.connect(lambda: bar.dismiss(self.key))
        row.addWidget(self.label, 1)
        row.addWidget(close)


class MessageBar(QWidget):
    """Stacked messages under the menu; a message with the same key replaces the older one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._messages: dict[str, _Message] = {}
        self._patient = Patient()
        self.hide()

    def set_patient(self, patient: Patient) -> None:
        """Name the patient on screen, whose name and identifier the log lines then mask."""
        self._patient = patient

    def show_message(self, level: Level, text: str, replace_key: str = "") -> None:
        """Show (and log) a message; an older message with the same `replace_key` goes away."""
        _log.log(_LOG_LEVEL[level], "message shown: %s", for_log(text, self._patient))
        key = replace_key or f"_{len(self._messages)}_{text}"
        self.dismiss(key)
        message = _Message(level, text, key, self)
        self._messages[key] = message
        self._column.addWidget(message)
        self.show()

    @Slot(str)
    def dismiss(self, key: str) -> None:
        """Remove the message with this key (if shown)."""
        old = self._messages.pop(key, None)
        if old is not None:
            old.hide()
            old.deleteLater()
        self.setVisible(bool(self._messages))

    def texts(self) -> list[str]:
        """Return the texts shown, oldest first."""
        return [m.label.text() for m in self._messages.values()]
