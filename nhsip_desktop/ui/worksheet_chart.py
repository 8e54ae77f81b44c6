"""The worksheet's chart: cumulative discounted net benefit of each option, year by year."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QLineF,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QWidget,
)

from nhsip_desktop.core.money import money

from .worksheet_parts import year_label


# -- the chart -------------------------------------------------------------------------------
def _nice_step(top: float, ticks: int = 5) -> float:
    raw = max(top, 1.0) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _axis_money(value: float) -> str:
    if value >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m".replace(".0m", "m")
    return f"£{value:,.0f}"


class CumulativeChart(QWidget):
    """Cumulative discounted cost (solid line) against cumulative expected benefit (dashed).

    Drawn with QPainter. The legend is in words and the two lines differ in style and marker
    (filled squares, hollow circles), so the chart reads in black and white;
    ``accessibleDescription`` summarises it in words, including the break-even year.

    The drawing is kept in a pixmap and redrawn only when the figures, size, focus or palette
    change, so exposing the widget repaints it with a single call.
    """

    COST_COLOUR = QColor("#1d2731")
    BENEFIT_COLOUR = QColor("#8a4b00")
    GRID_COLOUR = QColor("#dde2e6")
    FRAME_COLOUR = QColor("#c5ccd3")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Chart: cumulative cost against cumulative expected benefit")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.label = ""
        self.cost: list[Decimal] = []
        self.benefit: list[Decimal] = []
        self.break_even: int | None = None
        self.start = dt.date.today()
        self.summary = ""
        self._key: tuple[Any, ...] | None = None
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple[Any, ...] | None = None
        self.set_data("", [], [], None, self.start)

    def sizeHint(self) -> QSize:
        # Small, so a scroll area around the chart gives it room rather than scrolling.
        return QSize(400, 200)

    def set_data(
        self,
        label: str,
        cost: Sequence[Decimal],
        benefit: Sequence[Decimal],
        break_even: int | None,
        start: dt.date,
    ) -> None:
        key = (label, tuple(cost), tuple(benefit), break_even, start)
        if key == self._key:
            return
        self._key = key
        self.label, self.cost, self.benefit = label, list(cost), list(benefit)
        self.break_even, self.start = break_even, start
        self.summary = self._summary()
        self.setAccessibleDescription(self.summary)
        self.setToolTip(self.summary)
        self._pixmap = None
        self.update()

    def _summary(self) -> str:
        if not self.label or not self.cost:
            return "No option is selected, so there is nothing to chart."
        years = len(self.cost)
        plural = "s" if years != 1 else ""
        text = (
            f"Cumulative cost (solid line) against cumulative expected benefit (dashed line) "
            f"for {self.label}, over {years} year{plural}, in present-value pounds. "
        )
        if self.break_even is None:
            text += (
                f"No break-even: the expected benefit does not reach the cost within {years} "
                f"year{plural}. "
            )
        else:
            text += (
                f"Break-even in {year_label(self.break_even, self.start)}: from then the "
                f"cumulative expected benefit covers the cumulative cost. "
            )
        text += (
            f"By {year_label(years - 1, self.start)} the cost is {money(self.cost[-1])} and the "
            f"expected benefit {money(self.benefit[-1])}."
        )
        return text

    # painting
    def paintEvent(self, event: QPaintEvent) -> None:
        ratio = self.devicePixelRatioF()
        key = (self.size(), ratio, self.hasFocus(), self.palette().cacheKey(), self.font().key())
        if self._pixmap is None or key != self._pixmap_key:
            pixmap = QPixmap(self.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(self.palette().color(QPalette.ColorRole.Base))
            render = QPainter(pixmap)
            try:
                self._paint(render)
            finally:
                render.end()
            self._pixmap, self._pixmap_key = pixmap, key
        painter = QPainter(self)
        try:
            painter.drawPixmap(0, 0, self._pixmap)
        finally:
            painter.end()

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(self.font())
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.Text)
        frame = QRectF(0, 0, self.width(), self.height())
        if self.hasFocus():
            p.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            p.drawRect(frame.adjusted(1, 1, -1, -1))
        else:
            p.setPen(self.FRAME_COLOUR)
            p.drawRect(frame.adjusted(0.5, 0.5, -0.5, -0.5))
        fm = QFontMetricsF(self.font())
        line_h = fm.height()
        if not self.label or not self.cost:
            p.setPen(text_colour)
            p.drawText(
                frame.adjusted(12, 12, -12, -12),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                "Add a protection option and select it to see its chart.",
            )
            return

        pad = 10.0
        width, height = float(self.width()), float(self.height())
        # title, then a legend in words with a sample of each line style and marker
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(text_colour)
        title = f"{self.label}: cumulative cost and expected benefit"
        p.drawText(
            QRectF(pad, pad, width - 2 * pad, line_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetricsF(bold).elidedText(title, Qt.TextElideMode.ElideRight, width - 2 * pad),
        )
        p.setFont(self.font())
        legend = (
            ("Cumulative cost (solid line)", Qt.PenStyle.SolidLine, self.COST_COLOUR, True),
            (
                "Cumulative expected benefit (dashed line)",
                Qt.PenStyle.DashLine,
                self.BENEFIT_COLOUR,
                False,
            ),
        )
        legend_y = pad + line_h + 4
        x = pad
        for text, style, colour, square in legend:
            entry = 28 + 6 + fm.horizontalAdvance(text) + 18
            if x + entry > width - pad and x > pad:
                x, legend_y = pad, legend_y + line_h + 2
            mid = legend_y + line_h / 2
            p.setPen(QPen(colour, 2, style))
            p.drawLine(QLineF(x, mid, x + 28, mid))
            self._markers(p, [QPointF(x + 14, mid)], colour, square)
            p.setPen(text_colour)
            p.drawText(QPointF(x + 34, mid + fm.ascent() / 2 - 1), text)
            x += entry

        # scales: pounds up the side, years along the bottom
        top_value = max(float(max(self.cost)), float(max(self.benefit)), 1.0)
        step = _nice_step(top_value)
        ticks = max(1, math.ceil(top_value / step))
        top_value = ticks * step
        labels = [_axis_money(i * step) for i in range(ticks + 1)]
        left = pad + line_h + 6 + max(fm.horizontalAdvance(s) for s in labels) + 6
        right = width - pad - 8
        top = legend_y + line_h + 12
        bottom = height - pad - 2 * line_h - 8
        if bottom - top < 40 or right - left < 60:  # too small to draw: say it in words
            p.setPen(text_colour)
            p.drawText(
                QRectF(pad, top, width - 2 * pad, max(height - top - pad, line_h * 2)),
                int(Qt.TextFlag.TextWordWrap),
                self.summary,
            )
            return
        years = len(self.cost)

        def px(year: int) -> float:
            if years == 1:
                return (left + right) / 2
            return left + (right - left) * year / (years - 1)

        def py(value: float) -> float:
            return bottom - (bottom - top) * value / top_value

        p.setPen(QPen(self.GRID_COLOUR, 1))
        p.drawLines([QLineF(left, py(i * step), right, py(i * step)) for i in range(1, ticks + 1)])
        p.setPen(QPen(text_colour, 1))
        every = 1
        widest = fm.horizontalAdvance(str(years)) + 10
        while years > 1 and (right - left) / (years - 1) * every < widest:
            every += 1
        shown = [y for y in range(years) if y % every == 0 or y == years - 1]
        axes = [QLineF(left, top, left, bottom), QLineF(left, bottom, right, bottom)]
        axes += [QLineF(px(y), bottom, px(y), bottom + 4) for y in shown]
        p.drawLines(axes)
        right_middle = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for i, text in enumerate(labels):
            y = py(i * step)
            p.drawText(
                QRectF(pad + line_h, y - line_h / 2, left - pad - line_h - 6, line_h),
                right_middle,
                text,
            )
        centre_top = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        for year in shown:
            p.drawText(QRectF(px(year) - 20, bottom + 5, 40, line_h), centre_top, str(year + 1))
        p.drawText(
            QRectF(left, bottom + 5 + line_h, right - left, line_h),
            centre_top,
            f"Year (year 1 starts in {self.start.year})",
        )
        p.save()
        p.translate(pad, (top + bottom) / 2)
        p.rotate(-90)
        p.drawText(
            QRectF(-(bottom - top) / 2, 0, bottom - top, line_h),
            int(Qt.AlignmentFlag.AlignCenter),
            "£, present value",
        )
        p.restore()

        # the break-even year, marked and labelled in words
        if self.break_even is not None:
            x = px(self.break_even)
            p.setPen(QPen(text_colour, 1, Qt.PenStyle.DotLine))
            p.drawLine(QLineF(x, top, x, bottom))
            text = f"Break-even: year {self.break_even + 1}"
            advance = fm.horizontalAdvance(text)
            p.setPen(text_colour)
            p.drawText(
                QPointF(x + 4 if x + 4 + advance <= right else x - 4 - advance, top + fm.ascent()),
                text,
            )

        # the two lines: solid with filled squares, dashed with hollow circles
        for values, style, colour, square in (
            (self.cost, Qt.PenStyle.SolidLine, self.COST_COLOUR, True),
            (self.benefit, Qt.PenStyle.DashLine, self.BENEFIT_COLOUR, False),
        ):
            points = [QPointF(px(i), py(float(v))) for i, v in enumerate(values)]
            p.setPen(QPen(colour, 2.2, style))
            p.drawPolyline(QPolygonF(points))
            self._markers(p, points, colour, square)

    @staticmethod
    def _markers(p: QPainter, points: list[QPointF], colour: QColor, square: bool) -> None:
        """Filled squares or hollow circles, drawn as wide points (few painter calls)."""
        cap = Qt.PenCapStyle.SquareCap if square else Qt.PenCapStyle.RoundCap
        polygon = QPolygonF(points)
        p.setPen(QPen(colour, 7, Qt.PenStyle.SolidLine, cap))
        p.drawPoints(polygon)
        if not square:
            p.setPen(QPen(QColor("#ffffff"), 4, Qt.PenStyle.SolidLine, cap))
            p.drawPoints(polygon)
