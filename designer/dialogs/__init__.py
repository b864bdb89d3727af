"""Dialogs of the designer: a new blank hall, a new design from a template."""

from designer.dialogs.new_hall import NewHallDialog
from designer.dialogs.new_template import TemplateDialog

__all__ = ["NewHallDialog", "TemplateDialog"]
