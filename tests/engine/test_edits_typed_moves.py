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
