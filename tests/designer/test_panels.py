"""The designer's side panels, driven against a small fake document.

The fake implements the LayoutDocument contract (properties, signals, methods)
over ``engine.analysis.analyze`` so the panels are tested on their own;
``test_panels_document.py`` repeats the key checks with the real document.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from panel_helpers import make  # noqa: E402 (tests/designer is on pytest's path)
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt, Signal  # noqa: E402
from PySide6.QtGui import QFontMetrics, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.panels import (  # noqa: E402
    MIME_CATALOG,
    DashboardPanel,
    InspectorPanel,
    PalettePanel,
    RackElevationPanel,
    RulePanel,
)
from designer.panels.dashboard import trim_histogram  # noqa: E402
from engine import edits  # noqa: E402
from engine.analysis import analyze  # noqa: E402
from engine.catalog import load_catalog  # noqa: E402
from engine.templates import instantiate  # noqa: E402

_CATALOG = None


def builtin_catalog():
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = load_catalog(user_dir=None)
    return _CATALOG


class FakeDocument(QObject):
    """The LayoutDocument API over a plain Layout and engine.edits, recording every call."""

    items_added = Signal(list)
    items_changed = Signal(list)
    items_removed = Signal(list)
    analysis_updated = Signal(object)
    selection_changed = Signal(list)
    analysis_busy = Signal(bool)

    def __init__(self, layout=None) -> None:
        super().__init__()
        self.catalog = builtin_catalog()
        self.layout = layout if layout is not None else instantiate("dgx-h100-hall", {},
                                                                    catalog=self.catalog)
        self.analysis = analyze(self.layout, self.catalog)
        self.selection: list[str] = []
        self.calls: list[tuple] = []

    def _apply(self, after, changed: list[str]) -> None:
        self.layout = after
        self.analysis = analyze(after, self.catalog)
        self.items_changed.emit(list(changed))
        self.analysis_updated.emit(self.analysis)

    def select(self, ids) -> None:
        self.calls.append(("select", list(ids)))
        self.selection = list(ids)
        self.selection_changed.emit(list(ids))

    def set_field(self, ids, field, value, merge=False, value_text=None) -> None:
        self.calls.append(("set_field", list(ids), field, value))
        self._apply(edits.set_field(self.layout, ids, field, value, self.catalog), list(ids))

    def reshape(self, item_id, points, text=None) -> None:
        self.calls.append(("reshape", item_id, [tuple(p) for p in points]))
        self._apply(edits.reshape(self.layout, item_id, points), [item_id])

    def install_device(self, rack_id, type_id, u=None) -> None:
        self.calls.append(("install_device", rack_id, type_id, u))
        self._apply(edits.install_device(self.layout, rack_id, type_id, u, self.catalog),
                    [rack_id])

    def move_device(self, rack_id, from_u, to_u) -> None:
        self.calls.append(("move_device", rack_id, from_u, to_u))
        self._apply(edits.move_device(self.layout, rack_id, from_u, to_u, self.catalog),
                    [rack_id])

    def remove_device(self, rack_id, u=None) -> None:
        self.calls.append(("remove_device", rack_id, u))
        self._apply(edits.remove_device(self.layout, rack_id, u), [rack_id])


@pytest.fixture
def doc(qtbot):
    return FakeDocument()


def send_mouse(widget, kind, pos, button=Qt.MouseButton.LeftButton,
               buttons=Qt.MouseButton.LeftButton) -> None:
    """Send a press/move/release with the buttons held (QTest's move carries none)."""
    local = QPointF(pos)
    glob = QPointF(widget.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    ev = QMouseEvent(kind, local, glob, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


MOUSE_PRESS = QEvent.Type.MouseButtonPress
MOUSE_MOVE = QEvent.Type.MouseMove
MOUSE_RELEASE = QEvent.Type.MouseButtonRelease


# -- dashboard ---------------------------------------------------------------------------------

def test_dashboard_shows_the_analysis_totals(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    assert dash.figure_text("gpus") == "512"
    # 16 racks x 4 DGX H100 x 10.2 kW [S01] = 652.8 kW, plus the fabric's 24 QM9700 at
    # 1.72 kW max with their optics [S11] = 41.28 kW, plus the GPU ends of the 512 SR4
    # node links, each half a twin-port module of 17 W [S17] = 4.352 kW (the switch ends
    # are in the 1.72 kW): 698.432 kW
    assert dash.figure_text("it") == "0.698 MW"
    assert "698.4 kW" in dash.figure_sub("it")
    a = doc.analysis
    assert dash.figure_text("pue") == f"{a.power.pue:.2f}"
    assert dash.figure_text("facility") == f"{a.power.facility_kw / 1000:.3f} MW"
    assert dash.figure_text("violations") == "0"
    # every link of the fabric lands in one length bin
    assert not dash.cable_chart.is_empty()
    _x, y = dash.cable_bars.getData()
    assert y.sum() == a.to_dict()["cabling"]["cables"] > 0  # cables to buy


def test_dashboard_says_what_it_cannot_count(qtbot):
    # CPU nodes on a 100G front-end fabric: no GPUs, so no bisection; the 100G media
    # have no published power, so the optics figure is a floor with the unrated ends
    lay = instantiate("cpu-cluster", {"racks": 4}, catalog=builtin_catalog())
    dash = make(qtbot, DashboardPanel, FakeDocument(lay), (1000, 640))
    assert dash.figure_text("bisection") == "—" and dash.figure_sub("per_gpu") == "no GPUs"
    cab = analyze(lay).to_dict()["cabling"]
    assert cab["optics_power_unknown_ends"] > 0
    assert dash.figure_sub("optics").startswith("transceivers · ≥ ")
    tip = dash.tiles["optics"].toolTip()
    assert f"{cab['optics_power_unknown_ends']:,} link ends use media the catalog gives no power" in tip
    assert dash.figure_text("optics") == f"{cab['transceivers']:,}"


def test_dashboard_charts_follow_an_edit(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    x, y = dash.rack_total.item.getData()
    # 16 compute racks + 2 network racks, drawn as bars with gaps between them; a rack of
    # 4 DGX H100 (10.2 kW [S01]) with the halves of its 32 links' 17 W twin-port OSFP
    # modules [S16]: 40.8 + 32 x 0.0085 = 41.072 kW
    assert len(y) == 2 * 18 - 1 and y[0] == pytest.approx(41.072)
    first = doc.layout.racks[0]
    doc.remove_device(first.id, first.devices[0].u)
    x, y = dash.rack_total.item.getData()
    assert y[0] == pytest.approx(30.6 + 24 * 0.0085)  # three DGX and their 24 links' optics
    # one DGX H100 (10.2 kW) fewer and the GPU ends of its 8 SR4 links (8 x 8.5 W)
    assert "688.2 kW" in dash.figure_sub("it")
    assert dash.figure_text("gpus") == "504"


def test_dashboard_reuses_plot_items_and_updates_fast(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    items = list(dash.rack_chart.plot.items)
    import time

    t0 = time.perf_counter()
    for _ in range(20):
        dash.update_from(doc.analysis)
    per_update = (time.perf_counter() - t0) / 20
    assert list(dash.rack_chart.plot.items) == items
    assert per_update < 0.05


def test_dashboard_cable_histogram_when_the_network_has_lengths(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    hist = doc.analysis.network.length_histogram
    dash.update_from(doc.analysis)
    x, y = dash.cable_bars.getData()
    # the bins up to the last one holding cables, as the engine counted them
    assert sum(hist["counts"]) > 0 and y[-1] > 0
    assert list(y) == hist["counts"][:len(y)] and not any(hist["counts"][len(y):])
    assert list(x[:-1]) == hist["edges_m"][:len(y)]


def test_dashboard_cable_axis_follows_the_longest_cable(qtbot, doc):
    # regression: the engine closes its open last bin at 3 km, so the axis ran to ~3 km
    # while the longest cable is ~18 m and every bar was a sliver at 0
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    longest_m = doc.analysis.network.max_length_m
    assert 5.0 < longest_m < 100.0
    assert doc.analysis.network.length_histogram["edges_m"][-1] > 100 * longest_m
    (x0, x1), _y = dash.cable_chart.plot.viewRange()
    assert x0 <= 0.0 and longest_m <= x1 <= 1.25 * longest_m
    x, _y = dash.cable_bars.getData()
    assert x[-1] == pytest.approx(longest_m)  # the last bin ends at the longest cable
    # every filled bin is at least a few pixels wide on screen
    view_w = dash.cable_chart.plot.vb.width()
    assert min(np.diff(x)) / (x1 - x0) * view_w > 10
    assert dash.cable_chart.plot.getAxis("bottom").labelUnits == "m"
    assert "longest 18.3 m" in dash.cable_chart.note.text()


def test_trim_histogram_keeps_a_bin_where_the_longest_cable_is_an_edge():
    edges, counts = trim_histogram([0, 1, 2, 5, 10], [0, 2, 3, 0], longest_m=2.0)
    assert edges.tolist() == [0.0, 1.0, 2.0, 2.06] and counts.tolist() == [0.0, 2.0, 3.0]
    edges, counts = trim_histogram([0, 1, 2, 5], [0, 0, 0], longest_m=None)
    assert edges.tolist() == [0, 1, 2, 5] and counts.tolist() == [0, 0, 0]


def test_dashboard_tiles_reflow_with_the_width(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    grid = dash.tile_grid

    def shown():
        qtbot.wait(1)
        return grid.columns(grid.width()), dash._chart_cols

    assert shown() == (6, 2)  # 12 tiles in two full rows
    dash.resize(300, 640)
    assert shown() == (2, 1)
    dash.resize(1600, 1000)  # grown back: the columns follow again, all tiles in a row
    assert shown() == (12, 4)
    # 10 tiles would fit at this width: rows of equal length rather than 10 and 2
    assert grid.columns(10 * (grid.MIN_TILE_W + grid.SPACING)) == 6
    dash.resize(1000, 640)
    assert shown() == (6, 2)
    assert [t.geometry().y() for t in grid.tiles].count(0) == 6


def test_a_short_dashboard_shows_its_figures_compact_to_keep_charts_in_view(qtbot, doc):
    """In a dock as short as a 1280 x 800 window leaves it, the figure tiles drop the
    small text under each value (it stays in the tooltip) and take narrower columns, so
    the first row of charts shows whole; a dock tall enough for everything keeps them whole."""
    dash = make(qtbot, DashboardPanel, doc, (660, 250))
    grid = dash.tile_grid
    qtbot.wait(1)
    assert grid.compact and not dash.tiles["gpus"].sub.isVisible()
    assert grid.columns(grid.width()) == 6  # two rows of six, not three of four
    top = dash.rack_chart.mapTo(dash.scroll.viewport(), dash.rack_chart.rect().bottomLeft())
    assert top.y() <= dash.scroll.viewport().height(), "the first charts are cut"
    assert dash.body_height(660, 2, compact=False) > 250  # whole tiles would hide them
    dash.resize(660, 700)
    qtbot.wait(1)
    assert not grid.compact and dash.tiles["gpus"].sub.isVisible()
    assert grid.columns(grid.width()) == 4


def test_dashboard_tiles_shrink_then_elide_long_values(qtbot, doc):
    # a dock squeezed at a 1024 px window cut "18.966 M" and "overhead 4.752"
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    tile = dash.tiles["facility"]
    tile.set("18.966 MW", "overhead 4,752.3 kW")
    full_pt = tile.value.fitted()[0].pointSizeF()
    dash.resize(dash.minimumSizeHint().width(), 640)
    qtbot.wait(1)
    assert grid_cols(dash) == 1
    font, text = tile.value.fitted()
    assert text == "18.966 MW" and font.pointSizeF() <= full_pt  # fits whole
    tile.set("18,966,000,000.000 MW", "overhead 4,752.3 kW")
    font, text = tile.value.fitted()
    assert font.pointSizeF() == tile.value.min_point_size and text.endswith("…")
    assert tile.value.is_cut() and tile.value.text() == "18,966,000,000.000 MW"
    assert QFontMetrics(font).horizontalAdvance(text) <= tile.value.contentsRect().width()


def grid_cols(dash) -> int:
    return dash.tile_grid.columns(dash.tile_grid.width())


def test_dashboard_waits_while_hidden(qtbot, doc):
    dash = DashboardPanel(doc)
    qtbot.addWidget(dash)
    first = doc.layout.racks[0]
    doc.remove_device(first.id, first.devices[0].u)
    assert dash.figure_text("gpus") == "504"  # figures always follow
    dash.resize(1000, 640)
    dash.show()
    qtbot.waitExposed(dash)
    _x, y = dash.rack_total.item.getData()
    assert y[0] == pytest.approx(30.6 + 24 * 0.0085)


def test_figures_dim_while_a_long_background_analysis_runs(qtbot, doc):
    """A background analysis that runs past STALE_AFTER_MS dims the figures of the
    layout before the edit; its result (or the end of the run) brings them back. A short
    one never dims them."""
    from designer.panels.dashboard import STALE_AFTER_MS

    dash = DashboardPanel(doc)
    qtbot.addWidget(dash)
    doc.analysis_busy.emit(True)
    doc.analysis_busy.emit(False)  # a short run
    qtbot.wait(STALE_AFTER_MS + 150)
    assert not dash.is_stale
    doc.analysis_busy.emit(True)
    qtbot.waitUntil(lambda: dash.is_stale, timeout=STALE_AFTER_MS + 1000)
    assert "before the last edit" in dash.tile_grid.toolTip()
    doc.analysis_busy.emit(False)
    assert not dash.is_stale and dash.tile_grid.toolTip() == ""


# -- inspector ---------------------------------------------------------------------------------

def test_inspector_edit_calls_set_field_with_the_parsed_value(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    ed = insp.editor("x_m")
    assert ed.widget.value() == pytest.approx(doc.layout.rack("GPU-0001").x_m)
    ed.widget.lineEdit().selectAll()
    qtbot.keyClicks(ed.widget.lineEdit(), "5.4")
    qtbot.keyClick(ed.widget.lineEdit(), Qt.Key.Key_Return)
    assert ("set_field", ["GPU-0001"], "x_m", 5.4) in doc.calls
    assert doc.layout.rack("GPU-0001").x_m == 5.4


def test_inspector_combo_and_feed_list_edits(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    rot = insp.editor("rotation_deg")
    rot.widget.activated.emit(rot.values.index(90))
    assert doc.calls[-1] == ("set_field", ["GPU-0001"], "rotation_deg", 90)
    feeds = insp.editor("feeds")
    feeds.widget.setText("BW-01a-A, NOPE")
    feeds.widget.editingFinished.emit()
    assert doc.calls[-1][0] != "set_field" or doc.calls[-1][2] != "feeds"
    assert insp.message.isVisible() and "NOPE" in insp.message.text()


def test_inspector_rejected_value_shows_a_message(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    insp.editor("row").widget.setText("x" * 39 + " bad?")
    insp.editor("row").on_commit("bad" * 20)  # over max_length: the model refuses it
    assert insp.message.isVisible()
    assert doc.layout.rack("GPU-0001").row == "R01"


def test_inspector_multi_selection_shows_common_fields(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001", "GPU-0002", "GPU-0009"])
    assert "id" not in insp.editors
    assert insp.editor("type").widget.currentText() == "Rack 800 x 1200 mm, 48U"
    assert insp.editor("x_m").mixed and insp.editor("x_m").widget.lineEdit().text() == ""
    assert insp.editor("row").mixed and insp.editor("row").widget.text() == ""
    assert "total" in insp.computed_text("IT power (kW)")
    assert insp.computed_text("GPUs") == "96"
    y = insp.editor("y_m")
    qtbot.keyClicks(y.widget.lineEdit(), "3.3")
    qtbot.keyClick(y.widget.lineEdit(), Qt.Key.Key_Return)
    assert doc.calls[-1] == ("set_field", ["GPU-0001", "GPU-0002", "GPU-0009"], "y_m", 3.3)
    assert not insp.editor("y_m").mixed


def test_inspector_blank_mixed_field_commits_nothing_on_focus_out(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001", "GPU-0002", "GPU-0009"])
    x = insp.editor("x_m").widget
    insp.activateWindow()
    x.setFocus()
    qtbot.keyClick(x.lineEdit(), Qt.Key.Key_Up)  # no stepping from a blank
    insp.editor("row").widget.setFocus()
    x.setFocus()
    qtbot.keyClick(x.lineEdit(), Qt.Key.Key_Return)
    assert x.lineEdit().text() == ""
    feeds = insp.editor("feeds").widget
    doc.set_field(["GPU-0009"], "feeds", ["BW-02a-A"])
    n_calls = len(doc.calls)
    assert insp.editor("feeds").mixed
    feeds.editingFinished.emit()  # left blank: the racks keep their own feeds
    assert len(doc.calls) == n_calls
    assert not [c for c in doc.calls if c[0] == "set_field" and c[2] != "feeds"]


def test_inspector_edits_where_a_crah_draws_room_air(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["CRAH-1"])
    ed = insp.editor("return_xy_m")
    assert ed.widget.text() == "" and ed.widget.placeholderText() == "the unit itself"
    ed.widget.setText("3.5, 4")
    ed.widget.editingFinished.emit()
    assert doc.calls[-1] == ("set_field", ["CRAH-1"], "return_xy_m", (3.5, 4.0))
    assert doc.layout.cooling[0].return_xy_m == (3.5, 4.0)
    assert ed.widget.text() == "3.500, 4.000"
    ed.widget.setText("3.5")  # one number is not a point: refused, the value stays
    ed.widget.editingFinished.emit()
    assert insp.message.isVisible() and "two numbers" in insp.message.text()
    assert doc.layout.cooling[0].return_xy_m == (3.5, 4.0)
    # typed key by key, nothing dropped: each entry refused whole, never changed into
    # another point (1e309 read as 1309, or "1,2,3" as 1, 23)
    for typed in ("1e309, 1", "1,2,3", "nan, 2", "x, 1"):
        ed.widget.clear()
        qtbot.keyClicks(ed.widget, typed)
        assert ed.widget.text() == typed
        ed.widget.editingFinished.emit()
        assert "two numbers" in insp.message.text() or "within" in insp.message.text()
        assert doc.layout.cooling[0].return_xy_m == (3.5, 4.0)
    ed.widget.setText("")  # empty: back to the unit's own position
    ed.widget.editingFinished.emit()
    assert doc.calls[-1] == ("set_field", ["CRAH-1"], "return_xy_m", None)
    assert doc.layout.cooling[0].return_xy_m is None
    doc.select([u.id for u in doc.layout.cooling if u.kind == "cdu"][:1] or ["GPU-0001"])
    assert "return_xy_m" not in insp.editors  # only CRAHs draw room air


def test_inspector_mixed_spin_box_stays_blank_when_qt_reformats_it(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001", "GPU-0002", "GPU-0009"])
    w = insp.editor("x_m").widget
    w.setDecimals(w.decimals())  # Qt re-formats the text (as it does on show and polish)
    assert w.lineEdit().text() == ""
    doc.select(["GPU-0001"])
    w = insp.editor("x_m").widget
    w.setDecimals(w.decimals())
    assert w.lineEdit().text() == f"{doc.layout.rack('GPU-0001').x_m:.3f}"


def test_inspector_u_used_counts_the_generated_switches(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    net = next(r.id for r in doc.layout.racks if r.id.startswith("NET"))
    doc.select([net])
    gen_u = sum(p["height_u"]
                for p in doc.analysis.to_dict()["network"]["placements"]
                if p.get("rack") == net and p.get("generated"))
    assert gen_u > 0
    assert insp.computed_text("U used").startswith(f"{gen_u} / 48 U ({48 - gen_u} free; "
                                                   f"{gen_u} U generated switches)")


def test_inspector_mixed_kinds_edit_the_shared_fields(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001", "CRAH-1"])
    assert {"name", "x_m", "y_m", "rotation_deg"} <= set(insp.editors)
    assert "feeds" not in insp.editors and "capacity_kw" not in insp.editors


def test_inspector_rack_figures_cite_their_sources(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    assert insp.computed_text("IT power (kW)") == "41.1"  # 40.8 kW of DGX and 0.27 kW optics
    assert insp.computed_text("U used") == "32 / 48 U (16 free)"
    assert insp.computed_text("GPUs") == "32"
    assert "S01" in insp.sources_label.text() and "dgx-h100" in insp.sources_label.text()


def test_inspector_shows_the_hall_when_nothing_is_selected(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    assert insp.title.text() == "Hall"
    tile = insp.editor("hall.tile_m")
    assert tile.widget.value() == pytest.approx(0.6)
    pue = insp.editor("assumptions.pue")
    assert pue.parsed() is None  # "model": no override
    pue.widget.setValue(1.3)
    assert doc.calls[-1] == ("set_field", [edits.LAYOUT_ID], "assumptions.pue", 1.3)
    assert doc.layout.assumptions.pue == 1.3
    aoc = insp.editor("assumptions.cabling.allow_aoc")
    aoc.widget.click()
    assert doc.calls[-1] == ("set_field", [edits.LAYOUT_ID], "assumptions.cabling.allow_aoc",
                             True)  # off by default


def test_inspector_follows_an_edit_made_elsewhere(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["CRAH-1"])
    assert "flow_lpm" not in insp.editors  # a CRAH has no rated coolant flow
    doc.set_field(["CRAH-1"], "capacity_kw", 250.0)
    assert insp.editor("capacity_kw").widget.value() == 250.0
    assert insp.computed_text("Utilization").endswith("%")


# -- rule panel --------------------------------------------------------------------------------

def _overlap(doc):
    r1 = doc.layout.rack("GPU-0001")
    doc.set_field(["GPU-0002"], "x_m", r1.x_m)


def test_rule_panel_click_selects_and_zooms(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (600, 300))
    assert panel.violation_items() == []
    _overlap(doc)
    rows = panel.violation_items()
    assert rows, "the overlap raises a violation"
    row = next(r for r in rows if r.text(0) == "FLOOR-OVERLAP")
    with qtbot.waitSignal(panel.zoom_requested) as sig:
        rect = panel.tree.visualItemRect(row)
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert set(sig.args[0]) == {"GPU-0001", "GPU-0002"}
    assert set(doc.selection) == {"GPU-0001", "GPU-0002"}


def test_rule_panel_double_click_and_filters(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (600, 300))
    _overlap(doc)
    doc.set_field(["CRAH-1"], "capacity_kw", 20.0)
    codes = [r.text(0) for r in panel.violation_items()]
    assert "COOL-UNIT-OVER" in codes
    # errors come first
    sev = [next(v.severity for v in doc.analysis.violations if v.code == c) for c in codes]
    assert sev == sorted(sev, key=["error", "warning", "info"].index)
    panel.filters["warning"].setChecked(False)
    assert all(r.parent().text(0).startswith("Errors") for r in panel.violation_items())
    panel.search.setText("overlap")
    assert [r.text(0) for r in panel.violation_items()] == ["FLOOR-OVERLAP"]
    row = panel.violation_items()[0]
    zooms: list[list] = []
    panel.zoom_requested.connect(zooms.append)
    pos = panel.tree.visualItemRect(row).center()
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    n_click = len(zooms)
    # QTest's double click needs the press of a first click on the same row
    qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert n_click == 1 and len(zooms) == 2
    assert set(zooms[-1]) == {"GPU-0001", "GPU-0002"}


# -- palette -----------------------------------------------------------------------------------

def test_palette_search_filters(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    assert "dgx-h100" in pal.visible_entry_ids()
    assert "gb200-nvl72" not in pal.visible_entry_ids()  # follows the layout's generation
    assert "tool:tray" in pal.visible_entry_ids() and "crah-cw-150" in pal.visible_entry_ids()
    qtbot.keyClicks(pal.search, "dgx")
    shown = pal.visible_entry_ids()
    assert shown and all("dgx" in i or "dgx" in pal.item_for(i).text(0).lower() for i in shown)
    pal.search.setText("QM9700")
    assert pal.visible_entry_ids() == ["qm9700"]
    pal.search.setText("no such thing")
    assert pal.visible_entry_ids() == [] and pal.empty_label.isVisible()


def test_palette_generation_filter(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    pal.set_generation(None)
    assert {"gb200-nvl72", "dgx-h100", "mi300x-8gpu"} <= set(pal.visible_entry_ids())
    pal.set_generation("blackwell")
    ids = pal.visible_entry_ids()
    assert "gb200-nvl72" in ids and "dgx-h100" not in ids and "qm9700" in ids
    pal.set_generation("follow")
    doc.set_field([edits.LAYOUT_ID], "generation", "rubin")
    assert "vera-rubin-nvl144" in pal.visible_entry_ids()
    assert "Rubin" in pal.generation_combo.currentText()


def test_palette_feed_tooltip_takes_the_designs_derating(qtbot, doc):
    """An 800 A, 415 V busway: 575.0 kVA x 0.95 = 546.3 kW as placed; its continuous
    budget 437.0 kW at the default 80 %, 491.7 kW once the design runs feeds at 90 %."""
    import html

    def tip(item) -> str:
        return html.unescape(item.toolTip(0))

    pal = make(qtbot, PalettePanel, doc)
    item = pal.item_for("busway-415v-800a")
    assert "546.3 kW" in tip(item)
    assert "437.0 kW (80% of the rating, this design's derating)" in tip(item)
    doc.set_field([edits.LAYOUT_ID], "assumptions.continuous_derating", 0.9)
    assert "491.7 kW (90% of the rating, this design's derating)" in tip(item)


def test_palette_drag_mime_carries_the_id(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    item = pal.item_for("dgx-h100")
    mime = pal.tree.mimeData([item])
    assert bytes(mime.data(MIME_CATALOG)).decode("utf-8") == "dgx-h100"
    assert MIME_CATALOG in pal.tree.mimeTypes()
    assert item.flags() & Qt.ItemFlag.ItemIsDragEnabled
    tip = item.toolTip(0)
    assert "10.20 kW" in tip and "S01" in tip and "8 U" in tip and "8 x" in tip


# -- rack elevation ------------------------------------------------------------------------------

def test_elevation_shows_four_dgx_blocks_of_8u(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["GPU-0001"])
    blocks = panel.blocks()
    assert [(b.type_id, b.height_u) for b, _r in blocks] == [("dgx-h100", 8)] * 4
    heights = {round(r.height()) for _b, r in blocks}
    assert len(heights) == 1  # drawn to scale, all the same
    assert panel.totals["kw"].text() == "41.1"  # 4 x 10.2 kW and the DGX's optics
    # the 0.3 kW over the blocks' 10.2 kW each is said where the total is
    optics_kw = doc.analysis.network.rack_optics_w(doc.analysis.arrays.n_racks)[0] / 1000
    assert 0.2 < optics_kw < 0.4
    assert f"includes {optics_kw:,.2f} kW of transceivers" in panel.totals["kw"].toolTip()
    assert panel.totals["u"].text() == "32 / 16"


def test_elevation_drag_moves_a_device(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["GPU-0001"])
    cv = panel.canvas
    top_block = max(panel.blocks(), key=lambda br: br[0].u)
    b, rect = top_block
    start = rect.center()
    target_u = 40  # the top of the default rack is free
    assert cv.fits(target_u, b.height_u, ignore_u=b.u)
    dy = (b.u - target_u) * cv.px_per_u()
    send_mouse(cv, MOUSE_PRESS, start)
    send_mouse(cv, MOUSE_MOVE, QPointF(start.x(), start.y() + dy / 2))
    send_mouse(cv, MOUSE_MOVE, QPointF(start.x(), start.y() + dy))
    send_mouse(cv, MOUSE_RELEASE, QPointF(start.x(), start.y() + dy),
               buttons=Qt.MouseButton.NoButton)
    assert doc.calls[-1] == ("move_device", "GPU-0001", b.u, target_u)
    assert sorted(d.u for d in doc.layout.rack("GPU-0001").devices)[-1] == target_u


def test_elevation_refuses_a_drag_onto_another_device_and_esc_cancels(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["GPU-0001"])
    cv = panel.canvas
    (b, rect) = min(panel.blocks(), key=lambda br: br[0].u)
    start = rect.center()
    dy = -4 * cv.px_per_u()  # 4 U up lands on the next server
    send_mouse(cv, MOUSE_PRESS, start)
    send_mouse(cv, MOUSE_MOVE, QPointF(start.x(), start.y() + dy))
    send_mouse(cv, MOUSE_RELEASE, QPointF(start.x(), start.y() + dy),
               buttons=Qt.MouseButton.NoButton)
    assert not any(c[0] == "move_device" for c in doc.calls)
    send_mouse(cv, MOUSE_PRESS, start)
    send_mouse(cv, MOUSE_MOVE, QPointF(start.x(), start.y() - 1.5 * cv.px_per_u()))
    qtbot.keyClick(cv, Qt.Key.Key_Escape)
    send_mouse(cv, MOUSE_RELEASE, start, buttons=Qt.MouseButton.NoButton)
    assert not any(c[0] == "move_device" for c in doc.calls)


def test_elevation_accepts_a_palette_drop(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["GPU-0001"])
    cv = panel.canvas
    mime = PalettePanel.mime_data("qm9700")
    assert cv._drop_type(mime) == "qm9700"
    y = cv.u_rect(45, 1).center().y()
    u, ok = cv.drop_target("qm9700", y)
    assert (u, ok) == (45, True)
    assert not cv.drop_target("qm9700", cv.u_rect(5, 1).center().y())[1]  # on a server
    cv.device_dropped.emit("qm9700", u)
    assert doc.calls[-1] == ("install_device", "GPU-0001", "qm9700", 45)
    assert any(b.type_id == "qm9700" and b.u == 45 for b, _r in panel.blocks())
    assert cv._drop_type(PalettePanel.mime_data("crah-cw-150")) is None


def test_elevation_rack_scale_system_is_one_block(qtbot):
    lay = instantiate("dgx-h100-hall", {"racks": 2}, catalog=builtin_catalog())
    lay = edits.set_field(lay, [lay.racks[0].id], "devices", [])
    lay = edits.install_device(lay, lay.racks[0].id, "gb200-nvl72", catalog=builtin_catalog())
    doc = FakeDocument(lay)
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select([lay.racks[0].id])
    (b, _r), = panel.blocks()
    assert b.is_system and b.height_u == 48 and "72 GPUs" in b.detail


def test_elevation_shows_the_switches_the_fabric_generated(qtbot, doc):
    # NET-0001 holds no devices; the fabric analysis places its leaves and spines in free U
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["NET-0001"])

    def generated():
        placed = [p for p in doc.analysis.to_dict()["network"]["placements"]
                  if p["rack"] == "NET-0001" and p["generated"]]
        return sorted((p["u"], p["height_u"], p["model"], p["tier"], p["fabric"]) for p in placed)

    expected = generated()
    assert len(expected) == 12  # 8 leaves and 4 spines, QM9700, 1 U each
    drawn = panel.generated_blocks()
    assert [(b.u, b.height_u, b.type_id, b.label.split()[0], b.fabric) for b, _r in drawn] \
        == expected
    assert all(b.is_generated and "generated by fabric compute" in b.detail for b, _r in drawn)
    assert panel.blocks() == []  # not the rack's own devices
    n_u = sum(h for _u, h, *_ in expected)
    assert panel.totals["u"].text() == f"{n_u} / {48 - n_u}"
    assert panel.generated_note.isVisible()
    assert f"{n_u} U of generated switches (fabric compute)" in panel.generated_note.text()
    cv = panel.canvas
    rect = drawn[0][1]
    tip = cv.tooltip_at(rect.center())
    assert "fabric analysis" in tip and "moves when the fabric" in tip and "U1" in tip
    # not draggable
    send_mouse(cv, MOUSE_PRESS, rect.center())
    send_mouse(cv, MOUSE_MOVE, QPointF(rect.center().x(), rect.center().y() - 5 * cv.px_per_u()))
    send_mouse(cv, MOUSE_RELEASE, rect.center(), buttons=Qt.MouseButton.NoButton)
    assert not any(c[0] == "move_device" for c in doc.calls)
    # a device installed in their place: the next analysis moves them up by one U
    assert cv.fits(1, 1)
    doc.install_device("NET-0001", "qm9790", 1)
    moved = generated()
    assert moved[0][0] == 2
    assert [(b.u, b.type_id) for b, _r in panel.generated_blocks()] == [(u, m) for u, _h, m, *_
                                                                        in moved]
    assert [b.u for b, _r in panel.blocks()] == [1]
    assert panel.totals["u"].text() == f"{n_u + 1} / {48 - n_u - 1}"
    doc.select(["GPU-0001"])
    assert panel.generated_blocks() == [] and not panel.generated_note.isVisible()


def test_elevation_indexes_generated_switches_once_per_topology(qtbot, doc, monkeypatch):
    from designer.panels import figures

    calls = []
    index = figures._index_generated
    monkeypatch.setattr(figures, "_index_generated", lambda *a: calls.append(1) or index(*a))
    monkeypatch.setattr(figures, "_GENERATED_INDEX", type(figures._GENERATED_INDEX)())
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    for rack_id in ("NET-0001", "NET-0002", "NET-0001"):
        doc.select([rack_id])
        for _ in range(3):
            doc.analysis_updated.emit(doc.analysis)
    assert len(calls) == 1 and len(panel.generated_blocks()) == 12


def test_rule_panel_updates_figures_in_place_and_rebuilds_on_new_items(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (600, 300))
    crahs = [u.id for u in doc.layout.cooling if u.kind == "crah"]
    doc.set_field(crahs, "capacity_kw", 60.0)  # every CRAH over its capacity

    def over_rows():
        return {r.data(0, Qt.ItemDataRole.UserRole)[0]: r for r in panel.violation_items()
                if r.text(0) == "COOL-UNIT-OVER"}

    rows = over_rows()
    assert len(rows) >= 5
    before = {k: r.text(1) for k, r in rows.items()}
    doc.set_field(crahs, "capacity_kw", 50.0)  # the same units over, new percentages
    after = over_rows()
    assert set(after) >= set(rows)
    assert all(after[k] is rows[k] for k in rows), "the rows are updated, not rebuilt"
    messages = {v.items[0]: v.message for v in doc.analysis.violations
                if v.code == "COOL-UNIT-OVER"}
    for k in rows:
        assert after[k].text(1) == messages[k] != before[k] and "50 kW" in messages[k]
    _overlap(doc)  # a new violation: the list is rebuilt with it
    assert "FLOOR-OVERLAP" in [r.text(0) for r in panel.violation_items()]


def test_rule_panel_message_column_keeps_the_width_across_updates(qtbot, doc):
    # regression: the Code column (resized to its contents) took half a narrow dock and
    # the messages wrapped to five lines
    panel = make(qtbot, RulePanel, doc, (360, 300))
    crahs = [u.id for u in doc.layout.cooling if u.kind == "crah"]
    widths = []
    for kw in (60.0, 50.0, 55.0):  # new rows, then the same rows with new figures
        doc.set_field(crahs, "capacity_kw", kw)
        qtbot.wait(1)
        widths.append((panel.tree.header().sectionSize(0), panel.message_width()))
    _overlap(doc)
    qtbot.wait(1)
    widths.append((panel.tree.header().sectionSize(0), panel.message_width()))
    viewport_w = panel.tree.viewport().width()
    assert len(set(widths)) == 1, "the columns hold still while the codes stay the same"
    code_w, message_w = widths[0]
    assert message_w >= 0.55 * viewport_w and message_w >= 0.5 * panel.width()
    assert code_w + message_w == viewport_w  # the message stretches to the edge
    assert panel.tree.isColumnHidden(2)  # no room for the ids: they are in the tooltip
    row = next(r for r in panel.violation_items() if r.text(0) == "COOL-UNIT-OVER")
    assert panel.tree.visualItemRect(row).height() <= 3 * panel.fontMetrics().height() + 8
    assert row.toolTip(0) == "COOL-UNIT-OVER"
    # wide: the codes get their full width and the items column shows
    panel.resize(900, 300)
    qtbot.wait(1)
    # the full codes (the size hint counts the child rows' indentation) and a little air
    assert panel.tree.header().sectionSize(0) == panel.tree.sizeHintForColumn(0) + 4
    assert not panel.tree.isColumnHidden(2)
    assert panel.message_width() >= 0.5 * panel.tree.viewport().width()
    # the severity groups span the row (set once the item is in the tree)
    top = panel.tree.topLevelItem(0)
    assert top.isFirstColumnSpanned()


def test_inspector_says_when_a_typed_number_is_out_of_range(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)  # nothing selected: the hall and assumptions
    ed = insp.editor("assumptions.delta_t_air_k")
    le = ed.widget.lineEdit()
    le.selectAll()
    qtbot.keyClicks(le, "0")
    qtbot.keyClick(le, Qt.Key.Key_Return)
    assert insp.message.isVisible()
    assert "Air ΔT (K): expected 1 to 60 (got 0)" in insp.message.text()
    assert doc.layout.assumptions.delta_t_air_k == pytest.approx(11.7)


def test_rule_panel_codes_elide_at_the_end_with_the_whole_code_in_the_tooltip(qtbot, doc):
    from PySide6.QtWidgets import QStyleOptionViewItem

    panel = make(qtbot, RulePanel, doc, (300, 300))
    _overlap(doc)
    qtbot.wait(1)
    row = panel.violation_items()[0]
    index = panel.tree.indexFromItem(row, 0)
    opt = QStyleOptionViewItem()
    panel.tree.itemDelegateForIndex(index).initStyleOption(opt, index)
    assert opt.textElideMode == Qt.TextElideMode.ElideRight, "POWER-…D-OVER reads as a code"
    assert row.toolTip(0) == row.text(0)


def test_the_violations_tile_counts_errors_and_warnings_as_the_status_bar_does(qtbot, doc):
    import dataclasses

    from designer.panels.dashboard import status_summary
    from engine.rules import Violation

    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    notes = [Violation("CABLE-MEDIA-FALLBACK", "info", "a note")]
    a = dataclasses.replace(doc.analysis, violations=notes)
    dash.update_from(a)
    assert dash.figure_text("violations") == "0"
    assert "1 info" in dash.figure_sub("violations")
    assert "0 errors, 0 warnings" in status_summary(a)
    a = dataclasses.replace(doc.analysis, violations=[
        *notes, Violation("FLOOR-OVERLAP", "error", "x"), Violation("COOL-N1", "warning", "y")])
    dash.update_from(a)
    assert dash.figure_text("violations") == "2"


def test_rule_filter_box_keeps_room_for_its_placeholder(qtbot, doc):
    # beside the severity buttons where it has 150 px, else on a line of its own
    panel = make(qtbot, RulePanel, doc, (700, 300))
    buttons = max(b.geometry().right() for b in panel.filters.values())
    assert panel.search.geometry().left() > buttons
    assert panel.search.y() == panel.filters["error"].y()
    panel.resize(300, 300)
    QApplication.processEvents()
    assert panel.search.y() > panel.filters["error"].geometry().bottom()
    assert panel.search.width() >= 250
    text_w = QFontMetrics(panel.search.font()).horizontalAdvance(panel.search.placeholderText())
    assert panel.search.width() > text_w
    panel.resize(700, 300)
    QApplication.processEvents()
    assert panel.search.y() == panel.filters["error"].y(), "back beside the buttons"
    assert panel.search.width() >= RulePanel.SEARCH_MIN_PX


def test_esc_in_an_inspector_field_drops_what_was_typed(qtbot, doc):
    """Typing into a field and pressing Esc puts the model's value back and leaves the
    field; moving on commits nothing (it used to commit the typed name on focus out)."""
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    calls = len(doc.calls)
    name, x = insp.editor("name"), insp.editor("x_m")
    before = doc.layout.rack("GPU-0001").model_dump()
    for ed, text in ((name, "zzz"), (x, "99")):
        le = ed.widget.lineEdit() if hasattr(ed.widget, "lineEdit") else ed.widget
        ed.widget.setFocus()
        le.selectAll()
        # keys go to the focused widget, as a user's do (a spin box hands them on)
        qtbot.keyClicks(ed.widget, text)
        qtbot.keyClick(ed.widget, Qt.Key.Key_Escape)
        assert text not in le.text() and not ed.widget.hasFocus()
        ed.widget.editingFinished.emit()  # as focus moving on would
    assert doc.layout.rack("GPU-0001").model_dump() == before
    assert len(doc.calls) == calls
    # a refused entry's message goes with the entry
    x.widget.setFocus()
    x.widget.lineEdit().selectAll()
    qtbot.keyClicks(x.widget, "abc")
    qtbot.keyClick(x.widget, Qt.Key.Key_Return)
    assert insp.message.isVisible()
    x.widget.setFocus()
    qtbot.keyClick(x.widget, Qt.Key.Key_Escape)
    assert not insp.message.isVisible()
    assert doc.layout.rack("GPU-0001").model_dump() == before


def test_the_cables_tile_gives_the_longest_cable_as_the_chart_does(qtbot, doc):
    """The tile said "longest 18 m" beside a chart whose note said 18.3 m: one figure,
    one rounding."""
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    longest = doc.analysis.network.max_length_m
    text = f"{longest:,.1f}".removesuffix(".0")
    assert f"longest {text} m" in dash.figure_sub("cables")
    assert f"longest {text} m" in dash.cable_chart.note.text()


def test_a_rectangular_halls_width_and_depth_are_typed_in_the_inspector(qtbot, doc):
    """Nothing selected, a rectangular hall shows its width and depth; typing a depth
    moves the north wall (one undo step), the south and west walls stay."""
    from engine.edits import hall_size

    insp = make(qtbot, InspectorPanel, doc)
    doc.select([])
    w, d = hall_size(doc.layout)
    depth = insp.editor("hall.depth_m")
    assert insp.editor("hall.width_m").widget.value() == pytest.approx(w)
    assert depth.widget.value() == pytest.approx(d)
    ys = sorted({y for _x, y in doc.layout.hall.outline})
    depth.widget.setFocus()
    depth.widget.lineEdit().selectAll()
    qtbot.keyClicks(depth.widget, f"{d + 1.2:.3f}")
    qtbot.keyClick(depth.widget, Qt.Key.Key_Return)
    assert hall_size(doc.layout) == pytest.approx((w, d + 1.2))
    assert min(y for _x, y in doc.layout.hall.outline) == ys[0]
    assert [c[0] for c in doc.calls].count("reshape") == 1


def test_inspector_picks_a_feed_model_and_its_figures_come_with_it(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    bw = next(f for f in doc.layout.feeds if f.kind == "busway")
    doc.select([bw.id])
    ed = insp.editor("model")
    k = ed.values.index("busway-415v-400a")
    ed._on_activated(k)
    f = doc.layout.find(bw.id)
    assert f.model == "busway-415v-400a" and f.amps == 400.0
    # amps set by hand to a size the catalog has no model of: a feed of its own figures
    doc.set_field([bw.id], "amps", 250)
    assert doc.layout.find(bw.id).model is None
    assert insp.editor("model").widget.currentText() == "(its own figures)"
