"""The floor plan drawn by the reports themselves (when the designer's scene is unavailable).

Racks are coloured by content, power density or cooling zone; cooling units,
busway and trays, rack fronts, airflow arrows and violation outlines follow
the overlays. Everything is sized in points (``pt`` device units per point).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from designer.reports.plangeo import PlanGeometry, PlanMap
from designer.reports.style import C, font, ramp, ramp_colors, zone_color

__all__ = ["pen", "rack_fills", "draw_plan", "fit_text", "unit_label", "unit_number",
           "legend_items", "UNIT_LABEL_MAX_PT", "UNIT_LABEL_MIN_PT"]

#: Largest and smallest size (points) of a cooling unit's name on the plan: below about
#: 4 pt print is no longer read reliably, so a smaller unit shows its number alone.
UNIT_LABEL_MAX_PT = 6.5
UNIT_LABEL_MIN_PT = 4.0
#: the detail line (utilization) prints at this share of the name's size
DETAIL_SCALE = 0.85


def pen(color: str | QColor, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
    p = QPen(QColor(color), width, style)
    p.setCapStyle(Qt.PenCapStyle.FlatCap)
    p.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return p


def rack_fills(geo: PlanGeometry, overlays: tuple[str, ...], kw_max: float) -> list[QColor]:
    if "heatmap" in overlays:
        rgb = ramp_colors(geo.rack_kw / kw_max if kw_max > 0 else geo.rack_kw * 0)
        return [QColor(int(r), int(g), int(b)) for r, g, b in rgb.tolist()]
    if "cooling" in overlays:
        return [zone_color(int(z)) for z in geo.rack_zone.tolist()]
    cache = {k: QColor(C[k]) for k in ("gpu_air", "gpu_liquid", "network", "cpu", "other")}
    return [cache[k] for k in geo.rack_class.tolist()]


def draw_plan(p: QPainter, m: PlanMap, layout: Any, geo: PlanGeometry, overlays: tuple[str, ...],
              pt: float, fills: list[QColor]) -> int:
    """Draw the plan's window ``m.win``; return how many units show their number for a name."""
    hall = QPolygonF([m.p(x, y) for x, y in layout.hall.outline])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(C["hall"]))
    p.drawPolygon(hall)
    tile = layout.hall.tile_m
    if tile and tile * m.s >= 5 * pt:
        p.save()
        clip = QPainterPath()
        clip.addPolygon(hall)
        p.setClipPath(clip, Qt.ClipOperation.IntersectClip)
        p.setPen(pen(C["grid"], 0.3 * pt))
        w = m.win
        p.drawLines([QLineF(m.p(x, w[1]), m.p(x, w[3]))
                     for x in np.arange(math.ceil(w[0] / tile) * tile, w[2], tile).tolist()]
                    + [QLineF(m.p(w[0], y), m.p(w[2], y))
                       for y in np.arange(math.ceil(w[1] / tile) * tile, w[3], tile).tolist()])
        p.restore()
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(pen(C["hall_edge"], 1.2 * pt))
    p.drawPolygon(hall)
    p.setPen(pen(C["hall_edge"], 0.4 * pt))
    for ob in layout.hall.obstacles:
        p.setBrush(QBrush(QColor(C["obstacle"]), Qt.BrushStyle.BDiagPattern))
        p.drawPolygon(QPolygonF([m.p(x, y) for x, y in ob.polygon]))
    # racks, batched by colour
    vis = np.flatnonzero(m.visible(geo.rack_box)) if geo.n else np.zeros(0, np.int64)
    edge = 0.35 * pt if geo.n < 4000 else 0.2 * pt
    groups: dict[int, list[QRectF]] = {}
    colors: dict[int, QColor] = {}
    for i in vis.tolist():
        key = fills[i].rgb()
        colors[key] = fills[i]
        groups.setdefault(key, []).append(m.rect(geo.rack_box[i]))
    p.setPen(pen(QColor(C["hall_edge"]).lighter(140), edge))
    for key, rects in groups.items():
        p.setBrush(colors[key])
        p.drawRects(rects)
    # fronts (cold-aisle faces)
    if len(vis):
        b, fx, fy = geo.rack_box[vis], geo.fx[vis], geo.fy[vis]
        lines = []
        for (x0, y0, x1, y1), ux, uy in zip(b.tolist(), fx.tolist(), fy.tolist(), strict=True):
            if abs(uy) > 0.5:
                yy = y1 if uy > 0 else y0
                lines.append(QLineF(m.p(x0, yy), m.p(x1, yy)))
            else:
                xx = x1 if ux > 0 else x0
                lines.append(QLineF(m.p(xx, y0), m.p(xx, y1)))
        p.setPen(pen(C["front"], max(0.25 * pt, min(1.0 * pt, 0.08 * m.s))))
        p.drawLines(lines)
    _draw_overhead(p, m, layout, overlays, pt)
    if "airflow" in overlays and len(vis):
        _draw_airflow(p, m, geo, vis, pt)
    # rear doors and units
    doors = [u for u in layout.cooling if u.kind == "rear_door" and u.rack]
    if doors:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(C["door"]))
        index = {rid: i for i, rid in enumerate(geo.rack_ids)}
        for u in doors:
            i = index.get(u.rack)
            if i is not None and i in set(vis.tolist()):
                p.drawRect(_back_strip(m, geo, i))
    uvis = np.flatnonzero(m.visible(geo.unit_box)) if len(geo.unit_box) else []
    shortened = 0
    for j in list(uvis):
        u = geo.units[j]
        r = m.rect(geo.unit_box[j])
        p.setPen(pen(C["hall_edge"], 0.4 * pt))
        p.setBrush(QColor(C["crah"] if u.kind == "crah" else C["cdu"]))
        p.drawRect(r)
        detail = f"{geo.unit_util.get(u.id, 0.0):.0%}" if "cooling" in overlays else ""
        if unit_label(p, r, u.id, detail, pt, QColor("white"), unit_number(u.id)) == "short":
            shortened += 1
    # labels on racks when legible
    if len(vis) and len(vis) <= 4000:
        w0 = geo.rack_box[vis[0], 2] - geo.rack_box[vis[0], 0]
        if w0 * m.s >= 14 * pt:
            for i in vis.tolist():
                r = m.rect(geo.rack_box[i])
                txt = geo.rack_ids[i]
                if "heatmap" in overlays:
                    txt += f"\n{geo.rack_kw[i]:.0f} kW"
                dark = "heatmap" in overlays and fills[i].lightness() < 110
                fit_text(p, r, txt, pt, QColor("white") if dark else QColor(C["ink"]))
    if "violations" in overlays:
        _draw_violations(p, m, geo, vis, uvis, pt)
    return shortened


def _draw_overhead(p: QPainter, m: PlanMap, layout: Any, overlays: tuple[str, ...],
                   pt: float) -> None:
    """Busway and trays run overhead: thin lines over the racks."""
    cables = "cables" in overlays
    tray = QColor(C["tray"])
    if not cables:
        tray.setAlphaF(0.75)
    tray_pen = pen(tray, (2.2 if cables else 0.8) * pt,
                    Qt.PenStyle.SolidLine if cables else Qt.PenStyle.DashLine)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(tray_pen)
    for t in layout.trays:
        p.drawPolyline(QPolygonF([m.p(x, y) for x, y in t.points]))
    for f in layout.feeds:
        if len(f.points) >= 2:
            p.setPen(pen(C["feed_a"] if f.side == "A" else C["feed_b"], 0.7 * pt))
            p.drawPolyline(QPolygonF([m.p(x, y) for x, y in f.points]))


def _back_strip(m: PlanMap, geo: PlanGeometry, i: int) -> QRectF:
    x0, y0, x1, y1 = geo.rack_box[i]
    t = 0.12
    if abs(geo.fy[i]) > 0.5:
        b = (x0, y0, x1, y0 + t) if geo.fy[i] > 0 else (x0, y1 - t, x1, y1)
    else:
        b = (x0, y0, x0 + t, y1) if geo.fx[i] > 0 else (x1 - t, y0, x1, y1)
    return m.rect(b)


def _draw_airflow(p: QPainter, m: PlanMap, geo: PlanGeometry, vis: np.ndarray, pt: float) -> None:
    cx = (geo.rack_box[vis, 0] + geo.rack_box[vis, 2]) / 2
    cy = (geo.rack_box[vis, 1] + geo.rack_box[vis, 3]) / 2
    half = np.minimum(geo.rack_box[vis, 2] - geo.rack_box[vis, 0],
                      geo.rack_box[vis, 3] - geo.rack_box[vis, 1]) * 0.45
    p.setPen(pen("#1565c0", max(0.3 * pt, 0.04 * m.s)))
    head = max(1.5 * pt, 0.12 * m.s)
    for x, y, h, fx, fy in zip(cx.tolist(), cy.tolist(), half.tolist(), geo.fx[vis].tolist(),
                               geo.fy[vis].tolist(), strict=True):
        a = m.p(x + fx * h, y + fy * h)  # air enters at the front ...
        b = m.p(x - fx * h, y - fy * h)  # ... and leaves at the back
        p.drawLine(a, b)
        ang = math.atan2(b.y() - a.y(), b.x() - a.x())
        for da in (2.6, -2.6):
            p.drawLine(b, QPointF(b.x() + head * math.cos(ang + da), b.y() + head * math.sin(ang + da)))


def _draw_violations(p: QPainter, m: PlanMap, geo: PlanGeometry, vis, uvis, pt: float) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    for sev, col in (("warning", C["warning"]), ("error", C["error"])):
        p.setPen(pen(col, 1.4 * pt))
        rects = [m.rect(geo.rack_box[i]) for i in list(vis) if geo.severity.get(geo.rack_ids[i]) == sev]
        rects += [m.rect(geo.unit_box[j]) for j in list(uvis)
                  if geo.severity.get(geo.units[j].id) == sev]
        if rects:
            p.drawRects(rects)


def _label_px(name_w: float, detail_w: float, box_w: float, box_h: float, pt: float) -> float:
    """Name size (device units) for lines of widths ``*_w`` at 100 units in a box."""
    px = min(UNIT_LABEL_MAX_PT * pt, box_w * 100 / max(name_w, 1e-9))
    if detail_w:
        px = min(px, box_w * 100 / (DETAIL_SCALE * detail_w), box_h / (1.2 * 1.85))
    else:
        px = min(px, box_h / 1.2)
    return px


def unit_number(name: str) -> str:
    """Return the number that ends a unit's name (``"CRAH-12"``: ``"12"``), or ``""``.

    Examples
    --------
    >>> unit_number("CRAH-12"), unit_number("CDU_3"), unit_number("north")
    ('12', '3', '')
    """
    m = re.search(r"[-_ ](\d+)$", name)
    return m.group(1) if m else ""


def _fit_label(name: str, detail: str, w: float, h: float, pt: float):
    """Return ``(name px, turned, detail px)`` of the best fit of a label in ``w`` x ``h``
    (a detail px of 0: the name alone)."""
    bold, plain = font(100, bold=True), font(100)
    name_w = QFontMetricsF(bold).horizontalAdvance(name)
    detail_w = QFontMetricsF(plain).horizontalAdvance(detail) if detail else 0.0
    low = math.floor(UNIT_LABEL_MIN_PT * pt)
    fits = {}
    for turned in (False, True) if h > w else (False,):
        bw, bh = (h, w) if turned else (w, h)
        # the detail (utilization) stays wherever it is legible, so every unit of a plan
        # reads alike; only where it is not does the name stand alone
        px = _label_px(name_w, detail_w, bw, bh, pt)
        if detail_w and math.floor(px * DETAIL_SCALE) >= low:
            fits[turned] = (math.floor(px), turned, px * DETAIL_SCALE)
            continue
        # a name held to its size by the unit's width ("CDU-1" across a 0.6 m unit)
        # leaves the short detail room at the least legible size, under the name's
        alone = math.floor(_label_px(name_w, 0.0, bw, bh, pt))
        below = math.floor(_label_px(name_w, 0.0, bw, bh - 1.2 * low, pt))
        if detail_w and below >= low and detail_w * low / 100 <= bw:
            fits[turned] = (below, turned, float(low))
        else:
            fits[turned] = (alone, turned, 0.0)
    across = fits[False]
    # a tall narrow unit reads along its length unless the text fits across in full size;
    # so a column of units by a wall is labelled one way
    if True in fits and (h >= 1.5 * w or fits[True][0] > 1.25 * across[0]) \
            and across[0] < math.floor(UNIT_LABEL_MAX_PT * pt):
        return fits[True]
    return across


def unit_label(p: QPainter, r: QRectF, name: str, detail: str, pt: float, color: QColor,
               short: str = "") -> str:
    """Label a cooling unit drawn in ``r`` with its name and ``detail`` (its utilization).

    The text stands upright on the page (also on a plan turned a quarter) at the
    largest size up to :data:`UNIT_LABEL_MAX_PT` that fits: across the unit, or
    along its long side when that is larger (a narrow unit by a wall). The
    detail stays wherever it is legible (every unit of a plan reads alike). Nothing is
    cut: when the name does not fit at :data:`UNIT_LABEL_MIN_PT`, ``short`` (the
    unit's number) stands for it, and when that does not fit either nothing is
    drawn. Return which was drawn: ``"name"``, ``"short"`` or ``""``.
    """
    dev = p.worldTransform().mapRect(r)
    pad = min(1.2 * pt, 0.1 * min(dev.width(), dev.height()))
    w, h = dev.width() - 2 * pad, dev.height() - 2 * pad
    if w <= 0 or h <= 0:
        return ""
    fits = [(kind, text, _fit_label(text, detail, w, h, pt))
            for kind, text in (("name", name), ("short", short)) if text]
    fits = [f for f in fits if f[2][0] >= math.floor(UNIT_LABEL_MIN_PT * pt)]
    if not fits:
        return ""
    drawn, text, (px, turned, detail_px) = fits[0]
    lines = [(text, True, px)] + ([(detail, False, detail_px)] if detail_px else [])
    total = sum(size * 1.2 for _, _, size in lines)
    bw = h if turned else w
    p.save()
    p.resetTransform()
    p.translate(dev.center())
    if turned:
        p.rotate(-90)
    p.setPen(color)
    y = -total / 2
    for line, is_bold, size in lines:
        p.setFont(font(size, bold=is_bold))
        p.drawText(QRectF(-bw / 2, y, bw, size * 1.2), Qt.AlignmentFlag.AlignCenter, line)
        y += size * 1.2
    p.restore()
    return drawn


def fit_text(p: QPainter, r: QRectF, text: str, pt: float, color: QColor) -> None:
    """Draw text centred in ``r`` at the largest size up to 7 pt that fits (or not at all)."""
    lines = text.split("\n")
    longest = max(len(s) for s in lines)
    px = min(7 * pt, r.width() * 0.9 / (0.6 * max(longest, 1)), r.height() * 0.8 / len(lines) / 1.2)
    rotate = False
    if px < 3.5 * pt and r.height() > r.width() * 1.5:
        px = min(7 * pt, r.height() * 0.9 / (0.6 * max(longest, 1)),
                 r.width() * 0.8 / len(lines) / 1.2)
        rotate = True
    if px < 3.5 * pt:
        return
    p.setFont(font(px))
    p.setPen(color)
    if rotate:
        p.save()
        p.translate(r.center())
        p.rotate(-90)
        p.drawText(QRectF(-r.height() / 2, -r.width() / 2, r.height(), r.width()),
                   Qt.AlignmentFlag.AlignCenter, text)
        p.restore()
    else:
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)


def legend_items(geo: PlanGeometry, layout: Any, overlays: tuple[str, ...], kw_max: float):
    items: list[tuple[str, Any]] = []
    if "heatmap" in overlays:
        lut = [ramp(k / 63) for k in range(64)]
        items.append(("lut", (lut, f"Rack power: 0–{kw_max:.0f} kW")))
    elif "cooling" in overlays:
        items.append(("swatch", (zone_color(0), "Rack colour = cooling zone (nearest unit)")))
    else:
        present = set(geo.rack_class.tolist())
        for k, label in (("gpu_air", "GPU rack, air"), ("gpu_liquid", "GPU rack, liquid"),
                         ("network", "Network rack"), ("cpu", "CPU rack"),
                         ("other", "Other / empty rack")):
            if k in present:
                items.append(("swatch", (QColor(C[k]), label)))
    kinds = {u.kind for u in layout.cooling}
    if "crah" in kinds:
        items.append(("swatch", (QColor(C["crah"]), "CRAH" + (" (utilization)" if "cooling" in
                                                                overlays else ""))))
    if "cdu" in kinds:
        items.append(("swatch", (QColor(C["cdu"]), "CDU")))
    if "rear_door" in kinds:
        items.append(("swatch", (QColor(C["door"]), "Rear door")))
    items.append(("line", (QColor(C["front"]), "Rack front (cold aisle)")))
    if layout.feeds:
        items.append(("line", (QColor(C["feed_a"]), "Feed A")))
        items.append(("line", (QColor(C["feed_b"]), "Feed B")))
    if layout.trays:
        items.append(("line", (QColor(C["tray"]), "Cable tray")))
    if "violations" in overlays:
        items.append(("outline", (QColor(C["error"]), "Error")))
        items.append(("outline", (QColor(C["warning"]), "Warning")))
    if "airflow" in overlays:
        items.append(("line", (QColor("#1565c0"), "Airflow, front to back")))
    return items
