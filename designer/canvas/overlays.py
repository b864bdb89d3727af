"""Overlays: each one item that paints numpy arrays computed from the latest analysis.

Following pyqtgraph's ScatterPlotItem idiom, an overlay turns the analysis
into arrays once per update (:meth:`OverlayItem.refresh`) and paints them in a
few bulk calls; nothing here makes an item per rack. Overlays live under an
:class:`OverlayLayer` container that draws nothing (``ItemHasNoContents``),
take no mouse buttons, and refresh only while visible.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas.items import BoundedItem, footprint_half
from designer.canvas.style import CATEGORICAL, PALETTE, _lut, cosmetic, label_font
from engine.compile import front_vectors, rack_geometry

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene
    from engine.analysis import Analysis
    from engine.model import Layout

__all__ = ["OverlayLayer", "OverlayItem", "OverlayPart", "HeatmapOverlay", "CoolingOverlay", "AirflowOverlay",
           "CablesOverlay", "ViolationsOverlay", "OVERLAY_CLASSES", "HEAT_LUT", "free_label_box"]

Z_OVERLAY = 30
#: the least a powered rack's own spot shows of the heat ramp (0..1)
MIN_GLOW = 0.55
HEAT_LUT = _lut([(0.0, "#fff7bc"), (0.3, "#fec44f"), (0.6, "#f03b20"), (1.0, "#7a0177")])


class OverlayLayer(QGraphicsItem):
    """A container of overlays; draws nothing itself."""

    def __init__(self, z: float = Z_OVERLAY) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(z)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:  # pragma: no cover - no contents
        pass


class OverlayItem(BoundedItem):
    """Base of the overlays: bounds of the hall, arrays refreshed from an analysis."""

    key = ""
    title = ""

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self._fp = scene
        #: the overlay's text, when it must read above what the overlay itself stays under
        #: (the scene puts it in its top layer), and what it draws under the racks (in the
        #: scene's bottom layer); each shown and hidden with the overlay
        self.labels: OverlayPart | None = None
        self.underlay: OverlayPart | None = None
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)
        self._stale = True

    def set_bounds(self, rect: QRectF) -> None:
        """Set the scene rectangle the overlay and its parts paint in."""
        super().set_bounds(rect)
        for part in self.parts():
            part.set_bounds(rect)

    def parts(self) -> list[OverlayPart]:
        """Return the overlay's parts drawn in other layers (labels, underlay)."""
        return [p for p in (self.labels, self.underlay) if p is not None]

    def mark_stale(self) -> None:
        """Refresh now if visible, or when next shown."""
        self._stale = True
        if self.isVisible():
            self.refresh_now()

    def refresh_now(self) -> None:
        """Recompute the arrays from the scene's layout and analysis."""
        a = self._fp.analysis
        if a is not None:
            self.refresh(self._fp.document.layout, a)
        self._stale = False
        self.update()
        for part in self.parts():
            part.update()

    def itemChange(self, change, value):  # noqa: N802 - Qt's name
        if change == QGraphicsItem.GraphicsItemChange.ItemVisibleHasChanged:
            # the overlay shown or hidden itself: its parts in the other layers follow (a
            # layer hidden for a moment, as a report's two-pass render does, is no reason:
            # the part would be hidden when its own layer paints)
            parent = self.parentItem()
            shown = self.isVisibleTo(parent) if parent is not None else bool(value)
            for part in self.parts():
                part.setVisible(shown)
            if value and self._stale:
                self.refresh_now()
        return super().itemChange(change, value)

    def paint_labels(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        """Paint the overlay's text (its :attr:`labels` part); none by default."""

    def paint_underlay(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        """Paint what lies under the racks (its :attr:`underlay` part); none by default."""


class OverlayPart(BoundedItem):
    """A part of an overlay that the scene stacks in another layer (text above the rack
    labels, tints under the racks); the overlay paints it."""

    def __init__(self, overlay: OverlayItem, paint_part) -> None:
        super().__init__()
        self._overlay = overlay
        self._paint_part = paint_part
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        self._paint_part(painter, option)

    def refresh(self, layout: Layout, analysis: Analysis) -> None:  # pragma: no cover
        """Turn the analysis into arrays to paint."""
        raise NotImplementedError

    def legend(self) -> tuple[str, list[tuple[str, str]]] | None:
        """Return ``(title, [(colour, label), ...])`` for the view's legend, or None."""
        return None


def _rack_geometry(analysis: Analysis) -> tuple[np.ndarray, ...]:
    arr = analysis.arrays
    hx, hy = rack_geometry(arr.rack_x_m, arr.rack_y_m, arr.rack_w_m, arr.rack_d_m,
                           arr.rack_rot_deg)
    return (arr.rack_x_m.copy(), arr.rack_y_m.copy(), hx, hy,
            *front_vectors(arr.rack_rot_deg))


class HeatmapOverlay(OverlayItem):
    """Power density (kW/m², smoothed) as one image over the hall."""

    key = "heatmap"
    title = "Power density"

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(scene, parent)
        self._image: QImage | None = None
        self._target = QRectF()
        self.vmax = 0.0

    def refresh(self, layout: Layout, analysis: Analysis) -> None:
        x0, y0, x1, y1 = layout.hall.bounds()
        tile = layout.hall.tile_m or 0.6
        cell = max(tile / 2, (x1 - x0) / 800, (y1 - y0) / 800)
        nx = max(1, math.ceil((x1 - x0) / cell))
        ny = max(1, math.ceil((y1 - y0) / cell))
        grid = np.zeros((ny, nx))
        x, y = analysis.arrays.rack_x_m, analysis.arrays.rack_y_m
        kw = analysis.power.rack_kw
        if len(x):
            ix = np.clip(((x - x0) / cell).astype(np.int64), 0, nx - 1)
            iy = np.clip(((y - y0) / cell).astype(np.int64), 0, ny - 1)
            np.add.at(grid, (iy, ix), kw)
        from scipy.ndimage import gaussian_filter

        # kW per m² of floor, smoothed over about a rack footprint so peaks stay on the racks
        density = gaussian_filter(grid / (cell * cell), sigma=max(0.6 / cell, 0.8),
                                  mode="constant")
        positive = density[density > 1e-6]
        self.vmax = float(np.percentile(positive, 99)) if positive.size else 1.0
        # colour by the square root of the share of the peak: on a linear ramp a lone rack
        # of half a dense row's power (one dropped on its own) glows pale over its own fill
        t = np.sqrt(np.clip(density / max(self.vmax, 1e-9), 0.0, 1.0))
        on = kw > 0
        if on.any():
            # and every rack that draws power glows at least a little, however light: a halo
            # by the distance to the nearest one (not a sum: a row is no brighter for it)
            from scipy.ndimage import distance_transform_edt

            powered = np.ones((ny, nx), bool)
            powered[iy[on], ix[on]] = False
            d_m = distance_transform_edt(powered) * cell
            floor = np.exp(-0.5 * (d_m / 0.6) ** 2)
            t = np.maximum(t, MIN_GLOW * floor)
        rgba = HEAT_LUT[np.round(t * 255).astype(np.int64)].copy()
        rgba[..., 3] = np.round(np.power(t, 1.1) * 185).astype(np.uint8)
        rgba = np.ascontiguousarray(rgba[::-1])  # image rows run top (high y) down
        self._image = QImage(rgba.tobytes(), nx, ny, nx * 4, QImage.Format.Format_RGBA8888).copy()
        self._target = QRectF(x0, -(y0 + ny * cell), nx * cell, ny * cell)

    def color_at(self, x_m: float, y_m: float) -> QColor:
        """Return the overlay's colour (with its alpha) at a plan point; clear when none."""
        img, r = self._image, self._target
        if img is None or r.isEmpty():
            return QColor(0, 0, 0, 0)
        col = int((x_m - r.left()) / r.width() * img.width())
        row = int((-y_m - r.top()) / r.height() * img.height())
        if not (0 <= col < img.width() and 0 <= row < img.height()):
            return QColor(0, 0, 0, 0)
        return img.pixelColor(col, row)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self._image is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self._target, self._image)

    def legend(self):
        # a colour k of the ramp shows (k / 255)² of the peak density (see refresh): each
        # swatch is the colour of a round density, in even steps up to the peak
        levels = density_levels(self.vmax)
        entries = []
        for n, v in enumerate(levels):
            k = int(round(255 * math.sqrt(min(v / max(self.vmax, 1e-9), 1.0))))
            text = f"{v:g}" if n < len(levels) - 1 else f"≥{v:g}"
            entries.append((QColor(*map(int, HEAT_LUT[k][:3])).name(), text))
        return (f"{self.title} (kW/m²)", entries)


def density_levels(vmax: float) -> list[float]:
    """Return the round densities a power-density legend names for a peak of ``vmax``:
    half a step, then whole steps of 1, 2 or 5 x 10^k up to the last at or below the
    peak (two to five of them).

    Examples
    --------
    >>> density_levels(36.0)
    [5.0, 10.0, 20.0, 30.0]
    >>> density_levels(80.0)
    [10.0, 20.0, 40.0, 60.0, 80.0]
    >>> density_levels(41.0)
    [5.0, 10.0, 20.0, 30.0, 40.0]
    >>> density_levels(0.0)
    [0.1, 0.2, 0.4, 0.6, 0.8, 1.0]
    """
    vmax = vmax if vmax > 0 else 1.0
    raw = vmax / 5
    e = 10.0 ** math.floor(math.log10(raw))
    step = next(f * e for f in (1, 2, 5, 10) if f * e >= raw * (1 - 1e-9))
    top = max(1, math.floor(vmax / step + 1e-9))
    return [round(step / 2, 12)] + [round(i * step, 12) for i in range(1, top + 1)]


class CoolingOverlay(OverlayItem):
    """Cooling zones: each rack joined to its CRAH (solid) and CDU (dashed), zone hulls."""

    key = "cooling"
    title = "Cooling zones"
    #: how far a zone's shading reaches past its racks (metres)
    ZONE_MARGIN_M = 0.3

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(scene, parent)
        self._groups: list[tuple[QColor, list[QLineF], list[QLineF], QPolygonF | None]] = []
        # the zones' tint lies under the racks: a rack keeps the colour of its metric
        self.underlay = OverlayPart(self, self.paint_underlay)

    def refresh(self, layout: Layout, analysis: Analysis) -> None:
        import shapely

        c = analysis.cooling
        units = {u.id: u for u in layout.cooling}
        x, y, hx, hy, _, _ = _rack_geometry(analysis)
        self._groups = []
        color_k = 0
        for ui, uid in enumerate(c.unit_ids):
            u = units.get(uid)
            if u is None or u.kind == "rear_door":
                continue
            color = QColor(CATEGORICAL[color_k % len(CATEGORICAL)])
            color_k += 1
            air = np.flatnonzero(c.rack_crah == ui)
            liq = np.flatnonzero((c.rack_cdu == ui) & (c.rack_liquid_kw > 0))
            solid = _lines_to_unit(u, x[air], y[air])
            dashed = _lines_to_unit(u, x[liq], y[liq])
            members = np.union1d(air, liq)
            hull = None
            if len(members):
                pts = np.concatenate([
                    np.stack([x[members] - hx[members], y[members] - hy[members]], 1),
                    np.stack([x[members] + hx[members], y[members] + hy[members]], 1),
                    np.stack([x[members] - hx[members], y[members] + hy[members]], 1),
                    np.stack([x[members] + hx[members], y[members] - hy[members]], 1)])
                # the zone is its racks' area and a margin round it: the racks, opaque,
                # cover the area itself, so the margin is what shows of the zone (the
                # lines reach the unit, whose label stays clear)
                g = shapely.convex_hull(shapely.multipoints(pts)).buffer(
                    self.ZONE_MARGIN_M, join_style="mitre")
                if g.geom_type == "Polygon":
                    hull = QPolygonF([QPointF(px, -py) for px, py in g.exterior.coords])
            self._groups.append((color, solid, dashed, hull))

    def _clear_row_labels(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        """Clip the painter (saved by the caller) to leave the row labels clear."""
        t = painter.worldTransform()
        boxes = self._fp.row_labels.label_boxes(t)
        if boxes:
            inv, _ok = t.inverted()
            keep = QPainterPath()
            keep.addRect(option.exposedRect)
            for b in boxes:
                keep.addRect(inv.mapRect(b.adjusted(-2, -2, 2, 2)))
            keep.setFillRule(Qt.FillRule.OddEvenFill)
            painter.setClipPath(keep, Qt.ClipOperation.IntersectClip)

    def paint_underlay(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        painter.save()
        # a zone's margin reaches the row labels beside its racks: they read on the floor
        self._clear_row_labels(painter, option)
        self._paint_zones(painter)
        painter.restore()

    def _paint_zones(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for color, _solid, _dashed, hull in self._groups:
            if hull is not None:
                fill = QColor(color)
                fill.setAlpha(60)
                edge = QColor(color)
                edge.setAlpha(170)
                painter.setBrush(fill)
                painter.setPen(cosmetic(edge, 1.2))
                painter.drawPolygon(hull)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.save()  # (the view does not save the painter around each item)
        self._clear_row_labels(painter, option)  # the lines stop short of the row labels
        for color, solid, dashed, _ in self._groups:
            line = QColor(color)
            line.setAlpha(150)
            if solid:
                painter.setPen(cosmetic(line, 1))
                painter.drawLines(solid)
            if dashed:
                painter.setPen(cosmetic(line, 1, Qt.PenStyle.DashLine))
                painter.drawLines(dashed)
        painter.restore()

    def legend(self):
        return (self.title, [(CATEGORICAL[0], "a colour per unit, shaded zone"),
                             (PALETTE.text_muted, "solid: rack → nearest CRAH"),
                             (PALETTE.text_muted, "dashed: rack → its CDU")])


def _lines_to_unit(u, px: np.ndarray, py: np.ndarray) -> list[QLineF]:
    """Lines from racks at ``(px, py)`` (plan) to a unit: to the point where a CRAH draws
    room air when it has one, else to the edge of the unit's footprint (its label stays
    readable)."""
    if not len(px):
        return []
    if u.kind == "crah" and u.return_xy_m is not None:
        tx, ty = u.return_xy_m
        ex, ey = np.full(len(px), float(tx)), np.full(len(px), float(ty))
    else:
        hx, hy = footprint_half(u.width_m, u.depth_m, u.rotation_deg)
        dx, dy = px - u.x_m, py - u.y_m
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.minimum(np.where(dx != 0, hx / np.abs(dx), np.inf),
                           np.where(dy != 0, hy / np.abs(dy), np.inf))
        s = np.clip(np.nan_to_num(s, posinf=1.0), 0.0, 1.0)
        ex, ey = u.x_m + dx * s, u.y_m + dy * s
    return [QLineF(a, -b, c, -d) for a, b, c, d in
            zip(ex.tolist(), ey.tolist(), px.tolist(), py.tolist(), strict=True)]


class AirflowOverlay(OverlayItem):
    """Air through each rack, front (cold, blue) to rear (hot, red)."""

    key = "airflow"
    title = "Airflow"

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(scene, parent)
        self._cold: list[QLineF] = []
        self._hot: list[QLineF] = []
        self._min_depth = 1.0

    def refresh(self, layout: Layout, analysis: Analysis) -> None:
        x, y, hx, hy, fx, fy = _rack_geometry(analysis)
        air = analysis.cooling.rack_air_kw > 1e-9
        x, y, hx, hy, fx, fy = (a[air] for a in (x, y, hx, hy, fx, fy))
        depth = np.where(np.abs(fx) > 0.5, hx, hy) * 2
        half = depth * 0.42
        ax0, ay0 = x + fx * half, y + fy * half  # front
        ax1, ay1 = x - fx * half, y - fy * half  # rear
        head = np.minimum(depth * 0.22, 0.3)
        bx, by = -fx, -fy  # flow direction
        px, py = -by, bx  # perpendicular
        h1x, h1y = ax1 - bx * head + px * head * 0.7, ay1 - by * head + py * head * 0.7
        h2x, h2y = ax1 - bx * head - px * head * 0.7, ay1 - by * head - py * head * 0.7
        self._min_depth = float(depth.min()) if len(depth) else 1.0

        def lines(*cols: np.ndarray) -> list[QLineF]:
            return [QLineF(a, -b, c, -d) for a, b, c, d in np.stack(cols, 1).tolist()]

        self._cold = lines(ax0, ay0, x, y)
        self._hot = lines(x, y, ax1, ay1) + lines(ax1, ay1, h1x, h1y) + lines(ax1, ay1, h2x, h2y)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod * self._min_depth < 10:
            return  # arrows would be specks; the aisle tint says the same at this zoom
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        width = 2.0 if lod * self._min_depth > 40 else 1.4
        # a light halo under each arrow keeps it legible on racks coloured red by load
        halo = cosmetic("#d0ffffff", width + 2.2)
        halo.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(halo)
        for lines in (self._cold, self._hot):
            if lines:
                painter.drawLines(lines)
        for lines, color in ((self._cold, "#1c64d8"), (self._hot, "#d8331c")):
            if lines:
                pen = cosmetic(color, width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawLines(lines)

    def legend(self):
        return (self.title, [("#1c64d8", "cold intake (front)"), ("#d8331c", "hot exhaust (rear)")])


_LINK_COLOR = QColor("#8e24aa")
#: where along a line its label may stand (share of its length), first choice first
_PILL_AT = (0.5, 0.38, 0.62, 0.26, 0.74, 0.14, 0.86)
_PILL_STEP_PX = 12.0  # each further try off the line


def _distance_to_segment(p: QPointF, line: QLineF) -> float:
    """Return the distance from ``p`` to the segment ``line`` (scene units).

    >>> _distance_to_segment(QPointF(1, 1), QLineF(0, 0, 2, 0))
    1.0
    """
    a, b = line.p1(), line.p2()
    dx, dy = b.x() - a.x(), b.y() - a.y()
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / n))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


def free_label_box(poly: QPolygonF, t, width_px: float, taken: list[QRectF],
                   avoid=None, reach_px: float = 0.0) -> QRectF:
    """Return the device box of a label ``width_px`` wide on the polyline ``poly`` (scene
    points, ``t`` the view transform) that meets none of ``taken``.

    Tried at the shares of the line's length in :data:`_PILL_AT`, on the line, then just
    beside it, then further off it, a step at a time up to ``reach_px`` beyond "just
    beside"; ``avoid(box)`` returns more boxes to keep clear of there (the rack labels
    under the line). Where none is free, the place that covers least of them is kept;
    the box joins ``taken``.
    """
    pts = [t.map(poly.at(k)) for k in range(poly.size())]
    seg = [math.hypot(b.x() - a.x(), b.y() - a.y()) for a, b in zip(pts[:-1], pts[1:],
                                                                     strict=True)]
    total = sum(seg)

    def at(share: float) -> tuple[QPointF, QPointF]:
        """The point at a share of the length, and the unit normal there."""
        left = share * total
        for a, b, d in zip(pts[:-1], pts[1:], seg, strict=True):
            if left <= d and d > 0:
                return a + (b - a) * (left / d), QPointF(-(b.y() - a.y()) / d,
                                                         (b.x() - a.x()) / d)
            left -= d
        return pts[-1], QPointF(0.0, 1.0)

    def covered(box: QRectF) -> float:
        others = taken + (avoid(box) if avoid is not None else [])
        return sum(max(0.0, r.width()) * max(0.0, r.height())
                   for r in (box.intersected(o) for o in others))

    best, best_cover = None, math.inf
    extras = [_PILL_STEP_PX * k for k in range(int(reach_px // _PILL_STEP_PX) + 1)]
    sides = [(0.0, 0.0)] + [(side, extra) for extra in extras for side in (-1.0, 1.0)]
    for side, extra in sides:
        for share in _PILL_AT:
            c, normal = at(share) if total > 0 else (pts[0], QPointF(0.0, 1.0))
            # beside the line: a pill's height (or its width, across an upright line) off it
            off = (17.0 if abs(normal.y()) >= abs(normal.x()) else width_px / 2 + 9) + extra
            c = c + normal * (side * off)
            box = QRectF(c.x() - width_px / 2, c.y() - 8, width_px, 16)
            cover = covered(box)
            if cover == 0:
                taken.append(box)
                return box
            if cover < best_cover:
                best, best_cover = box, cover
    taken.append(best)
    return best


class CablesOverlay(OverlayItem):
    """Cable routes bundled by tray: each tray drawn as thick as the cables it carries.

    Uses the cabling's routes (``tray_cables`` by tray id: every cable in each
    tray it runs along, the cross trays between rows included); without routes
    (no links built) each rack's scale-out ports go to its nearest tray, an
    estimate the legend says is one. The bundles lie under the
    rack labels (a label's plate interrupts a bar, as it does a tray or a busway);
    the cable counts, in :attr:`labels`, read above them and keep clear of the row
    labels.
    """

    key = "cables"
    title = "Cables by tray"

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(scene, parent)
        self._bundles: list[tuple[QPolygonF, float, int, str]] = []
        self._drops: list[QLineF] = []
        #: each rack's nearest tray point, as last measured (see :meth:`_tray_counts`)
        self._drop_cache: dict = {}
        #: the links drawn by the user (Edit → Link two racks): rack to rack, with a label
        self.links: list[tuple[QLineF, str]] = []
        self.link_ids: list[str] = []
        self.estimated = True
        self.max_count = 0
        self.labels = OverlayPart(self, self.paint_labels)
        #: the cable counts' pills as last painted, ``(text, device rectangle)``
        self.pills: list[tuple[str, QRectF]] = []
        #: the drawn links' pills as last painted, ``(link id, device rectangle)``: a click
        #: on one picks the link (:meth:`link_at`)
        self.link_pills: list[tuple[str, QRectF]] = []

    @staticmethod
    def _tray_counts(layout: Layout, analysis: Analysis, cache: dict | None = None,
                     ) -> tuple[dict[str, float], bool, list[tuple[float, float, float, float]]]:
        """Return the cables per tray id, whether they are an estimate, and the drops
        (rack to its nearest tray point, ``(x0, y0, x1, y1)``) of racks with cables.

        The cabling's routes give each tray every cable that runs along it, the trays
        between two racks included. Without routes (no links built), each rack's
        scale-out ports go to its nearest tray: an estimate. ``cache`` (the overlay's)
        keeps each rack's nearest tray point, so a drag step measures the moved racks
        only.
        """
        arr = analysis.arrays
        ports, estimated = CablesOverlay._rack_cable_ends(analysis)
        if not layout.trays:
            return {}, estimated, []
        routed = getattr(getattr(analysis.network, "cabling", None), "tray_cables", None)
        has_routes = isinstance(routed, dict) and bool(routed)
        if not ports.any():
            return ({str(k): float(v) for k, v in routed.items()} if has_routes else {},
                    not has_routes, [])
        segs = []
        owner = []
        for t in layout.trays:
            for (ax, ay), (bx, by) in zip(t.points[:-1], t.points[1:], strict=True):
                segs.append((ax, ay, bx, by))
                owner.append(t.id)
        s = np.array(segs, np.float64)
        has = np.flatnonzero(ports > 0)
        px, py = arr.rack_x_m[has], arr.rack_y_m[has]
        key = (s.tobytes(), has.tobytes())
        if cache is not None and cache.get("key") == key:
            # the racks that moved since the last time, measured again
            redo = np.flatnonzero((cache["px"] != px) | (cache["py"] != py))
            best, qx, qy = cache["best"].copy(), cache["qx"].copy(), cache["qy"].copy()
        else:
            redo = np.arange(len(has))
            best = np.zeros(len(has), np.int64)
            qx, qy = np.zeros(len(has)), np.zeros(len(has))
        if len(redo):
            rx, ry = px[redo][:, None], py[redo][:, None]
            ax, ay, bx, by = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
            dx, dy = bx - ax, by - ay
            ll = np.maximum(dx * dx + dy * dy, 1e-12)
            t = np.clip(((rx - ax) * dx + (ry - ay) * dy) / ll, 0, 1)
            sx, sy = ax + t * dx, ay + t * dy
            near = np.argmin(np.hypot(rx - sx, ry - sy), axis=1)
            rows = np.arange(len(redo))
            best[redo], qx[redo], qy[redo] = near, sx[rows, near], sy[rows, near]
        if cache is not None:
            cache.update(key=key, px=px.copy(), py=py.copy(), best=best, qx=qx, qy=qy)
        drops = list(zip(px.tolist(), py.tolist(), qx.tolist(), qy.tolist(), strict=True))
        if has_routes:
            return {str(k): float(v) for k, v in routed.items()}, False, drops
        trays = sorted(set(owner))
        tray_of_seg = np.array([trays.index(o) for o in owner], np.int64)
        load = np.bincount(tray_of_seg[best], weights=ports[has], minlength=len(trays))
        return ({tid: float(v) for tid, v in zip(trays, load.tolist(), strict=True) if v},
                True, drops)

    @staticmethod
    def _link_groups(analysis: Analysis) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Return the link groups between two racks: a and b rack and cables (links
        times parallel cables); ``None`` when the network built none."""
        n = analysis.arrays.n_racks
        topo = getattr(analysis.network, "topology", None)
        a = getattr(topo, "lk_a_rack", None)
        b = getattr(topo, "lk_b_rack", None)
        if a is None or b is None or not len(a):
            return None
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        w = np.asarray(topo.lk_count, np.float64)
        per = getattr(getattr(analysis.network, "cabling", None), "cables", None)
        if per is not None and len(per) == len(w):
            w = w * np.asarray(per, np.float64)
        between = (a != b) & (a >= 0) & (b >= 0) & (a < n) & (b < n)
        return a[between], b[between], w[between]

    @staticmethod
    def _rack_cable_ends(analysis: Analysis) -> tuple[np.ndarray, bool]:
        """Return the cables leaving each rack for another rack, and whether estimated.

        From the analysis' link groups when the network built them (links times
        parallel cables, both ends); else the racks' scale-out ports.
        """
        arr = analysis.arrays
        n = arr.n_racks
        groups = CablesOverlay._link_groups(analysis)
        if groups is not None:
            a, b, w = groups
            return (np.bincount(a, weights=w, minlength=n)
                    + np.bincount(b, weights=w, minlength=n)), False
        tt = arr.types
        ports = np.bincount(arr.dev_rack, weights=tt.scaleout_ports[arr.dev_type],
                            minlength=n) if len(arr.dev_rack) else np.zeros(n)
        return ports, True

    def refresh(self, layout: Layout, analysis: Analysis) -> None:
        counts, self.estimated, drops = self._tray_counts(layout, analysis, self._drop_cache)
        self.max_count = int(max(counts.values())) if counts else 0
        self._bundles = []
        for t in layout.trays:
            n = counts.get(t.id, 0.0)
            poly = QPolygonF([QPointF(x, -y) for x, y in t.points])
            frac = n / self.max_count if self.max_count else 0.0
            self._bundles.append((poly, frac, int(n), t.id))
        # a rack right under its tray has a drop of no length: it shows nothing, and Qt's PDF
        # engine writes such a stroke as a path closed with no current point
        self._drops = [QLineF(a, -b, c, -d) for a, b, c, d in drops
                       if abs(a - c) + abs(b - d) > 1e-6]
        arr, where = analysis.arrays, analysis.arrays.rack_index
        self.links = []
        self.link_ids = []
        for lk in layout.links:
            i, j = where.get(lk.a.rack), where.get(lk.b.rack)
            if i is None or j is None:
                continue
            line = QLineF(float(arr.rack_x_m[i]), -float(arr.rack_y_m[i]),
                          float(arr.rack_x_m[j]), -float(arr.rack_y_m[j]))
            self.links.append((line, f"{lk.id}: {lk.count} × {lk.speed_gbps:g}G"))
            self.link_ids.append(lk.id)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if self._drops and lod > 6:
            painter.setPen(cosmetic(QColor(0, 120, 140, 90), 1))
            painter.drawLines(self._drops)
        for poly, frac, n, _tid in self._bundles:
            if n <= 0:
                continue
            pen = cosmetic(QColor(0, 120, 140, 190), 2 + 10 * frac)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.drawPolyline(poly)
        if self.links:
            pen = cosmetic(_LINK_COLOR, 2, Qt.PenStyle.DashLine)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLines([ln for ln, _t in self.links])

    def paint_labels(self, painter: QPainter, option: QStyleOptionGraphicsItem) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod <= 4:
            self.pills = []
            self.link_pills = []
            return
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = label_font(10, True)
        painter.setFont(font)
        fm = painter.fontMetrics()
        # a pill keeps clear of the row labels, of the pills placed before it and, where
        # it can, of the rack labels under its tray
        taken = [b.adjusted(-2, -2, 2, 2) for b in self._fp.row_labels.label_boxes(t)]

        def rack_labels(box: QRectF) -> list[QRectF]:
            return self._fp.rack_labels.plate_boxes(t, box)

        self.pills = []
        self.link_pills = []
        for poly, _frac, n, _tid in self._bundles:
            if n <= 0 or poly.isEmpty():
                continue
            text = f"{n:,}" + (" est." if self.estimated else "")
            box = free_label_box(poly, t, fm.horizontalAdvance(text) + 8, taken, rack_labels)
            self._draw_pill(painter, box, text, QColor(0, 95, 110))
        selected = {i for i, _l, _t in self._fp.link_highlight.links}
        for (line, text), lid in zip(self.links, self.link_ids, strict=True):
            if lid in selected:
                continue  # named by the selection's highlight
            box = free_label_box(QPolygonF([line.p1(), line.p2()]), t,
                                 fm.horizontalAdvance(text) + 8, taken, rack_labels)
            self._draw_pill(painter, box, text, _LINK_COLOR)
            self.link_pills.append((lid, QRectF(box)))
        painter.restore()

    def link_at(self, view_point: QPointF, scene_point: QPointF, tol_m: float,
                on_item: bool) -> str | None:
        """Return the drawn link a click picks: its label pill under ``view_point`` (view
        pixels), or, where no rack or unit is under the click (``on_item``), its line within
        ``tol_m`` of ``scene_point``; ``None`` when the overlay is hidden or none is there."""
        if not self.isVisible():
            return None
        for lid, box in reversed(self.link_pills):  # the last painted lies on top
            if box.contains(view_point):
                return lid
        if on_item:
            return None
        best, best_d = None, tol_m
        for (line, _t), lid in zip(self.links, self.link_ids, strict=True):
            d = _distance_to_segment(scene_point, line)
            if d <= best_d:
                best, best_d = lid, d
        return best

    def _draw_pill(self, painter: QPainter, box: QRectF, text: str, ink: QColor) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(ink)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        self.pills.append((text, QRectF(box)))

    def legend(self):
        note = ("ports per tray (nearest, estimate)" if self.estimated
                else "cables in each tray")
        rows = [("#00788c", note)]
        if self.links:
            rows.append((_LINK_COLOR.name(), "drawn links (routed on trays)"))
        return (self.title, rows)


class ViolationsOverlay(OverlayItem):
    """Red (error) and amber (warning) outlines around the items of rule violations.

    Outlines keep a minimum size on screen, so a violation stays visible at
    fit-to-window zoom of a large hall.
    """

    key = "violations"
    title = "Rule violations"

    def __init__(self, scene: FloorPlanScene, parent: QGraphicsItem) -> None:
        super().__init__(scene, parent)
        self._boxes = {"error": np.zeros((0, 4)), "warning": np.zeros((0, 4))}

    def refresh(self, layout: Layout, analysis: Analysis) -> None:
        f = analysis.floor
        where = {i: b for i, b in zip(f.ids, f.box.tolist(), strict=True)}
        for item in [*layout.feeds, *layout.trays, *layout.hall.obstacles]:
            pts = np.array(getattr(item, "points", None) or getattr(item, "polygon", None) or
                           [(0, 0)], np.float64)
            where[item.id] = [*pts.min(0), *pts.max(0)]
        door_of = {u.id: u.rack for u in layout.cooling if u.kind == "rear_door"}
        picked: dict[str, dict[str, list[float]]] = {"error": {}, "warning": {}}
        for v in analysis.violations:
            if v.severity not in picked:
                continue
            for item_id in v.items:
                box = where.get(item_id) or where.get(door_of.get(item_id, ""))
                if box is not None and (v.severity == "error" or item_id not in picked["error"]):
                    picked[v.severity][item_id] = box
        for item_id in picked["error"]:
            picked["warning"].pop(item_id, None)
        self._boxes = {k: np.array(list(d.values()), np.float64).reshape(-1, 4)
                       for k, d in picked.items()}

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for sev, color in (("warning", PALETTE.warning), ("error", PALETTE.error)):
            b = self._boxes[sev]
            if not len(b):
                continue
            # plan box -> device rectangle, vectorized: the scene point (x, -y) through the
            # affine transform (the view scales and translates; a report's plan turned a
            # quarter to fit its page swaps the axes)
            def dev(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return (t.m11() * x - t.m21() * y + t.dx(), t.m12() * x - t.m22() * y + t.dy())

            ax, ay = dev(b[:, 0], b[:, 1])
            bx, by = dev(b[:, 2], b[:, 3])
            cx, cy = (ax + bx) / 2, (ay + by) / 2
            w = np.maximum(np.abs(bx - ax) + 6, 9)
            h = np.maximum(np.abs(by - ay) + 6, 9)
            fill = QColor(color)
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.setPen(QPen(QColor(color), 2))
            painter.drawRects([QRectF(a - ww / 2, c - hh / 2, ww, hh) for a, c, ww, hh in
                               np.stack([cx, cy, w, h], 1).tolist()])
        painter.restore()

    def legend(self):
        return (self.title, [(PALETTE.error, "error"), (PALETTE.warning, "warning")])


OVERLAY_CLASSES: dict[str, type[OverlayItem]] = {
    cls.key: cls for cls in (HeatmapOverlay, CoolingOverlay, AirflowOverlay, CablesOverlay,
                             ViolationsOverlay)
}
