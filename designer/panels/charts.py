"""Small pyqtgraph building blocks for the dashboard: a titled chart and fast bars.

Bars are drawn as one stepped, filled curve per series (``stepMode="center"``)
from numpy arrays, so thousands of racks redraw in about a millisecond and an
update only calls ``setData`` on items that already exist.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ChartBox", "bar_steps", "BarSeries"]


def bar_steps(heights: np.ndarray, width: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` for a ``stepMode="center"`` curve that draws bars at 0..n-1.

    Each bar ``i`` spans ``i - width/2 .. i + width/2``; the gaps between bars
    have height 0. ``len(x) == len(y) + 1`` as pyqtgraph requires.

    Examples
    --------
    >>> x, y = bar_steps(np.array([3.0, 5.0]), 0.5)
    >>> x.tolist(), y.tolist()
    ([-0.25, 0.25, 0.75, 1.25], [3.0, 0.0, 5.0])
    """
    h = np.asarray(heights, dtype=np.float64)
    n = len(h)
    if n == 0:
        return np.zeros(1), np.zeros(0)
    centers = np.arange(n, dtype=np.float64)
    x = np.empty(2 * n)
    x[0::2] = centers - width / 2.0
    x[1::2] = centers + width / 2.0
    y = np.zeros(2 * n - 1)
    y[0::2] = h
    return x, y


class BarSeries:
    """One filled bar series on a plot, updated in place."""

    def __init__(self, plot: pg.PlotItem, color: str, alpha: int = 255, width: float = 0.8,
                 offset: float = 0.0, outline: str | None = None) -> None:
        fill = QColor(color)
        fill.setAlpha(alpha)
        pen = pg.mkPen(outline, width=1.5) if outline else pg.mkPen(None)
        self.width, self.offset = width, offset
        self.item = pg.PlotDataItem(stepMode="center", fillLevel=0.0, brush=fill, pen=pen)
        plot.addItem(self.item)

    def set(self, heights: np.ndarray, width: float | None = None,
            offset: float | None = None) -> None:
        """Show ``heights`` as bars at 0..n-1 (optionally narrower or shifted)."""
        if width is not None:
            self.width = width
        if offset is not None:
            self.offset = offset
        x, y = bar_steps(heights, self.width)
        self.item.setData(x + self.offset, y)


class _NoteLabel(QLabel):
    """A chart note that may be clipped by a narrow panel; its tooltip shows all of it."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)


class ChartBox(QWidget):
    """A chart with a readable title, a note on the right and an empty-state text."""

    def __init__(self, title: str, empty_text: str = "no data", parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: 600;")
        self.title.setToolTip(title)
        self.note = _NoteLabel()
        self.note.setStyleSheet("color: #555;")
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # the panel's width decides; a long note clips rather than widening the dock
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(60)
        self.title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        head = QHBoxLayout()
        head.setContentsMargins(2, 0, 2, 0)
        head.addWidget(self.title)
        head.addWidget(self.note, 1)
        self._head = head
        self.widget = pg.PlotWidget(background="w")
        self.widget.setMinimumHeight(110)
        self.widget.setMinimumWidth(160)
        self.widget.setMenuEnabled(False)
        self.plot: pg.PlotItem = self.widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        font = QFont(self.font())
        font.setPointSizeF(8.0)
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(pg.mkPen("#888"))
            ax.setTextPen(pg.mkPen("#333"))
            ax.setStyle(tickFont=font, tickLength=-4)
        self.plot.getAxis("left").setWidth(42)
        self.empty = QLabel(empty_text)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #777; background: white; border: 1px solid #ddd;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.widget)
        self.stack.addWidget(self.empty)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.stack, 1)
        self._ticks_key: object = None
        self._tick_labels: list[str] = []

    def add_control(self, widget: QWidget) -> None:
        """Put a small control (a toggle) in the title row, after the title."""
        self._head.insertWidget(1, widget)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._tick_labels:
            self.set_category_ticks(self._tick_labels)

    def set_empty(self, is_empty: bool, text: str | None = None) -> None:
        """Show the empty-state text instead of the plot."""
        if text is not None:
            self.empty.setText(text)
        self.stack.setCurrentIndex(1 if is_empty else 0)

    def is_empty(self) -> bool:
        """Whether the empty-state text is showing."""
        return self.stack.currentIndex() == 1

    def set_category_ticks(self, labels: list[str], max_labels: int | None = None) -> None:
        """Label bars 0..n-1 with ``labels``, thinned so they do not overlap."""
        n = len(labels)
        self._tick_labels = list(labels)
        if max_labels is None:
            avail = max(self.widget.width() - 60, 100)
            longest = max((len(s) for s in labels), default=1)
            max_labels = max(1, int(avail / (longest * 6.5 + 10)))
        key = (tuple(labels), max_labels)
        if key == self._ticks_key:
            return
        self._ticks_key = key
        step = max(1, int(np.ceil(n / max_labels)))
        self.plot.getAxis("bottom").setTicks([[(i, labels[i]) for i in range(0, n, step)], []])
