"""Cooling: heat split air/liquid, airflow, unit assignment, utilization and N+1.

Each rack's heat splits into liquid (cold plates) and air by its devices'
liquid share. A rear-door heat exchanger assigned to a rack removes that
rack's air heat up to its capacity; the rest of the air heat goes to the rack's explicit ``crah``, or is shared
by the hall's CRAHs weighted by capacity over distance squared (room air
mixes); ``rack_crah`` names the nearest one as the rack's zone. The liquid
heat goes to a CDU
(explicit ``cdu`` or the nearest). A redundancy group is N+1 when its
capacity without its largest unit still covers its load.

Examples
--------
>>> liquid_flow_lpm(np.array([100.0]), 10.0).round(1).tolist()
[143.5]
>>> n_plus_one(np.array([100.0, 100.0, 100.0]), np.array([50.0, 60.0, 70.0]), np.array([0, 0, 0]))
(array([200.]), array([180.]), array([20.]))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.model import Layout

__all__ = ["CoolingResult", "liquid_flow_lpm", "nearest", "n_plus_one", "analyze_cooling"]

_WATER_KJ_PER_L_K = 4.18


@dataclass
class CoolingResult:
    """Cooling figures; unit arrays follow ``unit_ids`` order."""

    rack_air_kw: np.ndarray  # air heat left for CRAHs after rear doors
    rack_liquid_kw: np.ndarray
    rack_door_kw: np.ndarray
    rack_flow_lpm: np.ndarray
    rack_crah: np.ndarray  # unit index or -1
    rack_cdu: np.ndarray
    unit_ids: list[str]
    unit_kind: list[str]
    unit_capacity_kw: np.ndarray
    unit_load_kw: np.ndarray
    unit_utilization: np.ndarray
    unit_flow_lpm: np.ndarray
    unit_rated_flow_lpm: np.ndarray
    group_names: list[str]
    group_capacity_kw: np.ndarray
    group_n1_capacity_kw: np.ndarray
    group_load_kw: np.ndarray
    group_margin_kw: np.ndarray  # N+1 capacity minus load
    heat_kw: float
    air_kw: float
    liquid_kw: float
    airflow_cfm: float


def liquid_flow_lpm(liquid_kw: np.ndarray, delta_t_k: float) -> np.ndarray:
    """Return coolant flow (L/min) to carry ``liquid_kw`` at a coolant rise of ``delta_t_k``.

    Water: flow = P / (rho cp dT), about 14.4 / dT L/min per kW (reference sheet §10).
    """
    return liquid_kw * 60.0 / (_WATER_KJ_PER_L_K * delta_t_k)


def nearest(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray,
            block: int = 4096) -> np.ndarray:
    """Return, for each point p, the index of the nearest point q (-1 when q is empty).

    Examples
    --------
    >>> nearest(np.array([0.0, 9.0]), np.array([0.0, 0.0]), np.array([1.0, 10.0]), np.array([0.0, 0.0])).tolist()
    [0, 1]
    """
    if len(qx) == 0:
        return np.full(len(px), -1, np.int64)
    out = np.empty(len(px), np.int64)
    for lo in range(0, len(px), block):
        dx = px[lo:lo + block, None] - qx[None, :]
        dy = py[lo:lo + block, None] - qy[None, :]
        out[lo:lo + block] = np.argmin(dx * dx + dy * dy, axis=1)
    return out


def n_plus_one(capacity_kw: np.ndarray, load_kw: np.ndarray, group: np.ndarray):
    """Return ``(capacity, capacity without the largest unit, margin)`` per group."""
    ng = int(group.max()) + 1 if len(group) else 0
    cap = np.bincount(group, weights=capacity_kw, minlength=ng)
    largest = np.zeros(ng)
    np.maximum.at(largest, group, capacity_kw)
    load = np.bincount(group, weights=load_kw, minlength=ng)
    n1 = cap - largest
    return cap, n1, n1 - load


def _assign(layout: Layout, attr: str, kind_mask: np.ndarray, unit_index: dict[str, int],
            ux: np.ndarray, uy: np.ndarray, rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    cand = np.flatnonzero(kind_mask)
    near = nearest(rx, ry, ux[cand], uy[cand])
    out = np.where(near >= 0, cand[np.maximum(near, 0)] if len(cand) else -1, -1)
    for ri, r in enumerate(layout.racks):
        uid = getattr(r, attr)
        if uid is not None and uid in unit_index and kind_mask[unit_index[uid]]:
            out[ri] = unit_index[uid]
    return out.astype(np.int64)


def air_shares(rx: np.ndarray, ry: np.ndarray, ux: np.ndarray, uy: np.ndarray,
               capacity_kw: np.ndarray, heat_kw: np.ndarray, block: int = 4096) -> np.ndarray:
    """Spread each rack's air heat over the CRAHs of a shared room.

    Air in an open hall mixes, so a CRAH takes heat from every rack, more from
    near ones: weights are ``capacity / distance**2`` normalized per rack.
    Returns the load per unit (kW).

    Examples
    --------
    >>> air_shares(np.array([0.0]), np.array([0.0]), np.array([1.0, -1.0]), np.array([0.0, 0.0]),
    ...            np.array([100.0, 100.0]), np.array([10.0])).tolist()
    [5.0, 5.0]
    """
    load = np.zeros(len(ux))
    if not len(ux):
        return load
    for lo in range(0, len(rx), block):
        dx = rx[lo:lo + block, None] - ux[None, :]
        dy = ry[lo:lo + block, None] - uy[None, :]
        w = capacity_kw[None, :] / np.maximum(dx * dx + dy * dy, 0.25)
        w /= w.sum(axis=1, keepdims=True)
        load += (w * heat_kw[lo:lo + block, None]).sum(axis=0)
    return load


def analyze_cooling(layout: Layout, rack_x_m: np.ndarray, rack_y_m: np.ndarray,
                    rack_power_w: np.ndarray, rack_liquid_w: np.ndarray,
                    rack_airflow_cfm: np.ndarray, extra_air_kw: float = 0.0) -> CoolingResult:
    """Compute the cooling domain from per-rack heat and unit positions."""
    a = layout.assumptions
    units = layout.cooling
    n = len(rack_x_m)
    uid = [u.id for u in units]
    uidx = {k: i for i, k in enumerate(uid)}
    kind = np.array([u.kind for u in units], dtype=object)
    cap = np.array([u.capacity_kw for u in units], np.float64)
    ux = np.array([u.x_m for u in units], np.float64)
    uy = np.array([u.y_m for u in units], np.float64)
    liquid_kw = rack_liquid_w / 1000.0
    air_kw = (rack_power_w - rack_liquid_w) / 1000.0
    door_kw = np.zeros(n)
    unit_load = np.zeros(len(units))
    doors = [(ui, u) for ui, u in enumerate(units) if u.kind == "rear_door" and u.rack]
    if doors:
        rack_index = {r.id: i for i, r in enumerate(layout.racks)}
        for ui, u in doors:
            ri = rack_index.get(u.rack)
            if ri is not None:
                take = min(air_kw[ri] - door_kw[ri], u.capacity_kw)
                door_kw[ri] += take
                unit_load[ui] += take
    resid_air = air_kw - door_kw
    is_crah = kind == "crah"
    is_cdu = kind == "cdu"
    crah = _assign(layout, "crah", is_crah, uidx, ux, uy, rack_x_m, rack_y_m)
    cdu = _assign(layout, "cdu", is_cdu, uidx, ux, uy, rack_x_m, rack_y_m)
    has_crah = crah >= 0
    explicit = np.array([r.crah is not None and r.crah in uidx and is_crah[uidx[r.crah]]
                         for r in layout.racks], bool) if units else np.zeros(n, bool)
    unit_load += np.bincount(crah[explicit], weights=resid_air[explicit], minlength=len(units))
    shared = has_crah & ~explicit
    if shared.any():
        cidx = np.flatnonzero(is_crah)
        unit_load[cidx] += air_shares(rack_x_m[shared], rack_y_m[shared], ux[cidx], uy[cidx],
                                      cap[cidx], resid_air[shared])
    has_cdu = (cdu >= 0) & (liquid_kw > 0)
    unit_load += np.bincount(cdu[has_cdu], weights=liquid_kw[has_cdu], minlength=len(units))
    if extra_air_kw > 0 and is_crah.any():
        # heat of optics and other hall loads spreads over the air units by capacity
        unit_load[is_crah] += extra_air_kw * cap[is_crah] / cap[is_crah].sum()
    rack_flow = liquid_flow_lpm(liquid_kw, a.delta_t_coolant_k)
    unit_flow = np.bincount(cdu[has_cdu], weights=rack_flow[has_cdu], minlength=len(units))
    rated_flow = np.array([u.flow_lpm or np.nan for u in units], np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, unit_load / cap, 0.0)
    gnames = [u.group or u.kind for u in units]
    names, ginv = np.unique(np.asarray(gnames, dtype=str), return_inverse=True) if units else \
        (np.array([], str), np.zeros(0, np.int64))
    gcap, gn1, gmargin = n_plus_one(cap, unit_load, ginv.astype(np.int64))
    gload = np.bincount(ginv, weights=unit_load, minlength=len(names))
    total_liquid = float(liquid_kw.sum())
    total_air = float(air_kw.sum()) + extra_air_kw
    return CoolingResult(
        rack_air_kw=resid_air, rack_liquid_kw=liquid_kw, rack_door_kw=door_kw,
        rack_flow_lpm=rack_flow, rack_crah=crah, rack_cdu=cdu,
        unit_ids=uid, unit_kind=[str(k) for k in kind], unit_capacity_kw=cap,
        unit_load_kw=unit_load, unit_utilization=util, unit_flow_lpm=unit_flow,
        unit_rated_flow_lpm=rated_flow,
        group_names=[str(g) for g in names], group_capacity_kw=gcap, group_n1_capacity_kw=gn1,
        group_load_kw=gload, group_margin_kw=gmargin,
        heat_kw=total_air + total_liquid, air_kw=total_air, liquid_kw=total_liquid,
        airflow_cfm=float(rack_airflow_cfm.sum()),
    )


# -- rules ---------------------------------------------------------------------------------
from engine.rules import Violation, rule  # noqa: E402


@rule("COOL-N1", "cooling", "A cooling group cannot carry its load with its largest unit failed.")
def _check_n1(ctx) -> list[Violation]:
    c = ctx.cooling
    out = []
    for g in np.flatnonzero(c.group_margin_kw < -1e-6):
        members = tuple(u for u, k, u_obj in zip(c.unit_ids, c.unit_kind, ctx.layout.cooling,
                                                 strict=True)
                        if (u_obj.group or k) == c.group_names[g])
        over = c.group_load_kw[g] > c.group_capacity_kw[g] + 1e-6
        msg = (f"Cooling group {c.group_names[g]} carries {c.group_load_kw[g]:.0f} kW: "
               + (f"over its {c.group_capacity_kw[g]:.0f} kW capacity" if over else
                  f"N+1 capacity (largest unit failed) is {c.group_n1_capacity_kw[g]:.0f} kW"))
        out.append(Violation("COOL-CAPACITY" if over else "COOL-N1", "error", msg, members))
    return out


@rule("COOL-UNIT-OVER", "cooling", "A unit's assigned load exceeds its capacity.")
def _check_unit_over(ctx) -> list[Violation]:
    c = ctx.cooling
    return [Violation("COOL-UNIT-OVER", "warning",
                      f"{c.unit_ids[i]} is assigned {c.unit_load_kw[i]:.0f} kW, "
                      f"{c.unit_utilization[i]:.0%} of its {c.unit_capacity_kw[i]:.0f} kW",
                      (c.unit_ids[i],))
            for i in np.flatnonzero(c.unit_utilization > 1.0 + 1e-9)]


@rule("COOL-MISSING", "cooling", "Heat has no unit to go to.")
def _check_missing(ctx) -> list[Violation]:
    c = ctx.cooling
    ids = ctx.arrays.rack_ids
    out = []
    no_air = np.flatnonzero((c.rack_air_kw > 1e-9) & (c.rack_crah < 0))
    if len(no_air):
        out.append(Violation("COOL-NO-AIR", "error",
                             f"{len(no_air)} rack(s) reject {c.rack_air_kw[no_air].sum():.0f} kW to "
                             "air but the hall has no CRAH", tuple(ids[i] for i in no_air[:200])))
    no_liq = np.flatnonzero((c.rack_liquid_kw > 1e-9) & (c.rack_cdu < 0))
    if len(no_liq):
        out.append(Violation("COOL-NO-LIQUID", "error",
                             f"{len(no_liq)} rack(s) need {c.rack_liquid_kw[no_liq].sum():.0f} kW of "
                             "liquid cooling but the hall has no CDU",
                             tuple(ids[i] for i in no_liq[:200])))
    flow_over = np.flatnonzero(c.unit_flow_lpm > c.unit_rated_flow_lpm * (1 + 1e-9))
    out += [Violation("COOL-FLOW-OVER", "warning",
                      f"{c.unit_ids[i]} must deliver {c.unit_flow_lpm[i]:.0f} L/min, over its rated "
                      f"{c.unit_rated_flow_lpm[i]:.0f} L/min", (c.unit_ids[i],)) for i in flow_over]
    return out


@rule("COOL-AIR-LIMIT", "cooling", "A rack rejects more heat to air than the air-cooling limit.")
def _check_air_limit(ctx) -> list[Violation]:
    c = ctx.cooling
    lim = ctx.layout.assumptions.air_limit_kw_per_rack
    ids = ctx.arrays.rack_ids
    hot = np.flatnonzero(c.rack_air_kw > lim + 1e-9)
    if not len(hot):
        return []
    return [Violation("COOL-AIR-LIMIT", "warning",
                      f"{len(hot)} rack(s) reject up to {c.rack_air_kw[hot].max():.1f} kW to air, "
                      f"above the {lim:.0f} kW per-rack air-cooling limit (needs containment, a "
                      "rear door or liquid)", tuple(ids[i] for i in hot))]
