"""A layout file whose values are in the wrong place or of the wrong JSON type is refused.

Two kinds of mistake that once loaded and were analysed:

* rack contents in the wrong place: a rack-scale system (a GB200 NVL72, with no U height,
  that fills its own rack) among a rack's ``devices``, or a device mounted by U (a server,
  a switch) as a rack's ``system``, which the edit commands never make;
* a number written as text (``"u": "3"``, ``"x_m": "4.0"``), which pydantic's lax mode
  read as the number.

Both give one line on stderr naming the file, the field and what it takes, exit code 2,
and leave the file as it was. Every case runs ``designer.cli.main`` in-process.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.cli import main
from engine.analysis import Analyzer
from engine.errors import FROM_FILE, InputError
from engine.io import layout_from_dict
from engine.model import Rack
from engine.templates import instantiate

BASE = json.loads(instantiate("dgx-h100-hall", {"racks": 2}).model_dump_json())


def _edited(edits) -> dict:
    data = copy.deepcopy(BASE)
    for path, value in edits:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return data


def _run(tmp_path, capsys, data, command: str = "check") -> tuple[int, str, str]:
    """Run ``rackscape COMMAND FILE`` on ``data``; return the exit code, the one stderr line
    without its ``rackscape: FILE: `` prefix, and stdout. The file must come out unchanged."""
    path = tmp_path / "hall.json"
    text = json.dumps(data, indent=1)
    path.write_text(text)
    code = main([command, str(path)])
    out = capsys.readouterr()
    assert path.read_text() == text
    if code != 2:
        return code, out.err, out.out
    assert "Traceback" not in out.err
    lines = out.err.splitlines()
    assert len(lines) == 1, out.err
    prefix = f"rackscape: {path}: "
    assert lines[0].startswith(prefix), lines[0]
    return code, lines[0].removeprefix(prefix), out.out


# -- rack contents in the wrong place ----------------------------------------------------------

R0 = ("racks", 0)
_IN_DEVICES = ("expected a device mounted by U ({t} is a rack-scale system, which fills its "
               "rack: put it in the rack's system field)")
_AS_SYSTEM = "expected a rack-scale system ({t} is {what}: put it in the rack's devices)"

MISPLACED = {
    # a 399 kW rack of 72 more GPUs in no U at all, once
    "system-among-devices": (
        [((*R0, "devices"), [{"type": "gb200-nvl72", "u": 1}])],
        "racks[0].devices[0].type: " + _IN_DEVICES.format(t="gb200-nvl72")),
    "two-systems-among-devices": (
        [((*R0, "type"), "nvl72-rack"),
         ((*R0, "devices"), [{"type": "gb200-nvl72", "u": 1}, {"type": "gb200-nvl72", "u": 2}])],
        "racks[0].devices[0].type: " + _IN_DEVICES.format(t="gb200-nvl72")),
    "system-after-servers": (
        [(("racks", 1, "devices", 2), {"type": "gb300-nvl72", "u": 40})],
        "racks[1].devices[2].type: " + _IN_DEVICES.format(t="gb300-nvl72")),
    "system-in-network-rack": (
        [(("racks", 2, "devices"), [{"type": "vera-rubin-nvl144", "u": 10}])],
        "racks[2].devices[0].type: " + _IN_DEVICES.format(t="vera-rubin-nvl144")),
    # an 8U server counted as the whole rack, once
    "server-as-system": (
        [((*R0, "devices"), []), ((*R0, "system"), "dgx-h100")],
        "racks[0].system: " + _AS_SYSTEM.format(t="dgx-h100", what="a GPU server, mounted by U")),
    "switch-as-system": (
        [(("racks", 2, "system"), "qm9700")],
        "racks[2].system: " + _AS_SYSTEM.format(t="qm9700", what="a switch, mounted by U")),
    "cpu-node-as-system": (
        [(("racks", 1, "devices"), []), (("racks", 1, "system"), "epyc-9005-2s")],
        "racks[1].system: " + _AS_SYSTEM.format(t="epyc-9005-2s",
                                                what="a CPU node, mounted by U")),
    "network-card-as-system": (
        [(("racks", 2, "system"), "connectx-7")],
        "racks[2].system: " + _AS_SYSTEM.format(t="connectx-7", what="a network card")),
}


@pytest.mark.parametrize("command", ["check", "analyze"])
@pytest.mark.parametrize("case", sorted(MISPLACED))
def test_rack_contents_in_the_wrong_place_are_refused(tmp_path, capsys, case, command):
    edits, expected = MISPLACED[case]
    code, err, out = _run(tmp_path, capsys, _edited(edits), command)
    assert (code, err, out) == (2, expected, "")


def test_the_first_misplaced_content_is_named(tmp_path, capsys):
    data = _edited([(("racks", 1, "devices", 0), {"type": "gb200-nvl72", "u": 3}),
                    (("racks", 2, "system"), "qm9700")])
    assert _run(tmp_path, capsys, data)[:2] == (
        2, "racks[1].devices[0].type: " + _IN_DEVICES.format(t="gb200-nvl72"))


def test_an_unknown_type_is_still_reported_as_unknown(tmp_path, capsys):
    data = _edited([((*R0, "devices", 0), {"type": "gb9000-nvl999", "u": 3})])
    assert _run(tmp_path, capsys, data)[:2] == (
        2, "racks[0].devices[0].type: expected a device type of the catalog "
           "(unknown 'gb9000-nvl999')")


def test_a_rack_scale_system_in_its_own_rack_still_loads(tmp_path, capsys):
    data = _edited([((*R0, "type"), "nvl72-rack"), ((*R0, "devices"), []),
                    ((*R0, "system"), "gb200-nvl72")])
    code, err, _ = _run(tmp_path, capsys, data)
    assert code in (0, 1) and err == ""


def test_an_edit_that_misplaces_contents_is_refused_by_the_incremental_analysis():
    lay = instantiate("dgx-h100-hall", {"racks": 2})
    analyzer = Analyzer(lay)
    bad = lay.model_copy(deep=True)
    bad.racks[1] = bad.racks[1].model_copy(update={"devices": [], "system": "dgx-h100"})
    with pytest.raises(InputError) as info:
        analyzer.update(bad, [bad.racks[1].id])
    assert str(info.value) == "racks[1].system: " + _AS_SYSTEM.format(
        t="dgx-h100", what="a GPU server, mounted by U")


# -- numbers written as text -------------------------------------------------------------------

def _number_leaves(node, path=()):
    """Every number of a layout's JSON, one path per field (the first item of each list)."""
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _number_leaves(v, (*path, k))
    elif isinstance(node, list) and node:
        yield from _number_leaves(node[0], (*path, 0))
        if isinstance(node[0], int | float):  # a point: its y as well
            yield from _number_leaves(node[-1], (*path, len(node) - 1))


def _field(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + p
                   for i, p in enumerate(path))


WITH_VACANCIES = _edited([(("fabrics", 0, "vacant_before"), {"GPU-0002": 2})])
NUMBERS = dict(_number_leaves(WITH_VACANCIES))


def test_the_base_layout_covers_numbers_of_every_kind():
    fields = {p[-1] for p in NUMBERS}
    assert {"u", "x_m", "capacity_kw", "amps", "phases", "rotation_deg", "rails",
            "GPU-0002", "oversubscription", "delta_t_air_k", "schema_version"} <= fields
    assert len(NUMBERS) >= 40
    data = json.loads(json.dumps(WITH_VACANCIES))
    assert layout_from_dict(data).fabrics[0].vacant_before == {"GPU-0002": 2}


def _got(path, text: str) -> str:
    """How the message ends for a number given as ``text`` at ``path``."""
    # the schema version is read apart, before the model's fields
    return f" (got {text!r})" if path == ("schema_version",) else \
        f", without quotes (got {text!r})"


@pytest.mark.parametrize("path", sorted(NUMBERS, key=str), ids=_field)
def test_every_number_of_a_layout_written_as_text_is_refused(tmp_path, capsys, path):
    number = NUMBERS[path]
    text = str(number)
    data = copy.deepcopy(WITH_VACANCIES)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = text
    code, err, out = _run(tmp_path, capsys, data)
    assert code == 2 and out == ""
    assert err.startswith(f"{_field(path)}: expected ")
    assert err.endswith(_got(path, text))


@pytest.mark.parametrize("where,value,expected", [
    (("racks", 0, "devices", 0, "u"), "3",
     "racks[0].devices[0].u: expected an integer from 1 to 60, without quotes (got '3')"),
    (("racks", 0, "x_m"), "4.0",
     "racks[0].x_m: expected a finite number from -100,000 to 100,000, without quotes "
     "(got '4.0')"),
    (("hall", "outline", 2, 1), "7.8",
     "hall.outline[2][1]: expected a finite number from -100,000 to 100,000, without quotes "
     "(got '7.8')"),
    (("cooling", 0, "capacity_kw"), "1.5e2",
     "cooling[0].capacity_kw: expected a finite number from 0.1 to 100,000, without quotes "
     "(got '1.5e2')"),
    (("assumptions", "pue"), " 1.3 ",
     "assumptions.pue: expected a finite number from 1 to 5, without quotes (got ' 1.3 ')"),
    (("racks", 0, "rotation_deg"), "90",
     "racks[0].rotation_deg: expected 0, 90, 180 or 270, without quotes (got '90')"),
    # read before the rest of the file, to know how to read it
    (("schema_version",), "3", "schema_version: expected an integer from 1 to 3, without quotes (got '3')"),
    # text that is no number at all says what the field takes, as before
    (("racks", 0, "x_m"), "4 m",
     "racks[0].x_m: expected a finite number from -100,000 to 100,000 (got '4 m')"),
    (("fabrics", 0, "rails"), "",
     "fabrics[0].rails: expected an integer from 1 to 64 (got '')"),
    # a yes/no field takes true or false
    (("hall", "raised_floor"), "true",
     "hall.raised_floor: expected true or false, without quotes (got 'true')"),
    (("fabrics", 0, "collapse_tiers"), 1,
     "fabrics[0].collapse_tiers: expected true or false (got 1)"),
    (("assumptions", "cabling", "allow_aoc"), "no",
     "assumptions.cabling.allow_aoc: expected true or false (got 'no')"),
])
def test_a_value_of_the_wrong_json_type_says_what_the_field_takes(tmp_path, capsys, where,
                                                                  value, expected):
    code, err, out = _run(tmp_path, capsys, _edited([(where, value)]))
    assert (code, err, out) == (2, expected, "")


def test_several_numbers_as_text_are_one_line(tmp_path, capsys):
    data = _edited([(("racks", 0, "devices", 0, "u"), "3"), (("racks", 1, "x_m"), "4.8")])
    assert _run(tmp_path, capsys, data, "analyze")[:2] == (
        2, "racks[0].devices[0].u: expected an integer from 1 to 60, without quotes "
           "(got '3'); 1 more problem(s)")


def test_json_numbers_of_either_kind_still_load(tmp_path, capsys):
    # an integer where a decimal goes is the same number (4 for 4.0); points are arrays
    data = _edited([(("racks", 0, "x_m"), 4), (("cooling", 0, "capacity_kw"), 150),
                    (("hall", "outline"), [[0, 0], [9, 0], [9, 8], [0, 8]]),
                    (("assumptions", "pue"), 1), (("hall", "raised_floor"), True)])
    code, err, _ = _run(tmp_path, capsys, data)
    assert code in (0, 1) and err == ""
    lay = layout_from_dict(data)
    assert lay.racks[0].x_m == 4.0 and isinstance(lay.racks[0].x_m, float)
    assert lay.hall.outline[2] == (9.0, 8.0) and lay.assumptions.pue == 1.0


def _schema_1(position):
    data = copy.deepcopy(BASE)
    data["schema_version"] = 1
    data["hall"]["floor_rating"] = data["hall"].pop("floor_rating_kg_m2")
    for item in data["racks"]:
        item["position"] = [item.pop("x_m"), item.pop("y_m")]
        item["rotation"] = item.pop("rotation_deg")
    data["racks"][0]["position"] = position
    return data


def test_an_older_schema_still_migrates_and_its_numbers_are_checked_the_same(tmp_path, capsys):
    lay = layout_from_dict(_schema_1([4, 2.1]))
    assert (lay.racks[0].x_m, lay.racks[0].y_m, lay.hall.floor_rating_kg_m2) == (4.0, 2.1, 1200)
    assert lay == layout_from_dict(BASE)
    code, err, _ = _run(tmp_path, capsys, _schema_1(["4", 2.1]))
    assert (code, err) == (2, "racks[0].x_m: expected a finite number from -100,000 to "
                              "100,000, without quotes (got '4')")


def test_values_set_in_python_are_still_converted():
    # the designer's typed entries reach the model as text; only a file's data is strict
    rack = {"id": "R1", "type": "rack-800x1200", "x_m": "4.0", "y_m": 1,
            "devices": [{"type": "dgx-h100", "u": "3"}]}
    assert Rack.model_validate(rack).x_m == 4.0
    assert Rack.model_validate(rack).devices[0].u == 3
    with pytest.raises(ValueError, match="a number, not text"):
        Rack.model_validate(rack, context=FROM_FILE)


numeric_text = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["0", "1", "3", "4.0", "1e2", "-0.5", " 60 ", "+7"]))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(NUMBERS, key=str)), numeric_text)
def test_fuzzed_numbers_as_text_are_refused_naming_the_field(tmp_path_factory, path, text):
    import contextlib
    import io

    data = copy.deepcopy(WITH_VACANCIES)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = text
    f = tmp_path_factory.mktemp("fuzz") / "hall.json"
    f.write_text(json.dumps(data))
    before = f.read_bytes()
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["check", str(f)])
    assert code == 2
    line = err.getvalue()
    assert line.count("\n") == 1 and line.startswith(f"rackscape: {f}: {_field(path)}: expected ")
    assert line.rstrip("\n").endswith(_got(path, text))
    assert f.read_bytes() == before
