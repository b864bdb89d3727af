"""The power-per-rack chart marks the selected racks, and only while they are selected:
opening another design (nothing selected) takes the marker away at once."""

from __future__ import annotations


def test_the_selection_marker_goes_with_the_selection_and_the_design(qtbot, window):
    from designer.document import LayoutDocument

    dash = window.panels["DashboardPanel"]
    doc = window.document
    rack = doc.layout.racks[0]
    doc.select([rack.id])
    dash._update_charts(doc.analysis)
    dash._update_rack_selection(doc.analysis)
    xs, _ys = dash.rack_sel.getData()
    assert xs is not None and len(xs) == 1
    doc.set_layout(LayoutDocument.blank_layout(20.0, 12.0, "annex"))
    xs, _ys = dash.rack_sel.getData()
    assert xs is None or len(xs) == 0
