"""FloorPlanScene: the floor plan of one document, kept in step with it by signals.

The scene makes one canvas item per model object (``ITEM_CLASSES`` maps a
layout group to its item class), syncs items from the document's
``items_added``/``items_changed``/``items_removed``, colours racks from the
latest analysis, and turns mouse gestures into document calls: a drag shows a
live preview (:meth:`LayoutDocument.preview_move`) and pushes one move command
on release; Esc cancels. Moves snap to the tile grid (the drag delta, so rows
keep their alignment) and, within a few pixels, to the edges of nearby
footprints so racks butt together; Alt moves freely.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
)

from designer.canvas.batch import AISLE_BRIDGE_M, DETAIL_PX_PER_M, BatchLayer
from designer.canvas.draw import (
    DRAW_KINDS,
    PICK_PX,
    DrawTool,
    HoverOutline,
    ShapePreview,
    SnapGuides,
    VertexDrag,
    VertexHandles,
    aligned,
    orthogonal,
    polyline_length_m,
    snapped,
    with_article,
)
from designer.canvas.items import (
    ITEM_CLASSES,
    CoolingUnitItem,
    FloorItem,
    ModelItem,
    RackItem,
    RackLabelsItem,
    RowLabelsItem,
)
from designer.canvas.links import FabricHighlight, LinkHighlight
from designer.canvas.overlays import OVERLAY_CLASSES, OverlayItem, OverlayLayer
from designer.canvas.style import METRICS, PALETTE, cosmetic, label_font, lut_index, metric_text
from designer.document import LayoutDocument
from engine import edits
from engine.analysis import Analysis
from engine.compile import front_vectors, rack_geometry
from engine.floor import boxes as floor_boxes
from engine.floor import strips

__all__ = ["FloorPlanScene", "GhostItem"]

SNAP_PX = 8.0
_GROUP_WORDS = {"racks": "rack", "cooling": "unit", "feeds": "feed", "trays": "tray",
                "obstacles": "obstacle"}


def _shape_name(item_id: str) -> str:
    return "the hall outline" if item_id == edits.HALL_OUTLINE else item_id


@dataclass
class _Drawn:
    """What the last analysis put on the canvas, to find what the next one changes."""

    rack_ids: list[str]
    boxes: np.ndarray
    rot: np.ndarray
    lut: np.ndarray
    kw: np.ndarray
    unit_ids: list[str]
    unit_util: np.ndarray
    feed_ids: list[str]
    feed_util: np.ndarray
    metric: str
    metric_range: tuple[float, float]
    detail: bool
    #: (N, 8) cold and hot aisle strips, one row per rack (the floor's tints)
    aisles: np.ndarray = field(default_factory=lambda: np.zeros((0, 8)))
    #: each rack's value of the metric its label shows (NaN: none)
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: the layout's unit, feed and tray lists the boxes below were read from
    shapes_src: tuple = ()
    #: (K, 4) plan boxes of every unit, feed and tray as drawn (zoomed out, the batch
    #: layer paints them from arrays: a move must repaint where they were and are)
    shapes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))


@dataclass
class _Drag:
    press: QPointF
    ids: list[str]
    anchors: dict[str, tuple[float, float]]
    group_box: tuple[float, float, float, float] | None
    others: np.ndarray
    active: bool = False
    cancelled: bool = False
    moves: dict[str, tuple[float, float]] = field(default_factory=dict)


class GhostItem(QGraphicsItem):
    """The dashed footprint of what a palette drop would place, and where."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF()
        self._text = ""
        self._ok = True
        self._px_per_m = 10.0
        self._text_px = (0.0, 0.0)  # caption width and height in pixels
        self.hide()

    def set_scale(self, px_per_m: float) -> None:
        """Follow the view's zoom: the caption is sized in pixels, its bounds in metres."""
        if px_per_m > 0 and px_per_m != self._px_per_m:
            self.prepareGeometryChange()
            self._px_per_m = px_per_m

    def show_box(self, box: tuple[float, float, float, float] | None, text: str,
                 ok: bool = True) -> None:
        """Show a plan box (or hide with None) with a caption."""
        if box is None:
            self.hide()
            return
        x0, y0, x1, y1 = box
        rect = QRectF(x0, -y1, x1 - x0, y1 - y0)
        if text != self._text:
            fm = QFontMetricsF(label_font(11, True))
            size = (fm.horizontalAdvance(text) + 8.0, fm.height() + 8.0) if text else (0.0, 0.0)
        else:
            size = self._text_px
        if rect != self._rect or size != self._text_px:
            self.prepareGeometryChange()
            self._rect, self._text_px = rect, size
        self._text, self._ok = text, ok
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        # the footprint and its caption above the top-left corner (pixels at this zoom),
        # so a move repaints where the caption was
        w, h = (v / self._px_per_m for v in self._text_px)
        caption = QRectF(self._rect.left() - 0.1, self._rect.top() - h, w + 0.2, h)
        return self._rect.adjusted(-0.5, -0.5, 0.5, 0.5).united(caption)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        color = QColor(PALETTE.selection if self._ok else PALETTE.error)
        fill = QColor(color)
        fill.setAlpha(45)
        painter.setBrush(fill)
        painter.setPen(cosmetic(color, 1.5, Qt.PenStyle.DashLine))
        painter.drawRect(self._rect)
        if self._text:
            dev = painter.worldTransform().mapRect(self._rect)
            painter.save()
            painter.resetTransform()
            painter.setFont(label_font(11, True))
            painter.setPen(color.darker(120))
            painter.drawText(QPointF(dev.left(), dev.top() - 5), self._text)
            painter.restore()


class _Nothing(QGraphicsItem):
    """An item that covers and paints nothing."""

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:
        pass


def _shift_adds(event: QGraphicsSceneMouseEvent) -> None:
    """Make a Shift+click add to the selection (or take out), as Ctrl+click does in Qt:
    the habit of most drawing tools."""
    if event.button() == Qt.MouseButton.LeftButton and \
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
        event.setModifiers(event.modifiers() | Qt.KeyboardModifier.ControlModifier)


def _bridged(boxes: np.ndarray, along_y: np.ndarray, every: np.ndarray,
             bridge: float = AISLE_BRIDGE_M) -> np.ndarray:
    """Return aisle strips ``boxes`` (K, 4) grown along their row line to the nearest
    strip of ``every`` (N, 4) in that line within ``bridge`` m on each side: the gap
    :func:`designer.canvas.batch.merge_strips` fills with tint between them.

    Examples
    --------
    >>> every = np.array([[0, 0, 1, 1], [2, 0, 3, 1], [9, 0, 10, 1]], float)
    >>> _bridged(every[1:2], np.array([False]), every).tolist()
    [[1.0, 0.0, 3.0, 1.0]]
    """
    out = np.array(boxes, np.float64).reshape(-1, 4)
    if not len(out) or not len(every):
        return out
    for k in range(len(out)):
        b = out[k]
        lo, hi, a0, a1 = (0, 2, 1, 3) if not along_y[k] else (1, 3, 0, 2)
        same_line = (every[:, a0] < b[a1] - 1e-9) & (every[:, a1] > b[a0] + 1e-9)
        after = every[same_line & (every[:, lo] >= b[hi] - 1e-9), lo]
        before = every[same_line & (every[:, hi] <= b[lo] + 1e-9), hi]
        after = after[after - b[hi] <= bridge + 1e-9]
        before = before[b[lo] - before <= bridge + 1e-9]
        if len(after):
            out[k, hi] = max(b[hi], float(after.min()))
        if len(before):
            out[k, lo] = min(b[lo], float(before.max()))
    return out


class FloorPlanScene(QGraphicsScene):
    """The floor plan of a :class:`LayoutDocument` (scene units: metres, y flipped).

    Attributes
    ----------
    metric : str
        Rack colouring: ``"kw"``, ``"utilization"`` or ``"liquid"``.
    grid_m : float
        Snap step in metres (the hall's tile by default).
    snap_enabled : bool
        Whether moves and drops snap.
    """

    message = Signal(str)
    #: the drawing tool on ("Column", "A-side busway", ...), or "" when none is
    tool_changed = Signal(str)
    legend_changed = Signal()
    #: the hall outline's editing mode went on or off (Esc, another tool, a new document)
    outline_editing_changed = Signal(bool)

    def __init__(self, document: LayoutDocument, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.metric = "kw"
        self.grid_m = 0.6
        self.snap_enabled = True
        self.analysis: Analysis | None = None
        self.metric_range = (0.0, 1.0)
        self._items: dict[str, ModelItem] = {}
        self._unit_pos: dict[str, int] = {}
        self._feed_pos: dict[str, int] = {}
        self._drawn: _Drawn | None = None
        self._syncing = False
        # while many items change selection at once (a bulk select, delete or undo),
        # Qt's per-item selectionChanged is noted and handled once at the end
        self._batching = False
        self._selection_dirty = False
        self._raised: set = set()  # racks and units drawn raised while selected
        # while a rubber band is drawn: the items selected before it (None: no band)
        self._band_before: set | None = None
        self._drag: _Drag | None = None
        # an Alt+press: where, and the selection before it (a click then cycles the pick)
        self._cycle_from: tuple[QPointF, list[str]] | None = None
        #: a press on a tray or busway not yet picked: (item, screen point); a click picks it
        self._overhead_pick: tuple | None = None
        self.empty_brush = QBrush(QColor(PALETTE.rack_empty))
        self.selection_brush = QBrush(QColor(PALETTE.selection))
        self.front_brush = QBrush(QColor(PALETTE.rack_front))
        self.pens = {"rack_edge": cosmetic(PALETTE.rack_edge, 1),
                     "rack_front": cosmetic(PALETTE.rack_front, 1),
                     "rack_front_wide": cosmetic(PALETTE.rack_front, 2),
                     "selection": cosmetic(PALETTE.selection, 2.5)}
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.floor = FloorItem(self)
        self.addItem(self.floor)
        self.row_labels = RowLabelsItem()
        self.addItem(self.row_labels)
        self.rack_labels = RackLabelsItem(self)
        self.addItem(self.rack_labels)
        self.overlay_layer = OverlayLayer()
        self.addItem(self.overlay_layer)
        # overlays lie under the rack labels (z 44); their own text, such as the cable
        # bundles' counts, reads over them
        self.overlay_top = OverlayLayer(46)
        self.addItem(self.overlay_top)
        self.overlays: dict[str, OverlayItem] = {
            key: cls(self, self.overlay_layer) for key, cls in OVERLAY_CLASSES.items()}
        # and what an overlay tints under the racks (cooling zones) lies under them (z 10)
        self.overlay_under = OverlayLayer(5)
        self.addItem(self.overlay_under)
        for ov in self.overlays.values():
            if ov.labels is not None:
                ov.labels.setParentItem(self.overlay_top)
            if ov.underlay is not None:
                ov.underlay.setParentItem(self.overlay_under)
        self.link_highlight = LinkHighlight(self)
        self.addItem(self.link_highlight)
        self.fabric_highlight = FabricHighlight(self)
        self.addItem(self.fabric_highlight)
        self.ghost = GhostItem()
        self.addItem(self.ghost)
        self.batch = BatchLayer(self)
        self.batch.hide()
        self.addItem(self.batch)
        self.shape_preview = ShapePreview()
        self.addItem(self.shape_preview)
        self.handles = VertexHandles(self)
        self.addItem(self.handles)
        self.guides = SnapGuides()
        self.addItem(self.guides)
        self._pass = _Nothing()  # see update()
        self.addItem(self._pass)
        self.hover = HoverOutline()
        self.addItem(self.hover)
        self.last_snap_edges: tuple = (None, None)  # guides of the last snap (SnapGuides)
        self.tool: DrawTool | None = None
        self._vdrag: VertexDrag | None = None
        self._wall_thickness: dict[str, float] = {}  # a straight wall shown by its ends
        self._just_cycled = False  # the last click's release picked the next item (Alt)
        self.outline_editing = False  # the hall outline shows handles when nothing is selected
        self._unit_pct: np.ndarray | None = None  # unit percentages as last painted
        self._unit_timer = QTimer(self)
        self._unit_timer.setSingleShot(True)
        self._unit_timer.setInterval(100)
        self._unit_timer.timeout.connect(self._refresh_unit_labels)
        self.detail = True
        self._rack_lut = np.zeros(0, np.int64)
        self._rack_values = np.zeros(0)
        self._rows_stale = True
        self._rows_split = (np.zeros(0, str), np.zeros(0, np.int64))
        document.items_added.connect(self._on_added)
        document.items_removed.connect(self._on_removed)
        document.items_changed.connect(self._on_changed)
        document.layout_reset.connect(self._on_reset)
        document.analysis_updated.connect(self._on_analysis)
        document.selection_changed.connect(self.select_ids)
        document.undo_stack.indexChanged.connect(self._abort_drag)
        self.selectionChanged.connect(self._on_qt_selection)
        self._on_reset()
        self._on_added(document.ids())
        if document.analysis is not None:
            self._on_analysis(document.analysis)

    def update(self, *rect) -> None:
        """Repaint ``rect`` (a QRectF or x, y, w, h; the whole scene without one) in the
        same paint as the items that change in this event.

        Qt paints a scene's changes in the first of two queued passes to run: the one
        that rectangles of :meth:`update` start, and the one that an item's move or
        update starts, and then paints again in the other. A drag step's guide lines,
        row pills and changed racks (rectangles) come before the dragged rack moves,
        which would paint the view twice a step; an update of an item that draws
        nothing queues the item pass first, and it paints the rectangles with it.
        """
        self._pass.update()
        super().update(*rect)

    # -- look-ups for the items ------------------------------------------------------------------

    @property
    def rack_lut(self) -> np.ndarray:
        """Each rack's colour index in the current metric (-1: none), in layout order."""
        return self._rack_lut

    def _rack_i(self, rack_id: str) -> int:
        a = self.analysis
        if a is None:
            return -1
        i = a.arrays.rack_index.get(rack_id, -1)
        return i if 0 <= i < len(self._rack_lut) else -1

    @property
    def rack_values(self) -> np.ndarray:
        """Each rack's value of the current metric (kW or %, NaN: none), in layout order."""
        return self._rack_values

    def rack_value_text(self, rack_id: str, unit: bool = True) -> str:
        """Return a rack's value of the current metric as its label shows it (``""``: none)."""
        i = self._rack_i(rack_id)
        if i < 0 or i >= len(self._rack_values):
            return ""
        return metric_text(self.metric, float(self._rack_values[i]), unit)

    def rack_brush(self, rack_id: str) -> QBrush:
        """Return the fill of a rack for the current metric."""
        i = self._rack_i(rack_id)
        idx = int(self._rack_lut[i]) if i >= 0 else -1
        if idx < 0:
            return self.empty_brush
        return METRICS[self.metric].brushes[idx]

    def rack_kw(self, rack_id: str) -> float | None:
        """Return a rack's power in kW from the latest analysis."""
        i = self._rack_i(rack_id)
        return float(self.analysis.power.rack_kw[i]) if i >= 0 else None

    def rack_gpus(self, rack_id: str) -> int:
        """Return a rack's GPU count from the latest analysis."""
        i = self._rack_i(rack_id)
        return int(self.analysis.arrays.rack_gpus[i]) if i >= 0 else 0

    def unit_utilization(self, unit_id: str) -> float | None:
        """Return a cooling unit's load over capacity."""
        i = self._unit_pos.get(unit_id)
        return float(self.analysis.cooling.unit_utilization[i]) if i is not None else None

    def feed_utilization(self, feed_id: str) -> float | None:
        """Return a feed's load over its derated budget."""
        i = self._feed_pos.get(feed_id)
        return float(self.analysis.power.feed_utilization[i]) if i is not None else None

    def render(self, painter: QPainter, target: QRectF = QRectF(), source: QRectF = QRectF(),
               mode: Qt.AspectRatioMode = Qt.AspectRatioMode.KeepAspectRatio) -> None:
        """Render to ``painter`` (a report, a PNG); see :meth:`model_items_in`."""
        self._rendering = True
        try:
            super().render(painter, target, source, mode)
        finally:
            self._rendering = False

    def model_items_in(self, rect: QRectF) -> list[ModelItem]:
        """Return the visible model items whose bounding rectangle meets scene ``rect``.

        Items that look their neighbours up while they paint (rack labels find their
        racks) call this: in a view it asks Qt's index; while :meth:`render` draws, where
        Qt's index answers nothing from inside a paint, it tests the items' rectangles.
        """
        if not getattr(self, "_rendering", False):
            return [it for it in self.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
                    if isinstance(it, ModelItem)]
        return [it for it in self._items.values()
                if it.isVisible() and it.sceneBoundingRect().intersects(rect)]

    def item_for(self, model_id: str) -> ModelItem | None:
        """Return the canvas item of a model id."""
        return self._items.get(model_id)

    def model_items(self) -> list[ModelItem]:
        """Return all model items."""
        return list(self._items.values())

    def hall_rect(self) -> QRectF:
        """Return the hall's bounding rectangle in scene coordinates."""
        x0, y0, x1, y1 = self.document.layout.hall.bounds()
        return QRectF(x0, -y1, x1 - x0, y1 - y0)

    # -- document -> scene ------------------------------------------------------------------------

    def _on_reset(self) -> None:
        self._abort_drag()
        # handles and a shape being drawn hold points of the old hall: a new document
        # starts without them (the outline mode ends, its action unchecked)
        if self.tool is not None:
            self._end_tool()
        self.set_outline_editing(False, quiet=True)
        self.handles.show_for(None, None)
        self._rows_stale = True
        hall = self.document.layout.hall
        self.grid_m = hall.tile_m or 0.6
        self.floor.set_hall(list(hall.outline), hall.tile_m)
        r = self.hall_rect()
        margin = max(r.width(), r.height(), 20.0)
        self.setSceneRect(r.adjusted(-margin, -margin, margin, margin))
        self.guides.set_bounds(r.adjusted(-5, -5, 5, 5))
        for ov in self.overlays.values():
            ov.set_bounds(r.adjusted(-2, -2, 2, 2))
        self.batch.set_bounds(r.adjusted(-margin / 2, -margin / 2, margin / 2, margin / 2))
        self.rack_labels.set_bounds(r.adjusted(-margin / 2, -margin / 2, margin / 2, margin / 2))

    def _cover_racks(self, boxes: np.ndarray) -> None:
        """Grow the rectangle the rack labels and the zoomed-out layer paint in to take in
        racks set far off the hall (a typed Y of -50 m): they keep their labels, and
        stay drawn at fit zoom. Only a rack past the rectangle grows it."""
        if not len(boxes):
            return
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        need = QRectF(float(b[:, 0].min()), -float(b[:, 3].max()),
                      float(b[:, 2].max() - b[:, 0].min()), float(b[:, 3].max() - b[:, 1].min()))
        have = self.rack_labels.boundingRect()
        if have.contains(need):
            return
        grown = have.united(need.adjusted(-2, -2, 2, 2))
        self.rack_labels.set_bounds(grown)
        self.batch.set_bounds(self.batch.boundingRect().united(grown))

    def _on_added(self, ids: list) -> None:
        self._rows_stale = True
        for item_id in ids:
            if item_id in self._items:
                continue
            cls = ITEM_CLASSES.get(self.document.item_group(item_id) or "")
            if cls is None:
                continue
            item = cls(self, item_id)
            if not self.detail and item.group != "obstacles":
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
            self._items[item_id] = item
            self.addItem(item)
            if item.group == "cooling":
                self.batch.invalidate_units()
        self._sync_doors(ids)

    def _on_removed(self, ids: list) -> None:
        self._rows_stale = True
        if self.hover.item_id in ids:
            self.hover.show_rect(None, None)
        with self._selection_batch():
            for item_id in ids:
                item = self._items.pop(item_id, None)
                if item is not None:
                    self.removeItem(item)
        if self.handles.item_id in ids:
            self.handles.show_for(None, None)

    def _on_changed(self, ids: list) -> None:
        for item_id in ids:
            item = self._items.get(item_id)
            if item is not None:
                if item.group == "racks" and getattr(item, "row_name", None) != \
                        getattr(self.document.item(item_id), "row", None):
                    self._rows_stale = True
                item.sync_from_model()
        if self.hover.item_id in ids:  # follow the item (a move, an undo)
            item = self._items.get(self.hover.item_id)
            self.hover.show_rect(self.hover.item_id,
                                 item.sceneBoundingRect() if item is not None else None)
        if self.handles.item_id in ids or (
                "hall" in ids and self.handles.item_id == edits.HALL_OUTLINE):
            self._sync_handles()
        if edits.LAYOUT_ID in ids:
            hall = self.document.layout.hall
            self.floor.set_hall(list(hall.outline), hall.tile_m)
            self.grid_m = hall.tile_m or self.grid_m
            r = self.hall_rect()
            for ov in self.overlays.values():
                ov.set_bounds(r.adjusted(-2, -2, 2, 2))
        self._sync_doors(ids)

    def _sync_doors(self, ids: list) -> None:
        changed = set(ids)
        for u in self.document.layout.cooling:
            if u.kind == "rear_door" and u.rack in changed:
                item = self._items.get(u.id)
                if item is not None:
                    item.sync_from_model()

    def _on_analysis(self, a: Analysis) -> None:
        self.analysis = a
        arr = a.arrays
        ids = arr.rack_ids
        kw = a.power.rack_kw
        layout = self.document.layout
        if self.metric == "utilization":
            # a rack's feeds are designed for the loss of one side: its colour is the
            # utilization of its worst feed then, which a green normal load would hide
            util = dict(zip(a.power.feed_ids, a.power.feed_failover_utilization.tolist(),
                            strict=True))
            values = np.array([max((util.get(f, 0.0) for f in r.feeds), default=np.nan) * 100
                               for r in layout.racks], np.float64) \
                if len(layout.racks) == len(ids) else np.zeros(len(ids))
        elif self.metric == "liquid":
            values = np.divide(arr.rack_liquid_w * 100.0, arr.rack_power_w,
                               out=np.zeros(len(ids)), where=arr.rack_power_w > 0)
        else:
            values = kw
            # a rack holding a device with no power figure (a switch the catalog lacks one
            # for) has no known load: no colour and no "0.0 kW" label (its optics alone);
            # the inspector and the reports say what is unknown. Modules of unknown power
            # at its link ends leave a few watts out: it keeps its colour and figure
            devices = getattr(a.power, "rack_unknown_devices", None)
            if devices is not None and len(devices) == len(kw):
                values = np.where(np.asarray(devices) > 0, np.nan, kw)
        cmap = METRICS[self.metric]
        # the kW scale starts at the air limit (see ColorMap.value_range): the layout's
        # own figure, so the designer, an undo and the report colour a rack alike
        floor = layout.assumptions.air_limit_kw_per_rack if self.metric == "kw" else 0.0
        self.metric_range = cmap.value_range(values[np.isfinite(values)] if len(values)
                                             else values, floor)
        idx = lut_index(values, *self.metric_range)
        has_load = (kw > 0) & np.isfinite(values)
        self._rack_lut = np.where(has_load, idx, -1)
        self._rack_values = np.asarray(values, np.float64)
        c, p = a.cooling, a.power
        if self._drawn is None or self._drawn.unit_ids != c.unit_ids:
            self._unit_pos = {u: i for i, u in enumerate(c.unit_ids)}
        if self._drawn is None or self._drawn.feed_ids != p.feed_ids:
            self._feed_pos = {f: i for i, f in enumerate(p.feed_ids)}
        hx, hy = rack_geometry(arr.rack_x_m, arr.rack_y_m, arr.rack_w_m, arr.rack_d_m,
                               arr.rack_rot_deg)
        boxes = floor_boxes(arr.rack_x_m, arr.rack_y_m, hx, hy)
        self._cover_racks(boxes)
        src = (layout.cooling, layout.feeds, layout.trays)
        old = self._drawn
        same = old is not None and len(old.shapes_src) == 3 and all(
            x is y for x, y in zip(old.shapes_src, src, strict=True))
        drawn = _Drawn(list(ids), boxes, arr.rack_rot_deg.copy(), self._rack_lut, np.asarray(kw),
                       list(c.unit_ids),
                       np.asarray(c.unit_utilization), list(p.feed_ids),
                       np.asarray(p.feed_utilization), self.metric, self.metric_range,
                       self.detail, self._aisle_strips(a, hx, hy), self._rack_values,
                       src, old.shapes if same else self._shape_boxes(src))
        dirty = self._dirty_rects(self._drawn, drawn)
        # a rack turned or a value a digit longer can change every label's precision: a
        # repaint of the changed racks alone would leave the others half redrawn
        painted = self.rack_labels.painted_state
        if self.detail and painted and self.rack_labels.hall_state() != painted:
            dirty = None
        self._drawn = drawn
        self._update_floor(a, hx, hy, drawn.aisles, repaint=dirty is None)
        if not self.detail:
            self.batch.refresh(layout, a, self._rack_lut, boxes, hx, hy, repaint=dirty is None,
                               live=self.document.is_previewing)
        for ov in self.overlays.values():
            ov.mark_stale()
        if self.link_highlight.links:  # a selected link follows its racks
            self.link_highlight.show_links([i for i, _l, _t in self.link_highlight.links])
        if self.fabric_highlight.fabrics:  # its racks as this analysis wires them
            self.fabric_highlight.show_fabrics(self.fabric_highlight.fabrics)
        if dirty is None:
            self._unit_pct = np.round(c.unit_utilization * 100)  # all repainted now
            self.legend_changed.emit()
            self.update()
        else:
            for r in dirty:
                self.update(r)

    def _dirty_rects(self, old: _Drawn | None, new: _Drawn) -> list[QRectF] | None:
        """Return the scene rectangles an analysis changed, or None for "everything".

        A drag moves a rack or two: repainting only the racks whose box, colour or
        power changed (with their aisle strips) and the units and feeds whose drawing
        changed is what keeps a drag step inside one frame on a large hall.
        """
        if (old is None or old.metric != new.metric or old.metric_range != new.metric_range
                or old.detail != new.detail or old.rack_ids != new.rack_ids
                or old.unit_ids != new.unit_ids or old.feed_ids != new.feed_ids
                or any(ov.isVisible() for ov in self.overlays.values())):
            return None
        plan: list[np.ndarray] = []
        # a rack turned half round keeps its box but swaps its front and its aisles
        moved = (np.any(old.boxes != new.boxes, axis=1) | (old.lut != new.lut)
                 | (old.kw != new.kw) | (old.rot != new.rot))
        if old.values.shape == new.values.shape:  # a label shows the metric's value
            moved |= (old.values != new.values) & ~(np.isnan(old.values) & np.isnan(new.values))
        tinted = np.any(old.aisles != new.aisles, axis=1) if \
            old.aisles.shape == new.aisles.shape else np.ones(len(new.aisles), bool)
        if np.count_nonzero(tinted) > 64:
            return None  # a clearance changed, a row turned: the whole floor's tints
        if np.any(tinted):
            # the aisle tints follow every turn, move and clearance change, wherever the
            # strips were and are now, and along the row line as far as a strip bridges a
            # gap to the next (batch.merge_strips): a rack set down at a row's end fills
            # the gap before it with tint, a rack taken away leaves one
            for d in (old, new):
                if len(d.aisles) == len(tinted):
                    along_y = (d.rot[tinted] // 90) % 2 == 1
                    every = np.vstack([d.aisles[:, :4], d.aisles[:, 4:]])
                    for half in (d.aisles[tinted, :4], d.aisles[tinted, 4:]):
                        plan.append(_bridged(half, along_y, every))
        if np.any(moved):
            # the aisle strips run off a rack's front and back: pad along its depth only
            # (and a few pixels all round for outline and selection pens)
            pens = 4.0 * self.px_to_m()
            pad = max(self.document.layout.assumptions.aisle_clearance_m / 2, 0.3) + 0.2 + pens
            thin = max(0.1, pens)
            for d in (old, new):
                along_x = (d.rot[moved] // 90) % 2 == 1
                px = np.where(along_x, pad, thin)
                py = np.where(along_x, thin, pad)
                plan.append(d.boxes[moved] + np.stack([-px, -py, px, py], 1))
        if old.shapes.shape != new.shapes.shape:
            return None  # a tray added or removed (units and feeds: their ids above)
        shifted = np.any(old.shapes != new.shapes, axis=1) if old.shapes is not new.shapes \
            else np.zeros(0, bool)
        if np.any(shifted):
            pens = 4.0 * self.px_to_m()
            plan += [old.shapes[shifted] + [-pens, -pens, pens, pens],
                     new.shapes[shifted] + [-pens, -pens, pens, pens]]
        for ids, u_old, u_new in ((new.unit_ids, old.unit_util, new.unit_util),
                                  (new.feed_ids, old.feed_util, new.feed_util)):
            # "over capacity" shows at every zoom
            plan += self._plan_boxes(ids, (u_old > 1.0) != (u_new > 1.0))
        if new.detail:
            # zoomed in, a unit also shows its load in whole percent; a move shifts every
            # CRAH's share a little, and repainting units all over the hall each step
            # would repaint most of the view: during a drag they follow 10 times a second
            if self.document.is_previewing:
                if not self._unit_timer.isActive():
                    self._unit_timer.start()
            else:
                plan += self._unit_label_boxes()
        if not plan:
            return []
        b = np.concatenate(plan)
        if len(b) > 48:  # many pieces: one rectangle around them
            b = np.array([[b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()]])
        return [QRectF(x0, -y1, x1 - x0, y1 - y0) for x0, y0, x1, y1 in b.tolist()]

    def _shape_boxes(self, lists: tuple) -> np.ndarray:
        """Return (K, 4) plan boxes of the items of ``lists`` (units, feeds, trays) as
        their canvas items bound them (zeros for an item not on the canvas)."""
        out = np.zeros((sum(len(x) for x in lists), 4))
        k = 0
        for items in lists:
            for it in items:
                item = self._items.get(it.id)
                if item is not None:
                    r = item.sceneBoundingRect()
                    out[k] = (r.left(), -r.bottom(), r.right(), -r.top())
                k += 1
        return out

    def _plan_boxes(self, ids: list[str], changed: np.ndarray) -> list[np.ndarray]:
        out = []
        for k in np.flatnonzero(changed).tolist():
            item = self._items.get(ids[k])
            if item is not None:
                r = item.sceneBoundingRect()
                out.append(np.array([[r.left(), -r.bottom(), r.right(), -r.top()]]))
        return out

    def _unit_label_boxes(self) -> list[np.ndarray]:
        """Plan boxes of the units whose shown percentage changed since last painted."""
        a = self.analysis
        if a is None:
            return []
        pct = np.round(a.cooling.unit_utilization * 100)
        old, self._unit_pct = self._unit_pct, pct
        if old is None or len(old) != len(pct):
            return self._plan_boxes(a.cooling.unit_ids, np.ones(len(pct), bool))
        return self._plan_boxes(a.cooling.unit_ids, old != pct)

    def _refresh_unit_labels(self) -> None:
        if not self.detail:
            return
        for b in self._unit_label_boxes():
            x0, y0, x1, y1 = b[0].tolist()
            self.update(QRectF(x0, -y1, x1 - x0, y1 - y0))

    def _aisle_strips(self, a: Analysis, hx: np.ndarray, hy: np.ndarray) -> np.ndarray:
        """Return (N, 8) plan boxes: each rack's cold (front) strip, then its hot one."""
        arr = a.arrays
        if not arr.n_racks:
            return np.zeros((0, 8))
        from designer.canvas.batch import row_depths

        fx, fy = front_vectors(arr.rack_rot_deg)
        half_aisle = max(self.document.layout.assumptions.aisle_clearance_m / 2, 0.3)
        # a row of racks of two depths: its strips start on the deepest racks' line
        x, y, sx, sy = row_depths(arr.rack_x_m, arr.rack_y_m, hx, hy,
                                  arr.rack_rot_deg % 180 == 90)
        front, back = strips(x, y, sx, sy, fx, fy, half_aisle, 0.0)
        return np.column_stack([np.asarray(front, np.float64).reshape(-1, 4),
                                np.asarray(back, np.float64).reshape(-1, 4)])

    def _update_floor(self, a: Analysis, hx: np.ndarray, hy: np.ndarray, aisles: np.ndarray,
                      repaint: bool = True) -> None:
        arr = a.arrays
        n = arr.n_racks
        if not n:
            self.floor.set_aisles(np.zeros((0, 4)), np.zeros((0, 4)))
            self.row_labels.set_rows([])
            return
        self.floor.set_aisles(aisles[:, :4], aisles[:, 4:], repaint=repaint,
                              live=self.document.is_previewing,
                              along_y=arr.rack_rot_deg % 180 == 90)
        layout = self.document.layout
        if len(layout.racks) != n:
            return
        if self._rows_stale or len(self._rows_split[1]) != n:
            # row membership changes with racks added, removed or re-rowed, not with moves
            self._rows_stale = False
            rows = [r.row or "" for r in layout.racks]
            names, inv = np.unique(np.array(rows, dtype=object).astype(str),
                                   return_inverse=True)
            self._rows_split = (names, inv)
            self._row_names = [str(nm) for nm in names]
            self._row_named = np.array([bool(nm) for nm in names], bool)
        names, inv = self._rows_split
        # each label stands at the row's median y (a stray rack of the row's name, or one
        # dragged away, does not carry it off), beside the westmost or the eastmost rack
        # there (RowLabelsItem picks the side)
        y = arr.rack_y_m
        order = np.lexsort((y, inv))
        start = np.searchsorted(inv[order], np.arange(len(names)))
        count = np.bincount(inv, minlength=len(names))
        ymed = y[order[start + (count - 1) // 2]]
        in_line = np.abs(y - ymed[inv]) <= hy
        minx = np.full(len(names), np.inf)
        np.minimum.at(minx, inv, np.where(in_line, arr.rack_x_m - hx, np.inf))
        maxx = np.full(len(names), -np.inf)
        np.maximum.at(maxx, inv, np.where(in_line, arr.rack_x_m + hx, -np.inf))
        # the row's south and north faces: a label with no room beside the row's end
        # stands in the aisle just past one of them
        south = np.full(len(names), np.inf)
        np.minimum.at(south, inv, np.where(in_line, y - hy, np.inf))
        north = np.full(len(names), -np.inf)
        np.maximum.at(north, inv, np.where(in_line, y + hy, -np.inf))
        # a row that runs north-south (turned, or drawn so) is labelled beside its
        # southmost rack, not halfway up its column
        # (the rows' racks are already sorted by y: their first and last give the y span)
        x = arr.rack_x_m[order]
        ylo, yhi = y[order[start]], y[order[start + count - 1]]
        upright = (yhi - ylo) > (np.maximum.reduceat(x, start)
                                 - np.minimum.reduceat(x, start)) + 1e-6
        if upright.any():
            half = np.broadcast_to(hx, y.shape)[order]
            minx = np.where(upright, np.minimum.reduceat(x - half, start), minx)
            maxx = np.where(upright, np.maximum.reduceat(x + half, start), maxx)
            ymed = np.where(upright, ylo, ymed)
            south_hy = np.broadcast_to(hy, y.shape)[order[start]]
            south = np.where(upright, ylo - south_hy, south)
            north = np.where(upright, ylo + south_hy, north)
        named = self._row_named.tolist()
        rows = [(nm, x, y) for nm, x, y, k in
                zip(self._row_names, minx.tolist(), ymed.tolist(), named, strict=True) if k]
        east = [x for x, k in zip(maxx.tolist(), named, strict=True) if k]
        spans = [(lo, hi) for lo, hi, k in zip(south.tolist(), north.tolist(), named,
                                                strict=True) if k]
        if rows != self.row_labels.rows or east != self.row_labels.east \
                or spans != self.row_labels.spans:
            self.row_labels.set_rows(rows, east, spans)
        else:
            # racks or units moved beside a row's end: its label may take the other side
            self.row_labels.refresh(live=self.document.is_previewing)

    def set_zoom(self, px_per_m: float) -> None:
        """Pick per-item painting (zoomed in) or the batch layer (zoomed out)."""
        self.ghost.set_scale(px_per_m)
        detail = px_per_m >= DETAIL_PX_PER_M
        if detail == self.detail:
            return
        self.detail = detail
        for item in self._items.values():
            if item.group != "obstacles":
                item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not detail)
        if self.analysis is not None:
            self._on_analysis(self.analysis)  # refreshes the batch layer when zoomed out
        self.batch.setVisible(not detail)
        self.update()

    def set_metric(self, metric: str) -> None:
        """Colour racks by ``"kw"``, ``"utilization"`` or ``"liquid"``."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r} (one of {', '.join(METRICS)})")
        self.metric = metric
        if self.analysis is not None:
            self._on_analysis(self.analysis)

    def set_overlay(self, key: str, on: bool) -> None:
        """Show or hide an overlay by key."""
        self.overlays[key].setVisible(on)
        if key == "airflow":  # rack labels lie across the arrows while they show
            self.rack_labels.update()
        self.legend_changed.emit()

    def visible_overlays(self) -> list[str]:
        """Return the keys of the overlays on show."""
        return [k for k, ov in self.overlays.items() if ov.isVisible()]

    # -- selection ---------------------------------------------------------------------------------

    def select_ids(self, ids: list) -> None:
        """Select exactly the items ``ids`` on the canvas (no signal back to the document)."""
        want = set(ids)
        self.link_highlight.show_links(list(ids))
        self.fabric_highlight.show_fabrics(list(ids))
        self._syncing = True
        try:
            with self._selection_batch():
                for item in self.selectedItems():
                    if isinstance(item, ModelItem) and item.model_id not in want:
                        item.setSelected(False)
                for item_id in ids:
                    item = self._items.get(item_id)
                    if item is not None and not item.isSelected():
                        item.setSelected(True)
        finally:
            self._syncing = False

    @contextmanager
    def _selection_batch(self) -> Iterator[None]:
        """Handle the selection changes made inside the block once, at its end."""
        if self._batching:
            yield
            return
        self._batching, self._selection_dirty = True, False
        try:
            yield
        finally:
            self._batching = False
        if self._selection_dirty:
            self._selection_dirty = False
            self._on_qt_selection()

    def set_banding(self, on: bool) -> None:
        """Note that a rubber band is (or no longer is) being drawn in a view.

        A band that catches racks or units leaves out the busways and trays it also
        contains, as a CAD layer filter would: they lie over the racks, and a row
        boxed in would otherwise be a mixed selection the inspector can only rename.
        They stay selectable by a click, Alt+click, or a band that catches no rack.
        """
        if on and self._band_before is None:
            self._band_before = set(self.selectedItems())  # Ctrl+band keeps them
        elif not on:
            self._band_before = None

    def _band_overhead(self) -> list[ModelItem]:
        """Return the overhead items a band in progress picks beside floor items."""
        before = self._band_before
        if before is None or self._syncing:
            return []
        sel = [it for it in self.selectedItems() if isinstance(it, ModelItem)]
        if not any(not it.overhead for it in sel):
            return []
        return [it for it in sel if it.overhead and it not in before]

    def selected_ids(self) -> list[str]:
        """Return the ids of the selected canvas items."""
        return [it.model_id for it in self.selectedItems() if isinstance(it, ModelItem)]

    def _on_qt_selection(self) -> None:
        if self._batching:
            self._selection_dirty = True
            return
        if drop := self._band_overhead():
            with self._selection_batch():  # handled once more, without them, at its end
                for it in drop:
                    it.setSelected(False)
            return
        if not self.detail:
            self.batch.refresh_selection()
        self._raise_selected()
        if not self._syncing:
            # in the order picked: what was selected keeps its place, new picks follow
            # (the first rack ctrl-clicked is a link's A end)
            ids = self.selected_ids()
            now, before = set(ids), self.document.selection
            kept = set(before)
            self.document.select([i for i in before if i in now]
                                 + [i for i in ids if i not in kept])
        self._sync_handles()

    def _raise_selected(self) -> None:
        """Draw selected racks and units above their neighbours of the same kind, so one
        dragged onto another shows on top of it, with its outline, not hidden under it."""
        now = {it for it in self.selectedItems() if isinstance(it, (RackItem, CoolingUnitItem))}
        for it in self._raised - now:
            if it.scene() is self:
                it.setZValue(math.floor(it.zValue()))
        for it in now - self._raised:
            it.setZValue(math.floor(it.zValue()) + 0.5)
        self._raised = now

    def _sync_handles(self) -> None:
        """Put vertex handles on the one selected tray, feed or obstacle, or on the hall's
        outline while it is being edited and nothing is selected."""
        sel = self.selected_ids()
        group = self.document.item_group(sel[0]) if len(sel) == 1 else None
        if self.tool is None and not sel and self.outline_editing:
            self.handles.show_for(edits.HALL_OUTLINE,
                                  edits.shape_of(self.document.layout, edits.HALL_OUTLINE),
                                  closed=True)
            return
        if self.tool is not None or group not in edits.SHAPE_FIELDS:
            self.handles.show_for(None, None)
            return
        shape = edits.shape_of(self.document.layout, sel[0])
        item = self.document.item(sel[0])
        axis = edits.wall_axis(shape) if getattr(item, "kind", None) == "wall" else None
        # a straight wall is reshaped by the ends of its centre line, its thickness kept
        # (a corner dragged alone made it a wedge)
        dragging = self._vdrag is not None and self._vdrag.item_id in self._wall_thickness
        if not dragging:  # a wall's ends being dragged stay its handles till the release
            self._wall_thickness = {sel[0]: axis[1]} if axis is not None else {}
        self.handles.show_for(sel[0], axis[0] if axis is not None else shape,
                              closed=group == "obstacles" and axis is None)

    def hover_at(self, pos: QPointF | None) -> None:
        """Outline the item a click at scene ``pos`` would pick (None: nothing)."""
        item = self.model_item_at(pos) if pos is not None and self.tool is None else None
        if item is None:
            self.hover.show_rect(None, None)
        else:
            self.hover.show_rect(item.model_id, item.sceneBoundingRect())

    def set_outline_editing(self, on: bool, quiet: bool = False) -> None:
        """Show handles on the hall's outline (when nothing is selected) to reshape it, or
        stop (Esc, a drawing tool, a new document); ``quiet``: no status message."""
        on = bool(on)
        changed = on != self.outline_editing
        self.outline_editing = on
        if on:
            if self.tool is not None:
                self._end_tool()
            self.clearSelection()
        self._sync_handles()
        if not changed:
            return
        self.outline_editing_changed.emit(on)
        if quiet:
            return
        if on:
            self.message.emit("Hall outline: drag a corner; double-click a corner to remove "
                              "it or an edge to add one; Esc: done")
        else:
            self.message.emit("Hall outline editing off")

    # -- snapping ----------------------------------------------------------------------------------

    def px_to_m(self) -> float:
        """Return metres per screen pixel in the first view (1 without a view)."""
        views = self.views()
        scale = views[0].transform().m11() if views else 1.0
        return 1.0 / scale if scale > 0 else 1.0

    def footprint_boxes(self, exclude: set[str] = frozenset(),
                        only: Iterable[str] | None = None) -> np.ndarray:
        """Return (N, 4) plan boxes of racks and floor units (from the analysis): all but
        ``exclude``, or those of ``only``."""
        if self.analysis is None:
            return np.zeros((0, 4))
        f = self.analysis.floor
        if only is not None:
            want = set(only)
            keep = [k for k, i in enumerate(f.ids) if i in want]
        else:
            keep = [k for k, i in enumerate(f.ids) if i not in exclude]
        return f.box[keep] if keep else np.zeros((0, 4))

    def _edge_snap(self, box: tuple[float, float, float, float], dx: float, dy: float,
                   others: np.ndarray) -> tuple[float | None, float | None]:
        """Return the x and y corrections that put an edge of ``box`` moved by ``(dx, dy)``
        on an edge of a nearby footprint (None where none is within a few pixels)."""
        self.last_snap_edges = (None, None)
        if not len(others):
            return None, None
        tol = SNAP_PX * self.px_to_m()
        bx0, by0, bx1, by1 = box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy
        near_y = (others[:, 1] < by1 + 2.0) & (others[:, 3] > by0 - 2.0)
        near_x = (others[:, 0] < bx1 + 2.0) & (others[:, 2] > bx0 - 2.0)
        out: list[float | None] = []
        guides: list[tuple[float, float, float] | None] = []
        for boxes, cols, lo, hi, span in ((others[near_y], [0, 2], bx0, bx1, (1, 3, by0, by1)),
                                          (others[near_x], [1, 3], by0, by1, (0, 2, bx0, bx1))):
            edges = boxes[:, cols].ravel()
            if edges.size:
                d = np.concatenate([edges - lo, edges - hi])
                k = int(np.argmin(np.abs(d)))
                hit = abs(d[k]) < tol
                out.append(float(d[k]) if hit else None)
                # the guide runs across the moved box and the box it lines up with
                other = boxes[(k % len(edges)) // 2]
                a, b, own_lo, own_hi = span
                guides.append((float(edges[k % len(edges)]), min(own_lo, other[a]) - 0.3,
                               max(own_hi, other[b]) + 0.3) if hit else None)
            else:
                out.append(None)
                guides.append(None)
        self.last_snap_edges = (guides[0], guides[1])
        return out[0], out[1]

    def snap_delta(self, dx: float, dy: float, box: tuple[float, float, float, float] | None,
                   others: np.ndarray, free: bool = False) -> tuple[float, float]:
        """Snap a move of ``box`` by ``(dx, dy)``: whole grid steps, or onto the edges of
        nearby footprints when one is within a few pixels."""
        if free or not self.snap_enabled:
            return dx, dy
        g = self.grid_m
        sx, sy = float(edits.snap(dx, g)), float(edits.snap(dy, g))
        if box is not None:
            ex, ey = self._edge_snap(box, dx, dy, others)
            if ex is not None:
                sx = round(dx + ex, 6)
            if ey is not None:
                sy = round(dy + ey, 6)
        return sx, sy

    def snap_box_position(self, x: float, y: float, hx: float, hy: float,
                          free: bool = False) -> tuple[float, float]:
        """Return the centre for a new footprint near ``(x, y)``: its corner on the grid,
        or its edges against nearby footprints."""
        if free or not self.snap_enabled:
            return x, y
        x0, y0 = x - hx, y - hy
        gx = float(edits.snap(x0, self.grid_m)) if self.grid_m else x0
        gy = float(edits.snap(y0, self.grid_m)) if self.grid_m else y0
        ex, ey = self._edge_snap((x0, y0, x0 + 2 * hx, y0 + 2 * hy), 0.0, 0.0,
                                 self.footprint_boxes())
        nx = x0 + ex if ex is not None else gx
        ny = y0 + ey if ey is not None else gy
        return round(nx + hx, 6), round(ny + hy, 6)

    # -- mouse gestures ----------------------------------------------------------------------------

    def model_item_at(self, pos: QPointF) -> ModelItem | None:
        """Return the item a click at a scene point picks: the topmost rack, unit or
        obstacle, else the topmost overhead item (tray, feed)."""
        overhead = None
        for item in self.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                               Qt.SortOrder.DescendingOrder):
            if isinstance(item, ModelItem) and item.isVisible():
                if not item.overhead:
                    return item
                overhead = overhead or item
        return overhead

    def _pdu_marker_at(self, pos: QPointF) -> ModelItem | None:
        """The marker of a rack PDU or panel (a feed at one point) under ``pos``, if any."""
        from designer.canvas.items import FeedItem

        found = [item for item in self.items(pos, Qt.ItemSelectionMode.IntersectsItemShape)
                 if isinstance(item, FeedItem) and item.isVisible() and len(item._pts) < 2]
        # (markers of one rack stand side by side: the one whose centre is nearest)
        return min(found, key=lambda it: QLineF(it.mapToScene(it._pts[0]), pos).length(),
                   default=None)

    def model_items_at(self, pos: QPointF) -> list[ModelItem]:
        """Return every item under a scene point in pick order: racks, units and
        obstacles from the top down, then the overhead items (trays, busways)."""
        floor: list[ModelItem] = []
        overhead: list[ModelItem] = []
        for item in self.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                               Qt.SortOrder.DescendingOrder):
            if isinstance(item, ModelItem) and item.isVisible():
                (overhead if item.overhead else floor).append(item)
        return floor + overhead

    def _cycle_pick(self, pos: QPointF, before: list[str]) -> bool:
        """Alt+click on the one selected item picks the next item under the cursor (a
        busway under a rack, a tray under a busway), wrapping round to the top; return
        whether it picked one."""
        stack = self.model_items_at(pos)
        ids = [it.model_id for it in stack]
        if len(stack) < 2 or len(before) != 1 or before[0] not in ids:
            return False
        k = (ids.index(before[0]) + 1) % len(stack)
        self.clearSelection()
        stack[k].setSelected(True)
        group = self.document.item_group(ids[k]) or "item"
        self.message.emit(f"Selected {_GROUP_WORDS.get(group, group)} {ids[k]} "
                          f"({k + 1} of {len(stack)} here: Alt+click again for the next)")
        return True

    def _link_press(self, event: QGraphicsSceneMouseEvent) -> bool:
        """Pick a drawn link by its label, or its line off the racks, while the cables
        overlay shows them (a link is no canvas item: the inspector shows it)."""
        cables = self.overlays.get("cables")
        views = self.views()
        if cables is None or not cables.isVisible() or not cables.links or not views:
            return False
        p = event.scenePos()
        at = QPointF(views[0].mapFromScene(p))
        lid = cables.link_at(at, p, PICK_PX * self.px_to_m(),
                             self.model_item_at(p) is not None)
        if lid is None:
            return False
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            ids = list(self.document.selection)
            self.document.select([i for i in ids if i != lid] if lid in ids else [*ids, lid])
        else:
            self.document.select([lid])
        event.accept()
        return True

    def _movable_selection(self) -> list[str]:
        out = []
        for item in self.selectedItems():
            if isinstance(item, ModelItem) and getattr(item, "movable_alone", True):
                out.append(item.model_id)
        return out

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.tool is not None:
            self._tool_press(event)
            return
        if event.button() == Qt.MouseButton.LeftButton and self._vertex_press(event):
            return
        if event.button() == Qt.MouseButton.LeftButton and self._link_press(event):
            return
        self._cycle_from = None
        if event.button() == Qt.MouseButton.RightButton:
            # a right click on a selected item keeps the selection for the context menu
            # (Qt's would narrow it to that item); on anything else the menu selects it
            item = self.model_item_at(event.scenePos())
            if item is not None and item.isSelected():
                event.accept()
                return
        if event.button() == Qt.MouseButton.LeftButton and \
                event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self._cycle_from = (event.screenPos(), self.selected_ids())
        if event.button() == Qt.MouseButton.LeftButton and not (
                event.modifiers() & Qt.KeyboardModifier.AltModifier):
            marker = self._pdu_marker_at(event.scenePos())
            if marker is not None:
                # a rack PDU's marker is drawn over its rack: a click on it picks the PDU
                if event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                        | Qt.KeyboardModifier.ShiftModifier):
                    marker.setSelected(not marker.isSelected())
                else:
                    self.clearSelection()
                    marker.setSelected(True)
                event.accept()
                return
        _shift_adds(event)
        # (Qt's press on the floor clears the selection: a tray picked before is told by
        # whether it was picked before the press)
        item = under = self.model_item_at(event.scenePos())
        picked = under is not None and under.isSelected()
        super().mousePressEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self._drag is not None:
            return
        self._overhead_pick = None
        if item is not None and item.overhead and not event.isAccepted():
            # nothing on the floor under the cursor: the click picks the tray or busway
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                item.setSelected(not item.isSelected())
            elif not item.isSelected() and not (picked and item is under):
                # a tray or busway not yet picked, a faint line across an aisle: a click
                # picks it (on release), a drag from it draws a rubber band as from the
                # floor (the press goes on to the view); a picked one drags
                self._overhead_pick = (item, event.screenPos())
                return
            elif not item.isSelected():
                self.clearSelection()
                item.setSelected(True)
            event.accept()
        if item is None and self.document.selection and not self.selectedItems() and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            # a fabric or link (picked in the inspector) is no canvas item: Qt's
            # selection was already empty, so the click on the floor changed nothing there
            self.document.select([])
        if item is None or not item.isSelected():
            return
        ids = self._movable_selection()
        if not ids:
            return
        layout = self.document.layout
        anchors = {i: a for i in ids if (a := edits.item_anchor(layout, i)) is not None}
        boxes = [self._items[i].plan_box() for i in ids if self.document.item_group(i) in
                 ("racks", "cooling")]
        group = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                 max(b[3] for b in boxes)) if boxes else None
        self._drag = _Drag(event.scenePos(), ids, anchors, group,
                           self.footprint_boxes(set(ids)))

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.tool is not None:
            self._tool_move(event)
            return
        if self._vdrag is not None:
            self._vertex_move(event)
            return
        drag = self._drag
        if drag is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            super().mouseMoveEvent(event)
            return
        event.accept()
        if drag.cancelled:
            return
        if not drag.active:
            moved = (event.screenPos() - event.buttonDownScreenPos(Qt.MouseButton.LeftButton))
            if moved.manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
        p = event.scenePos()
        dx, dy = p.x() - drag.press.x(), -(p.y() - drag.press.y())
        free = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.last_snap_edges = (None, None)
        dx, dy = self.snap_delta(dx, dy, drag.group_box, drag.others, free)
        self.guides.show_edges(*self.last_snap_edges)
        moves = {i: (round(a[0] + dx, 6), round(a[1] + dy, 6)) for i, a in drag.anchors.items()}
        if moves != drag.moves:
            drag.moves = moves
            self.document.preview_move(moves)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.tool is not None:
            event.accept()
            return
        if self._vdrag is not None:
            self._vertex_release(event)
            return
        _shift_adds(event)  # Qt's item decides a click's selection on release too
        drag, self._drag = self._drag, None
        self.guides.show_edges(None, None)
        if drag is not None and event.button() == Qt.MouseButton.LeftButton and drag.active \
                and not drag.cancelled and drag.moves:
            try:
                self.document.move_items(drag.moves)
            except ValueError as exc:
                self.document.cancel_preview()
                self.message.emit(str(exc))
        super().mouseReleaseEvent(event)
        pick, self._overhead_pick = self._overhead_pick, None
        if pick is not None and event.button() == Qt.MouseButton.LeftButton and \
                (event.screenPos() - pick[1]).manhattanLength() < \
                QApplication.startDragDistance():
            self.clearSelection()
            pick[0].setSelected(True)
        cycle, self._cycle_from = self._cycle_from, None
        self._just_cycled = False
        if cycle is not None and event.button() == Qt.MouseButton.LeftButton and \
                (drag is None or not drag.active) and \
                (event.screenPos() - cycle[0]).manhattanLength() < QApplication.startDragDistance():
            self._just_cycled = self._cycle_pick(event.scenePos(), cycle[1])

    def cancel_drag(self) -> bool:
        """Cancel a drag in progress (Esc): restore the positions; return whether one was."""
        vd = self._vdrag
        if vd is not None and not vd.cancelled:
            vd.cancelled = True
            self.document.cancel_preview()
            self.message.emit("Point move cancelled")
            return True
        drag = self._drag
        if drag is None or not drag.active or drag.cancelled:
            return False
        drag.cancelled = True
        self.guides.show_edges(None, None)
        self.document.cancel_preview()
        self.message.emit("Move cancelled")
        return True

    @property
    def is_dragging(self) -> bool:
        """Whether a move drag is in progress."""
        return self._drag is not None and self._drag.active and not self._drag.cancelled

    def _abort_drag(self, *_: object) -> None:
        self.guides.show_edges(None, None)
        if self._drag is not None and self._drag.active and not self._drag.cancelled:
            self._drag.cancelled = True
            self.document.cancel_preview()
        if self._vdrag is not None and not self._vdrag.cancelled:
            self._vdrag.cancelled = True
            self.document.cancel_preview()

    # -- drawing shapes (see designer.canvas.draw) -----------------------------------------------------

    def start_tool(self, kind: str) -> None:
        """Start drawing a new shape: ``"tray"``, ``"busway-A"``, ``"busway-B"``, ``"wall"``
        or ``"keepout"`` (see :data:`designer.canvas.draw.DRAW_KINDS`)."""
        if kind not in DRAW_KINDS:
            raise ValueError(f"unknown drawing tool {kind!r} (one of {', '.join(DRAW_KINDS)})")
        # another tool ends the hall outline's editing, as it ends a drawing in progress
        self.set_outline_editing(False, quiet=True)
        model = None
        if kind == "row":
            sel = [i for i in self.selected_ids() if self.document.item_group(i) == "racks"]
            if len(sel) != 1:
                self.message.emit("Select the one rack the row should copy, then draw the row")
                return
            model = sel[0]
        self._abort_drag()
        self.tool = DrawTool(kind, model_id=model)
        if model is not None:
            rt = self.document.catalog.racks.get(self.document.item(model).type)
            self.tool.pitch_m = rt.width_mm.v(600) / 1000.0 if rt is not None else 0.6
        self.clearSelection()
        self.handles.show_for(None, None)
        self.shape_preview.show_tool(self.tool)
        for v in self.views():
            v.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.tool_changed.emit(self.tool.title)
        self.message.emit(self.tool.hint())

    def cancel_tool(self) -> bool:
        """Stop drawing without adding anything; return whether a tool was active."""
        if self.tool is None:
            return False
        title, kind, points = self.tool.title, self.tool.kind, list(self.tool.points)
        self._end_tool()
        # the column tool places a column a click: ending it keeps the columns placed
        self.message.emit("Column tool ended" if kind == "column" else
                          f"Drawing of the {title} cancelled" if points else
                          f"{title[:1].upper()}{title[1:]} tool ended")
        return True

    def _end_tool(self) -> None:
        was = self.tool is not None
        self.tool = None
        self.shape_preview.show_tool(None)
        for v in self.views():
            v.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        if was:
            self.tool_changed.emit("")

    def tool_undo_point(self) -> None:
        """Take back the last point of the shape being drawn."""
        if self.tool is not None and self.tool.undo_point():
            self.shape_preview.show_tool(self.tool)
            self.message.emit(self.tool.hint())

    def busway_model(self) -> str | None:
        """Return the busway model a drawn busway uses: the one the layout uses most,
        else the catalog's highest-rated busway."""
        used = [f.model for f in self.document.layout.feeds if f.kind == "busway" and f.model]
        if used:
            return max(set(used), key=used.count)
        cat = self.document.catalog
        busways = [ft for ft in cat.facility.values() if ft.kind == "busway"]
        if not busways:
            return None
        return max(busways, key=lambda ft: (ft.amps or 0, ft.id)).id

    def finish_tool(self) -> str | None:
        """Add the shape drawn so far (one command); return its id, None if not added."""
        tool = self.tool
        if tool is None:
            return None
        if not tool.ready() and tool.points and tool.cursor is not None:
            # Enter takes the point under the cursor, as the preview shows it (a double
            # click does the same)
            tool.add(tool.cursor)
        if not tool.ready():
            noun = with_article(tool.title)
            self.message.emit(f"{noun[0].upper()}{noun[1:]} needs {tool.min_points} points "
                              "or more")
            return None
        doc, pts = self.document, list(tool.points)
        if tool.kind == "measure":  # nothing to add: say what was measured
            legs = len(pts) - 1
            last = polyline_length_m(pts[-2:])
            self._end_tool()
            self.message.emit(f"Measured {polyline_length_m(pts):,.2f} m"
                              + (f" over {legs} segments (last {last:,.2f} m)" if legs > 1
                                 else ""))
            return None
        try:
            if tool.kind == "row":
                ids = doc.add_rack_row(tool.model_id, pts[0], pts[-1])
                a, b = pts[0], pts[-1]
                empty = tool.row_places(max(abs(b[0] - a[0]), abs(b[1] - a[1]))) - len(ids)
                self._end_tool()
                self._sync_handles()
                self.message.emit(
                    f"Added a row of {len(ids)} racks like {tool.model_id}"
                    + (f" ({empty} place{'s' * (empty != 1)} on a rack, a unit, an obstacle "
                       "or off the floor left empty)" if empty > 0 else ""))
                return ids[0] if ids else None
            if tool.kind == "tray":
                new_id = doc.add_tray(pts)
            elif tool.kind.startswith("busway"):
                model = self.busway_model()
                if model is None:
                    self.message.emit("The catalog has no busway model")
                    return None
                new_id = doc.draw_feed(model, pts, tool.kind[-1])
            elif tool.kind == "wall":
                new_id = doc.add_wall(pts)
            else:
                new_id = doc.add_obstacle(pts, "keepout")
        except ValueError as exc:  # InputError is a ValueError: say why, keep drawing
            self.message.emit(str(exc))
            return None
        self._end_tool()
        self._sync_handles()  # the new shape is selected: its points get their handles
        # the length drawn, as the readout gave it for the points placed
        length = "" if tool.closed else f", {polyline_length_m(pts):,.2f} m"
        fed = ""
        if tool.kind.startswith("busway"):
            racks = [r.id for r in doc.layout.racks if new_id in r.feeds]
            from engine.power import TAP_OFF_REACH_M

            # two distances: the racks a new run is connected to (those it runs over),
            # and the tap-off's reach the power rules check for any run a rack names
            fed = (f", feeding {racks[0]}" if len(racks) == 1 else
                   f", feeding {len(racks)} racks" if racks else
                   ", feeding no rack: a new busway is connected to the racks it runs over "
                   "(rack centres within 0.9 m of it) that no feed of its side serves; a "
                   "rack's Feeds in the inspector take any run within a tap-off's "
                   f"{TAP_OFF_REACH_M:g} m")
        self.message.emit(f"Added {tool.title} {new_id}{length}{fed}")
        return new_id

    def _tool_point(self, event: QGraphicsSceneMouseEvent) -> tuple[float, float]:
        mods = event.modifiers()
        p = event.scenePos()
        free = bool(mods & Qt.KeyboardModifier.AltModifier)
        square = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        pt = self.tool.place((p.x(), -p.y()), self.grid_m if self.snap_enabled else 0.0,
                             free=free, square=square)
        runs = self.tool.kind == "tray" or self.tool.kind.startswith("busway")
        if ((self.tool.kind == "measure" and not square) or runs) and self.snap_enabled \
                and not free:
            # a measurement starts and ends on the edges it is taken between: a rack's or a
            # unit's edge a few pixels away wins over the grid; a tray or a busway takes a
            # row's centre line or a rack's face too (rows need not stand on the tiles)
            ex, ey = self._edge_near(p.x(), -p.y(), centres=runs)
            if square and len(self.tool.points):
                # a right angle holds: only the coordinate that moves along the leg snaps
                last = self.tool.points[-1]
                ex, ey = (None, ey) if abs(pt[0] - last[0]) < 1e-9 else (ex, None)
            pt = (pt[0] if ex is None else ex, pt[1] if ey is None else ey)
        return pt

    def _edge_near(self, x: float, y: float, centres: bool = False
                   ) -> tuple[float | None, float | None]:
        """Return the x of a footprint's side and the y of a footprint's front or back
        within a few pixels of plan point ``(x, y)`` (None where none is); with
        ``centres``, a footprint's centre line counts as well."""
        boxes = self.footprint_boxes()
        if not len(boxes):
            return None, None
        tol = SNAP_PX * self.px_to_m()
        out: list[float | None] = []
        for lo, hi, c, at in ((1, 3, (0, 2), x), (0, 2, (1, 3), y)):
            # edges across the line through the point, of footprints beside it
            near = boxes[(boxes[:, lo] <= (y if lo == 1 else x) + tol)
                         & (boxes[:, hi] >= (y if lo == 1 else x) - tol)]
            edges = near[:, list(c)].ravel()
            if centres:
                edges = np.concatenate([edges, near[:, list(c)].mean(axis=1)])
            if not len(edges):
                out.append(None)
                continue
            k = int(np.argmin(np.abs(edges - at)))
            out.append(float(edges[k]) if abs(edges[k] - at) <= tol else None)
        return out[0], out[1]

    def _tool_press(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()
        if event.button() == Qt.MouseButton.RightButton:
            if not self.finish_tool() and self.tool is not None and not self.tool.points:
                self.cancel_tool()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.tool.kind == "column":
            # one click, one column, as a drop of the palette's column does; the tool stays
            # for the next (a grid of building columns), Esc ends it
            from designer.canvas.drops import perform_drop

            p = event.scenePos()
            hit = self.model_item_at(p)
            under = hit.model_id if hit is not None and hit.group in ("racks", "cooling") \
                else None
            free = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            placed = perform_drop(self, "tool:column", p.x(), -p.y(), free)
            if placed and under is not None:
                # a building column is the building's: it stands where the drawing has it,
                # and the rack or unit there is what must move (the rules say so)
                self.message.emit(f"Added column {placed[0]} under {under}: it stands on "
                                  "the column (see the rules; Esc ends the column tool)")
            return
        self.tool.add(self._tool_point(event))
        self.tool.cursor = None
        if self.tool.kind == "row" and len(self.tool.points) == 2:
            self.finish_tool()  # a row is its two ends
            return
        self.shape_preview.show_tool(self.tool)
        self.message.emit(self.tool.hint())

    def _tool_move(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()
        self.tool.cursor = self._tool_point(event)
        self.shape_preview.show_tool(self.tool)
        if self.tool.kind == "row" and len(self.tool.points) == 1:
            self._row_ghosts()
        if self.tool.points:
            self.message.emit(self.tool.hint())

    def _row_ghosts(self) -> None:
        """Show where the row being drawn puts its racks, the places it leaves empty
        crossed out (what :func:`engine.edits.rack_row` will do on the second click)."""
        tool = self.tool
        try:
            plan = edits.row_places(self.document.layout, tool.model_id, tool.points[0],
                                    tool.cursor, self.document.catalog)
        except (KeyError, ValueError):  # (InputError is a ValueError)
            self.shape_preview.set_ghosts([], [])
            return
        hx, hy = plan.half
        boxes = [(x - hx, y - hy, x + hx, y + hy) for x, y in plan.centres]
        self.shape_preview.set_ghosts(boxes, plan.free.tolist())

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self.tool is not None:
            event.accept()
            if event.button() == Qt.MouseButton.LeftButton:
                # the double-click's first press placed the last point (a repeat is ignored)
                self.tool.add(self._tool_point(event))
                self.finish_tool()
            return
        left = event.button() == Qt.MouseButton.LeftButton
        if event.modifiers() & Qt.KeyboardModifier.AltModifier:
            # quick Alt+clicks cycle the pick: the second is a press, not a new point
            # (an Alt double-click that picked nothing else inserts a point off the grid)
            if self._just_cycled or not left or not self._vertex_double_click(event):
                self.mousePressEvent(event)
            return
        if left and self._vertex_double_click(event):
            return
        super().mouseDoubleClickEvent(event)

    # -- reshaping: the points of the selected tray, feed or obstacle --------------------------------

    def _off_grid(self, mods: Qt.KeyboardModifier) -> bool:
        """Whether a point goes where the mouse is: Alt held or snapping off."""
        return bool(mods & Qt.KeyboardModifier.AltModifier) or not self.snap_enabled

    def _vertex_press(self, event: QGraphicsSceneMouseEvent) -> bool:
        h = self.handles
        if h.item_id is None:
            return False
        p = event.scenePos()
        k = h.vertex_at((p.x(), -p.y()), PICK_PX * self.px_to_m())
        if k is None:
            return False
        self._vdrag = VertexDrag(h.item_id, k, list(h.points))
        event.accept()
        return True

    def _vertex_move(self, event: QGraphicsSceneMouseEvent) -> None:
        vd = self._vdrag
        event.accept()
        if vd.cancelled or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        p = event.scenePos()
        mods = event.modifiers()
        raw = (p.x(), -p.y())
        q = snapped(raw, self.grid_m, self._off_grid(mods))
        if mods & Qt.KeyboardModifier.ShiftModifier and vd.index > 0:
            q = orthogonal(vd.points[vd.index - 1], q)
        else:
            # a corner moved along a wall keeps the wall straight: the neighbouring points'
            # coordinates win over the grid within a snap's reach
            n = len(vd.points)
            near = [vd.points[k % n] for k in (vd.index - 1, vd.index + 1)
                    if (0 <= k < n) or (self.handles.closed and n > 2)]
            reach = min(SNAP_PX * self.px_to_m(), self.grid_m / 2 if self.grid_m else 1e9)
            q = aligned(q, raw, near, reach)
        pts = list(vd.points)
        pts[vd.index] = q
        try:
            self.document.preview_reshape(vd.item_id, self._shape_from_handles(vd.item_id, pts))
        except ValueError as exc:
            self.message.emit(str(exc))
            return
        vd.moved = True

    def _vertex_release(self, event: QGraphicsSceneMouseEvent) -> None:
        vd, self._vdrag = self._vdrag, None
        event.accept()
        if vd.cancelled or not vd.moved:
            self.document.cancel_preview()
            return
        pts = edits.shape_of(self.document.layout, vd.item_id)
        self.document.cancel_preview()
        try:
            self.document.reshape(vd.item_id, pts, f"Move a point of {_shape_name(vd.item_id)}")
        except ValueError as exc:
            self.message.emit(str(exc))

    def _shape_from_handles(self, item_id: str, pts: list) -> list:
        """Return an item's points from its handles' (a straight wall's: its outline about
        the centre line the handles are the ends of)."""
        t = self._wall_thickness.get(item_id)
        return edits.wall_polygon(pts, t) if t is not None else pts

    def _vertex_double_click(self, event: QGraphicsSceneMouseEvent) -> bool:
        h = self.handles
        if h.item_id is None:
            return False
        p = event.scenePos()
        at, tol = (p.x(), -p.y()), PICK_PX * self.px_to_m()
        pts = list(h.points)
        k = h.vertex_at(at, tol)
        try:
            if k is not None:
                del pts[k]
                self.document.reshape(h.item_id, self._shape_from_handles(h.item_id, pts),
                                      f"Remove a point of {_shape_name(h.item_id)}")
            else:
                seg = h.segment_at(at, tol, self.grid_m, self._off_grid(event.modifiers()))
                if seg is None:
                    return False
                k, q = seg
                if q in (pts[k - 1], pts[k % len(pts)]):
                    # the grid point nearest the click is the corner itself
                    self.message.emit(f"{_shape_name(h.item_id).capitalize()} already has "
                                      f"a point at {q[0]:g}, {q[1]:g} (Alt: off the grid)")
                else:
                    pts.insert(k, q)
                    self.document.reshape(h.item_id, self._shape_from_handles(h.item_id, pts),
                                          f"Add a point to {_shape_name(h.item_id)}")
        except ValueError as exc:
            self.message.emit(str(exc))
        event.accept()
        return True
