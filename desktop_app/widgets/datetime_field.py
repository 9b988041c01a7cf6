"""The date-time field: a line edit with a "now" shortcut and a calendar popup.

Every date-time in the window is typed as text ("2026-11-26 07:10", see entry.py); this field
keeps that, and adds two quicker ways in:
- "Now" (Ctrl+Shift+N while the field has focus, or the clock button inside the field): the
  current local time, to the minute, in the field's format.
- "Calendar" (Alt+Down while the field has focus, or the calendar button): a month calendar;
  choosing a day replaces the date and keeps the clock time already typed. With no time typed yet
  the field is left as "YYYY-MM-DD " for the time to be typed: a clock time is never guessed.
Both edits go through the field as typing does (undoable, and `textEdited` is emitted), and the
buttons inside the field take no tab stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate, QPoint, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCalendarWidget, QFrame, QLineEdit, QVBoxLayout, QWidget

from desktop_app.widgets.entry import EntryError, format_datetime, parse_datetime

NOW_SHORTCUT = "Ctrl+Shift+N"
CALENDAR_SHORTCUT = "Alt+Down"


def _icon(draw: Callable[[QPainter], None]) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#404040"), 1.4))
    draw(painter)
    painter.end()
    return QIcon(pixmap)


def _clock(painter: QPainter) -> None:
    painter.drawEllipse(QRectF(1.5, 1.5, 13, 13))
    painter.drawLine(8, 8, 8, 4)
    painter.drawLine(8, 8, 11, 9)


def _calendar(painter: QPainter) -> None:
    painter.drawRect(QRectF(1.5, 3.5, 13, 11))
    painter.drawLine(2, 6, 14, 6)
    for x in (4, 8, 12):
        for y in (9, 12):
            painter.drawPoint(x, y)


class CalendarPopup(QFrame):
    """A month calendar shown under a date-time field; closes on a choice or on Escape."""

    def __init__(self, field: DateTimeEdit) -> None:
        super().__init__(field, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget()
        self.calendar.setAccessibleName(f"Calendar for {field.accessibleName()}")
        self.calendar.setGridVisible(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.calendar)
        self._field = field
        self.calendar.activated.connect(self._on_chosen)
        self.calendar.clicked.connect(self._on_chosen)

    def _on_chosen(self, day: QDate) -> None:
        self.hide()
        self._field.set_date(date(day.year(), day.month(), day.day()))


class DateTimeEdit(QLineEdit):
    """A date-time typed as text, with "now" and calendar shortcuts.

    Signals (those of QLineEdit): `textEdited` is also emitted by the two shortcuts.
    """

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self._now: Callable[[], datetime] = lambda: datetime.now().astimezone()
        self._popup: CalendarPopup | None = None
        self.now_action = self._action("Now", NOW_SHORTCUT, _clock, self.fill_now)
        self.calendar_action = self._action(
            "Calendar", CALENDAR_SHORTCUT, _calendar, self.show_calendar
        )

    def _action(
        self, name: str, keys: str, draw: Callable[[QPainter], None], slot: Callable[[], None]
    ) -> QAction:
        action = QAction(_icon(draw), name, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setToolTip(f"{name} ({keys})")
        action.triggered.connect(slot)
        self.addAction(action, QLineEdit.ActionPosition.TrailingPosition)
        return action

    def set_clock(self, now: Callable[[], datetime]) -> None:
        """Use `now` (an aware date-time) for the "now" shortcut and the calendar's today."""
        self._now = now

    def _local_now(self) -> datetime:
        return self._now().astimezone().replace(second=0, microsecond=0)

    def _replace_text(self, text: str) -> None:
        # As if typed: undoable, and textEdited is emitted for the panels.
        self.selectAll()
        self.insert(text)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def fill_now(self) -> None:
        """Fill the current local time, to the minute."""
        self._replace_text(format_datetime(self._local_now()))

    def set_date(self, day: date) -> None:
        """Replace the date typed, keeping its clock time (and offset), or leave the time to type."""
        typed = self.text().strip()
        try:
            readable = parse_datetime(typed) is not None
        except EntryError:
            readable = False
        rest = re.split(r"[ T]+", typed, maxsplit=1)[1] if readable else ""
        self._replace_text(f"{day.isoformat()} {rest}")

    def shown_date(self) -> date:
        """The day the calendar opens on: the date typed, or today."""
        try:
            moment = parse_datetime(self.text())
        except EntryError:
            moment = None
        return (moment or self._local_now()).date()

    def calendar_popup(self) -> CalendarPopup | None:
        """The calendar popup, once it has been opened."""
        return self._popup

    def show_calendar(self) -> None:
        """Open the calendar under the field, on the date typed (or today), focused."""
        if self._popup is None:
            self._popup = CalendarPopup(self)
        shown = self.shown_date()
        self._popup.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        self._popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self._popup.show()
        self._popup.calendar.setFocus(Qt.FocusReason.PopupFocusReason)
