"""The find box: type an id, name, row, hardware or fabric and go to what matches.

The search itself is :func:`engine.find.find_items`; this widget reads the query,
completes ids and rows as they are typed, and hands what it found to the window, which
selects it and zooms to it. A query that finds nothing, or that the finder cannot read,
marks the box and says why in its tooltip and the status bar, and leaves the selection
as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit

from engine.find import FIELDS, FindResult, QueryError, find_items

__all__ = ["FindBox"]

#: the border of a box whose query found nothing
_MISS_STYLE = "QLineEdit { border: 1px solid #c0392b; border-radius: 2px; }"

_HELP = ("Find racks, units, feeds and trays: an id or name (GPU-0017), a row (row:R03), "
         "hardware (qm9700, type:dgx), a fabric (fabric:compute) or a kind (kind:cdu, kind:switch); "
         "words together must all match. Enter selects what matches and zooms to it "
         "(Ctrl+F)")


class FindBox(QLineEdit):
    """A line edit that finds items of the document's layout.

    Signals
    -------
    found(FindResult, str)
        Enter found something: the result and the query.
    missed(str)
        Enter found nothing, or the query cannot be read: the note to show.
    """

    found = Signal(object, str)
    missed = Signal(str)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.setObjectName("find-box")
        self.setPlaceholderText("Find… (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setToolTip(_HELP)
        # narrow enough that the overlay buttons beside it keep their room at 1400 px
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("Find… (Ctrl+F)") + 48)
        self._words = QStringListModel(self)
        self._words_of = None  # the layout the completions were made from
        completer = QCompleter(self._words, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        # a completion clicked in the list finds it, as Enter does (Enter on one runs once)
        completer.activated[str].connect(self._chosen)
        self._just_ran: str | None = None
        self.returnPressed.connect(self.run)
        self.textEdited.connect(lambda _t: self._mark(None))
        # an edit, undo or new document while the box has the keyboard (the toolbar's
        # buttons): the completions follow at once, not at the next focus
        for signal in ("items_added", "items_removed", "items_changed", "layout_reset"):
            sig = getattr(document, signal, None)
            if sig is not None:
                sig.connect(self._layout_changed)
        # another layout (New, Open, a template): the last one's query means nothing there
        reset = getattr(document, "layout_reset", None)
        if reset is not None:
            reset.connect(self._forget_query)

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._refresh_words()
        super().focusInEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        popup = self.completer().popup()
        if event.key() == Qt.Key.Key_Escape and not popup.isVisible():
            self._forget_query()  # done with it: Ctrl+F starts a new one
            self.parent_view_focus()
            return
        super().keyPressEvent(event)

    def _forget_query(self, *_args) -> None:
        self.clear()
        self._mark(None)

    def parent_view_focus(self) -> None:
        """Give the keyboard back to the floor plan (Esc in the box)."""
        win = self.window()
        view = getattr(win, "view", None)
        if view is not None:
            view.setFocus()

    def _layout_changed(self, *_args) -> None:
        if self.hasFocus():
            self._refresh_words()

    def _refresh_words(self) -> None:
        layout = self.document.committed_layout
        if layout is self._words_of:
            return
        self._words_of = layout
        ids = [r.id for r in layout.racks] + [u.id for u in layout.cooling] + \
              [f.id for f in layout.feeds] + [t.id for t in layout.trays]
        rows = sorted({r.row for r in layout.racks if r.row})
        fabrics = [f.id for f in layout.fabrics]
        self._words.setStringList(ids + [f"row:{r}" for r in rows]
                                  + [f"fabric:{f}" for f in fabrics])

    def _chosen(self, text: str) -> None:
        QTimer.singleShot(0, lambda: self._run_chosen(text))

    def _run_chosen(self, text: str) -> None:
        """Find a completion picked from the list, unless Enter has just found it."""
        if self.text().strip() == text.strip() and self._just_ran != text.strip():
            self.run()

    def run(self) -> FindResult | None:
        """Find what the box's query matches; emit ``found`` or ``missed``."""
        query = self.text().strip()
        if not query:
            return None
        self._just_ran = query
        QTimer.singleShot(0, self._ran)
        try:
            result = find_items(self.document.committed_layout, query, self.document.catalog)
        except QueryError as exc:
            note = f"Find: {exc}"
            self._mark(note)
            self.missed.emit(note)
            return None
        if not result.ids:
            fields = ", ".join(f"{k}:" for k in FIELDS)
            note = f"Find: nothing matches '{query}' (ids, names, rows, hardware; {fields})"
            self._mark(note)
            self.missed.emit(note)
            return result
        self._mark(None)
        self.found.emit(result, query)
        return result

    def _ran(self) -> None:
        # queued after a completion's own run (see _chosen): it has been skipped by now
        QTimer.singleShot(0, lambda: setattr(self, "_just_ran", None))

    def _mark(self, note: str | None) -> None:
        self.setStyleSheet(_MISS_STYLE if note else "")
        self.setToolTip(note or _HELP)

    def start(self) -> None:
        """Take the keyboard with the query selected, ready to be typed over (Ctrl+F)."""
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()
