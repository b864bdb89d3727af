"""Rack labels: a label shows where it fits (a 600 mm rack
too, turned along its long side), not from a fixed zoom; with the airflow overlay on it
lies across the air's path and leaves the arrow's tail and head in view."""

from __future__ import annotations

import pytest
from panel_helpers import zoom  # tests/designer is on pytest's path
from PySide6.QtCore import QRectF
from test_canvas import _render  # tests/designer is on pytest's path

from designer.canvas.items import RackItem
from designer.canvas.style import metric_text
from engine.templates import instantiate


@pytest.fixture(scope="module")
def gb200(builtin_catalog):
    """A GB200 NVL72 SuperPOD of 8 SUs: 600 mm NVL72 racks, CRAH galleries beside rows."""
    return instantiate("gb200-nvl72-superpod", {"scalable_units": 8}, catalog=builtin_catalog)




def racks_in_view(view) -> list[tuple[RackItem, QRectF]]:
    t = view.viewportTransform()
    area = view.viewport().rect()
    out = []
    for item in view.fp.model_items():
        if isinstance(item, RackItem):
            dev = t.mapRect(item.sceneBoundingRect())
            if QRectF(area).contains(dev):
                out.append((item, dev))
    return out


def plates(view, item, dev):
    labels = view.fp.rack_labels
    label = labels.label_layout(item.model_id, dev.width(), dev.height())
    return label, (labels._plate(dev, label, label.widths) if label else None)


# -- rack labels --------------------------------------------------------------------------------

@pytest.mark.parametrize("px_per_m", [26.0, 29.0, 35.0, 45.0])
def test_every_nvl72_rack_of_a_gb200_hall_carries_its_kw_where_it_fits(view, doc, gb200,
                                                                     px_per_m):
    # every rack of this hall is labelled at 29 px/m: a 600 mm rack is 17 px wide there,
    # under a fixed 24 px, while its 31 px length holds "132"
    doc.set_layout(gb200)
    zoom(view, px_per_m, (8.3, 22.0))
    shown = racks_in_view(view)
    assert len(shown) > 20
    kinds = {}
    for item, dev in shown:
        label, plate = plates(view, item, dev)
        assert label is not None, (item.model_id, dev)
        kw = view.fp.rack_kw(item.model_id)
        assert label.lines[-1] in {metric_text("kw", kw), metric_text("kw", kw, False),
                                   metric_text("kw", kw, False, 0)}, (label, kw)
        # the plate stays inside its own rack: never over a neighbour
        assert dev.adjusted(-0.5, -0.5, 0.5, 0.5).contains(plate), (item.model_id, plate, dev)
        # the text fits along the plate's long side
        along = plate.height() if label.vertical else plate.width()
        assert max(label.widths) <= along + 1e-6
        # racks of one size take one orientation and size at one zoom
        size = (round(dev.width()), round(dev.height()))
        kinds.setdefault(size, set()).add((label.vertical, label.px))
    assert all(len(k) == 1 for k in kinds.values()), kinds
    assert not _render(view).isNull()


@pytest.mark.parametrize("px_per_m", [28.0, 50.0, 60.0])
def test_every_value_in_view_takes_one_form(view, doc, gb200, px_per_m):
    # 600 mm NVL72 racks of 132.6 kW have room for "133" at 50 px/m, where the network
    # racks beside them could read "21 kW": all read without the unit (and at 60 px/m
    # "132.6" beside "20.6", not "20.6 kW")
    doc.set_layout(gb200)
    labels = view.fp.rack_labels
    forms = set()
    values = set()
    for rack in gb200.racks:
        item = view.fp.item_for(rack.id)
        w, h = item.rect().width() * px_per_m, item.rect().height() * px_per_m
        label = labels.label_layout(rack.id, w, h)
        if label is None or label.has_id:
            continue
        kw = view.fp.rack_kw(rack.id)
        text = label.lines[-1]
        values.add(round(kw))
        forms.add(next(k for k, form in enumerate(
            [metric_text("kw", kw), metric_text("kw", kw, False),
             metric_text("kw", kw, False, 0)]) if form == text))
    assert len(values) >= 2, "NVL72 and network racks both labelled"
    assert len(forms) == 1, forms


def test_a_600_mm_rack_is_labelled_wherever_an_800_mm_rack_of_its_length_is(view, doc):
    # RK-0001 (600 mm) has a label wherever the 800 mm racks have one
    rack = doc.layout.racks[0]
    (rid,) = doc.add_racks([{"id": "RK-0001", "type": "rack-600x1200", "x_m": 7.9,
                             "y_m": 1.2, "devices": [{"type": "dgx-h100", "u": 10}]}])
    assert view.fp.rack_kw(rid) > 10
    for px_per_m in (26.0, 30.8, 40.0, 60.0):
        zoom(view, px_per_m, (7.9, 3.0))
        t = view.viewportTransform()
        big = t.mapRect(view.fp.item_for(rack.id).sceneBoundingRect())
        small = t.mapRect(view.fp.item_for(rid).sceneBoundingRect())
        labels = view.fp.rack_labels
        assert labels.label_lines(rack.id, big.width(), big.height()), px_per_m
        assert labels.label_lines(rid, small.width(), small.height()), px_per_m


def test_a_rack_too_small_for_any_label_size_shows_none_and_the_paint_skips_the_racks(
        view, doc, monkeypatch):
    zoom(view, 17.0, (7.0, 6.0))  # a 0.8 x 1.2 m rack is 14 x 20 px
    labels = view.fp.rack_labels
    for item, dev in racks_in_view(view):
        assert labels.label_layout(item.model_id, dev.width(), dev.height()) is None
    # zoomed out this far, no rack of the hall can carry one: the paint looks at none
    zoom(view, 12.0, (7.0, 6.0))
    calls = []
    real = labels._layout
    monkeypatch.setattr(labels, "_layout", lambda *a: calls.append(a) or real(*a))
    _render(view)
    assert calls == []


# -- airflow --------------------------------------------------------------------------------------

def _arrow_px(view, item) -> tuple[float, float]:
    """The device x of the arrow's front and rear ends on a rack turned a quarter."""
    t = view.viewportTransform()
    dev = t.mapRect(item.sceneBoundingRect())
    fx = item._front[0]
    half = 0.42 * dev.width()
    return dev.center().x() + fx * half, dev.center().x() - fx * half


@pytest.mark.parametrize("px_per_m", [31.0, 45.0, 60.0, 120.0])
def test_a_turned_racks_label_leaves_its_airflow_arrow_in_view(view, doc, px_per_m):
    # a rack turned a quarter keeps its arrow in view: its label does not lie along it
    rid = "GPU-0001"
    doc.rotate_items([rid], 90)
    item = view.fp.item_for(rid)
    assert item._front[0] != 0
    view.fp.set_overlay("airflow", True)
    r = doc.layout.rack(rid)
    zoom(view, px_per_m, (r.x_m, r.y_m))
    t = view.viewportTransform()
    dev = t.mapRect(item.sceneBoundingRect())
    label, plate = plates(view, item, dev)
    front, rear = _arrow_px(view, item)
    arrow = abs(rear - front)
    if label is not None:
        # across the air's path, covering at most half of the arrow
        assert label.vertical
        assert plate.width() <= 0.5 * arrow + 1e-6
        head = QRectF(min(rear, rear + 0.2 * (front - rear)), dev.center().y() - 3,
                      abs(0.2 * (front - rear)), 6)
        tail = QRectF(min(front, front + 0.2 * (rear - front)), dev.center().y() - 3,
                      abs(0.2 * (rear - front)), 6)
        assert not plate.intersects(head) and not plate.intersects(tail)
    # the arrow's red head and blue tail are drawn where they are
    img = _render(view)
    y = round(dev.center().y())

    def colours(x0: float, x1: float) -> list:
        lo, hi = sorted((round(x0), round(x1)))
        return [img.pixelColor(x, y) for x in range(lo, hi + 1)]

    reds = [c for c in colours(rear, rear + 0.25 * (front - rear))
            if c.red() > 150 and c.green() < 110 and c.blue() < 110]
    blues = [c for c in colours(front, front + 0.25 * (rear - front))
             if c.blue() > 150 and c.red() < 110]
    assert reds and blues, (px_per_m, label)
    # without the arrows the same rack reads level along its long side again
    view.fp.set_overlay("airflow", False)
    label = view.fp.rack_labels.label_layout(rid, dev.width(), dev.height())
    assert label is not None and not label.vertical


def test_upright_racks_keep_level_labels_that_leave_half_the_arrow(view, doc):
    view.fp.set_overlay("airflow", True)
    zoom(view, 60.0, (7.0, 6.0))
    for item, dev in racks_in_view(view):
        label, plate = plates(view, item, dev)
        if label is not None:
            assert not label.vertical
            assert plate.height() <= 0.5 * 0.84 * dev.height() + 1e-6
