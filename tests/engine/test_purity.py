"""engine/ never imports Qt, pyqtgraph or the designer (also an import-linter contract).

A fresh interpreter installs a meta path finder that refuses those packages,
then imports every module under ``engine``; any forbidden import fails it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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
