"""A refused entry marks its own field (tinted, the reason as its tooltip), not only the
message strip at the foot of the inspector, which a user looking at the field misses."""

from __future__ import annotations

from panel_helpers import make, type_entry  # tests/designer is on pytest's path
from PySide6.QtGui import QColor, QPalette

from designer.panels.editors import REFUSED_BASE
from designer.panels.inspector import InspectorPanel


def _inspecting_a_rack(qtbot, doc):
    """The document's first rack, selected, and an inspector showing it."""
    rack = doc.layout.racks[0]
    insp = make(qtbot, InspectorPanel, doc, (420, 900))
    doc.select([rack.id])
    return rack, insp


def _base(ed) -> QColor:
    return ed.widget.palette().color(QPalette.ColorRole.Base)


def test_a_letter_typed_into_x_tints_the_field_until_the_next_keystroke(qtbot, doc):
    rack, insp = _inspecting_a_rack(qtbot, doc)
    ed = insp.editor("x_m")
    plain = _base(ed)
    assert plain != QColor(REFUSED_BASE)
    le = type_entry(qtbot, ed, "abc")
    said = "X (m): expected a number from -100,000 to 100,000 (got “abc”)"
    assert insp.message.isVisible() and insp.message.text() == said
    assert _base(ed) == QColor(REFUSED_BASE) and ed.widget.toolTip() == said
    assert doc.layout.racks[0].x_m == rack.x_m, "nothing changed"
    qtbot.keyClicks(le, "1")  # typing again: the field looks as before
    assert _base(ed) == plain and ed.widget.toolTip() != said


def test_a_good_value_after_a_refusal_clears_the_mark_and_applies(qtbot, doc):
    rack, insp = _inspecting_a_rack(qtbot, doc)
    ed = insp.editor("x_m")
    type_entry(qtbot, ed, "1e9")
    assert ed.is_marked()
    type_entry(qtbot, ed, f"{rack.x_m + 0.6:.2f}")
    assert not ed.is_marked()
    assert doc.layout.racks[0].x_m == round(rack.x_m + 0.6, 2)


def test_an_edit_of_another_field_clears_the_message_and_the_tint_together(qtbot, doc):
    rack, insp = _inspecting_a_rack(qtbot, doc)
    x = insp.editor("x_m")
    plain = _base(x)
    type_entry(qtbot, x, "abc")
    assert x.is_marked() and insp.message.isVisible()
    type_entry(qtbot, insp.editor("y_m"), f"{rack.y_m + 0.6:.2f}")
    assert not insp.message.isVisible()
    assert not x.is_marked() and _base(x) == plain


def test_a_second_refusal_moves_the_tint_to_its_own_field(qtbot, doc):
    # the message speaks of the last refusal only: the field refused before it shows its
    # value as it is again, untinted
    rack, insp = _inspecting_a_rack(qtbot, doc)
    x, y = insp.editor("x_m"), insp.editor("y_m")
    plain = _base(x)
    type_entry(qtbot, x, "abc")
    assert x.is_marked()
    type_entry(qtbot, y, "1e9")
    assert y.is_marked() and insp.message.text().startswith("Y (m):")
    assert not x.is_marked() and _base(x) == plain
