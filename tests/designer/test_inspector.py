"""The inspector with the real document: typed numbers refused with a reason, the fields of
explicit links and fabrics, and the lists that open items the canvas cannot reach."""

from __future__ import annotations

import pytest
from panel_helpers import type_entry  # tests/designer is on pytest's path
from PySide6.QtCore import Qt

from designer.panels.inspector import InspectorPanel


def _inspector(qtbot, doc, ids):
    insp = InspectorPanel(doc)
    qtbot.addWidget(insp)
    insp.resize(420, 900)
    insp.show()
    qtbot.waitExposed(insp)
    doc.select(ids)
    return insp


_type = type_entry


def _crah(doc):
    return next(u for u in doc.layout.cooling if u.kind == "crah")


@pytest.mark.parametrize("text, said", [
    ("-50", "Capacity (kW): expected 0.1 to 100,000 (got -50)"),
    ("200000", "Capacity (kW): expected 0.1 to 100,000 (got 200000)"),
    ("abc", "Capacity (kW): expected a number from 0.1 to 100,000 (got “abc”)"),
    ("NaN", "Capacity (kW): expected a number from 0.1 to 100,000 (got NaN)"),
    # a decimal comma is not a thousands separator: 1,5 is not 15 kW
    ("1,5", "Capacity (kW): expected a number from 0.1 to 100,000, a comma only between "
            "thousands (got 1,5; for 1.5 write a decimal point)"),
    ("12,50", "(got 12,50; for 12.50 write a decimal point)"),
    # European thousands: no one-for-one fix to offer ("1.234.5" is no number)
    ("1.234,5", "a comma only between thousands (got 1.234,5)"),
])
def test_a_refused_capacity_says_why_and_changes_nothing(qtbot, doc, text, said):
    crah = _crah(doc)
    insp = _inspector(qtbot, doc, [crah.id])
    le = _type(qtbot, insp.editor("capacity_kw"), text)
    assert insp.message.isVisible()
    assert said in insp.message.text()
    assert doc.item(crah.id).capacity_kw == crah.capacity_kw, "-50 must not apply 50"
    assert doc.undo_stack.count() == 0
    assert le.text().replace(",", "") == f"{crah.capacity_kw:.1f}"


def test_a_power_factor_above_one_is_refused_with_its_range(qtbot, doc):
    feed = doc.layout.feeds[0]
    insp = _inspector(qtbot, doc, [feed.id])
    _type(qtbot, insp.editor("power_factor"), "1.5")
    assert "Power factor: expected 0.5 to 1 (got 1.5)" in insp.message.text()
    assert doc.item(feed.id).power_factor == feed.power_factor
    _type(qtbot, insp.editor("power_factor"), "0.9")
    assert doc.item(feed.id).power_factor == pytest.approx(0.9)
    assert not insp.message.isVisible(), "a good entry clears the message"


def test_thousands_separators_are_still_read(qtbot, doc):
    crah = _crah(doc)
    insp = _inspector(qtbot, doc, [crah.id])
    _type(qtbot, insp.editor("capacity_kw"), "1,350")
    assert doc.item(crah.id).capacity_kw == pytest.approx(1350.0)
    assert not insp.message.isVisible()


def _focused(qtbot, ed):
    """The line edit of spin-box editor ``ed``, with the keyboard (its window active)."""
    box, le = ed.widget, ed.widget.lineEdit()
    box.window().activateWindow()
    qtbot.waitExposed(box)
    le.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    return le


def _enter(qtbot, ed, text):
    """Type ``text`` over the field's number and press Enter, the field keeping the focus."""
    box = ed.widget
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.hasFocus()


def test_a_decimal_comma_after_an_applied_entry_keeps_that_entry(qtbot, doc):
    """1200 applied with Enter, then "1,5" and Enter in the same field: the capacity stays
    1200 (not the value the field had when it took the focus) and no step is added."""
    crah = _crah(doc)
    insp = _inspector(qtbot, doc, [crah.id])
    ed = insp.editor("capacity_kw")
    _focused(qtbot, ed)
    _enter(qtbot, ed, "1200")
    assert doc.item(crah.id).capacity_kw == pytest.approx(1200.0)
    assert doc.undo_stack.count() == 1
    _enter(qtbot, ed, "1,5")
    assert doc.item(crah.id).capacity_kw == pytest.approx(1200.0)
    assert doc.undo_stack.count() == 1, "a refused entry is no edit"
    assert "a comma only between thousands (got 1,5; for 1.5 write a decimal point)" \
        in insp.message.text()
    assert ed.widget.value() == pytest.approx(1200.0)
    insp.setFocus()  # leaving the field changes nothing either
    qtbot.waitUntil(lambda: not ed.widget.hasFocus(), timeout=3000)
    assert doc.item(crah.id).capacity_kw == pytest.approx(1200.0)
    assert doc.undo_stack.count() == 1


def test_a_decimal_comma_after_arrow_steps_keeps_the_steps(qtbot, doc):
    rack = doc.layout.racks[0]
    insp = _inspector(qtbot, doc, [rack.id])
    ed = insp.editor("x_m")
    _focused(qtbot, ed)
    qtbot.keyClick(ed.widget, Qt.Key.Key_Up)
    qtbot.keyClick(ed.widget, Qt.Key.Key_Up)
    stepped = doc.item(rack.id).x_m
    assert stepped == pytest.approx(rack.x_m + 0.2)
    n = doc.undo_stack.count()
    _enter(qtbot, ed, "1,5")
    assert doc.item(rack.id).x_m == pytest.approx(stepped)
    assert doc.undo_stack.count() == n
    assert "(got 1,5; for 1.5 write a decimal point)" in insp.message.text()


def test_a_decimal_comma_in_a_rating_is_refused(qtbot, doc):
    insp = _inspector(qtbot, doc, [])
    before = doc.layout.hall.floor_rating_kg_m2
    _type(qtbot, insp.editor("hall.floor_rating_kg_m2"), "1,2")
    assert "a comma only between thousands (got 1,2" in insp.message.text()
    assert doc.layout.hall.floor_rating_kg_m2 == before


def test_a_whole_number_field_refuses_a_fraction(qtbot, doc):
    insp = _inspector(qtbot, doc, [])
    ed = insp.editor("hall.floor_rating_kg_m2")
    before = doc.layout.hall.floor_rating_kg_m2
    _type(qtbot, ed, "-1200")
    assert "Floor rating (kg/m²): expected" in insp.message.text()
    assert doc.layout.hall.floor_rating_kg_m2 == before


def test_a_refused_entry_in_a_mixed_field_commits_nothing(qtbot, doc):
    crahs = [u.id for u in doc.layout.cooling if u.kind == "crah"][:2]
    doc.set_field(crahs[:1], "capacity_kw", 120.0)
    n = doc.undo_stack.count()
    insp = _inspector(qtbot, doc, crahs)
    _type(qtbot, insp.editor("capacity_kw"), "-5")
    assert "expected 0.1 to 100,000 (got -5)" in insp.message.text()
    assert doc.undo_stack.count() == n


# -- explicit links ------------------------------------------------------------------------------

def _link(doc):
    return doc.add_link("GPU-0001", "GPU-0002", 400.0, 2, 3, 12)


def test_a_link_shows_and_edits_its_fields(qtbot, doc):
    lid = _link(doc)
    insp = _inspector(qtbot, doc, [lid])
    for field in ("speed_gbps", "count", "medium", "length_m", "fabric", "a.rack", "a.u",
                  "a.port", "b.rack", "b.u", "b.port"):
        assert field in insp.editors, field
    assert insp.editor("a.u").widget.value() == 3
    assert insp.editor("b.rack").widget.currentText() == "GPU-0002"
    before = doc.committed_layout.model_dump()
    n = doc.undo_stack.count()
    _type(qtbot, insp.editor("speed_gbps"), "800")
    assert doc.item(lid).speed_gbps == 800.0
    assert doc.undo_stack.count() == n + 1 and "L-1" in doc.undo_stack.text(n)
    _type(qtbot, insp.editor("b.u"), "21")
    assert doc.item(lid).b.u == 21
    _type(qtbot, insp.editor("a.port"), "p3")
    assert doc.item(lid).a.port == "p3"
    medium = insp.editor("medium")
    k = next(i for i, v in enumerate(medium.values) if v is not None)
    medium._on_activated(k)
    assert doc.item(lid).medium == medium.values[k]
    while doc.undo_stack.canUndo() and doc.undo_stack.index() > n:
        doc.undo_stack.undo()
    assert doc.committed_layout.model_dump() == before


def test_a_link_refuses_bad_values_with_a_message(qtbot, doc):
    lid = _link(doc)
    insp = _inspector(qtbot, doc, [lid])
    n = doc.undo_stack.count()
    _type(qtbot, insp.editor("count"), "0")
    assert "Count: expected 1 to 10,000 (got 0)" in insp.message.text()
    _type(qtbot, insp.editor("speed_gbps"), "fast")
    assert "Speed (Gb/s): expected a number" in insp.message.text()
    rack = insp.editor("a.rack")
    rack._on_activated(rack.values.index("GPU-0002"))  # both ends in one rack
    assert "expected a rack other than the link's B end" in insp.message.text()
    assert doc.item(lid).a.rack == "GPU-0001"
    assert doc.undo_stack.count() == n


def test_moving_a_link_end_to_another_rack_is_one_command(qtbot, doc):
    lid = _link(doc)
    insp = _inspector(qtbot, doc, [lid])
    n = doc.undo_stack.count()
    rack = insp.editor("a.rack")
    rack._on_activated(rack.values.index("GPU-0003"))
    assert doc.item(lid).a.rack == "GPU-0003" and doc.item(lid).a.u == 3  # a DGX there too
    assert doc.undo_stack.count() == n + 1
    rack._on_activated(rack.values.index("NET-0001"))  # no device at U3: the U is cleared
    assert doc.item(lid).a.rack == "NET-0001" and doc.item(lid).a.u is None
    doc.undo_stack.undo()
    assert doc.item(lid).a.rack == "GPU-0003"


# -- fabrics and the lists that open items --------------------------------------------------------

def test_the_hall_lists_fabrics_links_and_feeds_that_open_them(qtbot, doc):
    lid = _link(doc)
    insp = _inspector(qtbot, doc, [])
    fab = doc.layout.fabrics[0].id
    for caption, target in (("Fabrics", fab), ("Drawn links", lid), ("Feeds", doc.layout.feeds[0].id)):
        assert f"href='{target}'" in insp.go_to[caption].text()
    insp.go_to["Fabrics"].linkActivated.emit(fab)
    assert doc.selection == [fab]
    assert insp.title.text() == f"Fabric {fab}"


def test_a_rack_lists_its_feeds_so_a_busway_under_it_opens(qtbot, doc):
    insp = _inspector(qtbot, doc, ["GPU-0001"])
    feed = doc.layout.rack("GPU-0001").feeds[0]
    assert f"href='{feed}'" in insp.go_to["Feeds"].text()
    insp.go_to["Feeds"].linkActivated.emit(feed)
    assert doc.selection == [feed] and "power_factor" in insp.editors


def test_a_fabric_edits_its_fields_and_tiers_with_undo(qtbot, doc):
    fabric = doc.layout.fabrics[0]
    insp = _inspector(qtbot, doc, [fabric.id])
    assert insp.editor("rails").widget.value() == fabric.rails
    assert insp.editor("tiers.0.switch").values  # the catalog's switches
    before = doc.committed_layout.model_dump()
    _type(qtbot, insp.editor("rails"), "4")
    assert doc.item(fabric.id).rails == 4
    _type(qtbot, insp.editor("tiers.0.oversubscription"), "2")
    assert doc.item(fabric.id).tiers[0].oversubscription == 2.0
    assert doc.item(fabric.id).tiers[1] == fabric.tiers[1]
    assert doc.undo_stack.undoText() == f"Set {fabric.id} leaf oversubscription to 2"
    assert insp.editor("tiers.0.oversubscription").widget.value() == 2.0
    _type(qtbot, insp.editor("tiers.0.oversubscription"), "100")
    assert "Oversubscription: expected 1 to 64 (got 100)" in insp.message.text()
    placement = insp.editor("tiers.1.placement")
    placement._on_activated(placement.values.index("member_racks"))  # spines cannot
    assert "placement" in insp.message.text()
    assert doc.item(fabric.id).tiers[1].placement == "network_racks"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.committed_layout.model_dump() == before


def test_a_new_links_related_fabric_shows_when_its_analysis_arrives(qtbot, default_layout,
                                                                   builtin_catalog,
                                                                   recovery_dir):
    from designer.document import LayoutDocument

    d = LayoutDocument(default_layout, catalog=builtin_catalog, analysis_mode="async",
                       autosave_ms=0)
    try:
        assert d.wait_for_analysis()
        insp = _inspector(qtbot, d, [])
        lid = _link(d)
        d.select([lid])
        field = insp.editor("count").widget
        assert "Fabric" not in insp.go_to, "built before the link's analysis"
        assert d.wait_for_analysis()
        fab = d.layout.fabrics[0].id
        assert f"href='{fab}'" in insp.go_to["Fabric"].text()
        assert insp.editor("count").widget is field, "the form itself is not rebuilt"
        insp.go_to["Fabric"].linkActivated.emit(fab)
        assert d.selection == [fab]
    finally:
        d.close()


def test_a_fabrics_ratios_read_to_two_decimals_and_the_worst_failure_names_its_unit(qtbot,
                                                                                    doc):
    import re

    fabric = doc.layout.fabrics[0]
    tiers = [t.model_dump() for t in fabric.tiers]
    tiers[0]["oversubscription"] = 2.0
    doc.set_field([fabric.id], "tiers", tiers)
    insp = _inspector(qtbot, doc, [fabric.id])
    over = insp.computed_text("Oversubscription")
    raw = doc.analysis.network.fabrics[0]["oversubscription"]
    assert over == " · ".join(f"{t} {round(v, 2):g}:1" for t, v in raw.items())
    assert all(re.fullmatch(r"\w+ \d+(\.\d{1,2})?:1", part) for part in over.split(" · "))
    worst = insp.computed_text("Worst spine failure")
    assert re.fullmatch(r"[\d,]+\.\d Gb/s per GPU \(spine .+\)", worst), worst


def test_a_racks_related_cooling_lists_the_units_the_analysis_assigned(qtbot, doc):
    rack = doc.layout.racks[0]
    assert rack.crah is None, "cooled by the room's shared air"
    insp = _inspector(qtbot, doc, [rack.id])
    c = doc.analysis.cooling
    crah = c.unit_ids[c.rack_crah[doc.analysis.arrays.rack_index[rack.id]]]
    assert crah in insp.computed_text("Cooled by")
    text = insp.go_to["Cooling"].text()
    assert f"href='{crah}'" in text and "shared room air" in text
    # named on the rack: listed as it is
    other = next(u.id for u in doc.layout.cooling if u.kind == "crah" and u.id != crah)
    doc.set_field([rack.id], "crah", other)
    assert f"href='{other}'" in insp.go_to["Cooling"].text()
    assert "shared room air" not in insp.go_to["Cooling"].text()
    insp.go_to["Cooling"].linkActivated.emit(other)
    assert doc.selection == [other]


def test_a_fabrics_zero_ports_per_gpu_reads_as_the_catalogs_ports(qtbot, doc):
    """0 ports per GPU means each server's own scale-out ports from the catalog (as the New
    fabric dialog says), not no port at all."""
    fab = doc.layout.fabrics[0]
    doc.set_field([fab.id], "ports_per_gpu", 0)
    insp = _inspector(qtbot, doc, [fab.id])
    assert insp.editor("ports_per_gpu").widget.text() == "the catalog's ports"
    doc.set_field([fab.id], "ports_per_gpu", 1)
    assert insp.editor("ports_per_gpu").widget.text() == "1"


@pytest.mark.parametrize("cls", ["GuardedDoubleSpinBox", "ParamDoubleSpinBox", "_Metres"])
def test_dialog_number_boxes_do_not_read_a_decimal_comma_as_thousands(qtbot, cls):
    from PySide6.QtCore import Qt

    from designer.dialogs.new_hall import _Metres
    from designer.library.template_form import ParamDoubleSpinBox
    from designer.panels.editors import GuardedDoubleSpinBox

    box = {"GuardedDoubleSpinBox": lambda: GuardedDoubleSpinBox(),
           "ParamDoubleSpinBox": lambda: ParamDoubleSpinBox(None, None),
           "_Metres": lambda: _Metres("Width", 20.0, 1.0, 5000.0, 0.6)}[cls]()
    qtbot.addWidget(box)
    box.setRange(0.0, 5000.0)
    box.setValue(20.0)
    box.show()
    box.activateWindow()
    qtbot.waitExposed(box)
    for text, expected in (("1,5", 20.0), ("1,500", 1500.0)):
        le = box.lineEdit()
        le.setFocus()
        qtbot.waitUntil(box.hasFocus, timeout=2000)
        le.selectAll()
        qtbot.keyClicks(le, text)
        qtbot.keyClick(le, Qt.Key.Key_Return)
        box.clearFocus()
        assert box.value() == pytest.approx(expected), text
