"""The palette: the catalog by generation and category, searchable and draggable.

Dragging an entry starts a ``QDrag`` whose mime data holds the catalog id under
:data:`designer.panels.common.MIME_CATALOG`; the floor plan places racks and
facility units, the rack elevation installs servers and switches. Enter on the
selected entry, or a double-click, places it as a drop at the centre of the visible
plan would (``entry_activated``), so the catalog works without a mouse.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.panels.common import (
    MIME_CATALOG,
    TOOLS,
    entry_figures,
    entry_tooltip,
    feed_rating_kw,
    generation_label,
    gpu_generations,
)

__all__ = ["PalettePanel", "CATEGORIES"]

# (key, title) in display order
CATEGORIES: list[tuple[str, str]] = [
    ("racks", "Racks and rack-scale systems"),
    ("gpu", "GPU servers"),
    ("cpu", "CPU nodes"),
    ("switch", "Switches"),
    ("other", "Storage and other devices"),
    ("crah", "CRAH (air cooling)"),
    ("cdu", "CDU (liquid cooling)"),
    ("rear_door", "Rear-door heat exchangers"),
    ("power", "Power: PDU, busway, shelves"),
    ("tools", "Tools"),
]

_FOLLOW, _ALL = "__follow__", "__all__"
_ID_ROLE = Qt.ItemDataRole.UserRole
_TEXT_ROLE = Qt.ItemDataRole.UserRole + 1
_FIG_ROLE = Qt.ItemDataRole.UserRole + 2
_TITLE_ROLE = Qt.ItemDataRole.UserRole + 3


class _EntryDelegate(QStyledItemDelegate):
    """Draws an entry as its name over a grey line of key figures."""

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(_FIG_ROLE) is None:
            return size
        fm = option.fontMetrics
        return QSize(size.width(), int(fm.height() * 2.25) + 4)

    def paint(self, painter: QPainter, option, index) -> None:
        figs = index.data(_FIG_ROLE)
        if figs is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        r = opt.rect.adjusted(4, 2, -4, -2)
        fm = opt.fontMetrics
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText if selected
                                         else QPalette.ColorRole.Text))
        top = QRect(r.left(), r.top(), r.width(), fm.height())
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(name, Qt.TextElideMode.ElideRight, r.width()))
        small = QFont(opt.font)
        small.setPointSizeF(max(7.0, opt.font.pointSizeF() - 1.0))
        painter.setFont(small)
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText) if selected
                       else QColor("#5f6368"))
        bottom = QRect(r.left(), top.bottom() + 1, r.width(), r.bottom() - top.bottom())
        painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(small).elidedText(figs, Qt.TextElideMode.ElideRight,
                                                        r.width()))
        painter.restore()


class _PaletteTree(QTreeWidget):
    """A tree whose leaf items drag out as catalog ids, and place with Enter."""

    #: Enter or Return on an entry: its catalog id (a category heading opens or closes)
    entry_entered = Signal(str)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        item = self.currentItem()
        eid = item.data(0, _ID_ROLE) if item is not None else None
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and eid \
                and not item.isHidden():
            # Qt's own Enter emits ``activated`` on some platforms and not on others
            # (nor does it accept the key): placing is the palette's, everywhere
            self.entry_entered.emit(eid)
            event.accept()
            return
        super().keyPressEvent(event)

    def mimeTypes(self) -> list[str]:
        return [MIME_CATALOG, "text/plain"]

    def mimeData(self, items) -> QMimeData:
        ids = [it.data(0, _ID_ROLE) for it in items if it.data(0, _ID_ROLE)]
        return PalettePanel.mime_data(ids[0] if ids else "")


class PalettePanel(QWidget):
    """The catalog as a searchable, generation-filtered tree of draggable entries.

    ``entry_activated`` carries the catalog id of an entry placed without the mouse's
    drag (Enter on the selected entry, or a double-click): the main window places it as
    a drop at the centre of the visible plan.
    """

    entry_activated = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PalettePanel")
        self.document = document
        self._generation = ""

        self.generation_combo = QComboBox()
        self.generation_combo.setToolTip("Which hardware generation the palette shows")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name or id")
        self.search.setClearButtonEnabled(True)
        self.tree = _PaletteTree()
        self.tree.setColumnCount(1)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(_EntryDelegate(self.tree))
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.empty_label = QLabel("No catalog entry matches the search.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #777; padding: 12px;")
        self.empty_label.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        gen_label = QLabel("Generation")
        top.addWidget(gen_label)
        top.addWidget(self.generation_combo, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addWidget(self.search)
        lay.addWidget(self.empty_label)  # under the search box, where the eye is
        lay.addWidget(self.tree, 1)

        self._fill_generations()
        self._build()
        self.search.textChanged.connect(self._apply_filter)
        self.generation_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.entry_entered.connect(self.entry_activated)
        document.analysis_updated.connect(self._on_layout_changed)
        document.items_changed.connect(self._on_layout_changed)
        reset = getattr(document, "layout_reset", None)  # panels also serve plain views
        if reset is not None:
            reset.connect(lambda: (self._follow_layout(force=True), self._follow_derating()))

    # -- public -------------------------------------------------------------------------

    @staticmethod
    def mime_data(entry_id: str) -> QMimeData:
        """Return the drag payload of a palette entry (the catalog id, utf-8)."""
        mime = QMimeData()
        mime.setData(MIME_CATALOG, entry_id.encode("utf-8"))
        mime.setText(entry_id)
        return mime

    def generation(self) -> str | None:
        """Return the generation shown, or ``None`` for all generations."""
        data = self.generation_combo.currentData()
        if data == _ALL:
            return None
        if data == _FOLLOW:
            return self._layout_generation()
        return data

    def set_generation(self, generation: str | None) -> None:
        """Show one generation, ``None`` for all, or ``"follow"`` for the layout's."""
        key = {None: _ALL, "follow": _FOLLOW}.get(generation, generation)
        i = self.generation_combo.findData(key)
        if i >= 0:
            self.generation_combo.setCurrentIndex(i)

    def visible_entry_ids(self) -> list[str]:
        """Return the ids of the entries the filter currently shows, in tree order."""
        out: list[str] = []
        for c in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(c)
            if cat.isHidden():
                continue
            for k in range(cat.childCount()):
                it = cat.child(k)
                if not it.isHidden():
                    out.append(it.data(0, _ID_ROLE))
        return out

    def item_for(self, entry_id: str) -> QTreeWidgetItem | None:
        """Return the tree item of an entry id."""
        return self._items.get(entry_id)

    # -- building -----------------------------------------------------------------------

    def _layout_generation(self) -> str:
        layout = getattr(self.document, "layout", None)
        return getattr(layout, "generation", "") or ""

    def _fill_generations(self) -> None:
        self._gpu_generations = gpu_generations(self.document.catalog)
        combo = self.generation_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self._follow_text(), _FOLLOW)
        combo.addItem("All generations", _ALL)
        for g in self._gpu_generations:
            combo.addItem(generation_label(g), g)
        combo.blockSignals(False)
        self._generation = self._layout_generation()

    def _follow_text(self) -> str:
        gen = self._layout_generation()
        return f"Layout ({generation_label(gen)})" if gen else "Layout generation"

    def _category_of(self, kind: str, entry) -> str:
        if kind == "rack":
            return "racks"
        if kind == "device":
            return {"rack_system": "racks", "gpu_server": "gpu", "cpu_node": "cpu",
                    "switch": "switch", "power_shelf": "power"}.get(entry.role, "other")
        if kind == "facility":
            return entry.kind if entry.kind in ("crah", "cdu", "rear_door") else "power"
        return "tools"

    def _build(self) -> None:
        cat = self.document.catalog
        self.tree.clear()
        self._items: dict[str, QTreeWidgetItem] = {}
        self._entry_gen: dict[str, str | None] = {}
        self._derating = self._design_derating()
        cats: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.font())
        bold.setBold(True)
        for key, title in CATEGORIES:
            it = QTreeWidgetItem([title])
            it.setData(0, _TITLE_ROLE, title)
            it.setFont(0, bold)
            it.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(it)
            cats[key] = it
        entries: list[tuple[str, str, object, str | None]] = []
        for r in cat.racks.values():
            entries.append(("rack", r.id, r, None))
        for d in cat.devices.values():
            if d.role == "nic":  # NICs sit inside servers; nothing to place
                continue
            gen = d.generation if d.generation in self._gpu_generations else None
            entries.append(("device", d.id, d, gen))
        for f in cat.facility.values():
            entries.append(("facility", f.id, f, None))
        for tid, (name, _desc) in TOOLS.items():
            entries.append(("tool", tid, name, None))
        for kind, eid, entry, gen in entries:
            name = entry if kind == "tool" else entry.name
            figs = entry_figures(cat, eid)
            it = QTreeWidgetItem([name])
            it.setData(0, _ID_ROLE, eid)
            it.setData(0, _FIG_ROLE, figs or (TOOLS[eid][1] if kind == "tool" else eid))
            # the key figures too: "800g", "72 gpus", "10u" find entries
            it.setData(0, _TEXT_ROLE, f"{name} {eid} {figs or ''}".lower())
            it.setToolTip(0, entry_tooltip(cat, eid, self._derating))
            it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                        | Qt.ItemFlag.ItemIsDragEnabled)
            cats[self._category_of(kind, entry)].addChild(it)
            self._items[eid] = it
            self._entry_gen[eid] = gen
        self.tree.expandAll()
        self._apply_filter()

    # -- filtering ----------------------------------------------------------------------

    def _apply_filter(self) -> None:
        tokens = self.search.text().lower().split()
        gen = self.generation()
        shown_any = False
        for c in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(c)
            n = 0
            for k in range(cat.childCount()):
                it = cat.child(k)
                eid = it.data(0, _ID_ROLE)
                egen = self._entry_gen.get(eid)
                ok = (gen is None or egen is None or egen == gen) and \
                    all(t in it.data(0, _TEXT_ROLE) for t in tokens)
                it.setHidden(not ok)
                n += ok
            cat.setHidden(n == 0)
            cat.setText(0, f"{cat.data(0, _TITLE_ROLE)} ({n})")
            if tokens and n:
                cat.setExpanded(True)
            shown_any |= n > 0
        self.empty_label.setVisible(not shown_any)

    def _on_layout_changed(self, _arg) -> None:
        self._follow_layout()
        self._follow_derating()

    def _design_derating(self) -> float | None:
        layout = getattr(self.document, "layout", None)
        return layout.assumptions.continuous_derating if layout is not None else None

    def _follow_derating(self) -> None:
        """Give the feeds' tooltips the design's continuous derating when it changed."""
        derating = self._design_derating()
        if derating == self._derating:
            return
        self._derating = derating
        cat = self.document.catalog
        for eid, it in self._items.items():
            if eid in cat.facility and feed_rating_kw(cat.facility[eid]) is not None:
                it.setToolTip(0, entry_tooltip(cat, eid, derating))

    def _follow_layout(self, force: bool = False) -> None:
        """Show the layout's generation again when it changed (or, ``force``, another
        layout came): a generation picked for the last design would hide this one's
        hardware."""
        gen = self._layout_generation()
        if gen == self._generation and not force:
            return
        self._generation = gen
        combo = self.generation_combo
        combo.setItemText(0, self._follow_text())
        if combo.currentIndex() != 0:
            combo.setCurrentIndex(0)  # filters through currentIndexChanged
        else:
            self._apply_filter()

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        eid = item.data(0, _ID_ROLE)
        if eid:
            self.entry_activated.emit(eid)
