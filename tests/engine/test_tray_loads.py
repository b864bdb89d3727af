"""Links per tray: every tray a route runs along carries the link, the trays between rows
included, counted by hand on small halls."""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import Analyzer, analyze
from engine.cabling import TrayGraph
from engine.catalog import load_catalog
from engine.model import (
    Assumptions,
    CableTray,
    Endpoint,
    ExplicitLink,
    Hall,
    Layout,
    MountedDevice,
    Rack,
)
from engine.templates import instantiate

CATALOG = load_catalog(user_dir=None)

# two rows, a tray over each and a cross tray at x = 9 joining them mid-tray (T-junctions;
# the row trays run on to x = 10)
ROW_TRAYS = [CableTray(id="T1", points=[(0.0, 1.0), (10.0, 1.0)]),
             CableTray(id="T2", points=[(0.0, 5.0), (10.0, 5.0)]),
             CableTray(id="TX", points=[(9.0, 1.0), (9.0, 5.0)])]
RACKS = {"A1": (2.0, 1.0), "A2": (4.0, 1.0), "A3": (8.0, 1.0),   # row 1, under T1
         "B1": (2.0, 5.0), "B2": (7.0, 5.0)}                     # row 2, under T2


def link(lid: str, a: str, b: str, count: int, ua: int = 40, ub: int = 40) -> ExplicitLink:
    return ExplicitLink(id=lid, a=Endpoint(rack=a, u=ua), b=Endpoint(rack=b, u=ub),
                        count=count)


# L1 stays in row 1, L4 in row 2; L2 and L3 run from row 1 along T1 to x = 9, across TX
# and back along T2; L5 joins two switches of one rack and runs in no tray
LINKS = [link("L1", "A1", "A2", 4), link("L2", "A1", "B1", 8), link("L3", "A3", "B2", 2),
         link("L4", "B1", "B2", 3), link("L5", "A2", "A2", 5, ua=38)]


def two_rows(trays=None, links=None, racks=None) -> Layout:
    racks = [Rack(id=rid, type="rack-800x1200", x_m=x, y_m=y, row="R1" if y < 3 else "R2",
                  devices=[MountedDevice(type="qm9700", u=38), MountedDevice(type="qm9700", u=40)])
             for rid, (x, y) in (racks or RACKS).items()]
    return Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)]), racks=racks,
                  trays=ROW_TRAYS if trays is None else trays,
                  links=LINKS if links is None else links, assumptions=Assumptions())


def test_the_cross_tray_carries_exactly_the_links_between_rows():
    cab = analyze(two_rows(), CATALOG).network.cabling
    # T1: L1 + L2 + L3 = 4 + 8 + 2; T2: L2 + L3 + L4 = 8 + 2 + 3; TX: L2 + L3 = 8 + 2
    assert cab.tray_links == {"T1": 14, "T2": 13, "TX": 10}
    # each row link once, each link between rows in three trays; L5 in none
    assert sum(cab.tray_links.values()) == 4 + 3 + 3 * (8 + 2) == 37
    assert cab.tray_cables == cab.tray_links  # one 400G cable per 400G link


def test_a_link_counts_once_in_a_tray_it_runs_along_for_several_segments():
    # a second cross tray at x = 5 splits both row trays again; L2 (x = 2 at both ends)
    # now crosses at x = 5 (3 + 4 + 3 m, not 7 + 4 + 7), L3 (x = 8 to x = 7) still at
    # x = 9 (1 + 4 + 2 m, not 3 + 4 + 2)
    trays = [*ROW_TRAYS, CableTray(id="TY", points=[(5.0, 1.0), (5.0, 5.0)])]
    cab = analyze(two_rows(trays=trays), CATALOG).network.cabling
    assert cab.tray_links == {"T1": 14, "T2": 13, "TX": 2, "TY": 8}


def test_parallel_cables_count_in_tray_cables():
    links = [ExplicitLink(id="L1", a=Endpoint(rack="A1", u=40), b=Endpoint(rack="B1", u=40),
                          speed_gbps=1600.0, count=3)]
    cab = analyze(two_rows(links=links), CATALOG).network.cabling
    assert int(cab.cables[0]) == 2                       # a 1.6T link on two 800G cables
    assert cab.tray_links == {"T1": 3, "T2": 3, "TX": 3}
    assert cab.tray_cables == {"T1": 6, "T2": 6, "TX": 6}


def test_no_drawn_trays_no_tray_counts():
    cab = analyze(two_rows(trays=[]), CATALOG).network.cabling
    assert cab.tray_links == {} and cab.tray_cables == {}


def test_a_moved_rack_moves_its_links_to_other_trays_like_a_full_analysis():
    lay = two_rows()
    an = Analyzer(lay, CATALOG)
    assert an.result.network.cabling.tray_links["TX"] == 10
    before = an.result.network.cabling
    # B1 moves to x = 6 in row 1: L2 (8) stays in T1, L4 (3) now runs T1 -> TX -> T2
    lay = lay.model_copy(update={"racks": [r.model_copy(update={"x_m": 6.0, "y_m": 1.0})
                                           if r.id == "B1" else r for r in lay.racks]})
    inc = an.update(lay, ["B1"])
    assert an.was_incremental
    want = {"T1": 4 + 8 + 2 + 3, "T2": 2 + 3, "TX": 2 + 3}
    assert inc.network.cabling.tray_links == want
    assert analyze(lay, CATALOG).network.cabling.tray_links == want
    # the earlier result keeps the counts of its own routing
    assert before.tray_links == {"T1": 14, "T2": 13, "TX": 10}


def test_a_dgx_h100_superpods_cross_tray_carries_the_links_between_its_rows():
    # 2 SU: a row of 8 DGX racks per SU (4 DGX, 32 compute links each; the last rack 3
    # DGX, the 31st DGX of an SU being the UFM slot) with the SU's network rack in the
    # middle of the row, right under the centre cross tray TR-C. Compute links run along
    # their row's tray only; the leaf-spine links between the two network racks run
    # along TR-C only (their racks sit on its ends)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CATALOG)
    a = analyze(lay, CATALOG)
    topo, cab = a.network.topology, a.network.cabling
    ids = np.array(a.arrays.rack_ids)
    row = np.array([r.row for r in lay.racks])
    net = np.char.startswith(ids, "NET")
    ra, rb = topo.lk_a_rack, topo.lk_b_rack
    inter = ra != rb
    between_nets = net[ra] & net[rb] & inter
    in_row = [int(topo.lk_count[inter & ~between_nets & ((row[ra] == r) | (row[rb] == r))]
                  .sum()) for r in ("R01", "R02")]
    assert cab.tray_links == {"TR-01": in_row[0], "TR-02": in_row[1],
                              "TR-C": int(topo.lk_count[between_nets].sum()),
                              "TR-W": 0, "TR-E": 0}
    assert cab.tray_links == {"TR-01": 256, "TR-02": 248, "TR-C": 256, "TR-W": 0, "TR-E": 0}


def test_route_trays_follows_the_shortest_path_through_the_network():
    # a detour tray (TW) round the west end is not taken: from (2, 1) to (3, 5) the route
    # is 7 + 4 + 6 m along T1, TX, T2; round TW it would be 2 + 24.5 + 2.5 m
    g = TrayGraph.from_polylines([t.points for t in ROW_TRAYS]
                                 + [[(0.5, 5.0), (0.5, 10.0), (-5.0, 10.0), (-5.0, 1.0),
                                     (0.0, 1.0)]], [2.7] * 4)
    seg, t, _, _ = g.attach(np.array([2.0, 3.0]), np.array([1.0, 5.0]))
    assert g.path_length(seg[:1], t[:1], seg[1:], t[1:])[0] == pytest.approx(17.0)
    load = g.route_trays(seg[:1], t[:1], seg[1:], t[1:], np.array([[1.0, 2.0]]))
    assert load.tolist() == [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]


def test_tray_loads_worked_out_move_by_move_equal_those_of_a_full_analysis():
    # a drag asks for the loads after every step: each step takes the moved racks' old
    # routes off and their new ones on; after several moves of several racks (and one
    # back), the loads are those of a fresh analysis of the layout
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CATALOG)
    an = Analyzer(lay, CATALOG)
    assert an.result.network.cabling.tray_cables
    rng = np.random.default_rng(7)
    ids = [r.id for r in lay.racks]
    for step in range(6):
        moved = list(rng.choice(ids, size=1 + step % 3, replace=False))
        dx, dy = float(rng.choice([-1.2, 0.6, 2.4])), float(rng.choice([0.0, -2.4, 3.6]))
        lay = lay.model_copy(update={"racks": [
            r.model_copy(update={"x_m": r.x_m + dx, "y_m": r.y_m + dy}) if r.id in moved else r
            for r in lay.racks]})
        inc = an.update(lay, moved)
        assert inc.network.cabling.tray_cables == analyze(lay, CATALOG).network.cabling.tray_cables
        assert inc.network.cabling.tray_links == analyze(lay, CATALOG).network.cabling.tray_links


def test_a_move_that_reroutes_nothing_keeps_the_counts():
    # a rack moved across its tray keeps its point on it: the routing is a new one, but
    # no route changed (nothing to take off or put on)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2}, catalog=CATALOG)
    an = Analyzer(lay, CATALOG)
    before = an.result.network.cabling.tray_cables
    lay = lay.model_copy(update={"racks": [r.model_copy(update={"y_m": r.y_m - 0.4})
                                           if r.id == "GPU-0001" else r for r in lay.racks]})
    after = an.update(lay, ["GPU-0001"]).network.cabling.tray_cables
    assert after == before == analyze(lay, CATALOG).network.cabling.tray_cables
