"""Windows sized to the screen they open on.

A window asks for the size its contents read best at; on a smaller screen (a 1366 x 768
laptop) it takes the screen's free area instead, so no button ends up out of reach.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

__all__ = ["fit_to_screen"]


def fit_to_screen(widget: QWidget, width: int | None = None, height: int | None = None,
                  least: tuple[int, int] = (640, 480)) -> None:
    """Size ``widget`` to ``width`` x ``height`` (default: its size now) where its screen's
    free area has room, else to that area, and move it onto the screen where it stands
    partly off it (a size and place saved on a larger monitor)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    w = widget.width() if width is None else width
    h = widget.height() if height is None else height
    if screen is None:
        widget.resize(w, h)
        return
    room = screen.availableGeometry()
    # the frame (title bar, borders) takes its share of the free area
    frame = widget.frameGeometry().size() - widget.geometry().size()
    fw, fh = max(frame.width(), 0), max(frame.height(), 0)
    # never below ``least`` for a tiny screen, nor above what was asked
    w = max(min(w, room.width() - fw), min(least[0], w))
    h = max(min(h, room.height() - fh), min(least[1], h))
    widget.resize(w, h)
    geo = widget.frameGeometry()
    if not room.contains(geo):
        x = min(max(geo.x(), room.left()), max(room.right() - geo.width() + 1, room.left()))
        y = min(max(geo.y(), room.top()), max(room.bottom() - geo.height() + 1, room.top()))
        widget.move(x, y)
