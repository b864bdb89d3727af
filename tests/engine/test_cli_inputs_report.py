"""``rackscape report --overlay`` and ``rackscape --screenshot --overlay``: an unknown
overlay is named, with the overlays there are."""

from __future__ import annotations

import pytest

from designer.cli import main
from engine.io import save_layout
from engine.templates import instantiate

KNOWN = "expected one of: heatmap, cooling, airflow, cables, violations or all"


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


@pytest.mark.parametrize("how", ["report", "screenshot"])
@pytest.mark.parametrize("given,unknown", [
    (["nope"], "nope"),                       # once "(got ['nope'])" on a screenshot
    (["heat,zz"], "zz"),                      # the unknown one of a comma-separated list
    (["cooling", " Bogus "], "Bogus"),
])
def test_an_unknown_overlay_is_named_with_the_known_ones(hall, tmp_path, capsys, how, given,
                                                         unknown):
    out = tmp_path / "plan.png"
    overlays = [a for g in given for a in ("--overlay", g)]
    argv = (["report", str(hall), "-o", str(out), *overlays] if how == "report" else
            ["--screenshot", str(out), str(hall), *overlays])
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err == f"rackscape: --overlay: unknown overlay {unknown!r}; {KNOWN}\n"


def test_a_report_never_replaces_a_file_unless_forced(tmp_path, capsys):
    # a CSV report writes OUT.csv and OUT-<table>.csv: a file of the user's that one of
    # them would replace is refused by name, and --force replaces it
    from designer.cli import main
    from engine.io import save_layout
    from engine.report_tables import TABLE_KEYS
    from engine.templates import instantiate

    hall = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), hall)
    mine = tmp_path / "t-summary.csv"
    mine.write_text("my notes\n")
    out = tmp_path / "t.csv"
    assert main(["report", str(hall), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "t-summary.csv is already there; --force replaces it" in err[0]
    assert mine.read_text() == "my notes\n" and not out.exists()
    assert main(["report", str(hall), "-o", str(out), "--force"]) == 0
    assert mine.read_text() != "my notes\n"
    assert sorted(p.name for p in tmp_path.glob("t*.csv")) == sorted(
        ["t.csv", *(f"t-{k}.csv" for k in TABLE_KEYS)])
    # a PDF over a file that is there: refused the same way
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(b"%PDF mine")
    assert main(["report", str(hall), "-o", str(pdf)]) == 2
    assert pdf.read_bytes() == b"%PDF mine"


def test_the_table_keys_are_the_tables_built(tmp_path):
    from engine.analysis import analyze
    from engine.report_tables import TABLE_KEYS, build_tables
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 2})
    assert tuple(t.key for t in build_tables(lay, analyze(lay))) == TABLE_KEYS
