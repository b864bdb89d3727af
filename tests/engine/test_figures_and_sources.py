"""One figure, one rounding, in every report; catalog power figures cite the keys
of the reference sheet (docs: /work/shared/reference/hardware-generations.md)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from engine.analysis import analyze
from engine.catalog import load_catalog
from engine.report_tables import (
    KW_DIGITS,
    build_tables,
    known_text,
    rack_unknown_figures,
    racks_table,
    rows_table,
    summary_table,
)
from engine.templates import instantiate


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(user_dir=None)


@pytest.fixture(scope="module")
def gb200(catalog):
    lay = instantiate("gb200-nvl72-superpod", {}, catalog=catalog)
    a = analyze(lay, catalog)
    return lay, a, {t.key: t for t in build_tables(lay, a, catalog)}


def test_the_gb200_rack_power_is_132_6_kw_in_every_table(gb200):
    """The tables say 132.6 kW, as the dashboard and the PDF text do, not 132.7 kW:
    132,000 W [S45] plus 648 W of optics is 132.648 kW, rounded once to one decimal, not
    first to 132.65 and then to one decimal (132.65 is a hair above in binary)."""
    _lay, a, t = gb200
    assert a.power.max_rack_kw == pytest.approx(132.648)
    shown = f"{a.power.max_rack_kw:,.{KW_DIGITS}f}"
    assert shown == "132.6"
    summary = dict((r[0], r[1]) for r in t["summary"].rows)
    assert summary["Largest rack"] == 132.6
    assert max(v for v in t["racks"].column("Power") if v is not None) == 132.6
    assert max(t["rows"].column("Largest rack")) == 132.6
    # the CSV writes what the table holds
    buf = io.StringIO()
    csv.writer(buf).writerows(t["racks"].rows)
    assert "132.6" in buf.getvalue() and "132.65" not in buf.getvalue()
    assert "132.7" not in buf.getvalue()


@pytest.mark.parametrize("template", ["gb200-nvl72-superpod", "dgx-h100-superpod",
                                      "vera-rubin-nvl144", "dgx-b300-superpod"])
def test_every_table_number_is_rounded_once_to_the_decimals_it_prints(catalog, template):
    """A number rounded to 2 decimals and printed to 1 is rounded twice: each float column
    holds its values at its own decimals, so PDF, XLSX and CSV show one figure."""
    lay = instantiate(template, {}, catalog=catalog)
    for t in build_tables(lay, analyze(lay, catalog), catalog):
        for j, col in enumerate(t.columns):
            if col.kind != "float":
                continue
            for row in t.rows:
                v = row[j]
                assert v is None or v == round(v, col.digits), (t.key, col.name, v)


def test_row_feed_and_hall_figures_come_from_one_value(gb200):
    lay, a, t = gb200
    p = a.power
    # a row's power is the sum of its racks, as the power model adds them (same order)
    by_row = dict(zip(p.row_names, p.row_kw.tolist(), strict=True))
    for row in t["rows"].rows:
        assert row[3] == round(by_row[row[0]], KW_DIGITS)
    load = t["feeds"].index("Load")
    for j, row in enumerate(t["feeds"].rows):
        assert row[load] == round(float(p.feed_load_kw[j]), KW_DIGITS)
    summary = dict((r[0], r[1]) for r in t["summary"].rows)
    assert summary["IT load"] == round(p.it_kw, KW_DIGITS)
    assert summary["PUE"] == round(p.pue, 2)


def test_summary_rounds_from_the_analysis_not_its_json(gb200, monkeypatch):
    """to_dict rounds to 3 decimals: rounding that again for print is double rounding."""
    lay, a, _t = gb200
    monkeypatch.setattr(a.power, "max_rack_kw", 0.0499996)
    summary = dict((r[0], r[1]) for r in summary_table(lay, a).rows)
    assert round(a.to_dict()["power"]["max_rack_kw"], 1) == 0.1  # the JSON's 0.05
    assert summary["Largest rack"] == 0.0  # f"{0.0499996:.1f}", as the dashboard says


# -- catalog power figures and the keys the reference sheet gives them -------------------

#: model -> (figure, value, source key) as the reference sheet gives them:
#: DGX H100/H200 10.2 kW [S01]; DGX B200 14.3 kW [S02]; DGX B300 14.5 kW [S40];
#: GB200 NVL72 132 kW "(Supermicro power-shelf total; also CDU guide) [S45][S74]";
#: GB300 NVL72 142 kW peak [S98], 136 kW Microsoft [S85]; Vera Rubin NVL144 190-230 kW
#: (Max-Q vs Max-P) [S48b]; DGX Rubin NVL8 225 kW per rack of 8 [S10 via S40].
SHEET = {
    "dgx-h100": ("power_max_w", 10200, "S01"),
    "dgx-h200": ("power_max_w", 10200, "S01"),
    "dgx-b200": ("power_max_w", 14300, "S02"),
    "dgx-b300": ("power_max_w", 14500, "S40"),
    "dgx-b300-busbar": ("power_max_w", 14500, "S40"),
    "gb200-nvl72": ("power_max_w", 132000, "S45"),
    "gb300-nvl72": ("power_max_w", 142000, "S98"),
    "vera-rubin-nvl144": ("power_max_w", 230000, "S48"),
    "dgx-rubin-nvl8": ("power_max_w", 28125, "S10"),
}


@pytest.mark.parametrize("model", sorted(SHEET))
def test_rack_scale_and_dgx_power_cites_the_sheets_source(catalog, model):
    field, value, key = SHEET[model]
    fig = getattr(catalog.devices[model], field)
    assert (fig.value, fig.source) == (value, key)
    assert key in catalog.sources


def test_typical_power_figures_cite_the_sheets_source(catalog):
    gb300 = catalog.devices["gb300-nvl72"].power_typical_w
    rubin = catalog.devices["vera-rubin-nvl144"].power_typical_w
    assert (gb300.value, gb300.source) == (136000, "S85")
    assert (rubin.value, rubin.source) == (190000, "S48")
    assert "S48b" in rubin.note and "S48b" in catalog.devices["vera-rubin-nvl144"].power_max_w.note


def test_the_gb200_figure_says_its_source_is_a_gb300_brochure(catalog):
    """S45 is Supermicro's GB300 NVL72 brochure (so titled in the sheet and in
    sources.json); the sheet gives its 132 kW for GB200 too, with the S74 CDU guide."""
    fig = catalog.devices["gb200-nvl72"].power_max_w
    assert "GB300 NVL72" in catalog.sources["S45"].title
    assert fig.cls == "secondary" and catalog.sources["S45"].cls == "2"
    assert "GB300 NVL72 brochure" in fig.note and "[S74]" in fig.note


def test_dgx_rubin_nvl8_cites_the_rubin_ra_read_via_s40(catalog):
    fig = catalog.devices["dgx-rubin-nvl8"].power_max_w
    assert fig.cls == "derived" and fig.source == "S10"
    assert "via S40" in catalog.sources["S10"].title and "S40" in fig.note


# -- unknown figures -------------------------------------------------------------------------

def test_a_rack_of_unknown_weight_is_no_known_zero_in_the_tables(catalog):
    lay = instantiate("vera-rubin-nvl144", {}, catalog=catalog)
    a = analyze(lay, catalog)
    power, weight = rack_unknown_figures(lay, a, catalog)
    assert weight.all() and not power.any()
    assert any(v.code == "FIGURE-UNKNOWN" for v in a.violations)
    racks = racks_table(lay, a, catalog)
    # no rack's weight reads as known: nothing known is "–", a known part is a lower
    # bound (the network racks' 150 kg enclosures, their switches' weight not published)
    weights = racks.column("Weight")
    assert None in weights and all(racks.at_least["Weight"])
    assert {w for w in weights if w is not None} == {150.0}
    assert [w is None for w in weights] == [v is None for v in racks.column("Floor load")]
    assert all(v is not None for v in racks.column("Power")) and "Power" not in racks.at_least
    assert "FIGURE-UNKNOWN" in racks.note
    rows = rows_table(lay, a, catalog)
    assert all(rows.at_least["Weight"]) and "FIGURE-UNKNOWN" in rows.note


def test_a_typical_power_figure_in_place_of_a_maximum_is_said(catalog):
    # the SN5600 has 940 W typical (passive cables) and no published maximum [S12]:
    # it counts at that figure, and an info says so; hardware with a maximum does not
    lay = instantiate("mi300x-cluster", {}, catalog=catalog)
    assert not [v for v in analyze(lay, catalog).violations if v.code == "FIGURE-TYPICAL"]
    sn = lay.model_copy(update={"fabrics": [
        f.model_copy(update={"tiers": [t.model_copy(update={"switch": "sn5600", "radix": None})
                                       for t in f.tiers]}) for f in lay.fabrics]})
    a = analyze(sn, catalog)
    said = [v for v in a.violations if v.code == "FIGURE-TYPICAL"]
    assert len(said) == 1 and said[0].severity == "info"
    assert "sn5600 940 W" in said[0].message and "maximum" in said[0].message
    assert set(sn.fabrics[0].network_racks) <= set(said[0].items)


def test_a_known_zero_weight_still_prints_as_zero(catalog):
    """The NVL72 enclosure is a known 0 kg (the system's 1,360 kg includes it)."""
    lay = instantiate("gb200-nvl72-superpod", {}, catalog=catalog)
    a = analyze(lay, catalog)
    power, weight = rack_unknown_figures(lay, a, catalog)
    assert not power.any() and not weight.any()
    kg = racks_table(lay, a, catalog).column("Weight")
    assert None not in kg and 1360.0 in kg
    assert racks_table(lay, a, catalog).note == ""
    assert float(np.min(a.floor.rack_weight_kg)) > 0


def test_known_text_tells_a_bound_and_nothing_from_a_figure():
    assert known_text(0.0, False, 0) == "0"
    assert known_text(0.0, True, 0) == "unknown"
    assert known_text(1234.4, True, 0) == "≥ 1,234"
