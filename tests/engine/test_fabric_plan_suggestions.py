"""New fabric's suggestions: switches with figures, designs of the members'
servers, and why a third scalable unit brings 16 spines.

The spine counts are pinned to NVIDIA's DGX SuperPOD compute-fabric table (DGX SuperPOD
B200 RA, "DGX SuperPOD Architecture": 32-node SU, QM9700, 2 SU 16 leaf + 8 spine, 4 SU
32 + 16, 8 SU 64 + 32; 1 SU 8 + 4 in the H100 RA [S41]). The table has no 3-SU row:
a third SU gets the 4-SU spine tier, as equal leaf-spine links need.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.catalog import load_catalog
from engine.errors import InputError
from engine.fabric import RA_SPINES_BY_SU, plan_fabric
from engine.fabric_plan import (
    join_options,
    missing_figures,
    plan_presets,
    preview_fabric,
    suggest_fabric,
)
from engine.model import MountedDevice, Rack
from engine.templates import instantiate

CAT = load_catalog(user_dir=None)


@pytest.fixture(scope="module")
def hall_with_h200():
    """The 2-SU DGX H100 SuperPOD, filled to 64 nodes (512 GPUs), and a rack holding one
    DGX H200 in no fabric yet."""
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CAT)
    last = lay.rack("GPU-0016")
    full = last.model_copy(update={"devices": [*last.devices,
                                               MountedDevice(type="dgx-h100", u=37)]})
    h200 = Rack(id="H200-1", type="rack-800x1200", x_m=14.0, y_m=7.5,
                devices=[MountedDevice(type="dgx-h200", u=1)])
    return lay.model_copy(update={"racks": [full if r.id == full.id else r
                                            for r in lay.racks] + [h200]})


def test_a_front_end_network_defaults_to_a_switch_with_power_and_weight(hall_with_h200):
    # the DGX H200's front-end ports are 2 x 100GbE; the SN4600C (100GbE) has no power or
    # weight in the catalog (nor in the reference sheet), so a switch that has both and
    # breaks its ports out to 100G is the default
    plan = suggest_fabric(hall_with_h200, CAT, ["H200-1", "NET-0001"], "front_end")
    f = plan.fabric
    switch = CAT.devices[f.tiers[0].switch]
    assert f.nic_speed_gbps == 100
    assert missing_figures(switch) == ()
    assert switch.protocol == "ethernet" and switch.switch_port_speed_gbps <= 8 * 100
    assert missing_figures(CAT.devices["sn4600c"]) == ("power", "weight")
    assert switch.name in plan.basis  # said by name, not catalog id
    # the preview no longer counts its switches as 0 W / 0 kg
    pv = preview_fabric(hall_with_h200, CAT, f)
    unknown = [v["message"] for v in pv.violations if v["code"] == "FIGURE-UNKNOWN"]
    assert not [m for m in unknown if f.tiers[0].switch in m]
    # (its 100G SR4 optics have no public power figure: that it says)
    assert all("mmf-sr4-100" in m and "cable ends" in m for m in unknown)


def test_no_figure_is_invented_where_no_switch_of_that_speed_has_one():
    # a 1 GbE management network: the SN2201 is the only switch of that speed, and the
    # catalog has no figures for it; it stays the default and stays without figures
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=CAT)
    f = suggest_fabric(lay, CAT, [r.id for r in lay.racks], "management").fabric
    assert {t.switch for t in f.tiers} == {"sn2201"}
    assert missing_figures(CAT.devices["sn2201"]) == ("power", "weight")
    assert CAT.devices["sn2201"].power_max_w.value is None


def test_designs_offered_are_those_of_the_servers_that_would_be_members(hall_with_h200):
    # selected with H100 racks of the fabric already built, the H200 rack is the only
    # member: a DGX H100 design does not apply, so it is not offered
    sel = ["H200-1", "GPU-0001", "NET-0001"]
    assert plan_presets(hall_with_h200, CAT, sel) == []
    assert suggest_fabric(hall_with_h200, CAT, sel).fabric.members == ["H200-1"]
    assert [j.fabric.id for j in join_options(hall_with_h200, CAT, sel)] == ["compute"]
    # H100 racks in no fabric still get their design
    loose = hall_with_h200.model_copy(update={"fabrics": []})
    assert "dgx-h100-superpod" in [p.label for p in plan_presets(loose, CAT, ["GPU-0001"])]


def test_a_design_for_other_servers_is_refused_in_display_names(hall_with_h200):
    with pytest.raises(InputError) as exc:
        suggest_fabric(hall_with_h200, CAT, ["H200-1"], preset="dgx-h100-superpod")
    said = exc.value.expected
    assert "NVIDIA DGX H200" in said and "NVIDIA DGX SuperPOD with DGX H100" in said
    assert "dgx-h100-superpod" not in said and "'" not in said


@pytest.mark.parametrize("su", sorted(RA_SPINES_BY_SU))
def test_spines_at_the_ra_tabulated_su_counts(su):
    # the RA table: 8 leaves per SU (one per rail), spines 4, 8, 16, 32 for 1, 2, 4, 8 SU
    p = plan_fabric(np.full(32 * su, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    assert p.switches() == {"leaf": 8 * su, "spine": RA_SPINES_BY_SU[su], "core": 0}
    assert p.cables()["leaf_spine"] == 256 * su
    assert p.spine_note() == ""  # the ports alone give the RA's count: nothing to explain
    assert RA_SPINES_BY_SU == {1: 4, 2: 8, 4: 16, 8: 32}


def test_a_65th_node_makes_3_su_with_the_ra_4_su_spine_tier():
    # 24 leaves x 32 uplinks fill 12 spines of 64 ports, but 32 links do not split evenly
    # over 12 spines; 16 spines take 2 links from every leaf, which is also the RA's spine
    # count for 4 SU (the table has no 3-SU row)
    p = plan_fabric(np.full(65, 8), rails=8, su_nodes=32, radix=(64, 64, 64))
    assert (p.scalable_units, p.leaves, p.spines, p.leaf_uplinks) == (3, 24, 16, 32)
    assert p.leaves * p.leaf_uplinks % p.spines == 0
    assert -(-p.leaves * p.leaf_uplinks // 64) == 12
    note = p.spine_note()
    assert note.startswith("16 spines, not the 12 with enough ports")
    assert "2 to each" in note and note.endswith("the DGX SuperPOD RA's count for up to 4 SU")


def test_a_spine_tier_off_the_ra_table_is_explained_without_citing_it():
    p = plan_fabric(np.ones(300, int), topology="clos", radix=(48, 48, 48))
    assert p.spines == 8 and p.spine_note().startswith("8 spines, not the 7 with enough ports")
    assert "RA" not in p.spine_note()


def test_joining_the_h200_previews_the_third_su_and_says_why_16_spines(hall_with_h200):
    join = join_options(hall_with_h200, CAT, ["H200-1"])[0]
    pv = preview_fabric(hall_with_h200, CAT, join.fabric)
    assert pv.figures["switches"] == {"leaf": 24, "spine": 16, "core": 0}
    assert pv.figures["scalable_units"] == 3
    assert len(pv.notes) == 1 and "the DGX SuperPOD RA's count for up to 4 SU" in pv.notes[0]
    # the fabric as it was: 2 SU, the ports give the RA's 8 spines, no note
    as_was = hall_with_h200.fabrics[0]
    lay = hall_with_h200.model_copy(update={"fabrics": []})
    assert preview_fabric(lay, CAT, as_was).notes == ()


def test_the_design_of_most_of_the_servers_comes_first():
    # 34 DGX H100 and 2 DGX B200 selected: the H100 SuperPOD's design first, not the B200's
    # (which came first by name when each type counted once)
    from engine.catalog import load_catalog
    from engine.fabric_plan import plan_presets
    from engine.model import Hall, Layout, MountedDevice, Rack

    cat = load_catalog(user_dir=None)
    racks = [Rack(id=f"H{i}", type="rack-800x1200", x_m=1.0 + 0.8 * i, y_m=2.0,
                  devices=[MountedDevice(type="dgx-h100", u=3 + 9 * k) for k in range(2)])
             for i in range(17)]
    racks.append(Rack(id="B0", type="rack-800x1200", x_m=20.0, y_m=2.0,
                      devices=[MountedDevice(type="dgx-b200", u=3 + 11 * k) for k in range(2)]))
    lay = Layout(hall=Hall(outline=[(0, 0), (30, 0), (30, 9), (0, 9)]), racks=racks)
    first = plan_presets(lay, cat, [r.id for r in racks])[0]
    assert first.node_types == {"dgx-h100"}
