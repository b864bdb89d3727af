"""Benchmarks of the network half of the engine: fabrics, cabling and bisection.

:func:`run` times, for halls of the given GPU counts:

* ``analysis_full``: :func:`engine.analysis.analyze` from scratch (compile,
  fabric generation, switch placement, cable routing and media, bisection,
  power, cooling, floor, rules), with the network cache emptied first. No
  naive baseline; ``target_seconds`` is the issue's budget (0.5 s at 100k GPUs).
* ``analysis_one_rack``: :meth:`engine.analysis.Analyzer.update` after one
  compute rack moved 0.6 m; the baseline is the full analysis of the same
  layout (what a designer without incremental updates would pay).
* ``bisection_graph_vs_networkx``: :func:`engine.bisection.graph_bisection`
  on the graph of a rail-optimized fabric of 1,250 DGX (10,000 GPU endpoints
  plus switches; 256 endpoints when every size is under 10k); the baseline
  is :func:`networkx.minimum_cut` on the same graph for every split the
  graph method evaluated (the same search with networkx
  as the flow engine).

Each row is ``{"name", "size", "seconds", "baseline_seconds", "ratio"}``
(``ratio`` = baseline / seconds, ``None`` without a baseline) plus
``target_seconds`` and ``notes``.

Halls are generated directly (not from a template) so the sizes are exact:
rows of 32 racks of four DGX B300 (8 x 800G ConnectX-8 each), overhead trays
along every row and two joining them, and a rail-optimized XDR fabric of
Quantum-X800 Q3400 switches (144 x 800G, 4U) in network rows in the middle of
the hall; 64-node scalable units as in NVIDIA's DGX B300 SuperPOD RA.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

__all__ = ["make_hall", "run", "graph_vs_networkx"]

_RACK_W_M, _RACK_D_M, _AISLE_M = 0.6, 1.2, 1.2
_RACKS_PER_ROW = 32


def make_hall(gpus: int, server: str = "dgx-b300", switch: str = "q3400-ra",
              nic_gbps: float = 800.0, su_nodes: int = 64):
    """Return a Layout with ``gpus`` GPUs (4 eight-GPU servers per rack) and its fabric."""
    from engine.catalog import default_catalog
    from engine.fabric import plan_fabric
    from engine.model import (
        Assumptions,
        CableTray,
        CoolingUnit,
        Fabric,
        FabricTier,
        Hall,
        Layout,
        MountedDevice,
        PowerFeed,
        Rack,
    )

    cat = default_catalog()
    srv = cat.device(server)
    sw = cat.device(switch)
    servers = -(-gpus // srv.gpus)
    per_rack = 4
    n_compute = -(-servers // per_rack)
    plan = plan_fabric(np.full(servers, srv.gpus), rails=8, su_nodes=su_nodes,
                       radix=(sw.switch_ports,) * 3)
    n_sw = plan.leaves + plan.spines + plan.cores
    per_net = max(1, 44 // (sw.u_height or 1))
    n_net = -(-n_sw // per_net)
    rows_c = -(-n_compute // _RACKS_PER_ROW)
    rows_n = -(-n_net // _RACKS_PER_ROW)
    pitch = _RACK_D_M + _AISLE_M
    racks = []
    trays = []
    feeds = []
    seg = 6  # racks per busway segment: 6 x 58 kW fits a derated 800 A busway
    left = servers
    mid = rows_c // 2
    row_kinds = ["c"] * mid + ["n"] * rows_n + ["c"] * (rows_c - mid)
    ci = ni = 0
    for k, kind in enumerate(row_kinds):
        y = 2.0 + k * pitch
        count = min(_RACKS_PER_ROW, (n_compute - ci) if kind == "c" else (n_net - ni))
        for j in range(count):
            x = 2.0 + (j + 0.5) * _RACK_W_M
            fids = [f"BW-{k:04d}-{j // seg:02d}-{side}" for side in "AB"]
            if j % seg == 0:
                x1 = 2.0 + min(j + seg, count) * _RACK_W_M
                for side, dy in (("A", -0.2), ("B", 0.2)):
                    feeds.append(PowerFeed(id=f"BW-{k:04d}-{j // seg:02d}-{side}", side=side,
                                           amps=800, points=[(x - 0.3, y + dy), (x1, y + dy)]))
            if kind == "c":
                n = min(per_rack, left)
                left -= n
                devs = [MountedDevice(type=server, u=2 + (srv.u_height or 8) * i) for i in range(n)]
                racks.append(Rack(id=f"GPU-{ci:06d}", type="rack-600x1200", x_m=x, y_m=y,
                                  rotation_deg=180 if k % 2 else 0, row=f"R{k:04d}",
                                  devices=devs, feeds=fids))
                ci += 1
            else:
                racks.append(Rack(id=f"NET-{ni:05d}", type="rack-600x1200", x_m=x, y_m=y,
                                  rotation_deg=180 if k % 2 else 0, row=f"R{k:04d}",
                                  feeds=fids))
                ni += 1
        trays.append(CableTray(id=f"TR-{k:04d}", points=[(2.0, y), (2.0 + count * _RACK_W_M, y)]))
    y_end = 2.0 + (len(row_kinds) - 1) * pitch
    trays.append(CableTray(id="TR-W", points=[(2.0, 2.0), (2.0, y_end)]))
    x_e = 2.0 + _RACKS_PER_ROW * _RACK_W_M
    trays.append(CableTray(id="TR-E", points=[(x_e, 2.0), (x_e, y_end)]))
    for k in range(len(row_kinds)):
        y = 2.0 + k * pitch
        trays.append(CableTray(id=f"TR-X{k:04d}", points=[(2.0 + _RACKS_PER_ROW * _RACK_W_M
                                                           - 1e-3, y), (x_e, y)]))
    fab = Fabric(id="compute", members=[r.id for r in racks if r.id.startswith("GPU")],
                 network_racks=[r.id for r in racks if r.id.startswith("NET")],
                 tiers=[FabricTier(name=t, switch=switch) for t in ("leaf", "spine", "core")],
                 nic_speed_gbps=nic_gbps, rails=8, su_nodes=su_nodes)
    # air cooling: 250 kW chilled-water CRAHs along both long walls, N+1
    heat_kw = servers * srv.power_max_w.v() / 1000.0
    n_crah = math.ceil(heat_kw * 1.1 / 250.0) + 1
    per_side = -(-n_crah // 2)
    w = x_e + 4.0
    h = y_end + 2.0
    units = [CoolingUnit(id=f"CRAH-{i + 1}", kind="crah", model="crah-cw-250",
                         x_m=0.6 if i % 2 == 0 else w - 0.6,
                         y_m=1.0 + (h - 2.0) * ((i // 2) + 0.5) / per_side, rotation_deg=90,
                         capacity_kw=250.0, width_m=0.05, depth_m=0.05, group="CRAH")
             for i in range(n_crah)]
    return Layout(name=f"bench {gpus} GPUs", generation=srv.generation,
                  hall=Hall(outline=[(0, 0), (w, 0), (w, h), (0, h)], floor_rating_kg_m2=5000),
                  racks=racks, trays=trays, fabrics=[fab], feeds=feeds, cooling=units,
                  assumptions=Assumptions(air_limit_kw_per_rack=60.0))


def graph_vs_networkx(nodes: int = 1250, with_baseline: bool = True) -> dict[str, Any]:
    """Time the graph bisection on a rail-optimized fabric against networkx's minimum cut."""
    from engine.bisection import graph_bisection
    from engine.fabric import plan_fabric, wire_fabric

    ports = np.full(nodes, 8)
    plan = plan_fabric(ports, rails=8, su_nodes=32, radix=(64, 64, 64))
    w = wire_fabric(plan, ports)
    n_ep = int(ports.sum())
    L, S = plan.leaves, plan.spines
    u = np.concatenate([np.arange(n_ep), n_ep + w.ls_leaf, n_ep + L + w.sc_spine])
    v = np.concatenate([n_ep + w.port_leaf, n_ep + L + w.ls_spine, n_ep + L + S + w.sc_core])
    cap = np.concatenate([np.full(n_ep, 400.0), w.ls_count * 400.0, w.sc_count * 400.0])
    n = n_ep + L + S + plan.cores
    graph_bisection(n, u, v, cap, n_ep)  # warm up imports and caches
    t0 = time.perf_counter()
    res = graph_bisection(n, u, v, cap, n_ep, return_trace=True)
    ours = time.perf_counter() - t0
    out = {"endpoints": n_ep, "vertices": n, "edges": len(u), "value_gbps": res.value,
           "evaluations": res.evaluations, "seconds": ours, "baseline_seconds": None}
    if with_baseline:
        import networkx as nx

        g = nx.Graph()
        for a, b, c in zip(u.tolist(), v.tolist(), cap.tolist(), strict=True):
            if g.has_edge(a, b):
                g[a][b]["capacity"] += c
            else:
                g.add_edge(a, b, capacity=c)
        base = 0.0
        nx_values = []
        for side in res.trace:
            h = g.copy()
            for i in np.flatnonzero(side).tolist():
                h.add_edge("s", i)
            for i in np.flatnonzero(~side).tolist():
                h.add_edge(i, "t")
            t0 = time.perf_counter()
            val, _ = nx.minimum_cut(h, "s", "t")
            base += time.perf_counter() - t0
            nx_values.append(val)
        out["baseline_seconds"] = base
        out["baseline_value_gbps"] = min(nx_values)
    return out


def _time(fn, repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(sizes: list[int] | tuple[int, ...] = (1_000, 10_000, 100_000)) -> list[dict[str, Any]]:
    """Run the benchmarks for halls of ``sizes`` GPUs; return one row per measurement.

    Examples
    --------
    >>> rows = run([256])
    >>> sorted({r["name"] for r in rows})
    ['analysis_full', 'analysis_one_rack', 'bisection_graph_vs_networkx']
    """
    from engine import network
    from engine.analysis import Analyzer, analyze
    from engine.catalog import default_catalog

    cat = default_catalog()
    rows: list[dict[str, Any]] = []
    for size in sizes:
        lay = make_hall(int(size))
        analyze(lay, cat)  # warm up imports

        def full(lay=lay):
            network._CACHE.clear()
            return analyze(lay, cat)

        t_full = _time(full, repeat=2 if size <= 100_000 else 1)
        a = full()
        target = 0.5 if size <= 100_000 else None
        rows.append({"name": "analysis_full", "size": int(size), "seconds": t_full,
                     "baseline_seconds": None, "ratio": None, "target_seconds": target,
                     "notes": f"{a.counts['switches']['total']} switches, "
                              f"{a.network.cabling_dict()['links']} links, bisection "
                              f"{a.network.bisection_method}"})
        an = Analyzer(lay, cat)
        k = 0
        rid = lay.racks[0].id
        times = []
        for step in range(5):
            r0 = lay.racks[0]
            lay.racks[0] = r0.model_copy(update={"x_m": r0.x_m + (0.6 if step % 2 == 0 else -0.6)})
            t0 = time.perf_counter()
            an.update(lay, [rid])
            times.append(time.perf_counter() - t0)
            k += 1
        t_inc = min(times)
        rows.append({"name": "analysis_one_rack", "size": int(size), "seconds": t_inc,
                     "baseline_seconds": t_full, "ratio": t_full / t_inc if t_inc else None,
                     "target_seconds": 0.016,
                     "notes": "Analyzer.update after moving one compute rack; baseline = full "
                              "analysis"})
    g = graph_vs_networkx(1250 if max(sizes) >= 10_000 else 32)
    rows.append({"name": "bisection_graph_vs_networkx", "size": g["endpoints"],
                 "seconds": g["seconds"],
                 "baseline_seconds": g["baseline_seconds"],
                 "ratio": (g["baseline_seconds"] / g["seconds"]) if g["baseline_seconds"] else None,
                 "target_seconds": None,
                 "notes": f"{g['evaluations']} max-flow evaluations; same splits with "
                          f"networkx.minimum_cut; cut {g['value_gbps']:.0f} Gb/s "
                          f"(networkx {g.get('baseline_value_gbps', float('nan')):.0f})"})
    return rows


if __name__ == "__main__":  # pragma: no cover - manual runs
    import sys

    sizes = [int(s) for s in sys.argv[1:]] or [1_000, 10_000, 100_000]
    for row in run(sizes):
        print(row)
