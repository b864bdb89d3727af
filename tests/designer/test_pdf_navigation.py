"""The PDF report's bookmarks and contents links open the pages the contents names."""

from __future__ import annotations

import re

import pypdf
import pytest

from designer.reports import export
from engine.analysis import analyze
from engine.templates import instantiate


@pytest.fixture(scope="module")
def report(builtin_catalog, tmp_path_factory, qapp):
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=builtin_catalog)
    path = tmp_path_factory.mktemp("nav") / "r.pdf"
    export(lay, analyze(lay, builtin_catalog), path)
    return pypdf.PdfReader(path)


def _text(reader: pypdf.PdfReader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())


def _flat(reader, items, level=1):
    out = []
    for it in items:
        if isinstance(it, list):
            out += _flat(reader, it, level + 1)
        else:
            out.append((level, it.title, reader.get_destination_page_number(it)))
    return out


def test_every_contents_line_is_a_bookmark_on_the_page_it_names(report):
    marks = _flat(report, report.outline)
    assert marks[:2] == [(1, "Cover", 0), (1, "Contents", 1)]
    contents = _text(report, 1)
    body = marks[2:]
    assert len(body) >= 15
    for _level, title, page in body:
        # the contents page prints the title and then its page number (1-based)
        assert re.search(re.escape(title) + r"\W*" + str(page + 1) + r"\b", contents), title
        # the page opened says it: its heading is on it and its footer gives that number
        text = _text(report, page)
        assert title in text and f"Page {page + 1} of {len(report.pages)}" in text
    # sections and their subsections nest: Power holds Feeds, Cooling holds Cooling units
    nested = {t: lvl for lvl, t, _ in body}
    assert nested["Power"] == 1 and nested["Feeds"] == 2 and nested["Cooling units"] == 2
    assert report.page_mode == "/UseOutlines"


def test_each_contents_line_links_to_its_page(report):
    marks = _flat(report, report.outline)[2:]
    annots = [a.get_object() for a in report.pages[1]["/Annots"]]
    links = [a for a in annots if a["/Subtype"] == "/Link"]
    assert len(links) == len(marks)
    page_ids = [p.indirect_reference.idnum for p in report.pages]
    tops = []
    for link, (_, _, page) in zip(links, marks, strict=True):
        dest = link["/Dest"]
        assert page_ids.index(dest[0].idnum) == page
        x0, y0, x1, y1 = (float(v) for v in link["/Rect"])
        # a line across the text frame, 14-15 pt high, each below the one before
        assert x1 - x0 > 400 and 13 < y1 - y0 < 16
        tops.append(y1)
    assert tops == sorted(tops, reverse=True)
