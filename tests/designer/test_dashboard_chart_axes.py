"""The dashboard charts' axes and bar colours: a value axis stays readable at any range (a
feed at 1,200 %) with its limit labelled; a unit name too long for the room is cut with
an ellipsis that shows, keeping what the unit is, and named whole in the tooltip; every
bar over its limit is drawn in the over-limit colour, whichever series it belongs to."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetricsF, QPainter, QPicture
from PySide6.QtWidgets import QApplication

from designer.panels import DashboardPanel
from engine.templates import instantiate

_OVER = "#d32f2f"


@pytest.fixture(scope="module")
def cpu_hall(builtin_catalog):
    """24 CPU racks of about 25 kW on four busways, six CRAHs."""
    return instantiate("cpu-cluster", {}, catalog=builtin_catalog)


def _overloaded(layout, amps: dict[str, float], air_limit_kw: float | None = None,
                crah_kw: dict[str, float] | None = None):
    """``layout`` with smaller busways, a lower air limit and smaller CRAHs."""
    feeds = [f.model_copy(update={"amps": amps[f.id]}) if f.id in amps else f
             for f in layout.feeds]
    cooling = [u.model_copy(update={"capacity_kw": crah_kw[u.id]})
               if crah_kw and u.id in crah_kw else u for u in layout.cooling]
    update = {"feeds": feeds, "cooling": cooling}
    if air_limit_kw is not None:
        update["assumptions"] = layout.assumptions.model_copy(
            update={"air_limit_kw_per_rack": air_limit_kw})
    return layout.model_copy(update=update)


def _left_labels(box) -> list[tuple[float, str, object]]:
    """``(value, text, box)`` of each label the chart's left axis draws, lowest first."""
    QApplication.processEvents()
    box.widget.grab()
    axis = box.plot.getAxis("left")
    picture = QPicture()
    painter = QPainter(picture)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((float(text.replace(",", "")), text, rect) for rect, _flags, text in texts)


def _is_round(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m) for m in (1.0, 2.0, 2.5, 5.0))


@pytest.mark.parametrize("size", [(640, 420), (900, 330), (1000, 640), (1800, 900)])
def test_a_feed_far_over_its_budget_keeps_a_readable_axis(qtbot, doc, cpu_hall, size):
    # one busway of 45 A carries what 800 A were sized for: 600 % in normal operation,
    # 1,200 % with one side lost (the axis named every 50 % from 50 to 1,100, on each other)
    doc.set_layout(_overloaded(cpu_hall, {"BW-01a-A": 45.0}))
    dash = make(qtbot, DashboardPanel, doc, size)
    p = doc.analysis.power
    assert p.feed_failover_utilization.max() > 11.0
    box = dash.feed_chart
    labels = _left_labels(box)
    values = [v for v, _t, _r in labels]
    assert len(labels) >= 2, values
    line = QFontMetricsF(box.plot.getAxis("left").style["tickFont"]).height()
    for (_v0, t0, r0), (_v1, t1, r1) in zip(labels, labels[1:], strict=False):
        assert not r0.intersects(r1), (t0, t1)
        assert r0.center().y() - r1.center().y() >= line, (t0, t1)  # a line apart at least
    # the budget: its line stands in range, and the axis labels it
    (_x0, _x1), (y0, y1) = box.plot.viewRange()
    assert dash.feed_limit.value() == 100.0 and y0 <= 100.0 <= y1
    # the axis stops a little above UTIL_CAP_PCT: the feed's bar is cut there (its value in
    # the tooltip), the others keep their height
    from designer.panels.common import UTIL_CAP_PCT

    assert UTIL_CAP_PCT < y1 <= 1.15 * UTIL_CAP_PCT
    assert 100.0 in values
    # the other labels stand a round step apart (where the mark is not one of them)
    others = [v for v in values if v != 100.0]
    if len(others) > 1:
        step = float(np.diff(others).min())
        assert _is_round(step) and all(math.isclose(v / step, round(v / step))
                                       for v in others), values


def test_the_percent_axes_keep_their_steps_at_the_usual_range(qtbot, doc, cpu_hall):
    doc.set_layout(cpu_hall)
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    for box in (dash.cooling_chart, dash.feed_chart):
        values = [v for v, _t, _r in _left_labels(box)]
        # steps that divide 100 %, the limit among them
        assert len(values) >= 3 and 100.0 in values, (box.title.text(), values)
        step = float(np.diff(values).min())
        assert 100.0 % step == 0 and all(v % step == 0 for v in values), values


def test_a_limit_mark_takes_the_place_of_a_step_too_near_it(qapp):
    from designer.panels.charts import ValueAxis, round_step

    assert round_step(1200.0, 80.0, 24.0) == 500.0
    axis = ValueAxis()
    axis.set_marks([100.0])
    # 80 px for 0..1,200 %: steps of 500, and 0 too near the 100 % mark to keep a label
    major = axis.tickValues(0.0, 1200.0, 80.0)[0][1]
    assert list(major) == [100.0, 500.0, 1000.0]
    assert axis.tickStrings([100.0], 1.0, 500.0) == ["100"]
    axis.set_marks([57.2])  # a rack chart's air limit, with its decimal
    assert "57.2" in axis.tickStrings(list(axis.tickValues(0.0, 75.0, 200.0)[0][1]), 1.0, 10.0)


@pytest.mark.parametrize("size", [(420, 800), (900, 330), (640, 420), (1000, 640)])
def test_a_rear_door_among_crahs_is_never_cut_silently(qtbot, doc, cpu_hall, size):
    doc.set_layout(cpu_hall)
    door = doc.add_cooling_unit("rdhx-55", 0, 0, rack="CPU-0001")
    assert door == "RD-CPU-0001"
    dash = make(qtbot, DashboardPanel, doc, size)
    box = dash.cooling_chart
    ids = [doc.analysis.cooling.unit_ids[i] for i in dash._unit_order]
    QApplication.processEvents()
    box.widget.grab()
    drawn = {i: (text, r) for i, text, r in box.axis.drawn_labels()}
    bar = ids.index(door)
    assert bar in drawn, drawn
    text, rect = drawn[bar]
    fm = QFontMetricsF(box.axis._font)
    room = rect.height() if box.axis.is_rotated() else rect.width()
    if text != door:
        # cut where it must be, with an ellipsis, keeping the kind ("RD-") and the number
        assert fm.horizontalAdvance(door) > room
        assert "…" in text and text.startswith("RD-") and text.endswith("1"), text
    # what is drawn fits its box, ellipsis and all, so nothing is clipped unseen
    assert fm.horizontalAdvance(text) <= room, (text, room)
    if size in ((640, 420), (1000, 640)):
        assert text == door  # the room the chart gives holds the whole name
    # pointing at the label names the unit whole
    x = box.plot.vb.mapViewToScene(QPointF(bar, 0.0)).x()
    dash._hover(box, QPointF(x, box.axis.sceneBoundingRect().center().y()))
    assert box.widget.toolTip().startswith(f"{door} (rear_door): "), box.widget.toolTip()


def _colour_at(plot: pg.PlotItem, x: float, y: float) -> str | None:
    """The fill colour of the front-most bar series covering view point ``(x, y)``."""
    colour = None
    for item in plot.listDataItems():
        brush = item.opts.get("fillBrush")
        if brush is None or item.opts.get("stepMode") != "center":
            continue
        xs, ys = item.getData()
        k = int(np.searchsorted(xs, x, side="right")) - 1
        if 0 <= k < len(ys) and 0.0 <= y <= ys[k]:
            colour = pg.mkBrush(brush).color().name()
    return colour


def test_every_bar_over_its_limit_is_drawn_in_the_over_limit_colour(qtbot, doc, cpu_hall):
    from designer.panels.common import UTIL_CAP_PCT

    # BW-01a-A over its budget on both sides, BW-02a-B over it in normal operation (109 %)
    # and with one side lost; the CRAHs over their capacity, the rear door not; every rack
    # over a 24 kW air limit but CPU-0001, whose rear door takes its air heat
    doc.set_layout(_overloaded(cpu_hall, {"BW-01a-A": 45.0, "BW-02a-B": 250.0},
                               air_limit_kw=24.0,
                               crah_kw={f"CRAH-{k}": 80.0 for k in range(1, 7)}))
    doc.add_cooling_unit("rdhx-55", 0, 0, rack="CPU-0001")
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    QApplication.processEvents()
    a = doc.analysis
    p, c = a.power, a.cooling

    fp = dash.feed_chart.plot
    seen = {"normal": 0, "failover": 0}
    for k, i in enumerate(dash._feed_order.tolist()):
        for kind, value, dx in (("normal", p.feed_utilization[i], -0.2),
                                ("failover", p.feed_failover_utilization[i], 0.2)):
            value *= 100.0
            is_over = value > 100.0
            seen[kind] += is_over
            value = min(value, UTIL_CAP_PCT)  # drawn to the chart's cap
            ys = [value / 2, (value + 100.0) / 2] if is_over else [value / 2]
            for y in ys:
                assert (_colour_at(fp, k + dx, y) == _OVER) == is_over, \
                    (p.feed_ids[i], kind, round(value), _colour_at(fp, k + dx, y))
    assert seen["normal"] >= 2 and seen["failover"] >= 2

    cp = dash.cooling_chart.plot
    util = c.unit_utilization * 100.0
    assert (util > 100.0).any() and (util < 100.0).any()
    for k, u in enumerate(dash._unit_order.tolist()):
        assert (_colour_at(cp, k, util[u] / 2) == _OVER) == (util[u] > 100.0), c.unit_ids[u]

    rp = dash.rack_chart.plot
    limit = doc.layout.assumptions.air_limit_kw_per_rack
    air = p.rack_kw - c.rack_liquid_kw
    assert (c.rack_air_kw > limit).sum() >= 20
    for k, r in enumerate(dash._rack_order.tolist()):
        rack = a.arrays.rack_ids[r]
        if c.rack_door_kw[r] > 0:
            # the air heat the door takes is its own colour, above or below the limit: not
            # air the limit holds, and not over it
            assert _colour_at(rp, k, air[r] / 2) == "#b3d1ef", rack
            assert "CPU-0001" in rack
        elif c.rack_air_kw[r] > 0:
            assert (_colour_at(rp, k, c.rack_air_kw[r] / 2) == _OVER) == \
                (c.rack_air_kw[r] > limit), rack
    assert "rear&nbsp;door" in dash.rack_chart.note.text()
