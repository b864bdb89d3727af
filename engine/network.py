"""Network summary: switches by tier, links, cabling, bisection bandwidth and scale-up.

:func:`analyze_network` builds the fabrics of the layout (:mod:`engine.fabric`),
routes and equips their links (:mod:`engine.cabling`) and computes each
fabric's bisection bandwidth (:mod:`engine.bisection`): in closed form for the
generated structures (``bisection_method`` ``"closed_form"``, exact for
complete fabrics, ``"structured_cut"`` for partly filled scalable units) and
by graph search for edited or explicit ones (``"graph_search"``, an upper
bound found by search). Both split the GPUs with each server or rack-scale
system whole, all of its rails on one side. The top-level figures are those of
the largest scale-out fabric; every fabric is listed under ``fabrics``.

The topology (switches, links, bisection) depends on what is installed, not
where, so it is kept between analyses keyed by a digest of the layout's
structure; a :class:`engine.cabling.CableRouter` keeps the routed lengths so a
moved rack re-routes only its own links. Results equal a fresh analysis.

Scale-up (NVLink) domains are counted apart from the scale-out fabric: 8
GPUs for HGX/DGX, 72 for NVL72 rack-scale systems. The catalog gives NVLink
bandwidth per GPU as NVIDIA quotes it, both directions together (900 GB/s for
H100 = 18 links x 25 GB/s each way [S25]); the per-direction figure is half.

Examples
--------
>>> r = NetworkResult()
>>> r.network_dict()["bisection_tbps"] is None  # no GPU fabric: no bisection over GPUs
True
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.arrayops import unique_sorted
from engine.bisection import closed_form_bisection, graph_bisection
from engine.cabling import HISTOGRAM_EDGES_M, CableRouter, CablingResult, _geometry_key
from engine.catalog import Catalog
from engine.compile import ROLE_CODES, LayoutArrays, airflow_from_heat_cfm
from engine.fabric import (
    LINK_TIERS,
    TIER_NAMES,
    FabricBuild,
    Topology,
    build_topology,
    ports_at_speed,
    topology_key,
)
from engine.memo import LastValue
from engine.model import Layout
from engine.rules import Violation, rule

__all__ = ["NetworkResult", "NetworkCache", "analyze_network", "switch_hardware_ports",
           "GRAPH_CHECK_MAX_VERTICES"]

GRAPH_CHECK_MAX_VERTICES = 20_000
"""Partly filled generated fabrics up to this size also get the graph search."""


@dataclass
class NetworkResult:
    """Network and cabling figures of one analysis."""

    switches_by_tier: dict[str, int] = field(default_factory=dict)
    links_by_tier: dict[str, int] = field(default_factory=dict)
    links_by_medium: dict[str, int] = field(default_factory=dict)
    transceivers: int = 0
    #: cables to buy (a two-link copper cable once; ``links`` counts each of its links)
    cables_bought: int = 0
    #: cables to buy per length bin of :data:`engine.cabling.HISTOGRAM_EDGES_M`
    histogram_cables: list[int] = field(default_factory=list)
    total_length_m: float = 0.0
    max_length_m: float = 0.0
    optics_w: float = 0.0
    bisection_tbps: float = 0.0
    bisection_method: str = "none"
    per_gpu_bisection_gbps: float = 0.0
    oversubscription: dict[str, float] = field(default_factory=dict)
    scaleup_domain_gpus: int = 0
    scaleup_gbps_per_gpu: float = 0.0
    scaleout_gpus: int = 0
    # added by the fabric, cabling and bisection analysis
    bisection_exact: bool = False
    bisection_fabric: str | None = None
    #: scale-out fabrics that no link joins, as (id, GPUs), when there are several
    islands: list[tuple[str, int]] = field(default_factory=list)
    worst_failure: dict[str, Any] | None = None
    ports_by_tier: dict[str, dict[str, int]] = field(default_factory=dict)
    fabrics: list[dict[str, Any]] = field(default_factory=list)
    histogram_counts: list[int] = field(default_factory=list)
    cost_usd: float = 0.0
    cost_unknown_cables: int = 0
    power_unknown_ends: int = 0
    #: cable ends of unknown power by medium id
    power_unknown_by_medium: dict[str, int] = field(default_factory=dict)
    cabling_notes: list[str] = field(default_factory=list)
    scaleup_domains: int = 0
    scaleup_domain_bisection_tbps: float = 0.0
    #: the catalog gives a scale-up bandwidth for the GPUs in domains (AMD's Infinity
    #: Fabric meshes have none: ``scaleup_gbps_per_gpu`` then counts 0, not a figure)
    scaleup_bandwidth_known: bool = False
    unconnected_gpus: int = 0
    #: racks (indexes) holding GPUs that are in no scale-out fabric
    unconnected_racks: np.ndarray | None = None
    rack_switch_w: np.ndarray | None = None
    rack_switch_kg: np.ndarray | None = None
    rack_switch_cfm: np.ndarray | None = None
    #: power (W) of the generated switches that found no free U: a hall load in no rack
    #: until they have room (FABRIC-NO-ROOM), not a stand-in rack's megawatt
    roomless_switch_w: float = 0.0
    #: optics power per rack (W): the transceivers at the link ends in each rack
    rack_optics: np.ndarray | None = None
    #: link ends per rack whose module has no power figure (0 W in ``rack_optics``)
    rack_optics_unknown: np.ndarray | None = None
    problems: list[tuple[str, str, str, tuple[str, ...]]] = field(default_factory=list)
    topology: Topology | None = None
    cabling: CablingResult | None = None
    rack_ids: list[str] = field(default_factory=list)

    def switch_counts(self) -> dict[str, int]:
        """Return switch counts by tier (with ``total``)."""
        out = {"leaf": 0, "spine": 0, "core": 0, **self.switches_by_tier}
        out["total"] = sum(v for k, v in out.items() if k != "total")
        return out

    def generated_rack_power_w(self, n_racks: int) -> np.ndarray:
        """Return per-rack power of the switches the analysis placed (not installed ones)."""
        return _per_rack(self.rack_switch_w, n_racks)

    def rack_optics_w(self, n_racks: int) -> np.ndarray:
        """Return per-rack power of the optics at the link ends in each rack (W); they add
        up to ``optics_w``."""
        return _per_rack(self.rack_optics, n_racks)

    def generated_rack_weight_kg(self, n_racks: int) -> np.ndarray:
        """Return per-rack weight of the switches the analysis placed."""
        return _per_rack(self.rack_switch_kg, n_racks)

    def generated_rack_airflow_cfm(self, n_racks: int) -> np.ndarray:
        """Return per-rack airflow of the switches the analysis placed (published, or
        derived from their power at the layout's air temperature rise)."""
        return _per_rack(self.rack_switch_cfm, n_racks)

    @property
    def length_histogram(self) -> dict[str, list[float]]:
        """Return the cable length histogram as ``{"edges_m", "counts"}`` (finite edges),
        counting cables to buy (a two-link copper cable once).

        The open last bin is closed at the longest cable so it can be drawn.
        """
        if not self.histogram_counts or not sum(self.histogram_counts):
            return {"edges_m": [], "counts": []}
        edges = [float(e) for e in HISTOGRAM_EDGES_M]
        if not np.isfinite(edges[-1]):
            edges[-1] = max(self.max_length_m, edges[-2] * 1.5)
        counts = self.histogram_cables or self.histogram_counts
        return {"edges_m": edges, "counts": [int(c) for c in counts]}

    def placements(self) -> list[dict[str, Any]]:
        """Return every fabric switch: fabric, tier, model, rack, U and whether generated."""
        t = self.topology
        if t is None:
            return []
        fab = [f.id for f in t.fabrics]
        return [{"fabric": fab[f], "tier": TIER_NAMES[k], "model": t.models[m],
                 "rack": self.rack_ids[r] if r >= 0 else None, "u": int(u),
                 "height_u": int(h), "generated": bool(d < 0)}
                for f, k, m, r, u, h, d in zip(t.sw_fabric.tolist(), t.sw_tier.tolist(),
                                               t.sw_model.tolist(), t.sw_rack.tolist(),
                                               t.sw_u.tolist(), t.sw_height_u.tolist(),
                                               t.sw_dev.tolist(), strict=True)]

    def cabling_dict(self) -> dict[str, Any]:
        """Return the ``cabling`` part of the analysis JSON."""
        return {"links": int(sum(v for k, v in self.links_by_tier.items())),
                "by_tier": dict(self.links_by_tier), "by_medium": dict(self.links_by_medium),
                "cables": int(self.cables_bought),
                "transceivers": int(self.transceivers),
                "total_length_m": round(self.total_length_m, 2),
                "max_length_m": round(self.max_length_m, 2) if sum(self.links_by_tier.values())
                else None,
                "optics_w": round(self.optics_w, 1),
                "optics_power_unknown_ends": int(self.power_unknown_ends),
                # nothing priced is no cost; partly priced, a lower bound
                "cost_usd": None if self.cost_unknown_cables and not self.cost_usd
                else round(self.cost_usd, 0),
                "cost_is_lower_bound": bool(self.cost_unknown_cables and self.cost_usd),
                "cost_unknown_cables": int(self.cost_unknown_cables),
                "histogram": {"edges_m": [e if np.isfinite(e) else None
                                          for e in HISTOGRAM_EDGES_M],
                              # cables to buy per bin (a two-link copper cable once, in
                              # the bin of its first link); links: every link
                              "cables": list(self.histogram_cables or self.histogram_counts),
                              "links": list(self.histogram_counts)},
                "notes": list(self.cabling_notes)}

    def network_dict(self) -> dict[str, Any]:
        """Return the ``network`` part of the analysis JSON.

        Figures that do not apply are ``None`` (JSON null), not 0: the bisection of
        a hall with no GPU scale-out fabric (``bisection_method`` ``"none"``; each
        fabric's own is under ``fabrics``), the scale-up bandwidth of GPUs the
        catalog gives none for, and the scale-up domain size and bandwidth of a hall
        without scale-up domains (no GPUs).
        """
        gpu_fabric = self.bisection_method != "none"
        scaleup = self.scaleup_domain_gpus > 0 and self.scaleup_bandwidth_known

        def known(value: float, digits: int, is_known: bool) -> float | None:
            return round(value, digits) if is_known else None

        return {"bisection_tbps": known(self.bisection_tbps, 4, gpu_fabric),
                "bisection_method": self.bisection_method,
                "bisection_exact": bool(self.bisection_exact),
                "bisection_fabric": self.bisection_fabric,
                "islands": [{"fabric": fid, "gpus": g} for fid, g in self.islands],
                "per_gpu_bisection_gbps": known(self.per_gpu_bisection_gbps, 3, gpu_fabric),
                "oversubscription": dict(self.oversubscription),
                "worst_failure": dict(self.worst_failure) if self.worst_failure else None,
                "switches": {k: dict(v) for k, v in self.ports_by_tier.items()},
                "scaleout_gpus": int(self.scaleout_gpus),
                "unconnected_gpus": int(self.unconnected_gpus),
                # a hall without GPUs has no scale-up domain: null, not a size of 0
                "scaleup_domain_gpus": int(self.scaleup_domain_gpus) or None,
                "scaleup_domains": int(self.scaleup_domains),
                # both directions added, as NVIDIA quotes NVLink (900 GB/s for H100); the
                # contract's bandwidths are one way unless the key says otherwise
                "scaleup_gbps_per_gpu_both_directions": known(self.scaleup_gbps_per_gpu, 1,
                                                              scaleup),
                "scaleup_gbps_per_gpu_per_direction": known(self.scaleup_gbps_per_gpu / 2.0, 1,
                                                            scaleup),
                "scaleup_domain_bisection_tbps": known(self.scaleup_domain_bisection_tbps, 3,
                                                       scaleup),
                "fabrics": [dict(f) for f in self.fabrics],
                "placements": self.placements()}


class NetworkCache:
    """Topologies and cable routers of recent layouts, least recently used dropped first."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._topo: OrderedDict[str, Topology] = OrderedDict()
        self._router: OrderedDict[str, CableRouter] = OrderedDict()

    def _get(self, store: OrderedDict, key: str):
        v = store.get(key)
        if v is not None:
            store.move_to_end(key)
        return v

    def _put(self, store: OrderedDict, key: str, value) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > self.size:
            store.popitem(last=False)

    def topology(self, layout: Layout, catalog: Catalog, arr: LayoutArrays) -> Topology:
        """Return the layout's topology, built once per structure."""
        key = f"{topology_key(layout, arr)}:{id(catalog)}"
        topo = self._get(self._topo, key)
        if topo is None:
            topo = build_topology(layout, catalog, arr, key=key)
            self._put(self._topo, key, topo)
        return topo

    def router(self, topo: Topology, layout: Layout, catalog: Catalog) -> CableRouter:
        """Return the cable router of a topology and the layout's trays and assumptions."""
        key = f"{topo.key}:{_geometry_key(layout, catalog)}"
        r = self._get(self._router, key)
        if r is None:
            r = CableRouter(topo, layout, catalog)
            self._put(self._router, key, r)
        return r

    def clear(self) -> None:
        """Forget everything."""
        self._topo.clear()
        self._router.clear()


_CACHE = NetworkCache()


# -- bisection per fabric -----------------------------------------------------------------


def island_bisection_gbps(gpus: np.ndarray, host_gbps: np.ndarray,
                          own_gbps: np.ndarray) -> float:
    """Return a cut of the GPUs of separate fabrics ("islands") into two equal halves.

    Whole islands go to one side as near half as they come; the rest of that half is
    cut out of one other island, through the links of the GPUs it moves (``host_gbps``
    per GPU), or by that island's own bisection (``own_gbps``) when it moves half of
    it. Every value is a real cut; when whole islands make the halves, it is 0.

    Examples
    --------
    Three islands of 256 GPUs at 400 Gb/s: one and a half islands a side.

    >>> island_bisection_gbps(np.array([256, 256, 256]), np.full(3, 400.0),
    ...                       np.full(3, 51200.0))
    51200.0
    >>> island_bisection_gbps(np.array([256, 256]), np.full(2, 400.0), np.full(2, 51200.0))
    0.0
    """
    n = np.asarray(gpus, np.int64)
    half = int(n.sum()) // 2
    k = len(n)
    best = np.inf
    if k <= 16:
        masks = np.arange(1 << k, dtype=np.int64)
        inside = ((masks[:, None] >> np.arange(k)) & 1).astype(bool)
    else:  # many islands: the greedy fills, largest first, from each start
        order = np.argsort(-n, kind="stable")
        inside = np.zeros((k, k), bool)
        for start in range(k):
            total = 0
            for j in np.roll(order, -start).tolist():
                if total + n[j] <= half:
                    inside[start, j] = True
                    total += n[j]
    sums = inside.astype(np.int64) @ n
    for row, s in zip(inside, sums.tolist(), strict=True):
        if s > half:
            continue
        r = half - s
        if r == 0:
            return 0.0
        for j in np.flatnonzero(~row & (n >= r)).tolist():
            cost = r * float(host_gbps[j])
            if 2 * r == n[j]:
                cost = min(cost, float(own_gbps[j]))
            best = min(best, cost)
    return float(best) if np.isfinite(best) else 0.0


def _per_half(fb: FabricBuild, gbps: float) -> dict[str, float | None]:
    """Bisection per endpoint and per GPU of a fabric (``None`` per GPU where it has none).

    Bisection splits the endpoints in two halves, so each endpoint of a half gets
    ``gbps / (n / 2)``. Per GPU is given for a scale-out fabric of GPUs; a front-end,
    storage or CPU fabric has bandwidth per node (endpoint) only.
    """
    per_gpu = None
    if fb.purpose == "scale_out" and fb.n_gpus > 0:
        per_gpu = round(gbps / (fb.n_gpus / 2.0), 3)
    return {"per_gpu_bisection_gbps": per_gpu,
            "per_endpoint_bisection_gbps": round(gbps / max(fb.n_endpoints / 2.0, 0.5), 3)}


def _fabric_edges(topo: Topology, fb: FabricBuild, drop_switches: np.ndarray | None = None):
    on = (topo.lk_fabric == fb.index) & (topo.lk_a_vtx >= 0) & (topo.lk_b_vtx >= 0)
    u, v = topo.lk_a_vtx[on], topo.lk_b_vtx[on]
    cap = topo.lk_count[on] * topo.lk_gbps[on]
    if drop_switches is not None and len(drop_switches):
        dv = fb.n_endpoints + (drop_switches - fb.sw_start)
        cap = np.where(np.isin(u, dv) | np.isin(v, dv), 0.0, cap)
    return u, v, cap.astype(np.float64)


def _endpoint_nodes(fb: FabricBuild) -> np.ndarray:
    """Return the node (member, in fabric order) of each endpoint of a fabric: a scale-out
    fabric's GPUs are grouped by their server or rack-scale system, which a balanced cut
    keeps whole; a front-end, storage or management fabric's endpoints are its nodes."""
    first = np.asarray(fb.ep_first, np.int64)
    return np.searchsorted(first, np.arange(fb.n_endpoints), side="right") - 1 if len(first) \
        else np.arange(fb.n_endpoints)


def _position_endpoints(topo: Topology, fb: FabricBuild) -> np.ndarray | None:
    """Return the endpoints of each node position of a generated fabric's wiring (0 for an
    empty position), then one entry per member node without ports; ``None`` where the
    fabric's node links do not follow its wiring port for port."""
    w = fb.wiring
    on = np.flatnonzero((topo.lk_fabric == fb.index)
                        & (topo.lk_tier == LINK_TIERS.index("node_leaf")))
    if w is None or len(on) != len(w.port_node):
        return None
    node = _endpoint_nodes(fb)
    ends = np.bincount(node, minlength=len(fb.ep_first)) if len(node) else np.zeros(0, np.int64)
    # the links were made port by port: a port's link starts at the GPU that owns it
    ep = topo.lk_a_vtx[on]
    if len(ep) and (ep.min() < 0 or ep.max() >= fb.n_endpoints):
        return None
    n_pos = int(w.port_node.max()) + 1 if len(w.port_node) else 0
    member = np.full(n_pos, -1, np.int64)
    member[w.port_node] = node[ep]
    out = np.where(member >= 0, ends[np.maximum(member, 0)], 0) if len(ends) else member * 0
    # members without ports (their GPUs reach no leaf) still count in the halves
    portless = np.setdiff1d(np.arange(len(ends)), member[member >= 0])
    return np.concatenate([out, ends[portless]]).astype(np.int64)


def _per_rack(values: np.ndarray | None, n_racks: int) -> np.ndarray:
    return values if values is not None and len(values) == n_racks else np.zeros(n_racks)


def _model_weight_airflow(topo: Topology, catalog: Catalog):
    """Return (weight kg, published airflow CFM or NaN) per switch model of ``topo``."""
    kg, cfm = [], []
    for m in topo.models:
        dev = catalog.devices.get(m)
        kg.append(dev.weight_kg.v(0.0) if dev is not None else 0.0)
        cfm.append(dev.airflow_cfm.v(np.nan) if dev is not None else np.nan)
    return np.array(kg, np.float64), np.array(cfm, np.float64)


def _switch_label(topo: Topology, rack_ids: list[str], s: int) -> str:
    r = int(topo.sw_rack[s])
    where = f"{rack_ids[r]} U{int(topo.sw_u[s])}" if r >= 0 else "unplaced"
    return f"{TIER_NAMES[int(topo.sw_tier[s])]} {topo.models[int(topo.sw_model[s])]} at {where}"


def _is_complete(fb: FabricBuild) -> bool:
    """True when every leaf (and every pod) serves the same number of endpoints."""
    p, w = fb.plan, fb.wiring
    if p is None or w is None:
        return False
    h = fb.leaf_ports
    if len(h) and h.min() != h.max():
        return False
    if p.tiers >= 3:
        hp = np.bincount(w.pod_of_leaf, weights=h, minlength=p.pods)
        if hp.min() != hp.max():
            return False
        # every core reaches every pod (more pods than a core has ports: it cannot, and
        # the cuts between pods are cheaper than the tiers' closed form)
        if len(w.sc_core):
            pairs = unique_sorted(w.sc_core * p.pods + w.pod_of_spine[w.sc_spine])
            cores = int(w.sc_core.max()) + 1
            return len(pairs) == cores * p.pods
    return True


def _bisection(topo: Topology, fb: FabricBuild, rack_ids: list[str]) -> dict[str, Any]:
    """Return bisection (Gb/s), method, exactness and the worst spine failure of a fabric."""
    cached = topo.cache.get(("bisection", fb.index))
    if cached is not None:
        return cached
    spines = np.flatnonzero(topo.sw_tier[fb.sw_start:fb.sw_stop] == 1) + fb.sw_start
    out: dict[str, Any] = {"gbps": 0.0, "method": "none", "exact": False, "worst": None}
    # both methods split the GPUs with each node whole (one node shared only where whole
    # nodes cannot make equal halves), so their figures agree
    nodes = _endpoint_nodes(fb)
    if fb.plan is not None and not fb.is_edited and fb.wiring is not None:
        ends = _position_endpoints(topo, fb)
        value = closed_form_bisection(fb.plan, fb.wiring, fb.link_gbps, node_endpoints=ends)
        exact = _is_complete(fb)
        method = "closed_form" if exact else "structured_cut"
        if not exact and fb.n_vertices <= GRAPH_CHECK_MAX_VERTICES:
            g = graph_bisection(fb.n_vertices, *_fabric_edges(topo, fb), fb.n_endpoints,
                                nodes=nodes)
            value = min(value, g.value)
        worst = None
        if len(spines):
            w = fb.wiring
            cap = np.bincount(w.ls_spine, weights=w.ls_count, minlength=fb.plan.spines)
            cand = {int(np.argmax(cap)), 0, fb.plan.spines - 1}
            vals = [(closed_form_bisection(fb.plan, w, fb.link_gbps, failed_spine=s,
                                           node_endpoints=ends),
                     fb.plan.leaves + s) for s in sorted(cand)]
            worst = min(vals)
        out.update(gbps=value, method=method, exact=exact)
    elif fb.n_endpoints >= 2:
        u, v, cap = _fabric_edges(topo, fb)
        big = fb.n_vertices > 50_000
        g = graph_bisection(fb.n_vertices, u, v, cap, fb.n_endpoints,
                            starts=2 if big else 3, rounds=4 if big else 8, nodes=nodes)
        worst = None
        if len(spines) and len(u):
            inc = np.bincount(np.concatenate([u, v]), weights=np.concatenate([cap, cap]),
                              minlength=fb.n_vertices)[fb.n_endpoints + spines - fb.sw_start]
            cand = spines[np.argsort(-inc, kind="stable")[:3]]
            # refine the best split on the graph without each candidate spine
            vals = [(graph_bisection(fb.n_vertices, *_fabric_edges(topo, fb, np.array([s])),
                                     fb.n_endpoints, start=g.side, rounds=4,
                                     nodes=nodes).value,
                     int(s - fb.sw_start)) for s in cand]
            worst = min(vals)
        out.update(gbps=g.value, method="graph_search", exact=False)
    else:
        worst = None
    if worst is not None:
        gbps, local = worst
        s = fb.sw_start + int(local)
        out["worst"] = {"tier": "spine", "switch": _switch_label(topo, rack_ids, s),
                        "bisection_tbps": round(gbps / 1000.0, 4),
                        **_per_half(fb, gbps),
                        "loss_fraction": round(1.0 - gbps / out["gbps"], 4)
                        if out["gbps"] > 0 else 0.0}
    topo.cache[("bisection", fb.index)] = out
    return out


# -- the analysis ---------------------------------------------------------------------------


def switch_hardware_ports(topo: Topology, layout: Layout, catalog: Catalog) -> np.ndarray:
    """Return each fabric switch's ports at its fabric's link speed, as the hardware has them.

    A tier may be planned on fewer ports than its switch has (a ``radix`` of 36 on a
    64-port switch leaves 28 free), or on more (a stand-in for a modular switch): the
    topology's ``sw_radix`` is the plan's, this is the box's. The tier's port speed
    is used where it sets one (see :func:`engine.fabric.ports_at_speed`); a model the
    catalog does not know keeps the plan's radix. Kept with the topology.

    Returns
    -------
    (S,) int

    Examples
    --------
    A 4-rack DGX H100 hall's QM9700 switches have 64 NDR ports each [S11]:

    >>> from engine.templates import instantiate
    >>> from engine.catalog import default_catalog
    >>> from engine.compile import compile_layout
    >>> lay = instantiate("dgx-h100-hall", {"racks": 4})
    >>> cat = default_catalog()
    >>> topo = analyze_network(lay, cat, compile_layout(lay, cat)).topology
    >>> sorted(set(switch_hardware_ports(topo, lay, cat).tolist()))
    [64]
    """
    found = topo.cache.get("hardware_ports")
    if found is not None:
        return found
    hw = np.asarray(topo.sw_radix, np.int64).copy()
    fab = np.asarray(topo.sw_fabric, np.int64)
    tier = np.asarray(topo.sw_tier, np.int64)
    model = np.asarray(topo.sw_model, np.int64)
    link = {fb.index: fb.link_gbps for fb in topo.fabrics}
    for fi, f in enumerate(layout.fabrics):
        speeds = {t.name: t.port_speed_gbps for t in f.tiers}
        for k, name in enumerate(TIER_NAMES):
            for m in unique_sorted(model[(fab == fi) & (tier == k)]).tolist():
                dev = catalog.devices.get(topo.models[m])
                if dev is None or not dev.switch_ports:
                    continue
                sel = (fab == fi) & (tier == k) & (model == m)
                hw[sel] = ports_at_speed(dev, speeds.get(name),
                                         link.get(fi, f.nic_speed_gbps))
    topo.cache["hardware_ports"] = hw
    return hw


def _ports_by_tier(topo: Topology, layout: Layout, catalog: Catalog) -> dict[str, dict[str, int]]:
    """Per tier: switches, their ports (hardware, at the link speed), the ports the fabric's
    links use and those left free, the ports the fabric plan counts on (``fabric_ports``:
    its radix per switch) and the switches that use more ports than one box has
    (``stand_in_switches``: a modular switch's stand-in, warning FABRIC-RADIX)."""
    if "ports_by_tier" in topo.cache:
        return {k: dict(v) for k, v in topo.cache["ports_by_tier"].items()}
    n = topo.n_switches
    used = np.zeros(n)
    for ends in (topo.lk_a_ref, topo.lk_b_ref):
        sw = ends < 0
        used += np.bincount(-ends[sw] - 1, weights=topo.lk_count[sw], minlength=n)
    topo.cache["ports_used"] = used
    hw = switch_hardware_ports(topo, layout, catalog)
    # planned with more ports than one box has: a modular switch's stand-in (drawn links
    # that push a switch past its ports are FABRIC-NO-PORT, not a stand-in)
    stand = topo.cache["stand_in"] = np.asarray(topo.sw_radix) > hw
    out = {}
    for k, name in enumerate(TIER_NAMES):
        on = topo.sw_tier == k
        if not on.any():
            continue
        ports = int(hw[on].sum())
        u = int(used[on].sum())
        out[name] = {"count": int(on.sum()), "ports": ports, "ports_used": u,
                     "ports_free": int(np.maximum(hw[on] - used[on], 0).sum()),
                     "fabric_ports": int(topo.sw_radix[on].sum()),
                     "stand_in_switches": int(np.count_nonzero(stand[on]))}
    topo.cache["ports_by_tier"] = out
    return {k: dict(v) for k, v in out.items()}


_SCALEUP_KNOWN: LastValue[np.ndarray] = LastValue()


def _has_scaleup_figure(spec: Any) -> bool:
    return spec is not None and spec.scaleup_gbps_per_gpu.value is not None


def _scaleup(arr: LayoutArrays, res: NetworkResult, catalog: Catalog) -> None:
    tt = arr.types
    g = tt.gpus[arr.dev_type]
    rows = g > 0
    if not rows.any():
        return
    dom = tt.scaleup_gpus[arr.dev_type][rows]
    bw = tt.scaleup_gbps_per_gpu[arr.dev_type][rows]
    # a type the catalog gives no scale-up bandwidth counts 0 Gb/s in ``bw``: not a figure
    known = _SCALEUP_KNOWN.get((tt, catalog), lambda: np.array(
        [_has_scaleup_figure(catalog.devices.get(t)) for t in tt.ids], bool))
    res.scaleup_bandwidth_known = bool((known[arr.dev_type][rows] & (dom > 0)).any())
    res.scaleup_domain_gpus = int(dom.max())
    res.scaleup_gbps_per_gpu = float(bw.max())
    res.scaleup_domains = int(np.sum(-(-g[rows] // np.maximum(dom, 1))))
    # NVSwitch domains are non-blocking: half the GPUs send to the other half
    res.scaleup_domain_bisection_tbps = float(dom.max()) / 2.0 * float(bw.max()) / 2.0 / 1000.0


def _share_nodes(fabrics: list, n_dev: int) -> list[list]:
    """Group fabrics (``(FabricBuild, ...)`` tuples) that share member nodes, in order."""
    owner = np.full(n_dev, -1, np.int64)
    group = list(range(len(fabrics)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, (fb, *_rest) in enumerate(fabrics):
        # the earlier fabrics owning any of these nodes (owners are -1 or below i)
        for j in (np.flatnonzero(np.bincount(owner[fb.node_dev] + 1, minlength=1)) - 1).tolist():
            if j >= 0:
                group[root(j)] = root(i)
        owner[fb.node_dev] = i
    out: dict[int, list] = {}
    for i, f in enumerate(fabrics):
        out.setdefault(root(i), []).append(f)
    return list(out.values())


def _hall_part(fabrics: list[tuple[FabricBuild, dict, dict]], problems: list) -> dict[str, Any]:
    """The bisection of scale-out fabrics over shared nodes, taken as one part of the hall.

    Fabrics over exactly the same nodes are parallel planes (each GPU has a NIC in
    each): a balanced cut of the nodes cuts every plane, so the planes' bisections
    add up (exactly when the planes are built alike, and a lower bound otherwise).
    Fabrics that share only some nodes have no such structure; the largest one's
    figures stand for them, and a warning says so.
    """
    fb, b, entry = max(fabrics, key=lambda f: f[0].n_gpus)
    host = entry["cables"].get("node_leaf", 0) * fb.link_gbps / max(fb.n_gpus, 1)
    part = {"id": fb.id, "gpus": fb.n_gpus, "gbps": b["gbps"], "method": b["method"],
            "exact": b["exact"], "per_gpu": entry["per_gpu_bisection_gbps"] or 0.0,
            "oversubscription": entry["oversubscription"], "worst": b["worst"],
            "host_gbps": host}
    if len(fabrics) == 1:
        return part
    ids = [f[0].id for f in fabrics]
    same = all(np.array_equal(np.sort(f[0].node_dev), np.sort(fb.node_dev)) for f in fabrics)
    if not same:
        problems.append(("FABRIC-OVERLAP", "warning",
                         f"Fabrics {', '.join(ids)} share some member nodes but not all: "
                         f"they are neither separate nor parallel planes, and the hall's "
                         f"bisection figures are those of {fb.id} alone", tuple(ids)))
        return part
    gbps = float(sum(f[1]["gbps"] for f in fabrics))
    alike = len({(tuple(sorted(f[0].plan.switches().items())) if f[0].plan else None,
                  f[0].link_gbps) for f in fabrics}) == 1
    # the worst single spine failure: the one that takes most from its own plane
    worst = None
    losses = [(f[1]["gbps"] - f[1]["worst"]["bisection_tbps"] * 1000.0, f[1]["worst"])
              for f in fabrics if f[1]["worst"] is not None]
    if losses:
        loss, w = max(losses, key=lambda t: t[0])
        left = gbps - loss
        worst = {**w, "bisection_tbps": round(left / 1000.0, 4),
                 "per_gpu_bisection_gbps": round(left / (fb.n_gpus / 2.0), 3),
                 "per_endpoint_bisection_gbps": round(left / (fb.n_gpus / 2.0), 3),
                 "loss_fraction": round(loss / gbps, 4) if gbps > 0 else 0.0}
    part.update(id="+".join(ids), gbps=gbps, method="structured_cut",
                exact=alike and all(f[1]["exact"] for f in fabrics),
                per_gpu=round(gbps / (fb.n_gpus / 2.0), 3),
                oversubscription=entry["oversubscription"] if alike else {}, worst=worst,
                host_gbps=sum(f[2]["cables"].get("node_leaf", 0) * f[0].link_gbps
                              for f in fabrics) / max(fb.n_gpus, 1))
    return part


def _joined(topo: Topology, groups: list[list], n_dev: int) -> bool:
    """Whether a drawn link runs between two groups of scale-out fabrics (from a node or
    switch of one to a node or switch of another): then they are no islands."""
    explicit = np.flatnonzero(topo.lk_tier == LINK_TIERS.index("explicit"))
    if not len(explicit):
        return False
    dev_group = np.full(n_dev, -1, np.int64)
    fabric_group = np.full(len(topo.fabrics) + 1, -1, np.int64)
    for gi, group in enumerate(groups):
        for fb, _b, _e in group:
            dev_group[fb.node_dev] = gi
            fabric_group[fb.index] = gi
    sw_group = fabric_group[np.where(topo.sw_fabric >= 0, topo.sw_fabric, -1)]

    def group_of(ref: np.ndarray) -> np.ndarray:
        return np.where(ref >= 0, dev_group[np.maximum(ref, 0)] if n_dev else -1,
                        sw_group[np.maximum(-ref - 1, 0)] if len(sw_group) else -1)

    ga, gb = group_of(topo.lk_a_ref[explicit]), group_of(topo.lk_b_ref[explicit])
    return bool(np.any((ga >= 0) & (gb >= 0) & (ga != gb)))


def analyze_network(layout: Layout, catalog: Catalog, arr: LayoutArrays,
                    cache: NetworkCache | None = None) -> NetworkResult:
    """Build the fabrics, route their cables and compute bisection bandwidth.

    Parameters
    ----------
    cache : NetworkCache, optional
        Where topologies and routers are kept between calls (a module-wide
        cache by default). Results do not depend on what it holds.

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> from engine.catalog import default_catalog
    >>> from engine.compile import compile_layout
    >>> lay = instantiate("dgx-h100-hall", {"racks": 8})
    >>> cat = default_catalog()
    >>> r = analyze_network(lay, cat, compile_layout(lay, cat))
    >>> r.switch_counts()["leaf"], r.switch_counts()["spine"], r.links_by_tier["node_leaf"]
    (8, 4, 256)
    >>> r.bisection_method, r.per_gpu_bisection_gbps
    ('closed_form', 400.0)
    """
    cache = cache or _CACHE
    res = NetworkResult(rack_ids=arr.rack_ids)
    tt = arr.types
    is_switch = tt.role[arr.dev_type] == ROLE_CODES["switch"]
    _scaleup(arr, res, catalog)
    res.scaleout_gpus = int(np.sum(tt.gpus[arr.dev_type]))
    topo = cache.topology(layout, catalog, arr)
    res.topology = topo
    res.problems = list(topo.problems)
    for lk in layout.links:
        if lk.medium and lk.medium not in catalog.media:
            res.problems.append(("LINK-MEDIUM", "error", f"Link {lk.id} names medium "
                                 f"{lk.medium!r}, which the catalog does not have", (lk.id,)))
    # switches by tier: scale-out fabrics by tier name, others prefixed by purpose
    counts: dict[str, int] = {"leaf": 0, "spine": 0, "core": 0}
    for fb in topo.fabrics:
        tiers = np.bincount(topo.sw_tier[fb.sw_start:fb.sw_stop], minlength=3)
        for k, name in enumerate(TIER_NAMES):
            key = name if fb.purpose == "scale_out" else f"{fb.purpose}_{name}"
            if tiers[k] or key in counts:
                counts[key] = counts.get(key, 0) + int(tiers[k])
    counts["unassigned"] = int(topo.unassigned_switches) if len(topo.fabrics) else \
        int(is_switch.sum())
    res.switches_by_tier = counts
    res.ports_by_tier = _ports_by_tier(topo, layout, catalog)
    # the switches' load per rack follows the topology alone: kept with it while racks move
    # they draw the layout's utilization factor of their maximum, as installed devices do
    util = layout.assumptions.utilization_factor
    per_rack_key = ("per_rack", arr.n_racks, layout.assumptions.delta_t_air_k, util,
                    id(catalog))
    per_rack = topo.cache.get(per_rack_key)
    if per_rack is None:
        # a switch with no free U stands in no rack: its power is the hall's, not a rack's
        roomless = topo.sw_roomless if topo.sw_roomless is not None else \
            np.zeros(topo.n_switches, bool)
        placed = (topo.sw_rack >= 0) & ~roomless
        w = np.bincount(topo.sw_rack[placed], weights=topo.sw_power_w[placed] * util,
                        minlength=arr.n_racks)
        # generated switches weigh on the floor and move air too (installed ones are
        # already in the rack's own figures)
        gen = placed & (topo.sw_dev < 0)
        kg, cfm = _model_weight_airflow(topo, catalog)
        rack_kg = np.bincount(topo.sw_rack[gen], weights=kg[topo.sw_model[gen]],
                              minlength=arr.n_racks)
        rack_cfm = np.bincount(topo.sw_rack[gen], weights=np.where(
            np.isnan(cfm[topo.sw_model[gen]]),
            airflow_from_heat_cfm(topo.sw_power_w[gen] * util,
                                  layout.assumptions.delta_t_air_k),
            cfm[topo.sw_model[gen]]), minlength=arr.n_racks)
        loose = float(topo.sw_power_w[roomless].sum()) * util
        per_rack = topo.cache[per_rack_key] = (w, rack_kg, rack_cfm, loose)
    res.rack_switch_w, res.rack_switch_kg, res.rack_switch_cfm, res.roomless_switch_w = per_rack
    # cabling
    if topo.n_links:
        router = cache.router(topo, layout, catalog)
        cab = router.update(arr, layout)
        res.cabling = cab
        res.links_by_tier = cab.links_by_tier
        res.links_by_medium = cab.cables_by_medium
        res.transceivers = cab.transceivers
        res.cables_bought = cab.cables_bought
        res.total_length_m = cab.total_length_m
        res.max_length_m = cab.max_length_m
        res.optics_w = cab.optics_w
        res.rack_optics = router.rack_optics_w(arr.n_racks)
        res.rack_optics_unknown = router.rack_unknown_ends(arr.n_racks)
        res.histogram_counts = cab.histogram_counts
        res.histogram_cables = cab.histogram_cables
        res.cost_usd = cab.cost_usd
        res.cost_unknown_cables = cab.cost_unknown_cables
        res.power_unknown_ends = cab.power_unknown_ends
        res.power_unknown_by_medium = dict(cab.power_unknown_by_medium)
        res.cabling_notes = sorted(cab.notes)
    else:
        res.links_by_tier = {"node_leaf": 0, "leaf_spine": 0, "spine_core": 0, "explicit": 0}
        res.histogram_counts = [0] * (len(HISTOGRAM_EDGES_M) - 1)
    # bisection per fabric; the largest scale-out fabric speaks for the hall, fabrics
    # over the same nodes are planes of one network, and scale-out fabrics that share
    # no node and that no link joins are islands of one hall
    scaleout: list[tuple[FabricBuild, dict, dict]] = []
    in_fabric = np.zeros(len(arr.dev_rack), bool)
    for fb in topo.fabrics:
        b = _bisection(topo, fb, arr.rack_ids)
        entry = {"id": fb.id, "name": fb.name, "purpose": fb.purpose, "topology": fb.topology,
                 "tiers": fb.plan.tiers if fb.plan else 0, "nodes": int(len(fb.node_dev)),
                 "gpus": int(fb.n_gpus), "link_gbps": fb.link_gbps,
                 "scalable_units": fb.plan.scalable_units if fb.plan else 0,
                 "switches": fb.plan.switches() if fb.plan else
                 {n: int(np.sum(topo.sw_tier[fb.sw_start:fb.sw_stop] == k))
                  for k, n in enumerate(TIER_NAMES)},
                 "cables": fb.plan.cables() if fb.plan else {},
                 "oversubscription": fb.plan.oversubscription() if fb.plan else {},
                 "bisection_tbps": round(b["gbps"] / 1000.0, 4),
                 "bisection_method": b["method"], "bisection_exact": b["exact"],
                 **_per_half(fb, b["gbps"]), "worst_failure": b["worst"],
                 # separate rail planes: no switch joins the rails, the nodes do
                 "rail_planes": int(fb.plan.planes) if fb.plan else 1}
        res.fabrics.append(entry)
        if fb.purpose == "scale_out":
            in_fabric[fb.node_dev] = True
            if fb.n_gpus > 0:
                scaleout.append((fb, b, entry))
    shared = _share_nodes(scaleout, len(arr.dev_rack))
    groups = [_hall_part(g, res.problems) for g in shared]
    if groups:
        part = max(groups, key=lambda g: g["gpus"])
        res.bisection_tbps = part["gbps"] / 1000.0
        res.bisection_method = part["method"]
        res.bisection_exact = part["exact"]
        res.bisection_fabric = part["id"]
        res.per_gpu_bisection_gbps = part["per_gpu"]
        res.oversubscription = dict(part["oversubscription"])
        res.worst_failure = part["worst"]
    if len(groups) > 1 and not _joined(topo, shared, len(arr.dev_rack)):
        n = np.array([g["gpus"] for g in groups], np.int64)
        host = np.array([g["host_gbps"] for g in groups])
        own = np.array([g["gbps"] for g in groups])
        key = ("islands", n.tobytes(), host.tobytes(), own.tobytes())
        gbps = topo.cache.get(key)
        if gbps is None:  # the same fabrics while racks move: searched once
            gbps = topo.cache[key] = island_bisection_gbps(n, host, own)
        res.bisection_tbps = gbps / 1000.0
        res.bisection_method = "structured_cut"
        res.bisection_exact = gbps == 0.0  # whole islands split the GPUs evenly
        res.bisection_fabric = ",".join(g["id"] for g in groups)
        res.per_gpu_bisection_gbps = round(gbps / (n.sum() / 2.0), 3)
        res.worst_failure = None
        res.islands = [(g["id"], int(g["gpus"])) for g in groups]
    gpu_dev = tt.gpus[arr.dev_type] > 0
    lone = gpu_dev & ~in_fabric
    res.unconnected_gpus = int(np.sum(tt.gpus[arr.dev_type][lone]))
    res.unconnected_racks = unique_sorted(arr.dev_rack[lone])
    return res


# -- rules ----------------------------------------------------------------------------------


@rule("FABRIC", "network", "A fabric's switches find no room or no free port, its tiers mix "
      "InfiniBand and Ethernet switches, its links outrun the servers' ports, it shares only "
      "some nodes with another fabric, its members have no drawn link (explicit fabrics), "
      "it names racks, switch models or link ends that do not exist, or (info) its nodes "
      "have all their front-end, storage or management ports on one leaf.")
def _check_fabric(ctx) -> list[Violation]:
    net = ctx.network
    if net is None:
        return []
    out = [Violation(code, sev, msg, items) for code, sev, msg, items in net.problems]
    topo = net.topology
    if topo is not None and topo.n_switches and "ports_used" in topo.cache:
        used = topo.cache["ports_used"]
        over = used > topo.sw_radix
        flagged = {it for c, _, _, items in net.problems if c == "FABRIC-NO-PORT" for it in items}
        for fb in topo.fabrics:
            for k, name in enumerate(TIER_NAMES):
                sel = np.flatnonzero(over[fb.sw_start:fb.sw_stop]
                                     & (topo.sw_tier[fb.sw_start:fb.sw_stop] == k)) + fb.sw_start
                if len(sel) and fb.id not in flagged:
                    s = int(sel[np.argmax(used[sel] - topo.sw_radix[sel])])
                    out.append(Violation(
                        "FABRIC-NO-PORT", "error",
                        f"Fabric {fb.id}: {len(sel)} {name} switch(es) need more ports than they "
                        f"have (worst: {_switch_label(topo, net.rack_ids, s)} uses "
                        f"{int(used[s])} of {int(topo.sw_radix[s])})",
                        (fb.id, *sorted({net.rack_ids[r] for r in topo.sw_rack[sel]
                                         if r >= 0})[:8])))
        out += _idle_ports(ctx, topo, used)
    if topo is not None:
        out += _single_homed(topo)
    for f in net.fabrics:
        if f.get("rail_planes", 1) > 1 and f["gpus"]:
            out.append(Violation(
                "FABRIC-RAIL-PLANES", "info",
                f"Fabric {f['id']}: {f['rail_planes']} rail planes with no switch between "
                f"them: a GPU reaches another rail's GPUs through its own node (NVLink), and "
                f"the bisection ({f['bisection_tbps']:,.1f} Tb/s) counts each node's GPUs on "
                "one side of the cut; across rails the scale-out network alone carries "
                "nothing", (f["id"],)))
    if net.islands:
        parts = ", ".join(f"{fid} {g:,}" for fid, g in net.islands)
        out.append(Violation(
            "FABRIC-ISLANDS", "warning",
            f"The GPUs are in {len(net.islands)} scale-out fabrics that no link joins "
            f"({parts} GPUs): across the hall the bisection is {net.bisection_tbps:,.1f} "
            f"Tb/s, {net.per_gpu_bisection_gbps:,.0f} Gb/s per GPU; a GPU reaches only the "
            "GPUs of its own fabric",
            tuple(fid for fid, _ in net.islands)))
    if net.unconnected_gpus:
        # the bisection figures speak for the fabric's GPUs only: say how many are left out
        # (a hall of GPU servers with no fabric at all has none to give)
        racks = net.unconnected_racks if net.unconnected_racks is not None else []
        ids = [net.rack_ids[r] for r in racks[:_MAX_LISTED]]
        if any(f.purpose == "scale_out" for f in ctx.layout.fabrics):
            what = (f"the bisection figures count only the "
                    f"{net.scaleout_gpus - net.unconnected_gpus:,} GPUs in one (add the racks "
                    "to a fabric's members)")
        else:
            what = ("the hall has none, so it has no bisection figures (create a fabric over "
                    "the racks)")
        out.append(Violation(
            "FABRIC-UNCONNECTED", "warning",
            f"{net.unconnected_gpus:,} GPUs in {len(racks):,} rack{'s' * (len(racks) != 1)} "
            f"are in no scale-out "
            f"fabric: {what}", tuple(ids)))
    return out


#: violations a per-device rule lists (a layout of thousands of bad links names the first)
_MAX_LISTED = 200


def _device_port_use(topo: Topology, arr: LayoutArrays, catalog: Catalog) -> dict[str, Any]:
    """Link bandwidth per installed device against its ports' (scale-up ports aside; a
    fast port may break out into slower links), and the explicit links faster than any
    of its ports; kept with the topology (a move keeps it)."""
    found = topo.cache.get("device_ports")
    if found is not None:
        return found
    tt = arr.types
    cap = np.zeros(len(tt.ids))
    fastest = np.zeros(len(tt.ids))
    for k, tid in enumerate(tt.ids):
        spec = catalog.devices.get(tid)
        ports = [p for p in spec.ports if p.purpose != "scale_up"] if spec is not None else []
        cap[k] = sum(p.count * p.speed_gbps for p in ports)
        fastest[k] = max((p.speed_gbps for p in ports), default=0.0)
    n_dev = len(arr.dev_type)

    def link_use(on: np.ndarray) -> np.ndarray:
        used = np.zeros(n_dev)
        for ref in (topo.lk_a_ref, topo.lk_b_ref):
            dev = on & (ref >= 0)
            used += np.bincount(ref[dev], weights=topo.lk_count[dev] * topo.lk_gbps[dev],
                                minlength=n_dev)
        return used

    used = link_use(np.ones(len(topo.lk_count), bool))
    dev_cap = cap[arr.dev_type] if n_dev else cap[:0]
    # a device with no ports in the catalog is not judged: its ports are unknown
    over = np.flatnonzero((used > dev_cap + 1e-6) & (dev_cap > 0))
    # and a fabric's generated links against the ports of its purpose (a scale-out fabric
    # does not run over a system's front-end ports): (device, purpose, ports, links), Gb/s
    by_purpose: list[tuple[int, str, float, float]] = []
    fab_purpose = np.full(max((fb.index for fb in topo.fabrics), default=-1) + 2, "", object)
    for fb in topo.fabrics:
        fab_purpose[fb.index] = fb.purpose  # the last entry stays "": links of no fabric
    purposes = fab_purpose[topo.lk_fabric] if len(topo.lk_fabric) else fab_purpose[:0]
    # a drawn link takes whichever port is free: it counts against the ports in all only
    purposes = np.where(topo.lk_tier == LINK_TIERS.index("explicit"), "", purposes)
    fabric_use: dict[str, np.ndarray] = {}
    for purpose in sorted({fb.purpose for fb in topo.fabrics}):
        p_cap = np.zeros(len(tt.ids))
        for k, tid in enumerate(tt.ids):
            spec = catalog.devices.get(tid)
            if spec is not None:
                p_cap[k] = sum(p.count * p.speed_gbps for p in spec.ports if p.purpose == purpose)
        p_used = fabric_use[purpose] = link_use(purposes == purpose)
        p_dev_cap = p_cap[arr.dev_type] if n_dev else p_cap[:0]
        for d in np.flatnonzero((p_used > p_dev_cap + 1e-6) & (p_dev_cap > 0)).tolist():
            if d not in set(over.tolist()):
                by_purpose.append((d, purpose, float(p_dev_cap[d]), float(p_used[d])))
    explicit = topo.lk_tier == LINK_TIERS.index("explicit")
    # drawn links at a device take the ports its fabrics leave free, of their speed or
    # faster (an 800G link runs on no 400G port): (device, link ids, Gb/s drawn, free)
    crowded: list[tuple[int, list[str], float, float]] = []
    ends = [(int(i), int(ref[i])) for ref in (topo.lk_a_ref, topo.lk_b_ref)
            for i in np.flatnonzero(explicit & (ref >= 0)).tolist()]
    by_dev: dict[int, list[int]] = {}
    for i, d in ends:
        by_dev.setdefault(d, []).append(i)
    over_set = set(over.tolist())
    for d, groups in by_dev.items():
        spec = catalog.devices.get(tt.ids[int(arr.dev_type[d])])
        if spec is None or d in over_set:  # over its ports in all: said once, that way
            continue
        slowest = min(float(topo.lk_gbps[i]) for i in groups)
        free = 0.0
        for purpose in {p.purpose for p in spec.ports if p.purpose != "scale_up"}:
            fast_cap = sum(p.count * p.speed_gbps for p in spec.ports
                           if p.purpose == purpose and p.speed_gbps >= slowest - 1e-9)
            use = fabric_use.get(purpose)
            free += max(fast_cap - (float(use[d]) if use is not None else 0.0), 0.0)
        drawn = float(sum(topo.lk_count[i] * topo.lk_gbps[i] for i in groups))
        if drawn > free + 1e-6 and fastest[int(arr.dev_type[d])] >= slowest:
            crowded.append((d, sorted({str(topo.lk_link_id[i]) for i in groups}), drawn, free))
    fast: list[tuple[int, int]] = []
    for ref in (topo.lk_a_ref, topo.lk_b_ref):
        sel = np.flatnonzero(explicit & (ref >= 0))
        speed = fastest[arr.dev_type[ref[sel]]] if len(sel) else np.zeros(0)
        bad = sel[(topo.lk_gbps[sel] > speed) & (speed > 0)]
        fast += [(int(i), int(ref[i])) for i in bad.tolist()]
    found = topo.cache["device_ports"] = {"used": used, "cap": dev_cap, "over": over,
                                         "fast": fast, "fastest": fastest,
                                         "by_purpose": by_purpose, "crowded": crowded}
    return found


def _single_homed(topo: Topology) -> list[Violation]:
    """Front-end, storage and management fabrics whose nodes have all of their two or more
    ports on one leaf (a Clos fills its leaves port by port): a leaf lost, or taken down
    for an upgrade, cuts those nodes off, and the second port adds bandwidth but no
    redundancy (info; a rail-optimized fabric of as many rails as ports dual-homes them)."""
    out = []
    for fb in topo.fabrics:
        w = fb.wiring
        if fb.purpose == "scale_out" or w is None or not len(w.port_node):
            continue
        first = np.flatnonzero(np.r_[True, w.port_node[1:] != w.port_node[:-1]])
        ports = np.diff(np.r_[first, len(w.port_node)])
        one_leaf = (np.minimum.reduceat(w.port_leaf, first)
                    == np.maximum.reduceat(w.port_leaf, first)) & (ports >= 2)
        n = int(one_leaf.sum())
        if n:
            k = int(np.bincount(ports[one_leaf]).argmax())
            out.append(Violation(
                "FABRIC-SINGLE-HOMED", "info",
                f"Fabric {fb.id}: {n:,} of its {len(first):,} nodes have all their "
                f"{fb.purpose.replace('_', '-')} ports ({k} each) on one leaf switch: losing "
                "that leaf cuts them off; topology rail_optimized with "
                f"{k} rails takes each node's ports to {k} leaves (dual-homed)", (fb.id,)))
    return out


#: a tier whose fullest switch uses at most this share of its ports is worth a second look
IDLE_PORTS_SHARE = 0.25


def _idle_ports(ctx, topo: Topology, used: np.ndarray) -> list[Violation]:
    """Fabrics with a tier of two or more switches whose fullest switch uses at most a
    quarter of its ports (a k=8 fat-tree of 64-port switches uses 8 of each): switches,
    power and rack space the fabric does not need, unless it is built to grow (info)."""
    hw = switch_hardware_ports(topo, ctx.layout, ctx.catalog)
    out = []
    for fb in topo.fabrics:
        tiers = topo.sw_tier[fb.sw_start:fb.sw_stop]
        parts = []
        spec = ctx.layout.fabrics[fb.index] if fb.index < len(ctx.layout.fabrics) else None
        top_of_rack = spec is not None and any(t.name == "leaf" and t.placement == "member_racks"
                                               for t in spec.tiers)
        for k, name in enumerate(TIER_NAMES):
            sel = np.flatnonzero(tiers == k) + fb.sw_start
            if len(sel) < 2 or not (hw[sel] > 0).all():
                continue
            share = used[sel] / hw[sel]
            s = int(sel[np.argmax(share)])
            if share.max() <= IDLE_PORTS_SHARE:
                m = int(topo.sw_model[s])
                model = f" {topo.models[m]}" if 0 <= m < len(topo.models) else ""
                parts.append(f"{len(sel)} {name}{model} switches use at most {int(used[s])} "
                             f"of their {int(hw[s])} ports ({share.max():.0%})")
        if parts:
            advice = ("smaller switches would do (a top-of-rack leaf stands in each rack it "
                      "serves)" if top_of_rack and len(parts) == 1 and " leaf " in parts[0]
                      else "fewer or smaller switches would do")
            out.append(Violation(
                "FABRIC-PORTS-IDLE", "info",
                f"Fabric {fb.id}: {'; '.join(parts)}: {advice}, unless the fabric is built "
                "to grow", (fb.id,)))
        lp = fb.leaf_ports
        empty = int(np.sum(lp == 0)) if fb.plan is not None and len(lp) else 0
        if empty:
            out.append(Violation(
                "FABRIC-PORTS-IDLE", "info",
                f"Fabric {fb.id}: {empty:,} of its {len(lp):,} leaves serve no server (empty "
                "node positions: racks deleted from the fabric, kept so the others keep "
                "their cables, or a scalable unit not yet filled); they take U and power "
                "until servers fill them", (fb.id,)))
    return out


@rule("SWITCH-IDLE", "network", "A switch installed in a rack is in no fabric and ends no "
      "drawn link: it takes U and power but carries no traffic.")
def _check_idle_switches(ctx) -> list[Violation]:
    net = ctx.network
    topo = net.topology if net is not None else None
    if topo is None or topo.idle_switch_rows is None or not len(topo.idle_switch_rows):
        return []
    arr = ctx.arrays
    rows = topo.idle_switch_rows
    # an end of a drawn link is in use
    ends = np.concatenate([topo.lk_a_ref, topo.lk_b_ref])
    rows = rows[~np.isin(rows, ends[ends >= 0])]
    if not len(rows):
        return []
    ids, types = net.rack_ids, arr.types.ids
    labels = [f"{types[int(arr.dev_type[d])]} at {ids[int(arr.dev_rack[d])]} "
              f"U{int(arr.dev_u[d])}" for d in rows[:3].tolist()]
    more = f" and {len(rows) - 3:,} more" if len(rows) > 3 else ""
    # what the power analysis counts for them (a maximum, else the typical figure)
    kw = float(np.nansum(arr.types.power_w[arr.dev_type[rows]])) / 1000
    idle_models = {types[int(t)] for t in np.unique(arr.dev_type[rows]).tolist()}
    tier_models = sorted({t.switch for f in ctx.layout.fabrics for t in f.tiers if t.switch})
    if not ctx.layout.fabrics:
        why = "the hall has no fabric (in the designer, Edit → New fabric builds one)"
    elif tier_models and not idle_models & set(tier_models):
        why = (f"the fabrics' tiers use {', '.join(tier_models)}: a tier takes the installed "
               "switches of its own model in the fabric's network racks")
    else:
        why = ("a tier takes the installed switches of its model in the fabric's network "
               "racks, and only as many as it needs")
    racks = sorted({ids[int(r)] for r in arr.dev_rack[rows[:_MAX_LISTED]].tolist()})
    n = len(rows)
    return [Violation(
        "SWITCH-IDLE", "warning",
        f"{n:,} installed switch{'es' * (n != 1)} carr{'y' if n != 1 else 'ies'} no links "
        f"({', '.join(labels)}{more}; {kw:,.1f} kW counted): {why}", tuple(racks))]


@rule("LINK-PORTS", "network", "A server or system has more link bandwidth than its network "
      "ports, or an explicit link is faster than any port of the device it ends at.")
def _check_device_ports(ctx) -> list[Violation]:
    net = ctx.network
    topo = net.topology if net is not None else None
    if topo is None or not topo.n_links:
        return []
    arr = ctx.arrays
    use = _device_port_use(topo, arr, ctx.catalog)
    ids = net.rack_ids
    out = []
    for d in use["over"][:_MAX_LISTED].tolist():
        what, rack = _end_label(topo, ids, arr, d)
        out.append(Violation("LINK-PORTS", "error",
                             f"{what} has {use['cap'][d] / 1000:,.1f} Tb/s of network ports "
                             f"but links of {use['used'][d] / 1000:,.1f} Tb/s end at it",
                             (rack,)))
    words = {"scale_out": "scale-out", "front_end": "front-end", "storage": "storage",
             "management": "management"}
    for d, purpose, cap, used in use["by_purpose"][:_MAX_LISTED]:
        what, rack = _end_label(topo, ids, arr, d)
        kind = words.get(purpose, purpose)
        out.append(Violation("LINK-PORTS", "error",
                             f"{what} has {cap / 1000:,.1f} Tb/s of {kind} ports but "
                             f"{kind} links of {used / 1000:,.1f} Tb/s end at it", (rack,)))
    for d, links, drawn, free in use["crowded"][:_MAX_LISTED]:
        what, rack = _end_label(topo, ids, arr, d)
        out.append(Violation(
            "LINK-PORTS", "error",
            f"{what} has {free / 1000:,.1f} Tb/s of ports free at {', '.join(links)}'s speed "
            f"or faster (its fabrics use the rest) but drawn links of {drawn / 1000:,.1f} "
            f"Tb/s end at it ({', '.join(links)})", (*links, rack)))
    for i, d in use["fast"][:_MAX_LISTED]:
        what, rack = _end_label(topo, ids, arr, d)
        lid = str(topo.lk_link_id[i])
        out.append(Violation("LINK-PORTS", "error",
                             f"Link {lid} runs at {topo.lk_gbps[i]:g} Gb/s, faster than any port "
                             f"of {what} ({use['fastest'][arr.dev_type[d]]:g} Gb/s)", (lid, rack)))
    return out


@rule("LINK-PORT-NAMED", "network", "A drawn link names a port its device does not have, or "
      "one another link has; the cut-sheet puts it on a free port instead.")
def _check_named_ports(ctx) -> list[Violation]:
    net = ctx.network
    topo = net.topology if net is not None else None
    if topo is None or not getattr(topo, "lk_port_names", None):
        return []
    from types import SimpleNamespace

    from engine.report_tables import link_view  # the cut-sheet's own port numbering

    view = link_view(SimpleNamespace(arrays=ctx.arrays, network=net), ctx.catalog)
    return [Violation("LINK-PORT-NAMED", "warning", why, (lid.split(".")[0], rack))
            for lid, rack, why in view.port_notes[:_MAX_LISTED]]


def _end_label(topo: Topology, rack_ids: list[str], arr: LayoutArrays, ref: int) -> tuple[str, str]:
    if ref < 0:
        s = -ref - 1
        r = int(topo.sw_rack[s])
        return _switch_label(topo, rack_ids, s), rack_ids[r] if r >= 0 else ""
    r = int(arr.dev_rack[ref])
    return (f"{arr.types.ids[int(arr.dev_type[ref])]} at {rack_ids[r]} U{int(arr.dev_u[ref])}",
            rack_ids[r])


# The last topology's too-long violations by link, with the length each message
# states: a move re-routes the moved racks' links only, and on a hall with hundreds
# of thousands of too-long links the labels are most of an incremental analysis.
_TOO_LONG_MEMO: dict = {"key": None, "topo": None, "idx": np.zeros(0, np.int64),
                        "len": np.zeros(0), "viol": []}


@rule("CABLE-TOO-LONG", "cabling", "A link is longer than any allowed medium reaches.")
def _check_too_long(ctx) -> list[Violation]:
    net = ctx.network
    if net is None or net.cabling is None or not len(net.cabling.too_long):
        return []
    topo, cab, arr = net.topology, net.cabling, ctx.arrays
    idx = np.asarray(cab.too_long, np.int64)
    length = cab.length_m[idx]
    memo = _TOO_LONG_MEMO
    if memo["key"] != topo.key or memo["topo"] is not topo:
        memo.update(key=topo.key, topo=topo, idx=np.zeros(0, np.int64), len=np.zeros(0),
                    viol=[])
    pos = np.minimum(np.searchsorted(memo["idx"], idx), max(len(memo["idx"]) - 1, 0))
    same = (memo["idx"][pos] == idx) & (memo["len"][pos] == length) if len(memo["idx"]) \
        else np.zeros(len(idx), bool)
    old = memo["viol"]
    out = [old[p] if hit else _too_long(topo, net.rack_ids, arr, cab, i)
           for i, p, hit in zip(idx.tolist(), pos.tolist(), same.tolist(), strict=True)]
    if len(idx) > 1 and np.any(np.diff(idx) <= 0):  # keep the memo searchable
        order = np.argsort(idx, kind="stable")
        memo.update(idx=idx[order], len=length[order], viol=[out[k] for k in order])
    else:
        memo.update(idx=idx, len=length, viol=out)
    return out


def _too_long(topo: Topology, rack_ids: list[str], arr: LayoutArrays, cab, i: int) -> Violation:
    la, ra = _end_label(topo, rack_ids, arr, int(topo.lk_a_ref[i]))
    lb, rb = _end_label(topo, rack_ids, arr, int(topo.lk_b_ref[i]))
    lid = topo.lk_link_id[i]
    what = f"Link {lid}" if lid else f"{topo.lk_gbps[i]:g}G link"
    n = int(topo.lk_count[i])
    return Violation("CABLE-TOO-LONG", "error",
                     f"{what} from {la} to {lb} is {cab.length_m[i]:.1f} m"
                     + (f" (x{n})" if n > 1 else "")
                     + ": no allowed medium reaches that far",
                     tuple(x for x in (lid, ra, rb) if x))


@rule("CABLE-MEDIA-FALLBACK", "cabling", "Links run on media of another speed because the "
      "catalog has none for theirs (1.6T ports on 2 x 800G media).")
def _check_notes(ctx) -> list[Violation]:
    # cable ends of unknown power are counted in the JSON (optics_power_unknown_ends)
    # and warned about with the hardware of unknown power (FIGURE-UNKNOWN)
    net = ctx.network
    if net is None:
        return []
    return [Violation("CABLE-MEDIA-FALLBACK", "info", n, ()) for n in net.cabling_notes]
