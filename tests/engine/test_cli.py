"""The headless CLI: analyze, check, templates and new (exit codes and outputs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main
from engine.io import load_layout, save_layout

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def hall16(tmp_path, capsys):
    path = tmp_path / "h16.json"
    code, out, err = run(capsys, "new", "dgx-h100-hall", "-o", str(path))
    assert code == 0 and err == ""
    return path


def test_new_with_set_writes_a_layout(tmp_path, capsys):
    path = tmp_path / "four.json"
    code, out, err = run(capsys, "new", "dgx-h100-hall", "--set", "racks=4", "-o", str(path))
    assert code == 0 and err == ""
    assert out.startswith(f"wrote {path}: ")
    lay = load_layout(path)
    gpu_racks = [r for r in lay.racks if any(d.type == "dgx-h100" for d in r.devices)]
    assert len(gpu_racks) == 4
    assert all([d.type for d in r.devices] == ["dgx-h100"] * 4 for r in gpu_racks)
    assert {f.side for f in lay.feeds} == {"A", "B"}


@pytest.fixture
def four_racks(builder, tmp_path):
    """4 racks of 4 DGX H100 on A/B busway with three 150 kW CRAHs (no fabric)."""
    b = builder(20, 12)
    for i in range(4):
        b.rack(f"R{i}", 5 + 0.8 * i, 5)
    lay = (b.crah("C1", 1, 6, 150).crah("C2", 19, 6, 150).crah("C3", 10, 11, 150)
           .feed("A1", "A").feed("B1", "B")
           .assume(air_limit_kw_per_rack=41)  # with containment [S59b], as the template does
           .build())
    path = tmp_path / "four.json"
    save_layout(lay, path)
    return path


def test_analyze_json_follows_the_contract(four_racks, capsys):
    code, out, err = run(capsys, "analyze", str(four_racks), "--json")
    assert code == 0 and err == ""
    d = json.loads(out)
    assert d["schema"] == "rackscape.analysis/1" and d["generation"] == "hopper"
    assert {"counts", "power", "cooling", "cabling", "network", "violations"} <= set(d)
    # 4 racks of 4 DGX H100: 16 servers, 128 GPUs, 4 x 40.8 = 163.2 kW,
    # 16 x 1,105 = 17,680 CFM [S01]; all air: PUE 1.5 -> 244.8 kW facility
    assert d["counts"]["racks"] == 4 and d["counts"]["servers"] == 16
    assert d["counts"]["gpus"] == 128
    assert d["power"]["it_kw"] == 163.2 and d["power"]["max_rack_kw"] == 40.8
    assert d["power"]["pue"] == 1.5 and d["power"]["facility_kw"] == 244.8
    assert d["cooling"]["airflow_cfm"] == 17680.0 and d["cooling"]["liquid_kw"] == 0.0
    # GPU servers and no fabric: a warning that says so (and nothing else is broken)
    assert [(v["code"], v["severity"], v["items"]) for v in d["violations"]] == \
        [("FABRIC-UNCONNECTED", "warning", ["R0", "R1", "R2", "R3"])]
    assert d["violations"][0]["message"].startswith("128 GPUs in 4 racks are in no scale-out")


def test_analyze_text(four_racks, capsys):
    code, out, err = run(capsys, "analyze", str(four_racks))
    assert code == 0
    assert "racks 4  GPUs 128" in out and "IT 163.2 kW" in out and "17,680 CFM" in out
    # GPUs per MW of IT load (128 / 0.1632 MW), said so: the facility draws PUE times more
    assert "GPUs per IT MW 784" in out and "GPUs/MW" not in out


def test_analyze_template_hall(hall16, capsys):
    code, out, err = run(capsys, "analyze", str(hall16), "--json")
    d = json.loads(out)
    # 16 compute racks of 4 DGX H100 (the template may add network racks around them):
    # 4 x 10.2 kW [S01] and the 32 compute links' share of the DGX's twin-port 800G
    # OSFP modules, 17 W each [S16]: 32 x 8.5 W = 0.272 kW
    assert d["counts"]["gpus"] == 512 and d["counts"]["servers"] == 64
    assert d["power"]["max_rack_kw"] == 41.072 and d["power"]["it_kw"] >= 16 * 41.072


def test_check_exit_codes(hall16, four_racks, tmp_path, capsys):
    code, out, err = run(capsys, "check", str(hall16))
    assert code == 0 and out.strip().endswith("0 error(s), 0 warning(s)")
    code, out, err = run(capsys, "check", str(four_racks))  # a warning only: exit 0
    assert code == 0 and out.strip().endswith("0 error(s), 1 warning(s)")
    assert "FABRIC-UNCONNECTED" in out
    lay = load_layout(hall16)
    r0 = lay.racks[0]
    clash = lay.model_copy(update={"racks": [r0, *[r.model_copy(update={"x_m": r0.x_m})
                                                   for r in lay.racks[1:2]], *lay.racks[2:]]})
    bad = tmp_path / "bad.json"
    save_layout(clash, bad)
    code, out, err = run(capsys, "check", str(bad))
    assert code == 1 and err == ""
    assert "ERROR   FLOOR-OVERLAP" in out and r0.id in out
    assert "error(s)" in out.splitlines()[-1]


def test_check_warnings_only_exits_0(hall16, tmp_path, capsys):
    lay = load_layout(hall16)
    r = lay.racks[0]
    single = lay.model_copy(update={"racks": [r.model_copy(update={"feeds": r.feeds[:1]}),
                                              *lay.racks[1:]]})
    path = tmp_path / "single.json"
    save_layout(single, path)
    code, out, err = run(capsys, "check", str(path))
    assert code == 0
    assert "WARNING POWER-NO-REDUNDANCY" in out and "0 error(s), 1 warning(s)" in out


def test_templates_lists_dgx_h100_hall(capsys):
    code, out, err = run(capsys, "templates")
    assert code == 0
    assert any(line.startswith("dgx-h100-hall  [hopper]") for line in out.splitlines())
    assert "racks (int, default 16" in out
    code, out, err = run(capsys, "templates", "--generation", "hopper", "--json")
    listed = {t["id"]: t for t in json.loads(out)}
    assert "dgx-h100-hall" in listed
    assert all(t["generation"] == "hopper" for t in listed.values())
    params = {p["name"]: p for p in listed["dgx-h100-hall"]["parameters"]}
    assert params["racks"]["default"] == 16


@pytest.mark.parametrize(("argv", "needle"), [
    (["--set", "racks=abc"], "racks"),
    (["--set", "racks=0"], "racks"),
    (["--set", "racks=2.5"], "racks"),
    (["--set", "warp=9"], "warp"),
    (["--set", "racks"], "KEY=VALUE"),
])
def test_bad_parameter_exits_2_with_one_line(tmp_path, capsys, argv, needle):
    out_path = tmp_path / "x.json"
    code, out, err = run(capsys, "new", "dgx-h100-hall", *argv, "-o", str(out_path))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("rackscape: ") and needle in err
    assert not out_path.exists()


def test_unknown_template_and_unwritable_output(tmp_path, capsys):
    code, out, err = run(capsys, "new", "no-such-template", "-o", str(tmp_path / "x.json"))
    assert code == 2 and len(err.splitlines()) == 1 and "no-such-template" in err
    target = tmp_path / "missing-folder" / "x.json"
    code, out, err = run(capsys, "new", "dgx-h100-hall", "-o", str(target))
    assert code == 2 and len(err.splitlines()) == 1 and str(target) in err


def test_usage_errors_exit_2_in_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("rackscape: ")


def test_installed_script_new_then_analyze(tmp_path):
    exe = Path(sys.executable).parent / "rackscape"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "designer.cli"]
    path = tmp_path / "eight.json"
    made = subprocess.run([*cmd, "new", "dgx-h100-hall", "--set", "racks=8", "-o", str(path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    proc = subprocess.run([*cmd, "analyze", str(path), "--json"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr == ""
    d = json.loads(proc.stdout)
    assert d["counts"]["gpus"] == 256 and d["power"]["max_rack_kw"] == 41.072  # with optics


# -- bad input and output (tests/engine/test_fuzz_files.py has the bad layout files) --------

def _cli(*args, **kw):
    exe = Path(sys.executable).parent / "rackscape"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "designer.cli"]
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run([*cmd, *args], text=True, timeout=300, cwd=ROOT, **kw)


@pytest.fixture
def bad_user_catalog(monkeypatch, tmp_path):
    """A user folder whose catalog holds one bad file; the process-wide catalog re-read."""
    from engine.catalog import USER_DIR_ENV, default_catalog

    user = tmp_path / "user"
    (user / "catalog").mkdir(parents=True)
    bad = user / "catalog" / "bad.json"
    bad.write_text('{"schema": "rackscape.catalog/1", "title": "x", "facility": [{"id": "c0", '
                   '"name": "c0", "kind": "crah", "capacity_kw": {"value": 0}}]}')
    monkeypatch.setenv(USER_DIR_ENV, str(user))
    default_catalog.cache_clear()
    yield bad
    default_catalog.cache_clear()


@pytest.mark.parametrize("command", ["analyze", "check", "report", "new", "templates", "compare",
                                     "retarget", "library"])
def test_every_command_names_a_skipped_user_catalog_file_once(bad_user_catalog, four_racks,
                                                                tmp_path, capsys, command):
    argv = {"analyze": ["analyze", str(four_racks)], "check": ["check", str(four_racks)],
            "report": ["report", str(four_racks), "-o", str(tmp_path / "r.json")],
            "new": ["new", "fat-tree", "-o", str(tmp_path / "n.json")],
            "templates": ["templates"],
            "compare": ["compare", "--gpus", "256", "--generations", "hopper"],
            "retarget": ["retarget", str(four_racks), "-g", "blackwell", "-o",
                         str(tmp_path / "rt.json")],
            "library": ["library", "export", str(tmp_path / "b.rsbundle"), "fat-tree"]}[command]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    notices = [line for line in err.splitlines() if "skipped user catalog file" in line]
    assert notices == [f"rackscape: skipped user catalog file: {bad_user_catalog}: "
                       "facility[0].capacity_kw: expected a value from 0.1 to 100,000 kW (got 0)"]


def test_screenshot_names_a_skipped_user_catalog_file_once(bad_user_catalog, four_racks,
                                                           tmp_path):
    import importlib.util

    if importlib.util.find_spec("PySide6") is None:
        pytest.skip("the designer (PySide6) is not installed")
    proc = _cli("--screenshot", str(tmp_path / "s.png"), str(four_racks))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("skipped user catalog file") == 1


def test_a_5000_digit_integer_in_a_user_catalog_file_stops_no_command(monkeypatch, tmp_path,
                                                                      four_racks, capsys):
    from engine.catalog import USER_DIR_ENV, default_catalog

    (tmp_path / "user" / "catalog").mkdir(parents=True)
    bad = tmp_path / "user" / "catalog" / "big.json"
    bad.write_text('{"schema": "rackscape.catalog/1", "title": "u", "devices": [{"id": "z", '
                   '"name": "z", "role": "other", "generation": "g", "gpus": 1'
                   + "0" * 5000 + "}]}")
    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path / "user"))
    default_catalog.cache_clear()
    try:
        code, out, err = run(capsys, "analyze", str(four_racks))
        assert code == 0 and "racks 4  GPUs 128" in out
        assert err == (f"rackscape: skipped user catalog file: {bad}: expected numbers of at "
                       "most 4,300 digits (one has 5,001)\n")
        code, out, err = run(capsys, "new", "fat-tree", "-o", str(tmp_path / "n.json"))
        assert code == 0 and "Traceback" not in err
    finally:
        default_catalog.cache_clear()


@pytest.fixture
def unknown_device(four_racks, tmp_path):
    data = json.loads(four_racks.read_text())
    data["racks"][3]["devices"][0]["type"] = "dgx-h9000"
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("command", ["report", "retarget", "analyze"])
def test_an_unknown_device_type_is_named_with_the_file(unknown_device, tmp_path, capsys,
                                                       command):
    out_file = tmp_path / ("r.json" if command == "report" else "rt.json")
    argv = {"report": ["report", str(unknown_device), "-o", str(out_file)],
            "retarget": ["retarget", str(unknown_device), "-g", "blackwell", "-o", str(out_file)],
            "analyze": ["analyze", str(unknown_device)]}[command]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err == (f"rackscape: {unknown_device}: racks[3].devices[0].type: expected a device "
                   "type of the catalog (unknown 'dgx-h9000')\n")
    assert not out_file.exists()


@pytest.mark.parametrize("argv", [["new", "fat-tree", "-o", ""], ["new", "fat-tree", "-o", " "],
                                  ["retarget", "{file}", "-g", "blackwell", "-o", ""],
                                  ["report", "{file}", "-o", ""]])
def test_an_empty_output_name_is_refused(four_racks, capsys, argv):
    argv = [str(four_racks) if a == "{file}" else a for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err == "rackscape: -o: expected a file name\n"


def test_an_unknown_template_generation_lists_the_known_ones(capsys):
    code, out, err = run(capsys, "templates", "-g", "pentium")
    assert code == 2 and out == ""
    assert err.startswith("rackscape: --generation: expected one of ") and "hopper" in err
    assert err.rstrip().endswith("(got 'pentium')") and len(err.splitlines()) == 1
    code, out, err = run(capsys, "templates", "-g", "hopper")
    assert code == 0 and "dgx-h100-hall  [hopper]" in out


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("command", ["report", "retarget"])
def test_an_output_that_is_the_input_layout_is_refused(four_racks, tmp_path, capsys, how,
                                                       command):
    before = four_racks.read_bytes()
    target = four_racks
    if how == "symlink":
        target = tmp_path / "alias.json"
        target.symlink_to(four_racks)
    elif how == "hardlink":
        target = tmp_path / "alias.json"
        os.link(four_racks, target)
    argv = {"report": ["report", str(four_racks), "-o", str(target)],
            "retarget": ["retarget", str(four_racks), "-g", "blackwell", "-o", str(target)]}
    code, out, err = run(capsys, *argv[command])
    assert code == 2 and out == ""
    assert err == (f"rackscape: -o {target}: expected a file other than the layout "
                   f"{four_racks} (writing there would replace it)\n")
    assert four_racks.read_bytes() == before


def test_a_csv_report_never_writes_over_the_layout(tmp_path, four_racks, capsys):
    layout = tmp_path / "hall-racks.csv"  # the name of the racks table of -o hall.csv
    layout.write_bytes(four_racks.read_bytes())
    code, out, err = run(capsys, "report", str(layout), "-o", str(tmp_path / "hall.csv"))
    assert code == 2 and "expected a file other than the layout" in err
    assert layout.read_bytes() == four_racks.read_bytes()


def test_screenshot_onto_the_layout_is_refused(four_racks, capsys):
    before = four_racks.read_bytes()
    code, out, err = run(capsys, "--screenshot", str(four_racks), str(four_racks))
    assert code == 2 and "expected a file other than the layout" in err
    assert four_racks.read_bytes() == before


class _FullDisk:
    """A standard output on a full disk."""

    def write(self, text):
        raise OSError(28, "No space left on device")

    def flush(self):
        pass


@pytest.mark.parametrize("argv", [["templates", "--json"], ["analyze", "{file}"]])
def test_a_full_standard_output_is_one_line_not_a_traceback(four_racks, monkeypatch, capsys,
                                                            argv):
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    code = main([str(four_racks) if a == "{file}" else a for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "rackscape: standard output: expected a writable output (No space left on " \
                  "device)\n"
    assert isinstance(sys.stdout, _FullDisk)  # main put back what it was given


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["templates", "--json"], ["analyze", "{file}", "--json"]])
def test_installed_script_on_dev_full_exits_2_in_one_line(four_racks, argv):
    with open("/dev/full", "w") as full:
        proc = _cli(*[str(four_racks) if a == "{file}" else a for a in argv], stdout=full)
    assert proc.returncode == 2
    assert proc.stderr == "rackscape: standard output: expected a writable output (No space " \
                          "left on device)\n"


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out and "standard output" in out and "141" in out


def test_new_and_retarget_never_replace_a_file_without_force(tmp_path, capsys, hall16):
    before = hall16.read_bytes()
    code, out, err = run(capsys, "new", "fat-tree", "--set", "k=4", "-o", str(hall16))
    assert code == 2 and "already a Rackscape layout" in err and "--force" in err
    assert len(err.strip().splitlines()) == 1 and hall16.read_bytes() == before
    other = tmp_path / "other.json"
    save_layout(load_layout(hall16), other)
    code, out, err = run(capsys, "retarget", str(other), "-g", "blackwell", "-o", str(hall16))
    assert code == 2 and hall16.read_bytes() == before
    code, out, err = run(capsys, "new", "fat-tree", "--set", "k=4", "-o", str(hall16), "--force")
    assert code == 0 and len(load_layout(hall16).racks) != len(load_layout(other).racks)


def test_library_export_writes_only_rsbundle_files(tmp_path, capsys):
    target = tmp_path / "fat-tree.json"
    target.write_text("{}")
    code, out, err = run(capsys, "library", "export", str(target), "fat-tree")
    assert code == 2 and ".rsbundle" in err and target.read_text() == "{}"


def test_library_export_keeps_an_existing_bundle_unless_forced(tmp_path, capsys):
    target = tmp_path / "mine.rsbundle"
    assert run(capsys, "library", "export", str(target), "fat-tree")[0] == 0
    before = target.read_bytes()
    code, out, err = run(capsys, "library", "export", str(target), "cpu-cluster")
    assert code == 2 and "--force" in err and target.read_bytes() == before
    assert run(capsys, "library", "export", str(target), "cpu-cluster", "--force")[0] == 0
    assert target.read_bytes() != before


def test_too_many_nodes_per_rack_names_the_most_that_fit(tmp_path, capsys):
    # 23 dual-EPYC 9005 nodes of 2U take 46U of a 44U rack: at most 22
    code = main(["new", "cpu-cluster", "--set", "nodes_per_rack=23", "-o",
                 str(tmp_path / "c.json")])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "c.json").exists()
    assert err == ("rackscape: template cpu-cluster: nodes_per_rack: 23 nodes of 2U need 46U, "
                   "more than the rack's 44U: expected at most 22 of this node\n")


def test_templates_lists_an_even_parameter_as_even(capsys):
    assert main(["templates", "--generation", "generic"]) == 0
    assert "    k (int, default 16, 4..64, even): " in capsys.readouterr().out


def test_a_closed_standard_output_is_an_unwritable_one(four_racks, tmp_path):
    """Started with standard output closed (`rackscape analyze FILE --json >&-`): as with a
    full disk, one line and exit 2, never a traceback nor a result lost with exit 0; a
    report is written before its "wrote" line finds no output."""
    out = tmp_path / "r.csv"
    for args in (["analyze", str(four_racks), "--json"], ["check", str(four_racks)],
                 ["report", str(four_racks), "-o", str(out)]):
        proc = _cli(*args, stdout=None, preexec_fn=lambda: os.close(1))
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == "rackscape: standard output: expected a writable output (it " \
                              "is closed)\n"
    assert list(tmp_path.glob("r*.csv"))


def test_check_counts_the_notes_it_lists(tmp_path, capsys):
    # a 1-SU GB200 SuperPOD: no error or warning, one note (FABRIC-RAIL-PLANES, info)
    out_file = tmp_path / "gb.json"
    code, _, _ = run(capsys, "new", "gb200-nvl72-superpod", "--set", "scalable_units=1",
                     "-o", str(out_file))
    assert code == 0
    code, out, _ = run(capsys, "check", str(out_file))
    notes = [ln for ln in out.splitlines() if ln.startswith("INFO")]
    assert code == 0 and notes
    assert out.strip().endswith(f"0 error(s), 0 warning(s), {len(notes)} note(s)")
