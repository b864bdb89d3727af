"""Template library bundles: export, import, clash handling, and refusal of bad bundles.

Every refused bundle must leave the library folder exactly as it was (the listing of
files, their bytes, and whether the folder exists at all).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.bundle as bundle_mod
from designer.cli import main as cli_main
from engine.bundle import (
    BUNDLE_FORMAT,
    BundleError,
    ClashError,
    export_bundle,
    import_bundle,
    read_bundle,
)
from engine.templates import ParameterError, get_template, list_templates

CREATED = "2025-01-01T00:00:00+00:00"


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file under ``folder`` with its bytes (None when the folder does not exist)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def good(tmp_path) -> Path:
    out = tmp_path / "good.rsbundle"
    export_bundle(["fat-tree", "cpu-cluster"], out, name="demo", version="2.1", created=CREATED,
                  user_dir=None)
    return out


@pytest.fixture
def lib(tmp_path) -> Path:
    return tmp_path / "library" / "templates"


def template_json(tid: str = "fat-tree", **change) -> bytes:
    data = get_template(tid, user_dir=None).model_dump(mode="json", by_alias=True,
                                                       exclude_defaults=True)
    data.update(change)
    return json.dumps(data).encode()


def make_bundle(path: Path, members: list[tuple], manifest: dict | None | bytes = "auto",
                compression=zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip by hand: members are (name, bytes) or (name, bytes, external_attr)."""
    entries = []
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for m in members:
            name, raw = m[0], m[1]
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = m[2] if len(m) > 2 else (stat.S_IFREG | 0o644) << 16
            info.compress_type = compression
            zf.writestr(info, raw)
            if name.endswith(".json") and not name.endswith("manifest.json"):
                try:
                    d = json.loads(raw)
                    entries.append({"id": d.get("id", "x"), "version": d.get("version", "1.0"),
                                    "file": name, "sha256": hashlib.sha256(raw).hexdigest()})
                except ValueError:
                    entries.append({"id": "broken", "version": "1.0", "file": name,
                                    "sha256": hashlib.sha256(raw).hexdigest()})
        if manifest == "auto":
            manifest = {"format": BUNDLE_FORMAT, "name": "hand", "version": "1",
                        "created": CREATED, "templates": entries}
        if manifest is not None:
            raw = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            info = zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, raw)
    return path


# -- export and import ---------------------------------------------------------------------

def test_export_writes_a_manifest_with_versions_and_hashes(good):
    with zipfile.ZipFile(good) as zf:
        names = sorted(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        assert names == ["manifest.json", "templates/cpu/cpu-cluster.json",
                         "templates/generic/fat-tree.json"]
        for e in manifest["templates"]:
            assert hashlib.sha256(zf.read(e["file"])).hexdigest() == e["sha256"]
    assert manifest["format"] == "rackscape.bundle/1"
    assert (manifest["name"], manifest["version"], manifest["created"]) == ("demo", "2.1", CREATED)
    assert [(e["id"], e["version"]) for e in manifest["templates"]] == \
        [("fat-tree", "1.0"), ("cpu-cluster", "1.1")]


def test_export_is_deterministic_and_refuses_unknown_ids(tmp_path, good):
    again = tmp_path / "again.rsbundle"
    export_bundle(["fat-tree", "cpu-cluster"], again, name="demo", version="2.1",
                  created=CREATED, user_dir=None)
    assert again.read_bytes() == good.read_bytes()
    with pytest.raises(ParameterError, match="no-such"):
        export_bundle(["no-such"], tmp_path / "x.rsbundle", user_dir=None)
    assert not (tmp_path / "x.rsbundle").exists()


def test_export_writes_only_rsbundle_files(tmp_path):
    template = tmp_path / "my-tree.json"
    template.write_text("{}")
    with pytest.raises(BundleError, match=r"expected a bundle file name ending in \.rsbundle"):
        export_bundle(["fat-tree"], template, user_dir=None)
    assert template.read_text() == "{}"
    export_bundle(["fat-tree"], tmp_path / "LIB.RSBUNDLE", user_dir=None)


def test_import_round_trip_into_an_empty_library(tmp_path, lib):
    # a template the built-in library does not have, so nothing clashes
    src = tmp_path / "src"
    src.mkdir()
    (src / "mine.json").write_bytes(template_json("fat-tree", id="my-tree", title="My tree"))
    out = tmp_path / "mine.rsbundle"
    export_bundle(["my-tree"], out, user_dir=src, created=CREATED)
    res = import_bundle(out, user_dir=lib)
    assert res.installed == ["my-tree"] and not res.skipped
    # where Save selection as template puts a template of that generation
    assert [p.relative_to(lib).as_posix() for p in lib.rglob("*.json")] == \
        ["generic/my-tree.json"]
    t = {x.id: x for x in list_templates(user_dir=lib)}["my-tree"]
    assert t == get_template("my-tree", user_dir=src)


def test_a_template_named_manifest_is_a_template_and_a_bundle_manifest_is_not(tmp_path, lib):
    # the id pattern allows "manifest": its file generic/manifest.json lists and clashes
    # like any other, while a bundle's manifest unpacked into the folder is passed over
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.json").write_bytes(template_json("fat-tree", id="manifest", title="Manifest"))
    out = tmp_path / "m.rsbundle"
    export_bundle(["manifest"], out, user_dir=src, created=CREATED)
    assert import_bundle(out, user_dir=lib).installed == ["manifest"]
    assert "manifest" in {t.id for t in list_templates(user_dir=lib)}
    again = import_bundle(out, user_dir=lib)  # the same template again: nothing to write
    assert again.unchanged == {"manifest": "manifest"} and not again.installed
    assert sorted(p.name for p in lib.rglob("*.json")) == ["manifest.json"]
    with zipfile.ZipFile(out) as zf:
        (lib / "manifest.json").write_bytes(zf.read("manifest.json"))
    from engine.templates import read_user_library
    assert read_user_library(lib).problems() == []


def test_clash_asks_by_default_and_writes_nothing(good, lib):
    before = snapshot(lib.parent)
    with pytest.raises(ClashError) as ei:
        import_bundle(good, user_dir=lib)
    assert ei.value.ids == ["fat-tree", "cpu-cluster"]
    assert ei.value.builtin_ids == ["fat-tree", "cpu-cluster"]
    assert str(ei.value) == (f"{good}: templates: expected templates whose ids are not taken "
                             "(2 are built-in templates: fat-tree, cpu-cluster); choose "
                             "--on-clash skip, replace or rename")
    assert snapshot(lib.parent) == before


def test_clash_skip_replace_rename(good, lib):
    res = import_bundle(good, on_clash="skip", user_dir=lib)
    assert res.skipped == ["fat-tree", "cpu-cluster"] and not lib.exists()
    res = import_bundle(good, on_clash="rename", user_dir=lib)
    assert res.renamed == {"fat-tree": "fat-tree-2", "cpu-cluster": "cpu-cluster-2"}
    # each in its generation's folder, where a saved template of that generation goes
    assert sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*.json")) == \
        ["cpu/cpu-cluster-2.json", "generic/fat-tree-2.json"]
    # a library lists templates by title: each copy says which it is
    titles = {t.id: t.title for t in list_templates(user_dir=lib)}
    assert titles["fat-tree-2"] == titles["fat-tree"] + " (2)"
    # the same bundle again: its templates are in the library word for word (as the
    # renamed copies), so nothing is asked, copied or written
    before = snapshot(lib)
    for choice in ("ask", "rename"):
        res = import_bundle(good, on_clash=choice, user_dir=lib)
        assert res.unchanged == {"fat-tree": "fat-tree-2", "cpu-cluster": "cpu-cluster-2"}
        assert res.is_empty and not res.renamed and snapshot(lib) == before
    assert res.summary() == ("nothing installed: 2 templates already in the library as they "
                             "are (fat-tree as fat-tree-2, cpu-cluster as cpu-cluster-2)")
    # replace: the user copy now overrides the built-in one; renamed copies stay
    res = import_bundle(good, on_clash="replace", user_dir=lib)
    assert res.replaced == ["fat-tree", "cpu-cluster"]
    assert (lib / "generic" / "fat-tree.json").exists()
    ids = {t.id for t in list_templates(user_dir=lib)}
    assert {"fat-tree", "fat-tree-2", "cpu-cluster-2"} <= ids
    # replacing again rewrites the same file, no duplicates
    import_bundle(good, on_clash="replace", user_dir=lib)
    assert [p.name for p in lib.rglob("*.json")].count("fat-tree.json") == 1
    problems: list[str] = []
    list_templates(user_dir=lib, problems=problems)
    assert problems == []


def test_a_failed_rename_puts_the_library_back(good, lib, monkeypatch):
    import_bundle(good, on_clash="replace", user_dir=lib)
    before = snapshot(lib)
    real = os.replace
    calls = {"n": 0}

    def flaky(a, b):
        calls["n"] += 1
        if calls["n"] == 3:  # after the first file went in
            raise OSError(28, "No space left on device")
        return real(a, b)

    monkeypatch.setattr(bundle_mod.os, "replace", flaky)
    with pytest.raises(OSError):
        import_bundle(good, on_clash="replace", user_dir=lib)
    monkeypatch.setattr(bundle_mod.os, "replace", real)
    assert snapshot(lib) == before


# -- refusals: nothing written --------------------------------------------------------------

S_IFLNK = stat.S_IFLNK | 0o777
GOOD_T = template_json("fat-tree")


def _case_not_zip(p):
    p.write_bytes(b"PK\x03\x04 this is not really a zip")


def _case_empty(p):
    p.write_bytes(b"")


def _case_truncated(p, good_bytes=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", b"{}" * 100)
    p.write_bytes(buf.getvalue()[:-30])



def _rack_rule(count: str) -> bytes:
    """fat-tree with its first compute racks counted by ``count``."""
    data = json.loads(template_json())
    data["racks"][0]["count"] = count
    return json.dumps(data).encode()


def _unknown_rack() -> bytes:
    """fat-tree with its compute racks of a rack type no catalog has."""
    data = json.loads(template_json())
    data["racks"][0]["rack_type"] = "no-such-rack"
    return json.dumps(data).encode()

BAD_BUNDLES = {
    "not a zip": (_case_not_zip, "zip archive"),
    "empty file": (_case_empty, "a template bundle (a zip archive), but the file is empty"),
    "truncated": (_case_truncated, "zip archive"),
    "no manifest": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                          manifest=None), "manifest"),
    "manifest not json": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                                manifest=b"{not json"), "valid JSON"),
    "manifest wrong format": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                                    manifest={"format": "zip/1", "name": "x",
                                                              "created": CREATED,
                                                              "templates": []}), "format"),
    "parent path": (lambda p: make_bundle(p, [("templates/../../evil.json", GOOD_T)]),
                    "inside the bundle"),
    "dot-dot only": (lambda p: make_bundle(p, [("../fat-tree.json", GOOD_T)]),
                     "inside the bundle"),
    "absolute path": (lambda p: make_bundle(p, [("/etc/rackscape.json", GOOD_T)]),
                      "relative path"),
    "drive path": (lambda p: make_bundle(p, [("C:/evil.json", GOOD_T)]), "relative path"),
    "backslash path": (lambda p: make_bundle(p, [("templates\\..\\evil.json", GOOD_T)]),
                       "relative path"),
    "symlink": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", b"/etc/passwd",
                                           S_IFLNK << 16)]), "symbolic links"),
    "device node": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T,
                                               (stat.S_IFCHR | 0o644) << 16)]), "devices"),
    "executable": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T,
                                              (stat.S_IFREG | 0o755) << 16)]), "executable"),
    "not json member": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T),
                                                  ("templates/x/run.sh", b"#!/bin/sh\n")]),
                        "only the manifest and the templates"),
    "hash mismatch": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                            manifest={"format": BUNDLE_FORMAT, "name": "x",
                                                      "created": CREATED, "templates": [
                                                          {"id": "fat-tree", "version": "1.0",
                                                           "file": "templates/x/fat-tree.json",
                                                           "sha256": "0" * 64}]}), "SHA-256"),
    "unknown hardware": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", _unknown_rack())]),
                         "a rack type of the catalog (unknown 'no-such-rack')"),
    "invalid template json": (lambda p: make_bundle(p, [("templates/x/fat-tree.json",
                                                         b'{"schema": "rackscape.template/1",')]),
                              "valid JSON"),
    "invalid template schema": (lambda p: make_bundle(
        p, [("templates/x/t.json", template_json(racks=[]))]), "racks"),
    "unknown template key": (lambda p: make_bundle(
        p, [("templates/x/t.json", template_json(code="import os"))]), "unknown key"),
    "template defaults fail": (lambda p: make_bundle(
        p, [("templates/x/t.json", template_json(vars={"x": "1 / 0"}))]), "defaults evaluate"),
    # laid out at its defaults, as `new` would: a rule naming what no parameter or var
    # is, a default that asks for billions of racks
    "rule names an unknown value": (lambda p: make_bundle(
        p, [("templates/x/t.json", _rack_rule("racks_x"))]),
        "a template that lays out at its defaults (racks.servers_a.count: unknown name "
        "'racks_x'"),
    "default too large to build": (lambda p: make_bundle(
        p, [("templates/x/t.json", _rack_rule("racks_a * 1000000000"))]),
        "a template that lays out at its defaults (racks.servers_a.count: expected 0 to "),
    "nan in template": (lambda p: make_bundle(
        p, [("templates/x/t.json", GOOD_T.replace(b'"default": 16', b'"default": NaN'))]),
        "finite numbers"),
    "listed file missing": (lambda p: make_bundle(p, [], manifest={
        "format": BUNDLE_FORMAT, "name": "x", "created": CREATED,
        "templates": [{"id": "fat-tree", "version": "1.0", "file": "templates/x/fat-tree.json",
                       "sha256": hashlib.sha256(GOOD_T).hexdigest()}]}), "member the manifest"),
    "id differs from manifest": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                                       manifest={
        "format": BUNDLE_FORMAT, "name": "x", "created": CREATED,
        "templates": [{"id": "other", "version": "1.0", "file": "templates/x/fat-tree.json",
                       "sha256": hashlib.sha256(GOOD_T).hexdigest()}]}), "as the manifest lists"),
    "duplicate member": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T),
                                                   ("templates/x/FAT-TREE.json", GOOD_T)]),
                         "once"),
    "bzip2 member": (lambda p: make_bundle(p, [("templates/x/fat-tree.json", GOOD_T)],
                                           compression=zipfile.ZIP_BZIP2), "stored or deflated"),
}


@pytest.mark.parametrize("case", sorted(BAD_BUNDLES))
def test_bad_bundles_are_refused_and_change_nothing(tmp_path, lib, case):
    build, needle = BAD_BUNDLES[case]
    path = tmp_path / "bad.rsbundle"
    build(path)
    lib.mkdir(parents=True)
    (lib / "keep.json").write_bytes(template_json(id="keep-me"))
    before = snapshot(lib.parent)
    for mode in ("ask", "replace", "rename"):
        with pytest.raises(BundleError) as ei:
            import_bundle(path, on_clash=mode, user_dir=lib)
        assert needle in str(ei.value), str(ei.value)
        assert str(path) in str(ei.value)
        assert snapshot(lib.parent) == before


def test_a_layout_given_as_a_bundle_is_named_as_what_it_is(tmp_path, lib):
    from engine.io import save_layout
    from engine.templates import instantiate

    path = tmp_path / "hall.json"
    save_layout(instantiate("fat-tree", {"k": 4}), path)
    with pytest.raises(BundleError, match="expected a template bundle \\(a zip archive\\), "
                                          "but this is a Rackscape layout"):
        import_bundle(path, user_dir=lib)
    assert not lib.exists()


def test_a_missing_library_folder_is_not_created_by_a_bad_bundle(tmp_path):
    path = make_bundle(tmp_path / "bad.rsbundle", [("../x.json", GOOD_T)])
    lib = tmp_path / "nowhere" / "templates"
    with pytest.raises(BundleError):
        import_bundle(path, user_dir=lib)
    assert not (tmp_path / "nowhere").exists()


def test_size_and_count_limits(tmp_path, lib, monkeypatch):
    big = tmp_path / "big.rsbundle"
    big.write_bytes(b"\0" * (bundle_mod.MAX_BUNDLE_BYTES + 1))
    with pytest.raises(BundleError, match="at most"):
        import_bundle(big, user_dir=lib)
    # a zip bomb: small on disk, large once inflated
    bomb = make_bundle(tmp_path / "bomb.rsbundle",
                       [("templates/x/fat-tree.json", b" " * (bundle_mod.MAX_MEMBER_BYTES + 10))])
    assert bomb.stat().st_size < 100_000
    with pytest.raises(BundleError, match="at most"):
        import_bundle(bomb, user_dir=lib)
    monkeypatch.setattr(bundle_mod, "MAX_MEMBERS", 3)
    many = make_bundle(tmp_path / "many.rsbundle",
                       [(f"templates/x/t{k}.json", template_json(id=f"t{k}")) for k in range(4)])
    with pytest.raises(BundleError, match="at most 3 members"):
        import_bundle(many, user_dir=lib)
    monkeypatch.setattr(bundle_mod, "MAX_MEMBERS", 500)
    monkeypatch.setattr(bundle_mod, "MAX_UNCOMPRESSED_BYTES", 2 * len(GOOD_T))
    total = make_bundle(tmp_path / "total.rsbundle",
                        [(f"templates/x/t{k}.json", template_json(id=f"t{k}")) for k in range(3)])
    with pytest.raises(BundleError, match="uncompressed"):
        import_bundle(total, user_dir=lib)
    assert not lib.exists()


def test_a_header_that_lies_about_its_size_is_refused(tmp_path, lib):
    path = make_bundle(tmp_path / "lie.rsbundle", [("templates/x/fat-tree.json", GOOD_T)])
    data = bytearray(path.read_bytes())
    # patch the central directory's uncompressed size of the template member to 10
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(b"manifest.json"))
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError):
        import_bundle(path, user_dir=lib)
    assert not lib.exists()


def test_a_link_as_the_bundle_itself_is_refused(tmp_path, good, lib):
    link = tmp_path / "link.rsbundle"
    link.symlink_to(good)
    with pytest.raises(BundleError, match="regular bundle file"):
        import_bundle(link, user_dir=lib)


@settings(max_examples=60)
@given(data=st.data())
def test_fuzz_mutated_bundles_import_cleanly_or_change_nothing(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    src = tmp / "src.rsbundle"
    export_bundle(["cpu-cluster"], src, created=CREATED, user_dir=None)
    raw = bytearray(src.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(raw)))
        raw = raw[:cut]
    path = tmp / "mutant.rsbundle"
    path.write_bytes(bytes(raw))
    lib = tmp / "lib" / "templates"
    lib.mkdir(parents=True)
    (lib / "keep.json").write_bytes(template_json(id="keep-me"))
    before = snapshot(lib.parent)
    try:
        res = import_bundle(path, on_clash="rename", user_dir=lib)
    except BundleError:
        assert snapshot(lib.parent) == before
    else:  # the mutation hit nothing that matters: a valid template was installed
        assert res.renamed or res.installed
        assert {t.id for t in list_templates(user_dir=lib)} >= {"keep-me"}


@settings(max_examples=40)
@given(blob=st.binary(max_size=4096))
def test_fuzz_random_bytes_are_refused(tmp_path_factory, blob):
    tmp = tmp_path_factory.mktemp("blob")
    path = tmp / "blob.rsbundle"
    path.write_bytes(blob)
    with pytest.raises(BundleError):
        read_bundle(path)


# -- CLI ------------------------------------------------------------------------------------

def test_cli_library_export_and_import(tmp_path, capsys, isolated_user_dir):
    out = tmp_path / "b.rsbundle"
    assert cli_main(["library", "export", str(out), "fat-tree", "--name", "mine",
                     "--version", "3"]) == 0
    assert "mine v3" in capsys.readouterr().out
    before = snapshot(isolated_user_dir)
    code = cli_main(["library", "import", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--on-clash" in err
    assert snapshot(isolated_user_dir) == before
    assert cli_main(["library", "import", str(out), "--on-clash", "rename"]) == 0
    assert "fat-tree -> fat-tree-2" in capsys.readouterr().out
    assert "fat-tree-2" in {t.id for t in list_templates()}
    (isolated_user_dir / "templates" / "generic" / "fat-tree-2.json").unlink()


def test_cli_bad_bundle_exits_2_with_one_line(tmp_path, capsys):
    bad = make_bundle(tmp_path / "bad.rsbundle", [("../../x.json", GOOD_T)])
    code = cli_main(["library", "import", str(bad), "--on-clash", "skip"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "bad.rsbundle" in err and "../../x.json" in err
    code = cli_main(["library", "export", str(tmp_path / "x.rsbundle"), "nope"])
    assert code == 2 and "nope" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_a_pipe_in_the_library_does_not_stop_an_import(tmp_path, good, lib):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    lib.mkdir(parents=True)
    os.mkfifo(lib / "pipe.json")  # reading it waited for a writer for ever before
    res = import_bundle(good, on_clash="rename", user_dir=lib)
    assert sorted(res.renamed) == ["cpu-cluster", "fat-tree"]
    assert (lib / "pipe.json").exists()


def test_a_5000_digit_integer_in_a_template_names_the_member(tmp_path, lib):
    raw = GOOD_T.replace(b'"default": 16', b'"default": 1' + b"0" * 5000)
    path = make_bundle(tmp_path / "big.rsbundle", [("templates/x/t.json", raw)])
    with pytest.raises(BundleError) as ei:
        import_bundle(path, user_dir=lib)
    assert str(ei.value) == (f"{path}: templates/x/t.json: expected valid JSON with numbers of "
                             "at most 4,300 digits")


def test_a_saved_block_naming_hardware_the_catalog_lacks_is_refused_in_words():
    # a block saved where a user catalog defined a rack type: on a machine without that
    # catalog file, laying it out would write a layout nothing can read
    from engine.snapshot import template_from_selection
    from engine.templates import ParameterError, instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 2})
    t = template_from_selection(lay, [r.id for r in lay.racks], "two-racks", "Two racks")
    racks = [r.model_copy(update={"type": "no-such-rack"}) for r in t.fixed.racks]
    bad = t.model_copy(update={"fixed": t.fixed.model_copy(update={"racks": racks})})
    with pytest.raises(ParameterError, match="a rack type of the catalog .unknown 'no-such-rack'."):
        instantiate(bad, {})
    assert instantiate(t, {}).racks
