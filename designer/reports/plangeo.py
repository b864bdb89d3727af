"""Plan geometry for the report's floor plans: footprints as arrays, the metre-to-page map,
the cutting of a long hall into strips at its aisles, and where each part of a plan figure
stands on the page (:func:`strip_label_boxes`, :func:`plan_boxes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from engine.compile import front_vectors

__all__ = ["PlanGeometry", "PlanMap", "PlanBoxes", "free_gaps", "cut_points", "plan_strips",
           "strip_label_boxes", "to_page", "plan_boxes"]


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


# -- where the parts of a plan figure stand ------------------------------------------------------

_NO_BOX = np.zeros((0, 4))


def _boxes(b: Any) -> np.ndarray:
    return np.asarray(b, np.float64).reshape(-1, 4) if b is not None and len(b) else _NO_BOX


def _overlap(a: np.ndarray, b: np.ndarray, eps: float = 0.0) -> np.ndarray:
    """Return the (N, M) mask of the boxes of ``a`` that overlap boxes of ``b`` (more than ``eps``)."""
    return ((a[:, None, 0] < b[None, :, 2] - eps) & (a[:, None, 2] > b[None, :, 0] + eps)
            & (a[:, None, 1] < b[None, :, 3] - eps) & (a[:, None, 3] > b[None, :, 1] + eps))


@dataclass
class PlanBoxes:
    """Where each part of a plan figure stands on the page.

    Boxes are rows ``left, top, right, bottom`` in device units of the page (y down,
    after any quarter turn); a part not drawn has no row (shape ``(0, 4)``).
    """

    strips: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (k, 4) strips' plans
    labels: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (k, 4) "y 0–94 m" and such
    rows: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (n, 4) row names drawn
    scale_bar: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (1, 4) with its figures
    legend: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (1, 4) all its rows
    north: np.ndarray = field(default_factory=lambda: _NO_BOX)  # (1, 4) arrow and its "N"
    bottom: float = 0.0  # where the figure ends: its caption starts below
    scale_at: tuple[float, float] = (0.0, 0.0)  # the scale bar's baseline, left end
    legend_at: tuple[float, float] = (0.0, 0.0)  # the legend's top left corner
    north_at: tuple[float, float] = (0.0, 0.0)  # the north arrow's tip

    def parts(self) -> dict[str, np.ndarray]:
        """Return the boxes by part name (``strips``, ``labels``, ``rows``, ...)."""
        return {k: getattr(self, k) for k in ("strips", "labels", "rows", "scale_bar",
                                              "legend", "north")}

    def shifted(self, dy: float) -> PlanBoxes:
        """Return these boxes moved ``dy`` down the page."""
        d = np.array([0.0, dy, 0.0, dy])
        return PlanBoxes(*(b + d for b in self.parts().values()), self.bottom + dy,
                         *((x, y + dy) for x, y in (self.scale_at, self.legend_at,
                                                     self.north_at)))


def strip_label_boxes(frames: np.ndarray, sizes: np.ndarray, *, along_y: bool, gutter: float,
                      pt: float) -> np.ndarray:
    """Return where each strip's label stands: in the band kept above its strip.

    :func:`plan_strips` keeps a band 11 pt deep above each strip of a plan cut in
    several; a label is centred 6 pt above its strip's top edge and starts at its
    left end, or at the left of the gutter of its row names when the strips
    (windows in plan y) stand side by side. Nothing else is drawn in that band, so
    a label of at most ``strip width + gutter`` (side by side) or ``strip width``
    (one above the other) covers nothing.

    Parameters
    ----------
    frames : ndarray, shape (k, 4)
        The strips' plan windows in the drawing's frame (``left, top, right,
        bottom``, device units, before any quarter turn of the page).
    sizes : ndarray, shape (k, 2)
        Width and height of each label's text, device units.
    along_y : bool
        The strips are windows in plan y, set side by side.
    gutter, pt : float
        Width of the row names' gutter left of a strip, and device units per point.

    Returns
    -------
    ndarray, shape (k, 4)
        The labels' boxes in the drawing's frame.

    Examples
    --------
    >>> strip_label_boxes(np.array([[30.0, 20, 90, 200]]), np.array([[40.0, 6]]),
    ...                   along_y=True, gutter=24, pt=1).tolist()
    [[6.0, 11.0, 46.0, 17.0]]
    """
    f = _boxes(frames)
    wh = np.asarray(sizes, np.float64).reshape(-1, 2)
    left = f[:, 0] - (gutter if along_y else 0.0)
    cy = f[:, 1] - 6.0 * pt
    return np.column_stack([left, cy - wh[:, 1] / 2, left + wh[:, 0], cy + wh[:, 1] / 2])


def to_page(boxes: np.ndarray, turned: bool, origin: tuple[float, float] = (0.0, 0.0),
            lift: float = 0.0) -> np.ndarray:
    """Map (N, 4) boxes of the drawing's frame to the page.

    Unturned they stand as they are; turned a quarter to the left about ``origin``
    (the drawing area's bottom left corner), the frame's x runs up the page and its
    y to the right, moved ``lift`` to the right (the plan centred across the page).

    Examples
    --------
    >>> to_page(np.array([[10.0, 2, 30, 5]]), True, (100.0, 500.0), 4.0).tolist()
    [[106.0, 470.0, 109.0, 490.0]]
    """
    b = _boxes(boxes)
    if not turned:
        return b.copy()
    ox, oy = origin
    return np.column_stack([ox + lift + b[:, 1], oy - b[:, 2], ox + lift + b[:, 3], oy - b[:, 0]])


def plan_boxes(strips: np.ndarray, labels: np.ndarray, rows: np.ndarray, *,
               rect: tuple[float, float, float, float], band_h: float, gutter: float, pt: float,
               scale_bar: tuple[float, float, float, float] | None = None,
               legend: tuple[float, float] = (0.0, 0.0),
               north: tuple[float, float, float, float] | None = None,
               north_at: tuple[float, float] = (0.0, 0.0)) -> PlanBoxes:
    """Set the legend band below what the plan drew, and the north arrow where it is free.

    The band (scale bar, then the legend's rows) starts 8 pt below the lowest of the
    strips, their labels and the row names, and never lower than the bottom of
    ``rect`` less ``band_h`` plus 6 pt (the drawing area ends ``band_h`` above it,
    so the band never reaches what was drawn). The north arrow stands at
    ``north_at`` (top right); where it would cover a strip, a label or a row name,
    it moves to the right end of the scale bar's line instead.

    Parameters
    ----------
    strips, labels, rows : ndarray, shape (N, 4)
        Page boxes of the strips' plans, their labels and the row names drawn.
    rect : tuple of float
        The figure's ``left, top, right, bottom`` on the page.
    band_h : float
        Depth kept for the band (0: no legend, scale bar or north arrow).
    gutter, pt : float
        Indent of the band (the row names' gutter) and device units per point.
    scale_bar : tuple of float, optional
        The scale bar's extent about its baseline's left end: ``left, top, right,
        bottom`` offsets (with its figures and ratio).
    legend : tuple of float
        Width and depth of the legend's rows.
    north : tuple of float, optional
        The north arrow's extent about its tip, as ``scale_bar``.
    north_at : tuple of float
        Where the arrow's tip stands when that is free.

    Returns
    -------
    PlanBoxes

    Examples
    --------
    >>> b = plan_boxes(np.array([[0.0, 0, 100, 80]]), np.zeros((0, 4)), np.zeros((0, 4)),
    ...                rect=(0, 0, 200, 200), band_h=40, gutter=10, pt=1,
    ...                scale_bar=(-2, -6, 60, 9), legend=(150, 10), north=(-5, 0, 5, 24),
    ...                north_at=(189, 2))
    >>> b.scale_bar.tolist(), b.legend.tolist(), b.bottom
    ([[8.0, 87.0, 70.0, 102.0]], [[10.0, 102.0, 160.0, 112.0]], 112.0)
    """
    strips, labels, rows = _boxes(strips), _boxes(labels), _boxes(rows)
    left, top, right, bottom = rect
    drawn = np.concatenate([strips, labels, rows])
    end = max(top, float(drawn[:, 3].max())) if len(drawn) else top
    if band_h <= 0:
        return PlanBoxes(strips, labels, rows, bottom=end)
    band_top = min(end + 8 * pt, bottom - band_h + 6 * pt)
    scale_at = (left + gutter, band_top + 5 * pt)
    sb = np.asarray(scale_bar if scale_bar is not None else (0, 0, 0, 0), np.float64)
    sbar = (sb + [scale_at[0], scale_at[1], scale_at[0], scale_at[1]])[None, :]
    legend_at = (left + gutter, band_top + 14 * pt)
    leg = np.array([[legend_at[0], legend_at[1], legend_at[0] + legend[0],
                     legend_at[1] + legend[1]]])
    nb = np.asarray(north if north is not None else (0, 0, 0, 0), np.float64)
    at = north_at
    box = (nb + [at[0], at[1], at[0], at[1]])[None, :]
    if len(drawn) and _overlap(box, drawn, 0.2 * pt).any():
        # beside the scale bar, its right edge where it was, centred on the bar's line
        alt = (at[0], scale_at[1] - 2 * pt - (nb[1] + nb[3]) / 2)
        alt_box = (nb + [alt[0], alt[1], alt[0], alt[1]])[None, :]
        if not _overlap(alt_box, np.concatenate([drawn, sbar, leg]), 0.2 * pt).any():
            at, box = alt, alt_box
    return PlanBoxes(strips, labels, rows, sbar, leg, box, legend_at[1] + legend[1], scale_at,
                     legend_at, at)
