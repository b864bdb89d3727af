"""The dashboard's charts: limit lines name themselves in the
chart's note, never in text over the bars; a note wraps between its legend entries, never
inside one; an axis too narrow for several bar names counts the bars instead."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import QApplication

from designer.panels import DashboardPanel
from engine.templates import instantiate


@pytest.fixture(scope="module")
def gb200_8su(builtin_catalog):
    """A GB200 NVL72 SuperPOD of 8 SUs: 132 kW NVL72 racks and ~20 kW network racks."""
    return instantiate("gb200-nvl72-superpod", {"scalable_units": 8}, catalog=builtin_catalog)


def _grab(box):
    QApplication.processEvents()
    return box.widget.grab().toImage()


def _bar_colours(dash, sort: bool) -> list[tuple[str, QColor]]:
    """Each rack's id and the colour drawn halfway up its bar, at the bar's centre."""
    dash.sort_racks.setChecked(sort)
    box = dash.rack_chart
    image = _grab(box)
    a = dash.document.analysis
    out = []
    for pos, r in enumerate(dash._rack_order.tolist()):
        kw = float(a.power.rack_kw[r])
        p = box.widget.mapFromScene(box.plot.vb.mapViewToScene(QPointF(pos, kw / 2)))
        out.append((a.arrays.rack_ids[r], image.pixelColor(p.x(), p.y())))
    return out


@pytest.mark.parametrize("sort", [False, True])
def test_no_limit_label_hides_a_bar_of_the_power_per_rack_chart(qtbot, doc, gb200_8su, sort):
    # the ~20 kW network racks' bars show, not hidden as 0 kW under the air limit's white
    # label box
    doc.set_layout(gb200_8su)
    dash = make(qtbot, DashboardPanel, doc, (1800, 640))
    kw = doc.analysis.power.rack_kw
    low = kw < doc.layout.assumptions.air_limit_kw_per_rack
    assert low.sum() > 30 and (kw > 100).sum() > 30  # both kinds of rack
    bars = [QColor(c) for c in ("#64a0dc", "#26a69a")]  # air, liquid
    for rack_id, colour in _bar_colours(dash, sort):
        # the bar's colour (a grid line may tint it), not a label's white box
        assert any(max(abs(colour.red() - b.red()), abs(colour.green() - b.green()),
                       abs(colour.blue() - b.blue())) <= 24 for b in bars), \
            (rack_id, colour.name())
    # no text stands in any chart's plot, where it would cover bars
    for box in (dash.rack_chart, dash.cooling_chart, dash.feed_chart):
        assert not [it for it in box.plot.vb.allChildren() if isinstance(it, pg.TextItem)]
    # the line's value is named in the chart's note, and follows the assumption
    assert any("air limit 30 kW" in line for line in _note_lines(dash.rack_chart))
    doc.set_field(["assumptions"], "air_limit_kw_per_rack", 25.0)
    QApplication.processEvents()
    assert dash.air_limit.value() == pytest.approx(25.0)
    assert any("air limit 25 kW" in line for line in _note_lines(dash.rack_chart))


def _note_lines(box) -> list[str]:
    """The lines the note's text takes at its current width (no-break spaces as spaces)."""
    note = box.note
    d = QTextDocument()
    d.setDocumentMargin(0)
    d.setDefaultFont(note.font())
    d.setHtml(note.text())
    d.setTextWidth(note.width())
    d.documentLayout().documentSize()  # lays the text out
    lines = []
    block = d.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for k in range(layout.lineCount()):
            line = layout.lineAt(k)
            lines.append(text[line.textStart():line.textStart() + line.textLength()]
                         .replace("\u00a0", " ").strip())
        block = block.next()
    return lines


@pytest.mark.parametrize("width", [640, 700, 760])
def test_a_narrow_chart_wraps_its_note_between_legend_entries(qtbot, doc, gb200_8su, width):
    doc.set_layout(gb200_8su)
    dash = make(qtbot, DashboardPanel, doc, (width, 420))  # docked: four charts in a row
    QApplication.processEvents()
    assert dash._chart_cols == 4
    if width == 640:
        assert len(_note_lines(dash.feed_chart)) > 1  # the note does wrap here
    entries = {dash.feed_chart: ["■ normal", "■ one side lost", "┄┄ budget"],
               dash.rack_chart: ["■ air", "■ liquid", "┄┄ air limit 30 kW"],
               dash.cooling_chart: ["┅┅ N+1 limit"]}
    for box, want in entries.items():
        lines = _note_lines(box)
        for entry in want:  # each entry whole on one line, swatch with its words
            assert any(entry in line for line in lines), (entry, lines)


def test_a_crowded_rack_chart_counts_its_racks_instead_of_naming_one(qtbot, doc, gb200_8su):
    # docked, the chart had room for one id of 108 ("GPU-0006"): it says what the bars are
    doc.set_layout(gb200_8su)
    dash = make(qtbot, DashboardPanel, doc, (640, 420))
    box = dash.rack_chart
    _grab(box)
    n = len(doc.analysis.arrays.rack_ids)
    assert box.axis.drawn_labels() == [] and box.axis.caption() == f"{n} racks"
    for chart, noun in ((dash.cooling_chart, "units"), (dash.feed_chart, "feeds")):
        _grab(chart)
        labels = chart.axis.drawn_labels()
        assert len(labels) >= 3 or chart.axis.caption().endswith(noun), chart.title.text()
    # the caption is drawn on the axis, under the bars, inside the chart
    caption = box.axis.mapRectToScene(box.axis._caption[1])
    assert box.axis.sceneBoundingRect().contains(caption)
    assert caption.top() >= box.plot.vb.sceneBoundingRect().bottom()
    # with room for several ids the chart names them again
    dash.resize(3000, 640)
    _grab(box)
    labels = box.axis.drawn_labels()
    assert len(labels) >= 3 and box.axis.caption() == ""
    ids = doc.analysis.arrays.rack_ids
    assert all(text == ids[int(dash._rack_order[i])] for i, text, _r in labels)


def test_every_rack_bar_is_drawn_above_the_axis(qtbot, doc, gb200_8su):
    doc.set_layout(gb200_8su)
    dash = make(qtbot, DashboardPanel, doc, (1800, 640))
    (_x0, _x1), (y0, y1) = dash.rack_chart.plot.viewRange()
    assert y0 == 0 and y1 >= float(np.max(doc.analysis.power.rack_kw))


@pytest.mark.parametrize("sort", [False, True])
def test_the_bars_of_27_racks_in_a_narrow_chart_keep_a_gap_between_each(
        qtbot, doc, builtin_catalog, sort):
    # a GB200 NVL72 SuperPOD of 2 SUs: 27 racks in a chart ~125 px wide, 4.6 px a rack;
    # bars of 0.8 of that left 0.9 px gaps, closed in places once rounded to pixels
    doc.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 2},
                               catalog=builtin_catalog))
    dash = make(qtbot, DashboardPanel, doc, (630, 380))  # four charts in a row
    dash.sort_racks.setChecked(sort)
    box = dash.rack_chart
    image = _grab(box)
    vb = box.plot.vb
    n = len(doc.analysis.power.rack_kw)
    assert n == 27 and vb.width() / n < 8  # a narrow chart indeed
    kw = doc.analysis.power.rack_kw[dash._rack_order]
    background = image.pixelColor(box.widget.mapFromScene(vb.mapViewToScene(
        QPointF(n - 0.5, float(kw.max()) * 1.02))))  # above the last bar
    for pos in range(n - 1):
        # halfway between bar pos and the next, low down where both stand: the background
        y = min(float(kw[pos]), float(kw[pos + 1])) / 2
        # (the gap's pixel, where the point rounds to a pixel beside it)
        p = box.widget.mapFromScene(vb.mapViewToScene(QPointF(pos + 0.5, y)))
        seen = [image.pixelColor(x, p.y()) for x in (p.x() - 1, p.x(), p.x() + 1)]
        assert any(max(abs(c.red() - background.red()), abs(c.green() - background.green()),
                       abs(c.blue() - background.blue())) <= 40 for c in seen), \
            (pos, [c.name() for c in seen])
