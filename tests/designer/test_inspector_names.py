"""The inspector shows names, not the ids the layout stores: a rack type as the catalog
names it, a fabric's purpose and topology as the New fabric dialog words them, a catalog
model by its name; picking one still stores the id."""

from __future__ import annotations

import pytest
from panel_helpers import make  # tests/designer is on pytest's path
from PySide6.QtWidgets import QLabel

from designer.panels.inspector import InspectorPanel


@pytest.fixture
def insp(qtbot, doc):
    return make(qtbot, InspectorPanel, doc, (420, 1200))


def _pick(combo, text):
    i = combo.findText(text)
    assert i >= 0, [combo.itemText(k) for k in range(combo.count())]
    combo.setCurrentIndex(i)
    combo.activated.emit(i)


def _labels(panel) -> list[str]:
    return [w.text() for w in panel.scroll.widget().findChildren(QLabel)]


def test_a_fabric_reads_as_the_new_fabric_dialog_words_it(qtbot, doc, insp):
    fid = doc.layout.fabrics[0].id
    doc.select([fid])
    purpose, topology = insp.editor("purpose").widget, insp.editor("topology").widget
    assert purpose.currentText() == "Compute (scale-out, GPU to GPU)"
    assert topology.currentText() == "Rail-optimized fat-tree"
    fabric = doc.item(fid)
    assert (fabric.purpose, fabric.topology) == ("scale_out", "rail_optimized")
    assert "rail_optimized" in topology.toolTip(), "the stored value is on hover"
    labels = _labels(insp)
    assert "Link speed (Gb/s)" in labels and not any("NIC" in t for t in labels)
    _pick(topology, "Fat-tree")
    assert doc.item(fid).topology == "fat_tree"
    assert insp.editor("topology").widget.currentText() == "Fat-tree"
    doc.set_field([fid], "nic_speed_gbps", 800.0)  # the Edit menu says it as the form does
    assert doc.undo_stack.undoText() == f"Set {fid} link speed to 800 Gb/s"


def test_a_fabric_tier_names_its_switch_and_placement(doc, insp):
    fabric = doc.layout.fabrics[0]
    doc.select([fabric.id])
    switch = insp.editor("tiers.0.switch").widget
    assert switch.currentText() == doc.catalog.devices[fabric.tiers[0].switch].name
    assert insp.editor("tiers.0.placement").widget.currentText() == "In the network racks"


def test_a_rack_type_reads_as_the_catalog_names_it(doc, insp):
    doc.select(["GPU-0001"])
    combo = insp.editor("type").widget
    assert combo.currentText() == "Rack 800 x 1200 mm, 48U"
    assert doc.item("GPU-0001").type == "rack-800x1200"
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert not any(t.startswith(("rack-", "orv3-", "nvl72-")) for t in texts), texts
    assert "Open Rack V3 High Power Rack (ORv3 HPR), 47U" in texts
    _pick(combo, "Rack 600 x 1200 mm, 48U")
    assert doc.item("GPU-0001").type == "rack-600x1200"


def test_units_and_feeds_name_their_catalog_model(doc, insp):
    crah = next(u for u in doc.layout.cooling if u.kind == "crah")
    doc.select([crah.id])
    model = insp.editor("model").widget
    assert model.text() == doc.catalog.facility[crah.model].name
    assert model.toolTip() == crah.model
    assert insp.editor("kind").widget.text() == "CRAH (air)"
    feed = doc.layout.feeds[0]
    doc.select([feed.id])
    # a feed's model is a choice of the catalog's feeds, shown by name
    assert insp.editor("model").widget.currentText() == doc.catalog.facility[feed.model].name
    assert insp.editor("kind").widget.currentText() == "Busway"
    assert doc.item(feed.id).kind == "busway"
