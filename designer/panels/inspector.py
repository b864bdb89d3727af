"""The inspector: the selected objects' properties, editable, and their computed figures.

Edits go only through ``document.set_field(ids, field, value)``, one call (one
undo command) per edit. A multi-selection of one kind edits the fields its
objects share and shows "mixed" where their values differ. With nothing
selected the inspector shows the layout, its hall and its assumptions, edited
as the layout's dotted fields (``set_field(["@layout"], "hall.tile_m", 0.6)``,
``engine.edits.LAYOUT_ID``).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QTextLayout
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QGraphicsView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from designer.dialogs.fabric_dialog import PURPOSE_LABELS, TOPOLOGY_LABELS
from designer.panels import figures
from designer.panels.common import DragThrottle, find_item, item_kinds, items_by_id
from designer.panels.editors import (
    CHOICE_LABELS,
    MIXED,
    ComboEditor,
    FieldEditor,
    ListEditor,
    PointEditor,
    ReadOnlyEditor,
    SpinEditor,
    field_label,
    make_editor,
)
from engine.edits import (
    HALL_OUTLINE,
    HALL_SIDE_MAX_M,
    HALL_SIDE_MIN_M,
    LAYOUT_ID,
    OBSTACLE_SIDE_MAX_M,
    OBSTACLE_SIDE_MIN_M,
    hall_size,
    rect_size,
    resize_hall,
    resize_obstacle,
)
from engine.errors import InputError
from engine.model import (
    FEED_KINDS,
    CableTray,
    CoolingUnit,
    ExplicitLink,
    Fabric,
    FabricTier,
    Layout,
    Obstacle,
    PowerFeed,
    Rack,
)
from engine.report_tables import (
    KW_DIGITS,
    known_text,
    rack_unknown_figures,
    unknown_figure_note,
)

__all__ = ["InspectorPanel", "FIELDS"]

# kind -> (model class, editable/visible fields in form order)
FIELDS: dict[str, tuple[type, list[str]]] = {
    "rack": (Rack, ["id", "name", "row", "x_m", "y_m", "rotation_deg", "type", "feeds",
                    "cdu", "crah"]),
    "cooling": (CoolingUnit, ["id", "kind", "model", "name", "capacity_kw", "flow_lpm",
                              "group", "x_m", "y_m", "rotation_deg", "width_m", "depth_m",
                              "return_xy_m", "rack"]),
    "feed": (PowerFeed, ["id", "kind", "model", "name", "side", "voltage_v", "phases", "amps",
                         "power_factor"]),
    "tray": (CableTray, ["id", "elevation_m", "width_m"]),
    "obstacle": (Obstacle, ["id", "kind"]),
    "link": (ExplicitLink, ["id", "speed_gbps", "count", "medium", "length_m", "fabric",
                            "a.rack", "a.u", "a.port", "b.rack", "b.u", "b.port"]),
    "fabric": (Fabric, ["id", "name", "purpose", "topology", "nic_speed_gbps", "ports_per_gpu",
                        "rails", "su_nodes", "collapse_tiers", "members", "network_racks"]),
}
# a fabric's tiers sit in a list: each tier's fields, edited by setting the whole list
TIER_FIELDS = ["switch", "placement", "oversubscription", "count", "radix", "port_speed_gbps",
               "links_per_pair"]
# lists of items the canvas cannot reach (fabrics, links) or hides under racks (busways)
_GO_TO_MAX = 60
# the layout itself (nothing selected): section title -> dotted fields of Layout
LAYOUT_SECTIONS: list[tuple[str, list[str]]] = [
    ("Layout", ["name", "author", "generation"]),
    ("Hall", ["hall.floor_rating_kg_m2", "hall.tile_m", "hall.raised_floor",
              "hall.ceiling_height_m"]),
    ("Assumptions", ["assumptions." + f for f in (
        "delta_t_air_k", "delta_t_coolant_k", "continuous_derating", "air_limit_kw_per_rack",
        "pue", "pue_overhead_fixed", "pue_overhead_air", "pue_overhead_liquid",
        "utilization_factor", "cable_slack_m", "in_rack_slack_m", "aisle_clearance_m",
        "tray_elevation_m", "u_height_m")]),
    ("Cabling policy", ["assumptions.cabling." + f for f in (
        "allow_aoc", "allow_copper", "optics_above_m", "prefer_single_mode")]),
]
_READ_ONLY = {"id", "model"}
# a CRAH does not turn into a CDU; the generation has its own selector in the main window
_READ_ONLY_BY_KIND = {"cooling": {"kind"}, "layout": {"generation"}}
_KIND_TITLES = {"rack": ("Rack", "racks"), "cooling": ("Cooling unit", "cooling units"),
                "feed": ("Power feed", "power feeds"), "tray": ("Cable tray", "cable trays"),
                "obstacle": ("Obstacle", "obstacles"), "fabric": ("Fabric", "fabrics"),
                "link": ("Link", "links")}


# a fabric's purpose and topology read as the New fabric dialog words them
_FABRIC_CHOICES: dict[str, dict[str, str]] = {
    "purpose": dict(PURPOSE_LABELS),
    "topology": {**TOPOLOGY_LABELS, "explicit": "Explicit (drawn links only)"},
}


def _rack_type_text(rt) -> str:
    """A rack type as the palette names it, with its height when the name lacks it:
    "Rack 800 x 1200 mm, 48U", "Open Rack V3 High Power Rack (ORv3 HPR), 47U"."""
    return rt.name if f"{rt.height_u}U" in rt.name else f"{rt.name}, {rt.height_u}U"


def _choice_text(ed: FieldEditor, value: Any) -> str | None:
    """Return the label a list editor shows for ``value`` where it differs from the stored
    value ("Rail-optimized fat-tree" for ``rail_optimized``), for the undo command's text;
    None for any other editor or value."""
    if not isinstance(ed, ComboEditor) or value not in ed.values:
        return None
    text = ed.widget.itemText(ed.values.index(value))
    return text if text and text != str(value) else None


def _catalog_name(table: dict, type_id: Any) -> str:
    entry = table.get(type_id)
    return entry.name if entry is not None else f"{type_id} (not in the catalog)"


class _UndoRouter(QObject):
    """Sends Ctrl+Z / redo keys in an inspector field to the document's undo stack once the
    field has no typing of its own to undo (a committed edit): a line edit would
    otherwise take the keys and do nothing."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            line = obj if isinstance(obj, QLineEdit) else getattr(obj, "lineEdit", lambda: None)()
            undo = event.matches(QKeySequence.StandardKey.Undo)
            redo = event.matches(QKeySequence.StandardKey.Redo) or (
                event.key() == Qt.Key.Key_Y
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier)
            if line is not None and ((undo and not line.isUndoAvailable())
                                     or (redo and not line.isRedoAvailable())):
                event.ignore()
                return True  # not the field's: the window's Undo / Redo action takes it
        return super().eventFilter(obj, event)


class _MessageLabel(QLabel):
    """A refusal in red on at most ``LINES`` wrapped lines; a longer one ends in "…" and its
    tooltip holds the whole. ``text()`` stays the whole text."""

    LINES = 2

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)  # "link's" must not read "link&#x27;s"
        self.setStyleSheet("color: #c62828; background: #fdecea; border-radius: 3px;")
        self.setContentsMargins(6, 3, 6, 3)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def reserved_height(self) -> int:
        """Return the height of ``LINES`` lines with the margins."""
        m = self.contentsMargins()
        return self.fontMetrics().lineSpacing() * self.LINES + m.top() + m.bottom() + 2

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)
        self.update()

    def shown_lines(self) -> list[str]:
        """Return the lines drawn at the current width (the last one elided if need be)."""
        width = max(self.contentsRect().width(), 20)
        layout = QTextLayout(self.text(), self.font())
        layout.beginLayout()
        starts: list[tuple[int, int]] = []
        while len(starts) <= self.LINES:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            starts.append((line.textStart(), line.textLength()))
        layout.endLayout()
        text = self.text()
        lines = [text[a:a + n].rstrip() for a, n in starts[:self.LINES]]
        if len(starts) > self.LINES:
            rest = text[starts[self.LINES - 1][0]:]
            lines[-1] = self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width)
        return lines

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        opt = QStyleOption()
        opt.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, opt, p, self)
        p.setPen(QColor("#c62828"))
        r = self.contentsRect()
        step = self.fontMetrics().lineSpacing()
        for i, line in enumerate(self.shown_lines()):
            p.drawText(r.left(), r.top() + i * step, r.width(), step,
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)


class _WrapLabel(QLabel):
    """A word-wrapped label that asks for the height of every line it wraps to: a form in
    a scroll area gives a wrapped label the height of the width it had before the scroll
    bar narrowed it, which cut its last line off."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        h = self.heightForWidth(self.width())
        if h > 0 and h != self.minimumHeight():
            self.setMinimumHeight(h)


class _ValueLabel(_WrapLabel):
    """A computed figure that wraps to the form's width ("13,260 total, max 4,420" in a
    narrow dock). A word wider than the label cannot wrap: the tooltip then holds the
    whole value, beside the row's explanation."""

    def __init__(self, tip: str = "") -> None:
        self._tip = self._row_tip = tip
        super().__init__()
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("font-weight: 600;")
        self.setToolTip(tip)

    def set_value(self, text: str, why: str = "") -> None:
        """Show ``text``; ``why`` (a value not known) goes before the row's explanation."""
        self._tip = "\n".join(t for t in (why, self._row_tip) if t)
        if text != self.text():
            self.setText(text)
        else:
            self._fit()

    def is_cut(self) -> bool:
        """Whether a word of the value is wider than the label (the rest wraps)."""
        fm, width = self.fontMetrics(), self.contentsRect().width()
        return any(fm.horizontalAdvance(w) > width for w in self.text().split())

    def _fit(self) -> None:
        super()._fit()
        tip = "\n".join(t for t in (self.text() if self.is_cut() else "", self._tip) if t)
        if tip != self.toolTip():
            self.setToolTip(tip)


def _few(ids: list[str], most: int = 4) -> str:
    return ", ".join(ids) if len(ids) <= most else f"{', '.join(ids[:most])}, …"


#: the sides of a rectangular hall, edited as numbers (the outline's east and north walls)
HALL_SIZE_FIELDS = ("hall.width_m", "hall.depth_m")


#: the sides of a rectangular obstacle (a column's), edited as numbers about its centre
OBSTACLE_SIZE_FIELDS = ("size.width_m", "size.depth_m")


def _get(obj: Any, field: str) -> Any:
    if field in HALL_SIZE_FIELDS:
        size = hall_size(obj)
        return None if size is None else size[HALL_SIZE_FIELDS.index(field)]
    if field in OBSTACLE_SIZE_FIELDS:
        size = rect_size(obj.polygon)
        return None if size is None else size[OBSTACLE_SIZE_FIELDS.index(field)]
    for part in field.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


class InspectorPanel(QWidget):
    """Properties of the selection (or the hall), edited through the document.

    ``status_message`` carries notes for the main window's status bar: the document's
    word that an edit resized a fabric (``fabric_resized``), which reaches the status
    bar no other way.
    """

    status_message = Signal(str)

    def __init__(self, document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("InspectorPanel")
        self.document = document
        self.editors: dict[str, FieldEditor] = {}
        self.computed: dict[str, QLabel] = {}
        self._ids: list[str] = []
        self._kind = ""
        self._rebuild_due = False
        self._sources_key: tuple | None = None
        self._unknown_key: tuple | None = None  # (analysis, catalog) of self._unknown
        self._unknown: tuple = ()
        self._merging = False
        self._value_text: str | None = None  # the label of the choice being committed
        self._touched: set[str] = set()  # selected items changed since the stack last moved
        self._undo_router = _UndoRouter(self)

        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #666;")
        self.subtitle.setWordWrap(True)
        self.message = _MessageLabel()
        self._refresh = DragThrottle(self, document, self._refresh_now)
        # the refusal shows in a strip below the form that is always reserved: a message
        # that appeared above the form pushed every field down under the next click
        self.message_area = QWidget()
        self.message_area.setObjectName("InspectorMessageArea")
        area = QVBoxLayout(self.message_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.addWidget(self.message)
        self.message_area.setFixedHeight(self.message.reserved_height())
        self.message.hide()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.message_area)

        document.selection_changed.connect(self._on_selection)
        document.items_changed.connect(self._on_items_changed)
        document.items_removed.connect(self._on_items_removed)
        document.items_added.connect(self._on_items_added)
        document.analysis_updated.connect(self._on_analysis)
        resized = getattr(document, "fabric_resized", None)
        if resized is not None:
            resized.connect(self.status_message)
        stack = getattr(document, "undo_stack", None)
        if stack is not None:
            # an edit, an undo or a save makes a refusal old news
            stack.indexChanged.connect(self.clear_message)
            stack.cleanChanged.connect(self.clear_message)
            stack.indexChanged.connect(self._on_stack_moved)
        self._stack_count = stack.count() if stack is not None else 0
        self.rebuild()

    # -- public -------------------------------------------------------------------------

    def editor(self, field: str) -> FieldEditor:
        """Return the editor of ``field`` in the current form (KeyError if absent)."""
        return self.editors[field]

    def computed_text(self, key: str) -> str:
        """Return the text of a computed figure (for tests and status bars)."""
        return self.computed[key].text()

    def clear_message(self, *_args) -> None:
        """Hide the refusal message (its space stays reserved: the form does not move) and
        put the fields it tinted back as they were."""
        self.message.hide()
        self._clear_refusals()

    def _clear_refusals(self) -> None:
        # a refused entry's field shows its value again once the message goes
        for ed in self.editors.values():
            if getattr(ed, "is_marked", lambda: False)():
                ed._mark("")

    def rebuild(self) -> None:
        """Rebuild the form for the document's current selection."""
        self._rebuild_due = False
        self._sources_key = None
        layout = self.document.layout
        kind_of = item_kinds(layout)
        ids = [i for i in self.document.selection if i in kind_of]
        kinds = {kind_of[i] for i in ids}
        self._ids = ids
        self.editors.clear()
        self.computed.clear()
        self.position_note: QLabel | None = None
        self.go_to = {}
        self._related_box: QGroupBox | None = None
        self._related: list = []
        self.message.hide()
        body = QWidget()
        vbox = QVBoxLayout(body)
        vbox.setContentsMargins(0, 0, 0, 0)
        vbox.setSpacing(8)
        if not ids:
            self._kind = "layout"
            self._ids = [LAYOUT_ID]
            self.title.setText("Hall")
            self.subtitle.setText("Nothing selected: the layout, its hall and assumptions.")
            self.subtitle.show()
            for title, fields in LAYOUT_SECTIONS:
                box = self._form(title, "layout", [LAYOUT_ID], fields)
                if title == "Hall" and hall_size(self.document.layout) is not None:
                    self._hall_size_rows(box.layout())
                vbox.addWidget(box)
            vbox.addWidget(self._computed_box(figures.hall_rows))
            vbox.addWidget(self._go_to_box("Fabrics, links and feeds", self._hall_targets()))
        else:
            kind = next(iter(kinds)) if len(kinds) == 1 else ""
            self._kind = kind or "mixed"
            self._set_titles(ids, kind)
            present = [k for k in FIELDS if k in kinds]
            lists = [FIELDS[k][1] for k in present]
            fields = [f for f in (lists[0] if lists else []) if all(f in x for x in lists)]
            if kind == "cooling":
                unit_kinds = {o.kind for o in self._objects()}
                if unit_kinds != {"rear_door"}:
                    fields = [f for f in fields if f != "rack"]
                if unit_kinds != {"cdu"}:
                    fields = [f for f in fields if f != "flow_lpm"]
                if unit_kinds != {"crah"}:
                    fields = [f for f in fields if f != "return_xy_m"]
            if len(ids) > 1:
                fields = [f for f in fields if f != "id"]
            if fields:
                box = self._form("Properties", present[0], ids, fields)
                if kind == "obstacle" and len(ids) == 1 and \
                        rect_size(self._obj(ids[0]).polygon) is not None:
                    self._obstacle_size_rows(box.layout(), ids[0])
                vbox.addWidget(box)
            elif len(kinds) > 1:
                hint = QLabel("These items share no editable field: select items of one "
                              "kind (racks, cooling units, feeds, ...) to edit them together.")
                hint.setWordWrap(True)
                hint.setStyleSheet("color: #666;")
                vbox.addWidget(hint)
            rows = {"rack": figures.rack_rows, "cooling": figures.unit_rows,
                    "feed": figures.feed_rows, "tray": figures.tray_rows,
                    "obstacle": figures.obstacle_rows, "link": figures.link_rows,
                    "fabric": figures.fabric_rows}.get(self._kind)
            if rows is not None:
                vbox.addWidget(self._computed_box(rows))
            if self._kind == "fabric" and len(ids) == 1:
                fabric = self._obj(ids[0])
                for i, tier in enumerate(fabric.tiers):
                    vbox.addWidget(self._tier_form(ids[0], i, tier))
            if self._kind == "rack":
                vbox.addWidget(self._sources_box())
            if self._kind in ("rack", "feed", "link", "fabric") and len(ids) == 1:
                self._related = self._related_targets(ids[0])
                self._related_box = self._go_to_box("Related", self._related)
                vbox.addWidget(self._related_box)
        vbox.addStretch(1)
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(body)
        self._refresh_values()
        self._refresh_computed()
        self._refresh_position_note()

    # -- building -----------------------------------------------------------------------

    def _objects(self) -> list[Any]:
        layout = self.document.layout
        if self._ids == [LAYOUT_ID]:
            return [layout]
        item = getattr(self.document, "item", None)  # the document's index: no scan
        if item is not None:
            return [o for o in map(item, self._ids) if o is not None]
        by_id = items_by_id(layout)
        return [by_id[i] for i in self._ids if i in by_id]

    def _obj(self, item_id: str) -> Any:
        layout = self.document.layout
        return layout if item_id == LAYOUT_ID else find_item(self.document, item_id)

    def _set_titles(self, ids: list[str], kind: str) -> None:
        one, many = _KIND_TITLES.get(kind, ("Item", "items"))
        if len(ids) == 1:
            obj = self._obj(ids[0])
            self.title.setText(f"{one} {ids[0]}")
            extra = getattr(obj, "name", None) or ""
            if kind == "cooling":
                extra = {"crah": "CRAH (air)", "cdu": "CDU (liquid)",
                         "rear_door": "Rear-door heat exchanger"}[obj.kind]
            self.subtitle.setText(extra)
            self.subtitle.setVisible(bool(extra))
        else:
            self.title.setText(f"{len(ids)} {many if kind else 'items'} selected")
            self.subtitle.setText("Edits apply to every selected item; fields marked mixed differ.")
            self.subtitle.show()

    def _make(self, kind: str, field: str) -> FieldEditor:
        layout, cat = self.document.layout, self.document.catalog
        model = Layout if kind == "layout" else FIELDS.get(kind, FIELDS["rack"])[0]
        if field == "model" and kind == "feed":
            # a feed's catalog model: its volts, phases and amps come with it
            # (edits.set_field), and figures set by hand pick the model that has them
            feeds = [ft for ft in cat.facility.values() if ft.kind in FEED_KINDS]
            return ComboEditor(field, [("(its own figures)", None)]
                               + [(ft.name, ft.id) for ft in feeds],
                               ["no catalog model: the volts, phases and amps set here"]
                               + [ft.id for ft in feeds])
        if field == "model" and kind == "cooling":
            return ReadOnlyEditor(field, lambda v: _catalog_name(cat.facility, v))
        if field == "kind" and kind == "cooling":
            return ReadOnlyEditor(field, lambda v: CHOICE_LABELS["kind"].get(v, str(v)))
        if field in _READ_ONLY or field in _READ_ONLY_BY_KIND.get(kind, ()):
            return ReadOnlyEditor(field)
        if kind == "rack" and field == "type":
            racks = list(cat.racks.values())
            return ComboEditor(field, [(_rack_type_text(rt), rt.id) for rt in racks],
                               [f"{rt.id} ({rt.height_u}U)" for rt in racks])
        if kind == "fabric" and field in _FABRIC_CHOICES:
            return make_editor(Fabric, field, _FABRIC_CHOICES[field])
        if kind == "rack" and field in ("cdu", "crah"):
            unit_kind = field
            auto = "(nearest CDU)" if field == "cdu" else "(shared room air)"
            return ComboEditor(field, [(auto, None)] + [(u.id, u.id) for u in layout.cooling
                                                        if u.kind == unit_kind])
        if kind == "cooling" and field == "return_xy_m":
            return PointEditor(field, "the unit itself", 1.0e5, self._show_error)
        if kind == "rack" and field == "feeds":
            return ListEditor(field, [f"{f.id}" for f in layout.feeds], 8, self._show_error)
        if kind == "link" and field in ("a.rack", "b.rack"):
            return ComboEditor(field, [(r.id, r.id) for r in layout.racks])
        if kind == "link" and field == "medium":
            return ComboEditor(field, [("(the cabling policy's choice)", None)] + [
                (f"{m.id} — {m.name}", m.id) for m in cat.media.values()])
        if kind == "link" and field == "fabric":
            return ComboEditor(field, [("(the fabric of its ends)", None)] + [
                (f"{f.id} — {f.name}", f.id) for f in layout.fabrics])
        if kind == "fabric" and field in ("members", "network_racks"):
            # an empty member list is every rack whose servers can join (racks added later too)
            return ListEditor(field, [r.id for r in layout.racks], None, self._show_error,
                              "every rack whose servers can join" if field == "members"
                              else "none")
        return make_editor(model, field)

    @staticmethod
    def _form_box(title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # a narrow dock (a 1280-wide screen) puts a field under its label rather than
        # cutting its right edge, arrows and all
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setContentsMargins(6, 6, 6, 6)
        form.setVerticalSpacing(4)
        return box, form

    def _add_row(self, form: QFormLayout, key: str, ed: FieldEditor, on_commit) -> None:
        """Put editor ``ed`` of field ``key`` in ``form``; ``on_commit(value)`` applies it."""
        if isinstance(ed, SpinEditor):
            ed.on_error = self._show_error  # a number out of range says so
        ed.on_commit = lambda value: self._apply(ed, on_commit, value)
        ed.on_revert = self.clear_message  # Esc: the entry and its refusal go
        self.editors[key] = ed
        self._route_undo(ed)
        label = QLabel(field_label(key))
        label.setToolTip(key)
        form.addRow(label, ed.widget)

    def _form(self, title: str, kind: str, ids: list[str], fields: list[str]) -> QGroupBox:
        box, form = self._form_box(title)
        for field in fields:
            self._add_row(form, field, self._make(kind, field),
                          lambda value, f=field, target=list(ids): self._commit(target, f, value))
            if field == "y_m" and "x_m" in fields:
                # under the position: a note, not a refusal, when it is off the hall's floor
                self.position_note = _WrapLabel()
                self.position_note.setObjectName("InspectorPositionNote")
                self.position_note.setStyleSheet("color: #8a5a00;")
                self.position_note.hide()
                form.addRow("", self.position_note)
        return box

    def _hall_size_rows(self, form: QFormLayout) -> None:
        """Width and depth of a rectangular hall, at the top of its section: typed, they
        move the east and north walls (one undo step each)."""
        for k, field in enumerate(HALL_SIZE_FIELDS):
            ed = SpinEditor(field, False, HALL_SIDE_MIN_M, False, HALL_SIDE_MAX_M, False)
            self._add_row(form, field, ed, lambda v, f=field: self._resize_hall(f, v))
            taken = form.takeRow(form.rowCount() - 1)  # to the top: _add_row appends
            form.insertRow(k, taken.labelItem.widget(), taken.fieldItem.widget())

    def _obstacle_size_rows(self, form: QFormLayout, oid: str) -> None:
        """Width (x) and depth (y) of a rectangular column, wall or keep-out zone: typed,
        it keeps its centre (one undo step each)."""
        for field in OBSTACLE_SIZE_FIELDS:
            ed = SpinEditor(field, False, OBSTACLE_SIDE_MIN_M, False, OBSTACLE_SIDE_MAX_M,
                            False)
            self._add_row(form, field, ed,
                          lambda v, f=field: self._resize_obstacle(oid, f, v))

    def _resize_obstacle(self, oid: str, field: str, value: float) -> None:
        width = value if field == "size.width_m" else None
        depth = value if field == "size.depth_m" else None
        try:
            after = resize_obstacle(self.document.layout, oid, width, depth)
        except InputError as exc:
            self._show_error(str(exc))
            return
        ob = next(o for o in after.hall.obstacles if o.id == oid)
        w, d = rect_size(ob.polygon)
        self.document.reshape(oid, ob.polygon, f"Resize {oid} to {w:g} x {d:g} m")

    def _resize_hall(self, field: str, value: float) -> None:
        width = value if field == "hall.width_m" else None
        depth = value if field == "hall.depth_m" else None
        try:
            after = resize_hall(self.document.layout, width, depth)
        except InputError as exc:
            self._show_error(str(exc))
            return
        w, d = hall_size(after)
        self.document.reshape(HALL_OUTLINE, after.hall.outline,
                              f"Resize the hall to {w:g} x {d:g} m")

    def position_note_text(self) -> str:
        """Return the note under X and Y ("" when the position is on the hall's floor)."""
        note = self.position_note
        return note.text() if note is not None and not note.isHidden() else ""

    def _refresh_position_note(self) -> None:
        """Say under X and Y when the selected items stand outside the hall outline (the
        analysis's FLOOR-OUTSIDE): a valid position, but one easily typed by mistake."""
        note = self.position_note
        if note is None:
            return
        floor = getattr(self.document.analysis, "floor", None)
        outside: set[str] = set()
        if floor is not None and len(floor.outside):
            outside = {floor.ids[i] for i in floor.outside.tolist()} & set(self._ids)
        if not outside:
            note.hide()
            return
        x0, y0, x1, y1 = self.document.layout.hall.bounds()
        hall = (f"the hall ({x1 - x0:.1f} × {y1 - y0:.1f} m: x {x0:g} to {x1:g}, "
                f"y {y0:g} to {y1:g})")
        if len(outside) == len(self._ids):
            text = f"Outside {hall}"
        else:
            text = f"{len(outside)} of {len(self._ids)} outside {hall}: {_few(sorted(outside))}"
        note.setText(text)
        note.setToolTip("Kept as typed; the rule panel lists it as FLOOR-OUTSIDE until it "
                        "stands on the hall's floor")
        note.show()

    def _views(self) -> list:
        """The floor plans of this document (they follow its edits)."""
        return [view for top in QApplication.topLevelWidgets()
                for view in top.findChildren(QGraphicsView)
                if hasattr(view, "reveal_items")
                and getattr(view.scene(), "document", None) is self.document]

    def _reveal(self, ids: list[str], record: bool = False) -> None:
        """Scroll the floor plan to items an edit moved out of its sight (a typed X of
        999 m): the plan of this document follows them, at its zoom. ``record``: the
        edit just pushed moved it, and its undo shows the plan as it was before."""
        for view in self._views():
            before = view.view_state()
            if view.reveal_items(list(ids)) and record:
                # an undo of this edit puts the view back as well as the items
                stack = self.document.undo_stack
                view.revealed_for = (stack.command(stack.index() - 1), before)

    def _tier_form(self, fabric_id: str, i: int, tier: FabricTier) -> QGroupBox:
        """The fields of tier ``i``; an edit sets the fabric's whole tier list (one command)."""
        box, form = self._form_box(f"Tier {i + 1}: {tier.name}")
        cat = self.document.catalog
        for name in TIER_FIELDS:
            if name == "links_per_pair" and tier.name != "spine":
                continue
            key = f"tiers.{i}.{name}"
            if name == "switch":
                switches = [d for d in cat.devices.values() if d.role == "switch"]
                ed: FieldEditor = ComboEditor(key, [(d.name, d.id) for d in switches],
                                              [d.id for d in switches])
            else:
                ed = make_editor(FabricTier, name)
                ed.field = key
            self._add_row(form, key, ed, lambda value, n=name, fid=fabric_id, k=i:
                          self._commit_tier(fid, k, n, value))
        return box

    def _commit_tier(self, fabric_id: str, i: int, name: str, value: Any) -> None:
        fabric = self._obj(fabric_id)
        tiers = [t.model_dump() for t in fabric.tiers]
        tiers[i][name] = value
        self._commit([fabric_id], "tiers", tiers)

    def _hall_targets(self) -> list[tuple[str, list[tuple[str, str]]]]:
        layout = self.document.layout
        return [("Fabrics", [(f.id, f"{f.id} ({f.name})") for f in layout.fabrics]),
                ("Drawn links", [(lk.id, f"{lk.id} ({lk.a.rack}–{lk.b.rack})")
                                 for lk in layout.links]),
                ("Feeds", [(f.id, f"{f.id} ({f.kind} {f.side})") for f in layout.feeds])]

    def _related_targets(self, item_id: str) -> list[tuple[str, list[tuple[str, str]]]]:
        layout, obj = self.document.layout, self._obj(item_id)
        out: list[tuple[str, list[tuple[str, str]]]] = []
        if isinstance(obj, Rack):
            out.append(("Feeds", [(f, f) for f in obj.feeds]))
            out.append(("Cooling", self._cooling_targets(obj)))
            out.append(("Fabrics", [(f.id, f"{f.id} ({f.name})") for f in layout.fabrics
                                    if item_id in f.members or item_id in f.network_racks
                                    or not f.members]))
            # (the links drawn between racks: a fabric's generated links are its own)
            out.append(("Drawn links", [(lk.id, lk.id) for lk in layout.links
                                        if item_id in (lk.a.rack, lk.b.rack)]))
        elif isinstance(obj, PowerFeed):
            out.append(("Racks fed", [(r.id, r.id) for r in layout.racks
                                      if item_id in r.feeds]))
        elif isinstance(obj, ExplicitLink):
            out.append(("Racks", [(obj.a.rack, obj.a.rack), (obj.b.rack, obj.b.rack)]))
            joined = self._link_fabrics().get(item_id, set())
            fabs = [obj.fabric] if obj.fabric else sorted(joined)
            if fabs:
                out.append(("Fabric", [(f, f) for f in fabs]))
        elif isinstance(obj, Fabric):
            out.append(("Network racks", [(r, r) for r in obj.network_racks]))
            # a link names its fabric, or joins the fabric of one of its ends
            joined = self._link_fabrics()
            out.append(("Drawn links", [(lk.id, lk.id) for lk in layout.links
                                        if lk.fabric == item_id
                                        or item_id in joined.get(lk.id, ())]))
        return out

    def _cooling_targets(self, rack: Rack) -> list[tuple[str, str]]:
        """Return the units that cool a rack: the CRAH and CDU the analysis assigned (one
        named on the rack, else the nearest, the rack sharing the room's air) and its rear
        door."""
        out: dict[str, str] = {}
        a = self.document.analysis
        c = getattr(a, "cooling", None)
        i = a.arrays.rack_index.get(rack.id, -1) if c is not None else -1
        if 0 <= i < len(c.rack_crah):
            k = int(c.rack_crah[i])
            if k >= 0:
                uid = c.unit_ids[k]
                out[uid] = uid if uid == rack.crah else f"{uid} (shared room air)"
            k = int(c.rack_cdu[i])
            if k >= 0 and c.rack_liquid_kw[i] > 0:
                uid = c.unit_ids[k]
                out[uid] = uid if uid == rack.cdu else f"{uid} (nearest CDU)"
        for uid in (rack.crah, rack.cdu):  # named, but not in this analysis yet
            if uid and uid not in out:
                out[uid] = uid
        for u in self.document.layout.cooling:
            if u.kind == "rear_door" and u.rack == rack.id:
                out[u.id] = f"{u.id} (rear door)"
        return list(out.items())

    def _link_fabrics(self) -> dict[str, set[str]]:
        """Return the fabrics each explicit link joined in the latest analysis."""
        net = getattr(self.document.analysis, "network", None)
        topo = getattr(net, "topology", None)
        if topo is None or not len(topo.lk_link_id):
            return {}
        out: dict[str, set[str]] = {}
        for lid, f in zip(topo.lk_link_id.tolist(), topo.lk_fabric.tolist(), strict=True):
            if lid and 0 <= f < len(net.fabrics):
                out.setdefault(lid, set()).add(net.fabrics[f]["id"])
        return out

    def _go_to_box(self, title: str, targets: list[tuple[str, list[tuple[str, str]]]]
                   ) -> QGroupBox:
        """Links that select an item: the way to fabrics and links, which the canvas does
        not draw as things to click, and to busways hidden under racks."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setContentsMargins(6, 6, 6, 6)
        form.setVerticalSpacing(3)
        self.go_to: dict[str, QLabel] = getattr(self, "go_to", {})
        for caption, items in targets:
            shown = items[:_GO_TO_MAX]
            text = ", ".join(f"<a href='{html.escape(i, quote=True)}'>{html.escape(t)}</a>"
                             for i, t in shown) or "<span style='color:#777'>none</span>"
            if len(items) > len(shown):
                text += f" … and {len(items) - len(shown)} more"
            lab = QLabel(text)
            lab.setWordWrap(True)
            lab.setTextFormat(Qt.TextFormat.RichText)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                        | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            lab.setToolTip("Click an id to open it in the inspector")
            lab.linkActivated.connect(self.open_item)
            form.addRow(QLabel(caption), lab)
            self.go_to[caption] = lab
        return box

    def open_item(self, item_id: str) -> None:
        """Select ``item_id`` (a fabric, link, feed, ...) so the inspector shows it."""
        if find_item(self.document, item_id) is not None:
            self.document.select([item_id])

    def _route_undo(self, ed: FieldEditor) -> None:
        ed.widget.installEventFilter(self._undo_router)
        line = getattr(ed.widget, "lineEdit", None)
        line = line() if callable(line) else None  # spin boxes (combos have none)
        if line is not None:
            line.installEventFilter(self._undo_router)

    def _computed_box(self, rows_fn) -> QGroupBox:
        box = QGroupBox("Computed")
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setContentsMargins(6, 6, 6, 6)
        form.setVerticalSpacing(3)
        self._rows_fn = rows_fn
        for key, _value, tip in rows_fn(self.document, self._ids):
            lab = QLabel(key)
            val = _ValueLabel(tip)
            if tip:
                lab.setToolTip(tip)
            form.addRow(lab, val)
            self.computed[key] = val
        return box

    def _sources_box(self) -> QGroupBox:
        box = QGroupBox("Sources of the figures")
        v = QVBoxLayout(box)
        v.setContentsMargins(6, 6, 6, 6)
        self.sources_label = QLabel()
        self.sources_label.setWordWrap(True)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.sources_label)
        return box

    # -- values -------------------------------------------------------------------------

    def _refresh_values(self) -> None:
        objs = self._objects()
        for field, ed in self.editors.items():
            vals = [_get(o, field) for o in objs]
            if not vals:
                continue
            ed.set_value(vals[0] if all(v == vals[0] for v in vals[1:]) else MIXED)

    def _refresh_computed(self) -> None:
        if not self.computed:
            return
        unknown = self._unknown_rack_figures() if self._kind == "rack" else {}
        for key, value, _tip in self._rows_fn(self.document, self._ids):
            lab = self.computed.get(key)
            if lab is not None:
                lab.set_value(*unknown.get(key, (value,)))
        if self._kind == "rack":
            # the figures used depend on what the racks hold, not on where they stand
            key = (id(self.document.catalog),
                   *((o.id, o.type, o.system, o.devices) for o in self._objects()))
            if key != self._sources_key:
                self._sources_key = key
                self.sources_label.setText(figures.rack_sources_html(self.document, self._ids))

    def _unknown_rack_figures(self) -> dict[str, tuple[str, str]]:
        """Return ``{label: (text, why)}`` for the racks' totals that leave out a figure the
        catalog does not know: "unknown" or "≥ 1,234", never a 0 that looks known."""
        a = self.document.analysis
        if a is None:
            return {}
        ix = a.arrays.rack_index
        idx = np.array([ix[i] for i in self._ids if i in ix], np.int64)
        if not len(idx):
            return {}
        if self._unknown_key is None or self._unknown_key[0] is not a \
                or self._unknown_key[1] is not self.document.catalog:
            self._unknown_key = (a, self.document.catalog)
            self._unknown = rack_unknown_figures(self.document.layout, a, self.document.catalog)
        no_power, no_weight = self._unknown
        load = a.floor.rack_load_kg_m2
        out: dict[str, tuple[str, str]] = {}
        c = a.cooling
        for label, mask, values, digits, what in (
                ("IT power (kW)", no_power, a.power.rack_kw, KW_DIGITS, "power"),
                # the heat and airflow of that power leave the same hardware out
                ("Heat to room air (kW)", no_power, c.rack_air_kw, KW_DIGITS, "power"),
                ("Airflow (CFM)", no_power, c.rack_airflow_cfm, 0, "power"),
                ("Weight (kg)", no_weight, a.floor.rack_weight_kg, 0, "weight"),
                ("Floor load (kg/m²)", no_weight, load, 0, "weight")):
            if not mask[idx].any() or len(values) != len(mask):
                continue
            why = unknown_figure_note(a, self._ids, what)
            if len(idx) == 1:
                text = known_text(float(values[idx[0]]), True, digits)
            elif label.startswith("Floor"):
                text = f"max {known_text(float(values[idx].max()), True, digits)}"
            else:
                text = known_text(float(values[idx].sum()), True, digits)
                text += " total" if text != "unknown" else ""
            out[label] = (text, why)
        return out

    def _apply(self, ed: FieldEditor, on_commit, value: Any) -> None:
        """Run ``on_commit(value)`` for editor ``ed``: a step of a spin box or wheel merges
        with the steps before it, a typed and confirmed entry is an undo step of its own."""
        self._merging = ed.stepped
        self._value_text = _choice_text(ed, value)
        try:
            on_commit(value)
        finally:
            self._merging = False
            self._value_text = None

    def _commit(self, ids: list[str], field: str, value: Any) -> None:
        self.message.hide()
        self._clear_refusals()
        if self._kind == "link" and field in ("a.rack", "b.rack"):
            field, value = self._link_end(ids, field, value)
            if field == "":
                self._show_error(value)
                self._refresh_values()
                return
        try:
            self.document.set_field(list(ids), field, value, merge=self._merging,
                                    value_text=self._value_text)
        except (ValueError, KeyError, TypeError) as exc:
            self._show_error(f"{field_label(field)}: {exc}")
            self._refresh_values()
            return
        if field in ("x_m", "y_m"):
            self._reveal(ids, record=True)

    def _link_end(self, ids: list[str], field: str, rack_id: str) -> tuple[str, Any]:
        """Return the edit a new rack at a link's end makes: the whole end (its U kept when
        a device of the new rack sits there, else cleared), or ``("", why)`` refused."""
        end = field[0]
        other = "b" if end == "a" else "a"
        for lid in ids:
            lk = self._obj(lid)
            if getattr(lk, other).rack == rack_id:
                return "", (f"{field_label(field)}: expected a rack other than the link's "
                            f"{other.upper()} end ({rack_id})")
        if len(ids) != 1:
            return field, rack_id
        ep = getattr(self._obj(ids[0]), end)
        rack = self._obj(rack_id)
        u = ep.u
        if u is not None and isinstance(rack, Rack):
            cat = self.document.catalog

            def covers(d) -> bool:
                t = cat.devices.get(d.type)
                return d.u <= u <= d.u + max((t.u_height or 1) if t else 1, 1) - 1
            if not any(covers(d) for d in rack.devices):
                u = None  # nothing there in the new rack: its only device, or pick one
        if u == ep.u:
            return field, rack_id
        return end, {"rack": rack_id, "u": u, "port": ep.port}

    def _show_error(self, text: str) -> None:
        # one refusal at a time: a field an earlier one tinted shows its value as it is
        self._clear_refusals()
        self.message.setText(text)
        self.message.show()

    # -- document signals ---------------------------------------------------------------

    def _on_selection(self, _ids: list) -> None:
        self.rebuild()

    def _on_items_changed(self, ids: list) -> None:
        if self._kind == "layout" and "hall" in ids:  # (the document names the hall so)
            # a hall drawn into an L has no width and depth to type, a rectangle again has
            if (hall_size(self.document.layout) is not None) != self._shows_hall_size():
                self.rebuild()
                return
            self._refresh_values()
        touched = set(ids) & set(self._ids)
        if touched:
            self._touched |= touched
            self._refresh_values()

    def _shows_hall_size(self) -> bool:
        """Whether the hall's width and depth fields are on show."""
        return any(field in self.editors for field in HALL_SIZE_FIELDS)

    def _on_items_removed(self, ids: list) -> None:
        if set(ids) & set(self._ids) or self._kind == "layout":
            self.rebuild()

    def _on_items_added(self, _ids: list) -> None:
        # new feeds, units, racks or fabrics change the choices of the editors and the
        # lists of the hall and of related items; an edit that adds items mostly selects
        # them next (paste, duplicate, drop), and that rebuild is the one needed
        if self._kind in ("rack", "layout", "link", "fabric", "feed"):
            self._rebuild_due = True
            QTimer.singleShot(0, self, self._rebuild_if_due)

    def _rebuild_if_due(self) -> None:
        if self._rebuild_due:
            self.rebuild()

    def _on_stack_moved(self, _index: int) -> None:
        """Undo and redo keep the selected racks and units they change in sight: undoing an
        X of 999 m brings the view back to the rack, not to the empty floor where it was."""
        stack = self.document.undo_stack
        touched, self._touched = self._touched, set()
        if not shiboken6.isValid(stack):  # a stack being destroyed clears itself
            return
        before, self._stack_count = self._stack_count, stack.count()
        # the undo of an edit the plan followed off its ground: the plan goes back too
        for view in self._views():
            revealed = getattr(view, "revealed_for", None)
            if revealed is not None and stack.index() < stack.count() and \
                    revealed[0] is stack.command(stack.index()):
                view.revealed_for = None
                view.restore_view(revealed[1])
                return
        # a push adds a command (an edit that moved them was revealed by _commit); undo,
        # redo and a merged step leave the count as it was
        if self._stack_count == before and touched and self._kind in ("rack", "cooling"):
            self._reveal(self._ids)

    def _on_analysis(self, _analysis) -> None:
        # while a drag previews, the computed figures follow at most every
        # DRAG_INTERVAL_S (as the dashboard's charts do), and once more when it pauses
        self._refresh.request()

    def _refresh_now(self) -> None:
        self._refresh_computed()
        self._refresh_position_note()
        self._refresh_related()

    def _refresh_related(self) -> None:
        """Rebuild the Related box when a new analysis changes it (the fabric a new link
        joined, the units that cool a rack), leaving the fields being edited alone."""
        box = self._related_box
        if box is None or len(self._ids) != 1:
            return
        targets = self._related_targets(self._ids[0])
        if targets == self._related:
            return
        self._related = targets
        self.go_to = {}  # (the Related box is the form's only one)
        new = self._go_to_box("Related", targets)
        body = self.scroll.widget()
        body.layout().replaceWidget(box, new)
        box.deleteLater()
        self._related_box = new
