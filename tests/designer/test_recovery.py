"""Autosave and crash recovery: a killed session's changes come back on the next start."""

from __future__ import annotations

import json
import os

import pytest

from designer import recovery
from designer.document import LayoutDocument


def _new_doc(catalog, layout=None, **kw):
    return LayoutDocument(layout, catalog=catalog, analysis_mode="sync", autosave_ms=0, **kw)


def test_recovery_after_a_simulated_crash(qapp, default_layout, builtin_catalog, recovery_dir,
                                          tmp_path):
    path = tmp_path / "hall.json"
    doc = _new_doc(builtin_catalog, default_layout)
    doc.save(path)
    rid = doc.layout.racks[0].id
    doc.move_items({rid: (7.0, 8.4)})
    assert doc.autosave(), "dirty since the last write: the timer writes a recovery file"
    assert not doc.autosave(), "nothing new: no write"
    edited = doc.layout.model_dump()
    crashed_file = doc.recovery_path
    assert crashed_file.exists()
    del doc  # the crash: no close(), the recovery file stays

    fresh = _new_doc(builtin_catalog)
    fresh.open(path)
    assert fresh.layout.model_dump() != edited
    found = recovery.pending_recoveries(path)
    assert [r.path for r in found] == [crashed_file]
    assert found[0].document == path.resolve()
    fresh.restore_recovery(found[0])
    assert fresh.layout.model_dump() == edited
    assert fresh.is_modified and fresh.path == path.resolve()
    assert not crashed_file.exists()
    assert recovery.pending_recoveries(path, exclude=fresh.recovery_path) == []
    fresh.close()
    assert not fresh.recovery_path.exists(), "a clean close leaves no recovery file"


def test_unsaved_design_is_recovered_too(qapp, default_layout, builtin_catalog, recovery_dir):
    doc = _new_doc(builtin_catalog, default_layout)
    doc.remove_items([doc.layout.racks[0].id])
    doc.write_recovery()
    edited = doc.layout.model_dump()
    del doc
    found = recovery.pending_recoveries(None)
    assert len(found) == 1 and found[0].document is None
    fresh = _new_doc(builtin_catalog)
    fresh.restore_recovery(found[0])
    assert fresh.layout.model_dump() == edited and fresh.path is None
    fresh.close()


def test_save_point_copy_equal_to_the_file_is_not_offered(qapp, default_layout, builtin_catalog,
                                                          recovery_dir, tmp_path):
    path = tmp_path / "hall.json"
    doc = _new_doc(builtin_catalog, default_layout)
    doc.save(path)  # writes the recovery file at the save point
    assert doc.recovery_path.exists()
    del doc
    assert recovery.pending_recoveries(path) == []


def test_another_running_rackscape_keeps_its_recovery(qapp, default_layout, recovery_dir):
    target = recovery.new_recovery_path()
    recovery.write_recovery(default_layout, None, target)
    data = json.loads(target.read_text())
    data["pid"] = os.getppid()  # alive, and not us: another window still open
    data["started"] = recovery.process_started(os.getppid())
    target.write_text(json.dumps(data))
    assert recovery.pending_recoveries(None) == []
    data["pid"] = 2 ** 22 + 12345  # no such process: that session died
    target.write_text(json.dumps(data))
    assert len(recovery.pending_recoveries(None)) == 1


@pytest.mark.skipif(recovery.process_started(os.getpid()) is None,
                    reason="the system does not say when a process started")
def test_a_crashed_sessions_pid_now_used_by_another_program(qapp, default_layout, recovery_dir):
    import subprocess

    target = recovery.new_recovery_path()
    recovery.write_recovery(default_layout, None, target)
    data = json.loads(target.read_text())
    assert data["started"] == recovery.process_started(os.getpid())
    data["pid"] = os.getppid()  # the number came back, for a process started at another time
    data["started"] = "another-boot:1"
    target.write_text(json.dumps(data))
    assert len(recovery.pending_recoveries(None)) == 1
    # a file that does not say when its session started: the command line tells
    del data["started"]
    # "rackscape" is the shell's $0 here; the trailing ":" keeps the shell from exec'ing sleep
    children = [subprocess.Popen(["sleep", "60"]),
                subprocess.Popen(["sh", "-c", "sleep 60; :", "rackscape"])]
    try:
        data["pid"] = children[0].pid
        target.write_text(json.dumps(data))
        assert len(recovery.pending_recoveries(None)) == 1, "another program has the number"
        data["pid"] = children[1].pid
        target.write_text(json.dumps(data))
        assert recovery.pending_recoveries(None) == [], "a running Rackscape keeps its file"
    finally:
        for child in children:
            child.kill()
            child.wait()


def _recovery_payload(layout, **changes) -> dict:
    data = {"schema": recovery.RECOVERY_SCHEMA, "document": None, "name": "lost work",
            "written_at": 1.0, "pid": 0, "layout": layout.model_dump(mode="json")}
    data.update(changes)
    return data


def test_a_damaged_recovery_file_is_renamed_and_reported(recovery_dir, default_layout):
    recovery_dir.mkdir(parents=True, exist_ok=True)
    junk = recovery_dir / "x.recovery.json"
    junk.write_text(json.dumps(_recovery_payload(default_layout))[:4000])
    odd = recovery_dir / "y.recovery.json"
    odd.write_text(json.dumps(_recovery_payload(default_layout, pid=[1])))
    problems: list[recovery.RecoveryProblem] = []
    assert recovery.pending_recoveries(None, problems=problems) == []
    assert not junk.exists() and not odd.exists()
    by_name = {p.path.name: p for p in problems}
    assert set(by_name) == {"x.recovery.json", "y.recovery.json"}
    assert by_name["x.recovery.json"].moved_to == recovery_dir / "x.recovery.json.bad"
    assert (recovery_dir / "x.recovery.json.bad").exists()
    assert "damaged" in by_name["x.recovery.json"].reason
    assert by_name["y.recovery.json"].describe() == (
        f"y.recovery.json in {recovery_dir}: damaged: written_at, pid: expected a time and a "
        "process id (renamed to y.recovery.json.bad)")
    assert recovery.pending_recoveries(None, problems=(again := [])) == [] and again == [], \
        "a renamed file is not looked at again"


def test_a_recovery_file_of_a_newer_rackscape_stays(recovery_dir, default_layout):
    recovery_dir.mkdir(parents=True, exist_ok=True)
    newer_layout = recovery_dir / "a.recovery.json"
    data = _recovery_payload(default_layout)
    data["layout"]["schema_version"] = 99
    newer_layout.write_text(json.dumps(data))
    newer_file = recovery_dir / "b.recovery.json"
    newer_file.write_text(json.dumps(_recovery_payload(default_layout,
                                                       schema="rackscape.recovery/2")))
    problems: list[recovery.RecoveryProblem] = []
    assert recovery.pending_recoveries(None, problems=problems) == []
    assert newer_layout.exists() and newer_file.exists()
    assert all(p.moved_to is None and "newer Rackscape" in p.reason for p in problems)
    assert len(problems) == 2 and "file is version 99" in problems[0].reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_recovery_file_that_cannot_be_read_stays(recovery_dir, default_layout):
    recovery_dir.mkdir(parents=True, exist_ok=True)
    locked = recovery_dir / "c.recovery.json"
    locked.write_text(json.dumps(_recovery_payload(default_layout)))
    locked.chmod(0)
    problems: list[recovery.RecoveryProblem] = []
    try:
        assert recovery.pending_recoveries(None, problems=problems) == []
    finally:
        locked.chmod(0o600)
    assert locked.exists() and problems[0].moved_to is None
    assert problems[0].reason == "cannot be read (a readable recovery file (Permission denied))"


def test_the_window_names_the_recovery_files_it_cannot_offer(window, recovery_dir,
                                                             default_layout):
    recovery_dir.mkdir(parents=True, exist_ok=True)
    data = _recovery_payload(default_layout)
    data["layout"]["schema_version"] = 99
    newer = recovery_dir / "0123456789ab.recovery.json"
    newer.write_text(json.dumps(data))
    bar = window.statusBar()
    bar.clearMessage()
    assert window.offer_startup_recovery() is None
    msg = bar.currentMessage()
    assert msg.startswith(f"Recovery file 0123456789ab.recovery.json in {recovery_dir}: "
                          "written by a newer Rackscape")
    assert msg.endswith("(left in place)") and newer.exists()
    bar.clearMessage()
    window.offer_recovery()
    assert bar.currentMessage() == "", "said once a session"


def _crashed_copy(layout, document, folder):
    """Write a recovery file as a session killed with -9 leaves it (its pid is dead)."""
    target = recovery.new_recovery_path()
    recovery.write_recovery(layout, document, target)
    data = json.loads(target.read_text())
    data["pid"] = 2 ** 22 + 12345
    data["written_at"] += 5  # autosaved after the file's last save
    target.write_text(json.dumps(data))
    return target


def test_a_bare_start_offers_the_recoveries_of_other_documents(qtbot, window, default_layout,
                                                               recovery_dir, tmp_path,
                                                               monkeypatch):
    from designer.dialogs import recovery_dialog
    from engine import edits
    from engine.io import save_layout

    a, b, same = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "same.json"
    for p in (a, b, same):
        save_layout(default_layout, p)
    edited_a = edits.remove_items(default_layout, [default_layout.racks[0].id])
    edited_b = edits.remove_items(default_layout, [default_layout.racks[1].id])
    rec_a = _crashed_copy(edited_a, a, recovery_dir)
    rec_b = _crashed_copy(edited_b, b, recovery_dir)
    rec_same = _crashed_copy(default_layout, same, recovery_dir)  # nothing was lost
    assert window.document.path is None
    assert window.offer_recovery(ask=False) is None, "the old offer: unsaved designs only"

    shown = []

    def exec_(dlg):
        shown.append([dlg.tree.topLevelItem(k).text(0) for k in range(dlg.tree.topLevelItemCount())])
        assert dlg.tree.topLevelItem(0).text(1)  # the time it was autosaved
        names = [r.path for r in dlg.found]
        dlg.select(names.index(rec_b))
        dlg.discard_current()
        dlg.select([r.path for r in dlg.found].index(rec_a))
        dlg.restore_current()
        return dlg.result()

    monkeypatch.setattr(recovery_dialog.RecoveryDialog, "exec", exec_)
    rec = window.offer_startup_recovery()
    assert sorted(shown[0]) == ["a.json", "b.json"], "one row per document, by file name"
    assert not rec_same.exists(), "a copy equal to its saved file goes without a word"
    assert not rec_b.exists(), "Discard deletes the copy"
    assert rec is not None and rec.path == rec_a and not rec_a.exists()
    doc = window.document
    assert doc.path == a.resolve() and doc.is_modified
    assert doc.layout.model_dump() == edited_a.model_dump()
    assert window.offer_startup_recovery() is None, "nothing is left to offer"


def test_later_keeps_the_recoveries_for_the_next_start(qtbot, window, default_layout,
                                                       recovery_dir, tmp_path, monkeypatch):
    from designer.dialogs import recovery_dialog
    from engine import edits
    from engine.io import save_layout

    a = tmp_path / "a.json"
    save_layout(default_layout, a)
    rec_a = _crashed_copy(edits.remove_items(default_layout, [default_layout.racks[0].id]), a,
                          recovery_dir)
    monkeypatch.setattr(recovery_dialog.RecoveryDialog, "exec", lambda dlg: dlg.reject())
    assert window.offer_startup_recovery() is None
    assert rec_a.exists() and window.document.path is None
    # the design is then saved in an ordinary session: Later still asks at the next start,
    # saying the file was saved since
    other = edits.remove_items(default_layout, [default_layout.racks[5].id])
    save_layout(other, a)
    later = json.loads(rec_a.read_text())["written_at"] + 60
    os.utime(a, (later, later))
    rows = []

    def look(dlg):
        rows.extend((dlg.tree.topLevelItem(k).text(0), dlg.tree.topLevelItem(k).text(1))
                    for k in range(dlg.tree.topLevelItemCount()))
        dlg.reject()

    monkeypatch.setattr(recovery_dialog.RecoveryDialog, "exec", look)
    assert window.offer_startup_recovery() is None
    assert len(rows) == 1 and rows[0][0] == "a.json"
    assert rows[0][1].endswith(" (file saved since)")
    found = recovery.pending_recoveries(a)
    assert [r.path for r in found] == [rec_a] and found[0].is_older_than_file
    assert found[0].describe().endswith("; the file was saved after it")
    # opening the file offers the copy too, and Discard is the end of it
    asked = []

    def discard(box):
        asked.append(box.text())
        box.buttons()[1].click()  # Discard
        return 0

    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "exec", discard)
    assert window.open_path(a)
    assert asked == ["A session ended with changes to this design unsaved. An autosaved copy "
                     "differs from the file, which was saved after it:"]
    assert not rec_a.exists() and window.document.layout == other


def test_a_design_from_a_template_reaches_the_recovery_file_unedited(
        qapp, default_layout, builtin_catalog, recovery_dir):
    # New from template and Retarget open a design that exists in no file: the next
    # autosave writes it, though no edit was made
    doc = _new_doc(builtin_catalog)
    doc.set_layout(default_layout)
    doc.mark_unsaved()
    assert doc.autosave(), "the autosave tick writes it"
    found = recovery.pending_recoveries(None, exclude=None)
    assert [f.path for f in found] == [doc.recovery_path]
    assert recovery.read_recovery(doc.recovery_path)[0].model_dump() == \
        default_layout.model_dump()
    assert not doc.autosave(), "and only once until it changes"
    doc.close()


def test_several_designs_restore_at_once_each_in_its_own_window(qtbot, window, default_layout,
                                                               recovery_dir, tmp_path,
                                                               monkeypatch):
    """Two designs a killed session left: both selected, Restore opens the first in this
    window and the second in a new one; both copies are taken, none is left to offer."""
    from designer.dialogs import recovery_dialog
    from engine import edits
    from engine.io import save_layout

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_layout(default_layout, a)
    save_layout(default_layout, b)
    edited_a = edits.remove_items(default_layout, [default_layout.racks[0].id])
    edited_b = edits.remove_items(default_layout, [default_layout.racks[1].id])
    rec_a = _crashed_copy(edited_a, a, recovery_dir)
    rec_b = _crashed_copy(edited_b, b, recovery_dir)

    def exec_(dlg):
        dlg.select_all()
        dlg.restore_current()
        return dlg.result()

    monkeypatch.setattr(recovery_dialog.RecoveryDialog, "exec", exec_)
    first = window.offer_startup_recovery()
    assert first is not None and not rec_a.exists() and not rec_b.exists()
    others = window.__dict__.get("_library_windows", [])
    assert len(others) == 1
    docs = {window.document.path: window.document, others[0].document.path: others[0].document}
    assert set(docs) == {a.resolve(), b.resolve()}
    assert docs[a.resolve()].layout.model_dump() == edited_a.model_dump()
    assert docs[b.resolve()].layout.model_dump() == edited_b.model_dump()
    assert all(d.is_modified for d in docs.values())
    for w in others:
        w._force_close = True
        w.close()


def test_a_copy_naming_hardware_the_catalog_lacks_is_refused_and_kept(
        qapp, default_layout, builtin_catalog, recovery_dir, tmp_path):
    """A copy of a design on a user catalog's server, that file skipped since: restoring it
    is refused in words as Open refuses the file, the open design and its figures stay,
    and the copy stays to be offered again."""
    from engine.errors import InputError
    from engine.model import MountedDevice

    rack = default_layout.racks[0]
    odd = rack.model_copy(update={"devices": [MountedDevice(type="no-such-server", u=1)]})
    lost = default_layout.model_copy(update={"racks": [odd, *default_layout.racks[1:]]})
    target = recovery_dir / "111111111111.recovery.json"
    recovery.write_recovery(lost, None, target)
    doc = _new_doc(builtin_catalog, default_layout)
    before, analysis = doc.layout, doc.analysis
    with pytest.raises(InputError) as exc:
        doc.restore_recovery(target)
    assert "no-such-server" in str(exc.value) and str(target) in str(exc.value)
    assert doc.layout is before and doc.analysis is analysis and target.exists()
    doc.close()


def test_an_interrupted_close_keeps_unsaved_changes_for_recovery(qapp, default_layout,
                                                                 builtin_catalog, recovery_dir):
    # Ctrl+C in the terminal closes without asking: the unsaved design goes to the
    # recovery file, which stays; a design with nothing unsaved leaves none
    doc = _new_doc(builtin_catalog, default_layout)
    doc.remove_items([doc.layout.racks[0].id])
    edited = doc.layout.model_dump()
    doc.close(keep_recovery=True)
    kept = list(recovery_dir.glob("*.recovery.json"))
    assert len(kept) == 1
    layout, _info = recovery.read_recovery(kept[0])
    assert layout.model_dump() == edited
    kept[0].unlink()
    clean = _new_doc(builtin_catalog, default_layout)
    clean.close(keep_recovery=True)
    assert not list(recovery_dir.glob("*.recovery.json"))
