"""Designer benchmarks, offscreen: open a large layout, repaint at fit, a drag step.

Measured offscreen. Open and repaint render the floor-plan view to an image.
A drag step is what one mouse move costs the GUI thread: the preview move,
the incremental analysis, the panels and canvas following it, and the paint
Qt then does of the changed region of the window (the event loop runs until
the repaint is done). The naive baseline re-analyzes the whole layout from
scratch on every mouse move (what a designer without incremental analysis
would do) and repaints the whole view.

Targets (issue: the designer): open a 100k-GPU layout (about 3,000 racks) <= 3 s;
full repaint at fit-to-window <= 16 ms median; drag step <= 16 ms median.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

SIZES = (10_240, 102_400)
QUICK_SIZES = (10_240,)
TARGETS_S = {"open": 3.0, "repaint": 0.016, "drag_step": 0.016}


def _median_s(fn, n: int = 15) -> float:
    times = []
    for k in range(n):
        t0 = time.perf_counter()
        fn(k)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _one(gpus: int, folder: Path) -> list[dict]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    import designer.mainwindow as mw
    from benchmarks.halls import dgx_h100_hall
    from designer.document import LayoutDocument
    from engine.analysis import analyze
    from engine.io import save_layout

    app = QApplication.instance()
    path = folder / f"hall-{gpus}.json"
    save_layout(dgx_h100_hall(gpus // 32, 16), path)

    t0 = time.perf_counter()
    doc = LayoutDocument(autosave_ms=0)
    doc.open(path)
    win = mw.MainWindow(doc, restore_state=False)
    win.resize(1600, 1000)
    win.show()
    app.processEvents()
    win.view.zoom_to_fit()
    app.processEvents()
    open_s = time.perf_counter() - t0

    view = win.view
    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)

    def render(_k=0):
        p = QPainter(img)
        view.render(p)
        p.end()

    repaint_s = _median_s(render)
    rack = doc.layout.racks[len(doc.layout.racks) // 2]
    doc.select([rack.id])  # a drag moves the selection: inspector and elevation follow it
    app.processEvents()

    def drag(k):
        doc.preview_move({rack.id: (rack.x_m + 0.6 * (k % 3 + 1), rack.y_m)})
        app.processEvents()  # the paint of the changed region, as on screen

    drag(0)  # the drag's first step files the racks that do not move in a base layer
    drag_s = _median_s(drag, n=31)

    def drag_full(k):
        drag(k)
        render()

    drag_full_s = _median_s(drag_full)
    # the overlay that follows the links: the trays' cable counts and each rack's drop
    win.scene.set_overlay("cables", True)
    drag(1)
    drag_cables_s = _median_s(drag)
    win.scene.set_overlay("cables", False)
    doc.cancel_preview()
    layout = doc.layout

    def naive(k):
        moved = layout.model_copy(deep=False)
        moved.racks = list(layout.racks)
        i = moved.racks.index(rack)
        moved.racks[i] = rack.model_copy(update={"x_m": rack.x_m + 0.6 * (k % 3 + 1)})
        analyze(moved, doc.catalog)
        render()

    naive_s = _median_s(naive, n=5)
    mouse_s, mouse_px_per_m = _mouse_drag(app, win, rack)
    win.force_close()
    racks = len(layout.racks)
    base = {"size": gpus, "gpus": gpus}
    return [
        {**base, "name": f"open layout ({racks:,} racks)", "seconds": open_s,
         "target_seconds": TARGETS_S["open"] if gpus >= 100_000 else None,
         "notes": "load + analyze + window + first paint"},
        {**base, "name": "full repaint at fit", "seconds": repaint_s,
         "target_seconds": TARGETS_S["repaint"], "notes": "median of 15, 1600x1000 window"},
        {**base, "name": "drag step", "seconds": drag_s, "target_seconds": TARGETS_S["drag_step"],
         "notes": f"move + incremental analysis + panels + paint of the changed region, "
                  f"median of 31; with a repaint of the whole view "
                  f"{drag_full_s * 1000:,.1f} ms; with the cables-by-tray overlay on "
                  f"{drag_cables_s * 1000:,.1f} ms; naive full re-analysis + repaint "
                  f"{naive_s * 1000:,.0f} ms ({naive_s / drag_s:,.1f}x slower)"},
        {**base, "name": "mouse drag step, zoomed in", "seconds": mouse_s,
         "target_seconds": TARGETS_S["drag_step"],
         "notes": f"mouse-move events into the view at {mouse_px_per_m:.0f} px/m (racks drawn "
                  f"one by one, labelled), each moving the rack a tile: snapping, guides, "
                  f"preview, analysis, panels, paint; median of 40"},
    ]


def _mouse_drag(app, win, rack) -> tuple[float, float]:
    """Drag ``rack`` with mouse events in a view zoomed to 30 x 20 m around it."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    view = win.view
    vpw = view.viewport()
    view.fit_rect(QRectF(rack.x_m - 15, -rack.y_m - 10, 30, 20))
    app.processEvents()

    def vp(x, y):
        return view.mapFromScene(QPointF(x, -y))

    QTest.mousePress(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(rack.x_m, rack.y_m))
    app.processEvents()
    times = []
    for k in range(1, 42):  # 0.6 m steps on the 0.6 m grid: every move moves the rack
        p = vp(rack.x_m + 0.6 * (k % 12), rack.y_m + 0.05 * k)
        t0 = time.perf_counter()
        QApplication.sendEvent(vpw, QMouseEvent(
            QMouseEvent.Type.MouseMove, QPointF(p), QPointF(vpw.mapToGlobal(p)),
            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
        app.processEvents()
        times.append(time.perf_counter() - t0)
    QTest.mouseRelease(vpw, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    app.processEvents()
    return statistics.median(times[1:]), view.scale_px_per_m


def run(sizes=SIZES) -> list[dict]:
    """Time the designer on halls of ``sizes`` GPUs; return benchmark rows."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rackscape-bench-designer-") as tmp:
        for gpus in sizes:
            rows += _one(gpus, Path(tmp))
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append({"name": "peak memory of the process (MB)", "size": max(sizes),
                 "seconds": None, "notes": f"{peak_mb:,.0f} MB resident"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
