"""Undo steps of inspector edits: each value typed and confirmed with Enter is an undo step
of its own, however quickly the next follows; the steps of one gesture (a spin box's
arrows, Up/Down, the wheel, a list stepped with the keys) merge into one."""

from __future__ import annotations

import pytest
from panel_helpers import make, type_entry  # tests/designer is on pytest's path
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from designer.panels.inspector import InspectorPanel


@pytest.fixture
def insp(qtbot, doc):
    panel = make(qtbot, InspectorPanel, doc, (420, 900))
    doc.select(["GPU-0001"])
    return panel


_type = type_entry


def _wheel(widget, steps: int = 1) -> None:
    centre = QPointF(widget.rect().center())
    ev = QWheelEvent(centre, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(),
                     QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def test_two_typed_entries_are_two_undo_steps(qtbot, doc, insp):
    x0 = doc.layout.rack("GPU-0001").x_m
    _type(qtbot, insp.editor("x_m"), "5.2")
    _type(qtbot, insp.editor("x_m"), "6.4")  # well within the merge window
    assert doc.undo_stack.count() == 2
    assert [doc.undo_stack.text(i) for i in range(2)] == ["Set GPU-0001 X to 5.2 m",
                                                         "Set GPU-0001 X to 6.4 m"]
    doc.undo_stack.undo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(5.2), "undo goes back one entry"
    doc.undo_stack.undo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(x0)
    doc.undo_stack.redo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(5.2)


def test_spin_steps_by_key_merge_into_one_undo_step(qtbot, doc, insp):
    x0 = doc.layout.rack("GPU-0001").x_m
    spin = insp.editor("x_m").widget
    spin.setFocus()
    for _ in range(3):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(x0 + 0.3)
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0) == f"Set GPU-0001 X to {x0 + 0.3:.6g} m"
    doc.undo_stack.undo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(x0)


def test_wheel_steps_merge_into_one_undo_step(qtbot, doc, insp):
    y0 = doc.layout.rack("GPU-0001").y_m
    spin = insp.editor("y_m").widget
    spin.setFocus()
    _wheel(spin)
    _wheel(spin)
    assert doc.layout.rack("GPU-0001").y_m == pytest.approx(y0 + 0.2)
    assert doc.undo_stack.count() == 1


def test_a_typed_entry_does_not_swallow_or_join_the_steps_around_it(qtbot, doc, insp):
    spin = insp.editor("x_m").widget
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    _type(qtbot, insp.editor("x_m"), "5.2")
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert doc.undo_stack.count() == 3  # step, typed entry, the two later steps
    doc.undo_stack.undo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(5.2)


def test_list_steps_merge_and_list_picks_do_not(qtbot, doc, insp):
    combo = insp.editor("rotation_deg").widget
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert doc.undo_stack.count() == 1
    for i in (0, 1):  # two picks from the open list: two edits
        combo.setCurrentIndex(i)
        combo.activated.emit(i)
    assert doc.undo_stack.count() == 3
    assert doc.layout.rack("GPU-0001").rotation_deg == 90


def test_arrow_key_nudges_still_merge(doc):
    for _ in range(4):
        doc.nudge(["GPU-0001"], 0.1, 0.0)
    assert doc.undo_stack.count() == 1


def test_an_edit_is_named_in_the_words_of_the_form(qtbot):
    """The undo text and status note say a field as the inspector labels it."""
    from designer.commands import field_label

    assert field_label("assumptions.pue") == ("PUE override", "")
    assert field_label("assumptions.delta_t_coolant_k") == ("coolant ΔT", "K")
    assert field_label("assumptions.continuous_derating") == ("continuous-load factor", "")
    assert field_label("amps") == ("current", "A")
    assert field_label("crah") == ("CRAH", "")
    assert field_label("return_xy_m")[0] == "air return"
