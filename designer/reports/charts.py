"""Charts drawn with QPainter (vector in the PDF): bars, a sorted profile, grouped bars.

Each function draws into ``rect`` (device units) with ``pt`` device units per
point, so charts print crisply at any page size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from designer.reports.style import C, font

__all__ = ["bar_chart", "profile_chart", "nice_ticks"]


def nice_ticks(vmax: float, n: int = 5) -> list[float]:
    """Return round tick values from 0 to at least ``vmax``.

    Examples
    --------
    >>> nice_ticks(41)
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    """
    vmax = vmax if vmax > 0 else 1.0
    raw = vmax / n
    e = 10 ** math.floor(math.log10(raw))
    step = next(f * e for f in (1, 2, 2.5, 5, 10) if f * e >= raw)
    k = math.ceil(vmax / step - 1e-9)
    return [float(round(i * step, 10)) for i in range(k + 1)]


def _legend_width(p: QPainter, pt: float, entries: Sequence[tuple[str, str]]) -> float:
    p.setFont(font(6.5 * pt))
    fm = p.fontMetrics()
    return sum(16 * pt + fm.horizontalAdvance(name) for _, name in entries) - 4 * pt


def _frame(p: QPainter, rect: QRectF, pt: float, title: str, unit: str, vmax: float,
           bottom_pt: float, legend: Sequence[tuple[str, str]] = ()) -> tuple[QRectF, float]:
    """Draw title, legend, y axis and grid; return the plot area and the value at its top.

    The legend (series and limit lines) stands right of the title, or on a line of
    its own under a long title: above the plot area, never over the data.
    """
    p.setFont(font(8.5 * pt, bold=True))
    p.setPen(QColor(C["ink"]))
    p.drawText(QRectF(rect.left(), rect.top(), rect.width(), 12 * pt),
               int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
    title_w = p.fontMetrics().horizontalAdvance(title)
    head = 18 * pt
    if legend:
        lw = _legend_width(p, pt, legend)
        if title_w + 16 * pt + lw <= rect.width():
            _legend(p, QPointF(rect.right() - lw, rect.top() + 2 * pt), pt, legend)
        else:
            _legend(p, QPointF(rect.left() + 34 * pt, rect.top() + 14 * pt), pt, legend)
            head += 12 * pt
    ticks = nice_ticks(vmax)
    top = ticks[-1]
    left_w = 34 * pt
    area = QRectF(rect.left() + left_w, rect.top() + head, rect.width() - left_w - 4 * pt,
                  rect.height() - head - bottom_pt * pt)
    p.setFont(font(6.5 * pt))
    for t in ticks:
        y = area.bottom() - area.height() * t / top
        p.setPen(QPen(QColor(C["grid"] if t else C["muted"]), (0.4 if t else 0.7) * pt))
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        p.setPen(QColor(C["muted"]))
        p.drawText(QRectF(rect.left(), y - 5 * pt, left_w - 4 * pt, 10 * pt),
                   int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{t:g}")
    p.save()
    p.translate(rect.left() + 4 * pt, area.center().y())
    p.rotate(-90)
    p.drawText(QRectF(-area.height() / 2, -4 * pt, area.height(), 9 * pt),
               int(Qt.AlignmentFlag.AlignCenter), unit)
    p.restore()
    return area, top


def _limit_pen(pt: float) -> QPen:
    return QPen(QColor(C["error"]), 0.9 * pt, Qt.PenStyle.DashLine)


def _limit(p: QPainter, area: QRectF, top: float, limit: float | None, pt: float) -> None:
    """Draw the limit line across the plot; its name is in the legend."""
    if limit is None or limit > top:
        return
    y = area.bottom() - area.height() * limit / top
    p.setPen(_limit_pen(pt))
    p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))


def _entries(legend: tuple[str, str] | None, limit: float | None,
             limit_label: str) -> list[tuple[str, str]]:
    out = [("bar", legend[0]), ("outline", legend[1])] if legend else []
    if limit is not None and limit_label:
        out.append(("limit", limit_label))
    return out


def bar_chart(p: QPainter, rect: QRectF, pt: float, values: Sequence[float],
              labels: Sequence[str] | None = None, *, title: str = "", unit: str = "",
              limit: float | None = None, limit_label: str = "", values2: Sequence[float] | None = None,
              legend: tuple[str, str] | None = None, colors: Sequence[str] | None = None,
              cap: float | None = None) -> None:
    """Draw vertical bars; ``values2`` draws a second, outlined series behind each bar.

    Labels stand upright under their bars when the widest fits its slot; otherwise
    they are slanted, shortened from the left with an ellipsis (ids differ at their
    end), and the plot leaves room below for them. They are thinned evenly when
    the bars are too narrow for one each. With ``cap``, the axis stops there and a
    bar beyond it is drawn broken, with its value printed over it, so one outlier
    does not flatten the others.
    """
    v = np.nan_to_num(np.asarray(values, np.float64))
    v2 = None if values2 is None else np.nan_to_num(np.asarray(values2, np.float64))
    n = len(v)
    vmax = max(float(v.max()) if n else 0.0, float(v2.max()) if v2 is not None and n else 0.0,
               limit or 0.0)
    capped = cap is not None and vmax * 1.05 > cap
    if capped:
        vmax = cap / 1.05
    text = [str(x) for x in labels] if labels is not None else []
    p.setFont(font(6 * pt))
    fm = p.fontMetrics()
    longest = 48 * pt  # a slanted label's length at most
    widest = max((fm.horizontalAdvance(t) for t in text), default=0.0)
    # the slot the frame will give each bar (its y axis takes 38 pt of the width)
    slot_est = (rect.width() - 38 * pt) / max(n, 1)
    every_est = max(1, math.ceil(9 * pt / max(slot_est, 1e-9)))
    rotate = bool(text) and widest > slot_est * every_est - 2 * pt
    bottom = 8 + 0.87 * min(widest, longest) / pt if rotate else 14
    area, top = _frame(p, rect, pt, title, unit, vmax * 1.05, bottom,
                       _entries(legend, limit, limit_label))
    if not n:
        return
    slot = area.width() / n
    bw = slot * (0.72 if n < 60 else 0.9)
    for i in range(n):
        x = area.left() + i * slot + (slot - bw) / 2
        if v2 is not None and v2[i] > 0:
            h2 = area.height() * min(v2[i], top) / top
            p.setPen(QPen(QColor(C["bar2"]), 0.8 * pt))
            p.setBrush(QColor(255, 255, 255, 0))
            p.drawRect(QRectF(x, area.bottom() - h2, bw, h2))
        h = area.height() * min(v[i], top) / top
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(colors[i] if colors else C["bar"]))
        p.drawRect(QRectF(x, area.bottom() - h, bw, h))
    if capped:
        _broken_bars(p, area, top, slot, bw, np.maximum(v, v2 if v2 is not None else v), pt,
                     unit)
    _limit(p, area, top, limit, pt)
    if text:
        p.setFont(font(6 * pt))
        p.setPen(QColor(C["muted"]))
        every = max(1, math.ceil(n / max(1, area.width() / (9 * pt))))
        for i in range(0, n, every):
            cx = area.left() + (i + 0.5) * slot
            if rotate:
                p.save()
                p.translate(cx, area.bottom() + 3 * pt)
                p.rotate(-60)
                p.drawText(QRectF(-longest, -4 * pt, longest, 8 * pt),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                           fm.elidedText(text[i], Qt.TextElideMode.ElideLeft, longest))
                p.restore()
            else:
                p.drawText(QRectF(cx - slot * every / 2, area.bottom() + 2 * pt, slot * every,
                                  9 * pt), int(Qt.AlignmentFlag.AlignHCenter), text[i])


def _broken_bars(p: QPainter, area: QRectF, top: float, slot: float, bw: float,
                 v: np.ndarray, pt: float, unit: str = "") -> list[QRectF]:
    """Mark bars beyond the axis top: a white break across each, its value and unit under it.

    A label that would overlap the one before it moves a line down; when that line is
    taken too it is left out (the table lists every value). Return the label boxes drawn.
    """
    p.setFont(font(6 * pt, bold=True))
    fm = p.fontMetrics()
    line_h = 8 * pt
    drawn: list[QRectF] = []
    last_right = [-math.inf, -math.inf]  # right end of the last label on each line
    for i in np.flatnonzero(v > top).tolist():
        x = area.left() + i * slot + (slot - bw) / 2
        y = area.top() + 6 * pt
        p.setPen(QPen(QColor("white"), 1.6 * pt))
        p.drawLine(QPointF(x - 1 * pt, y + 2 * pt), QPointF(x + bw + 1 * pt, y - 2 * pt))
        label = f"{v[i]:,.0f} {unit}".strip() if unit else f"{v[i]:,.0f}"
        w = fm.horizontalAdvance(label) + 3 * pt
        left = min(max(x + bw / 2 - w / 2, area.left()), area.right() - w)
        line = next((k for k in (0, 1) if left >= last_right[k] + 1 * pt), None)
        if line is None:
            continue
        last_right[line] = left + w
        box = QRectF(left, y + 4 * pt + line * line_h, w, line_h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 220))
        p.drawRect(box)
        p.setPen(QColor(C["ink"]))
        p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)
        drawn.append(box)
    return drawn


def _legend(p: QPainter, at: QPointF, pt: float, entries: Sequence[tuple[str, str]]) -> None:
    """Draw legend entries ``(kind, name)`` in a row from ``at`` (top left)."""
    p.setFont(font(6.5 * pt))
    x = at.x()
    for kind, name in entries:
        r = QRectF(x, at.y() + 1 * pt, 9 * pt, 6 * pt)
        if kind == "limit":
            p.setPen(_limit_pen(pt))
            p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right() + 1 * pt,
                                                                  r.center().y()))
        else:
            if kind == "bar":
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(C["bar"]))
            else:
                p.setPen(QPen(QColor(C["bar2"]), 0.8 * pt))
                p.setBrush(QColor(255, 255, 255, 0))
            p.drawRect(r)
        p.setPen(QColor(C["ink"]))
        w = p.fontMetrics().horizontalAdvance(name)
        p.drawText(QRectF(x + 12 * pt, at.y() - 1 * pt, w + 4 * pt, 10 * pt),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        x += 16 * pt + w


def profile_chart(p: QPainter, rect: QRectF, pt: float, values: Sequence[float], *, title: str = "",
                  unit: str = "", xlabel: str = "", limit: float | None = None,
                  limit_label: str = "", values2: Sequence[float] | None = None,
                  legend: tuple[str, str] | None = None) -> None:
    """Draw values sorted from largest to smallest as a filled profile (for thousands of items).

    With ``values2`` (one per item, as in :func:`bar_chart`) the items are sorted by it,
    largest first, and it is drawn as an outline over the filled profile of ``values``.
    """
    v = np.nan_to_num(np.asarray(values, np.float64))
    v2 = None if values2 is None else np.nan_to_num(np.asarray(values2, np.float64))
    order = np.argsort(-(v2 if v2 is not None else v), kind="stable")
    v = v[order]
    v2 = None if v2 is None else v2[order]
    n = len(v)
    vmax = max(float(v.max()) if n else 0.0, float(v2.max()) if v2 is not None and n else 0.0,
               limit or 0.0)
    area, top = _frame(p, rect, pt, title, unit, vmax * 1.05, 16,
                       _entries(legend, limit, limit_label))
    if not n:
        return
    k = min(n, 2000)
    idx = np.linspace(0, n - 1, k).round().astype(np.int64)
    xs = area.left() + area.width() * np.arange(k) / max(k - 1, 1)

    def points(vals: np.ndarray) -> list[QPointF]:
        ys = area.bottom() - area.height() * vals[idx] / top
        return [QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]

    poly = QPolygonF([QPointF(area.left(), area.bottom())] + points(v)
                     + [QPointF(area.right(), area.bottom())])
    p.setPen(QPen(QColor(C["accent"]), 0.8 * pt) if v2 is None else Qt.PenStyle.NoPen)
    p.setBrush(QColor(C["bar"]).lighter(125) if v2 is None else QColor(C["bar"]))
    p.drawPolygon(poly)
    if v2 is not None:
        p.setPen(QPen(QColor(C["bar2"]), 0.9 * pt))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF(points(v2)))
    _limit(p, area, top, limit, pt)
    p.setFont(font(6.5 * pt))
    p.setPen(QColor(C["muted"]))
    p.drawText(QRectF(area.left(), area.bottom() + 2 * pt, area.width(), 10 * pt),
               int(Qt.AlignmentFlag.AlignHCenter), xlabel or f"{n:,} items, largest first")
