"""Small pyqtgraph building blocks for the dashboard: a titled chart and fast bars.

Bars are drawn as one stepped, filled curve per series (``stepMode="center"``)
from numpy arrays, so thousands of racks redraw in about a millisecond and an
update only calls ``setData`` on items that already exist.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextDocument
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ChartBox", "ChartHeader", "bar_steps", "BarSeries"]


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


class _HeaderLabel(QLabel):
    """A label of a chart header: a new text lays the header out again."""

    def __init__(self, header: ChartHeader) -> None:
        super().__init__(header)
        self.setWordWrap(True)
        self.header = header

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        if text != self.text():
            super().setText(text)
            self.header.relayout()


class ChartHeader(QWidget):
    """A chart's title, its controls (a toggle) and its note, none of them ever cut.

    The note stands right of the title while both fit one line, as a legend does;
    otherwise it moves to a line of its own under the title and wraps at word
    boundaries, as a long title does. The header takes the height that needs (at
    least ``floor_height``: charts side by side give their headers one height, so
    their plots line up) and asks for one line, so a dock sized by it keeps its size;
    ``natural_height_changed`` says when the height it needs changes.
    """

    natural_height_changed = Signal()
    GAP = 8

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = _HeaderLabel(self)
        bold = QFont(self.title.font())
        bold.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(bold)
        self.note = _HeaderLabel(self)
        self.note.setStyleSheet("color: #555;")
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.controls: list[QWidget] = []
        self.floor_height = 0
        self.is_note_beside = True
        self._natural = 0
        self.setContentsMargins(2, 0, 2, 0)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.title.setText(title)

    def add_control(self, widget: QWidget) -> None:
        """Put a small control at the end of the title line."""
        widget.setParent(self)
        self.controls.append(widget)
        self.relayout()

    def _line_height(self) -> int:
        return max([self.title.fontMetrics().lineSpacing()]
                   + [c.sizeHint().height() for c in self.controls])

    def _note_width(self) -> float:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self.note.font())
        doc.setHtml(self.note.text())
        return doc.idealWidth() + 2

    def _arrange(self, width: int) -> tuple[int, list[tuple[QWidget, QRect]], bool]:
        """Return the height the header needs at contents ``width``, where each part goes
        and whether the note stands beside the title (nothing is changed)."""
        line = self._line_height()
        ctrl_w = sum(c.sizeHint().width() + self.GAP for c in self.controls)
        title_room = max(width - ctrl_w, 20)
        title_w = self.title.fontMetrics().horizontalAdvance(self.title.text()) + 2
        has_note = bool(self.note.text())
        note_w = self._note_width() if has_note else 0.0
        is_beside = not has_note or title_w + self.GAP + note_w <= title_room
        title_h = max(self.title.heightForWidth(title_room), 1)
        row_h = max(line, title_h)
        out = [(self.title, QRect(0, (row_h - title_h) // 2, title_room, title_h))]
        x = width
        for c in reversed(self.controls):
            hint = c.sizeHint()
            x -= hint.width()
            out.append((c, QRect(x, (row_h - hint.height()) // 2, hint.width(), hint.height())))
            x -= self.GAP
        if not has_note:
            return row_h, out, is_beside
        if is_beside:
            out[0] = (self.title, QRect(0, (row_h - title_h) // 2, title_w, title_h))
            left = title_w + self.GAP
            out.append((self.note, QRect(left, 0, title_room - left, row_h)))
            return row_h, out, is_beside
        note_h = self.note.heightForWidth(width)
        out.append((self.note, QRect(0, row_h + 1, width, note_h)))
        return row_h + 1 + note_h, out, is_beside

    def natural_height(self) -> int:
        """Return the height the header needs at its current width."""
        return self.height_for_width(self.width())

    def height_for_width(self, width: int) -> int:
        """Return the height the header needs at ``width`` (margins included)."""
        m = self.contentsMargins()
        inner = max(width - m.left() - m.right(), 1)
        return self._arrange(inner)[0] + m.top() + m.bottom()

    def relayout(self) -> None:
        """Place the title, controls and note for the current width; take their height."""
        r = self.contentsRect()
        if r.width() <= 0:
            return
        natural, parts, self.is_note_beside = self._arrange(r.width())
        self.note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                               if self.is_note_beside else
                               Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for w, rect in parts:
            w.setGeometry(rect.translated(r.topLeft()))
        m = self.contentsMargins()
        natural += m.top() + m.bottom()
        h = max(natural, self.floor_height)
        if h != self.minimumHeight():
            self.setMinimumHeight(h)
        if natural != self._natural:
            self._natural = natural
            self.natural_height_changed.emit()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # one line: the dashboard sizes its dock by it; a wrapped header takes the extra
        # lines from the plot
        m = self.contentsMargins()
        return QSize(240, self._line_height() + m.top() + m.bottom())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(60, self.minimumHeight())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()


class ChartBox(QWidget):
    """A chart with a readable title, a note and an empty-state text (see ChartHeader)."""

    def __init__(self, title: str, empty_text: str = "no data", parent=None) -> None:
        super().__init__(parent)
        self.header = ChartHeader(title)
        self.title = self.header.title
        self.note = self.header.note
        self.widget = pg.PlotWidget(background="w")
        self.widget.setMinimumHeight(110)
        self.widget.setMinimumWidth(140)
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
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        self._ticks_key: object = None
        self._tick_labels: list[str] = []

    def add_control(self, widget: QWidget) -> None:
        """Put a small control (a toggle) at the end of the title line."""
        self.header.add_control(widget)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # with a one-line header: the dashboard sizes its dock by this, and a note that
        # wraps at today's width must not make the dock taller (the plot gives the line)
        s = super().sizeHint()
        extra = self.header.minimumHeight() - self.header.sizeHint().height()
        return QSize(s.width(), s.height() - max(extra, 0))

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
