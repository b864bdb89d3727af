"""A change that alters every rack label (the hall-wide precision or the widest figure's
digits) repaints the whole view, not only the racks that changed: a partial repaint
left labels half redrawn ("4.1" where "41.1" became "41")."""

from __future__ import annotations

from PySide6.QtCore import QRectF


def test_labels_hall_state_change_repaints_everything(qtbot, view):
    scene = view.scene()
    doc = scene.document
    rack = doc.layout.racks[0]
    view.fit_rect(QRectF(rack.x_m - 4, -rack.y_m - 3, 8, 6))  # close enough for labels
    qtbot.wait(20)
    assert scene.detail
    calls = []
    original = scene.update

    def record(*args):
        calls.append(args)
        return original(*args)

    scene.update = record
    try:
        view.viewport().repaint()
        state = scene.rack_labels.hall_state()
        assert state and scene.rack_labels.painted_state == state
        other = doc.layout.racks[1]
        doc.move_items({other.id: (other.x_m + 0.6, other.y_m)})
        assert () not in calls  # the labels' state held: the moved rack's area only
        # labels painted at another precision: every label's text may change
        scene.rack_labels.painted_state = (state[0], not state[1], state[2])
        calls.clear()
        doc.move_items({other.id: (other.x_m + 1.2, other.y_m)})
        assert () in calls  # the whole scene, not only the moved rack
    finally:
        scene.update = original
