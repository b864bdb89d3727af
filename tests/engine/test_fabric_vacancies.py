"""A rack or server deleted from a generated fabric leaves its node positions empty: the
nodes after it keep their leaf ports, so the cables already pulled stay where they are,
instead of every later node moving up (which re-cabled a whole hall for one rack)."""

from __future__ import annotations

from collections import Counter

import pytest

from engine import edits
from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.report_tables import link_view
from engine.templates import instantiate

CAT = load_catalog(user_dir=None)


def _node_links(lay) -> Counter:
    """The node-leaf links by (server rack, server U, leaf rack, leaf U): which switch each
    server's cables go to (the cut-sheet numbers a leaf's ports in order, so a leaf that
    lost a server numbers the rest anew)."""
    v = link_view(analyze(lay, CAT), CAT)
    return Counter((ar, int(au), br, int(bu)) for t, ar, au, br, bu in zip(
        v.tier, v.a_rack, v.a_u, v.b_rack, v.b_u, strict=True) if t == "node_leaf")


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


def test_leaves_left_serving_no_server_are_said(pod):
    """The second SU deleted whole (GPU-0009 to GPU-0016): its 8 leaves stay, so the
    third and fourth SUs keep their cables, and the check says they serve no server."""
    gone = [f"GPU-{i:04d}" for i in range(9, 17)]
    out = edits.remove_items(pod, gone, CAT)
    a = analyze(out, CAT)
    assert a.network.switch_counts() == analyze(pod, CAT).network.switch_counts()
    said = [v.message for v in a.violations if v.code == "FABRIC-PORTS-IDLE"]
    assert any("8 of its 32 leaves serve no server" in m for m in said)
