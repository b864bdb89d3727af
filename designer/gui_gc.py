"""Python's cyclic garbage collection on the GUI thread only.

The designer analyzes, previews and compares on worker threads. Python runs its
cyclic collector on whichever thread happens to allocate, so a collection on a
worker could free a Qt object (a widget of a closed form caught in a reference
cycle): Qt then takes its signal lock and PySide waits for the interpreter lock
held by the GUI thread, itself waiting on that signal lock. The designer froze
that way once on a palette drop. :func:`collect_on_gui_thread` turns the automatic
collector off and runs it from a timer on the GUI thread, with the same per-generation
thresholds (the approach of pyqtgraph's ``GarbageCollector``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collect_on_gui_thread", "collect_due", "collecting_here", "TIMER_NAME"]

#: object name of the timer, found on the application to install it once
TIMER_NAME = "rackscape-gui-gc"


def collect_due(counts: tuple[int, int, int], thresholds: tuple[int, int, int]) -> int:
    """Return the oldest generation due for collection (-1: none), as Python's own
    collector decides: generation 0 past its threshold, and each older one too.

    Examples
    --------
    >>> collect_due((10, 0, 0), (700, 10, 10))
    -1
    >>> collect_due((701, 3, 0), (700, 10, 10)), collect_due((701, 11, 11), (700, 10, 10))
    (0, 2)
    """
    due = -1
    for gen in range(3):
        if counts[gen] <= thresholds[gen]:
            break
        due = gen
    return due


def _collect(thresholds: tuple[int, int, int]) -> None:
    gen = collect_due(gc.get_count(), thresholds)
    if gen >= 0:
        gc.collect(gen)


def collect_on_gui_thread(app, interval_ms: int = 500) -> None:
    """Disable automatic collection and collect every ``interval_ms`` on ``app``'s thread.

    Installed once per application (a second call does nothing); the timer is the
    application's child, so no Qt object outlives it.
    """
    from PySide6.QtCore import QObject, QTimer

    if app is None or app.findChild(QObject, TIMER_NAME) is not None:
        return
    thresholds = gc.get_threshold()
    timer = QTimer(app)
    timer.setObjectName(TIMER_NAME)
    timer.timeout.connect(lambda: _collect(thresholds))
    gc.disable()
    timer.start(interval_ms)


@contextmanager
def collecting_here() -> Iterator[None]:
    """Keep automatic collection off for the block, so none runs on a worker thread.

    For Qt work with no event loop to run :func:`collect_on_gui_thread`'s timer: a
    headless report or screenshot builds a scene and analyzes synchronously, and the
    cooling model spreads its largest step over a thread pool. Collection resumes on
    the calling thread afterwards; inside the designer (already collecting on its own
    thread) the block changes nothing.

    Examples
    --------
    >>> with collecting_here():
    ...     gc.isenabled()
    False
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
