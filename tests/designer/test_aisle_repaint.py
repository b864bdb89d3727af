"""A rack set down at a row's end repaints the aisle tint that now bridges the gap."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from designer.canvas.batch import merge_strips


def _merged(drawn) -> list[list[float]]:
    along_y = (drawn.rot // 90) % 2 == 1
    return np.vstack([merge_strips(drawn.aisles[:, :4], along_y),
                      merge_strips(drawn.aisles[:, 4:], along_y)]).tolist()


def test_the_dirty_region_covers_every_aisle_tint_that_changed(window):
    view, scene, doc = window.view, window.scene, window.document
    view.zoom_to_fit()
    QApplication.processEvents()
    row = sorted((r for r in doc.layout.racks if r.row == doc.layout.racks[0].row),
                 key=lambda r: r.x_m)
    last = row[-1]
    old = scene._drawn
    # 1.8 m past the row's end, in its line: the tint bridges the gap to it
    doc.preview_move({row[0].id: (last.x_m + 1.8, last.y_m)})
    QApplication.processEvents()
    new = scene._drawn
    rects = scene._dirty_rects(old, new)
    assert rects is not None
    before, after = _merged(old), _merged(new)

    def tinted(boxes, x, y):
        return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    x0, y0, x1, y1 = doc.layout.hall.bounds()
    flips = 0
    for x in np.arange(x0 + 0.05, x1, 0.1):
        for y in np.arange(y0 + 0.05, y1, 0.1):
            if tinted(before, x, y) != tinted(after, x, y):
                flips += 1
                assert any(r.contains(QPointF(x, -y)) for r in rects), (x, y)
    assert flips > 0  # the tint did change: the gap bridged, the row's start given up
    doc.cancel_preview()
