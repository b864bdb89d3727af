"""Fabric generation: switch counts, rails, scalable units and switch placement.

Published numbers checked here:

* k-ary fat-tree (Al-Fares, Loukissas, Vahdat, "A scalable, commodity data
  center network architecture", SIGCOMM 2008): k^3/4 hosts, k pods of k/2 edge
  and k/2 aggregation switches, (k/2)^2 cores, 5k^2/4 switches in all.
* NVIDIA DGX SuperPOD: one SU = 32 DGX with 8 leaf + 4 spine QM9700 [S41][S81]
  (DGX H100 RA), and the compute-fabric table by SU count of the DGX SuperPOD
  B200 RA ("DGX SuperPOD Architecture", same QM9700 NDR fabric and 32-node SU,
  https://docs.nvidia.com/dgx-superpod/reference-architecture-scalable-infrastructure-b200/latest/dgx-superpod-architecture.html):

  ====  =====  =====  ====  =====  =========  ==========  ==========
  SU    nodes  leaf   spine core   node-leaf  leaf-spine  spine-core
  ====  =====  =====  ====  =====  =========  ==========  ==========
  2     64     16     8     -      512        512         -
  4     128    32     16    -      1024       1024        -
  8     256    64     32    -      2048       2048        -
  16    512    128    128   64     4096       4096        4096
  32    1024   256    256   128    8192       8192        8192
  64    2048   512    512   256    16384      16384       16384
  ====  =====  =====  ====  =====  =========  ==========  ==========
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.analysis import analyze
from engine.bisection import closed_form_bisection
from engine.catalog import load_catalog
from engine.compile import compile_layout
from engine.fabric import build_topology, plan_fabric, topology_key, wire_fabric
from engine.model import (
    CableTray,
    Fabric,
    FabricTier,
    Hall,
    Layout,
    MountedDevice,
    Rack,
)
from engine.templates import instantiate

CATALOG = load_catalog(user_dir=None)

SUPERPOD_TABLE = [  # (SU, leaf, spine, core, node-leaf, leaf-spine, spine-core)
    (2, 16, 8, 0, 512, 512, 0),
    (4, 32, 16, 0, 1024, 1024, 0),
    (8, 64, 32, 0, 2048, 2048, 0),
    (16, 128, 128, 64, 4096, 4096, 4096),
    (32, 256, 256, 128, 8192, 8192, 8192),
    (64, 512, 512, 256, 16384, 16384, 16384),
]


def superpod_layout(nodes: int, *, su_nodes: int = 32, net_racks: int | None = None,
                    tiers=("leaf", "spine", "core"), switch: str = "qm9700",
                    per_rack: int = 4, extra_net_devices=(), **fabric) -> Layout:
    """DGX H100 racks of ``per_rack`` in rows of 8 and a row of network racks, one tray each."""
    racks = []
    n_racks = -(-nodes // per_rack)
    left = nodes
    for i in range(n_racks):
        n = min(per_rack, left)
        left -= n
        racks.append(Rack(id=f"G{i:04d}", type="rack-800x1200", x_m=1.0 + 0.8 * (i % 8),
                          y_m=1.0 + 2.4 * (i // 8), row=f"R{i // 8}",
                          devices=[MountedDevice(type="dgx-h100", u=3 + 9 * k) for k in range(n)]))
    rows = -(-n_racks // 8)
    if net_racks is None:
        net_racks = max(1, -(-nodes * 8 // 32 * 3 // 40))
    y_net = 1.0 + 2.4 * rows
    for j in range(net_racks):
        devs = [MountedDevice(type=t, u=u) for t, u in extra_net_devices] if j == 0 else []
        racks.append(Rack(id=f"N{j:03d}", type="rack-800x1200", x_m=1.0 + 0.8 * (j % 40),
                          y_m=y_net + 2.4 * (j // 40), row=f"N{j // 40}", devices=devs))
    trays = [CableTray(id=f"T{k}", points=[(0.5, 1.0 + 2.4 * k), (33.0, 1.0 + 2.4 * k)])
             for k in range(rows + -(-net_racks // 40))]
    trays.append(CableTray(id="TW", points=[(0.5, 1.0), (0.5, 1.0 + 2.4 * (len(trays) - 1))]))
    fab = Fabric(id="ib", members=[r.id for r in racks if r.id.startswith("G")],
                 network_racks=[r.id for r in racks if r.id.startswith("N")],
                 tiers=[FabricTier(name=t, switch=switch) for t in tiers], su_nodes=su_nodes,
                 **fabric)
    depth = 1.0 + 2.4 * (len(trays) + 1)
    return Layout(hall=Hall(outline=[(0, 0), (40, 0), (40, depth), (0, depth)]), racks=racks,
                  trays=trays, fabrics=[fab])


# -- counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [4, 6, 8, 12, 16, 24, 48, 64])
def test_k_ary_fat_tree_counts(k):
    hosts = k ** 3 // 4
    p = plan_fabric(np.ones(hosts, int), topology="fat_tree", radix=(k, k, k))
    assert p.tiers == 3
    assert p.ports == hosts
    assert (p.leaves, p.spines, p.cores) == (k * k // 2, k * k // 2, k * k // 4)
    assert p.leaves + p.spines + p.cores == 5 * k * k // 4
    assert p.pods == k
    assert p.cables() == {"node_leaf": hosts, "leaf_spine": hosts, "spine_core": hosts}
    w = wire_fabric(p, np.ones(hosts, int))
    # every switch uses exactly k ports: k/2 down and k/2 up (cores: k down)
    ports = np.bincount(w.port_leaf, minlength=p.leaves) \
        + np.bincount(w.ls_leaf, weights=w.ls_count, minlength=p.leaves)
    assert (ports == k).all()
    spine = np.bincount(w.ls_spine, weights=w.ls_count, minlength=p.spines) \
        + np.bincount(w.sc_spine, weights=w.sc_count, minlength=p.spines)
    assert (spine == k).all()
    assert (np.bincount(w.sc_core, weights=w.sc_count, minlength=p.cores) == k).all()
    # each core reaches each pod exactly once (Al-Fares: one port per pod)
    pod_of_core_link = w.pod_of_spine[w.sc_spine]
    pairs = np.unique(np.stack([w.sc_core, pod_of_core_link], axis=1), axis=0)
    assert len(pairs) == p.cores * k


def test_superpod_one_su_is_8_leaf_4_spine():
    # [S41][S81]: SU = 32 DGX H100, 8 leaf + 4 spine QM9700
    p = plan_fabric(np.full(32, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    assert p.tiers == 2
    assert p.switches() == {"leaf": 8, "spine": 4, "core": 0}
    assert p.cables() == {"node_leaf": 256, "leaf_spine": 256, "spine_core": 0}
    assert p.oversubscription() == {"leaf": 1.0}


@pytest.mark.parametrize("su, leaf, spine, core, nl, ls, sc", SUPERPOD_TABLE)
def test_superpod_table_by_su_count(su, leaf, spine, core, nl, ls, sc):
    p = plan_fabric(np.full(32 * su, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    assert p.switches() == {"leaf": leaf, "spine": spine, "core": core}
    assert p.cables() == {"node_leaf": nl, "leaf_spine": ls, "spine_core": sc}
    assert p.tiers == (3 if core else 2)


def test_superpod_spines_step_non_linearly_at_the_third_tier():
    # 8 SU -> 16 SU doubles the leaves but quadruples the spines (table above)
    s8 = plan_fabric(np.full(256, 8), rails=8, su_nodes=32, radix=(64, 64, 64)).spines
    s16 = plan_fabric(np.full(512, 8), rails=8, su_nodes=32, radix=(64, 64, 64)).spines
    assert (s8, s16) == (32, 128)


def test_spines_of_a_pod_that_is_not_full_buy_only_the_core_links_they_use():
    # 2,304 nodes x 8 ports on 144-port switches, 1:1: 256 leaves (72 down, 72 up) in pods
    # of 72 leaves and 72 spines; the 4th pod holds 40 leaves, so its spines have 40 down
    # links and need 40 up, not 72. Every tier carries the 18,432 node links once; each spine
    # position has 72 x 3 + 40 = 256 core links, two 144-port cores per position
    p = plan_fabric(np.full(2304, 8), rails=8, su_nodes=144, radix=(144, 144, 144))
    assert (p.leaves, p.spines, p.cores) == (256, 288, 144)
    assert p.cables() == {"node_leaf": 18432, "leaf_spine": 18432, "spine_core": 18432}
    w = wire_fabric(p, np.full(2304, 8))
    per_spine = np.bincount(w.sc_spine, weights=w.sc_count, minlength=p.spines)
    assert sorted(set(per_spine.tolist())) == [40, 72]
    assert int(w.sc_count.sum()) == 18432
    per_core = np.bincount(w.sc_core, weights=w.sc_count, minlength=p.cores)
    assert per_core.max() <= 144 and int(per_core.sum()) == 18432


def test_fabric_without_core_tier_that_is_too_big_says_so():
    # 80 SU: 640 leaves, 80 per rail, more than a 64-port spine reaches even per rail
    p = plan_fabric(np.full(32 * 80, 8), rails=8, su_nodes=32, radix=(64, 64), max_tiers=2)
    assert p.tiers == 2 and p.planes == 1
    assert any("core tier" in m for m in p.problems)
    p = plan_fabric(np.full(512, 8), topology="clos", radix=(64, 64), max_tiers=2)
    assert p.leaves == 128 and any("core tier" in m for m in p.problems)


def test_two_tier_rail_optimized_too_wide_for_one_spine_is_built_in_rail_planes():
    # DGX B300 busbar-edition RA, 16 SU of 64 nodes on 64-port SN5610: 256 leaves and
    # 128 spines in 2 tiers (each rail's 32 leaves meet that rail's 16 spines)
    ports = np.full(64 * 16, 8)
    p = plan_fabric(ports, rails=8, su_nodes=64, radix=(64, 64), max_tiers=2)
    assert (p.tiers, p.planes, p.leaves, p.spines, p.problems) == (2, 8, 256, 128, ())
    assert p.cables() == {"node_leaf": 8192, "leaf_spine": 8192, "spine_core": 0}
    w = wire_fabric(p, ports)
    rail_of_leaf = (np.arange(p.leaves) // p.leaves_per_group) % 8
    # every leaf-spine link stays in its rail's plane, and every spine port is used once
    assert (rail_of_leaf[w.ls_leaf] == w.ls_spine // 16).all()
    assert np.bincount(w.ls_spine, weights=w.ls_count).tolist() == [64.0] * 128
    assert np.bincount(w.ls_leaf, weights=w.ls_count).tolist() == [32.0] * 256
    # each leaf meets every spine of its plane twice (32 uplinks over 16 spines)
    assert set(w.ls_count.tolist()) == {2} and len(w.ls_leaf) == 256 * 16


# NVIDIA DGX SuperPOD RA with DGX GB200 (RA-11338-001), SU model table [S119]: SUs, leaf,
# spine and core QM9700 switches; every tier carries one 400G link per GPU
GB200_TABLE = [(2, 64, 48, 18), (4, 128, 96, 36), (8, 256, 192, 72), (16, 512, 384, 144)]


def gb200_plan(su: int):
    # an NVL72 rack is one node of 72 ports on 4 rails; a leaf takes one rack's 18 GPUs of
    # a rail (36 ports used: 18 down, 18 up), a spine 24 down and 24 up, 3 links per pair
    return plan_fabric(np.full(8 * su, 72), rails=4, su_nodes=8, radix=(36, 48, 64),
                       pair_links=3)


@pytest.mark.parametrize("su, leaf, spine, core", GB200_TABLE)
def test_gb200_superpod_table_by_su_count(su, leaf, spine, core):
    p = gb200_plan(su)
    assert p.tiers == 3 and p.problems == ()
    assert p.switches() == {"leaf": leaf, "spine": spine, "core": core}
    gpus = 576 * su
    assert p.cables() == {"node_leaf": gpus, "leaf_spine": gpus, "spine_core": gpus}
    # scalable leaf groups: the 8 leaves of a rail and SU with their 6 spines
    assert (p.leaves_per_pod, p.spines_per_pod, p.pods) == (8, 6, 4 * su)
    w = wire_fabric(p, np.full(8 * su, 72))
    assert set(w.ls_count.tolist()) == {3}
    rail_of_leaf = (np.arange(p.leaves) // p.leaves_per_group) % 4
    su_of_leaf = np.arange(p.leaves) // (4 * p.leaves_per_group)
    pod = w.pod_of_spine[w.ls_spine]
    assert (pod == rail_of_leaf[w.ls_leaf] * su + su_of_leaf[w.ls_leaf]).all()


def test_gb200_superpod_one_su_is_four_leaf_groups_without_cores():
    # at 1 SU each rail's 8 leaves form one group: 32 leaves, 24 spines, no core tier; the
    # rails meet inside the NVL72 racks, and the fabric is still non-blocking
    p = gb200_plan(1)
    assert (p.tiers, p.planes, p.switches()) == (2, 4, {"leaf": 32, "spine": 24, "core": 0})
    ports = np.full(8, 72)
    w = wire_fabric(p, ports)
    assert closed_form_bisection(p, w, 400.0) == 576 * 400.0 / 2
    # a pairing that divides neither side is reported and ignored
    q = plan_fabric(np.full(8, 72), rails=4, su_nodes=8, radix=(36, 48, 64), pair_links=4)
    assert any("links per leaf-spine pair" in m for m in q.problems)


def test_partial_su_keeps_whole_su_of_leaves_and_uplinks():
    # the RA designs the full SU even when it is partly filled
    p = plan_fabric(np.full(33, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    assert p.scalable_units == 2
    assert p.leaves == 16
    assert p.cables()["node_leaf"] == 33 * 8
    assert p.cables()["leaf_spine"] == 16 * 32


def test_rail_optimized_nic_r_goes_to_the_leaf_of_rail_r():
    ports = np.full(100, 8)
    p = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64))
    w = wire_fabric(p, ports)
    group = w.port_leaf // p.leaves_per_group
    assert (group % 8 == w.port_index % 8).all()              # rail of the port
    assert (group // 8 == w.port_node // 32).all()            # SU of the node
    # every leaf serves one rail of one SU, and no leaf has more hosts than down ports
    assert np.bincount(w.port_leaf).max() <= p.down[0]


def test_tapered_leaf_splits_ports_by_oversubscription():
    p = plan_fabric(np.full(48, 8), rails=8, su_nodes=48, radix=(64, 64, 64),
                    oversubscription=(3.0, 1.0, 1.0))
    assert (p.down[0], p.up[0]) == (48, 16)
    assert p.oversubscription() == {"leaf": 3.0}
    assert p.leaves == 8


def test_clos_fills_leaves_node_by_node():
    ports = np.full(10, 8)
    p = plan_fabric(ports, topology="clos", radix=(32, 32, 32))
    w = wire_fabric(p, ports)
    assert p.leaves == 5
    # a node's 8 ports stay on one leaf (16 down ports hold two nodes)
    assert all(len(set(w.port_leaf[w.port_node == n].tolist())) == 1 for n in range(10))


# -- the layout's fabric ------------------------------------------------------------------------


def test_layout_fabric_reproduces_superpod_switches_and_cables():
    lay = superpod_layout(32 * 16, net_racks=8)
    a = analyze(lay, CATALOG)
    sw = a.counts["switches"]
    assert (sw["leaf"], sw["spine"], sw["core"]) == (128, 128, 64)
    by_tier = a.network.cabling_dict()["by_tier"]
    assert (by_tier["node_leaf"], by_tier["leaf_spine"], by_tier["spine_core"]) == \
        (4096, 4096, 4096)
    assert not [v for v in a.violations if v.code.startswith("FABRIC")]


def test_switches_go_into_free_u_of_network_racks_and_the_layout_is_untouched():
    lay = superpod_layout(64, net_racks=2, extra_net_devices=[("sn2201", 1)])
    before = lay.model_dump()
    arr = compile_layout(lay, CATALOG)
    topo = build_topology(lay, CATALOG, arr)
    assert lay.model_dump() == before
    net = {arr.rack_index["N000"], arr.rack_index["N001"]}
    assert set(topo.sw_rack.tolist()) <= net
    # no two switches share a U, none overlaps the installed SN2201 at U1 of N000
    taken = {(int(r), int(u) + k) for r, u, h in zip(topo.sw_rack, topo.sw_u, topo.sw_height_u,
                                                     strict=True) for k in range(int(h))}
    assert len(taken) == int(topo.sw_height_u.sum())
    assert (arr.rack_index["N000"], 1) not in taken
    # one SU's 8 leaves share a rack, as in the SuperPOD rack layouts
    leaves = topo.sw_tier == 0
    assert len(set(topo.sw_rack[leaves][:8].tolist())) == 1
    assert (topo.sw_dev < 0).all()
    assert topo.sw_power_w.sum() == pytest.approx(24 * 1720.0)


def test_installed_switches_are_used_before_generated_ones():
    lay = superpod_layout(32, net_racks=1, extra_net_devices=[("qm9700", 40), ("qm9700", 41)])
    arr = compile_layout(lay, CATALOG)
    topo = build_topology(lay, CATALOG, arr)
    assert int((topo.sw_dev >= 0).sum()) == 2
    assert topo.sw_u[topo.sw_dev >= 0].tolist() == [40, 41]
    assert topo.unassigned_switches == 0
    # installed switches already draw power in their rack: only generated ones add
    assert topo.sw_power_w[topo.sw_dev >= 0].sum() == 0.0
    a = analyze(lay, CATALOG)
    assert a.counts["switches"]["total"] == 12


def test_no_room_in_network_racks_is_an_error():
    lay = superpod_layout(32 * 16, net_racks=1)
    a = analyze(lay, CATALOG)
    room = [v for v in a.violations if v.code == "FABRIC-NO-ROOM"]
    assert room and room[0].severity == "error"
    assert "ib" in room[0].items and "N000" in room[0].items
    assert "find no free U" in room[0].message
    # the switches that find no room still draw power: the message says where it counts
    assert ("their power is counted in the hall's IT load, in no rack, and their cables run "
            "from N000, until they have room") in room[0].message
    # ... in the IT load, not in the network rack: N000 holds what stands in it
    topo = a.network.topology
    lost = topo.sw_roomless
    assert lost.any() and not lost.all()
    k = a.arrays.rack_ids.index("N000")
    standing = (topo.sw_rack == k) & ~lost
    assert a.power.rack_kw[k] == pytest.approx(
        topo.sw_power_w[standing].sum() / 1000 + a.network.rack_optics_w(len(lay.racks))[k]
        / 1000)
    assert a.network.roomless_switch_w == pytest.approx(topo.sw_power_w[lost].sum())
    assert a.power.it_kw == pytest.approx(a.power.rack_kw.sum()
                                          + a.network.roomless_switch_w / 1000)


def test_no_network_racks_is_an_error_but_still_analyzes():
    lay = superpod_layout(32, net_racks=1)
    lay = lay.model_copy(update={"fabrics": [lay.fabrics[0].model_copy(
        update={"network_racks": []})]})
    a = analyze(lay, CATALOG)
    assert any(v.code == "FABRIC-NO-ROOM" and "network racks (it names none of the layout's racks)" in v.message
               for v in a.violations)
    assert a.counts["switches"]["leaf"] == 8
    assert a.network.cabling_dict()["links"] > 0


def test_too_many_leaves_for_two_tiers_is_no_free_port():
    lay = superpod_layout(32 * 16, net_racks=8, tiers=("leaf", "spine"), topology="clos")
    a = analyze(lay, CATALOG)
    assert any(v.code == "FABRIC-NO-PORT" and v.severity == "error" for v in a.violations)
    # the same nodes rail-optimized fit 2 tiers as rail planes (16 leaves per rail)
    lay = superpod_layout(32 * 16, net_racks=8, tiers=("leaf", "spine"))
    a = analyze(lay, CATALOG)
    assert not any(v.code == "FABRIC-NO-PORT" for v in a.violations)
    assert a.network.switch_counts()["spine"] == 64


def test_unknown_racks_and_switch_models_are_reported():
    lay = superpod_layout(32, net_racks=1)
    f = lay.fabrics[0].model_copy(update={"members": ["G0000", "nope"],
                                          "tiers": [FabricTier(name="leaf", switch="dgx-h100")]})
    a = analyze(lay.model_copy(update={"fabrics": [f]}), CATALOG)
    codes = {v.code for v in a.violations}
    assert {"FABRIC-UNKNOWN-RACK", "FABRIC-SWITCH-MODEL"} <= codes


def test_a_rack_listed_twice_counts_once_and_is_said():
    # the network racks listed twice: the switches, cables and their lengths are those of
    # the list without the repeats (twice the room in a rack moved switches and changed
    # 17.3 km of cable to 19.5 km), and a warning names the racks
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=CATALOG)
    f = lay.fabrics[0]
    twice = f.model_copy(update={"network_racks": f.network_racks * 2,
                                 "members": f.members + f.members[:2]})
    a, b = analyze(lay, CATALOG), analyze(lay.model_copy(update={"fabrics": [twice]}), CATALOG)
    assert b.to_dict()["cabling"] == a.to_dict()["cabling"]
    assert b.counts["switches"] == a.counts["switches"]
    said = [v for v in b.violations if v.code == "FABRIC-DUPLICATE-RACK"]
    assert [v.severity for v in said] == ["warning", "warning"]
    text = " | ".join(v.message for v in said)
    assert f"members lists {f.members[0]}, {f.members[1]} more than once" in text
    assert f"network_racks lists {', '.join(f.network_racks)} more than once" in text


def test_fabric_follows_added_removed_and_moved_servers():
    lay = superpod_layout(32, net_racks=2)
    key = topology_key(lay, compile_layout(lay, CATALOG))
    assert analyze(lay, CATALOG).counts["switches"]["leaf"] == 8
    # one more DGX starts a second SU: 8 more leaves, and the spines follow
    extra = Rack(id="G9999", type="rack-800x1200", x_m=20.0, y_m=1.0,
                 devices=[MountedDevice(type="dgx-h100", u=3)])
    f = lay.fabrics[0].model_copy(update={"members": lay.fabrics[0].members + ["G9999"]})
    grown = lay.model_copy(update={"racks": lay.racks + [extra], "fabrics": [f]})
    a = analyze(grown, CATALOG)
    assert (a.counts["switches"]["leaf"], a.counts["switches"]["spine"]) == (16, 8)
    assert a.network.links_by_tier["node_leaf"] == 33 * 8
    # removing it again gives the first fabric back
    assert analyze(lay, CATALOG).counts["switches"]["leaf"] == 8
    # moving a rack keeps the topology (only its cables re-route)
    moved = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"x_m": 9.0})]
                                   + lay.racks[1:]})
    assert topology_key(moved, compile_layout(moved, CATALOG)) == key


def test_rack_scale_systems_bring_their_own_scale_up_domain():
    racks = [Rack(id=f"S{i}", type="nvl72-rack", x_m=1.0 + 0.7 * i, y_m=1.0,
                  system="gb200-nvl72") for i in range(4)]
    racks.append(Rack(id="N0", type="rack-800x1200", x_m=5.0, y_m=1.0))
    fab = Fabric(id="ib", network_racks=["N0"], rails=4, su_nodes=4,
                 tiers=[FabricTier(name="leaf", switch="qm9700"),
                        FabricTier(name="spine", switch="qm9700")])
    lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 5), (0, 5)]), racks=racks,
                 fabrics=[fab])
    a = analyze(lay, CATALOG)
    n = a.network.network_dict()
    assert n["scaleup_domain_gpus"] == 72 and n["scaleup_domains"] == 4
    # the NVLink domain is not part of the scale-out counts: 72 NICs per rack
    assert a.network.links_by_tier["node_leaf"] == 4 * 72
    assert n["scaleup_gbps_per_gpu_per_direction"] == pytest.approx(7200.0)


def test_front_end_fabric_is_counted_apart():
    lay = superpod_layout(32, net_racks=2)
    fe = Fabric(id="fe", purpose="front_end", topology="clos", nic_speed_gbps=100,
                members=lay.fabrics[0].members, network_racks=["N001"],
                tiers=[FabricTier(name="leaf", switch="sn4600c"),
                       FabricTier(name="spine", switch="sn4600c")])
    a = analyze(lay.model_copy(update={"fabrics": lay.fabrics + [fe]}), CATALOG)
    sw = a.counts["switches"]
    assert (sw["leaf"], sw["spine"]) == (8, 4)
    assert sw["front_end_leaf"] == 2      # 32 DGX x 2 front-end ports on 32-port leaves
    assert a.network.links_by_tier["front_end_node_leaf"] == 64
    assert a.network.bisection_fabric == "ib"


def test_dgx_h100_hall_template_has_a_fabric_and_checks_clean():
    lay = instantiate("dgx-h100-hall", {})
    a = analyze(lay, CATALOG)
    assert [v for v in a.violations if v.severity == "error"] == []
    sw = a.counts["switches"]
    assert (sw["leaf"], sw["spine"], sw["core"]) == (16, 8, 0)   # 64 DGX = 2 SU
    assert a.network.bisection_method == "closed_form"
    assert a.network.per_gpu_bisection_gbps == pytest.approx(400.0)


def meta_with_box_spines(pods: int = 1) -> Layout:
    """The Meta template with its CTSW tier (a 7804R4 chassis) on a 7060X6 box instead,
    ports run at 400G: a tier taking more ports than its switch has."""
    from engine.templates import instantiate

    lay = instantiate("meta-24k-roce", {"pods": pods})
    fab = lay.fabrics[0]
    tiers = [t.model_copy(update={"switch": "arista-7060x6-64pe", "port_speed_gbps": 400.0})
             if t.name == "spine" else t for t in fab.tiers]
    return lay.model_copy(update={"fabrics": [fab.model_copy(update={"tiers": tiers})]})


def test_a_tier_using_more_ports_than_its_switch_has_is_a_stand_in():
    # Meta's CTSW takes 220 ports at 400G: the template's 7804R4 has 144 x 800G, 288 x 400G
    # broken out [S43], so it is a real switch of the tier; a 7060X6 (64 x 800G [S43]) run
    # at 400G without breakout (port_speed_gbps) counts 64, as the report's tiers table
    # does (each cage then takes one link and one module): the analysis
    # says it stands in for a larger switch, with one box's power and U
    from engine.analysis import analyze
    from engine.templates import instantiate

    a = analyze(instantiate("meta-24k-roce", {"pods": 1}))
    assert not [v for v in a.violations if v.code == "FABRIC-RADIX"]
    box = analyze(meta_with_box_spines())
    radix = [v for v in box.violations if v.code == "FABRIC-RADIX"]
    assert len(radix) == 1 and radix[0].severity == "warning"
    assert "220 ports of arista-7060x6-64pe, which has 64 at 400 Gb/s" in radix[0].message
    # a k-ary fat-tree built from bigger switches uses fewer ports than they have
    ft = analyze(instantiate("fat-tree", {"k": 8}))
    assert not [v for v in ft.violations if v.code == "FABRIC-RADIX"]
    # 80 QM9700 (64 ports [S11]) of which each uses k = 8: worth a second look (info)
    idle = [v for v in ft.violations if v.code == "FABRIC-PORTS-IDLE"]
    assert len(idle) == 1 and idle[0].severity == "info"
    assert "32 leaf qm9700 switches use at most 8 of their 64 ports (12%)" in idle[0].message
    assert "16 core qm9700 switches" in idle[0].message
    # Meta's RTSW stand-in, a 7060X6 (64 x 800G, 128 x 400G broken out [S43]), uses 32 of its
    # ports, one per rack: a smaller switch would do (info), not fewer
    (rtsw,) = [v for v in a.violations if v.code == "FABRIC-PORTS-IDLE"]
    assert "192 leaf arista-7060x6-64pe switches use at most 32 of their 128 ports" \
        in rtsw.message and "smaller switches would do (a top-of-rack" in rtsw.message
    # NVIDIA's SuperPOD leaves use their 64 ports (32 down, 32 up)
    pod = analyze(instantiate("dgx-h100-superpod", {"scalable_units": 2}))
    assert not [v for v in pod.violations if v.code == "FABRIC-PORTS-IDLE"]
    # a fabric left with no members builds no switch: it is empty, not a stand-in
    meta = meta_with_box_spines()
    gpu_racks = {r.id for r in meta.racks if r.devices}  # the Grand Teton (HGX H100) racks
    empty = meta.model_copy(update={"racks": [r for r in meta.racks if r.id not in gpu_racks]})
    codes = {v.code for v in analyze(empty).violations}
    assert "FABRIC-EMPTY" in codes and "FABRIC-RADIX" not in codes


def test_fewer_uplinks_never_take_more_spines():
    # 2 SU of 32 DGX (8 rails, 64-port QM9700): a leaf serves 32 node ports. Asking for
    # 1.5:1 leaves 26 uplink ports of which 25 or 26 would need 25 or 13 spines (every
    # spine must divide the uplinks); 24 uplinks (1.33:1) need 6. The spine count
    # falls as the ratio rises, and every leaf keeps at least 32 / ratio uplinks.
    ports = np.full(64, 8)
    spines, ups = [], []
    for o in (1.0, 1.5, 2.0, 3.0, 4.0):
        p = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64),
                        oversubscription=(o, 1.0, 1.0), max_tiers=2)
        assert p.leaf_uplinks >= math.ceil(32 / o) and p.leaves == 16
        assert p.oversubscription()["leaf"] <= o
        spines.append(p.spines)
        ups.append(p.leaf_uplinks)
    assert spines == [8, 6, 4, 3, 2] and ups == [32, 24, 16, 12, 8]


def test_a_leaf_larger_than_its_rail_share_takes_only_the_uplinks_needed():
    # a 144-port (288 x 400G) leaf on a 32-node SU rail serves 32 ports: 1:1 is 32
    # uplinks, so 8 spines of 64 ports for 16 leaves, not 144 uplinks and 36 spines
    p = plan_fabric(np.full(64, 8), rails=8, su_nodes=32, radix=(288, 64, 64),
                    oversubscription=(1.0, 1.0, 1.0), max_tiers=2)
    assert (p.leaves, p.leaf_uplinks, p.spines) == (16, 32, 8)
    assert p.cables() == {"node_leaf": 512, "leaf_spine": 512, "spine_core": 0}
    assert p.oversubscription() == {"leaf": 1.0}


@given(nodes=st.integers(2, 600), su=st.sampled_from([8, 16, 32, 64]),
       radix=st.sampled_from([32, 36, 48, 64, 128, 288]),
       spine_radix=st.sampled_from([32, 48, 64, 128]),
       o=st.sampled_from([1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 7.0]),
       topology=st.sampled_from(["rail_optimized", "clos"]))
def test_a_two_tier_plan_is_consistent(nodes, su, radix, spine_radix, o, topology):
    """Whatever the sizes: every leaf has the same links to every spine of its plane,
    the spines have the ports for them, and a leaf keeps the uplinks its ratio asks for."""
    ports = np.full(nodes, 8)
    p = plan_fabric(ports, topology=topology, rails=8, su_nodes=su,
                    radix=(radix, spine_radix, spine_radix), oversubscription=(o, 1.0, 1.0),
                    max_tiers=2)
    if p.tiers < 2 or p.problems:
        return
    per_plane = p.spines // p.planes
    assert p.leaf_uplinks % per_plane == 0  # equal links to every spine
    assert (p.leaves // p.planes) * p.leaf_uplinks <= per_plane * spine_radix  # spine ports
    assert p.leaf_uplinks >= math.ceil(p.leaf_down_used / o - 1e-9)
    assert p.leaf_uplinks <= radix - p.down[0]  # no more uplinks than ports
    w = wire_fabric(p, ports)
    assert int(w.ls_count.sum()) == p.cables()["leaf_spine"]


def test_hardware_added_to_a_network_rack_moves_no_switch_it_does_not_displace():
    """A console server installed in a network rack above its switches takes its own U:
    no generated switch changes rack or U (a tier's share of the racks once moved round
    every network rack of the hall, 50 switches for one 1U device). One installed where
    a switch stands lifts that rack's switches above it by its height and nothing else."""
    from engine.model import MountedDevice

    layout = instantiate("gb200-nvl72-superpod")

    def placed(lay):
        t = analyze(lay).network.topology
        return np.stack([t.sw_rack, t.sw_u], 1)

    before = placed(layout)
    t = analyze(layout).network.topology
    net = int(t.sw_rack.min())
    top = int(t.sw_u[t.sw_rack == net].max())
    rack = layout.racks[net]
    assert not rack.devices and top < 40
    above = layout.model_copy(deep=True)
    above.racks[net].devices.append(MountedDevice(type="sn2201", u=top + 5))
    assert np.array_equal(placed(above), before)
    onto = layout.model_copy(deep=True)
    onto.racks[net].devices.append(MountedDevice(type="sn2201", u=3))
    after = placed(onto)
    moved = np.flatnonzero((after != before).any(1))
    assert len(moved) and (before[moved, 0] == net).all() and (after[moved, 0] == net).all()
    assert (after[moved, 1] - before[moved, 1] == 1).all()
    assert (before[moved, 1] >= 3).all()


def test_switches_a_network_rack_has_no_room_for_are_the_only_ones_to_change_rack():
    """Four 10U servers in a network rack of a 2-SU GB200 hall leave 8 U for the 12
    switches the fabric aims at it: 4 of them go on to the next network rack with room,
    the other 8 stay (above the servers), and no switch of any other rack changes rack."""
    from engine import edits

    layout = instantiate("gb200-nvl72-superpod", {"scalable_units": 2})
    net = next(r for r in layout.racks if r.id.startswith("NET"))
    full = layout
    for u in (1, 11, 21, 31):
        full = edits.install_device(full, net.id, "dgx-b200", u)
    a, b = analyze(layout), analyze(full)
    ta, tb = a.network.topology, b.network.topology
    k = a.arrays.rack_index[net.id]
    mine = ta.sw_rack == k
    assert mine.sum() == 12
    changed = ta.sw_rack != tb.sw_rack
    assert changed.sum() == 4 and (changed <= mine).all()
    assert (tb.sw_rack[mine & ~changed] == k).all() and (tb.sw_u[mine & ~changed] > 40).all()
    assert not (tb.sw_roomless).any()


def test_rails_that_do_not_divide_a_nodes_ports_are_warned_about():
    """NIC r of every DGX H100 goes to rail r: 3 rails for its 8 compute ports build
    every rail for 3 ports of each node, 1 of them empty (9 leaves for 1 SU instead of
    8). The fabric is still built; a warning names the rail counts that divide 8."""
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    lay.fabrics[0] = lay.fabrics[0].model_copy(update={"rails": 3})
    a = analyze(lay)
    v = [x for x in a.violations if x.code == "FABRIC-RAILS"]
    assert len(v) == 1 and v[0].severity == "warning"
    assert v[0].message.endswith("takes rails that divide the ports (1, 2, 4, 8)")
    assert a.network.fabrics[0]["switches"]["leaf"] == 9
    lay.fabrics[0] = lay.fabrics[0].model_copy(update={"rails": 4})
    assert not [x for x in analyze(lay).violations if x.code == "FABRIC-RAILS"]
