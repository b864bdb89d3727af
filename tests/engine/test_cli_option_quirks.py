"""Small option quirks of the command line: a bundle name or version with a line break or a
terminal escape is refused (it would be echoed raw wherever the name is shown), and an
empty ``--generations`` list is refused as "," is, not taken for the default."""

from __future__ import annotations

import json
import zipfile

import pytest

from designer.cli import main
from engine.bundle import BundleError, read_bundle


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("option,value,got", [
    ("--name", "a\nb", r"'\n' at character 2"),
    ("--name", "lab\x1b[31mRED", r"'\x1b' at character 4"),
    ("--name", "tab\there", r"'\t' at character 4"),
    ("--version", "1.0\r", r"'\r' at character 4"),
])
def test_control_characters_in_a_bundle_name_are_refused(tmp_path, capsys, option, value, got):
    target = tmp_path / "x.rsbundle"
    code, out, err = run(capsys, "library", "export", str(target), "fat-tree", option, value)
    assert code == 2 and out == "" and not target.exists()
    assert err == (f"rackscape: {option}: expected a text without control characters such as "
                   f"line breaks or escapes (got {got})\n")


def test_a_name_in_any_script_is_still_a_name(tmp_path, capsys):
    target = tmp_path / "x.rsbundle"
    code, out, err = run(capsys, "library", "export", str(target), "fat-tree",
                         "--name", "Rechenzentrum Süd — 数据中心")
    assert code == 0, err
    assert "bundle Rechenzentrum Süd — 数据中心 v1.0" in out


def test_a_bundle_whose_manifest_name_has_an_escape_is_refused_on_import(tmp_path, capsys):
    good = tmp_path / "good.rsbundle"
    assert run(capsys, "library", "export", str(good), "fat-tree")[0] == 0
    bad = tmp_path / "bad.rsbundle"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == "manifest.json":
                manifest = json.loads(raw)
                manifest["name"] = "x\x1b]0;owned\x07"
                raw = json.dumps(manifest).encode()
            dst.writestr(info, raw)
    with pytest.raises(BundleError) as err:
        read_bundle(bad)
    assert "manifest.json: name" in str(err.value) and "control characters" in str(err.value)


@pytest.mark.parametrize("value", ["", ",", " , ", "  "])
def test_an_empty_generation_list_is_refused_alike(capsys, value):
    code, out, err = run(capsys, "compare", "--gpus", "256", "--generations", value)
    assert code == 2 and out == ""
    assert err == ("rackscape: --generations: expected one or more generation names "
                   f"(got {value!r})\n")
