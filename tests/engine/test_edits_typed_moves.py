"""A position typed in the inspector is a move, and racks moved or pasted away from their
row leave it: a unit's air return and a rack's rear door follow a typed position as they
follow a drag, and a part of a row pasted elsewhere is a row of its own, not more racks
of the row it was copied from (whose totals it would swell)."""

from __future__ import annotations

import pytest

from engine import edits
from engine.analysis import analyze
from engine.model import CoolingUnit
from engine.templates import instantiate


@pytest.fixture(scope="module")
def b200():
    return instantiate("dgx-b200-superpod", {})


def test_a_typed_position_moves_a_units_air_return_with_it(b200):
    crah = next(u for u in b200.cooling if u.kind == "crah" and u.return_xy_m is not None)
    dx = crah.return_xy_m[0] - crah.x_m
    out = edits.set_field(b200, [crah.id], "y_m", "7.2")
    moved = next(u for u in out.cooling if u.id == crah.id)
    assert (moved.x_m, moved.y_m) == (crah.x_m, 7.2)
    assert moved.return_xy_m == pytest.approx((crah.x_m + dx, 7.2))
    # as a drag to the same place gives
    dragged = edits.move_items(b200, {crah.id: (crah.x_m, 7.2)})
    assert next(u for u in dragged.cooling if u.id == crah.id) == moved


def test_a_typed_position_takes_a_racks_rear_door_along():
    lay = instantiate("fat-tree", {})
    door = next(u for u in lay.cooling if u.kind == "rear_door" and u.rack)
    rack = lay.rack(door.rack)
    out = edits.set_field(lay, [rack.id], "x_m", rack.x_m + 0.6)
    assert next(u for u in out.cooling if u.id == door.id).x_m == pytest.approx(rack.x_m + 0.6)


def test_a_bad_typed_position_is_refused_naming_the_field(b200):
    from engine.errors import InputError

    with pytest.raises(InputError, match="CRAH-1.y_m"):
        edits.set_field(b200, ["CRAH-1"], "y_m", "abc")
    assert isinstance(b200.cooling[0], CoolingUnit)


def test_three_racks_of_a_row_pasted_far_away_are_a_row_of_their_own(b200):
    r01 = sorted((r for r in b200.racks if r.row == "R01"), key=lambda r: r.x_m)
    ids = [r.id for r in r01[:3]]
    # 9.6 m further north, in the open floor between the rows and the north wall
    out = edits.paste(b200, edits.copy_items(b200, ids), (0.0, 9.6))
    copies = out.racks[-3:]
    assert {r.row for r in copies} == {edits._fresh_row({r.row for r in b200.racks if r.row})}
    assert sum(r.row == "R01" for r in out.racks) == len(r01) == 17
    after = analyze(out).power
    # the copies' load is their own row's, not R01's
    assert after.row_kw[list(after.row_names).index(copies[0].row)] == pytest.approx(
        sum(after.rack_kw[-3:]))


def test_a_part_of_a_row_moved_along_it_stays_and_a_whole_row_moved_keeps_its_name(b200):
    r01 = sorted((r for r in b200.racks if r.row == "R01"), key=lambda r: r.x_m)
    last = r01[-1]
    nudged = edits.settle_racks(edits.move_items(b200, {last.id: (last.x_m + 0.7, last.y_m)}),
                                [last.id])
    assert nudged.rack(last.id).row == "R01"
    whole = {r.id: (r.x_m, r.y_m + 0.6) for r in r01}
    moved = edits.settle_racks(edits.move_items(b200, whole), list(whole))
    assert {moved.rack(i).row for i in whole} == {"R01"}
    one = edits.settle_racks(edits.move_items(b200, {last.id: (last.x_m, last.y_m + 9.6)}),
                             [last.id])
    assert one.rack(last.id).row is None  # alone, it is in no row


def test_a_run_of_copies_set_at_the_end_of_its_row_is_all_that_rows():
    """Eight racks of a DGX B300 row pasted behind it, then duplicated beside themselves
    (4.8 m along, as Duplicate places a copy): every copy is in line with the one before,
    so all eight join the pasted row, not the five within 3 m of it and a new row of three."""
    lay = instantiate("dgx-b300-superpod", {"edition": "dc-busbar", "scalable_units": 2})
    ids = [r.id for r in sorted((r for r in lay.racks if r.row == "R02"),
                                key=lambda r: r.x_m)[:8]]
    pasted = edits.paste(lay, edits.copy_items(lay, ids), (0.0, 1.8))
    first = [r.id for r in pasted.racks[len(lay.racks):]]
    row = {pasted.rack(i).row for i in first}
    assert len(row) == 1
    off = edits.beside_offset(pasted, first, None)
    assert off == pytest.approx((4.8, 0.0))
    out = edits.paste(pasted, edits.copy_items(pasted, first), off)
    assert {r.row for r in out.racks[len(pasted.racks):]} == row


def test_copies_pasted_out_of_every_busways_reach_are_left_unfed(b200):
    """Three racks of R01 pasted 9.6 m north, in the open floor: no busway runs there, so
    the copies take no feed, rather than hang on R01's busway (out of a tap-off's reach,
    and R01's racks would lose their A/B margin to them)."""
    r01 = sorted((r for r in b200.racks if r.row == "R01"), key=lambda r: r.x_m)
    out = edits.paste(b200, edits.copy_items(b200, [r.id for r in r01[:3]]), (0.0, 9.6))
    assert all(r.feeds == [] for r in out.racks[-3:])
    codes = {v.code for v in analyze(out).violations if set(v.items) & {r.id for r in
                                                                         out.racks[-3:]}}
    assert "POWER-UNFED" in codes and "POWER-FEED-REACH" not in codes
    # a rack moved away keeps its feed (its whip is still on the busway): the rule says so
    moved = edits.settle_racks(edits.move_items(b200, {r01[0].id: (r01[0].x_m,
                                                                   r01[0].y_m + 9.6)}),
                               [r01[0].id])
    assert moved.rack(r01[0].id).feeds == r01[0].feeds
