"""A trend of one electrolyte's results against the plan's bands (painted by hand).

Painted with QPainter rather than QtCharts: the chart is one polyline, a few labelled lines and
markers, and QtCharts would add a module (and its own look) for less control over the labels.
Every number drawn comes from the plan (results, baseline, band bounds) or the protocol the plan
was made with (the hold threshold), handed in by the plan view: the chart holds none.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.logic.textfmt import num
from desktop_app.widgets import ui_text

_ROWS_TALL = 18  # lines of text the chart is tall: room for six band lines and their labels


@dataclass(frozen=True)
class TrendPoint:
    """One result: hours after the first dose, value (in the band unit) and its text."""

    hours: float
    value: float
    text: str


@dataclass(frozen=True)
class BandLine:
    """The lower bound of one band (in the band unit) and the band's label."""

    value: float
    label: str


class TrendChart(QWidget):
    """Results of one electrolyte over time, the baseline before them, the band bounds as
    labelled dashed lines and the hold threshold as a labelled solid line.

    The band a result falls in is given in words beside the chart; the chart never relies on
    colour (markers are labelled with their values, lines with their names and numbers).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = ""
        self._unit = ""
        self._points: tuple[TrendPoint, ...] = ()
        self._bands: tuple[BandLine, ...] = ()
        self._baseline: TrendPoint | None = None
        self._hold: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.fontMetrics().height() * _ROWS_TALL)

    def set_series(
        self,
        title: str,
        unit: str,
        points: tuple[TrendPoint, ...],
        bands: tuple[BandLine, ...],
        baseline: TrendPoint | None = None,
        hold: float | None = None,
    ) -> None:
        """Show `points` and the `baseline` against the `bands` and the `hold` line (in `unit`)."""
        self._title, self._unit, self._points = title, unit, points
        self._bands, self._baseline, self._hold = bands, baseline, hold
        summary = "; ".join(f"+{num(p.hours, 0)} h: {p.text}" for p in points)
        parts = [f"{title} after the first dose: {summary}."]
        if baseline is not None:
            parts.append(f"Baseline: {baseline.text}.")
        parts.append("Band limits: " + ", ".join(f"{num(b.value)} {unit}" for b in bands) + ".")
        if hold is not None:
            parts.append(ui_text.TREND_HOLD.format(value=num(hold), unit=unit) + ".")
        self.setAccessibleName(f"{title} trend")
        self.setAccessibleDescription(" ".join(parts))
        self.update()

    def lines(self) -> tuple[str, ...]:
        """The labels of the lines drawn (band bounds and hold), lowest first."""
        labels = [(b.value, f"{num(b.value)} {b.label}") for b in self._shown_bands()]
        if self._hold is not None:
            hold = ui_text.TREND_HOLD.format(value=num(self._hold), unit=self._unit)
            labels.append((self._hold, hold))
        return tuple(text for _, text in sorted(labels, key=lambda item: item[0]))

    def sizeHint(self) -> QSize:
        return QSize(320, self.minimumHeight())

    def _values(self) -> list[float]:
        values = [p.value for p in self._points]
        if self._baseline is not None:
            values.append(self._baseline.value)
        return values

    def _shown_bands(self) -> list[BandLine]:
        values = self._values()
        if not values:
            return []
        lo, hi = min(values), max(values)
        span = hi - lo + 1
        return [b for b in self._bands if lo - span <= b.value <= hi + span]

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._points:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        pal = self.palette()
        text_pen = QPen(pal.color(QPalette.ColorRole.WindowText))
        shown = self._shown_bands()
        hold_label = (
            ui_text.TREND_HOLD.format(value=num(self._hold), unit=self._unit)
            if self._hold is not None
            else ""
        )
        names = [b.label for b in shown] + ([hold_label] if hold_label else [])
        # The line names sit in a column right of the plot, never over the results.
        names_width = min(
            max((fm.horizontalAdvance(n) for n in names), default=0) + 12, self.width() * 0.45
        )
        left = fm.horizontalAdvance("0000.00 ") + 4
        top = fm.height() + 4
        plot = QRectF(
            left,
            top,
            self.width() - left - names_width - fm.horizontalAdvance("00"),
            self.height() - top - fm.height() - 8,
        )
        extra = [b.value for b in shown] + ([self._hold] if self._hold is not None else [])
        lo = min([*self._values(), *extra])
        hi = max([*self._values(), *extra])
        pad = (hi - lo) * 0.08 or 0.5
        lo, hi = lo - pad, hi + pad
        hours = [p.hours for p in self._points]
        if self._baseline is not None:
            hours.append(self._baseline.hours)
        h_lo, h_hi = min([0.0, *hours]), max([*hours, 1.0])
        h_pad = (h_hi - h_lo) * 0.06

        def at(hour: float, value: float) -> QPointF:
            x = plot.left() + (hour - h_lo + h_pad) / (h_hi - h_lo + 2 * h_pad) * plot.width()
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
        named: list[tuple[float, str]] = []
        for band in shown:
            y = at(h_lo, band.value).y()
            painter.setPen(dash)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_pen)
            self._axis_label(painter, fm, y, num(band.value), left)
            named.append((y, band.label))
        if self._hold is not None:
            hold_pen = QPen(pal.color(QPalette.ColorRole.WindowText))
            hold_pen.setWidthF(2)
            y = at(h_lo, self._hold).y()
            painter.setPen(hold_pen)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right() + 6, y))
            painter.setPen(text_pen)
            if all(b.value != self._hold for b in shown):
                self._axis_label(painter, fm, y, num(self._hold), left)
            named.append((y + 0.5, hold_label))  # below a band line at the same value
        self._names(painter, fm, plot.right() + 8, names_width - 8, named)
        zero = at(0.0, lo).x()
        painter.setPen(dash)
        painter.drawLine(QPointF(zero, plot.top()), QPointF(zero, plot.bottom()))
        line = QPen(pal.color(QPalette.ColorRole.Highlight))
        line.setWidthF(2)
        pts = [at(p.hours, p.value) for p in self._points]
        painter.setPen(line)
        for a, b in pairwise(pts):
            painter.drawLine(a, b)
        for point, pos in zip(self._points, pts, strict=True):
            painter.setPen(line)
            painter.setBrush(pal.color(QPalette.ColorRole.Base))
            painter.drawEllipse(pos, 4, 4)
            painter.setPen(text_pen)
            painter.drawText(pos + QPointF(6, -4), num(point.value, 2))
            self._hour_label(painter, fm, plot, pos.x(), f"+{num(point.hours, 0)} h")
        if self._baseline is not None:
            pos = at(self._baseline.hours, self._baseline.value)
            base_pen = QPen(line)
            base_pen.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(base_pen)
            if pts:
                painter.drawLine(pos, pts[0])
            painter.setPen(line)
            painter.setBrush(pal.color(QPalette.ColorRole.Base))
            painter.drawRect(QRectF(pos.x() - 4, pos.y() - 4, 8, 8))
            painter.setPen(text_pen)
            painter.drawText(
                pos + QPointF(6, -4),
                ui_text.TREND_BASELINE.format(value=num(self._baseline.value, 2)),
            )
            self._hour_label(painter, fm, plot, pos.x(), f"{num(self._baseline.hours, 0)} h")
        painter.end()

    @staticmethod
    def _names(
        painter: QPainter, fm: QFontMetrics, x: float, width: float, named: list[tuple[float, str]]
    ) -> None:
        """Each line's name beside its line, moved down just enough not to overlap the last."""
        last = float(-fm.height())
        for y, name in sorted(named, key=lambda item: item[0]):
            y = max(y, last + fm.height())
            last = y
            painter.drawText(
                QRectF(x, y - fm.height() / 2, width, fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm.elidedText(name, Qt.TextElideMode.ElideRight, int(width)),
            )

    @staticmethod
    def _axis_label(painter: QPainter, fm: QFontMetrics, y: float, text: str, left: float) -> None:
        painter.drawText(
            QRectF(0, y - fm.height() / 2, left - 4, fm.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            text,
        )

    @staticmethod
    def _hour_label(painter: QPainter, fm: QFontMetrics, plot: QRectF, x: float, text: str) -> None:
        painter.drawText(
            QRectF(x - 30, plot.bottom() + 2, 60, fm.height()),
            Qt.AlignmentFlag.AlignHCenter,
            text,
        )
