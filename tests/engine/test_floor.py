"""Floor: overlaps, hall outline, obstacles, aisle clearance and floor loading."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.analysis import analyze
from engine.compile import front_vectors, rack_geometry
from engine.floor import FloorCache, analyze_floor, boxes, candidate_pairs, overlapping_pairs


def found(analysis, code):
    return [v.items for v in analysis.violations if v.code == code]


def test_overlapping_racks_are_errors_touching_ones_are_not(builder, catalog):
    # 800 mm wide racks: centres 0.5 m apart overlap by 0.3 m; 0.8 m apart just touch
    a = analyze(builder().rack("R1", 2, 2).rack("R2", 2.5, 2).rack("R3", 3.3, 2).build(), catalog)
    assert found(a, "FLOOR-OVERLAP") == [("R1", "R2")]
    assert a.floor.overlaps.tolist() == [[0, 1]]


def test_units_overlap_racks_too(builder, catalog):
    a = analyze(builder().rack("R1", 2, 2).crah("C1", 2.5, 2.5, 100).build(), catalog)
    assert found(a, "FLOOR-OVERLAP") == [("R1", "C1")]


def test_a_rack_set_into_a_rear_door_overlaps_it(catalog):
    """DGX B300 SU: GPU-0001 (800 x 1200, back to -y) has a 0.2 m rear door, y 1.5 to 1.7
    behind its body (1.7 to 2.9). A 600 x 1200 rack turned a quarter at (5.1, 1.3) spans
    y 1.0 to 1.6 and x 4.5 to 5.7: clear of both racks' bodies, into the doors of
    GPU-0001 and GPU-0002 (it was a mere aisle warning); the rule says whose door. Moved
    down 0.1 m it only touches them."""
    from engine import edits
    from engine.model import Rack
    from engine.templates import instantiate

    lay = instantiate("dgx-b300-superpod", {}, catalog=catalog)
    for y, want in ((1.3, ["The rear door of GPU-0001 overlaps X1",
                           "The rear door of GPU-0002 overlaps X1"]), (1.2, [])):
        out = edits.add_racks(lay, [Rack(id="X1", type="rack-600x1200", x_m=5.1, y_m=y,
                                         rotation_deg=90)])
        a = analyze(out, catalog)
        assert [v.message for v in a.violations if v.code == "FLOOR-OVERLAP"] == want


def test_footprint_outside_the_hall(builder, catalog):
    # rack half extents 0.4 x 0.6 m; at x = 0.3 it reaches x = -0.1
    a = analyze(builder(10, 8).rack("R1", 0.3, 2).rack("R2", 0.4, 0.6).rack("R3", 9.7, 7.5)
                .build(), catalog)
    assert found(a, "FLOOR-OUTSIDE") == [("R1",), ("R3",)]  # R2 touches the corner: inside


def test_l_shaped_hall(catalog):
    from engine.model import Hall, Layout, Rack

    hall = Hall(outline=[(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)])
    lay = Layout(hall=hall, racks=[Rack(id="IN", type="rack-800x1200", x_m=2, y_m=8),
                                   Rack(id="NOTCH", type="rack-800x1200", x_m=7, y_m=7)])
    a = analyze(lay, catalog)
    assert found(a, "FLOOR-OUTSIDE") == [("NOTCH",)]
    assert a.floor.hall_area_m2 == pytest.approx(64.0)


def test_rack_on_a_column(builder, catalog):
    lay = (builder().rack("R1", 2, 2).rack("R2", 6, 2).obstacle("COL1", 1.9, 1.9, 2.5, 2.5)
           .obstacle("COL2", 6.4, 1.0, 7.0, 1.6).build())
    a = analyze(lay, catalog)
    assert found(a, "FLOOR-OBSTACLE") == [("R1", "COL1")]  # R2 only touches COL2's edge


def _facing_rows(builder, gap_m):
    # R1 faces +y (rotation 180), front face at y = 2.6; R2 faces -y, front at 2.6 + gap
    return (builder().rack("R1", 3, 2, rotation_deg=180)
            .rack("R2", 3, 2.6 + gap_m + 0.6, rotation_deg=0).build())


def test_aisle_narrower_than_the_clearance_is_flagged(builder, catalog):
    a = analyze(_facing_rows(builder, 1.0), catalog)
    assert found(a, "FLOOR-AISLE") == [("R1", "R2"), ("R2", "R1")]
    assert all(v.severity == "warning" for v in a.violations if v.code == "FLOOR-AISLE")
    assert found(analyze(_facing_rows(builder, 1.2), catalog), "FLOOR-AISLE") == []


def test_fronts_facing_fronts_keep_the_air_apart(builder, catalog):
    # a cold aisle: R1 faces +y, R2 faces -y; their rears face away from each other
    assert found(analyze(_facing_rows(builder, 1.2), catalog), "FLOOR-AIRFLOW") == []


def test_a_row_turned_the_wrong_way_takes_in_the_exhaust_of_the_next(builder, catalog):
    # both face +y (rotation 180): R2's rear faces R1's front across a 1.2 m aisle, so R1
    # draws R2's 40.8 kW (4 x DGX H100, all to air) of exhaust
    lay = (builder().rack("R1", 3, 2, rotation_deg=180)
           .rack("R2", 3, 2.6 + 1.2 + 0.6, rotation_deg=180).build())
    a = analyze(lay, catalog)
    assert found(a, "FLOOR-AIRFLOW") == [("R1", "R2")]
    v = next(v for v in a.violations if v.code == "FLOOR-AIRFLOW")
    assert v.severity == "error" and "40.8 kW" in v.message
    # across the 3.6 m a missing rack leaves between two rows (and a little more) the
    # exhaust still reaches it; beyond ten tiles (6.0 m) it no longer counts as reaching it
    def apart(gap_m):
        return (builder().rack("R1", 3, 2, rotation_deg=180)
                .rack("R2", 3, 2.6 + gap_m + 0.6, rotation_deg=180).build())

    assert found(analyze(apart(3.6), catalog), "FLOOR-AIRFLOW") == [("R1", "R2")]
    assert found(analyze(apart(3.7), catalog), "FLOOR-AIRFLOW") == [("R1", "R2")]
    assert found(analyze(apart(5.9), catalog), "FLOOR-AIRFLOW") == [("R1", "R2")]
    assert found(analyze(apart(6.1), catalog), "FLOOR-AIRFLOW") == []
    # a rear door on R2 takes its heat out of the air: nothing hot reaches R1
    doored = (builder().rack("R1", 3, 2, rotation_deg=180)
              .rack("R2", 3, 2.6 + 1.2 + 0.6, rotation_deg=180).door("RD2", "R2", 50).build())
    assert found(analyze(doored, catalog), "FLOOR-AIRFLOW") == []


def test_an_empty_rack_in_the_exhaust_is_a_warning_until_it_holds_hardware(builder, catalog):
    # R1, an empty frame, faces R2's rear: nothing in it takes in the hot air yet
    lay = (builder().rack("R1", 3, 2, devices=(), rotation_deg=180)
           .rack("R2", 3, 2.6 + 1.2 + 0.6, rotation_deg=180).build())
    v = next(v for v in analyze(lay, catalog).violations if v.code == "FLOOR-AIRFLOW")
    assert v.severity == "warning" and v.items == ("R1", "R2")
    assert v.message.endswith("; R1 draws no power yet")


def test_a_rack_with_a_rear_door_in_the_exhaust_is_an_error(builder, catalog):
    # R1's own heat goes to its rear door (none of it to room air), but its front still
    # takes in R2's 40.8 kW of exhaust: its servers breathe hot air, an error, not the
    # warning of a rack that draws no power yet
    lay = (builder().rack("R1", 3, 2, rotation_deg=180)
           .rack("R2", 3, 2.6 + 1.2 + 0.6, rotation_deg=180).door("RD1", "R1", 50).build())
    a = analyze(lay, catalog)
    assert a.cooling.rack_air_kw[0] <= 0.05 < a.power.rack_kw[0]
    v = next(v for v in a.violations if v.code == "FLOOR-AIRFLOW")
    assert v.severity == "error" and v.items == ("R1", "R2")
    assert "draws no power" not in v.message


def test_aisle_clearance_is_an_assumption(builder, catalog):
    lay = _facing_rows(builder, 1.0)
    relaxed = lay.model_copy(update={"assumptions": lay.assumptions.model_copy(
        update={"aisle_clearance_m": 0.9})})
    assert found(analyze(relaxed, catalog), "FLOOR-AISLE") == []


def test_neighbours_in_a_row_do_not_block_aisles(builder, catalog):
    b = builder()
    for i in range(6):
        b.rack(f"R{i}", 2 + 0.8 * i, 3, rotation_deg=180)
    a = analyze(b.build(), catalog)
    assert found(a, "FLOOR-AISLE") == [] and found(a, "FLOOR-OVERLAP") == []


def test_unit_in_front_of_a_rack_blocks_its_aisle(builder, catalog):
    a = analyze(builder().rack("R1", 3, 3, rotation_deg=0).crah("C1", 3, 1.6, 100,
                                                                width_m=2, depth_m=0.8)
                .build(), catalog)
    assert found(a, "FLOOR-AISLE") == [("R1", "C1")]


def test_rotated_rack_footprint(builder, catalog):
    a = analyze(builder().rack("R1", 5, 5, rotation_deg=90).build(), catalog)
    # 800 x 1200 mm turned a quarter: 1.2 m along x, 0.8 m along y
    assert a.floor.box[0].tolist() == pytest.approx([4.4, 4.6, 5.6, 5.4])
    hx, hy = rack_geometry(0, 0, np.array([0.8]), np.array([1.2]), np.array([270]))
    assert (hx.tolist(), hy.tolist()) == ([0.6], [0.4])
    fx, fy = front_vectors(np.array([0, 90, 180, 270]))
    assert fx.tolist() == [0.0, 1.0, 0.0, -1.0] and fy.tolist() == [-1.0, 0.0, 1.0, 0.0]


def test_floor_loading_against_a_hand_calculation(builder, catalog):
    # 4 x 130.45 kg (DGX H100 [S01]) + 150 kg empty 800 mm rack (estimate) = 671.8 kg
    # over 0.8 x 1.2 = 0.96 m2 -> 699.8 kg/m2
    lay = builder(floor_rating_kg_m2=600).rack("R1", 2, 2).build()
    a = analyze(lay, catalog)
    assert a.arrays.rack_weight_kg[0] == pytest.approx(671.8)
    assert a.floor.rack_load_kg_m2[0] == pytest.approx(671.8 / 0.96)
    assert a.to_dict()["floor"]["max_load_kg_m2"] == 699.8
    v = next(v for v in a.violations if v.code == "FLOOR-LOAD")
    assert v.items == ("R1",) and "700 kg/m²" in v.message and "600 kg/m²" in v.message
    ok = builder(floor_rating_kg_m2=1200).rack("R1", 2, 2).build()
    assert found(analyze(ok, catalog), "FLOOR-LOAD") == []


def test_nvl72_rack_loads_a_standard_floor_over_its_rating(builder, catalog):
    # GB200 NVL72 1,360 kg [S44] on 0.600 x 1.068 m = 2,122 kg/m2 > 1,200 kg/m2
    lay = builder().rack("N1", 3, 3, rack_type="nvl72-rack", system="gb200-nvl72").build()
    a = analyze(lay, catalog)
    assert a.floor.rack_load_kg_m2[0] == pytest.approx(1360 / (0.6 * 1.068))
    assert found(a, "FLOOR-LOAD") == [("N1",)]


def test_areas(builder, catalog):
    a = analyze(builder(20, 12).rack("R1", 2, 2).crah("C1", 10, 10, 100, width_m=2,
                                                      depth_m=1).build(), catalog)
    assert a.floor.hall_area_m2 == 240.0
    assert a.floor.occupied_area_m2 == pytest.approx(0.96 + 2.0)


def test_devices_beyond_the_rack_or_clashing_in_u(builder, catalog):
    lay = (builder().rack("R1", 2, 2, devices=("dgx-h100", "dgx-h100"), pitch_u=4)
           .rack("R2", 4, 2, devices=("dgx-h100",), first_u=45).build())
    a = analyze(lay, catalog)
    by_code = {v.code: v for v in a.violations if v.code.startswith("RACK-U")}
    assert set(by_code) == {"RACK-U-CONFLICT", "RACK-U-OVERFLOW"}
    assert by_code["RACK-U-CONFLICT"].items == ("R1",)
    assert "U7" in by_code["RACK-U-CONFLICT"].message  # the second DGX at U7 hits U3..U10
    assert by_code["RACK-U-OVERFLOW"].items == ("R2",)
    assert "U52" in by_code["RACK-U-OVERFLOW"].message  # 8U from U45 ends at U52 > 48U


box_strategy = st.tuples(st.floats(-20, 20), st.floats(-20, 20), st.floats(0, 6),
                         st.floats(0, 6)).map(lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@given(st.lists(box_strategy, max_size=40), st.lists(box_strategy, min_size=1, max_size=40))
def test_grid_candidates_contain_every_intersecting_pair(a, b):
    a = np.array(a, dtype=float).reshape(-1, 4)
    b = np.array(b, dtype=float).reshape(-1, 4)
    i, j = candidate_pairs(a, b)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    want = {(p, q) for p in range(len(a)) for q in range(len(b))
            if a[p, 0] <= b[q, 2] and b[q, 0] <= a[p, 2] and a[p, 1] <= b[q, 3]
            and b[q, 1] <= a[p, 3]}
    assert want <= got


def test_overlapping_pairs_equal_brute_force():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 30, 400), rng.uniform(0, 30, 400)
    b = boxes(x, y, np.full(400, 0.4), np.full(400, 0.6))
    want = [[i, j] for i in range(400) for j in range(i + 1, 400)
            if min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0]) > 1e-6
            and min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1]) > 1e-6]
    assert len(want) > 20
    assert overlapping_pairs(b).tolist() == want


def test_a_row_between_takes_the_exhaust_first(builder, catalog):
    # R1 and R3 both face +y, 3.5 m apart (within the 6.0 m reach), but R2 stands between
    # them back to back with R3 (a hot aisle): R3's exhaust meets R2's rear, not R1's
    # intake, as in a SuperPOD hall whose network row sits between two compute rows
    def hall(with_middle):
        b = builder().rack("R1", 3, 2, rotation_deg=180)
        if with_middle:
            b = b.rack("R2", 3, 2.6 + 1.2 + 0.6, rotation_deg=0)
        return b.rack("R3", 3, 2.6 + 3.5 + 0.6, rotation_deg=180).build()

    assert found(analyze(hall(True), catalog), "FLOOR-AIRFLOW") == []
    assert found(analyze(hall(False), catalog), "FLOOR-AIRFLOW") == [("R1", "R3")]


def test_floor_cache_retests_only_moved_racks_with_the_same_result(builder):
    b = builder(30, 20).obstacle("COL", 10, 10, 10.6, 10.6)
    rng = np.random.default_rng(11)
    for i in range(60):
        b.rack(f"R{i}", float(rng.uniform(1, 29)), float(rng.uniform(1, 19)),
               rotation_deg=int(rng.choice([0, 90, 180, 270])))
    lay = b.crah("C1", 15, 1, 100).build()
    x = np.array([r.x_m for r in lay.racks])
    y = np.array([r.y_m for r in lay.racks])
    rot = np.array([r.rotation_deg for r in lay.racks])
    w, d, kg = np.full(60, 0.8), np.full(60, 1.2), np.full(60, 500.0)
    cache = FloorCache()

    def run(x, y, rot, cache):
        hx, hy = rack_geometry(x, y, w, d, rot)
        return analyze_floor(lay, boxes(x, y, hx, hy), front_vectors(rot), kg, cache=cache)

    run(x, y, rot, cache)
    for step in range(40):
        i = int(rng.integers(60))
        x, y, rot = x.copy(), y.copy(), rot.copy()
        x[i], y[i] = rng.uniform(0, 30), rng.uniform(0, 20)
        if step % 3 == 0:
            rot[i] = (rot[i] + 90) % 360
        inc = run(x, y, rot, cache)
        full = run(x, y, rot, None)
        assert np.array_equal(inc.overlaps, full.overlaps)
        assert np.array_equal(inc.aisle_blocked, full.aisle_blocked)
        # a rack moved out from between two others unblocks their pair: same as a full run
        assert np.array_equal(inc.exhaust_into_intake, full.exhaust_into_intake)
        assert np.array_equal(inc.outside, full.outside)
        assert inc.on_obstacle == full.on_obstacle
    assert len(full.overlaps) and len(full.aisle_blocked) and len(full.outside)


def test_self_crossing_outline_and_obstacle_do_not_crash(catalog):
    # regression: a bow-tie obstacle made shapely raise a TopologyException mid-analysis
    from engine.model import Hall, Layout, Obstacle, Rack

    bow = Obstacle(id="BOW", polygon=[(1, 1), (3, 3), (3, 1), (1, 3)])
    lay = Layout(hall=Hall(outline=[(0, 0), (10, 0), (10, 10), (0, 10)], obstacles=[bow]),
                 racks=[Rack(id="R1", type="rack-800x1200", x_m=2, y_m=2)])
    assert found(analyze(lay, catalog), "FLOOR-OBSTACLE") == [("R1", "BOW")]
    twisted = Layout(hall=Hall(outline=[(0, 0), (10, 10), (10, 0), (0, 10)]),
                     racks=[Rack(id="R1", type="rack-800x1200", x_m=2, y_m=2)])
    a = analyze(twisted, catalog)
    assert a.floor.hall_area_m2 == pytest.approx(50.0)  # two triangles of 25 m2
    assert found(a, "FLOOR-OUTSIDE") == [("R1",)]


def test_a_pile_of_racks_in_one_place_is_reported_in_bounded_time_and_memory(builder, catalog):
    """A bad file or a paste gone wrong can put thousands of racks on one spot: n^2 / 2
    overlaps. Every rack of the pile is still named, the pairs are summed up past the
    first MAX_LISTED_PAIRS, and the pair search stays within its budget."""
    import engine.floor as floor

    n = 3000
    b = builder(20, 20)
    for k in range(n):
        b = b.rack(f"P{k}", 5, 5)
    a = analyze(b.build(), catalog)
    over = [v for v in a.violations if v.code == "FLOOR-OVERLAP"]
    assert len(over) == floor.MAX_LISTED_PAIRS + 1
    assert "more overlapping footprints" in over[-1].message
    # every rack of the pile is found, not just the first few
    assert len(np.unique(a.floor.overlaps)) == n
    assert f"{n:,} items in all" in over[-1].message
    assert len(a.floor.overlaps) <= floor.PAIR_BUDGET
    # an ordinary overlap is still one pair, one violation (see the tests above)
    qi, qj = candidate_pairs(np.zeros((n, 4)) + [0, 0, 1, 1], np.zeros((n, 4)) + [0, 0, 1, 1])
    assert len(qi) <= floor.PAIR_BUDGET


def test_an_obstacle_that_misses_the_hall_is_flagged_one_on_its_edge_is_not(builder, catalog):
    from engine.model import Obstacle

    lay = builder(10, 8).rack("R1", 2, 2).build()
    hall = lay.hall.model_copy(update={"obstacles": [
        Obstacle(id="W-edge", kind="wall", polygon=[(-0.1, 0), (0.1, 0), (0.1, 8), (-0.1, 8)]),
        Obstacle(id="W-away", kind="wall", polygon=[(20, 0), (20.2, 0), (20.2, 8), (20, 8)])]})
    a = analyze(lay.model_copy(update={"hall": hall}), catalog)
    assert found(a, "FLOOR-OBSTACLE-OUTSIDE") == [("W-away",)]


def _ceiling(lay, catalog):
    return [v for v in analyze(lay, catalog).violations if v.code == "FLOOR-CEILING"]


def test_racks_taller_than_the_ceiling_are_errors(builder, catalog):
    # a 48U rack holds 48 x 44.45 mm = 2.13 m of U space: under a 2.0 m ceiling it cannot
    # stand; under the default 4.5 m it can
    lay = builder(20, 12).rack("R1", 5, 5).rack("R2", 7, 5).build()
    assert _ceiling(lay, catalog) == []
    low = lay.model_copy(update={"hall": lay.hall.model_copy(update={"ceiling_height_m": 2.0})})
    # the racks, and the default trays at 2.7 m, are errors
    racks, trays = _ceiling(low, catalog)
    assert racks.severity == trays.severity == "error"
    assert racks.items == ("R1", "R2") and "2.13 m" in racks.message and "2.00 m" in racks.message
    assert trays.items == ("@layout",)


def test_trays_above_the_ceiling_through_the_racks_or_under_a_solid_floor(builder, catalog):
    from engine.model import CableTray

    lay = builder(20, 12).rack("R1", 5, 5).build()

    def with_tray(z, **hall):
        tray = CableTray(id="TR-1", points=[(0.0, 4.0), (10.0, 4.0)], elevation_m=z)
        return lay.model_copy(update={"trays": [tray],
                                      "hall": lay.hall.model_copy(update=hall)})

    assert _ceiling(with_tray(2.7), catalog) == []
    (high,) = _ceiling(with_tray(10.0), catalog)
    assert (high.severity, high.items) == ("error", ("TR-1",)) and "4.50 m ceiling" in high.message
    (low,) = _ceiling(with_tray(1.5), catalog)
    assert low.severity == "warning" and "below the tops of the racks (2.13 m)" in low.message
    (under,) = _ceiling(with_tray(-0.3), catalog)
    assert under.severity == "warning" and "raised floor" in under.message
    assert _ceiling(with_tray(-0.3, raised_floor=True), catalog) == []
    # no trays drawn: the default trays' elevation is the one checked
    bare = lay.model_copy(update={"assumptions": lay.assumptions.model_copy(
        update={"tray_elevation_m": 6.0})})
    (dflt,) = _ceiling(bare, catalog)
    assert dflt.items == ("@layout",) and "tray_elevation_m" in dflt.message


@pytest.mark.parametrize("gap_m, expected", [(0.0, []), (0.6, [("R2", "R3")]),
                                             (1.19, [("R2", "R3")]), (1.2, [])])
def test_a_gap_in_a_row_narrower_than_an_aisle_lets_hot_air_back(builder, catalog, gap_m,
                                                                 expected):
    """Four 800 mm racks of 4 DGX H100 in a row: a gap between the second and the third
    narrower than the 1.2 m aisle clearance is open to the hot aisle behind (a
    warning); one as wide as an aisle is a cross aisle; none is a closed row."""
    b = builder(16, 8)
    for k, x in enumerate([2.0, 2.8, 3.6 + gap_m, 4.4 + gap_m]):
        b = b.rack(f"R{k + 1}", x, 3.0, row="A")
    a = analyze(b.build(), catalog)
    assert found(a, "FLOOR-ROW-GAP") == expected
    if expected:
        msg = next(v.message for v in a.violations if v.code == "FLOOR-ROW-GAP")
        assert f"Row A has a {gap_m:.2f} m gap between R2 and R3" in msg


def test_a_row_gap_filled_by_a_unit_or_a_column_or_turned_is_none(builder, catalog):
    """An in-row cooler or a building column standing in the gap closes it; racks facing
    another way or set back are no row with it; empty racks give no hot air."""
    def row(b, **kw):
        return b.rack("R1", 2.0, 3.0, **kw).rack("R2", 3.4, 3.0, **kw)  # a 0.6 m gap

    assert found(analyze(row(builder(16, 8)).build(), catalog), "FLOOR-ROW-GAP") == [
        ("R1", "R2")]
    unit = row(builder(16, 8)).crah("IRC", 2.7, 3.0, 40, width_m=0.6, depth_m=1.2)
    assert found(analyze(unit.build(), catalog), "FLOOR-ROW-GAP") == []
    column = row(builder(16, 8)).obstacle("COL", 2.5, 2.8, 2.9, 3.2)
    assert found(analyze(column.build(), catalog), "FLOOR-ROW-GAP") == []
    turned = builder(16, 8).rack("R1", 2.0, 3.0).rack("R2", 3.4, 3.0, rotation_deg=180)
    assert found(analyze(turned.build(), catalog), "FLOOR-ROW-GAP") == []
    set_back = builder(16, 8).rack("R1", 2.0, 3.0).rack("R2", 3.4, 3.3)
    assert found(analyze(set_back.build(), catalog), "FLOOR-ROW-GAP") == []
    empty = row(builder(16, 8), devices=[])
    assert found(analyze(empty.build(), catalog), "FLOOR-ROW-GAP") == []


def test_a_rack_turned_against_its_row_is_named(builder, catalog):
    """Four racks of row A face one way; a fifth set at the row's end turned round (as a
    rack dragged across the aisle to the end of the other row is) takes in the row's
    exhaust: it is named, not its neighbour. Two racks with no row name: both."""
    b = builder(16, 8)
    for k in range(4):
        b = b.rack(f"R{k + 1}", 2.0 + 0.8 * k, 3.0, row="A")
    b = b.rack("R5", 5.2, 3.0, row="A", rotation_deg=180)
    a = analyze(b.build(), catalog)
    v = [x for x in a.violations if x.code == "FLOOR-ROW-FACING"]
    assert [x.items for x in v] == [("R5",)]
    assert v[0].message.startswith("R5 faces the other way from R4 beside it and the rest "
                                   "of row A")
    # one turned in the middle of its row: named once, not once per neighbour
    mid = builder(16, 8)
    for k in range(5):
        mid = mid.rack(f"M{k + 1}", 2.0 + 0.8 * k, 3.0, row="B",
                       rotation_deg=180 if k == 2 else 0)
    assert found(analyze(mid.build(), catalog), "FLOOR-ROW-FACING") == [("M3",)]
    pair = builder(16, 8).rack("P1", 2.0, 3.0).rack("P2", 2.8, 3.0, rotation_deg=180)
    assert found(analyze(pair.build(), catalog), "FLOOR-ROW-FACING") == [("P1", "P2")]
    # back to back across an aisle, or an aisle apart along the line: no neighbours
    apart = builder(16, 8).rack("P1", 2.0, 3.0).rack("P2", 4.0, 3.0, rotation_deg=180)
    assert found(analyze(apart.build(), catalog), "FLOOR-ROW-FACING") == []
    rows = builder(16, 8).rack("P1", 2.0, 3.0).rack("P2", 2.0, 1.8, rotation_deg=180)
    assert found(analyze(rows.build(), catalog), "FLOOR-ROW-FACING") == []


def test_a_rack_scale_system_in_another_rack_type_is_an_error():
    """A GB200 NVL72 comes in its own NVL72 MGX rack; set in a generic 800 mm rack its
    footprint and enclosure weight are the wrong rack's. The error says which type it
    needs, from a full analysis and from an incremental one alike."""
    from engine.analysis import Analyzer
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1})
    nvl = next(r for r in lay.racks if r.system)
    assert not found(analyze(lay), "RACK-U-ENCLOSURE")
    wrong = lay.model_copy(deep=True)
    k = next(i for i, r in enumerate(wrong.racks) if r.id == nvl.id)
    wrong.racks[k] = nvl.model_copy(update={"type": "rack-800x1200"})
    full = [v for v in analyze(wrong).violations if v.code == "RACK-U-ENCLOSURE"]
    assert [v.items for v in full] == [(nvl.id,)] and full[0].severity == "error"
    assert full[0].message.endswith("set the rack type to nvl72-rack")
    live = Analyzer(lay)
    again = live.update(wrong, [nvl.id])
    assert [v.message for v in again.violations if v.code == "RACK-U-ENCLOSURE"] == \
        [full[0].message]
    assert not [v for v in live.update(lay, [nvl.id]).violations
                if v.code == "RACK-U-ENCLOSURE"]


def test_a_rear_door_narrows_the_hot_aisle_it_stands_in():
    # two rows back to back 1.2 m apart (rack backs): with 0.2 m rear doors on both,
    # 0.8 m is left between the door faces, less than the 1.2 m clearance
    from engine.model import CoolingUnit, Hall, Layout, Rack

    a = Rack(id="A", type="rack-600x1200", x_m=5.0, y_m=3.0, rotation_deg=0)
    b = Rack(id="B", type="rack-600x1200", x_m=5.0, y_m=5.4, rotation_deg=180)
    hall = Hall(outline=[(0, 0), (10, 0), (10, 10), (0, 10)])
    bare = Layout(hall=hall, racks=[a, b])
    doors = [CoolingUnit(id=f"RD-{r.id}", kind="rear_door", x_m=r.x_m, y_m=r.y_m,
                         capacity_kw=75, width_m=0.6, depth_m=0.2, rack=r.id) for r in (a, b)]
    from engine.analysis import analyze

    def aisle(lay):
        return [v.message for v in analyze(lay).violations if v.code == "FLOOR-AISLE"]
    # A (turned 0) and B (turned 180) have their backs to each other: a 1.2 m hot aisle
    assert aisle(bare) == []
    msgs = aisle(bare.model_copy(update={"cooling": doors}))
    assert msgs and "rear doors of A and B included" in msgs[0]


def test_templates_leave_a_whole_hot_aisle_between_rear_doors():
    # DGX B300 racks carry rear doors: the rows stand the doors' depth further apart
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-b300-superpod", {})
    assert any(u.kind == "rear_door" for u in lay.cooling)
    assert not [v for v in analyze(lay).violations if v.code == "FLOOR-AISLE"]


def test_incremental_aisle_checks_with_rear_doors_equal_full_ones():
    # racks with rear doors moved one by one: the update's floor findings are the full
    # analysis's, the doors' depth taken along in both
    import random

    from engine import edits
    from engine.analysis import Analyzer, analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-b300-superpod", {})
    an = Analyzer(lay)
    rng = random.Random(1)
    cur = lay
    seen = 0
    for _ in range(6):
        r = rng.choice([x for x in cur.racks if x.id.startswith("GPU")])
        cur = edits.move_items(cur, {r.id: (r.x_m, r.y_m + rng.choice([-1.2, -0.6, 0.6, 1.2]))})
        inc, full = an.update(cur, [r.id]), analyze(cur)
        a = sorted((v.code, v.message) for v in inc.violations if v.code.startswith("FLOOR"))
        assert a == sorted((v.code, v.message) for v in full.violations
                           if v.code.startswith("FLOOR"))
        seen = max(seen, len(a))
    assert seen > 0  # the moves did break aisles


def test_a_rack_half_a_rack_off_its_row_line_is_said(catalog):
    # a rack of row R01 set 0.6 m forward of the row's line stands half in the aisle: it
    # keeps the row's label, and the check says it is out of line; one 0.1 m off is not
    from engine.templates import instantiate

    cat = catalog
    lay = instantiate("dgx-h100-hall", {"racks": 8, "racks_per_row": 8}, catalog=cat)
    r = next(x for x in lay.racks if x.row == "R01")
    for dy, said in ((0.6, True), (0.1, False)):
        moved = lay.model_copy(update={"racks": [x.model_copy(update={"y_m": x.y_m + dy})
                                                 if x.id == r.id else x for x in lay.racks]})
        v = [x for x in analyze(moved, cat).violations if x.code == "FLOOR-ROW-LINE"]
        assert bool(v) == said
        if said:
            assert v[0].items == (r.id,) and "0.60 m out of row R01's line" in v[0].message
