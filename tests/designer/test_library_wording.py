"""What the library windows say: a retarget leads with the GPUs it
mapped and words fabric settings apart from devices, in display names; the compare window
explains every red cell, counts its progress once, fits its bar labels and its note and
rounds its charts as its table does; a selection saved from a retargeted design is named
for its hardware; the export's bar counts the pages its words count; the New from template
form names a parameter by its label without moving its Parameters panel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QProgressBar, QProgressDialog

from designer.library import compare_job
from designer.library.compare_window import FIGURES, CompareWindow, chart_label
from designer.library.new_from_template import NewFromTemplateDialog
from designer.library.retarget import RetargetDialog
from designer.library.save_template import SaveSelectionAsTemplateDialog
from engine.compare import CompareRow
from engine.retarget import retarget
from engine.templates import instantiate

# -- retarget summary ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gb200_pod(builtin_catalog):
    return instantiate("gb200-nvl72-superpod", {}, catalog=builtin_catalog)


def _summary(qtbot, layout, catalog, gen: str) -> list[str]:
    dlg = RetargetDialog(layout, catalog=catalog)
    qtbot.addWidget(dlg)
    dlg.set_target(gen)
    assert dlg.wait()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=10_000)
    return dlg.summary.toPlainText().splitlines()


def test_a_retarget_that_maps_no_gpus_leads_with_that(qtbot, gb200_pod, builtin_catalog):
    lines = _summary(qtbot, gb200_pod, builtin_catalog, "hopper")
    assert lines[0].startswith("GPUs mapped to Hopper: 0 of 2,304")
    assert "2,304 → 2,304" not in lines[0] and "GPUs 2,304" not in "\n".join(lines)
    # the racks that could not be mapped name their system as the catalog does
    assert any("NVIDIA GB200 NVL72 has no rack-scale equivalent in Hopper" in ln
               for ln in lines)


def test_fabric_settings_are_worded_apart_from_devices_in_display_names(
        qtbot, gb200_pod, builtin_catalog):
    lines = _summary(qtbot, gb200_pod, builtin_catalog, "blackwell-ultra")
    text = "\n".join(lines)
    assert lines[0] == "GPUs mapped to Blackwell Ultra: 2,304 of 2,304"
    devices = lines.index("  devices replaced:")
    settings = lines.index("  fabric settings changed:")
    assert "32 × NVIDIA GB200 NVL72 → NVIDIA GB300 NVL72" in lines[devices + 1]
    # one line per tier setting, no count that reads as one switch
    assert "    fabric compute, core tier switch: NVIDIA Quantum-2 QM9700 → " \
        "NVIDIA Quantum-X800 Q3400-RA" in lines[settings:]
    assert "    fabric compute, link speed: 400G → 800G" in lines[settings:]
    assert not any("1 × fabric" in ln or "1 x fabric" in ln for ln in lines)
    for catalog_id in ("qm9700", "q3400-ra", "gb200-nvl72", "gb300-nvl72"):
        assert catalog_id not in text


def test_a_layout_of_rack_scale_systems_names_no_server_it_will_not_hold(
        qtbot, builtin_catalog):
    """GB300 NVL72 racks to Rubin: the greyed GPU-server field says there are none to map
    (not "DGX Rubin NVL8 (default)"), and the form and the summary name the Vera Rubin
    system the racks become."""
    from designer.library.retarget import summary_text

    gb300 = instantiate("gb300-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    dlg = RetargetDialog(gb300, catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.set_target("rubin")
    assert dlg.wait()
    qtbot.waitUntil(lambda: dlg.result is not None and dlg.result.generation == "rubin",
                    timeout=10_000)
    assert dlg.server.count() == 1 and not dlg.server.isEnabled()
    assert dlg.server.currentText() == "(no GPU servers in this layout)"
    assert dlg.server_id() is None
    vr = "NVIDIA Vera Rubin NVL144 (VR NVL72)"
    assert dlg.system.isVisible() and dlg.system.text() == vr
    lines = dlg.summary.toPlainText().splitlines()
    assert lines[1] == f"  rack-scale systems to {vr}"
    text = "\n".join(lines)
    assert "DGX Rubin" not in text and "GPU servers to" not in text
    assert ", before and after" not in text  # no empty list of unknown hardware
    assert summary_text(dlg.result, builtin_catalog) == dlg.summary.toPlainText()
    # to a generation without a rack-scale system, the form says the racks stay
    dlg.set_target("hopper")
    assert dlg.system.text() == "(none in Hopper: those racks are not mapped)"
    dlg.wait()


def test_a_hall_of_servers_has_no_rack_scale_row(qtbot, window, builtin_catalog):
    dlg = RetargetDialog(window.document.layout, catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.server.isEnabled() and dlg.server.currentText().endswith("(default)")
    assert not dlg.system.isVisible()
    assert dlg.wait()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=10_000)
    assert "rack-scale systems to" not in dlg.summary.toPlainText()


def test_the_new_windows_status_says_how_many_gpus_were_mapped(qtbot, window, gb200_pod,
                                                                monkeypatch):
    from designer.library import retarget as retarget_mod

    window.document.set_layout(gb200_pod)
    opened: dict = {}
    monkeypatch.setattr(RetargetDialog, "exec", lambda self: (self.wait(), QApplication
                                                              .processEvents(), 1)[-1])
    monkeypatch.setattr(retarget_mod, "open_in_new_window",
                        lambda win, lay, message="", **kw: opened.update(message=message))
    retarget_mod.retarget_action(window, "hopper")
    assert opened["message"] == "Retargeted to Hopper: 0 of 2,304 GPUs mapped"


# -- compare window --------------------------------------------------------------------------


class _Rows:
    """A comparison answering at once, or, for a gated generation, when let through."""

    def __init__(self, rows: dict[str, CompareRow]) -> None:
        self.rows = rows
        self.gates: dict[str, threading.Event] = {}

    def __call__(self, catalog=None, generations=(), **kw):
        (gen,) = generations
        if gen in self.gates:
            assert self.gates[gen].wait(30)
        return [self.rows[gen]]


def _row(gen: str, **kw) -> CompareRow:
    base = dict(generation=gen, template=f"{gen}-template", param="scalable_units",
                param_value=16, gpus=9216, racks=200, it_mw=1.97, facility_mw=23.42,
                gpus_per_mw=705.4, optics=114_326, per_gpu_bisection_gbps=1600.0)
    base.update(kw)
    return CompareRow(**base)


def _compare(qtbot, fake, monkeypatch, builtin_catalog, gens, size=(1300, 900)):
    monkeypatch.setattr(compare_job, "compare", fake)
    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    win.set_generations(gens)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def _run(qtbot, win):
    with qtbot.waitSignal(win.compared, timeout=30_000):
        win.run()
    QApplication.processEvents()


def _fig(key: str) -> int:
    return next(k for k, f in enumerate(FIGURES) if f[1] == key)


def test_every_red_cell_says_why_and_only_the_short_figure_is_red(
        qtbot, monkeypatch, builtin_catalog):
    capped = "capped: the template takes at most 16 scalable units"
    fake = _Rows({"blackwell": _row("blackwell", note=capped),
                  "rubin": _row("rubin", facility_mw=410.0)})
    win = _compare(qtbot, fake, monkeypatch, builtin_catalog, ["blackwell", "rubin"])
    win.by_power.setChecked(True)
    win.power_mw.setValue(300.0)
    _run(qtbot, win)
    m = win.model
    for col in range(m.columnCount()):
        for r, (_label, key, _fmt) in enumerate(FIGURES):
            idx = m.index(r, col)
            if m.data(idx, Qt.ItemDataRole.ForegroundRole) is not None:
                assert m.data(idx, Qt.ItemDataRole.ToolTipRole), (col, key)
    red = [key for r, (_l, key, _f) in enumerate(FIGURES)
           if m.data(m.index(r, 0), Qt.ItemDataRole.ForegroundRole) is not None]
    assert red == ["facility_mw", "note"]  # not the GPUs: the intent is power
    tip = m.data(m.index(_fig("facility_mw"), 0), Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Short of the 300 MW facility envelope: 23.42 MW at most")
    assert "Short of 300 MW" in win.status.text() and "hover a red cell" in win.status.text()
    # a GPU intent reddens the GPUs, not the facility power
    win.by_gpus.setChecked(True)
    win.gpus.setValue(100_000)
    _run(qtbot, win)
    red = [key for r, (_l, key, _f) in enumerate(FIGURES)
           if m.data(m.index(r, 0), Qt.ItemDataRole.ForegroundRole) is not None]
    assert red == ["gpus", "note"]
    assert m.data(m.index(_fig("gpus"), 0), Qt.ItemDataRole.ToolTipRole) \
        .startswith("Short of the 100,000 GPUs asked for: 9,216 at most")


def test_the_progress_bar_and_the_status_count_the_same(qtbot, monkeypatch, builtin_catalog):
    fake = _Rows({g: _row(g) for g in ("hopper", "blackwell")})
    fake.gates = {"hopper": threading.Event(), "blackwell": threading.Event()}
    win = _compare(qtbot, fake, monkeypatch, builtin_catalog, ["hopper", "blackwell"])
    win.run()
    try:
        assert win.progress.text() == "0 of 2 done"
        assert "0 of 2 generations done; computing Hopper" in win.status.text()
        fake.gates["hopper"].set()
        qtbot.waitUntil(lambda: "computing Blackwell" in win.status.text(), timeout=10_000)
        assert win.progress.text() == "1 of 2 done"
        assert "1 of 2 generations done" in win.status.text()
    finally:
        for gate in fake.gates.values():
            gate.set()
    qtbot.waitUntil(lambda: not win.is_running(), timeout=10_000)


def test_chart_labels_fit_their_plot_and_show_the_tables_figure(
        qtbot, monkeypatch, builtin_catalog):
    fake = _Rows({"blackwell": _row("blackwell"), "rubin": _row("rubin", gpus=32768)})
    win = _compare(qtbot, fake, monkeypatch, builtin_catalog, ["blackwell", "rubin"],
                   size=(1100, 760))
    win.by_gpus.setChecked(True)
    win.gpus.setValue(100_000)  # both short: two-line labels, the tallest case
    _run(qtbot, win)
    for key, (_heights, texts) in win._bar_labels.items():
        plot = win.plots[key]
        vb = plot.vb
        box = vb.sceneBoundingRect()
        for text in texts:
            top = text.textItem.mapRectToScene(text.textItem.boundingRect()).top()
            assert top >= box.top() - 0.5, (key, text.textItem.toPlainText())
    labels = {key: [t.textItem.toPlainText().split("\n")[0] for t in texts]
              for key, (_h, texts) in win._bar_labels.items()}
    m = win.model
    # the figure the table shows, where it fits a bar (1.97, not 2.0)
    assert labels["it_mw"][0] == m.data(m.index(_fig("it_mw"), 0)) == "1.97"
    assert labels["gpus"] == ["9,216", "32.8k"]
    assert labels["optics"][0] == "114k" and labels["gpus_per_mw"][0] == "705"
    assert chart_label(1600.0, "per_gpu_bisection_gbps") == "1,600"


def test_a_long_note_in_hall_mode_fits_its_row_at_any_width(qtbot, monkeypatch,
                                                            builtin_catalog):
    note = "does not fit: not one block (scalable_units=1) fits the hall"
    hall = ("laid out it needs 12 x 10.24 m: 0.24 m deeper than the 12 x 10 m hall; its "
            "racks and units stand inside it, short of the clearance to the walls")
    fake = _Rows({g: _row(g, note=note, hall_note=hall, fits_hall=False, hall_m=(12, 10.24))
                  for g in ("hopper", "blackwell", "rubin")})
    win = _compare(qtbot, fake, monkeypatch, builtin_catalog, ["hopper", "blackwell", "rubin"])
    win.hall_w.setValue(12.0)
    win.hall_d.setValue(10.0)
    win.by_hall.setChecked(True)
    _run(qtbot, win)
    t, m, k = win.table, win.model, _fig("note")

    def fits() -> bool:
        fm = t.fontMetrics()
        for col in range(m.columnCount()):
            text = m.data(m.index(k, col))
            rect = fm.boundingRect(0, 0, t.columnWidth(col) - 8, 100_000,
                                   int(Qt.TextFlag.TextWordWrap), text)
            if rect.height() > t.rowHeight(k) - 4:
                return False
        return True

    assert fits()
    # the whole table shows in a 900 px window: the note is not below the fold
    assert t.rowViewportPosition(k) + t.rowHeight(k) <= t.viewport().height()
    win.resize(900, 900)  # narrower columns wrap the note onto more lines
    qtbot.waitUntil(fits, timeout=5_000)


# -- save selection as template --------------------------------------------------------------


def test_a_selection_of_a_retargeted_design_is_named_for_its_hardware(
        qtbot, gb200_pod, builtin_catalog, tmp_path):
    lay = retarget(gb200_pod, "rubin", builtin_catalog).layout
    ids = [r.id for r in lay.racks if r.system][:4]
    dlg = SaveSelectionAsTemplateDialog(lay, ids, catalog=builtin_catalog, user_dir=tmp_path)
    qtbot.addWidget(dlg)
    assert "GB200" not in dlg.title_edit.text() and "gb200" not in dlg.id_edit.text()
    assert dlg.title_edit.text().startswith("NVIDIA Vera Rubin NVL144")
    assert "as a Rubin template" in dlg.summary.text()
    renamed = lay.model_copy(update={"name": "Hall 3 west"})
    dlg2 = SaveSelectionAsTemplateDialog(renamed, ids, catalog=builtin_catalog,
                                         user_dir=tmp_path)
    qtbot.addWidget(dlg2)
    assert dlg2.title_edit.text() == "Hall 3 west — selection"
    assert dlg2.id_edit.text() == "hall-3-west-selection"


# -- export progress -------------------------------------------------------------------------


def test_the_export_bar_counts_the_pages_its_words_count(qtbot, window, tmp_path, monkeypatch):
    import designer.reports as reports

    target = tmp_path / "hall.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "PDF (*.pdf)")))
    seen: list[tuple[str, str, int, int]] = []

    def fake_export(layout, analysis, path, progress=None, **kw):
        for f, msg in ((0.2, "Tables"), (0.59, "Page 6 of 16"), (0.96, "Page 16 of 16"),
                       (1.0, "PDF written")):
            progress(f, msg)
            dlg = window.findChild(QProgressDialog)
            bar = dlg.findChild(QProgressBar)
            seen.append((dlg.labelText(), bar.text(), bar.value(), bar.maximum()))
        Path(path).write_bytes(b"%PDF")
        return [Path(path)]

    monkeypatch.setattr(reports, "export", fake_export)
    assert reports.export_dialog(window) == [target]
    assert seen[1] == ("Page 6 of 16", "page 6 of 16", 6, 16)
    assert seen[2][1:] == ("page 16 of 16", 16, 16)
    assert seen[0][1] == "20%" and seen[3][1] == "100%"


# -- new from template form ------------------------------------------------------------------


def test_a_bad_parameter_is_named_by_its_label_and_the_form_stays_put(qtbot,
                                                                      builtin_catalog):
    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.select_template("fat-tree")
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.wait_for_preview()
    QApplication.processEvents()
    y = dlg.form_box.mapTo(dlg, dlg.form_box.rect().topLeft()).y()
    dlg.set_value("generation", "hopper")
    dlg.set_value("link_speed_gbps", "800")  # faster than Hopper's 400G NICs
    QApplication.processEvents()
    text = dlg.error_text()
    assert text.startswith("Link speed (Gb/s): faster than this generation's NICs")
    assert "template fat-tree" not in text and "link_speed_gbps" not in text
    assert dlg.error.heightForWidth(dlg.error.width()) > dlg.fontMetrics().lineSpacing() * 1.5
    assert dlg.form_box.mapTo(dlg, dlg.form_box.rect().topLeft()).y() == y
    dlg.done(0)


def test_the_default_server_says_where_hgx_servers_go(qtbot, builtin_catalog):
    """A hall of HGX H100 retargeted to Blackwell: the default entry named only the DGX
    B200, while every HGX server became an HGX B200; it says both now, and the copy
    holds HGX B200."""
    from engine.model import MountedDevice

    lay = instantiate("dgx-h100-hall", {"racks": 2}, catalog=builtin_catalog)
    racks = [r.model_copy(update={"devices": [MountedDevice(type="hgx-h100-8gpu", u=3)]})
             if r.devices else r for r in lay.racks]
    lay = lay.model_copy(update={"racks": racks})
    dlg = RetargetDialog(lay, catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.set_target("blackwell")
    assert dlg.wait()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=10_000)
    # every GPU server of the hall an OEM box: the entry names the OEM server it becomes
    assert dlg.server.itemText(0) == \
        "HGX B200 8-GPU server (OEM) (default: OEM boxes stay OEM boxes)"
    kinds = {d.type for r in dlg.result.layout.racks for d in r.devices
             if builtin_catalog.devices[d.type].role == "gpu_server"}
    assert kinds == {"hgx-b200-8gpu"}
    assert "GPU servers to hgx-b200-8gpu" in dlg.result.summary()
    # with DGX servers beside them, it names both
    mixed = lay.model_copy(update={"racks": [
        r.model_copy(update={"devices": [MountedDevice(type="dgx-h100", u=3)]})
        if r.id == racks[0].id else r for r in racks]})
    dlg2 = RetargetDialog(mixed, catalog=builtin_catalog)
    qtbot.addWidget(dlg2)
    dlg2.set_target("blackwell")
    assert dlg2.wait()
    assert dlg2.server.itemText(0) == \
        "NVIDIA DGX B200 (default; OEM boxes to HGX B200 8-GPU server (OEM))"


def test_markup_in_a_users_title_and_description_shows_as_typed():
    """A user's title with angle brackets shows them, not bold text; a line break in a
    description stays a line break."""
    from designer.library.template_form import description_html

    h = description_html("Line one\nLine two", [], {})
    assert "Line one<br>Line two" in h
    assert "&lt;b&gt;" in description_html("A <b>bold</b> claim", [], {})
