"""A size for Qt's own file dialog (Open, Save As, Export, bundles) in which its columns
read whole.

Qt opens its widget-based file dialog at about 630 × 410 pixels, where the Size, Type and
Date columns are cut to "131…KiB" and "26 11 2…6 18:05". :func:`fit_file_dialog` gives it
:data:`FILE_DIALOG_SIZE` (or the size the user last left one at), no more than most of
the screen, and its columns the width of what they hold. The main window has
:func:`fit_file_dialog_on_show` do it for every file dialog it parents (the
``QFileDialog.get...`` ones included: those size themselves while they are being made,
so the fit waits for the dialog to show); a dialog built here is fitted at once. A
native dialog sizes itself, so nothing changes there.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QEvent, QLocale, QObject, QSettings, QSize
from PySide6.QtWidgets import QFileDialog, QHeaderView, QSplitter, QStyle, QTreeView

__all__ = ["FILE_DIALOG_SIZE", "fit_file_dialog", "fit_file_dialog_on_show"]

#: The size a file dialog opens at, in pixels, before the user gives it another.
FILE_DIALOG_SIZE = QSize(980, 620)
#: At most this share of the screen's free area.
_SCREEN_SHARE = 0.9
_SETTING = "file_dialog/size"
_FITTED = "_rackscape_fitted"


def _remembered() -> QSize:
    val = QSettings().value(_SETTING)
    if isinstance(val, QSize) and val.width() >= 400 and val.height() >= 300:
        return val
    return FILE_DIALOG_SIZE


def _remember(dlg: QFileDialog, given: QSize) -> None:
    # only a size the user chose: one cut to a small screen is not the next default
    if dlg.size() != given:
        QSettings().setValue(_SETTING, dlg.size())


def fit_file_dialog(dlg: QFileDialog) -> None:
    """Give ``dlg`` a size whose columns read whole, and its columns their width; the
    size it is left at is the next one's. Calling it again changes nothing."""
    if dlg.property(_FITTED):
        return
    dlg.setProperty(_FITTED, True)
    size = _remembered()
    screen = dlg.screen()
    if screen is not None:
        free = screen.availableGeometry()
        size = QSize(min(size.width(), int(free.width() * _SCREEN_SHARE)),
                     min(size.height(), int(free.height() * _SCREEN_SHARE)))
    dlg.resize(size)
    dlg.finished.connect(lambda _result, d=dlg, s=QSize(size): _remember(d, s))
    split = dlg.findChild(QSplitter, "splitter")
    if split is not None and split.count() == 2:
        side = max(170, split.widget(0).sizeHint().width())
        split.setSizes([side, max(size.width() - side, 200)])
    tree = dlg.findChild(QTreeView, "treeView")
    if tree is None:
        return
    header = tree.header()
    fm = tree.fontMetrics()
    pad = 2 * fm.horizontalAdvance("M") + 2 * tree.style().pixelMetric(
        QStyle.PixelMetric.PM_HeaderMargin)
    when = QLocale().toString(QDateTime.fromString("2026-12-28T23:58", "yyyy-MM-ddTHH:mm"),
                              QLocale.FormatType.ShortFormat)
    samples = {1: "1,023.9 KiB", 2: "JSON Document", 3: when}
    header.setStretchLastSection(False)
    if header.count() > 0:
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col, sample in samples.items():
        if col < header.count():
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, fm.horizontalAdvance(sample) + pad)


class _FitOnShow(QObject):
    """Fits its file dialog when it shows (once made whole), then goes."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and isinstance(obj, QFileDialog):
            obj.removeEventFilter(self)
            fit_file_dialog(obj)
            self.deleteLater()
        return False


def fit_file_dialog_on_show(dlg: QFileDialog) -> None:
    """Fit ``dlg`` (see :func:`fit_file_dialog`) when it is shown, not before: one that
    is still being made would size itself again afterwards."""
    if dlg.property(_FITTED) or dlg.property("_rackscape_fit_pending"):
        return
    dlg.setProperty("_rackscape_fit_pending", True)
    dlg.installEventFilter(_FitOnShow(dlg))
