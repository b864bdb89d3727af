"""Retarget a layout to another generation: roles map to that generation's equivalents,
what cannot be mapped is reported, and the result is a valid, checkable layout."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.cli import main as cli_main
from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.compile import compile_layout
from engine.io import load_layout, save_layout
from engine.model import MountedDevice
from engine.retarget import (
    FLAGSHIP_SERVER,
    FLAGSHIP_SYSTEM,
    generations,
    retarget,
    server_choices,
    switch_for,
)
from engine.templates import ParameterError, instantiate

CAT = load_catalog(user_dir=None)


@pytest.fixture(scope="module")
def h100():
    return instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CAT)


@pytest.mark.parametrize("gen", generations())
def test_gpu_servers_become_the_generations_flagship(h100, gen):
    res = retarget(h100, gen, catalog=CAT)
    lay = res.layout
    assert lay.generation == gen
    types = {d.type for r in lay.racks for d in r.devices}
    # an air-cooled hall keeps air cooling where the flagship is liquid-cooled and the
    # generation has an air-cooled server (AMD: MI355X liquid, MI325X air)
    expected = "mi325x-8gpu" if gen == "amd-instinct" else FLAGSHIP_SERVER[gen]
    assert types == {expected}
    assert res.gpus_after == res.gpus_before == 504
    arr = compile_layout(lay, CAT)
    assert not arr.rack_problems  # re-stacked without U clashes or overflow
    assert lay.racks[0].id == h100.racks[0].id and len(lay.racks) == len(h100.racks)
    if gen != "hopper":
        assert res.changes[f"dgx-h100 -> {expected}"] == 63
    assert "check the rules and resize them" in res.summary()
    assert "design rules: " in res.summary()


def test_an_air_cooled_hall_stays_air_cooled_unless_a_server_is_chosen(h100):
    res = retarget(h100, "amd-instinct", catalog=CAT)
    assert res.server == "mi325x-8gpu"
    assert "the layout is air-cooled; the flagship MI355X 8-GPU platform is liquid-cooled" \
        in res.summary()
    assert [d.id for d in server_choices(CAT, "amd-instinct")][0] == "mi355x-8gpu"
    liquid = retarget(h100, "amd-instinct", catalog=CAT, server="mi355x-8gpu")
    assert {d.type for r in liquid.layout.racks for d in r.devices} == {"mi355x-8gpu"}
    # the liquid-cooled servers in a hall of CRAHs and no CDU: the summary says what fails
    assert liquid.rules_after[0] > 0 and liquid.new_rules
    assert "newly failing: " in liquid.summary()
    with pytest.raises(ParameterError, match="--server: expected a GPU server of amd-instinct"):
        retarget(h100, "amd-instinct", catalog=CAT, server="dgx-b200")


def test_fabric_switches_follow_the_new_nic_speed(h100):
    res = retarget(h100, "blackwell-ultra", catalog=CAT)
    f = res.layout.fabrics[0]
    assert {t.switch for t in f.tiers} == {"q3400-ra"} and f.nic_speed_gbps == 800
    rubin = retarget(h100, "rubin", catalog=CAT)
    assert any("no 1600G switch" in u for u in rubin.unmapped)
    same = retarget(h100, "blackwell", catalog=CAT)
    assert {t.switch for t in same.layout.fabrics[0].tiers} == {"qm9700"}


def test_a_declared_tier_the_fabric_does_not_build_is_said_so(h100):
    # 2 SU of DGX H100 is a 2-tier fabric (16 leaves, 8 spines [S41]): its declared core
    # tier changes switch too, but no core switch stands before or after
    res = retarget(h100, "blackwell-ultra", catalog=CAT)
    by_tier = {sc.tier: sc for sc in res.settings if sc.setting == "switch"}
    assert not by_tier["leaf"].unbuilt and not by_tier["spine"].unbuilt
    assert by_tier["core"].unbuilt
    assert by_tier["core"].text().endswith("(declared, not built at this size)")
    big = retarget(instantiate("dgx-h100-superpod", {"scalable_units": 9}, catalog=CAT),
                   "blackwell-ultra", catalog=CAT)
    assert not any(sc.unbuilt for sc in big.settings)


def test_switch_mapping_keeps_the_family():
    assert switch_for(CAT, "qm9700", 800) == "q3400-ra"
    assert switch_for(CAT, "q3400-ra", 400) == "qm9700"
    assert switch_for(CAT, "sn5610", 400) in ("sn5600", "sn5610", "arista-7060x6-64pe",
                                              "tomahawk5-64x800")
    assert switch_for(CAT, "sn5600", 100) == "sn4600c"
    assert switch_for(CAT, "unknown-switch", 400) is None


def test_with_no_switch_fast_enough_a_switch_of_the_top_speed_stays():
    # no Ethernet switch reaches Rubin's 1.6T: the 800G switch in use stays, rather than
    # the family's first 800G entry
    for sw in ("arista-7060x6-64pe", "sn5610", "tomahawk5-64x800"):
        assert switch_for(CAT, sw, 1600) == sw
    # the modular chassis is of the family too: a Hopper retarget keeps it
    assert switch_for(CAT, "arista-7804r4", 400) == "arista-7804r4"
    meta = instantiate("meta-24k-roce", {"pods": 1}, catalog=CAT)
    assert retarget(meta, "hopper", catalog=CAT).unmapped == []


@pytest.mark.parametrize("template,generation,per_gpu,gbps", [
    # GB300 NVL72: one 800G ConnectX-8 per GPU; Vera Rubin NVL144: 1.6T per GPU, run as
    # two 800G links by the 800G switches of the catalog; GB200: one 400G port per GPU
    ("vera-rubin-nvl144", "blackwell-ultra", 1, 800),
    ("vera-rubin-nvl144", "blackwell", 1, 400),
    ("gb300-nvl72-superpod", "rubin", 2, 1600),
    ("gb200-nvl72-superpod", "rubin", 2, 1600),
])
def test_links_per_gpu_follow_the_new_systems_ports(template, generation, per_gpu, gbps):
    old = instantiate(template, {}, catalog=CAT)
    res = retarget(old, generation, catalog=CAT)
    f = next(f for f in res.layout.fabrics if f.purpose == "scale_out")
    assert f.ports_per_gpu == per_gpu
    a = analyze(res.layout, CAT)
    gpus = sum(CAT.devices[r.system].gpus for r in res.layout.racks if r.system)
    # full bisection: half the GPUs send across at their whole scale-out bandwidth
    assert a.network.bisection_tbps == pytest.approx(gpus * gbps / 2 / 1000)
    assert a.network.per_gpu_bisection_gbps == pytest.approx(gbps)
    assert not [v for v in a.violations if v.code == "LINK-PORTS"]
    assert any(s.setting == "ports per GPU" for s in res.settings)


def test_rack_scale_systems_map_or_are_reported():
    gb200 = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=CAT)
    up = retarget(gb200, "blackwell-ultra", catalog=CAT)
    assert {r.system for r in up.layout.racks if r.system} == {FLAGSHIP_SYSTEM["blackwell-ultra"]}
    assert up.changes["gb200-nvl72 -> gb300-nvl72"] == 8 and not up.unmapped
    down = retarget(gb200, "hopper", catalog=CAT)
    assert len(down.unmapped) == 8 and all("no rack-scale equivalent" in u
                                           for u in down.unmapped)
    assert {r.system for r in down.layout.racks if r.system} == {"gb200-nvl72"}


def test_devices_that_no_longer_fit_are_dropped_and_reported(h100):
    rack = h100.racks[0]
    five = rack.model_copy(update={"devices": [MountedDevice(type="dgx-h100", u=1 + 8 * k)
                                               for k in range(5)] +
                                              [MountedDevice(type="sn2201", u=45)]})
    lay = h100.model_copy(update={"racks": [five, *h100.racks[1:]]})
    res = retarget(lay, "blackwell", catalog=CAT)
    new = res.layout.racks[0]
    assert [d.type for d in new.devices].count("dgx-b200") == 4  # 5 x 10U no longer fits 48U
    assert sum(n for what, n in res.dropped.items() if "dgx-b200" in what) == 1
    assert "dropped" in res.summary()
    assert not compile_layout(res.layout, CAT).rack_problems
    # the 1G management switch is kept, above the servers as before
    assert res.kept["sn2201"] == 1
    assert [d.u for d in new.devices if d.type == "sn2201"] == [45]


def test_cpu_nodes_are_kept():
    cpu = instantiate("cpu-cluster", {"racks": 2}, catalog=CAT)
    res = retarget(cpu, "hopper", catalog=CAT)
    assert res.kept["epyc-9005-2s"] == 32 and not res.changes
    assert [r.devices for r in res.layout.racks] == [r.devices for r in cpu.racks]
    # the 100G front-end fabric is not a scale-out fabric: kept as it was
    assert res.layout.fabrics == cpu.fabrics


def test_unknown_generation_is_refused(h100):
    with pytest.raises(ParameterError, match="pascal"):
        retarget(h100, "pascal", catalog=CAT)


@settings(max_examples=20)
@given(gen=st.sampled_from(generations()), tid=st.sampled_from(
    ["dgx-h100-superpod", "dgx-b200-superpod", "gb300-nvl72-superpod", "mi300x-cluster"]))
def test_property_retarget_gives_a_valid_analyzable_layout(gen, tid):
    lay = instantiate(tid, {"scalable_units": 1}, catalog=CAT)
    res = retarget(lay, gen, catalog=CAT)
    a = analyze(res.layout, CAT)
    assert a.counts["racks"] == len(lay.racks)
    assert not compile_layout(res.layout, CAT).rack_problems
    again = retarget(res.layout, gen, catalog=CAT)
    assert again.layout.racks == res.layout.racks  # mapping is idempotent


def test_cli_retarget_writes_a_new_file_and_prints_the_summary(tmp_path, h100, capsys):
    src, out = tmp_path / "h100.json", tmp_path / "b200.json"
    save_layout(h100, src)
    assert cli_main(["retarget", str(src), "--generation", "blackwell", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "dgx-h100 -> dgx-b200" in text and f"wrote {out}" in text
    assert load_layout(out).generation == "blackwell"
    assert load_layout(src) == h100  # the original is untouched
    code = cli_main(["retarget", str(src), "--generation", "pascal", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "pascal" in err
    amd = tmp_path / "amd.json"
    assert cli_main(["retarget", str(src), "-g", "amd-instinct", "--server", "mi300x-8gpu",
                     "-o", str(amd)]) == 0
    assert "dgx-h100 -> mi300x-8gpu" in capsys.readouterr().out
    code = cli_main(["retarget", str(src), "-g", "amd-instinct", "--server", "dgx-b200",
                     "-o", str(tmp_path / "x.json")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--server" in err


def test_a_generation_switched_without_retarget_is_flagged_and_retarget_clears_it(h100):
    relabelled = h100.model_copy(update={"generation": "blackwell"})
    found = [v for v in analyze(relabelled, CAT).violations if v.code == "GEN-MIXED"]
    gpu_racks = [r.id for r in h100.racks if any(d.type == "dgx-h100" for d in r.devices)]
    assert len(found) == 1 and found[0].severity == "warning"
    assert sorted(found[0].items) == sorted(gpu_racks)
    assert "hopper GPU hardware in a blackwell layout" in found[0].message
    converted = retarget(h100, "blackwell", CAT).layout
    assert not [v for v in analyze(converted, CAT).violations if v.code == "GEN-MIXED"]
    assert not [v for v in analyze(h100, CAT).violations if v.code == "GEN-MIXED"]


def test_retarget_says_when_gpus_could_not_be_mapped_and_names_the_copy():
    nvl = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=CAT)
    res = retarget(nvl, "hopper", CAT)  # Hopper has no rack-scale system
    assert res.gpus_after == 576 and res.gpus_target == 0
    # the summary leads with the GPUs mapped, so none mapped never reads as done
    assert res.summary().startswith("GPUs mapped to hopper: 0 of 576 (none could be mapped")
    assert res.layout.name.endswith("(retargeted to Hopper)")
    again = retarget(res.layout, "rubin", CAT)
    assert again.layout.name.endswith(") (retargeted to Rubin)")
    assert "retargeted to Hopper" not in again.layout.name
    # the design's name names the system it holds now, not the one it held
    assert "GB200" not in again.layout.name and "Vera Rubin" in again.layout.name, \
        again.layout.name
    assert again.gpus_target == again.gpus_after  # NVL72 -> Vera Rubin NVL144


def test_oem_hgx_servers_map_to_the_generations_oem_hgx_server():
    res = retarget(instantiate("meta-24k-roce", {"pods": 1}), "blackwell")
    assert res.changes["hgx-h100-8gpu -> hgx-b200-8gpu"] == 384
    # Blackwell Ultra has no OEM HGX server in the catalog: the flagship DGX stands in
    res = retarget(instantiate("meta-24k-roce", {"pods": 1}), "blackwell-ultra")
    assert res.changes["hgx-h100-8gpu -> dgx-b300"] == 384
    # AMD's 8-GPU platforms are OEM boxes too
    mi = instantiate("mi300x-cluster", {})
    res = retarget(mi, "hopper")
    assert set(res.changes) == {"mi300x-8gpu -> hgx-h100-8gpu"}


def test_the_summary_gives_the_network_before_and_after():
    # GB200 -> GB300: NDR 400G on QM9700 becomes XDR 800G on the 144-port Q3400, so a
    # 4-SU pod needs far fewer switches and cables and its bisection doubles (2,304 GPUs
    # x 800G / 2 = 921.6 Tb/s, from x 400G / 2 = 460.8 Tb/s)
    res = retarget(instantiate("gb200-nvl72-superpod", {}), "blackwell-ultra")
    sw, cables, bis = (res.network[k] for k in ("switches", "cables", "bisection_tbps"))
    assert sw[1] < sw[0] and cables[1] < cables[0]
    assert bis == pytest.approx((460.8, 921.6))
    assert "bisection 460.8 -> 921.6 Tb/s" in res.summary()


def test_the_summary_says_lower_bounds_and_figures_that_do_not_apply():
    # the CPU cluster's SN4600C / SN2201 switches and its 100G optics have no power figure
    # [S12]: IT power is a lower bound before and after, and the cluster has no GPU fabric,
    # so no bisection (not a measured 0)
    res = retarget(instantiate("cpu-cluster", {}), "hopper")
    text = res.summary()
    assert "IT power ≥ 595.3 kW -> ≥ 595.3 kW" in text
    assert "of unknown power (counted as 0 W): 40 switches and 2,560 cable ends, before " \
        "and after" in text
    assert res.network["bisection_tbps"] == (None, None) and "bisection – -> –" in text
    # every figure known: no such line
    known = retarget(instantiate("dgx-h100-hall", {"racks": 2}), "blackwell").summary()
    assert "unknown power" not in known and "IT power ≥" not in known


def test_servers_already_of_the_target_generation_stay():
    # an H200 hall retargeted to Hopper keeps its H200s (both are Hopper)
    lay = instantiate("dgx-h100-hall", {"racks": 2})
    racks = [r.model_copy(update={"devices": [d.model_copy(update={"type": "dgx-h200"})
                                              for d in r.devices]}) for r in lay.racks]
    h200 = lay.model_copy(update={"racks": racks, "generation": "blackwell"})
    res = retarget(h200, "hopper")
    assert {d.type for r in res.layout.racks for d in r.devices if d.type.startswith("dgx")} \
        == {"dgx-h200"}
    assert res.kept["dgx-h200"] == 8 and not any("dgx-h200 ->" in k for k in res.changes)


def test_a_tier_keeps_its_breakout_speed_while_its_switch_stays():
    # Meta's RTSW, an Arista 7060X6, set to run its cages at 400G (the template breaks them
    # out instead); Blackwell keeps those switches, so the fabric keeps its shape and the
    # tier its port speed: 208 switches per pod before and after
    lay = instantiate("meta-24k-roce", {"pods": 1})
    (fab,) = lay.fabrics
    tiers = [t.model_copy(update={"port_speed_gbps": 400.0}) if t.name == "leaf" else t
             for t in fab.tiers]
    lay = lay.model_copy(update={"fabrics": [fab.model_copy(update={"tiers": tiers})]})
    res = retarget(lay, "blackwell")
    assert res.network["switches"] == (208.0, 208.0)
    speeds = {t.name: t.port_speed_gbps for t in res.layout.fabrics[0].tiers}
    assert speeds["leaf"] == 400 and speeds["spine"] is None


def test_ports_a_tier_uses_of_its_switch_go_with_the_switch():
    # GB200's leaves use 36 of a QM9700's 64 ports (one rack per rail) and its spines pair
    # with 3 links [S119]; on GB300's 144-port Q3400 the fabric takes the Q3400's own ports:
    # 2 leaves per rail and SU, as NVIDIA's GB300 SuperPOD has
    res = retarget(instantiate("gb200-nvl72-superpod", {"scalable_units": 1}), "blackwell-ultra")
    tiers = {t.name: t for t in res.layout.fabrics[0].tiers}
    assert all(t.radix is None and t.links_per_pair is None for t in tiers.values())
    assert "fabric compute, leaf tier ports used: 36 -> the new switch's own" in \
        [c.text() for c in res.settings]
    assert not any(k.startswith("fabric") for k in res.changes)  # devices only
    assert analyze(res.layout).counts["switches"]["leaf"] == 8
    # a k-ary fat-tree keeps its k: that is the design, not the switch
    ft = instantiate("fat-tree", {"k": 8})
    kept = retarget(ft, "blackwell-ultra" if ft.generation != "blackwell-ultra" else "hopper")
    assert [t.radix for t in kept.layout.fabrics[0].tiers] == [t.radix for t in ft.fabrics[0].tiers]


def test_a_fabric_the_new_servers_cannot_join_is_named(front_end_fabric):
    # DGX Rubin NVL8 has scale-out and management ports in the catalog, no front-end
    # ones: a front-end fabric over 32 DGX H100 keeps no node, and the summary says so
    lay = instantiate("dgx-h100-hall", {})
    fe = front_end_fabric([r.id for r in lay.racks if r.row == "R01"])
    res = retarget(lay.model_copy(update={"fabrics": [*lay.fabrics, fe]}), "rubin")
    assert "fabric front-end: loses all 32 nodes: the Rubin servers have no front-end ports " \
        "in the catalog" in res.unmapped
    assert not any(u.startswith("fabric compute: loses") for u in res.unmapped)


def _hall_with(us):
    from engine.model import MountedDevice
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 16})
    lay.racks[0] = lay.racks[0].model_copy(update={
        "devices": [MountedDevice(type="dgx-h100", u=u) for u in us]})
    return lay


def test_a_gap_the_rack_has_no_room_for_is_closed_not_a_server_dropped():
    """Four DGX H100 at U1, 9, 17 and 41 (a gap of 16 U under the top one) become four
    10U DGX B200: the gap closes where keeping it would push the last one out of the
    48U rack (it used to drop it, and blame the catalog for the node the fabric lost)."""
    res = retarget(_hall_with((1, 9, 17, 41)), "blackwell")
    assert [d.u for d in res.layout.racks[0].devices] == [1, 11, 21, 31]
    assert not res.dropped and not res.unmapped
    assert res.summary().splitlines()[0] == "GPUs mapped to blackwell: 512 of 512"


def test_a_server_with_no_room_is_counted_out_of_the_designs_gpus():
    """Five DGX H100 (40U) in a rack become five 10U DGX B200 (50U): one has no room. The
    head line counts the design's GPUs (520), not those left (512), and the node the
    fabric loses is the dropped server's, not a port the catalog lacks."""
    res = retarget(_hall_with((1, 9, 17, 25, 33)), "blackwell")
    text = res.summary()
    assert text.splitlines()[0] == ("GPUs mapped to blackwell: 512 of 520 (8 could not be "
                                    "mapped: see below)")
    assert "dgx-b200 (no room in rack GPU-0001)" in text
    assert "no scale-out ports" not in text
    assert (res.gpus_target, res.gpus_of) == (512, 520)  # the designer's status bar too


def test_a_stack_that_would_drop_a_server_is_packed_from_u1():
    """Four DGX H100 at U12, 21, 30 and 40 (U1 to 11 free): stacked from U12 the fourth
    10U DGX B200 would end at U54 of a 48U rack; packed from U1 all four fit (U1 to 40)."""
    res = retarget(_hall_with((12, 21, 30, 40)), "blackwell")
    assert [d.u for d in res.layout.racks[0].devices] == [1, 11, 21, 31]
    assert not res.dropped
    assert (res.gpus_target, res.gpus_of) == (512, 512)


def test_a_retarget_the_catalog_cannot_hold_names_the_file_the_fabric_and_the_user_entry(
        tmp_path, capsys, monkeypatch):
    # a user catalog's QM9700 at 1 Gb/s a port: the B200 copy's fabric would need 400
    # links per GPU; the message names the layout file, the fabric and the user entry,
    # not a field path of the generated copy
    import json

    from engine.catalog import builtin_catalog_dir

    entry = next(d for d in json.loads((builtin_catalog_dir() / "network.json").read_text())
                 ["devices"] if d["id"] == "qm9700")
    entry["switch_port_speed_gbps"] = 1
    folder = tmp_path / "user" / "catalog"
    folder.mkdir(parents=True)
    (folder / "mine.json").write_text(json.dumps({"schema": "rackscape.catalog/1",
                                                  "title": "user", "devices": [entry]}))
    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path / "user"))
    hall = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), hall)
    from engine.catalog import default_catalog

    default_catalog.cache_clear()  # (loaded once per process: read with this user folder)
    try:
        code = cli_main(["retarget", str(hall), "-g", "blackwell", "-o",
                         str(tmp_path / "b.json")])
    finally:
        monkeypatch.undo()
        default_catalog.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and not (tmp_path / "b.json").exists()
    assert err.startswith(f"rackscape: {hall}: retarget to blackwell: fabric compute: "
                          "ports_per_gpu: expected ")
    assert f"user catalog {folder / 'mine.json'} replaces built-in device qm9700" in err


def test_a_retargeted_superpod_is_named_for_its_new_servers():
    h100 = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=CAT)
    res = retarget(h100, "blackwell", CAT)
    assert res.layout.name.startswith("NVIDIA DGX SuperPOD with DGX B200 (")
    assert res.layout.name.endswith(" (retargeted to Blackwell)")
