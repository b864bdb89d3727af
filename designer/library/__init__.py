"""Template library in the designer: new from template, save selection, bundles, compare, retarget.

:func:`install` adds the actions to a main window's menus without the window
knowing about them:

- File → New from template… (takes over the window's own action when it has one)
- File → Library → Import bundle… / Export bundle…
- Edit → Save selection as template…
- Tools → Compare generations… / Retarget to generation…

Nothing here creates a Qt object at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["install", "new_from_template_action", "save_selection_action", "compare_action"]


def _plain(text: str) -> str:
    return text.replace("&", "").replace("…", "").replace("...", "").strip().lower()


def _menu(window: Any, title: str, before: str | None = None):
    """Return the menu bar's menu ``title`` (made, before menu ``before``, when missing)."""
    from PySide6.QtWidgets import QMenu

    bar = window.menuBar()
    for act in bar.actions():
        if act.menu() is not None and _plain(act.text()) == _plain(title):
            return act.menu()
    menu = QMenu(title, window)
    anchor = next((a for a in bar.actions() if before and _plain(a.text()) == _plain(before)),
                  None)
    if anchor is not None:
        bar.insertMenu(anchor, menu)
    else:
        bar.addMenu(menu)
    return menu


def _find_action(window: Any, key: str, text: str):
    from PySide6.QtGui import QAction

    found = getattr(window, "actions_by_name", {}).get(key)
    if found is not None:
        return found
    for act in window.findChildren(QAction):
        if act.objectName() == key or _plain(act.text()) == _plain(text):
            return act
    return None


def _maybe_save(window: Any) -> bool:
    ask = getattr(window, "_maybe_save", None)
    return bool(ask()) if callable(ask) else True


def new_from_template_action(window: Any) -> bool:
    """File → New from template…: the dialog, then the layout replaces the open one."""
    from designer.library.new_from_template import NewFromTemplateDialog

    doc = window.document
    # the unsaved-changes question comes when Create is pressed, not before the picker:
    # a Discard answered there would be no discard once the picker is cancelled. A
    # Cancel at the question returns to the dialog with its choices as they were.
    # the open design's own template comes up first, so "the same, but bigger" is one change
    dlg = NewFromTemplateDialog(window, doc.layout.generation, doc.catalog,
                                confirm_replace=lambda: _maybe_save(window), layout=doc.layout)
    if dlg.exec() and dlg.layout_result is not None:
        folder = doc.path.parent if doc.path is not None else None
        doc.set_layout(dlg.layout_result)
        # a short name (the template's id and size) beside the design it replaced
        stem = getattr(dlg, "file_stem", None)
        if callable(stem) and hasattr(window, "save_suggestion"):
            name = Path(f"{stem()}.json")
            window.save_suggestion = folder / name if folder is not None else name
        # a generated design exists nowhere else yet: closing it asks first
        doc.mark_unsaved()
        fit = getattr(getattr(window, "view", None), "zoom_to_fit", None)
        if callable(fit):
            fit()
        return True
    return False


def save_selection_action(window: Any):
    """Edit → Save selection as template…; return the saved path (None when cancelled)."""
    from designer.library.save_template import SaveSelectionAsTemplateDialog

    doc = window.document
    dlg = SaveSelectionAsTemplateDialog(doc.layout, doc.selection, window, doc.catalog)
    if dlg.exec() and dlg.saved_path is not None:
        window.statusBar().showMessage(f"Saved template “{dlg.template.id}” to "
                                       f"{dlg.saved_path}", 8000)
        return dlg.saved_path
    return None


def compare_action(window: Any):
    """Tools → Compare generations…: one comparison window per main window, raised when open."""
    from designer.library.compare_window import CompareWindow

    win = window.__dict__.get("_compare_window")
    fresh = win is None
    if fresh:
        win = CompareWindow(window, window.document.catalog)
        window._compare_window = win
    if not win.isVisible():  # (re)opened: start from the design open now
        a = getattr(window.document, "analysis", None)
        win.set_intent_gpus(int(getattr(a, "counts", {}).get("gpus", 0)) if a is not None else 0)
        # its hall too: the bounding box of the hall's outline
        x0, y0, x1, y1 = window.document.layout.hall.bounds()
        win.set_intent_hall(x1 - x0, y1 - y0)
        # (a first comparison cancelled by closing the window runs again)
        if fresh or win.rows or win.model.columnCount() == 0:
            win.run()
    win.show()
    win.raise_()
    win.activateWindow()
    return win


def install(window: Any) -> dict[str, Any]:
    """Add the library's actions to ``window``'s menus; return them by name.

    ``window`` is a :class:`QMainWindow` with a ``document``
    (:class:`designer.document.LayoutDocument`). Calling it twice changes nothing.
    """
    from PySide6.QtGui import QAction, QKeySequence

    from designer.library.bundles import export_bundle_action, import_bundle_action
    from designer.library.retarget import retarget_action

    done = window.__dict__.get("_library_actions")
    if done is not None:
        return done

    def action(key: str, text: str, slot, tip: str = "", shortcut: str | None = None) -> QAction:
        act = QAction(text, window)
        act.setObjectName(key)
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _checked=False: slot(window))
        return act

    acts: dict[str, Any] = {}
    file_menu = _menu(window, "&File")
    existing = _find_action(window, "new_template", "New from template")
    if existing is not None:
        try:
            existing.triggered.disconnect()
        except (RuntimeError, TypeError):
            pass  # nothing was connected
        existing.triggered.connect(lambda _checked=False: new_from_template_action(window))
        existing.setObjectName(existing.objectName() or "new_template")
        acts["new_template"] = existing
    else:
        acts["new_template"] = action("new_template", "New from &template…", new_from_template_action,
                                      "Start a design from a template library", "Ctrl+Shift+N")
        first = file_menu.actions()
        file_menu.insertAction(first[1] if len(first) > 1 else None, acts["new_template"])

    lib = _menu_in(file_menu, "&Library", window)
    acts["library_import"] = action("library_import", "&Import bundle…", import_bundle_action,
                                    "Install a template bundle (.rsbundle) into your library")
    acts["library_export"] = action("library_export", "&Export bundle…", export_bundle_action,
                                    "Write templates of your library to one bundle file")
    lib.addActions([acts["library_import"], acts["library_export"]])

    edit_menu = _menu(window, "&Edit", before="&View")
    acts["save_selection_template"] = action(
        "save_selection_template", "Save selection as &template…", save_selection_action,
        "Save the selected racks and units as a template in your library")
    edit_menu.addSeparator()
    edit_menu.addAction(acts["save_selection_template"])

    tools = _menu(window, "&Tools", before="&Help")
    acts["compare"] = action("compare", "&Compare generations…", compare_action,
                             "One design intent across hardware generations: table and charts")
    acts["retarget"] = action("retarget", "&Retarget to generation…", retarget_action,
                              "Open a copy of this layout mapped to another generation")
    tools.addActions([acts["compare"], acts["retarget"]])

    doc = window.document

    def sync(ids: list) -> None:
        acts["save_selection_template"].setEnabled(bool(ids))

    doc.selection_changed.connect(sync)
    sync(doc.selection)
    by_name = getattr(window, "actions_by_name", None)
    if isinstance(by_name, dict):
        for key, act in acts.items():
            by_name.setdefault(key, act)
    window._library_actions = acts
    return acts


def _menu_in(menu, title: str, window: Any):
    """Return submenu ``title`` of ``menu``, made after Open Recent (or the first separator)."""
    from PySide6.QtWidgets import QMenu

    for act in menu.actions():
        if act.menu() is not None and _plain(act.text()) == _plain(title):
            return act.menu()
    sub = QMenu(title, window)
    items = menu.actions()
    recent = getattr(window, "recent_menu", None)
    anchor = None
    for k, act in enumerate(items):
        if recent is not None and act.menu() is recent:
            anchor = items[k + 1] if k + 1 < len(items) else None
            break
    else:
        anchor = next((a for a in items if a.isSeparator()), None)
    if anchor is not None:
        menu.insertMenu(anchor, sub)
    else:
        menu.addMenu(sub)
    return sub
