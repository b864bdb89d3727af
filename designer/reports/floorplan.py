"""The floor plan, to scale, for the PDF report and the PNG export.

:func:`render_floor_plan` draws a layout into a rectangle of any painter: the
hall, racks (coloured by content, power density or cooling zone), cooling units,
feeds, trays, row labels, a legend, a scale bar and a north arrow. The plan
itself comes from the designer's own scene (``designer.canvas``) when that is
available, and from :mod:`designer.reports.plandraw` otherwise; the return
value says which one drew it. Geometry and strips: :mod:`designer.reports.plangeo`.

A hall much longer than the page is wide is cut into strips at the aisles and
the strips are set side by side at one common scale, each named by its span
("y 0–94 m") in a band kept free above it (beside it when the plan is turned).
The legend band follows below everything drawn; where each part stands is worked
out by :func:`designer.reports.plangeo.plan_boxes` and returned in
:attr:`PlanInfo.boxes`, so no label, scale bar, legend, arrow or caption covers another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from designer.reports.plandraw import (
    draw_plan,
    legend_items,
    pen,
    rack_fills,
    unit_label,
    unit_number,
)
from designer.reports.plangeo import (
    PlanBoxes,
    PlanGeometry,
    PlanMap,
    plan_boxes,
    plan_strips,
    strip_label_boxes,
    to_page,
)
from designer.reports.style import C, font

__all__ = ["OVERLAYS", "normalize_overlays", "render_floor_plan", "prepare_plan", "PlanSource",
           "PlanInfo"]

OVERLAYS = ("heatmap", "cooling", "airflow", "cables", "violations")
_ALIASES = {"power": "heatmap", "density": "heatmap", "kw": "heatmap", "heat": "heatmap",
            "zones": "cooling", "air": "airflow", "trays": "cables", "rules": "violations"}
#: Size of a device pixel of the PDF in points (the scene's labels are 11 px: 5 pt).
SCENE_PIXEL_PT = 0.45
_STANDARD_SCALES = [m * 10 ** e for e in range(0, 6) for m in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5)]


def normalize_overlays(names: Any) -> tuple[str, ...]:
    """Return overlay names in canonical form; ``ValueError`` names an unknown one.

    Accepts a list or comma-separated strings (``["heatmap,cooling"]``), short
    names (``heat``, ``zones``, ``air``, ``trays``, ``rules``) and ``all``.

    Examples
    --------
    >>> normalize_overlays(["heat,zones", "violations"])
    ('heatmap', 'cooling', 'violations')
    """
    out: list[str] = []
    for item in names or ():
        for raw in str(item).split(","):
            n = raw.strip().lower()
            if not n:
                continue
            for key in OVERLAYS if n == "all" else (_ALIASES.get(n, n),):
                if key not in OVERLAYS:
                    raise ValueError(f"unknown overlay {raw.strip()!r} "
                                     f"(one of {', '.join(OVERLAYS)} or all)")
                if key not in out:
                    out.append(key)
    return tuple(out)


@dataclass
class PlanInfo:
    """What :func:`render_floor_plan` drew: renderer, scale, strips and where each part
    stands on the page (:attr:`boxes`)."""

    renderer: str  # "scene" (designer.canvas) or "fallback" (this module)
    units_per_m: float
    strips: int
    paper_scale: int | None = None
    fallback_reason: str = ""
    bottom: float = 0.0  # device y where the drawing (legend included) ends
    turned: bool = False  # drawn a quarter turn to the left (north points left)
    numbered_units: int = 0  # cooling units too small for their name, showing its number
    boxes: PlanBoxes | None = None  # where each part stands on the page


# -- decorations: row labels, north arrow, scale bar, legend -----------------------------------

def _device_boxes(m: PlanMap, boxes: np.ndarray) -> np.ndarray:
    """Map (N, 4) plan boxes in metres to (N, 4) device boxes ``left, top, right, bottom``."""
    if not len(boxes):
        return np.zeros((0, 4))
    w = m.win
    return np.column_stack([m.ox + (boxes[:, 0] - w[0]) * m.s, m.oy + (w[3] - boxes[:, 3]) * m.s,
                            m.ox + (boxes[:, 2] - w[0]) * m.s, m.oy + (w[3] - boxes[:, 1]) * m.s])


class _Obstacles:
    """Device boxes of the racks and cooling units a label must not cover, by their top."""

    def __init__(self, boxes: np.ndarray) -> None:
        order = np.argsort(boxes[:, 1], kind="stable") if len(boxes) else np.zeros(0, np.int64)
        self.boxes = boxes[order]
        self.tallest = float((boxes[:, 3] - boxes[:, 1]).max()) if len(boxes) else 0.0

    def hits(self, r: QRectF) -> np.ndarray:
        """Return the boxes that ``r`` overlaps (more than a hairline)."""
        b = self.boxes
        lo = np.searchsorted(b[:, 1], r.top() - self.tallest, side="left")
        hi = np.searchsorted(b[:, 1], r.bottom(), side="right")
        near = b[lo:hi]
        eps = 0.2
        hit = ((near[:, 0] < r.right() - eps) & (near[:, 2] > r.left() + eps)
               & (near[:, 1] < r.bottom() - eps) & (near[:, 3] > r.top() + eps))
        return near[hit]


def _label_place(obstacles: _Obstacles, width: float, height: float, yc: float,
                 row_left: float, row_right: float, lo: float, hi: float,
                 gap: float, far: bool = True) -> QRectF | None:
    """Return where a row's label of ``width`` covers no rack or unit, or ``None``.

    Left of the row first (as a reader looks for it), then right of it; with ``far``,
    moved further left (then right) past what it would cover; always within ``lo``
    to ``hi`` (the strip and its gutter).
    """
    for side in (-1, 1):
        x = row_left - gap - width if side < 0 else row_right + gap
        for _ in range(8 if far else 1):
            if x < lo - 0.01 or x + width > hi + 0.01:
                break
            r = QRectF(x, yc - height / 2, width, height)
            hit = obstacles.hits(r)
            if not len(hit):
                return r
            x = (float(hit[:, 0].min()) - gap - width if side < 0
                 else float(hit[:, 2].max()) + gap)
    return None


def _aisle_place(obstacles: _Obstacles, width: float, height: float, ends: tuple,
                 faces: tuple[float, float], hall: QRectF, gap: float) -> QRectF | None:
    """Return a place for a row's label in the aisle beside one of its ends, or ``None``.

    ``ends`` are the row's left and right ends and ``faces`` its top and bottom edges
    (device units, y down): the label stands just above the row, in line with its left
    end, else just below it, then likewise at its right end; inside the ``hall`` and
    clear of racks and units (with ``gap`` to spare towards the row across the aisle).
    """
    for x in (ends[0], ends[1] - width):
        for y in (faces[0] - gap - height, faces[1] + gap):
            r = QRectF(x, y, width, height)
            if hall.contains(r) and not len(obstacles.hits(r.adjusted(0, -gap, 0, gap))):
                return r
    return None


def _row_labels(p: QPainter, m: PlanMap, geo: PlanGeometry, pt: float,
                bounds: tuple[float, float], taken: np.ndarray | None = None) -> np.ndarray:
    """Name the rows of the window ``m.win`` where no rack or cooling unit is under the name.

    A name goes just left of its row, else just right of it; where units stand against
    both ends (a gallery of CRAHs), in the aisle beside the row's end; else further left
    past what it would cover, then right. One that finds no free place (or would cover
    another name) is left out. ``bounds`` are the device x a name may take; ``taken``
    (N, 4) device boxes other labels hold (the scene's cable counts, the strip's label).
    A name in an aisle stays within the window: past a strip's cut it would stand in
    the band of the strip's label. Return the (N, 4) device boxes of the names drawn.
    """
    px = max(5.5 * pt, 8.0)  # 8 device pixels at least: legible on a small image
    f = font(px, bold=True)
    p.setFont(f)
    p.setPen(QColor(C["muted"]))
    fm = QFontMetricsF(f)
    boxes = [b for b in (geo.rack_box[m.visible(geo.rack_box)] if geo.n else np.zeros((0, 4)),
                         geo.unit_box[m.visible(geo.unit_box)] if len(geo.unit_box)
                         else np.zeros((0, 4)))]
    obstacles = _Obstacles(np.concatenate([_device_boxes(m, np.concatenate(boxes)),
                                           taken if taken is not None else np.zeros((0, 4))]))
    height = fm.ascent() + fm.descent() * 0.5
    hb = geo.hall_bounds
    hall = QRectF(m.p(hb[0], hb[3]), m.p(hb[2], hb[1])).normalized().intersected(m.rect(m.win))
    gap = 1.5 * pt
    placed: list[QRectF] = []
    rows = sorted(geo.rows, key=lambda r: -(r[2] + r[4]))  # top of the page first
    for name, x0, y0, x1, y1 in rows:
        if y1 < m.win[1] or y0 > m.win[3] or x1 < m.win[0] or x0 > m.win[2]:
            continue
        start = m.p(x0, (y0 + y1) / 2)  # the plan is centred in its target: follow the row
        yc = start.y()
        width = fm.horizontalAdvance(name) + 2 * pt
        right = m.p(x1, y0).x()
        r = _label_place(obstacles, width, height, yc, start.x(), right, bounds[0], bounds[1],
                         gap, far=False)
        if r is None:
            r = _aisle_place(obstacles, width, height, (start.x(), right),
                             (m.p(x0, y1).y(), m.p(x0, y0).y()), hall, gap)
        if r is None:
            r = _label_place(obstacles, width, height, yc, start.x(), right, bounds[0],
                             bounds[1], gap)
        if r is None or any(r.adjusted(0, -0.5 * pt, 0, 0.5 * pt).intersects(q)
                            for q in placed):
            continue
        placed.append(r)
        # a light backing keeps the name legible over a tray or cable bundle beside the row
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 210))
        p.drawRoundedRect(r, 1.2 * pt, 1.2 * pt)
        p.setPen(QColor(C["muted"]))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, name)
    return np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in placed],
                    np.float64).reshape(-1, 4)


def _north_arrow(p: QPainter, at: QPointF, pt: float, angle: float = 0.0) -> None:
    """Draw the north arrow (plan +y) with its tip near ``at``, turned by ``angle`` degrees."""
    h = 18 * pt
    p.save()
    p.translate(at.x(), at.y() + h * 0.5)
    p.rotate(angle)
    path = QPainterPath()
    path.moveTo(0, -h * 0.5)
    path.lineTo(h * 0.28, h * 0.3)
    path.lineTo(0, h * 0.12)
    path.lineTo(-h * 0.28, h * 0.3)
    path.closeSubpath()
    p.setPen(pen(C["ink"], 0.6 * pt))
    p.setBrush(QColor(C["ink"]))
    p.drawPath(path)
    p.rotate(-angle)
    p.setFont(font(7 * pt, bold=True))
    off = QPointF(0, h * 0.42) if angle == 0 else QPointF(h * 0.68, 0)
    p.drawText(QRectF(off.x() - 10 * pt, off.y() - 1 * pt, 20 * pt, 9 * pt),
               Qt.AlignmentFlag.AlignCenter, "N")
    p.restore()


def _north_extent(pt: float, angle: float = 0.0) -> tuple[float, float, float, float]:
    """Return the box of :func:`_north_arrow` about its ``at``: ``left, top, right, bottom``."""
    h = 18 * pt
    fm = QFontMetricsF(font(7 * pt, bold=True))
    nw, nh = fm.horizontalAdvance("N") / 2, fm.height() / 2
    if angle == 0:  # the arrow from its tip down, the letter under it
        return (-max(h * 0.28, nw), 0.0, max(h * 0.28, nw), h * 0.92 + 3.5 * pt + nh)
    # a quarter turn: the arrow lies across its middle, the letter right of it
    return (-h * 0.5, h * 0.5 - max(h * 0.28, 3.5 * pt + nh),
            h * 0.68 + nw, h * 0.5 + max(h * 0.28, 3.5 * pt + nh))


def _nice(x: float) -> float:
    e = 10 ** math.floor(math.log10(max(x, 1e-9)))
    for f in (1, 2, 5, 10):
        if f * e >= x:
            return f * e
    return 10 * e


def _scale_length(s: float, pt: float) -> float:
    """Return the length in metres a scale bar shows at ``s`` device units per metre."""
    length = _nice(90 * pt / s) if s > 0 else 1.0
    return length / 2 if length * s > 150 * pt else length


def _scale_bar_extent(s: float, pt: float, ratio: int | None) -> tuple[float, float, float,
                                                                         float]:
    """Return the box of :func:`_scale_bar` about its ``left``: ``left, top, right, bottom``."""
    length = _scale_length(s, pt)
    w = length * s
    fm = QFontMetricsF(font(6.5 * pt))
    right = w + fm.horizontalAdvance(f"{length:g} m") / 2
    top = -3.5 * pt
    if ratio:
        right = max(right, w + 6 * pt + fm.horizontalAdvance(f"Scale 1:{ratio}"))
        top = min(top, -1.5 * pt - fm.height() / 2)  # centred 2 pt over the bar's middle
    return (-fm.horizontalAdvance("0") / 2, top, right, 0.5 * pt + fm.height())


def _scale_bar(p: QPainter, left: QPointF, s: float, pt: float, ratio: int | None) -> float:
    """Draw a scale bar from ``left`` (its baseline); return its width."""
    length = _scale_length(s, pt)
    w = length * s
    h = 3.5 * pt
    p.setPen(pen(C["ink"], 0.5 * pt))
    for k in range(4):
        p.setBrush(QColor(C["ink"]) if k % 2 == 0 else QColor("white"))
        p.drawRect(QRectF(left.x() + k * w / 4, left.y() - h, w / 4, h))
    p.setFont(font(6.5 * pt))
    for frac in (0.0, 0.5, 1.0):
        v = length * frac
        txt = f"{v:g}" + (" m" if frac == 1.0 else "")
        p.drawText(QRectF(left.x() + w * frac - 20 * pt, left.y() + 0.5 * pt, 40 * pt, 8 * pt),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, txt)
    if ratio:
        p.drawText(QRectF(left.x() + w + 6 * pt, left.y() - h - 2 * pt, 80 * pt, 8 * pt),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"Scale 1:{ratio}")
    return w


def _legend_entry_width(kind: str, data: Any, pt: float) -> tuple[float, float]:
    """Return the width a legend entry inks and the space after it."""
    if kind == "title":
        return QFontMetricsF(font(6.5 * pt, bold=True)).horizontalAdvance(data), 6 * pt
    text = QFontMetricsF(font(6.5 * pt)).horizontalAdvance(data[1])
    return ((89 * pt + text, 15 * pt) if kind == "lut" else (13 * pt + text, 9 * pt))


def _legend_size(placed, pt: float) -> tuple[float, float]:
    """Return the width and depth the legend entries ``placed`` take."""
    if not placed:
        return 0.0, 0.0
    right = max(x + _legend_entry_width(kind, data, pt)[0] for kind, data, x, _row in placed)
    return right, 10 * pt * (max(row for *_, row in placed) + 1)


def _place_legend(items, width: float, pt: float) -> list[tuple[str, Any, float, int]]:
    """Lay legend entries out in rows of ``width``: ``(kind, data, x, row)``."""
    out = []
    x, row = 0.0, 0
    for kind, data in items:
        ink, pad = _legend_entry_width(kind, data, pt)
        need = ink + pad
        if (x + need > width and x > 0) or (kind == "title" and x > 0):
            x, row = 0.0, row + 1
        out.append((kind, data, x, row))
        x += need
    return out


def _draw_legend(p: QPainter, band: QRectF, placed, pt: float) -> None:
    row_h = 10 * pt
    for kind, data, dx, row in placed:
        x, y = band.left() + dx, band.top() + row * row_h
        if kind == "title":
            p.setFont(font(6.5 * pt, bold=True))
            p.setPen(QColor(C["ink"]))
            p.drawText(QRectF(x, y, band.width(), row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, data)
            continue
        p.setFont(font(6.5 * pt))
        if kind == "lut":
            colors, label = data
            w, steps = 84 * pt, 28
            p.setPen(Qt.PenStyle.NoPen)
            for k in range(steps):
                p.setBrush(colors[round(k * (len(colors) - 1) / (steps - 1))])
                p.drawRect(QRectF(x + k * w / steps, y + 1.5 * pt, w / steps + 0.3 * pt, 6 * pt))
            p.setPen(QColor(C["ink"]))
            p.drawText(QRectF(x + w + 5 * pt, y, band.width(), row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            continue
        color, label = data
        sw = QRectF(x, y + 1.5 * pt, 10 * pt, 6 * pt)
        if kind == "swatch":
            p.setPen(pen(C["hall_edge"], 0.3 * pt))
            p.setBrush(color)
            p.drawRect(sw)
        elif kind == "outline":
            p.setPen(pen(color, 1.2 * pt))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(sw)
        else:
            p.setPen(pen(color, 1.2 * pt))
            p.drawLine(QPointF(sw.left(), sw.center().y()), QPointF(sw.right(), sw.center().y()))
        p.setPen(QColor(C["ink"]))
        p.drawText(QRectF(x + 13 * pt, y, band.width(), row_h),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


# -- the scene of the designer ---------------------------------------------------------------

class PlanSource:
    """What draws the plan: the designer's :class:`FloorPlanScene`, or :mod:`plandraw`.

    Build one per report with :func:`prepare_plan` and pass it to every
    :func:`render_floor_plan` call, so the scene is made once.
    """

    def __init__(self, layout: Any, analysis: Any, renderer: str = "auto",
                 metric: str = "kw") -> None:
        self.layout, self.analysis = layout, analysis
        self.geo = PlanGeometry(layout, analysis)
        self.scene = None
        self.document = None
        self.error = ""
        self._grid = True
        if renderer in ("auto", "scene"):
            try:
                from designer.canvas import FloorPlanScene
                from designer.document import LayoutDocument

                self.document = LayoutDocument(layout, analysis_mode="sync", autosave_ms=0)
                self.scene = FloorPlanScene(self.document)
                self.use_metric(metric)
            except Exception as exc:  # the fallback draws the same plan; say why in PlanInfo
                if renderer == "scene":
                    raise
                self.error = f"{type(exc).__name__}: {exc}"
                self.scene = self.document = None

    def use_metric(self, metric: str) -> str:
        """Colour the scene's racks by ``metric`` (as the designer's Colour by does); return
        the metric the racks now show (the fallback drawing colours by power: ``"kw"``)."""
        if self.scene is None:
            return "kw"
        if metric != self.scene.metric:
            self.scene.set_metric(metric)
        return metric

    def close(self) -> None:
        """Release the scene and end its document cleanly."""
        if self.document is not None:
            self.document.close()
        if self.scene is not None:
            self.scene.clear()
        self.scene = self.document = None

    @property
    def renderer(self) -> str:
        """``"scene"`` or ``"fallback"``."""
        return "scene" if self.scene is not None else "fallback"

    def set_overlays(self, overlays: tuple[str, ...]) -> None:
        """Show exactly these overlays in the scene."""
        if self.scene is None:
            return
        for key in self.scene.overlays:
            self.scene.set_overlay(key, key in overlays)

    def show_grid(self, on: bool) -> None:
        """Show or hide the scene's floor-tile grid.

        The grid clips itself to the hall outline, replacing the painter's clip,
        so a strip of a long hall would show grid lines beyond the strip; the
        grid is hidden when a plan is cut into strips (the scale bar remains).
        """
        if self.scene is None or self._grid == on:
            return
        hall = self.layout.hall
        self.scene.floor.set_hall(list(hall.outline), hall.tile_m if on else None)
        self._grid = on

    def draw_scene(self, p: QPainter, m: PlanMap, left: float = 0.0, pt: float = 1.0,
                   row_labels: bool = True) -> int:
        """Render the scene's window ``m.win`` at the map's exact scale.

        ``left`` device units more are rendered left of the window, where the
        scene puts its row labels. The scene draws labels and hairlines in
        device pixels (it is made for screens): the PDF's resolution makes a
        pixel :data:`SCENE_PIXEL_PT` points.

        The scene names a cooling unit only when the name fits across it at its
        screen size; on paper a unit is often narrower, so the report draws the
        CRAHs and CDUs itself (:func:`_draw_units`, names along a narrow unit's
        long side), between two passes of the scene: what lies under the units,
        then what lies over them (obstacles, trays, feeds, overlays, labels).
        Return how many units show their number for their name. Without
        ``row_labels`` the scene's own (screen-sized) row labels stay out.
        """
        rows = getattr(self.scene, "row_labels", None)
        shown_rows = rows is not None and rows.isVisible()
        if shown_rows and not row_labels:
            rows.setVisible(False)
        try:
            return self._draw_scene(p, m, left, pt)
        finally:
            if shown_rows:
                rows.setVisible(True)

    def _draw_scene(self, p: QPainter, m: PlanMap, left: float, pt: float) -> int:
        from designer.canvas.items import Z_UNIT, CoolingUnitItem

        x0, y0, x1, y1 = m.win
        dx = left / m.s if m.s > 0 else 0.0
        target = m.rect((x0, y0, x1, y1)).adjusted(-left, 0, 0, 0)
        source = QRectF(x0 - dx, -y1, x1 - x0 + dx, y1 - y0)
        kinds = {u.id: u.kind for u in self.layout.cooling}
        units = [it for it in self.scene.items() if isinstance(it, CoolingUnitItem)
                 and kinds.get(it.model_id) in ("crah", "cdu") and it.isVisible()]
        if not units:
            self.scene.render(p, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)
            return 0
        own = set(units)
        tops = [it for it in self.scene.items() if it.parentItem() is None]
        shown = [it.isVisible() for it in tops]
        empty = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
        below = [it for it in self.scene.items()
                 if (it.topLevelItem() in own or it.topLevelItem().zValue() <= Z_UNIT)
                 and not it.flags() & empty]
        try:
            for it, vis in zip(tops, shown, strict=True):
                it.setVisible(vis and it not in own and it.zValue() <= Z_UNIT)
            self.scene.render(p, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)
            shortened = _draw_units(p, m, units, kinds, self.scene, pt)
            # the upper pass paints only what lies above the units; what lies below stays
            # visible with no contents, so items that look their neighbours up while they
            # paint (rack labels find their racks) still find them
            for it, vis in zip(tops, shown, strict=True):
                it.setVisible(vis)
            for it in below:
                it.setFlag(empty, True)
            self.scene.render(p, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)
        finally:
            for it in below:
                it.setFlag(empty, False)
            for it, vis in zip(tops, shown, strict=True):
                it.setVisible(vis)
        return shortened

    def pill_boxes(self, p: QPainter) -> np.ndarray:
        """Return the cable-count pills the scene last painted as (N, 4) boxes in ``p``'s
        coordinates (``left, top, right, bottom``): row names keep clear of them."""
        cables = self.scene.overlays.get("cables") if self.scene is not None else None
        pills = getattr(cables, "pills", None) if cables is not None and cables.isVisible() \
            else None
        if not pills:
            return np.zeros((0, 4))
        back, ok = p.worldTransform().inverted()
        if not ok:
            return np.zeros((0, 4))
        rects = [back.mapRect(box) for _text, box in pills]
        return np.array([(r.left(), r.top(), r.right(), r.bottom()) for r in rects], np.float64)

    def legend_items(self, overlays: tuple[str, ...]) -> list:
        """Legend entries for the scene's colours and visible overlays."""
        from designer.canvas import METRICS
        from designer.canvas.style import PALETTE

        sc = self.scene
        cmap = METRICS[sc.metric]
        lo, hi = sc.metric_range
        items: list = [("lut", (cmap.colors, f"{cmap.label}: {lo:g}–{hi:g} {cmap.unit}"))]
        kinds = {u.kind for u in self.layout.cooling}
        for kind, fill, label in (("crah", PALETTE.crah_fill, "CRAH"),
                                  ("cdu", PALETTE.cdu_fill, "CDU"),
                                  ("rear_door", PALETTE.door, "Rear door")):
            if kind in kinds:
                items.append(("swatch", (QColor(fill), label)))
        items.append(("line", (QColor(PALETTE.rack_front), "Rack front (cold aisle)")))
        if self.layout.feeds:
            items.append(("line", (QColor(PALETTE.feed_a), "Feed A")))
            items.append(("line", (QColor(PALETTE.feed_b), "Feed B")))
        if self.layout.trays:
            items.append(("line", (QColor(PALETTE.tray_fill), "Cable tray")))
        for key in overlays:
            ov = sc.overlays.get(key)
            leg = ov.legend() if ov is not None else None
            if leg:
                title, entries = leg
                items.append(("title", title))
                items.extend(("swatch", (QColor(c), label)) for c, label in entries)
        return items


def _draw_units(p: QPainter, m: PlanMap, units: list, kinds: dict[str, str], scene: Any,
                pt: float) -> int:
    """Draw the scene's CRAHs and CDUs as it does (fill, edge, load bar), named legibly.

    Return how many units show their number for their name.
    """
    from designer.canvas.style import PALETTE

    shortened = 0
    for it in units:
        r = m.rect(it.plan_box())
        util = scene.unit_utilization(it.model_id)
        over = util is not None and util > 1.0
        fill, edge = ((PALETTE.crah_fill, PALETTE.crah_edge) if kinds[it.model_id] == "crah"
                      else (PALETTE.cdu_fill, PALETTE.cdu_edge))
        line = QPen(QColor(PALETTE.error if over else edge), 1.5)
        line.setCosmetic(True)  # as the scene's: 1.5 device pixels
        p.setPen(line)
        p.setBrush(QColor(fill))
        p.drawRect(r)
        bar_h = min(r.height() * 0.18, 0.25 * m.s)
        if r.height() > 6:  # load bar along the bottom edge: share of capacity in use
            frac = min(max(round((util or 0.0) * 100) / 100, 0.0), 1.0)
            p.fillRect(QRectF(r.left(), r.bottom() - bar_h, r.width() * frac, bar_h),
                       QColor(PALETTE.error if over else edge))
        pct = f"{util * 100:.0f} %" if util is not None else ""
        if unit_label(p, r.adjusted(0, 0, 0, -bar_h), it.model_id, pct, pt,
                      QColor(PALETTE.text), unit_number(it.model_id)) == "short":
            shortened += 1
    return shortened


def prepare_plan(layout: Any, analysis: Any, renderer: str = "auto",
                 metric: str = "kw") -> PlanSource:
    """Return the plan source for a report: the designer's scene when available.

    ``renderer``: ``"auto"`` (scene, else fallback), ``"scene"`` (raise if the
    scene cannot be built) or ``"fallback"`` (this module's drawing). ``metric``
    colours the scene's racks as the designer's Colour by does (``"kw"``,
    ``"utilization"``, ``"liquid"``); the fallback colours by power.
    """
    return PlanSource(layout, analysis, renderer, metric)


# -- entry point -------------------------------------------------------------------------------

def _box(r: QRectF) -> tuple[float, float, float, float]:
    return (r.left(), r.top(), r.right(), r.bottom())


def _rect(b) -> QRectF:
    return QRectF(QPointF(b[0], b[1]), QPointF(b[2], b[3]))


def _strip_label(win: tuple, along_y: bool, room: float, pt: float,
                 hall: tuple | None = None):
    """Return a strip's label ``(text, font, width, height)`` within ``room`` device units.

    The span with its axis and unit (``"y 0–94 m"``) in 6 pt, else the span alone, then
    smaller down to 4 pt; ``("", ...)`` of no width when even that does not fit. The
    span is the hall's part the strip shows (``hall``: its bounds), not the margin
    around it: a 29.4 m hall's last strip ends at 29.4, not 30.
    """
    lo, hi = (win[1], win[3]) if along_y else (win[0], win[2])
    if hall is not None:
        h_lo, h_hi = (hall[1], hall[3]) if along_y else (hall[0], hall[2])
        lo, hi = max(lo, h_lo), min(hi, h_hi)
    def m(v: float) -> str:  # to a tenth of a metre, whole metres without the ".0"
        return f"{v:.1f}".removesuffix(".0")

    span = f"{m(max(lo, 0))}–{m(hi)}"
    for size, text in ((6, f"{'y' if along_y else 'x'} {span} m"), (6, span), (5, span),
                       (4, span)):
        f = font(size * pt, bold=True)
        fm = QFontMetricsF(f)
        w = fm.horizontalAdvance(text)
        if w <= room:
            return text, f, w, fm.height()
    return "", f, 0.0, 0.0


def _device_pt(p: QPainter, rect: QRectF) -> float:
    dev = p.device()
    try:
        from PySide6.QtGui import QPagedPaintDevice

        if isinstance(dev, QPagedPaintDevice):
            return dev.logicalDpiY() / 72.0
    except ImportError:
        pass
    return max(1.0, min(rect.width(), rect.height() * 1.5) / 640.0)


def _paper_ratio(s: float, mm_per_unit: float | None) -> float | None:
    """Return the standard scale (the N of 1:N) at or below ``s`` device units per metre."""
    if not mm_per_unit or s <= 0:
        return None
    fit = 1000.0 / (s * mm_per_unit)
    return next((int(r) if float(r).is_integer() else r for r in _STANDARD_SCALES
                 if r >= fit - 1e-9), None)


def render_floor_plan(painter: QPainter, rect: QRectF, layout: Any, analysis: Any,
                      overlays: Any = (), *, pt: float | None = None, legend: bool = True,
                      mm_per_unit: float | None = None,
                      source: PlanSource | None = None, rotate: bool | None = None,
                      center: bool = False) -> PlanInfo:
    """Draw the floor plan of ``layout`` to scale into ``rect`` of ``painter``.

    Parameters
    ----------
    painter : QPainter
        Active on any device (PDF page, QImage).
    rect : QRectF
        Where to draw, in device units; legend and scale bar go in its bottom band.
    layout, analysis
        The design and its :class:`engine.analysis.Analysis`.
    overlays : iterable of str
        Any of :data:`OVERLAYS` (``heatmap`` colours racks by kW, ``cooling`` by
        cooling zone with unit utilization; ``airflow``, ``cables``, ``violations``).
    pt : float, optional
        Device units per typographic point (default: from the device).
    legend : bool
        Draw legend, scale bar and north arrow.
    mm_per_unit : float, optional
        Paper millimetres per device unit; when given the plan is set at a
        standard scale (1:100, 1:200, ...) and the bar says so.
    source : PlanSource, optional
        From :func:`prepare_plan`; made here when not given.
    rotate : bool, optional
        Allow turning a wide hall a quarter to fit a tall rectangle (the north
        arrow turns with it); by default only on paper (``mm_per_unit`` given).
    center : bool
        Centre the plan and its legend in ``rect`` when the plan fills its width
        and leaves height over (an image), instead of standing at the top (a page).

    Returns
    -------
    PlanInfo
        Which renderer drew the plan, the scale, the number of strips and the boxes of
        the strips, their labels, the row names, scale bar, legend and north arrow
        (:class:`designer.reports.plangeo.PlanBoxes`, in ``painter``'s coordinates).
    """
    overlays = normalize_overlays(overlays)
    pt = pt or _device_pt(painter, rect)
    if source is None:
        source = prepare_plan(layout, analysis)
        try:
            return render_floor_plan(painter, rect, layout, analysis, overlays, pt=pt,
                                     legend=legend, mm_per_unit=mm_per_unit, source=source,
                                     rotate=rotate, center=center)
        finally:
            source.close()
    source.set_overlays(overlays)
    geo = source.geo
    kw_max = float(geo.rack_kw.max()) if geo.n else 0.0
    if not legend:
        items = []
    elif source.scene is not None:
        items = source.legend_items(overlays)
    else:
        items = legend_items(geo, layout, overlays, kw_max)
    gutter = 24 * pt if geo.rows else 2 * pt
    placed = _place_legend(items, rect.width() - gutter, pt) if legend else []
    rows = (max(r for *_, r in placed) + 1) if placed else 0
    band_h = (20 * pt + 10 * pt * rows) if legend else 0
    area = QRectF(rect.left(), rect.top(), rect.width() - (22 * pt if legend else 0),
                  rect.height() - band_h)
    s, strips, tall = plan_strips(geo, area, pt, gutter)
    ratio = _paper_ratio(s, mm_per_unit)
    turned = False
    if rotate if rotate is not None else bool(mm_per_unit):
        # a wide hall on a tall page: turn it a quarter to the left when that prints it
        # at a finer standard scale (on paper), or 1.3 times larger (on screen)
        s2, strips2, tall2 = plan_strips(geo, QRectF(0, 0, area.height(), area.width()), pt,
                                          gutter)
        ratio2 = _paper_ratio(s2, mm_per_unit)
        if (ratio2 < ratio) if ratio and ratio2 else s2 >= 1.3 * s:
            s, strips, tall, turned, ratio = s2, strips2, tall2, True, ratio2
    if ratio:
        s = 1000.0 / (ratio * mm_per_unit)
    fills = rack_fills(geo, overlays, kw_max) if source.scene is None else []
    source.show_grid(len(strips) == 1)
    maps = [PlanMap(win, target, s) for win, target in strips]
    # the strips' windows in the drawing's frame: turned, its x runs up the page and its y
    # to the right, the plan centred across the page
    frames = np.array([_box(m.rect(m.win)) for m in maps], np.float64).reshape(-1, 4)
    lift = max(0.0, (area.width() - float(frames[:, 3].max())) / 2) \
        if turned and len(frames) else 0.0
    origin = (area.left(), area.bottom())
    hall_bounds = tuple(float(v) for v in layout.hall.bounds())
    names = [_strip_label(m.win, tall, f[2] - f[0] + (gutter if tall else 0.0), pt,
                          hall_bounds)
             for m, f in zip(maps, frames, strict=True)] if len(strips) > 1 else []
    label_boxes = strip_label_boxes(frames[:len(names)], np.array(
        [(w, h) for _text, _f, w, h in names], np.float64).reshape(-1, 2), along_y=tall,
        gutter=gutter, pt=pt)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    shift = 0.0
    if center and not turned and strips:
        # the drawing ends where the legend band does: split the height left over
        used = float(frames[:, 3].max())
        end = min(used + 8 * pt, rect.bottom() - band_h + 6 * pt) + band_h - 6 * pt \
            if legend else used
        shift = max(0.0, (rect.bottom() - end) / 2)
        painter.translate(0, shift)
    numbered = 0
    # the report names the rows itself, in points and clear of racks and units (the
    # scene's screen-sized labels sit left of each row whatever is there: a CRAH column)
    own_rows = True
    if turned:
        painter.save()
        painter.translate(*origin)
        painter.rotate(-90)
        painter.translate(0, lift)
    row_boxes = []
    # the gutter left of a strip holds its row names: the scene's own when it names them
    left = 0.0 if own_rows else gutter - pt
    for k, m in enumerate(maps):
        r = m.rect(m.win)
        painter.save()
        # only the strip's own window: a unit across a cut is cut there, and nothing of a
        # neighbouring strip shows below a short one (its target was sized before the plan
        # took a standard scale) or in its gutter, left of it
        painter.setClipRect(r.adjusted(-left - 1, -1, 1, 1))
        if source.scene is not None:
            numbered += source.draw_scene(painter, m, left, pt, not own_rows)
        else:
            numbered += draw_plan(painter, m, layout, geo, overlays, pt, fills)
        painter.restore()
        if own_rows:
            taken = np.concatenate([source.pill_boxes(painter), label_boxes])
            row_boxes.append(_row_labels(painter, m, geo, pt, (r.left() - gutter + pt,
                                                               r.right()), taken))
        if k < len(names) and names[k][0]:
            text, f, _w, _h = names[k]
            painter.setFont(f)
            painter.setPen(QColor(C["muted"]))
            painter.drawText(_rect(label_boxes[k]),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    if turned:
        painter.restore()
    angle = -90.0 if turned else 0.0
    drawn = [n[0] != "" for n in names]
    boxes = plan_boxes(
        to_page(frames, turned, origin, lift), to_page(label_boxes[drawn], turned, origin, lift),
        to_page(np.concatenate(row_boxes) if row_boxes else np.zeros((0, 4)), turned, origin,
                lift),
        rect=_box(rect), band_h=band_h, gutter=gutter, pt=pt,
        scale_bar=_scale_bar_extent(s, pt, ratio), legend=_legend_size(placed, pt),
        # turned, the arrow's "N" stands beside it rather than under it: the arrow moves
        # in so the letter stays inside the frame
        north=_north_extent(pt, angle),
        north_at=(rect.right() - (23 if turned else 11) * pt, rect.top() + 2 * pt))
    if legend:
        _north_arrow(painter, QPointF(*boxes.north_at), pt, angle)
        _scale_bar(painter, QPointF(*boxes.scale_at), s, pt, ratio)
        _draw_legend(painter, QRectF(*boxes.legend_at, rect.width() - gutter, band_h - 20 * pt),
                     placed, pt)
    painter.restore()
    boxes = boxes.shifted(shift)
    return PlanInfo(source.renderer, s, len(strips), ratio, source.error, boxes.bottom, turned,
                    numbered, boxes)
