"""The PDF and the XLSX say which totals are lower bounds (hardware of unknown
power or weight), show switch ports as the hardware has them beside those used, and
keep stand-in switches and system racks from being ordered as if they were plain."""

from __future__ import annotations

import openpyxl
import pypdf
import pytest

from designer.reports import export
from designer.reports.pdf import _footnoted
from engine.analysis import analyze
from engine.report_tables import fabric_tiers_table
from engine.templates import instantiate


def _report(name, params, catalog, folder, suffixes=(".pdf",)):
    lay = instantiate(name, params, catalog=catalog)
    a = analyze(lay, catalog)
    out = {}
    for suffix in suffixes:
        path = folder / f"{name}{suffix}"
        assert export(lay, a, path) == [path]
        out[suffix] = path
    return lay, a, out


def _pdf_text(path) -> str:
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages)
    return text.replace("\ufb01", "fi").replace("\ufb02", "fl")  # the font's ligatures


@pytest.fixture(scope="module")
def cpu_pdf(builtin_catalog, tmp_path_factory, qapp):
    *_rest, out = _report("cpu-cluster", {}, builtin_catalog, tmp_path_factory.mktemp("cpu"))
    return _pdf_text(out[".pdf"])


def test_cpu_cluster_pdf_says_its_power_totals_leave_out_40_switches(cpu_pdf):
    # 40 SN4600C of no power figure: the summary, the power and cooling pages say so
    assert ("IT load 595.3 kW + 40 switches and 2,560 cable ends of unknown power, "
            "facility load ≥ 892.9 kW" in cpu_pdf)
    assert "≥ 595.3 kW IT load (at least)" in cpu_pdf  # the key figure
    assert ("leaves out 40 switches and 2,560 cable ends of unknown power (mmf-sr4-100, "
            "sn4600c)") in cpu_pdf  # summary note
    assert ("IT load 595.3 kW (including 0.05 kW of optics) + 40 switches and 2,560 cable "
            "ends of unknown power;" in cpu_pdf)  # power
    assert "Hardware of unknown power" in cpu_pdf  # the feeds table's column
    assert ("Heat 595.3 kW + 40 switches and 2,560 cable ends of unknown power: "
            "≥ 595.3 kW to air") in cpu_pdf
    # its floor load: every rack holds hardware of no weight figure
    assert "highest floor load ≥ 180.6 kg/m² (27 racks of unknown weight)" in cpu_pdf
    assert "27 racks holding 384 CPU nodes (cpu)" in cpu_pdf  # not "holding 0 GPUs"
    assert "no GPU scale-out fabric" in cpu_pdf


def test_mi355x_pdf_and_xlsx_give_the_floor_load_as_a_lower_bound(builtin_catalog, tmp_path,
                                                                    qapp):
    _lay, _a, out = _report("mi355x-cluster", {}, builtin_catalog, tmp_path,
                            (".pdf", ".xlsx"))
    text = _pdf_text(out[".pdf"])
    # (150 kg rack + 8 x 20.8 kg switches) / 0.96 m2 in a network rack; 16 GPU racks unknown
    assert "highest floor load ≥ 329.6 kg/m² (16 racks of unknown weight)" in text
    assert "at least: 16 racks of unknown weight (mi355x-8gpu)" in text
    wb = openpyxl.load_workbook(out[".xlsx"], read_only=True)
    summary = {r[0].value: r[1:] for r in wb["Summary"].iter_rows(min_row=2)}
    wb.close()
    load, unit, note = summary["Highest floor load"]
    # stored unrounded, shown to one decimal as the PDF prints it
    assert load.value == pytest.approx((150 + 8 * 20.8) / 0.96)  # 329.583
    assert load.number_format == "#,##0.0" and f"{load.value:,.1f}" == "329.6"
    assert (unit.value, note.value) == ("kg/m²",
                                        "at least: 16 racks of unknown weight (mi355x-8gpu)")
    assert summary["IT load"][2].value in (None, "")


def test_gb200_pdf_and_xlsx_show_hardware_ports_and_the_system_racks(builtin_catalog, tmp_path,
                                                                     qapp):
    _lay, _a, out = _report("gb200-nvl72-superpod", {}, builtin_catalog, tmp_path,
                            (".pdf", ".xlsx"))
    text = _pdf_text(out[".pdf"])
    # 128 QM9700 leaves of 64 ports, 36 of them used by the SuperPOD's plan
    assert "Switch ports (hardware): leaf 8,192 ports" in text
    assert "Ports used by the fabric: leaf 4,608 ports" in text
    assert "Ports free: leaf 3,584 ports" in text
    assert "included with NVIDIA GB200 NVL72: not ordered separately" in text
    assert "In device power" in text and "Added as optics" in text
    wb = openpyxl.load_workbook(out[".xlsx"], read_only=True)
    net = {r[0]: r[1] for r in wb["Network"].iter_rows(min_row=2, values_only=True)}
    bom = list(wb["Bill of materials"].iter_rows(values_only=True))
    wb.close()
    assert net["Switch ports (hardware): leaf"] == 8192
    assert net["Ports used by the fabric: leaf"] == 4608
    note = bom[0].index("Note")
    (rack,) = [r for r in bom[1:] if r[1] == "nvl72-rack"]
    assert rack[note] == "included with NVIDIA GB200 NVL72: not ordered separately"


def test_the_pdf_tiers_table_footnotes_a_stand_in_switch(builtin_catalog):
    # Meta's CTSW tier (a 7804R4 chassis) on a 64-port 7060X6 box at 400G: 220 ports used
    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=builtin_catalog)
    fab = lay.fabrics[0]
    box = [t.model_copy(update={"switch": "arista-7060x6-64pe", "port_speed_gbps": 400.0})
           if t.name == "spine" else t for t in fab.tiers]
    lay = lay.model_copy(update={"fabrics": [fab.model_copy(update={"tiers": box})]})
    tiers = fabric_tiers_table(lay, analyze(lay, builtin_catalog), builtin_catalog)
    shown, notes = _footnoted(tiers, "Tier")
    assert shown.column("Tier") == ["leaf", "spine [1]", "core"][:len(shown)]
    assert notes == ["[1] backend spine: stand-in for a 220-port modular switch, counted as "
                     "one box (FABRIC-RADIX)."]


def test_cpu_cluster_cover_and_rack_range_leave_unknown_power_out(cpu_pdf):
    # the cover's key figure is the summary's lower bound, and the network racks of
    # SN4600C (no power figure, "–" in the table) are not racks of 0.0 kW in the range:
    # 24 racks of 16 EPYC 9005 nodes at 1.55 kW each = 24.8 kW
    assert cpu_pdf.count("≥ 595.3 kW IT load (at least)") >= 2  # cover and summary
    # the CPU racks' 100G SR4 modules (no power figure either) make theirs lower bounds
    assert ("27 racks in 2 rows; rack power at least 24.8 kW each, over the 24 racks whose "
            "devices' power is known (3 hold devices of unknown power); modules of unknown "
            "power at their link ends make these lower bounds (≥)") in cpu_pdf
    assert "rack power 0.0" not in cpu_pdf
    # the rack chart says which of its bars are lower bounds
    assert ("3 racks hold devices of unknown power: NET-0001, NET-0002, NET-0003; their "
            "bars count only the hardware whose power the catalog gives (lower bounds)"
            in cpu_pdf)
