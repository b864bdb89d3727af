"""Draw → Column places building columns, a click each, until Esc."""

from __future__ import annotations

from panel_helpers import layout_window
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.model import Hall, Layout


def test_each_click_places_a_column_until_escape(qtbot, qapp, recovery_dir, builtin_catalog):
    lay = Layout(hall=Hall(outline=[(0, 0), (30, 0), (30, 20), (0, 20)]))
    win = layout_window(qtbot, lay, builtin_catalog)
    doc = win.document
    assert "column" in win.draw_actions
    win.draw_actions["column"].trigger()
    vp = win.view.viewport()
    for x, y in ((6.0, 6.0), (12.0, 6.0)):
        at = win.view.mapFromScene(QPointF(x, -y))
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    cols = [o for o in doc.layout.hall.obstacles if o.kind == "column"]
    assert len(cols) == 2 and doc.undo_stack.count() == 2
    xs = sorted(round(sum(p[0] for p in o.polygon) / len(o.polygon), 1) for o in cols)
    assert abs(xs[0] - 6.0) <= 0.31 and abs(xs[1] - 12.0) <= 0.31  # a floor tile at the click
    assert win.scene.tool is not None  # still placing
    QTest.keyClick(win.view, Qt.Key.Key_Escape)
    assert win.scene.tool is None
    # the columns placed stay: Esc ends the tool, it cancels nothing
    assert win.statusBar().currentMessage() == "Column tool ended"
    assert len([o for o in doc.layout.hall.obstacles if o.kind == "column"]) == 2
    doc.close()


def test_the_tool_on_shows_a_column_under_a_rack_is_named_and_a_drop_ends_it(
        qtbot, qapp, recovery_dir, builtin_catalog):
    # the status bar shows the tool for as long as it is on (its hint gives way to the
    # next note); a column clicked onto a rack is the building's and stands there, the
    # note naming the rack on it; a drop from the palette ends the tool, so the clicks
    # after it select rather than place
    from engine.model import Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (30, 0), (30, 20), (0, 20)]),
                 racks=[Rack(id="R1", type="rack-600x1200", x_m=9.0, y_m=9.0)])
    win = layout_window(qtbot, lay, builtin_catalog)
    doc = win.document
    win.draw_actions["column"].trigger()
    assert win.tool_label.isVisible() and win.tool_label.text() == "Column tool · Esc ends"
    vp = win.view.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     win.view.mapFromScene(QPointF(9.0, -9.0)))
    (col,) = doc.layout.hall.obstacles
    assert win.statusBar().currentMessage() == (f"Added column {col.id} under R1: it stands "
                                                "on the column (see the rules; Esc ends the "
                                                "column tool)")
    assert win.scene.tool is not None and win.tool_label.isVisible()
    win.view.drop_entry("rack-600x1200", 15.0, 9.0)
    assert win.scene.tool is None and not win.tool_label.isVisible()
    assert len(doc.layout.racks) == 2 and len(doc.layout.hall.obstacles) == 1
    doc.close()
