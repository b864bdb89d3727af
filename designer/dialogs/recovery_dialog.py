"""Recover after a crash: the autosaved copies of every design a killed session left.

A bare start (the default hall) has no file of its own to match recovery files
against, so the window lists them all: the file (or the unsaved design's name)
and when it was autosaved. Restore opens that design as it was; Discard deletes
its recovery file; Later keeps them for the next start. A copy written before
its file was last saved (by another session) is listed too, saying so: it
still holds work the file may not.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer import recovery

__all__ = ["RecoveryDialog"]


class RecoveryDialog(QDialog):
    """List recovery files; ``chosen_all`` are the ones to restore after ``exec()``
    accepts (``chosen``: the first of them)."""

    def __init__(self, found: list[recovery.RecoveryFile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved changes")
        self.found = list(found)
        self.chosen: recovery.RecoveryFile | None = None
        self.chosen_all: list[recovery.RecoveryFile] = []
        self.discarded: list[recovery.RecoveryFile] = []
        intro = QLabel("These designs have autosaved changes that were never saved (a "
                       "session ended while they were open). Restore opens the selected "
                       "ones, each further one in a window of its own:")
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Design", "Autosaved", "Folder"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for rec in self.found:
            self.tree.addTopLevelItem(self._row(rec))
        self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tree.itemDoubleClicked.connect(lambda *_: self.restore_current())
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore")
        self.restore_button.setDefault(True)
        self.restore_button.setToolTip("Open the selected designs with their autosaved "
                                       "changes (Ctrl or Shift selects several)")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete the selected autosaved copy")
        later = QPushButton("Later")
        later.setToolTip("Keep the copies and ask again at the next start")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(later, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(self.restore_current)
        self.discard_button.clicked.connect(self.discard_current)
        later.clicked.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.tree, 1)
        lay.addWidget(buttons)
        self.resize(720, 300)

    @staticmethod
    def _row(rec: recovery.RecoveryFile) -> QTreeWidgetItem:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.written_at))
        if rec.is_older_than_file:
            when += " (file saved since)"
        if rec.document is not None:
            name = rec.document.name + ("" if rec.document.exists() else " (file missing)")
            folder = str(rec.document.parent)
        else:
            name, folder = f"“{rec.name}” (never saved)", ""
        item = QTreeWidgetItem([name, when, folder])
        item.setToolTip(0, rec.describe())
        item.setToolTip(2, folder)
        item.setData(0, Qt.ItemDataRole.UserRole, str(rec.path))
        return item

    def _current(self) -> tuple[int, recovery.RecoveryFile] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        k = self.tree.indexOfTopLevelItem(item)
        return k, self.found[k]

    def select(self, k: int) -> None:
        """Make row ``k`` the current one."""
        self.tree.setCurrentItem(self.tree.topLevelItem(k))

    def restore_current(self) -> None:
        """Close the dialog, choosing the selected rows (else the current one) to restore."""
        rows = sorted(self.tree.indexOfTopLevelItem(it) for it in self.tree.selectedItems())
        if not rows:
            cur = self._current()
            rows = [cur[0]] if cur is not None else []
        if rows:
            self.chosen_all = [self.found[k] for k in rows]
            self.chosen = self.chosen_all[0]
            self.accept()

    def select_all(self) -> None:
        """Select every row (scripts and tests)."""
        self.tree.selectAll()

    def discard_current(self) -> None:
        """Delete the current row's recovery file; close when none is left."""
        cur = self._current()
        if cur is None:
            return
        k, rec = cur
        recovery.discard(rec)
        self.discarded.append(rec)
        del self.found[k]
        self.tree.takeTopLevelItem(k)
        if not self.found:
            self.reject()
