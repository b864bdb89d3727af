"""The PDF design report: cover, contents, floor plans, tables, charts, sources.

Built with QPdfWriter and QPainter (vector text and drawings) on the small
layout engine of :mod:`designer.reports.pdfdoc`. Long tables split across
pages with their header repeated; for large designs the rack, feed and unit
tables list the most loaded items and say so (the XLSX and CSV reports have
every row).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen

from designer.panels.common import UTIL_CAP_PCT
from designer.reports import charts
from designer.reports.elevations import PER_FIGURE, draw_elevations
from designer.reports.floorplan import (
    PlanInfo,
    PlanSource,
    normalize_overlays,
    prepare_plan,
    render_floor_plan,
)
from designer.reports.pdfdoc import (
    Doc,
    Figure,
    Heading,
    KeyFigures,
    Para,
    Spacer,
    paginate,
)
from designer.reports.pdfnav import Mark, TocLink, add_navigation
from designer.reports.pdftable import TableFlow
from designer.reports.qtapp import ensure_app
from designer.reports.style import C
from designer.reports.text import elide, wrap_lines
from engine.report_tables import (
    KW_DIGITS,
    Column,
    Table,
    build_tables,
    floor_load_text,
    power_text,
    rack_configurations,
    scaleup_figures,
    sources_cited_table,
    unknown_power_text,
)

__all__ = ["write_pdf", "short_name", "RACK_TABLE_LIMIT", "UNIT_TABLE_LIMIT"]

#: Above this many racks the PDF lists the top racks by power (and every row).
RACK_TABLE_LIMIT = 200
#: Above this many feeds or cooling units the PDF lists the most utilized ones.
UNIT_TABLE_LIMIT = 120
_TOP = 60
#: The most rack elevations the PDF draws (the most common configurations).
ELEVATIONS_SHOWN = 12
_ELEVATION_PTS = 300  # a drawing's height: a 48U rack at about 5.5 pt per U

Progress = Callable[[float, str], Any] | None


def _kw(kw: float) -> str:
    """Say a power as the dashboard does: ``"132.6 kW"``, ``"4.692 MW"``."""
    return f"{kw / 1000:,.3f} MW" if abs(kw) >= 1000 else f"{kw:,.{KW_DIGITS}f} kW"


def _figures(analysis: Any) -> tuple[dict, dict, dict, dict, dict]:
    """Return the counts, power, cooling, cabling and network figures the text quotes.

    From the analysis itself, not :meth:`to_dict`'s figures already rounded to three
    decimals: rounded again for print, 0.04951 would say 0.1 here and 0.0 on the dashboard.
    """
    d = analysis.to_dict()
    p, c, n = analysis.power, analysis.cooling, analysis.network
    heat = float(c.heat_kw)
    pw = {**d["power"], "it_kw": p.it_kw, "facility_kw": p.facility_kw,
          "max_rack_kw": p.max_rack_kw, "pue": p.pue, "optics_kw": p.optics_kw,
          "gpus_per_mw": p.gpus_per_mw,
          # no IT load, no ratio (the JSON's null)
          "pue_text": f"{p.pue:.2f}" if p.it_kw > 0 else "—"}
    co = {**d["cooling"], "heat_kw": heat, "air_kw": c.air_kw, "liquid_kw": c.liquid_kw,
          "liquid_share": c.liquid_kw / heat if heat > 0 else 0.0, "airflow_cfm": c.airflow_cfm,
          "liquid_flow_lpm": float(np.asarray(c.rack_flow_lpm, np.float64).sum())}
    cb = {**d["cabling"], "total_length_m": n.total_length_m, "max_length_m": n.max_length_m,
          "optics_w": n.optics_w}
    nw = {**d["network"], "bisection_tbps": n.bisection_tbps,
          "per_gpu_bisection_gbps": n.per_gpu_bisection_gbps}
    return d["counts"], pw, co, cb, nw


def _top(table: Table, key: str, n: int, title: str) -> Table:
    i = table.index(key)
    rows = sorted(table.rows, key=lambda r: -(r[i] if r[i] is not None else -1e18))[:n]
    return Table(table.key, title, table.columns, rows, table.note)


def _hall_words(layout: Any, analysis: Any) -> str:
    """Say the hall's size: a rectangle by its sides, another outline by its floor area
    and the rectangle it fits in."""
    from engine.edits import hall_size

    xmin, ymin, xmax, ymax = layout.hall.bounds()
    if hall_size(layout) is not None:
        return f"a {xmax - xmin:,.1f} m x {ymax - ymin:,.1f} m hall"
    area = getattr(analysis.floor, "hall_area_m2", 0.0)
    return (f"a hall of {area:,.0f} m² of floor within {xmax - xmin:,.1f} m x "
            f"{ymax - ymin:,.1f} m")


def _util_colour(cols: list[Column]) -> Callable[[tuple, str], str | None]:
    idx = {c.name: i for i, c in enumerate(cols)}

    def colour(row: tuple, name: str) -> str | None:
        if name == "Status":
            status = row[idx[name]]
            if str(status).startswith("no load"):
                return C["muted"]
            # rear doors are backed up by the room air (their failure is checked on the
            # room group): fine, not a failure
            return C["ok"] if status in ("OK", "N+1 OK") or str(status).startswith(
                "rear doors:") else C["error"]
        if name.startswith("Utilization") or name == "N+1 margin":
            v = row[idx[name]]
            if v is None:
                return None
            if name == "N+1 margin":
                return C["error"] if v < 0 else None
            return C["error"] if v > 100 else (C["warning"] if v > 90 else None)
        if name == "Severity":
            return {"error": C["error"], "warning": C["warning"]}.get(row[idx[name]])
        return None

    return colour


def _footnoted(table: Table, mark_column: str) -> tuple[Table, list[str]]:
    """Return ``table`` with each row's ``Note`` moved to a footnote, and the footnotes.

    A narrow page has no room for a column of sentences beside many figures: the row
    gets ``[1]`` after its ``mark_column`` value and the footnote says the rest.
    """
    ni, mi = table.index("Note"), table.index(mark_column)
    rows, notes = [], []
    for r in table.rows:
        if r[ni]:
            notes.append(f"[{len(notes) + 1}] {r[0]} {r[mi]}: {r[ni]}.")
            r = (*r[:mi], f"{r[mi]} [{len(notes)}]", *r[mi + 1:])
        rows.append(r)
    return Table(table.key, table.title, table.columns, rows, table.note, table.exact,
                 table.places), notes


def _violation_summary(analysis: Any) -> Table:
    by: dict[str, list] = {}
    for v in analysis.violations:
        e = by.setdefault(v.code, [v.severity, 0, v.message])
        e[1] += 1
    rows = [(sev, code, n, msg) for code, (sev, n, msg) in
            sorted(by.items(), key=lambda kv: ({"error": 0, "warning": 1}.get(kv[1][0], 2), kv[0]))]
    cols = [Column("Severity"), Column("Code"), Column("Count", kind="int"),
            Column("First message")]
    return Table("violations_by_code", "Violations by code", cols, rows)


def short_name(fm: Any, name: str, width: float) -> str:
    """Return ``name`` shortened to ``width``: its parenthesised parameter list goes first
    (``"SuperPOD (scalable_units=4, ...)"``: ``"SuperPOD"``), so no parameter is cut in two;
    only a base name still too wide ends in an ellipsis."""
    if fm.horizontalAdvance(name) <= width:
        return name
    base = name.partition("(")[0].rstrip(" ,:;-")
    return elide(fm, base or name, width)


#: what colours the racks of the main floor plan, said in its caption
_METRIC_WORDS = {"kw": "",
                 "utilization": "Racks are coloured by the utilization of their busiest feed "
                                "with one side lost (% of its derated budget). ",
                 "liquid": "Racks are coloured by the share of their heat taken by liquid "
                           "(%). "}


def _plan_caption(info: PlanInfo | None, page_name: str, metric: str = "kw") -> str:
    """Say how the plan was fitted to the page (``None``: the longest such text) and, when
    not by power, what colours its racks."""
    text = (f"{_METRIC_WORDS.get(metric, '')}Drawn to scale (scale bar; the ratio holds when printed at 100 % on {page_name}). "
            "The arrow points to plan north (+y)")
    if info is None or info.turned:
        text += "; the hall is turned a quarter to the left to fit the page"
    if info is None or info.strips > 1:
        n = "several" if info is None else f"{info.strips}"
        how = "one above the other" if info is None or _stacked(info) else "side by side"
        text += f"; it is cut at its aisles into {n} strips, set {how} at one scale"
    return (text + ". Dark rack edges are fronts, facing the cold aisles. The Racks table "
            "finds each rack by row and slot (1 at the row's west or south end) and x, y."
            + _numbers_note(info))


def _stacked(info: PlanInfo) -> bool:
    """Say whether the plan's strips stand one above the other on the page."""
    b = info.boxes.strips if info.boxes is not None else None
    if b is None or len(b) < 2:
        return False
    b = b[np.argsort(b[:, 1])]
    return bool((b[1:, 1] >= b[:-1, 3] - 1e-6).all())


def _numbers_note(info: PlanInfo | None) -> str:
    """Say that small cooling units show their number (``None``: make room for it)."""
    if info is not None and not info.numbered_units:
        return ""
    return (" A cooling unit too small for its name shows the number that ends it "
            "(12 in a CRAH: CRAH-12).")


def _elevations(s: list, layout: Any, analysis: Any, tables: dict[str, Table]) -> None:
    """The rack elevations: one drawing per configuration, the most common first."""
    configs = rack_configurations(layout, analysis, elevations=tables["elevations"])
    if not configs:
        return
    shown = configs[:ELEVATIONS_SHOWN]
    s.append(Heading("Rack elevations", 2, keep_pt=_ELEVATION_PTS + 60))
    lead = (f"{len(configs):,} rack configuration{'s' * (len(configs) != 1)}: racks that hold "
            "the same devices at the same U share a drawing (U1 at the bottom), with how many "
            "racks are like it, the most any of them draws (with the optics of its links) "
            "and their ids.")
    if len(configs) > len(shown):
        lead += f" The {len(shown)} most common are drawn."
    lead += " The XLSX and CSV reports list every device of every rack at its U."
    for i in range(0, len(shown), PER_FIGURE):
        part = shown[i:i + PER_FIGURE]
        # the words under the first drawing: a heading keeps with what follows it
        s.append(Figure(lambda p, r, pt, part=part: draw_elevations(
            p, r, pt, part, slots=min(len(shown), PER_FIGURE)),
                        _ELEVATION_PTS,
                        lead if i == 0 else ""))


def _story(layout: Any, analysis: Any, tables: dict[str, Table], overlays: tuple[str, ...],
           doc: Doc, plans: list[PlanInfo], source: PlanSource, metric: str = "kw") -> list:
    cnt, pw, co, cb, nw = _figures(analysis)
    sev = analysis.violations_by_severity()
    mm = 25.4 / doc.writer.resolution()
    s: list = []

    def plan(extra: tuple[str, ...], metric: str = "kw"):
        def draw(p, rect: QRectF, pt: float) -> PlanInfo:
            source.use_metric(metric)
            info = render_floor_plan(p, rect, layout, analysis,
                                     tuple(dict.fromkeys(overlays + extra)), pt=pt,
                                     mm_per_unit=mm, source=source)
            plans.append(info)
            return info
        return draw

    # summary
    s.append(Heading("Summary"))
    # the cover carries the whole name; here a long one gives way to the figures
    name = short_name(doc.fm(9), layout.name, doc.frame_w * 0.75)
    # devices of unknown power count 0 W, racks of unknown weight 0 kg: lower bounds
    low = "≥ " if analysis.power.is_lower_bound else ""
    rack_unknown = analysis.power.rack_unknown_power
    rack_low = "≥ " if rack_unknown is not None and rack_unknown.any() else ""
    left_out = unknown_power_text(analysis)
    held = f"{cnt['gpus']:,} GPUs" if cnt["gpus"] or not cnt.get("cpu_nodes") else \
        f"{cnt['cpu_nodes']:,} CPU nodes"  # a CPU cluster says what it holds
    s.append(Para(f"{name}: {cnt['racks']:,} rack{'s' * (cnt['racks'] != 1)} holding {held} "
                  f"({layout.generation}) in {_hall_words(layout, analysis)}. "
                  f"IT load {power_text(_kw(pw['it_kw']), analysis)}, facility load "
                  f"{low}{_kw(pw['facility_kw'])} at PUE {pw['pue_text']}; highest floor load "
                  f"{floor_load_text(analysis)} against a floor rated "
                  f"{layout.hall.floor_rating_kg_m2:,.0f} kg/m²; {sev['error']:,} "
                  f"error{'s' * (sev['error'] != 1)} and {sev['warning']:,} "
                  f"warning{'s' * (sev['warning'] != 1)} from the design rules."))
    s.append(KeyFigures([
        ("GPUs", f"{cnt['gpus']:,}") if cnt["gpus"] or not cnt.get("cpu_nodes") else
        ("CPU nodes", f"{cnt['cpu_nodes']:,}"), ("Racks", f"{cnt['racks']:,}"),
        ("IT load" + (" (at least)" if low else ""), low + _kw(pw["it_kw"])),
        ("Facility load" + (" (at least)" if low else ""), low + _kw(pw["facility_kw"])),
        ("PUE", f"{pw['pue_text']}"),
        ("Largest rack" + (" (at least)" if rack_low else ""),
         f"{rack_low}{pw['max_rack_kw']:.1f} kW"),
        ("Bisection (one way)", f"{nw['bisection_tbps']:,.2f} Tb/s"
         if nw["bisection_method"] != "none" else "no GPU fabric"),
        ("Rule violations", f"{sev['error']} err / {sev['warning']} warn"),
    ]))
    if left_out:
        s.append(Para(f"The power totals leave out {left_out}, which the analysis counts as "
                      "0 W: they are lower bounds (warning FIGURE-UNKNOWN).", 7.5, italic=True,
                      color=C["muted"]))
    s.append(Spacer(4))
    s.append(TableFlow(tables["summary"], wrap=["Note"]))

    # floor plans
    s.append(Heading("Floor plan"))
    plan_metric = source.use_metric(metric)
    s.append(Figure(plan((), plan_metric), None,
                    lambda info: _plan_caption(info, doc.page_name, plan_metric)))
    scene = source.scene is not None
    s.append(Heading("Power density"))
    density = ("Racks coloured by their power; the overlay shades the floor by power "
               "density (kW/m²) around the racks." if scene else
               "Racks coloured by their power (kW) from white-yellow (low) to dark red "
               "(the largest rack of the design).")
    s.append(Figure(plan(("heatmap",)), None, lambda info: density + _numbers_note(info)))
    s.append(Heading("Cooling zones"))
    zones = (("Lines join each rack to the cooling unit that takes its heat (nearest CRAH "
              "for air, CDU for liquid); units show their utilization. " if scene else
              "Racks coloured by the cooling unit nearest to them (their zone); units show "
              "their utilization. ")
             + "Air heat is shared by all CRAHs of the room, weighted by capacity over "
               "distance squared.")
    s.append(Figure(plan(("cooling",)), None, lambda info: zones + _numbers_note(info)))

    # racks and rows
    s.append(Heading("Racks and rows"))
    kw = analysis.power.rack_kw
    # the rows table lists racks of no row as "(none)": they are in no row
    rows_t = tables["rows"]
    loose = sum(int(r[1]) for r in rows_t.rows if r[0] == "(none)")
    n_rows = sum(1 for r in rows_t.rows if r[0] != "(none)")
    in_rows = (f"{cnt['racks']:,} racks in {n_rows:,} row{'s' * (n_rows != 1)}"
               + (f" ({loose:,} in no row)" if loose else ""))
    # racks holding devices of unknown power stay out of the range ("≥" in the tables, with
    # the known part); modules of unknown power at a rack's link ends leave a few watts out
    n = len(kw)
    devices = analysis.power.rack_unknown_devices
    devices = np.asarray(devices) if devices is not None and len(devices) == n else \
        np.zeros(n, np.int64)
    ends = analysis.power.rack_unknown_ends
    ends = np.asarray(ends) if ends is not None and len(ends) == n else np.zeros(n, np.int64)
    kept = devices <= 0
    known = np.asarray(kw)[kept]
    left = n - len(known)
    lo, hi = (f"{float(known.min()):,.1f}", f"{float(known.max()):,.1f}") if len(known) \
        else ("", "")
    at_least = "at least " if (ends[kept] > 0).any() else ""
    span = ("rack power unknown" if not len(known) else
            f"rack power {at_least}{hi} kW each" if lo == hi else
            f"rack power {at_least}{lo} to {hi} kW (mean {float(known.mean()):.1f} kW)")
    if left:
        span += (f", over the {len(known):,} rack{'s' * (len(known) != 1)} whose devices' "
                 f"power is known ({left:,} hold{'s' * (left == 1)} devices of unknown power)")
    if at_least:
        span += "; modules of unknown power at their link ends make these lower bounds (≥)"
    s.append(Para(f"{in_rows}; {span}."))
    air_limit = layout.assumptions.air_limit_kw_per_rack
    ids = analysis.arrays.rack_ids
    # the limit is on the heat a rack rejects to air: liquid-cooled racks are measured by that
    air = np.asarray(analysis.cooling.rack_air_kw, np.float64)
    both = len(air) == len(kw) and bool((np.asarray(kw) - air > 0.05).any())
    series = dict(values2=kw, legend=("heat to room air", "total power")) if both else {}
    title = "Power per rack: heat to air against the air-cooling limit" if both else \
        "Power per rack"
    lim = dict(limit=air_limit, limit_label=f"air-cooling limit {air_limit:g} kW")
    if len(kw) <= 120:
        s.append(Figure(lambda p, r, pt: charts.bar_chart(
            p, r, pt, air if both else kw, ids, title=title, unit="kW", **series, **lim), 190))
    else:
        s.append(Figure(lambda p, r, pt: charts.profile_chart(
            p, r, pt, air if both else kw, title=title + ", largest first", unit="kW",
            **series, **lim, xlabel=f"{len(kw):,} racks, sorted by total power"), 170))
    if left:
        # their bars count only the hardware of known power: lower bounds, not measured
        s.append(Para(f"{left:,} rack{'s' * (left != 1)} hold{'s' * (left == 1)} devices "
                      "of unknown power: "
                      f"{_list_ids([i for i, k in zip(ids, kept, strict=True) if not k])}; "
                      "their bars count only the hardware whose power the catalog gives "
                      "(lower bounds).", 7.5, italic=True, color=C["muted"]))
    if both:
        # (a few racks are bars; many, a profile of them, largest first)
        filled, lines = ("Bars", "outlines") if len(kw) <= 120 else ("The filled profile",
                                                                      "the line above it")
        s.append(Para(f"{filled}: each rack's heat to the room's air, which the air-cooling "
                      "limit applies to (what its rear door, if it has one, leaves); "
                      f"{lines}: the rack's total power, the rest going to liquid or the "
                      "door.", 7.5, italic=True, color=C["muted"]))
    s.append(Heading("Rows", 2))
    s.append(TableFlow(tables["rows"]))
    if tables["rows"].note:
        s.append(Para(tables["rows"].note, 7.5, italic=True, color=C["muted"]))
    racks = tables["racks"]
    # a rack's name where any has one; its CDU where any rack has liquid heat
    rack_cols = ["Rack", *(["Name"] if any(r.name for r in layout.racks) else []), "Row",
                 "Slot", "Power", "Liquid share", "U used", "U total", "Weight", "Floor load", "GPUs",
                 "Feeds", "CRAH zone", *(["CDU"] if any(racks.column("CDU")) else [])]
    if len(racks) > RACK_TABLE_LIMIT:
        kw_col = [v for v in racks.column("Power") if v is not None]
        peak = max(kw_col, default=0.0)
        at_peak = sum(1 for v in kw_col if v == peak)
        if at_peak > _TOP:
            # ties: "the highest" would pick arbitrarily among equals, so say they are equal
            s.append(Heading(f"Racks: {_TOP} of the {at_peak:,} at the highest power", 2))
            why = (f"{at_peak:,} racks draw the most, {peak:,.1f} kW each: the table shows the "
                   f"first {_TOP} of them by id")
        else:
            s.append(Heading(f"Racks: the {_TOP} with the highest power", 2))
            why = f"the table shows the {_TOP} with the highest power"
        s.append(Para(f"This design has {len(racks):,} racks, too many to list here: {why}, "
                      "and the rows table above covers every rack. The XLSX and CSV reports "
                      "list all racks.", italic=True, color=C["muted"]))
        racks = _top(racks, "Power", _TOP, "Racks (top by power)")
    else:
        s.append(Heading("Racks", 2))
    s.append(TableFlow(racks, rack_cols))
    if racks.note:
        s.append(Para(racks.note, 7.5, italic=True, color=C["muted"]))
    _elevations(s, layout, analysis, tables)

    # power
    s.append(Heading("Power"))
    per_mw = (f"{'at most ' if low else ''}{pw['gpus_per_mw']:,.0f} GPUs per MW of IT load"
              if cnt["gpus"] and pw["it_kw"] > 0 else "no GPUs")
    # optics to the summary's two decimals: a few modules are 0.01 kW there, not 0.0 here
    it_text = f"{_kw(pw['it_kw'])} (including {pw['optics_kw']:,.2f} kW of optics)"
    s.append(Para(f"IT load {power_text(it_text, analysis)}; facility load {low}{_kw(pw['facility_kw'])} "
                  f"at PUE {pw['pue_text']}; {per_mw}. {tables['feeds'].note}"))
    feeds = tables["feeds"]
    if len(feeds):
        util = np.asarray(analysis.power.feed_utilization) * 100
        fail = np.asarray(analysis.power.feed_failover_utilization) * 100
        if len(util) <= 80:
            s.append(Figure(lambda p, r, pt, util=util, fail=fail: charts.bar_chart(
                p, r, pt, util, analysis.power.feed_ids, title="Feed utilization", unit="%",
                values2=fail, limit=100, limit_label="derated budget",
                legend=("normal", "other side lost"), cap=UTIL_CAP_PCT), 190))
        else:
            s.append(Figure(lambda p, r, pt, fail=fail: charts.profile_chart(
                p, r, pt, fail, title="Feed utilization with the other side lost, largest first",
                unit="%", limit=100, limit_label="derated budget",
                xlabel=f"{len(fail):,} feeds"), 160))
    if len(feeds) > UNIT_TABLE_LIMIT:
        s.append(Heading(f"Feeds: the {_TOP} most loaded on side loss", 2))
        s.append(Para(f"{len(feeds):,} feeds; the table lists the {_TOP} with the highest "
                      "utilization when the other side is lost. The XLSX and CSV reports list "
                      "all feeds.", italic=True, color=C["muted"]))
        feeds = _top(feeds, "Utilization, other side lost", _TOP, "Feeds (most loaded)")
    elif len(feeds):
        s.append(Heading("Feeds", 2))
    else:
        # no feeds: say so, and which rule says what the racks lack, not an empty table
        unfed = [v.code for v in analysis.violations if v.code.startswith("POWER-UNFED")]
        s.append(Para("The hall has no power feeds" + (
            f": no rack has a source of power ({', '.join(dict.fromkeys(unfed))}; see Rule "
            "violations)." if unfed else "."), italic=True, color=C["muted"]))
    if len(feeds):
        unknown_col = ["Hardware of unknown power"] \
            if any(feeds.column("Hardware of unknown power")) else []
        s.append(TableFlow(feeds, ["Feed", "Side", "Model", "Racks", "Rating", "Budget", "Load",
                                   "Utilization", "Load, other side lost",
                                   "Utilization, other side lost", *unknown_col, "Status"],
                           colour=_util_colour(feeds.columns)))

    # cooling
    s.append(Heading("Cooling"))
    s.append(Para(f"Heat {power_text(_kw(co['heat_kw']), analysis)}: {low}{_kw(co['air_kw'])} "
                  f"to air and "
                  f"{_kw(co['liquid_kw'])} to liquid ({co['liquid_share']:.0%}); airflow "
                  f"{low}{co['airflow_cfm']:,.0f} CFM; coolant {co['liquid_flow_lpm']:,.0f} L/min. "
                  f"{tables['cooling'].note}"))
    units = tables["cooling"]
    c = analysis.cooling
    if not len(units):
        # no units: say so, and which rules say what the heat lacks, not two empty tables
        missing = [v.code for v in analysis.violations if v.code in ("COOL-NO-AIR",
                                                                     "COOL-NO-LIQUID")]
        s.append(Para("The hall has no cooling units" + (
            f": its heat has nowhere to go ({', '.join(missing)}; see Rule violations)."
            if missing else "."), italic=True, color=C["muted"]))
    else:
        s.append(Heading("Redundancy groups (N+1)", 2))
        groups = tables["cooling_groups"]
        s.append(TableFlow(groups, colour=_util_colour(groups.columns)))
        s.append(Para(groups.note, 7.5, italic=True, color=C["muted"]))
    if len(units):
        util = np.asarray(c.unit_utilization) * 100
        if len(util) <= 80:
            s.append(Figure(lambda p, r, pt, util=util: charts.bar_chart(
                p, r, pt, util, c.unit_ids, title="Cooling unit utilization", unit="%",
                limit=100, limit_label="rated capacity", cap=UTIL_CAP_PCT), 180))
        else:
            s.append(Figure(lambda p, r, pt, util=util: charts.profile_chart(
                p, r, pt, util, title="Cooling unit utilization, largest first", unit="%",
                limit=100, limit_label="rated capacity", xlabel=f"{len(util):,} units"), 160))
    if len(units) > UNIT_TABLE_LIMIT:
        s.append(Heading(f"Cooling units: the {_TOP} most utilized", 2))
        s.append(Para(f"{len(units):,} units; the table lists the {_TOP} most utilized. The XLSX "
                      "and CSV reports list all units.", italic=True, color=C["muted"]))
        units = _top(units, "Utilization", _TOP, "Cooling units (most utilized)")
    elif len(units):
        s.append(Heading("Cooling units", 2))
    if len(units):
        s.append(TableFlow(units, ["Unit", "Kind", "Model", "Group", "Capacity", "Load",
                                   "Utilization", "Flow", "Racks in zone"],
                           colour=_util_colour(units.columns)))

    # fabric
    s.append(Heading("Fabric"))
    if nw["bisection_method"] == "none":
        # the table's note says the same for a design without GPU fabric: once is enough
        lead = ("No GPU fabric" + (": the fabrics below are front-end, storage or management "
                                   "networks, each with its own bisection over its endpoints "
                                   "(the least capacity, per direction, crossing a cut that "
                                   "splits them into two equal halves) and the one switch whose "
                                   "loss costs the most of it" if len(tables["fabrics"]) else "")
                + ". ")
        network_note = ""
    else:
        lead = (f"Scale-out bisection {nw['bisection_tbps']:,.2f} Tb/s one way "
                f"({nw['bisection_method']}), {nw['per_gpu_bisection_gbps']:,.1f} Gb/s per GPU. ")
        network_note = tables["network"].note
    if nw["scaleup_domain_gpus"]:
        gbps, link = scaleup_figures(analysis)
        lead += (f"Scale-up domain{' (NVLink)' if link == 'NVLink' else ''} "
                 f"{nw['scaleup_domain_gpus']} GPUs"
                 + (f", {gbps:,.0f} Gb/s per GPU and direction" if gbps is not None else "")
                 + ". ")
    s.append(Para(lead + network_note))
    s.append(TableFlow(tables["network"]))
    if len(tables["fabrics"]):
        s.append(Heading("Fabrics", 2))
        s.append(TableFlow(tables["fabrics"], ["Fabric", "Topology", "Tiers", "Nodes", "GPUs",
                                               "Scalable units", "Bisection", "Method",
                                               "Per GPU", "Per endpoint",
                                               "Worst single failure"],
                           wrap=["Worst single failure"], keep=["Topology", "Method"]))
    if len(tables["tiers"]):
        s.append(Heading("Fabric tiers", 2))
        tiers, notes = _footnoted(tables["tiers"], "Tier")
        s.append(TableFlow(tiers, [c.name for c in tiers.columns if c.name != "Note"]))
        s.extend(Para(n, 7.5, color=C["warning"]) for n in notes)
        s.append(Para(tiers.note, 7.5, italic=True, color=C["muted"]))
    else:
        s.append(Para("The layout defines no fabric tiers.", italic=True, color=C["muted"]))

    # cabling
    s.append(Heading("Cabling"))
    s.append(Para(f"{cb['links']:,} links, {cb['transceivers']:,} transceivers, "
                  f"{cb['total_length_m']:,.0f} m of cable routed (longest {cb['max_length_m']:.2f} "
                  f"m); optics draw {cb.get('optics_w', 0) / 1000:,.2f} kW"
                  + (f" (power unknown for {cb['optics_power_unknown_ends']:,} cable ends: the "
                     "catalog has no figure for their medium)"
                     if cb.get("optics_power_unknown_ends") else "") + ". "
                  f"{tables['cutsheet'].note} The cut-sheet (one row per link) is in the XLSX "
                  "and CSV reports."))
    bins = tables["cable_bins"]
    if len(tables["cutsheet"]):
        # cables as bought (a two-link copper cable once), as the table under it counts
        cut = tables["cutsheet"]
        stock: Counter[float] = Counter()
        for length, n in zip(cut.column("Stock length"), cut.column("Cables"), strict=True):
            stock[length] += n
        keys = sorted(stock)
        s.append(Figure(lambda p, r, pt, stock=stock, keys=keys: charts.bar_chart(
            p, r, pt, [stock[k] for k in keys], [f"{k:g}" for k in keys],
            title="Cable length distribution (stock length, m)", unit="cables"), 170))
        s.append(Heading("By medium and length", 2))
        s.append(TableFlow(bins))
        s.append(Para(bins.note, 7.5, italic=True, color=C["muted"]))
    else:
        s.append(Para("The analysis has no links: the layout's fabrics produce no cable runs "
                      "yet, so there is no cut-sheet.", italic=True, color=C["muted"]))
    s.append(Heading("Bill of materials", 2))
    # a sentence in a column a few words wide runs down the page: notes go below
    bom, notes = _footnoted(tables["bom"], "Item")
    s.append(TableFlow(bom, ["Category", "Item", "Description", "Quantity", "Unit", "GPUs",
                             "Length each", "Total length", "Source"],
                       wrap=["Description", "Category"]))
    s.append(Para(tables["bom"].note, 7.5, italic=True, color=C["muted"]))
    s.extend(Para(n, 7.5, color=C["muted"]) for n in notes)

    # violations
    s.append(Heading("Rule violations"))
    viol = tables["violations"]
    if not len(viol):
        s.append(Para("No design rule is broken."))
    else:
        s.append(Para(f"{sev['error']} error(s), {sev['warning']} warning(s), {sev['info']} "
                      "note(s). Errors first."))
        summ = _violation_summary(analysis)
        s.append(TableFlow(summ, wrap=["First message"], colour=_util_colour(summ.columns)))
        shown = viol if len(viol) <= 150 else Table(viol.key, viol.title, viol.columns,
                                                    viol.rows[:150])
        s.append(Heading("Details" if shown is viol else "Details: the first 150", 2))
        s.append(TableFlow(shown, wrap=["Message", "Items"], colour=_util_colour(viol.columns)))

    # sources
    s.append(Heading("Assumptions and sources"))
    s.append(Para("Every catalog figure this design uses, with its value, the key of its source "
                  "and the class of the figure; then the layout's engineering assumptions. "
                  + tables["sources"].note))
    s.append(TableFlow(tables["sources"], ["Kind", "Item", "Figure", "Value", "Unit", "Source",
                                           "Class", "Note"], wrap=["Note"], size=6.8,
                       keep=["Item", "Figure"]))  # catalog names whole: power_per_end_w
    s.append(Heading("Sources cited", 2))
    s.append(TableFlow(sources_cited_table(tables["sources"]), wrap=["Reference"], size=6.8))
    _name_continuations(s)
    return s


def _name_continuations(story: list) -> None:
    """Give each table the heading above it, which its parts on later pages repeat."""
    heading = ""
    for fl in story:
        if isinstance(fl, Heading):
            heading = fl.text
        elif isinstance(fl, TableFlow) and not fl.heading:
            fl.heading = heading


def _header_footer(doc: Doc, layout: Any, section: str, number: int, total: int,
                   date: str) -> None:
    pt = doc.pt
    y = 30 * pt
    name = doc.fm(7.5).elidedText(layout.name, Qt.TextElideMode.ElideRight, doc.frame_w * 0.62)
    doc.text(QRectF(doc.margin_x, y - 12 * pt, doc.frame_w * 0.65, 12 * pt), name, 7.5,
             color=C["muted"])
    doc.text(QRectF(doc.margin_x + doc.frame_w * 0.4, y - 12 * pt, doc.frame_w * 0.6, 12 * pt),
             section, 7.5, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
             bold=True, color=C["muted"])
    doc.rule(y + 2 * pt)
    fy = doc.height - 34 * pt
    doc.rule(fy)
    doc.text(QRectF(doc.margin_x, fy + 3 * pt, doc.frame_w * 0.7, 12 * pt),
             f"Rackscape design report · {layout.generation} · {date}", 7, color=C["muted"])
    doc.text(QRectF(doc.margin_x + doc.frame_w * 0.5, fy + 3 * pt, doc.frame_w * 0.5, 12 * pt),
             f"Page {number} of {total}", 7,
             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, color=C["muted"])


def _list_ids(ids: list[str], most: int = 6) -> str:
    """``"NET-0001, NET-0002 and 3 more"``.

    >>> _list_ids(["A", "B", "C"], 2)
    'A, B and 1 more'
    """
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most:,} more" if len(ids) > most else "")


def _cover(doc: Doc, layout: Any, analysis: Any, date: str, total: int,
           plans: list[PlanInfo], source: PlanSource) -> None:
    pt = doc.pt
    x, w = doc.margin_x, doc.frame_w
    p = doc.painter
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(C["accent"]))
    p.drawRect(QRectF(0, 0, doc.width, 10 * pt))
    doc.text(QRectF(x, 70 * pt, w, 16 * pt), "RACKSCAPE · DESIGN REPORT", 10, bold=True,
             color=C["accent"])
    y = _cover_title(doc, layout.name, x, 92 * pt, w) + 12 * pt
    lines = [("Generation", layout.generation), ("Date", date),
             ("Author", layout.author or "not given"),
             ("Pages", f"{total} ({doc.page_name})")]
    for label, value in lines:
        doc.text(QRectF(x, y, 80 * pt, 14 * pt), label, 9, color=C["muted"])
        doc.text(QRectF(x + 80 * pt, y, w - 80 * pt, 14 * pt), value, 10, bold=True)
        y += 15 * pt
    y += 10 * pt
    cnt, pw = _figures(analysis)[:2]
    # devices of unknown power count 0 W: the load is a lower bound, as the summary says
    low = "≥ " if analysis.power.is_lower_bound else ""
    # a hall of CPU nodes leads with its nodes, not "0 GPUs"
    first = ("GPUs", f"{cnt['gpus']:,}") if cnt["gpus"] or not cnt.get("cpu_nodes") else \
        ("CPU nodes", f"{cnt['cpu_nodes']:,}")
    # the rules' verdict goes out with the design: a reader of the cover alone sees it
    sev = analysis.violations_by_severity()
    verdict = (f"{sev['error']:,} error{'s' if sev['error'] != 1 else ''}, "
               f"{sev['warning']:,} warning{'s' if sev['warning'] != 1 else ''}")
    kf = KeyFigures([first, ("Racks", f"{cnt['racks']:,}"),
                     ("IT load" + (" (at least)" if low else ""), low + _kw(pw["it_kw"])),
                     ("Facility load" + (" (at least)" if low else ""),
                      low + _kw(pw["facility_kw"])),
                     ("PUE", f"{pw['pue_text']}"),
                     ("Design rules", verdict, C["error"] if sev["error"] else
                      C["warning"] if sev["warning"] else C["ok"])], cols=3)
    kf.draw(doc, x, y, w)
    y += kf.height(doc, w) + 10 * pt
    bottom = doc.height - 70 * pt
    if bottom - y > 120 * pt:
        plans.append(render_floor_plan(p, QRectF(x, y, w, bottom - y), layout, analysis, (),
                                       pt=pt, legend=False, source=source))
    doc.rule(doc.height - 50 * pt)
    doc.text(QRectF(x, doc.height - 46 * pt, w, 12 * pt),
             "Generated by Rackscape from the design's catalog figures; every figure cites its "
             "source on the last pages.", 7, italic=True, color=C["muted"])


def _cover_title(doc: Doc, name: str, x: float, y: float, w: float) -> float:
    """Draw the design name on the cover, wrapped within the margins; return its bottom.

    A long name is set smaller (24, 20, then 16 pt) to stay within three lines;
    beyond five lines at 16 pt the last line ends in an ellipsis.
    """
    for size in (24, 20, 16):
        fm = doc.fm(size, bold=True)
        lines = wrap_lines(fm, name, w)
        if len(lines) <= 3:
            break
    if len(lines) > 5:
        lines = lines[:4] + [elide(fm, " ".join(lines[4:]), w)]
    step = fm.lineSpacing()
    for line in lines:
        doc.text(QRectF(x, y, w, step), line, size, bold=True)
        y += step
    return y


def _toc(doc: Doc, entries: list[tuple[int, str, int, float]], first_body: int, per_page: int,
         page_index: int) -> list[TocLink]:
    """Draw contents page ``page_index``; return its lines as links to their pages."""
    pt = doc.pt
    links: list[TocLink] = []
    y = doc.top
    if page_index == 0:
        Heading("Contents", toc=False).draw(doc, doc.margin_x, y, doc.frame_w)
        y += Heading("Contents").height(doc, doc.frame_w) + 6 * pt
    chunk = entries[page_index * per_page:(page_index + 1) * per_page]
    fm = doc.fm(10)
    for level, title, page, top in chunk:
        size = 10 if level == 1 else 8.5
        indent = 0 if level == 1 else 16 * pt
        num = str(page + first_body)
        rect = QRectF(doc.margin_x + indent, y, doc.frame_w - indent, 15 * pt)
        doc.text(rect, title, size, bold=level == 1)
        doc.text(rect, num, size, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                 bold=level == 1)
        tw = fm.horizontalAdvance(title) * size / 10 + 6 * pt
        nw = fm.horizontalAdvance(num) + 6 * pt
        doc.painter.setPen(QPen(QColor(C["rule"]), 0.6 * pt, Qt.PenStyle.DotLine))
        yy = y + 10.5 * pt
        doc.painter.drawLine(QPointF(rect.left() + tw, yy), QPointF(rect.right() - nw, yy))
        # pages are numbered from 1 and the body's first page is first_body
        links.append(TocLink(1 + page_index, rect.left(), rect.top(), rect.right(),
                             rect.bottom(), page + first_body - 1, top))
        y += (17 if level == 1 else 14) * pt
    return links


def write_pdf(layout: Any, analysis: Any, path: str | Path, *, page: str = "a4",
              overlays: Any = (), tables: list[Table] | None = None, progress: Progress = None,
              date: str | None = None, renderer: str = "auto",
              metric: str = "kw") -> dict[str, Any]:
    """Write the PDF design report; return ``{"pages", "renderer", "plan_strips"}``.

    Parameters
    ----------
    page : {"a4", "letter"}
        Paper size.
    overlays : iterable of str
        Extra overlays on the main floor plan page (the power-density and cooling
        pages are always included).
    progress : callable, optional
        ``progress(fraction, message)``; the fraction runs from 0 to 1.
    renderer : {"auto", "scene", "fallback"}
        Who draws the floor plans (see :func:`designer.reports.floorplan.prepare_plan`).
    metric : {"kw", "utilization", "liquid"}
        What colours the racks of the main floor plan (the designer's Colour by); the
        cover's plan (which has no legend), the power-density and cooling pages colour
        them by power. The fallback drawing colours by power only.
    """
    ensure_app()
    page = page.lower()
    if page not in ("a4", "letter"):
        raise ValueError(f"unknown page size {page!r} (a4 or letter)")
    overlays = normalize_overlays(overlays)
    date = date or _dt.date.today().isoformat()

    def step(f: float, msg: str) -> None:
        if progress is not None:
            progress(f, msg)

    if tables is None:
        tables = build_tables(layout, analysis,
                              progress=lambda f, m: step(0.25 * f, m))
    by_key = {t.key: t for t in tables}
    doc = Doc(str(path), page, title=f"{layout.name} — design report")
    if layout.author:
        doc.writer.setAuthor(layout.author)
    plans: list[PlanInfo] = []
    step(0.27, "Preparing the floor plan")
    source = prepare_plan(layout, analysis, renderer)
    try:
        return _write(doc, layout, analysis, by_key, overlays, plans, source, date, step,
                      metric)
    finally:
        source.close()


def _write(doc: Doc, layout: Any, analysis: Any, by_key: dict[str, Table],
           overlays: tuple[str, ...], plans: list[PlanInfo], source: PlanSource, date: str,
           step: Callable[[float, str], None], metric: str = "kw") -> dict[str, Any]:
    step(0.3, "Laying out pages")
    story = _story(layout, analysis, by_key, overlays, doc, plans, source, metric)
    pages, toc = paginate(doc, story)
    per_toc = int((doc.frame_h - 40 * doc.pt) // (17 * doc.pt))
    toc_pages = max(1, -(-len(toc) // per_toc))
    first_body = 2 + toc_pages
    total = first_body - 1 + len(pages)
    links: list[TocLink] = []
    doc.begin()
    try:
        source.use_metric("kw")  # the cover's plan has no legend: colours by power
        _cover(doc, layout, analysis, date, total, plans, source)
        for k in range(toc_pages):
            doc.new_page()
            links += _toc(doc, toc, first_body, per_toc, k)
            _header_footer(doc, layout, "Contents", 2 + k, total, date)
        for n, pg in enumerate(pages):
            step(0.35 + 0.65 * n / max(len(pages), 1), f"Page {first_body + n} of {total}")
            doc.new_page()
            for placed in pg.items:
                placed.item.draw(doc, doc.margin_x, placed.y, doc.frame_w)
            _header_footer(doc, layout, pg.section, first_body + n, total, date)
    finally:
        doc.end()
    step(0.99, "Adding bookmarks")
    marks = [Mark(1, "Cover", 0, 0.0), Mark(1, "Contents", 1, doc.top)]
    marks += [Mark(level, title, page + first_body - 1, top) for level, title, page, top in toc]
    add_navigation(doc.data(), doc.path, marks, links, doc.pt)
    step(1.0, "PDF written")
    return {"pages": total, "renderer": source.renderer, "fallback_reason": source.error,
            "plan_strips": max((pi.strips for pi in plans), default=1),
            "plan_scale": next((pi.paper_scale for pi in plans if pi.paper_scale), None)}
