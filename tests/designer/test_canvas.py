"""The floor plan canvas driven like a user: drops, drags, keys, selection, overlays."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QDropEvent, QImage, QMouseEvent, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.canvas.drops import MIME_CATALOG
from designer.canvas.scene import SNAP_PX
from engine import edits
from engine.analysis import analyze


def vp(window, x_m: float, y_m: float) -> QPoint:
    """Viewport pixel of a plan point."""
    return window.view.mapFromScene(QPointF(x_m, -y_m))


def drop(window, type_id: str, x_m: float, y_m: float) -> None:
    mime = QMimeData()
    mime.setData(MIME_CATALOG, QByteArray(type_id.encode()))
    ev = QDropEvent(QPointF(vp(window, x_m, y_m)), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.view.dropEvent(ev)


def drag(window, start: QPoint, end: QPoint, steps: int = 6, release: bool = True,
         modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    vpw = window.view.viewport()
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, modifiers, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        ev = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(p), QPointF(vpw.mapToGlobal(p)),
                         Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, modifiers)
        QApplication.sendEvent(vpw, ev)
    if release:
        QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, modifiers, end)


def test_palette_drop_adds_a_rack_at_the_snapped_position(window):
    doc = window.document
    n = len(doc.layout.racks)
    x, y = 6.93, 11.31  # empty floor above the rows
    drop(window, "rack-800x1200", x, y)
    assert len(doc.layout.racks) == n + 1
    new = doc.layout.racks[-1]
    px, py = window.view.mapToScene(vp(window, x, y)).x(), -window.view.mapToScene(
        vp(window, x, y)).y()
    g = window.scene.grid_m
    assert (new.x_m, new.y_m) == pytest.approx((edits.snap(px - 0.4, g) + 0.4,
                                                edits.snap(py - 0.6, g) + 0.6))
    assert round((new.x_m - 0.4) / g, 6) % 1 == 0, "the rack's corner sits on the tile grid"
    assert doc.undo_stack.undoText() == f"Add rack {new.id}"
    assert doc.selection == [new.id]
    doc.undo_stack.undo()
    assert len(doc.layout.racks) == n and window.scene.item_for(new.id) is None
    doc.undo_stack.redo()
    assert doc.layout.racks[-1] == new and window.scene.item_for(new.id) is not None


def test_drops_of_each_kind(window):
    doc = window.document
    rack = doc.layout.racks[0]
    drop(window, "dgx-h100", rack.x_m, rack.y_m)  # onto a rack: installs at a free U
    assert len(doc.layout.rack(rack.id).devices) == len(rack.devices) + 1
    assert doc.undo_stack.undoText().startswith(f"Install NVIDIA DGX H100 in {rack.id} at U")
    drop(window, "qm9700", 7.2, 9.3)  # onto the floor: a new rack holding it
    new = doc.layout.racks[-1]
    assert new.id.startswith("NET-") and [d.type for d in new.devices] == ["qm9700"]
    drop(window, "gb200-nvl72", 10.0, 9.3)
    assert doc.layout.racks[-1].system == "gb200-nvl72"
    assert doc.layout.racks[-1].type == "nvl72-rack"
    drop(window, "cdu-coolchip-1350", 5.0, 9.5)
    assert doc.layout.cooling[-1].kind == "cdu"
    drop(window, "rdhx-55", rack.x_m, rack.y_m)
    assert doc.layout.cooling[-1].rack == rack.id
    drop(window, "tool:column", 12.5, 9.8)
    assert doc.layout.hall.obstacles[-1].kind == "column"
    drop(window, "tool:tray", rack.x_m, rack.y_m)
    tray = doc.layout.trays[-1]
    assert tray.points[0][1] == pytest.approx(rack.y_m)
    n_cmds = doc.undo_stack.count()
    assert n_cmds == 7
    drop(window, "connectx-7", 7, 9)  # a NIC has no U: refused, no command
    assert doc.undo_stack.count() == n_cmds


def test_dropped_rack_joins_the_row_and_its_feeds(window):
    doc = window.document
    row = [r for r in doc.layout.racks if r.row == "R01"]
    last = max(row, key=lambda r: r.x_m)
    drop(window, "rack-800x1200", last.x_m + 0.85, last.y_m + 0.1)
    new = doc.layout.racks[-1]
    assert (new.row, new.rotation_deg, new.y_m) == ("R01", last.rotation_deg, last.y_m)
    assert new.x_m == pytest.approx(last.x_m + 0.8), "butted against the row's end"
    assert set(new.feeds) == set(last.feeds)


def test_moving_a_rack_by_mouse_updates_the_analysis(window):
    doc = window.document
    rack = doc.layout.racks[0]
    loads_before = doc.analysis.cooling.unit_load_kw.copy()
    start = vp(window, rack.x_m, rack.y_m)
    end = vp(window, rack.x_m + 2.4, rack.y_m + 5.4)
    drag(window, start, end, release=False)
    assert doc.is_previewing, "live preview during the drag"
    assert doc.undo_stack.count() == 0
    assert not (doc.analysis.cooling.unit_load_kw == loads_before).all()
    QTest.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, end)
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == f"Move rack {rack.id}"
    moved = doc.layout.rack(rack.id)
    g = window.scene.grid_m
    assert moved.y_m != rack.y_m
    assert round((moved.x_m - rack.x_m) / g, 6) % 1 == 0, "the move snaps to whole tiles"
    assert not (doc.analysis.cooling.unit_load_kw == loads_before).all()
    assert doc.analysis.to_dict() == analyze(doc.layout, doc.catalog).to_dict()
    power = {f["id"]: f["load_kw"] for f in doc.analysis.to_dict()["power"]["feeds"]}
    assert sum(power.values()) > 0
    doc.undo_stack.undo()
    assert doc.layout.rack(rack.id) == rack


def test_escape_cancels_a_drag(window):
    doc = window.document
    rack = doc.layout.racks[0]
    before = doc.layout.model_dump()
    start = vp(window, rack.x_m, rack.y_m)
    drag(window, start, vp(window, rack.x_m + 3, rack.y_m + 5), release=False)
    assert doc.is_previewing
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert not doc.is_previewing and doc.layout.model_dump() == before
    QTest.mouseRelease(window.view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, start)
    assert doc.undo_stack.count() == 0 and doc.layout.model_dump() == before


def test_moving_onto_another_rack_raises_an_overlap(window):
    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[1]
    assert not [v for v in doc.analysis.violations if v.code == "FLOOR-OVERLAP"]
    drag(window, vp(window, a.x_m, a.y_m), vp(window, b.x_m + 0.2, b.y_m))
    hits = [v for v in doc.analysis.violations if v.code == "FLOOR-OVERLAP"]
    assert hits and any(set(v.items) == {a.id, b.id} for v in hits)
    window.zoom_to_items([a.id, b.id])  # what clicking the violation in the rule panel does
    assert doc.selection == [a.id, b.id]
    assert window.scene.item_for(a.id).isSelected()
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    assert abs(centre.x() - b.x_m) < 2 and abs(-centre.y() - b.y_m) < 2


def test_rubber_band_click_and_keys(window):
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    lo, hi = row[0], row[2]
    drag(window, vp(window, lo.x_m - 0.45, lo.y_m - 0.7), vp(window, hi.x_m + 0.45, hi.y_m + 0.7))
    assert set(doc.selection) == {r.id for r in row[:3]}
    assert doc.undo_stack.count() == 0
    # a click selects one rack only
    p = vp(window, row[4].x_m, row[4].y_m)
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, p)
    assert doc.selection == [row[4].id]
    # arrow keys nudge a tile; repeats are one undo step
    x0 = row[4].x_m
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Right)
    QTest.keyClick(window.view, Qt.Key.Key_Right)
    assert doc.layout.rack(row[4].id).x_m == pytest.approx(x0 + 2 * window.scene.grid_m)
    assert doc.undo_stack.count() == 1
    # R turns it; Delete deletes it
    window.actions_by_name["rotate"].trigger()
    assert doc.layout.rack(row[4].id).rotation_deg == (row[4].rotation_deg + 90) % 360
    window.actions_by_name["delete"].trigger()
    assert doc.item(row[4].id) is None and window.scene.item_for(row[4].id) is None
    # Esc clears the selection
    doc.select([row[0].id])
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert doc.selection == []


def test_copy_paste_duplicate_cut(window):
    from PySide6.QtWidgets import QApplication

    QApplication.clipboard().clear()
    assert not window.actions_by_name["paste"].isEnabled()  # nothing to paste
    doc = window.document
    ids = [r.id for r in doc.layout.racks[:2]]
    doc.select(ids)
    n = len(doc.layout.racks)
    window.actions_by_name["duplicate"].trigger()
    assert len(doc.layout.racks) == n + 2 and len(doc.selection) == 2
    assert doc.undo_stack.undoText() == "Duplicate 2 racks"
    doc.select(ids)
    window.actions_by_name["copy"].trigger()
    assert window.actions_by_name["paste"].isEnabled()
    window.actions_by_name["paste"].trigger()
    assert len(doc.layout.racks) == n + 4
    assert doc.undo_stack.undoText() == "Paste 2 racks"
    window.actions_by_name["cut"].trigger()  # cuts the pasted pair (selected)
    assert len(doc.layout.racks) == n + 2
    window.actions_by_name["paste"].trigger()
    assert len(doc.layout.racks) == n + 4


@pytest.mark.parametrize("text", ['{"racks": 5}', '{"racks": [{"id": "R"}], "cooling": ["x"]}',
                                  '{"name": "hall", "hall": {"outline": []}}', '{"racks": [',
                                  '[1, 2]', 'plain'])
def test_pasting_text_that_is_not_items_says_so_and_changes_nothing(window, text):
    from PySide6.QtWidgets import QApplication

    QApplication.clipboard().setText(text)
    doc = window.document
    before, steps = doc.layout, doc.undo_stack.count()
    if not text.startswith("{"):  # plainly no items: Paste is off
        assert not window.actions_by_name["paste"].isEnabled()
        return
    window.actions_by_name["paste"].trigger()
    assert doc.layout is before and doc.undo_stack.count() == steps
    assert window.statusBar().currentMessage() == "The clipboard holds no Rackscape items"


def test_paste_away_from_the_hall_lands_in_the_hall(window, monkeypatch):
    doc = window.document
    first = min(doc.layout.racks, key=lambda r: r.y_m)  # the row nearest the front wall
    doc.select([first.id])
    window.actions_by_name["copy"].trigger()
    # the mouse is over another panel (no plan point), then just outside the hall
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    for at in (None, (x1 / 2, y0 - 1.5)):
        monkeypatch.setattr(window.view, "cursor_plan_point", lambda at=at: at)
        window.actions_by_name["paste"].trigger()
        pasted = doc.layout.rack(doc.selection[0])
        assert x0 <= pasted.x_m <= x1 and y0 <= pasted.y_m <= y1, at
        assert not [v for v in doc.analysis.violations
                    if v.code == "FLOOR-OUTSIDE" and pasted.id in v.items]


def test_paste_over_the_originals_lands_beside_them(window, monkeypatch):
    doc = window.document
    src = doc.layout.racks[0]
    doc.select([src.id])
    window.actions_by_name["copy"].trigger()
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: (src.x_m, src.y_m))
    window.actions_by_name["paste"].trigger()
    pasted = doc.layout.rack(doc.selection[0])
    assert pasted.id != src.id and (pasted.x_m, pasted.y_m) != (src.x_m, src.y_m)
    assert not [v for v in doc.analysis.violations
                if v.code == "FLOOR-OVERLAP" and {src.id, pasted.id} <= set(v.items)]
    # the copy joins its source's fabric: a third SU, said after the paste
    assert window.statusBar().currentMessage().startswith("Pasted 1 item. Fabric compute: 3 ")


def test_paste_and_duplicate_of_a_rack_mid_row_land_on_free_floor(window, monkeypatch):
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    mid = row[len(row) // 2]  # neighbours on both sides
    doc.select([mid.id])
    window.actions_by_name["copy"].trigger()
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: (mid.x_m, mid.y_m))
    window.actions_by_name["paste"].trigger()
    pasted = doc.selection[0]
    assert not [v for v in doc.analysis.violations
                if v.code == "FLOOR-OVERLAP" and pasted in v.items]
    doc.select([mid.id])
    window.actions_by_name["duplicate"].trigger()
    dup = doc.selection[0]
    assert dup not in (mid.id, pasted)
    assert not [v for v in doc.analysis.violations
                if v.code == "FLOOR-OVERLAP" and dup in v.items]


def test_duplicate_never_stacks_copies_on_a_row(window, monkeypatch):
    # racks with no free place beside them or across (beside_offset finds none): refused
    # in words, nothing added (the copies once went one aisle across, onto the next row)
    doc = window.document
    r02 = [r.id for r in doc.layout.racks if r.row == "R02"]
    monkeypatch.setattr(edits, "beside_offset", lambda *_a, **_k: None)
    doc.select(r02)
    count, n = doc.undo_stack.count(), len(doc.layout.racks)
    window.actions_by_name["duplicate"].trigger()
    assert (doc.undo_stack.count(), len(doc.layout.racks)) == (count, n)
    assert window.statusBar().currentMessage().startswith(
        "No free place beside the selection for its copies")


def test_a_duplicate_does_not_jump_past_a_cooling_unit(window):
    # from the west end of R02 the next free place west is beyond CRAH-3, against the
    # wall and out of the busway's reach: the copy goes to the row's east end
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R02"), key=lambda r: r.x_m)
    doc.select([row[3].id])
    window.actions_by_name["duplicate"].trigger()
    first = doc.layout.rack(doc.selection[0])
    assert first.x_m < row[0].x_m  # the west end, nearest
    window.actions_by_name["duplicate"].trigger()
    second = doc.layout.rack(doc.selection[0])
    assert second.x_m > row[-1].x_m and second.row == "R02", second


def test_copies_join_their_sources_fabric_and_a_paste_on_a_rack_says_so(window, monkeypatch):
    doc = window.document
    src = next(r for r in doc.layout.racks if r.row == "R01")
    other = next(r for r in doc.layout.racks if r.row == "R02")
    fabric = next(f for f in doc.layout.fabrics if src.id in f.members)
    doc.select([src.id])
    window.actions_by_name["duplicate"].trigger()
    dup = doc.selection[0]
    assert dup in next(f for f in doc.layout.fabrics if f.id == fabric.id).members
    doc.select([src.id])
    window.actions_by_name["copy"].trigger()
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: (other.x_m, other.y_m))
    window.actions_by_name["paste"].trigger()
    pasted = doc.selection[0]
    assert window.statusBar().currentMessage() == \
        f"Pasted 1 item; it overlaps {other.id} (see the rules)"
    assert any(v.code == "FLOOR-OVERLAP" and pasted in v.items for v in doc.analysis.violations)


def test_a_rack_cut_and_pasted_back_rejoins_its_fabric(window, monkeypatch):
    """Ctrl+X then Ctrl+V at the rack's own place: the same fabric as before, the rack
    back in it, not a rack of servers standing apart in no fabric."""
    doc = window.document
    src = next(r for f in doc.layout.fabrics for r in doc.layout.racks if r.id in f.members)
    fabrics = doc.layout.fabrics
    doc.select([src.id])
    window.actions_by_name["cut"].trigger()
    assert all(src.id not in f.members for f in doc.layout.fabrics)
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: (src.x_m, src.y_m))
    window.actions_by_name["paste"].trigger()
    assert doc.selection == [src.id]
    assert doc.layout.fabrics == fabrics


def test_a_cut_pasted_with_the_mouse_off_the_floor_goes_back_where_it_stood(window,
                                                                             monkeypatch):
    """Ctrl+X, the mouse to the toolbar, Ctrl+V: the rack back in its row's gap, not one
    tile off into the aisle on top of its neighbour."""
    doc = window.document
    src = next(r for r in doc.layout.racks if r.row == "R02")
    before = doc.layout.model_dump()
    doc.select([src.id])
    window.actions_by_name["cut"].trigger()
    assert doc.undo_stack.undoText().startswith("Cut ")
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: None)
    window.actions_by_name["paste"].trigger()
    back = doc.layout.rack(src.id)
    assert (back.x_m, back.y_m, back.row) == (src.x_m, src.y_m, src.row)
    assert "overlaps" not in window.statusBar().currentMessage()
    # the same hall, the rack listed last: its feeds, fabric and place as before
    after = doc.layout.model_dump()
    assert sorted(after["racks"], key=lambda r: r["id"]) == \
        sorted(before["racks"], key=lambda r: r["id"])
    assert {k: v for k, v in after.items() if k != "racks"} == \
        {k: v for k, v in before.items() if k != "racks"}


def test_cut_keeps_links_with_their_racks_and_never_drops_a_lone_link(window, monkeypatch):
    from PySide6.QtWidgets import QApplication

    doc = window.document
    a, b = (r.id for r in doc.layout.racks[:2])
    doc.select([a, b])
    lid = window.link_selected(400.0, 1)
    QApplication.clipboard().clear()
    # a link on its own: Cut leaves it, and the clipboard, as they were
    doc.select([lid])
    n = doc.undo_stack.count()
    window.actions_by_name["cut"].trigger()
    assert doc.layout.find(lid) is not None and doc.undo_stack.count() == n
    assert "stays" in window.statusBar().currentMessage()
    assert not window.actions_by_name["paste"].isEnabled()
    # its two racks with it: cut, then pasted back off the floor, the link comes back
    before = doc.layout.find(lid)
    doc.select([a, b, lid])
    window.actions_by_name["cut"].trigger()
    assert doc.layout.find(lid) is None
    monkeypatch.setattr(window.view, "cursor_plan_point", lambda: None)
    window.actions_by_name["paste"].trigger()
    assert doc.layout.find(lid) == before


def test_the_selection_keeps_the_order_racks_were_picked_in(window):
    doc = window.document
    racks = doc.layout.racks
    first, second = racks[7], racks[2]  # the later rack in the layout picked first
    for r, mods in ((first, Qt.KeyboardModifier.NoModifier),
                    (second, Qt.KeyboardModifier.ControlModifier)):
        QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, mods,
                         vp(window, r.x_m, r.y_m))
    assert doc.selection == [first.id, second.id]
    lid = window.link_selected(400.0, 1)
    link = doc.layout.find(lid)
    assert (link.a.rack, link.b.rack) == (first.id, second.id)


def test_a_rack_pasted_just_past_a_row_end_closes_up_to_it(window, monkeypatch):
    doc, scene = window.document, window.scene
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    src, last = row[0], row[-1]
    doc.select([src.id])
    window.actions_by_name["copy"].trigger()
    width = 0.8  # the hall's 800 mm racks
    near = 0.5 * SNAP_PX * scene.px_to_m()  # within the snapping reach, off the grid
    monkeypatch.setattr(window.view, "cursor_plan_point",
                        lambda: (last.x_m + width + near, last.y_m))
    window.actions_by_name["paste"].trigger()
    pasted = doc.layout.rack(doc.selection[0])
    assert pasted.x_m == pytest.approx(last.x_m + width)  # touching the row's end, no gap
    assert pasted.y_m == pytest.approx(last.y_m)


def test_a_selected_rack_draws_above_its_neighbours(window):
    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[1]
    ia, ib = window.scene.item_for(a.id), window.scene.item_for(b.id)
    assert ia.zValue() == ib.zValue()
    doc.select([a.id])
    assert ia.zValue() > ib.zValue()
    doc.select([b.id])
    assert ib.zValue() > ia.zValue()


def test_deleting_and_restoring_many_items_handles_the_selection_once(window, monkeypatch):
    """A bulk delete or its undo must not redo the selection work once per item (which
    made deleting a 2,000-item selection take seconds)."""
    doc, scene = window.document, window.scene
    calls = []
    real = scene._sync_handles
    monkeypatch.setattr(scene, "_sync_handles", lambda: calls.append(1) or real())
    window.select_all()
    n = len(doc.selection)
    assert n > 20 and len(calls) <= 2
    calls.clear()
    import designer.document as document_module

    cursors = []
    real_set = document_module.QGuiApplication.setOverrideCursor
    monkeypatch.setattr(document_module, "BUSY_ITEMS", 20)
    monkeypatch.setattr(document_module.QGuiApplication, "setOverrideCursor",
                        lambda c: cursors.append(c) or real_set(c))
    window.delete_selection()
    assert not doc.layout.racks and len(calls) <= 2
    assert cursors and document_module.QGuiApplication.overrideCursor() is None  # busy, then back
    calls.clear()
    doc.undo_stack.undo()
    assert len(doc.layout.racks) + len(doc.layout.cooling) > 20 and len(calls) <= 2
    assert len(scene.selected_ids()) == n


def test_a_drawn_link_shows_on_the_cables_overlay(window):
    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[5]
    doc.select([a.id, b.id])
    lid = window.link_selected(800.0, 2)
    window.set_overlay("cables", True)
    ov = window.scene.overlays["cables"]
    assert [text for _line, text in ov.links] == [f"{lid}: 2 × 800G"]
    line = ov.links[0][0]
    assert (line.x1(), -line.y1(), line.x2(), -line.y2()) == pytest.approx(
        (a.x_m, a.y_m, b.x_m, b.y_m))
    assert any("drawn links" in label for _c, label in ov.legend()[1])
    window.grab()  # paints with the link


def test_redo_by_ctrl_y_and_ctrl_shift_z(window):
    doc = window.document
    rid = doc.layout.racks[0].id
    x0 = doc.layout.rack(rid).x_m
    doc.select([rid])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Left)
    moved = doc.layout.rack(rid).x_m
    assert moved < x0
    for redo in ((Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier),
                 (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                  | Qt.KeyboardModifier.ShiftModifier)):
        QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert doc.layout.rack(rid).x_m == x0
        QTest.keyClick(window.view, *redo)
        assert doc.layout.rack(rid).x_m == moved


def test_units_of_a_new_layout_are_drawn_zoomed_out(window):
    from engine.templates import instantiate

    doc = window.document
    scene = window.scene
    window.view.fit_rect(QRectF(0.0, -2.0, 2.0, 2.0), 0.0)  # zoomed in: items paint
    assert scene.detail
    # the new layout's fit zooms out (the batch layer paints) before its items exist
    doc.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 16},
                               catalog=doc.catalog))
    assert not scene.detail
    QApplication.processEvents()
    boxes = scene.batch._unit_boxes
    assert len(boxes) == len(doc.layout.cooling)
    # every unit has its footprint, not a point
    assert ((boxes[:, 2] - boxes[:, 0]) > 0.1).all() and ((boxes[:, 3] - boxes[:, 1]) > 0.1).all()


def test_drop_ghost_bounds_hold_its_caption(window):
    # the caption is drawn in pixels above the footprint: its bounds must cover it, or a
    # moving ghost leaves pieces of old captions behind
    ghost = window.scene.ghost
    ghost.set_scale(10.0)
    ghost.show_box((1.0, 1.0, 1.6, 2.2), "Rack 600 x 1200 mm, 48U")
    b = ghost.boundingRect()
    from PySide6.QtGui import QFontMetricsF

    from designer.canvas.style import label_font

    text_m = QFontMetricsF(label_font(11, True)).horizontalAdvance(
        "Rack 600 x 1200 mm, 48U") / 10.0
    assert b.width() >= text_m > 0.6 and b.top() < -2.2 - 1.0
    ghost.show_box(None, "")


def test_wheel_zooms_about_the_cursor(window):
    view = window.view
    p = QPoint(300, 200)
    before = view.mapToScene(p)
    s0 = view.scale_px_per_m
    from PySide6.QtGui import QWheelEvent

    ev = QWheelEvent(QPointF(p), QPointF(view.viewport().mapToGlobal(p)), QPoint(0, 0),
                     QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    assert view.scale_px_per_m > s0 * 1.3
    after = view.mapToScene(p)
    assert abs(after.x() - before.x()) < 0.1 and abs(after.y() - before.y()) < 0.1
    view.zoom_to_fit()
    hall = window.scene.hall_rect()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(hall)


@pytest.mark.parametrize("metric", ["kw", "utilization", "liquid"])
def test_overlays_and_metrics_paint(window, metric):
    window.set_metric(metric)
    for key in window.overlay_actions:
        window.set_overlay(key, True)
    img = window.view.grab()
    assert not img.isNull()
    assert window.scene.visible_overlays() == list(window.overlay_actions)
    heat = window.scene.overlays["heatmap"]
    assert heat._image is not None and heat.vmax > 0
    # overlays follow the analysis: a moved rack moves its airflow arrow
    air = window.scene.overlays["airflow"]
    first = air._cold[0]
    rack = window.document.layout.racks[0]
    window.document.move_items({rack.id: (rack.x_m, rack.y_m + 5.0)})
    assert air._cold[0] != first
    for key in window.overlay_actions:
        window.set_overlay(key, False)
    assert window.scene.visible_overlays() == []


def test_violations_overlay_outlines_the_overlap(window):
    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[1]
    doc.move_items({a.id: (b.x_m, b.y_m)})
    window.set_overlay("violations", True)
    boxes = window.scene.overlays["violations"]._boxes["error"]
    assert len(boxes) >= 2


def test_violation_outlines_follow_a_plan_turned_a_quarter(window):
    """A report turns a long hall a quarter to fit its page: each outline is drawn where
    its rack is, not all at the hall's origin."""
    from PySide6.QtGui import QImage, QPainter, QTransform
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[1]
    doc.move_items({a.id: (b.x_m, b.y_m)})
    window.set_overlay("violations", True)
    ov = window.scene.overlays["violations"]
    (x0, y0, x1, y1), *_ = ov._boxes["error"].tolist()
    img = QImage(600, 600, QImage.Format.Format_ARGB32)
    img.fill(0)
    turn = QTransform().translate(300, 300).rotate(90).scale(10, 10)
    p = QPainter(img)
    p.setWorldTransform(turn)
    ov.paint(p, QStyleOptionGraphicsItem())
    p.end()
    # the box's centre (scene y is the plan's -y) through the same turn: outlined there
    c = turn.map(QPointF((x0 + x1) / 2, -(y0 + y1) / 2))
    half = max(abs(x1 - x0), abs(y1 - y0)) * 5 + 6
    red = [(x, y) for x in range(600) for y in range(0, 600, 2) if img.pixelColor(x, y).alpha()]
    assert red
    assert all(abs(x - c.x()) <= half + 2 and abs(y - c.y()) <= half + 2 for x, y in red
               if (x, y) != (0, 0))


def test_generation_selector_is_an_undoable_edit(window, monkeypatch):
    doc = window.document
    box = window.generation_box
    k = box.findData("blackwell")
    assert k >= 0
    # the design has hardware: the selector asks first; cancel changes nothing
    asked = []
    monkeypatch.setattr(window, "ask_generation_change", lambda g: asked.append(g) or "cancel")
    box.setCurrentIndex(k)
    box.activated.emit(k)
    assert asked == ["blackwell"] and doc.layout.generation == "hopper"
    assert box.currentData() == "hopper" and doc.undo_stack.count() == 0
    # retarget opens the retarget dialog on that generation
    import designer.library.retarget as rt

    opened = []
    monkeypatch.setattr(window, "ask_generation_change", lambda g: "retarget")
    monkeypatch.setattr(rt, "retarget_action", lambda w, g: opened.append(g))
    box.setCurrentIndex(k)
    box.activated.emit(k)
    assert opened == ["blackwell"] and doc.layout.generation == "hopper"
    # changing the label only is one undoable edit
    monkeypatch.setattr(window, "ask_generation_change", lambda g: "label")
    box.setCurrentIndex(k)
    box.activated.emit(k)
    assert doc.layout.generation == "blackwell"
    assert doc.undo_stack.undoText() == "Set generation to blackwell"
    doc.undo_stack.undo()
    assert box.currentData() == "hopper"


def test_title_shows_name_and_modified_mark(window, tmp_path):
    doc = window.document
    assert window.windowTitle().endswith("— Rackscape") and not window.isWindowModified()
    doc.nudge([doc.layout.racks[0].id], 0.6, 0)
    assert window.isWindowModified()
    doc.save(tmp_path / "mine.json")
    assert window.windowTitle().startswith("mine.json") and not window.isWindowModified()


def test_status_bar_shows_totals_and_cursor(window):
    assert "GPUs" in window.totals_label.text() and "MW" in window.totals_label.text()
    window.view.cursor_moved.emit(3.25, 4.5)
    assert "3.25" in window.coords_label.text() and "4.50" in window.coords_label.text()
    assert "PUE <b>1." in window.totals_label.text()
    window.select_all()
    window.delete_selection()  # an empty hall: no load, so no PUE to speak of
    assert "PUE <b>—</b>" in window.totals_label.text()


def test_zoomed_out_view_draws_in_batch_and_still_selects(window):
    from PySide6.QtWidgets import QGraphicsItem

    view, scene, doc = window.view, window.scene, window.document
    view.fit_rect(scene.hall_rect().adjusted(-200, -200, 200, 200))  # far out
    assert not scene.detail and scene.batch.isVisible()
    rack_item = scene.item_for(doc.layout.racks[0].id)
    assert rack_item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert not view.grab().isNull()
    row = [r for r in doc.layout.racks if r.row == "R01"]
    xs = [r.x_m for r in row]
    drag(window, vp(window, min(xs) - 1.5, row[0].y_m - 1.5),
         vp(window, max(xs) + 1.5, row[0].y_m + 1.5))
    assert {r.id for r in row} <= set(doc.selection)
    assert not scene.batch._selected.isEmpty()
    view.zoom_to_fit()
    assert scene.detail and not scene.batch.isVisible()
    assert not rack_item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


def test_drag_over_shows_the_footprint_ghost(window):
    from PySide6.QtGui import QDragMoveEvent

    mime = QMimeData()
    mime.setData(MIME_CATALOG, QByteArray(b"rack-600x1200"))
    ev = QDragMoveEvent(vp(window, 7.0, 9.0), Qt.DropAction.CopyAction, mime,
                        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.view.dragMoveEvent(ev)
    ghost = window.scene.ghost
    assert ghost.isVisible() and ghost._ok
    assert ghost._rect.width() == pytest.approx(0.6)  # the 600 mm footprint
    assert ghost.boundingRect().contains(ghost._rect)
    window.view.dragLeaveEvent(ev)
    assert not ghost.isVisible()


def test_tooltip_summarizes_items(window):
    doc = window.document
    rack = doc.layout.racks[0]
    text = window.view.item_summary(rack.id)
    assert rack.id in text and "kW" in text and "GPUs" in text
    assert "CRAH" in window.view.item_summary(doc.layout.cooling[0].id)
    assert "side" in window.view.item_summary(doc.layout.feeds[0].id)


def test_render_plan_draws_a_layout_into_an_image(qapp, default_layout):
    from PySide6.QtGui import QImage, QPainter

    from designer.canvas import render_plan

    img = QImage(800, 500, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    scale = render_plan(p, QRectF(0, 0, 800, 500), default_layout, overlays=["violations"])
    p.end()
    assert scale > 10
    colours = {img.pixel(x, y) for x in range(0, 800, 20) for y in range(0, 500, 20)}
    assert len(colours) > 5, "the plan is drawn, not a blank page"


def _render(view):
    from PySide6.QtGui import QImage, QPainter

    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    view.render(p)
    p.end()
    return img


@pytest.mark.parametrize("zoom", ["detail", "batch"])
def test_drag_preview_repaints_a_small_region_and_draws_what_a_full_rebuild_draws(
        window, zoom):
    from PySide6.QtCore import QEvent, QObject

    view, scene, doc = window.view, window.scene, window.document
    if zoom == "batch":
        view.fit_rect(scene.hall_rect().adjusted(-60, -60, 60, 60))
        assert not scene.detail
    else:
        view.zoom_to_fit()
        assert scene.detail
    QApplication.processEvents()
    painted = []

    class Spy(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 - Qt's name
            if ev.type() == QEvent.Type.Paint:
                painted.extend(ev.region())
            return False

    spy = Spy()
    view.viewport().installEventFilter(spy)
    rack = doc.layout.racks[3]
    for k in range(1, 4):  # three steps of a drag, as the mouse sends them
        painted.clear()
        doc.preview_move({rack.id: (rack.x_m + 0.6 * k, rack.y_m - 3.0)})
        QApplication.processEvents()
        area = sum(r.width() * r.height() for r in painted)
        whole = view.viewport().width() * view.viewport().height()
        assert 0 < area < 0.25 * whole, "a drag step repaints the moved rack, not the view"
    view.viewport().removeEventFilter(spy)
    live = _render(view)
    # the same layout analysed and drawn from scratch: pixel for pixel the same picture
    doc.cancel_preview()
    doc.move_items({rack.id: (rack.x_m + 1.8, rack.y_m - 3.0)})
    QApplication.processEvents()
    assert not doc.is_previewing
    assert live == _render(view)



def test_a_small_region_paints_from_the_arrays_what_the_cached_paths_paint(window,
                                                                          monkeypatch):
    from PySide6.QtCore import QRect

    from designer.canvas.batch import BatchLayer

    view, scene, doc = window.view, window.scene, window.document
    view.fit_rect(scene.hall_rect().adjusted(-12, -12, 12, 12))
    assert not scene.detail
    rack = doc.layout.racks[5]
    doc.select([rack.id, doc.layout.cooling[0].id])
    doc.preview_move({rack.id: (rack.x_m + 0.6, rack.y_m)})  # live layers in play
    QApplication.processEvents()

    def region_image(region: QRect) -> QImage:
        # a grab of part of the viewport paints it as an update of that region does
        return view.viewport().grab(region).toImage()

    for item_id in (rack.id, doc.layout.cooling[0].id, doc.layout.feeds[0].id):
        c = view.mapFromScene(scene.item_for(item_id).sceneBoundingRect().center())
        region = QRect(c.x() - 20, c.y() - 20, 40, 40)
        from_arrays = region_image(region)
        monkeypatch.setattr(BatchLayer, "PARTIAL_SHARE", 0.0)  # the cached whole-hall paths
        from_paths = region_image(region)
        monkeypatch.undo()
        assert from_arrays == from_paths, f"the region around {item_id} differs"


def test_dashboard_keeps_its_share_of_the_bottom_when_the_window_shrinks_and_grows(window):
    d, r = window.docks["DashboardPanel"], window.docks["RulePanel"]
    window.resize(1600, 1000)
    for size in ((1024, 680), (1600, 1000)):
        window.resize(*size)
        for _ in range(20):  # the docks are shared out in zero-time timers, one after another
            QApplication.processEvents()
    assert d.width() / (d.width() + r.width()) == pytest.approx(0.64, abs=0.03)
    # the side panels the small window squeezed get their width back
    assert window.docks["PalettePanel"].width() >= 265
    assert window.docks["InspectorPanel"].width() >= 325


def test_a_row_turned_north_south_is_labelled_beside_its_southmost_rack(window):
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    doc.rotate_items([r.id for r in row], 90)  # the whole row about its centre
    doc.wait_for_analysis()
    racks = [doc.layout.rack(r.id) for r in row]
    label = next((x, y) for name, x, y in window.scene.row_labels.rows if name == "R01")
    assert label[1] == pytest.approx(min(r.y_m for r in racks))
    assert label[0] < min(r.x_m for r in racks)


def test_row_labels_leave_gallery_crahs_visible(window):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QImage, QPainter

    from designer.canvas.items import CoolingUnitItem, RackItem
    from engine.templates import instantiate

    doc = window.document
    doc.set_layout(instantiate("dgx-h100-hall", {"racks": 256}, catalog=doc.catalog))
    window.resizeDocks([window.docks["DashboardPanel"]], [250], Qt.Orientation.Vertical)
    QApplication.processEvents()
    view, labels = window.view, window.scene.row_labels
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    shown_at = {}
    # fitted (galleries of units a few pixels from the rows' ends) and zoomed in
    for px_per_m in (None, 30.0):
        if px_per_m is None:
            view.zoom_to_fit()
        else:
            view.resetTransform()
            view.scale(px_per_m, px_per_m)
            view.zoom_changed.emit(px_per_m)
            view.centerOn(QPointF((x0 + x1) / 2, -(y0 + y1) / 2))
        QApplication.processEvents()
        img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        view.render(p)
        p.end()
        t = view.viewportTransform()
        inv, _ = t.inverted()
        shown = labels._place(t)
        shown_at[px_per_m] = len(shown)
        for name, box, _px in shown:
            # beside the row's end: over neither a gallery's units nor the row's racks
            under = [it for it in window.scene.items(inv.mapRect(box))
                     if isinstance(it, (CoolingUnitItem, RackItem))]
            assert not under, (name, [it.model_id for it in under])
    assert shown_at[30.0] > 0, "zoomed in, the rows are named"


def test_ctrl_z_in_an_inspector_field_undoes_the_committed_edit(window):
    doc = window.document
    insp = window.docks["InspectorPanel"].widget()
    doc.select(["CRAH-1"])
    window.activateWindow()
    cap = insp.editor("capacity_kw").widget
    before = doc.layout.cooling[0].capacity_kw
    cap.setFocus()
    le = cap.lineEdit()
    le.selectAll()
    QTest.keyClicks(le, "140")
    QTest.keyClick(le, Qt.Key.Key_Return)
    assert doc.layout.cooling[0].capacity_kw == 140.0
    QTest.keyClick(le, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.layout.cooling[0].capacity_kw == before  # the document's undo, not the field's
    QTest.keyClick(le, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert doc.layout.cooling[0].capacity_kw == 140.0


def _paint_spy(view):
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QRegion

    class Spy(QObject):
        region = QRegion()

        def eventFilter(self, obj, ev):  # noqa: N802 - Qt's name
            if ev.type() == QEvent.Type.Paint:
                self.region = self.region.united(ev.region())
            return False

    spy = Spy(view)
    view.viewport().installEventFilter(spy)
    return spy


def _aisle_strips(doc, rack_ids):
    """(N, 8) plan boxes of racks' cold and hot aisle strips, worked out from the analysis."""
    from engine.compile import rack_geometry
    from engine.floor import strips

    arr = doc.analysis.arrays
    k = [arr.rack_index[r] for r in rack_ids]
    hx, hy = rack_geometry(arr.rack_x_m, arr.rack_y_m, arr.rack_w_m, arr.rack_d_m,
                           arr.rack_rot_deg)
    th = np.deg2rad(arr.rack_rot_deg.astype(np.float64))
    half = max(doc.layout.assumptions.aisle_clearance_m / 2, 0.3)
    front, back = strips(arr.rack_x_m, arr.rack_y_m, hx, hy, np.round(np.sin(th), 9),
                         np.round(-np.cos(th), 9), half, 0.0)
    return np.column_stack([front, back])[k]


def _viewport_rects(view, plan_boxes):
    return [view.mapFromScene(QRectF(x0 + 0.05, -y1 + 0.05, x1 - x0 - 0.1,
                                     y1 - y0 - 0.1)).boundingRect()
            for x0, y0, x1, y1 in np.asarray(plan_boxes).reshape(-1, 4).tolist()]


@pytest.mark.parametrize("zoom", ["detail", "batch"])
def test_aisle_tints_follow_a_rotation_set_in_the_inspector(window, zoom):
    """A row turned half round in the Inspector keeps its boxes but swaps its aisles: the
    tints repaint at once (they used to wait for an overlay toggle)."""
    view, scene, doc = window.view, window.scene, window.document
    if zoom == "batch":
        view.fit_rect(scene.hall_rect().adjusted(-60, -60, 60, 60))
        assert not scene.detail
    row = [r.id for r in doc.layout.racks if r.row == "R01"]
    doc.select(row)
    QApplication.processEvents()
    cold_before = _aisle_strips(doc, row)[:, :4]
    spy = _paint_spy(view)
    insp = window.docks["InspectorPanel"].widget()
    ed = insp.editor("rotation_deg")
    ed.widget.setCurrentIndex(ed.values.index(0))
    ed.widget.activated.emit(ed.values.index(0))  # as a user's pick in the combo
    assert {doc.item(r).rotation_deg for r in row} == {0}
    QApplication.processEvents()
    view.viewport().removeEventFilter(spy)
    strips_after = _aisle_strips(doc, row)
    assert not np.array_equal(cold_before, strips_after[:, :4]), "the cold aisle moved"
    for rect in _viewport_rects(view, strips_after):
        assert spy.region.contains(rect), f"aisle strip {rect} was not repainted"


def test_every_powered_rack_glows_in_the_power_density_overlay(window):
    """A rack dropped on its own (no row, no feed) with one server shows in the heat map as
    the dense rows do (it used to get a pale tint lost over its own fill)."""
    doc, scene = window.document, window.scene
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    drop(window, "rack-600x1200", x1 - 1.5, y0 + 1.5)  # a corner far from the rows
    lone = doc.layout.racks[-1]
    assert lone.row is None and not lone.feeds
    doc.install_device(lone.id, "dgx-h100")
    window.set_overlay("heatmap", True)
    heat = scene.overlays["heatmap"]
    kw = dict(zip(doc.analysis.arrays.rack_ids, doc.analysis.power.rack_kw.tolist(),
                  strict=True))
    assert 0 < kw[lone.id] < 0.5 * max(kw.values())
    full = heat.color_at(*next((r.x_m, r.y_m) for r in doc.layout.racks
                               if kw[r.id] == max(kw.values())))
    for r in doc.layout.racks:
        if kw[r.id] <= 0:
            continue
        c = heat.color_at(r.x_m, r.y_m)
        assert c.alpha() >= 0.45 * full.alpha(), f"{r.id} ({kw[r.id]:.1f} kW) barely shows"
        # a warm colour, not the pale yellow the ramp starts with
        assert c.green() < 0.75 * c.red(), f"{r.id} shows pale ({c.name()})"
    # the empty floor far from any rack stays clear
    assert heat.color_at(x0 + 0.2, y1 - 0.2).alpha() < 10


def test_the_fitted_view_fits_again_on_resize_until_the_user_zooms(window):
    view, scene = window.view, window.scene
    window.resize(1600, 1000)
    QApplication.processEvents()
    view.zoom_to_fit()

    def hall_shown() -> bool:
        return view.viewport().rect().contains(view.mapFromScene(scene.hall_rect())
                                               .boundingRect())

    assert hall_shown()
    big = view.scale_px_per_m
    window.resize(1024, 700)
    QApplication.processEvents()
    QApplication.processEvents()
    small = view.scale_px_per_m
    assert small < big and hall_shown(), "the hall is fitted to the smaller view"
    window.resize(1600, 1000)
    QApplication.processEvents()
    assert view.scale_px_per_m > small and hall_shown(), "and to the larger one again"
    view.zoom_by(1.25)  # the user's own zoom stays
    zoomed = view.scale_px_per_m
    window.resize(1024, 700)
    QApplication.processEvents()
    assert view.scale_px_per_m == pytest.approx(zoomed)


def test_alt_click_cycles_to_the_busway_under_a_rack(window):
    doc = window.document
    vpw = window.view.viewport()
    at = vp(window, 6.4, 3.4)  # GPU-0004 stands over busway BW-01a-A, far from its ends
    stack = [it.model_id for it in window.scene.model_items_at(window.view.mapToScene(at))]
    assert stack[0] == "GPU-0004" and "BW-01a-A" in stack
    QTest.mouseClick(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert doc.selection == ["GPU-0004"]
    QTest.mouseClick(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, at)
    assert doc.selection == [stack[1]]
    assert stack[1] in window.statusBar().currentMessage()
    for _ in range(len(stack) - 1):  # round the stack, back to the rack
        QTest.mouseClick(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, at)
    assert doc.selection == ["GPU-0004"]
    assert doc.undo_stack.count() == 0, "picking moves nothing"
    # a plain click keeps picking the rack
    QTest.mouseClick(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert doc.selection == ["GPU-0004"]


def test_an_alt_drag_still_moves_freely(window):
    doc = window.document
    rack = doc.layout.racks[0]
    start = vp(window, rack.x_m, rack.y_m)
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, start)
    drag(window, start, start + QPoint(37, 0), modifiers=Qt.KeyboardModifier.AltModifier)
    assert doc.selection == [rack.id]
    assert doc.layout.rack(rack.id).x_m != rack.x_m


def test_a_band_round_a_row_picks_its_racks_not_the_busways_over_them(window):
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    ids = {r.id for r in row}
    under = {f.id for f in doc.layout.feeds if any(f.id in r.feeds for r in row)}
    x0 = min(min(p[0] for f in doc.layout.feeds if f.id in under for p in f.points),
             row[0].x_m - 0.5) - 0.5
    x1 = max(max(p[0] for f in doc.layout.feeds if f.id in under for p in f.points),
             row[-1].x_m + 0.5) + 0.5
    y0, y1 = row[0].y_m - 0.8, row[0].y_m + 0.8
    band = [f.id for f in doc.layout.feeds
            if all(x0 < p[0] < x1 and y0 < p[1] < y1 for p in f.points)]
    assert band, "the band holds busways whole"
    drag(window, vp(window, x0, y0), vp(window, x1, y1))
    assert set(doc.selection) == ids
    assert window.panels["InspectorPanel"].title.text() == f"{len(ids)} racks selected"
    assert {"rotation_deg", "type"} <= set(window.panels["InspectorPanel"].editors)
    # a band that catches no rack picks the busways it holds
    doc.select([])
    bw = next(f for f in doc.layout.feeds if f.id in band)
    ys = [p[1] for p in bw.points]
    ya = (min(ys) + max(ys)) / 2
    xs = [p[0] for p in bw.points]
    # (thinner than a rack is deep: it holds no rack whole)
    drag(window, vp(window, min(xs) - 0.45, ya - 0.45), vp(window, max(xs) + 0.45, ya + 0.45))
    assert doc.selection and all(doc.item_group(i) == "feeds" for i in doc.selection)
    # Ctrl+band adds racks and keeps the busway picked before
    picked = list(doc.selection)
    drag(window, vp(window, x0, y0), vp(window, x1, y1),
         modifiers=Qt.KeyboardModifier.ControlModifier)
    assert set(doc.selection) == ids | set(picked)


def test_a_band_drawn_to_the_left_takes_the_racks_it_touches(window):
    # a band from the aisle by a row to the middle of its racks (started on the floor, as
    # a band is; a press on a rack drags it): drawn to the right it holds none of them
    # whole (nothing); drawn to the left, a crossing band, it takes every rack it touches
    doc = window.document
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    depth = doc.catalog.racks[row[0].type].depth_mm.value / 1000
    x0, x1 = row[0].x_m, row[2].x_m  # from the first rack's middle to the third's
    out, mid = row[0].y_m - depth / 2 - 0.3, row[0].y_m
    doc.select([])
    drag(window, vp(window, x0, out), vp(window, x1, mid))
    assert not [i for i in doc.selection if doc.item_group(i) == "racks"]
    doc.select([])
    drag(window, vp(window, x1, out), vp(window, x0, mid))
    assert set(doc.selection) == {r.id for r in row[:3]}


def test_a_fabric_picked_in_the_inspector_shows_its_racks_and_a_floor_click_clears_it(window):
    doc, scene, view = window.document, window.scene, window.view
    fabric = doc.layout.fabrics[0]
    window.panels["InspectorPanel"].open_item(fabric.id)
    assert doc.selection == [fabric.id] and scene.selectedItems() == []
    hl = scene.fabric_highlight
    assert hl.isVisible() and hl.fabrics == [fabric.id]
    gpu_racks = {r.id for r in doc.layout.racks
                 if doc.analysis.arrays.rack_gpus[doc.analysis.arrays.rack_index[r.id]] > 0}
    assert set(hl.members) == gpu_racks, "an empty member list: every GPU rack"
    assert hl.network and set(hl.network) <= set(fabric.network_racks)
    assert not set(hl.members) & set(hl.network)
    # one item paints them: the network racks edged in their own colour
    def purple_px() -> int:
        img = QImage(view.viewport().size(), QImage.Format.Format_RGB32)
        painter = QPainter(img)
        view.render(painter)
        painter.end()
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), -1, 4)[:, :, :3]
        want = np.array(QColor(hl.NETWORK).getRgb()[2::-1])  # BGRA in memory
        return int(np.count_nonzero(np.abs(a.astype(int) - want).sum(axis=2) < 30))
    assert purple_px() > 20
    hl.hide()
    assert purple_px() == 0
    hl.show()
    # View > Zoom to selection frames the fabric's racks
    view.zoom_by(6.0)
    view.centerOn(QPointF(-200, 200))
    window.actions_by_name["zoom_sel"].trigger()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(hl.plan_rect())
    # a click on the empty floor clears it, as it clears racks
    r = scene.hall_rect()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(QPointF(r.left() + 0.3, r.top() + 0.3)))
    assert doc.selection == [] and not hl.isVisible()
    # Ctrl+click on the floor keeps it
    window.panels["InspectorPanel"].open_item(fabric.id)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier,
                     view.mapFromScene(QPointF(r.left() + 0.3, r.top() + 0.3)))
    assert doc.selection == [fabric.id]


def test_dragging_everything_zoomed_out_repaints_where_each_unit_feed_and_tray_was_and_is(
        window, monkeypatch):
    # zoomed out the batch layer paints units, feeds and trays from arrays; their items
    # draw nothing, so Qt repaints nothing for them: the scene's own update must cover
    # their old and new places, or a large move leaves them torn (the analysis may come
    # after the items moved, in the background)
    view, scene, doc = window.view, window.scene, window.document
    view.fit_rect(scene.hall_rect().adjusted(-20, -20, 20, 20))
    assert not scene.detail
    QApplication.processEvents()
    layout = doc.layout
    moved = [*(u.id for u in layout.cooling), *(f.id for f in layout.feeds),
             *(t.id for t in layout.trays)]
    before = {i: scene.item_for(i).sceneBoundingRect() for i in moved}
    updated: list = []
    monkeypatch.setattr(scene, "update", lambda *r: updated.append(r[0] if r else None))
    everything = [r.id for r in layout.racks] + moved
    anchors = {i: edits.item_anchor(layout, i) for i in everything}
    doc.preview_move({i: (a[0] + 0.6, a[1] + 0.6) for i, a in anchors.items()})
    assert updated and None not in updated, "a partial repaint"
    for i in moved:
        for rect in (before[i], scene.item_for(i).sceneBoundingRect()):
            assert any(u.contains(rect) for u in updated), f"{i} left torn"
    doc.cancel_preview()


@pytest.mark.parametrize("px_per_m", [30.0, 10.0])  # items, and the zoomed-out batch
def test_a_and_b_busways_on_one_line_both_show_and_both_pick(window, px_per_m):
    # two busways drawn along the same line used to draw one over the other: B hid A
    # and a click on the line always found the same one
    from designer.canvas.style import PALETTE

    doc, scene, view = window.document, window.scene, window.view
    model = scene.busway_model()
    line = [(2.4, 12.0), (8.4, 12.0)]  # open floor
    a = doc.add_feed(model, line, "A")
    b = doc.add_feed(model, list(reversed(line)), "B")  # drawn the other way round
    doc.select([])
    feeds = {f.id: f.points for f in doc.layout.feeds}
    assert feeds[a] == feeds[b][::-1] == line, "the layout keeps the line as drawn"
    view.resetTransform()
    view.scale(px_per_m, px_per_m)
    view.zoom_changed.emit(px_per_m)
    view.centerOn(QPointF(5.4, -12.0))
    QApplication.processEvents()
    img = _render(view)
    mid = view.mapFromScene(QPointF(5.4, -12.0))
    x, y = mid.x(), mid.y()

    def rows_like(color: str) -> list[int]:
        # on the floor's near-white, a translucent pen keeps its hue: nearest of the two
        out = []
        for yy in range(y - 8, y + 9):
            p = QColor(img.pixel(x, yy))
            d = {k: sum(abs(u - v) for u, v in zip(p.getRgb()[:3], QColor(k).getRgb()[:3],
                                                    strict=True))
                 for k in (PALETTE.feed_a, PALETTE.feed_b, "#ffffff")}
            if min(d, key=d.get) == color and d[color] < 300:
                out.append(yy)
        return out

    rows_a, rows_b = rows_like(PALETTE.feed_a), rows_like(PALETTE.feed_b)
    assert rows_a and rows_b, "both sides drawn"
    assert min(rows_a) > max(rows_b), "A below the line, B above it, as the templates lay out"
    assert min(rows_a) - y <= 4 and y - max(rows_b) <= 4, "a few pixels off the line"
    # each picks on its own side of the line
    for side, dy in ((a, -0.06), (b, 0.06)):
        at = view.mapFromScene(QPointF(5.4, -(12.0 + dy)))
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, at)
        assert doc.selection == [side], px_per_m


def test_a_drag_step_paints_the_view_once(window):
    """A mouse move that moves a rack, its guide lines and the racks the analysis
    changed paints the view in one pass, not once for the rectangles and again for the
    moved item."""
    from PySide6.QtCore import QEvent, QObject

    doc = window.document
    window.view.fit_rect(QRectF(-2, -12, 16, 10))
    QApplication.processEvents()
    rack = doc.layout.racks[2]
    vpw = window.view.viewport()
    start = vp(window, rack.x_m, rack.y_m)
    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QApplication.processEvents()

    class Count(QObject):
        paints = 0

        def eventFilter(self, obj, ev):  # noqa: N802 - Qt's name
            if ev.type() == QEvent.Type.Paint:
                self.paints += 1
            return False

    counter = Count()
    vpw.installEventFilter(counter)
    per_step = []
    for k in range(1, 7):
        p = vp(window, rack.x_m + 0.6 * k, rack.y_m + 0.3 * k)
        before = counter.paints
        QApplication.sendEvent(vpw, QMouseEvent(
            QMouseEvent.Type.MouseMove, QPointF(p), QPointF(vpw.mapToGlobal(p)),
            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
        QApplication.processEvents()
        per_step.append(counter.paints - before)
    vpw.removeEventFilter(counter)
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    assert doc.layout.rack(rack.id).x_m != rack.x_m, "the rack moved"
    assert per_step == [1] * 6


def test_a_switch_with_no_room_makes_no_network_rack_of_the_rack_carrying_its_power(
        window, front_end_fabric):
    # a front-end fabric over R01 with no network rack of its own: its one leaf finds no
    # room, its cables run from a member rack (its power is the hall's), which stays a
    # member rack
    doc, scene = window.document, window.scene
    r01 = [r.id for r in doc.layout.racks if r.row == "R01"]
    fe = front_end_fabric(r01)
    doc.set_layout(doc.layout.model_copy(update={"fabrics": [*doc.layout.fabrics, fe]}))
    assert any(v.code == "FABRIC-NO-ROOM" for v in doc.analysis.violations)
    window.panels["InspectorPanel"].open_item("front-end")
    hl = scene.fabric_highlight
    assert sorted(hl.members) == sorted(r01) and hl.network == []
    assert hl._caption == "front-end: 8 member racks, 0 network racks"


def test_the_aisle_of_a_rack_against_a_wall_ends_at_the_wall(window):
    # a rack turned with its back 0.1 m from the north wall: its hot-aisle strip (half the
    # aisle behind it) would reach 0.5 m past the wall; outside the hall stays untinted
    doc, view = window.document, window.view
    rack = next(r for r in doc.layout.racks if r.row == "R02")  # rotation 0: back to +y
    top = max(y for _x, y in doc.layout.hall.outline)
    doc.move_items({rack.id: (rack.x_m, top - 0.7)})
    view.fit_rect(QRectF(rack.x_m - 3, -(top + 1.5), 6, 4))
    QApplication.processEvents()
    img = _render(view)
    beyond = view.mapFromScene(QPointF(rack.x_m, -(top + 0.3)))  # behind it, past the wall
    aside = view.mapFromScene(QPointF(rack.x_m - 2.5, -(top + 0.3)))  # past the wall too
    assert img.pixelColor(beyond) == img.pixelColor(aside)


@pytest.mark.parametrize("zoom", ["detail", "batch"])
def test_aisle_tints_run_on_past_a_missing_rack(window, zoom):
    """A rack taken out of a row leaves the aisle in front of it an aisle: its tint runs
    on across the gap (a notch there reads as a drawing fault), when the whole hall
    paints and when only the gap's neighbourhood repaints."""
    view, scene, doc = window.view, window.scene, window.document
    if zoom == "batch":
        view.fit_rect(scene.hall_rect().adjusted(-60, -60, 60, 60))
        assert not scene.detail
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    gone = row[len(row) // 2]
    gone_id, x, y = gone.id, gone.x_m, gone.y_m
    before = _aisle_strips(doc, [gone_id])[0]
    doc.remove_items([gone_id])
    QApplication.processEvents()
    assert doc.wait_for_analysis()
    QApplication.processEvents()
    for key, box in ((0, before[:4]), (1, before[4:])):
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        point = QPointF(cx, -cy)
        whole = [p for k, p in scene.floor._aisle_paths(scene.hall_rect()) if k == key]
        assert any(p.contains(point) for p in whole), f"no tint at the gap ({key})"
        near = QRectF(x - 0.3, -y - 0.3, 0.6, 0.6)
        part = [p for k, p in scene.floor._aisle_paths(near) if k == key]
        assert any(p.contains(point) for p in part), f"a small repaint leaves a notch ({key})"


def test_a_row_of_two_rack_depths_tints_its_aisles_from_one_line(window, builtin_catalog):
    """A GB200 row mixes 1,068 mm NVL72 racks and 1,200 mm network racks: the aisle
    strips of all its racks start on the deeper racks' line, so the aisle has no thin
    untinted band in front of the shallow racks."""
    from engine.templates import instantiate

    doc, scene = window.document, window.scene
    doc.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                               catalog=builtin_catalog))
    assert doc.wait_for_analysis()
    QApplication.processEvents()
    cold, hot, _along = scene.floor._strips
    ids = doc.analysis.arrays.rack_ids
    r01 = [k for k, r in enumerate(doc.layout.racks) if r.row == "R01"]
    depths = {doc.layout.racks[k].type for k in r01}
    assert len(depths) == 2, depths  # NVL72 racks and network racks
    for strips in (cold, hot):
        bands = {(round(strips[k, 1], 6), round(strips[k, 3], 6)) for k in r01}
        assert len(bands) == 1, ([ids[k] for k in r01], bands)


def test_a_legend_that_changes_corner_repaints_the_whole_view(window):
    """An outline's corner dragged repaints part of the view; a legend that moves to
    another corner then would be drawn only within that part and left half where it
    was. A move of the legend repaints the whole view."""
    view = window.view
    for _ in range(3):  # the window's own first paints
        QApplication.processEvents()
    _key, at = view._legend_at
    view._legend_at = (("the hall before",), (at[0] + 40.0, at[1] + 40.0))  # elsewhere
    spy = _paint_spy(view)
    view.viewport().update(QRect(0, 0, 10, 10))  # a small repaint, as an edit's
    for _ in range(4):  # the paint, then the one it asks for
        QApplication.processEvents()
    view.viewport().removeEventFilter(spy)
    from PySide6.QtGui import QRegion

    missed = QRegion(view.viewport().rect()).subtracted(spy.region)
    assert missed.isEmpty(), "the old legend stays on screen"


def test_shift_click_adds_to_the_selection_as_ctrl_click_does(window):
    """Most drawing tools add to a selection with Shift+click: a Shift+click that replaced
    the selection left one rack of eight to be deleted."""
    doc = window.document
    racks = doc.layout.racks[:3]
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, vp(window, racks[0].x_m, racks[0].y_m))
    for r in racks[1:]:
        QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.ShiftModifier, vp(window, r.x_m, r.y_m))
    assert doc.selection == [r.id for r in racks]
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier, vp(window, racks[1].x_m, racks[1].y_m))
    assert doc.selection == [racks[0].id, racks[2].id]  # and takes one out again


def test_racks_set_far_off_the_hall_keep_their_labels(window):
    """Racks given a Y 50 m south of the hall in the inspector stand outside the rectangle
    the rack labels and the zoomed-out layer painted in: they lost their labels. The
    rectangle grows to take them in."""
    doc, scene = window.document, window.scene
    ids = [r.id for r in doc.layout.racks[:4]]
    doc.set_field(ids, "y_m", -50.0)
    assert doc.wait_for_analysis()
    QApplication.processEvents()
    for rid in ids:
        r = doc.item(rid)
        point = QPointF(r.x_m, -r.y_m)
        assert scene.rack_labels.boundingRect().contains(point)
        assert scene.batch.boundingRect().contains(point)


def test_a_right_click_on_a_selected_rack_keeps_the_selection(window):
    from PySide6.QtGui import QContextMenuEvent

    """Two racks selected: a right click on one of them keeps both for the context menu
    (Rotate, Duplicate, Delete act on both); on a rack outside the selection it picks that
    rack."""
    doc, view = window.document, window.view
    view.context_actions = []  # the press alone: no menu to close
    a, b, c = doc.layout.racks[0], doc.layout.racks[1], doc.layout.racks[2]
    doc.select([a.id, b.id])
    QApplication.processEvents()

    def right_press(rack):
        p = view.mapFromScene(QPointF(rack.x_m, -rack.y_m))
        QTest.mousePress(view.viewport(), Qt.MouseButton.RightButton,
                         Qt.KeyboardModifier.NoModifier, p)
        QTest.mouseRelease(view.viewport(), Qt.MouseButton.RightButton,
                           Qt.KeyboardModifier.NoModifier, p)
        # the context menu event the platform sends with a right click
        QApplication.sendEvent(view.viewport(), QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, p, view.viewport().mapToGlobal(p)))
        QApplication.processEvents()

    right_press(b)
    assert sorted(doc.selection) == sorted([a.id, b.id])
    right_press(c)
    assert doc.selection == [c.id]


def test_a_press_on_a_tray_not_picked_draws_a_band_and_a_click_picks_it(window):
    # TR-W runs up the west end of the rows, across the aisles: a drag started on it in
    # an aisle draws a rubber band (the tray stays where it is) instead of carrying the
    # faint line off; a click picks it; picked, a drag moves it
    doc, scene = window.document, window.scene
    before = doc.layout.find("TR-W").points
    assert scene.model_item_at(QPointF(3.6, -4.8)).model_id == "TR-W"
    doc.select([])
    drag(window, vp(window, 3.6, 4.8), vp(window, 2.0, 3.0))
    assert doc.layout.find("TR-W").points == before
    assert "TR-W" not in doc.selection
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, vp(window, 3.6, 4.8))
    assert doc.selection == ["TR-W"]
    drag(window, vp(window, 3.6, 4.8), vp(window, 3.6, 10.8))
    assert doc.layout.find("TR-W").points != before
