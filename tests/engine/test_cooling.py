"""Cooling: N+1, liquid flow, derived airflow, rear doors and air sharing, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import cooling
from engine.analysis import analyze
from engine.cooling import air_shares, liquid_flow_lpm, n_plus_one, nearest


def codes(analysis, prefix="COOL"):
    return sorted(v.code for v in analysis.violations if v.code.startswith(prefix))


def four_racks(builder, **kw):
    b = builder(20, 12, **kw)
    for i in range(4):
        b.rack(f"R{i}", 5 + 0.8 * i, 5)
    return b


def test_n_plus_one_fails_the_largest_unit():
    # capacities 100 + 150 + 200 = 450 kW; without the 200 kW unit: 250 kW
    cap, n1, margin = n_plus_one(np.array([100.0, 150.0, 200.0]), np.array([80.0, 80.0, 80.0]),
                                 np.array([0, 0, 0]))
    assert (cap.tolist(), n1.tolist(), margin.tolist()) == ([450.0], [250.0], [10.0])


def test_two_crahs_are_not_n_plus_one_for_163_kw_three_are(builder, catalog):
    # 4 racks x 40.8 kW = 163.2 kW to air; 2 x 150 kW: N+1 capacity 150 < 163.2
    two = four_racks(builder).crah("C1", 1, 6, 150).crah("C2", 19, 6, 150).build()
    a = analyze(two, catalog)
    assert a.cooling.group_names == ["CRAH"]  # a unit in no named group is in its kind's
    assert a.cooling.group_load_kw.tolist() == pytest.approx([163.2])
    assert a.cooling.group_n1_capacity_kw.tolist() == [150.0]
    assert a.cooling.group_margin_kw.tolist() == pytest.approx([-13.2])
    n1 = [v for v in a.violations if v.code == "COOL-N1"]
    assert len(n1) == 1 and n1[0].severity == "error" and set(n1[0].items) == {"C1", "C2"}
    three = four_racks(builder).crah("C1", 1, 6, 150).crah("C2", 19, 6, 150) \
        .crah("C3", 10, 11, 150).build()
    b = analyze(three, catalog)
    assert b.cooling.group_n1_capacity_kw.tolist() == [300.0]
    assert "COOL-N1" not in codes(b)


def test_load_over_total_capacity_is_a_capacity_error(builder, catalog):
    a = analyze(four_racks(builder).crah("C1", 1, 6, 150).build(), catalog)
    assert "COOL-CAPACITY" in codes(a)
    over = next(v for v in a.violations if v.code == "COOL-UNIT-OVER")
    assert over.items == ("C1",) and "109%" in over.message  # 163.2 / 150


def test_groups_are_checked_separately(builder, catalog):
    lay = (four_racks(builder).crah("C1", 1, 6, 150, group="west").crah("C2", 19, 6, 150,
                                                                         group="east")
           .crah("C3", 19, 1, 150, group="east").build())
    a = analyze(lay, catalog)
    assert a.cooling.group_names == ["east", "west"]
    # "west" has one unit: without it nothing is left
    assert a.cooling.group_n1_capacity_kw.tolist() == [150.0, 0.0]


def test_liquid_flow_is_kw_times_60_over_4_18_dt():
    # water: L/min = kW x 60 / (4.18 kJ/(L K) x dT); 100 kW at 10 K = 143.5 L/min
    assert liquid_flow_lpm(np.array([100.0]), 10.0).tolist() == pytest.approx([143.54], abs=0.01)
    assert liquid_flow_lpm(np.array([100.0]), 5.0).tolist() == pytest.approx([287.08], abs=0.01)


def test_gb200_nvl72_rack_liquid_flow_and_cdu_assignment(builder, catalog):
    # GB200 NVL72: 132 kW with 80 % to liquid (catalog) -> 105.6 kW liquid, 26.4 kW air;
    # flow = 105.6 x 60 / (4.18 x 10) = 151.58 L/min
    lay = (builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .cdu("CDU1", 1, 1, 1350, flow_lpm=1200).cdu("CDU2", 18, 10, 1350)
           .crah("C1", 10, 11, 150).build())
    a = analyze(lay, catalog)
    c = a.cooling
    assert c.rack_liquid_kw.tolist() == pytest.approx([105.6])
    assert c.rack_air_kw.tolist() == pytest.approx([26.4])
    assert c.rack_flow_lpm.tolist() == pytest.approx([105.6 * 60 / 41.8])
    assert c.unit_ids[c.rack_cdu[0]] == "CDU1"  # nearest
    assert c.unit_load_kw.tolist() == pytest.approx([105.6, 0.0, 26.4])
    assert c.unit_flow_lpm[0] == pytest.approx(151.579, abs=1e-3)
    assert a.to_dict()["cooling"]["liquid_share"] == pytest.approx(0.8)
    explicit = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"cdu": "CDU2"})]})
    c2 = analyze(explicit, catalog).cooling
    assert c2.unit_ids[c2.rack_cdu[0]] == "CDU2"
    assert c2.unit_load_kw.tolist() == pytest.approx([0.0, 105.6, 26.4])


def test_a_cdu_serving_no_rack_is_named_and_an_overloaded_one_says_what_carries_it(
        builder, catalog):
    # two NVL72 racks (105.6 kW of liquid each) beside CDU1 (150 kW); CDU2 (1,350 kW) far
    # off takes neither: CDU1 carries 211.2 kW, 141 %; the group "CDU" holds 1,500 kW
    # (N+1: 150 kW, margin -61.2 kW: COOL-N1)
    lay = (builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .rack("N2", 5.6, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .cdu("CDU1", 1, 1, 150).cdu("CDU2", 18, 10, 1350)
           .crah("C1", 10, 11, 150).build())
    lay = lay.model_copy(update={"racks": [r.model_copy(update={"cdu": "CDU1"})
                                           for r in lay.racks]})
    a = analyze(lay, catalog)
    idle = [v for v in a.violations if v.code == "COOL-UNIT-IDLE"]
    assert [(v.severity, v.items) for v in idle] == [("info", ("CDU2",))]
    assert "1,350 kW counts in group CDU's N+1 margin" in idle[0].message
    over = next(v for v in a.violations if v.code == "COOL-UNIT-OVER")
    assert over.items == ("CDU1",) and "141%" in over.message
    assert "group CDU carries it only with its CDUs on one shared secondary loop" in \
        over.message
    assert a.cooling.group_capacity_kw[a.cooling.group_names.index("CDU")] == 1500.0
    # CDU2 named by one rack serves it: nothing idle
    one = lay.model_copy(update={"racks": [lay.racks[0],
                                           lay.racks[1].model_copy(update={"cdu": "CDU2"})]})
    assert "COOL-UNIT-IDLE" not in codes(analyze(one, catalog))


def test_a_rack_goes_to_the_cdu_in_its_row_before_a_nearer_one_across_the_aisle(
        builder, catalog):
    # N1 (NVL72 rack, 1.068 m deep, turned 0: its row runs along x) at (5, 5); CDU-ROW
    # stands in that row 4 m on, CDU-AISLE across a 2.4 m aisle. Nearest alone picks
    # CDU-AISLE (2.4 m); the row's CDU is on the row line (|dy| = 0 <= 0.534 m)
    from engine.analysis import Analyzer

    lay = (builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .cdu("CDU-ROW", 9, 5, 1350).cdu("CDU-AISLE", 5, 7.4, 1350)
           .crah("C1", 10, 11, 150).build())
    c = analyze(lay, catalog).cooling
    assert c.unit_ids[c.rack_cdu[0]] == "CDU-ROW"
    assert c.unit_load_kw[c.unit_ids.index("CDU-ROW")] == pytest.approx(105.6)
    # turned a quarter, its row runs along y: CDU-AISLE stands on that line, CDU-ROW not
    turned = lay.model_copy(update={"racks": [lay.racks[0].model_copy(
        update={"rotation_deg": 90})]})
    c90 = analyze(turned, catalog).cooling
    assert c90.unit_ids[c90.rack_cdu[0]] == "CDU-AISLE"
    # and the incremental analysis of the turn agrees with the full one
    an = Analyzer(lay, catalog)
    assert an.update(turned, ["N1"]).to_dict() == analyze(turned, catalog).to_dict()
    # moved to y = 3 no CDU stands on its row line: the nearest, CDU-AISLE at 4.4 m
    # (CDU-ROW: hypot(4, 2) = 4.47 m)
    off = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"y_m": 3.0})]})
    c_off = analyze(off, catalog).cooling
    assert c_off.unit_ids[c_off.rack_cdu[0]] == "CDU-AISLE"


def test_an_air_only_rack_belongs_to_no_cdu_zone(builder, catalog):
    # the DGX H100 rack next to CDU1 has no liquid loop; the NVL72 rack is on CDU1
    lay = (builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .rack("D1", 2, 1).cdu("CDU1", 1, 1, 1350).crah("C1", 10, 11, 150).build())
    c = analyze(lay, catalog).cooling
    assert c.rack_cdu.tolist() == [c.unit_ids.index("CDU1"), -1]
    named = lay.model_copy(update={"racks": [lay.racks[0],
                                             lay.racks[1].model_copy(update={"cdu": "CDU1"})]})
    assert analyze(named, catalog).cooling.rack_cdu.tolist()[1] == 0  # the user's choice stays


def test_cdu_flow_over_rating_is_flagged(builder, catalog):
    lay = (builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72")
           .cdu("CDU1", 1, 1, 1350, flow_lpm=100).crah("C1", 10, 11, 150).build())
    flow = next(v for v in analyze(lay, catalog).violations if v.code == "COOL-FLOW-OVER")
    assert flow.items == ("CDU1",) and "152 L/min" in flow.message


def test_missing_units_are_errors(builder, catalog):
    lay = builder().rack("N1", 5, 5, rack_type="nvl72-rack", system="gb200-nvl72").build()
    a = analyze(lay, catalog)
    assert codes(a) == ["COOL-NO-AIR", "COOL-NO-LIQUID"]
    assert all(v.items == ("N1",) for v in a.violations if v.code.startswith("COOL-NO"))


def test_airflow_uses_3_16_w_over_dt_f_without_published_cfm(builder, catalog):
    # HGX H100 OEM: no published airflow; 10,500 W to air. dT 11.7 K = 21.06 F:
    # CFM = 3.16 x 10,500 / 21.06 = 1,575.5 per server [S57]
    hgx = ("hgx-h100-8gpu",) * 4
    a = analyze(builder().rack("R1", 2, 2, devices=hgx).build(), catalog)
    assert a.arrays.rack_airflow_cfm[0] == pytest.approx(4 * 3.16 * 10500 / 21.06)
    assert a.arrays.rack_airflow_cfm[0] == pytest.approx(6302.0, abs=0.1)
    # dT 20 K = 36 F: 3.16 x 10,500 / 36 = 921.7 CFM per server
    b = analyze(builder().rack("R1", 2, 2, devices=hgx).assume(delta_t_air_k=20).build(), catalog)
    assert b.arrays.rack_airflow_cfm[0] == pytest.approx(4 * 921.667, abs=0.01)
    # published figures win: 2 x 1,105 (DGX H100 [S01]) + 2 x 1,575.5 (derived)
    mixed = ("dgx-h100", "dgx-h100", "hgx-h100-8gpu", "hgx-h100-8gpu")
    c = analyze(builder().rack("R1", 2, 2, devices=mixed).build(), catalog)
    assert c.arrays.rack_airflow_cfm[0] == pytest.approx(2210 + 2 * 3.16 * 10500 / 21.06)


def test_derived_airflow_counts_only_the_air_share(builder, catalog):
    # MI355X platform: 15,800 W with 75 % to liquid -> 3,950 W to air -> 592.7 CFM
    a = analyze(builder().rack("R1", 2, 2, devices=("mi355x-8gpu",), pitch_u=4).build(), catalog)
    assert a.arrays.rack_airflow_cfm[0] == pytest.approx(3.16 * 3950 / 21.06)


def test_rear_door_takes_air_heat_up_to_its_capacity(builder, catalog):
    # 40.8 kW to air; a 35 kW door leaves 5.8 kW for the room's CRAHs
    lay = builder().rack("R1", 5, 5).door("RD1", "R1", 35).crah("C1", 1, 6, 150).build()
    a = analyze(lay, catalog)
    c = a.cooling
    assert c.rack_door_kw.tolist() == pytest.approx([35.0])
    assert c.rack_air_kw.tolist() == pytest.approx([5.8])
    assert c.unit_load_kw.tolist() == pytest.approx([35.0, 5.8])
    assert c.heat_kw == pytest.approx(40.8)  # the door moves heat, it does not remove IT load
    # its coil hands the 35 kW to the facility water: 35 x 60 / (4.18 x 10 K) = 50.2 L/min
    assert c.unit_flow_lpm.tolist() == pytest.approx([35 * 60 / (4.18 * 10.0), 0.0])
    assert "COOL-AIR-LIMIT" not in codes(a)
    no_door = builder().rack("R1", 5, 5).crah("C1", 1, 6, 150).build()
    limit = next(v for v in analyze(no_door, catalog).violations if v.code == "COOL-AIR-LIMIT")
    assert limit.items == ("R1",) and "40.8 kW" in limit.message


def test_two_doors_fill_in_order(builder, catalog):
    lay = (builder().rack("R1", 5, 5).door("RD1", "R1", 35).door("RD2", "R1", 35)
           .crah("C1", 1, 6, 150).build())
    c = analyze(lay, catalog).cooling
    assert c.unit_load_kw.tolist() == pytest.approx([35.0, 5.8, 0.0])
    assert c.rack_air_kw.tolist() == pytest.approx([0.0], abs=1e-9)


def test_air_is_shared_by_capacity_over_distance_squared(builder, catalog):
    # CRAH A 1 m away, B 2 m away, both 100 kW: weights 100/1 and 100/4 -> 80 % / 20 %
    lay = builder().rack("R1", 5, 5).crah("A", 6, 5, 100).crah("B", 3, 5, 100).build()
    c = analyze(lay, catalog).cooling
    assert c.unit_load_kw.tolist() == pytest.approx([0.8 * 40.8, 0.2 * 40.8])
    assert c.unit_ids[c.rack_crah[0]] == "A"  # its zone is the nearest unit
    # same distance, 100 and 300 kW: 25 % / 75 %
    assert air_shares(np.array([0.0]), np.array([0.0]), np.array([-2.0, 2.0]),
                      np.array([0.0, 0.0]), np.array([100.0, 300.0]),
                      np.array([40.0])).tolist() == pytest.approx([10.0, 30.0])


def test_explicit_crah_takes_all_of_its_racks_air(builder, catalog):
    lay = builder().rack("R1", 5, 5, crah="B").crah("A", 6, 5, 100).crah("B", 3, 5, 100).build()
    c = analyze(lay, catalog).cooling
    assert c.unit_load_kw.tolist() == pytest.approx([0.0, 40.8])


@given(st.lists(st.tuples(st.floats(0, 50), st.floats(0, 50), st.floats(0, 60)),
                min_size=1, max_size=40),
       st.lists(st.tuples(st.floats(0, 50), st.floats(0, 50), st.floats(1, 500)),
                min_size=1, max_size=12))
def test_air_sharing_conserves_heat(racks, units):
    r = np.array(racks)
    u = np.array(units)
    load = air_shares(r[:, 0], r[:, 1], u[:, 0], u[:, 1], u[:, 2], r[:, 2])
    assert load.sum() == pytest.approx(r[:, 2].sum(), rel=1e-9, abs=1e-9)
    assert (load >= 0).all()


def test_air_share_blocks_match_one_pass():
    rng = np.random.default_rng(7)
    n = 3 * cooling.SHARE_BLOCK + 5
    rx, ry = rng.uniform(0, 60, n), rng.uniform(0, 40, n)
    ux, uy, cap = rng.uniform(0, 60, 9), rng.uniform(0, 40, 9), rng.uniform(50, 300, 9)
    heat = rng.uniform(0, 40, n)
    parts = cooling.air_share_partials(rx, ry, ux, uy, cap, heat)
    assert parts.shape == (4, 9)
    w = cap / np.maximum((rx[:, None] - ux) ** 2 + (ry[:, None] - uy) ** 2, 0.25)
    direct = ((w / w.sum(axis=1, keepdims=True)) * heat[:, None]).sum(axis=0)
    assert parts.sum(axis=0) == pytest.approx(direct, rel=1e-12)
    again = cooling.air_share_partials(rx, ry, ux, uy, cap, heat, blocks=[2],
                                       out=np.zeros_like(parts))
    assert np.array_equal(again[2], parts[2]) and not again[[0, 1, 3]].any()


def test_nearest_breaks_ties_on_the_lowest_index():
    assert nearest(np.array([0.0]), np.array([0.0]), np.array([1.0, -1.0, 0.0]),
                   np.array([0.0, 0.0, 1.0])).tolist() == [0]
    assert nearest(np.array([1.0]), np.array([1.0]), np.zeros(0), np.zeros(0)).tolist() == [-1]


@pytest.mark.parametrize("n_units", [5, 40, 300])
def test_nearest_equals_brute_force_with_many_ties(n_units):
    # units and racks on a coarse grid: many exact ties, on both the brute-force and
    # the k-d tree paths (40 and 300 units)
    rng = np.random.default_rng(n_units)
    qx, qy = rng.integers(0, 12, n_units).astype(float), rng.integers(0, 12, n_units).astype(float)
    px, py = rng.integers(0, 12, 2000) + 0.5 * rng.integers(0, 2, 2000), \
        rng.integers(0, 12, 2000).astype(float)
    d2 = (px[:, None] - qx) ** 2 + (py[:, None] - qy) ** 2
    assert np.array_equal(nearest(px, py, qx, qy), np.argmin(d2, axis=1))


def test_a_crah_draws_air_at_its_return_not_where_it_stands(builder, catalog):
    # B stands 8 m away but draws room air through an opening 2 m from the rack:
    # weights 100/1 (A) and 100/4 (B at its return) -> 80 % / 20 %, as if B stood there
    lay = builder().rack("R1", 5, 5).crah("A", 6, 5, 100).crah("B", 13, 5, 100).build()
    lay.cooling[1] = lay.cooling[1].model_copy(update={"return_xy_m": (3.0, 5.0)})
    c = analyze(lay, catalog).cooling
    assert c.unit_load_kw.tolist() == pytest.approx([0.8 * 40.8, 0.2 * 40.8])
    from engine import edits

    moved = edits.move_items(lay, {"B": (14.0, 6.0)})  # the return moves with the unit
    assert moved.cooling[1].return_xy_m == (4.0, 6.0)
    turned = edits.rotate_items(lay, ["B"], 90)  # about the unit: the return turns too
    assert turned.cooling[1].return_xy_m == pytest.approx((13.0, -5.0))


def test_gallery_units_share_the_air_of_the_galleries_opening():
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 256, "racks_per_row": 16})
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    columns = sorted({u.x_m for u in crahs})
    assert len(columns) >= 4, "a hall this size has galleries two or more columns deep"
    # every unit of a gallery draws through its side's opening, level with it: from the
    # middle of the service aisle in front of the gallery, never from inside a unit
    west_face, east_face = columns[len(columns) // 2 - 1], columns[len(columns) // 2]
    half = crahs[0].depth_m / 2
    racks_x = [r.x_m for r in lay.racks]
    for u in crahs:
        x, y = u.return_xy_m
        assert y == u.y_m
        if u.x_m <= west_face:
            assert west_face + half < x < min(racks_x)
        else:
            assert max(racks_x) < x < east_face - half
        assert all(abs(x - v.x_m) > v.depth_m / 2 or abs(y - v.y_m) > v.width_m / 2
                   for v in crahs)
    assert len({u.return_xy_m[0] for u in crahs}) == 2  # one opening per side
    a = analyze(lay)
    util = a.cooling.unit_utilization
    # the sizing (air x 1.1 + 1 unit, per redundancy group) holds unit by unit, with the
    # load spread evenly; each group of at most 12 rounds up and carries its own spare,
    # so the units by the last, lighter rows (the short R19) run lighter than the rest
    assert util.max() <= 1.0 and util.min() >= 0.5
    assert not [v for v in a.violations if v.code.startswith("COOL")]


def test_rack_airflow_carries_the_heat_of_its_optics(catalog):
    # a 1-SU H100 SuperPOD: each DGX's eight 400G OSFP modules heat its rack's air, so
    # the rack's airflow adds CFM = 3.16 x W / dT(F) for them on top of the DGX's
    # published 1,105 CFM [S01]; every module is in a rack, so the hall's air is theirs
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=catalog)
    a = analyze(lay, catalog)
    rack_optics_w = a.network.rack_optics_w(a.arrays.n_racks)
    assert rack_optics_w.sum() == pytest.approx(a.power.optics_kw * 1000.0)
    i = a.arrays.rack_index["GPU-0001"]
    assert rack_optics_w[i] > 0
    dt_f = lay.assumptions.delta_t_air_k * 1.8
    assert a.cooling.rack_airflow_cfm[i] == pytest.approx(
        a.arrays.rack_airflow_cfm[i] + 3.16 * rack_optics_w[i] / dt_f, rel=1e-12)
    assert a.cooling.airflow_cfm == pytest.approx(float(a.cooling.rack_airflow_cfm.sum()),
                                                  rel=1e-12)


def test_rear_doors_are_not_room_spares_and_a_failed_door_falls_to_the_room(builder, catalog):
    # 4 racks x 40.8 kW to air; R0 and R1 have 35 kW doors: the room carries
    # 2 x 5.8 + 2 x 40.8 = 93.2 kW. Five 25 kW CRAHs: N+1 capacity 100 kW (margin
    # 6.8 kW), but a failed door sends its 35 kW to the room: 125 - 93.2 - 35 = -3.2 kW.
    def hall(n_crah):
        b = four_racks(builder).door("RD1", "R0", 35, group="air").door("RD2", "R1", 35,
                                                                        group="air")
        for k in range(n_crah):
            b.crah(f"C{k}", 1 + 3.5 * k, 9, 25, group="air")  # in the 20 m hall
        return analyze(b.build(), catalog)

    a = hall(5)
    c = a.cooling
    # the doors are a group of their own (each cools one rack), not spare room capacity
    assert c.group_names == ["air", "air (rear doors)"]
    assert c.group_capacity_kw.tolist() == pytest.approx([125.0, 70.0])
    assert c.group_load_kw.tolist() == pytest.approx([93.2, 70.0])
    assert c.group_n1_capacity_kw.tolist() == pytest.approx([100.0, 70.0])
    assert c.group_door_failure_kw.tolist() == pytest.approx([35.0, 0.0])
    assert c.group_margin_kw.tolist() == pytest.approx([-3.2, 0.0])
    n1 = [v for v in a.violations if v.code == "COOL-N1"]
    assert len(n1) == 1 and "rear door RD1 failed" in n1[0].message
    assert set(n1[0].items) == {f"C{k}" for k in range(5)}
    # a sixth CRAH: 150 - 93.2 - 35 = 21.8 kW, below the N+1 margin 125 - 93.2 = 31.8
    b = hall(6)
    assert b.cooling.group_margin_kw.tolist() == pytest.approx([21.8, 0.0])
    assert "COOL-N1" not in codes(b)


def test_a_crah_drawing_air_outside_the_hall_cools_nothing_and_backs_nothing_up():
    """A CRAH whose return is set to a point outside the hall (a typo: 500, 500) takes in
    none of the hall's air: no load, no share of its group's N+1 capacity, and an error
    that says how to fix it. One moved out of the hall with no return does the same."""
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall")
    a0 = analyze(lay)
    crahs = [i for i, u in enumerate(lay.cooling) if u.kind == "crah"]
    k = crahs[0]
    unit = lay.cooling[k]
    g = a0.cooling.unit_group[k]
    bad = lay.model_copy(deep=True)
    bad.cooling[k] = unit.model_copy(update={"return_xy_m": (500.0, 500.0)})
    a = analyze(bad)
    c = a.cooling
    assert c.unit_load_kw[k] == 0.0 and c.unit_air_outside[k]
    # the group's capacity loses the unit: N+1 capacity as if it were not there
    assert c.group_capacity_kw[g] == pytest.approx(a0.cooling.group_capacity_kw[g]
                                                   - unit.capacity_kw)
    assert c.group_load_kw[g] == pytest.approx(a0.cooling.group_load_kw[g])
    msgs = [v for v in a.violations if v.code == "COOL-RETURN"]
    assert [v.items for v in msgs] == [(unit.id,)] and msgs[0].severity == "error"
    assert "draws air at (500.00, 500.00) m, outside the hall" in msgs[0].message
    # the hall's other CRAHs still take the air; a hall whose only CRAH draws outside it
    # says so rather than that it has none
    only = bad.model_copy(update={"cooling": [c for k2, c in enumerate(bad.cooling)
                                              if k2 == k or c.kind != "crah"]})
    no_air = [v.message for v in analyze(only).violations if v.code == "COOL-NO-AIR"]
    assert len(no_air) == 1 and no_air[0].endswith(
        f"kW to air but no CRAH draws the hall's air ({unit.id} draws it outside the hall: "
        "COOL-RETURN)")
    x0, _y0, x1, _y1 = shapely_bounds(lay.hall.outline)
    gone = lay.model_copy(deep=True)
    gone.cooling[k] = unit.model_copy(update={"x_m": x1 + 20.0, "return_xy_m": None})
    msgs = [v.message for v in analyze(gone).violations if v.code == "COOL-RETURN"]
    assert len(msgs) == 1 and "stands outside the hall with no return inside it" in msgs[0]
    assert not [v for v in a0.violations if v.code == "COOL-RETURN"]


def shapely_bounds(outline):
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    return min(xs), min(ys), max(xs), max(ys)


def test_heat_with_no_unit_is_a_lower_bound_where_hardware_has_no_power_figure():
    # the CPU cluster's SN4600C / SN2201 switches have no power figure [S12]: the racks'
    # 595.3 kW of air is at least that, and the rule says so
    from engine.templates import instantiate

    lay = instantiate("cpu-cluster", {})
    (v,) = [v for v in analyze(lay.model_copy(update={"cooling": []})).violations
            if v.code == "COOL-NO-AIR"]
    assert "reject at least 595.3 kW to air but the hall has no CRAH" in v.message
    # a rack whose only heat is a few watts of optics reads in W, not "0.0 kW"
    from engine.cooling import _heat_text

    class Ctx:
        class power:  # noqa: N801 - the analysis' attribute name
            rack_unknown_power = np.array([1, 0])

    assert _heat_text(Ctx, np.array([0]), np.array([0.027, 5.0])) == "at least 27 W"
    assert _heat_text(Ctx, np.array([1]), np.array([0.027, 5.0])) == "5.0 kW"


def test_a_crah_or_cdu_naming_a_rack_is_said_not_passed_over(builder, catalog):
    # only a rear door hangs on a rack: a rack named on a CRAH is not used, and a warning
    # says where a rack's unit is set instead
    lay = four_racks(builder).crah("C1", 1, 6, 250, rack="R0").build()
    ref = [v for v in analyze(lay, catalog).violations if v.code == "COOL-REF"]
    assert [(v.severity, v.items) for v in ref] == [("warning", ("C1",))]
    assert "C1 (CRAH) names rack 'R0'; only a rear door hangs on a rack" in ref[0].message


def test_supply_airflow_is_the_room_air_heat_at_the_air_delta_t(builder, catalog):
    """Four DGX H100 (40.8 kW, all to air): their fans move 4 x 1,105 = 4,420 CFM [S01]
    (``airflow_cfm``); the cooling units must supply 40.8 kW at the layout's 11.7 K
    (21.06 F): 3.16 x 40,800 / 21.06 = 6,122 CFM, NVIDIA's 150 CFM per kW of its DGX
    rack profiles (28.6 kW, 4,290 CFM [S40]). A rear door that takes the heat takes the
    supply with it."""
    a = analyze(builder().rack("R1", 2, 2).build(), catalog)
    assert a.cooling.airflow_cfm == pytest.approx(4420.0)
    assert a.cooling.supply_airflow_cfm == pytest.approx(3.16 * 40_800 / 21.06, rel=1e-3)
    assert a.cooling.supply_airflow_cfm / 40.8 == pytest.approx(150.0, rel=0.01)
    assert a.to_dict()["cooling"]["supply_airflow_cfm"] == pytest.approx(6122.0, abs=1.0)
    doored = analyze(builder().rack("R1", 2, 2).door("RD1", "R1", 50).build(), catalog)
    assert doored.cooling.supply_airflow_cfm == pytest.approx(0.0, abs=1.0)


def test_groups_are_in_natural_order(builder):
    # "CRAH east 10" after "CRAH east 2", as a reader counts them (not as text sorts them)
    b = four_racks(builder)
    for k, name in enumerate(["CRAH east 10", "CRAH east 2", "CRAH east 1", "CRAH west 1"]):
        b.crah(f"C{k}", 1 + k, 11, 150, group=name)
    c = analyze(b.build()).cooling
    assert c.group_names == ["CRAH east 1", "CRAH east 2", "CRAH east 10", "CRAH west 1"]
    assert [c.group_names[g] for g in c.unit_group] == [
        "CRAH east 10", "CRAH east 2", "CRAH east 1", "CRAH west 1"]


def test_crahs_drawing_air_at_one_point_share_their_zone():
    # the 4-SU DGX H100 SuperPOD's galleries: two CRAHs deep, the back one drawing the
    # room's air through the front one's opening, so each pair has one return point.
    # Both carry the room's heat; each takes a band of the zone's racks (the 36 racks
    # over 8 units of equal capacity: 4 or 5 each), none is a unit of no racks
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4})
    c = analyze(lay).cooling
    crah = np.flatnonzero(np.asarray(c.unit_kind) == "crah")
    per_unit = np.bincount(c.rack_crah[c.rack_crah >= 0], minlength=len(c.unit_ids))[crah]
    assert per_unit.sum() == len(lay.racks) == 36 and set(per_unit.tolist()) == {4, 5}
    returns = {}
    for u in lay.cooling:
        returns.setdefault(tuple(u.return_xy_m or (u.x_m, u.y_m)), []).append(u.id)
    assert sorted(len(v) for v in returns.values()) == [2, 2, 2, 2]


def test_shared_zones_of_an_incremental_update_equal_a_full_analysis():
    # the 4-SU DGX H100 SuperPOD's gallery pairs: racks moved (one at a time, then back)
    # leave every rack's zone as a full analysis of the moved hall gives it
    from engine.analysis import Analyzer
    from engine.edits import move_items
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4})
    an = Analyzer(lay)
    an.update(lay)
    current = lay
    for k in (0, 5, 17, 30, 5):
        r = current.racks[k]
        current = move_items(current, {r.id: (r.x_m, r.y_m + (0.6 if k % 2 else -0.6))})
        inc = an.update(current, [r.id])
        full = analyze(current)
        assert inc.cooling.rack_crah.tolist() == full.cooling.rack_crah.tolist(), k


def test_a_move_outside_the_shared_zones_keeps_their_split(builder):
    # two CRAHs drawing air at one point (west) and one alone (east): a rack moved in the
    # east zone keeps the west split as it was, and equals a full analysis either way
    from engine.analysis import Analyzer
    from engine.edits import move_items

    b = builder(20, 12)
    for i in range(6):
        b.rack(f"W{i}", 3 + 0.8 * i, 3 + 2.4 * (i % 2))
        b.rack(f"E{i}", 12 + 0.8 * i, 3 + 2.4 * (i % 2))
    b.crah("C1", 0.5, 4, 150, return_xy_m=(1.0, 4.0)).crah("C2", 0.5, 6, 150,
                                                             return_xy_m=(1.0, 4.0))
    b.crah("C3", 19.5, 4, 150)
    lay = b.build()
    an = Analyzer(lay)
    first = an.update(lay)
    west = {r.id: first.cooling.rack_crah[i] for i, r in enumerate(lay.racks)
            if r.id.startswith("W")}
    assert len(set(west.values())) == 2  # the pair shares the west racks
    moved = move_items(lay, {"E2": (14.0, 8.0)})
    inc = an.update(moved, ["E2"])
    assert inc.cooling.rack_crah.tolist() == analyze(moved).cooling.rack_crah.tolist()
    back = move_items(moved, {"W1": (4.0, 8.0)})
    inc = an.update(back, ["W1"])
    assert inc.cooling.rack_crah.tolist() == analyze(back).cooling.rack_crah.tolist()
