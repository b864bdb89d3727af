"""Drawing trays, busways, walls and keep-out zones with the mouse, and reshaping them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.canvas.draw import PICK_PX, DrawTool, inserted_point, polyline_length_m
from engine import edits


def vp(window, x_m: float, y_m: float) -> QPoint:
    return window.view.mapFromScene(QPointF(x_m, -y_m))


def click(window, x_m, y_m, button=Qt.MouseButton.LeftButton,
          mods=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mouseClick(window.view.viewport(), button, mods, vp(window, x_m, y_m))


def move(window, x_m, y_m, buttons=Qt.MouseButton.NoButton,
         mods=Qt.KeyboardModifier.NoModifier) -> None:
    vpw = window.view.viewport()
    p = vp(window, x_m, y_m)
    ev = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(p), QPointF(vpw.mapToGlobal(p)),
                     Qt.MouseButton.NoButton, buttons, mods)
    QApplication.sendEvent(vpw, ev)


def key(window, k) -> None:
    QTest.keyClick(window.view, k)


def test_drawing_a_tray_with_clicks_snaps_its_points_and_is_one_undoable_command(window):
    doc = window.document
    before = len(doc.layout.trays)
    window.start_drawing("tray")
    assert window.scene.tool is not None and window.scene.shape_preview.isVisible()
    click(window, 1.02, 13.1)
    click(window, 13.1, 12.95)
    move(window, 13.0, 3.0)
    assert "2 points" in window.statusBar().currentMessage()
    click(window, 13.18, 2.9)
    key(window, Qt.Key.Key_Return)
    assert window.scene.tool is None and not window.scene.shape_preview.isVisible()
    tray = doc.layout.trays[-1]
    assert len(doc.layout.trays) == before + 1
    assert tray.points == [(1.2, 13.2), (13.2, 13.2), (13.2, 3.0)]  # on the 0.6 m grid
    assert doc.selection == [tray.id]
    assert window.scene.handles.isVisible() and window.scene.handles.item_id == tray.id
    assert doc.undo_stack.undoText() == f"Add tray {tray.id}"
    doc.undo_stack.undo()
    assert len(doc.layout.trays) == before


def test_shift_keeps_right_angles_alt_leaves_the_grid_backspace_takes_back(window):
    doc = window.document
    window.start_drawing("tray")
    click(window, 1.2, 13.2)
    click(window, 6.1, 14.3, mods=Qt.KeyboardModifier.ShiftModifier)  # mostly along x
    click(window, 6.3, 9.0, mods=Qt.KeyboardModifier.ShiftModifier)   # mostly along y
    click(window, 9.0, 1.0)
    key(window, Qt.Key.Key_Backspace)  # takes back (9.0, 1.0)
    click(window, 8.13, 9.07, mods=Qt.KeyboardModifier.AltModifier)
    key(window, Qt.Key.Key_Enter)
    pts = doc.layout.trays[-1].points
    assert pts[:3] == [(1.2, 13.2), (6.0, 13.2), (6.0, 9.0)]
    assert pts[3] == pytest.approx((8.13, 9.07), abs=0.06)  # off the grid, where clicked


def test_escape_cancels_and_too_few_points_do_not_finish(window):
    doc = window.document
    n, stack = len(doc.layout.trays), doc.undo_stack.count()
    window.start_drawing("tray")
    click(window, 1.2, 13.2)
    key(window, Qt.Key.Key_Return)  # one point: not a tray yet, still drawing
    assert window.scene.tool is not None
    assert "needs 2 points" in window.statusBar().currentMessage()
    key(window, Qt.Key.Key_Escape)
    assert window.scene.tool is None
    assert len(doc.layout.trays) == n and doc.undo_stack.count() == stack


def test_enter_takes_the_point_the_preview_shows(window):
    doc = window.document
    n = len(doc.layout.trays)
    window.start_drawing("tray")
    click(window, 1.2, 13.2)
    move(window, 6.0, 13.2)  # the preview runs to the cursor: Enter ends the tray there
    key(window, Qt.Key.Key_Return)
    assert window.scene.tool is None and len(doc.layout.trays) == n + 1
    assert doc.layout.trays[-1].points == [(1.2, 13.2), (6.0, 13.2)]


def test_double_click_and_right_click_finish(window):
    doc = window.document
    window.start_drawing("keepout")
    for x, y in ((1.2, 13.2), (4.2, 13.2), (4.2, 15.0)):
        click(window, x, y)
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, vp(window, 1.2, 15.0))
    zone = doc.layout.hall.obstacles[-1]
    assert zone.kind == "keepout" and len(zone.polygon) == 4
    window.start_drawing("tray")
    click(window, 1.2, 1.2)
    click(window, 7.2, 1.2)
    click(window, 7.2, 1.2, button=Qt.MouseButton.RightButton)
    assert window.scene.tool is None
    assert doc.layout.trays[-1].points == [(1.2, 1.2), (7.2, 1.2)]


def test_a_wall_is_a_200_mm_polygon_along_the_line(window):
    doc = window.document
    window.start_drawing("wall")
    click(window, 1.2, 13.2)
    click(window, 7.2, 13.2)
    click(window, 7.2, 15.0)
    key(window, Qt.Key.Key_Return)
    wall = doc.layout.hall.obstacles[-1]
    assert wall.kind == "wall"
    from shapely.geometry import Polygon

    # two legs of 6.0 m and 1.8 m, 0.2 m thick, mitred at the corner: 7.8 x 0.2 m2
    assert Polygon(wall.polygon).area == pytest.approx(7.8 * 0.2, rel=1e-6)


def test_a_busway_drawn_over_a_row_feeds_its_racks(window):
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R01"]
    # take the row off its A feed first, so the drawn busway is the only A side
    for r in row:
        doc.set_field([r.id], "feeds", [f for f in r.feeds if not f.endswith("-A")])
    y = row[0].y_m
    xs = [r.x_m for r in row]
    window.start_drawing("busway-A")
    click(window, min(xs) - 0.6, y)
    click(window, max(xs) + 0.6, y)
    key(window, Qt.Key.Key_Return)
    feed = doc.layout.feeds[-1]
    assert feed.kind == "busway" and feed.side == "A"
    assert {r.id for r in doc.layout.racks if feed.id in r.feeds} == {r.id for r in row}
    assert window.statusBar().currentMessage().endswith(f", feeding {len(row)} racks")
    p = doc.analysis.power
    util = dict(zip(p.feed_ids, p.feed_utilization.tolist(), strict=True))
    # 8 racks of 40.8 kW on one side of an A/B pair: the whole row's load in normal
    # operation is shared; the new busway carries its share of 326.4 kW
    assert util[feed.id] > 0


def test_dragging_a_handle_moves_one_point_with_a_live_analysis_and_one_undo(window):
    doc = window.document
    tid = doc.add_tray([(1.2, 14.4), (12.0, 14.4)])
    assert window.scene.handles.isVisible() and window.scene.handles.item_id == tid
    vpw = window.view.viewport()
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(window, 12.0, 14.4))
    move(window, 12.0, 10.0, Qt.MouseButton.LeftButton)
    assert doc.is_previewing
    assert doc.layout.trays[-1].points[-1] == (12.0, 10.2)  # snapped, shown live
    move(window, 12.1, 9.0, Qt.MouseButton.LeftButton)
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       vp(window, 12.1, 9.0))
    assert not doc.is_previewing
    assert doc.layout.trays[-1].points == [(1.2, 14.4), (12.0, 9.0)]
    assert doc.undo_stack.undoText() == f"Move a point of {tid}"
    doc.undo_stack.undo()
    assert doc.layout.trays[-1].points == [(1.2, 14.4), (12.0, 14.4)]


def test_a_straight_wall_is_reshaped_by_its_ends_and_keeps_its_thickness(window):
    """A wall drawn from (0.6, 9.0) to (3.0, 9.0) shows handles at its two ends, not its
    four corners: its east end dragged 1.2 m south turns the wall about its west end and
    it stays 0.2 m thick (a corner dragged alone made a wedge of 1.8 m2)."""
    from shapely.geometry import Polygon

    doc = window.document
    wid = doc.add_wall([(0.6, 9.0), (3.0, 9.0)])
    doc.select([wid])
    QApplication.processEvents()
    h = window.scene.handles
    assert h.item_id == wid and sorted(h.points) == [(0.6, 9.0), (3.0, 9.0)]
    vpw = window.view.viewport()
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(window, 3.0, 9.0))
    move(window, 3.0, 8.4, Qt.MouseButton.LeftButton)
    move(window, 3.0, 7.8, Qt.MouseButton.LeftButton)
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       vp(window, 3.0, 7.8))
    wall = Polygon(doc.item(wid).polygon)
    length = ((3.0 - 0.6) ** 2 + 1.2 ** 2) ** 0.5
    assert wall.area == pytest.approx(length * 0.2, rel=1e-4)
    assert edits.wall_axis(doc.item(wid).polygon)[1] == pytest.approx(0.2)
    assert doc.undo_stack.undoText() == f"Move a point of {wid}"


def test_double_click_removes_a_point_or_inserts_one_on_a_segment(window):
    doc = window.document
    tid = doc.add_tray([(1.2, 14.4), (6.0, 14.4), (12.0, 14.4)])
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, vp(window, 6.0, 14.4))
    assert doc.layout.trays[-1].points == [(1.2, 14.4), (12.0, 14.4)]
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, vp(window, 9.0, 14.4))
    pts = doc.layout.trays[-1].points
    assert len(pts) == 3 and pts[1] == pytest.approx((9.0, 14.4), abs=0.1)
    assert doc.selection == [tid]


def test_a_point_inserted_on_an_edge_snaps_like_a_dragged_one(window):
    # an inserted point lands on the grid as a dragged one does, not at (13.6, 7.13)-like
    # points next to dragged grid points, which would slant the walls
    doc, scene = window.document, window.scene
    window.actions_by_name["outline"].setChecked(True)
    assert scene.handles.item_id == edits.HALL_OUTLINE

    def dclick(x, y, mods=Qt.KeyboardModifier.NoModifier):
        QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, mods,
                          vp(window, x, y))
        return doc.layout.hall.outline

    # the right wall stands at 13.6 m, off the 0.6 m grid: the point keeps to the wall
    # and only slides along it onto the grid
    assert (13.6, 7.2) in dclick(13.6, 7.13)
    assert (5.4, 13.2) in dclick(5.17, 13.2)
    assert doc.undo_stack.undoText() == "Add a point to the hall outline"
    # Alt: where it was clicked, as a drag with Alt
    outline = dclick(0.0, 4.07, Qt.KeyboardModifier.AltModifier)
    new = [p for p in outline if p[0] == 0.0 and 0 < p[1] < 13.2]
    assert len(new) == 1 and new[0][1] == pytest.approx(4.07, abs=0.05)
    assert new[0][1] != float(edits.snap(new[0][1], 0.6))
    # snapping off: the same
    window.actions_by_name["snap"].trigger()  # off
    outline = dclick(7.13, 0.0)
    new = [p for p in outline if p[1] == 0.0 and 0 < p[0] < 13.6]
    assert len(new) == 1 and new[0][0] == pytest.approx(7.13, abs=0.05)
    assert new[0][0] != float(edits.snap(new[0][0], 0.6))
    window.actions_by_name["snap"].trigger()  # on again
    # a click next to a corner whose grid point is the corner adds nothing
    window.view.scale(2.0, 2.0)
    d = 1.5 * PICK_PX * scene.px_to_m()  # beyond picking the corner, nearer it than 0.3 m
    assert d < 0.29
    n = len(doc.layout.hall.outline)
    assert len(dclick(d, 13.2)) == n
    assert "already has a point" in window.statusBar().currentMessage()
    window.actions_by_name["outline"].setChecked(False)


def test_inserted_points_on_slanted_and_straight_segments():
    # a diagonal wall keeps its line: x on the grid, y on the line there (y = x / 2)
    assert inserted_point((0.0, 0.0), (6.0, 3.0), (2.9, 1.45), 0.6) == (3.0, 1.5)
    assert inserted_point((0.0, 0.0), (3.0, 6.0), (1.45, 2.9), 0.6) == (1.5, 3.0)
    # near an end, where the grid step would land on the end itself: the clicked point
    assert inserted_point((0.0, 0.0), (6.0, 3.0), (5.95, 2.975), 0.6) == (5.95, 2.975)
    assert inserted_point((1.0, 2.05), (9.0, 2.05), (4.44, 2.05), 0.6) == (4.2, 2.05)
    assert inserted_point((1.0, 2.0), (9.0, 2.0), (4.44, 2.0), 0.0) == (4.44, 2.0)


def test_a_shape_cannot_lose_the_points_it_needs(window):
    doc = window.document
    tid = doc.add_tray([(1.2, 14.4), (12.0, 14.4)])
    QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, vp(window, 12.0, 14.4))
    assert doc.layout.trays[-1].points == [(1.2, 14.4), (12.0, 14.4)]
    assert "at least 2 distinct points" in window.statusBar().currentMessage()
    assert tid in doc.ids()


def test_tool_arithmetic():
    t = DrawTool("tray")
    assert t.place((1.31, 2.0), 0.6) == (1.2, 1.8)
    t.add((0.0, 0.0))
    assert t.place((5.0, 0.4), 0.6, square=True) == (4.8, 0.0)
    assert not t.add((0.0, 0.0)) and not t.ready()
    t.add((3.0, 0.0))
    t.add((3.0, 4.0))
    assert t.ready() and polyline_length_m(t.points) == 7.0


def test_reshape_rules_in_the_engine(default_layout):
    lay = edits.add_obstacle(default_layout, [(0, 0), (1, 0), (1, 1)], "keepout")
    oid = lay.hall.obstacles[-1].id
    with pytest.raises(ValueError, match="encloses an area"):
        edits.reshape(lay, oid, [(0, 0), (1, 0), (2, 0)])
    with pytest.raises(ValueError, match="tray, feed or obstacle"):
        edits.reshape(lay, lay.racks[0].id, [(0, 0), (1, 0)])
    closed = edits.reshape(lay, oid, [(0, 0), (2, 0), (2, 2), (0, 0)])
    assert closed.hall.obstacles[-1].polygon == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]


def test_measuring_adds_nothing_and_reports_the_length(window):
    doc = window.document
    stack = doc.undo_stack.count()
    window.start_drawing("measure")
    click(window, 1.2, 1.2)
    click(window, 7.2, 1.2)
    move(window, 7.3, 9.1, mods=Qt.KeyboardModifier.ShiftModifier)  # to (7.2, 9.0)
    # the points placed, and apart from them the length to the cursor
    assert "Measuring: 2 points, 6.00 m; 13.80 m to the cursor" in \
        window.statusBar().currentMessage()
    click(window, 7.2, 9.0)
    key(window, Qt.Key.Key_Return)
    assert window.scene.tool is None and doc.undo_stack.count() == stack
    assert window.statusBar().currentMessage() == \
        "Measured 13.80 m over 2 segments (last 7.80 m)"


def test_measuring_a_row_snaps_to_its_ends_not_the_grid(window):
    # R01: eight 800 mm racks, 6.40 m from its first rack's side to its last's; clicks a
    # hair outside each end (the grid alone would take 6.60 m)
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    x0, x1 = row[0].x_m - 0.4, row[-1].x_m + 0.4
    y = row[0].y_m
    window.start_drawing("measure")
    click(window, x0 - 0.08, y)
    click(window, x1 + 0.07, y)
    key(window, Qt.Key.Key_Return)
    assert window.statusBar().currentMessage() == "Measured 6.40 m"


def test_a_dragged_rack_shows_the_edge_it_snaps_to(window):
    from test_canvas import drag as mouse_drag

    doc, scene = window.document, window.scene
    r0 = doc.layout.racks[0]
    assert not scene.guides.isVisible()
    # drag a rack of R01 up and a little sideways: a side snaps onto an edge of the racks
    # around it, and the guide runs through that edge
    mouse_drag(window, vp(window, r0.x_m, r0.y_m), vp(window, r0.x_m + 0.05, r0.y_m + 2.0),
               release=False)
    assert scene.guides.isVisible() and scene.guides.x_m is not None
    moved = doc.layout.rack(r0.id)
    assert scene.guides.x_m in (pytest.approx(moved.x_m - 0.4), pytest.approx(moved.x_m + 0.4))
    QTest.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier,
                       vp(window, r0.x_m + 0.02, r0.y_m + 2.0))
    assert not scene.guides.isVisible()


def test_editing_the_hall_outline_by_its_corners(window):
    doc = window.document
    before = list(doc.layout.hall.outline)
    window.actions_by_name["outline"].setChecked(True)
    h = window.scene.handles
    assert h.isVisible() and h.item_id == edits.HALL_OUTLINE and len(h.points) == 4
    x1, y1 = max(p[0] for p in before), max(p[1] for p in before)
    vpw = window.view.viewport()
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(window, x1, y1))
    move(window, x1 - 2.8, y1, Qt.MouseButton.LeftButton)  # pull the corner in 2.8 m
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       vp(window, x1 - 2.8, y1))
    outline = doc.layout.hall.outline
    assert (round(x1 - 2.8, 6), y1) in [(round(x, 6), y) for x, y in outline]
    assert doc.undo_stack.undoText() == "Move a point of the hall outline"
    # the slanted wall now cuts through the CRAH standing in that corner: an error,
    # the same as a full analysis finds
    from engine.analysis import analyze

    codes = sorted(v.code for v in doc.analysis.violations)
    assert codes == sorted(v.code for v in analyze(doc.layout, doc.catalog).violations)
    assert "FLOOR-OUTSIDE" in codes
    doc.undo_stack.undo()
    assert doc.layout.hall.outline == before and h.points == before
    window.actions_by_name["outline"].setChecked(False)
    assert not h.isVisible()


def test_the_item_under_the_mouse_is_outlined(window):
    doc, scene = window.document, window.scene
    rack = doc.layout.racks[2]
    move(window, rack.x_m, rack.y_m)
    assert scene.hover.isVisible() and scene.hover.item_id == rack.id
    assert scene.hover.boundingRect().contains(scene.item_for(rack.id).sceneBoundingRect())
    doc.move_items({rack.id: (rack.x_m, rack.y_m + 3.0)})  # the outline follows an edit
    assert scene.hover.boundingRect().contains(scene.item_for(rack.id).sceneBoundingRect())
    move(window, 0.3, 0.3)  # empty floor
    assert not scene.hover.isVisible()


def test_a_row_of_racks_like_the_selected_one_then_a_busway_over_it(window):
    doc = window.document
    model = doc.layout.racks[0]  # a DGX H100 rack, 800 mm wide
    window.start_drawing("row")
    assert window.scene.tool is None  # nothing selected: the tool says what it needs
    assert "Select the one rack" in window.statusBar().currentMessage()
    doc.select([model.id])
    n = len(doc.layout.racks)
    window.start_drawing("row")
    click(window, 1.2, 10.8)
    move(window, 9.6, 11.1)
    assert ", 10 rack places" in window.statusBar().currentMessage()
    # the preview shows the racks to be, the two places on CRAH-7 crossed out
    ghosts = window.scene.shape_preview._ghosts
    assert [ok for _box, ok in ghosts] == [False, False] + [True] * 8
    click(window, 9.6, 11.1)  # the second end finishes: 8.4 m / 0.8 m -> 10 places
    assert window.scene.shape_preview._ghosts == []
    new = doc.layout.racks[n:]
    # the first two, at x 1.6 and 2.4 m, would stand on CRAH-7 (x 1.5 to 2.4 m)
    assert len(new) == 8 and doc.selection == [r.id for r in new]
    assert window.statusBar().currentMessage() == (
        f"Added a row of 8 racks like {model.id} (2 places on a rack, a unit, an obstacle "
        "or off the floor left empty)")
    assert {r.row for r in new} == {"R04"} and all(r.devices == model.devices for r in new)
    assert [r.x_m for r in new] == pytest.approx([3.2 + 0.8 * k for k in range(8)])
    # the racks stand on the line as drawn, facing back across the aisle at the model's row
    assert {round(r.y_m, 6) for r in new} == {10.8}
    assert {r.rotation_deg for r in new} == {(model.rotation_deg + 180) % 360}
    assert doc.undo_stack.undoText() == f"Add a row of 8 racks like {model.id}"
    fed_before = doc.analysis.power.it_kw
    window.start_drawing("busway-A")
    click(window, 1.2, 11.4)
    click(window, 9.6, 11.4)
    key(window, Qt.Key.Key_Return)
    feed = doc.layout.feeds[-1]
    assert {r.id for r in doc.layout.racks if feed.id in r.feeds} == {r.id for r in new}
    assert doc.analysis.power.it_kw == pytest.approx(fed_before)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert len(doc.layout.racks) == n


def test_align_and_distribute_the_selection_as_one_command_each(window):
    doc = window.document
    a, b, c = doc.layout.racks[0], doc.layout.racks[1], doc.layout.racks[2]
    doc.move_items({b.id: (b.x_m, b.y_m + 1.3), c.id: (c.x_m + 2.4, c.y_m - 0.7)})
    doc.select([a.id, b.id, c.id])
    acts = {act.text(): act for act in window.align_actions}
    assert all(act.isEnabled() for act in acts.values())
    acts["Top edges"].trigger()
    ys = {doc.layout.rack(i).y_m for i in (a.id, b.id, c.id)}
    assert ys == {b.y_m + 1.3}  # all racks 1.2 m deep: top edges meet at the highest
    assert doc.undo_stack.undoText() == "Align 3 racks top"
    acts["Distribute across (x)"].trigger()
    xs = sorted(doc.layout.rack(i).x_m for i in (a.id, b.id, c.id))
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    assert xs[0] == a.x_m and xs[2] == pytest.approx(c.x_m + 2.4)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.layout.rack(a.id).y_m == a.y_m
    doc.select([a.id])
    assert [t for t, act in acts.items() if act.isEnabled()] == ["Into the row's line"]


def test_a_rack_half_in_the_aisle_is_set_back_in_its_rows_line(window):
    """The end rack of a row moved 0.3 m into the aisle stays in the row and is flagged
    (FLOOR-ROW-LINE, which names the command); Align → Into the row's line moves it back
    across the row only, 0.3 m, one undo step, and the warning is gone."""
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == doc.layout.racks[0].row]
    r = max(row, key=lambda q: q.x_m)
    doc.move_items({r.id: (r.x_m, r.y_m + 0.3)})
    assert doc.layout.rack(r.id).row == r.row
    said = [v.message for v in doc.analysis.violations if v.code == "FLOOR-ROW-LINE"]
    assert said and r.id in said[0] and "Into the row's line" in said[0]
    doc.select([r.id])
    {act.text(): act for act in window.align_actions}["Into the row's line"].trigger()
    back = doc.layout.rack(r.id)
    assert (back.x_m, back.y_m) == (r.x_m, pytest.approx(r.y_m))
    assert doc.undo_stack.undoText() == f"Set rack {r.id} in line with its row"
    assert not [v for v in doc.analysis.violations if v.code == "FLOOR-ROW-LINE"]


def test_help_lists_the_gestures(window):
    box = window.show_gestures()
    try:
        for needle in ("Ctrl+R", "Backspace", "double-click", "Alt"):
            assert needle in box.text()
    finally:
        box.close()


def test_a_busway_drawn_in_an_aisle_says_it_feeds_no_rack(window):
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R01"]
    xs = [r.x_m for r in row]
    y = row[0].y_m - 1.2  # in the aisle: 1.2 m from the racks' centres
    window.start_drawing("busway-A")
    click(window, min(xs), y)
    click(window, max(xs), y)
    key(window, Qt.Key.Key_Return)
    feed = doc.layout.feeds[-1]
    assert not [r for r in doc.layout.racks if feed.id in r.feeds]
    assert "feeding no rack" in window.statusBar().currentMessage()


def test_into_the_row_line_with_turned_racks_and_a_whole_row(window):
    """A rack turned a quarter in its row is set with its centre on the row's centre line,
    across the row only (it was moved along the row onto other racks); with the whole row
    selected the racks out of line are set in it (nothing moved before); with nothing to
    move the status bar says so."""
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == doc.layout.racks[0].row),
                 key=lambda q: q.x_m)
    end = row[-1]
    doc.rotate_items([end.id], 90)
    turned = doc.layout.rack(end.id)
    doc.move_items({turned.id: (turned.x_m, turned.y_m + 0.2)})
    doc.set_field([end.id], "row", end.row)  # a turned rack set down apart leaves its row
    acts = {act.text(): act for act in window.align_actions}
    doc.select([end.id])
    acts["Into the row's line"].trigger()
    back = doc.layout.rack(end.id)
    assert back.x_m == pytest.approx(turned.x_m) and back.y_m == pytest.approx(end.y_m)
    doc.move_items({row[0].id: (row[0].x_m, row[0].y_m + 0.3)})
    doc.select([r.id for r in row])
    acts["Into the row's line"].trigger()
    assert doc.layout.rack(row[0].id).y_m == pytest.approx(row[0].y_m)
    acts["Into the row's line"].trigger()
    assert window.statusBar().currentMessage() == \
        "The selected racks stand in their rows' lines already"


def test_a_tray_point_takes_a_rows_centre_line_off_the_grid(window):
    # a row moved 5 cm off the tiles: a tray drawn along it takes its centre line (or a
    # rack's face) a few pixels away, before the grid's 3.6 m
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R01"]
    doc.move_items({r.id: (r.x_m, r.y_m + 0.05) for r in row})
    y = row[0].y_m + 0.05
    window.start_drawing("tray")
    click(window, row[0].x_m, y - 0.02)
    click(window, row[-1].x_m, y + 0.03, mods=Qt.KeyboardModifier.ShiftModifier)
    key(window, Qt.Key.Key_Return)
    pts = doc.layout.trays[-1].points
    assert [p[1] for p in pts] == [pytest.approx(y), pytest.approx(y)]
    assert y % 0.6 > 0.01  # off the grid
