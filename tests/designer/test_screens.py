"""Windows fit the screen they open on (the offscreen screen is 800 x 800)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from designer.screens import fit_to_screen


def test_a_window_larger_than_the_screen_takes_its_free_area_and_stays_on_it(qtbot):
    room = QGuiApplication.primaryScreen().availableGeometry()
    w = QWidget()
    qtbot.addWidget(w)
    w.setGeometry(QRect(room.right() - 100, room.top() + 50, 300, 200))  # partly off
    fit_to_screen(w, 1440, 940)
    assert w.width() <= room.width() and w.height() <= room.height()
    assert room.contains(w.frameGeometry())
    small = QWidget()
    qtbot.addWidget(small)
    fit_to_screen(small, 500, 400)  # fits: as asked
    assert (small.width(), small.height()) == (500, 400)


def test_the_compare_window_fits_a_small_screen(qtbot, builtin_catalog):
    from designer.library.compare_window import CompareWindow

    room = QGuiApplication.primaryScreen().availableGeometry()
    win = CompareWindow(None, builtin_catalog)
    qtbot.addWidget(win)
    assert win.width() <= room.width() and win.height() <= room.height()


def test_a_main_window_size_saved_on_a_larger_screen_is_fitted(qtbot, doc):
    from PySide6.QtCore import QSettings

    from designer.mainwindow import MainWindow

    big = MainWindow(doc, restore_state=False)
    qtbot.addWidget(big, before_close_func=lambda w: setattr(w, "_force_close", True))
    big.resize(1600, 1000)
    QSettings().setValue("window/geometry", big.saveGeometry())
    big._restore_state()
    QSettings().remove("window/geometry")
    room = QGuiApplication.primaryScreen().availableGeometry()
    assert big.width() <= room.width() and big.height() <= room.height()


def test_a_generation_too_big_for_the_hall_says_so_in_its_header(qtbot):
    # the GPUs asked for, met, on more floor than the hall has: marked in the header as
    # the caption says red marks a hall not fitted
    from PySide6.QtCore import Qt

    from designer.library.compare_window import CompareTableModel
    from engine.compare import CompareRow

    fits = CompareRow(generation="hopper", template="t", param="scalable_units",
                      param_value=1, gpus=96, fits_hall=True)
    over = CompareRow(generation="blackwell", template="t", param="scalable_units",
                      param_value=1, gpus=96, fits_hall=False)
    m = CompareTableModel()
    m.set_rows([fits, over], gpus=96)
    head = [m.headerData(k, Qt.Orientation.Horizontal) for k in range(2)]
    assert head == ["Hopper", "Blackwell — too big for the hall"]
