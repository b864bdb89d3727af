"""The File and Edit menus of the main window: Open Recent labels, open errors, export
confirmation, the unsaved-changes question before a new design, Duplicate."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.io import save_layout


def test_open_recent_tells_apart_files_of_the_same_name(window, tmp_path):
    doc = window.document
    paths = []
    for folder in ("review-a", "review-b"):
        (tmp_path / folder).mkdir()
        p = tmp_path / folder / "edited.json"
        save_layout(doc.layout, p)
        paths.append(p)
    other = tmp_path / "hall.json"
    save_layout(doc.layout, other)
    QSettings().setValue("recent_files", [])
    for p in (*paths, other):
        assert window.open_path(p)
    window.recent_menu.aboutToShow.emit()
    acts = {a.text(): a for a in window.recent_menu.actions() if a.toolTip().endswith(".json")}
    # every label names its folder (its end, when long): the two of one name read apart
    assert len(acts) == 3
    by_file = {a.toolTip(): label for label, a in acts.items()}
    for p in (*paths, other):
        label = by_file[str(p.resolve())]
        assert label.startswith(f"{p.name} — ") and label.endswith(p.parent.name)
        assert acts[label].statusTip() == str(p.resolve())
    assert window.recent_menu.toolTipsVisible()
    acts[by_file[str(paths[1].resolve())]].trigger()
    assert doc.path == paths[1]


def _capture_box(monkeypatch):
    """Record the message boxes the window shows (and close them at once)."""
    shown = []

    def exec_(box):
        shown.append({"text": box.text(), "info": box.informativeText(),
                      "details": box.detailedText()})
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    # a one-line critical box, as the window used to show, never waits either
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(
        {"text": a[2], "info": "", "details": ""}))
    return shown


def test_open_error_of_a_truncated_file_says_where(window, tmp_path, monkeypatch):
    bad = tmp_path / "trunc.json"
    text = json.dumps({"name": "a hall", "author": "someone"}, indent=1)
    bad.write_text(text[:text.index("someone") + 3])
    shown = _capture_box(monkeypatch)
    assert not window.open_path(bad)
    msg = shown[0]["text"]
    assert msg.startswith("trunc.json is not valid JSON: Unterminated string starting at line 3")
    assert msg.endswith(".") and "column" in msg


def test_open_error_of_a_schema_error_lists_every_problem(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "racks": "notalist", "cooling": 3}))
    shown = _capture_box(monkeypatch)
    before = window.document.layout
    assert not window.open_path(bad)
    assert window.document.layout is before
    box = shown[0]
    assert "more problem" not in box["text"] and "3 problems" in box["text"]
    for line in ("hall: expected this required field", "racks: expected a valid list",
                 "cooling: expected a valid list"):
        assert line in box["details"] and line in box["info"]


def test_export_says_which_files_it_wrote(window, tmp_path, monkeypatch):
    bar = window.statusBar()
    target = tmp_path / "hall report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "PDF design report (*.pdf)"))
    bar.clearMessage()
    window.actions_by_name["export"].trigger()
    assert target.exists()
    assert bar.currentMessage() == f"Exported {target}"
    # a CSV export writes a file per table: each is named, in their folder
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "t.csv"), "CSV tables (*.csv)"))
    bar.clearMessage()
    window.export()
    written = sorted(p.name for p in tmp_path.glob("t*.csv"))
    assert len(written) > 1
    msg = bar.currentMessage()
    assert msg.startswith(f"Exported {len(written)} files to {tmp_path}: ")
    assert all(name in msg for name in written)


def _edited(window) -> None:
    """Give the window's document an unsaved edit."""
    doc = window.document
    doc.rotate_items([doc.layout.racks[0].id], 90)
    assert doc.is_modified


def _answer_unsaved(monkeypatch, events: list, button: QMessageBox.StandardButton) -> None:
    def exec_(box):
        events.append(("asked", box.text()))
        return button

    monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_new_blank_hall_asks_about_unsaved_changes_before_its_dialog(window, monkeypatch):
    from designer.dialogs import NewHallDialog

    doc = window.document
    _edited(window)
    events: list = []

    def fill_in(dlg):
        events.append(("dialog", None))
        dlg.name.setText("Annex")
        dlg.width_m.setValue(18.0)
        dlg.depth_m.setValue(12.0)
        return 1

    monkeypatch.setattr(NewHallDialog, "exec", fill_in)
    _answer_unsaved(monkeypatch, events, QMessageBox.StandardButton.Cancel)
    before = doc.layout
    window.actions_by_name["new"].trigger()
    # Cancel at the question: no dialog to fill in, the design stays as it was
    assert [e[0] for e in events] == ["asked"] and "Save the changes" in events[0][1]
    assert doc.layout is before and doc.is_modified
    events.clear()
    _answer_unsaved(monkeypatch, events, QMessageBox.StandardButton.Discard)
    window.actions_by_name["new"].trigger()
    assert [e[0] for e in events] == ["asked", "dialog"]
    assert doc.layout.name == "Annex" and not doc.layout.racks
    assert doc.layout.hall.bounds() == (0.0, 0.0, 18.0, 12.0)


def test_new_from_template_asks_about_unsaved_changes_only_at_create(qtbot, window,
                                                                   monkeypatch):
    """The question comes at Create, not before the picker, where Discard and then Cancel
    in the picker would keep the changes, and Discard would have discarded nothing."""
    from designer.library.new_from_template import NewFromTemplateDialog

    doc = window.document
    _edited(window)
    events: list = []
    seen: dict = {}

    def cancel_in_picker(dlg):
        events.append(("dialog", None))
        dlg.reject()
        return 0

    monkeypatch.setattr(NewFromTemplateDialog, "exec", cancel_in_picker)
    _answer_unsaved(monkeypatch, events, QMessageBox.StandardButton.Discard)
    before = doc.layout
    window.actions_by_name["new_template"].trigger()
    # cancelled in the picker: never asked, nothing discarded
    assert [e[0] for e in events] == ["dialog"]
    assert doc.layout is before and doc.is_modified

    def create(dlg):
        events.append(("dialog", None))
        dlg.select_template("dgx-h100-hall")
        dlg.set_value("racks", 4)
        dlg.wait_for_preview()
        qtbot.waitUntil(lambda: dlg.preview is not None
                        and dlg.preview["values"].get("racks") == 4, timeout=60_000)
        dlg.accept()
        seen["open_after_cancel"] = dlg.result() != 1 and dlg.values()["racks"] == 4
        if dlg.layout_result is None:  # Cancel at the question: the dialog stays as it was
            _answer_unsaved(monkeypatch, events, QMessageBox.StandardButton.Discard)
            dlg.accept()
        return int(dlg.layout_result is not None)

    events.clear()
    monkeypatch.setattr(NewFromTemplateDialog, "exec", create)
    _answer_unsaved(monkeypatch, events, QMessageBox.StandardButton.Cancel)
    window.actions_by_name["new_template"].trigger()
    # asked at Create; Cancel there kept the dialog open with its values, then Discard
    assert [e[0] for e in events] == ["dialog", "asked", "asked"]
    assert "Save the changes" in events[1][1] and seen["open_after_cancel"]
    assert doc.layout is not before and len([r for r in doc.layout.racks if r.devices]) == 4


def test_duplicate_puts_the_copy_beside_its_source_along_its_row_and_says_duplicated(window):
    """A hall of two racks turned 90 degrees, back to back. A copy goes where Paste puts
    one, the next place along the source's row (along y for a rack turned a quarter),
    facing the same way, not 2.4 m down into the next row's place, where it would breathe
    its source's exhaust. And the status says "Duplicated", not "Pasted"."""
    from designer.document import LayoutDocument
    from engine.model import Rack

    doc = window.document
    lay = LayoutDocument.blank_layout(20.0, 15.0, "blank")
    lay = lay.model_copy(update={"racks": [
        Rack(id="RK-0001", type="rack-800x1200", x_m=10.0, y_m=9.6, rotation_deg=90),
        Rack(id="RK-0002", type="rack-800x1200", x_m=11.2, y_m=9.6, rotation_deg=90)]})
    doc.set_layout(lay)
    doc.select(["RK-0002"])
    window.actions_by_name["duplicate"].trigger()
    new = [r for r in doc.layout.racks if r.id not in ("RK-0001", "RK-0002")]
    assert len(new) == 1 and doc.selection == [new[0].id]
    copy = new[0]
    # the rack's width (0.8 m) along its row, its x and facing its source's
    assert (copy.x_m, copy.y_m, copy.rotation_deg) == (11.2, pytest.approx(10.4), 90)
    assert window.statusBar().currentMessage() == "Duplicated 1 item"
    # the whole pair: beside it along the row (the copy above is in the way: past it)
    doc.select(["RK-0001", "RK-0002"])
    window.duplicate()
    assert window.statusBar().currentMessage() == "Duplicated 2 items"
    pair = [doc.layout.rack(i) for i in doc.selection]
    assert sorted(r.x_m for r in pair) == [10.0, 11.2]
    assert {round(r.y_m, 6) for r in pair} == {8.8}
    doc.undo_stack.undo()
    assert len(doc.layout.racks) == 3


def _record_save_dialog(monkeypatch) -> list[str]:
    """Record where each Save dialog starts; the user then cancels it."""
    starts: list[str] = []

    def exec_(dlg):
        starts.append(dlg.selectedFiles()[0])
        return 0

    monkeypatch.setattr(QFileDialog, "exec", exec_)
    return starts


def test_save_of_a_retargeted_copy_proposes_a_short_name_beside_its_source(
        qtbot, window, tmp_path, monkeypatch):
    from designer.library import retarget as rt

    doc = window.document
    (tmp_path / "halls").mkdir()
    source = tmp_path / "halls" / "pod.json"
    assert window._save_to(source) and doc.path == source

    def choose_blackwell(dlg):
        dlg.set_target("blackwell")
        qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.generation == "blackwell",
                        timeout=60_000)
        return 1

    monkeypatch.setattr(rt.RetargetDialog, "exec", choose_blackwell)
    new = rt.retarget_action(window)
    qtbot.addWidget(new, before_close_func=lambda w: setattr(w, "_force_close", True))
    assert new.document.path is None and new.document.is_modified
    starts = _record_save_dialog(monkeypatch)
    # Ctrl+W, then Save at the unsaved-changes question
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Save)
    new.actions_by_name["close"].trigger()
    assert starts == [str(tmp_path / "halls" / "pod-blackwell.json")]
    assert new.isVisible()  # the Save dialog was cancelled: the copy stays open
    # retargeted again from the copy, once saved: the generation suffix is replaced
    assert new._save_to(tmp_path / "halls" / "pod-blackwell.json")
    monkeypatch.setattr(rt.RetargetDialog, "exec", lambda dlg: (
        dlg.set_target("rubin"), qtbot.waitUntil(lambda: dlg.result is not None
                                                 and dlg.result.generation == "rubin",
                                                 timeout=60_000), 1)[-1])
    third = rt.retarget_action(new)
    qtbot.addWidget(third, before_close_func=lambda w: setattr(w, "_force_close", True))
    third.save_as()
    assert starts[-1] == str(tmp_path / "halls" / "pod-rubin.json")
    # the copy's own next design forgets the proposal
    third.document.set_layout(third.document.layout)
    assert third.save_suggestion is None


def test_save_of_a_design_from_a_template_proposes_its_id_and_size(
        qtbot, window, tmp_path, monkeypatch):
    from designer import library
    from designer.library.new_from_template import NewFromTemplateDialog

    doc = window.document
    assert window._save_to(tmp_path / "old.json")

    def fill_in(dlg):
        dlg.select_template("dgx-h100-superpod")
        dlg.set_value("scalable_units", 2)
        qtbot.waitUntil(lambda: dlg.preview is not None
                        and dlg.preview["values"].get("scalable_units") == 2, timeout=60_000)
        dlg.accept()
        return 1

    monkeypatch.setattr(NewFromTemplateDialog, "exec", fill_in)
    assert library.new_from_template_action(window)
    assert len(doc.layout.name) > 100 and doc.path is None
    starts = _record_save_dialog(monkeypatch)
    window.actions_by_name["save"].trigger()
    assert starts == [str(tmp_path / "dgx-h100-superpod-scalable-units-2.json")]


def _type_in_save_dialog(name: str, folder, answer: QMessageBox.StandardButton,
                         asked: list[str]) -> None:
    """Type ``name`` into the Save dialog about to open and accept it, as a user does;
    answer the dialog's replace question (if it asks) with ``answer``, recording its text.
    After a No the dialog stays open, and the user then cancels it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    def answer_question(dlg):
        box = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            return
        asked.append(box.text())
        box.button(answer).click()
        if answer == QMessageBox.StandardButton.No:
            # the Save dialog opens again for another name: the user cancels it
            QTimer.singleShot(50, cancel_next)

    def cancel_next():
        dlg = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QFileDialog) and w.isVisible()), None)
        if dlg is None:
            QTimer.singleShot(50, cancel_next)
            return
        dlg.reject()

    def drive():
        dlg = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QFileDialog) and w.isVisible()), None)
        if dlg is None:
            QTimer.singleShot(50, drive)
            return
        dlg.setDirectory(str(folder))
        dlg.findChild(QLineEdit, "fileNameEdit").setText(name)
        QTimer.singleShot(100, lambda: answer_question(dlg))
        dlg.accept()

    QTimer.singleShot(50, drive)


def test_save_as_asks_before_replacing_a_design_named_without_its_suffix(window, tmp_path):
    from engine.templates import instantiate

    other = tmp_path / "other.json"
    save_layout(instantiate("fat-tree", {"k": 4}), other)
    before = other.read_bytes()
    _edited(window)
    asked: list[str] = []
    _type_in_save_dialog("other", tmp_path, QMessageBox.StandardButton.No, asked)
    assert not window.save_as()
    assert other.read_bytes() == before, "a No keeps the other design"
    assert asked and "“other.json” (a Rackscape layout) already exists" in asked[0], \
        "asked about the real file, saying what it is"
    assert window.document.path is None and window.document.is_modified
    asked.clear()
    _type_in_save_dialog("other", tmp_path, QMessageBox.StandardButton.Yes, asked)
    assert window.save_as()
    assert asked and window.document.path == other and other.read_bytes() != before


def test_save_as_keeps_a_suffix_in_capitals_and_asks_for_one_it_adds(window, tmp_path,
                                                                     monkeypatch):
    def choose(path):
        # the name is typed once; should the dialog open again (after a No), it is cancelled
        left = [path]
        monkeypatch.setattr(QFileDialog, "exec", lambda dlg: (
            dlg.selectFile(str(left.pop())), 1)[1] if left else 0)

    choose(tmp_path / "hall.JSON")
    assert window.save_as()
    assert window.document.path == tmp_path / "hall.JSON"
    assert not (tmp_path / "hall.JSON.json").exists()
    # "hall.v2" becomes hall.v2.json, which the dialog never saw: the window asks
    taken = tmp_path / "hall.v2.json"
    taken.write_text("notes\n")
    questions = []

    def answer(box):
        questions.append(box.text())
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", answer)
    choose(tmp_path / "hall.v2")
    assert not window.save_as()
    assert taken.read_text() == "notes\n"
    assert questions == [f"“hall.v2.json” already exists in {tmp_path}. Replace it?"]  # not ours
    assert window.document.path == tmp_path / "hall.JSON"


@pytest.mark.parametrize("blocked", [
    "file in the way",
    pytest.param("read-only folder", marks=pytest.mark.skipif(
        os.geteuid() == 0, reason="root writes in a read-only folder"))])
def test_save_as_succeeds_and_warns_when_crash_recovery_cannot_write(window, tmp_path,
                                                                     monkeypatch, blocked):
    boxes = _capture_box(monkeypatch)
    blocker = tmp_path / "blocker"
    if blocked == "file in the way":
        blocker.write_text("")
    else:
        (blocker / "recovery").mkdir(parents=True)
        (blocker / "recovery").chmod(0o555)
    monkeypatch.setenv("RACKSCAPE_RECOVERY_DIR", str(blocker / "recovery"))
    doc = window.document
    doc.set_layout(doc.layout)
    _edited(window)
    target = tmp_path / "r.json"
    monkeypatch.setattr(QFileDialog, "exec", lambda dlg: (dlg.selectFile(str(target)), 1)[1])
    try:
        assert window.save_as()
    finally:
        if blocked != "file in the way":
            (blocker / "recovery").chmod(0o755)
    assert boxes == [] and target.exists()
    assert doc.path == target and not doc.is_modified
    assert window._recent()[0] == str(target.resolve())
    assert window.windowTitle().startswith("r.json")
    msg = window.statusBar().currentMessage()
    assert msg.startswith(f"Saved {target}. Crash recovery is off: cannot write recovery files "
                          f"to {blocker / 'recovery'}")


@pytest.mark.parametrize("case", [
    "folder", "read-only file",
    pytest.param("read-only folder", marks=pytest.mark.skipif(
        os.geteuid() == 0, reason="root writes in a read-only folder"))])
def test_a_failed_save_says_why_in_one_sentence(window, tmp_path, monkeypatch, case):
    shown = _capture_box(monkeypatch)
    folder = tmp_path / "halls"
    folder.mkdir()
    target = folder / "hall.json"
    if case == "folder":
        target.mkdir()
    elif case == "read-only file":
        save_layout(window.document.layout, target)
        target.chmod(0o444)
    else:
        folder.chmod(0o555)
    _edited(window)
    try:
        assert not window._save_to(target)
    finally:
        folder.chmod(0o755)
    reason = {"folder": "expected a regular file (this is a folder)",
              "read-only file": "expected a writable file (this one is read-only)",
              "read-only folder": "the folder does not allow it (Permission denied)"}[case]
    assert [b["text"] for b in shown] == [f"Cannot save “hall.json” in {folder}: {reason}."]
    assert window.document.path is None and window.document.is_modified


def test_save_as_refuses_a_template_and_rackscape_s_own_folders(
        qtbot, window, tmp_path, monkeypatch):
    """As the command line does: a layout never replaces a template, and nothing is saved
    in the folders Rackscape reads templates and catalog files from (every file there is
    read as one). The dialog says why and asks again."""
    from engine.catalog import user_catalog_dir

    template = tmp_path / "tpl.json"
    template.write_text('{"schema": "rackscape.template/1", "hall": {}}', encoding="utf-8")
    before = template.read_bytes()
    catalog_file = user_catalog_dir() / "hall.json"
    folder = tmp_path / "halls.json"
    folder.mkdir()
    answers = [str(template), str(catalog_file), str(folder)]
    warned: list[str] = []
    state = {"file": ""}

    def exec_(dlg):
        if not answers:
            return 0  # the user gives up: Cancel
        state["file"] = answers.pop(0)
        return 1

    monkeypatch.setattr(QFileDialog, "exec", exec_)
    monkeypatch.setattr(QFileDialog, "selectedFiles", lambda dlg: [state["file"]])
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text: warned.append(text))
    assert not window.save_as()
    assert template.read_bytes() == before and not catalog_file.exists()
    assert "is a Rackscape template, which a layout cannot replace" in warned[0]
    assert "would go in the user catalog folder" in warned[1]
    assert "“halls.json” is a folder" in warned[2]
    assert window.document.path is None and len(warned) == 3


def test_save_asks_before_replacing_a_file_another_window_wrote(window, tmp_path, monkeypatch):
    """Two windows on one file: the second save asks rather than silently replacing the
    other window's work; Cancel keeps the file as the other wrote it."""
    import os

    path = tmp_path / "hall.json"
    assert window._save_to(path)
    _edited(window)
    other = path.read_bytes().replace(b'"name"', b'"name" ', 1)  # another writer's save
    path.write_bytes(other)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    asked = []

    def answer(box):
        asked.append(box.text())
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert not window.save()
    assert path.read_bytes() == other and "was changed on disk" in asked[0]
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Save)
    assert window.save() and path.read_bytes() != other
    # saved here: the next save asks nothing
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail("asked again"))
    _edited(window)
    assert window.save()
