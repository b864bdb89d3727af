"""The user template library as the loader reads it: one file per template id, and a
clear message naming both files when two have the same id (never a silent pick)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from designer.cli import main as cli_main
from engine.templates import (
    TemplateFile,
    builtin_template_dir,
    get_template,
    instantiate,
    layout_template_id,
    list_templates,
    read_user_library,
)

SPEC = json.loads((builtin_template_dir() / "generic" / "fat-tree.json").read_text())


def write(path: Path, **change) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**SPEC, **change}))
    return path


def test_the_file_where_the_library_saves_an_id_is_used_and_the_other_named(tmp_path):
    # the renamed copy of an import once landed at the top of the library; a later save
    # of the same id went to the generation's folder and was ignored without a word
    old = write(tmp_path / "my-tree.json", id="my-tree", title="Old")
    new = write(tmp_path / "generic" / "my-tree.json", id="my-tree", title="New")
    lib = read_user_library(tmp_path)
    assert lib.files == {"my-tree": new} and lib.templates["my-tree"].title == "New"
    assert lib.duplicates == {"my-tree": [old]} and lib.is_saved_place("my-tree")
    problems: list[str] = []
    shown = {t.id: t.title for t in list_templates(user_dir=tmp_path, problems=problems)}
    assert shown["my-tree"] == "New"
    assert problems == [
        f"{old}: same template id 'my-tree' as {new}, which is used instead (the file where "
        "the library saves that template); give one of the two files another id, or remove it"]
    # a duplicate is not a bad file: the template still opens by its id
    assert get_template("my-tree", user_dir=tmp_path).title == "New"


def test_with_no_file_at_its_saved_place_the_first_in_path_order_is_used(tmp_path):
    a = write(tmp_path / "a" / "x.json", id="my-tree", title="A")
    b = write(tmp_path / "b.json", id="my-tree", title="B")
    lib = read_user_library(tmp_path)
    assert lib.files["my-tree"] == a and lib.duplicates["my-tree"] == [b]
    assert not lib.is_saved_place("my-tree")
    assert lib.problems()[0].startswith(f"{b}: same template id 'my-tree' as {a}, which is "
                                        "used instead (the first of them in path order)")


def test_one_file_per_id_reports_nothing(tmp_path):
    write(tmp_path / "generic" / "my-tree.json", id="my-tree")
    write(tmp_path / "generic" / "other.json", id="other")
    problems: list[str] = []
    list_templates(user_dir=tmp_path, problems=problems)
    assert problems == [] and read_user_library(tmp_path).duplicates == {}


def test_cli_templates_names_both_files_of_a_duplicate_id(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    lib = tmp_path / "templates"
    old = write(lib / "my-tree.json", id="my-tree", title="Old tree")
    new = write(lib / "generic" / "my-tree.json", id="my-tree", title="New tree")
    assert cli_main(["templates", "--generation", "generic"]) == 0
    out = capsys.readouterr()
    assert "my-tree  [generic]  New tree" in out.out and "Old tree" not in out.out
    lines = [ln for ln in out.err.splitlines() if "my-tree" in ln]
    assert len(lines) == 1 and str(old) in lines[0] and str(new) in lines[0]
    assert "which is used instead" in lines[0]


@pytest.mark.parametrize("generation", ["..", ".hidden", "."])
def test_a_generation_is_a_plain_folder_name(generation):
    # a template's generation names the library folder it is saved and installed in
    with pytest.raises(ValidationError, match="generation"):
        TemplateFile.model_validate({**SPEC, "generation": generation})


def test_a_layout_names_the_template_it_was_made_from():
    everything = list_templates(user_dir=None)
    gb200 = instantiate("gb200-nvl72-superpod", {"scalable_units": 1})
    # the B200 SuperPOD is the first Blackwell template; the design is a GB200 one
    assert layout_template_id(gb200, everything) == "gb200-nvl72-superpod"
    tree = instantiate("fat-tree", {"k": 4})
    assert layout_template_id(tree, everything) == "fat-tree"
    renamed = gb200.model_copy(update={"name": "Hall 3 west"})
    assert layout_template_id(renamed, everything) is None
    # retargeted to Rubin: the Blackwell template it came from is not a Rubin one
    moved = gb200.model_copy(update={"generation": "rubin",
                                     "name": gb200.name + " (retargeted to Rubin)"})
    assert layout_template_id(moved, everything) is None
