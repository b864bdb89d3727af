"""Palette drops: what a catalog entry dropped at a floor point becomes (one command).

* a rack type: an empty rack, its corner snapped to the grid (or butted against
  a neighbour); next to a row it takes the row's orientation and label;
* a rack-scale system: its rack type holding the system;
* a server, node or switch: installed at the first free U of the rack under
  the drop, or in a new rack on empty floor (of the row it continues, else
  ``rack-800x1200``); the status bar says where it went (the rack and its U range,
  and how the fabric grew when the server started a scalable unit);
* a CRAH or CDU: the unit; a rear door: on the rack under the drop;
* a rack PDU: a feed for the rack under the drop; a busway: along the row
  under the drop, feeding its racks (or a 4.8 m run on empty floor);
* ``tool:tray``, ``tool:column``, ``tool:wall``: a tray along the row (or 6 m),
  a 600 mm column, a 6 m wall.

New racks take the nearest A and B feeds that run over them. A drop that cannot
be done changes nothing and says why in the status bar, naming the catalog entry
as the palette does ("Cannot place NVIDIA DGX H100: GPU-0002: no 8 free U in a run").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from designer.canvas.items import footprint_half
from designer.document import noting_fabric
from engine import edits
from engine.compile import FRONT_BY_ROTATION
from engine.errors import InputError
from engine.model import MountedDevice, Rack
from engine.power import nearest_feeds

if TYPE_CHECKING:
    from designer.canvas.scene import FloorPlanScene

__all__ = ["MIME_CATALOG", "DEFAULT_RACK", "DropPlan", "plan_drop", "perform_drop", "display_name"]

MIME_CATALOG = "application/x-rackscape-catalog"
DEFAULT_RACK = "rack-800x1200"
_INSTALL_ROLES = {"gpu_server", "cpu_node", "switch", "storage", "power_shelf", "other"}
_TOOL_NAMES = {"tool:tray": "Cable tray", "tool:column": "Column", "tool:wall": "Wall"}


@dataclass
class DropPlan:
    """What a drop would do: a label, the footprint to preview, and whether it can."""

    kind: str  # "rack", "install", "unit", "door", "feed", "tray", "obstacle", ""
    label: str
    box: tuple[float, float, float, float] | None
    ok: bool = True
    target: str | None = None
    x_m: float = 0.0
    y_m: float = 0.0
    rotation_deg: int = 0
    row: str | None = None
    #: the rack type a new rack takes (a server dropped on open floor)
    rack_type: str | None = None


def _rack_at(scene: FloorPlanScene, x: float, y: float) -> Rack | None:
    for item in scene.items(scene_point(x, y)):
        if getattr(item, "group", "") == "racks":
            return scene.document.item(item.model_id)
    return None


def scene_point(x: float, y: float):
    """Return the scene point of plan ``(x, y)``."""
    from PySide6.QtCore import QPointF

    return QPointF(x, -y)


def _rack_dims(scene: FloorPlanScene, rack_type: str) -> tuple[float, float]:
    rt = scene.document.catalog.racks.get(rack_type)
    return ((rt.width_mm.v(600) if rt else 600) / 1000.0,
            (rt.depth_mm.v(1200) if rt else 1200) / 1000.0)


def _row_neighbour(scene: FloorPlanScene, x: float, y: float, reach: float) -> Rack | None:
    """Return the rack of a row that ``(x, y)`` continues, if any."""
    layout = scene.document.layout
    if not layout.racks:
        return None
    xs = np.array([r.x_m for r in layout.racks])
    ys = np.array([r.y_m for r in layout.racks])
    near = (np.abs(ys - y) < 0.45) & (np.abs(xs - x) < reach)
    if not near.any():
        return None
    k = np.flatnonzero(near)[np.argmin(np.abs(xs[near] - x))]
    return layout.racks[int(k)]


def _rack_placement(scene: FloorPlanScene, rack_type: str, x: float, y: float,
                    free: bool) -> DropPlan:
    w, d = _rack_dims(scene, rack_type)
    rot, row = 0, None
    nb = _row_neighbour(scene, x, y, w * 2 + 0.6)
    if nb is not None and not free:
        rot, row, y = nb.rotation_deg, nb.row, nb.y_m
        if rot % 180 == 0:
            # its front on the row's front line: a rack of another depth shares that face
            # (rotation 0 faces -y, 180 faces +y)
            shift = (d - _rack_dims(scene, nb.type)[1]) / 2
            y = round(y - FRONT_BY_ROTATION[rot % 360][1] * shift, 6)
    hx, hy = footprint_half(w, d, rot)
    x, y2 = scene.snap_box_position(x, y, hx, hy, free)
    if nb is None or free:
        y = y2
    box = (x - hx, y - hy, x + hx, y + hy)
    others = scene.footprint_boxes()
    clash = bool(len(others)) and bool(np.any(
        (others[:, 0] < box[2] - 1e-6) & (others[:, 2] > box[0] + 1e-6)
        & (others[:, 1] < box[3] - 1e-6) & (others[:, 3] > box[1] + 1e-6)))
    return DropPlan("rack", "", box, not clash, None, x, y, rot, row)


def _new_rack_type(scene: FloorPlanScene, height_u: int, x: float, y: float,
                   free: bool, recommended: str | None = None) -> str:
    """The rack type of a new rack for a device dropped on the floor: that of the row the
    drop continues (a row keeps one footprint) unless the row holds rack-scale systems,
    else the device's recommended rack (the catalog's ``rack_type``: NVIDIA's 700 mm, 52U
    rack for a DGX B200 [S40]), else :data:`DEFAULT_RACK`."""
    cat = scene.document.catalog
    w, _ = _rack_dims(scene, DEFAULT_RACK)
    nb = None if free else _row_neighbour(scene, x, y, w * 2 + 0.6)
    # a row of rack-scale systems (NVL72 racks) is no home for a server's rack type
    if nb is not None and nb.system is None and nb.type in cat.racks \
            and cat.racks[nb.type].height_u >= height_u:
        return nb.type
    if recommended in cat.racks and cat.racks[recommended].height_u >= height_u:
        return recommended
    return DEFAULT_RACK


def plan_drop(scene: FloorPlanScene, type_id: str, x: float, y: float,
              free: bool = False) -> DropPlan:
    """Work out what dropping catalog entry ``type_id`` at plan ``(x, y)`` would do."""
    cat = scene.document.catalog
    target = _rack_at(scene, x, y)
    if type_id in cat.racks:
        plan = _rack_placement(scene, type_id, x, y, free)
        plan.label = f"{cat.racks[type_id].name}"
        return plan
    if type_id in cat.devices:
        dt = cat.devices[type_id]
        if dt.role == "rack_system":
            plan = _rack_placement(scene, dt.rack_type or DEFAULT_RACK, x, y, free)
            plan.label = dt.name
            return plan
        if dt.role in _INSTALL_ROLES and dt.u_height:
            if target is not None:
                free_u = None if target.system else edits.free_u(target, dt.u_height, cat)
                box = _box_of(scene, target.id)
                if free_u is None:
                    why = ("it holds a rack-scale system" if target.system else
                           f"no {dt.u_height} free U in a run")
                    return DropPlan("install", f"{target.id}: {why}", box, False, target.id)
                return DropPlan("install", f"{dt.name} → {target.id} U{free_u}", box, True,
                                target.id)
            rack_type = _new_rack_type(scene, dt.u_height, x, y, free, dt.rack_type)
            plan = _rack_placement(scene, rack_type, x, y, free)
            plan.kind, plan.rack_type = "rack", rack_type
            where = f"row {plan.row}" if plan.row else "open floor"
            plan.label = f"{dt.name} in a new {cat.racks[rack_type].name} ({where})"
            return plan
        return DropPlan("", f"{dt.name} does not mount in a rack", None, False)
    if type_id in cat.facility:
        ft = cat.facility[type_id]
        if ft.kind in ("crah", "cdu"):
            w = ft.width_mm.v(2500 if ft.kind == "crah" else 1200) / 1000
            d = ft.depth_mm.v(900 if ft.kind == "crah" else 1200) / 1000
            by_wall = _by_wall(scene, x, y, w, d) if ft.kind == "crah" and not free else None
            if by_wall is not None:
                px, py, rot, wall = by_wall
                hx, hy = (d / 2, w / 2) if rot == 90 else (w / 2, d / 2)
                return DropPlan("unit", f"{ft.name} along the {wall} wall",
                                (px - hx, py - hy, px + hx, py + hy), True, None, px, py, rot)
            px, py = scene.snap_box_position(x, y, w / 2, d / 2, free)
            return DropPlan("unit", ft.name, (px - w / 2, py - d / 2, px + w / 2, py + d / 2),
                            True, None, px, py)
        if ft.kind == "rear_door":
            if target is None:
                return DropPlan("door", "Drop a rear door on a rack", None, False)
            return DropPlan("door", f"{ft.name} → {target.id}", _box_of(scene, target.id), True,
                            target.id)
        if ft.kind in ("pdu", "rpp", "power_shelf"):
            if target is None:
                return DropPlan("feed", f"Drop a {ft.name} on a rack", None, False)
            if _pdu_side(scene.document.layout, target) is None:
                upstream = [f.id for f in scene.document.layout.feeds
                            if f.id in target.feeds and f.kind in UPSTREAM_KINDS]
                return DropPlan("feed", f"a rack PDU for {target.id}, which is fed from "
                                f"{' and '.join(upstream)} on both sides: its PDUs hang "
                                "from those, which carry its load (a rack PDU is the feed of "
                                "a side no busway or panel serves)",
                                _box_of(scene, target.id), False, target.id)
            return DropPlan("feed", f"{ft.name} → {target.id}", _box_of(scene, target.id), True,
                            target.id)
        if ft.kind == "busway":
            return _run_plan(scene, "feed", ft.name, x, y, target, 4.8, free)
    if type_id == "tool:tray":
        return _run_plan(scene, "tray", "Cable tray", x, y, target, 6.0, free)
    if type_id == "tool:column":
        g = scene.grid_m
        px, py = scene.snap_box_position(x, y, 0.3, 0.3, free)
        return DropPlan("obstacle", "Column 600 × 600 mm", (px - 0.3, py - 0.3, px + 0.3, py + 0.3),
                        True, "column", px, py) if g else DropPlan("", "", None, False)
    if type_id == "tool:wall":
        px, py = scene.snap_box_position(x, y, 3.0, 0.1, free)
        return DropPlan("obstacle", "Wall 6 m", (px - 3.0, py - 0.1, px + 3.0, py + 0.1), True,
                        "wall", px, py)
    return DropPlan("", f"Unknown catalog entry {type_id!r}", None, False)


def _box_of(scene: FloorPlanScene, item_id: str) -> tuple[float, float, float, float] | None:
    item = scene.item_for(item_id)
    return item.plan_box() if item is not None else None


def _row_span(scene: FloorPlanScene, rack: Rack) -> tuple[list[Rack], float, float]:
    racks = [r for r in scene.document.layout.racks if rack.row and r.row == rack.row
             and abs(r.y_m - rack.y_m) < 0.05] or [rack]
    boxes = [_box_of(scene, r.id) for r in racks]
    boxes = [b for b in boxes if b is not None]
    return racks, min(b[0] for b in boxes), max(b[2] for b in boxes)


def _run_plan(scene: FloorPlanScene, kind: str, label: str, x: float, y: float,
              target: Rack | None, length: float, free: bool) -> DropPlan:
    if target is not None:
        racks, x0, x1 = _row_span(scene, target)
        y_run = target.y_m
        plan = DropPlan(kind, f"{label} along row {target.row or target.id} "
                        f"({len(racks)} racks)", (x0, y_run - 0.1, x1, y_run + 0.1), True,
                        target.id, (x0 + x1) / 2, y_run)
        return plan
    px, py = scene.snap_box_position(x, y, length / 2, 0.1, free)
    return DropPlan(kind, f"{label} {length:g} m", (px - length / 2, py - 0.1, px + length / 2,
                                                     py + 0.1), True, None, px, py)


def _new_rack_id(scene: FloorPlanScene, content: str) -> str:
    prefix = {"gpu": "GPU", "cpu": "CPU", "net": "NET"}.get(content, "RK")
    return edits.fresh_id(scene.document.layout.all_ids(), f"{prefix}-0001")


def _feeds_over(scene: FloorPlanScene, box: tuple[float, float, float, float]) -> list[str]:
    """Return the nearest side-A and side-B feed within a tap-off's reach of a footprint."""
    return list(nearest_feeds(scene.document.layout, box).values())


def display_name(scene: FloorPlanScene, type_id: str) -> str:
    """Return the name the palette shows for catalog entry or tool ``type_id``."""
    cat = scene.document.catalog
    for table in (cat.devices, cat.racks, cat.facility):
        if type_id in table:
            return table[type_id].name
    return _TOOL_NAMES.get(type_id, type_id)


def _u_span(u: int, height_u: int) -> str:
    """``"U38–U45"`` for an 8 U device at U38, ``"U12"`` for a 1 U one."""
    return f"U{u}" if height_u <= 1 else f"U{u}–U{u + height_u - 1}"


def _feed_note(layout, rack) -> str:
    """Say which sides a dropped rack is not fed from ("" when every side of the hall's
    power runs feeds it): a rack takes the runs within a tap-off's reach."""
    from engine.power import TAP_OFF_REACH_M

    sides = sorted({f.side for f in layout.feeds})
    if not sides:
        return ""
    side_of = {f.id: f.side for f in layout.feeds}
    has = {side_of.get(f) for f in rack.feeds}
    missing = [s for s in sides if s not in has]
    if not missing:
        return ""
    reach = f"within {TAP_OFF_REACH_M:g} m"
    # the power rules speak of racks that draw power: an empty rack is told what to expect
    see = " (see the rules)" if rack.devices or rack.system else \
        " (the power rules flag it once it holds equipment)"
    if not rack.feeds:
        return f"; no power run {reach}: unfed{see}"
    runs = ", ".join(rack.feeds)
    return f"; fed from {runs} only: no {'/'.join(missing)}-side run {reach}{see}"


def perform_drop(scene: FloorPlanScene, type_id: str, x: float, y: float,
                 free: bool = False) -> list[str]:
    """Drop catalog entry ``type_id`` at plan ``(x, y)``: one document command.

    Returns the ids of the new or changed items (selected). Either way the
    status bar says what happened: where the entry went, or, when it cannot be
    dropped there, why (and ``[]`` is returned, nothing changed).
    """
    try:
        return _perform_drop(scene, type_id, x, y, free)
    except InputError as exc:
        # the drop's own reason ("GPU-0002: no 8 free U in a run"), with the entry's name
        scene.message.emit(f"Cannot place {display_name(scene, type_id)}: {exc.expected}")
        return []


def _perform_drop(scene: FloorPlanScene, type_id: str, x: float, y: float,
                  free: bool) -> list[str]:
    doc = scene.document
    cat = doc.catalog
    plan = plan_drop(scene, type_id, x, y, free)
    if not plan.ok and plan.kind not in ("rack",):
        raise InputError(None, type_id, plan.label or "a place to drop it")
    if plan.kind == "rack":
        rack_type, system, devices, content = type_id, None, [], ""
        if type_id in cat.devices:
            dt = cat.devices[type_id]
            if dt.role == "rack_system":
                rack_type, system, content = dt.rack_type or DEFAULT_RACK, type_id, "gpu"
            else:
                rack_type = plan.rack_type or DEFAULT_RACK
                devices = [MountedDevice(type=type_id, u=1)]
                content = {"gpu_server": "gpu", "cpu_node": "cpu", "switch": "net"}.get(dt.role,
                                                                                       "")
        rid = _new_rack_id(scene, content)
        rack = Rack(id=rid, type=rack_type, x_m=plan.x_m, y_m=plan.y_m,
                    rotation_deg=plan.rotation_deg, row=plan.row, system=system, devices=devices,
                    feeds=_feeds_over(scene, plan.box) if plan.box else [])
        ids, note = noting_fabric(doc, lambda: doc.add_racks([rack]))
        rt = cat.racks.get(rack_type)
        what = display_name(scene, type_id)
        # the rack as it settled: a drop beside a rack of no row starts a row with it
        settled = doc.layout.find(ids[0]) if ids else None
        row = settled.row if settled is not None else plan.row
        where = (f"in row {row}" if row == plan.row else f"starting row {row}") if row \
            else "on open floor"
        inside = f" in new rack {rid} ({rt.name if rt else rack_type})" if devices else f" {rid}"
        clash = "" if plan.ok else "; it overlaps what is there (see the rules)"
        fed = _feed_note(doc.layout, settled) if settled is not None else ""
        scene.message.emit(f"Placed {what}{inside} {where}{clash}{fed}{note}")
        return ids
    if plan.kind == "install":
        u, note = noting_fabric(doc, lambda: doc.install_device(plan.target, type_id))
        dt = cat.devices[type_id]
        at = f" at {_u_span(u, dt.u_height or 1)}" if u else ""
        scene.message.emit(f"Installed {dt.name} in {plan.target}{at}{note}")
        return [plan.target]
    if plan.kind == "unit":
        return [doc.add_cooling_unit(type_id, plan.x_m, plan.y_m, plan.rotation_deg)]
    if plan.kind == "door":
        return [doc.add_cooling_unit(type_id, 0.0, 0.0, rack=plan.target)]
    if plan.kind == "feed":
        ft = cat.facility[type_id]
        if ft.kind == "busway":
            return [_drop_run(scene, plan, type_id)]
        rack = doc.item(plan.target)
        fed = [f for f in doc.layout.feeds if f.id in rack.feeds]
        side = _pdu_side(doc.layout, rack) or "A"
        # PDUs already hanging on that side: this one hangs beside them, not over them
        k = sum(1 for f in fed if f.side == side and f.kind == "pdu")
        return [doc.add_feed(type_id, [_pdu_point(scene, rack, side, k)], side, [rack.id])]
    if plan.kind == "tray":
        return [_drop_run(scene, plan, None)]
    if plan.kind == "obstacle":
        x0, y0, x1, y1 = plan.box
        return [doc.add_obstacle([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], plan.target)]
    raise InputError(None, type_id, plan.label or "a catalog entry the floor plan can place")



#: feeds a rack PDU hangs from, which carry the rack's load themselves: a rack fed from
#: one on a side takes no rack PDU as a feed of that side
UPSTREAM_KINDS = ("busway", "rpp")


def _pdu_side(layout, rack: Rack) -> str | None:
    """The side a rack PDU dropped on ``rack`` feeds: of the sides no busway or panel of
    the rack serves, the one with fewer PDUs (A first: A, B, A, B for a rack of four);
    None when busways or panels serve both.

    >>> from engine.model import Hall, Layout, PowerFeed
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), feeds=[
    ...     PowerFeed(id="BW-A", side="A", points=[(0, 2), (9, 2)])])
    >>> r = Rack(id="R", type="rack-600x1200", x_m=2, y_m=2, feeds=["BW-A"])
    >>> _pdu_side(lay, r), _pdu_side(lay, r.model_copy(update={"feeds": []}))
    ('B', 'A')
    """
    fed = [f for f in layout.feeds if f.id in rack.feeds]
    open_sides = [s for s in ("A", "B")
                  if not any(f.side == s and f.kind in UPSTREAM_KINDS for f in fed)]
    if not open_sides:
        return None
    return min(open_sides, key=lambda s: sum(1 for f in fed if f.side == s))


#: how far a rack's next PDU on one side hangs from the one before, towards the front
#: (m): a marker's width (FeedItem draws a point 0.3 m across), so none hides another
PDU_STEP_M = 0.3


#: a CRAH dropped this near a wall (m, to its centre's nearest wall) stands along it
WALL_SNAP_M = 2.5
#: and this far from it, the service space the templates keep behind their CRAHs (m)
WALL_CLEARANCE_M = 1.5


def _by_wall(scene: FloorPlanScene, x: float, y: float, w: float, d: float
             ) -> tuple[float, float, int, str] | None:
    """Where a CRAH ``w`` long and ``d`` deep dropped at ``(x, y)`` stands by the wall of
    a rectangular hall it is dropped near: its long side along the wall,
    :data:`WALL_CLEARANCE_M` from it, along the wall on the grid. Returns ``(x, y,
    rotation, wall)`` or None (a hall of another shape, a drop out in the room).

    >>> from types import SimpleNamespace as NS
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 12), (0, 12)]))
    >>> scene = NS(document=NS(layout=lay), grid_m=0.6)
    >>> _by_wall(scene, 1.0, 6.1, 2.55, 0.9), _by_wall(scene, 10.0, 11.0, 2.55, 0.9)
    ((1.95, 6.075, 90, 'west'), (10.275, 10.05, 0, 'north'))
    >>> _by_wall(scene, 10.0, 6.0, 2.55, 0.9) is None
    True
    """
    hall = scene.document.layout.hall
    if edits.rect_size(hall.outline) is None:
        return None
    x0, y0, x1, y1 = hall.bounds()
    gaps = {"west": x - x0, "east": x1 - x, "south": y - y0, "north": y1 - y}
    wall = min(gaps, key=gaps.get)
    if not 0 <= gaps[wall] <= WALL_SNAP_M:
        return None
    grid = scene.grid_m or 0.0

    def along(v: float, lo: float, hi: float) -> float:
        # the unit's end on the grid, within the wall
        end = float(edits.snap(v - w / 2, grid)) if grid else v - w / 2
        return round(min(max(end, lo), max(lo, hi - w)) + w / 2, 6)

    off = WALL_CLEARANCE_M + d / 2
    if wall in ("west", "east"):
        px = x0 + off if wall == "west" else x1 - off
        return round(px, 6), along(y, y0, y1), 90, wall
    py = y0 + off if wall == "south" else y1 - off
    return along(x, x0, x1), round(py, 6), 0, wall


def _pdu_point(scene: FloorPlanScene, rack: Rack, side: str, k: int = 0
               ) -> tuple[float, float]:
    """Where a rack PDU stands in plan: at the rack's back, where rack PDUs hang, side A
    on one half of the width and B on the other (not over the rack's label); the
    ``k``-th more on one side :data:`PDU_STEP_M` further in, within the rack.

    >>> from types import SimpleNamespace as NS
    >>> from engine.catalog import default_catalog
    >>> scene = NS(document=NS(catalog=default_catalog()))
    >>> _pdu_point(scene, Rack(id="R", type="rack-600x1200", x_m=2.0, y_m=3.0), "A")
    (1.85, 3.52)
    >>> _pdu_point(scene, Rack(id="R", type="rack-600x1200", x_m=2.0, y_m=3.0), "A", 1)
    (1.85, 3.22)
    """
    w, d = _rack_dims(scene, rack.type)
    fx, fy = FRONT_BY_ROTATION[rack.rotation_deg % 360]
    back = max(d / 2 - 0.08 - PDU_STEP_M * k, -(d / 2 - 0.08))
    across = -w / 4 if side == "A" else w / 4
    return (round(rack.x_m - fx * back - fy * across, 4),
            round(rack.y_m - fy * back + fx * across, 4))


def _drop_run(scene: FloorPlanScene, plan: DropPlan, feed_type: str | None) -> str:
    doc = scene.document
    x0, _, x1, _ = plan.box
    y = plan.y_m
    if feed_type is None:
        return doc.add_tray([(x0, y), (x1, y)])
    racks: list[str] = []
    side = "A"
    if plan.target is not None:
        row, _, _ = _row_span(scene, doc.item(plan.target))
        racks = [r.id for r in row]
        sides = {f.side for f in doc.layout.feeds for r in row if f.id in r.feeds}
        side = "A" if "A" not in sides else "B"
        y = y + (-0.2 if side == "A" else 0.2)
    return doc.add_feed(feed_type, [(x0, y), (x1, y)], side, racks)
