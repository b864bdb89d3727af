"""The rack colour scale (Colour by: Rack kW) is the layout's own: it starts at the air
limit's nice value, grows only when a rack draws more than its top, and an undo or the
report's fresh scene colour every rack as the designer did."""

from __future__ import annotations

import pytest

from designer.canvas.style import lut_index, nice_ceil


@pytest.fixture
def scene(qapp, doc):
    from designer.canvas import FloorPlanScene

    s = FloorPlanScene(doc)
    yield s
    doc.select([])  # no raised item left to lower once the items are gone
    s.clear()


def _take_out(doc, rack_id: str) -> None:
    """Remove a rack's last device (one DGX H100: about 10 kW)."""
    assert doc.remove_device(rack_id, doc.layout.rack(rack_id).devices[-1].u)


def _colour(scene, rack_id: str) -> str:
    return scene.rack_brush(rack_id).color().name()


def _fresh_range(layout, catalog) -> tuple[float, float]:
    """The range a report's floor plan uses: a new document and scene on the layout."""
    from designer.canvas import FloorPlanScene
    from designer.document import LayoutDocument

    d = LayoutDocument(layout, catalog=catalog, analysis_mode="sync", autosave_ms=0)
    s = FloorPlanScene(d)
    try:
        return s.metric_range
    finally:
        s.clear()
        d.close()


def _kw(doc, rack_id: str) -> float:
    return float(doc.analysis.power.rack_kw[doc.analysis.arrays.rack_index[rack_id]])


def test_a_41_kw_rack_keeps_its_colour_until_a_rack_draws_more_than_the_top(scene, doc):
    # a hall with an air limit of 41 kW per rack
    doc.set_field(["assumptions"], "air_limit_kw_per_rack", 41.0)
    kw = lambda r: _kw(doc, r)  # noqa: E731
    assert kw("GPU-0002") == pytest.approx(41, abs=0.5)
    assert scene.metric_range == (0.0, 50.0)  # the air limit's nice value
    before = _colour(scene, "GPU-0002")
    # edits that leave every rack under the top leave every other rack's colour alone
    doc.move_items({"GPU-0016": (doc.layout.rack("GPU-0016").x_m + 0.6,
                                 doc.layout.rack("GPU-0016").y_m)})
    doc.install_device("NET-0001", "dgx-h100")  # 20.6 -> 30.9 kW
    _take_out(doc, "GPU-0003")  # 41 -> 31 kW
    assert scene.metric_range == (0.0, 50.0)
    assert _colour(scene, "GPU-0002") == before
    # a 5th DGX H100 in GPU-0001 makes it 51 kW: past the top, the scale grows to the next
    # nice value, and only now does a 41 kW rack change colour
    doc.install_device("GPU-0001", "dgx-h100")
    assert kw("GPU-0001") > 50
    assert scene.metric_range == (0.0, 60.0)
    assert _colour(scene, "GPU-0002") != before
    # an undo brings the same colours back; so does taking the server out again
    doc.undo_stack.undo()
    assert scene.metric_range == (0.0, 50.0) and _colour(scene, "GPU-0002") == before
    doc.undo_stack.redo()
    _take_out(doc, "GPU-0001")
    assert scene.metric_range == (0.0, 50.0) and _colour(scene, "GPU-0002") == before


def test_with_the_templates_air_limit_a_fifth_server_changes_no_colour(scene, doc):
    # NVIDIA's densest air-cooled profile (57.2 kW) leaves the DGX H100 hall's scale room
    # above its 41 kW racks: a 51 kW rack changes no other rack's colour
    limit = doc.layout.assumptions.air_limit_kw_per_rack
    assert limit > 51
    top = nice_ceil(limit)
    assert scene.metric_range == (0.0, top)
    before = {r.id: (_kw(doc, r.id), _colour(scene, r.id)) for r in doc.layout.racks}
    doc.install_device("GPU-0001", "dgx-h100")
    assert 50 < _kw(doc, "GPU-0001") < top
    assert scene.metric_range == (0.0, top)
    # every rack whose power this left alone keeps its colour (the fabric grows a scalable
    # unit with the 65th server: the network racks draw more, and show it)
    same = [r for r, (kw, _c) in before.items() if _kw(doc, r) == kw]
    assert len(same) == 15
    assert all(_colour(scene, r) == before[r][1] for r in same)


def test_the_report_colours_racks_as_the_designer_does_after_any_edits(scene, doc):
    doc.set_field(["assumptions"], "air_limit_kw_per_rack", 41.0)
    doc.install_device("GPU-0001", "dgx-h100")
    _take_out(doc, "GPU-0001")
    _take_out(doc, "GPU-0001")  # 31 kW now: the biggest rack is another 41 kW one
    assert scene.metric_range == _fresh_range(doc.layout, doc.catalog) == (0.0, 50.0)
    doc.install_device("GPU-0005", "dgx-h100")
    assert scene.metric_range == _fresh_range(doc.layout, doc.catalog) == (0.0, 60.0)


def test_the_air_limit_anchors_the_scale_of_a_hall_of_low_racks(scene, doc):
    # racks below the air limit: the scale ends at the limit's nice value, not at the
    # largest rack's, so the hall's densest racks read as below the limit
    assert float(doc.analysis.power.rack_kw.max()) < 45
    assert doc.layout.assumptions.air_limit_kw_per_rack > 50
    assert scene.metric_range == (0.0, 60.0)
    # a limit under the largest rack: the rack sets the top
    doc.set_field(["assumptions"], "air_limit_kw_per_rack", 30.0)
    assert scene.metric_range == (0.0, 50.0)
    doc.undo_stack.undo()
    assert scene.metric_range == (0.0, 60.0)


def test_a_gb200_hall_colours_its_nvl72_racks_on_the_nice_scale_above_them(
        qapp, doc, builtin_catalog):
    from designer.canvas import FloorPlanScene
    from engine.templates import instantiate

    doc.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 2},
                               catalog=builtin_catalog))
    s = FloorPlanScene(doc)
    try:
        a = doc.analysis
        top = float(a.power.rack_kw.max())
        assert top == pytest.approx(132.0, abs=1.0)
        assert s.metric_range == (0.0, 150.0)
        i = int(a.power.rack_kw.argmax())
        assert s.rack_lut[i] == lut_index([top], 0.0, 150.0)[0]
        s.set_metric("liquid")
        assert s.metric_range == (0.0, 100.0)  # fixed ranges stay fixed
    finally:
        s.clear()
