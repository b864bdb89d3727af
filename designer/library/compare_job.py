"""Run a comparison one generation at a time off the GUI thread.

:func:`engine.compare.compare` returns the rows of all the generations asked for at
once, and the most blocks that fit a hall take seconds per generation. Each generation
is laid out and analyzed on its own, so asking for one generation at a time gives the
same rows, and the window can show each as it arrives. The window stops waiting for
a cancelled run at once; the run itself stops at the comparison's next probe (one
layout sized or analysed, well under a second on the reference designs), through
:func:`compare`'s ``should_stop``, and sends nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.compare import CompareCancelled, CompareRow, compare

__all__ = ["CompareJobs"]


class _Run(QRunnable):
    def __init__(self, jobs: CompareJobs, serial: int, intent: dict[str, Any], catalog: Any,
                 stop: threading.Event, compare_fn: Callable[..., list[CompareRow]]) -> None:
        super().__init__()
        self._jobs, self._serial, self._intent = jobs, serial, intent
        self._catalog, self._stop, self._compare = catalog, stop, compare_fn

    def _emit(self, signal: str, *args: Any) -> None:
        if self._stop.is_set():
            return
        try:
            getattr(self._jobs, signal).emit(self._serial, *args)
        except RuntimeError:  # the window went away meanwhile
            self._stop.set()

    def run(self) -> None:
        kw = dict(self._intent)
        gens = list(kw.pop("generations"))
        rows: list[CompareRow] = []
        for k, gen in enumerate(gens):
            if self._stop.is_set():
                return
            self._emit("generation_started", k)
            try:
                row = self._compare(catalog=self._catalog, generations=[gen],
                                    should_stop=self._stop.is_set,
                                    progress=lambda _gen, n, k=k: self._emit("probed", k, n),
                                    **kw)[0]
            except CompareCancelled:
                return
            except Exception as exc:  # reported to the window, never lost in a thread
                self._emit("failed", str(exc) or type(exc).__name__)
                return
            rows.append(row)
            self._emit("row_ready", k, row)
        self._emit("finished", rows)


class CompareJobs(QObject):
    """Comparison runs on a thread pool; signals carry the serial of their run.

    ``generation_started(serial, index)``, ``probed(serial, index, probes)`` (the
    layouts sized or analysed so far for that generation), ``row_ready(serial, index,
    row)``, ``finished(serial, rows)`` and ``failed(serial, message)`` arrive on the
    thread that made this object. A cancelled run sends nothing more, and stops
    computing at its next probe.
    """

    generation_started = Signal(int, int)
    probed = Signal(int, int, int)
    row_ready = Signal(int, int, object)
    finished = Signal(int, list)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None,
                 compare_fn: Callable[..., list[CompareRow]] | None = None) -> None:
        super().__init__(parent)
        self._compare = compare_fn if compare_fn is not None else compare
        self._serial = 0
        self._stops: dict[int, threading.Event] = {}
        self._pool = QThreadPool(self)
        # a run cancelled mid-probe finishes that probe: a new run need not wait for it
        self._pool.setMaxThreadCount(2)

    def start(self, intent: dict[str, Any], catalog: Any) -> int:
        """Start comparing ``intent`` (the keyword arguments of :func:`compare`, with
        ``generations``); return the run's serial."""
        self._serial += 1
        stop = threading.Event()
        self._stops = {s: e for s, e in self._stops.items() if not e.is_set()}
        self._stops[self._serial] = stop
        self._pool.start(_Run(self, self._serial, intent, catalog, stop, self._compare))
        return self._serial

    def cancel(self, serial: int | None = None) -> None:
        """Stop run ``serial`` (every run when None) at its next probe."""
        for s, stop in list(self._stops.items()):
            if serial is None or s == serial:
                stop.set()
                del self._stops[s]

    def wait(self, timeout_ms: int = 120_000) -> bool:
        """Block until no run computes anything; return whether none does."""
        return self._pool.waitForDone(timeout_ms)
