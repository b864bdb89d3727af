"""Bad layout files: `rackscape check FILE` exits 2 with one line naming the file.

Every case runs ``designer.cli.main`` in-process; two also run the installed
``rackscape`` script in a subprocess, where a traceback would show on stderr.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.cli import main
from engine.model import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "name": "fuzz", "schema_version": SCHEMA_VERSION, "generation": "hopper",
    "hall": {"outline": [[0, 0], [20, 0], [20, 12], [0, 12]]},
    "racks": [{"id": "R1", "type": "rack-800x1200", "x_m": 3, "y_m": 3,
               "devices": [{"type": "dgx-h100", "u": 3}, {"type": "dgx-h100", "u": 12}],
               "feeds": ["A1", "B1"]}],
    "cooling": [{"id": "C1", "kind": "crah", "x_m": 18, "y_m": 6, "capacity_kw": 150},
                {"id": "C2", "kind": "crah", "x_m": 18, "y_m": 9, "capacity_kw": 150}],
    "feeds": [{"id": "A1", "side": "A"}, {"id": "B1", "side": "B"}],
}


def _with(path_value_pairs):
    data = copy.deepcopy(VALID)
    for path, value in path_value_pairs:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return json.dumps(data)


TEXT_CASES = {
    "truncated": json.dumps(VALID)[:57],
    "truncated-at-end": json.dumps(VALID)[:-1],
    "empty": "",
    "not-an-object": "[1, 2, 3]",
    "a-string": '"hall"',
    "nan": json.dumps(VALID).replace('"x_m": 3', '"x_m": NaN'),
    "infinity": json.dumps(VALID).replace('"capacity_kw": 150', '"capacity_kw": Infinity'),
    "overflowing-float": json.dumps(VALID).replace('"x_m": 3', '"x_m": 1e400'),
    "huge-float": _with([(("racks", 0, "x_m"), 1e308)]),
    "huge-int": _with([(("racks", 0, "devices", 0, "u"), 10**40)]),
    "huge-capacity": _with([(("cooling", 0, "capacity_kw"), 1e300)]),
    "huge-schema": _with([(("schema_version",), 10**30)]),
    "newer-schema": _with([(("schema_version",), SCHEMA_VERSION + 1)]),
    "racks-not-a-list": _with([(("racks",), "R1")]),
    "x-is-text": _with([(("racks", 0, "x_m"), "three")]),
    "devices-is-object": _with([(("racks", 0, "devices"), {"type": "dgx-h100"})]),
    "outline-of-strings": _with([(("hall", "outline"), ["a", "b", "c"])]),
    "missing-hall": json.dumps({k: v for k, v in VALID.items() if k != "hall"}),
    "unknown-key": _with([(("racks", 0, "colour"), "red")]),
    "duplicate-id": _with([(("cooling", 0, "id"), "R1")]),
    "unknown-device-type": _with([(("racks", 0, "devices", 1, "type"), "dgx-h9000")]),
    "unknown-rack-type": _with([(("racks", 0, "type"), "rack-2000x2000")]),
    "unknown-system": _with([(("racks", 0, "devices"), []), (("racks", 0, "system"), "nvl9000")]),
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
    "bool-rotation": _with([(("racks", 0, "rotation_deg"), True)]),
    "old-schema-garbage": json.dumps({"schema_version": 1, "hall": [1], "racks": "x"}),
}

FIELD_NAMED = {
    "unknown-device-type": "racks[0].devices[1].type",
    "unknown-rack-type": "racks[0].type",
    "unknown-system": "racks[0].system",
    "newer-schema": "schema_version",
    "x-is-text": "racks[0].x_m",
    "huge-float": "racks[0].x_m",
    "huge-int": "racks[0].devices[0].u",
    "nan": "valid JSON numbers",
    "truncated": "line 1 column",
}


def _check_in_process(path, capsys):
    code = main(["check", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_bad_file_exits_2_with_one_line_naming_the_file(tmp_path, capsys, case):
    path = tmp_path / f"{case}.json"
    path.write_text(TEXT_CASES[case])
    code, out, err = _check_in_process(path, capsys)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"rackscape: {path}: ")
    assert "expected" in lines[0] and "Traceback" not in err
    if case in FIELD_NAMED:
        assert FIELD_NAMED[case] in lines[0]


def test_binary_and_missing_files(tmp_path, capsys):
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(bytes(range(256)) * 4)
    for path in (garbage, tmp_path / "missing.json", tmp_path):
        code, out, err = _check_in_process(path, capsys)
        assert code == 2 and len(err.splitlines()) == 1 and str(path) in err


def test_valid_file_is_not_an_input_error(tmp_path, capsys):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(VALID))
    code, out, err = _check_in_process(path, capsys)
    assert code == 0 and err == "" and "0 error(s)" in out


def _run_cli(*args):
    exe = Path(sys.executable).parent / "rackscape"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "designer.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("case", ["unknown-device-type", "truncated"])
def test_installed_script_exits_2_without_traceback(tmp_path, case):
    path = tmp_path / f"{case}.json"
    path.write_text(TEXT_CASES[case])
    proc = _run_cli("check", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"rackscape: {path}: ")
    if case in FIELD_NAMED:
        assert FIELD_NAMED[case] in lines[0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(VALID) if p]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(ALL_PATHS), json_values, st.integers(0, 2000))
def test_fuzzed_values_never_crash_the_cli(tmp_path_factory, path, value, cut):
    text = _with([(path, value)])
    if cut % 7 == 0:
        text = text[: cut % max(len(text), 1)]
    f = tmp_path_factory.mktemp("fuzz") / "f.json"
    f.write_text(text)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["check", str(f)])
    assert code in (0, 1, 2)
    if code == 2:
        assert len(err.getvalue().splitlines()) == 1 and str(f) in err.getvalue()
