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


def type_entry(qtbot, ed, text):
    """Type ``text`` into inspector editor ``ed`` and confirm it with Enter; return the
    line edit typed into."""
    from PySide6.QtCore import Qt

    le = ed.widget.lineEdit() if hasattr(ed.widget, "lineEdit") else ed.widget
    le.setFocus()
    le.selectAll()
    qtbot.keyClicks(le, text)
    qtbot.keyClick(le, Qt.Key.Key_Return)
    return le


def zoom(view, px_per_m: float, at: tuple[float, float]) -> None:
    """Show plan point ``at`` at the centre of floor-plan ``view``, ``px_per_m`` pixels
    per metre."""
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    view.resetTransform()
    view.scale(px_per_m, px_per_m)
    view.is_fitted = False  # as a zoom by the wheel or the keys: no longer the hall's fit
    view.zoom_changed.emit(px_per_m)
    view.centerOn(QPointF(at[0], -at[1]))
    QApplication.processEvents()


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


def layout_window(qtbot, layout, catalog):
    """Return a shown main window on a new document of ``layout``, analysed as each edit
    is made, with no autosave (the test closes ``win.document``)."""
    from designer.document import LayoutDocument

    doc = LayoutDocument(layout, catalog=catalog, analysis_mode="sync", autosave_ms=0)
    return open_window(qtbot, doc)


def hall_compare_window(qtbot, catalog, generations, hall_m):
    """Return a compare window set to the most blocks of ``generations`` that fit a hall
    of ``hall_m`` (width, depth); not run yet. pytest-qt closes it at the end."""
    from designer.library.compare_window import CompareWindow

    win = CompareWindow(catalog=catalog)
    qtbot.addWidget(win)
    win.set_generations(list(generations))
    win.hall_w.setValue(hall_m[0])
    win.hall_d.setValue(hall_m[1])
    win.by_hall.setChecked(True)
    return win
