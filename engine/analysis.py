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
import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import cooling as _cooling
from engine import floor as _floor
from engine import power as _power
from engine.catalog import Catalog, default_catalog
from engine.compile import (
    LayoutArrays,
    airflow_from_heat_cfm,
    compile_layout,
    front_vectors,
    patch_rack,
    rack_geometry,
)
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
        """Return the analysis as the JSON-ready dict of the public contract.

        Beyond the contract's keys it says which totals are lower bounds: hardware
        the catalog has no power (weight) figure for counts as 0 W (0 kg), so
        ``power.it_kw_is_lower_bound``, ``cooling.heat_kw_is_lower_bound`` and
        ``floor.max_load_is_lower_bound`` are true when any is in the hall, with
        the count and models of it (``unknown_power_*``, ``unknown_weight_*``).
        A figure that does not apply is null: GPUs per MW without GPUs, the
        bisection without a GPU fabric (see :meth:`NetworkResult.network_dict`).
        """
        p, c, n, fl = self.power, self.cooling, self.network, self.floor
        rack_unknown = p.rack_unknown_power if p.rack_unknown_power is not None else \
            np.zeros(0, np.int64)
        feed_unknown = p.feed_unknown_power if p.feed_unknown_power is not None else \
            np.zeros(len(p.feed_ids), np.int64)
        feed_ends = p.feed_unknown_ends if p.feed_unknown_ends is not None else \
            np.zeros(len(p.feed_ids), np.int64)
        max_load, load_is_bound = fl.max_load_kg_m2()
        return {
            "schema": ANALYSIS_SCHEMA,
            "generation": self.generation,
            "counts": self.counts,
            "power": {
                "it_kw": round(p.it_kw, 3),
                "facility_kw": round(p.facility_kw, 3),
                # no racks: no largest one; no IT load: no ratio of facility to IT
                "max_rack_kw": round(p.max_rack_kw, 3) if self.arrays.n_racks else None,
                "pue": round(p.pue, 4) if p.it_kw > 0 else None,
                "optics_kw": round(p.optics_kw, 3),
                "gpus_per_mw": round(p.gpus_per_mw, 2) if self.counts["gpus"] and p.it_kw > 0
                else None,
                "it_kw_is_lower_bound": p.is_lower_bound,
                "unknown_power_devices": p.unknown_power_devices,
                "unknown_power_racks": int(np.count_nonzero(rack_unknown)),
                "unknown_power_models": dict(p.unknown_power_models),
                "unknown_power_cable_ends": p.unknown_power_ends,
                "unknown_power_media": dict(p.unknown_power_media),
                "feeds": [{"id": fid, "side": "AB"[int(s)], "load_kw": round(float(lk), 3),
                           "budget_kw": round(float(b), 3), "utilization": round(float(u), 4),
                           "failover_kw": round(float(fk), 3),
                           "failover_utilization": round(float(fu), 4),
                           # devices, and with the link ends of unknown power, hardware
                           "unknown_power_devices": int(k - e),
                           "unknown_power_hardware": int(k)}
                          for fid, s, lk, b, u, fk, fu, k, e in zip(
                              p.feed_ids, p.feed_side, p.feed_load_kw, p.feed_budget_kw,
                              p.feed_utilization, p.feed_failover_kw,
                              p.feed_failover_utilization, feed_unknown.tolist(),
                              feed_ends.tolist(), strict=True)],
                "row_kw": {name: round(float(kw), 3) for name, kw in zip(p.row_names, p.row_kw,
                                                                         strict=True)},
            },
            "cooling": {
                "heat_kw": round(c.heat_kw, 3),
                "air_kw": round(c.air_kw, 3),
                "liquid_kw": round(c.liquid_kw, 3),
                # heat is the IT load: devices of unknown power leave theirs out
                "heat_kw_is_lower_bound": p.is_lower_bound,
                "liquid_share": round(c.liquid_kw / c.heat_kw, 4) if c.heat_kw > 0 else 0.0,
                "airflow_cfm": round(c.airflow_cfm, 1),
                "supply_airflow_cfm": round(c.supply_airflow_cfm, 1),
                "liquid_flow_lpm": round(float(c.rack_flow_lpm.sum()), 1),
                "units": [{"id": uid, "kind": k, "capacity_kw": float(cap),
                           "load_kw": round(float(ld), 3), "utilization": round(float(u), 4)}
                          for uid, k, cap, ld, u in zip(c.unit_ids, c.unit_kind,
                                                        c.unit_capacity_kw, c.unit_load_kw,
                                                        c.unit_utilization, strict=True)],
                "groups": [{"name": g, "capacity_kw": float(cap), "n1_capacity_kw": float(n1),
                            "load_kw": round(float(ld), 3), "n1_margin_kw": round(float(m), 3),
                            "door_failure_kw": round(float(d), 3)}
                           for g, cap, n1, ld, m, d in zip(
                               c.group_names, c.group_capacity_kw, c.group_n1_capacity_kw,
                               c.group_load_kw, c.group_margin_kw, c.group_door_failure_kw,
                               strict=True)],
            },
            "floor": {
                "hall_area_m2": round(fl.hall_area_m2, 3),
                "occupied_area_m2": round(fl.occupied_area_m2, 3),
                # racks of unknown weight count their known part: the highest load is
                # then at least this
                "max_load_kg_m2": round(max_load, 1),
                "max_load_is_lower_bound": load_is_bound,
                "unknown_weight_racks": fl.racks_weight_unknown,
                "unknown_weight_models": dict(fl.unknown_weight_models),
            },
            "cabling": n.cabling_dict(),
            "network": n.network_dict(),
            "violations": [v.to_dict() for v in self.violations],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Return the JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=indent)


@dataclass
class _Caches:
    """Per-domain state of an incremental analysis."""

    power: _power.PowerCache = field(default_factory=_power.PowerCache)
    cooling: _cooling.CoolingCache = field(default_factory=_cooling.CoolingCache)
    floor: _floor.FloorCache = field(default_factory=_floor.FloorCache)
    switch_w: np.ndarray | None = None  # per-rack power of the switches the analysis placed
    #: (type table, catalog, types of no power figure, types of no weight figure)
    type_flags: tuple | None = None
    #: racks whose enclosure has no weight figure (kept and patched for edited racks)
    rack_type_unknown: np.ndarray | None = None


def _no_power(spec: Any) -> bool:
    return spec is not None and spec.power_max_w.value is None \
        and spec.power_typical_w.value is None


def _no_weight(spec: Any) -> bool:
    return spec is not None and spec.weight_kg.value is None


def _merge_counts(*parts: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0) + int(v)
    return dict(sorted(out.items()))


def _switch_unknowns(network: NetworkResult, catalog: Catalog, n_racks: int) -> tuple:
    """Per rack, the switches the fabric placed there with no power (weight) figure, and
    such switches by model (placed or not); kept with the topology, as racks move."""
    topo = network.topology
    empty = (np.zeros(n_racks, np.int64), {})
    if topo is None or not topo.n_switches:
        return empty, empty
    key = ("unknown_figures", n_racks, id(catalog))
    found = topo.cache.get(key)
    if found is None:
        specs = [catalog.devices.get(m) for m in topo.models]
        generated = np.asarray(topo.sw_dev) < 0
        model = np.asarray(topo.sw_model, np.int64)
        rack = np.asarray(topo.sw_rack, np.int64)
        out = []
        for unknown in (_no_power, _no_weight):
            flag = np.array([unknown(d) for d in specs], bool)
            sel = generated & flag[model] if len(flag) else np.zeros(len(model), bool)
            placed = sel & (rack >= 0) & (rack < n_racks)
            per_rack = np.bincount(rack[placed], minlength=n_racks).astype(np.int64)
            by_model = np.bincount(model[sel], minlength=len(specs))
            out.append((per_rack, {topo.models[i]: int(by_model[i])
                                   for i in np.flatnonzero(by_model).tolist()}))
        found = topo.cache[key] = tuple(out)
    return found


def _unknown_figures(layout: Layout, catalog: Catalog, arr: LayoutArrays,
                     network: NetworkResult, caches: _Caches,
                     changed: np.ndarray | None) -> tuple[np.ndarray, dict, np.ndarray, dict]:
    """Return the hardware with no power or weight figure, which the totals count as 0.

    Returns ``(rack_power, power_models, rack_weight, weight_models)``: per rack, the
    devices of unknown power (R,) int and whether its weight leaves one out (R,) bool;
    by model, the count of such hardware in the hall (rack types of unknown weight
    too). Vectorized over the devices; only when the catalog lacks a figure for a type
    in use.
    """
    tt, n = arr.types, arr.n_racks
    flags = caches.type_flags
    if flags is None or flags[0] is not tt or flags[1] is not catalog:
        specs = [catalog.devices.get(t) for t in tt.ids]
        flags = caches.type_flags = (tt, catalog, np.array([_no_power(d) for d in specs], bool),
                                     np.array([_no_weight(d) for d in specs], bool))
    (sw_power, sw_power_models), (sw_weight, sw_weight_models) = \
        _switch_unknowns(network, catalog, n)
    counts = None
    per_type: list[tuple[np.ndarray, dict[str, int]]] = []
    for flag in flags[2:]:
        if len(arr.dev_type) and flag.any():
            hit = flag[arr.dev_type]
            per_rack = np.bincount(arr.dev_rack[hit], minlength=n).astype(np.int64)
            if counts is None:
                counts = np.bincount(arr.dev_type, minlength=len(tt.ids))
            models = {tt.ids[i]: int(counts[i]) for i in np.flatnonzero(flag & (counts > 0))}
            per_type.append((per_rack, models))
        else:
            per_type.append((np.zeros(n, np.int64), {}))
    rack_power = per_type[0][0] + sw_power
    rack_weight = (per_type[1][0] > 0) | (sw_weight > 0)
    weight_models = _merge_counts(per_type[1][1], sw_weight_models)
    enclosures = {k for k, rt in catalog.racks.items() if rt.weight_kg.value is None}
    if enclosures:
        kept = caches.rack_type_unknown
        if changed is None or kept is None or len(kept) != n:
            kept = np.array([r.type in enclosures for r in layout.racks], bool)
        else:
            kept = kept.copy()
            for i in np.asarray(changed, np.int64).tolist():
                kept[i] = layout.racks[i].type in enclosures
        caches.rack_type_unknown = kept
        if kept.any():
            rack_weight = rack_weight | kept
            types: dict[str, int] = {}
            for i in np.flatnonzero(kept).tolist():
                t = layout.racks[i].type
                types[t] = types.get(t, 0) + 1
            weight_models = _merge_counts(weight_models, types)
    return (rack_power, _merge_counts(per_type[0][1], sw_power_models), rack_weight,
            weight_models)


def _evaluate(layout: Layout, catalog: Catalog, arr: LayoutArrays, caches: _Caches | None = None,
              changed: np.ndarray | None = None) -> Analysis:
    caches = caches if caches is not None else _Caches()
    ctx = Context(layout, catalog, arr)
    ctx.network = analyze_network(layout, catalog, arr)
    gpus = int(arr.rack_gpus.sum())
    # switches the fabric analysis placed in free U draw power in their racks; when
    # the fabric changes, so does that power in racks the edit did not touch
    # and so do the transceivers at their racks' link ends, whose media (and power)
    # change with the cable lengths when any rack moves
    optics_w = ctx.network.rack_optics_w(arr.n_racks)
    switch_w = ctx.network.generated_rack_power_w(arr.n_racks) + optics_w
    if changed is not None:
        prev = caches.switch_w
        changed = None if prev is None or len(prev) != len(switch_w) else \
            np.union1d(changed, np.flatnonzero(prev != switch_w))
    caches.switch_w = switch_w
    rack_power_w = arr.rack_power_w + switch_w
    rack_weight_kg = arr.rack_weight_kg + ctx.network.generated_rack_weight_kg(arr.n_racks)
    rack_airflow_cfm = (arr.rack_airflow_cfm + ctx.network.generated_rack_airflow_cfm(arr.n_racks)
                        + airflow_from_heat_cfm(optics_w, layout.assumptions.delta_t_air_k))
    # optics at link ends outside any rack (none in a built fabric) stay hall loads, as
    # do the switches a fabric found no free U for (FABRIC-NO-ROOM)
    loose_optics_w = max(ctx.network.optics_w - float(optics_w.sum()), 0.0)
    roomless_w = ctx.network.roomless_switch_w
    hx, hy = rack_geometry(arr.rack_x_m, arr.rack_y_m, arr.rack_w_m, arr.rack_d_m,
                           arr.rack_rot_deg)
    box = _floor.boxes(arr.rack_x_m, arr.rack_y_m, hx, hy)
    no_power, power_models, no_weight, weight_models = _unknown_figures(
        layout, catalog, arr, ctx.network, caches, changed)
    # a rack's transceivers of unknown power leave its load short as its devices' do
    ends = ctx.network.rack_optics_unknown
    if ends is not None and len(ends) == len(no_power):
        no_power = no_power + ends
    else:
        ends = None
    ctx.power = _power.analyze_power(layout, rack_power_w, arr.rack_liquid_w, gpus,
                                     optics_w=loose_optics_w,
                                     optics_in_racks_w=float(optics_w.sum()), cache=caches.power,
                                     changed=changed, rack_box=box,
                                     rack_unknown_power=no_power, rack_unknown_ends=ends,
                                     unknown_power_models=power_models,
                                     unknown_power_media=ctx.network.power_unknown_by_medium,
                                     hall_load_w=roomless_w)
    ctx.cooling = _cooling.analyze_cooling(layout, arr.rack_x_m, arr.rack_y_m, rack_power_w,
                                           arr.rack_liquid_w, rack_airflow_cfm,
                                           extra_air_kw=(loose_optics_w + roomless_w) / 1000.0,
                                           cache=caches.cooling, changed=changed,
                                           rack_rot_deg=arr.rack_rot_deg,
                                           rack_d_m=arr.rack_d_m)
    ctx.floor = _floor.analyze_floor(layout, box, front_vectors(arr.rack_rot_deg),
                                     rack_weight_kg, cache=caches.floor,
                                     rack_weight_unknown=no_weight,
                                     unknown_weight_models=weight_models)
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
        When the layout names a rack or device type the catalog does not have
        (``file`` is ``None``; the caller knows the file).
    """
    catalog = catalog or default_catalog()
    return _evaluate(layout, catalog, compile_layout(layout, catalog))


_RACK_ID = operator.attrgetter("id")


class Analyzer:
    """Keeps compiled arrays and per-domain state between edits for fast re-analysis.

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
        self._caches = _Caches()
        self._stale = False
        self.result = _evaluate(layout, self.catalog, self.arrays, self._caches)
        self._racks = list(layout.racks)  # the rack objects the arrays were compiled from
        #: whether the last :meth:`update` patched the changed racks only
        self.was_incremental = False

    def update(self, layout: Layout, changed_ids: list[str] | None = None) -> Analysis:
        """Re-analyze after an edit; pass the ids of every item edited since the last call.

        When all of ``changed_ids`` are racks that still exist (moved, rotated,
        re-typed or with new contents), only those racks are recomputed. ``None``,
        any other id (a unit, feed, tray...), or racks added, removed or reordered
        re-analyze from scratch. Either way the result equals :func:`analyze`.
        Results already returned are never modified.
        """
        ids = self.arrays.rack_ids
        incremental = (changed_ids is not None and not self._stale and len(layout.racks) == len(ids)
                       and all(rid in self.arrays.rack_index for rid in changed_ids)
                       and self._same_rack_ids(layout.racks))
        if incremental:
            arr = self.arrays.copy()
            incremental = all(patch_rack(arr, layout, self.catalog, rid) for rid in changed_ids)
        self._stale = True  # until this update succeeds: a failed one leaves caches half done
        if incremental:
            changed = np.array(sorted({arr.rack_index[rid] for rid in changed_ids}), np.int64)
            result = _evaluate(layout, self.catalog, arr, self._caches, changed)
        else:
            arr = compile_layout(layout, self.catalog)
            self._caches = _Caches()
            result = _evaluate(layout, self.catalog, arr, self._caches)
        self.arrays, self.result, self._stale = arr, result, False
        self._racks = list(layout.racks)
        self.was_incremental = incremental
        return result

    def _same_rack_ids(self, racks: list) -> bool:
        """Whether ``racks`` have the ids of the compiled racks, in order. Edits share
        the rack objects they do not touch: only the others' ids are read (a drag step
        reads one, not thousands)."""
        prev, ids = self._racks, self.arrays.rack_ids
        if len(prev) != len(racks):
            return list(map(_RACK_ID, racks)) == ids
        same = np.fromiter(map(operator.is_, prev, racks), bool, count=len(racks))
        return all(racks[i].id == ids[i] for i in np.flatnonzero(~same).tolist())
