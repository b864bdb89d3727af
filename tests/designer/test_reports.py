"""Reports read back: PDF text and pages (pypdf), XLSX (openpyxl), CSV, PNG, JSON, the CLI."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pypdf
import pytest

from designer.cli import main
from designer.reports import ExportCancelled, ReportError, export, parse_size
from engine.analysis import analyze
from engine.io import save_layout
from engine.templates import instantiate

SECTIONS = ["Contents", "Summary", "Floor plan", "Power density", "Cooling zones",
            "Racks and rows", "Power", "Cooling", "Fabric", "Cabling", "Rule violations",
            "Assumptions and sources"]


@pytest.fixture(scope="module")
def design(builtin_catalog):
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    return lay, analyze(lay, builtin_catalog)


@pytest.fixture(scope="module")
def pdf_file(design, tmp_path_factory, qapp):
    lay, a = design
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    assert export(lay, a, path) == [path]
    return path


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def test_pdf_has_cover_contents_and_sections(pdf_file, design):
    lay, a = design
    reader = pypdf.PdfReader(pdf_file)
    pages = [_text(p) for p in reader.pages]
    assert len(pages) >= 10
    assert "DESIGN REPORT" in pages[0] and lay.name in pages[0]
    assert lay.generation in pages[0]
    body = " ".join(pages)
    for heading in SECTIONS:
        assert heading in body, heading
    it_kw = a.to_dict()["power"]["it_kw"]
    assert f"{it_kw:,.1f}" in body  # the summary table's IT load
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_pdf_draws_each_rack_configuration_once(pdf_file):
    """1 SU of DGX H100 (the UFM takes the 32nd position [S41]): seven racks of four DGX,
    one of three, and the network rack of 8 leaf and 4 spine QM9700: three drawings,
    the most common first, each with its count and its devices named."""
    reader = pypdf.PdfReader(pdf_file)
    page = next(t for t in (_text(p).replace("\ufb01", "fi") for p in reader.pages)
                if "3 rack configurations" in t)
    assert "Rack elevations 7 racks · 41." in page  # the heading stays with its drawing
    assert re.search(r"1 rack · 30\.\d kW", page) and re.search(r"1 rack · 20\.\d kW", page)
    # named by model, as the catalog names them short of their maker
    # (the page header's design name holds one more: "with DGX H100")
    assert page.count("DGX H100") - page.count("with DGX H100") == 4 + 3
    assert "dgx-h100" not in page
    assert page.count("QM9700 leaf") == 8 and page.count("QM9700 spine") == 4


def test_pdf_contents_point_at_the_right_pages(pdf_file):
    reader = pypdf.PdfReader(pdf_file)
    pages = [_text(p) for p in reader.pages]
    toc = pages[1]
    for heading in ("Floor plan", "Cabling", "Assumptions and sources"):
        m = re.search(re.escape(heading) + r" (\d+)", toc)
        assert m, heading
        n = int(m.group(1))
        # the section's page carries its name in the running header
        assert pages[n - 1].count(heading) >= 1 and f"Page {n} of" in pages[n - 1]


def test_pdf_cites_sources_and_reports_fabric(pdf_file, design):
    lay, a = design
    body = " ".join(_text(p) for p in pypdf.PdfReader(pdf_file).pages)
    assert "S01" in body and "docs.nvidia.com" in body
    assert "Worst single failure" in body
    assert "qm9700" in body


def test_pdf_letter_and_a4_page_sizes(design, tmp_path, qapp):
    lay, a = design
    for page, (w, h) in (("a4", (595, 842)), ("letter", (612, 792))):
        path = tmp_path / f"{page}.pdf"
        export(lay, a, path, page=page)
        box = pypdf.PdfReader(path).pages[3].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (w, h)


def test_pdf_of_a_large_hall_summarizes_racks(builtin_catalog, tmp_path, qapp):
    from designer.reports.pdf import RACK_TABLE_LIMIT

    lay = instantiate("dgx-h100-hall", {"racks": 320}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    assert len(lay.racks) > RACK_TABLE_LIMIT
    path = tmp_path / "large.pdf"
    export(lay, a, path)
    pages = [_text(p) for p in pypdf.PdfReader(path).pages]
    body = " ".join(pages)
    assert "The XLSX and CSV reports list all racks" in body
    # 320 racks of four DGX H100 draw 41.1 kW each (with their optics): a tie, so the table
    # says they are equal rather than calling the first 60 by id "the highest"
    assert "60 of the 320 at the highest power" in body
    assert "320 racks draw the most, 41.1 kW each" in body
    assert len(pages) < 40


def test_floor_plan_uses_the_designer_scene(design, tmp_path, qapp):
    from designer.reports.pdf import write_pdf

    lay, a = design
    info = write_pdf(lay, a, tmp_path / "scene.pdf")
    assert info["renderer"] == "scene", info.get("fallback_reason")
    assert info["plan_scale"] is not None
    info = write_pdf(lay, a, tmp_path / "own.pdf", renderer="fallback")
    assert info["renderer"] == "fallback"


def test_a_large_png_carries_the_rack_labels(builtin_catalog, qapp, monkeypatch):
    # at about 80 px/m a 0.8 m rack is 64 px wide: its kW label fits, as in the designer;
    # the report draws the scene in two passes (below and above the cooling units) and
    # the labels, in the upper one, must still find the racks of the lower one
    from designer.canvas.items import RackLabelsItem
    from designer.reports.png import render_image

    lay = instantiate("dgx-h100-hall", catalog=builtin_catalog)
    plates = []
    real = RackLabelsItem._plate

    def spy(self, dev, lines, widths):
        plates.append(lines)
        return real(self, dev, lines, widths)

    monkeypatch.setattr(RackLabelsItem, "_plate", spy)
    render_image(lay, analyze(lay, builtin_catalog), (2400, 1400))
    gpu_racks = [r for r in lay.racks if r.devices and r.devices[0].type == "dgx-h100"]
    assert len(plates) >= len(gpu_racks) == 16
    assert sum(any("41.1" in line for line in lines) for lines in plates) == 16  # with optics


def test_long_hall_is_cut_into_strips(builtin_catalog, qapp):
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from designer.reports.floorplan import render_floor_plan

    lay = instantiate("dgx-h100-hall", {"racks": 800}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)
    img = QImage(800, 1100, QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    try:
        info = render_floor_plan(p, QRectF(10, 10, 780, 1080), lay, a, ("heatmap",))
    finally:
        p.end()
    assert info.strips > 1 and info.units_per_m > 0


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_xlsx_sheets_and_totals(design, tmp_path):
    lay, a = design
    d = a.to_dict()
    path = tmp_path / "report.xlsx"
    export(lay, a, path)
    wb = openpyxl.load_workbook(path, read_only=True)
    for name in ("About", "Bill of materials", "Racks", "Rows", "Power feeds", "Cooling units",
                 "Network", "Rule violations", "Cable cut-sheet", "Assumptions and sources"):
        assert name in wb.sheetnames, name
    cut = _rows(wb["Cable cut-sheet"])
    assert len(cut) - 1 == d["cabling"]["links"] > 0
    head = cut[0]
    assert "Routed length (m)" in head and "Stock length (m)" in head and "Label" in head
    i = head.index("Routed length (m)")
    assert all(isinstance(r[i], float) for r in cut[1:])
    bom = _rows(wb["Bill of materials"])
    h = bom[0]
    cat, qty, gpus = h.index("Category"), h.index("Quantity"), h.index("GPUs")

    def total(*cats):
        return sum(r[qty] for r in bom[1:] if r[cat] in cats)

    assert sum(r[gpus] or 0 for r in bom[1:]) == d["counts"]["gpus"]
    assert total("GPU server", "Rack-scale system") == d["counts"]["servers"]
    assert total("Switch") == d["counts"]["switches"]["total"]
    assert total("Transceiver") == d["cabling"]["transceivers"]
    assert total("Cable") == sum(d["cabling"]["by_medium"].values())
    racks = _rows(wb["Racks"])
    assert len(racks) - 1 == len(lay.racks)
    assert "Power (kW)" in racks[0]


def test_xlsx_header_rows_are_frozen_and_filtered(design, tmp_path):
    lay, a = design
    path = tmp_path / "report.xlsx"
    export(lay, a, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Cable cut-sheet"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    assert ws.cell(1, 1).font.bold
    assert ws.column_dimensions["A"].width >= 6
    # printed, the cut-sheet's header row repeats on every page, fitted to the page width
    assert ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) \
        == ("landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.center.text == "&A, page &P of &N"


def test_xlsx_names_that_look_like_formulas_stay_text(design, tmp_path):
    # a design named "=Phase 2 hall" must not become a formula Excel offers to repair, nor
    # "=HYPERLINK(...)" one that runs
    lay, a = design
    odd = lay.model_copy(update={"name": "=Phase 2 hall", "author": '=HYPERLINK("x","y")'})
    path = tmp_path / "odd.xlsx"
    export(odd, a, path)
    ws = openpyxl.load_workbook(path)["About"]
    values = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)
              and c.value.startswith("=")]
    assert {c.value for c in values} >= {"=Phase 2 hall", '=HYPERLINK("x","y")'}
    assert {c.data_type for c in values} == {"s"}


def test_xlsx_leaves_out_characters_a_workbook_cannot_hold(design, tmp_path):
    # an escape sequence pasted into a design's name or author is no traceback: the About
    # sheet and the workbook's title leave the control characters out, as the tables do
    lay, a = design
    odd = lay.model_copy(update={"name": "Hall\x1b[1m 3", "author": "A\x07B"})
    path = tmp_path / "ctl.xlsx"
    export(odd, a, path)
    wb = openpyxl.load_workbook(path)
    texts = {c.value for row in wb["About"].iter_rows() for c in row if isinstance(c.value, str)}
    assert {"Hall[1m 3", "AB"} <= texts
    assert wb.properties.title == "Hall[1m 3"


def test_csv_cells_that_look_like_formulas_stay_text(design, tmp_path):
    # a rack named "=1+2" is text in a spreadsheet that opens the CSV, not 3
    lay, a = design
    first = lay.racks[0]
    odd = lay.model_copy(update={"racks": [first.model_copy(update={"name": "=1+2"}),
                                           *lay.racks[1:]]})
    path = tmp_path / "odd.csv"
    export(odd, analyze(odd), path)
    text = (tmp_path / "odd-racks.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2" in text and ",=1+2" not in text


def test_csv_writes_every_table_and_an_index(design, tmp_path):
    lay, a = design
    path = tmp_path / "hall.csv"
    files = export(lay, a, path)
    assert path in files and (tmp_path / "hall-cutsheet.csv") in files
    with path.open(newline="", encoding="utf-8-sig") as fh:
        index = list(csv.DictReader(fh))
    assert {r["Table"] for r in index} >= {"bom", "racks", "feeds", "cooling", "network",
                                           "violations", "cutsheet", "sources"}
    for r in index:
        assert (tmp_path / r["File"]).exists()
    with (tmp_path / "hall-cutsheet.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["Link", "Fabric", "Tier", "A rack"]
    assert "Routed length (m)" in rows[0]
    assert len(rows) - 1 == a.to_dict()["cabling"]["links"]
    assert int(next(r["Rows"] for r in index if r["Table"] == "cutsheet")) == len(rows) - 1


def test_png_any_size_with_overlays(design, tmp_path, qapp):
    from PySide6.QtGui import QImage

    lay, a = design
    path = tmp_path / "plan.png"
    export(lay, a, path, overlays=["heatmap", "violations"], size="900x500")
    img = QImage(str(path))
    assert (img.width(), img.height()) == (900, 500)
    colours = {img.pixel(x, y) for x in range(0, 900, 7) for y in range(0, 500, 7)}
    assert len(colours) > 20  # a drawing, not a blank page


def test_json_is_the_analysis_contract(design, tmp_path):
    lay, a = design
    path = tmp_path / "a.json"
    export(lay, a, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    design = data.pop("design")
    assert data == json.loads(a.to_json())
    assert data["schema"] == "rackscape.analysis/1"
    # and the design it is of, so a file sent on says what it is
    assert (design["name"], design["generation"]) == (lay.name, lay.generation)
    assert design["written"].endswith("+00:00") and design["rackscape_version"]


def test_progress_runs_to_one_and_cancel_leaves_no_file(design, tmp_path, qapp):
    lay, a = design
    seen: list[float] = []
    export(lay, a, tmp_path / "p.pdf", progress=lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)

    def cancel(f, m):
        if f > 0.4:
            raise ExportCancelled

    for name in ("c.pdf", "c.xlsx"):
        with pytest.raises(ExportCancelled):
            export(lay, a, tmp_path / name, progress=cancel)
        assert not (tmp_path / name).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_requests_raise_report_errors(design, tmp_path):
    lay, a = design
    with pytest.raises(ReportError, match="expected an output file ending in"):
        export(lay, a, tmp_path / "x.docx")
    with pytest.raises(ReportError, match="overlay"):
        export(lay, a, tmp_path / "x.png", overlays=["smoke"])
    with pytest.raises(ReportError):
        parse_size("wide")
    assert parse_size("640x480") == (640, 480)


@pytest.fixture(scope="module")
def layout_file(design, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "hall.json"
    save_layout(design[0], path)
    return path


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx", ".csv", ".png", ".json"])
def test_cli_report_writes_each_format(layout_file, tmp_path, suffix, capsys, qapp):
    out = tmp_path / f"out{suffix}"
    args = ["report", str(layout_file), "-o", str(out)]
    if suffix == ".png":
        args += ["--overlay", "heatmap", "--size", "640x400"]
    assert main(args) == 0
    assert out.exists() and out.stat().st_size > 0
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["-o", "out.txt"], "expected an output file ending in"),
    (["-o", "out.png", "--size", "big"], "--size"),
    (["-o", "out.png", "--overlay", "smoke"], "unknown overlay"),
    (["-o", "out.xlsx", "--overlay", "heatmap"], "--overlay: expected a .pdf or .png report"),
    (["-o", "out.pdf", "--size", "800x600"], "--size: expected a .png report"),
    (["-o", "out.png", "--page", "letter"], "--page: expected a .pdf report"),
])
def test_cli_report_bad_input_exits_2(layout_file, tmp_path, args, message, capsys):
    args = [a if not a.startswith("out.") else str(tmp_path / a) for a in args]
    assert main(["report", str(layout_file), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_report_missing_layout_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.json"), "-o", str(tmp_path / "r.pdf")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "r.pdf").exists()


def _unsaved_window(design, qtbot):
    """A bare window holding the design as a document never saved (``path`` None)."""
    from PySide6.QtWidgets import QWidget

    lay, a = design

    class Doc:
        layout, analysis, path = lay, a, None

    window = QWidget()
    qtbot.addWidget(window)
    window.document = Doc()
    return window


def test_export_dialog_writes_the_chosen_file(design, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from designer.reports import export_dialog

    window = _unsaved_window(design, qtbot)
    target = tmp_path / "chosen"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kw: (str(target), "Excel workbook (*.xlsx)"))
    files = export_dialog(window)
    assert files == [target.with_suffix(".xlsx")] and files[0].exists()


def test_export_dialog_of_an_unsaved_design_starts_where_the_last_export_went(
        design, tmp_path, qtbot, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    from designer.reports import export_dialog

    window = _unsaved_window(design, qtbot)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    QSettings().remove("reports/last_folder")
    window._recent = lambda: [str(first / "hall.json")]  # the file used last
    proposed = []

    def ask(parent, title, start, filters):
        proposed.append(Path(start).parent)
        return str(second / "out.json"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    export_dialog(window)  # first export: the folder of the file used last
    export_dialog(window)  # then: where the last report went
    assert proposed == [first, second]


def test_file_export_from_the_main_window(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "from-window.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kw: (str(target), "PDF design report (*.pdf)"))
    window.scene.set_overlay("heatmap", True)
    window.export()
    reader = pypdf.PdfReader(target)
    assert len(reader.pages) >= 10
    assert window.document.layout.name in _text(reader.pages[0])


# -- outputs that must never cost the user a file ----------------------------------------------


def test_a_pdf_left_short_never_replaces_the_old_report(design, tmp_path, monkeypatch, qapp):
    """Qt's PDF writer reports no write error (a full disk leaves a short file)."""
    import designer.reports.pdf as pdf

    lay, a = design
    out = tmp_path / "old.pdf"
    out.write_bytes(b"%PDF-1.4 the report sent last week\n%%EOF\n")
    before = out.read_bytes()
    monkeypatch.setattr(pdf, "write_pdf", lambda _l, _a, path, **k: Path(path).write_bytes(
        b"%PDF-1.4 half a rep"))
    with pytest.raises(OSError, match="not written completely"):
        export(lay, a, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["old.pdf"]  # no temp file left


def test_csv_tables_are_replaced_all_or_none(design, tmp_path, layout_file, capsys):
    lay, a = design
    out = tmp_path / "x.csv"
    export(lay, a, out)
    bom = (tmp_path / "x-bom.csv").read_bytes()
    (tmp_path / "x-sources.csv").unlink()
    (tmp_path / "x-sources.csv").mkdir()  # one table's name is taken by a folder
    other = instantiate("dgx-h100-hall", {"racks": 4})
    other_file = tmp_path / "other.json"
    save_layout(other, other_file)
    assert main(["report", str(other_file), "-o", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "x-sources.csv" in err and "folder" in err and err.count("\n") == 1
    assert (tmp_path / "x-bom.csv").read_bytes() == bom  # the old set is whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_outputs_that_are_not_regular_files_are_refused(layout_file, tmp_path, capsys):
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    # a named pipe would stall the command forever: it is refused before it is opened
    for suffix_out in (fifo, tmp_path):
        assert main(["report", str(layout_file), "-o", str(suffix_out)]) == 2
    err = capsys.readouterr().err
    assert "named pipe" in err
    assert main(["new", "dgx-h100-hall", "-o", "/dev/null"]) == 2
    assert "a regular file (this is a device)" in capsys.readouterr().err


def test_a_symlinked_output_is_written_through(layout_file, tmp_path, capsys):
    target = tmp_path / "shared" / "hall.json"
    target.parent.mkdir()
    link = tmp_path / "hall-link.json"
    link.symlink_to(target)
    assert main(["new", "dgx-h100-hall", "--set", "racks=4", "-o", str(link)]) == 0
    assert link.is_symlink() and target.is_file()
    assert json.loads(target.read_text())["schema_version"] >= 1


def test_no_report_or_bundle_replaces_a_layout_whatever_its_key_order(layout_file, tmp_path,
                                                                       capsys):
    data = json.loads(layout_file.read_text())
    # schema_version last, far past the first few kilobytes
    reordered = {k: v for k, v in data.items() if k != "schema_version"}
    reordered["schema_version"] = data["schema_version"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(reordered))
    before = other.read_bytes()
    assert main(["report", str(layout_file), "-o", str(other)]) == 2
    assert main(["library", "export", str(other), "fat-tree"]) == 2
    err = capsys.readouterr().err
    assert "Rackscape layout" in err and other.read_bytes() == before


@pytest.mark.parametrize("target", ["folder", "fifo", "missing"])
def test_export_dialog_tells_the_user_about_a_bad_target_once(design, tmp_path, qtbot,
                                                              monkeypatch, capsys, target):
    # a folder, a named pipe or a missing folder is the user's input, not a fault of the
    # report code: one warning naming the report, no exception name, no traceback
    import os

    from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

    from designer.reports import export_dialog

    lay, a = design
    path = tmp_path / "hall.pdf"
    if target == "folder":
        path.mkdir()
    elif target == "fifo":
        os.mkfifo(path)
    else:
        path = tmp_path / "gone" / "hall.pdf"

    class Doc:
        layout, analysis = lay, a
        path = None

    window = QWidget()
    qtbot.addWidget(window)
    window.document = Doc()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kw: (str(path), "PDF design report (*.pdf)"))
    monkeypatch.setattr(QMessageBox, "warning", lambda _w, title, text, *r: shown.append(
        ("warning", text)))
    monkeypatch.setattr(QMessageBox, "critical", lambda _w, title, text, *r: shown.append(
        ("critical", text)))
    assert export_dialog(window) is None
    assert len(shown) == 1 and shown[0][0] == "warning", shown
    text = shown[0][1]
    assert "hall.pdf" in text and "InputError" not in text and ".tmp" not in text
    assert "Traceback" not in capsys.readouterr().err


def test_a_write_error_names_the_report_not_its_temporary_file():
    from designer.reports import user_message

    err = PermissionError(13, "Permission denied", "/r/.hall.pdf.0ijq3zot.tmp")
    text = user_message(err, "/r/hall.pdf")
    assert text.startswith("hall.pdf:") and "0ijq3zot" not in text


def test_a_cdu_alone_with_no_load_reads_no_load_in_every_format(builtin_catalog, tmp_path, qapp):
    from engine.model import CoolingUnit

    lay = instantiate("dgx-h100-hall", {}, catalog=builtin_catalog)
    crah = lay.cooling[0]
    lay = lay.model_copy(update={"cooling": [CoolingUnit(
        id="CDU-1", kind="cdu", capacity_kw=1200.0, x_m=crah.x_m, y_m=crah.y_m + 2.0,
        group="CDU"), *lay.cooling]})
    a = analyze(lay, builtin_catalog)
    said = "no load (one unit, no spare)"
    export(lay, a, tmp_path / "r.pdf")
    text = " ".join(_text(p) for p in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    groups = text[text.rindex("Redundancy groups (N+1)"):]  # the section, not the contents
    groups = groups[:groups.index("Cooling units")]
    assert "CDU 1 1,200.0 0.0 0.0 0.0 0.0 " + said in groups and "N+1 OK" in groups
    export(lay, a, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    sheet = next(wb[n] for n in wb.sheetnames if "redundancy" in n.lower())
    rows = _rows(sheet)
    status = rows[0].index("Status")
    assert {r[0]: r[status] for r in rows[1:]} == {"CDU": said, "CRAH": "N+1 OK"}
    export(lay, a, tmp_path / "r.csv")
    with (tmp_path / "r-cooling_groups.csv").open(newline="", encoding="utf-8-sig") as fh:
        assert {r["Group"]: r["Status"] for r in csv.DictReader(fh)} == {"CDU": said,
                                                                         "CRAH": "N+1 OK"}


def test_pdf_bill_of_materials_notes_are_footnotes_not_a_column(builtin_catalog, tmp_path,
                                                                  qapp):
    """The B300 SuperPOD's twin-port DR4 module line carries a 50-word note: printed in a
    column of its own it ran one word a line down the page; it is a numbered footnote
    under the bill, marked after the item."""
    lay = instantiate("dgx-b300-superpod", {}, catalog=builtin_catalog)
    path = tmp_path / "b300.pdf"
    export(lay, analyze(lay, builtin_catalog), path)
    body = " ".join(_text(p) for p in pypdf.PdfReader(path).pages)
    assert "smf-dr4-800-xdr/two-link [1]" in body
    assert "[1] Transceiver smf-dr4-800-xdr/two-link: a 1600G module serving two" in body


def test_report_plans_shade_the_cooling_zones_after_other_plans(builtin_catalog, qapp):
    """A report draws its plans one after another from one scene: the cooling zones' tint
    (the overlay's part under the racks) painted on the zones page though the plain plan
    came first (it hid the overlay's layer for a pass, and the tint stayed hidden)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    from designer.canvas.style import CATEGORICAL
    from designer.reports.floorplan import prepare_plan, render_floor_plan

    lay = instantiate("dgx-b300-superpod", {}, catalog=builtin_catalog)
    a = analyze(lay, builtin_catalog)

    def tinted(source) -> int:
        img = QImage(600, 800, QImage.Format.Format_ARGB32)
        img.fill(QColor("white"))
        p = QPainter(img)
        render_floor_plan(p, QRectF(0, 0, 600, 800), lay, a, ("cooling",), rotate=True,
                          source=source)
        p.end()
        # pixels of the first zone's tint (its colour at alpha 60 over the floor)
        zone = QColor(CATEGORICAL[0])
        return sum(1 for x in range(0, 600, 3) for y in range(0, 800, 3)
                   if QColor(img.pixel(x, y)).blue() > QColor(img.pixel(x, y)).red() + 25
                   and abs(QColor(img.pixel(x, y)).hue() - zone.hue()) < 12)

    src = prepare_plan(lay, a)
    try:
        alone = tinted(src)
    finally:
        src.close()
    src = prepare_plan(lay, a)
    try:
        img = QImage(600, 800, QImage.Format.Format_ARGB32)
        p = QPainter(img)
        render_floor_plan(p, QRectF(0, 0, 600, 800), lay, a, (), rotate=True, source=src)
        p.end()
        after = tinted(src)
    finally:
        src.close()
    assert alone > 200 and after == pytest.approx(alone, rel=0.05)


def test_a_png_size_is_ascii_digits_and_at_least_the_least_drawn():
    from designer.reports import MIN_PNG_PX

    # the image is drawn at no less than 64 px a side: a smaller size is refused, not
    # quietly grown
    assert parse_size(f"{MIN_PNG_PX}x{MIN_PNG_PX}") == (64, 64)
    with pytest.raises(ReportError, match="expected 64 to 20000 pixels per side, got 16x16"):
        parse_size("16x16")
    with pytest.raises(ReportError, match="WIDTHxHEIGHT"):
        parse_size("９００x６００")  # full-width digits, which --set refuses too
    assert parse_size(" 900 × 600 ") == (900, 600)
