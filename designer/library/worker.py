"""Run engine work off the GUI thread, newest request first.

A :class:`TaskRunner` runs one callable at a time on its own thread pool. Each
submission gets a serial number; a request that has not started when a newer
one arrives is dropped, so a burst of parameter changes computes only the
last. Results come back on the GUI thread through :attr:`TaskRunner.finished`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["TaskRunner"]


class _Task(QRunnable):
    def __init__(self, runner: TaskRunner, serial: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner, self._serial, self._fn = runner, serial, fn

    def run(self) -> None:
        if not self._runner._is_latest(self._serial):
            return  # a newer request replaced this one before it started
        try:
            result = self._fn()
        except Exception as exc:  # reported to the GUI, never lost in a thread
            self._emit(None, f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        self._emit(result, "")

    def _emit(self, result: Any, error: str) -> None:
        # the dialog that asked may have closed (and its runner been deleted) while the
        # work ran: then nobody waits for the answer
        try:
            self._runner.finished.emit(self._serial, result, error)
        except RuntimeError:
            pass


class TaskRunner(QObject):
    """Run callables on one background thread; ``finished(serial, result, error)``."""

    finished = Signal(int, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._serial = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    @property
    def latest(self) -> int:
        """The serial of the newest request."""
        with self._lock:
            return self._serial

    def _is_latest(self, serial: int) -> bool:
        with self._lock:
            return serial == self._serial

    def submit(self, fn: Callable[[], Any]) -> int:
        """Queue ``fn`` and return its serial number."""
        with self._lock:
            self._serial += 1
            serial = self._serial
        self._pool.start(_Task(self, serial, fn))
        return serial

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block until the pool is idle; return whether it is."""
        return self._pool.waitForDone(timeout_ms)
