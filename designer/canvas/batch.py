"""Zoomed-out drawing: every rack, unit, feed and tray of the hall in a few path fills.

When a rack is only a few pixels wide, painting thousands of items one by one
costs more than the frame has (each ``paint`` is a Python call). The scene then
switches the model items to ``ItemHasNoContents`` — they stay selectable and
hit-testable — and this one item draws them all from numpy arrays, as
pyqtgraph does: boxes and segments become one ``QPainterPath`` per colour via
``pyqtgraph.arrayToQPath`` and are filled or stroked in a handful of calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas.style import METRICS, PALETTE, cosmetic

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene
    from engine.analysis import Analysis
    from engine.model import Layout

__all__ = ["rects_path", "merge_boxes", "segments_path", "BatchLayer", "DETAIL_PX_PER_M"]

#: Zoom (pixels per metre) from which items paint themselves (a 600 mm rack is 10 px).
DETAIL_PX_PER_M = 16.0


def rects_path(boxes: np.ndarray) -> QPainterPath:
    """Return one path of closed rectangles from (N, 4) plan boxes ``minx, miny, maxx, maxy``.

    Scene y is plan y flipped.
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not len(b):
        return QPainterPath()
    x0, y0, x1, y1 = b[:, 0], -b[:, 1], b[:, 2], -b[:, 3]
    xs = np.stack([x0, x1, x1, x0, x0], 1).ravel()
    ys = np.stack([y0, y0, y1, y1, y0], 1).ravel()
    connect = np.ones(len(xs), bool)
    connect[4::5] = False
    path = pg.arrayToQPath(xs, ys, connect=connect, finiteCheck=False)
    path.setFillRule(Qt.FillRule.WindingFill)
    return path


def merge_boxes(boxes: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Merge boxes that continue each other along x (same y extent, touching), vectorized.

    A row of racks or an aisle strip becomes one box, so a fill rasterizes
    tens of rectangles instead of thousands.

    Examples
    --------
    >>> merge_boxes(np.array([[1, 0, 2, 1], [0, 0, 1, 1], [3, 0, 4, 1]], float)).tolist()
    [[0.0, 0.0, 2.0, 1.0], [3.0, 0.0, 4.0, 1.0]]
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(b) < 2:
        return b
    b = b[np.lexsort((b[:, 0], b[:, 3], b[:, 1]))]
    same = (np.abs(b[1:, 1] - b[:-1, 1]) < eps) & (np.abs(b[1:, 3] - b[:-1, 3]) < eps)
    touch = same & (b[1:, 0] <= b[:-1, 2] + eps)
    start = np.flatnonzero(np.concatenate([[True], ~touch]))
    x1 = np.maximum.reduceat(b[:, 2], start)
    return np.stack([b[start, 0], b[start, 1], x1, b[start, 3]], 1)


def segments_path(seg: np.ndarray) -> QPainterPath:
    """Return one path of separate line segments from (N, 4) plan ``x0, y0, x1, y1``."""
    s = np.asarray(seg, np.float64).reshape(-1, 4)
    if not len(s):
        return QPainterPath()
    xs = s[:, [0, 2]].ravel()
    ys = -s[:, [1, 3]].ravel()
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


def _polyline_segments(points_lists: list[list[tuple[float, float]]]) -> np.ndarray:
    segs = [(a[0], a[1], b[0], b[1]) for pts in points_lists
            for a, b in zip(pts[:-1], pts[1:], strict=True)]
    return np.array(segs, np.float64).reshape(-1, 4)


class BatchLayer(QGraphicsItem):
    """Draws the model items of a zoomed-out view from arrays (see the module doc)."""

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        self.setZValue(9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF()
        self._rack_groups: list[tuple[int, QPainterPath]] = []
        self._empty = QPainterPath()
        self._edges: tuple[QPainterPath, QPainterPath] | None = None
        self._geometry = (np.zeros((0, 4)), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
        self._units: dict[str, QPainterPath] = {}
        self._feeds: dict[str, QPainterPath] = {}
        self._trays = QPainterPath()
        self._selected = QPainterPath()
        self._min_rack_m = 0.6
        self._cooling_src: object = None
        self._feeds_src: object = None
        self._trays_src: object = None
        self._unit_boxes = np.zeros((0, 4))
        self._unit_kinds = np.zeros(0, object)
        self._feed_segs = np.zeros((0, 4))
        self._feed_owner = np.zeros(0, np.int64)
        self._feed_side = np.zeros(0, object)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def set_bounds(self, rect: QRectF) -> None:
        """Set the scene rectangle the layer paints in."""
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)

    def refresh(self, layout: Layout, analysis: Analysis, rack_lut: np.ndarray) -> None:
        """Rebuild the paths from the analysis (racks) and the layout (units, feeds, trays).

        ``rack_lut`` gives each rack's colour index in the current metric, -1 for none.
        """
        arr = analysis.arrays
        quarter = (arr.rack_rot_deg // 90) % 2 == 1
        hx = np.where(quarter, arr.rack_d_m, arr.rack_w_m) / 2
        hy = np.where(quarter, arr.rack_w_m, arr.rack_d_m) / 2
        x, y = arr.rack_x_m, arr.rack_y_m
        boxes = np.stack([x - hx, y - hy, x + hx, y + hy], 1) if len(x) else np.zeros((0, 4))
        self._min_rack_m = float(np.min(np.minimum(hx, hy)) * 2) if len(x) else 0.6
        lut = np.asarray(rack_lut, np.int64)
        self._rack_groups = [(int(k), rects_path(merge_boxes(boxes[lut == k])))
                             for k in np.unique(lut[lut >= 0])] if len(lut) == len(x) else []
        self._empty = rects_path(merge_boxes(boxes[lut < 0] if len(lut) == len(x) else boxes))
        self._edges = None  # rack outlines and front lines: built when a zoom shows them
        self._geometry = (boxes, arr.rack_rot_deg.copy(), hx, hy)
        self._refresh_units(layout, analysis)
        self._refresh_feeds(layout, analysis)
        if layout.trays is not self._trays_src:
            self._trays_src = layout.trays
            self._trays = segments_path(_polyline_segments([list(t.points)
                                                            for t in layout.trays]))
        self.refresh_selection()
        self.update()

    def _build_edges(self) -> tuple[QPainterPath, QPainterPath]:
        boxes, rot, hx, hy = self._geometry
        if not len(boxes):
            return QPainterPath(), QPainterPath()
        x, y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        th = np.deg2rad(rot.astype(np.float64))
        fx, fy = np.round(np.sin(th), 9), np.round(-np.cos(th), 9)
        inset = 0.04
        along_x = np.abs(fx) > 0.5
        cx, cy = x + fx * (hx - inset), y + fy * (hy - inset)
        px, py = np.where(along_x, 0, hx), np.where(along_x, hy, 0)
        return rects_path(boxes), segments_path(np.stack([cx - px, cy - py, cx + px, cy + py], 1))

    def _refresh_units(self, layout: Layout, analysis: Analysis) -> None:
        # unit geometry changes only when the cooling list does (edits share unchanged lists)
        if layout.cooling is not self._cooling_src:
            self._cooling_src = layout.cooling
            boxes, kinds = [], []
            for u in layout.cooling:
                item = self._fp.item_for(u.id)
                boxes.append(item.plan_box() if item is not None else (u.x_m, u.y_m, u.x_m,
                                                                        u.y_m))
                kinds.append(u.kind)
            self._unit_boxes = np.array(boxes, np.float64).reshape(-1, 4)
            self._unit_kinds = np.array(kinds, dtype=object)
            self._units = {k: rects_path(self._unit_boxes[self._unit_kinds == k])
                           for k in ("crah", "cdu", "rear_door")}
        util = analysis.cooling.unit_utilization
        over = util > 1.0 if len(util) == len(self._unit_boxes) else np.zeros(0, bool)
        self._units["over"] = rects_path(self._unit_boxes[over])

    def _refresh_feeds(self, layout: Layout, analysis: Analysis) -> None:
        if layout.feeds is not self._feeds_src:
            self._feeds_src = layout.feeds
            segs, owner, sides = [], [], []
            for k, f in enumerate(layout.feeds):
                for a, b in zip(f.points[:-1], f.points[1:], strict=True):
                    segs.append((a[0], a[1], b[0], b[1]))
                    owner.append(k)
                sides.append(f.side)
            self._feed_segs = np.array(segs, np.float64).reshape(-1, 4)
            self._feed_owner = np.array(owner, np.int64)
            self._feed_side = np.array(sides, dtype=object)
        util = analysis.power.feed_utilization
        if len(util) != len(self._feed_side):
            util = np.zeros(len(self._feed_side))
        over = (util > 1.0)[self._feed_owner] if len(self._feed_owner) else np.zeros(0, bool)
        side = self._feed_side[self._feed_owner] if len(self._feed_owner) else \
            np.zeros(0, object)
        self._feeds = {"A": segments_path(self._feed_segs[~over & (side == "A")]),
                       "B": segments_path(self._feed_segs[~over & (side == "B")]),
                       "over": segments_path(self._feed_segs[over])}

    def refresh_selection(self) -> None:
        """Rebuild the selection highlight from the scene's selected items."""
        boxes = [it.plan_box() for it in self._fp.selectedItems() if hasattr(it, "plan_box")]
        self._selected = rects_path(np.array(boxes, np.float64).reshape(-1, 4))
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        cmap = METRICS[self._fp.metric]
        painter.setPen(Qt.PenStyle.NoPen)
        for k, path in self._rack_groups:
            painter.fillPath(path, cmap.brushes[k])
        painter.fillPath(self._empty, self._fp.empty_brush)
        rack_px = lod * self._min_rack_m
        if rack_px >= 4:
            if self._edges is None:
                self._edges = self._build_edges()
            all_racks, fronts = self._edges
            edge = QColor(PALETTE.rack_edge)
            edge.setAlpha(int(min(200, 40 + 16 * rack_px)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(cosmetic(edge, 1))
            painter.drawPath(all_racks)
            painter.setPen(cosmetic(PALETTE.rack_front, 1))
            painter.drawPath(fronts)
        for kind, fill, edge in (("crah", PALETTE.crah_fill, PALETTE.crah_edge),
                                 ("cdu", PALETTE.cdu_fill, PALETTE.cdu_edge),
                                 ("rear_door", PALETTE.door, PALETTE.door)):
            path = self._units.get(kind)
            if path is not None and not path.isEmpty():
                painter.setBrush(QColor(fill))
                painter.setPen(cosmetic(edge, 1))
                painter.drawPath(path)
        over = self._units.get("over")
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if over is not None and not over.isEmpty():
            painter.setPen(cosmetic(PALETTE.error, 1.5))
            painter.drawPath(over)
        tray = QColor(PALETTE.tray_fill)
        tray.setAlpha(110)
        painter.setPen(cosmetic(tray, 1))
        painter.drawPath(self._trays)
        for key, color in (("A", PALETTE.feed_a), ("B", PALETTE.feed_b), ("over", PALETTE.error)):
            path = self._feeds.get(key)
            if path is not None and not path.isEmpty():
                c = QColor(color)
                c.setAlpha(150 if key != "over" else 230)
                painter.setPen(cosmetic(c, 1))
                painter.drawPath(path)
        if not self._selected.isEmpty():
            fill = QColor(PALETTE.selection)
            fill.setAlpha(90)
            painter.setBrush(fill)
            painter.setPen(cosmetic(PALETTE.selection, 1.5))
            painter.drawPath(self._selected)
