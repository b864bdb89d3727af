"""The selected explicit links and fabrics, drawn over the racks they join.

An explicit link (Edit → Link two racks) has no footprint of its own: the
cables overlay shows every link dashed, and :class:`LinkHighlight` shows the
links in the selection, with or without that overlay, as a highlighted line
between the centres of their two racks with its name. A fabric has no
footprint either: :class:`FabricHighlight` tints the racks of the selected
fabrics, its member racks (the nodes it wires) apart from its network racks
(where its switches stand), as one item painting merged boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPolygonF
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from designer.canvas.batch import merge_boxes, rects_path
from designer.canvas.items import BoundedItem
from designer.canvas.overlays import free_label_box
from designer.canvas.style import PALETTE, cosmetic, label_font

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene

__all__ = ["LinkHighlight", "link_line", "FabricHighlight", "fabric_racks", "LABEL_REACH_PX"]

#: how far (pixels) past "just beside its line" a link's name may go to find free room
LABEL_REACH_PX = 72.0


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


class LinkHighlight(BoundedItem):
    """The links in the selection: a line between their racks' centres, named."""

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        # over the rack labels and the overlays' text (z 44, 46), under the row labels (47)
        self.setZValue(46.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        #: ``(link id, scene line, label)`` of the links shown
        self.links: list[tuple[str, QLineF, str]] = []
        #: the device rectangles of their names as last painted
        self.label_boxes: list[QRectF] = []
        self.hide()

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
        self.set_bounds(rect)
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
        for (_i, line, text), dev in zip(self.links, lines, strict=True):
            w = fm.horizontalAdvance(text) + 10
            # off the line as far as it takes to clear the racks' labels along it (a
            # link within a row runs through all of them)
            box = free_label_box(QPolygonF([line.p1(), line.p2()]), t, w, taken,
                                 lambda b: fp.rack_labels.plate_boxes(t, b),
                                 reach_px=LABEL_REACH_PX)
            self.label_boxes.append(QRectF(box))
            foot = _foot(dev, box.center())
            if not box.adjusted(-3, -3, 3, 3).contains(foot):  # a leader back to its line
                painter.setPen(cosmetic(PALETTE.selection, 1.5))
                painter.drawLine(foot, box.center())
            painter.setPen(cosmetic(PALETTE.selection, 1))
            painter.setBrush(QColor(255, 255, 255, 235))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(PALETTE.selection))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


def _foot(line: QLineF, p: QPointF) -> QPointF:
    """Return the point of segment ``line`` nearest ``p``."""
    d = line.p2() - line.p1()
    n2 = d.x() ** 2 + d.y() ** 2
    if n2 <= 0:
        return line.p1()
    k = ((p.x() - line.x1()) * d.x() + (p.y() - line.y1()) * d.y()) / n2
    return line.p1() + d * max(0.0, min(1.0, k))


def fabric_racks(scene: FloorPlanScene, fabric_id: str) -> tuple[list[str], list[str]]:
    """Return the ids of a fabric's member racks and of its network racks.

    Read from the latest analysis: member racks hold the nodes its links wire
    (an empty ``members`` list means every GPU rack), network racks the switches
    it has, installed or placed by the analysis (not the rack that carries the power
    of a switch with no room). Without an analysis of the
    fabric, the racks the fabric names.
    """
    doc = scene.document
    fabric = doc.item(fabric_id)
    if fabric is None or doc.item_group(fabric_id) != "fabrics":
        return [], []
    a = scene.analysis
    net = getattr(a, "network", None)
    topo = getattr(net, "topology", None)
    k = next((n for n, f in enumerate(getattr(net, "fabrics", None) or [])
              if f.get("id") == fabric_id), -1)
    if topo is None or k < 0:
        return list(fabric.members), list(fabric.network_racks)
    ids = a.arrays.rack_ids
    on = topo.lk_fabric == k
    refs = np.concatenate([topo.lk_a_ref[on], topo.lk_b_ref[on]])
    racks = np.concatenate([topo.lk_a_rack[on], topo.lk_b_rack[on]])
    # an end is a node when it is a device row other than an installed switch
    switch_rows = topo.sw_dev[topo.sw_dev >= 0]
    node = (refs >= 0) & ~np.isin(refs, switch_rows)
    members = np.unique(racks[node & (racks >= 0)])
    # a switch with no room is only counted, for its power, in a rack it is not in
    roomless = topo.sw_roomless if topo.sw_roomless is not None else \
        np.zeros(len(topo.sw_rack), bool)
    sw = topo.sw_rack[(topo.sw_fabric == k) & (topo.sw_rack >= 0) & ~roomless]
    network = np.unique(sw)
    n = len(ids)
    return ([ids[i] for i in members.tolist() if i < n],
            [ids[i] for i in network.tolist() if i < n])


class FabricHighlight(BoundedItem):
    """The racks of the selected fabrics: members tinted in the selection colour, network
    racks in their own, each set one path of merged boxes, with a caption."""

    NETWORK = "#8e24aa"

    def __init__(self, scene: FloorPlanScene) -> None:
        super().__init__()
        self._fp = scene
        # over the racks and the overlays, under the rack labels (z 44): ids stay readable
        self.setZValue(43.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        #: the fabrics shown, and their member and network rack ids
        self.fabrics: list[str] = []
        self.members: list[str] = []
        self.network: list[str] = []
        self._paths = (QPainterPath(), QPainterPath())
        self._shown = (np.zeros((0, 4)), np.zeros((0, 4)))
        self._caption = ""
        #: the device rectangle of the caption as last painted
        self.caption_box = QRectF()
        self.hide()

    def show_fabrics(self, ids: list[str]) -> None:
        """Show the racks of the fabrics among ``ids`` (the selection); hide when none."""
        doc = self._fp.document
        fabrics = [i for i in ids if doc.item_group(i) == "fabrics"]
        members: dict[str, None] = {}
        network: dict[str, None] = {}
        for f in fabrics:
            m, w = fabric_racks(self._fp, f)
            members.update(dict.fromkeys(m))
            network.update(dict.fromkeys(w))
        mem = [r for r in members if r not in network]
        net = list(network)
        boxes = self._boxes(mem), self._boxes(net)
        if (fabrics, mem, net) == (self.fabrics, self.members, self.network) and all(
                np.array_equal(a, b) for a, b in zip(self._shown, boxes, strict=True)):
            return  # (an analysis after an edit elsewhere: the same racks in the same places)
        self.fabrics, self.members, self.network = fabrics, mem, net
        self._shown = boxes
        self._paths = (rects_path(merge_boxes(boxes[0])), rects_path(merge_boxes(boxes[1])))
        name = fabrics[0] if len(fabrics) == 1 else f"{len(fabrics)} fabrics"
        self._caption = (f"{name}: {len(mem):,} member rack{'s' * (len(mem) != 1)}, "
                         f"{len(net):,} network rack{'s' * (len(net) != 1)}")
        shown = bool(fabrics) and bool(mem or net)
        # the caption is sized in pixels: the bounds are the scene's
        rect = self._fp.sceneRect() if shown else QRectF()
        self.set_bounds(rect)
        self.setVisible(shown)
        self.update()

    def plan_rect(self) -> QRectF:
        """Return the scene rectangle of the racks shown (null when none)."""
        r = QRectF()
        for p in self._paths:
            if not p.isEmpty():
                r = r.united(p.boundingRect())
        return r

    def _boxes(self, ids: list[str]) -> np.ndarray:
        out = []
        for i in ids:
            item = self._fp.item_for(i)
            if item is not None:
                out.append(item.plan_box())
        return np.array(out, np.float64).reshape(-1, 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self.fabrics:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for path, color in zip(self._paths, (PALETTE.selection, self.NETWORK), strict=True):
            if path.isEmpty():
                continue
            fill = QColor(color)
            fill.setAlpha(70)
            painter.setBrush(fill)
            painter.setPen(cosmetic(color, 2))
            painter.drawPath(path)
        t = painter.worldTransform()
        area = t.mapRect(self.plan_rect())
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(label_font(10, True))
        fm = painter.fontMetrics()
        w, h = fm.horizontalAdvance(self._caption) + 12, 18
        box = QRectF(area.left(), area.top() - h - 4, w, h)  # above the racks' top left
        self.caption_box = box
        painter.setPen(cosmetic(PALETTE.selection, 1))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(PALETTE.text))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._caption)
        painter.restore()
