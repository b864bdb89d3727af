"""Edit → Link two racks: the device at each end (installed or placed by the fabric), the
speed the ports run at, and the link it draws."""

from __future__ import annotations

import pytest

from designer.dialogs.link_dialog import LinkDialog, LinkEnd, link_ends, port_speeds_gbps


def _items(box) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def _endpoint_problems(doc, lid: str) -> list[str]:
    return [v.code for v in doc.analysis.violations if lid in v.items]


def test_a_network_rack_offers_the_switches_the_fabric_placed_there(window, qtbot):
    doc = window.document
    placed = sorted((p["u"], p["model"], p["tier"]) for p in doc.analysis.network.placements()
                    if p["rack"] == "NET-0001" and p["generated"])
    assert len(placed) == 12  # the default hall installs no switch: the fabric places them
    dlg = window.link_dialog("GPU-0001", "NET-0001")
    qtbot.addWidget(dlg)
    a_items, b_items = _items(dlg.a_end), _items(dlg.b_end)
    # the GPU rack's installed servers by U, the first one chosen (what a link without a U takes)
    assert a_items == [f"U{u}  dgx-h100" for u in (3, 12, 21, 30)]
    assert dlg.a_end.currentText() == "U3  dgx-h100"
    # every switch placed in the network rack, by U, model and tier; none is guessed
    assert b_items[0] == "Choose one of 12 switches…"
    assert b_items[1:] == [f"U{u}  {m}  ({t} of compute, placed by the fabric)"
                           for u, m, t in placed]
    assert dlg.ends() == (3, None)
    assert not dlg._ok.isEnabled() and dlg.problem.text() == "Choose the device at each end."
    leaf_u = next(u for u, _m, t in placed if t == "leaf")
    dlg.b_end.setCurrentIndex(dlg.b_end.findText(f"U{leaf_u}", flags=_starts_with()))
    assert dlg.ends() == (3, leaf_u) and dlg._ok.isEnabled()
    assert "qm9700 at U" in dlg.intro.text() and "NET-0001" in dlg.intro.text()
    # a DGX H100's and a QM9700's ports share only 400 Gb/s
    assert dlg.values() == (400.0, 1) and dlg.speed.itemText(0) == "400 Gb/s"


def _starts_with():
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchStartsWith


def test_linking_a_server_to_a_placed_leaf_analyzes_and_undoes(window, monkeypatch):
    doc = window.document
    before = doc.layout.model_dump()
    leaf_u = min(p["u"] for p in doc.analysis.network.placements()
                 if p["rack"] == "NET-0001" and p["tier"] == "leaf")

    def pick_leaf(dlg):
        dlg.a_end.setCurrentIndex(dlg.a_end.findText("U12", flags=_starts_with()))
        dlg.b_end.setCurrentIndex(dlg.b_end.findText(f"U{leaf_u} ", flags=_starts_with()))
        dlg.count.setValue(2)
        return 1

    monkeypatch.setattr(LinkDialog, "exec", pick_leaf)
    doc.select(["GPU-0001", "NET-0001"])
    count = doc.undo_stack.count()
    lid = window.link_selected()
    link = doc.layout.find(lid)
    assert (link.a.rack, link.a.u, link.b.rack, link.b.u, link.speed_gbps, link.count) == (
        "GPU-0001", 12, "NET-0001", leaf_u, 400.0, 2)
    assert doc.undo_stack.count() == count + 1  # one command
    assert _endpoint_problems(doc, lid) == []
    after = doc.layout.model_dump()
    doc.undo_stack.undo()
    assert doc.layout.model_dump() == before and doc.layout.links == []
    doc.undo_stack.redo()
    assert doc.layout.model_dump() == after


def test_without_a_u_the_network_rack_end_is_what_failed(window):
    # the link the dialog used to draw: no U in a rack of placed switches only
    doc = window.document
    doc.select(["GPU-0001", "NET-0001"])
    lid = window.link_selected(400.0, 1)
    assert "LINK-ENDPOINT" in _endpoint_problems(doc, lid)


@pytest.mark.parametrize(("a", "b", "offered", "default"), [
    ("dgx-h100", "qm9700", [400.0], 400.0),
    ("dgx-b300", "q3400-ra", [800.0], 800.0),
    ("dgx-h100", "sn2201", [1.0, 100.0], 100.0),
    # no speed in common: up to the slower end's fastest port (a 400G server on 800G ports)
    ("dgx-h100", "sn5600", [1.0, 10.0, 25.0, 100.0, 400.0], 400.0),
])
def test_the_speed_follows_the_ports_of_both_ends(qtbot, builtin_catalog, a, b, offered,
                                                  default):
    ends = [LinkEnd(3, m, port_speeds_gbps(builtin_catalog, m)) for m in (a, b)]
    dlg = LinkDialog("R1", "R2", [ends[0]], [ends[1]])
    qtbot.addWidget(dlg)
    assert dlg.ends() == (3, 3)  # one device a rack: chosen
    shown = [dlg.speed.itemData(i) for i in range(dlg.speed.count())]
    assert shown[:len(offered)] == offered
    assert dlg.values()[0] == default
    # the other usual speeds stay at hand, marked where they are faster than the ports
    faster = [dlg.speed.itemText(i) for i in range(dlg.speed.count())
              if (dlg.speed.itemData(i) or 0) > default]
    assert faster and all(t.endswith("(faster than the ports)") for t in faster)


def test_a_rack_with_nothing_to_link_says_so_and_refuses(qtbot, builtin_catalog):
    end = LinkEnd(3, "dgx-h100", port_speeds_gbps(builtin_catalog, "dgx-h100"))
    dlg = LinkDialog("GPU-0001", "EMPTY", [end], [])
    qtbot.addWidget(dlg)
    assert not dlg._ok.isEnabled() and not dlg.b_end.isEnabled()
    assert dlg.b_end.currentText() == "EMPTY holds no device"
    assert dlg.problem.text().startswith("EMPTY holds no device and no switch the fabric placed")


def test_a_tier_port_speed_and_a_rack_scale_system_are_ends(doc, builtin_catalog):
    from engine.analysis import analyze

    lay = doc.layout
    fab = lay.fabrics[0]
    tiers = [t.model_copy(update={"port_speed_gbps": 200.0}) if t.name == "leaf" else t
             for t in fab.tiers]
    lay = lay.model_copy(update={
        "fabrics": [fab.model_copy(update={"tiers": tiers}), *lay.fabrics[1:]],
        "racks": [r.model_copy(update={"devices": [], "system": "gb200-nvl72"})
                  if r.id == "GPU-0002" else r for r in lay.racks]})
    analysis = analyze(lay, builtin_catalog)
    ends = link_ends(lay, builtin_catalog, analysis, "NET-0001")
    leaves = [e for e in ends if e.note.startswith("leaf")]
    assert leaves and all(e.speeds_gbps == (200.0,) and e.is_generated for e in leaves)
    assert link_ends(lay, builtin_catalog, analysis, "GPU-0002") == [
        LinkEnd(None, "gb200-nvl72", (400.0,))]
