"""The OK / Cancel row every dialog of the designer ends with."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

__all__ = ["ok_cancel"]


def ok_cancel(dialog: QDialog, ok_text: str | None = None
              ) -> tuple[QDialogButtonBox, QPushButton]:
    """Return an OK / Cancel button box wired to ``dialog``'s accept and reject, and its
    OK button (labelled ``ok_text`` when given: "Create", "Export", ...)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    if ok_text:
        ok.setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
