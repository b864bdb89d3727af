"""Rack elevations for the printed report: one drawing per rack configuration.

Racks that hold the same devices at the same U share a drawing
(:func:`engine.report_tables.rack_configurations`): the rack's U from 1 at the
bottom, each device a box coloured by its role and named where it fits, the
count of racks like it and their power above, their ids below.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from designer.panels.elevation import free_runs
from designer.reports.style import C, font
from designer.reports.text import elide
from engine.report_tables import RackConfiguration

__all__ = ["draw_elevations", "ROLE_COLOURS", "PER_FIGURE", "SLOT_ROLES"]

#: Fill of a device box by its role (the floor plan's colours).
ROLE_COLOURS = {"GPU server": C["gpu_air"], "Rack-scale system": C["gpu_liquid"],
                "Switch": C["network"], "CPU node": C["cpu"],
                # a rack-scale system's slots, drawn over its frame
                "Compute tray": C["gpu_liquid"], "NVLink switch tray": C["network"],
                "Power shelf": C["door"], "Management switch": C["other"]}

#: The roles of a rack-scale system's slots (``engine.report_tables.elevations_table``).
SLOT_ROLES = ("Compute tray", "NVLink switch tray", "Power shelf", "Management switch")

#: Elevations side by side in one drawing.
PER_FIGURE = 6


def _ids_text(fm: QFontMetricsF, ids: Sequence[str], width: float) -> str:
    """``"GPU-0001, GPU-0002 … +30"`` within ``width``."""
    shown: list[str] = []
    for k, rid in enumerate(ids):
        rest = len(ids) - k - 1
        text = ", ".join([*shown, rid]) + (f" … +{rest}" if rest else "")
        if fm.horizontalAdvance(text) > width and shown:
            return ", ".join(shown) + f" … +{len(ids) - len(shown)}"
        shown.append(rid)
    return elide(fm, ", ".join(shown), width)


def draw_elevations(p: QPainter, rect: QRectF, pt: float,
                    configs: Sequence[RackConfiguration], slots: int | None = None) -> None:
    """Draw the elevations of ``configs`` side by side in ``rect`` (``pt``: device units
    per point), each as wide as one of ``slots`` across it (default: as many as there are
    configurations): the figures of one report draw their racks alike, a last one
    holding a single rack included."""
    n = max(1, len(configs), slots or 0)
    gap = 10 * pt
    # a rack drawn no wider than about a third of its height reads as a rack
    col_w = min((rect.width() - gap * (n - 1)) / n, 130 * pt)
    head_h, foot_h, scale_w = 24 * pt, 12 * pt, 14 * pt
    for k, c in enumerate(configs):
        x = rect.left() + k * (col_w + gap)
        count = len(c.rack_ids)
        kw = (f" · {'≥ ' if c.power_is_lower_bound else ''}{c.power_kw:,.1f} kW"
              if c.power_kw is not None else "")
        head = f"{count:,} rack{'s' * (count != 1)}{kw}"
        # a narrow column sets its heading smaller before it cuts the figure off
        for size in (7.0, 6.5, 6.0, 5.5):
            p.setFont(font(size * pt, bold=True))
            fm = QFontMetricsF(p.font())
            if fm.horizontalAdvance(head) <= col_w:
                break
        p.setPen(QColor(C["ink"]))
        p.drawText(QRectF(x, rect.top(), col_w, 9 * pt),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                   elide(fm, head, col_w))
        p.setFont(font(6 * pt))
        fm = QFontMetricsF(p.font())
        p.setPen(QColor(C["muted"]))
        p.drawText(QRectF(x, rect.top() + 10 * pt, col_w, 8 * pt),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                   elide(fm, f"{c.rack_type}, {c.height_u}U", col_w))
        fx, fy = x + scale_w, rect.top() + head_h
        fw, fh = col_w - scale_w, rect.height() - head_h - foot_h
        uh = fh / max(c.height_u, 1)
        # the U scale: every U a tick, every fifth numbered, U1 at the bottom
        p.setPen(QPen(QColor(C["grid"]), 0.4 * pt))
        for u in range(1, c.height_u):
            y = fy + fh - u * uh
            p.drawLine(fx, y, fx + fw, y)
        p.setFont(font(5 * pt))
        p.setPen(QColor(C["muted"]))
        for u in range(1, c.height_u + 1):
            if u == 1 or u % 5 == 0:
                p.drawText(QRectF(x, fy + fh - u * uh, scale_w - 2 * pt, uh),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                           str(u))
        slotted = any(role in SLOT_ROLES for *_r, role in c.items)
        taken = {u for u_from, h, _i, role in c.items if role in SLOT_ROLES
                 for u in range(u_from, u_from + h)}
        for u_from, h, item, role in c.items:
            top = fy + fh - (u_from + h - 1) * uh
            box = QRectF(fx + 1.5 * pt, top + 0.3 * pt, fw - 3 * pt, h * uh - 0.6 * pt)
            p.setPen(QPen(QColor(C["ink"]), 0.5 * pt))
            is_frame = slotted and role == "Rack-scale system"
            # a system with slots is their frame: a light box, named in its widest run
            # of empty slots, under the slots drawn over it
            p.setBrush(QColor(C["band"] if is_frame else ROLE_COLOURS.get(role, C["other"])))
            p.drawRect(box)
            if is_frame:
                runs = [(lo + u_from - 1, hi + u_from - 1) for lo, hi in free_runs(
                    [False] + [u in taken for u in range(u_from, u_from + h)])]
                if runs:
                    lo, hi = max(runs, key=lambda r: r[1] - r[0])
                    name_box = QRectF(box.left(), fy + fh - hi * uh, box.width(),
                                      (hi - lo + 1) * uh)
                    size = min(6.0, max(name_box.height() / pt / 2.6, 0.0))
                    if size >= 3.5:
                        p.setFont(font(size * pt, bold=True))
                        fm = QFontMetricsF(p.font())
                        p.setPen(QColor(C["ink"]))
                        p.drawText(name_box, int(Qt.AlignmentFlag.AlignCenter),
                                   elide(fm, item, name_box.width() - 2 * pt))
                continue
            size = min(6.0, max(h * uh / pt - 1.2, 0.0))
            if size >= 3.5:
                p.setFont(font(size * pt))
                fm = QFontMetricsF(p.font())
                p.setPen(QColor("#ffffff") if role in ("GPU server", "Rack-scale system",
                                                       "Switch", "Compute tray",
                                                       "NVLink switch tray")
                           else QColor(C["ink"]))
                p.drawText(box, int(Qt.AlignmentFlag.AlignCenter),
                           elide(fm, item, box.width() - 2 * pt))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(C["hall_edge"]), 0.9 * pt))
        p.drawRect(QRectF(fx, fy, fw, fh))
        p.setFont(font(5.5 * pt))
        fm = QFontMetricsF(p.font())
        p.setPen(QColor(C["muted"]))
        p.drawText(QRectF(x, fy + fh + 2 * pt, col_w, foot_h - 2 * pt),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                   _ids_text(fm, c.rack_ids, col_w))
