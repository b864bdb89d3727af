"""A palette drag onto the rack elevation, driven as Qt delivers it: enter, moves, then on
release a drop where the last move was taken, else a leave. A refused spot says why
after the release (a move refused outright got no drop, so no reason was ever said)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from designer.panels.palette import PalettePanel
from engine.templates import instantiate

_COPY = Qt.DropAction.CopyAction
_LEFT = Qt.MouseButton.LeftButton
_NONE = Qt.KeyboardModifier.NoModifier


def _drag_and_release(cv, type_id: str, u: int) -> bool:
    """Drag catalog entry ``type_id`` over U ``u`` of elevation canvas ``cv`` and release
    it there; return whether Qt would deliver the drop (else the drag ends in a leave)."""
    mime = PalettePanel.mime_data(type_id)
    pos = cv.u_rect(u, 1).center()
    enter = QDragEnterEvent(pos.toPoint(), _COPY, mime, _LEFT, _NONE)
    QApplication.sendEvent(cv, enter)
    assert enter.isAccepted(), "the palette entry is taken into the elevation"
    above = QPointF(pos.x(), pos.y() - 2 * cv.px_per_u())
    taken = False
    for at in (above, pos):
        move = QDragMoveEvent(at.toPoint(), _COPY, mime, _LEFT, _NONE)
        QApplication.sendEvent(cv, move)
        taken = move.isAccepted()
    if taken:
        QApplication.sendEvent(cv, QDropEvent(pos, _COPY, mime, _LEFT, _NONE))
    else:
        QApplication.sendEvent(cv, QDragLeaveEvent())
    return taken


@pytest.fixture
def nvl_window(qtbot, doc, builtin_catalog):
    from panel_helpers import open_window

    doc.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                               catalog=builtin_catalog))
    return open_window(qtbot, doc)


def test_a_server_dropped_on_a_rack_scale_system_says_why_after_release(nvl_window):
    doc = nvl_window.document
    rack = next(r for r in doc.layout.racks if r.system)
    doc.select([rack.id])
    panel = nvl_window.panels["RackElevationPanel"]
    cv = panel.canvas
    before, n = doc.layout.model_dump(), doc.undo_stack.count()
    _drag_and_release(cv, "dgx-b200", 10)
    name = doc.catalog.devices["dgx-b200"].name
    said = panel.message.text()
    assert said.startswith(f"Cannot install {name} at U")
    assert "the rack holds the rack-scale system" in said
    assert said in nvl_window.statusBar().currentMessage()
    assert doc.layout.model_dump() == before and doc.undo_stack.count() == n
    assert cv._ghost is None, "the drop spot is no longer drawn"


def test_a_server_dropped_onto_a_taken_u_says_how_much_room_there_is(window):
    doc = window.document
    doc.select(["GPU-0001"])
    panel = window.panels["RackElevationPanel"]
    cv = panel.canvas
    low = min(cv.blocks, key=lambda b: b.u)
    n = doc.undo_stack.count()
    _drag_and_release(cv, "dgx-h100", low.u + 1)
    assert "taken by" in panel.message.text() and "needs 8 U" in panel.message.text()
    assert panel.message.text() in window.statusBar().currentMessage()
    assert doc.undo_stack.count() == n


def test_a_drop_that_fits_is_still_installed(window):
    doc = window.document
    doc.select(["GPU-0001"])
    panel = window.panels["RackElevationPanel"]
    cv = panel.canvas
    top = max(b.u + b.height_u for b in cv.blocks)  # the first free U above the servers
    assert cv.fits(top, 1)
    n = len(doc.layout.rack("GPU-0001").devices)
    assert _drag_and_release(cv, "qm9700", top)
    assert len(doc.layout.rack("GPU-0001").devices) == n + 1
    assert panel.message.text() == ""
