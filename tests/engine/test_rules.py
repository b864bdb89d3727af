"""Rules: the registry, codes, severities and the items each violation names."""

from __future__ import annotations

import re

import pytest

import engine.analysis  # noqa: F401  (registers the domain rules)
from engine.analysis import analyze
from engine.rules import RULES, SEVERITY_ORDER, Violation, rule, run_rules

CORE_RULES = {
    "POWER-FEED-OVER": "power", "POWER-AB-LOSS": "power", "POWER-NO-REDUNDANCY": "power",
    "COOL-N1": "cooling", "COOL-UNIT-OVER": "cooling", "COOL-UNIT-IDLE": "cooling", "COOL-MISSING": "cooling",
    "COOL-AIR-LIMIT": "cooling",
    "FLOOR-OVERLAP": "floor", "FLOOR-OUTSIDE": "floor", "FLOOR-AISLE": "floor",
    "FLOOR-LOAD": "floor", "RACK-U": "floor",
}


def test_core_rules_are_registered_with_a_domain_and_description():
    for name, domain in CORE_RULES.items():
        r = RULES[name]
        assert r.domain == domain and r.description.endswith(".") and callable(r.check)


@pytest.fixture
def broken(builder):
    """A layout that breaks a rule of every core family."""
    return (builder(10, 8, floor_rating_kg_m2=600)
            .feed("A1", "A", amps=60)
            .rack("R1", 2, 2, rotation_deg=180)
            .rack("R2", 2.5, 2)  # overlaps R1
            .rack("R3", 9.8, 4, feeds=["A1", "NOPE"])  # outside, unknown feed
            .rack("R4", 2, 2.6 + 0.6 + 0.5, rotation_deg=0, feeds=[],
                  devices=("dgx-h100", "dgx-h100"), pitch_u=2)  # narrow aisle, U clash, unfed
            .rack("N1", 7, 6, rack_type="nvl72-rack", system="gb200-nvl72")  # no CDU
            .crah("C1", 0.6, 7, 100)  # far too small
            .obstacle("COL", 1.8, 1.8, 2.2, 2.2)
            .build())


def test_every_family_fires_with_codes_severities_and_items(broken, catalog):
    a = analyze(broken, catalog)
    got = {v.code for v in a.violations}
    assert {"POWER-FEED-OVER", "POWER-NO-REDUNDANCY", "POWER-UNFED", "POWER-UNKNOWN-FEED",
            "COOL-CAPACITY", "COOL-UNIT-OVER", "COOL-NO-LIQUID", "COOL-AIR-LIMIT",
            "FLOOR-OVERLAP", "FLOOR-OUTSIDE", "FLOOR-OBSTACLE", "FLOOR-AISLE", "FLOOR-LOAD",
            "RACK-U-CONFLICT"} <= got
    ids = broken.all_ids()
    for v in a.violations:
        assert re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", v.code)
        assert v.severity in SEVERITY_ORDER
        assert v.message and v.items, v
        assert set(v.items) <= ids, v  # the GUI can select every item named


def test_violations_come_errors_first_then_by_code(broken, catalog):
    vs = analyze(broken, catalog).violations
    keys = [(SEVERITY_ORDER[v.severity], v.code) for v in vs]
    assert keys == sorted(keys)
    assert vs[0].severity == "error" and vs[-1].severity == "warning"


def test_run_rules_by_domain(broken, catalog):
    a = analyze(broken, catalog)
    from engine.analysis import Context

    ctx = Context(broken, catalog, a.arrays, a.network, a.power, a.cooling, a.floor)
    power_only = run_rules(ctx, domains={"power"})
    assert power_only and all(v.code.startswith("POWER") for v in power_only)
    assert run_rules(ctx, domains={"no-such-domain"}) == []


def test_a_registered_rule_runs_in_every_analysis(builder, catalog):
    @rule("TEST-EMPTY-HALL", "test", "The hall has no racks.")
    def _empty(ctx):
        if ctx.arrays.n_racks:
            return []
        return [Violation("TEST-EMPTY-HALL", "info", "No racks yet")]

    try:
        empty = analyze(builder().build(), catalog)
        assert [v.to_dict() for v in empty.violations] == [
            {"code": "TEST-EMPTY-HALL", "severity": "info", "message": "No racks yet",
             "items": []}]
        busy = analyze(builder().rack("R1", 2, 2).build(), catalog)
        assert "TEST-EMPTY-HALL" not in {v.code for v in busy.violations}
    finally:
        del RULES["TEST-EMPTY-HALL"]


def test_violation_json_form():
    v = Violation("X-1", "warning", "m", ("A", "B"))
    assert v.to_dict() == {"code": "X-1", "severity": "warning", "message": "m",
                           "items": ["A", "B"]}


def test_template_hall_has_no_errors_or_warnings(catalog):
    from engine.templates import instantiate

    a = analyze(instantiate("dgx-h100-hall", {"racks": 16}, catalog=catalog), catalog)
    assert [v for v in a.violations if v.severity != "info"] == []
    gpu_racks = a.arrays.rack_gpus > 0
    assert gpu_racks.sum() == 16
    # 4 DGX H100 at 10.2 kW [S01] and their 32 links' halves of 17 W twin-port 800G OSFP
    # modules [S16]
    assert a.power.rack_kw[gpu_racks].sum() == pytest.approx(16 * (40.8 + 32 * 0.0085))


# -- references and geometry the schema cannot see ----------------------------------------

def _hall(**update):
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {})
    return lay.model_copy(update=update) if update else lay


def test_unknown_unit_references_are_errors_naming_the_rack(catalog):
    lay = _hall()
    racks = list(lay.racks)
    racks[0] = racks[0].model_copy(update={"crah": "NOPE"})
    racks[1] = racks[1].model_copy(update={"crah": racks[2].id})  # a rack, not a CRAH
    racks[2] = racks[2].model_copy(update={"cdu": "CRAH-1"})      # a CRAH, not a CDU
    door = lay.cooling[0].model_copy(update={"id": "RD-X", "kind": "rear_door",
                                             "rack": "GONE", "capacity_kw": 50.0})
    bad = lay.model_copy(update={"racks": racks, "cooling": [*lay.cooling, door]})
    found = [v for v in analyze(bad, catalog).violations if v.code == "COOL-REF"]
    assert sorted(v.items[0] for v in found) == sorted([racks[0].id, racks[1].id, racks[2].id,
                                                        "RD-X"])
    assert all(v.severity == "error" for v in found)
    assert any("names crah 'NOPE'" in v.message for v in found)
    assert not [v for v in analyze(lay, catalog).violations if v.code == "COOL-REF"]


def test_unknown_facility_models_are_warnings(catalog):
    lay = _hall()
    unit = lay.cooling[0].model_copy(update={"model": "crah-nope"})
    feed = lay.feeds[0].model_copy(update={"model": "bw-nope"})
    bad = lay.model_copy(update={"cooling": [unit, *lay.cooling[1:]],
                                 "feeds": [feed, *lay.feeds[1:]]})
    found = {v.items[0]: v for v in analyze(bad, catalog).violations if v.code == "MODEL-UNKNOWN"}
    assert set(found) == {unit.id, feed.id}
    assert all(v.severity == "warning" for v in found.values())


@pytest.mark.parametrize(("outline", "needle"), [
    ([(0, 0), (24.2, 10.2), (24.2, 0), (0, 10.2)], "not a simple polygon"),  # a bow tie
    ([(0, 0), (10, 0), (20, 0)], "encloses 0 m²"),                            # a line
])
def test_a_broken_hall_outline_is_named(catalog, outline, needle):
    lay = _hall()
    bad = lay.model_copy(update={"hall": lay.hall.model_copy(update={"outline": outline})})
    found = [v for v in analyze(bad, catalog).violations if v.code == "FLOOR-HALL"]
    assert len(found) == 1 and needle in found[0].message and "hall.outline" in found[0].message
    assert not [v for v in analyze(lay, catalog).violations if v.code == "FLOOR-HALL"]


@pytest.mark.parametrize(("path", "value"), [
    ("fabrics.0.nic_speed_gbps", 5e-324), ("assumptions.delta_t_air_k", 5e-324),
    ("assumptions.continuous_derating", 5e-324), ("feeds.0.power_factor", 5e-324),
    ("feeds.0.voltage_v", 5e-324), ("cooling.0.capacity_kw", 5e-324),
])
def test_tiny_positive_values_that_would_divide_to_infinity_are_refused(path, value):
    from pydantic import ValidationError

    from engine.model import Layout

    data = _hall().model_dump()
    *head, last = path.split(".")
    node = data
    for part in head:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    with pytest.raises(ValidationError):
        Layout.model_validate(data)


def test_an_unknown_generation_is_named_with_the_known_ones(catalog):
    lay = _hall(generation="pentium")
    found = [v for v in analyze(lay, catalog).violations if v.code == "GEN-UNKNOWN"]
    assert len(found) == 1 and "'pentium'" in found[0].message
    assert "hopper" in found[0].message and "blackwell" in found[0].message
    assert not [v for v in analyze(_hall(), catalog).violations if v.code == "GEN-UNKNOWN"]


def test_figure_unknown_names_switches_a_fabric_generates():
    # the B300 XDR SuperPOD's Q3400 switches are generated by its fabric, not installed; their
    # weight is not published, so the floor load leaves them out and the check says so
    from engine.templates import instantiate

    a = analyze(instantiate("dgx-b300-superpod", {"scalable_units": 1}))
    msgs = [v.message for v in a.violations if v.code == "FIGURE-UNKNOWN"]
    assert any("weight figure for q3400-ra" in m for m in msgs)
    assert not any("power figure" in m for m in msgs)  # its power is an estimate


def test_a_value_just_over_its_limit_never_reads_as_the_limit():
    # a 1-SU SuperPOD's busways at 321.55 A: 415 V x sqrt(3) x 321.55 A x 0.8 = 184.90 kW
    # of budget for the 184.93 kW the run carries; at one decimal both read 184.9
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    feeds = [f.model_copy(update={"amps": 321.55}) if f.id.startswith("BW-01a") else f
             for f in lay.feeds]
    a = analyze(lay.model_copy(update={"feeds": feeds}))
    over = [v for v in a.violations if v.code in ("POWER-FEED-OVER", "POWER-AB-LOSS")
            and "BW-01a" in v.message]
    assert over
    for v in over:
        load, budget = (float(x) for x in re.findall(r"([\d.]+) kW", v.message)[:2])
        assert load > budget, v.message


def test_a_unit_or_feed_of_a_model_of_another_kind_is_an_error():
    from engine.analysis import analyze
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 4})
    crah = next(u for u in lay.cooling if u.kind == "crah")
    bad = lay.model_copy(update={
        "cooling": [u.model_copy(update={"model": "busway-415v-400a"}) if u.id == crah.id
                    else u for u in lay.cooling],
        "feeds": [lay.feeds[0].model_copy(update={"model": "crah-cw-150"}), *lay.feeds[1:]]})
    found = [v for v in analyze(bad).violations if v.code == "MODEL-KIND"]
    assert [(v.severity, v.items) for v in found] == [
        ("error", (crah.id,)), ("error", (lay.feeds[0].id,))]
    assert "names model 'busway-415v-400a', which is a busway" in found[0].message
    assert not [v for v in analyze(lay).violations if v.code == "MODEL-KIND"]


def test_two_rear_doors_on_one_rack_and_a_link_to_itself_are_errors():
    from engine.analysis import analyze
    from engine.model import Endpoint, ExplicitLink
    from engine.templates import instantiate

    lay = instantiate("fat-tree", {"k": 8})
    door = next(u for u in lay.cooling if u.kind == "rear_door")
    twin = door.model_copy(update={"id": door.id + "-2"})
    rack = lay.rack(door.rack)
    u = rack.devices[0].u
    loop = ExplicitLink(id="X1", a=Endpoint(rack=rack.id, u=u), b=Endpoint(rack=rack.id, u=u))
    a = analyze(lay.model_copy(update={"cooling": [*lay.cooling, twin], "links": [loop]}))
    doors = [v for v in a.violations if v.code == "COOL-REF"]
    assert [v.items for v in doors] == [(rack.id, door.id, twin.id)]
    selfie = [v for v in a.violations if v.code == "LINK-ENDPOINT"]
    assert len(selfie) == 1 and "to itself" in selfie[0].message
