"""A rack's power reads the same on the dashboard, in the PDF and the XLSX; a
weight (or power) the catalog does not know shows as unknown, never as a known 0."""

from __future__ import annotations

import re

import openpyxl
import pypdf
import pytest
from panel_helpers import make

from designer.panels.dashboard import DashboardPanel
from designer.panels.elevation import RackElevationPanel
from designer.panels.inspector import InspectorPanel
from designer.reports import export
from engine.analysis import analyze
from engine.templates import instantiate


def _doc(template, catalog):
    from designer.document import LayoutDocument

    lay = instantiate(template, {}, catalog=catalog)
    return LayoutDocument(lay, catalog=catalog, analysis_mode="sync", autosave_ms=0)


@pytest.fixture
def gb200_doc(qapp, builtin_catalog, recovery_dir):
    d = _doc("gb200-nvl72-superpod", builtin_catalog)
    yield d
    d.close()


@pytest.fixture
def rubin_doc(qapp, builtin_catalog, recovery_dir):
    d = _doc("vera-rubin-nvl144", builtin_catalog)
    yield d
    d.close()


def test_the_largest_gb200_rack_reads_132_6_kw_on_the_dashboard_pdf_and_xlsx(
        qtbot, gb200_doc, builtin_catalog, tmp_path):
    """132.648 kW reads 132.6 kW on the dashboard, the PDF tile, text and tables (not 132.7:
    rounded to 132.65, then to one decimal) and in the XLSX, which stores 132.648 kW in a
    one-decimal format."""
    dash = make(qtbot, DashboardPanel, gb200_doc, (1000, 640))
    assert dash.figure_text("max_rack") == "132.6 kW"
    lay = gb200_doc.layout
    a = analyze(lay, builtin_catalog)
    export(lay, a, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    assert "rack power 18.9 to 132.6 kW" in text
    assert "Largest rack 132.6 kW" in text  # the summary table's row
    assert not re.search(r"\b132\.(7|65)\b", text)
    assert text.count("132.6") > 50  # the tile, the text, the rows and racks tables
    export(lay, a, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    summary = {r[0].value: r[1] for r in wb["Summary"].iter_rows(min_row=2)}
    largest = summary["Largest rack"]
    assert largest.value == pytest.approx(132.648, abs=1e-9)  # 132,000 W + 648 W of optics
    assert largest.number_format == "#,##0.0" and f"{largest.value:,.1f}" == "132.6"
    racks = list(wb["Racks"].iter_rows())
    col = [c.value for c in racks[0]].index("Power (kW)")
    top = max((r[col] for r in racks[1:] if r[col].value is not None), key=lambda c: c.value)
    assert top.value == largest.value and top.number_format == "#,##0.0"
    wb.close()


def test_the_pdf_says_the_hall_load_as_the_dashboard_does(qtbot, gb200_doc, builtin_catalog,
                                                            tmp_path):
    dash = make(qtbot, DashboardPanel, gb200_doc, (1000, 640))
    it = dash.figure_text("it")  # "4.692 MW"
    a = analyze(gb200_doc.layout, builtin_catalog)
    export(gb200_doc.layout, a, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    assert f"IT load {it}" in text


def test_the_elevation_says_a_vera_rubin_weight_is_unknown(qtbot, rubin_doc):
    panel = make(qtbot, RackElevationPanel, rubin_doc, (420, 800))
    rack = rubin_doc.layout.racks[0].id
    rubin_doc.select([rack])
    panel.show_rack(rack)
    weight = panel.totals["weight"]
    assert weight.text() == "unknown"
    assert "FIGURE-UNKNOWN" in weight.toolTip() and "vera-rubin-nvl144" in weight.toolTip()
    # its power is known: a number, with no such warning
    assert panel.totals["kw"].text() == f"{rubin_doc.analysis.power.rack_kw[0]:,.1f}"
    assert "FIGURE-UNKNOWN" not in panel.totals["kw"].toolTip()


def test_the_elevation_still_shows_a_known_weight(qtbot, gb200_doc):
    panel = make(qtbot, RackElevationPanel, gb200_doc, (420, 800))
    rack = next(r for r in gb200_doc.layout.racks if r.system == "gb200-nvl72")
    gb200_doc.select([rack.id])
    panel.show_rack(rack.id)
    assert panel.totals["weight"].text() == "1,360"
    assert panel.totals["weight"].toolTip() == ""


def test_the_inspector_says_the_weight_and_floor_load_are_unknown(qtbot, rubin_doc):
    insp = make(qtbot, InspectorPanel, rubin_doc, (420, 900))
    racks = [r.id for r in rubin_doc.layout.racks[:2]]
    rubin_doc.select(racks[:1])
    assert insp.computed_text("Weight (kg)") == "unknown"
    assert insp.computed_text("Floor load (kg/m²)") == "unknown"
    assert "FIGURE-UNKNOWN" in insp.computed["Weight (kg)"].toolTip()
    assert insp.computed_text("IT power (kW)") != "unknown"
    rubin_doc.select(racks)
    assert insp.computed_text("Weight (kg)") == "unknown"


def test_the_inspector_keeps_a_known_weight(qtbot, gb200_doc):
    insp = make(qtbot, InspectorPanel, gb200_doc, (420, 900))
    rack = next(r for r in gb200_doc.layout.racks if r.system == "gb200-nvl72")
    gb200_doc.select([rack.id])
    assert insp.computed_text("Weight (kg)") == "1,360"
    assert "FIGURE-UNKNOWN" not in insp.computed["Weight (kg)"].toolTip()
