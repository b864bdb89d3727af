"""Undo of an edit the floor plan followed off the hall puts the plan back as it was."""

from __future__ import annotations

from panel_helpers import layout_window, make, type_entry
from PySide6.QtWidgets import QApplication

from engine.templates import instantiate


def test_undo_of_a_typed_move_off_the_hall_shows_the_plan_as_before(
        qtbot, qapp, recovery_dir, builtin_catalog):
    from designer.panels import InspectorPanel

    lay = instantiate("dgx-h100-hall", {"racks": 8}, catalog=builtin_catalog)
    win = layout_window(qtbot, lay, builtin_catalog)
    doc = win.document
    view = win.view
    insp = win.findChild(InspectorPanel) or make(qtbot, InspectorPanel, doc)
    ids = [r.id for r in lay.racks[:3]]
    doc.select(ids)
    QApplication.processEvents()
    before = view.view_state()
    type_entry(qtbot, insp.editor("y_m"), "100")  # the plan follows them off the hall
    QApplication.processEvents()
    assert doc.layout.rack(ids[0]).y_m == 100.0
    assert view.view_state()[1] != before[1]
    doc.undo_stack.undo()
    QApplication.processEvents()
    transform, centre, fitted = view.view_state()
    assert (transform, fitted) == (before[0], before[2])
    px_m = 1.0 / transform.m11()  # the view scrolls in whole pixels
    assert abs(centre.x() - before[1].x()) <= px_m and abs(centre.y() - before[1].y()) <= px_m
    doc.close()
