"""The Qt application object the renderers need, created on demand (offscreen when headless)."""

from __future__ import annotations

import os
import sys

__all__ = ["ensure_app", "utf8_locale"]


def utf8_locale() -> None:
    """Run Qt in a UTF-8 locale where the environment names the plain C one (``LC_ALL=C``,
    a bare container): Qt would switch to C.UTF-8 itself, after four lines on standard
    error that a successful command must not print. Call before the QApplication."""
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(var)
        if value:
            if value in ("C", "POSIX"):
                os.environ["LC_ALL"] = "C.UTF-8"
            return
    os.environ["LC_ALL"] = "C.UTF-8"


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
        utf8_locale()
        app = QApplication([sys.argv[0] if sys.argv else "rackscape"])
    return app
