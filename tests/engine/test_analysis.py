"""The analysis entry points: the JSON contract and properties on random layouts.

Random layouts mix air, liquid and rack-scale racks, explicit and nearest
cooling, rear doors, A/B feeds with unknown names, obstacles and racks on
coincident positions (exact distance ties), so the incremental :class:`Analyzer`
is compared with a full :func:`analyze` on the cases that are easy to get wrong.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.analysis import ANALYSIS_SCHEMA, Analyzer, analyze
from engine.catalog import load_catalog
from engine.io import load_layout, save_layout
from engine.model import (
    Assumptions,
    CoolingUnit,
    Hall,
    Layout,
    MountedDevice,
    Obstacle,
    PowerFeed,
    Rack,
)

CATALOG = load_catalog(user_dir=None)
DEVICES = ["dgx-h100", "hgx-h100-8gpu", "mi355x-8gpu", "qm9700", "epyc-9004-2s", "gh200-node",
           "connectx-7", "dgx-b200"]
RACK_TYPES = ["rack-600x1200", "rack-800x1200", "orv3-hpr"]
ROWS = [None, "R01", "R02"]

# -- the JSON contract of design.md -----------------------------------------------------------

CONTRACT = {
    "counts": {"gpus", "servers", "cpu_nodes", "racks", "switches"},
    "power": {"it_kw", "facility_kw", "max_rack_kw", "pue"},
    "cooling": {"heat_kw", "air_kw", "liquid_kw", "airflow_cfm"},
    "cabling": {"links", "by_tier", "by_medium", "transceivers", "total_length_m",
                "max_length_m"},
    "network": {"bisection_tbps", "bisection_method", "per_gpu_bisection_gbps",
                "oversubscription", "scaleup_domain_gpus"},
}


def test_analysis_json_has_the_contract_keys(builder):
    lay = (builder().rack("R1", 2, 2).rack("R2", 2, 6, rotation_deg=180).crah("C1", 19, 6, 50)
           .feed("A1", "A").build())
    d = analyze(lay, CATALOG).to_dict()
    assert d["schema"] == ANALYSIS_SCHEMA == "rackscape.analysis/1"
    assert d["generation"] == "hopper"
    for section, keys in CONTRACT.items():
        assert keys <= set(d[section]), section
    assert {"leaf", "spine", "core"} <= set(d["counts"]["switches"])
    assert isinstance(d["cabling"]["by_tier"], dict) and isinstance(d["cabling"]["by_medium"], dict)
    assert d["violations"], "this layout breaks rules, so the list is checked"
    for v in d["violations"]:
        assert set(v) == {"code", "severity", "message", "items"}
        assert isinstance(v["items"], list)
    # units in the names, numbers as JSON numbers
    assert d["power"]["it_kw"] == 81.6 and d["cooling"]["airflow_cfm"] == 8840.0
    assert d["counts"]["gpus"] == 64 and d["counts"]["racks"] == 2
    import json

    assert json.loads(analyze(lay, CATALOG).to_json()) == d


def test_empty_hall_analyzes(builder):
    d = analyze(builder().build(), CATALOG).to_dict()
    assert d["power"]["it_kw"] == 0 and d["counts"]["racks"] == 0 and d["violations"] == []


def test_unknown_types_raise_input_error_with_the_field(builder):
    from engine.errors import InputError

    lay = builder().rack("R1", 2, 2, devices=("dgx-h100", "warp-drive")).build()
    with pytest.raises(InputError) as err:
        analyze(lay, CATALOG)
    assert err.value.field == "racks[0].devices[1].type" and "warp-drive" in err.value.expected
    lay = builder().rack("R1", 2, 2, rack_type="rack-9000").build()
    with pytest.raises(InputError, match=r"racks\[0\].type"):
        analyze(lay, CATALOG)


# -- random layouts -----------------------------------------------------------------------------

coord = st.integers(-20, 620).map(lambda v: v / 20)  # 5 cm grid, a little outside the hall too


@st.composite
def rack_contents(draw):
    if draw(st.integers(0, 6)) == 0:
        return "nvl72-rack", draw(st.sampled_from(["gb200-nvl72", "gb300-nvl72"])), []
    devs = draw(st.lists(st.tuples(st.sampled_from(DEVICES), st.integers(1, 46)), max_size=5))
    rtype = draw(st.sampled_from(RACK_TYPES))
    return rtype, None, [MountedDevice(type=t, u=u) for t, u in devs]


@st.composite
def layouts(draw, max_racks=12):
    n_feeds = draw(st.integers(0, 4))
    # busway runs (some short enough to be a point) that racks may sit under or away from
    run = st.lists(st.tuples(coord, coord), min_size=2, max_size=4)
    feeds = [PowerFeed(id=f"F{i}", side="AB"[i % 2], amps=draw(st.sampled_from([60, 200, 400])),
                       kind=draw(st.sampled_from(["busway", "pdu"])), points=draw(run))
             for i in range(n_feeds)]
    feed_ids = [f.id for f in feeds] + ["GHOST"]
    n = draw(st.integers(0, max_racks))
    units: list[CoolingUnit] = []
    for i in range(draw(st.integers(0, 4))):
        units.append(CoolingUnit(id=f"C{i}", kind="crah", x_m=draw(coord), y_m=draw(coord),
                                 capacity_kw=draw(st.sampled_from([50.0, 100.0, 150.0])),
                                 rotation_deg=draw(st.sampled_from([0, 90])),
                                 group=draw(st.sampled_from([None, "west"]))))
    for i in range(draw(st.integers(0, 2))):
        units.append(CoolingUnit(id=f"D{i}", kind="cdu", x_m=draw(coord), y_m=draw(coord),
                                 capacity_kw=draw(st.sampled_from([250.0, 1350.0])),
                                 flow_lpm=draw(st.sampled_from([None, 100.0, 1200.0]))))
    unit_ids = [u.id for u in units] + ["NOWHERE"]
    racks = []
    for i in range(n):
        rtype, system, devices = draw(rack_contents())
        racks.append(Rack(
            id=f"R{i}", type=rtype, x_m=draw(coord), y_m=draw(coord),
            rotation_deg=draw(st.sampled_from([0, 90, 180, 270])), system=system,
            devices=devices, row=draw(st.sampled_from(ROWS)),
            feeds=draw(st.lists(st.sampled_from(feed_ids), max_size=3, unique=True)),
            crah=draw(st.sampled_from([None, None, *unit_ids])),
            cdu=draw(st.sampled_from([None, None, *unit_ids]))))
    for i in range(draw(st.integers(0, 2)) if n else 0):
        target = draw(st.sampled_from([r.id for r in racks]))
        units.append(CoolingUnit(id=f"RD{i}", kind="rear_door", x_m=0, y_m=0, rack=target,
                                 capacity_kw=draw(st.sampled_from([20.0, 35.0, 75.0]))))
    obstacles = [Obstacle(id=f"O{i}", polygon=[(x, y), (x + 0.6, y), (x + 0.6, y + 0.6),
                                                (x, y + 0.6)])
                 for i, (x, y) in enumerate(draw(st.lists(st.tuples(coord, coord), max_size=2)))]
    assumptions = Assumptions(
        delta_t_air_k=draw(st.sampled_from([11.7, 16.0])),
        utilization_factor=draw(st.sampled_from([1.0, 0.7])),
        aisle_clearance_m=draw(st.sampled_from([1.2, 0.0, 2.0])))
    # a name is one line of printable text (control characters are refused)
    name = draw(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")),
                        max_size=20))
    return Layout(name=name, hall=Hall(
        outline=[(0, 0), (30, 0), (30, 30), (0, 30)], obstacles=obstacles,
        floor_rating_kg_m2=draw(st.sampled_from([800.0, 1200.0]))),
        racks=racks, cooling=units, feeds=feeds, assumptions=assumptions)


def _catalog_power_kw(layout: Layout) -> tuple[list[float], int]:
    """Per-rack kW and GPU count straight from the catalog, without the engine."""
    util = layout.assumptions.utilization_factor
    kw, gpus = [], 0
    for r in layout.racks:
        types = [r.system] if r.system else [d.type for d in r.devices]
        watts = 0.0
        for t in types:
            dev = CATALOG.device(t)
            watts += (dev.power_max_w.value or dev.power_typical_w.value or 0.0) * util
            gpus += dev.gpus
        kw.append(watts / 1000)
    return kw, gpus


@given(layouts())
def test_per_rack_sums_equal_hall_totals(lay):
    a = analyze(lay, CATALOG)
    p, c = a.power, a.cooling
    rack_kw, gpus = _catalog_power_kw(lay)
    assert p.rack_kw.tolist() == pytest.approx(rack_kw, abs=1e-9)
    assert p.it_kw == pytest.approx(sum(rack_kw) + p.optics_kw, abs=1e-9)
    assert a.counts["gpus"] == gpus == int(a.arrays.rack_gpus.sum())
    assert p.row_kw.sum() == pytest.approx(p.rack_kw.sum(), abs=1e-9)
    fed = p.rack_feed_count > 0
    assert p.feed_load_kw.sum() == pytest.approx(p.rack_kw[fed].sum(), abs=1e-9)
    assert c.air_kw + c.liquid_kw == pytest.approx(c.heat_kw)
    assert c.rack_liquid_kw.sum() == pytest.approx(c.liquid_kw, abs=1e-9)
    assert (c.rack_air_kw + c.rack_door_kw).sum() + p.optics_kw == pytest.approx(c.air_kw,
                                                                                 abs=1e-9)
    # the racks' airflow plus the optics' heat at the hall's dT: CFM = 3.16 x W / dT(F)
    optics_cfm = 3.16 * p.optics_kw * 1000.0 / (lay.assumptions.delta_t_air_k * 1.8)
    assert c.airflow_cfm == pytest.approx(float(c.rack_airflow_cfm.sum()) + optics_cfm)
    # every kW with a destination arrives at a unit: doors, CRAHs (air), CDUs (liquid)
    to_air = (c.rack_crah >= 0)
    to_cdu = (c.rack_cdu >= 0)
    expected = (c.rack_door_kw.sum() + c.rack_air_kw[to_air].sum()
                + c.rack_liquid_kw[to_cdu].sum())
    assert c.unit_load_kw.sum() == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(layouts(), st.data())
def test_moving_racks_never_changes_power(lay, data):
    before = analyze(lay, CATALOG).power
    racks = [r.model_copy(update={"x_m": data.draw(coord), "y_m": data.draw(coord),
                                  "rotation_deg": data.draw(st.sampled_from([0, 90, 180, 270]))})
             for r in lay.racks]
    after = analyze(lay.model_copy(update={"racks": racks}), CATALOG).power
    for name in ("it_kw", "facility_kw", "pue", "max_rack_kw", "gpus_per_mw"):
        assert getattr(after, name) == getattr(before, name), name
    for name in ("rack_kw", "row_kw", "feed_load_kw", "feed_failover_kw", "feed_utilization"):
        assert np.array_equal(getattr(after, name), getattr(before, name)), name


def _same(inc, full):
    assert inc.to_dict() == full.to_dict()
    # beyond the rounded JSON: the arrays are bit-identical
    for dom, names in (("cooling", ("unit_load_kw", "rack_crah", "rack_cdu", "rack_air_kw",
                                    "group_margin_kw")),
                       ("power", ("feed_load_kw", "feed_failover_kw", "rack_kw", "pair_gap_m",
                                  "rack_unknown_power", "feed_unknown_power")),
                       ("floor", ("overlaps", "outside", "aisle_blocked", "exhaust_into_intake",
                                 "rack_load_kg_m2", "rack_weight_unknown"))):
        for name in names:
            x, y = getattr(getattr(inc, dom), name), getattr(getattr(full, dom), name)
            assert np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind == "f"), \
                f"{dom}.{name}"
    assert inc.floor.on_obstacle == full.floor.on_obstacle


edit = st.tuples(st.sampled_from(["move", "move", "move", "rotate", "contents", "feeds", "crah",
                                  "row", "type", "two"]),
                 st.integers(0, 10_000), st.integers(0, 10_000))


@given(layouts(), st.lists(edit, min_size=1, max_size=10), st.data())
def test_incremental_update_equals_full_analysis(lay, edits, data):
    an = Analyzer(lay, CATALOG)
    _same(an.result, analyze(lay, CATALOG))
    kept = []
    for kind, i, j in edits:
        if not lay.racks:
            break
        racks = list(lay.racks)
        k = i % len(racks)
        r = racks[k]
        changed = [r.id]
        if kind == "move":
            upd = {"x_m": data.draw(coord), "y_m": data.draw(coord)}
        elif kind == "rotate":
            upd = {"rotation_deg": (r.rotation_deg + 90 * (1 + j % 3)) % 360}
        elif kind == "contents":
            rtype, system, devices = data.draw(rack_contents())
            upd = {"type": rtype, "system": system, "devices": devices}
        elif kind == "feeds":
            upd = {"feeds": [f.id for f in lay.feeds][: j % 3] + (["GHOST"] if j % 5 == 0 else [])}
        elif kind == "crah":
            upd = {"crah": data.draw(st.sampled_from([None, *[u.id for u in lay.cooling]])),
                   "cdu": data.draw(st.sampled_from([None, *[u.id for u in lay.cooling]]))}
        elif kind == "row":
            upd = {"row": ROWS[j % 3]}
        elif kind == "type":
            upd = {"type": RACK_TYPES[j % 3]} if r.system is None else {}
        else:  # two racks moved in one gesture
            other = racks[j % len(racks)]
            racks[j % len(racks)] = other.model_copy(update={"y_m": data.draw(coord)})
            changed.append(other.id)
            upd = {"x_m": data.draw(coord)}
        racks[k] = racks[k].model_copy(update=upd)
        lay = lay.model_copy(update={"racks": racks})
        result = an.update(lay, changed)
        _same(result, analyze(lay, CATALOG))
        if kind in ("move", "rotate", "row", "feeds"):
            assert an.was_incremental  # not vacuous: these never need a recompile
        kept.append((result, result.to_dict()))
    for result, snapshot in kept:
        assert result.to_dict() == snapshot  # later updates never change earlier results


def test_non_rack_edits_recompute_everything(builder):
    lay = (builder().rack("R1", 2, 2).rack("R2", 6, 2).crah("C1", 1, 8, 100)
           .crah("C2", 18, 8, 100).feed("A1", "A").build())
    an = Analyzer(lay, CATALOG)
    units = [lay.cooling[0].model_copy(update={"x_m": 10.0}), lay.cooling[1]]
    moved = lay.model_copy(update={"cooling": units})
    assert an.update(moved, ["C1"]).to_dict() == analyze(moved, CATALOG).to_dict()
    assert not an.was_incremental
    bigger = moved.model_copy(update={"racks": [*moved.racks, Rack(id="R3", type="rack-800x1200",
                                                                    x_m=9, y_m=9)]})
    assert an.update(bigger, ["R3"]).to_dict() == analyze(bigger, CATALOG).to_dict()
    assert not an.was_incremental
    assert an.update(bigger, None).to_dict() == analyze(bigger, CATALOG).to_dict()


def test_failed_update_leaves_a_working_analyzer(builder):
    from engine.errors import InputError

    lay = builder().rack("R1", 2, 2).rack("R2", 6, 2).crah("C1", 1, 8, 100).build()
    an = Analyzer(lay, CATALOG)
    bad = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"type": "nope"}),
                                           lay.racks[1]]})
    with pytest.raises(InputError):
        an.update(bad, ["R1"])
    moved = lay.model_copy(update={"racks": [lay.racks[0], lay.racks[1].model_copy(
        update={"x_m": 9.0})]})
    assert an.update(moved, ["R2"]).to_dict() == analyze(moved, CATALOG).to_dict()


@given(layouts(max_racks=6))
def test_save_then_load_is_identity(lay):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hall.json"
        save_layout(lay, path)
        back = load_layout(path)
        assert back == lay
        assert back.model_dump() == lay.model_dump()
        assert analyze(back, CATALOG).to_dict() == analyze(lay, CATALOG).to_dict()


def test_incremental_on_a_template_hall_spanning_many_blocks():
    # 150 racks (three 64-rack blocks of the shared-air model) and 46 CRAHs (k-d tree
    # path of the nearest-unit search); moves, rotations and swaps across blocks
    from engine.cooling import SHARE_BLOCK
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 150}, catalog=CATALOG)
    crahs = sum(u.kind == "crah" for u in lay.cooling)
    assert len(lay.racks) > 2 * SHARE_BLOCK and crahs >= 32
    an = Analyzer(lay, CATALOG)
    rng = np.random.default_rng(5)
    for step in range(12):
        racks = list(lay.racks)
        ids = []
        for k in rng.choice(len(racks), size=1 + step % 3, replace=False).tolist():
            r = racks[k]
            racks[k] = r.model_copy(update={"x_m": round(r.x_m + rng.normal(0, 3), 2),
                                            "y_m": round(r.y_m + rng.normal(0, 3), 2),
                                            "rotation_deg": int(rng.choice([0, 90, 180, 270]))})
            ids.append(r.id)
        lay = lay.model_copy(update={"racks": racks})
        _same(an.update(lay, ids), analyze(lay, CATALOG))
        assert an.was_incremental
