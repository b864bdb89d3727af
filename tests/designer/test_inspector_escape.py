"""Esc in an inspector field drops the typed entry and its refusal together: the field
shows the model's value, untinted, with no message, and a new selection of the same item
shows a clean field. (Esc used to put the value back, then the focus leaving the field
judged the dropped "abc" and tinted the field with its refusal.)"""

from __future__ import annotations

import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from designer.panels.editors import REFUSED_BASE
from designer.panels.inspector import InspectorPanel


def _inspector(qtbot, doc) -> InspectorPanel:
    """A shown inspector on ``doc``, the active window: a field then takes the focus and
    loses it as a user's does (the refusal came back on the focus leaving the field)."""
    insp = make(qtbot, InspectorPanel, doc, (420, 900))
    with qtbot.waitActive(insp):
        insp.activateWindow()
    return insp


def _base(ed) -> QColor:
    return ed.widget.palette().color(QPalette.ColorRole.Base)


def _type_then_escape(qtbot, ed, text: str) -> None:
    """Type ``text`` into editor ``ed`` as a user does (focus, select all, keys) and press
    Esc without confirming."""
    le = ed.widget.lineEdit()
    ed.widget.setFocus()
    assert ed.widget.hasFocus()
    le.selectAll()
    qtbot.keyClicks(le, text)
    assert le.text() == text, "the keystrokes are kept until the entry is finished"
    qtbot.keyClick(le, Qt.Key.Key_Escape)


def _assert_clean(insp, ed, plain: QColor, shown: str) -> None:
    assert not ed.is_marked()
    assert _base(ed) == plain and _base(ed) != QColor(REFUSED_BASE)
    assert "expected" not in ed.widget.toolTip()
    assert not insp.message.isVisible()
    assert ed.widget.lineEdit().text() == shown


@pytest.mark.parametrize(("field", "text"), [("hall.width_m", "abc"), ("hall.depth_m", "-5")])
def test_esc_drops_a_bad_hall_size_and_its_refusal(qtbot, doc, field, text):
    insp = _inspector(qtbot, doc)
    doc.select([])
    ed = insp.editor(field)
    plain, shown = _base(ed), ed.widget.lineEdit().text()
    before, commands = doc.layout.model_dump(), doc.undo_stack.count()
    _type_then_escape(qtbot, ed, text)
    assert not ed.widget.hasFocus(), "Esc leaves the field"
    _assert_clean(insp, ed, plain, shown)
    assert doc.layout.model_dump() == before and doc.undo_stack.count() == commands
    # deselect (a rack) and reselect (the hall): a clean field, no message
    doc.select([doc.layout.racks[0].id])
    doc.select([])
    ed = insp.editor(field)
    _assert_clean(insp, ed, plain, shown)
    # the field still judges what is typed next
    le = ed.widget.lineEdit()
    le.setFocus()
    le.selectAll()
    qtbot.keyClicks(le, text)
    qtbot.keyClick(le, Qt.Key.Key_Return)
    assert ed.is_marked() and insp.message.isVisible()
    assert text in insp.message.text()


def test_esc_after_a_refused_entry_takes_the_tint_down_too(qtbot, doc):
    rack = doc.layout.racks[0]
    insp = _inspector(qtbot, doc)
    doc.select([rack.id])
    ed = insp.editor("x_m")
    plain, shown = _base(ed), ed.widget.lineEdit().text()
    le = ed.widget.lineEdit()
    le.setFocus()
    le.selectAll()
    qtbot.keyClicks(le, "abc")
    qtbot.keyClick(le, Qt.Key.Key_Return)
    assert ed.is_marked() and _base(ed) == QColor(REFUSED_BASE)
    # the refused text stays in the field to be corrected; Esc drops it and the refusal
    ed.widget.setFocus()
    qtbot.keyClick(le, Qt.Key.Key_Escape)
    _assert_clean(insp, ed, plain, shown)
    doc.select([])
    doc.select([rack.id])
    _assert_clean(insp, insp.editor("x_m"), plain, shown)
    assert doc.layout.racks[0].x_m == rack.x_m


def test_focus_moving_on_after_esc_judges_nothing(qtbot, doc):
    """Esc then a click into another field: the dropped entry is not refused then."""
    rack = doc.layout.racks[0]
    insp = _inspector(qtbot, doc)
    doc.select([rack.id])
    x, y = insp.editor("x_m"), insp.editor("y_m")
    plain = _base(x)
    _type_then_escape(qtbot, x, "-1e9")
    y.widget.setFocus()
    assert y.widget.hasFocus()
    x.widget.editingFinished.emit()  # as a focus change can report it again
    _assert_clean(insp, x, plain, x.widget.lineEdit().text())
    assert doc.layout.racks[0].x_m == rack.x_m


def test_the_value_it_already_has_typed_after_a_refusal_clears_the_refusal(qtbot, doc):
    """A refused entry corrected to the value the field already holds is a good entry:
    the refusal goes, though nothing changes and no command is pushed."""
    feed = doc.layout.feeds[0]
    insp = _inspector(qtbot, doc)
    doc.select([feed.id])
    ed = insp.editor("power_factor")
    plain = _base(ed)
    le = ed.widget.lineEdit()
    for text in ("1.5", f"{feed.power_factor:g}"):
        ed.widget.setFocus()
        le.selectAll()
        qtbot.keyClicks(le, text)
        qtbot.keyClick(le, Qt.Key.Key_Return)
        if text == "1.5":
            assert ed.is_marked() and insp.message.isVisible()
            commands = doc.undo_stack.count()
    assert not ed.is_marked() and _base(ed) == plain and not insp.message.isVisible()
    assert doc.item(feed.id).power_factor == feed.power_factor
    assert doc.undo_stack.count() == commands


def test_a_hall_drawn_into_an_l_loses_its_width_and_depth_fields_and_gets_them_back(qtbot,
                                                                                   doc):
    """Width and depth are a rectangle's: reshaped into an L, the hall's section drops
    them (they stayed, and a width typed there changed nothing, silently); undone, the
    rectangle has them again with its size."""
    from engine.edits import HALL_OUTLINE, hall_size

    insp = _inspector(qtbot, doc)
    doc.select([])
    assert "hall.width_m" in insp.editors
    (x0, y0), (x1, _), (_, y1) = doc.layout.hall.outline[:3]
    ell = [(x0, y0), (x1, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, (y0 + y1) / 2),
           ((x0 + x1) / 2, y1), (x0, y1)]
    doc.reshape(HALL_OUTLINE, ell, "Reshape the hall")
    assert hall_size(doc.layout) is None
    assert "hall.width_m" not in insp.editors and "hall.depth_m" not in insp.editors
    doc.undo_stack.undo()
    w, _d = hall_size(doc.layout)
    assert insp.editor("hall.width_m").widget.value() == pytest.approx(w)
