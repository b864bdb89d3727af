"""Time the engine on halls of 1k to 1M GPUs against a naive baseline; print Markdown.

Halls come from the ``dgx-h100-hall`` template (racks of four 8-GPU DGX H100 in
rows of 32, perimeter CRAHs sized N+1, A/B busway per row); its rack limit is
raised for the 1M-GPU hall. Sizes are 1,024 / 10,240 / 102,400 / 1,024,000
GPUs (32 / 320 / 3,200 / 32,000 GPU racks), so every rack is full.

For each hall:

* full: :func:`engine.analysis.analyze` from scratch (compile, power, cooling,
  floor, rules; the network module's cache emptied first), median of several runs;
* one-rack update: :meth:`engine.analysis.Analyzer.update` after one GPU rack
  moved by a 0.6 m tile, median of several moves;
* naive: plain Python over the pydantic objects computing the same per-rack
  power / heat / airflow sums, feed loads (normal and with either side lost),
  nearest CRAH per rack and pairwise footprint overlap. Its answers are checked
  against the engine's. Nearest-CRAH and overlap are O(n*m) and O(n^2): on large
  halls they run on a sample of racks and are scaled up (marked ``*``).

The main table times the engine-core domains on the hall without its compute
fabric (the issue's targets); a second table repeats full and one-rack times
with the template's fabric, so cabling and bisection are included; a third
prints :func:`benchmarks.bench_network.run` when that module is present.

``--quick`` runs the 1k and 10k halls only (smoke use).
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

SIZES = (1_024, 10_240, 102_400, 1_024_000)
QUICK_SIZES = (1_024, 10_240)
GPUS_PER_RACK = 32  # four 8-GPU servers
RACKS_PER_ROW = 32
TARGETS_S = {"full_100k": 0.250, "incremental_100k": 0.016, "full_1m": 3.0}
TARGET_PEAK_GB = 2.0
NAIVE_PAIR_BUDGET = 2_000_000  # Python-loop iterations per sampled O(n*m) step


def _catalog():
    from engine.catalog import load_catalog

    return load_catalog(user_dir=None)


def make_hall(gpus: int, catalog, fabric: bool = False):
    """Return the template hall with ``gpus`` GPUs (``gpus / 32`` full racks)."""
    from benchmarks.halls import dgx_h100_hall

    lay = dgx_h100_hall(gpus // GPUS_PER_RACK, RACKS_PER_ROW, catalog=catalog)
    return lay if fabric else lay.model_copy(update={"fabrics": []})


def _clear_network_cache() -> None:
    try:
        from engine import network
    except ImportError:
        return
    cache = getattr(network, "_CACHE", None)
    if cache is not None and hasattr(cache, "clear"):
        cache.clear()


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def time_full(lay, catalog, repeat: int) -> float:
    """Median seconds of a from-scratch analysis."""
    from engine.analysis import analyze

    def run():
        _clear_network_cache()
        analyze(lay, catalog)

    return _median_time(run, repeat)


def time_incremental(lay, catalog, moves: int) -> float:
    """Median seconds of :meth:`Analyzer.update` after moving one GPU rack by 0.6 m."""
    from engine.analysis import Analyzer

    an = Analyzer(lay, catalog)
    gpu_racks = [i for i, r in enumerate(lay.racks) if r.devices or r.system]
    pick = np.linspace(0, len(gpu_racks) - 1, moves).astype(int)
    times = []
    for step, k in enumerate(pick.tolist()):
        i = gpu_racks[k]
        racks = list(lay.racks)
        r = racks[i]
        racks[i] = r.model_copy(update={"x_m": r.x_m + (0.6 if step % 2 == 0 else -0.6)})
        lay = lay.model_copy(update={"racks": racks})
        gc.collect()
        t0 = time.perf_counter()
        an.update(lay, [r.id])
        times.append(time.perf_counter() - t0)
        if not an.was_incremental:
            raise RuntimeError("the one-rack update fell back to a full analysis")
    return statistics.median(times)


# -- the naive baseline --------------------------------------------------------------------------


@dataclass
class Naive:
    seconds: float
    extrapolated: bool
    rack_kw: list[float]
    feed_load_kw: dict[str, float]
    feed_failover_kw: dict[str, float]
    nearest_sample: list[int]
    overlap_sample: set[tuple[int, int]]
    sample_boxes: int


def naive_baseline(lay, catalog) -> Naive:
    """Compute per-rack sums, feed loads, nearest CRAH and overlaps in plain Python."""
    a = lay.assumptions
    racks = lay.racks
    t_start = time.perf_counter()
    # per-rack power, liquid heat and airflow
    rack_kw, rack_liquid_kw, rack_cfm = [], [], []
    for r in racks:
        watts = liquid = cfm = 0.0
        for type_id in ([r.system] if r.system else [d.type for d in r.devices]):
            dev = catalog.devices[type_id]
            w = (dev.power_max_w.value or dev.power_typical_w.value or 0.0) * a.utilization_factor
            wl = w * (dev.liquid_fraction.value or 0.0)
            watts += w
            liquid += wl
            published = dev.airflow_cfm.value
            cfm += published if published is not None else \
                3.16 * (w - wl) / (a.delta_t_air_k * 1.8)
        rack_kw.append(watts / 1000.0)
        rack_liquid_kw.append(liquid / 1000.0)
        rack_cfm.append(cfm)
    # feed loads, normally and with side A or B lost
    feeds = {f.id: f for f in lay.feeds}
    load = dict.fromkeys(feeds, 0.0)
    lost_load = {side: dict.fromkeys(feeds, 0.0) for side in "AB"}
    for r, kw in zip(racks, rack_kw, strict=True):
        mine = [fid for fid in r.feeds if fid in feeds]
        for fid in mine:
            load[fid] += kw / len(mine)
        for side in "AB":
            left = [fid for fid in mine if feeds[fid].side != side]
            for fid in left:
                lost_load[side][fid] += kw / len(left)
    failover = {fid: max(lost_load["A"][fid], lost_load["B"][fid]) for fid in feeds}
    t_linear = time.perf_counter() - t_start
    # nearest CRAH for a sample of racks, scaled to all racks
    crahs = [u for u in lay.cooling if u.kind == "crah"]
    m = min(len(racks), max(1, NAIVE_PAIR_BUDGET // max(len(crahs), 1)))
    t0 = time.perf_counter()
    nearest = []
    for r in racks[:m]:
        best, best_d2 = -1, math.inf
        for j, u in enumerate(crahs):
            # where the unit draws room air: its return (a gallery's opening), else itself
            ux, uy = u.return_xy_m if u.return_xy_m else (u.x_m, u.y_m)
            d2 = (r.x_m - ux) ** 2 + (r.y_m - uy) ** 2
            if d2 < best_d2:
                best, best_d2 = j, d2
        nearest.append(best)
    t_nearest = (time.perf_counter() - t0) * len(racks) / max(m, 1)
    # pairwise overlap of racks and floor-standing units, on a sample of boxes
    rt = {k: v for k, v in catalog.racks.items()}
    boxes = []
    for r in racks:
        w = (rt[r.type].width_mm.value or 600) / 1000
        d = (rt[r.type].depth_mm.value or 1200) / 1000
        if r.rotation_deg in (90, 270):
            w, d = d, w
        boxes.append((r.x_m - w / 2, r.y_m - d / 2, r.x_m + w / 2, r.y_m + d / 2))
    for u in lay.cooling:
        if u.kind != "rear_door":
            w, d = (u.depth_m, u.width_m) if u.rotation_deg in (90, 270) else (u.width_m, u.depth_m)
            boxes.append((u.x_m - w / 2, u.y_m - d / 2, u.x_m + w / 2, u.y_m + d / 2))
    n = len(boxes)
    m2 = min(n, int(math.sqrt(2 * NAIVE_PAIR_BUDGET)))
    t0 = time.perf_counter()
    pairs = set()
    for i in range(m2):
        a0, a1, a2, a3 = boxes[i]
        for j in range(i + 1, m2):
            b0, b1, b2, b3 = boxes[j]
            if min(a2, b2) - max(a0, b0) > 1e-6 and min(a3, b3) - max(a1, b1) > 1e-6:
                pairs.add((i, j))
    scale = (n * (n - 1)) / max(m2 * (m2 - 1), 1)
    t_overlap = (time.perf_counter() - t0) * scale
    return Naive(seconds=t_linear + t_nearest + t_overlap,
                 extrapolated=m < len(racks) or m2 < n, rack_kw=rack_kw, feed_load_kw=load,
                 feed_failover_kw=failover,
                 nearest_sample=[crahs[j].id if j >= 0 else None for j in nearest],
                 overlap_sample=pairs, sample_boxes=m2)


def check_naive_agrees(naive: Naive, lay, catalog) -> None:
    """Raise if the baseline and the engine disagree (they must compute the same things)."""
    from engine.analysis import analyze

    _clear_network_cache()
    res = analyze(lay, catalog)
    if not np.allclose(res.power.rack_kw, naive.rack_kw, rtol=1e-12, atol=1e-9):
        raise AssertionError("naive per-rack kW differs from the engine")
    engine_load = dict(zip(res.power.feed_ids, res.power.feed_load_kw.tolist(), strict=True))
    engine_fail = dict(zip(res.power.feed_ids, res.power.feed_failover_kw.tolist(), strict=True))
    for fid, kw in naive.feed_load_kw.items():
        if not math.isclose(kw, engine_load[fid], rel_tol=1e-9, abs_tol=1e-9):
            raise AssertionError(f"naive load of {fid} differs from the engine")
        if not math.isclose(naive.feed_failover_kw[fid], engine_fail[fid], rel_tol=1e-9,
                            abs_tol=1e-9):
            raise AssertionError(f"naive failover load of {fid} differs from the engine")
    ids = res.cooling.unit_ids
    # CRAHs drawing air at one point share their zone's racks (the engine's split): a rack
    # agrees when its unit draws air where the naive nearest does
    where = {u.id: tuple(u.return_xy_m) if u.return_xy_m else (u.x_m, u.y_m)
             for u in lay.cooling}
    engine_near = [where[ids[j]] if j >= 0 else None
                   for j in res.cooling.rack_crah[: len(naive.nearest_sample)].tolist()]
    if engine_near != [where.get(u) if u else None for u in naive.nearest_sample]:
        raise AssertionError("naive nearest CRAH differs from the engine")
    m = naive.sample_boxes
    engine_pairs = {(int(i), int(j)) for i, j in res.floor.overlaps.tolist() if j < m}
    if engine_pairs != naive.overlap_sample:
        raise AssertionError("naive overlaps differ from the engine")


# -- reporting ----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    ms = seconds * 1000.0
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def _peak_rss_gb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024.0 ** 3) * (1 if sys.platform == "darwin" else 1024)


def _network_rows(sizes) -> list[dict] | str:
    try:
        from benchmarks import bench_network
    except Exception as exc:  # another issue's module: optional, and may be half written
        return f"benchmarks/bench_network.py not available ({type(exc).__name__}: {exc})"
    run = getattr(bench_network, "run", None)
    if not callable(run):
        return "benchmarks/bench_network.py has no run(sizes)"
    try:
        return list(run(list(sizes)))
    except Exception as exc:
        return f"bench_network.run failed: {type(exc).__name__}: {exc}"


def _print_network(rows) -> None:
    print("\n### Network domain (benchmarks/bench_network.py)\n")
    if isinstance(rows, str):
        print(rows)
        return
    print("| Benchmark | Size | Time (ms) | Baseline (ms) | Ratio | Target (ms) | Notes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        base = r.get("baseline_seconds")
        ratio = r.get("ratio")
        target = r.get("target_seconds")
        print(f"| {r.get('name', '')} | {r.get('size', ''):,} | {_ms(r.get('seconds', 0.0))} | "
              f"{_ms(base) if base else '—'} | {f'{ratio:,.0f}x' if ratio else '—'} | "
              f"{_ms(target) if target else '—'} | {r.get('notes', '')} |")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the Markdown report; return 1 if a target is missed."""
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1k and 10k GPUs only")
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                   help="comma-separated GPU counts (multiples of 32)")
    p.add_argument("--no-fabric", action="store_true", help="skip the with-fabric table")
    p.add_argument("--no-network", action="store_true", help="skip bench_network")
    p.add_argument("--no-designer", action="store_true", help="skip bench_designer")
    p.add_argument("--no-reports", action="store_true", help="skip bench_reports")
    p.add_argument("--network-sizes", type=lambda s: [int(x) for x in s.split(",")],
                   help="GPU counts for bench_network (default: up to 100k)")
    args = p.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    catalog = _catalog()
    make_hall(1_024, catalog)  # warm imports and the template cache

    print(f"## Rackscape engine benchmarks\n\nPython {platform.python_version()}, numpy "
          f"{np.__version__}, {platform.machine()}, {_cpus()} CPU(s)\n")
    rows, fab_rows = [], []
    results: dict[int, dict] = {}
    for gpus in sizes:
        lay = make_hall(gpus, catalog)
        big = gpus >= 1_000_000
        full = time_full(lay, catalog, repeat=3 if big else 7)
        inc = time_incremental(lay, catalog, moves=5 if big else 9)
        naive = naive_baseline(lay, catalog)
        check_naive_agrees(naive, lay, catalog)
        n_gpu_racks = sum(1 for r in lay.racks if r.devices or r.system)
        results[gpus] = {"full": full, "inc": inc}
        star = "*" if naive.extrapolated else ""
        rows.append(f"| {_label(gpus)} | {gpus:,} | {n_gpu_racks:,} | {len(lay.cooling):,} | "
                    f"{_ms(full)} | {_ms(inc)} | {_ms(naive.seconds)}{star} | "
                    f"{naive.seconds / full:,.1f}x |")
        print(f"- {_label(gpus)} done: full {_ms(full)} ms, one rack {_ms(inc)} ms",
              file=sys.stderr)
        del lay
        gc.collect()
    peak_core = _peak_rss_gb()
    largest = max(sizes)
    traced = _traced_peak_gb(make_hall(largest, catalog), catalog)

    print("### Engine core: power, cooling, floor and rules (hall without its fabric)\n")
    print("| Hall | GPUs | GPU racks | Cooling units | Full analysis (ms) | One-rack update (ms) "
          "| Naive baseline (ms) | Naive / full |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print("\nMedians of repeated runs. `*` = the naive nearest-CRAH and overlap steps ran on a "
          f"sample (up to {NAIVE_PAIR_BUDGET:,} pairs each) and were scaled to the whole hall. "
          "The naive baseline does less than the engine (no shared-air CRAH loads, aisles, "
          "hall outline or rules), and its answers are checked against the engine's.\n")
    print(f"Peak memory: {peak_core:.2f} GB resident for the whole benchmark process up to "
          f"{_label(largest)} (layout objects included); {traced:.2f} GB traced by tracemalloc "
          f"during one full analysis of the {_label(largest)} hall.\n")

    if not args.no_fabric:
        for gpus in sizes:
            lay = make_hall(gpus, catalog, fabric=True)
            big = gpus >= 1_000_000
            full = time_full(lay, catalog, repeat=1 if big else 3)
            inc = time_incremental(lay, catalog, moves=3 if big else 5)
            fab_rows.append(f"| {_label(gpus)} | {gpus:,} | {len(lay.racks):,} | {_ms(full)} | "
                            f"{_ms(inc)} |")
            print(f"- {_label(gpus)} with fabric done", file=sys.stderr)
            del lay
            gc.collect()
        print("### With the template's compute fabric (adds fabric, cabling and bisection)\n")
        print("| Hall | GPUs | Racks (incl. network) | Full analysis (ms) | One-rack update (ms) |")
        print("|---|---:|---:|---:|---:|")
        print("\n".join(fab_rows))
        print(f"\nPeak memory after these runs: {_peak_rss_gb():.2f} GB resident.")

    if not args.no_network:
        net_sizes = args.network_sizes or [s for s in (1_000, 10_000, 100_000)
                                           if s <= max(sizes) * 1.01]
        _print_network(_network_rows(net_sizes))

    for name, module in (("Designer", "bench_designer"), ("Reports", "bench_reports")):
        if getattr(args, f"no_{module.split('_')[1]}"):
            continue
        _print_optional(name, module, args.quick)

    missed = _targets(results, peak_core)
    return 1 if missed else 0


def _print_optional(title: str, module: str, quick: bool) -> None:
    """Run ``benchmarks.<module>.run()`` if present and print its rows as a table."""
    import importlib

    print(f"\n### {title} (benchmarks/{module}.py)\n")
    try:
        mod = importlib.import_module(f"benchmarks.{module}")
        rows = list(mod.run(mod.QUICK_SIZES) if quick and hasattr(mod, "QUICK_SIZES")
                    else mod.run())
    except Exception as exc:
        print(f"{module} failed: {type(exc).__name__}: {exc}")
        return
    print("| Benchmark | Size | Time (ms) | Target (ms) | Notes |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        size = r.get("size", r.get("gpus", ""))
        target = r.get("target_seconds")
        sec = r.get("seconds")
        print(f"| {r.get('name', '')} | {size:,} | {_ms(sec) if sec is not None else '—'} | "
              f"{_ms(target) if target else '—'} | {r.get('notes', '')} |")


def _traced_peak_gb(lay, catalog) -> float:
    from engine.analysis import analyze

    _clear_network_cache()
    gc.collect()
    tracemalloc.start()
    analyze(lay, catalog)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024.0 ** 3


def _targets(results: dict[int, dict], peak_gb: float) -> list[str]:
    checks = []
    if 102_400 in results:
        checks.append(("100k GPUs full analysis", results[102_400]["full"],
                       TARGETS_S["full_100k"]))
        checks.append(("100k GPUs one-rack update", results[102_400]["inc"],
                       TARGETS_S["incremental_100k"]))
    if 1_024_000 in results:
        checks.append(("1M GPUs full analysis", results[1_024_000]["full"], TARGETS_S["full_1m"]))
    print("\n### Targets (engine core)\n")
    missed = []
    for name, got, limit in checks:
        ok = got <= limit
        print(f"- {name}: {_ms(got)} ms (target ≤ {_ms(limit)} ms) — {'met' if ok else 'MISSED'}")
        if not ok:
            missed.append(name)
    if 1_024_000 in results:
        ok = peak_gb <= TARGET_PEAK_GB
        print(f"- peak memory at 1M GPUs: {peak_gb:.2f} GB (target ≤ {TARGET_PEAK_GB:.0f} GB) — "
              f"{'met' if ok else 'MISSED'}")
        if not ok:
            missed.append("memory")
    if not checks:
        print("- (no target applies to these sizes)")
    return missed


def _label(gpus: int) -> str:
    return f"{gpus // 1_000_000}M" if gpus >= 1_000_000 else f"{gpus // 1000}k"


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
