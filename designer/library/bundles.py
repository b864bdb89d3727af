"""File → Library: export templates to a bundle, import a bundle into the user library.

Import asks only when it must: :func:`engine.bundle.import_bundle` first runs
with ``on_clash="ask"``; a :class:`~engine.bundle.ClashError` lists the
templates whose ids are taken (a built-in template called built-in, not "in your
library") and the user picks Skip, Replace or Rename (or cancels, and nothing is
written). A refused bundle says why and that nothing was written; an import that
installs nothing says so. The export list shows each template's id and whether
it is a user or a built-in one, since copies share a title.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.buttons import ok_cancel
from designer.dialogs.save_file import ask_save_path, confirm_replace, output_refusal
from engine.bundle import (
    BUNDLE_SUFFIX,
    BundleError,
    ClashError,
    ImportResult,
    Manifest,
    export_bundle,
    import_bundle,
)
from engine.errors import InputError
from engine.io import BUNDLE_KIND
from engine.templates import ParameterError, TemplateFile, list_templates, read_user_library

__all__ = ["ExportBundleDialog", "ask_clash", "clash_text", "import_bundle_interactive",
           "export_bundle_action",
           "import_bundle_action", "BUNDLE_FILTER"]

BUNDLE_FILTER = "Rackscape template bundles (*.rsbundle);;All files (*)"
_ID_ROLE = Qt.ItemDataRole.UserRole


def _generation_label(gen: str) -> str:
    from designer.library.new_from_template import generation_label

    return generation_label(gen)


class ExportBundleDialog(QDialog):
    """Choose templates from the built-in and user library and a file; write the bundle."""

    def __init__(self, parent: QWidget | None = None, user_dir: str | Path | None = None,
                 path: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export template bundle")
        self.resize(980, 600)
        self.user_dir: Path | str = Path(user_dir) if user_dir is not None else "default"
        self.manifest: Manifest | None = None
        self._agreed_to_replace: Path | None = None
        templates = sorted(list_templates(user_dir=self.user_dir),
                           key=lambda t: (t.generation, t.title, t.id))
        builtin = {t.id for t in list_templates(user_dir=None)}
        lib = read_user_library(self.user_dir)
        self.templates: dict[str, TemplateFile] = {t.id: t for t in templates}
        self.tree = QTreeWidget()
        # two copies of one template share a title: the id and where it comes from tell
        # them apart
        self.tree.setHeaderLabels(["Template", "Id", "Library", "Version"])
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        gens: dict[str, QTreeWidgetItem] = {}
        for t in templates:
            top = gens.get(t.generation)
            if top is None:
                top = QTreeWidgetItem([_generation_label(t.generation)])
                top.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                             | Qt.ItemFlag.ItemIsAutoTristate)
                top.setCheckState(0, Qt.CheckState.Unchecked)
                self.tree.addTopLevelItem(top)
                gens[t.generation] = top
            user = t.id in lib.templates
            where = ("user, replaces built-in" if t.id in builtin else "user") if user \
                else "built-in"
            item = QTreeWidgetItem(top, [t.title, t.id, where, t.version])
            item.setData(0, _ID_ROLE, t.id)
            tip = f"{t.title}\n{t.id} · version {t.version} · " + (
                f"user library: {lib.files[t.id]}" if user else "built-in template")
            for col in range(4):
                item.setToolTip(col, tip)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            # the user's own templates are what people usually share
            item.setCheckState(0, Qt.CheckState.Checked if user else Qt.CheckState.Unchecked)
        self.tree.expandAll()
        # the title takes what the id, library and version leave
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(lambda *_: self._check())
        self.name_edit = QLineEdit("my-templates")
        self.version_edit = QLineEdit("1.0")
        self.path_edit = QLineEdit(str(path) if path else
                                   str(bundle_folder() / "my-templates.rsbundle"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Bundle name", self.name_edit)
        form.addRow("Version", self.version_edit)
        form.addRow("File", path_row)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.buttons, self.ok_button = ok_cancel(self, "Export")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Templates to put in the bundle:"))
        lay.addWidget(self.tree, 1)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        for edit in (self.name_edit, self.version_edit, self.path_edit):
            edit.textChanged.connect(self._check)
        self._check()

    def _items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out.extend(top.child(k) for k in range(top.childCount()))
        return out

    def selected_ids(self) -> list[str]:
        """Return the ids of the ticked templates."""
        return [it.data(0, _ID_ROLE) for it in self._items()
                if it.checkState(0) == Qt.CheckState.Checked]

    def set_selected(self, ids: list[str]) -> None:
        """Tick exactly the templates ``ids``."""
        want = set(ids)
        for it in self._items():
            it.setCheckState(0, Qt.CheckState.Checked if it.data(0, _ID_ROLE) in want
                             else Qt.CheckState.Unchecked)

    def _browse(self) -> None:
        start = self.path_edit.text().strip() or str(bundle_folder() / "my-templates.rsbundle")
        path = ask_save_path(self, "Export bundle", Path(start).expanduser(), BUNDLE_FILTER,
                             BUNDLE_SUFFIX[1:], "a bundle", (BUNDLE_KIND,))
        if path is not None:
            # the file dialog asked before an existing file was chosen: Export does not again
            self._agreed_to_replace = path
            self.path_edit.setText(str(path))

    def _check(self, *_: object) -> str:
        problem = ""
        if not self.selected_ids():
            problem = "Tick at least one template."
        elif not self.name_edit.text().strip():
            problem = "Bundle name: expected a name."
        elif not self.version_edit.text().strip():
            problem = "Version: expected a version such as 1.0."
        elif not self.path_edit.text().strip():
            problem = "File: expected where to write the bundle."
        elif not self.path_edit.text().strip().lower().endswith(BUNDLE_SUFFIX):
            problem = f"File: expected a name ending in {BUNDLE_SUFFIX}."
        self.error.setText(problem)
        self.ok_button.setEnabled(not problem)
        return problem

    def export(self) -> Manifest | None:
        """Write the bundle; return its manifest (None with the reason shown on error)."""
        if self._check():
            return None
        path = Path(self.path_edit.text().strip()).expanduser()
        why = output_refusal(path, "a bundle", (BUNDLE_KIND,))
        if why:
            self.error.setText(why)
            return None
        if path.is_file() and path != self._agreed_to_replace \
                and not confirm_replace(self, path):
            return None
        try:
            self.manifest = export_bundle(self.selected_ids(), path,
                                          name=self.name_edit.text().strip(),
                                          version=self.version_edit.text().strip(),
                                          user_dir=self.user_dir)
        except (BundleError, ParameterError) as exc:
            self.error.setText(str(exc))
            return None
        except InputError as exc:  # where it cannot go: a missing folder, a folder, a pipe
            self.error.setText(f"Cannot write {path}: expected {exc.expected}.")
            return None
        except OSError as exc:
            self.error.setText(f"Cannot write {path}: {exc.strerror or exc}")
            return None
        self.path = path
        remember_bundle_folder(path)
        return self.manifest

    def accept(self) -> None:
        if self.export() is not None:
            super().accept()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def clash_text(ids: list[str], builtin_ids: list[str] | tuple[str, ...] = ()) -> str:
    """Return what the clash question says about ``ids``: which are built-in templates and
    which are the user's own.

    Examples
    --------
    >>> clash_text(["fat-tree"], ["fat-tree"])
    'This bundle has 1 template with the id of a built-in template: fat-tree.'
    >>> clash_text(["a", "b", "fat-tree"], ["fat-tree"])  # doctest: +NORMALIZE_WHITESPACE
    'This bundle has 1 template with the id of a built-in template: fat-tree. 2 of its
    other templates are already in your library: a, b.'
    >>> clash_text(["a", "fat-tree"], ["fat-tree"])  # doctest: +NORMALIZE_WHITESPACE
    'This bundle has 1 template with the id of a built-in template: fat-tree. 1 other of
    its templates is already in your library: a.'
    """
    def shown(some: list[str]) -> str:
        return ", ".join(some[:12]) + (f" and {len(some) - 12} more" if len(some) > 12 else "")

    builtin = [i for i in ids if i in set(builtin_ids)]
    user = [i for i in ids if i not in set(builtin)]
    parts = []
    if builtin:
        n = len(builtin)
        parts.append(f"This bundle has {_plural(n, 'template')} with the id of "
                     f"{'a built-in template' if n == 1 else 'built-in templates'}: "
                     f"{shown(builtin)}.")
    if user:
        n = len(user)
        lead = (("1 other of its templates is" if n == 1 else f"{n} of its other templates are")
                if builtin else
                f"{_plural(n, 'template')} of this bundle {'is' if n == 1 else 'are'}")
        parts.append(f"{lead} already in your library: {shown(user)}.")
    return " ".join(parts)


def ask_clash(parent: QWidget | None, ids: list[str],
              builtin_ids: list[str] | tuple[str, ...] = ()) -> str | None:
    """Ask what to do with templates whose ids are taken: skip, replace, rename or None.

    ``builtin_ids`` are those of ``ids`` that are built-in templates (the rest are the
    user's own)."""
    builtin = [i for i in ids if i in set(builtin_ids)]
    title = ("Built-in templates in the bundle" if len(builtin) == len(ids) else
             "Templates already in your library")
    box = QMessageBox(QMessageBox.Icon.Question, title, clash_text(ids, builtin),
                      parent=parent)
    keep = ("Skip keeps the built-in " + ("one" if len(ids) == 1 else "ones")
            if len(builtin) == len(ids) else "Skip keeps what you have")
    box.setInformativeText(f"{keep}; Replace installs the bundle's copy (a built-in "
                           "template is overridden by a user copy, never changed); Rename "
                           "installs the bundle's under a new id such as “<id>-2”.")
    buttons = {box.addButton("Skip", QMessageBox.ButtonRole.AcceptRole): "skip",
               box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole): "replace",
               box.addButton("Rename", QMessageBox.ButtonRole.AcceptRole): "rename"}
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return buttons.get(box.clickedButton())


def import_bundle_interactive(parent: QWidget | None, path: str | Path,
                              user_dir: str | Path | None = None) -> ImportResult | None:
    """Import a bundle, asking on clashes; report the outcome in a message box.

    Returns the :class:`ImportResult`, or None when the bundle was refused or
    the user cancelled (nothing written either way).
    """
    path = Path(path)
    try:
        try:
            result = import_bundle(path, on_clash="ask", user_dir=user_dir)
        except ClashError as clash:
            choice = ask_clash(parent, clash.ids, clash.builtin_ids)
            if choice is None:
                return None
            result = import_bundle(path, on_clash=choice, user_dir=user_dir)
    except (InputError, ParameterError) as exc:
        QMessageBox.critical(parent, "Bundle refused",
                             f"{path.name} was not imported: {exc}\n\n"
                             "Nothing was written to your library.")
        return None
    except OSError as exc:
        QMessageBox.critical(parent, "Cannot import bundle",
                             f"The library folder is not writable: {exc.strerror or exc}\n\n"
                             "Nothing was written to your library.")
        return None
    if result.is_empty:
        why = result.summary().removeprefix("nothing installed").removeprefix(": ")
        QMessageBox.information(parent, "Nothing imported",
                                f"Nothing from {path.name} was installed"
                                + (f": {why}." if why else "."))
    else:
        QMessageBox.information(parent, "Bundle imported", f"{path.name}: {result.summary()}.")
    return result


_FOLDER_KEY = "bundles/last_folder"


def bundle_folder() -> Path:
    """Return the folder a bundle was last imported from or exported to (home at first)."""
    folder = QSettings().value(_FOLDER_KEY, "")
    folder = Path(str(folder)) if folder else None
    return folder if folder is not None and folder.is_dir() else Path.home()


def remember_bundle_folder(path: str | Path) -> None:
    """Remember the folder of a bundle file for the next import or export dialog."""
    QSettings().setValue(_FOLDER_KEY, str(Path(path).resolve().parent))


def export_bundle_action(window: QWidget) -> Manifest | None:
    """File → Library → Export bundle…"""
    dlg = ExportBundleDialog(window)
    if dlg.exec() and dlg.manifest is not None:
        n = len(dlg.manifest.templates)
        _status(window, f"Wrote {dlg.path}: {n} template{'s' * (n != 1)}")
        return dlg.manifest
    return None


def import_bundle_action(window: QWidget) -> ImportResult | None:
    """File → Library → Import bundle…"""
    path, _ = QFileDialog.getOpenFileName(window, "Import template bundle",
                                          str(bundle_folder()), BUNDLE_FILTER)
    if not path:
        return None
    remember_bundle_folder(path)
    result = import_bundle_interactive(window, path)
    if result is not None:
        _status(window, f"Imported {Path(path).name}: {result.summary()}")
    return result


def _status(window: QWidget, text: str) -> None:
    bar = getattr(window, "statusBar", None)
    if callable(bar):
        bar().showMessage(text, 6000)
