"""Switch ports as the hardware has them beside those the fabric uses, stand-in
switches said so, optics power split by who powers the modules, the bill of materials in
tier order without a rack ordered twice, and the PUE as the report prints it."""

from __future__ import annotations

import pytest
from test_fabric import meta_with_box_spines

from engine.analysis import analyze
from engine.report_tables import build_tables
from engine.templates import instantiate


def _tables(name, params, catalog):
    lay = instantiate(name, params, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


@pytest.fixture(scope="module")
def gb200(catalog):
    return _tables("gb200-nvl72-superpod", {}, catalog)


@pytest.fixture(scope="module")
def meta(catalog):
    """Meta's cluster of 3 pods with its CTSWs on 64-port 7060X6 boxes: stand-ins."""
    lay = meta_with_box_spines(3)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


def _metric(table, name):
    return next(r[1] for r in table.rows if r[0] == name)


# -- 3. ports -------------------------------------------------------------------------------

def test_gb200_ports_are_the_switches_not_the_plans(gb200):
    _lay, a, t = gb200
    sw = a.to_dict()["network"]["switches"]
    # 128 leaf QM9700 of 64 NDR ports [S11]; the SuperPOD plan takes 36 of them a leaf
    assert sw["leaf"] == {"count": 128, "ports": 128 * 64, "ports_used": 128 * 36,
                          "ports_free": 128 * (64 - 36), "fabric_ports": 128 * 36,
                          "stand_in_switches": 0}
    assert sw["spine"]["ports"] == 96 * 64 and sw["spine"]["ports_used"] == 96 * 48
    assert sw["core"]["ports_free"] == 0
    net = t["network"]
    assert _metric(net, "Switch ports (hardware): leaf") == 8192
    assert _metric(net, "Ports used by the fabric: leaf") == 4608
    assert _metric(net, "Ports free: leaf") == 3584
    tiers = t["tiers"]
    leaf = next(r for r in tiers.rows if r[1] == "leaf")
    assert (leaf[tiers.index("Ports per switch")], leaf[tiers.index("Ports used (fullest)")]) \
        == (64, 36)


def test_fat_tree_k8_uses_8_of_each_switchs_64_ports(catalog):
    lay = instantiate("fat-tree", {"k": 8}, catalog=catalog)
    sw = analyze(lay, catalog).to_dict()["network"]["switches"]
    # k = 8: 32 edge switches of k = 8 ports used (4 down, 4 up) on 64-port QM9700s
    assert sw["leaf"]["count"] == 32
    assert (sw["leaf"]["ports"], sw["leaf"]["ports_used"]) == (32 * 64, 32 * 8)
    assert sw["leaf"]["ports_free"] == 32 * 56


def test_meta_chassis_spines_have_the_ports_they_use(catalog):
    _lay, a, t = _tables("meta-24k-roce", {"pods": 3}, catalog)
    spine = a.to_dict()["network"]["switches"]["spine"]
    # 48 CTSWs, 7804R4 chassis of 144 x 800G cages broken out to 288 x 400G [S43]; each
    # takes 192 RTSW links and 28 ATSW links
    assert spine["stand_in_switches"] == 0 and spine["ports"] == 48 * 288
    assert spine["ports_used"] == 48 * 220 and spine["ports_free"] == 48 * 68
    assert not any(v.code == "FABRIC-RADIX" for v in a.violations)
    notes = dict(zip(t["tiers"].column("Tier"), t["tiers"].column("Note"), strict=True))
    assert notes["spine"] == ""


def test_meta_spines_are_stand_ins_in_the_tiers_table_and_bom(meta):
    _lay, a, t = meta
    spine = a.to_dict()["network"]["switches"]["spine"]
    # 48 spines of 220 ports at 400G on a 64-port 7060X6 box
    assert spine["stand_in_switches"] == 48 and spine["ports"] == 48 * 64
    assert spine["ports_used"] == 48 * 220 and spine["ports_free"] == 0
    assert any(v.code == "FABRIC-RADIX" for v in a.violations)
    tiers = t["tiers"]
    notes = dict(zip(tiers.column("Tier"), tiers.column("Note"), strict=True))
    assert notes["spine"] == ("stand-in for a 220-port modular switch, counted as one box "
                              "(FABRIC-RADIX)")
    assert notes["leaf"] == notes["core"] == ""
    bom = t["bom"]
    rows = {r[2]: r for r in bom.rows if r[0] == "Switch"}
    spine_row = next(r for d, r in rows.items() if ", spine " in d)
    assert "220-port modular switch" in spine_row[bom.index("Note")]
    assert all(r[bom.index("Note")] == "" for d, r in rows.items() if ", spine " not in d)
    assert "FABRIC-RADIX" in bom.note
    assert _metric(t["network"], "Stand-in switches: spine") == 48


# -- 4. optics power ------------------------------------------------------------------------

def test_h100_optics_separate_modules_in_the_switch_from_those_added(catalog):
    _lay, a, t = _tables("dgx-h100-superpod", {"scalable_units": 4}, catalog)
    bins = t["cable_bins"]
    xcvr, inside, added = (bins.column(c) for c in
                           ("Transceivers", "In device power", "Added as optics"))
    assert all(x == i + d for x, i, d in zip(xcvr, inside, added, strict=True))
    row = next(r for r in bins.rows if r[0] == "mmf-sr4-400" and r[2] == "5-10 m")
    assert row[bins.index("Transceivers")] == 1032
    assert row[bins.index("In device power")] == 776  # at QM9700 ports [S11]
    assert row[bins.index("Added as optics")] == 256
    # 1,016 node links on twin-port cages at the DGX: 508 modules of 17 W [S17] added
    assert sum(added) == 508
    assert sum(bins.column("Optics power")) == 508 * 17 == a.network.optics_w
    assert "In device power" in bins.note and "qm9700 already includes its optics" in bins.note


# -- 6. bill of materials -------------------------------------------------------------------

def test_bom_switches_in_tier_order_and_the_nvl72_rack_comes_with_its_system(gb200):
    _lay, _a, t = gb200
    bom = t["bom"]
    tiers = [r[2].rpartition(", ")[2] for r in bom.rows if r[0] == "Switch"]
    assert tiers == ["leaf (fabric)", "spine (fabric)", "core (fabric)"]
    (rack,) = [r for r in bom.rows if r[0] == "Rack" and r[1] == "nvl72-rack"]
    assert rack[bom.index("Quantity")] == 32
    assert rack[bom.index("Note")] == ("included with NVIDIA GB200 NVL72: not ordered "
                                       "separately")
    other = [r for r in bom.rows if r[0] == "Rack" and r[1] != "nvl72-rack"]
    assert other and all(r[bom.index("Note")] == "" for r in other)


def test_front_end_switches_follow_the_scale_out_tiers(catalog):
    lay = instantiate("cpu-cluster", {}, catalog=catalog)
    bom = {x.key: x for x in build_tables(lay, analyze(lay, catalog), catalog)}["bom"]
    assert [r[2].rpartition(", ")[2] for r in bom.rows if r[0] == "Switch"] == \
        ["leaf (front-end fabric)", "spine (front-end fabric)"]


# -- 7. assumptions -------------------------------------------------------------------------

def test_a_computed_pue_shows_as_printed_and_says_how_it_is_computed(gb200):
    _lay, a, t = gb200
    src = t["sources"]
    (row,) = [r for r in src.rows if r[0] == "assumption" and r[2] == "pue"]
    assert a.power.pue == pytest.approx(1.2479, abs=1e-4)
    assert row[src.index("Value")] == 1.25 == _metric(t["summary"], "PUE")
    assert row[src.index("Note")].startswith("computed from the air/liquid heat mix")
