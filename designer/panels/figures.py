"""Computed, read-only figures of the inspected objects, read from the latest analysis.

Each ``*_rows(document, ids)`` returns ``[(label, text, tooltip), ...]`` with a
fixed set of labels (units in the labels), so the inspector builds its form
once and only updates texts on each analysis. ``generated_switches(analysis,
rack_id)`` lists the switches the fabric analysis placed in a rack's free U.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from typing import NamedTuple

import numpy as np

from designer.panels.common import figure_source, find_item
from engine.fabric import TIER_NAMES
from engine.memo import LastValue
from engine.report_tables import group_status

__all__ = ["rack_rows", "unit_rows", "feed_rows", "tray_rows", "obstacle_rows", "link_rows",
           "fabric_rows", "ratio_text", "switch_text", "hall_rows", "rack_sources_html",
           "GeneratedSwitch", "generated_switches"]

_DASH = "—"


def _n(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def _rack_index(analysis, ids: list[str]) -> np.ndarray:
    if analysis is None:
        return np.zeros(0, np.int64)
    ix = analysis.arrays.rack_index
    return np.array([ix[i] for i in ids if i in ix], np.int64)


def _sum_max(values: np.ndarray, idx: np.ndarray, digits: int = 1) -> str:
    if not len(idx):
        return _DASH
    sel = values[idx]
    if len(idx) == 1:
        return _n(float(sel[0]), digits)
    return f"{_n(float(sel.sum()), digits)} total, max {_n(float(sel.max()), digits)}"


def rack_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more racks."""
    a = document.analysis
    idx = _rack_index(a, ids)
    labels = [
        ("IT power (kW)", "Maximum power of the installed devices x utilization factor"),
        ("Heat to room air (kW)", "Air heat the CRAHs must remove (after rear doors)"),
        ("Heat to rear door (kW)", "Air heat removed by the rack's rear-door heat exchanger"),
        ("Heat to liquid (kW)", "Heat removed by cold plates through a CDU"),
        ("Airflow (CFM)", "Published device airflow, or derived from air heat and ΔT"),
        ("Coolant flow (L/min)", "Coolant flow for the liquid heat at the coolant ΔT"),
        ("Weight (kg)", "Rack enclosure plus installed devices"),
        ("Floor load (kg/m²)", "Weight over the rack's footprint"),
        ("U used", "Rack units taken by devices (a rack-scale system fills the rack) and by "
                   "the switches the fabric analysis placed in the rack's free U"),
        ("GPUs", ""),
        ("Cooled by", "CRAH zone (nearest or explicit) and CDU"),
        ("A/B feed loss", "Whether the rack keeps power when one side is lost"),
    ]
    if not len(idx):
        return [(k, _DASH, t) for k, t in labels]
    arr, c, p, fl = a.arrays, a.cooling, a.power, a.floor
    used = int(arr.rack_u_used[idx].sum())
    height = int(arr.rack_height_u[idx].sum())
    # generated switches stand only in free U, so they add to the devices' U
    gen_u = generated_u(a, idx)
    used += gen_u
    if len(idx) == 1:
        i = int(idx[0])
        crah = c.unit_ids[c.rack_crah[i]] if c.rack_crah[i] >= 0 else "no CRAH"
        cdu = c.unit_ids[c.rack_cdu[i]] if c.rack_cdu[i] >= 0 else "no CDU"
        cooled = f"{crah} / {cdu}" if c.rack_liquid_kw[i] > 0 else crah
        a_ok, b_ok = bool(p.rack_survives_a_loss[i]), bool(p.rack_survives_b_loss[i])
        ab = "survives A or B loss" if a_ok and b_ok else (
            "fails on loss of " + " or ".join(s for s, ok in (("A", a_ok), ("B", b_ok)) if not ok))
        if p.rack_kw[i] > 0 and p.rack_feed_count[i] == 0:
            ab = "no feed"
    else:
        cooled = f"{len({int(c.rack_crah[i]) for i in idx if c.rack_crah[i] >= 0})} CRAH zone(s)"
        weak = int(np.count_nonzero(~(p.rack_survives_a_loss[idx] & p.rack_survives_b_loss[idx])))
        ab = "all survive" if weak == 0 else f"{weak} rack(s) fail"
    load = fl.rack_load_kg_m2 if len(fl.rack_load_kg_m2) == arr.n_racks else None
    values = [
        _sum_max(p.rack_kw, idx),
        _sum_max(c.rack_air_kw, idx),
        _sum_max(c.rack_door_kw, idx),
        _sum_max(c.rack_liquid_kw, idx),
        _sum_max(c.rack_airflow_cfm, idx, 0),
        _sum_max(c.rack_flow_lpm, idx, 0),
        _sum_max(fl.rack_weight_kg, idx, 0),
        _DASH if load is None else (_n(float(load[idx[0]]), 0) if len(idx) == 1 else
                                    f"max {_n(float(load[idx].max()), 0)}"),
        f"{used} / {height} U ({height - used} free"
        + (f"; {gen_u} U generated switches)" if gen_u else ")"),
        f"{int(arr.rack_gpus[idx].sum()):,}",
        cooled,
        ab,
    ]
    return [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]


def unit_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more cooling units."""
    a = document.analysis
    labels = [("Load (kW)", "Heat assigned to the unit"),
              ("Utilization", "Load over rated capacity"),
              ("Coolant flow (L/min)", "Flow the assigned liquid heat needs (CDU)"),
              ("Racks served", "Racks whose CDU or nearest CRAH this unit is, or the rack "
               "a rear door hangs on (the zone "
               "lines of the cooling overlay); a CRAH takes a share of the whole room's air "
               "heat by capacity over distance squared, so it carries load with no rack "
               "nearest it"),
              ("Group N+1 margin (kW)", "Group capacity without its largest unit, minus load "
               "(room units: also less the heat of their largest failed rear door)")]
    if a is None:
        return [(k, _DASH, t) for k, t in labels]
    c = a.cooling
    uix = {u: i for i, u in enumerate(c.unit_ids)}
    idx = np.array([uix[i] for i in ids if i in uix], np.int64)
    if not len(idx):
        return [(k, _DASH, t) for k, t in labels]
    load = float(c.unit_load_kw[idx].sum())
    cap = float(c.unit_capacity_kw[idx].sum())
    served = int(np.count_nonzero(np.isin(c.rack_crah, idx) | np.isin(c.rack_cdu, idx)))
    # a rear door serves the rack it hangs on
    racks = {r.id for r in document.layout.racks}
    wanted = set(ids)
    served += len({u.rack for u in document.layout.cooling
                   if u.id in wanted and u.kind == "rear_door" and u.rack in racks})
    flow = float(c.unit_flow_lpm[idx].sum())
    rated = float(np.nansum(c.unit_rated_flow_lpm[idx]))
    kinds = {c.unit_kind[i] for i in idx}
    gix = sorted({int(c.unit_group[i]) for i in idx.tolist()})
    margin = "; ".join(_group_margin(c, g) for g in gix)
    # a CRAH takes its share of the whole room's air, the racks nearest it or not: said
    # beside the count of the racks nearest it, so a CRAH with none still reads right
    room = kinds <= {"crah"}
    racks = f"{served} nearest" if served else "none nearest"
    values = [_n(load), f"{load / cap:.0%}" if cap > 0 else _DASH,
              (f"{flow:,.0f}" + (f" of {rated:,.0f} rated" if rated > 0 else ""))
              if "cdu" in kinds else _DASH,
              f"{racks}; a share of the room's air" if room else f"{served}", margin or _DASH]
    rows = [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]
    return rows


def _group_margin(c, g: int) -> str:
    """Return a group's N+1 margin, with its status where that is not "N+1 OK"."""
    status = group_status(c, g)
    text = f"{c.group_names[g]} {c.group_margin_kw[g]:+,.0f}"
    return text if status == "N+1 OK" else f"{text}, {status}"


def feed_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more power feeds."""
    a = document.analysis
    derate = document.layout.assumptions.continuous_derating
    labels = [("Rating (kW)", "Voltage x current (x √3 for three phases) x power factor"),
              ("Budget (kW)", f"Rating x {derate:.0%} continuous-load factor"),
              ("Load (kW)", "Normal load, each rack split over its feeds"),
              ("Utilization", "Normal load over budget"),
              ("Failover load (kW)", "Load with the other side lost"),
              ("Failover utilization", "Failover load over budget"),
              ("Racks fed", "")]
    if a is None:
        return [(k, _DASH, t) for k, t in labels]
    p = a.power
    fix = {f: i for i, f in enumerate(p.feed_ids)}
    idx = np.array([fix[i] for i in ids if i in fix], np.int64)
    if not len(idx):
        return [(k, _DASH, t) for k, t in labels]
    budget = float(p.feed_budget_kw[idx].sum())

    def pct(x):
        return f"{x / budget:.0%}" if budget > 0 else _DASH

    load = float(p.feed_load_kw[idx].sum())
    fail = float(p.feed_failover_kw[idx].sum())
    fed = sum(1 for r in document.layout.racks if set(r.feeds) & set(ids))
    values = [_n(float(p.feed_rating_kw[idx].sum())), _n(budget), _n(load), pct(load),
              _n(fail), pct(fail), f"{fed}"]
    return [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]


def tray_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more cable trays."""
    total = 0.0
    for i in ids:
        t = find_item(document, i)
        pts = getattr(t, "points", [])
        total += sum(math.dist(p, q) for p, q in zip(pts, pts[1:], strict=False))
    return [("Length (m)", _n(total, 2), "Plan length of the tray polyline")]


def obstacle_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more obstacles: where they stand, their size and
    area, and the footprints standing on them (their outline is edited on the canvas)."""
    labels = [("Centre (m)", "Centre of the bounding box (of them all, for several)"),
              ("Extent (m)", "Bounding box: x from and to, y from and to"),
              ("Size (m)", "Bounding box width (x) × depth (y)"),
              ("Area (m²)", "Area of the outline (the sum, for several)"),
              ("Footprints on it", "Racks and units standing on it (rule FLOOR-OBSTACLE)")]
    found = (find_item(document, i) for i in ids)
    polys = [np.asarray(o.polygon, np.float64) for o in found
             if o is not None and len(getattr(o, "polygon", ())) >= 3]
    if not polys:
        return [(k, _DASH, t) for k, t in labels]
    pts = np.concatenate(polys)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    area = sum(_polygon_area_m2(p) for p in polys)
    floor = getattr(document.analysis, "floor", None)
    on = [i for i, oid in getattr(floor, "on_obstacle", ()) if oid in ids]
    values = [f"x {_n((x0 + x1) / 2, 2)}, y {_n((y0 + y1) / 2, 2)}",
              # "to", not a dash: a range of negative figures read "-1.30--0.50"
              f"x {_n(x0, 2)} to {_n(x1, 2)}, y {_n(y0, 2)} to {_n(y1, 2)}",
              f"{_n(x1 - x0, 2)} × {_n(y1 - y0, 2)}", _n(area, 2),
              f"{len(set(on)):,}" if floor is not None else _DASH]
    return [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]


def _polygon_area_m2(xy: np.ndarray) -> float:
    """Return the area of a simple polygon ``(N, 2)`` in m² (shoelace).

    Examples
    --------
    >>> _polygon_area_m2(np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 0.5], [0.0, 0.5]]))
    1.0
    """
    x, y = xy[:, 0], xy[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def link_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of one or more explicit links: routed length, medium and
    cables, as the cabling analysis chose them."""
    labels = [("Routed length (m)", "Up, along the trays, down, plus slack (or the length set)"),
              ("Medium", "Chosen by length and speed from the catalog's reach table and the "
                         "cabling policy (or the medium set)"),
              ("Cables", "Physical cables of the link(s)"),
              ("Fabric", "The fabric whose bisection the link joins")]
    a = document.analysis
    topo = getattr(getattr(a, "network", None), "topology", None)
    cab = getattr(getattr(a, "network", None), "cabling", None)
    if topo is None or cab is None or not len(topo.lk_link_id):
        return [(k, _DASH, t) for k, t in labels]
    rows = np.flatnonzero(np.isin(topo.lk_link_id, list(ids)))
    if not len(rows):
        return [(k, _DASH, t) for k, t in labels]
    from engine.cabling import MediaTable

    media = MediaTable.from_catalog(document.catalog).ids
    lengths = cab.length_m[rows]
    used = sorted({media[m] if 0 <= m < len(media) else "none reaches"
                   for m in cab.medium[rows].tolist()})
    cables = int((topo.lk_count[rows] * cab.cables[rows]).sum())
    fabrics = sorted({a.network.fabrics[f]["id"] for f in topo.lk_fabric[rows].tolist()
                      if 0 <= f < len(a.network.fabrics)})
    length = (_n(float(lengths[0]), 2) if len(rows) == 1 else
              f"{_n(float(lengths.min()), 2)} to {_n(float(lengths.max()), 2)}")
    values = [length, ", ".join(used), f"{cables:,}", ", ".join(fabrics) or _DASH]
    return [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]


def ratio_text(value: float) -> str:
    """Return a down:up ratio's first term to 2 decimals, trailing zeros dropped.

    Examples
    --------
    >>> [ratio_text(v) for v in (6.857142857, 1.909090909, 2.0, 1.5)]
    ['6.86', '1.91', '2', '1.5']
    """
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fabric_rows(document, ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of a fabric: switches and cables by tier, ratios and
    bisection, as the network analysis built it."""
    labels = [("Switches", "Leaf · spine · core, as planned for the member nodes"),
              ("Links", "Node–leaf · leaf–spine · spine–core links (the dashboard's "
                        "Cables count what is bought: two links of a twin-port copper "
                        "cable as one)"),
              ("Oversubscription", "Down:up ratio of each tier, of the ports it serves"),
              ("Bisection (Tb/s)", "One direction, and how it was found"),
              ("Per GPU (Gb/s)", "Bisection per GPU of the fabric"),
              ("Worst spine failure", "Bisection per GPU with the worst single spine lost "
                                      "(beside the fabric's Tb/s), and that spine")]
    a = document.analysis
    fabs = {f["id"]: f for f in getattr(getattr(a, "network", None), "fabrics", None) or []}
    f = fabs.get(ids[0]) if len(ids) == 1 else None
    if f is None:
        return [(k, _DASH, t) for k, t in labels]
    sw, cb = f.get("switches", {}), f.get("cables", {})
    over = " · ".join(f"{t} {ratio_text(v)}:1"
                      for t, v in (f.get("oversubscription") or {}).items())
    worst = dict(f.get("worst_failure") or {})
    if worst.get("switch"):
        worst["switch"] = switch_text(document.catalog, str(worst["switch"]))
    values = [" · ".join(f"{sw.get(t, 0):,} {t}" for t in TIER_NAMES if sw.get(t)) or "0",
              " · ".join(f"{v:,}" for v in cb.values()) if cb else _DASH,
              over or _DASH,
              f"{f.get('bisection_tbps', 0):,.2f} ({str(f.get('bisection_method', '')).replace('_', ' ')})",
              _per_end(f),
              (f"{worst['per_gpu_bisection_gbps']:,.1f} Gb/s per GPU ({worst.get('switch', '')})"
               if worst.get("per_gpu_bisection_gbps") is not None else
               f"{worst['per_endpoint_bisection_gbps']:,.1f} Gb/s per node "
               f"({worst.get('switch', '')})"
               if worst.get("per_endpoint_bisection_gbps") is not None else _DASH)]
    rows = [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]
    note = _spine_note(a, f["id"])
    if note:  # more spines than the ports need: why (the RA's count, equal paths)
        rows.insert(1, ("Spine count", note, "Why the fabric has this many spines"))
    return rows


def _spine_note(a, fabric_id: str) -> str:
    """Return the plan's word on its spine count (``""``: the ports decide it)."""
    topo = getattr(getattr(a, "network", None), "topology", None)
    for fb in getattr(topo, "fabrics", None) or []:
        if fb.id == fabric_id and fb.plan is not None:
            return fb.plan.spine_note()
    return ""


def switch_text(catalog, label: str) -> str:
    """Return the network analysis's name of a switch (``"spine qm9700 at NET-0003
    U12"``: tier, catalog id, where) with the catalog's name of its model in place of
    the id, as the palette and the elevation name it; a model the catalog lacks keeps
    its id.

    Examples
    --------
    >>> from engine.catalog import default_catalog
    >>> switch_text(default_catalog(), "spine qm9700 at NET-0003 U12")
    'spine NVIDIA Quantum-2 QM9700 (NDR InfiniBand) at NET-0003 U12'
    >>> switch_text(default_catalog(), "spine no-such-switch at NET-0003 U12")
    'spine no-such-switch at NET-0003 U12'
    """
    tier, _sp, rest = label.partition(" ")
    model, at, where = rest.partition(" at ")
    device = catalog.devices.get(model) if tier in TIER_NAMES else None
    return f"{tier} {device.name}{at}{where}" if device is not None else label


def _per_end(f: dict) -> str:
    """Bisection per GPU of a compute fabric, per node of a front-end, storage or
    management network (which has no per-GPU figure)."""
    if f.get("per_gpu_bisection_gbps") is not None:
        return f"{f['per_gpu_bisection_gbps']:,.1f}"
    if f.get("per_endpoint_bisection_gbps") is not None:
        return f"{f['per_endpoint_bisection_gbps']:,.1f} per node"
    return _DASH


def hall_rows(document, _ids: list[str]) -> list[tuple[str, str, str]]:
    """Return the computed rows of the hall."""
    a = document.analysis
    lay = document.layout
    x0, y0, x1, y1 = lay.hall.bounds()
    rows = [("Extent (m)", f"{x1 - x0:,.2f} x {y1 - y0:,.2f}", "Bounding box of the outline")]
    if a is None:
        return rows + [("Hall area (m²)", _DASH, ""), ("Occupied area (m²)", _DASH, ""),
                       ("Max floor load (kg/m²)", _DASH, "")]
    fl = a.floor
    peak = float(fl.rack_load_kg_m2.max()) if len(fl.rack_load_kg_m2) else 0.0
    return rows + [
        ("Hall area (m²)", _n(fl.hall_area_m2), "Outline minus obstacles"),
        ("Occupied area (m²)", f"{_n(fl.occupied_area_m2)} "
         f"({fl.occupied_area_m2 / fl.hall_area_m2:.0%})" if fl.hall_area_m2 else _DASH,
         "Footprints of racks and units"),
        ("Max floor load (kg/m²)", f"{peak:,.0f} of {lay.hall.floor_rating_kg_m2:,.0f}",
         "Heaviest rack over its footprint, against the floor rating"),
    ]


def _fig(label: str, fig, unit: str, scale: float = 1.0, digits: int = 1) -> str:
    if fig.value is None:
        return f"{label} <i>not published</i>"
    return (f"{label} {fig.value * scale:,.{digits}f} {unit} "
            f"<span style='color:#666'>[{html.escape(figure_source(fig))}]</span>")


def rack_sources_html(document, ids: list[str]) -> str:
    """Return the catalog figures used for the racks, each with its source key."""
    cat = document.catalog
    lay = document.layout
    by_id = {r.id: r for r in lay.racks}
    racks = [by_id[i] for i in ids if i in by_id]
    rack_types = Counter(r.type for r in racks)
    devices: Counter[str] = Counter()
    for r in racks:
        if r.system:
            devices[r.system] += 1
        for d in r.devices:
            devices[d.type] += 1
    lines: list[str] = []
    for tid, n in rack_types.items():
        rt = cat.racks.get(tid)
        if rt is not None:
            lines.append(f"<b>{n} x {html.escape(rt.id)}</b>: "
                         + _fig("empty weight", rt.weight_kg, "kg", 1.0, 0))
    for tid, n in devices.items():
        d = cat.devices.get(tid)
        if d is None:
            lines.append(f"<b>{n} x {html.escape(tid)}</b>: <i>not in the catalog</i>")
            continue
        fig = d.power_max_w if d.power_max_w.value is not None else d.power_typical_w
        parts = [_fig("power", fig, "kW", 1e-3, 2), _fig("weight", d.weight_kg, "kg", 1.0, 1),
                 _fig("liquid", d.liquid_fraction, "%", 100.0, 0),
                 _fig("airflow", d.airflow_cfm, "CFM", 1.0, 0)]
        lines.append(f"<b>{n} x {html.escape(d.id)}</b>: " + "; ".join(parts))
    if not lines:
        return "<i>empty rack</i>"
    return "<br>".join(lines)


class GeneratedSwitch(NamedTuple):
    """A switch the fabric analysis placed in a network rack's free U (not in the layout)."""

    fabric: str
    tier: str
    model: str
    u: int
    height_u: int
    power_w: float


_GENERATED_INDEX: LastValue[tuple[np.ndarray, dict[str, tuple[int, int]]]] = LastValue()


def _index_generated(topo, rack_ids: list[str]) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Return the generated switch rows by rack then U, and each rack's span of them."""
    gen = np.flatnonzero(_standing(topo))
    order = gen[np.lexsort((topo.sw_u[gen], topo.sw_rack[gen]))]
    racks, first, count = np.unique(topo.sw_rack[order], return_index=True, return_counts=True)
    spans = {rack_ids[r]: (s, s + n)
             for r, s, n in zip(racks.tolist(), first.tolist(), count.tolist(), strict=True)}
    return order, spans


def generated_u(analysis, rack_idx: np.ndarray) -> int:
    """Return the U the fabric analysis's generated switches take in racks ``rack_idx``."""
    topo = getattr(getattr(analysis, "network", None), "topology", None)
    if topo is None or not topo.n_switches or not len(rack_idx):
        return 0
    gen = _standing(topo)
    return int(topo.sw_height_u[gen & np.isin(topo.sw_rack, rack_idx)].sum())


def _standing(topo) -> np.ndarray:
    """Return which switches are generated ones standing in a rack's free U (a switch that
    found no free U stands in none: FABRIC-NO-ROOM)."""
    gen = (topo.sw_rack >= 0) & (topo.sw_dev < 0)
    return gen if topo.sw_roomless is None else gen & ~topo.sw_roomless


def generated_switches(analysis, rack_id: str) -> list[GeneratedSwitch]:
    """Return the switches the fabric analysis generated into ``rack_id``, lowest U first.

    Installed switches are not listed (they are the rack's own devices). The
    per-rack index is built once per topology, which the engine keeps while
    racks only move, so a call during a drag is a dictionary look-up.
    """
    net = getattr(analysis, "network", None)
    topo = getattr(net, "topology", None)
    if topo is None or not topo.n_switches:
        return []
    # the topology's key includes the rack ids, so its rack indices match net.rack_ids
    order, spans = _GENERATED_INDEX.get((topo,), lambda: _index_generated(topo, net.rack_ids))
    span = spans.get(rack_id)
    if span is None:
        return []
    rows = order[span[0]:span[1]]
    fabric_ids = [f.id for f in topo.fabrics]
    return [GeneratedSwitch(fabric_ids[f], TIER_NAMES[k], topo.models[m], u, h, w)
            for f, k, m, u, h, w in zip(topo.sw_fabric[rows].tolist(),
                                        topo.sw_tier[rows].tolist(),
                                        topo.sw_model[rows].tolist(), topo.sw_u[rows].tolist(),
                                        topo.sw_height_u[rows].tolist(),
                                        topo.sw_power_w[rows].tolist(), strict=True)]
