"""Rules: the registry, codes, severities and the items each violation names."""

from __future__ import annotations

import re

import pytest

import engine.analysis  # noqa: F401  (registers the domain rules)
from engine.analysis import analyze
from engine.rules import RULES, SEVERITY_ORDER, Violation, rule, run_rules

CORE_RULES = {
    "POWER-FEED-OVER": "power", "POWER-AB-LOSS": "power", "POWER-NO-REDUNDANCY": "power",
    "COOL-N1": "cooling", "COOL-UNIT-OVER": "cooling", "COOL-MISSING": "cooling",
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
    assert a.power.rack_kw[gpu_racks].sum() == pytest.approx(16 * 40.8)
