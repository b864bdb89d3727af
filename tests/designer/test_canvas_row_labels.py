"""Row labels: each stands beside its row's end, on the
hall's side where there is room, and never over a rack or a cooling unit."""

from __future__ import annotations

import pytest
from panel_helpers import zoom  # tests/designer is on pytest's path
from PySide6.QtCore import QRectF
from test_canvas import _render  # tests/designer is on pytest's path

from engine.templates import instantiate


@pytest.fixture(scope="module")
def gb200(builtin_catalog):
    """A GB200 NVL72 SuperPOD of 8 SUs: 600 mm NVL72 racks, CRAH galleries beside rows."""
    return instantiate("gb200-nvl72-superpod", {"scalable_units": 8}, catalog=builtin_catalog)


# -- row labels -----------------------------------------------------------------------------------

def _floor_boxes_px(view) -> list[QRectF]:
    t = view.viewportTransform()
    return [t.mapRect(it.sceneBoundingRect()) for it in view.fp.model_items()
            if it.group in ("racks", "cooling")]


def _rows_px(view) -> dict[str, tuple[float, float, float, float, float]]:
    """Each row's west end, east end, centre line, top face and bottom face in device
    pixels."""
    t = view.viewportTransform()
    out: dict[str, list[QRectF]] = {}
    for it in view.fp.model_items():
        if it.group == "racks" and getattr(it, "row_name", None):
            out.setdefault(it.row_name, []).append(t.mapRect(it.sceneBoundingRect()))
    return {name: (min(b.left() for b in bs), max(b.right() for b in bs),
                   sorted(b.center().y() for b in bs)[(len(bs) - 1) // 2],
                   min(b.top() for b in bs), max(b.bottom() for b in bs))
            for name, bs in out.items()}


@pytest.mark.parametrize("px_per_m", [9.9, 18.0, 29.0, 45.0])
def test_row_labels_stand_beside_their_rows_never_over_racks_or_units(view, doc, gb200,
                                                                     px_per_m):
    # every label stands beside its row, none over the row's first racks
    doc.set_layout(gb200)
    zoom(view, px_per_m, (8.3, 20.4))
    _render(view)
    t = view.viewportTransform()
    scene = view.fp
    shown = scene.row_labels._place(t)
    floor = _floor_boxes_px(view)
    rows = _rows_px(view)
    pills = [box for _n, box, _px in shown]
    for name, box, _px in shown:
        assert not [f for f in floor if f.intersects(box)], (name, box)
        west, east, y, top, bottom = rows[name]
        # beside one end of the row, a few pixels off it
        beside = abs(box.center().y() - y) < 1.0 and (
            0 <= west - box.right() <= 4 or 0 <= box.left() - east <= 4)
        # or, with no room there, in the aisle just past the row's face at one end
        in_aisle = (abs(box.left() - west) < 1.0 or abs(box.right() - east) < 1.0) and (
            0 < top - box.bottom() <= 4 or 0 < box.top() - bottom <= 4)
        assert beside or in_aisle, (name, box)
    assert not any(a.intersects(b) for k, a in enumerate(pills) for b in pills[k + 1:])
    if px_per_m >= 29:
        # where the hall has room beside every row, every row is named, all on one side
        assert len(shown) == len(rows)
        sides = {box.right() < rows[name][0] for name, box, _px in shown}
        assert len(sides) == 1


def test_a_short_rows_label_keeps_clear_of_its_neighbours_and_their_racks(view, doc):
    # two rows ending together; a third, shorter one between them starting further in
    scene = view.fp
    zoom(view, 30.0, (7.0, 6.0))
    t = view.viewportTransform()
    r1 = [r for r in doc.layout.racks if r.row == "R01"]
    x_west = min(r.x_m for r in r1) - 0.4
    y = r1[0].y_m
    scene.row_labels.set_rows([("RA", x_west, y), ("RB", x_west + 1.6, y - 0.3)],
                              east=[x_west + 6.4, x_west + 6.4])
    shown = scene.row_labels._place(t)
    boxes = [b for _n, b, _px in shown]
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    floor = _floor_boxes_px(view)
    assert not [(n, b) for n, b, _px in shown if any(f.intersects(b) for f in floor)]


def test_row_labels_keep_the_halls_side_while_a_drag_is_under_way(view, doc, gb200):
    """The hall's side for its row labels is chosen on each floor; while a drag moves a
    row's end rack (the floor not yet committed) the rows keep that side, rather than
    every label crossing its row when the dragged rack tips the balance."""
    doc.set_layout(gb200)
    zoom(view, 18.0, (8.3, 20.4))
    _render(view)
    labels = view.fp.row_labels
    side = labels._sides[1][0]
    assert side in ("west", "east")
    other = "east" if side == "west" else "west"
    key = labels._sides[0]
    # as if the live plan had tipped the other way: the side chosen on this floor holds
    labels._sides = (key, (other, labels._sides[1][1]))
    labels._version += 1  # a moved row's label set again during the drag
    labels._plan(key[0])
    assert labels._sides[1][0] == other
    labels.refresh(live=False)  # the drag ends: the sides are chosen again on the new floor
    labels._plan(key[0])
    assert labels._sides[1][0] == side and labels._sides[0] != key
