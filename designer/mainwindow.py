"""MainWindow: the floor plan in the middle, panels docked around, menus and status bar.

Panels are optional: each is imported on its own, so the window works with
any of them missing. Every edit goes through the document (one undo command);
the window only wires gestures, files and clipboard to it.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QMimeData, QRectF, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStatusBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from designer import recovery
from designer.canvas import FloorPlanScene, FloorPlanView
from designer.canvas.draw import DRAW_KINDS, with_article
from designer.canvas.overlays import OVERLAY_CLASSES
from designer.canvas.style import METRICS
from designer.canvas.view import MIME_ITEMS
from designer.commands import done_text, noun
from designer.document import LayoutDocument, noting_fabric
from designer.recent import design_file_stem, recent_labels
from designer.screens import fit_to_screen
from engine import edits
from engine.errors import InputError

__all__ = ["MainWindow", "PANELS", "OVERLAY_LABELS", "METRIC_LABELS", "exported_message"]

#: (module, class, dock title, area) of the side panels, in docking order.
PANELS = [
    ("designer.panels.palette", "PalettePanel", "Catalog", "left"),
    ("designer.panels.inspector", "InspectorPanel", "Inspector", "right"),
    ("designer.panels.elevation", "RackElevationPanel", "Rack elevation", "right"),
    ("designer.panels.dashboard", "DashboardPanel", "Dashboard", "bottom"),
    ("designer.panels.rules_panel", "RulePanel", "Rules", "bottom"),
]
OVERLAY_LABELS = {"heatmap": "Power density", "cooling": "Cooling zones", "airflow": "Airflow",
                  "cables": "Cables by tray", "violations": "Violations"}
METRIC_LABELS = {"kw": "Rack kW", "utilization": "Feed utilization", "liquid": "Liquid share"}
_FILTER = "Rackscape layouts (*.json);;All files (*)"
_MAX_RECENT = 8
#: how long the status bar keeps a note of what an action did, and a refusal or error
#: (a later action's message replaces either at once)
NOTE_MS = 5000
REFUSAL_MS = 8000
#: a status note cut short (its whole text in the tooltip) stays this many times longer
ELIDED_NOTE_FACTOR = 3
#: Below this window height the dashboard and the rule panel share one tabbed area, so
#: the floor plan keeps its height (side by side, a 1366 x 768 window left it a strip).
COMPACT_HEIGHT = 900
#: The tabbed bottom area's share of a compact window's height.
COMPACT_BOTTOM_SHARE = 0.36
#: Below this share of the height under the toolbars, a window made smaller takes the
#: floor plan's height back from the bottom panels.
MIN_VIEW_SHARE = 0.45


def _line_icon(kind: str) -> QIcon:
    """Draw a small line icon (one consistent style for the toolbar)."""
    icon = QIcon()
    for size in (16, 24, 32):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.scale(size / 24.0, size / 24.0)
        pen = QPen(QColor("#39424e"), 1.7)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        path = QPainterPath()
        if kind == "new":
            path.moveTo(6, 3)
            path.lineTo(14, 3)
            path.lineTo(19, 8)
            path.lineTo(19, 21)
            path.lineTo(6, 21)
            path.closeSubpath()
            path.moveTo(14, 3)
            path.lineTo(14, 8)
            path.lineTo(19, 8)
        elif kind == "open":
            path.moveTo(3, 19)
            path.lineTo(3, 5)
            path.lineTo(9, 5)
            path.lineTo(11, 7)
            path.lineTo(19, 7)
            path.lineTo(19, 10)
            path.moveTo(3, 19)
            path.lineTo(6.5, 10)
            path.lineTo(22, 10)
            path.lineTo(18.5, 19)
            path.closeSubpath()
        elif kind == "save":
            path.addRoundedRect(QRectF(4, 4, 16, 16), 2, 2)
            path.addRect(QRectF(8, 4, 8, 5))
            path.addRect(QRectF(7.5, 13, 9, 7))
        elif kind in ("undo", "redo"):
            sx = 1 if kind == "undo" else -1
            cx = 12

            def x(v: float, sx: int = sx, cx: int = cx) -> float:
                return cx + sx * (v - cx)

            path.moveTo(x(5), 10)
            path.lineTo(x(15), 10)
            path.cubicTo(x(21), 10, x(21), 19, x(15), 19)
            path.lineTo(x(9), 19)
            path.moveTo(x(9), 6)
            path.lineTo(x(5), 10)
            path.lineTo(x(9), 14)
        elif kind == "rotate":
            path.arcMoveTo(QRectF(5, 5, 14, 14), 90)
            path.arcTo(QRectF(5, 5, 14, 14), 90, 270)
            path.moveTo(12, 2.5)
            path.lineTo(16, 5)
            path.lineTo(12, 8)
            p.drawPath(path)
            path = QPainterPath()
            p.setBrush(QColor("#39424e"))
            p.drawRect(QRectF(10, 10, 4, 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
        elif kind == "delete":
            path.moveTo(4, 6)
            path.lineTo(20, 6)
            path.moveTo(9, 6)
            path.lineTo(9, 3.5)
            path.lineTo(15, 3.5)
            path.lineTo(15, 6)
            path.moveTo(6, 6)
            path.lineTo(7, 21)
            path.lineTo(17, 21)
            path.lineTo(18, 6)
            path.moveTo(10, 10)
            path.lineTo(10, 17)
            path.moveTo(14, 10)
            path.lineTo(14, 17)
        elif kind == "fit":
            for ax, ay, dx, dy in ((3, 3, 1, 1), (21, 3, -1, 1), (3, 21, 1, -1),
                                   (21, 21, -1, -1)):
                path.moveTo(ax + 5 * dx, ay)
                path.lineTo(ax, ay)
                path.lineTo(ax, ay + 5 * dy)
            path.addRect(QRectF(8, 9, 8, 6))
        p.drawPath(path)
        p.end()
        icon.addPixmap(pm)
    return icon


def exported_message(files: list[Path]) -> str:
    """Return the status-bar line of a finished export: the file, or the files and their folder.

    Examples
    --------
    >>> exported_message([Path("/r/hall-report.pdf")])
    'Exported /r/hall-report.pdf'
    >>> exported_message([Path("/r/h-racks.csv"), Path("/r/h-power.csv")])
    'Exported 2 files to /r: h-racks.csv, h-power.csv'
    """
    files = [Path(f) for f in files]
    if len(files) == 1:
        return f"Exported {files[0]}"
    folders = {f.parent for f in files}
    where = f" to {folders.pop()}" if len(folders) == 1 else ""
    names = ", ".join(f.name if where else str(f) for f in files)
    return f"Exported {len(files)} files{where}: {names}"


def _generation_label(gen: str) -> str:
    try:
        from designer.panels.common import generation_label

        return generation_label(gen)
    except Exception:  # the panels package is optional
        return gen.replace("-", " ").title()


class _StatusBar(QStatusBar):
    """A status bar whose notes end in "…" where the live totals begin, the whole note
    in the tooltip (Qt cuts a long note off mid-word against the totals: "a leaf's 32"
    beside "520 GPUs" read as 32,520 GPUs). :meth:`currentMessage` is the whole note."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self._until: float | None = None  # when the note on show goes (monotonic s)
        self._shown = ""

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802
        # the totals grow when an analysis comes in after the note was shown (a paste's
        # "1 error" for "no violations"): the note is cut again where they now begin
        widget.installEventFilter(self)
        super().addPermanentWidget(widget, stretch)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show,
                            QEvent.Type.Hide) and self._full:
            QTimer.singleShot(0, self._fit_note)
        return super().eventFilter(watched, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._full:
            QTimer.singleShot(0, self._fit_note)

    def _elided(self, text: str) -> str:
        room = self._message_room()
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room) \
            if room > 0 else text

    def _fit_note(self) -> None:
        """Cut the note on show again for the room the totals now leave it."""
        if not self._full or not super().currentMessage():
            return
        shown = self._elided(self._full)
        if shown == self._shown:
            return
        left = 0 if self._until is None else max(1, int((self._until - time.monotonic()) * 1000))
        self._shown = shown
        self.setToolTip(self._full if shown != self._full else "")
        super().showMessage(shown, left)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        self._full = text
        shown = self._elided(text)
        self.setToolTip(text if shown != text else "")
        if shown != text and timeout > 0:
            # a note cut short stays long enough to hover for the whole of it
            timeout *= ELIDED_NOTE_FACTOR
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else None
        self._shown = shown
        super().showMessage(shown, timeout)

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name
        return self._full if super().currentMessage() else ""

    def clearMessage(self) -> None:  # noqa: N802 - Qt's name
        self._full = ""
        self.setToolTip("")
        super().clearMessage()

    def _message_room(self) -> int:
        """Pixels left of the first shown permanent widget, a gap before it kept."""
        lefts = [w.x() for w in self.findChildren(QWidget) if w.parent() is self
                 and w.isVisible() and w.x() > 0]
        if not lefts or self.width() <= 0:
            return 0
        return min(lefts) - 24


class MainWindow(QMainWindow):
    """The designer's main window for one :class:`LayoutDocument`."""

    def __init__(self, document: LayoutDocument, parent: QWidget | None = None,
                 restore_state: bool = True) -> None:
        super().__init__(parent)
        self.document = document
        self.scene = FloorPlanScene(document, self)
        self.view = FloorPlanView(self.scene, self)
        self.setCentralWidget(self.view)
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.panel_errors: dict[str, str] = {}
        self._force_close = False
        self._reported_recoveries: set[Path] = set()
        #: The file Save As proposes for a design not saved yet (a retargeted copy beside
        #: its source, a template's id and size); a bare name goes in the last folder used.
        self.save_suggestion: Path | None = None
        #: Whether the window is below :data:`COMPACT_HEIGHT` (None before it has a size),
        #: and whether the bottom panels were put in tabs for that (and so go back).
        self._compact: bool | None = None
        self._auto_tabbed = False
        self.setDockNestingEnabled(True)
        self.setTabPosition(Qt.DockWidgetArea.BottomDockWidgetArea, QTabWidget.TabPosition.North)
        self._build_actions()
        a = self.actions_by_name
        self.view.context_actions = [a["rotate"], a["duplicate"], a["copy"], a["cut"],
                                     a["delete"], None, a["link"], a["fabric"], None,
                                     a["zoom_sel"], a["fit"]]
        self._build_menus()
        self._build_toolbars()
        self._build_status()
        self._build_docks()
        self._install_extensions()
        document.modified_changed.connect(self._update_title)
        document.path_changed.connect(self._update_title)
        document.layout_reset.connect(self._update_title)
        document.layout_reset.connect(self._sync_generation)
        document.layout_reset.connect(self._forget_save_suggestion)
        document.items_changed.connect(self._on_items_changed)
        document.analysis_updated.connect(self._update_totals)
        document.analysis_failed.connect(lambda msg: self.statusBar().showMessage(
            f"Analysis failed: {msg}", REFUSAL_MS))
        document.analysis_busy.connect(self._busy.setVisible)
        document.recovery_failed.connect(lambda why: self.statusBar().showMessage(
            f"Crash recovery is off: {why}. Autosave tries again every minute.", 60_000))
        document.selection_changed.connect(self._update_selection_actions)
        QApplication.clipboard().dataChanged.connect(self._update_paste_action)
        self._mode_message: str | None = None  # a tool's instructions on show, kept
        self.scene.message.connect(self._show_scene_message)
        self.scene.outline_editing_changed.connect(self._end_mode_message)
        document.layout_reset.connect(self._end_mode_message)
        # every change of the design says what it was, replacing the last action's note
        self._undo_index = document.undo_stack.index()
        document.undo_stack.indexChanged.connect(self._show_undo_step)
        document.layout_reset.connect(self._forget_undo_step)
        # what an edit did to a fabric follows the edit's own text in one message, in
        # whichever order the two arrive
        self._fabric_note_now = ""
        self._step_now = ""
        self._undone: set[int] = set()  # the commands undone, which a redo names so
        if hasattr(document, "fabric_resized"):
            document.fabric_resized.connect(self._on_fabric_note)
        self.view.cursor_moved.connect(self._show_cursor)
        self.view.cursor_left.connect(lambda: self.coords_label.setText("x —  y —"))
        self.view.zoom_changed.connect(self._show_zoom)
        self._update_title()
        self._sync_generation()
        self._update_selection_actions(document.selection)
        if document.analysis is not None:
            self._update_totals(document.analysis)
        self.resize(1600, 1000)
        self._state_restored = False
        if restore_state:
            self._restore_state()

    # -- construction --------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], Any] | None = None,
                shortcut: QKeySequence | str | QKeySequence.StandardKey | None = None,
                icon: str | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            act.setIcon(_line_icon(icon))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        if slot is not None:
            act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        sk = QKeySequence.StandardKey
        a: dict[str, QAction] = {}
        a["new"] = self._action("&New blank hall…", self.new_blank, sk.New, "new",
                                "Start an empty hall of a given size")
        a["new_template"] = self._action("New from &template…", self.new_from_template,
                                         "Ctrl+Shift+N", None,
                                         "Start a design from a template library")
        a["open"] = self._action("&Open…", self.open_dialog, sk.Open, "open",
                                 "Open a layout file")
        a["save"] = self._action("&Save", self.save, sk.Save, "save",
                                 "Save the layout")
        a["save_as"] = self._action("Save &As…", self.save_as, sk.SaveAs)
        a["export"] = self._action("&Export report…", self.export, "Ctrl+E",
                                   tip="PDF, Excel, CSV, PNG or JSON report")
        a["close"] = self._action("&Close window", self.close, sk.Close, None,
                                  "Close this window (asks about unsaved changes)")
        # every window of the application, each asking about its unsaved changes
        a["quit"] = self._action("&Quit", QApplication.closeAllWindows, sk.Quit)
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(sk.Undo))
        undo.setIcon(_line_icon("undo"))
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        # the platform's redo keys, plus Ctrl+Y where they lack it (twice would be ambiguous)
        keys = QKeySequence.keyBindings(sk.Redo)
        if QKeySequence("Ctrl+Y") not in keys:
            keys.append(QKeySequence("Ctrl+Y"))
        redo.setShortcuts(keys)
        redo.setIcon(_line_icon("redo"))
        a["undo"], a["redo"] = undo, redo
        a["cut"] = self._action("Cu&t", self.cut, sk.Cut)
        a["copy"] = self._action("&Copy", self.copy, sk.Copy)
        a["paste"] = self._action("&Paste", self.paste, sk.Paste)
        a["duplicate"] = self._action("D&uplicate", self.duplicate, "Ctrl+D")
        a["delete"] = self._action("&Delete", self.delete_selection, sk.Delete,
                                   "delete", "Delete the selection")
        a["delete"].setShortcuts([QKeySequence(sk.Delete), QKeySequence("Backspace")])
        a["select_all"] = self._action("Select &All", self.select_all, sk.SelectAll)
        a["find"] = self._action("&Find…", lambda: self.find_box.start(), sk.Find, None,
                                 "Find racks, units, feeds and trays by id, name, row, "
                                 "hardware or fabric (Ctrl+F)")
        a["rotate"] = self._action("&Rotate 90° counter-clockwise", lambda: self.rotate(90), "R",
                                   "rotate", "Turn the selection 90° (R)")
        a["rotate_back"] = self._action("Rotate 90° clockwise", lambda: self.rotate(-90), "Shift+R")
        a["link"] = self._action("&Link two racks…", self.link_selected, "Ctrl+L", None,
                                 "Draw an explicit link group between the two selected racks")
        a["fabric"] = self._action("New &fabric…", self.new_fabric, "Ctrl+Shift+F", None,
                                   "A network over the selected racks: the racks with servers "
                                   "join it, the racks without take its switches")
        self.draw_actions: dict[str, QAction] = {}
        for kind, key in zip(DRAW_KINDS, ("T", "B", "Shift+B", "W", "K", "Shift+C", "M",
                                          "Ctrl+R"), strict=True):
            label, title, n, _closed = DRAW_KINDS[kind]
            self.draw_actions[kind] = self._action(
                label, lambda kind=kind: self.start_drawing(kind), key, None,
                {"measure": f"Measure along points you click: each segment and the total "
                            f"({key})",
                 "row": f"Copy the selected rack along a line: click where the row starts "
                        f"and where it ends ({key})",
                 "column": f"Place building columns, 600 × 600 mm: a click puts one on the "
                           f"grid, Esc ends ({key})"}.get(
                    kind, f"Draw {with_article(title)}: click {n} points or more, Enter or "
                          "double-click "
                          f"to finish ({key})"))
        self.align_actions: list[QAction] = []
        for edge, label in (("left", "Left edges"), ("right", "Right edges"),
                            ("top", "Top edges"), ("bottom", "Bottom edges"),
                            ("center_x", "Centres, in a column"),
                            ("center_y", "Centres, in a row")):
            self.align_actions.append(self._action(
                label, lambda edge=edge: self._guard(
                    lambda: self.document.align(self.document.selection, edge)),
                tip=f"Line up the selected racks and units: {label.lower()}"))
        self.align_actions.append(self._action(
            "Into the row's line", self._align_to_rows,
            tip="Move the selected racks across their rows, onto the line of the other "
                "racks' faces"))
        for axis, label in (("x", "Distribute across (x)"), ("y", "Distribute along (y)")):
            self.align_actions.append(self._action(
                label, lambda axis=axis: self._guard(
                    lambda: self.document.distribute(self.document.selection, axis)),
                tip="Equal gaps between the selected racks and units; the outer two stay"))
        a["outline"] = self._action("Edit hall &outline", None, None, None,
                                    "Drag the hall's corners; double-click a corner to remove "
                                    "it or an edge to add one")
        a["outline"].setCheckable(True)
        a["outline"].toggled.connect(self.scene.set_outline_editing)
        # the scene ends the mode itself (Esc, another tool, a new document): the check follows
        self.scene.outline_editing_changed.connect(a["outline"].setChecked)
        a["snap"] = self._action("&Snap to grid and edges", self._toggle_snap)
        a["snap"].setCheckable(True)
        a["snap"].setChecked(True)
        a["fit"] = self._action("Zoom to &fit", self.view.zoom_to_fit, "F",
                                "fit", "Show the whole hall (F)")
        a["zoom_sel"] = self._action("Zoom to &selection",
                                     lambda: self.view.zoom_to(self.document.selection), "Z")
        a["zoom_in"] = self._action("Zoom &in", lambda: self.view.zoom_by(1.25), sk.ZoomIn)
        # Ctrl+= too: the + of most keyboards is Shift+=
        a["zoom_in"].setShortcuts([*QKeySequence.keyBindings(sk.ZoomIn),
                                   QKeySequence("Ctrl+=")])
        a["zoom_out"] = self._action("Zoom &out", lambda: self.view.zoom_by(0.8), sk.ZoomOut)
        self.overlay_actions: dict[str, QAction] = {}
        for k, key in enumerate(OVERLAY_CLASSES):
            act = self._action(OVERLAY_LABELS.get(key, key), None, f"Ctrl+{k + 1}")
            act.setCheckable(True)
            act.toggled.connect(lambda on, key=key: self.set_overlay(key, on))
            self.overlay_actions[key] = act
        self.metric_group = QActionGroup(self)
        self.metric_actions: dict[str, QAction] = {}
        for key in METRICS:
            act = QAction(METRIC_LABELS.get(key, key), self, checkable=True)
            act.setChecked(key == self.scene.metric)
            act.triggered.connect(lambda _c=False, key=key: self.set_metric(key))
            self.metric_group.addAction(act)
            self.metric_actions[key] = act
        self.actions_by_name = a
        self._update_paste_action()
        try:
            importlib.import_module("designer.reports")
            has_export = hasattr(importlib.import_module("designer.reports"), "export_dialog")
        except Exception:
            has_export = False
        a["export"].setEnabled(has_export)
        if not has_export:
            a["export"].setToolTip("Reports are not available in this build")

    def link_selected(self, speed_gbps: float | None = None, count: int | None = None,
                      a_u: int | None = None, b_u: int | None = None) -> str | None:
        """Link a device of each of the two selected racks (one undo command).

        Without ``speed_gbps`` and ``count`` the link dialog asks for them and for the
        device at each end; ``a_u``/``b_u`` name the devices otherwise (``None``: the
        rack's first device or its system).
        """
        racks = [i for i in self.document.selection if self.document.item_group(i) == "racks"]
        if len(racks) != 2:
            self.statusBar().showMessage("Select exactly two racks to link them", REFUSAL_MS)
            return None
        if speed_gbps is None or count is None:
            dlg = self.link_dialog(racks[0], racks[1])
            accepted = dlg.exec()
            dlg.deleteLater()
            if not accepted:
                return None
            speed_gbps, count = dlg.values()
            a_u, b_u = dlg.ends()
        try:
            return self.document.add_link(racks[0], racks[1], speed_gbps, count, a_u, b_u)
        except InputError as exc:
            self.statusBar().showMessage(f"Cannot link: {exc.expected}", REFUSAL_MS)
            return None

    def new_fabric(self) -> str | None:
        """Ask for a fabric over the selected racks and add it (one undo command)."""
        dlg = self.fabric_dialog()
        accepted = dlg.exec()
        fabric = dlg.fabric() if accepted else None
        joins = dlg.joins() if accepted else None
        dlg.deleteLater()
        if fabric is None:
            return None
        if joins is not None:  # the racks join an existing fabric: its members grow
            before = len(self.document.layout.find(joins).members)
            try:
                if not self.document.set_field([joins], "members", list(fabric.members)):
                    return None
            except InputError as exc:
                self.statusBar().showMessage(f"Cannot join fabric {joins}: {exc.field}: "
                                             f"expected {exc.expected}", REFUSAL_MS)
                return None
            self.statusBar().showMessage(
                f"{len(fabric.members) - before} rack(s) joined fabric {joins}; its switches "
                "and links grow with them", NOTE_MS)
            return joins
        try:
            fid = self.document.add_fabric(fabric)
        except InputError as exc:
            self.statusBar().showMessage(f"Cannot add the fabric: {exc.field}: expected "
                                         f"{exc.expected}", REFUSAL_MS)
            return None
        self.statusBar().showMessage(f"Fabric {fid} added; its switches and links follow the "
                                     "member racks", NOTE_MS)
        return fid

    def fabric_dialog(self):
        """Return the dialog that proposes a fabric over the selection (not yet shown)."""
        from designer.dialogs.fabric_dialog import FabricDialog

        doc = self.document
        before = [v.to_dict() for v in doc.analysis.violations] if doc.analysis else None
        # the first dialog of a session lays the reference designs out once (about 0.5 s)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return FabricDialog(doc.committed_layout, doc.catalog, doc.selection, before, self)
        finally:
            QApplication.restoreOverrideCursor()

    def link_dialog(self, a: str, b: str):
        """Return the dialog that asks how two racks are linked (not yet shown)."""
        from designer.dialogs.link_dialog import LinkDialog, link_ends

        doc = self.document
        a_ends, b_ends = (link_ends(doc.committed_layout, doc.catalog, doc.analysis, r)
                          for r in (a, b))
        return LinkDialog(a, b, a_ends, b_ends, self)

    def _build_menus(self) -> None:
        a = self.actions_by_name
        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([a["new"], a["new_template"], a["open"]])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.setToolTipsVisible(True)  # the full path of each file
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addMenu(self.recent_menu)
        m.addSeparator()
        m.addActions([a["save"], a["save_as"]])
        m.addSeparator()
        m.addAction(a["export"])
        m.addSeparator()
        m.addActions([a["close"], a["quit"]])
        m = mb.addMenu("&Edit")
        m.addActions([a["undo"], a["redo"]])
        m.addSeparator()
        m.addActions([a["cut"], a["copy"], a["paste"], a["duplicate"], a["delete"]])
        m.addSeparator()
        m.addActions([a["select_all"], a["find"], a["rotate"], a["rotate_back"]])
        m.addSeparator()
        al = m.addMenu("Ali&gn")
        al.addActions(self.align_actions[:6])
        al.addSeparator()
        al.addAction(self.align_actions[6])
        al.addSeparator()
        al.addActions(self.align_actions[7:])
        m.addSeparator()
        m.addActions([a["link"], a["fabric"]])
        m.addAction(a["snap"])
        m = mb.addMenu("&Draw")
        m.addActions(list(self.draw_actions.values()))
        m.addSeparator()
        m.addAction(a["outline"])
        m = mb.addMenu("&View")
        ov = m.addMenu("&Overlays")
        ov.addActions(list(self.overlay_actions.values()))
        col = m.addMenu("&Colour racks by")
        col.addActions(list(self.metric_actions.values()))
        m.addSeparator()
        m.addActions([a["fit"], a["zoom_sel"], a["zoom_in"], a["zoom_out"]])
        m.addSeparator()
        self.panels_menu = m.addMenu("&Panels")
        h = mb.addMenu("&Help")
        h.addAction(self._action("&Mouse and keys", self.show_gestures, "F1"))
        h.addAction(self._action("&About Rackscape", self._about))

    def _build_toolbars(self) -> None:
        a = self.actions_by_name
        tb = QToolBar("Main", self)
        tb.setObjectName("toolbar-main")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        tb.addActions([a["new"], a["open"], a["save"]])
        tb.addSeparator()
        tb.addActions([a["undo"], a["redo"]])
        tb.addSeparator()
        tb.addActions([a["rotate"], a["delete"], a["fit"]])
        draw = QToolButton()
        draw.setText("Draw")
        draw.setToolTip("Draw a cable tray, busway, wall, keep-out zone or columns")
        draw.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(draw)
        menu.addActions(list(self.draw_actions.values()))
        menu.addSeparator()
        menu.addAction(a["outline"])  # as the Draw menu has it
        draw.setMenu(menu)
        tb.addWidget(draw)
        tb.addSeparator()
        tb.addWidget(QLabel(" Generation "))
        self.generation_box = QComboBox()
        self.generation_box.setToolTip("Hardware generation of the design (filters the catalog)")
        # the order the palette lists them in: as they shipped, then a user catalog's
        from designer.panels.common import gpu_generations

        for g in gpu_generations(self.document.catalog):
            self.generation_box.addItem(_generation_label(g), g)
        self.generation_box.activated.connect(self._generation_chosen)
        tb.addWidget(self.generation_box)
        tb.addSeparator()
        tb.addWidget(QLabel(" Colour by "))
        self.metric_box = QComboBox()
        for key in METRICS:
            self.metric_box.addItem(METRIC_LABELS.get(key, key), key)
        self.metric_box.activated.connect(
            lambda i: self.set_metric(self.metric_box.itemData(i)))
        tb.addWidget(self.metric_box)
        self.addToolBar(tb)
        ob = QToolBar("Overlays", self)
        ob.setObjectName("toolbar-overlays")
        ob.setMovable(False)
        ob.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        ob.addWidget(QLabel(" Overlays "))
        ob.addActions(list(self.overlay_actions.values()))
        self.addToolBar(ob)
        fb = QToolBar("Find", self)
        fb.setObjectName("toolbar-find")
        fb.setMovable(False)
        from designer.findbox import FindBox

        self.find_box = FindBox(self.document, fb)
        self.find_box.found.connect(self._show_found)
        self.find_box.missed.connect(lambda note: self.statusBar().showMessage(note, REFUSAL_MS))
        fb.addWidget(self.find_box)
        self.addToolBar(fb)
        self.toolbars = [tb, ob, fb]

    def _build_status(self) -> None:
        sb = _StatusBar(self)
        self.setStatusBar(sb)
        self.totals_label = QLabel()
        self.totals_label.setTextFormat(Qt.TextFormat.RichText)
        self.coords_label = QLabel("x —  y —")
        self.coords_label.setMinimumWidth(150)
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(70)
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(90)
        self._busy.setMaximumHeight(14)
        self._busy.setToolTip("Analyzing…")
        self._busy.hide()
        # the drawing tool on, for as long as it is: its hint in the note gives way to
        # the next message, and a click then still places (a column a click)
        self.tool_label = QLabel()
        self.tool_label.setStyleSheet("QLabel { background: #fff3c4; color: #5d4200; "
                                      "border: 1px solid #e0c060; border-radius: 3px; "
                                      "padding: 0 6px; }")
        self.tool_label.setToolTip("The drawing tool on: Esc ends it")
        self.tool_label.hide()
        self.scene.tool_changed.connect(self._show_tool)
        sb.addPermanentWidget(self.tool_label)
        sb.addPermanentWidget(self._busy)
        sb.addPermanentWidget(self.totals_label)
        sb.addPermanentWidget(self.coords_label)
        sb.addPermanentWidget(self.zoom_label)

    def _show_tool(self, title: str) -> None:
        """Show the drawing tool on in the status bar ("" hides it)."""
        if title:
            self.tool_label.setText(f"{title[:1].upper()}{title[1:]} tool · Esc ends")
        self.tool_label.setVisible(bool(title))

    def _build_docks(self) -> None:
        areas = {"left": Qt.DockWidgetArea.LeftDockWidgetArea,
                 "right": Qt.DockWidgetArea.RightDockWidgetArea,
                 "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}
        placed: dict[str, QDockWidget] = {}
        for module, cls_name, title, area in PANELS:
            try:
                cls = getattr(importlib.import_module(module), cls_name)
                panel = cls(self.document, parent=None)
            except Exception as exc:  # a missing or broken panel must not stop the window
                self.panel_errors[cls_name] = f"{type(exc).__name__}: {exc}"
                continue
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{cls_name}")
            dock.setWidget(panel)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            if area in placed:
                orient = (Qt.Orientation.Vertical if area == "right"
                          else Qt.Orientation.Horizontal)
                self.addDockWidget(areas[area], dock)
                self.splitDockWidget(placed[area], dock, orient)
            else:
                self.addDockWidget(areas[area], dock)
                placed[area] = dock
            self.panels[cls_name] = panel
            self.docks[cls_name] = dock
            self.panels_menu.addAction(dock.toggleViewAction())
            if hasattr(panel, "status_message"):  # refusals say why in the status bar too
                panel.status_message.connect(
                    lambda msg: self.statusBar().showMessage(msg, REFUSAL_MS))
            if cls_name == "RulePanel" and hasattr(panel, "zoom_requested"):
                panel.zoom_requested.connect(self.zoom_to_items)
            if cls_name == "PalettePanel" and hasattr(panel, "entry_activated"):
                # Enter or a double-click on an entry: a drop at the plan's visible centre
                panel.entry_activated.connect(self.view.place_entry)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._size_docks()

    def _install_extensions(self) -> None:
        """Let optional packages add their actions (the template library's menus)."""
        for module in ("designer.library",):
            try:
                importlib.import_module(module).install(self)
            except Exception as exc:  # an optional add-on must not stop the window
                self.panel_errors[module] = f"{type(exc).__name__}: {exc}"

    def _size_docks(self) -> None:
        d = self.docks
        if "PalettePanel" in d:
            self.resizeDocks([d["PalettePanel"]], [270], Qt.Orientation.Horizontal)
        right = [d[k] for k in ("InspectorPanel", "RackElevationPanel") if k in d]
        if right:
            self.resizeDocks(right[:1], [330], Qt.Orientation.Horizontal)
        if len(right) == 2:
            self.resizeDocks(right, [430, 330], Qt.Orientation.Vertical)
        bottom = [d[k] for k in ("DashboardPanel", "RulePanel") if k in d]
        if bottom:
            self.resizeDocks(bottom[:1], [self._dashboard_height()], Qt.Orientation.Vertical)
        if len(bottom) == 2 and not self.is_bottom_tabbed():
            self.resizeDocks(bottom, [640, 360], Qt.Orientation.Horizontal)
            # the dashboard keeps its share of the bottom when the window is resized
            # (Qt gives width back in proportion to what is left, so a window shrunk and
            # grown again would leave the dashboard narrow); a splitter drag sets the share
            self._bottom_share = 0.64
            self._window_w = self.width()
            bottom[0].installEventFilter(self)

    def childEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().childEvent(event)
        # every file dialog of the window (Open, Save As, Export, bundles) opens at a
        # size whose columns read whole, the QFileDialog.get... ones included
        if event.type() == QEvent.Type.ChildPolished:
            child = event.child()
            if isinstance(child, QFileDialog):
                from designer.dialogs.file_dialogs import fit_file_dialog_on_show

                fit_file_dialog_on_show(child)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and obj is self.docks.get("DashboardPanel") \
                and self.width() == getattr(self, "_window_w", -1):
            pair = self._bottom_pair()
            if pair is not None:
                total = pair[0].width() + pair[1].width()
                if total > 0:
                    self._bottom_share = pair[0].width() / total
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if hasattr(self, "_bottom_share") and event.size().width() != event.oldSize().width():
            self._window_w = -1  # the docks follow the window: not a splitter drag
            grew = event.oldSize().width() > 0 and event.size().width() > event.oldSize().width()
            width = event.size().width()
            # a later resize brings its own call: this one is then stale and does nothing
            QTimer.singleShot(0, lambda: self.width() == width and self._rebalance_bottom(grew))
        if event.oldSize().height() > 0 and event.size().height() > event.oldSize().height():
            height = event.size().height()
            QTimer.singleShot(0, lambda: self.height() == height and self._regrow_dashboard())
        if event.size().height() != event.oldSize().height():
            height = event.size().height()
            shrank = 0 < height < event.oldSize().height()
            QTimer.singleShot(0, lambda: self.height() == height
                              and self.arrange_for_height(shrank))

    # -- docks at small window heights -----------------------------------------------------------

    def is_compact(self) -> bool:
        """Whether the window is short enough for the bottom panels to share tabs."""
        return self.height() < COMPACT_HEIGHT

    def is_bottom_tabbed(self) -> bool:
        """Whether the dashboard and the rule panel share one tabbed area."""
        dash, rules = self.docks.get("DashboardPanel"), self.docks.get("RulePanel")
        return dash is not None and rules is not None and \
            rules in self.tabifiedDockWidgets(dash)

    def arrange_for_height(self, shrank: bool = False) -> None:
        """Give the floor plan priority in a short window: below :data:`COMPACT_HEIGHT`
        the dashboard and the rule panel go into one tabbed area (the dashboard in front)
        as high as :data:`COMPACT_BOTTOM_SHARE` of the window; above it, panels tabbed
        that way go back side by side. A window made smaller takes height back from the
        bottom panels when the plan has less than :data:`MIN_VIEW_SHARE` of it. Panels
        the user has moved, floated or closed stay as they are."""
        compact = self.is_compact()
        changed = compact != self._compact
        self._compact = compact
        if changed and compact:
            self._tabify_bottom()
        elif changed and self._auto_tabbed:
            self._untabify_bottom()
        if changed or shrank:
            self._cap_bottom(compact)

    def _docked_bottom(self, dock: QDockWidget | None) -> bool:
        return dock is not None and not dock.isFloating() and \
            self.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea

    def _tabify_bottom(self) -> None:
        pair = self._bottom_pair()
        if pair is None or self.is_bottom_tabbed():
            return
        dash, rules = pair
        self.tabifyDockWidget(dash, rules)
        dash.raise_()
        self._auto_tabbed = True

    def _untabify_bottom(self) -> None:
        self._auto_tabbed = False
        dash, rules = self.docks.get("DashboardPanel"), self.docks.get("RulePanel")
        if not self.is_bottom_tabbed() or not (self._docked_bottom(dash)
                                               and self._docked_bottom(rules)):
            return
        was_open = rules.toggleViewAction().isChecked()
        self.removeDockWidget(rules)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, rules)  # beside it
        rules.setVisible(was_open)
        self.resizeDocks([dash], [self._dashboard_height()], Qt.Orientation.Vertical)
        QTimer.singleShot(0, self._rebalance_bottom)

    def _cap_bottom(self, compact: bool) -> None:
        dock = self.docks.get("DashboardPanel")
        if not self._docked_bottom(dock) or not dock.isVisible():
            return
        target = self._dashboard_height()
        room = self.view.height() + dock.height()
        if dock.height() > target and (compact or self.view.height() < MIN_VIEW_SHARE * room):
            self.resizeDocks([dock], [target], Qt.Orientation.Vertical)

    def _regrow_dashboard(self) -> None:
        """Give the dashboard back the height a small window took (its charts were left
        cut off at the bottom when the window grew again)."""
        dock = self.docks.get("DashboardPanel")
        if dock is None or not dock.isVisible() or dock.isFloating() or \
                self.dockWidgetArea(dock) != Qt.DockWidgetArea.BottomDockWidgetArea:
            return
        target = self._dashboard_height()
        if dock.height() < target:
            self.resizeDocks([dock], [target], Qt.Orientation.Vertical)

    def _dashboard_height(self) -> int:
        if self.is_compact():
            # a short window: the headline figures and what of the charts fits; the plan
            # keeps the rest
            return max(200, round(self.height() * COMPACT_BOTTOM_SHARE))
        # tall enough for the headline figures and a whole row of charts, when the window
        # has room for it
        panel = self.panels.get("DashboardPanel")
        want = panel.sizeHint().height() + 30 if panel is not None else 0
        return max(250, min(round(self.height() * 0.42), max(want, round(self.height() * 0.34))))

    def _bottom_pair(self) -> list[QDockWidget] | None:
        """The dashboard and the rule panel when they stand side by side at the bottom."""
        pair = [self.docks.get(k) for k in ("DashboardPanel", "RulePanel")]
        if any(d is None or not d.isVisible() or d.isFloating() for d in pair) or \
                self.is_bottom_tabbed() or \
                any(self.dockWidgetArea(d) != Qt.DockWidgetArea.BottomDockWidgetArea
                    for d in pair):
            return None
        return pair

    def _rebalance_bottom(self, grew: bool = False) -> None:
        if grew:
            # side panels squeezed by a small window get their width back as it grows;
            # the bottom pair is shared out once that layout has settled
            squeezed = False
            for key, width in (("PalettePanel", 270), ("InspectorPanel", 330)):
                dock = self.docks.get(key)
                if dock is not None and dock.isVisible() and not dock.isFloating() \
                        and dock.width() < width:
                    self.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
                    squeezed = True
            if squeezed:
                QTimer.singleShot(0, self._rebalance_bottom)
                return
        pair = self._bottom_pair()
        if pair is not None:
            total = pair[0].width() + pair[1].width()
            first = round(total * self._bottom_share)
            self.resizeDocks(pair, [first, total - first], Qt.Orientation.Horizontal)
        self._window_w = self.width()

    def _fit_screen(self) -> None:
        """Size the window to the screen it opens on: as it is (1600 x 1000 at first, a
        saved size later) where that fits, else the screen's free area (a 1280 x 800 laptop
        shows every panel and the status bar), on the screen."""
        fit_to_screen(self)

    def _restore_state(self) -> None:
        s = QSettings()
        geo = s.value("window/geometry")
        state = s.value("window/state")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)  # saved on a larger screen: fitted below
        self._fit_screen()
        if isinstance(state, QByteArray):
            self._state_restored = self.restoreState(state)
            # panels a short window put in tabs go back side by side in a taller one
            self._auto_tabbed = self._state_restored and \
                str(s.value("window/bottom_auto_tabbed", "false")).lower() == "true"

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not getattr(self, "_shown_once", False):
            self._shown_once = True
            if not self._state_restored:
                # the docks were sized for the window's default height, before it had its own
                QTimer.singleShot(0, self._regrow_dashboard)

    # -- title, status ---------------------------------------------------------------------------

    def _update_title(self, *_: object) -> None:
        doc = self.document
        name = doc.path.name if doc.path else doc.layout.name
        self.setWindowTitle(f"{name}[*] — Rackscape")
        self.setWindowModified(doc.is_modified)

    def _update_totals(self, a: Any) -> None:
        sev = a.violations_by_severity()
        it_mw = a.power.it_kw / 1000.0
        err, warn = sev.get("error", 0), sev.get("warning", 0)
        color = "#c62828" if err else ("#b26a00" if warn else "#2e7d32")
        viol = (f"{err} error{'s' * (err != 1)}, {warn} warning{'s' * (warn != 1)}"
                if err or warn else "no violations")
        pue = f"{a.power.pue:.2f}" if a.power.it_kw > 0 else "—"  # no load: no ratio
        bound = "≥ " if a.power.is_lower_bound else ""  # see dashboard
        self.totals_label.setText(
            f"<b>{a.counts.get('gpus', 0):,}</b> GPUs · IT <b>{bound}{it_mw:,.2f} MW</b> · "
            f"PUE <b>{pue}</b> · <span style='color:{color}'>{viol}</span>  ")

    def _show_scene_message(self, text: str) -> None:
        # a drawing tool's or the outline mode's instructions stay while it is on; what a
        # finished gesture did is a note that times out
        busy = self.scene.tool is not None or self.scene.outline_editing
        self._mode_message = text if busy else None
        self.statusBar().showMessage(text, 0 if busy else NOTE_MS)

    def _end_mode_message(self, *_: object) -> None:
        """Clear a tool's instructions when its mode ended without a word (a new document,
        another tool)."""
        if self.scene.tool is None and not self.scene.outline_editing and \
                self._mode_message is not None:
            if self.statusBar().currentMessage() == self._mode_message:
                self.statusBar().clearMessage()
            self._mode_message = None

    def _on_fabric_note(self, text: str) -> None:
        # during the edit itself (a synchronous analysis): the same turn of the event loop
        self._fabric_note_now = text
        QTimer.singleShot(0, lambda: setattr(self, "_fabric_note_now", ""))
        if self._step_now:  # the step was named first: name it with what it did
            self.statusBar().showMessage(f"{self._step_now}. {text}", NOTE_MS)
            self._step_now = self._fabric_note_now = ""

    def _show_undo_step(self, index: int) -> None:
        before, self._undo_index = self._undo_index, index
        if index == before:
            return
        try:
            cmd = self.document.undo_stack.command(min(index, before))
            text = cmd.text() if cmd is not None else ""
        except RuntimeError:  # the stack or the window is going away (the application quits)
            return
        if not text:
            return
        stack = self.document.undo_stack
        if index < before:
            step = f"Undone: {text}"
            # what was undone can be redone: remembered, so its redo reads as one
            self._undone |= {id(stack.command(i)) for i in range(index, before)}
        elif id(cmd) in self._undone:
            step = f"Redone: {text}"
            self._undone.discard(id(cmd))
        else:
            step = done_text(text)
            self._undone = set()  # a new edit drops what could be redone
        self._step_now = step
        QTimer.singleShot(0, lambda: setattr(self, "_step_now", ""))
        # what the step did to a fabric, when its analysis came first, follows its name
        note, self._fabric_note_now = self._fabric_note_now, ""
        if note:
            self._step_now = ""  # paired: a later note belongs to another edit
        self.statusBar().showMessage(f"{step}. {note}" if note else step, NOTE_MS)

    def _forget_undo_step(self) -> None:
        self._undo_index = self.document.undo_stack.index()

    def _show_cursor(self, x: float, y: float) -> None:
        self.coords_label.setText(f"x {x:8.2f} m   y {y:8.2f} m")

    def _show_zoom(self, px_per_m: float) -> None:
        # a hall kilometres wide fits below 0.1 px/m: two figures, not "0.0 px/m"
        text = f"{px_per_m:.1f}" if px_per_m >= 1 else f"{px_per_m:.2g}"
        self.zoom_label.setText(f"{text} px/m")

    def _update_paste_action(self) -> None:
        """Paste is on while the clipboard holds Rackscape items."""
        act = getattr(self, "actions_by_name", {}).get("paste")
        if act is None:
            return
        try:
            mime = QApplication.clipboard().mimeData()
        except RuntimeError:  # the clipboard is going away with the application
            return
        act.setEnabled(mime is not None and (mime.hasFormat(MIME_ITEMS)
                                             or mime.text().lstrip().startswith("{")))

    def _update_selection_actions(self, ids: list) -> None:
        has = bool(ids)
        for key in ("cut", "copy", "duplicate", "delete", "rotate", "rotate_back", "zoom_sel"):
            self.actions_by_name[key].setEnabled(has)
        for k, act in enumerate(self.align_actions):
            # a row's line needs one rack; edges two items; equal gaps three
            act.setEnabled(len(ids) > (0 if k == 6 else 2 if k > 6 else 1))
        if len(ids) > 1:
            self.statusBar().showMessage(
                f"{noun([self.document.item_group(i) or '' for i in ids])} selected", NOTE_MS)

    def _on_items_changed(self, ids: list) -> None:
        if edits.LAYOUT_ID in ids:
            self._sync_generation()
            self._update_title()

    def _sync_generation(self) -> None:
        gen = self.document.layout.generation
        k = self.generation_box.findData(gen)
        if k < 0:
            self.generation_box.addItem(_generation_label(gen), gen)
            k = self.generation_box.count() - 1
        self.generation_box.setCurrentIndex(k)

    def _generation_chosen(self, index: int) -> None:
        gen = self.generation_box.itemData(index)
        lay = self.document.layout
        if not gen or gen == lay.generation:
            return
        # a design with hardware keeps it when only its label changes: offer the
        # retarget, which maps the hardware, before relabelling
        choice = self.ask_generation_change(gen) if any(
            r.devices or r.system for r in lay.racks) else "label"
        if choice == "label":
            self.document.set_field([edits.LAYOUT_ID], "generation", gen)
            return
        self._sync_generation()  # the box shows the design's generation again
        if choice == "retarget":
            from designer.library.retarget import retarget_action

            retarget_action(self, gen)

    def ask_generation_change(self, gen: str) -> str:
        """Ask how to change the design's generation: ``"retarget"``, ``"label"`` or
        ``"cancel"``."""
        box = QMessageBox(QMessageBox.Icon.Question, "Change generation",
                          f"Change this design to {_generation_label(gen)}?", parent=self)
        box.setInformativeText(
            "Retarget maps every GPU server, rack-scale system and switch to its "
            f"{_generation_label(gen)} equivalent in a new window. Changing only the "
            "label keeps the hardware as it is, and the check then flags hardware of "
            "another generation (GEN-MIXED).")
        retarget = box.addButton("Retarget…", QMessageBox.ButtonRole.AcceptRole)
        label = box.addButton("Change the label only", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(retarget)
        box.exec()
        clicked = box.clickedButton()
        return "retarget" if clicked is retarget else "label" if clicked is label else "cancel"

    # -- view ----------------------------------------------------------------------------------------

    def start_drawing(self, kind: str) -> None:
        """Start drawing a tray, busway, wall or keep-out zone on the floor plan."""
        self.scene.start_tool(kind)
        self.view.setFocus()

    def set_overlay(self, key: str, on: bool) -> None:
        """Show or hide an overlay (keeps the menu and toolbar in step)."""
        act = self.overlay_actions[key]
        if act.isChecked() != on:
            act.setChecked(on)  # re-enters through toggled
            return
        self.scene.set_overlay(key, on)

    def set_metric(self, key: str) -> None:
        """Colour racks by a metric (keeps the menu and toolbar in step)."""
        self.scene.set_metric(key)
        self.metric_actions[key].setChecked(True)
        self.metric_box.setCurrentIndex(self.metric_box.findData(key))

    def _show_found(self, result, query: str) -> None:
        """Select what the find box found and zoom to it; say how much it was."""
        self.zoom_to_items(list(result.ids))
        self.statusBar().showMessage(f"Find '{query}': {result.describe()}", REFUSAL_MS)

    def zoom_to_items(self, ids: list) -> None:
        """Select items and show them (the rule panel's request)."""
        self.document.select(ids)
        self.view.zoom_to(list(ids))

    def _toggle_snap(self) -> None:
        self.scene.snap_enabled = self.actions_by_name["snap"].isChecked()

    # -- edit ----------------------------------------------------------------------------------------

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (InputError, ValueError, KeyError) as exc:
            self.statusBar().showMessage(str(exc), REFUSAL_MS)
            return None

    def delete_selection(self) -> None:
        """Delete the selected items."""
        self._guard(lambda: self.document.remove_items(self.document.selection))

    def _align_to_rows(self) -> None:
        """Edit → Align → Into the row's line; say so when nothing needs to move."""
        ids = list(self.document.selection)
        if self._guard(lambda: self.document.align_to_rows(ids)) is not False:
            return  # moved, or refused with the reason shown
        in_rows = [i for i in ids if getattr(self.document.item(i), "row", None)]
        self.statusBar().showMessage(
            "The selected racks stand in their rows' lines already" if in_rows else
            "None of the selected racks is in a row: there is no line to set them in",
            NOTE_MS)

    def rotate(self, delta: int) -> None:
        """Turn the selection by ``delta`` degrees; say what it now stands on."""
        ids = list(self.document.selection)
        before = set(edits.overlapped(self.document.layout, ids, self.document.catalog))
        if self._guard(lambda: self.document.rotate_items(ids, delta)):
            note = self._overlap_note(ids, before)
            if note:
                self.statusBar().showMessage(
                    f"{done_text(self.document.undo_stack.undoText())}{note}", NOTE_MS)

    def select_all(self) -> None:
        """Select every item on the floor plan."""
        self.document.select([it.model_id for it in self.scene.model_items()])

    def duplicate(self) -> None:
        """Copy the selection beside itself: racks and floor units as Paste puts them
        beside their originals, in the first free place along their row, facing the same
        way (:func:`engine.edits.beside_offset`); trays, busways and obstacles alone one
        aisle below, in whole floor tiles."""
        ids = list(self.document.selection)
        boxes = [self.scene.item_for(i).plan_box() for i in ids if self.scene.item_for(i)]
        if not boxes:
            return
        off = edits.beside_offset(self.document.layout, ids, self.document.catalog)
        if off is None and len(self._footprint_boxes(ids)):
            # racks or units with no free place beside them: never stack the copies on
            # what stands there
            self.statusBar().showMessage(
                "No free place beside the selection for its copies (the row is full to "
                "its units or walls, and so are the rows across): copy it and paste it "
                "where it goes", NOTE_MS)
            return
        if off is None:
            g = self.scene.grid_m or 0.6
            height = max(b[3] for b in boxes) - min(b[1] for b in boxes)
            gap = self.document.layout.assumptions.aisle_clearance_m
            off = (0.0, -round(math.ceil((height + gap) / g - 1e-6) * g, 6))
        fresh, note = noting_fabric(self.document, lambda: self._guard(
            lambda: self.document.duplicate(ids, off)))
        if fresh:
            n = len(fresh)
            self.statusBar().showMessage(f"Duplicated {n} item{'s' * (n != 1)}"
                                         f"{self._overlap_note(fresh)}{note}", NOTE_MS)

    def copy(self) -> None:
        """Copy the selection to the clipboard."""
        payload = self.document.copy(self.document.selection)
        if not payload:
            return
        mime = QMimeData()
        data = json.dumps(payload).encode("utf-8")
        mime.setData(MIME_ITEMS, QByteArray(data))
        mime.setText(data.decode("utf-8"))
        QApplication.clipboard().setMimeData(mime)
        n = sum(len(v) for v in payload.values())
        self.statusBar().showMessage(f"Copied {n} item{'s' * (n != 1)}", NOTE_MS)

    def cut(self) -> None:
        """Copy the selection, then delete what was copied.

        Links and fabrics are not cut on their own (a pasted link needs its racks; a
        fabric is the layout's, Delete removes it): they stay, and the note says so. A
        link between two cut racks goes with them and comes back with the paste.
        """
        sel = list(self.document.selection)
        payload = self.document.copy(sel)
        copied = {str(d.get("id")) for items in payload.values() for d in items}
        left = [i for i in sel if i not in copied and self.document.item_group(i) in
                ("links", "fabrics")]
        if not copied:
            if left:
                self.statusBar().showMessage(
                    f"Cut takes racks, units, feeds, trays and walls: {', '.join(left[:3])}"
                    f"{' …' if len(left) > 3 else ''} stay{'s' * (len(left) == 1)} "
                    "(Delete removes a link or fabric)", REFUSAL_MS)
            return
        self.copy()
        # the copied items: a link between two of them goes with its racks
        if self._guard(lambda: self.document.remove_items(
                [i for i in sel if i in copied], "Cut")) and left:
            self.statusBar().showMessage(
                f"{done_text(self.document.undo_stack.undoText())}; "
                f"{', '.join(left[:3])}{' …' if len(left) > 3 else ''} "
                f"stay{'s' * (len(left) == 1)} (Cut does not take a link or fabric on its "
                "own)", NOTE_MS)

    def paste(self) -> None:
        """Paste items from the clipboard at the cursor (or one tile off)."""
        mime = QApplication.clipboard().mimeData()
        if mime is None:
            return
        try:
            raw = bytes(mime.data(MIME_ITEMS).data()) if mime.hasFormat(MIME_ITEMS) \
                else mime.text().encode("utf-8")
            payload = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            payload = None
        payload = edits.clipboard_payload(payload)
        if payload is None:  # text, or JSON that is not items (a layout file's text)
            self.statusBar().showMessage("The clipboard holds no Rackscape items", NOTE_MS)
            return
        before = self.document.undo_stack.index()
        _done, note = noting_fabric(self.document, lambda: self._guard(
            lambda: self.document.paste(payload, self._paste_offset(payload))))
        if self.document.undo_stack.index() != before:
            fresh = list(self.document.selection)
            n = len(fresh)
            self.statusBar().showMessage(f"Pasted {n} item{'s' * (n != 1)}"
                                         f"{self._overlap_note(fresh)}{note}", NOTE_MS)

    def _overlap_note(self, ids: list[str], before: set[str] | None = None) -> str:
        """Say what items ``ids`` were put on ("" when on free floor); with ``before``
        (what they stood on before an edit), what they now stand on besides."""
        hit = [i for i in edits.overlapped(self.document.layout, ids, self.document.catalog)
               if before is None or i not in before]
        if not hit:
            return ""
        names = ", ".join(hit[:3]) + (" …" if len(hit) > 3 else "")
        now = "" if before is None else " now"
        verb = "overlap" if len(ids) > 1 else "overlaps"
        return f"; {'they' if len(ids) > 1 else 'it'}{now} {verb} {names} (see the rules)"

    def _paste_offset(self, payload: dict) -> tuple[float, float]:
        pts = []
        for items in payload.values():
            for it in items:
                if "x_m" in it:
                    pts.append((it["x_m"], it["y_m"]))
                for key in ("points", "polygon"):
                    pts.extend(tuple(p) for p in it.get(key) or [])
        g = self.scene.grid_m or 0.6
        if not pts:
            return (g, -g)
        x0, y0, x1, y1 = self.document.layout.hall.bounds()
        inside = self._in_hall()
        at = self.view.cursor_plan_point()
        cx = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2
        cy = (min(p[1] for p in pts) + max(p[1] for p in pts)) / 2
        if at is None or not inside(*at):
            # not over the hall: items cut from the plan go back where they stood (their
            # place is free, or the paste names what took it); copies one tile off the
            # originals while that stays in the hall, else centred in the view (on the
            # hall when the view shows none of it)
            ids = [str(d.get("id", "")) for items in payload.values() for d in items]
            if ids and not any(self.document.item(i) is not None for i in ids):
                return (0.0, 0.0)
            if all(inside(x + g, y - g) for x, y in pts):
                return self._beside_originals(payload, (g, -g))
            at = self.view.visible_plan_centre()
            if not inside(*at):
                at = ((x0 + x1) / 2, (y0 + y1) / 2)
        off = (float(edits.snap(at[0] - cx, g)), float(edits.snap(at[1] - cy, g)))
        ids = [str(d.get("id", "")) for items in payload.values() for d in items]
        own = self._footprint_boxes(ids)
        if len(own):
            # as a drag does: onto the edge of a rack or unit a few pixels away (the end
            # of a row), else whole grid steps
            box = (float(own[:, 0].min()), float(own[:, 1].min()),
                   float(own[:, 2].max()), float(own[:, 3].max()))
            off = self.scene.snap_delta(at[0] - cx, at[1] - cy, box,
                                        self.scene.footprint_boxes())
        return self._beside_originals(payload, off)

    def _beside_originals(self, payload: dict, off: tuple[float, float]) -> tuple[float, float]:
        """Return ``off``, or, when the copy would land on its originals (a paste with
        the mouse still over them), the first free place beside them along their row, as
        Duplicate places a copy (:func:`engine.edits.beside_offset`)."""
        ids = [str(d.get("id", "")) for items in payload.values() for d in items]
        boxes = self._footprint_boxes(ids)
        if not len(boxes):
            return off
        w = float(boxes[:, 2].max() - boxes[:, 0].min())
        d = float(boxes[:, 3].max() - boxes[:, 1].min())
        if abs(off[0]) >= w - 1e-6 or abs(off[1]) >= d - 1e-6:
            return off  # clear of the originals already
        return edits.beside_offset(self.document.layout, ids, self.document.catalog) or off

    def _footprint_boxes(self, ids: list[str]) -> np.ndarray:
        """Plan boxes ``(minx, miny, maxx, maxy)`` of the racks and floor units of ``ids``."""
        return self.scene.footprint_boxes(only=ids)

    def _in_hall(self) -> Callable[[float, float], bool]:
        """Return whether a plan point lies within the hall's bounding box."""
        x0, y0, x1, y1 = self.document.layout.hall.bounds()
        return lambda x, y: x0 <= x <= x1 and y0 <= y <= y1

    # -- files ---------------------------------------------------------------------------------------

    def _maybe_save(self) -> bool:
        """Ask to save unsaved changes; return False when the user cancels."""
        if not self.document.is_modified or self._force_close:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to “{self.windowTitle().split('[*]')[0]}”?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Your changes are lost if you don't save them.")
        choice = box.exec()
        if choice == QMessageBox.StandardButton.Save:
            return self.save()
        return choice == QMessageBox.StandardButton.Discard

    def new_blank(self) -> None:
        """File > New blank hall."""
        from designer.dialogs import NewHallDialog

        # as Open does: the question first, so a Cancel there costs nothing typed
        if not self._maybe_save():
            return
        dlg = NewHallDialog(self)
        if dlg.exec():
            name, w, d, tile = dlg.values()
            lay = LayoutDocument.blank_layout(w, d, name)
            lay = lay.model_copy(update={"hall": lay.hall.model_copy(update={"tile_m": tile})})
            self.document.set_layout(lay)

    def new_from_template(self) -> None:
        """File > New from template: the library's dialog with its live preview."""
        from designer.library import new_from_template_action

        new_from_template_action(self)

    def open_dialog(self) -> None:
        """File > Open."""
        if not self._maybe_save():
            return
        start = str(self.document.path.parent) if self.document.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open layout", start, _FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a layout file, offering a newer recovery copy of it; report errors."""
        try:
            self.document.open(path)
        except InputError as exc:
            from designer.dialogs.open_error import show_open_error

            show_open_error(self, exc)
            return False
        self._add_recent(Path(path))
        # the note of the last file saved or opened is not this one's
        n = len(self.document.layout.racks)
        self.statusBar().showMessage(f"Opened {path}: {n:,} rack{'s' * (n != 1)}", NOTE_MS)
        self.offer_recovery(ask=True)
        return True

    def save(self) -> bool:
        """File > Save (asks for a name the first time)."""
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        """File > Save As."""
        from designer.dialogs.save_file import ask_save_path

        path = ask_save_path(self, "Save layout", self.proposed_save_path(), _FILTER, "json")
        if path is None:
            return False
        return self._save_to(path)

    def proposed_save_path(self) -> Path:
        """Return the file Save As starts from: the design's own file; else
        :attr:`save_suggestion`, or a name from the design's, in the folder of the file
        used last (the home folder when there is none)."""
        doc = self.document
        if doc.path is not None:
            return doc.path
        sugg = self.save_suggestion
        if sugg is not None and sugg.is_absolute():
            return sugg
        # a template's name "DGX H100 hall (racks=16, racks_per_row=8)" becomes
        # "dgx-h100-hall-racks-16-racks-per-row-8"; a name of the user's own is kept
        name = sugg.name if sugg is not None else f"{design_file_stem(doc.layout.name)}.json"
        folder = next((p for p in (Path(f).parent for f in self._recent()) if p.is_dir()),
                      Path.home())
        return folder / name

    def _forget_save_suggestion(self) -> None:
        # another design now: whoever replaced the layout proposes its own name after this
        self.save_suggestion = None

    def _save_to(self, path: Path) -> bool:
        doc = self.document
        if doc.path is not None and Path(path) == doc.path and doc.changed_on_disk():
            # another window or program wrote the file since it was opened or saved here
            box = QMessageBox(QMessageBox.Icon.Warning, "File changed on disk",
                              f"“{Path(path).name}” was changed on disk after you opened or "
                              "last saved it here (another Rackscape window or another "
                              "program wrote it). Replace it with this design?",
                              QMessageBox.StandardButton.Save
                              | QMessageBox.StandardButton.Cancel, self)
            box.button(QMessageBox.StandardButton.Save).setText("Replace")
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.setInformativeText("Cancel keeps both: Save As writes this design elsewhere.")
            if box.exec() != QMessageBox.StandardButton.Save:
                return False
        try:
            self.document.save(path)
        except (OSError, InputError) as exc:
            from designer.dialogs.save_file import save_error_text

            QMessageBox.critical(self, "Cannot save", save_error_text(path, exc))
            return False
        self._add_recent(path)
        if self.document.recovery_error:
            self.statusBar().showMessage(f"Saved {path}. Crash recovery is off: "
                                         f"{self.document.recovery_error}.", 60_000)
        else:
            self.statusBar().showMessage(f"Saved {path}", NOTE_MS)
        return True

    def export(self) -> None:
        """File > Export: the reports dialog, when the reports module is installed."""
        try:
            reports = importlib.import_module("designer.reports")
            export_dialog = reports.export_dialog
        except (ImportError, AttributeError):
            self.statusBar().showMessage("Reports are not available in this build", REFUSAL_MS)
            return
        files = export_dialog(self)
        if files:
            self.statusBar().showMessage(exported_message(files), 20000)

    def _recent(self) -> list[str]:
        val = QSettings().value("recent_files", [])
        if isinstance(val, str):
            val = [val]
        return [str(v) for v in (val or [])]

    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first in File → Recent."""
        self._add_recent(Path(path))

    def _add_recent(self, path: Path) -> None:
        p = str(Path(path).resolve())
        files = [p] + [f for f in self._recent() if f != p]
        QSettings().setValue("recent_files", files[:_MAX_RECENT])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self._recent()
        # the folder of each too: two halls of one name live in different folders
        for f, label in zip(files, recent_labels(files, home=str(Path.home())), strict=True):
            act = self.recent_menu.addAction(label)
            act.setToolTip(f)
            act.setStatusTip(f)
            act.setEnabled(Path(f).exists())
            act.triggered.connect(lambda _c=False, f=f: self._maybe_save() and self.open_path(f))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list",
                                       lambda: QSettings().setValue("recent_files", []))

    def offer_recovery(self, ask: bool = True) -> recovery.RecoveryFile | None:
        """Offer to restore an autosaved copy newer than the open file (after a crash)."""
        problems: list[recovery.RecoveryProblem] = []
        found = recovery.pending_recoveries(self.document.path,
                                            exclude=self.document.recovery_path,
                                            problems=problems)
        self.report_recovery_problems(problems)
        if not found:
            return None
        rec = found[0]
        if ask:
            saved = rec.document is not None
            if not saved:
                what = "An autosaved copy of a design that was never saved exists:"
            elif rec.is_older_than_file:
                what = "An autosaved copy differs from the file, which was saved after it:"
            else:
                what = "An autosaved copy is newer than the file:"
            box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes?",
                              f"A session ended with changes to this design unsaved. {what}",
                              parent=self)
            box.setInformativeText(rec.describe())
            restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
            box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
            box.exec()
            if box.clickedButton() is not restore:
                recovery.discard(rec)
                return None
        try:
            self.document.restore_recovery(rec)
        except InputError as exc:
            self._cannot_restore(rec, exc)
            return None
        self.statusBar().showMessage(f"Restored {rec.describe()}", NOTE_MS)
        return rec

    def _cannot_restore(self, rec: recovery.RecoveryFile, exc: InputError) -> None:
        """Say that an autosaved copy could not be opened, and that it is kept."""
        QMessageBox.warning(self, "Cannot restore", f"{rec.describe()} could not be restored: "
                            f"{exc}. The autosaved copy is kept in {rec.path}; it is offered "
                            "again at the next start (once the catalog has its hardware).")

    def offer_startup_recovery(self) -> recovery.RecoveryFile | None:
        """At start: offer the autosaved copies of every design a crashed session left.

        A bare start has no file to match them against, so all are listed (file
        name, time); Restore opens that design with its changes, Discard deletes
        the copy. Copies equal to their saved file were deleted without a word.
        """
        problems: list[recovery.RecoveryProblem] = []
        found = recovery.pending_recoveries(recovery.ANY_DOCUMENT,
                                            exclude=self.document.recovery_path,
                                            problems=problems)
        self.report_recovery_problems(problems)
        if not found:
            return None
        from designer.dialogs.recovery_dialog import RecoveryDialog

        dlg = RecoveryDialog(found, self)
        dlg.exec()
        rec, more = dlg.chosen, dlg.chosen_all[1:]
        dlg.deleteLater()
        # the keyboard comes back to the window (Ctrl+S right after, with or without a
        # window manager to hand it over)
        self.activateWindow()
        self.view.setFocus()
        if rec is None or not self._maybe_save():
            return None
        try:
            self.document.restore_recovery(rec)
        except InputError as exc:
            self._cannot_restore(rec, exc)
            return None
        if rec.document is not None:
            self._add_recent(rec.document)
        self.statusBar().showMessage(f"Restored {rec.describe()}", NOTE_MS)
        for other in more:  # each further design in a window of its own
            self._restore_in_new_window(other)
        return rec

    def _restore_in_new_window(self, rec: recovery.RecoveryFile) -> None:
        from designer.library.retarget import open_in_new_window

        try:
            layout, _info = recovery.read_recovery(rec.path)
            new = open_in_new_window(self, layout, unsaved=True)
            new.document.restore_recovery(rec)  # its file, and the recovery file goes
        except InputError as exc:
            self._cannot_restore(rec, exc)
            return
        if rec.document is not None:
            self._add_recent(rec.document)
        new.statusBar().showMessage(f"Restored {rec.describe()}", NOTE_MS)

    def report_recovery_problems(self, problems: list[recovery.RecoveryProblem]) -> None:
        """Say in the status bar which recovery files could not be offered and why (each
        file once a session: one kept for a newer Rackscape would otherwise come back at
        every Open)."""
        fresh = [p for p in problems if p.path not in self._reported_recoveries]
        if not fresh:
            return
        self._reported_recoveries.update(p.path for p in fresh)
        if len(fresh) == 1:
            text = f"Recovery file {fresh[0].describe()}"
        else:
            text = (f"{len(fresh)} recovery files could not be offered: "
                    + "; ".join(p.describe() for p in fresh))
        self.statusBar().showMessage(text, 60_000)

    # -- closing -------------------------------------------------------------------------------------

    def force_close(self) -> None:
        """Close without asking (tests, --screenshot, the quit timer)."""
        self._force_close = True
        self.close()

    def interrupt_close(self) -> bool:
        """Close without asking, as Ctrl+C in the terminal asks: unsaved changes go to
        the recovery file, kept for the next start; return whether there were any."""
        self.keep_recovery = self.document.is_modified
        self.force_close()
        return self.keep_recovery

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._maybe_save():
            event.ignore()
            return
        if not self._force_close:
            s = QSettings()
            s.setValue("window/geometry", self.saveGeometry())
            s.setValue("window/state", self.saveState())
            s.setValue("window/bottom_auto_tabbed", self._auto_tabbed)
        self.document.close(keep_recovery=getattr(self, "keep_recovery", False))
        event.accept()

    def show_gestures(self) -> QMessageBox:
        """Show the mouse gestures and keys of the floor plan (non-modal)."""
        rows = [
            ("Drag from the catalog", "place on the floor; onto a rack: install at a free U"),
            ("Drag an item", "move it (snaps to the grid and to nearby edges); Alt: freely; "
                             "Esc: cancel"),
            ("Click, Ctrl+click, drag on the floor", "select, add to the selection, "
                                                     "rubber band: drawn to the right it "
                                                     "takes what it contains, to the left "
                                                     "what it touches too"),
            ("Click a tray or busway, then drag it", "a tray or busway moves once picked; "
                                                      "a drag started on one not picked "
                                                      "draws a rubber band"),
            ("Alt+click on the selected item", "select the item underneath (a busway or "
                                               "tray under a rack); again: the next one"),
            ("Arrow keys", "move the selection one tile; Shift: 100 mm"),
            ("R, Shift+R", "rotate the selection by 90 degrees"),
            ("Wheel; Space+drag or middle drag; F; Z", "zoom about the cursor; pan; fit the "
                                                       "hall; fit the selection"),
            ("T, B, Shift+B, W, K", "draw a cable tray, A or B busway, wall, keep-out zone: "
                                    "click points, Enter or double-click to finish"),
            ("While drawing", "Shift: right angles; Alt: off the grid; Backspace: take back a "
                              "point; Esc: cancel"),
            ("Ctrl+R", "a row of racks like the selected one: click its two ends"),
            ("Shift+C", "place building columns, a click each; Esc ends"),
            ("Ctrl+L; Ctrl+Shift+F", "link the two selected racks; a new fabric over the "
                                     "selected racks"),
            ("M", "measure along clicked points"),
            ("Ctrl+F", "find by id, name, row (row:R03), hardware (qm9700), fabric "
                       "(fabric:compute) or kind (kind:cdu, kind:switch); Enter selects and "
                       "zooms, Esc clears it and goes back to the floor"),
            ("Handles of a selected tray, busway or obstacle", "drag a point; double-click: "
                                                                "remove it, or add one on an "
                                                                "edge (both snap to the grid; "
                                                                "Alt: off it)"),
            ("Ctrl+1 ... Ctrl+5", "overlays: power density, cooling zones, airflow, cables, "
                                  "violations"),
            ("Ctrl+Z, Ctrl+Shift+Z", "undo, redo (every edit, a whole drag being one)"),
            ("Delete; Ctrl+C, Ctrl+X, Ctrl+V; Ctrl+D", "delete the selection; copy, cut, "
                                                         "paste (at the cursor); duplicate "
                                                         "beside it"),
            ("Ctrl+Shift+N; Ctrl+E", "new design from a template; export a report"),
        ]
        html = "<table cellspacing='6'>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Mouse and keys", html,
                          QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setStyleSheet("QLabel { min-width: 660px; }")
        box.setModal(False)
        box.show()
        return box

    def _about(self) -> None:
        QMessageBox.about(self, "About Rackscape",
                          "<b>Rackscape</b><br>Desktop designer for AI data-center halls: live "
                          "power, cooling, cabling and bisection bandwidth per hardware "
                          "generation.")
