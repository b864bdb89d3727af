"""Panels with the real document: refusals that leave the inspector's fields in place and
go when they no longer apply, "mixed" choices, the elevation following an installed device,
chart headers that are never cut, ratios without a denominator and whole rule codes."""

from __future__ import annotations

import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtCore import QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QTextDocument

from designer.panels import DashboardPanel, InspectorPanel, RackElevationPanel, RulePanel
from designer.panels.dashboard import status_summary
from engine import edits
from engine.rules import Violation


def _y(insp, field):
    w = insp.editor(field).widget
    return w.mapTo(insp, QPoint(0, 0)).y()


def _refuse(insp):
    """Commit a row name longer than the model allows: the document refuses it."""
    insp.editor("row").on_commit("x" * 80)
    assert insp.message.isVisible() and "row" in insp.message.text().lower()


# -- inspector: refusals -------------------------------------------------------------------------

def test_a_refusal_does_not_move_the_fields(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc, (330, 700))
    doc.select(["GPU-0001"])
    qtbot.wait(1)  # the new form laid out
    before = {f: _y(insp, f) for f in ("row", "x_m", "rotation_deg", "feeds")}
    _refuse(insp)
    qtbot.wait(1)
    assert {f: _y(insp, f) for f in before} == before, "the next click must hit the same field"
    assert not insp.scroll.geometry().intersects(insp.message.geometry().translated(
        insp.message_area.pos()))


def test_a_long_refusal_keeps_to_its_lines_with_the_whole_in_the_tooltip(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc, (330, 700))
    doc.select(["GPU-0001"])
    area_h = insp.message_area.height()
    text = "Feeds: " + ", ".join(f"unknown id FEED-{i:03d}" for i in range(40))
    insp._show_error(text)
    qtbot.wait(1)
    assert insp.message.text() == text and insp.message.toolTip() == text
    lines = insp.message.shown_lines()
    assert len(lines) == insp.message.LINES and lines[-1].endswith("…")
    assert insp.message_area.height() == area_h


@pytest.mark.parametrize("then", ["select another", "select nothing", "edit elsewhere",
                                  "undo", "save", "same field"])
def test_a_refusal_goes_when_it_no_longer_applies(qtbot, doc, tmp_path, then):
    insp = make(qtbot, InspectorPanel, doc, (330, 700))
    doc.set_field(["GPU-0002"], "x_m", doc.layout.rack("GPU-0002").x_m + 0.5)
    doc.select(["GPU-0001"])
    _refuse(insp)
    if then == "select another":
        doc.select(["GPU-0002"])
    elif then == "select nothing":
        doc.select([])
    elif then == "edit elsewhere":
        doc.set_field(["GPU-0003"], "row", "R09")  # the canvas or a script: not this form
    elif then == "undo":
        doc.undo_stack.undo()
    elif then == "save":
        doc.save(tmp_path / "hall.json")
    else:
        insp.editor("row").on_commit("R07")
        assert doc.layout.rack("GPU-0001").row == "R07"
    assert not insp.message.isVisible(), then


# -- inspector: mixed choices --------------------------------------------------------------------

def test_mixed_choices_say_mixed_and_write_nothing_back(qtbot, doc):
    doc.set_field(["GPU-0002"], "rotation_deg", 90)
    insp = make(qtbot, InspectorPanel, doc, (330, 700))
    doc.select(["GPU-0001", "GPU-0002"])
    rot = insp.editor("rotation_deg")
    # no choice made, and the combo paints its placeholder: a blank read as no value
    assert rot.mixed and rot.widget.currentIndex() == -1
    assert rot.widget.placeholderText() == "mixed"
    assert "mixed" not in [rot.widget.itemText(i) for i in range(rot.widget.count())]
    n = doc.undo_stack.count()
    insp.editor("x_m").widget.setFocus()  # leaving the combo commits nothing
    assert doc.undo_stack.count() == n
    same = insp.editor("type")  # the same type in both: shown, not mixed
    assert not same.mixed and same.widget.currentText().startswith("Rack 800 x 1200 mm")


# -- rack elevation ------------------------------------------------------------------------------

def test_the_elevation_scrolls_to_a_device_installed_out_of_view(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 320))
    doc.select(["NET-0001"])
    qtbot.wait(1)
    bar = panel.scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the rack is taller than the panel"
    bar.setValue(0)  # the top of the rack: U1 is out of view
    free_u = next(u for u in range(1, 49) if panel.canvas.fits(u, 1))
    doc.install_device("NET-0001", "qm9700", free_u)  # a drop on the floor plan, say
    qtbot.wait(10)
    rect = panel.canvas.u_rect(free_u, 1)
    top = panel.canvas.mapTo(panel.scroll.viewport(), rect.topLeft().toPoint()).y()
    bottom = panel.canvas.mapTo(panel.scroll.viewport(), rect.bottomLeft().toPoint()).y()
    assert 0 <= top and bottom <= panel.scroll.viewport().height(), "the new device is in view"


def test_the_elevation_keeps_its_scroll_when_nothing_arrives(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 320))
    doc.select(["GPU-0001"])
    bar = panel.scroll.verticalScrollBar()
    bar.setValue(0)
    doc.set_field(["GPU-0001"], "x_m", doc.layout.rack("GPU-0001").x_m + 0.3)  # a move
    qtbot.wait(10)
    assert bar.value() == 0


# -- dashboard -----------------------------------------------------------------------------------

def _one_line_width(label) -> float:
    d = QTextDocument()
    d.setDocumentMargin(0)
    d.setDefaultFont(label.font())
    d.setHtml(label.text())
    return d.idealWidth()


@pytest.mark.parametrize("width", [640, 1000])
def test_chart_headers_show_their_whole_text(qtbot, doc, width):
    dash = make(qtbot, DashboardPanel, doc, (width, 700))
    qtbot.wait(1)
    boxes = (dash.rack_chart, dash.cooling_chart, dash.feed_chart, dash.cable_chart)
    assert all(b.note.text() for b in (dash.rack_chart, dash.cooling_chart, dash.cable_chart))
    for box in boxes:
        head = box.header
        for label in (box.title, box.note):
            if not label.text():
                continue
            r = label.geometry()
            assert head.rect().contains(r), label.text()
            fits_line = r.width() >= _one_line_width(label)
            wraps = label.wordWrap() and r.height() >= label.heightForWidth(r.width())
            assert fits_line or wraps, f"cut: {label.text()!r}"
        if box.note.text():
            assert not box.title.geometry().intersects(box.note.geometry())
        for control in head.controls:
            assert not control.geometry().intersects(box.title.geometry())
            assert not control.geometry().intersects(box.note.geometry())
    # charts side by side: their plots start at one height
    tops = {b.stack.mapTo(dash, QPoint(0, 0)).y() for b in boxes[:2]}
    assert len(tops) == 1


def test_an_empty_hall_shows_no_ratio_over_zero(qtbot, default_layout, builtin_catalog,
                                                recovery_dir):
    from designer.document import LayoutDocument

    empty = edits.remove_items(default_layout, [r.id for r in default_layout.racks])
    d = LayoutDocument(empty, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    try:
        dash = make(qtbot, DashboardPanel, d, (640, 600))
        assert d.analysis.power.it_kw == 0
        assert dash.figure_text("pue") == "—" and dash.figure_sub("pue") == "no IT load"
        assert dash.figure_text("liquid") == "—"
        assert "PUE —" in status_summary(d.analysis)
    finally:
        d.close()


def test_a_hall_with_load_shows_its_pue(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (640, 600))
    assert dash.figure_text("pue") == f"{doc.analysis.power.pue:.2f}"
    assert dash.figure_sub("pue") in ("modelled", "set by user")


# -- rule panel ----------------------------------------------------------------------------------

class _ViolationsDocument(QObject):
    analysis_updated = Signal(object)
    selection_changed = Signal(list)

    def __init__(self, violations) -> None:
        super().__init__()
        self.analysis = type("Analysis", (), {"violations": violations})()
        self.selection: list[str] = []

    def select(self, ids) -> None:
        self.selection = list(ids)


_LONG_CODES = [
    Violation("POWER-FEED-REACH", "error", "Rack NVL-0003 is 4.2 m from its busway", ("N3",)),
    Violation("POWER-NO-REDUNDANCY", "warning", "Rack NET-0002 has a single feed", ("N2",)),
    Violation("CABLE-MEDIA-FALLBACK", "warning", "128 links use 2 x 800G media", ("L1",)),
    Violation("FABRIC-UNCONNECTED", "info", "Fabrics fe and be share no link", ("fe", "be")),
    # a short message: the row's height is the wrapped code's
    Violation("FLOOR-OVERLAP", "error", "A overlaps B", ("A", "B")),
]


def test_rule_codes_show_whole_at_the_default_width(qtbot):
    """A narrow dock wraps a code at its hyphens (POWER-FEED- / REACH): every part shows
    whole on its line, none is cut, and the messages keep most of the width."""
    import re

    panel = make(qtbot, RulePanel, _ViolationsDocument(_LONG_CODES), (360, 330))
    qtbot.wait(1)
    tree = panel.tree
    code_w = tree.header().sectionSize(0)
    fm = tree.fontMetrics()
    for row in panel.violation_items():
        rect = tree.visualItemRect(row)
        left = rect.left() if rect.left() > 0 else 2 * tree.indentation()
        for part in re.findall(r"[^-]+-?", row.text(0)):
            assert left + fm.horizontalAdvance(part) + 8 <= code_w, (row.text(0), part)
        lines = -(-(fm.horizontalAdvance(row.text(0)) + left + 8) // code_w)
        assert rect.height() >= min(lines, 2) * fm.height(), row.text(0)  # room to wrap
        if row.text(0) == "FLOOR-OVERLAP":
            assert lines >= 2 and rect.height() >= 2 * fm.height()
    assert panel.message_width() >= 0.6 * tree.viewport().width() - 1, \
        "the messages keep room to read"
    # wide, the column takes the whole codes (their one-line size hint)
    panel.resize(900, 330)
    qtbot.wait(1)
    assert tree.header().sectionSize(0) == tree.sizeHintForColumn(0) + 4


def test_link_and_fabric_show_what_the_analysis_made_of_them(window):
    from designer.panels import figures

    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[5]
    doc.select([a.id, b.id])
    lid = window.link_selected(400.0, 2)
    doc.wait_for_analysis()
    rows = {k: v for k, v, _t in figures.link_rows(doc, [lid])}
    length = float(rows["Routed length (m)"])
    assert length > abs(a.x_m - b.x_m)  # up, along the tray, down: longer than the gap
    assert rows["Cables"] == "2" and rows["Medium"] not in ("—", "none reaches")
    fab = doc.layout.fabrics[0].id
    assert rows["Fabric"] == fab  # it joins its ends' fabric without naming it
    frows = {k: v for k, v, _t in figures.fabric_rows(doc, [fab])}
    sw = doc.analysis.network.fabrics[0]["switches"]
    assert frows["Switches"].startswith(f"{sw['leaf']:,} leaf")
    worst = frows["Worst spine failure"]
    assert worst == "—" or " Gb/s per GPU (" in worst
    # the fabric's related links list the link that joined it
    insp = window.panels["InspectorPanel"]
    targets = dict(insp._related_targets(fab))
    assert lid in [t for t, _label in targets["Drawn links"]]


def test_the_rule_filter_is_cleared_for_another_design(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (480, 300))
    panel.search.setText("FLOOR-OVERLAP")
    doc.set_layout(doc.layout.model_copy(update={"name": "another"}))
    assert panel.search.text() == ""


def _click(qtbot, panel, code):
    row = next(r for r in panel.violation_items() if r.text(0) == code)
    rect = panel.tree.visualItemRect(row)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return row


@pytest.mark.parametrize("keep_errors", [True, False])
def test_a_cleared_violation_leaves_no_current_row_and_the_selection_alone(
        qtbot, doc, keep_errors):
    panel = make(qtbot, RulePanel, doc, (600, 400))
    doc.set_field(["CRAH-1"], "capacity_kw", 20.0)  # other rows stay listed
    if keep_errors:  # an error that stays: the errors group is patched, not rebuilt
        doc.set_field(["GPU-0009"], "feeds", [])
    x = doc.layout.rack("GPU-0002").x_m
    doc.set_field(["GPU-0002"], "x_m", doc.layout.rack("GPU-0001").x_m)
    _click(qtbot, panel, "FLOOR-OVERLAP")
    assert panel.current_violation() == ("FLOOR-OVERLAP", ("GPU-0001", "GPU-0002"))
    picked = doc.selection
    changes: list = []
    doc.selection_changed.connect(changes.append)
    doc.set_field(["GPU-0002"], "x_m", x)  # the overlap clears; the racks stay selected
    assert "FLOOR-OVERLAP" not in [r.text(0) for r in panel.violation_items()]
    assert len(panel.violation_items()) > 0
    assert panel.current_violation() is None and panel.tree.selectedItems() == []
    assert doc.selection == picked and changes == []


def test_the_clicked_violation_stops_being_current_when_the_selection_changes(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (600, 400))
    doc.set_field(["CRAH-1"], "capacity_kw", 20.0)
    doc.set_field(["GPU-0002"], "x_m", doc.layout.rack("GPU-0001").x_m)
    _click(qtbot, panel, "FLOOR-OVERLAP")
    doc.select(["GPU-0005"])
    assert panel.current_violation() is None
    doc.set_field(["GPU-0005"], "x_m", doc.layout.rack("GPU-0005").x_m + 0.01)
    assert panel.current_violation() is None, "an update makes no row current"
    assert doc.selection == ["GPU-0005"]
    # the row clicked again is current again
    _click(qtbot, panel, "FLOOR-OVERLAP")
    assert panel.current_violation()[0] == "FLOOR-OVERLAP"


def test_the_limit_line_stands_in_front_of_a_unit_over_its_limit(qtbot, doc):
    import pyqtgraph as pg

    dash = make(qtbot, DashboardPanel, doc, (800, 700))
    doc.set_field([u.id for u in doc.layout.cooling if u.kind == "crah"], "capacity_kw", 20.0)
    qtbot.wait(10)
    assert doc.analysis.cooling.unit_utilization.max() > 1.0
    box = dash.cooling_chart
    bars = (dash.unit_bars.item, dash.unit_over.item)
    assert all(dash.cooling_limit.zValue() > b.zValue() for b in bars)
    # no text over the bars: a red "100 %" is unreadable on a red bar, and a backing
    # that makes it readable hides the bars under it (the axis says 100)
    assert not [it for it in box.plot.vb.allChildren() if isinstance(it, pg.TextItem)]


@pytest.mark.parametrize("size", [(1920, 1080), (1600, 1000)])
def test_a_big_hall_shows_every_figure_and_chart_at_the_usual_window_sizes(window, size):
    from PySide6.QtWidgets import QApplication

    from engine.templates import instantiate

    doc = window.document
    doc.set_layout(instantiate("dgx-h100-hall", {"racks": 1024, "racks_per_row": 32},
                               catalog=doc.catalog))
    window.resize(*size)
    QApplication.processEvents()
    window._size_docks()  # as a first start (and the screenshot) sizes them
    for _ in range(5):
        QApplication.processEvents()
    dash = window.panels["DashboardPanel"]
    sw = doc.analysis.network.switch_counts()
    assert dash.figure_sub("switches") == (f"{sw['leaf']:,} leaf · {sw['spine']:,} spine · "
                                           f"{sw['core']:,} core")
    for key, tile in dash.tiles.items():
        for label in (tile.caption, tile.value, tile.sub):
            font, shown = label.fitted()
            assert not label.is_elided(), f"{key}: {shown!r}"
            assert QFontMetricsF(font).horizontalAdvance(shown) <= label.contentsRect().width()
            if shown != label.text():  # a shorter form: the whole figure in the tooltip
                assert label.cut_tooltip().startswith(label.text())
    view = dash.scroll.viewport()
    assert dash.scroll.verticalScrollBar().maximum() == 0
    for box in (dash.rack_chart, dash.cooling_chart, dash.feed_chart, dash.cable_chart):
        top_left = box.mapTo(view, QPoint(0, 0))
        assert view.rect().contains(QRect(top_left, box.size())), box.title.text()
        assert box.widget.height() >= box.widget.minimumHeight()


def test_a_tile_takes_a_shorter_form_before_it_elides(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    tile = dash.tiles["cables"]
    tile.set("98,304", "3,896.64 km · longest 110 m",
             shorter_sub=("3,897 km · longest 110 m", "3,897 km · max 110 m", "3,897 km"))
    tile.resize(110, tile.height())
    font, shown = tile.sub.fitted()
    assert shown in tile.sub.shorter and not tile.sub.is_elided()
    assert tile.sub.cut_tooltip().startswith("3,896.64 km · longest 110 m")
    tile.resize(400, tile.height())
    assert tile.sub.fitted()[1] == tile.sub.text() and tile.sub.cut_tooltip() == ""
