"""The floor plan, to scale, for the PDF report and the PNG export.

:func:`render_floor_plan` draws a layout into a rectangle of any painter: the
hall, racks (coloured by content, power density or cooling zone), cooling units,
feeds, trays, row labels, a legend, a scale bar and a north arrow. The plan
itself comes from the designer's own scene (``designer.canvas``) when that is
available, and from the drawing code of this module otherwise; the return
value says which one drew it.

A hall much longer than the page is wide is cut into strips at the aisles and
the strips are set side by side at one common scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from designer.reports.style import C, font, ramp, ramp_colors, zone_color
from engine.compile import front_vectors

__all__ = ["OVERLAYS", "normalize_overlays", "render_floor_plan", "prepare_plan", "PlanSource",
           "PlanInfo"]

OVERLAYS = ("heatmap", "cooling", "airflow", "cables", "violations")
_ALIASES = {"power": "heatmap", "density": "heatmap", "kw": "heatmap", "heat": "heatmap",
            "zones": "cooling", "trays": "cables"}
#: Size of a device pixel of the PDF in points (the scene's labels are 11 px: 5 pt).
SCENE_PIXEL_PT = 0.45
_STANDARD_SCALES = [m * 10 ** e for e in range(0, 6) for m in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5)]


def normalize_overlays(names: Any) -> tuple[str, ...]:
    """Return overlay names in canonical form; ``ValueError`` names an unknown one.

    Accepts a list or comma-separated strings (``["heatmap,cooling"]``).
    """
    out: list[str] = []
    for item in names or ():
        for raw in str(item).split(","):
            n = raw.strip().lower()
            if not n:
                continue
            n = _ALIASES.get(n, n)
            if n not in OVERLAYS:
                raise ValueError(f"unknown overlay {raw.strip()!r} (one of {', '.join(OVERLAYS)})")
            if n not in out:
                out.append(n)
    return tuple(out)


@dataclass
class PlanInfo:
    """What :func:`render_floor_plan` drew: renderer, scale and strips."""

    renderer: str  # "scene" (designer.canvas) or "fallback" (this module)
    units_per_m: float
    strips: int
    paper_scale: int | None = None
    fallback_reason: str = ""
    bottom: float = 0.0  # device y where the drawing (legend included) ends
    turned: bool = False  # drawn a quarter turn to the left (north points left)


# -- geometry ------------------------------------------------------------------------------

class _Geo:
    """Everything to draw, as arrays in metres (computed once per render)."""

    def __init__(self, layout: Any, analysis: Any) -> None:
        arr, fl = analysis.arrays, analysis.floor
        n = arr.n_racks
        self.n = n
        self.rack_box = np.asarray(fl.box[:n], np.float64).reshape(-1, 4)
        units = [u for u in layout.cooling if u.kind != "rear_door"]
        self.units = units
        self.unit_box = np.asarray(fl.box[n:n + len(units)], np.float64).reshape(-1, 4)
        self.unit_index = {u.id: i for i, u in enumerate(layout.cooling)}
        self.fx, self.fy = front_vectors(arr.rack_rot_deg) if n else (np.zeros(0), np.zeros(0))
        self.rack_ids = arr.rack_ids
        self.rack_kw = np.asarray(analysis.power.rack_kw, np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.liquid = np.where(arr.rack_power_w > 0, arr.rack_liquid_w / arr.rack_power_w, 0)
        cls = np.full(n, "other", dtype=object)
        cls[arr.rack_cpu_nodes > 0] = "cpu"
        cls[(arr.rack_switches > 0) & (arr.rack_gpus == 0)] = "network"
        cls[(arr.rack_gpus > 0) & (self.liquid < 0.5)] = "gpu_air"
        cls[(arr.rack_gpus > 0) & (self.liquid >= 0.5)] = "gpu_liquid"
        self.rack_class = cls
        c = analysis.cooling
        zone = np.asarray(c.rack_crah if (np.asarray(c.rack_crah) >= 0).any() else c.rack_cdu)
        self.rack_zone = zone.astype(np.int64)
        self.unit_util = {uid: float(u) for uid, u in zip(c.unit_ids, c.unit_utilization,
                                                          strict=True)}
        self.rows = self._rows(layout)
        hb = layout.hall.bounds()
        boxes = [b for b in (self.rack_box, self.unit_box) if len(b)]
        allb = np.concatenate(boxes) if boxes else np.zeros((0, 4))
        lo = np.minimum([hb[0], hb[1]], allb[:, :2].min(axis=0)) if len(allb) else hb[:2]
        hi = np.maximum([hb[2], hb[3]], allb[:, 2:].max(axis=0)) if len(allb) else hb[2:]
        self.bounds = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        sev: dict[str, str] = {}
        for v in analysis.violations:
            for item in v.items:
                if sev.get(item) != "error":
                    sev[item] = v.severity
        self.severity = sev

    def _rows(self, layout: Any) -> list[tuple[str, float, float, float, float]]:
        names = [r.row or "" for r in layout.racks]
        out = []
        if not names:
            return out
        uniq, inv = np.unique(np.asarray(names, dtype=str), return_inverse=True)
        for j, name in enumerate(uniq.tolist()):
            if not name:
                continue
            b = self.rack_box[inv == j]
            out.append((name, float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                        float(b[:, 3].max())))
        return out


class _Map:
    """Metres (y up) to device units (y down) for one window of the plan."""

    def __init__(self, win: tuple[float, float, float, float], target: QRectF, s: float) -> None:
        self.win, self.target, self.s = win, target, s
        self.ox = target.left() + (target.width() - (win[2] - win[0]) * s) / 2
        self.oy = target.top()  # top-aligned: the legend follows the plan

    def p(self, x: float, y: float) -> QPointF:
        return QPointF(self.ox + (x - self.win[0]) * self.s, self.oy + (self.win[3] - y) * self.s)

    def rect(self, b) -> QRectF:
        return QRectF(self.ox + (b[0] - self.win[0]) * self.s, self.oy + (self.win[3] - b[3]) * self.s,
                      (b[2] - b[0]) * self.s, (b[3] - b[1]) * self.s)

    def visible(self, box: np.ndarray) -> np.ndarray:
        w = self.win
        return (box[:, 2] >= w[0]) & (box[:, 0] <= w[2]) & (box[:, 3] >= w[1]) & (box[:, 1] <= w[3])


# -- strips ----------------------------------------------------------------------------------

def _gaps(occupied: np.ndarray) -> np.ndarray:
    """Return the midpoints of the free gaps between (N, 2) occupied intervals, sorted."""
    if not len(occupied):
        return np.zeros(0)
    iv = occupied[np.argsort(occupied[:, 0], kind="stable")]
    end = np.maximum.accumulate(iv[:, 1])
    free = iv[1:, 0] > end[:-1] + 1e-6
    return (end[:-1][free] + iv[1:, 0][free]) / 2.0


def _cuts(gaps: np.ndarray, lo: float, hi: float, k: int) -> list[float]:
    """Cut ``[lo, hi]`` into ``k`` parts, each cut at the free gap nearest its even share."""
    out = [lo]
    for i in range(1, k):
        target = lo + (hi - lo) * i / k
        cand = gaps[gaps > out[-1] + 1e-6]
        out.append(float(cand[np.argmin(np.abs(cand - target))]) if len(cand) else target)
    out.append(hi)
    return out


def _plan_strips(geo: _Geo, area: QRectF, pt: float, gutter: float):
    """Return ``(scale, [(window, target)])`` with the best number of strips."""
    x0, y0, x1, y1 = geo.bounds
    pad = 0.5
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    W, H = max(x1 - x0, 1e-3), max(y1 - y0, 1e-3)
    gap, cap = 10 * pt, 11 * pt
    tall = H / W > area.height() / max(area.width(), 1e-6)
    boxes = np.concatenate([b for b in (geo.rack_box, geo.unit_box) if len(b)] or
                           [np.zeros((0, 4))])
    gaps = _gaps(boxes[:, [1, 3]] if tall else boxes[:, [0, 2]])
    best = None
    for k in range(1, 17):
        if tall:
            cuts = _cuts(gaps, y0, y1, k)
            longest = max(b - a for a, b in zip(cuts[:-1], cuts[1:], strict=True))
            sw = (area.width() - (k - 1) * gap) / k - gutter
            sh = area.height() - (cap if k > 1 else 0)
            s = min(sw / W, sh / longest) if sw > 0 else 0
        else:
            cuts = _cuts(gaps, x0, x1, k)
            longest = max(b - a for a, b in zip(cuts[:-1], cuts[1:], strict=True))
            sh = (area.height() - (k - 1) * gap) / k - (cap if k > 1 else 0)
            sw = area.width() - gutter
            s = min(sw / longest, sh / H) if sh > 0 else 0
        # strips cost reading effort: each one must earn its keep, and cutting at
        # all must at least double the scale
        score = s / (1.0 + 0.15 * (k - 1))
        if k == 1:
            single = s
        if best is None or (s >= 2.0 * single and score > best[4]):
            best = (s, k, cuts, longest, score)
    s, k, cuts, longest, _ = best
    out = []
    for i in range(k):
        if tall:
            sw = (area.width() - (k - 1) * gap) / k
            tgt = QRectF(area.left() + i * (sw + gap) + gutter, area.top() + (cap if k > 1 else 0),
                         sw - gutter, area.height() - (cap if k > 1 else 0))
            win = (x0, cuts[i], x1, cuts[i + 1])
            # align strips at their top so the same scale reads the same
            tgt = QRectF(tgt.left(), tgt.top(), tgt.width(), (cuts[i + 1] - cuts[i]) * s)
        else:
            sh = (area.height() - (k - 1) * gap) / k
            top = area.top() + i * (sh + gap) + (cap if k > 1 else 0)
            tgt = QRectF(area.left() + gutter, top, (cuts[i + 1] - cuts[i]) * s,
                         sh - (cap if k > 1 else 0))
            win = (cuts[i], y0, cuts[i + 1], y1)
        out.append((win, tgt))
    return s, out, tall


# -- drawing -----------------------------------------------------------------------------------

def _pen(color: str | QColor, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
    p = QPen(QColor(color), width, style)
    p.setCapStyle(Qt.PenCapStyle.FlatCap)
    p.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    return p


def _rack_fill(geo: _Geo, overlays: tuple[str, ...], kw_max: float) -> list[QColor]:
    if "heatmap" in overlays:
        rgb = ramp_colors(geo.rack_kw / kw_max if kw_max > 0 else geo.rack_kw * 0)
        return [QColor(int(r), int(g), int(b)) for r, g, b in rgb.tolist()]
    if "cooling" in overlays:
        return [zone_color(int(z)) for z in geo.rack_zone.tolist()]
    cache = {k: QColor(C[k]) for k in ("gpu_air", "gpu_liquid", "network", "cpu", "other")}
    return [cache[k] for k in geo.rack_class.tolist()]


def _draw_fallback(p: QPainter, m: _Map, layout: Any, geo: _Geo, overlays: tuple[str, ...],
                   pt: float, fills: list[QColor]) -> None:
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
        p.setPen(_pen(C["grid"], 0.3 * pt))
        w = m.win
        p.drawLines([QLineF(m.p(x, w[1]), m.p(x, w[3]))
                     for x in np.arange(math.ceil(w[0] / tile) * tile, w[2], tile).tolist()]
                    + [QLineF(m.p(w[0], y), m.p(w[2], y))
                       for y in np.arange(math.ceil(w[1] / tile) * tile, w[3], tile).tolist()])
        p.restore()
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(_pen(C["hall_edge"], 1.2 * pt))
    p.drawPolygon(hall)
    p.setPen(_pen(C["hall_edge"], 0.4 * pt))
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
    p.setPen(_pen(QColor(C["hall_edge"]).lighter(140), edge))
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
        p.setPen(_pen(C["front"], max(0.25 * pt, min(1.0 * pt, 0.08 * m.s))))
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
    for j in list(uvis):
        u = geo.units[j]
        r = m.rect(geo.unit_box[j])
        p.setPen(_pen(C["hall_edge"], 0.4 * pt))
        p.setBrush(QColor(C["crah"] if u.kind == "crah" else C["cdu"]))
        p.drawRect(r)
        label = u.id
        if "cooling" in overlays:
            label += f" {geo.unit_util.get(u.id, 0.0):.0%}"
        _fit_text(p, r, label, pt, QColor("white"))
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
                _fit_text(p, r, txt, pt, QColor("white") if dark else QColor(C["ink"]))
    if "violations" in overlays:
        _draw_violations(p, m, geo, vis, uvis, pt)


def _draw_overhead(p: QPainter, m: _Map, layout: Any, overlays: tuple[str, ...],
                   pt: float) -> None:
    """Busway and trays run overhead: thin lines over the racks."""
    cables = "cables" in overlays
    tray = QColor(C["tray"])
    if not cables:
        tray.setAlphaF(0.75)
    tray_pen = _pen(tray, (2.2 if cables else 0.8) * pt,
                    Qt.PenStyle.SolidLine if cables else Qt.PenStyle.DashLine)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(tray_pen)
    for t in layout.trays:
        p.drawPolyline(QPolygonF([m.p(x, y) for x, y in t.points]))
    for f in layout.feeds:
        if len(f.points) >= 2:
            p.setPen(_pen(C["feed_a"] if f.side == "A" else C["feed_b"], 0.7 * pt))
            p.drawPolyline(QPolygonF([m.p(x, y) for x, y in f.points]))


def _back_strip(m: _Map, geo: _Geo, i: int) -> QRectF:
    x0, y0, x1, y1 = geo.rack_box[i]
    t = 0.12
    if abs(geo.fy[i]) > 0.5:
        b = (x0, y0, x1, y0 + t) if geo.fy[i] > 0 else (x0, y1 - t, x1, y1)
    else:
        b = (x0, y0, x0 + t, y1) if geo.fx[i] > 0 else (x1 - t, y0, x1, y1)
    return m.rect(b)


def _draw_airflow(p: QPainter, m: _Map, geo: _Geo, vis: np.ndarray, pt: float) -> None:
    cx = (geo.rack_box[vis, 0] + geo.rack_box[vis, 2]) / 2
    cy = (geo.rack_box[vis, 1] + geo.rack_box[vis, 3]) / 2
    half = np.minimum(geo.rack_box[vis, 2] - geo.rack_box[vis, 0],
                      geo.rack_box[vis, 3] - geo.rack_box[vis, 1]) * 0.45
    p.setPen(_pen("#1565c0", max(0.3 * pt, 0.04 * m.s)))
    head = max(1.5 * pt, 0.12 * m.s)
    for x, y, h, fx, fy in zip(cx.tolist(), cy.tolist(), half.tolist(), geo.fx[vis].tolist(),
                               geo.fy[vis].tolist(), strict=True):
        a = m.p(x + fx * h, y + fy * h)  # air enters at the front ...
        b = m.p(x - fx * h, y - fy * h)  # ... and leaves at the back
        p.drawLine(a, b)
        ang = math.atan2(b.y() - a.y(), b.x() - a.x())
        for da in (2.6, -2.6):
            p.drawLine(b, QPointF(b.x() + head * math.cos(ang + da), b.y() + head * math.sin(ang + da)))


def _draw_violations(p: QPainter, m: _Map, geo: _Geo, vis, uvis, pt: float) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    for sev, col in (("warning", C["warning"]), ("error", C["error"])):
        p.setPen(_pen(col, 1.4 * pt))
        rects = [m.rect(geo.rack_box[i]) for i in list(vis) if geo.severity.get(geo.rack_ids[i]) == sev]
        rects += [m.rect(geo.unit_box[j]) for j in list(uvis)
                  if geo.severity.get(geo.units[j].id) == sev]
        if rects:
            p.drawRects(rects)


def _fit_text(p: QPainter, r: QRectF, text: str, pt: float, color: QColor) -> None:
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


# -- decorations: row labels, north arrow, scale bar, legend -----------------------------------

def _row_labels(p: QPainter, m: _Map, geo: _Geo, pt: float, gutter: float) -> None:
    px = 5.5 * pt
    p.setFont(font(px, bold=True))
    p.setPen(QColor(C["muted"]))
    last = -1e18
    rows = sorted(geo.rows, key=lambda r: -(r[2] + r[4]))  # top of the page first
    for name, x0, y0, x1, y1 in rows:
        if y1 < m.win[1] or y0 > m.win[3] or x1 < m.win[0] or x0 > m.win[2]:
            continue
        yc = m.p(x0, (y0 + y1) / 2).y()
        if yc - last < px * 1.15:
            continue
        last = yc
        r = QRectF(m.target.left() - gutter, yc - px, gutter - 2 * pt, 2 * px)
        p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)


def _north_arrow(p: QPainter, at: QPointF, pt: float, angle: float = 0.0) -> None:
    """Draw the north arrow (plan +y) with its tip near ``at``, turned by ``angle`` degrees."""
    h = 18 * pt
    p.save()
    p.translate(at.x(), at.y() + h * 0.5)
    p.rotate(angle)
    path = QPainterPath()
    path.moveTo(0, -h * 0.5)
    path.lineTo(h * 0.28, h * 0.3)
    path.lineTo(0, h * 0.12)
    path.lineTo(-h * 0.28, h * 0.3)
    path.closeSubpath()
    p.setPen(_pen(C["ink"], 0.6 * pt))
    p.setBrush(QColor(C["ink"]))
    p.drawPath(path)
    p.rotate(-angle)
    p.setFont(font(7 * pt, bold=True))
    off = QPointF(0, h * 0.42) if angle == 0 else QPointF(h * 0.68, 0)
    p.drawText(QRectF(off.x() - 10 * pt, off.y() - 1 * pt, 20 * pt, 9 * pt),
               Qt.AlignmentFlag.AlignCenter, "N")
    p.restore()


def _nice(x: float) -> float:
    e = 10 ** math.floor(math.log10(max(x, 1e-9)))
    for f in (1, 2, 5, 10):
        if f * e >= x:
            return f * e
    return 10 * e


def _scale_bar(p: QPainter, left: QPointF, s: float, pt: float, ratio: int | None) -> float:
    """Draw a scale bar from ``left`` (its baseline); return its width."""
    length = _nice(90 * pt / s) if s > 0 else 1.0
    if length * s > 150 * pt:
        length /= 2
    w = length * s
    h = 3.5 * pt
    p.setPen(_pen(C["ink"], 0.5 * pt))
    for k in range(4):
        p.setBrush(QColor(C["ink"]) if k % 2 == 0 else QColor("white"))
        p.drawRect(QRectF(left.x() + k * w / 4, left.y() - h, w / 4, h))
    p.setFont(font(6.5 * pt))
    for frac in (0.0, 0.5, 1.0):
        v = length * frac
        txt = f"{v:g}" + (" m" if frac == 1.0 else "")
        p.drawText(QRectF(left.x() + w * frac - 20 * pt, left.y() + 0.5 * pt, 40 * pt, 8 * pt),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, txt)
    if ratio:
        p.drawText(QRectF(left.x() + w + 6 * pt, left.y() - h - 2 * pt, 80 * pt, 8 * pt),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"Scale 1:{ratio}")
    return w


def _legend_items(geo: _Geo, layout: Any, overlays: tuple[str, ...], kw_max: float):
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


def _place_legend(items, width: float, pt: float) -> list[tuple[str, Any, float, int]]:
    """Lay legend entries out in rows of ``width``: ``(kind, data, x, row)``."""
    fm = QFontMetricsF(font(6.5 * pt))
    fmb = QFontMetricsF(font(6.5 * pt, bold=True))
    out = []
    x, row = 0.0, 0
    for kind, data in items:
        if kind == "lut":
            need = 90 * pt + fm.horizontalAdvance(data[1]) + 14 * pt
        elif kind == "title":
            need = fmb.horizontalAdvance(data) + 6 * pt
        else:
            need = 13 * pt + fm.horizontalAdvance(data[1]) + 9 * pt
        if (x + need > width and x > 0) or (kind == "title" and x > 0):
            x, row = 0.0, row + 1
        out.append((kind, data, x, row))
        x += need
    return out


def _draw_legend(p: QPainter, band: QRectF, placed, pt: float) -> None:
    row_h = 10 * pt
    for kind, data, dx, row in placed:
        x, y = band.left() + dx, band.top() + row * row_h
        if kind == "title":
            p.setFont(font(6.5 * pt, bold=True))
            p.setPen(QColor(C["ink"]))
            p.drawText(QRectF(x, y, band.width(), row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, data)
            continue
        p.setFont(font(6.5 * pt))
        if kind == "lut":
            colors, label = data
            w, steps = 84 * pt, 28
            p.setPen(Qt.PenStyle.NoPen)
            for k in range(steps):
                p.setBrush(colors[round(k * (len(colors) - 1) / (steps - 1))])
                p.drawRect(QRectF(x + k * w / steps, y + 1.5 * pt, w / steps + 0.3 * pt, 6 * pt))
            p.setPen(QColor(C["ink"]))
            p.drawText(QRectF(x + w + 5 * pt, y, band.width(), row_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            continue
        color, label = data
        sw = QRectF(x, y + 1.5 * pt, 10 * pt, 6 * pt)
        if kind == "swatch":
            p.setPen(_pen(C["hall_edge"], 0.3 * pt))
            p.setBrush(color)
            p.drawRect(sw)
        elif kind == "outline":
            p.setPen(_pen(color, 1.2 * pt))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(sw)
        else:
            p.setPen(_pen(color, 1.2 * pt))
            p.drawLine(QPointF(sw.left(), sw.center().y()), QPointF(sw.right(), sw.center().y()))
        p.setPen(QColor(C["ink"]))
        p.drawText(QRectF(x + 13 * pt, y, band.width(), row_h),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


# -- the scene of the designer ---------------------------------------------------------------

class PlanSource:
    """What draws the plan: the designer's :class:`FloorPlanScene`, or this module.

    Build one per report with :func:`prepare_plan` and pass it to every
    :func:`render_floor_plan` call, so the scene is made once.
    """

    def __init__(self, layout: Any, analysis: Any, renderer: str = "auto") -> None:
        self.layout, self.analysis = layout, analysis
        self.geo = _Geo(layout, analysis)
        self.scene = None
        self.document = None
        self.error = ""
        self._grid = True
        if renderer in ("auto", "scene"):
            try:
                from designer.canvas import FloorPlanScene
                from designer.document import LayoutDocument

                self.document = LayoutDocument(layout, analysis_mode="sync", autosave_ms=0)
                self.scene = FloorPlanScene(self.document)
            except Exception as exc:  # the fallback draws the same plan; say why in PlanInfo
                if renderer == "scene":
                    raise
                self.error = f"{type(exc).__name__}: {exc}"
                self.scene = self.document = None

    def close(self) -> None:
        """Release the scene and end its document cleanly."""
        if self.document is not None:
            self.document.close()
        if self.scene is not None:
            self.scene.clear()
        self.scene = self.document = None

    @property
    def renderer(self) -> str:
        """``"scene"`` or ``"fallback"``."""
        return "scene" if self.scene is not None else "fallback"

    def set_overlays(self, overlays: tuple[str, ...]) -> None:
        """Show exactly these overlays in the scene."""
        if self.scene is None:
            return
        for key in self.scene.overlays:
            self.scene.set_overlay(key, key in overlays)

    def show_grid(self, on: bool) -> None:
        """Show or hide the scene's floor-tile grid.

        The grid clips itself to the hall outline, replacing the painter's clip,
        so a strip of a long hall would show grid lines beyond the strip; the
        grid is hidden when a plan is cut into strips (the scale bar remains).
        """
        if self.scene is None or self._grid == on:
            return
        hall = self.layout.hall
        self.scene.floor.set_hall(list(hall.outline), hall.tile_m if on else None)
        self._grid = on

    def draw_scene(self, p: QPainter, m: _Map, left: float = 0.0) -> None:
        """Render the scene's window ``m.win`` at the map's exact scale.

        ``left`` device units more are rendered left of the window, where the
        scene puts its row labels. The scene draws labels and hairlines in
        device pixels (it is made for screens): the PDF's resolution makes a
        pixel :data:`SCENE_PIXEL_PT` points.
        """
        x0, y0, x1, y1 = m.win
        dx = left / m.s if m.s > 0 else 0.0
        self.scene.render(p, m.rect((x0, y0, x1, y1)).adjusted(-left, 0, 0, 0),
                          QRectF(x0 - dx, -y1, x1 - x0 + dx, y1 - y0),
                          Qt.AspectRatioMode.IgnoreAspectRatio)

    def legend_items(self, overlays: tuple[str, ...]) -> list:
        """Legend entries for the scene's colours and visible overlays."""
        from designer.canvas import METRICS
        from designer.canvas.style import PALETTE

        sc = self.scene
        cmap = METRICS[sc.metric]
        lo, hi = sc.metric_range
        items: list = [("lut", (cmap.colors, f"{cmap.label}: {lo:g}–{hi:g} {cmap.unit}"))]
        kinds = {u.kind for u in self.layout.cooling}
        for kind, fill, label in (("crah", PALETTE.crah_fill, "CRAH"),
                                  ("cdu", PALETTE.cdu_fill, "CDU"),
                                  ("rear_door", PALETTE.door, "Rear door")):
            if kind in kinds:
                items.append(("swatch", (QColor(fill), label)))
        items.append(("line", (QColor(PALETTE.rack_front), "Rack front (cold aisle)")))
        if self.layout.feeds:
            items.append(("line", (QColor(PALETTE.feed_a), "Feed A")))
            items.append(("line", (QColor(PALETTE.feed_b), "Feed B")))
        if self.layout.trays:
            items.append(("line", (QColor(PALETTE.tray_fill), "Cable tray")))
        for key in overlays:
            ov = sc.overlays.get(key)
            leg = ov.legend() if ov is not None else None
            if leg:
                title, entries = leg
                items.append(("title", title))
                items.extend(("swatch", (QColor(c), label)) for c, label in entries)
        return items


def prepare_plan(layout: Any, analysis: Any, renderer: str = "auto") -> PlanSource:
    """Return the plan source for a report: the designer's scene when available.

    ``renderer``: ``"auto"`` (scene, else fallback), ``"scene"`` (raise if the
    scene cannot be built) or ``"fallback"`` (this module's drawing).
    """
    return PlanSource(layout, analysis, renderer)


# -- entry point -------------------------------------------------------------------------------

def _device_pt(p: QPainter, rect: QRectF) -> float:
    dev = p.device()
    try:
        from PySide6.QtGui import QPagedPaintDevice

        if isinstance(dev, QPagedPaintDevice):
            return dev.logicalDpiY() / 72.0
    except ImportError:
        pass
    return max(1.0, min(rect.width(), rect.height() * 1.5) / 520.0)


def render_floor_plan(painter: QPainter, rect: QRectF, layout: Any, analysis: Any,
                      overlays: Any = (), *, pt: float | None = None, legend: bool = True,
                      mm_per_unit: float | None = None,
                      source: PlanSource | None = None, rotate: bool | None = None) -> PlanInfo:
    """Draw the floor plan of ``layout`` to scale into ``rect`` of ``painter``.

    Parameters
    ----------
    painter : QPainter
        Active on any device (PDF page, QImage).
    rect : QRectF
        Where to draw, in device units; legend and scale bar go in its bottom band.
    layout, analysis
        The design and its :class:`engine.analysis.Analysis`.
    overlays : iterable of str
        Any of :data:`OVERLAYS` (``heatmap`` colours racks by kW, ``cooling`` by
        cooling zone with unit utilization; ``airflow``, ``cables``, ``violations``).
    pt : float, optional
        Device units per typographic point (default: from the device).
    legend : bool
        Draw legend, scale bar and north arrow.
    mm_per_unit : float, optional
        Paper millimetres per device unit; when given the plan is set at a
        standard scale (1:100, 1:200, ...) and the bar says so.
    source : PlanSource, optional
        From :func:`prepare_plan`; made here when not given.
    rotate : bool, optional
        Allow turning a wide hall a quarter to fit a tall rectangle (the north
        arrow turns with it); by default only on paper (``mm_per_unit`` given).

    Returns
    -------
    PlanInfo
        Which renderer drew the plan, the scale and the number of strips.
    """
    overlays = normalize_overlays(overlays)
    pt = pt or _device_pt(painter, rect)
    if source is None:
        source = prepare_plan(layout, analysis)
        try:
            return render_floor_plan(painter, rect, layout, analysis, overlays, pt=pt,
                                     legend=legend, mm_per_unit=mm_per_unit, source=source,
                                     rotate=rotate)
        finally:
            source.close()
    source.set_overlays(overlays)
    geo = source.geo
    kw_max = float(geo.rack_kw.max()) if geo.n else 0.0
    if not legend:
        items = []
    elif source.scene is not None:
        items = source.legend_items(overlays)
    else:
        items = _legend_items(geo, layout, overlays, kw_max)
    gutter = 24 * pt if geo.rows else 2 * pt
    placed = _place_legend(items, rect.width() - gutter, pt) if legend else []
    rows = (max(r for *_, r in placed) + 1) if placed else 0
    band_h = (20 * pt + 10 * pt * rows) if legend else 0
    area = QRectF(rect.left(), rect.top(), rect.width() - (22 * pt if legend else 0),
                  rect.height() - band_h)
    s, strips, tall = _plan_strips(geo, area, pt, gutter)
    turned = False
    if rotate if rotate is not None else bool(mm_per_unit):
        s2, strips2, tall2 = _plan_strips(geo, QRectF(0, 0, area.height(), area.width()), pt,
                                          gutter)
        if s2 >= 1.3 * s:  # a wide hall on a tall page: turn it a quarter to the left
            s, strips, tall, turned = s2, strips2, tall2, True
    ratio = None
    if mm_per_unit and s > 0:
        fit = 1000.0 / (s * mm_per_unit)
        ratio = next((int(r) if float(r).is_integer() else r for r in _STANDARD_SCALES
                      if r >= fit - 1e-9), None)
        if ratio:
            s = 1000.0 / (ratio * mm_per_unit)
    fills = _rack_fill(geo, overlays, kw_max) if source.scene is None else []
    source.show_grid(len(strips) == 1)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    plan_bottom = rect.top()
    if turned:  # virtual x runs up the page, virtual y to the right
        painter.save()
        painter.translate(area.left(), area.bottom())
        painter.rotate(-90)
        used = max(_Map(w, t, s).rect(w).bottom() for w, t in strips)  # virtual y = page x
        painter.translate(0, max(0.0, (area.width() - used) / 2))
    for win, target in strips:
        m = _Map(win, target, s)
        r = m.rect(win)
        plan_bottom = max(plan_bottom, area.bottom() - r.left() if turned else r.bottom())
        painter.save()
        # the gutter left of a strip holds its row labels (the scene draws them there too)
        painter.setClipRect(target.adjusted(-gutter + pt, -1, 1, 1))
        if source.scene is not None:
            source.draw_scene(painter, m, gutter - pt)
        else:
            _draw_fallback(painter, m, layout, geo, overlays, pt, fills)
        painter.restore()
        if source.scene is None or s < 3.0:  # else the scene labels its rows itself
            _row_labels(painter, m, geo, pt, gutter)
        if len(strips) > 1:
            painter.setFont(font(6 * pt, bold=True))
            painter.setPen(QColor(C["muted"]))
            axis = "y" if tall else "x"
            lo, hi = (win[1], win[3]) if tall else (win[0], win[2])
            cap = QRectF(target.left() - (gutter if tall else 0), target.top() - 11 * pt,
                         target.width() + gutter, 10 * pt)
            text = f"{axis} {max(lo, 0):.0f}–{hi:.0f} m"
            if painter.fontMetrics().horizontalAdvance(text) > cap.width():
                text = f"{max(lo, 0):.0f}–{hi:.0f}"
            painter.drawText(cap, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    if turned:
        painter.restore()
    if legend:
        _north_arrow(painter, QPointF(rect.right() - 11 * pt, rect.top() + 2 * pt), pt,
                     -90.0 if turned else 0.0)
        top = min(plan_bottom + 8 * pt, rect.bottom() - band_h + 6 * pt)
        band = QRectF(rect.left(), top, rect.width(), band_h - 6 * pt)
        _scale_bar(painter, QPointF(band.left() + gutter, band.top() + 5 * pt), s, pt, ratio)
        _draw_legend(painter, QRectF(band.left() + gutter, band.top() + 14 * pt,
                                     band.width() - gutter, band.height() - 14 * pt), placed, pt)
    painter.restore()
    end = band.top() + 14 * pt + 10 * pt * rows if legend else plan_bottom
    return PlanInfo(source.renderer, s, len(strips), ratio, source.error, end, turned)
