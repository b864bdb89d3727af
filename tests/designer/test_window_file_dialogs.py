"""Files in the main window: Open Recent names each file's
folder, the file dialogs open at a size whose columns read whole, and Save proposes a
tidy file name for a design a template named."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QTreeView

from designer.dialogs.file_dialogs import FILE_DIALOG_SIZE
from designer.recent import design_file_stem, recent_labels
from engine.io import save_layout


def test_open_recent_names_the_folder_of_every_file(window, tmp_path):
    """Each entry names its folder, not a bare "hall1.json", "gb200.json"."""
    doc = window.document
    (tmp_path / "halls").mkdir()
    paths = [tmp_path / "halls" / "hall1.json", tmp_path / "gb200.json"]
    for p in paths:
        save_layout(doc.layout, p)
    QSettings().setValue("recent_files", [])
    for p in paths:
        assert window.open_path(p)
    window.recent_menu.aboutToShow.emit()
    acts = [a for a in window.recent_menu.actions() if a.toolTip().endswith(".json")]
    by_tip = {a.toolTip(): a.text() for a in acts}
    for p in paths:
        label = by_tip[str(p.resolve())]
        name, _, folder = label.partition(" — ")
        assert name == p.name and folder
        # the folder, or its end when it is long, and never another file's
        assert str(p.resolve().parent).endswith(folder.split("…")[-1].lstrip("/"))


def test_recent_labels_write_home_as_a_tilde_and_shorten_long_folders():
    home = "/home/ana"
    labels = recent_labels(["/home/ana/halls/h.json", "/srv/a/b/c/d/e/f/g/h/i/j/k.json",
                            "/home/ana/x.json"], home=home, max_folder=20)
    assert labels[0] == "h.json — ~/halls"
    assert labels[1].startswith("k.json — /srv/…/") and labels[1].endswith("/j")
    assert len(labels[1].split(" — ")[1]) <= 20
    assert labels[2] == "x.json — ~"
    # two long folders alike at both ends still read apart
    clash = recent_labels(["/p/one/q/r/s/t/u/v.json", "/p/two/q/r/s/t/u/v.json"],
                          max_folder=12)
    assert len(set(clash)) == 2


@pytest.mark.parametrize(("name", "stem"), [
    ("DGX H100 hall (racks=16, racks_per_row=8)", "dgx-h100-hall-racks-16-racks-per-row-8"),
    ("Meta-style 24K-GPU RoCE cluster (Grand Teton H100) (pods=8, racks_per_row=48)",
     "meta-style-24k-gpu-roce-cluster-grand-teton-h100-pods-8"),
    ("My hall, west wing", "My hall, west wing"),
])
def test_a_design_from_a_template_gets_a_tidy_file_name(name, stem):
    got = design_file_stem(name)
    assert got == stem and len(got) <= 60


def test_save_as_proposes_a_tidy_name_for_the_default_hall(window, monkeypatch):
    """Not "DGX H100 hall (racks=16, racks_per_row=8).json"."""
    name = window.proposed_save_path().name
    assert name == "dgx-h100-hall-racks-16-racks-per-row-8.json"
    assert not set("()=, ") & set(name)


def _on_file_dialog(check) -> list:
    """Run ``check(dialog)`` on the file dialog about to open (once it shows and its
    folder has loaded), then cancel it."""
    seen: list = []

    def look():
        dlg = next((w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QFileDialog) and w.isVisible()), None)
        tree = dlg.findChild(QTreeView, "treeView") if dlg is not None else None
        if tree is None or tree.model().rowCount(tree.rootIndex()) < 2:
            QTimer.singleShot(50, look)
            return
        QTimer.singleShot(100, lambda: (seen.append(check(dlg)), dlg.reject()))

    QTimer.singleShot(50, look)
    return seen


def _expected_size(dlg) -> QSize:
    free = dlg.screen().availableGeometry()
    return QSize(min(FILE_DIALOG_SIZE.width(), int(free.width() * 0.9)),
                 min(FILE_DIALOG_SIZE.height(), int(free.height() * 0.9)))


def _columns_read_whole(dlg) -> bool:
    tree = dlg.findChild(QTreeView, "treeView")
    model, root, fm = tree.model(), tree.rootIndex(), tree.fontMetrics()
    header = tree.header()
    for row in range(model.rowCount(root)):
        for col in (1, 2, 3):
            text = str(model.index(row, col, root).data() or "")
            if fm.horizontalAdvance(text) + 8 > header.sectionSize(col):
                return False
    return True


@pytest.fixture
def folder(tmp_path, window):
    for k in (1, 2):
        save_layout(window.document.layout, tmp_path / f"hall-{k}.json")
    (tmp_path / "notes").mkdir()
    assert window._save_to(tmp_path / "hall-0.json")  # the dialogs start in its folder
    QSettings().remove("file_dialog")
    return tmp_path


def test_open_dialog_opens_large_with_whole_columns(qtbot, window, folder, monkeypatch):
    """Not 632 x 412 with "131…KiB", "PDF…ent", "26 11 2…6 18:05"."""
    seen = _on_file_dialog(lambda dlg: (dlg.size(), _expected_size(dlg),
                                        _columns_read_whole(dlg)))
    window.open_dialog()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    size, expected, whole = seen[0]
    assert size == expected and whole


def test_export_dialog_of_the_reports_is_fitted_too(qtbot, window, folder, monkeypatch):
    from designer import reports

    seen = _on_file_dialog(lambda dlg: (dlg.size(), _expected_size(dlg)))
    assert reports.export_dialog(window) is None  # cancelled
    size, expected = seen[0]
    assert size == expected


def test_a_file_dialog_opens_at_the_size_it_was_left(qtbot, window, folder, monkeypatch):
    from designer.dialogs.save_file import ask_save_path

    def resize_then_cancel(dlg):
        dlg.resize(dlg.width() - 60, dlg.height() - 40)
        return dlg.size()

    seen = _on_file_dialog(resize_then_cancel)
    assert ask_save_path(window, "Save layout", folder / "x.json", "Layouts (*.json)",
                         "json") is None
    left = seen[0]
    again = _on_file_dialog(lambda dlg: dlg.size())
    assert ask_save_path(window, "Save layout", Path(folder) / "y.json", "Layouts (*.json)",
                         "json") is None
    assert again[0] == left
    QSettings().remove("file_dialog")


def test_export_asks_before_replacing_a_csv_reports_table_files(qtbot, window, tmp_path,
                                                                monkeypatch):
    """The file dialog asks about OUT.csv only: the table files it would replace are asked
    about apart, and a No keeps them."""
    from PySide6.QtWidgets import QMessageBox

    from designer import reports

    out = tmp_path / "hall.csv"
    mine = tmp_path / "hall-bom.csv"
    mine.write_text("my own bill\n")
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "CSV tables (*.csv)")))
    asked = []

    def answer(reply):
        def question(parent, title, text, *a, **k):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert reports.export_dialog(window) is None
    assert "1 file of this report already exists" in asked[0] and "hall-bom.csv" in asked[0]
    assert mine.read_text() == "my own bill\n" and not out.exists()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    files = reports.export_dialog(window)
    assert files and out.exists() and mine.read_text() != "my own bill\n"
