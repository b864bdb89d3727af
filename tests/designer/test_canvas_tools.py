"""The canvas tools in a real window: the hall outline's handles follow the
document and Esc ends the mode, each action's status message replaces the last and times
out, the drawing tools' readout tells the drawn length from the length to the cursor,
Duplicate places a rack beside its source along its row, the cooling zones are shaded
where they show, and rack labels of one metric share one precision at one zoom."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.commands import done_text
from engine import edits


def vp(window, x_m: float, y_m: float) -> QPoint:
    return window.view.mapFromScene(QPointF(x_m, -y_m))


def move(window, x_m, y_m, buttons=Qt.MouseButton.NoButton) -> None:
    vpw = window.view.viewport()
    p = vp(window, x_m, y_m)
    ev = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(p), QPointF(vpw.mapToGlobal(p)),
                     Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vpw, ev)


def click(window, x_m, y_m) -> None:
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, vp(window, x_m, y_m))


def drag(window, a: tuple[float, float], b: tuple[float, float]) -> None:
    vpw = window.view.viewport()
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(window, *a))
    move(window, *b, Qt.MouseButton.LeftButton)
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       vp(window, *b))


def status(window) -> str:
    return window.statusBar().currentMessage()


# -- 1, 2: the hall outline's mode ------------------------------------------------------------

def test_a_new_hall_ends_the_outline_mode_and_its_old_handles(window):
    """After New blank hall no handle stays at the old hall's corners, where dragging one
    would give the new hall the old polygon."""
    from designer.document import LayoutDocument

    doc = window.document
    act = window.actions_by_name["outline"]
    act.setChecked(True)
    h = window.scene.handles
    assert h.isVisible() and h.points == list(doc.layout.hall.outline)
    doc.set_layout(LayoutDocument.blank_layout(12.0, 9.0, "small"))  # what New does
    assert not act.isChecked() and not window.scene.outline_editing
    assert not h.isVisible() and h.item_id is None and h.points == []
    assert "Hall outline" not in status(window)  # its instructions went with it
    # a drag where an old corner was moves nothing: the new hall keeps its own outline
    new = list(doc.layout.hall.outline)
    window.view.zoom_to_fit()
    drag(window, (12.0, 9.0), (10.2, 9.0))
    assert doc.layout.hall.outline == new and doc.undo_stack.count() == 0
    # turned on again, the handles sit on the new hall's corners and reshape it
    act.setChecked(True)
    assert h.isVisible() and h.points == new
    drag(window, (12.0, 9.0), (10.2, 9.0))
    assert (10.2, 9.0) in [(round(x, 6), round(y, 6)) for x, y in doc.layout.hall.outline]
    assert len(doc.layout.hall.outline) == 4
    doc.undo_stack.undo()
    assert doc.layout.hall.outline == new and h.points == new
    doc.undo_stack.redo()
    assert h.points == list(doc.layout.hall.outline)


def test_opening_a_file_ends_the_outline_mode(window, tmp_path):
    from engine.io import save_layout

    doc = window.document
    path = tmp_path / "other.json"
    other = doc.layout.model_copy(update={"name": "other"})
    save_layout(other, path)
    window.actions_by_name["outline"].setChecked(True)
    assert window.open_path(path)
    assert not window.actions_by_name["outline"].isChecked()
    assert not window.scene.handles.isVisible()


def test_esc_leaves_the_outline_mode_as_it_leaves_a_drawing_tool(window):
    act = window.actions_by_name["outline"]
    act.setChecked(True)
    assert "Esc" in status(window)  # the mode says how to leave it
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert not act.isChecked() and not window.scene.outline_editing
    assert not window.scene.handles.isVisible()
    assert status(window) == "Hall outline editing off"
    # another tool ends it too
    act.setChecked(True)
    window.start_drawing("tray")
    assert not act.isChecked() and window.scene.tool is not None
    assert not window.scene.handles.isVisible()
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.scene.tool is None
    # and the outline mode ends a drawing in progress
    window.start_drawing("wall")
    act.setChecked(True)
    assert window.scene.tool is None and window.scene.handles.isVisible()
    act.setChecked(False)
    assert not window.scene.handles.isVisible()


# -- 3: the status bar --------------------------------------------------------------------------

def test_each_action_replaces_the_last_message(window):
    """A Delete replaces "Duplicated 1 item" and an elevation refusal."""
    doc = window.document
    rid = doc.layout.racks[0].id
    doc.select([rid])
    window.actions_by_name["duplicate"].trigger()
    # the copy joins its source's fabric, which grows by a scalable unit: said too
    assert status(window).startswith("Duplicated 1 item. Fabric compute: ")
    copy = doc.selection[0]
    window.actions_by_name["delete"].trigger()
    assert copy not in doc.layout.all_ids()
    assert status(window).startswith(f"{done_text(doc.undo_stack.undoText())}. Fabric compute:")
    assert "Deleted" in status(window)
    # a panel's refusal, then an action: the action's message replaces it
    panel = next((p for p in window.panels.values() if hasattr(p, "status_message")), None)
    if panel is not None:
        panel.status_message.emit("Cannot move DGX H100 to U40: U41 is taken")
        assert status(window).startswith("Cannot move")
    doc.select([rid])
    window.rotate(90)  # the row's first rack, turned onto its neighbour: said too
    assert status(window).startswith(done_text(doc.undo_stack.undoText()) + "; it now overlaps")
    doc.undo_stack.undo()
    assert status(window).startswith("Undone: ") and "Rotate" in status(window)


def test_notes_time_out_and_a_tool_hint_stays(window, monkeypatch):
    import designer.mainwindow as mw

    shown: list[tuple[str, int]] = []
    bar = window.statusBar()
    real = bar.showMessage
    monkeypatch.setattr(bar, "showMessage",
                        lambda text, ms=0: (shown.append((text, ms)), real(text, ms)))
    doc = window.document
    doc.select([doc.layout.racks[0].id])
    window.actions_by_name["duplicate"].trigger()
    window.actions_by_name["delete"].trigger()
    window.start_drawing("measure")
    window.scene.cancel_tool()
    assert shown
    hints = [(t, ms) for t, ms in shown if t.startswith("Measuring")]
    assert hints and all(ms == 0 for _t, ms in hints)  # the tool's instructions stay
    notes = [(t, ms) for t, ms in shown if not t.startswith("Measuring")]
    assert notes and all(0 < ms <= mw.REFUSAL_MS for _t, ms in notes), notes


# -- 4: the drawing tools' readout ----------------------------------------------------------------

def test_the_readout_tells_the_drawn_length_from_the_length_to_the_cursor(window):
    doc = window.document
    window.start_drawing("tray")
    click(window, 1.2, 1.2)
    move(window, 4.8, 1.2)
    assert "1 point, 3.60 m to the cursor" in status(window)
    click(window, 4.8, 1.2)
    move(window, 4.8, 3.6)
    # the two figures: the tray so far, and with the segment to the cursor
    assert "2 points, 3.60 m; 6.00 m to the cursor" in status(window)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    tray = doc.layout.trays[-1]
    assert edits.shape_of(doc.layout, tray.id) == [(1.2, 1.2), (4.8, 1.2)]
    assert status(window) == f"Added cable tray {tray.id}, 3.60 m"
    # the measuring tool: its final figure is the readout's first
    window.start_drawing("measure")
    click(window, 1.2, 1.2)
    click(window, 7.2, 1.2)
    move(window, 7.2, 9.0)
    assert "Measuring: 2 points, 6.00 m; 13.80 m to the cursor" in status(window)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    assert status(window) == "Measured 6.00 m"


def test_the_readout_without_a_cursor_gives_the_points_only():
    from designer.canvas.draw import DrawTool

    tool = DrawTool("measure", [(0.0, 0.0), (3.0, 0.0), (3.0, 4.0)])
    assert tool.hint().startswith("Measuring: 3 points, 7.00 m —")
    tool.cursor = (3.0, 4.0)  # on the last point: nothing more to the cursor
    assert "to the cursor" not in tool.hint()
    tool.cursor = (0.0, 4.0)
    assert tool.hint().startswith("Measuring: 3 points, 7.00 m; 10.00 m to the cursor "
                                  "(Δx 3.00 m, Δy 0.00 m) —")


# -- 5: where Duplicate puts a rack ------------------------------------------------------------

def _errors(doc, rid):
    return [v for v in doc.analysis.violations if v.severity == "error" and rid in v.items]


@pytest.mark.parametrize("end", [True, False], ids=["row end", "mid row"])
def test_duplicate_puts_a_rack_beside_its_source_along_its_row(window, end):
    """The copy does not go 2.4 m below its source facing the same way, into its exhaust
    (FLOOR-AIRFLOW, a CRAH at 109 %)."""
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    src = row[-1] if end else row[len(row) // 2]
    doc.select([src.id])
    window.actions_by_name["duplicate"].trigger()
    copy = doc.layout.rack(doc.selection[0])
    assert copy.id != src.id and status(window).startswith("Duplicated 1 item. Fabric compute")
    # in the source's row, facing its way: the first free place past the row's end
    assert (copy.y_m, copy.rotation_deg) == (src.y_m, src.rotation_deg)
    pitch = row[1].x_m - row[0].x_m
    assert copy.x_m == pytest.approx(row[-1].x_m + pitch)
    assert not _errors(doc, copy.id)
    assert not [v for v in doc.analysis.violations if v.code == "FLOOR-AIRFLOW"]
    assert doc.undo_stack.undoText() == f"Duplicate rack {src.id}"
    doc.undo_stack.undo()
    assert copy.id not in doc.layout.all_ids()


def test_paste_over_its_source_and_duplicate_agree(window, monkeypatch):
    doc = window.document
    src = sorted((r for r in doc.layout.racks if r.row == "R02"), key=lambda r: r.x_m)[2]
    doc.select([src.id])
    window.actions_by_name["duplicate"].trigger()
    dup = doc.layout.rack(doc.selection[0])
    doc.undo_stack.undo()
    doc.select([src.id])
    window.actions_by_name["copy"].trigger()
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: (src.x_m, src.y_m))
    window.actions_by_name["paste"].trigger()
    pasted = doc.layout.rack(doc.selection[0])
    assert (pasted.x_m, pasted.y_m, pasted.rotation_deg) == (dup.x_m, dup.y_m,
                                                               dup.rotation_deg)


def test_beside_offset_goes_across_only_when_the_row_is_full():
    from engine.model import Hall, Layout, Rack

    # a row of 600 mm racks from wall to wall: no place along it
    lay = Layout(hall=Hall(outline=[(0, 0), (2.4, 0), (2.4, 8), (0, 8)]),
                 racks=[Rack(id=f"R{k}", type="rack-600x1200", x_m=0.3 + 0.6 * k, y_m=4.0)
                        for k in range(4)])
    dx, dy = edits.beside_offset(lay, ["R1"])
    assert dx == 0 and abs(dy) == pytest.approx(2.4)  # 1.2 m deep + a 1.2 m aisle
    assert edits.beside_offset(lay, ["nothing"]) is None
    # a column in the next slot: the copy goes past it
    from engine.model import Obstacle

    lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)],
                           obstacles=[Obstacle(id="C1", kind="column",
                                               polygon=[(2.4, 3.5), (3.0, 3.5), (3.0, 4.5),
                                                        (2.4, 4.5)])]),
                 racks=[Rack(id="R0", type="rack-600x1200", x_m=2.1, y_m=4.0)])
    assert edits.beside_offset(lay, ["R0"]) == (-0.6, 0.0)


# -- 6: the cooling zones' shading ------------------------------------------------------------

def test_the_cooling_zones_show_their_shading_round_their_racks(window):
    """The zones' tint shows beside the rack-to-CRAH lines: it reaches past the opaque
    racks, in each unit's colour, instead of lying under them and nowhere else."""
    from panel_helpers import zoom

    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    item = window.scene.item_for(row[0].id)
    x0, y0, x1, y1 = item.plan_box()
    zoom(window.view, 40.0, ((x0 + x1) / 2, y0))
    # just off the row's first rack's face, in the zone's margin (the row label beside
    # the row's end stays clear of it)
    spot = QPointF((x0 + x1) / 2, -(y0 - 0.15))
    at = window.view.mapFromScene(spot)

    def colour():
        return window.view.viewport().grab().toImage().pixelColor(at)

    def dist(a, b) -> int:
        return sum((getattr(a, k)() - getattr(b, k)()) ** 2 for k in ("red", "green", "blue"))

    off = colour()
    window.set_overlay("cooling", True)
    QApplication.processEvents()
    on = colour()
    ov = window.scene.overlays["cooling"]
    zone = next(c for c, _s, _d, hull in ov._groups
                if hull is not None and hull.containsPoint(spot, Qt.FillRule.OddEvenFill))
    assert on != off
    assert dist(on, zone) < dist(off, zone)  # tinted toward its unit's colour
    _title, rows = ov.legend()
    assert "shaded zone" in rows[0][1]


# -- 7: one precision for rack labels -------------------------------------------------------------

def _value_lines(window) -> dict[str, str]:
    labels = window.scene.rack_labels
    t = window.view.transform()
    out = {}
    for r in window.document.layout.racks:
        dev = t.mapRect(window.scene.item_for(r.id).sceneBoundingRect())
        lines = labels.label_lines(r.id, dev.width(), dev.height())
        if lines:
            out[r.id] = lines[-1] if len(lines) == 1 else lines[1]
    return out


@pytest.mark.parametrize("px_per_m", [30.0, 45.0, 60.0, 90.0])
def test_a_rack_turned_a_quarter_shows_its_value_as_its_neighbours_do(window, px_per_m):
    """A rack turned 270 degrees, wider on screen, shows "41" as its neighbours do, not
    "41.1"."""
    from panel_helpers import zoom

    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    doc.select([row[-1].id])
    window.rotate(90)  # from 180: turned a quarter, to 270
    assert doc.layout.rack(row[-1].id).rotation_deg == 270
    zoom(window.view, px_per_m, (row[-1].x_m, row[-1].y_m))
    values = _value_lines(window)
    kw = {rid: text.removesuffix(" kW") for rid, text in values.items()
          if doc.layout.rack(rid).row in ("R01", "R02")}
    assert row[-1].id in kw and len(kw) > 8
    assert len({"." in text for text in kw.values()}) == 1, kw  # all with decimals or none


def test_labels_keep_their_decimals_where_every_rack_has_room(window):
    from panel_helpers import zoom

    r = window.document.layout.racks[0]
    zoom(window.view, 150.0, (r.x_m, r.y_m))
    values = _value_lines(window)
    assert values and all("." in text for text in values.values()), values


@pytest.fixture(autouse=True)
def _no_clipboard_leftovers():
    yield
    QApplication.clipboard().clear()


def test_a_turn_that_lands_on_racks_or_a_keep_out_zone_says_so(window):
    # a rack mid-row turned a quarter stands 1.2 m wide in an 0.8 m place: the status bar
    # names the neighbours it now overlaps
    from engine import edits

    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R02"), key=lambda r: r.x_m)
    doc.select([row[3].id])
    window.rotate(90)
    assert status(window) == (f"{done_text(doc.undo_stack.undoText())}; it now overlaps "
                              f"{row[2].id}, {row[4].id} (see the rules)")
    # a keep-out zone counts as what a turn lands on
    lay = edits.add_obstacle(doc.layout, [(0.2, 0.2), (1.0, 0.2), (1.0, 1.0)], "keepout")
    r = doc.layout.racks[0]
    moved = edits.move_items(lay, {r.id: (0.6, 0.6)})
    assert lay.hall.obstacles[-1].id in edits.overlapped(moved, [r.id], doc.catalog)


def test_a_corner_moved_along_an_off_grid_wall_keeps_the_wall_straight(window):
    """Templates size a hall to its contents, so a wall can stand off the 600 mm grid
    (10.243 m): a corner dragged straight along it takes the wall's line, not the
    nearest grid line, and the wall stays level (it used to tilt by 4 cm)."""
    from designer.document import LayoutDocument

    doc = window.document
    lay = LayoutDocument.blank_layout(12.6, 10.243, "off grid")
    doc.set_layout(lay)
    window.view.zoom_to_fit()
    window.actions_by_name["outline"].setChecked(True)
    drag(window, (12.6, 10.243), (10.23, 10.2))
    outline = [(round(x, 6), round(y, 6)) for x, y in doc.layout.hall.outline]
    assert (10.2, 10.243) in outline, outline
    assert sum(1 for _x, y in outline if y == 10.243) == 2  # the top wall is level


def test_the_halls_depth_typed_in_the_inspector_is_one_undo_step(window, qtbot):
    """A rectangular hall resized by its depth in the inspector: the plan's outline
    follows, one undo step names it, and undo puts the north wall back."""
    from engine.edits import hall_size

    doc = window.document
    doc.select([])
    w, d = hall_size(doc.layout)
    insp = window.docks["InspectorPanel"].widget()
    depth = insp.editor("hall.depth_m")
    depth.widget.setFocus()
    depth.widget.lineEdit().selectAll()
    qtbot.keyClicks(depth.widget, f"{d + 0.6:.3f}")
    qtbot.keyClick(depth.widget, Qt.Key.Key_Return)
    assert hall_size(doc.layout) == pytest.approx((w, d + 0.6))
    assert doc.undo_stack.undoText() == f"Resize the hall to {w:g} x {d + 0.6:g} m"
    rect = window.scene.hall_rect()
    assert rect.height() == pytest.approx(d + 0.6)
    doc.undo_stack.undo()
    assert hall_size(doc.layout) == pytest.approx((w, d))


def test_the_toolbars_draw_button_offers_what_the_draw_menu_does(window):
    """The toolbar's Draw button lacked Edit hall outline, which the Draw menu has."""
    from PySide6.QtWidgets import QToolButton

    button = next(b for b in window.findChildren(QToolButton) if b.text() == "Draw")
    offered = [act for act in button.menu().actions() if not act.isSeparator()]
    menu = next(m for m in window.menuBar().actions() if m.text() == "&Draw").menu()
    assert offered == [act for act in menu.actions() if not act.isSeparator()]
