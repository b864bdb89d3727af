"""Template library in the designer: new from template, save selection, bundles, compare, retarget.

Dialogs are constructed and driven through their methods; nothing runs a modal
``exec()`` (a modal dialog never returns offscreen): tests patch ``exec`` and
the message boxes.
"""

from __future__ import annotations

import pytest
from panel_helpers import hall_compare_window  # tests/designer is on pytest's path
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from designer import library
from designer.library import bundles
from designer.library.bundles import ExportBundleDialog, import_bundle_interactive
from designer.library.compare_window import FIGURES, CompareWindow
from designer.library.new_from_template import NewFromTemplateDialog
from designer.library.retarget import RetargetDialog, open_in_new_window
from designer.library.save_template import SaveSelectionAsTemplateDialog
from engine.analysis import analyze
from engine.snapshot import template_from_selection
from engine.templates import instantiate, list_templates, read_template_file

BUILTIN_IDS = {"dgx-h100-superpod", "dgx-b200-superpod", "dgx-b300-superpod",
               "gb200-nvl72-superpod", "gb300-nvl72-superpod", "vera-rubin-nvl144",
               "meta-24k-roce", "mi300x-cluster", "mi355x-cluster", "fat-tree", "cpu-cluster",
               "dgx-h100-hall"}


@pytest.fixture
def messages(monkeypatch):
    """Record QMessageBox calls of the bundles module instead of showing them."""
    seen: list[tuple[str, str, str]] = []
    for kind in ("information", "critical", "warning"):
        monkeypatch.setattr(bundles.QMessageBox, kind,
                            lambda _p, title, text, *a, kind=kind, **k:
                            seen.append((kind, title, text)) or QMessageBox.StandardButton.Ok)
    return seen


@pytest.fixture
def new_dialog(qtbot, builtin_catalog):
    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    yield dlg
    dlg.done(0)


def _wait_preview(qtbot, dlg, **values):
    qtbot.waitUntil(lambda: dlg.preview is not None
                    and all(dlg.preview["values"].get(k) == v for k, v in values.items()),
                    timeout=60_000)
    return dlg.preview


# -- new from template -------------------------------------------------------------------------

def test_lists_every_builtin_template_by_generation(new_dialog):
    ids = new_dialog.template_ids()
    assert BUILTIN_IDS <= set(ids) and len(BUILTIN_IDS) == 12
    gens = [new_dialog.tree.topLevelItem(i).text(0)
            for i in range(new_dialog.tree.topLevelItemCount())]
    assert {"Hopper", "Blackwell", "Rubin"} <= set(gens)


def test_a_user_copy_of_a_builtin_id_is_labelled_as_the_users(qtbot, isolated_user_dir,
                                                              builtin_catalog):
    import json

    from engine.templates import builtin_template_dir

    spec = json.loads((builtin_template_dir() / "hopper" / "dgx-h100-hall.json").read_text())
    spec["title"] = "Our DGX H100 hall"
    folder = isolated_user_dir / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dgx-h100-hall.json").write_text(json.dumps(spec))
    try:
        dlg = NewFromTemplateDialog(catalog=builtin_catalog)
        qtbot.addWidget(dlg)
        assert "dgx-h100-hall" in dlg.user_ids and "fat-tree" not in dlg.user_ids
        dlg.done(0)
    finally:
        (folder / "dgx-h100-hall.json").unlink()


def test_every_skipped_user_file_is_named_with_its_reason(qtbot, tmp_path, monkeypatch):
    import json

    from engine.catalog import load_catalog
    from engine.templates import builtin_template_dir

    monkeypatch.setenv("RACKSCAPE_USER_DIR", str(tmp_path))
    folder = tmp_path / "templates"
    folder.mkdir()
    spec = json.loads((builtin_template_dir() / "generic" / "fat-tree.json").read_text())
    (folder / "fat-tree.json").write_text(json.dumps({**spec, "version": 7}))  # an override
    (folder / "mine.json").write_text("{not json")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "our-gpus.json").write_text("[1, 2")
    catalog = load_catalog(user_dir=tmp_path / "catalog")
    assert catalog.problems
    dlg = NewFromTemplateDialog(catalog=catalog)
    qtbot.addWidget(dlg)
    names = [f.name for f, _ in dlg.skipped]
    assert names == ["fat-tree.json", "mine.json", "our-gpus.json"]
    reasons = dict((f.name, why) for f, why in dlg.skipped)
    assert reasons["fat-tree.json"].startswith("template: version: expected ")
    assert reasons["fat-tree.json"].endswith("(it would replace the built-in “k-ary fat-tree of "
                                             "8-GPU servers”, which is listed instead)")
    assert reasons["mine.json"].startswith("template: line 1 column 2: expected valid JSON")
    assert reasons["our-gpus.json"].startswith("catalog file: ")
    label = dlg.skipped_label
    assert label.text().startswith("3 user files skipped: fat-tree.json, mine.json, "
                                   "our-gpus.json. <a href")
    assert label.toolTip().splitlines() == [f"{n}: {reasons[n]}" for n in names]
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    label.linkActivated.emit("details")
    box = shown[0]
    assert box.text() == "3 of your files were left out:"
    assert all(f"{n}: {reasons[n]}" in box.informativeText() for n in names)
    assert str(folder / "mine.json") in box.detailedText()
    dlg.done(0)


def test_user_templates_are_listed_first_and_tell_apart_from_the_ones_they_copy(
        qtbot, tmp_path, monkeypatch, builtin_catalog):
    """A bundle of built-in templates imported with "Rename": the copies and the originals
    share their titles but for " (2)", which a narrow list used to cut off."""
    from engine.bundle import export_bundle, import_bundle
    from engine.templates import USER_DIR_ENV

    monkeypatch.setenv(USER_DIR_ENV, str(tmp_path))
    bundle = tmp_path / "hop.rsbundle"
    export_bundle(["meta-24k-roce", "dgx-h100-hall"], bundle, user_dir=None)
    result = import_bundle(bundle, on_clash="rename", user_dir=tmp_path / "templates")
    assert result.renamed == {"meta-24k-roce": "meta-24k-roce-2",
                              "dgx-h100-hall": "dgx-h100-hall-2"}
    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.resize(1040, 640)
    dlg.show()
    tree = dlg.tree
    top = tree.topLevelItem(0)
    assert top.text(0) == "User library" and top.childCount() == 2
    assert str(tmp_path / "templates") in top.toolTip(0)
    mine = {top.child(k).data(0, Qt.ItemDataRole.UserRole): top.child(k) for k in range(2)}
    assert set(mine) == {"meta-24k-roce-2", "dgx-h100-hall-2"}
    # the built-in ones stay under their generation, without the copies
    hopper = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                  if tree.topLevelItem(i).text(0) == "Hopper")
    builtin = [hopper.child(k).data(0, Qt.ItemDataRole.UserRole)
               for k in range(hopper.childCount())]
    assert "meta-24k-roce" in builtin and "meta-24k-roce-2" not in builtin
    copy = mine["meta-24k-roce-2"]
    # the id is in the label, at its end, and a long label loses its middle, not its end
    assert copy.text(0).endswith("meta-24k-roce-2")
    assert tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    texts = [tree.topLevelItem(i).child(k).text(0) for i in range(tree.topLevelItemCount())
             for k in range(tree.topLevelItem(i).childCount())]
    assert len(texts) == len(set(texts))
    tip = copy.toolTip(0)
    t = dlg.templates["meta-24k-roce-2"]
    for part in (t.title, "meta-24k-roce-2", f"version {t.version}", t.author,
                 str(tmp_path / "templates" / "hopper" / "meta-24k-roce-2.json")):
        assert part in tip
    assert "Built-in" in hopper.child(builtin.index("meta-24k-roce")).toolTip(0)
    dlg.select_template("meta-24k-roce-2")
    assert "user library" in dlg.meta.text() and dlg.meta.toolTip() == tip
    dlg.done(0)


def test_form_shows_parameters_with_ranges_and_help(new_dialog):
    new_dialog.select_template("dgx-b300-superpod")
    eds = new_dialog.editors
    assert eds["edition"].count() == 2 and eds["edition"].currentText() == "ac-xdr"
    su = eds["scalable_units"]
    # the arrows stop at the range (a typed number outside it is refused in words)
    assert (su.soft_min, su.soft_max) == (1, 18)
    su.setValue(18)
    su.stepUp()
    assert su.value() == 18
    su.setValue(1)
    su.stepDown()
    assert su.value() == 1
    assert "Range 1 to 18" in su.toolTip()
    new_dialog.select_template("dgx-h100-superpod")
    assert new_dialog.editors["ufm_port"].isChecked() is True
    assert "version 1.2" in new_dialog.meta.text()
    assert "S41" in new_dialog.description.toPlainText()


def test_changing_a_parameter_updates_the_preview(qtbot, new_dialog, builtin_catalog):
    new_dialog.select_template("dgx-h100-hall")
    _wait_preview(qtbot, new_dialog, racks=16)
    assert new_dialog.preview["gpus"] == 512
    new_dialog.set_value("racks", 4)
    assert new_dialog._timer.isActive()  # debounced, not computed per keystroke
    p = _wait_preview(qtbot, new_dialog, racks=4)
    assert p["gpus"] == 128 and new_dialog.figures["gpus"].text() == "128"
    assert p["violations"]["error"] == 0 and "violations" in new_dialog.figures["violations"].text()
    assert new_dialog.ok_button.isEnabled()
    new_dialog.accept()
    lay = new_dialog.layout_result
    assert lay is p["layout"]  # the previewed layout opens, not a second instantiation
    assert analyze(lay, builtin_catalog).counts["gpus"] == 128


def test_a_design_from_a_template_counts_as_unsaved(qtbot, window, monkeypatch):
    """Closing a generated design that exists nowhere else asks before it is lost."""
    layout = window.document.layout.model_copy(update={"name": "generated"})

    class _Dialog:
        layout_result = layout

        def __init__(self, *a, **k):
            pass

        def exec(self):
            return 1

    monkeypatch.setattr("designer.library.new_from_template.NewFromTemplateDialog", _Dialog)
    assert library.new_from_template_action(window)
    assert window.document.layout.name == "generated" and window.document.path is None
    assert window.document.is_modified and window.isWindowModified()
    asked = []
    monkeypatch.setattr(window, "_maybe_save", lambda: asked.append(1) or False)
    window.actions_by_name["close"].trigger()
    assert asked == [1]  # the close asked, and was refused


def test_a_bad_parameter_shows_one_line_and_disables_ok(qtbot, new_dialog):
    new_dialog.select_template("fat-tree")
    new_dialog.set_value("link_speed_gbps", "800")
    assert new_dialog.error_text().startswith("Link speed (Gb/s): ") and "\n" not in new_dialog.error_text()
    assert not new_dialog.ok_button.isEnabled()
    new_dialog.accept()
    assert new_dialog.layout_result is None
    new_dialog.set_value("link_speed_gbps", "400")
    assert new_dialog.error_text() == "" and new_dialog.ok_button.isEnabled()
    new_dialog.select_template("dgx-b200-superpod")
    new_dialog.set_value("systems_per_rack", 3)
    assert "even" in new_dialog.error_text() and not new_dialog.ok_button.isEnabled()


def test_a_number_typed_empty_or_out_of_range_is_an_error(qtbot, new_dialog):
    new_dialog.select_template("dgx-h100-hall")
    ed = new_dialog.editors["racks_per_row"]
    ed.lineEdit().selectAll()
    qtbot.keyClick(ed.lineEdit(), Qt.Key.Key_Delete)       # cleared: no stale preview
    assert new_dialog.error_text().startswith("Racks per row: expected a number from")
    assert not new_dialog.ok_button.isEnabled()
    qtbot.keyClicks(ed.lineEdit(), "8")
    assert new_dialog.error_text() == "" and new_dialog.ok_button.isEnabled()


def test_a_decimal_point_in_a_whole_number_field_is_refused_in_words(qtbot, new_dialog):
    """'1.5' typed as scalable units: the point stays in the field (the field dropped it
    and read 15) and the form says a whole number is expected."""
    new_dialog.select_template("dgx-h100-superpod")
    ed = new_dialog.editors["scalable_units"]
    ed.lineEdit().selectAll()
    qtbot.keyClick(ed.lineEdit(), Qt.Key.Key_Delete)
    qtbot.keyClicks(ed.lineEdit(), "1.5")
    assert ed.lineEdit().text() == "1.5"
    assert new_dialog.error_text() == "Scalable units: expected a whole number (got 1.5)"
    assert not new_dialog.ok_button.isEnabled()
    qtbot.keyClick(ed.lineEdit(), Qt.Key.Key_Backspace)
    qtbot.keyClick(ed.lineEdit(), Qt.Key.Key_Backspace)
    assert new_dialog.error_text() == "" and new_dialog.ok_button.isEnabled()


def test_the_parameters_stay_put_whatever_the_rules_under_the_preview(qtbot, new_dialog):
    """A preview with no rule broken, then one with five: the Parameters panel stays
    where the pointer aims at it."""
    new_dialog.select_template("dgx-h100-hall")
    new_dialog.show()
    qtbot.waitExposed(new_dialog)
    new_dialog._show_rules([])
    QApplication.processEvents()
    at = new_dialog.form_box.mapTo(new_dialog, QPoint(0, 0))
    new_dialog._show_rules([{"code": f"COOL-N{k}", "severity": "error", "count": 2,
                             "message": "a long message " * 8} for k in range(5)])
    QApplication.processEvents()
    assert new_dialog.form_box.mapTo(new_dialog, QPoint(0, 0)) == at
    assert "and 1 more rule" in new_dialog.rules.text()


def test_window_action_opens_the_chosen_layout(qtbot, window, monkeypatch):
    acts = library.install(window)
    assert library.install(window) is acts  # idempotent
    assert acts["new_template"] is window.actions_by_name["new_template"]

    def fake_exec(dlg):
        dlg.select_template("dgx-h100-hall")
        dlg.set_value("racks", 4)
        dlg.wait_for_preview()
        dlg.accept()
        return 1

    monkeypatch.setattr(NewFromTemplateDialog, "exec", fake_exec)
    acts["new_template"].trigger()
    gpu_racks = [r for r in window.document.layout.racks if r.devices]
    assert len(gpu_racks) == 4


def test_install_adds_menus(window):
    library.install(window)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions() if a.menu()}
    assert "Tools" in menus
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles.index("Tools") == titles.index("Help") - 1
    tools = [a.objectName() for a in menus["Tools"].actions()]
    assert tools == ["compare", "retarget"]
    lib = next(a.menu() for a in menus["File"].actions() if a.menu()
               and a.text().replace("&", "") == "Library")
    assert [a.objectName() for a in lib.actions()] == ["library_import", "library_export"]
    assert "save_selection_template" in [a.objectName() for a in menus["Edit"].actions()]


# -- save selection as template ------------------------------------------------------------------

def test_save_selection_writes_user_template(qtbot, window, monkeypatch, isolated_user_dir,
                                             builtin_catalog):
    acts = library.install(window)
    doc = window.document
    doc.select([])
    assert not acts["save_selection_template"].isEnabled()
    ids = [r.id for r in doc.layout.racks[:4]]
    doc.select(ids)
    assert acts["save_selection_template"].isEnabled()

    def fake_exec(dlg):
        dlg.id_edit.setText("gui-four-racks")
        dlg.title_edit.setText("Four racks")
        dlg.description_edit.setPlainText("Saved from a test")
        dlg.accept()
        return 1

    monkeypatch.setattr(SaveSelectionAsTemplateDialog, "exec", fake_exec)
    acts["save_selection_template"].trigger()
    path = isolated_user_dir / "templates" / "hopper" / "gui-four-racks.json"
    assert path.is_file()
    t = read_template_file(path)
    assert t.title == "Four racks" and [r.id for r in t.fixed.racks] == ids
    # the busways feeding the racks came along (ticked by default): the block lays out fed
    fed = {f for r in t.fixed.racks for f in r.feeds}
    assert fed and fed == {f.id for f in t.fixed.feeds}
    assert "gui-four-racks" in {x.id for x in list_templates()}
    # saving again under the same id is refused until Replace is ticked
    dlg = SaveSelectionAsTemplateDialog(doc.layout, ids, window, builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.id_edit.setText("gui-four-racks")
    assert not dlg.ok_button.isEnabled() and "already exists" in dlg.error.text()
    dlg.overwrite.setChecked(True)
    assert dlg.ok_button.isEnabled()
    # four GPU racks without their network racks: the dialog says what stays behind, and
    # their feeds too once the user leaves those out
    assert dlg.take_supplies.isVisibleTo(dlg) and dlg.take_supplies.isChecked()
    assert "fabric compute is left out" in dlg.left_out.text()
    assert "lose their feeds" not in dlg.left_out.text()
    dlg.take_supplies.setChecked(False)
    assert dlg.left_out.isVisibleTo(dlg) and "lose their feeds" in dlg.left_out.text()
    assert dlg.saved_ids() == ids
    # a built-in design is never hidden by a user template, Replace or not
    dlg.id_edit.setText("dgx-h100-superpod")
    assert not dlg.ok_button.isEnabled() and "built-in" in dlg.error.text()
    dlg.id_edit.setText("Bad Id")  # pasted text bypasses the validator: the check catches it
    assert not dlg.ok_button.isEnabled() and dlg.error.text().startswith("Id:")
    dlg.id_edit.clear()
    qtbot.keyClicks(dlg.id_edit, "ab C!d")  # nothing typed is dropped
    assert dlg.id_edit.text() == "ab-c!d" and "“!”" in dlg.error.text()
    path.unlink()


def test_save_dialog_with_empty_selection_cannot_save(qtbot, default_layout, tmp_path):
    dlg = SaveSelectionAsTemplateDialog(default_layout, [], user_dir=tmp_path)
    qtbot.addWidget(dlg)
    assert not dlg.ok_button.isEnabled() and "Select" in dlg.error.text()
    assert dlg.save() is None and not any(tmp_path.iterdir())


# -- bundles ----------------------------------------------------------------------------------------

def test_bundle_export_import_round_trip_with_clashes(qtbot, tmp_path, monkeypatch, messages,
                                                       default_layout, builtin_catalog):
    from engine.snapshot import save_user_template

    src, dst = tmp_path / "src", tmp_path / "dst"
    t = template_from_selection(default_layout, [default_layout.racks[0].id], "one-rack",
                                "One rack", catalog=builtin_catalog)
    save_user_template(t, user_dir=src)
    out = tmp_path / "lib.rsbundle"
    dlg = ExportBundleDialog(user_dir=src, path=out)
    qtbot.addWidget(dlg)
    assert dlg.selected_ids() == ["one-rack"]  # the user's own templates are ticked
    dlg.set_selected(["one-rack", "fat-tree"])
    manifest = dlg.export()
    assert manifest is not None and out.is_file()
    assert sorted(e.id for e in manifest.templates) == ["fat-tree", "one-rack"]

    asked: list[list[str]] = []
    monkeypatch.setattr(bundles, "ask_clash",
                        lambda _p, ids, *_a: asked.append(ids) or "skip")
    res = import_bundle_interactive(None, out, user_dir=dst)
    assert asked == [["fat-tree"]]  # a built-in id clashes; the new one does not
    assert res.installed == ["one-rack"] and res.skipped == ["fat-tree"]
    assert messages[-1][0] == "information"

    monkeypatch.setattr(bundles, "ask_clash", lambda _p, ids, *_a: "rename")
    res = import_bundle_interactive(None, out, user_dir=dst)
    # one-rack is in the library word for word: not copied again; fat-tree is renamed
    assert res.renamed == {"fat-tree": "fat-tree-2"} and res.unchanged == {"one-rack":
                                                                          "one-rack"}
    assert {"one-rack", "fat-tree-2"} <= {x.id for x in list_templates(user_dir=dst)}
    assert "already in the library as it is (one-rack)" in messages[-1][2]

    # the library's one-rack changed since: importing the bundle clashes again
    save_user_template(t.model_copy(update={"description": "edited"}), overwrite=True,
                       user_dir=dst)
    before = sorted(p.name for p in dst.rglob("*"))
    monkeypatch.setattr(bundles, "ask_clash", lambda _p, ids, *_a: None)  # Cancel
    assert import_bundle_interactive(None, out, user_dir=dst) is None
    assert sorted(p.name for p in dst.rglob("*")) == before


def test_refused_bundle_says_why_and_writes_nothing(tmp_path, messages):
    bad = tmp_path / "bad.rsbundle"
    bad.write_bytes(b"this is not a zip file")
    lib = tmp_path / "lib"
    assert import_bundle_interactive(None, bad, user_dir=lib) is None
    kind, title, text = messages[-1]
    assert kind == "critical" and title == "Bundle refused"
    assert "bad.rsbundle" in text and "Nothing was written" in text
    assert not lib.exists()


def test_export_dialog_needs_a_template(qtbot, tmp_path):
    dlg = ExportBundleDialog(user_dir=tmp_path, path=tmp_path / "x.rsbundle")
    qtbot.addWidget(dlg)
    dlg.set_selected([])
    assert not dlg.ok_button.isEnabled() and dlg.export() is None
    assert not (tmp_path / "x.rsbundle").exists()


def test_export_dialog_writes_only_rsbundle_files(qtbot, tmp_path):
    template = tmp_path / "my-tree.json"
    template.write_text("{}")
    dlg = ExportBundleDialog(user_dir=tmp_path / "lib", path=template)
    qtbot.addWidget(dlg)
    dlg.set_selected(["fat-tree"])
    assert dlg.error.text() == "File: expected a name ending in .rsbundle."
    assert not dlg.ok_button.isEnabled() and dlg.export() is None
    assert template.read_text() == "{}"
    dlg.path_edit.setText(str(tmp_path / "team.RSBUNDLE"))
    assert dlg.ok_button.isEnabled() and dlg.export() is not None


def test_export_dialog_asks_before_replacing_a_file(qtbot, tmp_path, monkeypatch):
    previous = tmp_path / "team.rsbundle"
    previous.write_bytes(b"last week's bundle")
    dlg = ExportBundleDialog(user_dir=tmp_path / "lib", path=previous)
    qtbot.addWidget(dlg)
    dlg.set_selected(["fat-tree"])
    asked = []

    def answer(reply):
        monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or reply)

    answer(QMessageBox.StandardButton.No)
    assert dlg.export() is None and previous.read_bytes() == b"last week's bundle"
    assert asked == [f"“team.rsbundle” already exists in {tmp_path}. Replace it?"]
    answer(QMessageBox.StandardButton.Yes)
    assert dlg.export() is not None and previous.read_bytes().startswith(b"PK")
    assert len(asked) == 2


def test_export_dialog_browse_adds_the_suffix_and_its_question_counts(qtbot, tmp_path,
                                                                      monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    previous = tmp_path / "team.rsbundle"
    previous.write_bytes(b"old")
    dlg = ExportBundleDialog(user_dir=tmp_path / "lib", path=tmp_path / "x.rsbundle")
    qtbot.addWidget(dlg)
    dlg.set_selected(["fat-tree"])
    defaults = []

    def choose(fd):
        defaults.append(fd.defaultSuffix())
        fd.selectFile(str(previous))  # the file dialog asked about the existing file itself
        return 1

    asked = []

    def answer(box):
        asked.append(box.text())
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QFileDialog, "exec", choose)
    monkeypatch.setattr(QMessageBox, "exec", answer)
    dlg._browse()
    assert defaults == ["rsbundle"] and dlg.path_edit.text() == str(previous)
    # asked once, on choosing the file (it is no Rackscape file, so it may be replaced)
    assert asked == [f"“team.rsbundle” already exists in {tmp_path}. Replace it?"]
    assert dlg.export() is not None and previous.read_bytes().startswith(b"PK")
    assert len(asked) == 1, "Export does not ask again"


@pytest.mark.parametrize("where", ["missing folder", "folder", "pipe"])
def test_export_dialog_says_why_it_cannot_write(qtbot, tmp_path, where):
    import os

    target = {"missing folder": tmp_path / "no-such-folder" / "mine.rsbundle",
              "folder": tmp_path / "dir.rsbundle", "pipe": tmp_path / "fifo.rsbundle"}[where]
    if where == "folder":
        target.mkdir()
    elif where == "pipe":
        os.mkfifo(target)
    dlg = ExportBundleDialog(user_dir=tmp_path / "lib", path=target)
    qtbot.addWidget(dlg)
    dlg.set_selected(["fat-tree"])
    assert dlg.export() is None
    if where == "folder":
        assert dlg.error.text() == "“dir.rsbundle” is a folder: choose a file name."
        return
    expected = {"missing folder": f"a file in an existing folder ({target.parent} does not "
                                  "exist)",
                "pipe": "a regular file (this is a named pipe)"}[where]
    assert dlg.error.text() == f"Cannot write {target}: expected {expected}."


# -- compare and retarget ---------------------------------------------------------------------------

def test_compare_window_rows_for_chosen_generations(qtbot, builtin_catalog):
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.set_generations(["hopper", "blackwell"])
    win.gpus.setValue(512)
    with qtbot.waitSignal(win.compared, timeout=120_000) as sig:
        win.run()
    rows = sig.args[0]
    assert [r.generation for r in rows] == ["hopper", "blackwell"]
    assert all(r.gpus >= 512 and not r.error for r in rows)
    m = win.model
    assert m.columnCount() == 2 and m.rowCount() == len(FIGURES)
    gpus_row = [f[1] for f in FIGURES].index("gpus")
    assert m.data(m.index(gpus_row, 0)) == f"{rows[0].gpus:,}"
    assert m.headerData(1, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) \
        == "Blackwell"
    assert set(win.plots) == {"gpus", "it_mw", "gpus_per_mw", "optics", "per_gpu_bisection_gbps"}
    # every chart names both generations under their bars
    assert all(p.getAxis("bottom").labels == ["Hopper", "Blackwell"] for p in win.plots.values())
    assert win.run_button.isEnabled()
    win.set_generations([])
    assert not win.run_button.isEnabled() and win.run() == -1


def test_compare_window_fills_the_hall(qtbot, builtin_catalog):
    win = hall_compare_window(qtbot, builtin_catalog, ["hopper", "blackwell"], (20.0, 15.0))
    # the hall is the intent: ticked and held so, the GPU and power boxes off
    assert win.has_hall.isChecked() and not win.has_hall.isEnabled()
    assert not win.gpus.isEnabled() and not win.power_mw.isEnabled()
    assert win.intent() == {"gpus": None, "power_mw": None,
                            "generations": ["hopper", "blackwell"], "hall": (20.0, 15.0)}
    with qtbot.waitSignal(win.compared, timeout=120_000) as sig:
        win.run()
    rows = sig.args[0]
    # GB200 NVL72 scalable units fit four deep in the hall turned round (15 x 20 m): their
    # network racks now stand in line in the SUs' rows (it was three with a separate
    # network row between the compute rows)
    assert [(r.param_value, r.gpus, r.fits_hall) for r in rows] == [(4, 1024, True),
                                                                   (4, 2304, True)]
    assert "the most whole blocks that fit the 20 × 15 m hall" in win.status.text()
    assert "row length fitted" not in win.status.text()
    assert win.short_generations == []
    win.by_gpus.setChecked(True)
    assert win.has_hall.isEnabled() and win.intent()["gpus"] == win.gpus.value()


def test_retarget_opens_a_new_document(qtbot, window, builtin_catalog):
    dlg = RetargetDialog(window.document.layout, window, builtin_catalog)
    qtbot.addWidget(dlg)
    assert dlg.generation.findData("hopper") < 0  # not the layout's own generation
    assert dlg.target() == "blackwell"  # the next generation, an upgrade, by default
    bw = instantiate("dgx-b200-superpod", {}, catalog=builtin_catalog)
    later = RetargetDialog(bw, window, builtin_catalog)
    qtbot.addWidget(later)
    assert later.target() == "blackwell-ultra"
    later.reject()
    # Hopper hardware in a layout relabelled Blackwell: its own generation comes first
    relabelled = window.document.layout.model_copy(update={"generation": "blackwell"})
    own = RetargetDialog(relabelled, window, builtin_catalog)
    qtbot.addWidget(own)
    assert own.target() == "blackwell" and own.generation.currentText().startswith(
        "Blackwell (its own: maps the ")
    own.reject()
    dlg.set_target("blackwell")
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.generation == "blackwell",
                    timeout=60_000)
    assert "NVIDIA DGX H100 → NVIDIA DGX B200" in dlg.summary.toPlainText() and dlg.ok_button.isEnabled()
    before = window.document.layout
    new = open_in_new_window(window, dlg.result.layout, "retargeted")
    qtbot.addWidget(new, before_close_func=lambda w: setattr(w, "_force_close", True))
    assert new is not window and new.document.layout.generation == "blackwell"
    assert window.document.layout is before
    # the retargeted design exists nowhere on disk yet: closing it must ask
    assert new.document.is_modified and new.isWindowModified()


def test_retarget_to_its_own_generation_maps_hardware_of_another(qtbot, window,
                                                                  builtin_catalog):
    # a Hopper layout with one rack of DGX B200 (GEN-MIXED): Hopper is offered first, and
    # maps just those servers, to the Hopper flagship
    from engine.model import MountedDevice

    lay = window.document.layout
    first = lay.racks[0]
    mixed = lay.model_copy(update={"racks": [first.model_copy(update={"devices": [
        MountedDevice(type="dgx-b200", u=d.u) for d in first.devices]}), *lay.racks[1:]]})
    n = 8 * len(first.devices)
    dlg = RetargetDialog(mixed, window, builtin_catalog)
    qtbot.addWidget(dlg)
    assert dlg.target() == "hopper"
    assert dlg.generation.currentText() == \
        f"Hopper (its own: maps the {n:,} GPUs of other generations)"
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.generation == "hopper",
                    timeout=60_000)
    assert "NVIDIA DGX B200 → NVIDIA DGX H100" in dlg.summary.toPlainText()
    assert {d.type for r in dlg.result.layout.racks for d in r.devices} >= {"dgx-h100"}
    assert "dgx-b200" not in {d.type for r in dlg.result.layout.racks for d in r.devices}
    dlg.reject()


def test_retarget_lists_the_generations_servers_and_says_what_the_rules_will_say(
        qtbot, window, builtin_catalog, tmp_path):
    """An air-cooled hall to AMD: MI325X (air) by default, MI355X (liquid) on request,
    with the rules it breaks in the summary before anything opens."""
    dlg = RetargetDialog(window.document.layout, window, builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.set_target("amd-instinct")
    qtbot.waitUntil(lambda: dlg.result is not None
                    and dlg.result.generation == "amd-instinct", timeout=60_000)
    items = [dlg.server.itemText(i) for i in range(dlg.server.count())]
    assert items[0].startswith("AMD Instinct MI325X 8-GPU platform (OEM) (default: the layout "
                               "is air-cooled")
    assert any(t.startswith("AMD Instinct MI355X") and t.endswith("(liquid)") for t in items)
    assert dlg.result.server == "mi325x-8gpu"
    assert "design rules: " in dlg.summary.toPlainText()
    dlg.set_server("mi355x-8gpu")
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.server == "mi355x-8gpu",
                    timeout=60_000)
    assert "newly failing: " in dlg.summary.toPlainText() and dlg.ok_button.isEnabled()
    dlg.grab().save(str(tmp_path / "retarget.png"))


def test_retarget_that_maps_no_gpu_cannot_be_opened(qtbot, window, builtin_catalog):
    from engine.templates import instantiate

    nvl = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    dlg = RetargetDialog(nvl, window, builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.set_target("hopper")
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.generation == "hopper",
                    timeout=60_000)
    text = dlg.summary.toPlainText()
    assert not dlg.ok_button.isEnabled() and dlg.ok_button.text() == "No GPUs can be mapped"
    # the racks that cannot be mapped say so once, not once each
    assert text.count("has no rack-scale equivalent") == 1 and "8 racks (" in text


def test_quit_closes_every_window_of_the_application(qtbot, window):
    new = open_in_new_window(window, window.document.layout, "a copy", unsaved=False)
    # it fits the screen, as a first window does (or is as small as its panels allow: the
    # test screen is 800 px wide)
    room, least = new.screen().availableGeometry(), new.minimumSizeHint()
    assert new.width() <= max(room.width(), least.width())
    assert new.height() <= max(room.height(), least.height())
    gone = []
    new.destroyed.connect(lambda *_: gone.append(True))  # it deletes itself on close
    assert new.isVisible()
    window._force_close = True
    window.actions_by_name["quit"].trigger()
    qtbot.waitUntil(lambda: bool(gone), timeout=5000)
    assert not window.isVisible()


def test_compare_opens_on_the_design_open_now(qtbot, window, monkeypatch):
    from designer.library.compare_window import CompareWindow

    runs = []
    monkeypatch.setattr(CompareWindow, "run", lambda self: runs.append(self.intent()["gpus"]))
    win = library.compare_action(window)
    qtbot.addWidget(win)
    assert win.gpus.value() == 512 and runs == [512]  # the default hall, compared at once
    win.close()
    window.document.remove_device(window.document.layout.racks[0].id,
                                  window.document.layout.racks[0].devices[0].u)
    assert library.compare_action(window) is win
    assert win.gpus.value() == 504  # reopened: the intent follows the design


def test_compare_marks_a_generation_short_of_the_intent(qtbot, builtin_catalog):
    from PySide6.QtCore import Qt

    from engine.compare import CompareRow

    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.resize(1200, 900)
    win.show()
    note = ("short: the template takes at most 16 scalable units, reaching 4096 of 8000 GPUs; the template's "
            "largest SuperPOD")
    rows = [CompareRow("hopper", "dgx-h100-superpod", "scalable_units", 16, gpus=4096,
                       it_mw=5.6, gpus_per_mw=730.0, optics=9000, note=note),
            CompareRow("blackwell", "dgx-gb200-superpod", "scalable_units", 15, gpus=8640,
                       it_mw=13.2, gpus_per_mw=650.0, optics=30000)]
    win._run_intent = {"gpus": 8000, "power_mw": None, "generations": ["hopper", "blackwell"],
                       "hall": None}
    win.show_rows(rows)
    assert win.short_generations == ["hopper"]
    m = win.model
    assert m.headerData(0, Qt.Orientation.Horizontal).endswith("short")
    assert not m.headerData(1, Qt.Orientation.Horizontal).endswith("short")
    gpus_row = [f[1] for f in FIGURES].index("gpus")
    assert m.data(m.index(gpus_row, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert m.data(m.index(gpus_row, 1), Qt.ItemDataRole.ForegroundRole) is None
    labels = [it.textItem.toPlainText() for it in win.plots["it_mw"].items
              if hasattr(it, "textItem")]
    assert labels[0].endswith("short") and not labels[1].endswith("short")
    # the note wraps in a taller row instead of being cut off
    note_row = [f[1] for f in FIGURES].index("note")
    assert win.table.rowHeight(note_row) > win.table.rowHeight(gpus_row)
    assert win.table.wordWrap()
    # every y axis says its unit
    for _title, key, unit in __import__("designer.library.compare_window",
                                        fromlist=["CHARTS"]).CHARTS:
        assert unit and win.plots[key].getAxis("left").labelText == unit


def test_compare_says_why_a_design_misses_the_hall_and_which_rules_warn(qtbot,
                                                                       builtin_catalog):
    """For a 15 x 10 m hall and 504 GPUs, which every generation misses, each says why,
    not "no" with an empty note and a bare warning count."""
    from PySide6.QtCore import Qt

    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.resize(1440, 940)
    win.show()
    win.set_generations(["hopper", "blackwell-ultra"])
    win.gpus.setValue(504)
    win.has_hall.setChecked(True)
    win.hall_w.setValue(12.0)
    win.hall_d.setValue(10.0)
    with qtbot.waitSignal(win.compared, timeout=120_000) as sig:
        win.run()
    rows = sig.args[0]
    m = win.model
    keys = [f[1] for f in FIGURES]
    fits, warn, note = keys.index("fits_hall"), keys.index("warnings"), keys.index("note")
    tip = Qt.ItemDataRole.ToolTipRole
    for col, row in enumerate(rows):
        w, d = row.hall_m
        assert row.fits_hall is False and row.hall_note
        assert m.data(m.index(fits, col)) == f"no: needs {w:g} × {d:g} m"
        assert m.data(m.index(fits, col), tip).startswith(f"laid out it needs {w:g} × {d:g} m")
        shown = m.data(m.index(note, col))
        # (the hall is tried both ways round: the note names the way that misses less)
        assert "deeper" in shown and ("than the 12 × 10 m hall" in shown
                                      or "than the 10 × 12 m hall" in shown)
    ultra = rows[1]
    assert ultra.warnings and ultra.warning_rules
    cell = m.data(m.index(warn, 1))
    assert cell == f"{ultra.warnings}: {', '.join(ultra.warning_rules)}"
    # a design that misses the hall fails the comparison's own rule; the warnings cell
    # lists the warnings
    assert all("COMPARE-HALL" in r.failing_rules for r in rows)
    for v in (v for v in ultra.violations if v["severity"] != "error"):
        assert f"{v['code']}: {v['message']}" in m.data(m.index(warn, 1), tip) \
            or f"{v['code']} × {v['count']}: {v['message']}" in m.data(m.index(warn, 1), tip)
    # the explanation wraps in a taller row instead of being cut off
    gpus_row = keys.index("gpus")
    assert win.table.rowHeight(note) > win.table.rowHeight(gpus_row)
    assert win.table.rowHeight(fits) >= win.table.rowHeight(gpus_row)


def test_compare_lists_the_messages_of_failing_rules(qtbot, builtin_catalog):
    from PySide6.QtCore import Qt

    from designer.library.compare_window import rule_details
    from engine.compare import CompareRow

    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    row = CompareRow("hopper", "dgx-h100-superpod", "scalable_units", 16, gpus=4096,
                     fits_hall=False, hall_m=(40.0, 30.0), failing_rules=["FLOOR-OUTSIDE"],
                     violations=[{"code": "FLOOR-OUTSIDE", "severity": "error", "count": 52,
                                  "message": "RK-0001 is outside the hall outline"}],
                     hall_note="laid out it needs 40 x 30 m: 28 m wider than the 12 x 30 m "
                               "hall; 52 of its racks and units stand outside it")
    win._run_intent = {"gpus": 4096, "power_mw": None, "generations": ["hopper"],
                       "hall": (12.0, 30.0)}
    win.show_rows([row])
    m = win.model
    failing = [f[1] for f in FIGURES].index("failing_rules")
    assert m.data(m.index(failing, 0)) == "FLOOR-OUTSIDE"
    assert m.data(m.index(failing, 0), Qt.ItemDataRole.ToolTipRole) == \
        "FLOOR-OUTSIDE × 52: RK-0001 is outside the hall outline"
    assert rule_details(row, "warning") is None
    note = [f[1] for f in FIGURES].index("note")
    assert m.data(m.index(note, 0)) == ("28 m wider than the 12 × 30 m hall; 52 of its racks "
                                        "and units stand outside it")


def test_import_bundle_opens_in_the_folder_last_used_for_bundles(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "bundles"
    folder.mkdir()
    starts = []

    def pick(_parent, _title, start, _filter):
        starts.append(start)
        return str(folder / "team.rsbundle"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick)
    monkeypatch.setattr(bundles, "import_bundle_interactive", lambda *_a, **_k: None)
    bundles.import_bundle_action(None)
    bundles.import_bundle_action(None)
    assert starts[1] == str(folder), "the second import starts where the first one was"
    dlg = ExportBundleDialog(None)
    qtbot.addWidget(dlg)
    assert dlg.path_edit.text() == str(folder / "my-templates.rsbundle")


def test_the_preview_names_the_rules_that_fail(builtin_catalog):
    from designer.library.new_from_template import preview_figures
    from engine.templates import get_template, instantiate

    clean = preview_figures(get_template("dgx-h100-hall"), {"racks": 4}, builtin_catalog)
    assert clean["violation_codes"] == []  # the template checks clean at its defaults
    # one rack saved without its busways or cooling: unfed and uncooled
    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=builtin_catalog)
    t = template_from_selection(lay, [lay.racks[0].id], "lonely", "A lonely rack")
    fig = preview_figures(t, {"copies": 1}, builtin_catalog)
    codes = [c.split(" (")[0] for c in fig["violation_codes"]]
    assert "POWER-UNFED" in codes and all(" × " in c for c in fig["violation_codes"])


# -- one file per template id ------------------------------------------------------------------

def test_replace_after_a_renamed_import_changes_the_template_the_library_shows(
        qtbot, monkeypatch, isolated_user_dir, messages, default_layout, builtin_catalog):
    """A bundle imported onto itself with Rename put "…-2" at the top of the library; saving
    a selection as "…-2" with Replace wrote a second file under hopper/ that nothing read."""
    from engine.bundle import export_bundle
    from engine.snapshot import save_user_template

    lib = isolated_user_dir / "templates"
    t = template_from_selection(default_layout, [default_layout.racks[0].id], "hall-block",
                                "Hall block", catalog=builtin_catalog)
    save_user_template(t)
    bundle = isolated_user_dir / "mine.rsbundle"
    export_bundle(["hall-block"], bundle)
    # the library's copy changed since the export (the same copy is not imported again)
    save_user_template(t.model_copy(update={"description": "edited since"}), overwrite=True)
    monkeypatch.setattr(bundles, "ask_clash", lambda _p, ids, *_a: "rename")
    res = import_bundle_interactive(None, bundle)
    assert res.files == [lib / "hopper" / "hall-block-2.json"]
    ids = [r.id for r in default_layout.racks[:2]]
    dlg = SaveSelectionAsTemplateDialog(default_layout, ids, catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.id_edit.setText("hall-block-2")
    dlg.title_edit.setText("Two racks, replaced")
    dlg.overwrite.setChecked(True)
    assert dlg.target.text() == f"Replaces: {res.files[0]}"
    assert dlg.save() == res.files[0]
    assert sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*.json")) == \
        ["hopper/hall-block-2.json", "hopper/hall-block.json"]
    new = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(new)
    assert new.templates["hall-block-2"].title == "Two racks, replaced"
    assert new.skipped == []
    new.done(0)
    for path in lib.rglob("hall-block*.json"):
        path.unlink()


def test_two_files_of_one_id_are_named_where_library_problems_show(qtbot, isolated_user_dir,
                                                                    builtin_catalog,
                                                                    default_layout):
    from engine.snapshot import save_user_template

    lib = isolated_user_dir / "templates"
    t = template_from_selection(default_layout, [default_layout.racks[0].id], "twice",
                                "Saved twice", catalog=builtin_catalog)
    used = save_user_template(t)
    ignored = lib / "twice.json"
    ignored.write_bytes(used.read_bytes().replace(b"Saved twice", b"Older copy"))
    try:
        dlg = NewFromTemplateDialog(catalog=builtin_catalog)
        qtbot.addWidget(dlg)
        assert dlg.templates["twice"].title == "Saved twice"
        assert [f for f, _ in dlg.skipped] == [ignored]
        why = dlg.skipped[0][1]
        assert why.startswith(f"template: same template id 'twice' as {used}, which is used "
                              "instead")
        assert "built-in" not in why
        assert dlg.skipped_label.text().startswith("Skipped twice.json, a user template: "
                                                   "same template id")
        dlg.done(0)
    finally:
        ignored.unlink()
        used.unlink()


# -- new from template: keyboard and preselection -------------------------------------------------

def test_the_description_is_one_tab_stop(qtbot, builtin_catalog):
    """The GB200 description's 22 reference links each took a Tab before the form."""
    from PySide6.QtWidgets import QApplication

    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.select_template("gb200-nvl72-superpod")
    view = dlg.description
    assert view.toHtml().count("href=") > 20  # reference marks and source links
    view.setFocus()
    QApplication.processEvents()
    assert view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert not view.hasFocus()
    # from the list, Tab goes to the description once, each parameter, then Create
    dlg.tree.setFocus()
    stops = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
        if stops[-1] is dlg.ok_button:
            break
    assert stops == [view, *dlg.editors.values(), dlg.ok_button]
    # the links still answer the mouse
    assert view.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByMouse
    dlg.done(0)


def test_new_from_template_opens_on_the_designs_own_template(qtbot, window, monkeypatch,
                                                             builtin_catalog):
    """A GB200 design opened the dialog on the DGX B200 SuperPOD, the first Blackwell one."""
    from engine.templates import instantiate

    window.document.set_layout(instantiate("gb200-nvl72-superpod", {"scalable_units": 1},
                                           catalog=builtin_catalog))
    seen = {}

    def fake_exec(dlg):
        seen["id"] = dlg.current().id
        return 0

    monkeypatch.setattr(NewFromTemplateDialog, "exec", fake_exec)
    library.new_from_template_action(window)
    assert seen["id"] == "gb200-nvl72-superpod"
    # a design that does not name its template: the first of its generation
    lay = window.document.layout.model_copy(update={"name": "Hall 3"})
    dlg = NewFromTemplateDialog(catalog=builtin_catalog, layout=lay)
    qtbot.addWidget(dlg)
    first = next(t.id for t in dlg.templates.values() if t.generation == "blackwell")
    assert dlg.current().id == first != "gb200-nvl72-superpod"
    dlg.done(0)


# -- save selection: id as typed, fabric note ---------------------------------------------------

def test_the_id_field_keeps_what_is_typed(qtbot, default_layout, tmp_path, builtin_catalog):
    dlg = SaveSelectionAsTemplateDialog(default_layout, [default_layout.racks[0].id],
                                        catalog=builtin_catalog, user_dir=tmp_path)
    qtbot.addWidget(dlg)
    dlg.id_edit.clear()
    qtbot.keyClicks(dlg.id_edit, "Bad Id!")
    assert dlg.id_edit.text() == "bad-id!"  # was "add": capitals and the space vanished
    assert dlg.error.text() == "Id: “!” cannot be in an id; use lower-case letters, digits " \
                               "and '-'."
    assert not dlg.ok_button.isEnabled()
    qtbot.keyClick(dlg.id_edit, Qt.Key.Key_Backspace)
    assert dlg.id_edit.text() == "bad-id" and dlg.error.text() == ""
    assert dlg.ok_button.isEnabled()
    assert dlg.target.text() == f"File: {tmp_path / 'hopper' / 'bad-id.json'}"


def test_saving_part_of_a_fabric_says_it_is_re_derived(qtbot, builtin_catalog, tmp_path):
    from engine.templates import instantiate

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 2}, catalog=builtin_catalog)
    ids = [r.id for r in lay.racks if r.system][:4] + lay.fabrics[0].network_racks[:6]
    dlg = SaveSelectionAsTemplateDialog(lay, ids, catalog=builtin_catalog, user_dir=tmp_path)
    qtbot.addWidget(dlg)
    assert dlg.fabric_note.isVisibleTo(dlg)
    assert dlg.fabric_note.text() == (
        "Network: fabric compute is re-derived for the 4 racks saved (the design's has 16): "
        "56 switches (32 leaf, 24 spine) in its 6 network racks; copies of the block join "
        "this one fabric.")
    dlg.id_edit.setText("gb200-quarter")
    t = read_template_file(dlg.save())
    assert "join one fabric" in t.parameters[0].help


# -- bundle wording -------------------------------------------------------------------------------

def test_clash_question_calls_a_built_in_template_built_in(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    assert bundles.ask_clash(None, ["fat-tree"], ["fat-tree"]) is None  # closed: Cancel
    box = shown[-1]
    assert box.windowTitle() == "Built-in templates in the bundle"
    assert box.text() == "This bundle has 1 template with the id of a built-in template: " \
                         "fat-tree."
    assert "already in your library" not in box.text()
    bundles.ask_clash(None, ["mine", "yours", "fat-tree"], ["fat-tree"])
    assert shown[-1].text() == ("This bundle has 1 template with the id of a built-in "
                                "template: fat-tree. 2 of its other templates are already in your "
                                "library: mine, yours.")
    bundles.ask_clash(None, ["mine"])
    assert shown[-1].text() == "1 template of this bundle is already in your library: mine."


def test_an_import_that_installs_nothing_says_so(tmp_path, monkeypatch, messages):
    from engine.bundle import export_bundle

    out = tmp_path / "b.rsbundle"
    export_bundle(["fat-tree", "cpu-cluster"], out, user_dir=None)
    monkeypatch.setattr(bundles, "ask_clash", lambda _p, ids, *_a: "skip")
    res = import_bundle_interactive(None, out, user_dir=tmp_path / "lib")
    assert res.is_empty
    assert messages[-1] == ("information", "Nothing imported",
                            "Nothing from b.rsbundle was installed: skipped 2 templates whose "
                            "ids were taken (fat-tree, cpu-cluster).")
    monkeypatch.setattr(bundles, "ask_clash", lambda _p, ids, *_a: "rename")
    import_bundle_interactive(None, out, user_dir=tmp_path / "lib")
    assert messages[-1][1] == "Bundle imported"
    assert messages[-1][2].startswith("b.rsbundle: installed 2 templates (fat-tree-2, "
                                      "cpu-cluster-2)")


def test_an_empty_bundle_file_is_called_empty(tmp_path, messages):
    empty = tmp_path / "empty.rsbundle"
    empty.write_bytes(b"")
    assert import_bundle_interactive(None, empty, user_dir=tmp_path / "lib") is None
    kind, title, text = messages[-1]
    assert (kind, title) == ("critical", "Bundle refused")
    assert text.startswith("empty.rsbundle was not imported: ")
    assert "but the file is empty (0 bytes)" in text and "File is not a zip file" not in text


def test_export_list_shows_each_templates_id_and_library(qtbot, tmp_path, default_layout,
                                                         builtin_catalog):
    """Two user copies of one long title read the same, cut short, with no id."""
    from engine.snapshot import save_user_template

    title = "NVIDIA DGX SuperPOD with DGX GB200 NVL72 — selection"
    for tid in ("west-rows", "west-rows-2"):
        save_user_template(template_from_selection(default_layout, [default_layout.racks[0].id],
                                                   tid, title, catalog=builtin_catalog),
                           user_dir=tmp_path)
    dlg = ExportBundleDialog(user_dir=tmp_path, path=tmp_path / "x.rsbundle")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert [dlg.tree.headerItem().text(c) for c in range(4)] == ["Template", "Id", "Library",
                                                                 "Version"]
    rows = {it.text(1): (it.text(0), it.text(2)) for it in dlg._items()}
    assert rows["west-rows"] == rows["west-rows-2"] == (title, "user")
    assert rows["fat-tree"][1] == "built-in"
    # ids whole, and the title has the room they leave: the whole title shows
    fm = dlg.tree.fontMetrics()
    assert dlg.tree.columnWidth(1) >= fm.horizontalAdvance("gb300-nvl72-superpod")
    # (its indentation under the generation, and the tick box)
    room = dlg.tree.columnWidth(0) - 2 * dlg.tree.indentation() - 24
    assert room >= fm.horizontalAdvance(title)


def test_save_dialog_says_when_racks_hold_another_generations_gpus(qtbot, tmp_path,
                                                                   default_layout,
                                                                   builtin_catalog):
    from engine.model import MountedDevice

    lay = default_layout
    racks = list(lay.racks)
    racks[0] = racks[0].model_copy(update={"devices": [MountedDevice(type="dgx-b200", u=3)]})
    lay = lay.model_copy(update={"racks": racks})
    ids = [r.id for r in racks[:3]]
    dlg = SaveSelectionAsTemplateDialog(lay, ids, catalog=builtin_catalog, user_dir=tmp_path)
    qtbot.addWidget(dlg)
    text = dlg.summary.text()
    assert "as a Hopper template" in text
    assert "1 of the racks holds Blackwell GPUs: laid out, they are marked GEN-MIXED" in text


def test_replacing_a_template_that_is_no_regular_file_is_said_in_the_form(
        qtbot, window, isolated_user_dir, builtin_catalog):
    # a named pipe where the template file would be (a read-only file is refused the same
    # way): the form says where and why, the dialog stays, nothing is written
    import os

    folder = isolated_user_dir / "templates" / "hopper"
    folder.mkdir(parents=True, exist_ok=True)
    pipe = folder / "pipe-block.json"
    os.mkfifo(pipe)
    ids = [r.id for r in window.document.layout.racks[:2]]
    dlg = SaveSelectionAsTemplateDialog(window.document.layout, ids, window, builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.id_edit.setText("pipe-block")
    dlg.title_edit.setText("Pipe")
    dlg.overwrite.setChecked(True)
    assert dlg.save() is None
    assert dlg.error.text().startswith(f"Cannot write {pipe}: expected")
    assert pipe.is_fifo()
    pipe.unlink()
