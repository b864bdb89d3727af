"""Edits: each gesture is a pure function that returns a new layout."""

from __future__ import annotations

import pytest

from engine import edits
from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.errors import InputError
from engine.model import Hall, Layout, MountedDevice, Rack
from engine.templates import instantiate


@pytest.fixture(scope="module")
def cat():
    return load_catalog(user_dir=None)


@pytest.fixture
def hall():
    return Layout(name="t", hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]))


@pytest.fixture
def lay():
    return instantiate("dgx-h100-hall", {"racks": 8}, catalog=load_catalog(user_dir=None))


def _dump(layout):
    return layout.model_dump()


def test_snap_scalar_and_array():
    assert edits.snap(4.31, 0.6) == 4.2
    assert edits.snap(7 * 0.6 + 1e-12, 0.6) == 4.2
    assert edits.snap(1.234, 0) == 1.234
    assert edits.snap([0.29, 0.31], 0.6).tolist() == [0.0, 0.6]


def test_fresh_id_counts_past_highest():
    taken = {"GPU-0001", "GPU-0009", "CRAH-2"}
    assert edits.fresh_id(taken, "GPU-0001") == "GPU-0010"
    assert edits.fresh_id(taken, "GPU-0001") == "GPU-0011"
    assert edits.fresh_id(taken, "CRAH-2") == "CRAH-3"
    assert edits.fresh_id(taken, "new") == "new"


def test_add_racks_validates_and_keeps_input(hall, cat):
    before = _dump(hall)
    out = edits.add_racks(hall, [{"id": "R1", "type": "rack-800x1200", "x_m": 2, "y_m": 2}],
                          catalog=cat)
    assert [r.id for r in out.racks] == ["R1"]
    assert _dump(hall) == before
    with pytest.raises(InputError, match="R1"):
        edits.add_racks(out, [Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    with pytest.raises(InputError, match="racks\\[0\\].x_m"):
        edits.add_racks(hall, [{"id": "R2", "type": "rack-800x1200", "x_m": "a", "y_m": 0}])
    with pytest.raises(InputError, match="unknown 'nope'"):
        edits.add_racks(hall, [{"id": "R2", "type": "nope", "x_m": 0, "y_m": 0}], catalog=cat)


def test_move_items_moves_racks_units_and_polylines(lay):
    r = lay.racks[0]
    tray = lay.trays[0]
    ax, ay = edits.item_anchor(lay, tray.id)
    out = edits.move_items(lay, {r.id: (r.x_m + 1.2, r.y_m), tray.id: (ax, ay + 0.6)})
    assert out.rack(r.id).x_m == pytest.approx(r.x_m + 1.2)
    assert out.find(tray.id).points[0][1] == pytest.approx(tray.points[0][1] + 0.6)
    assert lay.rack(r.id).x_m == r.x_m  # input unchanged
    assert out.racks[1] is lay.racks[1]  # untouched items are shared
    with pytest.raises(InputError, match="nope"):
        edits.move_items(lay, {"nope": (0, 0)})
    with pytest.raises(InputError):
        edits.move_items(lay, {r.id: (float("nan"), 0)})


def test_rear_door_follows_its_rack(hall, cat):
    lay = edits.add_racks(hall, [{"id": "R1", "type": "rack-800x1200", "x_m": 2, "y_m": 2}])
    lay = edits.add_cooling_unit(lay, "rdhx-55", 0, 0, rack="R1", catalog=cat)
    door = lay.cooling[0]
    assert (door.kind, door.x_m, door.rack) == ("rear_door", 2, "R1")
    moved = edits.move_items(lay, {"R1": (5, 6)})
    assert (moved.cooling[0].x_m, moved.cooling[0].y_m) == (5, 6)
    turned = edits.rotate_items(moved, ["R1"], 90)
    assert turned.cooling[0].rotation_deg == 90
    assert edits.remove_items(turned, ["R1"]).cooling == []
    with pytest.raises(InputError, match="rear door"):
        edits.add_cooling_unit(lay, "rdhx-55", 0, 0, rack="R1", catalog=cat)


def test_rotate_single_rack_keeps_centre(lay):
    r = lay.racks[0]
    out = edits.rotate_items(lay, [r.id], 90)
    rr = out.rack(r.id)
    assert (rr.x_m, rr.y_m, rr.rotation_deg) == (r.x_m, r.y_m, (r.rotation_deg + 90) % 360)
    assert edits.rotate_items(out, [r.id], -90).rack(r.id).rotation_deg == r.rotation_deg
    with pytest.raises(InputError, match="90"):
        edits.rotate_items(lay, [r.id], 45)


def test_rotate_group_turns_row_about_its_centre(lay):
    row = [r for r in lay.racks if r.row == "R01"]
    ids = [r.id for r in row]
    out = edits.rotate_items(lay, ids, 90)
    xs = {round(out.rack(i).x_m, 6) for i in ids}
    ys = sorted(round(out.rack(i).y_m, 6) for i in ids)
    assert len(xs) == 1  # a horizontal row becomes a vertical one
    assert ys[1] - ys[0] == pytest.approx(0.8)  # 800 mm racks stay side by side
    assert analyze(out).floor.overlaps.size == 0


def test_set_field_validates_and_coerces(lay):
    cdu_like = lay.cooling[0].id
    out = edits.set_field(lay, [cdu_like], "capacity_kw", "175")
    assert out.find(cdu_like).capacity_kw == 175.0
    assert lay.find(cdu_like).capacity_kw != 175.0
    with pytest.raises(InputError, match=f"{cdu_like}.capacity_kw"):
        edits.set_field(lay, [cdu_like], "capacity_kw", -1)
    with pytest.raises(InputError, match="ids are fixed"):
        edits.set_field(lay, [cdu_like], "id", "X")
    with pytest.raises(InputError, match="field"):
        edits.set_field(lay, [cdu_like], "no_such_field", 1)
    rid = lay.racks[0].id
    with pytest.raises(InputError, match="either a rack-scale system or devices"):
        edits.set_field(lay, [rid], "system", "gb200-nvl72")


def test_set_field_on_many_items_and_the_layout(lay, cat):
    ids = [r.id for r in lay.racks[:3]]
    out = edits.set_field(lay, ids, "row", "X1")
    assert [out.rack(i).row for i in ids] == ["X1"] * 3
    out = edits.set_field(lay, [edits.LAYOUT_ID], "generation", "blackwell")
    assert out.generation == "blackwell"
    out = edits.set_field(lay, [edits.LAYOUT_ID], "assumptions.pue", 1.3)
    assert out.assumptions.pue == 1.3 and lay.assumptions.pue is None
    out = edits.set_field(lay, [edits.LAYOUT_ID], "hall.floor_rating_kg_m2", 900)
    assert out.hall.floor_rating_kg_m2 == 900
    with pytest.raises(InputError, match="assumptions.pue"):
        edits.set_field(lay, [edits.LAYOUT_ID], "assumptions.pue", 0.5)
    with pytest.raises(InputError, match="unknown 'nope'"):
        edits.set_field(lay, ids[:1], "type", "nope", catalog=cat)
    with pytest.raises(InputError, match="feeds"):
        edits.set_field(lay, ids[:1], "feeds", ["nope"], catalog=cat)
    assert edits.get_field(out, edits.LAYOUT_ID, "hall.floor_rating_kg_m2") == 900


def test_set_field_checks_fabric_and_link_references(lay, cat):
    fab = lay.fabrics[0].id
    r0, r1 = lay.racks[0].id, lay.racks[1].id
    out = edits.set_field(lay, [fab], "members", [r0, r1], catalog=cat)
    assert out.find(fab).members == [r0, r1]
    with pytest.raises(InputError, match=f"{fab}.members.*unknown 'R-nope'"):
        edits.set_field(lay, [fab], "members", [r0, "R-nope"], catalog=cat)
    with pytest.raises(InputError, match=f"{fab}.network_racks"):
        edits.set_field(lay, [fab], "network_racks", ["R-nope"], catalog=cat)
    tiers = [t.model_dump() for t in lay.fabrics[0].tiers]
    tiers[0]["switch"] = "dgx-h100"  # a server, not a switch
    with pytest.raises(InputError, match="tiers.leaf.switch.*a switch of the catalog"):
        edits.set_field(lay, [fab], "tiers", tiers, catalog=cat)
    with_link = edits.add_link(lay, r0, r1, count=2)
    lid = with_link.links[0].id
    with pytest.raises(InputError, match=f"{lid}.b.rack.*unknown 'R-nope'"):
        edits.set_field(with_link, [lid], "b", {"rack": "R-nope"}, catalog=cat)
    with pytest.raises(InputError, match=f"{lid}.fabric"):
        edits.set_field(with_link, [lid], "fabric", "no-such-fabric", catalog=cat)
    with pytest.raises(InputError, match=f"{lid}.medium"):
        edits.set_field(with_link, [lid], "medium", "copper-string", catalog=cat)
    ok = edits.set_field(with_link, [lid], "medium", "smf-dr4-400", catalog=cat)
    assert ok.links[0].medium == "smf-dr4-400"
    # without a catalog (scripts) the references are left to the rules
    edits.set_field(lay, [fab], "members", ["R-nope"])


def test_install_device_first_free_u_and_errors(hall, cat):
    lay = edits.add_racks(hall, [{"id": "R1", "type": "rack-800x1200", "x_m": 2, "y_m": 2}])
    lay = edits.install_device(lay, "R1", "dgx-h100", u=3, catalog=cat)
    lay = edits.install_device(lay, "R1", "qm9700", catalog=cat)  # 1U fits below the DGX
    lay = edits.install_device(lay, "R1", "dgx-h100", catalog=cat)
    assert [(d.type, d.u) for d in lay.rack("R1").devices] == [
        ("qm9700", 1), ("dgx-h100", 3), ("dgx-h100", 11)]
    with pytest.raises(InputError, match="free U from U5"):
        edits.install_device(lay, "R1", "dgx-h100", u=5, catalog=cat)
    with pytest.raises(InputError, match="U height"):
        edits.install_device(lay, "R1", "connectx-7", catalog=cat)
    full = lay
    for _ in range(3):  # U19, U27, U35; U43 would end above U48
        full = edits.install_device(full, "R1", "dgx-h100", catalog=cat)
    with pytest.raises(InputError, match="free U in a row"):
        edits.install_device(full, "R1", "dgx-h100", catalog=cat)
    assert analyze(full, cat).arrays.rack_problems == []


def test_rack_scale_system_needs_an_empty_rack(hall, cat):
    lay = edits.add_racks(hall, [{"id": "R1", "type": "nvl72-rack", "x_m": 2, "y_m": 2}])
    lay = edits.install_device(lay, "R1", "gb200-nvl72", catalog=cat)
    assert lay.rack("R1").system == "gb200-nvl72"
    with pytest.raises(InputError, match="rack-scale system"):
        edits.install_device(lay, "R1", "dgx-h100", catalog=cat)
    assert edits.remove_device(lay, "R1").rack("R1").system is None


def test_move_and_remove_device(hall, cat):
    lay = edits.add_racks(hall, [Rack(id="R1", type="rack-800x1200", x_m=2, y_m=2, devices=[
        MountedDevice(type="dgx-h100", u=1), MountedDevice(type="dgx-h100", u=9)])])
    out = edits.move_device(lay, "R1", 9, 30, catalog=cat)
    assert [d.u for d in out.rack("R1").devices] == [1, 30]
    with pytest.raises(InputError, match="U5"):
        edits.move_device(lay, "R1", 9, 5, catalog=cat)  # would overlap the one at U1
    assert [d.u for d in edits.move_device(lay, "R1", 9, 17, catalog=cat).rack("R1").devices] \
        == [1, 17]
    with pytest.raises(InputError, match="U4"):
        edits.move_device(lay, "R1", 4, 20, catalog=cat)
    assert [d.u for d in edits.remove_device(lay, "R1", 1).rack("R1").devices] == [9]
    with pytest.raises(InputError):
        edits.remove_device(lay, "R1", 2)


def test_remove_items_clears_references(lay):
    feed = lay.feeds[0].id
    users = [r.id for r in lay.racks if feed in r.feeds and r.id != lay.racks[-1].id]
    out = edits.remove_items(lay, [feed, lay.racks[-1].id])
    assert all(feed not in out.rack(i).feeds for i in users)
    assert len(out.racks) == len(lay.racks) - 1
    assert edits.remove_items(lay, ["unknown"]) is lay
    assert analyze(out).power.unknown_feeds == []


def test_add_facility_items(hall, cat):
    out = edits.add_cooling_unit(hall, "cdu-coolchip-1350", 3, 1, catalog=cat)
    out = edits.add_cooling_unit(out, "cdu-coolchip-1350", 5, 1, catalog=cat)
    assert [u.id for u in out.cooling] == ["CDU-1", "CDU-2"]
    assert out.cooling[0].model == "cdu-coolchip-1350"
    out = edits.add_racks(out, [{"id": "R1", "type": "rack-800x1200", "x_m": 2, "y_m": 4}])
    out = edits.add_feed(out, "rpdu-415v-60a-3ph", [(2, 4)], side="A", racks=["R1"], catalog=cat)
    assert out.rack("R1").feeds == [out.feeds[0].id]
    out = edits.add_tray(out, [(1, 5), (9, 5)])
    out = edits.add_obstacle(out, [(10, 10), (10.6, 10), (10.6, 10.6), (10, 10.6)])
    out = edits.add_obstacle(out, [(0, 6), (8, 6), (8, 6.2), (0, 6.2)], kind="wall")
    assert [o.id for o in out.hall.obstacles] == ["COL-1", "WALL-1"]
    with pytest.raises(InputError, match="kind busway or pdu or rpp"):
        edits.add_feed(out, "crah-cw-150", [(0, 0)], catalog=cat)
    with pytest.raises(InputError):
        edits.add_tray(out, [(0, 0)])  # a tray needs two points
    Layout.model_validate(out.model_dump())  # still a valid layout (unique ids)


def test_duplicate_and_paste_remap_references(hall, cat):
    lay = edits.add_racks(hall, [{"id": "R-01", "type": "rack-800x1200", "x_m": 2, "y_m": 2}])
    lay = edits.add_feed(lay, "busway-415v-400a", [(1, 2), (4, 2)], racks=["R-01"], catalog=cat)
    lay = edits.add_cooling_unit(lay, "rdhx-35", 0, 0, rack="R-01", catalog=cat)
    feed = lay.feeds[0].id
    beside = edits.duplicate(lay, ["R-01"], (0.8, 0.0))
    assert beside.rack("R-02").feeds == [feed]  # along the busway: plugs into it
    alone = edits.duplicate(lay, ["R-01"], (0.0, 3.0))
    new = alone.rack("R-02")
    assert (new.y_m, new.feeds) == (5.0, [])  # 3 m off it: out of a tap-off's reach
    door = [u for u in alone.cooling if u.rack == "R-02"]
    assert len(door) == 1 and door[0].y_m == 5.0
    both = edits.duplicate(lay, ["R-01", feed], (0.0, 3.0))
    assert both.rack("R-02").feeds != [feed] and both.rack("R-02").feeds[0] in both.all_ids()
    Layout.model_validate(both.model_dump())
    payload = edits.copy_items(lay, ["R-01"])
    ids = edits.paste_ids(lay, payload)
    pasted = edits.paste(lay, payload, (1, 1), ids)
    assert set(ids.values()) <= pasted.all_ids()
    with pytest.raises(InputError):
        edits.paste(lay, {"fabrics": []})


def test_edits_never_change_their_input(lay, cat):
    before = _dump(lay)
    r = lay.racks[0].id
    edits.move_items(lay, {r: (1, 1)})
    edits.rotate_items(lay, [r], 90)
    edits.set_field(lay, [r], "name", "x")
    edits.install_device(edits.remove_device(lay, r, lay.racks[0].devices[0].u), r, "qm9700",
                         catalog=cat)
    edits.remove_items(lay, [r])
    edits.duplicate(lay, [r])
    assert _dump(lay) == before


def test_paste_into_another_design_drops_dangling_references(hall, lay):
    payload = edits.copy_items(lay, [lay.racks[0].id])
    out = edits.paste(hall, payload, (0, 0))
    assert out.racks[0].feeds == [] and out.racks[0].cdu is None
    Layout.model_validate(out.model_dump())


def test_moves_find_items_after_the_lists_were_changed_in_place(lay):
    # the id index is cached per layout; a list edited in place must not fool it
    first = edits.move_items(lay, {lay.racks[0].id: (1.0, 1.0)})
    assert first.racks[0].x_m == 1.0
    lay.racks.reverse()
    moved = edits.move_items(lay, {lay.racks[0].id: (2.0, 3.0)})
    assert (moved.racks[0].x_m, moved.racks[0].y_m) == (2.0, 3.0)
    assert [r.id for r in moved.racks] == [r.id for r in lay.racks]
    gone = lay.racks.pop()
    with pytest.raises(InputError):
        edits.move_items(lay, {gone.id: (0.0, 0.0)})


def test_a_rack_pasted_into_another_row_takes_that_rows_busways(cat):
    lay = instantiate("dgx-h100-hall", {"racks": 8}, catalog=cat)
    rows = sorted({r.row for r in lay.racks})
    src = next(r for r in lay.racks if r.row == rows[0])
    dst = next(r for r in lay.racks if r.row == rows[-1])
    side = {f.id: f.side for f in lay.feeds}
    assert sorted(side[f] for f in src.feeds) == ["A", "B"]
    # paste a copy one aisle tile past the other row's last rack
    last = max((r for r in lay.racks if r.row == dst.row), key=lambda r: r.x_m)
    out = edits.paste(lay, edits.copy_items(lay, [src.id]),
                      (last.x_m + 0.6 - src.x_m, dst.y_m - src.y_m), catalog=cat)
    new = out.racks[-1]
    assert sorted(new.feeds) == sorted(dst.feeds) != sorted(src.feeds)
    assert new.row == dst.row != src.row  # and it joins that row
    a = analyze(out, cat)
    assert not [v for v in a.violations if v.code == "POWER-FEED-REACH" and new.id in v.items]
    # pasted in place (no move) it keeps its feeds
    same = edits.paste(lay, edits.copy_items(lay, [src.id]), (0.0, 0.0), catalog=cat)
    assert same.racks[-1].feeds == src.feeds


def _two_rows(hall_layout):
    # R01 at y = 3.0 faces -y (rotation 0: its front, the cold side, toward y = 0); the
    # model rack M stands alone at the far end of the hall, facing +y
    racks = [Rack(id=f"A{i}", type="rack-800x1200", x_m=2.4 + 0.8 * i, y_m=3.0, row="R01")
             for i in range(6)]
    racks.append(Rack(id="M", type="rack-800x1200", x_m=18.0, y_m=10.8, rotation_deg=180))
    return hall_layout.model_copy(update={"racks": racks})


def test_a_row_drawn_against_a_wall_stands_inside_the_hall(hall, cat):
    lay = _two_rows(hall)
    out = edits.rack_row(lay, "M", (2.0, 0.0), (6.8, 0.0), cat)
    new = out.racks[len(lay.racks):]
    # 1.2 m deep racks on a centre line at the wall move in by half their depth
    assert len(new) == 6 and {r.y_m for r in new} == {0.6}
    assert not [v for v in analyze(out, cat).violations if v.code == "FLOOR-OUTSIDE"]


def test_a_row_across_an_aisle_faces_the_row_beside_it(hall, cat):
    lay = _two_rows(hall)
    # drawn 2.4 m in front of R01 (a 1.2 m aisle between the 1.2 m deep racks): R01's
    # fronts face it, so the new row turns its fronts to them (a cold aisle), whatever
    # way the model faces
    front = edits.rack_row(lay, "M", (2.0, 0.6), (6.8, 0.6), cat).racks[len(lay.racks):]
    assert {r.rotation_deg for r in front} == {180}
    # drawn behind R01: backs face backs across a hot aisle
    back = edits.rack_row(lay, "M", (2.0, 5.4), (6.8, 5.4), cat).racks[len(lay.racks):]
    assert {r.rotation_deg for r in back} == {180}
    out = edits.rack_row(lay, "M", (2.0, 5.4), (6.8, 5.4), cat)
    assert not [v for v in analyze(out, cat).violations if v.code == "FLOOR-AIRFLOW"]
    # drawn in line with R01, past its end: the row extends it, facing as it does
    line = edits.rack_row(lay, "M", (7.2, 3.0), (9.6, 3.0), cat).racks[len(lay.racks):]
    assert {r.rotation_deg for r in line} == {0}


def test_pasted_copies_land_on_round_positions(hall, cat):
    # 7.6 - 0.4 is 7.199999999999999 in floating point: a copy one grid step away is
    # stored at 7.2, as a move stores it
    lay = hall.model_copy(update={"racks": [Rack(id="R1", type="rack-800x1200", x_m=2.4,
                                                 y_m=7.6)]})
    clip = edits.copy_items(lay, ["R1"])
    ids = edits.paste_ids(lay, clip)
    out = edits.paste(lay, clip, (0.0, -0.4), ids, cat)
    assert out.rack(ids["R1"]).y_m == 7.2
    assert edits.duplicate(lay, ["R1"], (0.0, -0.4)).rack("R2").y_m == 7.2


def test_a_link_may_end_at_a_switch_the_fabric_placed(cat):
    # a network rack holding one installed switch and the fabric's placed ones: a link to
    # a placed switch's U is drawn, and the analysis finds the switch there
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=cat)
    net = next(r for r in lay.racks if r.id.startswith("NET"))
    lay = edits.install_device(lay, net.id, "qm9700", 40, cat)
    a = analyze(lay, cat)
    placed = [p for p in a.network.placements() if p["generated"] and p["rack"] == net.id]
    assert placed
    gpu = next(r for r in lay.racks if r.devices and r.devices[0].type == "dgx-h100")
    out = edits.add_link(lay, gpu.id, net.id, a_u=gpu.devices[0].u, b_u=placed[0]["u"])
    assert out.links[-1].b.u == placed[0]["u"]
    assert not [v for v in analyze(out, cat).violations if v.code == "LINK-ENDPOINT"]


def test_a_copy_that_lands_in_a_row_facing_the_other_way_turns_with_it():
    # R02 (facing -y) is full to its CRAHs at both ends: the copy of its end rack goes
    # across the hot aisle to the end of R01, which faces +y; facing its source's way it
    # would take in R02's exhaust, so it turns to face as R01 does
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    r02 = sorted((r for r in lay.racks if r.row == "R02"), key=lambda r: r.x_m)
    for end in (r02[0].x_m - 0.8, r02[-1].x_m + 0.8):  # fill R02 up to its CRAHs
        lay = edits.paste(lay, edits.copy_items(lay, [r02[0].id]), (end - r02[0].x_m, 0))
    src = max((r for r in lay.racks if r.row == "R02"), key=lambda r: r.x_m)
    off = edits.beside_offset(lay, [src.id])
    assert off is not None and off[0] == 0, "across the row"
    payload = edits.copy_items(lay, [src.id])
    ids = edits.paste_ids(lay, payload)
    out = edits.paste(lay, payload, off, ids)
    copy = out.rack(ids[src.id])
    r01 = next(r for r in out.racks if r.row == "R01")
    assert (copy.row, copy.rotation_deg) == ("R01", r01.rotation_deg) != ("R01", src.rotation_deg)
    assert not [v for v in analyze(out).violations
                if v.code == "FLOOR-AIRFLOW" and copy.id in v.items]


def test_a_row_of_racks_leaves_the_places_on_an_obstacle_empty():
    # a keep-out zone from x 6.0 to 8.0 m across the line drawn at y 11.4 m: the 800 mm
    # places centred at 6.0, 6.8 and 7.6 m reach into it and stay empty
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    lay = edits.add_obstacle(lay, [(6.0, 10.6), (8.0, 10.6), (8.0, 12.4), (6.0, 12.4)],
                             "keepout")
    out = edits.rack_row(lay, "GPU-0001", (3.2, 11.4), (10.4, 11.4))
    new = [r for r in out.racks if r.id not in {q.id for q in lay.racks}]
    assert [r.x_m for r in new] == [3.6, 4.4, 5.2, 8.4, 9.2, 10.0]
    with pytest.raises(InputError, match="free floor along the line drawn"):
        edits.rack_row(lay, "GPU-0001", (6.2, 11.4), (7.8, 11.4))


def test_a_copy_of_a_full_row_goes_to_a_row_across_never_to_open_floor():
    # R01 (y 3.6 m) filled to its CRAHs: a copy of its end rack goes to the free end of
    # R02 across the aisle (x 10.4, y 6.0), not to the open floor by the south wall
    # (y 1.2), where it would stand in no row; a whole row finds neither a row with room
    # nor free floor one aisle across (R01 and R03 stand there), and rows away is none
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    r01 = sorted((r for r in lay.racks if r.row == "R01"), key=lambda r: r.x_m)
    for x in (r01[0].x_m - 0.8, r01[-1].x_m + 0.8):
        lay = edits.paste(lay, edits.copy_items(lay, [r01[0].id]), (x - r01[0].x_m, 0))
    end = max((r for r in lay.racks if r.row == "R01"), key=lambda r: r.x_m)
    assert end.x_m == 10.4
    assert edits.beside_offset(lay, [end.id]) == (0.0, 2.4)
    r02 = [r.id for r in lay.racks if r.row == "R02"]
    assert edits.beside_offset(lay, r02) is None


def test_a_row_drawn_from_a_lone_rack_takes_it_in():
    """One rack dropped on a blank floor (no row), then a row of racks like it drawn on
    from it: the copies and the model are one row (the model was left out, so the gap
    rule and the elevation spoke of no row). A row drawn on from a named row extends it."""
    from engine.model import Hall, Layout, Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 10), (0, 10)]),
                 racks=[Rack(id="RK-0001", type="rack-800x1200", x_m=1.4, y_m=2.0)])
    out = edits.rack_row(lay, "RK-0001", (1.8, 2.0), (6.6, 2.0))
    assert {r.row for r in out.racks} == {"R01"} and len(out.racks) == 7
    named = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"row": "R07"})]})
    out = edits.rack_row(named, "RK-0001", (1.8, 2.0), (6.6, 2.0))
    assert {r.row for r in out.racks} == {"R07"}
    across = edits.rack_row(named, "RK-0001", (1.0, 5.0), (6.6, 5.0))
    assert {r.row for r in across.racks[1:]} == {"R08"} and across.racks[0].row == "R07"


def test_two_racks_of_no_row_set_side_by_side_start_a_row():
    cat = load_catalog(user_dir=None)
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 10), (0, 10)]))
    lay = edits.add_racks(lay, [Rack(id="A", type="rack-600x1200", x_m=5.0, y_m=4.0),
                                Rack(id="B", type="rack-600x1200", x_m=5.6, y_m=4.0),
                                Rack(id="C", type="rack-600x1200", x_m=9.0, y_m=4.0,
                                     rotation_deg=180),
                                Rack(id="D", type="rack-600x1200", x_m=9.6, y_m=4.0)], cat)
    # B beside A, in line and facing the same way: R01 for both
    out = edits.settle_racks(lay, ["B"], cat)
    assert (out.rack("A").row, out.rack("B").row) == ("R01", "R01")
    # a third rack beside B joins that row
    out = edits.settle_racks(out.model_copy(update={"racks": [
        *out.racks, Rack(id="E", type="rack-600x1200", x_m=6.2, y_m=4.0)]}), ["E"], cat)
    assert out.rack("E").row == "R01"
    # D faces the other way from C beside it: no row
    assert edits.settle_racks(lay, ["D"], cat).rack("D").row is None
    # a rack out of line (half a rack deeper) starts none either
    off = lay.model_copy(update={"racks": [*lay.racks, Rack(
        id="F", type="rack-600x1200", x_m=5.6, y_m=4.6)]})
    assert edits.settle_racks(off, ["F"], cat).rack("F").row is None


def test_a_rack_set_down_away_from_its_row_leaves_it():
    cat = load_catalog(user_dir=None)
    lay = instantiate("dgx-h100-hall", {"racks": 8}, catalog=cat)
    r = next(x for x in lay.racks if x.row == "R01")
    # 6 m into the hall, next to no rack: it is in no row any more
    away = edits.settle_racks(edits.move_items(lay, {r.id: (r.x_m, r.y_m + 6.0)}), [r.id], cat)
    assert away.rack(r.id).row is None
    # one slot along its own row's line (a gap of a rack's width): still in R01
    end = max(x.x_m for x in lay.racks if x.row == "R01")
    along = edits.settle_racks(edits.move_items(lay, {r.id: (end + 1.6, r.y_m)}), [r.id], cat)
    assert along.rack(r.id).row == "R01"
    # the whole row moved together keeps its name
    row = [x.id for x in lay.racks if x.row == "R01"]
    moves = {i: (lay.rack(i).x_m + 1.2, lay.rack(i).y_m) for i in row}
    assert {edits.settle_racks(edits.move_items(lay, moves), row, cat).rack(i).row
            for i in row} == {"R01"}


def test_racks_made_wider_in_a_row_are_respaced_not_overlapped():
    cat = load_catalog(user_dir=None)
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]), racks=[
        Rack(id=f"R{i}", type="rack-600x1200", x_m=2.3 + 0.6 * i, y_m=3.0, row="R01")
        for i in range(8)] + [Rack(id="LONE", type="rack-600x1200", x_m=12.0, y_m=3.0)])
    ids = ["R2", "R3", "R4", "R5", "R6", "R7"]
    wide = edits.set_field(lay, ids, "type", "rack-800x1200", cat)
    xs = [r.x_m for r in wide.racks]
    # R0 and R1 stay; from R2 on each 800 mm rack follows the last edge to edge
    assert xs[:2] == [2.3, 2.9] and xs[2:8] == pytest.approx([3.6 + 0.8 * k for k in range(6)])
    assert xs[8] == 12.0  # a rack beyond a gap is not part of the run
    assert not [v for v in analyze(wide, cat).violations if v.code == "FLOOR-OVERLAP"]
    # one undo-able edit: the pure function leaves the input as it was
    assert [r.x_m for r in lay.racks][:8] == pytest.approx([2.3 + 0.6 * i for i in range(8)])


def test_a_respaced_run_grows_away_from_what_stands_at_its_end():
    # a CRAH right after the row's last rack: made wider, the run keeps its last edge
    # and grows the other way instead of running into the unit
    from engine.model import CoolingUnit

    cat = load_catalog(user_dir=None)
    racks = [Rack(id=f"R{i}", type="rack-600x1200", x_m=6.3 + 0.6 * i, y_m=3.0)
             for i in range(4)]
    crah = CoolingUnit(id="C1", kind="crah", x_m=9.0, y_m=3.0, capacity_kw=150,
                       width_m=0.6, depth_m=1.2)
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]), racks=racks,
                 cooling=[crah])
    wide = edits.set_field(lay, [r.id for r in racks], "type", "rack-800x1200", cat)
    xs = [r.x_m for r in wide.racks]
    assert xs[-1] + 0.4 == pytest.approx(8.4)  # the last edge stays at 8.4 m
    assert xs == pytest.approx([5.6, 6.4, 7.2, 8.0])
    assert not [v for v in analyze(wide, cat).violations if v.code == "FLOOR-OVERLAP"]


def test_a_rack_over_a_busway_joint_keeps_its_section_when_nudged_and_back(cat):
    """GB200 SuperPOD, 2 SU: NVL-0012's footprint touches the joint of row R02's two
    busway sections (BW-02a ends where BW-02b starts) and is fed from BW-02b, the section
    under its centre. Settled where it stands, or nudged a tile and back, it keeps BW-02b
    (it went to BW-02a, the first section of the tie, overloading it: two POWER-AB-LOSS
    errors on a design that had none); every rack of the design settles to its own feeds."""
    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2}, catalog=cat)
    r = lay.rack("NVL-0012")
    assert r.feeds == ["BW-02b-A", "BW-02b-B"]
    assert all(edits.settle_racks(lay, [q.id], cat).rack(q.id).feeds == q.feeds
               for q in lay.racks)
    out = lay
    for y in (r.y_m + 0.6, r.y_m):
        out = edits.settle_racks(edits.move_items(out, {r.id: (r.x_m, y)}), [r.id], cat)
    assert out.rack(r.id).feeds == r.feeds
    assert not [v for v in analyze(out, cat).violations if v.severity == "error"]
    # seven fine steps along the row onto the other section and seven back: where the
    # rack stands decides its section, so it is fed as before (a rack kept the section it
    # was nudged onto, and overloaded it)
    for q in ("NVL-0011", "NVL-0012", "NVL-0013"):
        rq = lay.rack(q)
        out = lay
        for k in [*range(1, 8), *range(6, -1, -1)]:
            out = edits.settle_racks(edits.move_items(out, {q: (rq.x_m + 0.1 * k, rq.y_m)}),
                                     [q], cat)
        assert out.rack(q).feeds == rq.feeds, q


def test_placing_tools_keep_off_rear_doors(cat):
    """B300 SuperPOD: a row drawn 1 m in front of R01's rear doors (their 0.2 m behind the
    racks, where a new rack's 1.2 m depth reaches) has no free place; a rack set into two
    doors names them (the preview showed every place free, and the overlap rule then
    raised 17 errors)."""
    from engine.model import Rack

    lay = instantiate("dgx-b300-superpod", {}, catalog=cat)
    r = lay.rack("GPU-0001")
    p = edits.row_places(lay, "GPU-0001", (r.x_m, r.y_m - 1.0), (r.x_m + 9, r.y_m - 1.0), cat)
    assert not p.free.any()
    out = edits.add_racks(lay, [Rack(id="X1", type="rack-600x1200", x_m=5.1, y_m=1.3,
                                     rotation_deg=90)])
    assert edits.overlapped(out, ["X1"], cat) == ["RD-GPU-0001", "RD-GPU-0002"]


def test_a_unit_or_rack_set_to_refer_to_nothing_is_refused():
    # a rear door's rack, a rack's CRAH and CDU name items of the layout, of the right kind
    cat = load_catalog(user_dir=None)
    lay = instantiate("vera-rubin-nvl144", {}, catalog=cat)
    door = next(u for u in lay.cooling if u.kind == "rear_door")
    crah = next(u for u in lay.cooling if u.kind == "crah")
    cdu = next(u for u in lay.cooling if u.kind == "cdu")
    rack = lay.racks[0].id
    with pytest.raises(InputError, match=r"rack: expected the id of a rack \(unknown 'NOPE'\)"):
        edits.set_field(lay, [door.id], "rack", "NOPE", cat)
    with pytest.raises(InputError, match="expected the id of a CRAH of the layout"):
        edits.set_field(lay, [rack], "crah", cdu.id, cat)
    with pytest.raises(InputError, match="expected the id of a CDU of the layout"):
        edits.set_field(lay, [rack], "cdu", "NOPE", cat)
    assert edits.set_field(lay, [rack], "crah", crah.id, cat).rack(rack).crah == crah.id
    assert edits.set_field(lay, [rack], "cdu", cdu.id, cat).rack(rack).cdu == cdu.id
    assert edits.set_field(lay, [rack], "crah", None, cat).rack(rack).crah is None


@pytest.mark.parametrize("rack, expected", [
    ({"id": "X1", "type": "nvl72-rack", "x_m": 2, "y_m": 2, "system": "dgx-h100"},
     "X1.system: expected a rack-scale system (dgx-h100 is mounted by U"),
    ({"id": "X1", "type": "nvl72-rack", "x_m": 2, "y_m": 2,
      "devices": [{"type": "gb200-nvl72", "u": 1}]},
     "X1.devices: expected devices mounted by U (gb200-nvl72 is a rack-scale system"),
])
def test_pasted_or_added_racks_keep_systems_and_devices_apart(cat, rack, expected):
    # what a layout file may not hold (engine.compile refuses it), no edit makes either
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 20), (0, 20)]))
    with pytest.raises(InputError, match=expected.replace("(", r"\(")):
        edits.paste(lay, {"racks": [rack]}, (0.0, 0.0), catalog=cat)
    with pytest.raises(InputError, match=expected.replace("(", r"\(")):
        edits.add_racks(lay, [rack], catalog=cat)


def test_a_link_between_copied_racks_is_copied_and_pasted_with_them(cat):
    from engine.model import Endpoint, ExplicitLink

    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=cat)
    link = ExplicitLink(id="X1", a=Endpoint(rack="GPU-0001", u=3), b=Endpoint(rack="GPU-0002",
                        u=3), speed_gbps=400, count=2)
    half = ExplicitLink(id="X2", a=Endpoint(rack="GPU-0001", u=12),
                        b=Endpoint(rack="GPU-0003", u=12), speed_gbps=400)
    lay = lay.model_copy(update={"links": [link, half]})
    payload = edits.copy_items(lay, ["GPU-0001", "GPU-0002"])
    # the link between the two copied racks comes along; the one to GPU-0003 does not
    assert [x["id"] for x in payload["links"]] == ["X1"]
    ids = edits.paste_ids(lay, payload)
    out = edits.paste(lay, payload, (0.0, 9.6), ids, catalog=cat)
    new = out.find(ids["X1"])
    assert (new.a.rack, new.b.rack, new.count) == (ids["GPU-0001"], ids["GPU-0002"], 2)
    # cut (deleted with its racks) and pasted back in place: the same link again
    gone = edits.remove_items(lay, ["GPU-0001", "GPU-0002"], cat)
    assert [x.id for x in gone.links] == []
    back = edits.paste(gone, payload, (0.0, 0.0), edits.paste_ids(gone, payload), catalog=cat)
    assert back.find("X1") == link


def test_a_rack_moved_into_a_row_facing_the_other_way_turns_with_it():
    # the DGX H100 hall's rows face apart (R01 180 degrees, R02 0) around a hot aisle: a
    # rack of R01 set down beside NET-0001 joins R02 and turns to face as R02 does, so no
    # exhaust blows into R02's cold aisle (FLOOR-AIRFLOW)
    lay = instantiate("dgx-h100-hall", {"racks": 8})
    assert lay.rack("GPU-0008").rotation_deg == 180
    moved = edits.settle_racks(edits.move_items(lay, {"GPU-0008": (4.8, 4.65)}), ["GPU-0008"])
    r = moved.rack("GPU-0008")
    assert (r.row, r.rotation_deg) == ("R02", 0)
    codes = {v.code for v in analyze(moved).violations if "GPU-0008" in v.items}
    assert "FLOOR-AIRFLOW" not in codes and "FLOOR-ROW-FACING" not in codes


def test_a_rack_pdu_moves_and_turns_with_its_rack():
    # a rack PDU is mounted in the rack it feeds: it goes where the rack goes; one that
    # feeds a rack left behind stays, as a busway does
    from engine.edits import move_items, rotate_items

    lay = _two_racks_with_pdus()
    moved = move_items(lay, {"R1": (5.0, 6.0)})
    assert moved.feeds[0].points == [(5.1, 6.0)]  # the same 0.1 m off the rack's anchor
    assert moved.feeds[1].points == [(3.0, 2.0)]  # R2 stayed: so does the shared PDU
    both = move_items(lay, {"R1": (2.0, 5.0), "R2": (4.0, 5.0)})
    assert both.feeds[1].points == [(3.0, 5.0)]
    # chosen with its rack, the PDU goes where it is told
    told = move_items(lay, {"R1": (5.0, 6.0), "PDU-1": (8.0, 8.0)})
    assert told.feeds[0].points == [(8.0, 8.0)]
    turned = rotate_items(lay, ["R1"], 90, pivot="each")
    assert turned.feeds[0].points == [(2.0, 2.1)]  # a quarter turn about the rack


def _fronts(layout, catalog):
    """Each rack's front face (y), for racks turned 0 (front at -y) or 180 (front at +y)."""
    out = {}
    for r in layout.racks:
        d = catalog.racks[r.type].depth_mm.value / 1000
        out[r.id] = round(r.y_m - d / 2 if r.rotation_deg == 0 else r.y_m + d / 2, 6)
    return out


def test_racks_of_a_row_share_their_front_face_and_align_keeps_it(catalog):
    # a GB200 SuperPOD row: NVL72 racks 1,068 mm deep beside 1,200 mm network racks; all
    # stand with their fronts on the cold aisle's line, the NVL72 racks 132 mm short at
    # the back
    from engine.edits import align_to_rows, move_items
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2}, catalog=catalog)
    fronts = _fronts(lay, catalog)
    for row in {r.row for r in lay.racks}:
        assert len({fronts[r.id] for r in lay.racks if r.row == row}) == 1, row
    nvl = next(r for r in lay.racks if r.type == "nvl72-rack")
    net = next(r for r in lay.racks if r.row == nvl.row and r.type != "nvl72-rack")
    assert abs(abs(nvl.y_m - net.y_m) - 0.066) < 1e-9
    # a rack pushed 0.3 m into the hot aisle comes back to the front line, not to the
    # nearer back face of the deeper racks
    off = move_items(lay, {nvl.id: (nvl.x_m, nvl.y_m + (0.3 if nvl.rotation_deg == 0
                                                        else -0.3))})
    back = align_to_rows(off, [nvl.id], catalog)
    assert _fronts(back, catalog)[nvl.id] == fronts[nvl.id]


def test_a_rack_moved_in_a_busway_hall_keeps_its_rack_pdu():
    # a rack fed by its row's A and B busways and a rack PDU: moved (and settled where it
    # stands, as the designer does after a drag), it keeps the PDU that moved with it
    from engine.edits import add_feed, move_items, settle_racks
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 8})
    rack = lay.racks[2]
    side = "B"
    lay = add_feed(lay, "rpdu-415v-60a-3ph", [(rack.x_m, rack.y_m)], side, [rack.id],
                   feed_id="PDU-9")
    before = lay.rack(rack.id).feeds
    moved = settle_racks(move_items(lay, {rack.id: (rack.x_m, rack.y_m - 0.3)}), [rack.id])
    assert "PDU-9" in moved.rack(rack.id).feeds and len(before) == 3
    assert next(f for f in moved.feeds if f.id == "PDU-9").points == [(rack.x_m,
                                                                       rack.y_m - 0.3)]



def test_a_new_rack_type_keeps_the_front_where_it_stood(catalog):
    # an NVL72 rack (1,068 mm) made an 800 x 1200 mm rack, in a row facing each way, and
    # a rack turned a quarter: the front stays on the aisle's line, the rack grows back
    from engine.edits import set_field
    from engine.model import Hall, Layout, Rack

    racks = [Rack(id=f"R{rot}", type="nvl72-rack", x_m=3.0 + rot / 30, y_m=4.0,
                  rotation_deg=rot) for rot in (0, 90, 180, 270)]
    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]), racks=racks)
    before = _all_fronts(lay, catalog)
    after = set_field(lay, [r.id for r in racks], "type", "rack-800x1200", catalog)
    assert _all_fronts(after, catalog) == before


def _all_fronts(layout, catalog):
    import numpy as np

    from engine.compile import front_vectors

    out = {}
    for r in layout.racks:
        d = catalog.racks[r.type].depth_mm.value / 1000
        fx, fy = (float(v[0]) for v in front_vectors(np.array([r.rotation_deg])))
        # the front's line across the row (along it, a run of racks re-spaces by width)
        out[r.id] = round(r.y_m + fy * d / 2, 6) if fy else round(r.x_m + fx * d / 2, 6)
    return out


def test_deleting_a_rack_deletes_the_rack_pdu_that_feeds_it_alone():
    from engine.edits import remove_items

    lay = _two_racks_with_pdus()
    after = remove_items(lay, ["R1"])
    assert [f.id for f in after.feeds] == ["PDU-2"]  # PDU-2 still feeds R2
    assert after.rack("R2").feeds == ["PDU-2"]



def test_a_new_rack_type_re_spaces_a_row_of_mixed_depths(catalog):
    # a GB200 row: NVL72 racks (1,068 mm) and network racks (1,200 mm) front-aligned, so
    # their centres differ; a network rack made 600 mm wide closes the whole row up
    from engine.edits import set_field
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=catalog)
    net = [r for r in lay.racks if r.type != "nvl72-rack"][2]
    after = set_field(lay, [net.id], "type", "rack-600x1200", catalog)
    row = sorted((r for r in after.racks if r.row == net.row), key=lambda r: r.x_m)
    half = [catalog.racks[r.type].width_mm.value / 2000 for r in row]
    gaps = [round((b.x_m - hb) - (a.x_m + ha), 6)
            for a, b, ha, hb in zip(row, row[1:], half, half[1:], strict=False)]
    assert gaps == [0.0] * (len(row) - 1)


def _two_racks_with_pdus():
    """R1 and R2 side by side; PDU-1 feeds R1 alone, PDU-2 feeds both."""
    from engine.edits import add_feed
    from engine.model import Hall, Layout, Rack

    lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 9), (0, 9)]),
                 racks=[Rack(id=r, type="rack-800x1200", x_m=x, y_m=2.0)
                        for r, x in (("R1", 2.0), ("R2", 4.0))])
    lay = add_feed(lay, "rpdu-415v-60a-3ph", [(2.1, 2.0)], "A", ["R1"], feed_id="PDU-1")
    lay = add_feed(lay, "rpdu-415v-60a-3ph", [(3.0, 2.0)], "B", ["R1", "R2"], feed_id="PDU-2")
    return lay


def test_the_front_table_is_front_vectors():
    import numpy as np

    from engine.compile import FRONT_BY_ROTATION, front_vectors

    for rot, (fx, fy) in FRONT_BY_ROTATION.items():
        ax, ay = front_vectors(np.array([rot]))
        assert (float(ax[0]), float(ay[0])) == (fx, fy), rot



def test_a_row_moved_whole_onto_another_stays_one_row_turned_as_it_was():
    # R02 of a 2-SU H100 SuperPOD (9 racks at rotation 0) dragged 1.5 m onto
    # R01 (rotation 180): each of its racks stands within 1 m of one of R01's, which once
    # made them join R01 one by one, turned about; a row moved whole keeps its name and
    # its turn (and the rules report the overlap)
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 2})
    row = [r for r in lay.racks if r.row == "R02"]
    moved = edits.move_items(lay, {r.id: (r.x_m, r.y_m - 1.5) for r in row})
    out = edits.settle_racks(moved, [r.id for r in row])
    assert {(out.rack(r.id).row, out.rack(r.id).rotation_deg) for r in row} == {("R02", 0)}
    # part of a row set down beside another still joins it
    part = row[:1]
    moved = edits.move_items(lay, {r.id: (r.x_m, r.y_m - 1.5) for r in part})
    out = edits.settle_racks(moved, [r.id for r in part])
    assert (out.rack(part[0].id).row, out.rack(part[0].id).rotation_deg) == ("R01", 180)


def test_a_hall_is_resized_within_the_sides_a_new_hall_takes_at_least():
    # the inspector took a 2 m wide hall where File > New refuses under 3 m
    lay = Layout(hall=Hall(outline=[(0, 0), (12.0, 0), (12.0, 9.0), (0, 9.0)]))
    assert edits.resize_hall(lay, width_m=3.0).hall.outline[1] == (3.0, 0.0)
    with pytest.raises(InputError, match="a size from 3 to 10,000 m"):
        edits.resize_hall(lay, width_m=2.0)


def test_a_pasted_rack_pdu_takes_the_next_number_of_its_kind():
    # rack PDUs are named PDU-<n>-<side> as they are added: a pasted copy of PDU-1-A is
    # PDU-3-A after PDU-2-B, as the next one added would be, not PDU-1-A-2
    from engine.model import PowerFeed

    lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]), racks=[
        Rack(id="R1", type="rack-800x1200", x_m=4.0, y_m=5.0, feeds=["PDU-1-A", "PDU-2-B"])],
        feeds=[PowerFeed(id="PDU-1-A", kind="pdu", side="A", points=[(3.8, 5.5)]),
               PowerFeed(id="PDU-2-B", kind="pdu", side="B", points=[(4.2, 5.5)])])
    out = edits.paste(lay, edits.copy_items(lay, ["R1"]), (0.0, 3.0))
    new = out.racks[-1]
    assert sorted(new.feeds) == ["PDU-3-A", "PDU-4-B"]
    assert [f.id for f in out.feeds] == ["PDU-1-A", "PDU-2-B", "PDU-3-A", "PDU-4-B"]
