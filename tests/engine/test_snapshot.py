"""Save selection as template: selection -> template -> instantiate gives the same items."""

from __future__ import annotations

import json

import pytest

from engine.analysis import analyze
from engine.bundle import export_bundle, import_bundle
from engine.snapshot import (
    MAX_COPIES,
    library_path,
    save_user_template,
    selection_bounds,
    selection_fabrics,
    template_from_selection,
    template_path,
)
from engine.templates import (
    ParameterError,
    TemplateFile,
    instantiate,
    list_templates,
    read_template_file,
)


@pytest.fixture(scope="module")
def hall(catalog):
    return instantiate("dgx-h100-hall", {"racks": 8, "racks_per_row": 4}, catalog=catalog)


def _rel(layout, ids, catalog):
    x0, y0, _, _ = selection_bounds(layout, ids, catalog)
    return {r.id: (round(r.x_m - x0, 3), round(r.y_m - y0, 3), r.rotation_deg, r.type,
                   r.system, tuple((d.type, d.u) for d in r.devices))
            for r in layout.racks if r.id in ids}


def test_round_trip_racks_contents_positions(hall, catalog):
    ids = [r.id for r in hall.racks if r.id.startswith("GPU")][:6]
    t = template_from_selection(hall, ids, "six-racks", "Six racks", "me", "test", catalog)
    assert t.racks == [] and t.fixed is not None
    out = instantiate(t, catalog=catalog)
    assert sorted(r.id for r in out.racks) == sorted(ids)
    assert _rel(out, ids, catalog) == _rel(hall, ids, catalog)
    assert {r.rotation_deg for r in out.racks} == {0, 180}  # rows facing both ways
    assert out.generation == hall.generation
    assert out.assumptions == hall.assumptions
    x0, y0, x1, y1 = out.hall.bounds()
    bx0, by0, bx1, by1 = selection_bounds(out, ids, catalog)
    assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1


def test_units_feeds_trays_and_references_come_along(hall, catalog):
    row = [r for r in hall.racks if r.row == hall.racks[0].row]
    feeds = sorted({f for r in row for f in r.feeds})
    crah = [u.id for u in hall.cooling][:1]
    tray = [t.id for t in hall.trays][:1]
    ids = [r.id for r in row] + feeds + crah + tray
    t = template_from_selection(hall, ids, "one-row", "One row", catalog=catalog)
    out = instantiate(t, catalog=catalog)
    assert sorted(f.id for f in out.feeds) == feeds
    assert [u.id for u in out.cooling] == crah and [tr.id for tr in out.trays] == tray
    assert all(sorted(r.feeds) == sorted(hall.rack(r.id).feeds) for r in out.racks)
    dx = out.rack(row[0].id).x_m - row[0].x_m
    dy = out.rack(row[0].id).y_m - row[0].y_m
    for f in out.feeds:
        old = next(g for g in hall.feeds if g.id == f.id)
        assert f.points == [(round(x + dx, 4), round(y + dy, 4)) for x, y in old.points]
    u, old_u = out.cooling[0], next(v for v in hall.cooling if v.id == crah[0])
    assert (u.x_m - old_u.x_m, u.y_m - old_u.y_m) == pytest.approx((dx, dy))


def test_references_outside_the_selection_are_dropped(hall, catalog):
    rid = hall.racks[0].id
    assert hall.racks[0].feeds
    out = instantiate(template_from_selection(hall, [rid], "one", "One", catalog=catalog),
                      catalog=catalog)
    assert out.racks[0].feeds == [] and out.feeds == []


def test_copies_get_fresh_ids_and_follow_references(hall, catalog):
    row = [r for r in hall.racks if r.row == hall.racks[0].row]
    feeds = sorted({f for r in row for f in r.feeds})
    t = template_from_selection(hall, [r.id for r in row] + feeds, "row", "Row", catalog=catalog)
    out = instantiate(t, {"copies": 3}, catalog=catalog)
    assert len(out.racks) == 3 * len(row) and len(out.feeds) == 3 * len(feeds)
    assert len(out.all_ids()) == len(out.racks) + len(out.feeds) + len(out.fabrics)
    feed_ids = {f.id for f in out.feeds}
    assert all(set(r.feeds) <= feed_ids and len(r.feeds) == 2 for r in out.racks)
    ys = sorted({r.y_m for r in out.racks})
    assert len(ys) == 3 and ys[1] - ys[0] == pytest.approx(t.fixed.depth_m + t.fixed.gap_m)
    a = analyze(out, catalog)
    assert a.counts["gpus"] == 3 * len(row) * 32


def test_fabric_with_implicit_members_becomes_the_selected_gpu_racks(hall, catalog):
    gpu = [r.id for r in hall.racks if r.id.startswith("GPU")][:4]
    net = [r.id for r in hall.racks if r.id.startswith("NET")]
    t = template_from_selection(hall, gpu + net, "pod", "Pod", catalog=catalog)
    assert len(t.fixed.fabrics) == len(hall.fabrics)
    fab = t.fixed.fabrics[0]
    assert set(fab.members) <= set(gpu) and fab.network_racks == net
    out = instantiate(t, {"copies": 2}, catalog=catalog)
    # the copies join the one saved fabric: its members and network racks are both copies'
    assert [f.id for f in out.fabrics] == [fab.id]
    joined = out.fabrics[0]
    assert len(joined.members) == 2 * len(fab.members) == len(set(joined.members))
    assert len(joined.network_racks) == 2 * len(net)
    assert set(joined.members) | set(joined.network_racks) <= {r.id for r in out.racks}


def test_bad_selection_and_ids_are_refused(hall, catalog):
    with pytest.raises(ParameterError, match="no racks"):
        template_from_selection(hall, [], "x", "X", catalog=catalog)
    with pytest.raises(ParameterError, match="no racks"):
        template_from_selection(hall, [f.id for f in hall.fabrics], "x", "X", catalog=catalog)
    with pytest.raises(ParameterError, match="id"):
        template_from_selection(hall, [hall.racks[0].id], "Bad Id!", "X", catalog=catalog)
    t = template_from_selection(hall, [hall.racks[0].id], "x", "X", catalog=catalog)
    with pytest.raises(ParameterError, match="copies"):
        instantiate(t, {"copies": MAX_COPIES + 1}, catalog=catalog)


def test_save_writes_into_user_library_and_refuses_overwrite(hall, catalog, tmp_path):
    t = template_from_selection(hall, [hall.racks[0].id], "saved-rack", "Saved rack",
                                catalog=catalog)
    path = save_user_template(t, user_dir=tmp_path)
    assert path == tmp_path / "hopper" / "saved-rack.json" == template_path(t, tmp_path)
    assert json.loads(path.read_text())["schema"] == "rackscape.template/1"
    assert read_template_file(path) == t
    assert "saved-rack" in {x.id for x in list_templates(user_dir=tmp_path)}
    with pytest.raises(FileExistsError):
        save_user_template(t, user_dir=tmp_path)
    with pytest.raises(FileExistsError):  # a built-in id is not shadowed by accident
        save_user_template(t.model_copy(update={"id": "fat-tree"}), user_dir=tmp_path)
    t2 = t.model_copy(update={"title": "Saved rack v2"})
    assert save_user_template(t2, overwrite=True, user_dir=tmp_path) == path
    assert read_template_file(path).title == "Saved rack v2"
    assert [p.name for p in path.parent.iterdir()] == ["saved-rack.json"]  # no temp files left


def test_default_user_dir_follows_environment(hall, catalog, isolated_user_dir):
    t = template_from_selection(hall, [hall.racks[1].id], "env-rack", "Env rack",
                                catalog=catalog)
    path = save_user_template(t, overwrite=True)
    assert path.is_relative_to(isolated_user_dir)
    assert "env-rack" in {x.id for x in list_templates()}
    path.unlink()


def test_saved_template_travels_in_a_bundle(hall, catalog, tmp_path):
    t = template_from_selection(hall, [r.id for r in hall.racks[:2]], "bundled", "Bundled",
                                catalog=catalog)
    save_user_template(t, user_dir=tmp_path / "a")
    export_bundle(["bundled"], tmp_path / "x.rsbundle", user_dir=tmp_path / "a")
    res = import_bundle(tmp_path / "x.rsbundle", user_dir=tmp_path / "b")
    assert res.installed == ["bundled"]
    assert read_template_file(res.files[0]) == t


def test_schema_rules_for_fixed_block():
    base = {"schema": "rackscape.template/1", "id": "t", "title": "T", "generation": "hopper"}
    with pytest.raises(ValueError, match="racks"):
        TemplateFile.model_validate({**base, "racks": []})
    fixed = {"width_m": 1, "depth_m": 1,
             "racks": [{"id": "R", "type": "rack-800x1200", "x_m": 0.4, "y_m": 0.6}]}
    assert TemplateFile.model_validate({**base, "racks": [], "fixed": fixed}).fixed.racks
    group = {"name": "g", "count": 1, "rack_type": "rack-800x1200"}
    with pytest.raises(ValueError, match="fixed"):
        TemplateFile.model_validate({**base, "racks": [group], "fixed": fixed})
    with pytest.raises(ValueError, match="at least one"):
        TemplateFile.model_validate({**base, "racks": [], "fixed": {"width_m": 1, "depth_m": 1}})


def test_a_fabric_whose_network_racks_stay_behind_is_left_out():
    # the SuperPOD fabric names its members; saving four GPU racks without the network
    # racks must not carry a fabric whose switches would land in a GPU rack
    from engine.snapshot import selection_left_behind

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    ids = [r.id for r in lay.racks if r.id.startswith("GPU")][:4]
    t = template_from_selection(lay, ids, "four-gpu-racks", "Four GPU racks")
    assert t.fixed.fabrics == []
    assert any(line.startswith("fabric compute is left out")
               for line in selection_left_behind(lay, ids))
    # no fabric is left to misplace switches: the only fabric finding is that the GPUs
    # are in none
    assert [v.code for v in analyze(instantiate(t)).violations
            if v.code.startswith("FABRIC")] == ["FABRIC-UNCONNECTED"]


def test_copies_of_a_saved_row_alternate_their_aisles():
    """A row saved and laid out three times: copy 2 is mirrored, so copies 1 and 2 share
    a hot aisle back to back and copies 2 and 3 a cold aisle front to front; none takes
    in another's exhaust (all facing one way, each copy blew into the next)."""
    lay = instantiate("dgx-h100-hall", {"racks": 8})
    row = sorted({r.row for r in lay.racks})[0]
    ids = [r.id for r in lay.racks if r.row == row]
    t = template_from_selection(lay, ids, "one-row", "One row")
    out = instantiate(t, {"copies": 3})
    # the copies' rows go on numbering after the block's own (R01: R02, R03)
    num = int(row[1:])
    names = [row, f"R{num + 1:02d}", f"R{num + 2:02d}"]
    assert sorted({r.row for r in out.racks}) == names
    rots = [sorted({r.rotation_deg for r in out.racks if r.row == name}) for name in names]
    first = lay.racks[[r.id for r in lay.racks].index(ids[0])].rotation_deg
    assert rots == [[first], [(180 - first) % 360], [first]]
    codes = [v.code for v in analyze(out).violations]
    assert "FLOOR-AIRFLOW" not in codes and "FLOOR-OVERLAP" not in codes


# -- where a save lands -----------------------------------------------------------------------

def test_replace_writes_the_file_the_library_reads_that_id_from(hall, catalog, tmp_path):
    """An import renamed onto itself wrote ``…-2`` at the top of the library; Replace then
    wrote a second file under the generation's folder, and the library kept showing the
    first one."""
    t = template_from_selection(hall, [hall.racks[0].id], "saved-rack", "Saved rack",
                                catalog=catalog)
    save_user_template(t, user_dir=tmp_path / "a")
    export_bundle(["saved-rack"], tmp_path / "x.rsbundle", user_dir=tmp_path / "a")
    lib = tmp_path / "a"
    # the library's copy changed since the export (the same copy would not be imported
    # again: it is already there)
    save_user_template(t.model_copy(update={"description": "edited since"}), overwrite=True,
                       user_dir=lib)
    res = import_bundle(tmp_path / "x.rsbundle", on_clash="rename", user_dir=lib)
    assert res.renamed == {"saved-rack": "saved-rack-2"}
    # the renamed copy lands where a saved one would: its generation's folder
    assert res.files == [lib / "hopper" / "saved-rack-2.json"]
    v2 = template_from_selection(hall, [hall.racks[1].id], "saved-rack-2", "Second rack",
                                 catalog=catalog)
    assert save_user_template(v2, overwrite=True, user_dir=lib) == res.files[0]
    shown = {x.id: x.title for x in list_templates(user_dir=lib)}
    assert shown["saved-rack-2"] == "Second rack"
    assert sorted(p.name for p in lib.rglob("*.json")) == ["saved-rack-2.json",
                                                           "saved-rack.json"]


def test_replace_finds_a_template_outside_its_generation_folder(hall, catalog, tmp_path):
    t = template_from_selection(hall, [hall.racks[0].id], "old-place", "Old place",
                                catalog=catalog)
    old = save_user_template(t, user_dir=tmp_path)
    top = tmp_path / "old-place.json"
    old.rename(top)  # as an import put it before templates went by generation
    assert library_path("old-place", "hopper", tmp_path) == top == template_path(t, tmp_path)
    with pytest.raises(FileExistsError):
        save_user_template(t, user_dir=tmp_path)
    v2 = t.model_copy(update={"title": "Old place v2"})
    assert save_user_template(v2, overwrite=True, user_dir=tmp_path) == top
    assert not (tmp_path / "hopper" / "old-place.json").exists()
    problems: list[str] = []
    shown = {x.id: x.title for x in list_templates(user_dir=tmp_path, problems=problems)}
    assert shown["old-place"] == "Old place v2" and problems == []


def test_a_new_id_never_writes_over_a_file_of_another_template(hall, catalog, tmp_path):
    other = template_from_selection(hall, [hall.racks[0].id], "other", "Other",
                                    catalog=catalog)
    squatter = save_user_template(other, user_dir=tmp_path)
    squatter.rename(tmp_path / "hopper" / "mine.json")  # file name and id differ
    t = template_from_selection(hall, [hall.racks[1].id], "mine", "Mine", catalog=catalog)
    path = save_user_template(t, user_dir=tmp_path)
    assert path == tmp_path / "hopper" / "mine-2.json"
    assert {x.id for x in list_templates(user_dir=tmp_path)} >= {"mine", "other"}


# -- fabrics of a saved selection -------------------------------------------------------------

@pytest.fixture(scope="module")
def gb200(catalog):
    return instantiate("gb200-nvl72-superpod", {"scalable_units": 2}, catalog=catalog)


def _four_racks_and_six_network_racks(lay):
    return [r.id for r in lay.racks if r.system][:4] + lay.fabrics[0].network_racks[:6]


def test_the_note_says_the_fabric_is_re_derived_with_its_switches(gb200, catalog):
    ids = _four_racks_and_six_network_racks(gb200)
    notes = selection_fabrics(gb200, ids, catalog)
    assert notes == ["fabric compute is re-derived for the 4 racks saved (the design's has "
                     "16): 56 switches (32 leaf, 24 spine) in its 6 network racks; copies of "
                     "the block join this one fabric"]
    a = analyze(instantiate(template_from_selection(gb200, ids, "b", "B", catalog=catalog),
                            catalog=catalog), catalog)
    assert a.counts["switches"]["total"] == 56
    whole = selection_fabrics(gb200, [r.id for r in gb200.racks], catalog)
    assert whole[0].startswith("fabric compute comes along whole (16 racks): 130 switches "
                               "(64 leaf, 48 spine, 18 core) in its 11 network racks")
    # no fabric kept, nothing to say
    assert selection_fabrics(gb200, [r.id for r in gb200.racks if r.system][:2], catalog) == []


def test_copies_of_a_block_join_one_fabric(gb200, catalog):
    """Two copies were two fabrics: FABRIC-ISLANDS and no bisection across the hall."""
    t = template_from_selection(gb200, _four_racks_and_six_network_racks(gb200), "b", "B",
                                catalog=catalog)
    assert "join one fabric" in t.parameters[0].help
    two = analyze(instantiate(t, {"copies": 2}, catalog=catalog), catalog)
    assert "FABRIC-ISLANDS" not in {v.code for v in two.violations}
    assert two.network.bisection_tbps > 0
    # four copies of a quarter of the 2-SU hall are its whole fabric again
    four = analyze(instantiate(t, {"copies": 4}, catalog=catalog), catalog)
    whole = analyze(gb200, catalog)
    assert four.counts["switches"] == whole.counts["switches"]
    assert four.network.bisection_tbps == pytest.approx(whole.network.bisection_tbps)


def test_taking_along_what_the_racks_use_gives_a_fed_cooled_block(catalog):
    # racks that name no CRAH (a hand-drawn hall): their zone's CRAH comes along, as do
    # their busways and the trays over them; the block laid out is fed and cooled
    from engine.analysis import analyze
    from engine.snapshot import selection_supplies
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=catalog)
    assert all(r.crah is None for r in lay.racks)
    row = [r.id for r in lay.racks if r.row == "R01"]
    extra = selection_supplies(lay, row, catalog)
    assert {x for x in extra if x.startswith("CRAH")} and {x for x in extra if x.startswith("BW")}
    t = template_from_selection(lay, [*row, *extra], "row-block", "Row block", catalog=catalog)
    codes = {v.code for v in analyze(instantiate(t, catalog=catalog), catalog).violations
             if v.severity == "error"}
    assert not codes & {"COOL-NO-AIR", "POWER-UNFED", "COOL-N1", "COOL-CAPACITY"}
    # the whole hall saved: its CRAHs share the room's air as one N+1 group, and all of
    # them come along (the zones' units alone left the block short of N+1)
    every = [r.id for r in lay.racks]
    crahs = {u.id for u in lay.cooling if u.kind == "crah"}
    assert crahs <= set(selection_supplies(lay, every, catalog))
    bare = template_from_selection(lay, row, "bare-block", "Bare block", catalog=catalog)
    codes = {v.code for v in analyze(instantiate(bare, catalog=catalog), catalog).violations}
    assert {"COOL-NO-AIR", "POWER-UNFED"} <= codes


def test_a_crah_keeps_its_air_return_beside_it_in_the_template(catalog):
    """A CRAH draws its air 1.2 m in front of it (its return point); saved as a template
    and laid out again, the return stays 1.2 m in front of the unit, not where it was in
    the hall the selection came from."""
    from engine.templates import instantiate as inst

    lay = inst("dgx-h100-superpod", {"scalable_units": 1}, catalog=catalog)
    crah = next(u for u in lay.cooling if u.kind == "crah" and u.return_xy_m is not None)
    ids = [r.id for r in lay.racks if r.row == "R01"] + [crah.id]
    t = template_from_selection(lay, ids, "row-and-crah", "Row and CRAH", catalog=catalog)
    out = inst(t, {}, catalog=catalog)
    unit = next(u for u in out.cooling if u.kind == "crah")
    assert (unit.return_xy_m[0] - unit.x_m, unit.return_xy_m[1] - unit.y_m) == pytest.approx(
        (crah.return_xy_m[0] - crah.x_m, crah.return_xy_m[1] - crah.y_m))


def test_the_rooms_cooling_is_said_left_out_only_where_the_hall_has_some():
    from engine.snapshot import selection_left_behind
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 4})
    rack = lay.racks[0].id
    assert any("room's cooling (no CRAH (air) unit selected)" in line
               for line in selection_left_behind(lay, [rack]))
    bare = lay.model_copy(update={"cooling": []})
    assert not any("cooling" in line for line in selection_left_behind(bare, [rack]))


def test_copies_of_a_fat_tree_block_grow_it_past_its_k():
    # a k=6 fat-tree holds 54 hosts at most; its 48-GPU block copied twice is 96 GPUs: one
    # non-blocking Clos of the QM9700's whole radix (96 / 32 = 3 leaves, their 96 uplinks
    # over 2 spines), not too many pods for a 6-port core
    from engine.analysis import analyze
    from engine.templates import instantiate as make

    lay = make("fat-tree", {"k": 6})
    ids = [r.id for r in lay.racks] + [u.id for u in lay.cooling] + [f.id for f in lay.feeds]
    t = template_from_selection(lay, ids, "ft6", "k=6 block")
    one = analyze(make(t, {"copies": 1}))
    assert one.counts["gpus"] == 48 and sum(one.network.switches_by_tier.values()) == 43
    two = analyze(make(t, {"copies": 2}))
    assert two.counts["gpus"] == 96
    assert not [v for v in two.violations if v.code.startswith("FABRIC")]
    assert two.network.switches_by_tier["leaf"] == 3 and two.network.switches_by_tier["spine"] == 2
    assert two.network.bisection_tbps == 96 * 400 / 2 / 1000


def test_a_few_racks_take_along_the_nearest_cooling_that_carries_them_n_plus_1():
    # three DGX H100 racks (123 kW of air) of a hall of seven 150 kW CRAHs in one group:
    # the two nearest carry them with one failed (150 kW >= 123 kW), not all seven
    from engine.snapshot import selection_supplies

    lay = instantiate("dgx-h100-hall", {})
    crahs = [u.id for u in lay.cooling if u.kind == "crah"]
    assert len(crahs) == 7
    ids = [r.id for r in lay.racks if r.row == "R01"][:3]
    taken = [i for i in selection_supplies(lay, ids) if i in crahs]
    assert len(taken) == 2
    t = template_from_selection(lay, ids + selection_supplies(lay, ids), "three", "Three racks")
    a = analyze(instantiate(t, {}))
    assert not [v for v in a.violations if v.code.startswith("COOL") and v.severity == "error"]
