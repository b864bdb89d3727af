"""Render the floor plan of a layout into any painter (reports, PNG export).

The same scene as the designer draws it, so a report shows what the user saw.
Needs a ``QApplication`` (offscreen is fine).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter

from engine.catalog import Catalog
from engine.model import Layout

__all__ = ["render_plan"]


def render_plan(painter: QPainter, target: QRectF, layout: Layout, overlays: Sequence[str] = (),
                metric: str = "kw", window_m: tuple[float, float, float, float] | None = None,
                catalog: Catalog | None = None, selection: Sequence[str] = ()) -> float:
    """Draw ``layout`` (its ``window_m`` plan box, default the hall) into ``target``.

    Parameters
    ----------
    painter : QPainter
        Active on any device.
    target : QRectF
        Device rectangle to fill (the plan keeps its aspect ratio, centred).
    overlays : list of str
        Overlay keys: ``heatmap``, ``cooling``, ``airflow``, ``cables``, ``violations``.
    metric : str
        Rack colouring: ``kw``, ``utilization`` or ``liquid``.
    window_m : (minx, miny, maxx, maxy), optional
        The part of the plan to draw, in metres.

    Returns
    -------
    float
        The scale used, in device units per metre.
    """
    from designer.canvas.scene import FloorPlanScene
    from designer.document import LayoutDocument

    doc = LayoutDocument(layout, catalog=catalog, analysis_mode="sync", autosave_ms=0)
    scene = FloorPlanScene(doc)
    try:
        scene.set_metric(metric)
        for key in overlays:
            scene.set_overlay(key, True)
        doc.select(list(selection))
        scene.ghost.hide()
        x0, y0, x1, y1 = window_m or layout.hall.bounds()
        source = QRectF(x0, -y1, max(x1 - x0, 1e-3), max(y1 - y0, 1e-3))
        scale = min(target.width() / source.width(), target.height() / source.height())
        scene.set_zoom(scale)
        painter.save()
        scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
        painter.restore()
        return scale
    finally:
        scene.clear()
        doc.close()
        scene.deleteLater()
        doc.deleteLater()
