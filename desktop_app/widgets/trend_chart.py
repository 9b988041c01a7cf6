"""A small trend of follow-up results against the protocol's band limits (painted by hand)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.logic.textfmt import num


@dataclass(frozen=True)
class TrendPoint:
    """One result: hours after the first dose, value (in the band unit) and its text."""

    hours: float
    value: float
    text: str


class TrendChart(QWidget):
    """Results of one electrolyte over time with the band limits as labelled dashed lines.

    The band a result falls in is given in words beside the chart; the chart never relies on
    colour (markers are labelled with their values).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = ""
        self._unit = ""
        self._points: tuple[TrendPoint, ...] = ()
        self._limits: tuple[float, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.fontMetrics().height() * 9)

    def set_series(
        self, title: str, unit: str, points: tuple[TrendPoint, ...], limits: tuple[float, ...]
    ) -> None:
        """Show `points` against the band `limits` (lower bounds, in `unit`)."""
        self._title, self._unit, self._points, self._limits = title, unit, points, limits
        summary = "; ".join(f"+{num(p.hours, 0)} h: {p.text}" for p in points)
        self.setAccessibleName(f"{title} trend")
        self.setAccessibleDescription(
            f"{title} after the first dose: {summary}. Band limits: "
            + ", ".join(f"{num(v)} {unit}" for v in limits)
        )
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._points:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        pal = self.palette()
        text_pen = QPen(pal.color(QPalette.ColorRole.WindowText))
        left = fm.horizontalAdvance("0000.00 ") + 4
        top = fm.height() + 4
        plot = QRectF(
            left,
            top,
            self.width() - left - fm.horizontalAdvance("+000 h") - 8,
            self.height() - top - fm.height() - 8,
        )
        values = [p.value for p in self._points]
        lo, hi = min(values), max(values)
        shown_limits = [v for v in self._limits if lo - (hi - lo + 1) <= v <= hi + (hi - lo + 1)]
        lo = min([lo, *shown_limits])
        hi = max([hi, *shown_limits])
        pad = (hi - lo) * 0.1 or 0.5
        lo, hi = lo - pad, hi + pad
        hours = [p.hours for p in self._points]
        h_lo, h_hi = min([0.0, *hours]), max([*hours, 1.0])

        def at(hour: float, value: float) -> QPointF:
            x = plot.left() + (hour - h_lo) / (h_hi - h_lo) * plot.width()
            y = plot.bottom() - (value - lo) / (hi - lo) * plot.height()
            return QPointF(x, y)

        painter.setPen(text_pen)
        painter.drawText(
            QRectF(0, 0, self.width(), fm.height() + 2),
            Qt.AlignmentFlag.AlignLeft,
            f"{self._title} ({self._unit})",
        )
        painter.drawRect(plot)
        dash = QPen(pal.color(QPalette.ColorRole.Mid))
        dash.setStyle(Qt.PenStyle.DashLine)
        for limit in shown_limits:
            y = at(h_lo, limit).y()
            painter.setPen(dash)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_pen)
            painter.drawText(
                QRectF(0, y - fm.height() / 2, left - 4, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                num(limit),
            )
        line = QPen(pal.color(QPalette.ColorRole.Highlight))
        line.setWidthF(2)
        painter.setPen(line)
        pts = [at(p.hours, p.value) for p in self._points]
        for a, b in pairwise(pts):
            painter.drawLine(a, b)
        for point, pos in zip(self._points, pts, strict=True):
            painter.setPen(line)
            painter.setBrush(pal.color(QPalette.ColorRole.Base))
            painter.drawEllipse(pos, 4, 4)
            painter.setPen(text_pen)
            painter.drawText(pos + QPointF(6, -4), num(point.value, 2))
            painter.drawText(
                QRectF(pos.x() - 30, plot.bottom() + 2, 60, fm.height()),
                Qt.AlignmentFlag.AlignHCenter,
                f"+{num(point.hours, 0)} h",
            )
        painter.end()
