"""A rack or server deleted from a generated fabric leaves its node positions empty: the
nodes after it keep their leaf ports, so the cables already pulled stay where they are,
instead of every later node moving up (which re-cabled a whole hall for one rack)."""

from __future__ import annotations

from collections import Counter

import pytest

from engine import edits
from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.compile import compile_layout
from engine.fabric import build_topology
from engine.report_tables import link_view
from engine.templates import instantiate

CAT = load_catalog(user_dir=None)


def _node_links(lay) -> Counter:
    """The node-leaf links by (server rack, server U, leaf rack, leaf U): which switch each
    server's cables go to."""
    v = link_view(analyze(lay, CAT), CAT)
    return Counter((ar, int(au), br, int(bu)) for t, ar, au, br, bu in zip(
        v.tier, v.a_rack, v.a_u, v.b_rack, v.b_u, strict=True) if t == "node_leaf")


def _cut_sheet(lay) -> set[tuple]:
    """Every link as the cut-sheet labels it: both ends' rack, U, device and port."""
    v = link_view(analyze(lay, CAT), CAT)
    return set(zip(v.tier, v.a_rack, v.a_u.tolist(), v.a_device, v.a_port, v.b_rack,
                   v.b_u.tolist(), v.b_device, v.b_port, strict=True))


def _without(links: Counter, racks: tuple[str, ...]) -> Counter:
    return Counter({k: n for k, n in links.items() if k[0] not in racks})


@pytest.fixture(scope="module")
def pod():
    return instantiate("dgx-h100-superpod", {"scalable_units": 4}, catalog=CAT)


def test_deleting_a_rack_keeps_every_other_cable(pod):
    before = _node_links(pod)
    out = edits.remove_items(pod, ["GPU-0001"], CAT)
    (fab,) = out.fabrics
    assert fab.vacant_before == {"GPU-0002": 4}  # its four DGX H100's positions
    after = _node_links(out)
    # 4 DGX x 8 GPUs = 32 links fewer; none of the others moved
    assert after == _without(before, ("GPU-0001",))
    assert before.total() - after.total() == 32
    a0, a1 = analyze(pod, CAT).network, analyze(out, CAT).network
    assert a1.switch_counts() == a0.switch_counts()  # the SU is still built whole [S41]
    # a second deletion adds to the empty positions before the next rack that stays
    out2 = edits.remove_items(out, ["GPU-0002"], CAT)
    assert out2.fabrics[0].vacant_before == {"GPU-0003": 8}
    assert _node_links(out2) == _without(before, ("GPU-0001", "GPU-0002"))


def test_the_cut_sheet_keeps_every_other_label(pod):
    """A leaf's ports are its node positions (QM9700: 32 down, then 32 up): the leaf that
    lost a server leaves those ports free, and its uplinks keep their numbers too."""
    before = _cut_sheet(pod)
    after = _cut_sheet(edits.remove_items(pod, ["GPU-0002"], CAT))
    gone = {r for r in before if "GPU-0002" in (r[1], r[5])}
    assert len(gone) == 4 * 8  # four DGX H100, eight compute ports each
    assert after == before - gone
    # the first leaf (rail 1 of SU 1): its uplinks start on cage 17, port 33, whatever
    # it serves (P17/1 .. P32/2: twin-port cages [S11])
    leaf = [r for r in after if r[0] == "leaf_spine" and r[1:4] == before_first_leaf(before)]
    assert sorted(r[4] for r in leaf) == sorted(f"P{c}/{k}" for c in range(17, 33)
                                                for k in (1, 2))


def before_first_leaf(rows: set[tuple]) -> tuple:
    """(rack, U, device) of the leaf the first node's first port goes to."""
    first = min((r for r in rows if r[0] == "node_leaf" and r[4] == "P1/1"),
                key=lambda r: (r[1], r[2]))
    return first[5:8]


@pytest.mark.parametrize("topology", ["fat_tree", "clos"])
def test_a_clos_fabric_keeps_its_nodes_on_their_leaves(topology):
    """In a fat-tree or plain Clos the leaves fill port by port; an empty position keeps
    a node's worth of ports, so the servers after it stay where they were cabled."""
    lay = instantiate("fat-tree", {"k": 8}, catalog=CAT)
    (fab,) = lay.fabrics
    lay = lay.model_copy(update={"fabrics": [fab.model_copy(update={"topology": topology})]})
    gone_rack = fab.members[1]
    before = _cut_sheet(lay)
    out = edits.remove_items(lay, [gone_rack], CAT)
    after = _cut_sheet(out)
    gone = {r for r in before if gone_rack in (r[1], r[5])}
    assert gone and after == before - gone
    a0, a1 = analyze(lay, CAT).network, analyze(out, CAT).network
    assert a1.switch_counts() == a0.switch_counts()


def test_the_last_rack_deleted_leaves_no_empty_tail():
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=CAT)
    last = lay.fabrics[0].members[-1]
    out = edits.remove_items(lay, [last], CAT)
    assert out.fabrics[0].vacant_before == {}


def test_a_server_removed_and_put_back_takes_its_position_again(pod):
    before = _node_links(pod)
    rack = pod.rack("GPU-0005")
    u = rack.devices[1].u
    out = edits.remove_device(pod, "GPU-0005", u, CAT)
    assert out.fabrics[0].vacant_before == {"GPU-0005": 1}
    assert _without(_node_links(out), ("GPU-0005",)) == _without(before, ("GPU-0005",))
    back = edits.install_device(out, "GPU-0005", "dgx-h100", u, CAT)
    assert back.fabrics[0].vacant_before == {}
    assert _node_links(back) == before


def test_a_server_added_next_to_an_empty_position_takes_it(pod):
    """A DGX taken out of GPU-0002 leaves a position empty just after GPU-0001's four; a
    fifth DGX installed in GPU-0001 (U38, free) takes it: the fabric is as long as it was,
    not a position longer (which would start a fifth scalable unit after a full fourth)."""
    rack = pod.rack("GPU-0002")
    out = edits.remove_device(pod, "GPU-0002", rack.devices[0].u, CAT)
    assert out.fabrics[0].vacant_before == {"GPU-0002": 1}
    back = edits.install_device(out, "GPU-0001", "dgx-h100", None, CAT)
    assert [d.u for d in back.rack("GPU-0001").devices][-1] == 38
    assert back.fabrics[0].vacant_before == {}
    assert analyze(back, CAT).network.switch_counts() == analyze(pod, CAT).network.switch_counts()


def test_a_rack_pasted_after_a_deletion_fills_the_gap(pod):
    """A copy of a rack of four DGX, pasted after one was deleted, takes the four empty
    positions: still 4 scalable units and 48 switches, every other server on its leaf
    (not a fifth SU for the positions kept empty and the copy's)."""
    out = edits.remove_items(pod, ["GPU-0005"], CAT)
    before = _node_links(out)
    back = edits.paste(out, edits.copy_items(out, ["GPU-0004"]), (0.0, 9.6), catalog=CAT)
    copy = back.racks[-1].id
    (fab,) = back.fabrics
    assert fab.vacant_before == {} and fab.members.index(copy) == fab.members.index("GPU-0006") - 1
    assert analyze(back, CAT).network.switch_counts() == analyze(pod, CAT).network.switch_counts()
    assert _without(_node_links(back), (copy,)) == before


def test_a_rack_cut_and_pasted_back_keeps_its_cables(pod):
    """Cut and paste (the rack gone from the fabric before the paste): the copy still
    joins the compute fabric, takes the node positions its cut left empty, and the
    cut-sheet is the one before, label for label (it had joined no fabric: 32 servers
    off the fabric, 64 links short)."""
    payload = edits.copy_items(pod, ["GPU-0005"])
    assert payload["racks"][0]["fabric_roles"] == [["compute", "member", pod.name, 4]]
    cut = edits.remove_items(pod, ["GPU-0005"], CAT)
    assert "GPU-0005" not in cut.fabrics[0].members
    back = edits.paste(cut, edits.clipboard_payload(payload), (0.0, 0.0), catalog=CAT)
    assert back.fabrics == pod.fabrics
    assert _cut_sheet(back) == _cut_sheet(pod)


def test_a_pasted_rack_joins_only_the_fabrics_it_was_copied_from(pod):
    """A rack copied as a network rack of the fabric is pasted as one, not as a member;
    a role naming a fabric this layout lacks (copied from another design) is passed by."""
    net = pod.fabrics[0].network_racks[0]
    payload = edits.copy_items(pod, [net])
    assert payload["racks"][0]["fabric_roles"] == [["compute", "network", pod.name, 0]]
    payload["racks"][0]["fabric_roles"].append(["storage", "member", pod.name, 0])
    back = edits.paste(pod, edits.clipboard_payload(payload), (0.0, 9.6), catalog=CAT)
    copy = back.racks[-1].id
    (fab,) = back.fabrics
    assert copy in fab.network_racks and copy not in fab.members


def test_a_clipboard_rack_with_malformed_fabric_roles_is_no_payload(pod):
    payload = edits.copy_items(pod, ["GPU-0005"])
    for bad in ("compute", [["compute"]], [["compute", "spine"]], [[3, "member"]],
                [["compute", "member", "hall", -1]], [["compute", "member", "hall", True]]):
        payload["racks"][0]["fabric_roles"] = bad
        assert edits.clipboard_payload(payload) is None


def test_leaves_left_serving_no_server_are_said(pod):
    """The second SU deleted whole (GPU-0009 to GPU-0016): its 8 leaves stay, so the
    third and fourth SUs keep their cables, and the check says they serve no server."""
    gone = [f"GPU-{i:04d}" for i in range(9, 17)]
    out = edits.remove_items(pod, gone, CAT)
    a = analyze(out, CAT)
    assert a.network.switch_counts() == analyze(pod, CAT).network.switch_counts()
    said = [v.message for v in a.violations if v.code == "FABRIC-PORTS-IDLE"]
    assert any("8 of its 32 leaves serve no server" in m for m in said)


def test_a_top_of_rack_leaf_goes_with_its_rack():
    """Meta's RTSW stands in its own rack (leaf placement member_racks): deleting the rack
    takes its switch along (191 of 192 in a pod), the other racks keep theirs."""
    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=CAT)
    (fab,) = lay.fabrics
    before = _node_links(lay)
    out = edits.remove_items(lay, [fab.members[64]], CAT)
    assert analyze(out, CAT).network.switch_counts()["leaf"] == \
        analyze(lay, CAT).network.switch_counts()["leaf"] - 1
    assert _node_links(out) == _without(before, (fab.members[64],))


def _planned(lay, k: int) -> tuple[str, int, str]:
    """Rack, U and model of generated switch ``k``."""
    arr = compile_layout(lay, CAT)
    t = build_topology(lay, CAT, arr)
    return arr.rack_ids[t.sw_rack[k]], int(t.sw_u[k]), t.models[t.sw_model[k]]


def test_a_real_switch_installed_where_a_planned_one_stands_takes_its_place():
    """The as-built record: a QM9700 installed at the U of a planned leaf (NET-0001 U4)
    and one at a planned spine's (NET-0002 U9) stand for those two switches: every one of
    the 1,016 cables keeps its label (904 were relabelled when installed switches took the
    first places of a tier), 24 switches still, the same IT load (the real switches draw
    their power as devices, the planned ones no more)."""
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CAT)
    out = lay
    for k in (3, 20):
        rack, u, model = _planned(lay, k)
        out = edits.install_device(out, rack, model, u, CAT)
    assert _cut_sheet(out) == _cut_sheet(lay) and len(_cut_sheet(lay)) == 1016
    t = build_topology(out, CAT, compile_layout(out, CAT))
    assert (t.sw_dev >= 0).tolist().count(True) == 2 and t.unassigned_switches == 0
    a0, a1 = analyze(lay, CAT), analyze(out, CAT)
    assert a1.network.switch_counts() == a0.network.switch_counts()
    assert a1.power.it_kw == pytest.approx(a0.power.it_kw)


def test_a_real_top_of_rack_switch_in_its_rack_takes_the_planned_ones_place():
    """Meta's RTSW installed in its own rack where the planned one stands: no switch left
    over, no cable relabelled (the real one was left unassigned beside the planned one,
    its power counted twice)."""
    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=CAT)
    rack, u, model = _planned(lay, 5)
    out = edits.install_device(lay, rack, model, u, CAT)
    assert analyze(out, CAT).network.switch_counts() == analyze(lay, CAT).network.switch_counts()
    assert _cut_sheet(out) == _cut_sheet(lay)


def test_a_real_switch_off_the_plan_stands_for_the_last_planned_one():
    """A QM9700 installed at U40 of NET-0001, where none is planned: it is no leaf's
    (the spines share the model, and none of them is planned there either), so it stands
    for the last spine: its 64 links end at U40 now, and no server's cable changes (the
    leaves' uplinks regroup by medium, the longer run to U40 taking another)."""
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CAT)
    out = edits.install_device(lay, "NET-0001", "qm9700", 40, CAT)
    changed = _cut_sheet(lay) - _cut_sheet(out)
    assert {x[0] for x in changed} == {"leaf_spine"}
    assert sum((x[5], x[6]) == ("NET-0001", 40) for x in _cut_sheet(out)) == 64
    t = build_topology(out, CAT, compile_layout(out, CAT))
    assert t.sw_dev[23] >= 0 and int(t.sw_u[23]) == 40 and t.unassigned_switches == 0


def test_racks_cut_and_pasted_back_take_their_own_places_and_network_racks_too(pod):
    """Two racks cut together and pasted back (the layout listing them in another order
    than the fabric) take each its own node positions, and a network rack cut and pasted
    back takes its old place among the network racks: the cut-sheet is the one before,
    label for label (a network rack pasted at the end of the list moved every switch:
    1,016 labels; two racks swapped 64)."""
    before = _cut_sheet(pod)
    moved = pod.model_copy(update={"racks": [*pod.racks[4:], *pod.racks[:4]]})
    for ids in (["GPU-0002", "GPU-0004"], [pod.fabrics[0].network_racks[0]]):
        payload = edits.copy_items(moved, ids)
        cut = edits.remove_items(moved, ids, CAT)
        back = edits.paste(cut, edits.clipboard_payload(payload), (0.0, 0.0), catalog=CAT)
        assert back.fabrics == pod.fabrics
        assert _cut_sheet(back) == before


def test_a_rack_pasted_into_another_design_joins_none_of_its_fabrics(pod):
    """A GB200 NVL72 rack copied from its SuperPOD and pasted into an H100 SuperPOD: both
    fabrics are called compute, but the rack joins the H100 one no more (it took 408
    switches more and eleven errors)."""
    gb = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=CAT)
    payload = edits.copy_items(gb, [gb.fabrics[0].members[0]])
    out = edits.paste(pod, edits.clipboard_payload(payload), (0.0, 30.0), catalog=CAT)
    assert out.fabrics == pod.fabrics


def test_a_delete_that_would_keep_more_empty_positions_than_a_layout_may_keeps_none():
    # 8,190 positions kept empty before the second DGX rack; deleting it (4 nodes) would
    # keep 8,194 before the third, past the 8,192 a layout may hold before one rack: the
    # nodes after take the freed ports instead, and the layout still saves and opens
    from engine.model import Layout

    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    f = lay.fabrics[0]
    lay = lay.model_copy(update={"fabrics": [f.model_copy(update={
        "vacant_before": {f.members[1]: 8_190}})]})
    after = edits.remove_items(lay, [f.members[1]])
    assert after.fabrics[0].vacant_before == {}
    Layout.model_validate(after.model_dump(mode="json"))  # opens again
    # a small run is kept as before: 4 more before the third rack
    small = lay.model_copy(update={"fabrics": [f.model_copy(update={
        "vacant_before": {f.members[1]: 2}})]})
    assert edits.remove_items(small, [f.members[1]]).fabrics[0].vacant_before == {
        f.members[2]: 6}


def test_empty_positions_kept_before_a_rack_that_is_no_member_are_said():
    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    f = lay.fabrics[0]
    odd = lay.model_copy(update={"fabrics": [f.model_copy(update={
        "vacant_before": {"NOPE": 5}})]})
    a, b = analyze(lay, cat), analyze(odd, cat)
    said = [v for v in b.violations if v.code == "FABRIC-VACANT-REF"]
    assert [v.severity for v in said] == ["warning"]
    assert "vacant_before names NOPE, not among its members" in said[0].message
    assert b.counts["switches"] == a.counts["switches"]  # nothing kept for it


def test_a_server_added_to_a_full_rack_stands_at_the_fabrics_end():
    """Eight racks of four DGX H100 (one SU, its 32 positions full): a fifth DGX in
    GPU-0001 (U38) takes position 33, the first of a new SU, so every one of the 256
    cables already pulled keeps its leaf and port (it took position 5 and moved every
    later server a port along, the last one to the new SU's leaves); taken out again, the
    fabric is as it was."""
    lay = instantiate("dgx-h100-hall", {"racks": 8, "racks_per_row": 4}, catalog=CAT)
    before = _cut_sheet(lay)
    out = edits.install_device(lay, "GPU-0001", "dgx-h100", 38, CAT)
    assert out.fabrics[0].appended == ["GPU-0001"]
    after = _cut_sheet(out)
    old_nodes = {x for x in before if x[0] == "node_leaf"}
    assert old_nodes <= after
    new = [x for x in after - before if x[0] == "node_leaf"]
    assert {(x[1], x[2]) for x in new} == {("GPU-0001", 38)} and len(new) == 8
    # the new SU's first leaves, port 1 of each rail
    assert {x[8] for x in new} == {"P1/1"}
    back = edits.remove_device(out, "GPU-0001", 38, CAT)
    assert back.fabrics[0].appended == [] and back.fabrics[0].vacant_before == {}
    assert _cut_sheet(back) == before


def test_a_server_added_where_nothing_follows_takes_its_place():
    # the last member rack's new top server is the fabric's last node anyway
    lay = instantiate("dgx-h100-hall", {"racks": 8, "racks_per_row": 4}, catalog=CAT)
    last = lay.fabrics[0].members[-1]
    out = edits.install_device(lay, last, "dgx-h100", 38, CAT)
    assert out.fabrics[0].appended == []


def test_a_deleted_rack_takes_its_nodes_at_the_end_with_it():
    """GPU-0001 with a fifth DGX at the fabric's end, then deleted: its four positions stay
    empty before GPU-0002 (the others keep their cables), the fifth leaves the end."""
    lay = instantiate("dgx-h100-hall", {"racks": 8, "racks_per_row": 4}, catalog=CAT)
    before = _node_links(lay)
    grown = edits.install_device(lay, "GPU-0001", "dgx-h100", 38, CAT)
    out = edits.remove_items(grown, ["GPU-0001"], CAT)
    f = out.fabrics[0]
    assert f.appended == [] and f.vacant_before == {"GPU-0002": 4}
    assert _node_links(out) == _without(before, ("GPU-0001",))


def test_an_appended_entry_that_names_no_member_is_a_warning():
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=CAT)
    f = lay.fabrics[0].model_copy(update={"appended": ["NOPE"]})
    a = analyze(lay.model_copy(update={"fabrics": [f]}), CAT)
    v = [x for x in a.violations if x.code == "FABRIC-VACANT-REF"]
    assert v and "appended names NOPE" in v[0].message
