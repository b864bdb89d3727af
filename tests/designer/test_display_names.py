"""What the designer shows: every row named at fit zoom where the
hall has room (in the aisle by the row's end when units crowd its ends), the worst spine
failure naming the switch model as the catalog does, and undo texts wording a choice as
its list does."""

from __future__ import annotations

import pytest
from panel_helpers import make, open_window  # tests/designer is on pytest's path
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from designer.dialogs.fabric_dialog import PURPOSE_LABELS, TOPOLOGY_LABELS
from designer.panels.inspector import InspectorPanel
from engine.templates import instantiate

# -- row labels at fit zoom -----------------------------------------------------------------


def _fit_window(qtbot, doc, layout):
    """The main window at the screenshot's 1600 x 1000 on ``layout``, zoomed to fit."""
    win = open_window(qtbot, doc)
    doc.set_layout(layout)
    win.resize(1600, 1000)
    QApplication.processEvents()
    win._size_docks()
    QApplication.processEvents()
    win.view.zoom_to_fit()
    QApplication.processEvents()
    return win


def _row_names(layout) -> set[str]:
    return {r.row for r in layout.racks if r.row}


def _shown(win) -> list[tuple[str, QRectF]]:
    """The row labels shown, with their pills in viewport pixels."""
    t = win.view.viewportTransform()
    labels = win.scene.row_labels
    assert labels.isVisible()
    boxes = labels.label_boxes(t)
    shown = [(name, box) for name, box, _px in labels._place(t)]
    assert boxes == [box for _n, box in shown]
    return shown


def _assert_clear(win, shown) -> None:
    """No two pills overlap, none covers a rack (and so its label) or a cooling unit, and
    each lies in the view."""
    t = win.view.viewportTransform()
    floor = [t.mapRect(it.sceneBoundingRect()) for it in win.scene.model_items()
             if it.group in ("racks", "cooling")]
    pills = [box for _n, box in shown]
    assert not any(a.intersects(b) for k, a in enumerate(pills) for b in pills[k + 1:])
    for name, box in shown:
        assert not [f for f in floor if f.intersects(box)], (name, box)
        assert QRectF(win.view.viewport().rect()).contains(box), (name, box)


@pytest.mark.parametrize("params", [{}, {"scalable_units": 8}])
def test_every_gb200_row_is_named_at_fit_zoom(qtbot, doc, builtin_catalog, params):
    # rows with CRAH galleries a few pixels past both ends (at 8 SU, every row) are named
    # too: the aisle by the row's end has room for the name
    layout = instantiate("gb200-nvl72-superpod", params, catalog=builtin_catalog)
    win = _fit_window(qtbot, doc, layout)
    shown = _shown(win)
    assert {name for name, _b in shown} == _row_names(layout)
    _assert_clear(win, shown)


@pytest.mark.parametrize("template", ["dgx-h100-superpod", "fat-tree"])
def test_other_templates_name_every_row_at_fit_zoom(qtbot, doc, builtin_catalog, template):
    layout = instantiate(template, {}, catalog=builtin_catalog)
    win = _fit_window(qtbot, doc, layout)
    shown = _shown(win)
    assert {name for name, _b in shown} == _row_names(layout)
    _assert_clear(win, shown)


def test_a_hall_with_no_room_by_its_rows_names_none_over_walls_or_racks(qtbot, doc,
                                                                       builtin_catalog):
    # 32 rows of 48 at about 5 px/m: aisles of 6 px, the outer rows a tile off the walls
    layout = instantiate("meta-24k-roce", {}, catalog=builtin_catalog)
    win = _fit_window(qtbot, doc, layout)
    shown = _shown(win)
    _assert_clear(win, shown)
    t = win.view.viewportTransform()
    x0, y0, x1, y1 = doc.layout.hall.bounds()
    hall = t.mapRect(QRectF(x0, -y1, x1 - x0, y1 - y0))
    assert all(hall.contains(box) for _n, box in shown)


def test_an_aisle_label_never_stands_beside_another_rows_end(qtbot, doc, builtin_catalog):
    # a dense hall: CRAH galleries crowd the rows' ends and a short last row leaves room
    # above the row before it, at that short row's height
    layout = instantiate("dgx-h100-hall", {"racks": 256, "racks_per_row": 16},
                         catalog=builtin_catalog)
    win = _fit_window(qtbot, doc, layout)
    shown = _shown(win)
    _assert_clear(win, shown)
    t = win.view.viewportTransform()
    rows: dict[str, list[QRectF]] = {}
    for it in win.scene.model_items():
        if it.group == "racks" and getattr(it, "row_name", None):
            rows.setdefault(it.row_name, []).append(t.mapRect(it.sceneBoundingRect()))
    span = {n: (min(b.left() for b in bs), max(b.right() for b in bs),
                min(b.top() for b in bs), max(b.bottom() for b in bs))
            for n, bs in rows.items()}
    for name, box in shown:
        x0, x1 = span[name][:2]
        # no other row along this one stands at the label's height
        assert not [o for o, (ox0, ox1, top, bottom) in span.items()
                    if o != name and ox0 < x1 and ox1 > x0
                    and top < box.bottom() and bottom > box.top()], name


# -- the worst spine failure ----------------------------------------------------------------


def test_the_worst_spine_failure_names_the_switch_model(qtbot, doc):
    fabric = doc.layout.fabrics[0]
    worst = doc.analysis.network.fabrics[0]["worst_failure"]
    model = worst["switch"].split()[1]  # "spine qm9700 at NET-0001 U9"
    name = doc.catalog.devices[model].name
    insp = make(qtbot, InspectorPanel, doc, (420, 1200))
    doc.select([fabric.id])
    text = insp.computed_text("Worst spine failure")
    assert f"spine {name} at " in text, text
    assert f" {model} " not in text, text


# -- undo texts of choices ------------------------------------------------------------------


def _pick(combo, value_text):
    i = combo.findText(value_text)
    assert i >= 0, [combo.itemText(k) for k in range(combo.count())]
    combo.setCurrentIndex(i)
    combo.activated.emit(i)


@pytest.mark.parametrize(("field", "value", "labels"), [
    ("purpose", "front_end", PURPOSE_LABELS),
    ("topology", "fat_tree", TOPOLOGY_LABELS),
])
def test_a_choice_edit_is_undone_under_its_label(qtbot, doc, field, value, labels):
    fid = doc.layout.fabrics[0].id
    insp = make(qtbot, InspectorPanel, doc, (420, 1200))
    doc.select([fid])
    before = doc.layout.model_dump()
    _pick(insp.editor(field).widget, labels[value])
    assert getattr(doc.item(fid), field) == value
    assert doc.undo_stack.undoText() == f"Set {fid} {field} to {labels[value]}"
    assert value not in doc.undo_stack.undoText()
    after = doc.layout.model_dump()
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before
    assert doc.undo_stack.redoText() == f"Set {fid} {field} to {labels[value]}"
    doc.undo_stack.redo()
    assert doc.layout.model_dump() == after


def test_a_tier_switch_edit_is_undone_under_the_switch_name(qtbot, doc):
    fabric = doc.layout.fabrics[0]
    other = next(d for d in doc.catalog.devices.values()
                 if d.role == "switch" and d.id != fabric.tiers[0].switch)
    insp = make(qtbot, InspectorPanel, doc, (420, 1200))
    doc.select([fabric.id])
    _pick(insp.editor("tiers.0.switch").widget, other.name)
    assert doc.item(fabric.id).tiers[0].switch == other.id
    assert doc.undo_stack.undoText() == \
        f"Set {fabric.id} {fabric.tiers[0].name} switch to {other.name}"


def test_a_typed_value_keeps_its_own_words(qtbot, doc):
    # only a list's choices are reworded: a number still reads with its unit
    fid = doc.layout.fabrics[0].id
    make(qtbot, InspectorPanel, doc, (420, 1200))
    doc.select([fid])
    doc.set_field([fid], "nic_speed_gbps", 800.0)
    assert doc.undo_stack.undoText() == f"Set {fid} link speed to 800 Gb/s"
