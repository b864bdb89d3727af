"""The selected explicit links, drawn rack to rack.

An explicit link (Edit → Link two racks) has no footprint of its own: the
cables overlay shows every link dashed, and this item shows the links in the
selection, with or without that overlay, as a highlighted line between the
centres of their two racks with its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.canvas.overlays import free_label_box
from designer.canvas.style import PALETTE, cosmetic, label_font

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene

__all__ = ["LinkHighlight", "link_line"]


def link_line(scene: FloorPlanScene, link_id: str) -> QLineF | None:
    """Return the scene line from a link's A rack to its B rack (None: not both placed)."""
    doc = scene.document
    link = doc.item(link_id)
    if link is None or doc.item_group(link_id) != "links":
        return None
    a, b = doc.item(link.a.rack), doc.item(link.b.rack)
    if a is None or b is None:
        return None
    return QLineF(a.x_m, -a.y_m, b.x_m, -b.y_m)


class LinkHighlight(QGraphicsItem):
    """The links in the selection: a line between their racks' centres, named."""

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        # over the rack labels and the overlays' text (z 44, 46), under the row labels (47)
        self.setZValue(46.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._rect = QRectF()
        #: ``(link id, scene line, label)`` of the links shown
        self.links: list[tuple[str, QLineF, str]] = []
        #: the device rectangles of their names as last painted
        self.label_boxes: list[QRectF] = []
        self.hide()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def show_links(self, ids: list[str]) -> None:
        """Show the links among ``ids`` (the selection); hide when there are none."""
        shown = []
        doc = self._fp.document
        for i in ids:
            line = link_line(self._fp, i)
            if line is not None:
                lk = doc.item(i)
                shown.append((i, line, f"{i}: {lk.count} × {lk.speed_gbps:g}G"))
        if shown == self.links:
            return
        self.links = shown
        # the label is sized in pixels: the bounds are the scene's, not the lines'
        rect = self._fp.sceneRect() if shown else QRectF()
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.setVisible(bool(shown))
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self.links:
            return
        t = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        lines = [QLineF(t.map(ln.p1()), t.map(ln.p2())) for _i, ln, _t in self.links]
        halo = cosmetic(QColor(255, 255, 255, 220), 7)
        halo.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(halo)
        painter.drawLines(lines)
        pen = cosmetic(PALETTE.selection, 3)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLines(lines)
        painter.setBrush(QColor(PALETTE.selection))
        painter.setPen(cosmetic("#ffffff", 1.5))
        for ln in lines:
            for p in (ln.p1(), ln.p2()):
                painter.drawEllipse(p, 5.0, 5.0)
        painter.setFont(label_font(10, True))
        fm = painter.fontMetrics()
        # a name keeps clear of the row labels, the cable counts and the rack labels
        fp = self._fp
        taken = [b.adjusted(-2, -2, 2, 2) for b in fp.row_labels.label_boxes(t)]
        cables = fp.overlays.get("cables")
        if cables is not None and cables.isVisible():
            taken += [b for _text, b in cables.pills]
        self.label_boxes = []
        for (_i, line, text) in self.links:
            w = fm.horizontalAdvance(text) + 10
            box = free_label_box(QPolygonF([line.p1(), line.p2()]), t, w, taken,
                                 lambda b: fp.rack_labels.plate_boxes(t, b))
            self.label_boxes.append(QRectF(box))
            painter.setPen(cosmetic(PALETTE.selection, 1))
            painter.setBrush(QColor(255, 255, 255, 235))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(PALETTE.selection))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
