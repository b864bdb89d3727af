"""FloorPlanView: zoom around the cursor, pan, fit, palette drops, scale bar and legend.

Wheel zooms about the cursor; the middle button, or Space with the left
button, pans; a rubber band drawn to the right selects the items it contains,
drawn to the left the items it touches too (the racks and units it catches,
without the busways and trays over them). Arrow keys nudge the
selection a tile (Shift: 0.1 m), Esc cancels a drag. The scale bar and the
colour legend are painted in viewport pixels in :meth:`drawForeground`.
"""

from __future__ import annotations

import json
import math

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QMenu, QToolTip, QWidget

from designer.canvas.drops import DEFAULT_RACK, MIME_CATALOG, perform_drop, plan_drop
from designer.canvas.items import from_scene
from designer.canvas.links import fabric_racks, link_line
from designer.canvas.scene import FloorPlanScene
from designer.canvas.style import METRICS, PALETTE, label_font
from engine import edits
from engine.errors import InputError
from engine.model import CoolingUnit, Rack

__all__ = ["FloorPlanView", "MIME_ITEMS"]

MIME_ITEMS = "application/x-rackscape-items"
MIN_SCALE, MAX_SCALE = 0.02, 4000.0  # pixels per metre
#: the wheel zooms out to this share of the scale that fits the hall, no further
ZOOM_OUT_OF_FIT = 0.25
LEGEND_W = 210
#: the widest the scale bar's panel gets (a bar of at most 140 px and its insets)
SCALE_BAR_MAX_W = 168


#: how much a pixel of empty floor under the legend counts against a pixel of racks,
#: units or labels: enough to choose between corners that hide nothing else
FLOOR_WEIGHT = 0.002


def _shoelace(poly) -> float:
    """Return the signed area of a ``QPolygonF``."""
    pts = [(p.x(), p.y()) for p in poly]
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1],
                                                                      strict=True))


def _nice_length(target_m: float) -> float:
    """Return 1, 2 or 5 x 10^k closest below ``target_m``."""
    if target_m <= 0:
        return 1.0
    e = math.floor(math.log10(target_m))
    for m in (5, 2, 1):
        if m * 10 ** e <= target_m:
            return m * 10 ** e
    return 10 ** e


#: a rack placed from the keyboard within this of a rack's centre joins that rack's row
_NEAR_ROW_M = 2.0


class FloorPlanView(QGraphicsView):
    """The floor plan view of a :class:`FloorPlanScene`."""

    cursor_moved = Signal(float, float)
    cursor_left = Signal()
    zoom_changed = Signal(float)

    def __init__(self, scene: FloorPlanScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.fp = scene
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.ContainsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QColor(PALETTE.outside))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space = False
        #: actions of the right-click menu (the main window fills it)
        self.context_actions: list = []
        self._fit_pending = True
        #: whether the view shows the fit of the hall and the user has not zoomed or panned
        #: since: a resize then fits again (a small window would clip the hall)
        self.is_fitted = False
        scene.legend_changed.connect(self._legend_changed)
        self.zoom_changed.connect(scene.set_zoom)
        # the scene filters what the band picks while it is drawn (see set_banding)
        self.rubberBandChanged.connect(self._band_changed)
        scene.document.layout_reset.connect(self._on_reset)

    def _band_changed(self, rect, start: QPointF, end: QPointF) -> None:
        """A band drawn to the right selects what it contains; drawn to the left (a
        crossing band, as CAD tools have it), what it touches too."""
        self.fp.set_banding(not rect.isNull())
        if not rect.isNull():
            crossing = end.x() < start.x()
            self.setRubberBandSelectionMode(
                Qt.ItemSelectionMode.IntersectsItemShape if crossing
                else Qt.ItemSelectionMode.ContainsItemShape)

    # -- zoom --------------------------------------------------------------------------------------

    @property
    def scale_px_per_m(self) -> float:
        """Current zoom in screen pixels per metre."""
        return self.transform().m11()

    def _apply_scale(self, factor: float) -> None:
        self.is_fitted = False
        now = self.scale_px_per_m
        lo = MIN_SCALE
        if factor < 1.0:
            # out to a quarter of the hall's fit, not to a speck; a hall too big for the
            # view at MIN_SCALE (10 km in a small window) still zooms out to whole, and a
            # little past, as the fit shows it
            fit = self._fit_scale(self.content_rect(), 0.0)
            lo = max(MIN_SCALE, ZOOM_OUT_OF_FIT * fit)
            if 0.5 * fit < MIN_SCALE:
                lo = min(MIN_SCALE, 0.5 * fit)
            lo = min(lo, now)  # a view zoomed out further already stays where it is
        factor = max(lo / now, min(MAX_SCALE / now, factor))
        if abs(factor - 1.0) > 1e-9:
            self.scale(factor, factor)
            self.zoom_changed.emit(self.scale_px_per_m)

    def zoom_by(self, factor: float) -> None:
        """Zoom by a factor about the view centre."""
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self._apply_scale(factor)
        self.setTransformationAnchor(anchor)

    def _fit_scale(self, rect: QRectF, margin_px: float) -> float:
        """Return the zoom at which scene ``rect`` fills the viewport less ``margin_px``."""
        vw = max(self.viewport().width() - 2 * margin_px, 1.0)
        vh = max(self.viewport().height() - 2 * margin_px, 1.0)
        return min(vw / max(rect.width(), 1e-9), vh / max(rect.height(), 1e-9))

    def fit_rect(self, rect: QRectF, margin_px: float = 24.0, reserve: bool = False) -> None:
        """Show a scene rectangle whole and centred, ``margin_px`` from the edges (less in
        a small view); ``reserve``: clear of the legend and the scale bar where that costs
        little of the zoom (see :meth:`fit_area`)."""
        if rect.isEmpty():
            return
        self.is_fitted = False
        vw, vh = self.viewport().width(), self.viewport().height()
        # a fixed margin took a third of a small plan's width: at most 4 % a side
        margin = min(margin_px, 0.04 * min(vw, vh))
        if reserve:
            self._choose_legend_columns(rect, margin)
        area = self.fit_area(rect, margin, reserve)
        # no MIN_SCALE here: the fit of a 10 km hall in a small window lies below it
        s = min(MAX_SCALE, area.width() / rect.width(), area.height() / rect.height())
        self.resetTransform()
        self.scale(s, s)
        # the view's centre goes where the rectangle's centre sits in ``area``
        c = rect.center() + (QPointF(vw / 2, vh / 2) - area.center()) / s
        # the view scrolls only within the scene rectangle, which the scene sizes for the
        # hall it was given: a hall widened since (10 km) or items off it left the fit
        # stuck at the old rectangle's edge; it grows to take in what the view shows
        seen = QRectF(c.x() - vw / 2 / s, c.y() - vh / 2 / s, vw / s, vh / s)
        if not self.fp.sceneRect().contains(seen):
            self.fp.setSceneRect(self.fp.sceneRect().united(seen))
        self.centerOn(c)
        self.zoom_changed.emit(self.scale_px_per_m)

    def fit_area(self, rect: QRectF, margin_px: float, reserve: bool) -> QRectF:
        """Return the viewport rectangle scene ``rect`` is fitted into.

        The viewport less ``margin_px`` a side; with ``reserve``, the part of it beside
        the legend's or the scale bar's strip that keeps both clear of the rectangle and
        costs the least zoom, if it costs at most 35 % (a wide view has room beside a
        square hall for the legend). Otherwise the rectangle fills the view, centred, and
        the legend takes the corner that hides least of it.
        """
        vw, vh = float(self.viewport().width()), float(self.viewport().height())
        full = QRectF(margin_px, margin_px, vw - 2 * margin_px, vh - 2 * margin_px)
        self._fit_clear = False  # whether the area returned keeps the legend clear
        if not reserve or rect.isEmpty() or full.width() <= 0 or full.height() <= 0:
            return full

        def scale(area: QRectF) -> float:
            return min(area.width() / rect.width(), area.height() / rect.height())

        w, h = self.legend_size()
        corners = [QRectF(x, y, w, h) for x, y in self._legend_corners(w, h)]
        bar = QRectF(12, vh - 46, SCALE_BAR_MAX_W, 34)
        gap = margin_px
        # the strip each place takes off the area: (side, the edge the area keeps to)
        cuts = {"right": ("right", vw - w - 12 - gap), "left": ("left", 12 + w + gap),
                "top": ("top", 12 + h + gap), "bottom": ("bottom", vh - h - 12 - gap),
                "bar_bottom": ("bottom", bar.top() - gap), "bar_left": ("left", bar.right() + gap)}
        # centred first, then the legend in its usual corner (top right), then the rest
        bars = (None, "bar_bottom", "bar_left")
        order = [(None, None)] + [("right", b) for b in bars] + [
            (lg, b) for lg in (None, "top", "left", "bottom") for b in bars if lg or b]
        clear: list[tuple[QRectF, float]] = []
        for cut_names in order:
            area = QRectF(full)
            for side, at in (cuts[k] for k in cut_names if k is not None):
                if side == "right":
                    area.setRight(min(area.right(), at))
                elif side == "bottom":
                    area.setBottom(min(area.bottom(), at))
                elif side == "left":
                    area.setLeft(max(area.left(), at))
                else:
                    area.setTop(max(area.top(), at))
            if area.width() < 20 or area.height() < 20:
                continue
            s = scale(area)
            placed = QRectF(0, 0, rect.width() * s, rect.height() * s)
            placed.moveCenter(area.center())
            if not placed.intersects(bar) and any(not placed.intersects(b) for b in corners):
                clear.append((area, s))
        if not clear:
            return full
        top_s = max(s for _a, s in clear)
        if top_s < 0.65 * scale(full):
            return full
        self._fit_clear = True
        # of the fits within 5 % of the largest, the first in that order: a hall a few
        # pixels smaller beats one pushed off centre or a legend moved from its corner
        return next(a for a, s in clear if s >= 0.95 * top_s)

    def content_rect(self) -> QRectF:
        """Return the scene rectangle of the hall and every item (some stand off it)."""
        rect = self.fp.hall_rect()
        for item in self.fp.model_items():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def zoom_to_fit(self) -> None:
        """Show the whole hall, centred, filling the view less a small margin."""
        self._fit_pending = False
        self.fit_rect(self.content_rect(), 24.0, reserve=True)
        self.is_fitted = True
        cols, self._legend_cols = self._legend_cols, None
        self._fitted_legend = self.legend_size()  # its size as sections, not columns
        self._legend_cols = cols

    def zoom_to(self, ids: list[str], min_size_m: float = 8.0) -> None:
        """Show the items ``ids`` (at least ``min_size_m`` across), e.g. a violation's; a
        link shows both its racks, a fabric its member and network racks."""
        rect = QRectF()
        for i in ids:
            item = self.fp.item_for(i)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
            elif (line := link_line(self.fp, i)) is not None:  # a link: both its racks
                rect = rect.united(QRectF(line.p1(), line.p2()).normalized())
            else:
                for r in (r for part in fabric_racks(self.fp, i) for r in part):
                    if (item := self.fp.item_for(r)) is not None:
                        rect = rect.united(item.sceneBoundingRect())
        if rect.isNull():
            return
        c = rect.center()
        w, h = max(rect.width() * 1.6, min_size_m), max(rect.height() * 1.6, min_size_m)
        self.fit_rect(QRectF(c.x() - w / 2, c.y() - h / 2, w, h))

    def view_state(self) -> tuple:
        """Return what :meth:`restore_view` needs to show the plan as it is now."""
        return (self.transform(), self.mapToScene(self.viewport().rect().center()),
                self.is_fitted)

    def restore_view(self, state: tuple) -> None:
        """Show the plan as :meth:`view_state` saw it (an undo of the edit that moved it)."""
        transform, centre, fitted = state
        self.setTransform(transform)
        self.centerOn(centre)
        self.is_fitted = fitted
        self.zoom_changed.emit(self.scale_px_per_m)

    def reveal_items(self, ids: list[str], margin_px: float = 40.0) -> bool:
        """Bring the items ``ids`` into sight at the current zoom after an edit moved them
        (a position typed in the inspector); return whether the view moved.

        Items wholly out of sight are centred; partly visible ones scrolled in by
        ``margin_px``; items beyond the scrollable area widen it so they can be reached.
        """
        rect = QRectF()
        for i in ids:
            item = self.fp.item_for(i)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        if rect.isNull() or seen.contains(rect):
            return False
        reach = rect.adjusted(-seen.width() / 2, -seen.height() / 2, seen.width() / 2,
                              seen.height() / 2)
        if not self.fp.sceneRect().contains(reach):
            self.fp.setSceneRect(self.fp.sceneRect().united(reach))
        self.is_fitted = False  # the user looks there now: a resize must not fit the hall
        if rect.width() > seen.width() or rect.height() > seen.height():
            self.zoom_to(list(ids))
        elif seen.intersects(rect):
            self.ensureVisible(rect, int(margin_px), int(margin_px))
        else:
            self.centerOn(rect.center())
        return True

    def _on_reset(self) -> None:
        # a new document: the legend's corner is chosen afresh for its hall, not carried
        # over from the last one
        self._legend_corner = None
        self._legend_at = None
        self._fit_pending = True
        if self.isVisible() and self.viewport().width() > 50:
            self.zoom_to_fit()

    def _legend_changed(self, *_args) -> None:
        # an overlay shown or hidden grows or shrinks the legend: a view that shows the
        # fit of the hall fits again, keeping the hall clear of the new legend where
        # that costs little zoom (a wide hall under a legend of five overlays)
        if self.is_fitted and self.isVisible() and self.viewport().width() > 50:
            cols, self._legend_cols = getattr(self, "_legend_cols", None), None
            size = self.legend_size()
            if size == getattr(self, "_fitted_legend", None):
                self._legend_cols = cols
            elif (fits := self._legend_fits_beside()) is not None:
                # the new legend, in one to three columns, has a corner clear of the hall
                # as it stands: the plan holds still (an overlay toggled does not make it
                # jump)
                self._legend_cols = fits
                self._fitted_legend = size
            else:
                self._legend_cols = cols
                self.zoom_to_fit()
        elif not self.is_fitted:
            self._legend_cols = None  # the user's view: as few columns as fit the limit
        self.viewport().update()

    def _legend_fits_beside(self) -> int | None:
        """Return the fewest legend columns (1 to 3) that leave the legend, at its size
        now, a corner clear of the hall and every item on it as the view shows them
        (``None``: none do, or the fit had the legend over the hall already)."""
        if not getattr(self, "_fit_clear", False):
            return None  # the fit itself had the legend over the hall: fit again
        shown = QRectF(self.mapFromScene(self.content_rect()).boundingRect())
        vh = float(self.viewport().height())
        if shown.intersects(QRectF(12, vh - 46, SCALE_BAR_MAX_W, 34)):
            return None
        held = getattr(self, "_legend_cols", None)
        try:
            for cols in (1, 2, 3):
                self._legend_cols = cols
                w, h = self.legend_size()
                if h + 24 <= vh and any(not shown.intersects(QRectF(x, y, w, h))
                                        for x, y in self._legend_corners(w, h)):
                    return cols
        finally:
            self._legend_cols = held
        return None

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._fit_pending or self.is_fitted:
            self.zoom_to_fit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._fit_pending:
            self.zoom_to_fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_about(event.position(), math.pow(1.0015, delta))
        event.accept()

    def zoom_about(self, pos: QPointF, factor: float) -> None:
        """Zoom by ``factor`` keeping the scene point under viewport ``pos`` in place."""
        anchor = self.mapToScene(pos.toPoint())
        keep = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self._apply_scale(factor)
        moved = self.mapFromScene(anchor)
        d = moved - pos.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + d.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + d.y())
        self.setTransformationAnchor(keep)

    # -- pan -----------------------------------------------------------------------------------------

    def _start_pan(self, pos: QPointF) -> None:
        self._pan_from = pos
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space and event.button() == Qt.MouseButton.LeftButton):
            self._start_pan(event.position())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        scene_pos = self.mapToScene(event.position().toPoint())
        x, y = from_scene(scene_pos)
        self.cursor_moved.emit(x, y)
        self.fp.hover_at(scene_pos if event.buttons() == Qt.MouseButton.NoButton else None)
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.is_fitted = False
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                             Qt.MouseButton.LeftButton):
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space
                                      else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt's name
        super().scrollContentsBy(dx, dy)
        self.viewport().update()  # the scale bar and legend stay put

    # -- tooltips and the context menu -------------------------------------------------------

    def item_summary(self, model_id: str) -> str:
        """Return a one-glance description of an item for its tooltip."""
        doc, fp = self.fp.document, self.fp
        obj, group = doc.item(model_id), doc.item_group(model_id)
        if obj is None:
            return ""
        if group == "racks":
            kw = fp.rack_kw(model_id)
            rt = doc.catalog.racks.get(obj.type)
            content = obj.system or (f"{len(obj.devices)} devices" if obj.devices else "empty")
            return (f"<b>{model_id}</b> · {rt.name if rt else obj.type}<br>{content}<br>"
                    f"{kw or 0:.1f} kW · {fp.rack_gpus(model_id)} GPUs · row {obj.row or '—'}"
                    f"<br>feeds {', '.join(obj.feeds) or 'none'}")
        if group == "cooling":
            util = fp.unit_utilization(model_id)
            return (f"<b>{model_id}</b> · {obj.kind.replace('_', ' ').upper()} "
                    f"{obj.capacity_kw:.0f} kW<br>load {0 if util is None else util:.0%}")
        if group == "feeds":
            util = fp.feed_utilization(model_id)
            return (f"<b>{model_id}</b> · {obj.kind} side {obj.side}, {obj.rating_kw:.0f} kW "
                    f"rated<br>load {0 if util is None else util:.0%} of the derated budget")
        if group == "trays":
            return f"<b>{model_id}</b> · cable tray {obj.width_m * 1000:.0f} mm at " \
                   f"{obj.elevation_m:.1f} m"
        return f"<b>{model_id}</b> · {getattr(obj, 'kind', group)}"

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Leave:
            self.fp.hover_at(None)
        if event.type() == QEvent.Type.ToolTip:
            item = self.fp.model_item_at(self.mapToScene(event.pos()))
            text = self.item_summary(item.model_id) if item is not None else ""
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.fp.tool is not None:  # a right click finishes the shape being drawn
            event.accept()
            return
        item = self.fp.model_item_at(self.mapToScene(event.pos()))
        if item is not None and item.model_id not in self.fp.document.selection:
            self.fp.document.select([item.model_id])
        if not self.context_actions:
            return
        menu = QMenu(self)
        for act in self.context_actions:
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
        menu.exec(event.globalPos())

    # -- keys ----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key = event.key()
        if self.fp.tool is not None:  # drawing a shape: the keys of the drawing tool
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.fp.finish_tool()
            elif key == Qt.Key.Key_Escape:
                self.fp.cancel_tool()
            elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
                self.fp.tool_undo_point()
            else:
                super().keyPressEvent(event)
                return
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            # a drag first, then the outline mode (a tool like the drawing ones), then
            # the selection
            if not self.fp.cancel_drag():
                if self.fp.outline_editing:
                    self.fp.set_outline_editing(False)
                else:
                    self.fp.document.select([])
            event.accept()
            return
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setInteractive(False)
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1),
                 Qt.Key.Key_Down: (0, -1)}
        if key in steps and self.fp.document.selection and not self.fp.is_dragging:
            fine = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            step = 0.1 if fine else (self.fp.grid_m or 0.6)
            sx, sy = steps[key]
            ids = [i for i in self.fp.document.selection
                   if getattr(self.fp.item_for(i), "movable_alone", True)]
            if not self.fp.document.nudge(ids, sx * step, sy * step) and \
                    getattr(self.fp.document, "last_refusal", ""):
                self.fp.message.emit(self.fp.document.last_refusal)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setInteractive(True)
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # -- palette drops -------------------------------------------------------------------------------

    @staticmethod
    def _catalog_id(event) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasFormat(MIME_CATALOG):
            return None
        return bytes(mime.data(MIME_CATALOG).data()).decode("utf-8").strip() or None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._catalog_id(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        type_id = self._catalog_id(event)
        if not type_id:
            event.ignore()
            return
        x, y = from_scene(self.mapToScene(event.position().toPoint()))
        free = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.fp.last_snap_edges = (None, None)
        plan = plan_drop(self.fp, type_id, x, y, free)
        self.fp.ghost.show_box(plan.box, plan.label, plan.ok)
        self.fp.guides.show_edges(*self.fp.last_snap_edges)
        self.cursor_moved.emit(x, y)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.fp.ghost.hide()
        self.fp.guides.show_edges(None, None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        self.fp.ghost.hide()
        self.fp.guides.show_edges(None, None)
        type_id = self._catalog_id(event)
        if not type_id:
            event.ignore()
            return
        x, y = from_scene(self.mapToScene(event.position().toPoint()))
        free = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.drop_entry(type_id, x, y, free)
        event.acceptProposedAction()
        self.setFocus()

    def drop_entry(self, type_id: str, x: float, y: float, free: bool = False) -> list[str]:
        """Drop catalog entry ``type_id`` at plan ``(x, y)`` as a palette drag does (one
        command, snapped unless ``free``); return the ids placed or changed (``[]`` when
        it cannot go there: the status bar says why)."""
        if self.fp.tool is not None:
            self.fp.cancel_tool()  # a drop from the palette is the next thing done
        try:
            return perform_drop(self.fp, type_id, x, y, free)
        except InputError as exc:
            # the drop's own reason ("GPU-0002: no 8 free U in a run"), not the error's frame
            self.fp.message.emit(f"Cannot place {type_id}: {exc.expected}")
        except (ValueError, KeyError) as exc:
            self.fp.message.emit(str(exc))
        return []

    def place_entry(self, type_id: str) -> list[str]:
        """Place catalog entry ``type_id`` where a drop at the centre of the visible plan
        puts it: a palette entry placed from the keyboard (Enter) or by double-click. A
        new rack that would stand on another goes to the first free place beside it
        along the row (:func:`engine.edits.beside_offset`), so pressing Enter again
        lines racks up rather than stacking them."""
        x, y = self.visible_plan_centre()
        plan = plan_drop(self.fp, type_id, x, y)
        if plan.kind in ("rack", "unit") and plan.box is not None:
            spot = self._free_spot(type_id, plan)
            if spot is not None:
                x, y = spot
        return self.drop_entry(type_id, x, y)

    def _free_spot(self, type_id: str, plan) -> tuple[float, float] | None:
        """Where a rack or floor unit a drop would stand on others goes instead: beside the
        rack it lands on, in line with that rack's row (``beside_offset`` from that
        rack's own place), else the first free place beside where it landed; ``None``
        when the place is free, or nothing nearby is."""
        doc = self.fp.document
        cat = doc.catalog
        lay = doc.layout
        pid = edits.fresh_id(lay.all_ids(), "PLACE-1")

        def probe_at(x: float, y: float, rot: int):
            if plan.kind == "unit":
                ft = cat.facility[type_id]
                w, d = plan.box[2] - plan.box[0], plan.box[3] - plan.box[1]
                unit = CoolingUnit(id=pid, kind=ft.kind, model=ft.id, x_m=x, y_m=y,
                                   capacity_kw=ft.capacity_kw.v(1.0) or 1.0,
                                   width_m=w, depth_m=d)
                return lay.model_copy(update={"cooling": [*lay.cooling, unit]})
            dt = cat.devices.get(type_id)
            rack_type = (dt.rack_type or DEFAULT_RACK) if dt is not None and \
                dt.role == "rack_system" else (plan.rack_type or type_id)
            if rack_type not in cat.racks:
                return None
            rack = Rack(id=pid, type=rack_type, x_m=x, y_m=y, rotation_deg=rot)
            return lay.model_copy(update={"racks": [*lay.racks, rack]})

        trial = probe_at(plan.x_m, plan.y_m, plan.rotation_deg)
        if trial is None:
            return None
        if plan.kind == "rack" and lay.racks:
            # a rack near the view's centre (within a rack and an aisle): the new one goes
            # in line with its row, from that rack's own place and facing, not half a
            # rack off it in the aisle
            near = min(lay.racks, key=lambda r: (r.x_m - plan.x_m) ** 2
                       + (r.y_m - plan.y_m) ** 2)
            if math.hypot(near.x_m - plan.x_m, near.y_m - plan.y_m) <= _NEAR_ROW_M:
                aligned = probe_at(near.x_m, near.y_m, near.rotation_deg)
                off = edits.beside_offset(aligned, [pid], cat) if aligned is not None \
                    else None
                if off is not None:
                    x, y = near.x_m + off[0], near.y_m + off[1]
                    # stepped by its own width from a rack of another width, it may stop
                    # short of the row's end: it closes up to it
                    at = probe_at(x, y, near.rotation_deg)
                    if at is not None and off != (0.0, 0.0):
                        back = (-math.copysign(1.0, off[0]) if abs(off[0]) >= abs(off[1])
                                else 0.0, -math.copysign(1.0, off[1])
                                if abs(off[1]) > abs(off[0]) else 0.0)
                        dx, dy = edits.close_up(at, pid, back, cat)
                        x, y = x + dx, y + dy
                    return x, y
        if not edits.overlapped(trial, [pid], cat):
            return None
        off = edits.beside_offset(trial, [pid], cat)
        return None if off is None else (plan.x_m + off[0], plan.y_m + off[1])

    # -- clipboard payloads ----------------------------------------------------------------------------

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.cursor_left.emit()
        super().leaveEvent(event)

    def visible_plan_centre(self) -> tuple[float, float]:
        """Return the plan point at the centre of the view."""
        return from_scene(self.mapToScene(self.viewport().rect().center()))

    def cursor_plan_point(self) -> tuple[float, float] | None:
        """Return the plan point under the mouse, if the mouse is over the view."""
        from PySide6.QtGui import QCursor

        p = self.viewport().mapFromGlobal(QCursor.pos())
        if not self.viewport().rect().contains(p):
            return None
        return from_scene(self.mapToScene(p))

    @staticmethod
    def encode_payload(payload: dict) -> bytes:
        """Return clipboard bytes of a copy payload."""
        return json.dumps(payload).encode("utf-8")

    # -- foreground: scale bar and legend ------------------------------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._draw_scale_bar(painter)
        self._draw_legend(painter)
        painter.restore()

    def _panel(self, painter: QPainter, r: QRectF) -> None:
        painter.setPen(QPen(QColor(0, 0, 0, 40), 1))
        # near opaque: the plan under it only a trace, so no name under the legend's
        # own text reads through it
        painter.setBrush(QColor(255, 255, 255, 236))
        painter.drawRoundedRect(r, 4, 4)

    def legend_corner(self, w: float, h: float) -> tuple[float, float]:
        """Return the top-left viewport point of the legend: the top-right corner, unless
        another corner (not the scale bar's) hides less of what the plan shows (see
        :meth:`legend_cover`)."""
        vw, vh = self.viewport().width(), self.viewport().height()
        # chosen again when the view moves or the legend's size changes, not while the
        # scene's contents do (a drag repaints every frame: the legend stays put)
        t = self.transform()
        lay = self.fp.document.layout
        key = (vw, vh, w, h, t.m11(), t.m22(), self.horizontalScrollBar().value(),
               self.verticalScrollBar().value(), id(lay.hall), len(lay.racks), len(lay.cooling))
        held = getattr(self, "_legend_at", None)
        if held is not None and held[0] == key:
            return held[1]
        corners = self._legend_corners(w, h)
        # what it hides of the plan, and then of the hall's empty floor: of two corners
        # that hide nothing, the one off the hall (a legend over the floor hides where
        # racks could go and reads as part of the plan)
        covers = [self.legend_cover(box) + FLOOR_WEIGHT * self.legend_floor(box)
                  for box in (QRectF(cx, cy, w, h) for cx, cy in corners)]
        best = min(range(len(corners)), key=lambda k: (covers[k], k))
        # the legend stays in its corner unless another one hides clearly less (a zoom or
        # a click that changes little does not send it across the view)
        last = getattr(self, "_legend_corner", None)
        if last is not None and last != best and covers[last] <= 1.25 * covers[best] + 1.0:
            best = last
        moved = held is not None and held[1] != corners[best]
        self._legend_corner = best
        self._legend_at = (key, corners[best])
        if moved:
            # a paint of part of the view (an outline's corner dragged) would draw the
            # legend where it goes only within that part and leave it where it was: the
            # whole view paints again, once this paint is done (an update asked for
            # during a paint is dropped with it)
            QTimer.singleShot(0, self.viewport().update)
        return corners[best]

    def _legend_corners(self, w: float, h: float) -> list[tuple[float, float]]:
        """Return the top-left viewport points of the legend's four places: the corners,
        the scale bar's taking the legend above it."""
        vw, vh = self.viewport().width(), self.viewport().height()
        return [(vw - w - 12, 12.0), (12.0, 12.0), (vw - w - 12, vh - h - 12),
                (12.0, vh - h - 58)]

    def legend_size(self) -> tuple[float, float]:
        """Return the legend's width and height in pixels (taller with each overlay
        on show that has a legend, in more columns once it would pass 45 % of the view's
        height; see :meth:`legend_layout`)."""
        w, h, _at = self.legend_layout()
        return w, h

    def legend_layout(self) -> tuple[float, float, list[tuple[float, float]]]:
        """Return the legend's width, height and each section's (x, y) offset in it: the
        metric's colour bar first, then each shown overlay's section, in columns of
        :data:`LEGEND_W` filled in turn, as few as keep it within 45 % of the view's
        height (at most three)."""
        extra = [e for e in (ov.legend() for ov in self.fp.overlays.values()
                             if ov.isVisible()) if e]
        heights = [54.0] + [22.0 + 16 * len(rows) for _, rows in extra]
        limit = 0.45 * max(float(self.viewport().height()), 1.0)
        best = None
        # the fit of the hall chose the columns that cost it the least zoom; elsewhere as
        # few as keep the legend within the limit
        fixed = getattr(self, "_legend_cols", None)
        for cols in ((fixed,) if fixed else (1, 2, 3)):
            cap = max(max(heights), sum(heights) / cols)
            at, x, y, used = [], 0.0, 0.0, 1
            for hh in heights:
                if y > 0 and y + hh > cap + 0.5 and used < cols:
                    x, y, used = x + LEGEND_W, 0.0, used + 1
                at.append((x, y))
                y += hh
            tall = max(oy + hh for (_ox, oy), hh in zip(at, heights, strict=True))
            best = (float(LEGEND_W * used), float(tall), at)
            if tall <= limit:
                break
        return best

    def _choose_legend_columns(self, rect: QRectF, margin: float) -> None:
        """Take the legend's column count (1 to 3) that lets the fit of ``rect`` keep
        clear of it at the largest zoom (fewer columns on a tie); the fit is what shows
        most of the hall, and a tall legend in one column beside a wide hall, or in two
        above a tall one, is what hides none of it."""
        best = None
        for cols in (1, 2, 3):
            self._legend_cols = cols
            area = self.fit_area(rect, margin, True)
            s = min(area.width() / rect.width(), area.height() / rect.height())
            key = (self._fit_clear, round(s, 3), -cols)
            if best is None or key > best[0]:
                best = (key, cols)
        self._legend_cols = best[1]

    def legend_cover(self, box: QRectF) -> float:
        """Return how much of the plan a legend at viewport rectangle ``box`` would hide, in
        pixels: the footprints of racks, units and obstacles under it, and three times the
        area of the labels under it (row names, rack and unit labels: text a translucent
        legend still makes unreadable). Trays and busways count as the lines they are drawn,
        not as their bounding boxes."""
        scale = self.transform().m11()
        area = self.mapToScene(box.toRect()).boundingRect()
        cover = 0.0
        text = 0.0
        for item in self.fp.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if getattr(item, "model_id", None) is None or getattr(item, "overhead", False):
                continue
            r = item.sceneBoundingRect()
            part = r.intersected(area)
            cover += part.width() * part.height() * scale * scale
            if min(r.width(), r.height()) * scale >= 24:  # big enough to carry a label
                # the label sits at the item's centre, about 40 x 16 px
                c = self.mapFromScene(r.center())
                label = QRectF(c.x() - 20, c.y() - 8, 40, 16).intersected(box)
                text += label.width() * label.height()
        for label in self.fp.row_labels.label_boxes(self.viewportTransform()):
            part = label.intersected(box)
            text += part.width() * part.height()
        return cover + 3.0 * text

    def legend_floor(self, box: QRectF) -> float:
        """Return the area in pixels of the hall's floor a legend at viewport rectangle
        ``box`` would stand over."""
        hall = self.fp.floor.outline_path()
        if hall.isEmpty():
            return 0.0
        area = QPainterPath()
        area.addRect(self.mapToScene(box.toRect()).boundingRect())
        scale = self.transform().m11()
        return sum(abs(_shoelace(poly)) for poly in
                   hall.intersected(area).toFillPolygons()) * scale * scale

    def _draw_scale_bar(self, painter: QPainter) -> None:
        s = self.scale_px_per_m
        length = _nice_length(140.0 / s)
        px = length * s
        h = self.viewport().height()
        box = QRectF(12, h - 46, px + 28, 34)
        self._panel(painter, box)
        x0, y0 = box.left() + 14, box.top() + 22
        painter.setPen(QPen(QColor(PALETTE.text), 1.5))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + px, y0))
        for k in range(5):
            xx = x0 + px * k / 4
            painter.drawLine(QPointF(xx, y0), QPointF(xx, y0 - (6 if k % 2 == 0 else 3)))
        painter.setFont(label_font(10))
        text = f"{length:g} m" if length >= 1 else f"{length * 1000:g} mm"
        painter.drawText(QRectF(x0, box.top() + 2, px, 12), Qt.AlignmentFlag.AlignCenter, text)

    def _draw_legend(self, painter: QPainter) -> None:
        w = LEGEND_W
        cmap = METRICS[self.fp.metric]
        lo, hi = self.fp.metric_range
        sections = [(cmap.label, cmap.unit, lo, hi)]
        extra = [ov.legend() for ov in self.fp.overlays.values() if ov.isVisible()]
        extra = [e for e in extra if e]
        width, height, at = self.legend_layout()
        x0, y0 = self.legend_corner(width, height)
        self._panel(painter, QRectF(x0, y0, width, height))
        x, y = x0 + at[0][0], y0 + at[0][1]
        painter.setFont(label_font(11, True))
        painter.setPen(QColor(PALETTE.text))
        title, unit, lo, hi = sections[0]
        painter.drawText(QRectF(x + 10, y + 6, w - 20, 14), Qt.AlignmentFlag.AlignLeft, title)
        grad = QLinearGradient(x + 10, 0, x + w - 10, 0)
        for k in range(0, 256, 32):
            grad.setColorAt(k / 255, cmap.colors[k])
        grad.setColorAt(1.0, cmap.colors[255])
        bar = QRectF(x + 10, y + 24, w - 20, 10)
        painter.setPen(QPen(QColor(0, 0, 0, 60), 1))
        painter.setBrush(grad)
        painter.drawRect(bar)
        painter.setFont(label_font(10))
        painter.setPen(QColor(PALETTE.text_muted))
        painter.drawText(QRectF(bar.left(), bar.bottom() + 2, 60, 12), Qt.AlignmentFlag.AlignLeft,
                         f"{lo:.0f}")
        painter.drawText(QRectF(bar.right() - 80, bar.bottom() + 2, 80, 12),
                         Qt.AlignmentFlag.AlignRight, f"{hi:.0f} {unit}")
        for (ox, oy), (title, rows) in zip(at[1:], extra, strict=True):
            x, yy = x0 + ox, y0 + oy
            painter.setFont(label_font(11, True))
            painter.setPen(QColor(PALETTE.text))
            painter.drawText(QRectF(x + 10, yy, w - 20, 14), Qt.AlignmentFlag.AlignLeft, title)
            yy += 18
            painter.setFont(label_font(10))
            for color, text in rows:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(color))
                painter.drawRoundedRect(QRectF(x + 12, yy + 2, 10, 10), 2, 2)
                painter.setPen(QColor(PALETTE.text_muted))
                painter.drawText(QRectF(x + 28, yy, w - 38, 14), Qt.AlignmentFlag.AlignLeft,
                                 painter.fontMetrics().elidedText(
                                     text, Qt.TextElideMode.ElideRight, w - 40))
                yy += 16
