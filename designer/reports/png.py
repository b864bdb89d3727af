"""PNG of the floor plan at any size, with the chosen overlays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from designer.reports.floorplan import PlanInfo, render_floor_plan
from designer.reports.qtapp import ensure_app

__all__ = ["write_png", "render_image"]


def render_image(layout: Any, analysis: Any, size: tuple[int, int] = (2400, 1600),
                 overlays: Any = ()):
    """Return ``(QImage, PlanInfo)``: the floor plan on white at ``size`` pixels."""
    ensure_app()
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

    from designer.reports.style import C, font
    from designer.reports.text import elide

    w, h = max(64, int(size[0])), max(64, int(size[1]))
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        pt = max(1.0, min(w, h * 1.5) / 640.0)  # the scene labels in 11 px; keep close to them
        m = 12 * pt
        title_h = 14 * pt
        title_font = font(9 * pt, bold=True)
        p.setFont(title_font)
        p.setPen(QColor(C["ink"]))
        # the generation always shows; a long name gives way, ending in an ellipsis
        fm = QFontMetricsF(title_font)
        tail = f" — {layout.generation}"
        name = elide(fm, layout.name, w - 2 * m - fm.horizontalAdvance(tail))
        p.drawText(QRectF(m, m * 0.6, w - 2 * m, title_h),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   elide(fm, name + tail, w - 2 * m))
        info = render_floor_plan(p, QRectF(m, m * 0.6 + title_h + 4 * pt, w - 2 * m,
                                           h - m * 1.6 - title_h - 4 * pt),
                                 layout, analysis, overlays, pt=pt, center=True)
    finally:
        p.end()
    return img, info


def write_png(layout: Any, analysis: Any, path: str | Path, size: tuple[int, int] = (2400, 1600),
              overlays: Any = ()) -> PlanInfo:
    """Write the floor plan as a PNG file; return what drew it.

    A failed write raises ``OSError`` with the system's reason and names no file: the
    caller (writing to a temporary file beside the report) names the report.
    """
    from designer.reports.files import write_png_image

    img, info = render_image(layout, analysis, size, overlays)
    write_png_image(img, path)
    return info
