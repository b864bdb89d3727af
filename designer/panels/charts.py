"""Small pyqtgraph building blocks for the dashboard: a titled chart and fast bars.

Bars are drawn as one stepped, filled curve per series (``stepMode="center"``)
from numpy arrays, so thousands of racks redraw in about a millisecond and an
update only calls ``setData`` on items that already exist.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QTextDocument
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ChartBox", "ChartHeader", "CategoryAxis", "ValueAxis", "bar_steps", "bar_width",
           "BarSeries", "round_step"]


#: the narrowest gap between two bars, in pixels: a narrower one vanishes in places as the
#: bars' edges round to pixels, and the racks run together into blocks
MIN_GAP_PX = 1.5
#: bars closer than this many pixels stand edge to edge (a profile)
MIN_PITCH_PX = 3.0


def bar_width(n: int, width_px: float, most: float = 0.8) -> float:
    """Return the width of ``n`` bars across ``width_px`` pixels, in bar pitches: ``most``
    while the gap between them stays :data:`MIN_GAP_PX` wide, narrower bars while that
    keeps the gap, edge to edge (1.0) once bars stand closer than :data:`MIN_PITCH_PX`.

    Examples
    --------
    >>> bar_width(10, 200.0)  # 20 px a bar: 16 px bars, 4 px gaps
    0.8
    >>> round(bar_width(27, 125.0), 3)  # 4.6 px a bar: 3.1 px bars, 1.5 px gaps
    0.676
    >>> bar_width(100, 125.0)
    1.0
    """
    if width_px <= 0:  # not laid out yet: its first size draws them again
        return most
    pitch = width_px / max(n, 1)
    if pitch < MIN_PITCH_PX:
        return 1.0
    return min(most, 1.0 - MIN_GAP_PX / pitch)


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


def peak_index(values: np.ndarray, bars_per_px: int) -> np.ndarray:
    """Return, per bar, the bar whose height it shows so that no peak is lost on screen.

    With more bars than pixels a bar is narrower than a pixel and a lone tall one is
    not drawn at all; each run of ``bars_per_px`` bars then shows the tallest of the
    run, as an oscilloscope's peak detect does. Vectorized.

    Examples
    --------
    >>> peak_index(np.array([1.0, 9.0, 2.0, 3.0, 1.0]), 2).tolist()
    [1, 1, 3, 3, 4]
    >>> peak_index(np.array([1.0, 9.0]), 1).tolist()
    [0, 1]
    """
    v = np.asarray(values, np.float64)
    n, k = len(v), max(int(bars_per_px), 1)
    if k == 1 or n == 0:
        return np.arange(n)
    nb = -(-n // k)
    padded = np.full(nb * k, -np.inf)
    padded[:n] = v
    best = np.argmax(padded.reshape(nb, k), axis=1) + np.arange(nb) * k
    return np.repeat(best, k)[:n]


def round_step(span: float, length_px: float, min_px: float) -> float:
    """Return the smallest round step that puts ticks ``min_px`` apart on an axis showing
    ``span`` units over ``length_px`` pixels.

    Round steps are 1, 2 and 5 times a power of ten, and 2.5 times one from 25 up
    (25 %, 250 %: a quarter of a hundred, never a fraction of a unit like 2.5).

    Examples
    --------
    >>> round_step(130.0, 90.0, 24.0)  # a feed chart's 0..130 %, 90 px high
    50.0
    >>> round_step(1265.0, 90.0, 24.0)  # a feed at 1,100 %
    500.0
    >>> round_step(130.0, 400.0, 24.0), round_step(1.1, 90.0, 24.0)
    (10.0, 0.5)
    """
    if not (span > 0 and length_px > 0 and math.isfinite(span)):
        return 1.0
    least = span * max(min_px, 1.0) / length_px
    power = 10.0 ** math.floor(math.log10(least))
    for base in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = float(f"{base * power:.12g}")
        if step >= least * (1 - 1e-9) and (base != 2.5 or step >= 25.0):
            return step
    return 10.0 * power


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


class ValueAxis(pg.AxisItem):
    """A left axis whose labelled ticks stand a round step apart, the step chosen for its
    range and its height in pixels (``round_step``), so that labels never stand on each
    other, whether a feed is at 130 % or at 1,100 %. Only those ticks are labelled; the
    grid takes a line halfway between them (a fifth of a 25 or 250 step).

    Its ``marks`` (a chart's limit: 100 %, the air limit) are labelled wherever they fall
    in range, beside the limit line; a step's label too near one gives way to it.
    """

    #: labelled ticks stand at least this many lines of their text apart
    SPACING_LINES = 2.0
    #: a mark's label and a step's stand at least this many lines apart
    MARK_SPACING_LINES = 1.5

    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.setStyle(maxTextLevel=0)
        self.marks: tuple[float, ...] = ()

    def set_marks(self, values) -> None:
        """Label ``values`` on the axis wherever they are in range (the chart's limits)."""
        marks = tuple(float(v) for v in values)
        if marks != self.marks:
            self.marks = marks
            self.picture = None
            self.update()

    def _line_px(self) -> float:
        return QFontMetricsF(QFont(self.style["tickFont"] or self.font())).height()

    def min_spacing_px(self) -> float:
        """Return the fewest pixels between two labelled ticks."""
        return self.SPACING_LINES * self._line_px()

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        span = abs(float(maxVal) - float(minVal))
        if span == 0 or size <= 0:
            return []
        step = round_step(span, size, self.min_spacing_px())
        mantissa = step / 10.0 ** math.floor(math.log10(step))
        minor = step / 5.0 if math.isclose(mantissa, 2.5) else step / 2.0
        return [(step, 0.0), (minor, 0.0)]

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        levels = super().tickValues(minVal, maxVal, size)
        lo, hi = sorted((float(minVal), float(maxVal)))
        marks = [m for m in self.marks if lo <= m <= hi]
        if not levels or not marks or hi <= lo:
            return levels
        step, values = levels[0]
        room = self.MARK_SPACING_LINES * self._line_px() * (hi - lo) / size
        kept = [v for v in values if all(abs(v - m) >= room for m in marks)]
        levels[0] = (step, sorted(kept + marks))
        return levels

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        strings = super().tickStrings(values, scale, spacing)
        # a mark reads as its value (57.2 kW), not rounded to the step's decimals
        return [f"{v * scale:.6g}" if any(math.isclose(v, m) for m in self.marks) else text
                for v, text in zip(values, strings, strict=True)]


class CategoryAxis(pg.AxisItem):
    """A bottom axis that names bars 0..n-1, every one where they fit.

    Labels stand level in the tick font, or one size smaller, while the widest fits its
    bar; else upright (read from below) while a line of text fits a bar, each too long
    for the room the chart gives them cut with an ellipsis that shows (the chart's
    tooltip names the bar whole): at the front where the labels share a beginning, as
    their ids then differ at their ends ("…-0013"), else in the middle, so that a rear
    door among CRAHs keeps what it is and its number ("RD-C…0001", never "-CPU-0001");
    else every so many bars keep a level label and the chart's tooltips name the
    others, while that leaves at least ``MIN_SUBSET`` of them: one or two ids out of a
    hundred bars say nothing of the rest, so an axis with a ``noun`` then says how many
    bars there are ("108 racks"). No label is pushed past the ends of the axis, and the
    axis takes the height its labels need.
    """

    GAP_PX = 4.0
    #: an upright label takes at most this share of the chart's height, and this many px
    ROTATED_SHARE, ROTATED_MAX_PX = 0.4, 72.0
    SMALLER_PT = 1.0
    WIDEST_MEASURED = 500
    #: the fewest labels a subset shows; fewer fit, and the axis counts the bars instead
    MIN_SUBSET = 3

    def __init__(self, noun: str = "") -> None:
        super().__init__("bottom")
        self.setStyle(showValues=False)  # the labels are drawn here, not by pyqtgraph
        self.noun = noun
        self.labels: list[str] = []
        self._caption: tuple[str, QRectF] | None = None  # drawn instead of labels
        # what the last paint drew: (bar, text as shown, its box in axis coordinates)
        self._drawn: list[tuple[int, str, QRectF]] = []
        self._elide = Qt.TextElideMode.ElideLeft
        self._font = QFont()
        self._is_rotated = False
        self._widest_px: dict[str, float] = {}  # per font, for the labels shown
        # per font, each text's width: a chart sorted anew on every drag step shows the
        # same labels in another order, and measuring them again cost ~5 ms a step
        self._advance_px: dict[str, dict[str, float]] = {}

    def set_labels(self, labels: list[str]) -> None:
        """Name bars 0..n-1 with ``labels``."""
        labels = [str(s) for s in labels]
        if labels != self.labels:
            self.labels = labels
            self._elide = Qt.TextElideMode.ElideLeft if os.path.commonprefix(labels) \
                else Qt.TextElideMode.ElideMiddle
            self._widest_px = {}
            self.picture = None
            self._fit_height()
            self.update()

    def drawn_labels(self) -> list[tuple[int, str, QRectF]]:
        """Return ``(bar, text as shown, box)`` of each label the last paint drew."""
        return [(i, text, QRectF(r)) for i, text, r in self._drawn]

    def caption(self) -> str:
        """Return the count the last paint drew instead of labels (``""``: none)."""
        return self._caption[0] if self._caption is not None else ""

    def caption_text(self) -> str:
        """Return the count of the bars, as drawn when too few of their labels fit."""
        n = len(self.labels)
        return f"{n:,} {self.noun}" + ("" if n == 1 else "s")

    def is_rotated(self) -> bool:
        """Whether the last paint drew the labels upright."""
        return self._is_rotated

    def _fonts(self) -> tuple[QFont, QFont]:
        base = QFont(self.style["tickFont"] or self.font())
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() - self.SMALLER_PT, 6.0))
        return base, small

    def _widest(self, font: QFont) -> float:
        key = font.key()
        if key not in self._widest_px:
            # measuring 10,000 ids takes about 30 ms: past WIDEST_MEASURED labels, the
            # longest ones by characters stand for all (ids of one pattern)
            labels = self.labels if len(self.labels) <= self.WIDEST_MEASURED else \
                sorted(self.labels, key=len)[-self.WIDEST_MEASURED:]
            known = self._advance_px.setdefault(key, {})
            if len(known) > self.WIDEST_MEASURED * 8:
                known.clear()
            fm = None
            for s in labels:
                if s not in known:
                    fm = fm or QFontMetricsF(font)
                    known[s] = fm.horizontalAdvance(s)
            self._widest_px[key] = max((known[s] for s in labels), default=0.0)
        return self._widest_px[key]

    def _rotated_room(self) -> float:
        view = self.getViewWidget()
        height = view.height() if view is not None else 200
        return min(self.ROTATED_MAX_PX, self.ROTATED_SHARE * height)

    def plan(self, length_px: float) -> tuple[QFont, list[int], bool, float]:
        """Return the font, the bars labelled, whether the labels stand upright and the
        longest text in pixels, for an axis ``length_px`` long."""
        base, small = self._fonts()
        n = len(self.labels)
        lo, hi = float(self.range[0]), float(self.range[1])
        bar_px = max(length_px / ((hi - lo) or 1.0), 1e-9)
        for font in (base, small):
            widest = self._widest(font)
            if widest + self.GAP_PX <= bar_px:
                return font, list(range(n)), False, widest
        fm = QFontMetricsF(small)
        room = min(self._widest(small), self._rotated_room())
        if fm.height() + 2.0 <= bar_px and room >= fm.horizontalAdvance("MMMM"):
            return small, list(range(n)), True, room
        # a level subset from the first to the last bar whose label fits inside the axis
        widest = min(self._widest(base), max(length_px - self.GAP_PX, 1.0))
        step = max(1, math.ceil((widest + self.GAP_PX) / bar_px))
        half = widest / 2 / bar_px
        shown = list(range(max(0, math.ceil(lo + half)), min(n - 1, math.floor(hi - half)) + 1,
                           step))
        if self.noun and len(shown) < self.MIN_SUBSET:
            return base, [], False, QFontMetricsF(base).horizontalAdvance(self.caption_text())
        return base, shown or [min(max(round((lo + hi) / 2), 0), n - 1)], False, widest

    def _fit_height(self, plan: tuple[QFont, list[int], bool, float] | None = None) -> None:
        """Take the height the labels need (before a paint, so the first one has it)."""
        width = self.mapRectFromParent(self.geometry()).width()
        if not self.labels or width <= 0:
            return
        font, _shown, is_rotated, text_px = plan or self.plan(width)
        text_h = text_px + 1 if is_rotated else QFontMetricsF(font).height()
        need = math.ceil(self.style["tickTextOffset"][1] + max(0, self.style["tickLength"])
                         + text_h + 2)
        if need != self.fixedHeight:
            self.setHeight(need)

    def resizeEvent(self, ev=None):  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if hasattr(self, "labels"):  # pyqtgraph's __init__ resizes before ours has run
            self._fit_height()

    def setRange(self, mn, mx):  # noqa: N802 - pyqtgraph's name
        super().setRange(mn, mx)
        if hasattr(self, "labels"):
            self._fit_height()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's name
        if not self.labels:
            return []
        return [(1.0, [float(i) for i in self.plan(size)[1]])]

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph's name
        specs = super().generateDrawSpecs(p)
        self._drawn = []
        self._caption = None
        if specs is None or not self.labels:
            return specs
        bounds = self.mapRectFromParent(self.geometry())
        lo, hi = float(self.range[0]), float(self.range[1])
        plan = self.plan(bounds.width())
        font, shown, self._is_rotated, text_px = plan
        self._font = font
        fm = QFontMetricsF(font)
        line = fm.height()
        top = bounds.top() + self.style["tickTextOffset"][1] + max(0, self.style["tickLength"])
        if not shown:  # too few labels fit: the count of the bars, centred
            text = fm.elidedText(self.caption_text(), Qt.TextElideMode.ElideRight,
                                 bounds.width())
            w = fm.horizontalAdvance(text) + 1
            self._caption = (text, QRectF(bounds.center().x() - w / 2, top, w, line))
        for i in shown:
            x = bounds.left() + (i - lo) / ((hi - lo) or 1.0) * bounds.width()
            if not bounds.left() - 0.5 <= x <= bounds.right() + 0.5:
                continue
            text = self.labels[i]
            if fm.horizontalAdvance(text) > text_px + 0.5:
                # a pixel to spare: text drawn a little wider than measured (another
                # screen's hinting) then still shows its ellipsis
                text = fm.elidedText(text, self._elide, text_px - 1.0)
            if self._is_rotated:
                box = QRectF(x - line / 2, top, line, text_px + 1)
            else:
                w = fm.horizontalAdvance(text) + 1
                box = QRectF(min(max(x - w / 2, bounds.left()), bounds.right() - w), top, w, line)
            self._drawn.append((i, text, box))
        self._fit_height(plan)  # the chart's height may have changed the room upright
        return specs

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802 - pyqtgraph's name
        super().drawPicture(p, axisSpec, tickSpecs, textSpecs)
        p.setFont(self._font)
        p.setPen(self.textPen())
        # never clipped to its box: a label drawn wider than measured is not cut silently
        keep = int(Qt.TextFlag.TextDontClip)
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) | keep
        centre = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop) | keep
        if self._caption is not None:
            p.drawText(self._caption[1], centre, self._caption[0])
        for _i, text, box in self._drawn:
            if not self._is_rotated:
                p.drawText(box, centre, text)
                continue
            # upright: turned a quarter left about the box's top centre, ending at the axis
            p.save()
            p.translate(box.center().x(), box.top())
            p.rotate(-90)
            p.drawText(QRectF(-box.height(), -box.width() / 2, box.height(), box.width()),
                       right, text)
            p.restore()


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
    """A chart with a readable title, a note and an empty-state text (see ChartHeader).

    A chart of ``categories`` names its bars on a ``CategoryAxis`` (which counts them,
    "108 racks" for the ``noun`` "rack", where too few names fit); otherwise its bottom
    axis is numeric. Its left axis is a ``ValueAxis``: round steps fit to its height.
    """

    def __init__(self, title: str, empty_text: str = "no data", parent=None,
                 categories: bool = True, noun: str = "") -> None:
        super().__init__(parent)
        self.header = ChartHeader(title)
        self.title = self.header.title
        self.note = self.header.note
        self.axis = CategoryAxis(noun) if categories else None
        self.value_axis = ValueAxis()
        axes = {"left": self.value_axis}
        if self.axis is not None:
            axes["bottom"] = self.axis
        self.widget = pg.PlotWidget(background="w", axisItems=axes)
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

    def add_control(self, widget: QWidget) -> None:
        """Put a small control (a toggle) at the end of the title line."""
        self.header.add_control(widget)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # with a one-line header: the dashboard sizes its dock by this, and a note that
        # wraps at today's width must not make the dock taller (the plot gives the line)
        s = super().sizeHint()
        extra = self.header.minimumHeight() - self.header.sizeHint().height()
        return QSize(s.width(), s.height() - max(extra, 0))

    def set_empty(self, is_empty: bool, text: str | None = None) -> None:
        """Show the empty-state text instead of the plot."""
        if text is not None:
            self.empty.setText(text)
        self.stack.setCurrentIndex(1 if is_empty else 0)

    def is_empty(self) -> bool:
        """Whether the empty-state text is showing."""
        return self.stack.currentIndex() == 1

    def set_category_ticks(self, labels: list[str]) -> None:
        """Name bars 0..n-1 with ``labels`` (every one that fits; see CategoryAxis)."""
        self.axis.set_labels(labels)
