"""A window opened from another (a retargeted copy, a template) stays on the screen."""

from __future__ import annotations

from designer.library.retarget import open_in_new_window


def test_new_windows_cascade_but_stay_on_the_screen(qtbot, window):
    screen = window.screen().availableGeometry()
    window.resize(800, 600)
    window.move(screen.right() - 820, screen.bottom() - 620)
    new = open_in_new_window(window, window.document.layout, "a copy", unsaved=False)
    qtbot.addWidget(new, before_close_func=lambda w: setattr(w, "_force_close", True))
    assert screen.contains(new.pos())
    assert new.pos().x() + new.width() <= screen.right() + 1 or new.pos() == screen.topLeft()
