"""A rack-scale system's elevation: its trays and shelves where the catalog places them."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from designer.panels.elevation import ROLE_COLORS
from engine.templates import instantiate


@pytest.fixture
def nvl_doc(qapp, builtin_catalog, recovery_dir):
    from designer.document import LayoutDocument

    lay = instantiate("gb200-nvl72-superpod", {"scalable_units": 1}, catalog=builtin_catalog)
    d = LayoutDocument(lay, catalog=builtin_catalog, analysis_mode="sync", autosave_ms=0)
    yield d
    d.close()


def _canvas(qtbot, doc, size=(330, 900)):
    from panel_helpers import make

    from designer.panels import RackElevationPanel

    panel = make(qtbot, RackElevationPanel, doc, size)
    doc.select(["NVL-0001"])
    qtbot.wait(10)
    return panel.canvas


def test_the_system_shows_its_trays_shelves_and_switches(qtbot, nvl_doc, builtin_catalog):
    cv = _canvas(qtbot, nvl_doc)
    (system,) = cv.blocks
    kinds = [k for k, *_ in system.bays]
    # 18 compute trays and 9 NVLink switch trays, 2 ToR management switches [S04], 8 power
    # shelves [S05]
    assert (kinds.count("compute_tray"), kinds.count("switch_tray"),
            kinds.count("management_switch"), kinds.count("power_shelf")) == (18, 9, 2, 8)
    assert [u for k, u, _h, _n in system.bays if k == "compute_tray"] == \
        builtin_catalog.devices["gb200-nvl72"].tray_u()
    # each slot is painted in its kind's colour, at its U
    img = QImage(cv.size(), QImage.Format.Format_RGB32)
    cv.render(img)
    for kind, u, role in (("compute_tray", 5, "rack_system"), ("switch_tray", 13, "switch"),
                          ("power_shelf", 1, "power_shelf")):
        c = cv.u_rect(u, 1).center().toPoint()
        c.setX(int(cv.rack_rect().right()) - 6)  # clear of the slot's name
        assert QColor(img.pixel(c)) == QColor(ROLE_COLORS[role]), kind


def test_a_slot_names_itself_its_u_and_its_cut_sheet_ports(qtbot, nvl_doc):
    cv = _canvas(qtbot, nvl_doc)
    tip = cv.tooltip_at(cv.u_rect(22, 1).center())
    # tray 9 is the first over the switch trays, at U22; its ports are T09-P1..P4
    assert "Compute tray 9" in tip and "U22" in tip and "T09-" in tip
    assert "estimate" in tip.lower()
    assert "NVLink switch tray" in cv.tooltip_at(cv.u_rect(17, 1).center())
    # an empty slot of the frame is the system's, as before
    assert "GB200 NVL72" in cv.tooltip_at(cv.u_rect(40, 1).center())
