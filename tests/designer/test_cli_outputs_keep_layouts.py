"""No output of the command line replaces a layout: not a CSV report's table files
(``OUT-<table>.csv``), not a screenshot, not a layout saved without
``schema_version`` (it loads as version 1), and not through a symbolic link."""

from __future__ import annotations

import json
import os

import pytest

from designer.cli import main
from engine.io import is_layout_file, save_layout
from engine.templates import instantiate


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


def _refused(capsys, argv, kept: dict) -> str:
    before = {p: p.read_bytes() for p in kept}
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rackscape: ")
    assert {p: p.read_bytes() for p in kept} == before
    return err


def test_a_csv_table_file_that_is_a_link_to_the_layout_is_refused(hall, tmp_path, capsys):
    link = tmp_path / "rep-cutsheet.csv"
    os.symlink(hall, link)
    err = _refused(capsys, ["report", hall, "-o", tmp_path / "rep.csv"], [hall])
    assert "rep-cutsheet.csv, which is a Rackscape layout" in err
    assert not (tmp_path / "rep.csv").exists() and not (tmp_path / "rep-bom.csv").exists()


def test_a_layout_saved_under_a_table_files_name_is_kept(hall, tmp_path, capsys):
    other = tmp_path / "rep-bom.csv"
    other.write_bytes(hall.read_bytes())
    _refused(capsys, ["report", hall, "-o", tmp_path / "rep.csv"], [other])


@pytest.mark.parametrize("via_link", [False, True])
def test_a_screenshot_never_replaces_a_layout(hall, tmp_path, capsys, via_link):
    out = tmp_path / "plan.png"
    if via_link:
        os.symlink(hall, out)
        argv = ["--screenshot", out]  # the built-in hall, written through the link
    else:
        out.write_bytes(hall.read_bytes())
        argv = ["--screenshot", out, hall]
    err = _refused(capsys, argv, [hall, out] if not via_link else [hall])
    assert "Rackscape layout" in err


def test_a_layout_without_schema_version_is_a_layout(hall, tmp_path, capsys):
    data = json.loads(hall.read_text())
    del data["schema_version"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    assert main(["analyze", str(old)]) == 0  # it loads, as version 1
    capsys.readouterr()
    assert is_layout_file(old)
    _refused(capsys, ["report", hall, "-o", old], [old])


def test_a_report_replaces_its_own_earlier_analysis_json_when_forced(hall, tmp_path, capsys):
    out = tmp_path / "analysis.json"
    assert main(["report", str(hall), "-o", str(out)]) == 0
    assert not is_layout_file(out)
    before = out.read_bytes()
    assert main(["report", str(hall), "-o", str(out)]) == 2  # there already: not replaced
    assert "--force replaces it" in capsys.readouterr().err and out.read_bytes() == before
    assert main(["report", str(hall), "-o", str(out), "--force"]) == 0
    assert json.loads(out.read_text())["schema"] == "rackscape.analysis/1"


@pytest.mark.parametrize("source, kind", [
    ("assets/catalog/hopper.json", "a Rackscape catalog file"),
    ("templates/hopper/dgx-h100-hall.json", "a Rackscape template"),
])
def test_no_report_or_screenshot_replaces_a_catalog_or_a_template(hall, tmp_path, capsys,
                                                                    source, kind):
    """A user catalog or template named as a JSON report (or a PNG) is kept, and the
    message says what it is."""
    from pathlib import Path

    mine = tmp_path / "mine.json"
    mine.write_bytes((Path(__file__).parents[2] / source).read_bytes())
    err = _refused(capsys, ["report", hall, "-o", mine], [mine])
    assert err == f"rackscape: -o {mine}: expected a file a report may replace ({kind}, " \
                  "which a report never replaces: choose another file name)\n"
    png = tmp_path / "mine.png"
    png.write_bytes(mine.read_bytes())
    err = _refused(capsys, ["--screenshot", png, hall], [png])
    assert f"this file is {kind}, which a screenshot cannot replace" in err


def test_new_and_retarget_write_layouts_to_json_names_only(tmp_path, capsys, hall):
    """A slip of the name does not write a layout's JSON over a PDF report."""
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(b"%PDF-1.7 a report")
    for argv in (["new", "fat-tree", "-o", pdf, "--force"],
                 ["retarget", hall, "-g", "blackwell", "-o", pdf, "--force"]):
        err = _refused(capsys, argv, [pdf])
        assert err == f"rackscape: -o {pdf}: expected a layout file name ending in .json\n"


def test_a_retarget_that_maps_no_gpu_writes_nothing(tmp_path, capsys):
    """GB200 racks have no rack-scale equivalent in Hopper: the copy would be the design
    relabelled, so nothing is written and the exit code says it failed."""
    src = tmp_path / "gb.json"
    save_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 1}), src)
    out = tmp_path / "h.json"
    code = main(["retarget", str(src), "-g", "hopper", "-o", str(out)])
    cap = capsys.readouterr()
    assert code == 2 and not out.exists()
    assert "none could be mapped" in cap.out
    assert cap.err == (f"rackscape: {src}: --generation: expected a generation with hardware "
                       "for the design's GPU systems (hopper maps none of its 576 GPUs; "
                       "nothing written)\n")


def test_a_folder_as_report_output_and_an_analysis_as_layout_are_named(hall, tmp_path,
                                                                      capsys):
    """Messages that say what was given: a folder named as the report file, and an
    analysis JSON given where a layout is read."""
    folder = tmp_path / "out"
    folder.mkdir()
    err = _refused(capsys, ["report", hall, "-o", folder], [hall])
    assert "expected an output file, not a folder" in err
    an = tmp_path / "an.json"
    assert main(["analyze", str(hall), "--json"]) == 0
    an.write_text(capsys.readouterr().out)
    err = _refused(capsys, ["analyze", an], [an])
    assert "this is an analysis written by `rackscape analyze --json`" in err


def test_an_output_named_by_a_link_to_a_layout_is_refused_by_its_path(hall, tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_bytes(hall.read_bytes())
    link = tmp_path / "plan.pdf"
    os.symlink(other, link)
    err = _refused(capsys, ["report", hall, "-o", link, "--force"], [hall, other])
    assert err.startswith(f"rackscape: -o {link}: expected a file a report may replace "
                          "(a Rackscape layout")


def test_an_output_name_ending_in_a_separator_names_a_folder_and_is_refused(hall, tmp_path,
                                                                           capsys):
    for argv in (["report", hall, "-o", f"{tmp_path}/x.pdf/"],
                 ["new", "fat-tree", "-o", f"{tmp_path}/y.json/"],
                 ["--screenshot", f"{tmp_path}/z.png/"]):
        err = _refused(capsys, argv, [hall])
        assert "expected a file name, not a folder (it ends in /)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall.json"]  # nothing written


def test_a_line_break_in_a_written_file_name_stays_on_its_line(hall, tmp_path, capsys):
    out = tmp_path / "a\nb.json"
    assert main(["report", str(hall), "-o", str(out)]) == 0
    assert out.exists()
    assert capsys.readouterr().out == f"wrote {tmp_path}/a\\nb.json\n"
