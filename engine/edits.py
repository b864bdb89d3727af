"""Edits: one pure function per designer gesture, each returning a new Layout.

The designer's undo commands call these functions; scripts can call them too.
None of them changes its input: unchanged racks, units and lists are shared
between the old and the new layout, edited ones are replaced by copies. Bad
values raise :class:`engine.errors.InputError` naming the item, the field and
what was expected, before anything changes.

Items are addressed by id. ``LAYOUT_ID`` addresses the layout itself (for
example ``set_field(lay, [LAYOUT_ID], "assumptions.pue", 1.3)``). An item's
*anchor* (:func:`item_anchor`) is the point :func:`move_items` places: the
centre of a rack or unit, the centre of the bounding box of a feed, tray or
obstacle.

Examples
--------
>>> from engine.model import Hall, Layout
>>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)]))
>>> lay2 = add_racks(lay, [{"id": "R1", "type": "rack-800x1200", "x_m": 2.0, "y_m": 2.0}])
>>> lay3 = move_items(lay2, {"R1": (4.4, 2.0)})
>>> (lay2.rack("R1").x_m, lay3.rack("R1").x_m, len(lay.racks))
(2.0, 4.4, 0)
>>> install_device(lay3, "R1", "dgx-h100").rack("R1").devices[0].u
1
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, ValidationError
from shapely.geometry import LineString as ShapelyLineString
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry import box as shapely_box

from engine.catalog import Catalog, default_catalog
from engine.compile import FRONT_BY_ROTATION, front_vectors, rack_geometry
from engine.errors import InputError, format_validation_error
from engine.floor import interior_overlap, overlapping_between
from engine.memo import LastValue
from engine.model import (
    FEED_KINDS,
    CableTray,
    CoolingUnit,
    ExplicitLink,
    Fabric,
    Layout,
    MountedDevice,
    Obstacle,
    PowerFeed,
    Rack,
)
from engine.power import DESIGN_POWER_FACTOR

__all__ = [
    "LAYOUT_ID",
    "settle_racks",
    "feeds_to_take",
    "clipboard_payload",
    "refeed_side",
    "overlapped",
    "off_floor",
    "onto_floor",
    "GROUPS",
    "snap",
    "item_kind",
    "item_anchor",
    "fresh_id",
    "add_racks",
    "remove_items",
    "move_items",
    "rotate_items",
    "set_field",
    "get_field",
    "free_u",
    "install_device",
    "move_device",
    "remove_device",
    "add_cooling_unit",
    "add_feed",
    "add_tray",
    "add_obstacle",
    "add_link",
    "add_fabric",
    "copy_items",
    "paste_ids",
    "paste",
    "duplicate",
    "beside_offset", "close_up",
]

LAYOUT_ID = "@layout"

#: Item groups of a layout, in the order ``Layout.find`` searches them.
GROUPS = ("racks", "cooling", "feeds", "trays", "fabrics", "links", "obstacles")

_MODEL_OF_GROUP: dict[str, type[BaseModel]] = {
    "racks": Rack, "cooling": CoolingUnit, "feeds": PowerFeed, "trays": CableTray,
    "obstacles": Obstacle, "links": ExplicitLink,
}
_SIZE_DEFAULTS_M = {"crah": (2.5, 0.9), "cdu": (1.2, 1.2), "rear_door": (0.6, 0.2)}


# -- helpers ---------------------------------------------------------------------------------

def snap(x: float | np.ndarray, grid: float | None) -> float | np.ndarray:
    """Round a coordinate (or an array of them) to the nearest multiple of ``grid``.

    ``grid`` of ``None`` or ``0`` returns ``x`` unchanged. The result is rounded
    to the micrometre so that ``7 * 0.6`` reads ``4.2``.

    Examples
    --------
    >>> snap(4.31, 0.6), snap(-0.29, 0.6), snap(1.234, None)
    (4.2, -0.0, 1.234)
    >>> snap(np.array([0.2, 0.4]), 0.6).tolist()
    [0.0, 0.6]
    """
    if not grid:
        return x
    out = np.round(np.round(np.asarray(x, dtype=np.float64) / grid) * grid, 6)
    return float(out) if np.ndim(out) == 0 else out


def _group_lists(layout: Layout) -> dict[str, list]:
    return {"racks": layout.racks, "cooling": layout.cooling, "feeds": layout.feeds,
            "trays": layout.trays, "fabrics": layout.fabrics, "links": layout.links,
            "obstacles": layout.hall.obstacles}


def _rebuild(layout: Layout, lists: Mapping[str, list]) -> Layout:
    """Return a copy of ``layout`` with some item lists replaced (no revalidation)."""
    update = {k: v for k, v in lists.items() if k != "obstacles"}
    if "obstacles" in lists:
        update["hall"] = layout.hall.model_copy(update={"obstacles": lists["obstacles"]})
    return layout.model_copy(update=update)


class _Index:
    """Where each id sits in a layout's item lists (group, position), checked on use."""

    def __init__(self, layout: Layout) -> None:
        self.lists = _group_lists(layout)
        self.pos: dict[str, tuple[str, int]] = {}
        for group, items in self.lists.items():
            for i, item in enumerate(items):
                self.pos[item.id] = (group, i)


# A drag moves the same committed layout on every mouse event, and indexing a
# 3,000-rack hall costs more than the move itself. Every look-up checks the id it
# finds, so a list changed in place falls back to a scan.
_INDEX_MEMO: LastValue[_Index] = LastValue()


def _index(layout: Layout) -> _Index:
    return _INDEX_MEMO.get((layout, *_group_lists(layout).values()), lambda: _Index(layout))


def _locate(index: _Index, item_id: str) -> tuple[str, int]:
    where = index.pos.get(item_id)
    if where is not None:
        items = index.lists[where[0]]
        if where[1] < len(items) and items[where[1]].id == item_id:
            return where
    for group, items in index.lists.items():  # changed in place since indexed
        for i, item in enumerate(items):
            if item.id == item_id:
                return group, i
    raise InputError(None, item_id, "the id of an item of the layout")


def item_kind(layout: Layout, item_id: str) -> str | None:
    """Return the group (``"racks"``, ``"cooling"``, ...) holding ``item_id``, or None.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    >>> item_kind(lay, "R1"), item_kind(lay, "nope")
    ('racks', None)
    """
    if item_id == LAYOUT_ID:
        return "layout"
    for group, items in _group_lists(layout).items():
        if any(it.id == item_id for it in items):
            return group
    return None


def _points_of(item: BaseModel) -> list[tuple[float, float]] | None:
    if isinstance(item, (PowerFeed, CableTray)):
        return list(item.points)
    if isinstance(item, Obstacle):
        return list(item.polygon)
    return None


def _anchor(item: BaseModel) -> tuple[float, float] | None:
    pts = _points_of(item)
    if pts is None:
        if hasattr(item, "x_m"):
            return float(item.x_m), float(item.y_m)
        return None
    if not pts:
        return None
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0


def item_anchor(layout: Layout, item_id: str) -> tuple[float, float] | None:
    """Return the point :func:`move_items` places for an item (None if it has none).

    Examples
    --------
    >>> from engine.model import CableTray, Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              trays=[CableTray(id="T1", points=[(0, 1), (4, 1)])])
    >>> item_anchor(lay, "T1")
    (2.0, 1.0)
    """
    item = layout.find(item_id)
    return None if item is None else _anchor(item)


_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


class IdSet(set):
    """A set of ids in use that remembers, per prefix, the highest trailing number and
    the next ``-n`` suffix tried, so :func:`fresh_id` over thousands of new ids (a
    whole hall pasted) does not rescan every id for each one.

    Examples
    --------
    >>> taken = IdSet({"GPU-0001", "GPU-0007"})
    >>> fresh_id(taken, "GPU-0001"), fresh_id(taken, "GPU-0001")
    ('GPU-0008', 'GPU-0009')
    >>> taken.add("GPU-0042"); fresh_id(taken, "GPU-0001")
    'GPU-0043'
    """

    def __init__(self, ids=()) -> None:
        super().__init__(ids)
        self._tops: dict[str, int] | None = None
        self.next_suffix: dict[str, int] = {}

    def add(self, item: str) -> None:
        super().add(item)
        if self._tops is not None and (m := _TRAILING_NUMBER.match(item)):
            n = int(m.group(2))
            if n > self._tops.get(m.group(1), 0):
                self._tops[m.group(1)] = n

    def update(self, *others) -> None:
        for other in others:
            for item in other:
                self.add(item)

    def top(self, prefix: str) -> int:
        """Return the highest trailing number of an id ``prefix`` + digits (0: none)."""
        if self._tops is None:
            self._tops = {}
            for t in self:
                if m := _TRAILING_NUMBER.match(t):
                    n = int(m.group(2))
                    if n > self._tops.get(m.group(1), 0):
                        self._tops[m.group(1)] = n
        return self._tops.get(prefix, 0)


def fresh_id(taken: set[str], base: str) -> str:
    """Return an id like ``base`` that is not in ``taken``, and add it to ``taken``.

    A trailing number counts up past the highest one in use with the same
    prefix; other ids get ``-2``, ``-3``, ...

    Examples
    --------
    >>> fresh_id({"GPU-0001", "GPU-0007"}, "GPU-0001")
    'GPU-0008'
    >>> fresh_id({"COL"}, "COL")
    'COL-2'
    >>> fresh_id(set(), "CRAH-1")
    'CRAH-1'
    """
    if base not in taken:
        taken.add(base)
        return base
    m = _TRAILING_NUMBER.match(base)
    if m:
        prefix, width = m.group(1), len(m.group(2))
        if isinstance(taken, IdSet):
            top = taken.top(prefix)
        else:
            pat = re.compile(re.escape(prefix) + r"(\d+)$")
            top = max((int(mm.group(1)) for t in taken if (mm := pat.match(t))), default=0)
        n = top + 1
        while f"{prefix}{n:0{width}d}" in taken:
            n += 1
        new = f"{prefix}{n:0{width}d}"
    else:
        n = taken.next_suffix.get(base, 2) if isinstance(taken, IdSet) else 2
        while f"{base}-{n}" in taken:
            n += 1
        new = f"{base}-{n}"
        if isinstance(taken, IdSet):
            taken.next_suffix[base] = n + 1
    taken.add(new)
    return new


def _validated(model_cls: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        field, expected = format_validation_error(exc)
        raise InputError(None, f"{where}.{field}" if field != "(top level)" else where,
                         expected) from None


def _check_new_ids(layout: Layout, ids: Iterable[str]) -> None:
    taken = IdSet(layout.all_ids())
    seen: set[str] = set()
    for i in ids:
        if i in taken or i in seen or i == LAYOUT_ID:
            raise InputError(None, i, "an id not used yet in the layout")
        seen.add(i)


# -- adding and removing -----------------------------------------------------------------------

def add_racks(layout: Layout, racks: Sequence[Rack | Mapping[str, Any]],
              catalog: Catalog | None = None) -> Layout:
    """Return the layout with ``racks`` added (models or dicts, validated).

    With a ``catalog``, rack types and contents must be catalog entries.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]))
    >>> len(add_racks(lay, [{"id": "R1", "type": "rack-600x1200", "x_m": 1, "y_m": 1}]).racks)
    1
    """
    new = [r if isinstance(r, Rack) else _validated(Rack, dict(r), f"racks[{k}]")
           for k, r in enumerate(racks)]
    _check_new_ids(layout, [r.id for r in new])
    if catalog is not None:
        for r in new:
            _check_rack_refs(r, catalog)
    return _rebuild(layout, {"racks": [*layout.racks, *new]})


@dataclass(frozen=True)
class RowPlaces:
    """Where a row of racks drawn from ``start`` to ``end`` puts its racks (see
    :func:`row_places`): ``centres`` (plan m), each footprint's half size ``half``, the
    racks' ``rotation``, which places are ``free`` (not on a rack, a unit, an obstacle or
    off the floor) and the racks it stands ``inline`` with (indices)."""

    centres: list[tuple[float, float]]
    half: tuple[float, float]
    rotation: int
    free: np.ndarray
    inline: np.ndarray


def row_places(layout: Layout, model_id: str, start: Sequence[float], end: Sequence[float],
               catalog: Catalog | None = None) -> RowPlaces:
    """Return where :func:`rack_row` would put a row of racks like ``model_id`` drawn from
    ``start`` to ``end``, without adding them (the row tool's preview).

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]),
    ...              racks=[Rack(id="GPU-0001", type="rack-800x1200", x_m=1.4, y_m=1.6)])
    >>> p = row_places(lay, "GPU-0001", (1.0, 1.6), (4.2, 1.6))
    >>> [round(c[0], 3) for c in p.centres], p.free.tolist()
    ([1.4, 2.2, 3.0, 3.8], [False, True, True, True])

    Started 0.3 m off the rack's edge, in line with it, the row still runs on edge to
    edge from it:

    >>> [round(c[0], 3) for c in row_places(lay, "GPU-0001", (2.1, 1.6), (4.5, 1.6)).centres]
    [2.2, 3.0, 3.8]

    Drawn on the grid line 0.066 m off the centre line of a rack set down off the grid,
    the row stands on the rack's line:

    >>> lay = lay.model_copy(update={"racks": [lay.racks[0].model_copy(update={"y_m": 1.534})]})
    >>> {round(c[1], 3) for c in row_places(lay, "GPU-0001", (1.0, 1.6), (4.2, 1.6)).centres}
    {1.534}
    """
    catalog = catalog or default_catalog()
    model, _ = _rack_and_index(layout, model_id)
    x0, y0 = _finite_xy("start", start)
    x1, y1 = _finite_xy("end", end)
    rt = catalog.racks.get(model.type)
    if rt is None:
        raise InputError(None, f"{model_id}.type", "a rack type of the catalog")
    w, d = rt.width_mm.v(600) / 1000.0, rt.depth_mm.v(1200) / 1000.0
    along_x = abs(x1 - x0) >= abs(y1 - y0)
    length = abs(x1 - x0) if along_x else abs(y1 - y0)
    n = max(1, int(length / w + 1e-9))
    sign = 1.0 if (x1 - x0 if along_x else y1 - y0) >= 0 else -1.0
    # the row's footprint stays on the floor: a centre line drawn closer to a wall than
    # half a rack's depth moves in by what it lacks
    xmin, ymin, xmax, ymax = layout.hall.bounds()
    lo, hi = (ymin, ymax) if along_x else (xmin, xmax)
    if hi - lo >= d:
        c = min(max(y0 if along_x else x0, lo + d / 2), hi - d / 2)
        x0, y0 = (x0, c) if along_x else (c, y0)
    rot, inline = _row_rotation(layout, catalog, model, along_x, (x0, y0), n * w * sign, d)
    if len(inline):
        # drawn in line with racks: the new racks continue their run edge to edge, where
        # the line started a fraction of a rack off (a gap a hand cannot see, hot air's
        # way back to the intakes)
        first = (x0 if along_x else y0) + 0.5 * w * sign
        near = min((layout.racks[k] for k in inline.tolist()),
                   key=lambda r: abs((r.x_m if along_x else r.y_m) - first))
        off = ((near.x_m if along_x else near.y_m) - first) % w
        off = off - w if off > w / 2 else off
        if abs(off) > 1e-6:
            x0, y0 = (x0 + off, y0) if along_x else (x0, y0 + off)
        # and on their line across it: a rack set down off the grid (a 1,068 mm deep
        # rack's centre) is followed at its own line, not the grid's a few cm away
        x0, y0 = (x0, near.y_m) if along_x else (near.x_m, y0)
    centres = [((x0 + (k + 0.5) * w * sign, y0) if along_x else (x0, y0 + (k + 0.5) * w * sign))
               for k in range(n)]
    # positions on a column, a wall, a keep-out zone, a unit or a rack, or off the floor,
    # stay empty
    half = (w / 2, d / 2) if rot % 180 == 0 else (d / 2, w / 2)
    free = _free_places(layout, catalog, centres, half)
    return RowPlaces(centres, half, rot, free, inline)


def rack_row(layout: Layout, model_id: str, start: Sequence[float], end: Sequence[float],
             catalog: Catalog | None = None) -> Layout:
    """Return the layout with a row of copies of rack ``model_id`` from ``start`` to ``end``.

    The row runs along x or y, whichever the two points differ most in; the copies
    stand side by side on the line from ``start`` (its centre line: racks land where
    the line is drawn), as many as fit up to ``end`` (at least one). A copy turns 90
    degrees from the model when the row runs along the model's depth, so racks always
    line up by their width; a row drawn beside the model's row, across an aisle, faces
    the other way (fronts face fronts across a cold aisle, backs face backs across a
    hot one), while one drawn in line with it extends it facing the same way. Places
    on a rack, a unit, an obstacle or off the floor stay empty. Copies hold what the
    model holds, form a new row (the next ``Rnn``) or, drawn in line with racks, extend
    their row (racks in line that have no row join the new one), join the fabrics the
    model is an explicit member of, and take no feeds: a busway drawn along the row
    feeds them.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]),
    ...              racks=[Rack(id="GPU-0001", type="rack-800x1200", x_m=1.4, y_m=1.6,
    ...                          row="R01")])
    >>> out = rack_row(lay, "GPU-0001", (2.0, 5.0), (6.1, 5.3))
    >>> [(r.id, r.x_m, r.y_m, r.rotation_deg, r.row) for r in out.racks[1:3]]
    [('GPU-0002', 2.4, 5.0, 180, 'R02'), ('GPU-0003', 3.2, 5.0, 180, 'R02')]
    >>> len(out.racks) - 1
    5
    """
    catalog = catalog or default_catalog()
    model, _ = _rack_and_index(layout, model_id)
    plan = row_places(layout, model_id, start, end, catalog)
    centres, free, rot, inline = plan.centres, plan.free, plan.rotation, plan.inline
    if not free.any():
        raise InputError(None, "row", "free floor along the line drawn (every place on it "
                         "is taken by a rack, a unit, an obstacle or the hall's wall)")
    centres = [c for c, ok in zip(centres, free.tolist(), strict=True) if ok]
    taken = IdSet(layout.all_ids())
    # drawn in line with racks, the row extends theirs: their row, or a new one they join
    named = [layout.racks[k].row for k in inline.tolist() if layout.racks[k].row]
    row = named[0] if named else _fresh_row({r.row for r in layout.racks if r.row})
    joining = {layout.racks[k].id for k in inline.tolist() if not layout.racks[k].row}
    if joining:
        layout = _rebuild(layout, {"racks": [r.model_copy(update={"row": row})
                                             if r.id in joining else r
                                             for r in layout.racks]})
    copies = []
    for x, y in centres:
        copies.append(model.model_copy(update={
            "id": fresh_id(taken, model.id), "x_m": round(x, 6), "y_m": round(y, 6),
            "rotation_deg": rot, "row": row, "feeds": [], "crah": None, "cdu": None}))
    out = add_racks(layout, copies, catalog)
    ids = [r.id for r in copies]
    fabrics = [_with_members(f, ids, out, catalog) if model_id in f.members
               else f for f in out.fabrics]
    return _rebuild(out, {"fabrics": fabrics}) if fabrics != out.fabrics else out


def _with_members(f: Fabric, new_ids: Sequence[str], layout: Layout,
                  catalog: Catalog | None) -> Fabric:
    """Return ``f`` with racks ``new_ids`` of ``layout`` as members: each takes the first
    run of empty node positions (``vacant_before``, a deleted rack's) that holds its nodes,
    so the fabric is as long as before and the racks after the gap keep their leaves; a
    rack no gap holds comes last."""
    if f.topology == "explicit" or not f.vacant_before:
        return f.model_copy(update={"members": [*f.members, *new_ids]})
    from engine.fabric import fabric_node_count

    catalog = catalog or default_catalog()
    members, vac = list(f.members), dict(f.vacant_before)
    for rid in new_ids:
        rack = layout.rack(rid)
        need = fabric_node_count(rack, f, catalog) if rack is not None else 0
        gap = next((m for m in members if need and vac.get(m, 0) >= need), None)
        if gap is None:
            members.append(rid)
            continue
        # the new rack's nodes take the first positions of the gap, the rest stay empty
        members.insert(members.index(gap), rid)
        vac[gap] -= need
        if not vac[gap]:
            del vac[gap]
    return f.model_copy(update={"members": members, "vacant_before": vac})


#: how far a rack's centre can stand from its footprint's edge, with margin (a unit's
#: own width and depth set the reach for units)
_NEAR_M = 2.0


def _door_boxes(layout: Layout, catalog: Catalog,
                racks: set[str] | None = None) -> dict[str, tuple[float, float, float, float]]:
    """Return the floor each rear door takes, by the door's id: its depth behind its
    rack's footprint, as the analysis takes it (``racks``: only the doors of these)."""
    doors = [u for u in layout.cooling if u.kind == "rear_door" and u.rack
             and (racks is None or u.rack in racks)]
    if not doors:
        return {}
    boxes = _footprints(layout, [u.rack for u in doors], catalog)
    turn = {r.id: r.rotation_deg for r in layout.racks if r.id in boxes}
    doors = [u for u in doors if u.rack in boxes]
    fxs, fys = front_vectors(np.array([turn[u.rack] for u in doors], np.float64))
    out = {}
    for u, fx, fy in zip(doors, fxs.tolist(), fys.tolist(), strict=True):
        x0, y0, x1, y1 = boxes[u.rack]
        d = u.depth_m
        # the back is against the front: a rack facing +x has its door on its -x side
        out[u.id] = (x0 - d if fx > 0.5 else x0, y0 - d if fy > 0.5 else y0,
                     x1 + d if fx < -0.5 else x1, y1 + d if fy < -0.5 else y1)
    return out


def _free_places(layout: Layout, catalog: Catalog, centres: Sequence[tuple[float, float]],
                 half: tuple[float, float]) -> np.ndarray:
    """Return which footprints (``centres``, half sizes ``half``) lie on the hall's floor
    clear of racks, floor units and obstacles."""
    hx, hy = half
    own = np.array([(x - hx, y - hy, x + hx, y + hy) for x, y in centres]).reshape(-1, 4)
    # only what stands near the places can cover them (a preview asks on every mouse
    # move: the footprints of a hall's thousands of racks would cost tens of ms)
    reach = max([_NEAR_M, *(max(u.width_m, u.depth_m) for u in layout.cooling)])
    x0, y0 = own[:, 0].min() - reach, own[:, 1].min() - reach
    x1, y1 = own[:, 2].max() + reach, own[:, 3].max() + reach
    others = [*(r.id for r in layout.racks if x0 <= r.x_m <= x1 and y0 <= r.y_m <= y1),
              *(u.id for u in layout.cooling if u.kind != "rear_door"
                and x0 <= u.x_m <= x1 and y0 <= u.y_m <= y1)]
    near = _footprints(layout, others, catalog)
    # a rack's rear door takes floor behind it too
    near.update(_door_boxes(layout, catalog, {i for i in others if i in near}))
    at = np.array(list(near.values())).reshape(-1, 4)
    ok = np.ones(len(own), bool)
    ok[overlapping_between(own, at)[0]] = False
    floor = _Floor(layout)
    for k in np.flatnonzero(ok).tolist():
        ok[k] = floor.free(own[k])
    return ok


def _row_rotation(layout: Layout, catalog: Catalog, model: Rack, along_x: bool,
                  start: tuple[float, float], run_m: float, depth_m: float
                  ) -> tuple[int, np.ndarray]:
    """Return the rotation of a new row from ``start`` running ``run_m`` along x or y,
    and the racks (indices) it stands in line with (it extends their row).

    Racks line up by their width, so a row along the model's depth turns the copy
    90 degrees. Then the rows around it decide: a row drawn in line with racks that
    run the same way extends them and faces as they do; otherwise the nearest row
    across an aisle whose span it shares faces it back to back or front to front
    (the opposite way), so hot aisles stay hot and cold ones cold; with neither, a
    row across an aisle from the model faces the model's row the same way.
    """
    rot = model.rotation_deg
    if along_x != (rot % 180 == 0):
        rot = (rot + 90) % 360
    elif abs((start[1] - model.y_m) if along_x else (start[0] - model.x_m)) > depth_m / 2:
        rot = (rot + 180) % 360  # across an aisle from the model's row: facing it
    racks = layout.racks
    rrot = np.array([r.rotation_deg for r in racks], np.int64)
    depth = np.array([catalog.racks[r.type].depth_mm.v(1200) / 1000.0
                      if r.type in catalog.racks else depth_m for r in racks])
    along = np.array([r.x_m if along_x else r.y_m for r in racks])
    across = np.array([r.y_m if along_x else r.x_m for r in racks])
    a0, a1 = sorted((start[0] if along_x else start[1],
                     (start[0] if along_x else start[1]) + run_m))
    c = start[1] if along_x else start[0]
    parallel = (rrot % 180) == (rot % 180)
    offset = np.abs(across - c)
    # in line: the same centre line, within a rack's width of either end of the row
    inline = parallel & (offset <= (depth + depth_m) / 4) & (along >= a0 - 1.5) & (along <= a1 + 1.5)
    if inline.any():
        near = np.flatnonzero(inline)
        gap = np.maximum(np.maximum(a0 - along[near], along[near] - a1), 0.0)
        return int(rrot[near[np.argmin(gap)]]), near[np.argsort(gap, kind="stable")]
    none = np.zeros(0, np.int64)
    # across an aisle: a parallel row whose span overlaps this one's, nearest first
    facing = parallel & (offset > (depth + depth_m) / 4) & (along >= a0) & (along <= a1)
    if facing.any():
        near = np.flatnonzero(facing)
        return int((rrot[near[np.argmin(offset[near])]] + 180) % 360), none
    return rot, none


def _check_rack_refs(rack: Rack, catalog: Catalog) -> None:
    if rack.type not in catalog.racks:
        raise InputError(None, f"{rack.id}.type", f"a rack type of the catalog (unknown {rack.type!r})")
    for t in ([rack.system] if rack.system else [d.type for d in rack.devices]):
        if t not in catalog.devices:
            raise InputError(None, f"{rack.id}.devices",
                             f"device types of the catalog (unknown {t!r})")
    # a rack-scale system fills its rack as its system; everything else is mounted by U
    if rack.system and catalog.devices[rack.system].role != "rack_system":
        raise InputError(None, f"{rack.id}.system",
                         f"a rack-scale system ({rack.system} is mounted by U: put it in the "
                         "rack's devices)")
    for d in rack.devices:
        if catalog.devices[d.type].role == "rack_system":
            raise InputError(None, f"{rack.id}.devices",
                             f"devices mounted by U ({d.type} is a rack-scale system, which "
                             "fills its rack: put it in the rack's system field)")


def remove_items(layout: Layout, ids: Iterable[str], catalog: Catalog | None = None) -> Layout:
    """Return the layout without the items ``ids`` and without references to them.

    Removing a rack removes its rear door, a rack PDU that feeds it alone, and its
    links, and drops it from
    fabric member lists; a generated fabric keeps its node positions empty
    (``Fabric.vacant_before`` of the next member), so the racks after it keep
    their leaf ports and cables. Removing a feed or unit clears the racks'
    references; a rack left with no feed of a side takes the run of that side
    within a tap-off's reach (``engine.power.TAP_OFF_REACH_M``), if one passes.
    Unknown ids are ignored.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    >>> len(remove_items(lay, ["R1"]).racks)
    0
    """
    gone = set(ids)
    gone.update(u.id for u in layout.cooling if u.kind == "rear_door" and u.rack in gone)
    gone.update(lk.id for lk in layout.links if lk.a.rack in gone or lk.b.rack in gone)
    # a rack PDU (a pdu feed at one point) mounted in racks that all go, goes with them
    by_pdu, by_rack = _pdu_racks(layout)
    gone.update(fid for rid in list(gone) for fid in by_rack.get(rid, ())
                if all(r in gone for r in by_pdu[fid]))
    lists = _group_lists(layout)
    if not any(it.id in gone for items in lists.values() for it in items):
        return layout
    racks = []
    for r in layout.racks:
        if r.id in gone:
            continue
        upd: dict[str, Any] = {}
        if any(f in gone for f in r.feeds):
            upd["feeds"] = [f for f in r.feeds if f not in gone]
        if r.cdu in gone:
            upd["cdu"] = None
        if r.crah in gone:
            upd["crah"] = None
        racks.append(r.model_copy(update=upd) if upd else r)
    fabrics = []
    for f in layout.fabrics:
        if f.id in gone:
            continue
        if any(m in gone for m in f.members) or any(m in gone for m in f.network_racks):
            f = f.model_copy(update={"members": [m for m in f.members if m not in gone],
                                     "network_racks": [m for m in f.network_racks
                                                       if m not in gone],
                                     "vacant_before": _vacancies(layout, f, gone, catalog),
                                     "appended": [m for m in f.appended if m not in gone]})
        fabrics.append(f)
    out = {g: [it for it in items if it.id not in gone] for g, items in lists.items()
           if g not in ("racks", "fabrics")}
    out["racks"] = racks
    out["fabrics"] = fabrics
    after = _rebuild(layout, out)
    # a rack left without a feed of a side (its rack PDU deleted) takes the run of that
    # side within a tap-off's reach, as a rack moved there would: a busway drawn over it
    # feeds it now
    side_of = {f.id: f.side for f in layout.feeds}
    lost = {}
    for r0, r in zip((r for r in layout.racks if r.id not in gone), racks, strict=True):
        sides = {side_of[f] for f in r0.feeds if f in gone and f in side_of}
        sides -= {side_of.get(f) for f in r.feeds}
        if sides:
            lost[r.id] = sides
    return _take_runs_in_reach(after, lost, catalog) if lost else after


def _take_runs_in_reach(layout: Layout, lost: dict[str, set[str]],
                        catalog: Catalog | None) -> Layout:
    """Feed each rack of ``lost`` (rack id: the sides it has no feed of) from the nearest
    run of each such side within a tap-off's reach, where there is one."""
    from engine.power import nearest_feeds_many

    boxes = _footprints(layout, list(lost), catalog or default_catalog())
    ids = [i for i in lost if i in boxes]
    if not ids:
        return layout
    near = dict(zip(ids, nearest_feeds_many(layout, np.array([boxes[i] for i in ids])),
                    strict=True))
    racks = []
    for r in layout.racks:
        add = [near[r.id][s] for s in sorted(lost.get(r.id, ())) if s in near.get(r.id, {})]
        racks.append(r.model_copy(update={"feeds": [*r.feeds, *add]}) if add else r)
    return layout.model_copy(update={"racks": racks})


def _vacancies(layout: Layout, f: Fabric, gone: set[str],
               catalog: Catalog | None) -> dict[str, int]:
    """Return ``f.vacant_before`` once the member racks ``gone`` are deleted: each one's
    node positions (and those kept empty before it) move to the next member that stays;
    after the last, the fabric simply ends sooner."""
    if f.topology == "explicit" or not f.members:
        return dict(f.vacant_before)
    from engine.fabric import fabric_node_count

    catalog = catalog or default_catalog()
    by_id = {r.id: r for r in layout.racks}
    out: dict[str, int] = {}
    pending = 0
    seen: set[str] = set()
    for m in f.members:
        if m in seen:
            continue  # a member listed twice counts where it first stands
        seen.add(m)
        here = f.vacant_before.get(m, 0)
        if m in gone:
            rack = by_id.get(m)
            # its nodes at the fabric's end leave with it (the end shortens), not as
            # empty positions in its place
            own = fabric_node_count(rack, f, catalog) if rack is not None else 0
            pending += here + max(own - f.appended.count(m), 0)
        elif here + pending:
            out[m] = here + pending
            pending = 0
    return _kept_vacancies(out)


def _kept_vacancies(vac: dict[str, int]) -> dict[str, int]:
    """Return ``vac``, or none when it passes what a layout may keep (thousands of racks
    deleted at once): the nodes after them then take the freed ports, and the layout
    still saves and opens."""
    from engine.model import MAX_VACANT_BEFORE_ONE, MAX_VACANT_POSITIONS

    if any(v > MAX_VACANT_BEFORE_ONE for v in vac.values()) or \
            sum(vac.values()) > MAX_VACANT_POSITIONS:
        return {}
    return vac


# -- moving and rotating -----------------------------------------------------------------------

def _translated(item: BaseModel, dx: float, dy: float) -> BaseModel:
    """Return ``item`` moved by ``(dx, dy)``, positions rounded to the micrometre as a move
    rounds them (7.2, not 7.199999999999999, for a copy one tile grid step away)."""
    def p(x: float, y: float) -> tuple[float, float]:
        return round(x + dx, 6), round(y + dy, 6)

    if isinstance(item, Obstacle):
        return item.model_copy(update={"polygon": [p(x, y) for x, y in item.polygon]})
    if isinstance(item, (PowerFeed, CableTray)):
        return item.model_copy(update={"points": [p(x, y) for x, y in item.points]})
    if isinstance(item, CoolingUnit) and item.return_xy_m is not None:
        x, y = p(item.x_m, item.y_m)
        return item.model_copy(update={"x_m": x, "y_m": y,
                                       "return_xy_m": p(*item.return_xy_m)})
    if hasattr(item, "x_m"):
        x, y = p(item.x_m, item.y_m)
        return item.model_copy(update={"x_m": x, "y_m": y})
    return item


def _finite_xy(item_id: str, xy: Sequence[float]) -> tuple[float, float]:
    try:
        x, y = float(xy[0]), float(xy[1])
    except (TypeError, ValueError, IndexError):
        raise InputError(None, item_id, "a position (x_m, y_m)") from None
    if not (math.isfinite(x) and math.isfinite(y)) or abs(x) > 1e5 or abs(y) > 1e5:
        raise InputError(None, item_id, "a finite position within 100 km of the origin")
    return x, y


def move_items(layout: Layout, moves: Mapping[str, Sequence[float]]) -> Layout:
    """Return the layout with items moved so that their anchors are at ``moves[id]``.

    Parameters
    ----------
    moves : dict of id -> (x_m, y_m)
        New anchor position of each item (see :func:`item_anchor`). A rack's
        rear door follows its rack.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    >>> move_items(lay, {"R1": (1.2, 3.0)}).rack("R1").y_m
    3.0
    """
    if not moves:
        return layout
    index = _index(layout)
    lists = {g: list(items) for g, items in _group_lists(layout).items()}
    touched: set[str] = set()
    rack_pos: dict[str, tuple[float, float]] = {}
    for item_id, xy in moves.items():
        group, i = _locate(index, item_id)
        x, y = _finite_xy(item_id, xy)
        item = lists[group][i]
        a = _anchor(item)
        if a is None:
            continue
        moved = _translated(item, x - a[0], y - a[1])
        if hasattr(moved, "x_m"):  # exact target, no float drift from the translation
            moved = moved.model_copy(update={"x_m": x, "y_m": y})
        lists[group][i] = moved
        touched.add(group)
        if group == "racks":
            rack_pos[item_id] = (x, y)
    if rack_pos:
        for i, u in enumerate(lists["cooling"]):
            if u.kind == "rear_door" and u.rack in rack_pos and u.id not in moves:
                x, y = rack_pos[u.rack]
                lists["cooling"][i] = u.model_copy(update={"x_m": x, "y_m": y})
                touched.add("cooling")

        def shift(rid: str, p: Sequence[float]) -> tuple[float, float]:
            was = layout.racks[_locate(index, rid)[1]]
            return (round(p[0] + rack_pos[rid][0] - was.x_m, 9),
                    round(p[1] + rack_pos[rid][1] - was.y_m, 9))

        if _follow_racks(layout, lists, set(moves), rack_pos, shift):
            touched.add("feeds")
    return _rebuild(layout, {g: lists[g] for g in touched})


def _follow_racks(layout: Layout, lists: dict[str, list], chosen: set[str],
                  racks: Mapping[str, Any],
                  place: Callable[[str, Sequence[float]], tuple[float, float]]) -> bool:
    """Carry each rack PDU (a ``pdu`` feed at one point) along with the racks it feeds when
    every one of them is among ``racks`` (ids) and the PDU itself is not in ``chosen``: it
    is mounted in its rack. ``place(rack_id, point)`` gives the point's new place with that
    rack. Return whether any moved.

    Which racks each PDU feeds is kept while the same ``layout`` lists come back (a drag's
    every step moves from the one layout it started on): a step looks at the PDUs of the
    racks it moves only.
    """
    by_pdu, by_rack = _pdu_racks(layout)
    if not by_pdu:
        return False
    index = {f.id: i for i, f in enumerate(lists["feeds"])} if any(
        r in by_rack for r in racks) else {}
    moved = False
    for fid in dict.fromkeys(f for r in racks for f in by_rack.get(r, ())):
        served = by_pdu[fid]
        if fid in chosen or not all(r in racks for r in served) or fid not in index:
            continue
        i = index[fid]
        f = lists["feeds"][i]
        lists["feeds"][i] = f.model_copy(update={"points": [place(served[0], f.points[0])]})
        moved = True
    return moved


#: which racks each rack PDU feeds, and each rack's PDUs, of the last layout asked about
_PDU_RACKS: LastValue[tuple[dict[str, list[str]], dict[str, list[str]]]] = LastValue()


def _pdu_racks(layout: Layout) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return ``(racks by rack PDU, rack PDUs by rack)`` of ``layout``."""
    def compute() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        pdus = {f.id for f in layout.feeds if f.kind == "pdu" and len(f.points) == 1}
        by_pdu: dict[str, list[str]] = {}
        by_rack: dict[str, list[str]] = {}
        if pdus:
            for r in layout.racks:
                for fid in r.feeds:
                    if fid in pdus:
                        by_pdu.setdefault(fid, []).append(r.id)
                        by_rack.setdefault(r.id, []).append(fid)
        return by_pdu, by_rack

    return _PDU_RACKS.get((layout.racks, layout.feeds), compute)


def rotate_items(layout: Layout, ids: Sequence[str], delta_deg: int = 90,
                 pivot: str = "group") -> Layout:
    """Return the layout with items turned counter-clockwise by ``delta_deg``.

    Parameters
    ----------
    ids : list of str
        Items to turn.
    delta_deg : int
        A multiple of 90 degrees (racks and units turn in quarter turns).
    pivot : {"group", "each"}
        Turn the selection as one about the centre of its anchors' bounding box,
        or each item about its own anchor.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0, rotation_deg=270)])
    >>> rotate_items(lay, ["R1"], 90).rack("R1").rotation_deg
    0
    """
    if delta_deg % 90 != 0:
        raise InputError(None, "rotation", "a multiple of 90 degrees")
    if pivot not in ("group", "each"):
        raise InputError(None, "pivot", "'group' or 'each'")
    index = _index(layout)
    located = [(i, *_locate(index, i)) for i in dict.fromkeys(ids)]
    if not located or delta_deg % 360 == 0:
        return layout
    lists = {g: list(items) for g, items in _group_lists(layout).items()}
    anchors = {i: _anchor(lists[g][k]) for i, g, k in located}
    pts = [a for a in anchors.values() if a is not None]
    if not pts:
        return layout
    q = (delta_deg // 90) % 4
    c, s = [1, 0, -1, 0][q], [0, 1, 0, -1][q]
    gx = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2.0
    gy = (min(p[1] for p in pts) + max(p[1] for p in pts)) / 2.0
    touched: set[str] = set()
    rack_pos: dict[str, tuple[float, float]] = {}
    for item_id, group, k in located:
        item, a = lists[group][k], anchors[item_id]
        if a is None:
            continue
        cx, cy = (gx, gy) if pivot == "group" else a

        def turn(x: float, y: float, cx: float = cx, cy: float = cy) -> tuple[float, float]:
            dx, dy = x - cx, y - cy
            return round(cx + c * dx - s * dy, 9), round(cy + s * dx + c * dy, 9)

        if isinstance(item, Obstacle):
            item = item.model_copy(update={"polygon": [turn(*p) for p in item.polygon]})
        elif isinstance(item, (PowerFeed, CableTray)):
            item = item.model_copy(update={"points": [turn(*p) for p in item.points]})
        elif hasattr(item, "rotation_deg"):
            x, y = turn(item.x_m, item.y_m)
            update = {"x_m": x, "y_m": y, "rotation_deg": (item.rotation_deg + delta_deg) % 360}
            if getattr(item, "return_xy_m", None) is not None:
                update["return_xy_m"] = turn(*item.return_xy_m)
            item = item.model_copy(update=update)
            if group == "racks":
                rack_pos[item_id] = (x, y)
        lists[group][k] = item
        touched.add(group)
    if rack_pos:
        for i, u in enumerate(lists["cooling"]):
            if u.kind == "rear_door" and u.rack in rack_pos and u.id not in anchors:
                x, y = rack_pos[u.rack]
                lists["cooling"][i] = u.model_copy(update={
                    "x_m": x, "y_m": y, "rotation_deg": (u.rotation_deg + delta_deg) % 360})
                touched.add("cooling")

        def turned(rid: str, p: Sequence[float]) -> tuple[float, float]:
            cx, cy = (gx, gy) if pivot == "group" else anchors[rid]
            dx, dy = p[0] - cx, p[1] - cy
            return round(cx + c * dx - s * dy, 9), round(cy + s * dx + c * dy, 9)

        if _follow_racks(layout, lists, set(anchors), rack_pos, turned):
            touched.add("feeds")
    return _rebuild(layout, {g: lists[g] for g in touched})


# -- fields ----------------------------------------------------------------------------------

def get_field(layout: Layout, item_id: str, field: str) -> Any:
    """Return the value of ``field`` (a dotted path) of an item or of the layout.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]))
    >>> get_field(lay, LAYOUT_ID, "assumptions.delta_t_air_k")
    11.7
    """
    obj: Any = layout if item_id == LAYOUT_ID else layout.find(item_id)
    if obj is None:
        raise InputError(None, item_id, "the id of an item of the layout")
    for part in field.split("."):
        if not isinstance(obj, BaseModel) or part not in type(obj).model_fields:
            raise InputError(None, f"{item_id}.{field}", "a field of the item")
        obj = getattr(obj, part)
    return obj


def _set_path(obj: BaseModel, parts: list[str], value: Any, where: str) -> BaseModel:
    """Return a validated copy of ``obj`` with the dotted path set to ``value``."""
    name = parts[0]
    if name not in type(obj).model_fields:
        raise InputError(None, where, f"a field of {type(obj).__name__}")
    if len(parts) > 1:
        child = getattr(obj, name)
        if not isinstance(child, BaseModel):
            raise InputError(None, where, f"a field of {type(obj).__name__}")
        return obj.model_copy(update={name: _set_path(child, parts[1:], value, where)})
    if name == "id":
        raise InputError(None, where, "a field other than the id (ids are fixed)")
    if isinstance(obj, Layout) and name in ("racks", "cooling", "feeds", "trays", "hall"):
        raise InputError(None, where, "a scalar field (edit items by their ids)")
    # validate_assignment checks this one field (and the model's own validators) on a
    # throwaway copy, instead of revalidating a whole layout of thousands of racks.
    trial = obj.model_copy()
    try:
        type(obj).__pydantic_validator__.validate_assignment(trial, name, value)
    except ValidationError as exc:
        _, expected = format_validation_error(exc)
        raise InputError(None, where, expected) from None
    return trial


def _check_refs(layout: Layout, item: BaseModel, field: str, catalog: Catalog) -> None:
    if isinstance(item, Rack):
        if field in ("type", "system", "devices"):
            _check_rack_refs(item, catalog)
        if field == "system" and item.system and catalog.devices[item.system].role != "rack_system":
            raise InputError(None, f"{item.id}.system", "a rack-scale system of the catalog")
        if field == "feeds":
            known = {f.id for f in layout.feeds}
            for f in item.feeds:
                if f not in known:
                    raise InputError(None, f"{item.id}.feeds", f"ids of feeds (unknown {f!r})")
    if field == "model" and getattr(item, "model", None) and item.model not in catalog.facility:
        raise InputError(None, f"{item.id}.model", f"a facility model of the catalog "
                         f"(unknown {item.model!r})")
    racks = {r.id for r in layout.racks}
    if isinstance(item, Rack) and field in ("crah", "cdu") and getattr(item, field):
        units = {u.id for u in layout.cooling if u.kind == field}
        if getattr(item, field) not in units:
            raise InputError(None, f"{item.id}.{field}", f"the id of a {field.upper()} of the "
                             f"layout (unknown {getattr(item, field)!r})")
    if isinstance(item, CoolingUnit) and field == "rack" and item.rack and item.rack not in racks:
        raise InputError(None, f"{item.id}.rack", f"the id of a rack (unknown {item.rack!r})")
    if isinstance(item, Fabric):
        for name in ("members", "network_racks"):
            if field == name:
                unknown = [r for r in getattr(item, name) if r not in racks]
                if unknown:
                    raise InputError(None, f"{item.id}.{name}",
                                     f"ids of racks (unknown {unknown[0]!r})")
        if field == "tiers":
            for t in item.tiers:
                dev = catalog.devices.get(t.switch)
                if dev is None or dev.role != "switch":
                    raise InputError(None, f"{item.id}.tiers.{t.name}.switch",
                                     f"a switch of the catalog (got {t.switch!r})")
    if isinstance(item, ExplicitLink):
        if field in ("a", "b"):
            end = getattr(item, field)
            if end.rack not in racks:
                raise InputError(None, f"{item.id}.{field}.rack",
                                 f"the id of a rack (unknown {end.rack!r})")
        if field == "fabric" and item.fabric and item.fabric not in {f.id for f in layout.fabrics}:
            raise InputError(None, f"{item.id}.fabric",
                             f"the id of a fabric (unknown {item.fabric!r})")
        if field == "medium" and item.medium and item.medium not in catalog.media:
            raise InputError(None, f"{item.id}.medium",
                             f"a cable medium of the catalog (unknown {item.medium!r})")


def set_field(layout: Layout, ids: Sequence[str], field: str, value: Any,
              catalog: Catalog | None = None) -> Layout:
    """Return the layout with ``field`` of every item in ``ids`` set to ``value``.

    Parameters
    ----------
    ids : list of str
        Items to edit; ``LAYOUT_ID`` edits the layout itself.
    field : str
        A field name or a dotted path (``"assumptions.pue"``, ``"hall.tile_m"``).
    value
        The new value, validated (and coerced) by the item's pydantic model.
    catalog : Catalog, optional
        When given, rack types, systems, devices and facility models must exist in it,
        and so must a fabric's switch models and a link's medium; the racks a fabric
        or link names, a rack's feeds and a link's fabric must exist in the layout.

    Raises
    ------
    InputError
        Naming the item and field when the value is not valid; nothing changes.

    Examples
    --------
    >>> from engine.model import CoolingUnit, Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]), cooling=[CoolingUnit(
    ...     id="CDU-2", kind="cdu", x_m=0, y_m=0, capacity_kw=1000)])
    >>> set_field(lay, ["CDU-2"], "capacity_kw", "1350").cooling[0].capacity_kw
    1350.0
    >>> set_field(lay, ["CDU-2"], "capacity_kw", -5)
    Traceback (most recent call last):
    ...
    engine.errors.InputError: CDU-2.capacity_kw: expected a value of at least 0.1 (got -5)
    """
    parts = field.split(".")
    if not field or any(not p for p in parts):
        raise InputError(None, "field", "a field name")
    ids = list(dict.fromkeys(ids))
    out = layout
    if LAYOUT_ID in ids:
        out = _set_path(out, parts, value, f"{LAYOUT_ID}.{field}")
        ids = [i for i in ids if i != LAYOUT_ID]
        if not ids:
            return out
    index = _index(out)
    lists = {g: list(items) for g, items in _group_lists(out).items()}
    if parts in (["x_m"], ["y_m"]):
        # a typed position is a move: a unit's air return, a rack's rear door follow
        # it as they follow a drag
        moves = {}
        for item_id in ids:
            group, k = _locate(index, item_id)
            item = _set_path(lists[group][k], parts, value, f"{item_id}.{field}")
            moves[item_id] = (item.x_m, item.y_m)
        return move_items(out, moves)
    touched: set[str] = set()
    for item_id in ids:
        group, k = _locate(index, item_id)
        item = _set_path(lists[group][k], parts, value, f"{item_id}.{field}")
        if catalog is not None:
            _check_refs(out, item, parts[0], catalog)
            if isinstance(item, PowerFeed) and parts[0] in _FEED_FIGURES + ("model", "kind"):
                item = _feed_model_follows(item, parts[0], catalog)
        lists[group][k] = item
        touched.add(group)
    after = _rebuild(out, {g: lists[g] for g in touched})
    if parts == ["type"] and catalog is not None and "racks" in touched:
        racks = [i for i in ids if _locate(index, i)[0] == "racks"]
        after = reflow_runs(out, _keep_fronts(out, after, racks, catalog), racks, catalog)
    return after


def _front_line(r: Rack, catalog: Catalog) -> float:
    """The coordinate across its row of a rack's front face: y for a rack turned 0 or 180
    degrees, x for one turned a quarter (racks of other depths in a row share it)."""
    half = _rack_size_m(r.type, catalog)[1] / 2
    fx, fy = FRONT_BY_ROTATION[r.rotation_deg % 360]
    return r.y_m + fy * half if r.rotation_deg % 180 == 0 else r.x_m + fx * half



def _keep_fronts(before: Layout, after: Layout, rack_ids: Sequence[str],
                 catalog: Catalog) -> Layout:
    """Keep the front face of racks ``rack_ids`` where it was when their depth changed (a
    new rack type): the front stands on the cold aisle's line, and the rack grows or
    shrinks at the back.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]),
    ...              racks=[Rack(id="R", type="nvl72-rack", x_m=2.0, y_m=3.0)])
    >>> deep = lay.model_copy(update={"racks": [lay.racks[0].model_copy(
    ...     update={"type": "rack-800x1200"})]})
    >>> _keep_fronts(lay, deep, ["R"], default_catalog()).racks[0].y_m  # front at y 2.466
    3.066
    """
    old = {r.id: r for r in before.racks}
    moves = {}
    for r in after.racks:
        was = old.get(r.id)
        if r.id not in rack_ids or was is None or was.type == r.type:
            continue
        grow = (_rack_size_m(r.type, catalog)[1] - _rack_size_m(was.type, catalog)[1]) / 2
        if abs(grow) < 1e-9:
            continue
        # the centre moves away from the front by half the change of depth
        fx, fy = FRONT_BY_ROTATION[r.rotation_deg % 360]
        moves[r.id] = (round(r.x_m - fx * grow, 6), round(r.y_m - fy * grow, 6))
    return move_items(after, moves) if moves else after


#: the figures of a feed its catalog model fixes
_FEED_FIGURES = ("voltage_v", "phases", "amps")


def _feed_model_follows(feed: PowerFeed, field: str, catalog: Catalog) -> PowerFeed:
    """Keep a feed's model and its figures one thing: a new model brings its voltage,
    phases and amps; new figures take the catalog model of the feed's kind that has
    them, or none (a feed of its own figures), so no bill orders an 800 A busway for a
    run set to 200 A.

    Examples
    --------
    >>> f = PowerFeed(id="BW-1-A", model="busway-415v-800a", amps=800)
    >>> cat = default_catalog()
    >>> _feed_model_follows(f.model_copy(update={"amps": 400}), "amps", cat).model
    'busway-415v-400a'
    >>> print(_feed_model_follows(f.model_copy(update={"amps": 200}), "amps", cat).model)
    None
    >>> _feed_model_follows(f.model_copy(update={"model": "busway-415v-400a"}), "model",
    ...                     cat).amps
    400.0
    >>> print(_feed_model_follows(f.model_copy(update={"kind": "pdu"}), "kind", cat).model)
    None
    """
    spec = catalog.facility.get(feed.model) if feed.model else None
    if field == "model":
        if spec is None:
            return feed
        kind = {"kind": spec.kind} if spec.kind in FEED_KINDS else {}
        return feed.model_copy(update={**kind, **{k: getattr(spec, k) for k in _FEED_FIGURES
                                                  if getattr(spec, k) is not None}})

    def fits(ft) -> bool:
        return all(getattr(ft, k) is None or abs(float(getattr(ft, k)) - float(getattr(feed, k)))
                   < 1e-9 for k in _FEED_FIGURES)

    if spec is not None and fits(spec) and spec.kind == feed.kind:
        return feed
    same = sorted(ft.id for ft in catalog.facility.values()
                  if ft.kind == feed.kind and all(getattr(ft, k) is not None
                                                  for k in _FEED_FIGURES) and fits(ft))
    return feed.model_copy(update={"model": same[0] if same else None})


def _rack_size_m(type_id: str, catalog: Catalog) -> tuple[float, float]:
    """Width and depth (m) of a rack type, 600 x 1200 mm where the catalog lacks it."""
    rt = catalog.racks.get(type_id)
    return (rt.width_mm.v(600) / 1000.0, rt.depth_mm.v(1200) / 1000.0) if rt else (0.6, 1.2)


def _rack_width_m(rack: Rack, catalog: Catalog) -> float:
    return _rack_size_m(rack.type, catalog)[0]


def _rack_box(type_id: str, x: float, y: float, rotation_deg: int,
              catalog: Catalog) -> tuple[float, float, float, float]:
    """Plan box ``minx, miny, maxx, maxy`` of a rack of ``type_id`` standing at ``x, y``."""
    w, d = _rack_size_m(type_id, catalog)
    hx, hy = (float(v) for v in rack_geometry(x, y, w, d, rotation_deg))
    return x - hx, y - hy, x + hx, y + hy


def reflow_runs(before: Layout, after: Layout, rack_ids: Sequence[str],
                catalog: Catalog, touch_m: float = 0.05) -> Layout:
    """Re-space the runs of racks side by side that racks ``rack_ids`` stood in, where their
    width along the row changed between ``before`` and ``after`` (a new rack type): the
    racks of each run take their new widths edge to edge, keeping the gaps between them,
    so a row of 600 mm racks made 800 mm grows along the row instead of overlapping. The
    run keeps its first edge, else its last edge, else its middle: the first of these
    that leaves it clear of the other racks, the floor units, the obstacles and the walls
    (none does: its first edge, and the floor rules say what it meets). A run is the
    racks in one line, facing along one axis, whose edges touch (within ``touch_m``).

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]), racks=[
    ...     Rack(id=f"R{i}", type="rack-600x1200", x_m=2.3 + 0.6 * i, y_m=3) for i in range(3)])
    >>> wide = set_field(lay, ["R0", "R1", "R2"], "type", "rack-800x1200",
    ...                  catalog=default_catalog())
    >>> [r.x_m for r in wide.racks]
    [2.4, 3.2, 4.0]
    """
    old = {r.id: r for r in before.racks}
    new = {r.id: r for r in after.racks}
    changed = [i for i in dict.fromkeys(rack_ids) if i in old and i in new
               and abs(_rack_width_m(old[i], catalog) - _rack_width_m(new[i], catalog)) > 1e-9]
    if not changed:
        return after

    def line_key(r: Rack) -> tuple[bool, float]:
        # a row's racks share their front face (racks of other depths have other centres)
        return r.rotation_deg in (0, 180), round(_front_line(r, catalog), 2)

    lines: dict[tuple[bool, float], list[Rack]] = {}
    for r in before.racks:
        lines.setdefault(line_key(r), []).append(r)
    runs: list[tuple[bool, list[Rack]]] = []
    done: set[str] = set()
    for rid in changed:
        if rid in done:
            continue
        along_x, _ = key = line_key(old[rid])
        row = sorted(lines[key], key=lambda r: r.x_m if along_x else r.y_m)
        pos = [(r.x_m if along_x else r.y_m) for r in row]
        half = [_rack_width_m(r, catalog) / 2 for r in row]
        # the run of touching racks around this one
        k = next(j for j, r in enumerate(row) if r.id == rid)
        lo = hi = k
        while lo > 0 and pos[lo] - half[lo] - (pos[lo - 1] + half[lo - 1]) <= touch_m:
            lo -= 1
        while hi + 1 < len(row) and pos[hi + 1] - half[hi + 1] - (pos[hi] + half[hi]) <= touch_m:
            hi += 1
        runs.append((along_x, row[lo:hi + 1]))
        done.update(r.id for r in row[lo:hi + 1])
    moves: dict[str, tuple[float, float]] = {}
    floor = _Floor(after)
    for along_x, run in runs:
        ids = {r.id for r in run}
        pos = [(r.x_m if along_x else r.y_m) for r in run]
        half = [_rack_width_m(r, catalog) / 2 for r in run]
        gaps = [0.0] + [pos[j] - half[j] - (pos[j - 1] + half[j - 1]) for j in range(1, len(run))]
        widths = [_rack_width_m(new[r.id], catalog) for r in run]
        length = sum(widths) + sum(gaps)
        first, last = pos[0] - half[0], pos[-1] + half[-1]
        others = _footprints(after, [r.id for r in after.racks if r.id not in ids]
                             + [u.id for u in after.cooling if u.kind != "rear_door"], catalog)
        boxes = np.array(list(others.values())) if others else np.zeros((0, 4))
        choice = None
        for start in (first, last - length, (first + last - length) / 2):
            centres, edge = [], start
            for w, g in zip(widths, gaps, strict=True):
                edge += g
                centres.append(round(edge + w / 2, 6))
                edge += w
            # across the row each rack stands where the edit left it (its front kept)
            placed = [_rack_box(new[r.id].type, *((c, new[r.id].y_m) if along_x
                                                  else (new[r.id].x_m, c)),
                                r.rotation_deg, catalog) for r, c in zip(run, centres, strict=True)]
            clear = all(floor.free(b) for b in placed) and not any(
                interior_overlap(np.asarray(b)[None, :], boxes).any() for b in placed)
            if choice is None:
                choice = centres  # none is clear: the first edge, and the rules say why
            if clear:
                choice = centres
                break
        for r, c in zip(run, choice, strict=True):
            now = new[r.id]
            cur = now.x_m if along_x else now.y_m
            if abs(c - cur) > 1e-9:
                moves[r.id] = (c, now.y_m) if along_x else (now.x_m, c)
    return move_items(after, moves) if moves else after


# -- devices in racks ------------------------------------------------------------------------

def _rack_and_index(layout: Layout, rack_id: str) -> tuple[Rack, int]:
    for i, r in enumerate(layout.racks):
        if r.id == rack_id:
            return r, i
    raise InputError(None, rack_id, "the id of a rack of the layout")


def _device_type(catalog: Catalog, type_id: str):
    try:
        return catalog.devices[type_id]
    except KeyError:
        raise InputError(None, "type", f"a device type of the catalog (unknown {type_id!r})") from None


def _occupancy(rack: Rack, catalog: Catalog, skip_u: int | None = None) -> np.ndarray:
    """Return a bool array (index 0 = U1) of the rack's used units."""
    height = catalog.racks[rack.type].height_u if rack.type in catalog.racks else 48
    used = np.zeros(height, bool)
    for d in rack.devices:
        if d.u == skip_u:
            continue
        dt = catalog.devices.get(d.type)
        h = (dt.u_height or 0) if dt else 1
        used[max(d.u - 1, 0):d.u - 1 + h] = True
    return used


def free_u(rack: Rack, height_u: int, catalog: Catalog | None = None,
           skip_u: int | None = None) -> int | None:
    """Return the lowest U where ``height_u`` free units start, or None.

    Examples
    --------
    >>> from engine.model import MountedDevice, Rack
    >>> r = Rack(id="R", type="rack-800x1200", x_m=0, y_m=0,
    ...          devices=[MountedDevice(type="dgx-h100", u=1)])
    >>> free_u(r, 8)
    9
    """
    catalog = catalog or default_catalog()
    used = _occupancy(rack, catalog, skip_u)
    if height_u <= 0 or height_u > len(used):
        return None
    free = np.concatenate([[0], np.cumsum(~used)])
    runs = free[height_u:] - free[:-height_u]
    ok = np.flatnonzero(runs == height_u)
    return int(ok[0]) + 1 if len(ok) else None


def _fits(rack: Rack, u: int, h: int, catalog: Catalog, skip_u: int | None = None) -> bool:
    used = _occupancy(rack, catalog, skip_u)
    return 1 <= u and u + h - 1 <= len(used) and not used[u - 1:u - 1 + h].any()


def _replace_rack(layout: Layout, i: int, rack: Rack) -> Layout:
    racks = list(layout.racks)
    racks[i] = rack
    return _rebuild(layout, {"racks": racks})


def install_device(layout: Layout, rack_id: str, type_id: str, u: int | None = None,
                   catalog: Catalog | None = None, name: str | None = None) -> Layout:
    """Return the layout with a device installed in a rack.

    Parameters
    ----------
    rack_id, type_id : str
        The rack and the catalog device type.
    u : int, optional
        Lowest U of the device; by default the first free U from the bottom
        where the device's catalog height fits. A rack-scale system fills an
        empty rack instead.

    Raises
    ------
    InputError
        When the device does not fit (no free U, a system in the rack, no U height).

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    >>> lay = install_device(lay, "R1", "dgx-h100")
    >>> [d.u for d in install_device(lay, "R1", "dgx-h100").rack("R1").devices]
    [1, 9]
    """
    catalog = catalog or default_catalog()
    rack, i = _rack_and_index(layout, rack_id)
    dt = _device_type(catalog, type_id)
    if dt.role == "rack_system":
        if rack.system or rack.devices:
            raise InputError(None, rack_id, f"an empty rack for the rack-scale system {dt.name}")
        return _held_positions(layout, _replace_rack(
            layout, i, rack.model_copy(update={"system": type_id})), rack_id, catalog)
    if rack.system:
        raise InputError(None, rack_id, f"a rack without a rack-scale system to take {dt.name}")
    h = dt.u_height or 0
    if h <= 0:
        raise InputError(None, type_id, "a device with a U height (it is not rack-mounted)")
    if len(rack.devices) >= 60:
        raise InputError(None, rack_id, "a rack with fewer than 60 devices")
    if u is None:
        u = free_u(rack, h, catalog)
        if u is None:
            raise InputError(None, rack_id, f"{h} free U in a row for {dt.name}")
    elif not _fits(rack, u, h, catalog):
        raise InputError(None, f"{rack_id}.U{u}", f"{h} free U from U{u} for {dt.name}")
    devices = sorted([*rack.devices, MountedDevice(type=type_id, u=u, name=name)],
                     key=lambda d: d.u)
    return _held_positions(layout, _replace_rack(
        layout, i, rack.model_copy(update={"devices": devices})), rack_id, catalog)


def move_device(layout: Layout, rack_id: str, from_u: int, to_u: int,
                catalog: Catalog | None = None) -> Layout:
    """Return the layout with the device at ``from_u`` moved to ``to_u`` in its rack.

    Examples
    --------
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0,
    ...                          devices=[MountedDevice(type="dgx-h100", u=1)])])
    >>> move_device(lay, "R1", 1, 20).rack("R1").devices[0].u
    20
    """
    catalog = catalog or default_catalog()
    rack, i = _rack_and_index(layout, rack_id)
    k = next((j for j, d in enumerate(rack.devices) if d.u == from_u), None)
    if k is None:
        raise InputError(None, f"{rack_id}.U{from_u}", "a device at that U")
    if to_u == from_u:
        return layout
    dev = rack.devices[k]
    dt = catalog.devices.get(dev.type)
    h = (dt.u_height or 1) if dt else 1
    if not _fits(rack, to_u, h, catalog, skip_u=from_u):
        raise InputError(None, f"{rack_id}.U{to_u}", f"{h} free U from U{to_u}")
    devices = list(rack.devices)
    devices[k] = dev.model_copy(update={"u": to_u})
    devices.sort(key=lambda d: d.u)
    return _replace_rack(layout, i, rack.model_copy(update={"devices": devices}))


def remove_device(layout: Layout, rack_id: str, u: int | None = None,
                  catalog: Catalog | None = None) -> Layout:
    """Return the layout without the device at ``u`` (``None``: the rack-scale system).

    A fabric node removed leaves its position empty (``Fabric.vacant_before``), so the
    nodes after it keep their leaf ports; a node installed later takes it again.

    Examples
    --------
    >>> from engine.model import Hall, Layout, MountedDevice, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0,
    ...                          devices=[MountedDevice(type="dgx-h100", u=1)])])
    >>> remove_device(lay, "R1", 1).rack("R1").devices
    []
    """
    rack, i = _rack_and_index(layout, rack_id)
    if u is None:
        if rack.system is None:
            raise InputError(None, f"{rack_id}.system", "a rack-scale system to remove")
        return _held_positions(layout, _replace_rack(
            layout, i, rack.model_copy(update={"system": None})), rack_id, catalog)
    devices = [d for d in rack.devices if d.u != u]
    if len(devices) == len(rack.devices):
        raise InputError(None, f"{rack_id}.U{u}", "a device at that U")
    return _held_positions(layout, _replace_rack(
        layout, i, rack.model_copy(update={"devices": devices})), rack_id, catalog)


def _held_positions(before: Layout, after: Layout, rack_id: str,
                    catalog: Catalog | None) -> Layout:
    """Return ``after`` with each generated fabric's empty node positions before member
    ``rack_id`` following its node count: a node fewer leaves its position empty (or, when
    the rack has nodes at the fabric's end, gives up the last of those), a node more takes
    an empty one first, else stands at the fabric's end (``Fabric.appended``) where nodes
    come after the rack, so the racks after it keep their leaf ports."""
    fabrics = [f for f in after.fabrics if f.topology != "explicit" and rack_id in f.members]
    if not fabrics:
        return after
    from engine.fabric import fabric_node_count

    catalog = catalog or default_catalog()
    old_rack, new_rack = before.rack(rack_id), after.rack(rack_id)
    out = list(after.fabrics)
    for k, f in enumerate(after.fabrics):
        if f not in fabrics:
            continue
        change = fabric_node_count(new_rack, f, catalog) - fabric_node_count(old_rack, f,
                                                                            catalog)
        vac = dict(f.vacant_before)
        appended = list(f.appended)
        if change < 0:
            # a node fewer: the rack's nodes at the fabric's end go first (the fabric's end
            # shortens), then its place keeps an empty position
            while change < 0 and rack_id in appended:
                del appended[len(appended) - 1 - appended[::-1].index(rack_id)]
                change += 1
            if change < 0:
                vac[rack_id] = vac.get(rack_id, 0) - change
        elif change > 0:
            # a node more takes the empty positions next to the rack's own: those before
            # it, then those before the next member (right after its last node)
            pos = f.members.index(rack_id)
            nxt = next((m for m in f.members[pos + 1:] if m != rack_id), None)
            for m in (rack_id, nxt):
                take = min(vac.get(m, 0), change) if m is not None else 0
                if take:
                    vac[m] -= take
                    change -= take
            # the rest stand at the fabric's end where nodes follow the rack (a later
            # member's, or nodes already put there): those keep their ports
            later = {m for m in f.members[pos + 1:] if m != rack_id}
            follows = bool(appended) or any(
                fabric_node_count(r, f, catalog) for r in after.racks if r.id in later)
            if change > 0 and follows:
                appended += [rack_id] * change
        vac = _kept_vacancies({m: v for m, v in vac.items() if v})
        if vac != f.vacant_before or appended != f.appended:
            out[k] = f.model_copy(update={"vacant_before": vac, "appended": appended})
    return _rebuild(after, {"fabrics": out}) if out != list(after.fabrics) else after


# -- facility ----------------------------------------------------------------------------------

def _facility(catalog: Catalog, type_id: str, kinds: tuple[str, ...]):
    ft = catalog.facility.get(type_id)
    if ft is None or ft.kind not in kinds:
        raise InputError(None, "type", f"a facility model of kind {' or '.join(kinds)} "
                         f"(got {type_id!r})")
    return ft


def add_cooling_unit(layout: Layout, type_id: str, x_m: float, y_m: float,
                     rotation_deg: int = 0, rack: str | None = None, unit_id: str | None = None,
                     catalog: Catalog | None = None) -> Layout:
    """Return the layout with a CRAH, CDU or rear door of catalog model ``type_id`` added.

    The unit joins the redundancy group most units of its kind use, so N+1
    counts it. A rear door needs ``rack`` and sits on that rack.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]))
    >>> u = add_cooling_unit(lay, "crah-cw-150", 1.0, 4.0).cooling[0]
    >>> (u.id, u.kind, u.capacity_kw, u.width_m)
    ('CRAH-1', 'crah', 150.0, 2.55)
    """
    catalog = catalog or default_catalog()
    ft = _facility(catalog, type_id, ("crah", "cdu", "rear_door"))
    if ft.capacity_kw.value is None:
        raise InputError(None, type_id, "a cooling model with a rated capacity")
    w_def, d_def = _SIZE_DEFAULTS_M[ft.kind]
    if ft.kind == "rear_door":
        if rack is None:
            raise InputError(None, type_id, "a rack to mount the rear door on")
        r, _ = _rack_and_index(layout, rack)
        if any(u.kind == "rear_door" and u.rack == rack for u in layout.cooling):
            raise InputError(None, rack, "a rack without a rear door")
        x_m, y_m, rotation_deg = r.x_m, r.y_m, r.rotation_deg
        w_def = _rack_size_m(r.type, catalog)[0]
    taken = IdSet(layout.all_ids())
    prefix = {"crah": "CRAH", "cdu": "CDU", "rear_door": "RD"}[ft.kind]
    uid = unit_id or fresh_id(taken, f"RD-{rack}" if ft.kind == "rear_door" else
                              f"{prefix}-{sum(u.kind == ft.kind for u in layout.cooling) + 1}")
    if unit_id:
        _check_new_ids(layout, [unit_id])
    groups = [u.group for u in layout.cooling if u.kind == ft.kind and u.group]
    group = max(set(groups), key=groups.count) if groups else None
    unit = _validated(CoolingUnit, {
        "id": uid, "kind": ft.kind, "model": ft.id, "x_m": x_m, "y_m": y_m,
        "rotation_deg": rotation_deg, "capacity_kw": ft.capacity_kw.value,
        "flow_lpm": ft.flow_lpm.value or None,
        "width_m": ft.width_mm.v(w_def * 1000) / 1000.0,
        "depth_m": ft.depth_mm.v(d_def * 1000) / 1000.0,
        "group": group, "rack": rack}, uid)
    return _rebuild(layout, {"cooling": [*layout.cooling, unit]})


def add_feed(layout: Layout, type_id: str, points: Sequence[Sequence[float]], side: str = "A",
             racks: Sequence[str] = (), feed_id: str | None = None,
             catalog: Catalog | None = None) -> Layout:
    """Return the layout with a feed (busway, rPDU, RPP) of catalog model ``type_id`` added.

    ``racks`` are connected to the new feed.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]))
    >>> f = add_feed(lay, "busway-415v-400a", [(1, 1), (7, 1)], side="B").feeds[0]
    >>> (f.id, f.kind, f.side, round(f.rating_kw, 1))  # 287.5 kVA at a power factor of 0.95
    ('BW-1-B', 'busway', 'B', 273.1)
    """
    catalog = catalog or default_catalog()
    ft = _facility(catalog, type_id, FEED_KINDS)
    prefix = {"busway": "BW", "pdu": "PDU", "rpp": "RPP"}[ft.kind]
    n = sum(f.kind == ft.kind for f in layout.feeds) + 1
    fid = feed_id or fresh_id(layout.all_ids(), f"{prefix}-{n}-{side}")
    if feed_id:
        _check_new_ids(layout, [feed_id])
    data: dict[str, Any] = {"id": fid, "kind": ft.kind, "model": ft.id, "side": side,
                            "points": [tuple(p) for p in points],
                            "power_factor": DESIGN_POWER_FACTOR}
    for key in ("voltage_v", "phases", "amps"):
        if getattr(ft, key) is not None:
            data[key] = getattr(ft, key)
    feed = _validated(PowerFeed, data, fid)
    out = _rebuild(layout, {"feeds": [*layout.feeds, feed]})
    if racks:
        racks_new = list(out.racks)
        want = set(racks)
        for i, r in enumerate(racks_new):
            if r.id in want:
                racks_new[i] = r.model_copy(update={"feeds": [*r.feeds, fid]})
                want.discard(r.id)
        if want:
            raise InputError(None, sorted(want)[0], "the id of a rack of the layout")
        out = _rebuild(out, {"racks": racks_new})
    return out


def add_tray(layout: Layout, points: Sequence[Sequence[float]], width_m: float = 0.6,
             elevation_m: float | None = None, tray_id: str | None = None) -> Layout:
    """Return the layout with a cable tray along the polyline ``points`` (metres).

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]))
    >>> add_tray(lay, [(1, 2), (8, 2)]).trays[0].elevation_m
    2.7
    """
    tid = tray_id or fresh_id(layout.all_ids(), f"TR-{len(layout.trays) + 1:02d}")
    if tray_id:
        _check_new_ids(layout, [tray_id])
    elev = layout.assumptions.tray_elevation_m if elevation_m is None else elevation_m
    tray = _validated(CableTray, {"id": tid, "points": [tuple(p) for p in points],
                                  "width_m": width_m, "elevation_m": elev}, tid)
    return _rebuild(layout, {"trays": [*layout.trays, tray]})


def add_link(layout: Layout, a_rack: str, b_rack: str, a_u: int | None = None,
             b_u: int | None = None, speed_gbps: float = 400.0, count: int = 1,
             link_id: str | None = None) -> Layout:
    """Return the layout with an explicit link group drawn between two racks' devices.

    ``a_u``/``b_u`` name the device by a U it takes, an installed one or a switch the
    fabric placed (``None``: the rack's first device, or its rack-scale system).
    Explicit links are cabled and take part in the bisection computation like
    generated ones.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]),
    ...              racks=[Rack(id="A", type="rack-800x1200", x_m=2, y_m=2),
    ...                     Rack(id="B", type="rack-800x1200", x_m=6, y_m=2)])
    >>> link = add_link(lay, "A", "B", speed_gbps=800, count=4).links[0]
    >>> link.id, link.a.rack, link.b.rack, link.count
    ('L-1', 'A', 'B', 4)
    """
    if a_rack == b_rack:
        raise InputError(None, "links.b.rack", "a rack other than the link's A end")
    ends = []
    for rack_id, u in ((a_rack, a_u), (b_rack, b_u)):
        rack, _ = _rack_and_index(layout, rack_id)
        if u is None and rack.devices:
            u = min(d.u for d in rack.devices)
        # any other U may hold a switch the fabric placed in the rack's free U: the
        # analysis finds what is there, or says nothing is (LINK-ENDPOINT)
        ends.append({"rack": rack_id, "u": u})
    lid = link_id or fresh_id(layout.all_ids(), f"L-{len(layout.links) + 1}")
    if link_id:
        _check_new_ids(layout, [link_id])
    link = _validated(ExplicitLink, {"id": lid, "a": ends[0], "b": ends[1],
                                     "speed_gbps": speed_gbps, "count": count}, lid)
    return _rebuild(layout, {"links": [*layout.links, link]})


def add_fabric(layout: Layout, fabric: Fabric | Mapping[str, Any],
               catalog: Catalog | None = None) -> Layout:
    """Return the layout with a new fabric (a model or a dict, validated).

    Its member and network racks must be racks of the layout and its tiers' switches
    switches of the catalog. :func:`engine.fabric_plan.suggest_fabric` proposes one
    for a set of racks.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]),
    ...              racks=[Rack(id="A", type="rack-800x1200", x_m=2, y_m=2)])
    >>> f = {"id": "compute", "members": ["A"], "tiers": [{"name": "leaf", "switch": "qm9700"}]}
    >>> [x.id for x in add_fabric(lay, f).fabrics]
    ['compute']
    >>> add_fabric(lay, {**f, "id": "f2", "network_racks": ["B"]})
    Traceback (most recent call last):
    ...
    engine.errors.InputError: f2.network_racks: expected ids of racks (unknown 'B')
    """
    catalog = catalog or default_catalog()
    fid = fabric.id if isinstance(fabric, Fabric) else str(dict(fabric).get("id", "fabric"))
    new = fabric if isinstance(fabric, Fabric) else _validated(Fabric, dict(fabric), fid)
    _check_new_ids(layout, [new.id])
    for field in ("members", "network_racks", "tiers"):  # as an inspector edit checks them
        _check_refs(layout, new, field, catalog)
    return _rebuild(layout, {"fabrics": [*layout.fabrics, new]})


def add_obstacle(layout: Layout, polygon: Sequence[Sequence[float]], kind: str = "column",
                 obstacle_id: str | None = None) -> Layout:
    """Return the layout with a column, wall or keep-out polygon added to the hall.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)]))
    >>> add_obstacle(lay, [(4, 4), (4.6, 4), (4.6, 4.6), (4, 4.6)]).hall.obstacles[0].id
    'COL-1'
    """
    prefix = {"column": "COL", "wall": "WALL", "keepout": "KEEP"}.get(kind, "OBS")
    n = sum(o.kind == kind for o in layout.hall.obstacles) + 1
    oid = obstacle_id or fresh_id(layout.all_ids(), f"{prefix}-{n}")
    if obstacle_id:
        _check_new_ids(layout, [obstacle_id])
    obs = _validated(Obstacle, {"id": oid, "kind": kind,
                                "polygon": [tuple(p) for p in polygon]}, oid)
    return _rebuild(layout, {"obstacles": [*layout.hall.obstacles, obs]})


# -- align and distribute -----------------------------------------------------------------------

ALIGN_EDGES = ("left", "right", "bottom", "top", "center_x", "center_y")


def _find(layout: Layout, item_id: str) -> BaseModel | None:
    """Return an item by id through the cached index (None when absent)."""
    index = _index(layout)
    try:
        group, i = _locate(index, item_id)
    except InputError:
        return None
    return index.lists[group][i]


def _footprints(layout: Layout, ids: Sequence[str], catalog: Catalog
                ) -> dict[str, tuple[float, float, float, float]]:
    """Return plan boxes ``minx, miny, maxx, maxy`` of the racks and floor units in ``ids``."""
    keys, rows = [], []
    sizes: dict[str, tuple[float, float]] = {}
    index = _index(layout)  # once, not per item
    for item_id in dict.fromkeys(ids):
        try:
            group, i = _locate(index, item_id)
        except InputError:
            continue
        item = index.lists[group][i]
        if isinstance(item, Rack):
            if item.type not in sizes:
                sizes[item.type] = _rack_size_m(item.type, catalog)
            w, d = sizes[item.type]
        elif isinstance(item, CoolingUnit) and item.kind != "rear_door":
            w, d = item.width_m, item.depth_m
        else:
            continue
        keys.append(item_id)
        rows.append((item.x_m, item.y_m, w, d, item.rotation_deg))
    if not rows:
        return {}
    x, y, w, d, rot = np.array(rows, np.float64).T
    hx, hy = rack_geometry(x, y, w, d, rot)  # all at once (a turn of 2,000 racks)
    box = np.column_stack([x - hx, y - hy, x + hx, y + hy]).tolist()
    return {k: tuple(b) for k, b in zip(keys, box, strict=True)}


class _Floor:
    """The hall's floor and its obstacles, for the footprint checks of the edits that
    place things (copies, rows, turns)."""

    def __init__(self, layout: Layout) -> None:
        self.hall = ShapelyPolygon(layout.hall.outline).buffer(1e-6)
        self.blocks = [(o.id, ShapelyPolygon(o.polygon)) for o in layout.hall.obstacles
                       if len(o.polygon) >= 3]

    def covers(self, box: Sequence[float]) -> bool:
        """Whether footprint ``box`` (minx, miny, maxx, maxy) lies on the hall's floor."""
        return self.hall.covers(shapely_box(*box))

    def obstacles_under(self, box: Sequence[float]) -> list[str]:
        """The obstacles footprint ``box`` stands on (touching one is not standing on it)."""
        b = shapely_box(*box)
        return [oid for oid, poly in self.blocks if b.intersection(poly).area > 1e-9]

    def free(self, box: Sequence[float]) -> bool:
        """Whether ``box`` lies on the floor, clear of every obstacle."""
        return self.covers(box) and not self.obstacles_under(box)

    def covers_many(self, boxes: np.ndarray) -> np.ndarray:
        """:meth:`covers` of each footprint of ``boxes`` (N, 4), at once."""
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        if not len(b):
            return np.zeros(0, bool)
        return np.asarray(shapely.covers(self.hall, shapely.box(*b.T)), bool)

    def obstacles_under_many(self, boxes: np.ndarray) -> set[str]:
        """The obstacles any footprint of ``boxes`` (N, 4) stands on, at once."""
        b = np.asarray(boxes, np.float64).reshape(-1, 4)
        if not self.blocks or not len(b):
            return set()
        geoms = shapely.box(*b.T)
        polys = np.array([p for _oid, p in self.blocks], dtype=object)
        bi, oi = shapely.STRtree(polys).query(geoms, predicate="intersects")
        if not len(bi):
            return set()
        area = shapely.area(shapely.intersection(geoms[bi], polys[oi]))
        return {self.blocks[o][0] for o in oi[area > 1e-9].tolist()}


def align_items(layout: Layout, ids: Sequence[str], edge: str,
                catalog: Catalog | None = None) -> Layout:
    """Return the layout with the racks and floor units of ``ids`` lined up on one edge.

    ``edge`` is one of :data:`ALIGN_EDGES`: the left, right, bottom or top edges meet
    the outermost one of the selection; centres meet the selection's middle.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]),
    ...              racks=[Rack(id="A", type="rack-800x1200", x_m=2.0, y_m=2.0),
    ...                     Rack(id="B", type="rack-600x1200", x_m=5.0, y_m=4.0)])
    >>> [(r.x_m, r.y_m) for r in align_items(lay, ["A", "B"], "top").racks]
    [(2.0, 4.0), (5.0, 4.0)]
    >>> [r.x_m for r in align_items(lay, ["A", "B"], "left").racks]
    [2.0, 1.9]
    """
    if edge not in ALIGN_EDGES:
        raise InputError(None, "edge", f"one of {', '.join(ALIGN_EDGES)}")
    boxes = _footprints(layout, ids, catalog or default_catalog())
    if len(boxes) < 2:
        return layout
    b = np.array(list(boxes.values()))
    target = {"left": b[:, 0].min(), "right": b[:, 2].max(), "bottom": b[:, 1].min(),
              "top": b[:, 3].max(), "center_x": (b[:, 0].min() + b[:, 2].max()) / 2,
              "center_y": (b[:, 1].min() + b[:, 3].max()) / 2}[edge]
    moves = {}
    for item_id, (x0, y0, x1, y1) in boxes.items():
        item = _find(layout, item_id)
        dx = dy = 0.0
        if edge in ("left", "right", "center_x"):
            dx = target - {"left": x0, "right": x1, "center_x": (x0 + x1) / 2}[edge]
        else:
            dy = target - {"bottom": y0, "top": y1, "center_y": (y0 + y1) / 2}[edge]
        if dx or dy:
            moves[item_id] = (round(item.x_m + dx, 6), round(item.y_m + dy, 6))
    return move_items(layout, moves)


def align_to_rows(layout: Layout, ids: Sequence[str], catalog: Catalog | None = None) -> Layout:
    """Return the layout with the racks of ``ids`` set in their rows' lines.

    A row runs the way most of its racks face; its line is where those racks' faces
    stand (the middle of their near faces and of their far faces, as the FLOOR-ROW-LINE
    check takes it), measured on the row's racks that are not being moved, or on all of
    them when the whole row is. Each rack moves across the row, never along it: one
    facing as the row does so that its front meets the row's front line (the cold
    aisle's containment line: a shallower rack is short at the back), one turned across
    the row so that its centre is on the row's centre line. Racks of no row stay where
    they are.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]), racks=[
    ...     Rack(id=f"R{k}", type="rack-800x1200", x_m=1 + 0.8 * k, y_m=2.0, row="A")
    ...     for k in range(4)] + [Rack(id="R4", type="rack-800x1200", x_m=4.2, y_m=2.55,
    ...                                row="A")])
    >>> align_to_rows(lay, ["R4"]).rack("R4").y_m
    2.0
    >>> [r.y_m for r in align_to_rows(lay, [r.id for r in lay.racks]).racks]
    [2.0, 2.0, 2.0, 2.0, 2.0]
    """
    catalog = catalog or default_catalog()
    chosen = set(ids)
    want = [r for r in layout.racks if r.id in chosen and r.row]
    if not want:
        return layout
    moving = {r.id for r in want}
    rows = {w.row for w in want}
    boxes = _footprints(layout, [r.id for r in layout.racks if r.row in rows], catalog)
    moves = {}
    for row in rows:
        in_row = [o for o in layout.racks if o.row == row and o.id in boxes]
        along = [o.rotation_deg % 180 == 0 for o in in_row]
        along_x = 2 * sum(along) >= len(along)  # the way most of its racks face
        facing = [o for o, a in zip(in_row, along, strict=True) if a == along_x]
        ref = [o for o in facing if o.id not in moving] or facing
        if not ref:
            continue
        lo_i, hi_i = (1, 3) if along_x else (0, 2)
        lo = float(np.sort([boxes[o.id][lo_i] for o in ref])[(len(ref) - 1) // 2])
        hi = float(np.sort([boxes[o.id][hi_i] for o in ref])[(len(ref) - 1) // 2])
        for r in (w for w in want if w.row == row):
            own = boxes[r.id]
            if (r.rotation_deg % 180 == 0) == along_x:
                # its front: the low face turned 0 or 270 degrees, the high one 90 or 180
                # (engine.compile.front_vectors)
                d = lo - own[lo_i] if r.rotation_deg % 360 in (0, 270) else hi - own[hi_i]
            else:  # turned across the row: its centre on the row's centre line
                d = (lo + hi) / 2 - (own[lo_i] + own[hi_i]) / 2
            if abs(d) > 1e-9:
                moves[r.id] = (r.x_m, round(r.y_m + d, 6)) if along_x else \
                    (round(r.x_m + d, 6), r.y_m)
    return move_items(layout, moves) if moves else layout


def distribute_items(layout: Layout, ids: Sequence[str], axis: str,
                     catalog: Catalog | None = None) -> Layout:
    """Return the layout with the racks and floor units of ``ids`` spread along ``axis``
    (``"x"`` or ``"y"``) so the gaps between neighbours are equal; the first and the
    last stay where they are.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]),
    ...              racks=[Rack(id=i, type="rack-800x1200", x_m=x, y_m=2.0)
    ...                     for i, x in (("A", 1.0), ("B", 2.0), ("C", 9.0))])
    >>> [r.x_m for r in distribute_items(lay, ["A", "B", "C"], "x").racks]
    [1.0, 5.0, 9.0]
    """
    if axis not in ("x", "y"):
        raise InputError(None, "axis", "'x' or 'y'")
    boxes = _footprints(layout, ids, catalog or default_catalog())
    if len(boxes) < 3:
        return layout
    lo, hi = (0, 2) if axis == "x" else (1, 3)
    order = sorted(boxes, key=lambda i: (boxes[i][lo] + boxes[i][hi]) / 2)
    sizes = [boxes[i][hi] - boxes[i][lo] for i in order]
    start, end = boxes[order[0]][lo], boxes[order[-1]][hi]
    gap = (end - start - sum(sizes)) / (len(order) - 1)
    moves = {}
    pos = start
    for item_id, size in zip(order, sizes, strict=True):
        shift = pos - boxes[item_id][lo]
        if abs(shift) > 1e-9:
            item = _find(layout, item_id)
            moves[item_id] = ((round(item.x_m + shift, 6), item.y_m) if axis == "x"
                              else (item.x_m, round(item.y_m + shift, 6)))
        pos += size + gap
    return move_items(layout, moves)


# -- shapes: drawn polylines and polygons ----------------------------------------------------------

#: the point field of each group whose items are drawn as a polyline or polygon
SHAPE_FIELDS = {"trays": "points", "feeds": "points", "obstacles": "polygon"}
#: the id :func:`shape_of` and :func:`reshape` know the hall's outline by
HALL_OUTLINE = "@hall"


def rect_size(points: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    """Return the width and depth (m) of an axis-aligned rectangle given by its four
    corners, else ``None``.

    >>> rect_size([(1, 1), (1.6, 1), (1.6, 1.8), (1, 1.8)])
    (0.6, 0.8)
    >>> rect_size([(0, 0), (9, 0), (9, 9)]) is None
    True
    """
    if len(points) != 4:
        return None
    xs, ys = {round(p[0], 9) for p in points}, {round(p[1], 9) for p in points}
    corners = {(round(p[0], 9), round(p[1], 9)) for p in points}
    if len(xs) != 2 or len(ys) != 2 or len(corners) != 4:
        return None
    return round(max(xs) - min(xs), 6), round(max(ys) - min(ys), 6)


def _sides(size: tuple[float, float], width_m: float | None, depth_m: float | None,
           owner: str, lo: float, hi: float) -> tuple[float, float]:
    """The width and depth a rectangle of ``size`` is given (``None`` keeps a side), each
    checked to lie from ``lo`` to ``hi`` m (``InputError`` names ``owner.width_m``)."""
    w = size[0] if width_m is None else width_m
    d = size[1] if depth_m is None else depth_m
    for name, v in (("width_m", w), ("depth_m", d)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi):
            raise InputError(None, f"{owner}.{name}", f"a size from {lo:g} to {hi:,.0f} m "
                             f"(got {v!r})")
    return float(w), float(d)


#: the sides a rectangular obstacle (a column, a wall's length) may be given (m)
OBSTACLE_SIDE_MIN_M, OBSTACLE_SIDE_MAX_M = 0.05, 1_000.0


def resize_obstacle(layout: Layout, obstacle_id: str, width_m: float | None = None,
                    depth_m: float | None = None) -> Layout:
    """Return the layout with a rectangular obstacle ``width_m`` wide (along x) and
    ``depth_m`` deep (``None`` keeps a side), about its centre.

    Raises
    ------
    InputError
        For an obstacle that is no axis-aligned rectangle, or a side out of range.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Obstacle
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9), (0, 9)], obstacles=[
    ...     Obstacle(id="COL-1", polygon=[(3, 3), (3.6, 3), (3.6, 3.6), (3, 3.6)])]))
    >>> resize_obstacle(lay, "COL-1", width_m=0.8).hall.obstacles[0].polygon
    [(2.9, 3.0), (3.7, 3.0), (3.7, 3.6), (2.9, 3.6)]
    """
    ob = next((o for o in layout.hall.obstacles if o.id == obstacle_id), None)
    if ob is None:
        raise InputError(None, obstacle_id, "an obstacle of the hall")
    size = rect_size(ob.polygon)
    if size is None:
        raise InputError(None, f"{obstacle_id}.polygon", "a rectangular obstacle (reshape "
                         "this one by its corners)")
    w, d = _sides(size, width_m, depth_m, obstacle_id, OBSTACLE_SIDE_MIN_M,
                  OBSTACLE_SIDE_MAX_M)
    xs = [p[0] for p in ob.polygon]
    ys = [p[1] for p in ob.polygon]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - d / 2, cy + d / 2
    lo_x, lo_y = min(xs), min(ys)
    # each corner keeps its side: the corner that was at the least x stays at the least
    polygon = [(round(x0 if abs(x - lo_x) < 1e-9 else x1, 6),
                round(y0 if abs(y - lo_y) < 1e-9 else y1, 6)) for x, y in ob.polygon]
    return reshape(layout, obstacle_id, polygon)


def hall_size(layout: Layout) -> tuple[float, float] | None:
    """Return the hall's width and depth (m) when its outline is an axis-aligned rectangle,
    else ``None`` (an L-shaped or slanted hall is reshaped by its corners).

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> hall_size(Layout(hall=Hall(outline=[(0, 0), (12.6, 0), (12.6, 10.243), (0, 10.243)])))
    (12.6, 10.243)
    >>> hall_size(Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]))) is None
    True
    """
    return rect_size(layout.hall.outline)


#: the sides a hall resized in the inspector may take (m); a new blank hall takes 3 to
#: 5,000 m (designer.dialogs.new_hall)
HALL_SIDE_MIN_M, HALL_SIDE_MAX_M = 3.0, 10_000.0


def resize_hall(layout: Layout, width_m: float | None = None,
                depth_m: float | None = None) -> Layout:
    """Return the layout with its rectangular hall ``width_m`` wide and ``depth_m`` deep
    (``None`` keeps a side), its west and south walls where they are: the east and north
    walls move. Nothing else moves; what the hall no longer holds the rules name.

    Raises
    ------
    InputError
        For a hall that is no axis-aligned rectangle, or a size that is not a positive
        finite number of metres.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12.6, 0), (12.6, 10.243), (0, 10.243)]))
    >>> resize_hall(lay, depth_m=10.8).hall.outline
    [(0.0, 0.0), (12.6, 0.0), (12.6, 10.8), (0.0, 10.8)]
    """
    size = hall_size(layout)
    if size is None:
        raise InputError(None, "hall.outline", "a rectangular hall (reshape this one by "
                         "its corners: Draw > Edit hall outline)")
    xs = [p[0] for p in layout.hall.outline]
    ys = [p[1] for p in layout.hall.outline]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w, d = _sides(size, width_m, depth_m, "hall", HALL_SIDE_MIN_M, HALL_SIDE_MAX_M)
    nx, ny = x0 + float(w), y0 + float(d)
    outline = [(round(nx if abs(x - x1) < 1e-9 else x, 6),
                round(ny if abs(y - y1) < 1e-9 else y, 6)) for x, y in layout.hall.outline]
    return reshape(layout, HALL_OUTLINE, outline)


def shape_of(layout: Layout, item_id: str) -> list[tuple[float, float]] | None:
    """Return the points of a tray, feed or obstacle (None for other items).

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = add_tray(Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)])), [(1, 1), (5, 1)])
    >>> shape_of(lay, "TR-01")
    [(1.0, 1.0), (5.0, 1.0)]
    """
    if item_id == HALL_OUTLINE:
        return [(float(x), float(y)) for x, y in layout.hall.outline]
    group, i = _locate(_index(layout), item_id)
    field = SHAPE_FIELDS.get(group)
    if field is None:
        return None
    return [(float(x), float(y)) for x, y in getattr(_group_lists(layout)[group][i], field)]


def reshape(layout: Layout, item_id: str, points: Sequence[Sequence[float]]) -> Layout:
    """Return the layout with the polyline of a tray or feed, or the polygon of an
    obstacle, replaced by ``points`` (metres).

    Consecutive repeated points are dropped. A tray needs two distinct points, a
    feed one, an obstacle three that enclose an area. ``item_id`` of
    :data:`HALL_OUTLINE` reshapes the hall's outline (three points or more that
    enclose an area).

    Raises
    ------
    engine.errors.InputError
        Naming the item and what its shape needs.

    Examples
    --------
    >>> from engine.model import Hall, Layout
    >>> lay = add_tray(Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)])), [(1, 1), (5, 1)])
    >>> reshape(lay, "TR-01", [(1, 1), (5, 1), (5, 1), (5, 4)]).trays[0].points
    [(1.0, 1.0), (5.0, 1.0), (5.0, 4.0)]
    >>> reshape(lay, "TR-01", [(1, 1)])
    Traceback (most recent call last):
    ...
    engine.errors.InputError: TR-01.points: expected at least 2 distinct points
    """
    if item_id == HALL_OUTLINE:
        group, i, field, where = "hall", 0, "outline", "hall.outline"
    else:
        group, i = _locate(_index(layout), item_id)
        field = SHAPE_FIELDS.get(group)
        where = f"{item_id}.{field}"
        if field is None:
            raise InputError(None, item_id, "a tray, feed or obstacle (items drawn as a shape)")
    pts: list[tuple[float, float]] = []
    for p in points:
        x, y = _finite_xy(where, p)
        if not pts or (x, y) != pts[-1]:
            pts.append((x, y))
    closed = group in ("obstacles", "hall")
    if closed and len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()  # a closed ring: the polygon closes itself
    need = {"trays": 2, "feeds": 1, "obstacles": 3, "hall": 3}[group]
    if len(pts) < need:
        raise InputError(None, where, f"at least {need} distinct points")
    if closed and ShapelyPolygon(pts).area <= 1e-9:
        raise InputError(None, where, "a polygon that encloses an area")
    if group == "hall":
        return layout.model_copy(update={"hall": _set_path(layout.hall, [field], pts, where)})
    lists = {group: list(_group_lists(layout)[group])}
    lists[group][i] = _set_path(lists[group][i], [field], pts, where)
    return _rebuild(layout, lists)


def wall_polygon(points: Sequence[Sequence[float]], thickness_m: float = 0.2
                 ) -> list[tuple[float, float]]:
    """Return the outline of a wall of ``thickness_m`` drawn along a polyline.

    The ends are square and the corners mitred, as a wall is built.

    Examples
    --------
    >>> [tuple(round(c, 2) for c in p) for p in wall_polygon([(0, 0), (4, 0)], 0.2)]
    [(4.0, 0.1), (4.0, -0.1), (0.0, -0.1), (0.0, 0.1)]
    """
    pts = [(float(x), float(y)) for x, y in points]
    if len(pts) < 2 or not thickness_m > 0:
        raise InputError(None, "wall", "two points or more and a positive thickness")
    poly = ShapelyLineString(pts).buffer(thickness_m / 2, cap_style="flat", join_style="mitre")
    if poly.is_empty or poly.geom_type != "Polygon":
        raise InputError(None, "wall", "a polyline that does not cross itself")
    ring = [(round(x, 6), round(y, 6)) for x, y in poly.exterior.coords]
    return ring[:-1]


def wall_axis(polygon: Sequence[Sequence[float]], most_thickness_m: float = 0.6
              ) -> tuple[list[tuple[float, float]], float] | None:
    """Return the centre line (two ends) and thickness of a straight wall's outline, or
    ``None`` for any other shape: a rectangle whose short sides are at most
    ``most_thickness_m`` and at most half its long ones (what :func:`wall_polygon` draws
    from two points). A wall is reshaped by its ends, its thickness kept.

    Examples
    --------
    >>> wall_axis(wall_polygon([(0, 0), (4, 0)], 0.2))
    ([(4.0, 0.0), (0.0, 0.0)], 0.2)
    >>> print(wall_axis([(0, 0), (4, 0), (4, 3), (0, 3)]))  # a keep-out zone's box
    None
    >>> wall_axis(wall_polygon([(0.6, 9.0), (3.0, 7.8)], 0.2))[1]  # slanted, rounded
    0.2
    """
    pts = np.asarray(polygon, np.float64)
    if pts.shape != (4, 2):
        return None
    sides = np.roll(pts, -1, axis=0) - pts
    length = np.hypot(sides[:, 0], sides[:, 1])
    # a rectangle: opposite sides equal and parallel, neighbouring ones square
    # (to a tenth of a millimetre: the outline's corners are stored rounded to a micron)
    if not (np.allclose(sides[0], -sides[2], atol=1e-4)
            and np.allclose(sides[1], -sides[3], atol=1e-4)
            and abs(float(sides[0] @ sides[1])) <= 1e-4 * max(length[0], length[1])):
        return None
    short = 0 if length[0] <= length[1] else 1
    t, long_m = float(length[short]), float(length[1 - short])
    if not 0 < t <= most_thickness_m or long_m < 2 * t:
        return None
    # the ends: the middles of the two short sides
    a = (pts[short] + pts[short + 1]) / 2
    b = (pts[short + 2] + pts[(short + 3) % 4]) / 2
    return ([(round(float(a[0]), 6), round(float(a[1]), 6)),
             (round(float(b[0]), 6), round(float(b[1]), 6))], round(t, 6))


def racks_along(layout: Layout, points: Sequence[Sequence[float]], reach_m: float = 0.9
                ) -> list[str]:
    """Return the racks whose centre lies within ``reach_m`` of a polyline (in plan):
    the racks an overhead busway drawn along a row can feed.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]),
    ...              racks=[Rack(id="A", type="rack-800x1200", x_m=2, y_m=2),
    ...                     Rack(id="B", type="rack-800x1200", x_m=2, y_m=5)])
    >>> racks_along(lay, [(0, 2.3), (8, 2.3)])
    ['A']
    """
    pts = [(float(x), float(y)) for x, y in points]
    if not layout.racks or not pts:
        return []
    from engine.power import box_segment_distance

    xy = np.array([(r.x_m, r.y_m) for r in layout.racks])
    ends = np.array(pts if len(pts) > 1 else pts * 2)
    seg = np.concatenate([ends[:-1], ends[1:]], axis=1)  # (S, 4)
    # each rack centre (a box of no size) against every segment, the nearest kept
    box = np.repeat(np.concatenate([xy, xy], axis=1), len(seg), axis=0)
    d = box_segment_distance(box, np.tile(seg, (len(xy), 1))).reshape(len(xy), -1).min(axis=1)
    return [r.id for r, di in zip(layout.racks, d.tolist(), strict=True) if di <= reach_m]


def feeds_to_take(layout: Layout, points: Sequence[Sequence[float]], side: str,
                  catalog: Catalog | None = None, reach_m: float = 0.9) -> list[str]:
    """Return the racks a busway drawn along ``points`` on ``side`` feeds: those under it
    (centre within ``reach_m``) fed from no run of that side, or only from runs of that
    side out of a tap-off's reach (a rack moved away from its busway). A rack with a
    rack PDU or RPP of that side keeps it: the architect chose it.

    Examples
    --------
    >>> from engine.model import Hall, Layout, PowerFeed, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (20, 0), (20, 9), (0, 9)]), racks=[
    ...     Rack(id="A", type="rack-800x1200", x_m=2, y_m=2, feeds=["FAR"]),
    ...     Rack(id="B", type="rack-800x1200", x_m=3, y_m=2)],
    ...     feeds=[PowerFeed(id="FAR", side="A", points=[(0, 8), (9, 8)])])
    >>> feeds_to_take(lay, [(0, 2.3), (8, 2.3)], "A")
    ['A', 'B']
    >>> lay = lay.model_copy(update={"feeds": [*lay.feeds, PowerFeed(id="P", kind="pdu")],
    ...                              "racks": [lay.racks[0].model_copy(update={"feeds": ["P"]}),
    ...                                        lay.racks[1]]})
    >>> feeds_to_take(lay, [(0, 2.3), (8, 2.3)], "A")
    ['B']
    """
    from engine.power import nearest_feeds_many

    catalog = catalog or default_catalog()
    of_side = {f.id: f for f in layout.feeds if f.side == side}
    under = racks_along(layout, points, reach_m)
    boxes = _footprints(layout, under, catalog)
    boxed = [i for i in under if i in boxes]
    near_of = dict(zip(boxed, nearest_feeds_many(layout, np.array([boxes[i] for i in boxed]))
                       if boxed else [], strict=True))
    rack_of = {r.id: r for r in layout.racks}
    out = []
    for rid in under:
        mine = [f for f in rack_of[rid].feeds if f in of_side]
        if any(of_side[f].kind != "busway" for f in mine):
            continue
        if not mine or (rid in near_of and near_of[rid].get(side) not in mine):
            out.append(rid)
    return out


def refeed_side(layout: Layout, rack_ids: Sequence[str], feed_id: str) -> Layout:
    """Return the layout with racks ``rack_ids`` fed from ``feed_id`` on its side, in place
    of any run of that side they were fed from.

    Examples
    --------
    >>> from engine.model import Hall, Layout, PowerFeed, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (9, 0), (9, 9)]), racks=[
    ...     Rack(id="A", type="rack-800x1200", x_m=2, y_m=2, feeds=["OLD", "B1"])], feeds=[
    ...     PowerFeed(id="OLD", side="A"), PowerFeed(id="NEW", side="A"),
    ...     PowerFeed(id="B1", side="B")])
    >>> refeed_side(lay, ["A"], "NEW").rack("A").feeds
    ['NEW', 'B1']
    """
    side = layout.find(feed_id).side
    of_side = {f.id for f in layout.feeds if f.side == side}
    want = set(rack_ids)
    racks = []
    for r in layout.racks:
        if r.id in want:
            kept = [f for f in r.feeds if f not in of_side]
            r = r.model_copy(update={"feeds": [feed_id, *kept] if side == "A"
                                     else [*kept, feed_id]})
        racks.append(r)
    return _rebuild(layout, {"racks": racks})


# -- copy, paste, duplicate --------------------------------------------------------------------

def copy_items(layout: Layout, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Return the items ``ids`` as JSON-ready data by group (a clipboard payload).

    A rack's rear door and its rack PDUs (those that feed no rack left behind) come
    along with the rack, and so does a drawn link whose two racks are both copied (a link between a copied rack and one left behind is not: its
    copy would end at the original). A rack in generated fabrics carries
    them in ``fabric_roles`` (``[fabric id, "member" | "network", design name, place]``),
    so that a copy pasted after its source was cut or deleted still joins them, where it
    stood.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R1", type="rack-800x1200", x_m=0, y_m=0)])
    >>> [r["id"] for r in copy_items(lay, ["R1"])["racks"]]
    ['R1']
    >>> from engine.templates import instantiate
    >>> hall = instantiate("dgx-h100-hall", {"racks": 8})
    >>> copy_items(hall, ["GPU-0002"])["racks"][0]["fabric_roles"] == [
    ...     ["compute", "member", hall.name, 1]]
    True
    """
    want = set(ids)
    want.update(u.id for u in layout.cooling if u.kind == "rear_door" and u.rack in want)
    # a rack PDU hangs in its racks: copied with them when it feeds no other
    by_pdu, _by_rack = _pdu_racks(layout)
    want.update(fid for fid, fed in by_pdu.items() if fed and all(r in want for r in fed))
    out: dict[str, list[dict[str, Any]]] = {}
    racks = {r.id for r in layout.racks if r.id in want}
    for group, items in _group_lists(layout).items():
        if group == "fabrics":
            continue
        if group == "links":
            picked = [it.model_dump(mode="json") for it in items
                      if it.a.rack in racks and it.b.rack in racks]
        else:
            picked = [it.model_dump(mode="json") for it in items if it.id in want]
        if picked:
            out[group] = picked
    for data in out.get("racks", []):
        roles = _fabric_roles(layout, data["id"])
        if roles:
            data[FABRIC_ROLES] = roles
    return out


#: key of a clipboard rack entry listing the generated fabrics the rack was in
FABRIC_ROLES = "fabric_roles"


def _fabric_roles(layout: Layout, rack_id: str) -> list[list[Any]]:
    """Return ``[fabric id, role, design name, place]`` for each generated fabric rack
    ``rack_id`` is in as a member (``place``: its index among the members) or a network
    rack (its index among the network racks)."""
    out: list[list[Any]] = []
    for f in layout.fabrics:
        if f.topology == "explicit":
            continue
        if rack_id in f.members:
            out.append([f.id, "member", layout.name, f.members.index(rack_id)])
        if rack_id in f.network_racks:
            out.append([f.id, "network", layout.name, f.network_racks.index(rack_id)])
    return out


def _roles_valid(roles: Any) -> bool:
    return isinstance(roles, list) and all(
        isinstance(r, list) and len(r) in (2, 4) and isinstance(r[0], str)
        and r[1] in ("member", "network")
        and (len(r) == 2 or (isinstance(r[2], str) and isinstance(r[3], int)
                             and not isinstance(r[3], bool) and r[3] >= 0))
        for r in roles)


def _without_roles(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != FABRIC_ROLES}


def clipboard_payload(data: Any) -> dict[str, list[dict[str, Any]]] | None:
    """Return ``data`` (parsed clipboard JSON) when it is a payload of items as
    :func:`copy_items` makes one: groups of racks, cooling, feeds, trays or obstacles,
    each item valid as its kind; ``None`` for anything else (text that happens to be
    JSON, a layout file's text).

    Examples
    --------
    >>> clipboard_payload({"racks": [{"id": "R1", "type": "rack-800x1200", "x_m": 1,
    ...                               "y_m": 2}]})["racks"][0]["id"]
    'R1'
    >>> [clipboard_payload(d) for d in ({"racks": 5}, {"name": "hall"}, [1], {}, {"racks": []})]
    [None, None, None, None, None]
    """
    if not isinstance(data, dict) or not data or set(data) - set(_MODEL_OF_GROUP):
        return None
    if not any(isinstance(v, list) and v for v in data.values()):
        return None  # groups with no item in them: nothing to paste
    for group, items in data.items():
        if not isinstance(items, list):
            return None
        for item in items:
            if not isinstance(item, dict) or (
                    group == "racks" and not _roles_valid(item.get(FABRIC_ROLES, []))):
                return None
            try:
                _MODEL_OF_GROUP[group].model_validate(_without_roles(item))
            except (ValidationError, TypeError, ValueError):
                return None
    return data


def paste_ids(layout: Layout, payload: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """Return the new id each item of a clipboard payload gets when pasted.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R-01", type="rack-800x1200", x_m=0, y_m=0)])
    >>> paste_ids(lay, {"racks": [{"id": "R-01"}]})
    {'R-01': 'R-02'}
    """
    taken = IdSet(layout.all_ids())
    tops: dict[str, int] = {}  # the highest number of each feed prefix, found once
    return {item["id"]: (_fresh_feed_id(taken, str(item["id"]), tops) if group == "feeds"
                         else fresh_id(taken, str(item["id"])))
            for group in GROUPS if group in payload for item in payload[group]}


_FEED_ID = re.compile(r"^(BW|PDU|RPP)-(\d+)-([AB])$")


def _fresh_feed_id(taken: IdSet, old: str, tops: dict[str, int]) -> str:
    """A pasted feed's id: a rack PDU ``PDU-3-A`` becomes the next ``PDU-<n>-A`` (as a
    new one is named), not ``PDU-3-A-2``; other ids as :func:`fresh_id` gives them.
    ``tops`` keeps the highest number given per prefix across one paste.

    >>> _fresh_feed_id(IdSet({"PDU-1-A", "PDU-2-B", "BW-01a-A"}), "PDU-1-A", {})
    'PDU-3-A'
    """
    m = _FEED_ID.match(old)
    if m is None or old not in taken:
        return fresh_id(taken, old)
    prefix, side = m.group(1), m.group(3)
    if prefix not in tops:
        pat = re.compile(rf"^{prefix}-(\d+)-[AB]$")
        tops[prefix] = max((int(k.group(1)) for t in taken if (k := pat.match(t))),
                           default=0)
    n = tops[prefix] + 1
    while f"{prefix}-{n}-{side}" in taken:
        n += 1
    tops[prefix] = n
    new = f"{prefix}-{n}-{side}"
    taken.add(new)
    return new


def paste(layout: Layout, payload: Mapping[str, Sequence[Mapping[str, Any]]],
          offset: Sequence[float] = (0.0, 0.0), new_ids: Mapping[str, str] | None = None,
          catalog: Catalog | None = None) -> Layout:
    """Return the layout with a clipboard payload added, moved by ``offset`` with fresh ids.

    References between pasted items (a rack's feeds, a rear door's rack, a
    rack's CDU/CRAH) follow the new ids; references to other items of the
    layout stay; references to items it does not have (pasting from another
    design) are dropped.

    Parameters
    ----------
    payload : dict of group -> list of item dicts
        As :func:`copy_items` returns.
    offset : (dx_m, dy_m)
        Shift of every pasted item.
    new_ids : dict, optional
        Old id -> new id; by default :func:`paste_ids`.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="R-01", type="rack-800x1200", x_m=0, y_m=0)])
    >>> out = paste(lay, copy_items(lay, ["R-01"]), (1.2, 0))
    >>> [(r.id, r.x_m) for r in out.racks]
    [('R-01', 0.0), ('R-02', 1.2)]
    """
    unknown = set(payload) - set(_MODEL_OF_GROUP)
    if unknown:
        raise InputError(None, sorted(unknown)[0],
                         "racks, cooling, feeds, trays, obstacles or links")
    ids = dict(new_ids) if new_ids is not None else paste_ids(layout, payload)
    _check_new_ids(layout, ids.values())
    dx, dy = (float(offset[0]), float(offset[1]))

    existing = layout.all_ids()

    def ref(v: str | None) -> str | None:
        # a reference follows a pasted item, stays on an item of this layout, else drops
        if v is None:
            return None
        return ids.get(v, v if v in existing else None)

    lists = {g: list(items) for g, items in _group_lists(layout).items()}
    fabric_ids = {f.id for f in layout.fabrics}
    for group, items in payload.items():
        cls = _MODEL_OF_GROUP[group]
        for k, raw in enumerate(items):
            data = _without_roles(raw)
            old = data.get("id")
            if old not in ids:
                raise InputError(None, f"{group}[{k}].id", "an id listed in new_ids")
            data["id"] = ids[old]
            if group == "racks":
                data["feeds"] = [f for f in (ref(f) for f in data.get("feeds", [])) if f]
                data["cdu"], data["crah"] = ref(data.get("cdu")), ref(data.get("crah"))
            if group == "cooling":
                data["rack"] = ref(data.get("rack"))
            if group == "links":
                # a link runs between the pasted racks; one with an end on a rack this
                # layout does not have is dropped with that rack
                ends = [dict(data.get(e) or {}) for e in ("a", "b")]
                for end in ends:
                    end["rack"] = ref(end.get("rack"))
                if not all(end["rack"] for end in ends):
                    continue
                data["a"], data["b"] = ends
                data["fabric"] = data.get("fabric") if data.get("fabric") in fabric_ids \
                    else None
            item = _translated(_validated(cls, data, f"{group}[{k}]"), dx, dy)
            if catalog is not None and isinstance(item, Rack):
                _check_rack_refs(item, catalog)
            lists[group].append(item)
    out = _rebuild(layout, {g: lists[g] for g in payload})
    roles = {r["id"]: r[FABRIC_ROLES] for r in payload.get("racks", []) if FABRIC_ROLES in r}
    out = _join_source_fabrics(out, {r["id"]: ids[r["id"]] for r in payload.get("racks", [])},
                               catalog, roles)
    if (dx or dy) and payload.get("racks"):
        out = _refeed(out, [ids[r["id"]] for r in payload["racks"]],
                      catalog or default_catalog(), face_row=True, copies=True,
                      own={ids[f["id"]] for f in payload.get("feeds", [])})
    return out


def _join_source_fabrics(layout: Layout, new_of: Mapping[str, str],
                         catalog: Catalog | None = None,
                         roles: Mapping[str, Sequence[Sequence[Any]]] | None = None) -> Layout:
    """Return ``layout`` with each pasted rack (``new_of``: source id -> copy's id) in the
    generated fabrics its source is in, as a member or a network rack, as a row drawn
    from a model joins its fabric: a copied rack of servers grows the fabric (its
    switches follow) instead of standing apart in no fabric. ``roles`` (source id ->
    ``[fabric id, role, design name, place]``, as copied) stand for the source's own
    fabrics, which hold it no more once it was cut: they join the fabric of that id of
    the same design (a rack pasted into another design joins none of its fabrics), the
    members in their old order and a network rack at its old place among the network
    racks, so a rack cut and pasted back leaves every cable as it was. An explicit
    fabric's members are the ends of drawn links, which a copy does not have."""
    if not new_of or not layout.fabrics:
        return layout
    roles = roles or {}
    fabrics = []
    for f in layout.fabrics:
        if f.topology == "explicit":
            fabrics.append(f)
            continue
        members = [(p, new_of[m]) for m in new_of
                   if (p := _place_in(f, m, f.members, "member", roles, layout.name)) is not None]
        nets = [(p, new_of[m]) for m in new_of
                if (p := _place_in(f, m, f.network_racks, "network", roles, layout.name))
                is not None]
        if members:
            f = _with_members(f, [rid for _p, rid in sorted(members)], layout, catalog)
        if nets:
            racks = list(f.network_racks)
            for p, rid in sorted(nets):
                racks.insert(min(p, len(racks)), rid)
            f = f.model_copy(update={"network_racks": racks})
        fabrics.append(f)
    return _rebuild(layout, {"fabrics": fabrics}) if fabrics != layout.fabrics else layout


def _place_in(f: Fabric, src: str, listed: Sequence[str], role: str,
              roles: Mapping[str, Sequence[Sequence[Any]]], design: str) -> int | None:
    """Return where source rack ``src`` stood in fabric ``f`` in ``role`` (its index, by
    which copies are ordered), or ``None`` when it was not there: as its copied
    ``fabric_roles`` say (of this design), else as ``listed`` (the fabric's members or
    network racks)."""
    if src in roles:
        for r in roles[src]:
            if r[0] == f.id and r[1] == role and (len(r) == 2 or r[2] == design):
                return int(r[3]) if len(r) == 4 else len(listed)
        return None
    return listed.index(src) if src in listed else None


def settle_racks(layout: Layout, rack_ids: Sequence[str],
                 catalog: Catalog | None = None) -> Layout:
    """Return ``layout`` with racks ``rack_ids`` settled where they now stand: a rack
    moved next to a rack of another row joins that row, turned to face as the row does
    where it faced the other way (its exhaust would blow into the row's cold aisle), and
    each side it is fed from takes the busway run of that side in reach (as a pasted
    rack does).

    Examples
    --------
    >>> from engine.templates import instantiate
    >>> lay = instantiate("dgx-h100-hall", {"racks": 8})
    >>> moved = move_items(lay, {"GPU-0008": (4.8, 4.65)})  # beside NET-0001, row R02
    >>> r = settle_racks(moved, ["GPU-0008"]).rack("GPU-0008")
    >>> r.row, r.feeds
    ('R02', ['BW-02a-A', 'BW-02a-B'])
    """
    return _refeed(layout, list(rack_ids), catalog or default_catalog(), face_row=True)


def _refeed(layout: Layout, rack_ids: Sequence[str], catalog: Catalog,
            face_row: bool = False, copies: bool = False,
            own: set[str] | frozenset[str] = frozenset()) -> Layout:
    """Settle racks ``rack_ids`` where they now stand (pasted into another row): each
    side a rack was fed from takes the busway run of that side within a tap-off's
    reach, or keeps its feed when none is (a rack fed from nothing takes the runs in
    reach), and a rack next to a rack of a row joins that row; set down in line beside a
    rack of no row, facing the same way, the two start a new row. With ``face_row`` (a
    copy) a rack facing the other way from the row it joins turns round to face as the
    row does: in a row turned the other way it would blow its exhaust into the row's
    cold aisle. New racks (``copies``, a paste) with no run of a side in reach are left
    unfed on that side rather than hung on their originals' busway far away, which
    would overload it and put its racks' A/B redundancy at risk."""
    from engine.power import nearest_feeds_many

    side_of = {f.id: f.side for f in layout.feeds}
    # a rack PDU is mounted in its rack and goes with it (move_items carries it): a rack
    # moved keeps it rather than swap it for the busway of its side in reach
    # (copies keep the rack PDUs pasted with them, ``own``, not their originals')
    mounted = {f.id for f in layout.feeds if f.kind == "pdu" and (not copies or f.id in own)}
    boxes = _footprints(layout, rack_ids, catalog)
    wanted = set(rack_ids)
    racks = list(layout.racks)
    others = [r for r in racks if r.id not in wanted]
    ox = np.array([r.x_m for r in others])
    oy = np.array([r.y_m for r in others])
    changed = False
    at = {r.id: i for i, r in enumerate(racks)}
    labels = {r.row for r in racks if r.row}
    # each row's racks and centres, for "is it still in its row?"
    members: dict[str, list[int]] = {}
    for i, r in enumerate(racks):
        if r.row:
            members.setdefault(r.row, []).append(i)
    row_of = {name: (np.asarray(ii), np.array([racks[i].x_m for i in ii]),
                     np.array([racks[i].y_m for i in ii])) for name, ii in members.items()}
    moving = np.array([r.id in wanted for r in racks], bool)
    # a row moved whole stays a row, turned as it was: set down by another row it does
    # not join it rack by rack (some would, facing about, and some would not); the rules
    # say where it overlaps
    whole = {name for name, ii in members.items() if moving[ii].all()}
    leavers: dict[str, list[int]] = {}
    boxed = [i for i in rack_ids if i in boxes]
    near_of = dict(zip(boxed, nearest_feeds_many(layout, np.array([boxes[i] for i in boxed]))
                       if boxed else [], strict=True))
    for k, r in enumerate(racks):
        if r.id not in wanted or r.id not in boxes:
            continue
        r = racks[k]  # a new row may have named it already
        near = near_of[r.id]
        # the sides it was fed from, from the runs now in reach (an unfed rack takes both)
        feeds = [g for g in dict.fromkeys(
            [f if f in mounted else near.get(side_of.get(f, ""), None if copies else f)
             for f in r.feeds] or list(near.values())) if g]
        update: dict[str, Any] = {"feeds": feeds} if feeds != r.feeds else {}
        # next to a rack of a row (centres within a rack's width or so; rows across an
        # aisle stand 2 m and more apart): it joins that row
        if len(others) and r.row not in whole:
            d = np.hypot(ox - r.x_m, oy - r.y_m)
            j = int(np.argmin(d))
            o = racks[at[others[j].id]]
            if d[j] <= 1.0 and o.row and o.row != r.row:
                update["row"] = o.row
                if face_row and (r.rotation_deg - o.rotation_deg) % 360 == 180:
                    update["rotation_deg"] = o.rotation_deg
            elif d[j] <= 1.0 and not o.row and not r.row and o.rotation_deg == r.rotation_deg \
                    and abs(_front_line(o, catalog) - _front_line(r, catalog)) < 0.05:
                # two racks of no row side by side in line, facing one way: a new row
                name = _fresh_row(labels)
                labels.add(name)
                update["row"] = name
                racks[at[o.id]] = o.model_copy(update={"row": name})
        if r.row and "row" not in update and not _near_own_row(racks, k, row_of, moving):
            # set down away from every rack of its row that stayed: it left it
            update["row"] = None
            leavers.setdefault(r.row, []).append(k)
        if update:
            racks[k] = r.model_copy(update=update)
            changed = True
    for name, ks in leavers.items():
        # a rack in line with, and within reach of, a rack that stayed in its row stays
        # too, and so on along the line: a run of copies set down at the end of their
        # row (a duplicate) is all the row's, not its first few
        left = set(ks)
        stay = [i for i in members.get(name, []) if i not in left and racks[i].row == name]
        grew = True
        while grew and left and stay:
            grew = False
            sx = np.array([racks[i].x_m for i in stay])
            sy = np.array([racks[i].y_m for i in stay])
            for k in sorted(left):
                r = racks[k]
                across = np.abs(sy - r.y_m) if r.rotation_deg in (0, 180) else \
                    np.abs(sx - r.x_m)
                if ((across < 0.3) & (np.hypot(sx - r.x_m, sy - r.y_m) <= 3.0)).any():
                    racks[k] = r.model_copy(update={"row": name})
                    left.discard(k)
                    stay.append(k)
                    grew = True
        ks[:] = [k for k in ks if k in left]
    for ks in leavers.values():
        # racks that left one row together and stand in line, facing one way (a part
        # of a row pasted or moved elsewhere), are a row of their own
        turn = {racks[k].rotation_deg for k in ks}
        line = [racks[k].y_m if racks[k].rotation_deg in (0, 180) else racks[k].x_m
                for k in ks]
        if len(ks) > 1 and len(turn) == 1 and max(line) - min(line) < 0.3:
            name = _fresh_row(labels)
            labels.add(name)
            for k in ks:
                racks[k] = racks[k].model_copy(update={"row": name})
    return _rebuild(layout, {"racks": racks}) if changed else layout


def _near_own_row(racks: list[Rack], k: int, rows: dict, moving: np.ndarray | None = None,
                  reach_m: float = 3.0) -> bool:
    """Whether rack ``k`` stands in line with, and within ``reach_m`` of, a rack of its
    row that is not being moved with it (``moving``: a mask over ``racks``); a rack whose
    row moves whole always does (its row is where it is). ``rows`` maps a row label to
    its racks' indices and centres (arrays), built once per settle."""
    r = racks[k]
    idx, x, y = rows[r.row]
    other = idx != k
    if moving is not None:
        other &= ~moving[idx]
    if not other.any():
        return True
    across = np.abs(y - r.y_m) if r.rotation_deg in (0, 180) else np.abs(x - r.x_m)
    near = (across < 0.3) & (np.hypot(x - r.x_m, y - r.y_m) <= reach_m) & other
    return bool(near.any())


def _fresh_row(labels: set[str]) -> str:
    """Return the next row label ``R<nn>`` after the highest the layout uses.

    Examples
    --------
    >>> _fresh_row({"R01", "R07", "pod-a"}), _fresh_row(set())
    ('R08', 'R01')
    """
    nums = [int(m.group(1)) for x in labels if (m := re.fullmatch(r"R(\d+)", x))]
    n = max(nums, default=0) + 1
    while f"R{n:02d}" in labels:
        n += 1
    return f"R{n:02d}"


def close_up(layout: Layout, item_id: str, toward: tuple[float, float],
             catalog: Catalog | None = None) -> tuple[float, float]:
    """Return the shift that slides a rack or floor unit ``item_id`` along ``toward`` (a
    unit step along x or y) up against the next footprint in its line, where the gap to
    it is narrower than the item itself: a rack set beside a row of racks of another
    width (600 mm racks by 800 mm network racks) closes up to the row's end rather than
    leaving a strip of floor no rack fits, which would open the row to hot air.
    ``(0, 0)`` when nothing is that near, or the item is no rack or unit.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)]), racks=[
    ...     Rack(id="N", type="rack-800x1200", x_m=2.0, y_m=4.0),
    ...     Rack(id="G", type="rack-600x1200", x_m=3.0, y_m=4.0)])
    >>> close_up(lay, "G", (-1.0, 0.0))  # G from x 2.7, 0.3 m past N's end (2.4)
    (-0.3, 0.0)
    >>> close_up(lay, "G", (1.0, 0.0))
    (0.0, 0.0)
    """
    catalog = catalog or default_catalog()
    own = _footprints(layout, [item_id], catalog).get(item_id)
    if own is None:
        return (0.0, 0.0)
    axis = 0 if abs(toward[0]) >= abs(toward[1]) else 1
    sign = 1.0 if toward[axis] > 0 else -1.0
    o = np.asarray(own)
    lo, hi = (o[0], o[2]) if axis == 0 else (o[1], o[3])
    size = hi - lo
    # the footprints in its line: across the line they share more than an edge
    reach = [i for i in (*(r.id for r in layout.racks),
                         *(u.id for u in layout.cooling if u.kind != "rear_door"))
             if i != item_id]
    at = np.array(list(_footprints(layout, reach, catalog).values())).reshape(-1, 4)
    c0, c1 = (1, 3) if axis == 0 else (0, 2)
    line = at[(np.minimum(at[:, c1], o[c1]) - np.maximum(at[:, c0], o[c0])) > 1e-6]
    if sign > 0:
        gaps = line[:, axis] - hi
    else:
        gaps = lo - line[:, axis + 2]
    gaps = gaps[gaps > -1e-9]
    if not len(gaps):
        return (0.0, 0.0)
    gap = float(gaps.min())
    if gap <= 1e-6 or gap >= size - 1e-6:
        return (0.0, 0.0)
    step = round(sign * gap, 6)
    return (step, 0.0) if axis == 0 else (0.0, step)


def beside_offset(layout: Layout, ids: Sequence[str], catalog: Catalog | None = None,
                  reach: int = 12) -> tuple[float, float] | None:
    """Return where copies of ``ids`` go beside them: the offset of the first free place
    along their row.

    A row runs across its racks' fronts (along x for racks facing north or
    south, along y for racks turned a quarter; the first rack of ``ids``, else
    the first floor unit, decides). The copies step the selection's own width
    along it, each way, then twice as far and so on up to ``reach`` times, and go
    to the first place where their footprints lie in the hall clear of racks,
    floor units and obstacles: the next free slot of the row, facing the same way
    (a copy one aisle across, facing the same way, would breathe its source's
    exhaust). Only when the row is full to its units or walls do they go across it, a
    footprint's depth and an aisle away in whole floor tiles, to the nearest free place
    beside a rack of the row there (:func:`paste` turns a rack that joins a row to
    face as that row does), else one aisle straight across, where a row of their own
    begins; never rows away.

    Parameters
    ----------
    ids : sequence of str
        The items to copy; only racks and floor units have footprints.
    reach : int
        How many selection widths along the row (and across it) to try.

    Returns
    -------
    (dx_m, dy_m) or None
        None when ``ids`` has no footprint or no place is free.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)]),
    ...              racks=[Rack(id=f"R{k}", type="rack-600x1200", x_m=2.3 + 0.6 * k,
    ...                          y_m=4.0) for k in range(3)])
    >>> beside_offset(lay, ["R1"])  # the row's next free slot, past R2
    (1.2, 0.0)
    >>> turned = move_items(rotate_items(lay, ["R0"], 90), {"R0": (6.0, 2.0)})
    >>> beside_offset(turned, ["R0"])  # turned a quarter: its row runs along y
    (0.0, 0.6)
    """
    catalog = catalog or default_catalog()
    mine = _footprints(layout, ids, catalog)
    if not mine:
        return None
    items = [_find(layout, i) for i in mine]
    lead = next((it for it in items if isinstance(it, Rack)), items[0])
    own = np.array(list(mine.values()))
    w = float(own[:, 2].max() - own[:, 0].min())
    d = float(own[:, 3].max() - own[:, 1].min())
    along_x = lead.rotation_deg % 180 == 0
    along = [(w, 0.0), (-w, 0.0)] if along_x else [(0.0, d), (0.0, -d)]
    # across the row: the footprint's depth and an aisle, in whole tiles (a grid stays one)
    tile = layout.hall.tile_m or 0.0
    deep = (d if along_x else w) + layout.assumptions.aisle_clearance_m
    if tile:
        deep = math.ceil(deep / tile - 1e-6) * tile
    across = [(0.0, -deep), (0.0, deep)] if along_x else [(deep, 0.0), (-deep, 0.0)]
    rack_ids = [r.id for r in layout.racks if r.id not in mine]
    unit_ids = [u.id for u in layout.cooling if u.kind != "rear_door" and u.id not in mine]
    racks_at = np.array(list(_footprints(layout, rack_ids, catalog).values())).reshape(-1, 4)
    units_at = np.array(list(_footprints(layout, unit_ids, catalog).values())).reshape(-1, 4)
    floor = _Floor(layout)

    def hits(moved: np.ndarray, at: np.ndarray) -> bool:
        return bool(len(overlapping_between(moved, at)[0]))

    def place(dx: float, dy: float) -> str:
        # "free", "rack" (racks of the row stand there) or "wall" (a unit, an obstacle or
        # the hall's edge: no further along this way)
        moved = own + (dx, dy, dx, dy)
        if hits(moved, units_at) or not all(floor.free(b) for b in moved.tolist()):
            return "wall"
        return "rack" if hits(moved, racks_at) else "free"

    # along the row: over its racks, never past a unit, an obstacle or the wall
    open_ways = list(along)
    for k in range(1, reach + 1):
        for sx, sy in list(open_ways):
            dx, dy = round(sx * k, 6), round(sy * k, 6)
            found = place(dx, dy)
            if found == "free":
                return dx, dy
            if found == "wall":
                open_ways.remove((sx, sy))
        if not open_ways:
            break
    # across it: the nearest free place in a row (beside a rack of one), a row or more
    # away and up to ``reach`` selection widths along it
    lo, hi = (1, 3) if along_x else (0, 2)  # the across extent of a box
    side = (0, 2) if along_x else (1, 3)  # its ends along the row

    def in_a_row(moved: np.ndarray) -> bool:
        if not len(racks_at):
            return False
        over = np.minimum(moved[:, None, hi], racks_at[None, :, hi]) - \
            np.maximum(moved[:, None, lo], racks_at[None, :, lo])
        deep_enough = over >= 0.5 * (moved[:, None, hi] - moved[:, None, lo])
        touch = (np.abs(moved[:, None, side[0]] - racks_at[None, :, side[1]]) <= 0.05) | \
            (np.abs(moved[:, None, side[1]] - racks_at[None, :, side[0]]) <= 0.05)
        return bool((deep_enough & touch).any())

    shifts = [0] + [j * sign for j in range(1, reach + 1) for sign in (1, -1)]
    (ax, ay) = along[0]
    for k in range(1, reach + 1):
        for j in shifts:
            for sx, sy in across:
                dx, dy = round(sx * k + ax * j, 6), round(sy * k + ay * j, 6)
                moved = own + (dx, dy, dx, dy)
                if hits(moved, racks_at) or hits(moved, units_at) or not in_a_row(moved):
                    continue
                if place(dx, dy) == "free":
                    return dx, dy
    # no row across has room: one aisle straight across, the start of a row of its own
    for sx, sy in across:
        if place(sx, sy) == "free":
            return round(sx, 6), round(sy, 6)
    return None


def off_floor(layout: Layout, ids: Sequence[str], catalog: Catalog | None = None) -> list[str]:
    """Return the racks and floor units of ``ids`` whose footprints leave the hall's floor.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (6, 0), (6, 4), (0, 4)]),
    ...              racks=[Rack(id="R1", type="rack-600x1200", x_m=1.0, y_m=2.0),
    ...                     Rack(id="R2", type="rack-600x1200", x_m=5.9, y_m=2.0)])
    >>> off_floor(lay, ["R1", "R2"])
    ['R2']
    """
    catalog = catalog or default_catalog()
    floor = _Floor(layout)
    boxes = _footprints(layout, ids, catalog)
    on = floor.covers_many(np.array(list(boxes.values())))
    return [i for i, ok in zip(boxes, on.tolist(), strict=True) if not ok]


def onto_floor(layout: Layout, ids: Sequence[str], catalog: Catalog | None = None
               ) -> tuple[float, float] | None:
    """Return the shift, in whole floor tiles and as short as may be, that brings the
    footprints of ``ids`` back onto the hall's floor (``(0.0, 0.0)`` when they are on
    it; None when no shift within the hall's bounds does, or they are wider than it).

    A selection turned as a group about its centre near a wall swings partly through
    it; moved back by this, it stands turned where it fits.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (6, 0), (6, 4), (0, 4)], tile_m=0.6),
    ...              racks=[Rack(id="R1", type="rack-600x1200", x_m=5.9, y_m=2.0)])
    >>> onto_floor(lay, ["R1"])
    (-0.6, 0.0)
    """
    catalog = catalog or default_catalog()
    boxes = np.array(list(_footprints(layout, ids, catalog).values())).reshape(-1, 4)
    if not len(boxes):
        return (0.0, 0.0)
    if not off_floor(layout, ids, catalog):
        return (0.0, 0.0)
    x0, y0, x1, y1 = layout.hall.bounds()
    bx0, by0 = boxes[:, 0].min(), boxes[:, 1].min()
    bx1, by1 = boxes[:, 2].max(), boxes[:, 3].max()
    if bx1 - bx0 > x1 - x0 + 1e-9 or by1 - by0 > y1 - y0 + 1e-9:
        return None
    tile = layout.hall.tile_m or 0.0

    def shift(lo: float, hi: float, wall_lo: float, wall_hi: float) -> float:
        d = wall_lo - lo if lo < wall_lo - 1e-9 else (wall_hi - hi if hi > wall_hi + 1e-9
                                                      else 0.0)
        if tile and d:  # whole tiles, so a snapped layout stays on its grid
            d = math.copysign(math.ceil(abs(d) / tile - 1e-6) * tile, d)
        return round(d, 6)

    dx, dy = shift(bx0, bx1, x0, x1), shift(by0, by1, y0, y1)
    anchors = {i: item_anchor(layout, i) for i in ids}
    moved = move_items(layout, {i: (a[0] + dx, a[1] + dy) for i, a in anchors.items()
                                if a is not None})
    return (dx, dy) if not off_floor(moved, ids, catalog) else None


def overlapped(layout: Layout, ids: Sequence[str], catalog: Catalog | None = None) -> list[str]:
    """Return the racks, floor units and obstacles (columns, walls, keep-out zones) the
    footprints of ``ids`` overlap (not each other): what a paste, a drop or a turn put
    them on.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (12, 0), (12, 8), (0, 8)]),
    ...              racks=[Rack(id=f"R{k}", type="rack-600x1200", x_m=2.3 + 0.6 * k,
    ...                          y_m=4.0) for k in range(3)])
    >>> overlapped(move_items(lay, {"R2": (2.5, 4.0)}), ["R2"])
    ['R0', 'R1']
    >>> overlapped(lay, ["R2"])
    []
    """
    catalog = catalog or default_catalog()
    mine = _footprints(layout, ids, catalog)
    if not mine:
        return []
    others = [i for i in (*(r.id for r in layout.racks),
                          *(u.id for u in layout.cooling if u.kind != "rear_door"))
              if i not in mine]
    boxes = _footprints(layout, others, catalog)
    # the rear doors of the others, and those of ``ids`` on the others
    door_rack = {u.id: u.rack for u in layout.cooling if u.kind == "rear_door"}
    boxes.update({d: b for d, b in _door_boxes(layout, catalog).items()
                  if door_rack[d] not in mine})
    own = np.array([*mine.values(), *_door_boxes(layout, catalog, set(mine)).values()])
    out = []
    if boxes:
        at = np.array(list(boxes.values()))
        hit = np.zeros(len(at), bool)
        hit[overlapping_between(own, at)[1]] = True
        out = [i for i, h in zip(boxes, hit.tolist(), strict=True) if h]
    floor = _Floor(layout)
    under = floor.obstacles_under_many(own)
    return out + [oid for oid, _poly in floor.blocks if oid in under]


def duplicate(layout: Layout, ids: Iterable[str], offset: Sequence[float] = (0.6, -0.6),
              new_ids: Mapping[str, str] | None = None) -> Layout:
    """Return the layout with copies of ``ids`` moved by ``offset``, under new unique ids.

    Examples
    --------
    >>> from engine.model import Hall, Layout, Rack
    >>> lay = Layout(hall=Hall(outline=[(0, 0), (1, 0), (1, 1)]),
    ...              racks=[Rack(id="GPU-0001", type="rack-800x1200", x_m=0, y_m=0)])
    >>> [r.id for r in duplicate(lay, ["GPU-0001"]).racks]
    ['GPU-0001', 'GPU-0002']
    """
    return paste(layout, copy_items(layout, ids), offset, new_ids)
