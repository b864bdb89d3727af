"""Edit → New fabric in a real window: the switch it proposes and what it says
of one without figures, the designs "Start from" offers for a DGX H200 beside a DGX H100
fabric, and the note that explains a third scalable unit's 16 spines (the DGX SuperPOD
RA's spine count for 4 SU, see tests/engine/test_fabric_plan_suggestions.py)."""

from __future__ import annotations

import pytest

from engine.model import MountedDevice, Rack


@pytest.fixture
def h200_doc(qapp, default_layout, builtin_catalog, recovery_dir):
    """The default hall (a 2-SU DGX H100 fabric of 64 nodes) and a rack with one DGX H200
    in no fabric."""
    from designer.document import LayoutDocument

    h200 = Rack(id="H200-1", type="rack-800x1200", x_m=1.0, y_m=1.0,
                devices=[MountedDevice(type="dgx-h200", u=1)])
    x_max = max(r.x_m for r in default_layout.racks)
    y_max = max(r.y_m for r in default_layout.racks)
    h200 = h200.model_copy(update={"x_m": x_max, "y_m": y_max + 2.4})
    lay = default_layout.model_copy(update={"racks": [*default_layout.racks, h200]})
    d = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    yield d
    d.close()


def _dialog(qtbot, doc, selection):
    from designer.dialogs.fabric_dialog import FabricDialog

    dlg = FabricDialog(doc.layout, doc.catalog, selection)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _preview(qtbot, dlg) -> str:
    dlg.wait_for_preview()
    qtbot.waitUntil(lambda: "Computing" not in dlg.preview.text(), timeout=30_000)
    return dlg.preview.text()


def _net_rack(doc) -> str:
    return next(r.id for r in doc.layout.racks if r.id.startswith("NET"))


def test_front_end_starts_on_a_switch_with_figures_and_says_when_one_lacks_them(
        h200_doc, qtbot):
    dlg = _dialog(qtbot, h200_doc, ["H200-1", _net_rack(h200_doc)])
    dlg.purpose.setCurrentIndex(dlg.purpose.findData("front_end"))
    dev = h200_doc.catalog.devices[dlg.switch.currentData()]
    assert dev.power_max_w.value is not None and dev.weight_kg.value is not None
    assert dlg.speed.value() == 100
    assert not dlg.switch_note.isVisible()
    # (its 100G SR4 optics have no power figure: that it says, not the switch's)
    assert f"no power figure for {dlg.switch.currentData()}" not in _preview(qtbot, dlg)
    # the architect picks the SN4600C: the dialog says it counts as 0 W / 0 kg
    dlg.switch.setCurrentIndex(dlg.switch.findData("sn4600c"))
    assert dlg.switch_note.isVisible()
    assert "no power or weight figure" in dlg.switch_note.text()
    assert "0 W and 0 kg" in dlg.switch_note.text()
    assert "no power or weight figure" in dlg.switch.currentText()
    assert "FIGURE-UNKNOWN" in _preview(qtbot, dlg)
    dlg.switch.setCurrentIndex(dlg.switch.findData("qm9700"))
    dlg.purpose.setCurrentIndex(dlg.purpose.findData("scale_out"))
    assert not dlg.switch_note.isVisible()


def test_start_from_offers_no_dgx_h100_design_for_a_dgx_h200(h200_doc, qtbot):
    # selected with racks of the DGX H100 fabric, the H200 rack is the only new member
    dlg = _dialog(qtbot, h200_doc, ["H200-1", "GPU-0001", _net_rack(h200_doc)])
    offered = [dlg.design.itemText(i) for i in range(dlg.design.count())]
    assert not any("H100" in t for t in offered), offered
    assert dlg.design.currentData() == "join:compute"
    assert dlg.problem.text() == "" and dlg._ok.isEnabled()


def test_a_refused_design_is_said_by_name_and_start_from_stays_open(h200_doc, qtbot):
    # a design that does not apply (as the list offered before): the refusal names the
    # design and the servers, and "Start from" stays enabled so another can be picked
    dlg = _dialog(qtbot, h200_doc, ["H200-1", _net_rack(h200_doc)])
    dlg.design.addItem("NVIDIA DGX SuperPOD with DGX H100", "dgx-h100-superpod")
    dlg.design.setCurrentIndex(dlg.design.count() - 1)
    said = dlg.problem.text()
    assert "NVIDIA DGX H200" in said and "NVIDIA DGX SuperPOD with DGX H100" in said
    assert "dgx-h100-superpod" not in said and "fabric preset" not in said
    assert dlg.design.isEnabled() and not dlg._ok.isEnabled()
    assert dlg._ok.text() == "Add fabric"
    dlg.design.setCurrentIndex(dlg.design.findData("catalog"))
    assert dlg.problem.text() == "" and dlg._ok.isEnabled() and dlg.switch.isEnabled()


def test_joining_the_h200_previews_24_leaves_and_16_spines_and_says_why(h200_doc, qtbot):
    dlg = _dialog(qtbot, h200_doc, ["H200-1"])
    assert dlg.design.currentData() == "join:compute"
    assert "1 rack (1 server, 8 GPUs) joins the 16 racks of compute" in dlg.members.text()
    text = _preview(qtbot, dlg)
    assert "24 leaf, 16 spine" in text
    assert "16 spines, not the 12 with enough ports" in text
    assert "the DGX SuperPOD RA's count for up to 4 SU" in text


def test_the_status_note_says_why_a_third_su_has_16_spines(doc):
    # one DGX H200 dropped into the 64-node fabric: +8 leaf (a third SU, one per rail)
    # and +8 spine (16, the RA's 4-SU spine tier), and the note says both
    said = []
    doc.fabric_resized.connect(said.append)
    doc.install_device("GPU-0001", "dgx-h200")
    net = {f["id"]: f for f in doc.analysis.network.fabrics}["compute"]
    assert net["switches"] == {"leaf": 24, "spine": 16, "core": 0}
    assert said == ["Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches; "
                    "16 spines, not the 12 with enough ports: a leaf's 32 uplinks split "
                    "evenly over 16, 2 to each; the DGX SuperPOD RA's count for up to 4 SU)"]
    doc.undo_stack.undo()  # back at 8 spines, which the ports give: nothing to explain
    assert said[-1] == "Fabric compute: 2 scalable units now (−8 leaf, −8 spine switches)"


def test_the_status_bar_names_the_step_and_what_it_did_to_the_fabric(window):
    # an undo that shrinks a fabric says both: "Undone: <edit>. Fabric compute: ..."
    doc = window.document
    doc.install_device("GPU-0001", "dgx-h200")
    doc.undo_stack.undo()
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Undone: {doc.undo_stack.command(0).text()}. ")
    assert said.endswith(". Fabric compute: 2 scalable units now (−8 leaf, −8 spine switches)")
    doc.undo_stack.redo()
    said = window.statusBar().currentMessage()
    assert said.startswith(f"Redone: {doc.undo_stack.command(0).text()}. ")
    assert ". Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches;" in said
    # a new edit reads as done again
    doc.undo_stack.undo()
    doc.install_device("GPU-0002", "dgx-h200")
    assert window.statusBar().currentMessage().startswith("Installed NVIDIA DGX H200 in ")


def test_a_long_note_ends_in_an_ellipsis_before_the_totals(window):
    bar = window.statusBar()
    window.resize(900, 700)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    long = "Fabric compute: " + "a very long note about spines and leaves " * 8
    bar.showMessage(long, 5000)
    assert bar.currentMessage() == long and bar.toolTip() == long
    shown = super(type(bar), bar).currentMessage()
    assert shown.endswith("…") and len(shown) < len(long)
    right = bar.fontMetrics().horizontalAdvance(shown)
    assert right < window.totals_label.x(), "the note ends before the totals begin"


def test_a_fabric_over_fewer_servers_than_an_su_says_it_is_built_for_the_whole_su(
        builtin_catalog):
    """One DGX server in a rail-optimized fabric of 32-node SUs gets 8 leaves and their
    uplinks for the whole SU, as the reference architectures wire it: the preview says
    so, and how to size it to the servers there are; a full SU needs no word."""
    from designer.dialogs.fabric_dialog import preview_text
    from engine.model import Fabric, FabricTier

    fabric = Fabric(id="f", topology="rail_optimized", su_nodes=32, members=["R1"],
                    tiers=[FabricTier(name="leaf", switch="qm9700"),
                           FabricTier(name="spine", switch="qm9700")])
    figures = {"tiers": 2, "nodes": 1, "gpus": 8, "link_gbps": 400,
               "switches": {"leaf": 8, "spine": 4}, "cables": {"node_leaf": 8,
                                                             "leaf_spine": 256}}
    text = preview_text(figures, [], builtin_catalog, fabric)
    assert "Built for a whole scalable unit of 32 nodes (1 now)" in text
    assert "Built for a whole" not in preview_text({**figures, "nodes": 32}, [],
                                                   builtin_catalog, fabric)


def test_the_preview_names_each_rule_by_its_severity_and_the_fabrics_own_first(
        builtin_catalog):
    from designer.dialogs.fabric_dialog import preview_text
    from engine.model import Fabric, FabricTier

    fabric = Fabric(id="f", tiers=[FabricTier(name="leaf", switch="qm9700")])
    figures = {"tiers": 1, "nodes": 32, "gpus": 256, "link_gbps": 400,
               "switches": {"leaf": 8}, "cables": {"node_leaf": 256}}
    found = [{"code": "COOL-N1", "severity": "error", "message": f"group {k}"}
             for k in range(4)]
    found += [{"code": "FABRIC-NO-ROOM", "severity": "error", "message": "no room"},
              {"code": "FABRIC-SINGLE-HOMED", "severity": "info", "message": "one leaf"}]
    text = preview_text(figures, found, builtin_catalog, fabric)
    assert "Info FABRIC-SINGLE-HOMED" in text and "Warning FABRIC-SINGLE-HOMED" not in text
    # the fabric's own error is among the three shown, the power and cooling ones after
    assert "Error FABRIC-NO-ROOM" in text and text.index("FABRIC-NO-ROOM") < text.index(
        "COOL-N1") and "… and 2 more" in text


def test_an_empty_rack_selected_with_new_servers_means_a_fabric_of_their_own(
        h200_doc, qtbot):
    # a rack with no server in no fabric's network racks, picked with the new servers: the
    # dialog starts on a fabric of their own with it as network rack; joining stays offered
    empty = Rack(id="NEW-NET", type="rack-800x1200", x_m=1.0, y_m=1.0)
    h200 = h200_doc.layout.rack("H200-1")
    empty = empty.model_copy(update={"x_m": h200.x_m + 0.8, "y_m": h200.y_m})
    h200_doc.add_racks([empty])
    dlg = _dialog(qtbot, h200_doc, ["H200-1", "NEW-NET"])
    assert not (dlg.design.currentData() or "").startswith("join:")
    offered = [dlg.design.itemData(i) for i in range(dlg.design.count())]
    assert "join:compute" in offered
    assert dlg._plan is not None and dlg._plan.fabric.network_racks == ["NEW-NET"]
