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

__all__ = ["ask_save_path", "with_suffix", "confirm_replace", "save_error_text"]


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
    """Ask whether to replace the existing file ``path``; return the answer (No by default)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Replace file?",
                      f"“{path.name}” already exists in {path.parent}. Replace it?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText("Replace")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setInformativeText("What it holds now is lost.")
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_save_path(parent: QWidget | None, title: str, start: str | os.PathLike,
                  name_filter: str, suffix: str) -> Path | None:
    """Ask where to save a file of type ``suffix`` ("json", "rsbundle").

    Returns the chosen file, ending in ``.suffix``, once the user agreed to replace
    it if it exists; None when the dialog or the question was cancelled.
    """
    start = Path(start)
    dlg = QFileDialog(parent, title, str(start.parent), name_filter)
    dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dlg.setFileMode(QFileDialog.FileMode.AnyFile)
    dlg.setDefaultSuffix(suffix)
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
    chosen = Path(files[0])
    path = with_suffix(chosen, suffix)
    # the dialog asked about the name it returned; a suffix added here names another file
    if path != chosen and (path.exists() or path.is_symlink()) \
            and not confirm_replace(parent, path):
        return None
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
