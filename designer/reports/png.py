"""PNG of the floor plan at any size, with the chosen overlays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from designer.reports import MIN_PNG_PX
from designer.reports.floorplan import PlanInfo, render_floor_plan
from designer.reports.qtapp import ensure_app

__all__ = ["write_png", "render_image"]


def render_image(layout: Any, analysis: Any, size: tuple[int, int] = (2400, 1600),
                 overlays: Any = (), metric: str = "kw"):
    """Return ``(QImage, PlanInfo)``: the floor plan on white at ``size`` pixels.

    The title is the design's name and generation, on two lines where one would cut it
    (a template's name lists every parameter), ending in an ellipsis only past two.
    ``metric`` colours the racks (see :func:`designer.reports.floorplan.prepare_plan`).
    """
    ensure_app()
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

    from designer.reports.floorplan import prepare_plan
    from designer.reports.style import C, font
    from designer.reports.text import elide, wrap_lines

    w, h = max(MIN_PNG_PX, int(size[0])), max(MIN_PNG_PX, int(size[1]))
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    source = prepare_plan(layout, analysis, metric=metric)
    p = QPainter(img)
    try:
        pt = max(1.0, min(w, h * 1.5) / 640.0)  # the scene labels in 11 px; keep close to them
        m = 12 * pt
        title_font = font(9 * pt, bold=True)
        p.setFont(title_font)
        p.setPen(QColor(C["ink"]))
        fm = QFontMetricsF(title_font)
        # the generation always shows; a long name takes a second line, then gives way
        lines = wrap_lines(fm, f"{layout.name} — {layout.generation}", w - 2 * m)
        if len(lines) > 2:
            tail = f" — {layout.generation}"
            rest = " ".join(lines[1:])
            lines = [lines[0], elide(fm, rest.removesuffix(tail), w - 2 * m
                                     - fm.horizontalAdvance(tail)) + tail]
        line_h = fm.lineSpacing()
        for k, line in enumerate(lines):
            p.drawText(QRectF(m, m * 0.6 + k * line_h, w - 2 * m, line_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       elide(fm, line, w - 2 * m))
        title_h = max(14 * pt, len(lines) * line_h)
        info = render_floor_plan(p, QRectF(m, m * 0.6 + title_h + 4 * pt, w - 2 * m,
                                           h - m * 1.6 - title_h - 4 * pt),
                                 layout, analysis, overlays, pt=pt, center=True, source=source)
    finally:
        p.end()
        source.close()
    return img, info


def write_png(layout: Any, analysis: Any, path: str | Path, size: tuple[int, int] = (2400, 1600),
              overlays: Any = (), metric: str = "kw") -> PlanInfo:
    """Write the floor plan as a PNG file; return what drew it.

    A failed write raises ``OSError`` with the system's reason and names no file: the
    caller (writing to a temporary file beside the report) names the report.
    """
    from designer.reports.files import write_png_image

    img, info = render_image(layout, analysis, size, overlays, metric)
    write_png_image(img, path)
    return info
