"""The cables overlay draws every tray a route runs along, the cross trays between rows
included, from the cabling's routes (it credited only the trays over the end racks)."""

from __future__ import annotations

import pytest


@pytest.fixture
def superpod_doc(qapp, builtin_catalog, recovery_dir):
    """A document on a 2-SU DGX H100 SuperPOD: a row per SU, a network rack mid-row under
    the centre cross tray TR-C."""
    from designer.document import LayoutDocument
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=builtin_catalog)
    d = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    yield d
    d.close()


def cables_overlay(doc):
    from designer.canvas import FloorPlanScene

    scene = FloorPlanScene(doc)
    scene.set_overlay("cables", True)
    return scene, scene.overlays["cables"]


def drawn(ov) -> dict[str, int]:
    return {tid: n for _poly, _frac, n, tid in ov._bundles}


def test_the_cross_tray_shows_the_links_between_the_rows(superpod_doc):
    _scene, ov = cables_overlay(superpod_doc)
    # row 1: 8 DGX racks x 32 links to its network rack; row 2: 7 x 32 + 24 (3 DGX);
    # TR-C: the 256 leaf-spine links between the two network racks, which sit on its ends
    assert drawn(ov) == {"TR-01": 256, "TR-02": 248, "TR-W": 0, "TR-C": 256, "TR-E": 0}
    assert not ov.estimated
    assert ov.legend()[1][0][1] == "cables in each tray"
    assert ov.max_count == 256


def test_a_moved_rack_moves_its_cables_to_the_trays_of_its_new_route(superpod_doc):
    from engine.analysis import analyze

    doc = superpod_doc
    _scene, ov = cables_overlay(doc)
    before = drawn(ov)
    # the second row's network rack moves from under the cross tray to the row's east end
    # (the free place past GPU-0016): every link of it now runs other trays
    assert doc.move_items({"NET-0002": (13.3, 5.1)})
    want = analyze(doc.layout, doc.catalog).network.cabling.tray_cables
    assert drawn(ov) == want != before
    assert sum(want.values()) > sum(before.values())  # longer ways, through more trays


def test_a_drag_measures_the_moved_racks_drops_again_and_no_others(superpod_doc):
    """The overlay keeps each rack's nearest tray point; a drag step measures the moved
    rack again: its drop follows it, and the result is what a first look gives."""
    from designer.canvas.overlays import CablesOverlay

    scene, ov = cables_overlay(superpod_doc)
    doc = superpod_doc
    rack = next(r for r in doc.layout.racks if r.id.startswith("GPU"))
    doc.preview_move({rack.id: (rack.x_m + 0.6, rack.y_m - 1.2)})
    lay, a = doc.layout if not doc.is_previewing else doc._display, scene.analysis
    kept = ov._drop_cache
    assert kept, "the overlay measured the racks"
    with_cache = CablesOverlay._tray_counts(lay, a, dict(kept))
    fresh = CablesOverlay._tray_counts(lay, a)
    assert with_cache == fresh
    i = a.arrays.rack_index[rack.id]
    assert any(d[0] == pytest.approx(a.arrays.rack_x_m[i]) for d in fresh[2])
    doc.cancel_preview()
