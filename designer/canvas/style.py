"""Colours, pens and colour maps of the floor plan (one place to tune the look).

Colour maps are 256-entry lookup tables built from a few stops; a value maps
to an index with :func:`lut_index` (vectorized), so a repaint never builds
colours per rack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen

__all__ = ["Palette", "PALETTE", "ColorMap", "METRICS", "lut_index", "cosmetic",
           "CATEGORICAL", "label_font", "metric_text", "nice_ceil"]


@dataclass(frozen=True)
class Palette:
    """Named colours of the canvas."""

    outside: str = "#e4e7eb"
    floor: str = "#fcfcfb"
    grid_minor: str = "#eceef1"
    grid_major: str = "#d9dde2"
    outline: str = "#39424e"
    obstacle: str = "#a3a9b1"
    obstacle_edge: str = "#5f6670"
    rack_edge: str = "#3b4350"
    rack_front: str = "#14181d"
    rack_empty: str = "#eef0f2"
    selection: str = "#1a73e8"
    cold_aisle: str = "#3d7be0"
    hot_aisle: str = "#e0533d"
    crah_fill: str = "#dbe8f6"
    crah_edge: str = "#44698f"
    cdu_fill: str = "#d5efe8"
    cdu_edge: str = "#2b7a69"
    door: str = "#3f8f96"
    feed_a: str = "#d9822b"
    feed_b: str = "#7a5bbf"
    tray_fill: str = "#8a93a0"
    tray_edge: str = "#6f7885"
    error: str = "#d93025"
    warning: str = "#e8a100"
    text: str = "#1f2329"
    text_muted: str = "#5d6570"


PALETTE = Palette()

CATEGORICAL = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#17becf", "#bcbd22", "#7f7f7f"]


def cosmetic(color: str | QColor, width: float = 1.0,
             style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """Return a pen whose width is in pixels whatever the zoom."""
    pen = QPen(QColor(color), width, style)
    pen.setCosmetic(True)
    return pen


def label_font(pixels: int = 11, bold: bool = False) -> QFont:
    """Return the label font at a pixel size."""
    f = QFont("DejaVu Sans")
    f.setPixelSize(pixels)
    f.setBold(bold)
    # no ligatures: the same labels go into PDF reports, whose text must read "fl", "fi"
    f.setFeature(QFont.Tag("liga"), 0)
    f.setFeature(QFont.Tag("clig"), 0)
    return f


def _lut(stops: list[tuple[float, str]], n: int = 256) -> np.ndarray:
    """Return an (n, 4) uint8 RGBA table interpolated between colour stops."""
    pos = np.array([p for p, _ in stops])
    rgb = np.array([QColor(c).getRgb()[:3] for _, c in stops], np.float64)
    t = np.linspace(0.0, 1.0, n)
    out = np.empty((n, 4), np.uint8)
    for k in range(3):
        out[:, k] = np.round(np.interp(t, pos, rgb[:, k]))
    out[:, 3] = 255
    return out


def lut_index(values: np.ndarray, vmin: float, vmax: float, n: int = 256) -> np.ndarray:
    """Map values to LUT indices 0..n-1 (clipped; NaN -> 0).

    Examples
    --------
    >>> lut_index(np.array([0.0, 5.0, 10.0, 20.0]), 0.0, 10.0).tolist()
    [0, 128, 255, 255]
    """
    span = vmax - vmin if vmax > vmin else 1.0
    t = np.nan_to_num((np.asarray(values, np.float64) - vmin) / span, nan=0.0)
    return np.clip(np.round(t * (n - 1)), 0, n - 1).astype(np.int64)


#: the mantissas of the "nice" tops a colour scale takes (x 10^k)
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(value: float) -> float:
    """Return the smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k at or above ``value``.

    Examples
    --------
    >>> [nice_ceil(v) for v in (30.0, 40.8, 41.0, 51.0, 132.0, 0.7)]
    [30.0, 50.0, 50.0, 60.0, 150.0, 0.8]
    """
    if not math.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for m in _NICE:
        # a hair of tolerance: 30.000000000000004 is 30, not 40
        if value <= m * scale * (1 + 1e-9):
            return round(m * scale, 12)
    return 10.0 * scale


@dataclass
class ColorMap:
    """A metric's colour map: lookup table, brushes, label and unit."""

    key: str
    label: str
    unit: str
    table: np.ndarray
    fixed_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        self.brushes = [QBrush(QColor(*map(int, row))) for row in self.table]
        self.colors = [QColor(*map(int, row)) for row in self.table]

    def value_range(self, values: np.ndarray, floor: float = 0.0) -> tuple[float, float]:
        """Return the range the colours span for these values: the metric's fixed range,
        or from 0 to the nice value (:func:`nice_ceil`) at or above the largest value and
        ``floor``.

        A rack's colour should mean the same after an unrelated edit, after an undo and
        in the report as on screen. So the top is a function of the layout alone, not of
        the scale shown before (the report draws a fresh scene; an undo must bring the
        same colours back), and it moves only in coarse steps: for kW the floor is the
        layout's air limit per rack, a design assumption that changes rarely, so the scale
        starts at the air limit's nice value (41 kW: 0 to 50) and grows to the next nice
        value only when a rack draws more than the top (a 51 kW rack: 0 to 60). Moving,
        adding or editing racks below the top never changes it.

        Examples
        --------
        >>> METRICS["kw"].value_range(np.array([40.8, 21.0]), floor=41.0)
        (0.0, 50.0)
        >>> METRICS["kw"].value_range(np.array([40.8, 51.0]), floor=41.0)
        (0.0, 60.0)
        >>> METRICS["liquid"].value_range(np.array([10.0]))
        (0.0, 100.0)
        """
        if self.fixed_range is not None:
            return self.fixed_range
        top = float(np.nanmax(values)) if len(values) else 0.0
        return 0.0, nice_ceil(max(top, floor, 1e-9))


METRICS: dict[str, ColorMap] = {
    "kw": ColorMap("kw", "Rack power", "kW", _lut([
        (0.0, "#fff4d2"), (0.25, "#fed38a"), (0.5, "#fb9a4b"), (0.75, "#e0502c"),
        (1.0, "#8e1b1b")])),
    "utilization": ColorMap("utilization", "Feed utilization, one side lost", "%", _lut([
        (0.0, "#d8eed8"), (0.5, "#8fcf8f"), (0.66, "#f2de6b"), (0.8, "#f4a43c"),
        (0.84, "#e55a35"), (1.0, "#8e1b1b")]), (0.0, 120.0)),
    "liquid": ColorMap("liquid", "Liquid-cooled share", "%", _lut([
        (0.0, "#f1e6d8"), (0.35, "#b9d3ea"), (0.7, "#5b9bd5"), (1.0, "#174f8c")]),
        (0.0, 100.0)),
}


def metric_text(metric: str, value: float, unit: bool = True, digits: int | None = None) -> str:
    """Return a value of ``metric`` as a rack label shows it (``""`` for NaN).

    kW keep one decimal, percentages none; ``digits`` overrides that (a label
    that must be short).

    Examples
    --------
    >>> metric_text("kw", 40.84), metric_text("utilization", 35.2), metric_text("kw", 112.5, False, 0)
    ('40.8 kW', '35 %', '112')
    """
    if not math.isfinite(value):
        return ""
    cmap = METRICS[metric]
    if digits is None:
        digits = 1 if cmap.unit == "kW" else 0
    text = f"{value:.{digits}f}"
    return f"{text} {cmap.unit}" if unit else text
