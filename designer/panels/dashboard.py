"""The live dashboard: headline figures and charts of power, cooling, feeds and cabling.

It follows ``document.analysis_updated`` on every drag step, so an update only
sets texts that changed and calls ``setData`` on plot items made once. While
the dashboard is hidden the charts wait and catch up when it is shown.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from designer.panels.charts import BarSeries, ChartBox
from designer.panels.common import SEVERITY_COLORS, fmt_kw, fmt_power_mw

__all__ = ["DashboardPanel", "FIGURES", "cable_length_histogram", "status_summary"]

# key -> caption (units are in the values)
FIGURES: list[tuple[str, str]] = [
    ("gpus", "GPUs"), ("it", "IT load"), ("facility", "Facility load"), ("pue", "PUE"),
    ("liquid", "Liquid share"), ("max_rack", "Max rack"), ("cables", "Cables"),
    ("optics", "Optics"), ("bisection", "Bisection"), ("per_gpu", "Per-GPU bisection"),
    ("switches", "Switches"), ("violations", "Violations"),
]

_AIR, _LIQUID, _SEL = "#64a0dc", "#26a69a", "#ff9800"
_OVER, _LIMIT = "#d32f2f", "#d32f2f"
_GAPS_UP_TO = 150  # more bars than this are drawn edge to edge (and as sorted profiles)


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


def status_summary(analysis) -> str:
    """Return a one-line summary of an analysis for a status bar."""
    if analysis is None:
        return ""
    p = analysis.power
    sev = analysis.violations_by_severity()
    return (f"{analysis.counts['gpus']:,} GPUs · IT {fmt_power_mw(p.it_kw)} · facility "
            f"{fmt_power_mw(p.facility_kw)} · PUE {p.pue:.2f} · "
            f"{_plural(sev['error'], 'error')}, {_plural(sev['warning'], 'warning')}")


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


class _FigureTile(QFrame):
    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("_FigureTile { background: #fafbfc; }")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5f6368; font-size: 8pt;")
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.sub = QLabel()
        self.sub.setStyleSheet("color: #5f6368; font-size: 8pt;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 3, 6, 3)
        lay.setSpacing(0)
        for w in (self.caption, self.value, self.sub):
            # the grid decides the width; long texts clip instead of widening the panel
            w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            lay.addWidget(w)

    def set(self, value: str, sub: str = "", color: str | None = None) -> None:
        if self.value.text() != value:
            self.value.setText(value)
        if self.sub.text() != sub:
            self.sub.setText(sub)
        style = f"font-size: 13pt; font-weight: 600; color: {color or '#202124'};"
        if self.value.styleSheet() != style:
            self.value.setStyleSheet(style)


class _TileGrid(QWidget):
    """Figure tiles in as many columns as fit (a flow grid with height-for-width)."""

    MIN_TILE_W, SPACING = 150, 4

    def __init__(self, tiles: list[QWidget]) -> None:
        super().__init__()
        self.tiles = tiles
        for t in tiles:
            t.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.heightForWidth(6 * (self.MIN_TILE_W + self.SPACING)))

    def _tile_h(self) -> int:
        return max(t.sizeHint().height() for t in self.tiles)

    def columns(self, width: int) -> int:
        return max(1, min(len(self.tiles), (width + self.SPACING)
                          // (self.MIN_TILE_W + self.SPACING)))

    def heightForWidth(self, width: int) -> int:
        rows = -(-len(self.tiles) // self.columns(width))
        return rows * self._tile_h() + (rows - 1) * self.SPACING

    def sizeHint(self) -> QSize:
        w = 6 * (self.MIN_TILE_W + self.SPACING)
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.MIN_TILE_W, self._tile_h())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        cols = self.columns(self.width())
        w = (self.width() - (cols - 1) * self.SPACING) / cols
        h = self._tile_h()
        for i, t in enumerate(self.tiles):
            r, c = divmod(i, cols)
            t.setGeometry(int(c * (w + self.SPACING)), r * (h + self.SPACING), int(w), h)
        # the rows follow the width; the new height relayouts once (the width is unchanged)
        self.setFixedHeight(self.heightForWidth(self.width()))


DRAG_CHART_INTERVAL_S = 0.1


class DashboardPanel(QWidget):
    """Headline figures and four live charts of the latest analysis."""

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DashboardPanel")
        self.document = document
        self._pending = True
        self._charts_at = 0.0
        self._chart_inputs: dict[str, tuple] = {}
        # while a drag previews, charts redraw at most every DRAG_CHART_INTERVAL_S and
        # catch up when the drag pauses; the headline figures follow every step
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.timeout.connect(lambda: self._update_charts(self.document.analysis))
        self._rack_order = np.zeros(0, np.int64)
        self._unit_order = np.zeros(0, np.int64)
        self._feed_order = np.zeros(0, np.int64)

        self.tiles: dict[str, _FigureTile] = {k: _FigureTile(c) for k, c in FIGURES}
        self.tile_grid = _TileGrid(list(self.tiles.values()))

        self.rack_chart = ChartBox("Power per rack (kW)", "no racks yet")
        self.sort_racks = QCheckBox("sorted")
        self.sort_racks.setToolTip("Sort racks by power instead of layout order")
        self.rack_chart.add_control(self.sort_racks)
        self.cooling_chart = ChartBox("Cooling unit utilization (%)", "no cooling units yet")
        self.feed_chart = ChartBox("Feed utilization (%)", "no power feeds yet")
        self.cable_chart = ChartBox("Cable lengths (count per length, m)", "no cabling yet")
        self._make_items()

        self._charts = QGridLayout()
        self._charts.setSpacing(8)
        self._chart_cols = 0
        self._layout_charts(2)
        # in a scroll area, so a narrow dock stacks the charts instead of growing taller
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(6, 6, 6, 6)
        body.setSpacing(8)
        body.addWidget(self.tile_grid)
        body.addLayout(self._charts, 1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll)

        self.sort_racks.toggled.connect(lambda _c: self._update_charts(self.document.analysis))
        document.analysis_updated.connect(self.update_from)
        document.selection_changed.connect(self._on_selection)
        for box in (self.rack_chart, self.cooling_chart, self.feed_chart):
            box.widget.scene().sigMouseMoved.connect(
                lambda pos, b=box: self._hover(b, pos))
            box.widget.scene().sigMouseClicked.connect(
                lambda ev, b=box: self._clicked(b, ev))
        self.update_from(document.analysis)

    # -- public -------------------------------------------------------------------------

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
        wait = self._charts_at + DRAG_CHART_INTERVAL_S - time.perf_counter()
        if getattr(self.document, "is_previewing", False) and wait > 0:
            if not self._chart_timer.isActive():
                self._chart_timer.start(int(wait * 1000) + 1)
            return
        self._update_charts(analysis)

    # -- figures ------------------------------------------------------------------------

    def _update_figures(self, a) -> None:
        p, c, n, k = a.power, a.cooling, a.network, a.counts
        t = self.tiles
        t["gpus"].set(f"{k['gpus']:,}", f"in {k['racks']:,} racks" if k["gpus"] or not
                      k["cpu_nodes"] else f"{k['cpu_nodes']:,} CPU nodes, {k['racks']:,} racks")
        t["gpus"].setToolTip(f"{k['gpus']:,} GPUs in {k['servers']:,} servers and "
                             f"{k['racks']:,} racks; {k['cpu_nodes']:,} CPU nodes")
        it_sub = f"{p.gpus_per_mw:,.0f} GPUs/MW"
        t["it"].set(fmt_power_mw(p.it_kw),
                    f"{p.it_kw:,.1f} kW · {it_sub}" if p.it_kw < 10_000 else it_sub)
        pue_src = "set by user" if self.document.layout.assumptions.pue is not None \
            else "modelled"
        t["facility"].set(fmt_power_mw(p.facility_kw),
                          f"{p.facility_kw:,.1f} kW" if p.facility_kw < 10_000 else
                          f"overhead {fmt_kw(p.facility_kw - p.it_kw)}")
        t["pue"].set(f"{p.pue:.2f}", pue_src)
        share = c.liquid_kw / c.heat_kw if c.heat_kw > 0 else 0.0
        t["liquid"].set(f"{share:.0%}", f"{fmt_kw(c.liquid_kw)} to liquid")
        t["liquid"].setToolTip(f"Heat {fmt_kw(c.heat_kw)}: air {fmt_kw(c.air_kw)}, liquid "
                               f"{fmt_kw(c.liquid_kw)}; airflow {c.airflow_cfm:,.0f} CFM")
        air_lim = self.document.layout.assumptions.air_limit_kw_per_rack
        t["max_rack"].set(f"{p.max_rack_kw:,.1f} kW", f"air limit {air_lim:g} kW")
        cab = n.cabling_dict()
        total_m = cab["total_length_m"]
        t["cables"].set(f"{cab['links']:,}",
                        f"{total_m / 1000:,.2f} km · longest {cab['max_length_m']:,.0f} m"
                        if total_m else "no cabling yet")
        unknown = int(cab.get("optics_power_unknown_ends", 0))
        optics_kw = f"{cab['optics_w'] / 1000:,.1f} kW"
        t["optics"].set(f"{cab['transceivers']:,}", f"transceivers · {optics_kw}"
                        if not unknown else f"≥ {optics_kw} · {unknown:,} unrated")
        t["optics"].setToolTip(
            f"{cab['transceivers']:,} transceivers draw {optics_kw}"
            + (f"; {unknown:,} cable ends use media whose power the catalog does not "
               "publish and are not counted" if unknown else ""))
        # the attributes, not network_dict(): that one also lists every switch placement
        net = {"bisection_tbps": n.bisection_tbps, "bisection_method": n.bisection_method,
               "per_gpu_bisection_gbps": n.per_gpu_bisection_gbps,
               "scaleup_domain_gpus": n.scaleup_domain_gpus}
        if k["gpus"] == 0 or net["bisection_method"] in ("", "none"):
            # bisection is over the GPU endpoints of a scale-out fabric
            why = "no GPUs" if k["gpus"] == 0 else "no GPU fabric"
            t["bisection"].set("—", why)
            t["per_gpu"].set("—", why)
        else:
            t["bisection"].set(f"{net['bisection_tbps']:,.2f} Tb/s",
                               f"one way · {net['bisection_method']}")
            t["per_gpu"].set(f"{net['per_gpu_bisection_gbps']:,.1f} Gb/s",
                             f"scale-up {net['scaleup_domain_gpus']} GPUs")
        sw = n.switch_counts()
        t["switches"].set(f"{sw['total']:,}", " · ".join(
            f"{v:,} {k}" for k, v in sw.items() if k != "total" and v) or "none yet")
        sev = a.violations_by_severity()
        worst = "error" if sev["error"] else ("warning" if sev["warning"] else None)
        t["violations"].set(f"{len(a.violations):,}",
                            f"{_plural(sev['error'], 'error')} · "
                            f"{_plural(sev['warning'], 'warning')}",
                            SEVERITY_COLORS[worst] if worst else "#2e7d32")

    def _layout_charts(self, cols: int) -> None:
        if cols == self._chart_cols:
            return
        self._chart_cols = cols
        boxes = (self.rack_chart, self.cooling_chart, self.feed_chart, self.cable_chart)
        for box in boxes:
            self._charts.removeWidget(box)
        for i, box in enumerate(boxes):
            self._charts.addWidget(box, i // cols, i % cols)
        for r in range(4):
            self._charts.setRowStretch(r, 1 if r < -(-4 // cols) else 0)

    def resizeEvent(self, event) -> None:
        self._layout_charts(2 if event.size().width() >= 640 else 1)
        super().resizeEvent(event)

    # -- charts -------------------------------------------------------------------------

    def _make_items(self) -> None:
        rp = self.rack_chart.plot
        self.rack_total = BarSeries(rp, _LIQUID)  # liquid stacks on air: total drawn first
        self.rack_air = BarSeries(rp, _AIR)
        # selected racks: a marker above the bar, so the air/liquid split stays visible
        self.rack_sel = pg.ScatterPlotItem(symbol="t", size=10, brush=pg.mkBrush(_SEL),
                                           pen=pg.mkPen("#b26a00"))
        rp.addItem(self.rack_sel)
        self.air_limit = pg.InfiniteLine(angle=0, pen=pg.mkPen(_LIMIT, style=Qt.PenStyle.DashLine),
                                         label="air limit {value:g} kW",
                                         labelOpts={"position": 0.98, "color": _LIMIT,
                                                    "anchors": [(1, 1), (1, 1)]})
        rp.addItem(self.air_limit)
        self.rack_chart.note.setText(_legend([(_AIR, "air"), (_LIQUID, "liquid")]))

        cp = self.cooling_chart.plot
        self.unit_bars = BarSeries(cp, "#7e8fd0")
        self.unit_over = BarSeries(cp, _OVER)
        self.n1_lines = pg.PlotDataItem(connect="pairs",
                                        pen=pg.mkPen("#ef6c00", width=2,
                                                     style=Qt.PenStyle.DashLine))
        cp.addItem(self.n1_lines)
        cp.addItem(_hundred_line())
        _percent_axis(cp)

        fp = self.feed_chart.plot
        self.feed_fail = BarSeries(fp, "#ffb74d")
        self.feed_over = BarSeries(fp, _OVER)
        self.feed_normal = BarSeries(fp, "#5c6bc0")  # drawn last: in front when overlaid
        fp.addItem(_hundred_line())
        _percent_axis(fp)
        self.feed_chart.note.setText(_legend([("#5c6bc0", "normal"),
                                              ("#ffb74d", "one side lost")]))

        self.cable_bars = pg.PlotDataItem(stepMode="center", fillLevel=0.0,
                                          brush=QColor("#8d6e63"), pen=pg.mkPen("#5d4037"))
        self.cable_chart.plot.addItem(self.cable_bars)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending:
            self._update_charts(self.document.analysis)

    def _update_charts(self, a) -> None:
        if a is None:
            return
        self._chart_timer.stop()
        self._charts_at = time.perf_counter()
        self._pending = False
        # a chart whose inputs did not change keeps its items (a moved rack changes
        # the cooling and the cables, not the rack or feed loads)
        p, c = a.power, a.cooling
        if self._inputs_changed("racks", p.rack_kw, c.rack_liquid_kw, a.arrays.rack_ids,
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
        if n == 0:
            return
        air = np.maximum(total - a.cooling.rack_liquid_kw, 0.0)
        order = np.argsort(-total, kind="stable") if self.sort_racks.isChecked() \
            else np.arange(n)
        self._rack_order = order
        width = 0.8 if n <= _GAPS_UP_TO else 1.0
        self.rack_total.set(total[order], width)
        self.rack_air.set(air[order], width)
        self.air_limit.setValue(self.document.layout.assumptions.air_limit_kw_per_rack)
        ids = a.arrays.rack_ids
        box.set_category_ticks([ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        top = max(float(total.max()), self.air_limit.value()) * 1.25
        box.plot.setYRange(0, top if top > 0 else 1, padding=0)
        self._update_rack_selection(a)

    def _update_rack_selection(self, a) -> None:
        if a is None or not len(self._rack_order):
            return
        ix = a.arrays.rack_index
        picked = np.array([ix[i] for i in self.document.selection if i in ix], np.int64)
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
        groups = [u.group or u.kind for u in self.document.layout.cooling]
        if len(groups) != n:
            groups = list(c.unit_kind)
        # few units: in layout order within a group; many: a profile, fullest first
        many = n > _GAPS_UP_TO
        order = np.array(sorted(range(n), key=lambda i: (
            groups[i], -c.unit_utilization[i] if many else 0.0, i)), np.int64)
        self._unit_order = order
        util = c.unit_utilization[order] * 100.0
        width = 1.0 if many else 0.8
        self.unit_bars.set(np.minimum(util, 100.0), width)
        self.unit_over.set(np.where(util > 100.0, util, 0.0), width)
        xs, ys, notes = [], [], []
        for g, name in enumerate(c.group_names):
            members = [k for k, i in enumerate(order) if groups[i] == name]
            if not members:
                continue
            cap = c.group_capacity_kw[g]
            level = 100.0 * c.group_n1_capacity_kw[g] / cap if cap > 0 else 0.0
            xs += [members[0] - 0.45, members[-1] + 0.45]
            ys += [level, level]
            m = c.group_margin_kw[g]
            color = "#2e7d32" if m >= 0 else _OVER
            notes.append(f"<span style='color:{color}'>{name} {m:+,.0f} kW</span>")
        self.n1_lines.setData(np.array(xs), np.array(ys))
        box.note.setText("<span style='color:#ef6c00'>- - -</span> N+1 limit · margin "
                         + " · ".join(notes))
        box.set_category_ticks([c.unit_ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        box.plot.setYRange(0, max(130.0, float(util.max()) * 1.15), padding=0)

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
        self.feed_over.set(np.where(fail > 100.0, fail, 0.0), width, offset)
        self.feed_normal.set(normal, width, -offset)
        box.set_category_ticks([p.feed_ids[i] for i in order])
        box.plot.setXRange(-0.6, n - 0.4, padding=0)
        box.plot.setYRange(0, max(130.0, float(max(fail.max(), normal.max())) * 1.15), padding=0)

    def _update_cables(self, a) -> None:
        box = self.cable_chart
        hist = cable_length_histogram(a.network)
        if hist is None:
            links = a.network.cabling_dict()["links"]
            box.set_empty(True, "no cable lengths in the analysis" if links else "no cabling yet")
            box.note.setText("")
            return
        edges, counts = hist
        box.set_empty(False)
        self.cable_bars.setData(edges, counts)
        box.note.setText(f"{int(counts.sum()):,} cables")
        box.plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        box.plot.setYRange(0, max(1.0, float(counts.max()) * 1.1), padding=0)

    # -- interaction --------------------------------------------------------------------

    def _on_selection(self, _ids: list) -> None:
        if self.isVisible():
            self._update_rack_selection(self.document.analysis)

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
        if box is self.rack_chart and i < len(self._rack_order):
            r = int(self._rack_order[i])
            return (a.arrays.rack_ids[r],
                    f"{a.arrays.rack_ids[r]}: {a.power.rack_kw[r]:,.1f} kW "
                    f"(liquid {a.cooling.rack_liquid_kw[r]:,.1f} kW)")
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
        hit = self._item_at(box, pos)
        box.widget.setToolTip(hit[1] if hit else "")

    def _clicked(self, box: ChartBox, event) -> None:
        hit = self._item_at(box, event.scenePos())
        if hit is not None:
            self.document.select([hit[0]])


def _hundred_line() -> pg.InfiniteLine:
    return pg.InfiniteLine(pos=100.0, angle=0, pen=pg.mkPen(_LIMIT, style=Qt.PenStyle.DashLine),
                           label="100 %", labelOpts={"position": 0.98, "color": _LIMIT,
                                                     "anchors": [(1, 1), (1, 1)]})


def _percent_axis(plot: pg.PlotItem) -> None:
    plot.getAxis("left").setTickSpacing(major=50.0, minor=25.0)


def _legend(entries: list[tuple[str, str]]) -> str:
    return " ".join(f"<span style='color:{c}'>■</span> {t}" for c, t in entries)
