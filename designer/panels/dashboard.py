"""The live dashboard: headline figures and charts of power, cooling, feeds and cabling.

It follows ``document.analysis_updated`` on every drag step, so an update only
sets texts that changed and calls ``setData`` on plot items made once. While
the dashboard is hidden the charts wait and catch up when it is shown.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGraphicsOpacityEffect,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from designer.panels.charts import BarSeries, ChartBox, bar_width, peak_index
from designer.panels.common import (
    SEVERITY_COLORS,
    UTIL_CAP_PCT,
    DragThrottle,
    fmt_kw,
    fmt_power_mw,
)
from engine.report_tables import KW_DIGITS, group_status

__all__ = ["DashboardPanel", "FIGURES", "cable_length_histogram", "status_summary",
           "trim_histogram", "unknown_power_sub"]

#: the switch tiers and networks as the narrowest switches tile names them (one letter
#: for the compute tiers; spine and storage, management apart)
_TIER_SHORT = {"leaf": "L", "spine": "S", "core": "C", "front-end": "FE", "storage": "St",
               "management": "Mg", "unassigned": "other"}


def _tier_short(name: str) -> str:
    """``"storage leaf"`` -> ``"St-L"``, ``"spine"`` -> ``"S"``."""
    return "-".join(_TIER_SHORT.get(w, w[:2]) for w in name.split())

# key -> caption (units are in the values)
FIGURES: list[tuple[str, str]] = [
    ("gpus", "GPUs"), ("it", "IT load"), ("facility", "Facility load"), ("pue", "PUE"),
    ("liquid", "Liquid share"), ("max_rack", "Max rack"), ("cables", "Cables"),
    ("optics", "Optics"), ("bisection", "Bisection"), ("per_gpu", "Per-GPU bisection"),
    ("switches", "Switches"), ("violations", "Violations"),
]

_AIR, _LIQUID, _SEL = "#64a0dc", "#26a69a", "#ff9800"
_DOOR = "#b3d1ef"  # air heat a rear door takes to the water: a paler air
_OVER, _LIMIT = "#d32f2f", "#d32f2f"
_GAPS_UP_TO = 150  # more bars than this are drawn edge to edge (and as sorted profiles)
# (columns, narrowest chart): four in a row need room for their titles and notes too
_CHART_COLUMNS = ((4, 360), (2, 300))
#: four charts in one row, each at least this wide, where two rows of two would not fit
#: the dock's height (a short, wide dock: all four in view instead of two scrolled away)
_SHORT_ROW_CHART_W = 140
_CHART_SPACING, _MARGIN, _BODY_SPACING = 8, 6, 8


def cable_length_histogram(network: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Return ``(edges_m, counts)`` of cable lengths from a network result, if it has any.

    Accepts a ready histogram (``length_histogram`` as ``{"edges_m", "counts"}``
    or ``(counts, edges)``) or per-cable lengths (``cable_lengths_m``,
    ``link_lengths_m``, ``lengths_m``, with optional ``*_counts`` weights).

    Examples
    --------
    >>> class N: cable_lengths_m = [1.0, 2.5, 2.7, 9.0]
    >>> edges, counts = cable_length_histogram(N())
    >>> int(counts.sum())
    4
    >>> cable_length_histogram(object()) is None
    True
    """
    hist = getattr(network, "length_histogram", None)
    if callable(hist):
        hist = hist()
    if isinstance(hist, dict):
        edges = hist.get("edges_m", hist.get("edges"))
        counts = hist.get("counts")
        if edges is not None and counts is not None and len(counts):
            return np.asarray(edges, np.float64), np.asarray(counts, np.float64)
    elif isinstance(hist, (tuple, list)) and len(hist) == 2 and len(hist[0]):
        return np.asarray(hist[1], np.float64), np.asarray(hist[0], np.float64)
    for name in ("cable_lengths_m", "link_lengths_m", "lengths_m", "cable_length_m"):
        lengths = getattr(network, name, None)
        if lengths is None or not len(lengths):
            continue
        lengths = np.asarray(lengths, np.float64)
        weights = getattr(network, name.replace("lengths_m", "counts").replace(
            "length_m", "counts"), None)
        w = np.asarray(weights, np.float64) if weights is not None and \
            len(weights) == len(lengths) else None
        top = max(float(lengths.max()), 1.0)
        step = 1.0 if top <= 40 else (5.0 if top <= 200 else 10.0)
        edges = np.arange(0.0, np.ceil(top / step) * step + step, step)
        counts, edges = np.histogram(lengths, bins=edges, weights=w)
        return edges, counts.astype(np.float64)
    return None


def trim_histogram(edges_m, counts, longest_m: float | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(edges_m, counts)`` cut to the bins that hold cables.

    Empty bins after the last filled one are dropped, and that bin ends at
    ``longest_m`` when the longest cable lies inside it: the engine's bins
    widen to an open last one (closed far past any cable), which would
    otherwise squeeze every bar against zero. The closed bin keeps a width of
    at least 3 % of the longest cable so its bar stays visible.

    Parameters
    ----------
    edges_m : array_like of float, shape (n + 1,)
        Bin edges in metres, increasing.
    counts : array_like of float, shape (n,)
        Cables per bin.
    longest_m : float, optional
        The longest cable in metres.

    Examples
    --------
    >>> e, c = trim_histogram([0, 1, 2, 5, 2000, 3000], [0, 3, 4, 0, 0], longest_m=4.2)
    >>> e.tolist(), c.tolist()
    ([0.0, 1.0, 2.0, 4.2], [0.0, 3.0, 4.0])
    """
    edges = np.array(edges_m, np.float64)
    counts = np.array(counts, np.float64)
    filled = np.flatnonzero(counts > 0)
    if not len(filled):
        return edges, counts
    last = int(filled[-1])
    edges, counts = edges[:last + 2], counts[:last + 1]
    lo, hi = edges[-2], edges[-1]
    if longest_m is not None and np.isfinite(longest_m) and lo <= longest_m < hi:
        edges[-1] = min(hi, max(longest_m, lo + 0.03 * max(longest_m, 1.0)))
    return edges, counts


def status_summary(analysis) -> str:
    """Return a one-line summary of an analysis for a status bar."""
    if analysis is None:
        return ""
    p = analysis.power
    sev = analysis.violations_by_severity()
    pue = f"{p.pue:.2f}" if p.it_kw > 0 else "—"
    return (f"{analysis.counts['gpus']:,} GPUs · IT {fmt_power_mw(p.it_kw)} · facility "
            f"{fmt_power_mw(p.facility_kw)} · PUE {pue} · "
            f"{_plural(sev['error'], 'error')}, {_plural(sev['warning'], 'warning')}")


def _cut_marks(plot) -> pg.ScatterPlotItem:
    """Return the marks a utilization chart puts on the bars it cuts at UTIL_CAP_PCT."""
    marks = pg.ScatterPlotItem(symbol="t1", size=9, brush=pg.mkBrush(_OVER),
                               pen=pg.mkPen("w", width=1))
    marks.setZValue(_LIMIT_Z + 1)
    plot.addItem(marks)
    return marks


def _cut_note(names: list[str], util_pct: np.ndarray) -> str:
    """Return the legend entry of the bars cut at UTIL_CAP_PCT: the fullest named with its
    value ("" when none is cut).

    Examples
    --------
    >>> _cut_note([], np.zeros(0))
    ''
    >>> note = _cut_note(["BW-02a-B", "BW-01a-A"], np.array([310.0, 846.2]))
    >>> "off the scale: BW-01a-A 846 % and 1 more" in note.replace("&nbsp;", " ")
    True
    """
    if not len(names):
        return ""
    k = int(np.argmax(util_pct))
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return " " + _entry("▲", _OVER, f"off the scale: {names[k]} {util_pct[k]:,.0f} %{more}")


def _util_top(util_pct: np.ndarray) -> float:
    """Return the top of a utilization chart: room above its fullest bar, from 130 % (the
    100 % line in view) to a little above :data:`UTIL_CAP_PCT`, where bars are cut.

    Examples
    --------
    >>> _util_top(np.array([50.0])), _util_top(np.array([150.0])), _util_top(np.array([1.5e4]))
    (130.0, 172.5, 220.0)
    """
    most = float(util_pct.max()) if len(util_pct) else 0.0
    return max(130.0, min(most, UTIL_CAP_PCT) * 1.15 if most <= UTIL_CAP_PCT
               else UTIL_CAP_PCT + 20.0)


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def unknown_power_sub(kw: str, devices: int, ends: int) -> tuple[str, tuple[str, ...]]:
    """Return the IT-load tile's line under a lower-bound figure and its shorter forms,
    longest first: what was left out of the load for want of a power figure, after the
    load in kW (``kw``, or ``""`` where the tile gives none); a narrow tile drops the kW,
    then the cable ends, then words.

    Examples
    --------
    >>> text, shorter = unknown_power_sub("744.0 kW", 28, 2240)
    >>> text
    '744.0 kW · + 28 devices and 2,240 cable ends of unknown power'
    >>> shorter  # doctest: +NORMALIZE_WHITESPACE
    ('744.0 kW · + 28 devices, 2,240 ends of unknown power',
     '+ 28 devices, 2,240 ends of unknown power', '28 devices, 2,240 ends unknown',
     '28 devices of unknown power', '28 devices unknown')
    >>> unknown_power_sub("", 0, 1)
    ('+ 1 cable end of unknown power', ('+ 1 end of unknown power', '1 end of unknown power', '1 end unknown'))
    """
    full = [_plural(devices, "device")] if devices else []
    full += [_plural(ends, "cable end")] if ends else []
    short = [_plural(devices, "device")] if devices else []
    short += [_plural(ends, "end")] if ends else []
    lead = f"{kw} · " if kw else ""
    text = f"{lead}+ {' and '.join(full)} of unknown power"
    forms = [f"{lead}+ {', '.join(short)} of unknown power",
             f"+ {', '.join(short)} of unknown power", f"{', '.join(short)} unknown",
             f"{short[0]} of unknown power", f"{short[0]} unknown"]
    # the load stays a lower bound ("≥" on the figure above) in every form
    out: list[str] = []
    for f in forms:
        if f != text and f not in out:
            out.append(f)
    return text, tuple(sorted(out, key=len, reverse=True))


class _FitLabel(QLabel):
    """One line of text that shrinks its font to fit the width, then takes a shorter form
    of the same figures (``set_shorter``), and elides only when even the shortest is too long.

    ``text()`` stays the full text; a tooltip shows it while another form is drawn.
    """

    def __init__(self, point_size: float, min_point_size: float, bold: bool = False,
                 color: str = "#5f6368") -> None:
        super().__init__()
        font = QFont(self.font())
        font.setPointSizeF(point_size)
        if bold:
            font.setWeight(QFont.Weight.DemiBold)
        self.setFont(font)
        self.min_point_size = min_point_size
        self.color = color
        self.shorter: tuple[str, ...] = ()
        # the grid decides the width; a long text shrinks instead of widening the panel
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_color(self, color: str) -> None:
        """Draw the text in ``color``."""
        if color != self.color:
            self.color = color
            self.update()

    def set_shorter(self, forms: tuple[str, ...] | list[str]) -> None:
        """Give shorter forms of the text, longest first, drawn when the text does not fit."""
        forms = tuple(forms)
        if forms != self.shorter:
            self.shorter = forms
            self.update()

    def fitted(self) -> tuple[QFont, str]:
        """Return the font and the text drawn at the current width."""
        width = self.contentsRect().width()
        font = QFont(self.font())
        for text in (self.text(), *self.shorter):
            font.setPointSizeF(self.font().pointSizeF())
            size = font.pointSizeF()
            while size > self.min_point_size and \
                    QFontMetricsF(font).horizontalAdvance(text) > width:
                size = max(self.min_point_size, size - 0.5)
                font.setPointSizeF(size)
            if QFontMetricsF(font).horizontalAdvance(text) <= width:
                return font, text
        return font, QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)

    def is_cut(self) -> bool:
        """Whether something other than the whole text is drawn (a shorter form, or elided)."""
        return self.fitted()[1] != self.text()

    def is_elided(self) -> bool:
        """Whether even the shortest form is cut at the current width."""
        return self.fitted()[1] not in (self.text(), *self.shorter)

    def paintEvent(self, _event) -> None:
        font, text = self.fitted()
        p = QPainter(self)
        p.setFont(font)
        p.setPen(QColor(self.color))
        p.drawText(self.contentsRect(), Qt.AlignmentFlag.AlignLeft
                   | Qt.AlignmentFlag.AlignVCenter, text)

    def cut_tooltip(self) -> str:
        """Return the tooltip shown while the text is cut: the whole text (and the tile's
        own tooltip), or ``""`` when the whole text is drawn."""
        if not self.is_cut():
            return ""
        more = self.parentWidget().toolTip() if self.parentWidget() else ""
        return self.text() + (f"\n{more}" if more else "")

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.ToolTip and not self.toolTip():
            tip = self.cut_tooltip()
            if tip:
                QToolTip.showText(ev.globalPos(), tip, self)
                return True
            ev.ignore()  # the tile's own tooltip, if any
            return False
        return super().event(ev)


class _FigureTile(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("_FigureTile { background: #fafbfc; }")
        self.caption = _FitLabel(8.0, 7.0)
        self.caption.setText(caption)
        self.value = _FitLabel(13.0, 9.0, bold=True, color="#202124")
        self.value.setText("—")
        self.sub = _FitLabel(8.0, 7.0)
        self.compact = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 3, 6, 3)
        lay.setSpacing(0)
        for w in (self.caption, self.value, self.sub):
            lay.addWidget(w)

    def set_compact(self, on: bool) -> None:
        """Show the caption and the value alone (the small text under the value goes to
        the tooltip): a short dashboard keeps its charts in view."""
        if on != self.compact:
            self.compact = on
            self.sub.setVisible(not on)

    def height_for(self, compact: bool) -> int:
        """Return the tile's height with or without the small text under the value."""
        sub = self.sub.sizeHint().height()
        full = self.sizeHint().height() + (sub if self.compact else 0)
        return full - sub if compact else full

    def event(self, ev) -> bool:
        if ev.type() == QEvent.Type.ToolTip and self.compact and self.sub.text():
            own = self.toolTip()
            QToolTip.showText(ev.globalPos(), self.sub.text() + (f"\n{own}" if own else ""),
                              self)
            return True
        return super().event(ev)

    def set(self, value: str, sub: str = "", color: str | None = None,
            shorter_sub: tuple[str, ...] = ()) -> None:
        """Show ``value`` over ``sub``; ``shorter_sub`` are shorter forms of ``sub`` for a
        narrow tile (the whole stays in the tooltip)."""
        if self.value.text() != value:
            self.value.setText(value)
        if self.sub.text() != sub:
            self.sub.setText(sub)
        self.sub.set_shorter(shorter_sub)
        self.value.set_color(color or "#202124")


class _TileGrid(QWidget):
    """Figure tiles in as many columns as fit, in rows of equal length where it can."""

    #: the narrowest tile, whole and compact (a caption and a value fit narrower)
    MIN_TILE_W, MIN_COMPACT_W, SPACING = 124, 100, 4

    def __init__(self, tiles: list[QWidget]) -> None:
        super().__init__()
        self.tiles = tiles
        for t in tiles:
            t.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.heightForWidth(6 * (self.MIN_TILE_W + self.SPACING)))

    def _tile_h(self, compact: bool | None = None) -> int:
        return max(t.height_for(self.compact if compact is None else compact)
                   for t in self.tiles)

    @property
    def compact(self) -> bool:
        """Whether the tiles show their caption and value alone."""
        return bool(self.tiles) and self.tiles[0].compact

    def set_compact(self, on: bool) -> None:
        """Show every tile's caption and value alone, or whole again."""
        if on != self.compact:
            for t in self.tiles:
                t.set_compact(on)
            self.setFixedHeight(self.heightForWidth(self.width()))
            self.resizeEvent(None)

    def columns(self, width: int, compact: bool | None = None) -> int:
        """Return the columns at ``width``: as many as fit, then as few as keep the rows."""
        n = len(self.tiles)
        compact = self.compact if compact is None else compact
        tile_w = self.MIN_COMPACT_W if compact else self.MIN_TILE_W
        fit = max(1, min(n, (width + self.SPACING) // (tile_w + self.SPACING)))
        rows = -(-n // fit)
        return -(-n // rows)  # 12 tiles where 10 fit: 2 rows of 6, not 10 and 2

    def heightForWidth(self, width: int, compact: bool | None = None) -> int:
        rows = -(-len(self.tiles) // self.columns(width, compact))
        return rows * self._tile_h(compact) + (rows - 1) * self.SPACING

    def sizeHint(self) -> QSize:
        w = 6 * (self.MIN_TILE_W + self.SPACING)
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.MIN_TILE_W, self._tile_h())

    def resizeEvent(self, event) -> None:
        if event is not None:
            super().resizeEvent(event)
        cols = self.columns(self.width())
        w = (self.width() - (cols - 1) * self.SPACING) / cols
        h = self._tile_h()
        for i, t in enumerate(self.tiles):
            r, c = divmod(i, cols)
            x0, x1 = round(c * (w + self.SPACING)), round(c * (w + self.SPACING) + w)
            t.setGeometry(x0, r * (h + self.SPACING), x1 - x0, h)
        # the rows follow the width; the new height relayouts once (the width is unchanged)
        self.setFixedHeight(self.heightForWidth(self.width()))




#: how long a background analysis runs before the figures on show dim as stale
STALE_AFTER_MS = 400


class DashboardPanel(QWidget):
    """Headline figures and four live charts of the latest analysis."""

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DashboardPanel")
        self.document = document
        self._pending = True
        self._chart_inputs: dict[str, tuple] = {}
        # while a drag previews, charts redraw at most every DRAG_INTERVAL_S and catch up
        # when the drag pauses; the headline figures follow every step
        self._charts_throttle = DragThrottle(
            self, document, lambda: self._update_charts(self.document.analysis))
        self._rack_order = np.zeros(0, np.int64)
        self._rack_shown = np.zeros(0, np.int64)  # per bar, the rack whose height it shows
        self._unit_order = np.zeros(0, np.int64)
        self._feed_order = np.zeros(0, np.int64)

        self.tiles: dict[str, _FigureTile] = {k: _FigureTile(c) for k, c in FIGURES}
        self.tile_grid = _TileGrid(list(self.tiles.values()))

        self.rack_chart = ChartBox("Power per rack (kW)", "no racks yet", noun="rack")
        self.sort_racks = QCheckBox("sorted")
        self.sort_racks.setToolTip("Sort racks by power instead of layout order")
        self.rack_chart.add_control(self.sort_racks)
        self.cooling_chart = ChartBox("Cooling unit utilization (%)", "no cooling units yet",
                                      noun="unit")
        self.feed_chart = ChartBox("Feed utilization (%)", "no power feeds yet", noun="feed")
        self.cable_chart = ChartBox("Cable lengths (cables per bin)", "no cabling yet",
                                    categories=False)
        self._make_items()
        for box in self._boxes():
            box.header.natural_height_changed.connect(self._align_headers)

        self._charts = QGridLayout()
        self._charts.setSpacing(_CHART_SPACING)
        self._chart_cols = 0
        self._layout_charts(2)
        # in a scroll area, so a narrow dock stacks the charts instead of growing taller
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(_MARGIN, _MARGIN, _MARGIN, _MARGIN)
        body.setSpacing(_BODY_SPACING)
        body.addWidget(self.tile_grid)
        body.addLayout(self._charts, 1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.body)
        # a scroll bar that narrows the body can wrap a chart's note (a taller body, which
        # needs the bar) where the width without it does not (a shorter one, which needs
        # none): the two alternated for ever at some window sizes. A bar that shows stays
        # until the panel is resized (see _hold_bar)
        self.scroll.verticalScrollBar().installEventFilter(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll)

        self.sort_racks.toggled.connect(lambda _c: self._update_charts(self.document.analysis))
        # more racks than pixels: the peaks shown depend on the chart's width; few: the
        # width of their bars (gaps that stay open)
        self.rack_chart.plot.vb.sigResized.connect(self._rack_chart_resized)
        self.cooling_chart.plot.vb.sigResized.connect(self._cooling_chart_resized)
        document.analysis_updated.connect(self.update_from)
        document.selection_changed.connect(self._on_selection)
        # an analysis that runs long in the background (a graph bisection search on a
        # large hall): the figures of the edit before it dim until it is in, so nobody
        # reads them as the new layout's; a short one does not make them flicker
        self._stale_timer = QTimer(self)
        self._stale_timer.setSingleShot(True)
        self._stale_timer.setInterval(STALE_AFTER_MS)
        self._stale_timer.timeout.connect(lambda: self._show_stale(True))
        busy = getattr(document, "analysis_busy", None)
        if busy is not None:
            busy.connect(self._on_busy)
        for box in self._boxes():
            box.widget.scene().sigMouseMoved.connect(
                lambda pos, b=box: self._hover(b, pos))
            box.widget.scene().sigMouseClicked.connect(
                lambda ev, b=box: self._clicked(b, ev))
        self.update_from(document.analysis)

    # -- public -------------------------------------------------------------------------

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self._stale_timer.start()
        else:
            self._stale_timer.stop()
            self._show_stale(False)

    def _show_stale(self, stale: bool) -> None:
        """Dim the headline figures while they are an earlier layout's."""
        if stale:
            fade = QGraphicsOpacityEffect(self.tile_grid)
            fade.setOpacity(0.4)
            self.tile_grid.setGraphicsEffect(fade)  # the widget owns it from here
        else:
            self.tile_grid.setGraphicsEffect(None)
        self.tile_grid.setToolTip("Updating: these figures are of the layout before the "
                                  "last edit" if stale else "")

    @property
    def is_stale(self) -> bool:
        """Whether the figures on show are dimmed, an earlier layout's."""
        return self.tile_grid.graphicsEffect() is not None

    def figure_text(self, key: str) -> str:
        """Return the value text of a headline figure."""
        return self.tiles[key].value.text()

    def figure_sub(self, key: str) -> str:
        """Return the small text under a headline figure."""
        return self.tiles[key].sub.text()

    def update_from(self, analysis) -> None:
        """Show ``analysis`` (called on every ``analysis_updated``)."""
        if analysis is None:
            return
        self._update_figures(analysis)
        if not self.isVisible():
            self._pending = True
            return
        self._charts_throttle.request()

    # -- figures ------------------------------------------------------------------------

    def _update_figures(self, a) -> None:
        p, c, n, k = a.power, a.cooling, a.network, a.counts
        t = self.tiles
        t["gpus"].set(f"{k['gpus']:,}", f"in {k['racks']:,} racks" if k["gpus"] or not
                      k["cpu_nodes"] else f"{k['cpu_nodes']:,} CPU nodes, {k['racks']:,} racks")
        t["gpus"].setToolTip(f"{k['gpus']:,} GPUs in {k['servers']:,} servers and "
                             f"{k['racks']:,} racks; {k['cpu_nodes']:,} CPU nodes")
        has_load = p.it_kw > 0  # ratios over the IT load mean nothing without one
        it_sub = "no GPUs" if not k["gpus"] else (f"{p.gpus_per_mw:,.0f} GPUs/MW" if has_load
                                                  else "GPUs/MW —")
        # devices without a power figure are left out of the load: it is a lower bound
        unknown = getattr(p, "unknown_power_devices", 0)
        ends = getattr(p, "unknown_power_ends", 0)
        bound = "≥ " if unknown or ends else ""
        left_out = " and ".join(
            ([_plural(unknown, "device")] if unknown else [])
            + ([_plural(ends, "cable end")] if ends else []))
        kw = f"{p.it_kw:,.1f} kW" if p.it_kw < 10_000 else ""
        if left_out:
            # a tile's width holds about 25 characters: the whole line is in the tooltip
            sub, shorter = unknown_power_sub(kw, unknown, ends)
            t["it"].set(bound + fmt_power_mw(p.it_kw), sub, shorter_sub=shorter)
        else:
            t["it"].set(fmt_power_mw(p.it_kw), f"{kw} · {it_sub}" if kw else it_sub)
        models = sorted(getattr(p, "unknown_power_hardware", {}).items())
        t["it"].setToolTip(f"IT load {p.it_kw:,.1f} kW" + (
            f", leaving out {left_out} the catalog has no power figure for "
            f"({', '.join(f'{n:,} × {m}' for m, n in models)})" if left_out else ""))
        pue_src = "set by user" if self.document.layout.assumptions.pue is not None \
            else "modelled"
        t["facility"].set(bound + fmt_power_mw(p.facility_kw),
                          f"{bound}{p.facility_kw:,.1f} kW" if p.facility_kw < 10_000 else
                          f"overhead {bound}{fmt_kw(p.facility_kw - p.it_kw)}")
        t["pue"].set(f"{p.pue:.2f}" if has_load else "—",
                     pue_src if has_load else "no IT load")
        door_kw = float(np.sum(c.rack_door_kw)) if c.rack_door_kw is not None else 0.0
        if c.heat_kw > 0:
            # rear doors take air heat to the water: said beside the cold plates' share
            sub = f"{fmt_kw(c.liquid_kw)} to liquid"
            if door_kw > 0:
                sub = (f"{fmt_kw(c.liquid_kw)} liquid · " if c.liquid_kw > 0 else "") + \
                    f"rear doors {fmt_kw(door_kw)}"
            t["liquid"].set(f"{c.liquid_kw / c.heat_kw:.0%}", sub)
        else:
            t["liquid"].set("—", "no heat load")
        t["liquid"].setToolTip(f"Heat {fmt_kw(c.heat_kw)}: air {fmt_kw(c.air_kw)}, liquid "
                               f"{fmt_kw(c.liquid_kw)} (cold plates, through CDUs); the "
                               f"devices' fans move {c.airflow_cfm:,.0f} CFM, the cooling "
                               f"units must supply {c.supply_airflow_cfm:,.0f} CFM at the "
                               f"air ΔT"
                               + (f"; of the air heat, rear-door coils hand {fmt_kw(door_kw)} "
                                  "to the facility water" if door_kw > 0 else ""))
        air_lim = self.document.layout.assumptions.air_limit_kw_per_rack
        # the decimals of every report's rack power: one figure, one rounding
        # a rack leaving out hardware of unknown power: the largest is a lower bound
        low = p.rack_unknown_power is not None and bool(np.asarray(p.rack_unknown_power).any())
        t["max_rack"].set(f"{'≥ ' if low else ''}{p.max_rack_kw:,.{KW_DIGITS}f} kW",
                          f"air limit {air_lim:g} kW")
        cab = n.cabling_dict()
        total_m = cab["total_length_m"]
        if total_m:
            # the longest cable as the cable chart's note gives it (17.5 m, not 17 m)
            km, longest = _km(total_m), f"{_metres(cab['max_length_m'])} m"
            t["cables"].set(f"{cab['cables']:,}", f"{total_m / 1000:,.2f} km · longest {longest}",
                            shorter_sub=(f"{km} km · longest {longest}",
                                         f"{km} km · max {longest}", f"{km} km"))
        else:
            t["cables"].set(f"{cab['cables']:,}", "no cabling yet")
        twin = cab["links"] - cab["cables"]
        t["cables"].setToolTip(
            f"{cab['cables']:,} cables to buy for {cab['links']:,} links, as the report's "
            "bill of materials orders them"
            + (f": a copper cable at a twin-port cage carries two links ({twin:,} fewer "
               "cables than links)" if twin > 0 else "")
            + "; the length chart counts them too.")
        unknown = int(cab.get("optics_power_unknown_ends", 0))
        optics_kw = f"{cab['optics_w'] / 1000:,.1f} kW"
        t["optics"].set(f"{cab['transceivers']:,}", f"transceivers · {optics_kw}"
                        if not unknown else f"transceivers · ≥ {optics_kw}")
        t["optics"].setToolTip(
            f"{cab['transceivers']:,} transceiver modules. Optics and active cables with a "
            f"power figure draw {optics_kw}"
            + (f"; {unknown:,} link ends use media the catalog gives no power for, and are "
               "not counted" if unknown else "")
            + ". Ends in a switch whose power figure includes its optics add nothing here.")
        # the attributes, not network_dict(): that one also lists every switch placement
        net = {"bisection_tbps": n.bisection_tbps, "bisection_method": n.bisection_method,
               "per_gpu_bisection_gbps": n.per_gpu_bisection_gbps,
               "scaleup_domain_gpus": n.scaleup_domain_gpus}
        if k["gpus"] == 0 or net["bisection_method"] in ("", "none"):
            # bisection is over the GPU endpoints of a scale-out fabric
            why = "no GPUs" if k["gpus"] == 0 else "no GPU fabric"
            t["bisection"].set("—", why)
            t["per_gpu"].set("—", why)
            t["per_gpu"].setToolTip("")
        else:
            t["bisection"].set(f"{net['bisection_tbps']:,.2f} Tb/s",
                               f"one way · {net['bisection_method'].replace('_', ' ')}")
            # what it is per: half the GPUs (one side of the cut); the scale-up domain is
            # in the tooltip, a figure of its own
            t["per_gpu"].set(f"{net['per_gpu_bisection_gbps']:,.1f} Gb/s", "across the cut")
            # what it divides by: the GPUs on one side of the cut, so a non-blocking
            # fabric shows each GPU's own link speed
            t["per_gpu"].setToolTip(
                f"Bisection ÷ the GPUs on one side of the cut (half of the "
                f"{n.scaleout_gpus:,} in the scale-out fabric): "
                f"{net['bisection_tbps']:,.2f} Tb/s ÷ {n.scaleout_gpus / 2:,.0f} = "
                f"{net['per_gpu_bisection_gbps']:,.1f} Gb/s one way. A non-blocking fabric "
                "gives each GPU's own link speed. Scale-up domain: "
                f"{net['scaleup_domain_gpus']} GPUs.")
        sw = n.switch_counts()
        tiers = [(k.replace("front_end", "front-end").replace("_", " "), v)
                 for k, v in sw.items() if k != "total" and v]
        t["switches"].set(f"{sw['total']:,}",
                          " · ".join(f"{v:,} {k}" for k, v in tiers) or "none yet",
                          shorter_sub=(" · ".join(f"{v} {k}" for k, v in tiers),
                                       " · ".join(f"{v} {_tier_short(k)}" for k, v in tiers))
                          if tiers else ())
        sev = a.violations_by_severity()
        worst = "error" if sev["error"] else ("warning" if sev["warning"] else None)
        info = sev.get("info", 0)
        # errors and warnings, as the status bar counts them; infos are notes, said apart
        t["violations"].set(f"{sev['error'] + sev['warning']:,}",
                            f"{_plural(sev['error'], 'error')} · "
                            f"{_plural(sev['warning'], 'warning')}"
                            + (f" · {info:,} info" if info else ""),
                            SEVERITY_COLORS[worst] if worst else "#2e7d32")

    def chart_columns(self, width: int, height: int | None = None,
                      compact: bool | None = None) -> int:
        """Return the chart columns at a panel ``width``: 4, 2 or 1 (no chart alone in a row).

        With a ``height``, rows of two (or of one) that would not fit it become one row of
        four where the width gives each at least ``_SHORT_ROW_CHART_W``. ``compact``:
        with the figure tiles so (default: as they are).
        """
        cols = next((c for c, chart_w in _CHART_COLUMNS
                     if c * chart_w + (c - 1) * _CHART_SPACING + 2 * _MARGIN <= width), 1)
        if cols == 4 or height is None or self.body_height(width, cols, compact) <= height:
            return cols
        if _has_short_row(width) and self.body_height(width, 4, compact) <= height:
            return 4
        return cols

    def layout_for(self, width: int, height: int) -> tuple[bool, int]:
        """Return whether the figure tiles go compact, and the chart columns, for a panel
        of ``width`` x ``height``: whole tiles while everything fits (or nothing would
        fit either way), compact ones where that brings the charts into view."""
        cols = self.chart_columns(width, height, compact=False)
        if self.body_height(width, cols, compact=False) <= height:
            return False, cols
        return True, self.chart_columns(width, height, compact=True)

    def body_height(self, width: int, cols: int, compact: bool | None = None) -> int:
        """Return the height the figures and ``cols`` columns of charts need at ``width``
        (``compact``: with the figure tiles so; default: as they are)."""
        inner = width - 2 * _MARGIN
        chart_w = (inner - (cols - 1) * _CHART_SPACING) // cols
        boxes = self._boxes()
        rows = [boxes[i:i + cols] for i in range(0, len(boxes), cols)]
        charts = sum(max(b.header.height_for_width(chart_w) for b in row)
                     + b.layout().spacing() + b.widget.minimumHeight() for row in rows
                     for b in row[:1])
        return (2 * _MARGIN + self.tile_grid.heightForWidth(inner, compact) + _BODY_SPACING
                + charts + (len(rows) - 1) * _CHART_SPACING)

    def _hold_bar(self, held: bool) -> None:
        """Keep the vertical scroll bar shown (``held``), or let the scroll area show it
        as needed."""
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOn if held else \
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
        if self.scroll.verticalScrollBarPolicy() != policy:
            self.scroll.setVerticalScrollBarPolicy(policy)

    def bar_held(self) -> bool:
        """Whether the vertical scroll bar is held shown until the panel is resized."""
        return self.scroll.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOn

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.scroll.verticalScrollBar() and event.type() == QEvent.Type.Show:
            self._hold_bar(True)
        return super().eventFilter(watched, event)

    def _boxes(self) -> tuple[ChartBox, ...]:
        return (self.rack_chart, self.cooling_chart, self.feed_chart, self.cable_chart)

    def _align_headers(self) -> None:
        """Give the headers of charts side by side one height, so their plots line up."""
        boxes = self._boxes()
        cols = max(self._chart_cols, 1)
        for start in range(0, len(boxes), cols):
            row = [b.header for b in boxes[start:start + cols]]
            floor = max(h.natural_height() for h in row) if len(row) > 1 else 0
            for h in row:
                if h.floor_height != floor:
                    h.floor_height = floor
                    h.relayout()

    def _layout_charts(self, cols: int) -> None:
        if cols == self._chart_cols:
            return
        self._chart_cols = cols
        boxes = self._boxes()
        for box in boxes:
            self._charts.removeWidget(box)
        for i, box in enumerate(boxes):
            self._charts.addWidget(box, i // cols, i % cols)
        for r in range(4):
            self._charts.setRowStretch(r, 1 if r < -(-4 // cols) else 0)
        for c in range(4):
            self._charts.setColumnStretch(c, 1 if c < cols else 0)
        self._align_headers()

    def resizeEvent(self, event) -> None:
        # the panel's size, not the viewport's: a scroll bar coming and going with the
        # new height must not flip the columns back
        size = event.size()
        if size != event.oldSize():
            self._hold_bar(False)  # a new size: the scroll area decides afresh
        compact, cols = self.layout_for(size.width(), size.height())
        self.tile_grid.set_compact(compact)
        self._layout_charts(cols)
        super().resizeEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # the headline figures and every chart, in the columns the width gives them (the
        # window gives the dock what it can spare; a shorter one shows them four in a row
        # where they fit, or scrolls); a width for one column of charts asks for the
        # figures and one chart, the rest scrolls into view
        w = max(self.width(), self.minimumSizeHint().width())
        cols = self.chart_columns(w)
        if cols == 1 and _has_short_row(w):
            cols = 4  # too narrow for two, wide enough for four low ones in a row
        if cols > 1:
            return QSize(w, self.body_height(w, cols, compact=False))
        return QSize(w, self.tile_grid.heightForWidth(w - 2 * _MARGIN, False) + _BODY_SPACING
                     + max(b.sizeHint().height() for b in (self.rack_chart, self.cooling_chart))
                     + 2 * _MARGIN)

    def minimumSizeHint(self) -> QSize:
        # one column of tiles and charts: a dock squeezed narrower would clip them (the
        # scroll area scrolls only vertically)
        body = max(self.tile_grid.minimumSizeHint().width(),
                   self.rack_chart.widget.minimumWidth()) + 2 * _MARGIN
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return QSize(body + bar + 2 * self.scroll.frameWidth(),
                     super().minimumSizeHint().height())

    # -- charts -------------------------------------------------------------------------

    def _make_items(self) -> None:
        rp = self.rack_chart.plot
        # stacked, drawn tallest first: liquid on the rear doors' share of the air heat, on
        # the air heat left to the room, which is what the air limit holds
        self.rack_total = BarSeries(rp, _LIQUID)
        self.rack_door = BarSeries(rp, _DOOR)
        self.rack_air = BarSeries(rp, _AIR)
        self.rack_air_over = BarSeries(rp, _OVER)
        self._rack_has_door = False
        # selected racks: a marker above the bar, so the air/liquid split stays visible
        self.rack_sel = pg.ScatterPlotItem(symbol="t", size=10, brush=pg.mkBrush(_SEL),
                                           pen=pg.mkPen("#b26a00"))
        rp.addItem(self.rack_sel)
        self.air_limit = _limit_line(0.0)
        rp.addItem(self.air_limit)
        self.rack_chart.note.setText(
            _rack_note(self.document.layout.assumptions.air_limit_kw_per_rack))

        cp = self.cooling_chart.plot
        self.unit_bars = BarSeries(cp, "#7e8fd0")
        self.unit_over = BarSeries(cp, _OVER)
        self.n1_lines = pg.PlotDataItem(connect="pairs",
                                        pen=pg.mkPen("#ef6c00", width=2,
                                                     style=Qt.PenStyle.DashLine))
        self.n1_lines.setZValue(_LIMIT_Z - 1)
        cp.addItem(self.n1_lines)
        self.cooling_limit = _hundred_line()
        cp.addItem(self.cooling_limit)
        self.cooling_chart.value_axis.set_marks([100.0])

        fp = self.feed_chart.plot
        self.feed_fail = BarSeries(fp, "#ffb74d")
        self.feed_over = BarSeries(fp, _OVER)
        self.feed_normal = BarSeries(fp, "#5c6bc0")  # drawn last: in front when overlaid
        self.feed_normal_over = BarSeries(fp, _OVER)
        self.feed_limit = _hundred_line()
        fp.addItem(self.feed_limit)
        self.feed_chart.value_axis.set_marks([100.0])
        self._feed_legend = (_legend([("#5c6bc0", "normal"), ("#ffb74d", "one side lost")])
                             + " " + _limit_legend("budget"))
        self.feed_chart.note.setText(self._feed_legend)
        # a bar cut at UTIL_CAP_PCT carries a mark at its top: its value is off the scale
        self.unit_cut = _cut_marks(cp)
        self.feed_cut = _cut_marks(fp)

        kp = self.cable_chart.plot
        self.cable_bars = pg.PlotDataItem(stepMode="center", fillLevel=0.0,
                                          brush=QColor("#8d6e63"), pen=pg.mkPen("#5d4037"))
        kp.addItem(self.cable_bars)
        # the bins are adjacent: a white line between two filled ones tells them apart
        self.cable_gaps = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("w", width=1.5))
        kp.addItem(self.cable_gaps)
        kp.setLabel("bottom", "length", units="m")
        self._cable_edges = np.zeros(0)
        self._cable_counts = np.zeros(0)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending:
            self._update_charts(self.document.analysis)

    def _update_charts(self, a) -> None:
        if a is None:
            return
        self._charts_throttle.ran()
        self._pending = False
        # a chart whose inputs did not change keeps its items (a moved rack changes
        # the cooling and the cables, not the rack or feed loads)
        p, c = a.power, a.cooling
        if self._inputs_changed("racks", p.rack_kw, c.rack_liquid_kw, c.rack_air_kw,
                                a.arrays.rack_ids,
                                self.sort_racks.isChecked(),
                                self.document.layout.assumptions.air_limit_kw_per_rack):
            self._update_racks(a)
        if self._inputs_changed("cooling", c.unit_utilization, c.unit_ids, c.group_names,
                                c.group_capacity_kw, c.group_n1_capacity_kw, c.group_margin_kw,
                                [u.group for u in self.document.layout.cooling]):
            self._update_cooling(a)
        if self._inputs_changed("feeds", p.feed_utilization, p.feed_failover_utilization,
                                p.feed_ids):
            self._update_feeds(a)
        self._update_cables(a)

    def _inputs_changed(self, chart: str, *inputs) -> bool:
        """Whether ``inputs`` differ from those the chart was last drawn from (and keep them)."""
        old = self._chart_inputs.get(chart)
        if old is not None and len(old) == len(inputs) and all(
                np.array_equal(x, y) if isinstance(y, np.ndarray) else x == y
                for x, y in zip(old, inputs, strict=True)):
            return False
        self._chart_inputs[chart] = tuple(np.array(x, copy=True) if isinstance(x, np.ndarray)
                                          else list(x) if isinstance(x, list) else x
                                          for x in inputs)
        return True

    def _update_racks(self, a) -> None:
        box = self.rack_chart
        total = a.power.rack_kw
        n = len(total)
        box.set_empty(n == 0)
        # the layout's own limit, racks or none (a new blank hall has its own)
        limit = self.document.layout.assumptions.air_limit_kw_per_rack
        self.air_limit.setValue(limit)
        box.value_axis.set_marks([limit])
        air = np.maximum(total - a.cooling.rack_liquid_kw, 0.0)
        room = np.minimum(a.cooling.rack_air_kw, air)  # what the rear doors leave
        self._rack_has_door = bool(n) and bool((room < air - 1e-9).any())
        self._set_rack_note(_rack_note(limit, selected=bool(self.document.selection),
                                       has_door=self._rack_has_door))
        if n == 0:
            return
        order = np.argsort(-total, kind="stable") if self.sort_racks.isChecked() \
            else np.arange(n)
        self._rack_order = order
        # more racks than pixels: each pixel's run of racks shows its most loaded one, so a
        # rack over the air limit among a thousand below it still stands out
        px = max(int(box.plot.vb.width()), 1)
        width = bar_width(n, px) if n <= _GAPS_UP_TO else 1.0
        shown = self._rack_shown = order[peak_index(total[order], -(-n // px))]
        self.rack_total.set(total[shown], width)
        self.rack_door.set(air[shown], width)
        # over the limit as COOL-AIR-LIMIT judges it, in the over-limit colour
        is_over = (a.cooling.rack_air_kw > limit + 1e-9)[shown]
        self.rack_air.set(np.where(is_over, 0.0, room[shown]), width)
        self.rack_air_over.set(np.where(is_over, room[shown], 0.0), width)
        ids = a.arrays.rack_ids
        box.set_category_ticks([ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        top = max(float(total.max()), self.air_limit.value()) * 1.25
        box.plot.setYRange(0, top if top > 0 else 1, padding=0)
        self._update_rack_selection(a)

    def _rack_chart_resized(self, *_args) -> None:
        a = self.document.analysis
        # (more racks than pixels: the peaks shown change; few: the gaps between the bars)
        n = len(a.power.rack_kw) if a is not None else 0
        if n and self.isVisible() and (n > self.rack_chart.plot.vb.width()
                                       or n <= _GAPS_UP_TO):
            self._update_racks(a)

    def _cooling_chart_resized(self, *_args) -> None:
        a = self.document.analysis
        if a is not None and self.isVisible() and 0 < len(a.cooling.unit_ids) <= _GAPS_UP_TO:
            self._update_cooling(a)

    def _set_rack_note(self, text: str) -> None:
        # a drag step re-marks the selection: the note's rich text is laid out again only
        # when it changes
        if self.rack_chart.note.text() != text:
            self.rack_chart.note.setText(text)

    def _update_rack_selection(self, a) -> None:
        limit = self.document.layout.assumptions.air_limit_kw_per_rack
        if not self.document.selection or a is None or not len(self._rack_order):
            # nothing selected (a file just opened, a click on the floor): no marker, even
            # before the chart has this layout's bars
            self.rack_sel.setData(x=[], y=[])
            self._set_rack_note(_rack_note(limit, has_door=self._rack_has_door))
            return
        ix = a.arrays.rack_index
        picked = np.array([ix[i] for i in self.document.selection if i in ix], np.int64)
        # the legend names the marker while it shows
        self._set_rack_note(_rack_note(limit, selected=len(picked) > 0,
                                       has_door=self._rack_has_door))
        if len(self._rack_order) != len(a.power.rack_kw):
            return
        position = np.empty(len(self._rack_order), np.int64)
        position[self._rack_order] = np.arange(len(self._rack_order))
        heights = a.power.rack_kw[picked]
        top = self.rack_chart.plot.viewRange()[1][1]
        self.rack_sel.setData(x=position[picked].astype(np.float64),
                              y=heights + 0.04 * max(top, 1.0))

    def _update_cooling(self, a) -> None:
        c = a.cooling
        box = self.cooling_chart
        n = len(c.unit_ids)
        box.set_empty(n == 0)
        if n == 0:
            box.note.setText("")
            return
        groups = [c.group_names[g] for g in c.unit_group.tolist()]
        # few units: in layout order within a group; many: a profile, fullest first
        many = n > _GAPS_UP_TO
        order = np.array(sorted(range(n), key=lambda i: (
            groups[i], -c.unit_utilization[i] if many else 0.0, i)), np.int64)
        self._unit_order = order
        util = c.unit_utilization[order] * 100.0
        width = 1.0 if many else bar_width(n, box.plot.vb.width())
        self.unit_bars.set(np.minimum(util, 100.0), width)
        self.unit_over.set(np.where(util > 100.0, np.minimum(util, UTIL_CAP_PCT), 0.0), width)
        cut = np.flatnonzero(util > UTIL_CAP_PCT)
        self.unit_cut.setData(x=cut.astype(np.float64), y=np.full(len(cut), UTIL_CAP_PCT))
        xs, ys, margins = [], [], []
        # each group's bar positions, in one pass (a large hall has a hundred groups and a
        # thousand units: a scan per group cost ~25 ms a redraw)
        at: dict[str, list[int]] = {}
        for k, i in enumerate(order.tolist()):
            at.setdefault(groups[i], []).append(k)
        for g, name in enumerate(c.group_names):
            members = at.get(name, [])
            if not members:
                continue
            cap = c.group_capacity_kw[g]
            level = 100.0 * c.group_n1_capacity_kw[g] / cap if cap > 0 else 0.0
            status = group_status(c, g)
            if not status.startswith("rear doors"):  # the room air backs a door up
                xs += [members[0] - 0.45, members[-1] + 0.45]
                ys += [level, level]
            margins.append((float(c.group_margin_kw[g]), name, status))
        self.n1_lines.setData(np.array(xs), np.array(ys))
        box.note.setText(_n1_note(margins) + _cut_note(
            [c.unit_ids[i] for i in order[cut]], util[cut]))
        box.note.setToolTip("N+1 margin per cooling group (capacity left with its largest "
                            "unit out):\n" + "\n".join(f"{name}: {m:+,.0f} kW, {status}"
                                                         for m, name, status in sorted(margins)))
        box.set_category_ticks([c.unit_ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        box.plot.setYRange(0, _util_top(util), padding=0)

    def _update_feeds(self, a) -> None:
        p = a.power
        box = self.feed_chart
        n = len(p.feed_ids)
        box.set_empty(n == 0)
        if n == 0:
            return
        # few feeds: normal and failover side by side; many: overlaid, worst failover first
        many = n > _GAPS_UP_TO // 3
        order = np.argsort(-p.feed_failover_utilization, kind="stable") if many \
            else np.arange(n)
        self._feed_order = order
        normal = p.feed_utilization[order] * 100.0
        fail = p.feed_failover_utilization[order] * 100.0
        width, offset = (1.0, 0.0) if many else (0.4, 0.2)
        self.feed_fail.set(np.minimum(fail, 100.0), width, offset)
        self.feed_over.set(np.where(fail > 100.0, np.minimum(fail, UTIL_CAP_PCT), 0.0),
                           width, offset)
        # every bar over the budget in the over-limit colour, in normal operation too
        is_over = normal > 100.0
        self.feed_normal.set(np.where(is_over, 0.0, normal), width, -offset)
        self.feed_normal_over.set(np.where(is_over, np.minimum(normal, UTIL_CAP_PCT), 0.0),
                                  width, -offset)
        cut_f, cut_n = np.flatnonzero(fail > UTIL_CAP_PCT), np.flatnonzero(normal > UTIL_CAP_PCT)
        self.feed_cut.setData(x=np.concatenate([cut_f + offset, cut_n - offset]).astype(float),
                              y=np.full(len(cut_f) + len(cut_n), UTIL_CAP_PCT))
        worst = np.flatnonzero(np.maximum(fail, normal) > UTIL_CAP_PCT)
        box.note.setText(self._feed_legend + _cut_note(
            [p.feed_ids[i] for i in order[worst]], np.maximum(fail, normal)[worst]))
        box.set_category_ticks([p.feed_ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        box.plot.setYRange(0, _util_top(np.concatenate([fail, normal])), padding=0)

    def _update_cables(self, a) -> None:
        box = self.cable_chart
        hist = cable_length_histogram(a.network)
        if hist is None:
            links = a.network.cabling_dict()["links"]
            box.set_empty(True, "no cable lengths in the analysis" if links else "no cabling yet")
            box.note.setText("")
            return
        longest_m = getattr(a.network, "max_length_m", None)
        edges, counts = trim_histogram(*hist, longest_m)
        if np.array_equal(edges, self._cable_edges) and \
                np.array_equal(counts, self._cable_counts) and not box.is_empty():
            return
        self._cable_edges, self._cable_counts = edges, counts
        box.set_empty(False)
        self.cable_bars.setData(edges, counts)
        inner = np.minimum(counts[:-1], counts[1:])
        at = np.flatnonzero(inner > 0)
        self.cable_gaps.setData(np.repeat(edges[1:-1][at], 2),
                                np.column_stack([np.zeros(len(at)), inner[at]]).ravel())
        longest = f" · longest {longest_m:,.1f} m" if longest_m else ""
        box.note.setText(f"{int(counts.sum()):,} cables{longest}")
        box.plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        box.plot.setYRange(0, max(1.0, float(counts.max()) * 1.1), padding=0)

    # -- interaction --------------------------------------------------------------------

    def _on_selection(self, _ids: list) -> None:
        if self.isVisible():
            self._update_rack_selection(self.document.analysis)

    def _cable_bin_at(self, scene_pos) -> str | None:
        plot, edges = self.cable_chart.plot, self._cable_edges
        if len(edges) < 2 or not plot.sceneBoundingRect().contains(scene_pos):
            return None
        x = plot.vb.mapSceneToView(scene_pos).x()
        i = int(np.searchsorted(edges, x, side="right")) - 1
        if not 0 <= i < len(self._cable_counts):
            return None
        return (f"{_metres(edges[i])}–{_metres(edges[i + 1])} m: "
                f"{_plural(int(self._cable_counts[i]), 'cable')}")

    def _index_at(self, box: ChartBox, scene_pos) -> int | None:
        if not box.plot.sceneBoundingRect().contains(scene_pos):
            return None
        x = box.plot.vb.mapSceneToView(scene_pos).x()
        i = int(round(x))
        return i if abs(x - i) <= 0.45 else None

    def _item_at(self, box: ChartBox, scene_pos) -> tuple[str, str] | None:
        a = self.document.analysis
        i = self._index_at(box, scene_pos)
        if a is None or i is None or i < 0:
            return None
        if box is self.rack_chart and i < len(self._rack_shown):
            r = int(self._rack_shown[i])  # the rack the bar under the pointer shows
            door = float(a.cooling.rack_door_kw[r])
            return (a.arrays.rack_ids[r],
                    f"{a.arrays.rack_ids[r]}: {a.power.rack_kw[r]:,.1f} kW "
                    f"(liquid {a.cooling.rack_liquid_kw[r]:,.1f} kW"
                    + (f", rear door {door:,.1f} kW" if door > 0 else "") + ")")
        if box is self.cooling_chart and i < len(self._unit_order):
            u = int(self._unit_order[i])
            c = a.cooling
            return (c.unit_ids[u], f"{c.unit_ids[u]} ({c.unit_kind[u]}): "
                    f"{c.unit_load_kw[u]:,.0f} of {c.unit_capacity_kw[u]:,.0f} kW, "
                    f"{c.unit_utilization[u]:.0%}")
        if box is self.feed_chart and i < len(self._feed_order):
            p = a.power
            i = int(self._feed_order[i])
            return (p.feed_ids[i], f"{p.feed_ids[i]}: {p.feed_load_kw[i]:,.0f} kW "
                    f"({p.feed_utilization[i]:.0%}), one side lost {p.feed_failover_kw[i]:,.0f}"
                    f" kW ({p.feed_failover_utilization[i]:.0%}) of {p.feed_budget_kw[i]:,.0f}"
                    f" kW budget")
        return None

    def _hover(self, box: ChartBox, pos) -> None:
        if box is self.cable_chart:
            box.widget.setToolTip(self._cable_bin_at(pos) or "")
            return
        hit = self._item_at(box, pos)
        box.widget.setToolTip(hit[1] if hit else "")

    def _clicked(self, box: ChartBox, event) -> None:
        hit = self._item_at(box, event.scenePos())
        if hit is not None:
            self.document.select([hit[0]])


#: the cooling groups the chart note names (tightest first); the tooltip lists them all
N1_NOTE_GROUPS = 3


def _n1_note(margins: list[tuple[float, str, str]]) -> str:
    """Return the cooling chart's note: the N+1 line's legend and the tightest margins.

    ``margins`` holds ``(margin kW, group, status)`` per group (``group_status``);
    a group with no load says so instead of a margin, after the groups that carry load.
    More groups than ``N1_NOTE_GROUPS`` (a large hall's CRAHs, grouped by wall band):
    the tightest alone and how many more, so the note keeps to one line.

    Examples
    --------
    >>> _n1_note([(120.0, "A", "N+1 OK"), (-30.0, "B", "not N+1")]).count("kW")
    2
    >>> "CDU&nbsp;no&nbsp;load" in _n1_note([(0.0, "CDU", "no load (one unit, no spare)")])
    True
    >>> note = _n1_note([(100.0 + k, f"CRAH west {k}", "N+1 OK") for k in range(1, 9)])
    >>> note.count("kW"), note.endswith("7 more groups")
    (1, True)
    >>> note = _n1_note([(-81.0, "East", "not N+1"), (-3.0, "CRAH", "not N+1"),
    ...                  (50.0, "West", "N+1 OK"), (60.0, "CDU", "N+1 OK")])
    >>> "3 more groups" in note and "1 of them short" in note
    True
    >>> _n1_note([(228.0, "Rear doors", "rear doors: room air backs them up"),
    ...           (50.0, "CRAH", "N+1 OK")]).endswith("Rear doors&nbsp;no&nbsp;N+1</span>")
    True
    """
    # groups with no N+1 to keep (no load; rear doors, which the room air backs up) after
    # the others
    def aside(status: str) -> bool:
        return status.startswith(("no load", "rear doors"))

    ordered = sorted(margins, key=lambda m: (aside(m[2]), m[0], m[1]))
    named = N1_NOTE_GROUPS if len(ordered) <= N1_NOTE_GROUPS else 1
    parts = [f"<span style='color:#777'>{html.escape(name)}&nbsp;"
             f"{'no&nbsp;load' if status.startswith('no load') else 'no&nbsp;N+1'}</span>"
             if aside(status) else
             f"<span style='color:{'#2e7d32' if m >= 0 else _OVER}'>"
             f"{html.escape(name)}&nbsp;{m:+,.0f}&nbsp;kW</span>"
             for m, name, status in ordered[:named]]
    if len(ordered) > named:
        # of those not named, how many fall short: a second group short is not hidden
        # behind "more groups" that read as fine
        rest = ordered[named:]
        short = sum(1 for m, _name, status in rest if m < 0 and not aside(status))
        more = f"{len(rest)} more group{'s' * (len(rest) != 1)}"
        if short:
            more += (f", <span style='color:{_OVER}'>{short} of them short</span>")
        parts.append(more)
    return (_entry(_HEAVY_DASH, "#ef6c00", "N+1 limit") + "; margin: "
            + " · ".join(parts))


def _has_short_row(width: int) -> bool:
    """Whether a panel ``width`` gives four charts in a row ``_SHORT_ROW_CHART_W`` each."""
    return 4 * _SHORT_ROW_CHART_W + 3 * _CHART_SPACING + 2 * _MARGIN <= width


def _km(length_m: float) -> str:
    """Return a length in km with the decimals its size needs (``"3,897"``, ``"9.28"``).

    Examples
    --------
    >>> _km(3_896_640.0), _km(45_200.0), _km(9_280.0)
    ('3,897', '45.2', '9.28')
    """
    km = length_m / 1000.0
    return f"{km:,.0f}" if km >= 100 else (f"{km:,.1f}" if km >= 10 else f"{km:,.2f}")


def _metres(v: float) -> str:
    return f"{v:,.1f}".removesuffix(".0")


#: limit lines stand in front of the bars (a unit over its limit is a red bar the line
#: crosses). Their names are not drawn in the plot: any text there stands over some bar
#: (a low bar under the line, a tall one over it), and a backing that keeps the text
#: legible hides the bars under it. The chart's note names them beside its legend.
_LIMIT_Z = 10.0
#: a dashed line's swatch in a chart's note (box-drawing dashes: a line may break after a
#: hyphen, even before a no-break space, and leave the swatch apart from its text)
_DASH = "\u2504\u2504"
_HEAVY_DASH = "\u2505\u2505"  # a thicker line's (the N+1 limit)


def _limit_line(value: float) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen(_LIMIT, style=Qt.PenStyle.DashLine))
    line.setZValue(_LIMIT_Z)
    return line


def _hundred_line() -> pg.InfiniteLine:
    return _limit_line(100.0)


def _limit_legend(text: str) -> str:
    """Return a note's legend entry of a limit line: a red dash and ``text``."""
    return _entry(_DASH, _LIMIT, text)


def _entry(swatch: str, color: str, text: str) -> str:
    """Return one legend entry of a chart's note, kept on one line: a narrow chart wraps
    its note between entries, never inside one ("one side" over "lost")."""
    return (f"<span style='color:{color}'>{swatch}</span>&nbsp;"
            + html.escape(text).replace(" ", "&nbsp;"))


def _rack_note(air_limit_kw: float, selected: bool = False, has_door: bool = False) -> str:
    """Return the rack chart's note: its bars' legend (the rear doors' share where a rack
    has one), the air limit line's value and, while racks are selected, their marker."""
    return (_legend([(_AIR, "air"), *([(_DOOR, "rear door")] if has_door else []),
                     (_LIQUID, "liquid")]) + " "
            + _limit_legend(f"air limit {air_limit_kw:g} kW")
            + (" " + _entry("▼", _SEL, "selected") if selected else ""))


def _legend(entries: list[tuple[str, str]]) -> str:
    """Return a note's legend of coloured squares, each entry kept on one line."""
    return " ".join(_entry("■", c, t) for c, t in entries)
