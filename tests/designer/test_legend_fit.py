"""A fitted view keeps the hall clear of the legend as overlays grow it."""

from __future__ import annotations

from panel_helpers import layout_window
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from engine.templates import instantiate


def test_overlays_shown_on_a_fitted_view_fit_it_again_clear_of_the_legend(
        qtbot, qapp, recovery_dir, builtin_catalog):
    # the DGX B200 SuperPOD's wide hall (23.4 x 9 m) with its CRAH galleries at both ends:
    # five overlays make the legend taller than half the view, and at the first fit it
    # would stand on the CRAHs of one end; fitted again, nothing of the plan is under it
    lay = instantiate("dgx-b200-superpod", {"scalable_units": 2}, catalog=builtin_catalog)
    win = layout_window(qtbot, lay, builtin_catalog)
    doc = win.document
    view = win.view
    assert view.is_fitted
    small = view.legend_size()
    for key in ("heatmap", "cooling", "airflow", "cables", "violations"):
        win.set_overlay(key, True)
    QApplication.processEvents()
    w, h = view.legend_size()
    assert h > 3 * small[1]
    x, y = view.legend_corner(w, h)
    assert view.legend_cover(QRectF(x, y, w, h)) == 0
    assert view.is_fitted
    # zoomed by the user, the view stays where it was when an overlay goes
    view.zoom_by(1.25)
    assert not view.is_fitted
    before = view.transform().m11()
    win.set_overlay("airflow", False)
    assert view.transform().m11() == before
    doc.close()


def test_an_overlay_whose_legend_still_fits_beside_the_hall_leaves_the_plan_still(
        qtbot, qapp, recovery_dir, builtin_catalog):
    # a GB200 NVL72 SuperPOD of 2 SUs (a wide hall) in a 1600 x 1000 window: the legend
    # of two more overlays still fits, in one column, in the corner beside the hall; the
    # plan neither moves nor zooms (a fit again took the legend to two columns and moved
    # the hall 170 px)
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2}, catalog=builtin_catalog)
    win = layout_window(qtbot, lay, builtin_catalog)
    win.resize(1600, 1000)
    view = win.view
    QApplication.processEvents()  # the docks settle: the view's last fit
    view.zoom_to_fit()
    assert view.is_fitted

    def placed():
        return view.transform().m11(), view.mapFromScene(view.content_rect()).boundingRect()

    before = placed()
    small = view.legend_size()
    for key in ("airflow", "cables"):
        win.set_overlay(key, True)
        QApplication.processEvents()
    w, h = view.legend_size()
    assert h > 2 * small[1] and w == small[0]  # the legend grew, in one column
    assert placed() == before
    x, y = view.legend_corner(w, h)
    assert not QRectF(before[1]).intersects(QRectF(x, y, w, h))
    win.set_overlay("airflow", False)
    QApplication.processEvents()
    assert placed() == before and view.is_fitted
    win.document.close()
