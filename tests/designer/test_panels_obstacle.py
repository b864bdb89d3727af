"""The inspector of a column, wall or keep-out zone says where it stands, how big it is and
what stands on it; the figures follow a reshape, and its undo and redo."""

from __future__ import annotations

from panel_helpers import make  # tests/designer is on pytest's path

from designer.panels import InspectorPanel


def _figures(insp) -> dict[str, str]:
    return {k: insp.computed_text(k) for k in ("Centre (m)", "Extent (m)", "Size (m)",
                                               "Area (m²)", "Footprints on it")}


def test_a_column_shows_its_position_size_and_area(qtbot, doc):
    # on the free floor beyond the rows
    oid = doc.add_obstacle([(6.0, 11.0), (6.6, 11.0), (6.6, 11.8), (6.0, 11.8)], "column")
    insp = make(qtbot, InspectorPanel, doc, (420, 900))
    doc.select([oid])
    assert _figures(insp) == {"Centre (m)": "x 6.30, y 11.40",
                              "Extent (m)": "x 6.00 to 6.60, y 11.00 to 11.80",
                              "Size (m)": "0.60 × 0.80", "Area (m²)": "0.48",
                              "Footprints on it": "0"}
    # a rectangle's width and depth are typed too (about its centre); any other outline
    # is edited with the canvas handles
    assert set(insp.editors) == {"id", "kind", "size.width_m", "size.depth_m"}


def test_an_l_shaped_keepout_gives_its_own_area_and_what_stands_on_it(qtbot, doc):
    rack = doc.layout.racks[0]
    x, y = rack.x_m, rack.y_m
    ell = [(x - 1, y - 1), (x + 1, y - 1), (x + 1, y), (x, y), (x, y + 1), (x - 1, y + 1)]
    oid = doc.add_obstacle(ell, "keepout")
    insp = make(qtbot, InspectorPanel, doc, (420, 900))
    doc.select([oid])
    got = _figures(insp)
    assert got["Size (m)"] == "2.00 × 2.00" and got["Area (m²)"] == "3.00"  # not the box's 4
    assert set(insp.editors) == {"id", "kind"}  # an L is no rectangle to size
    on = {v.items[0] for v in doc.analysis.violations
          if v.code == "FLOOR-OBSTACLE" and oid in v.items}
    assert rack.id in on and got["Footprints on it"] == str(len(on))


def test_the_figures_follow_a_reshape_its_undo_and_redo(qtbot, doc):
    oid = doc.add_obstacle([(6.0, 11.0), (6.6, 11.0), (6.6, 11.6), (6.0, 11.6)], "column")
    insp = make(qtbot, InspectorPanel, doc, (420, 900))
    doc.select([oid])
    before = doc.layout.model_dump()
    doc.reshape(oid, [(8.0, 11.0), (9.0, 11.0), (9.0, 13.0), (8.0, 13.0)])
    assert _figures(insp)["Centre (m)"] == "x 8.50, y 12.00"
    assert _figures(insp)["Size (m)"] == "1.00 × 2.00"
    after = doc.layout.model_dump()
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before
    assert _figures(insp)["Size (m)"] == "0.60 × 0.60"
    doc.undo_stack.redo()
    assert doc.layout.model_dump() == after
    assert _figures(insp)["Area (m²)"] == "2.00"
