"""Bisection bandwidth: closed form against published structures and the graph search.

* k-ary fat-trees have full bisection, k^3/8 host links each way (Al-Fares et
  al., SIGCOMM 2008); the graph search finds the same value.
* DGX SuperPOD fabrics are non-blocking ("full non-blocking fat tree", NVIDIA
  SuperPOD/Enterprise RAs): 400 Gb/s per GPU for every SU count of the
  compute-fabric table (see test_fabric.py for the table and its source).
* Tapered Clos: the bisection is half the capacity of the narrowest tier.
* The graph search returns real cuts (an upper bound): it is checked against
  networkx's minimum cut and against brute force on small graphs.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.bisection import (
    closed_form_bisection,
    cut_for_split,
    graph_bisection,
    hierarchical_cut_gbps,
    structured_cut_gbps,
)
from engine.fabric import plan_fabric, wire_fabric


def fabric_graph(plan, w, node_ports, gbps=1.0):
    """The fabric as a graph: one endpoint per port (1 GPU per port), then switches."""
    n_ep = int(np.sum(node_ports))
    L, S = plan.leaves, plan.spines
    u = np.concatenate([np.arange(n_ep), n_ep + w.ls_leaf, n_ep + L + w.sc_spine])
    v = np.concatenate([n_ep + w.port_leaf, n_ep + L + w.ls_spine, n_ep + L + S + w.sc_core])
    cap = np.concatenate([np.full(n_ep, gbps), w.ls_count * gbps, w.sc_count * gbps])
    return n_ep + L + S + plan.cores, u, v, cap.astype(float), n_ep


def both(node_ports, gbps=1.0, **kw):
    """Closed form and graph search of one fabric, both keeping each node's GPUs whole."""
    node_ports = np.asarray(node_ports)
    p = plan_fabric(node_ports, **kw)
    w = wire_fabric(p, node_ports)
    cf = closed_form_bisection(p, w, gbps)
    g = graph_bisection(*fabric_graph(p, w, node_ports, gbps), nodes=w.port_node)
    return p, cf, g


@pytest.mark.parametrize("k", [4, 6, 8, 10, 12])
def test_k_ary_fat_tree_has_full_bisection_and_the_graph_agrees(k):
    hosts = k ** 3 // 4
    p, cf, g = both(np.ones(hosts, int), topology="fat_tree", radix=(k, k, k))
    assert cf == hosts / 2
    assert g.value == pytest.approx(cf)
    assert int(g.side.sum()) == hosts // 2


@pytest.mark.parametrize("k", [16, 24, 32])
def test_k_ary_fat_tree_closed_form_at_larger_k(k):
    hosts = k ** 3 // 4
    p = plan_fabric(np.ones(hosts, int), topology="fat_tree", radix=(k, k, k))
    assert closed_form_bisection(p, wire_fabric(p, np.ones(hosts, int)), 1.0) == hosts / 2


@pytest.mark.parametrize("su", [1, 2, 4, 16])
def test_superpod_is_non_blocking_and_the_graph_agrees(su):
    ports = np.full(32 * su, 8)
    p, cf, g = both(ports, gbps=400.0, rails=8, su_nodes=32, radix=(64, 64, 64))
    assert cf == 32 * su * 8 * 400.0 / 2           # 400 Gb/s per GPU, one way
    assert g.value == pytest.approx(cf)


@pytest.mark.parametrize("su", [2, 4])
def test_gb200_leaf_groups_are_non_blocking_and_the_graph_agrees(su):
    # RA-11338-001's GB200 fabric [S119]: scalable leaf groups (3 links per leaf-spine pair)
    # under 9 cores per SU; one NVL72 rack's 18 GPUs per rail on each leaf
    ports = np.full(8 * su, 72)
    p, cf, g = both(ports, gbps=400.0, rails=4, su_nodes=8, radix=(36, 48, 64),
                    pair_links=3)
    assert cf == 576 * su * 400.0 / 2
    assert g.value == pytest.approx(cf)


def test_tapered_leaf_limits_a_two_tier_fabric():
    # two SUs of 48 8-GPU nodes: 16 rail leaves of 48 ports down and 16 up (3:1). With
    # a of an SU's nodes on side A and the spines on side B, each of its leaves crosses
    # min(16 + (48 - a), a) links: 0 at a = 0, 16 at a = 48, 24 at a = 24. The halves
    # take a + a' = 48 nodes from the two SUs, cheapest at a = 48, a' = 0 (SU against
    # SU): 8 leaves x 16 uplinks = 128 links x 400G = 51.2 Tb/s for 384 GPUs a side,
    # 400/3 Gb/s per GPU
    ports = np.full(96, 8)
    p, cf, g = both(ports, gbps=400.0, rails=8, su_nodes=48, radix=(64, 64, 64),
                    oversubscription=(3.0, 1.0, 1.0))
    assert (p.leaves, p.leaf_uplinks) == (16, 16)
    gpus = 96 * 8
    assert cf == pytest.approx(gpus / 2 * 400.0 / 3) == 8 * 16 * 400.0
    assert g.value == pytest.approx(cf)


def test_one_scalable_unit_of_tapered_rail_leaves_keeps_full_bisection():
    # one SU of 48 nodes on 8 rail leaves (48 down, 16 up): every leaf holds one port of
    # every node, so any 24/24 split of whole nodes leaves 24 ports of each half on every
    # leaf, which the leaf switches between them: min(16 + 24, 24) = 24 links a leaf, 8 x
    # 24 = 192 x 400G = 76.8 Tb/s, 400 Gb/s per GPU. The 3:1 taper would show only in a
    # cut between rails (GPUs 0-3 of every node against GPUs 4-7), which splits every node
    ports = np.full(48, 8)
    p, cf, g = both(ports, gbps=400.0, rails=8, su_nodes=48, radix=(64, 64, 64),
                    oversubscription=(3.0, 1.0, 1.0))
    assert (p.leaves, p.leaf_uplinks) == (8, 16)
    assert cf == 8 * 24 * 400.0 == 48 * 8 / 2 * 400.0
    assert g.value == pytest.approx(cf)
    # with each GPU free to go to either side, rails 0-3 against rails 4-7 cross only the
    # 4 x 16 uplinks of one side's leaves: the cut the node-whole search no longer takes
    free = graph_bisection(*fabric_graph(p, wire_fabric(p, ports), ports, 400.0))
    assert free.value == pytest.approx(4 * 16 * 400.0)


def test_narrowest_tier_limits_a_tapered_three_tier_clos():
    # radix 24; leaf 2:1 (16 down, 8 up), spine 3:1 (18 down, 6 up); 4 full pods
    hosts = 4 * 18 * 16
    p, cf, g = both(np.ones(hosts, int), topology="clos", radix=(24, 24, 24),
                    oversubscription=(2.0, 3.0, 1.0))
    assert (p.pods, p.leaves, p.spines) == (4, 72, 32)
    tiers = p.cables()                                # capacity of each tier, one way
    assert (tiers["node_leaf"], tiers["leaf_spine"], tiers["spine_core"]) == (1152, 576, 192)
    assert cf == min(tiers.values()) / 2 == 96
    assert g.value == pytest.approx(cf)


def test_tapered_spine_alone_limits_when_leaves_are_not_tapered():
    hosts = 4 * 12 * 8
    p, cf, g = both(np.ones(hosts, int), topology="clos", radix=(16, 16, 16),
                    oversubscription=(1.0, 3.0, 1.0))
    assert cf == p.cables()["spine_core"] / 2 == hosts / 6
    assert g.value == pytest.approx(cf)


@settings(max_examples=25)
@given(st.sampled_from([8, 12, 16, 32]), st.sampled_from([1, 2, 4, 8]), st.integers(1, 6),
       st.sampled_from([1.0, 1.0, 2.0, 3.0]), st.sampled_from(["rail_optimized", "clos"]))
def test_closed_form_equals_graph_search_on_complete_fabrics(radix, rails, units, o, topo):
    # complete: every leaf full (SU of one leaf per rail)
    d0 = plan_fabric(np.ones(1, int), radix=(radix,) * 3, oversubscription=(o, 1, 1),
                     topology="clos").down[0]
    ports = np.full(units * d0, rails)
    p = plan_fabric(ports, rails=rails, su_nodes=d0, radix=(radix,) * 3,
                    oversubscription=(o, 1.0, 1.0), topology=topo)
    assume(not p.problems)          # a fabric too big for its core is not a Clos any more
    p, cf, g = both(ports, rails=rails, su_nodes=d0, radix=(radix,) * 3,
                    oversubscription=(o, 1.0, 1.0), topology=topo)
    assert g.value == pytest.approx(cf)


def test_partly_filled_scalable_units_agree_with_the_graph_search():
    for nodes in (33, 50, 63, 100, 1250):
        ports = np.full(nodes, 8)
        p, cf, g = both(ports, gbps=400.0, rails=8, su_nodes=32, radix=(64, 64, 64))
        assert g.value == pytest.approx(cf), nodes


def test_worst_spine_failure_loses_that_spine_share():
    # 2 SUs: 16 rail leaves with 32 uplinks, 4 to each of 8 spines. SU against SU crosses
    # one SU's 8 x 32 uplinks (256, full bisection); with a spine out each leaf keeps 28:
    # 224 links, 1 of 8 spines lost (a split inside the SUs crosses 8 x 16 x 2 = 256)
    ports = np.full(64, 8)
    p = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64))
    w = wire_fabric(p, ports)
    assert p.spines == 8
    full = closed_form_bisection(p, w, 400.0)
    failed = closed_form_bisection(p, w, 400.0, failed_spine=0)
    assert full == 256 * 400.0
    assert failed == pytest.approx(full * 7 / 8)     # 1 of 8 spines


def test_a_spine_failure_inside_one_scalable_unit_costs_no_bisection():
    # 1 SU: each rail leaf holds one port of all 32 nodes; a 16/16 split of whole nodes
    # crosses 16 host links at every leaf (8 x 16 = 128, full bisection) whatever the
    # spines do, so losing one of the 4 spines costs nothing across that cut
    ports = np.full(32, 8)
    p = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64))
    w = wire_fabric(p, ports)
    full = closed_form_bisection(p, w, 400.0)
    assert full == closed_form_bisection(p, w, 400.0, failed_spine=0) == 128 * 400.0


def test_structured_and_hierarchical_cuts():
    assert structured_cut_gbps(np.full(4, 2), np.full(4, 1.0), 1.0) == 2.0
    h = np.array([6] * 24 + [2])
    assert hierarchical_cut_gbps(h, np.full(25, 2.0), np.arange(25) // 5, np.full(5, 6.0),
                                 1.0) == 17.0


# -- the graph search -------------------------------------------------------------------------


def random_graph(rng, n_ep, n_sw, extra):
    u = list(range(n_ep))
    v = list(rng.integers(n_ep, n_ep + n_sw, n_ep))
    for _ in range(extra):
        a, b = rng.integers(0, n_ep + n_sw, 2)
        u.append(int(a))
        v.append(int(b))
    cap = rng.integers(1, 6, len(u)).astype(float)
    return n_ep + n_sw, np.array(u), np.array(v), cap


def nx_cut(n, u, v, cap, side):
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, c in zip(u.tolist(), v.tolist(), cap.tolist(), strict=True):
        if a == b:
            continue
        for x, y in ((a, b), (b, a)):
            g.add_edge(x, y, capacity=g[x][y]["capacity"] + c if g.has_edge(x, y) else c)
    for i, s in enumerate(side.tolist()):
        g.add_edge("s", i) if s else g.add_edge(i, "t")
    return nx.minimum_cut(g, "s", "t")[0]


def test_cut_for_split_equals_networkx_minimum_cut():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n, u, v, cap = random_graph(rng, 10, 5, 12)
        side = np.zeros(10, bool)
        side[rng.permutation(10)[:5]] = True
        assert cut_for_split(n, u, v, cap, side) == pytest.approx(nx_cut(n, u, v, cap, side))


def test_graph_search_is_an_upper_bound_that_brute_force_confirms():
    rng = np.random.default_rng(11)
    exact_hits = 0
    for _ in range(25):
        n, u, v, cap = random_graph(rng, 8, 4, 10)
        res = graph_bisection(n, u, v, cap, 8)
        assert int(res.side.sum()) == 4
        assert cut_for_split(n, u, v, cap, res.side) == pytest.approx(res.value)
        exact = min(cut_for_split(n, u, v, cap, np.isin(np.arange(8), c))
                    for c in itertools.combinations(range(8), 4))
        assert res.value >= exact - 1e-9
        exact_hits += res.value == pytest.approx(exact)
    assert exact_hits >= 20          # the search finds the optimum on most small graphs


def test_balanced_separate_components_cost_nothing():
    # two islands of 2 endpoints each
    res = graph_bisection(6, np.array([0, 1, 2, 3]), np.array([4, 4, 5, 5]), np.ones(4), 4)
    assert res.value == 0.0 and int(res.side.sum()) == 2


def test_graph_search_gives_the_same_bound_every_time():
    # a 3:1 tapered 16-SU fabric with 176 switches: the eigenproblem goes to ARPACK, whose
    # start vector is fixed, so one graph gives one bound, run after run
    ports = np.full(32 * 16, 8)
    p = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64), oversubscription=(1, 3))
    graph = fabric_graph(p, wire_fabric(p, ports), ports, 400.0)
    assert graph[0] - graph[4] > 120
    runs = [graph_bisection(*graph).value for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_more_pods_than_core_ports_is_no_fat_tree_and_its_closed_form_is_no_bisection():
    # radix 4: leaves 2 down / 2 up, pods of 2 leaves and 2 spines, each spine 2 up; 24
    # hosts make 12 leaves in 6 pods, more than a 4-port core reaches: each core meets 4
    # of the 6 pods, and a cut between pods is cheaper than the tiers' closed form says
    p, cf, g = both(np.ones(24, int), topology="clos", radix=(4, 4, 4))
    assert p.tiers == 3 and p.pods == 6 and any("exceed" in m for m in p.problems)
    assert g.value < cf


def test_the_analysis_does_not_call_such_a_fabric_exact():
    from test_fabric import superpod_layout

    from engine.analysis import analyze

    lay = superpod_layout(24, su_nodes=2, per_rack=4)
    f = lay.fabrics[0]
    tiers = [t.model_copy(update={"radix": 4}) for t in f.tiers]
    lay = lay.model_copy(update={"fabrics": [f.model_copy(update={
        "tiers": tiers, "topology": "clos", "ports_per_gpu": 0, "rails": 1})]})
    net = analyze(lay).network
    assert any(v.code == "FABRIC-NO-PORT" for v in analyze(lay).violations)
    assert net.bisection_method != "closed_form" and not net.bisection_exact
