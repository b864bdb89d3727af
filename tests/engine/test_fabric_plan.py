"""A new fabric over picked racks: members, network racks and the choices of a reference design.

Switch counts are checked against NVIDIA's DGX SuperPOD H100 reference architecture
(RA-11333, compute fabric: one QM9700 leaf per rail per 32-node scalable unit and
4 spines per SU up to 4 SU [S41]) and against hand counts: a node has 8 GPUs and
one 400G port per GPU, so 32 nodes take 256 node-leaf cables.
"""

from __future__ import annotations

import pytest

from engine.catalog import load_catalog
from engine.edits import add_fabric
from engine.errors import InputError
from engine.fabric_plan import fabric_presets, preview_fabric, suggest_fabric
from engine.model import Hall, Layout, MountedDevice, Rack


@pytest.fixture(scope="module")
def cat():
    return load_catalog(user_dir=None)


def _hall(n_racks: int, server: str = "dgx-h100", per_rack: int = 4, network: int = 2) -> Layout:
    racks = [Rack(id=f"R{i:02d}", type="rack-800x1200", x_m=2.0 + 0.8 * (i % 20),
                  y_m=3.0 + 4.0 * (i // 20),
                  devices=[MountedDevice(type=server, u=1 + 10 * k) for k in range(per_rack)])
             for i in range(n_racks)]
    racks += [Rack(id=f"NET{i}", type="rack-800x1200", x_m=2.0 + 0.8 * i, y_m=0.9)
              for i in range(network)]
    return Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]), racks=racks)


def test_dgx_h100_racks_get_the_superpod_compute_fabric(cat):
    lay = _hall(8)
    plan = suggest_fabric(lay, cat, [r.id for r in lay.racks])
    f = plan.fabric
    assert plan.basis.startswith("as in the dgx-h100-")
    assert f.members == [f"R{i:02d}" for i in range(8)]
    assert f.network_racks == ["NET0", "NET1"]
    assert (f.topology, f.rails, f.su_nodes, f.nic_speed_gbps) == ("rail_optimized", 8, 32, 400)
    assert {t.switch for t in f.tiers} == {"qm9700"}
    assert plan.covers_hall
    assert f.id not in lay.all_ids()


@pytest.mark.parametrize(("racks", "leaves", "spines"), [(8, 8, 4), (16, 16, 8)])
def test_preview_counts_match_the_superpod_ra_per_scalable_unit(cat, racks, leaves, spines):
    # 4 DGX per rack: 8 racks = 1 SU (8 leaves + 4 spines), 16 racks = 2 SU [S41]
    lay = _hall(racks)
    fabric = suggest_fabric(lay, cat, [r.id for r in lay.racks]).fabric
    p = preview_fabric(lay, cat, fabric)
    assert p.figures["switches"] == {"leaf": leaves, "spine": spines, "core": 0}
    assert p.figures["cables"]["node_leaf"] == racks * 4 * 8
    assert p.figures["per_gpu_bisection_gbps"] == pytest.approx(400.0)
    # 12 or 24 one-U QM9700 fit two empty 48U racks: nothing new is broken
    assert not [v for v in p.violations if v["code"].startswith("FABRIC")]


def test_preview_says_when_the_switches_have_no_rack(cat):
    lay = _hall(8, network=0)
    plan = suggest_fabric(lay, cat, [r.id for r in lay.racks])
    assert plan.fabric.network_racks == []
    codes = {v["code"] for v in preview_fabric(lay, cat, plan.fabric).violations}
    assert "FABRIC-NO-ROOM" in codes


def test_racks_already_in_a_fabric_are_left_out(cat):
    lay = _hall(8)
    first = suggest_fabric(lay, cat, ["R00", "R01", "R02", "R03", "NET0"]).fabric
    lay2 = add_fabric(lay, first, cat)
    second = suggest_fabric(lay2, cat, [r.id for r in lay2.racks])
    assert second.fabric.members == ["R04", "R05", "R06", "R07"]
    assert second.fabric.id != first.id
    assert not second.covers_hall  # another compute fabric already holds part of the hall
    with pytest.raises(InputError, match=first.id):
        suggest_fabric(lay2, cat, ["R00", "R01"])


def test_racks_without_servers_are_refused(cat):
    lay = _hall(2)
    with pytest.raises(InputError) as err:
        suggest_fabric(lay, cat, ["NET0", "NET1"])
    assert err.value.field == "fabric members"


def test_servers_no_design_uses_get_a_fabric_from_their_ports(cat):
    # HGX H200 8-GPU: 8 x 400G scale-out ports and no built-in template: one rail per
    # port, 400G QM9700 (the switch of the Hopper reference designs at that speed),
    # scalable units of half a leaf's 64 ports
    assert not any("hgx-h200-8gpu" in p.node_types for p in fabric_presets())
    lay = _hall(8, server="hgx-h200-8gpu")
    plan = suggest_fabric(lay, cat, [r.id for r in lay.racks])
    f = plan.fabric
    assert plan.basis.startswith("from the catalog")
    assert (f.topology, f.rails, f.su_nodes, f.nic_speed_gbps, f.ports_per_gpu) == \
        ("rail_optimized", 8, 32, 400, 1)
    p = preview_fabric(lay, cat, f)
    assert p.figures["switches"] == {"leaf": 8, "spine": 4, "core": 0}


@pytest.mark.parametrize(("purpose", "speed"), [("front_end", 400),
                                                ("management", 1)])
def test_other_networks_run_on_ethernet_at_their_ports_speed(cat, purpose, speed):
    # DGX B300: front-end ports of 400G; management at the BMC's 1GbE
    lay = _hall(2, server="dgx-b300", per_rack=2)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks], purpose).fabric
    assert f.purpose == purpose
    assert f.nic_speed_gbps == speed
    assert f.topology == "clos"
    assert {cat.devices[t.switch].protocol for t in f.tiers} == {"ethernet"}
    assert all(cat.devices[t.switch].switch_port_speed_gbps >= speed for t in f.tiers)


def test_a_gb200_rack_takes_the_superpods_four_rails(cat):
    racks = [Rack(id=f"G{i}", type="nvl72-rack", x_m=2.0 + 0.6 * i, y_m=3.0, system="gb200-nvl72")
             for i in range(8)]
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]),
                 racks=[*racks, Rack(id="N", type="rack-800x1200", x_m=12, y_m=3)])
    plan = suggest_fabric(lay, cat, [r.id for r in lay.racks])
    assert plan.basis == "as in the gb200-nvl72-superpod template"
    assert (plan.fabric.rails, plan.fabric.su_nodes) == (4, 8)


def test_add_fabric_refuses_unknown_racks_and_switches(cat):
    lay = _hall(1)
    with pytest.raises(InputError, match="network_racks"):
        add_fabric(lay, {"id": "x", "network_racks": ["nope"]}, cat)
    with pytest.raises(InputError, match=r"tiers\.leaf\.switch"):
        add_fabric(lay, {"id": "x", "tiers": [{"name": "leaf", "switch": "dgx-h100"}]}, cat)
    with pytest.raises(InputError, match="R00"):
        add_fabric(lay, {"id": "R00"}, cat)
    assert add_fabric(lay, {"id": "x"}, cat).fabrics[-1].id == "x"


def test_tiers_that_mix_infiniband_and_ethernet_are_an_error(cat):
    # QM9700 leaves (NDR InfiniBand) under SN5600 spines (Spectrum-4 Ethernet) pass no
    # traffic between them, however the ports add up
    from engine.analysis import analyze

    lay = _hall(8)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks]).fabric
    mixed = f.model_copy(update={"tiers": [f.tiers[0], f.tiers[1].model_copy(
        update={"switch": "sn5600"})]})
    found = [v for v in analyze(add_fabric(lay, mixed, cat), cat).violations
             if v.code == "FABRIC-PROTOCOL"]
    assert len(found) == 1 and found[0].items == (f.id,)
    assert "infiniband (leaf qm9700)" in found[0].message
    assert "ethernet (spine sn5600)" in found[0].message
    assert not [v for v in analyze(add_fabric(lay, f, cat), cat).violations
                if v.code == "FABRIC-PROTOCOL"]


def test_the_preview_shows_a_rule_broken_on_new_items(cat):
    # the hall's server racks are already unfed; the network racks the switches go to
    # become unfed too, which the preview must not hide behind the known code
    lay = _hall(8)
    before = [{"code": "POWER-UNFED", "items": [f"R{i:02d}"], "message": "", "severity": "error"}
              for i in range(8)]
    p = preview_fabric(lay, cat, suggest_fabric(lay, cat, [r.id for r in lay.racks]).fabric,
                       before)
    unfed = {tuple(v["items"]) for v in p.violations if v["code"] == "POWER-UNFED"}
    assert unfed == {("NET0",), ("NET1",)}


def test_a_management_network_takes_one_bmc_port_per_server(cat):
    # a DGX H100 has a 10 GbE management port and a 1 GbE BMC port [S01]: the 1 GbE
    # out-of-band network cables the BMC only, one link per server (32 for 8 racks of 4)
    lay = _hall(8)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks], "management").fabric
    assert (f.nic_speed_gbps, {t.switch for t in f.tiers}) == (1, {"sn2201"})
    p = preview_fabric(lay, cat, f)
    assert p.figures["cables"]["node_leaf"] == 32


def test_a_storage_network_may_be_infiniband(cat):
    # DGX H100 storage ports run at 400G; the 64-port 400G QM9700 fits them closest
    lay = _hall(2)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks], "storage").fabric
    assert {t.switch for t in f.tiers} == {"qm9700"}


def test_a_fabric_faster_than_its_servers_ports_is_an_error(cat):
    # DGX H100 front-end ports run at 100G [S01]: a 400G front-end network cannot
    from engine.analysis import analyze

    lay = _hall(2)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks], "front_end").fabric
    assert f.nic_speed_gbps == 100
    fast = f.model_copy(update={"nic_speed_gbps": 400.0})
    codes = [v.code for v in analyze(add_fabric(lay, fast, cat), cat).violations]
    assert "FABRIC-PORT-SPEED" in codes
    assert "FABRIC-PORT-SPEED" not in [v.code for v in
                                       analyze(add_fabric(lay, f, cat), cat).violations]


def test_a_management_network_on_infiniband_is_an_error(cat):
    from engine.analysis import analyze

    lay = _hall(2)
    f = suggest_fabric(lay, cat, [r.id for r in lay.racks], "management").fabric
    ib = f.model_copy(update={"tiers": [t.model_copy(update={"switch": "qm9700"})
                                        for t in f.tiers]})
    found = [v for v in analyze(add_fabric(lay, ib, cat), cat).violations
             if v.code == "FABRIC-PROTOCOL"]
    assert len(found) == 1 and "management network on InfiniBand" in found[0].message


def test_a_suggested_fabric_keeps_its_racks_in_natural_order():
    # a rubber band picks racks in no order; the fabric stores them as they read
    from engine.catalog import load_catalog
    from engine.fabric_plan import suggest_fabric
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    r01 = [r.id for r in lay.racks if r.row == "R01"]
    picked = [r01[0], r01[6], r01[5], r01[1], r01[7], r01[3], r01[2], r01[4]]
    plan = suggest_fabric(lay, load_catalog(user_dir=None), picked, "front_end")
    assert plan.fabric.members == sorted(r01)


def test_a_fabric_faster_than_its_servers_ports_counts_their_speed(cat):
    """A DGX H100 SuperPOD's compute fabric set to 1.6T: its QM9700s bond four 400G ports
    a link, but the DGX's ConnectX-7 ports reach 400G [S01]; the bisection is counted at
    400G a link (400 Gb/s per GPU at full bisection), not 1,600."""
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    fab = lay.fabrics[0].model_copy(update={"nic_speed_gbps": 1600.0})
    a = analyze(lay.model_copy(update={"fabrics": [fab]}), cat)
    speed = [v for v in a.violations if v.code == "FABRIC-PORT-SPEED"]
    assert speed and "counted at 400 Gb/s a link" in speed[0].message
    assert a.network.fabrics[0]["link_gbps"] == 400.0
    assert a.network.per_gpu_bisection_gbps <= 400.0 + 1e-9
