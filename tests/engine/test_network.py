"""The network analysis: switches and ports, bisection method, failures, scale-up, power.

SuperPOD figures: SU = 32 DGX H100 with 8 leaf + 4 spine QM9700 [S41][S81],
QM9700 1.72 kW with active cables [S11][S41], 64 ports of 400G [S11]; DGX H100
NVLink 900 GB/s per GPU, both directions together [S25].
"""

from __future__ import annotations

import numpy as np
import pytest
from test_fabric import superpod_layout

from engine.analysis import Analyzer, analyze
from engine.catalog import load_catalog
from engine.model import (
    CoolingUnit,
    Endpoint,
    ExplicitLink,
    Fabric,
    FabricTier,
    MountedDevice,
)
from engine.network import NetworkCache, analyze_network
from engine.templates import instantiate

CATALOG = load_catalog(user_dir=None)


def test_network_and_cabling_json_keys():
    d = analyze(superpod_layout(32, net_racks=1), CATALOG).to_dict()
    assert {"bisection_tbps", "bisection_method", "per_gpu_bisection_gbps", "oversubscription",
            "scaleup_domain_gpus", "bisection_exact", "worst_failure", "switches",
            "fabrics", "placements"} <= set(d["network"])
    assert {"links", "by_tier", "by_medium", "transceivers", "total_length_m", "max_length_m",
            "histogram", "optics_w"} <= set(d["cabling"])
    assert {"node_leaf", "leaf_spine", "spine_core"} <= set(d["cabling"]["by_tier"])
    assert {"leaf", "spine", "core", "total"} <= set(d["counts"]["switches"])
    assert len(d["network"]["placements"]) == 12
    assert d["network"]["placements"][0] == {"fabric": "ib", "tier": "leaf", "model": "qm9700",
                                             "rack": "N000", "u": 1, "height_u": 1,
                                             "generated": True}


def test_one_su_ports_used_and_free_by_tier():
    n = analyze(superpod_layout(32, net_racks=1), CATALOG).network.network_dict()
    # 64 QM9700 ports a switch [S11], each one the fabric uses
    assert n["switches"]["leaf"] == {"count": 8, "ports": 512, "ports_used": 512,
                                     "ports_free": 0, "fabric_ports": 512,
                                     "stand_in_switches": 0}
    assert n["switches"]["spine"] == {"count": 4, "ports": 256, "ports_used": 256,
                                      "ports_free": 0, "fabric_ports": 256,
                                      "stand_in_switches": 0}
    # the RA's 1-SU pod leaves one node out (UFM): 8 leaf ports stay free
    n31 = analyze(superpod_layout(31, net_racks=1), CATALOG).network.network_dict()
    assert n31["switches"]["leaf"]["ports_free"] == 8
    assert n31["switches"]["leaf"]["count"] == 8


def test_closed_form_method_oversubscription_and_per_gpu():
    net = analyze(superpod_layout(64, net_racks=2), CATALOG).network
    assert net.bisection_method == "closed_form" and net.bisection_exact
    assert net.bisection_tbps == pytest.approx(64 * 8 * 0.4 / 2)
    assert net.per_gpu_bisection_gbps == pytest.approx(400.0)
    assert net.oversubscription == {"leaf": 1.0}
    tapered = analyze(superpod_layout(48, su_nodes=48, net_racks=1, tiers=("leaf", "spine"),
                                      ), CATALOG).network
    assert tapered.per_gpu_bisection_gbps == pytest.approx(400.0)

    def tapered_3(nodes):
        lay = superpod_layout(nodes, su_nodes=48)
        f = lay.fabrics[0].model_copy(update={"tiers": [
            FabricTier(name="leaf", switch="qm9700", oversubscription=3.0),
            FabricTier(name="spine", switch="qm9700")]})
        return analyze(lay.model_copy(update={"fabrics": [f]}), CATALOG).network

    # 2 SUs of 48 nodes, leaves 48 down and 16 up: SU against SU crosses one SU's 8 x 16
    # uplinks (51.2 Tb/s) for 384 GPUs a side, 400/3 Gb/s per GPU
    net3 = tapered_3(96)
    assert net3.oversubscription == {"leaf": 3.0}
    assert net3.bisection_tbps == pytest.approx(8 * 16 * 0.4)
    assert net3.per_gpu_bisection_gbps == pytest.approx(400.0 / 3, rel=1e-3)
    # 1 SU: each rail leaf holds one port of every node, and a 24/24 split of whole nodes
    # crosses min(16 + 24, 24) = 24 links at each of the 8 leaves (76.8 Tb/s): the taper
    # stays inside the leaves, and the bisection is full
    one = tapered_3(48)
    assert one.oversubscription == {"leaf": 3.0} and one.bisection_exact
    assert one.bisection_tbps == pytest.approx(8 * 24 * 0.4)
    assert one.per_gpu_bisection_gbps == pytest.approx(400.0)


def test_partly_filled_su_is_a_structured_cut_checked_by_the_graph():
    net = analyze(superpod_layout(63, net_racks=2), CATALOG).network
    assert net.bisection_method == "structured_cut" and not net.bisection_exact
    assert net.per_gpu_bisection_gbps == pytest.approx(400.0)


def test_worst_single_spine_failure():
    # 2 SUs: 16 rail leaves of 32 uplinks, 4 to each of 8 spines; SU against SU crosses
    # 8 x 32 uplinks, and 8 x 28 with a spine out: 1 of 8 spines, 350 Gb/s per GPU
    w = analyze(superpod_layout(64, net_racks=2), CATALOG).network.worst_failure
    assert w["tier"] == "spine" and "qm9700" in w["switch"] and "N00" in w["switch"]
    assert w["loss_fraction"] == pytest.approx(0.125)         # 1 of 8 spines
    assert w["per_gpu_bisection_gbps"] == pytest.approx(350.0)
    assert w["bisection_tbps"] == pytest.approx(8 * 28 * 0.4)
    # 1 SU: a 16/16 split of whole nodes crosses 16 host links at each of the 8 rail
    # leaves whatever the spines do, so losing one of the 4 spines costs nothing
    one = analyze(superpod_layout(32, net_racks=1), CATALOG).network.worst_failure
    assert one["loss_fraction"] == 0.0 and one["per_gpu_bisection_gbps"] == 400.0


def test_a_spine_failure_in_rail_planes_costs_only_the_links_across_the_cut():
    """A 1-SU GB200 SuperPOD's compute fabric is 4 rail planes of 8 leaves (one per NVL72
    rack) and 6 spines; each leaf has 3 links to each spine of its plane (18 uplinks).
    A balanced cut keeps each NVL72 rack (one NVLink domain) whole: 4 racks a side, so
    4 planes x 6 spines x 12 links cross, 115.2 Tb/s at 400G. A failed spine takes its
    12 crossing links (not all 24): 110.4 Tb/s, 383.3 Gb/s per GPU."""
    a = analyze(instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=CATALOG),
                CATALOG)
    net = a.network
    assert net.bisection_tbps == pytest.approx(4 * 6 * 12 * 0.4)
    w = net.worst_failure
    assert w["tier"] == "spine"
    assert w["bisection_tbps"] == pytest.approx((4 * 6 * 12 - 12) * 0.4)
    assert w["per_gpu_bisection_gbps"] == pytest.approx(110.4e3 / 288, rel=1e-4)
    # 8 SU of DGX B200 (NVIDIA's table: 64 leaves, 32 spines, 2-tier): 8 rail planes of
    # 8 leaves and 4 spines, 8 links per leaf-spine pair; a spine has 64 links, 32 across
    b = analyze(instantiate("dgx-b200-superpod", {"scalable_units": 8}, catalog=CATALOG),
                CATALOG).network
    assert b.bisection_tbps == pytest.approx(2048 * 0.4 / 2)
    assert b.worst_failure["bisection_tbps"] == pytest.approx((1024 - 32) * 0.4)


def test_an_explicit_link_makes_the_fabric_edited_and_joins_the_bisection():
    lay = superpod_layout(32, net_racks=1)
    # two leaves at N000 U1 and U2, joined by one more 400G cable
    lay = lay.model_copy(update={"links": [ExplicitLink(
        id="X1", a=Endpoint(rack="N000", u=1), b=Endpoint(rack="N000", u=2))]})
    a = analyze(lay, CATALOG)
    net = a.network
    assert net.bisection_method == "graph_search" and not net.bisection_exact
    full = 32 * 8 * 0.4 / 2
    # one more link cannot lower the bisection nor raise it by more than its 0.4 Tb/s
    assert full - 1e-9 <= net.bisection_tbps <= full + 0.4 + 1e-9
    assert net.links_by_tier["explicit"] == 1
    assert a.counts["switches"]["total"] == 12
    assert net.network_dict()["switches"]["leaf"]["ports_used"] == 512 + 2
    assert any(v.code == "FABRIC-NO-PORT" for v in a.violations)   # the two leaves were full


def test_explicit_topology_of_drawn_links_only():
    lay = superpod_layout(2, per_rack=2, net_racks=1, extra_net_devices=[("qm9700", 20)])
    links = [ExplicitLink(id=f"L{s}{p}", a=Endpoint(rack="G0000", u=3 + 9 * s, port=str(p)),
                          b=Endpoint(rack="N000", u=20)) for s in range(2) for p in range(8)]
    f = Fabric(id="ib", topology="explicit", members=["G0000"], network_racks=["N000"],
               tiers=[FabricTier(name="leaf", switch="qm9700")])
    a = analyze(lay.model_copy(update={"fabrics": [f], "links": links}), CATALOG)
    net = a.network
    assert net.bisection_method == "graph_search"
    # whichever 8 GPUs sit apart from the switch, their 8 links cross
    assert net.bisection_tbps == pytest.approx(8 * 0.4)
    assert a.counts["switches"]["leaf"] == 1
    assert net.links_by_tier["explicit"] == 16


def test_generated_switches_draw_power_in_their_racks():
    lay = superpod_layout(32, net_racks=1)
    a = analyze(lay, CATALOG)
    compute_kw = 32 * 10.2
    switches_kw = 12 * 1.72
    assert a.power.it_kw == pytest.approx(compute_kw + switches_kw + a.power.optics_kw)
    i = a.arrays.rack_index["N000"]
    assert a.power.rack_kw[i] == pytest.approx(switches_kw)
    assert a.network.generated_rack_power_w(a.arrays.n_racks)[i] == pytest.approx(12 * 1720.0)


def test_incremental_updates_equal_full_analysis():
    lay = superpod_layout(40, net_racks=2)
    an = Analyzer(lay, CATALOG)
    # move a network rack: its switches' links re-route
    i = next(k for k, r in enumerate(lay.racks) if r.id == "N001")
    lay.racks[i] = lay.racks[i].model_copy(update={"x_m": lay.racks[i].x_m + 3.0})
    assert an.update(lay, ["N001"]).to_dict() == analyze(lay, CATALOG).to_dict()
    assert an.was_incremental

def test_incremental_update_follows_switch_power_into_untouched_racks():
    # 32 DGX fill one SU; a 33rd in an edited rack starts a second SU, whose 12
    # switches land in network racks the edit did not touch
    lay = superpod_layout(33, net_racks=2).model_copy(update={"cooling": [
        CoolingUnit(id="C1", kind="crah", x_m=1.0, y_m=8.0, capacity_kw=250.0),
        CoolingUnit(id="C2", kind="crah", x_m=30.0, y_m=2.0, capacity_kw=250.0)]})
    g = lay.racks[0]
    lay.racks[0] = g.model_copy(update={"devices": g.devices[:3]})
    an = Analyzer(lay, CATALOG)
    assert an.result.counts["switches"]["total"] == 12
    lay.racks[0] = g
    res = an.update(lay, [g.id])
    assert an.was_incremental
    full = analyze(lay, CATALOG)
    assert res.counts["switches"]["total"] == 24
    assert res.to_dict() == full.to_dict()
    assert res.power.it_kw == pytest.approx(full.power.it_kw)


def test_results_do_not_depend_on_the_cache():
    lay = superpod_layout(40, net_racks=2)
    from engine.compile import compile_layout

    arr = compile_layout(lay, CATALOG)
    a = analyze_network(lay, CATALOG, arr, cache=NetworkCache())
    b = analyze_network(lay, CATALOG, arr, cache=NetworkCache())
    c = analyze_network(lay, CATALOG, arr)
    assert a.network_dict() == b.network_dict() == c.network_dict()
    assert a.cabling_dict() == b.cabling_dict() == c.cabling_dict()


def test_scale_up_domain_is_reported_apart():
    n = analyze(instantiate("dgx-h100-hall", {"racks": 2}), CATALOG).network.network_dict()
    assert n["scaleup_domain_gpus"] == 8 and n["scaleup_domains"] == 8
    assert n["scaleup_gbps_per_gpu_both_directions"] == 7200.0                  # 900 GB/s as NVIDIA quotes it
    assert n["scaleup_gbps_per_gpu_per_direction"] == 3600.0
    assert n["scaleup_domain_bisection_tbps"] == pytest.approx(4 * 3.6)


def test_gpus_outside_every_scale_out_fabric_are_noted():
    lay = superpod_layout(32, net_racks=1)
    extra = lay.racks[0].model_copy(update={"id": "LONE", "x_m": 30.0})
    a = analyze(lay.model_copy(update={"racks": lay.racks + [extra]}), CATALOG)
    assert a.network.unconnected_gpus == 32
    (v,) = [v for v in a.violations if v.code == "FABRIC-UNCONNECTED"]
    assert v.severity == "warning" and v.items == ("LONE",)
    # 32 DGX H100 of the fabric hold 256 GPUs: the bisection speaks for those
    assert "32 GPUs in 1 rack are" in v.message and "count only the 256 GPUs" in v.message


def test_layout_without_fabrics_has_no_network_figures():
    lay = superpod_layout(8, net_racks=1, extra_net_devices=[("qm9700", 1)])
    a = analyze(lay.model_copy(update={"fabrics": []}), CATALOG)
    assert a.network.bisection_method == "none"
    assert a.counts["switches"] == {"leaf": 0, "spine": 0, "core": 0, "unassigned": 1,
                                    "total": 1}
    assert a.network.cabling_dict()["links"] == 0


def test_an_installed_switch_no_fabric_takes_is_named():
    # no fabric: the QM9700 in N000 draws its 1,720 W (datasheet maximum [S11]), carries nothing
    lay = superpod_layout(8, net_racks=1, extra_net_devices=[("qm9700", 40)])
    a = analyze(lay.model_copy(update={"fabrics": []}), CATALOG)
    (v,) = [v for v in a.violations if v.code == "SWITCH-IDLE"]
    assert v.severity == "warning" and v.items == ("N000",)
    assert "1 installed switch carries no links (qm9700 at N000 U40; 1.7 kW" in v.message
    assert "no fabric" in v.message
    # a fabric of QM9700s takes it as its leaf: nothing idle
    assert not [v for v in analyze(lay, CATALOG).violations if v.code == "SWITCH-IDLE"]
    # an SN5600 in the same rack is of no tier's model: the message says which models are
    lay = superpod_layout(8, net_racks=1, extra_net_devices=[("sn5600", 40)])
    (v,) = [v for v in analyze(lay, CATALOG).violations if v.code == "SWITCH-IDLE"]
    assert "sn5600 at N000 U40" in v.message and "tiers use qm9700" in v.message
    # with no published maximum it counts at its typical 940 W [S12], and the message says
    # what the power analysis counts, not 0.0 kW
    assert "; 0.9 kW counted)" in v.message


def test_a_switch_at_the_end_of_a_drawn_link_is_not_idle():
    lay = superpod_layout(8, net_racks=1, extra_net_devices=[("sn5600", 40)])
    link = ExplicitLink(id="L1", a=Endpoint(rack="N000", u=40), b=Endpoint(rack="G0000", u=3),
                        speed_gbps=400)
    a = analyze(lay.model_copy(update={"links": [link]}), CATALOG)
    assert not [v for v in a.violations if v.code == "SWITCH-IDLE"]


def test_the_analysis_never_changes_the_layout():
    lay = superpod_layout(40, net_racks=2)
    lay.racks[0].devices.append(MountedDevice(type="qm9700", u=40))
    before = lay.model_dump()
    analyze(lay, CATALOG)
    assert lay.model_dump() == before
    assert np.isfinite(analyze(lay, CATALOG).network.total_length_m)


def test_switches_the_fabric_places_weigh_on_the_floor_and_move_air():
    from engine.compile import airflow_from_heat_cfm
    from engine.templates import instantiate

    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    a = analyze(lay, cat)
    placed = [p for p in a.network.placements() if p["generated"]]
    rack = placed[0]["rack"]
    mine = [p for p in placed if p["rack"] == rack]
    i = a.arrays.rack_index[rack]
    qm = cat.devices["qm9700"]  # 14.8 kg [S11]; airflow not published: derived from power
    assert {p["model"] for p in mine} == {"qm9700"}
    assert a.floor.rack_weight_kg[i] == pytest.approx(
        a.arrays.rack_weight_kg[i] + len(mine) * qm.weight_kg.v())
    assert a.floor.rack_load_kg_m2[i] == pytest.approx(
        a.floor.rack_weight_kg[i] / a.floor.rack_area_m2[i])
    per_switch_cfm = float(airflow_from_heat_cfm(a.network.generated_rack_power_w(
        a.arrays.n_racks)[i] / len(mine), lay.assumptions.delta_t_air_k))
    # and the rack's air carries the heat of the optics at its link ends too
    optics_cfm = float(airflow_from_heat_cfm(a.network.rack_optics_w(a.arrays.n_racks)[i],
                                             lay.assumptions.delta_t_air_k))
    assert a.cooling.rack_airflow_cfm[i] == pytest.approx(
        a.arrays.rack_airflow_cfm[i] + len(mine) * per_switch_cfm + optics_cfm)
    # every transceiver is in a rack: the hall's air is the racks' air
    assert a.cooling.airflow_cfm == pytest.approx(float(a.cooling.rack_airflow_cfm.sum()))


def test_a_fabric_without_gpus_reports_bisection_per_endpoint_not_per_gpu():
    # 384 dual-EPYC nodes, 2 x 100G each, on a non-blocking 2-tier Clos: the bisection is
    # half the injection, 384 x 2 x 100 / 2 = 38.4 Tb/s, or 200 Gb/s per node of a half
    net = analyze(instantiate("cpu-cluster", {})).network.network_dict()
    fab = net["fabrics"][0]
    assert fab["gpus"] == 0 and fab["purpose"] == "front_end"
    assert fab["bisection_tbps"] == pytest.approx(38.4)
    assert fab["per_gpu_bisection_gbps"] is None
    assert fab["per_endpoint_bisection_gbps"] == pytest.approx(200.0)
    assert net["bisection_method"] == "none"  # no scale-out fabric speaks for the hall


def _two_fabrics():
    """A 2-SU SuperPOD, and the same hall split into two fabrics of one SU each."""
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2, "ufm_port": False})
    f = lay.fabrics[0]
    one = f.model_copy(update={"members": f.members[:8]})
    two = f.model_copy(update={"id": "compute-2", "members": f.members[8:]})
    return lay, lay.model_copy(update={"fabrics": [one, two]})


def test_separate_fabrics_are_islands_of_one_hall():
    from engine.network import island_bisection_gbps

    # a 2-SU SuperPOD split into two fabrics of one SU each (256 GPUs, 400G, 51.2 Tb/s
    # each) that no link joins: whole fabrics make the halves, so the hall's bisection is 0
    lay, split = _two_fabrics()
    net = analyze(split).network
    assert [e["bisection_tbps"] for e in net.fabrics] == [51.2, 51.2]
    assert net.bisection_tbps == 0.0 and net.bisection_exact
    assert net.islands == [("compute", 256), ("compute-2", 256)]
    v = [v for v in analyze(split).violations if v.code == "FABRIC-ISLANDS"]
    assert v and v[0].severity == "warning" and v[0].items == ("compute", "compute-2")
    # three equal islands: one and a half a side, the half cut through its GPUs' links
    # (128 x 400G = 51.2 Tb/s) or its own bisection (51.2 Tb/s): 133 Gb/s per GPU of 768
    assert island_bisection_gbps(np.array([256, 256, 256]), np.full(3, 400.0),
                                 np.full(3, 51_200.0)) == 51_200.0
    # unequal: 600 + 168 GPUs; the smaller goes whole, 216 GPUs of the larger cross
    assert island_bisection_gbps(np.array([600, 168]), np.array([400.0, 800.0]),
                                 np.array([120_000.0, 67_200.0])) == 216 * 400.0
    # one fabric for the whole hall keeps its own figure
    assert analyze(lay).network.bisection_tbps == 102.4 and not analyze(lay).network.islands


def test_links_beyond_a_servers_ports_are_errors():
    # a DGX H100 has 8 x 400G compute, 4 x 400G storage/in-band, 2 x 100G and a 10G and a
    # 1G port [S01]: about 5.0 Tb/s; its rail fabric uses 8 x 400G. One more 400G link to
    # another DGX fits; 64 more do not, and an 800G link is faster than any of its ports
    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=cat)
    a, b = lay.racks[0].id, lay.racks[1].id
    u = lay.racks[0].devices[0].u

    def with_link(count, speed):
        lk = ExplicitLink(id="X1", a=Endpoint(rack=a, u=u), b=Endpoint(rack=b, u=u),
                          count=count, speed_gbps=speed)
        return [v for v in analyze(lay.model_copy(update={"links": [lk]}), cat).violations
                if v.code == "LINK-PORTS"]

    assert with_link(1, 400) == []
    over = with_link(64, 400)
    assert len(over) == 2 and all("5.0 Tb/s of network ports" in v.message for v in over)
    assert {v.items for v in over} == {(a,), (b,)}
    fast = [v for v in with_link(1, 800) if "faster than any port" in v.message]
    assert len(fast) == 2 and all(v.items[0] == "X1" for v in fast)


def test_a_fabric_is_held_to_the_ports_of_its_own_purpose():
    # a GB200 NVL72 has 72 x 400G scale-out ports (28.8 Tb/s) and 36 x 400G front-end
    # (14.4 Tb/s) [S02]: a scale-out fabric at 500G per GPU (36.0 Tb/s) fits the sum of
    # its ports but not its scale-out ports
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1})
    fast = lay.model_copy(update={"fabrics": [
        f.model_copy(update={"nic_speed_gbps": 500.0}) if f.purpose == "scale_out" else f
        for f in lay.fabrics]})
    over = [v for v in analyze(fast).violations if v.code == "LINK-PORTS"]
    assert len(over) == 8  # each of the SU's eight racks
    assert all("28.8 Tb/s of scale-out ports but scale-out links of 36.0 Tb/s" in v.message
               for v in over)
    assert not [v for v in analyze(lay).violations if v.code == "LINK-PORTS"]


def test_a_drawn_link_needs_a_free_port_of_its_speed():
    # a DGX B300's eight 800G scale-out ports all carry its fabric; its other ports run
    # at 400G or slower [S01]: a drawn 800G link has no port left, a 400G one does
    from engine.model import Endpoint, ExplicitLink

    lay = instantiate("dgx-b300-superpod", {"scalable_units": 1})
    a, b = lay.racks[0], lay.racks[1]
    ua, ub = a.devices[0].u, b.devices[0].u

    def drawn(speed):
        lk = ExplicitLink(id="X1", a=Endpoint(rack=a.id, u=ua), b=Endpoint(rack=b.id, u=ub),
                          count=1, speed_gbps=speed)
        return [v for v in analyze(lay.model_copy(update={"links": [lk]})).violations
                if v.code == "LINK-PORTS"]

    over = drawn(800.0)
    assert len(over) == 2 and all("0.0 Tb/s of ports free at X1's speed" in v.message
                                  for v in over)
    assert {v.items[0] for v in over} == {"X1"}
    assert drawn(400.0) == []


def test_a_switch_pushed_past_its_ports_by_drawn_links_is_no_stand_in():
    # FABRIC-NO-PORT, not a modular switch's stand-in (FABRIC-RADIX): the tier tables
    # say the switch is short of ports
    from engine.model import Endpoint, ExplicitLink
    from engine.report_tables import fabric_tiers_table

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    a = analyze(lay)
    topo = a.network.topology
    spine = int(np.flatnonzero(np.asarray(topo.sw_tier) == 1)[0])
    rack = a.arrays.rack_ids[int(topo.sw_rack[spine])]
    u = int(topo.sw_u[spine])
    free = 64 - int(topo.cache["ports_used"][spine])
    links = [ExplicitLink(id=f"X{k}", a=Endpoint(rack=rack, u=u),
                          b=Endpoint(rack=lay.racks[0].id, u=lay.racks[0].devices[0].u),
                          count=1, speed_gbps=400.0) for k in range(free + 2)]
    b = analyze(lay.model_copy(update={"links": links}))
    ports = b.network.network_dict()["switches"]["spine"]
    assert ports["stand_in_switches"] == 0
    assert any(v.code == "FABRIC-NO-PORT" for v in b.violations)
    notes = [r[-1] for r in fabric_tiers_table(lay.model_copy(update={"links": links}), b).rows]
    assert not any("stand-in" in n for n in notes)


def test_fabrics_over_the_same_nodes_are_planes_whose_bisections_add_up():
    # two copies of a 2-SU SuperPOD fabric over the same 64 DGX: each GPU has a NIC in
    # each plane, so a balanced cut of the nodes cuts both planes: 2 x 102.4 Tb/s, or
    # 800 Gb/s per GPU of a half. (The DGX H100 has not the ports for a second plane:
    # the port check says so; the bisection is about the graph.)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2, "ufm_port": False})
    f = lay.fabrics[0]
    twin = lay.model_copy(update={"fabrics": [f, f.model_copy(update={"id": "plane-b"})]})
    a = analyze(twin)
    net = a.network
    assert [e["bisection_tbps"] for e in net.fabrics] == [102.4, 102.4]
    assert net.bisection_tbps == pytest.approx(204.8) and net.bisection_exact
    assert net.per_gpu_bisection_gbps == pytest.approx(800.0)
    assert net.bisection_fabric == "compute+plane-b" and not net.islands
    assert not [v for v in a.violations if v.code == "FABRIC-ISLANDS"]
    assert [v for v in a.violations if v.code == "LINK-PORTS"]
    # the worst spine failure takes from one plane only
    one = analyze(lay).network.worst_failure["bisection_tbps"]
    assert net.worst_failure["bisection_tbps"] == pytest.approx(102.4 + one)


def test_fabrics_sharing_some_nodes_are_flagged_and_the_largest_speaks():
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2, "ufm_port": False})
    f = lay.fabrics[0]
    part = f.model_copy(update={"id": "part", "members": f.members[:4]})
    a = analyze(lay.model_copy(update={"fabrics": [f, part]}))
    v = [v for v in a.violations if v.code == "FABRIC-OVERLAP"]
    assert v and v[0].severity == "warning" and v[0].items == ("compute", "part")
    assert a.network.bisection_tbps == pytest.approx(102.4)
    assert a.network.bisection_fabric == "compute" and not a.network.islands


def test_an_explicit_fabric_warns_about_members_no_link_reaches():
    from engine.model import Endpoint, ExplicitLink

    lay = instantiate("dgx-h100-hall", {"racks": 2})
    f = lay.fabrics[0].model_copy(update={"topology": "explicit"})
    bare = lay.model_copy(update={"fabrics": [f]})
    v = [v for v in analyze(bare).violations if v.code == "FABRIC-UNLINKED"]
    assert v and "any of its 8 member nodes" in v[0].message and v[0].items == (f.id,)
    # one link between the first two DGX of rack 1: 6 of the 8 nodes are still unreached
    r = lay.racks[0]
    us = sorted(d.u for d in r.devices)[:2]
    lk = ExplicitLink(id="L1", a=Endpoint(rack=r.id, u=us[0]), b=Endpoint(rack=r.id, u=us[1]),
              fabric=f.id)
    v = [v for v in analyze(bare.model_copy(update={"links": [lk]})).violations
         if v.code == "FABRIC-UNLINKED"]
    assert v and "6 of its 8 member nodes" in v[0].message


def test_forced_switch_counts_are_positive_and_rounding_is_reported(tmp_path):
    import json

    from engine.errors import InputError
    from engine.fabric import plan_fabric
    from engine.io import load_layout

    # k = 4 fat-tree: pods of 2 spines, each with its own core group, so 3 cores are 2
    p = plan_fabric(np.ones(16, int), topology="fat_tree", radix=(4, 4, 4), counts=(None, None, 3))
    assert p.cores == 2 and any("core count 3 taken as 2" in m for m in p.problems)
    lay = instantiate("dgx-h100-hall", {"racks": 2})
    data = json.loads(lay.model_dump_json())
    data["fabrics"][0]["tiers"][1]["count"] = 0
    path = tmp_path / "zero-spines.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"tiers\[1\]\.count: expected a value of at least 1"):
        load_layout(path)


def test_rail_planes_say_the_rails_meet_only_in_the_nodes():
    """The DC-busbar DGX B300 SuperPOD from 5 SU builds each rail's leaves on their own
    spines: 8 rail planes no switch joins. A GPU reaches another rail through its node,
    and the bisection counts whole nodes on each side of a cut: an info says so."""
    from engine.templates import instantiate

    a = analyze(instantiate("dgx-b300-superpod", {"edition": "dc-busbar",
                                                  "scalable_units": 5}))
    fab = next(f for f in a.network.fabrics if f["id"] == "compute")
    assert fab["rail_planes"] == 8
    info = [v for v in a.violations if v.code == "FABRIC-RAIL-PLANES"]
    assert len(info) == 1 and info[0].severity == "info" and info[0].items == ("compute",)
    assert "8 rail planes with no switch between them" in info[0].message
    one = analyze(instantiate("dgx-b300-superpod", {"edition": "dc-busbar",
                                                    "scalable_units": 4}))
    assert not [v for v in one.violations if v.code == "FABRIC-RAIL-PLANES"]


def test_a_drawn_link_between_islands_joins_them_one_within_does_not():
    lay, split = _two_fabrics()
    f = lay.fabrics[0]
    a, b, c = f.members[0], f.members[1], f.members[8]
    u = lay.rack(a).devices[0].u

    def with_link(x, y, fabric):
        lk = ExplicitLink(id="L-1", a=Endpoint(rack=x, u=u), b=Endpoint(rack=y, u=u),
                          fabric=fabric)
        return analyze(split.model_copy(update={"links": [lk]})).network

    # server to server inside compute (drawn as part of it): still two islands
    assert with_link(a, b, "compute").islands == [("compute", 256), ("compute-2", 256)]
    # from a server of compute to one of compute-2, whatever fabric it is drawn in
    assert with_link(a, c, "compute").islands == []


def test_a_hall_without_gpus_has_no_scale_up_domain_size():
    # CPU nodes only: no NVLink domain, so its size is null in the JSON, as its bandwidth
    from engine.analysis import analyze
    from engine.templates import instantiate

    n = analyze(instantiate("cpu-cluster", {"racks": 2})).to_dict()["network"]
    assert n["scaleup_domain_gpus"] is None and n["scaleup_domains"] == 0
    assert n["scaleup_gbps_per_gpu_per_direction"] is None
