"""Computed, read-only figures of the inspected objects, read from the latest analysis.

Each ``*_rows(document, ids)`` returns ``[(label, text, tooltip), ...]`` with a
fixed set of labels (units in the labels), so the inspector builds its form
once and only updates texts on each analysis.
"""

from __future__ import annotations

import html
import math
from collections import Counter

import numpy as np

from designer.panels.common import figure_source, find_item

__all__ = ["rack_rows", "unit_rows", "feed_rows", "tray_rows", "hall_rows", "rack_sources_html"]

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
        ("U used", "Rack units taken by devices (a rack-scale system fills the rack)"),
        ("GPUs", ""),
        ("Cooled by", "CRAH zone (nearest or explicit) and CDU"),
        ("A/B feed loss", "Whether the rack keeps power when one side is lost"),
    ]
    if not len(idx):
        return [(k, _DASH, t) for k, t in labels]
    arr, c, p, fl = a.arrays, a.cooling, a.power, a.floor
    used = int(arr.rack_u_used[idx].sum())
    height = int(arr.rack_height_u[idx].sum())
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
        f"{used} / {height} U ({height - used} free)",
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
              ("Racks served", "Racks whose zone or CDU this unit is"),
              ("Group N+1 margin (kW)", "Group capacity without its largest unit, minus load")]
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
    flow = float(c.unit_flow_lpm[idx].sum())
    rated = float(np.nansum(c.unit_rated_flow_lpm[idx]))
    kinds = {c.unit_kind[i] for i in idx}
    groups = {find_item(document, c.unit_ids[i]).group or c.unit_kind[i] for i in idx}
    gix = [c.group_names.index(g) for g in groups if g in c.group_names]
    margin = ", ".join(f"{c.group_names[g]} {c.group_margin_kw[g]:+,.0f}" for g in gix)
    values = [_n(load), f"{load / cap:.0%}" if cap > 0 else _DASH,
              (f"{flow:,.0f}" + (f" of {rated:,.0f} rated" if rated > 0 else ""))
              if "cdu" in kinds else _DASH,
              f"{served}", margin or _DASH]
    rows = [(k, v, t) for (k, t), v in zip(labels, values, strict=True)]
    return rows


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
