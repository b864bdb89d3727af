"""Benchmarks of report generation: the PDF design report and the XLSX workbook.

:func:`run` times, for halls of the given GPU counts made by
``benchmarks.halls.dgx_h100_hall(gpus // 32)`` (racks of four DGX
H100, the template's rail-optimized NDR fabric, so the 100k-GPU hall has about
300,000 links in its cable cut-sheet):

* ``analysis``: :func:`engine.analysis.analyze` of the layout (what the report
  command runs first);
* ``report_pdf``: :func:`designer.reports.export` to ``.pdf`` (tables, three
  floor plans drawn by the designer's scene, charts, every page);
* ``report_xlsx``: :func:`designer.reports.export` to ``.xlsx`` (every table,
  the cut-sheet with one row per link);
* ``report_total``: the three above together, the time of
  ``rackscape report`` for both files minus reading the layout file.

Each row is ``{"name", "gpus", "seconds"}`` plus ``size`` (= gpus),
``target_seconds`` (30 s for ``report_total`` at 100k GPUs) and ``notes``
(links, pages, file size). ``python -m benchmarks.bench_reports`` prints them.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["SIZES", "TARGET_100K_S", "make_hall", "run"]

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TARGET_100K_S = 30.0


def make_hall(gpus: int):
    """Return the ``dgx-h100-hall`` template laid out for ``gpus`` GPUs (32 per rack)."""
    from benchmarks.halls import dgx_h100_hall

    return dgx_h100_hall(max(1, gpus // 32))


def _timed(fn) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _clear_network_cache() -> None:
    """Forget cached fabric topologies, so the analysis is timed from scratch."""
    from engine import network

    cache = getattr(network, "_CACHE", None)
    if cache is not None and hasattr(cache, "clear"):
        cache.clear()


def _one(gpus: int, folder: Path) -> list[dict]:
    from designer.reports import export
    from engine.analysis import analyze

    layout = make_hall(gpus)
    _clear_network_cache()
    t_an, analysis = _timed(lambda: analyze(layout))
    links = analysis.to_dict()["cabling"]["links"]
    pdf, xlsx = folder / f"hall-{gpus}.pdf", folder / f"hall-{gpus}.xlsx"
    t_pdf, _ = _timed(lambda: export(layout, analysis, pdf))
    t_xlsx, _ = _timed(lambda: export(layout, analysis, xlsx))
    base = {"gpus": gpus, "size": gpus}
    return [
        {**base, "name": "analysis", "seconds": t_an, "target_seconds": None,
         "notes": f"{len(layout.racks):,} racks, {links:,} links"},
        {**base, "name": "report_pdf", "seconds": t_pdf, "target_seconds": None,
         "notes": f"{_pages(pdf)} pages, {pdf.stat().st_size / 1e6:.1f} MB"},
        {**base, "name": "report_xlsx", "seconds": t_xlsx, "target_seconds": None,
         "notes": f"{links:,} cut-sheet rows, {xlsx.stat().st_size / 1e6:.1f} MB"},
        {**base, "name": "report_total", "seconds": t_an + t_pdf + t_xlsx,
         "target_seconds": TARGET_100K_S if gpus >= 100_000 else None,
         "notes": "analysis + PDF + XLSX"},
    ]


def run(sizes: list[int] | tuple[int, ...] = SIZES) -> list[dict]:
    """Time analysis, PDF and XLSX report generation per hall size; return the rows."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from designer.reports import export
    from designer.reports.qtapp import ensure_app
    from engine.analysis import analyze

    ensure_app()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="rackscape-bench-reports-") as tmp:
        warm = make_hall(1_000)
        export(warm, analyze(warm), Path(tmp) / "warm.pdf")  # fonts, imports, Qt start-up
        for gpus in sizes:
            rows += _one(gpus, Path(tmp))
    return rows


def _pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def _print(rows: list[dict]) -> None:
    print("| Benchmark | GPUs | Time (s) | Target (s) | Notes |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        target = r.get("target_seconds")
        mark = "" if not target else (" (met)" if r["seconds"] <= target else " (MISSED)")
        print(f"| {r['name']} | {r['gpus']:,} | {r['seconds']:.2f} | "
              f"{f'{target:g}{mark}' if target else '—'} | {r.get('notes', '')} |")


if __name__ == "__main__":
    sizes = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else list(SIZES)
    _print(run(sizes))
