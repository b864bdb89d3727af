"""Helpers shared by the panel tests (a module, not a test file: pytest collects nothing here)."""

from __future__ import annotations


def make(qtbot, cls, doc, size=(420, 800)):
    """Build panel ``cls`` on ``doc``, give it ``size`` and show it; return it."""
    w = cls(doc)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w
