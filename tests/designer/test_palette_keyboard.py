"""Placing from the Catalog without a mouse: Enter on the selected entry (or a
double-click) places it as a drop at the centre of the visible plan does, through the
same code and the same undo command, and the status bar says what was placed. Enter
used to do nothing, and so did a double-click."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import zoom  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from designer.canvas.drops import plan_drop
from designer.panels.palette import PalettePanel

RACK = "rack-800x1200"
SERVER = "dgx-b200"


@pytest.fixture
def palette(qtbot, window) -> PalettePanel:
    """The window's palette showing every generation (the default hall is Hopper, and
    the DGX B200 is Blackwell), the window active so keys and focus go as a user's do."""
    pal = window.findChild(PalettePanel)
    pal.set_generation(None)
    with qtbot.waitActive(window):
        window.activateWindow()
    return pal


def _empty_spot(doc, scene, clear_m: float = 2.5) -> tuple[float, float]:
    """Return a point of the hall's floor with no footprint within ``clear_m``."""
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    boxes = scene.footprint_boxes()
    for y in np.arange(y1 - clear_m, y0 + clear_m, -0.3):
        for x in np.arange(x1 - clear_m, x0 + clear_m, -0.3):
            if not len(boxes) or not np.any(
                    (boxes[:, 0] < x + clear_m) & (boxes[:, 2] > x - clear_m)
                    & (boxes[:, 1] < y + clear_m) & (boxes[:, 3] > y - clear_m)):
                return float(x), float(y)
    raise AssertionError("the default hall has empty floor")


def _look_at(window, at: tuple[float, float]) -> tuple[float, float]:
    """Centre the plan on ``at`` at 40 px/m; return the plan point at the view's centre."""
    zoom(window.view, 40.0, at)
    return window.view.visible_plan_centre()


def _enter_on(qtbot, pal: PalettePanel, entry_id: str, times: int = 1) -> None:
    """Pick ``entry_id`` in the catalog list and press Enter ``times``."""
    pal.tree.setFocus()
    pal.tree.setCurrentItem(pal.item_for(entry_id))
    for _ in range(times):
        qtbot.keyClick(pal.tree, Qt.Key.Key_Return)


def _select_with_keys(qtbot, pal: PalettePanel, entry_id: str) -> None:
    """Select ``entry_id`` as a keyboard user does: search, Tab into the list, arrows."""
    pal.search.setFocus()
    qtbot.keyClicks(pal.search, pal.item_for(entry_id).text(0))
    qtbot.keyClick(pal.search, Qt.Key.Key_Tab)
    assert pal.tree.hasFocus()
    for _ in range(6):
        item = pal.tree.currentItem()
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == entry_id:
            return
        qtbot.keyClick(pal.tree, Qt.Key.Key_Down)
    raise AssertionError(f"{entry_id} not reached with the arrow keys")


def test_enter_on_a_rack_adds_one_rack_at_the_snapped_view_centre_and_undo_removes_it(
        qtbot, window, palette):
    doc, scene = window.document, window.scene
    cx, cy = _look_at(window, _empty_spot(doc, scene))
    plan = plan_drop(scene, RACK, cx, cy)  # where a drop at that point goes, snapped
    assert plan.ok and plan.kind == "rack"
    before = doc.layout.model_dump()
    racks, commands = {r.id for r in doc.layout.racks}, doc.undo_stack.count()
    _select_with_keys(qtbot, palette, RACK)
    qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    added = [r for r in doc.layout.racks if r.id not in racks]
    assert len(added) == 1 and added[0].type == RACK
    rack = added[0]
    assert (rack.x_m, rack.y_m) == pytest.approx((plan.x_m, plan.y_m))
    g = scene.grid_m
    assert abs(rack.x_m - cx) <= g and abs(rack.y_m - cy) <= g, "at the view's centre"
    assert doc.undo_stack.count() == commands + 1, "one undo step"
    message = window.statusBar().currentMessage()
    assert message.startswith("Placed Rack 800 x 1200 mm") and rack.id in message
    assert palette.tree.hasFocus(), "the catalog keeps the keys: the next entry can follow"
    after = doc.layout.model_dump()
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before
    doc.undo_stack.redo()
    assert doc.layout.model_dump() == after


def test_enter_places_exactly_as_a_mouse_drop_on_the_view_centre(qtbot, window, palette):
    doc, view = window.document, window.view
    _look_at(window, _empty_spot(doc, window.scene))
    before = doc.layout.model_dump()
    _select_with_keys(qtbot, palette, SERVER)
    qtbot.keyClick(palette.tree, Qt.Key.Key_Enter)  # the keypad's Enter too
    by_keys = doc.layout.model_dump()
    assert by_keys != before
    new = [r for r in doc.layout.racks if r.id not in {d["id"] for d in before["racks"]}]
    assert len(new) == 1 and [d.type for d in new[0].devices] == [SERVER]
    assert window.statusBar().currentMessage().startswith(
        f"Placed NVIDIA DGX B200 in new rack {new[0].id}")
    step = doc.undo_stack.text(doc.undo_stack.index() - 1)
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before
    # the same entry dropped with the mouse on the view's centre
    centre = view.viewport().rect().center()
    mime = palette.mime_data(SERVER)  # held: the event does not own it
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(drop)
    assert doc.layout.model_dump() == by_keys
    assert doc.undo_stack.text(doc.undo_stack.index() - 1) == step


def test_a_server_goes_into_the_free_rack_at_the_view_centre(qtbot, window, palette):
    """As a drop there: into the rack under the centre while it has room, else refused
    in words with nothing changed."""
    doc = window.document
    _look_at(window, _empty_spot(doc, window.scene))
    racks = {r.id for r in doc.layout.racks}
    _enter_on(qtbot, palette, RACK)
    (rack,) = [r for r in doc.layout.racks if r.id not in racks]
    rack_id = rack.id
    _look_at(window, (rack.x_m, rack.y_m))
    n_racks = len(doc.layout.racks)
    palette.tree.setCurrentItem(palette.item_for(SERVER))
    qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert len(doc.layout.racks) == n_racks, "no new rack: the one under the centre"
    assert [d.type for d in doc.layout.rack(rack_id).devices] == [SERVER]
    assert window.statusBar().currentMessage().startswith(
        f"Installed NVIDIA DGX B200 in {rack_id} at U")


def test_a_double_click_places_the_entry_too(qtbot, window, palette):
    doc = window.document
    _look_at(window, _empty_spot(doc, window.scene))
    n = len(doc.layout.racks)
    item = palette.item_for(RACK)
    palette.tree.scrollToItem(item)
    QApplication.processEvents()
    pos = palette.tree.visualItemRect(item).center()
    # a user's double-click: a click, then the second press that Qt reports as double
    qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert len(doc.layout.racks) == n + 1


def test_enter_on_a_category_heading_places_nothing(qtbot, window, palette):
    doc = window.document
    before, commands = doc.layout.model_dump(), doc.undo_stack.count()
    heading = palette.tree.topLevelItem(0)
    palette.tree.setFocus()
    palette.tree.setCurrentItem(heading)
    qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert doc.layout.model_dump() == before and doc.undo_stack.count() == commands


def test_enter_again_sets_the_next_rack_beside_the_last_not_on_it(qtbot, window, palette):
    doc = window.document
    _look_at(window, _empty_spot(doc, window.scene))
    racks = {r.id for r in doc.layout.racks}
    _enter_on(qtbot, palette, RACK, 2)
    a, b = [r for r in doc.layout.racks if r.id not in racks]
    # side by side along the row, 0.8 m apart (an 800 mm rack), neither on the other
    assert abs(abs(b.x_m - a.x_m) - 0.8) < 1e-6 and b.y_m == a.y_m
    v = [x for x in doc.analysis.violations if x.code == "FLOOR-OVERLAP"
         and {a.id, b.id} & set(x.items)]
    assert not v


def test_enter_on_a_cooling_unit_twice_sets_the_second_beside_the_first(qtbot, window, palette):
    doc = window.document
    _look_at(window, _empty_spot(doc, window.scene))
    units = {u.id for u in doc.layout.cooling}
    crah = next(ft.id for ft in doc.catalog.facility.values() if ft.kind == "crah")
    _enter_on(qtbot, palette, crah, 2)
    new = [u.id for u in doc.layout.cooling if u.id not in units]
    assert len(new) == 2
    from engine import edits

    assert not edits.overlapped(doc.layout, new, doc.catalog)


def test_enter_beside_a_row_puts_the_rack_in_line_with_it(qtbot, window, palette):
    """The view's centre in the aisle beside a row: the rack joins the row's line and
    faces its way, not half a rack off it in the aisle."""
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R02"]
    end = max(row, key=lambda r: r.x_m)
    _look_at(window, (end.x_m, end.y_m + 0.7))
    racks = {r.id for r in doc.layout.racks}
    _enter_on(qtbot, palette, RACK)
    (new,) = [r for r in doc.layout.racks if r.id not in racks]
    assert new.y_m == pytest.approx(end.y_m) and new.rotation_deg == end.rotation_deg
    from engine import edits

    assert not edits.overlapped(doc.layout, [new.id], doc.catalog)


def test_a_rack_placed_beside_a_row_of_other_widths_closes_up_to_its_end(qtbot, window,
                                                                        palette):
    """A 600 mm rack set from the Catalog next to a row whose racks are 800 mm steps its
    own width from the rack it is placed by: it closes up to the row's last rack, not
    0.2 m short of it, which would open the row to hot air (FLOOR-ROW-GAP)."""
    from engine import edits

    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R02"]
    end = max(row, key=lambda r: r.x_m)
    width = doc.catalog.racks[end.type].width_mm.v() / 1000.0
    _look_at(window, (end.x_m + 0.2, end.y_m + 0.7))
    racks = {r.id for r in doc.layout.racks}
    _enter_on(qtbot, palette, "rack-600x1200")
    (new,) = [r for r in doc.layout.racks if r.id not in racks]
    assert new.y_m == pytest.approx(end.y_m)
    # edge to edge with the row's end: centres half of each width apart
    assert new.x_m == pytest.approx(end.x_m + width / 2 + 0.3)
    assert not edits.overlapped(doc.layout, [new.id], doc.catalog)
    from engine.analysis import analyze

    gaps = [v for v in analyze(doc.layout, doc.catalog).violations
            if v.code == "FLOOR-ROW-GAP" and new.id in v.items]
    assert not gaps
