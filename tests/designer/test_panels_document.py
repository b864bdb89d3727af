"""The side panels against the real LayoutDocument: edits land on its undo stack."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from panel_helpers import make  # noqa: E402 (tests/designer is on pytest's path)
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from designer.document import LayoutDocument  # noqa: E402
from designer.panels import (  # noqa: E402
    DashboardPanel,
    InspectorPanel,
    PalettePanel,
    RackElevationPanel,
    RulePanel,
)
from engine import edits  # noqa: E402
from engine.catalog import load_catalog  # noqa: E402
from engine.templates import instantiate  # noqa: E402


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_dir=None)


@pytest.fixture
def doc(qtbot, catalog):
    d = LayoutDocument(instantiate("dgx-h100-hall", {}, catalog=catalog), catalog=catalog,
                       analysis_mode="sync", autosave_ms=0)
    yield d
    d.close()
    # the stack emits cleanChanged while Qt deletes it, after the document's Python side
    # is gone; cut that connection so teardown stays quiet
    d.undo_stack.cleanChanged.disconnect()


def dump(doc):
    return doc.layout.model_dump()


def send_mouse(widget, kind, pos, buttons=Qt.MouseButton.LeftButton):
    glob = QPointF(widget.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    ev = QMouseEvent(kind, QPointF(pos), glob, Qt.MouseButton.LeftButton, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def test_dashboard_with_the_document(qtbot, doc):
    dash = make(qtbot, DashboardPanel, doc, (1000, 640))
    assert dash.figure_text("gpus") == "512"
    # 652.8 kW of DGX H100 + 41.28 kW of QM9700 (with their optics) + 4.352 kW of GPU-end optics
    assert "698.4 kW" in dash.figure_sub("it")
    rack = doc.layout.racks[0]
    doc.remove_device(rack.id, rack.devices[0].u)
    assert dash.figure_text("gpus") == "504"
    doc.undo_stack.undo()
    assert dash.figure_text("gpus") == "512"


def test_inspector_edit_is_one_undo_step(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001"])
    before = dump(doc)
    ed = insp.editor("x_m")
    ed.widget.lineEdit().selectAll()
    qtbot.keyClicks(ed.widget.lineEdit(), "5.4")
    qtbot.keyClick(ed.widget.lineEdit(), Qt.Key.Key_Return)
    assert doc.layout.rack("GPU-0001").x_m == 5.4
    assert doc.undo_stack.count() == 1
    after = dump(doc)
    doc.undo_stack.undo()
    assert dump(doc) == before
    assert insp.editor("x_m").widget.value() == pytest.approx(before["racks"][0]["x_m"])
    doc.undo_stack.redo()
    assert dump(doc) == after


def test_inspector_layout_fields_and_refusals(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    insp.editor("assumptions.pue").widget.setValue(1.25)
    assert doc.layout.assumptions.pue == 1.25
    assert "PUE" in doc.undo_stack.text(0) or "pue" in doc.undo_stack.text(0)
    insp.editor("hall.tile_m").widget.setValue(0.8)
    assert doc.layout.hall.tile_m == 0.8
    doc.select(["GPU-0001"])
    before = list(doc.layout.rack("GPU-0001").feeds)
    feeds = insp.editor("feeds")
    feeds.on_commit(["NOPE"])  # the document refuses an unknown feed
    assert insp.message.isVisible()
    assert doc.layout.rack("GPU-0001").feeds == before


def test_a_typed_override_goes_back_to_the_model_by_typing(qtbot, doc):
    # the PUE override reads "model" when unset: typing that word, or clearing the
    # entry, sets it back to none, and the undo text says "model" as the field does
    from panel_helpers import type_entry

    insp = make(qtbot, InspectorPanel, doc)
    pue = insp.editor("assumptions.pue")
    type_entry(qtbot, pue, "1.1")
    assert doc.layout.assumptions.pue == 1.1
    type_entry(qtbot, pue, "model")
    assert doc.layout.assumptions.pue is None
    assert doc.undo_stack.undoText() == "Set PUE override to model"
    assert pue.widget.text().strip() == "model" and not insp.message.isVisible()
    doc.undo_stack.undo()
    assert doc.layout.assumptions.pue == 1.1
    pue = insp.editor("assumptions.pue")
    le = pue.widget.lineEdit()
    le.setFocus()
    le.selectAll()
    qtbot.keyClick(le, Qt.Key.Key_Delete)
    qtbot.keyClick(le, Qt.Key.Key_Return)
    assert doc.layout.assumptions.pue is None
    assert insp.editor("assumptions.pue").widget.text().strip() == "model"


def test_inspector_multi_selection_with_the_document(qtbot, doc):
    insp = make(qtbot, InspectorPanel, doc)
    doc.select(["GPU-0001", "GPU-0002"])
    assert insp.editor("x_m").mixed
    rot = insp.editor("rotation_deg")
    rot.widget.activated.emit(rot.values.index(0))
    assert {doc.layout.rack(i).rotation_deg for i in ("GPU-0001", "GPU-0002")} == {0}
    assert doc.undo_stack.count() == 1


def test_rule_panel_click_selects_with_the_document(qtbot, doc):
    panel = make(qtbot, RulePanel, doc, (600, 300))
    doc.set_field(["GPU-0002"], "x_m", doc.layout.rack("GPU-0001").x_m)
    row = next(r for r in panel.violation_items() if r.text(0) == "FLOOR-OVERLAP")
    with qtbot.waitSignal(panel.zoom_requested) as sig:
        qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.tree.visualItemRect(row).center())
    assert set(sig.args[0]) == {"GPU-0001", "GPU-0002"}
    assert set(doc.selection) == {"GPU-0001", "GPU-0002"}


def test_elevation_drag_and_drop_with_the_document(qtbot, doc):
    panel = make(qtbot, RackElevationPanel, doc, (340, 820))
    doc.select(["GPU-0001"])
    original = [bb.u for bb, _r in panel.blocks()]
    cv = panel.canvas
    b, rect = max(panel.blocks(), key=lambda br: br[0].u)
    assert cv.fits(40, b.height_u, ignore_u=b.u)
    start = rect.center()
    dy = (b.u - 40) * cv.px_per_u()
    send_mouse(cv, QEvent.Type.MouseButtonPress, start)
    send_mouse(cv, QEvent.Type.MouseMove, QPointF(start.x(), start.y() + dy))
    send_mouse(cv, QEvent.Type.MouseButtonRelease, QPointF(start.x(), start.y() + dy),
               buttons=Qt.MouseButton.NoButton)
    assert 40 in [d.u for d in doc.layout.rack("GPU-0001").devices]
    assert doc.undo_stack.count() == 1
    assert [bb.u for bb, _r in panel.blocks()][-1] == 40
    free_u = next(u for u in range(1, 49) if cv.fits(u, 1))
    cv.device_dropped.emit("qm9700", free_u)
    assert any(d.type == "qm9700" and d.u == free_u
               for d in doc.layout.rack("GPU-0001").devices)
    cv.device_dropped.emit("qm9700", free_u)  # taken now: the refusal shows, nothing raises
    assert panel.message.isVisible() and panel.message.text()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert [bb.u for bb, _r in panel.blocks()] == original


def test_palette_follows_the_document_generation(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    assert "dgx-h100" in pal.visible_entry_ids()
    doc.set_field([edits.LAYOUT_ID], "generation", "blackwell")
    ids = pal.visible_entry_ids()
    assert "gb200-nvl72" in ids and "dgx-h100" not in ids


# -- palette: the document's generation ----------------------------------------------------------

def _listed_generations(pal):
    combo = pal.generation_combo
    return [combo.itemData(i) for i in range(2, combo.count())]  # after "Layout" and "All"


def test_palette_lists_generations_in_the_order_they_shipped(qtbot, doc):
    from engine.retarget import generations

    pal = make(qtbot, PalettePanel, doc)
    listed = _listed_generations(pal)
    shipped = [g for g in generations() if g in listed]
    assert listed[:len(shipped)] == shipped
    assert listed.index("hopper") < listed.index("blackwell") < listed.index("rubin")


def test_palette_follows_a_loaded_layout_after_a_generation_was_picked(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    pal.set_generation("blackwell")
    assert pal.generation() == "blackwell"
    hopper = doc.layout.model_copy(update={"generation": "hopper", "name": "opened"})
    doc.set_layout(hopper)
    assert pal.generation_combo.currentIndex() == 0 and pal.generation() == "hopper"
    assert "Hopper" in pal.generation_combo.currentText()
    ids = pal.visible_entry_ids()
    assert "dgx-h100" in ids and "gb200-nvl72" not in ids


def test_palette_follows_a_generation_change_after_one_was_picked(qtbot, doc):
    pal = make(qtbot, PalettePanel, doc)
    pal.set_generation(None)  # all generations
    doc.set_field([edits.LAYOUT_ID], "generation", "blackwell")
    assert pal.generation() == "blackwell" and "Blackwell" in pal.generation_combo.currentText()
    assert "dgx-h100" not in pal.visible_entry_ids()
    doc.undo_stack.undo()
    assert pal.generation() == doc.layout.generation == "hopper"
