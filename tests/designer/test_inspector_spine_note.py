"""A fabric with more spines than its leaves' uplinks fill says why in the inspector."""

from __future__ import annotations

from designer.panels.figures import fabric_rows
from engine.analysis import Analyzer
from engine.edits import set_field
from engine.templates import instantiate


class _Doc:
    def __init__(self, layout):
        from engine.catalog import default_catalog

        self.catalog = default_catalog()
        self.layout = layout
        self.analysis = Analyzer(layout, self.catalog).result


def test_three_scalable_units_name_the_ras_spine_count():
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4, "ufm_port": False})
    # three SUs' worth of nodes: 24 leaves with 32 uplinks each, 12 spines' ports
    fab = lay.fabrics[0]
    keep = set(fab.members[: len(fab.members) * 3 // 4])
    lay = set_field(lay, [fab.id], "members", [m for m in fab.members if m in keep])
    rows = {k: v for k, v, _t in fabric_rows(_Doc(lay), [fab.id])}
    assert rows["Switches"].startswith("24 leaf · 16 spine")
    assert rows["Spine count"] == ("16 spines, not the 12 with enough ports: a leaf's 32 "
                                   "uplinks split evenly over 16, 2 to each; the DGX "
                                   "SuperPOD RA's count for up to 4 SU")


def test_a_tabulated_su_count_has_no_spine_note():
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 4, "ufm_port": False})
    rows = [k for k, _v, _t in fabric_rows(_Doc(lay), [lay.fabrics[0].id])]
    assert "Spine count" not in rows


def test_a_partial_pod_says_it_is_built_whole():
    # 5 SU on the tested plan, 3-tier: 40 leaves in pods of 32 leaves and 32 spines; the
    # second pod's 8 leaves send 8 x 32 = 256 uplinks, which 256 / 32 down ports = 8
    # spines could carry
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 5, "fabric_plan": "tested"})
    rows = {k: v for k, v, _t in fabric_rows(_Doc(lay), [lay.fabrics[0].id])}
    assert rows["Switches"].startswith("40 leaf · 64 spine · 32 core")
    assert rows["Spine count"] == ("64 spines in 2 pods of 32: the last pod has 8 of its "
                                   "32 leaves and is built whole, ready to grow to 8 SU; "
                                   "8 spines would carry its leaves alone")


def test_full_pods_have_no_spine_note():
    lay = instantiate("dgx-h100-superpod", {"scalable_units": 8, "fabric_plan": "tested"})
    rows = [k for k, _v, _t in fabric_rows(_Doc(lay), [lay.fabrics[0].id])]
    assert "Spine count" not in rows
