"""Numbers in the workbook and the CSV files: stored to the last bit, shown as the PDF prints.

Exported columns of a GB200 NVL72 SuperPOD (54 racks, 6,912 links) re-sum to the
analysis's totals: the racks' power to the IT load (4,691.9 kW; the rounded rows sum to
4,689.6 kW), the cut-sheet's routed lengths to the total cable length (71,999.6 m; rounded,
72,002.5 m), and the PUE cell holds 1.2479, shown as 1.25.
"""

from __future__ import annotations

import csv
import math

import openpyxl
import pytest

from designer.reports import export
from designer.reports.csv import write_csv
from designer.reports.style import fmt_value
from designer.reports.xlsx import number_format, sheet_names, write_xlsx
from engine.analysis import analyze
from engine.report_tables import Column, Table, build_tables
from engine.templates import instantiate


@pytest.fixture(scope="module")
def gb200(builtin_catalog, tmp_path_factory):
    lay = instantiate("gb200-nvl72-superpod", {}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    out = tmp_path_factory.mktemp("numbers")
    export(lay, a, out / "r.xlsx", catalog=builtin_catalog)
    export(lay, a, out / "r.csv", catalog=builtin_catalog)
    return lay, a, out


def _column(ws, header: str) -> list:
    rows = list(ws.iter_rows(values_only=True))
    j = rows[0].index(header)
    return [r[j] for r in rows[1:]]


def _csv_column(path, header: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [r[header] for r in csv.DictReader(fh)]


def _cable_metres(shared: list, cables: list, lengths: list) -> float:
    """The cables' routed length from a cut-sheet: each link's length times its cables,
    and a two-link copper cable (named in Shared cable by its legs) once, at its longer
    leg's length."""
    legs: dict[str, float] = {}
    single = []
    for name, k, length in zip(shared, cables, lengths, strict=True):
        if name:
            legs[name] = max(legs.get(name, 0.0), float(length))
        else:
            single.append(float(length) * int(k))
    return math.fsum(single) + math.fsum(legs.values())


def _shown(value: float, code: str) -> str:
    """What Excel shows for ``value`` in a ``#,##0.00``-style format."""
    return f"{value:,.{len(code.partition('.')[2])}f}"


@pytest.mark.parametrize(("value", "kind", "digits"), [
    (13693.1, "float", 1), (1.0, "float", 2), (0.5, "float", 1), (24576, "int", 1),
    (24576, "float", 1), (7.0, "int", 1), (7.2, "int", 1), (1.25, "num", 1),
    (585.0, "num", 1), (12345.678901, "num", 1), (0.0, "num", 1), (-3.5, "float", 0),
])
def test_a_number_format_shows_what_the_pdf_prints(value, kind, digits):
    assert _shown(value, number_format(value, kind, digits)) == fmt_value(value, kind, digits)


def test_every_number_in_the_workbook_carries_the_pdf_digits(gb200, builtin_catalog):
    """Every numeric cell has a number format, and it shows the cell as the PDF does."""
    lay, a, out = gb200
    wb = openpyxl.load_workbook(out / "r.xlsx")
    tables = build_tables(lay, a, builtin_catalog)
    checked = 0
    for name, t in zip(sheet_names(tables), tables, strict=True):
        ws = wb[name]
        for k, row in enumerate(ws.iter_rows(min_row=2)):
            for c, col, held in zip(row, t.columns, t.rows[k], strict=False):
                if type(c.value) in (int, float):
                    assert c.number_format != "General", (name, col.header, c.value)
                    places = t.places.get(col.name, [None] * len(t.rows))[k]
                    assert _shown(c.value, c.number_format) == \
                        fmt_value(held, col.kind, col.digits, places), (name, col.header)
                    checked += 1
    assert checked > 6912 * 6  # the cut-sheet's six numeric columns and more
    counts = [c for r in wb["About"].iter_rows() for c in r if type(c.value) is int]
    assert len(counts) == len(tables) and {c.number_format for c in counts} == {"#,##0"}
    assert _formats(wb["Racks"], "Power (kW)") == {"#,##0.0"}
    assert _formats(wb["Racks"], "GPUs") == {"#,##0"}
    # a mixed column keeps each row's decimals: IT load 2,346.0 kW beside 2,927.6 kW
    summary = {r[0].value: r[1] for r in wb["Summary"].iter_rows(min_row=2)}
    assert summary["IT load"].number_format == summary["Facility load"].number_format \
        == "#,##0.0"
    assert summary["PUE"].number_format == "#,##0.00"
    assert _formats(wb["Cable cut-sheet"], "Routed length (m)") == {"#,##0.00"}
    pue = next(r for r in wb["Summary"].iter_rows(min_row=2) if r[0].value == "PUE")[1]
    assert pue.number_format == "#,##0.00"
    wb.close()


def _formats(ws, header: str) -> set[str]:
    j = [c.value for c in ws[1]].index(header)
    return {r[j].number_format for r in ws.iter_rows(min_row=2)}


def test_the_writers_store_every_number_to_the_last_bit(tmp_path):
    """What a table holds reaches the file unrounded; counts stay whole numbers."""
    exact = [0.1 + 0.2, 132.648, 4691.936000000002, None]
    t = Table("racks", "Racks", [Column("Rack"), Column("Power", "kW", "float"),
                                 Column("GPUs", kind="int")],
              [(f"R{i}", kw, 72 * i) for i, kw in enumerate(exact)])
    write_xlsx([t], tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Racks"]
    assert [c.value for c in ws["B"][1:]] == exact
    assert [c.number_format for c in ws["B"][1:4]] == ["#,##0.0"] * 3
    assert [c.value for c in ws["C"][1:]] == [0, 72, 144, 216]
    write_csv([t], tmp_path / "t.csv")
    power = _csv_column(tmp_path / "t-racks.csv", "Power (kW)")
    assert [float(v) if v else None for v in power] == exact
    assert _csv_column(tmp_path / "t-racks.csv", "GPUs") == ["0", "72", "144", "216"]


def test_xlsx_rack_power_sums_to_the_it_load(gb200):
    lay, a, out = gb200
    wb = openpyxl.load_workbook(out / "r.xlsx", read_only=True)
    kw = [v for v in _column(wb["Racks"], "Power (kW)") if v is not None]
    wb.close()
    assert len(kw) == len(lay.racks) == 54
    assert math.fsum(kw) == pytest.approx(float(a.power.it_kw), rel=1e-6)


def test_xlsx_routed_lengths_sum_to_the_cables_length(gb200):
    lay, a, out = gb200
    wb = openpyxl.load_workbook(out / "r.xlsx", read_only=True)
    sheet = wb["Cable cut-sheet"]
    lengths = _column(sheet, "Routed length (m)")
    shared, cables = _column(sheet, "Shared cable"), _column(sheet, "Cables")
    wb.close()
    assert len(lengths) == 6912 and None not in lengths
    assert _cable_metres([x or "" for x in shared], cables, lengths) == pytest.approx(
        float(a.network.total_length_m), rel=1e-6)


def test_xlsx_pue_is_the_analysis_pue(gb200):
    lay, a, out = gb200
    wb = openpyxl.load_workbook(out / "r.xlsx", read_only=True)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    wb.close()
    # to 12 significant digits (the figure without its binary noise), not the 2 decimals shown
    assert summary["PUE"] == pytest.approx(float(a.power.pue), rel=1e-11)
    assert summary["PUE"] != round(float(a.power.pue), 2)


def test_csv_rack_power_and_routed_lengths_sum_to_the_totals(gb200):
    lay, a, out = gb200
    kw = [float(v) for v in _csv_column(out / "r-racks.csv", "Power (kW)") if v]
    cut = out / "r-cutsheet.csv"
    lengths = [float(v) for v in _csv_column(cut, "Routed length (m)")]
    assert len(kw) == 54 and len(lengths) == 6912
    assert math.fsum(kw) == pytest.approx(float(a.power.it_kw), rel=1e-6)
    assert _cable_metres(_csv_column(cut, "Shared cable"), _csv_column(cut, "Cables"),
                         lengths) == pytest.approx(float(a.network.total_length_m), rel=1e-6)


def test_csv_pue_is_the_analysis_pue(gb200):
    lay, a, out = gb200
    path = out / "r-summary.csv"
    summary = dict(zip(_csv_column(path, "Metric"), _csv_column(path, "Value"), strict=True))
    assert float(summary["PUE"]) == pytest.approx(float(a.power.pue), rel=1e-11)
    assert float(summary["PUE"]) != 1.25
    assert summary["Racks"] == "54"


def _figures_table() -> Table:
    """A summary-like table: counts, and figures rounded to the decimals they print with."""
    rows = [("Racks", 54), ("PUE", 1.25), ("GPUs per MW", 812.0), ("Bisection", None),
            ("Generation", "blackwell")]
    return Table("summary", "Summary", [Column("Metric"), Column("Value", kind="num")], rows,
                 exact={"Value": [None, 1.247924950382955, 811.63, None, None]})


def test_a_figure_is_stored_unrounded_in_the_format_of_its_rounded_row(tmp_path):
    """PUE 1.2479 in ``#,##0.00`` (shown 1.25), 811.63 GPU/MW in ``#,##0`` (shown 812), as
    the PDF prints the rounded rows; a count stays a whole number."""
    write_xlsx([_figures_table()], tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["Summary"]
    cells = ws["B"][1:]
    assert [c.value for c in cells] == [54, 1.247924950382955, 811.63, None, "blackwell"]
    assert type(cells[0].value) is int
    assert [c.number_format for c in cells[:3]] == ["#,##0", "#,##0.00", "#,##0"]
    assert [_shown(c.value, c.number_format) for c in cells[:3]] == ["54", "1.25", "812"]
    write_csv([_figures_table()], tmp_path / "t.csv")
    assert _csv_column(tmp_path / "t-summary.csv", "Value") == \
        ["54", "1.247924950382955", "811.63", "", "blackwell"]


def test_a_table_split_over_sheets_stores_each_part_unrounded(tmp_path, monkeypatch):
    from designer.reports import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS_PER_SHEET", 3)
    exact = [132.648 + i / 1000 for i in range(7)]
    t = Table("racks", "Racks", [Column("Rack"), Column("Power", "kW", "float")],
              [(f"R{i}", round(kw, 1)) for i, kw in enumerate(exact)], exact={"Power": exact})
    names = write_xlsx([t], tmp_path / "t.xlsx")
    assert names == ["About", "Racks", "Racks (2)", "Racks (3)"]
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    cells = [c for name in names[1:] for c in wb[name]["B"][1:]]
    assert [c.value for c in cells] == exact
    assert {c.number_format for c in cells} == {"#,##0.0"}
