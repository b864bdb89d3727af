"""A status note too long for the room ends in "…" where the live totals begin, also when
the totals grow after the note was shown (a paste's analysis turning "no violations" into
"1 error, 0 warnings"), and its whole text stays in the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QStatusBar

from engine.templates import instantiate


def test_a_note_is_cut_again_where_the_grown_totals_begin(qtbot, qapp, recovery_dir,
                                                          builtin_catalog):
    from panel_helpers import layout_window

    win = layout_window(qtbot, instantiate("dgx-h100-hall", {"racks": 4}), builtin_catalog)
    sb = win.statusBar()
    note = "Pasted 1 item; it overlaps GPU-0001 (see the rules). " + "Fabric note " * 30
    sb.showMessage(note, 5000)
    qapp.processEvents()
    first = QStatusBar.currentMessage(sb)  # the text Qt shows
    assert first.endswith("…") and sb.toolTip() == note == sb.currentMessage()
    win.totals_label.setText(win.totals_label.text() + " · 1 error, 0 warnings" * 3)
    for _ in range(5):
        qapp.processEvents()
    shown = QStatusBar.currentMessage(sb)
    assert shown.endswith("…") and len(shown) < len(first)
    # the note ends before the totals start
    assert sb.fontMetrics().horizontalAdvance(shown) < win.totals_label.x()
    assert sb.currentMessage() == note and sb.toolTip() == note
    win.document.close()
