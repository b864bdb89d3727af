"""The rack elevation in the main window: its keys, and why refused moves and drops fail."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from designer.panels.elevation import ROLE_COLORS
from designer.panels.palette import PalettePanel


def _elevation(window, rack_id="GPU-0001"):
    window.document.select([rack_id])
    panel = window.panels["RackElevationPanel"]
    return panel, panel.canvas


def _click_block(qtbot, cv, u):
    b = next(b for b in cv.blocks if b.u == u)
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton,
                     pos=cv.u_rect(b.u, b.height_u).center().toPoint())
    return b


def test_delete_in_the_elevation_removes_the_device_not_the_rack(qtbot, window):
    doc = window.document
    panel, cv = _elevation(window)
    before = doc.layout.model_dump()
    n = len(doc.layout.rack("GPU-0001").devices)
    top = max(b.u for b in cv.blocks)
    _click_block(qtbot, cv, top)
    assert cv.selected_u == top and cv.hasFocus()
    qtbot.keyClick(cv, Qt.Key.Key_Delete)
    rack = doc.layout.rack("GPU-0001")
    assert rack is not None, "Delete in the elevation must not delete the selected rack"
    assert len(rack.devices) == n - 1 and top not in {d.u for d in rack.devices}
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0).startswith("Remove ")
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before
    doc.undo_stack.redo()
    assert len(doc.layout.rack("GPU-0001").devices) == n - 1


def test_backspace_in_the_elevation_removes_the_device(qtbot, window):
    doc = window.document
    _panel, cv = _elevation(window)
    _click_block(qtbot, cv, min(b.u for b in cv.blocks))
    qtbot.keyClick(cv, Qt.Key.Key_Backspace)
    assert doc.layout.rack("GPU-0001") is not None
    assert len(doc.layout.rack("GPU-0001").devices) == 3


def test_delete_without_a_device_selected_still_deletes_the_rack(qtbot, window):
    doc = window.document
    _panel, cv = _elevation(window)
    cv.setFocus()
    assert cv.selected_u is None
    qtbot.keyClick(cv, Qt.Key.Key_Delete)
    assert doc.item("GPU-0001") is None


def test_a_refused_drag_says_which_device_is_in_the_way(qtbot, window):
    doc = window.document
    panel, cv = _elevation(window)
    low = min(cv.blocks, key=lambda b: b.u)
    nxt = sorted(cv.blocks, key=lambda b: b.u)[1]
    rect = cv.u_rect(low.u, low.height_u)
    start = rect.center()
    end = QPointF(start.x(), start.y() - 4 * cv.px_per_u())  # half onto the next server
    qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=start.toPoint())
    qtbot.mouseMove(cv, QPointF(start.x(), start.y() - 2 * cv.px_per_u()).toPoint())
    qtbot.mouseMove(cv, end.toPoint())
    qtbot.mouseRelease(cv, Qt.MouseButton.LeftButton, pos=end.toPoint())
    assert doc.undo_stack.count() == 0
    text = panel.message.text()
    assert panel.message.isVisibleTo(panel)
    assert f"taken by {nxt.label} at U{nxt.u}" in text and "needs 8 U" in text
    assert text in window.statusBar().currentMessage()


def test_a_device_dropped_outside_the_rack_is_not_moved(qtbot, window):
    """Dragged off the panel (onto the floor plan), the device stays where it was; a
    drag past the rack's top or bottom still moves it to the end U."""
    doc = window.document
    panel, cv = _elevation(window)
    top = max(cv.blocks, key=lambda b: b.u)
    start = cv.u_rect(top.u, top.height_u).center()
    away = QPointF(cv.width() + 40, start.y() - 2 * cv.px_per_u())  # off the panel
    qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=start.toPoint())
    qtbot.mouseMove(cv, QPointF(start.x(), start.y() - 2 * cv.px_per_u()).toPoint())
    # the grabbed panel gets the moves past its edge (as from a real mouse)
    QApplication.sendEvent(cv, QMouseEvent(QEvent.Type.MouseMove, away, cv.mapToGlobal(away),
                                           Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(cv, QMouseEvent(QEvent.Type.MouseButtonRelease, away,
                                           cv.mapToGlobal(away), Qt.MouseButton.LeftButton,
                                           Qt.MouseButton.NoButton,
                                           Qt.KeyboardModifier.NoModifier))
    assert doc.undo_stack.count() == 0
    assert "dropped outside the rack: not moved" in panel.message.text()
    assert [b.u for b in cv.blocks if b.label == top.label and b.u == top.u]


def test_a_blocked_arrow_key_says_why(qtbot, window):
    panel, cv = _elevation(window)
    low = min(cv.blocks, key=lambda b: b.u)
    _click_block(qtbot, cv, low.u)
    qtbot.keyClick(cv, Qt.Key.Key_Up)  # one free U between the servers
    assert window.document.undo_stack.count() == 1 and cv.selected_u == low.u + 1
    qtbot.keyClick(cv, Qt.Key.Key_Up)  # now the next server sits right above
    assert window.document.undo_stack.count() == 1
    assert "taken by" in panel.message.text()
    assert "taken by" in window.statusBar().currentMessage()
    for _ in range(low.u):
        qtbot.keyClick(cv, Qt.Key.Key_Down)
    assert cv.selected_u == 1 and panel.message.text() == ""  # a good move clears it
    n = window.document.undo_stack.count()
    qtbot.keyClick(cv, Qt.Key.Key_Down)
    assert "outside this 48 U rack" in panel.message.text()
    assert window.document.undo_stack.count() == n


def test_a_refused_drop_says_how_much_room_there_is(qtbot, window):
    doc = window.document
    doc.remove_device("GPU-0001", max(d.u for d in doc.layout.rack("GPU-0001").devices))
    panel, cv = _elevation(window)
    # a 4 U switch stack leaves U29-32 ... an 8 U server dropped into a 4 U gap
    doc.install_device("GPU-0001", "qm9700", 30)
    doc.install_device("GPU-0001", "qm9700", 35)
    gap = cv.free_run(33)
    assert 0 < gap < 8
    said = []
    cv.move_refused.connect(said.append)
    u, ok = cv.drop_target("dgx-h100", cv.u_rect(33, 1).center().y())
    assert not ok
    assert f"needs 8 U, {cv.free_run(u) or 'none'}" in cv.refusal(u, 8)
    # what dropEvent does for a refused drop
    mime = PalettePanel.mime_data("dgx-h100")
    assert cv._drop_type(mime) == "dgx-h100"
    cv._refuse(u, 8, None, "Cannot install DGX H100")
    assert said and "needs 8 U" in said[-1] and "taken by" in said[-1]
    assert said[-1] in panel.message.text()


def test_delete_on_a_generated_switch_says_what_it_is_and_keeps_the_rack(qtbot, window):
    doc = window.document
    net = next(r.id for r in doc.layout.racks if r.id.startswith("NET"))
    panel, cv = _elevation(window, net)
    assert cv.generated, "the fabric places switches in the network rack's free U"
    g = cv.generated[0]
    said = []
    cv.move_refused.connect(said.append)
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton,
                     pos=cv.u_rect(g.u, g.height_u).center().toPoint())
    assert cv.picked_generated is g and cv.selected_u is None
    n = doc.undo_stack.count()
    for key in (Qt.Key.Key_Delete, Qt.Key.Key_Up):
        qtbot.keyClick(cv, key)
    assert doc.item(net) is not None and doc.undo_stack.count() == n
    assert said and "follows the fabric" in said[-1]
    # dragged, it does not move either, and says so (once per drag)
    said.clear()
    start = cv.u_rect(g.u, g.height_u).center().toPoint()
    qtbot.mousePress(cv, Qt.MouseButton.LeftButton, pos=start)
    for dy in (-6, -12, -30):
        qtbot.mouseMove(cv, start + QPoint(0, dy))
    qtbot.mouseRelease(cv, Qt.MouseButton.LeftButton, pos=start + QPoint(0, -30))
    assert len(said) == 1 and "follows the fabric" in said[0]
    assert doc.undo_stack.count() == n


def test_a_real_switch_dropped_on_a_planned_one_stands_for_it(qtbot, window):
    """The drop ghost over a generated leaf at its U says it is that planned switch; the
    switch installed there takes its place: the fabric keeps its switch count, and the
    generated switch drawn at that U is gone (the real one stands there)."""
    doc = window.document
    net = next(r.id for r in doc.layout.racks if r.id.startswith("NET"))
    panel, cv = _elevation(window, net)
    g = cv.generated[0]
    assert cv.planned_at(g.type_id, g.u, g.height_u) is g
    assert cv.planned_at(g.type_id, g.u + 40, g.height_u) is None
    assert cv.planned_at("sn2201", g.u, g.height_u) is None
    before = doc.analysis.network.switch_counts()
    n_gen = len(cv.generated)
    cv.device_dropped.emit(g.type_id, g.u)
    qtbot.waitUntil(lambda: len(cv.generated) == n_gen - 1)
    assert doc.analysis.network.switch_counts() == before
    assert all(b.u != g.u for b in cv.generated)
    assert [b.u for b in cv.blocks if b.type_id == g.type_id] == [g.u]


def _refused(qtbot, window):
    panel, cv = _elevation(window)
    low = min(cv.blocks, key=lambda b: b.u)
    _click_block(qtbot, cv, low.u)
    qtbot.keyClick(cv, Qt.Key.Key_Up)
    qtbot.keyClick(cv, Qt.Key.Key_Up)  # the next server sits right above: refused
    assert "Cannot move" in panel.message.text()
    return panel


@pytest.mark.parametrize("then", ["edit elsewhere", "undo", "save", "select another",
                                  "select the same rack again", "open another layout"])
def test_a_refusal_goes_with_the_next_thing_that_succeeds(qtbot, window, tmp_path, then):
    doc = window.document
    panel = _refused(qtbot, window)
    if then == "edit elsewhere":
        doc.set_field(["CRAH-1"], "capacity_kw", 90.0)
    elif then == "undo":
        doc.undo_stack.undo()
    elif then == "save":
        doc.save(tmp_path / "hall.json")
    elif then == "select another":
        doc.select(["GPU-0002"])
    elif then == "select the same rack again":
        doc.select([])
        doc.select(["GPU-0001"])
    else:
        doc.set_layout(doc.layout.model_copy(update={"name": "another"}))
        doc.select(["GPU-0001"])
    assert panel.message.text() == "" and panel.message.toolTip() == ""


def test_a_refusal_stays_while_nothing_else_happens(qtbot, window):
    panel = _refused(qtbot, window)
    window.document.wait_for_analysis()
    qtbot.wait(10)
    assert "Cannot move" in panel.message.text()


def test_a_48u_rack_scales_to_the_dock_down_to_a_legible_minimum(qtbot, doc):
    from panel_helpers import make

    from designer.panels import RackElevationPanel

    panel = make(qtbot, RackElevationPanel, doc, (330, 400))  # the dock at 1600 x 1000
    doc.select(["GPU-0001"])
    qtbot.wait(10)
    cv, bar = panel.canvas, panel.scroll.verticalScrollBar()
    assert cv.height_u == 48
    assert bar.maximum() == 0, "the whole rack in view"
    rack = cv.rack_rect()
    assert rack.top() >= 0 and rack.bottom() <= panel.scroll.viewport().height()
    assert cv.px_per_u() >= 4.5
    # the 8 U servers keep their name and figures on two lines at this scale
    assert cv.u_rect(1, 8).height() >= 3.2 * 10
    panel.resize(330, 200)  # shorter than the minimum: it scrolls instead of shrinking on
    qtbot.wait(10)
    assert cv.px_per_u() == 4.5 and bar.maximum() > 0


def test_a_generated_switch_lower_than_its_text_keeps_its_label_inside_the_rack(qtbot, window):
    from PySide6.QtGui import QColor, QImage

    from designer.panels.elevation import DeviceBlock

    panel, cv = _elevation(window)
    cv.generated = [DeviceBlock("qm9700", cv.height_u, 1, "leaf QM9700", "", "switch",
                                is_generated=True, fabric="compute")]
    cv.resize(260, int(cv.minimumSizeHint().height()))  # a U of 4.5 px: lower than a line
    img = QImage(cv.size(), QImage.Format.Format_RGB32)
    cv.render(img)
    top = int(cv.rack_rect().top())
    ink = QColor(ROLE_COLORS["switch"]).darker(130)

    def inked(y0: int, y1: int) -> int:
        return sum(1 for y in range(max(y0, 0), y1) for x in range(img.width())
                   if sum(abs(a - b) for a, b in zip(QColor(img.pixel(x, y)).getRgb()[:3],
                                                     ink.getRgb()[:3], strict=True)) < 60)
    rows = [y for y in range(top - 8, top + 20) if inked(y, y + 1)]
    assert rows and rows[0] > top, "no text over or above the rack's top"
    assert rows[-1] - rows[0] >= 5, "a whole line of text, not its lower half"


def test_one_u_devices_have_a_label_a_tooltip_and_a_visible_selection(qtbot, doc):
    # a network rack with two QM9700 in U40-41: at the dock's default scale each is
    # labelled, has a tooltip and shows when selected, not a bare bar
    from panel_helpers import make
    from PySide6.QtGui import QColor, QImage

    from designer.panels import RackElevationPanel

    doc.install_device("NET-0001", "qm9700", 40)
    doc.install_device("NET-0001", "qm9700", 41)
    doc.install_device("NET-0001", "sn2201", 30)
    panel = make(qtbot, RackElevationPanel, doc, (330, 400))
    doc.select(["NET-0001"])
    qtbot.wait(10)
    cv = panel.canvas
    assert cv.u_rect(40, 1).height() < 8, "a U lower than a line of text"

    def render() -> QImage:
        img = QImage(cv.size(), QImage.Format.Format_RGB32)
        cv.render(img)
        return img

    def count(img, rect, near, tol=60) -> int:
        c = QColor(near).getRgb()[:3]
        return sum(1 for y in range(max(int(rect.top()), 0), min(int(rect.bottom()) + 1,
                                                                  img.height()))
                   for x in range(max(int(rect.left()), 0), min(int(rect.right()) + 1,
                                                                 img.width()))
                   if sum(abs(a - b) for a, b in zip(QColor(img.pixel(x, y)).getRgb()[:3], c,
                                                     strict=True)) < tol)

    # a label a line high, in white on the switch colour, for the pair and for U30: grown
    # into the free U around them, inside the rack, where a run is lower than a line of text
    img = render()
    plates = {p.u: p for p in cv.label_plates()}
    rack = cv.rack_rect()
    for u in (40, 30):
        assert not plates[u].is_beside
        assert rack.left() < plates[u].rect.left() and plates[u].rect.right() < rack.right()
    for u in (40, 30):
        assert count(img, plates[u].rect, "white", tol=15) > 40, f"no text at U{u}"
    texts = sorted(p.text for p in cv.label_plates())
    assert texts == ["2 x Quantum-2 QM9700 (NDR InfiniBand)",
                     "Spectrum SN2201 (1GbE management)"]
    # every device has a tooltip: model, U and power
    tip = cv.tooltip_at(cv.u_rect(41, 1).center())
    assert "Quantum-2 QM9700" in tip and "U41 (1 U)" in tip and "1.72 kW" in tip
    assert "U30 (1 U)" in cv.tooltip_at(cv.u_rect(30, 1).center())
    # clicking the pair's label picks the switch under the cursor; the selection shows
    # as a ring round its label and a tab on the U ruler
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton, pos=cv.u_rect(41, 1).center().toPoint())
    assert cv.selected_u == 41
    img = render()
    gutter = QRectF(0, cv.u_rect(41, 1).top() - 4, cv.rack_rect().left() - 2, 12)
    assert count(img, gutter, "#ff8f00") > 40, "the selected U marked on the ruler"
    ring = plates[40].rect.adjusted(-1, -1, 1, 1)
    assert count(img, ring, "#ff8f00") > 2 * ring.width(), "a ring round the selected device"
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton, pos=cv.u_rect(30, 1).center().toPoint())
    assert cv.selected_u == 30
    assert count(render(), gutter, "#ff8f00") == 0


# a rack of four DGX H100 with 1 U devices between and above them
_SMALL = ((1, "sn2201"), (2, "sn2201"), (11, "epyc-9004-2s"), (20, "epyc-9004-2s"),
          (29, "grace-superchip-node"), (38, "qm9700"), (39, "qm9700"), (40, "qm9700"),
          (41, "qm9700"), (42, "xeon6-2s"), (44, "qm9790"), (45, "qm9790"), (46, "sn2201"))
#: the elevation dock at 1280 x 800, 1920 x 1080 and 2560 x 1440
_DOCK_SIZES = ((275, 294), (330, 416), (330, 572))


def _crowded(qtbot, doc, size):
    from panel_helpers import make

    from designer.panels import RackElevationPanel

    assert [d.u for d in doc.layout.rack("GPU-0001").devices] == [3, 12, 21, 30]
    for u, type_id in _SMALL:
        doc.install_device("GPU-0001", type_id, u)
    panel = make(qtbot, RackElevationPanel, doc, size)
    doc.select(["GPU-0001"])
    qtbot.wait(10)
    return panel.canvas


def _overlap(a: QRectF, b: QRectF) -> bool:
    r = a.intersected(b)
    return r.width() > 0.5 and r.height() > 0.5


def _is_low(cv, b) -> bool:
    return cv.u_rect(b.u, b.height_u).height() - 2 < 10


@pytest.mark.parametrize("size", _DOCK_SIZES)
def test_labels_never_cover_each_other_or_another_device(qtbot, doc, size):
    cv = _crowded(qtbot, doc, size)
    plates = cv.label_plates()
    assert plates
    for i, p in enumerate(plates):
        for q in plates[i + 1:]:
            assert not _overlap(p.rect, q.rect), f"{p.text} covers {q.text}"
        for b in cv.blocks:
            if not p.holds(b.u):
                assert not _overlap(p.rect, cv.u_rect(b.u, b.height_u)), \
                    f"the label of U{p.u} covers {b.label} at U{b.u}"
        assert p.rect.top() >= 0 and p.rect.bottom() <= cv.height()
        assert p.rect.right() <= cv.width()


@pytest.mark.parametrize("size", _DOCK_SIZES)
def test_every_low_device_has_a_name_where_there_is_room(qtbot, doc, size):
    cv = _crowded(qtbot, doc, size)
    low = [b for b in cv.blocks if _is_low(cv, b)]
    assert low, "the rack at this size has devices lower than a line of text"
    for b in low:
        assert any(p.holds(b.u) for p in cv.label_plates()), f"{b.label} at U{b.u} has no name"
        assert f"U{b.u}" in cv.tooltip_at(cv.u_rect(b.u, b.height_u).center())
    assert cv.unnamed_runs() == []


@pytest.mark.parametrize("size", _DOCK_SIZES)
def test_selecting_a_device_changes_no_label(qtbot, doc, size):
    from PySide6.QtGui import QImage

    cv = _crowded(qtbot, doc, size)

    def shown():
        return [(p.u, p.height_u, p.text, p.rect.getRect()) for p in cv.label_plates()]

    def render() -> QImage:
        img = QImage(cv.size(), QImage.Format.Format_RGB32)
        cv.render(img)
        return img

    before, img0 = shown(), render()
    for u in (44, 42, 11, 38):
        qtbot.mouseClick(cv, Qt.MouseButton.LeftButton, pos=cv.u_rect(u, 1).center().toPoint())
        assert cv.selected_u == u
        assert shown() == before, f"selecting U{u} changed the labels"
    # the ring stays in the device's own box (or its label's): nothing else is redrawn
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton, pos=cv.u_rect(44, 1).center().toPoint())
    img1 = render()
    b = cv.selected_block()
    own = [cv.u_rect(b.u, b.height_u).adjusted(0, 0, 0, 1)]
    for p in cv.label_plates():
        if p.holds(b.u):
            own.append(p.rect.adjusted(-1, -1, 1, 1))
            if p.leader:
                xs, ys = [q.x() for q in p.leader], [q.y() for q in p.leader]
                own.append(QRectF(min(xs) - 2, min(ys) - 2, max(xs) - min(xs) + 4,
                                  max(ys) - min(ys) + 4))
    left = cv.rack_rect().left() - 1  # the U tab on the ruler
    for y in range(cv.height()):
        for x in range(int(left), cv.width()):
            if img0.pixel(x, y) != img1.pixel(x, y):
                assert any(r.contains(QPointF(x + 0.5, y + 0.5)) for r in own), \
                    f"selecting U44 redrew ({x}, {y}), outside its box and its label"


@pytest.mark.parametrize("size", _DOCK_SIZES)
def test_a_lone_one_u_device_is_named_inside_the_rack(qtbot, doc, size):
    """A 1 U switch at the bottom of an empty rack is named on a plate inside the rack's
    frame, grown up into the free U above it, with its whole name where the rack is wide
    enough; the rack keeps its full width (no label column beside it)."""
    from panel_helpers import make
    from PySide6.QtGui import QFontMetrics

    from designer.panels import RackElevationPanel

    for d in list(doc.layout.rack("GPU-0001").devices):
        doc.remove_device("GPU-0001", d.u)
    doc.install_device("GPU-0001", "qm9700", 1)
    panel = make(qtbot, RackElevationPanel, doc, size)
    doc.select(["GPU-0001"])
    qtbot.wait(10)
    cv = panel.canvas
    (b,) = cv.blocks
    assert _is_low(cv, b)
    (plate,) = cv.label_plates()
    rack = cv.rack_rect()
    assert not plate.is_beside and cv.unnamed_runs() == []
    assert rack.right() >= cv.width() - 12, "no label column: the rack takes the width"
    assert rack.left() < plate.rect.left() and plate.rect.right() < rack.right()
    assert rack.top() < plate.rect.top() and plate.rect.bottom() < rack.bottom()
    assert _overlap(plate.rect, cv.u_rect(1, 1))
    fm = QFontMetrics(cv._plate_font())
    # the model's name whole, its description too where there is room
    assert fm.horizontalAdvance(plate.text.split(" (")[0]) < plate.rect.width() - 12
    # the plate answers for its device: hover and click
    at = plate.rect.center()
    assert "U1 (1 U)" in cv.tooltip_at(at)
    qtbot.mouseClick(cv, Qt.MouseButton.LeftButton, pos=at.toPoint())
    assert cv.selected_u == 1


def test_a_rack_with_more_names_than_room_marks_the_rest(qtbot, doc):
    from panel_helpers import make

    from designer.panels import RackElevationPanel

    for d in list(doc.layout.rack("GPU-0001").devices):
        doc.remove_device("GPU-0001", d.u)
    for u in range(1, 49):  # alternating models: no two alike neighbours share a label
        doc.install_device("GPU-0001", "sn2201" if u % 2 else "qm9700", u)
    panel = make(qtbot, RackElevationPanel, doc, (275, 294))
    doc.select(["GPU-0001"])
    qtbot.wait(10)
    cv = panel.canvas
    plates, unnamed = cv.label_plates(), cv.unnamed_runs()
    assert plates and unnamed
    named = {p.u for p in plates}
    assert named.isdisjoint(u for _b, u, _h in unnamed)
    assert named | {u for _b, u, _h in unnamed} == set(range(1, 49))
    for i, p in enumerate(plates):
        assert not any(_overlap(p.rect, q.rect) for q in plates[i + 1:])
    for _b, u, _h in unnamed:  # each still says what it is
        assert f"U{u} (1 U)" in cv.tooltip_at(cv.u_rect(u, 1).center())
    # the same contents at the same size give the same labels, whatever came between
    shown = [(p.u, p.rect.getRect()) for p in plates]
    panel.resize(330, 572)
    qtbot.wait(10)
    assert [(p.u, p.rect.getRect()) for p in cv.label_plates()] != shown
    panel.resize(275, 294)
    qtbot.wait(10)
    assert [(p.u, p.rect.getRect()) for p in cv.label_plates()] == shown


def test_the_pick_follows_a_device_an_undo_puts_back(qtbot, window):
    """Up moves the picked server a U; Ctrl+Z puts it back and it stays picked, so the
    Delete that follows removes that server, not the rack (an undo used to drop the
    pick, and Delete then took the whole rack and its 32 GPUs off the floor)."""
    doc = window.document
    _panel, cv = _elevation(window)
    top = max(b.u for b in cv.blocks)
    _click_block(qtbot, cv, top)
    qtbot.keyClick(cv, Qt.Key.Key_Up)
    assert cv.selected_u == top + 1
    doc.undo_stack.undo()
    assert {d.u for d in doc.layout.rack("GPU-0001").devices} >= {top}
    assert cv.selected_u == top and cv.selected_block() is not None
    n = len(doc.layout.rack("GPU-0001").devices)
    qtbot.keyClick(cv, Qt.Key.Key_Delete)
    rack = doc.item("GPU-0001")
    assert rack is not None and len(rack.devices) == n - 1
    assert top not in {d.u for d in rack.devices}
