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
