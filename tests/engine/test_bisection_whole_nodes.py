"""Bisection keeps every node whole: the halves are GPUs grouped by their server or system.

A node's GPUs are joined by NVLink or PCIe, far faster than the scale-out fabric, so a
cut through a node is never the cheapest: a rail-optimized fabric is not cut rail
against rail (GPUs 0-3 of every server against GPUs 4-7), and a dual-homed node's two
ports stay on one side. The closed form and the graph search split the same way, so they
agree, whether the rails share spines or are separate planes. Only where whole nodes
cannot make equal halves (an odd number of 8-GPU servers) is one node's GPUs shared.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import analyze
from engine.bisection import closed_form_bisection, graph_bisection, node_blocks
from engine.catalog import load_catalog
from engine.fabric import plan_fabric, wire_fabric
from engine.model import FabricTier
from engine.network import _endpoint_nodes, _fabric_edges
from engine.templates import instantiate

CATALOG = load_catalog(user_dir=None)


def searched(a, fabric_id, *, whole_nodes=True):
    """Graph search of one analysed fabric (nodes whole, or every GPU free)."""
    topo = a.network.topology
    fb = next(f for f in topo.fabrics if f.id == fabric_id)
    return graph_bisection(fb.n_vertices, *_fabric_edges(topo, fb), fb.n_endpoints,
                           nodes=_endpoint_nodes(fb) if whole_nodes else None)


def fabric_entry(a, fabric_id):
    return next(f for f in a.network.fabrics if f["id"] == fabric_id)


def test_dual_homed_cpu_front_end_keeps_each_node_on_one_side():
    """cpu-cluster, 10 racks of 16 nodes, leaf_oversubscription 3.

    160 nodes, each with 2 x 100G front-end ports, port 0 on rail 0 and port 1 on rail 1.
    SN4600C leaves of 48 ports down and 16 up (3:1), 8 to each of 2 spines; each rail
    fills its 4 leaves 48/48/48/16, and a node's two leaves (one per rail) hold the same
    nodes, so the nodes come in 4 groups of 48, 48, 48 and 16 homed on one leaf pair.

    With a of a group's h nodes on side A and the spines on side B, each of its two
    leaves crosses min(16 + (h - a), a) links (spines on side A: the mirror image); a
    whole group costs 16 a leaf whatever its size. The cost is concave in a, so the
    cheapest split of 80 nodes a side has every group whole but one, and each such
    split costs the same: a 48-group whole (2 x 16) plus 32 of another (2 x min(16 +
    16, 32) = 64), or a 48-group and the 16-group whole plus 16 of a third (32 + 32 +
    2 x min(16 + 32, 16) = 32): 96 links x 100G = 9.6 Tb/s, 120 Gb/s per node. (Every
    rail-0 port against every rail-1 port would cross 4 leaves' 64 uplinks, 6.4 Tb/s,
    but puts every node on both sides.)

    One spine out leaves 8 uplinks a leaf: 48 whole (2 x 8) + 32 of a 48-group
    (2 x min(8 + 16, 32) = 48), or 48 and 16 whole (16 + 16) + 16 of a 48-group
    (2 x min(8 + 32, 16) = 32): 64 links, 6.4 Tb/s.
    """
    lay = instantiate("cpu-cluster", {"racks": 10, "leaf_oversubscription": 3},
                      catalog=CATALOG)
    a = analyze(lay, CATALOG)
    f = fabric_entry(a, "front-end")
    assert (f["nodes"], f["gpus"], f["switches"]["leaf"], f["switches"]["spine"]) == \
        (160, 0, 8, 2)
    assert f["cables"] == {"node_leaf": 320, "leaf_spine": 128, "spine_core": 0}
    fb = next(x for x in a.network.topology.fabrics if x.id == "front-end")
    ports = np.bincount(fb.wiring.port_leaf).tolist()
    assert sorted(ports) == [16, 16, 48, 48, 48, 48, 48, 48]
    assert f["bisection_tbps"] == pytest.approx(9.6)
    assert f["per_endpoint_bisection_gbps"] == pytest.approx(120.0)
    # leaves filled unevenly: the cheapest structured cut, confirmed by the graph search
    assert f["bisection_method"] == "structured_cut" and f["bisection_exact"] is False
    # (a front-end fabric's endpoints are its nodes: the search never parted their ports)
    assert searched(a, "front-end").value == pytest.approx(9600.0)
    w = f["worst_failure"]
    assert w["bisection_tbps"] == pytest.approx(6.4) and w["loss_fraction"] == \
        pytest.approx(1 / 3, abs=1e-4)


def _hall_with_leaf_taper(oversubscription: float, su_nodes: int):
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=CATALOG)
    f = lay.fabrics[0]
    tiers = [t.model_copy(update={"oversubscription": oversubscription})
             if t.name == "leaf" else t for t in f.tiers]
    f = f.model_copy(update={"tiers": [FabricTier(**t.model_dump()) for t in tiers],
                             "su_nodes": su_nodes})
    return analyze(lay.model_copy(update={"fabrics": [f]}), CATALOG)


@pytest.mark.parametrize("oversubscription,su_nodes,spines,uplinks,rail_cut_tbps", [
    (2.0, 16, 1, 8, 12.8),
    (3.0, 32, 2, 12, 19.2),
])
def test_rail_leaves_with_a_taper_are_not_cut_rail_against_rail(
        oversubscription, su_nodes, spines, uplinks, rail_cut_tbps):
    """dgx-h100-hall, 4 racks (16 DGX H100, 128 GPUs), its leaves tapered.

    Every one of the 8 rail leaves holds GPU r of each of the 16 nodes (16 ports down)
    with 8 uplinks to 1 spine (2:1 on a 16-node SU) or 12 to 2 spines (3:1 asked on the
    32-node SU: 32 ports built, 32 / 3 uplinks made 12 to split evenly over the 2 spines,
    16 ports used). Any 8/8 split of whole nodes leaves 8 GPUs of each half
    on every leaf, which the leaf switches between them: min(uplinks + 8, 8) = 8 links a
    leaf, 64 x 400G = 25.6 Tb/s, 400 Gb/s per GPU: full bisection in both cases.

    The cut of rails 0-3 against rails 4-7 would cross only the uplinks of 4 leaves
    (4 x 8 = 32 links, 12.8 Tb/s; 4 x 12 = 48, 19.2 Tb/s) but splits every node's 8 GPUs
    across it, counting the NVLink between them as free.
    """
    a = _hall_with_leaf_taper(oversubscription, su_nodes)
    net = a.network
    f = fabric_entry(a, "compute")
    assert (f["switches"]["leaf"], f["switches"]["spine"]) == (8, spines)
    assert f["cables"]["leaf_spine"] == 8 * uplinks
    assert net.bisection_tbps == pytest.approx(25.6)
    assert net.per_gpu_bisection_gbps == pytest.approx(400.0)
    # every leaf serves the same 16 nodes: the closed form is exact, and says so
    assert net.bisection_method == "closed_form" and net.bisection_exact
    assert searched(a, "compute").value == pytest.approx(25600.0)
    assert searched(a, "compute", whole_nodes=False).value == pytest.approx(
        rail_cut_tbps * 1000.0)
    # all traffic of the halves turns inside the leaves: a spine lost costs nothing
    assert net.worst_failure["loss_fraction"] == 0.0


def test_rail_planes_and_shared_spines_split_the_same_whole_nodes():
    """gb200-nvl72-superpod, 1 SU: 8 NVL72 racks (72 GPUs, one NVLink domain each) on 4
    rail planes of 8 leaves (18 GPUs of a rack down, 18 up) and 6 spines, joined only
    inside the racks. 4 racks a side: every plane crosses its 4 A-side leaves' 4 x 18
    uplinks (or, spines on side A, the other 4): 4 planes x 72 = 288 links x 400G =
    115.2 Tb/s, 400 Gb/s per GPU. The graph search of the same fabric, each rack whole,
    finds the same; with every GPU free the planes come apart at no cost.
    """
    a = analyze(instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=CATALOG),
                CATALOG)
    f = fabric_entry(a, "compute")
    assert f["rail_planes"] == 4
    assert a.network.bisection_tbps == pytest.approx(115.2)
    assert a.network.bisection_method == "closed_form" and a.network.bisection_exact
    assert searched(a, "compute").value == pytest.approx(115200.0)
    assert searched(a, "compute", whole_nodes=False).value == 0.0


def test_an_odd_number_of_servers_shares_one_of_them_between_the_halves():
    """31 DGX H100 (one SU with its UFM slot): 248 GPUs cannot be halved by whole servers,
    so one server's GPUs are shared, 4 a side: 15.5 servers x 8 GPUs x 400G = 49.6 Tb/s
    across the non-blocking SU, 400 Gb/s per GPU, by both methods. The shared server's
    own NVLink (4 GPUs x 3.6 Tb/s a side) is its scale-up domain, not scale-out capacity:
    it is not counted as crossing (64.0 Tb/s, 516 Gb/s a GPU, if it were)."""
    a = analyze(instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=CATALOG),
                CATALOG)
    assert a.counts["gpus"] == 248
    assert a.network.bisection_tbps == pytest.approx(49.6)
    assert a.network.per_gpu_bisection_gbps == pytest.approx(400.0)
    g = searched(a, "compute")
    assert g.value == pytest.approx(49600.0) and int(g.side.sum()) == 124
    nodes = _endpoint_nodes(next(f for f in a.network.topology.fabrics if f.id == "compute"))
    on_a = np.bincount(nodes, weights=g.side)
    assert np.count_nonzero((on_a > 0) & (on_a < 8)) == 1      # one server, 4 GPUs a side


def test_closed_form_keeps_nodes_whole_at_every_scale():
    # 2-rail dual-homed nodes, one SU of 10: leaves of 10 ports down, 5 up (2:1) on one
    # spine. 5/5 nodes: each leaf crosses min(5 + 5, 5) = 5, 10 links; rail against rail
    # would cross one leaf's 5 uplinks
    ports = np.full(10, 2)
    p = plan_fabric(ports, rails=2, su_nodes=10, radix=(15, 15, 15),
                    oversubscription=(2.0, 1.0, 1.0))
    w = wire_fabric(p, ports)
    assert (p.leaves, p.leaf_uplinks, p.spines) == (2, 5, 1)
    assert closed_form_bisection(p, w, 1.0, node_endpoints=np.ones(10, int)) == 10.0
    block_of_leaf, block_of_node, n = node_blocks(w.port_node, w.port_leaf, p.leaves, 10)
    assert n == 1 and set(block_of_leaf.tolist()) == set(block_of_node.tolist()) == {0}
