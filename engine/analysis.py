"""One entry point: analyze(layout) -> Analysis, and an incremental Analyzer.

The pipeline: compile the layout to arrays, then network (fabrics, links,
cabling, bisection; its optics add power), power, cooling, floor, and the
registered rules. :class:`Analyzer` keeps the compiled arrays so an edit to one
rack patches a row instead of recompiling; its result equals a full analysis.

Examples
--------
>>> from engine.templates import instantiate
>>> lay = instantiate("dgx-h100-hall", {"racks": 4})
>>> a = analyze(lay)
>>> a.counts["gpus"], round(a.power.it_kw, 1) >= 163.2
(128, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import cooling as _cooling
from engine import floor as _floor
from engine import power as _power
from engine.catalog import Catalog, default_catalog
from engine.compile import LayoutArrays, compile_layout, front_vectors, patch_rack, rack_geometry
from engine.model import Layout
from engine.network import NetworkResult, analyze_network
from engine.rules import Violation, run_rules

__all__ = ["ANALYSIS_SCHEMA", "Context", "Analysis", "Analyzer", "analyze"]

ANALYSIS_SCHEMA = "rackscape.analysis/1"


@dataclass
class Context:
    """Everything a rule may look at."""

    layout: Layout
    catalog: Catalog
    arrays: LayoutArrays
    network: NetworkResult | None = None
    power: _power.PowerResult | None = None
    cooling: _cooling.CoolingResult | None = None
    floor: _floor.FloorResult | None = None


@dataclass
class Analysis:
    """The typed result of an analysis; :meth:`to_dict` gives the JSON contract."""

    generation: str
    counts: dict[str, Any]
    arrays: LayoutArrays
    network: NetworkResult
    power: _power.PowerResult
    cooling: _cooling.CoolingResult
    floor: _floor.FloorResult
    violations: list[Violation] = field(default_factory=list)

    def violations_by_severity(self) -> dict[str, int]:
        """Return the number of violations per severity."""
        out = {"error": 0, "warning": 0, "info": 0}
        for v in self.violations:
            out[v.severity] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the analysis as the JSON-ready dict of the public contract."""
        p, c, n = self.power, self.cooling, self.network
        return {
            "schema": ANALYSIS_SCHEMA,
            "generation": self.generation,
            "counts": self.counts,
            "power": {
                "it_kw": round(p.it_kw, 3),
                "facility_kw": round(p.facility_kw, 3),
                "max_rack_kw": round(p.max_rack_kw, 3),
                "pue": round(p.pue, 4),
                "optics_kw": round(p.optics_kw, 3),
                "gpus_per_mw": round(p.gpus_per_mw, 2),
                "feeds": [{"id": fid, "side": "AB"[int(s)], "load_kw": round(float(lk), 3),
                           "budget_kw": round(float(b), 3), "utilization": round(float(u), 4),
                           "failover_kw": round(float(fk), 3),
                           "failover_utilization": round(float(fu), 4)}
                          for fid, s, lk, b, u, fk, fu in zip(
                              p.feed_ids, p.feed_side, p.feed_load_kw, p.feed_budget_kw,
                              p.feed_utilization, p.feed_failover_kw,
                              p.feed_failover_utilization, strict=True)],
                "rows": {name: round(float(kw), 3) for name, kw in zip(p.row_names, p.row_kw,
                                                                       strict=True)},
            },
            "cooling": {
                "heat_kw": round(c.heat_kw, 3),
                "air_kw": round(c.air_kw, 3),
                "liquid_kw": round(c.liquid_kw, 3),
                "liquid_share": round(c.liquid_kw / c.heat_kw, 4) if c.heat_kw > 0 else 0.0,
                "airflow_cfm": round(c.airflow_cfm, 1),
                "liquid_flow_lpm": round(float(c.rack_flow_lpm.sum()), 1),
                "units": [{"id": uid, "kind": k, "capacity_kw": float(cap),
                           "load_kw": round(float(ld), 3), "utilization": round(float(u), 4)}
                          for uid, k, cap, ld, u in zip(c.unit_ids, c.unit_kind,
                                                        c.unit_capacity_kw, c.unit_load_kw,
                                                        c.unit_utilization, strict=True)],
                "groups": [{"name": g, "capacity_kw": float(cap), "n1_capacity_kw": float(n1),
                            "load_kw": round(float(ld), 3), "n1_margin_kw": round(float(m), 3)}
                           for g, cap, n1, ld, m in zip(c.group_names, c.group_capacity_kw,
                                                        c.group_n1_capacity_kw, c.group_load_kw,
                                                        c.group_margin_kw, strict=True)],
            },
            "floor": {
                "hall_area_m2": round(self.floor.hall_area_m2, 3),
                "occupied_area_m2": round(self.floor.occupied_area_m2, 3),
                "max_load_kg_m2": round(float(self.floor.rack_load_kg_m2.max()), 1)
                if len(self.floor.rack_load_kg_m2) else 0.0,
            },
            "cabling": n.cabling_dict(),
            "network": n.network_dict(),
            "violations": [v.to_dict() for v in self.violations],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Return the JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)


def _evaluate(layout: Layout, catalog: Catalog, arr: LayoutArrays) -> Analysis:
    ctx = Context(layout, catalog, arr)
    ctx.network = analyze_network(layout, catalog, arr)
    gpus = int(arr.rack_gpus.sum())
    ctx.power = _power.analyze_power(layout, arr.rack_power_w, arr.rack_liquid_w, gpus,
                                     optics_w=ctx.network.optics_w)
    ctx.cooling = _cooling.analyze_cooling(layout, arr.rack_x_m, arr.rack_y_m, arr.rack_power_w,
                                           arr.rack_liquid_w, arr.rack_airflow_cfm,
                                           extra_air_kw=ctx.network.optics_w / 1000.0)
    hx, hy = rack_geometry(arr.rack_x_m, arr.rack_y_m, arr.rack_w_m, arr.rack_d_m,
                           arr.rack_rot_deg)
    box = _floor.boxes(arr.rack_x_m, arr.rack_y_m, hx, hy)
    ctx.floor = _floor.analyze_floor(layout, box, front_vectors(arr.rack_rot_deg),
                                     arr.rack_weight_kg)
    counts = {
        "gpus": gpus,
        "servers": int(arr.rack_servers.sum()),
        "cpu_nodes": int(arr.rack_cpu_nodes.sum()),
        "racks": arr.n_racks,
        "gpu_racks": int(np.count_nonzero(arr.rack_gpus)),
        "cpus": int(arr.rack_cpus.sum()),
        "switches": ctx.network.switch_counts(),
        "cooling_units": len(layout.cooling),
        "feeds": len(layout.feeds),
    }
    return Analysis(generation=layout.generation, counts=counts, arrays=arr,
                    network=ctx.network, power=ctx.power, cooling=ctx.cooling, floor=ctx.floor,
                    violations=run_rules(ctx))


def analyze(layout: Layout, catalog: Catalog | None = None) -> Analysis:
    """Analyze a layout from scratch.

    Raises
    ------
    engine.errors.InputError
        When the layout names a rack or device type the catalog does not have.
    """
    catalog = catalog or default_catalog()
    return _evaluate(layout, catalog, compile_layout(layout, catalog))


class Analyzer:
    """Keeps compiled arrays between edits for fast re-analysis.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> an = Analyzer(lay)
    >>> lay.racks[0] = lay.racks[0].model_copy(update={"x_m": lay.racks[0].x_m + 0.6})
    >>> an.update(lay, [lay.racks[0].id]).to_dict() == analyze(lay).to_dict()
    True
    """

    def __init__(self, layout: Layout, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or default_catalog()
        self.arrays = compile_layout(layout, self.catalog)
        self.result = _evaluate(layout, self.catalog, self.arrays)

    def update(self, layout: Layout, changed_rack_ids: list[str] | None = None) -> Analysis:
        """Re-analyze after an edit; pass the ids of edited racks to patch them only.

        ``None`` (or any structural change: racks added or removed) recompiles.
        """
        ok = (changed_rack_ids is not None and len(layout.racks) == self.arrays.n_racks
              and all(r.id == rid for r, rid in zip(layout.racks, self.arrays.rack_ids,
                                                     strict=True))
              and all(patch_rack(self.arrays, layout, self.catalog, rid)
                      for rid in changed_rack_ids))
        if not ok:
            self.arrays = compile_layout(layout, self.catalog)
        self.result = _evaluate(layout, self.catalog, self.arrays)
        return self.result
