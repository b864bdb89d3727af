"""Dialogs of the designer: a new blank hall (new from template lives in designer.library)."""

from designer.dialogs.new_hall import NewHallDialog

__all__ = ["NewHallDialog"]
