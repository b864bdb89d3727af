"""Edit → New fabric: the dialog's suggestion, its preview, and one undoable command.

The hall: 8 racks of 4 DGX H100 (32 nodes, one DGX SuperPOD scalable unit) and two
empty racks for the switches; the RA builds one SU from 8 QM9700 leaves and 4 spines
[S41], which the preview and then the live analysis must show.
"""

from __future__ import annotations

import pytest

from engine.catalog import load_catalog
from engine.model import Hall, Layout, MountedDevice, Rack


@pytest.fixture
def hand_hall(qapp, recovery_dir):
    from designer.document import LayoutDocument

    racks = [Rack(id=f"R{i:02d}", type="rack-800x1200", x_m=2.0 + 0.8 * i, y_m=3.0,
                  devices=[MountedDevice(type="dgx-h100", u=1 + 10 * k) for k in range(4)])
             for i in range(8)]
    racks += [Rack(id=f"NET{i}", type="rack-800x1200", x_m=8.4 + 0.8 * i, y_m=3.0)
              for i in range(2)]
    lay = Layout(name="Hand-built", hall=Hall(outline=[(0, 0), (16, 0), (16, 8), (0, 8)]),
                 racks=racks)
    d = LayoutDocument(lay, catalog=load_catalog(user_dir=None), analysis_mode="sync",
                       autosave_ms=0)
    yield d
    d.close()


@pytest.fixture
def win(qtbot, hand_hall):
    from panel_helpers import open_window

    return open_window(qtbot, hand_hall)


def test_dialog_proposes_the_superpod_fabric_and_previews_it(win, hand_hall, qtbot):
    hand_hall.select([r.id for r in hand_hall.layout.racks])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.wait_for_preview()
    qtbot.waitUntil(lambda: "Computing" not in dlg.preview.text(), timeout=30_000)
    assert "dgx-h100" in dlg.basis.text()
    assert "8 racks (32 servers, 256 GPUs)" in dlg.members.text()
    assert "NET0, NET1" in dlg.network.text()
    assert "8 leaf, 4 spine" in dlg.preview.text()
    assert "256 node–leaf" in dlg.preview.text()
    assert dlg._ok.isEnabled()
    f = dlg.fabric()
    assert f.members == []  # the whole hall's servers: racks added later join too
    assert f.network_racks == ["NET0", "NET1"]


def test_changing_the_form_changes_the_fabric_and_its_preview(win, hand_hall, qtbot):
    hand_hall.select([r.id for r in hand_hall.layout.racks])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    dlg.follow.setChecked(False)
    dlg.oversub.setValue(2.0)
    dlg.tiers.setValue(2)
    dlg.wait_for_preview()
    qtbot.waitUntil(lambda: "Computing" not in dlg.preview.text(), timeout=30_000)
    f = dlg.fabric()
    assert [t.name for t in f.tiers] == ["leaf", "spine"]
    assert f.tiers[0].oversubscription == 2.0
    assert f.members == [f"R{i:02d}" for i in range(8)]
    # 2:1 at the leaves halves the uplinks: 2 spines take the 8 leaves' 128 uplinks
    assert "8 leaf, 2 spine" in dlg.preview.text()


def test_no_server_in_the_selection_says_what_to_select(win, hand_hall, qtbot):
    hand_hall.select(["NET0"])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    assert not dlg._ok.isEnabled()
    assert "select racks holding GPU servers" in dlg.problem.text()
    assert dlg.fabric() is None


def test_adding_the_fabric_is_one_undoable_command(win, hand_hall, monkeypatch):
    from designer.dialogs import fabric_dialog

    hand_hall.select([r.id for r in hand_hall.layout.racks])
    before = hand_hall.layout.model_dump()
    monkeypatch.setattr(fabric_dialog.FabricDialog, "exec", lambda self: 1)
    fid = win.new_fabric()
    hand_hall.wait_for_analysis()
    after = hand_hall.layout.model_dump()
    assert [f.id for f in hand_hall.layout.fabrics] == [fid]
    assert hand_hall.selection == [fid]
    net = hand_hall.analysis.network
    assert net.switches_by_tier.get("leaf") == 8 and net.switches_by_tier.get("spine") == 4
    assert net.per_gpu_bisection_gbps == pytest.approx(400.0)
    assert "fabric" in hand_hall.undo_stack.undoText().lower()
    hand_hall.undo_stack.undo()
    assert hand_hall.layout.model_dump() == before
    hand_hall.undo_stack.redo()
    assert hand_hall.layout.model_dump() == after


def test_a_refused_selection_leaves_only_the_purpose_to_change(win, hand_hall, qtbot):
    hand_hall.select(["NET0"])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    assert dlg.purpose.isEnabled()
    assert not any(w.isEnabled() for w in (dlg.switch, dlg.speed, dlg.rails, dlg.su, dlg.tiers))


def test_nothing_selected_in_a_hall_of_one_fabric_speaks_of_the_hall(win, hand_hall, qtbot):
    """Every server already in a compute fabric, nothing selected: the dialog says the
    hall's servers are in it (it spoke of "the selected racks"), and shows no switch
    (the list's first, a 1 GbE management switch, stood greyed in a compute form)."""
    hand_hall.select([r.id for r in hand_hall.layout.racks])
    first = win.fabric_dialog()
    qtbot.addWidget(first)
    hand_hall.add_fabric(first.fabric())
    hand_hall.select([])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    assert "every server of the hall is in fabric" in dlg.problem.text()
    assert dlg.switch.currentIndex() == -1 and dlg.fabric() is None


def test_a_storage_network_shows_in_the_inspector_per_node(win, hand_hall, monkeypatch, qtbot):
    # a storage network has no per-GPU figure: the inspector gives its bisection per node
    from designer.dialogs import fabric_dialog

    hand_hall.select([r.id for r in hand_hall.layout.racks])
    monkeypatch.setattr(fabric_dialog.FabricDialog, "exec", lambda self: 1)

    def storage(self):
        self.purpose.setCurrentIndex(self.purpose.findData("storage"))
        return Fabric_of(self)

    Fabric_of = fabric_dialog.FabricDialog.fabric  # noqa: N806 - the original method
    monkeypatch.setattr(fabric_dialog.FabricDialog, "fabric", storage)
    fid = win.new_fabric()
    hand_hall.wait_for_analysis()
    qtbot.wait(50)
    assert hand_hall.selection == [fid]
    assert hand_hall.layout.fabrics[-1].purpose == "storage"
    text = " ".join(lab.text() for lab in win.panels["InspectorPanel"].findChildren(
        __import__("PySide6.QtWidgets").QtWidgets.QLabel))
    assert "per node" in text


def test_the_narrow_switches_tile_tells_every_tier_of_every_network_apart():
    from designer.panels.dashboard import _tier_short

    names = ["leaf", "spine", "core"] + [f"{p} {t}" for p in ("front-end", "storage",
                                                               "management")
                                         for t in ("leaf", "spine", "core")]
    short = [_tier_short(n) for n in names]
    assert len(set(short)) == len(short)
    assert short[:3] == ["L", "S", "C"] and "St-S" in short and "Mg-L" in short
    assert _tier_short("unassigned") == "other"  # installed switches in no fabric


def test_loose_racks_join_the_fabric_of_their_servers_by_default(win, hand_hall, qtbot,
                                                                  monkeypatch):
    # the fabric serves R00..R05 (24 DGX); R06 and R07 hold 8 DGX more, in no fabric. The
    # dialog's first choice adds them to it: 32 DGX are one scalable unit, 8 leaves and
    # 4 spines as before [S41], not an island of 8 leaves and 4 spines of their own
    from designer.dialogs import fabric_dialog
    from engine.fabric_plan import suggest_fabric

    six = [f"R{i:02d}" for i in range(6)]
    f = suggest_fabric(hand_hall.layout, hand_hall.catalog, [*six, "NET0", "NET1"]).fabric
    hand_hall.add_fabric(f)
    hand_hall.wait_for_analysis()
    assert hand_hall.analysis.network.unconnected_gpus == 64
    hand_hall.select(["R06", "R07"])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    assert dlg.design.currentData() == f"join:{f.id}"
    assert dlg.joins() == f.id and dlg._ok.text() == "Add to fabric"
    assert "2 racks (8 servers, 64 GPUs) join the 6 racks of compute" in dlg.members.text()
    assert not dlg.switch.isEnabled() and not dlg.tiers.isEnabled()
    dlg.wait_for_preview()
    qtbot.waitUntil(lambda: "Computing" not in dlg.preview.text(), timeout=30_000)
    assert "8 leaf, 4 spine" in dlg.preview.text()
    # a new fabric of its own is still a choice further down
    assert any(not str(dlg.design.itemData(i)).startswith("join:")
               for i in range(dlg.design.count()))
    dlg.close()

    monkeypatch.setattr(fabric_dialog.FabricDialog, "exec", lambda self: 1)
    before = hand_hall.layout.model_dump()
    assert win.new_fabric() == f.id
    hand_hall.wait_for_analysis()
    assert [x.id for x in hand_hall.layout.fabrics] == [f.id]
    assert hand_hall.layout.fabrics[0].members == [*six, "R06", "R07"]
    assert hand_hall.analysis.network.unconnected_gpus == 0
    assert not hand_hall.analysis.network.islands
    assert "joined fabric compute" in win.statusBar().currentMessage()
    hand_hall.undo_stack.undo()
    assert hand_hall.layout.model_dump() == before


def test_the_automatic_name_and_the_basis_follow_the_form(win, hand_hall, qtbot):
    """A topology changed in the dialog renames a fabric the user has not named (the
    name said "rail-optimized" of a Clos before) and the basis line says what was changed
    from the design it started from; a name the user typed stays."""
    hand_hall.select([r.id for r in hand_hall.layout.racks])
    dlg = win.fabric_dialog()
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.wait_for_preview()
    assert dlg.name.text().endswith("400G, rail-optimized")
    assert "changed here" not in dlg.basis.text()
    dlg.topology.setCurrentIndex(dlg.topology.findData("clos"))
    assert dlg.name.text().endswith("400G, clos")
    assert "changed here: topology" in dlg.basis.text()
    assert dlg.fabric().name == dlg.name.text()
    dlg.name.setText("Pod A compute")
    dlg.topology.setCurrentIndex(dlg.topology.findData("rail_optimized"))
    assert dlg.name.text() == "Pod A compute"
    assert "changed here" not in dlg.basis.text()
