"""The File menu of the main window: Open Recent labels, open errors, export confirmation."""

from __future__ import annotations

import json

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
    assert set(acts) == {"edited.json — review-a", "edited.json — review-b", "hall.json"}
    for label, p in (("edited.json — review-a", paths[0]), ("edited.json — review-b", paths[1]),
                     ("hall.json", other)):
        assert acts[label].toolTip() == str(p.resolve())
        assert acts[label].statusTip() == str(p.resolve())
    assert window.recent_menu.toolTipsVisible()
    acts["edited.json — review-b"].trigger()
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
