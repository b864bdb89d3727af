"""Plan pages of a long hall: each strip's label ("y 0–94 m") stands clear of the scale bar,
the legend, the north arrow, the row names, the other strips and the caption, on A4 and
Letter, turned or not. The boxes come from the layout the plan computed
(:attr:`PlanInfo.boxes`, :func:`designer.reports.plangeo.plan_boxes`), not from pixels."""

from __future__ import annotations

import re

import numpy as np
import pypdf
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from designer.reports import pdf as pdf_module
from designer.reports.floorplan import render_floor_plan
from designer.reports.plangeo import plan_boxes
from engine.analysis import analyze
from engine.templates import instantiate

SPAN = re.compile(r"\b[xy] (\d+(?:\.\d)?)–(\d+(?:\.\d)?) m\b")


def _hits(a: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    """(N, M) mask of the boxes of ``a`` overlapping boxes of ``b`` by more than ``eps``."""
    a, b = a.reshape(-1, 4), b.reshape(-1, 4)
    return ((a[:, None, 0] < b[None, :, 2] - eps) & (a[:, None, 2] > b[None, :, 0] + eps)
            & (a[:, None, 1] < b[None, :, 3] - eps) & (a[:, None, 3] > b[None, :, 1] + eps))


def _assert_clear(rect: QRectF, pt: float, info) -> None:
    """Nothing of the plan figure covers anything else, and the caption comes below it all."""
    b = info.boxes
    parts = b.parts()
    eps = 0.25 * pt
    assert len(b.labels) == info.strips
    for name in ("strips", "rows", "scale_bar", "legend", "north"):
        assert not _hits(b.labels, parts[name], eps).any(), f"a strip label covers the {name}"
    pairs = _hits(b.labels, b.labels, eps)
    assert not (pairs & ~np.eye(len(b.labels), dtype=bool)).any(), "two strip labels meet"
    for drawn in ("strips", "rows"):
        for band in ("scale_bar", "legend", "north"):
            assert not _hits(parts[drawn], parts[band], eps).any(), f"{drawn} under the {band}"
    assert not _hits(b.north, np.concatenate([b.scale_bar, b.legend]), eps).any()
    every = np.concatenate(list(parts.values()))
    assert (every[:, 0] >= rect.left() - eps).all() and (every[:, 2] <= rect.right() + eps).all()
    assert (every[:, 1] >= rect.top() - eps).all()
    # the figure sets its caption 6 pt below where the plan says it ended, at most 2 pt
    # below its rectangle (pdfdoc.Figure)
    assert (every[:, 3] <= b.bottom + eps).all() and b.bottom <= rect.bottom() + eps
    caption_top = min(b.bottom + 6 * pt, rect.bottom() + 2 * pt)
    assert (every[:, 3] < caption_top).all()


def _plan_pages(path) -> list[str]:
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]
    return [t for t in pages if "Drawn to scale" in t]


@pytest.fixture
def recorded(monkeypatch):
    """Every floor plan the PDF draws: ``(rect, pt, PlanInfo)``."""
    seen = []

    def spy(p, rect, *args, **kw):
        info = render_floor_plan(p, rect, *args, **kw)
        seen.append((QRectF(rect), kw["pt"], info))
        return info

    monkeypatch.setattr(pdf_module, "render_floor_plan", spy)
    return seen


@pytest.mark.parametrize("template,params,page", [
    # 100 m of CPU racks: strips side by side on A4, turned and stacked on Letter
    ("cpu-cluster", {"racks": 600, "racks_per_row": 6}, "a4"),
    ("cpu-cluster", {"racks": 600, "racks_per_row": 6}, "letter"),
    # the reviewer's case: a DGX hall turned a quarter, its strips one above the other, the
    # lowest strip's label once running through the scale bar, the legend and the caption
    ("dgx-h100-hall", {"racks": 400, "racks_per_row": 8}, "a4"),
])
def test_strip_labels_keep_clear_of_the_scale_bar_legend_and_caption(
        template, params, page, builtin_catalog, recorded, tmp_path, qapp):
    lay = instantiate(template, params, catalog=builtin_catalog)
    out = tmp_path / f"{page}.pdf"
    pdf_module.write_pdf(lay, analyze(lay, builtin_catalog), out, page=page)
    plans = [(r, pt, i) for r, pt, i in recorded if len(i.boxes.legend)]
    assert len(plans) == 3  # floor plan, power density, cooling zones
    assert all(i.strips >= 3 for _r, _pt, i in plans)
    for rect, pt, info in plans:
        _assert_clear(rect, pt, info)
    # the PDF still reads back, each strip named by its span, from 0 m to the hall's end
    text = _plan_pages(out)[0]
    spans = [(float(a), float(b)) for a, b in SPAN.findall(text)]
    assert len(spans) == plans[0][2].strips
    assert spans[0][0] == 0 and all(a < b for a, b in spans)
    assert all(b0 == a1 for (_a0, b0), (a1, _b1) in zip(spans, spans[1:], strict=False))
    # the last strip ends where the hall does (to a tenth of a metre), not past it
    x0, y0, x1, y1 = lay.hall.bounds()
    assert spans[-1][1] in (round(x1, 1), round(y1, 1))
    # turned a quarter, these halls' strips stand one above the other, and the caption says so
    how = "one above the other" if plans[0][2].turned else "side by side"
    assert f"into {len(spans)} strips, set {how} at one scale" in text


def _on_its_side(lay):
    """The layout turned a quarter clockwise: its long side along plan x."""
    top = float(lay.hall.bounds()[2])

    def pt(p):
        return (p[1], top - p[0])

    def moved(item, **extra):
        x, y = pt((item.x_m, item.y_m))
        return item.model_copy(update={"x_m": x, "y_m": y,
                                       "rotation_deg": (item.rotation_deg - 90) % 360, **extra})

    hall = lay.hall.model_copy(update={
        "outline": [pt(p) for p in lay.hall.outline],
        "obstacles": [o.model_copy(update={"polygon": [pt(p) for p in o.polygon]})
                      for o in lay.hall.obstacles]})
    return lay.model_copy(update={
        "hall": hall, "racks": [moved(r) for r in lay.racks],
        "cooling": [moved(u, return_xy_m=pt(u.return_xy_m) if u.return_xy_m else None)
                    for u in lay.cooling],
        "feeds": [f.model_copy(update={"points": [pt(p) for p in f.points]}) for f in lay.feeds],
        "trays": [t.model_copy(update={"points": [pt(p) for p in t.points]}) for t in lay.trays]})


@pytest.mark.parametrize("size,rotate", [((1600, 2400), False), ((2400, 700), True)])
def test_a_long_hall_on_its_side_names_its_strips_clear_of_everything(size, rotate,
                                                                      builtin_catalog, qapp):
    # 243 m along x: strips one above the other (an image), or turned a quarter and set
    # side by side across a wide image, each label then reading up the page beside its strip
    lay = _on_its_side(instantiate("cpu-cluster", {"racks": 600, "racks_per_row": 6},
                                   catalog=builtin_catalog))
    a = analyze(lay, builtin_catalog)
    img = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    rect = QRectF(20, 20, size[0] - 40, size[1] - 40)
    try:
        info = render_floor_plan(p, rect, lay, a, ("heatmap",), rotate=rotate)
    finally:
        p.end()
    assert info.strips > 1 and info.turned == rotate
    _assert_clear(rect, max(1.0, min(rect.width(), rect.height() * 1.5) / 640.0), info)


def test_the_north_arrow_leaves_a_plan_that_reaches_the_top_right_corner(qapp):
    # a turned plan filling its area up to the corner: the arrow stands by the scale bar
    strips = np.array([[0.0, 0, 180, 150]])
    north = (-9.0, 4, 15, 14)
    b = plan_boxes(strips, np.zeros((0, 4)), np.zeros((0, 4)), rect=(0, 0, 200, 220),
                   band_h=40, gutter=10, pt=1, scale_bar=(-2, -6, 60, 9), legend=(150, 10),
                   north=north, north_at=(177, 2))
    assert b.north_at != (177, 2)
    assert not _hits(b.north, np.concatenate([strips, b.scale_bar, b.legend]), 0).any()
    # where it is free, it stays at the top
    b = plan_boxes(strips[:, [0, 1, 2, 3]] * [1, 1, 0.5, 1], np.zeros((0, 4)),
                   np.zeros((0, 4)), rect=(0, 0, 200, 220), band_h=40, gutter=10, pt=1,
                   scale_bar=(-2, -6, 60, 9), legend=(150, 10), north=north,
                   north_at=(177, 2))
    assert b.north_at == (177, 2)
