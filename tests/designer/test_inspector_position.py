"""A position typed in the inspector far off the hall (X = 999 m in a 14 m hall) is kept,
as valid data, but not lost from sight: the floor plan follows the item there (and back
on undo), and a note under X and Y says it stands outside the hall."""

from __future__ import annotations

import pytest
from panel_helpers import type_entry  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF

_type = type_entry


def _in_sight(window, item_id: str) -> bool:
    view = window.view
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    return seen.contains(window.scene.item_for(item_id).sceneBoundingRect())


@pytest.fixture
def insp(window):
    window.document.select(["GPU-0001"])
    return window.panels["InspectorPanel"]


def test_a_rack_typed_off_the_hall_is_followed_and_noted(qtbot, window, insp):
    doc = window.document
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    assert _in_sight(window, "GPU-0001") and insp.position_note_text() == ""
    _type(qtbot, insp.editor("x_m"), "999")
    assert doc.layout.rack("GPU-0001").x_m == 999.0, "kept: a valid position"
    assert _in_sight(window, "GPU-0001"), "the plan follows the rack"
    note = insp.position_note_text()
    assert note.startswith(f"Outside the hall ({x1 - x0:.1f} × {y1 - y0:.1f} m")
    assert insp.position_note.isVisible() and not insp.message.isVisible(), \
        "a note, not a refusal"
    doc.undo_stack.undo()
    assert doc.layout.rack("GPU-0001").x_m == pytest.approx(4.0)
    assert _in_sight(window, "GPU-0001"), "undo brings the view back to the rack"
    assert insp.position_note_text() == ""


def test_a_move_within_sight_leaves_the_view_alone(qtbot, window, insp):
    view = window.view
    before = view.visible_plan_centre()
    _type(qtbot, insp.editor("x_m"), "5.2")
    assert view.visible_plan_centre() == pytest.approx(before)
    assert insp.position_note_text() == ""


def test_a_multi_selection_note_names_the_units_outside(qtbot, window):
    doc = window.document
    crahs = [u.id for u in doc.layout.cooling if u.kind == "crah"][:3]
    doc.select(crahs)
    insp = window.panels["InspectorPanel"]
    doc.set_field(crahs[:1], "y_m", -40.0)
    note = insp.position_note_text()
    assert note.startswith("1 of 3 outside the hall") and note.endswith(crahs[0])
    _type(qtbot, insp.editor("y_m"), "-40")
    assert insp.position_note_text().startswith("Outside the hall")
    assert all(_in_sight(window, u) for u in crahs)


def test_reveal_items_moves_only_for_items_out_of_sight(window):
    view = window.view
    assert not view.reveal_items(["GPU-0001"])  # in sight: nothing to do
    window.document.set_field(["GPU-0001"], "y_m", -500.0)
    assert not _in_sight(window, "GPU-0001")
    assert view.reveal_items(["GPU-0001"])
    assert _in_sight(window, "GPU-0001")
    assert not view.reveal_items(["no-such-item"])


def test_undoing_an_edit_that_left_the_selection_alone_keeps_the_view(qtbot, window, insp):
    doc, view = window.document, window.view
    doc.set_field(["hall"], "floor_rating_kg_m2", 900)  # nothing selected moves
    view.zoom_by(8.0)  # look closely at the far corner of the hall, away from the rack
    view.centerOn(QPointF(13.0, -13.0))
    assert not _in_sight(window, "GPU-0001")
    away = view.visible_plan_centre()
    doc.undo_stack.undo()
    assert view.visible_plan_centre() == pytest.approx(away), "the rack did not change"
