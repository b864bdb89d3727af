"""Fixtures of the designer tests: an offscreen Qt, a document, a main window.

``tests/conftest.py`` already isolates user folders, the Qt settings (recent
files, window state) and the recovery folder, and removes them at exit.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from engine.catalog import load_catalog  # noqa: E402
from engine.templates import instantiate  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_gui_thread(qapp):
    """Python's cyclic garbage collected on the GUI thread only, as in the designer
    (``designer/gui_gc.py``): the tests start analyses, previews and comparisons on Qt's
    thread pool, and a collection there that frees a Qt object deadlocks that thread
    against the GUI thread (it takes Qt's signal lock, then waits for the interpreter
    lock the GUI thread holds while it waits for that signal lock)."""
    from designer.gui_gc import collect_on_gui_thread

    collect_on_gui_thread(qapp)
    yield


@pytest.fixture(scope="session")
def builtin_catalog():
    """The built-in catalog (no user files)."""
    return load_catalog(user_dir=None)


@pytest.fixture(scope="session")
def default_layout(builtin_catalog):
    """The built-in default hall: 16 DGX H100 racks in two rows, CRAHs, A/B busways."""
    return instantiate("dgx-h100-hall", {}, catalog=builtin_catalog)


@pytest.fixture
def recovery_dir(tmp_path, monkeypatch):
    """A fresh recovery folder for the test."""
    folder = tmp_path / "recovery"
    monkeypatch.setenv("RACKSCAPE_RECOVERY_DIR", str(folder))
    return folder


@pytest.fixture
def doc(qapp, default_layout, builtin_catalog, recovery_dir):
    """A document on the default hall, analyzing synchronously, no autosave timer."""
    from designer.document import LayoutDocument

    d = LayoutDocument(default_layout, catalog=builtin_catalog, analysis_mode="sync",
                       autosave_ms=0)
    yield d
    d.close()


@pytest.fixture
def view(qtbot, doc):
    """A shown floor plan view of ``doc`` (no main window), fitted to the hall."""
    from PySide6.QtWidgets import QApplication

    from designer.canvas import FloorPlanScene, FloorPlanView

    scene = FloorPlanScene(doc)
    v = FloorPlanView(scene)
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    v.zoom_to_fit()
    QApplication.processEvents()
    return v


@pytest.fixture
def window(qtbot, doc):
    """A shown main window on ``doc`` (panels included when they import)."""
    from panel_helpers import open_window

    yield open_window(qtbot, doc)


def pytest_sessionfinish(session, exitstatus):
    """Tear Qt down while the interpreter is whole.

    Qt objects that tests leave to Python's garbage collector (and mime data
    left on the clipboard) would otherwise be destroyed during interpreter
    shutdown, after PySide6's own teardown, which crashes the process after
    every test has passed.
    """
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    # the clipboard is a Qt static: mime data left on it by copy tests is destroyed at C
    # exit, after Python, and crashes the process
    QApplication.clipboard().clear()
    for w in QApplication.topLevelWidgets():
        w.close()
        w.deleteLater()
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    gc.collect()
