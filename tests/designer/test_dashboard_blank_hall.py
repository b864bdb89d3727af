"""A new blank hall's charts speak of its own assumptions, not the last layout's."""

from __future__ import annotations

from panel_helpers import make  # tests/designer is on pytest's path

from designer.panels.dashboard import DashboardPanel


def _said(note: str) -> str:
    return note.replace("&nbsp;", " ")


def test_the_rack_chart_names_the_blank_halls_air_limit(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1200, 700))
    before = doc.layout.assumptions.air_limit_kw_per_rack
    doc.wait_for_analysis()
    assert f"{before:g} kW" in _said(dash.rack_chart.note.text())
    doc.new_blank(20.0, 12.0)
    doc.wait_for_analysis()
    blank = doc.layout.assumptions.air_limit_kw_per_rack
    assert blank != before, "the test needs two different limits"
    note = _said(dash.rack_chart.note.text())
    assert f"{blank:g} kW" in note and f"{before:g} kW" not in note
    assert dash.air_limit.value() == blank


def test_the_per_gpu_bisection_says_what_it_divides_by(qtbot, doc):
    """The default hall: 16 racks of four DGX H100, 512 GPUs on 400G NICs, 102.4 Tb/s one
    way: 102.4 Tb/s over the 256 GPUs of one side is 400 Gb/s, each GPU's link speed."""
    dash = make(qtbot, DashboardPanel, doc, (1200, 700))
    doc.wait_for_analysis()
    tip = dash.tiles["per_gpu"].toolTip()
    assert "÷ the GPUs on one side of the cut (half of the 512" in tip
    assert "102.40 Tb/s ÷ 256 = 400.0 Gb/s one way" in tip
    doc.new_blank(20.0, 12.0)
    doc.wait_for_analysis()
    assert dash.tiles["per_gpu"].toolTip() == ""
