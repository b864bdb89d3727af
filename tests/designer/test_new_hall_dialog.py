"""The blank-hall dialog takes a size as typed: one past its range is named and kept
in the field, never read with its last key dropped (6000 m is not 600 m)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from designer.dialogs import NewHallDialog


def _type(box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)


def test_a_size_past_the_range_is_named_and_the_dialog_stays(qtbot):
    dlg = NewHallDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    _type(dlg.depth_m, "6000")
    assert dlg.depth_m.cleanText() == "6000"  # every key taken
    assert "Depth: 6,000 m is outside 3 to 5,000 m" in dlg.problem.text()
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted and dlg.isVisible()
    _type(dlg.depth_m, "600")
    assert not dlg.problem.isVisible()
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.values()[2] == 600.0


def test_a_size_below_the_range_is_named_too(qtbot):
    dlg = NewHallDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    _type(dlg.width_m, "2")
    QTest.keyClick(dlg.width_m, Qt.Key.Key_Return)
    assert "Width: 2 m is outside 3 to 5,000 m" in dlg.problem.text()
    assert dlg.result() != QDialog.DialogCode.Accepted


def test_leaving_a_size_past_the_range_sets_the_nearest_end_and_says_so(qtbot):
    dlg = NewHallDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    _type(dlg.depth_m, "6000")
    dlg.width_m.setFocus()  # Tab away: Qt corrects the field
    QTest.keyClick(dlg.depth_m, Qt.Key.Key_Tab)
    dlg.depth_m.interpretText()
    dlg.depth_m.editingFinished.emit()
    assert dlg.depth_m.value() == 5000.0, "the nearest end, not the minimum"
    assert "Depth: 6,000 m is outside 3 to 5,000 m, so it is set to 5,000 m" in \
        dlg.problem.text()


def test_ok_with_a_size_past_the_range_first_says_what_it_set(qtbot):
    dlg = NewHallDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    _type(dlg.depth_m, "6000")
    dlg.depth_m.interpretText()  # the OK button takes the focus: Qt corrects the field
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "so it is set to 5,000 m" in dlg.problem.text()
    dlg.accept()  # seen: the next OK takes it
    assert dlg.result() == QDialog.DialogCode.Accepted and dlg.values()[2] == 5000.0
