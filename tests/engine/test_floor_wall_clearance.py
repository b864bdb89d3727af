"""Aisle clearance against the hall: the wall (FLOOR-AISLE-WALL), columns and wall pieces.

An 800 x 1200 mm rack at rotation 0 faces -y: its front is 0.6 m below its centre and
its back 0.6 m above. At rotation 90 it faces +x, 1.2 m along x: front 0.6 m right of
its centre, back 0.6 m left. The clearance asked is 1.2 m (``aisle_clearance_m``).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.analysis import Analyzer, analyze
from engine.compile import front_vectors, rack_geometry
from engine.floor import FloorCache, analyze_floor, boxes, wall_clearance
from engine.model import Hall, Layout, Obstacle, Rack

CLEAR = "1.20 m clearance asked (aisle_clearance_m)"


def wall(analysis):
    return [(v.items, v.message) for v in analysis.violations if v.code == "FLOOR-AISLE-WALL"]


def aisle(analysis):
    return [v.items for v in analysis.violations if v.code == "FLOOR-AISLE"]


def test_a_back_0_6_m_from_the_wall_is_flagged_1_2_m_is_not(builder, catalog):
    # 10 x 8 m hall; the back at y = 6.8 + 0.6 = 7.4, 0.6 m from the wall at y = 8; the
    # front at 6.2 with the whole hall below it
    a = analyze(builder(10, 8).rack("R01-03", 5, 6.8).build(), catalog)
    assert wall(a) == [(("R01-03",), f"R01-03's back is 0.60 m from the hall wall; {CLEAR}")]
    v = next(v for v in a.violations if v.code == "FLOOR-AISLE-WALL")
    assert v.severity == "warning"
    assert a.floor.aisle_wall_m[0, 0] != a.floor.aisle_wall_m[0, 0]  # front: NaN, clear
    assert a.floor.aisle_wall_m[0, 1] == pytest.approx(0.6)
    # back at 6.8, 1.2 m from the wall: exactly the clearance
    assert wall(analyze(builder(10, 8).rack("R1", 5, 6.2).build(), catalog)) == []
    # 1 cm short of it
    a = analyze(builder(10, 8).rack("R1", 5, 6.21).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's back is 1.19 m from the hall wall; {CLEAR}")]


def test_the_front_near_the_bottom_wall_and_a_gb200_nvl72_rack(builder, catalog):
    # front at 1.5 - 0.6 = 0.9 m
    a = analyze(builder(10, 8).rack("R1", 3, 1.5).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's front is 0.90 m from the hall wall; {CLEAR}")]
    # a GB200 NVL72 rack, 0.600 x 1.068 m: its front at 1.034 - 0.534 = 0.5 m from y = 0
    lay = builder(10, 8).rack("N1", 5, 1.034, rack_type="nvl72-rack",
                              system="gb200-nvl72").build()
    assert wall(analyze(lay, catalog)) == [
        (("N1",), f"N1's front is 0.50 m from the hall wall; {CLEAR}")]


def test_a_rack_turned_a_quarter_near_a_side_wall(builder, catalog):
    # rotation 90 faces +x: the back at 1.2 - 0.6 = 0.6 m from the wall at x = 0
    a = analyze(builder(10, 8).rack("R1", 1.2, 4, rotation_deg=90).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's back is 0.60 m from the hall wall; {CLEAR}")]
    # rotation 270 faces -x: now its front is the side 0.6 m from that wall
    a = analyze(builder(10, 8).rack("R1", 1.2, 4, rotation_deg=270).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's front is 0.60 m from the hall wall; {CLEAR}")]
    # at x = 1.8 it is 1.2 m away; turned at the right wall (x = 10), front 0.7 m from it
    assert wall(analyze(builder(10, 8).rack("R1", 1.8, 4, rotation_deg=90).build(),
                        catalog)) == []
    a = analyze(builder(10, 8).rack("R1", 8.7, 4, rotation_deg=90).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's front is 0.70 m from the hall wall; {CLEAR}")]


def test_a_side_against_the_wall_needs_no_clearance(builder, catalog):
    # facing +x, 0.8 m along y: R1's side stands on the wall at y = 0, R2 beside it in
    # the row; fronts and backs clear
    a = analyze(builder(10, 8).rack("R1", 5, 0.4, rotation_deg=90)
                .rack("R2", 5, 1.2, rotation_deg=90).build(), catalog)
    assert wall(a) == [] and aisle(a) == []
    assert [v.code for v in a.violations if v.code.startswith("FLOOR")] == []


def test_front_and_back_both_short_and_a_back_against_the_wall(builder, catalog):
    # a 2.4 m deep corridor: 0.6 m on either side of the rack
    a = analyze(builder(10, 2.4).rack("R1", 5, 1.2).build(), catalog)
    assert wall(a) == [(("R1",), "R1's front is 0.60 m from the hall wall and its back "
                                 f"0.60 m from it; {CLEAR}")]
    a = analyze(builder(10, 8).rack("R1", 5, 7.4).build(), catalog)
    assert wall(a) == [(("R1",), f"R1's back is against the hall wall; {CLEAR}")]


def test_a_rack_outside_the_hall_is_left_to_floor_outside(builder, catalog):
    a = analyze(builder(10, 8).rack("R1", 5, 7.6).build(), catalog)
    assert [v.items for v in a.violations if v.code == "FLOOR-OUTSIDE"] == [("R1",)]
    assert wall(a) == []


def test_the_clearance_is_the_assumption(builder, catalog):
    lay = builder(10, 8).rack("R1", 5, 6.8).assume(aisle_clearance_m=0.5).build()
    assert wall(analyze(lay, catalog)) == []
    lay = builder(10, 8).rack("R1", 5, 6.8).assume(aisle_clearance_m=0.9).build()
    assert wall(analyze(lay, catalog)) == [
        (("R1",), "R1's back is 0.60 m from the hall wall; 0.90 m clearance asked "
                  "(aisle_clearance_m)")]
    lay = builder(10, 8).rack("R1", 5, 7.4).assume(aisle_clearance_m=0).build()
    assert wall(analyze(lay, catalog)) == []


def test_an_l_shaped_hall_whose_inner_corner_cuts_into_a_strip(catalog):
    # the notch's wall runs along y = 4 from x = 4 to 10. R1 faces +y (rotation 180),
    # x 3.4 to 4.2, front at y = 3.2: its strip's right part meets that wall 0.8 m out
    hall = Hall(outline=[(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)])
    lay = Layout(hall=hall, racks=[Rack(id="R1", type="rack-800x1200", x_m=3.8, y_m=2.6,
                                        rotation_deg=180)])
    a = analyze(lay, catalog)
    assert wall(a) == [(("R1",), f"R1's front is 0.80 m from the hall wall; {CLEAR}")]
    # 1 m further left its strip passes the corner
    lay = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"x_m": 2.8})]})
    assert wall(analyze(lay, catalog)) == []


def test_columns_and_wall_pieces_in_a_strip_block_the_aisle_keepouts_do_not(builder, catalog):
    # R1 faces -y, front at 4.4: a column 0.5 m in front of it, a wall piece 1.0 m behind
    # its back (at 5.6), and a keep-out zone in front of R2
    lay = (builder(20, 12).rack("R1", 3, 5).rack("R2", 9, 5)
           .obstacle("COL1", 2.8, 3.5, 3.2, 3.9).build())
    pieces = [*lay.hall.obstacles,
              Obstacle(id="WALL1", kind="wall", polygon=[(2, 6.6), (4, 6.6), (4, 6.8), (2, 6.8)]),
              Obstacle(id="KEEP1", kind="keepout", polygon=[(8, 3.6), (10, 3.6), (10, 4.2),
                                                            (8, 4.2)])]
    lay = lay.model_copy(update={"hall": lay.hall.model_copy(update={"obstacles": pieces})})
    a = analyze(lay, catalog)
    assert aisle(a) == [("R1", "COL1"), ("R1", "WALL1")]
    v = next(v for v in a.violations if v.code == "FLOOR-AISLE")
    assert v.severity == "warning" and v.message == "R1 has COL1 within 1.20 m of its front or rear"
    assert a.floor.aisle_obstacles == [(0, "COL1"), (0, "WALL1")]
    # 1.3 m away the column no longer blocks it
    far = lay.hall.obstacles[0].model_copy(update={"polygon": [(2.8, 2.7), (3.2, 2.7),
                                                               (3.2, 3.1), (2.8, 3.1)]})
    hall = lay.hall.model_copy(update={"obstacles": [far, *pieces[1:]]})
    assert aisle(analyze(lay.model_copy(update={"hall": hall}), catalog)) == [("R1", "WALL1")]


def test_wall_clearance_gives_the_depth_per_side(catalog):
    # the function's racks are boxes with their fronts: as the analysis
    box = np.array([[4.6, 6.2, 5.4, 7.4], [0.6, 3.6, 1.8, 4.4], [4.6, 3.0, 5.4, 4.2]])
    fx, fy = front_vectors(np.array([0, 90, 0]))
    depth = wall_clearance([(0, 0), (10, 0), (10, 8), (0, 8)], box, fx, fy, 1.2)
    assert np.isnan(depth[:, 0]).all()
    assert depth[:2, 1].tolist() == pytest.approx([0.6, 0.6])
    assert np.isnan(depth[2, 1])


# -- the incremental analysis ------------------------------------------------------------


def _same(inc, full):
    assert inc.to_dict() == full.to_dict()
    assert np.array_equal(inc.floor.aisle_wall_m, full.floor.aisle_wall_m, equal_nan=True)
    assert inc.floor.aisle_obstacles == full.floor.aisle_obstacles


def test_moving_toward_and_away_from_the_wall_incrementally_equals_a_full_analysis(
        builder, catalog):
    lay = (builder(12, 8).rack("R1", 3, 4).rack("R2", 6, 4, rotation_deg=90)
           .rack("R3", 9, 4).obstacle("COL1", 5.6, 1.0, 6.0, 1.4).build())
    an = Analyzer(lay, catalog)
    _same(an.result, analyze(lay, catalog))
    assert wall(an.result) == []
    moves = [("R1", {"y_m": 6.8}), ("R3", {"y_m": 1.5}), ("R2", {"x_m": 1.2}),
             ("R1", {"y_m": 6.21}), ("R1", {"x_m": 5.8, "y_m": 2.6}),
             ("R2", {"x_m": 11.0, "y_m": 1.2}), ("R3", {"y_m": 4.0}),
             ("R1", {"x_m": 3.0, "y_m": 4.0}), ("R2", {"x_m": 6.0, "y_m": 4.0})]
    seen, columns = [], []
    for rid, upd in moves:
        racks = [r.model_copy(update=upd) if r.id == rid else r for r in lay.racks]
        lay = lay.model_copy(update={"racks": racks})
        result = an.update(lay, [rid])
        assert an.was_incremental
        _same(result, analyze(lay, catalog))
        seen.append([m for _, m in wall(result)])
        columns.append(aisle(result))
    assert seen[0] == [f"R1's back is 0.60 m from the hall wall; {CLEAR}"]
    assert seen[1][1] == f"R3's front is 0.90 m from the hall wall; {CLEAR}"
    assert f"R2's back is 0.60 m from the hall wall; {CLEAR}" in seen[2]
    # R1 at (5.8, 2.6): its front strip, y 0.8 to 2.0, takes in the column
    assert columns[4] == [("R1", "COL1")] and columns[-1] == []
    assert seen[-1] == []  # back where they started: nothing left over from the moves


def test_floor_cache_keeps_wall_and_obstacle_results_of_unmoved_racks(catalog):
    # an L-shaped hall (non-convex: the box test, not the corner test), a column, a wall
    # piece and a keep-out; random moves and turns, every one checked against a full run
    hall = Hall(outline=[(0, 0), (30, 0), (30, 8), (14, 8), (14, 20), (0, 20)],
                obstacles=[Obstacle(id="COL", polygon=[(6, 6), (6.6, 6), (6.6, 6.6), (6, 6.6)]),
                           Obstacle(id="W", kind="wall",
                                    polygon=[(0, 12), (5, 12), (5, 12.2), (0, 12.2)]),
                           Obstacle(id="K", kind="keepout",
                                    polygon=[(20, 2), (24, 2), (24, 5), (20, 5)])])
    lay = Layout(hall=hall)
    rng = np.random.default_rng(7)
    n = 40
    x, y = rng.uniform(0.5, 29.5, n), rng.uniform(0.5, 19.5, n)
    rot = rng.choice([0, 90, 180, 270], n)
    w, d, kg = np.full(n, 0.8), np.full(n, 1.2), np.full(n, 500.0)
    lay = lay.model_copy(update={"racks": [Rack(id=f"R{i}", type="rack-800x1200", x_m=0, y_m=0)
                                           for i in range(n)]})
    cache = FloorCache()

    def run(x, y, rot, cache):
        hx, hy = rack_geometry(x, y, w, d, rot)
        return analyze_floor(lay, boxes(x, y, hx, hy), front_vectors(rot), kg, cache=cache)

    run(x, y, rot, cache)
    flagged = obstructed = 0
    for step in range(60):
        x, y, rot = x.copy(), y.copy(), rot.copy()
        for i in rng.choice(n, size=1 + step % 2, replace=False).tolist():
            x[i], y[i] = rng.uniform(0, 30), rng.uniform(0, 20)
            if step % 3 == 0:
                rot[i] = (rot[i] + 90) % 360
        inc, full = run(x, y, rot, cache), run(x, y, rot, None)
        assert np.array_equal(inc.aisle_wall_m, full.aisle_wall_m, equal_nan=True)
        assert inc.aisle_obstacles == full.aisle_obstacles
        flagged += int((~np.isnan(full.aisle_wall_m)).any(axis=1).sum())
        obstructed += len(full.aisle_obstacles)
        assert "K" not in {oid for _, oid in full.aisle_obstacles}
    assert flagged and obstructed  # not vacuous
