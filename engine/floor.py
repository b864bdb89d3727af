"""Floor: footprints, overlaps, hall and obstacle containment, aisles, floor loading.

Footprints are axis-aligned boxes (racks and units rotate in 90 degree steps),
so overlap tests are interval arithmetic on candidate pairs from a shapely
STRtree. The aisle rule checks a strip of ``aisle_clearance_m`` in front of and
behind every rack (TIA-942: cold aisle two 600 mm tiles, 1.2 m [S112]).

Examples
--------
>>> b = boxes(np.array([0.0, 0.5]), np.array([0.0, 0.0]), np.array([0.3, 0.3]), np.array([0.6, 0.6]))
>>> overlapping_pairs(b).tolist()
[[0, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from engine.model import Layout

__all__ = ["FloorResult", "boxes", "overlapping_pairs", "strips", "analyze_floor"]

_EPS = 1e-6


@dataclass
class FloorResult:
    """Floor checks; index arrays refer to the combined footprint list ``ids``."""

    ids: list[str]
    kind: list[str]  # "rack" or "unit"
    box: np.ndarray  # (N, 4) minx, miny, maxx, maxy
    overlaps: np.ndarray  # (K, 2) pairs of footprint indices
    outside: np.ndarray  # (M,) footprint indices not inside the hall
    on_obstacle: list[tuple[int, str]]
    aisle_blocked: np.ndarray  # (K, 2) rack index, blocking footprint index
    rack_area_m2: np.ndarray
    rack_load_kg_m2: np.ndarray
    hall_area_m2: float
    occupied_area_m2: float


def boxes(x: np.ndarray, y: np.ndarray, hx: np.ndarray, hy: np.ndarray) -> np.ndarray:
    """Return (N, 4) boxes ``minx, miny, maxx, maxy`` from centres and half extents."""
    return np.stack([x - hx, y - hy, x + hx, y + hy], axis=1) if len(x) else np.zeros((0, 4))


def _tree_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not len(a) or not len(b):
        return np.zeros((2, 0), np.int64)
    ga = shapely.box(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
    gb = shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3])
    tree = shapely.STRtree(gb)
    return tree.query(ga, predicate="intersects")


def _interior_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ox = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    oy = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return (ox > _EPS) & (oy > _EPS)


def overlapping_pairs(box: np.ndarray) -> np.ndarray:
    """Return (K, 2) index pairs ``i < j`` of boxes whose interiors overlap."""
    qi, qj = _tree_pairs(box, box)
    keep = qi < qj
    qi, qj = qi[keep], qj[keep]
    hit = _interior_overlap(box[qi], box[qj])
    return np.stack([qi[hit], qj[hit]], axis=1)


def strips(x, y, hx, hy, fx, fy, depth_m: float, inset_m: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Return the clearance boxes in front of and behind each rack, ``(front, back)``."""
    along_x = np.abs(fx) > 0.5  # front faces +-x: strip extends along x
    sx = np.where(along_x, depth_m / 2, hx - inset_m)
    sy = np.where(along_x, hy - inset_m, depth_m / 2)
    cx_f = x + fx * (np.where(along_x, hx, 0) + depth_m / 2)
    cy_f = y + fy * (np.where(along_x, 0, hy) + depth_m / 2)
    cx_b = x - fx * (np.where(along_x, hx, 0) + depth_m / 2)
    cy_b = y - fy * (np.where(along_x, 0, hy) + depth_m / 2)
    return boxes(cx_f, cy_f, sx, sy), boxes(cx_b, cy_b, sx, sy)


def analyze_floor(layout: Layout, rack_box: np.ndarray, rack_front: tuple[np.ndarray, np.ndarray],
                  rack_weight_kg: np.ndarray) -> FloorResult:
    """Run the floor checks for racks and floor-standing units."""
    a = layout.assumptions
    units = [u for u in layout.cooling if u.kind != "rear_door"]
    if units:
        ux = np.array([u.x_m for u in units])
        uy = np.array([u.y_m for u in units])
        quarter = np.array([u.rotation_deg in (90, 270) for u in units])
        uw = np.array([u.width_m for u in units])
        ud = np.array([u.depth_m for u in units])
        unit_box = boxes(ux, uy, np.where(quarter, ud, uw) / 2, np.where(quarter, uw, ud) / 2)
    else:
        unit_box = np.zeros((0, 4))
    n_r = len(rack_box)
    allbox = np.concatenate([rack_box, unit_box]) if len(unit_box) else rack_box
    ids = [r.id for r in layout.racks] + [u.id for u in units]
    kinds = ["rack"] * n_r + ["unit"] * len(units)
    pairs = overlapping_pairs(allbox)
    hall = shapely.Polygon(layout.hall.outline)
    if not hall.is_valid:
        hall = shapely.make_valid(hall)
    hall_area = float(hall.area)
    tol = hall.buffer(_EPS * 10)
    shapely.prepare(tol)
    geoms = shapely.box(allbox[:, 0], allbox[:, 1], allbox[:, 2], allbox[:, 3]) if len(allbox) \
        else np.array([], object)
    outside = np.flatnonzero(~shapely.contains(tol, geoms)) if len(allbox) else np.zeros(0, np.int64)
    on_obst: list[tuple[int, str]] = []
    obst = layout.hall.obstacles
    if obst and len(allbox):
        og = [shapely.Polygon(o.polygon) for o in obst]
        tree = shapely.STRtree(og)
        gi, oi = tree.query(geoms, predicate="intersects")
        if len(gi):
            area = shapely.area(shapely.intersection(geoms[gi], np.asarray(og, object)[oi]))
            for g, o in zip(gi[area > _EPS], oi[area > _EPS], strict=True):
                on_obst.append((int(g), obst[int(o)].id))
    blocked = np.zeros((0, 2), np.int64)
    if n_r and a.aisle_clearance_m > 0:
        x = (rack_box[:, 0] + rack_box[:, 2]) / 2
        y = (rack_box[:, 1] + rack_box[:, 3]) / 2
        hx = (rack_box[:, 2] - rack_box[:, 0]) / 2
        hy = (rack_box[:, 3] - rack_box[:, 1]) / 2
        fx, fy = rack_front
        front, back = strips(x, y, hx, hy, fx, fy, a.aisle_clearance_m)
        st = np.concatenate([front, back])
        si, bj = _tree_pairs(st, allbox)
        owner = si % n_r
        hit = (owner != bj) & _interior_overlap(st[si], allbox[bj])
        blocked = np.unique(np.stack([owner[hit], bj[hit]], axis=1), axis=0) if hit.any() \
            else blocked
    area = (rack_box[:, 2] - rack_box[:, 0]) * (rack_box[:, 3] - rack_box[:, 1])
    load = np.divide(rack_weight_kg, area, out=np.zeros_like(area), where=area > 0)
    occupied = float(area.sum() + ((unit_box[:, 2] - unit_box[:, 0]) *
                                   (unit_box[:, 3] - unit_box[:, 1])).sum())
    return FloorResult(ids=ids, kind=kinds, box=allbox, overlaps=pairs, outside=outside,
                       on_obstacle=on_obst, aisle_blocked=blocked, rack_area_m2=area,
                       rack_load_kg_m2=load, hall_area_m2=hall_area, occupied_area_m2=occupied)


# -- rules ---------------------------------------------------------------------------------
from engine.rules import Violation, rule  # noqa: E402


@rule("FLOOR-OVERLAP", "floor", "Two footprints overlap.")
def _check_overlap(ctx) -> list[Violation]:
    f = ctx.floor
    return [Violation("FLOOR-OVERLAP", "error", f"{f.ids[i]} overlaps {f.ids[j]}",
                      (f.ids[i], f.ids[j])) for i, j in f.overlaps]


@rule("FLOOR-OUTSIDE", "floor", "A footprint is not inside the hall, or sits on an obstacle.")
def _check_outside(ctx) -> list[Violation]:
    f = ctx.floor
    out = [Violation("FLOOR-OUTSIDE", "error", f"{f.ids[i]} is outside the hall outline",
                     (f.ids[i],)) for i in f.outside]
    out += [Violation("FLOOR-OBSTACLE", "error", f"{f.ids[i]} sits on obstacle {oid}",
                      (f.ids[i], oid)) for i, oid in f.on_obstacle]
    return out


@rule("FLOOR-AISLE", "floor", "Less than the aisle clearance in front of or behind a rack.")
def _check_aisle(ctx) -> list[Violation]:
    f = ctx.floor
    clear = ctx.layout.assumptions.aisle_clearance_m
    return [Violation("FLOOR-AISLE", "warning",
                      f"{f.ids[i]} has {f.ids[j]} within {clear:.2f} m of its front or rear",
                      (f.ids[i], f.ids[j])) for i, j in f.aisle_blocked]


@rule("FLOOR-LOAD", "floor", "A rack's weight per footprint area exceeds the floor rating.")
def _check_load(ctx) -> list[Violation]:
    f = ctx.floor
    rating = ctx.layout.hall.floor_rating_kg_m2
    ids = ctx.arrays.rack_ids
    return [Violation("FLOOR-LOAD", "error",
                      f"Rack {ids[i]} loads the floor at {f.rack_load_kg_m2[i]:.0f} kg/m2, over the "
                      f"{rating:.0f} kg/m2 rating", (ids[i],))
            for i in np.flatnonzero(f.rack_load_kg_m2 > rating + 1e-9)]


@rule("RACK-U", "floor", "Devices overlap in U, exceed the rack, or have no U height.")
def _check_u(ctx) -> list[Violation]:
    ids = ctx.arrays.rack_ids
    return [Violation(code, "error", msg, (ids[r],)) for r, code, msg in ctx.arrays.rack_problems]
