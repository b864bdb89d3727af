"""Edits over thousands of items at once (a whole hall copied and pasted) give what one
item at a time gives: the feeds each footprint takes, the fresh ids, the overlaps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.edits import IdSet, fresh_id, overlapped
from engine.model import Hall, Layout, PowerFeed, Rack
from engine.power import TAP_OFF_REACH_M, box_segment_distance, nearest_feeds_many


def _one_at_a_time(layout: Layout, box) -> dict[str, str]:
    """Every run against the footprint: within reach, the nearest (to the mm) of each
    side, then the one passing nearest the centre, then the first listed."""
    b = np.asarray(box, float)
    c = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] * 2)
    best: dict[str, tuple] = {}
    for k, f in enumerate(layout.feeds):
        if len(f.points) < 2:
            continue
        p = np.asarray(f.points, float)
        seg = np.hstack([p[:-1], p[1:]])
        gap = float(box_segment_distance(np.tile(b, (len(seg), 1)), seg).min())
        mid = float(box_segment_distance(np.tile(c, (len(seg), 1)), seg).min())
        key = (round(gap, 3), mid, k)
        if gap <= TAP_OFF_REACH_M and (f.side not in best or key < best[f.side][0]):
            best[f.side] = (key, f.id)
    return {s: best[s][1] for s in sorted(best)}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_the_feeds_of_many_footprints_are_those_of_each_alone(seed):
    rng = np.random.default_rng(seed)
    feeds = [PowerFeed(id=f"F{k}", kind="busway", side=str(rng.choice(["A", "B"])),
                       voltage_v=415, phases=3, amps=400,
                       points=[(float(rng.integers(0, 20)) * 0.6, float(rng.integers(0, 12)) * 0.6)
                               for _ in range(int(rng.integers(1, 4)))])
             for k in range(int(rng.integers(1, 10)))]
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]), feeds=feeds)
    # footprints on a 0.3 m grid: many stand exactly at a joint or equally near two runs
    x, y = rng.integers(0, 40, 50) * 0.3, rng.integers(0, 24, 50) * 0.3
    boxes = np.column_stack([x, y, x + 0.6, y + 1.2])
    assert nearest_feeds_many(lay, boxes) == [_one_at_a_time(lay, b) for b in boxes]


def test_fresh_ids_from_an_id_set_are_those_from_a_plain_set():
    ids = {"GPU-0001", "GPU-0007", "NET-01", "COL", "COL-2", "CRAH-9"}
    bases = ["GPU-0001", "GPU-0003", "NET-01", "COL", "COL", "CRAH-1", "TR-01", "GPU-0001"]
    plain, pool = set(ids), IdSet(ids)
    assert [fresh_id(plain, b) for b in bases] == [fresh_id(pool, b) for b in bases] == [
        "GPU-0008", "GPU-0003", "NET-02", "COL-3", "COL-4", "CRAH-1", "TR-01", "GPU-0009"]
    # an id added from outside counts too
    pool.add("GPU-0100")
    assert fresh_id(pool, "GPU-0001") == "GPU-0101"


def test_overlaps_of_a_large_selection_are_found_pair_by_pair():
    # 40 x 25 racks of 600 mm side by side; a copy of the left half put 0.3 m to the right
    # stands on the racks it came from and on their right-hand neighbours
    racks = [Rack(id=f"R{i:02d}-{j:02d}", type="rack-600x1200", x_m=0.3 + 0.6 * i,
                  y_m=1.0 + 2.4 * j) for i in range(40) for j in range(25)]
    lay = Layout(hall=Hall(outline=[(0, 0), (30, 0), (30, 62), (0, 62)]), racks=racks)
    half = [r for r in racks if r.x_m < 0.6 * 20]
    moved = [r.model_copy(update={"id": "C" + r.id, "x_m": r.x_m + 0.3}) for r in half]
    lay = lay.model_copy(update={"racks": racks + moved})
    hit = overlapped(lay, [r.id for r in moved])
    assert sorted(hit) == sorted(r.id for r in racks if r.x_m < 0.6 * 21)


def test_a_footprint_of_no_size_finds_its_feed_too():
    lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), feeds=[
        PowerFeed(id="A1", kind="busway", side="A", voltage_v=415, phases=3, amps=400,
                  points=[(0, 2), (9, 2)])])
    boxes = np.array([[1.0, 2.5, 1.0, 2.5], [1.0, 2.5, 3.0, 2.5], [1.0, 1.4, 1.6, 2.6]])
    assert nearest_feeds_many(lay, boxes) == [_one_at_a_time(lay, b) for b in boxes] \
        == [{"A": "A1"}] * 3
