"""A user catalog entry that replaces a built-in one is allowed, and said: one note per id,
on every command, as skipped files are. One id twice in one user file is a problem of that
file: named, and the file skipped, as any bad user file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from designer.cli import main
from engine.catalog import USER_DIR_ENV, default_catalog, load_catalog
from engine.io import save_layout
from engine.templates import instantiate


def _write(folder: Path, name: str, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _device(device_id: str, **changes) -> dict:
    d = load_catalog(user_dir=None).device(device_id).model_dump(by_alias=True)
    return {**d, **changes}


def _catalog_file(*devices: dict, **groups) -> dict:
    return {"schema": "rackscape.catalog/1", "title": "mine", "devices": list(devices),
            **groups}


MEGAWATT = {"value": 1_000_000, "class": "estimate", "note": "a slip of the keyboard"}


def test_a_replaced_built_in_entry_is_noted_and_applied(tmp_path):
    path = _write(tmp_path, "x.json", _catalog_file(_device("dgx-h100", power_max_w=MEGAWATT)))
    cat = load_catalog(user_dir=tmp_path)
    assert cat.device("dgx-h100").power_max_w.value == 1_000_000  # overriding is a feature
    assert cat.problems == []
    assert cat.notes == [f"user catalog {path} replaces built-in device dgx-h100"]


def test_one_note_per_replaced_id_of_every_kind(tmp_path):
    rack = load_catalog(user_dir=None).rack_type("rack-800x1200").model_dump(by_alias=True)
    rack["name"] = "our 800 mm rack"
    path = _write(tmp_path, "x.json", _catalog_file(
        _device("dgx-h100", power_max_w=MEGAWATT), _device("dgx-b200", name="B200 (ours)"),
        _device("dgx-h100", id="lab-box"), racks=[rack]))
    assert load_catalog(user_dir=tmp_path).notes == [
        f"user catalog {path} replaces built-in device dgx-h100",
        f"user catalog {path} replaces built-in device dgx-b200",
        f"user catalog {path} replaces built-in rack type rack-800x1200"]  # not lab-box: new


def test_a_word_for_word_copy_replaces_nothing_and_says_nothing(tmp_path):
    _write(tmp_path, "x.json", _catalog_file(_device("dgx-h100")))
    assert load_catalog(user_dir=tmp_path).notes == []


def test_a_user_file_replacing_another_user_files_entry_names_both(tmp_path):
    first = _write(tmp_path, "a.json", _catalog_file(_device("dgx-h100", id="lab-box")))
    second = _write(tmp_path, "b.json", _catalog_file(_device("dgx-h100", id="lab-box",
                                                              gpus=4)))
    cat = load_catalog(user_dir=tmp_path)
    assert cat.device("lab-box").gpus == 4
    assert cat.notes == [f"user catalog {second} replaces device lab-box of {first}"]


def test_the_same_id_twice_in_one_file_skips_that_file(tmp_path):
    good = _write(tmp_path, "a-good.json", _catalog_file(_device("dgx-h100", id="lab-a")))
    twice = _write(tmp_path, "b-twice.json", _catalog_file(
        _device("dgx-h100", id="lab-b"), _device("dgx-h100", id="my-dev"),
        _device("dgx-h100", id="my-dev", gpus=4)))
    cat = load_catalog(user_dir=tmp_path)
    assert cat.problems == [f"{twice}: devices[2].id: expected an id not used before in the "
                            "file ('my-dev' is also devices[1])"]
    assert "lab-a" in cat.devices and good in cat.files
    assert "my-dev" not in cat.devices and "lab-b" not in cat.devices  # none of it applied


def test_a_source_key_twice_in_one_file_is_named_too(tmp_path):
    twice = _write(tmp_path, "sources.json", _catalog_file(sources=[
        {"key": "LAB-1", "class": "V", "title": "datasheet"},
        {"key": "LAB-1", "class": "T", "title": "another"}]))
    assert load_catalog(user_dir=tmp_path).problems == [
        f"{twice}: sources[1].key: expected a key not used before in the file ('LAB-1' is "
        "also sources[0])"]


def test_a_folder_called_sources_json_is_named_not_passed_over(tmp_path):
    (tmp_path / "sources.json").mkdir()
    (problem,) = load_catalog(user_dir=tmp_path).problems
    assert problem.startswith(f"{tmp_path / 'sources.json'}: ")


def test_the_built_in_catalog_has_no_id_twice():
    cat = load_catalog(user_dir=None)  # read_catalog_file refuses a file with one twice
    assert cat.problems == [] and cat.notes == []


@pytest.fixture
def user_catalog(tmp_path, monkeypatch):
    folder = tmp_path / "user" / "catalog"
    monkeypatch.setenv(USER_DIR_ENV, str(folder.parent))
    default_catalog.cache_clear()
    yield folder
    default_catalog.cache_clear()


@pytest.mark.parametrize("command", ["analyze", "check", "new", "templates"])
def test_every_command_notes_the_replaced_ids_once(user_catalog, tmp_path, capsys, command):
    path = _write(user_catalog, "x.json", _catalog_file(
        _device("dgx-h100", power_max_w=MEGAWATT), _device("dgx-b200", name="B200 (ours)")))
    hall = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), hall)
    argv = {"analyze": ["analyze", str(hall)], "check": ["check", str(hall)],
            "new": ["new", "fat-tree", "-o", str(tmp_path / "n.json")],
            "templates": ["templates"]}[command]
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert captured.err.splitlines() == [
        f"rackscape: note: user catalog {path} replaces built-in device dgx-h100",
        f"rackscape: note: user catalog {path} replaces built-in device dgx-b200"]
    if command == "analyze":
        assert "max rack 4000" in captured.out  # the user's figure is the one used


def test_a_command_names_a_file_with_an_id_twice_as_skipped(user_catalog, tmp_path, capsys):
    dgx = copy.deepcopy(_device("dgx-h100", id="my-dev"))
    twice = _write(user_catalog, "x.json", _catalog_file(dgx, {**dgx, "gpus": 4}))
    assert main(["templates"]) == 0
    assert capsys.readouterr().err == (
        f"rackscape: skipped user catalog file: {twice}: devices[1].id: expected an id not "
        "used before in the file ('my-dev' is also devices[0])\n")
