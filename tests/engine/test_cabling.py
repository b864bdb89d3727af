"""Cabling: routed lengths checked by hand, media by reach and policy, optics and violations.

Reach figures are the catalog's (assets/catalog/media.json): 400G DAC 3 m [S15],
AOC 3-100 m [S19], SR4 50 m and DR4 500 m [S16], FR4 2 km [S109]; 800G DAC 2 m,
LACC 5 m [S15], AEC 7 m [S67], 2xSR4 50 m, 2xDR4 500 m [S17], 2xFR4 2 km [S16].
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import Analyzer, analyze
from engine.cabling import MediaTable, TrayGraph, default_tray_polylines, select_media
from engine.catalog import load_catalog
from engine.fabric import link_optics
from engine.model import (
    Assumptions,
    CableTray,
    CablingPolicy,
    Endpoint,
    ExplicitLink,
    Hall,
    Layout,
    MountedDevice,
    Rack,
)
from engine.templates import instantiate

CATALOG = load_catalog(user_dir=None)
MEDIA = MediaTable.from_catalog(CATALOG)
U_M = 0.04445
Z_DGX = 4.0 * U_M          # DGX H100 at U1, 8U: ports at the middle, 4 U up
Z_SW = 39.5 * U_M          # QM9700 at U40, 1U


def two_racks(xa=2.0, ya=1.0, xb=7.0, yb=1.0, trays=None, links=None, size=(12.0, 6.0),
              policy=None, **assume) -> Layout:
    racks = [Rack(id="A", type="rack-800x1200", x_m=xa, y_m=ya,
                  devices=[MountedDevice(type="dgx-h100", u=1)]),
             Rack(id="B", type="rack-800x1200", x_m=xb, y_m=yb,
                  devices=[MountedDevice(type="qm9700", u=40)])]
    if links is None:
        links = [ExplicitLink(id="L1", a=Endpoint(rack="A", u=1), b=Endpoint(rack="B", u=40))]
    w, h = size
    return Layout(hall=Hall(outline=[(0, 0), (w, 0), (w, h), (0, h)]), racks=racks,
                  trays=trays if trays is not None else
                  [CableTray(id="T1", points=[(0.0, 1.0), (10.0, 1.0)])],
                  links=links,
                  assumptions=Assumptions(cabling=policy or CablingPolicy(), **assume))


def lengths(lay: Layout) -> np.ndarray:
    a = analyze(lay, CATALOG)
    return a.network.cabling.length_m


def test_length_is_up_along_down_plus_slack():
    got = lengths(two_racks())[0]
    assert got == pytest.approx((2.7 - Z_DGX) + 5.0 + (2.7 - Z_SW) + 2.0, abs=1e-9)


def test_slack_and_tray_elevation_come_from_the_design():
    lay = two_racks(trays=[CableTray(id="T1", points=[(0.0, 1.0), (10.0, 1.0)],
                                     elevation_m=3.2)], cable_slack_m=0.5)
    assert lengths(lay)[0] == pytest.approx((3.2 - Z_DGX) + 5.0 + (3.2 - Z_SW) + 0.5)


def test_racks_off_the_tray_add_their_plan_distance():
    lay = two_racks(trays=[CableTray(id="T1", points=[(0.0, 3.0), (10.0, 3.0)])])
    assert lengths(lay)[0] == pytest.approx((2.7 - Z_DGX) + 2.0 + 5.0 + 2.0 + (2.7 - Z_SW) + 2.0)


def test_route_takes_the_shortest_way_through_the_tray_network():
    # two row trays joined by a cross tray at x = 9 (T-junctions) and a long detour at x = 0.5
    trays = [CableTray(id="T1", points=[(0.0, 1.0), (10.0, 1.0)]),
             CableTray(id="T2", points=[(0.0, 4.0), (10.0, 4.0)]),
             CableTray(id="TX", points=[(9.0, 1.0), (9.0, 4.0)]),
             CableTray(id="TW", points=[(0.5, 4.0), (0.5, 10.0), (-5.0, 10.0), (-5.0, 1.0),
                                        (0.0, 1.0)])]
    lay = two_racks(xb=3.0, yb=4.0, trays=trays)
    # 2 -> 9 along T1, up TX (3 m), 9 -> 3 along T2
    assert lengths(lay)[0] == pytest.approx((2.7 - Z_DGX) + 7.0 + 3.0 + 6.0 + (2.7 - Z_SW) + 2.0)


def test_separate_trays_are_bridged_where_closest():
    g = TrayGraph.from_polylines([[(0, 0), (4, 0)], [(6, 0), (10, 0)]], [2.7, 2.7])
    seg, t, _, _ = g.attach(np.array([1.0, 9.0]), np.array([0.0, 0.0]))
    assert g.path_length(seg[:1], t[:1], seg[1:], t[1:])[0] == pytest.approx(8.0)


def test_default_trays_follow_the_rows_when_none_are_drawn():
    assert lengths(two_racks(trays=[]))[0] == pytest.approx(
        (2.7 - Z_DGX) + 5.0 + (2.7 - Z_SW) + 2.0)
    lines = default_tray_polylines(np.array([1.0, 2.0, 1.0, 2.0]), np.array([0.0, 0.0, 3.0, 3.0]),
                                   np.array([0, 0, 180, 180]), ["R1", "R1", "R2", "R2"])
    assert len(lines) == 4                     # two rows and a tray joining them at each end
    g = TrayGraph.from_polylines(lines, [2.7] * 4)
    seg, t, _, _ = g.attach(np.array([2.0, 2.0]), np.array([0.0, 3.0]))
    # from x = 2.0 the east join (x = 2.3) is the nearer: 0.3 + 3 + 0.3, not 1.3 + 3 + 1.3
    assert g.path_length(seg[:1], t[:1], seg[1:], t[1:])[0] == pytest.approx(0.3 + 3.0 + 0.3)


def test_default_trays_join_the_rows_at_both_ends():
    # two facing rows of 16 racks, 2.4 m apart: a link between their east ends runs round
    # the east join (0.3 m past the end rack, across 2.4 m), not 19 m round the west one
    x = np.tile(np.arange(16) * 0.6, 2)
    y = np.repeat([0.0, 2.4], 16)
    lines = default_tray_polylines(x, y, np.repeat([0, 180], 16), ["R1"] * 16 + ["R2"] * 16)
    g = TrayGraph.from_polylines(lines, [2.7] * len(lines))
    seg, t, _, _ = g.attach(np.array([9.0, 9.0]), np.array([0.0, 2.4]))
    assert g.path_length(seg[:1], t[:1], seg[1:], t[1:])[0] == pytest.approx(0.3 + 2.4 + 0.3)


def test_links_inside_one_rack_run_only_the_height_difference():
    lay = two_racks(links=[ExplicitLink(id="L1", a=Endpoint(rack="A", u=1),
                                        b=Endpoint(rack="A", u=40))])
    lay.racks[0].devices.append(MountedDevice(type="qm9700", u=40))
    # the in-rack slack (0.5 m by default), not the 2 m of a tray run
    assert lengths(lay)[0] == pytest.approx(Z_SW - Z_DGX + 0.5)
    loose = lay.model_copy(update={"assumptions": lay.assumptions.model_copy(
        update={"in_rack_slack_m": 1.0})})
    assert lengths(loose)[0] == pytest.approx(Z_SW - Z_DGX + 1.0)


def test_forced_length_and_medium_of_an_explicit_link():
    lay = two_racks(links=[ExplicitLink(id="L1", a=Endpoint(rack="A", u=1),
                                        b=Endpoint(rack="B", u=40), length_m=12.5,
                                        medium="smf-dr4-400")])
    a = analyze(lay, CATALOG)
    assert a.network.cabling.length_m[0] == 12.5
    assert a.network.links_by_medium == {"smf-dr4-400": 1}


# -- media ----------------------------------------------------------------------------------------


def pick(lengths_m, speed=400.0, **policy):
    m, k, notes = select_media(np.asarray(lengths_m, float), np.full(len(lengths_m), speed),
                               MEDIA, CablingPolicy(**policy))
    return [MEDIA.ids[i] if i >= 0 else None for i in m], k.tolist(), notes


def test_xdr_links_take_only_xdr_media():
    # XDR (800G per port on 200G lanes) has no DAC, multimode or AOC [S18]; its LACC has no
    # published reach, so every length up to 500 m is single-mode
    m, k, notes = select_media(np.array([1.0, 30.0, 400.0, 600.0]), np.full(4, 800.0), MEDIA,
                               CablingPolicy(allow_aoc=True), lane_gbps=np.full(4, 200.0))
    assert [MEDIA.ids[i] if i >= 0 else None for i in m] == [
        "smf-dr4-800-xdr", "smf-dr4-800-xdr", "smf-dr4-800-xdr", None]
    # the same lengths on 100G-lane 800G ports (twin-port OSFP) keep their copper and multimode
    ids, _, _ = pick([1.0, 30.0], speed=800.0)
    assert ids == ["dac-800", "mmf-sr8-800"]


def test_a_q3400_fabric_is_cabled_with_xdr_media():
    lay = instantiate("dgx-b300-superpod", {"scalable_units": 1})
    net = analyze(lay, CATALOG).network
    assert set(net.links_by_medium) == {"smf-dr4-800-xdr"}
    # the 576 node-leaf links (72 nodes x 8 rails) pay their node end at 17 W; the Q3400
    # ends are inside its estimated power, so leaf-spine links pay none
    assert net.optics_w == pytest.approx(576 * 17.0)


def test_twin_port_cages_halve_the_transceiver_modules():
    # a 4-SU DGX H100 SuperPOD: 1,016 node links and 1,024 leaf-spine links, 1,784 of them
    # on SR4 optics; DGX H100 and QM9700 take twin-port OSFP modules (two links each
    # [S01][S11]), so 1,784 links need about 1,784 modules, not 3,568. A module serves two
    # ports of one switch: the 8 leaves of the fourth SU serve 31 nodes each (the UFM takes
    # the 32nd position), so each buys a 16th module for its last, half-used cage:
    # 1,784 + 8 x 1/2 = 1,788
    net = analyze(instantiate("dgx-h100-superpod", {"scalable_units": 4}), CATALOG).network
    assert net.links_by_medium["mmf-sr4-400"] == 1784
    assert net.transceivers == 1788
    # without the UFM position every leaf serves 32 nodes and the halves pair exactly
    full = analyze(instantiate("dgx-h100-superpod", {"scalable_units": 4, "ufm_port": False}),
                   CATALOG).network
    assert full.transceivers == full.links_by_medium["mmf-sr4-400"]
    # the B300's ConnectX-8 ports are single-port OSFP [S40], the Q3400's twin-port [S51]:
    # 576 node links x (1 + 1/2) + 576 leaf-spine links x (1/2 + 1/2) = 1,440 modules
    b300 = analyze(instantiate("dgx-b300-superpod", {"scalable_units": 1}), CATALOG).network
    assert b300.transceivers == 1440


def test_a_server_port_carries_one_link_of_a_slower_fabric():
    # a k=4 fat-tree at 100G: 16 GPUs = two DGX H100, each GPU's 400G NIC one 100G link
    # (eight per node, on its four twin-port cages [S01]), not four links broken out of one
    # port; the SN4600C's QSFP28 ports take a module each. 16 node-leaf links and 8 of the
    # others are optical: 16 / 2 node modules + 16 + 2 x 8 switch modules = 40
    net = analyze(instantiate("fat-tree", {"k": 4, "link_speed_gbps": 100}), CATALOG).network
    assert net.links_by_tier["node_leaf"] == 16 and net.links_by_medium["mmf-sr4-100"] == 24
    assert net.transceivers == 16 // 2 + 16 + 2 * 8


def test_shared_cages_without_a_twin_module_say_their_power_is_an_upper_bound():
    # Vera Rubin NVL144 compute trays put two 800G XDR links in each 1.6T cage [S48c]: one
    # module per two links, but the catalog has no 1.6T XDR module, so each end is charged
    # a whole 800G module (17 W) and a note says so
    net = analyze(instantiate("vera-rubin-nvl144", {}), CATALOG).network
    notes = [n for n in net.cabling_notes if "modules of 1600G" in n]
    assert len(notes) == 1 and "smf-dr4-800-xdr" in notes[0] and "upper bound" in notes[0]
    assert "which the catalog lacks" in notes[0]
    # the H100's twin-port modules are in the catalog (800G 2xSR4): no such note
    h100 = analyze(instantiate("dgx-h100-superpod", {"scalable_units": 1}), CATALOG).network
    assert not any("catalog lacks" in n for n in h100.cabling_notes)


def test_media_by_reach_at_400g():
    ids, _, _ = pick([1.0, 2.0, 3.0, 20.0, 99.0, 150.0, 600.0, 2000.0, 2500.0], allow_aoc=True)
    assert ids == ["dac-400", "dac-400", "aoc-400", "aoc-400", "aoc-400", "smf-dr4-400",
                   "smf-fr4-400", "smf-fr4-400", None]
    # a straight 400G DAC runs 2 m, a splitter (an 800G twin-port cage to two 400G ports)
    # 3 m [S15]: a 2.5 m link takes optics (AOC from 3 m) unless its end shares a cage
    m, _, _ = select_media(np.full(3, 2.5), np.full(3, 400.0), MEDIA, CablingPolicy(),
                           split=np.array([False, True, True]))
    assert [MEDIA.ids[i] for i in m] == ["mmf-sr4-400", "dac-400", "dac-400"]
    m, _, _ = select_media(np.array([3.5]), np.array([400.0]), MEDIA, CablingPolicy(),
                           split=np.array([True]))
    assert [MEDIA.ids[i] for i in m] == ["mmf-sr4-400"]
    # the default policy has no AOC: multimode SR4 to 50 m, then single mode
    ids, _, _ = pick([1.0, 20.0, 99.0])
    assert ids == ["dac-400", "mmf-sr4-400", "smf-dr4-400"]


def test_media_by_reach_at_800g():
    ids, _, _ = pick([1.5, 4.0, 6.5, 30.0, 300.0, 1500.0], speed=800.0)
    assert ids == ["dac-800", "acc-800", "aec-800", "mmf-sr8-800", "smf-dr8-800", "smf-fr4-800"]


def test_policy_no_aoc_no_copper_single_mode_and_optics_threshold():
    assert pick([20.0, 80.0], allow_aoc=False)[0] == ["mmf-sr4-400", "smf-dr4-400"]
    assert pick([2.0], allow_copper=False)[0] == ["mmf-sr4-400"]
    assert pick([20.0], prefer_single_mode=True)[0] == ["smf-dr4-400"]
    assert pick([20.0], allow_aoc=True)[0] == ["aoc-400"]
    # optics only above 1 m: copper up to it, optics beyond it
    assert pick([0.8, 2.0], optics_above_m=1.0)[0] == ["dac-400", "mmf-sr4-400"]
    # copper up to 5 m where copper reaches; a 4 m 400G link has no copper: optics after all
    assert pick([2.0, 4.0], optics_above_m=5.0, allow_aoc=True)[0] == ["dac-400", "aoc-400"]


def test_1600g_links_run_on_two_800g_cables_with_a_note():
    ids, cables, notes = pick([30.0], speed=1600.0)
    assert ids == ["mmf-sr8-800"] and cables == [2]
    assert notes and "1600G" in notes[0] and "800G" in notes[0]
    lay = two_racks(links=[ExplicitLink(id="L1", a=Endpoint(rack="A", u=1),
                                        b=Endpoint(rack="B", u=40), speed_gbps=1600)])
    a = analyze(lay, CATALOG)
    assert sum(a.network.links_by_medium.values()) == 2
    assert a.network.cabling_dict()["links"] == 1
    assert any(v.code == "CABLE-MEDIA-FALLBACK" for v in a.violations)


def test_transceivers_and_optics_power_reach_the_power_analysis():
    lay = two_racks(policy=CablingPolicy(allow_aoc=False))       # 10.5 m: SR4 pair, 9 W per end
    a = analyze(lay, CATALOG)
    assert a.network.links_by_medium == {"mmf-sr4-400": 1}
    # both ends are twin-port OSFP cages (DGX H100 [S01], QM9700 [S11]): the link uses one
    # port of a two-port module at each end, and each cage still takes a whole module
    assert a.network.transceivers == 2
    # the DGX end draws half of a twin-port 800G 2xSR4 module's 17 W [S17]; the QM9700 end
    # is inside its 1.72 kW maximum "with active cables" [S11], which the rack already counts
    assert a.network.optics_w == pytest.approx(8.5)
    assert a.power.optics_kw == pytest.approx(0.0085)
    # the two halves are 800G 2xSR4 modules, which have no indicative price in the catalog
    # (the 400G SR4's 700 USD [S66] is not theirs): counted as of unknown cost
    assert a.network.cost_usd == 0.0 and a.network.cabling.cost_unknown_cables == 1
    no_optics = analyze(two_racks(links=[]), CATALOG)
    assert a.power.it_kw - no_optics.power.it_kw == pytest.approx(0.0085)


def test_a_switch_whose_power_leaves_out_optics_gets_both_ends_counted():
    lay = two_racks(policy=CablingPolicy(allow_aoc=False))
    racks = [lay.racks[0], lay.racks[1].model_copy(update={
        "devices": [MountedDevice(type="qm9790", u=40)]})]   # 1.61 kW, optics not stated
    a = analyze(lay.model_copy(update={"racks": racks}), CATALOG)
    # both ends twin-port cages: half of 17 W each [S17]
    assert a.network.optics_w == pytest.approx(17.0)
    # the same link's rack power: 10.2 kW DGX; QM9700 1.72 kW vs QM9790 1.61 kW
    assert a.power.it_kw == pytest.approx(10.2 + 1.61 + 0.017)


def test_too_long_link_is_an_error_naming_both_ends():
    lay = two_racks(xb=2502.0, size=(2600.0, 6.0), trays=[])
    a = analyze(lay, CATALOG)
    bad = [v for v in a.violations if v.code == "CABLE-TOO-LONG"]
    assert len(bad) == 1 and bad[0].severity == "error"
    msg = bad[0].message
    assert "dgx-h100 at A U1" in msg and "qm9700 at B U40" in msg and "L1" in msg
    assert set(bad[0].items) == {"L1", "A", "B"}
    assert a.network.links_by_medium == {"none": 1}
    # the same link at a reachable length has no violation
    ok = analyze(two_racks(), CATALOG)
    assert not [v for v in ok.violations if v.code == "CABLE-TOO-LONG"]
    # moved further, incrementally: the message states the new length, as from scratch
    an = Analyzer(lay, CATALOG)
    b = lay.rack("B")
    far = lay.model_copy(update={"racks": [r if r.id != "B" else
                                           b.model_copy(update={"x_m": b.x_m + 50.0})
                                           for r in lay.racks]})
    again = [v for v in an.update(far, ["B"]).violations if v.code == "CABLE-TOO-LONG"]
    fresh = [v for v in analyze(far, CATALOG).violations if v.code == "CABLE-TOO-LONG"]
    assert again == fresh and again[0].message != msg and "2555.5 m" in again[0].message


def test_explicit_link_problems_are_reported():
    lay = two_racks(links=[ExplicitLink(id="L1", a=Endpoint(rack="A", u=30),
                                        b=Endpoint(rack="B", u=40)),
                           ExplicitLink(id="L2", a=Endpoint(rack="A", u=1),
                                        b=Endpoint(rack="B", u=40), medium="no-such-cable")])
    codes = {v.code for v in analyze(lay, CATALOG).violations}
    assert {"LINK-ENDPOINT", "LINK-MEDIUM"} <= codes


def test_cables_bought_count_a_two_link_copper_cable_once():
    # three links from a DGX H100 to a QM9700 beside it, both twin-port cages [S01][S15]:
    # 1.8 m, copper cage to cage, so the three links ride ceil(3 / 2) = 2 cables; moved
    # 6.2 m further they become three fibres, and back two cables again, incrementally
    links = [ExplicitLink(id=f"L{i}", a=Endpoint(rack="A", u=1), b=Endpoint(rack="B", u=1))
             for i in (1, 2, 3)]
    lay = two_racks(xb=2.8, links=links, cable_slack_m=0.0,
                    trays=[CableTray(id="T1", points=[(0.0, 1.0), (10.0, 1.0)],
                                     elevation_m=0.6)])
    lay = lay.model_copy(update={"racks": [
        r if r.id != "B" else r.model_copy(update={"devices": [MountedDevice(type="qm9700",
                                                                              u=1)]})
        for r in lay.racks]})
    d = analyze(lay, CATALOG).network.cabling_dict()
    assert d["by_medium"] == {"dac-400": 3} and (d["links"], d["cables"]) == (3, 2)
    an = Analyzer(lay, CATALOG)
    b = lay.rack("B")
    far = lay.model_copy(update={"racks": [r if r.id != "B" else
                                           b.model_copy(update={"x_m": 9.0})
                                           for r in lay.racks]})
    d = an.update(far, ["B"]).network.cabling_dict()
    assert d["by_medium"] == {"mmf-sr4-400": 3} and d["cables"] == 3
    assert an.update(lay, ["B"]).network.cabling_dict()["cables"] == 2


def test_cables_bought_match_the_bill_of_materials():
    # DGX B200 SuperPOD, 2 SU: 1,024 links, of which 256 in-rack copper links ride 128
    # twin-port cables: 1,024 - 256 + 128 = 896 cables, as the bill of materials orders
    from engine.report_tables import build_tables

    lay = instantiate("dgx-b200-superpod", {"scalable_units": 2}, catalog=CATALOG)
    a = analyze(lay, CATALOG)
    d = a.network.cabling_dict()
    assert (d["links"], d["by_medium"]["dac-400"], d["cables"]) == (1024, 256, 896)
    bom = {t.key: t for t in build_tables(lay, a, CATALOG)}["bom"]
    cols = [c.name for c in bom.columns]
    bought = sum(r[cols.index("Quantity")] for r in bom.rows
                 if r[cols.index("Category")] == "Cable assembly"
                 or (r[cols.index("Category")] == "Cable" and r[cols.index("Unit")] == "ea"))
    assert bought == 896


def test_histogram_and_totals_count_every_cable():
    # 2 SU of DGX H100: 1,024 links, 256 of them in-rack copper at twin-port cages on
    # 128 two-link cables; the histogram counts links, and cables to buy, per length bin
    from test_fabric import superpod_layout

    a = analyze(superpod_layout(64, net_racks=2), CATALOG)
    d = a.network.cabling_dict()
    assert sum(d["histogram"]["links"]) == sum(d["by_medium"].values()) == d["links"] == 1024
    assert sum(d["histogram"]["cables"]) == d["cables"] == 1024 - 256 + 128
    assert d["histogram"]["links"][0] == 256 and d["histogram"]["cables"][0] == 128
    lengths_m = a.network.cabling.length_m          # per link group (parallel links)
    count = a.network.topology.lk_count
    assert count.max() == 4                          # 2 SU: 4 links from each leaf to each spine
    # the cables' length: the 256 in-rack copper links (0.77 m, the only ones under 5 m)
    # ride two to a cable, both legs one length: half of theirs counts
    copper = lengths_m < 1.0
    assert int(count[copper].sum()) == 256
    assert d["total_length_m"] == pytest.approx(
        float(lengths_m @ count) - float(lengths_m[copper] @ count[copper]) / 2, abs=0.01)
    assert d["max_length_m"] == pytest.approx(float(lengths_m.max()), abs=0.01)


def test_moving_a_rack_reroutes_its_links_like_a_full_analysis():
    lay = two_racks()
    an = Analyzer(lay, CATALOG)
    before = an.result.network.cabling.length_m.copy()
    lay.racks[0] = lay.racks[0].model_copy(update={"x_m": 1.0})
    inc = an.update(lay, ["A"])
    assert an.was_incremental
    assert inc.network.cabling.length_m[0] == pytest.approx(before[0] + 1.0)
    assert inc.to_dict() == analyze(lay, CATALOG).to_dict()


def test_twin_port_modules_follow_a_dragged_rack_like_a_full_analysis():
    # dragging compute racks far from their leaves moves their links from multimode to
    # single-mode optics and back; the modules (counted per switch, tier and medium, whole cages)
    # must equal a full analysis at every step
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2})
    an = Analyzer(lay, CATALOG)
    compute = [i for i, r in enumerate(lay.racks) if r.devices and
               r.devices[0].type.startswith("dgx-")]
    # the rack of 3 DGX (the UFM takes the 64th position) puts an odd number of links
    # on each leaf, so its moves change how the leaves' cages pair up
    odd = [i for i in compute if len(lay.racks[i].devices) % 2]
    assert odd
    rng = np.random.default_rng(3)
    seen = set()
    for step in range(8):
        racks = list(lay.racks)
        k = odd[0] if step % 4 < 2 else compute[int(rng.integers(len(compute)))]
        net_x = racks[k].x_m + (60.0 if step % 2 == 0 else -60.0)
        racks[k] = racks[k].model_copy(update={"x_m": net_x})
        lay = lay.model_copy(update={"racks": racks})
        inc = an.update(lay, [racks[k].id])
        assert an.was_incremental
        full = analyze(lay, CATALOG)
        assert inc.network.transceivers == full.network.transceivers
        assert inc.to_dict() == full.to_dict()
        seen.add(tuple(sorted(inc.network.links_by_medium.items())))
    assert len(seen) > 1  # the moves did change the leaves' media


def test_routes_follow_trays_and_cabling_policy_edited_between_analyses():
    from engine import edits
    from engine.templates import instantiate

    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    an = Analyzer(lay, cat)
    base = an.result.network.total_length_m
    tray = lay.trays[0]
    # a tray moved 5 m up (the same list otherwise): lengths change, as from scratch
    moved = edits.move_items(lay, {tray.id: (tray.points[0][0], tray.points[0][1] + 5.0)})
    got = an.update(moved, [tray.id]).network.total_length_m
    assert got == pytest.approx(analyze(moved, cat).network.total_length_m)
    assert got != pytest.approx(base)
    slack = moved.model_copy(update={"assumptions": moved.assumptions.model_copy(
        update={"cable_slack_m": moved.assumptions.cable_slack_m + 1.0})})
    # every link that leaves its rack gets the extra metre (leaf-spine links within one
    # network rack have the in-rack slack)
    topo = an.result.network.topology
    across = int(topo.lk_count[topo.lk_a_rack != topo.lk_b_rack].sum())
    assert 0 < across < an.result.network.cabling_dict()["links"]
    assert an.update(slack, None).network.total_length_m == pytest.approx(got + across * 1.0)


def test_a_400g_link_on_an_800g_cage_takes_half_a_module():
    # the Arista 7060X6 runs 128 x 400G through 64 800G OSFP cages [S43]: each switch end of
    # a 400G link is half a module; the MI355X node end is a whole one (single-port NIC)
    net = analyze(instantiate("meta-24k-roce", {"pods": 1}), CATALOG).network
    topo = net.topology
    up = topo.lk_tier > 0                      # RTSW-CTSW and above: switch to switch
    assert np.allclose(link_optics(topo).modules[up], 1.0)
    # the pod's 3,072 uplinks are all optical: one module's worth each, all single mode as
    # Meta's are [S29][S30] (the design prefers it), so no RTSW splits its uplinks between
    # multimode and single mode, which a module cannot mix
    assert net.links_by_medium == {"dac-400": 3072, "smf-dr4-400": 3072}
    assert net.transceivers == 3072


def test_a_link_to_a_rack_of_placed_switches_asks_for_its_u():
    # NET-0001 holds no installed device: the fabric placed its switches there, so a link
    # end that names the rack without a U cannot tell which switch; the message says what
    # is there and keeps the ids as written
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    link = ExplicitLink(id="L-1", a=Endpoint(rack="GPU-0001", u=3), b=Endpoint(rack="NET-0001"))
    a = analyze(lay.model_copy(update={"links": [link]}), CATALOG)
    msg = next(v.message for v in a.violations if v.code == "LINK-ENDPOINT")
    assert msg.startswith("Link L-1 end b needs a U: rack NET-0001 has no installed device")
    assert "switches there (U" in msg


def test_nudging_the_whole_hall_keeps_every_route():
    """Moving every item a tile along adds float noise (8.1 becomes 8.100000000000001):
    a row tray ending on the spine tray must still meet it, or cables go round the far
    side of the hall (the 1-pod Meta hall: 121 km of cable became 195 km)."""
    from engine import edits

    lay = instantiate("meta-24k-roce", {"pods": 1})
    ids = [i for i in lay.all_ids()
           if edits.item_kind(lay, i) in ("racks", "cooling", "feeds", "trays", "obstacles")]
    moves = {}
    for i in ids:
        x, y = edits.item_anchor(lay, i)
        moves[i] = (x + 0.6, y)
    before = analyze(lay).network.cabling_dict()
    after = analyze(edits.move_items(lay, moves)).network.cabling_dict()
    assert after["total_length_m"] == pytest.approx(before["total_length_m"], abs=1.0)
    assert after["max_length_m"] == pytest.approx(before["max_length_m"], abs=0.01)


def test_one_gbe_links_run_on_twisted_pair_to_100_m():
    # 1000BASE-T reaches 100 m over Category 5e/6 (IEEE 802.3ab) with no module at
    # either end: a management network's BMC links take no optics
    from engine.cabling import MediaTable, select_media
    from engine.catalog import load_catalog
    from engine.model import CablingPolicy

    mt = MediaTable.from_catalog(load_catalog(user_dir=None))
    m, k, notes = select_media(np.array([3.0, 99.0, 120.0]), np.full(3, 1.0), mt,
                               CablingPolicy(optics_above_m=3.0))
    assert [mt.ids[i] if i >= 0 else None for i in m] == ["utp-1g", "utp-1g", None]
    assert notes == [] and k.tolist() == [1, 1, 1]


def test_a_second_fabric_at_the_same_servers_takes_modules_of_its_own(front_end_fabric):
    # a DGX H100 hall's compute fabric takes 768 modules (512 node-leaf links two to a
    # twin-port module at the DGX, and optics at the leaves; 256 leaf-spine DACs none);
    # a 100G front-end over R01's 32 DGX breaks each DGX's cage out eight ways (its two
    # links in one module) and the 7060X6's 800G cages likewise: 28 DGX whose front-end
    # links are optical take one module each, the leaf's 56 optical ends 56 / 8 = 7.
    # Its links once shared the DGX's compute slot, whose cage it overwrote: 707 in all.
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    before = analyze(lay).network.transceivers
    assert before == 768
    r01 = [r.id for r in lay.racks if r.row == "R01"]
    fe = front_end_fabric(r01, ("leaf", "spine", "core"))
    a = analyze(lay.model_copy(update={"fabrics": [*lay.fabrics, fe]}))
    assert a.network.links_by_medium.get("mmf-sr4-100") == 56
    assert a.network.links_by_medium.get("dac-100") == 8  # 4 DGX beside the leaf's rack
    assert a.network.transceivers == 768 + 28 + 7


def test_a_tier_run_at_its_own_port_speed_takes_a_module_per_link():
    # an Arista 7060X6 has 64 x 800G cages [S43]: broken out, a cage carries two 400G links
    # on one module (Meta's RTSW as the template builds it); a tier that sets 400G runs
    # 64 x 400G, as its port count says, and each cage then takes one link and one module
    lay = instantiate("meta-24k-roce", {"pods": 1})
    (fab,) = lay.fabrics
    node_leaf = analyze(lay, CATALOG).network.topology
    leaf_ends = node_leaf.lk_b_cage[node_leaf.lk_tier == 0]
    assert set(leaf_ends.tolist()) == {2}
    tiers = [t.model_copy(update={"port_speed_gbps": 400.0}) if t.name == "leaf" else t
             for t in fab.tiers]
    own = lay.model_copy(update={"fabrics": [fab.model_copy(update={"tiers": tiers})]})
    topo = analyze(own, CATALOG).network.topology
    assert set(topo.lk_b_cage[topo.lk_tier == 0].tolist()) == {1}
