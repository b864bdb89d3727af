"""The find box (Ctrl+F): a query selects what it matches and zooms to it."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt


def _find(qtbot, window, text: str):
    box = window.find_box
    window.actions_by_name["find"].trigger()
    assert box.hasFocus() or not box.isVisible()
    box.setText(text)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    return box


def test_an_id_selects_that_rack_and_zooms_to_it(qtbot, window):
    before = window.view.transform().m11()
    _find(qtbot, window, "gpu-0011")
    assert window.document.selection == ["GPU-0011"]
    # the whole hall was in view; one rack fills more of it
    assert window.view.transform().m11() > before
    assert "1 rack" in window.statusBar().currentMessage()
    shot = os.environ.get("RACKSCAPE_SHOT_DIR")
    if shot:
        window.grab().save(os.path.join(shot, "find.png"))


def test_a_row_and_hardware_select_the_racks_that_hold_it(qtbot, window):
    lay = window.document.layout
    _find(qtbot, window, "row:R01")
    # the default hall: 16 compute racks, 8 per row
    assert window.document.selection == [r.id for r in lay.racks if r.row == "R01"]
    assert len(window.document.selection) == 8
    _find(qtbot, window, "qm9700")
    net = [f.network_racks for f in lay.fabrics][0]
    assert window.document.selection == list(net)
    _find(qtbot, window, "kind:crah")
    assert window.document.selection == [u.id for u in lay.cooling if u.kind == "crah"]


def test_nothing_found_marks_the_box_and_keeps_the_selection(qtbot, window):
    window.document.select(["GPU-0002"])
    box = _find(qtbot, window, "no-such-rack")
    assert window.document.selection == ["GPU-0002"]
    assert "nothing matches 'no-such-rack'" in window.statusBar().currentMessage()
    assert "nothing matches" in box.toolTip()
    box = _find(qtbot, window, "colour:red")
    assert window.document.selection == ["GPU-0002"]
    assert "unknown field 'colour:'" in window.statusBar().currentMessage()
    # typing again clears the mark
    qtbot.keyClicks(box, "x")
    assert box.styleSheet() == ""


def test_escape_gives_the_keyboard_back_to_the_floor(qtbot, window):
    box = window.find_box
    window.actions_by_name["find"].trigger()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    qtbot.keyClicks(box, "zz9")  # nothing to complete: no popup to close first
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(window.view.hasFocus, timeout=2000)
    assert box.text() == ""  # done with: Ctrl+F starts a new query


def test_another_layout_starts_with_an_empty_find_box(qtbot, window):
    box = window.find_box
    box.setText("row:R01")
    window.document.set_layout(window.document.layout.model_copy())
    assert box.text() == ""


def test_completions_follow_the_layout(qtbot, window):
    box = window.find_box
    box.setFocus()
    box._refresh_words()
    words = box._words.stringList()
    assert "GPU-0001" in words and "row:R01" in words and "fabric:compute" in words
    window.document.remove_items(["GPU-0001"])
    box._refresh_words()
    assert "GPU-0001" not in box._words.stringList()


def test_completions_follow_an_edit_made_while_the_box_has_the_keyboard(qtbot, window):
    box = window.find_box
    window.actions_by_name["find"].trigger()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    assert "GPU-0002" in box._words.stringList()
    window.document.remove_items(["GPU-0002"])  # the toolbar's Delete, focus unmoved
    assert "GPU-0002" not in box._words.stringList()
    window.document.undo_stack.undo()
    assert "GPU-0002" in box._words.stringList()


def test_a_completion_clicked_in_the_list_finds_it(qtbot, window):
    box = window.find_box
    window.actions_by_name["find"].trigger()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    found = []
    box.found.connect(lambda result, query: found.append(query))
    qtbot.keyClicks(box, "GPU-001")
    popup = box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    model = popup.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "GPU-0011")
    index = model.index(row, 0)
    popup.scrollTo(index)
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton,
                     pos=popup.visualRect(index).center())
    qtbot.waitUntil(lambda: window.document.selection == ["GPU-0011"], timeout=2000)
    assert box.text() == "GPU-0011" and found == ["GPU-0011"]
    # Enter on a completion in the list finds it once, not twice
    box.clear()
    qtbot.keyClicks(box, "GPU-001")
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert len(found) == 2 and window.document.selection == [found[-1]]
