"""Fonts, colours and number formats shared by the printed reports and the floor plan.

Sizes are given in points and turned into device units with the ``pt`` factor
(device units per point) of the paint device, so one drawing code serves a
600-dpi PDF page and a PNG of any size.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor, QFont

__all__ = ["FAMILIES", "font", "C", "ramp", "ramp_colors", "zone_color", "fmt_value"]

FAMILIES = ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans"]

#: The report palette (print-friendly, readable in grey).
C = {
    "ink": "#1d2733", "muted": "#5b6773", "rule": "#c5ccd3", "band": "#eef2f5",
    "accent": "#1f5f8b", "hall": "#fbfbf8", "hall_edge": "#3a444f", "grid": "#e4e7ea",
    "obstacle": "#9aa3ab", "gpu_air": "#6e9fc9", "gpu_liquid": "#3f7fb0", "network": "#8a6fb8",
    "cpu": "#7fae7a", "other": "#c9ced3", "front": "#1d2733", "crah": "#3aa39a", "cdu": "#8e5ea2",
    "door": "#d08c3a", "feed_a": "#2c6fbb", "feed_b": "#c2423b", "tray": "#b58a2a",
    "error": "#c62828", "warning": "#e08a00", "ok": "#2e7d32", "bar": "#4f86b5",
    "bar2": "#c9853c",
}

_RAMP = np.array([[255, 255, 204], [254, 217, 118], [253, 141, 60], [227, 26, 28],
                  [128, 0, 38]], np.float64)  # YlOrRd, light to dark


def font(px: float, bold: bool = False, italic: bool = False) -> QFont:
    """Return the report font at ``px`` device units (at least 1)."""
    f = QFont()
    f.setFamilies(FAMILIES)
    f.setPixelSize(max(1, int(round(px))))
    f.setBold(bold)
    f.setItalic(italic)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    plain_letters(f)
    return f


def plain_letters(f: QFont) -> QFont:
    """Turn off ligatures in ``f``: a PDF's text layer then holds "fl" and "fi", not
    one ligature glyph each, so searching a report for "floor" or "airflow" finds it."""
    f.setFeature(QFont.Tag("liga"), 0)
    f.setFeature(QFont.Tag("clig"), 0)
    return f


def ramp(t: float) -> QColor:
    """Return the heat colour for ``t`` in [0, 1]."""
    r = ramp_colors(np.array([t]))[0]
    return QColor(int(r[0]), int(r[1]), int(r[2]))


def ramp_colors(t: np.ndarray) -> np.ndarray:
    """Return (N, 3) RGB rows of the heat ramp for ``t`` in [0, 1] (clipped)."""
    t = np.clip(np.nan_to_num(np.asarray(t, np.float64)), 0.0, 1.0) * (len(_RAMP) - 1)
    i = np.minimum(t.astype(np.int64), len(_RAMP) - 2)
    f = (t - i)[:, None]
    return np.round(_RAMP[i] * (1 - f) + _RAMP[i + 1] * f).astype(np.int64)


_ZONES = ["#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5",
          "#bc80bd", "#ccebc5", "#ffed6f", "#d9d9d9", "#e5c494"]


def zone_color(i: int) -> QColor:
    """Return a distinct pastel for zone ``i`` (-1: no zone, grey)."""
    return QColor("#eeeeee") if i < 0 else QColor(_ZONES[i % len(_ZONES)])


def fmt_value(v: object, kind: str = "str", digits: int = 1, places: int | None = None) -> str:
    """Format a table value for print: thousands separators, fixed decimals, dash for none.

    ``places``: the decimals a mixed (``num``) column's row prints with
    (:attr:`engine.report_tables.Table.places`), so 2,346.0 kW keeps its decimal.
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if places is not None and kind == "num" and math.isfinite(v):
            return f"{v:,.{places}f}"
        # a fraction in a column of counts keeps its decimals rather than pass for whole
        if v.is_integer() and kind in ("int", "str", "num"):
            return f"{v:,.0f}"
        if kind == "num":
            # each row of a mixed column comes rounded to the decimals it is shown with
            # elsewhere (the dashboard, the PDF text): printed as it comes, it says the same
            return f"{v:,}"
        return f"{v:,.{digits}f}"
    return str(v)
