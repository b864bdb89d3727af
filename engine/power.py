"""Power: kW per rack, row and feed; derated feed utilization; A/B loss; PUE.

Feeds carry racks: each rack lists its feed ids. In normal operation a rack's
load splits evenly over its feeds; when one side (A or B) is lost, the load
moves to the rack's remaining feeds. A feed is budgeted at its rating (kVA
times its power factor) times the continuous-load derating (80 % by NEC
210.20(A) [S65]).

Examples
--------
>>> p = feed_loads(np.array([40.0, 40.0]), np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]),
...                np.array([0, 1]), 2)
>>> p["load_kw"].tolist(), p["failover_kw"].tolist()
([40.0, 40.0], [80.0, 80.0])
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import shapely

from engine.model import Layout

__all__ = ["PowerResult", "PowerCache", "feed_loads", "pue_model", "analyze_power",
           "nearest_feeds", "nearest_feeds_many", "TAP_OFF_REACH_M", "DESIGN_POWER_FACTOR"]


#: how far a busway tap-off reaches a rack in plan: the run passes over the racks it
#: feeds, and a tap-off box hangs from it with a short whip to the rack's PDU
TAP_OFF_REACH_M = 1.5

#: the power factor new feeds are designed with (templates, a feed drawn or dropped):
#: NVIDIA's table gives 32.7 kW for a 415 V / 60 A 3-phase circuit whose 80 % rating is
#: 34.5 kVA [S41], a power factor of 0.95; a feed's kW rating is its kVA times this
DESIGN_POWER_FACTOR = 0.95


@dataclass
class PowerResult:
    """Power figures; arrays follow rack order and ``feed_ids`` order."""

    rack_kw: np.ndarray
    row_names: list[str]
    row_kw: np.ndarray
    feed_ids: list[str]
    feed_side: np.ndarray  # 0 = A, 1 = B
    feed_rating_kw: np.ndarray
    feed_budget_kw: np.ndarray
    feed_load_kw: np.ndarray
    feed_failover_kw: np.ndarray
    feed_utilization: np.ndarray
    feed_failover_utilization: np.ndarray
    rack_feed_count: np.ndarray
    rack_survives_a_loss: np.ndarray
    rack_survives_b_loss: np.ndarray
    unknown_feeds: list[tuple[str, str]]
    #: (P,) every (rack, feed) connection and the plan distance from the rack to the
    #: feed's busway run (NaN for feeds without one)
    pair_rack: np.ndarray
    pair_feed: np.ndarray
    pair_gap_m: np.ndarray
    it_kw: float
    optics_kw: float
    facility_kw: float
    pue: float
    gpus_per_mw: float
    max_rack_kw: float
    #: (R,) devices and paid link ends (transceivers, active cables) in each rack whose
    #: power the catalog does not know: they count as 0 W, so that rack's figures (and
    #: every total over it) are lower bounds
    rack_unknown_power: np.ndarray | None = None
    #: (R,) of those, the link ends (``None``: none); the rest are devices
    rack_unknown_ends: np.ndarray | None = None
    #: (F,) of that hardware, the link ends in the racks each feed serves
    feed_unknown_ends: np.ndarray | None = None
    #: (F,) such hardware in the racks each feed serves
    feed_unknown_power: np.ndarray | None = None
    #: (R,) each rack's row, an index into ``row_names`` (whose "" is no row)
    rack_row: np.ndarray | None = None
    #: devices of unknown power in the hall by model (switches a fabric could not place
    #: in a rack included), ``{"sn4600c": 40}``
    unknown_power_models: dict[str, int] = field(default_factory=dict)
    #: link ends whose transceiver or active cable has no power figure, by medium id
    #: (``{"aec-800": 87}``); 0 W in the totals too
    unknown_power_media: dict[str, int] = field(default_factory=dict)

    @property
    def rack_unknown_devices(self) -> np.ndarray | None:
        """(R,) the devices of unknown power in each rack (its unknown hardware less the
        link ends): a rack holding one has no meaningful known load, where a few watts of
        modules left out leave the rest of its figures as they are."""
        if self.rack_unknown_power is None:
            return None
        if self.rack_unknown_ends is None or len(self.rack_unknown_ends) != len(
                self.rack_unknown_power):
            return self.rack_unknown_power
        return self.rack_unknown_power - self.rack_unknown_ends

    @property
    def unknown_power_devices(self) -> int:
        """Return how many devices of the hall have no power figure (0 W in the totals)."""
        return int(sum(self.unknown_power_models.values()))

    @property
    def unknown_power_ends(self) -> int:
        """Return how many link ends' optics have no power figure (0 W in the totals)."""
        return int(sum(self.unknown_power_media.values()))

    @property
    def unknown_power_hardware(self) -> dict[str, int]:
        """Return the devices by model and the link ends by medium of unknown power."""
        return {**self.unknown_power_models, **self.unknown_power_media}

    @property
    def is_lower_bound(self) -> bool:
        """Whether the IT and facility loads leave out hardware of unknown power."""
        return self.unknown_power_devices > 0 or self.unknown_power_ends > 0


def feed_loads(rack_kw: np.ndarray, pair_rack: np.ndarray, pair_feed: np.ndarray,
               feed_side: np.ndarray, n_feeds: int) -> dict[str, np.ndarray]:
    """Split rack loads over feeds, normally and with either side lost.

    Parameters
    ----------
    rack_kw : (R,) float
        Load per rack.
    pair_rack, pair_feed : (P,) int
        One pair per (rack, feed) connection.
    feed_side : (F,) int
        0 for side A, 1 for side B.
    n_feeds : int
        F.

    Returns
    -------
    dict
        ``load_kw`` (F,), ``failover_kw`` (F,) the worst load with the other
        side lost, ``count`` (R,) feeds per rack, ``survives`` (2, R) whether
        each rack keeps a feed when side A (row 0) or B (row 1) is lost.
    """
    n_racks = len(rack_kw)
    count = np.bincount(pair_rack, minlength=n_racks)
    share = np.divide(rack_kw, count, out=np.zeros_like(rack_kw), where=count > 0)
    load = np.bincount(pair_feed, weights=share[pair_rack], minlength=n_feeds)
    failover = np.zeros(n_feeds)
    survives = np.ones((2, n_racks), bool)
    pair_side = feed_side[pair_feed] if len(pair_feed) else np.zeros(0, np.int64)
    for lost in (0, 1):
        keep = pair_side != lost
        n_left = np.bincount(pair_rack[keep], minlength=n_racks)
        share_left = np.divide(rack_kw, n_left, out=np.zeros_like(rack_kw), where=n_left > 0)
        lf = np.bincount(pair_feed[keep], weights=share_left[pair_rack[keep]], minlength=n_feeds)
        failover = np.maximum(failover, lf)
        survives[lost] = (n_left > 0) | (rack_kw <= 0)
    return {"load_kw": load, "failover_kw": failover, "count": count, "survives": survives}


def pue_model(air_kw: float, liquid_kw: float, layout: Layout) -> float:
    """Return the PUE for a heat mix (or the user's PUE when set).

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]))
    >>> round(pue_model(100.0, 0.0, lay), 2), round(pue_model(0.0, 100.0, lay), 2)
    (1.5, 1.15)
    """
    a = layout.assumptions
    if a.pue is not None:
        return float(a.pue)
    total = air_kw + liquid_kw
    if total <= 0:
        return 1.0 + a.pue_overhead_fixed
    return 1.0 + a.pue_overhead_fixed + (air_kw * a.pue_overhead_air
                                          + liquid_kw * a.pue_overhead_liquid) / total


@dataclass
class PowerCache:
    """State kept between the calls of an incremental analysis (see :func:`analyze_power`)."""

    feeds: list = field(default_factory=list)  # the feed objects the tables were built from
    rack_feeds: list[tuple[str, ...]] = field(default_factory=list)
    rack_rows: list[str] = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    pair_gap_m: np.ndarray | None = None  # per (rack, feed) pair, see :func:`feed_gaps_m`


def _feed_tables(layout: Layout) -> dict:
    feed_ids = [f.id for f in layout.feeds]
    # a busway is a run in plan that racks tap off; other feeds reach by whip or cable
    seg_feed, seg = [], []
    for j, f in enumerate(layout.feeds):
        if f.kind == "busway" and len(f.points) >= 2:
            pts = np.asarray(f.points, np.float64)
            seg.append(np.concatenate([pts[:-1], pts[1:]], axis=1))
            seg_feed += [j] * (len(pts) - 1)
    seg_feed = np.asarray(seg_feed, np.int64)
    n = len(layout.feeds)
    return {"feed_ids": feed_ids, "index": {fid: i for i, fid in enumerate(feed_ids)},
            "side": np.array([0 if f.side == "A" else 1 for f in layout.feeds], np.int64),
            "rating": np.array([f.rating_kw for f in layout.feeds], np.float64),
            "seg": np.concatenate(seg) if seg else np.zeros((0, 4)),
            "seg_first": np.searchsorted(seg_feed, np.arange(n)),
            "seg_count": np.bincount(seg_feed, minlength=n)}


def box_segment_distance(box: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Return the plan distance between boxes and segments, row by row (0 where they meet).

    ``box`` is (N, 4) ``minx, miny, maxx, maxy``; ``seg`` is (N, 4) ``x0, y0, x1, y1``.

    Examples
    --------
    >>> box = np.array([[1.0, 3.0, 1.8, 4.2]] * 3)
    >>> seg = np.array([[0, 3.4, 10, 3.4], [0, 5.8, 10, 5.8], [2.1, 0, 5, 1]])
    >>> box_segment_distance(box, seg).round(2).tolist()
    [0.0, 1.6, 2.93]
    """
    x0, y0, x1, y1 = seg.T
    dx, dy = x1 - x0, y1 - y0
    # Liang-Barsky: does the segment cross the box?
    t0, t1 = np.zeros(len(box)), np.ones(len(box))
    miss = np.zeros(len(box), bool)
    for p, q in ((-dx, x0 - box[:, 0]), (dx, box[:, 2] - x0),
                 (-dy, y0 - box[:, 1]), (dy, box[:, 3] - y0)):
        flat = p == 0
        miss |= flat & (q < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(flat, 0.0, q / np.where(flat, 1.0, p))
        t0 = np.where(~flat & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~flat & (p > 0), np.minimum(t1, r), t1)
    meets = ~miss & (t0 <= t1)

    def point_box(px, py):
        return np.hypot(np.maximum.reduce([box[:, 0] - px, np.zeros_like(px), px - box[:, 2]]),
                        np.maximum.reduce([box[:, 1] - py, np.zeros_like(py), py - box[:, 3]]))

    def point_seg(px, py):
        ll = dx * dx + dy * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip(np.where(ll > 0, ((px - x0) * dx + (py - y0) * dy) / ll, 0.0), 0, 1)
        return np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))

    # apart, the nearest points include an end of the segment or a corner of the box
    d = np.minimum.reduce([point_box(x0, y0), point_box(x1, y1),
                           point_seg(box[:, 0], box[:, 1]), point_seg(box[:, 2], box[:, 1]),
                           point_seg(box[:, 0], box[:, 3]), point_seg(box[:, 2], box[:, 3])])
    return np.where(meets, 0.0, d)


def feed_gaps_m(rack_box: np.ndarray, pair_feed: np.ndarray, tables: dict) -> np.ndarray:
    """Return the plan distance from each rack footprint to its feed's run (NaN: no run).

    ``rack_box`` is (P, 4), one per (rack, feed) pair, and ``pair_feed`` (P,) the feeds.
    """
    out = np.full(len(rack_box), np.nan)
    cnt = tables["seg_count"][pair_feed] if len(pair_feed) else np.zeros(0, np.int64)
    has = np.flatnonzero(cnt > 0)
    if len(has):
        k = cnt[has]
        rows = np.repeat(has, k)
        first = np.cumsum(k) - k
        seg = tables["seg_first"][pair_feed[rows]] + np.arange(len(rows)) - np.repeat(first, k)
        d = box_segment_distance(rack_box[rows], tables["seg"][seg])
        out[has] = np.minimum.reduceat(d, first)
    return out


def nearest_feeds(layout: Layout, box: tuple[float, float, float, float],
                  reach_m: float = TAP_OFF_REACH_M) -> dict[str, str]:
    """Return the nearest feed of each side (``{"A": id, "B": id}``) whose run passes
    within ``reach_m`` of a footprint ``(minx, miny, maxx, maxy)``.

    Feeds drawn without a run (fewer than two points) reach nowhere. Of runs equally
    near (two busway sections a footprint touches end to end both pass over it), the
    run passing nearest the footprint's centre is taken: where a rack stands decides,
    so a rack nudged away and back is fed as before.

    Examples
    --------
    >>> from engine.model import Hall, Layout, PowerFeed
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), feeds=[
    ...     PowerFeed(id="A1", kind="busway", side="A", voltage_v=415, phases=3, amps=400,
    ...               points=[(0, 2), (9, 2)]),
    ...     PowerFeed(id="B1", kind="busway", side="B", voltage_v=415, phases=3, amps=400,
    ...               points=[(0, 8), (9, 8)])])
    >>> nearest_feeds(lay, (1.0, 1.4, 1.6, 2.6))
    {'A': 'A1'}

    A rack over the joint of two sections (A1 to x = 4, A2 from there): the section
    under its centre:

    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), feeds=[
    ...     PowerFeed(id=f"A{k}", kind="busway", side="A", voltage_v=415, phases=3, amps=400,
    ...               points=[(x0, 2), (x1, 2)]) for k, (x0, x1) in ((1, (0, 4)), (2, (4, 9)))])
    >>> nearest_feeds(lay, (4.0, 1.4, 4.6, 2.6)), nearest_feeds(lay, (3.5, 1.4, 4.1, 2.6))
    ({'A': 'A2'}, {'A': 'A1'})
    """
    return nearest_feeds_many(layout, np.asarray([box], np.float64), reach_m)[0]


def nearest_feeds_many(layout: Layout, boxes: np.ndarray,
                       reach_m: float = TAP_OFF_REACH_M) -> list[dict[str, str]]:
    """Return :func:`nearest_feeds` for each footprint of ``boxes`` (N, 4), at once.

    Examples
    --------
    >>> from engine.model import Hall, Layout, PowerFeed
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), feeds=[
    ...     PowerFeed(id=f"A{k}", kind="busway", side="A", voltage_v=415, phases=3, amps=400,
    ...               points=[(x0, 2), (x1, 2)]) for k, (x0, x1) in ((1, (0, 4)), (2, (4, 9)))])
    >>> nearest_feeds_many(lay, np.array([[4.0, 1.4, 4.6, 2.6], [3.5, 1.4, 4.1, 2.6],
    ...                                   [1.0, 6.0, 1.6, 7.2]]))
    [{'A': 'A2'}, {'A': 'A1'}, {}]
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    runs = [(f, np.asarray(f.points, np.float64)) for f in layout.feeds if len(f.points) >= 2]
    out: list[dict[str, str]] = [{} for _ in range(len(boxes))]
    if not runs or not len(boxes):
        return out
    seg = np.concatenate([np.hstack([p[:-1], p[1:]]) for _, p in runs])
    owner = np.repeat(np.arange(len(runs)), [len(p) - 1 for _, p in runs])
    sides = sorted({f.side for f, _ in runs})
    side_of = np.array([sides.index(f.side) for f, _ in runs])
    # the segments near each footprint, from a tree of the segments: within the reach
    # and half the footprint's diagonal, every segment that may pass nearer its centre
    # than one within reach of its edge does
    half = float(np.hypot(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]).max()) / 2
    # (a run drawn with a repeated point has a segment of no length: a point to the tree)
    geoms = shapely.linestrings(seg.reshape(-1, 2, 2))
    still = (seg[:, 0] == seg[:, 2]) & (seg[:, 1] == seg[:, 3])
    geoms[still] = shapely.points(seg[still, :2])
    tree = shapely.STRtree(geoms)
    # (a footprint of no size, a point, is no polygon to the tree: it goes in as a point)
    query = shapely.box(*boxes.T)
    dot = (boxes[:, 0] == boxes[:, 2]) | (boxes[:, 1] == boxes[:, 3])
    query[dot] = shapely.points((boxes[dot, 0] + boxes[dot, 2]) / 2,
                                (boxes[dot, 1] + boxes[dot, 3]) / 2)
    # (a line-thin footprint's centre point stands for it, its half length added below)
    half = max(half, float(np.hypot(boxes[dot, 2] - boxes[dot, 0],
                                    boxes[dot, 3] - boxes[dot, 1]).max(initial=0.0)))
    bi, si = tree.query(query, predicate="dwithin", distance=reach_m + 2 * half + 1e-6)
    if not len(bi):
        return out
    d = box_segment_distance(boxes[bi], seg[si])
    cx, cy = (boxes[bi, 0] + boxes[bi, 2]) / 2, (boxes[bi, 1] + boxes[bi, 3]) / 2
    dc = box_segment_distance(np.column_stack([cx, cy, cx, cy]), seg[si])
    # each (footprint, run): its nearest segment to the edge and to the centre
    key = bi * len(runs) + owner[si]
    order = np.argsort(key, kind="stable")
    key, d, dc = key[order], d[order], dc[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    raw = np.minimum.reduceat(d, first)
    mid = np.minimum.reduceat(dc, first)
    box_of, run_of = key[first] // len(runs), key[first] % len(runs)
    ok = raw <= reach_m
    box_of, run_of, mid = box_of[ok], run_of[ok], mid[ok]
    if not len(box_of):
        return out
    gap = np.round(raw[ok], 3)
    # of runs equally near (to the mm) on a side, the one passing nearest the centre,
    # the first listed of exact ties
    side = side_of[run_of]
    pick = np.lexsort((run_of, mid, gap, side, box_of))
    head = pick[np.r_[True, (box_of[pick][1:] != box_of[pick][:-1])
                      | (side[pick][1:] != side[pick][:-1])]]
    for bx, k, j in zip(box_of[head].tolist(), side[head].tolist(), run_of[head].tolist(),
                        strict=True):
        out[bx][sides[k]] = runs[j][0].id
    return out


def _pairs(rack_feeds: list[tuple[str, ...]], rack_ids: list[str], fidx: dict[str, int]):
    flat = [(ri, fid) for ri, feeds in enumerate(rack_feeds) for fid in feeds]
    j = np.array([fidx.get(fid, -1) for _, fid in flat], np.int64)
    ri = np.array([r for r, _ in flat], np.int64)
    known = j >= 0
    unknown = [(rack_ids[r], fid) for (r, fid), ok in zip(flat, known.tolist(), strict=True)
               if not ok]
    return ri[known], j[known], unknown


def _rows(rows: list[str]) -> tuple[list[str], np.ndarray]:
    if not rows:
        return [], np.zeros(0, np.int64)
    names, inv = np.unique(np.asarray(rows, dtype=str), return_inverse=True)
    return [str(n) for n in names], inv.astype(np.int64)


def analyze_power(layout: Layout, rack_power_w: np.ndarray, rack_liquid_w: np.ndarray,
                  total_gpus: int, optics_w: float = 0.0, optics_in_racks_w: float = 0.0,
                  cache: PowerCache | None = None,
                  changed: np.ndarray | None = None,
                  rack_box: np.ndarray | None = None,
                  rack_unknown_power: np.ndarray | None = None,
                  rack_unknown_ends: np.ndarray | None = None,
                  unknown_power_models: dict[str, int] | None = None,
                  unknown_power_media: dict[str, int] | None = None,
                  hall_load_w: float = 0.0) -> PowerResult:
    """Compute the power domain from per-rack power.

    Parameters
    ----------
    rack_power_w, rack_liquid_w : (R,) float
        Per-rack power and its share to liquid, in ``layout.racks`` order.
    total_gpus : int
        GPUs in the hall (for GPUs per MW).
    optics_w : float
        Power of transceivers and other hall loads outside racks.
    optics_in_racks_w : float
        Power of the transceivers counted in ``rack_power_w`` already (for
        ``optics_kw``, which reports all of them).
    hall_load_w : float
        Power of other equipment in no rack (switches a fabric found no free U for): in
        the IT load, on no feed.
    cache : PowerCache, optional
        Kept by an incremental analysis between calls.
    changed : (K,) int, optional
        With ``cache``: the racks whose objects changed since the last call
        (``None``: any).
    rack_box : (R, 4) float, optional
        Rack footprints, for the distance from each rack to the busway runs
        that feed it (``pair_gap_m``).
    rack_unknown_power : (R,) int, optional
        Devices and link ends per rack with no power figure (counted as 0 W in
        ``rack_power_w``).
    rack_unknown_ends : (R,) int, optional
        Of those, the link ends.
    unknown_power_models : dict, optional
        Devices of unknown power in the hall by model.
    unknown_power_media : dict, optional
        Link ends whose optics have no power figure, by medium.

    Examples
    --------
    A rack of 40 kW on feeds A1 and B1, and one whose switch has no power figure:

    >>> from engine.model import Hall, Layout, PowerFeed, Rack
    >>> feeds = [PowerFeed(id=f, kind="busway", side=f[0], voltage_v=415, phases=3, amps=400,
    ...                    points=[(0, 1), (9, 1)]) for f in ("A1", "B1")]
    >>> racks = [Rack(id=f"R{i}", type="rack-600x1200", x_m=1.0 + i, y_m=1.0,
    ...               feeds=["A1", "B1"]) for i in range(2)]
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), racks=racks, feeds=feeds)
    >>> p = analyze_power(lay, np.array([40e3, 0.0]), np.zeros(2), 0,
    ...                   rack_unknown_power=np.array([0, 1]),
    ...                   unknown_power_models={"sn4600c": 1})
    >>> p.it_kw, p.is_lower_bound, p.feed_unknown_power.tolist()
    (40.0, True, [1, 1])
    """
    a = layout.assumptions
    c = cache if cache is not None else PowerCache()
    racks = layout.racks
    fresh = (changed is None or len(c.rack_feeds) != len(racks) or len(c.feeds) != len(layout.feeds)
             or not all(map(operator.is_, c.feeds, layout.feeds)))
    if fresh:
        c.feeds, c.tables = list(layout.feeds), _feed_tables(layout)
        c.rack_feeds = [tuple(r.feeds) for r in racks]
        c.rack_rows = [r.row or "" for r in racks]
    t = c.tables
    idx = [] if fresh else np.asarray(changed, np.int64).tolist()
    new_pairs = fresh or any(tuple(racks[i].feeds) != c.rack_feeds[i] for i in idx)
    if new_pairs:
        c.rack_feeds = [tuple(r.feeds) for r in racks]
        t["pairs"] = _pairs(c.rack_feeds, [r.id for r in racks], t["index"])
    if fresh or any((racks[i].row or "") != c.rack_rows[i] for i in idx):
        c.rack_rows = [r.row or "" for r in racks]
        t["rows"] = _rows(c.rack_rows)
    pr, pf, unknown = t["pairs"]
    gap = np.full(len(pr), np.nan)
    if rack_box is not None:
        if new_pairs or c.pair_gap_m is None or len(c.pair_gap_m) != len(pr):
            gap = feed_gaps_m(rack_box[pr], pf, t)
        else:  # only the pairs of racks that changed
            gap = c.pair_gap_m.copy()
            sel = np.flatnonzero(np.isin(pr, idx))
            gap[sel] = feed_gaps_m(rack_box[pr[sel]], pf[sel], t)
        c.pair_gap_m = gap
    names, inv = t["rows"]
    feed_ids, side, rating = t["feed_ids"], t["side"], t["rating"]
    rack_kw = rack_power_w / 1000.0
    fl = feed_loads(rack_kw, pr, pf, side, len(feed_ids))
    budget = rating * a.continuous_derating
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(budget > 0, fl["load_kw"] / budget, 0.0)
        futil = np.where(budget > 0, fl["failover_kw"] / budget, 0.0)
    row_kw = np.bincount(inv, weights=rack_kw, minlength=len(names))
    liquid_kw = float(rack_liquid_w.sum()) / 1000.0
    it_kw = float(rack_kw.sum()) + (optics_w + hall_load_w) / 1000.0
    air_kw = it_kw - liquid_kw
    pue = pue_model(air_kw, liquid_kw, layout)
    n_unknown = np.zeros(len(rack_kw), np.int64) if rack_unknown_power is None else \
        np.asarray(rack_unknown_power, np.int64)

    def per_feed(per_rack: np.ndarray) -> np.ndarray:
        """A count per rack summed over the racks each feed serves."""
        return np.bincount(pf, weights=per_rack[pr], minlength=len(feed_ids)) \
            .astype(np.int64) if len(pr) else np.zeros(len(feed_ids), np.int64)

    feed_unknown = per_feed(n_unknown)
    feed_ends = per_feed(np.asarray(rack_unknown_ends, np.int64)) \
        if rack_unknown_ends is not None and len(rack_unknown_ends) == len(rack_kw) else None
    return PowerResult(
        rack_kw=rack_kw, row_names=list(names), row_kw=row_kw, rack_row=inv,
        feed_ids=list(feed_ids), feed_side=side, feed_rating_kw=rating, feed_budget_kw=budget,
        feed_load_kw=fl["load_kw"], feed_failover_kw=fl["failover_kw"],
        feed_utilization=util, feed_failover_utilization=futil,
        rack_feed_count=fl["count"], rack_survives_a_loss=fl["survives"][0],
        rack_survives_b_loss=fl["survives"][1], unknown_feeds=list(unknown),
        pair_rack=pr, pair_feed=pf, pair_gap_m=gap,
        it_kw=it_kw, optics_kw=(optics_w + optics_in_racks_w) / 1000.0,
        facility_kw=it_kw * pue, pue=pue,
        gpus_per_mw=(total_gpus / (it_kw / 1000.0)) if it_kw > 0 else 0.0,
        max_rack_kw=float(rack_kw.max()) if len(rack_kw) else 0.0,
        rack_unknown_power=n_unknown, feed_unknown_power=feed_unknown,
        feed_unknown_ends=feed_ends,
        rack_unknown_ends=None if rack_unknown_ends is None else
        np.asarray(rack_unknown_ends, np.int64),
        unknown_power_models=dict(unknown_power_models or {}),
        unknown_power_media=dict(unknown_power_media or {}),
    )


# -- rules ---------------------------------------------------------------------------------
from engine.rules import Violation, apart, rule  # noqa: E402


@rule("POWER-FEED-OVER", "power", "A feed's normal load exceeds its derated rating.")
def _check_feed_over(ctx) -> list[Violation]:
    p = ctx.power
    out = []
    for j in np.flatnonzero(p.feed_utilization > 1.0 + 1e-9):
        load, budget = apart(p.feed_load_kw[j], p.feed_budget_kw[j], 1)
        out.append(Violation("POWER-FEED-OVER", "error",
                             f"Feed {p.feed_ids[j]} carries {load} kW, over its "
                             f"{budget} kW budget ({p.feed_rating_kw[j]:,.1f} kW "
                             f"rating x {ctx.layout.assumptions.continuous_derating:.0%})",
                             (p.feed_ids[j],)))
    return out


@rule("POWER-FEED-REACH", "power", "A rack is fed from a busway run that does not pass near it.")
def _check_feed_reach(ctx) -> list[Violation]:
    p = ctx.power
    far = np.flatnonzero(np.nan_to_num(p.pair_gap_m, nan=0.0) > TAP_OFF_REACH_M)
    ids = ctx.arrays.rack_ids
    return [Violation("POWER-FEED-REACH", "warning",
                      f"Rack {ids[p.pair_rack[k]]} is {p.pair_gap_m[k]:.1f} m from busway "
                      f"{p.feed_ids[p.pair_feed[k]]}, which feeds it: beyond a tap-off's "
                      f"{TAP_OFF_REACH_M:g} m; move the rack under the run or feed it from "
                      "another", (ids[p.pair_rack[k]], p.feed_ids[p.pair_feed[k]]))
            for k in far.tolist()]


@rule("POWER-AB-LOSS", "power", "A feed would be overloaded if the other side were lost.")
def _check_ab_loss(ctx) -> list[Violation]:
    p = ctx.power
    out = []
    bad = (p.feed_failover_utilization > 1.0 + 1e-9) & (p.feed_utilization <= 1.0 + 1e-9)
    for j in np.flatnonzero(bad):
        load, budget = apart(p.feed_failover_kw[j], p.feed_budget_kw[j], 1)
        out.append(Violation("POWER-AB-LOSS", "error",
                             f"Feed {p.feed_ids[j]} would carry {load} kW with "
                             f"side {'B' if p.feed_side[j] == 0 else 'A'} lost, over its "
                             f"{budget} kW budget", (p.feed_ids[j],)))
    return out


def _runs_in_reach(ctx, idx: np.ndarray) -> dict[int, dict[str, str]]:
    """The nearest run of each side within a tap-off's reach of racks ``idx`` (indices
    into the layout's racks), by index."""
    if not len(idx):
        return {}
    from engine.compile import rack_geometry

    arr = ctx.arrays
    x, y = np.asarray(arr.rack_x_m)[idx], np.asarray(arr.rack_y_m)[idx]
    hx, hy = rack_geometry(x, y, np.asarray(arr.rack_w_m)[idx], np.asarray(arr.rack_d_m)[idx],
                           np.asarray(arr.rack_rot_deg)[idx])
    boxes = np.column_stack([x - hx, y - hy, x + hx, y + hy])
    return dict(zip(idx.tolist(), nearest_feeds_many(ctx.layout, boxes), strict=True))


@rule("POWER-NO-REDUNDANCY", "power", "A powered rack does not survive the loss of one side.")
def _check_redundancy(ctx) -> list[Violation]:
    p = ctx.power
    loaded = p.rack_kw > 0
    fed = p.rack_feed_count > 0
    ids = ctx.arrays.rack_ids
    unfed = np.flatnonzero(loaded & ~fed)
    single = np.flatnonzero(loaded & fed & ~(p.rack_survives_a_loss & p.rack_survives_b_loss))
    # the runs that pass within a tap-off's reach of those racks: the fix to name
    near = _runs_in_reach(ctx, np.concatenate([unfed, single]))
    out = []
    for i in unfed.tolist():
        runs = [near[i][s] for s in ("A", "B") if s in near.get(i, {})]
        how = (f"{' and '.join(runs)} {'pass' if len(runs) > 1 else 'passes'} within "
               f"{TAP_OFF_REACH_M:g} m of it: name {'them' if len(runs) > 1 else 'it'} in "
               "its Feeds" + ("" if len(runs) > 1 else ", and a run of the other side")
               if runs else "draw an A and a B busway over its row, or name feeds within "
               f"{TAP_OFF_REACH_M:g} m of it")
        out.append(Violation("POWER-UNFED", "error", f"Rack {ids[i]} draws "
                             f"{p.rack_kw[i]:.1f} kW but has no feed ({how})", (ids[i],)))
    for i in single.tolist():
        # survives the loss of A only with a B feed: the side it lacks
        lacks = "A" if p.rack_survives_a_loss[i] else "B"
        run = near.get(i, {}).get(lacks)
        how = (f"{run} of side {lacks} passes within {TAP_OFF_REACH_M:g} m of it: name it "
               "in its Feeds" if run else f"a feed of side {lacks} within "
               f"{TAP_OFF_REACH_M:g} m, named in its Feeds, gives it both")
        out.append(Violation("POWER-NO-REDUNDANCY", "warning", f"Rack {ids[i]} is fed from "
                             f"one side only and fails with that side ({how})", (ids[i],)))
    out += [Violation("POWER-UNKNOWN-FEED", "error", f"Rack {rid} names feed {fid}, which "
                      "does not exist", (rid,)) for rid, fid in p.unknown_feeds]
    return out
