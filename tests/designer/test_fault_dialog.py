"""An error that escapes a menu action shows as a message, never as a silently undone action."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QMessageBox, QWidget

from designer.app import fault_message, install_fault_dialog


def test_an_unexpected_error_in_an_action_is_shown_to_the_user(qtbot, monkeypatch, capsys):
    win = QWidget()
    qtbot.addWidget(win)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda parent, title, text, *a: shown.append(
                            (parent, title, text))))
    before = sys.excepthook
    try:
        install_fault_dialog(win)
        try:
            raise ValueError("media[2].reach_split_max_m: expected no such field")
        except ValueError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = before
    (parent, title, text), = shown
    assert parent is win and title == "Unexpected error"
    assert text == fault_message(ValueError("media[2].reach_split_max_m: expected no such "
                                            "field"))
    assert "ValueError: media[2].reach_split_max_m" in text and "did not complete" in text
    # the traceback goes to the terminal
    assert "Traceback" in capsys.readouterr().err
