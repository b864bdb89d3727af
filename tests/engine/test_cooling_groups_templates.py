"""Template halls: CRAH redundancy groups per wall side and band of rows.

A spare CRAH only stands in for units that cool the same air, so a hall that needs
more than ``cooling.crah_group_max_units`` (12 by default) CRAHs gets an N+1 group per
wall side and band of neighbouring rows, each sized for the air of the racks it
serves; a small hall keeps its one group and its unit count.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest
from pydantic import ValidationError

from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.cooling import unit_group_names
from engine.templates import CoolingSpec, get_template, instantiate

CAT = load_catalog(user_dir=None)


@pytest.fixture(scope="module")
def meta():
    lay = instantiate("meta-24k-roce", {}, catalog=CAT)
    return lay, analyze(lay, CAT)


def _crahs_by_group(lay) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for u in lay.cooling:
        if u.kind == "crah":
            out[u.group].append(u)
    return out


def _side_rows(lay, a) -> tuple[dict, Counter, dict]:
    """Each (side, row)'s air heat (kW) and rack count, and each rack's (side, row): a
    rack west of the middle of the rows is on the west side; one astride it gives each
    side half of its heat, as in the room's shared air."""
    xs = [r.x_m for r in lay.racks]
    mid = (min(xs) + max(xs)) / 2
    kw: dict[tuple[str, str], float] = defaultdict(float)
    count: Counter = Counter()
    where = {}
    for r, air in zip(lay.racks, a.cooling.rack_air_kw.tolist(), strict=True):
        if abs(r.x_m - mid) < 1e-6:
            kw[("west", r.row)] += air / 2
            kw[("east", r.row)] += air / 2
            where[r.id] = ("west", r.row)
        else:
            side = "west" if r.x_m < mid else "east"
            kw[(side, r.row)] += air
            where[r.id] = (side, r.row)
        count[where[r.id]] += 1
    return kw, count, where


def _band(lay, a, group: str) -> list[tuple[str, str]]:
    """The (side, row)s a group serves: those most of whose racks have their nearest
    CRAH (their zone) in the group."""
    _kw, count, where = _side_rows(lay, a)
    c = a.cooling
    served: Counter = Counter()
    for r, z in zip(lay.racks, c.rack_crah.tolist(), strict=True):
        if lay.cooling[z].group == group:
            served[where[r.id]] += 1
    return sorted(k for k, n in served.items() if n > count[k] / 2)


def test_meta_cluster_has_an_n_plus_one_group_per_wall_side_and_band_of_rows(meta):
    lay, a = meta
    groups = _crahs_by_group(lay)
    # 32 rows of 48 racks; a band of three rows on one side is 72 racks of about 23.4 kW
    # (two HGX H100 and the rack switch), 1,682 kW x 1.3 / 250 kW = 8.7 -> 9 units + 1:
    # four rows would need 12 + 1 = 13 > 12, so the 32 rows make 11 bands per side
    # (ten of three rows, one of two), 22 groups, 214 units (193 in one group before)
    assert len(groups) == 22
    assert set(groups) == {f"CRAH {side} {k}" for side in ("west", "east") for k in range(1, 12)}
    assert sorted(Counter(len(us) for us in groups.values()).items()) == [(7, 2), (10, 20)]
    assert sum(len(us) for us in groups.values()) == 214
    # a group's units stand on its own wall, side by side
    hall_mid = lay.hall.outline[1][0] / 2
    for name, us in groups.items():
        assert {u.x_m < hall_mid for u in us} == {name.split()[1] == "west"}
    # the facing groups serve the same rows
    assert _band(lay, a, "CRAH west 4") == [("west", "R10"), ("west", "R11"), ("west", "R12")]
    assert _band(lay, a, "CRAH east 4") == [("east", "R10"), ("east", "R11"), ("east", "R12")]


def test_meta_cluster_every_crah_group_carries_its_own_load_with_a_unit_out(meta):
    lay, a = meta
    c = a.cooling
    crah_groups = {c.group_names[g] for g, k in zip(c.unit_group.tolist(), c.unit_kind,
                                                    strict=True) if k == "crah"}
    assert len(crah_groups) == 22
    for g, name in enumerate(c.group_names):
        if name in crah_groups:
            assert c.group_margin_kw[g] >= 0, name
            assert c.group_n1_capacity_kw[g] >= c.group_load_kw[g], name
    assert c.unit_utilization.max() <= 1.0
    assert not [v.code for v in a.violations if v.severity == "error"]


def test_meta_cluster_one_group_checked_by_hand(meta):
    lay, a = meta
    kw, count, _where = _side_rows(lay, a)
    band = _band(lay, a, "CRAH west 1")
    # the front band: the west halves of the first three rows, 24 compute racks each
    # (2 x HGX H100 and the rack switch, 23.356 kW of air), and half of each row's network
    # rack, which stands astride the middle of its row: four 7804R4 CTSWs (4.352 kW of
    # line cards) and the pod's share of the ATSWs, with their modules (28.058 kW: the
    # CTSW-ATSW links in the rack run cage to cage, 2 m at most on copper [S15], so those
    # longer take optics)
    assert band == [("west", "R01"), ("west", "R02"), ("west", "R03")]
    assert [count[k] for k in band] == [25, 25, 25]
    air = {r.id: kw_r for r, kw_r in zip(lay.racks, a.cooling.rack_air_kw.tolist(),
                                            strict=True)}
    mid = (min(r.x_m for r in lay.racks) + max(r.x_m for r in lay.racks)) / 2
    compute = [r.id for r in lay.racks if r.row in ("R01", "R02", "R03") and r.devices
               and r.x_m < mid]
    assert len(compute) == 72 and all(air[i] == pytest.approx(23.3564) for i in compute)
    assert (air["NET-0001"], air["NET-0002"], air["NET-0003"]) \
        == pytest.approx((28.058, 28.058, 28.058))
    air_kw = sum(kw[k] for k in band)
    assert air_kw == pytest.approx(72 * 23.3564 + 3 * 28.058 / 2)  # 1,723.7 kW
    units = _crahs_by_group(lay)["CRAH west 1"]
    # ceil(1,723.6 x 1.3 / 250) = ceil(8.96) = 9 working units, plus the spare
    assert len(units) == math.ceil(air_kw * 1.3 / 250.0) + 1 == 10
    assert all(u.capacity_kw == 250.0 for u in units)
    # with its largest unit out, the group still has (10 - 1) x 250 = 2,250 kW for the
    # 1,724 kW of air of the racks it serves, and for the load the engine's shared air
    # gives it (less: the front band's racks also spread some heat to the next band)
    assert (len(units) - 1) * 250.0 == 2250.0 >= air_kw
    g = a.cooling.group_names.index("CRAH west 1")
    assert a.cooling.group_n1_capacity_kw[g] == 2250.0
    assert 0 < a.cooling.group_load_kw[g] <= 2250.0


def test_meta_cluster_spares_are_one_per_group(meta):
    # each group's units are its band's air x 1.3 / 250 kW rounded up, plus its one
    # spare (redundancy 1): 22 spares in all, where one group had 1 for 193 units
    lay, a = meta
    kw, _count, _where = _side_rows(lay, a)
    groups = _crahs_by_group(lay)
    spares = 0
    for name, units in groups.items():
        load_kw = sum(kw[k] for k in _band(lay, a, name))
        spares += len(units) - math.ceil(load_kw * 1.3 / 250.0 - 1e-9)
    assert spares == len(groups) * get_template("meta-24k-roce").cooling.redundancy == 22


def test_one_group_however_large_when_the_template_asks_for_it():
    t = get_template("meta-24k-roce")
    one = t.model_copy(update={"cooling": t.cooling.model_copy(
        update={"crah_group_max_units": None})})
    lay = instantiate(one, {}, catalog=CAT)
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    # the layout before redundancy groups: 193 units, one spare (the hall's 36,771 kW of
    # air x 1.3 / 250 kW = 191.2 -> 192, plus 1)
    assert len(crahs) == 193 and {u.group for u in crahs} == {"CRAH"}


@pytest.mark.parametrize(("params", "n_crah"), [({}, 7), ({"racks": 8}, 4)])
def test_a_small_hall_keeps_one_group_and_its_unit_count(params, n_crah):
    # dgx-h100-hall: 18 racks (16 DGX H100 and 2 network racks) reject 698.4 kW to air:
    # ceil(698.4 x 1.1 / 150) + 1 = 6 + 1 = 7 units, as before groups; 8 racks
    # (349.2 kW): ceil(2.56) + 1 = 4
    lay = instantiate("dgx-h100-hall", params, catalog=CAT)
    a = analyze(lay, CAT)
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    assert len(crahs) == math.ceil(a.cooling.air_kw * 1.1 / 150.0) + 1 == n_crah
    assert {u.group for u in crahs} == {"CRAH"}
    assert [n for n in a.cooling.group_names] == ["CRAH"]
    assert a.cooling.group_margin_kw[0] >= 0


@pytest.mark.parametrize("tid", ["cpu-cluster", "dgx-b200-superpod", "dgx-b300-superpod",
                                 "dgx-h100-superpod", "fat-tree", "gb200-nvl72-superpod",
                                 "gb300-nvl72-superpod", "mi300x-cluster", "mi355x-cluster",
                                 "vera-rubin-nvl144"])
def test_every_other_builtin_template_keeps_one_crah_group_at_its_defaults(tid):
    # the largest of them needs 11 units (GB200 NVL72, 4 SU), within the default 12
    lay = instantiate(tid, {}, catalog=CAT)
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    assert crahs and len(crahs) <= 12 and {u.group for u in crahs} == {"CRAH"}


@pytest.mark.parametrize(("tid", "params", "n_groups"), [
    ("gb300-nvl72-superpod", {"scalable_units": 16}, 4),
    ("mi300x-cluster", {"scalable_units": 16}, 6),
    ("cpu-cluster", {"racks": 500}, 10),
    ("dgx-b200-superpod", {"scalable_units": 32, "systems_per_rack": 2}, 8),
    ("gb200-nvl72-superpod", {"scalable_units": 15}, 4),
    ("dgx-h100-superpod", {"scalable_units": 32}, 6),
])
def test_large_halls_have_crah_groups_each_n_plus_one(tid, params, n_groups):
    lay = instantiate(tid, params, catalog=CAT)
    a = analyze(lay, CAT)
    c = a.cooling
    groups = _crahs_by_group(lay)
    assert len(groups) == n_groups
    assert all(len(us) <= 12 for us in groups.values())
    # west and east groups face each other band by band
    assert sorted(g.replace("west", "east") for g in groups if "west" in g) \
        == sorted(g for g in groups if "east" in g)
    crah = np.array([k == "crah" for k in c.unit_kind])
    assert c.unit_utilization[crah].max() <= 1.0 + 1e-9
    for g in set(c.unit_group[crah].tolist()):
        assert c.group_margin_kw[g] >= 0, c.group_names[g]
    assert not [v.code for v in a.violations if v.severity == "error"]


def test_rear_doors_join_the_doors_group_of_their_racks_room_units():
    # MI300X at 16 SU: the network racks in mid-row are over the air limit and get a
    # rear door; each door is named into its rack's band group, so unit_group_names
    # keeps it apart from the room units ("... (rear doors)"), and the room groups'
    # margins also cover a door failing
    lay = instantiate("mi300x-cluster", {"scalable_units": 16}, catalog=CAT)
    a = analyze(lay, CAT)
    doors = [u for u in lay.cooling if u.kind == "rear_door"]
    room = {u.group for u in lay.cooling if u.kind == "crah"}
    assert doors and {d.group for d in doors} <= room
    names = dict(zip((u.id for u in lay.cooling), unit_group_names(lay.cooling), strict=True))
    assert all(names[d.id] == f"{d.group} (rear doors)" for d in doors)
    assert not [v.code for v in a.violations if v.code.startswith("COOL")
                and v.severity == "error"]


def test_a_group_cap_must_leave_a_working_unit():
    with pytest.raises(ValidationError, match="more than redundancy"):
        CoolingSpec(redundancy=2, crah_group_max_units=2)
    with pytest.raises(ValidationError):
        CoolingSpec(crah_group_max_units=1)
    assert CoolingSpec().crah_group_max_units == 12
    assert CoolingSpec(crah_group_max_units=None).crah_group_max_units is None
