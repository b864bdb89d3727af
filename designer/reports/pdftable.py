"""Tables of the PDF report: column widths that never cut a cell, split across pages.

Each column is one of two kinds:

- kept whole: the first column, columns that name things a reader looks up
  elsewhere (:data:`ID_COLUMNS`: racks, feeds, units, codes, sources ...) and
  numbers. Such a column is as wide as its widest cell; its text never wraps.
- wrapping text (model, status, description, message ...): when the table is
  wider than the frame these columns get narrower and their cells wrap, at
  spaces first and after separators inside a word (``busway-`` ``415v-`` ``800a``).

Width comes from, in this order: the columns named in ``wrap``, the header
lines of the kept columns (a header may take more lines), the other text
columns. When the table still does not fit, its font gets smaller, down to
:data:`MIN_SIZE`; only beyond that do kept columns wrap too. No cell is ever
shortened with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

from designer.reports.pdfdoc import Doc, Flowable
from designer.reports.style import C, fmt_value, font
from designer.reports.text import print_units, word_pieces, wrap_lines

__all__ = ["TableFlow", "ID_COLUMNS", "MIN_SIZE"]

#: Columns of identifiers: never wrapped, never shortened.
ID_COLUMNS = frozenset({"Rack", "Row", "Feed", "Feeds", "Unit", "Group", "Code", "Key", "Fabric",
                        "Link", "CRAH zone", "CDU", "Item", "Source", "Switch", "Tier", "Side",
                        "Medium", "Severity", "Metric", "A rack", "B rack"})
#: The smallest font (points) a table shrinks to before its identifiers wrap.
MIN_SIZE = 5.5
_NUMERIC = ("int", "float", "num")
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass
class _TableLayout:
    widths: list[float]
    header_h: float
    numeric: list[bool]
    size: float  # font size in points
    wrapping: list[bool]  # cells of this column may take several lines


@dataclass
class TableFlow(Flowable):
    """A report table; splits across pages with its header repeated.

    ``columns`` picks and orders columns by name (default all); ``wrap``
    names long text columns that give up width first; ``keep`` adds columns
    kept whole to :data:`ID_COLUMNS`; ``colour`` may return a text colour for a
    cell, ``colour(row, column_name) -> str | None``. ``heading`` is the heading the
    reader saw above the table: a part on a later page says it "(continued)"
    (default: the table's title).
    """

    table: Any
    columns: Sequence[str] | None = None
    wrap: Sequence[str] = ()
    size: float = 7.2
    colour: Callable[[tuple, str], str | None] | None = None
    start: int = 0
    end: int | None = None
    continued: bool = False
    keep: Sequence[str] = ()
    heading: str = ""
    _lay: _TableLayout | None = field(default=None, repr=False)
    _heights: list[float] | None = field(default=None, repr=False)

    def continued_title(self) -> str:
        """Return the line over a part of the table on a later page."""
        return f"{self.heading or self.table.title} (continued)"

    def _cols(self) -> list[int]:
        t = self.table
        return [t.index(c) for c in self.columns] if self.columns else list(range(len(t.columns)))

    def _cell(self, row: tuple, ci: int, k: int | None = None) -> str:
        col = self.table.columns[ci]
        places = self.table.places.get(col.name)
        digits = places[k] if places is not None and k is not None and k < len(places) \
            and places[k] is not None else None
        text = fmt_value(row[ci], col.kind, col.digits, places=digits)
        low = self.table.at_least.get(col.name)
        if low is not None and k is not None and k < len(low) and low[k] \
                and row[ci] is not None:
            text = "≥ " + text  # leaves out hardware of unknown power or weight
        return print_units(text) if col.name == "Unit" else text

    def _header(self, ci: int) -> str:
        col = self.table.columns[ci]
        return f"{col.name} ({print_units(col.unit)})" if col.unit else col.name

    def _is_kept(self, k: int, ci: int) -> bool:
        col = self.table.columns[ci]
        named = {col.name, col.header}
        if named & set(self.wrap):
            return False
        return k == 0 or col.kind in _NUMERIC or bool(named & (ID_COLUMNS | set(self.keep)))

    # -- widths ---------------------------------------------------------------------------

    def _layout(self, doc: Doc, width: float) -> _TableLayout:
        if self._lay is not None:
            return self._lay
        cols = self._cols()
        texts = [sorted({self._cell(r, ci, i) for i, r in enumerate(self.table.rows)})
                 for ci in cols]
        kept = [self._is_kept(k, ci) for k, ci in enumerate(cols)]
        size = self.size
        lay = self._fit(doc, width, size, cols, texts, kept)
        while lay is None and size > MIN_SIZE:
            size = max(MIN_SIZE, round(size - 0.3, 2))
            lay = self._fit(doc, width, size, cols, texts, kept)
        if lay is None:  # kept columns wrap rather than run off the page
            lay = self._fit(doc, width, size, cols, texts, [False] * len(cols), squeeze=True)
        self._lay = lay
        return lay

    def _fit(self, doc: Doc, width: float, size: float, cols: list[int], texts: list[list[str]],
             kept: list[bool], squeeze: bool = False) -> _TableLayout | None:
        """Return the layout at ``size`` points, or ``None`` when the table cannot fit."""
        pt = doc.pt
        fm, fmb = doc.fm(size), doc.fm(size, bold=True)
        pad = 7 * pt  # the drawn cell is 2 x 3 pt narrower, and 1 pt to spare
        natural, minimal, numeric = [], [], []
        for k, ci in enumerate(cols):
            head = self._header(ci)
            words = max((fmb.horizontalAdvance(w) for w in head.split()), default=0.0)
            cells = max((fm.horizontalAdvance(t) for t in texts[k]), default=0.0)
            if kept[k]:
                lo = max(words, cells)
                hi = max(lo, fmb.horizontalAdvance(head) * 0.55)
            else:
                piece = max((fm.horizontalAdvance(pc) for t in texts[k] for w in t.split()
                             for pc in word_pieces(w)), default=0.0)
                lo = max(words, min(piece, 120 * pt), 18 * pt)
                hi = max(lo, min(cells, 260 * pt), fmb.horizontalAdvance(head) * 0.55)
            if squeeze:
                lo = min(lo, 18 * pt)
            natural.append(hi + pad)
            minimal.append(lo + pad)
            numeric.append(self.table.columns[ci].kind in _NUMERIC)
        if sum(minimal) > width and not squeeze:
            return None
        widths = list(natural)
        total = sum(widths)
        if total > width:
            names = [{self.table.columns[ci].name, self.table.columns[ci].header} for ci in cols]
            wrapset = set(self.wrap)
            wraps = [k for k in range(len(cols)) if names[k] & wrapset]
            # the text columns give way first, but keep about a quarter of the frame before
            # the others give anything (a description two words wide runs down the page),
            # then down to their least
            soft = list(minimal)
            for k in wraps:
                soft[k] = max(minimal[k], min(widths[k], 0.28 * width))
            order = [(wraps, soft), ([k for k in range(len(cols)) if kept[k]], minimal),
                     ([k for k in range(len(cols)) if not kept[k] and not names[k] & wrapset],
                      minimal), (wraps, minimal)]
            over = total - width
            for group, floor in order:
                slack = sum(max(widths[k] - floor[k], 0.0) for k in group)
                if slack <= 0 or over <= 0:
                    continue
                cut = min(over, slack)
                for k in group:
                    widths[k] -= cut * max(widths[k] - floor[k], 0.0) / slack
                over -= cut
            if over > 1e-6:  # squeezed: shares of the frame
                widths = [w * width / sum(widths) for w in widths]
        elif total < width:
            grow = min(width / total, 1.6) if total > 0 else 1.0
            widths = [w * grow for w in widths]
            if width - sum(widths) < 60 * pt:  # nearly full: fill the frame exactly
                widths = [w * width / sum(widths) for w in widths]
        header_h = max(doc.text_height(self._header(ci), widths[k] - 6 * pt, size, bold=True)
                       for k, ci in enumerate(cols)) + 5 * pt
        return _TableLayout(widths, header_h, numeric, size, [not kp for kp in kept])

    def _row_heights(self, doc: Doc, width: float) -> list[float]:
        if self._heights is not None:
            return self._heights
        lay = self._layout(doc, width)
        fm = doc.fm(lay.size)
        base = lay.size * 1.55 * doc.pt
        inner = [w - 6 * doc.pt for w in lay.widths]
        wrapcols = [(k, ci) for k, ci in enumerate(self._cols()) if lay.wrapping[k]]
        heights = []
        for i, r in enumerate(self.table.rows):
            lines = 1
            for k, ci in wrapcols:
                t = self._cell(r, ci, i)
                if "\n" in t or fm.horizontalAdvance(t) > inner[k]:
                    lines = max(lines, len(wrap_lines(fm, t, inner[k])))
            heights.append(base if lines == 1 else max(base, lines * fm.lineSpacing() + 3 * doc.pt))
        self._heights = heights
        return heights

    # -- pages ----------------------------------------------------------------------------

    def _part(self, start: int, end: int | None, continued: bool) -> TableFlow:
        t = TableFlow(self.table, self.columns, self.wrap, self.size, self.colour, start, end,
                      continued, self.keep, self.heading)
        t._lay, t._heights = self._lay, self._heights
        return t

    def height(self, doc: Doc, width: float) -> float:
        lay = self._layout(doc, width)
        hs = self._row_heights(doc, width)[self.start:self.end]
        return lay.header_h + sum(hs) + self._cont_h(doc) + 8 * doc.pt

    def _cont_h(self, doc: Doc) -> float:
        return 10 * doc.pt if self.continued else 0.0

    def split(self, doc: Doc, width: float, avail: float):
        lay = self._layout(doc, width)
        hs = self._row_heights(doc, width)
        end = len(self.table.rows) if self.end is None else self.end
        used = lay.header_h + self._cont_h(doc) + 8 * doc.pt
        k = self.start
        while k < end and used + hs[k] <= avail:
            used += hs[k]
            k += 1
        if k == self.start or k - self.start < min(3, end - self.start):
            return None, self
        return self._part(self.start, k, self.continued), self._part(k, self.end, True)

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        p = doc.painter
        lay = self._layout(doc, width)
        hs = self._row_heights(doc, width)
        width = sum(lay.widths)
        cols = self._cols()
        pad = 3 * doc.pt
        if self.continued:
            doc.text(QRectF(x, y, width, 9 * doc.pt), f"{self.continued_title()}", 7,
                     _LEFT, italic=True, color=C["muted"])
            y += self._cont_h(doc)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(C["band"]))
        p.drawRect(QRectF(x, y, width, lay.header_h))
        cx = x
        for k, ci in enumerate(cols):
            flags = (Qt.AlignmentFlag.AlignRight if lay.numeric[k] else Qt.AlignmentFlag.AlignLeft) \
                | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap
            doc.text(QRectF(cx + pad, y + 2 * doc.pt, lay.widths[k] - 2 * pad,
                            lay.header_h - 4 * doc.pt), self._header(ci), lay.size, flags,
                     bold=True)
            cx += lay.widths[k]
        y += lay.header_h
        doc.rule(y, C["ink"], 0.6, x, x + width)
        p.setFont(font(lay.size * doc.pt))
        fm = doc.fm(lay.size)
        step = fm.lineSpacing()
        base = lay.size * 1.55 * doc.pt
        names = [self.table.columns[ci].name for ci in cols]
        end = len(self.table.rows) if self.end is None else self.end
        for ri in range(self.start, end):
            row = self.table.rows[ri]
            h = hs[ri]
            if (ri - self.start) % 2 == 1:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor("#f6f8f9"))
                p.drawRect(QRectF(x, y, width, h))
            cx = x
            for k, ci in enumerate(cols):
                txt = self._cell(row, ci, ri)
                color = (self.colour(row, names[k]) if self.colour else None) or C["ink"]
                p.setPen(QColor(color))
                r = QRectF(cx + pad, y, lay.widths[k] - 2 * pad, h)
                align = _RIGHT if lay.numeric[k] else _LEFT
                if h <= base:
                    p.drawText(r, int(align), txt)
                else:  # a row of several lines: every cell starts at its top
                    lines = (wrap_lines(fm, txt, r.width()) if lay.wrapping[k] and
                             ("\n" in txt or fm.horizontalAdvance(txt) > r.width()) else [txt])
                    ly = y + 1.5 * doc.pt
                    for line in lines:
                        p.drawText(QRectF(r.left(), ly, r.width(), step), int(align), line)
                        ly += step
                cx += lay.widths[k]
            y += h
        doc.rule(y, C["rule"], 0.5, x, x + width)
