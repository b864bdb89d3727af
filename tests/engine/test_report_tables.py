"""Report tables: totals agree with the analysis, one cut-sheet row per link, sources cited."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np
import pytest

from engine.analysis import analyze
from engine.report_tables import (
    STOCK_LENGTHS_M,
    build_tables,
    fabric_tiers_table,
    link_view,
    natural_key,
    network_table,
    rows_table,
    scaleup_figures,
    sources_cited_table,
    stock_length_m,
)
from engine.templates import instantiate


def _no_aoc(layout):
    """The layout with active optical cables ruled out, so long links need transceivers."""
    a = layout.assumptions
    cabling = a.cabling.model_copy(update={"allow_aoc": False})
    return layout.model_copy(update={"assumptions": a.model_copy(update={"cabling": cabling})})


@pytest.fixture(scope="module")
def superpod(builtin_catalog_module):
    lay = _no_aoc(instantiate("dgx-h100-superpod", {"scalable_units": 1},
                              catalog=builtin_catalog_module))
    a = analyze(lay, builtin_catalog_module)
    return lay, a, {t.key: t for t in build_tables(lay, a, builtin_catalog_module)}


@pytest.fixture(scope="module")
def builtin_catalog_module():
    from engine.catalog import load_catalog

    return load_catalog(user_dir=None)


def _sum_where(table, column, category_col, categories):
    ci, qi = table.index(category_col), table.index(column)
    return sum(r[qi] for r in table.rows if r[ci] in categories)


def test_stock_length_is_the_next_standard_length_at_or_above():
    routed = np.array([0.0, 0.5, 0.51, 2.0, 2.01, 3.2, 99.0, 100.0, 100.1, 143.0])
    assert stock_length_m(routed).tolist() == [0.5, 0.5, 1.0, 2.0, 2.5, 5.0, 100.0, 100.0,
                                               110.0, 150.0]


def test_stock_length_never_below_routed():
    routed = np.random.default_rng(1).uniform(0, 300, 2000)
    stock = stock_length_m(routed)
    assert (stock >= routed - 1e-9).all()
    standard = np.isin(stock, STOCK_LENGTHS_M) | ((stock > 100) & (stock % 10 == 0))
    assert standard.all()


def test_cutsheet_has_one_row_per_link(superpod):
    lay, a, t = superpod
    links = a.to_dict()["cabling"]["links"]
    assert links > 0
    assert len(t["cutsheet"].rows) == links


def test_bom_totals_equal_the_analysis(superpod):
    lay, a, t = superpod
    d = a.to_dict()
    bom = t["bom"]
    assert sum(g or 0 for g in bom.column("GPUs")) == d["counts"]["gpus"]
    assert _sum_where(bom, "Quantity", "Category", {"GPU server", "Rack-scale system"}) \
        == d["counts"]["servers"]
    assert _sum_where(bom, "Quantity", "Category", {"Switch"}) == d["counts"]["switches"]["total"]
    assert d["cabling"]["transceivers"] > 0
    assert _sum_where(bom, "Quantity", "Category", {"Transceiver"}) \
        == d["cabling"]["transceivers"]
    cables = sum(v for k, v in d["cabling"]["by_medium"].items() if k != "none")
    assert _sum_where(bom, "Quantity", "Category", {"Cable"}) == cables
    assert _sum_where(bom, "Quantity", "Category", {"Rack"}) == d["counts"]["racks"]


def test_cable_bins_agree_with_the_analysis(superpod):
    lay, a, t = superpod
    cb = a.to_dict()["cabling"]
    bins = t["cable_bins"]
    assert sum(bins.column("Links")) == cb["links"]
    assert sum(bins.column("Transceivers")) == cb["transceivers"]
    assert sum(bins.column("Optics power")) == pytest.approx(cb["optics_w"], abs=0.5)
    assert sum(bins.column("Routed length")) == pytest.approx(cb["total_length_m"], rel=1e-3)


def test_a_bins_optics_power_is_its_added_modules(builtin_catalog_module):
    # 4 SU of DGX H100: every optical link is 400G SR4 and every module an 800G 2xSR4 of
    # 17 W [S17], two links to a module; a module whose links fall in two length bins
    # counts, with its 17 W, in the bin of its first link, so each bin draws 17 W per
    # added module and the bins sum to the analysis (508 node modules x 17 W = 8,636 W)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    bins = {t.key: t for t in build_tables(lay, a, builtin_catalog_module)}["cable_bins"]
    rows = [dict(zip([c.name for c in bins.columns], r, strict=True)) for r in bins.rows]
    sr4 = [r for r in rows if r["Medium"] == "mmf-sr4-400"]
    assert len(sr4) >= 2
    assert all(r["Optics power"] == 17.0 * r["Added as optics"] for r in sr4)
    assert sum(r["Added as optics"] for r in sr4) == 508
    assert sum(r["Optics power"] for r in rows) == pytest.approx(a.network.optics_w) == 8636.0


def test_cutsheet_rows_are_complete_and_orderable(superpod):
    lay, a, t = superpod
    cut = t["cutsheet"]
    routed, stock = cut.column("Routed length"), cut.column("Stock length")
    assert all(s >= r for r, s in zip(routed, stock, strict=True))
    assert len(set(cut.column("Label"))) == len(cut.rows)
    assert set(cut.column("Tier")) <= {"node_leaf", "leaf_spine", "spine_core", "explicit"}
    rack_ids = {r.id for r in lay.racks}
    assert set(cut.column("A rack")) <= rack_ids and set(cut.column("B rack")) <= rack_ids
    assert all(isinstance(u, int) and u >= 1 for u in cut.column("A U"))


def test_no_two_cables_share_a_port(superpod):
    lay, a, t = superpod
    cut = t["cutsheet"]
    ends = [(r[cut.index("A rack")], r[cut.index("A U")], r[cut.index("A device")],
             r[cut.index("A port")]) for r in cut.rows]
    ends += [(r[cut.index("B rack")], r[cut.index("B U")], r[cut.index("B device")],
              r[cut.index("B port")]) for r in cut.rows]
    assert len(set(ends)) == len(ends)


def test_gpu_server_ports_follow_the_rails(superpod):
    lay, a, t = superpod
    view = link_view(a)
    node = [i for i, tier in enumerate(view.tier) if tier == "node_leaf"]
    ports = {view.a_port[i] for i in node}
    # 8 NICs, one per rail, in four twin-port OSFP cages [S01]
    assert ports == {f"P{c}/{k}" for c in range(1, 5) for k in (1, 2)}


def test_racks_rows_feeds_units_cover_the_layout(superpod):
    lay, a, t = superpod
    assert len(t["racks"].rows) == len(lay.racks)
    assert sum(t["rows"].column("Racks")) == len(lay.racks)
    assert len(t["feeds"].rows) == len(lay.feeds)
    assert len(t["cooling"].rows) == len(lay.cooling)
    # each rack's power is held to the 0.1 kW it prints with: at most 0.05 kW off apiece
    assert sum(t["racks"].column("Power")) == pytest.approx(float(a.power.rack_kw.sum()),
                                                            abs=0.05 * len(lay.racks))


def test_headers_carry_units_and_numbers_stay_numbers(superpod):
    lay, a, t = superpod
    assert "Power (kW)" in t["racks"].headers()
    assert "Utilization, other side lost (%)" in t["feeds"].headers()
    assert "N+1 margin (kW)" in t["cooling_groups"].headers()
    assert "Routed length (m)" in t["cutsheet"].headers()
    for table in t.values():
        for ci, col in enumerate(table.columns):
            if col.kind in ("int", "float"):
                assert all(r[ci] is None or isinstance(r[ci], (int, float))
                           for r in table.rows), (table.key, col.name)


def test_network_table_reports_bisection_and_worst_failure(superpod):
    lay, a, t = superpod
    net = {r[0]: r[1] for r in t["network"].rows}
    assert net["Bisection bandwidth (one way)"] == pytest.approx(a.network.bisection_tbps,
                                                                 abs=1e-3)
    assert "Worst single failure" in net
    assert sum(t["tiers"].column("Switches")) == a.to_dict()["counts"]["switches"]["total"]


def test_sources_cover_every_catalog_figure_used(superpod):
    lay, a, t = superpod
    src = t["sources"]
    rows = {(r[1], r[2]): r for r in src.rows}
    power = rows[("dgx-h100", "power_max_w")]
    assert power[src.index("Value")] == 10200.0
    assert power[src.index("Source")] == "S01"
    assert power[src.index("Class")] == "vendor"
    assert "docs.nvidia.com" in power[src.index("Source title")]
    assert ("qm9700", "power_max_w") in rows
    for medium in set(t["cutsheet"].column("Medium")):
        assert (medium, "reach_max_m") in rows
    keyed = [r for r in src.rows if r[src.index("Source")]]
    assert all(r[src.index("Source title")] != "(not in sources.json)" for r in keyed)


def test_a_hall_without_fabric_has_an_empty_cutsheet(builtin_catalog_module):
    from engine.model import Hall, Layout, MountedDevice, Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 8), (0, 8)]),
                 racks=[Rack(id="R1", type="rack-800x1200", x_m=3, y_m=3,
                             devices=[MountedDevice(type="dgx-h100", u=1)])])
    a = analyze(lay, builtin_catalog_module)
    t = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}
    assert t["cutsheet"].rows == []
    assert sum(g or 0 for g in t["bom"].column("GPUs")) == 8
    assert len(t["violations"].rows) == len(a.violations)


def test_build_tables_reports_progress(superpod, builtin_catalog_module):
    lay, a, _ = superpod
    seen = []
    build_tables(lay, a, builtin_catalog_module, progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] < 1.0


def _first_rack_ends(template: str, catalog) -> tuple:
    """The 1-SU design's cut-sheet, and the (device, port) of the A ends at NVL-0001."""
    lay = instantiate(template, {"scalable_units": 1}, catalog=catalog)
    t = {x.key: x for x in build_tables(lay, analyze(lay, catalog), catalog)}
    cut = t["cutsheet"]
    return cut, [(r[cut.index("A device")], r[cut.index("A port")]) for r in cut.rows
                 if r[cut.index("A rack")] == "NVL-0001"]


def test_nvl72_ports_are_named_by_compute_tray(builtin_catalog_module):
    # an NVL72 rack's 72 scale-out ports sit 4 per compute tray on its 18 trays [S04]
    cut, first = _first_rack_ends("gb200-nvl72-superpod", builtin_catalog_module)
    assert len(first) == 72
    assert sorted(set(first)) == sorted((f"gb200-nvl72 tray {k:02d}", f"T{k:02d}-P{p}")
                                        for k in range(1, 19) for p in range(1, 5))
    # each end gives its tray's U in the catalog's frame (estimated slots: trays 1-8 at
    # U5-U12 under the 9 switch trays, 9-18 at U22-U31 over them), and its label both
    rows = [r for r in cut.rows if r[cut.index("A rack")] == "NVL-0001"]
    tray_u = {r[cut.index("A device")]: r[cut.index("A U")] for r in rows}
    assert tray_u == {f"gb200-nvl72 tray {k:02d}": (4 + k if k <= 8 else 13 + k)
                      for k in range(1, 19)}
    assert rows[0][cut.index("Label")].split()[1] == "NVL-0001-U05-T01-P1"


def test_vera_rubin_trays_carry_two_links_per_port(builtin_catalog_module):
    # Vera Rubin NVL144 (catalog, preliminary): 18 compute trays, 72 scale-out ports of 1.6 Tb/s, each
    # on the 800 Gb/s Quantum-X800 fabric as two links: 144 links per rack, 8 per tray,
    # named port/link (P1/1, P1/2 .. P4/2), never a tray 19
    _cut, first = _first_rack_ends("vera-rubin-nvl144", builtin_catalog_module)
    assert len(first) == len(set(first)) == 144
    assert sorted(set(first)) == sorted(
        (f"vera-rubin-nvl144 tray {k:02d}", f"T{k:02d}-P{p}/{lane}")
        for k in range(1, 19) for p in range(1, 5) for lane in (1, 2))


def test_a_twin_port_cage_never_mixes_media(builtin_catalog_module):
    # a QM9700 leaf of a 1-SU H100 SuperPOD has 31 node links (one port is the UFM's) and
    # its uplinks, some copper: ports Pk/1 and Pk/2 share twin-port cage k [S11], so the
    # uplinks start on a fresh cage rather than pairing an optic with a DAC
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    view = link_view(analyze(lay, builtin_catalog_module), builtin_catalog_module)
    cages: dict[tuple, set] = {}
    for side in ("a", "b"):
        for rack, u, dev, port, med in zip(getattr(view, f"{side}_rack"),
                                           getattr(view, f"{side}_u").tolist(),
                                           getattr(view, f"{side}_device"),
                                           getattr(view, f"{side}_port"), view.medium,
                                           strict=True):
            if "qm9700" in dev:
                cages.setdefault((rack, u, port.split("/")[0]), set()).add(med)
    assert cages and all(len(m) == 1 for m in cages.values())


def test_bom_buys_twin_port_modules_where_cages_are_shared(builtin_catalog_module):
    # every optical end of a 4-SU H100 SuperPOD sits in a twin-port OSFP cage (DGX H100
    # [S01], QM9700 [S11]): the bill buys 800G 2xSR4 modules, one per two links of a
    # switch, and one for each of the 8 half-used cages (the leaves serving 31 nodes)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    bom = {t.key: t for t in build_tables(lay, a, builtin_catalog_module)}["bom"]
    xcvr = [(r[1], r[3]) for r in bom.rows if r[0] == "Transceiver"]
    assert sum(q for _m, q in xcvr) == 1788 and a.network.transceivers == 1788
    # ordered apart for the DGX's cages (127 nodes x 4) and the switches' (1,280)
    assert xcvr == [("mmf-sr8-800", 508), ("mmf-sr8-800", 1280)]
    descr = [r[2] for r in bom.rows if r[0] == "Transceiver"]
    assert descr[0].endswith("for server and NIC cages") and \
        descr[1].endswith("for switch cages")
    # the cut-sheet's ports: each module's two links share its cage
    view = link_view(a, builtin_catalog_module)
    assert int(view.transceivers.sum()) == 1788
    fibre = [r[2] for r in bom.rows if r[0] == "Cable" and r[1] == "mmf-sr4-400"]
    assert fibre and all(d.startswith("Fibre cable, Multimode SR4") for d in fibre)


def test_sources_list_every_module_the_bill_buys(builtin_catalog_module):
    # the bill buys a shared cage's twin module (800G 2xSR4 for 400G SR4 links [S17]):
    # its power and reach figures are cited with the media of the links
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    t = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}
    bought = {r[1] for r in t["bom"].rows if r[0] in ("Transceiver", "Cable")}
    src = t["sources"]
    cited = {(r[1], r[2]): r[src.index("Source")] for r in src.rows if r[0] == "medium"}
    assert "mmf-sr8-800" in bought
    for medium in bought:
        assert (medium, "reach_max_m") in cited
    assert cited[("mmf-sr8-800", "power_per_end_w")] == "S17"
    assert "S17" in sources_cited_table(src, builtin_catalog_module).column("Key")


def test_optics_of_unknown_power_are_blank_not_zero(builtin_catalog_module):
    # the CPU cluster's 100G SR4 modules have no power figure in the catalog: their bins
    # leave the optics power empty (a 0 would read as measured) and the note counts the ends
    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    unknown = a.network.cabling_dict()["optics_power_unknown_ends"]
    assert unknown > 0
    bins = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}["cable_bins"]
    w = bins.index("Optics power")
    xcvr = bins.index("Transceivers")
    assert any(r[xcvr] for r in bins.rows)
    assert all(r[w] is None for r in bins.rows if r[xcvr])
    assert f"({unknown:,} module ends)" in bins.note


def test_no_gpu_fabric_leaves_the_hall_bisection_blank(builtin_catalog_module):
    # a CPU cluster has a front-end fabric but no scale-out GPU fabric: the hall-wide
    # bisection is "none", not 0 Tb/s (the fabrics table has the front-end's own)
    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    assert a.network.bisection_method == "none"
    t = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}
    for key in ("summary", "network"):
        rows = {r[0]: r[1] for r in t[key].rows}
        bis = [k for k in rows if k.startswith("Bisection bandwidth")]
        assert bis and all(rows[k] is None for k in bis)
    fab = t["fabrics"]
    assert any(v and v > 0 for v in fab.column(fab.columns[fab.index("Bisection")].name))


def test_rows_follow_the_numbers_in_their_names(builtin_catalog_module):
    # text order put R100 before R11 and R2 after R199: rows are ordered by number
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=builtin_catalog_module)
    names = ["R100", "R11", "R2", "R10"]
    racks = [r.model_copy(update={"row": names[i % 4]}) for i, r in enumerate(lay.racks)]
    lay = lay.model_copy(update={"racks": racks})
    rows = rows_table(lay, analyze(lay, builtin_catalog_module))
    assert rows.column("Row") == ["R2", "R10", "R11", "R100"]
    assert sum(rows.column("Racks")) == len(racks)
    assert rows.column("Racks")[0] == sum(r.row == "R2" for r in racks)
    assert sorted(["b10", "B9", "a", "A1"], key=natural_key) == ["a", "A1", "B9", "b10"]


def test_unknown_scale_up_bandwidth_is_blank_and_not_nvlink(builtin_catalog_module):
    # the MI355X's Infinity Fabric mesh has no per-GPU bandwidth in the catalog: the
    # report shows it as not known, never 0 Gb/s, and does not call the domain NVLink
    lay = instantiate("mi355x-cluster", {"scalable_units": 1}, catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    assert scaleup_figures(a, builtin_catalog_module) == (None, "scale-up")
    net = network_table(lay, a, builtin_catalog_module)
    rows = {r[0]: r[1] for r in net.rows}
    assert rows["Scale-up bandwidth per GPU, per direction"] is None
    assert rows["Scale-up domain"] == 8
    assert not any("NVLink" in r[0] for r in net.rows)
    assert "no scale-up bandwidth figure" in net.note


def test_nvidia_scale_up_is_named_nvlink(superpod, builtin_catalog_module):
    lay, a, t = superpod
    gbps, name = scaleup_figures(a, builtin_catalog_module)
    assert name == "NVLink" and gbps and gbps > 0
    rows = {r[0]: r[1] for r in t["network"].rows}
    assert rows["Scale-up domain (NVLink)"] == 8
    assert rows["Scale-up bandwidth per GPU, per direction"] == gbps


def test_the_top_tier_of_every_fabric_shows_no_oversubscription(superpod,
                                                                builtin_catalog_module):
    # a 2-tier fabric's spine showed 1.00 while a 3-tier core showed none: neither has uplinks
    lay2 = instantiate("mi355x-cluster", {"scalable_units": 1}, catalog=builtin_catalog_module)
    two = fabric_tiers_table(lay2, analyze(lay2, builtin_catalog_module), builtin_catalog_module)
    for t in (two, superpod[2]["tiers"]):
        tiers = defaultdict(list)
        for r in t.rows:
            tiers[r[t.index("Fabric")]].append((r[t.index("Tier")], r[t.index("Oversubscription")]))
        for rows in tiers.values():
            assert rows[-1][1] is None, rows
            assert all(v is not None for _, v in rows[:-1]), rows
    assert [r[t.index("Tier")] for r in two.rows][-1] == "spine"


def test_a_design_without_gpu_fabric_speaks_of_endpoints(builtin_catalog_module):
    lay = instantiate("cpu-cluster", {}, catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    net = network_table(lay, a, builtin_catalog_module)
    rows = {r[0]: r[1] for r in net.rows}
    assert rows["Worst single failure"] == "per fabric (Fabrics table)"
    assert rows["Scale-up domain"] is None
    assert rows["Scale-up bandwidth per GPU, per direction"] is None
    assert "GPUs into two" not in net.note and "endpoints" in net.note


def test_rows_and_feeds_include_the_optics_at_their_link_ends(superpod):
    lay, a, t = superpod
    kw = a.power.optics_kw
    assert kw > 0
    said = f"Rack, row and feed figures include the {kw:,.2f} kW of optics"
    assert said in t["rows"].note and said in t["feeds"].note
    # the rows add up to the IT load: every transceiver is in the rack of its link end
    assert abs(sum(t["rows"].column("Power")) - a.power.it_kw) < 0.5


def test_cabling_note_names_devices_whose_power_includes_optics(superpod):
    # QM9700 ports carry thousands of modules with no optics power of their own
    note = superpod[2]["cable_bins"].note
    assert "The power of qm9700 already includes its optics" in note


def _one_cdu(layout, builtin_catalog_module, capacity_kw=1200.0):
    """``layout`` with its CDUs replaced by one (group "CDU"), and its analysis."""
    from engine.model import CoolingUnit

    crah = next(u for u in layout.cooling if u.kind == "crah")
    cdu = CoolingUnit(id="CDU-1", kind="cdu", capacity_kw=capacity_kw, x_m=crah.x_m,
                      y_m=crah.y_m + 2.0, group="CDU")
    racks = [r.model_copy(update={"cdu": None}) if r.cdu else r for r in layout.racks]
    lay = layout.model_copy(update={"racks": racks, "cooling": [
        cdu, *(u for u in layout.cooling if u.kind != "cdu")]})
    return lay, analyze(lay, builtin_catalog_module)


def _group_row(lay, a, name):
    from engine.report_tables import cooling_groups_table

    t = cooling_groups_table(lay, a)
    return dict(zip(t.headers(), next(r for r in t.rows if r[0] == name), strict=True))


def test_a_group_of_one_unit_with_no_load_says_no_load_not_n1_ok(builtin_catalog_module):
    # an air-cooled hall with one CDU: no liquid heat goes to it
    lay, a = _one_cdu(instantiate("dgx-h100-hall", {}, catalog=builtin_catalog_module),
                      builtin_catalog_module)
    row = _group_row(lay, a, "CDU")
    assert row["Units"] == 1 and row["Load (kW)"] == 0.0 and row["N+1 capacity (kW)"] == 0.0
    assert row["Status"] == "no load (one unit, no spare)"
    assert not [v for v in a.violations if v.code == "COOL-N1"]
    # the CRAHs carry the room's air and keep their status
    assert _group_row(lay, a, "CRAH")["Status"] == "N+1 OK"


def test_a_loaded_group_of_one_unit_is_not_n1_as_the_rule_says(builtin_catalog_module):
    lay, a = _one_cdu(instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                                  catalog=builtin_catalog_module), builtin_catalog_module,
                      capacity_kw=2000.0)
    row = _group_row(lay, a, "CDU")
    assert row["Units"] == 1 and 0 < row["Load (kW)"] < row["Capacity (kW)"]
    assert row["Status"] == "not N+1: one unit, no spare"
    assert [v.items for v in a.violations if v.code == "COOL-N1"] == [("CDU-1",)]


def _tray_row(layout, catalog):
    from engine.report_tables import bom_table

    t = bom_table(layout, analyze(layout, catalog), catalog=catalog)
    return dict(zip(t.headers(), next(r for r in t.rows if r[0] == "Cable tray"), strict=True))


def test_one_tray_run_reads_singular_with_its_length_to_a_tenth(builtin_catalog_module):
    lay = instantiate("dgx-h100-hall", {}, catalog=builtin_catalog_module)
    tray = lay.trays[0].model_copy(update={"points": [(3.6, 3.6), (10.8, 3.6)]})
    row = _tray_row(lay.model_copy(update={"trays": [tray]}), builtin_catalog_module)
    assert row["Description"] == "1 tray run"
    assert (row["Quantity"], row["Unit"], row["Total length (m)"]) == (1, "ea", 7.2)
    assert row["Length each (m)"] is None
    row = _tray_row(lay, builtin_catalog_module)
    total = round(sum(abs(t.points[1][0] - t.points[0][0]) + abs(t.points[1][1] - t.points[0][1])
                      for t in lay.trays), 1)
    assert row["Description"] == f"{len(lay.trays)} tray runs" and len(lay.trays) > 1
    assert (row["Quantity"], row["Total length (m)"]) == (len(lay.trays), total)


def test_an_assumption_the_design_sets_does_not_cite_the_defaults_source():
    """The DGX H100 hall sets a 57.2 kW air limit (its description says why, [S40]); the
    sources table cited S59, the source of the 30 kW default, for it. A value the layout
    sets says so and names the default's source as the default's."""
    lay = instantiate("dgx-h100-hall", {})
    t = {x.key: x for x in build_tables(lay, analyze(lay))}
    rows = {r[2]: r for r in t["sources"].rows if r[1] == "layout"}
    limit = rows["air_limit_kw_per_rack"]
    assert limit[3] == 57.2 and limit[5] == ""
    assert limit[7] == ("set in the layout (the template's description gives its basis); "
                        "the default 30 comes from [S59]")
    assert rows["delta_t_air_k"][5] == "S40"  # a default keeps its source
    # the note's key is cited, so the list of sources resolves it
    assert "S59" in sources_cited_table(t["sources"]).column("Key")


def test_the_summary_states_the_floor_rating_beside_the_highest_load():
    """A GB200 NVL72 rack loads its footprint at about 2,122 kg/m², which passes only on
    the 2,500 kg/m² floor the template rates its hall for: the rating stands next to the
    load in the summary (and so in every report)."""
    lay = instantiate("gb200-nvl72-superpod", {})
    t = {x.key: x for x in build_tables(lay, analyze(lay))}
    rows = {r[0]: r for r in t["summary"].rows}
    assert rows["Highest floor load"][1] == pytest.approx(2122.3, abs=0.1)
    assert rows["Floor rating"][1:3] == (2500, "kg/m²")


def test_bom_names_the_copper_assemblies_that_carry_twin_port_links(builtin_catalog_module):
    # a 4-SU H100 SuperPOD's 256 leaf-spine DAC links run between QM9700 twin-port OSFP
    # cages in the same network rack [S11][S15]: one twin-port cable carries a cage's
    # two NDR links, 128 cables for the 256 links
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    view = link_view(a, builtin_catalog_module)
    dac = np.array([m == "dac-400" for m in view.medium])
    assert dac.sum() == 256 and view.copper_twin is not None
    assert (view.copper_twin == dac).all() and int(view.copper_assemblies.sum()) == 128
    bom = {t.key: t for t in build_tables(lay, a, builtin_catalog_module)}["bom"]
    rows = [r for r in bom.rows if r[0] == "Cable" and r[1] == "dac-400"]
    # the links are legs, not cables to order (counted in links, not each)
    assert sum(r[3] for r in rows) == 256 and {r[4] for r in rows} == {"link"}
    assert sum(int(re.search(r"the ([\d,]+) cables carrying them", r[-1]).group(1)
                   .replace(",", "")) for r in rows) == 128
    # and a line of its own to order them from: 128 two-link cables
    order = [r for r in bom.rows if r[0] == "Cable assembly"]
    assert [(r[1], r[3]) for r in order] == [("dac-400/two-link", 128)]
    # fibre links are not assemblies of their own: each has its cable
    assert all(not r[-1] for r in bom.rows if r[0] == "Cable" and r[1] == "mmf-sr4-400")


def test_rack_elevations_list_every_device_where_it_sits(builtin_catalog_module):
    # a 1-SU H100 SuperPOD: 31 DGX H100 (8U each, four to a rack from U3 at a 9U pitch;
    # the UFM takes the 32nd position) and the fabric's 8 leaf and 4 spine QM9700 (1U) in
    # the network rack [S41]: 43 rows, no two of a rack on the same U
    from engine.report_tables import elevations_table

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    t = elevations_table(lay, a, builtin_catalog_module)
    rows = [dict(zip(t.headers(), r, strict=True)) for r in t.rows]
    assert len(rows) == 31 + 12
    dgx = [r for r in rows if r["Item"] == "dgx-h100"]
    assert len(dgx) == 31 and {(r["U from"], r["U to"]) for r in dgx} == {
        (3, 10), (12, 19), (21, 28), (30, 37)}
    sw = [r for r in rows if r["Item"] == "qm9700"]
    assert [r["Placed by"] for r in sw].count("fabric compute, leaf") == 8
    assert [r["Placed by"] for r in sw].count("fabric compute, spine") == 4
    by_rack = defaultdict(set)
    for r in rows:
        span = set(range(r["U from"], r["U to"] + 1))
        assert not span & by_rack[r["Rack"]], r
        by_rack[r["Rack"]] |= span
    # the cut-sheet puts the switches' ports at the U this table gives them
    view = link_view(a, builtin_catalog_module)
    ends = {(rack, int(u)) for side in ("a", "b")
            for rack, u, dev in zip(getattr(view, f"{side}_rack"), getattr(view, f"{side}_u"),
                                    getattr(view, f"{side}_device"), strict=True)
            if dev.startswith("qm9700")}
    assert ends == {(r["Rack"], r["U from"]) for r in sw}


def test_xdr_twin_port_cages_buy_a_module_of_their_own(builtin_catalog_module):
    # GB300 1 SU: 576 ConnectX-8 ends in single-port cages [S40] take 576 XDR 800G modules;
    # the 1,728 Q3400 ends sit two to a twin-port cage [S51], 864 modules of 1.6T the
    # catalog lacks: a bill line of their own, never 864 more single-port modules
    lay = instantiate("gb300-nvl72-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    bom = {t.key: t for t in build_tables(lay, a, builtin_catalog_module)}["bom"]
    xcvr = {r[1]: r[3] for r in bom.rows if r[0] == "Transceiver"}
    assert xcvr == {"smf-dr4-800-xdr": 576, "smf-dr4-800-xdr/two-link": 864}
    assert sum(xcvr.values()) == a.network.transceivers == 1440
    assert any("864 modules of 1600G" in n for n in a.network.cabling_notes)


@pytest.mark.parametrize("template, params", [
    ("dgx-b300-superpod", {"edition": "dc-busbar", "scalable_units": 1}),
    ("dgx-h100-superpod", {"scalable_units": 1}),
    ("dgx-b200-superpod", {"scalable_units": 1}),
])
def test_a_node_port_is_one_rail_and_a_leaf_port_one_node_whatever_the_medium(
        builtin_catalog_module, template, params):
    """In one rail-optimized SU, a node's port Pk runs to a leaf of rail k on every node,
    and a node has one port number on all its rails' leaves (its position), though the
    racks nearest the network racks reach theirs on active copper and the others on
    optics: single-port cages keep their order whatever medium each link takes (the
    B300 SU's nearest nodes had their copper links numbered first, so an installer
    would have crossed rails 1 and 4 on them)."""
    cat = builtin_catalog_module
    lay = instantiate(template, params, catalog=cat)
    v = link_view(analyze(lay, cat), cat)
    leaf_of_port, port_of_node = defaultdict(set), defaultdict(set)
    media = set()
    for tier, ar, au, ap, br, bu, bp, m in zip(v.tier, v.a_rack, v.a_u, v.a_port, v.b_rack,
                                                v.b_u, v.b_port, v.medium, strict=True):
        if tier == "node_leaf":
            leaf_of_port[ap].add((br, int(bu)))
            port_of_node[(ar, int(au))].add(bp)
            media.add(m)
    # a leaf serves one rail (the B300 SU's 64 nodes take two leaves per rail)
    assert len(leaf_of_port) == 8
    leaves = [leaf for s in leaf_of_port.values() for leaf in s]
    assert len(leaves) == len(set(leaves))
    assert all(len(s) == 1 for s in port_of_node.values())
    if template == "dgx-b300-superpod":
        assert len(media) == 2  # the case this guards: copper and optics in one SU


@pytest.mark.parametrize("scalable_units, cables", [(1, 236), (2, 202)])
def test_copper_cables_to_order_are_the_cages_the_cut_sheet_fills(builtin_catalog_module,
                                                                    scalable_units, cables):
    """The GB200 SuperPOD's leaf-spine copper: 118 groups of three links at 1 SU, each
    taking two twin-port cages (one port left free), 118 x 2 = 236 cables to order; at
    2 SU 73 such groups and 14 spine-core groups of eight (four cages each), 146 + 56 =
    202. The bill counted the links' cages as if packed two by two (185 and 176)."""
    cat = builtin_catalog_module
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": scalable_units}, catalog=cat)
    a = analyze(lay, cat)
    v = link_view(a, cat)
    cages = {(r, u, d, p.split("/")[0]) for r, u, d, p, twin in zip(
        v.a_rack, v.a_u.tolist(), v.a_device, v.a_port, v.copper_twin, strict=True) if twin}
    assert len(cages) == cables
    bom = {t.key: t for t in build_tables(lay, a, cat)}["bom"]
    assert [r[3] for r in bom.rows if r[0] == "Cable assembly"] == [cables]


def test_the_summary_gives_the_rear_doors_heat_and_water(builtin_catalog_module):
    """The B300 SuperPOD's 72 rear doors take 4,215.2 kW of air heat to the facility
    water, 6,050.5 L/min at the 10 K coolant rise (kW x 60 / 4.18 / 10): neither the
    cold-plate 'Heat to liquid' (0 kW) nor its coolant flow says so."""
    cat = builtin_catalog_module
    lay = instantiate("dgx-b300-superpod", {}, catalog=cat)
    a = analyze(lay, cat)
    rows = {r[0]: r[1] for r in build_tables(lay, a, cat)[0].rows}
    door = float(a.cooling.rack_door_kw.sum())
    assert rows["Heat to liquid"] == 0.0
    assert rows["Heat to rear doors"] == 4215.2 == pytest.approx(door, abs=0.05)
    assert rows["Rear-door water flow"] == pytest.approx(door * 60 / 4.18 / 10.0, abs=0.05)


def test_the_network_table_says_which_free_ports_copper_cages_strand(builtin_catalog_module):
    """GB200 SuperPOD, 1 SU: 118 leaf-spine groups of three copper links, each in two
    twin-port cages at both ends, leave one port of a cage free on a leaf and on a spine
    per group: 118 each, which no other switch's cable can take."""
    cat = builtin_catalog_module
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=cat)
    rows = {r[0]: r[1] for r in network_table(lay, analyze(lay, cat), cat).rows}
    assert rows["Ports free: leaf, in cages holding one copper link"] == 118
    assert rows["Ports free: spine, in cages holding one copper link"] == 118
    assert rows["Ports free: spine"] == 960


def test_splitters_and_twin_port_cables_are_ordered_apart_and_the_cut_sheet_pairs_legs(
        builtin_catalog_module):
    """Meta's RTSW breaks each 800G cage out to two 400G hosts: splitters (one twin-port
    cage to two single ports), not the cage-to-cage cables of the H100 SuperPOD; on the
    cut-sheet, the two legs of one cable name the same cable (the first leg's link)."""
    cat = builtin_catalog_module
    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=cat)
    a = analyze(lay, cat)
    t = {t.key: t for t in build_tables(lay, a, cat)}
    order = [(r[1], r[3]) for r in t["bom"].rows if r[0] == "Cable assembly"]
    assert {m for m, _q in order} == {"dac-400/splitter"} and sum(q for _m, q in order) == 1536
    cut = t["cutsheet"]
    shared = [r[cut.index("Shared cable")] for r in cut.rows if r[cut.index("Medium")] ==
              "dac-400"]
    legs = defaultdict(int)
    for s in shared:
        legs[s] += 1
    assert len(shared) == 3072 and len(legs) == 1536 and set(legs.values()) == {2}
    link_ids = {r[0] for r in cut.rows}
    assert set(legs) <= link_ids


def test_installer_sheets_count_cpu_nodes_and_leave_unknown_figures_blank(
        builtin_catalog_module):
    """A CPU cluster: a rack of 16 nodes says 16 servers (it said 0, counting GPU servers
    only); a node whose weight the catalog lacks has a blank weight in the elevations,
    not 0.0 kg; the rear doors' group has no N+1 capacity of its own (blank)."""
    from engine.report_tables import cooling_groups_table, elevations_table, racks_table

    cat = builtin_catalog_module
    lay = instantiate("cpu-cluster", {}, catalog=cat)
    a = analyze(lay, cat)
    racks = racks_table(lay, a, cat)
    si = racks.index("Servers")
    assert max(r[si] for r in racks.rows) == 16
    elev = elevations_table(lay, a, cat)
    wi, ti = elev.index("Weight"), elev.index("Item")
    unknown = [d for d in cat.devices.values() if d.weight_kg.value is None]
    rows = [r for r in elev.rows if r[ti] in {d.id for d in unknown}]
    assert rows and all(r[wi] is None for r in rows)
    b300 = instantiate("dgx-b300-superpod", {}, catalog=cat)
    groups = cooling_groups_table(b300, analyze(b300, cat), cat)
    door = next(r for r in groups.rows if "rear doors" in r[0])
    assert door[groups.index("N+1 capacity")] is None


def test_an_assumption_set_in_a_hall_of_no_template_cites_no_template(builtin_catalog_module):
    """A blank hall whose air dT was set to 12 K: its source row says it was set in the
    layout, not that a template's description gives the basis (no template made it); a
    template's hall still points to its description."""
    from engine.edits import LAYOUT_ID, set_field
    from engine.model import Hall, Layout
    from engine.report_tables import sources_table

    cat = builtin_catalog_module
    blank = Layout(name="Test hall", hall=Hall(outline=[(0, 0), (20, 0), (20, 14), (0, 14)]))
    blank = set_field(blank, [LAYOUT_ID], "assumptions.delta_t_air_k", 12.0)
    made = set_field(instantiate("dgx-h100-hall", {"racks": 2}, catalog=cat), [LAYOUT_ID],
                     "assumptions.delta_t_air_k", 12.0)
    for lay, says in ((blank, False), (made, True)):
        t = sources_table(lay, analyze(lay, cat), None, cat)
        row = next(r for r in t.rows if r[2] == "delta_t_air_k")
        assert row[t.index("Note")].startswith("set in the layout")
        assert ("template's description" in row[t.index("Note")]) is says


def test_a_modular_switch_names_the_line_card_of_each_port(builtin_catalog_module):
    """Meta's CTSW, a 7804R4 of four 36-cage line cards [S43], takes 96 cages of 400G
    pairs per pod: cut-sheet ports LC1/P1/1 to LC3/P24/2 (it said P1/1 to P96/2, and an
    installer had to count the cards)."""
    cat = builtin_catalog_module
    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=cat)
    v = link_view(analyze(lay, cat), cat)
    ports = {p for d, p in zip(v.b_device, v.b_port, strict=True) if d.startswith("arista-7804")}
    cards = {p.split("/")[0] for p in ports}
    assert cards == {"LC1", "LC2", "LC3"} and "LC3/P24/2" in ports and "LC3/P25/1" not in ports
    assert max(int(p.split("/")[1][1:]) for p in ports) == 36


def test_nvl72_elevation_lists_its_slots_as_the_cut_sheet_names_them(builtin_catalog_module):
    cut, first = _first_rack_ends("gb200-nvl72-superpod", builtin_catalog_module)
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    t = {x.key: x for x in build_tables(lay, analyze(lay, builtin_catalog_module),
                                        builtin_catalog_module)}
    el = t["elevations"]
    rows = [r for r in el.rows if r[el.index("Rack")] == "NVL-0001"]
    # the system over the whole rack, then its 37 slots bottom up [S04][S05]
    assert rows[0][el.index("U from")] is None
    slots = rows[1:]
    assert len(slots) == 37
    assert [r[el.index("U from")] for r in slots] == sorted(r[el.index("U from")] for r in slots)
    trays = {r[el.index("Item")]: r[el.index("U from")] for r in slots
             if r[el.index("Role")] == "Compute tray"}
    # every tray the cut-sheet names is a slot at the U the cut-sheet gives
    ends = {(r[cut.index("A device")], r[cut.index("A U")]) for r in cut.rows
            if r[cut.index("A rack")] == "NVL-0001"}
    assert ends == set(trays.items())
    # the slots add no power or weight: the system's figures hold them
    assert {r[el.index("Max power")] for r in slots} == {None}
    assert "estimate" in el.note


def test_cable_bins_count_two_link_copper_cables_once(builtin_catalog_module):
    # DGX H100 SuperPOD, 4 SU: the short leaf-to-spine DACs run between twin-port OSFP
    # cages, two links per cable. The bins' Cables and Stock length ordered are the cables
    # the bill of materials orders (its Cable assembly lines), the bins' Links the links.
    lay = instantiate("dgx-h100-superpod", {}, catalog=builtin_catalog_module)
    t = {x.key: x for x in build_tables(lay, analyze(lay, builtin_catalog_module),
                                        builtin_catalog_module)}
    bins, bom = t["cable_bins"], t["bom"]
    col = bins.index
    dac = [r for r in bins.rows if r[col("Medium")].startswith("dac")]
    assert dac
    links = sum(r[col("Links")] for r in dac)
    cables = sum(r[col("Cables")] for r in dac)
    asm = [r for r in bom.rows if r[bom.index("Category")] == "Cable assembly"
           and r[bom.index("Item")].startswith("dac")]
    bought = sum(r[bom.index("Quantity")] for r in asm)
    assert cables == bought < links
    # the length ordered is the assemblies' (each cable once), not the legs'
    ordered = sum(r[col("Stock length ordered")] for r in dac)
    assert ordered == pytest.approx(sum(r[bom.index("Total length")] for r in asm))
    # legs are counted in links, with no length of their own to add up
    legs = [r for r in bom.rows if r[bom.index("Unit")] == "link"]
    assert legs and {r[bom.index("Total length")] for r in legs} == {None}
    # the cut-sheet counts each such cable on its first link's row, 0 on the other leg
    cut = t["cutsheet"]
    on_sheet = [r for r in cut.rows if r[cut.index("Medium")].startswith("dac")]
    assert len(on_sheet) == links
    assert sum(r[cut.index("Cables")] for r in on_sheet) == bought


def test_cut_sheet_tiers_are_named_as_the_analysis_counts_them(builtin_catalog_module):
    # the CPU cluster's only fabric is a front-end network: the analysis counts its links
    # under front_end_node_leaf and front_end_leaf_spine, and so does the cut-sheet
    lay = instantiate("cpu-cluster", {"racks": 4}, catalog=builtin_catalog_module)
    a = analyze(lay, builtin_catalog_module)
    by_tier = {k: v for k, v in a.to_dict()["cabling"]["by_tier"].items() if v}
    cut = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}["cutsheet"]
    tiers = Counter(r[cut.index("Tier")] for r in cut.rows)
    assert dict(tiers) == by_tier
    assert set(tiers) == {"front_end_node_leaf", "front_end_leaf_spine"}


def test_drawn_links_take_the_ports_their_ends_name(builtin_catalog_module):
    # two racks of 4 DGX H100: the fabric takes each DGX's 8 scale-out ports (4 twin-port
    # OSFP cages, P1/1 to P4/2); a drawn 400G link goes on the port its end names where
    # that is free (P5/2), and otherwise on the first free one, with a warning naming the
    # link that has the port, or the ports the device has
    from engine.model import Endpoint, ExplicitLink

    lay = instantiate("dgx-h100-hall", {"racks": 2}, catalog=builtin_catalog_module)
    lay = lay.model_copy(update={"links": [
        ExplicitLink(id="X1", a=Endpoint(rack="GPU-0001", u=3, port="P1/1"),
                     b=Endpoint(rack="GPU-0002", u=3, port="p5/2"), speed_gbps=400),
        ExplicitLink(id="X2", a=Endpoint(rack="GPU-0001", u=12, port="P99"),
                     b=Endpoint(rack="GPU-0002", u=12), speed_gbps=400)]})
    a = analyze(lay, builtin_catalog_module)
    cut = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}["cutsheet"]
    ends = {r[0]: (r[cut.index("A port")], r[cut.index("B port")]) for r in cut.rows
            if r[0].startswith("X")}
    assert ends == {"X1": ("P5/1", "P5/2"), "X2": ("P5/1", "P5/1")}
    named = [v for v in a.violations if v.code == "LINK-PORT-NAMED"]
    assert [v.severity for v in named] == ["warning", "warning"]
    assert "port P1/1 of dgx-h100 at GPU-0001 U3 is link L000001's" in named[0].message
    assert "has no port P99 (its ports: P1/1 to P8/2)" in named[1].message
    assert named[0].items == ("X1", "GPU-0001")
    # no port is used twice on any device
    for side in ("A", "B"):
        seen = Counter((r[cut.index(f"{side} rack")], r[cut.index(f"{side} U")],
                        r[cut.index(f"{side} device")], r[cut.index(f"{side} port")])
                       for r in cut.rows)
        assert max(seen.values()) == 1


def test_a_systems_front_end_ports_are_on_its_trays(builtin_catalog_module):
    # a GB200 NVL72 compute tray has 4 ConnectX-7 scale-out ports and 2 BlueField-3 [S04]:
    # a front-end fabric's 36 links per rack take the trays' 5th and 6th ports, two per
    # tray, at the tray's U, never a 19th tray
    from engine.model import Fabric, FabricTier

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    members = [r.id for r in lay.racks if r.system][:8]
    net = [r.id for r in lay.racks if not r.system][-4:]
    fe = Fabric(id="fe", name="Front-end", purpose="front_end", topology="rail_optimized",
                members=members, network_racks=net, rails=1, su_nodes=8, ports_per_gpu=0,
                tiers=[FabricTier(name="leaf", switch="sn5600"),
                       FabricTier(name="spine", switch="sn5600")])
    lay = lay.model_copy(update={"fabrics": [*lay.fabrics, fe]})
    a = analyze(lay, builtin_catalog_module)
    cut = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}["cutsheet"]
    col = cut.index
    fe_ends = [(r[col("A device")], r[col("A U")], r[col("A port")]) for r in cut.rows
               if r[col("Fabric")] == "fe" and r[col("A rack")] == "NVL-0001"]
    tray_u = builtin_catalog_module.devices["gb200-nvl72"].tray_u()
    assert sorted(fe_ends) == sorted((f"gb200-nvl72 tray {k:02d}", tray_u[k - 1], f"T{k:02d}-P{p}")
                                     for k in range(1, 19) for p in (5, 6))


def test_a_frame_in_a_shorter_rack_lists_only_the_slots_it_holds(builtin_catalog_module):
    # an NVL72 frame (management switches at U47-U48) set in a 47U ORv3 rack: the check
    # says it does not fit, and the elevation lists no slot above U47
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                      catalog=builtin_catalog_module)
    lay = lay.model_copy(update={"racks": [
        r.model_copy(update={"type": "orv3-hpr"}) if r.id == "NVL-0001" else r
        for r in lay.racks]})
    a = analyze(lay, builtin_catalog_module)
    el = {x.key: x for x in build_tables(lay, a, builtin_catalog_module)}["elevations"]
    tops = [r[el.index("U to")] for r in el.rows if r[el.index("Rack")] == "NVL-0001"
            and r[el.index("U to")] is not None]
    assert tops and max(tops) == 47


def _drawn(template, params, links, catalog):
    from engine.model import ExplicitLink

    lay = instantiate(template, params, catalog=catalog)
    lay = lay.model_copy(update={"links": [ExplicitLink.model_validate(x) for x in links]})
    a = analyze(lay, catalog)
    cut = {x.key: x for x in build_tables(lay, a, catalog)}["cutsheet"]
    rows = {r[0]: (r[cut.index("A port")], r[cut.index("B port")]) for r in cut.rows
            if r[0].startswith("X")}
    named = [v.message for v in a.violations if v.code == "LINK-PORT-NAMED"]
    seen = Counter()
    for r in cut.rows:
        for side in ("A", "B"):
            seen[tuple(r[cut.index(f"{side} {k}")] for k in ("rack", "U", "device", "port"))] += 1
    assert max(seen.values()) == 1, "no port holds two links"
    return rows, named


def test_a_named_link_group_takes_its_ports_all_or_none(builtin_catalog_module):
    # a DGX H100's 16 ports run P1/1 to P8/2; the fabric has P1/1 to P4/2
    cat = builtin_catalog_module
    # two links from P5/2: P5/2 and P6/1, the group's own numbering no obstacle
    rows, named = _drawn("dgx-h100-hall", {"racks": 2}, [
        {"id": "X1", "a": {"rack": "GPU-0001", "u": 3, "port": "P5/2"},
         "b": {"rack": "GPU-0002", "u": 3}, "count": 2}], cat)
    assert (rows["X1.1"][0], rows["X1.2"][0]) == ("P5/2", "P6/1") and not named
    # three links from P8/2 would run past the last port: none moves, a note says why
    rows, named = _drawn("dgx-h100-hall", {"racks": 2}, [
        {"id": "X1", "a": {"rack": "GPU-0001", "u": 3, "port": "P8/2"},
         "b": {"rack": "GPU-0002", "u": 3}, "count": 3}], cat)
    assert [rows[f"X1.{k}"][0] for k in (1, 2, 3)] == ["P5/1", "P5/2", "P6/1"]
    assert named == ["Link X1: its 3 links from port P8/2 of dgx-h100 at GPU-0001 U3 run "
                     "past its last port, P8/2; the cut-sheet puts them from P5/1"]


def test_a_drawn_link_to_a_leaf_takes_a_free_port(builtin_catalog_module):
    # two racks of DGX H100 (8 nodes) on 64-port QM9700 leaves: each leaf serves 8 nodes
    # and its uplinks follow its 32 down ports, so a drawn link takes a free node position
    # (P5/1) rather than a 65th port
    rows, named = _drawn("dgx-h100-hall", {"racks": 2}, [
        {"id": "X1", "a": {"rack": "GPU-0001", "u": 3}, "b": {"rack": "NET-0001", "u": 1}}],
        builtin_catalog_module)
    assert rows["X1"] == ("P5/1", "P5/1") and not named


def test_a_named_port_moves_an_unnamed_drawn_link_off_it(builtin_catalog_module):
    # two drawn links from one DGX: the first numbered takes P5/1, the next P5/2; naming
    # P5/2 on the first moves the other to a free port, with no warning
    rows, named = _drawn("dgx-h100-hall", {"racks": 2}, [
        {"id": "X1", "a": {"rack": "GPU-0001", "u": 3, "port": "P5/2"},
         "b": {"rack": "GPU-0002", "u": 3}},
        {"id": "X2", "a": {"rack": "GPU-0001", "u": 3}, "b": {"rack": "GPU-0002", "u": 12}}],
        builtin_catalog_module)
    assert rows["X1"][0] == "P5/2" and rows["X2"][0] == "P5/1" and not named


def test_a_two_link_cable_is_ordered_at_the_length_of_its_longer_leg():
    # a splitter from one twin-port cage to servers 1.8 m and 2.2 m away reaches both:
    # a 2.5 m cable (both legs), while a lone 1.8 m link stays a 2 m one
    import dataclasses

    from engine.report_tables import LinkView

    v = LinkView.empty()
    v = dataclasses.replace(v, link_id=["L1", "L2", "L3"], length_m=np.array([1.8, 2.2, 1.8]),
                            copper_twin=np.array([True, True, False]),
                            cable_owner=np.array([0, 0, -1]))
    assert stock_length_m(np.array([1.8, 2.2])).tolist() == [2.0, 2.5]
    assert v.stock_m().tolist() == [2.5, 2.5, 2.0]


def test_many_drawn_links_naming_one_port_get_it_once_and_a_warning_each(
        builtin_catalog_module):
    # 40 drawn links from GPU-0001's DGX at U3, every one naming P5/1 (the fabric holds
    # P1/1 to P4/2): X00 takes it, each other link gets a warning naming X00 and keeps
    # the port the numbering gave it; no port holds two links (the check is per device,
    # not per link over every link: 100,000 such links take seconds, not hours)
    links = [{"id": f"X{k:02d}", "a": {"rack": "GPU-0001", "u": 3, "port": "P5/1"},
              "b": {"rack": "GPU-0002", "u": 3}} for k in range(40)]
    rows, named = _drawn("dgx-h100-hall", {"racks": 2}, links, builtin_catalog_module)
    assert rows["X00"][0] == "P5/1"
    assert len(named) == 39
    assert all("port P5/1 of dgx-h100 at GPU-0001 U3 is link X00's" in m for m in named)


def test_loaded_crahs_with_no_rack_nearest_are_named_in_the_note():
    # the default 16-rack DGX H100 hall: two CRAHs past the short row's end carry their
    # share of the room's air heat (capacity over distance squared) with no rack nearer
    # to them than to another unit; the note says so beside their "0" racks in zone
    from engine.analysis import analyze
    from engine.report_tables import cooling_units_table
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    a = analyze(lay)
    t = cooling_units_table(lay, a)
    idle = [u for u, n, load in zip(t.column("Unit"), t.column("Racks in zone"),
                                    t.column("Load"), strict=True) if n == 0 and load]
    assert idle, "the hall has CRAHs with load and no rack nearest"
    names = " and ".join(idle) if len(idle) <= 2 else None
    assert names is None or f"{names} carr" in t.note
    assert "share comes from racks in other units' zones" in t.note


def test_a_rear_door_lists_the_facility_water_its_load_takes(builder, catalog):
    # a 40.8 kW rack of four DGX H100 under a 55 kW rear door: the door takes the rack's
    # air heat into facility water, 40.8 kW x 60 / (4.18 x 10 K) = 58.6 L/min at the
    # coolant's 10 K (water: 4.18 kJ/kg K, 1 kg/L)
    from engine.cooling import liquid_flow_lpm
    from engine.report_tables import cooling_units_table

    lay = builder().rack("R1", 2, 2).door("RD-1", "R1", 55).crah("C1", 9, 4, 150).feed(
        "A1", "A").feed("B1", "B").build()
    a = analyze(lay, catalog)
    t = cooling_units_table(lay, a, catalog)
    door = next(r for r in t.rows if r[0] == "RD-1")
    load = float(a.cooling.unit_load_kw[[u.id for u in lay.cooling].index("RD-1")])
    assert load > 0
    flow = door[t.index("Flow")]
    assert flow == pytest.approx(float(liquid_flow_lpm(np.array([load]), 10.0)[0]), rel=1e-3)
    assert next(r for r in t.rows if r[0] == "C1")[t.index("Flow")] is None
    assert "a rear door's facility water" in t.note
