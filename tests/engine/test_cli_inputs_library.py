"""``rackscape library export OUT.rsbundle ID...``: its messages name the arguments the
command has (a positional bundle name, ``--name``, ``--version``), never an ``-o`` it has
not."""

from __future__ import annotations

import pytest

from designer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_existing_bundle_is_named_as_given_without_an_o_option(tmp_path, capsys):
    target = tmp_path / "mine.rsbundle"
    assert run(capsys, "library", "export", str(target), "fat-tree")[0] == 0
    before = target.read_bytes()
    code, out, err = run(capsys, "library", "export", str(target), "cpu-cluster")
    # once "-o .../mine.rsbundle: expected a new file name ..."; export has no -o
    assert code == 2 and target.read_bytes() == before
    assert err == (f"rackscape: {target}: expected a new file name (it is already a Rackscape "
                   "template bundle; --force replaces it)\n")


@pytest.mark.parametrize("argv,message", [
    # once ".../x.rsbundle: manifest.json: name: expected at least 1 characters"
    (["--name", ""], "--name: expected at least 1 character (got 0 characters)"),
    (["--version", "v" * 21], "--version: expected at most 20 characters (got 21 characters)"),
])
def test_a_bad_name_or_version_names_its_option(tmp_path, capsys, argv, message):
    target = tmp_path / "x.rsbundle"
    code, out, err = run(capsys, "library", "export", str(target), "fat-tree", *argv)
    assert code == 2 and err == f"rackscape: {message}\n" and not target.exists()
