"""Report tables keep every rounded figure unrounded (``Table.exact``): one per row, each
rounding to the figure its row shows, and re-summing to the analysis's totals."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.report_tables import build_tables
from engine.templates import instantiate

#: Liquid-cooled rack-scale systems; devices of unknown power (cpu-cluster: 40 switches)
#: and of unknown weight (mi355x-cluster); a Clos with cable trays (meta-24k-roce).
DESIGNS = [("gb200-nvl72-superpod", {}), ("dgx-h100-hall", {"racks": 4}), ("cpu-cluster", {}),
           ("mi355x-cluster", {"scalable_units": 1}), ("meta-24k-roce", {"pods": 1})]

#: The columns of a GB200 NVL72 SuperPOD's tables whose rows are rounded.
GB200_ROUNDED = {
    "summary": {"Value"}, "bom": {"Total length"}, "network": {"Value"}, "sources": {"Value"},
    "racks": {"X", "Y", "Power", "Liquid share", "Weight", "Floor load"},
    "elevations": {"Max power", "Weight"},
    "rows": {"Power", "Mean per rack", "Largest rack", "Liquid share", "Weight"},
    "feeds": {"Apparent power", "Power factor", "Rating", "Budget", "Load", "Utilization",
              "Load, other side lost",
              "Utilization, other side lost"},
    "cooling": {"Capacity", "Load", "Utilization", "Flow"},
    "cooling_groups": {"Capacity", "N+1 capacity", "Load", "N+1 margin", "Utilization"},
    "fabrics": {"Link speed", "Bisection", "Per GPU", "Per endpoint", "Bisection after it"},
    "tiers": {"Link speed", "Oversubscription"},
    "cable_bins": {"Routed length", "Stock length ordered", "Optics power"},
    "cutsheet": {"Routed length"}, "violations": set(),
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_dir=None)


@pytest.fixture(scope="module", params=DESIGNS, ids=[d[0] for d in DESIGNS])
def design(request, catalog):
    template, params = request.param
    lay = instantiate(template, params, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


@pytest.fixture(scope="module")
def gb200(catalog):
    lay = instantiate("gb200-nvl72-superpod", {}, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


def _decimals(shown: float) -> int:
    """The decimals a number of a mixed column is printed with: those it holds."""
    return 0 if shown.is_integer() else -int(Decimal(repr(shown)).as_tuple().exponent)


def test_every_exact_figure_rounds_to_the_figure_its_row_shows(design):
    _lay, _a, tables = design
    checked = 0
    for t in tables.values():
        names = [c.name for c in t.columns]
        assert len(set(names)) == len(names), t.key  # exact is keyed by column name
        for name, figures in t.exact.items():
            col = t.columns[t.index(name)]
            assert col.kind in ("float", "num"), (t.key, name)
            assert len(figures) == len(t.rows), (t.key, name)
            for shown, x in zip(t.column(name), figures, strict=True):
                if shown is None or x is None:
                    # a value not known has no figure; a count or text keeps its own
                    assert x is None or shown is not None, (t.key, name)
                    continue
                assert type(shown) is float and type(x) is float and math.isfinite(x)
                digits = col.digits if col.kind == "float" else _decimals(shown)
                assert round(x, digits) == shown, (t.key, name, x, shown)
                checked += 1
    assert checked > 100


def test_a_count_or_text_row_has_no_exact_figure(design):
    _lay, _a, tables = design
    for key in ("summary", "network", "sources"):
        t = tables[key]
        for shown, x in zip(t.column("Value"), t.exact.get("Value", [None] * len(t)), strict=True):
            if type(shown) is not float:
                assert x is None, (key, shown)


def test_every_rounded_gb200_column_keeps_its_figures(gb200):
    _lay, _a, tables = gb200
    assert {k: set(t.exact) for k, t in tables.items()} == GB200_ROUNDED


def test_gb200_exact_figures_re_sum_to_the_analysis_totals(gb200):
    """54 racks: the rounded rows' power sums to 4,689.6 kW, 2.3 kW short of the IT load
    of 4,691.936 kW (each 132.648 kW compute rack shows 132.6); the figures sum to it.
    The 6,912 cut-sheet lengths, shown to the centimetre, sum to 72,766.76 m against the
    links' 72,766.18 m; the cables' total, with a two-link copper cable once at its longer
    leg, is 72,655.83 m; the figures re-sum to it, as do the cabling bins'. (The 2,304
    links at the NVL72 racks leave from the mean height of the compute trays, U18 of the
    frame rather than its middle at U24: 2,304 x 6 U x 44.45 mm = 614.5 m more than
    from the middle.)"""
    _lay, a, t = gb200
    it_kw, total_m = float(a.power.it_kw), float(a.network.total_length_m)
    assert math.fsum(t["racks"].column("Power")) == pytest.approx(4689.6)
    assert it_kw == pytest.approx(4691.936)
    assert math.fsum(t["racks"].exact["Power"]) == pytest.approx(it_kw, rel=1e-12)
    assert math.fsum(t["rows"].exact["Power"]) == pytest.approx(it_kw, rel=1e-12)
    cut = t["cutsheet"]
    routed = cut.exact["Routed length"]
    assert len(routed) == 6912 and None not in routed
    assert math.fsum(cut.column("Routed length")) == pytest.approx(72766.76)
    # the cables' length: a two-link copper cable (its legs name it in Shared cable) is as
    # long as its longer leg, counted once
    legs: dict[str, float] = {}
    single = []
    for name, cables, length in zip(cut.column("Shared cable"), cut.column("Cables"), routed,
                                    strict=True):
        if name:
            legs[name] = max(legs.get(name, 0.0), length)
        else:
            single.append(length * cables)
    assert len(legs) and math.fsum(routed) - total_m > 100  # 110.35 m of second legs
    assert math.fsum(single) + math.fsum(legs.values()) == pytest.approx(total_m, rel=1e-12)
    assert math.fsum(t["cable_bins"].exact["Routed length"]) == pytest.approx(total_m,
                                                                             rel=1e-12)


def test_gb200_summary_figures_are_the_analysis_figures(gb200):
    """PUE 1.2479 shows as 1.25; the IT load and largest rack as the analysis has them."""
    _lay, a, t = gb200
    s = t["summary"]
    exact = dict(zip(s.column("Metric"), s.exact["Value"], strict=True))
    shown = dict(zip(s.column("Metric"), s.column("Value"), strict=True))
    # the figures to 12 significant digits: the analysis's, without binary noise
    assert shown["PUE"] == 1.25 and exact["PUE"] == pytest.approx(float(a.power.pue), rel=1e-11)
    assert exact["PUE"] == pytest.approx(1.2479, abs=5e-5)
    assert exact["IT load"] == pytest.approx(float(a.power.it_kw), rel=1e-11)
    assert (shown["Largest rack"], exact["Largest rack"]) == (132.6, pytest.approx(132.648))
    assert exact["Racks"] is None and shown["Racks"] == 54
