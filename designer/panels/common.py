"""Shared helpers of the side panels: formatting, catalog look-ups, colours.

Nothing here creates a Qt object at import time; colours are plain hex strings
that the panels turn into ``QColor`` when they paint.
"""

from __future__ import annotations

import html
from typing import Any

from engine.catalog import Catalog, DeviceType, FacilityType, Figure, RackType, generation_name
from engine.model import FEED_KINDS, Assumptions, PowerFeed
from engine.power import DESIGN_POWER_FACTOR
from engine.retarget import generations as shipped_generations

__all__ = [
    "MIME_CATALOG",
    "TOOLS",
    "SEVERITY_COLORS",
    "ROLE_COLORS",
    "fmt_kw",
    "fmt_power_mw",
    "fmt_int",
    "figure_source",
    "catalog_entry",
    "item_kind",
    "item_kinds",
    "items_by_id",
    "is_installable",
    "entry_tooltip",
    "entry_figures",
    "generation_label",
    "gpu_generations",
]

MIME_CATALOG = "application/x-rackscape-catalog"
#: utilization charts (the dashboard's, the report's) stop at 200 %: a feed at 1,500 %
#: would flatten every other bar; the bar's tooltip (the report's label) gives its value
UTIL_CAP_PCT = 200.0

# Palette tools that are not catalog entries: id -> (name, description)
TOOLS: dict[str, tuple[str, str]] = {
    "tool:tray": ("Cable tray", "Draw an overhead cable tray as a polyline"),
    "tool:column": ("Column", "Place a building column (obstacle)"),
    "tool:wall": ("Wall", "Draw a wall or keep-out zone (obstacle)"),
}

SEVERITY_COLORS = {"error": "#d32f2f", "warning": "#ef8f00", "info": "#1e72c8"}

ROLE_COLORS = {
    "gpu_server": "#2e7d32",
    "rack_system": "#6a1b9a",
    "cpu_node": "#546e7a",
    "switch": "#1565c0",
    "storage": "#8d6e63",
    "power_shelf": "#c62828",
    "nic": "#00838f",
    "other": "#757575",
}

_INSTALLABLE_ROLES = {"gpu_server", "cpu_node", "switch", "storage", "power_shelf", "other"}


def fmt_kw(kw: float) -> str:
    """Return a power compactly: ``"652.8 kW"`` below 1 MW, ``"1.23 MW"``, ``"122.4 MW"``.

    Examples
    --------
    >>> fmt_kw(652.8), fmt_kw(1234.0), fmt_kw(122400.0)
    ('652.8 kW', '1.234 MW', '122.4 MW')
    """
    mw = abs(kw) / 1000.0
    if mw < 1.0:
        return f"{kw:,.1f} kW"
    digits = 3 if mw < 10 else (2 if mw < 100 else 1)
    return f"{kw / 1000.0:,.{digits}f} MW"


def fmt_power_mw(kw: float) -> str:
    """Return a power in MW with three decimals (``"0.653 MW"``)."""
    return f"{kw / 1000.0:,.3f} MW"


def fmt_int(n: float) -> str:
    """Return an integer with thousands separators."""
    return f"{int(round(n)):,}"


def figure_source(fig: Figure | None) -> str:
    """Return ``"S01 (vendor)"``, ``"derived"`` or ``"not published"`` for a figure."""
    if fig is None or fig.value is None:
        return "not published"
    parts = [fig.source] if fig.source else []
    if fig.cls:
        parts.append(f"({fig.cls})" if parts else fig.cls)
    return " ".join(parts) if parts else "no source"


def catalog_entry(catalog: Catalog, entry_id: str) -> tuple[str, Any]:
    """Return ``(kind, entry)`` of a catalog or tool id.

    ``kind`` is ``"device"``, ``"rack"``, ``"facility"``, ``"tool"`` or ``""``
    when the id is unknown.
    """
    if entry_id in TOOLS:
        return "tool", TOOLS[entry_id]
    if entry_id in catalog.devices:
        return "device", catalog.devices[entry_id]
    if entry_id in catalog.racks:
        return "rack", catalog.racks[entry_id]
    if entry_id in catalog.facility:
        return "facility", catalog.facility[entry_id]
    return "", None


def is_installable(device: DeviceType | None) -> bool:
    """Whether a device type mounts in a rack by U (servers, switches, nodes)."""
    return (device is not None and not device.is_rack_scale
            and device.role in _INSTALLABLE_ROLES and bool(device.u_height))


def _groups(layout: Any):
    return (("rack", layout.racks), ("cooling", layout.cooling), ("feed", layout.feeds),
            ("tray", layout.trays), ("obstacle", layout.hall.obstacles),
            ("fabric", layout.fabrics), ("link", layout.links))


def find_item(document: Any, item_id: str) -> Any:
    """Return a layout item by id: from the document's index when it keeps one (no scan)."""
    item = getattr(document, "item", None)
    return item(item_id) if item is not None else document.layout.find(item_id)


def items_by_id(layout: Any) -> dict[str, Any]:
    """Return ``{id: item}`` of every layout item."""
    return {item.id: item for _kind, group in _groups(layout) for item in group}


def item_kinds(layout: Any) -> dict[str, str]:
    """Return ``{id: kind}`` of every layout item (rack, cooling, feed, tray, obstacle, ...)."""
    return {item.id: kind for kind, group in _groups(layout) for item in group}


def item_kind(layout: Any, item_id: str) -> str:
    """Return the kind of one layout item (``""`` when the id is unknown)."""
    return item_kinds(layout).get(item_id, "")


def _row(label: str, value: str, source: str = "") -> str:
    src = f"<td style='color:#777'>&nbsp;[{html.escape(source)}]</td>" if source else "<td></td>"
    return (f"<tr><td style='color:#555'>{html.escape(label)}</td>"
            f"<td>&nbsp;<b>{html.escape(value)}</b></td>{src}</tr>")


def _fig_row(label: str, fig: Figure, unit: str, scale: float = 1.0, digits: int = 1) -> str:
    if fig.value is None:
        return _row(label, "not published")
    return _row(label, f"{fig.value * scale:,.{digits}f} {unit}".strip(), figure_source(fig))


def entry_tooltip(catalog: Catalog, entry_id: str, derating: float | None = None) -> str:
    """Return the rich-text tooltip of a palette entry: key figures with source keys; a
    feed's continuous budget at ``derating`` (the design's), else at the default."""
    kind, e = catalog_entry(catalog, entry_id)
    rows: list[str] = []
    if kind == "tool":
        return f"<b>{html.escape(e[0])}</b><br>{html.escape(e[1])}<br><i>{entry_id}</i>"
    if kind == "device":
        d: DeviceType = e
        rows.append(_row("Role", d.role.replace("_", " ")))
        rows.append(_row("Generation", d.generation))
        rows.append(_fig_row("Power (max)", d.power_max_w, "kW", 1e-3, 2))
        if d.power_typical_w.value is not None:
            rows.append(_fig_row("Power (typical)", d.power_typical_w, "kW", 1e-3, 2))
        rows.append(_row("Height", "whole rack" if d.is_rack_scale else
                         (f"{d.u_height} U" if d.u_height else "not rack-mounted")))
        if d.gpus:
            rows.append(_row("GPUs", f"{d.gpus} x {d.gpu_model or 'GPU'}"))
        if d.role == "switch" and d.switch_ports:
            rows.append(_row("Ports", f"{d.switch_ports} x {d.switch_port_speed_gbps:g} Gb/s"))
        rows.append(_fig_row("Liquid share", d.liquid_fraction, "%", 100.0, 0))
        rows.append(_fig_row("Weight", d.weight_kg, "kg", 1.0, 1))
        rows.append(_fig_row("Airflow", d.airflow_cfm, "CFM", 1.0, 0))
        title = d.name + (" (preliminary)" if d.is_preliminary else "")
    elif kind == "rack":
        r: RackType = e
        rows.append(_row("Height", f"{r.height_u} U"))
        rows.append(_row("Footprint", f"{r.width_mm.v():.0f} x {r.depth_mm.v():.0f} mm"))
        rows.append(_fig_row("Empty weight", r.weight_kg, "kg", 1.0, 0))
        if r.max_load_kg.value is not None:
            rows.append(_fig_row("Rated load", r.max_load_kg, "kg", 1.0, 0))
        title = r.name
    elif kind == "facility":
        f: FacilityType = e
        rows.append(_row("Kind", f.kind.replace("_", " ")))
        placed = feed_rating_kw(f)
        if placed is not None:
            # what the analysis takes for a feed placed from this entry
            kva = placed / DESIGN_POWER_FACTOR
            derate = Assumptions().continuous_derating if derating is None else derating
            whose = "the default" if derating is None else "this design's"
            rows.append(_row("Rating as placed", f"{placed:,.1f} kW ({kva:,.1f} kVA x "
                                                 f"{DESIGN_POWER_FACTOR:g} power factor)"))
            rows.append(_row("Continuous budget", f"{placed * derate:,.1f} kW "
                                                  f"({derate:.0%} of the rating, {whose} "
                                                  "derating)"))
            rows.append(_fig_row("Catalog capacity", f.capacity_kw, "kVA", 1.0, 1))
        else:
            rows.append(_fig_row("Capacity", f.capacity_kw, "kW", 1.0, 1))
        if f.flow_lpm.value is not None:
            rows.append(_fig_row("Flow", f.flow_lpm, "L/min", 1.0, 0))
        if f.voltage_v:
            rows.append(_row("Supply", f"{f.voltage_v:g} V, {f.phases or 3}-phase, "
                                       f"{f.amps or 0:g} A"))
        title = f.name
    else:
        return entry_id
    return (f"<b>{html.escape(title)}</b><br><i>{html.escape(entry_id)}</i>"
            f"<table cellspacing=0>{''.join(rows)}</table>")


def generation_label(generation: str) -> str:
    """Return the display name of a generation id (``"blackwell-ultra"`` -> ``"Blackwell Ultra"``)."""
    return generation_name(generation)


def gpu_generations(catalog: Catalog) -> list[str]:
    """Return the catalog's generations that have GPU hardware, in the order they shipped.

    The built-in ones in :func:`engine.retarget.generations` order (the toolbar's
    generation selector lists them so), then any a user catalog adds, in its order.
    """
    rank = {g: k for k, g in enumerate(shipped_generations())}
    gens = [g for g in catalog.generations()
            if any(d.generation == g and d.gpus for d in catalog.devices.values())]
    return sorted(gens, key=lambda g: rank.get(g, len(rank)))  # stable: user ones keep order


def entry_figures(catalog: Catalog, entry_id: str) -> str:
    """Return the short key-figure text of a palette entry (``"10.2 kW · 8U · 8 GPUs"``)."""
    kind, e = catalog_entry(catalog, entry_id)
    parts: list[str] = []
    if kind == "device":
        if e.power_max_w.value is not None:
            parts.append(f"{e.power_max_w.value / 1000.0:.3g} kW")
        elif e.power_typical_w.value is not None:
            parts.append(f"{e.power_typical_w.value / 1000.0:.3g} kW")
        if e.is_rack_scale:
            parts.append("rack")
        elif e.u_height:
            parts.append(f"{e.u_height}U")
        if e.gpus:
            parts.append(f"{e.gpus} GPUs")
        if e.role == "switch" and e.switch_ports:
            parts.append(f"{e.switch_ports}x{e.switch_port_speed_gbps:g}G")
    elif kind == "rack":
        parts.append(f"{e.height_u}U")
        parts.append(f"{e.width_mm.v():.0f}x{e.depth_mm.v():.0f} mm")
    elif kind == "facility" and feed_rating_kw(e) is not None:
        # a feed: its rating as placed (volts x amps x power factor), on one basis for
        # busways and rack PDUs
        parts.append(f"{feed_rating_kw(e):,.0f} kW")
    elif kind == "facility" and e.capacity_kw.value is not None:
        parts.append(f"{e.capacity_kw.value:,.0f} kW")
    return " \u00b7 ".join(parts)


def feed_rating_kw(ft: FacilityType) -> float | None:
    """Return the kW rating a feed placed from a catalog entry gets (its volts, phases
    and amps at the design power factor), ``None`` for an entry that is not a feed.

    >>> from engine.catalog import load_catalog
    >>> round(feed_rating_kw(load_catalog(user_dir=None).facility["busway-415v-800a"]), 1)
    546.3
    """
    if ft.kind not in FEED_KINDS or not ft.voltage_v or not ft.amps:
        return None
    return PowerFeed(id="F", kind=ft.kind, voltage_v=ft.voltage_v, phases=ft.phases or 3,
                     amps=ft.amps, power_factor=DESIGN_POWER_FACTOR).rating_kw


#: while a drag previews, the slower panel work (charts, the rule list, the inspector's
#: computed figures) runs at most this often, seconds; the headline figures follow each step
DRAG_INTERVAL_S = 0.1


class DragThrottle:
    """Run a panel's work now, or, while ``document`` previews a drag, at most every
    ``interval_s`` (a request inside the interval runs once when it is up, so the panel
    catches up as soon as the drag pauses).

    ``run`` does the work; work done by another path (a show event, a toggle) calls
    :meth:`ran` so the interval counts from it.
    """

    def __init__(self, owner, document, run, interval_s: float = DRAG_INTERVAL_S) -> None:
        from PySide6.QtCore import QTimer

        self.document = document
        self.run = run
        self.interval_s = interval_s
        self.at = 0.0
        self.timer = QTimer(owner)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.run_now)

    def request(self) -> bool:
        """Run now unless a drag previews and the last run was under ``interval_s`` ago
        (then once the interval is up); return whether it ran now."""
        import time

        wait = self.at + self.interval_s - time.perf_counter()
        if getattr(self.document, "is_previewing", False) and wait > 0:
            if not self.timer.isActive():
                self.timer.start(int(wait * 1000) + 1)
            return False
        self.run_now()
        return True

    def run_now(self) -> None:
        """Run the work at once (a pending deferred run is dropped)."""
        self.ran()
        self.run()

    def ran(self) -> None:
        """Note that the work was just done."""
        import time

        self.timer.stop()
        self.at = time.perf_counter()
