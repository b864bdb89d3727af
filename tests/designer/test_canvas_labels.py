"""What the canvas draws over the racks: rack and row labels, tray outlines, the cable
overlay's counts, selected links, the legend's corner."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication


@pytest.fixture
def view(qtbot, doc):
    """A shown floor plan view of ``doc`` (no main window), fitted to the hall."""
    from designer.canvas import FloorPlanScene, FloorPlanView

    scene = FloorPlanScene(doc)
    v = FloorPlanView(scene)
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    v.zoom_to_fit()
    QApplication.processEvents()
    return v


def zoom(view, px_per_m: float, at: tuple[float, float]) -> None:
    """Show plan point ``at`` at the centre, ``px_per_m`` pixels per metre."""
    view.resetTransform()
    view.scale(px_per_m, px_per_m)
    view.zoom_changed.emit(px_per_m)
    view.centerOn(QPointF(at[0], -at[1]))
    QApplication.processEvents()


def paint(view) -> QImage:
    """Paint the viewport into an image (every item's ``paint`` runs)."""
    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    view.render(p)
    p.end()
    return img


def test_tray_rails_are_one_mitred_line_each_side(view, doc):
    from designer.canvas.items import offset_polyline

    tid = doc.add_tray([(2.0, 2.0), (8.0, 2.0), (8.0, -1.0)], 0.6)
    item = view.fp.item_for(tid)
    rails = item._rails
    # two subpaths (one per rail) of three points: the corner is a joint, not two ends
    starts = [k for k in range(rails.elementCount()) if rails.elementAt(k).isMoveTo()]
    assert starts == [0, 3] and rails.elementCount() == 6
    # each rail turns at its mitre point, 0.3 m off the corner on both axes (item
    # coordinates: from the first point, y down)
    corners = sorted((round(rails.elementAt(k).x, 6), round(rails.elementAt(k).y, 6))
                     for k in (1, 4))
    assert corners == [(5.7, 0.3), (6.3, -0.3)]
    assert np.allclose(offset_polyline([(0, 0), (1, 0), (1, 0), (1, 1)], 0.1),
                       [(0.0, 0.1), (0.9, 0.1), (0.9, 1.0)])
    zoom(view, 80, (7.0, 1.0))
    assert not paint(view).isNull()
    doc.undo_stack.undo()
    assert view.fp.item_for(tid) is None
