"""View → Zoom to fit (F) shows the whole hall, centred, filling the plan less a small
margin, whatever the hall's size and the window's: a 10 km hall used to stop at the
zoom floor with its west wall at the view's centre (the scene rectangle of the hall it
had before), and a small window fitted a 13 m hall into under half of the plan's width
(a legend strip and a scale-bar strip kept free of it whatever they cost)."""

from __future__ import annotations

import pytest
from panel_helpers import open_window, type_entry  # tests/designer is on pytest's path
from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QApplication

from designer.canvas.view import MIN_SCALE
from designer.panels.inspector import InspectorPanel
from engine.edits import hall_size, resize_hall


def _hall_on_screen(view) -> QRect:
    """Return the hall's bounding rectangle in viewport pixels."""
    return view.mapFromScene(view.fp.hall_rect()).boundingRect()


def _press_fit(window) -> None:
    window.actions_by_name["fit"].trigger()
    QApplication.processEvents()


def _assert_fits(view, at_least: float = 0.85) -> QRect:
    """The hall lies wholly in the viewport and fills at least ``at_least`` of its width
    or its height; return where it lies."""
    r, vp = _hall_on_screen(view), view.viewport().rect()
    assert vp.contains(r), f"hall {r} outside the viewport {vp}"
    fill = max(r.width() / vp.width(), r.height() / vp.height())
    assert fill >= at_least, f"the hall fills {fill:.0%} of the plan"
    return r


def _resize(qtbot, window, w: int, h: int) -> None:
    """Resize ``window`` (a main window keeps its docks' minimum width: 800 px may come
    out wider once the rule panel has a dock of its own)."""
    window.resize(w, h)
    qtbot.wait(20)
    QApplication.processEvents()


def test_a_10_km_hall_typed_in_the_inspector_fits_whole_and_centred(qtbot, window):
    doc, view = window.document, window.view
    insp = window.findChild(InspectorPanel)
    doc.select([])
    type_entry(qtbot, insp.editor("hall.width_m"), "10000")
    assert hall_size(doc.layout)[0] == pytest.approx(10_000.0)
    for size in ((1400, 900), (1100, 760), (800, 500)):
        _resize(qtbot, window, *size)
        _press_fit(window)
        r = _assert_fits(view, 0.9)  # a 10 km x 13 m hall: the width, all but the margin
        # centred: as far from the west edge as from the east one (a pixel of rounding)
        vp = view.viewport().rect()
        assert abs(r.left() - (vp.width() - 1 - r.right())) <= 2
        assert abs(r.center().y() - vp.center().y()) <= 2
        # the status bar's zoom reads as it is ("0.058 px/m"), not "0.0 px/m"
        assert window.zoom_label.text() == f"{view.scale_px_per_m:.2g} px/m"
        assert float(window.zoom_label.text().split()[0]) > 0


def test_a_10_km_hall_in_a_tiny_plan_fits_below_the_usual_zoom_floor(qtbot, view, doc,
                                                                         default_layout):
    """A plan under 200 px wide shows a 10 km hall at less than MIN_SCALE: the fit goes
    there, and the wheel (or Zoom out) can follow it past the fit."""
    doc.set_layout(resize_hall(default_layout, 10_000.0, None))
    view.resize(180, 140)
    QApplication.processEvents()
    view.zoom_to_fit()
    _assert_fits(view, 0.85)
    fit = view.scale_px_per_m
    assert fit < MIN_SCALE
    view.zoom_by(3.0)
    for _ in range(40):
        view.zoom_by(0.8)
    assert view.scale_px_per_m <= fit, "the zoom floor lets the view out to the whole hall"
    view.zoom_to_fit()
    assert view.scale_px_per_m == pytest.approx(fit)


def test_the_wheel_zooms_out_to_a_quarter_of_the_fit_not_to_a_speck(qtbot, view, doc,
                                                                     default_layout):
    """Zoomed out again and again, the default hall stays a quarter of its fitted size
    (ZOOM_OUT_OF_FIT), not a speck of a few pixels at MIN_SCALE."""
    from designer.canvas.view import ZOOM_OUT_OF_FIT

    doc.set_layout(default_layout)
    view.resize(800, 600)
    QApplication.processEvents()
    view.zoom_to_fit()
    fit = view.scale_px_per_m
    for _ in range(60):
        view.zoom_by(0.8)
    # a quarter of the hall filling the plan edge to edge (the fit leaves margins)
    floor = ZOOM_OUT_OF_FIT * view._fit_scale(view.content_rect(), 0.0)
    assert view.scale_px_per_m == pytest.approx(floor, rel=1e-3)
    assert 0.2 * fit < floor < 0.3 * fit
    view.zoom_by(1.25)  # and back in from there
    assert view.scale_px_per_m == pytest.approx(floor * 1.25, rel=1e-3)


def test_a_layout_opened_with_a_10_km_hall_fits_on_opening(qtbot, doc, default_layout):
    wide = resize_hall(default_layout, 10_000.0, None)
    win = open_window(qtbot, doc)
    _resize(qtbot, win, 1100, 760)
    doc.set_layout(wide)
    QApplication.processEvents()
    _assert_fits(win.view, 0.9)
    win.view.zoom_by(4.0)  # looking elsewhere, then F again
    _press_fit(win)
    _assert_fits(win.view, 0.9)


@pytest.mark.parametrize("size", [(1100, 760), (800, 500)])
def test_a_small_window_fits_the_hall_to_the_plan(qtbot, window, size):
    view = window.view
    _resize(qtbot, window, *size)
    _press_fit(window)
    r = _assert_fits(view)
    vp = view.viewport().rect()
    # the fit is what the plan allows: the hall touches (less a margin of at most 24 px)
    # the two sides of the dimension it fills, or all but 15 % of it beside the legend
    fills_width = r.width() / vp.width() >= r.height() / vp.height()
    span, room = (r.width(), vp.width()) if fills_width else (r.height(), vp.height())
    assert span >= 0.85 * (room - 48)


def test_a_resized_window_keeps_the_fit(qtbot, window):
    """A fitted view fits again when the window changes size (it used to clip a hall in
    a window made smaller)."""
    _press_fit(window)
    _resize(qtbot, window, 800, 500)
    _assert_fits(window.view)
    _resize(qtbot, window, 1400, 900)
    _assert_fits(window.view)


def test_the_fit_leaves_the_legend_clear_where_that_costs_little(qtbot, window):
    """In a wide plan the square default hall has room beside it for the legend: the fit
    keeps the legend's corner off the hall at no cost in zoom."""
    view = window.view
    _resize(qtbot, window, 1600, 1000)
    _press_fit(window)
    r = QRectF(_hall_on_screen(view))
    w, h = view.legend_size()
    x, y = view.legend_corner(w, h)
    assert not QRectF(x, y, w, h).intersects(r)
    vp = view.viewport().rect()
    assert r.height() >= vp.height() - 2 * 24 - 2, "height-limited: top to bottom"
