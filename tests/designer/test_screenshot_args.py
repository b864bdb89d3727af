"""``rackscape --screenshot``: an option value that starts with "-" is checked as a value,
as the other commands check theirs, so the message names the real problem (the size, the
overlay, the colouring), never argparse's "expected one argument"."""

from __future__ import annotations

import pytest

from designer.cli import _SCREENSHOT_VALUE_OPTIONS, _joined_values, main
from engine.io import save_layout
from engine.templates import instantiate


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


@pytest.mark.parametrize("option,value,message", [
    ("--size", "-1x-1", "--size: expected WIDTHxHEIGHT in pixels (got '-1x-1')"),
    ("--size", "-800x600", "--size: expected WIDTHxHEIGHT in pixels (got '-800x600')"),
    ("--overlay", "-x", "--overlay: unknown overlay '-x'; expected one of: heatmap, cooling, "
                        "airflow, cables, violations or all"),
    ("--metric", "-kw", "--metric: expected kw, utilization or liquid (got '-kw')"),
])
def test_a_value_starting_with_a_dash_is_named_as_a_value(tmp_path, hall, capsys, option,
                                                          value, message):
    out = tmp_path / "s.png"
    code = main(["--screenshot", str(out), option, value, str(hall)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"rackscape: {message}\n"
    assert "expected one argument" not in err and not out.exists()


def test_the_same_value_joined_with_an_equals_sign_says_the_same(tmp_path, hall, capsys):
    argv = ["--screenshot", str(tmp_path / "s.png"), str(hall)]
    assert main([*argv, "--size", "-1x-1"]) == 2
    spaced = capsys.readouterr().err
    assert main([*argv, "--size=-1x-1"]) == 2
    assert capsys.readouterr().err == spaced


def test_the_screenshot_options_are_joined_with_their_values():
    argv = ["--screenshot", "-s.png", "--size", "-1x-1", "--metric", "--overlay", "x", "f.json"]
    assert _joined_values(argv, _SCREENSHOT_VALUE_OPTIONS) == [
        "--screenshot=-s.png", "--size=-1x-1", "--metric", "--overlay", "x", "f.json"]
    # the other commands' options are as they were: --metric is not one of them
    assert _joined_values(["--metric", "-kw"]) == ["--metric", "-kw"]
