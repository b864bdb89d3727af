"""Totals that leave out hardware the catalog has no power or weight figure for
say they are lower bounds, and figures that do not apply are null, not 0.

The catalog leaves a figure no public source gives empty (MI355X and EPYC 9005 nodes
have no weight, the SN4600C no power or weight): the analysis counts them as 0 W and
0 kg, so every total over them is at least the figure, never the figure.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from designer.cli import main
from engine.analysis import Analyzer, analyze
from engine.catalog import Figure
from engine.io import save_layout
from engine.model import MountedDevice
from engine.report_tables import build_tables, floor_load_text, power_text
from engine.templates import instantiate


@pytest.fixture(scope="module")
def mi355x(catalog):
    lay = instantiate("mi355x-cluster", {}, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


@pytest.fixture(scope="module")
def cpu(catalog):
    lay = instantiate("cpu-cluster", {}, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


def _rows(table):
    return {r[0]: r[1:] for r in table.rows}


# -- 1. floor load ---------------------------------------------------------------------------

def test_mi355x_floor_load_is_a_lower_bound_over_16_racks_of_unknown_weight(mi355x):
    lay, a, t = mi355x
    fl = a.to_dict()["floor"]
    # a network rack: 150 kg empty 800 mm rack + 8 x 20.8 kg 7060X6 [S43] over 0.96 m2
    assert fl["max_load_kg_m2"] == round((150 + 8 * 20.8) / 0.96, 1) == 329.6
    assert fl["max_load_is_lower_bound"] is True
    # 128 MI355X nodes of no weight figure, 8 in each of 16 racks
    assert fl["unknown_weight_racks"] == 16
    assert fl["unknown_weight_models"] == {"mi355x-8gpu": 128}
    assert floor_load_text(a) == "≥ 329.6 kg/m² (16 racks of unknown weight)"
    row = _rows(t["summary"])["Highest floor load"]
    assert row == (329.6, "kg/m²", "at least: 16 racks of unknown weight (mi355x-8gpu)")


def test_floor_rule_says_it_could_not_check_racks_of_unknown_weight(mi355x):
    lay, a, _t = mi355x
    (v,) = [v for v in a.violations if v.code == "FLOOR-LOAD-UNKNOWN"]
    gpu_racks = tuple(r.id for r in lay.racks if r.devices and
                      r.devices[0].type == "mi355x-8gpu")
    assert v.severity == "warning" and v.items == gpu_racks and len(gpu_racks) == 16
    # their known part is the 130 kg empty 600 mm rack over 0.72 m2: 181 kg/m2
    assert "16 racks of unknown weight" in v.message and "mi355x-8gpu" in v.message
    assert "up to 181 kg/m²" in v.message and "1,200 kg/m² rating" in v.message


def test_a_rack_of_unknown_weight_already_over_the_rating_is_an_error_at_least(
        builder, catalog):
    # 4 x 130.45 kg DGX H100 + 150 kg rack = 671.8 kg on 0.96 m2 (699.8 kg/m2) and a
    # ConnectX-7 of no weight: over a 600 kg/m2 floor whatever the NIC weighs
    lay = builder(floor_rating_kg_m2=600).rack(
        "R1", 2, 2, devices=["dgx-h100"] * 4 + ["connectx-7"]).build()
    a = analyze(lay, catalog)
    (v,) = [v for v in a.violations if v.code == "FLOOR-LOAD"]
    assert "at least 700 kg/m²" in v.message
    assert not [v for v in a.violations if v.code == "FLOOR-LOAD-UNKNOWN"]


def test_known_weights_make_no_floor_warning(builder, catalog):
    a = analyze(builder().rack("R1", 2, 2).build(), catalog)
    fl = a.to_dict()["floor"]
    assert fl["max_load_is_lower_bound"] is False and fl["unknown_weight_racks"] == 0
    assert floor_load_text(a) == "699.8 kg/m²"
    assert not [v for v in a.violations if v.code == "FLOOR-LOAD-UNKNOWN"]


# -- 2. power totals -------------------------------------------------------------------------

def test_cpu_cluster_it_load_leaves_out_40_switches_of_unknown_power(cpu):
    lay, a, t = cpu
    d = a.to_dict()
    p = d["power"]
    # the front-end fabric's 24 leaf and 16 spine SN4600C, 0 W each, in 3 network racks
    assert p["it_kw_is_lower_bound"] is True and d["cooling"]["heat_kw_is_lower_bound"] is True
    # every rack holds some: the 3 network racks their switches, the 24 CPU racks the 32
    # node-side modules of their 16 nodes' 2 links each
    assert p["unknown_power_devices"] == 40 and p["unknown_power_racks"] == 27
    assert p["unknown_power_models"] == {"sn4600c": 40}
    # and the 100G SR4 optics of its 1,280 node links (2,560 ends), of no power figure
    assert p["unknown_power_media"] == {"mmf-sr4-100": 2560}
    assert p["unknown_power_cable_ends"] == 2560
    assert power_text("595.3 kW", a) == \
        "595.3 kW + 40 switches and 2,560 cable ends of unknown power"
    s = _rows(t["summary"])
    note = ("at least: leaves out 40 switches and 2,560 cable ends of unknown power "
            "(mmf-sr4-100, sn4600c)")
    assert s["IT load"] == (595.3, "kW", note) and s["Facility load"][2] == note
    assert s["Heat to air"][2] == note
    # each feed counts the switches and module ends in the racks it serves (32 ends in
    # each CPU rack, the rest at the switches); the note names them
    feeds = t["feeds"]
    per_feed = dict(zip(feeds.column("Feed"), feeds.column("Hardware of unknown power"),
                        strict=True))
    assert per_feed == {f["id"]: f["unknown_power_hardware"] for f in p["feeds"]}
    assert sum(per_feed.values()) == 2 * (40 + 2560)  # every rack on an A and a B busway
    per_rack = a.power.rack_unknown_power
    cpu_racks = [i for i, r in enumerate(lay.racks) if any(d.type == "epyc-9005-2s"
                                                           for d in r.devices)]
    assert len(cpu_racks) == 24 and {int(per_rack[i]) for i in cpu_racks} == {32}
    assert "40 switches and 2,560 cable ends of unknown power (mmf-sr4-100, sn4600c)" \
        in feeds.note
    for key in ("cooling", "cooling_groups"):
        assert "leave out the heat of 40 switches and 2,560 cable ends of unknown power" \
            in t[key].note


def test_known_power_has_no_qualifier(mi355x):
    _lay, a, t = mi355x
    p = a.to_dict()["power"]
    assert p["it_kw_is_lower_bound"] is False and p["unknown_power_devices"] == 0
    assert power_text("2.105 MW", a) == "2.105 MW"
    assert _rows(t["summary"])["IT load"][2] == ""
    assert set(t["feeds"].column("Hardware of unknown power")) == {0}


# -- 5. null for what is not known or does not apply -------------------------------------------

def test_no_gpus_and_no_gpu_fabric_are_null_not_zero(cpu):
    _lay, a, t = cpu
    d = a.to_dict()
    n = d["network"]
    assert d["power"]["gpus_per_mw"] is None
    assert n["bisection_method"] == "none"
    assert n["bisection_tbps"] is None and n["per_gpu_bisection_gbps"] is None
    assert n["scaleup_gbps_per_gpu_both_directions"] is None and n["scaleup_domain_bisection_tbps"] is None
    # the front-end fabric's own: 768 leaf-spine links of 100 Gb/s, half across a cut
    (fe,) = n["fabrics"]
    assert fe["bisection_tbps"] == 768 * 100 / 2 / 1000 == 38.4
    assert _rows(t["summary"])["GPUs per MW of IT load"] == (None, "GPU/MW", "no GPUs")


def test_an_unknown_scale_up_bandwidth_is_null(mi355x):
    _lay, a, _t = mi355x
    n = a.to_dict()["network"]
    # MI355X: 8-GPU Infinity Fabric domains, no bandwidth figure in the catalog
    assert n["scaleup_domain_gpus"] == 8
    assert n["scaleup_gbps_per_gpu_both_directions"] is None
    assert n["scaleup_gbps_per_gpu_per_direction"] is None
    assert n["scaleup_domain_bisection_tbps"] is None


def test_cable_cost_is_null_when_nothing_is_priced_and_a_lower_bound_when_part_is(
        catalog, mi355x):
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4}, catalog=catalog)
    cb = analyze(lay, catalog).to_dict()["cabling"]
    assert cb["links"] == cb["cost_unknown_cables"] == 2040
    assert cb["cost_usd"] is None and cb["cost_is_lower_bound"] is False
    mi = mi355x[1].to_dict()["cabling"]
    # the SR4 modules are priced, the DAC and the twin-port modules are not
    assert mi["cost_usd"] > 0 and mi["cost_is_lower_bound"] is True


def test_cli_analyze_says_lower_bounds_and_names_the_fabric_bisection(tmp_path, capsys, cpu,
                                                                       mi355x):
    for name, (lay, *_rest) in (("cpu", cpu), ("mi", mi355x)):
        save_layout(lay, tmp_path / f"{name}.json")
    assert main(["analyze", str(tmp_path / "cpu.json")]) == 0
    out = capsys.readouterr().out
    assert ("IT 595.3 kW + 40 switches and 2,560 cable ends of unknown power  "
            "facility ≥ 892.9 kW") in out
    assert "GPUs per IT MW – (no GPUs)" in out
    assert "heat ≥ 595.3 kW: air ≥ 595.3 kW" in out
    assert "floor: highest load ≥ 180.6 kg/m² (27 racks of unknown weight)" in out
    assert ("bisection: no GPU scale-out fabric; fabric front-end 38.40 Tb/s, "
            "200.0 Gb/s per endpoint; no scale-up domains") in out
    assert "0.00 Tb/s" not in out and "0 GPUs" not in out
    assert main(["analyze", str(tmp_path / "mi.json")]) == 0
    out = capsys.readouterr().out
    assert "floor: highest load ≥ 329.6 kg/m² (16 racks of unknown weight)" in out
    assert "IT 2.105 MW  facility 2.627 MW" in out


# -- the incremental analysis keeps them equal ----------------------------------------------

def test_incremental_unknown_figures_equal_a_full_analysis(catalog):
    """A rack of MI355X nodes (no weight) gets SN2201s (no power or weight), then loses
    them, then moves; an enclosure of unknown weight (a user catalog's) is swapped in."""
    cat = catalog
    plain = cat.racks["rack-600x1200"]
    cat = dataclasses.replace(cat, racks={**cat.racks, "rack-unweighed": plain.model_copy(
        update={"id": "rack-unweighed", "weight_kg": Figure()})})
    lay = instantiate("mi355x-cluster", {}, catalog=cat)
    # an SN2201 in the last rack: the compiled type table knows it, so the edits patch
    last = lay.racks[-1]
    lay = lay.model_copy(update={"racks": [*lay.racks[:-1], last.model_copy(update={
        "devices": [*last.devices, MountedDevice(type="sn2201", u=47)]})]})
    an = Analyzer(lay, cat)
    rid = lay.racks[0].id

    def edit(**upd):
        nonlocal lay
        racks = list(lay.racks)
        racks[0] = racks[0].model_copy(update=upd)
        lay = lay.model_copy(update={"racks": racks})
        inc, full = an.update(lay, [rid]), analyze(lay, cat)
        assert an.was_incremental
        assert inc.to_dict() == full.to_dict()
        assert np.array_equal(inc.power.rack_unknown_power, full.power.rack_unknown_power)
        assert np.array_equal(inc.floor.rack_weight_unknown, full.floor.rack_weight_unknown)
        return inc

    devices = list(lay.racks[0].devices)
    a = edit(devices=[*devices, MountedDevice(type="sn2201", u=47)])
    assert a.power.unknown_power_models == {"sn2201": 2} and a.power.rack_unknown_power[0] == 1
    assert a.floor.unknown_weight_models["sn2201"] == 2
    a = edit(devices=devices)
    assert a.power.unknown_power_models == {"sn2201": 1} and a.power.rack_unknown_power[0] == 0
    a = edit(type="rack-unweighed")
    assert a.floor.unknown_weight_models["rack-unweighed"] == 1
    assert a.floor.rack_weight_unknown[0]
    a = edit(x_m=lay.racks[0].x_m + 0.6)
    assert a.floor.unknown_weight_models["rack-unweighed"] == 1
    a = edit(type="rack-600x1200")
    assert "rack-unweighed" not in a.floor.unknown_weight_models


def test_optics_of_no_power_figure_make_the_totals_lower_bounds_and_warn():
    """The DC-busbar DGX B300 SuperPOD's links between its network racks run on 800G
    active electrical cables, whose power no public source gives: their ends count as
    0 W, so the IT load is a lower bound by them, and the check says so."""
    from engine.templates import instantiate

    a = analyze(instantiate("dgx-b300-superpod", {"edition": "dc-busbar"}))
    p = a.to_dict()["power"]
    ends = a.network.power_unknown_ends
    assert ends > 0 and p["unknown_power_media"] == {"aec-800": ends}
    assert p["it_kw_is_lower_bound"] is True and p["unknown_power_devices"] == 0
    warned = [v.message for v in a.violations if v.code == "FIGURE-UNKNOWN"]
    assert warned == [f"The catalog has no power figure for aec-800 ({ends:,} cable ends): "
                      "they count as 0 W (feeds and cooling understated)"]


def test_an_empty_hall_has_no_pue_no_largest_rack_and_no_longest_cable(tmp_path, capsys):
    """A hall with nothing in it: the PUE of no IT load, the largest of no racks and the
    longest of no cables do not apply, and the JSON says null (it said 1.08, 0 and 0);
    the command line prints a dash for each."""
    from engine.model import Hall, Layout

    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]))
    d = analyze(lay).to_dict()
    assert d["power"]["pue"] is None and d["power"]["max_rack_kw"] is None
    assert d["cabling"]["max_length_m"] is None
    save_layout(lay, tmp_path / "empty.json")
    assert main(["analyze", str(tmp_path / "empty.json")]) == 0
    out = capsys.readouterr().out
    assert "PUE –  max rack –" in out and "longest –" in out


def test_cpu_cluster_tables_mark_their_lower_bounds(cpu):
    # a CPU rack: 16 EPYC 9005 nodes at 1.55 kW = 24.8 kW known, its 32 100G modules not:
    # "≥ 24.8", its liquid share still known (no device of unknown power); a network
    # rack: its SN4600C unknown, only 0.02 kW of optics known, so a dash, not "≥ 0.0"
    lay, a, t = cpu
    racks = t["racks"]
    by_id = dict(zip(racks.column("Rack"), range(len(racks.rows)), strict=True))
    low = racks.at_least["Power"]
    cpu_rack, net_rack = by_id["CPU-0001"], by_id["NET-0001"]
    assert racks.column("Power")[cpu_rack] == 24.8 and low[cpu_rack]
    assert racks.column("Liquid share")[cpu_rack] == 0.0
    assert racks.column("Power")[net_rack] is None and racks.column("Liquid share")[net_rack] \
        is None
    # every feed serves racks of unknown hardware: its loads are lower bounds, as are the
    # cooling units' shares of a heat that leaves that hardware out
    assert all(t["feeds"].at_least["Load"]) and all(t["cooling"].at_least["Load"])


def test_a_csv_table_says_which_figures_are_lower_bounds(cpu, tmp_path):
    import csv

    from designer.reports.csv import write_csv

    lay, a, t = cpu
    write_csv([t["racks"]], tmp_path / "r.csv")
    with open(tmp_path / "r-racks.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cpu_row = next(r for r in rows if r["Rack"] == "CPU-0001")
    assert cpu_row["Power (kW)"] == "24.8" and cpu_row["Power (kW): lower bound"] == "yes"
    assert cpu_row["Weight (kg): lower bound"] == "yes"  # the EPYC node's weight unknown
