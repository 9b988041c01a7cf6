"""Size a top-level window from the screen it opens on, so that it fits small ward screens."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: Share of the screen's free area (without task bars) a window takes at most on first opening.
SCREEN_SHARE = 0.92


def available_area(widget: QWidget) -> QRect:
    """The free area of the screen `widget` is on (the primary screen before it is shown)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fitted_size(preferred: QSize, area: QRect, share: float = SCREEN_SHARE) -> QSize:
    """`preferred` shrunk to `share` of `area` where the screen is smaller; never larger.

    A preferred size of zero in a dimension asks for the whole share of the screen in it.
    """
    most_w = int(area.width() * share)
    most_h = int(area.height() * share)
    width = most_w if preferred.width() <= 0 else min(preferred.width(), most_w)
    height = most_h if preferred.height() <= 0 else min(preferred.height(), most_h)
    return QSize(width, height)


def fit_to_screen(widget: QWidget, preferred: QSize) -> None:
    """Resize `widget` to fit its screen and centre it there."""
    area = available_area(widget)
    size = fitted_size(preferred, area)
    widget.resize(size)
    frame = QRect(0, 0, size.width(), size.height())
    frame.moveCenter(area.center())
    widget.move(frame.topLeft())
