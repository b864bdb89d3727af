"""Start the designer, or render its main window offscreen (``--screenshot``).

Qt objects are made inside these functions and dropped before they return:
PySide6 can abort at interpreter exit when Qt objects outlive the application.

Environment hooks: ``RACKSCAPE_QUIT_AFTER_MS`` closes the window after that
many milliseconds (tests start the app in a subprocess with it), and
``RACKSCAPE_NO_RECOVERY=1`` skips the restore offer.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from engine.errors import InputError

__all__ = ["run_app", "screenshot", "load_start_layout", "parse_size", "overlay_keys",
           "DEFAULT_TEMPLATE"]

DEFAULT_TEMPLATE = "dgx-h100-hall"


def _qt_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        from designer.reports.qtapp import utf8_locale

        utf8_locale()
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("Rackscape")
    app.setApplicationName("Rackscape")
    app.setStyle("Fusion")
    # mime data of a copy lives on the clipboard, a Qt static destroyed after Python at exit;
    # dropping it while Python still runs keeps the exit clean
    app.aboutToQuit.connect(_clear_clipboard)
    return app


def _quiet_platform_notes(on: bool) -> None:
    """Drop (or stop dropping) the offscreen platform's note that it ignores window
    size hints, printed for every window; Qt's other messages still reach stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler if on else None)


def _clear_clipboard() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.clipboard().clear()


def load_start_layout(file: str | os.PathLike | None):
    """Return ``(layout, path, analyzer)`` to start with: the file, or the default hall.

    Raises :class:`InputError` for an unreadable file or one naming hardware
    the catalog does not have.
    """
    from designer.document import analyze_layout
    from engine.catalog import default_catalog
    from engine.io import load_layout
    from engine.templates import instantiate

    if file:
        layout = load_layout(file)
        return layout, Path(file), analyze_layout(layout, default_catalog(), file)
    layout = instantiate(DEFAULT_TEMPLATE, {})
    return layout, None, analyze_layout(layout, default_catalog())


def parse_size(size: str) -> tuple[int, int]:
    """Parse ``"1600x1000"``.

    Examples
    --------
    >>> parse_size("1600x1000")
    (1600, 1000)
    """
    found = re.fullmatch(r"\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*", str(size).lower())
    if found is None:  # (ASCII digits, as --set and a report's --size take)
        raise InputError(None, "--size", f"WIDTHxHEIGHT in pixels (got {size!r})")
    w, h = int(found[1]), int(found[2])
    if not (200 <= w <= 10000 and 200 <= h <= 10000):
        raise InputError(None, "--size", f"a size from 200x200 to 10000x10000 (got {size})")
    return w, h


def overlay_keys(names) -> list[str]:
    """Return canonical overlay keys from names like ``["heatmap,cooling", "all"]``.

    The same names as ``rackscape report --overlay`` (one parser for both).

    Examples
    --------
    >>> overlay_keys(["heat,zones", "violations"])
    ['heatmap', 'cooling', 'violations']
    """
    from designer.reports.floorplan import OVERLAYS, normalize_overlays

    try:
        return list(normalize_overlays(names))
    except ValueError:
        raise InputError(None, "--overlay", f"one of {', '.join(OVERLAYS)} or all "
                         f"(got {names!r})") from None


def fault_message(exc: BaseException) -> str:
    """Return what the designer tells the user about an error no part of it expected.

    Examples
    --------
    >>> fault_message(KeyError("x"))[:60]
    'Rackscape hit an error it did not expect (KeyError: x). The '
    """
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    what = what.replace("'", "")
    return (f"Rackscape hit an error it did not expect ({what}). The action you chose did "
            "not complete; your design is as it was before it. The details are on the "
            "terminal that started Rackscape.")


def install_fault_dialog(window) -> None:
    """Show an error that escapes a menu action or a widget as a message over ``window``
    (and its traceback on stderr) instead of leaving the action silently undone."""
    import traceback

    from PySide6.QtWidgets import QMessageBox

    showing = []

    def hook(kind, exc, tb) -> None:
        traceback.print_exception(kind, exc, tb)
        if issubclass(kind, KeyboardInterrupt) or showing:
            return
        showing.append(True)
        try:
            QMessageBox.critical(window, "Unexpected error", fault_message(exc))
        finally:
            showing.clear()

    sys.excepthook = hook


def _png_or_absent(path: str | os.PathLike) -> bool:
    """Whether ``path`` is free to write a screenshot to: no file there, an empty file,
    or a PNG image (its signature)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # unreadable: the write says what is wrong with it
    return head in (b"", b"\x89PNG\r\n\x1a\n")


def _quit_on_interrupt(app) -> list[bool]:
    """Make Ctrl+C in the terminal (SIGINT) close the designer's windows without a
    traceback: unsaved changes are written to the recovery file, which the next start
    offers back. Return a list that holds True once that happened."""
    import signal

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from designer.mainwindow import MainWindow

    done: list[bool] = []

    def close_all() -> None:
        if done:
            return
        done.append(True)
        kept = [w.interrupt_close() for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and w.isVisible()]
        print("rackscape: interrupted" + ("; unsaved changes are kept for recovery at the "
                                          "next start" if any(kept) else ""),
              file=sys.stderr)
        app.quit()

    # Python runs the handler between bytecodes (the GUI thread's timers run Python
    # often); the close itself waits for the event loop
    signal.signal(signal.SIGINT, lambda *_a: QTimer.singleShot(0, close_all))
    return done


def run_app(file: str | os.PathLike | None = None, *, report_catalog: bool = True) -> int:
    """Open the designer on ``file`` (or the default hall); return the exit code.

    A bad file prints one line on stderr and returns 2 before any window opens.
    Skipped user catalog files show in the status bar, and on stderr unless
    ``report_catalog`` is false (the ``rackscape`` command has named them already).
    """
    try:
        layout, path, analyzer = load_start_layout(file)
    except InputError as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QTimer

    from designer.document import LayoutDocument
    from designer.gui_gc import collect_on_gui_thread
    from designer.mainwindow import MainWindow

    app = _qt_app()
    collect_on_gui_thread(app)  # never on a worker thread, where freeing a widget deadlocks
    doc = LayoutDocument(layout, path, analyzer=analyzer)
    win = MainWindow(doc)
    install_fault_dialog(win)
    if path is not None:  # opened from the command line: as File > Open would, it is recent
        win.add_recent(path)
    win.show()
    for problem in doc.catalog.problems if report_catalog else ():
        print(f"rackscape: skipped user catalog file: {problem}", file=sys.stderr)
    for note in doc.catalog.notes if report_catalog else ():
        print(f"rackscape: note: {note}", file=sys.stderr)
    if doc.catalog.problems:
        win.statusBar().showMessage(f"Skipped {len(doc.catalog.problems)} bad user catalog "
                                    f"file(s): {doc.catalog.problems[0]}", 15000)
    quit_ms = os.environ.get("RACKSCAPE_QUIT_AFTER_MS")
    if quit_ms:
        QTimer.singleShot(max(0, int(quit_ms)), win.force_close)
    elif os.environ.get("RACKSCAPE_NO_RECOVERY") != "1":
        QTimer.singleShot(0, win.offer_startup_recovery)
    interrupted = _quit_on_interrupt(app)
    code = app.exec()
    sys.excepthook = sys.__excepthook__
    if interrupted:
        code = 130  # as a shell reports a program ended by Ctrl+C
    doc.close(keep_recovery=getattr(win, "keep_recovery", False))
    win.deleteLater()
    del win, doc
    app.processEvents()
    return int(code)


def screenshot(out: str | os.PathLike, file: str | os.PathLike | None = None,
               size: str = "1600x1000", overlays=(), metric: str = "kw",
               select=()) -> int:
    """Render the main window offscreen with a layout to a PNG; return 0.

    Parameters
    ----------
    out : path
        The PNG to write.
    file : path, optional
        A layout file (default: the built-in default hall).
    size : str
        Window size ``"WxH"`` in pixels.
    overlays : list of str
        Overlay names (``heatmap``, ``cooling``, ``airflow``, ``cables``,
        ``violations``, or ``all``).
    metric : str
        Rack colouring: ``kw``, ``utilization`` or ``liquid``.
    select : list of str
        Ids to select (comma-separated allowed), so the inspector and the rack
        elevation show them.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if Path(out).suffix.lower() != ".png":
        raise InputError(str(out), "--screenshot", "a file name ending in .png")
    from engine.io import output_path, own_folder_clash, project_file_kind

    output_path(out)  # a folder, pipe or device is refused before anything is drawn
    if clash := own_folder_clash(out):
        raise InputError(str(out), "--screenshot", clash)
    kind = project_file_kind(out)
    if kind:  # a layout, template or catalog (or a link to one) would be lost
        raise InputError(str(out), "--screenshot", f"a PNG file name (this file is "
                         f"{kind}, which a screenshot cannot replace)")
    if not _png_or_absent(out):  # an older screenshot is replaced; anything else is kept
        raise InputError(str(out), "--screenshot", "a new file name or a PNG image to "
                         "replace (this file is not a PNG image, and stays as it is)")
    w, h = parse_size(size)
    keys = overlay_keys(overlays)
    if metric not in ("kw", "utilization", "liquid"):
        raise InputError(None, "--metric", f"kw, utilization or liquid (got {metric!r})")
    try:
        layout, path, analyzer = load_start_layout(file)
    except InputError as exc:
        print(f"rackscape: {exc}", file=sys.stderr)
        return 2
    from designer.gui_gc import collecting_here

    _quiet_platform_notes(True)
    try:
        with collecting_here():  # no collection on an analysis thread, where Qt objects live
            return _render_screenshot(out, layout, path, analyzer, (w, h), keys, metric,
                                      select)
    finally:
        _quiet_platform_notes(False)


def _render_screenshot(out, layout, path, analyzer, size, keys, metric, select) -> int:
    from designer.document import LayoutDocument
    from designer.mainwindow import MainWindow

    w, h = size
    app = _qt_app()
    doc = LayoutDocument(layout, path, analysis_mode="sync", autosave_ms=0, analyzer=analyzer)
    win = MainWindow(doc, restore_state=False)
    win.resize(w, h)
    win.set_metric(metric)
    for k in keys:
        win.set_overlay(k, True)
    ids = [i.strip() for item in select or () for i in str(item).split(",") if i.strip()]
    unknown = [i for i in ids if doc.item(i) is None]
    if unknown:
        win.force_close()
        raise InputError(None, "--select", f"ids of the layout (unknown {unknown[0]!r})")
    doc.select(ids)
    win.show()
    for _ in range(3):
        app.processEvents()
    win._size_docks()
    app.processEvents()
    win.view.zoom_to_fit()
    app.processEvents()
    from designer.reports.files import write_png_image

    image = win.grab()
    win.force_close()
    win.deleteLater()
    del win, doc
    app.processEvents()
    try:
        # a temp file renamed over the old one: a failed write never leaves half an image
        write_png_image(image, out)
    except OSError as exc:
        print(f"rackscape: {out}: --screenshot: expected a writable PNG file "
              f"({exc.strerror or exc})", file=sys.stderr)
        return 2
    return 0
