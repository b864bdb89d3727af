"""LayoutDocument: one undo command per gesture, exact undo/redo, live analysis, files."""

from __future__ import annotations

import shutil

import pytest

from designer.document import LayoutDocument
from engine import edits
from engine.analysis import analyze
from engine.errors import InputError
from engine.model import Rack


def _dump(doc):
    return doc.layout.model_dump()


def _first_rack(doc):
    return doc.layout.racks[0]


GESTURES = {
    "add_racks": lambda d: d.add_racks([Rack(id="NEW-1", type="rack-800x1200", x_m=7.0,
                                             y_m=8.4)]),
    "remove_items": lambda d: d.remove_items([_first_rack(d).id, d.layout.feeds[0].id]),
    "move_items": lambda d: d.move_items({_first_rack(d).id: (7.0, 8.4)}),
    "nudge": lambda d: d.nudge([_first_rack(d).id], 0.6, 0.0),
    "rotate_items": lambda d: d.rotate_items([r.id for r in d.layout.racks[:3]], 90),
    "set_field_rack": lambda d: d.set_field([_first_rack(d).id], "name", "first"),
    "set_field_unit": lambda d: d.set_field([d.layout.cooling[0].id], "capacity_kw", 175),
    "set_field_layout": lambda d: d.set_field([edits.LAYOUT_ID], "generation", "blackwell"),
    "set_field_hall": lambda d: d.set_field(["hall"], "floor_rating_kg_m2", 900),
    "set_field_assumptions": lambda d: d.set_field(["assumptions"], "pue", 1.3),
    "install_device": lambda d: d.install_device(_first_rack(d).id, "qm9700"),
    "move_device": lambda d: d.move_device(_first_rack(d).id, 3, 39),
    "remove_device": lambda d: d.remove_device(_first_rack(d).id, 3),
    "add_cooling_unit": lambda d: d.add_cooling_unit("cdu-coolchip-1350", 7.0, 9.0),
    "add_rear_door": lambda d: d.add_cooling_unit("rdhx-55", 0, 0, rack=_first_rack(d).id),
    "add_feed": lambda d: d.add_feed("busway-415v-400a", [(4, 8), (10, 8)], "A"),
    "add_tray": lambda d: d.add_tray([(4, 9), (10, 9)]),
    "add_obstacle": lambda d: d.add_obstacle([(6, 8), (6.6, 8), (6.6, 8.6), (6, 8.6)]),
    "duplicate": lambda d: d.duplicate([r.id for r in d.layout.racks[:2]], (0.0, 4.8)),
    "paste": lambda d: d.paste(d.copy([_first_rack(d).id]), (0.0, 6.0)),
    "add_link": lambda d: d.add_link(d.layout.racks[0].id, d.layout.racks[9].id, 400.0, 2),
}


def test_a_drawn_link_is_cabled_and_counted(doc):
    links_before = doc.analysis.to_dict()["cabling"]["links"]
    a_id, b_id = doc.layout.racks[0].id, doc.layout.racks[9].id  # two DGX H100 racks
    lid = doc.add_link(a_id, b_id, 400.0, 4)
    assert doc.undo_stack.undoText() == f"Link {a_id} to {b_id} (4 x 400G)"
    cab = doc.analysis.to_dict()["cabling"]
    # the link group of 4 cables joins the generated links, in its own tier
    assert cab["links"] == links_before + 4 and cab["by_tier"]["explicit"] == 4
    assert doc.selection == [lid]
    with pytest.raises(InputError):
        doc.add_link(doc.layout.racks[0].id, doc.layout.racks[0].id)


@pytest.mark.parametrize("name", list(GESTURES))
def test_every_command_undoes_and_redoes_exactly(doc, name):
    before = _dump(doc)
    GESTURES[name](doc)
    after = _dump(doc)
    assert after != before
    assert doc.undo_stack.count() == 1, "one gesture pushes exactly one command"
    assert doc.undo_stack.undoText()
    assert doc.is_modified
    doc.undo_stack.undo()
    assert _dump(doc) == before
    assert not doc.is_modified
    doc.undo_stack.redo()
    assert _dump(doc) == after
    # the incremental analysis after undo/redo equals a fresh one
    assert doc.analysis.to_dict() == analyze(doc.layout, doc.catalog).to_dict()


def test_command_texts_read_like_sentences(doc):
    racks = [r.id for r in doc.layout.racks[:4]]
    doc.move_items({r: (x + 0.6, y) for r, (x, y) in
                    ((r, edits.item_anchor(doc.layout, r)) for r in racks)})
    assert doc.undo_stack.undoText() == "Move 4 racks"
    unit = doc.layout.cooling[1].id
    doc.set_field([unit], "capacity_kw", 1350)
    assert doc.undo_stack.undoText() == f"Set {unit} capacity to 1350 kW"
    doc.set_field(["hall"], "floor_rating_kg_m2", 900)
    assert doc.undo_stack.undoText() == "Set floor rating to 900 kg/m²"
    doc.rotate_items(racks[:1], 90)
    assert doc.undo_stack.undoText() == f"Rotate rack {racks[0]} 90° counter-clockwise"
    doc.remove_items(racks[:2])
    assert doc.undo_stack.undoText() == "Delete 2 racks"


def test_a_new_rack_type_names_the_racks_it_re_spaces(doc):
    # GPU-0002, 800 mm wide in a run of 800 mm racks, made 600 mm: the run closes up
    # edge to edge, and the step says which other racks moved
    before = {r.id: r.x_m for r in doc.layout.racks}
    doc.set_field(["GPU-0002"], "type", "rack-600x1200")
    moved = [r.id for r in doc.layout.racks if r.id != "GPU-0002" and r.x_m != before[r.id]]
    assert moved and doc.undo_stack.undoText().endswith(
        f"({moved[0]} and {len(moved) - 1} more racks re-spaced along the row)")


def test_bad_value_raises_and_pushes_nothing(doc):
    with pytest.raises(InputError, match="capacity_kw"):
        doc.set_field([doc.layout.cooling[0].id], "capacity_kw", -3)
    with pytest.raises(InputError):
        doc.install_device(_first_rack(doc).id, "dgx-h100", u=4)
    assert doc.undo_stack.count() == 0
    assert not doc.is_modified


def test_nudges_merge_into_one_step(doc):
    rid = _first_rack(doc).id
    x0 = _first_rack(doc).x_m
    for _ in range(3):
        doc.nudge([rid], 0.6, 0.0)
    assert doc.undo_stack.count() == 1
    assert doc.layout.rack(rid).x_m == pytest.approx(x0 + 1.8)
    doc.undo_stack.undo()
    assert doc.layout.rack(rid).x_m == pytest.approx(x0)


def test_preview_is_not_undoable_and_cancel_restores(doc):
    rid = _first_rack(doc).id
    before = _dump(doc)
    loads = doc.analysis.cooling.unit_load_kw.copy()
    doc.preview_move({rid: (7.0, 8.4)})
    assert doc.is_previewing and doc.layout.rack(rid).y_m == 8.4
    assert doc.committed_layout.rack(rid).y_m != 8.4
    assert doc.undo_stack.count() == 0
    assert not (doc.analysis.cooling.unit_load_kw == loads).all(), "analysis follows the preview"
    doc.cancel_preview()
    assert _dump(doc) == before and not doc.is_previewing
    assert (doc.analysis.cooling.unit_load_kw == loads).all()
    doc.preview_move({rid: (7.0, 8.4)})
    doc.preview_move({rid: (7.6, 8.4)})
    doc.move_items({rid: (7.6, 8.4)})
    assert doc.undo_stack.count() == 1 and not doc.is_previewing
    doc.undo_stack.undo()
    assert _dump(doc) == before


def test_signals_name_the_changed_items(doc, qtbot):
    rid = _first_rack(doc).id
    with qtbot.waitSignal(doc.items_changed) as changed:
        doc.move_items({rid: (7.0, 8.4)})
    assert changed.args[0] == [rid]
    with qtbot.waitSignal(doc.items_added) as added:
        new = doc.duplicate([rid], (0.0, 1.2))
    assert added.args[0] == new
    assert doc.selection == new
    with qtbot.waitSignal(doc.items_removed) as removed:
        doc.undo_stack.undo()
    assert removed.args[0] == new
    with qtbot.waitSignal(doc.analysis_updated):
        doc.undo_stack.redo()


def test_selection_drops_unknown_and_removed_ids(doc, qtbot):
    ids = [r.id for r in doc.layout.racks[:2]]
    with qtbot.waitSignal(doc.selection_changed) as sel:
        doc.select([*ids, "nope"])
    assert sel.args[0] == ids
    doc.remove_items(ids[:1])
    assert doc.selection == []
    doc.undo_stack.undo()
    assert doc.selection == ids


def test_save_open_round_trip(doc, tmp_path, qtbot):
    doc.move_items({_first_rack(doc).id: (7.0, 8.4)})
    path = tmp_path / "hall.json"
    with qtbot.waitSignal(doc.modified_changed) as mod:
        doc.save(path)
    assert mod.args == [False] and not doc.is_modified and doc.path == path
    other = LayoutDocument(catalog=doc.catalog, analysis_mode="sync", autosave_ms=0)
    other.open(path)
    assert other.layout.model_dump() == doc.layout.model_dump()
    assert other.path == path and not other.is_modified
    assert other.analysis.to_dict() == doc.analysis.to_dict()
    other.close()


def test_open_bad_file_keeps_the_document(doc, tmp_path):
    before = _dump(doc)
    bad = tmp_path / "bad.json"
    bad.write_text('{"hall": {"outline": [[0, 0], [1, 0]]}}')
    with pytest.raises(InputError, match="bad.json"):
        doc.open(bad)
    unknown = tmp_path / "unknown.json"
    lay = doc.layout.model_copy(update={"racks": [_first_rack(doc).model_copy(
        update={"type": "no-such-rack"})]})
    unknown.write_text(lay.model_dump_json())
    with pytest.raises(InputError, match="unknown.json.*no-such-rack"):
        doc.open(unknown)
    assert _dump(doc) == before


def test_new_blank_is_a_new_document(doc):
    doc.move_items({_first_rack(doc).id: (7.0, 8.4)})
    doc.new_blank(40, 25)
    assert doc.layout.racks == [] and doc.layout.hall.bounds() == (0, 0, 40, 25)
    assert doc.undo_stack.count() == 0 and not doc.is_modified and doc.path is None
    assert doc.analysis.counts["racks"] == 0


def test_background_analysis_matches_and_drops_stale(qapp, default_layout, builtin_catalog,
                                                     recovery_dir):
    doc = LayoutDocument(default_layout, catalog=builtin_catalog, analysis_mode="async",
                         autosave_ms=0)
    rid = doc.layout.racks[0].id
    x, y = doc.layout.racks[0].x_m, doc.layout.racks[0].y_m
    shown = []
    doc.analysis_updated.connect(lambda a: shown.append(a))
    for k in range(8):  # a drag: many previews, newer replacing queued ones
        doc.preview_move({rid: (x + 0.3 * k, y + 5.0)})
    doc.move_items({rid: (x + 2.4, y + 5.0)})
    assert doc.wait_for_analysis()
    assert doc.analysis.to_dict() == analyze(doc.layout, builtin_catalog).to_dict()
    assert 1 <= len(shown) <= 9
    doc.close()


def test_a_newer_request_stops_a_running_graph_search(qapp, default_layout, builtin_catalog):
    """A background analysis whose graph search is still running when a newer layout
    comes in stops at its next max-flow evaluation; its stale result is never shown and
    the newer layout's arrives, from a full analysis."""
    import threading

    import numpy as np

    from designer.document import AnalysisRunner
    from engine.bisection import graph_bisection

    runner = AnalysisRunner(builtin_catalog)
    got: list[int] = []
    runner.finished.connect(lambda serial, result, error: got.append((serial, error)))
    started, release = threading.Event(), threading.Event()
    real = runner._analyze

    def slow(layout, changed):
        if not started.is_set():
            started.set()
            release.wait(10)
            # the search of an edited fabric: one spectral start, then max-flows
            graph_bisection(6, np.array([0, 1, 2, 3, 4]), np.array([4, 4, 5, 5, 5]),
                            np.array([10.0, 10.0, 10.0, 10.0, 1.0]), 4)
        return real(layout, changed)

    runner._analyze = slow
    runner.submit(1, default_layout, None)
    assert started.wait(10)
    moved = edits.move_items(default_layout, {default_layout.racks[0].id: (
        default_layout.racks[0].x_m + 0.6, default_layout.racks[0].y_m)})
    runner.submit(2, moved, [default_layout.racks[0].id])
    release.set()
    assert runner.wait()
    qapp.processEvents()
    assert got == [(2, "")] and runner.cancelled == 1
    assert runner.analyzer.result.to_dict() == analyze(moved, builtin_catalog).to_dict()


def test_a_late_graph_search_leaves_the_gui_thread(qapp, default_layout, builtin_catalog):
    """An analysis on the GUI thread that would start a graph bisection search past its
    budget (a server rack pasted beside the default hall's fabric makes it irregular)
    hands the whole analysis to the background thread; the result that arrives is the
    one a full analysis gives."""
    from designer.document import AnalysisRunner
    from engine import network

    network._CACHE.clear()  # (a topology met before keeps its bisection: no search)
    rid = default_layout.racks[0].id
    payload = edits.copy_items(default_layout, [rid])
    pasted = edits.paste(default_layout, payload, (0.0, -30.0),
                         edits.paste_ids(default_layout, payload), builtin_catalog)
    runner = AnalysisRunner(builtin_catalog)
    got: list = []
    runner.finished.connect(lambda serial, result, error: got.append((serial, result)))
    runner.run_now(1, default_layout, None, search_after_s=0.0)  # recognized: no search
    assert [s for s, _ in got] == [1] and runner.cancelled == 0
    runner.run_now(2, pasted, None, search_after_s=0.0)
    assert runner.cancelled == 1 and [s for s, _ in got] == [1]  # not on this thread
    assert runner.wait()
    qapp.processEvents()
    assert [s for s, _ in got] == [1, 2]
    want = analyze(pasted, builtin_catalog)
    assert want.network.bisection_method == "structured_cut"
    assert got[1][1].to_dict() == want.to_dict()


def test_edit_menu_links_the_two_selected_racks(window):
    doc = window.document
    assert window.link_selected(800.0, 2) is None  # nothing selected: refused, nothing pushed
    assert doc.undo_stack.count() == 0
    doc.select([doc.layout.racks[0].id, doc.layout.racks[1].id])
    lid = window.link_selected(800.0, 2)
    link = doc.layout.find(lid)
    assert (link.a.rack, link.b.rack, link.count, link.speed_gbps) == (
        doc.layout.racks[0].id, doc.layout.racks[1].id, 2, 800.0)


def test_the_link_dialog_names_both_ends_and_asks_speed_and_count(window, monkeypatch):
    doc = window.document
    a, b = doc.layout.racks[0], doc.layout.racks[1]
    doc.select([a.id, b.id])
    dlg = window.link_dialog(a.id, b.id)
    text = dlg.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QLabel)[0].text()
    assert a.id in text and b.id in text and "dgx-h100 at U" in text
    assert dlg.values() == (400.0, 1)
    dlg.speed.setCurrentIndex(dlg.speed.findData(800))
    dlg.count.setValue(4)
    assert dlg.values() == (800.0, 4)
    dlg.deleteLater()
    # the menu action asks through that dialog: one form, not two prompts
    from designer.dialogs.link_dialog import LinkDialog

    monkeypatch.setattr(LinkDialog, "exec", lambda self: 1)
    monkeypatch.setattr(LinkDialog, "values", lambda self: (200.0, 3))
    lid = window.link_selected()
    link = doc.layout.find(lid)
    assert (link.a.rack, link.b.rack, link.speed_gbps, link.count) == (a.id, b.id, 200.0, 3)


def _block_recovery_folder(doc, tmp_path, monkeypatch):
    """Point the document's recovery file where no folder can be made (a file is in the
    way: refused to root too)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("RACKSCAPE_RECOVERY_DIR", str(blocker / "recovery"))
    doc.set_layout(doc.layout)  # a new document session: a recovery file in that folder


def test_a_failing_autosave_is_said_once_and_tried_again(doc, tmp_path, monkeypatch, qtbot):
    _block_recovery_folder(doc, tmp_path, monkeypatch)
    said: list[str] = []
    doc.recovery_failed.connect(said.append)
    rid = doc.layout.racks[0].id
    doc.rotate_items([rid], 90)
    assert not doc.autosave() and not doc.recovery_path.exists()
    doc.rotate_items([rid], 90)
    assert not doc.autosave()
    assert said == [doc.recovery_error]
    assert said[0].startswith(f"cannot write recovery files to {tmp_path / 'blocker'}")
    (tmp_path / "blocker").unlink()
    assert doc.autosave() and doc.recovery_path.exists() and doc.recovery_error == ""
    shutil.rmtree(tmp_path / "blocker")
    (tmp_path / "blocker").write_text("")
    doc.rotate_items([rid], 90)
    assert not doc.autosave() and len(said) == 2, "failing again after a write: said again"


def test_save_works_when_the_recovery_folder_does_not(doc, tmp_path, monkeypatch, qtbot):
    _block_recovery_folder(doc, tmp_path, monkeypatch)
    doc.rotate_items([doc.layout.racks[0].id], 90)
    target = tmp_path / "r.json"
    with qtbot.waitSignals([doc.path_changed, doc.recovery_failed]):
        assert doc.save(target) == target
    assert target.exists() and doc.path == target and not doc.is_modified
    assert doc.recovery_error


def test_an_edit_that_resizes_a_fabric_says_how(doc):
    said = []
    doc.fabric_resized.connect(said.append)
    doc.set_field(["GPU-0001"], "name", "first")  # no switch count changes
    assert said == []
    net = {f["id"]: f for f in doc.analysis.network.fabrics}["compute"]
    assert (net["switches"]["leaf"], net["switches"]["spine"], net["scalable_units"]) == (16, 8, 2)
    doc.install_device("GPU-0001", "dgx-h100")  # the 65th node starts a third SU
    # 16 spines, not 12: the RA's count for 4 SU, so every leaf has 2 links to each spine
    grew = ("Fabric compute: 3 scalable units now (+8 leaf, +8 spine switches; 16 spines, "
            "not the 12 with enough ports: a leaf's 32 uplinks split evenly over 16, 2 to "
            "each; the DGX SuperPOD RA's count for up to 4 SU)")
    assert said == [grew]
    doc.undo_stack.undo()
    assert said[-1] == "Fabric compute: 2 scalable units now (−8 leaf, −8 spine switches)"
    doc.undo_stack.redo()
    assert said[-1] == grew
    n = len(said)
    doc.set_layout(doc.layout)  # a new document: nothing was resized by an edit
    assert len(said) == n


def test_a_new_fabric_is_not_a_resized_one(doc):
    from engine.model import Fabric

    said = []
    doc.fabric_resized.connect(said.append)
    doc.add_fabric(Fabric(id="fe", name="Front end", purpose="front_end", topology="clos",
                          nic_speed_gbps=100, members=["GPU-0001", "GPU-0002"]))
    assert said == []


def test_the_status_bar_says_when_a_fabric_grew(window):
    window.document.install_device("GPU-0001", "dgx-h100")
    # the edit's own name, then what it did to the fabric
    assert window.statusBar().currentMessage().startswith(
        "Installed NVIDIA DGX H100 in GPU-0001 at U38. Fabric compute: 3 scalable units now "
        "(+8 leaf, +8 spine switches; 16 spines, not the 12 with enough ports")


def test_fabric_change_words_a_change_within_a_scalable_unit():
    from types import SimpleNamespace

    from designer.document import fabric_change

    def analysis(leaf, spine, su):
        fab = {"id": "fe", "switches": {"leaf": leaf, "spine": spine, "core": 0},
               "scalable_units": su}
        return SimpleNamespace(network=SimpleNamespace(fabrics=[fab]))

    assert fabric_change(analysis(16, 2, 1), analysis(18, 2, 1)) == \
        "Fabric fe: +2 leaf switches (18 leaf, 2 spine now)"
    assert fabric_change(analysis(16, 2, 1), analysis(16, 2, 1)) == ""
    assert fabric_change(analysis(16, 8, 2), analysis(8, 4, 1)) == \
        "Fabric fe: 1 scalable unit now (−8 leaf, −4 spine switches)"
    assert fabric_change(SimpleNamespace(network=None), analysis(8, 4, 1)) == ""


def test_fabric_change_says_when_generated_switches_move_to_other_racks():
    """Servers installed in a network rack take the U the fabric's switches need: those
    it has no room left for move to other network racks (their power with them), and
    the note says so."""
    from designer.document import fabric_change
    from engine import edits
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2})
    net = next(r for r in lay.racks if r.id.startswith("NET"))
    before = analyze(lay)
    full = lay
    for u in (1, 11, 21, 31):  # 40 U of servers leave 8 U for its 12 switches
        full = edits.install_device(full, net.id, "dgx-b200", u)
    note = fabric_change(before, analyze(full))
    assert note == f"4 generated switches moved to other network racks (from {net.id})"
    assert fabric_change(before, analyze(lay)) == ""

    # every network rack filled with servers: the switches stand in none; the note says
    # where they are counted, not that they moved to a network rack
    for r in lay.racks:
        if r.id.startswith("NET"):
            for u in (1, 11, 21, 31):
                lay = edits.install_device(lay, r.id, "dgx-b200", u)
    note = fabric_change(before, analyze(lay))
    assert "moved to other network racks" not in note
    assert "found no free U in a network rack (counted in" in note and "FABRIC-NO-ROOM" in note


def test_a_deleted_network_rack_is_the_one_its_switches_left():
    """Each analysis numbers its own racks: with a rack deleted, the switches that stood
    in it are said to come from it (and on undo, from where they stood meanwhile), not
    from the rack that took its index."""
    from designer.document import fabric_change
    from engine import edits
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    nets = [r.id for r in lay.racks if r.id.startswith("NET")]
    assert len(nets) == 2
    gone = edits.remove_items(lay, [nets[0]])
    note = fabric_change(analyze(lay), analyze(gone))
    assert f"(from {nets[0]})" in note, note
    back = fabric_change(analyze(gone), analyze(lay))
    assert f"(from {nets[1]})" in back, back


def test_a_rack_moved_beside_another_rows_racks_joins_that_row(qapp, builtin_catalog,
                                                               recovery_dir):
    """As a pasted rack does: it takes the row and that row's busways; undo puts both
    back. A move along its own row keeps them."""
    from designer.document import LayoutDocument
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 8}, catalog=builtin_catalog)
    doc = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    r = doc.layout.rack("GPU-0008")
    net = doc.layout.rack("NET-0001")
    assert (r.row, net.row) == ("R01", "R02")
    doc.move_items({r.id: (r.x_m + 0.8, r.y_m)})  # along its own row
    assert doc.layout.rack(r.id).row == "R01" and doc.layout.rack(r.id).feeds == r.feeds
    spot = max(x.x_m for x in doc.layout.racks if x.row == "R02") + 0.8
    doc.move_items({r.id: (spot, net.y_m)})  # set down at the end of row R02
    moved = doc.layout.rack(r.id)
    assert moved.row == "R02" and moved.feeds == net.feeds
    doc.undo_stack.undo()
    assert doc.layout.rack(r.id).row == "R01"
    doc.close()


def test_racks_turned_as_a_group_by_a_wall_move_back_onto_the_floor(doc):
    # three 800 mm racks in a line along the top wall (y 13.2 m), turned a quarter about
    # their middle: the line stands on end (centres 0.8 m apart about y 12.6 m), its top
    # rack, 0.8 m deep across now, reaching 0.6 m through the wall; the group moves down
    # one 0.6 m tile and says so; undo puts all back
    from engine import edits

    before = doc.layout
    ids = [r.id for r in doc.layout.racks if r.row == "R01"][:3]
    y = 13.2 - 0.6
    xs = [4.0, 4.8, 5.6]
    doc.move_items({i: (x, y) for i, x in zip(ids, xs, strict=True)})
    assert not edits.off_floor(doc.layout, ids, doc.catalog)
    doc.rotate_items(ids, 90)
    assert not edits.off_floor(doc.layout, ids, doc.catalog)
    ys = sorted(doc.layout.rack(i).y_m for i in ids)
    assert ys == pytest.approx([y - 0.8 - 0.6, y - 0.6, y + 0.8 - 0.6])
    assert {doc.layout.rack(i).x_m for i in ids} == {4.8}
    assert doc.undo_stack.undoText().endswith("90° counter-clockwise (moved 0.60 m back onto the floor)")
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.layout == before


def test_a_single_unit_turned_by_a_wall_moves_back_onto_the_floor(doc):
    # a 150 kW CRAH (2.55 x 0.9 m) standing on end flush on the west wall (x 0.45 m,
    # 0.9 m across): turned a quarter it is 2.55 m across, 0.825 m through the wall;
    # alone as in a group, it moves back onto the floor by whole tiles (two: 1.2 m)
    from engine import edits

    uid = doc.add_cooling_unit("crah-cw-150", 3.0, 6.0)
    doc.set_field([uid], "rotation_deg", 90)
    doc.move_items({uid: (0.45, 6.0)})
    assert not edits.off_floor(doc.layout, [uid], doc.catalog)
    doc.rotate_items([uid], 90)
    unit = doc.layout.find(uid)
    assert unit.rotation_deg % 180 == 0 and unit.x_m == pytest.approx(0.45 + 1.2)
    assert not edits.off_floor(doc.layout, [uid], doc.catalog)
    assert doc.undo_stack.undoText().endswith("(moved 1.20 m back onto the floor)")


def test_an_arrow_key_step_stops_at_the_wall(doc):
    # a CRAH on end 0.3 m off the west wall (x 0.75, 0.9 m across): a tile's step west
    # would put it 0.3 m through the wall and is refused, saying why; 100 mm steps take
    # it to the wall, and a step east moves it as ever
    uid = doc.add_cooling_unit("crah-cw-150", 3.0, 6.0, 90)
    doc.move_items({uid: (0.75, 6.0)})
    assert not doc.nudge([uid], -0.6, 0.0)
    assert doc.layout.find(uid).x_m == pytest.approx(0.75)
    assert doc.last_refusal.startswith(f"Not moved: {uid} would stand through the hall's wall")
    for _ in range(3):
        assert doc.nudge([uid], -0.1, 0.0)
    assert doc.layout.find(uid).x_m == pytest.approx(0.45) and not doc.last_refusal
    assert not doc.nudge([uid], -0.1, 0.0)
    assert doc.nudge([uid], 0.6, 0.0) and doc.layout.find(uid).x_m == pytest.approx(1.05)


def test_turns_by_a_wall_that_add_up_to_a_half_or_whole_turn_leave_racks_in_place(doc):
    # the same three racks by the top wall: the first quarter turn moves them 0.6 m back
    # onto the floor; the second starts from where the first would have left them, so
    # two quarter turns are the half turn the inspector's rotation 180 gives, in place,
    # and four put the racks back as they were
    ids = [r.id for r in doc.layout.racks if r.row == "R01"][:3]
    y = 13.2 - 0.6
    doc.move_items({i: (x, y) for i, x in zip(ids, [4.0, 4.8, 5.6], strict=True)})
    placed = {i: (doc.layout.rack(i).x_m, doc.layout.rack(i).y_m) for i in ids}
    (facing,) = {doc.layout.rack(i).rotation_deg for i in ids}
    doc.rotate_items(ids, 90)
    doc.rotate_items(ids, 90)
    half = {i: (doc.layout.rack(i).x_m, doc.layout.rack(i).y_m) for i in ids}
    # a half turn about the line's middle (4.8, 12.6): each rack swaps ends, same line
    assert half == {i: pytest.approx((9.6 - placed[i][0], y)) for i in ids}
    assert {doc.layout.rack(i).rotation_deg for i in ids} == {(facing + 180) % 360}
    assert doc.undo_stack.undoText().endswith("(moved 0.60 m back to where they stood)")
    doc.rotate_items(ids, 90)
    doc.rotate_items(ids, 90)
    assert {i: (doc.layout.rack(i).x_m, doc.layout.rack(i).y_m) for i in ids} == \
        {i: pytest.approx(p) for i, p in placed.items()}
    assert {doc.layout.rack(i).rotation_deg for i in ids} == {facing}
    # another edit between two turns: the next turn starts from the layout as it is
    doc.rotate_items(ids, 90)
    doc.nudge(ids, 0.0, -0.6)
    moved = {i: doc.layout.rack(i).y_m for i in ids}
    doc.rotate_items(ids, 90)
    middle = sorted(moved.values())[1]  # the column's middle: the turn's pivot
    assert sorted(doc.layout.rack(i).y_m for i in ids) == [pytest.approx(middle)] * 3


def test_a_rack_set_down_under_a_busway_is_fed_and_beside_another_starts_a_row(doc):
    doc.new_blank(20.0, 12.0)
    bw = doc.draw_feed("busway-415v-400a", [(2.0, 5.0), (18.0, 5.0)], side="A")
    (a,) = doc.add_racks([Rack(id="A", type="rack-600x1200", x_m=6.0, y_m=5.0)])
    (b,) = doc.add_racks([Rack(id="B", type="rack-600x1200", x_m=6.6, y_m=5.0)])
    lay = doc.layout
    # both under the run: fed from it, as a rack moved or pasted under it is
    assert lay.rack(a).feeds == [bw] and lay.rack(b).feeds == [bw]
    # side by side, in line: one new row, in one undo step with the second rack
    assert lay.rack(a).row == lay.rack(b).row == "R01"
    doc.undo_stack.undo()
    assert doc.layout.rack(a).row is None and doc.layout.find(b) is None


def test_a_busway_drawn_over_racks_fed_from_afar_feeds_them(doc):
    doc.new_blank(20.0, 12.0)
    near = doc.draw_feed("busway-415v-400a", [(2.0, 5.0), (18.0, 5.0)], side="A")
    (a,) = doc.add_racks([Rack(id="A", type="rack-600x1200", x_m=6.0, y_m=5.0)])
    doc.move_items({a: (6.0, 9.0)})  # moved 4 m away from its run: still fed from it
    assert doc.layout.rack(a).feeds == [near]
    assert any(v.code == "POWER-FEED-REACH" for v in analyze(doc.layout).violations)
    new = doc.draw_feed("busway-415v-400a", [(2.0, 9.0), (18.0, 9.0)], side="A")
    # the run over it now feeds it, in place of the one out of a tap-off's reach
    assert doc.layout.rack(a).feeds == [new]
    assert not any(v.code == "POWER-FEED-REACH" for v in analyze(doc.layout).violations)
    # a third run of side A beside it, while its own is in reach: it keeps its own
    doc.draw_feed("busway-415v-400a", [(2.0, 9.4), (18.0, 9.4)], side="A")
    assert doc.layout.rack(a).feeds == [new]


def test_a_busway_drawn_over_a_rack_on_rack_pdus_leaves_them(doc):
    # a rack the architect put on rack PDUs keeps them: a run drawn over its row feeds
    # only the racks that have no feed of its side
    doc.new_blank(20.0, 12.0)
    (a,) = doc.add_racks([Rack(id="A", type="rack-600x1200", x_m=6.0, y_m=5.0)])
    (b,) = doc.add_racks([Rack(id="B", type="rack-600x1200", x_m=6.6, y_m=5.0)])
    pdu = doc.add_feed("rpdu-415v-60a-3ph", [(6.0, 5.0)], side="A", racks=[a])
    bw = doc.draw_feed("busway-415v-400a", [(2.0, 5.0), (18.0, 5.0)], side="A")
    assert doc.layout.rack(a).feeds == [pdu]
    assert doc.layout.rack(b).feeds == [bw]


def test_a_feed_model_follows_its_amps_and_its_figures_follow_the_model(doc):
    doc.new_blank(20.0, 12.0)
    bw = doc.draw_feed("busway-415v-800a", [(2.0, 5.0), (18.0, 5.0)], side="A")
    doc.set_field([bw], "amps", 400)
    assert doc.layout.find(bw).model == "busway-415v-400a"
    # no catalog busway of 200 A: the run keeps its own figures, ordered as drawn
    doc.set_field([bw], "amps", 200)
    f = doc.layout.find(bw)
    assert f.model is None and f.amps == 200.0
    doc.set_field([bw], "model", "busway-415v-800a")
    assert doc.layout.find(bw).amps == 800.0
    doc.undo_stack.undo()
    assert doc.layout.find(bw).amps == 200.0


def test_turns_by_a_wall_do_not_depend_on_undo_history(qtbot, builtin_catalog, recovery_dir):
    """R, R and R, R, undo, R leave the racks in one place (the undo comes back to a
    turn that moved them onto the floor); a half turn after a quarter stays on the
    floor."""
    from designer.document import LayoutDocument
    from engine import edits
    from engine.model import Hall, Layout, Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 10), (0, 10)]), racks=[
        Rack(id=f"R{k}", type="rack-600x1200", x_m=3.0 + 0.6 * k, y_m=0.6) for k in range(4)])
    ids = [f"R{k}" for k in range(4)]

    def where(d):
        return [v for r in d.layout.racks for v in (r.x_m, r.y_m, r.rotation_deg)]

    a = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    a.rotate_items(ids, 90)
    a.rotate_items(ids, 90)
    b = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    b.rotate_items(ids, 90)
    b.rotate_items(ids, 90)
    b.undo_stack.undo()
    b.rotate_items(ids, 90)
    assert where(a) == pytest.approx(where(b))
    c = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    c.rotate_items(ids, 90)
    c.rotate_items(ids, 180)
    assert not edits.off_floor(c.layout, ids, builtin_catalog)
    for d in (a, b, c):
        d.close()
