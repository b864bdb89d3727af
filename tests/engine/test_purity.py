"""engine/ never imports Qt, pyqtgraph or the designer (also an import-linter contract).

A fresh interpreter installs a meta path finder that refuses those packages,
then imports every module under ``engine``; any forbidden import fails it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import importlib, importlib.abc, pkgutil, sys

    FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "designer")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in FORBIDDEN:
                raise ImportError(f"engine must not import {name}")
            return None

    sys.meta_path.insert(0, Block())
    import engine
    names = sorted(m.name for m in pkgutil.walk_packages(engine.__path__, "engine."))
    for name in names:
        importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
    assert not loaded, loaded
    print(len(names), " ".join(names))
""")


def test_engine_imports_without_qt_pyqtgraph_or_designer():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    count, *names = proc.stdout.split()
    core = {"engine.model", "engine.io", "engine.errors", "engine.catalog", "engine.compile",
            "engine.power", "engine.cooling", "engine.floor", "engine.rules", "engine.analysis",
            "engine.templates", "engine.expr", "engine.network"}
    assert core <= set(names)
    assert int(count) == len(names)


def test_the_blocker_works():
    # the same finder must stop a direct Qt import, or the test above proves nothing
    probe = SCRIPT.replace("import engine\n", "import designer.cli\nimport engine\n", 1)
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode != 0 and "must not import designer" in proc.stderr


THREADS = textwrap.dedent("""
    import os, sys
    import {first}
    import numpy as np
    a = np.ones(400_000)
    for _ in range(20):
        np.dot(a, a)  # a multi-threaded BLAS starts its workers here
    print(len(os.listdir(f"/proc/{{os.getpid()}}/task")))
""")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("first", ["engine", "designer.cli"])
def test_the_engine_keeps_blas_on_the_calling_thread(first):
    """OpenBLAS's workers spin after each call; on a 2-core machine one took the GUI
    thread's core (a 100k-GPU drag step 67 ms with them, 21 ms without)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", THREADS.format(first=first)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == 1
    # and the check can fail: numpy loaded first gets a worker per core
    probe = THREADS.format(first="numpy") if (os.cpu_count() or 1) > 1 else None
    if probe:
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              cwd=ROOT, timeout=300, env=env)
        assert int(proc.stdout) > 1
