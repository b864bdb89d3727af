"""A rectangular column's width and depth are edited in the inspector, about its centre,
one undo step each."""

from __future__ import annotations

import pytest
from panel_helpers import layout_window, type_entry

from engine.model import Hall, Layout, Obstacle


def test_a_column_is_resized_about_its_centre(qtbot, qapp, recovery_dir, builtin_catalog):
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)], obstacles=[
        Obstacle(id="COL-1", polygon=[(6.0, 6.0), (6.6, 6.0), (6.6, 6.6), (6.0, 6.6)])]))
    win = layout_window(qtbot, lay, builtin_catalog)
    doc = win.document
    doc.select(["COL-1"])
    insp = win.panels["InspectorPanel"]
    qtbot.waitUntil(lambda: "size.width_m" in insp.editors, timeout=5000)
    assert insp.editors["size.width_m"].widget.value() == pytest.approx(0.6)
    type_entry(qtbot, insp.editors["size.width_m"], "0.8")
    ob = doc.layout.hall.obstacles[0]
    assert ob.polygon == [(5.9, 6.0), (6.7, 6.0), (6.7, 6.6), (5.9, 6.6)]
    assert doc.undo_stack.undoText() == "Resize COL-1 to 0.8 x 0.6 m"
    type_entry(qtbot, insp.editors["size.depth_m"], "1.2")
    assert doc.layout.hall.obstacles[0].polygon == [(5.9, 5.7), (6.7, 5.7), (6.7, 6.9),
                                                    (5.9, 6.9)]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.layout.hall.obstacles[0].polygon == [(6.0, 6.0), (6.6, 6.0), (6.6, 6.6),
                                                    (6.0, 6.6)]
    doc.close()
