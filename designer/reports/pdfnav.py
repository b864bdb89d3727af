"""Navigation in a written PDF report: bookmarks (the outline) and live contents lines.

QPdfWriter paints pages but has no API for a document outline or for links
inside the document, so the report is finished in a second pass with pypdf
(https://pypdf.readthedocs.io, "Adding outline items" and
``pypdf.annotations.Link``): each section and subsection of the contents
becomes a bookmark that opens its page at the heading, and each line of the
contents pages becomes a link to that page. The viewer opens with the
bookmarks pane shown (``/PageMode /UseOutlines``).

Positions come in the writer's device units (y down from the top of the page)
and are converted to PDF points (y up from the bottom) with the page's
media box.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import Fit

from designer.reports.files import write_bytes

__all__ = ["Mark", "TocLink", "add_navigation"]


@dataclass(frozen=True)
class Mark:
    """A bookmark: ``level`` 1 (section) or 2 (nested under the section before)."""

    level: int
    title: str
    #: 0-based page of the document
    page: int
    #: top of the heading in device units from the top of the page
    top_dev: float


@dataclass(frozen=True)
class TocLink:
    """A clickable contents line: a device-unit rectangle on ``page`` that opens ``target``."""

    page: int
    left_dev: float
    top_dev: float
    right_dev: float
    bottom_dev: float
    target: int
    target_top_dev: float


def add_navigation(pdf: bytes, path: str | Path, marks: list[Mark], links: list[TocLink],
                   dev_per_pt: float) -> None:
    """Write the PDF ``pdf`` to ``path`` (atomically) with bookmarks and contents links.

    ``dev_per_pt`` is the writer's device units per point (resolution / 72). A
    mark or link naming a page the file does not have is left out.
    """
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    n = len(writer.pages)

    def top_pt(page: int, top_dev: float) -> float:
        box = writer.pages[page].mediabox
        # a little above the heading, so the viewer shows it whole
        return min(float(box.top), float(box.top) - top_dev / dev_per_pt + 6.0)

    parent = None
    for m in marks:
        if not 0 <= m.page < n:
            continue
        fit = Fit.xyz(left=0, top=top_pt(m.page, m.top_dev))
        if m.level <= 1 or parent is None:
            parent = writer.add_outline_item(title=m.title, page_number=m.page, fit=fit)
        else:
            writer.add_outline_item(title=m.title, page_number=m.page, parent=parent,
                                    fit=fit)
    for lk in links:
        if not (0 <= lk.page < n and 0 <= lk.target < n):
            continue
        top = float(writer.pages[lk.page].mediabox.top)
        rect = (lk.left_dev / dev_per_pt, top - lk.bottom_dev / dev_per_pt,
                lk.right_dev / dev_per_pt, top - lk.top_dev / dev_per_pt)
        fit = Fit.xyz(left=0, top=top_pt(lk.target, lk.target_top_dev))
        writer.add_annotation(page_number=lk.page,
                              annotation=Link(rect=rect, target_page_index=lk.target, fit=fit))
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    write_bytes(path, buf.getvalue())
