"""Cyclic garbage is collected on the GUI thread only (a collection on a worker thread
that freed a Qt object once froze the designer on a palette drop). Run in a fresh
interpreter: the collector it installs is process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import gc, os, threading, weakref
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QApplication
    from designer.gui_gc import TIMER_NAME, collect_on_gui_thread

    app = QApplication([])
    assert gc.isenabled()
    collect_on_gui_thread(app)
    collect_on_gui_thread(app)  # once per application
    assert not gc.isenabled()
    assert len(app.findChildren(QObject, TIMER_NAME)) == 1

    threads = []
    gc.callbacks.append(lambda phase, info: phase == "start"
                        and threads.append(threading.current_thread().name))

    class Node:
        pass

    def cycles(n):
        refs = []
        for _ in range(n):
            a, b = Node(), Node()
            a.other, b.other = b, a
            refs.append(weakref.ref(a))
        return refs

    refs = []
    worker = threading.Thread(target=lambda: refs.extend(cycles(50_000)), name="worker")
    worker.start()
    worker.join()
    assert all(r() is not None for r in refs), "nothing collected on the worker"
    QTimer.singleShot(1500, app.quit)
    app.exec()
    alive = sum(r() is not None for r in refs)
    print(sorted(set(threads)), alive, len(refs))
""")


def test_cycles_made_on_a_worker_are_collected_by_the_gui_thread():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names, alive, made = proc.stdout.rsplit(" ", 2)
    assert names == "['MainThread']" and int(made) == 50_000
    assert int(alive) == 0, "the GUI thread's timer collected them"


def test_a_headless_report_collects_on_its_own_thread_only(tmp_path, monkeypatch):
    """A report builds the designer's scene and analyzes (on a thread pool for the
    cooling model's largest step) with no event loop to run the GUI collector: automatic
    collection is off while it writes, back on afterwards."""
    import gc

    import designer.reports.png as png_mod
    from designer.reports import export
    from engine.analysis import analyze
    from engine.templates import instantiate

    seen = []
    real = png_mod.write_png

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(png_mod, "write_png", spy)
    lay = instantiate("dgx-h100-hall", {"racks": 2})
    # as in a headless command (the designer tests collect on the GUI thread instead)
    was = gc.isenabled()
    gc.enable()
    try:
        export(lay, analyze(lay), tmp_path / "plan.png", size=(400, 300))
        assert seen == [False] and gc.isenabled()
    finally:
        if not was:
            gc.disable()
    assert (tmp_path / "plan.png").stat().st_size > 0
