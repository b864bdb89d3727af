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


# -- fuzzed input: files that are not regular files, huge integers, message wording --------

def test_a_named_pipe_is_refused_not_waited_on(tmp_path):
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)
    proc = _run_cli("analyze", str(fifo))  # waited for a writer for ever before (timeout)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr == f"rackscape: {fifo}: expected a regular layout file (got a named pipe)\n"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_before_reading_even_through_a_link(tmp_path, capsys, device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    link = tmp_path / "zero.json"
    link.symlink_to(device)  # /dev/zero read until memory ran out before
    for path in (Path(device), link):
        code, out, err = _check_in_process(path, capsys)
        assert code == 2 and out == ""
        assert err == f"rackscape: {path}: expected a regular layout file (got a device)\n"


def test_the_read_itself_is_bounded(tmp_path, capsys, monkeypatch):
    import engine.io as lio

    status = Path("/proc/self/status")  # a regular file whose size says 0 bytes
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs a /proc file whose size says 0")
    monkeypatch.setattr(lio, "MAX_FILE_BYTES", 100)
    code, out, err = _check_in_process(status, capsys)
    assert code == 2
    assert err == f"rackscape: {status}: expected a layout file under 100 bytes\n"


def test_read_bytes_limited_reads_at_most_one_byte_more_than_the_limit(tmp_path, monkeypatch):
    import engine.errors as errs

    path = tmp_path / "big.json"
    path.write_bytes(b" " * 50_000)
    real_stat, real_read, got = errs.os.stat, errs.os.read, []

    class _Liar:  # a file whose size says 0, as /proc and some network files do
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 0

    monkeypatch.setattr(errs.os, "stat", lambda p: _Liar(real_stat(p)))
    monkeypatch.setattr(errs.os, "read", lambda fd, n: got.append(real_read(fd, n)) or got[-1])
    with pytest.raises(errs.InputError, match="under 1,000 bytes"):
        errs.read_bytes_limited(path, 1000, "layout file")
    assert sum(len(c) for c in got) == 1001


def test_a_5000_digit_integer_names_the_file_and_the_limit(tmp_path, capsys):
    path = tmp_path / "bigint.json"
    path.write_text(json.dumps(VALID).replace('"u": 3', '"u": 1' + "0" * 5000))
    code, out, err = _check_in_process(path, capsys)
    assert code == 2
    assert err == (f"rackscape: {path}: expected numbers of at most 4,300 digits "
                   "(one has 5,001)\n")
    assert "set_int_max_str_digits" not in err


def test_a_duplicate_id_names_both_places(tmp_path, capsys):
    data = copy.deepcopy(VALID)
    data["racks"].append({**data["racks"][0], "x_m": 8})
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(data))
    code, out, err = _check_in_process(path, capsys)
    assert code == 2
    assert err == f"rackscape: {path}: racks[1].id: expected a unique id ('R1' is also racks[0])\n"
    path.write_text(TEXT_CASES["duplicate-id"])  # across groups: a CRAH named like a rack
    code, out, err = _check_in_process(path, capsys)
    assert err == (f"rackscape: {path}: cooling[0].id: expected a unique id "
                   "('R1' is also racks[0])\n")


def test_pydantic_wording_is_rephrased(tmp_path, capsys):
    cases = {
        "too-many-devices": (_with([(("racks", 0, "devices"),
                                     [{"type": "dgx-h100", "u": 1}] * 61)]),
                             "racks[0].devices: expected at most 60 items (got 61)"),
        "u-too-high": (_with([(("racks", 0, "devices", 0, "u"), 10**40)]),
                       "racks[0].devices[0].u: expected a value of at most"),
        "name-too-long": (_with([(("name",), "x" * 201)]),
                          "name: expected at most 200 characters (got 201 characters)"),
    }
    for case, (text, needle) in cases.items():
        path = tmp_path / f"{case}.json"
        path.write_text(text)
        code, out, err = _check_in_process(path, capsys)
        assert code == 2 and err.startswith(f"rackscape: {path}: {needle}"), err
        assert "should have" not in err and "after validation" not in err


def test_a_byte_order_mark_is_not_content(tmp_path):
    from engine.io import load_layout, save_layout
    from engine.templates import instantiate

    path = tmp_path / "bom.json"
    save_layout(instantiate("dgx-h100-hall", {}), path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_layout(path).racks


def test_a_few_lines_asking_for_millions_of_positions_or_switches_are_refused(tmp_path):
    """vacant_before entries are capped one by one (8,192) and in all (32,768: a fabric
    of 262,144 GPUs in 8-GPU servers, far past any published cluster); a tier count of a
    million spines builds nothing past 250,000 switches in all, and says so (a 12 KB file
    asked for 1.6 M empty positions and 12 GB; 200,000 took a 77 s, 6.7 GB report; 40
    such fabrics for 40 M switches)."""
    import pytest

    from engine.analysis import analyze
    from engine.errors import InputError
    from engine.io import load_layout, save_layout
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-superpod", {"scalable_units": 1})
    f = lay.fabrics[0]
    data = lay.model_dump(mode="json")
    data["fabrics"][0]["vacant_before"] = {m: 8_192 for m in f.members[:5]}
    path = tmp_path / "vacant.json"
    import json

    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="at most 32,768 empty node positions in all"):
        load_layout(path)
    data["fabrics"][0]["vacant_before"] = {f.members[0]: 8_193}
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="vacant_before.*8,192"):
        load_layout(path)
    tiers = [t.model_copy(update={"count": 1_000_000}) if t.name == "spine" else t
             for t in f.tiers]
    big = lay.model_copy(update={"fabrics": [f.model_copy(update={"tiers": tiers})]})
    save_layout(big, tmp_path / "big.json")
    said = [v.message for v in analyze(load_layout(tmp_path / "big.json")).violations
            if v.code == "FABRIC-COUNT" and v.severity == "error"]
    assert len(said) == 1 and "past 250,000 switches in all: it is not built" in said[0]


@pytest.mark.parametrize("encoding,named", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"),
                                            ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32"),
                                            ("utf-32-le", "UTF-32")])
def test_a_layout_saved_as_utf16_or_utf32_is_named_so(tmp_path, encoding, named):
    # without a byte-order mark, UTF-16 decodes as UTF-8 with a zero byte after each
    # letter, and JSON said "line 1 column 2: expected valid JSON"
    from engine.errors import InputError
    from engine.io import load_layout, save_layout
    from engine.templates import instantiate

    good = tmp_path / "good.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), good)
    wide = tmp_path / "wide.json"
    wide.write_bytes(good.read_text().encode(encoding))
    with pytest.raises(InputError) as info:
        load_layout(wide)
    assert str(info.value).endswith(f"expected UTF-8 text (this is {named} text: save it as "
                                    "UTF-8)")
