"""Drawing and reshaping polylines on the floor plan: trays, busways, walls, keep-out zones.

:class:`DrawTool` collects the points of a new shape: each click adds a point
(on the tile grid; Alt places it freely; Shift keeps the segment at a right
angle to the last one), the rubber segment follows the mouse with its length,
Backspace takes back the last point, Enter or a double-click finishes and Esc
cancels. The finished shape becomes one document command: a tray, a busway
that feeds the racks under it, a wall of 200 mm along the line, or a keep-out
polygon.

:class:`VertexHandles` marks the points of the one selected tray, busway or
obstacle. Dragging a handle moves that point (the analysis follows live, one
command on release); a double-click on a point removes it and a double-click
on a segment inserts one, on the grid like a dragged point (Alt, or snapping
off: where it was clicked).

The measuring tool is the same gesture without a result in the layout: it
shows each segment's length and the total. :class:`SnapGuides` draws the
edges a dragged footprint snapped to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas.items import BoundedItem
from designer.canvas.style import PALETTE, cosmetic, label_font
from engine import edits

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene

__all__ = ["DRAW_KINDS", "DrawTool", "with_article", "ShapePreview", "VertexHandles", "VertexDrag",
           "polyline_length_m", "SnapGuides", "HoverOutline", "inserted_point", "orthogonal", "snapped"]

#: kind -> (menu text, noun for messages, least points, closed polygon)
DRAW_KINDS: dict[str, tuple[str, str, int, bool]] = {
    "tray": ("Cable tray", "cable tray", 2, False),
    "busway-A": ("Busway, A side", "A-side busway", 2, False),
    "busway-B": ("Busway, B side", "B-side busway", 2, False),
    "wall": ("Wall", "wall", 2, False),
    "keepout": ("Keep-out zone", "keep-out zone", 3, True),
    "column": ("Column", "column", 1, False),
    "measure": ("Measure distance", "measurement", 2, False),
    "row": ("Row of racks like the selected one", "row of racks", 2, False),
}

HANDLE_PX = 7.0  # drawn size of a vertex handle
PICK_PX = 10.0  # how near (pixels) a click must be to pick a vertex or a segment


def with_article(noun: str) -> str:
    """``noun`` after "a" or "an" as it is read: "an A-side busway", "a wall".

    >>> with_article("A-side busway"), with_article("B-side busway"), with_article("wall")
    ('an A-side busway', 'a B-side busway', 'a wall')
    """
    return f"{'an' if noun[:1] in 'AEIOaeio' else 'a'} {noun}"


def snapped(p: tuple[float, float], grid: float, free: bool = False) -> tuple[float, float]:
    """Return plan point ``p`` on the ``grid`` (``free`` or no grid: rounded to the mm).

    Examples
    --------
    >>> snapped((22.217, 12.709), 0.6), snapped((22.217, 12.709), 0.6, free=True)
    ((22.2, 12.6), (22.217, 12.709))
    """
    if free or not grid:
        return round(p[0], 3), round(p[1], 3)
    return float(edits.snap(p[0], grid)), float(edits.snap(p[1], grid))


def aligned(q: tuple[float, float], raw: tuple[float, float],
            neighbours: list[tuple[float, float]], tol_m: float) -> tuple[float, float]:
    """Return grid point ``q`` with each coordinate taken from a neighbouring point where
    the pointer (``raw``) is within ``tol_m`` of it: a corner dragged along a wall keeps
    the wall straight, even where the wall is off the grid.

    Examples
    --------
    >>> aligned((10.2, 10.2), (10.17, 10.26), [(12.6, 10.243), (10.2, 0.0)], 0.27)
    (10.2, 10.243)
    >>> aligned((10.2, 9.6), (10.17, 9.7), [(12.6, 10.243)], 0.27)
    (10.2, 9.6)
    """
    out = list(q)
    for axis in (0, 1):
        near = [n[axis] for n in neighbours if abs(raw[axis] - n[axis]) <= tol_m]
        if near:
            out[axis] = min(near, key=lambda v: abs(raw[axis] - v))
    return out[0], out[1]


def inserted_point(a: tuple[float, float], b: tuple[float, float], foot: tuple[float, float],
                   grid: float, free: bool = False) -> tuple[float, float]:
    """Return where a point inserted at ``foot`` on segment ``a``-``b`` goes.

    On the grid like a dragged point (``free`` or a ``grid`` of 0: where it was
    clicked), except that the segment keeps its line: on a horizontal or vertical
    segment the new point takes the coordinate the two ends share, so a wall stays
    straight even where it is off the grid; on a slanted one it snaps along the
    segment's longer axis and sits on the line there (no kink in a diagonal wall).

    Examples
    --------
    >>> inserted_point((30.0, 0.0), (30.0, 20.0), (30.0, 12.709), 0.6)
    (30.0, 12.6)
    >>> inserted_point((0.0, 20.05), (30.0, 20.05), (22.217, 20.05), 0.6)
    (22.2, 20.05)
    >>> inserted_point((0.0, 0.0), (30.0, 0.0), (22.217, 0.0), 0.6, free=True)
    (22.217, 0.0)
    >>> inserted_point((0.0, 0.0), (6.0, 3.0), (4.1, 2.05), 0.6)
    (4.2, 2.1)
    """
    q = snapped(foot, grid, free)
    if a[0] == b[0]:
        return (a[0], q[1])
    if a[1] == b[1]:
        return (q[0], a[1])
    if free:
        return q
    # a slanted segment: the grid along its longer axis, the line for the other
    dx, dy = b[0] - a[0], b[1] - a[1]
    k = 0 if abs(dx) >= abs(dy) else 1
    lo, hi = sorted((a[k], b[k]))
    t = (min(max(q[k], lo), hi) - a[k]) / (dx if k == 0 else dy)
    x, y = a[0] + t * dx, a[1] + t * dy
    if min(abs(x - e[0]) + abs(y - e[1]) for e in (a, b)) < 1e-6:
        return (round(foot[0], 4), round(foot[1], 4))  # no grid step short of an end
    return (round(x, 4), round(y, 4))


def orthogonal(last: tuple[float, float], p: tuple[float, float]) -> tuple[float, float]:
    """Return ``p`` moved onto the horizontal or vertical line through ``last``.

    Examples
    --------
    >>> orthogonal((0.0, 0.0), (5.0, 1.0)), orthogonal((0.0, 0.0), (1.0, -4.0))
    ((5.0, 0.0), (0.0, -4.0))
    """
    return (p[0], last[1]) if abs(p[0] - last[0]) >= abs(p[1] - last[1]) else (last[0], p[1])


def polyline_length_m(points: list[tuple[float, float]]) -> float:
    """Return the length of a polyline in metres.

    Examples
    --------
    >>> polyline_length_m([(0, 0), (3, 0), (3, 4)])
    7.0
    """
    return sum(math.dist(a, b) for a, b in zip(points[:-1], points[1:], strict=True))


@dataclass
class DrawTool:
    """The points of a shape being drawn (plan metres) and where the mouse is."""

    kind: str
    points: list[tuple[float, float]] = field(default_factory=list)
    cursor: tuple[float, float] | None = None
    model_id: str | None = None  # the rack a row of racks copies
    pitch_m: float = 0.0  # its width: one rack per pitch along the row

    @property
    def title(self) -> str:
        return DRAW_KINDS[self.kind][1]

    @property
    def min_points(self) -> int:
        return DRAW_KINDS[self.kind][2]

    @property
    def closed(self) -> bool:
        return DRAW_KINDS[self.kind][3]

    def place(self, p: tuple[float, float], grid: float, free: bool = False,
              square: bool = False) -> tuple[float, float]:
        """Return where a click at plan point ``p`` puts the next point."""
        q = snapped(p, grid, free)
        if square and self.points:
            q = orthogonal(self.points[-1], q)
        return q

    def add(self, p: tuple[float, float]) -> bool:
        """Add a point (a repeat of the last one is ignored); return whether it was added."""
        if self.points and self.points[-1] == p:
            return False
        self.points.append(p)
        return True

    def undo_point(self) -> bool:
        """Take back the last point; return whether there was one."""
        if not self.points:
            return False
        self.points.pop()
        return True

    def row_places(self, run_m: float) -> int:
        """The places a row of racks drawn ``run_m`` long has (as
        :func:`engine.edits.rack_row` counts them: whole rack widths, at least one)."""
        return max(1, int(run_m / self.pitch_m + 1e-9)) if self.pitch_m > 0 else 1

    def ready(self) -> bool:
        """Whether enough points are placed to finish."""
        return len(self.points) >= self.min_points

    def hint(self) -> str:
        """The status-bar line for the current step: the length of the points placed, and
        apart from it the length with the rubber segment to the cursor (what finishing
        now adds is the first figure)."""
        n = len(self.points)
        if self.kind == "column":
            return ("Placing columns (600 × 600 mm): each click puts one on the grid; Esc "
                    "ends")
        head = {"measure": "Measuring", "row": f"A row of racks like {self.model_id}"}.get(
            self.kind, f"Drawing {with_article(self.title)}")
        if n:
            head += f": {n} point{'s' * (n != 1)}"
            if n > 1:
                head += f", {polyline_length_m(self.points):,.2f} m"
            if self.cursor is not None and self.cursor != self.points[-1]:
                to_cursor = polyline_length_m(self.points + [self.cursor])
                head += f"{';' if n > 1 else ','} {to_cursor:,.2f} m to the cursor"
                if self.kind == "measure":
                    # the last leg across and along the plan, as a tape would give them
                    (x0, y0), (x1, y1) = self.points[-1], self.cursor
                    head += f" (Δx {abs(x1 - x0):,.2f} m, Δy {abs(y1 - y0):,.2f} m)"
            if self.kind == "row" and self.pitch_m > 0 and self.cursor is not None:
                a, b = self.points[0], self.cursor
                run = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
                head += f", {self.row_places(run)} rack places"
        if self.ready():
            tail = "Enter or double-click finishes"
        else:
            tail = "click to place points"
        return (f"{head} — {tail}; Shift: right angles, Alt: off the grid, "
                "Backspace: take back a point, Esc: cancel")


class ShapePreview(QGraphicsItem):
    """The dashed shape of a :class:`DrawTool`, its rubber segment and segment lengths."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(60)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._pts: list[QPointF] = []
        self._closed = False
        self._rect = QRectF()
        #: a row tool's racks to be: scene rectangles, and whether each place is free
        self._ghosts: list[tuple[QRectF, bool]] = []
        self.hide()

    def set_ghosts(self, boxes: list[tuple[float, float, float, float]],
                   free: list[bool]) -> None:
        """Show the footprints a row of racks would take (plan boxes ``x0, y0, x1, y1``):
        a free place outlined, one on a rack, a unit or an obstacle crossed out."""
        self.prepareGeometryChange()
        self._ghosts = [(QRectF(x0, -y1, x1 - x0, y1 - y0), ok)
                        for (x0, y0, x1, y1), ok in zip(boxes, free, strict=True)]
        self.update()

    def show_tool(self, tool: DrawTool | None) -> None:
        """Draw ``tool``'s points and cursor (None hides the preview)."""
        if tool is None or tool.kind != "row" or not tool.points:
            if self._ghosts:
                self.prepareGeometryChange()
                self._ghosts = []
        if tool is None:
            self.hide()
            return
        pts = list(tool.points) + ([tool.cursor] if tool.cursor is not None else [])
        self.prepareGeometryChange()
        self._pts = [QPointF(x, -y) for x, y in pts]
        self._closed = tool.closed
        if self._pts:
            xs = [p.x() for p in self._pts]
            ys = [p.y() for p in self._pts]
            self._rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        else:
            self._rect = QRectF()
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        # labels and dots are drawn in pixels around the points: a generous margin
        rect = self._rect
        for box, _ok in self._ghosts:
            rect = rect.united(box)
        return rect.adjusted(-6, -6, 6, 6)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self._pts:
            return
        color = QColor(PALETTE.selection)
        for box, ok in self._ghosts:  # the row's racks to be, under its line
            ghost = QColor(color if ok else QColor("#d32f2f"))
            fill = QColor(ghost)
            fill.setAlpha(45 if ok else 25)
            painter.setPen(cosmetic(ghost, 1, Qt.PenStyle.SolidLine if ok
                                    else Qt.PenStyle.DashLine))
            painter.setBrush(fill)
            painter.drawRect(box)
            if not ok:
                painter.drawLine(box.topLeft(), box.bottomRight())
                painter.drawLine(box.topRight(), box.bottomLeft())
        path = QPainterPath(self._pts[0])
        for p in self._pts[1:]:
            path.lineTo(p)
        if self._closed and len(self._pts) > 2:
            path.closeSubpath()
            fill = QColor(color)
            fill.setAlpha(40)
            painter.fillPath(path, fill)
        painter.setPen(cosmetic(color, 2, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(color.darker(130), 1))
        painter.setBrush(QColor("white"))
        for p in self._pts:
            d = t.map(p)
            painter.drawEllipse(d, 3.5, 3.5)
        painter.setFont(label_font(10, True))
        for a, b in zip(self._pts[:-1], self._pts[1:], strict=True):
            length = math.hypot(b.x() - a.x(), b.y() - a.y())
            da, db = t.map(a), t.map(b)
            if length <= 0 or math.hypot(db.x() - da.x(), db.y() - da.y()) < 40:
                continue
            mid = (da + db) / 2
            text = f"{length:,.2f} m"  # as the status bar says it
            w = painter.fontMetrics().horizontalAdvance(text) + 8
            plate = QRectF(mid.x() - w / 2, mid.y() - 19, w, 16)
            # on a white plate: readable over dark racks and busy overlays
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 230))
            painter.drawRoundedRect(plate, 3, 3)
            painter.setPen(color.darker(140))
            painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


@dataclass
class VertexDrag:
    """A point of a shape being dragged."""

    item_id: str
    index: int
    points: list[tuple[float, float]]
    moved: bool = False
    cancelled: bool = False


class VertexHandles(QGraphicsItem):
    """Handles on the points of the selected tray, feed or obstacle."""

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        self.setZValue(61)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.item_id: str | None = None
        self.points: list[tuple[float, float]] = []
        self.closed = False
        self._rect = QRectF()
        self.hide()

    def show_for(self, item_id: str | None, points: list[tuple[float, float]] | None,
                 closed: bool = False) -> None:
        """Put handles on ``points`` of ``item_id`` (None hides them)."""
        if item_id is None or not points:
            self.item_id, self.points = None, []
            self.hide()
            return
        self.prepareGeometryChange()
        self.item_id, self.points, self.closed = item_id, list(points), closed
        xs = [x for x, _ in points]
        ys = [-y for _, y in points]
        self._rect = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-3, -3, 3, 3)

    def _segments(self) -> list[tuple[int, tuple[float, float], tuple[float, float]]]:
        pts = self.points
        segs = [(k, pts[k], pts[k + 1]) for k in range(len(pts) - 1)]
        if self.closed and len(pts) > 2:
            segs.append((len(pts) - 1, pts[-1], pts[0]))
        return segs

    def vertex_at(self, p: tuple[float, float], tol_m: float) -> int | None:
        """Return the index of the point within ``tol_m`` of plan point ``p``."""
        if not self.isVisible():
            return None
        best, best_d = None, tol_m
        for k, q in enumerate(self.points):
            d = math.dist(p, q)
            if d <= best_d:
                best, best_d = k, d
        return best

    def segment_at(self, p: tuple[float, float], tol_m: float, grid: float = 0.0,
                   free: bool = True) -> tuple[int, tuple[float, float]] | None:
        """Return (index to insert at, new point) of the segment within ``tol_m`` of ``p``:
        the foot of ``p`` on it, on the grid unless ``free`` (see :func:`inserted_point`)."""
        if not self.isVisible():
            return None
        for k, a, b in self._segments():
            ab = (b[0] - a[0], b[1] - a[1])
            n2 = ab[0] ** 2 + ab[1] ** 2
            if n2 <= 0:
                continue
            t = max(0.0, min(1.0, ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / n2))
            foot = (a[0] + t * ab[0], a[1] + t * ab[1])
            if math.dist(p, foot) <= tol_m:
                return k + 1, inserted_point(a, b, foot, grid, free)
        return None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setPen(QPen(QColor(PALETTE.selection).darker(130), 1))
        painter.setBrush(QColor("white"))
        h = HANDLE_PX
        for x, y in self.points:
            d = t.map(QPointF(x, -y))
            painter.drawRect(QRectF(d.x() - h / 2, d.y() - h / 2, h, h))
        painter.restore()


class SnapGuides(BoundedItem):
    """Dashed guide lines along the edges a moved footprint snapped to, each running
    from the moved footprint to the one it lines up with.

    A guide is ``(at_m, lo_m, hi_m)``: a vertical line at plan x ``at_m`` from y
    ``lo_m`` to ``hi_m``, or a horizontal one at plan y ``at_m`` from x ``lo_m`` to
    ``hi_m``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(55)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.vertical: tuple[float, float, float] | None = None
        self.horizontal: tuple[float, float, float] | None = None
        # always "shown", painting nothing without guides: hiding an item, or toggling
        # ItemHasNoContents, repaints its whole bounds (the hall) on every change

    @property
    def x_m(self) -> float | None:
        """Plan x of the vertical guide (None: none)."""
        return self.vertical[0] if self.vertical else None

    @property
    def y_m(self) -> float | None:
        """Plan y of the horizontal guide (None: none)."""
        return self.horizontal[0] if self.horizontal else None

    def show_edges(self, vertical: tuple[float, float, float] | None,
                   horizontal: tuple[float, float, float] | None) -> None:
        """Show these guides (None: none); repaints the old and new lines only."""
        if (vertical, horizontal) == (self.vertical, self.horizontal):
            return
        dirty = self._line_rects()
        self.vertical, self.horizontal = vertical, horizontal
        dirty += self._line_rects()
        scene = self.scene()
        if scene is not None:
            for r in dirty:
                scene.update(r)

    def isVisible(self) -> bool:  # noqa: N802 - Qt's name
        """Whether a guide shows."""
        return self.vertical is not None or self.horizontal is not None

    def _line_rects(self) -> list[QRectF]:
        views = self.scene().views() if self.scene() is not None else []
        scale = views[0].transform().m11() if views else 0.0
        t = 3.0 / scale if scale > 0 else 0.5
        out = []
        if self.vertical is not None:
            x, lo, hi = self.vertical
            out.append(QRectF(x - t, -hi - t, 2 * t, hi - lo + 2 * t))
        if self.horizontal is not None:
            y, lo, hi = self.horizontal
            out.append(QRectF(lo - t, -y - t, hi - lo + 2 * t, 2 * t))
        return out

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        color = QColor(PALETTE.selection)
        color.setAlpha(190)
        painter.setPen(cosmetic(color, 1, Qt.PenStyle.DashLine))
        if self.vertical is not None:
            x, lo, hi = self.vertical
            painter.drawLine(QPointF(x, -lo), QPointF(x, -hi))
        if self.horizontal is not None:
            y, lo, hi = self.horizontal
            painter.drawLine(QPointF(lo, -y), QPointF(hi, -y))


class HoverOutline(QGraphicsItem):
    """A thin outline around the item under the mouse, so a click's target is clear."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(54)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF()
        self.item_id: str | None = None
        self.hide()

    def show_rect(self, item_id: str | None, rect: QRectF | None) -> None:
        """Outline scene ``rect`` of ``item_id`` (None hides the outline)."""
        if item_id is None or rect is None:
            self.item_id = None
            self.hide()
            return
        if item_id == self.item_id and rect == self._rect and self.isVisible():
            return
        self.prepareGeometryChange()
        self.item_id, self._rect = item_id, QRectF(rect)
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-0.2, -0.2, 0.2, 0.2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        color = QColor(PALETTE.selection)
        color.setAlpha(200)
        painter.setPen(cosmetic(color, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self._rect)
