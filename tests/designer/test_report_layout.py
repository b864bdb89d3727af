"""Report presentation: nothing cut or over the margins, plans named and well-formed PDF."""

from __future__ import annotations

import re

import numpy as np
import pypdf
import pytest
from pypdf.generic import ContentStream
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter

from designer.reports import export
from engine.analysis import analyze
from engine.report_tables import Column, Table
from engine.templates import instantiate

# names are at most 200 characters
LONG_NAME = "Hall " + "x" * 120 + " with a very long design name (scalable_units=4, racks_per_row=8)"


@pytest.fixture(scope="module")
def gb200(builtin_catalog):
    lay = instantiate("gb200-nvl72-superpod", {}, catalog=builtin_catalog, name=LONG_NAME)
    return lay, analyze(lay, builtin_catalog)


def _texts(path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


class _RecordingPainter(QPainter):
    """A painter that keeps every text drawn from Python with its box and ink width."""

    records: list = []

    def drawText(self, *args):  # noqa: N802 - Qt's name
        if len(args) >= 2 and isinstance(args[0], QRectF):
            rect, flags, text = (args[0], args[1], args[2]) if len(args) >= 3 and \
                isinstance(args[2], str) else (args[0], 0, args[1])
            if isinstance(text, str) and text.strip():
                t = self.worldTransform()
                if t.m12() == 0 and t.m21() == 0:  # not turned
                    fm = QFontMetricsF(self.font(), self.device())
                    # with Qt's word wrap, at least the longest word must fit
                    wrap = int(flags) & int(Qt.TextFlag.TextWordWrap)
                    parts = text.split() if wrap else text.split("\n")
                    ink = max(fm.horizontalAdvance(s) for s in parts)
                    _RecordingPainter.records.append(
                        (t.mapRect(rect), int(flags), text, ink * t.m11(), self.device()))
        return super().drawText(*args)


def _ink(rect: QRectF, flags: int, ink: float) -> tuple[float, float]:
    if flags & int(Qt.AlignmentFlag.AlignRight):
        return rect.right() - ink, rect.right()
    if flags & int(Qt.AlignmentFlag.AlignHCenter):
        return rect.center().x() - ink / 2, rect.center().x() + ink / 2
    return rect.left(), rect.left() + ink


def test_pdf_text_stays_in_its_box_and_within_the_margins(gb200, tmp_path, monkeypatch, qapp):
    """A long design name wraps on the cover and is elided elsewhere; no table cell,
    paragraph or label runs past its box or the page margins."""
    import designer.reports.pdfdoc as pdfdoc

    monkeypatch.setattr(pdfdoc, "QPainter", _RecordingPainter)
    _RecordingPainter.records = []
    lay, a = gb200
    path = tmp_path / "long.pdf"
    export(lay, a, path)
    pt = 160 / 72
    records = _RecordingPainter.records
    assert len(records) > 500
    page_w = records[0][4].width()
    margin = 46 * pt
    bad = []
    for rect, flags, text, ink, _dev in records:
        left, right = _ink(rect, flags, ink)
        if ink > rect.width() + 1 * pt or left < margin - 1 * pt or right > page_w - margin + pt:
            bad.append((text[:40], round(left / pt), round(right / pt), round(rect.width() / pt)))
    assert not bad, bad[:10]
    pages = _texts(path)
    assert "x" * 40 in pages[0] and "racks_per_row=8)" in pages[0]  # the cover: all of it
    assert re.search(r"x…: \d+ racks holding", pages[2])  # the summary elides it


@pytest.mark.parametrize("text", [LONG_NAME, "Flow (L/min)", "a b", "",
                                  "https://docs.example.com/a/very/long/path/to/a/page.html x",
                                  "line one\nline two"])
@pytest.mark.parametrize("width_pt", [40, 120, 500])
def test_wrap_lines_fit_the_width_and_keep_every_character(text, width_pt, qapp):
    from designer.reports.style import font
    from designer.reports.text import wrap_lines

    fm = QFontMetricsF(font(20, bold=True))
    width = width_pt * 20 / 9
    lines = wrap_lines(fm, text, width)
    assert all(fm.horizontalAdvance(s) <= width for s in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    if fm.horizontalAdvance("(L/min)") <= width:
        assert "Flow (L/min)" != text or any("(L/min)" in s for s in lines)


def test_png_title_is_elided_within_the_margin(gb200, tmp_path, monkeypatch, qapp):
    import PySide6.QtGui

    monkeypatch.setattr(PySide6.QtGui, "QPainter", _RecordingPainter)
    _RecordingPainter.records = []
    lay, a = gb200
    export(lay, a, tmp_path / "plan.png", size="1200x800")
    # a name too long for one line takes two, the generation after it, each line within
    # the margins (past two lines it gives way: see test_png_metric)
    k = next(i for i, r in enumerate(_RecordingPainter.records) if r[2].startswith("Hall"))
    lines = _RecordingPainter.records[k:k + 2]
    assert lines[1][2].endswith(f" — {lay.generation}")
    shown = (lines[0][2] + lines[1][2]).replace(" ", "")
    assert (lay.name + "—" + lay.generation).replace(" ", "") == shown
    for rect, _, _text, ink, _ in lines:
        assert ink <= rect.width() and rect.right() < 1200


def _feeds_like_table() -> Table:
    cols = [Column("Feed"), Column("Side"), Column("Model"), Column("Racks", kind="int"),
            Column("Budget", "kW", "float"), Column("Load", "kW", "float"),
            Column("Utilization", "%", "float"), Column("Load, other side lost", "kW", "float"),
            Column("Utilization, other side lost", "%", "float"), Column("Status")]
    rows = [(f"BW-{k:02d}{s}-{side}", side, "busway-415v-800a-tap-off-long-model", 8,
             153.3, 163.2, 106.4, 326.4, 212.9, "over budget on side loss, see the rules")
            for k in range(1, 6) for s in "ab" for side in "AB"]
    return Table("feeds", "Feeds", cols, rows)


def test_table_never_cuts_identifiers_and_wraps_long_text(tmp_path, qapp):
    """A table wider than the page: the feed ids print in full; model and status wrap."""
    from designer.reports.pdfdoc import Doc
    from designer.reports.pdftable import TableFlow

    t = _feeds_like_table()
    path = tmp_path / "table.pdf"
    doc = Doc(str(path))
    flow = TableFlow(t, wrap=["Status"])
    doc.begin()
    try:
        flow.draw(doc, doc.margin_x, doc.top, doc.frame_w)
    finally:
        doc.end()
    lay = flow._layout(doc, doc.frame_w)
    assert sum(lay.widths) <= doc.frame_w + 1
    fm = doc.fm(lay.size)
    assert lay.widths[0] >= max(fm.horizontalAdvance(r[0]) for r in t.rows)
    assert lay.wrapping[2] and lay.wrapping[9] and not lay.wrapping[0]
    text = _texts(path)[0]
    assert "…" not in text
    for row in t.rows:
        assert re.search(rf"(^| ){re.escape(row[0])} ", text), row[0]
    assert "(kW)" in text and "(%)" in text


def test_table_header_keeps_a_unit_on_one_line(tmp_path, qapp):
    """Headers break at spaces only: "Flow (L/min)", never "(L/" and "min)"."""
    from designer.reports.pdfdoc import Doc
    from designer.reports.pdftable import TableFlow

    cols = [Column("Unit"), Column("Kind"), Column("Model"), Column("Group")] + \
        [Column(n, u, "float") for n, u in (("Capacity", "kW"), ("Load", "kW"),
                                             ("Utilization", "%"), ("Flow", "L/min"),
                                             ("Rated flow", "L/min"), ("Area", "m2"))]
    t = Table("cooling", "Cooling units", cols,
              [(f"CRAH-{k}", "crah", "crah-cw-150", "CRAH", 150.0, 117.6, 78.4, 1212.6, 1500.0,
                2.5) for k in range(1, 13)])
    path = tmp_path / "units.pdf"
    doc = Doc(str(path))
    doc.begin()
    try:
        TableFlow(t).draw(doc, doc.margin_x, doc.top, doc.frame_w)
    finally:
        doc.end()
    text = _texts(path)[0]
    assert "(L/min)" in text and "(L/ min)" not in text
    assert "(m²)" in text and "(m2)" not in text


def test_pdf_writes_square_metres_and_csv_has_a_byte_order_mark(gb200, tmp_path, qapp):
    lay, a = gb200
    pdf = tmp_path / "r.pdf"
    export(lay, a, pdf)
    summary = _texts(pdf)[2]
    assert "m²" in summary and not re.search(r"\bm2\b", summary)
    files = export(lay, a, tmp_path / "t.csv")
    for f in files:
        assert f.read_bytes().startswith(b"\xef\xbb\xbf"), f.name
    racks = (tmp_path / "t-racks.csv").read_text(encoding="utf-8-sig")
    assert "kg/m²" in racks.splitlines()[0]


def _unstarted_closepaths(path) -> list[tuple[int, int]]:
    """Return ``(page, operator index)`` of each ``h`` with no current point."""
    reader = pypdf.PdfReader(path)
    out = []
    painting = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"n"}
    for n, page in enumerate(reader.pages, 1):
        current = False
        for k, (_, op) in enumerate(ContentStream(page.get_contents(), reader).operations):
            if op in (b"m", b"re"):
                current = True
            elif op in painting:
                current = False
            elif op == b"h" and not current:
                out.append((n, k))
    return out


def test_cable_overlay_pdf_closes_no_empty_path(gb200, tmp_path, qapp):
    """Racks right under their tray make cable drops of zero length; Qt's PDF engine
    wrote them as a closepath with no current point ("No current point in closepath")."""
    lay, a = gb200
    path = tmp_path / "cables.pdf"
    export(lay, a, path, overlays=["cables"])
    assert _unstarted_closepaths(path) == []


def test_every_cooling_unit_is_named_on_the_plans(gb200, tmp_path, qapp):
    lay, a = gb200
    path = tmp_path / "plan.pdf"
    export(lay, a, path)
    pages = _texts(path)
    units = [u.id for u in lay.cooling if u.kind in ("crah", "cdu")]
    assert units
    for n in (3, 4, 5):  # floor plan, power density, cooling zones
        assert not re.search(r"(CRA|CDU)\S*…", pages[n])
        for uid in units:
            assert re.search(rf"(^| ){re.escape(uid)} ", pages[n]), (n + 1, uid)


def test_unit_label_turns_along_a_narrow_unit_or_falls_back_to_its_number(qapp):
    from designer.reports.plandraw import unit_label

    img = QImage(400, 400, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    try:
        pt = 2.0
        # 14 x 90 px: "CRAH-11" does not fit across at 4 pt, along the unit it does
        assert unit_label(p, QRectF(10, 10, 14, 90), "CRAH-11", "80 %", pt, QColor("black"),
                          "11") == "name"
        # 13 x 36 px: only the number fits
        assert unit_label(p, QRectF(40, 10, 13, 36), "CRAH-11", "80 %", pt, QColor("black"),
                          "11") == "short"
        assert unit_label(p, QRectF(60, 10, 2, 2), "CRAH-11", "", pt, QColor("black"),
                          "11") == ""
    finally:
        p.end()


def test_plan_caption_says_what_was_drawn(gb200, tmp_path, qapp):
    from designer.reports.pdf import write_pdf

    lay, a = gb200
    info = write_pdf(lay, a, tmp_path / "c.pdf")
    plan_page = _texts(tmp_path / "c.pdf")[3]
    assert "Drawn to scale" in plan_page
    assert ("cut at its aisles" in plan_page) == (info["plan_strips"] > 1)
    assert "a long one is cut into strips" not in plan_page


@pytest.mark.parametrize("template,params", [("dgx-h100-superpod", {"scalable_units": 6})])
def test_letter_and_a4_fit_the_plan_alike(template, params, builtin_catalog, tmp_path, qapp):
    """A wide hall (26.6 x 12.6 m) prints alike on both paper sizes (a hall was once turned
    on A4 only, and printed at 1:200 on Letter where 1:150 fitted). A 29.4 x 9.0 m hall
    prints at 1:150 on A4 turned but at 1:200 on Letter either way: Letter's frame is
    17 mm shorter, and 29.4 m over its 187 mm is 1:157."""
    from designer.reports.pdf import write_pdf

    lay = instantiate(template, params, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    turned, scale = {}, {}
    for page in ("a4", "letter"):
        info = write_pdf(lay, a, tmp_path / f"{page}.pdf", page=page)
        scale[page] = info["plan_scale"]
        turned[page] = "turned a quarter" in _texts(tmp_path / f"{page}.pdf")[3]
    assert turned["a4"] == turned["letter"]
    # Letter is 4 % wider and 6 % shorter than A4: the scales stay one step apart at most
    assert scale["letter"] <= scale["a4"] * 1.25


def test_chart_limit_label_stands_above_the_plot(qapp):
    from designer.reports import charts

    img = QImage(900, 500, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = _RecordingPainter(img)
    _RecordingPainter.records = []
    try:
        rect = QRectF(20, 20, 860, 400)
        charts.bar_chart(p, rect, 1.5, [132.0] * 10 + [20.0] * 10, [f"R{k}" for k in range(20)],
                         title="Power per rack", unit="kW", limit=30,
                         limit_label="air-cooling limit 30 kW")
    finally:
        p.end()
    label = [r for r in _RecordingPainter.records if r[2] == "air-cooling limit 30 kW"]
    assert len(label) == 1
    plot_top = rect.top() + 18 * 1.5
    assert label[0][0].bottom() <= plot_top  # in the legend over the plot, not on the bars


def test_capped_bar_labels_carry_the_unit_and_never_overlap(qapp):
    # two neighbouring feeds at 1,047 % printed "1,04 1,047" over each other, without the unit
    from designer.reports import charts

    img = QImage(900, 500, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = _RecordingPainter(img)
    _RecordingPainter.records = []
    values = [20.0] * 12 + [1046.8, 1046.8, 1500.0, 46.3] + [46.3] * 12
    try:
        charts.bar_chart(p, QRectF(20, 20, 860, 400), 1.5, values,
                         [f"BW-{k:02d}" for k in range(len(values))], title="Feed utilization",
                         unit="%", limit=100, limit_label="derated budget", cap=200.0)
    finally:
        p.end()
    labels = [(r[0], r[2]) for r in _RecordingPainter.records if r[2].endswith(" %")]
    assert labels and {t for _, t in labels} <= {"1,047 %", "1,500 %"}
    assert "1,047 %" in {t for _, t in labels}
    for i, (a, _) in enumerate(labels):
        for b, _ in labels[i + 1:]:
            assert not a.intersects(b), (a, b)


def test_broken_bar_labels_stagger_then_give_way(qapp):
    from designer.reports.charts import _broken_bars

    img = QImage(400, 200, QImage.Format.Format_ARGB32)
    p = QPainter(img)
    try:
        boxes = _broken_bars(p, QRectF(0, 0, 400, 200), 200.0, 6.0, 5.0,
                             np.full(12, 1234.0), 1.0, "%")
    finally:
        p.end()
    assert 2 <= len(boxes) < 12  # a second line, and no more labels than room for
    for i, a in enumerate(boxes):
        assert all(not a.intersects(b) for b in boxes[i + 1:])


def test_continued_tables_repeat_the_heading_the_reader_saw(builtin_catalog, tmp_path, qapp):
    # "Power feeds (continued)" stood under the heading "Feeds"
    from designer.reports.floorplan import prepare_plan
    from designer.reports.pdf import _story
    from designer.reports.pdfdoc import Doc, Heading, paginate
    from designer.reports.pdftable import TableFlow
    from engine.report_tables import build_tables

    lay = instantiate("dgx-h100-hall", {"racks": 320}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    tables = {t.key: t for t in build_tables(lay, a, builtin_catalog)}
    doc = Doc(str(tmp_path / "x.pdf"), "a4", title="x")
    source = prepare_plan(lay, a, "fallback")
    try:
        pages, _ = paginate(doc, _story(lay, a, tables, (), doc, [], source))
    finally:
        source.close()
    heading, continued = "", 0
    for page in pages:
        for placed in page.items:
            fl = placed.item
            if isinstance(fl, Heading):
                heading = fl.text
            elif isinstance(fl, TableFlow) and fl.continued:
                continued += 1
                assert fl.continued_title() == f"{heading} (continued)"
    assert continued >= 2


def test_summary_drops_the_parameter_list_before_cutting_the_name(qapp):
    from designer.reports.pdf import short_name
    from designer.reports.style import font

    fm = QFontMetricsF(font(9))
    name = ("NVIDIA DGX SuperPOD with DGX H100 (scalable_units=16, fabric_plan=tested, "
            "ufm_port=true, racks_per_row=8)")
    assert short_name(fm, name, 1e6) == name
    width = fm.horizontalAdvance("NVIDIA DGX SuperPOD with DGX H100 (scalable")
    assert short_name(fm, name, width) == "NVIDIA DGX SuperPOD with DGX H100"
    assert short_name(fm, name, 40).endswith("…")


def _plan_rects(lay, a, width: int, height: int, overlays, **kw) -> list[QRectF]:
    """Render the floor plan of ``lay`` into a width x height image; return the device
    rectangles drawn with drawRect (the units), the texts going to
    ``_RecordingPainter.records``."""
    from designer.reports.floorplan import render_floor_plan

    rects: list[QRectF] = []

    class Painter(_RecordingPainter):
        def drawRect(self, *args):  # noqa: N802 - Qt's name
            if len(args) == 1 and isinstance(args[0], QRectF):
                rects.append(self.worldTransform().mapRect(args[0]))
            return super().drawRect(*args)

    img = QImage(width, height, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = Painter(img)
    _RecordingPainter.records = []
    try:
        render_floor_plan(p, QRectF(0, 0, width, height), lay, a, overlays, **kw)
    finally:
        p.end()
    return rects


def test_row_names_keep_clear_of_cooling_units_on_a_small_image(builtin_catalog, qapp):
    # at 800 x 600 white R01-R06 boxes hid the CRAHs' utilization figures
    lay = instantiate("gb300-nvl72-superpod", {}, catalog=builtin_catalog)
    units = _plan_rects(lay, analyze(lay, builtin_catalog), 800, 600, ("cables",))
    rows = {r.row for r in lay.racks if r.row}
    labels = [r[0] for r in _RecordingPainter.records if r[2] in rows]
    assert len(labels) >= len(rows) - 1
    crahs = [u for u in units if u.width() > 8 and u.height() > 8]
    assert crahs
    for lab in labels:
        assert not any(lab.adjusted(0.5, 0.5, -0.5, -0.5).intersects(u) for u in crahs), lab


def test_the_bill_of_materials_says_one_tray_run_and_its_length_to_a_tenth(
        builtin_catalog, tmp_path, qapp):
    from designer.reports.style import fmt_value

    lay = instantiate("dgx-h100-hall", {}, catalog=builtin_catalog)
    tray = lay.trays[0].model_copy(update={"points": [(3.6, 3.6), (10.8, 3.6)]})
    lay = lay.model_copy(update={"trays": [tray]})
    export(lay, analyze(lay, builtin_catalog), tmp_path / "r.pdf")
    text = " ".join(_texts(tmp_path / "r.pdf"))
    assert "Cable tray tray 1 tray run 1 ea – – 7.2" in text  # no length each: a run
    assert "tray runs" not in text
    # a fraction in a column of counts is never printed as a whole number
    assert (fmt_value(7.2, "int"), fmt_value(7.0, "int"), fmt_value(7, "int")) == \
        ("7.2", "7", "7")


def test_row_names_stand_beside_their_rows_between_galleries_of_crahs(builtin_catalog, qapp):
    # CRAH galleries stand against both ends of every row: a name goes in the aisle
    # beside the row's end, not pushed past the gallery onto the hall's wall
    lay = instantiate("meta-24k-roce", {"pods": 3}, catalog=builtin_catalog)
    units = _plan_rects(lay, analyze(lay, builtin_catalog), 1400, 900, (), rotate=False)
    rows = {r.row for r in lay.racks if r.row}
    labels = {r[2]: r[0] for r in _RecordingPainter.records if r[2] in rows}
    assert set(labels) == rows
    crahs = [u for u in units if u.width() > 8 and u.height() > 8]
    assert len(crahs) >= 40
    left = min(u.left() for u in crahs)
    right = max(u.right() for u in crahs)
    for name, lab in labels.items():
        assert not any(lab.adjusted(0.5, 0.5, -0.5, -0.5).intersects(u) for u in crahs), name
        assert left < lab.left() and lab.right() < right, name


def test_the_png_names_each_cdu_with_its_utilization_as_the_pdf_does(builtin_catalog,
                                                                      monkeypatch, qapp):
    """A GB300 hall's CDUs, 0.6 m wide, read "CDU-1" over "84 %" in the PNG export as on
    the PDF plan and the canvas, not their names alone."""
    from designer.reports.png import render_image

    lay = instantiate("gb300-nvl72-superpod", {"scalable_units": 8, "racks_per_row": 16},
                      catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    drawn: list[str] = []
    real = QPainter.drawText

    def record(self, *args):
        text = next((x for x in args if isinstance(x, str)), None)
        if text:
            drawn.append(text)
        return real(self, *args)

    monkeypatch.setattr(QPainter, "drawText", record)
    render_image(lay, a, (2400, 1600))
    monkeypatch.undo()
    util = dict(zip(a.cooling.unit_ids, a.cooling.unit_utilization, strict=True))
    cdus = [u.id for u in lay.cooling if u.kind == "cdu"]
    assert len(cdus) >= 7
    for uid in cdus:
        k = drawn.index(uid)
        assert drawn[k + 1] == f"{util[uid] * 100:.0f} %", (uid, drawn[k:k + 2])
    for uid in (u.id for u in lay.cooling if u.kind == "crah"):
        assert drawn[drawn.index(uid) + 1].endswith(" %")


def test_a_unit_as_wide_as_its_name_keeps_its_utilization_under_it(qapp):
    from designer.reports.plandraw import UNIT_LABEL_MIN_PT, unit_label

    img = QImage(400, 400, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    drawn = []
    p = _RecordingPainter(img)
    _RecordingPainter.records = drawn
    try:
        pt = 3.75  # a 2400 x 1600 PNG
        assert unit_label(p, QRectF(10, 10, 70, 82), "CDU-1", "76 %", pt, QColor("black"),
                          "1") == "name"
    finally:
        p.end()
    texts = [r[2] for r in drawn]
    assert texts == ["CDU-1", "76 %"]
    # the detail at no less than the least legible size, and inside the unit
    for rect, flags, _text, ink, _dev in drawn:
        left, right = _ink(rect, flags, ink)
        assert 10 <= left and right <= 80
    detail_box = drawn[1][0]  # a line of the text's size, 1.2 times as high
    assert detail_box.height() >= 1.2 * int(UNIT_LABEL_MIN_PT * pt) - 0.01
    assert detail_box.bottom() <= 92


def test_a_hall_without_cooling_units_says_so_instead_of_empty_tables(builtin_catalog,
                                                                       tmp_path, qapp):
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=builtin_catalog)
    lay = lay.model_copy(update={"cooling": []})
    export(lay, analyze(lay, builtin_catalog), tmp_path / "r.pdf")
    text = " ".join(_texts(tmp_path / "r.pdf"))
    assert "The hall has no cooling units: its heat has nowhere to go (COOL-NO-AIR" in text
    assert "Redundancy groups (N+1)" not in text


def test_a_long_halls_strips_show_no_aisle_tint_outside_their_windows(builtin_catalog,
                                                                       tmp_path, qapp):
    # 58 rows of MI300X racks make a hall 145 m long, drawn as strips side by side: each
    # strip shows its own window only, so the title band above them carries no aisle tint
    # (the hall's aisle fill once replaced the strip's clip and painted over the title)
    lay = instantiate("mi300x-cluster", {"scalable_units": 9, "nodes_per_rack": 2,
                                         "racks_per_row": 5}, catalog=builtin_catalog)
    out = tmp_path / "plan.png"
    export(lay, analyze(lay, builtin_catalog), out, size=(2400, 1600))
    im = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = im.width(), im.height()
    a = np.frombuffer(im.constBits(), np.uint8, count=im.bytesPerLine() * h)
    a = a.reshape(h, im.bytesPerLine())[:, :w * 3].reshape(h, w, 3).astype(int)
    band = a[:60]
    r, g, b = band[..., 0], band[..., 1], band[..., 2]
    pink = (r - b > 12) & (r > 200) & (g < r - 8)
    blue = (b - r > 12) & (b > 200)
    assert not (pink | blue).any()


def test_pdf_text_has_no_ligatures_so_words_can_be_found(gb200, tmp_path, qapp):
    # "floor", "Airflow", "figures": searchable as typed, not as one ligature glyph
    lay, a = gb200
    path = tmp_path / "g.pdf"
    export(lay, a, path)
    text = " ".join(_texts(path))
    assert not re.search("[\ufb00-\ufb06]", text)
    assert "floor" in text and "Airflow" in text and "figure" in text


def test_a_cpu_hall_cover_leads_with_its_nodes_and_its_network_reads_in_words(
        builtin_catalog, tmp_path, qapp):
    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    path = tmp_path / "c.pdf"
    export(lay, a, path)
    pages = _texts(path)
    nodes = a.counts["cpu_nodes"]
    assert f"{nodes:,} CPU nodes" in pages[0] and "0 GPUs" not in pages[0]
    text = " ".join(pages)
    assert "Switches: front-end leaf" in text and "Links: front-end node–leaf" in text
    assert "front_end" not in text
