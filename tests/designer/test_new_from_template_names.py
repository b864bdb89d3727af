"""New from template shows every template's title whole: on one line at the size it opens
at, wrapped onto more lines where the list is narrower than a title."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QSplitter

from designer.library.new_from_template import NewFromTemplateDialog
from engine.templates import get_template

LONG_TITLE = ("Meta-style 24K-GPU RoCE cluster (Grand Teton H100), second hall of the "
              "campus with the storage fabric kept apart")


def _items(dlg):
    tree = dlg.tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        yield from (top.child(k) for k in range(top.childCount()))


def _shown(qtbot, dlg):
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    QApplication.processEvents()
    return dlg


def _room(dlg, item) -> QRect:
    """The text's room in the item's row (the style's margins off both sides)."""
    return dlg.tree.visualItemRect(item).adjusted(4, 0, -4, 0)


def test_every_built_in_title_shows_whole_on_one_line(qtbot, builtin_catalog):
    dlg = _shown(qtbot, NewFromTemplateDialog(catalog=builtin_catalog))
    fm = dlg.tree.fontMetrics()
    titles = []
    for item in _items(dlg):
        titles.append(item.text(0))
        room = _room(dlg, item)
        assert fm.horizontalAdvance(item.text(0)) <= room.width(), item.text(0)
        assert room.height() < 2 * fm.lineSpacing()
    assert "Meta-style 24K-GPU RoCE cluster (Grand Teton H100)" in titles
    assert dlg.width() <= 1200  # wider than before, still a dialog


def test_a_title_longer_than_the_list_wraps_whole(qtbot, builtin_catalog):
    base = get_template("dgx-h100-hall", user_dir=None)
    long_one = base.model_copy(update={"id": "long-title", "title": LONG_TITLE})
    dlg = _shown(qtbot, NewFromTemplateDialog(catalog=builtin_catalog,
                                              templates=[base, long_one]))
    split = dlg.findChild(QSplitter)
    split.setSizes([260, dlg.width() - 260])
    QApplication.processEvents()
    fm = dlg.tree.fontMetrics()
    item = next(i for i in _items(dlg) if i.text(0) == LONG_TITLE)
    room = _room(dlg, item)
    needed = fm.boundingRect(QRect(0, 0, room.width(), 10_000),
                             int(Qt.TextFlag.TextWordWrap), LONG_TITLE)
    assert room.height() >= needed.height() >= 3 * fm.lineSpacing()
    # the tooltip names it whole too, and a wider list takes the row back to fewer lines
    assert item.toolTip(0).startswith(LONG_TITLE)
    split.setSizes([700, dlg.width() - 700])
    QApplication.processEvents()
    assert dlg.tree.visualItemRect(item).height() < room.height()
