"""The Qt application object the renderers need, created on demand (offscreen when headless)."""

from __future__ import annotations

import os
import sys

__all__ = ["ensure_app"]


def ensure_app():
    """Return the running QApplication, creating an offscreen one when there is none.

    Reports render with QPainter, and the floor-plan scene needs a QApplication;
    a headless ``rackscape report`` must not need a display.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
                and sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication([sys.argv[0] if sys.argv else "rackscape"])
    return app
