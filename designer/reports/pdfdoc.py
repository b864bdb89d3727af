"""A small page-layout engine over QPdfWriter: flowables, pagination, contents, page numbers.

Content is a list of flowables (headings, paragraphs, tables, figures). One
layout pass places them on pages, splitting long tables with their header
repeated, and records where each heading landed; then the cover, the table of
contents (with those page numbers) and the pages are painted. Sizes are in
points; ``Doc.pt`` turns them into device units.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPageSize, QPainter, QPdfWriter, QPen

from designer.reports.style import C, fmt_value, font

__all__ = ["PAGE_SIZES", "Doc", "Flowable", "Heading", "Para", "Spacer", "PageBreak", "Figure",
           "TableFlow", "KeyFigures"]

PAGE_SIZES = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
_WRAP = Qt.TextFlag.TextWordWrap
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class Doc:
    """A PDF being written: device, painter, page geometry and the text metrics.

    The device resolution is 160 dpi (a device pixel is 0.45 pt): fine enough
    for text metrics and line work (everything stays vector), and the scale
    at which the designer's scene, made for screens, draws its pixel-sized
    labels (11 px: 5 pt) and hairlines at a printable size.
    """

    def __init__(self, path: str, page: str = "a4", title: str = "", resolution: int = 160) -> None:
        self.writer = QPdfWriter(path)
        self.writer.setResolution(resolution)
        self.writer.setPageSize(QPageSize(PAGE_SIZES[page]))
        self.writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        self.writer.setTitle(title)
        self.writer.setCreator("Rackscape")
        self.pt = resolution / 72.0
        self.page_name = "A4" if page == "a4" else "Letter"
        self.width = self.writer.width()
        self.height = self.writer.height()
        self.margin_x = 46 * self.pt
        self.top = 56 * self.pt
        self.bottom = self.height - 50 * self.pt
        self.frame_w = self.width - 2 * self.margin_x
        self._metrics: dict[tuple, QFontMetricsF] = {}
        self.painter: QPainter | None = None

    @property
    def frame_h(self) -> float:
        """Height of the body frame in device units."""
        return self.bottom - self.top

    def fm(self, size_pt: float, bold: bool = False, italic: bool = False) -> QFontMetricsF:
        """Return cached metrics of the report font at ``size_pt``."""
        key = (size_pt, bold, italic)
        m = self._metrics.get(key)
        if m is None:
            m = self._metrics[key] = QFontMetricsF(font(size_pt * self.pt, bold, italic),
                                                   self.writer)
        return m

    def text_height(self, text: str, width: float, size_pt: float, bold: bool = False,
                    italic: bool = False) -> float:
        """Height of ``text`` word-wrapped to ``width`` device units."""
        r = self.fm(size_pt, bold, italic).boundingRect(QRectF(0, 0, max(width, 1), 1e9),
                                                         int(_WRAP), text)
        return r.height()

    def begin(self) -> QPainter:
        """Start painting (the first page)."""
        self.painter = QPainter(self.writer)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        return self.painter

    def new_page(self) -> None:
        """Finish the page and start the next."""
        self.writer.newPage()

    def end(self) -> None:
        """Finish the document."""
        if self.painter is not None:
            self.painter.end()
            self.painter = None

    def text(self, rect: QRectF, text: str, size_pt: float, flags=_LEFT, bold: bool = False,
             italic: bool = False, color: str = C["ink"]) -> None:
        """Draw text in a rectangle of device units."""
        p = self.painter
        p.setFont(font(size_pt * self.pt, bold, italic))
        p.setPen(QColor(color))
        p.drawText(rect, int(flags), text)

    def rule(self, y: float, color: str = C["rule"], width_pt: float = 0.6,
             x0: float | None = None, x1: float | None = None) -> None:
        """Draw a horizontal rule across the frame at ``y``."""
        p = self.painter
        p.setPen(QPen(QColor(color), width_pt * self.pt))
        p.drawLine(QPointF(self.margin_x if x0 is None else x0, y),
                   QPointF(self.width - self.margin_x if x1 is None else x1, y))


# -- flowables -------------------------------------------------------------------------------

class Flowable:
    """Something placed in the body frame: measure, maybe split, draw."""

    keep_with_next = 0.0  # points of the next flowable to keep on the same page

    def height(self, doc: Doc, width: float) -> float:
        raise NotImplementedError

    def split(self, doc: Doc, width: float, avail: float) -> tuple[Flowable | None, Flowable | None]:
        """Return ``(part that fits in avail, rest)``; ``(None, self)`` when nothing fits."""
        return None, self

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        raise NotImplementedError


@dataclass
class Heading(Flowable):
    """A section (level 1, starts a page) or subsection (level 2) heading."""

    text: str
    level: int = 1
    toc: bool = True

    @property
    def keep_with_next(self) -> float:  # type: ignore[override]
        return 90.0

    def size(self) -> float:
        return 16.0 if self.level == 1 else 11.0

    def height(self, doc: Doc, width: float) -> float:
        return (self.size() * 1.5 + (8 if self.level == 1 else 6)) * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        h = self.size() * 1.5 * doc.pt
        doc.text(QRectF(x, y, width, h), self.text, self.size(), _LEFT, bold=True,
                 color=C["accent"] if self.level == 1 else C["ink"])
        if self.level == 1:
            doc.rule(y + h + 2 * doc.pt, C["accent"], 1.0)


@dataclass
class Para(Flowable):
    """A word-wrapped paragraph."""

    text: str
    size: float = 9.0
    italic: bool = False
    color: str = C["ink"]
    space_after: float = 5.0
    bold: bool = False

    def height(self, doc: Doc, width: float) -> float:
        return doc.text_height(self.text, width, self.size, self.bold, self.italic) + \
            self.space_after * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        h = doc.text_height(self.text, width, self.size, self.bold, self.italic)
        doc.text(QRectF(x, y, width, h + 1), self.text, self.size,
                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | _WRAP,
                 bold=self.bold, italic=self.italic, color=self.color)


@dataclass
class Spacer(Flowable):
    """Vertical space in points."""

    pts: float

    def height(self, doc: Doc, width: float) -> float:
        return self.pts * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        pass


class PageBreak(Flowable):
    """Start a new page."""

    def height(self, doc: Doc, width: float) -> float:
        return 0.0

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        pass


@dataclass
class Figure(Flowable):
    """A drawing of a given height (points, or ``None`` for the rest of the page)."""

    draw_fn: Callable[[QPainter, QRectF, float], Any]
    pts: float | None = None
    caption: str = ""
    fill_h: float | None = None  # device units, set by paginate for pts=None

    def height(self, doc: Doc, width: float) -> float:
        if self.pts is None:
            return self.fill_h if self.fill_h is not None else doc.frame_h * 0.5
        cap = doc.text_height(self.caption, width, 7.5, italic=True) + 4 * doc.pt \
            if self.caption else 0.0
        return self.pts * doc.pt + cap + 6 * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        cap = doc.text_height(self.caption, width, 7.5, italic=True) + 4 * doc.pt \
            if self.caption else 0.0
        body = self.height(doc, width) - cap - 6 * doc.pt
        doc.painter.save()
        used = self.draw_fn(doc.painter, QRectF(x, y, width, body), doc.pt)
        doc.painter.restore()
        # a drawing may report where it ended (a floor plan does): the caption follows it
        end = getattr(used, "bottom", None)
        cap_y = min(end + 6 * doc.pt, y + body + 2 * doc.pt) if end else y + body + 2 * doc.pt
        if self.caption:
            doc.text(QRectF(x, cap_y, width, cap), self.caption, 7.5,
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | _WRAP, italic=True,
                     color=C["muted"])


@dataclass
class KeyFigures(Flowable):
    """A grid of headline numbers: ``[(label, value text), ...]`` in ``cols`` columns."""

    items: Sequence[tuple[str, str]]
    cols: int = 4

    def height(self, doc: Doc, width: float) -> float:
        rows = math.ceil(len(self.items) / self.cols)
        return rows * 34 * doc.pt + 8 * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        p = doc.painter
        cw = width / self.cols
        for k, (label, value) in enumerate(self.items):
            r, c = divmod(k, self.cols)
            cx, cy = x + c * cw, y + r * 34 * doc.pt
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(C["band"]))
            p.drawRect(QRectF(cx + 2 * doc.pt, cy + 2 * doc.pt, cw - 4 * doc.pt, 30 * doc.pt))
            doc.text(QRectF(cx + 8 * doc.pt, cy + 4 * doc.pt, cw - 12 * doc.pt, 14 * doc.pt), value,
                     12, _LEFT, bold=True, color=C["accent"])
            doc.text(QRectF(cx + 8 * doc.pt, cy + 18 * doc.pt, cw - 12 * doc.pt, 11 * doc.pt), label,
                     7, _LEFT, color=C["muted"])


@dataclass
class _TableLayout:
    widths: list[float]
    header_h: float
    numeric: list[bool]


@dataclass
class TableFlow(Flowable):
    """A report table; splits across pages with its header repeated.

    ``columns`` picks and orders columns by name (default all); ``wrap``
    names columns whose text wraps (others are elided); ``colour`` may return
    a text colour for a cell, ``colour(row, column_name) -> str | None``.
    """

    table: Any
    columns: Sequence[str] | None = None
    wrap: Sequence[str] = ()
    size: float = 7.2
    colour: Callable[[tuple, str], str | None] | None = None
    start: int = 0
    end: int | None = None
    continued: bool = False
    _lay: _TableLayout | None = field(default=None, repr=False)
    _heights: list[float] | None = field(default=None, repr=False)

    def _cols(self) -> list[int]:
        t = self.table
        return [t.index(c) for c in self.columns] if self.columns else list(range(len(t.columns)))

    def _rows(self) -> list[tuple]:
        return self.table.rows[self.start:self.end]

    def _cell(self, row: tuple, ci: int) -> str:
        col = self.table.columns[ci]
        return fmt_value(row[ci], col.kind, col.digits)

    def _layout(self, doc: Doc, width: float) -> _TableLayout:
        if self._lay is not None:
            return self._lay
        cols = self._cols()
        fm, fmb = doc.fm(self.size), doc.fm(self.size, bold=True)
        pad = 7 * doc.pt
        rows = self.table.rows
        step = max(1, len(rows) // 400)
        sample = rows[::step]
        natural, minimal, numeric = [], [], []
        for ci in cols:
            col = self.table.columns[ci]
            head = col.header
            words = max((fmb.horizontalAdvance(w) for w in head.split()), default=0)
            cells = max((fm.horizontalAdvance(self._cell(r, ci)) for r in sample), default=0)
            natural.append(max(words, min(cells, 260 * doc.pt), fmb.horizontalAdvance(head) * 0.55)
                           + pad)
            minimal.append(max(words, 18 * doc.pt) + pad)
            numeric.append(col.kind in ("int", "float", "num"))
        total = sum(natural)
        wrapset = {self.table.index(c) for c in self.wrap}
        widths = list(natural)
        if total > width:
            # shrink wrapping text columns first, then everything in proportion
            flexible = [k for k, ci in enumerate(cols) if ci in wrapset]
            over = total - width
            flex_total = sum(widths[k] - minimal[k] for k in flexible)
            if flexible and flex_total > 0:
                cut = min(over, flex_total * 0.85)
                for k in flexible:
                    widths[k] -= cut * (widths[k] - minimal[k]) / flex_total
            total = sum(widths)
            if total > width:
                widths = [w * width / total for w in widths]
        elif total < width:
            grow = min(width / total, 1.6) if total > 0 else 1.0
            widths = [w * grow for w in widths]
            if width - sum(widths) < 60 * doc.pt:  # nearly full: fill the frame exactly
                widths = [w * width / sum(widths) for w in widths]
        header_h = max(doc.text_height(self.table.columns[ci].header, widths[k] - pad, self.size,
                                       bold=True) for k, ci in enumerate(cols)) + 5 * doc.pt
        self._lay = _TableLayout(widths, header_h, numeric)
        return self._lay

    def _row_heights(self, doc: Doc, width: float) -> list[float]:
        if self._heights is not None:
            return self._heights
        lay = self._layout(doc, width)
        base = self.size * 1.55 * doc.pt
        cols = self._cols()
        wrapcols = [(k, ci) for k, ci in enumerate(cols) if self.table.columns[ci].name in
                    self.wrap or self.table.columns[ci].header in self.wrap]
        if not wrapcols:
            self._heights = [base] * len(self.table.rows)
        else:
            pad = 6.5 * doc.pt  # the drawn cell is 2 x 3 pt narrower
            self._heights = [max([base] + [doc.text_height(self._cell(r, ci), lay.widths[k] - pad,
                                                           self.size) + 3 * doc.pt
                                           for k, ci in wrapcols]) for r in self.table.rows]
        return self._heights

    def _part(self, start: int, end: int | None, continued: bool) -> TableFlow:
        t = TableFlow(self.table, self.columns, self.wrap, self.size, self.colour, start, end,
                      continued)
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
            doc.text(QRectF(x, y, width, 9 * doc.pt), f"{self.table.title} (continued)", 7,
                     _LEFT, italic=True, color=C["muted"])
            y += self._cont_h(doc)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(C["band"]))
        p.drawRect(QRectF(x, y, width, lay.header_h))
        cx = x
        for k, ci in enumerate(cols):
            flags = (Qt.AlignmentFlag.AlignRight if lay.numeric[k] else Qt.AlignmentFlag.AlignLeft) \
                | Qt.AlignmentFlag.AlignBottom | _WRAP
            doc.text(QRectF(cx + pad, y + 2 * doc.pt, lay.widths[k] - 2 * pad,
                            lay.header_h - 4 * doc.pt), self.table.columns[ci].header, self.size,
                     flags, bold=True)
            cx += lay.widths[k]
        y += lay.header_h
        doc.rule(y, C["ink"], 0.6, x, x + width)
        fnt = font(self.size * doc.pt)
        p.setFont(fnt)
        fm = doc.fm(self.size)
        names = [self.table.columns[ci].name for ci in cols]
        wrapset = set(self.wrap)
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
                txt = self._cell(row, ci)
                color = (self.colour(row, names[k]) if self.colour else None) or C["ink"]
                p.setPen(QColor(color))
                r = QRectF(cx + pad, y, lay.widths[k] - 2 * pad, h)
                if names[k] in wrapset:
                    p.drawText(r.adjusted(0, 1.5 * doc.pt, 0, 0),
                               int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | _WRAP),
                               txt)
                else:
                    txt = fm.elidedText(txt, Qt.TextElideMode.ElideRight, r.width())
                    p.drawText(r, int(_RIGHT if lay.numeric[k] else _LEFT), txt)
                cx += lay.widths[k]
            y += h
        doc.rule(y, C["rule"], 0.5, x, x + width)


# -- pagination --------------------------------------------------------------------------------

@dataclass
class Placed:
    """A flowable on a page at ``y`` (device units)."""

    item: Flowable
    y: float


@dataclass
class Page:
    """One body page: its flowables and the section it belongs to."""

    items: list[Placed] = field(default_factory=list)
    section: str = ""


def paginate(doc: Doc, story: Sequence[Flowable]) -> tuple[list[Page], list[tuple[int, str, int]]]:
    """Place the story on pages; return the pages and ``(level, title, page index)`` entries."""
    pages: list[Page] = [Page()]
    toc: list[tuple[int, str, int]] = []
    y = doc.top
    section = ""
    w = doc.frame_w

    def new_page() -> None:
        nonlocal y
        pages.append(Page(section=section))
        y = doc.top

    i = 0
    queue = list(story)
    while i < len(queue):
        fl = queue[i]
        if isinstance(fl, PageBreak) or (isinstance(fl, Heading) and fl.level == 1):
            if pages[-1].items:
                new_page()
            if isinstance(fl, PageBreak):
                i += 1
                continue
        if isinstance(fl, Heading) and fl.level == 1:
            section = fl.text
            pages[-1].section = section
        if isinstance(fl, Figure) and fl.pts is None:
            if doc.bottom - y < doc.frame_h * 0.5:
                new_page()
            fl.fill_h = doc.bottom - y
        h = fl.height(doc, w)
        keep = fl.keep_with_next * doc.pt
        if pages[-1].items and y + h + keep > doc.bottom and (keep or y + h > doc.bottom):
            if not keep:
                first, rest = fl.split(doc, w, doc.bottom - y)
                if first is not None:
                    pages[-1].items.append(Placed(first, y))
                    queue[i] = rest
                    new_page()
                    continue
            new_page()
        if y + h > doc.bottom:  # taller than a whole page
            first, rest = fl.split(doc, w, doc.bottom - y)
            if first is not None:
                pages[-1].items.append(Placed(first, y))
                queue[i] = rest
                new_page()
                continue
        if isinstance(fl, Heading) and fl.toc:
            toc.append((fl.level, fl.text, len(pages) - 1))
        pages[-1].items.append(Placed(fl, y))
        y += h
        i += 1
    return [p for p in pages if p.items], toc
