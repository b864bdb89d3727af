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
from PySide6.QtGui import QColor, QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas.items import FEED_GAP_PX, BoundedItem, feed_offset_sign
from designer.canvas.style import METRICS, PALETTE, cosmetic
from engine.arrayops import unique_sorted
from engine.compile import front_vectors

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene
    from engine.analysis import Analysis
    from engine.model import Layout

__all__ = ["reaching_into", "rects_path", "merge_boxes", "merge_strips", "segments_path", "box_groups", "LayeredPaths",
           "BatchLayer", "DETAIL_PX_PER_M"]

#: Zoom (pixels per metre) from which items paint themselves (a 600 mm rack is 10 px).
DETAIL_PX_PER_M = 16.0


_FEW_RECTS = 48  # below this many rectangles, QPainterPath.addRect beats an array path


def reaching_into(boxes: np.ndarray, rect: QRectF, margin: float = 0.0) -> np.ndarray:
    """Return which (N, 4) plan boxes or segments (``x0, y0, x1, y1`` in either order)
    reach into scene rectangle ``rect`` grown by ``margin`` (scene y is plan y flipped).

    Examples
    --------
    >>> b = np.array([[0, 0, 1, 1], [5, 5, 6, 6]], float)
    >>> reaching_into(b, QRectF(0.5, -2.0, 1.0, 1.5)).tolist()
    [True, False]
    """
    x0, x1 = rect.left() - margin, rect.right() + margin
    y0, y1 = -rect.bottom() - margin, -rect.top() + margin  # plan y
    b = boxes
    return ((np.minimum(b[:, 0], b[:, 2]) <= x1) & (np.maximum(b[:, 0], b[:, 2]) >= x0)
            & (np.minimum(b[:, 1], b[:, 3]) <= y1) & (np.maximum(b[:, 1], b[:, 3]) >= y0))


def rects_path(boxes: np.ndarray) -> QPainterPath:
    """Return one path of closed rectangles from (N, 4) plan boxes ``minx, miny, maxx, maxy``.

    Scene y is plan y flipped.
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not len(b):
        return QPainterPath()
    if len(b) <= _FEW_RECTS:  # a few (a drag step's repaint): no array conversion
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)
        for bx0, by0, bx1, by1 in b.tolist():
            path.addRect(QRectF(bx0, -by1, bx1 - bx0, by1 - by0))
        return path
    x0, y0, x1, y1 = b[:, 0], -b[:, 1], b[:, 2], -b[:, 3]
    xs = np.stack([x0, x1, x1, x0, x0], 1).ravel()
    ys = np.stack([y0, y0, y1, y1, y0], 1).ravel()
    connect = np.ones(len(xs), bool)
    connect[4::5] = False
    path = pg.arrayToQPath(xs, ys, connect=connect, finiteCheck=False)
    path.setFillRule(Qt.FillRule.WindingFill)
    return path


def merge_boxes(boxes: np.ndarray, eps: float = 1e-6, bridge: float = 0.0) -> np.ndarray:
    """Merge boxes that continue each other along x (same y extent, touching), vectorized.

    A row of racks or an aisle strip becomes one box, so a fill rasterizes
    tens of rectangles instead of thousands. Boxes up to ``bridge`` apart also
    merge, the gap between them filled.

    Examples
    --------
    >>> merge_boxes(np.array([[1, 0, 2, 1], [0, 0, 1, 1], [3, 0, 4, 1]], float)).tolist()
    [[0.0, 0.0, 2.0, 1.0], [3.0, 0.0, 4.0, 1.0]]
    >>> merge_boxes(np.array([[1, 0, 2, 1], [0, 0, 1, 1], [3, 0, 4, 1]], float), bridge=1).tolist()
    [[0.0, 0.0, 4.0, 1.0]]
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(b) < 2:
        return b
    b = b[np.lexsort((b[:, 0], b[:, 3], b[:, 1]))]
    same = (np.abs(b[1:, 1] - b[:-1, 1]) < eps) & (np.abs(b[1:, 3] - b[:-1, 3]) < eps)
    touch = same & (b[1:, 0] <= b[:-1, 2] + eps + bridge)
    start = np.flatnonzero(np.concatenate([[True], ~touch]))
    x1 = np.maximum.reduceat(b[:, 2], start)
    return np.stack([b[start, 0], b[start, 1], x1, b[start, 3]], 1)


#: how long a gap in a row an aisle tint spans: a missing rack or three (four 600 mm
#: tiles); the aisle runs on past it, and a notch there would read as a drawing fault
AISLE_BRIDGE_M = 2.4


def row_depths(x: np.ndarray, y: np.ndarray, hx: np.ndarray, hy: np.ndarray,
               along_y: np.ndarray, tol_m: float = 0.35
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return rack centres and half extents stretched across their row to the row's
    deepest racks, so that the aisle strips of a row mixing rack depths (1,068 mm NVL72
    racks beside 1,200 mm network racks) start on one line, vectorized.

    Racks stand in one row line when their rows run the same way (``along_y``) and
    their centres lie within ``tol_m`` of the next one's across the row.

    Examples
    --------
    A shallow rack beside a deep one, a deep one further along the line, and a rack of
    the next row 2.4 m on:

    >>> x = np.array([0.3, 0.9, 5.0, 0.3]); y = np.array([1.0, 1.066, 1.0, 3.4])
    >>> hx = np.full(4, 0.3); hy = np.array([0.534, 0.6, 0.6, 0.534])
    >>> _x, y2, _hx, hy2 = row_depths(x, y, hx, hy, np.zeros(4, bool))
    >>> (y2 - hy2).round(3).tolist(), (y2 + hy2).round(3).tolist()
    ([0.4, 0.4, 0.4, 2.866], [1.666, 1.666, 1.666, 3.934])
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    hx, hy = np.asarray(hx, np.float64), np.asarray(hy, np.float64)
    along_y = np.asarray(along_y, bool)
    if len(x) < 2:
        return x, y, hx, hy
    c = np.where(along_y, x, y)  # across the row
    h = np.where(along_y, hx, hy)
    order = np.lexsort((c, along_y))
    cs, ws = c[order], along_y[order]
    new = np.concatenate([[True], (np.diff(cs) > tol_m) | (ws[1:] != ws[:-1])])
    group = np.empty(len(x), np.int64)
    group[order] = np.cumsum(new) - 1
    starts = np.flatnonzero(new)  # the groups are runs of the sorted order
    lo = np.minimum.reduceat((c - h)[order], starts)
    hi = np.maximum.reduceat((c + h)[order], starts)
    mid, half = (lo[group] + hi[group]) / 2, (hi[group] - lo[group]) / 2
    return (np.where(along_y, mid, x), np.where(along_y, y, mid),
            np.where(along_y, half, hx), np.where(along_y, hy, half))


def merge_strips(boxes: np.ndarray, along_y: np.ndarray, bridge: float = AISLE_BRIDGE_M
                 ) -> np.ndarray:
    """Merge racks' aisle strips into one box per stretch of aisle, vectorized.

    ``along_y`` marks the strips of racks in rows running along y (turned 90° or
    270°); the others run along x. Strips of one row line continue each other
    along it, across gaps up to ``bridge`` m; strips of different rows never
    merge across a row.

    Examples
    --------
    >>> s = np.array([[0, 0, .6, .6], [1.2, 0, 1.8, .6], [0, 3, .6, 3.6], [0, 3.6, .6, 4.2]])
    >>> merge_strips(s, np.array([False, False, True, True])).tolist()
    [[0.0, 0.0, 1.8, 0.6], [0.0, 3.0, 0.6, 4.2]]
    """
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    along_y = np.asarray(along_y, bool)
    across = merge_boxes(b[~along_y], bridge=bridge)
    swap = [1, 0, 3, 2]  # a row along y merges as a row along x with the axes swapped
    down = merge_boxes(b[along_y][:, swap], bridge=bridge)[:, swap]
    return np.concatenate([across, down])


def _toward(segs: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """Return, per plan segment ``(x0, y0, x1, y1)``, the screen axis direction ``(dx,
    dy)`` its run is drawn off its line: ``offset_polyline``'s normal in scene
    coordinates times the run's ``sign``, on its larger axis."""
    if not len(segs):
        return np.zeros((0, 2), np.int64)
    dx, dy = segs[:, 2] - segs[:, 0], -(segs[:, 3] - segs[:, 1])  # scene: y down
    nx, ny = -dy * sign, dx * sign
    across = np.abs(nx) >= np.abs(ny)
    return np.stack([np.where(across, np.sign(nx), 0), np.where(across, 0, np.sign(ny))],
                    1).astype(np.int64)


def segments_path(seg: np.ndarray) -> QPainterPath:
    """Return one path of separate line segments from (N, 4) plan ``x0, y0, x1, y1``."""
    s = np.asarray(seg, np.float64).reshape(-1, 4)
    if not len(s):
        return QPainterPath()
    xs = s[:, [0, 2]].ravel()
    ys = -s[:, [1, 3]].ravel()
    return pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)


def box_groups(boxes: np.ndarray, keys: np.ndarray) -> dict[int, QPainterPath]:
    """Return one merged rectangle path per key of (N, 4) plan ``boxes``."""
    return {int(k): rects_path(merge_boxes(boxes[keys == k])) for k in np.unique(keys)}


class LayeredPaths:
    """Paths of many things split into a base, built rarely, and a live top layer.

    A drag changes a few racks of thousands. While ``live``, :meth:`update`
    compares each row of ``signature`` (what a thing's drawing depends on: its
    box, its colour) with the base's; the rows that differ move to the top
    layer, and only that layer is rebuilt each step. The base is rebuilt when a
    new row starts to differ, and everything is rebuilt when not live (an
    edit committed, a reload), when the count changes, or when more than
    ``max_live`` rows differ. Painting the base and then the top layer draws
    the same picture as one path of everything.
    """

    def __init__(self, max_live: int = 256) -> None:
        self.max_live = max_live
        self._sig: np.ndarray | None = None
        self._live = np.zeros(0, np.int64)
        self.base: dict = {}
        self.top: dict = {}

    def update(self, signature: np.ndarray, live: bool, build) -> None:
        """Bring the layers up to date; ``build(index_array)`` returns ``{key: path}``."""
        sig = np.asarray(signature, np.float64)
        if live and self._sig is not None and sig.shape == self._sig.shape:
            diff = np.flatnonzero(np.any(sig != self._sig, axis=1))
            fresh = diff[~np.isin(diff, self._live)]  # (a few rows: no hashing, no sort)
            if len(self._live) + len(fresh) <= self.max_live:
                if len(fresh):
                    self._live = unique_sorted(np.concatenate([self._live, fresh]))
                    rest = np.ones(len(sig), bool)
                    rest[self._live] = False
                    self.base = build(np.flatnonzero(rest))
                self.top = build(self._live)
                return
        self._sig = sig.copy()
        self._live = np.zeros(0, np.int64)
        self.base = build(np.arange(len(sig)))
        self.top = {}

    @property
    def live_index(self) -> np.ndarray:
        """Indices drawn in the top layer."""
        return self._live

    def items(self) -> list[tuple]:
        """Return ``(key, path)`` of the base, then of the top layer."""
        return [*self.base.items(), *self.top.items()]


def _polyline_segments(points_lists: list[list[tuple[float, float]]]) -> np.ndarray:
    segs = [(a[0], a[1], b[0], b[1]) for pts in points_lists
            for a, b in zip(pts[:-1], pts[1:], strict=True)]
    return np.array(segs, np.float64).reshape(-1, 4)


class BatchLayer(BoundedItem):
    """Draws the model items of a zoomed-out view from arrays (see the module doc).

    The whole view paints from cached paths. A small exposed region (a drag step
    repaints the moved rack and its surroundings) paints from the arrays instead:
    only the boxes and segments that reach into the region become paths, so the
    cost follows the region, not the hall.
    """

    #: exposed share of the layer below which painting filters the arrays first
    PARTIAL_SHARE = 0.02

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        self.setZValue(9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._racks = LayeredPaths()  # fills by colour index (-1: no load)
        self._edges = LayeredPaths()  # rack outlines and front lines
        self._edges_stale = True
        self._live = False
        self._boxes = np.zeros((0, 4))
        self._lut = np.zeros(0, np.int64)
        self._rot = np.zeros(0, np.int64)
        self._hx, self._hy = np.zeros(0), np.zeros(0)
        self._min_rack_m = 0.6
        self._cooling_src: object = None
        self._feeds_src: object = None
        self._trays_src: object = None
        self._unit_boxes = np.zeros((0, 4))
        self._unit_kinds = np.zeros(0, object)
        self._unit_over = np.zeros(0, bool)
        self._units: dict[str, QPainterPath] = {}
        self._feed_segs = np.zeros((0, 4))
        self._feed_owner = np.zeros(0, np.int64)
        self._feed_toward = np.zeros((0, 2), np.int64)  # screen direction off its line
        self._feed_side = np.zeros(0, object)
        self._seg_side = np.zeros(0, object)
        self._seg_over: np.ndarray | None = None
        self._feeds: dict[str, QPainterPath] = {}
        self._tray_segs = np.zeros((0, 4))
        self._trays = QPainterPath()
        self._sel_boxes = np.zeros((0, 4))
        self._selected = QPainterPath()

    # -- data -----------------------------------------------------------------------------------

    def refresh(self, layout: Layout, analysis: Analysis, rack_lut: np.ndarray,
                boxes: np.ndarray, hx: np.ndarray, hy: np.ndarray, repaint: bool = True,
                live: bool = False) -> None:
        """Rebuild the paths from the analysis (racks) and the layout (units, feeds, trays).

        ``rack_lut`` gives each rack's colour index in the current metric, -1 for none;
        ``boxes`` (N, 4) and the half sizes ``hx``, ``hy`` are the racks' plan footprints.
        ``repaint=False`` when the caller repaints the changed region itself;
        ``live`` during a drag preview (see :class:`LayeredPaths`).
        """
        arr = analysis.arrays
        x = arr.rack_x_m
        self._min_rack_m = float(np.min(np.minimum(hx, hy)) * 2) if len(x) else 0.6
        lut = np.asarray(rack_lut, np.int64)
        if len(lut) != len(x):
            lut = np.full(len(x), -1, np.int64)
        self._racks.update(np.column_stack([boxes, lut]), live,
                           lambda idx: box_groups(boxes[idx], lut[idx]))
        self._live = live
        self._edges_stale = True  # outlines and front lines: built when a zoom shows them
        self._boxes, self._lut, self._rot = boxes, lut, arr.rack_rot_deg.copy()
        self._hx, self._hy = hx, hy
        self._refresh_units(layout, analysis)
        self._refresh_feeds(layout, analysis)
        if layout.trays is not self._trays_src:
            self._trays_src = layout.trays
            self._tray_segs = _polyline_segments([list(t.points) for t in layout.trays])
            self._trays = segments_path(self._tray_segs)
        self.refresh_selection(repaint)
        if repaint:
            self.update()

    def _build_edges(self) -> None:
        boxes, rot, hx, hy = self._boxes, self._rot, self._hx, self._hy
        self._edges.update(np.column_stack([boxes, rot]), self._live,
                           lambda idx: self._edge_paths(boxes[idx], rot[idx], hx[idx], hy[idx]))
        self._edges_stale = False

    @staticmethod
    def _edge_paths(boxes, rot, hx, hy) -> dict[str, QPainterPath]:
        if not len(boxes):
            return {}
        x, y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        fx, fy = front_vectors(rot)
        inset = 0.04
        along_x = np.abs(fx) > 0.5
        cx, cy = x + fx * (hx - inset), y + fy * (hy - inset)
        px, py = np.where(along_x, 0, hx), np.where(along_x, hy, 0)
        return {"outline": rects_path(boxes),
                "front": segments_path(np.stack([cx - px, cy - py, cx + px, cy + py], 1))}

    @staticmethod
    def _unit_paths(boxes: np.ndarray, kinds: np.ndarray) -> dict[str, QPainterPath]:
        return {k: rects_path(boxes[kinds == k]) for k in ("crah", "cdu", "rear_door")}

    @staticmethod
    def _feed_paths(segs: np.ndarray, side: np.ndarray, over: np.ndarray,
                    toward: np.ndarray) -> dict:
        """Return ``{(key, (dx, dy)): path}``: the runs of side A, B and over budget,
        by the screen direction they are drawn off their line (see ``FeedItem``)."""
        out = {}
        # the few directions in use (a unique of rows would sort them as np.unique does)
        parts = (("A", ~over & (side == "A")), ("B", ~over & (side == "B")), ("over", over))
        for d in sorted({(int(x), int(y)) for x, y in toward.tolist()}):
            here = np.all(toward == d, axis=1)
            for key, part in parts:
                if np.any(here & part):
                    out[key, (int(d[0]), int(d[1]))] = segments_path(segs[here & part])
        return out

    def _refresh_units(self, layout: Layout, analysis: Analysis) -> None:
        # unit geometry changes only when the cooling list does (edits share unchanged lists)
        if layout.cooling is not self._cooling_src:
            self._cooling_src = layout.cooling
            boxes, kinds = [], []
            for u in layout.cooling:
                item = self._fp.item_for(u.id)  # (a new one: see invalidate_units)
                boxes.append(item.plan_box() if item is not None else (u.x_m, u.y_m, u.x_m,
                                                                        u.y_m))
                kinds.append(u.kind)
            self._unit_boxes = np.array(boxes, np.float64).reshape(-1, 4)
            self._unit_kinds = np.array(kinds, dtype=object)
            self._units = self._unit_paths(self._unit_boxes, self._unit_kinds)
            self._unit_over = np.zeros(0, bool)
        util = analysis.cooling.unit_utilization
        over = util > 1.0 if len(util) == len(self._unit_boxes) else \
            np.zeros(len(self._unit_boxes), bool)
        if "over" not in self._units or not np.array_equal(over, self._unit_over):
            self._unit_over = over
            self._units["over"] = rects_path(self._unit_boxes[over])

    def invalidate_units(self) -> None:
        """Forget the unit footprints (new unit items exist): the next refresh rebuilds them."""
        self._cooling_src = None

    def _refresh_feeds(self, layout: Layout, analysis: Analysis) -> None:
        if layout.feeds is not self._feeds_src:
            self._feeds_src = layout.feeds
            segs, owner, sides, signs = [], [], [], []
            for k, f in enumerate(layout.feeds):
                for a, b in zip(f.points[:-1], f.points[1:], strict=True):
                    segs.append((a[0], a[1], b[0], b[1]))
                    owner.append(k)
                sides.append(f.side)
                signs.append(feed_offset_sign([(x, -y) for x, y in f.points], f.side))
            self._feed_segs = np.array(segs, np.float64).reshape(-1, 4)
            self._feed_owner = np.array(owner, np.int64)
            self._feed_toward = _toward(self._feed_segs, np.array(signs)[self._feed_owner]
                                        if len(self._feed_owner) else np.zeros(0))
            self._feed_side = np.array(sides, dtype=object)
            self._seg_side = self._feed_side[self._feed_owner] if len(self._feed_owner) else \
                np.zeros(0, object)
            self._seg_over = None
        util = analysis.power.feed_utilization
        if len(util) != len(self._feed_side):
            util = np.zeros(len(self._feed_side))
        over = (util > 1.0)[self._feed_owner] if len(self._feed_owner) else np.zeros(0, bool)
        if self._seg_over is None or not np.array_equal(over, self._seg_over):
            self._seg_over = over
            self._feeds = self._feed_paths(self._feed_segs, self._seg_side, over,
                                           self._feed_toward)

    def refresh_selection(self, repaint: bool = True) -> None:
        """Rebuild the selection highlight from the scene's selected items."""
        boxes = [it.plan_box() for it in self._fp.selectedItems() if hasattr(it, "plan_box")]
        self._sel_boxes = np.array(boxes, np.float64).reshape(-1, 4)
        self._selected = rects_path(self._sel_boxes)
        if repaint:
            self.update()

    # -- painting -------------------------------------------------------------------------------

    def _paths_in(self, rect: QRectF, margin: float, edges: bool) -> dict:
        """Return the paths of what reaches into scene ``rect`` (plus ``margin``), from
        the arrays, in the structure :meth:`paint` draws."""
        def hit(b: np.ndarray) -> np.ndarray:
            return reaching_into(b, rect, margin)

        ix = np.flatnonzero(hit(self._boxes))
        live = self._racks.live_index
        in_top = np.zeros(len(self._boxes), bool)
        in_top[live[live < len(in_top)]] = True
        base, top = ix[~in_top[ix]], ix[in_top[ix]]  # (sorted, as ix is)
        racks = [*box_groups(self._boxes[base], self._lut[base]).items(),
                 *box_groups(self._boxes[top], self._lut[top]).items()]
        out = {"racks": racks, "edges": []}
        if edges:
            for part in (base, top):
                out["edges"] += list(self._edge_paths(self._boxes[part], self._rot[part],
                                                      self._hx[part], self._hy[part]).items())
        u = hit(self._unit_boxes)
        units = self._unit_paths(self._unit_boxes[u], self._unit_kinds[u])
        units["over"] = rects_path(self._unit_boxes[u & self._unit_over]) \
            if len(self._unit_over) == len(u) else QPainterPath()
        out["units"] = units
        out["trays"] = segments_path(self._tray_segs[hit(self._tray_segs)])
        f = hit(self._feed_segs)
        over = self._seg_over if self._seg_over is not None else np.zeros(len(f), bool)
        out["feeds"] = self._feed_paths(self._feed_segs[f], self._seg_side[f], over[f],
                                        self._feed_toward[f])
        out["selected"] = rects_path(self._sel_boxes[hit(self._sel_boxes)])
        return out

    def _paths_all(self, edges: bool) -> dict:
        if edges and self._edges_stale:
            self._build_edges()
        return {"racks": self._racks.items(), "edges": self._edges.items() if edges else [],
                "units": self._units, "trays": self._trays, "feeds": self._feeds,
                "selected": self._selected}

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rack_px = lod * self._min_rack_m
        edges = rack_px >= 4
        exposed = option.exposedRect
        whole = self._rect.width() * self._rect.height()
        if whole > 0 and exposed.width() * exposed.height() < self.PARTIAL_SHARE * whole:
            paths = self._paths_in(exposed, 4.0 / max(lod, 1e-9), edges)
        else:
            paths = self._paths_all(edges)
        cmap = METRICS[self._fp.metric]
        painter.setPen(Qt.PenStyle.NoPen)
        for k, path in paths["racks"]:
            painter.fillPath(path, cmap.brushes[k] if k >= 0 else self._fp.empty_brush)
        if edges:
            edge = QColor(PALETTE.rack_edge)
            edge.setAlpha(int(min(200, 40 + 16 * rack_px)))
            pens = {"outline": cosmetic(edge, 1), "front": cosmetic(PALETTE.rack_front, 1)}
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for key, path in paths["edges"]:
                painter.setPen(pens[key])
                painter.drawPath(path)
        units = paths["units"]
        for kind, fill, edge in (("crah", PALETTE.crah_fill, PALETTE.crah_edge),
                                 ("cdu", PALETTE.cdu_fill, PALETTE.cdu_edge),
                                 ("rear_door", PALETTE.door, PALETTE.door)):
            path = units.get(kind)
            if path is not None and not path.isEmpty():
                painter.setBrush(QColor(fill))
                painter.setPen(cosmetic(edge, 1))
                painter.drawPath(path)
        over = units.get("over")
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if over is not None and not over.isEmpty():
            painter.setPen(cosmetic(PALETTE.error, 1.5))
            painter.drawPath(over)
        tray = QColor(PALETTE.tray_fill)
        tray.setAlpha(110)
        painter.setPen(cosmetic(tray, 1))
        painter.drawPath(paths["trays"])
        colors = {"A": PALETTE.feed_a, "B": PALETTE.feed_b, "over": PALETTE.error}
        shift = (1.0 + FEED_GAP_PX) / 2  # a 1 px pen off its line, as FeedItem draws it
        world = painter.worldTransform()
        for (key, (dx, dy)), path in sorted(paths["feeds"].items(), key=lambda kv: kv[0][0]
                                            == "over"):
            c = QColor(colors[key])
            c.setAlpha(150 if key != "over" else 230)
            painter.setPen(cosmetic(c, 1))
            painter.setWorldTransform(world * QTransform.fromTranslate(dx * shift, dy * shift))
            painter.drawPath(path)
        painter.setWorldTransform(world)
        selected = paths["selected"]
        if not selected.isEmpty():
            fill = QColor(PALETTE.selection)
            fill.setAlpha(90)
            painter.setBrush(fill)
            painter.setPen(cosmetic(PALETTE.selection, 1.5))
            painter.drawPath(selected)
