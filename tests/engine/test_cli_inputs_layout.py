"""A layout file with a number of the wrong kind or size: one line naming the file, the
field, the kind and range the field takes, and the value given (exit 2)."""

from __future__ import annotations

import json

import pytest

from designer.cli import main
from engine.templates import instantiate

BASE = json.loads(instantiate("dgx-h100-hall", {"racks": 2}).model_dump_json())


def _check(tmp_path, capsys, path_in_file: tuple, value) -> tuple[int, str]:
    data = json.loads(json.dumps(BASE))
    node = data
    for key in path_in_file[:-1]:
        node = node[key]
    node[path_in_file[-1]] = value
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(data))
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return code, err.strip().removeprefix(f"rackscape: {path}: ")


U = ("racks", 0, "devices", 0, "u")


@pytest.mark.parametrize("value,expected", [
    # once "expected Unable to parse input string as an integer, exceeded maximum size"
    (1e30, "racks[0].devices[0].u: expected an integer from 1 to 60 (got 1e+30)"),
    (-1e30, "racks[0].devices[0].u: expected an integer from 1 to 60 (got -1e+30)"),
    (1.5, "racks[0].devices[0].u: expected an integer from 1 to 60 (got 1.5)"),
    ("3U", "racks[0].devices[0].u: expected an integer from 1 to 60 (got '3U')"),
    (None, "racks[0].devices[0].u: expected an integer from 1 to 60 (got null)"),
    # once "(got int)"
    (10**30, "racks[0].devices[0].u: expected a value of at most 60 "
             "(got an integer of 31 digits)"),
])
def test_a_u_position_that_is_no_integer_in_range_says_what_the_field_takes(
        tmp_path, capsys, value, expected):
    code, err = _check(tmp_path, capsys, U, value)
    assert code == 2 and err == expected


@pytest.mark.parametrize("where,value,expected", [
    # a float a hair over its bound keeps its digits (once "got 100000")
    (("racks", 0, "x_m"), 100000.0001, "racks[0].x_m: expected a value of at most 100,000 "
                                       "(got 100000.0001)"),
    (("hall", "outline", 1, 0), "far", "hall.outline[1][0]: expected a finite number from "
                                       "-100,000 to 100,000 (got 'far')"),
    (("hall", "tile_m"), [0.6], "hall.tile_m: expected a finite number from 0.1 to 10 "
                                "(got a list of 1 item)"),
    (("fabrics", 0, "rails"), 8.5, "fabrics[0].rails: expected an integer from 1 to 64 "
                                   "(got 8.5)"),
    (("name",), "x" * 300, "name: expected at most 200 characters (got 300 characters)"),
])
def test_other_numbers_of_the_wrong_kind_or_size(tmp_path, capsys, where, value, expected):
    code, err = _check(tmp_path, capsys, where, value)
    assert code == 2 and err == expected


@pytest.mark.parametrize("where,value,expected", [
    # true once read as 1: a device at U1, a one-rail fabric
    (U, True, "racks[0].devices[0].u: expected an integer from 1 to 60 (got true)"),
    (("fabrics", 0, "rails"), True, "fabrics[0].rails: expected an integer from 1 to 64 "
                                    "(got true)"),
    (("racks", 0, "x_m"), False, "racks[0].x_m: expected a finite number from -100,000 to "
                                 "100,000 (got false)"),
    (("hall", "outline", 1, 0), True, "hall.outline[1][0]: expected a finite number from "
                                      "-100,000 to 100,000 (got true)"),
])
def test_true_or_false_where_a_number_belongs_is_refused(tmp_path, capsys, where, value,
                                                         expected):
    code, err = _check(tmp_path, capsys, where, value)
    assert code == 2 and err == expected


def test_true_or_false_stays_fine_in_a_yes_no_field(tmp_path, capsys):
    data = json.loads(json.dumps(BASE))
    data["hall"]["raised_floor"] = True
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(data))
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_an_empty_file_name_is_said_as_one(capsys):
    # `rackscape analyze ""` said ": expected a readable layout file" with no name at all
    assert main(["analyze", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rackscape: (an empty file name): expected a readable layout file")
    assert err.count("\n") == 1
