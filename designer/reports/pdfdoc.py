"""A small page-layout engine over QPdfWriter: flowables, pagination, contents, page numbers.

Content is a list of flowables (headings, paragraphs, figures; tables are in
:mod:`designer.reports.pdftable`). One
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

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPageSize, QPainter, QPdfWriter, QPen

from designer.reports.style import C, font
from designer.reports.text import wrap_lines

__all__ = ["PAGE_SIZES", "Doc", "Flowable", "Heading", "Para", "Spacer", "PageBreak", "Figure",
           "KeyFigures", "paginate"]

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
        #: the file to write: the pages are painted into memory (``data``) and written
        #: there by Python once bookmarks are added (Qt would take a file name of bytes
        #: no encoding reads for another name)
        self.path = path
        self.buffer = QBuffer()
        self.buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.writer = QPdfWriter(self.buffer)
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
        """Height of ``text`` wrapped to ``width`` device units (as :meth:`text` draws it)."""
        if not text:
            return 0.0
        fm = self.fm(size_pt, bold, italic)
        return len(wrap_lines(fm, text, max(width, 1.0))) * fm.lineSpacing()

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
        """Finish the document and write it to :attr:`path` (atomically)."""
        if self.painter is not None:
            self.painter.end()
            self.painter = None
            from designer.reports.files import write_bytes

            write_bytes(self.path, self.data())

    def data(self) -> bytes:
        """Return the PDF painted so far (complete once :meth:`end` is called)."""
        return bytes(self.buffer.data().data())

    def text(self, rect: QRectF, text: str, size_pt: float, flags=_LEFT, bold: bool = False,
             italic: bool = False, color: str = C["ink"]) -> None:
        """Draw text in a rectangle of device units.

        With ``Qt.TextWordWrap`` in ``flags`` the lines break as :meth:`text_height`
        measures them: at spaces, and inside a word only when it alone is wider
        than the rectangle, so no text runs past the rectangle's sides.
        """
        p = self.painter
        p.setFont(font(size_pt * self.pt, bold, italic))
        p.setPen(QColor(color))
        flags = int(flags)
        if not flags & int(_WRAP):
            p.drawText(rect, flags, text)
            return
        fm = self.fm(size_pt, bold, italic)
        lines = wrap_lines(fm, text, max(rect.width(), 1.0))
        step = fm.lineSpacing()
        total = step * len(lines)
        if flags & int(Qt.AlignmentFlag.AlignBottom):
            y = rect.bottom() - total
        elif flags & int(Qt.AlignmentFlag.AlignVCenter):
            y = rect.center().y() - total / 2
        else:
            y = rect.top()
        horizontal = flags & int(Qt.AlignmentFlag.AlignHorizontal_Mask)
        for line in lines:
            p.drawText(QRectF(rect.left(), y, rect.width(), step),
                       horizontal | int(Qt.AlignmentFlag.AlignVCenter), line)
            y += step

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
    """A section (level 1: starts a page, or follows a short tail) or subsection heading."""

    text: str
    level: int = 1
    toc: bool = True
    #: points of what follows that stay on the heading's page (a drawing: all of it)
    keep_pt: float = 90.0

    @property
    def keep_with_next(self) -> float:  # type: ignore[override]
        return self.keep_pt

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
    """A drawing of a given height (points, or ``None`` for the rest of the page).

    ``caption`` is a text, or a function of what ``draw_fn`` returned that gives
    the caption saying what was drawn; it is called with ``None`` for the text
    to make room for (its longest form).
    """

    draw_fn: Callable[[QPainter, QRectF, float], Any]
    pts: float | None = None
    caption: str | Callable[[Any], str] = ""
    fill_h: float | None = None  # device units, set by paginate for pts=None

    def caption_text(self, drawn: Any = None) -> str:
        """Return the caption for the drawing's result ``drawn`` (``None``: the longest)."""
        return self.caption(drawn) if callable(self.caption) else self.caption

    def _cap_h(self, doc: Doc, width: float) -> float:
        text = self.caption_text()
        return doc.text_height(text, width, 7.5, italic=True) + 4 * doc.pt if text else 0.0

    def height(self, doc: Doc, width: float) -> float:
        if self.pts is None:
            return self.fill_h if self.fill_h is not None else doc.frame_h * 0.5
        return self.pts * doc.pt + self._cap_h(doc, width) + 6 * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        cap = self._cap_h(doc, width)
        body = self.height(doc, width) - cap - 6 * doc.pt
        doc.painter.save()
        used = self.draw_fn(doc.painter, QRectF(x, y, width, body), doc.pt)
        doc.painter.restore()
        # a drawing may report where it ended (a floor plan does): the caption follows it
        end = getattr(used, "bottom", None)
        cap_y = min(end + 6 * doc.pt, y + body + 2 * doc.pt) if end else y + body + 2 * doc.pt
        text = self.caption_text(used)
        if text:
            doc.text(QRectF(x, cap_y, width, cap), text, 7.5,
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | _WRAP, italic=True,
                     color=C["muted"])


@dataclass
class KeyFigures(Flowable):
    """A grid of headline numbers: ``[(label, value text), ...]`` in ``cols`` columns; an
    item may add a colour for its value: ``(label, value text, "#b00020")``."""

    items: Sequence[tuple[str, ...]]
    cols: int = 4

    def height(self, doc: Doc, width: float) -> float:
        rows = math.ceil(len(self.items) / self.cols)
        return rows * 34 * doc.pt + 8 * doc.pt

    def draw(self, doc: Doc, x: float, y: float, width: float) -> None:
        p = doc.painter
        cw = width / self.cols
        for k, (label, value, *colour) in enumerate(self.items):
            r, c = divmod(k, self.cols)
            cx, cy = x + c * cw, y + r * 34 * doc.pt
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(C["band"]))
            p.drawRect(QRectF(cx + 2 * doc.pt, cy + 2 * doc.pt, cw - 4 * doc.pt, 30 * doc.pt))
            doc.text(QRectF(cx + 8 * doc.pt, cy + 4 * doc.pt, cw - 12 * doc.pt, 14 * doc.pt), value,
                     12, _LEFT, bold=True, color=colour[0] if colour else C["accent"])
            doc.text(QRectF(cx + 8 * doc.pt, cy + 18 * doc.pt, cw - 12 * doc.pt, 11 * doc.pt), label,
                     7, _LEFT, color=C["muted"])


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


#: a section shares a page only with the tail of the section before it, when that tail
#: fills less than this share of the page
_SHARE_BELOW = 0.3
_SECTION_GAP_PT = 18.0


def paginate(doc: Doc, story: Sequence[Flowable]
             ) -> tuple[list[Page], list[tuple[int, str, int, float]]]:
    """Place the story on pages; return the pages and the contents entries.

    A contents entry is ``(level, title, page index, y)``, ``y`` the heading's top
    in device units (where a bookmark opens the page).
    """
    pages: list[Page] = [Page()]
    toc: list[tuple[int, str, int, float]] = []
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
        if isinstance(fl, PageBreak):
            if pages[-1].items:
                new_page()
            i += 1
            continue
        if isinstance(fl, Heading) and fl.level == 1:
            # a section starts a page, unless the page holds only the last few rows of
            # the section before (no page of a handful of rows then white space)
            if pages[-1].items and (y - doc.top > doc.frame_h * _SHARE_BELOW
                                    or isinstance(pages[-1].items[0].item, Heading)):
                new_page()
            elif pages[-1].items:
                y += _SECTION_GAP_PT * doc.pt
            section = fl.text
            if not pages[-1].items:
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
            toc.append((fl.level, fl.text, len(pages) - 1, y))
        pages[-1].items.append(Placed(fl, y))
        y += h
        i += 1
    return [p for p in pages if p.items], toc
