"""The floor plan's legend: its corner is chosen afresh for
each hall, and of corners that hide nothing else the one off the hall's floor wins."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

# -- the legend ------------------------------------------------------------------------------------

def test_the_legend_takes_its_corner_afresh_for_each_hall_and_prefers_the_empty_floor_less(
        view, doc, default_layout):
    w, h = 210.0, 54.0
    view.zoom_to_fit()
    QApplication.processEvents()
    vw = view.viewport().width()
    top_right, top_left = QRectF(vw - w - 12, 12, w, h), QRectF(12, 12, w, h)
    # the fitted hall stands left of the legend's place: top right is off the hall
    assert view.legend_floor(top_right) == 0 < view.legend_floor(top_left)
    # a corner held from the last document (top left, over the floor here)
    view._legend_corner = 1
    view._legend_at = None
    assert view.legend_corner(w, h) == (vw - w - 12, 12.0), "floor counts when all else ties"
    # a new document forgets the corner
    view._legend_corner = 1
    doc.set_layout(default_layout.model_copy(update={"name": "another hall"}))
    QApplication.processEvents()
    assert view._legend_corner in (None, 0)
    x, y = view.legend_corner(w, h)
    assert view.legend_floor(QRectF(x, y, w, h)) == 0
