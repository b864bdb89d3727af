"""What the status bar says after a palette drop: where an installed device went (its
rack and U range), and why a drop was refused, naming the entry as the palette does."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from designer.canvas.drops import MIME_CATALOG


def _drop(window, type_id: str, x_m: float, y_m: float) -> None:
    """Drop a palette entry on the floor plan as the mouse does."""
    mime = QMimeData()
    mime.setData(MIME_CATALOG, QByteArray(type_id.encode()))
    pos = window.view.mapFromScene(QPointF(x_m, -y_m))
    ev = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    window.view.dropEvent(ev)


def test_an_install_drop_says_which_rack_and_u_range(window):
    doc = window.document
    bar = window.statusBar()
    _drop(window, "dgx-h100", 7.0, 11.0)  # open floor first: its message must not linger
    assert bar.currentMessage().startswith("Placed NVIDIA DGX H100 in new rack")
    rack = doc.layout.rack("GPU-0001")
    before = {d.u for d in rack.devices}
    _drop(window, "dgx-h100", rack.x_m, rack.y_m)
    new_u = next(d.u for d in doc.layout.rack("GPU-0001").devices if d.u not in before)
    said = bar.currentMessage()
    assert said.startswith(f"Installed NVIDIA DGX H100 in GPU-0001 at U{new_u}–U{new_u + 7}")
    assert doc.undo_stack.undoText() == f"Install NVIDIA DGX H100 in GPU-0001 at U{new_u}"
    # the 65th node starts a third scalable unit: the same message says so
    assert ". Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches; 16 spines" in said


def test_an_install_that_leaves_the_fabric_as_it_was_says_only_where(window):
    doc = window.document
    doc.remove_device("GPU-0002", 3)  # 63 nodes: still 2 scalable units of 32
    rack = doc.layout.rack("GPU-0001")
    _drop(window, "dgx-h100", rack.x_m, rack.y_m)
    assert window.statusBar().currentMessage() == "Installed NVIDIA DGX H100 in GPU-0001 at U38–U45"


def test_a_one_u_install_names_its_single_u(window):
    doc = window.document
    net = next(r for r in doc.layout.racks if r.id.startswith("NET"))
    before = {d.u for d in net.devices}
    _drop(window, "qm9700", net.x_m, net.y_m)
    u = next(d.u for d in doc.layout.rack(net.id).devices if d.u not in before)
    name = doc.catalog.devices["qm9700"].name
    said = window.statusBar().currentMessage()
    assert said == f"Installed {name} in {net.id} at U{u}" or said.startswith(
        f"Installed {name} in {net.id} at U{u}. ")  # and where the fabric's switches went
    # a switch installed where the fabric placed its own moves them: the message says so
    if said != f"Installed {name} in {net.id} at U{u}":
        assert "generated switch" in said and "moved to other network racks" in said


def test_a_refused_drop_names_the_device_not_its_catalog_id(window):
    doc = window.document
    rack = doc.layout.rack("GPU-0001")
    _drop(window, "dgx-h100", rack.x_m, rack.y_m)  # 40 of 48 U used: the last 8 U run
    n = doc.undo_stack.count()
    _drop(window, "dgx-h100", rack.x_m, rack.y_m)  # no 8 U run left
    said = window.statusBar().currentMessage()
    assert said == "Cannot place NVIDIA DGX H100: GPU-0001: no 8 free U in a run"
    assert "dgx-h100" not in said
    assert doc.undo_stack.count() == n, "a refused drop changes nothing"


def test_a_refused_facility_drop_names_the_unit(window):
    door = next(f for f in window.document.catalog.facility.values() if f.kind == "rear_door")
    _drop(window, door.id, 7.0, 11.0)  # a rear door on open floor: no rack to hang it on
    assert window.statusBar().currentMessage() == \
        f"Cannot place {door.name}: Drop a rear door on a rack"
