"""Helpers shared by the designer tests (a module, not a test file: pytest collects nothing
here)."""

from __future__ import annotations


def make(qtbot, cls, doc, size=(420, 800)):
    """Build panel ``cls`` on ``doc``, give it ``size`` and show it; return it."""
    w = cls(doc)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def open_window(qtbot, doc):
    """Return a shown 1400 x 900 main window on ``doc``, zoomed to fit (panels included
    when they import); pytest-qt closes it at the end of the test."""
    from designer.mainwindow import MainWindow

    win = MainWindow(doc, restore_state=False)
    # pytest-qt closes widgets before fixture teardown: no unsaved-changes prompt then
    qtbot.addWidget(win, before_close_func=lambda w: setattr(w, "_force_close", True))
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.view.zoom_to_fit()
    return win
