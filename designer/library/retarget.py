"""Tools → Retarget to generation: the open layout mapped to another generation, as a new document.

The dialog shows :meth:`engine.retarget.RetargetResult.summary` for the chosen
generation (what changed, what was dropped or kept, what could not be mapped)
before anything opens; OK opens the retargeted layout in a new window and
leaves the original as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.recent import design_file_stem
from engine.catalog import Catalog, default_catalog, generation_name
from engine.model import Layout
from engine.retarget import (
    FLAGSHIP_SERVER,
    FLAGSHIP_SYSTEM,
    OEM_SERVER,
    RetargetResult,
    default_server,
    generations,
    is_oem_box,
    retarget,
    server_choices,
)

__all__ = ["RetargetDialog", "device_namer", "gpu_servers_to_map", "open_in_new_window",
           "retarget_action", "retargeted_file", "summary_text"]


def _label(gen: str) -> str:
    return generation_name(gen)


def device_namer(catalog: Catalog) -> Callable[[str], str]:
    """Return a function naming a catalog device or rack type as the catalog does (a
    switch without its trailing "(NDR InfiniBand)": the family is the same either side
    of a retarget); ids the catalog lacks stay as they are."""
    def name(type_id: str) -> str:
        entry = catalog.devices.get(type_id) or catalog.racks.get(type_id)
        if entry is None:
            return type_id
        text = entry.name
        if getattr(entry, "role", "") == "switch":
            text = re.sub(r"\s*\([^)]*\)$", "", text) or entry.name
        return text

    return name


def summary_text(result: RetargetResult, catalog: Catalog) -> str:
    """Return ``result``'s summary as the dialog shows it: display names, not ids, and,
    beside the GPU server the GPU servers went to, the system the rack-scale systems
    went to."""
    name = device_namer(catalog)
    lines = result.summary(device_name=name, generation_name=_label).splitlines()
    # a list of hardware of unknown power that names none says nothing
    lines = [ln for ln in lines if not ln.strip().endswith("(counted as 0 W): , before and after")]
    systems = sorted({new for what in result.changes for old, _, new in [what.partition(" -> ")]
                      if getattr(catalog.devices.get(old), "role", "") == "rack_system"})
    if systems:
        at = next((k for k, ln in enumerate(lines) if ln.startswith("  IT power")), 1)
        lines.insert(at, f"  rack-scale systems to {', '.join(name(s) for s in systems)}")
    return "\n".join(lines)


def gpu_servers_to_map(layout: Layout, catalog: Catalog, generation: str) -> tuple[int, int]:
    """Return how many GPU servers of ``layout`` a retarget to ``generation`` maps (those
    of another generation) and how many rack-scale systems the layout has."""
    return _gpu_hardware(layout, catalog, generation)[:2]


def _gpu_hardware(layout: Layout, catalog: Catalog, generation: str) -> tuple[int, int, int]:
    """Return the GPU servers not of ``generation``, the rack-scale systems, and the GPUs
    of the servers and systems not of ``generation``, in one pass over the racks."""
    servers = systems = gpus = 0
    for rack in layout.racks:
        dev = catalog.devices.get(rack.system) if rack.system else None
        if dev is not None and dev.role == "rack_system":
            systems += 1
            gpus += dev.gpus if dev.generation != generation else 0
        for d in rack.devices:
            dev = catalog.devices.get(d.type)
            if dev is not None and dev.role == "gpu_server" and dev.generation != generation:
                servers += 1
                gpus += dev.gpus
    return servers, systems, gpus


class RetargetDialog(QDialog):
    """Choose a generation, read what retargeting changes; OK keeps :attr:`result`."""

    def __init__(self, layout: Layout, parent: QWidget | None = None,
                 catalog: Catalog | None = None) -> None:
        from designer.library.worker import TaskRunner

        super().__init__(parent)
        self.setWindowTitle("Retarget to generation")
        # the summary of a rack-scale design reads without scrolling, the server entries whole
        self.resize(920, 600)
        self.layout_ = layout
        self.catalog = catalog or default_catalog()
        self.result: RetargetResult | None = None
        self._serial = -1
        self._runner = TaskRunner(self)
        self._runner.finished.connect(self._on_result)
        self.generation = QComboBox()
        gens = generations()
        # hardware of other generations in the design (GEN-MIXED): its own generation is a
        # target too, mapping just that hardware, and the first one offered
        mixed = _gpu_hardware(layout, self.catalog, layout.generation)[2]
        for gen in gens:
            if gen != layout.generation:
                self.generation.addItem(_label(gen), gen)
            elif mixed:
                self.generation.addItem(f"{_label(gen)} (its own: maps the {mixed:,} GPUs of "
                                        "other generations)", gen)
        if mixed:
            self.generation.setCurrentIndex(self.generation.findData(layout.generation))
        # the generation after the design's own is the usual target (an upgrade)
        elif layout.generation in gens:
            later = gens[gens.index(layout.generation) + 1:]
            if later:
                self.generation.setCurrentIndex(self.generation.findData(later[0]))
        # the GPU server the GPU servers map to: the generation's default (its flagship, or
        # its top air-cooled server for an air-cooled hall) or any other of its servers
        self.server = QComboBox()
        self.server.setToolTip("The GPU server every GPU server of the design becomes")
        self.server.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # what the rack-scale systems (NVL72 racks) become: the generation's own, no choice
        self.system = QLabel()
        self.system.setToolTip("The rack-scale system every rack-scale system of the design "
                               "becomes; each rack takes that system's rack type")
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # a long line (a lost fabric node and why) wraps rather than running off the box
        self.summary.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        intro = QLabel(f"“{layout.name}” is a {_label(layout.generation)} design. Each GPU "
                       "server, rack-scale system and scale-out switch maps to the chosen "
                       "generation's equivalent; the result opens as a new document.")
        intro.setTextFormat(Qt.TextFormat.PlainText)  # the design's name, as typed
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Target generation", self.generation)
        form.addRow("GPU servers to", self.server)
        form.addRow("Rack-scale systems to", self.system)
        self._has_systems = gpu_servers_to_map(layout, self.catalog, "")[1] > 0
        form.setRowVisible(self.system, self._has_systems)
        self.buttons, self.ok_button = ok_cancel(self, "Open retargeted copy")
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.buttons)
        self.generation.currentIndexChanged.connect(self._fill_servers)
        self.server.currentIndexChanged.connect(self._start)
        self._fill_servers()

    def target(self) -> str | None:
        """Return the chosen generation."""
        return self.generation.currentData()

    def set_target(self, gen: str) -> None:
        """Choose a generation."""
        self.generation.setCurrentIndex(self.generation.findData(gen))

    def server_id(self) -> str | None:
        """Return the chosen GPU server (None: the generation's default)."""
        return self.server.currentData()

    def set_server(self, server_id: str) -> None:
        """Choose the GPU server the GPU servers map to."""
        self.server.setCurrentIndex(self.server.findData(server_id))

    def _fill_servers(self, *_: Any) -> None:
        """List the target generation's GPU servers, its default first and marked so."""
        gen = self.target()
        name = device_namer(self.catalog)
        self.server.blockSignals(True)
        self.server.clear()
        servers = gpu_servers_to_map(self.layout_, self.catalog, gen or "")[0]
        if gen is not None and not servers:
            # nothing for a choice of server to act on: say so rather than name a server
            # the copy will not hold
            has_any = gpu_servers_to_map(self.layout_, self.catalog, "")[0] > 0
            self.server.addItem(f"(its GPU servers are {_label(gen)} already)" if has_any
                                else "(no GPU servers in this layout)", None)
        elif gen is not None:
            try:
                default, reason = default_server(self.layout_, gen, self.catalog)
            except ValueError:
                default, reason = "", ""
            # by default an OEM box (an HGX board, an AMD platform) maps to the
            # generation's OEM server, not the flagship: the entry says so where the
            # layout has such servers, and names the OEM server first where it has only
            # those
            oem = OEM_SERVER.get(gen)
            boxes = [self.catalog.devices[d.type] for r in self.layout_.racks
                     for d in r.devices if d.type in self.catalog.devices
                     and self.catalog.devices[d.type].role == "gpu_server"
                     and self.catalog.devices[d.type].generation != gen]
            to_oem = default == FLAGSHIP_SERVER.get(gen) and oem in self.catalog.devices
            some = to_oem and any(is_oem_box(b) for b in boxes)
            only = some and all(is_oem_box(b) for b in boxes)
            if only:
                self.server.addItem(f"{name(oem)} (default: OEM boxes stay OEM boxes)", None)
            else:
                self.server.addItem(f"{name(default)} (default"
                                    + (f": {reason}" if reason else "")
                                    + (f"; OEM boxes to {name(oem)}" if some else "") + ")",
                                    None)
            for dev in server_choices(self.catalog, gen):
                if dev.id != default:
                    cooling = "liquid" if (dev.liquid_fraction.value or 0) >= 0.5 else "air"
                    self.server.addItem(f"{name(dev.id)} ({cooling})", dev.id)
        self.server.setEnabled(bool(servers) and self.server.count() > 1)
        if gen is not None and self._has_systems:
            system = FLAGSHIP_SYSTEM.get(gen)
            self.system.setText(name(system) if system in self.catalog.devices else
                                f"(none in {_label(gen)}: those racks are not mapped)")
        self.server.blockSignals(False)
        self._start()

    def _start(self, *_: Any) -> None:
        gen = self.target()
        self.result = None
        self.ok_button.setEnabled(False)
        if gen is None:
            self.summary.setPlainText("No other generation to retarget to.")
            return
        self.summary.setPlainText(f"Mapping to {_label(gen)}…")
        layout, catalog, server = self.layout_, self.catalog, self.server_id()
        self._serial = self._runner.submit(lambda: retarget(layout, gen, catalog, server))

    def _on_result(self, serial: int, result: RetargetResult | None, error: str) -> None:
        if serial != self._serial:
            return
        if result is None:
            self.summary.setPlainText(f"Cannot retarget: {error}")
            return
        self.result = result
        self.summary.setPlainText(summary_text(result, self.catalog))
        # a copy with none of the design's GPUs mapped is the design itself, relabelled
        nothing = result.gpus_after > 0 and result.gpus_target == 0
        self.ok_button.setEnabled(not nothing)
        self.ok_button.setText("No GPUs can be mapped" if nothing else "Open retargeted copy")

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the mapping is done (scripts and tests)."""
        return self._runner.wait(timeout_ms)

    def done(self, code: int) -> None:
        self._runner.wait()
        super().done(code)


def retargeted_file(source: Path | None, layout_name: str, generation: str) -> Path:
    """Return the file proposed for a retargeted copy: ``<source stem>-<generation>.json``
    beside the source (a source already named for a generation loses that suffix); a bare
    name from the layout's when the source was never saved.

    Examples
    --------
    >>> retargeted_file(Path("/halls/pod.json"), "SuperPOD (scalable_units=2)", "blackwell")
    PosixPath('/halls/pod-blackwell.json')
    >>> retargeted_file(Path("/halls/pod-blackwell.json"), "", "rubin")
    PosixPath('/halls/pod-rubin.json')
    >>> retargeted_file(None, "Hall 3: west", "rubin")
    PosixPath('Hall 3 west-rubin.json')
    """
    stem = source.stem if source is not None else design_file_stem(layout_name, 40)
    for gen in sorted(generations(), key=len, reverse=True):
        if stem.endswith(f"-{gen}") and len(stem) > len(gen) + 1:
            stem = stem[:-len(gen) - 1]
            break
    name = f"{stem}-{generation}.json"
    return source.with_name(name) if source is not None else Path(name)


def open_in_new_window(window: QWidget, layout: Layout, message: str = "",
                       unsaved: bool = True, save_as: Path | None = None) -> QWidget:
    """Open ``layout`` as a new document in a new main window beside ``window``.

    With ``unsaved`` the document starts modified: closing it asks to save it.
    ``save_as`` is the file its Save proposes (a bare name: in the last folder used).
    """
    from designer.document import LayoutDocument

    doc = LayoutDocument(layout, catalog=getattr(window.document, "catalog", None))
    if unsaved:
        doc.mark_unsaved()
    try:
        new = type(window)(doc, restore_state=False)
    except TypeError:  # a window class without the restore_state flag
        new = type(window)(doc)
    if save_as is not None and hasattr(new, "save_suggestion"):
        new.save_suggestion = save_as
    fit = getattr(new, "_fit_screen", None)
    if callable(fit):  # a laptop's screen takes a smaller window, as the first one
        fit()
    new.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # keep a Python reference: the new window has no Qt parent
    kept: list = window.__dict__.setdefault("_library_windows", [])
    kept.append(new)
    new.destroyed.connect(lambda *_: kept.remove(new) if new in kept else None)
    new.move(_cascade(window, new))
    new.show()
    if message and callable(getattr(new, "statusBar", None)):
        new.statusBar().showMessage(message, 10_000)
    return new


def _cascade(window: QWidget, new: QWidget) -> QPoint:
    """Where a new window opens: 40 px right of and below ``window``, back at the screen's
    top left corner when that would take it past the screen's edge."""
    at = window.pos() + QPoint(40, 40)
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return at
    room = screen.availableGeometry()
    size = new.frameGeometry().size() if new.isVisible() else new.size()
    if at.x() + size.width() > room.right() or at.y() + size.height() > room.bottom():
        at = room.topLeft()
    return at


def retarget_action(window: QWidget, target: str | None = None) -> QWidget | None:
    """Tools → Retarget to generation… (``target`` preselects a generation)."""
    dlg = RetargetDialog(window.document.layout, window, window.document.catalog)
    if target is not None and dlg.generation.findData(target) >= 0:
        dlg.set_target(target)
    if dlg.exec() and dlg.result is not None:
        res = dlg.result
        doc = window.document
        # beside the source file, or named after the name proposed for the unsaved source
        source = doc.path or getattr(window, "save_suggestion", None)
        target = retargeted_file(source, doc.layout.name, res.generation)
        return open_in_new_window(window, res.layout,
                                  f"Retargeted to {_label(res.generation)}: "
                                  f"{res.gpus_target:,} of {res.gpus_of:,} GPUs mapped",
                                  save_as=target)
    return None
