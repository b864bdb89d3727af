"""New from template: a number typed out of range is refused
in words (not turned into another number), the preview says what each broken rule means,
and the description reads as sentences with its sources apart."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from designer.library.new_from_template import NewFromTemplateDialog, preview_figures
from engine.templates import get_template


@pytest.fixture
def dialog(qtbot, builtin_catalog):
    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    dlg.done(0)


def _type(qtbot, dlg, name: str, text: str):
    ed = dlg.editors[name]
    ed.setFocus()
    ed.lineEdit().selectAll()
    qtbot.keyClicks(ed.lineEdit(), text)
    return ed


def test_twenty_typed_for_at_most_sixteen_units_is_refused_not_made_two(qtbot, dialog):
    """Typed "20" in "Scalable units (1–16)" stays 20 and is refused: it neither shows 2
    nor previews a 2-SU hall."""
    dialog.select_template("gb200-nvl72-superpod")
    ed = _type(qtbot, dialog, "scalable_units", "20")
    assert ed.lineEdit().text() == "20" and dialog.values()["scalable_units"] == 20
    assert dialog.error_text() == "Scalable units: expected 1 to 16 (got 20)"
    assert dialog.error.isVisible() and not dialog.ok_button.isEnabled()
    assert dialog.figures["racks"].text() == "—"  # no preview of another number
    # leaving the box keeps what was typed, and the refusal
    dialog.tree.setFocus()
    QApplication.processEvents()
    assert ed.lineEdit().text() == "20" and not dialog.ok_button.isEnabled()
    dialog.accept()
    assert dialog.layout_result is None and dialog.isVisible()
    # the arrows step back into the range, and a number in it is fine again
    ed.stepDown()
    assert ed.value() == 16 and dialog.error_text() == "" and dialog.ok_button.isEnabled()
    _type(qtbot, dialog, "scalable_units", "0")
    assert dialog.error_text() == "Scalable units: expected 1 to 16 (got 0)"
    _type(qtbot, dialog, "scalable_units", "3")
    assert dialog.error_text() == "" and dialog.ok_button.isEnabled()


def test_an_odd_number_for_an_even_parameter_is_refused_in_words(qtbot, dialog):
    dialog.select_template("fat-tree")
    _type(qtbot, dialog, "k", "7")
    assert dialog.error_text() == "k: expected an even number from 4 to 64 (got 7)"
    assert not dialog.ok_button.isEnabled()
    ed = _type(qtbot, dialog, "k", "66")
    assert dialog.error_text() == "k: expected 4 to 64 (got 66)"
    ed.setValue(64)
    ed.stepUp()  # the arrows stop at the range
    assert ed.value() == 64 and dialog.ok_button.isEnabled()


def test_the_preview_shows_what_each_broken_rule_says(qtbot, dialog, builtin_catalog):
    """The Rubin preview says what "CABLE-MEDIA-FALLBACK" means, not the bare code."""
    dialog.select_template("vera-rubin-nvl144")
    qtbot.waitUntil(lambda: dialog.preview is not None
                    and dialog.preview["template"] == "vera-rubin-nvl144", timeout=120_000)
    details = dialog.preview["violation_details"]
    fallback = next(d for d in details if d["code"] == "CABLE-MEDIA-FALLBACK")
    said = "modules of 1600G, two links to a module"
    assert said in fallback["message"]
    shown = dialog.rules
    assert shown.isVisible() and shown.wordWrap()
    text = shown.text()
    assert "CABLE-MEDIA-FALLBACK" in text and said in text
    assert "CABLE-MEDIA-FALLBACK" in shown.toolTip()
    # the whole message fits in the dialog's width: wrapped, not cut
    assert shown.width() <= dialog.width() and shown.height() >= 2 * shown.fontMetrics().height()


def test_violation_details_list_errors_first_with_their_first_message(builtin_catalog):
    from engine.snapshot import template_from_selection
    from engine.templates import instantiate

    lay = instantiate("dgx-h100-hall", {"racks": 4}, catalog=builtin_catalog)
    t = template_from_selection(lay, [lay.racks[0].id], "lonely", "A lonely rack")
    fig = preview_figures(t, {"copies": 1}, builtin_catalog)
    details = fig["violation_details"]
    assert details and all(d["message"] for d in details)
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[d["severity"]] for d in details] == sorted(order[d["severity"]]
                                                             for d in details)
    unfed = next(d for d in details if d["code"] == "POWER-UNFED")
    assert unfed["severity"] == "error" and unfed["count"] >= 1


def test_the_description_reads_a_sentence_a_paragraph_with_sources_apart(qtbot, dialog):
    """Not one dense paragraph of 15 lines with inline [Sxx] refs and empty space below
    it."""
    dialog.select_template("gb200-nvl72-superpod")
    view = dialog.description
    doc = view.document()
    t = get_template("gb200-nvl72-superpod", user_dir=None)
    text = view.toPlainText()
    # a paragraph per sentence, then the sources, each on a line of its own
    assert doc.blockCount() >= 8
    assert "[S04][S13]" not in text and "[S04, S13]" in text
    assert "Sources" in text
    for key in ("S04", "S119"):
        title = dialog.catalog.sources.get(key).title.split(", http")[0]
        assert f"{key} {title}" in text
    assert t.description.split(":")[0] in text
    # the description has the room the form leaves: taller than the text of one
    # paragraph, and the dialog has no empty stretch under its form
    assert view.height() >= 200
    right = view.parentWidget()
    bottom = max(w.geometry().bottom() for w in (dialog.form_box, dialog.preview_box,
                                                 dialog.error))
    assert right.height() - bottom < 40


def test_a_reference_mark_names_its_source_on_hover(qtbot, dialog):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QTextCursor

    dialog.select_template("dgx-h100-hall")
    view = dialog.description
    found = view.document().find("S41")
    assert not found.isNull()
    cursor = QTextCursor(found)
    cursor.setPosition(found.selectionStart() + 1)
    rect = view.cursorRect(cursor)
    at = rect.center() + QPoint(2, 0)
    assert view.anchorAt(at) == "#src-S41"
    shown = []
    from designer.library import template_form

    orig = template_form.QToolTip.showText
    template_form.QToolTip.showText = staticmethod(lambda _pos, text, *_a: shown.append(text))
    try:
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QHelpEvent

        ev = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
        view.event(ev)
    finally:
        template_form.QToolTip.showText = orig
    assert shown and shown[0].startswith("[S41] ")


def test_param_boxes_are_no_wider_than_their_range_needs(dialog):
    dialog.select_template("gb200-nvl72-superpod")
    ed = dialog.editors["scalable_units"]
    # it takes a billion, but is sized for two digits
    assert ed.maximum() > 10**6 and 90 <= ed.sizeHint().width() <= 140


def test_power_leaving_out_hardware_of_unknown_power_previews_as_a_lower_bound(
        qtbot, dialog, builtin_catalog):
    """The CPU cluster's SN4600C switches and 100G optics have no power figure: its IT and
    facility power read "≥", as the dashboard's do; a hall of known hardware reads plain."""
    dialog.select_template("cpu-cluster")
    assert dialog.wait_for_preview()
    qtbot.waitUntil(lambda: dialog.preview is not None
                    and dialog.preview["template"] == "cpu-cluster", timeout=30_000)
    assert dialog.preview["power_is_lower_bound"]
    it, facility = dialog.figures["it_kw"], dialog.figures["facility_kw"]
    assert it.text().startswith("≥ ") and facility.text().startswith("≥ ")
    assert it.text() == f"≥ {dialog.preview['it_kw']:,.1f} kW"
    assert "switches" in it.toolTip() and "counted as 0 W" in it.toolTip()
    dialog.select_template("dgx-h100-hall")
    assert dialog.wait_for_preview()
    qtbot.waitUntil(lambda: dialog.preview["template"] == "dgx-h100-hall", timeout=30_000)
    assert not dialog.preview["power_is_lower_bound"]
    assert not dialog.figures["it_kw"].text().startswith("≥")
    assert dialog.figures["it_kw"].toolTip() == ""


def test_the_dialog_reopens_on_the_designs_values_and_computes_after_it_shows(
        qtbot, builtin_catalog):
    """Opened on a one-pod Meta design, the form says pods 1 (not the template's 8) and
    the dialog is up before any preview is computed: the figures wait, greyed, under
    "Computing the preview…", and the preview that comes is the one-pod hall's."""
    from engine.templates import instantiate

    lay = instantiate("meta-24k-roce", {"pods": 1}, catalog=builtin_catalog)
    dlg = NewFromTemplateDialog(catalog=builtin_catalog, layout=lay)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.current().id == "meta-24k-roce"
    assert dlg.values() == {"pods": 1, "racks_per_row": 48}
    assert dlg.preview is None and dlg.status.text() == "Computing the preview…"
    assert "#5f6368" in dlg.figures["racks"].styleSheet()
    qtbot.waitUntil(lambda: dlg.preview is not None, timeout=30_000)
    assert dlg.preview["values"] == {"pods": 1, "racks_per_row": 48}
    # 192 racks of servers and the 4 network racks of the pod's cluster switches
    assert dlg.figures["racks"].text() == "196 (192 + 4 network)"
    assert dlg.status.text() == "" and "#5f6368" not in dlg.figures["racks"].styleSheet()
    dlg.done(0)
    # a design named by its template's title alone says nothing of its values: the
    # template's defaults
    title = dlg.current().title
    plain = NewFromTemplateDialog(catalog=builtin_catalog,
                                  layout=lay.model_copy(update={"name": title}))
    qtbot.addWidget(plain)
    assert plain.current().id == "meta-24k-roce" and plain.values()["pods"] == 8
    plain.done(0)


def test_create_before_the_preview_waits_for_it_off_the_gui_thread(qtbot, dialog,
                                                                  builtin_catalog):
    """Create pressed while the layout of the form's values is still being built does
    not build it again on the GUI thread: the dialog says so, and closes with the
    previewed layout once it is there."""
    from engine.analysis import analyze

    dialog.select_template("dgx-h100-hall")
    dialog.set_value("racks", 8)
    assert dialog._timer.isActive()  # the preview has not even started
    dialog.accept()
    assert dialog.layout_result is None and dialog.isVisible()
    assert dialog.status.text() == "Building the layout…" and not dialog.ok_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.layout_result is not None, timeout=60_000)
    assert dialog.result() == 1 and dialog.layout_result is dialog.preview["layout"]
    assert analyze(dialog.layout_result, builtin_catalog).counts["gpus"] == 8 * 4 * 8


def test_a_change_while_create_waits_calls_the_wait_off(qtbot, dialog):
    dialog.select_template("dgx-h100-hall")
    dialog.set_value("racks", 8)
    dialog.accept()
    dialog.set_value("racks", 12)  # other values than the ones Create was pressed for
    assert dialog.ok_button.isEnabled()
    assert dialog.wait_for_preview()
    assert dialog.preview["values"]["racks"] == 12
    assert dialog.layout_result is None and dialog.isVisible()


def test_the_preview_notes_a_size_past_the_published_table(dialog):
    """17 SU of the dc-busbar DGX B300 edition (published to 16 SU) is previewed and can be
    made, with a note above the rules that it is past the table; 16 SU has none."""
    dialog.select_template("dgx-b300-superpod")
    dialog.set_value("edition", "dc-busbar")
    dialog.set_value("scalable_units", 17)
    assert dialog.wait_for_preview()
    text = dialog.rules.text()
    assert "Note</span> 17 SU is beyond the 16 SU of the dc-busbar edition" in text
    assert text.index("Note") < text.index("FABRIC-RAIL-PLANES")
    assert dialog.ok_button.isEnabled() and dialog.error_text() == ""
    assert dialog.figures["gpus"].text() == "8,704"  # 17 x 64 DGX B300 x 8 GPUs
    dialog.set_value("scalable_units", 16)
    assert dialog.wait_for_preview()
    assert "Note" not in dialog.rules.text()
