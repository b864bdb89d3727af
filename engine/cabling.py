"""Cabling: route every link over the cable trays, pick its medium, count optics.

A link runs from its port (the middle of its device's U span) up to the tray
above its rack, across to the tray (the nearest point of the nearest tray),
along the tray network by the shortest path, down at the other end, plus the
design's slack (``assumptions.cable_slack_m``). Links inside one rack only run
the height difference plus the in-rack slack (``assumptions.in_rack_slack_m``).
The tray network is the layout's trays split where they meet (row-aligned
default trays when none are drawn); its
vertex-to-vertex distances come from :func:`scipy.sparse.csgraph.shortest_path`
once, from the trays above racks that hold switches, and each link is then
looked up with array arithmetic. :class:`CableRouter` keeps all of it between
analyses so a moved rack re-routes only its own links. Per drawn tray,
:attr:`CablingResult.tray_links` (and ``tray_cables``) count the links whose
route runs along it, the trays between two racks included: worked out when
first asked (the paths walked once per pair of tray vertices) and kept until a
move re-routes links.

Media follow the catalog's reach table and the design's
:class:`engine.model.CablingPolicy`: the first medium, in the order passive
copper (DAC), active copper (ACC, AEC), AOC, multimode, single-mode DR,
single-mode FR (single-mode before AOC and multimode when
``prefer_single_mode``), whose reach covers the length. ``optics_above_m``
means copper up to that length where copper reaches, optics above it. A link
no allowed medium reaches gets no medium and a rule violation. A speed the
catalog has no medium for runs on parallel media of a speed that divides it
(a 1.6T port on 2 x 800G media), with a note.

Examples
--------
>>> g = TrayGraph.from_polylines([[(0, 0), (10, 0)], [(10, 0), (10, 5)]], [2.7, 2.7])
>>> seg, t, off, elev = g.attach(np.array([2.0, 10.5]), np.array([0.0, 4.0]))
>>> round(float(g.path_length(seg[:1], t[:1], seg[1:], t[1:])[0]), 3)
12.0
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from engine.arrayops import unique_sorted
from engine.catalog import Catalog
from engine.fabric import LINK_TIERS, Topology, device_pairs, link_optics
from engine.memo import LastValue
from engine.model import CablingPolicy, Layout

__all__ = [
    "COPPER_KINDS",
    "HISTOGRAM_EDGES_M",
    "TrayGraph",
    "default_tray_polylines",
    "MediaTable",
    "select_media",
    "CablingResult",
    "CableRouter",
]

HISTOGRAM_EDGES_M = (0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 200.0,
                     500.0, 2000.0, float("inf"))
# twisted pair ("utp") serves the 1 GbE management ports no other medium runs at; the
# DAC-or-optics policy (allow_copper, optics_above_m) is about the fast links, not it
_KIND_RANK = {"utp": 0, "dac": 0, "acc": 1, "aec": 2, "aoc": 3, "mmf": 4, "smf_dr": 5,
              "smf_fr": 6}
_KIND_RANK_SM = {"utp": 0, "dac": 0, "acc": 1, "aec": 2, "smf_dr": 3, "smf_fr": 4, "aoc": 5,
                 "mmf": 6}
#: media kinds that are copper cables with plugs (twisted pair has none)
COPPER_KINDS = ("dac", "acc", "aec")
_TRANSCEIVER_KINDS = ("mmf", "smf_dr", "smf_fr")
#: tray junctions are found on this grid (metres): ends within a millimetre meet
_NODE_GRID_M = 1e-3


class TrayGraph:
    """The tray network as straight segments between shared vertices.

    Attributes
    ----------
    seg_xy : ndarray, shape (n_segments, 2, 2)
        Segment ends in metres.
    seg_len_m, seg_elev_m : ndarray, shape (n_segments,)
    seg_v : ndarray of int, shape (n_segments, 2)
        Vertex ids of the segment ends.
    seg_tray : ndarray of int, shape (n_segments,)
        The drawn tray (polyline) each segment lies on.
    """

    def __init__(self, seg_xy: np.ndarray, seg_elev_m: np.ndarray, vertex_xy: np.ndarray,
                 seg_v: np.ndarray, extra_edges: tuple[np.ndarray, np.ndarray, np.ndarray],
                 seg_tray: np.ndarray | None = None):
        self.seg_xy = seg_xy
        self.seg_elev_m = seg_elev_m
        self.vertex_xy = vertex_xy
        self.seg_v = seg_v
        self.seg_tray = (np.arange(len(seg_v), dtype=np.int64) if seg_tray is None
                         else np.asarray(seg_tray, np.int64))
        d = seg_xy[:, 1] - seg_xy[:, 0]
        self.seg_len_m = np.hypot(d[:, 0], d[:, 1])
        n = len(vertex_xy)
        eu, ev, el = extra_edges
        u = np.concatenate([seg_v[:, 0], eu])
        v = np.concatenate([seg_v[:, 1], ev])
        w = np.concatenate([self.seg_len_m, el])
        w = np.maximum(w, 1e-9)  # csgraph drops explicit zeros
        self.csgraph = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([u, v]),
                                                                np.concatenate([v, u]))),
                                     shape=(n, n)).tocsr()
        self._row = np.full(n, -1, np.int64)
        self._dist = np.zeros((0, n))
        # segments by their (lower, higher) end vertex, to name the tray of a path's edge
        lo, hi = np.sort(np.asarray(seg_v, np.int64).reshape(-1, 2), axis=1).T
        order = np.argsort(lo * n + hi, kind="stable")
        self._edge_key = (lo * n + hi)[order]
        self._edge_seg = order
        from shapely import STRtree, linestrings

        self._tree = STRtree(linestrings(seg_xy))

    @classmethod
    def from_polylines(cls, polylines: list[list[tuple[float, float]]],
                       elevations_m: list[float], join_m: float = 1.0) -> TrayGraph:
        """Build the graph from tray polylines: split where they meet, bridge small gaps.

        Trays that cross or touch (to the millimetre) share a vertex; separate pieces
        of the network closer than ``join_m`` are bridged (a cable hops the gap), and
        any pieces still apart are joined at their closest vertices so every route
        exists.
        """
        from shapely import get_coordinates, linestrings, union_all

        lines = [linestrings(np.asarray(p, np.float64)) for p in polylines]
        # noded on a 1 mm grid: a tray that ends on another (a T) meets it even when its
        # end is off by a rounding error (a whole hall nudged by a tile), as drawn
        noded = union_all(lines, grid_size=_NODE_GRID_M)
        coords = []
        for part in getattr(noded, "geoms", [noded]):
            c = get_coordinates(part)
            if len(c) >= 2:
                coords.append(np.stack([c[:-1], c[1:]], axis=1))
        seg = np.concatenate(coords) if coords else np.zeros((0, 2, 2))
        seg = seg[np.hypot(*(seg[:, 1] - seg[:, 0]).T) > 1e-9] if len(seg) else seg
        # the elevation of a piece is that of the drawn tray it lies on
        from shapely import STRtree, points

        tree = STRtree(lines)
        mid = points((seg[:, 0] + seg[:, 1]) / 2.0)
        idx = tree.query_nearest(mid, all_matches=False)[1] if len(seg) else np.zeros(0, int)
        elev = np.asarray(elevations_m, np.float64)[idx] if len(seg) else np.zeros(0)
        keys = np.round(seg.reshape(-1, 2) * 1000.0).astype(np.int64)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        vxy = uniq / 1000.0
        seg_v = inv.reshape(-1, 2)
        extra = cls._bridges(vxy, seg_v, join_m)
        return cls(seg, elev, vxy, seg_v, extra, seg_tray=idx)

    @staticmethod
    def _bridges(vxy: np.ndarray, seg_v: np.ndarray, join_m: float):
        n = len(vxy)
        if n < 2:
            e = np.zeros(0, np.int64)
            return e, e, np.zeros(0)
        from scipy.spatial import cKDTree

        g = sp.coo_matrix((np.ones(len(seg_v)), (seg_v[:, 0], seg_v[:, 1])), shape=(n, n))
        ncomp, lab = connected_components(g, directed=False)
        eu, ev, el = [], [], []
        tree = cKDTree(vxy)
        if ncomp > 1:
            pairs = tree.query_pairs(join_m, output_type="ndarray")
            if len(pairs):
                pairs = pairs[lab[pairs[:, 0]] != lab[pairs[:, 1]]]
                eu.append(pairs[:, 0])
                ev.append(pairs[:, 1])
                el.append(np.hypot(*(vxy[pairs[:, 0]] - vxy[pairs[:, 1]]).T))
                g2 = g + sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                       shape=(n, n))
                ncomp, lab = connected_components(g2, directed=False)
        while ncomp > 1:
            # join the piece holding vertex 0 to its nearest other piece
            inside = lab == lab[0]
            t2 = cKDTree(vxy[~inside])
            d, j = t2.query(vxy[inside])
            k = int(np.argmin(d))
            a = int(np.flatnonzero(inside)[k])
            bb = int(np.flatnonzero(~inside)[j[k]])
            eu.append(np.array([a]))
            ev.append(np.array([bb]))
            el.append(np.array([float(d[k])]))
            lab = np.where(lab == lab[bb], lab[0], lab)
            ncomp -= 1
        if not eu:
            e = np.zeros(0, np.int64)
            return e, e, np.zeros(0)
        return np.concatenate(eu), np.concatenate(ev), np.concatenate(el)

    @property
    def n_segments(self) -> int:
        """Number of straight tray segments."""
        return len(self.seg_len_m)

    def attach(self, x_m: np.ndarray, y_m: np.ndarray):
        """Attach points to their nearest segment.

        Returns
        -------
        seg : ndarray of int
        t_m : ndarray
            Distance along the segment from its first end.
        off_m : ndarray
            Plan distance from the point to the segment.
        elev_m : ndarray
            Elevation of the segment.
        """
        from shapely import points

        x_m = np.asarray(x_m, np.float64)
        y_m = np.asarray(y_m, np.float64)
        if not len(x_m):
            e = np.zeros(0)
            return np.zeros(0, np.int64), e, e, e
        seg = self._tree.query_nearest(points(x_m, y_m), all_matches=False)[1].astype(np.int64)
        a = self.seg_xy[seg, 0]
        d = self.seg_xy[seg, 1] - a
        ln = self.seg_len_m[seg]
        frac = np.clip(((x_m - a[:, 0]) * d[:, 0] + (y_m - a[:, 1]) * d[:, 1])
                       / np.maximum(ln * ln, 1e-18), 0.0, 1.0)
        px = a[:, 0] + frac * d[:, 0]
        py = a[:, 1] + frac * d[:, 1]
        return seg, frac * ln, np.hypot(x_m - px, y_m - py), self.seg_elev_m[seg]

    def ensure_rows(self, vertices: np.ndarray) -> None:
        """Compute shortest-path distances from ``vertices`` if not yet known."""
        v = unique_sorted(np.asarray(vertices, np.int64))
        new = v[self._row[v] < 0]
        if not len(new):
            return
        d = shortest_path(self.csgraph, method="D", directed=False, indices=new)
        self._row[new] = np.arange(len(self._dist), len(self._dist) + len(new))
        self._dist = np.vstack([self._dist, np.atleast_2d(d)])

    def vertex_distance(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Return tray distances from vertices ``src`` (rows computed on demand) to ``dst``."""
        self.ensure_rows(src)
        return self._dist[self._row[src], dst]

    def path_length(self, seg_a: np.ndarray, t_a: np.ndarray, seg_b: np.ndarray,
                    t_b: np.ndarray) -> np.ndarray:
        """Return the tray distance between attachment points (``a`` ends get the rows)."""
        la = self.seg_len_m[seg_a]
        lb = self.seg_len_m[seg_b]
        va, vb = self.seg_v[seg_a], self.seg_v[seg_b]
        best = np.where(seg_a == seg_b, np.abs(t_a - t_b), np.inf)
        for i, da in ((0, t_a), (1, la - t_a)):
            for j, db in ((0, t_b), (1, lb - t_b)):
                best = np.minimum(best, da + self.vertex_distance(va[:, i], vb[:, j]) + db)
        return best

    def route_trays(self, seg_a: np.ndarray, t_a: np.ndarray, seg_b: np.ndarray,
                    t_b: np.ndarray, weight: np.ndarray, n_trays: int | None = None,
                    ) -> np.ndarray:
        """Add up, per drawn tray, the weight of the routes that run along it.

        Each route is the shortest one between two attachment points (the one
        :meth:`path_length` measures): along the rest of its first segment, the
        tray path between vertices, and onto its last segment. It counts once in
        every drawn tray it runs along, however many of the tray's segments it
        takes; a route of no length counts in the tray it touches. The paths are
        walked once per distinct (entry vertex, exit vertex) pair, on the
        shortest-path trees of the entry vertices (few when the ``a`` ends are
        the switch ends), so the cost follows the tray network, not the links.
        Reads no cached distances: safe beside a routing in another thread.

        Parameters
        ----------
        seg_a, t_a, seg_b, t_b : ndarray, shape (n_routes,)
            Attachment points of the two ends (:meth:`attach`).
        weight : ndarray, shape (n_routes,) or (n_routes, k)
            What each route counts (links, cables).
        n_trays : int, optional
            Number of drawn trays (default: the highest ``seg_tray`` + 1).

        Returns
        -------
        ndarray, shape (n_trays,) or (n_trays, k)

        Examples
        --------
        Two row trays joined by a cross tray; a route from row 0 to row 1 and one
        along row 0:

        >>> g = TrayGraph.from_polylines([[(0, 0), (10, 0)], [(0, 4), (10, 4)],
        ...                               [(5, 0), (5, 4)]], [2.7] * 3)
        >>> seg, t, _, _ = g.attach(np.array([1.0, 9.0, 2.0]), np.array([0.0, 4.0, 0.0]))
        >>> g.route_trays(seg[[0, 0]], t[[0, 0]], seg[[1, 2]], t[[1, 2]],
        ...               np.array([3.0, 2.0])).tolist()
        [5.0, 3.0, 3.0]
        """
        seg_a, seg_b = np.asarray(seg_a, np.int64), np.asarray(seg_b, np.int64)
        t_a, t_b = np.asarray(t_a, np.float64), np.asarray(t_b, np.float64)
        w = np.asarray(weight, np.float64)
        # no routes (nothing re-routed, or every link inside one rack): nothing to add
        w2 = w.reshape(len(w), w.shape[1] if w.ndim > 1 else 1)
        nt = int(n_trays if n_trays is not None else self.seg_tray.max(initial=-1) + 1)
        out = np.zeros((nt, w2.shape[1]))
        if len(seg_a) and self.n_segments:
            self._add_route_trays(out, seg_a, t_a, seg_b, t_b, w2)
        return out if w.ndim > 1 else out[:, 0]

    def _add_route_trays(self, out: np.ndarray, seg_a: np.ndarray, t_a: np.ndarray,
                         seg_b: np.ndarray, t_b: np.ndarray, w: np.ndarray) -> None:
        """Add the weights ``w`` (n_routes, k) of the routes to the trays they run along."""
        nv, nt = len(self.vertex_xy), len(out)
        eps = 1e-9
        la, lb = self.seg_len_m[seg_a], self.seg_len_m[seg_b]
        va, vb = self.seg_v[seg_a], self.seg_v[seg_b]
        src = unique_sorted(va.reshape(-1))
        dist, pred = shortest_path(self.csgraph, method="D", directed=False, indices=src,
                                   return_predecessors=True)
        dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
        row = np.full(nv, -1, np.int64)
        row[src] = np.arange(len(src))
        # the way a route takes, as path_length picks it: along one segment (first, so
        # it wins a tie), or through end i of its first segment and end j of its last
        n = len(seg_a)
        ways = np.empty((n, 5))
        ways[:, 0] = np.where(seg_a == seg_b, np.abs(t_a - t_b), np.inf)
        for k, (i, j) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1)), start=1):
            da = t_a if i == 0 else la - t_a
            db = t_b if j == 0 else lb - t_b
            ways[:, k] = da + dist[row[va[:, i]], vb[:, j]] + db
        way = np.argmin(ways, axis=1)
        tray_a, tray_b = self.seg_tray[seg_a], self.seg_tray[seg_b]
        along = way == 0
        for c in range(w.shape[1]):
            out[:, c] += np.bincount(tray_a[along], weights=w[along, c], minlength=nt)
        via = np.flatnonzero(~along)
        if not len(via):
            return
        i, j = (way[via] - 1) // 2, (way[via] - 1) % 2
        s, e = va[via, i], vb[via, j]
        da = np.where(i == 0, t_a[via], la[via] - t_a[via])
        db = np.where(j == 0, t_b[via], lb[via] - t_b[via])
        # an end segment counts where the route runs along it; a route that stays at one
        # vertex counts in the tray of its first end
        ta = np.where((da > eps) | ((db <= eps) & (s == e)), tray_a[via], -1)
        tb = np.where(db > eps, tray_b[via], -1)
        # the distinct (entry, exit) vertex pairs, and the trays each one's path runs along
        pair, pair_of = np.unique(s * nv + e, return_inverse=True)
        p_tray = self._path_trays(pair // nv, pair % nv, row, pred, nt)
        # routes of one (first tray, path, last tray) add up before they are spread out
        key = (pair_of.reshape(-1) * (nt + 1) + ta + 1) * (nt + 1) + tb + 1
        uk, inv = np.unique(key, return_inverse=True)
        wk = np.stack([np.bincount(inv.reshape(-1), weights=w[via, c], minlength=len(uk))
                       for c in range(w.shape[1])], axis=1)
        k_tb, rest = uk % (nt + 1) - 1, uk // (nt + 1)
        k_ta, k_pair = rest % (nt + 1) - 1, rest // (nt + 1)
        # a route's trays: its path's (a CSR gather) and its two end trays, each once
        starts = np.searchsorted(p_tray[0], np.arange(len(pair) + 1))
        cnt = np.diff(starts)[k_pair]
        owner = np.repeat(np.arange(len(uk)), cnt)
        first = np.repeat(starts[k_pair] - np.cumsum(cnt) + cnt, cnt)
        trays = np.concatenate([p_tray[1][first + np.arange(len(owner))], k_ta, k_tb])
        owner = np.concatenate([owner, np.arange(len(uk)), np.arange(len(uk))])
        keep = trays >= 0
        both = unique_sorted(owner[keep] * nt + trays[keep])
        route, tray = both // nt, both % nt
        for c in range(w.shape[1]):
            out[:, c] += np.bincount(tray, weights=wk[route, c], minlength=nt)

    def _path_trays(self, s: np.ndarray, e: np.ndarray, row: np.ndarray, pred: np.ndarray,
                    nt: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the (pair, tray) pairs, sorted and distinct, of the trays each shortest
        path from vertex ``s`` to ``e`` runs along: all pairs walked back a hop at a time,
        a tray noted where the path enters it."""
        nv = len(self.vertex_xy)
        # the tray of each tree edge (pred[v], v), for every source row at once (-1: a
        # bridge between pieces, or no edge)
        pv = pred.reshape(-1)
        v = np.tile(np.arange(nv, dtype=np.int64), len(pred))
        has = pv >= 0
        key = np.minimum(pv[has], v[has]) * nv + np.maximum(pv[has], v[has])
        k = np.minimum(np.searchsorted(self._edge_key, key), len(self._edge_key) - 1)
        edge_tray = np.full(len(pv), -1, np.int64)
        edge_tray[has] = np.where(self._edge_key[k] == key,
                                  self.seg_tray[self._edge_seg[k]], -1)
        live = s != e
        pid = np.flatnonzero(live)
        base, cur, tgt = row[s[live]] * nv, e[live].astype(np.int64), s[live]
        last = np.full(len(pid), -2, np.int64)
        found = []
        while len(pid):
            f = base + cur
            tray = edge_tray[f]
            # a path runs along a tray's segments one after another: noted where it enters
            new = (tray != last) & (tray >= 0)
            found.append(pid[new] * nt + tray[new])
            last = tray
            cur = pv[f]
            keep = (cur != tgt) & (cur >= 0)
            if not keep.all():
                pid, base, cur, tgt, last = pid[keep], base[keep], cur[keep], tgt[keep], last[keep]
        both = unique_sorted(np.concatenate(found)) if found else np.zeros(0, np.int64)
        return both // max(nt, 1), both % max(nt, 1)


def default_tray_polylines(rack_x_m: np.ndarray, rack_y_m: np.ndarray, rot_deg: np.ndarray,
                           rows: list[str | None]) -> list[list[tuple[float, float]]]:
    """Return row-aligned trays: one over each row, run to both ends of the racks' extent,
    and one joining the rows' ends at each end (a cable takes the nearer end round).

    Rows are the racks' ``row`` labels, or racks of one orientation sharing a
    centre line. Racks facing -y/+y (0 or 180 degrees) form rows along x.

    Examples
    --------
    >>> default_tray_polylines(np.array([1.0, 2.0, 1.0]), np.array([0.0, 0.0, 3.0]),
    ...                        np.array([0, 0, 180]), [None, None, None])
    [[(0.7, 0.0), (2.3, 0.0)], [(0.7, 3.0), (2.3, 3.0)], [(0.7, 0.0), (0.7, 3.0)], \
[(2.3, 0.0), (2.3, 3.0)]]
    """
    along_x = (np.asarray(rot_deg) // 90) % 2 == 0
    lines: list[list[tuple[float, float]]] = []
    ends_x: list[float] = []
    ends_y: list[float] = []
    keys = [(r if r else f"{'x' if ax else 'y'}{round(c, 1)}", bool(ax))
            for r, ax, c in zip(rows, along_x.tolist(),
                                np.where(along_x, rack_y_m, rack_x_m).tolist(), strict=True)]
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    pad = 0.3  # a tray runs a little past the end racks' centres
    x0 = float(np.min(rack_x_m)) - pad if len(rack_x_m) else 0.0
    y0 = float(np.min(rack_y_m)) - pad if len(rack_y_m) else 0.0
    x1 = float(np.max(rack_x_m)) + pad if len(rack_x_m) else 0.0
    y1 = float(np.max(rack_y_m)) + pad if len(rack_y_m) else 0.0
    for (_, ax), idx in groups.items():
        ii = np.asarray(idx)
        if ax:
            y = float(np.mean(rack_y_m[ii]))
            lines.append([(x0, y), (x1, y)])
            ends_x.append(y)
        else:
            x = float(np.mean(rack_x_m[ii]))
            lines.append([(x, y0), (x, y1)])
            ends_y.append(x)
    # the rows' ends joined at both ends of the hall's racks
    if ends_x and (len(ends_x) > 1 or ends_y):
        ys = ends_x + ([y0, y1] if ends_y else [])
        lines += [[(x, min(ys)), (x, max(ys))] for x in (x0, x1) if x1 > x0 or x == x0]
    if ends_y and (len(ends_y) > 1 or ends_x):
        xs = ends_y + ([x0, x1] if ends_x else [])
        lines += [[(min(xs), y), (max(xs), y)] for y in (y0, y1) if y1 > y0 or y == y0]
    return lines


@dataclass
class MediaTable:
    """Catalog media as arrays (rows in catalog order).

    ``reach_max_m`` is NaN where the catalog gives no reach (such media are
    never picked); ``reach_split_max_m`` is the reach of a splitter cable (a link
    whose end shares its cage), ``reach_max_m`` where the catalog gives none;
    ``power_per_end_w`` and ``cost_usd`` are NaN where unknown.
    """

    ids: list[str]
    kind: list[str]
    speed_gbps: np.ndarray
    reach_min_m: np.ndarray
    reach_max_m: np.ndarray
    power_per_end_w: np.ndarray
    cost_usd: np.ndarray
    is_optical: np.ndarray
    lane_gbps: np.ndarray
    reach_split_max_m: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.reach_split_max_m is None:
            self.reach_split_max_m = self.reach_max_m.copy()

    def reach_m(self, medium: np.ndarray, split: np.ndarray | None = None) -> np.ndarray:
        """Return the reach of ``medium`` rows (NaN: none), the splitter's where ``split``."""
        medium = np.asarray(medium, np.int64)
        if split is None:
            return self.reach_max_m[medium]
        return np.where(split, self.reach_split_max_m[medium], self.reach_max_m[medium])

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> MediaTable:
        """Read the catalog's media."""
        m = list(catalog.media.values())
        nan = float("nan")
        return cls(ids=[x.id for x in m], kind=[x.kind for x in m],
                   speed_gbps=np.array([x.speed_gbps for x in m], np.float64),
                   reach_min_m=np.array([x.reach_min_m for x in m], np.float64),
                   reach_max_m=np.array([x.reach_max_m.v(nan) for x in m], np.float64),
                   power_per_end_w=np.array([x.power_per_end_w.v(nan) for x in m], np.float64),
                   cost_usd=np.array([x.cost_usd.v(nan) for x in m], np.float64),
                   is_optical=np.array([x.is_optical for x in m], bool),
                   lane_gbps=np.array([x.lane_gbps for x in m], np.float64),
                   reach_split_max_m=np.array([x.reach_split_max_m.v(x.reach_max_m.v(nan))
                                               for x in m], np.float64))

    def shared_power_per_end_w(self) -> np.ndarray:
        """Return the power per link end where one module serves two links.

        A twin-port cage (or a port broken out into two links) takes the medium of
        twice the speed and the same kind and lane rate, and each link draws half of
        it: a 400G SR4 link in a DGX H100's twin-port cage draws half of the 17 W of
        an 800G 2xSR4 module [S17]. Without such a medium, its own figure.

        Examples
        --------
        >>> from engine.catalog import load_catalog
        >>> mt = MediaTable.from_catalog(load_catalog(user_dir=None))
        >>> float(mt.shared_power_per_end_w()[mt.ids.index("mmf-sr4-400")])
        8.5
        """
        twin = self.twin_of()
        has = twin >= 0
        out = self.power_per_end_w.copy()
        out[has] = self.power_per_end_w[twin[has]] / 2.0
        return out

    def twin_of(self) -> np.ndarray:
        """Return, per medium, the module that serves two of its links (-1 for none).

        The medium of the same kind and lane rate at twice the speed, with a power
        figure: ``mmf-sr4-400`` -> ``mmf-sr8-800`` (an 800G 2xSR4 module).
        """
        out = np.full(len(self.ids), -1, np.int64)
        for i, (kind, speed, lane) in enumerate(zip(self.kind, self.speed_gbps.tolist(),
                                                    self.lane_gbps.tolist(), strict=True)):
            twin = [j for j, k in enumerate(self.kind) if k == kind
                    and self.speed_gbps[j] == 2 * speed and self.lane_gbps[j] == lane
                    and not np.isnan(self.power_per_end_w[j])]
            if twin:
                out[i] = twin[0]
        return out

    def transceivers_per_cable(self) -> np.ndarray:
        """Return pluggable transceivers per cable (2 for optical modules, else 0)."""
        return np.array([2 if k in _TRANSCEIVER_KINDS else 0 for k in self.kind], np.int64)


def _speed_plan(speed: float, media: MediaTable,
                family: np.ndarray | None = None) -> tuple[float, int, str]:
    """Return (media speed, cables per link, note) for a port speed (among ``family``)."""
    speeds = unique_sorted(media.speed_gbps if family is None else media.speed_gbps[family])
    if np.any(np.isclose(speeds, speed)):
        return speed, 1, ""
    div = [s for s in speeds if s < speed and abs(speed / s - round(speed / s)) < 1e-9]
    if div:
        s = max(div)
        k = int(round(speed / s))
        return s, k, (f"{speed:g}G links run on {k} x {s:g}G media: the catalog has no "
                      f"{speed:g}G media")
    up = [s for s in speeds if s > speed]
    if up:
        s = min(up)
        return s, 1, f"{speed:g}G links use {s:g}G media: the catalog has none slower"
    return speed, 1, f"the catalog has no media for {speed:g}G links"


def select_media(length_m: np.ndarray, speed_gbps: np.ndarray, media: MediaTable,
                 policy: CablingPolicy, lane_gbps: np.ndarray | None = None,
                 split: np.ndarray | None = None, no_copper: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Pick a medium for every link by speed, lane rate, length and policy.

    A link takes media of its ports' electrical lane rate (``lane_gbps``, default
    100): XDR's 800G-per-port links (200G lanes) have no DAC, multimode or AOC,
    only the media the catalog lists for them [S18]. Where the catalog has no
    media of a link's lane rate, it takes the others and a note says so. A link
    marked in ``split`` shares a cage at one end only, so its cable is a splitter,
    whose reach can differ (a 400G DAC: 2 m straight, 3 m split [S15]). A link
    marked in ``no_copper`` takes no copper cable (a lone link between two
    twin-port cages: a straight twin-port cable joins one cage to one cage, so its
    cage-mate would have to run to the same device).

    Returns
    -------
    medium : ndarray of int, shape (n_links,)
        Row of ``media``; -1 when no allowed medium reaches.
    cables : ndarray of int
        Parallel cables per link (2 for a 1.6T link on 800G media).
    notes : list of str

    Examples
    --------
    >>> from engine.catalog import load_catalog
    >>> mt = MediaTable.from_catalog(load_catalog(user_dir=None))
    >>> m, k, _ = select_media(np.array([2.0, 20.0, 300.0, 3000.0]), np.full(4, 400.0), mt,
    ...                        CablingPolicy())
    >>> [mt.ids[i] if i >= 0 else None for i in m]
    ['dac-400', 'mmf-sr4-400', 'smf-dr4-400', None]
    >>> m, _, _ = select_media(np.full(2, 2.5), np.full(2, 400.0), mt, CablingPolicy(),
    ...                        split=np.array([False, True]))
    >>> [mt.ids[i] for i in m]  # straight: beyond a DAC's 2 m; a splitter reaches 3 m
    ['mmf-sr4-400', 'dac-400']
    >>> m, _, _ = select_media(np.array([2.0, 20.0]), np.full(2, 800.0), mt, CablingPolicy(),
    ...                        lane_gbps=np.full(2, 200.0))
    >>> [mt.ids[i] for i in m]
    ['smf-dr4-800-xdr', 'smf-dr4-800-xdr']
    """
    length_m = np.asarray(length_m, np.float64)
    speed_gbps = np.asarray(speed_gbps, np.float64)
    n = len(length_m)
    medium = np.full(n, -1, np.int64)
    cables = np.ones(n, np.int64)
    notes: list[str] = []
    rank = _KIND_RANK_SM if policy.prefer_single_mode else _KIND_RANK
    allowed = np.array([k in rank and (policy.allow_copper or k not in COPPER_KINDS)
                        and (policy.allow_aoc or k != "aoc") for k in media.kind], bool)
    allowed &= ~np.isnan(media.reach_max_m)
    is_copper = np.array([k in COPPER_KINDS for k in media.kind], bool)
    lanes = np.full(n, 100.0) if lane_gbps is None else np.asarray(lane_gbps, np.float64)
    split = np.zeros(n, bool) if split is None else np.asarray(split, bool)
    copper_ok = np.ones(n, bool) if no_copper is None else ~np.asarray(no_copper, bool)
    for speed, lane in ((float(s), float(ln)) for ln in unique_sorted(lanes)
                        for s in unique_sorted(speed_gbps[lanes == ln])):
        on = (speed_gbps == speed) & (lanes == lane)
        family = media.lane_gbps == lane
        if not family.any():
            family = np.ones(len(media.ids), bool)
            notes.append(f"the catalog has no media for {lane:g}G-lane ports; their "
                         f"{speed:g}G links use media of another lane rate")
        ms, k, note = _speed_plan(speed, media, family)
        if note:
            notes.append(note)
        cables[on] = k
        cand = np.flatnonzero(allowed & family & np.isclose(media.speed_gbps, ms))
        cand = cand[np.argsort([rank[media.kind[c]] for c in cand], kind="stable")]
        lim = policy.optics_above_m
        reach = {c: np.where(split, media.reach_split_max_m[c], media.reach_max_m[c])
                 for c in cand.tolist()}  # a splitter's where the link shares a cage
        for c in cand:
            ok = on & (medium < 0) & (length_m >= media.reach_min_m[c]) & (length_m <= reach[c])
            if is_copper[c]:
                ok &= copper_ok
            if lim is not None:
                # copper up to the limit, optics above it
                ok &= (length_m <= lim) if is_copper[c] else (length_m > lim)
            medium[ok] = c
        if lim is not None:
            # a short link no copper reaches may still use optics
            for c in cand:
                if not is_copper[c]:
                    ok = on & (medium < 0) & (length_m >= media.reach_min_m[c]) \
                        & (length_m <= reach[c])
                    medium[ok] = c
    return medium, cables, notes


@dataclass
class CablingResult:
    """Routed lengths and media of every link group, and their totals.

    Per link group: ``length_m``, ``medium`` (-1 for none), ``cables``
    (parallel cables per link). Totals count physical cables (links x
    cables x count).
    """

    length_m: np.ndarray
    medium: np.ndarray
    cables: np.ndarray
    links_by_tier: dict[str, int]
    cables_by_medium: dict[str, int]
    transceivers: int
    optics_w: float
    cost_usd: float
    cost_unknown_cables: int
    power_unknown_ends: int
    #: the routed length of the cables bought (m): every link's (times its parallel
    #: cables), a two-link copper cable once, as long as its longer leg
    total_length_m: float
    max_length_m: float
    histogram_counts: list[int]
    #: cables to buy: one per link (or its parallel cables), a two-link copper cable at
    #: a twin-port cage once
    cables_bought: int = 0
    #: cables to buy per length bin (``histogram_counts``: links)
    histogram_cables: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: cable ends of unknown power by medium id (they count as 0 W)
    power_unknown_by_medium: dict[str, int] = field(default_factory=dict)
    too_long: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: computes (tray_links, tray_cables) when first asked; None: no drawn trays
    _tray_loader: Callable[[], tuple[dict[str, int], dict[str, int]]] | None = field(
        default=None, repr=False, compare=False)
    _tray_loads: tuple[dict[str, int], dict[str, int]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def tray_links(self) -> dict[str, int]:
        """Return the links (each group by its count) whose route runs along each drawn
        tray, by tray id; empty when the routes run on default trays (none drawn).

        A link counts once in every tray its route takes, the trays between its racks
        included. Worked out on first use (the routes' paths walked once per pair of
        tray vertices) and shared by the results of one routing.
        """
        return dict(self._loads()[0])

    @property
    def tray_cables(self) -> dict[str, int]:
        """Return :attr:`tray_links` counting physical cables (a 1.6T link on two 800G
        cables counts two)."""
        return dict(self._loads()[1])

    def _loads(self) -> tuple[dict[str, int], dict[str, int]]:
        if self._tray_loads is None:
            self._tray_loads = self._tray_loader() if self._tray_loader is not None else ({}, {})
        return self._tray_loads


class _TrayLoads:
    """The links and cables per drawn tray of one router's routes, kept for the latest
    routing asked for (a new routing, after a move, is another version)."""

    def __init__(self, topo: Topology, link_pair: np.ndarray, pair_h: np.ndarray,
                 pair_o: np.ndarray, tray_ids: list[str]) -> None:
        self.topo = topo
        self.link_pair, self.pair_h, self.pair_o = link_pair, pair_h, pair_o
        self.tray_ids = tray_ids
        self.cache: tuple[int, dict[str, int], dict[str, int]] | None = None
        self._on: np.ndarray | None = None
        self._pair_links: np.ndarray | None = None
        #: the last loads worked out: each rack's attachment (segment, position), the
        #: loads per tray (links, cables), each pair's cables and the tray network
        self._last: tuple | None = None

    def at(self, version: int, trays: TrayGraph, seg: np.ndarray, t_m: np.ndarray,
           cables: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
        """Return (links, cables) by tray id for the racks attached at ``seg``, ``t_m``
        (``cables``: parallel cables per link group)."""
        c = self.cache
        if c is not None and c[0] == version:
            return c[1], c[2]
        if self._pair_links is None:  # the topology's: the same for every routing
            topo = self.topo
            a, b = topo.lk_a_rack, topo.lk_b_rack
            self._on = (a != b) & (a >= 0) & (b >= 0)  # a link inside one rack: no tray
            self._pair_links = np.bincount(self.link_pair[self._on],
                                           weights=topo.lk_count[self._on],
                                           minlength=len(self.pair_h))
        on, links = self._on, self._pair_links
        # parallel cables (a 1.6T link on two 800G) follow the media, which follow routes
        phys = links if not np.any(cables[on] != 1) else np.bincount(
            self.link_pair[on], weights=self.topo.lk_count[on] * cables[on],
            minlength=len(self.pair_h))
        n_trays = len(self.tray_ids)
        last = self._last
        if last is not None and last[4] is trays and len(last[0]) == len(seg):
            # a move: only the pairs of racks whose attachment changed take other routes
            # (and maybe other media): their old routes come off, their new ones go on
            old_seg, old_t, old_load, old_phys, _graph = last
            moved = (old_seg != seg) | (old_t != t_m)
            p = np.flatnonzero((moved[self.pair_h] | moved[self.pair_o]) & (links > 0))
            if len(p) * 4 < max(int(np.count_nonzero(links)), 1):
                h, o = self.pair_h[p], self.pair_o[p]
                delta = trays.route_trays(seg[h], t_m[h], seg[o], t_m[o],
                                          np.stack([links[p], phys[p]], axis=1),
                                          n_trays=n_trays) \
                    - trays.route_trays(old_seg[h], old_t[h], old_seg[o], old_t[o],
                                        np.stack([links[p], old_phys[p]], axis=1),
                                        n_trays=n_trays)
                load_f = old_load + delta
                return self._keep(version, trays, seg, t_m, load_f, phys)
        p = np.flatnonzero(links > 0)
        h, o = self.pair_h[p], self.pair_o[p]
        load_f = trays.route_trays(seg[h], t_m[h], seg[o], t_m[o],
                                   np.stack([links[p], phys[p]], axis=1), n_trays=n_trays)
        return self._keep(version, trays, seg, t_m, load_f, phys)

    def _keep(self, version: int, trays: TrayGraph, seg: np.ndarray, t_m: np.ndarray,
              load_f: np.ndarray, phys: np.ndarray) -> tuple[dict[str, int], dict[str, int]]:
        """Keep the loads of routing ``version`` (and what they came from, for the next
        move's difference, on the same tray network); return them by tray id."""
        self._last = (seg.copy(), t_m.copy(), load_f, phys.copy(), trays)
        load = np.rint(load_f).astype(np.int64)
        by_links: dict[str, int] = {}
        by_cables: dict[str, int] = {}
        for tid, (nl, nc) in zip(self.tray_ids, load.tolist(), strict=True):
            by_links[tid] = by_links.get(tid, 0) + nl
            by_cables[tid] = by_cables.get(tid, 0) + nc
        self.cache = (version, by_links, by_cables)
        return by_links, by_cables


def _cage_slots(topo: Topology) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number the link ends at twin-port cages by (device, tier, links per module).

    Returns the slot of each link group's a and b end (-1 where a module serves one
    link) and each slot's links per module. Two fabrics' links at one device and tier
    (a DGX's 400G compute links two to a cage, a switch's 100G links broken out
    eight to one) take modules of their own: a slot holds one kind of cage.

    Examples
    --------
    >>> t = Topology.__new__(Topology)
    >>> t.lk_a_ref, t.lk_b_ref = np.array([0, 1, 0]), np.array([-1, -1, -2])
    >>> t.lk_tier = np.zeros(3, np.int64)
    >>> t.lk_a_cage, t.lk_b_cage = np.array([2, 2, 2]), np.array([1, 1, 2])
    >>> a, b, cage = _cage_slots(t)
    >>> a.tolist(), b.tolist(), cage.tolist()
    ([1, 2, 1], [-1, -1, 0], [2, 2, 2])
    >>> t.lk_a_cage = np.array([2, 2, 8])  # device 0's third link: another kind of cage
    >>> a, b, cage = _cage_slots(t)
    >>> a.tolist(), b.tolist(), cage.tolist()
    ([1, 3, 2], [-1, -1, 0], [2, 2, 8, 2])
    """
    nt = len(LINK_TIERS)
    ends = ((topo.lk_a_ref, topo.lk_a_cage), (topo.lk_b_ref, topo.lk_b_cage))
    twin = [np.asarray(cage) > 1 for _, cage in ends]
    if not any(t.any() for t in twin):
        n = len(topo.lk_a_ref)
        return np.full(n, -1, np.int32), np.full(n, -1, np.int32), np.ones(0, np.int64)
    low = min(int(np.asarray(ref)[t].min()) for (ref, _), t in zip(ends, twin, strict=True)
              if t.any())
    # (ref, tier, cage) -> a dense key (switch refs are negative), numbered in key order
    # by a running count of the keys in use: linear, no sort, one side at a time
    sizes = np.unique(np.concatenate([np.asarray(cage, np.int64)[t]
                                      for (_, cage), t in zip(ends, twin, strict=True)]))
    nc = len(sizes)
    keys = [((np.asarray(ref, np.int64)[t] - low) * nt + np.asarray(topo.lk_tier)[t]) * nc
            + np.searchsorted(sizes, np.asarray(cage, np.int64)[t])
            for (ref, cage), t in zip(ends, twin, strict=True)]
    used = np.zeros(max(int(k.max()) + 1 for k in keys if len(k)), bool)
    for k in keys:
        used[k] = True
    number = np.cumsum(used) - 1
    slot_cage = np.ones(int(used.sum()), np.int64)
    slots = []
    for (ref, cage), t, k in zip(ends, twin, keys, strict=True):
        slot = np.full(len(ref), -1, np.int32)
        slot[t] = number[k]
        slot_cage[slot[t]] = np.asarray(cage, np.int64)[t]
        slots.append(slot)
    return slots[0], slots[1], slot_cage


# a drag keeps the trays and the assumptions: hashing hundreds of trays per frame
# would be a visible part of the frame
_GEOMETRY_MEMO: LastValue[str] = LastValue()


def _geometry_key(layout: Layout, catalog: Catalog) -> str:
    return _GEOMETRY_MEMO.get((layout.assumptions, layout.assumptions.cabling, catalog,
                               *layout.trays),
                              lambda: _geometry_key_uncached(layout, catalog))


def _geometry_key_uncached(layout: Layout, catalog: Catalog) -> str:
    h = hashlib.blake2b(digest_size=16)
    for t in layout.trays:
        h.update(t.model_dump_json().encode())
    a = layout.assumptions
    h.update(f"{a.cable_slack_m}|{a.in_rack_slack_m}|{a.tray_elevation_m}|{a.u_height_m}|"
             .encode())
    h.update(a.cabling.model_dump_json().encode())
    h.update("\x1f".join(catalog.media).encode())
    h.update(str(id(catalog)).encode())
    return h.hexdigest()


class CableRouter:
    """Routes and equips the links of one topology; updates only what moved.

    Build one per (topology, trays and cabling assumptions) and call
    :meth:`update` with the current rack positions after every edit. Racks
    whose position changed have their links re-routed; every other link keeps
    its length and medium, so the result equals a full routing.
    """

    def __init__(self, topo: Topology, layout: Layout, catalog: Catalog) -> None:
        self.topo = topo
        self.key = _geometry_key(layout, catalog)
        a = layout.assumptions
        self.policy = a.cabling
        self.slack_m = a.cable_slack_m
        self.in_rack_slack_m = a.in_rack_slack_m
        self.u_m = a.u_height_m
        self.default_elev_m = a.tray_elevation_m
        self.media = MediaTable.from_catalog(catalog)
        self._shared_w = self.media.shared_power_per_end_w()
        twin = self._twin = self.media.twin_of()
        # a shared module is bought as its twin: the module of twice the speed
        self._shared_cost = np.where(twin >= 0, self.media.cost_usd[np.maximum(twin, 0)],
                                     self.media.cost_usd) if len(twin) else np.zeros(0)
        self.uses_default_trays = not layout.trays
        self.trays = None
        if layout.trays:
            self.trays = TrayGraph.from_polylines([t.points for t in layout.trays],
                                                  [t.elevation_m for t in layout.trays])
            if not self.trays.n_segments:
                self.trays, self.uses_default_trays = None, True
        self.rack_x = np.zeros(0)
        self.rack_y = np.zeros(0)
        n = topo.n_links
        self.length_m = np.zeros(n)
        self.medium = np.full(n, -1, np.int64)
        self.cables = np.ones(n, np.int64)
        self.notes: list[str] = []
        copper = np.array([k in COPPER_KINDS for k in self.media.kind], bool)
        self._copper_reach_m = float(np.nanmax(np.r_[
            self.media.reach_max_m[copper], self.media.reach_split_max_m[copper], 0.0]))
        self._per_medium: np.ndarray | None = None
        # cable ends per medium whose optics draw power not already in a device's figure,
        # and those of them in a module shared by two links
        self._paid_per_medium: np.ndarray | None = None
        self._shared_per_medium: np.ndarray | None = None
        # cables of links with an end in a shared (twin-port) cage, by medium
        self._twin_per_medium: np.ndarray | None = None
        # transceiver modules per medium (halves at twin-port ends), and those of them
        # that serve two links
        self._modules_per_medium: np.ndarray | None = None
        self._shared_modules_per_medium: np.ndarray | None = None
        self._hist: np.ndarray | None = None
        self._bin = np.zeros(n, np.int64)
        self._edges = np.asarray(HISTOGRAM_EDGES_M[1:-1])
        self._by_tier: dict[str, int] | None = None
        self._phys_f: np.ndarray | None = None
        # racks -> link groups touching them (CSR), to re-route moved racks only
        ends = np.concatenate([topo.lk_a_rack, topo.lk_b_rack])
        link = np.concatenate([np.arange(n), np.arange(n)])
        order = np.argsort(ends, kind="stable")
        self._by_rack_links = link[order]
        self._by_rack_ends = ends[order]
        # route from a switch end, so tray distance rows are only needed at network
        # racks; links between the same two racks share one tray distance
        a_sw = topo.lk_a_ref < 0
        b_sw = topo.lk_b_ref < 0
        swap = b_sw & ~a_sw
        h = np.where(swap, topo.lk_b_rack, topo.lk_a_rack)
        o = np.where(swap, topo.lk_a_rack, topo.lk_b_rack)
        nr = max(int(max(h.max(initial=0), o.max(initial=0))) + 1, 1)
        pairs, self._link_pair = np.unique(h * nr + o, return_inverse=True)
        self._pair_h, self._pair_o = pairs // nr, pairs % nr
        self._pair_dist = np.zeros(len(pairs))
        # a twin-port module serves two links of one device, tier and medium (the
        # cut-sheet puts each such group on whole cages): per end slot (device, tier)
        # and medium, the shared modules are ceil(links / cage), kept by difference
        self._slot_a, self._slot_b, self._slot_cage = _cage_slots(topo)
        self._slot_count: np.ndarray | None = None  # links per (slot, medium), dense
        self._whole_shared: np.ndarray | None = None
        # copper links with an end in a twin-port cage: one cable (a splitter, or a
        # twin-port cable cage to cage) carries a cage's links, so the cables bought
        # are ceil(links / cage) per cage of the end that holds it (the a end where both
        # do), by medium; worked out again only when such a link changes medium
        a2, b2 = topo.lk_a_cage > 1, topo.lk_b_cage > 1
        self._twin_links = np.flatnonzero(a2 | b2)
        tl = self._twin_links
        self._twin_owner = np.where(a2[tl], self._slot_a[tl], self._slot_b[tl]).astype(np.int64)
        # a cable cage to cage joins two devices: a cage's links to another device take a
        # cable (and cages) of their own, as the cut-sheet puts them
        both = a2[tl] & b2[tl]
        peer = np.where(both, topo.lk_b_ref[tl], 0).astype(np.int64)
        self._twin_peer = peer - int(peer.min(initial=0))
        self._is_copper = np.r_[False, np.isin(np.asarray(self.media.kind, dtype=object),
                                               COPPER_KINDS)]
        # (links, cables, links per length bin, cables per length bin) of those links
        self._copper_pairs: tuple | None = None
        # only explicit links can force a medium
        self._forced_medium = np.full(n, -1, np.int64)
        for i in np.flatnonzero(topo.lk_tier == 3).tolist():
            m = topo.lk_medium[i]
            if m:
                self._forced_medium[i] = self.media.ids.index(m) if m in self.media.ids else -2
        self._attach = None
        # links per drawn tray, worked out when asked for the routing of a version
        # (one more each time links re-route) from the racks' attachments at it
        self._tray_loads = _TrayLoads(topo, self._link_pair, self._pair_h, self._pair_o,
                                      [] if self.uses_default_trays
                                      else [t.id for t in layout.trays])
        self._routes_version = 0
        self._tray_snapshot: tuple | None = None
        # optics power per rack, and the racks whose links were re-routed since
        self._rack_optics: np.ndarray | None = None
        self._optics_dirty: np.ndarray | None = None
        # per rack, the paid link ends by (module kind, medium): whole numbers, kept by
        # difference as links re-route (see rack_optics_w)
        self._rack_ends: np.ndarray | None = None

    def _links_of(self, racks: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self._by_rack_ends, racks, side="left")
        hi = np.searchsorted(self._by_rack_ends, racks, side="right")
        if not len(racks):
            return np.zeros(0, np.int64)
        sel = np.concatenate([self._by_rack_links[a:b] for a, b in zip(lo.tolist(), hi.tolist(),
                                                                          strict=True)])
        return unique_sorted(sel)

    def _route(self, idx: np.ndarray, pairs: np.ndarray | None = None) -> None:
        topo = self.topo
        seg, t, off, elev = self._attach
        if pairs is None:
            pairs = unique_sorted(self._link_pair[idx])
        h, o = self._pair_h[pairs], self._pair_o[pairs]
        self._pair_dist[pairs] = self.trays.path_length(seg[h], t[h], seg[o], t[o])
        ra, rb = topo.lk_a_rack[idx], topo.lk_b_rack[idx]
        za = topo.lk_a_u[idx] * self.u_m
        zb = topo.lk_b_u[idx] * self.u_m
        horiz = self._pair_dist[self._link_pair[idx]]
        across = np.abs(elev[ra] - za) + off[ra] + horiz + off[rb] + np.abs(elev[rb] - zb)
        length = np.where(ra == rb, np.abs(za - zb) + self.in_rack_slack_m,
                          across + self.slack_m)
        forced = topo.lk_length_m[idx]
        self.length_m[idx] = np.where(np.isnan(forced), length, forced)
        a_twin, b_twin = topo.lk_a_cage[idx] > 1, topo.lk_b_cage[idx] > 1
        # a splitter has one end in a shared cage; with both, the cable runs cage to cage
        # straight (an 800G twin-port DAC), at the straight reach [S15]
        split = a_twin ^ b_twin
        # a lone link between two twin-port cages: its cage-mates run elsewhere, and no
        # copper cable joins one cage to two [S15]; links between one pair of devices pair.
        # Only links copper could reach are counted: links of one pair share their length,
        # and a pair's links move together
        lone = np.zeros(len(idx), bool)
        near = np.flatnonzero(a_twin & b_twin & (self.length_m[idx] <= self._copper_reach_m))
        if len(near):
            lone[near] = device_pairs(topo, idx[near])[1] == 1
        med, cab, notes = select_media(self.length_m[idx], topo.lk_gbps[idx], self.media,
                                       self.policy, topo.lk_lane_gbps[idx], split, lone)
        fm = self._forced_medium[idx]
        has = fm >= 0
        if has.any():
            fidx = fm[has]
            ok = self.length_m[idx][has] <= np.nan_to_num(
                self.media.reach_m(fidx, split[has]), nan=0.0)
            med[has] = np.where(ok, fidx, -1)
            cab[has] = 1
        # keep the per-medium and length-bin cable counts by difference: integers, so
        # an update gives exactly what a full routing gives
        phys = self.topo.lk_count[idx] * self.cables[idx]
        nb = len(HISTOGRAM_EDGES_M) - 1
        nm = len(self.media.ids) + 1
        opt = link_optics(self.topo, idx)
        paid, shared, share, smod = opt.paid_ends, opt.paid_shared, opt.modules, \
            opt.shared_modules
        twin = a_twin | b_twin
        old_med, old_phys = self.medium[idx].copy(), phys
        if self._per_medium is not None:
            old = self.medium[idx] + 1
            self._per_medium -= np.bincount(old, weights=phys, minlength=nm).astype(np.int64)
            self._paid_per_medium -= np.bincount(old, weights=phys * paid,
                                                 minlength=nm).astype(np.int64)
            self._twin_per_medium -= np.bincount(old, weights=phys * twin,
                                                 minlength=nm).astype(np.int64)
            self._shared_per_medium -= np.bincount(old, weights=phys * shared,
                                                   minlength=nm).astype(np.int64)
            self._modules_per_medium -= np.bincount(old, weights=phys * share, minlength=nm)
            self._shared_modules_per_medium -= np.bincount(old, weights=phys * smod,
                                                           minlength=nm)
            self._hist -= np.bincount(self._bin[idx], weights=phys, minlength=nb).astype(np.int64)
        else:
            self._per_medium = np.zeros(nm, np.int64)
            self._paid_per_medium = np.zeros(nm, np.int64)
            self._shared_per_medium = np.zeros(nm, np.int64)
            self._twin_per_medium = np.zeros(nm, np.int64)
            self._modules_per_medium = np.zeros(nm)
            self._shared_modules_per_medium = np.zeros(nm)
            self._hist = np.zeros(nb, np.int64)
            self._slot_count = None
        if self._copper_pairs is not None and (self._is_copper[old_med + 1]
                                               | self._is_copper[med + 1])[a_twin | b_twin].any():
            self._copper_pairs = None  # (a length bin may have changed too)
        self.medium[idx] = med
        if not np.array_equal(self.cables[idx], cab):
            self._phys_f = None
        self.cables[idx] = cab
        phys = self.topo.lk_count[idx] * cab
        self._bin[idx] = np.searchsorted(self._edges, self.length_m[idx], side="right")
        self._per_medium += np.bincount(med + 1, weights=phys, minlength=nm).astype(np.int64)
        self._paid_per_medium += np.bincount(med + 1, weights=phys * paid,
                                             minlength=nm).astype(np.int64)
        self._twin_per_medium += np.bincount(med + 1, weights=phys * twin,
                                             minlength=nm).astype(np.int64)
        self._shared_per_medium += np.bincount(med + 1, weights=phys * shared,
                                               minlength=nm).astype(np.int64)
        self._modules_per_medium += np.bincount(med + 1, weights=phys * share, minlength=nm)
        self._shared_modules_per_medium += np.bincount(med + 1, weights=phys * smod,
                                                       minlength=nm)
        self._hist += np.bincount(self._bin[idx], weights=phys, minlength=nb).astype(np.int64)
        self._count_shared(idx, old_med, old_phys, med, phys)
        if self._rack_optics is not None:
            self._count_ends(idx, old_med, old_phys, -1.0)
            self._count_ends(idx, med, phys, 1.0)
            ends = unique_sorted(np.concatenate([self.topo.lk_a_rack[idx],
                                                 self.topo.lk_b_rack[idx]]))
            self._optics_dirty = ends if self._optics_dirty is None else \
                unique_sorted(np.concatenate([self._optics_dirty, ends]))
        for nt in notes:
            if nt not in self.notes:
                self.notes.append(nt)

    def _count_shared(self, idx: np.ndarray, old_med: np.ndarray, old_phys: np.ndarray,
                      new_med: np.ndarray, new_phys: np.ndarray) -> None:
        """Move links ``idx`` from their old media to the new in the shared-cage counts.

        Counts are a dense (slot x medium) table; a full routing fills it one link end
        at a time (a and b), which keeps the memory of a 1M-GPU hall's routing low.
        """
        nm = len(self.media.ids) + 1
        sides = ((self._slot_a[idx], old_med, new_med), (self._slot_b[idx], old_med, new_med))
        if self._slot_count is None:
            n_slots = len(self._slot_cage)
            count = np.zeros((n_slots, nm), np.int32)
            for slot, _, med in sides:
                on = slot >= 0
                s_on, m_on, w_on = slot[on], med[on], new_phys[on]
                for m in unique_sorted(m_on).tolist():  # the few media in use, one at a time
                    sel = m_on == m
                    count[:, m + 1] += np.bincount(s_on[sel], weights=w_on[sel],
                                                   minlength=n_slots).astype(np.int32)
            count = count.reshape(-1)
            self._slot_count = count
            used = np.flatnonzero(count)
            whole = -(-count[used].astype(np.int64) // self._slot_cage[used // nm])
            self._whole_shared = np.bincount(used % nm, weights=whole,
                                             minlength=nm).astype(np.int64)
            return
        k, w = [], []
        for slot, old, new in sides:
            on = slot >= 0
            k += [slot[on] * nm + old[on] + 1, slot[on] * nm + new[on] + 1]
            w += [-old_phys[on], new_phys[on]]
        k = np.concatenate(k)
        if not len(k):
            return
        uk, inv = np.unique(k, return_inverse=True)
        cage = self._slot_cage[uk // nm]
        before = -(-self._slot_count[uk].astype(np.int64) // cage)
        self._slot_count[uk] += np.bincount(inv, weights=np.concatenate(w),
                                            minlength=len(uk)).astype(np.int32)
        after = -(-self._slot_count[uk].astype(np.int64) // cage)
        self._whole_shared += np.bincount(uk % nm, weights=after - before,
                                          minlength=nm).astype(np.int64)

    def update(self, arr, layout: Layout | None = None) -> CablingResult:
        """Route the links for the racks' current positions and return the totals."""
        x, y = arr.rack_x_m, arr.rack_y_m
        if self.trays is None or (self.uses_default_trays and (
                len(x) != len(self.rack_x) or not (np.array_equal(x, self.rack_x)
                                                   and np.array_equal(y, self.rack_y)))):
            if self.uses_default_trays:
                rows = [r.row for r in layout.racks] if layout is not None else [None] * len(x)
                lines = default_tray_polylines(x, y, arr.rack_rot_deg, rows)
                self.trays = TrayGraph.from_polylines(lines, [self.default_elev_m] * len(lines))
            self._attach = None
        pairs = None
        if self._attach is None or len(x) != len(self.rack_x):
            self._attach = list(self.trays.attach(x, y))
            moved_links = np.arange(self.topo.n_links)
            pairs = np.arange(len(self._pair_h))
            self._per_medium = None
            self._rack_optics = self._rack_ends = None  # every link re-routed: summed afresh
        else:
            moved = np.flatnonzero((x != self.rack_x) | (y != self.rack_y))
            if len(moved):
                s, t, o, e = self.trays.attach(x[moved], y[moved])
                for arr_, new in zip(self._attach, (s, t, o, e), strict=True):
                    arr_[moved] = new
            moved_links = self._links_of(moved)
        self.rack_x, self.rack_y = x.copy(), y.copy()
        if len(moved_links):
            self._route(moved_links, pairs)
            self._routes_version += 1
        return self._summary()

    def _tray_loader(self) -> Callable[[], tuple[dict[str, int], dict[str, int]]] | None:
        """Return what works out the links per drawn tray of the current routing: the
        racks' attachments copied (a later move changes the router's own in place)."""
        if not self._tray_loads.tray_ids or self._attach is None:
            return None
        snap = self._tray_snapshot
        if snap is None or snap[0] != self._routes_version:
            snap = self._tray_snapshot = (self._routes_version, self.trays,
                                          self._attach[0].copy(), self._attach[1].copy())
        return partial(self._tray_loads.at, *snap, self.cables)

    def rack_optics_w(self, n_racks: int) -> np.ndarray:
        """Return the optics power each rack's link ends draw beyond its devices' figures (W).

        The per-end figures of the hall's ``optics_w``: an end whose device's power
        leaves its module out draws the medium's module power, or half its twin's
        where one module serves two links; a link no medium reaches draws none.
        The racks' values add up to ``optics_w``. Each rack's paid ends are counted
        by medium and module kind (whole numbers, kept by difference as links
        re-route) and its power is that row of counts times the module powers, so an
        update gives a full computation's values bit for bit.
        """
        if (self._rack_optics is None or self._rack_ends is None
                or len(self._rack_optics) != n_racks):
            self._rack_ends = np.zeros((n_racks, 2 * (len(self.media.ids) + 1)))
            self._count_ends(np.arange(self.topo.n_links), self.medium,
                             self.topo.lk_count * self.cables, 1.0)
            self._rack_optics = (self._rack_ends * self._end_w()).sum(axis=1)
        elif self._optics_dirty is not None and len(self._optics_dirty):
            racks = self._optics_dirty[(self._optics_dirty >= 0) & (self._optics_dirty < n_racks)]
            self._rack_optics[racks] = (self._rack_ends[racks] * self._end_w()).sum(axis=1)
        self._optics_dirty = np.zeros(0, np.int64)
        return self._rack_optics.copy()

    def rack_unknown_ends(self, n_racks: int) -> np.ndarray | None:
        """Return the paid link ends in each rack whose module has no power figure (R,) int,
        or ``None`` when every medium in use has one.

        Read from the counts :meth:`rack_optics_w` keeps (call that first): the ends it
        counts as 0 W, which make that rack's load a lower bound.
        """
        unknown = np.isnan(np.concatenate([[0.0], self.media.power_per_end_w,
                                           [0.0], self._shared_w]))
        if self._rack_ends is None or not unknown.any() or len(self._rack_ends) != n_racks:
            return None
        ends = np.rint(self._rack_ends[:, unknown].sum(axis=1)).astype(np.int64)
        return ends if ends.any() else None

    def _end_w(self) -> np.ndarray:
        """Module power (W) per column of the rack end counts: one module per end by
        medium (none first), then half a twin's module by medium."""
        zero = np.zeros(1)
        return np.concatenate([zero, np.nan_to_num(self.media.power_per_end_w, nan=0.0),
                               zero, np.nan_to_num(self._shared_w, nan=0.0)])

    def _count_ends(self, links: np.ndarray, med: np.ndarray, phys: np.ndarray,
                    sign: float) -> None:
        """Add (``sign`` +1) or take away (-1) the paid ends of ``links``, on media ``med``
        with ``phys`` cables each, from the racks' end counts."""
        counts = self._rack_ends
        n_racks, width = counts.shape
        topo = self.topo
        live = np.asarray(med) >= 0
        for rack, paid, cage in ((topo.lk_a_rack, topo.lk_a_paid, topo.lk_a_cage),
                                 (topo.lk_b_rack, topo.lk_b_paid, topo.lk_b_cage)):
            r = rack[links]
            sel = live & paid[links] & (r >= 0) & (r < n_racks)
            col = np.where(cage[links] > 1, width // 2, 0) + med + 1
            key = r[sel] * width + col[sel]
            w = sign * np.asarray(phys, np.float64)[sel]
            if len(key) > n_racks:  # a whole hall's ends: one pass
                counts += np.bincount(key, weights=w, minlength=counts.size).reshape(counts.shape)
            else:
                np.add.at(counts.reshape(-1), key, w)

    def _tiers(self) -> dict[str, int]:
        """Return links by tier (scale-out tiers by name, other purposes prefixed)."""
        if self._by_tier is None:
            topo = self.topo
            names = list(LINK_TIERS)
            purposes = [f.purpose for f in topo.fabrics] + ["scale_out"]  # -1: no fabric
            uniq = sorted(set(purposes))
            code = np.array([uniq.index(p) for p in purposes], np.int64)[topo.lk_fabric]
            per = np.bincount(code * len(names) + topo.lk_tier, weights=topo.lk_count,
                              minlength=len(uniq) * len(names)).reshape(len(uniq), len(names))
            by_tier = {name: 0 for name in names}
            for pi, p in enumerate(uniq):
                for k, name in enumerate(names):
                    v = int(per[pi, k])
                    if p == "scale_out":
                        by_tier[name] += v
                    elif v:
                        by_tier[f"{p}_{name}"] = v
            self._by_tier = by_tier
        return dict(self._by_tier)

    def _no_twin_notes(self, shared: np.ndarray, optical: np.ndarray,
                       whole: np.ndarray) -> list[str]:
        """Say where ends share a module the catalog has no figure for.

        Two links in one cage take one module of twice their speed; without that
        medium in the catalog the bill of materials names it without figures, and
        each end whose device does not count its optics draws its own module's
        power, an upper bound.
        """
        m = self.media
        out = []
        for i in np.flatnonzero(optical & (self._twin < 0) & ((shared > 0) | (whole > 0))):
            text = (f"{m.ids[i]} links share {int(whole[i]):,} modules of "
                    f"{2 * m.speed_gbps[i]:g}G, two links to a module (a twin-port cage or a "
                    "port broken out), which the catalog lacks (the bill of materials lists "
                    "them without figures)")
            if shared[i] > 0:
                text += (f": each of {int(shared[i]):,} ends whose device leaves its optics "
                         f"out draws a whole {m.ids[i]} module's power (an upper bound)")
            out.append(text)
        return out

    def _copper_twin_cables(self) -> tuple[int, int, np.ndarray, np.ndarray, float, float]:
        """Return the links and the cables bought of the copper links at twin-port cages,
        in all and per length bin (a cable in the bin of its longest link), and their
        routed lengths (m): the links' sum, and the cables' (each its longest link's)."""
        if self._copper_pairs is None:
            nb = len(HISTOGRAM_EDGES_M) - 1
            tl = self._twin_links
            med = self.medium[tl]
            on = self._is_copper[med + 1]
            phys = (self.topo.lk_count[tl] * self.cables[tl])[on]
            links_bin = np.bincount(self._bin[tl][on], weights=phys, minlength=nb)
            cables_bin = np.zeros(nb)
            lengths = np.nan_to_num(self.length_m[tl][on], nan=0.0)
            links_m = float(np.dot(lengths, phys))
            cables_m = 0.0
            if on.any():
                nm = len(self.media.ids) + 1
                span = int(self._twin_peer.max(initial=0)) + 1
                owner = self._twin_owner[on]
                key, first, inv = np.unique((owner * nm + med[on] + 1) * span
                                            + self._twin_peer[on], return_index=True,
                                            return_inverse=True)
                # the links of a group, shortest first, fill its cables a cage at a time;
                # a cable reaches the farther of its ends: the bin of its longer link
                grp = np.repeat(inv, phys)
                bins = np.repeat(self._bin[tl][on], phys)
                length = np.repeat(lengths, phys)
                order = np.lexsort((length, bins, grp))
                grp, bins, length = grp[order], bins[order], length[order]
                start = np.searchsorted(grp, np.arange(len(key)))
                cage = self._slot_cage[owner[first]][grp]
                size = -(-np.bincount(grp, minlength=len(key)) // self._slot_cage[owner[first]])
                cable = (np.cumsum(size) - size)[grp] + (np.arange(len(grp)) - start[grp]) // cage
                far = np.zeros(int(size.sum()), np.int64)
                np.maximum.at(far, cable, bins)
                cables_bin = np.bincount(far, minlength=nb)
                # a cable is as long as the longer of its legs
                reach = np.zeros(len(far))
                np.maximum.at(reach, cable, length)
                cables_m = float(reach.sum())
            self._copper_pairs = (int(phys.sum()), int(cables_bin.sum()),
                                  links_bin.astype(np.int64), cables_bin.astype(np.int64),
                                  links_m, cables_m)
        return self._copper_pairs

    def _summary(self) -> CablingResult:
        m = self.media
        per = self._per_medium if self._per_medium is not None else \
            np.zeros(len(m.ids) + 1, np.int64)
        per_medium = per[1:].astype(np.float64)
        by_medium = {m.ids[i]: int(v) for i, v in enumerate(per[1:]) if v}
        if per[0]:
            by_medium["none"] = int(per[0])
        # modules: a twin-port cage's module serves two links (halves add up exactly)
        mods = (self._modules_per_medium[1:] if self._modules_per_medium is not None
                else np.zeros(len(m.ids)))
        smods = (self._shared_modules_per_medium[1:]
                 if self._shared_modules_per_medium is not None else np.zeros(len(m.ids)))
        optical = m.transceivers_per_cable() > 0
        # whole modules: single-link ones of the medium, and two-link ones (its twin,
        # a half-used cage's module counted whole)
        whole = (self._whole_shared[1:] if self._whole_shared is not None
                 else np.zeros(len(m.ids), np.int64))
        xcvr = int(np.round(mods[optical] - smods[optical]).sum() + whole[optical].sum())
        # ends in a switch whose power figure counts its optics draw nothing more here
        zero = np.zeros(len(m.ids), np.int64)
        paid = (self._paid_per_medium[1:] if self._paid_per_medium is not None
                else zero).astype(np.float64)
        shared = (self._shared_per_medium[1:] if self._shared_per_medium is not None
                  else zero).astype(np.float64)
        single_w, shared_w = m.power_per_end_w, self._shared_w
        optics_w = float(np.dot(paid - shared, np.nan_to_num(single_w, nan=0.0))
                         + np.dot(shared, np.nan_to_num(shared_w, nan=0.0)))
        unknown_ends = (paid - shared) * np.isnan(single_w) + shared * np.isnan(shared_w)
        unknown_pw = int(round(unknown_ends.sum()))
        unknown_by_medium = {m.ids[i]: int(round(v)) for i, v in enumerate(unknown_ends)
                             if round(v) > 0}
        # an optical link costs its modules (the catalog prices a module; a shared one is
        # its twin's), a cable its cable
        units = np.where(optical, mods - smods, per_medium)
        shared_units = np.where(optical, whole, 0)
        cost = float(np.dot(units, np.nan_to_num(m.cost_usd, nan=0.0))
                     + np.dot(shared_units, np.nan_to_num(self._shared_cost, nan=0.0)))
        # a cable is unpriced when its medium has no price, or when it has an end in a
        # shared cage whose twin module has none
        twin = (self._twin_per_medium[1:] if self._twin_per_medium is not None
                else np.zeros(len(m.ids), np.int64))
        no_price = np.isnan(m.cost_usd)
        cost_unknown = int(np.dot(per_medium, no_price)
                           + np.dot(twin, ~no_price & optical & np.isnan(self._shared_cost)))
        if self._phys_f is None:
            self._phys_f = (self.topo.lk_count * self.cables).astype(np.float64)
        hist = self._hist if self._hist is not None else np.zeros(len(HISTOGRAM_EDGES_M) - 1)
        twin_links, twin_cables, twin_links_bin, twin_cables_bin, twin_links_m, twin_cables_m \
            = self._copper_twin_cables()
        # the cables' length: a two-link copper cable once, as long as its longer leg
        total = float(np.dot(self.length_m, self._phys_f)) - twin_links_m + twin_cables_m
        return CablingResult(
            length_m=self.length_m, medium=self.medium, cables=self.cables,
            links_by_tier=self._tiers(), cables_by_medium=by_medium, transceivers=xcvr,
            optics_w=optics_w, cost_usd=cost, cost_unknown_cables=cost_unknown,
            power_unknown_ends=unknown_pw, power_unknown_by_medium=unknown_by_medium,
            total_length_m=total,
            max_length_m=float(self.length_m.max()) if len(self.length_m) else 0.0,
            histogram_counts=[int(c) for c in hist],
            histogram_cables=[int(c) for c in hist - twin_links_bin + twin_cables_bin],
            cables_bought=int(per.sum()) - twin_links + twin_cables,
            notes=list(self.notes) + self._no_twin_notes(shared, optical, whole),
            # per[0] counts the cables of links no medium reaches (each at least one):
            # most halls have none, and the scan of every link is skipped
            too_long=np.flatnonzero(self.medium < 0) if per[0] else np.zeros(0, np.int64),
            _tray_loader=self._tray_loader())
