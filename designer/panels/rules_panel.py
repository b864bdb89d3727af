"""The rule panel: violations of the latest analysis by severity.

Clicking (or double-clicking, or pressing Enter on) a violation selects its
items through ``document.select`` and emits :attr:`RulePanel.zoom_requested`
with their ids so the floor plan can frame them. That row stays the current one
while the document's selection is still what the click selected; an edit that
clears the violation, or another selection, leaves no current row (a neighbour
promoted by Qt would show a violation the selection has nothing to do with).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.panels.common import SEVERITY_COLORS, DragThrottle

__all__ = ["RulePanel", "severity_icon"]

_SEVERITIES = (("error", "Errors"), ("warning", "Warnings"), ("info", "Info"))
_ITEMS_ROLE = Qt.ItemDataRole.UserRole
_MAX_ITEM_TEXT = 3


def severity_icon(severity: str, size: int = 16) -> QIcon:
    """Return a round icon in the severity's colour with a glyph (!, !, i, ✓)."""
    color = QColor(SEVERITY_COLORS.get(severity, "#2e7d32"))
    glyph = {"error": "!", "warning": "!", "info": "i"}.get(severity, "✓")
    pm = QPixmap(size * 2, size * 2)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    rect = QRectF(1, 1, size - 2, size - 2)
    if severity == "warning":
        p.drawPolygon(QPolygonF([QPointF(size / 2, 1), QPointF(size - 1, size - 2),
                                 QPointF(1, size - 2)]))
        rect = QRectF(0, 3, size, size - 4)
    else:
        p.drawEllipse(rect)
    f = QFont()
    f.setBold(True)
    f.setPixelSize(int(size * 0.62))
    p.setFont(f)
    p.setPen(QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph)
    p.end()
    return QIcon(pm)


def _key(v) -> tuple:
    """What makes a listed row the same violation from one analysis to the next."""
    return (v.code, tuple(v.items))


def _registered_codes() -> list[str]:
    """Return the codes of the registered design rules."""
    from engine.rules import RULES

    return list(RULES)


class _WrapDelegate(QStyledItemDelegate):
    """Wraps the text of ``columns`` at their width (and gives the rows the height it
    takes); the other columns stay on one line and elide in the middle."""

    def __init__(self, tree: QTreeWidget, columns: tuple[int, ...]) -> None:
        super().__init__(tree)
        self.tree = tree
        self.columns = columns

    _one_line = False  # measuring a code's width on one line (sizeHint)

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        if index.column() not in self.columns or self._one_line:
            option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        if index.column() == 0:
            # a code cut in the middle ("POWER-…D-OVER") reads as another code; cut at
            # the end it is plainly cut, and its tooltip holds the whole
            option.textElideMode = Qt.TextElideMode.ElideRight

    def sizeHint(self, option, index) -> QSize:
        if index.column() not in self.columns:
            return super().sizeHint(option, index)
        # the view asks without a width; the style wraps at the option's, with the same
        # margins it paints with (a hidden column, width 0, counts one line)
        opt = QStyleOptionViewItem(option)
        width = self.tree.header().sectionSize(index.column())
        if index.column() == 0:
            # the first column's text stands right of the branch indentation (a violation
            # row two steps in): it wraps within what is left
            depth, parent = 1, index.parent()
            while parent.isValid():
                depth, parent = depth + 1, parent.parent()
            width -= depth * self.tree.indentation()
        opt.rect = QRect(0, 0, max(width, 1), 1)
        hint = super().sizeHint(opt, index) + QSize(0, 6)  # some air between the rows
        if index.column() == 0:
            # the width a code takes on one line (what the column is fitted to), the
            # height it takes wrapped at the column's width
            self._one_line = True
            try:
                hint.setWidth(super().sizeHint(QStyleOptionViewItem(option), index).width())
            finally:
                self._one_line = False
        return hint


#: rows listed per severity; a hall with thousands of violations stays quick to redraw
MAX_ROWS_PER_SEVERITY = 200
#: the width the Message column keeps at least: the codes (at most about 20 characters)
#: take the rest, and elide only in a dock too narrow for both; and the Items column's
#: width when it shows
MIN_MESSAGE_W, ITEMS_W = 140, 150
#: below this share of the panel's width left for the messages beside the whole codes,
#: the codes wrap at their hyphens
CODE_WRAP_SHARE = 0.6


class RulePanel(QWidget):
    """Violations grouped by severity; click one to select and zoom to its items."""

    zoom_requested = Signal(list)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # during a drag preview the list redraws at most every DRAG_INTERVAL_S (the
        # severity counts follow every step); it catches up when the drag pauses
        self._rebuild_throttle = DragThrottle(self, document, self._take_incoming)
        self._incoming: list | None = None
        # severity -> (group item, violation rows, their keys, the "more" row) on show
        self._groups: dict[str, tuple] = {}
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self.setObjectName("RulePanel")
        self.document = document
        self._violations: list = []
        # (the activated violation's key, the selection its activation made) while that
        # selection holds: the only row the panel shows as current
        self._picked: tuple[tuple, tuple[str, ...]] | None = None
        self._icons = {s: severity_icon(s) for s, _t in _SEVERITIES}
        self._icons["ok"] = severity_icon("ok")

        self.filters: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)
        for sev, title in _SEVERITIES:
            b = QToolButton()
            b.setCheckable(True)
            b.setChecked(True)
            b.setIcon(self._icons[sev])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            b.setToolTip(f"Show {title.lower()}")
            b.setText(f"{title} 0")
            b.toggled.connect(lambda _c: self._rebuild())
            bar.addWidget(b)
            self.filters[sev] = b
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter code, message or id")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._rebuild())
        bar.addWidget(self.search, 1)
        self._bar = bar

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Code", "Message", "Items"])
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)  # two levels deep: the codes keep the width
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        h = self.tree.header()
        h.setStretchLastSection(False)
        # Code and Items are sized by _fit_columns, not by ResizeToContents: that one
        # lets a long code take the width the wrapped messages need
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        h.resizeSection(2, ITEMS_W)
        # the codes wrap too, at their hyphens, when the dock is narrow (_fit_columns)
        self.tree.setItemDelegate(_WrapDelegate(self.tree, (0, 1, 2)))
        # wrapped messages need their row heights recomputed when a column changes width
        h.sectionResized.connect(lambda *_a: self.tree.doItemsLayout())
        self._fitted: tuple | None = None
        self.tree.viewport().installEventFilter(self)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(bar)
        lay.addWidget(self.tree, 1)
        self._search_below = False

        self.tree.itemClicked.connect(lambda it, _c: self._activate(it))
        self.tree.itemActivated.connect(lambda it, _c: self._activate(it))
        document.analysis_updated.connect(self.update_from)
        selection_changed = getattr(document, "selection_changed", None)
        if selection_changed is not None:
            selection_changed.connect(self._on_selection)
        # another design: the filter typed for the last one would hide this one's
        reset = getattr(document, "layout_reset", None)  # panels also serve plain views
        if reset is not None:
            reset.connect(self.search.clear)
        self.update_from(document.analysis)

    # -- public -------------------------------------------------------------------------

    def update_from(self, analysis) -> None:
        """Show the violations of ``analysis`` (skips work when they did not change)."""
        violations = list(analysis.violations) if analysis is not None else []
        counts = {s: 0 for s, _t in _SEVERITIES}
        for v in violations:
            counts[v.severity] = counts.get(v.severity, 0) + 1
        for sev, title in _SEVERITIES:
            text = f"{title} {counts[sev]}"
            if self.filters[sev].text() != text:
                self.filters[sev].setText(text)
        self._incoming = violations
        self._rebuild_throttle.request()

    def _take_incoming(self) -> None:
        violations, self._incoming = self._incoming, None
        if violations is None or (violations == self._violations
                                  and self.tree.topLevelItemCount()):
            self._rebuild_throttle.ran()
            return
        self._violations = violations
        self._rebuild()

    def violation_items(self) -> list[QTreeWidgetItem]:
        """Return the shown violation rows, in display order."""
        out = []
        for g in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(g)
            out += [top.child(k) for k in range(top.childCount())]
        return out

    def activate(self, item: QTreeWidgetItem) -> None:
        """Select and zoom to the items of a violation row (what a click does)."""
        self._activate(item)

    def message_width(self) -> int:
        """Return the width of the Message column in pixels."""
        return self.tree.header().sectionSize(1)

    #: the least width the filter box takes beside the severity buttons; narrower, it
    #: goes on a line of its own under them
    SEARCH_MIN_PX = 150

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place_search()

    def _place_search(self) -> None:
        """Put the filter box beside the severity buttons where it has room for its
        placeholder, else on its own line under them."""
        buttons = sum(b.sizeHint().width() for b in self.filters.values()) \
            + self._bar.spacing() * len(self.filters)
        margins = self.layout().contentsMargins()
        below = self.width() - margins.left() - margins.right() - buttons < self.SEARCH_MIN_PX
        if below == self._search_below:
            return
        self._search_below = below
        lay = self.layout()
        if below:
            self._bar.removeWidget(self.search)
            self._bar.addStretch(1)
            lay.insertWidget(1, self.search)
        else:
            lay.removeWidget(self.search)
            stretch = self._bar.takeAt(self._bar.count() - 1)  # the stretch added above
            del stretch
            self._bar.addWidget(self.search, 1)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _fit_columns(self) -> None:
        """Size the Code column to the longest listed code, so codes show whole, leaving the
        message at least MIN_MESSAGE_W (in a narrower dock a code elides at its end, whole
        in the tooltip), and
        show the Items column only while the message keeps half the width (the ids stay
        in the row's tooltip). Only a new set of codes or a new width refits, so the
        columns hold still while a drag changes the messages.
        """
        width = self.tree.viewport().width()
        codes = frozenset(k[0] for _top, _rows, keys, _last in self._groups.values()
                          for k in keys)
        if self._fitted == (codes, width):
            return
        self._fitted = (codes, width)
        # (the size hint counts the child rows' indentation; a little air keeps the
        # longest code clear of the elision)
        full = self.tree.sizeHintForColumn(0) + 4
        cap = max(width - MIN_MESSAGE_W, int(width * 0.4), 48)  # the most the codes take
        code_w = min(full, cap)
        # (measured over every registered rule's code too, so the column holds still as
        # codes come and go)
        fm = self.tree.fontMetrics()
        every = {*codes, *_registered_codes()}
        indent = 2 * self.tree.indentation() + 12  # two levels, the cell's margins
        widest = max((fm.horizontalAdvance(c) for c in every), default=0) + indent
        if width - widest < CODE_WRAP_SHARE * width and codes:
            # a narrow dock: the codes wrap at their hyphens (COOL- / CAPACITY) so the
            # messages keep the width, the longest part of a code on one line
            words = [w for c in every for w in re.findall(r"[^-]+-?", c)]
            longest = max((fm.horizontalAdvance(w) for w in words), default=0)
            code_w = min(cap, max(longest + indent, int(width * 0.22), 48))
        self.tree.header().resizeSection(0, code_w)
        self.tree.setColumnHidden(2, width - code_w - ITEMS_W < width / 2)

    # -- building -----------------------------------------------------------------------

    def _listed(self) -> list[tuple[str, list]]:
        """Return (severity, violations to list) for the shown severities, in order."""
        tokens = self.search.text().lower().split()
        out = []
        for sev, _title in _SEVERITIES:
            if not self.filters[sev].isChecked():
                continue
            rows = [v for v in self._violations if v.severity == sev
                    and all(t in f"{v.code} {v.message} {' '.join(v.items)}".lower()
                            for t in tokens)]
            if rows:
                out.append((sev, sorted(rows, key=_key)))
        return out

    def _rebuild(self) -> None:
        self._rebuild_throttle.ran()
        listed = self._listed()
        if listed and [sev for sev, _rows in listed] == list(self._groups):
            self._merge(listed)  # the same severities on show: patch the rows in place
            return
        self._groups = {}
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        for sev, ordered in listed:
            top = QTreeWidgetItem(["", "", ""])
            top.setIcon(0, self._icons[sev])
            top.setFont(0, self._bold)
            top.setForeground(0, QBrush(QColor(SEVERITY_COLORS[sev])))
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)  # a no-op before the item is in the tree
            rows: list[QTreeWidgetItem] = []
            keys: list[tuple] = []
            for v in ordered[:MAX_ROWS_PER_SEVERITY]:
                row = self._row(sev, v)
                top.addChild(row)
                rows.append(row)
                keys.append(_key(v))
            self._groups[sev] = (top, rows, keys, None)
            self._set_group_counts(sev, ordered)
            top.setExpanded(True)
        if not self.tree.topLevelItemCount():
            hidden = bool(self._violations)
            ok = QTreeWidgetItem(["", "No violation matches the filter." if hidden
                                  else "No rule violations.", ""])
            ok.setIcon(0, self._icons["ok"])
            ok.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(ok)
        self._show_picked()
        self._fitted = None  # the rows are new: measure the codes again
        self._fit_columns()
        self.tree.setUpdatesEnabled(True)
        self.tree.doItemsLayout()

    def _row(self, sev: str, v) -> QTreeWidgetItem:
        shown = ", ".join(v.items[:_MAX_ITEM_TEXT])
        if len(v.items) > _MAX_ITEM_TEXT:
            shown += f" +{len(v.items) - _MAX_ITEM_TEXT} more"
        row = QTreeWidgetItem([v.code, v.message, shown])
        # the group above carries the icon; the code keeps the width, in its severity's colour
        row.setForeground(0, QBrush(QColor(SEVERITY_COLORS[sev])))
        row.setToolTip(0, v.code)  # elided when the Code column is at its share
        row.setData(0, _ITEMS_ROLE, list(v.items))
        row.setToolTip(1, f"{v.message}\nItems: {shown}" if shown else v.message)
        row.setToolTip(2, "\n".join(v.items[:60]) + ("\n..." if len(v.items) > 60 else ""))
        return row

    def _set_group_counts(self, sev: str, ordered: list) -> None:
        """Title a severity group with its count and say how many rows are not listed."""
        top, rows, keys, last = self._groups[sev]
        top.setText(0, f"{dict(_SEVERITIES)[sev]} ({len(ordered)})")
        more = len(ordered) - MAX_ROWS_PER_SEVERITY
        if more > 0:
            text = f"… {more:,} more: type a code or id in the filter to see them"
            if last is None:
                last = QTreeWidgetItem(["", text, ""])
                last.setFlags(Qt.ItemFlag.ItemIsEnabled)
                top.addChild(last)
            elif last.text(1) != text:
                last.setText(1, text)
        elif last is not None:
            top.removeChild(last)
            last = None
        self._groups[sev] = (top, rows, keys, last)

    def _merge(self, listed: list[tuple[str, list]]) -> None:
        """Bring the shown rows to ``listed``: keep rows of the same violation (code and
        items), update their text, drop the gone ones and insert the new ones in order.

        A drag changes a figure in many messages and the set of violations a little;
        rebuilding hundreds of wrapped rows each time would stall the frame.
        """
        for sev, ordered in listed:
            top, rows, keys, last = self._groups[sev]
            want = ordered[:MAX_ROWS_PER_SEVERITY]
            out: list[QTreeWidgetItem] = []
            out_keys: list[tuple] = []
            i = 0
            for v in want:
                key = _key(v)
                while i < len(rows) and keys[i] < key:
                    top.removeChild(rows[i])  # no longer violated
                    i += 1
                if i < len(rows) and keys[i] == key:
                    row = rows[i]
                    i += 1
                    if row.text(1) != v.message:
                        row.setText(1, v.message)
                        shown = row.text(2)
                        row.setToolTip(1, f"{v.message}\nItems: {shown}" if shown
                                       else v.message)
                else:
                    row = self._row(sev, v)
                    top.insertChild(len(out), row)
                out.append(row)
                out_keys.append(key)
            for row in rows[i:]:
                top.removeChild(row)
            self._groups[sev] = (top, out, out_keys, last)
            self._set_group_counts(sev, ordered)
        self._show_picked()  # removing the current row made Qt promote a neighbour
        self._fit_columns()

    def current_violation(self) -> tuple[str, tuple[str, ...]] | None:
        """Return the code and items of the current row, or ``None`` when none is current."""
        row = self.tree.currentItem()
        ids = row.data(0, _ITEMS_ROLE) if row is not None else None
        return (row.text(0), tuple(ids)) if ids else None

    def _activate(self, item: QTreeWidgetItem) -> None:
        ids = item.data(0, _ITEMS_ROLE)
        if not ids:
            return
        key = (item.text(0), tuple(ids))
        self._picked = None  # the selection change below is this click's own
        self.document.select(list(ids))
        self._picked = (key, tuple(self.document.selection))
        self._show_picked()
        self.zoom_requested.emit(list(ids))

    def _on_selection(self, ids: list) -> None:
        if self._picked is not None and tuple(ids) != self._picked[1]:
            self._picked = None
        self._show_picked()

    def _show_picked(self) -> None:
        """Make the picked violation's row current, or leave no row current.

        Only the view changes: no signal reaches the document, so its selection stays.
        """
        row = None
        if self._picked is not None:
            key = self._picked[0]
            for _top, rows, keys, _last in self._groups.values():
                if key in keys:
                    row = rows[keys.index(key)]
                    break
        if row is not None:
            if self.tree.currentItem() is not row:
                self.tree.setCurrentItem(row)
        elif self.tree.currentItem() is not None or self.tree.selectedItems():
            self.tree.selectionModel().clear()
