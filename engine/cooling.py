"""Cooling: heat split air/liquid, airflow, unit assignment, utilization and N+1.

Each rack's heat splits into liquid (cold plates) and air by its devices'
liquid share. A rear-door heat exchanger assigned to a rack removes that
rack's air heat up to its capacity; the rest of the air heat goes to the rack's
explicit ``crah``, or is shared by the hall's CRAHs weighted by capacity over
distance squared (room air mixes); ``rack_crah`` names the nearest one as the
rack's zone. The liquid heat goes to a CDU (explicit ``cdu``, else the nearest standing in the
rack's row, else the nearest).
A redundancy group is N+1 when its capacity without its largest unit still
covers its load.

The shared-air weights are an all-pairs (racks x CRAHs) computation. It runs in
fixed blocks of racks whose partial unit loads are kept in a
:class:`CoolingCache`, so an incremental analysis recomputes only the blocks of
the racks that changed and still gives bit-identical results.

Examples
--------
>>> liquid_flow_lpm(np.array([100.0]), 10.0).round(1).tolist()
[143.5]
>>> n_plus_one(np.array([100.0, 100.0, 100.0]), np.array([50.0, 60.0, 70.0]), np.array([0, 0, 0]))
(array([300.]), array([200.]), array([20.]))
"""

from __future__ import annotations

import operator
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from engine.arrayops import natural_groups, unique_sorted
from engine.compile import airflow_from_heat_cfm
from engine.model import Layout

__all__ = ["CoolingResult", "CoolingCache", "liquid_flow_lpm", "nearest", "nearest_in_row",
           "n_plus_one",
           "air_shares", "air_share_partials", "analyze_cooling"]

_WATER_KJ_PER_L_K = 4.18
SHARE_BLOCK = 64  # racks per block of the shared-air computation
_KD_MIN_UNITS = 32  # below this many candidate units, brute force is faster
_KD_K = 8
_BRUTE_CELLS = 65_536  # racks x units below which every distance beats a k-d tree
_THREADS_MIN_PAIRS = 2_000_000


@dataclass
class CoolingResult:
    """Cooling figures; unit arrays follow ``unit_ids`` order."""

    rack_air_kw: np.ndarray  # air heat left for CRAHs after rear doors
    rack_liquid_kw: np.ndarray
    rack_door_kw: np.ndarray
    rack_flow_lpm: np.ndarray
    rack_airflow_cfm: np.ndarray  # with the switches the fabric placed in the rack
    rack_crah: np.ndarray  # unit index or -1
    rack_cdu: np.ndarray  # unit index, or -1: no liquid heat and no CDU named for the rack
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
    group_margin_kw: np.ndarray  # N+1 capacity minus load (or door failure: see below)
    heat_kw: float
    air_kw: float
    liquid_kw: float
    airflow_cfm: float
    #: the air the cooling units must supply for the heat left in the room (after rear
    #: doors and liquid) at the layout's air temperature rise: the facility's figure, where
    #: ``airflow_cfm`` sums what the devices' fans move (their published airflow)
    supply_airflow_cfm: float = 0.0
    # racks naming a CRAH / CDU that is not one of the layout (cooled by nearness instead)
    rack_bad_crah: np.ndarray | None = None
    rack_bad_cdu: np.ndarray | None = None
    # rear doors hung on a rack the layout does not have
    bad_door_units: tuple[str, ...] = ()
    #: each unit's redundancy group (index into ``group_names``)
    unit_group: np.ndarray | None = None
    #: per group of room units: the air heat the largest failed rear door of its racks
    #: sends to the room (0: none), and that door's id
    group_door_failure_kw: np.ndarray | None = None
    group_door_failure_unit: list[str] = field(default_factory=list)
    #: (U,) CRAHs that draw their air outside the hall (their return point, or where they
    #: stand when none is set): they take no rack's air and back no unit of their group up
    unit_air_outside: np.ndarray | None = None


def liquid_flow_lpm(liquid_kw: np.ndarray, delta_t_k: float) -> np.ndarray:
    """Return coolant flow (L/min) to carry ``liquid_kw`` at a coolant rise of ``delta_t_k``.

    Water: flow = P / (rho cp dT), about 14.4 / dT L/min per kW (reference sheet §10).
    """
    return liquid_kw * 60.0 / (_WATER_KJ_PER_L_K * delta_t_k)


def _nearest_brute(px, py, qx, qy, block: int = 4096) -> np.ndarray:
    out = np.empty(len(px), np.int64)
    for lo in range(0, len(px), block):
        dx = px[lo:lo + block, None] - qx[None, :]
        dy = py[lo:lo + block, None] - qy[None, :]
        out[lo:lo + block] = np.argmin(dx * dx + dy * dy, axis=1)
    return out


def nearest_in_row(px: np.ndarray, py: np.ndarray, along_x: np.ndarray, half_depth_m: np.ndarray,
                   qx: np.ndarray, qy: np.ndarray, block: int = 4096) -> np.ndarray:
    """Return, for each rack p, the nearest unit q standing in its row (-1: none does).

    A unit stands in a rack's row when its centre lies on the row's line within the
    rack's depth: for a row along x (a rack turned 0 or 180 degrees), ``|qy - py|``
    at most ``half_depth_m``; along y, ``|qx - px|``. In-row CDUs serve their own row
    first: a rack at the end of a row goes to its row's CDU, not to the one across
    the aisle that happens to stand nearer.

    Examples
    --------
    A rack at x = 0 in a row along x; CDU 0 in the row 5 m on, CDU 1 across a 2.4 m
    aisle: the row's own CDU, though the other is nearer.

    >>> nearest_in_row(np.array([0.0]), np.array([0.0]), np.array([True]), np.array([0.6]),
    ...                np.array([5.0, 0.0]), np.array([0.0, 2.4])).tolist()
    [0]

    Turned a quarter, its row runs along y, and CDU 1 stands on that line; none does
    for a rack at y = -3 in the first row:

    >>> nearest_in_row(np.array([0.0]), np.array([0.0]), np.array([False]), np.array([0.6]),
    ...                np.array([5.0, 0.0]), np.array([0.0, 2.4])).tolist()
    [1]
    >>> nearest_in_row(np.array([0.0]), np.array([-3.0]), np.array([True]), np.array([0.6]),
    ...                np.array([5.0, 0.0]), np.array([0.0, 2.4])).tolist()
    [-1]
    """
    out = np.full(len(px), -1, np.int64)
    if not len(qx):
        return out
    for lo in range(0, len(px), block):
        sl = slice(lo, lo + block)
        dx = px[sl, None] - qx[None, :]
        dy = py[sl, None] - qy[None, :]
        across = np.where(along_x[sl, None], np.abs(dy), np.abs(dx))
        inside = across <= half_depth_m[sl, None] + 1e-9
        d2 = np.where(inside, dx * dx + dy * dy, np.inf)
        j = np.argmin(d2, axis=1)
        out[sl] = np.where(inside.any(axis=1), j, -1)
    return out


def nearest(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray,
            block: int = 4096) -> np.ndarray:
    """Return, for each point p, the index of the nearest point q (-1 when q is empty).

    Ties go to the lowest index, exactly as ``argmin`` over all squared distances;
    many points use a k-d tree for candidates, then compare exact squared distances.

    Examples
    --------
    >>> nearest(np.array([0.0, 9.0]), np.array([0.0, 0.0]), np.array([1.0, 10.0]), np.array([0.0, 0.0])).tolist()
    [0, 1]
    >>> nearest(np.array([0.0]), np.array([0.0]), np.array([1.0, -1.0]), np.array([0.0, 0.0])).tolist()
    [0]
    """
    px, py = np.asarray(px, np.float64), np.asarray(py, np.float64)
    qx, qy = np.asarray(qx, np.float64), np.asarray(qy, np.float64)
    if len(qx) == 0:
        return np.full(len(px), -1, np.int64)
    if len(qx) < _KD_MIN_UNITS or len(px) * len(qx) <= _BRUTE_CELLS:
        return _nearest_brute(px, py, qx, qy, block)  # few units, or a few racks (a drag's)
    # units drawing air at one point (a gallery's columns) tie exactly: search the
    # distinct points, in order of first use, and answer with that first unit
    uniq, first = np.unique(np.column_stack([qx, qy]), axis=0, return_index=True)
    if len(uniq) < len(qx):
        order = np.argsort(first)
        j = nearest(px, py, uniq[order, 0], uniq[order, 1], block)
        return first[order][j].astype(np.int64)
    k = min(_KD_K, len(qx))
    dist, cand = cKDTree(np.column_stack([qx, qy])).query(np.column_stack([px, py]), k=k)
    dx = px[:, None] - qx[cand]
    dy = py[:, None] - qy[cand]
    d2 = dx * dx + dy * dy
    best = d2.min(axis=1)
    out = np.where(d2 == best[:, None], cand, np.iinfo(np.int64).max).min(axis=1)
    if k < len(qx):
        # a point whose k-th candidate is as near as its best may tie with a unit
        # outside the candidates: settle those few by brute force
        unsure = np.flatnonzero(dist[:, -1] ** 2 <= best * (1 + 1e-9) + 1e-12)
        if len(unsure):
            out[unsure] = _nearest_brute(px[unsure], py[unsure], qx, qy, block)
    return out.astype(np.int64)


def n_plus_one(capacity_kw: np.ndarray, load_kw: np.ndarray, group: np.ndarray):
    """Return ``(capacity, capacity without the largest unit, margin)`` per group."""
    ng = int(group.max()) + 1 if len(group) else 0
    cap = np.bincount(group, weights=capacity_kw, minlength=ng)
    largest = np.zeros(ng)
    np.maximum.at(largest, group, capacity_kw)
    load = np.bincount(group, weights=load_kw, minlength=ng)
    n1 = cap - largest
    return cap, n1, n1 - load


_SUB_ROWS = 16  # rows computed together: two (16, U) scratch arrays stay in cache


def _share_block(rx, ry, ux, uy, capacity_kw, heat_kw) -> np.ndarray:
    """Return the (U,) loads that one block of racks puts on the units."""
    acc = np.zeros(len(ux))
    w = np.empty((min(_SUB_ROWS, len(rx)), len(ux)))
    t = np.empty_like(w)
    for lo in range(0, len(rx), _SUB_ROWS):
        hi = min(lo + _SUB_ROWS, len(rx))
        ww = w[:hi - lo]
        np.subtract(rx[lo:hi, None], ux, out=ww)
        np.square(ww, out=ww)
        ryb = ry[lo:hi]
        # racks of one row share y: the same (y - uy)^2 row serves them all
        tt = t[:1] if (ryb == ryb[0]).all() else t[:hi - lo]
        np.subtract(ryb[:len(tt), None], uy, out=tt)
        np.square(tt, out=tt)
        ww += tt
        np.maximum(ww, 0.25, out=ww)  # a rack on top of a unit: 0.5 m floor on the distance
        np.divide(capacity_kw, ww, out=ww)
        ww /= ww.sum(axis=1)[:, None]  # each rack's shares sum to 1 (a lone unit gets 1.0)
        acc += np.einsum("r,ru->u", heat_kw[lo:hi], ww)
    return acc


def air_share_partials(rx: np.ndarray, ry: np.ndarray, ux: np.ndarray, uy: np.ndarray,
                       capacity_kw: np.ndarray, heat_kw: np.ndarray,
                       blocks: np.ndarray | None = None, out: np.ndarray | None = None,
                       block: int = SHARE_BLOCK) -> np.ndarray:
    """Return per-block partial unit loads (n_blocks, U) of the shared-air model.

    Block ``b`` holds racks ``b * block`` to ``(b + 1) * block - 1``. ``blocks``
    limits the work to some blocks, written into ``out`` (other rows are kept).
    Blocks without heat are zero. The hall load per unit is ``out.sum(axis=0)``.
    """
    nb = -(-len(rx) // block)
    if out is None:
        out = np.zeros((nb, len(ux)))
    todo = np.arange(nb) if blocks is None else np.asarray(blocks, np.int64)
    if not len(ux) or not len(todo):
        return out

    def one(b: int) -> None:
        sl = slice(b * block, (b + 1) * block)
        h = heat_kw[sl]
        out[b] = _share_block(rx[sl], ry[sl], ux, uy, capacity_kw, h) if h.any() else 0.0

    if len(todo) * block * len(ux) >= _THREADS_MIN_PAIRS and (os.cpu_count() or 1) > 1:
        # numpy releases the GIL in these loops; blocks are independent, so the
        # result does not depend on the thread that computed a block
        with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as ex:
            list(ex.map(one, todo.tolist()))
    else:
        for b in todo.tolist():
            one(b)
    return out


def air_shares(rx: np.ndarray, ry: np.ndarray, ux: np.ndarray, uy: np.ndarray,
               capacity_kw: np.ndarray, heat_kw: np.ndarray) -> np.ndarray:
    """Spread each rack's air heat over the CRAHs of a shared room.

    Air in an open hall mixes, so a CRAH takes heat from every rack, more from
    near ones: weights are ``capacity / max(distance**2, 0.25)`` normalized per
    rack. Returns the load per unit (kW).

    Examples
    --------
    >>> air_shares(np.array([0.0]), np.array([0.0]), np.array([1.0, -1.0]), np.array([0.0, 0.0]),
    ...            np.array([100.0, 100.0]), np.array([10.0])).tolist()
    [5.0, 5.0]
    """
    if not len(ux):
        return np.zeros(0)
    return air_share_partials(rx, ry, ux, uy, capacity_kw, heat_kw).sum(axis=0)


@dataclass
class CoolingCache:
    """State kept between the calls of an incremental analysis (see :func:`analyze_cooling`)."""

    units: list = field(default_factory=list)  # the unit objects the tables were built from
    hall: object = None  # and the hall
    n_racks: int = -1
    tables: dict = field(default_factory=dict)
    explicit_crah: np.ndarray | None = None
    explicit_cdu: np.ndarray | None = None
    near_crah: np.ndarray | None = None
    near_cdu: np.ndarray | None = None
    rx: np.ndarray | None = None
    ry: np.ndarray | None = None
    rot: np.ndarray | None = None
    share_heat: np.ndarray | None = None
    partials: np.ndarray | None = None
    #: the last zones before and after the split of shared-return CRAHs' racks
    split: tuple[np.ndarray, np.ndarray] | None = None


def unit_group_names(units: list) -> list[str]:
    """Return the redundancy group of each cooling unit (its ``group``, or its kind).

    A rear door cools its own rack only: no other unit backs it up, so doors never
    share a group with room or liquid units (a door named into such a group is in
    "<group> (rear doors)"); when a door fails, its rack's air heat falls to the room
    units, which :func:`analyze_cooling` checks instead.

    Examples
    --------
    >>> from engine.model import CoolingUnit
    >>> us = [CoolingUnit(id="C1", kind="crah", x_m=0, y_m=0, capacity_kw=250, group="air"),
    ...       CoolingUnit(id="D1", kind="rear_door", x_m=1, y_m=0, capacity_kw=75,
    ...                   group="air", rack="R1"),
    ...       CoolingUnit(id="D2", kind="rear_door", x_m=2, y_m=0, capacity_kw=75, rack="R2")]
    >>> unit_group_names(us)
    ['air', 'air (rear doors)', 'Rear doors']

    A unit named into no group is in its kind's: "CRAH", "CDU" or "Rear doors".
    """
    out = []
    for u in units:
        if u.kind == "rear_door":
            out.append(f"{u.group} (rear doors)" if u.group else DEFAULT_GROUPS[u.kind])
        else:
            out.append(u.group or DEFAULT_GROUPS[u.kind])
    return out


#: the redundancy group of a unit named into none, by kind
DEFAULT_GROUPS = {"crah": "CRAH", "cdu": "CDU", "rear_door": "Rear doors"}


def _unit_tables(layout: Layout) -> dict:
    units = layout.cooling
    kind = [u.kind for u in units]
    gnames = unit_group_names(units)
    # groups in natural order: "CRAH east 2" before "CRAH east 10"
    names, ginv = natural_groups(gnames)
    rack_index = {r.id: i for i, r in enumerate(layout.racks)}
    doors = [(ui, rack_index[u.rack]) for ui, u in enumerate(units)
             if u.kind == "rear_door" and u.rack in rack_index]
    door_ui = np.array([d[0] for d in doors], np.int64)
    # where each CRAH draws room air; one drawing it outside the hall serves nothing
    ax = np.array([u.return_xy_m[0] if u.return_xy_m and u.kind == "crah" else u.x_m
                   for u in units], np.float64)
    ay = np.array([u.return_xy_m[1] if u.return_xy_m and u.kind == "crah" else u.y_m
                   for u in units], np.float64)
    is_crah = np.array([k == "crah" for k in kind], bool)
    outside = np.zeros(len(units), bool)
    if is_crah.any():
        import shapely

        hall = shapely.Polygon(layout.hall.outline)
        if not hall.is_valid:
            hall = shapely.make_valid(hall)
        # a return on the wall (a gallery's opening) is in the hall
        outside[is_crah] = ~shapely.covers(hall.buffer(1e-6), shapely.points(
            ax[is_crah], ay[is_crah]))
    door_ri = np.array([d[1] for d in doors], np.int64)
    order = np.argsort(door_ri, kind="stable")
    kind_arr = np.array(kind, dtype=object)
    return {
        "ids": [u.id for u in units],
        "index": {u.id: i for i, u in enumerate(units)},
        "kind": kind,
        "cap": np.array([u.capacity_kw for u in units], np.float64),
        # a CRAH draws room air at its return (its gallery's opening) when one is set
        "ux": ax,
        "uy": ay,
        "rated_flow": np.array([u.flow_lpm or np.nan for u in units], np.float64),
        "crah": np.flatnonzero(is_crah & ~outside),
        "outside": outside,
        "cdu": np.flatnonzero(kind_arr == "cdu"),
        "group_names": [str(g) for g in names],
        "group": ginv.astype(np.int64),
        "door": np.array([k == "rear_door" for k in kind], bool),
        "door_ui": door_ui[order],
        "door_ri": door_ri[order],
        "bad_doors": tuple(u.id for u in units
                           if u.kind == "rear_door" and u.rack not in rack_index),
        "shared": _shared_tables(_shared_returns(np.flatnonzero(is_crah & ~outside), ax, ay),
                                 np.array([u.capacity_kw for u in units], np.float64),
                                 len(units)),
    }


def _shared_returns(crah: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> list[np.ndarray]:
    """Return the CRAHs that draw room air at one point (the back column of a gallery
    drawing through the front one's opening), as arrays of unit indices in index order;
    only groups of two or more.

    >>> [g.tolist() for g in _shared_returns(np.array([0, 1, 2]), np.array([1.0, 5.0, 1.0]),
    ...                                      np.array([2.0, 2.0, 2.0]))]
    [[0, 2]]
    """
    if len(crah) < 2:
        return []
    # the very same point, as the nearest-unit search ties them (not a rounding of it)
    _, inv, counts = np.unique(np.column_stack([ax[crah], ay[crah]]), axis=0,
                               return_inverse=True, return_counts=True)
    inv = np.asarray(inv).reshape(-1)
    return [np.sort(crah[inv == g]) for g in np.flatnonzero(counts > 1)]


def _split_shared(crah: np.ndarray, explicit: np.ndarray, shared: dict[str, np.ndarray],
                  x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share the racks nearest to CRAHs that draw air at one point among those units.

    Nearest-unit ties go to the lowest index, so one unit of such a pair would take
    every rack of the zone and its partner none, though both carry the room's heat.
    The zone's racks (those that name no unit) are split by position, south to north
    then west to east, in proportion to the units' capacities: each unit a band.
    ``shared`` is :func:`_shared_tables`'s; one pass over the racks for every group.

    >>> t = _shared_tables([np.array([0, 1])], np.array([100.0, 100.0]), 2)
    >>> _split_shared(np.array([0, 0, 0, 0]), np.full(4, -1), t, np.zeros(4),
    ...               np.array([3.0, 1.0, 4.0, 2.0])).tolist()
    [1, 0, 1, 0]
    """
    first = shared["first"]
    if not len(shared["members"]) or not len(crah):
        return crah
    g = np.where((crah >= 0) & (explicit < 0), first[np.maximum(crah, 0)], -1)
    sel = np.flatnonzero(g >= 0)
    if not len(sel):
        return crah
    gs = g[sel]
    order = np.lexsort((x[sel], y[sel], gs))
    sel, gs = sel[order], gs[order]
    starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    counts = np.diff(np.r_[starts, len(gs)])
    rank = np.arange(len(gs)) - np.repeat(starts, counts)
    frac = (rank + 0.5) / np.repeat(counts, counts)
    # the unit whose share of the capacity the rack's place in the band falls in
    j = (frac[:, None] > shared["cum"][gs]).sum(axis=1)
    crah = crah.copy()
    crah[sel] = shared["members"][gs, j]
    return crah


def _split_cached(c: CoolingCache, crah: np.ndarray, moved: np.ndarray | None,
                  shared: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """:func:`_split_shared`, done again only when it can change: a drag step whose racks
    stand in no shared zone, before or after the move, keeps the last split (a sort of
    every rack in such zones costs milliseconds at 100k GPUs)."""
    if not len(shared["members"]):
        c.split = None
        return crah
    last = c.split
    if moved is not None and last is not None and len(last[0]) == len(crah):
        pre, post = last
        first = shared["first"]
        # zones of the same racks as last time, except where racks moved
        differs = np.flatnonzero(pre != crah)
        touched = np.union1d(np.asarray(moved, np.int64), differs)
        hit = np.concatenate([pre[touched], crah[touched]])
        if not len(touched) or not (first[hit[hit >= 0]] >= 0).any():
            out = post.copy()
            out[touched] = crah[touched]
            c.split = (crah.copy(), out)
            return out
    out = _split_shared(crah, c.explicit_crah, shared, x, y)
    c.split = (crah.copy(), out)
    return out


def _shared_tables(groups: list[np.ndarray], cap: np.ndarray, n_units: int
                   ) -> dict[str, np.ndarray]:
    """Arrays for :func:`_split_shared`: each unit's group if it is the group's first
    member (-1 otherwise), the members of each group (padded with the last) and the
    cumulative share of the group's capacity up to each member."""
    first = np.full(n_units, -1, np.int64)
    width = max((len(m) for m in groups), default=1)
    members = np.zeros((len(groups), width), np.int64)
    cum = np.ones((len(groups), width))
    for k, m in enumerate(groups):
        first[m[0]] = k
        members[k, :len(m)], members[k, len(m):] = m, m[-1]
        c = np.cumsum(cap[m]) / max(float(cap[m].sum()), 1e-12)
        cum[k, :len(m) - 1] = c[:-1]
    return {"first": first, "members": members, "cum": cum}


def _explicit(layout: Layout, idx, attr: str, tables: dict, kind: str) -> np.ndarray:
    """Return the unit index each rack in ``idx`` names in ``attr``: -1 when it names
    none, -2 when the name is not a ``kind`` unit of the layout (a rule reports it)."""
    racks = layout.racks
    named = [getattr(racks[ri], attr) for ri in idx]
    out = np.full(len(named), -1, np.int64)
    if any(v is not None for v in named):
        index = tables["index"]
        out[:] = [index.get(v, -2) if v is not None else -1 for v in named]
        named_unit = np.flatnonzero(out >= 0)
        kinds = np.asarray(tables["kind"], dtype=object)
        out[named_unit[kinds[out[named_unit]] != kind]] = -2
    return out


def _door_loads(air_kw: np.ndarray, tables: dict, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Rear doors take their rack's air heat in unit order, each up to its capacity."""
    door_kw = np.zeros(len(air_kw))
    unit_load = np.zeros(n_units)
    ui, ri = tables["door_ui"], tables["door_ri"]
    if len(ui):
        cap = tables["cap"][ui]
        csum = np.cumsum(cap)
        first = np.r_[True, ri[1:] != ri[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(ri)), 0))
        before = csum - cap - (csum[start] - cap[start])
        take = np.minimum(np.maximum(air_kw[ri] - before, 0.0), cap)
        unit_load[ui] = take
        door_kw = np.bincount(ri, weights=take, minlength=len(air_kw))
    return door_kw, unit_load


def analyze_cooling(layout: Layout, rack_x_m: np.ndarray, rack_y_m: np.ndarray,
                    rack_power_w: np.ndarray, rack_liquid_w: np.ndarray,
                    rack_airflow_cfm: np.ndarray, extra_air_kw: float = 0.0,
                    cache: CoolingCache | None = None,
                    changed: np.ndarray | None = None,
                    rack_rot_deg: np.ndarray | None = None,
                    rack_d_m: np.ndarray | None = None) -> CoolingResult:
    """Compute the cooling domain from per-rack heat and unit positions.

    Parameters
    ----------
    rack_x_m, rack_y_m, rack_power_w, rack_liquid_w, rack_airflow_cfm : (R,) float
        Per-rack positions and totals, in ``layout.racks`` order.
    extra_air_kw : float
        Hall heat outside racks (optics), spread over the CRAHs by capacity.
    cache : CoolingCache, optional
        Kept by an incremental analysis between calls.
    changed : (K,) int, optional
        With ``cache``: the racks whose objects changed since the last call
        (``None``: any). Moved racks are found by comparing positions.
    rack_rot_deg, rack_d_m : (R,) optional
        Each rack's rotation and depth: with them a rack's liquid goes to the nearest
        CDU standing in its row (:func:`nearest_in_row`), else to the nearest CDU.
    """
    a = layout.assumptions
    units = layout.cooling
    n = len(rack_x_m)
    c = cache if cache is not None else CoolingCache()
    fresh = (len(c.units) != len(units) or not all(map(operator.is_, c.units, units))
             or c.hall is not layout.hall or c.n_racks != n or changed is None
             or c.partials is None)
    if fresh:
        c.units, c.hall, c.n_racks = list(units), layout.hall, n
        c.tables = _unit_tables(layout)
    t = c.tables
    n_units = len(units)
    cap, ux, uy, crah_ix, cdu_ix = t["cap"], t["ux"], t["uy"], t["crah"], t["cdu"]
    if fresh:
        every = np.arange(n)
        c.explicit_crah = _explicit(layout, every, "crah", t, "crah")
        c.explicit_cdu = _explicit(layout, every, "cdu", t, "cdu")
        moved = every
        c.near_crah = np.full(n, -1, np.int64)
        c.near_cdu = np.full(n, -1, np.int64)
    else:
        ch = np.asarray(changed, np.int64)
        c.explicit_crah = c.explicit_crah.copy()
        c.explicit_cdu = c.explicit_cdu.copy()
        c.explicit_crah[ch] = _explicit(layout, ch, "crah", t, "crah")
        c.explicit_cdu[ch] = _explicit(layout, ch, "cdu", t, "cdu")
        moved = np.flatnonzero((rack_x_m != c.rx) | (rack_y_m != c.ry))
        if rack_rot_deg is not None:
            # a rack turned in place stands in another row line; an edited one may have
            # another depth (its rack type)
            turned = np.flatnonzero(rack_rot_deg != c.rot) if c.rot is not None \
                and len(c.rot) == n else np.arange(n)
            moved = np.union1d(np.union1d(moved, turned), ch)
        c.near_crah, c.near_cdu = c.near_crah.copy(), c.near_cdu.copy()
    if len(moved):
        for near, ix in ((c.near_crah, crah_ix), (c.near_cdu, cdu_ix)):
            j = nearest(rack_x_m[moved], rack_y_m[moved], ux[ix], uy[ix])
            if ix is cdu_ix and rack_rot_deg is not None and rack_d_m is not None \
                    and len(ix):
                row = nearest_in_row(rack_x_m[moved], rack_y_m[moved],
                                     (rack_rot_deg[moved] % 180) == 0, rack_d_m[moved] / 2,
                                     ux[ix], uy[ix])
                j = np.where(row >= 0, row, j)
            near[moved] = np.where(j >= 0, ix[np.maximum(j, 0)] if len(ix) else -1, -1)
    c.rot = None if rack_rot_deg is None else np.array(rack_rot_deg, copy=True)
    crah = np.where(c.explicit_crah >= 0, c.explicit_crah, c.near_crah)
    crah = _split_cached(c, crah, None if fresh else moved, t["shared"], rack_x_m, rack_y_m)
    cdu = np.where(c.explicit_cdu >= 0, c.explicit_cdu, c.near_cdu)

    liquid_kw = rack_liquid_w / 1000.0
    air_kw = (rack_power_w - rack_liquid_w) / 1000.0
    door_kw, unit_load = _door_loads(air_kw, t, n_units)
    resid_air = air_kw - door_kw
    explicit = c.explicit_crah >= 0
    unit_load += np.bincount(crah[explicit], weights=resid_air[explicit], minlength=n_units)
    share_heat = np.where((crah >= 0) & ~explicit, resid_air, 0.0)
    if fresh:
        c.partials = air_share_partials(rack_x_m, rack_y_m, ux[crah_ix], uy[crah_ix],
                                        cap[crah_ix], share_heat)
    else:
        diff = (rack_x_m != c.rx) | (rack_y_m != c.ry) | (share_heat != c.share_heat)
        dirty = unique_sorted(np.flatnonzero(diff) // SHARE_BLOCK)
        if len(dirty):
            c.partials = air_share_partials(rack_x_m, rack_y_m, ux[crah_ix], uy[crah_ix],
                                            cap[crah_ix], share_heat, blocks=dirty,
                                            out=c.partials)  # internal: patched in place
    c.rx, c.ry, c.share_heat = rack_x_m.copy(), rack_y_m.copy(), share_heat
    if len(crah_ix) and len(c.partials):
        unit_load[crah_ix] += c.partials.sum(axis=0)
    has_cdu = (cdu >= 0) & (liquid_kw > 0)
    unit_load += np.bincount(cdu[has_cdu], weights=liquid_kw[has_cdu], minlength=n_units)
    if extra_air_kw > 0 and len(crah_ix):
        # heat of optics and other hall loads spreads over the air units by capacity
        unit_load[crah_ix] += extra_air_kw * cap[crah_ix] / cap[crah_ix].sum()
    rack_flow = liquid_flow_lpm(liquid_kw, a.delta_t_coolant_k)
    unit_flow = np.bincount(cdu[has_cdu], weights=rack_flow[has_cdu], minlength=n_units)
    # a rear door's coil carries the heat it takes to the facility water
    unit_flow = unit_flow + np.where(t["door"], liquid_flow_lpm(unit_load, a.delta_t_coolant_k),
                                     0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, unit_load / cap, 0.0)
    # a CRAH drawing air outside the hall backs nothing up: no capacity in its group
    gcap, gn1, gmargin = n_plus_one(np.where(t["outside"], 0.0, cap), unit_load, t["group"])
    gload = np.bincount(t["group"], weights=unit_load, minlength=len(t["group_names"]))
    door_fail, door_unit = _door_failures(t, unit_load, crah, gcap, gload, gn1, gmargin)
    total_liquid = float(liquid_kw.sum())
    total_air = float(air_kw.sum()) + extra_air_kw
    return CoolingResult(
        rack_air_kw=resid_air, rack_liquid_kw=liquid_kw, rack_door_kw=door_kw,
        rack_flow_lpm=rack_flow, rack_airflow_cfm=np.asarray(rack_airflow_cfm, np.float64),
        rack_crah=crah,
        # a rack with no liquid heat has no loop to a CDU, unless one is named for it
        rack_cdu=np.where((liquid_kw > 0) | (c.explicit_cdu >= 0), cdu, -1),
        unit_ids=list(t["ids"]), unit_kind=list(t["kind"]), unit_capacity_kw=cap,
        unit_load_kw=unit_load, unit_utilization=util, unit_flow_lpm=unit_flow,
        unit_rated_flow_lpm=t["rated_flow"],
        group_names=list(t["group_names"]), group_capacity_kw=gcap, group_n1_capacity_kw=gn1,
        group_load_kw=gload, group_margin_kw=gmargin,
        heat_kw=total_air + total_liquid, air_kw=total_air, liquid_kw=total_liquid,
        # hall heat outside the racks' figures (optics) needs its air too, at the hall's dT
        airflow_cfm=float(rack_airflow_cfm.sum())
        + float(airflow_from_heat_cfm(extra_air_kw * 1000.0, a.delta_t_air_k)),
        supply_airflow_cfm=float(airflow_from_heat_cfm(
            (float(resid_air.sum()) + extra_air_kw) * 1000.0, a.delta_t_air_k)),
        rack_bad_crah=c.explicit_crah == -2, rack_bad_cdu=c.explicit_cdu == -2,
        bad_door_units=t["bad_doors"], unit_group=t["group"],
        group_door_failure_kw=door_fail, group_door_failure_unit=door_unit,
        unit_air_outside=t["outside"],
    )


def _door_failures(t: dict, unit_load: np.ndarray, crah: np.ndarray, gcap: np.ndarray,
                   gload: np.ndarray, gn1: np.ndarray, gmargin: np.ndarray):
    """Apply rear-door failures to the groups' N+1 (in place); return what they add.

    A group of doors has no N+1 of its own (its N+1 capacity is its capacity). A
    failed door sends its load to the room units of its rack's zone, so a room group
    must also carry its load plus its largest door's with every unit running: its
    margin is the smaller of the two cases.
    """
    ng = len(gcap)
    fail = np.zeros(ng)
    who = [""] * ng
    door = t["door"]
    if not door.any():
        return fail, who
    dg = unique_sorted(t["group"][door])
    gn1[dg] = gcap[dg]
    gmargin[dg] = gcap[dg] - gload[dg]
    ui, ri = t["door_ui"], t["door_ri"]
    zone = crah[ri] if len(ri) else np.zeros(0, np.int64)
    ok = zone >= 0
    if ok.any():
        g = t["group"][zone[ok]]
        kw = unit_load[ui[ok]]
        np.maximum.at(fail, g, kw)
        for gi in unique_sorted(g).tolist():
            sel = g == gi
            who[gi] = t["ids"][int(ui[ok][sel][np.argmax(kw[sel])])]
        gmargin[:] = np.minimum(gmargin, gcap - gload - fail)
    return fail, who


# -- rules ---------------------------------------------------------------------------------
from engine.rules import Violation, apart, rule  # noqa: E402


@rule("COOL-N1", "cooling", "A cooling group cannot carry its load with its largest unit failed "
      "(room units: nor with the largest rear door of their racks failed).")
def _check_n1(ctx) -> list[Violation]:
    c = ctx.cooling
    out = []
    groups = c.unit_group if c.unit_group is not None else np.zeros(len(c.unit_ids), np.int64)
    for g in np.flatnonzero(c.group_margin_kw < -1e-6):
        members = tuple(u for u, gi in zip(c.unit_ids, groups.tolist(), strict=True) if gi == g)
        over = c.group_load_kw[g] > c.group_capacity_kw[g] + 1e-6
        door = 0.0 if c.group_door_failure_kw is None else float(c.group_door_failure_kw[g])
        load = c.group_load_kw[g]
        if over:
            kw, cap = apart(load, c.group_capacity_kw[g])
            why = f"over its {cap} kW capacity"
        elif c.group_n1_capacity_kw[g] - load < -1e-6:
            kw, cap = apart(load, c.group_n1_capacity_kw[g])
            why = f"N+1 capacity (largest unit failed) is {cap} kW"
        else:
            kw = f"{load:,.0f}"
            air, cap = f"{door:,.0f}", f"{c.group_capacity_kw[g]:,.0f}"
            why = (f"with rear door {c.group_door_failure_unit[g]} failed, its rack's "
                   f"{air} kW of air falls to the room, over the group's {cap} kW")
        msg = (f"Cooling group {c.group_names[g]} carries {kw} kW: {why} (add a unit to "
               "the group, or a larger one)")
        out.append(Violation("COOL-CAPACITY" if over else "COOL-N1", "error", msg, members))
    return out


@rule("COOL-UNIT-OVER", "cooling", "A unit's assigned load exceeds its capacity.")
def _check_unit_over(ctx) -> list[Violation]:
    c = ctx.cooling
    over = np.flatnonzero(c.unit_utilization > 1.0 + 1e-9)
    groups = c.unit_group if c.unit_group is not None else np.zeros(len(c.unit_ids), np.int64)
    out = []
    for i, load, util, cap in zip(over.tolist(), c.unit_load_kw[over].tolist(),
                                  c.unit_utilization[over].tolist(),
                                  c.unit_capacity_kw[over].tolist(), strict=True):
        kw, cap_kw = apart(load, cap)
        share = apart(util, 1.0, percent=True)[0]
        # the group's N+1 margin counts every unit of it: it holds only where the units
        # share their heat (room air; CDUs on one secondary loop)
        g = int(groups[i])
        if c.group_load_kw[g] <= c.group_capacity_kw[g] + 1e-6:
            liquid = c.unit_kind[i] == "cdu"
            how = ("only with its CDUs on one shared secondary loop; else move racks to a "
                   "unit with room (a rack's CDU field)") if liquid else \
                "with the room's air shared; name a rack's CRAH to steer it"
            tail = f": group {c.group_names[g]} carries it {how}"
        else:
            tail = ""
        out.append(Violation("COOL-UNIT-OVER", "warning",
                             f"{c.unit_ids[i]} is assigned {kw} kW, {share} of its {cap_kw} kW"
                             f"{tail}", (c.unit_ids[i],)))
    return out


@rule("COOL-UNIT-IDLE", "cooling", "A CDU takes no rack's heat, yet counts in its group's N+1 "
      "margin.")
def _check_unit_idle(ctx) -> list[Violation]:
    c = ctx.cooling
    n = len(c.unit_ids)
    if not n:
        return []
    groups = c.unit_group if c.unit_group is not None else np.zeros(n, np.int64)
    served = np.bincount(c.rack_cdu[c.rack_cdu >= 0], minlength=n)
    cdu = np.array([k == "cdu" for k in c.unit_kind])
    # a group with no load at all is a hall still being drawn: nothing to say
    busy = c.group_load_kw[groups] > 1e-9
    out = []
    for i in np.flatnonzero(cdu & (served == 0) & busy).tolist():
        g = int(groups[i])
        out.append(Violation(
            "COOL-UNIT-IDLE", "info",
            f"{c.unit_ids[i]} serves no rack (no rack names it or has it as its in-row or "
            f"nearest CDU): its {c.unit_capacity_kw[i]:,.0f} kW counts in group "
            f"{c.group_names[g]}'s N+1 margin as a standby on one shared secondary loop",
            (c.unit_ids[i],)))
    return out


def _racks(n: int) -> str:
    return f"{n:,} rack{'s' * (n != 1)}"


def _heat_text(ctx, racks: np.ndarray, rack_kw: np.ndarray) -> str:
    """The heat of ``racks`` as a rule says it: kW, or W where it is under 0.05 kW (a rack
    of optics alone), "at least" where some of their hardware has no power figure."""
    kw = float(rack_kw[racks].sum())
    unknown = ctx.power.rack_unknown_power
    low = "at least " if unknown is not None and len(unknown) == len(rack_kw) \
        and bool(unknown[racks].any()) else ""
    return f"{low}{kw:,.1f} kW" if kw >= 0.05 else f"{low}{kw * 1000:,.0f} W"


@rule("COOL-MISSING", "cooling", "Heat has no unit to go to.")
def _check_missing(ctx) -> list[Violation]:
    c = ctx.cooling
    ids = ctx.arrays.rack_ids
    out = []
    no_air = np.flatnonzero((c.rack_air_kw > 1e-9) & (c.rack_crah < 0))
    if len(no_air):
        away = [c.unit_ids[i] for i in np.flatnonzero(c.unit_air_outside)] \
            if c.unit_air_outside is not None else []
        why = ("but the hall has no CRAH" if not away else
               f"but no CRAH draws the hall's air ({', '.join(away[:3])}"
               f"{' ...' if len(away) > 3 else ''} draw{'s' * (len(away) == 1)} it outside "
               "the hall: COOL-RETURN)")
        out.append(Violation("COOL-NO-AIR", "error",
                             f"{_racks(len(no_air))} reject{'s' * (len(no_air) == 1)} "
                             f"{_heat_text(ctx, no_air, c.rack_air_kw)} to air {why}",
                             tuple(ids[i] for i in no_air[:200])))
    no_liq = np.flatnonzero((c.rack_liquid_kw > 1e-9) & (c.rack_cdu < 0))
    if len(no_liq):
        out.append(Violation("COOL-NO-LIQUID", "error",
                             f"{_racks(len(no_liq))} need{'s' * (len(no_liq) == 1)} "
                             f"{_heat_text(ctx, no_liq, c.rack_liquid_kw)} of "
                             "liquid cooling but the hall has no CDU",
                             tuple(ids[i] for i in no_liq[:200])))
    flow_over = np.flatnonzero(c.unit_flow_lpm > c.unit_rated_flow_lpm * (1 + 1e-9))
    out += [Violation("COOL-FLOW-OVER", "warning",
                      f"{c.unit_ids[i]} must deliver {c.unit_flow_lpm[i]:.0f} L/min, over its rated "
                      f"{c.unit_rated_flow_lpm[i]:.0f} L/min", (c.unit_ids[i],)) for i in flow_over]
    return out


@rule("COOL-REF", "cooling", "A rack names a CRAH or CDU the layout does not have, a rear "
      "door hangs on a rack it does not have, or a CRAH or CDU names a rack.")
def _check_refs(ctx) -> list[Violation]:
    c, lay = ctx.cooling, ctx.layout
    ids = ctx.arrays.rack_ids
    out = []
    for attr, bad, kind in (("crah", c.rack_bad_crah, "CRAH"), ("cdu", c.rack_bad_cdu, "CDU")):
        if bad is None or not bad.any():
            continue
        for i in np.flatnonzero(bad)[:200].tolist():
            name = getattr(lay.racks[i], attr)
            out.append(Violation("COOL-REF", "error",
                                 f"Rack {ids[i]} names {attr} {name!r}, which is not a {kind} "
                                 f"of the layout; it is cooled by the nearest {kind} instead",
                                 (ids[i],)))
    out += [Violation("COOL-REF", "error", f"Rear door {u} hangs on a rack the layout does not "
                      "have", (u,)) for u in c.bad_door_units[:200]]
    # a room or liquid unit stands on the floor: a rack named for it is a slip (meant for
    # a rear door, or the rack's own crah/cdu field), said rather than passed over
    doors: dict[str, list[str]] = {}
    stray = []
    for u in lay.cooling:
        if u.rack:
            if u.kind == "rear_door":
                doors.setdefault(u.rack, []).append(u.id)
            else:
                stray.append(u)
    out += [Violation("COOL-REF", "warning", f"{u.id} ({u.kind.upper()}) names rack "
                      f"{u.rack!r}; only a rear door hangs on a rack, so it is not used (a "
                      "rack's CRAH or CDU is set on the rack)", (u.id,)) for u in stray[:200]]
    out += [Violation("COOL-REF", "error", f"Rack {r} has {len(d)} rear doors ({', '.join(d)}); "
                      "a rack takes one rear door",
                      (r, *d)) for r, d in list(doors.items()) if len(d) > 1][:200]
    return out


@rule("COOL-RETURN", "cooling", "A CRAH draws its air outside the hall: it cools nothing.")
def _check_return(ctx) -> list[Violation]:
    """A CRAH takes the hall's hot air in at its return (``return_xy_m``: the opening of
    its gallery, a ducted grille) or where it stands. One whose return lies outside the
    hall's outline takes in none of it: it carries no rack's heat and backs up no unit
    of its group (its capacity leaves the group's N+1)."""
    c, lay = ctx.cooling, ctx.layout
    out_ = c.unit_air_outside
    if out_ is None or not out_.any():
        return []
    out = []
    for i in np.flatnonzero(out_)[:200].tolist():
        u = lay.cooling[i]
        if u.return_xy_m is not None:
            x, y = u.return_xy_m
            where = f"draws air at ({x:.2f}, {y:.2f}) m, outside the hall"
            fix = "set its return (Draws air at) inside the hall, on the wall of its gallery"
        else:
            where = "stands outside the hall with no return inside it"
            fix = "move it into the hall, or give it a return (Draws air at) in the hall"
        out.append(Violation("COOL-RETURN", "error",
                             f"{u.id} {where}: it cools none of the hall's racks and backs "
                             f"up none of group {c.group_names[c.unit_group[i]]}; {fix}",
                             (u.id,)))
    return out


@rule("COOL-AIR-LIMIT", "cooling", "A rack rejects more heat to air than the air-cooling limit.")
def _check_air_limit(ctx) -> list[Violation]:
    c = ctx.cooling
    lim = ctx.layout.assumptions.air_limit_kw_per_rack
    ids = ctx.arrays.rack_ids
    hot = np.flatnonzero(c.rack_air_kw > lim + 1e-9)
    if not len(hot):
        return []
    names = ", ".join(ids[i] for i in hot[:3]) + (" …" if len(hot) > 3 else "")
    return [Violation("COOL-AIR-LIMIT", "warning",
                      f"{len(hot)} rack{'s' * (len(hot) != 1)} ({names}) "
                      f"reject{'s' * (len(hot) == 1)} up to {c.rack_air_kw[hot].max():.1f} kW "
                      "to air, "
                      f"above the {lim:g} kW per-rack air-cooling limit (needs containment, a "
                      "rear door or liquid)", tuple(ids[i] for i in hot))]
