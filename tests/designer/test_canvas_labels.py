"""What the canvas draws over the racks: rack and row labels, tray outlines, the cable
overlay's counts, selected links, the legend's corner."""

from __future__ import annotations

import numpy as np
import pytest
from panel_helpers import zoom  # tests/designer is on pytest's path
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFontMetricsF, QImage
from test_canvas import _render  # tests/designer is on pytest's path

from designer.canvas.style import label_font


def paint(view) -> QImage:
    """Paint the viewport into an image (every item's ``paint`` runs)."""
    return _render(view)


def test_tray_rails_are_one_mitred_line_each_side(view, doc):
    from designer.canvas.items import offset_polyline

    tid = doc.add_tray([(2.0, 2.0), (8.0, 2.0), (8.0, -1.0)], 0.6)
    item = view.fp.item_for(tid)
    rails = item._rails
    # two subpaths (one per rail) of three points: the corner is a joint, not two ends
    starts = [k for k in range(rails.elementCount()) if rails.elementAt(k).isMoveTo()]
    assert starts == [0, 3] and rails.elementCount() == 6
    # each rail turns at its mitre point, 0.3 m off the corner on both axes (item
    # coordinates: from the first point, y down)
    corners = sorted((round(rails.elementAt(k).x, 6), round(rails.elementAt(k).y, 6))
                     for k in (1, 4))
    assert corners == [(5.7, 0.3), (6.3, -0.3)]
    assert np.allclose(offset_polyline([(0, 0), (1, 0), (1, 0), (1, 1)], 0.1),
                       [(0.0, 0.1), (0.9, 0.1), (0.9, 1.0)])
    zoom(view, 80, (7.0, 1.0))
    assert not paint(view).isNull()
    doc.undo_stack.undo()
    assert view.fp.item_for(tid) is None


def rack_px(view, rack_id: str) -> QRectF:
    """The rack's footprint in viewport pixels."""
    return view.viewportTransform().mapRect(view.fp.item_for(rack_id).sceneBoundingRect())


def test_a_rack_label_that_does_not_fit_its_rack_is_shortened_or_left_out(view, doc):
    labels = view.fp.rack_labels
    rack = doc.layout.racks[0]
    kw = view.fp.rack_kw(rack.id)
    fm = QFontMetricsF(label_font(10))
    width_m = view.fp.item_for(rack.id).rect().width()
    # racks drawn wide enough for the figure and its unit (not the id), then for the
    # figure, then for whole kW only
    for px, want in ((60, f"{kw:.1f} kW"), (40, f"{kw:.1f}"), (26, f"{kw:.0f}")):
        zoom(view, px / width_m, (rack.x_m, rack.y_m))
        box = rack_px(view, rack.id)
        lines = labels.label_lines(rack.id, box.width(), box.height())
        assert lines == [want], px
        assert fm.horizontalAdvance(want) <= box.width() - 2 * labels.MARGIN_PX
    # every label painted at a zoom fits its own rack: neighbours' labels never run together
    zoom(view, 30, (rack.x_m, rack.y_m))
    for r in doc.layout.racks:
        box = rack_px(view, r.id)
        for text in labels.label_lines(r.id, box.width(), box.height()):
            assert fm.horizontalAdvance(text) < box.width() - 4, (r.id, text)
    # a figure too long for the rack at any precision is not drawn at all
    i = doc.analysis.arrays.rack_index[rack.id]
    view.fp._rack_values[i] = 123456.0
    box = rack_px(view, rack.id)
    assert labels.label_lines(rack.id, box.width(), box.height()) == []
    assert not paint(view).isNull()


def test_rack_labels_show_the_colour_metric_with_its_unit(view, doc):
    scene = view.fp
    rack = doc.layout.racks[0]
    zoom(view, 200, (rack.x_m, rack.y_m))  # the id, the value and the GPUs fit
    box = rack_px(view, rack.id)
    a = doc.analysis
    i = a.arrays.rack_index[rack.id]
    assert scene.rack_labels.label_lines(rack.id, box.width(), box.height())[:2] == [
        rack.id, f"{a.power.rack_kw[i]:.1f} kW"]
    scene.set_metric("utilization")
    # with one side lost: the load a rack's feeds are designed for
    util = dict(zip(a.power.feed_ids, a.power.feed_failover_utilization.tolist(), strict=True))
    worst = max(util[f] for f in rack.feeds) * 100
    assert worst > 1.5 * max(a.power.feed_utilization[a.power.feed_ids.index(f)]
                             for f in rack.feeds) * 100
    lines = scene.rack_labels.label_lines(rack.id, box.width(), box.height())
    assert lines[1] == f"{worst:.0f} %" == scene.rack_value_text(rack.id)
    scene.set_metric("liquid")
    share = a.arrays.rack_liquid_w[i] / a.arrays.rack_power_w[i] * 100
    assert scene.rack_labels.label_lines(rack.id, box.width(), box.height())[1] == \
        f"{share:.0f} %"
    # narrow racks show the figure alone: the legend's unit still reads "%"
    zoom(view, 30, (rack.x_m, rack.y_m))
    box = rack_px(view, rack.id)
    assert scene.rack_labels.label_lines(rack.id, box.width(), box.height()) in (
        [f"{share:.0f} %"], [f"{share:.0f}"])
    assert not paint(view).isNull()


def test_cable_counts_keep_clear_of_row_labels_and_bundles_lie_under_rack_labels(view, doc):
    scene = view.fp
    name, x, y = next(r for r in scene.row_labels.rows if r[0] == "R03")
    # the network row's tray, stretched along the row so its middle is where the row's
    # label stands
    tid = "TR-03"
    doc.reshape(tid, [(x - 3.3, y), (x + 2.7, y)])
    scene.set_overlay("cables", True)
    ov = scene.overlays["cables"]
    assert ov.labels.isVisible() and ov.labels.zValue() + ov.labels.parentItem().zValue() > \
        scene.rack_labels.zValue() > ov.parentItem().zValue()
    counts = {t: n for _p, _f, n, t in ov._bundles}
    assert counts.get(tid, 0) > 0, counts
    zoom(view, 60, (x, y))
    paint(view)
    t = view.viewportTransform()
    rows = scene.row_labels.label_boxes(t)
    assert any(r.contains(t.map(QPointF(x - 0.3, -y))) for r in rows)  # the tray's middle
    assert len(ov.pills) == sum(1 for n in counts.values() if n > 0)
    for text, box in ov.pills:
        assert not any(box.intersects(r) for r in rows), (text, box)
    boxes = [box for _t, box in ov.pills]
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    scene.set_overlay("cables", False)
    assert not ov.labels.isVisible()


def test_cooling_zones_tint_under_the_racks_and_their_lines_leave_row_labels_clear(view, doc):
    scene = view.fp
    zoom(view, 60, (7.0, 6.0))
    before = paint(view)
    scene.set_overlay("cooling", True)
    ov = scene.overlays["cooling"]
    assert ov.underlay.isVisible()
    z_under = ov.underlay.zValue() + ov.underlay.parentItem().zValue()
    assert z_under < scene.item_for(doc.layout.racks[0].id).zValue()
    after = paint(view)
    t = view.viewportTransform()
    same = total = 0
    for r in doc.layout.racks:
        box = scene.item_for(r.id).sceneBoundingRect()
        for fx, fy in ((0.15, 0.15), (0.85, 0.15), (0.15, 0.85), (0.85, 0.85)):
            p = t.map(QPointF(box.left() + fx * box.width(), box.top() + fy * box.height()))
            if before.rect().contains(p.toPoint()):
                total += 1
                same += before.pixel(p.toPoint()) == after.pixel(p.toPoint())
    # a rack keeps its metric's colour (the odd sample a zone's line crosses aside)
    assert total > 20 and same >= 0.9 * total
    # no line is drawn over a row label: its pill's pixels are the same as without the zones
    for box in scene.row_labels.label_boxes(t):
        c = box.center().toPoint()
        assert before.pixel(c) == after.pixel(c)


def test_a_selected_link_is_drawn_between_its_racks_and_followed(view, doc):
    scene = view.fp
    a, b = doc.layout.racks[0], doc.layout.racks[-1]
    lid = doc.add_link(a.id, b.id, 400.0, 2)
    doc.select([lid])
    hl = scene.link_highlight
    assert hl.isVisible() and [i for i, _l, _t in hl.links] == [lid]
    line = hl.links[0][1]
    assert (line.x1(), -line.y1(), line.x2(), -line.y2()) == pytest.approx(
        (a.x_m, a.y_m, b.x_m, b.y_m))
    assert hl.links[0][2] == f"{lid}: 2 × 400G"
    assert hl.zValue() > scene.rack_labels.zValue()
    # drawn (and named clear of the row labels), with or without the cables overlay
    for cables in (False, True):
        scene.set_overlay("cables", cables)
        view.zoom_to([lid])
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        assert shown.contains(line.p1()) and shown.contains(line.p2())
        without = paint_without_link(view, doc, lid)
        img = paint(view)
        t = view.viewportTransform()
        mid = t.map(line.center()).toPoint()
        assert QColor(img.pixel(mid)) != QColor(without.pixel(mid))
        rows = scene.row_labels.label_boxes(t)
        assert hl.label_boxes and not any(hl.label_boxes[0].intersects(r) for r in rows)
        if cables:  # the overlay does not name the selected link a second time
            assert not any(text.startswith(f"{lid}:") for text, _b in
                           scene.overlays["cables"].pills)
    # the line follows a moved rack
    doc.move_items({a.id: (a.x_m, a.y_m + 1.2)})
    doc.select([lid])
    line = hl.links[0][1]
    assert -line.y1() == pytest.approx(a.y_m + 1.2)
    doc.select([a.id])
    assert not hl.isVisible() and hl.links == []


def paint_without_link(view, doc, link_id: str) -> QImage:
    """Paint the view with the selection emptied, then select the link again."""
    doc.select([])
    img = paint(view)
    doc.select([link_id])
    return img


def test_the_legend_takes_the_corner_that_hides_least_of_the_plan(view, doc):
    scene = view.fp
    zoom(view, 60, (7.0, 6.0))
    t = view.viewportTransform()
    # a tray counts as the line it is, not as its bounding box
    tray = next(tr for tr in doc.layout.trays if tr.id == "TR-W")  # up the rows' west ends
    a = t.map(QPointF(tray.points[0][0], -4.8))  # between the first two rows
    over_tray = QRectF(a.x() - 20, a.y() - 4, 40, 8)
    assert not [it for it in scene.items(view.mapToScene(over_tray.toRect()).boundingRect())
                if getattr(it, "group", "") in ("racks", "cooling")]
    assert view.legend_cover(over_tray) == 0
    # a row label's text counts more than the floor it stands on
    label = scene.row_labels.label_boxes(t)[0]
    assert view.legend_cover(label) > 2 * label.width() * label.height()
    # a legend covering racks or units moves to a corner where it hides least
    for at in ((4.0, 9.0), (10.0, 3.0), (2.0, 2.0), (12.0, 10.0)):
        view._legend_corner = None  # no corner held yet
        zoom(view, 90, at)
        w, h = 210.0, 54.0
        x, y = view.legend_corner(w, h)
        covers = {view.legend_cover(QRectF(cx, cy, w, h)): (cx, cy) for cx, cy in (
            (view.viewport().width() - w - 12, 12.0), (12.0, 12.0))}
        assert view.legend_cover(QRectF(x, y, w, h)) <= min(covers), at


def test_a_short_rows_label_keeps_clear_of_the_label_of_the_row_beside_it(view, doc):
    # a row, and a short row just beside it starting further east: neither label stands
    # over racks, a unit or the other label
    scene = view.fp
    row = [r for r in doc.layout.racks if r.row == doc.layout.racks[0].row]
    x = min(r.x_m for r in row) - 0.4
    y = row[0].y_m
    zoom(view, 30.0, (x + 3.0, y))
    px = 1 / 30.0
    scene.row_labels.set_rows([("RA", x, y), ("RB", x + 48 * px, y - 10 * px)],
                              east=[x + 6.4, x + 6.4])
    t = view.viewportTransform()
    shown = scene.row_labels._place(t)
    boxes = [b for _n, b, _px in shown]
    assert "RA" in {n for n, _b, _px in shown}
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    floor = [t.mapRect(it.sceneBoundingRect()) for it in scene.model_items()
             if it.group in ("racks", "cooling")]
    assert not [n for n, b, _px in shown if any(f.intersects(b) for f in floor)]


def test_cooling_units_say_which_unit_they_are_with_their_load_and_fit_their_box(
        view, doc, monkeypatch):
    # not a bare "56 %" on CRAHs at zoom-to-fit, a blank CDU, or "0 %" alone on the CDU
    # at 42 px/m, which leaves open which unit that is
    from designer.canvas import items

    drawn: dict[str, tuple[items.UnitLabel, QRectF]] = {}
    paint_label = items._paint_unit_label

    def record(painter, rect, label, color):
        drawn[label.lines[0]] = (label, painter.worldTransform().mapRect(rect))
        paint_label(painter, rect, label, color)

    monkeypatch.setattr(items, "_paint_unit_label", record)
    cdu = doc.add_cooling_unit("cdu-coolchip-1350", 10.6, 11.4)
    crah = doc.layout.cooling[0]
    util = {u: view.fp.unit_utilization(u) for u in (cdu, crah.id)}
    for px_per_m, at in ((42.0, (10.6, 11.4)), (34.0, (10.6, 11.4)),
                         (42.0, (crah.x_m, crah.y_m)), (34.0, (crah.x_m, crah.y_m))):
        drawn.clear()
        zoom(view, px_per_m, at)
        paint(view)
        uid = cdu if at[0] == 10.6 else crah.id
        label, box = drawn[uid]
        assert label.lines[:2] == (uid, f"{util[uid] * 100:.0f} %"), px_per_m
        # every line inside the box: across it, or up it when turned
        along, across = (box.height(), box.width()) if label.vertical else (
            box.width(), box.height())
        n = 1 if label.joined else len(label.lines)
        assert n * (label.px + 3) <= across
        for k, text in enumerate(label.lines):
            fm = QFontMetricsF(label_font(label.px - (k > 0), k == 0))
            assert fm.horizontalAdvance(text) <= along - 2 * items.UNIT_MARGIN_PX
    # the id first: a box too small for both keeps the id, a smaller one shows nothing
    assert items.unit_label_layout(50, 14, "CRAH-10", "56 %").lines == ("CRAH-10",)
    assert items.unit_label_layout(15, 40, "CRAH-1", "56 %").lines == ("CRAH-1",)
    assert items.unit_label_layout(15, 40, "CRAH-1", "56 %").vertical
    assert items.unit_label_layout(12, 12, "CDU-1", "56 %") is None
    # a name goes under them where a line is left, shortened to the box
    named = items.unit_label_layout(90, 60, "CDU-1", "63 %", "Loop A, north gallery")
    assert named.lines[:2] == ("CDU-1", "63 %") and named.lines[2].endswith("…")


@pytest.mark.parametrize("px_per_m", [45.0, 100.0, 150.0])
def test_a_selected_links_name_keeps_clear_of_the_rack_labels_along_it(view, doc, px_per_m):
    # a link along a row runs through every rack label on the way: its name used to
    # land on the kW figures of the racks in the middle when just beside the line was
    # taken too (three-line labels, zoomed in)
    scene = view.fp
    row = sorted((r for r in doc.layout.racks if r.row == "R01"), key=lambda r: r.x_m)
    lid = doc.add_link(row[1].id, row[6].id, 400.0, 8)
    doc.select([lid])
    zoom(view, px_per_m, ((row[1].x_m + row[6].x_m) / 2, row[1].y_m))
    # the view's own paint: (a scene asked for its items while QGraphicsView.render
    # paints it answers with the items above the one painting)
    view.viewport().grab()
    t = view.viewportTransform()
    plates = scene.rack_labels.plate_boxes(t, QRectF(view.viewport().rect()))
    assert plates, "rack labels drawn at this zoom"
    (box,) = scene.link_highlight.label_boxes
    assert not any(box.intersects(p) for p in plates), px_per_m
    assert QRectF(view.viewport().rect()).contains(box)
    line = t.map(scene.link_highlight.links[0][1])
    assert abs(box.center().y() - line.y1()) < 90, "near its line"


def test_a_tray_counts_each_cable_once_not_each_end(builtin_catalog):
    """A hall with one tray: every cable between two racks runs in it once; the pill
    counted both ends of each (twice the cables)."""
    from designer.canvas.overlays import CablesOverlay
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 8}, catalog=builtin_catalog)
    lay = lay.model_copy(update={"trays": lay.trays[:1]})
    a = analyze(lay, builtin_catalog)
    counts, estimated, _drops = CablesOverlay._tray_counts(lay, a)
    _ra, _rb, w = CablesOverlay._link_groups(a)
    assert not estimated and counts == {lay.trays[0].id: pytest.approx(w.sum())}
    assert w.sum() > 0


def test_a_click_on_a_links_label_picks_the_link_not_the_rack_under_it(view, doc):
    """With the cables overlay on, a drawn link is picked by its label (the rack under the
    label stays unselected), and Delete then deletes the link; a click elsewhere on a rack
    picks the rack."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    scene = view.fp
    a, b = doc.layout.racks[0], doc.layout.racks[5]
    lid = doc.add_link(a.id, b.id, 400.0, 2)
    doc.select([])
    scene.set_overlay("cables", True)
    view.zoom_to([a.id, b.id])
    paint(view)  # the pills are placed as they are painted
    pills = scene.overlays["cables"].link_pills
    assert [i for i, _b in pills] == [lid]
    at = pills[0][1].center().toPoint()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, at)
    assert doc.selection == [lid]
    rack_at = view.mapFromScene(QPointF(a.x_m, -a.y_m))
    if not pills[0][1].contains(QPointF(rack_at)):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, QPoint(rack_at))
        assert doc.selection == [a.id]
