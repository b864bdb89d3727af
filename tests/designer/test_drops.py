"""A device dropped on open floor gets a new rack: the row's rack type when it continues
a row, the default one elsewhere, and the status bar says which."""

from __future__ import annotations

import pytest

from engine.templates import instantiate


@pytest.fixture
def b200_window(qtbot, qapp, recovery_dir, builtin_catalog):
    from designer.document import LayoutDocument

    lay = instantiate("dgx-b200-superpod", catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    from panel_helpers import open_window

    yield open_window(qtbot, doc)
    doc.close()


def _messages(win):
    seen = []
    win.view.fp.message.connect(seen.append)
    return seen


def test_a_server_dropped_at_a_row_end_takes_the_rows_rack_type(b200_window):
    from designer.canvas.drops import DEFAULT_RACK, perform_drop

    doc = b200_window.document
    row = [r for r in doc.layout.racks if r.row == "R01"]
    # the B200 SuperPOD's racks; its network racks (800 mm) now stand in line in the middle
    # of the rows, so the row ends are compute racks
    assert {r.type for r in row} == {"rack-700x1200", "rack-800x1200"}
    end = max(row, key=lambda r: r.x_m)
    seen = _messages(b200_window)
    ids = perform_drop(b200_window.view.fp, "dgx-b200", end.x_m + 0.8, end.y_m)
    new = doc.layout.rack(ids[0])
    assert (new.type, new.row, new.y_m) == ("rack-700x1200", "R01", end.y_m)
    assert [d.type for d in new.devices] == ["dgx-b200"]
    assert seen and seen[-1].startswith(f"Placed NVIDIA DGX B200 in new rack {new.id}")
    assert "row R01" in seen[-1] and "fed from" not in seen[-1]  # both busways reach
    # a rack that only one side's busway reaches: the note names the side it lacks
    from designer.canvas.drops import _feed_note

    one = new.model_copy(update={"feeds": ["BW-01a-A"]})
    assert _feed_note(doc.layout, one) == \
        "; fed from BW-01a-A only: no B-side run within 1.5 m (see the rules)"
    # an empty rack breaks no power rule yet (they speak of racks that draw power)
    empty = one.model_copy(update={"devices": [], "feeds": []})
    assert _feed_note(doc.layout, empty) == ("; no power run within 1.5 m: unfed (the power "
                                             "rules flag it once it holds equipment)")
    # far from any row: NVIDIA's recommended 700 mm, 52U rack for it [S40], on open floor
    ids = perform_drop(b200_window.view.fp, "dgx-b200", 1.0, 14.0)
    lone = doc.layout.rack(ids[0])
    assert (lone.type, lone.row) == ("rack-700x1200", None)
    # a server the catalog names no rack for takes the default one
    other = perform_drop(b200_window.view.fp, "hgx-b200-8gpu", 1.0, 18.0)
    assert doc.layout.rack(other[0]).type == DEFAULT_RACK
    doc.undo_stack.undo()
    assert seen[-1].endswith("on open floor; no power run within 1.5 m: unfed (see the rules)")
    # a second one beside it, in line: the two start a row, and the message says so
    width = doc.catalog.racks["rack-700x1200"].width_mm.value / 1000
    ids = perform_drop(b200_window.view.fp, "dgx-b200", 1.0 + width, 14.0)
    pair = doc.layout.rack(ids[0])
    assert pair.y_m == lone.y_m  # snapped in line with the first
    assert pair.row and doc.layout.rack(lone.id).row == pair.row
    assert f"starting row {pair.row}" in seen[-1]


def test_a_server_dropped_beside_a_row_of_systems_gets_the_default_rack(qtbot, qapp, recovery_dir,
                                                                       builtin_catalog):
    # an NVL72 rack is built for its system: a DGX dropped at the row's end takes its own
    # recommended rack [S40], not the MGX rack of its neighbours
    from panel_helpers import open_window

    from designer.canvas.drops import DEFAULT_RACK, perform_drop
    from designer.document import LayoutDocument

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = open_window(qtbot, doc)
    row = [r for r in doc.layout.racks if r.system]
    end = max((r for r in row if r.row == row[0].row), key=lambda r: r.x_m)
    ids = perform_drop(win.view.fp, "dgx-b200", end.x_m + 0.8, end.y_m)
    assert doc.layout.rack(ids[0]).type == "rack-700x1200"
    ids = perform_drop(win.view.fp, "hgx-b200-8gpu", end.x_m + 0.8, end.y_m + 3.0)
    assert doc.layout.rack(ids[0]).type == DEFAULT_RACK
    doc.close()


def test_a_rack_dropped_at_a_row_of_shallower_racks_shares_their_front(qtbot, builtin_catalog,
                                                                        recovery_dir):
    # an 800 x 1200 mm rack at the end of a row of 1,068 mm NVL72 racks: its front on
    # theirs (the cold aisle's containment line), its back 132 mm further into the hot
    # aisle, not half of that on each side
    from panel_helpers import open_window

    from designer.canvas.drops import perform_drop
    from designer.document import LayoutDocument
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = open_window(qtbot, doc)
    last = max((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    assert last.type == "nvl72-rack" and last.rotation_deg == 180  # its front at +y
    ids = perform_drop(win.view.fp, "rack-800x1200", last.x_m + 0.8, last.y_m)
    new = doc.layout.rack(ids[0])

    def front(r):
        return r.y_m + builtin_catalog.racks[r.type].depth_mm.value / 2000

    assert new.row == "R01" and abs(front(new) - front(last)) < 1e-9
    assert abs((new.y_m - last.y_m) - (-0.066)) < 1e-9
    doc.close()


def test_four_pdus_dropped_on_a_rack_alternate_sides_and_hang_apart(qtbot, builtin_catalog,
                                                                     recovery_dir):
    # a dense rack takes two PDUs a side: dropped one after another they go A, B, A, B,
    # each side's second a marker's width (300 mm) in from its first, so no marker hides
    # another. A rack a busway feeds on a side takes its PDUs from the busway's tap-off:
    # a PDU dropped there feeds the other side, and on a rack busways feed on both sides
    # it is refused (as a feed of its own it would take a share of the rack's load off
    # the busway that carries it)
    from panel_helpers import open_window

    from designer.canvas.drops import PDU_STEP_M, perform_drop
    from designer.document import LayoutDocument
    from engine.model import Hall, Layout, PowerFeed, Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]), racks=[
        Rack(id="R1", type="rack-800x1200", x_m=4.0, y_m=5.0),
        Rack(id="R2", type="rack-800x1200", x_m=8.0, y_m=5.0, feeds=["BW-A"]),
        Rack(id="R3", type="rack-800x1200", x_m=12.0, y_m=5.0, feeds=["BW-A", "BW-B"])],
        feeds=[PowerFeed(id="BW-A", side="A", points=[(7.0, 5.1), (13.0, 5.1)]),
               PowerFeed(id="BW-B", side="B", points=[(7.0, 4.9), (13.0, 4.9)])])
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = open_window(qtbot, doc)
    rack = doc.layout.rack("R1")
    dropped = []
    for _ in range(4):
        dropped += perform_drop(win.view.fp, "rpdu-415v-60a-3ph", rack.x_m, rack.y_m)
    feeds = [doc.layout.find(f) for f in dropped]
    assert [f.side for f in feeds] == ["A", "B", "A", "B"]
    assert doc.layout.rack("R1").feeds == dropped
    points = [f.points[0] for f in feeds]
    assert len({(round(x, 3), round(y, 3)) for x, y in points}) == 4
    for first, second in ((0, 2), (1, 3)):
        (x0, y0), (x1, y1) = points[first], points[second]
        assert abs(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 - PDU_STEP_M) < 1e-6
    # a marker drawn over its rack picks its PDU when clicked, not the rack
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtTest import QTest

    win.view.fit_rect(QRectF(2.0, -7.0, 4.0, 4.0))
    x, y = points[0]
    QTest.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, win.view.mapFromScene(QPointF(x, -y)))
    assert doc.selection == [dropped[0]]
    (b_side,) = perform_drop(win.view.fp, "rpdu-415v-60a-3ph", 8.0, 5.0)
    assert doc.layout.find(b_side).side == "B"
    assert doc.layout.rack("R2").feeds == ["BW-A", b_side]
    n = len(doc.layout.feeds)
    seen = _messages(win)
    assert perform_drop(win.view.fp, "rpdu-415v-60a-3ph", 12.0, 5.0) == []
    assert "a rack PDU for R3, which is fed from BW-A and BW-B on both sides" in seen[-1]
    assert len(doc.layout.feeds) == n
    doc.close()


def test_a_crah_dropped_by_a_wall_stands_along_it_with_service_space(qtbot, builtin_catalog,
                                                                      recovery_dir):
    # a 150 kW CRAH (2.55 x 0.9 m) dropped 1 m from the west wall of a 20 x 12 m hall
    # turns its long side along the wall, 1.5 m out from it (its centre 1.95 m in), as
    # the templates stand theirs; dropped out in the room it stays as it comes
    from panel_helpers import open_window

    from designer.canvas.drops import perform_drop
    from designer.document import LayoutDocument
    from engine.model import Hall, Layout

    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]))
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = open_window(qtbot, doc)
    (uid,) = perform_drop(win.view.fp, "crah-cw-150", 1.0, 6.0)
    unit = doc.layout.find(uid)
    assert (unit.rotation_deg, unit.x_m) == (90, pytest.approx(1.95))
    (mid,) = perform_drop(win.view.fp, "crah-cw-150", 10.0, 6.0)
    assert doc.layout.find(mid).rotation_deg == 0
    doc.close()
