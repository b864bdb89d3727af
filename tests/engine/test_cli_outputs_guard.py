"""``--force`` replaces an earlier layout, never a template, a catalog file or a bundle, and
no command writes into the folders Rackscape reads templates and catalog files from: `new`,
`retarget`, `report` and `library export` decide alike (``engine.io.project_file_kind``,
``own_folder``), with one line and exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from designer.cli import main
from engine.catalog import USER_DIR_ENV, builtin_catalog_dir
from engine.io import is_layout_file, project_file_kind, save_layout
from engine.templates import builtin_template_dir, instantiate

TEMPLATE = builtin_template_dir() / "generic" / "fat-tree.json"
CATALOG = builtin_catalog_dir() / "hopper.json"


@pytest.fixture
def hall(tmp_path):
    path = tmp_path / "hall.json"
    save_layout(instantiate("dgx-h100-hall", {"racks": 2}), path)
    return path


@pytest.fixture
def user(tmp_path, monkeypatch):
    """A user folder of this test's own, with an (empty) catalog and template library."""
    folder = tmp_path / "user"
    (folder / "catalog").mkdir(parents=True)
    (folder / "templates" / "generic").mkdir(parents=True)
    monkeypatch.setenv(USER_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def bundle(tmp_path, capsys):
    path = tmp_path / "lib.rsbundle"
    assert main(["library", "export", str(path), "fat-tree"]) == 0
    capsys.readouterr()
    return path


def _writes(command: str, hall: Path, out: Path) -> list[str]:
    return {"new": ["new", "fat-tree", "-o", str(out), "--force"],
            "retarget": ["retarget", str(hall), "-g", "blackwell", "-o", str(out),
                         "--force"]}[command]


def _refused(capsys, argv: list[str], kept: Path | None = None) -> str:
    before = kept.read_bytes() if kept is not None and kept.exists() else None
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rackscape: "), err
    assert "Traceback" not in err
    if kept is not None:
        assert (kept.read_bytes() if kept.exists() else None) == before
    return err


@pytest.mark.parametrize("command", ["new", "retarget"])
@pytest.mark.parametrize("source,kind", [(TEMPLATE, "a Rackscape template"),
                                         (CATALOG, "a Rackscape catalog file")])
def test_force_never_replaces_a_template_or_catalog_copy(tmp_path, hall, capsys, command,
                                                         source, kind):
    out = tmp_path / "copy.json"
    shutil.copyfile(source, out)
    err = _refused(capsys, _writes(command, hall, out), kept=out)
    assert err == (f"rackscape: -o {out}: expected a layout file name (copy.json is {kind}, "
                   "which a layout cannot replace, --force or not)\n")


@pytest.mark.parametrize("command", ["new", "retarget"])
def test_force_never_replaces_a_bundle(tmp_path, hall, bundle, capsys, command):
    out = tmp_path / "lib.json"  # a bundle renamed: still a bundle
    shutil.copyfile(bundle, out)
    assert project_file_kind(out) == "a Rackscape template bundle"
    err = _refused(capsys, _writes(command, hall, out), kept=out)
    assert "lib.json is a Rackscape template bundle" in err


@pytest.mark.parametrize("command", ["new", "retarget"])
@pytest.mark.parametrize("folder", ["catalog", "templates/generic"])
@pytest.mark.parametrize("existing", [True, False])
def test_no_layout_goes_into_the_user_folders(user, hall, capsys, command, folder, existing):
    out = user / folder / "mine.json"
    if existing:  # the user's own catalog file (or template): kept, --force or not
        shutil.copyfile(CATALOG if folder == "catalog" else TEMPLATE, out)
    err = _refused(capsys, _writes(command, hall, out), kept=out)
    what = "the user catalog folder" if folder == "catalog" else "the user template library"
    assert f"-o {out}: expected a file outside {what} {user / folder.split('/')[0]}" in err
    assert "--force or not" in err
    assert existing == out.exists()


def test_a_layout_in_the_catalog_folder_is_not_replaced_either(user, hall, capsys):
    out = user / "catalog" / "stray.json"  # a layout put there by mistake: still not ours
    shutil.copyfile(hall, out)
    _refused(capsys, _writes("new", hall, out), kept=out)


def test_a_link_into_the_built_in_templates_is_refused(tmp_path, hall, capsys):
    link = tmp_path / "link.json"
    link.symlink_to(TEMPLATE)
    err = _refused(capsys, _writes("new", hall, link), kept=TEMPLATE)
    assert "the built-in template folder" in err


@pytest.mark.parametrize("command", ["new", "retarget"])
def test_force_still_replaces_a_layout(tmp_path, hall, capsys, command):
    out = tmp_path / "old.json"
    shutil.copyfile(hall, out)
    code = main(_writes(command, hall, out))
    err = capsys.readouterr().err
    assert code == 0, err
    assert is_layout_file(out) and out.read_bytes() != hall.read_bytes()


def test_report_refuses_a_new_file_in_the_catalog_folder(user, hall, capsys):
    out = user / "catalog" / "analysis.json"  # it would be read as a bad catalog file
    err = _refused(capsys, ["report", str(hall), "-o", str(out)])
    assert "expected a file outside the user catalog folder" in err and not out.exists()


def test_report_refuses_a_bundle_by_name(tmp_path, hall, bundle, capsys):
    out = tmp_path / "lib.json"
    shutil.copyfile(bundle, out)
    err = _refused(capsys, ["report", str(hall), "-o", str(out), "--force"], kept=out)
    assert err == (f"rackscape: -o {out}: expected a file a report may replace (a Rackscape "
                   "template bundle, which a report never replaces: choose another file name)\n")


def test_an_xlsx_workbook_is_no_bundle(tmp_path, hall, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(hall), "-o", str(out)]) == 0
    assert project_file_kind(out) is None
    assert main(["report", str(hall), "-o", str(out), "--force"]) == 0  # replaced as before
    capsys.readouterr()


def test_library_export_force_replaces_a_bundle_but_not_a_template(tmp_path, bundle, capsys):
    assert main(["library", "export", str(bundle), "cpu-cluster", "--force"]) == 0
    capsys.readouterr()
    named = tmp_path / "tpl.rsbundle"
    shutil.copyfile(TEMPLATE, named)
    err = _refused(capsys, ["library", "export", str(named), "fat-tree", "--force"], kept=named)
    assert err == (f"rackscape: {named}: expected a bundle file name (this is a Rackscape "
                   "template, which a bundle cannot replace, --force or not)\n")


def test_library_export_into_the_template_library_is_refused(user, capsys):
    out = user / "templates" / "x.rsbundle"
    err = _refused(capsys, ["library", "export", str(out), "fat-tree"])
    assert "expected a file outside the user template library" in err and not out.exists()


def _variants(tmp_path: Path, hall: Path, bundle: Path) -> list[tuple[Path, str]]:
    """Files Rackscape reads as a layout, template, catalog file or bundle that do not
    start as the plain ones do: a byte-order mark, a page of white space, the schema line
    after the first 4 KB (keys come in any order), UTF-16 text, bytes before a zip."""
    import codecs
    import json

    text = hall.read_text(encoding="utf-8")
    out = []
    for name, data in (("bom.json", codecs.BOM_UTF8 + text.encode()),
                       ("spaced.json", b" " * 300 + text.encode())):
        (tmp_path / name).write_bytes(data)
        out.append((tmp_path / name, "a Rackscape layout"))
    for name, source, kind in (("late-tpl.json", TEMPLATE, "a Rackscape template"),
                               ("late-cat.json", CATALOG, "a Rackscape catalog file")):
        data = {"note": "x" * 5000, **json.loads(source.read_text(encoding="utf-8"))}
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
        out.append((tmp_path / name, kind))
    (tmp_path / "wide.json").write_text(TEMPLATE.read_text(encoding="utf-8"),
                                        encoding="utf-16")
    out.append((tmp_path / "wide.json", "a Rackscape template"))
    (tmp_path / "lead.json").write_bytes(b"JUNKJUNK" + bundle.read_bytes())
    out.append((tmp_path / "lead.json", "a Rackscape template bundle"))
    return out


@pytest.mark.parametrize("command", ["new", "retarget", "report"])
def test_force_never_replaces_a_file_rackscape_reads_however_it_starts(tmp_path, hall, bundle,
                                                                       capsys, command):
    for path, kind in _variants(tmp_path, hall, bundle):
        assert project_file_kind(path) == kind, path.name
        if kind == "a Rackscape layout" and command != "report":
            continue  # a layout replaces a layout with --force: what --force is for
        argv = ["report", str(hall), "-o", str(path), "--force"] if command == "report" \
            else _writes(command, hall, path)
        err = _refused(capsys, argv, kept=path)
        assert kind in err, err
