"""Floor: footprints, overlaps, hall and obstacle containment, aisles, floor loading.

Footprints are axis-aligned boxes (racks and units rotate in 90 degree steps), so
overlap tests are interval arithmetic on candidate pairs from a uniform grid
(:func:`candidate_pairs`); shapely handles the hall outline and obstacles. The aisle
rule checks a strip of ``aisle_clearance_m`` in front of and behind every rack
(TIA-942: cold aisle two 600 mm tiles, 1.2 m [S112]) against the other footprints, the
columns and walls (not keep-out zones: they keep equipment out, not people), and the
hall's outline (:func:`wall_clearance`: a strip through the wall). The airflow rule
looks :data:`EXHAUST_REACH_M` in front of every rack for a rack facing the same way:
its rear, and its exhaust, face the first rack's intake (hot and cold aisles broken,
as when a row is turned the wrong way), unless another rack stands between them and
takes the exhaust first (:func:`unblocked`).

With a :class:`FloorCache`, a later call re-tests only the racks whose box or
facing changed (against every footprint, vectorized) and keeps the other
results; the outputs are sorted so both paths give identical results.

Examples
--------
>>> b = boxes(np.array([0.0, 0.5]), np.array([0.0, 0.0]), np.array([0.3, 0.3]), np.array([0.6, 0.6]))
>>> overlapping_pairs(b).tolist()
[[0, 1]]
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import shapely

from engine.arrayops import unique_sorted
from engine.model import Layout

__all__ = ["FloorResult", "FloorCache", "boxes", "candidate_pairs", "interior_overlap",
           "overlapping_pairs", "overlapping_between", "strips", "wall_clearance", "unblocked",
           "exhaust_into_intake", "EXHAUST_REACH_M", "analyze_floor"]

_EPS = 1e-6
_INCREMENTAL_MAX = 64  # more changed racks than this: recompute everything
#: how far in front of a rack another rack's exhaust still reaches its intake when nothing
#: stands between them: 6.0 m, ten 600 mm tiles, an engineering estimate. A rack's exhaust
#: is a jet: four DGX H100 blow 4 x 1,105 CFM [S01] = 2.1 m3/s out of a rear of about
#: 0.8 x 1.9 m, about 1.4 m/s, and a free jet keeps its outlet velocity over a core of
#: about five outlet widths (4 m for a 0.8 m rack) before it slows and mixes, while the
#: intake it points at draws the same volume back. So across one open aisle, and across
#: the 3.6 m gap a missing rack leaves in a row between two others (an aisle, the rack's
#: 1.2 m depth, an aisle), the exhaust still reaches the facing intake. A reach equal to
#: that gap would make the rule switch off exactly at a spacing halls use; ten tiles
#: takes it in with margin. Farther away the room's mixing and the CRAHs' draw decide
#: where the air goes, which the cooling model covers.
EXHAUST_REACH_M = 6.0
#: candidate box pairs a pair search builds at most (real halls need a few per box:
#: about 300,000 at 1M GPUs); a pile of boxes in one place hits it
PAIR_BUDGET = 2_000_000
#: gap x rack tests below which a gap check tests every pair directly
_BRUTE_CELLS = 400_000
#: pairwise violations (overlaps, aisles, airflow) listed one by one; the rest are summed up
MAX_LISTED_PAIRS = 1000


@dataclass
class FloorResult:
    """Floor checks; index arrays refer to the combined footprint list ``ids``."""

    ids: list[str]
    kind: list[str]  # "rack" or "unit"
    box: np.ndarray  # (N, 4) minx, miny, maxx, maxy
    overlaps: np.ndarray  # (K, 2) pairs of footprint indices, sorted
    outside: np.ndarray  # (M,) footprint indices not inside the hall
    on_obstacle: list[tuple[int, str]]
    aisle_blocked: np.ndarray  # (K, 2) rack index, blocking footprint index; sorted
    #: (K, 2) rack, rack in front of it facing the same way (its exhaust meets the
    #: first one's intake); sorted
    exhaust_into_intake: np.ndarray
    rack_area_m2: np.ndarray
    rack_weight_kg: np.ndarray  # with the switches the fabric placed in the rack
    rack_load_kg_m2: np.ndarray
    hall_area_m2: float
    occupied_area_m2: float
    hall_problem: str | None = None  # the outline crosses itself or encloses no area
    obstacles_outside: tuple[str, ...] = ()  # walls, columns, keep-outs that miss the hall
    #: (R,) the rack holds hardware (or is an enclosure) with no weight figure: its weight
    #: and floor load count that as 0 kg and are lower bounds
    rack_weight_unknown: np.ndarray | None = None
    #: (R, 4) the rack boxes with each rear door's depth added behind its rack (what
    #: ``overlaps``, ``outside`` and ``on_obstacle`` test)
    door_box: np.ndarray | None = None
    #: hardware of unknown weight in the hall by model (devices and rack types)
    unknown_weight_models: dict[str, int] = field(default_factory=dict)
    #: (rack index, column or wall id) for each obstacle in a rack's front or back strip
    aisle_obstacles: list[tuple[int, str]] = field(default_factory=list)
    #: (R, 2) per rack, the clear depth in metres from its front (column 0) and back
    #: (column 1) to the hall's wall where that is less than the aisle clearance (its
    #: strip leaves the hall), NaN where the strip stays inside
    aisle_wall_m: np.ndarray | None = None

    @property
    def racks_weight_unknown(self) -> int:
        """Return how many racks have a weight that leaves out an unknown figure."""
        u = self.rack_weight_unknown
        return int(np.count_nonzero(u)) if u is not None else 0

    def max_load_kg_m2(self) -> tuple[float, bool]:
        """Return the highest rack floor load and whether it is a lower bound.

        Racks of unknown weight count with the part that is known, so the highest
        load of the hall is at least the figure, never less: it is a lower bound
        whenever any rack's weight is unknown.

        Examples
        --------
        >>> f = FloorResult.__new__(FloorResult)
        >>> f.rack_load_kg_m2 = np.array([300.0, 120.0])
        >>> f.rack_weight_unknown = np.array([False, True])
        >>> f.max_load_kg_m2()
        (300.0, True)
        """
        load = self.rack_load_kg_m2
        top = float(load.max()) if len(load) else 0.0
        return top, self.racks_weight_unknown > 0


def boxes(x: np.ndarray, y: np.ndarray, hx: np.ndarray, hy: np.ndarray) -> np.ndarray:
    """Return (N, 4) boxes ``minx, miny, maxx, maxy`` from centres and half extents."""
    return np.stack([x - hx, y - hy, x + hx, y + hy], axis=1) if len(x) else np.zeros((0, 4))


def _cells(box: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(cell key, box index)`` for every grid cell each box touches."""
    x0 = np.floor(box[:, 0] / size).astype(np.int64)
    y0 = np.floor(box[:, 1] / size).astype(np.int64)
    nx = np.maximum(np.floor(box[:, 2] / size).astype(np.int64) - x0 + 1, 1)
    ny = np.maximum(np.floor(box[:, 3] / size).astype(np.int64) - y0 + 1, 1)
    cnt = nx * ny
    owner = np.repeat(np.arange(len(box)), cnt)
    k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    cx = x0[owner] + k % nx[owner]
    cy = y0[owner] + k // nx[owner]
    return (cx << 32) + cy, owner


def candidate_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return index arrays ``(i, j)`` of boxes of ``a`` and ``b`` that may intersect.

    Boxes are hashed into a uniform grid and paired within shared cells, so every
    pair of boxes with a common point is found (some pairs more than once).

    Examples
    --------
    >>> a = np.array([[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0]])
    >>> i, j = candidate_pairs(a, np.array([[0.5, 0.5, 2.0, 2.0]]))
    >>> sorted(set(zip(i.tolist(), j.tolist())))
    [(0, 0)]
    """
    if not len(a) or not len(b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ext = np.concatenate([a[:, 2:] - a[:, :2], b[:, 2:] - b[:, :2]]).max(axis=1)
    # cells about the size of a typical box; the largest box spans at most 64 cells a side
    size = max(float(np.median(ext)), float(ext.max()) / 64.0, 1e-3)
    ka, ia = _cells(a, size)
    kb, ib = _cells(b, size)
    order = np.argsort(kb, kind="stable")
    kb, ib = kb[order], ib[order]
    lo = np.searchsorted(kb, ka, side="left")
    cnt = np.searchsorted(kb, ka, side="right") - lo
    full = cnt
    if int(cnt.sum()) > PAIR_BUDGET:
        # thousands of boxes piled in one place (a bad file, a paste gone wrong): each
        # box keeps a bounded number of partners per cell, taken from its own place in
        # the cell on, so time and memory stay bounded and every box of the pile is
        # still found (with some of its partners, not all)
        cnt = np.minimum(cnt, max(PAIR_BUDGET // max(len(ka), 1), 32))
    pi = np.repeat(ia, cnt)
    within = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    if cnt is not full:
        start = np.repeat(ia % np.maximum(full, 1), cnt)
        within = (start + within) % np.repeat(np.maximum(full, 1), cnt)
    return pi, ib[within + np.repeat(lo, cnt)]


def interior_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return where boxes ``a`` and ``b`` (``..., 4``: minx, miny, maxx, maxy; they
    broadcast) share more than an edge.

    Examples
    --------
    >>> a = np.array([[0.0, 0.0, 1.0, 1.0]])
    >>> interior_overlap(a, np.array([[0.5, 0.5, 2, 2], [1.0, 0.0, 2, 1]])).tolist()
    [True, False]
    """
    ox = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    oy = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    return (ox > _EPS) & (oy > _EPS)


_PAIR_KEY = np.int64(1) << 32  # (i, j) -> i * 2**32 + j orders pairs as (i, j) does


def _sorted_pairs(pairs: np.ndarray) -> np.ndarray:
    """Return the distinct rows of an (K, 2) index array, sorted (one 1-D sort of keys)."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    if not len(pairs):
        return pairs
    n = int(pairs[:, 1].max()) + 1
    keys = unique_sorted(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([keys // n, keys % n], axis=1)


def _merge_pairs(kept: np.ndarray, new: np.ndarray, kept_extra: tuple = (),
                 new_extra: tuple = ()) -> tuple:
    """Return ``kept`` (sorted, distinct (K, 2) pairs) with the ``new`` pairs it lacks
    inserted in order, and the rows of each ``kept_extra`` array with the matching
    ``new_extra`` rows inserted alike: what :func:`_sorted_pairs` of both gives (kept
    rows winning ties), without sorting the kept pairs again.

    Examples
    --------
    >>> kept = np.array([[0, 1], [2, 3]])
    >>> out, = _merge_pairs(kept, np.array([[2, 3], [1, 5], [1, 5]]))
    >>> out.tolist()
    [[0, 1], [1, 5], [2, 3]]
    """
    kept = np.asarray(kept, np.int64).reshape(-1, 2)
    new = np.asarray(new, np.int64).reshape(-1, 2)
    if not len(new):
        return (kept, *kept_extra)
    kk = kept[:, 0] * _PAIR_KEY + kept[:, 1]
    nk, first = np.unique(new[:, 0] * _PAIR_KEY + new[:, 1], return_index=True)
    pos = np.searchsorted(kk, nk)
    fresh = kk[np.minimum(pos, len(kk) - 1)] != nk if len(kk) else np.ones(len(nk), bool)
    pos, src = pos[fresh], first[fresh]
    return (np.insert(kept, pos, new[src], axis=0),
            *(np.insert(a, pos, b[src], axis=0) for a, b in zip(kept_extra, new_extra,
                                                                 strict=True)))


def overlapping_between(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the index pairs ``(i, j)`` of boxes ``a[i]`` and ``b[j]`` whose interiors
    overlap: boxes sharing grid cells (:func:`candidate_pairs`), then the exact test.

    Examples
    --------
    >>> a = np.array([[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0]])
    >>> i, j = overlapping_between(a, np.array([[0.5, 0.5, 2, 2], [1.0, 0.0, 2, 1]]))
    >>> i.tolist(), j.tolist()
    ([0], [0])
    """
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    qi, qj = candidate_pairs(a, b)
    hit = interior_overlap(a[qi], b[qj])
    # a pair sharing several cells is found once per cell: each once, in order
    pairs = _sorted_pairs(np.stack([qi[hit], qj[hit]], axis=1))
    return pairs[:, 0], pairs[:, 1]


def overlapping_pairs(box: np.ndarray) -> np.ndarray:
    """Return (K, 2) index pairs ``i < j`` of boxes whose interiors overlap, sorted."""
    qi, qj = candidate_pairs(box, box)
    keep = qi != qj
    qi, qj = qi[keep], qj[keep]
    hit = interior_overlap(box[qi], box[qj])
    qi, qj = qi[hit], qj[hit]
    # each pair once, as (lower, higher): a capped search may find it from one side only
    return _sorted_pairs(np.stack([np.minimum(qi, qj), np.maximum(qi, qj)], axis=1))


def strips(x, y, hx, hy, fx, fy, depth_m: float, inset_m: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Return the clearance boxes in front of and behind each rack, ``(front, back)``."""
    along_x = np.abs(fx) > 0.5  # front faces +-x: strip extends along x
    sx = np.where(along_x, depth_m / 2, hx - inset_m)
    sy = np.where(along_x, hy - inset_m, depth_m / 2)
    cx_f = x + fx * (np.where(along_x, hx, 0) + depth_m / 2)
    cy_f = y + fy * (np.where(along_x, 0, hy) + depth_m / 2)
    cx_b = x - fx * (np.where(along_x, hx, 0) + depth_m / 2)
    cy_b = y - fy * (np.where(along_x, 0, hy) + depth_m / 2)
    return boxes(cx_f, cy_f, sx, sy), boxes(cx_b, cy_b, sx, sy)


@dataclass
class FloorCache:
    """State kept between the calls of an incremental analysis (see :func:`analyze_floor`)."""

    key: list = field(default_factory=list)  # the objects the static tables were built from
    static: dict = field(default_factory=dict)
    rack_box: np.ndarray | None = None
    fx: np.ndarray | None = None
    fy: np.ndarray | None = None
    overlaps: np.ndarray | None = None
    outside: np.ndarray | None = None  # (N,) bool
    on_obstacle: dict[int, list[int]] = field(default_factory=dict)  # footprint -> obstacles
    blocked: np.ndarray | None = None
    facing: np.ndarray | None = None
    #: per ``facing`` pair: whether a rack stands between (then it is no exhaust pair), and
    #: the gap box between them
    facing_blocked: np.ndarray | None = None
    facing_gap: np.ndarray | None = None
    strips: dict = field(default_factory=dict)  # depth -> every rack's (front, back) strips
    wall_m: np.ndarray | None = None  # (R, 2) as FloorResult.aisle_wall_m
    aisle_obstacles: dict[int, list[int]] = field(default_factory=dict)  # rack -> obstacles


def _static(layout: Layout) -> dict:
    units = [u for u in layout.cooling if u.kind != "rear_door"]
    if units:
        ux = np.array([u.x_m for u in units])
        uy = np.array([u.y_m for u in units])
        quarter = np.array([u.rotation_deg in (90, 270) for u in units])
        uw = np.array([u.width_m for u in units])
        ud = np.array([u.depth_m for u in units])
        unit_box = boxes(ux, uy, np.where(quarter, ud, uw) / 2, np.where(quarter, uw, ud) / 2)
    else:
        unit_box = np.zeros((0, 4))
    raw = shapely.Polygon(layout.hall.outline)
    problem = None
    if raw.area < 1.0 and shapely.make_valid(raw).area < 1.0:
        problem = f"encloses {raw.area:.2g} m² (its points lie on a line or coincide)"
    elif not raw.is_valid:
        from shapely.validation import explain_validity

        problem = f"is not a simple polygon ({explain_validity(raw).split('[')[0].strip()})"
    hall = _valid(raw)
    obst = [_valid(shapely.Polygon(o.polygon)) for o in layout.hall.obstacles]
    # a wall along the outline is half outside it; one that misses the hall altogether
    # was drawn in the wrong place
    away = [o.id for o, g in zip(layout.hall.obstacles, obst, strict=True)
            if problem is None and not g.intersects(hall)]
    return {"units": units, "unit_box": unit_box, "hall_area": float(hall.area),
            **_hall_tables(hall), "hall_problem": problem, "obstacles_away": away,
            "obstacles": np.asarray(obst, dtype=object),
            # a keep-out zone keeps equipment out, not people: an aisle may run through it
            "solid": np.array([o.kind != "keepout" for o in layout.hall.obstacles], bool),
            "obstacle_box": (np.array([o.bounds for o in obst], np.float64) if obst
                             else np.zeros((0, 4))),
            "ids": [r.id for r in layout.racks] + [u.id for u in units],
            "kind": ["rack"] * len(layout.racks) + ["unit"] * len(units)}


def _hall_tables(hall) -> dict:
    """The hall's polygon, the same grown by 10 micrometres (prepared: the tolerance of the
    containment tests) and whether it is convex."""
    tol = hall.buffer(_EPS * 10)
    shapely.prepare(tol)
    return {"hall": hall, "tol": tol,
            "convex": bool(hall.geom_type == "Polygon" and hall.convex_hull.equals(hall))}


def _valid(geom):
    # a user may draw a self-crossing outline or obstacle; GEOS needs valid polygons
    return geom if geom.is_valid else shapely.make_valid(geom)


def _outside(st: dict, box: np.ndarray) -> np.ndarray:
    """Return whether each box is not inside the hall (with a 10 micrometre tolerance)."""
    if not len(box):
        return np.zeros(0, bool)
    xs, ys = box[:, [0, 2, 2, 0]], box[:, [1, 1, 3, 3]]
    inside = shapely.intersects_xy(st["tol"], xs, ys).all(axis=1)
    out = ~inside
    if not st["convex"]:
        # in a non-convex hall, a box with its corners inside may still cross a notch
        check = np.flatnonzero(inside)
        if len(check):
            b = box[check]
            out[check] = ~shapely.contains(st["tol"], shapely.box(b[:, 0], b[:, 1], b[:, 2],
                                                                  b[:, 3]))
    return out


def _obstacles(st: dict, box: np.ndarray, index: np.ndarray,
               which: np.ndarray | None = None) -> dict[int, list[int]]:
    """Return ``{index of the box: sorted obstacle indices}`` for boxes that share area with
    an obstacle (of those ``which`` marks, when given)."""
    out: dict[int, set[int]] = {}
    pick = np.arange(len(st["obstacle_box"])) if which is None else np.flatnonzero(which)
    if not len(pick) or not len(box):
        return {}
    gi, oi = candidate_pairs(box, st["obstacle_box"][pick])
    oi = pick[oi]
    a, o = box[gi], st["obstacle_box"][oi]
    keep = ((np.minimum(a[:, 2], o[:, 2]) >= np.maximum(a[:, 0], o[:, 0]))
            & (np.minimum(a[:, 3], o[:, 3]) >= np.maximum(a[:, 1], o[:, 1])))
    if keep.any():
        pairs = np.unique(np.stack([gi[keep], oi[keep]], axis=1), axis=0)
        gi, oi = pairs[:, 0], pairs[:, 1]
        b = box[gi]
        geoms = shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
        area = shapely.area(shapely.intersection(geoms, st["obstacles"][oi]))
        for g, o in zip(gi[area > _EPS].tolist(), oi[area > _EPS].tolist(), strict=True):
            out.setdefault(int(index[g]), set()).add(o)
    return {k: sorted(v) for k, v in out.items()}


def _strip_pairs(sides, allbox, back: bool = True) -> np.ndarray:
    """(owner rack, footprint) pairs: the footprint meets the rack's front (and back) strip,
    from every rack's ``sides`` (front, back) strips."""
    front, behind = sides
    n_r = len(front)
    st = np.concatenate([front, behind]) if back else front
    si, bj = candidate_pairs(st, allbox)
    owner = si % n_r
    hit = (owner != bj) & interior_overlap(st[si], allbox[bj])
    return _sorted_pairs(np.stack([owner[hit], bj[hit]], axis=1))


def _centres(b: np.ndarray):
    return ((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2,
            (b[:, 2] - b[:, 0]) / 2, (b[:, 3] - b[:, 1]) / 2)


def _strips_of(cache: FloorCache, dirty, rack_box, fx, fy, depth_m) -> tuple:
    """Every rack's (front, back) strips of ``depth_m``, kept in ``cache`` and
    recomputed for the ``dirty`` racks only (all when ``dirty`` is None)."""
    held = cache.strips.get(depth_m)
    if dirty is None or held is None or len(held[0]) != len(rack_box):
        held = strips(*_centres(rack_box), fx, fy, depth_m)
    elif len(dirty):
        held = tuple(h.copy() for h in held)
        x, y, hx, hy = _centres(rack_box[dirty])
        for h, new in zip(held, strips(x, y, hx, hy, fx[dirty], fy[dirty], depth_m), strict=True):
            h[dirty] = new
    cache.strips[depth_m] = held
    return held


def _strip_pairs_for(dirty, sides, allbox, back: bool = True) -> np.ndarray:
    """The pairs of :func:`_strip_pairs` that involve a ``dirty`` rack, either way,
    from every rack's ``sides`` (front, back) strips."""
    n_r = len(sides[0])
    sides = sides if back else sides[:1]
    out = []
    for i in dirty.tolist():
        for st in sides:  # the dirty rack's own strips against every box
            j = np.flatnonzero(interior_overlap(st[i][None, :], allbox))
            out.append(np.stack([np.full(len(j), i), j], axis=1))
            # every rack's strips against the dirty rack's box
            o = np.flatnonzero(interior_overlap(st, allbox[i][None, :]))
            out.append(np.stack([o, np.full(len(o), i)], axis=1))
    pairs = np.concatenate(out) if out else np.zeros((0, 2), np.int64)
    pairs = pairs[(pairs[:, 0] != pairs[:, 1]) & (pairs[:, 0] < n_r)]
    return pairs


def _strip_obstacles(st: dict, sides, index: np.ndarray) -> dict[int, list[int]]:
    """Return ``{rack index: sorted obstacle indices}``: the columns and walls in the front or
    back strip of each rack of ``sides`` (its (front, back) strips, of the racks ``index``)."""
    return _obstacles(st, np.concatenate(sides), np.concatenate([index, index]), st["solid"])


def _wall_depths(st: dict, sides, fx: np.ndarray, fy: np.ndarray, depth_m: float
                 ) -> np.ndarray:
    """Return (R, 2) clear depths up to the hall's wall (NaN: the strip stays in the hall),
    front then back, from the racks' (front, back) strips ``sides`` of ``depth_m``."""
    front, back = sides
    n = len(front)
    out = np.full((n, 2), np.nan)
    if not n:
        return out
    both = np.concatenate([front, back])
    leaves = np.flatnonzero(_outside(st, both))
    if not len(leaves):
        return out
    r, side = leaves % n, leaves // n
    away = 1.0 - 2.0 * side  # the way the strip runs from the rack: out of its front or back
    dx, dy = fx[r] * away, fy[r] * away
    b = both[leaves]
    # the strip's edge on the rack's face; every point of the strip lies square in front of
    # it, so its distance to the part of the strip beyond the wall is the clear depth
    along_x = (np.abs(dx) > 0.5)[:, None]
    ex = np.where(dx > 0, b[:, 0], b[:, 2])
    ey = np.where(dy > 0, b[:, 1], b[:, 3])
    start = np.where(along_x, np.stack([ex, b[:, 1]], axis=1), np.stack([b[:, 0], ey], axis=1))
    end = np.where(along_x, np.stack([ex, b[:, 3]], axis=1), np.stack([b[:, 2], ey], axis=1))
    face = shapely.linestrings(np.stack([start, end], axis=1))
    beyond = shapely.difference(shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), st["hall"])
    out[r, side] = np.fmin(shapely.distance(face, beyond), depth_m)
    return out


def wall_clearance(outline, rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray,
                   depth_m: float) -> np.ndarray:
    """Return the clear depth from each rack's front and back to the hall's wall, where it
    is less than ``depth_m`` (as ``analyze_floor``).

    Parameters
    ----------
    outline : (P, 2) float or shapely Polygon
        The hall's outline in metres.
    rack_box : (R, 4) float
        Rack footprints ``minx, miny, maxx, maxy`` in metres.
    fx, fy : (R,) float
        Unit vectors out of each rack's front.
    depth_m : float
        The clearance asked in front of and behind each rack.

    Returns
    -------
    (R, 2) float
        Metres from each rack's front (column 0) and back (column 1) to where its
        clearance strip (:func:`strips`) leaves the hall; NaN where the strip stays
        inside (within 10 micrometres).

    Examples
    --------
    A 10 x 8 m hall; a rack facing -y (front at y = 1.8), its back 0.6 m from the wall at
    y = 8, and one turned to face -x with its front 1.2 m from the wall at x = 0:

    >>> box = np.array([[2.0, 6.2, 2.8, 7.4], [1.2, 3.0, 2.4, 3.8]])
    >>> wall_clearance([(0, 0), (10, 0), (10, 8), (0, 8)], box, np.array([0.0, -1.0]),
    ...                np.array([-1.0, 0.0]), 1.2).round(2).tolist()
    [[nan, 0.6], [nan, nan]]
    """
    hall = _valid(outline if isinstance(outline, shapely.Geometry) else shapely.Polygon(outline))
    rack_box = np.asarray(rack_box, np.float64).reshape(-1, 4)
    fx, fy = np.asarray(fx, np.float64), np.asarray(fy, np.float64)
    return _wall_depths(_hall_tables(hall), strips(*_centres(rack_box), fx, fy, depth_m),
                        fx, fy, depth_m)


def _same_facing(pairs: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """Keep the pairs whose two racks face the same way (the second's rear faces the first)."""
    i, j = pairs[:, 0], pairs[:, 1]
    return pairs[(fx[i] == fx[j]) & (fy[i] == fy[j])]


def unblocked(pairs: np.ndarray, rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray
              ) -> np.ndarray:
    """Keep the (intake rack, exhaust rack) pairs with no other rack standing between them.

    The gap is the box between the first rack's front and the second's rear, across the
    width they share; a rack whose footprint enters it takes the exhaust first (the back
    of a row between two rows that face the same way).

    Examples
    --------
    >>> box = np.array([[0, 0, 1, 1.2], [0, 4.8, 1, 6.0], [0, 2.4, 1, 3.6]], float)
    >>> fx, fy = np.zeros(3), np.ones(3)
    >>> unblocked(np.array([[0, 1]]), box, fx, fy).tolist()
    []
    >>> unblocked(np.array([[0, 1]]), box[:2], fx[:2], fy[:2]).tolist()
    [[0, 1]]
    """
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    if not len(pairs):
        return pairs
    return pairs[~_blocked(pairs, rack_box, fx, fy)]


def _gaps(pairs: np.ndarray, rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray
          ) -> np.ndarray:
    """Return the (K, 4) box between each pair's intake front and exhaust rear."""
    i, j = pairs[:, 0], pairs[:, 1]
    bi, bj = rack_box[i], rack_box[j]
    along_x = np.abs(fx[i]) > 0.5
    pos = np.where(along_x, fx[i], fy[i]) > 0
    ax = np.where(along_x, 0, 1)  # the axis the racks face along: column of its minimum
    k = np.arange(len(pairs))
    lo = np.where(pos, bi[k, ax + 2], bj[k, ax + 2])  # i's front (or j's rear) edge
    hi = np.where(pos, bj[k, ax], bi[k, ax])
    side_lo = np.maximum(bi[k, 1 - ax], bj[k, 1 - ax])
    side_hi = np.minimum(bi[k, 3 - ax], bj[k, 3 - ax])
    return np.where(along_x[:, None], np.stack([lo, side_lo, hi, side_hi], axis=1),
                    np.stack([side_lo, lo, side_hi, hi], axis=1))


def _blocked(pairs: np.ndarray, rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray
             ) -> np.ndarray:
    """Return, per (intake, exhaust) pair, whether another rack stands in its gap."""
    blocked = np.zeros(len(pairs), bool)
    if not len(pairs):
        return blocked
    gap = _gaps(pairs, rack_box, fx, fy)
    if len(pairs) * len(rack_box) <= _BRUTE_CELLS:
        # a few pairs (a drag step's): every gap against every rack beats hashing the hall
        hit = interior_overlap(gap[:, None, :], rack_box[None, :, :])
        k = np.arange(len(pairs))
        hit[k, pairs[:, 0]] = False
        hit[k, pairs[:, 1]] = False
        return hit.any(axis=1)
    gi, rk = candidate_pairs(gap, rack_box)
    hit = (rk != pairs[gi, 0]) & (rk != pairs[gi, 1]) & interior_overlap(gap[gi], rack_box[rk])
    blocked[gi[hit]] = True
    return blocked


def exhaust_into_intake(rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray,
                        reach_m: float = EXHAUST_REACH_M) -> np.ndarray:
    """Return the (intake rack, exhaust rack) pairs: the second faces the same way within
    ``reach_m`` in front of the first, with no rack between them (as ``analyze_floor``).

    Parameters
    ----------
    rack_box : (R, 4) float
        Rack footprints ``minx, miny, maxx, maxy`` in metres.
    fx, fy : (R,) float
        Unit vectors out of each rack's front.

    Returns
    -------
    (K, 2) int
        Sorted pairs of rack indices.

    Examples
    --------
    >>> box = np.array([[0, 0, 1, 1.2], [0, 4.8, 1, 6.0]], float)
    >>> exhaust_into_intake(box, np.zeros(2), np.ones(2)).tolist()
    [[0, 1]]
    >>> exhaust_into_intake(box, np.zeros(2), np.ones(2), reach_m=3.0).tolist()
    []
    """
    rack_box = np.asarray(rack_box, np.float64).reshape(-1, 4)
    fx, fy = np.asarray(fx, np.float64), np.asarray(fy, np.float64)
    sides = strips(*_centres(rack_box), fx, fy, reach_m)
    facing = _same_facing(_strip_pairs(sides, rack_box, back=False), fx, fy)
    return unblocked(facing, rack_box, fx, fy)


def _facing_update(c: FloorCache, keep: np.ndarray, new: np.ndarray, dirty: np.ndarray,
                   rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray):
    """Return the facing pairs after racks ``dirty`` moved, and whether each is blocked.

    Kept pairs keep their answer unless a moved rack's old or new footprint meets
    their gap (it may have stepped into it or out of it); those, and the moved racks'
    own pairs, are checked again. The answers equal a check of every pair.
    """
    kept, kept_blocked = c.facing[keep], c.facing_blocked[keep].copy()
    kept_gap = c.facing_gap[keep]  # the pair's racks did not move: nor did its gap
    if len(kept):
        moved = np.concatenate([c.rack_box[dirty], rack_box[dirty]])
        meets = np.zeros(len(kept), bool)
        for box in moved:  # a few boxes against every gap
            meets |= interior_overlap(kept_gap, box[None, :])
        again = np.flatnonzero(meets)
        if len(again):
            kept_blocked[again] = _blocked(kept[again], rack_box, fx, fy)
    return _merge_pairs(kept, new, (kept_blocked, kept_gap),
                        (_blocked(new, rack_box, fx, fy),
                         _gaps(new, rack_box, fx, fy) if len(new) else np.zeros((0, 4))))


def _with_doors(layout: Layout, st: dict, rack_box: np.ndarray, fx: np.ndarray,
                fy: np.ndarray) -> np.ndarray:
    """Return the rack boxes with each rear door's depth added behind its rack.

    The doors come from the static part (the cooling units do not change between
    incremental updates); their racks are found by id, again only when the racks changed
    in number or a sampled door's rack is no longer where it was (a drag step keeps both).
    """
    doors = st.get("doors")
    if doors is None:
        doors = st["doors"] = [(u.rack, u.depth_m) for u in layout.cooling
                               if u.kind == "rear_door" and u.rack]
        st["door_depth"] = np.array([d for _r, d in doors], np.float64)
    if not doors:
        return rack_box
    racks = layout.racks
    n = len(racks)
    where = st.get("door_racks")
    probe = {0, len(doors) // 2, len(doors) - 1}
    if where is None or st.get("door_n") != n or any(
            where[k] < n and racks[int(where[k])].id != doors[k][0] for k in probe):
        index = {r.id: i for i, r in enumerate(racks)}
        where = st["door_racks"] = np.array([index.get(rid, n) for rid, _d in doors], np.int64)
        st["door_n"] = n
    ok = where < len(rack_box)
    i, depth = where[ok], st["door_depth"][ok]
    out = rack_box.copy()
    # the back is against the front: a rack facing +x has its door on its -x side
    fxi, fyi = np.asarray(fx)[i], np.asarray(fy)[i]
    np.subtract.at(out[:, 0], i[fxi > 0.5], depth[fxi > 0.5])
    np.add.at(out[:, 2], i[fxi < -0.5], depth[fxi < -0.5])
    np.subtract.at(out[:, 1], i[fyi > 0.5], depth[fyi > 0.5])
    np.add.at(out[:, 3], i[fyi < -0.5], depth[fyi < -0.5])
    return out


def analyze_floor(layout: Layout, rack_box: np.ndarray, rack_front: tuple[np.ndarray, np.ndarray],
                  rack_weight_kg: np.ndarray, cache: FloorCache | None = None,
                  rack_weight_unknown: np.ndarray | None = None,
                  unknown_weight_models: dict[str, int] | None = None) -> FloorResult:
    """Run the floor checks for racks and floor-standing units.

    Parameters
    ----------
    rack_box : (R, 4) float
        Rack footprints ``minx, miny, maxx, maxy`` in metres.
    rack_front : tuple of two (R,) float
        Unit vectors out of each rack's front.
    rack_weight_kg : (R,) float
        Loaded weight per rack.
    cache : FloorCache, optional
        Kept by an incremental analysis; racks whose box and facing are unchanged
        keep their results.
    rack_weight_unknown : (R,) bool, optional
        Racks whose weight leaves out hardware of unknown weight (counted as 0 kg).
    unknown_weight_models : dict, optional
        That hardware by model, for the rule's message.
    """
    a = layout.assumptions
    c = cache if cache is not None else FloorCache()
    key = [layout.hall, a, *layout.cooling]
    fx, fy = rack_front
    fresh = (len(c.key) != len(key) or not all(map(operator.is_, c.key, key))
             or c.rack_box is None or len(c.rack_box) != len(rack_box))
    if fresh:
        c.key, c.static = key, _static(layout)
    st = c.static
    unit_box = st["unit_box"]
    n_r = len(rack_box)
    allbox = np.concatenate([rack_box, unit_box]) if len(unit_box) else rack_box
    dirty = np.zeros(0, np.int64)
    if not fresh:
        dirty = np.flatnonzero((rack_box != c.rack_box).any(axis=1) | (fx != c.fx) | (fy != c.fy))
        fresh = len(dirty) > _INCREMENTAL_MAX
    clear = a.aisle_clearance_m
    # the aisle behind a rack with a rear door starts at the door's face, and the door
    # narrows the aisle it stands in: the aisle strips and what they meet take it along
    door_box = _with_doors(layout, st, rack_box, fx, fy)
    aisle_all = np.concatenate([door_box, unit_box]) if len(unit_box) else door_box
    # a rack's rear door is part of what it takes of the floor: another rack set into
    # it, or the door through a wall or onto a column, is a collision too
    solid = aisle_all
    if fresh:
        c.strips = {}
        overlaps = overlapping_pairs(solid)
        outside = _outside(st, solid)
        on_obst = _obstacles(st, solid, np.arange(len(solid)))
        if n_r and clear > 0:
            # every rack's strips, kept for the updates that follow
            sides = _strips_of(c, None, door_box, fx, fy, clear)
            blocked = _strip_pairs(sides, aisle_all)
            wall_m = _wall_depths(st, sides, fx, fy, clear)
            near_obst = _strip_obstacles(st, sides, np.arange(n_r))
        else:
            blocked, wall_m, near_obst = np.zeros((0, 2), np.int64), np.full((n_r, 2), np.nan), {}
        facing = _same_facing(_strip_pairs(_strips_of(c, None, rack_box, fx, fy,
                                                      EXHAUST_REACH_M), rack_box, back=False),
                              fx, fy)
        facing_blocked = _blocked(facing, rack_box, fx, fy)
        facing_gap = _gaps(facing, rack_box, fx, fy) if len(facing) else np.zeros((0, 4))
    elif len(dirty):
        keep = ~np.isin(c.overlaps, dirty).any(axis=1)
        new = [np.zeros((0, 2), np.int64)]
        for i in dirty.tolist():
            j = np.flatnonzero(interior_overlap(solid[i][None, :], solid))
            j = j[j != i]
            new.append(np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1))
        overlaps, = _merge_pairs(c.overlaps[keep], np.concatenate(new))
        outside = c.outside.copy()
        outside[dirty] = _outside(st, solid[dirty])
        gone = set(dirty.tolist())
        on_obst = {k: v for k, v in c.on_obstacle.items() if k not in gone}
        on_obst.update(_obstacles(st, solid[dirty], dirty))
        if n_r and clear > 0:
            keep = ~np.isin(c.blocked, dirty).any(axis=1)
            sides = _strips_of(c, dirty, door_box, fx, fy, clear)
            blocked, = _merge_pairs(c.blocked[keep], _strip_pairs_for(dirty, sides, aisle_all))
            # the hall and the obstacles stay put: only the moved racks' strips change
            mine = (sides[0][dirty], sides[1][dirty])
            wall_m = c.wall_m.copy()
            wall_m[dirty] = _wall_depths(st, mine, fx[dirty], fy[dirty], clear)
            near_obst = {k: v for k, v in c.aisle_obstacles.items() if k not in gone}
            near_obst.update(_strip_obstacles(st, mine, dirty))
        else:
            blocked, wall_m, near_obst = np.zeros((0, 2), np.int64), np.full((n_r, 2), np.nan), {}
        keep = ~np.isin(c.facing, dirty).any(axis=1)
        sides = _strips_of(c, dirty, rack_box, fx, fy, EXHAUST_REACH_M)
        near = _strip_pairs_for(dirty, sides, rack_box, back=False)
        facing, facing_blocked, facing_gap = _facing_update(
            c, keep, _same_facing(near, fx, fy), dirty, rack_box, fx, fy)
    else:
        overlaps, outside, on_obst, blocked = c.overlaps, c.outside, c.on_obstacle, c.blocked
        wall_m, near_obst = c.wall_m, c.aisle_obstacles
        facing, facing_blocked, facing_gap = c.facing, c.facing_blocked, c.facing_gap
    c.rack_box, c.fx, c.fy = rack_box.copy(), np.array(fx, copy=True), np.array(fy, copy=True)
    c.overlaps, c.outside, c.on_obstacle, c.blocked = overlaps, outside, on_obst, blocked
    c.wall_m, c.aisle_obstacles = wall_m, near_obst
    c.facing, c.facing_blocked, c.facing_gap = facing, facing_blocked, facing_gap
    obst = layout.hall.obstacles
    area = (rack_box[:, 2] - rack_box[:, 0]) * (rack_box[:, 3] - rack_box[:, 1])
    load = np.divide(rack_weight_kg, area, out=np.zeros_like(area), where=area > 0)
    occupied = float(area.sum() + ((unit_box[:, 2] - unit_box[:, 0]) *
                                   (unit_box[:, 3] - unit_box[:, 1])).sum())
    return FloorResult(ids=st["ids"], kind=st["kind"], box=allbox, door_box=door_box,
                       overlaps=overlaps, outside=np.flatnonzero(outside),
                       on_obstacle=[(i, obst[o].id) for i in sorted(on_obst) for o in on_obst[i]],
                       aisle_blocked=blocked, exhaust_into_intake=facing[~facing_blocked],
                       rack_area_m2=area,
                       rack_weight_kg=np.asarray(rack_weight_kg, np.float64), rack_load_kg_m2=load,
                       hall_area_m2=st["hall_area"], occupied_area_m2=occupied,
                       hall_problem=st["hall_problem"],
                       obstacles_outside=tuple(st["obstacles_away"]),
                       rack_weight_unknown=np.zeros(n_r, bool) if rack_weight_unknown is None
                       else np.asarray(rack_weight_unknown, bool),
                       unknown_weight_models=dict(unknown_weight_models or {}),
                       aisle_obstacles=[(i, obst[o].id) for i in sorted(near_obst)
                                        for o in near_obst[i]],
                       aisle_wall_m=wall_m)


# -- rules ---------------------------------------------------------------------------------


def row_gaps(rack_box: np.ndarray, rot_deg: np.ndarray, below_m: float,
             others: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the gaps narrower than ``below_m`` between neighbours in a row, vectorized.

    Racks stand in one row when they face the same way with their fronts on one line
    (to the centimetre); each rack and the next along the row form a pair when the
    space between them is wider than 1 cm and narrower than ``below_m`` and nothing
    (``others``: (K, 4) boxes of other footprints, such as cooling units; or another
    rack) stands at the middle of it. Returns ``(pairs, width_m)``: (G, 2) rack
    indices in row order and each gap's width.

    Examples
    --------
    >>> box = np.array([[0, 0, .6, 1.2], [.6, 0, 1.2, 1.2], [1.8, 0, 2.4, 1.2],
    ...                 [4, 0, 4.6, 1.2]], float)
    >>> pairs, width = row_gaps(box, np.zeros(4, int), 1.2)
    >>> pairs.tolist(), width.round(2).tolist()
    ([[1, 2]], [0.6])
    >>> row_gaps(box, np.zeros(4, int), 1.2, np.array([[1.2, 0, 1.8, 1.2]]))[0].tolist()
    []
    """
    box = np.asarray(rack_box, np.float64).reshape(-1, 4)
    rot = np.asarray(rot_deg, np.int64) % 360
    none = np.zeros((0, 2), np.int64), np.zeros(0)
    if len(box) < 2:
        return none
    across_y = rot % 180 == 90  # the row runs along y
    a0 = np.where(across_y, box[:, 1], box[:, 0])
    a1 = np.where(across_y, box[:, 3], box[:, 2])
    front = np.select([rot == 0, rot == 90, rot == 180], [box[:, 1], box[:, 2], box[:, 3]],
                      box[:, 0])
    line = np.round(front * 100).astype(np.int64)
    order = np.lexsort((a0, line, rot))
    same = (rot[order][1:] == rot[order][:-1]) & (line[order][1:] == line[order][:-1])
    i, j = order[:-1][same], order[1:][same]
    width = a0[j] - a1[i]
    gap = (width > 0.01) & (width < below_m - 1e-9)
    i, j, width = i[gap], j[gap], width[gap]
    if not len(i):
        return none
    # the middle of each gap, half way across the depth both racks share
    b0 = np.where(across_y, box[:, 0], box[:, 1])
    b1 = np.where(across_y, box[:, 2], box[:, 3])
    mid_a = (a1[i] + a0[j]) / 2
    mid_b = (np.maximum(b0[i], b0[j]) + np.minimum(b1[i], b1[j])) / 2
    mx = np.where(across_y[i], mid_b, mid_a)
    my = np.where(across_y[i], mid_a, mid_b)
    stand = box if others is None else np.concatenate([box, np.asarray(others).reshape(-1, 4)])
    filled = np.zeros(len(i), bool)
    for k in range(0, len(stand), 4096):  # gaps x footprints, a block at a time
        b = stand[k:k + 4096]
        filled |= ((b[None, :, 0] < mx[:, None]) & (mx[:, None] < b[None, :, 2])
                   & (b[None, :, 1] < my[:, None]) & (my[:, None] < b[None, :, 3])).any(1)
    keep = ~filled
    return np.stack([i[keep], j[keep]], 1), width[keep]


def turned_in_row(rack_box: np.ndarray, rot_deg: np.ndarray, within_m: float
                  ) -> np.ndarray:
    """Return (P, 2) neighbours in one line of racks that face opposite ways, vectorized.

    Racks stand in one line when their rows run the same way and their centres lie on
    one line across it (to the centimetre); each rack and the next along the line
    form a pair when they are less than ``within_m`` apart and turned 180° from each
    other, so one's intake opens on the aisle the other blows its exhaust into.

    Examples
    --------
    >>> box = np.array([[0, 0, .6, 1.2], [.6, 0, 1.2, 1.2], [1.2, 0, 1.8, 1.2]], float)
    >>> turned_in_row(box, np.array([0, 0, 180]), 1.2).tolist()
    [[1, 2]]
    >>> turned_in_row(box, np.array([0, 0, 0]), 1.2).tolist()
    []
    """
    box = np.asarray(rack_box, np.float64).reshape(-1, 4)
    rot = np.asarray(rot_deg, np.int64) % 360
    if len(box) < 2:
        return np.zeros((0, 2), np.int64)
    across_y = rot % 180 == 90
    a0 = np.where(across_y, box[:, 1], box[:, 0])
    a1 = np.where(across_y, box[:, 3], box[:, 2])
    mid = np.where(across_y, box[:, 0] + box[:, 2], box[:, 1] + box[:, 3]) / 2
    line = np.round(mid * 100).astype(np.int64)
    way = across_y.astype(np.int64)
    order = np.lexsort((a0, line, way))
    i, j = order[:-1], order[1:]
    keep = (way[i] == way[j]) & (line[i] == line[j]) & ((rot[i] - rot[j]) % 360 == 180) \
        & (a0[j] - a1[i] < within_m - 1e-9)
    return np.stack([i[keep], j[keep]], 1)


from engine.compile import front_vectors  # noqa: E402
from engine.rules import Violation, apart, rule  # noqa: E402


@rule("FLOOR-HALL", "floor", "The hall outline crosses itself or encloses no area.")
def _check_hall(ctx) -> list[Violation]:
    problem = ctx.floor.hall_problem
    if problem is None:
        return []
    return [Violation("FLOOR-HALL", "error", f"The hall outline (hall.outline) {problem}; "
                      "draw it again (Draw > Edit hall outline)", ("@hall",))]


def _listed(pairs, make, code: str, severity: str, what: str, ids) -> list[Violation]:
    """Violations of the first :data:`MAX_LISTED_PAIRS` pairs, and one that sums up the
    rest (a pile of footprints would otherwise list millions of pairs)."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    out = [v for v in (make(i, j) for i, j in pairs[:MAX_LISTED_PAIRS].tolist()) if v]
    rest = pairs[MAX_LISTED_PAIRS:]
    if len(rest):
        items = unique_sorted(rest)
        out.append(Violation(code, severity, f"... and {len(rest):,} more {what}: "
                             f"{len(unique_sorted(pairs)):,} items in all (only the first "
                             f"{MAX_LISTED_PAIRS:,} pairs are listed one by one)",
                             tuple(ids[k] for k in items[:MAX_LISTED_PAIRS].tolist())))
    return out


@rule("FLOOR-OVERLAP", "floor", "Two footprints overlap (a rack's rear door included).")
def _check_overlap(ctx) -> list[Violation]:
    f = ctx.floor

    def said(i: int, j: int) -> str:
        if f.door_box is None or interior_overlap(f.box[i][None, :], f.box[j][None, :])[0]:
            return f"{f.ids[i]} overlaps {f.ids[j]}"
        n_r = len(f.door_box)
        door, other = (i, j) if i < n_r and interior_overlap(
            f.door_box[i][None, :], f.box[j][None, :])[0] else (j, i)
        return f"The rear door of {f.ids[door]} overlaps {f.ids[other]}"

    return _listed(f.overlaps, lambda i, j: Violation(
        "FLOOR-OVERLAP", "error", said(i, j), (f.ids[i], f.ids[j])),
        "FLOOR-OVERLAP", "error", "overlapping footprints", f.ids)


@rule("FLOOR-OUTSIDE", "floor", "A footprint is not inside the hall, or sits on an obstacle.")
def _check_outside(ctx) -> list[Violation]:
    f = ctx.floor

    def who(i: int) -> str:
        # a rack with a rear door is tested with its door: say so, the door may be all
        # that crosses the wall or stands on the column
        door = f.door_box is not None and i < len(f.door_box) and \
            not np.array_equal(f.door_box[i], f.box[i])
        return f"{f.ids[i]} (with its rear door)" if door else f.ids[i]

    out = [Violation("FLOOR-OUTSIDE", "error", f"{who(i)} is outside the hall outline",
                     (f.ids[i],)) for i in f.outside]
    out += [Violation("FLOOR-OBSTACLE", "error", f"{who(i)} sits on obstacle {oid}",
                      (f.ids[i], oid)) for i, oid in f.on_obstacle]
    return out


@rule("FLOOR-OBSTACLE-OUTSIDE", "floor", "A wall, column or keep-out zone lies outside the hall.")
def _check_obstacle_outside(ctx) -> list[Violation]:
    return [Violation("FLOOR-OBSTACLE-OUTSIDE", "warning", f"{oid} lies wholly outside the hall "
                      "outline: move it onto the floor it belongs to, or delete it", (oid,))
            for oid in ctx.floor.obstacles_outside]


@rule("FLOOR-CEILING", "floor", "A rack taller than the hall's ceiling; a cable tray above "
      "the ceiling, through the racks' height, or under a floor that is not raised.")
def _check_ceiling(ctx) -> list[Violation]:
    lay = ctx.layout
    hall, a = lay.hall, lay.assumptions
    ceiling = hall.ceiling_height_m
    # a rack's U space alone (its frame adds a little more): a lower bound of its height
    top_m = ctx.arrays.rack_height_u * a.u_height_m
    out = []
    tall = np.flatnonzero(top_m > ceiling)
    if len(tall):
        ids = [lay.racks[i].id for i in tall.tolist()]
        out.append(Violation(
            "FLOOR-CEILING", "error",
            f"{len(ids):,} rack{'s' * (len(ids) != 1)} stand{'s' * (len(ids) == 1)} taller "
            f"than the {ceiling:.2f} m ceiling "
            f"(hall.ceiling_height_m), up to {float(top_m[tall].max()):.2f} m of U space: "
            f"{', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''}", tuple(ids)))
    rack_top_m = float(top_m.max()) if len(top_m) else 0.0
    runs = [(t.id, t.elevation_m, (t.id,)) for t in lay.trays] or \
        [("the default trays (assumptions.tray_elevation_m)", a.tray_elevation_m, ("@layout",))]
    for what, z, items in runs:
        if z > ceiling:
            out.append(Violation("FLOOR-CEILING", "error",
                                 f"{what} runs at {z:.2f} m, above the {ceiling:.2f} m ceiling",
                                 items))
        elif 0 <= z < rack_top_m:
            out.append(Violation("FLOOR-CEILING", "warning",
                                 f"{what} runs at {z:.2f} m, below the tops of the racks "
                                 f"({rack_top_m:.2f} m): an overhead tray runs above them",
                                 items))
        elif z < 0 and not hall.raised_floor:
            out.append(Violation("FLOOR-CEILING", "warning",
                                 f"{what} runs {-z:.2f} m under the floor, but the hall has no "
                                 "raised floor (hall.raised_floor)", items))
    return out


@rule("FLOOR-AISLE", "floor", "Less than the aisle clearance in front of or behind a rack: "
      "another rack, a unit, a column or a wall stands in it.")
def _check_aisle(ctx) -> list[Violation]:
    f = ctx.floor
    clear = ctx.layout.assumptions.aisle_clearance_m
    doors = {u.rack for u in ctx.layout.cooling if u.kind == "rear_door" and u.rack}

    def door(i: int, j: int) -> str:
        # the aisle runs from a rear door's face: say so where a door narrows it
        named = [f.ids[k] for k in (i, j) if k < len(f.ids) and f.ids[k] in doors]
        return (f" (rear door{'s' * (len(named) > 1)} of {' and '.join(named)} included)"
                if named else "")
    out = _listed(f.aisle_blocked, lambda i, j: Violation(
        "FLOOR-AISLE", "warning",
        f"{f.ids[i]} has {f.ids[j]} within {clear:.2f} m of its front or rear{door(i, j)}",
        (f.ids[i], f.ids[j])), "FLOOR-AISLE", "warning", "blocked aisles", f.ids)
    return out + [Violation("FLOOR-AISLE", "warning",
                            f"{f.ids[i]} has {oid} within {clear:.2f} m of its front or rear",
                            (f.ids[i], oid)) for i, oid in f.aisle_obstacles]


@rule("FLOOR-AISLE-WALL", "floor", "Less than the aisle clearance between a rack's front or "
      "back and the hall's wall.")
def _check_aisle_wall(ctx) -> list[Violation]:
    f = ctx.floor
    depth = f.aisle_wall_m
    if depth is None or not len(depth):
        return []
    short = ~np.isnan(depth)
    # a rack outside the outline is an error of its own (FLOOR-OUTSIDE)
    short[f.outside[f.outside < len(depth)]] = False
    racks = np.flatnonzero(short[:, 0] | short[:, 1])  # faster than .any(axis=1) on two columns
    if not len(racks):
        return []
    clear = ctx.layout.assumptions.aisle_clearance_m
    asked = f"{clear:.2f} m clearance asked (aisle_clearance_m)"

    def gap(m: float) -> str:
        return "against" if m < 0.005 else f"{m:.2f} m from"

    out = []
    for i in racks[:MAX_LISTED_PAIRS].tolist():
        front, back = (float(m) if s else None for m, s in zip(depth[i], short[i], strict=True))
        if front is not None and back is not None:
            where = f"{f.ids[i]}'s front is {gap(front)} the hall wall and its back {gap(back)} it"
        else:
            where = f"{f.ids[i]}'s {'front' if back is None else 'back'} is " \
                f"{gap(front if back is None else back)} the hall wall"
        out.append(Violation("FLOOR-AISLE-WALL", "warning", f"{where}; {asked}", (f.ids[i],)))
    rest = racks[MAX_LISTED_PAIRS:]
    if len(rest):
        out.append(Violation("FLOOR-AISLE-WALL", "warning",
                             f"... and {len(rest):,} more racks closer to the hall wall than "
                             f"the clearance: {len(racks):,} racks in all (only the first "
                             f"{MAX_LISTED_PAIRS:,} are listed one by one)",
                             tuple(f.ids[k] for k in rest[:MAX_LISTED_PAIRS].tolist())))
    return out


@rule("FLOOR-AIRFLOW", "floor", "A rack's intake faces another rack's exhaust across an aisle.")
def _check_airflow(ctx) -> list[Violation]:
    f = ctx.floor
    pairs = f.exhaust_into_intake
    if not len(pairs):
        return []
    # exhaust that a rear door or liquid already takes out of the air does no harm
    air_kw = np.asarray(ctx.cooling.rack_air_kw)
    rack_kw = np.asarray(ctx.power.rack_kw)
    pairs = pairs[air_kw[pairs[:, 1]] > 0.05]
    listed = pairs[:MAX_LISTED_PAIRS]
    n_r = len(ctx.arrays.rack_ids)
    fx, fy = front_vectors(ctx.arrays.rack_rot_deg)
    rows = _row_gaps(listed, f.box[:n_r], fx, fy, ctx.layout.racks) if len(listed) else []
    through = {(int(i), int(j)): row for (i, j), row in zip(listed.tolist(), rows, strict=True)}

    def make(i: int, j: int) -> Violation:
        head = f"{f.ids[i]} takes in the exhaust of {f.ids[j]} ({air_kw[j]:.1f} kW of hot air)"
        row = through.get((i, j))
        if row is None:
            tail = "both face the same way across the aisle (turn one: fronts face fronts)"
        else:
            # two rows apart, the row between them open where a rack is missing: the hot
            # aisle's air comes round through the opening (blanking closes it)
            tail = (f"through the opening in {row or 'the rack line'} between them (fill it "
                    "with a rack or blanking panels, or contain the aisle)")
        if rack_kw[i] <= 0.05:
            # nothing in the rack to cool yet: a warning until it holds hardware (a rack
            # whose heat goes to a rear door or liquid still breathes the hot air in)
            return Violation("FLOOR-AIRFLOW", "warning",
                             f"{head} {tail}; {f.ids[i]} draws no power yet",
                             (f.ids[i], f.ids[j]))
        return Violation("FLOOR-AIRFLOW", "error", f"{head} {tail}", (f.ids[i], f.ids[j]))

    return _listed(pairs, make, "FLOOR-AIRFLOW", "error", "racks taking in exhaust", f.ids)


def _row_gaps(pairs: np.ndarray, rack_box: np.ndarray, fx: np.ndarray, fy: np.ndarray,
              racks: list) -> list[str | None]:
    """Per (intake, exhaust) pair, the row whose opening the exhaust comes through:
    ``"row R02"`` when racks (of ``racks``, the layout's) stand beside the pair's gap (the rest of a row between
    them, open where a rack is missing), ``""`` for such a line of racks with no row
    name, ``None`` when the gap is an open aisle.

    Examples
    --------
    >>> box = np.array([[0, 0, 1, 1.2], [0, 4.8, 1, 6.0], [1, 2.4, 2, 3.6]], float)
    >>> fx, fy = np.zeros(3), np.ones(3)
    >>> from types import SimpleNamespace as R
    >>> racks = [R(row=None), R(row=None), R(row="R02")]
    >>> _row_gaps(np.array([[0, 1]]), box, fx, fy, racks)
    ['row R02']
    >>> _row_gaps(np.array([[0, 1]]), box[:2], fx[:2], fy[:2], racks[:2])
    [None]
    """
    gap = _gaps(pairs, rack_box, fx, fy)
    along_x = np.abs(fx[pairs[:, 0]]) > 0.5
    # the gap widened sideways by a rack's width: the neighbours of a missing rack
    reach = np.where(along_x[:, None], [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0])
    wide = gap + reach * np.array([-1.0, -1.0, 1.0, 1.0])
    cx, cy = _centres(rack_box)[:2]
    out: list[str | None] = []
    for k, (i, j) in enumerate(pairs.tolist()):
        # a rack of the row between has its centre inside the gap along the facing axis
        # (not a deeper neighbour of either rack, reaching just past its face)
        lo, hi, c = (wide[k, 0], wide[k, 2], cx) if along_x[k] else (wide[k, 1], wide[k, 3], cy)
        inside = (c > lo) & (c < hi) & interior_overlap(rack_box, wide[k][None, :])
        hit = np.flatnonzero(inside)
        hit = hit[(hit != i) & (hit != j)]
        if not len(hit):
            out.append(None)
            continue
        names = sorted({racks[h].row for h in hit.tolist() if racks[h].row})
        out.append(f"row {names[0]}" if names else "")
    return out


@rule("FLOOR-ROW-GAP", "floor", "A gap in a row narrower than an aisle: hot air comes "
      "back through it to the cold aisle.")
def _check_row_gap(ctx) -> list[Violation]:
    """A gap between two racks of a row that is too narrow to walk through (less than
    the aisle clearance) but open lets the hot aisle's air back into the cold aisle
    in front, the recirculation blanking panels and gap fillers exist to stop; a
    passage as wide as an aisle is a cross aisle and fine. Gaps beside racks that
    give no heat to the air (liquid cooled in full, or empty) do no harm."""
    f = ctx.floor
    clear = ctx.layout.assumptions.aisle_clearance_m
    n_r = len(ctx.arrays.rack_ids)
    if n_r < 2 or clear <= 0.01:
        return []
    obstacles = [np.array(o.polygon, np.float64) for o in ctx.layout.hall.obstacles]
    others = [f.box[n_r:]] + [np.r_[p.min(0), p.max(0)][None, :] for p in obstacles]
    pairs, width = row_gaps(f.box[:n_r], ctx.arrays.rack_rot_deg, clear,
                            np.concatenate(others) if others else None)
    if not len(pairs):
        return []
    air_kw = np.asarray(ctx.cooling.rack_air_kw)
    hot = (air_kw[pairs[:, 0]] > 0.05) | (air_kw[pairs[:, 1]] > 0.05)
    pairs, width = pairs[hot], width[hot]
    racks = ctx.layout.racks
    out = []
    for (i, j), w in zip(pairs[:MAX_LISTED_PAIRS].tolist(), width.tolist(), strict=False):
        row = racks[i].row if i < len(racks) and racks[i].row else None
        where = f"Row {row}" if row else "A row"
        out.append(Violation(
            "FLOOR-ROW-GAP", "warning",
            f"{where} has a {w:.2f} m gap between {f.ids[i]} and {f.ids[j]}: hot-aisle air "
            f"comes back through it to the racks' intakes; close it (a blanking panel or a "
            f"rack) or widen it to a {clear:.2f} m cross aisle (aisle_clearance_m)",
            (f.ids[i], f.ids[j])))
    if len(pairs) > MAX_LISTED_PAIRS:
        rest = pairs[MAX_LISTED_PAIRS:]
        out.append(Violation("FLOOR-ROW-GAP", "warning",
                             f"... and {len(rest):,} more gaps in rows narrower than an aisle "
                             f"(only the first {MAX_LISTED_PAIRS:,} are listed one by one)",
                             tuple(f.ids[k] for k in unique_sorted(rest)[:MAX_LISTED_PAIRS])))
    return out


@rule("FLOOR-ROW-FACING", "floor", "A rack faces the other way from the rack beside it in a "
      "row: its intake opens on the hot aisle.")
def _check_row_facing(ctx) -> list[Violation]:
    """Racks of a row face one way: fronts on the cold aisle, backs on the hot one. A
    rack turned round among them (dragged from the row across the aisle, pasted from
    another) takes in its neighbours' exhaust and blows its own into their intakes.
    The rack turned against most of its row is named; with no row to go by, both."""
    f = ctx.floor
    n_r = len(ctx.arrays.rack_ids)
    clear = max(ctx.layout.assumptions.aisle_clearance_m, 0.01)
    pairs = turned_in_row(f.box[:n_r], ctx.arrays.rack_rot_deg, clear)
    if not len(pairs):
        return []
    air_kw = np.asarray(ctx.cooling.rack_air_kw)
    pairs = pairs[(air_kw[pairs[:, 0]] > 0.05) | (air_kw[pairs[:, 1]] > 0.05)]
    racks, rot = ctx.layout.racks, ctx.arrays.rack_rot_deg
    rows = {racks[k].row for k in pairs.ravel().tolist() if racks[k].row}
    usual: dict[str, int] = {}
    for row in rows:  # the way most of each row faces (rows a turned rack stands in: few)
        ways = [int(rot[k]) for k, r in enumerate(racks) if r.row == row]
        usual[row] = max(set(ways), key=ways.count)
    out = []
    named: set[int] = set()  # a turned rack between two neighbours is named once
    for i, j in pairs[:MAX_LISTED_PAIRS].tolist():
        row = racks[i].row if racks[i].row and racks[i].row == racks[j].row else None
        turned = [k for k in (i, j) if row is not None and int(rot[k]) != usual[row]]
        if len(turned) == 1:
            k = turned[0]
            if k in named:
                continue
            named.add(k)
            other = j if k == i else i
            out.append(Violation(
                "FLOOR-ROW-FACING", "warning",
                f"{f.ids[k]} faces the other way from {f.ids[other]} beside it and the rest "
                f"of row {row}: its intake opens on the row's hot aisle; turn it 180°",
                (f.ids[k],)))
        else:
            out.append(Violation(
                "FLOOR-ROW-FACING", "warning",
                f"{f.ids[i]} and {f.ids[j]} stand side by side in one line facing opposite "
                f"ways: each takes in the air the other blows out; turn one of them 180°",
                (f.ids[i], f.ids[j])))
    return out


#: a rack whose faces stand further than this off its row's line is out of line with it
ROW_LINE_TOLERANCE_M = 0.15


def out_of_row_line(rack_box: np.ndarray, rot_deg: np.ndarray, row_code: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Return the racks of a row that stand out of its line, and by how much (m).

    A row's line across its run is where most of its racks' faces are: the middle of
    its racks' near faces and of their far faces (y for a row of racks facing north or
    south, x for one turned a quarter). A rack is out of line when neither of its faces
    is within :data:`ROW_LINE_TOLERANCE_M` of the row's: racks of other depths in one
    row (NVL72 and network racks) share one face. ``row_code`` is -1 for a rack of no
    row; rows of one rack have no line to leave.

    Examples
    --------
    >>> box = np.array([[0, 0, .6, 1.2], [.6, 0, 1.2, 1.2], [1.2, .6, 1.8, 1.8],
    ...                 [1.8, 0, 2.4, 1.07]])
    >>> k, off = out_of_row_line(box, np.zeros(4), np.zeros(4, int))
    >>> k.tolist(), off.round(2).tolist()
    ([2], [0.6])

    A rack of the row turned a quarter (its faces across the row) is no rack out of line:

    >>> turned = np.array([[0, 0, .6, 1.2], [.6, 0, 1.2, 1.2], [1.2, .3, 2.4, .9],
    ...                    [2.4, 0, 3.0, 1.2]])
    >>> out_of_row_line(turned, np.array([0, 0, 90, 0]), np.zeros(4, int))[0].tolist()
    []
    """
    rows = np.asarray(row_code, np.int64)
    on = np.flatnonzero(rows >= 0)
    if len(on) < 2:
        e = np.zeros(0, np.int64)
        return e, np.zeros(0)
    along_x = (np.asarray(rot_deg)[on].astype(np.int64) % 180) == 0
    # a row runs the way most of its racks face; a rack turned across it is the
    # FLOOR-ROW-FACING check's, and its faces are no measure of the row's line
    code_all = rows[on]
    ids, inv = np.unique(code_all, return_inverse=True)
    row_along_x = np.bincount(inv, weights=along_x.astype(float), minlength=len(ids)) * 2 >= \
        np.bincount(inv, minlength=len(ids))
    keep = along_x == row_along_x[inv]
    on, along_x = on[keep], along_x[keep]
    if len(on) < 2:
        e = np.zeros(0, np.int64)
        return e, np.zeros(0)
    box = np.asarray(rack_box, np.float64)[on]
    lo = np.where(along_x, box[:, 1], box[:, 0])
    hi = np.where(along_x, box[:, 3], box[:, 2])
    code = rows[on]

    def middle(v: np.ndarray) -> np.ndarray:
        order = np.lexsort((v, code))
        c = code[order]
        start = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        size = np.diff(np.r_[start, len(c)])
        mid = v[order][start + (size - 1) // 2]
        grp = np.repeat(np.arange(len(start)), size)
        out = np.empty(len(v))
        out[order] = mid[grp]
        n = np.empty(len(v), np.int64)
        n[order] = size[grp]
        return out, n

    lo_mid, n = middle(lo)
    hi_mid, _ = middle(hi)
    off = np.minimum(np.abs(lo - lo_mid), np.abs(hi - hi_mid))
    bad = np.flatnonzero((off > ROW_LINE_TOLERANCE_M + 1e-9) & (n > 2))
    return on[bad], off[bad]


@rule("FLOOR-ROW-LINE", "floor", "A rack of a row stands out of the row's line, into an "
      "aisle.")
def _check_row_line(ctx) -> list[Violation]:
    """A rack set down beside a row but half a rack forward or back joins the row by its
    label yet narrows the aisle it stands in and breaks the row's hot/cold separation."""
    racks = ctx.layout.racks
    p = getattr(ctx, "power", None)
    if p is None or p.rack_row is None or len(p.rack_row) != len(racks):
        return []
    none = np.array([name == "" for name in p.row_names] + [True], bool)
    code = np.where(none[p.rack_row], -1, p.rack_row)
    n_r = len(ctx.arrays.rack_ids)
    k, off = out_of_row_line(ctx.floor.box[:n_r], ctx.arrays.rack_rot_deg, code)
    ids = ctx.arrays.rack_ids
    return [Violation("FLOOR-ROW-LINE", "warning",
                      f"{ids[i]} stands {d:.2f} m out of row {racks[i].row}'s line, into the "
                      "aisle: set it in line with the row (Edit → Align → Into the row's "
                      "line) or take it out of the row",
                      (ids[i],))
            for i, d in zip(k[:MAX_LISTED_PAIRS].tolist(), off[:MAX_LISTED_PAIRS].tolist(),
                            strict=True)]


@rule("FLOOR-LOAD", "floor", "A rack's weight per footprint area exceeds the floor rating, "
      "or cannot be checked against it: the catalog has no weight for some of its hardware.")
def _check_load(ctx) -> list[Violation]:
    f = ctx.floor
    rating = ctx.layout.hall.floor_rating_kg_m2
    ids = ctx.arrays.rack_ids
    load = f.rack_load_kg_m2
    over = load > rating + 1e-9
    unknown = f.rack_weight_unknown if f.rack_weight_unknown is not None and \
        len(f.rack_weight_unknown) == len(load) else np.zeros(len(load), bool)
    out = []
    for i in np.flatnonzero(over).tolist():
        kg, rated = apart(load[i], rating)
        out.append(Violation("FLOOR-LOAD", "error",
                             f"Rack {ids[i]} loads the floor at "
                             f"{'at least ' if unknown[i] else ''}{kg} kg/m², over the {rated} "
                             "kg/m² rating", (ids[i],)))
    # a rack of unknown weight under the rating has passed no check: it may be over it
    unchecked = np.flatnonzero(unknown & ~over)
    if len(unchecked):
        models = sorted(f.unknown_weight_models)
        k = len(unchecked)
        out.append(Violation(
            "FLOOR-LOAD-UNKNOWN", "warning",
            f"Floor load not checked for {k:,} rack{'s' * (k != 1)} of unknown weight: the "
            f"catalog has no weight figure for {', '.join(models) or 'some of their hardware'}; "
            f"the known part loads {'them' if k != 1 else 'it'} at up to "
            f"{float(load[unchecked].max()):,.0f} kg/m² against the {rating:,.0f} kg/m² rating",
            tuple(operator.itemgetter(*unchecked.tolist())(ids)) if k > 1 else (ids[int(unchecked[0])],)))
    return out


@rule("RACK-U", "floor", "Devices overlap in U, exceed the rack, or have no U height; a "
      "rack-scale system stands in another rack type than its own.")
def _check_u(ctx) -> list[Violation]:
    ids = ctx.arrays.rack_ids
    return [Violation(code, "error", msg, (ids[r],)) for r, code, msg in ctx.arrays.rack_problems]
