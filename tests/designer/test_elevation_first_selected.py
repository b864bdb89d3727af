"""Several racks selected: the elevation shows the first of them in the layout, whatever
order the selection was made in (a rubber band hands them over in scene order)."""

from __future__ import annotations

from panel_helpers import make  # tests/designer is on pytest's path

from designer.panels.elevation import RackElevationPanel


def test_the_first_of_a_selection_is_the_first_in_the_layout(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (420, 800))
    ids = [r.id for r in doc.layout.racks[:5]]
    doc.select(list(reversed(ids)))
    assert panel.rack_id == ids[0]
    assert panel.subtitle.text().endswith("first of 5 selected racks")
    doc.select([ids[3], ids[1]])
    assert panel.rack_id == ids[1]
