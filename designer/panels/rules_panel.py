"""The rule panel: violations of the latest analysis by severity.

Clicking (or double-clicking, or pressing Enter on) a violation selects its
items through ``document.select`` and emits :attr:`RulePanel.zoom_requested`
with their ids so the floor plan can frame them.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.panels.common import SEVERITY_COLORS

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


class _WrapDelegate(QStyledItemDelegate):
    """Gives wrapped text cells the height they need at their column's width."""

    def __init__(self, tree: QTreeWidget, columns: tuple[int, ...]) -> None:
        super().__init__(tree)
        self.tree = tree
        self.columns = columns

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() not in self.columns:
            return size
        width = self.tree.header().sectionSize(index.column()) - 10
        text = index.data() or ""
        rect = option.fontMetrics.boundingRect(QRect(0, 0, max(width, 40), 100_000),
                                               Qt.TextFlag.TextWordWrap, text)
        return QSize(size.width(), max(size.height(), rect.height() + 6))


#: rows listed per severity; a hall with thousands of violations stays quick to redraw
MAX_ROWS_PER_SEVERITY = 200
DRAG_INTERVAL_S = 0.1


class RulePanel(QWidget):
    """Violations grouped by severity; click one to select and zoom to its items."""

    zoom_requested = Signal(list)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rebuilt_at = 0.0
        # during a drag preview the list redraws at most every DRAG_INTERVAL_S (the
        # severity counts follow every step); it catches up when the drag pauses
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.timeout.connect(self._rebuild)
        self.setObjectName("RulePanel")
        self.document = document
        self._violations: list = []
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

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Code", "Message", "Items"])
        self.tree.setRootIsDecorated(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        h = self.tree.header()
        h.setStretchLastSection(False)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        h.resizeSection(2, 150)
        self.tree.setItemDelegate(_WrapDelegate(self.tree, (1, 2)))
        # wrapped messages need their row heights recomputed when a column changes width
        h.sectionResized.connect(lambda *_a: self.tree.doItemsLayout())

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(bar)
        lay.addWidget(self.tree, 1)

        self.tree.itemClicked.connect(lambda it, _c: self._activate(it))
        self.tree.itemActivated.connect(lambda it, _c: self._activate(it))
        document.analysis_updated.connect(self.update_from)
        self.update_from(document.analysis)

    # -- public -------------------------------------------------------------------------

    def update_from(self, analysis) -> None:
        """Show the violations of ``analysis`` (skips work when they did not change)."""
        violations = list(analysis.violations) if analysis is not None else []
        if violations == self._violations and self.tree.topLevelItemCount():
            return
        self._violations = violations
        counts = {s: 0 for s, _t in _SEVERITIES}
        for v in violations:
            counts[v.severity] = counts.get(v.severity, 0) + 1
        for sev, title in _SEVERITIES:
            self.filters[sev].setText(f"{title} {counts[sev]}")
        wait = self._rebuilt_at + DRAG_INTERVAL_S - time.perf_counter()
        if getattr(self.document, "is_previewing", False) and wait > 0:
            if not self._rebuild_timer.isActive():
                self._rebuild_timer.start(int(wait * 1000) + 1)
            return
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

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # a narrow dock keeps the message readable: the ids stay in the row's tooltip
        self.tree.setColumnHidden(2, self.width() < 560)

    # -- building -----------------------------------------------------------------------

    def _rebuild(self) -> None:
        self._rebuild_timer.stop()
        self._rebuilt_at = time.perf_counter()
        current = self.tree.currentItem()
        keep = (current.text(0), current.text(1)) if current is not None else None
        tokens = self.search.text().lower().split()
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        restore = None
        for sev, title in _SEVERITIES:
            if not self.filters[sev].isChecked():
                continue
            rows = [v for v in self._violations if v.severity == sev
                    and all(t in f"{v.code} {v.message} {' '.join(v.items)}".lower()
                            for t in tokens)]
            if not rows:
                continue
            top = QTreeWidgetItem([f"{title} ({len(rows)})", "", ""])
            top.setIcon(0, self._icons[sev])
            top.setFont(0, bold)
            top.setForeground(0, QBrush(QColor(SEVERITY_COLORS[sev])))
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            top.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(top)
            ordered = sorted(rows, key=lambda v: (v.code, v.items))
            for v in ordered[:MAX_ROWS_PER_SEVERITY]:
                shown = ", ".join(v.items[:_MAX_ITEM_TEXT])
                if len(v.items) > _MAX_ITEM_TEXT:
                    shown += f" +{len(v.items) - _MAX_ITEM_TEXT} more"
                row = QTreeWidgetItem([v.code, v.message, shown])
                row.setIcon(0, self._icons[sev])
                row.setData(0, _ITEMS_ROLE, list(v.items))
                row.setToolTip(1, f"{v.message}\nItems: {shown}" if shown else v.message)
                row.setToolTip(2, "\n".join(v.items[:60]) + ("\n..." if len(v.items) > 60
                                                              else ""))
                top.addChild(row)
                if keep == (v.code, v.message):
                    restore = row
            if len(ordered) > MAX_ROWS_PER_SEVERITY:
                more = QTreeWidgetItem(["", f"… {len(ordered) - MAX_ROWS_PER_SEVERITY:,} more: "
                                        "type a code or id in the filter to see them", ""])
                more.setFlags(Qt.ItemFlag.ItemIsEnabled)
                top.addChild(more)
            top.setExpanded(True)
        if not self.tree.topLevelItemCount():
            hidden = bool(self._violations)
            ok = QTreeWidgetItem(["", "No violation matches the filter." if hidden
                                  else "No rule violations.", ""])
            ok.setIcon(0, self._icons["ok"])
            ok.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(ok)
        if restore is not None:
            self.tree.setCurrentItem(restore)
        self.tree.setUpdatesEnabled(True)
        self.tree.doItemsLayout()

    def _activate(self, item: QTreeWidgetItem) -> None:
        ids = item.data(0, _ITEMS_ROLE)
        if not ids:
            return
        self.document.select(list(ids))
        self.zoom_requested.emit(list(ids))
