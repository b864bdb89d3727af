"""The dashboard's scroll bar, once shown, stays until the panel is resized.

A 16-SU DGX H100 SuperPOD opened in a 1920 x 1050 window once never settled: the bar
narrowed the charts by its width, a chart's note wrapped under its title, the body grew
taller and needed the bar; without the bar the note fitted beside the title, the body
needed no bar, and so on for ever (the designer hung; on X11 it crashed, its stack used
up). The headers then took hundreds of resize events; settled, they take a few each.
"""

from __future__ import annotations

from engine.templates import instantiate


def test_a_large_hall_in_a_wide_window_settles(qtbot, qapp, recovery_dir, builtin_catalog,
                                               monkeypatch):
    from designer.document import LayoutDocument
    from designer.mainwindow import MainWindow
    from designer.panels import charts

    resized = []
    plain = charts.ChartHeader.resizeEvent

    def counted(self, event):
        resized.append(self)
        if len(resized) < 400:  # a loop is cut short here, and fails below
            plain(self, event)

    monkeypatch.setattr(charts.ChartHeader, "resizeEvent", counted)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 16}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    win = MainWindow(doc, restore_state=False)
    qtbot.addWidget(win, before_close_func=lambda w: setattr(w, "_force_close", True))
    win.resize(1920, 1050)
    win.show()
    qtbot.waitExposed(win)
    for _ in range(50):
        qapp.processEvents()
    assert len(resized) < 60  # four headers, each laid out a few times
    # the bar, once shown, holds until the panel is resized
    dash = win.panels["DashboardPanel"]
    assert dash.scroll.verticalScrollBar().isVisible() and dash.bar_held()
    win.resize(1700, 1050)
    for _ in range(20):
        qapp.processEvents()
    assert len(resized) < 120
    assert dash.bar_held() == dash.scroll.verticalScrollBar().isVisible()
    doc.close()
