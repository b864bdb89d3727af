"""Where to save: the file dialog of Save As and of a bundle export.

The dialog is given the file type's suffix as its default, so a name typed
without it ("other") is checked as the file it becomes ("other.json") and an
existing one is only replaced after the dialog's own question. A name with
another suffix ("hall.v2") still gets the file type's suffix; should that file
exist, :func:`confirm_replace` asks before it is replaced. A suffix in another
case ("hall.JSON") is kept as typed.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from designer.dialogs.file_dialogs import fit_file_dialog
from engine.errors import InputError

__all__ = ["ask_save_path", "with_suffix", "confirm_replace", "save_error_text",
           "output_refusal"]


def output_refusal(path: str | os.PathLike, what: str, may_replace: tuple[str, ...] = ()) -> str:
    """Return why ``what`` ("a layout", "a report", "a bundle") must not be written to
    ``path``, as a sentence for a message box ("" when it may).

    Nothing goes into the folders Rackscape reads its templates and catalog files from
    (every file there is read as one), nothing replaces a folder, and nothing replaces a
    Rackscape file of a kind not in ``may_replace`` (``"a Rackscape layout"``, ...): a
    layout never replaces a template, a catalog file or a bundle. The command line
    refuses the same outputs (:func:`engine.io.layout_output_clash`).

    Examples
    --------
    >>> from engine.catalog import user_catalog_dir
    >>> output_refusal(user_catalog_dir() / "hall.json", "a layout").split(":")[0]
    '“hall.json” would go in the user catalog folder'
    >>> output_refusal("/tmp", "a layout")
    '“tmp” is a folder: choose a file name.'
    """
    from engine.io import own_folder, project_file_kind

    path = Path(path)
    folder = own_folder(path)
    if folder is not None:
        where, at = folder
        reads = "a template" if "template" in where else "catalog data"
        return (f"“{path.name}” would go in {where}: Rackscape reads every file in {at} as "
                f"{reads}, so {what} is not saved there. Choose another folder.")
    if path.is_dir():
        return f"“{path.name}” is a folder: choose a file name."
    kind = project_file_kind(path)
    if kind and kind not in may_replace:
        return (f"“{path.name}” is {kind}, which {what} cannot replace. Choose another "
                "file name.")
    return ""


def with_suffix(path: str | os.PathLike, suffix: str) -> Path:
    """Return ``path`` ending in ``.suffix`` (any case), adding it when missing.

    Examples
    --------
    >>> with_suffix("/d/hall.JSON", "json").name, with_suffix("/d/hall.v2", "json").name
    ('hall.JSON', 'hall.v2.json')
    """
    path = Path(path)
    if path.name.lower().endswith(f".{suffix.lower()}"):
        return path
    return path.with_name(f"{path.name}.{suffix}")


def confirm_replace(parent: QWidget | None, path: Path) -> bool:
    """Ask whether to replace the existing file ``path``; return the answer (No by default).

    The question says what the file is where it is one of Rackscape's (a layout)."""
    from engine.io import project_file_kind

    kind = project_file_kind(path) if path.is_file() else None
    box = QMessageBox(QMessageBox.Icon.Warning, "Replace file?",
                      f"“{path.name}”{f' ({kind})' if kind else ''} already exists in "
                      f"{path.parent}. Replace it?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText("Replace")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setInformativeText("What it holds now is lost.")
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_save_path(parent: QWidget | None, title: str, start: str | os.PathLike,
                  name_filter: str, suffix: str, what: str = "a layout",
                  may_replace: tuple[str, ...] = ("a Rackscape layout",)) -> Path | None:
    """Ask where to save ``what``, a file of type ``suffix`` ("json", "rsbundle").

    Returns the chosen file, ending in ``.suffix``, once the user agreed to replace
    it if it exists; None when the dialog was cancelled. A file it must not be
    (:func:`output_refusal`: in Rackscape's own folders, a folder, a Rackscape file
    of another kind) is refused in words and the dialog asked again, as is a file
    the user chose not to replace.
    """
    start = Path(start)
    while True:
        dlg = QFileDialog(parent, title, str(start.parent), name_filter)
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setFileMode(QFileDialog.FileMode.AnyFile)
        dlg.setDefaultSuffix(suffix)
        # the question comes from here, once the file is known to be one it may replace
        dlg.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        dlg.selectFile(str(start))
        fit_file_dialog(dlg)
        try:
            if not dlg.exec():
                return None
            files = dlg.selectedFiles()
        finally:
            dlg.deleteLater()
        if not files or not files[0]:
            return None
        path = with_suffix(Path(files[0]), suffix)
        why = output_refusal(path, what, may_replace)
        if why:
            QMessageBox.warning(parent, title, why)
            start = path
            continue
        if (path.exists() or path.is_symlink()) and not confirm_replace(parent, path):
            start = path
            continue
        return path


def save_error_text(path: str | os.PathLike, exc: OSError | InputError) -> str:
    """Return one sentence saying that ``path`` was not saved and why.

    The reason names neither the file twice nor the hidden temporary file a save
    writes first: an error on that file is about the folder it is in.

    Examples
    --------
    >>> save_error_text("/d/hall.json", PermissionError(13, "Permission denied",
    ...                                                 "/d/.hall.json.0ijq3zot.tmp"))
    'Cannot save “hall.json” in /d: the folder does not allow it (Permission denied).'
    >>> save_error_text("/d/hall.json", InputError("/d/hall.json", "output",
    ...                                            "a regular file (this is a folder)"))
    'Cannot save “hall.json” in /d: expected a regular file (this is a folder).'
    """
    path = Path(path)
    if isinstance(exc, InputError):
        reason = f"expected {exc.expected}"
    else:
        reason = exc.strerror or str(exc)
        about_other = exc.filename is not None and Path(exc.filename) != path
        if exc.errno in (errno.EACCES, errno.EPERM) and about_other:
            reason = f"the folder does not allow it ({reason})"
        elif exc.errno == errno.EROFS:
            reason = f"the disk is read-only ({reason})"
        elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
            reason = f"the disk is full ({reason})"
    return f"Cannot save “{path.name}” in {path.parent}: {reason}."
