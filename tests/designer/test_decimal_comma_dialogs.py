"""A decimal comma in a dialog's number box ("12,5") is never read as thousands, and
never lets Enter or the dialog's button go on with the number the box had before: the
box keeps the entry, and the dialog says why where it says what else it refuses. Left
with the comma in it, the box puts back its number from before the entry, and says so.

Keys go to the focused spin box, as Qt delivers them (it hands them to its line edit).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

RACKS = "Racks: expected a whole number, a comma only between thousands (got 12,5)"
SPEED = ("Link speed: expected a number, a comma only between thousands (got 12,5; for 12.5 "
         "write a decimal point)")


def _focus(qtbot, box) -> None:
    box.window().activateWindow()
    qtbot.waitExposed(box)
    box.lineEdit().setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)


def _type(qtbot, box, text: str) -> None:
    """Type ``text`` over the number in ``box`` (its prefix and suffix stay)."""
    _focus(qtbot, box)
    box.selectAll()
    qtbot.keyClicks(box, text)


def _leave(qtbot, box, to) -> None:
    to.setFocus()
    qtbot.waitUntil(lambda: not box.hasFocus(), timeout=3000)


# -- New from template ---------------------------------------------------------------------

@pytest.fixture
def template_dialog(qtbot, builtin_catalog):
    from designer.library.new_from_template import NewFromTemplateDialog

    dlg = NewFromTemplateDialog(catalog=builtin_catalog)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.select_template("dgx-h100-hall")
    yield dlg
    dlg.done(0)


def test_template_enter_on_a_decimal_comma_keeps_the_dialog_open(qtbot, template_dialog):
    dlg = template_dialog
    box = dlg.editors["racks"]
    _type(qtbot, box, "12,5")
    # said as it is typed, in the form's message line, not "expected a number from 1 to …"
    assert dlg.error_text() == RACKS and not dlg.ok_button.isEnabled()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0 and dlg.layout_result is None
    assert box.lineEdit().text() == "12,5" and dlg.error_text() == RACKS
    assert not dlg.ok_button.isEnabled()


def test_template_box_left_with_a_decimal_comma_puts_its_number_back_and_says_so(
        qtbot, template_dialog):
    dlg = template_dialog
    box = dlg.editors["racks"]
    before = box.value()
    _type(qtbot, box, "12,5")
    _leave(qtbot, box, dlg.tree)
    assert box.value() == before and box.lineEdit().text() == str(before)
    assert dlg.error_text() == f"{RACKS}; it stays {before}"
    assert dlg.ok_button.isEnabled(), "the number on show is a good one"
    # the next entry takes the note down
    _type(qtbot, box, "8")
    assert dlg.error_text() == "" and box.value() == 8


# -- New fabric ----------------------------------------------------------------------------

@pytest.fixture
def fabric_dialog(qtbot, default_layout, builtin_catalog):
    from designer.dialogs.fabric_dialog import FabricDialog

    lay = default_layout.model_copy(update={"fabrics": []})
    gpus = [r.id for r in lay.racks if r.devices]
    dlg = FabricDialog(lay, builtin_catalog, gpus)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.fabric() is not None and dlg._ok.isEnabled()
    yield dlg
    dlg.done(0)


def test_fabric_enter_on_a_decimal_comma_adds_nothing_and_says_why(qtbot, fabric_dialog):
    dlg = fabric_dialog
    before = dlg.speed.value()
    _type(qtbot, dlg.speed, "12,5")
    assert dlg.problem.text() == SPEED and dlg.problem.isVisibleTo(dlg)
    assert not dlg._ok.isEnabled(), "Add fabric must not take the speed from before"
    qtbot.keyClick(dlg.speed, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0
    assert dlg.speed.cleanText() == "12,5" and dlg.problem.text() == SPEED
    qtbot.mouseClick(dlg._ok, Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.result() == 0
    # left, the box shows its speed again; the note says so, and that fabric can be added
    _leave(qtbot, dlg.speed, dlg.name)
    assert dlg.speed.value() == before
    assert dlg.problem.text() == f"{SPEED}; it stays {dlg.speed.text()}"
    assert dlg.speed.text() == f"{before:g} Gb/s"
    assert dlg._ok.isEnabled()
    dlg.wait_for_preview()
    assert dlg.fabric().nic_speed_gbps == before


@pytest.mark.parametrize("name, label", [("rails", "Rails"), ("su", "Nodes per scalable unit"),
                                         ("oversub", "Leaf oversubscription")])
def test_every_fabric_number_refuses_a_decimal_comma(qtbot, fabric_dialog, name, label):
    dlg = fabric_dialog
    box = getattr(dlg, name)
    before = box.value()
    _type(qtbot, box, "2,5")
    assert dlg.problem.text().startswith(f"{label}: expected ")
    assert "a comma only between thousands (got 2,5" in dlg.problem.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0
    _leave(qtbot, box, dlg.name)
    assert box.value() == before


# -- Compare -------------------------------------------------------------------------------

@pytest.fixture
def compare(qtbot, builtin_catalog, monkeypatch):
    from designer.library.compare_window import CompareWindow

    win = CompareWindow(catalog=builtin_catalog)
    qtbot.addWidget(win)
    started: list[dict] = []
    monkeypatch.setattr(win.jobs, "start", lambda kw, _cat: started.append(kw) or -1)
    win.show()
    qtbot.waitExposed(win)
    win.started = started
    return win


@pytest.mark.parametrize("name, said", [
    ("gpus", "GPUs: expected a whole number, a comma only between thousands (got 12,5)"),
    ("power_mw", "Facility power: expected a number, a comma only between thousands "
                 "(got 12,5; for 12.5 write a decimal point)"),
    ("hall_w", "Hall width: expected a number, a comma only between thousands "
               "(got 12,5; for 12.5 write a decimal point)"),
])
def test_compare_runs_nothing_on_a_decimal_comma_and_says_why(qtbot, compare, name, said):
    win = compare
    {"gpus": win.by_gpus, "power_mw": win.by_power, "hall_w": win.by_hall}[name].setChecked(True)
    box = getattr(win, name)
    before = box.value()
    _type(qtbot, box, "12,5")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert win.started == []
    assert box.cleanText() == "12,5"
    assert win.status.text() == f"{said}; nothing was compared"
    # Compare clicked: the box left puts its value back, and nothing runs on it unsaid
    win.status.setText("")
    qtbot.mouseClick(win.run_button, Qt.MouseButton.LeftButton)
    assert win.started == [] and box.value() == before
    assert win.status.text() == f"{said}; nothing was compared"


# -- Link two racks ------------------------------------------------------------------------

@pytest.fixture
def link_dialog(qtbot):
    from designer.dialogs.link_dialog import LinkDialog, LinkEnd

    ends = [LinkEnd(3, "dgx-h100", (400.0,))]
    dlg = LinkDialog("GPU-0001", "GPU-0002", ends, list(ends))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    dlg.done(0)


@pytest.mark.parametrize("text", ["1,5", "12,5", "2,50"])
def test_link_cables_refuse_a_decimal_comma(qtbot, link_dialog, text):
    dlg = link_dialog
    said = f"Cables: expected a whole number, a comma only between thousands (got {text})"
    _type(qtbot, dlg.count, text)
    assert dlg.problem.text() == said and not dlg._ok.isEnabled()
    qtbot.keyClick(dlg.count, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0
    assert dlg.count.cleanText() == text
    _leave(qtbot, dlg.count, dlg.speed)
    assert dlg.values()[1] == 1, f"{text} is not {text.replace(',', '')} cables"
    assert dlg.problem.text() == f"{said}; it stays 1" and dlg._ok.isEnabled()


def test_link_cables_still_read_thousands(qtbot, link_dialog):
    _type(qtbot, link_dialog.count, "1,500")
    qtbot.keyClick(link_dialog.count, Qt.Key.Key_Return)
    assert link_dialog.result() == 1 and link_dialog.values()[1] == 1500


def test_the_designer_makes_no_spin_box_without_the_comma_guard():
    """Every number box of the designer refuses a decimal comma: none is a plain Qt one."""
    root = Path(__file__).resolve().parents[2] / "designer"
    plain = [f"{p.relative_to(root)}:{k}" for p in root.rglob("*.py")
             for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\bQ(Double)?SpinBox\(", line)]
    assert plain == []


# -- New hall ------------------------------------------------------------------------------

def test_new_hall_names_the_decimal_comma(qtbot):
    from designer.dialogs.new_hall import NewHallDialog

    dlg = NewHallDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    _type(qtbot, dlg.width_m, "1,5")
    qtbot.keyClick(dlg.width_m, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0
    assert dlg.problem.text() == ("Width: expected a number, a comma only between thousands "
                                  "(got 1,5; for 1.5 write a decimal point)")
    dlg.done(0)
