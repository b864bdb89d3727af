"""The dashboard's bar charts name their bars: every bar where the labels fit (level, a
size smaller or upright), else a readable subset with every bar named in its tooltip."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from designer.panels import DashboardPanel
from engine.templates import instantiate


def _labels(box):
    """The labels the chart's axis draws, after a paint: ``(bar, text, box)``."""
    QApplication.processEvents()  # the axis's new height is laid out on an event
    box.widget.grab()
    return box.axis.drawn_labels()


def _assert_readable(box, labels):
    """No two labels overlap and every one lies inside its axis."""
    axis = box.axis.mapRectFromParent(box.axis.geometry())
    boxes = [r for _i, _t, r in labels]
    for r in boxes:
        assert axis.adjusted(-0.5, -0.5, 0.5, 0.5).contains(r), (r, axis)
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert not a.intersects(b), (a, b)


def _names_every_bar(box, ids):
    labels = _labels(box)
    assert [i for i, _t, _r in labels] == list(range(len(ids)))
    for (_i, text, _r), full in zip(labels, ids, strict=True):
        # whole, or cut at the front where an upright label has no room: "…AH-10"
        assert text == full or (text.startswith("…") and full.endswith(text[1:])), text
    _assert_readable(box, labels)


@pytest.fixture
def small_hall(default_layout):
    """The default hall with three cooling units: one CDU and two CRAHs."""
    from engine.model import CoolingUnit

    crahs = [u for u in default_layout.cooling if u.kind == "crah"][:2]
    cdu = CoolingUnit(id="CDU-1", kind="cdu", capacity_kw=1000.0, x_m=crahs[0].x_m,
                      y_m=crahs[0].y_m + 3.0, group="CDU")
    return default_layout.model_copy(update={"cooling": [cdu, *crahs]})


@pytest.mark.parametrize("size", [(1000, 640), (260, 900), (900, 330)])
def test_each_of_three_cooling_units_is_named(qtbot, doc, small_hall, size):
    doc.set_layout(small_hall)
    dash = make(qtbot, DashboardPanel, doc, size)
    ids = [doc.analysis.cooling.unit_ids[i] for i in dash._unit_order]
    assert sorted(ids) == ["CDU-1", "CRAH-1", "CRAH-2"]
    _names_every_bar(dash.cooling_chart, ids)
    _names_every_bar(dash.feed_chart, [doc.analysis.power.feed_ids[i] for i in dash._feed_order])


@pytest.mark.parametrize("size", [(1000, 640), (1400, 420), (330, 900), (260, 900),
                                  (210, 900), (900, 330)])
def test_a_b200_superpod_names_every_feed_and_cooling_unit(qtbot, doc, builtin_catalog, size):
    doc.set_layout(instantiate("dgx-b200-superpod", {}, catalog=builtin_catalog))
    dash = make(qtbot, DashboardPanel, doc, size)
    c, p = doc.analysis.cooling, doc.analysis.power
    # 16 feeds: 4 rows of 16 compute racks with the network racks in line, each row fed by
    # two A/B segments (it was 5 rows, one of them the network row, one segment each)
    assert len(c.unit_ids) == 10 and len(p.feed_ids) == 16
    _names_every_bar(dash.cooling_chart, [c.unit_ids[i] for i in dash._unit_order])
    feeds = [p.feed_ids[i] for i in dash._feed_order]
    if size in ((210, 900), (900, 330)):
        # 16 upright ids need about 16 x 11 px of axis: a 210 px dock or a 330 px high one
        # has not that room, so the axis names a readable subset (or counts the bars) and
        # pointing at any bar names it (a 260 px one has, its figures compact and no
        # scroll bar beside the charts)
        labels = _labels(dash.feed_chart)
        assert len(labels) < len(feeds)
        assert all(text == feeds[i] or (text.startswith("…") and feeds[i].endswith(text[1:]))
                   for i, text, _r in labels)
        _assert_readable(dash.feed_chart, labels)
        box = dash.feed_chart
        x = box.plot.vb.mapViewToScene(QPointF(len(feeds) - 1, 0.0)).x()
        dash._hover(box, QPointF(x, box.plot.vb.sceneBoundingRect().center().y()))
        assert box.widget.toolTip().startswith(f"{feeds[-1]}: ")
    else:
        _names_every_bar(dash.feed_chart, feeds)


def test_upright_labels_leave_the_bars_most_of_the_chart(qtbot, doc, builtin_catalog):
    doc.set_layout(instantiate("dgx-b200-superpod", {}, catalog=builtin_catalog))
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    box = dash.feed_chart
    _labels(box)
    assert box.axis.is_rotated()
    assert box.plot.vb.height() > 1.5 * box.axis.height()


def test_a_crowded_chart_names_a_subset_and_every_bar_in_its_tooltip(qtbot, doc,
                                                                     builtin_catalog):
    doc.set_layout(instantiate("dgx-b200-superpod", {}, catalog=builtin_catalog))
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    box = dash.rack_chart
    labels = _labels(box)
    ids = doc.analysis.arrays.rack_ids
    assert 3 <= len(labels) < len(ids)
    assert all(text == ids[i] for i, text, _r in labels)
    _assert_readable(box, labels)
    # a bar with no label of its own: pointing at it, or under it at the axis, names it
    named = {i for i, _t, _r in labels}
    bar = next(i for i in range(1, len(ids)) if i not in named)
    x = box.plot.vb.mapViewToScene(QPointF(bar, 0.0)).x()
    for y in (box.plot.vb.sceneBoundingRect().center().y(),
              box.axis.sceneBoundingRect().center().y()):
        dash._hover(box, QPointF(x, y))
        tip = box.widget.toolTip()
        assert tip.startswith(f"{ids[bar]}: ") and "kW" in tip, tip


def test_a_cdu_alone_with_no_load_reads_no_load_in_the_designer(qtbot, doc, default_layout):
    from designer.panels.figures import unit_rows
    from engine.model import CoolingUnit

    crah = default_layout.cooling[0]
    doc.set_layout(default_layout.model_copy(update={"cooling": [CoolingUnit(
        id="CDU-1", kind="cdu", capacity_kw=1200.0, x_m=crah.x_m, y_m=crah.y_m + 2.0,
        group="CDU"), *default_layout.cooling]}))
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    note = dash.cooling_chart.note
    assert "CDU&nbsp;no&nbsp;load" in note.text() and "CDU&nbsp;+0" not in note.text()
    assert "CDU: +0 kW, no load (one unit, no spare)" in note.toolTip()
    rows = {k: v for k, v, _t in unit_rows(doc, ["CDU-1"])}
    assert rows["Group N+1 margin (kW)"] == "CDU +0, no load (one unit, no spare)"
    assert {k: v for k, v, _t in unit_rows(doc, ["CRAH-1"])}["Group N+1 margin (kW)"] \
        .startswith("CRAH +")
    # a CRAH: the racks nearest it, and the share of the room's air every CRAH takes
    served = {k: v for k, v, _t in unit_rows(doc, ["CRAH-1"])}["Racks served"]
    near = sum(1 for i in doc.analysis.cooling.rack_crah.tolist()
               if doc.analysis.cooling.unit_ids[i] == "CRAH-1")
    assert served == (f"{near} nearest" if near else "none nearest") + \
        "; a share of the room's air"


def test_a_rack_over_the_air_limit_among_many_stands_out_in_the_rack_chart(qtbot, doc,
                                                                          builtin_catalog):
    """Meta's 24K hall has 1,568 racks, 32 of them network racks of about 28 kW among GPU
    racks of about 23 kW: far more racks than the chart has pixels, so a lone bar would be
    a fraction of a pixel wide and not drawn. Each pixel's run of racks shows its most
    loaded one: with the air limit at 25 kW, every bar over it is drawn at least a pixel
    wide."""
    lay = instantiate("meta-24k-roce", {}, catalog=builtin_catalog)
    doc.set_layout(lay.model_copy(update={"assumptions": lay.assumptions.model_copy(
        update={"air_limit_kw_per_rack": 25.0})}))
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    total = doc.analysis.power.rack_kw
    n, px = len(total), dash.rack_chart.plot.vb.width()
    assert n > 3 * px
    _x, y = dash.rack_total.item.getData()
    heights = y[0::2]
    assert heights.max() == pytest.approx(total.max())
    high = np.concatenate([[False], heights > 25.0, [False]]).astype(np.int8)
    starts, ends = np.flatnonzero(np.diff(high) == 1), np.flatnonzero(np.diff(high) == -1)
    assert len(starts) >= 8
    assert ((ends - starts) * px / n >= 1.0).all(), "a rack over the limit is sub-pixel"


def test_a_rear_door_serves_the_rack_it_hangs_on(qtbot, doc, default_layout):
    from designer.panels.figures import unit_rows
    from engine.model import CoolingUnit

    rack = default_layout.racks[0]
    doc.set_layout(default_layout.model_copy(update={"cooling": [CoolingUnit(
        id="RD-1", kind="rear_door", capacity_kw=55.0, x_m=rack.x_m, y_m=rack.y_m,
        rack=rack.id), *default_layout.cooling]}))
    make(qtbot, DashboardPanel, doc, (1000, 640))
    rows = {k: v for k, v, _t in unit_rows(doc, ["RD-1"])}
    assert rows["Racks served"] == "1"
