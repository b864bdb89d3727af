"""The open design: a LayoutDocument owns the Layout, the undo stack and the analysis.

The document is the only code that changes the layout. Each edit method calls
a pure function of :mod:`engine.edits` and pushes exactly one
:class:`designer.commands.LayoutCommand` holding the layouts before and after;
undo and redo swap them. After every change the document works out which items
changed (edits share unchanged items, so identity tells), emits
``items_added``/``items_changed``/``items_removed`` and re-analyzes: one patched
rack row for a move or an edit, a recompile when racks come or go.

A drag is one command pushed on release. While the mouse moves,
:meth:`LayoutDocument.preview_move` shows the moved layout (canvas and
analysis follow) without touching the undo stack; :meth:`cancel_preview`
restores the committed layout (Esc).

Analysis runs on the GUI thread while it is fast (small halls); once one takes
longer than :data:`ASYNC_AFTER_S`, or a graph bisection search would run late in
it (:data:`SEARCH_AFTER_S`), it moves to a background thread, where a
newer request replaces a queued one and a result older than the one shown is
dropped. ``analysis_busy`` drives the progress indicator. When a new analysis
finds a fabric with other switch counts than the one before (one server more can
start a scalable unit), ``fabric_resized`` says what changed, for the status bar.
"""

from __future__ import annotations

import math
import operator
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack

from designer import recovery
from designer.commands import LayoutCommand, field_label, format_value, noun
from designer.labels import none_text
from engine import edits
from engine.analysis import Analysis, Analyzer
from engine.bisection import SearchCancelled, cancel_when
from engine.catalog import Catalog, default_catalog
from engine.errors import InputError
from engine.io import load_layout, save_layout
from engine.model import Fabric, Hall, Layout, Rack

__all__ = ["LayoutDocument", "AnalysisRunner", "analyze_layout", "fabric_change", "ASYNC_AFTER_S",
           "AUTOSAVE_MS", "noting_fabric"]

ASYNC_AFTER_S = 0.040
#: how far into an analysis on the GUI thread a graph bisection search may still
#: start or go on; later, the analysis moves to the background thread
SEARCH_AFTER_S = 0.020
#: an edit touching more items than this shows a busy cursor while it is applied
BUSY_ITEMS = 300
AUTOSAVE_MS = 60_000
_SCALARS = ("name", "generation", "author", "schema_version")
_PSEUDO = {"hall": "hall", "assumptions": "assumptions"}


def _disk_stamp(path: Path | None) -> tuple[int, int] | None:
    """A file's modification time and size (``None``: no file there)."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def analyze_layout(layout: Layout, catalog: Catalog, path: str | Path | None = None) -> Analyzer:
    """Run a first analysis (timed, so the document knows what a full one costs).

    Raises :class:`InputError` naming ``path`` when the layout names hardware the
    catalog does not have.
    """
    t0 = time.perf_counter()
    try:
        analyzer = Analyzer(layout, catalog)
    except InputError as exc:
        raise InputError(path, exc.field, exc.expected) from None
    analyzer.build_s = time.perf_counter() - t0
    return analyzer


def fabric_change(before: Analysis, after: Analysis) -> str:
    """Say how the switch counts of the fabrics in both analyses changed ("" when none did).

    One server more can start a scalable unit and add a tier's worth of switches; the
    note names the fabric, its scalable units and the switches per tier it gained or lost.

    A spine count above what the leaves' uplinks fill is explained
    (:meth:`engine.fabric.FabricPlan.spine_note`): at 3 SU the spines are the RA's 16
    for 4 SU, not the 12 whose ports would do.

    Examples
    --------
    ``"Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches; 16 spines: ...)"``;
    ``"Fabric fe: +2 leaf switches (18 leaf, 2 spine now)"`` when the SU count stays.
    """
    def fabrics(a: Analysis) -> list[dict]:
        return list(getattr(getattr(a, "network", None), "fabrics", None) or [])

    topo = getattr(getattr(after, "network", None), "topology", None)
    plans = {fb.id: fb.plan for fb in getattr(topo, "fabrics", None) or []}
    old = {f.get("id"): f for f in fabrics(before)}
    notes = []
    for f in fabrics(after):
        was = old.get(f.get("id"))
        if was is None:  # a new fabric: the command adding it says so
            continue
        sw0, sw1 = was.get("switches") or {}, f.get("switches") or {}
        tiers = list(dict.fromkeys([*sw1, *sw0]))
        deltas = [(t, sw1.get(t, 0) - sw0.get(t, 0)) for t in tiers]
        change = ", ".join(f"{d:+,}".replace("-", "−") + f" {t}" for t, d in deltas if d)
        if not change:
            continue
        plan = plans.get(f.get("id"))
        why = plan.spine_note() if plan is not None and dict(deltas).get("spine") else ""
        why = f"; {why}" if why else ""
        su0, su1 = was.get("scalable_units"), f.get("scalable_units")
        if su1 is not None and su1 != su0:
            units = f"{su1:,} scalable unit" + ("" if su1 == 1 else "s")
            notes.append(f"Fabric {f['id']}: {units} now ({change} switches{why})")
        else:
            now = ", ".join(f"{n:,} {t}" for t, n in sw1.items() if n)
            notes.append(f"Fabric {f['id']}: {change} switches ({now} now{why})")
    if not notes:
        notes += _switches_moved(before, after)
    return "; ".join(notes)


def noting_fabric(doc, edit):
    """Run ``edit``; return its result and what it did to the fabrics (". Fabric compute: 3
    scalable units now (…)", or "") for a message of the edit's own (a drop's, a
    paste's): the document's own note would be replaced by that message at once."""
    notes: list[str] = []

    def keep(text: str) -> None:
        notes.append(text)

    resized = getattr(doc, "fabric_resized", None)
    if resized is None:
        return edit(), ""
    resized.connect(keep)
    try:
        result = edit()
    finally:
        resized.disconnect(keep)
    return result, "".join(f". {n}" for n in notes)


def _switches_moved(before: Analysis, after: Analysis) -> list[str]:
    """Say where the fabric analysis placed switches in other racks than before with the
    same counts (a device installed in a network rack takes the U they stood in)."""
    topos = [getattr(getattr(a, "network", None), "topology", None) for a in (before, after)]
    if any(t is None for t in topos) or topos[0] is topos[1]:
        return []
    t0, t1 = topos
    if len(t0.sw_rack) != len(t1.sw_rack) or not len(t1.sw_rack):
        return []
    gen = (t1.sw_dev < 0) & (t0.sw_dev < 0)

    def rack_of(a: Analysis, t) -> np.ndarray:
        # each analysis indexes its own racks: compare ids (a rack deleted shifts them)
        ids = np.asarray([*a.arrays.rack_ids, ""], dtype=object)
        r = np.asarray(t.sw_rack, np.int64)
        return ids[np.where((r >= 0) & (r < len(ids) - 1), r, len(ids) - 1)]

    was, now = rack_of(before, t0), rack_of(after, t1)
    moved = gen & (was != now)
    if not moved.any():
        return []

    def roomless(t) -> np.ndarray:
        r = getattr(t, "sw_roomless", None)
        return np.asarray(r, bool) if r is not None and len(r) == len(t.sw_rack) \
            else np.zeros(len(t.sw_rack), bool)

    def names(ids: list[str]) -> str:
        return ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")

    homeless = moved & roomless(t1)
    placed = moved & ~homeless
    notes = []
    if placed.any():
        left = sorted({r for r in was[placed].tolist() if r})
        n = int(placed.sum())
        notes.append(f"{n:,} generated switch{'es' * (n != 1)} moved to other network racks"
                     + (f" (from {names(left)})" if left else ""))
    if homeless.any():
        # no network rack has room: counted in a rack of the fabric, standing in none
        n = int(homeless.sum())
        at = sorted({r for r in now[homeless].tolist() if r})
        notes.append(f"{n:,} generated switch{'es' * (n != 1)} found no free U in a network "
                     f"rack" + (f" (counted in {names(at)}; see FABRIC-NO-ROOM)" if at else ""))
    return notes


class _Job(QRunnable):
    def __init__(self, runner: AnalysisRunner) -> None:
        super().__init__()
        self._runner = runner

    def run(self) -> None:
        self._runner._drain()


#: how many turns a document remembers the shift of (undo and turn again finds them)
_TURNS_KEPT = 32


class AnalysisRunner(QObject):
    """Runs the engine's :class:`Analyzer` for one document, in order, newest first.

    Requests carry a serial number. :meth:`run_now` analyzes on the calling
    thread; :meth:`submit` queues on one background thread, where a queued
    request not yet started is replaced by a newer one (the changed rack ids
    are merged, so the incremental patch stays correct), and a running one stops
    its graph bisection search when a newer one is queued: its result would be
    stale when it arrived, so the newer one runs instead (in full: the stopped
    update may have patched the analyzer's arrays halfway).
    """

    finished = Signal(int, object, str)  # serial, Analysis or None, error message
    busy_changed = Signal(bool)

    def __init__(self, catalog: Catalog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.analyzer: Analyzer | None = None
        self.last_duration_s = 0.0
        #: the last duration of a full recompile and of an incremental patch, which differ
        #: by 10x on a large hall; the document picks the thread by the one it will need
        self.durations_s = {"full": 0.0, "patch": 0.0}
        self._lock = threading.Lock()
        self._pending: tuple[int, Layout, list[str] | None] | None = None
        self._running = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        #: background analyses stopped because a newer request came in while they ran
        self.cancelled = 0

    @property
    def is_busy(self) -> bool:
        """Whether a background analysis is queued or running."""
        with self._lock:
            return self._running or self._pending is not None

    def _analyze(self, layout: Layout, changed: list[str] | None) -> Analysis:
        t0 = time.perf_counter()
        # a patch asked of no analyzer (the first, or one reset after a stopped run) is a
        # full analysis, and is timed as one
        full = changed is None or self.analyzer is None
        try:
            if self.analyzer is None:
                self.analyzer = Analyzer(layout, self.catalog)
                result = self.analyzer.result
            else:
                result = self.analyzer.update(layout, changed)
        except Exception:
            self.analyzer = None  # its arrays may be half patched
            raise
        self.last_duration_s = time.perf_counter() - t0
        self.durations_s["full" if full else "patch"] = self.last_duration_s
        return result

    def run_now(self, serial: int, layout: Layout, changed: list[str] | None,
                reset: bool = False, search_after_s: float | None = None) -> None:
        """Analyze on this thread (waits for a background run to finish first).

        With ``search_after_s``, a graph bisection search that would start (or go on)
        later than that many seconds into the run is handed to the background thread
        instead: an edit that turns a recognized fabric into an irregular one (a
        system pasted beside a full scalable unit) keeps the window responsive while
        the search runs.
        """
        self.wait()
        if reset:
            self.analyzer = None
        stop = None
        if search_after_s is not None:
            deadline = time.perf_counter() + search_after_s
            stop = lambda: time.perf_counter() > deadline  # noqa: E731
        try:
            with cancel_when(stop):
                result = self._analyze(layout, changed)
        except SearchCancelled:
            self.cancelled += 1
            self.submit(serial, layout, None)  # the analyzer was reset: in full
            return
        except (InputError, ValueError, KeyError) as exc:
            self.finished.emit(serial, None, str(exc))
            return
        self.finished.emit(serial, result, "")

    def submit(self, serial: int, layout: Layout, changed: list[str] | None) -> None:
        """Queue an analysis on the background thread."""
        with self._lock:
            if self._pending is not None:
                prev = self._pending[2]
                changed = None if prev is None or changed is None else \
                    list(dict.fromkeys([*prev, *changed]))
            self._pending = (serial, layout, changed)
            start = not self._running
            self._running = True
        if start:
            self.busy_changed.emit(True)
            self._pool.start(_Job(self))

    def _drain(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
                if job is None:
                    self._running = False
                    break
            serial, layout, changed = job
            try:
                # a newer request waiting stops a graph search of this one: its result
                # would be stale on arrival
                with cancel_when(self._superseded):
                    result = self._analyze(layout, changed)
            except SearchCancelled:
                self.cancelled += 1
                continue  # the analyzer was reset: the newer request runs in full
            except Exception as exc:  # reported to the GUI, never lost in a thread
                self.finished.emit(serial, None, str(exc))
            else:
                self.finished.emit(serial, result, "")
        self.busy_changed.emit(False)

    def _superseded(self) -> bool:
        return self._pending is not None

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the background thread is idle; return whether it is."""
        return self._pool.waitForDone(timeout_ms)


def _respaced_note(before: Layout, after: Layout, ids: Sequence[str]) -> str:
    """``" (GPU-0003 and 5 more racks re-spaced along the row)"``: the other racks an edit
    moved, or ""."""
    old = {r.id: (r.x_m, r.y_m) for r in before.racks}
    chosen = set(ids)
    moved = [r.id for r in after.racks if r.id not in chosen and r.id in old
             and (abs(old[r.id][0] - r.x_m) > 1e-6 or abs(old[r.id][1] - r.y_m) > 1e-6)]
    if not moved:
        return ""
    who = moved[0] if len(moved) == 1 else f"{moved[0]} and {len(moved) - 1} more rack" + \
        ("s" if len(moved) > 2 else "")
    return f" ({who} re-spaced along the row)"


class LayoutDocument(QObject):
    """The open design: layout, catalog, undo stack, analysis, selection, file.

    Parameters
    ----------
    layout : Layout, optional
        The design to open; an empty 30 x 20 m hall by default.
    path : path, optional
        The file it came from.
    catalog : Catalog, optional
        The hardware catalog (the built-in plus user catalog by default).
    analysis_mode : {"auto", "sync", "async"}
        Where the analysis runs; "auto" moves it off the GUI thread once an
        analysis takes longer than :data:`ASYNC_AFTER_S`.
    autosave_ms : int
        Interval of the recovery autosave (0 turns it off).
    analyzer : Analyzer, optional
        One already run on ``layout`` (see :func:`analyze_layout`).
    """

    items_added = Signal(list)
    items_changed = Signal(list)
    items_removed = Signal(list)
    analysis_updated = Signal(object)
    analysis_failed = Signal(str)
    analysis_busy = Signal(bool)
    selection_changed = Signal(list)
    modified_changed = Signal(bool)
    path_changed = Signal(object)
    layout_reset = Signal()
    #: a recovery file could not be written (why), said once until a write works again
    recovery_failed = Signal(str)
    #: an edit (or its undo) changed a generated fabric's switch counts; what changed, for
    #: the status bar ("Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches)")
    fabric_resized = Signal(str)

    def __init__(self, layout: Layout | None = None, path: str | Path | None = None,
                 catalog: Catalog | None = None, parent: QObject | None = None,
                 analysis_mode: str = "auto", autosave_ms: int = AUTOSAVE_MS,
                 analyzer: Analyzer | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog or default_catalog()
        #: why the last nudge moved nothing ("" when it moved, or nothing was in the way)
        self.last_refusal = ""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.analysis_mode = analysis_mode
        self._runner = AnalysisRunner(self._catalog, self)
        self._runner.finished.connect(self._on_analysis)
        self._runner.busy_changed.connect(self.analysis_busy)
        self._serial = 0
        self._shown_serial = -1
        self.analysis: Analysis | None = None
        self.analysis_error = ""
        self._selection: list[str] = []
        self._path: Path | None = None
        self._stamp: tuple[int, int] | None = None  # the file as last read or written here
        self._previewing = False
        #: the latest turns, newest first: (the layout each left, its items, how far it
        #: moved them from where the turn alone put them), so an undo back to one of them
        #: finds it
        self._turns: list[tuple[Layout, frozenset[str], tuple[float, float]]] = []
        self._committed = layout or self.blank_layout(30.0, 20.0)
        self._display = self._committed
        self._index: dict[str, tuple[str, Any]] = {}
        self._recovery_path = recovery.new_recovery_path()
        self._recovery_dirty = False
        self._recovery_error = ""
        self._autosave = QTimer(self)
        self._autosave.timeout.connect(self.autosave)
        if autosave_ms:
            self._autosave.start(autosave_ms)
        self.set_layout(self._committed, path, analyzer)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # -- state -------------------------------------------------------------------------------

    @property
    def layout(self) -> Layout:
        """The layout on show: the committed one, or the drag preview while dragging."""
        return self._display

    @property
    def committed_layout(self) -> Layout:
        """The layout as of the top of the undo stack (no drag preview)."""
        return self._committed

    @property
    def catalog(self) -> Catalog:
        """The hardware catalog."""
        return self._catalog

    @property
    def path(self) -> Path | None:
        """The file of the document, or None when never saved."""
        return self._path

    @property
    def selection(self) -> list[str]:
        """Ids of the selected items."""
        return list(self._selection)

    @property
    def is_modified(self) -> bool:
        """Whether there are changes not saved to :attr:`path`."""
        return not self.undo_stack.isClean()

    @property
    def is_previewing(self) -> bool:
        """Whether a drag preview is on show."""
        return self._previewing

    @property
    def recovery_path(self) -> Path:
        """The recovery file this document autosaves to."""
        return self._recovery_path

    @property
    def recovery_error(self) -> str:
        """Why the last recovery write failed ("" when it worked): crash recovery is off."""
        return self._recovery_error

    def item(self, item_id: str) -> Any:
        """Return the model object of ``item_id`` in the shown layout (None if absent)."""
        entry = self._index.get(item_id)
        return entry[1] if entry else None

    def item_group(self, item_id: str) -> str | None:
        """Return the group (``"racks"``, ``"cooling"``, ...) of ``item_id``."""
        entry = self._index.get(item_id)
        return entry[0] if entry else None

    def ids(self, group: str | None = None) -> list[str]:
        """Return the ids of the shown layout (of one group when given)."""
        return [i for i, (g, _) in self._index.items() if group is None or g == group]

    @staticmethod
    def blank_layout(width_m: float, depth_m: float, name: str = "Untitled hall") -> Layout:
        """Return an empty hall of ``width_m`` x ``depth_m``."""
        w, d = float(width_m), float(depth_m)
        if not (0 < w <= 10_000 and 0 < d <= 10_000):
            raise InputError(None, "hall size", "a width and depth from 0 to 10000 m")
        return Layout(name=name, hall=Hall(outline=[(0.0, 0.0), (w, 0.0), (w, d), (0.0, d)]))

    # -- whole documents ------------------------------------------------------------------------

    def set_layout(self, layout: Layout, path: str | Path | None = None,
                   analyzer: Analyzer | None = None) -> None:
        """Make ``layout`` the document (a new document: empty undo stack, new analysis).

        ``analyzer``, when given, is an :class:`Analyzer` already run on ``layout``.
        """
        self._previewing = False
        old_ids = list(self._index)
        self._committed = self._display = layout
        self._index = self._build_index(layout)
        self._selection = []
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._path = Path(path) if path else None
        self._stamp = _disk_stamp(self._path)
        recovery.discard(self._recovery_path)
        self._recovery_path = recovery.new_recovery_path()
        self._recovery_dirty = False
        self._serial += 1
        self._shown_serial = -1
        self.analysis = None
        if old_ids:
            self.items_removed.emit(old_ids)
        self.layout_reset.emit()
        self.items_added.emit(list(self._index))
        self.selection_changed.emit([])
        self.path_changed.emit(self._path)
        self.modified_changed.emit(False)
        if analyzer is not None:
            self._runner.wait()
            self._runner.analyzer = analyzer
            self._runner.durations_s["full"] = getattr(analyzer, "build_s", 0.0)
            self._on_analysis(self._serial, analyzer.result, "")
        else:
            self._runner.run_now(self._serial, layout, None, reset=True)

    def new_blank(self, width_m: float, depth_m: float, name: str = "Untitled hall") -> None:
        """Start a new document: an empty rectangular hall."""
        self.set_layout(self.blank_layout(width_m, depth_m, name))

    def open(self, path: str | Path) -> None:
        """Open a layout file (raises :class:`InputError`; the document is unchanged then)."""
        layout = load_layout(path)
        self.set_layout(layout, Path(path), analyze_layout(layout, self._catalog, path))

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically to ``path`` (or the document's path) and mark the document clean."""
        target = Path(path) if path else self._path
        if target is None:
            raise InputError(None, "path", "a file name to save to")
        save_layout(self._committed, target)
        changed = target != self._path
        self._path = target
        self._stamp = _disk_stamp(target)
        self.undo_stack.setClean()
        # the design is saved whatever happens to its recovery copy (see recovery_error)
        self._try_write_recovery()
        if changed:
            self.path_changed.emit(self._path)
        return target

    def changed_on_disk(self) -> bool:
        """Whether the document's file was written by someone else (another window, another
        program) since it was opened or saved here; a file since deleted is not."""
        if self._path is None or self._stamp is None:
            return False
        now = _disk_stamp(self._path)
        return now is not None and now != self._stamp

    # -- recovery ------------------------------------------------------------------------------

    def write_recovery(self) -> Path:
        """Write the committed layout to the recovery file now."""
        recovery.write_recovery(self._committed, self._path, self._recovery_path)
        self._recovery_dirty = False
        return self._recovery_path

    def _try_write_recovery(self) -> bool:
        """Write the recovery file; on failure keep the reason in :attr:`recovery_error`
        and emit ``recovery_failed`` (once, until a write works again)."""
        try:
            self.write_recovery()
        except (OSError, InputError) as exc:
            folder = self._recovery_path.parent
            why = getattr(exc, "expected", None) or getattr(exc, "strerror", None) or str(exc)
            reason = f"cannot write recovery files to {folder} ({why})"
            first = not self._recovery_error
            self._recovery_error = reason
            if first:
                self.recovery_failed.emit(reason)
            return False
        self._recovery_error = ""
        return True

    def autosave(self) -> bool:
        """Write the recovery file if the design changed since the last write (a failure
        is said once through ``recovery_failed``; the next tick tries again)."""
        if not self._recovery_dirty:
            return False
        return self._try_write_recovery()

    def mark_unsaved(self) -> None:
        """Mark the document modified with no edit of its own (a retargeted or restored
        design), so closing it asks before its work is lost, and the next autosave
        writes it to the recovery file, so a crash does not lose it either."""
        self.undo_stack.resetClean()
        self._recovery_dirty = True
        self.modified_changed.emit(True)

    def restore_recovery(self, rec: recovery.RecoveryFile | Path) -> None:
        """Open a recovery file as this document (marked modified) and delete it once this
        document's own recovery file holds the design; should that write fail, the restored
        file becomes this document's recovery file, so the work is never in no file."""
        path = rec.path if isinstance(rec, recovery.RecoveryFile) else Path(rec)
        layout, info = recovery.read_recovery(path)
        # checked as Open checks a file: a copy naming hardware the catalog no longer has
        # (a user catalog file skipped since) is refused in words, the open design kept
        analyzer = analyze_layout(layout, self.catalog, path)
        self.set_layout(layout, info.document, analyzer)
        self.mark_unsaved()
        if self._try_write_recovery():
            recovery.discard(path)
        else:
            self._recovery_path = path
            self._recovery_dirty = True

    def close(self, keep_recovery: bool = False) -> None:
        """End the document cleanly: stop autosave, delete its recovery file, and drop
        its undo history now, while every object its commands refer to is alive (left
        to the garbage collector, the stack and its commands go in no set order).

        With ``keep_recovery`` (the designer interrupted from its terminal), a design
        with unsaved changes is written to its recovery file, which stays, so the next
        start offers it back."""
        self._autosave.stop()
        self._runner.wait()
        if keep_recovery and self.is_modified:
            self._recovery_dirty = True
            if self.autosave():
                self.undo_stack.clear()
                return
        recovery.discard(self._recovery_path)
        self.undo_stack.clear()

    # -- selection -----------------------------------------------------------------------------

    def select(self, ids: Iterable[str]) -> None:
        """Select the items ``ids`` (unknown ids are dropped)."""
        sel = [i for i in dict.fromkeys(ids) if i in self._index or i == edits.LAYOUT_ID]
        if sel != self._selection:
            self._selection = sel
            self.selection_changed.emit(list(sel))

    # -- applying layouts ------------------------------------------------------------------------

    @staticmethod
    def _groups(layout: Layout) -> tuple[tuple[str, list], ...]:
        return (("racks", layout.racks), ("cooling", layout.cooling), ("feeds", layout.feeds),
                ("trays", layout.trays), ("obstacles", layout.hall.obstacles),
                ("fabrics", layout.fabrics), ("links", layout.links))

    @classmethod
    def _build_index(cls, layout: Layout) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        for group, items in cls._groups(layout):
            for it in items:
                out[it.id] = (group, it)
        return out

    @classmethod
    def _replaced(cls, old_layout: Layout, layout: Layout) -> list[tuple[str, Any]] | None:
        """Return (group, item) of the items replaced in place, or None when items were
        added, removed or reordered. Lists that are the same object are skipped: edits
        share the lists they do not touch, so a drag compares one list."""
        out: list[tuple[str, Any]] = []
        for (group, a), (_, b) in zip(cls._groups(old_layout), cls._groups(layout),
                                      strict=True):
            if a is b:
                continue
            if len(a) != len(b):
                return None
            # (identity first, in C: a drag replaces one rack of thousands)
            same = np.fromiter(map(operator.is_, a, b), bool, count=len(a))
            for k in np.flatnonzero(~same).tolist():
                if a[k].id != b[k].id:
                    return None
                out.append((group, b[k]))
        return out

    def _show(self, layout: Layout) -> None:
        old_layout, old = self._display, self._index
        replaced = self._replaced(old_layout, layout)
        if replaced is not None:  # a move or an edit: the same ids in the same places
            new = dict(old)
            new.update((it.id, (group, it)) for group, it in replaced)
            added, removed = [], []
            changed = [it.id for _, it in replaced]
        else:
            new = self._build_index(layout)
            added = [i for i in new if i not in old]
            removed = [i for i in old if i not in new]
            changed = [i for i, (_, obj) in new.items() if i in old and old[i][1] is not obj]
        self._display, self._index = layout, new
        top_changed = (old_layout.hall is not layout.hall
                       or old_layout.assumptions is not layout.assumptions
                       or any(getattr(old_layout, k) != getattr(layout, k) for k in _SCALARS))
        if top_changed:
            changed.append(edits.LAYOUT_ID)
            if old_layout.hall is not layout.hall:
                changed.append("hall")
            if old_layout.assumptions is not layout.assumptions:
                changed.append("assumptions")
        if removed:
            self.items_removed.emit(removed)
        if added:
            self.items_added.emit(added)
        if changed:
            self.items_changed.emit(changed)
        same_racks = replaced is not None or (
            len(old_layout.racks) == len(layout.racks)
            and all(a is b or a.id == b.id
                    for a, b in zip(old_layout.racks, layout.racks, strict=True)))
        if not same_racks or old_layout.assumptions is not layout.assumptions:
            rack_ids: list[str] | None = None
        else:
            rack_ids = [i for i in changed if new.get(i, ("",))[0] == "racks"]
        if added or removed or changed:
            self._request_analysis(rack_ids)

    def _commit(self, layout: Layout, select: Sequence[str] | None = None) -> None:
        """Make ``layout`` the committed and shown layout (called by undo commands)."""
        self._previewing = False
        self._committed = layout
        self._recovery_dirty = True
        self._show(layout)
        self.select(self._selection if select is None else select)

    def _push(self, text: str, after: Layout, select_after: Sequence[str] | None = None,
              merge_key: Any = None) -> bool:
        if after is self._committed:
            if self._previewing:
                self.cancel_preview()
            return False
        cmd = LayoutCommand(self, text, self._committed, after, list(self._selection),
                            list(select_after) if select_after is not None else None, merge_key)
        # an edit of hundreds of items (a whole hall nudged, deleted, pasted) takes a
        # moment on a large hall: the cursor says so
        big = max(len(self._selection), abs(len(after.racks) - len(self._committed.racks)),
                  len(select_after or ())) > BUSY_ITEMS
        if big:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.undo_stack.push(cmd)
        finally:
            if big:
                QGuiApplication.restoreOverrideCursor()
        return True

    # -- analysis -------------------------------------------------------------------------------

    def _request_analysis(self, changed_racks: list[str] | None) -> None:
        self._serial += 1
        mode = self.analysis_mode
        expected = self._runner.durations_s["full" if changed_racks is None else "patch"]
        go_async = mode == "async" or (mode == "auto" and (
            self._runner.is_busy or expected > ASYNC_AFTER_S))
        if go_async:
            self._runner.submit(self._serial, self._display, changed_racks)
        else:
            self._runner.run_now(self._serial, self._display, changed_racks,
                                 search_after_s=SEARCH_AFTER_S if mode == "auto" else None)

    def _on_analysis(self, serial: int, result: Analysis | None, error: str) -> None:
        if serial < self._shown_serial:
            return  # stale: a newer result is already on show
        self._shown_serial = serial
        if result is None:
            self.analysis_error = error
            self.analysis_failed.emit(error)
            return
        self.analysis_error = ""
        before, self.analysis = self.analysis, result
        self.analysis_updated.emit(result)
        note = fabric_change(before, result) if before is not None else ""
        if note:
            self.fabric_resized.emit(note)

    def wait_for_analysis(self, timeout_ms: int = 60_000) -> bool:
        """Block until background analysis is done and its result delivered (tests, export)."""
        from PySide6.QtCore import QCoreApplication

        ok = self._runner.wait(timeout_ms)
        QCoreApplication.processEvents()
        return ok

    @property
    def last_analysis_s(self) -> float:
        """Duration of the last analysis in seconds."""
        return self._runner.last_duration_s

    # -- drag preview ----------------------------------------------------------------------------

    def preview_move(self, moves: Mapping[str, Sequence[float]]) -> None:
        """Show items moved (canvas and analysis follow) without an undo command."""
        self._previewing = True
        self._show(edits.move_items(self._committed, moves))

    def preview_reshape(self, item_id: str, points: Sequence[Sequence[float]]) -> None:
        """Show a tray, feed or obstacle with new points (a vertex drag) without a command."""
        self._previewing = True
        self._show(edits.reshape(self._committed, item_id, points))

    def cancel_preview(self) -> None:
        """Drop the drag preview and show the committed layout again."""
        if self._previewing:
            self._previewing = False
            self._show(self._committed)

    # -- edits (one undo command each) -------------------------------------------------------------

    def _groups_of(self, ids: Iterable[str]) -> list[str]:
        return [self.item_group(i) or "item" for i in ids]

    def _name(self, ids: Sequence[str]) -> str:
        if len(ids) == 1:
            return f"{noun(self._groups_of(ids))} {ids[0]}"
        return noun(self._groups_of(ids))

    def add_racks(self, racks: Sequence[Rack | Mapping[str, Any]]) -> list[str]:
        """Add racks (models or dicts); return their ids, selected."""
        after = edits.add_racks(self._committed, racks, self._catalog)
        ids = [r.id for r in after.racks[len(self._committed.racks):]]
        # set down under a busway it takes its feeds; beside a row's rack it joins the row
        after = edits.settle_racks(after, ids, self.catalog)
        text = f"Add rack {ids[0]}" if len(ids) == 1 else f"Add {len(ids)} racks"
        self._push(text, after, ids)
        return ids

    def remove_items(self, ids: Iterable[str], verb: str = "Delete") -> bool:
        """Delete items (and the references to them); ``verb`` names the edit ("Cut")."""
        ids = [i for i in dict.fromkeys(ids) if i in self._index]
        if not ids:
            return False
        return self._push(f"{verb} {self._name(ids)}", edits.remove_items(self._committed, ids,
                                                                        self.catalog), [])

    def move_items(self, moves: Mapping[str, Sequence[float]], merge_key: Any = None) -> bool:
        """Move items so that their anchors land at ``moves[id]`` (one undo step)."""
        moves = {i: xy for i, xy in moves.items() if i in self._index}
        if not moves:
            self.cancel_preview()
            return False
        after = edits.move_items(self._committed, moves)
        ids = list(moves)
        # a rack set down beside another row's racks joins that row and its busways
        racks = [i for i in ids if self._index[i][0] == "racks"]
        if racks:
            after = edits.settle_racks(after, racks, self.catalog)
        return self._push(f"Move {self._name(ids)}", after, None, merge_key)

    def nudge(self, ids: Sequence[str], dx_m: float, dy_m: float) -> bool:
        """Move items by a step (arrow keys); repeated nudges merge into one undo step.

        A step that would take racks or floor units standing on the floor through a wall
        is refused (``False``, :attr:`last_refusal` says why): a wall stops a nudge, as
        it would the unit; a drag still puts it anywhere."""
        self.last_refusal = ""
        moves = {}
        for i in ids:
            a = edits.item_anchor(self._committed, i) if i in self._index else None
            if a is not None:
                moves[i] = (round(a[0] + dx_m, 6), round(a[1] + dy_m, 6))
        footed = [i for i in moves if self.item_group(i) in ("racks", "cooling")]
        if footed and not edits.off_floor(self._committed, footed, self._catalog):
            out = edits.off_floor(edits.move_items(self._committed, moves), footed,
                                  self._catalog)
            if out:
                names = ", ".join(out[:3]) + (" …" if len(out) > 3 else "")
                self.last_refusal = (f"Not moved: {names} would stand through the hall's "
                                     "wall (Shift+arrow moves 100 mm; a drag places it "
                                     "anywhere)")
                return False
        return self.move_items(moves, merge_key=("nudge", frozenset(moves)))

    def rotate_items(self, ids: Sequence[str], delta_deg: int = 90) -> bool:
        """Turn items counter-clockwise by ``delta_deg`` about the selection's centre;
        a selection that swings partly off the floor (turned near a wall) moves back onto
        it by whole tiles, and the command says so."""
        ids = [i for i in dict.fromkeys(ids) if self.item_group(i) in
               ("racks", "cooling", "feeds", "trays", "obstacles")]
        if not ids:
            return False
        def shifted(lay: Layout, by: tuple[float, float]) -> Layout:
            anchors = {i: edits.item_anchor(lay, i) for i in ids}
            return edits.move_items(lay, {i: (a[0] + by[0], a[1] + by[1])
                                          for i, a in anchors.items() if a is not None})

        base, undone = self._committed, (0.0, 0.0)
        last = next((t for t in self._turns if t[0] is self._committed), None)
        if last is not None and last[1] == frozenset(ids) and last[2] != (0.0, 0.0):
            # the turn that made this layout moved the selection back onto the floor
            # (the last one, or one an undo came back to): this turn starts from where
            # that one would have left it, so turns that add up to a whole turn (R four
            # times, or twice for a half turn) put it back in its place
            undone = (-last[2][0], -last[2][1])
            base = shifted(base, undone)
        after = edits.rotate_items(base, ids, delta_deg)
        turn = {90: "90° counter-clockwise", 180: "180°", 270: "90° clockwise"}.get(
            delta_deg % 360, f"{delta_deg % 360}°")
        text = f"Rotate {self._name(ids)} {turn}"
        shift = (0.0, 0.0)
        # (a selection standing on the floor before the turn; one already off it is left
        # where the turn puts it)
        if not edits.off_floor(self._committed, ids, self._catalog):
            shift = edits.onto_floor(after, ids, self._catalog) or (0.0, 0.0)
            if shift != (0.0, 0.0):
                after = shifted(after, shift)
                text += f" (moved {math.hypot(*shift):.2f} m back onto the floor)"
        net = (shift[0] + undone[0], shift[1] + undone[1])
        if undone != (0.0, 0.0) and math.hypot(*net) > 1e-9 and shift == (0.0, 0.0):
            text += (f" (moved {math.hypot(*net):.2f} m back to where "
                     f"{'they' if len(ids) > 1 else 'it'} stood)")
        pushed = self._push(text, after)
        if pushed:
            # how far this turn moved the items from where turning alone put them: the
            # next turn from this layout starts from there
            self._turns = [(self._committed, frozenset(ids), shift),
                           *self._turns][:_TURNS_KEPT]
        return pushed

    def set_field(self, ids: Sequence[str], field: str, value: Any, merge: bool = False,
                  value_text: str | None = None) -> bool:
        """Set ``field`` of items to a validated value (one undo command).

        ``edits.LAYOUT_ID`` addresses the layout (dotted fields reach into it);
        the pseudo ids ``"hall"`` and ``"assumptions"`` address those parts.
        ``merge`` marks a step of a repeated gesture (a spin box's arrow, the
        wheel): it joins the previous step of the same field pushed within
        :data:`designer.commands.MERGE_WINDOW_S`. A value typed and confirmed is
        an edit of its own and never merges. ``value_text`` is the value as the form
        words it (a choice's label: "Rail-optimized fat-tree", not ``rail_optimized``),
        for the command's text.
        """
        ids = list(dict.fromkeys(ids))
        if len(ids) == 1 and ids[0] in _PSEUDO and ids[0] not in self._index:
            ids, field = [edits.LAYOUT_ID], f"{_PSEUDO[ids[0]]}.{field}"
        after = edits.set_field(self._committed, ids, field, value, self._catalog)
        racks = [i for i in ids if field in ("x_m", "y_m") and i in self._index
                 and self._index[i][0] == "racks"]
        if racks:  # a typed position is a move: the racks join the row they land in
            after = edits.settle_racks(after, racks, self.catalog)
        label, unit = field_label(field)
        now = edits.get_field(after, ids[0], field) if ids else None
        shown = (none_text(field) if now is None else format_value(now, unit)) if ids else ""
        if field == "tiers" and len(ids) == 1:
            # a fabric's tiers are set as a list: say which tier field changed
            label, shown = self._tier_change(ids[0], after) or (label, shown)
        if value_text is not None:
            shown = value_text
        if ids == [edits.LAYOUT_ID]:
            text = f"Set {label} to {shown}"
        elif len(ids) == 1:
            text = f"Set {ids[0]} {label} to {shown}"
        else:
            text = f"Set {label} of {noun(self._groups_of(ids))} to {shown}"
        if field == "type":
            # a rack of another width re-spaces its run (edits.reflow_runs): say so
            text += _respaced_note(self._committed, after, ids)
        # steps of one tier field merge, not steps of two fields of the same tier list
        key = ("set", tuple(ids), field, label) if merge else None
        return self._push(text, after, merge_key=key)

    def _tier_change(self, fabric_id: str, after: Layout) -> tuple[str, str] | None:
        """Return ``(label, value)`` of the one tier field an edit of a fabric's tiers
        changed (``("leaf oversubscription", "2")``), or None when it is not one."""
        old = {t.name: t.model_dump() for t in edits.get_field(self._committed, fabric_id,
                                                               "tiers")}
        new = {t.name: t.model_dump() for t in edits.get_field(after, fabric_id, "tiers")}
        if set(old) != set(new):
            return None
        diffs = [(name, k, v) for name, t in new.items() for k, v in t.items()
                 if old[name].get(k) != v]
        if len(diffs) != 1:
            return None
        name, key, value = diffs[0]
        label, unit = field_label(key)
        return f"{name} {label}", format_value(value, unit)

    def install_device(self, rack_id: str, type_id: str, u: int | None = None) -> int | None:
        """Install a catalog device in a rack (first free U by default); return its U."""
        after = edits.install_device(self._committed, rack_id, type_id, u, self._catalog)
        rack = after.rack(rack_id)
        before = {d.u for d in self._committed.rack(rack_id).devices}
        new_u = next((d.u for d in rack.devices if d.u not in before), None)
        name = self._catalog.devices[type_id].name
        where = f" at U{new_u}" if new_u else ""
        self._push(f"Install {name} in {rack_id}{where}", after, [rack_id])
        return new_u

    def move_device(self, rack_id: str, from_u: int, to_u: int) -> bool:
        """Move a device within its rack."""
        after = edits.move_device(self._committed, rack_id, from_u, to_u, self._catalog)
        dev = next(d for d in self._committed.rack(rack_id).devices if d.u == from_u)
        name = self._device_name(dev.type)
        return self._push(f"Move {name} in {rack_id} from U{from_u} to U{to_u}", after)

    def remove_device(self, rack_id: str, u: int | None = None) -> bool:
        """Remove the device at ``u`` of a rack (``None``: its rack-scale system)."""
        rack = self._committed.rack(rack_id)
        type_id = rack.system if u is None else next((d.type for d in rack.devices if d.u == u), "")
        after = edits.remove_device(self._committed, rack_id, u, self.catalog)
        return self._push(f"Remove {self._device_name(type_id)} from {rack_id}", after)

    def _device_name(self, type_id: str | None) -> str:
        dt = self._catalog.devices.get(type_id or "")
        return dt.name if dt else str(type_id)

    def _added_ids(self, after: Layout) -> list[str]:
        before = self._committed.all_ids()
        return [i for i in self._build_index(after) if i not in before]

    def add_cooling_unit(self, type_id: str, x_m: float, y_m: float, rotation_deg: int = 0,
                         rack: str | None = None) -> str:
        """Add a CRAH, CDU or rear door of a catalog model; return its id."""
        after = edits.add_cooling_unit(self._committed, type_id, x_m, y_m, rotation_deg, rack,
                                       catalog=self._catalog)
        uid = after.cooling[-1].id
        kind = after.cooling[-1].kind.replace("_", " ")
        label = {"crah": "CRAH", "cdu": "CDU"}.get(kind, kind)
        self._push(f"Add {label} {uid}", after, [uid])
        return uid

    def add_feed(self, type_id: str, points: Sequence[Sequence[float]], side: str = "A",
                 racks: Sequence[str] = ()) -> str:
        """Add a busway, rack PDU or RPP of a catalog model; return its id."""
        after = edits.add_feed(self._committed, type_id, points, side, racks,
                               catalog=self._catalog)
        fid = after.feeds[-1].id
        extra = (f" feeding {racks[0]}" if len(racks) == 1 else
                 f" feeding {len(racks)} racks" if racks else "")
        self._push(f"Add feed {fid}{extra}", after, [fid])
        return fid

    def add_tray(self, points: Sequence[Sequence[float]], width_m: float = 0.6) -> str:
        """Add a cable tray along a polyline; return its id."""
        after = edits.add_tray(self._committed, points, width_m)
        tid = after.trays[-1].id
        self._push(f"Add tray {tid}", after, [tid])
        return tid

    def add_link(self, a_rack: str, b_rack: str, speed_gbps: float = 400.0, count: int = 1,
                 a_u: int | None = None, b_u: int | None = None) -> str:
        """Draw an explicit link group between two racks' devices; return its id."""
        after = edits.add_link(self._committed, a_rack, b_rack, a_u, b_u, speed_gbps, count)
        lid = after.links[-1].id
        self._push(f"Link {a_rack} to {b_rack} ({count} x {speed_gbps:g}G)", after, [lid])
        return lid

    def add_fabric(self, fabric: Fabric) -> str:
        """Add a fabric (one command, the fabric selected); return its id."""
        after = edits.add_fabric(self._committed, fabric, self.catalog)
        n = len(fabric.members)
        racks = (f"{n} member rack{'s' * (n != 1)}" if n else
                 "every GPU rack a member")  # no members: every GPU rack of the hall
        self._push(f"Add fabric {fabric.id} ({racks})", after, [fabric.id])
        return fabric.id

    def reshape(self, item_id: str, points: Sequence[Sequence[float]],
                text: str | None = None) -> bool:
        """Give a tray or feed a new polyline, or an obstacle a new polygon (one command)."""
        after = edits.reshape(self._committed, item_id, points)
        return self._push(text or f"Reshape {self._name([item_id])}", after, [item_id])

    def draw_feed(self, type_id: str, points: Sequence[Sequence[float]], side: str = "A",
                  reach_m: float = 0.9) -> str:
        """Add a busway drawn along ``points``; the racks under it (centre within
        ``reach_m``) fed from no run of that side, or only from one out of a tap-off's
        reach, take their feed of that side from it (one command)."""
        racks = edits.feeds_to_take(self._committed, points, side, self.catalog, reach_m)
        after = edits.add_feed(self._committed, type_id, points, side,
                               catalog=self._catalog)
        fid = after.feeds[-1].id
        if racks:
            after = edits.refeed_side(after, racks, fid)
        extra = (f" feeding {racks[0]}" if len(racks) == 1 else
                 f" feeding {len(racks)} racks" if racks else "")
        self._push(f"Add feed {fid}{extra}", after, [fid])
        return fid

    def align(self, ids: Sequence[str], edge: str) -> bool:
        """Line up the selected racks and units on one edge or centre (one command)."""
        after = edits.align_items(self._committed, ids, edge, self._catalog)
        words = {"center_x": "centres across", "center_y": "centres along"}
        return self._push(f"Align {self._name(list(ids))} {words.get(edge, edge)}", after)

    def align_to_rows(self, ids: Sequence[str]) -> bool:
        """Set the selected racks in their rows' lines (one command)."""
        after = edits.align_to_rows(self._committed, ids, self._catalog)
        whose = "its row" if len(ids) == 1 else "their rows"
        return self._push(f"Set {self._name(list(ids))} in line with {whose}", after)

    def distribute(self, ids: Sequence[str], axis: str) -> bool:
        """Spread the selected racks and units evenly along x or y (one command)."""
        after = edits.distribute_items(self._committed, ids, axis, self._catalog)
        return self._push(f"Distribute {self._name(list(ids))} along {axis}", after)

    def add_rack_row(self, model_id: str, start: Sequence[float],
                     end: Sequence[float]) -> list[str]:
        """Add a row of copies of a rack from ``start`` to ``end`` (one command); return
        the new racks' ids, selected."""
        after = edits.rack_row(self._committed, model_id, start, end, self._catalog)
        ids = [r.id for r in after.racks[len(self._committed.racks):]]
        self._push(f"Add a row of {len(ids)} racks like {model_id}", after, ids)
        return ids

    def add_wall(self, points: Sequence[Sequence[float]], thickness_m: float = 0.2) -> str:
        """Add a wall of ``thickness_m`` drawn along a polyline; return its id."""
        return self.add_obstacle(edits.wall_polygon(points, thickness_m), "wall")

    def add_obstacle(self, polygon: Sequence[Sequence[float]], kind: str = "column") -> str:
        """Add a column, wall or keep-out zone; return its id."""
        after = edits.add_obstacle(self._committed, polygon, kind)
        oid = after.hall.obstacles[-1].id
        self._push(f"Add {kind} {oid}", after, [oid])
        return oid

    def duplicate(self, ids: Sequence[str], offset: Sequence[float] = (0.6, -0.6)) -> list[str]:
        """Copy items under new ids, moved by ``offset``; return the new ids, selected."""
        ids = [i for i in dict.fromkeys(ids) if self.item_group(i) in
               ("racks", "cooling", "feeds", "trays", "obstacles")]
        if not ids:
            return []
        payload = edits.copy_items(self._committed, ids)
        new_ids = edits.paste_ids(self._committed, payload)
        after = edits.paste(self._committed, payload, offset, new_ids, self._catalog)
        fresh = list(new_ids.values())
        self._push(f"Duplicate {self._name(ids)}", after, fresh)
        return fresh

    def copy(self, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Return a clipboard payload of items (see :func:`engine.edits.copy_items`)."""
        return edits.copy_items(self._committed, ids)

    def paste(self, payload: Mapping[str, Sequence[Mapping[str, Any]]],
              offset: Sequence[float] = (0.0, 0.0)) -> list[str]:
        """Add a clipboard payload under new ids, moved by ``offset``; return the new ids."""
        if not any(payload.values()):
            return []
        new_ids = edits.paste_ids(self._committed, payload)
        after = edits.paste(self._committed, payload, offset, new_ids, self._catalog)
        fresh = list(new_ids.values())
        self._push(f"Paste {noun(self._groups_of_payload(payload))}", after, fresh)
        return fresh

    @staticmethod
    def _groups_of_payload(payload: Mapping[str, Sequence[Any]]) -> list[str]:
        return [g for g, items in payload.items() for _ in items]
