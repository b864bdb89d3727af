"""Plan geometry for the report's floor plans: footprints as arrays, the metre-to-page map,
and the cutting of a long hall into strips at its aisles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from engine.compile import front_vectors

__all__ = ["PlanGeometry", "PlanMap", "free_gaps", "cut_points", "plan_strips"]


class PlanGeometry:
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
        self.hall_bounds = tuple(float(v) for v in hb)
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


class PlanMap:
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


def free_gaps(occupied: np.ndarray) -> np.ndarray:
    """Return the midpoints of the free gaps between (N, 2) occupied intervals, sorted."""
    if not len(occupied):
        return np.zeros(0)
    iv = occupied[np.argsort(occupied[:, 0], kind="stable")]
    end = np.maximum.accumulate(iv[:, 1])
    free = iv[1:, 0] > end[:-1] + 1e-6
    return (end[:-1][free] + iv[1:, 0][free]) / 2.0


def cut_points(gaps: np.ndarray, lo: float, hi: float, k: int) -> list[float]:
    """Cut ``[lo, hi]`` into ``k`` parts, each cut at the free gap nearest its even share."""
    out = [lo]
    for i in range(1, k):
        target = lo + (hi - lo) * i / k
        cand = gaps[gaps > out[-1] + 1e-6]
        out.append(float(cand[np.argmin(np.abs(cand - target))]) if len(cand) else target)
    out.append(hi)
    return out


def plan_strips(geo: PlanGeometry, area: QRectF, pt: float, gutter: float):
    """Return ``(scale, [(window, target)])`` with the best number of strips."""
    x0, y0, x1, y1 = geo.bounds
    pad = 0.5
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    W, H = max(x1 - x0, 1e-3), max(y1 - y0, 1e-3)
    gap, cap = 10 * pt, 11 * pt
    tall = H / W > area.height() / max(area.width(), 1e-6)
    boxes = np.concatenate([b for b in (geo.rack_box, geo.unit_box) if len(b)] or
                           [np.zeros((0, 4))])
    gaps = free_gaps(boxes[:, [1, 3]] if tall else boxes[:, [0, 2]])
    best = None
    for k in range(1, 17):
        if tall:
            cuts = cut_points(gaps, y0, y1, k)
            longest = max(b - a for a, b in zip(cuts[:-1], cuts[1:], strict=True))
            sw = (area.width() - (k - 1) * gap) / k - gutter
            sh = area.height() - (cap if k > 1 else 0)
            s = min(sw / W, sh / longest) if sw > 0 else 0
        else:
            cuts = cut_points(gaps, x0, x1, k)
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
