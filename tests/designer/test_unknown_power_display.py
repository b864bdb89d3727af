"""A rack holding devices the catalog has no power figure for: the plan, the dashboard
and the status bar never show its load as a known figure."""

from __future__ import annotations

import numpy as np

from engine.templates import instantiate


def test_a_rack_of_unknown_power_shows_its_id_not_zero_kw_and_the_totals_are_bounds(
        qtbot, builtin_catalog, recovery_dir):
    from panel_helpers import open_window

    from designer.document import LayoutDocument

    # the CPU cluster's network racks hold SN4600C switches: no power figure
    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = open_window(qtbot, doc)
    a = doc.analysis
    # every rack holds some (the CPU racks the 100G modules of their nodes' links), the 3
    # network racks devices
    assert np.count_nonzero(a.power.rack_unknown_power) == 27
    unknown = np.flatnonzero(a.power.rack_unknown_devices)
    assert len(unknown) == 3
    scene = win.scene
    net = a.arrays.rack_ids[int(unknown[0])]
    # its optics alone would read "0.0 kW"; it has no value and no colour instead
    assert a.power.rack_kw[unknown[0]] > 0
    assert scene.rack_value_text(net) == ""
    assert scene.rack_brush(net) is scene.empty_brush
    label = scene.rack_labels.label_layout(net, 120, 60)
    assert label is not None and label.lines == (net,)
    known = a.arrays.rack_ids[0]
    assert scene.rack_value_text(known).endswith(" kW")
    devices = a.power.unknown_power_devices
    tile = win.panels["DashboardPanel"].tiles["it"]
    assert tile.value.text().startswith("≥ ")
    ends = a.power.unknown_power_ends  # the 100G SR4 optics of the node links
    assert f"+ {devices} devices and {ends:,} cable ends of unknown power" in tile.sub.text()
    assert "≥ " in win.totals_label.text()
    doc.close()


def test_the_it_load_tile_says_what_is_left_out_in_a_form_that_fits(
        qtbot, builtin_catalog, recovery_dir):
    """A dashboard of narrow tiles (the width of a dock four tiles across, and three)
    still says how many devices have no power figure, never ending in "…"; the figure
    above stays a lower bound and the tooltip has the whole line."""
    from panel_helpers import make
    from PySide6.QtGui import QFontMetricsF

    from designer.document import LayoutDocument
    from designer.panels.dashboard import DashboardPanel

    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    devices = doc.analysis.power.unknown_power_devices
    for width in (660, 600):
        dash = make(qtbot, DashboardPanel, doc, (width, 700))
        tile = dash.tiles["it"]
        assert not tile.compact and tile.sub.isVisible()
        font, shown = tile.sub.fitted()
        assert tile.value.text().startswith("≥ ")
        assert not tile.sub.is_elided() and "…" not in shown, shown
        assert shown.startswith(f"{devices} devices"), shown
        assert QFontMetricsF(font).horizontalAdvance(shown) <= tile.sub.contentsRect().width()
        assert tile.sub.cut_tooltip().startswith(tile.sub.text())
        assert "of unknown power" in tile.sub.text() and "cable ends" in tile.sub.text()
        dash.close()
    doc.close()
