"""Canvas items: views of model objects by id, drawn to scale with level of detail.

Scene units are metres with y flipped (scene ``(x, -y)`` is plan ``(x, y)``), so
text stays upright. Each model item holds only its ``model_id`` and geometry
derived from the model in :meth:`ModelItem.sync_from_model`; colours and
figures come from the scene's latest analysis. Labels are drawn in device
space at a fixed pixel size once the item is large enough on screen to carry
them (``levelOfDetailFromTransform``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
)

from designer.canvas.style import METRICS, PALETTE, cosmetic, label_font, metric_text

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene

__all__ = ["ModelItem", "RackItem", "CoolingUnitItem", "FeedItem", "TrayItem", "ObstacleItem",
           "FloorItem", "BoundedItem", "RowLabelsItem", "RackLabelsItem", "RackLabel",
           "ITEM_CLASSES",
           "to_scene", "from_scene", "footprint_half", "offset_polyline", "UnitLabel",
           "unit_label_layout", "FEED_GAP_PX", "feed_offset_sign"]

# obstacles draw over racks and units (a rack on a column or in a keep-out shows as such)
Z_FLOOR, Z_HEAT, Z_RACK, Z_UNIT, Z_OBSTACLE, Z_TRAY, Z_FEED, Z_OVERLAY = \
    0, 2, 10, 11, 12, 20, 21, 30


def to_scene(x_m: float, y_m: float) -> QPointF:
    """Return the scene point of a plan point (metres, y up)."""
    return QPointF(x_m, -y_m)


def from_scene(p: QPointF) -> tuple[float, float]:
    """Return the plan point (metres, y up) of a scene point."""
    return p.x(), -p.y()


def footprint_half(width_m: float, depth_m: float, rotation_deg: int) -> tuple[float, float]:
    """Return the half extents ``(hx, hy)`` of a footprint turned in quarter turns."""
    if (rotation_deg // 90) % 2:
        return depth_m / 2.0, width_m / 2.0
    return width_m / 2.0, depth_m / 2.0


def _front_scene(rotation_deg: int) -> tuple[float, float]:
    """Unit vector out of the front face in scene coordinates (plan front is (sin, -cos))."""
    th = math.radians(rotation_deg)
    return round(math.sin(th), 9), round(math.cos(th), 9)


def _lod(painter: QPainter, option: QStyleOptionGraphicsItem) -> float:
    return option.levelOfDetailFromTransform(painter.worldTransform())


UNIT_MARGIN_PX = 2.0  # clear of a unit's outline on each side of its label


@dataclass(frozen=True)
class UnitLabel:
    """How a cooling unit's label fits its box: ``lines`` (the id first, bold, at
    ``px`` pixels; the others a pixel smaller), stacked, or side by side on one
    line when ``joined``; turned to read up the box when ``vertical``."""

    lines: tuple[str, ...]
    px: int
    vertical: bool = False
    joined: bool = False


@functools.lru_cache(maxsize=32)
def _metrics(px: int, bold: bool) -> QFontMetricsF:
    return QFontMetricsF(label_font(px, bold))


def _unit_line_widths(lines: tuple[str, ...], px: int, joined: bool) -> list[float]:
    widths = [_metrics(px if k == 0 else px - 1, k == 0).horizontalAdvance(t)
              for k, t in enumerate(lines)]
    return [sum(widths) + 0.4 * px * (len(widths) - 1)] if joined else widths


@functools.lru_cache(maxsize=4096)
def unit_label_layout(w_px: int, h_px: int, unit_id: str, pct: str = "",
                      name: str = "") -> UnitLabel | None:
    """Return the label that fits a cooling unit's box of ``w_px`` x ``h_px`` pixels.

    The id says which unit it is (the load bar along the box shows the share in
    use), so it comes first: the id over its utilization, or the two on one
    line, at 10 or 9 px across the box, else up a tall narrow box (a CRAH along
    a wall), else at 8 px; else the id alone down to 7 px; else nothing (the
    tooltip names it). A ``name`` adds a line, shortened to fit, where a line is
    left. Nothing drawn reaches past the box.
    """
    turns = (False, True) if h_px > w_px else (False,)

    def fits(lines: tuple[str, ...], px: int, vertical: bool, joined: bool = False) -> bool:
        aw, ah = (h_px, w_px) if vertical else (w_px, h_px)
        n = 1 if joined else len(lines)
        return n * (px + 3) <= ah - 2 and \
            max(_unit_line_widths(lines, px, joined)) <= aw - 2 * UNIT_MARGIN_PX

    both = (unit_id, pct) if pct else (unit_id,)
    # across the box a size smaller reads as well as up it
    tiers = [(v, px) for sizes in ((10, 9), (8,)) for v in turns for px in sizes]
    found = next((UnitLabel(both, px, v, j) for v, px in tiers
                  for j in ((False, True) if pct else (False,))
                  if fits(both, px, v, j)), None)
    found = found or next((UnitLabel((unit_id,), px, v) for px in (10, 9, 8, 7)
                           for v in turns if fits((unit_id,), px, v)), None)
    if found is not None and name and not found.joined:
        aw, ah = (h_px, w_px) if found.vertical else (w_px, h_px)
        if (len(found.lines) + 1) * (found.px + 3) <= ah - 2 and aw >= 40:
            shown = _metrics(found.px - 1, False).elidedText(
                name, Qt.TextElideMode.ElideRight, aw - 2 * UNIT_MARGIN_PX)
            if shown:
                found = UnitLabel((*found.lines, shown), found.px, found.vertical)
    return found


def _paint_unit_label(painter: QPainter, rect: QRectF, label: UnitLabel, color: QColor) -> None:
    """Draw ``label`` centred in ``rect`` (item coordinates)."""
    dev = painter.worldTransform().mapRect(rect)
    painter.save()
    painter.resetTransform()
    painter.setPen(color)
    box = dev
    if label.vertical:  # reads up the box, as a plan labels a long thin thing
        painter.translate(dev.center())
        painter.rotate(-90)
        box = QRectF(-dev.height() / 2, -dev.width() / 2, dev.height(), dev.width())
    line_h = label.px + 3
    n = 1 if label.joined else len(label.lines)
    top = box.center().y() - line_h * n / 2.0
    if label.joined:
        widths = [_metrics(label.px if k == 0 else label.px - 1, k == 0).horizontalAdvance(t)
                  for k, t in enumerate(label.lines)]
        x = box.center().x() - _unit_line_widths(label.lines, label.px, True)[0] / 2
        for k, (text, w) in enumerate(zip(label.lines, widths, strict=True)):
            painter.setFont(label_font(label.px if k == 0 else label.px - 1, k == 0))
            painter.drawText(QRectF(x, top, w + 1, line_h), Qt.AlignmentFlag.AlignLeft |
                             Qt.AlignmentFlag.AlignVCenter, text)
            x += w + 0.4 * label.px
    else:
        for k, text in enumerate(label.lines):
            painter.setFont(label_font(label.px if k == 0 else label.px - 1, k == 0))
            painter.drawText(QRectF(box.left(), top + k * line_h, box.width(), line_h),
                             Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def _ink_for(color: QColor) -> QColor:
    lum = 0.299 * color.redF() + 0.587 * color.greenF() + 0.114 * color.blueF()
    return QColor("#ffffff") if lum < 0.5 else QColor(PALETTE.text)


class ModelItem:
    """Mixin of the canvas items that show one model object, addressed by ``model_id``.

    Concrete items also derive from a Qt shape item (rectangle, path, polygon),
    so Qt computes their bounds in C++: with thousands of racks, a Python
    ``boundingRect`` called on every repaint would cost the frame.
    """

    group = ""
    movable = True
    #: Overhead items (trays, busways) are drawn above the racks but picked only where no
    #: rack or unit is under the cursor; the scene selects them itself.
    overhead = False

    def _init_model(self, scene: FloorPlanScene, model_id: str) -> None:
        self._fp = scene
        self.model_id = model_id
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setData(0, model_id)

    def model(self) -> Any:
        """Return the model object this item shows (from the document)."""
        return self._fp.document.item(self.model_id)

    def sync_from_model(self) -> None:  # pragma: no cover - overridden
        """Re-read position and geometry from the model."""
        raise NotImplementedError

    def plan_box(self) -> tuple[float, float, float, float]:
        """Return ``(minx, miny, maxx, maxy)`` in plan metres."""
        r = self.sceneBoundingRect()
        return r.left(), -r.bottom(), r.right(), -r.top()


class _BoxItem(ModelItem, QGraphicsRectItem):
    """An axis-aligned footprint centred on the item position."""

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        QGraphicsRectItem.__init__(self)
        self._init_model(scene, model_id)

    def _set_box(self, x: float, y: float, hx: float, hy: float) -> None:
        rect = QRectF(-hx, -hy, 2 * hx, 2 * hy)
        if rect != self.rect():
            self.setRect(rect)
        self.setPos(x, -y)


class RackItem(_BoxItem):
    """A rack footprint, coloured by the scene's metric, front face marked."""

    group = "racks"

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        super().__init__(scene, model_id)
        self.setZValue(Z_RACK)
        self._front = (0.0, 1.0)
        self.sync_from_model()

    def sync_from_model(self) -> None:
        r = self.model()
        if r is None:
            return
        rt = self._fp.document.catalog.racks.get(r.type)
        w = rt.width_mm.v(600) / 1000.0 if rt else 0.6
        d = rt.depth_mm.v(1200) / 1000.0 if rt else 1.2
        self.row_name = r.row  # the scene relabels rows when a rack changes row
        self._front = _front_scene(r.rotation_deg)
        self._set_box(r.x_m, r.y_m, *footprint_half(w, d, r.rotation_deg))
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        rect = self.rect()
        lod = _lod(painter, option)
        brush = self._fp.rack_brush(self.model_id)
        selected = self.isSelected()
        size_px = lod * min(rect.width(), rect.height())
        if size_px < 5:
            painter.fillRect(rect, self._fp.selection_brush if selected else brush)
            return
        painter.setPen(self._fp.pens["rack_edge"])
        painter.setBrush(brush)
        painter.drawRect(rect)
        fx, fy = self._front
        hx, hy = rect.width() / 2, rect.height() / 2
        inset = min(0.05, 3.0 / lod)  # the front (cold) face: a dark line just inside the edge
        if fx == 0:
            y = hy * fy - inset * fy
            line = QLineF(-hx, y, hx, y)
        else:
            x = hx * fx - inset * fx
            line = QLineF(x, -hy, x, hy)
        painter.setPen(self._fp.pens["rack_front_wide" if size_px > 30 else "rack_front"])
        painter.drawLine(line)
        if selected:
            painter.setPen(self._fp.pens["selection"])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        # labels are drawn by RackLabelsItem, above trays and busways


class CoolingUnitItem(_BoxItem):
    """A CRAH, CDU or rear-door heat exchanger (drawn on its rack's rear face)."""

    group = "cooling"

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        super().__init__(scene, model_id)
        self.setZValue(Z_UNIT)
        self._kind = "crah"
        self._name = ""
        self.sync_from_model()

    @property
    def movable_alone(self) -> bool:
        """Rear doors move with their rack, not on their own."""
        return self._kind != "rear_door"

    def sync_from_model(self) -> None:
        u = self.model()
        if u is None:
            return
        self._kind = u.kind
        self._name = u.name or ""
        x, y = u.x_m, u.y_m
        hx, hy = footprint_half(u.width_m, u.depth_m, u.rotation_deg)
        if u.kind == "rear_door" and u.rack:
            rack = self._fp.document.item(u.rack)
            if rack is not None:
                rt = self._fp.document.catalog.racks.get(rack.type)
                d = rt.depth_mm.v(1200) / 1000.0 if rt else 1.2
                th = math.radians(rack.rotation_deg)
                bx, by = -math.sin(th), math.cos(th)  # plan vector out of the rear face
                x = rack.x_m + bx * (d / 2 + u.depth_m / 2)
                y = rack.y_m + by * (d / 2 + u.depth_m / 2)
                hx, hy = footprint_half(u.width_m, u.depth_m, rack.rotation_deg)
        self._set_box(x, y, hx, hy)
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        rect = self.rect()
        lod = _lod(painter, option)
        fill, edge = {"crah": (PALETTE.crah_fill, PALETTE.crah_edge),
                      "cdu": (PALETTE.cdu_fill, PALETTE.cdu_edge)}.get(
            self._kind, (PALETTE.door, PALETTE.door))
        util = self._fp.unit_utilization(self.model_id)
        over = util is not None and util > 1.0
        painter.setPen(cosmetic(PALETTE.error if over else edge, 1.5))
        painter.setBrush(QColor(fill))
        painter.drawRect(rect)
        bar_h = 0.0
        if self._kind != "rear_door" and lod * rect.height() > 6:
            # load bar along the bottom edge: share of capacity in use
            # in whole percent, as the label: a smaller change is not repainted
            frac = min(max(round((util or 0.0) * 100) / 100, 0.0), 1.0)
            bar_h = min(rect.height() * 0.18, 0.25)
            bar = QRectF(rect.left(), rect.bottom() - bar_h, rect.width() * frac, bar_h)
            painter.fillRect(bar, QColor(PALETTE.error if over else edge))
        if self.isSelected():
            painter.setPen(self._fp.pens["selection"])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        if self._kind != "rear_door" and lod * min(rect.width(), rect.height()) >= 10:
            text = rect.adjusted(0, 0, 0, -bar_h)  # above the load bar
            dev = painter.worldTransform().mapRect(text)
            label = unit_label_layout(int(dev.width()), int(dev.height()), self.model_id,
                                      f"{util * 100:.0f} %" if util is not None else "",
                                      self._name)
            if label is not None:
                _paint_unit_label(painter, text, label, QColor(PALETTE.text))


class _PolylineItem(ModelItem, QGraphicsPathItem):
    """An item drawn along a polyline (feeds, trays), positioned at its first point.

    The Qt path is the polyline's outline padded by ``pad`` (the drawn extent,
    for the bounds); ``shape`` is a narrow band for picking.
    """

    pick_width_m = 0.25
    overhead = True

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        QGraphicsPathItem.__init__(self)
        self._init_model(scene, model_id)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._pts = [QPointF()]
        self._line = QPainterPath()
        self._shape = QPainterPath()

    def _set_points(self, pts: list[tuple[float, float]], pad: float) -> None:
        if not pts:
            pts = [(0.0, 0.0)]
        x0, y0 = pts[0]
        self._pts = [QPointF(x - x0, -(y - y0)) for x, y in pts]
        line = QPainterPath(self._pts[0])
        for p in self._pts[1:]:
            line.lineTo(p)
        self._line = line
        if len(self._pts) > 1:
            self._shape = _stroke(line, self.pick_width_m)
            bounds = _stroke(line, 2 * pad)
        else:
            self._shape = self._dot(0.3)
            bounds = self._dot(pad)
        self.setPath(bounds)
        self.setPos(x0, -y0)

    def _dot(self, r: float) -> QPainterPath:
        p = QPainterPath()
        p.addEllipse(self._pts[0], r, r)
        return p

    def shape(self) -> QPainterPath:
        return self._shape


def _stroke(path: QPainterPath, width: float) -> QPainterPath:
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setCapStyle(Qt.PenCapStyle.SquareCap)
    return stroker.createStroke(path)


def offset_polyline(points: list[tuple[float, float]], d: float,
                    miter_limit: float = 4.0) -> list[tuple[float, float]]:
    """Return the polyline ``points`` moved ``d`` along each segment's normal ``(-dy, dx)``,
    mitred at every bend.

    A bend sharper than ``miter_limit`` times ``d`` clips its mitre there; points that
    repeat are dropped first.

    Examples
    --------
    >>> offset_polyline([(0, 0), (2, 0), (2, 2)], 0.5)
    [(0.0, 0.5), (1.5, 0.5), (1.5, 2.0)]
    """
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) > 1:
        keep = np.concatenate([[True], np.any(np.abs(np.diff(pts, axis=0)) > 1e-12, axis=1)])
        pts = pts[keep]
    if len(pts) < 2:
        return [(float(x), float(y)) for x, y in pts]
    seg = np.diff(pts, axis=0)
    seg /= np.hypot(seg[:, 0], seg[:, 1])[:, None]
    normal = np.stack([-seg[:, 1], seg[:, 0]], 1)
    # a vertex moves along the mean of its two segments' normals, far enough that both
    # offset segments pass at distance d: d / cos(half the turn)
    n_in = np.vstack([normal[:1], normal])
    n_out = np.vstack([normal, normal[-1:]])
    mean = n_in + n_out
    length = np.hypot(mean[:, 0], mean[:, 1])
    mean = np.where(length[:, None] > 1e-9, mean / np.maximum(length, 1e-9)[:, None], n_out)
    cos_half = np.clip(np.sum(mean * n_out, axis=1), 1.0 / miter_limit, 1.0)
    out = pts + mean * (d / cos_half)[:, None]
    return [(float(x), float(y)) for x, y in np.round(out, 12)]


#: pixels between an A and a B busway run drawn on one line: each side is drawn
#: half of this (plus half its pen) to its own side, so both show and both pick
FEED_GAP_PX = 2.0
#: how far past its line (pixels) a busway's pick band reaches to the other side: less
#: than the half gap, so a click on either drawn line picks that one
_FEED_PICK_OVER_PX = 1.0


def feed_offset_sign(points: list[tuple[float, float]], side: str) -> float:
    """Return the sign of :func:`offset_polyline`'s ``d`` that draws a busway run
    (scene coordinates, y down) on its side's side of its line.

    A goes toward lower plan y (down on screen) along a run across the plan and
    toward lower x (left) along one up it, B the other way: where the templates
    lay A and B out. The run's longest segment decides, so the whole run keeps
    to one side through its bends.

    Examples
    --------
    >>> feed_offset_sign([(0, 0), (5, 0)], "A"), feed_offset_sign([(5, 0), (0, 0)], "A")
    (1.0, -1.0)
    >>> feed_offset_sign([(0, 0), (5, 0)], "B"), feed_offset_sign([(0, 0), (0, 5)], "A")
    (-1.0, 1.0)
    """
    if len(points) < 2:
        return 0.0
    a, b = max(zip(points[:-1], points[1:], strict=True),
               key=lambda s: math.dist(s[0], s[1]))
    dx, dy = b[0] - a[0], b[1] - a[1]
    nx, ny = -dy, dx  # offset_polyline's normal
    toward_a = ny > 0 if abs(dx) >= abs(dy) else nx < 0
    sign = 1.0 if toward_a else -1.0
    return sign if side == "A" else -sign


def _polyline_path(points: list[tuple[float, float]]) -> QPainterPath:
    path = QPainterPath()
    if points:
        path.moveTo(*points[0])
        for q in points[1:]:
            path.lineTo(*q)
    return path


class FeedItem(_PolylineItem):
    """A power feed: a busway run (polyline) or a rack PDU / RPP (a point).

    A run is drawn a couple of pixels to its side's side of its line
    (:data:`FEED_GAP_PX`), and picked on that side: an A and a B busway drawn on
    the same line both show and both pick. The layout keeps the line as drawn.
    """

    group = "feeds"

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        super().__init__(scene, model_id)
        self.setZValue(Z_FEED)
        self._side = "A"
        self._sign = 0.0
        self._drawn: tuple[float, QPainterPath] = (0.0, QPainterPath())
        self._pick: tuple[float, QPainterPath] = (0.0, QPainterPath())
        self.sync_from_model()

    def sync_from_model(self) -> None:
        f = self.model()
        if f is None:
            return
        self._side = f.side
        self._set_points(list(f.points), 0.3)
        pts = [(p.x(), p.y()) for p in self._pts]
        self._sign = feed_offset_sign(pts, f.side)
        self._drawn = (0.0, self._line)
        self._pick = (0.0, self._shape)
        self.update()

    def shape(self) -> QPainterPath:
        """The pick band: on the run's own side of its line, a pixel past it."""
        if len(self._pts) < 2:
            return self._shape
        over = min(_FEED_PICK_OVER_PX * self._fp.px_to_m(), 0.05)
        if over != self._pick[0]:
            w = self.pick_width_m
            pts = [(p.x(), p.y()) for p in self._pts]
            self._pick = (over, _stroke(_polyline_path(
                offset_polyline(pts, self._sign * (w / 2 - over))), w))
        return self._pick[1]

    def drawn_line(self, px_per_m: float, width_px: float) -> QPainterPath:
        """Return the run's line as drawn at ``px_per_m`` with a ``width_px`` pen: moved
        to its side by half the gap and half the pen (item coordinates)."""
        d = self._sign * (width_px + FEED_GAP_PX) / 2 / max(px_per_m, 1e-9)
        if d != self._drawn[0]:
            pts = [(p.x(), p.y()) for p in self._pts]
            self._drawn = (d, _polyline_path(offset_polyline(pts, d)))
        return self._drawn[1]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        color = QColor(PALETTE.feed_a if self._side == "A" else PALETTE.feed_b)
        util = self._fp.feed_utilization(self.model_id)
        if util is not None and util > 1.0:
            color = QColor(PALETTE.error)
        lod = _lod(painter, option)
        width = 2.5 if lod > 40 else (1.5 if lod > 15 else 1.0)
        if lod <= 15:
            color.setAlpha(150)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        line = self.drawn_line(lod, width) if len(self._pts) > 1 else self._line
        if self.isSelected():
            painter.setPen(cosmetic(PALETTE.selection, width + 3))
            painter.drawPath(line)
        painter.setPen(cosmetic(color, width))
        if len(self._pts) > 1:
            painter.drawPath(line)
            if lod > 30:  # tap-off boxes at the run's ends
                n = line.elementCount()
                for k in (0, n - 1):
                    e = line.elementAt(k)
                    painter.fillRect(QRectF(e.x - 0.07, e.y - 0.07, 0.14, 0.14), color)
        else:
            painter.setBrush(color)
            painter.drawEllipse(self._pts[0], 0.12, 0.12)


class TrayItem(_PolylineItem):
    """An overhead cable tray: a translucent band of its width, dashed (overhead) edges."""

    group = "trays"
    pick_width_m = 0.15

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        super().__init__(scene, model_id)
        self.setZValue(Z_TRAY)
        self._band = QPainterPath()
        self._width = 0.6
        self._rails = QPainterPath()
        self._rungs: list[QLineF] = []
        self.sync_from_model()

    def sync_from_model(self) -> None:
        t = self.model()
        if t is None:
            return
        self._set_points(list(t.points), t.width_m)
        self._width = t.width_m
        stroker = QPainterPathStroker()
        stroker.setWidth(t.width_m)
        stroker.setCapStyle(Qt.PenCapStyle.FlatCap)
        stroker.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._band = stroker.createStroke(self._line)
        self._rungs = []
        half = t.width_m / 2
        # each rail one path, mitred at the bends: segments drawn apart leave a notch at
        # every corner of the tray
        self._rails = QPainterPath()
        for side in (half, -half):
            rail = offset_polyline([(p.x(), p.y()) for p in self._pts], side)
            if len(rail) > 1:
                self._rails.moveTo(*rail[0])
                for q in rail[1:]:
                    self._rails.lineTo(*q)
        for a, b in zip(self._pts[:-1], self._pts[1:], strict=True):
            seg = QLineF(a, b)
            n = seg.length()
            if n <= 1e-9:
                continue
            nx, ny = -seg.dy() / n * half, seg.dx() / n * half
            for k in range(1, int(n / 0.6) + 1):
                p = seg.pointAt(min(k * 0.6 / n, 1.0))
                self._rungs.append(QLineF(p.x() + nx, p.y() + ny, p.x() - nx, p.y() - ny))
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = _lod(painter, option)
        fill = QColor(PALETTE.tray_fill)
        selected = self.isSelected()
        if lod * self._width < 6:  # a thin line is all a tray is at this zoom
            fill.setAlpha(90)
            painter.setPen(cosmetic(PALETTE.selection if selected else fill, 1))
            painter.drawPath(self._line)
            return
        fill.setAlpha(30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawPath(self._band)
        edge = QColor(PALETTE.tray_edge)
        edge.setAlpha(150)
        rail_pen = cosmetic(PALETTE.selection if selected else edge, 2 if selected else 1)
        rail_pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(rail_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._rails)
        if lod * 0.6 > 10:  # ladder rungs, as a tray reads on a drawing
            edge.setAlpha(70)
            painter.setPen(cosmetic(edge, 1))
            painter.drawLines(self._rungs)


class ObstacleItem(ModelItem, QGraphicsPolygonItem):
    """A column, wall or keep-out zone: a hatched polygon."""

    group = "obstacles"

    def __init__(self, scene: FloorPlanScene, model_id: str) -> None:
        QGraphicsPolygonItem.__init__(self)
        self._init_model(scene, model_id)
        self.setZValue(Z_OBSTACLE)
        self._kind = "column"
        self.sync_from_model()

    def sync_from_model(self) -> None:
        o = self.model()
        if o is None:
            return
        self._kind = o.kind
        x0, y0 = o.polygon[0]
        self.setPolygon(QPolygonF([QPointF(x - x0, -(y - y0)) for x, y in o.polygon]))
        self.setPos(x0, -y0)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self._kind == "keepout":
            painter.setPen(cosmetic(PALETTE.error, 1, Qt.PenStyle.DashLine))
            painter.setBrush(QBrush(QColor(PALETTE.error), Qt.BrushStyle.BDiagPattern))
        else:
            painter.setPen(cosmetic(PALETTE.obstacle_edge, 1.2))
            painter.setBrush(QColor(PALETTE.obstacle if self._kind == "column" else "#7d848d"))
        poly = self.polygon()
        painter.drawPolygon(poly)
        if self._kind != "keepout":
            hatch = QBrush(QColor(PALETTE.obstacle_edge), Qt.BrushStyle.BDiagPattern)
            hatch.setTransform(painter.worldTransform().inverted()[0])
            painter.setBrush(hatch)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(poly)
        if self.isSelected():
            painter.setPen(self._fp.pens["selection"])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolygon(poly)


class BoundedItem(QGraphicsItem):
    """An item that paints inside a scene rectangle set from outside (the hall and a
    margin): its bounding rectangle, changed only through :meth:`set_bounds`."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._rect = QRectF()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def set_bounds(self, rect: QRectF) -> None:
        """Set the scene rectangle the item paints in."""
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)


class FloorItem(QGraphicsItem):
    """The hall: floor, tile grid, outline and aisle tints.

    Aisle strips come as arrays (``set_aisles``) and are drawn in two calls;
    the grid draws only the lines in the exposed rectangle, coarsening by
    powers of two when tiles get small on screen.
    """

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        self.setZValue(Z_FLOOR)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._outline = QPolygonF()
        self._path = QPainterPath()
        self._rect = QRectF()
        self._tile = 0.6
        from designer.canvas.batch import LayeredPaths

        self._aisles = LayeredPaths()  # 0: cold (rack fronts), 1: hot (rack backs)
        self._strips: tuple[np.ndarray, ...] = (np.zeros((0, 4)), np.zeros((0, 4)),
                                                np.zeros(0, bool))

    def set_hall(self, outline: list[tuple[float, float]], tile_m: float | None) -> None:
        """Set the outline (plan metres) and the tile size."""
        self.prepareGeometryChange()
        self._outline = QPolygonF([QPointF(x, -y) for x, y in outline])
        self._path = QPainterPath()
        self._path.addPolygon(self._outline)
        self._path.closeSubpath()
        self._rect = self._outline.boundingRect().adjusted(-3, -3, 3, 3)
        self._tile = tile_m or 0.0
        self.update()

    def set_aisles(self, cold: np.ndarray, hot: np.ndarray, repaint: bool = True,
                   live: bool = False, along_y: np.ndarray | None = None) -> None:
        """Set aisle strips as (N, 4) plan boxes ``minx, miny, maxx, maxy``, one pair per rack.

        ``along_y`` marks the racks of rows running along y (see :func:`merge_strips`;
        none by default). ``repaint=False`` when the caller repaints the changed
        region itself; ``live`` during a drag preview (see :class:`LayeredPaths`).
        """
        from designer.canvas.batch import merge_strips, rects_path

        cold = np.asarray(cold, np.float64).reshape(-1, 4)
        hot = np.asarray(hot, np.float64).reshape(-1, 4)
        along_y = np.zeros(len(cold), bool) if along_y is None else np.asarray(along_y, bool)
        self._strips = (cold, hot, along_y)  # a small repaint builds its paths from these
        self._aisles.update(np.column_stack([cold, hot]), live, lambda idx: {
            0: rects_path(merge_strips(cold[idx], along_y[idx])),
            1: rects_path(merge_strips(hot[idx], along_y[idx]))})
        if repaint:
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def outline_path(self) -> QPainterPath:
        """Return the hall's outline as a closed path (scene coordinates)."""
        return QPainterPath(self._path)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = _lod(painter, option)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(PALETTE.floor))
        painter.drawPath(self._path)
        exposed = option.exposedRect.intersected(self._outline.boundingRect())
        if self._tile > 0 and not exposed.isEmpty():
            self._paint_grid(painter, exposed, lod)
        colors = (PALETTE.cold_aisle, PALETTE.hot_aisle)
        painter.save()
        # a row against a wall: its aisle ends at the wall; within the clip the painter
        # has (a report's strip of a long hall shows its own window only)
        painter.setClipPath(self._path, Qt.ClipOperation.IntersectClip)
        for key, path in self._aisle_paths(exposed):
            color = colors[key]
            if not path.isEmpty():
                c = QColor(color)
                c.setAlpha(34)
                painter.fillPath(path, c)
        painter.restore()
        painter.setPen(cosmetic(PALETTE.outline, 2.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)

    def _aisle_paths(self, exposed: QRectF) -> list[tuple[int, QPainterPath]]:
        """The aisle tints to fill for a repaint of scene rectangle ``exposed``: the cached
        paths of the whole hall, or, for a small part of it (a drag step's), paths of
        the strips reaching into it alone (filling a hall's path clipped to a few racks
        still walks every strip of the hall)."""
        hall = self._outline.boundingRect()
        small = exposed.width() * exposed.height() < 0.05 * hall.width() * hall.height()
        if not small:
            return self._aisles.items()
        from designer.canvas.batch import AISLE_BRIDGE_M, merge_strips, reaching_into, rects_path

        *both, along_y = self._strips
        out = []
        for key, b in enumerate(both):
            # the strips beside the region too: the gap a rack left bridges between them
            hit = reaching_into(b, exposed, AISLE_BRIDGE_M)
            if hit.any():
                out.append((key, rects_path(merge_strips(b[hit], along_y[hit]))))
        return out

    def _paint_grid(self, painter: QPainter, exposed: QRectF, lod: float) -> None:
        step = self._tile
        while step * lod < 7:
            step *= 2
            if step > 1e4:
                return
        painter.save()
        painter.setClipPath(self._path, Qt.ClipOperation.IntersectClip)
        x0 = math.floor(exposed.left() / step) * step
        y0 = math.floor(exposed.top() / step) * step
        nx = int((exposed.right() - x0) / step) + 2
        ny = int((exposed.bottom() - y0) / step) + 2
        xs = x0 + step * np.arange(nx)
        ys = y0 + step * np.arange(ny)
        minor_pen = cosmetic(PALETTE.grid_minor, 1)
        major_pen = cosmetic(PALETTE.grid_major, 1)
        is_major_x = np.round(xs / step).astype(np.int64) % 5 == 0
        is_major_y = np.round(ys / step).astype(np.int64) % 5 == 0
        top, bottom, left, right = exposed.top(), exposed.bottom(), exposed.left(), exposed.right()
        for pen, mx, my in ((minor_pen, ~is_major_x, ~is_major_y), (major_pen, is_major_x,
                                                                   is_major_y)):
            lines = [QLineF(x, top, x, bottom) for x in xs[mx].tolist()]
            lines += [QLineF(left, y, right, y) for y in ys[my].tolist()]
            if lines:
                painter.setPen(pen)
                painter.drawLines(lines)
        painter.restore()


class _TextWidths:
    """Pixel widths of label texts in one font, remembered (a repaint measures the same few
    figures over and over)."""

    def __init__(self, font) -> None:
        self._fm = QFontMetricsF(font)
        self._known: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        w = self._known.get(text)
        if w is None:
            if len(self._known) > 8192:
                self._known.clear()
            w = self._known[text] = self._fm.horizontalAdvance(text)
        return w


class RowLabelsItem(QGraphicsItem):
    """Row names in small pills beside the end of each row, above everything else, the
    cable overlay included.

    A row's label stands just past one of its ends, never over a rack or a cooling
    unit: west of the row where the hall has room there for most rows, else east of it,
    in the label font or a smaller one; a row with no room on that side takes the
    other. A row with no room beside either end (a gallery of units a few pixels away
    at this zoom, as beside a GB200 hall's rows at fit zoom) is labelled in the aisle
    next to that end instead, above the row where the hall's aisles have room for most
    rows, else below it, clear of the rows on both sides; with no room there either it
    goes unlabelled rather than covering racks. No two pills overlap.
    """

    #: (font pixels, pill height, padding) of the label sizes, first choice first
    SIZES = ((10, 16, 8), (8, 13, 6))
    #: pixels between a row's end and its label
    GAP_PX = 3.0
    #: pixels a label in an aisle keeps from the row it names and from the row across
    AISLE_GAP_PX = 2.0

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(47)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._rows: list[tuple[str, QPointF]] = []
        self._east: list[float] = []
        self._spans: list[tuple[float, float]] | None = None
        self._plan_key: tuple = ()
        self._floor_version = 0  # counts the floors the labels were placed on
        #: ((scale, floor version), (hall side, aisle faces)) the labels were placed with
        self._sides: tuple = ((), ("west", ("north", "south")))
        self._boxes: tuple = (None, np.zeros((0, 4)), 0.0)  # (floor, sorted boxes, tallest)
        # the labels placed at one scale: (name, pill in plan pixels, font pixels); a pill
        # in the view is this one moved by the view's offset
        self._planned: list[tuple[str, QRectF, int]] = []
        self._version = 0  # counts set_rows calls: the shown labels follow the rows
        self._set: list[tuple[str, float, float]] = []
        self._rect = QRectF()
        self._fonts = {px: label_font(px, True) for px, _h, _pad in self.SIZES}
        self._widths = {px: _TextWidths(f) for px, f in self._fonts.items()}

    @property
    def rows(self) -> list[tuple[str, float, float]]:
        """The labels as last set, ``(name, x_m, y_m)``: the point at the row's west end."""
        return self._set

    @property
    def east(self) -> list[float]:
        """Each row's east end (x in metres) as last set."""
        return self._east

    @property
    def spans(self) -> list[tuple[float, float]] | None:
        """Each row's south and north face (y in metres) as last set, or None."""
        return self._spans

    def set_rows(self, rows: list[tuple[str, float, float]],
                 east: list[float] | None = None,
                 spans: list[tuple[float, float]] | None = None) -> None:
        """Set labels as ``(name, x_m, y_m)``, the point at a row's west end, each
        row's east end ``east`` (x in metres at that y; default: the west point) and
        its south and north faces ``spans`` (y in metres; default: unknown, so no label
        goes in an aisle)."""
        old = self._rows
        self._version += 1
        self._set = list(rows)
        self._rows = [(name, QPointF(x, -y)) for name, x, y in rows]
        self._east = list(east) if east is not None else [x for _n, x, _y in rows]
        self._spans = list(spans) if spans is not None else None
        xs = [p.x() for _, p in self._rows] + self._east or [0.0]
        ys = [p.y() for _, p in self._rows] or [0.0]
        inner = QRectF(min(xs) - 10, min(ys) - 10, max(xs) - min(xs) + 20,
                       max(ys) - min(ys) + 20)
        same_names = [n for n, _ in old] == [n for n, _ in self._rows]
        if same_names and self._rect.contains(inner):
            self.refresh()  # a row's label moved (a drag): repaint the pills that moved
            return
        self.prepareGeometryChange()
        self._rect = inner.adjusted(-40, -40, 40, 40)
        self.update()

    def refresh(self, live: bool = False) -> None:
        """Place the labels again at the view's zoom (their rows or the racks and units
        beside them moved) and repaint only the pills that moved, appeared or went.

        ``live`` during a drag preview: racks moving beside other rows leave those rows'
        labels where they are until the drag ends (a row that moves is placed again).
        """
        if not live:
            self._floor_version += 1
        scene = self.scene()
        views = scene.views() if scene is not None else []
        scale = views[0].transform().m11() if views else 0.0
        if scale <= 0:
            return
        before = {n: b for n, b, _px in self._planned} if self._plan_key[:1] == (scale,) \
            else None
        after = {n: b for n, b, _px in self._plan(scale)}
        if before is None:  # not drawn at this zoom yet: a zoom repaints the whole view
            return
        pad = 2.0
        for name in before.keys() | after.keys():
            if before.get(name) != after.get(name):
                for b in (before.get(name), after.get(name)):
                    if b is not None:  # the scene's update: an item's would repaint it all
                        scene.update(QRectF((b.x() - pad) / scale, (b.y() - pad) / scale,
                                            (b.width() + 2 * pad) / scale,
                                            (b.height() + 2 * pad) / scale))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def _footprints(self) -> tuple[np.ndarray, float]:
        """Plan boxes of the racks and floor units, sorted by their south edge, and the
        tallest box's height."""
        a = getattr(self.scene(), "analysis", None)
        floor = a.floor if a is not None else None
        if self._boxes[0] is not floor:
            boxes = np.asarray(floor.box, np.float64).reshape(-1, 4) if floor is not None \
                else np.zeros((0, 4))
            if len(boxes):
                boxes = boxes[np.argsort(boxes[:, 1], kind="stable")]
            tallest = float((boxes[:, 3] - boxes[:, 1]).max()) if len(boxes) else 0.0
            self._boxes = (floor, boxes, tallest)
        return self._boxes[1], self._boxes[2]

    @staticmethod
    def _blocked(boxes: np.ndarray, tallest: float, q: np.ndarray) -> np.ndarray:
        """Return, for each plan box of ``q`` (R, 4), whether a footprint of ``boxes`` (sorted
        by their south edge, at most ``tallest`` high) overlaps it (touching edges do not).

        Only the footprints in each box's band of y are tested, gathered for all boxes at
        once.
        """
        if not len(boxes) or not len(q):
            return np.zeros(len(q), bool)
        y0s = boxes[:, 1]
        lo = np.searchsorted(y0s, q[:, 1] - tallest, side="left")
        n = np.maximum(np.searchsorted(y0s, q[:, 3], side="left") - lo, 0)
        row = np.repeat(np.arange(len(q)), n)
        idx = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
        b, r = boxes[idx], q[row]
        hit = (b[:, 0] < r[:, 2]) & (b[:, 2] > r[:, 0]) & (b[:, 1] < r[:, 3]) & (b[:, 3] > r[:, 1])
        return np.bincount(row[hit], minlength=len(q)) > 0

    def _plan(self, scale: float) -> list[tuple[str, QRectF, int]]:
        """Place the labels at ``scale`` pixels per metre: ``(name, pill, font px)`` with
        the pill in plan pixels (``x * scale``, ``-y * scale``).

        Decided over all rows (so a partial repaint agrees with a whole one), once per
        zoom, set of rows and floor (:meth:`refresh`): a pan moves the pills, it does not
        place them again.
        """
        key = (scale, self._version, self._floor_version)
        if key == self._plan_key:
            return self._planned
        self._plan_key = key
        boxes, tallest = self._footprints()
        s = max(scale, 1e-9)
        n = len(self._rows)
        west = np.array([p.x() for _n, p in self._rows], np.float64)
        east = np.array(self._east, np.float64)
        cy = np.array([p.y() for _n, p in self._rows], np.float64) * s  # plan pixels, y down
        spans = np.array(self._spans, np.float64).reshape(-1, 2) * s \
            if self._spans is not None and len(self._spans) == n else None
        # a label in an aisle stays on the hall's floor: past the outer rows, not over a wall
        doc = getattr(self.scene(), "document", None)
        hall = doc.layout.hall.bounds() if doc is not None else None
        # and in an aisle along its row: no other row stands at its height beside the
        # row, as a shorter row across the aisle does past its end (the label would
        # read as that row's)
        if spans is not None and n:
            lines = np.column_stack([west, spans[:, 0] / s, east, spans[:, 1] / s])
            lines = lines[np.argsort(lines[:, 1], kind="stable")]
            deepest = float((lines[:, 3] - lines[:, 1]).max())
        gap = self.AISLE_GAP_PX
        pills: dict[tuple[str, int], np.ndarray] = {}  # (side, font px) -> (R, 4) pixels
        free: dict[tuple[str, int], np.ndarray] = {}

        def free_of(box: np.ndarray) -> np.ndarray:
            # as plan boxes (y up): minx, miny, maxx, maxy
            plan = np.stack([box[:, 0], -box[:, 3], box[:, 2], -box[:, 1]], 1) / s
            return ~self._blocked(boxes, tallest, plan)

        for px, h, pad in self.SIZES:
            w = np.array([self._widths[px](name) for name, _p in self._rows]) + pad
            for side in ("west", "east"):
                x0 = west * s - self.GAP_PX - w if side == "west" else east * s + self.GAP_PX
                box = np.stack([x0, cy - h / 2, x0 + w, cy + h / 2], 1) if n else \
                    np.zeros((0, 4))
                pills[side, px] = box
                free[side, px] = free_of(box)
                # in the aisle past the row's north (above, in pixels) or south face, in
                # line with this end; it keeps ``gap`` from the row across the aisle too
                x0 = west * s if side == "west" else east * s - w
                for face in ("north", "south"):
                    if spans is None or not n:
                        pills[f"{side} {face}", px] = np.zeros((n, 4))
                        free[f"{side} {face}", px] = np.zeros(n, bool)
                        continue
                    top = -spans[:, 1] - gap - h if face == "north" else -spans[:, 0] + gap
                    box = np.stack([x0, top, x0 + w, top + h], 1)
                    pills[f"{side} {face}", px] = box
                    far = [0, -gap, 0, 0] if face == "north" else [0, 0, 0, gap]
                    ok = free_of(box + far)
                    along = np.column_stack([west, -(box[:, 3] + far[3]) / s, east,
                                             -(box[:, 1] + far[1]) / s])
                    ok &= ~self._blocked(lines, deepest, along)
                    if hall is not None:
                        x0h, y0h, x1h, y1h = hall
                        ok &= (box[:, 0] >= x0h * s) & (box[:, 2] <= x1h * s) & \
                            (box[:, 1] - gap >= -y1h * s) & (box[:, 3] + gap <= -y0h * s)
                    free[f"{side} {face}", px] = ok
        big = self.SIZES[0][0]
        sides = (scale, self._floor_version)
        if self._sides[0] == sides:
            # a drag under way (the floor is the one the sides were chosen on): the rows
            # keep the hall's side and face, rather than every label crossing its row
            # when the dragged rack tips the balance
            primary, faces = self._sides[1]
        else:
            # one side for the hall where it can: the side with room for more rows; the
            # side the labels stand on keeps them while it has room for half the rows, so
            # a rack added at a row's end (or its undo) does not send every label across
            primary = "west" if free["west", big].sum() >= free["east", big].sum() else "east"
            before = self._sides[1][0] if self._sides[0] else None
            if before in ("west", "east") and before != primary and \
                    2 * int(free[before, big].sum()) >= len(self._rows):
                primary = before
            # and one face for the rows labelled in an aisle: above them unless below has
            # room for more
            room = {face: sum(free[f"{primary} {face}", px].sum() for px, _h, _p in self.SIZES)
                    for face in ("north", "south")}
            faces = ("north", "south") if room["north"] >= room["south"] else \
                ("south", "north")
            self._sides = (sides, (primary, faces))
        other = "east" if primary == "west" else "west"
        # a row keeps the hall's side in a smaller size before it takes the other side;
        # every row has its place beside an end before any takes one in an aisle (so none
        # takes the place beside a shorter neighbour's end)
        beside = [(side, px) for side in (primary, other) for px, _h, _pad in self.SIZES]
        aisle = [(f"{side} {face}", px) for side in (primary, other) for face in faces
                 for px, _h, _pad in self.SIZES]
        placed: dict[int, tuple[str, QRectF, int]] = {}
        near: dict[int, list[QRectF]] = {}  # the pills placed, by band of y
        for tries in (beside, aisle):
            for k, (name, _p) in enumerate(self._rows):
                if k in placed:
                    continue
                for side, px in tries:
                    if not free[side, px][k]:
                        continue
                    box = QRectF(*pills[side, px][k][:2], *(pills[side, px][k][2:] -
                                                           pills[side, px][k][:2]))
                    if not self._meets(box, near):
                        placed[k] = (name, box, px)
                        near.setdefault(round(box.center().y() / 16), []).append(box)
                        break
        self._planned = [placed[k] for k in sorted(placed)]
        return self._planned

    def _place(self, t: QTransform) -> list[tuple[str, QRectF, int]]:
        """Return the labels shown at the view transform ``t``: ``(name, device pill, font
        pixels)``."""
        return [(name, box.translated(t.dx(), t.dy()), px)
                for name, box, px in self._plan(t.m11())]

    @staticmethod
    def _meets(box: QRectF, near: dict[int, list[QRectF]]) -> bool:
        """Whether ``box`` overlaps a pill placed already (kept by 16 px bands of y)."""
        k = round(box.center().y() / 16)
        return any(box.intersects(b) for j in (k - 1, k, k + 1) for b in near.get(j, ()))

    def label_boxes(self, t: QTransform) -> list[QRectF]:
        """Return the device rectangles of the labels shown at the view transform ``t``
        (other labels keep clear of them)."""
        if not self._rows or not self.isVisible() or t.m11() < 3:
            return []
        return [box for _name, box, _px in self._place(t)]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self._rows or _lod(painter, option) < 3:
            return
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # only the labels reaching into the exposed area are painted: a drag step exposes
        # a rack's width of a hall of hundreds of rows, so the test comes before the move
        # of each label to the view's offset
        dx, dy = t.dx(), t.dy()
        exposed = t.mapRect(option.exposedRect).adjusted(-2 - dx, -2 - dy, 2 - dx, 2 - dy)
        for name, planned, px in self._plan(t.m11()):
            if not exposed.intersects(planned):
                continue
            box = planned.translated(dx, dy)
            painter.setFont(self._fonts[px])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 215))
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(QColor(PALETTE.text_muted))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()


@dataclass(frozen=True)
class RackLabel:
    """How a rack's label fits its rack: ``lines`` of ``widths`` pixels (the id first, in
    bold, when ``has_id``; then the colour metric's value and the GPUs), at ``px``
    pixels, turned to read up the rack when ``vertical``."""

    lines: tuple[str, ...]
    widths: tuple[float, ...]
    has_id: bool = False
    vertical: bool = False
    px: int = 10

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


class RackLabelsItem(BoundedItem):
    """Rack labels (id, the colour metric's value, GPUs) for the racks in view, drawn above
    trays and busways.

    One item paints the labels of the racks in the exposed rectangle, each on a
    small plate of the rack's own colour, so overhead lines never run through
    the text. A label says what the rack's colour says (kW, or the % of the
    metric chosen). Whether it shows depends on what fits, not on the zoom: the id
    over the value where the id fits across the rack; else the value alone, level,
    or turned along a rack too narrow for it but long enough (a 600 mm rack shows
    its kW where an 800 mm one does), in the label font or a pixel smaller, as
    short as it must be (no unit, no decimals); else nothing, never drawn over its
    neighbours. Racks of one size at one zoom take one orientation and size: the
    hall's longest whole figure decides it, so a row does not mix level and turned
    labels; and every value in view takes one form (with its unit and decimals,
    without the unit, or whole), the longest every size of rack has room for, so no
    rack reads "133" beside one reading "21.3 kW". With the airflow overlay on, a label lies across the air's path and
    covers at most half of its arrow, so the arrow's tail and head show.
    """

    #: pixels a label keeps clear of its rack's sides
    MARGIN_PX = 3.0
    #: pixels per line of a label with the id, and the plate's padding
    LINE_PX = 14
    #: the value's sizes (pixels), first choice first
    VALUE_PX = (10, 9)
    #: the share of an airflow arrow a label may cover
    ARROW_SHARE = 0.5
    #: the airflow overlay's arrow spans this share of its rack's depth
    ARROW_SPAN = 0.84

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        self.setZValue(44)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._bold = label_font(11, True)
        self._fonts = {px: label_font(px) for px in self.VALUE_PX}
        self._bold_w = _TextWidths(self._bold)
        self._widths = {px: _TextWidths(f) for px, f in self._fonts.items()}
        self._small = self._fonts[10]
        self._small_w = self._widths[10]
        self._texts: dict[tuple, tuple[tuple[str, float], ...]] = {}
        self._short: dict[tuple, int] = {}  # the long forms values skip, per zoom
        self._short_step: tuple = (None, 0)  # the answer for the analysis on show
        self.painted_state: tuple = ()  # hall_state() of the labels last painted
        self._sizes: tuple = (None, [])  # the racks' sizes on screen: (signature, sizes)
        self._ref: tuple[tuple, dict[int, float], int] = ((), {}, 0)
        self._reach: tuple[int, float] = (0, 0.0)
        # a label is laid out once per rack size, value and state, and drawn from a sprite
        # of its text on its plate: hundreds of racks in view repeat a few of each
        self._memo: dict[tuple, RackLabel | None] = {}
        self._sprites: dict[tuple, QPixmap] = {}

    @staticmethod
    def thickness(px: int) -> float:
        """Return the pixels a one-line plate of the value at ``px`` takes across its text."""
        return px + 4.0

    def label_lines(self, rack_id: str, w_px: float, h_px: float) -> list[str]:
        """Return the lines of a rack's label on a rack drawn ``w_px`` x ``h_px`` pixels:
        id, value with its unit and GPUs where they fit; else the value alone, as short as
        it must be; ``[]`` when not even that fits."""
        label = self.label_layout(rack_id, w_px, h_px)
        return list(label.lines) if label is not None else []

    def label_layout(self, rack_id: str, w_px: float, h_px: float) -> RackLabel | None:
        """Return how a rack's label fits the rack drawn ``w_px`` x ``h_px`` pixels (None:
        no label fits)."""
        item = self._fp.item_for(rack_id)
        flow_x = isinstance(item, RackItem) and item._front[0] != 0
        # the zoom this size of rack is drawn at (a label's precision is the hall's there)
        width_m = item.rect().width() if isinstance(item, RackItem) else 0.0
        lod = w_px / width_m if width_m > 0 else 1.0 / self._fp.px_to_m()
        return self._cached_layout(rack_id, self._fp._rack_i(rack_id), w_px, h_px, flow_x,
                                   self._airflow_on(), lod)

    def _airflow_on(self) -> bool:
        ov = getattr(self._fp, "overlays", {}).get("airflow")
        return ov is not None and ov.isVisible()

    #: the forms a value shows in, longest first: (with its unit, decimals; None: the
    #: metric's own)
    FORMS = ((True, None), (False, None), (False, 0))

    def _value_texts(self, value: float, px: int = 10, short: int = 0
                     ) -> tuple[tuple[str, float], ...]:
        """The texts a value may show as, longest first, with their widths in pixels;
        ``short``: how many of the longest :attr:`FORMS` the hall's labels at this zoom
        skip."""
        metric = self._fp.metric
        key = (metric, value, px, short)
        found = self._texts.get(key)
        if found is None:
            if len(self._texts) > 8192:
                self._texts.clear()
            texts: list[tuple[str, float]] = []
            for unit, digits in self.FORMS[short:]:
                text = metric_text(metric, value, unit, digits)
                if text and all(text != t for t, _w in texts):
                    texts.append((text, self._widths[px](text)))
            found = self._texts[key] = tuple(texts)
        return found

    def _reference_px(self, px: int) -> float:
        """The width at ``px`` of the hall's longest whole figure (all eights): the width a
        rack's label orientation is chosen for, so equal racks at one zoom agree."""
        self._reference_digits()
        return self._ref[1][px]

    def _reference_digits(self) -> int:
        """The digits of the hall's longest whole figure (see :meth:`_reference_px`)."""
        values = self._fp.rack_values
        key = (id(values), len(values), self._fp.metric)
        if self._ref[0] != key:
            finite = np.abs(values[np.isfinite(values)]) if len(values) else values
            top = float(finite.max()) if len(finite) else 0.0
            digits = len(f"{top:.0f}")
            self._ref = (key, {p: self._widths[p]("8" * digits) for p in self.VALUE_PX}, digits)
        return self._ref[2]

    def hall_state(self, lod: float | None = None) -> tuple:
        """What every rack's label at zoom ``lod`` (the view's by default) depends on beyond
        its own rack: the hall-wide precision and the digits of the widest figure. When it
        changes (a rack turned, a value grown a digit), every label on screen must be drawn
        again; :attr:`painted_state` is the one last painted."""
        if lod is None:
            views = self.scene().views() if self.scene() is not None else []
            lod = math.hypot(views[0].transform().m11(), views[0].transform().m12()) \
                if views else 0.0
        if lod <= 0 or self._fp.analysis is None:
            return ()
        return (round(lod, 3), self._short_at(lod, self._airflow_on()),
                self._reference_digits())

    def _short_at(self, lod: float, airflow: bool) -> int:
        """How many of the longest :attr:`FORMS` the racks' values skip at zoom ``lod``
        (pixels per metre): one form for the metric at one zoom, so a rack turned a
        quarter, wider on screen, does not show "41.1 kW" among neighbours showing "41".
        A form shows when every size of rack in the hall has room for the hall's widest
        value in it (where it has room for a label at all)."""
        values = self._fp.rack_values
        a = self._fp.analysis
        # asked once per rack label: answered once per analysis, zoom and state
        step = (id(a), id(values), self._fp.metric, round(lod, 3), airflow)
        if self._short_step[0] == step:
            return self._short_step[1]
        found = self._short_now(values, a, lod, airflow)
        self._short_step = (step, found)
        return found

    def _short_now(self, values: np.ndarray, a, lod: float, airflow: bool) -> int:
        if a is None or not len(values):
            return 0
        finite = values[np.isfinite(values)]
        if not len(finite):
            return 0
        widest = float(finite[np.argmax(np.abs(finite))])
        arr = a.arrays
        rot = np.asarray(arr.rack_rot_deg)
        # the rack sizes change with a turn or a rack type, not with a drag's moves
        sig = hash((arr.rack_w_m.tobytes(), arr.rack_d_m.tobytes(), rot.tobytes()))
        if self._sizes[0] != sig:
            quarter = (rot // 90) % 2 == 1
            w = np.where(quarter, arr.rack_d_m, arr.rack_w_m)
            h = np.where(quarter, arr.rack_w_m, arr.rack_d_m)
            self._sizes = (sig, np.unique(np.round(np.column_stack([w, h, quarter]), 6),
                                          axis=0).tolist())
        key = (sig, widest, self._fp.metric, round(lod, 3), airflow)
        found = self._short.get(key)
        if found is not None:
            return found
        if len(self._short) > 256:
            self._short.clear()
        found = 0
        texts = [metric_text(self._fp.metric, widest, u, d) for u, d in self.FORMS]
        for bw, bh, q in self._sizes[1]:
            label = self._layout("", -1, bw * lod, bh * lod, bool(q), value=widest,
                                 short=0, airflow=airflow)
            if label is not None and label.lines[-1] in texts:
                found = max(found, texts.index(label.lines[-1]))
        self._short[key] = found
        return found

    def _cached_layout(self, rack_id: str, i: int, w_px: float, h_px: float,
                       flow_x: bool, airflow: bool, lod: float) -> RackLabel | None:
        """:meth:`_layout`, remembered per rack size (to a quarter pixel), value and state:
        racks of one size and value share it; only a label that may carry its id is the
        rack's own."""
        values = self._fp.rack_values
        if not 0 <= i < len(values):
            return None
        may_id = not (airflow and flow_x) and \
            self._bold_w(rack_id) <= w_px - 2 * self.MARGIN_PX
        a = self._fp.analysis
        own = (rack_id, int(a.arrays.rack_gpus[i]) if a is not None else 0) if may_id else None
        short = self._short_at(lod, airflow)
        key = (own, round(w_px * 4), round(h_px * 4), flow_x, float(values[i]), airflow,
               self._fp.metric, self._reference_digits(), short)
        found = self._memo.get(key, self)
        if found is self:
            if len(self._memo) > 20000:
                self._memo.clear()
            found = self._memo[key] = self._layout(rack_id, i, w_px, h_px, flow_x,
                                                   short=short, airflow=airflow)
        return found

    def _layout(self, rack_id: str, i: int, w_px: float, h_px: float, flow_x: bool,
                value: float | None = None, short: int = 0,
                airflow: bool | None = None) -> RackLabel | None:
        """The label of rack ``rack_id`` (index ``i``) drawn ``w_px`` x ``h_px`` pixels;
        ``flow_x``: its air runs across the screen (a rack turned a quarter); ``short``:
        the long forms of the value skipped (see :meth:`_value_texts`). With ``value`` and no ``rack_id``: the label that
        value alone would take on such a rack."""
        values = self._fp.rack_values
        if value is None:
            if not 0 <= i < len(values):
                return None
            value = float(values[i])
        if min(w_px, h_px) < self.thickness(min(self.VALUE_PX)) + 2:
            return None
        airflow = self._airflow_on() if airflow is None else airflow
        # along the air's path a label may cover this much of the arrow (pixels)
        depth = w_px if flow_x else h_px
        on_path = self.ARROW_SHARE * self.ARROW_SPAN * depth if airflow else math.inf
        # with the arrows on, a label lies across the air's path: level on a rack whose
        # air runs up the screen, turned on one turned a quarter
        level_ok = not (airflow and flow_x)
        upright_ok = flow_x if airflow else h_px > w_px
        room = w_px - 2 * self.MARGIN_PX
        id_w = self._bold_w(rack_id) if rack_id else math.inf
        if level_ok and id_w <= room:
            lines, widths = [rack_id], [id_w]
            # under the id, in the hall's form at this zoom (or one shorter)
            for text, w in self._value_texts(value, short=short)[:2]:
                if w <= room:
                    lines.append(text)
                    widths.append(w)
                    break
            a = self._fp.analysis
            gpus = int(a.arrays.rack_gpus[i]) if a is not None and h_px >= 64 else 0
            if gpus and self._small_w(f"{gpus} GPU") <= room:
                lines.append(f"{gpus} GPU")
                widths.append(self._small_w(lines[-1]))
            keep = int(min(h_px - 4, on_path + 1e-9 - 4) // self.LINE_PX)
            if keep >= 2 and len(lines) >= 2:
                return RackLabel(tuple(lines[:keep]), tuple(widths[:keep]), True)
            if keep >= 1 and not math.isfinite(value):
                # no value to show (a load of unknown power): the rack's id alone
                return RackLabel(tuple(lines[:1]), tuple(widths[:1]), True)
        # the value alone: the first size and orientation the hall's longest figure fits
        tiers = [(vertical, px) for px in self.VALUE_PX for vertical in (False, True)
                 if (upright_ok if vertical else level_ok)]
        for vertical, px in tiers:
            along, across = (h_px, w_px) if vertical else (w_px, h_px)
            room = along - 2 * self.MARGIN_PX
            thick = self.thickness(px)
            if thick > min(across - 2, on_path) or self._reference_px(px) > room:
                continue
            for text, w in self._value_texts(value, px, short):
                if w <= room:
                    return RackLabel((text,), (w,), False, vertical, px)
        return None

    def _plate(self, dev: QRectF, lines, widths) -> QRectF:
        """The plate of a label of ``lines`` (a :class:`RackLabel`, or lines under an id)
        ``widths`` pixels wide, centred on the rack's device rectangle ``dev``; in device
        pixels, a turned label's long side up the rack."""
        label = lines if isinstance(lines, RackLabel) else \
            RackLabel(tuple(lines), tuple(widths), True)
        c = dev.center()
        text_w = max(widths) + 8
        if label.has_id:
            plate_w = min(dev.width() - 2 * self.MARGIN_PX + 2, text_w)
            plate_h = self.LINE_PX * len(label.lines) + 4
        elif label.vertical:
            plate_w = self.thickness(label.px)
            plate_h = min(dev.height() - 2 * self.MARGIN_PX + 2, text_w)
        else:
            plate_w = min(dev.width() - 2 * self.MARGIN_PX + 2, text_w)
            plate_h = self.thickness(label.px)
        return QRectF(c.x() - plate_w / 2, c.y() - plate_h / 2, plate_w, plate_h)

    def _reach_px(self, lod: float) -> bool:
        """Whether any rack of the hall is drawn wide enough at ``lod`` to carry a label."""
        a = self._fp.analysis
        if a is None:
            return False
        if self._reach[0] != id(a):
            arr = a.arrays
            short = np.minimum(arr.rack_w_m, arr.rack_d_m) if arr.n_racks else np.zeros(0)
            self._reach = (id(a), float(short.max()) if len(short) else 0.0)
        return lod * self._reach[1] >= self.thickness(min(self.VALUE_PX)) + 2

    def plate_boxes(self, t: QTransform, area: QRectF) -> list[QRectF]:
        """Return the device rectangles of the labels of the racks in device rectangle
        ``area`` at the view transform ``t`` (text drawn above them keeps clear)."""
        if not self._fp.detail or not self.isVisible() or not self._reach_px(t.m11()):
            return []
        inv, _ok = t.inverted()
        out = []
        airflow = self._airflow_on()
        for item in self._fp.model_items_in(inv.mapRect(area)):
            if isinstance(item, RackItem):
                dev = t.mapRect(item.sceneBoundingRect())
                label = self._cached_layout(item.model_id, self._fp._rack_i(item.model_id),
                                            dev.width(), dev.height(), item._front[0] != 0,
                                            airflow, t.m11())
                if label is not None:
                    out.append(self._plate(dev, label, label.widths))
        return out

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = _lod(painter, option)
        # no rack of the hall is wide enough for a label at this zoom: no loop over them
        if not self._fp.detail or not self._reach_px(lod):
            return
        a = self._fp.analysis
        t = painter.worldTransform()
        self.painted_state = self.hall_state(math.hypot(t.m11(), t.m12()))
        painter.save()
        try:  # the painter is given back as it came, whatever a label does
            painter.resetTransform()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            self._paint_labels(painter, t, option.exposedRect, a)
        finally:
            painter.restore()

    def _paint_labels(self, painter: QPainter, t: QTransform, exposed: QRectF, a) -> None:
        """Draw the labels of the racks in scene rectangle ``exposed`` (device pixels)."""
        # looked up once per rack (a drag repaints a few racks a step, often in two pieces:
        # this loop is on the drag's critical path)
        lut = self._fp.rack_lut
        n = len(lut)
        index = a.arrays.rack_index
        colors = self._colors(self._fp.metric)
        least = self.thickness(min(self.VALUE_PX)) + 2
        airflow = self._airflow_on()
        lod = math.hypot(t.m11(), t.m12())
        # on screen a label is a sprite; a PDF or SVG gets its text as text
        engine = painter.paintEngine()
        raster = engine is not None and engine.type() == QPaintEngine.Type.Raster
        dpr = painter.device().devicePixelRatioF() if raster else 1.0
        for item in self._fp.model_items_in(exposed):
            if not isinstance(item, RackItem):
                continue
            dev = t.mapRect(item.sceneBoundingRect())
            w, h = dev.width(), dev.height()
            if w < least or h < least:
                continue
            rid = item.model_id
            i = index.get(rid, -1)
            if not 0 <= i < n:
                continue
            label = self._cached_layout(rid, i, w, h, item._front[0] != 0, airflow, lod)
            if label is None:
                continue
            k = int(lut[i])
            bg, ink = colors.get(k) or colors[-1]
            plate = self._plate(dev, label, label.widths)
            if not raster:
                self._draw_label(painter, plate, label, bg, ink)
                continue
            pw, ph = math.ceil(plate.width()), math.ceil(plate.height())
            key = (label, pw, ph, k, dpr, self._fp.metric)  # (colours follow the metric)
            sprite = self._sprites.get(key)
            if sprite is None:
                if len(self._sprites) > 4096:
                    self._sprites.clear()
                sprite = self._sprites[key] = self._sprite(label, pw, ph, bg, ink, dpr)
            painter.drawPixmap(QPointF(round(plate.center().x() - pw / 2),
                                       round(plate.center().y() - ph / 2)), sprite)

    def _sprite(self, label: RackLabel, pw: int, ph: int, bg: QColor, ink: QColor,
                dpr: float) -> QPixmap:
        """Return a label drawn on its plate, ``pw`` x ``ph`` pixels at ``dpr``."""
        pm = QPixmap(max(1, math.ceil(pw * dpr)), max(1, math.ceil(ph * dpr)))
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self._draw_label(p, QRectF(0, 0, pw, ph), label, bg, ink)
        p.end()
        return pm

    def _draw_label(self, painter: QPainter, plate: QRectF, label: RackLabel, bg: QColor,
                    ink: QColor) -> None:
        """Draw ``label`` on its plate ``plate`` (device pixels, the painter untransformed)."""
        centre = Qt.AlignmentFlag.AlignCenter
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        if label.has_id:
            painter.drawRoundedRect(plate, 3, 3)
            painter.setPen(ink)
            for k, text in enumerate(label.lines):
                painter.setFont(self._bold if k == 0 else self._small)
                painter.drawText(QRectF(plate.left() - 4, plate.top() + 2 + self.LINE_PX * k,
                                        plate.width() + 8, self.LINE_PX), centre, text)
            return
        painter.setFont(self._fonts[label.px])
        if not label.vertical:
            painter.drawRoundedRect(plate, 3, 3)
            painter.setPen(ink)
            painter.drawText(plate.adjusted(-4, 0, 4, 0), centre, label.lines[0])
            return
        # turned a quarter left: reads up the rack, as a plan labels a long thin thing
        back = painter.worldTransform()
        painter.translate(plate.center())
        painter.rotate(-90)
        box = QRectF(-plate.height() / 2, -plate.width() / 2, plate.height(), plate.width())
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(ink)
        painter.drawText(box.adjusted(-4, 0, 4, 0), centre, label.lines[0])
        painter.setWorldTransform(back)

    _COLORS: dict[str, dict[int, tuple[QColor, QColor]]] = {}

    def _colors(self, metric: str) -> dict[int, tuple[QColor, QColor]]:
        """Plate and ink colours per colour index of ``metric`` (-1: a rack with no value)."""
        found = self._COLORS.get(metric)
        if found is None:
            brushes = list(enumerate(METRICS[metric].brushes)) + [(-1, self._fp.empty_brush)]
            found = {}
            for k, brush in brushes:
                bg = QColor(brush.color())
                bg.setAlpha(225)
                found[k] = (bg, _ink_for(brush.color()))
            self._COLORS[metric] = found
        return found


ITEM_CLASSES: dict[str, type[ModelItem]] = {
    "racks": RackItem, "cooling": CoolingUnitItem, "feeds": FeedItem, "trays": TrayItem,
    "obstacles": ObstacleItem,
}
